//! Many threads on real text train as well as one.

use super::*;
use skipgram::TrainOptions;

#[test]
fn sixteen_threads_on_real_text_train_as_well_as_one() {
    let corpus = Corpus::from_text(real_text(300_000));
    let config = |threads| TrainConfig {
        dim: 32,
        window: 5,
        objective: Objective::NegativeSampling,
        negative: 5,
        sample: 1e-3,
        vocab: skipgram::VocabConfig {
            min_count: 3,
            ..Default::default()
        },
        epochs: 3,
        threads,
        seed: 3,
        ..Default::default()
    };
    let (one, one_report) = Trainer::new(config(1))
        .unwrap()
        .fit(&corpus, TrainOptions::new())
        .unwrap();
    let (many, many_report) = Trainer::new(config(16))
        .unwrap()
        .fit(&corpus, TrainOptions::new())
        .unwrap();
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
