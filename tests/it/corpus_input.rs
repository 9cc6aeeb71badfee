//! Corpora as users have them: raw text (tokenised with `Tokenizer`) and compressed files
//! (gzip, bzip2, xz, zstd; detected by magic bytes).

use crate::common::TempDir;
use skipgram::{Corpus, Preprocessor, TrainConfig, Trainer, Vocabulary};
use skipgram::{Epochs, TrainOptions};

const RAW: &str = include_str!("../fixtures/raw/raw-english.txt");

fn config(threads: usize) -> TrainConfig {
    TrainConfig {
        dim: 8,
        vocab: skipgram::VocabConfig {
            min_count: 1,
            ..Default::default()
        },
        epochs: 1,
        threads,
        seed: 7,
        ..TrainConfig::default()
    }
}

/// Trains one epoch on `corpus` and returns the model's vocabulary.
fn train_vocab(corpus: &Corpus, threads: usize) -> Vocabulary {
    let trainer = Trainer::new(config(threads)).unwrap();
    let mut model = trainer
        .init_model(
            trainer
                .build_vocabulary(corpus, &TrainOptions::new())
                .unwrap(),
        )
        .unwrap();
    let report = trainer
        .train(&mut model, corpus, Epochs::Planned, TrainOptions::new())
        .unwrap();
    assert!(report.epochs.iter().all(|e| e.loss.is_finite()));
    model.vocab().clone()
}

/// A token with a character that is not a letter, digit or combining mark at either end.
fn punctuated(w: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| !c.is_alphanumeric());
    edge(w.chars().next()) || edge(w.chars().next_back())
}

#[test]
fn training_with_the_tokenizer_on_raw_text_leaves_no_punctuation_at_token_ends() {
    let dir = TempDir::new("raw");
    let path = dir.path("raw.txt");
    std::fs::write(&path, RAW.repeat(3)).unwrap();
    // Read as it is, the raw text is full of `London,` and `(It`.
    let plain = Corpus::from_path(&path).unwrap();
    let v = train_vocab(&plain, 2);
    assert!(v.words().iter().any(|w| punctuated(w)));
    let signs = skipgram::corpus::RawTextSigns::of(&v);
    assert!(signs.looks_raw(), "{signs:?}");

    for strip in [false, true] {
        let t = skipgram::Tokenizer::new().strip_accents(strip);
        let corpus = Corpus::from_path(&path).unwrap().with_tokenizer(t.clone());
        let v = train_vocab(&corpus, 2);
        let bad: Vec<&String> = v
            .words()
            .iter()
            .filter(|w| punctuated(w) || w.chars().any(char::is_uppercase))
            .collect();
        assert!(bad.is_empty(), "strip_accents {strip}: {bad:?}");
        assert!(!skipgram::corpus::RawTextSigns::of(&v).looks_raw());
        // Numbers, in-word apostrophes and hyphens are kept.
        for w in [
            "12,935",
            "1984",
            "it's",
            "o'neill",
            "state-of-the-art",
            "well-known",
        ] {
            assert!(v.index(w).is_some(), "{w} missing (strip_accents {strip})");
        }
        // `river’s` (typographic apostrophe) and `river's` are one word.
        assert_eq!(v.count(v.index("river's").unwrap()), Some(3 * 3));
        assert_eq!(v.index("café").is_some(), !strip);
        assert_eq!(v.index("cafe").is_some(), strip);
        // The corpus reads as the tokeniser splits queries (newlines aside).
        let mut seen = Vec::new();
        corpus.for_each_token(|w| seen.push(w.to_string())).unwrap();
        assert_eq!(seen, t.tokenize(&RAW.repeat(3)));
        assert_eq!(v.total_count(), seen.len() as u64);
    }
}

#[test]
fn a_line_start_survives_tokens_the_tokenizer_drops() {
    let c = Corpus::from_text("a b\n-- « c d\n\n... e").with_tokenizer(skipgram::Tokenizer::new());
    let mut out = Vec::new();
    c.write_tokens(&mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "a b\nc d\ne\n");
}

#[test]
fn corpora_and_queries_split_a_no_break_space_alike() {
    // U+00A0 is not ASCII whitespace: verbatim, `new\u{a0}york` is one token in training and
    // in a query; tokenised, it is two in both.
    let text = "new\u{a0}york is big\n";
    let mut verbatim = Vec::new();
    Corpus::from_text(text)
        .for_each_token(|t| verbatim.push(t.to_string()))
        .unwrap();
    assert_eq!(verbatim, ["new\u{a0}york", "is", "big"]);
    assert_eq!(Preprocessor::none().process(text), verbatim);

    let t = skipgram::Tokenizer::new();
    let mut tokenised = Vec::new();
    Corpus::from_text(text)
        .with_tokenizer(t.clone())
        .for_each_token(|w| tokenised.push(w.to_string()))
        .unwrap();
    assert_eq!(tokenised, ["new", "york", "is", "big"]);
    assert_eq!(t.tokenize(text), tokenised);
}

#[cfg(feature = "compression")]
mod compressed {
    use std::collections::BTreeMap;
    use std::io::Write;
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::common::real_text;
    use skipgram::corpus::Compression;
    use skipgram::Error;

    fn compress(format: Compression, data: &[u8]) -> Vec<u8> {
        match format {
            Compression::Gzip => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            Compression::Bzip2 => {
                let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            Compression::Xz => {
                let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            Compression::Zstd => {
                let mut e = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
                e.include_checksum(true).unwrap();
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            f => panic!("no encoder for {f:?}"),
        }
    }

    fn words_and_counts(v: &Vocabulary) -> BTreeMap<String, u64> {
        v.iter().map(|(w, c)| (w.to_string(), c)).collect()
    }

    const FORMATS: [(Compression, &str); 4] = [
        (Compression::Gzip, "gz"),
        (Compression::Bzip2, "bz2"),
        (Compression::Xz, "xz"),
        (Compression::Zstd, "zst"),
    ];

    fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.path(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn training_on_compressed_copies_of_the_bundled_corpus_gives_the_plain_vocabulary() {
        let dir = TempDir::new("compressed");
        let text = include_bytes!("../../examples/data/enwiki-2015-text8style-4M.txt");
        let plain = Corpus::from_path(write(&dir, "plain.txt", text)).unwrap();
        assert_eq!(plain.compression(), None);
        let want = words_and_counts(&train_vocab(&plain, 2));
        assert!(want.len() > 10_000);
        for (format, ext) in FORMATS {
            let path = write(&dir, &format!("corpus.txt.{ext}"), &compress(format, text));
            let corpus = Corpus::from_path(&path).unwrap();
            assert_eq!(corpus.compression(), Some(format));
            assert!(corpus.len_bytes() < text.len() as u64 / 2, "{format:?}");
            assert!(
                words_and_counts(&train_vocab(&corpus, 2)) == want,
                "{format:?}"
            );
        }
    }

    #[test]
    fn compressed_input_counts_alike_on_any_number_of_threads_and_tokenised() {
        let dir = TempDir::new("compressed-threads");
        // 3 MB: several chunks of decompressed text, dealt round-robin to the threads.
        let text = format!("{}\nThe End, (Zyxquv).\n", real_text(3_000_000));
        let plain = Corpus::from_text(text.clone());
        let want = words_and_counts(&plain.build_vocabulary(1, None).unwrap());
        let t = skipgram::Tokenizer::new();
        let want_tokenised = words_and_counts(
            &plain
                .clone()
                .with_tokenizer(t.clone())
                .build_vocabulary(1, None)
                .unwrap(),
        );
        assert!(want_tokenised.contains_key("zyxquv") && !want.contains_key("zyxquv"));
        let path = write(&dir, "c.zst", &compress(Compression::Zstd, text.as_bytes()));
        for threads in [1, 2, 3, 5] {
            let opts = skipgram::CountOptions {
                threads,
                vocab: skipgram::VocabConfig {
                    min_count: 1,
                    ..Default::default()
                },
            };
            let c = Corpus::from_path(&path).unwrap();
            assert!(words_and_counts(&c.build_vocabulary_with(&opts).unwrap()) == want);
            let c = c.with_tokenizer(t.clone());
            let got = words_and_counts(&c.build_vocabulary_with(&opts).unwrap());
            assert!(got == want_tokenised, "{threads} threads");
        }
        // Read whole, the decompressed text is the text.
        let mut tokens = Vec::new();
        Corpus::from_path(&path)
            .unwrap()
            .write_tokens(&mut tokens)
            .unwrap();
        let mut plain_tokens = Vec::new();
        plain.write_tokens(&mut plain_tokens).unwrap();
        assert!(tokens == plain_tokens);
    }

    #[test]
    fn formats_are_detected_by_magic_bytes_not_by_name() {
        let dir = TempDir::new("magic");
        let text = b"the cat sat\nthe dog sat\n";
        for (format, _) in FORMATS {
            // A compressed file named .txt is decompressed.
            let path = write(&dir, "misnamed.txt", &compress(format, text));
            let c = Corpus::from_path(&path).unwrap();
            assert_eq!(c.compression(), Some(format));
            assert_eq!(c.build_vocabulary(2, None).unwrap().words(), ["sat", "the"]);
        }
        // A plain file named .gz is plain text.
        let path = write(&dir, "plain.gz", text);
        let c = Corpus::from_path(&path).unwrap();
        assert_eq!(c.compression(), None);
        assert_eq!(c.build_vocabulary(2, None).unwrap().words(), ["sat", "the"]);
    }

    #[test]
    fn concatenated_gzip_members_and_zstd_frames_are_read_whole() {
        let dir = TempDir::new("members");
        for format in [
            Compression::Gzip,
            Compression::Bzip2,
            Compression::Xz,
            Compression::Zstd,
        ] {
            let mut bytes = compress(format, b"alpha beta\n");
            bytes.extend(compress(format, b"gamma alpha\n"));
            let c = Corpus::from_path(write(&dir, "two", &bytes)).unwrap();
            let mut out = Vec::new();
            assert_eq!(c.write_tokens(&mut out).unwrap(), 4, "{format:?}");
            assert_eq!(out, b"alpha beta\ngamma alpha\n", "{format:?}");
        }
    }

    fn assert_fails_naming(path: &Path, format: Compression, what: &str) {
        let corpus = Corpus::from_path(path).unwrap();
        for threads in [1, 3] {
            let opts = skipgram::CountOptions {
                threads,
                ..Default::default()
            };
            let e = corpus.build_vocabulary_with(&opts).unwrap_err();
            let msg = e.to_string();
            assert!(
                msg.contains(&path.display().to_string()),
                "{format:?} {what}: {msg}"
            );
            // A decoder error, or text the damaged stream decoded to that is not UTF-8
            // (found before the decoder reached the checksum): never a short corpus.
            assert!(
                matches!(e, Error::Decompress { format: f, .. } if f == format.name())
                    || matches!(e, Error::InvalidUtf8 { .. }),
                "{format:?} {what}: {e:?}"
            );
        }
        // Training reads it through the same pass and fails alike.
        let trainer = Trainer::new(config(2)).unwrap();
        assert!(
            trainer
                .build_vocabulary(&corpus, &TrainOptions::new())
                .is_err(),
            "{format:?} {what}"
        );
    }

    #[test]
    fn truncated_or_corrupt_compressed_files_are_errors_naming_the_file() {
        let dir = TempDir::new("corrupt");
        let text = real_text(400_000);
        for (format, ext) in FORMATS {
            let good = compress(format, text.as_bytes());
            for cut in [good.len() / 2, good.len() - 1] {
                let path = write(&dir, &format!("truncated-{cut}.{ext}"), &good[..cut]);
                assert_fails_naming(&path, format, &format!("truncated at {cut}"));
            }
            let mut bad = good.clone();
            let at = bad.len() / 2;
            bad[at] ^= 0x55;
            let path = write(&dir, &format!("flipped.{ext}"), &bad);
            assert_fails_naming(&path, format, "byte flipped");
        }
    }

    #[test]
    fn training_on_a_compressed_file_reads_it_every_epoch() {
        // Without the encoded-corpus memory every epoch decompresses the file again.
        let dir = TempDir::new("epochs");
        let text = crate::common::two_topic_corpus(400);
        let path = write(&dir, "c.xz", &compress(Compression::Xz, text.as_bytes()));
        let corpus = Corpus::from_path(&path).unwrap();
        for memory in [0, 1 << 20] {
            let cfg = TrainConfig {
                epochs: 3,
                encoded_corpus_memory: memory,
                ..config(3)
            };
            let trainer = Trainer::new(cfg).unwrap();
            let mut model = trainer
                .init_model(
                    trainer
                        .build_vocabulary(&corpus, &TrainOptions::new())
                        .unwrap(),
                )
                .unwrap();
            let report = trainer
                .train(&mut model, &corpus, Epochs::Planned, TrainOptions::new())
                .unwrap();
            let words = model.vocab().total_count();
            assert_eq!(report.epochs.len(), 3);
            for e in &report.epochs {
                assert_eq!(e.words, words, "memory {memory}");
            }
        }
    }
}
