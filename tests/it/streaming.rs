//! A 100 MB input on one line is streamed with bounded memory. The measurement runs in a
//! process of its own (this test binary started again for this one test), so that no other
//! test's allocations show up in the process's peak memory.

use std::io::Write;

use crate::common::TempDir;
use skipgram::Corpus;

/// Peak resident memory of this process in KiB (Linux `VmHWM`), if the OS reports it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Set in the child process that measures.
const CHILD: &str = "SKIPGRAM_STREAMING_TEST_CHILD";

#[test]
fn a_100_mb_single_line_streams_with_bounded_memory() {
    if std::env::var_os(CHILD).is_none() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "streaming::a_100_mb_single_line_streams_with_bounded_memory",
                "--exact",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && log.contains("1 passed"),
            "{log}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let dir = TempDir::new("stream");
    let path = dir.path("one-line.txt");
    // 100,000,000 bytes: "w0 w1 … w9 " repeated, no newline anywhere.
    let unit: String = (0..10).map(|i| format!("w{i} ")).collect(); // 30 bytes
    let total = 100_000_000usize;
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let chunk = unit.repeat(1 << 15);
        let mut written = 0;
        while written + chunk.len() <= total {
            f.write_all(chunk.as_bytes()).unwrap();
            written += chunk.len();
        }
        let rest = (total - written) / unit.len();
        f.write_all(unit.repeat(rest).as_bytes()).unwrap();
    }
    let len = std::fs::metadata(&path).unwrap().len();
    assert!(len > 99_990_000 && len <= 100_000_000);
    let expected_tokens = len / unit.len() as u64 * 10;

    let before = peak_rss_kib();
    let corpus = Corpus::from_path(&path).unwrap();
    let vocab = corpus.build_vocabulary(1, None).unwrap();
    assert_eq!(vocab.len(), 10);
    assert_eq!(vocab.total_count(), expected_tokens, "no token lost or cut");
    for i in 0..10 {
        assert_eq!(
            vocab.count(vocab.index(&format!("w{i}")).unwrap()),
            Some(expected_tokens / 10)
        );
    }
    let after = peak_rss_kib();
    if let (Some(b), Some(a)) = (before, after) {
        // The reader holds one 1 MiB buffer; the whole file would be ~95 MiB.
        assert!(
            a.saturating_sub(b) < 16 * 1024,
            "peak memory grew by {} KiB",
            a - b
        );
    }
}
