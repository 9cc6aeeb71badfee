//! Corpora that cannot train: empty, all-rare, invalid UTF-8.

use super::*;
use skipgram::TrainOptions;

#[test]
fn empty_and_all_rare_corpus_files_are_errors() {
    let dir = TempDir::new("corpus");
    for (name, text) in [("empty", ""), ("blank", " \n\t\r\n  \n")] {
        let path = dir.path(name);
        std::fs::write(&path, text).unwrap();
        let corpus = Corpus::from_path(&path).unwrap();
        assert!(
            matches!(corpus.build_vocabulary(1, None), Err(Error::EmptyCorpus)),
            "{name}"
        );
    }
    // Tokens longer than MAX_TOKEN_BYTES are skipped, so a file of only those is empty too.
    let long = "x".repeat(skipgram::corpus::MAX_TOKEN_BYTES + 1);
    let path = dir.path("long");
    std::fs::write(&path, format!("{long} {long}\n")).unwrap();
    assert!(matches!(
        Corpus::from_path(&path).unwrap().build_vocabulary(1, None),
        Err(Error::EmptyCorpus)
    ));
    // Every token below min_count.
    let path = dir.path("rare");
    std::fs::write(&path, "a b c a b\n").unwrap();
    let corpus = Corpus::from_path(&path).unwrap();
    assert!(matches!(
        corpus.build_vocabulary(3, None),
        Err(Error::EmptyVocabulary {
            min_count: 3,
            types: 3
        })
    ));
    assert_eq!(
        corpus.build_vocabulary(2, None).unwrap().words(),
        ["a", "b"]
    );
    // A directory is not a corpus.
    assert!(matches!(
        Corpus::from_path(dir.dir()),
        Err(Error::Io { .. })
    ));
}

#[test]
fn non_utf8_corpus_file_is_an_error_unless_lossy() {
    let dir = TempDir::new("utf8");
    let path = dir.path("latin1.txt");
    // "café" in Latin-1 (0xE9) at byte offset 4, and an invalid byte mid-token later.
    std::fs::write(&path, b"the caf\xe9 sat\nok bad\xffx ok\n").unwrap();
    let strict = Corpus::from_path(&path).unwrap();
    match strict.build_vocabulary(1, None) {
        Err(Error::InvalidUtf8 {
            offset: 7,
            path: Some(p),
        }) => assert_eq!(p, path),
        other => panic!("expected InvalidUtf8 at byte 7 naming the file, got {other:?}"),
    }
    let e = strict.build_vocabulary(1, None).unwrap_err().to_string();
    assert!(e.contains("latin1.txt") && e.contains("offset 7"), "{e}");
    // Training reads the same way.
    let config = TrainConfig {
        dim: 4,
        vocab: skipgram::VocabConfig {
            min_count: 1,
            ..Default::default()
        },
        epochs: 1,
        threads: 1,
        ..Default::default()
    };
    assert!(matches!(
        Trainer::new(config)
            .unwrap()
            .fit(&strict, TrainOptions::new()),
        Err(Error::InvalidUtf8 { .. })
    ));

    let lossy = strict.lossy_utf8(true);
    let vocab = lossy.build_vocabulary(1, None).unwrap();
    assert_eq!(vocab.count(vocab.index("ok").unwrap()), Some(2));
    assert!(vocab.index("caf\u{fffd}").is_some());
    assert!(vocab.index("bad\u{fffd}x").is_some());
    let (model, _) = Trainer::new(config)
        .unwrap()
        .fit(&lossy, TrainOptions::new())
        .unwrap();
    assert_eq!(model.embedding("caf\u{fffd}").unwrap().len(), 4);
}
