//! Absurd settings, word counts near 2⁶⁴, and training that ends with non-finite weights.

use super::*;
use skipgram::{Epochs, TrainOptions};

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
            Err(Error::OutOfRange { setting, .. }) => assert_eq!(setting, field),
            other => panic!("{field}: expected OutOfRange, got {other:?}"),
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
    assert_eq!(back.0.vocab().total_count(), u64::MAX);
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
/// checkpoint whose counts add up to nearly 2^64.
#[test]
fn training_with_huge_word_counts_is_not_a_panic() {
    let vocab = Vocabulary::from_counts([("a", u64::MAX - 10), ("b", 10)]).unwrap();
    let mut model =
        SkipGramModel::from_weights(vocab, Array2::zeros((2, 4)), Array2::zeros((4, 2))).unwrap();
    let config = TrainConfig {
        dim: 4,
        vocab: skipgram::VocabConfig {
            min_count: 1,
            ..Default::default()
        },
        epochs: 2,
        threads: 1,
        ..Default::default()
    };
    let corpus = Corpus::from_text("a b a b b a\n".repeat(3));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Trainer::new(config).unwrap().train(
            &mut model,
            &corpus,
            Epochs::Planned,
            TrainOptions::new(),
        )
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
/// loss is ~1e27). Any objective; one thread; deterministic. Expected: `Diverged` with the
/// model unchanged, or finite weights.
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
            vocab: skipgram::VocabConfig {
                min_count: 1,
                ..Default::default()
            },
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
            vocab: skipgram::VocabConfig {
                min_count: 1,
                ..Default::default()
            },
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
        let mut model = trainer
            .init_model(
                trainer
                    .build_vocabulary(&corpus, &TrainOptions::new())
                    .unwrap(),
            )
            .unwrap();
        let before = model.clone();
        match trainer.train(&mut model, &corpus, Epochs::Planned, TrainOptions::new()) {
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
