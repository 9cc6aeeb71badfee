//! `Embeddings::read_word2vec_binary` and `_lossy` on arbitrary bytes: never a panic, hang
//! or huge allocation; strict and lossy agree; whatever loads writes back and re-reads
//! identically in both formats (or, for words our writers refuse, fails cleanly).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use skipgram::{Embeddings, ReadWord2Vec};

fuzz_target!(|data: &[u8]| {
    let strict = Embeddings::read_word2vec_binary(&mut &data[..]);
    let lossy = Embeddings::read_word2vec_binary_lossy(&mut &data[..]);
    common::check_strict_vs_lossy(&strict, &lossy);
    if let Ok(e) = &lossy {
        common::check_loaded(e);
    }
});
