//! What a user imports in one line: `use skipgram::prelude::*;`.
//!
//! The concepts of the skip-gram net ([`Vocabulary`], [`OneHot`], [`SkipGramModel`] with
//! p and p', [`Softmax`]), training ([`Corpus`], [`Trainer`], [`TrainConfig`], [`TrainOptions`], [`Epochs`],
//! [`CancelToken`], [`Objective`], [`Progress`], [`TrainReport`]), phrases ([`Phrases`],
//! [`PhraseModel`], [`FrozenPhrases`]), the trained [`Embeddings`] with the word2vec format
//! traits, checkpoints,
//! and the error type.
//!
//! ```
//! use skipgram::prelude::*;
//! let vocab = Vocabulary::from_words(["duct", "tape"])?;
//! assert_eq!(vocab.index("tape"), Some(1));
//! # Ok::<(), skipgram::Error>(())
//! ```

pub use crate::{
    AnalogyMethod, CancelToken, Checkpoint, Corpus, Embeddings, Epochs, Error, Forward,
    FrozenPhrases, MeanOptions, Objective, OneHot, PhraseModel, Phrases, Progress, ReadWord2Vec,
    Result, SkipGramModel, Softmax, TrainConfig, TrainOptions, TrainReport, Trainer, VectorKind,
    VocabConfig, Vocabulary, WriteWord2Vec,
};
