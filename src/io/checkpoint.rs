//! Training checkpoints: the whole model (vocabulary with counts, p, p', hierarchical-softmax
//! node vectors) and its [`TrainConfig`], so training can stop and resume exactly.
//!
//! # File format (version 1)
//!
//! All integers and floats little-endian:
//!
//! | field | encoding |
//! |---|---|
//! | magic | the 14 bytes `SKIPGRAM-CKPT\0` |
//! | format version | u32 = 1 |
//! | `TrainConfig` | dim u64, window u64, objective u8 (0 softmax, 1 negative sampling, 2 hierarchical softmax), negative u64, ns_direction u8 (0 context predicts center, 1 center predicts context), ns_exponent f64, sample f64, min_count u64, max_vocab u8 flag + u64, epochs u64, alpha f32, min_alpha_fraction f32, threads u64, seed u64, max_sentence_len u64 |
//! | epochs trained | u64 |
//! | V, N | u64, u64 |
//! | vocabulary | V × (byte length u32, UTF-8 bytes, count u64), in index order |
//! | p | V×N f32, row-major |
//! | p' | V×N f32, row-major: row j is column j of p' (word2vec.c's `syn1neg`) |
//! | HS node vectors | u8 flag; if 1, (V−1)×N f32 (word2vec.c's `syn1`) |

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;

use ndarray::Array2;

use super::{
    decode_word, read_exact_or_truncated, read_f32s, with_path, write_atomically, Tracked,
};
use crate::error::{shape2, Error, Result};
use crate::model::SkipGramModel;
use crate::train::{NsDirection, Objective, TrainConfig};
use crate::vocab::Vocabulary;

const MAGIC: &[u8; 14] = b"SKIPGRAM-CKPT\0";
const FORMAT: &str = "skipgram checkpoint";
/// Longest word a checkpoint may hold (as [`MAX_WORD_BYTES`](super::MAX_WORD_BYTES)).
const MAX_WORD: usize = super::MAX_WORD_BYTES;

/// A model and the configuration it is being trained with, for stopping and resuming.
///
/// Resuming is exact: with `threads: 1` and a seed, training 2 epochs, saving, loading and
/// training on to epoch 3 gives the same weights bit for bit as 3 uninterrupted epochs
/// (the trainer's random streams are seeded per epoch, and
/// [`SkipGramModel::epochs_trained`] is stored).
///
/// ```
/// use skipgram::{Checkpoint, Corpus, TrainConfig, Trainer};
/// let corpus = Corpus::from_text("a b c d a b c d a c ".repeat(30));
/// let config = TrainConfig { dim: 8, min_count: 1, epochs: 2, threads: 1, ..Default::default() };
/// let trainer = Trainer::new(config)?;
/// let mut model = trainer.build_model(&corpus)?;
/// trainer.train_until(&mut model, &corpus, 1)?;
///
/// let mut bytes = Vec::new();
/// Checkpoint { model, config }.write_to(&mut bytes)?;
/// let mut restored = Checkpoint::read_from(&mut bytes.as_slice())?;
/// assert_eq!(restored.model.epochs_trained(), 1);
/// Trainer::new(restored.config)?.train(&mut restored.model, &corpus)?;
/// assert_eq!(restored.model.epochs_trained(), 2);
/// # Ok::<(), skipgram::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// The model, with its vocabulary (and counts), p, p', node vectors and epochs trained.
    pub model: SkipGramModel,
    /// The configuration to resume with.
    pub config: TrainConfig,
}

impl Checkpoint {
    /// Saves to `path` atomically: a temporary file in the same directory is renamed over
    /// `path` only when complete and synced, so a failed save leaves any previous checkpoint
    /// intact.
    ///
    /// # Errors
    /// As [`write_to`](Self::write_to); [`Error::Io`].
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(path.as_ref(), |w| self.write_to(w))
    }

    /// Loads a checkpoint saved by [`save`](Self::save). The sizes in the header are checked
    /// against the file's length before any large allocation, and trailing bytes are an
    /// error.
    ///
    /// # Errors
    /// As [`read_from`](Self::read_from) ([`Error::InvalidUtf8`] names the path);
    /// [`Error::Format`] for data after the end; [`Error::Io`] if the file cannot be read.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::io_at(path, e))?;
        let len = file.metadata().map_err(|e| Error::io_at(path, e))?.len();
        let mut r = Tracked::new(BufReader::with_capacity(1 << 20, file));
        let ckpt = read(&mut r, Some(len)).map_err(|e| with_path(e, path))?;
        if r.read(&mut [0u8; 1])? != 0 {
            return Err(Error::Format {
                format: FORMAT,
                line: None,
                message: format!("unexpected data after byte {}", r.pos() - 1),
            });
        }
        Ok(ckpt)
    }

    /// Writes the checkpoint in the format described in the [module docs](self).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] from [`TrainConfig::validate`] and [`Error::ShapeMismatch`]
    /// if the model's dimension is not `config.dim` (checked before anything is written, so
    /// every checkpoint written can be read back); [`Error::Io`].
    pub fn write_to(&self, w: &mut impl Write) -> Result<()> {
        let c = &self.config;
        c.validate()?;
        let m = &self.model;
        if m.dim() != c.dim {
            return Err(Error::ShapeMismatch {
                what: "model dimension vs TrainConfig::dim",
                expected: c.dim.to_string(),
                found: m.dim().to_string(),
            });
        }
        let u64_of = |x: usize| x as u64;
        w.write_all(MAGIC)?;
        w.write_all(&1u32.to_le_bytes())?;
        w.write_all(&u64_of(c.dim).to_le_bytes())?;
        w.write_all(&u64_of(c.window).to_le_bytes())?;
        let objective: u8 = match c.objective {
            Objective::Softmax => 0,
            Objective::NegativeSampling => 1,
            Objective::HierarchicalSoftmax => 2,
        };
        w.write_all(&[objective])?;
        w.write_all(&u64_of(c.negative).to_le_bytes())?;
        w.write_all(&[match c.ns_direction {
            NsDirection::ContextPredictsCenter => 0u8,
            NsDirection::CenterPredictsContext => 1,
        }])?;
        w.write_all(&c.ns_exponent.to_le_bytes())?;
        w.write_all(&c.sample.to_le_bytes())?;
        w.write_all(&c.min_count.to_le_bytes())?;
        w.write_all(&[u8::from(c.max_final_vocab.is_some())])?;
        w.write_all(&u64_of(c.max_final_vocab.unwrap_or(0)).to_le_bytes())?;
        w.write_all(&u64_of(c.epochs).to_le_bytes())?;
        w.write_all(&c.alpha.to_le_bytes())?;
        w.write_all(&c.min_alpha_fraction.to_le_bytes())?;
        w.write_all(&u64_of(c.threads).to_le_bytes())?;
        w.write_all(&c.seed.to_le_bytes())?;
        w.write_all(&u64_of(c.max_sentence_len).to_le_bytes())?;
        w.write_all(&u64_of(m.epochs_trained()).to_le_bytes())?;
        w.write_all(&u64_of(m.vocab_size()).to_le_bytes())?;
        w.write_all(&u64_of(m.dim()).to_le_bytes())?;
        for (word, count) in m.vocab().iter() {
            let len = u32::try_from(word.len())
                .ok()
                .filter(|&l| l as usize <= MAX_WORD)
                .ok_or_else(|| Error::Format {
                    format: FORMAT,
                    line: None,
                    message: format!("cannot store a word longer than {MAX_WORD} bytes"),
                })?;
            w.write_all(&len.to_le_bytes())?;
            w.write_all(word.as_bytes())?;
            w.write_all(&count.to_le_bytes())?;
        }
        write_matrix(w, m.input_weights())?;
        write_matrix(w, m.output_weights_transposed())?;
        match m.hs_node_vectors() {
            Some(h) => {
                w.write_all(&[1])?;
                write_matrix(w, h)?;
            }
            None => w.write_all(&[0])?,
        }
        w.flush()?;
        Ok(())
    }

    /// Reads a checkpoint written by [`write_to`](Self::write_to), validating everything.
    /// Memory grows only as data arrives, so a header with huge sizes on a short input fails
    /// with [`Error::Truncated`] rather than allocating. Reads exactly the checkpoint's
    /// bytes.
    ///
    /// # Errors
    /// [`Error::Format`] for a wrong magic, an unknown version, an invalid configuration,
    /// flag or objective byte, V = 0, N ≠ `config.dim`, sizes beyond addressable memory, or
    /// word counts that add up to more than 2⁶⁴ − 1;
    /// [`Error::Truncated`] if the data ends early; [`Error::NonFinite`] for a NaN or
    /// infinite weight; [`Error::InvalidUtf8`] and [`Error::DuplicateWord`] for a bad
    /// vocabulary; [`Error::Io`].
    pub fn read_from(r: &mut impl Read) -> Result<Self> {
        read(&mut Tracked::new(r), None)
    }
}

fn write_matrix(w: &mut impl Write, a: ndarray::ArrayView2<'_, f32>) -> Result<()> {
    let mut bytes = Vec::with_capacity(a.ncols() * 4);
    for row in a.rows() {
        bytes.clear();
        for &x in row {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        w.write_all(&bytes)?;
    }
    Ok(())
}

/// Reads a rows×N matrix; pre-allocates it whole only if the size was checked against the
/// file's length (`trusted`), else grows with the data.
fn read_matrix(
    r: &mut impl Read,
    rows: usize,
    n: usize,
    what: &'static str,
    trusted: bool,
) -> Result<Array2<f32>> {
    let count = rows * n;
    let mut data = Vec::with_capacity(if trusted { count } else { count.min(1 << 16) });
    read_f32s(r, count, &mut data, FORMAT, what)?;
    Array2::from_shape_vec((rows, n), data).map_err(|_| Error::ShapeMismatch {
        what,
        expected: shape2(rows, n),
        found: "fewer values".into(),
    })
}

fn format_err(message: impl Into<String>) -> Error {
    Error::Format {
        format: FORMAT,
        line: None,
        message: message.into(),
    }
}

fn bytes<const K: usize>(r: &mut impl Read, what: &str) -> Result<[u8; K]> {
    let mut b = [0u8; K];
    read_exact_or_truncated(r, &mut b, FORMAT, || what.to_string())?;
    Ok(b)
}

fn read_u64(r: &mut impl Read, what: &str) -> Result<u64> {
    Ok(u64::from_le_bytes(bytes(r, what)?))
}

fn read_usize(r: &mut impl Read, what: &str) -> Result<usize> {
    let x = read_u64(r, what)?;
    usize::try_from(x).map_err(|_| format_err(format!("{what} = {x} does not fit in memory")))
}

fn read_flag(r: &mut impl Read, what: &str) -> Result<bool> {
    match bytes::<1>(r, what)?[0] {
        0 => Ok(false),
        1 => Ok(true),
        b => Err(format_err(format!("{what} flag must be 0 or 1, found {b}"))),
    }
}

fn read<R: Read>(r: &mut Tracked<R>, file_len: Option<u64>) -> Result<Checkpoint> {
    let magic: [u8; 14] = bytes(r, "the magic bytes")?;
    if &magic != MAGIC {
        return Err(format_err("not a skipgram checkpoint (wrong magic bytes)"));
    }
    let version = u32::from_le_bytes(bytes(r, "the format version")?);
    if version != 1 {
        return Err(format_err(format!(
            "format version {version} is not supported (this build reads version 1)"
        )));
    }
    let dim = read_usize(r, "dim")?;
    let window = read_usize(r, "window")?;
    let objective = match bytes::<1>(r, "objective")?[0] {
        0 => Objective::Softmax,
        1 => Objective::NegativeSampling,
        2 => Objective::HierarchicalSoftmax,
        b => return Err(format_err(format!("unknown objective code {b}"))),
    };
    let negative = read_usize(r, "negative")?;
    let ns_direction = match bytes::<1>(r, "ns_direction")?[0] {
        0 => NsDirection::ContextPredictsCenter,
        1 => NsDirection::CenterPredictsContext,
        b => {
            return Err(format_err(format!(
                "unknown negative-sampling direction code {b}"
            )))
        }
    };
    let ns_exponent = f64::from_le_bytes(bytes(r, "ns_exponent")?);
    let sample = f64::from_le_bytes(bytes(r, "sample")?);
    let min_count = read_u64(r, "min_count")?;
    let has_max_vocab = read_flag(r, "max_vocab")?;
    let max_vocab = read_usize(r, "max_vocab")?;
    let config = TrainConfig {
        dim,
        window,
        objective,
        negative,
        ns_direction,
        ns_exponent,
        sample,
        min_count,
        max_final_vocab: has_max_vocab.then_some(max_vocab),
        max_vocab_size: None,
        epochs: read_usize(r, "epochs")?,
        alpha: f32::from_le_bytes(bytes(r, "alpha")?),
        min_alpha_fraction: f32::from_le_bytes(bytes(r, "min_alpha_fraction")?),
        threads: read_usize(r, "threads")?,
        seed: read_u64(r, "seed")?,
        max_sentence_len: read_usize(r, "max_sentence_len")?,
    };
    config
        .validate()
        .map_err(|e| format_err(format!("stored configuration: {e}")))?;
    let epochs_trained = read_usize(r, "epochs trained")?;
    let v = read_u64(r, "V")?;
    let n = read_u64(r, "N")?;
    if v == 0 || v > u64::from(u32::MAX) {
        return Err(format_err(format!(
            "vocabulary size V = {v} is outside 1 ..= 2^32 - 1"
        )));
    }
    if n != dim as u64 {
        return Err(format_err(format!(
            "the weights have dimension {n} but the configuration says dim = {dim}"
        )));
    }
    // Three V×N matrices at most (p, p', node vectors), 4 bytes a value.
    let vn = v
        .checked_mul(n)
        .filter(|vn| vn.checked_mul(12).is_some_and(|b| b <= isize::MAX as u64))
        .ok_or_else(|| format_err(format!("V×N = {v}×{n} is beyond addressable memory")))?;
    // Minimum bytes still to come: V vocabulary entries of ≥ 12 bytes, p, p', the flag.
    let at_least = 12 * v + 8 * vn + 1;
    let trusted = match file_len {
        Some(len) => {
            let left = len.saturating_sub(r.pos());
            if at_least > left {
                return Err(Error::Truncated {
                    format: FORMAT,
                    message: format!(
                        "the header announces {v} words of dimension {n} (at least {at_least} \
                         more bytes) but only {left} bytes follow"
                    ),
                });
            }
            true
        }
        None => false,
    };
    let (v, n) = (v as usize, n as usize);
    // Without a known file length, memory grows only as data arrives.
    let mut entries = Vec::with_capacity(if trusted { v } else { v.min(1 << 16) });
    let mut word = Vec::new();
    for i in 0..v {
        let len = u32::from_le_bytes(bytes(r, "a word length")?) as usize;
        if len > MAX_WORD {
            return Err(format_err(format!(
                "word {i} claims {len} bytes, more than {MAX_WORD}"
            )));
        }
        let offset = r.pos();
        word.clear();
        let got = (&mut *r).take(len as u64).read_to_end(&mut word)?;
        if got < len {
            return Err(Error::Truncated {
                format: FORMAT,
                message: format!("the data ends inside word {i} of {v}"),
            });
        }
        let w = decode_word(&word, false, offset)?;
        let count = read_u64(r, "a word count")?;
        entries.push((w, count));
    }
    let vocab = Vocabulary::from_counts(entries).map_err(|e| match e {
        Error::InvalidConfig(m) => format_err(m),
        e => e,
    })?;

    let p = read_matrix(r, v, n, "p", trusted)?;
    let p_prime = read_matrix(r, v, n, "p' (stored V×N)", trusted)?;
    let hs = if read_flag(r, "hierarchical softmax node vectors")? {
        Some(read_matrix(
            r,
            v - 1,
            n,
            "hierarchical softmax node vectors",
            trusted,
        )?)
    } else {
        None
    };
    let model = SkipGramModel::from_parts(vocab, p, p_prime, hs, epochs_trained)?;
    Ok(Checkpoint { model, config })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Corpus;
    use crate::train::Trainer;

    fn trained(objective: Objective) -> (SkipGramModel, TrainConfig) {
        let corpus = Corpus::from_text("x y z x y w x z w y ".repeat(20));
        let config = TrainConfig {
            dim: 4,
            min_count: 1,
            epochs: 2,
            threads: 1,
            objective,
            max_final_vocab: Some(100),
            ..Default::default()
        };
        let trainer = Trainer::new(config).unwrap();
        let mut model = trainer.build_model(&corpus).unwrap();
        trainer.train_until(&mut model, &corpus, 1).unwrap();
        (model, config)
    }

    fn to_bytes(model: SkipGramModel, config: TrainConfig) -> Vec<u8> {
        let mut out = Vec::new();
        Checkpoint { model, config }.write_to(&mut out).unwrap();
        out
    }

    fn weights(m: &SkipGramModel) -> Vec<u32> {
        let mut v: Vec<u32> = m.input_weights().iter().map(|x| x.to_bits()).collect();
        v.extend(m.output_weights_transposed().iter().map(|x| x.to_bits()));
        if let Some(h) = m.hs_node_vectors() {
            v.extend(h.iter().map(|x| x.to_bits()));
        }
        v
    }

    #[test]
    fn round_trip_restores_everything() {
        for objective in [
            Objective::Softmax,
            Objective::NegativeSampling,
            Objective::HierarchicalSoftmax,
        ] {
            let (model, config) = trained(objective);
            let bytes = to_bytes(model.clone(), config);
            let back = Checkpoint::read_from(&mut bytes.as_slice()).unwrap();
            assert_eq!(back.config, config);
            assert_eq!(back.model.vocab(), model.vocab());
            assert_eq!(back.model.epochs_trained(), 1);
            assert_eq!(
                back.model.hs_node_vectors().is_some(),
                objective == Objective::HierarchicalSoftmax
            );
            assert_eq!(weights(&back.model), weights(&model));
            // Layout: V = 4 words, N = 4: fixed-size parts plus 4 × (4 + 1 + 8) vocabulary
            // bytes, two 4×4 matrices, a flag and possibly 3×4 node vectors.
            let hs = if objective == Objective::HierarchicalSoftmax {
                48
            } else {
                0
            };
            let header = 14 + 4 + 8 + 8 + 1 + 8 + 1 + 8 + 8 + 8 + 1 + 8 + 8 + 4 + 4 + 8 + 8 + 8;
            assert_eq!(bytes.len(), header + 24 + 4 * 13 + 2 * 64 + 1 + hs);
        }
    }

    #[test]
    fn every_truncation_is_an_error() {
        let (model, config) = trained(Objective::HierarchicalSoftmax);
        let bytes = to_bytes(model, config);
        for cut in 0..bytes.len() {
            match Checkpoint::read_from(&mut &bytes[..cut]) {
                Err(Error::Truncated { .. }) => {}
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn corrupt_fields_are_rejected() {
        let (model, config) = trained(Objective::NegativeSampling);
        let bytes = to_bytes(model, config);
        let patched = |at: usize, val: &[u8]| {
            let mut b = bytes.clone();
            b[at..at + val.len()].copy_from_slice(val);
            Checkpoint::read_from(&mut b.as_slice())
        };
        let is_format = |r: Result<Checkpoint>| matches!(r, Err(Error::Format { .. }));
        assert!(is_format(patched(0, b"X")));
        assert!(is_format(patched(14, &2u32.to_le_bytes())));
        assert!(is_format(patched(18, &0u64.to_le_bytes()))); // dim 0: invalid config
        assert!(is_format(patched(34, &[7]))); // objective code
        assert!(is_format(patched(43, &[9]))); // negative-sampling direction code
        assert!(is_format(patched(68, &[2]))); // max_vocab flag
        let v_at = 14 + 4 + 8 + 8 + 1 + 8 + 1 + 8 + 8 + 8 + 1 + 8 + 8 + 4 + 4 + 8 + 8 + 8 + 8;
        assert_eq!(&bytes[v_at..v_at + 8], &4u64.to_le_bytes());
        assert!(is_format(patched(v_at, &0u64.to_le_bytes())));
        assert!(is_format(patched(v_at + 8, &5u64.to_le_bytes()))); // N ≠ dim
                                                                    // A huge V (and so V×N) on a short stream: Truncated, without allocating V entries.
        let mut huge = bytes[..v_at + 16].to_vec();
        huge[v_at..v_at + 8].copy_from_slice(&u64::from(u32::MAX).to_le_bytes());
        assert!(matches!(
            Checkpoint::read_from(&mut huge.as_slice()),
            Err(Error::Truncated { .. })
        ));
        // A word length beyond the cap.
        assert!(is_format(patched(v_at + 16, &u32::MAX.to_le_bytes())));
        // Invalid UTF-8 in the first word (1 byte long).
        assert!(matches!(
            patched(v_at + 20, &[0xff]),
            Err(Error::InvalidUtf8 { .. })
        ));
        // NaN in p.
        let p_at = v_at + 16 + 4 * 13;
        assert!(matches!(
            patched(p_at + 4, &f32::NAN.to_le_bytes()),
            Err(Error::NonFinite { .. })
        ));
    }

    /// A fresh directory under the system temp dir, removed when dropped.
    struct TempDir(std::path::PathBuf);

    impl TempDir {
        fn new(tag: &str) -> Self {
            static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let d = std::env::temp_dir()
                .join(format!("skipgram-ckpt-{tag}-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&d).unwrap();
            TempDir(d)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn resuming_from_a_saved_checkpoint_is_bit_identical() {
        let corpus = Corpus::from_text(
            "the cat sat on the mat\nthe dog sat on the log\na cat and a dog met on a mat\n"
                .repeat(30),
        );
        let dir = TempDir::new("resume");
        for objective in [Objective::NegativeSampling, Objective::HierarchicalSoftmax] {
            let config = TrainConfig {
                dim: 8,
                window: 3,
                min_count: 1,
                epochs: 3,
                threads: 1,
                seed: 42,
                objective,
                ..Default::default()
            };
            let trainer = Trainer::new(config).unwrap();
            let mut straight = trainer.build_model(&corpus).unwrap();
            trainer.train(&mut straight, &corpus).unwrap();
            assert_eq!(straight.epochs_trained(), 3);

            let mut first = trainer.build_model(&corpus).unwrap();
            trainer.train_until(&mut first, &corpus, 2).unwrap();
            let after_two = weights(&first);
            let path = dir.0.join("model.ckpt");
            Checkpoint {
                model: first,
                config,
            }
            .save(&path)
            .unwrap();

            let mut loaded = Checkpoint::load(&path).unwrap();
            assert_eq!(loaded.config, config);
            assert_eq!(loaded.model.epochs_trained(), 2);
            assert_eq!(weights(&loaded.model), after_two);
            let report = Trainer::new(loaded.config)
                .unwrap()
                .train(&mut loaded.model, &corpus)
                .unwrap();
            assert_eq!(report.epochs.len(), 1);
            assert_eq!(report.epochs[0].epoch, 3);
            assert_eq!(loaded.model.epochs_trained(), 3);
            assert_ne!(weights(&loaded.model), after_two);
            assert_eq!(weights(&loaded.model), weights(&straight), "{objective:?}");
        }
    }

    #[test]
    fn damaged_files_are_rejected() {
        let (model, config) = trained(Objective::HierarchicalSoftmax);
        let dir = TempDir::new("damaged");
        let path = dir.0.join("c.ckpt");
        Checkpoint { model, config }.save(&path).unwrap();
        let good = std::fs::read(&path).unwrap();
        assert!(Checkpoint::load(&path).is_ok());

        let damaged = dir.0.join("d.ckpt");
        for cut in [0, 10, 140, 150, good.len() / 2, good.len() - 1] {
            std::fs::write(&damaged, &good[..cut]).unwrap();
            match Checkpoint::load(&damaged) {
                Err(Error::Truncated { .. }) => {}
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
        let mut bad = good.clone();
        bad[3] = b'X';
        std::fs::write(&damaged, &bad).unwrap();
        match Checkpoint::load(&damaged) {
            Err(e @ Error::Format { .. }) => assert!(e.to_string().contains("magic")),
            other => panic!("{other:?}"),
        }
        let mut long = good.clone();
        long.push(0);
        std::fs::write(&damaged, &long).unwrap();
        assert!(matches!(
            Checkpoint::load(&damaged),
            Err(Error::Format { .. })
        ));
        assert!(matches!(
            Checkpoint::load(dir.0.join("missing")),
            Err(Error::Io { .. })
        ));
    }

    #[test]
    fn refuses_to_write_inconsistent_checkpoints() {
        let (model, config) = trained(Objective::NegativeSampling);
        let mut out = Vec::new();
        let bad = Checkpoint {
            model: model.clone(),
            config: TrainConfig { dim: 5, ..config },
        };
        assert!(matches!(
            bad.write_to(&mut out),
            Err(Error::ShapeMismatch { .. })
        ));
        let bad = Checkpoint {
            model,
            config: TrainConfig {
                alpha: -1.0,
                ..config
            },
        };
        assert!(matches!(
            bad.write_to(&mut out),
            Err(Error::InvalidConfig(_))
        ));
        assert!(out.is_empty());
    }
}
