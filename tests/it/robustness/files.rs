//! Damaged files: invalid UTF-8, every truncation, huge headers, and what the fuzzers found.

use super::*;

#[test]
fn non_utf8_vectors_files_are_errors_unless_lossy() {
    let dir = TempDir::new("utf8-vec");
    let text = b"2 2\nok 1 2\nna\xefve 3 4\n".to_vec();
    let mut bin = b"2 2\nok ".to_vec();
    for x in [1.0f32, 2.0] {
        bin.extend_from_slice(&x.to_le_bytes());
    }
    bin.extend_from_slice(b"\nna\xefve ");
    for x in [3.0f32, 4.0] {
        bin.extend_from_slice(&x.to_le_bytes());
    }
    let (tp, bp) = (dir.path("v.txt"), dir.path("v.bin"));
    std::fs::write(&tp, &text).unwrap();
    std::fs::write(&bp, &bin).unwrap();
    // Strict: InvalidUtf8 at the word's first byte, naming the file.
    for (r, path, offset) in [
        (Embeddings::load_word2vec_text(&tp), &tp, 11),
        (Embeddings::load_word2vec_binary(&bp), &bp, 16),
    ] {
        match r {
            Err(Error::InvalidUtf8 {
                offset: o,
                path: Some(p),
            }) => assert_eq!((o, &p), (offset, path)),
            other => panic!("{}: {other:?}", path.display()),
        }
    }
    // Lossy: U+FFFD in place of the bad byte; the values are intact.
    let open = |p: &Path| std::io::BufReader::new(std::fs::File::open(p).unwrap());
    let t = Embeddings::read_word2vec_text_lossy(&mut open(&tp)).unwrap();
    let b = Embeddings::read_word2vec_binary_lossy(&mut open(&bp)).unwrap();
    for e in [&t, &b] {
        assert_eq!(e.vocab().words(), ["ok", "na\u{fffd}ve"]);
        assert_eq!(e.embedding("na\u{fffd}ve").unwrap(), array![3.0f32, 4.0]);
    }
}

#[test]
fn every_truncation_of_a_saved_file_is_an_error() {
    let dir = TempDir::new("cut");
    let e = small_embeddings();
    let (tp, bp, cp) = (dir.path("v.txt"), dir.path("v.bin"), dir.path("m.ckpt"));
    e.save_word2vec_text(&tp).unwrap();
    e.save_word2vec_binary(&bp).unwrap();
    let c = small_checkpoint();
    Checkpoint::save(&c.0, &c.1, &cp).unwrap();
    let cut_path = dir.path("cut");
    let header_len = "4 3\n".len();

    let text = std::fs::read(&tp).unwrap();
    for cut in 0..text.len() {
        std::fs::write(&cut_path, &text[..cut]).unwrap();
        match Embeddings::load_word2vec_text(&cut_path) {
            Err(Error::Truncated { .. }) => {}
            Err(Error::Format { line: Some(1), .. }) if cut < header_len => {}
            other => panic!("text cut at {cut} of {}: {other:?}", text.len()),
        }
    }
    assert_eq!(
        bits(&Embeddings::load_word2vec_text(&tp).unwrap()),
        bits(&e)
    );

    // The binary file's last byte is word2vec.c's optional newline: without it, it is
    // complete.
    let bin = std::fs::read(&bp).unwrap();
    for cut in 0..bin.len() - 1 {
        std::fs::write(&cut_path, &bin[..cut]).unwrap();
        match Embeddings::load_word2vec_binary(&cut_path) {
            Err(Error::Truncated { .. }) => {}
            Err(Error::Format { line: Some(1), .. }) if cut < header_len => {}
            other => panic!("binary cut at {cut} of {}: {other:?}", bin.len()),
        }
    }
    std::fs::write(&cut_path, &bin[..bin.len() - 1]).unwrap();
    assert_eq!(
        bits(&Embeddings::load_word2vec_binary(&cut_path).unwrap()),
        bits(&e)
    );

    let ckpt = std::fs::read(&cp).unwrap();
    for cut in 0..ckpt.len() {
        std::fs::write(&cut_path, &ckpt[..cut]).unwrap();
        match Checkpoint::load(&cut_path) {
            Err(Error::Truncated { .. }) => {}
            other => panic!("checkpoint cut at {cut} of {}: {other:?}", ckpt.len()),
        }
    }
    assert!(Checkpoint::load(&cp).is_ok());
}

#[test]
fn huge_headers_on_small_files_fail_fast() {
    // 10^12 words, 4·10^9 words of dimension 1000, one word of dimension 10^9: a few bytes
    // of data. (tests/allocation.rs measures that no header-sized memory is reserved.)
    let dir = TempDir::new("huge");
    let path = dir.path("v");
    for (header, text_ok, bin_ok) in [
        ("1000000000000 4\n", "format", "format"),
        ("4000000000 1000\n", "format", "truncated"),
        ("1 1000000000\n", "format", "truncated"),
    ] {
        let mut data = header.as_bytes().to_vec();
        data.extend_from_slice(b"w 1 2 3 4\n");
        std::fs::write(&path, &data).unwrap();
        // The binary reader gets a binary record.
        let mut bin = header.as_bytes().to_vec();
        bin.extend_from_slice(b"w ");
        for x in [1.0f32, -2.0, 0.0, 4.0] {
            bin.extend_from_slice(&x.to_le_bytes());
        }
        let kind = |r: Result<Embeddings, Error>| match r {
            Err(Error::Format { .. }) => "format",
            Err(Error::Truncated { .. }) => "truncated",
            other => panic!("{header:?}: {other:?}"),
        };
        assert_eq!(
            kind(Embeddings::load_word2vec_text(&path)),
            text_ok,
            "{header}"
        );
        assert_eq!(
            kind(Embeddings::read_word2vec_text(&mut data.as_slice())),
            text_ok
        );
        std::fs::write(&path, &bin).unwrap();
        assert_eq!(
            kind(Embeddings::load_word2vec_binary(&path)),
            bin_ok,
            "{header}"
        );
        assert_eq!(
            kind(Embeddings::read_word2vec_binary(&mut bin.as_slice())),
            bin_ok
        );
    }
    // A checkpoint claiming 2^32 − 1 words of dimension 2^20.
    let mut bytes = Vec::new();
    let config = TrainConfig {
        dim: 1 << 20,
        threads: 1,
        ..Default::default()
    };
    let model = SkipGramModel::from_weights(
        Vocabulary::from_words(["a"]).unwrap(),
        Array2::zeros((1, 1 << 20)),
        Array2::zeros((1 << 20, 1)),
    )
    .unwrap();
    Checkpoint::write_to(&model, &config, &mut bytes).unwrap();
    let layout = CkptLayout::of(&bytes);
    let v_at = layout.v_at;
    assert_eq!(bytes[v_at..v_at + 8], 1u64.to_le_bytes());
    bytes[v_at..v_at + 8].copy_from_slice(&u64::from(u32::MAX).to_le_bytes());
    // The vocabulary's length in bytes, after N: 2^32 − 1 one-byte words.
    bytes[v_at + 16..v_at + 24].copy_from_slice(&(13 * u64::from(u32::MAX)).to_le_bytes());
    layout.reseal_header(&mut bytes);
    bytes.truncate(layout.section("vocabulary").start + 13 + 10);
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        Checkpoint::load(&path),
        Err(Error::Truncated { .. })
    ));
    assert!(matches!(
        Checkpoint::read_from(&mut bytes.as_slice()),
        Err(Error::Truncated { .. })
    ));
}

/// Inputs the fuzzers (fuzz/) once crashed on, kept under tests/fixtures/fuzz/<target>/:
/// each must now give a clean error from the same entry point.
#[test]
fn fuzzer_finds_fail_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut checked = 0;
    for target in ["word2vec_text", "word2vec_binary", "checkpoint"] {
        let Ok(dir) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for entry in dir {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let (strict, lossy) = match target {
                "word2vec_text" => (
                    Embeddings::read_word2vec_text(&mut data.as_slice()).map(|_| ()),
                    Embeddings::read_word2vec_text_lossy(&mut data.as_slice()).map(|_| ()),
                ),
                "word2vec_binary" => (
                    Embeddings::read_word2vec_binary(&mut data.as_slice()).map(|_| ()),
                    Embeddings::read_word2vec_binary_lossy(&mut data.as_slice()).map(|_| ()),
                ),
                _ => (
                    Checkpoint::read_from(&mut data.as_slice()).map(|_| ()),
                    Checkpoint::read_from(&mut data.as_slice()).map(|_| ()),
                ),
            };
            for r in [strict, lossy] {
                assert!(
                    matches!(r, Err(Error::Truncated { .. } | Error::Format { .. })),
                    "{}: {r:?}",
                    path.display()
                );
            }
            checked += 1;
        }
    }
    // The word2vec_text find of issue 5 ("02 999999999999999999") is among them.
    assert!(
        checked >= 1,
        "no fuzz fixtures found under {}",
        root.display()
    );
}
