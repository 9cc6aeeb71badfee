//! The library's integration tests, in one test binary: behaviour seen from outside the
//! crate. Each module is one subject.

mod common;

#[cfg(target_os = "linux")]
mod atomic_saves;
mod corpus_input;
mod deterministic;
mod embeddings_io;
mod embeddings_query;
mod eval;
mod extremes;
mod fasttext;
#[cfg(unix)]
mod files;
mod formats;
mod growth;
mod phrases;
mod phrases_targets;
mod properties;
mod robustness;
mod streaming;
mod subword_training;
mod training;
mod vocab_count;
mod walkthrough;
