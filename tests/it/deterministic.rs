//! Reproducible multi-threaded training (`TrainConfig::deterministic`).

use crate::common::{cosine, real_text, two_topic_corpus};
use skipgram::{Corpus, Epochs, Objective, SkipGramModel, TrainConfig, TrainOptions, Trainer};

/// The f32 bit patterns of p and p', so that equal means bit-identical (−0.0 ≠ 0.0).
fn bits(m: &SkipGramModel) -> (Vec<u32>, Vec<u32>) {
    (
        m.input_weights().iter().map(|x| x.to_bits()).collect(),
        m.output_weights().iter().map(|x| x.to_bits()).collect(),
    )
}

fn config(threads: usize) -> TrainConfig {
    TrainConfig {
        dim: 16,
        window: 4,
        negative: 3,
        vocab: skipgram::VocabConfig {
            min_count: 3,
            ..Default::default()
        },
        epochs: 2,
        threads,
        seed: 11,
        deterministic: true,
        ..Default::default()
    }
}

/// About 560,000 tokens: many rounds of the 2 parts.
fn corpus() -> Corpus {
    Corpus::from_text(real_text(3_000_000))
}

#[test]
fn deterministic_runs_are_bit_identical_run_after_run_and_for_any_threads() {
    let corpus = corpus();
    let fit = |threads| {
        Trainer::new(config(threads))
            .unwrap()
            .fit(&corpus, TrainOptions::new())
            .unwrap()
    };
    let (a, report_a) = fit(2);
    let (b, report_b) = fit(2);
    assert_eq!(bits(&a), bits(&b), "two runs at 2 threads");
    assert_eq!(report_a.epochs.len(), 2);
    for (x, y) in report_a.epochs.iter().zip(&report_b.epochs) {
        assert_eq!(x.loss.to_bits(), y.loss.to_bits());
        assert_eq!(x.pairs, y.pairs);
        assert_eq!(x.words, y.words);
    }
    // Every word of the corpus was trained once per epoch.
    assert_eq!(report_a.epochs[0].words, a.vocab().total_count());
    for threads in [1, 3] {
        let (c, _) = fit(threads);
        assert_eq!(bits(&a), bits(&c), "2 threads against {threads}");
    }
    // The seed still matters.
    let other = Trainer::new(TrainConfig {
        seed: 12,
        ..config(2)
    })
    .unwrap()
    .fit(&corpus, TrainOptions::new())
    .unwrap()
    .0;
    assert_ne!(bits(&a), bits(&other));
}

#[test]
fn deterministic_training_learns_like_the_default_mode() {
    let corpus = Corpus::from_text(two_topic_corpus(800));
    for objective in [Objective::NegativeSampling, Objective::HierarchicalSoftmax] {
        let c = TrainConfig {
            objective,
            vocab: skipgram::VocabConfig {
                min_count: 1,
                ..Default::default()
            },
            epochs: 5,
            ..config(2)
        };
        let (model, report) = Trainer::new(c)
            .unwrap()
            .fit(&corpus, TrainOptions::new())
            .unwrap();
        let losses: Vec<f64> = report.epochs.iter().map(|e| e.loss).collect();
        assert!(losses[4] < losses[0], "{objective:?}: {losses:?}");
        // Words of one topic end nearer each other than words of the two topics.
        let e = |w: &str| model.embedding(w).unwrap();
        let near = (cosine(e("cat"), e("dog")) + cosine(e("car"), e("bus"))) / 2.0;
        let far = (cosine(e("cat"), e("car")) + cosine(e("dog"), e("bus"))) / 2.0;
        assert!(near > far + 0.3, "{objective:?}: {near} vs {far}");
    }
}

#[test]
fn resuming_a_deterministic_run_equals_an_uninterrupted_one() {
    let corpus = Corpus::from_text(real_text(600_000));
    let c = TrainConfig {
        epochs: 3,
        ..config(2)
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
        .train(&mut resumed, &corpus, Epochs::Until(1), TrainOptions::new())
        .unwrap();
    // Resumed on another number of threads.
    let more = Trainer::new(TrainConfig { threads: 3, ..c }).unwrap();
    more.train(&mut resumed, &corpus, Epochs::Planned, TrainOptions::new())
        .unwrap();
    assert_eq!(bits(&straight), bits(&resumed));
}
