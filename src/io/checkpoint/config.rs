//! The [`TrainConfig`] part of a checkpoint's header: the one place that knows its fields.
//!
//! Encoding (little-endian): dim u64, window u64, objective u8 (0 softmax, 1 negative
//! sampling, 2 hierarchical softmax), negative u64, ns_direction u8 (0 context predicts
//! center, 1 center predicts context), ns_exponent f64 (NaN: `None`), sample f64, min_count u64,
//! max_final_vocab u8 flag + u64, epochs u64, alpha f32, min_alpha_fraction f32, threads u64,
//! seed u64, max_sentence_len u64, max_vocab_size u8 flag + u64, encoded_corpus_memory u64
//! (116 bytes). Adding, removing or renaming a field changes this file,
//! [`super::VERSION`] and the format table in the module docs.

use super::sections::Fields;
use crate::error::Result;
use crate::train::{NsDirection, Objective, TrainConfig};
use crate::vocab::VocabConfig;

/// Appends the encoding of `c` to `out`.
pub(super) fn encode_config(c: &TrainConfig, out: &mut Vec<u8>) {
    let u64_of = |x: usize| (x as u64).to_le_bytes();
    out.extend_from_slice(&u64_of(c.dim));
    out.extend_from_slice(&u64_of(c.window));
    out.push(match c.objective {
        Objective::Softmax => 0,
        Objective::NegativeSampling => 1,
        Objective::HierarchicalSoftmax => 2,
    });
    out.extend_from_slice(&u64_of(c.negative));
    out.push(match c.ns_direction {
        NsDirection::ContextPredictsCenter => 0,
        NsDirection::CenterPredictsContext => 1,
    });
    // NaN: the model's default exponent (`None`).
    out.extend_from_slice(&c.ns_exponent.unwrap_or(f64::NAN).to_le_bytes());
    out.extend_from_slice(&c.sample.to_le_bytes());
    out.extend_from_slice(&c.vocab.min_count.to_le_bytes());
    out.push(u8::from(c.vocab.max_final_vocab.is_some()));
    out.extend_from_slice(&u64_of(c.vocab.max_final_vocab.unwrap_or(0)));
    out.extend_from_slice(&u64_of(c.epochs));
    out.extend_from_slice(&c.alpha.to_le_bytes());
    out.extend_from_slice(&c.min_alpha_fraction.to_le_bytes());
    out.extend_from_slice(&u64_of(c.threads));
    out.extend_from_slice(&c.seed.to_le_bytes());
    out.extend_from_slice(&u64_of(c.max_sentence_len));
    out.push(u8::from(c.vocab.max_vocab_size.is_some()));
    out.extend_from_slice(&u64_of(c.vocab.max_vocab_size.unwrap_or(0)));
    out.extend_from_slice(&u64_of(c.encoded_corpus_memory));
}

/// Decodes what [`encode_config`] wrote (not yet validated).
///
/// # Errors
/// [`Error::Format`](crate::Error::Format) for an unknown objective or direction code, a flag
/// other than 0 or 1, a size beyond `usize`, or too few bytes.
pub(super) fn decode_config(f: &mut Fields<'_>) -> Result<TrainConfig> {
    let dim = f.usize("dim")?;
    let window = f.usize("window")?;
    let objective = match f.u8("objective")? {
        0 => Objective::Softmax,
        1 => Objective::NegativeSampling,
        2 => Objective::HierarchicalSoftmax,
        b => return Err(f.error(format!("unknown objective code {b}"))),
    };
    let negative = f.usize("negative")?;
    let ns_direction = match f.u8("ns_direction")? {
        0 => NsDirection::ContextPredictsCenter,
        1 => NsDirection::CenterPredictsContext,
        b => return Err(f.error(format!("unknown negative-sampling direction code {b}"))),
    };
    let ns_exponent = Some(f.f64("ns_exponent")?).filter(|e| !e.is_nan());
    let sample = f.f64("sample")?;
    let min_count = f.u64("min_count")?;
    let has_max_final_vocab = f.flag("max_final_vocab")?;
    let max_final_vocab = f.usize("max_final_vocab")?;
    Ok(TrainConfig {
        dim,
        window,
        objective,
        negative,
        ns_direction,
        ns_exponent,
        sample,
        epochs: f.usize("epochs")?,
        alpha: f.f32("alpha")?,
        min_alpha_fraction: f.f32("min_alpha_fraction")?,
        threads: f.usize("threads")?,
        seed: f.u64("seed")?,
        max_sentence_len: f.usize("max_sentence_len")?,
        // Read here: the file keeps the order the fields had before they were nested.
        vocab: VocabConfig {
            min_count,
            max_final_vocab: has_max_final_vocab.then_some(max_final_vocab),
            max_vocab_size: {
                let has = f.flag("max_vocab_size")?;
                let value = f.usize("max_vocab_size")?;
                has.then_some(value)
            },
        },
        encoded_corpus_memory: f.usize("encoded_corpus_memory")?,
        // How processes of a distributed run synchronise, and whether training is
        // deterministic, belong to the run, not the model.
        ..TrainConfig::default()
    })
}
