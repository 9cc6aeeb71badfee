//! Writing fastText's `.bin` (version 12) from its parts, so that a model can stream its
//! own matrices without first being copied into a [`FastTextModel`](super::FastTextModel).

use std::io::Write;

use ndarray::ArrayView2;

use super::{FastTextArgs, FASTTEXT_MAGIC, FASTTEXT_VERSION};
use crate::error::Result;

/// Writes a `.bin` (version 12) from its parts: the input matrix is the rows of `input`'s
/// matrices stacked (p on the n-gram rows, without a copy), `output` is V×N.
pub(crate) fn write_bin(
    mut w: impl Write,
    a: &FastTextArgs,
    words: &[String],
    counts: &[u64],
    ntokens: i64,
    input: &[ArrayView2<'_, f32>],
    output: ArrayView2<'_, f32>,
) -> Result<()> {
    let mut out = Vec::with_capacity(256);
    for x in [
        FASTTEXT_MAGIC,
        FASTTEXT_VERSION,
        a.dim,
        a.ws,
        a.epoch,
        a.min_count,
        a.neg,
        a.word_ngrams,
        a.loss,
        a.model,
        a.bucket,
        a.minn,
        a.maxn,
        a.lr_update_rate,
    ] {
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.extend_from_slice(&a.t.to_le_bytes());
    let v = words.len() as i32;
    out.extend_from_slice(&v.to_le_bytes());
    out.extend_from_slice(&v.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&ntokens.to_le_bytes());
    out.extend_from_slice(&(-1i64).to_le_bytes());
    w.write_all(&out)?;
    for (word, &c) in words.iter().zip(counts) {
        w.write_all(word.as_bytes())?;
        w.write_all(&[0])?;
        w.write_all(&(c.min(i64::MAX as u64) as i64).to_le_bytes())?;
        w.write_all(&[0])?;
    }
    w.write_all(&[0])?;
    write_matrix(&mut w, input)?;
    w.write_all(&[0])?;
    write_matrix(&mut w, &[output])?;
    w.flush()?;
    Ok(())
}

fn write_matrix(w: &mut impl Write, parts: &[ArrayView2<'_, f32>]) -> Result<()> {
    let rows: usize = parts.iter().map(|m| m.nrows()).sum();
    let cols = parts.first().map_or(0, |m| m.ncols());
    w.write_all(&(rows as i64).to_le_bytes())?;
    w.write_all(&(cols as i64).to_le_bytes())?;
    let mut buf = Vec::with_capacity(1 << 16);
    for x in parts.iter().flat_map(|m| m.iter()) {
        buf.extend_from_slice(&x.to_le_bytes());
        if buf.len() >= 1 << 16 {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)?;
    Ok(())
}
