//! Unit tests of the word2vec readers and writers.

use super::*;
use crate::error::Error;
use crate::vocab::Vocabulary;
use ndarray::array;
use ndarray::Array2;

fn sample() -> Embeddings {
    let vocab = Vocabulary::from_words(["the", "ünï", "日本", "🙂x"]).unwrap();
    let v = array![
        [0.1f32, -0.0, 1e-45, f32::MAX],
        [f32::MIN_POSITIVE, -1.5e-7, 123456.79, 1e16],
        [1.0, -1.0, 0.0, 0.5],
        [std::f32::consts::PI, 9.999e-5, 1e-4, -3.4e-38],
    ];
    Embeddings::new(vocab, v).unwrap()
}

fn bits(e: &Embeddings) -> Vec<u32> {
    e.vectors().iter().map(|x| x.to_bits()).collect()
}

#[test]
fn text_round_trips_bit_for_bit() {
    let e = sample();
    let mut out = Vec::new();
    e.write_word2vec_text(&mut out).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(
        text.starts_with("4 4\nthe 0.1 -0 1e-45 3.4028235e38\n"),
        "{text}"
    );
    let back = Embeddings::read_word2vec_text(&mut &out[..]).unwrap();
    assert_eq!(back.vocab().words(), e.vocab().words());
    assert_eq!(back.vocab().counts(), [1, 1, 1, 1]);
    assert_eq!(bits(&back), bits(&e));
}

#[test]
fn binary_round_trips_bit_for_bit() {
    let e = sample();
    let mut out = Vec::new();
    e.write_word2vec_binary(&mut out).unwrap();
    // Header, then "the" + space + 16 bytes + newline as word2vec.c writes it.
    assert_eq!(&out[..8], b"4 4\nthe ");
    assert_eq!(out[8..12], 0.1f32.to_le_bytes());
    assert_eq!(out[4 + 4 + 16], b'\n');
    let back = Embeddings::read_word2vec_binary(&mut &out[..]).unwrap();
    assert_eq!(back.vocab().words(), e.vocab().words());
    assert_eq!(bits(&back), bits(&e));
}

fn binary(words: &[(&[u8], &[f32])], newline: bool) -> Vec<u8> {
    let mut out = format!("{} {}\n", words.len(), words[0].1.len()).into_bytes();
    for (w, v) in words {
        out.extend_from_slice(w);
        out.push(b' ');
        for x in *v {
            out.extend_from_slice(&x.to_le_bytes());
        }
        if newline {
            out.push(b'\n');
        }
    }
    out
}

#[test]
fn binary_without_newlines_and_delimiter_bytes_in_vectors() {
    // 0x20202020 and 0x0a0a0a0a are a space and newlines as bytes.
    let tricky = [f32::from_bits(0x2020_2020), f32::from_bits(0x0a0a_0a0a)];
    let data = binary(&[(b"a", &tricky), (b"b", &[1.0, 2.0])], false);
    let e = Embeddings::read_word2vec_binary(&mut &data[..]).unwrap();
    assert_eq!(e.vocab().words(), ["a", "b"]);
    assert_eq!(e.vectors()[[0, 0]].to_bits(), 0x2020_2020);
    assert_eq!(e.vectors()[[0, 1]].to_bits(), 0x0a0a_0a0a);
    assert_eq!(e.embedding("b").unwrap(), array![1.0f32, 2.0]);
}

fn text_err(s: &str) -> Error {
    Embeddings::read_word2vec_text(&mut s.as_bytes()).unwrap_err()
}

#[test]
fn bad_headers_are_format_errors_on_line_1() {
    for h in [
        "abc 3\n",
        "3\n",
        "3 4 5\n",
        "0 4\n",
        "2 0\n",
        "-1 3\n",
        "4294967296 2\n",
        "4000000000 4000000000000\n",
    ] {
        match text_err(h) {
            Error::Format { line: Some(1), .. } => {}
            e => panic!("{h:?}: {e:?}"),
        }
    }
    assert!(matches!(text_err(""), Error::Truncated { .. }));
    let long = format!("1 {}\n", "0".repeat(2000));
    assert!(matches!(
        text_err(&long),
        Error::Format { line: Some(1), .. }
    ));
}

#[test]
fn text_errors() {
    assert!(matches!(text_err("2 2\na 1 2\n"), Error::Truncated { .. }));
    assert!(matches!(
        text_err("2 2\na 1 2\nb 1"),
        Error::Truncated { .. }
    ));
    // Cut inside the last number: "2.5" → "2." still parses, so a last line without its
    // newline is truncated even when it holds N values.
    assert!(matches!(
        text_err("2 2\na 1 2\nb 1 2."),
        Error::Truncated { .. }
    ));
    assert!(matches!(text_err("1 2\na 1 -"), Error::Truncated { .. }));
    match text_err("2 2\na 1 2\nb 1\n") {
        Error::Format {
            line: Some(3),
            message,
            ..
        } => assert!(message.contains("found 1")),
        e => panic!("{e:?}"),
    }
    assert!(matches!(
        text_err("1 2\na 1 2 3\n"),
        Error::Format { line: Some(2), .. }
    ));
    assert!(matches!(
        text_err("1 2\na 1 x\n"),
        Error::Format { line: Some(2), .. }
    ));
    assert!(matches!(
        text_err("2 2\na 1 2\n\n"),
        Error::Format { line: Some(3), .. }
    ));
    assert!(matches!(
        text_err("1 2\na nan 2\n"),
        Error::NonFinite { .. }
    ));
    assert!(matches!(
        text_err("1 2\na 1 inf\n"),
        Error::NonFinite { .. }
    ));
    assert!(matches!(
        text_err("1 2\na 1 1e39\n"),
        Error::NonFinite { .. }
    ));
    assert!(matches!(text_err("2 1\na 1\na 2\n"), Error::DuplicateWord(w) if w == "a"));
    // A trailing space (word2vec.c), CRLF and blank lines at the end are fine.
    let e = Embeddings::read_word2vec_text(&mut "1 2\r\nw 1 2 \r\n\n \n".as_bytes()).unwrap();
    assert_eq!(e.embedding("w").unwrap(), array![1.0f32, 2.0]);
}

#[test]
fn invalid_utf8_strict_and_lossy() {
    let text = b"2 1\nok 1\nb\xffd 2\n";
    match Embeddings::read_word2vec_text(&mut &text[..]) {
        Err(Error::InvalidUtf8 {
            offset: 9,
            path: None,
        }) => {}
        other => panic!("{other:?}"),
    }
    let e = Embeddings::read_word2vec_text_lossy(&mut &text[..]).unwrap();
    assert_eq!(e.vocab().words(), ["ok", "b\u{fffd}d"]);

    let bin = binary(&[(b"ok", &[1.0]), (b"b\xffd", &[2.0])], true);
    match Embeddings::read_word2vec_binary(&mut &bin[..]) {
        Err(Error::InvalidUtf8 { offset: 12, .. }) => {}
        other => panic!("{other:?}"),
    }
    let e = Embeddings::read_word2vec_binary_lossy(&mut &bin[..]).unwrap();
    assert_eq!(e.vocab().words(), ["ok", "b\u{fffd}d"]);
    assert_eq!(e.embedding("b\u{fffd}d").unwrap()[0], 2.0);
}

fn bin_err(data: &[u8]) -> Error {
    Embeddings::read_word2vec_binary(&mut &data[..]).unwrap_err()
}

#[test]
fn binary_errors() {
    let full = binary(&[(b"a", &[1.0, 2.0]), (b"b", &[3.0, 4.0])], true);
    // Cut anywhere after the header: always Truncated, never a panic.
    for cut in 4..full.len() - 1 {
        match bin_err(&full[..cut]) {
            Error::Truncated {
                format: "word2vec binary",
                ..
            } => {}
            e => panic!("cut at {cut}: {e:?}"),
        }
    }
    assert!(Embeddings::read_word2vec_binary(&mut &full[..full.len() - 1]).is_ok());
    let nan = binary(&[(b"a", &[1.0, f32::NAN])], true);
    assert!(matches!(bin_err(&nan), Error::NonFinite { .. }));
    let dup = binary(&[(b"a", &[1.0]), (b"a", &[2.0])], true);
    assert!(matches!(bin_err(&dup), Error::DuplicateWord(_)));
    let mut long = b"1 1\n".to_vec();
    long.resize(4 + MAX_WORD_BYTES + 10, b'w');
    assert!(matches!(bin_err(&long), Error::Format { .. }));
}

#[test]
fn huge_headers_do_not_allocate() {
    // 4·10⁹ words of dimension 1000, or one word of dimension 10⁹: the data is tiny, so
    // the readers must fail with Truncated without reserving header-sized memory.
    for header in ["4000000000 1000\n", "1 1000000000\n"] {
        let mut data = header.as_bytes().to_vec();
        data.extend_from_slice(b"w ");
        data.extend_from_slice(&1.0f32.to_le_bytes());
        assert!(
            matches!(bin_err(&data), Error::Truncated { .. }),
            "{header}"
        );
        let text = format!("{header}w 1 2 3\n");
        assert!(
            matches!(
                text_err(&text),
                Error::Truncated { .. } | Error::Format { .. }
            ),
            "{header}"
        );
    }
    assert!(matches!(
        text_err("4000000000 1000\nw"),
        Error::Truncated { .. }
    ));
    // N so large that the line-length limit saturates (a fuzzer find: the limit + 1
    // overflowed).
    assert!(matches!(
        text_err("02 999999999999999999"),
        Error::Truncated { .. }
    ));
    assert!(matches!(
        text_err("2 999999999999999999\nw 1\n"),
        Error::Format { line: Some(2), .. }
    ));
}

#[test]
fn words_no_file_can_hold_are_refused_when_read() {
    // The binary reader takes a word up to its space, so a tab or newline inside it reaches
    // the vocabulary, which refuses it (it could not be written back).
    for word in [&b"tab\there"[..], b"new\nline"] {
        let data = binary(&[(b"ok", &[1.0]), (word, &[2.0])], true);
        match bin_err(&data) {
            Error::InvalidWord {
                index: 1,
                word: w,
                reason,
            } => {
                assert_eq!(w.as_bytes(), word);
                assert_eq!(reason, "contains ASCII whitespace");
            }
            e => panic!("{e:?}"),
        }
    }
    // Nor can such a word be put into a vocabulary to be written.
    for bad in ["a b", "", "tab\there", "new\nline"] {
        assert!(matches!(
            Vocabulary::from_words(["ok", bad]),
            Err(Error::InvalidWord { index: 1, .. })
        ));
    }
}

#[test]
fn rows_beyond_the_header_count_are_an_error() {
    match text_err("1 2\nw 1 2\nextra 3 4\n") {
        Error::Format { message, .. } => {
            assert!(message.contains("data follows the 1 rows"), "{message}");
            assert!(message.contains("at byte 10"), "{message}");
        }
        e => panic!("{e:?}"),
    }
    for newline in [true, false] {
        let data = binary(&[(b"a", &[1.0, 2.0]), (b"b", &[3.0, 4.0])], newline);
        // Announce one row fewer than there are.
        let short = [b"1".as_slice(), &data[1..]].concat();
        match bin_err(&short) {
            Error::Format { message, .. } => {
                assert!(message.contains("data follows the 1 rows"), "{message}")
            }
            e => panic!("{newline}: {e:?}"),
        }
        // Auto-detection reads the same way.
        assert!(Embeddings::read_word2vec(&mut &short[..]).is_err());
        assert!(Embeddings::read_word2vec(&mut &data[..]).is_ok());
    }
}

#[test]
fn a_binary_word_with_a_space_is_an_error_not_garbage() {
    let rows: [(&[u8], &[f32]); 3] = [
        (b"first", &[0.5, -1.0, 0.25]),
        (b"new york", &[1.5, 2.0, -0.75]),
        (b"last", &[3.0, 1.0, 2.0]),
    ];
    for newline in [true, false] {
        let data = binary(&rows, newline);
        // Without newlines the misread words are not UTF-8 here; lossy, what is left over
        // after the last row is the error.
        assert!(Embeddings::read_word2vec_binary(&mut &data[..]).is_err());
        let e = Embeddings::read_word2vec_binary_lossy(&mut &data[..]);
        assert!(
            matches!(e, Err(Error::Format { .. }) | Err(Error::Truncated { .. })),
            "{newline}: {e:?}"
        );
        assert!(
            Embeddings::read_word2vec(&mut &data[..]).is_err(),
            "{newline}"
        );
    }
    // word2vec.c's layout: the row with the space is named.
    match bin_err(&binary(&rows, true)) {
        Error::Format { message, .. } => {
            assert!(message.contains("word 2 (\"new\")"), "{message}");
            assert!(message.contains("space"), "{message}");
        }
        e => panic!("{e:?}"),
    }
    // In the last row, or the only one: what is left over is the error.
    let last = binary(&[(b"a", &[1.0, 2.0]), (b"b c", &[3.0, 4.0])], true);
    assert!(matches!(bin_err(&last), Error::Format { .. }));
    let only = binary(&[(b"b c", &[3.0, 4.0])], false);
    assert!(matches!(bin_err(&only), Error::Format { .. }));
}

#[test]
fn a_binary_vector_starting_with_a_newline_byte_is_detected() {
    // N = 1: the first "line" after the word is empty, which text cannot be.
    let x = f32::from_le_bytes([b'\n', b'A', b'A', b'?']);
    for rows in [
        vec![(&b"w"[..], [x])],
        vec![(&b"w"[..], [x]), (&b"z"[..], [2.5])],
    ] {
        let rows: Vec<(&[u8], &[f32])> = rows.iter().map(|(w, v)| (*w, &v[..])).collect();
        for newline in [true, false] {
            let data = binary(&rows, newline);
            let forced = Embeddings::read_word2vec_binary(&mut &data[..]).unwrap();
            let auto = Embeddings::read_word2vec(&mut &data[..]).unwrap();
            assert_eq!(auto.vectors()[[0, 0]].to_bits(), x.to_bits());
            assert_eq!(auto.vocab(), forced.vocab());
            assert_eq!(bits(&auto), bits(&forced));
        }
    }
    // What cannot be told apart is read as text, and a failure then names the binary reader.
    let data = b"1 1\nw 12 x\nzz\n";
    match Embeddings::read_word2vec(&mut &data[..]) {
        Err(Error::Format { message, .. }) => {
            assert!(message.contains("could not be told"), "{message}");
            assert!(message.contains("read_word2vec_binary"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn forced_readers_refuse_the_other_format_only_when_it_is_clear() {
    let text = b"2 3\nthe 0.125 -2.5 1e-3\ncat 1 2 3\n";
    match Embeddings::read_word2vec_binary(&mut &text[..]) {
        Err(Error::Format {
            format, message, ..
        }) => {
            assert_eq!(format, "word2vec binary");
            assert!(
                message.contains("looks like the word2vec text format"),
                "{message}"
            );
            assert!(
                message.contains("line 2 is a word and 3 numbers"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    let bin = binary(
        &[(b"the", &[0.5, -1.0, 0.0]), (b"cat", &[1.0, 2.0, 3.0])],
        true,
    );
    match Embeddings::read_word2vec_text(&mut &bin[..]) {
        Err(Error::Format {
            format,
            line: Some(2),
            message,
        }) => {
            assert_eq!(format, "word2vec text");
            assert!(
                message.contains("looks like the word2vec binary format"),
                "{message}"
            );
            assert!(message.contains("0x"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // Auto-detection reads both; the bytes of a stream are not lost to the detection.
    assert_eq!(Embeddings::read_word2vec(&mut &text[..]).unwrap().len(), 2);
    let e = Embeddings::read_word2vec(&mut &bin[..]).unwrap();
    assert_eq!(e.embedding("cat").unwrap(), array![1.0f32, 2.0, 3.0]);
    // A '\n' byte early in the first binary vector: still binary for both readers.
    for second in [b"AAA?", &(-1.0f32).to_le_bytes()] {
        let x = f32::from_le_bytes([b'1', b'\n', b'A', 0x3f]);
        let data = binary(&[(b"w", &[x, f32::from_le_bytes(*second)])], true);
        let e = Embeddings::read_word2vec_binary(&mut &data[..]).unwrap();
        assert_eq!(e.vectors()[[0, 0]].to_bits(), x.to_bits());
    }
    let x = f32::from_le_bytes([b'1', b'\n', 0, 0x3f]);
    let data = binary(&[(b"w", &[x, -1.0])], true);
    let e = Embeddings::read_word2vec(&mut &data[..]).unwrap();
    assert_eq!(e.vectors()[[0, 0]].to_bits(), x.to_bits());
    // Text whose numbers are too short to tell (fewer than 4N bytes, wrong count): each
    // forced reader reads it as asked; text reports the count.
    match Embeddings::read_word2vec_text(&mut &b"1 3\nw 1 2\n"[..]) {
        Err(Error::Format {
            line: Some(2),
            message,
            ..
        }) => {
            assert!(message.contains("found 2"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn text_rows_formatted_in_parallel_are_written_in_order() {
    let vocab = Vocabulary::from_words((0..37).map(|i| format!("w{i}"))).unwrap();
    let vectors = Array2::from_shape_fn((37, 5), |(i, j)| {
        (i as f32 - 18.0) * 1.5e-5 * 10f32.powi(j as i32 * 4) + j as f32
    });
    let emb = Embeddings::new(vocab, vectors).unwrap();
    let mut serial = Vec::new();
    super::write::write_text_rows(
        emb.vocab().words(),
        emb.vectors(),
        &mut serial,
        usize::MAX,
        1,
    )
    .unwrap();
    // Independent: one row at a time, as the format is defined.
    let mut expected = String::new();
    for (w, row) in emb.vocab().words().iter().zip(emb.vectors().rows()) {
        expected.push_str(w);
        for &x in row {
            if x == 0.0 || (1e-4..1e16).contains(&x.abs()) {
                expected.push_str(&format!(" {x}"));
            } else {
                expected.push_str(&format!(" {x:e}"));
            }
        }
        expected.push('\n');
    }
    assert_eq!(String::from_utf8(serial).unwrap(), expected);
    for (chunk, threads) in [(1, 4), (3, 2), (5, 7), (36, 2), (37, 3)] {
        let mut out = Vec::new();
        super::write::write_text_rows(emb.vocab().words(), emb.vectors(), &mut out, chunk, threads)
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            expected,
            "{chunk} rows × {threads}"
        );
    }
}

#[test]
fn a_model_writes_the_bytes_its_embeddings_write() {
    use rand::{rngs::StdRng, SeedableRng};
    let vocab = Vocabulary::from_words((0..50).map(|i| format!("w{i}"))).unwrap();
    let model = crate::SkipGramModel::new(vocab, 7, &mut StdRng::seed_from_u64(3)).unwrap();
    let emb = model.to_embeddings();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    model.write_word2vec_text(&mut a).unwrap();
    emb.write_word2vec_text(&mut b).unwrap();
    assert_eq!(a, b);
    assert!(a.starts_with(b"50 7\nw0 "));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    model.write_word2vec_binary(&mut a).unwrap();
    emb.write_word2vec_binary(&mut b).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        a.len(),
        "50 7\n".len() + (0..50).map(|i| format!("w{i} ").len() + 29).sum::<usize>()
    );
}

/// Binary vectors are read straight from the reader's buffer when it holds a whole vector
/// and through the chunked path when it does not: every buffer size gives the same result,
/// and so does a file loaded through the read-ahead thread, whose 4 MiB chunks end inside
/// words and vectors.
#[test]
fn binary_reads_the_same_through_any_buffer_and_from_files_over_several_chunks() {
    let (v, n) = (1100, 1000); // 4.4 MB: more than one read-ahead chunk
    let words: Vec<String> = (0..v)
        .map(|i| format!("w{i}_{}", "é".repeat(i % 5)))
        .collect();
    let vectors = Array2::from_shape_fn((v, n), |(i, j)| {
        ((i * 31 + j * 7) % 997) as f32 / 97.0 - 5.0
    });
    let e = Embeddings::new(Vocabulary::from_words(words).unwrap(), vectors).unwrap();
    let mut bytes = Vec::new();
    e.write_word2vec_binary(&mut bytes).unwrap();
    for cap in [1, 7, 4001, 1 << 16] {
        let mut r = std::io::BufReader::with_capacity(cap, bytes.as_slice());
        let back = Embeddings::read_word2vec_binary(&mut r).unwrap();
        assert_eq!(back.vocab().words(), e.vocab().words(), "capacity {cap}");
        assert_eq!(back.vectors(), e.vectors(), "capacity {cap}");
        assert_eq!(back.norms(), e.norms(), "capacity {cap}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.bin");
    std::fs::write(&path, &bytes).unwrap();
    let back = Embeddings::load_word2vec_binary(&path).unwrap();
    assert_eq!(back.vocab().words(), e.vocab().words());
    assert_eq!(back.vectors(), e.vectors());
    let auto = Embeddings::load_word2vec(&path).unwrap();
    assert_eq!(auto.vectors(), e.vectors());
    // A NaN in the last vector, and a file cut inside it, are still caught.
    let mut bad = bytes.clone();
    let at = bad.len() - 5;
    bad[at - 4..at].copy_from_slice(&f32::NAN.to_le_bytes());
    std::fs::write(&path, &bad).unwrap();
    assert!(matches!(
        Embeddings::load_word2vec_binary(&path),
        Err(Error::NonFinite { .. })
    ));
    std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    assert!(matches!(
        Embeddings::load_word2vec_binary(&path),
        Err(Error::Truncated { .. })
    ));
}
