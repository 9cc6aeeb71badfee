//! Training behaviour: the gradient, loss curves, similarity structure, reproducibility.

use crate::common::{cosine, real_text, two_topic_corpus};
use ndarray::Array2;
use rand::{rngs::StdRng, Rng, SeedableRng};
use skipgram::{
    Corpus, Error, NsDirection, Objective, SkipGramModel, Softmax, TrainConfig, Trainer, Vocabulary,
};
use skipgram::{Epochs, TrainOptions};

fn tutorial_vocab() -> Vocabulary {
    Vocabulary::from_words(["duct", "tape", "work", "anywher", "magic", "worship"]).unwrap()
}

fn random_model(seed: u64) -> SkipGramModel {
    let mut rng = StdRng::seed_from_u64(seed);
    let p = Array2::from_shape_fn((6, 3), |_| rng.random_range(-1.0f32..1.0));
    let pp = Array2::from_shape_fn((3, 6), |_| rng.random_range(-1.0f32..1.0));
    SkipGramModel::from_weights(tutorial_vocab(), p, pp).unwrap()
}

/// E = Σ_ctx −log softmax(forward(center))_ctx, computed through the public forward pass.
fn window_loss(m: &SkipGramModel, center: usize, contexts: &[usize]) -> f64 {
    let f = m.forward_index(center).unwrap();
    contexts
        .iter()
        .map(|&c| Softmax::cross_entropy(f.scores.view(), c).unwrap() as f64)
        .sum()
}

/// Adds d to one element of p or p'.
type Perturb<'a> = &'a dyn Fn(&mut Array2<f32>, &mut Array2<f32>, f32);

#[test]
fn softmax_step_follows_finite_difference_gradient() {
    let model = random_model(3);
    let (center, contexts) = (1usize, [0usize, 2, 3, 0]);
    let alpha = 0.1f32;
    let mut stepped = model.clone();
    let loss = stepped.softmax_step(center, &contexts, alpha).unwrap();
    assert!((loss - window_loss(&model, center, &contexts)).abs() < 1e-5);

    let h = 1e-2f32;
    let fd = |perturb: Perturb| -> f64 {
        let eval = |d: f32| {
            let mut p = model.input_weights().to_owned();
            let mut pp = model.output_weights().to_owned();
            perturb(&mut p, &mut pp, d);
            let m = SkipGramModel::from_weights(tutorial_vocab(), p, pp).unwrap();
            window_loss(&m, center, &contexts)
        };
        (eval(h) - eval(-h)) / (2.0 * h as f64)
    };
    // p: only the center word's row moves, by −α ∂E/∂p.
    for i in 0..6 {
        for k in 0..3 {
            let grad = fd(&|p, _, d| p[[i, k]] += d);
            let moved = (stepped.input_weights()[[i, k]] - model.input_weights()[[i, k]]) as f64;
            assert!(
                (moved / -(alpha as f64) - grad).abs() < 2e-3,
                "p[{i},{k}]: {moved} vs {grad}"
            );
            if i != center {
                assert_eq!(moved, 0.0);
            }
        }
    }
    // p': every column moves, by −α ∂E/∂p'.
    for k in 0..3 {
        for j in 0..6 {
            let grad = fd(&|_, pp, d| pp[[k, j]] += d);
            let moved = (stepped.output_weights()[[k, j]] - model.output_weights()[[k, j]]) as f64;
            assert!(
                (moved / -(alpha as f64) - grad).abs() < 2e-3,
                "p'[{k},{j}]: {moved} vs {grad}"
            );
        }
    }
    // And the step lowered the loss.
    assert!(window_loss(&stepped, center, &contexts) < loss);
}

#[test]
fn softmax_step_rejects_bad_input() {
    let mut m = random_model(1);
    assert!(matches!(
        m.softmax_step(6, &[0], 0.1),
        Err(Error::IndexOutOfRange { index: 6, .. })
    ));
    assert!(matches!(
        m.softmax_step(0, &[], 0.1),
        Err(Error::InvalidConfig(_))
    ));
    assert!(matches!(
        m.softmax_step(0, &[1], f32::NAN),
        Err(Error::InvalidConfig(_))
    ));
}

fn cfg(objective: Objective) -> TrainConfig {
    TrainConfig {
        dim: 20,
        window: 3,
        objective,
        negative: 5,
        sample: 0.0,
        vocab: skipgram::VocabConfig {
            min_count: 1,
            ..Default::default()
        },
        epochs: 10,
        alpha: 0.05,
        threads: 1,
        seed: 7,
        ..Default::default()
    }
}

#[test]
fn full_softmax_lowers_the_loss_on_the_seed_sentence() {
    let corpus = Corpus::from_text("duct tape work anywher duct tape magic worship\n".repeat(20));
    let trainer = Trainer::new(TrainConfig {
        dim: 3,
        window: 2,
        epochs: 30,
        ..cfg(Objective::Softmax)
    })
    .unwrap();
    let (model, report) = trainer.fit(&corpus, TrainOptions::new()).unwrap();
    assert_eq!(model.vocab_size(), 6);
    let first = report.epochs[0].loss;
    let last = report.epochs.last().unwrap().loss;
    assert!(last < 0.8 * first, "loss {first} -> {last}");
    // "duct" is always followed by "tape": the trained net says so.
    let probs = model.forward("duct").unwrap().probabilities().unwrap();
    let tape = model.vocab().index("tape").unwrap();
    assert!(probs[tape] > 1.0 / 6.0, "p(tape | duct) = {}", probs[tape]);
}

fn topic_margin(model: &SkipGramModel) -> f64 {
    let animals = ["cat", "dog", "horse", "cow", "sheep", "goat"];
    let vehicles = ["car", "bus", "truck", "train", "plane", "boat"];
    let e = |w: &str| model.embedding(w).unwrap();
    let (mut within, mut across, mut nw, mut na) = (0.0, 0.0, 0, 0);
    for group in [&animals, &vehicles] {
        for (i, a) in group.iter().enumerate() {
            for b in &group[i + 1..] {
                within += cosine(e(a), e(b));
                nw += 1;
            }
        }
    }
    for a in &animals {
        for b in &vehicles {
            across += cosine(e(a), e(b));
            na += 1;
        }
    }
    within / nw as f64 - across / na as f64
}

#[test]
fn every_objective_puts_words_sharing_contexts_nearer() {
    let corpus = Corpus::from_text(two_topic_corpus(400));
    for objective in [
        Objective::Softmax,
        Objective::NegativeSampling,
        Objective::HierarchicalSoftmax,
    ] {
        let trainer = Trainer::new(cfg(objective)).unwrap();
        let (model, report) = trainer.fit(&corpus, TrainOptions::new()).unwrap();
        let margin = topic_margin(&model);
        assert!(
            margin > 0.3,
            "{objective:?}: within − across cosine = {margin}"
        );
        let (first, last) = (report.epochs[0].loss, report.epochs.last().unwrap().loss);
        assert!(last < first, "{objective:?}: loss {first} -> {last}");
    }
}

#[test]
fn the_tutorials_direction_for_negative_sampling_also_learns() {
    let corpus = Corpus::from_text(two_topic_corpus(400));
    let c = TrainConfig {
        ns_direction: NsDirection::CenterPredictsContext,
        ..cfg(Objective::NegativeSampling)
    };
    let (model, report) = Trainer::new(c)
        .unwrap()
        .fit(&corpus, TrainOptions::new())
        .unwrap();
    let margin = topic_margin(&model);
    assert!(margin > 0.3, "within − across cosine = {margin}");
    assert!(report.epochs.last().unwrap().loss < report.epochs[0].loss);
    // Same pairs counted as in word2vec.c's direction (same seed, so same windows).
    let (_, default_report) = Trainer::new(cfg(Objective::NegativeSampling))
        .unwrap()
        .fit(&corpus, TrainOptions::new())
        .unwrap();
    assert_eq!(report.epochs[0].pairs, default_report.epochs[0].pairs);
}

#[test]
fn negative_sampling_and_hs_lower_the_loss_on_real_text() {
    let corpus = Corpus::from_text(real_text(200_000));
    for objective in [Objective::NegativeSampling, Objective::HierarchicalSoftmax] {
        let c = TrainConfig {
            dim: 32,
            window: 5,
            sample: 1e-3,
            vocab: skipgram::VocabConfig {
                min_count: 3,
                ..Default::default()
            },
            epochs: 4,
            alpha: 0.025,
            ..cfg(objective)
        };
        let (_, report) = Trainer::new(c)
            .unwrap()
            .fit(&corpus, TrainOptions::new())
            .unwrap();
        let losses: Vec<f64> = report.epochs.iter().map(|e| e.loss).collect();
        // Every epoch ends lower than the one before (at the first epoch's loss, the net has
        // already learnt much of what this small text holds, so the steps are small).
        assert!(
            losses.windows(2).all(|w| w[1] < w[0]),
            "{objective:?}: {losses:?}"
        );
    }
}

#[test]
fn one_thread_with_a_seed_is_bit_for_bit_reproducible() {
    let corpus = Corpus::from_text(real_text(60_000));
    let c = TrainConfig {
        epochs: 2,
        sample: 1e-3,
        ..cfg(Objective::NegativeSampling)
    };
    let (a, _) = Trainer::new(c)
        .unwrap()
        .fit(&corpus, TrainOptions::new())
        .unwrap();
    let (b, _) = Trainer::new(c)
        .unwrap()
        .fit(&corpus, TrainOptions::new())
        .unwrap();
    assert_eq!(a.input_weights(), b.input_weights());
    assert_eq!(a.output_weights(), b.output_weights());
    let (d, _) = Trainer::new(TrainConfig { seed: 8, ..c })
        .unwrap()
        .fit(&corpus, TrainOptions::new())
        .unwrap();
    assert_ne!(a.input_weights(), d.input_weights());
}

#[test]
fn resuming_after_an_epoch_equals_an_uninterrupted_run() {
    let corpus = Corpus::from_text(real_text(60_000));
    for objective in [Objective::NegativeSampling, Objective::HierarchicalSoftmax] {
        let c = TrainConfig {
            epochs: 3,
            sample: 1e-3,
            ..cfg(objective)
        };
        let trainer = Trainer::new(c).unwrap();
        let (straight, _) = trainer.fit(&corpus, TrainOptions::new()).unwrap();
        let mut resumed = trainer
            .init_model(
                trainer
                    .build_vocabulary(&corpus, &TrainOptions::new())
                    .unwrap(),
            )
            .unwrap();
        trainer
            .train(&mut resumed, &corpus, Epochs::Until(2), TrainOptions::new())
            .unwrap();
        assert_eq!(resumed.epochs_trained(), 2);
        trainer
            .train(&mut resumed, &corpus, Epochs::Planned, TrainOptions::new())
            .unwrap();
        assert_eq!(resumed.epochs_trained(), 3);
        assert_eq!(
            straight.input_weights(),
            resumed.input_weights(),
            "{objective:?}"
        );
        assert_eq!(straight.hs_node_vectors(), resumed.hs_node_vectors());
    }
}

#[test]
fn more_threads_than_cores_stay_finite_and_learn() {
    let corpus = Corpus::from_text(two_topic_corpus(800));
    let c = TrainConfig {
        threads: 8,
        ..cfg(Objective::NegativeSampling)
    };
    let (model, _) = Trainer::new(c)
        .unwrap()
        .fit(&corpus, TrainOptions::new())
        .unwrap();
    assert!(model.input_weights().iter().all(|x| x.is_finite()));
    assert!(model.output_weights().iter().all(|x| x.is_finite()));
    assert!(topic_margin(&model) > 0.3);
}

#[test]
fn divergence_is_an_error_and_leaves_the_model_untouched() {
    let corpus = Corpus::from_text(two_topic_corpus(200));
    let trainer = Trainer::new(TrainConfig {
        alpha: 1e30,
        ..cfg(Objective::NegativeSampling)
    })
    .unwrap();
    let mut model = trainer
        .init_model(
            trainer
                .build_vocabulary(&corpus, &TrainOptions::new())
                .unwrap(),
        )
        .unwrap();
    let before = model.clone();
    match trainer.train(&mut model, &corpus, Epochs::Planned, TrainOptions::new()) {
        Err(Error::Diverged { .. }) => {}
        other => panic!("expected Diverged, got {other:?}"),
    }
    assert_eq!(model.input_weights(), before.input_weights());
    assert_eq!(model.epochs_trained(), 0);
}

#[test]
fn progress_reports_arrive_and_count_words() {
    let corpus = Corpus::from_text(real_text(100_000));
    let trainer = Trainer::new(TrainConfig {
        epochs: 2,
        ..cfg(Objective::NegativeSampling)
    })
    .unwrap();
    let mut model = trainer
        .init_model(
            trainer
                .build_vocabulary(&corpus, &TrainOptions::new())
                .unwrap(),
        )
        .unwrap();
    let total = model.vocab().total_count();
    let mut reports = Vec::new();
    trainer
        .train(
            &mut model,
            &corpus,
            Epochs::Until(2),
            TrainOptions::new().progress(|p| reports.push(*p)),
        )
        .unwrap();
    let last = reports.last().unwrap();
    assert_eq!(last.total_words, 2 * total);
    assert_eq!(last.words, 2 * total);
    assert!(last.loss.is_finite() && last.loss > 0.0);
    assert!(reports.windows(2).all(|w| w[0].words <= w[1].words));
}

#[test]
fn bad_configurations_are_rejected() {
    for bad in [
        TrainConfig {
            dim: 0,
            ..Default::default()
        },
        TrainConfig {
            window: 0,
            ..Default::default()
        },
        TrainConfig {
            alpha: -1.0,
            ..Default::default()
        },
        TrainConfig {
            sample: f64::NAN,
            ..Default::default()
        },
        TrainConfig {
            threads: 0,
            ..Default::default()
        },
        TrainConfig {
            negative: 0,
            ..Default::default()
        },
        TrainConfig {
            window: usize::MAX,
            ..Default::default()
        },
        TrainConfig {
            dim: 1 << 62,
            ..Default::default()
        },
        TrainConfig {
            negative: usize::MAX,
            ..Default::default()
        },
        TrainConfig {
            epochs: usize::MAX,
            ..Default::default()
        },
        TrainConfig {
            min_alpha_fraction: f32::NAN,
            ..Default::default()
        },
    ] {
        assert!(
            matches!(
                Trainer::new(bad),
                Err(Error::InvalidConfig(_) | Error::OutOfRange { .. })
            ),
            "{bad:?}"
        );
    }
    let corpus = Corpus::from_text("a b c d");
    let trainer = Trainer::new(TrainConfig {
        vocab: skipgram::VocabConfig {
            min_count: 2,
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap();
    assert!(matches!(
        trainer.fit(&corpus, TrainOptions::new()),
        Err(Error::EmptyVocabulary {
            min_count: 2,
            types: 4
        })
    ));
    assert!(matches!(
        trainer.fit(&Corpus::from_text("  \n "), TrainOptions::new()),
        Err(Error::EmptyCorpus)
    ));
    let hs = Trainer::new(TrainConfig {
        vocab: skipgram::VocabConfig {
            min_count: 1,
            ..Default::default()
        },
        objective: Objective::HierarchicalSoftmax,
        ..Default::default()
    })
    .unwrap();
    assert!(matches!(
        hs.fit(&Corpus::from_text("a a a"), TrainOptions::new()),
        Err(Error::InvalidConfig(_))
    ));
}

#[test]
fn a_run_cancelled_from_another_thread_stops_and_its_model_saves_loads_and_resumes() {
    use skipgram::{CancelToken, Checkpoint};
    use std::sync::mpsc;

    let corpus = Corpus::from_text(real_text(400_000));
    let config = TrainConfig {
        epochs: 1_000, // far more than the test waits for
        threads: 2,
        ..cfg(Objective::NegativeSampling)
    };
    let trainer = Trainer::new(config).unwrap();
    let cancel = CancelToken::new();
    let (started, wait) = mpsc::channel::<()>();
    let canceller = {
        let cancel = cancel.clone();
        std::thread::spawn(move || {
            wait.recv().unwrap();
            cancel.cancel();
        })
    };
    let mut last_words = 0;
    let options = TrainOptions::new().cancel(&cancel).progress(|p| {
        last_words = p.words;
        let _ = started.send(());
    });
    let (model, report) = trainer.fit(&corpus, options).unwrap();
    canceller.join().unwrap();
    assert!(report.cancelled);
    let words_per_epoch = model.vocab().total_count();
    // It stopped long before the plan's end; only complete epochs count.
    assert!(last_words < 100 * words_per_epoch, "{last_words}");
    assert!(model.epochs_trained() < 100);
    assert_eq!(report.epochs.len(), model.epochs_trained());
    assert!(model.input_weights().iter().all(|x| x.is_finite()));

    // The model saves, loads, and trains on from its last complete epoch.
    let dir = crate::common::TempDir::new("cancel");
    let path = dir.path("cancelled.ckpt");
    Checkpoint::save(&model, &config, &path).unwrap();
    let loaded = Checkpoint::load(&path).unwrap();
    assert_eq!(loaded.0.input_weights(), model.input_weights());
    let mut resumed = loaded.0;
    let next = resumed.epochs_trained() + 1;
    let r = trainer
        .train(
            &mut resumed,
            &corpus,
            Epochs::Until(next),
            TrainOptions::new(),
        )
        .unwrap();
    assert!(!r.cancelled);
    assert_eq!(r.epochs[0].epoch, next);
    assert_eq!(resumed.epochs_trained(), next);
    assert_ne!(resumed.input_weights(), model.input_weights());

    // A token cancelled before the call: nothing trains, the model is the initial one.
    let (fresh, r) = trainer
        .fit(&corpus, TrainOptions::new().cancel(&cancel))
        .unwrap();
    assert!(r.cancelled && r.epochs.is_empty());
    assert_eq!(fresh.epochs_trained(), 0);
}

/// With feature `serde`, settings and reports round-trip through JSON; a partial settings
/// object takes the defaults, and an unknown field is an error.
#[cfg(feature = "serde")]
#[test]
fn settings_and_reports_round_trip_through_serde() {
    let config = TrainConfig {
        dim: 7,
        objective: Objective::HierarchicalSoftmax,
        ns_direction: NsDirection::CenterPredictsContext,
        vocab: skipgram::VocabConfig {
            max_final_vocab: Some(9),
            ..Default::default()
        },
        ..TrainConfig::default()
    };
    let json = serde_json::to_value(config).unwrap();
    assert_eq!(json["objective"], "hs");
    assert_eq!(json["ns_direction"], "center");
    assert_eq!(serde_json::from_value::<TrainConfig>(json).unwrap(), config);
    let partial: TrainConfig = serde_json::from_str(r#"{"dim": 12, "objective": "ns"}"#).unwrap();
    assert_eq!(
        partial,
        TrainConfig {
            dim: 12,
            ..TrainConfig::default()
        }
    );
    assert!(serde_json::from_str::<TrainConfig>(r#"{"dimm": 12}"#).is_err());
    assert!(serde_json::from_str::<TrainConfig>(r#"{"objective": "cbow"}"#).is_err());

    let corpus = Corpus::from_text(two_topic_corpus(100));
    let (_, report) = Trainer::new(cfg(Objective::NegativeSampling))
        .unwrap()
        .fit(&corpus, TrainOptions::new())
        .unwrap();
    let back: skipgram::TrainReport =
        serde_json::from_str(&serde_json::to_string(&report).unwrap()).unwrap();
    assert_eq!(back, report);
}

/// The reported loss is the mean over the epoch's (center, context) pairs of
/// −log softmax(p[center]·p')[context], summed in f64: with a learning rate so small that the
/// weights do not move, a window of 1 (no random shrinking) and no subsampling, the pairs and
/// their losses are known, and a serial recomputation in f64 gives the same figure, each epoch
/// on its own (not a running total).
#[test]
fn the_reported_loss_is_the_mean_loss_of_the_epochs_pairs() {
    let text = "a b c d e f\nb d f a c\ne e a b\nc f d b a e d\n".repeat(25);
    let corpus = Corpus::from_text(text.clone());
    let cfg = TrainConfig {
        dim: 5,
        window: 1,
        vocab: skipgram::VocabConfig {
            min_count: 1,
            ..Default::default()
        },
        sample: 0.0,
        epochs: 2,
        threads: 1,
        alpha: 1e-12,
        objective: Objective::Softmax,
        ..Default::default()
    };
    let trainer = Trainer::new(cfg).unwrap();
    let vocab = trainer
        .build_vocabulary(&corpus, &TrainOptions::new())
        .unwrap();
    let (v, n) = (vocab.len(), 5);
    // Deterministic weights in [−1, 1).
    let mut state = 7u64;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as f64 / (1u64 << 31) as f64 * 2.0 - 1.0) as f32
    };
    let p = Array2::from_shape_fn((v, n), |_| next());
    let p_prime = Array2::from_shape_fn((n, v), |_| next());
    let mut model = SkipGramModel::from_weights(vocab.clone(), p.clone(), p_prime.clone()).unwrap();
    let report = trainer
        .train(&mut model, &corpus, Epochs::Planned, TrainOptions::new())
        .unwrap();

    // The serial recomputation, in f64.
    let (mut sum, mut pairs) = (0.0f64, 0u64);
    for line in text.lines() {
        let ids: Vec<usize> = line
            .split_whitespace()
            .map(|w| vocab.index(w).unwrap())
            .collect();
        for (t, &center) in ids.iter().enumerate() {
            let u: Vec<f64> = (0..v)
                .map(|j| {
                    (0..n)
                        .map(|k| f64::from(p[[center, k]]) * f64::from(p_prime[[k, j]]))
                        .sum()
                })
                .collect();
            let max = u.iter().cloned().fold(f64::MIN, f64::max);
            let log_z = u.iter().map(|x| (x - max).exp()).sum::<f64>().ln() + max;
            for ctx in [t.checked_sub(1), Some(t + 1)].into_iter().flatten() {
                if let Some(&c) = ids.get(ctx) {
                    sum += log_z - u[c];
                    pairs += 1;
                }
            }
        }
    }
    let expected = sum / pairs as f64;
    assert_eq!(report.epochs.len(), 2);
    for e in &report.epochs {
        assert_eq!(e.pairs, pairs, "epoch {}", e.epoch);
        assert!(
            (e.loss - expected).abs() < 1e-5 * expected,
            "epoch {}: reported {} vs recomputed {expected}",
            e.epoch,
            e.loss
        );
    }
}
