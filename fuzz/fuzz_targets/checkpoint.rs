//! `Checkpoint::read_from` on arbitrary bytes: never a panic, hang or huge allocation; what
//! loads is consistent, reads exactly as many bytes as writing it back produces, and
//! round-trips bit for bit.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use skipgram::{Checkpoint, SkipGramModel, TrainConfig};

/// Counts the bytes read through it.
struct Counting<'a> {
    inner: &'a [u8],
    read: usize,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n;
        Ok(n)
    }
}

fn weight_bits(c: &(SkipGramModel, TrainConfig)) -> Vec<u32> {
    let m = &c.0;
    let mut v: Vec<u32> = m.input_weights().iter().map(|x| x.to_bits()).collect();
    v.extend(m.output_weights_transposed().iter().map(|x| x.to_bits()));
    if let Some(h) = m.hs_node_vectors() {
        v.extend(h.iter().map(|x| x.to_bits()));
    }
    v
}

fuzz_target!(|data: &[u8]| {
    let mut r = Counting {
        inner: data,
        read: 0,
    };
    let Ok(ckpt) = Checkpoint::read_from(&mut r) else {
        return;
    };
    let m = &ckpt.0;
    ckpt.1
        .validate()
        .expect("a loaded configuration is valid");
    assert_eq!(m.dim(), ckpt.1.dim);
    assert_eq!(m.input_weights().dim(), (m.vocab_size(), m.dim()));
    assert_eq!(m.output_weights_transposed().dim(), (m.vocab_size(), m.dim()));
    if let Some(h) = m.hs_node_vectors() {
        assert_eq!(h.dim(), (m.vocab_size() - 1, m.dim()));
    }
    let bits = weight_bits(&ckpt);
    assert!(bits.iter().all(|&b| f32::from_bits(b).is_finite()));

    let mut out = Vec::new();
    Checkpoint::write_to(&ckpt.0, &ckpt.1, &mut out)
        .expect("a loaded checkpoint can be written");
    // Every field has a fixed size or a stored length, so the re-written checkpoint is as
    // long as what was read (only flag-dependent padding such as an unused max_vocab value
    // may differ in content).
    assert_eq!(
        out.len(),
        r.read,
        "read {} bytes, wrote {}",
        r.read,
        out.len()
    );
    let back = Checkpoint::read_from(&mut out.as_slice()).expect("re-reading our own output");
    assert_eq!(back.1, ckpt.1);
    assert_eq!(back.0.vocab(), m.vocab());
    assert_eq!(back.0.epochs_trained(), m.epochs_trained());
    assert_eq!(weight_bits(&back), bits);
    let mut again = Vec::new();
    Checkpoint::write_to(&back.0, &back.1, &mut again).unwrap();
    assert_eq!(again, out, "writing is not deterministic");

    // Queries on the loaded model never panic and never give NaN.
    let first = m.vocab().words()[0].clone();
    let f = m.forward(&first).expect("a known word");
    assert_eq!(f.scores.len(), m.vocab_size());
    let emb = m.to_embeddings();
    let near = emb.most_similar_word(&first, 2).expect("a known word");
    assert!(near.iter().all(|(_, s)| s.is_finite()));
});
