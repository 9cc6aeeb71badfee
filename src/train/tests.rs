//! Tests that need the trainer's internals: the kernels' instruction set, the block size of
//! the batched update, and the learning-rate schedule.

use super::*;
use crate::Objective;
use crate::VocabConfig;
use crate::{Epochs, TrainOptions};

/// The first `bytes` bytes (cut at a space) of the bundled Wikipedia excerpt (CC BY-SA 3.0,
/// see examples/data/README.md).
fn real_text(bytes: usize) -> String {
    let all = include_str!("../../examples/data/enwiki-2015-text8style-4M.txt");
    let cut = all[..bytes.min(all.len())].rfind(' ').unwrap_or(0);
    all[..cut].to_string()
}

fn cfg() -> TrainConfig {
    TrainConfig {
        dim: 16,
        vocab: VocabConfig {
            min_count: 2,
            ..Default::default()
        },
        epochs: 1,
        threads: 1,
        sample: 1e-3,
        ..Default::default()
    }
}

fn max_row_norm(model: &SkipGramModel) -> f32 {
    model
        .input_weights()
        .rows()
        .into_iter()
        .map(|r| r.dot(&r).sqrt())
        .fold(0.0, f32::max)
}

#[test]
fn portable_kernels_train_like_the_simd_ones() {
    let corpus = Corpus::from_text(real_text(100_000));
    let c = TrainConfig { epochs: 3, ..cfg() };
    let simd = Trainer::new(c).unwrap();
    let portable = Trainer {
        isa: Isa::portable(),
        ..simd.clone()
    };
    let (a, ra) = simd.fit(&corpus, TrainOptions::new()).unwrap();
    let (b, rb) = portable.fit(&corpus, TrainOptions::new()).unwrap();
    // Same random streams, arithmetic differing only in rounding (FMA vs mul + add).
    let (la, lb) = (ra.final_loss().unwrap(), rb.final_loss().unwrap());
    assert!((la - lb).abs() < 0.02 * la, "final loss {la} vs {lb}");
    let max_diff = a
        .input_weights()
        .iter()
        .zip(b.input_weights())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(max_diff < 1e-2, "largest weight difference {max_diff}");
}

/// Wide windows must train as the sequential, pair-by-pair update (blocks of one row,
/// word2vec.c's loop) does. Summing hundreds of rows' gradients into the shared output rows
/// at once (one block for the whole window) blew the weights up on the 4 MB excerpt and
/// trains far worse here. Up to [`MAX_BLOCK_ROWS`] rows (window 5) the batched update stays
/// within a few per cent of the sequential loss; wider batches are stepped row by row.
#[test]
fn windows_of_any_size_train_like_the_sequential_update() {
    let corpus = Corpus::from_text(real_text(60_000));
    for window in [5, 50, 200, 1000] {
        let c = TrainConfig { window, ..cfg() };
        let blocked = Trainer::new(c).unwrap();
        let sequential = Trainer {
            block_rows: 1,
            ..blocked.clone()
        };
        let (mb, rb) = blocked.fit(&corpus, TrainOptions::new()).unwrap();
        let (ms, rs) = sequential.fit(&corpus, TrainOptions::new()).unwrap();
        let (lb, ls) = (rb.final_loss().unwrap(), rs.final_loss().unwrap());
        let (nb, ns) = (max_row_norm(&mb), max_row_norm(&ms));
        assert!(
            (lb - ls).abs() < 0.02 * ls,
            "window {window}: loss {lb} blocked vs {ls} sequential"
        );
        assert!(
            nb < 1.5 * ns + 0.1 && ns < 1.5 * nb + 0.1,
            "window {window}: largest norm {nb} blocked vs {ns} sequential"
        );
    }
    // The check can fail: one block for a 200-word window (the old update) overshoots.
    let c = TrainConfig {
        window: 200,
        ..cfg()
    };
    let one_block = Trainer {
        block_rows: 400,
        ..Trainer::new(c).unwrap()
    };
    let sequential = Trainer {
        block_rows: 1,
        ..one_block.clone()
    };
    let one_block_loss = match one_block.fit(&corpus, TrainOptions::new()) {
        Ok((_, r)) => r.final_loss().unwrap(),
        Err(Error::Diverged { .. }) => f64::INFINITY,
        Err(e) => panic!("{e}"),
    };
    let (_, rs) = sequential.fit(&corpus, TrainOptions::new()).unwrap();
    let ls = rs.final_loss().unwrap();
    assert!(
        one_block_loss > 1.5 * ls,
        "one block: loss {one_block_loss} vs sequential {ls}"
    );
}

#[test]
fn a_finished_plan_is_an_error_and_more_epochs_continue_it() {
    let corpus = Corpus::from_text(real_text(30_000));
    let trainer = Trainer::new(TrainConfig { epochs: 2, ..cfg() }).unwrap();
    let (mut model, _) = trainer.fit(&corpus, TrainOptions::new()).unwrap();
    let before = model.input_weights().to_owned();
    match trainer.train(&mut model, &corpus, Epochs::Planned, TrainOptions::new()) {
        Err(Error::AlreadyTrained {
            epochs_trained: 2,
            epochs: 2,
        }) => {}
        other => panic!("expected AlreadyTrained, got {other:?}"),
    }
    assert_eq!(model.input_weights(), before);
    let mut last_alpha = f32::NAN;
    let report = trainer
        .train(
            &mut model,
            &corpus,
            Epochs::More(1),
            TrainOptions::new().progress(|p| last_alpha = p.alpha),
        )
        .unwrap();
    assert_eq!(model.epochs_trained(), 3);
    assert_eq!(report.epochs[0].epoch, 3);
    assert_ne!(model.input_weights(), before);
    assert!((last_alpha - trainer.config().min_alpha()).abs() < 1e-9);
    assert!(matches!(
        trainer.train(&mut model, &corpus, Epochs::More(0), TrainOptions::new()),
        Err(Error::InvalidConfig(_))
    ));
}

#[test]
fn schedules_follow_the_plan_and_continue_linearly() {
    let c = TrainConfig {
        alpha: 0.025,
        epochs: 4,
        ..TrainConfig::default()
    };
    let plan = Schedule::plan(&c, 1000);
    // word2vec.c: α·(1 − words / (epochs·words_per_epoch + 1)), floored.
    assert!((plan.alpha(0) - 0.025).abs() < 1e-9);
    assert!((plan.alpha(2000) - 0.025 * (1.0 - 2000.0 / 4001.0)).abs() < 1e-7);
    assert!((plan.alpha(4000) - 0.025 / 4001.0).abs() < 1e-9);
    assert!((plan.alpha(9000) - 0.025 * 1e-4).abs() < 1e-9);
    // Epochs::More after 2 of 4 epochs with 2 extra: from the plan's α at 2000 words down to
    // the floor at 4000, linearly.
    let start = plan.alpha(2000) as f64;
    let span = Schedule::Span {
        start,
        end: c.min_alpha() as f64,
        words0: 2000.0,
        span: 2000.0,
    };
    assert!((span.alpha(2000) as f64 - start).abs() < 1e-9);
    let mid = (start + c.min_alpha() as f64) / 2.0;
    assert!((span.alpha(3000) as f64 - mid).abs() < 1e-7);
    assert!((span.alpha(4000) - c.min_alpha()).abs() < 1e-9);
    assert!((span.alpha(9000) - c.min_alpha()).abs() < 1e-9);
    // One and two planned epochs end the decay at α/2 and α/5 (three and more at 0);
    // hierarchical softmax always at 0.
    let hs = Objective::HierarchicalSoftmax;
    for (epochs, objective, end) in [
        (1, Objective::NegativeSampling, 0.5),
        (2, Objective::NegativeSampling, 0.2),
        (3, Objective::NegativeSampling, 0.0),
        (5, Objective::NegativeSampling, 0.0),
        (1, Objective::Softmax, 0.5),
        (1, hs, 0.0),
        (2, hs, 0.0),
        (5, hs, 0.0),
    ] {
        assert_eq!(super::schedule::planned_end(epochs, objective), end);
        let plan = Schedule::plan(
            &TrainConfig {
                epochs,
                objective,
                ..c
            },
            1000,
        );
        let total = epochs as f64 * 1000.0 + 1.0;
        for words in [0, 500, 1000 * epochs as u64] {
            let want = 0.025 * (1.0 - (1.0 - end) * words as f64 / total).max(1e-4);
            assert!(
                (plan.alpha(words) as f64 - want).abs() < 1e-8,
                "{epochs} {words}"
            );
        }
    }
    let one = Schedule::plan(&TrainConfig { epochs: 1, ..c }, 1000);
    assert!((one.alpha(1000) - 0.0125).abs() < 2e-5);
}

#[test]
fn reports_time_the_phases_and_each_worker() {
    let corpus = Corpus::from_text(real_text(50_000));
    let trainer = Trainer::new(TrainConfig {
        threads: 2,
        epochs: 2,
        ..cfg()
    })
    .unwrap();
    let (_, report) = trainer.fit(&corpus, TrainOptions::new()).unwrap();
    let p = report.phases;
    assert!(p.vocabulary > 0.0 && p.initialisation > 0.0 && p.training > 0.0);
    let epoch_secs: f64 = report.epochs.iter().map(|e| e.seconds).sum();
    assert!(p.training >= epoch_secs);
    for e in &report.epochs {
        assert_eq!(e.busy.len(), 2);
        assert!(e.busy.iter().all(|&b| b > 0.0 && b <= e.seconds));
    }
}

#[test]
fn hierarchical_softmax_forward_gives_path_probabilities() {
    let corpus = Corpus::from_text("the cat sat on the mat the dog sat on the log ".repeat(200));
    let trainer = Trainer::new(TrainConfig {
        dim: 8,
        vocab: VocabConfig {
            min_count: 1,
            ..Default::default()
        },
        epochs: 20,
        sample: 0.0,
        objective: Objective::HierarchicalSoftmax,
        ..cfg()
    })
    .unwrap();
    let (model, _) = trainer.fit(&corpus, TrainOptions::new()).unwrap();
    // p' is untrained (zeros); the scores come from the Huffman paths instead.
    assert!(model.output_weights().iter().all(|&x| x == 0.0));
    let f = model.forward("cat").unwrap();
    assert!(f.hierarchical);
    let total: f64 = f.scores.iter().map(|&s| (s as f64).exp()).sum();
    assert!((total - 1.0).abs() < 1e-4, "Σ p(w | cat) = {total}");
    let probs = f.probabilities().unwrap();
    for (p, s) in probs.iter().zip(&f.scores) {
        assert!((p - s.exp()).abs() < 1e-5);
    }
    // "cat" is always next to "the" and "sat", never next to "log".
    let p = |w: &str| probs[model.vocab().index(w).unwrap()];
    assert!(p("sat") > p("log") && p("the") > p("log"), "{probs}");
}

#[test]
fn kernels_check_shapes_without_overflow() {
    let isa = Isa::detect();
    let c = [0.0f32; 4];
    for (m, o, n) in [(4, 4, 1usize << 62), (2, 2, 1 << 63), (8, 8, 1 << 61)] {
        let r = std::panic::catch_unwind(|| {
            let (mut a, mut b, mut db) = ([0.0f32; 4], [0.0f32; 4], [0.0f32; 4]);
            isa.update(&c, &mut a, &mut b, &mut db, m, o, n);
        });
        assert!(r.is_err(), "({m}, {o}, {n}) must be refused");
        let r = std::panic::catch_unwind(|| {
            let mut g = [0.0f32; 4];
            isa.scores(&c, &c, &mut g, m, o, n);
        });
        assert!(r.is_err(), "scores ({m}, {o}, {n}) must be refused");
    }
}

#[test]
fn weights_that_cannot_be_allocated_are_an_error() {
    let vocab = Vocabulary::from_words((0..1432).map(|i| format!("w{i}"))).unwrap();
    let mut rng = StdRng::seed_from_u64(1);
    for n in [usize::MAX / 2, 1 << 40] {
        match SkipGramModel::new(vocab.clone(), n, &mut rng) {
            Err(Error::OutOfMemory { what, .. }) => assert!(what.contains("p ("), "{what}"),
            other => panic!("dim {n}: expected OutOfMemory, got {:?}", other.map(|_| ())),
        }
    }
}

#[test]
fn epochs_replayed_from_the_encoded_corpus_train_as_from_the_text() {
    // Several lines, so that sentence breaks are recorded too.
    let text = real_text(80_000).replace(" of the ", " of the\n");
    let corpus = Corpus::from_text(text);
    let base = TrainConfig { epochs: 3, ..cfg() };
    let train = |encoded_corpus_memory: usize, one_call: bool| {
        let trainer = Trainer::new(TrainConfig {
            encoded_corpus_memory,
            ..base
        })
        .unwrap();
        let mut model = trainer
            .init_model(
                trainer
                    .build_vocabulary(&corpus, &TrainOptions::new())
                    .unwrap(),
            )
            .unwrap();
        if one_call {
            // Epochs 2 and 3 replay the ids recorded in epoch 1.
            trainer
                .train(&mut model, &corpus, Epochs::Planned, TrainOptions::new())
                .unwrap();
        } else {
            // One epoch per call: every epoch reads the text.
            for e in 1..=3 {
                trainer
                    .train(&mut model, &corpus, Epochs::Until(e), TrainOptions::new())
                    .unwrap();
            }
        }
        model
    };
    let from_text = train(1 << 30, false);
    let in_memory = train(1 << 30, true);
    let spilled = train(4096, true);
    let off = train(0, true);
    assert_eq!(from_text.input_weights(), in_memory.input_weights());
    assert_eq!(from_text.input_weights(), off.input_weights());
    assert_eq!(from_text.input_weights(), spilled.input_weights());
    assert_eq!(
        from_text.output_weights_transposed(),
        spilled.output_weights_transposed()
    );
}

#[test]
fn shared_traffic_is_counted_only_with_the_feature() {
    let corpus = Corpus::from_text(real_text(30_000));
    let (_, report) = Trainer::new(cfg())
        .unwrap()
        .fit(&corpus, TrainOptions::new())
        .unwrap();
    let e = &report.epochs[0];
    if cfg!(feature = "traffic-stats") {
        // Every row read into a thread's buffer is written back once, 8 bytes per pair of
        // f32 (dim 16: 64 bytes a row).
        assert_eq!(e.shared_bytes_read, e.shared_bytes_written);
        assert_eq!(e.shared_bytes_read % 64, 0);
        // At least the center's output row, one noise row and one context row per pair.
        assert!(e.shared_bytes_read >= 3 * 64 * e.pairs / 10, "{e:?}");
    } else {
        assert_eq!((e.shared_bytes_read, e.shared_bytes_written), (0, 0));
    }
}
