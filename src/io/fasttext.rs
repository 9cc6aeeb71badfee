//! fastText's binary model files (`.bin`, format version 12, as fastText 0.9 writes them).
//!
//! Layout (little-endian; source: fastText's `FastText::saveModel`, `Args::save`,
//! `Dictionary::save`, `DenseMatrix::save`):
//!
//! | part | contents |
//! |---|---|
//! | header | magic `793712314` (i32), version `12` (i32) |
//! | args | dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate (i32 each), t (f64) |
//! | dictionary | size (i32), nwords (i32), nlabels (i32), ntokens (i64), pruneidx_size (i64); per entry: word bytes, NUL, count (i64), type (i8) |
//! | input matrix p | quantised flag (u8), rows m = V + bucket (i64), cols N (i64), m×N f32 |
//! | output matrix p' | qout flag (u8), rows V (i64), cols N (i64), V×N f32 (p' transposed: one row per word) |
//!
//! Only unsupervised word models (skip-gram and CBOW) with dense matrices are read:
//! quantised `.ftz` files, pruned dictionaries and supervised (label) models are refused
//! with [`Error::Format`]. Every size in a header is checked against the bytes left in the
//! file before anything is allocated, so a hostile header is an error, not a huge
//! allocation.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use ndarray::{Array1, Array2, ArrayView2};
use rustc_hash::FxHashMap;

use super::{read_exact_or_truncated, read_f32s, write_atomically, Tracked};
use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use crate::subword::{for_each_ngram, NgramConfig, EOS};
use crate::vocab::Vocabulary;

mod write;
pub(crate) use write::write_bin;

/// The first four bytes of a fastText `.bin` file, as a little-endian i32.
pub const FASTTEXT_MAGIC: i32 = 793_712_314;
/// The fastText file format version written here (fastText 0.9's).
pub const FASTTEXT_VERSION: i32 = 12;

const FORMAT: &str = "fastText .bin";

/// fastText's `loss` setting: hierarchical softmax.
pub const LOSS_HS: i32 = 1;
/// fastText's `loss` setting: negative sampling.
pub const LOSS_NS: i32 = 2;
/// fastText's `model` setting: CBOW.
pub const MODEL_CBOW: i32 = 1;
/// fastText's `model` setting: skip-gram.
pub const MODEL_SKIPGRAM: i32 = 2;

/// The training settings stored in a fastText `.bin`, with fastText's names and types.
#[derive(Debug, Clone, PartialEq)]
pub struct FastTextArgs {
    /// Vector size N.
    pub dim: i32,
    /// Context window size.
    pub ws: i32,
    /// Number of epochs.
    pub epoch: i32,
    /// Minimum count of a word in the vocabulary.
    pub min_count: i32,
    /// Negative samples per context word.
    pub neg: i32,
    /// Word n-grams (1 for unsupervised models).
    pub word_ngrams: i32,
    /// Loss: [`LOSS_HS`] 1, [`LOSS_NS`] 2, softmax 3, one-vs-all 4.
    pub loss: i32,
    /// Model: [`MODEL_CBOW`] 1, [`MODEL_SKIPGRAM`] 2, supervised 3.
    pub model: i32,
    /// Number of n-gram hash buckets.
    pub bucket: i32,
    /// Shortest character n-gram.
    pub minn: i32,
    /// Longest character n-gram (0: no subwords).
    pub maxn: i32,
    /// Learning-rate update interval, in tokens.
    pub lr_update_rate: i32,
    /// Subsampling threshold.
    pub t: f64,
}

impl Default for FastTextArgs {
    /// fastText's defaults for `skipgram`.
    fn default() -> Self {
        FastTextArgs {
            dim: 100,
            ws: 5,
            epoch: 5,
            min_count: 5,
            neg: 5,
            word_ngrams: 1,
            loss: LOSS_NS,
            model: MODEL_SKIPGRAM,
            bucket: 2_000_000,
            minn: 3,
            maxn: 6,
            lr_update_rate: 100,
            t: 1e-4,
        }
    }
}

/// A fastText model: its vocabulary (V words with counts), the input matrix p
/// ((V + bucket) × N: V word rows, then one row per n-gram bucket) and the output matrix
/// p' stored as V × N (row i is word i's output vector).
///
/// Memory: (V + bucket) × N + V × N floats, 4 bytes each.
///
/// ```
/// use ndarray::Array2;
/// use skipgram::io::fasttext::{FastTextArgs, FastTextModel};
/// let args = FastTextArgs { dim: 2, bucket: 3, minn: 2, maxn: 3, ..Default::default() };
/// let input = Array2::from_shape_fn((2 + 3, 2), |(i, j)| (i * 2 + j) as f32);
/// let model = FastTextModel::new(args, vec![("ab".into(), 5), ("b".into(), 2)], 7, input, Array2::zeros((2, 2)))?;
/// // An unseen word still gets a vector: the average of its n-gram rows.
/// assert_eq!(model.word_vector("zzz").len(), 2);
/// let bytes = model.to_bytes()?;
/// assert_eq!(FastTextModel::from_bytes(&bytes)?, model);
/// # Ok::<(), skipgram::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FastTextModel {
    args: FastTextArgs,
    words: Vec<String>,
    counts: Vec<u64>,
    index: FxHashMap<String, usize>,
    ntokens: i64,
    input: Array2<f32>,
    output: Array2<f32>,
}

fn bad(message: impl Into<String>) -> Error {
    Error::Format {
        format: FORMAT,
        line: None,
        message: message.into(),
    }
}

impl FastTextModel {
    /// A model from its parts: `args` (its `dim`, `bucket`, `minn`, `maxn` must match the
    /// matrices), the vocabulary in row order with counts, the number of tokens trained
    /// on, p ((V + bucket) × N) and p' as V × N.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if a matrix has the wrong shape, [`Error::InvalidConfig`]
    /// for bad n-gram settings or negative sizes, [`Error::DuplicateWord`],
    /// [`Error::EmptyVocabulary`], [`Error::NonFinite`] for NaN or infinite weights.
    pub fn new(
        args: FastTextArgs,
        words: Vec<(String, u64)>,
        ntokens: i64,
        input: Array2<f32>,
        output: Array2<f32>,
    ) -> Result<Self> {
        if args.dim <= 0 || args.bucket < 0 || args.minn < 0 || args.maxn < 0 {
            return Err(Error::InvalidConfig(format!(
                "fastText args need dim > 0 and bucket, minn, maxn >= 0 (dim {}, bucket {}, minn {}, maxn {})",
                args.dim, args.bucket, args.minn, args.maxn
            )));
        }
        let ngram = NgramConfig {
            minn: args.minn as usize,
            maxn: args.maxn as usize,
            bucket: args.bucket as usize,
        };
        ngram.validate()?;
        if words.is_empty() {
            return Err(Error::EmptyVocabulary {
                min_count: args.min_count.max(0) as u64,
                types: 0,
            });
        }
        let v = words.len();
        let n = args.dim as usize;
        let rows = v + args.bucket as usize;
        if input.dim() != (rows, n) {
            return Err(Error::ShapeMismatch {
                what: "fastText input matrix p",
                expected: crate::error::shape2(rows, n),
                found: crate::error::shape2(input.nrows(), input.ncols()),
            });
        }
        if output.dim() != (v, n) {
            return Err(Error::ShapeMismatch {
                what: "fastText output matrix",
                expected: crate::error::shape2(v, n),
                found: crate::error::shape2(output.nrows(), output.ncols()),
            });
        }
        if !input.iter().chain(output.iter()).all(|x| x.is_finite()) {
            return Err(Error::NonFinite {
                what: "fastText weights",
            });
        }
        let mut index = FxHashMap::default();
        let mut ws = Vec::with_capacity(v);
        let mut counts = Vec::with_capacity(v);
        for (i, (w, c)) in words.into_iter().enumerate() {
            if index.insert(w.clone(), i).is_some() {
                return Err(Error::DuplicateWord(w));
            }
            ws.push(w);
            counts.push(c);
        }
        Ok(FastTextModel {
            args,
            words: ws,
            counts,
            index,
            ntokens,
            input,
            output,
        })
    }

    /// The stored training settings.
    pub fn args(&self) -> &FastTextArgs {
        &self.args
    }

    /// The n-gram settings (`minn`, `maxn`, `bucket`).
    pub fn ngram_config(&self) -> NgramConfig {
        NgramConfig {
            minn: self.args.minn as usize,
            maxn: self.args.maxn as usize,
            bucket: self.args.bucket as usize,
        }
    }

    /// The vocabulary words, in row order (V of them).
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Each word's count in the training corpus, in row order.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The number of tokens the dictionary was built from.
    pub fn ntokens(&self) -> i64 {
        self.ntokens
    }

    /// Vector size N.
    pub fn dim(&self) -> usize {
        self.input.ncols()
    }

    /// Row of `word` in the vocabulary, if there.
    pub fn word_index(&self, word: &str) -> Option<usize> {
        self.index.get(word).copied()
    }

    /// The input matrix p, (V + bucket) × N.
    pub fn input(&self) -> ArrayView2<'_, f32> {
        self.input.view()
    }

    /// The output matrix as V × N (p' transposed).
    pub fn output(&self) -> ArrayView2<'_, f32> {
        self.output.view()
    }

    /// The rows of p whose average is `word`'s vector, as fastText's `get_subwords`
    /// returns them: a vocabulary word's own row first, then `V + bucket id` for each of
    /// its n-grams (none when `maxn` is 0, none for `</s>`).
    pub fn subword_rows(&self, word: &str) -> Vec<usize> {
        let mut rows = Vec::new();
        if let Some(i) = self.word_index(word) {
            rows.push(i);
        }
        if word != EOS {
            let v = self.words.len();
            for_each_ngram(word, &self.ngram_config(), |_, id| rows.push(v + id));
        }
        rows
    }

    /// `word`'s vector (length N): the average of its [`subword_rows`](Self::subword_rows)
    /// of p, as fastText's `get_word_vector`. A word with no rows (out of the vocabulary
    /// with subwords off, or `</s>` when not in it) gets the zero vector, as in fastText.
    pub fn word_vector(&self, word: &str) -> Array1<f32> {
        let rows = self.subword_rows(word);
        let mut v = Array1::<f32>::zeros(self.dim());
        for &r in &rows {
            v += &self.input.row(r);
        }
        if !rows.is_empty() {
            v *= 1.0 / rows.len() as f32;
        }
        v
    }

    /// The vocabulary words' vectors (each the average of its rows, as fastText's `.vec`
    /// output), as [`Embeddings`] (V × N).
    ///
    /// # Errors
    /// As [`Embeddings::new`].
    pub fn to_embeddings(&self) -> Result<Embeddings> {
        let v = self.words.len();
        let mut m = Array2::<f32>::zeros((v, self.dim()));
        for (i, w) in self.words.iter().enumerate() {
            m.row_mut(i).assign(&self.word_vector(w));
        }
        let vocab =
            Vocabulary::from_counts(self.words.iter().cloned().zip(self.counts.iter().copied()))?;
        Embeddings::new(vocab, m)
    }

    /// Reads a fastText `.bin` file.
    ///
    /// # Errors
    /// [`Error::Io`] naming `path`; [`Error::Format`] for a wrong magic number or version, a
    /// quantised (`.ftz`), pruned or supervised model, or sizes that do not agree;
    /// [`Error::Truncated`] if the file ends early; [`Error::InvalidUtf8`] for a word that
    /// is not UTF-8; [`Error::NonFinite`] for NaN or infinite weights;
    /// [`Error::DuplicateWord`].
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::io_at(path, e))?;
        let len = file.metadata().map_err(|e| Error::io_at(path, e))?.len();
        Self::read_from(&mut BufReader::new(file), len).map_err(|e| e.at_path(path))
    }

    /// Reads a fastText `.bin` from bytes in memory.
    ///
    /// # Errors
    /// As [`read`](Self::read).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::read_from(&mut &bytes[..], bytes.len() as u64)
    }

    /// Reads a fastText `.bin` from `r`, which holds at most `len` bytes: no size in a
    /// header is believed beyond what `len` bytes can hold.
    ///
    /// # Errors
    /// As [`read`](Self::read).
    pub fn read_from(r: impl BufRead, len: u64) -> Result<Self> {
        let mut r = Tracked::new(r);
        let left = |r: &Tracked<_>| len.saturating_sub(r.pos());
        let magic = read_i32(&mut r, "the magic number")?;
        if magic != FASTTEXT_MAGIC {
            return Err(bad(format!(
                "not a fastText model: magic number {magic}, expected {FASTTEXT_MAGIC}"
            )));
        }
        let version = read_i32(&mut r, "the version")?;
        if !(11..=FASTTEXT_VERSION).contains(&version) {
            return Err(bad(format!(
                "format version {version} is not supported (11 or 12 is)"
            )));
        }
        let mut a = [0i32; 12];
        for x in a.iter_mut() {
            *x = read_i32(&mut r, "the args")?;
        }
        let t = f64::from_le_bytes(read_bytes::<8>(&mut r, "the args")?);
        let args = FastTextArgs {
            dim: a[0],
            ws: a[1],
            epoch: a[2],
            min_count: a[3],
            neg: a[4],
            word_ngrams: a[5],
            loss: a[6],
            model: a[7],
            bucket: a[8],
            minn: a[9],
            maxn: a[10],
            lr_update_rate: a[11],
            t,
        };
        if args.model == 3 {
            return Err(bad("supervised (classification) models are not supported"));
        }
        if args.dim <= 0 || args.bucket < 0 || args.minn < 0 || args.maxn < 0 {
            return Err(bad(format!(
                "bad args: dim {}, bucket {}, minn {}, maxn {}",
                args.dim, args.bucket, args.minn, args.maxn
            )));
        }
        let size = read_i32(&mut r, "the dictionary header")?;
        let nwords = read_i32(&mut r, "the dictionary header")?;
        let nlabels = read_i32(&mut r, "the dictionary header")?;
        let ntokens = i64::from_le_bytes(read_bytes::<8>(&mut r, "the dictionary header")?);
        let prune = i64::from_le_bytes(read_bytes::<8>(&mut r, "the dictionary header")?);
        if nlabels != 0 {
            return Err(bad(format!(
                "the dictionary holds {nlabels} labels: supervised models are not supported"
            )));
        }
        if size <= 0 || nwords != size {
            return Err(bad(format!(
                "dictionary sizes do not agree: size {size}, nwords {nwords}"
            )));
        }
        if prune > 0 {
            return Err(bad(
                "the dictionary is pruned (a quantised model): not supported",
            ));
        }
        // Each entry takes at least 10 bytes (NUL, count, type).
        let v = size as usize;
        if v as u64 * 10 > left(&r) {
            return Err(Error::Truncated {
                format: FORMAT,
                message: format!(
                    "the dictionary claims {v} words but only {} bytes follow",
                    left(&r)
                ),
            });
        }
        let mut words = Vec::with_capacity(v);
        let mut buf = Vec::new();
        for i in 0..v {
            buf.clear();
            let offset = r.pos();
            let limit = left(&r);
            let n = (&mut r)
                .take(limit)
                .read_until(0, &mut buf)
                .map_err(Error::from)?;
            if n == 0 || buf.last() != Some(&0) {
                return Err(Error::Truncated {
                    format: FORMAT,
                    message: format!("the data ends inside word {i}"),
                });
            }
            buf.pop();
            let word = String::from_utf8(std::mem::take(&mut buf))
                .map_err(|_| Error::InvalidUtf8 { offset, path: None })?;
            let count = i64::from_le_bytes(read_bytes::<8>(&mut r, "a dictionary entry")?);
            let [kind] = read_bytes::<1>(&mut r, "a dictionary entry")?;
            if count < 0 {
                return Err(bad(format!("word {i} has a negative count {count}")));
            }
            if kind != 0 {
                return Err(bad(format!(
                    "entry {i} is a label (type {kind}): supervised models are not supported"
                )));
            }
            words.push((word, count as u64));
        }
        let [quant] = read_bytes::<1>(&mut r, "the quantisation flag")?;
        if quant != 0 {
            return Err(bad(
                "quantised models (.ftz) are not supported; use the full .bin model",
            ));
        }
        let rows = v + args.bucket as usize;
        let input = read_matrix(&mut r, len, rows, args.dim as usize, "input matrix p")?;
        let _qout = read_bytes::<1>(&mut r, "the output quantisation flag")?;
        let output = read_matrix(&mut r, len, v, args.dim as usize, "output matrix")?;
        Self::new(args, words, ntokens, input, output)
    }

    /// Writes the model as a fastText `.bin` (version 12) atomically: on error no file or
    /// a previous file at `path` is left as it was.
    ///
    /// # Errors
    /// [`Error::Io`] naming `path`.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(path.as_ref(), |w| self.write_to(w))
    }

    /// The `.bin` file's bytes.
    ///
    /// # Errors
    /// None in practice (writing to memory); the signature matches [`write_to`](Self::write_to).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = Vec::new();
        self.write_to(&mut v)?;
        Ok(v)
    }

    /// Writes the `.bin` format to `w`.
    ///
    /// # Errors
    /// [`Error::Io`] from `w`.
    pub fn write_to(&self, w: impl Write) -> Result<()> {
        write_bin(
            w,
            &self.args,
            &self.words,
            &self.counts,
            self.ntokens,
            &[self.input.view()],
            self.output.view(),
        )
    }
}

fn read_bytes<const K: usize>(r: &mut impl Read, what: &'static str) -> Result<[u8; K]> {
    let mut b = [0u8; K];
    read_exact_or_truncated(r, &mut b, FORMAT, || what.to_string())?;
    Ok(b)
}

fn read_i32(r: &mut impl Read, what: &'static str) -> Result<i32> {
    Ok(i32::from_le_bytes(read_bytes::<4>(r, what)?))
}

fn read_matrix<R: Read>(
    r: &mut Tracked<R>,
    len: u64,
    rows: usize,
    cols: usize,
    what: &'static str,
) -> Result<Array2<f32>> {
    let m = i64::from_le_bytes(read_bytes::<8>(r, what)?);
    let n = i64::from_le_bytes(read_bytes::<8>(r, what)?);
    if m != rows as i64 || n != cols as i64 {
        return Err(bad(format!(
            "the {what} is {m}×{n}, expected {rows}×{cols} from the args and dictionary"
        )));
    }
    let count = rows as u128 * cols as u128;
    let left = len.saturating_sub(r.pos()) as u128;
    if count * 4 > left {
        return Err(Error::Truncated {
            format: FORMAT,
            message: format!(
                "the {what} needs {} bytes but only {left} follow",
                count * 4
            ),
        });
    }
    let count = count as usize;
    let mut data: Vec<f32> = Vec::new();
    data.try_reserve_exact(count)
        .map_err(|_| Error::OutOfMemory {
            what: what.to_string(),
            bytes: count as u64 * 4,
        })?;
    read_f32s(r, count, &mut data, FORMAT, what)?;
    Array2::from_shape_vec((rows, cols), data).map_err(|e| bad(e.to_string()))
}
