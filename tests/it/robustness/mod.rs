//! Bad input gets a clear error, files are never half-written, loaders survive what the
//! fuzzers found, and many threads on real text train as well as one.
//!
//! README.md's "Bad input" table points here (and to the older tests that already covered a
//! row).

mod corpora;
mod files;
mod lookups;
mod runs;
mod saves;
mod settings_and_training;
mod threads;

use std::path::Path;

use crate::common::{real_text, CkptLayout, TempDir};
use ndarray::{array, Array1, Array2};
use skipgram::{
    AnalogyMethod, Checkpoint, Corpus, Embeddings, Error, Objective, OneHot, ReadWord2Vec,
    SkipGramModel, TrainConfig, Trainer, Vocabulary,
};
use skipgram::{Epochs, TrainOptions};

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
fn small_checkpoint() -> (SkipGramModel, TrainConfig) {
    let corpus = Corpus::from_text("x y z x y w x z w y\n".repeat(20));
    let config = TrainConfig {
        dim: 3,
        vocab: skipgram::VocabConfig {
            min_count: 1,
            ..Default::default()
        },
        epochs: 2,
        threads: 1,
        objective: Objective::HierarchicalSoftmax,
        ..Default::default()
    };
    let trainer = Trainer::new(config).unwrap();
    let mut model = trainer
        .init_model(
            trainer
                .build_vocabulary(&corpus, &TrainOptions::new())
                .unwrap(),
        )
        .unwrap();
    trainer
        .train(&mut model, &corpus, Epochs::Until(1), TrainOptions::new())
        .unwrap();
    (model, config)
}

fn bits(e: &Embeddings) -> Vec<u32> {
    e.vectors().iter().map(|x| x.to_bits()).collect()
}

fn checkpoint_bytes(c: &(SkipGramModel, TrainConfig)) -> Vec<u8> {
    let mut bytes = Vec::new();
    Checkpoint::write_to(&c.0, &c.1, &mut bytes).unwrap();
    bytes
}
