//! `Embeddings::read_word2vec_text` and `_lossy` on arbitrary bytes: never a panic, hang or
//! huge allocation; strict and lossy agree; whatever loads writes back and re-reads
//! identically in both formats.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use skipgram::{Embeddings, ReadWord2Vec};

fuzz_target!(|data: &[u8]| {
    let strict = Embeddings::read_word2vec_text(&mut &data[..]);
    let lossy = Embeddings::read_word2vec_text_lossy(&mut &data[..]);
    common::check_strict_vs_lossy(&strict, &lossy);
    if let Ok(e) = &lossy {
        // Text words never hold ASCII whitespace and are never empty: always writable.
        assert!(e
            .vocab()
            .words()
            .iter()
            .all(|w| !w.is_empty() && !w.bytes().any(|b| b.is_ascii_whitespace())));
        common::check_loaded(e);
    }
});
