//! Telling word2vec text from binary: every fixture written by gensim, word2vec.c and fastText
//! is detected as its format, forcing the other format is a clear error, and error messages
//! never carry raw bytes of the input.

use std::path::{Path, PathBuf};

use crate::common::TempDir;
use skipgram::{Embeddings, Error, ReadWord2Vec, WriteWord2Vec};

fn fixtures(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir)
}

fn bits(e: &Embeddings) -> Vec<u32> {
    e.vectors().iter().map(|x| x.to_bits()).collect()
}

/// Every vector file under tests/fixtures/{gensim,formats}, with whether it is binary
/// (`.bin`) or text (`.txt`, `.vec`).
fn vector_files() -> Vec<(PathBuf, bool)> {
    let mut out = Vec::new();
    for dir in ["gensim", "formats"] {
        for entry in std::fs::read_dir(fixtures(dir)).unwrap() {
            let path = entry.unwrap().path();
            let binary = match path.extension().and_then(|e| e.to_str()) {
                Some("bin") => true,
                Some("txt" | "vec") if !path.ends_with("versions.txt") => false,
                _ => continue,
            };
            out.push((path, binary));
        }
    }
    out.sort();
    out
}

/// A message fit for a terminal: no control characters, no replacement characters (raw
/// bytes of the input decoded lossily), and not too long.
fn assert_clean(message: &str) {
    assert!(!message.chars().any(char::is_control), "{message:?}");
    assert!(!message.contains('\u{fffd}'), "{message:?}");
    assert!(message.len() < 500, "{} bytes: {message}", message.len());
}

#[test]
fn every_fixture_is_detected_and_the_wrong_reader_refuses_it() {
    let files = vector_files();
    let names: Vec<String> = files
        .iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "fasttext.vec",
            "word2vec-c.bin",
            "word2vec-c.txt",
            "eval.txt",
            "query.txt",
            "tiny.bin",
            "tiny.txt"
        ]
    );
    for (path, binary) in &files {
        let right = if *binary {
            Embeddings::load_word2vec_binary(path)
        } else {
            Embeddings::load_word2vec_text(path)
        }
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let auto = Embeddings::load_word2vec(path).unwrap();
        assert_eq!(auto.vocab().words(), right.vocab().words());
        assert_eq!(bits(&auto), bits(&right), "{}", path.display());
        let bytes = std::fs::read(path).unwrap();
        let streamed = Embeddings::read_word2vec(&mut bytes.as_slice()).unwrap();
        assert_eq!(bits(&streamed), bits(&right));

        let (wrong, looks_like, format) = if *binary {
            (
                Embeddings::load_word2vec_text(path),
                "binary",
                "word2vec text",
            )
        } else {
            (
                Embeddings::load_word2vec_binary(path),
                "text",
                "word2vec binary",
            )
        };
        match wrong {
            Err(e @ Error::Format { format: f, .. }) => {
                assert_eq!(f, format);
                let m = e.to_string();
                assert!(
                    m.contains(&format!("looks like the word2vec {looks_like} format")),
                    "{}: {m}",
                    path.display()
                );
                assert_clean(&m);
            }
            other => panic!("{}: {other:?}", path.display()),
        }
    }
}

#[test]
fn word2vec_c_text_and_binary_hold_the_same_vectors() {
    let text = Embeddings::load_word2vec(fixtures("formats").join("word2vec-c.txt")).unwrap();
    let bin = Embeddings::load_word2vec(fixtures("formats").join("word2vec-c.bin")).unwrap();
    assert_eq!((text.len(), text.dim()), (77, 8));
    assert_eq!(text.vocab().words(), bin.vocab().words());
    assert_eq!(&text.vocab().words()[..3], ["</s>", "the", "of"]);
    // word2vec.c prints "%lf": six decimals, so within 5e-7 (plus the f32 rounding of the
    // parsed text) of the binary value.
    for (t, b) in text.vectors().iter().zip(bin.vectors()) {
        assert!((t - b).abs() <= 5.1e-7, "{t} vs {b}");
    }
    // The first value, by hand: binary bytes 00 f0 4c 3d = 0.050033569, text "0.050034".
    assert_eq!(bin.vectors()[[0, 0]].to_bits(), 0x3d4c_f000);
    assert_eq!(text.vectors()[[0, 0]], 0.050034);
}

#[test]
fn fasttext_vec_values_match_an_independent_parse() {
    let path = fixtures("formats").join("fasttext.vec");
    let e = Embeddings::load_word2vec(&path).unwrap();
    let raw = std::fs::read_to_string(&path).unwrap();
    let mut lines = raw.lines();
    assert_eq!(lines.next(), Some("77 8"));
    let mut n = 0;
    for (i, line) in lines.enumerate() {
        // fastText ends every line with a space.
        assert!(line.ends_with(' '), "{line:?}");
        let mut fields = line.split(' ').filter(|f| !f.is_empty());
        let word = fields.next().unwrap();
        assert_eq!(e.vocab().word(i), Some(word));
        let want: Vec<f32> = fields.map(|f| f.parse().unwrap()).collect();
        assert_eq!(want, e.vectors().row(i).to_vec(), "{word}");
        n += 1;
    }
    assert_eq!(n, 77);
    assert_eq!(e.vocab().word(0), Some("the"));
}

#[test]
fn our_own_files_are_detected_both_ways() {
    let e = Embeddings::load_word2vec(fixtures("gensim").join("tiny.bin")).unwrap();
    let dir = TempDir::new("detect-own");
    for (name, binary) in [("x.vectors", true), ("y.vectors", false)] {
        let path = dir.path(name);
        if binary {
            e.save_word2vec_binary(&path).unwrap();
        } else {
            e.save_word2vec_text(&path).unwrap();
        }
        assert_eq!(bits(&Embeddings::load_word2vec(&path).unwrap()), bits(&e));
    }
}

#[test]
fn messages_about_bad_input_never_carry_raw_bytes() {
    let mut bin_word = b"2 2\n".to_vec();
    bin_word.extend_from_slice(b"\x1b[31mred ");
    bin_word.extend_from_slice(&[0, 0, 0x80, 0xbf, 0, 0, 0, 0]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("escape in the header", b"2 \x1b[2J\nw 1 2\n".to_vec()),
        ("binary header", b"\x00\x01\xff\xfe 3\n".to_vec()),
        (
            "long header token",
            format!("{} 3\n", "9".repeat(300)).into_bytes(),
        ),
        ("bell among numbers", b"1 2\nw 1 x\x07\n".to_vec()),
        ("invalid UTF-8 number", b"1 2\nw 1 \xff\xfe\n".to_vec()),
        (
            "long non-number",
            format!("1 2\nw 1 {}\n", "z".repeat(5000)).into_bytes(),
        ),
        ("escape in a binary word", bin_word),
        (
            "bell in a text word, too few numbers",
            b"2 3\nbe\x07ll 1 2\n".to_vec(),
        ),
    ];
    for (what, data) in cases {
        for (reader, result) in [
            ("text", Embeddings::read_word2vec_text(&mut data.as_slice())),
            (
                "binary",
                Embeddings::read_word2vec_binary(&mut data.as_slice()),
            ),
            ("auto", Embeddings::read_word2vec(&mut data.as_slice())),
        ] {
            match result {
                Err(e) => assert_clean(&e.to_string()),
                // Some of these are valid binary: "w 1 zzzzzz" is a word and two f32.
                Ok(_) if reader == "binary" => {}
                Ok(_) => panic!("{what}: the {reader} reader accepted it"),
            }
        }
    }
}

#[test]
fn load_errors_name_the_path() {
    let dir = TempDir::new("paths");
    let missing = dir.path("nope.vec");
    for r in [
        Embeddings::load_word2vec(&missing),
        Embeddings::load_word2vec_text(&missing),
        Embeddings::load_word2vec_binary(&missing),
    ] {
        match r {
            Err(e @ Error::Io { path: Some(_), .. }) => {
                let Error::Io { path: Some(p), .. } = &e else {
                    unreachable!()
                };
                assert_eq!(p, &missing);
                assert!(e.to_string().contains("nope.vec"), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }
    // A directory where a file is expected: the read fails, naming the path.
    match Embeddings::load_word2vec(dir.dir()) {
        Err(Error::Io { path: Some(p), .. }) => assert_eq!(p, dir.dir()),
        other => panic!("{other:?}"),
    }
    // Saving over a directory fails in the rename and names the target.
    let e = Embeddings::load_word2vec(fixtures("gensim").join("tiny.txt")).unwrap();
    std::fs::create_dir(dir.path("occupied")).unwrap();
    match e.save_word2vec_text(dir.path("occupied")) {
        Err(Error::Io { path: Some(p), .. }) => assert_eq!(p, dir.path("occupied")),
        other => panic!("{other:?}"),
    }
    let mut sink = Vec::new();
    e.write_word2vec_text(&mut sink).unwrap();
    assert_eq!(dir.entries(), ["occupied"], "no temporary file is left");
}
