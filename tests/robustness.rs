//! Bad input gets a clear error, files are never half-written, loaders survive what the
//! fuzzers found, and many threads on real text train as well as one.
//!
//! README.md's "Bad input" table points here (and to the older tests that already covered a
//! row).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{real_text, CkptLayout, TempDir};
use ndarray::{array, Array1, Array2};
use skipgram::{
    AnalogyMethod, Checkpoint, Corpus, Embeddings, Error, Objective, OneHot, ReadWord2Vec,
    SkipGramModel, TrainConfig, Trainer, Vocabulary,
};

fn small_embeddings() -> Embeddings {
    let vocab = Vocabulary::from_words(["the", "cat", "日本", "sat"]).unwrap();
    let v = array![
        [0.25f32, -1.5, 3.0],
        [1e-20, 0.0, -0.0],
        [7.0, 8.5, -9.25],
        [0.1, 0.2, 0.3]
    ];
    Embeddings::new(vocab, v).unwrap()
}

/// A trained model and its configuration (hierarchical softmax, so the checkpoint holds all
/// three matrices).
fn small_checkpoint() -> Checkpoint {
    let corpus = Corpus::from_text("x y z x y w x z w y\n".repeat(20));
    let config = TrainConfig {
        dim: 3,
        min_count: 1,
        epochs: 2,
        threads: 1,
        objective: Objective::HierarchicalSoftmax,
        ..Default::default()
    };
    let trainer = Trainer::new(config).unwrap();
    let mut model = trainer.build_model(&corpus).unwrap();
    trainer.train_until(&mut model, &corpus, 1).unwrap();
    Checkpoint { model, config }
}

fn bits(e: &Embeddings) -> Vec<u32> {
    e.vectors().iter().map(|x| x.to_bits()).collect()
}

fn checkpoint_bytes(c: &Checkpoint) -> Vec<u8> {
    let mut bytes = Vec::new();
    Checkpoint::write_to(&c.model, &c.config, &mut bytes).unwrap();
    bytes
}

// ---------------------------------------------------------------------------------------
// Corpora

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
    assert!(matches!(Corpus::from_path(&dir.0), Err(Error::Io { .. })));
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
        min_count: 1,
        epochs: 1,
        threads: 1,
        ..Default::default()
    };
    assert!(matches!(
        Trainer::new(config).unwrap().fit(&strict),
        Err(Error::InvalidUtf8 { .. })
    ));

    let lossy = strict.lossy_utf8(true);
    let vocab = lossy.build_vocabulary(1, None).unwrap();
    assert_eq!(vocab.count(vocab.index("ok").unwrap()), Some(2));
    assert!(vocab.index("caf\u{fffd}").is_some());
    assert!(vocab.index("bad\u{fffd}x").is_some());
    let (model, _) = Trainer::new(config).unwrap().fit(&lossy).unwrap();
    assert_eq!(model.embedding("caf\u{fffd}").unwrap().len(), 4);
}

// ---------------------------------------------------------------------------------------
// Unknown words, shapes, non-finite values

#[test]
fn unknown_words_are_errors_in_every_lookup() {
    let model = SkipGramModel::from_weights(
        Vocabulary::from_words(["a", "b", "c"]).unwrap(),
        array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]],
        array![[0.5f32, 0.0, -0.5], [0.0, 1.0, 2.0]],
    )
    .unwrap();
    let unknown = |r: Result<(), Error>, words: &[&str]| match r {
        Err(Error::UnknownWords(w)) => assert_eq!(w, words),
        other => panic!("expected UnknownWords({words:?}), got {other:?}"),
    };
    unknown(model.forward("zebra").map(|_| ()), &["zebra"]);
    unknown(model.embedding("zebra").map(|_| ()), &["zebra"]);
    unknown(model.one_hot("zebra").map(|_| ()), &["zebra"]);
    // Case and whitespace matter: "A" and "a " are other words.
    unknown(model.forward("A").map(|_| ()), &["A"]);
    unknown(model.embedding("a ").map(|_| ()), &["a "]);

    let e = model.to_embeddings();
    unknown(e.embedding("zebra").map(|_| ()), &["zebra"]);
    unknown(e.normalized_embedding("zebra").map(|_| ()), &["zebra"]);
    unknown(e.most_similar_word("zebra", 2).map(|_| ()), &["zebra"]);
    unknown(
        e.most_similar_batch(&["a", "zebra", "yak", "zebra"], 2)
            .map(|_| ()),
        &["zebra", "yak"],
    );
    for method in [AnalogyMethod::CosAdd, AnalogyMethod::CosMul] {
        unknown(
            e.analogy("a", "zebra", "b", 1, method).map(|_| ()),
            &["zebra"],
        );
        unknown(
            e.analogy("yak", "b", "zebra", 1, method).map(|_| ()),
            &["yak", "zebra"],
        );
        unknown(
            e.analogy_batch(&[("a", "b", "c"), ("a", "b", "gnu")], 1, method)
                .map(|_| ()),
            &["gnu"],
        );
    }
    unknown(
        e.most_similar_by_vector(array![1.0f32, 0.0].view(), 1, &["a", "emu"])
            .map(|_| ()),
        &["emu"],
    );
    assert_eq!(
        e.most_similar_word("zebra", 1).unwrap_err().to_string(),
        "unknown word: zebra"
    );
}

#[test]
fn shape_mismatches_are_errors() {
    let vocab = || Vocabulary::from_words(["a", "b"]).unwrap();
    let shape = |r: Result<(), Error>, what: &str| match r {
        Err(Error::ShapeMismatch { what: w, .. }) => assert!(w.contains(what), "{w}"),
        other => panic!("expected ShapeMismatch for {what}, got {other:?}"),
    };
    shape(
        SkipGramModel::from_weights(vocab(), Array2::zeros((3, 2)), Array2::zeros((2, 3)))
            .map(|_| ()),
        "p",
    );
    shape(
        SkipGramModel::from_weights(vocab(), Array2::zeros((2, 2)), Array2::zeros((2, 3)))
            .map(|_| ()),
        "p'",
    );
    shape(
        SkipGramModel::from_weights(vocab(), Array2::zeros((2, 0)), Array2::zeros((0, 2)))
            .map(|_| ()),
        "p",
    );
    shape(
        Embeddings::new(vocab(), Array2::zeros((1, 4))).map(|_| ()),
        "embedding",
    );
    shape(
        OneHot::new(0, 3)
            .unwrap()
            .project(Array2::zeros((2, 2)).view())
            .map(|_| ()),
        "p",
    );
    let e = Embeddings::new(vocab(), Array2::ones((2, 4))).unwrap();
    shape(
        e.most_similar_by_vector(Array1::ones(3).view(), 1, &[])
            .map(|_| ()),
        "query",
    );
    // A model of dimension 2 with a configuration of dimension 3: training and checkpoint
    // writing both refuse, and the model is left as it was.
    let mut model =
        SkipGramModel::from_weights(vocab(), Array2::ones((2, 2)), Array2::ones((2, 2))).unwrap();
    let config = TrainConfig {
        dim: 3,
        min_count: 1,
        epochs: 1,
        threads: 1,
        ..Default::default()
    };
    let corpus = Corpus::from_text("a b a b");
    shape(
        Trainer::new(config)
            .unwrap()
            .train(&mut model, &corpus)
            .map(|_| ()),
        "dimension",
    );
    assert_eq!(model.input_weights(), Array2::<f32>::ones((2, 2)));
    assert_eq!(model.epochs_trained(), 0);
    shape(
        Checkpoint::write_to(&model, &config, &mut Vec::new()),
        "dimension",
    );
}

#[test]
fn non_finite_weights_are_rejected_on_every_way_in() {
    let non_finite = |r: Result<(), Error>, case: &str| {
        assert!(
            matches!(r, Err(Error::NonFinite { .. })),
            "{case}: expected NonFinite, got {r:?}"
        );
    };
    let vocab = || Vocabulary::from_words(["a", "b"]).unwrap();
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut p = Array2::zeros((2, 2));
        p[[1, 0]] = bad;
        non_finite(
            SkipGramModel::from_weights(vocab(), p.clone(), Array2::zeros((2, 2))).map(|_| ()),
            "from_weights p",
        );
        non_finite(
            SkipGramModel::from_weights(vocab(), Array2::zeros((2, 2)), p.clone()).map(|_| ()),
            "from_weights p'",
        );
        non_finite(Embeddings::new(vocab(), p).map(|_| ()), "Embeddings::new");
        let e = Embeddings::new(vocab(), Array2::ones((2, 2))).unwrap();
        non_finite(
            e.most_similar_by_vector(array![1.0, bad].view(), 1, &[])
                .map(|_| ()),
            "query vector",
        );
        // word2vec binary.
        let mut bin = b"2 2\na ".to_vec();
        for x in [1.0f32, 2.0] {
            bin.extend_from_slice(&x.to_le_bytes());
        }
        bin.extend_from_slice(b"\nb ");
        for x in [3.0f32, bad] {
            bin.extend_from_slice(&x.to_le_bytes());
        }
        bin.push(b'\n');
        non_finite(
            Embeddings::read_word2vec_binary(&mut bin.as_slice()).map(|_| ()),
            "binary",
        );
    }
    // word2vec text: every spelling Rust's float parser accepts, and overflow to infinity.
    for word in [
        "nan",
        "NaN",
        "inf",
        "-inf",
        "+infinity",
        "Infinity",
        "1e39",
        "-4e38",
    ] {
        let text = format!("2 2\na 1 2\nb 3 {word}\n");
        non_finite(
            Embeddings::read_word2vec_text(&mut text.as_bytes()).map(|_| ()),
            word,
        );
    }
    // Checkpoint: NaN patched into p, p' and the hierarchical-softmax node vectors, with the
    // checksums recomputed (else the failed checksum is reported first).
    let ckpt = small_checkpoint();
    let bytes = checkpoint_bytes(&ckpt);
    let layout = CkptLayout::of(&bytes);
    let dir = TempDir::new("nan-ckpt");
    for (section, what) in [("p", "p"), ("p'", "p'"), ("node vectors", "node vectors")] {
        let at = layout.section(section).start + 4;
        let mut b = bytes.clone();
        b[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        layout.reseal(&mut b);
        non_finite(Checkpoint::read_from(&mut b.as_slice()).map(|_| ()), what);
        let path = dir.path("nan.ckpt");
        std::fs::write(&path, &b).unwrap();
        non_finite(Checkpoint::load(&path).map(|_| ()), what);
    }
}

#[test]
fn absurd_sizes_in_a_configuration_are_errors() {
    // Sizes beyond TrainConfig::MAX_SIZE would overflow buffer sizes or exhaust memory: they
    // are refused by `Trainer::new`, and by the checkpoint reader when stored in a file.
    let ok = TrainConfig {
        threads: 1,
        ..Default::default()
    };
    let big = TrainConfig::MAX_SIZE + 1;
    let cases = [
        ("dim", TrainConfig { dim: big, ..ok }),
        ("window", TrainConfig { window: big, ..ok }),
        (
            "negative",
            TrainConfig {
                negative: big,
                ..ok
            },
        ),
        (
            "epochs",
            TrainConfig {
                epochs: usize::MAX,
                ..ok
            },
        ),
        ("threads", TrainConfig { threads: big, ..ok }),
        (
            "max_sentence_len",
            TrainConfig {
                max_sentence_len: usize::MAX,
                ..ok
            },
        ),
    ];
    for (field, c) in cases {
        match Trainer::new(c) {
            Err(Error::InvalidConfig(m)) => assert!(m.contains(field), "{field}: {m}"),
            other => panic!("{field}: expected InvalidConfig, got {other:?}"),
        }
    }
    assert!(Trainer::new(TrainConfig {
        window: TrainConfig::MAX_SIZE,
        ..ok
    })
    .is_ok());
    // A checkpoint claiming window = 2^40 (bytes 34..42: after the 26-byte preamble and dim,
    // see src/io/checkpoint/), with its checksums recomputed.
    let mut bytes = checkpoint_bytes(&small_checkpoint());
    bytes[34..42].copy_from_slice(&(1u64 << 40).to_le_bytes());
    CkptLayout::of(&bytes).reseal(&mut bytes);
    match Checkpoint::read_from(&mut bytes.as_slice()) {
        Err(e @ Error::Format { .. }) => assert!(e.to_string().contains("window"), "{e}"),
        other => panic!("expected Format, got {other:?}"),
    }
}

#[test]
fn checkpoint_word_counts_that_overflow_are_a_format_error() {
    // Counts adding up to exactly 2^64 − 1 load; one more is an error, not an overflow in
    // `total_count` or in training's sums.
    let vocab = Vocabulary::from_counts([("a", u64::MAX - 5), ("b", 5)]).unwrap();
    let model =
        SkipGramModel::from_weights(vocab, Array2::zeros((2, 2)), Array2::zeros((2, 2))).unwrap();
    let config = TrainConfig {
        dim: 2,
        threads: 1,
        ..Default::default()
    };
    let mut bytes = Vec::new();
    Checkpoint::write_to(&model, &config, &mut bytes).unwrap();
    let back = Checkpoint::read_from(&mut bytes.as_slice()).unwrap();
    assert_eq!(back.model.vocab().total_count(), u64::MAX);
    // "b"'s count: after "a" (4 + 1 + 8 bytes), "b"'s length and byte.
    let layout = CkptLayout::of(&bytes);
    let at = layout.section("vocabulary").start + 13 + 5;
    assert_eq!(bytes[at..at + 8], 5u64.to_le_bytes());
    bytes[at..at + 8].copy_from_slice(&6u64.to_le_bytes());
    layout.reseal(&mut bytes);
    match Checkpoint::read_from(&mut bytes.as_slice()) {
        Err(e @ Error::Format { .. }) => assert!(e.to_string().contains("2^64"), "{e}"),
        other => panic!("expected Format, got {other:?}"),
    }
}

/// The trainer's word counter saturates at u64::MAX after the first epoch and then wraps
/// when workers add to it, so `words_done - words_before` underflows (a panic in debug
/// builds, a wrong word count in release). Reachable through `Vocabulary::from_counts` or a
/// checkpoint whose counts add up to nearly 2^64. Reported to the lead (src/train/mod.rs).
#[test]
fn training_with_huge_word_counts_is_not_a_panic() {
    let vocab = Vocabulary::from_counts([("a", u64::MAX - 10), ("b", 10)]).unwrap();
    let mut model =
        SkipGramModel::from_weights(vocab, Array2::zeros((2, 4)), Array2::zeros((4, 2))).unwrap();
    let config = TrainConfig {
        dim: 4,
        min_count: 1,
        epochs: 2,
        threads: 1,
        ..Default::default()
    };
    let corpus = Corpus::from_text("a b a b b a\n".repeat(3));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Trainer::new(config).unwrap().train(&mut model, &corpus)
    }));
    match r {
        Ok(Ok(report)) => assert_eq!(report.epochs.len(), 2),
        Ok(Err(e)) => println!("a clean error is fine: {e}"),
        Err(_) => panic!("training panicked on a vocabulary with huge counts"),
    }
}

/// Found by the `corpus` fuzzer (tests/fixtures/fuzz/corpus/ok-with-infinite-weights: two
/// configuration bytes, then the corpus `k \xff b\nk`). Divergence is detected from the
/// scores *before* an update, so when the last updates of the run overflow to ±∞ nothing
/// reads those rows again and `train` returns Ok with infinite weights (and the report's
/// loss is ~1e27). Any objective; one thread; deterministic. Reported to the lead
/// (src/train/mod.rs): expected `Diverged` with the model unchanged, or finite weights.
#[test]
fn training_that_ends_with_infinite_weights_is_not_ok() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz/corpus/ok-with-infinite-weights");
    let bytes = std::fs::read(fixture).unwrap();
    // The configuration the fuzz target decodes from the bytes 0x21 0x9e.
    assert_eq!(bytes[..2], [0x21, 0x9e]);
    let fuzzed = (
        Corpus::from_bytes(bytes[2..].to_vec()).lossy_utf8(true),
        TrainConfig {
            dim: 4,
            window: 2,
            objective: Objective::HierarchicalSoftmax,
            negative: 1,
            sample: 0.0,
            min_count: 1,
            epochs: 1,
            alpha: 1e30,
            threads: 3,
            seed: 33,
            max_sentence_len: 2,
            ..Default::default()
        },
    );
    let mut cases = vec![fuzzed];
    for objective in [
        Objective::Softmax,
        Objective::NegativeSampling,
        Objective::HierarchicalSoftmax,
    ] {
        let config = TrainConfig {
            dim: 4,
            window: 2,
            objective,
            sample: 0.0,
            min_count: 1,
            epochs: 1,
            alpha: 1e30,
            threads: 1,
            seed: 33,
            ..Default::default()
        };
        cases.push((Corpus::from_text("a b\nc\n"), config));
    }
    for (corpus, config) in cases {
        let trainer = Trainer::new(config).unwrap();
        let mut model = trainer.build_model(&corpus).unwrap();
        let before = model.clone();
        match trainer.train(&mut model, &corpus) {
            Ok(_) => {
                let finite = model.input_weights().iter().all(|x| x.is_finite())
                    && model
                        .output_weights_transposed()
                        .iter()
                        .all(|x| x.is_finite())
                    && model
                        .hs_node_vectors()
                        .is_none_or(|h| h.iter().all(|x| x.is_finite()));
                assert!(finite, "Ok with non-finite weights: {config:?}");
            }
            Err(Error::Diverged { .. }) => {
                assert_eq!(model.input_weights(), before.input_weights());
            }
            Err(e) => panic!("{e:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Damaged files

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
    Checkpoint::save(&c.model, &c.config, &cp).unwrap();
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
    let start = Instant::now();
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
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
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

// ---------------------------------------------------------------------------------------
// Atomic saves

#[test]
fn failed_saves_leave_the_previous_file_and_no_temp_file() {
    let dir = TempDir::new("atomic");
    let good = small_embeddings();
    let (tp, bp, cp) = (dir.path("v.txt"), dir.path("v.bin"), dir.path("m.ckpt"));
    good.save_word2vec_text(&tp).unwrap();
    good.save_word2vec_binary(&bp).unwrap();
    let ckpt = small_checkpoint();
    Checkpoint::save(&ckpt.model, &ckpt.config, &cp).unwrap();
    let before: Vec<Vec<u8>> = [&tp, &bp, &cp]
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let names = ["m.ckpt", "v.bin", "v.txt"];
    assert_eq!(dir.entries(), names);
    let unchanged = |case: &str| {
        for (p, old) in [&tp, &bp, &cp].iter().zip(&before) {
            assert_eq!(&std::fs::read(p).unwrap(), old, "{case}: {}", p.display());
        }
        assert_eq!(dir.entries(), names, "{case}: a temporary file remains");
    };

    // A word with a space cannot be written: refused after the temporary file is created.
    let spaced = Embeddings::new(
        Vocabulary::from_words(["ok", "two words"]).unwrap(),
        Array2::ones((2, 3)),
    )
    .unwrap();
    assert!(matches!(
        spaced.save_word2vec_text(&tp),
        Err(Error::Format { .. })
    ));
    assert!(matches!(
        spaced.save_word2vec_binary(&bp),
        Err(Error::Format { .. })
    ));
    unchanged("word with a space");

    // Configuration and model disagree: refused before the first byte.
    let mismatched = TrainConfig {
        dim: ckpt.config.dim + 1,
        ..ckpt.config
    };
    assert!(matches!(
        Checkpoint::save(&ckpt.model, &mismatched, &cp),
        Err(Error::ShapeMismatch { .. })
    ));
    unchanged("dimension mismatch");

    // 300 words of 100 bytes and then a word longer than a checkpoint may hold: refused
    // once the temporary file exists (src/io/atomic.rs tests a failure after 50 kB are
    // written).
    let mut words: Vec<String> = (0..300).map(|i| format!("{i:0>100}")).collect();
    words.push("x".repeat(skipgram::io::MAX_WORD_BYTES + 1));
    let v = words.len();
    let model = SkipGramModel::from_weights(
        Vocabulary::from_words(words).unwrap(),
        Array2::zeros((v, 1)),
        Array2::zeros((1, v)),
    )
    .unwrap();
    let config = TrainConfig {
        dim: 1,
        ..ckpt.config
    };
    match Checkpoint::save(&model, &config, &cp) {
        Err(e @ Error::Format { .. }) => assert!(e.to_string().contains("longer"), "{e}"),
        other => panic!("expected Format, got {other:?}"),
    }
    unchanged("word too long midway through a checkpoint");

    // A directory that does not exist: an I/O error naming the path, nothing created.
    let nowhere = dir.path("missing/v.txt");
    match good.save_word2vec_text(&nowhere) {
        Err(e @ Error::Io { path: Some(_), .. }) => {
            assert!(e.to_string().contains(&*nowhere.to_string_lossy()), "{e}")
        }
        other => panic!("expected Io with the path, got {other:?}"),
    }
    unchanged("missing directory");

    // And a successful save replaces the file whole.
    let other = Embeddings::new(
        Vocabulary::from_words(["new"]).unwrap(),
        array![[1.0f32, 2.0]],
    )
    .unwrap();
    other.save_word2vec_text(&tp).unwrap();
    assert_eq!(std::fs::read_to_string(&tp).unwrap(), "1 2\nnew 1 2\n");
    assert_eq!(dir.entries(), names);
}

// ---------------------------------------------------------------------------------------
// Many threads

#[test]
fn sixteen_threads_on_real_text_train_as_well_as_one() {
    let corpus = Corpus::from_text(real_text(300_000));
    let config = |threads| TrainConfig {
        dim: 32,
        window: 5,
        objective: Objective::NegativeSampling,
        negative: 5,
        sample: 1e-3,
        min_count: 3,
        epochs: 3,
        threads,
        seed: 3,
        ..Default::default()
    };
    let (one, one_report) = Trainer::new(config(1)).unwrap().fit(&corpus).unwrap();
    let (many, many_report) = Trainer::new(config(16)).unwrap().fit(&corpus).unwrap();
    for m in [&one, &many] {
        assert!(m.input_weights().iter().all(|x| x.is_finite()));
        assert!(m.output_weights_transposed().iter().all(|x| x.is_finite()));
    }
    // Every word is read once per epoch however the corpus is split.
    let total = one.vocab().total_count();
    for r in one_report.epochs.iter().chain(&many_report.epochs) {
        assert_eq!(r.words, total);
    }
    let (l1, l16) = (
        one_report.epochs.last().unwrap().loss,
        many_report.epochs.last().unwrap().loss,
    );
    assert!(
        (l16 - l1).abs() <= 0.1 * l1,
        "last-epoch loss: 1 thread {l1}, 16 threads {l16}"
    );
    assert!(l16 < many_report.epochs[0].loss);
    // Raw cosines are all high on so small a text (unrelated pairs too), so compare
    // neighbourhoods: the number words, frequent and interchangeable in their contexts, fill
    // each other's nearest neighbours with one thread, and must with sixteen.
    let numbers = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    for (threads, model) in [(1, &one), (16, &many)] {
        let e = model.to_embeddings();
        for w in ["one", "three", "seven"] {
            let near = e.most_similar_word(w, 10).unwrap();
            let hits = near
                .iter()
                .filter(|(n, _)| numbers.contains(&n.as_str()))
                .count();
            assert!(hits >= 7, "{threads} threads, {w}: {near:?}");
        }
    }
}
