//! Growing a model: training on text A, then continuing on text B with B's new words added
//! to the vocabulary (from the model, from a checkpoint, from word2vec vectors).

use std::collections::HashMap;

use crate::common::cosine;
use ndarray::Array1;
use skipgram::{
    Checkpoint, Corpus, Embeddings, Epochs, Error, Objective, SkipGramModel, TrainConfig,
    TrainOptions, Trainer,
};

const ANIMALS: [&str; 6] = ["cat", "dog", "horse", "cow", "sheep", "goat"];
const VEHICLES: [&str; 6] = ["car", "bus", "truck", "train", "plane", "boat"];
// B shares "dog" and "car" with A; the other ten words of each text are its own.
const FRUITS: [&str; 6] = ["apple", "pear", "plum", "grape", "dog", "melon"];
const TOOLS: [&str; 6] = ["hammer", "saw", "drill", "car", "pliers", "chisel"];

/// Sentences of 12 words, alternately from each group, in a fixed pseudo-random order.
fn text(groups: [&[&str; 6]; 2], sentences: usize, mut state: u64) -> String {
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % n
    };
    let mut out = String::new();
    for s in 0..sentences {
        let group = groups[s % 2];
        for _ in 0..12 {
            out.push_str(group[next(6)]);
            out.push(' ');
        }
        out.push('\n');
    }
    out
}

fn config(objective: Objective) -> TrainConfig {
    TrainConfig {
        dim: 16,
        window: 3,
        objective,
        sample: 0.0,
        vocab: skipgram::VocabConfig {
            min_count: 1,
            ..Default::default()
        },
        epochs: 5,
        alpha: 0.05,
        threads: 2,
        seed: 11,
        ..Default::default()
    }
}

fn a_only() -> impl Iterator<Item = &'static str> {
    ANIMALS
        .into_iter()
        .chain(VEHICLES)
        .filter(|w| !FRUITS.contains(w) && !TOOLS.contains(w))
}

fn b_only() -> impl Iterator<Item = &'static str> {
    FRUITS
        .into_iter()
        .chain(TOOLS)
        .filter(|w| !ANIMALS.contains(w) && !VEHICLES.contains(w))
}

fn rows(
    m: &SkipGramModel,
    words: impl Iterator<Item = &'static str>,
) -> HashMap<&'static str, Array1<f32>> {
    words
        .map(|w| (w, m.embedding(w).unwrap().to_owned()))
        .collect()
}

fn output_row(m: &SkipGramModel, w: &str) -> Array1<f32> {
    let i = m.vocab().index(w).unwrap();
    m.output_weights_transposed().row(i).to_owned()
}

/// Within-group minus across-group mean cosine of B's new words.
fn b_margin(m: &SkipGramModel) -> f64 {
    let fruits: Vec<&str> = FRUITS.into_iter().filter(|w| *w != "dog").collect();
    let tools: Vec<&str> = TOOLS.into_iter().filter(|w| *w != "car").collect();
    let e = |w: &str| m.embedding(w).unwrap();
    let mean = |pairs: Vec<(&str, &str)>| {
        pairs.iter().map(|(a, b)| cosine(e(a), e(b))).sum::<f64>() / pairs.len() as f64
    };
    let mut within = Vec::new();
    for g in [&fruits, &tools] {
        for (i, a) in g.iter().enumerate() {
            within.extend(g[i + 1..].iter().map(|b| (*a, *b)));
        }
    }
    let across = fruits
        .iter()
        .flat_map(|a| tools.iter().map(move |b| (*a, *b)))
        .collect();
    mean(within) - mean(across)
}

fn count(text: &str, word: &str) -> u64 {
    text.split_whitespace().filter(|t| *t == word).count() as u64
}

/// After training on A and continuing on B, every word of both is known, the words of A
/// that B lacks keep their vectors, and B's words have learned B's structure.
///
/// The tolerance for A's words is zero: a row of p is updated only for a word that occurs
/// in the text trained on (as a context word, or as the center word in the tutorial's
/// direction), so the rows of words B lacks are read as p but never written. They still
/// serve as noise words through their rows of p', which do move.
#[test]
fn words_of_a_that_b_lacks_keep_their_vectors_and_b_is_learned() {
    let (text_a, text_b) = (
        text([&ANIMALS, &VEHICLES], 300, 1),
        text([&FRUITS, &TOOLS], 300, 2),
    );
    let (a, b) = (Corpus::from_text(&text_a), Corpus::from_text(&text_b));
    let trainer = Trainer::new(config(Objective::NegativeSampling)).unwrap();
    let (mut model, _) = trainer.fit(&a, TrainOptions::default()).unwrap();
    let before = rows(&model, a_only());
    let before_out: HashMap<_, _> = a_only().map(|w| (w, output_row(&model, w))).collect();

    let growth = trainer.grow(&mut model, &b).unwrap();
    assert_eq!((growth.known, growth.added, growth.vocab_size), (2, 10, 22));
    assert_eq!(growth.words_per_epoch, 300 * 12);
    assert_eq!(model.words_per_epoch(), 300 * 12);
    assert_eq!(model.epochs_trained(), 0, "a new run");
    for w in ["dog", "car"] {
        let i = model.vocab().index(w).unwrap();
        assert_eq!(
            model.vocab().count(i),
            Some(count(&text_a, w) + count(&text_b, w)),
            "{w}: counts merged"
        );
    }
    // New words: p fresh in ±0.5/N, p' zero; old words' rows moved along with them.
    let init = rows(&model, b_only());
    for (w, r) in &init {
        assert!(r.iter().all(|x| x.abs() <= 0.5 / 16.0), "{w}: {r}");
        assert!(output_row(&model, w).iter().all(|&x| x == 0.0), "{w}");
    }
    for w in a_only() {
        assert_eq!(model.embedding(w).unwrap(), before[w], "{w} after growing");
        assert_eq!(output_row(&model, w), before_out[w], "{w} p' after growing");
    }

    let report = trainer
        .train(&mut model, &b, Epochs::Planned, TrainOptions::default())
        .unwrap();
    assert_eq!(model.epochs_trained(), 5);
    assert!(report.epochs.iter().all(|e| e.words == 300 * 12));
    for w in ANIMALS
        .into_iter()
        .chain(VEHICLES)
        .chain(FRUITS)
        .chain(TOOLS)
    {
        assert!(model.vocab().index(w).is_some(), "{w} is missing");
    }
    for w in a_only() {
        assert_eq!(model.embedding(w).unwrap(), before[w], "{w} changed");
    }
    // They served as noise words: their rows of p' were trained.
    let moved_out = a_only()
        .filter(|w| output_row(&model, w) != before_out[w])
        .count();
    assert_eq!(moved_out, 10);
    // New words moved far from their initial rows (norm ≤ 0.5·√16/16 = 0.125 at init).
    for (w, r) in &init {
        let after = model.embedding(w).unwrap();
        let moved = (&after - r).mapv(|x| x * x).sum().sqrt();
        assert!(moved > 0.5, "{w} moved only {moved}");
    }
    let margin = b_margin(&model);
    assert!(
        margin > 0.3,
        "within − across cosine of B's words = {margin}"
    );
}

#[test]
fn hierarchical_softmax_growth_rebuilds_the_tree_and_restarts_its_nodes() {
    let (text_a, text_b) = (
        text([&ANIMALS, &VEHICLES], 200, 3),
        text([&FRUITS, &TOOLS], 200, 4),
    );
    let (a, b) = (Corpus::from_text(&text_a), Corpus::from_text(&text_b));
    let trainer = Trainer::new(config(Objective::HierarchicalSoftmax)).unwrap();
    let (mut model, _) = trainer.fit(&a, TrainOptions::default()).unwrap();
    assert_eq!(model.hs_node_vectors().unwrap().nrows(), 11);
    let before = rows(&model, a_only());
    let growth = trainer.grow(&mut model, &b).unwrap();
    assert!(growth.hs_nodes_reset);
    assert!(model.hs_node_vectors().is_none());
    trainer
        .train(&mut model, &b, Epochs::Planned, TrainOptions::default())
        .unwrap();
    assert_eq!(model.hs_node_vectors().unwrap().nrows(), 21);
    for w in a_only() {
        assert_eq!(model.embedding(w).unwrap(), before[w], "{w} changed");
    }
    assert!(b_margin(&model) > 0.3, "{}", b_margin(&model));
    // The forward pass scores by the new tree: probabilities over all 22 words sum to 1.
    let f = model.forward("apple").unwrap();
    let total: f64 = f.probabilities().unwrap().iter().map(|&p| p as f64).sum();
    assert!((total - 1.0).abs() < 1e-4, "{total}");
}

/// word2vec vectors seed p (p' at zero); a checkpoint of a grown model resumes.
#[test]
fn word2vec_vectors_seed_p_and_a_grown_model_checkpoints() {
    let (text_a, text_b) = (
        text([&ANIMALS, &VEHICLES], 200, 5),
        text([&FRUITS, &TOOLS], 200, 6),
    );
    let (a, b) = (Corpus::from_text(&text_a), Corpus::from_text(&text_b));
    let trainer = Trainer::new(config(Objective::NegativeSampling)).unwrap();
    let (trained, _) = trainer.fit(&a, TrainOptions::default()).unwrap();
    let mut bytes = Vec::new();
    use skipgram::{ReadWord2Vec, WriteWord2Vec};
    trained.write_word2vec_binary(&mut bytes).unwrap();
    let vectors = Embeddings::read_word2vec(&mut bytes.as_slice()).unwrap();

    let mut model = SkipGramModel::from_embeddings(vectors.clone()).unwrap();
    assert_eq!(model.input_weights(), trained.input_weights());
    assert!(model.output_weights().iter().all(|&x| x == 0.0));
    assert_eq!(model.epochs_trained(), 0);
    trainer.grow(&mut model, &b).unwrap();
    trainer
        .train(&mut model, &b, Epochs::Planned, TrainOptions::default())
        .unwrap();
    for w in a_only() {
        assert_eq!(model.embedding(w).unwrap(), vectors.embedding(w).unwrap());
    }
    assert!(b_margin(&model) > 0.3, "{}", b_margin(&model));

    // A dimension other than the trainer's is refused before anything changes.
    let small = Trainer::new(TrainConfig {
        dim: 8,
        ..config(Objective::NegativeSampling)
    })
    .unwrap();
    let v = model.vocab_size();
    assert!(matches!(
        small.grow(&mut model, &a),
        Err(Error::ShapeMismatch { .. })
    ));
    assert_eq!(model.vocab_size(), v);

    let mut ckpt = Vec::new();
    Checkpoint::write_to(&model, trainer.config(), &mut ckpt).unwrap();
    let (mut back, config) = Checkpoint::read_from(&mut ckpt.as_slice()).unwrap();
    assert_eq!(back.vocab(), model.vocab());
    Trainer::new(config)
        .unwrap()
        .train(&mut back, &b, Epochs::More(1), TrainOptions::default())
        .unwrap();
    assert_eq!(back.epochs_trained(), 6);
}
