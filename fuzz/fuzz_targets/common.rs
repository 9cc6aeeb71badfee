//! Invariants shared by the word2vec fuzz targets.

use skipgram::{Embeddings, Error, ReadWord2Vec, WriteWord2Vec};

/// The raw bits of every value, row-major.
pub fn bits(e: &Embeddings) -> Vec<u32> {
    e.vectors().iter().map(|x| x.to_bits()).collect()
}

/// Same words in the same order and bit-identical vectors.
pub fn assert_identical(a: &Embeddings, b: &Embeddings, what: &str) {
    assert_eq!(a.vocab().words(), b.vocab().words(), "{what}: words differ");
    assert_eq!(
        (a.len(), a.dim()),
        (b.len(), b.dim()),
        "{what}: shapes differ"
    );
    assert_eq!(bits(a), bits(b), "{what}: values differ");
}

/// Checks what every successfully loaded `Embeddings` must satisfy, then writes it in both
/// formats and reads it back: the same words and bit-identical values, or (for words that
/// cannot be written) a `Format` error before a single byte is written.
pub fn check_loaded(e: &Embeddings) {
    assert!(!e.is_empty() && e.dim() >= 1);
    assert_eq!(e.vectors().dim(), (e.len(), e.dim()));
    assert!(
        e.vectors().iter().all(|x| x.is_finite()),
        "non-finite value loaded"
    );
    assert!(e.norms().iter().all(|x| !x.is_nan()), "NaN norm");
    assert!(e.vocab().counts().iter().all(|&c| c == 1));
    for (i, w) in e.vocab().words().iter().enumerate() {
        assert_eq!(e.vocab().index(w), Some(i), "index of {w:?}");
    }

    let writable = e.vocab().words().iter().all(|w| {
        !w.is_empty()
            && w.len() <= skipgram::io::MAX_WORD_BYTES
            && !w.bytes().any(|b| b.is_ascii_whitespace())
    });
    let mut text = Vec::new();
    let mut binary = Vec::new();
    let wt = e.write_word2vec_text(&mut text);
    let wb = e.write_word2vec_binary(&mut binary);
    if !writable {
        assert!(
            matches!(wt, Err(Error::Format { .. })),
            "text writer: {wt:?}"
        );
        assert!(
            matches!(wb, Err(Error::Format { .. })),
            "binary writer: {wb:?}"
        );
        assert!(
            text.is_empty() && binary.is_empty(),
            "a refused write wrote bytes"
        );
        return;
    }
    wt.expect("writing text to a Vec");
    wb.expect("writing binary to a Vec");
    let back = Embeddings::read_word2vec_text(&mut text.as_slice())
        .unwrap_or_else(|err| panic!("re-reading our own text failed: {err}"));
    assert_identical(e, &back, "text round trip");
    let back = Embeddings::read_word2vec_binary(&mut binary.as_slice())
        .unwrap_or_else(|err| panic!("re-reading our own binary failed: {err}"));
    assert_identical(e, &back, "binary round trip");

    // A query never panics and never yields NaN.
    let first = &e.vocab().words()[0];
    let near = e.most_similar_word(first, 3).expect("a known word");
    assert!(near.iter().all(|(_, s)| s.is_finite()));
}

/// Compares the strict and the lossy reader on the same input.
pub fn check_strict_vs_lossy(
    strict: &Result<Embeddings, Error>,
    lossy: &Result<Embeddings, Error>,
) {
    if let Err(Error::InvalidUtf8 { .. }) = lossy {
        panic!("the lossy reader returned InvalidUtf8");
    }
    match (strict, lossy) {
        (Ok(s), Ok(l)) => assert_identical(s, l, "strict vs lossy"),
        (Ok(_), Err(e)) => panic!("strict reader accepted, lossy refused: {e:?}"),
        // Replacement may go on to a later error or succeed.
        (Err(Error::InvalidUtf8 { .. }), _) => {}
        (Err(e), Ok(_)) => panic!("lossy reader accepted, strict refused with {e:?}"),
        (Err(a), Err(b)) => assert_eq!(
            std::mem::discriminant(a),
            std::mem::discriminant(b),
            "strict {a:?} vs lossy {b:?}"
        ),
    }
}
