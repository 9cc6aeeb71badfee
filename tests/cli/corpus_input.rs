//! `--tokenize` and compressed `--input` on `train`, `vocab` and `phrases`.

use std::io::Write;

use super::{fails, ok, skipgram};
use crate::common::TempDir;

const RAW: &str = include_str!("../fixtures/raw/raw-english.txt");

/// A token that begins or ends with a character that is not a letter or digit.
fn punctuated(w: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| !c.is_alphanumeric());
    edge(w.chars().next()) || edge(w.chars().next_back())
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

const SMALL: &[&str] = &[
    "--size",
    "8",
    "--iter",
    "1",
    "--min-count",
    "1",
    "--threads",
    "2",
    "--quiet",
    "--probe",
    "thames",
];

#[test]
fn train_notes_raw_text_and_tokenize_cleans_it_even_compressed() {
    let dir = TempDir::new("cli-raw");
    let d = dir.dir();
    std::fs::write(d.join("raw.txt"), RAW.repeat(3)).unwrap();
    std::fs::write(d.join("raw.txt.gz"), gzip(RAW.repeat(3).as_bytes())).unwrap();

    // Read as it is: trained, with a note on stderr naming --tokenize.
    let mut args = vec!["train", "--input", "raw.txt", "--output", "plain.txt"];
    args.extend_from_slice(SMALL);
    let out = skipgram(&args, d);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("looks like raw text") && err.contains("--tokenize"),
        "{err}"
    );

    let mut args = vec![
        "train",
        "--input",
        "raw.txt.gz",
        "--tokenize",
        "--output",
        "v.txt",
    ];
    args.extend_from_slice(SMALL);
    let out = skipgram(&args, d);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("looks like raw text"));
    let vectors = std::fs::read_to_string(d.join("v.txt")).unwrap();
    let words: Vec<&str> = vectors
        .lines()
        .skip(1)
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert!(words.contains(&"thames") && words.contains(&"state-of-the-art"));
    let bad: Vec<&&str> = words
        .iter()
        .filter(|w| punctuated(w) || w.chars().any(char::is_uppercase))
        .collect();
    assert!(bad.is_empty(), "{bad:?}");

    // `vocab` counts the compressed, tokenised corpus as the plain one.
    let vocab = |input: &str, out: &str| {
        let a = [
            "vocab",
            "--input",
            input,
            "--tokenize",
            "--min-count",
            "1",
            "--output",
            out,
        ];
        ok(&a, d);
        std::fs::read_to_string(d.join(out)).unwrap()
    };
    let counted = vocab("raw.txt.gz", "vocab-gz.txt");
    assert_eq!(counted, vocab("raw.txt", "vocab-plain.txt"));
    let thames = 3 * RAW.to_lowercase().matches("thames").count();
    assert!(
        counted.contains(&format!("\nthames {thames}\n")),
        "{counted}"
    );
    assert_eq!(
        counted.lines().count(),
        words.len(),
        "train --tokenize and vocab --tokenize count the same words"
    );
}

#[test]
fn phrases_read_compressed_and_tokenised_text() {
    let dir = TempDir::new("cli-phrases-bz2");
    let d = dir.dir();
    std::fs::write(d.join("raw.bz2"), bzip2(RAW.repeat(20).as_bytes())).unwrap();
    let args = [
        "phrases",
        "--input",
        "raw.bz2",
        "--tokenize",
        "--output",
        "phrased.txt",
        "--min-count",
        "5",
        "--threshold",
        "1",
        "--threads",
        "2",
    ];
    ok(&args, d);
    let text = std::fs::read_to_string(d.join("phrased.txt")).unwrap();
    assert!(
        text.contains("river_thames") || text.contains("the_thames"),
        "{text}"
    );
    assert!(text
        .split_whitespace()
        .all(|w| !punctuated(w) && !w.contains(char::is_uppercase)));
    assert_eq!(text.lines().count(), 20 * RAW.lines().count());
}

#[test]
fn corrupt_and_truncated_compressed_input_fails_naming_the_file() {
    let dir = TempDir::new("cli-corrupt");
    let d = dir.dir();
    let good = gzip(crate::common::real_text(300_000).as_bytes());
    std::fs::write(d.join("cut.gz"), &good[..good.len() / 2]).unwrap();
    for cmd in ["train", "vocab"] {
        let err = fails(
            &[cmd, "--input", "cut.gz", "--quiet"][..if cmd == "train" { 4 } else { 3 }],
            d,
        );
        assert!(
            err.contains("corrupt or truncated gzip data in cut.gz"),
            "{err}"
        );
    }
    let err = fails(&["phrases", "--input", "cut.gz", "--output", "p.txt"], d);
    assert!(err.contains("cut.gz"), "{err}");
    // No stray output after a failure.
    for f in ["vectors.txt", "vocab.txt", "p.txt"] {
        assert!(!d.join(f).exists(), "{f}");
    }
}
