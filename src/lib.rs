//! # skipgram
//!
//! The skip-gram word2vec network (Mikolov et al. 2013) built from the ground up, as a
//! library: a [`Vocabulary`]; each word as a [`OneHot`] vector; a linear projection through
//! the input weight matrix **p** (V×N), whose rows become the embeddings; the output weight
//! matrix **p'** (N×V) giving a score for every vocabulary word at each of the 2c context
//! positions; [`Softmax`] turning scores into probabilities; and a [`Trainer`] that fits p
//! and p' by back-propagation with SGD — the exact full softmax of the tutorial's net, or
//! negative sampling and hierarchical softmax for real corpora (Mikolov et al. 2013,
//! word2vec.c), multi-threaded.
//!
//! ## The forward-propagation walkthrough
//!
//! This follows L. Lorenz, "Forward Propagation: Building a Skip-Gram Net From the Ground
//! Up" (District Data Labs), whose preprocessing [`Preprocessor::tutorial`] reproduces.
//! The vocabulary `duct tape work anywher magic worship`, context c = 2, projection size
//! n = 3, with p and p' as printed in the walkthrough; feeding "tape" forward:
//!
//! ```
//! use ndarray::array;
//! use skipgram::{SkipGramModel, Vocabulary};
//!
//! let vocab = Vocabulary::from_words(["duct", "tape", "work", "anywher", "magic", "worship"])?;
//! let p = array![ // V×N = 6×3: the input weight matrix
//!     [0.37454012, 0.95071431, 0.73199394],
//!     [0.59865848, 0.15601864, 0.15599452],
//!     [0.05808361, 0.86617615, 0.60111501],
//!     [0.70807258, 0.02058449, 0.96990985],
//!     [0.83244264, 0.21233911, 0.18182497],
//!     [0.18340451, 0.30424224, 0.52475643f32],
//! ];
//! let p_prime = array![ // N×V = 3×6: the output weight matrix
//!     [0.43194502, 0.29122914, 0.61185289, 0.13949386, 0.29214465, 0.36636184],
//!     [0.45606998, 0.78517596, 0.19967378, 0.51423444, 0.59241457, 0.04645041],
//!     [0.60754485, 0.17052412, 0.06505159, 0.94888554, 0.96563203, 0.80839735f32],
//! ];
//! let model = SkipGramModel::from_weights(vocab, p, p_prime)?;
//! let f = model.forward("tape")?;
//! // The projection is row 1 of p: one-hot · p selects a row.
//! assert!((f.projection[0] - 0.59865848).abs() < 1e-6);
//! // One score per vocabulary word, shared by all 2c = 4 context positions.
//! assert!((f.scores[0] - 0.42451664).abs() < 1e-6);
//! let probs = f.probabilities()?;
//! assert!((probs.sum() - 1.0).abs() < 1e-6);
//! // After training, row i of p is word i's embedding.
//! assert_eq!(model.embedding("tape")?, f.projection);
//! # Ok::<(), skipgram::Error>(())
//! ```
//!
//! ## Training on a corpus
//!
//! ```
//! use skipgram::{Corpus, TrainConfig, TrainOptions, Trainer, VocabConfig};
//! let corpus = Corpus::from_text("the cat sat on the mat the dog sat on the log ".repeat(40));
//! let trainer = Trainer::new(TrainConfig { dim: 16, vocab: VocabConfig { min_count: 1, ..Default::default() }, epochs: 3, ..Default::default() })?;
//! let (model, report) = trainer.fit(&corpus, TrainOptions::new())?;
//! assert_eq!(model.embedding("cat")?.len(), 16);
//! assert!(report.epochs.last().unwrap().loss.is_finite());
//! # Ok::<(), skipgram::Error>(())
//! ```
//!
//! ## Map of the crate
//!
//! | concept | item |
//! |---|---|
//! | vocabulary, counts, `min_count`, parallel and bounded counting | [`Vocabulary`], [`VocabularyBuilder`], [`CountOptions`] |
//! | one-hot input | [`OneHot`] |
//! | p (V×N), p' (N×V), forward pass | [`SkipGramModel`], [`Forward`] |
//! | softmax, cross-entropy | [`Softmax`] |
//! | the tutorial's preprocessing | [`Preprocessor`] |
//! | streaming corpus input | [`Corpus`], [`TokenReader`] |
//! | SGD training, objectives, threads | [`Trainer`], [`TrainConfig`], [`Objective`] |
//! | progress and timing of each phase | [`Progress`], [`TrainReport`], [`Phases`] |
//! | embeddings in use: neighbours, analogies | [`Embeddings`], [`AnalogyMethod`] |
//! | phrases ("new_york"): word2phrase and gensim's `Phrases` | [`Phrases`], [`PhrasesConfig`], [`FrozenPhrases`], [`PhrasePasses`] |
//! | word2vec text and binary files | [`ReadWord2Vec`], [`WriteWord2Vec`] |
//! | checkpoints to resume training | [`Checkpoint`] |
//! | analogy and word-similarity evaluation | [`eval`] |
//! | fastText's character n-grams and their hash | [`subword`] |
//! | a vector for every word; fastText `.bin` files | [`SubwordEmbeddings`], [`io::fasttext`] |
//! | errors | [`Error`] |
//! | everything above in one import | [`prelude`] |
//!
//! The crate re-exports the versions of [`ndarray`] and [`rand`] its API uses, so that
//! `skipgram::rand::SeedableRng` and `skipgram::ndarray::Array2` always match it.

#![deny(missing_docs)]
#![deny(unsafe_code)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod corpus;
mod embeddings;
mod error;
pub mod eval;
pub mod io;
mod model;
mod one_hot;
mod parallel;
pub mod phrases;
pub mod prelude;
pub mod preprocess;
mod softmax;
pub mod subword;
mod subword_embeddings;
mod train;
mod vocab;

pub use ndarray;
pub use rand;

pub use corpus::{Corpus, RawToken, TokenReader, Tokenizer};
pub use embeddings::{
    AnalogyMethod, Embeddings, MeanOptions, SimilarityOptions, UnknownWordPolicy, VectorKind,
};
pub use error::{Error, Result};
pub use io::checkpoint::Checkpoint;
pub use io::{ReadWord2Vec, WriteWord2Vec};
pub use model::{Forward, Growth, SkipGramModel};
pub use one_hot::OneHot;
pub use phrases::{FrozenPhrases, PhraseModel, PhrasePasses, Phrases, PhrasesConfig};
pub use preprocess::Preprocessor;
pub use softmax::Softmax;
pub use subword_embeddings::SubwordEmbeddings;
pub use train::{
    CancelToken, EpochReport, Epochs, NsDirection, Objective, Phases, Progress, TrainConfig,
    TrainOptions, TrainReport, Trainer,
};
#[cfg(feature = "mpi")]
pub use train::{Cluster, SyncConfig, SyncStats};
pub use vocab::{CountOptions, VocabConfig, Vocabulary, VocabularyBuilder};

/// The training kernels and samplers are crate-private; safe code cannot reach them:
///
/// ```compile_fail,E0603
/// use skipgram::train::kernels::Isa;
/// ```
///
/// ```compile_fail,E0433
/// let _ = skipgram::HuffmanTree::new(&[1, 2]);
/// ```
///
/// ```compile_fail,E0433
/// let _ = skipgram::NegativeSampler::new(&[1, 2], 0.75);
/// ```
#[cfg(doctest)]
pub struct PrivateInternals;

/// The README's code examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
