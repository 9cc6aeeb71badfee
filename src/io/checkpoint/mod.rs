//! Training checkpoints: the whole model (vocabulary with counts, p, p', hierarchical-softmax
//! node vectors) and its [`TrainConfig`], so training can stop and resume exactly.
//!
//! # File format (version 3)
//!
//! All integers and floats little-endian. Every section ends with a CRC-32 (IEEE, as zlib
//! and gzip compute it) of **the bytes of that section and of every section before it**
//! (the stored checksums left out), and the reader checks it before it interprets anything
//! in the section. So a damaged byte anywhere is reported as a failed checksum
//! naming the section, never read as a plausible value; and the sections are tied together:
//! a section spliced in from another checkpoint, even one of the same shape with a valid
//! checksum of its own, fails its checksum.
//!
//! | section | content |
//! |---|---|
//! | preamble | the 14 bytes `SKIPGRAM-CKPT\0`, format version u32 = 3, header length u32; CRC-32 |
//! | header | the `TrainConfig` (116 bytes: dim, window, objective, negative, ns_direction, ns_exponent, sample, min_count, max_final_vocab, epochs, alpha, min_alpha_fraction, threads, seed, max_sentence_len, max_vocab_size, encoded_corpus_memory), epochs trained u64, V u64, N u64, vocabulary length in bytes u64, HS flag u8; CRC-32 |
//! | vocabulary | V × (byte length u32, UTF-8 bytes, count u64), in index order; CRC-32 |
//! | p | V×N f32, row-major; CRC-32 |
//! | p' | V×N f32, row-major: row j is column j of p' (word2vec.c's `syn1neg`); CRC-32 |
//! | HS node vectors | only if the HS flag is 1: (V−1)×N f32 (word2vec.c's `syn1`); CRC-32 |
//!
//! A configuration of hierarchical softmax on a model that has trained at least one epoch
//! needs the node vectors (HS flag 1): without them the file is refused, as writing one is.
//!
//! Version 2 files (skipgram 0.2) are the same but for the checksums, each of which covers
//! its own section only; they are still read. Version 1 (skipgram 0.1) had no checksums; it
//! is refused with a message that says so.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;

use ndarray::Array2;

use super::{decode_word, quote, read_exact_or_truncated, with_path, write_atomically, Tracked};
use crate::error::{Error, Result};
use crate::model::SkipGramModel;
use crate::train::{Objective, TrainConfig};
use crate::vocab::Vocabulary;

mod config;
mod sections;
#[cfg(test)]
mod tests;

use config::{decode_config, encode_config};
use sections::{
    check_crc, format_err, read_f32_section, read_section, Chain, CrcWriter, Fields, FORMAT,
};

const MAGIC: &[u8; 14] = b"SKIPGRAM-CKPT\0";
/// The format version this build writes.
const VERSION: u32 = 3;
/// The oldest version this build reads (its checksums are not chained).
const OLDEST: u32 = 2;
/// Longest word a checkpoint may hold (as [`MAX_WORD_BYTES`](super::MAX_WORD_BYTES)).
const MAX_WORD: usize = super::MAX_WORD_BYTES;
/// Longest header the reader accepts (this version's is 132 bytes).
const MAX_HEADER: u32 = 1 << 12;
/// Magic, version, header length.
const PREAMBLE: usize = 14 + 4 + 4;

/// A model and the configuration it is being trained with, for stopping and resuming.
///
/// Resuming is exact: with `threads: 1` and a seed, training 2 epochs, saving, loading and
/// training on to epoch 3 gives the same weights bit for bit as 3 uninterrupted epochs
/// (the trainer's random streams are seeded per epoch, and
/// [`SkipGramModel::epochs_trained`] is stored).
///
/// ```
/// use skipgram::{Checkpoint, Corpus, Epochs, TrainConfig, TrainOptions, Trainer, VocabConfig};
/// let corpus = Corpus::from_text("a b c d a b c d a c ".repeat(30));
/// let config = TrainConfig { dim: 8, vocab: VocabConfig { min_count: 1, ..Default::default() }, epochs: 2, threads: 1, ..Default::default() };
/// let trainer = Trainer::new(config)?;
/// let mut model = trainer.init_model(trainer.build_vocabulary(&corpus, &TrainOptions::new())?)?;
/// trainer.train(&mut model, &corpus, Epochs::Until(1), TrainOptions::new())?;
///
/// let mut bytes = Vec::new();
/// Checkpoint::write_to(&model, &config, &mut bytes)?;
/// let (mut model, config) = Checkpoint::read_from(bytes.as_slice())?;
/// assert_eq!(model.epochs_trained(), 1);
/// Trainer::new(config)?.train(&mut model, &corpus, Epochs::Planned, TrainOptions::new())?;
/// assert_eq!(model.epochs_trained(), 2);
/// # Ok::<(), skipgram::Error>(())
/// ```
///
/// Saving and loading are symmetric: both speak of the pair (model, configuration), which
/// is saved by reference and loaded by value. The type itself holds nothing; it names the
/// format.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Checkpoint;

impl Checkpoint {
    /// Saves `model` and `config` to `path` atomically: a temporary file in the same
    /// directory is renamed over `path` only when complete and synced, so a failed save
    /// leaves any previous checkpoint intact. Nothing is copied: the model is written from
    /// the reference, so training can save every epoch cheaply.
    ///
    /// # Errors
    /// As [`write_to`](Self::write_to); [`Error::Io`] naming the path.
    pub fn save(model: &SkipGramModel, config: &TrainConfig, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(path.as_ref(), |w| Self::write_to(model, config, w))
    }

    /// Loads a checkpoint saved by [`save`](Self::save). The sizes in the header are checked
    /// against the file's length before any large allocation, and trailing bytes are an
    /// error.
    ///
    /// # Errors
    /// As [`read_from`](Self::read_from) ([`Error::InvalidUtf8`] and [`Error::Io`] name the
    /// path); [`Error::Format`] for data after the end.
    pub fn load(path: impl AsRef<Path>) -> Result<(SkipGramModel, TrainConfig)> {
        let path = path.as_ref();
        let load = || -> Result<(SkipGramModel, TrainConfig)> {
            let file = File::open(path)?;
            let len = file.metadata()?.len();
            let mut r = Tracked::new(BufReader::with_capacity(1 << 20, file));
            let ckpt = read(&mut r, Some(len))?;
            if r.read(&mut [0u8; 1])? != 0 {
                return Err(format_err(format!(
                    "unexpected data after byte {}",
                    r.pos() - 1
                )));
            }
            Ok(ckpt)
        };
        load().map_err(|e| with_path(e, path))
    }

    /// Writes `model` and `config` in the format described in the [module docs](self).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] from [`TrainConfig::validate`], for a subword model (n-gram
    /// rows, or `config.maxn > 0`), or if `config` says hierarchical softmax and the model has trained an epoch but has no node vectors;
    /// [`Error::ShapeMismatch`] if the model's dimension is not `config.dim` (all checked
    /// before anything is written, so every checkpoint written can be read back);
    /// [`Error::Io`].
    pub fn write_to(model: &SkipGramModel, config: &TrainConfig, mut w: impl Write) -> Result<()> {
        config.validate()?;
        if model.ngram_config().is_some() || config.ngram_config().enabled() {
            return Err(Error::InvalidConfig(
                "checkpoints hold word-level models only; save a subword model as a \
                 fastText .bin (SkipGramModel::to_fasttext)"
                    .into(),
            ));
        }
        let m = model;
        if m.dim() != config.dim {
            return Err(Error::ShapeMismatch {
                what: "model dimension vs TrainConfig::dim",
                expected: config.dim.to_string(),
                found: m.dim().to_string(),
            });
        }
        if let Some(message) =
            missing_nodes(config, m.epochs_trained(), m.hs_node_vectors().is_some())
        {
            return Err(Error::InvalidConfig(message));
        }
        let mut vocab_bytes = 0u64;
        for word in m.vocab().words() {
            if word.len() > MAX_WORD {
                return Err(format_err(format!(
                    "cannot store a word longer than {MAX_WORD} bytes"
                )));
            }
            vocab_bytes += 4 + word.len() as u64 + 8;
        }
        let mut header = Vec::with_capacity(128);
        encode_config(config, &mut header);
        for x in [m.epochs_trained(), m.vocab_size(), m.dim()] {
            header.extend_from_slice(&(x as u64).to_le_bytes());
        }
        header.extend_from_slice(&vocab_bytes.to_le_bytes());
        header.push(u8::from(m.hs_node_vectors().is_some()));

        let mut w = CrcWriter::new(&mut w);
        w.write_all(MAGIC)?;
        w.write_all(&VERSION.to_le_bytes())?;
        w.write_all(&(header.len() as u32).to_le_bytes())?;
        w.end_section()?;
        w.write_all(&header)?;
        w.end_section()?;
        for (word, count) in m.vocab().iter() {
            w.write_all(&(word.len() as u32).to_le_bytes())?;
            w.write_all(word.as_bytes())?;
            w.write_all(&count.to_le_bytes())?;
        }
        w.end_section()?;
        write_matrix(&mut w, m.input_weights())?;
        write_matrix(&mut w, m.output_weights_transposed())?;
        if let Some(h) = m.hs_node_vectors() {
            write_matrix(&mut w, h)?;
        }
        w.flush()?;
        Ok(())
    }

    /// Reads a checkpoint written by [`write_to`](Self::write_to), verifying every section's
    /// checksum before using it. Memory grows only as data arrives, so a header with huge
    /// sizes on a short input fails with [`Error::Truncated`] rather than allocating. Reads
    /// exactly the checkpoint's bytes.
    ///
    /// # Errors
    /// [`Error::Format`] for a failed checksum (naming the section; in version 3 also a
    /// section from another checkpoint), wrong magic bytes, a format version other than 2
    /// or 3, an invalid stored configuration, hierarchical softmax after training without
    /// node vectors, V = 0, N ≠ `config.dim`, sizes beyond addressable memory, or word
    /// counts that add up to more than 2⁶⁴ − 1; [`Error::Truncated`] if the data ends early; [`Error::NonFinite`] for a
    /// NaN or infinite weight; [`Error::InvalidUtf8`], [`Error::DuplicateWord`] and
    /// [`Error::InvalidWord`] for a bad vocabulary; [`Error::Io`].
    pub fn read_from(r: impl Read) -> Result<(SkipGramModel, TrainConfig)> {
        read(&mut Tracked::new(r), None)
    }
}

/// Writes a matrix row by row, then its checksum.
fn write_matrix<W: Write>(w: &mut CrcWriter<'_, W>, a: ndarray::ArrayView2<'_, f32>) -> Result<()> {
    let mut bytes = Vec::with_capacity(a.ncols() * 4);
    for row in a.rows() {
        bytes.clear();
        for &x in row {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        w.write_all(&bytes)?;
    }
    w.end_section()?;
    Ok(())
}

/// Why a model cannot be stored or resumed with `config`: hierarchical softmax after some
/// training, without node vectors (training would go on from zeroed nodes, as if the
/// trained epochs had not happened).
fn missing_nodes(config: &TrainConfig, epochs_trained: usize, has_nodes: bool) -> Option<String> {
    (config.objective == Objective::HierarchicalSoftmax && epochs_trained > 0 && !has_nodes).then(
        || {
            format!(
                "the configuration says hierarchical softmax and the model has trained \
                 {epochs_trained} epoch(s), but it has no hierarchical softmax node vectors"
            )
        },
    )
}

/// Reads and checks the preamble; returns the header length and the checksum chain, which
/// the preamble starts.
fn read_preamble(r: &mut impl Read) -> Result<(usize, Chain)> {
    let mut b = [0u8; PREAMBLE];
    read_exact_or_truncated(r, &mut b, FORMAT, || "the preamble".to_string())?;
    let magic_ok = &b[..14] == MAGIC;
    let version = u32::from_le_bytes([b[14], b[15], b[16], b[17]]);
    if magic_ok && version == 1 {
        return Err(format_err(
            "this is a version-1 checkpoint (skipgram 0.1, without checksums); this build \
             reads versions 2 and 3: load it with skipgram 0.1 and keep its embeddings, or \
             train again",
        ));
    }
    let chained = version != OLDEST;
    let mut chain = Chain::new(chained);
    chain.update(&b);
    let computed = crc32fast::hash(&b);
    let mut stored = [0u8; 4];
    read_exact_or_truncated(r, &mut stored, FORMAT, || {
        "the checksum of the preamble".to_string()
    })?;
    if u32::from_le_bytes(stored) != computed {
        // One or two damaged bytes in the magic still leave it recognisable.
        let same = b[..14].iter().zip(MAGIC).filter(|(a, b)| a == b).count();
        if same < 12 {
            return Err(format_err(format!(
                "not a skipgram checkpoint: the file starts with {}, not the magic bytes",
                quote(&b[..14])
            )));
        }
    }
    check_crc(
        &mut &stored[..],
        &mut chain,
        "preamble (magic, version, header length)",
    )?;
    if !magic_ok {
        return Err(format_err("not a skipgram checkpoint (wrong magic bytes)"));
    }
    if !(OLDEST..=VERSION).contains(&version) {
        return Err(format_err(format!(
            "format version {version} is not supported (this build reads versions {OLDEST} \
             to {VERSION})"
        )));
    }
    let len = u32::from_le_bytes([b[18], b[19], b[20], b[21]]);
    if len > MAX_HEADER {
        return Err(format_err(format!(
            "the header claims {len} bytes, more than {MAX_HEADER}"
        )));
    }
    Ok((len as usize, chain))
}

fn read<R: Read>(
    r: &mut Tracked<R>,
    file_len: Option<u64>,
) -> Result<(SkipGramModel, TrainConfig)> {
    let (header_len, mut chain) = read_preamble(r)?;
    let chain = &mut chain;
    let header = read_section(
        r,
        chain,
        header_len,
        true,
        "header (configuration and sizes)",
    )?;
    let mut f = Fields::new(&header, "header");
    let config = decode_config(&mut f)?;
    config
        .validate()
        .map_err(|e| format_err(format!("stored configuration: {e}")))?;
    let epochs_trained = f.usize("epochs trained")?;
    let v = f.u64("V")?;
    let n = f.u64("N")?;
    let vocab_len = f.u64("the vocabulary length")?;
    let has_hs = f.flag("hierarchical softmax node vectors")?;
    if f.remaining() != 0 {
        return Err(f.error(format!("{} bytes left over", f.remaining())));
    }
    if let Some(message) = missing_nodes(&config, epochs_trained, has_hs) {
        return Err(format_err(message));
    }
    if v == 0 || v > u64::from(u32::MAX) {
        return Err(format_err(format!(
            "vocabulary size V = {v} is outside 1 ..= 2^32 - 1"
        )));
    }
    if n != config.dim as u64 {
        return Err(format_err(format!(
            "the weights have dimension {n} but the configuration says dim = {}",
            config.dim
        )));
    }
    if vocab_len < 12 * v || vocab_len > v * (12 + MAX_WORD as u64) {
        return Err(format_err(format!(
            "a vocabulary of {v} words cannot take {vocab_len} bytes"
        )));
    }
    // Three V×N matrices at most (p, p', node vectors), 4 bytes a value.
    let vn = v
        .checked_mul(n)
        .filter(|vn| vn.checked_mul(12).is_some_and(|b| b <= isize::MAX as u64))
        .ok_or_else(|| format_err(format!("V×N = {v}×{n} is beyond addressable memory")))?;
    let hs_values = if has_hs { vn - n } else { 0 };
    // Bytes still to come: the vocabulary, p, p', the node vectors, and their checksums.
    let to_come = vocab_len + 8 * vn + 4 * hs_values + 4 * (3 + u64::from(has_hs));
    let trusted = match file_len {
        Some(len) => {
            let left = len.saturating_sub(r.pos());
            if to_come > left {
                return Err(Error::Truncated {
                    format: FORMAT,
                    message: format!(
                        "the header announces {v} words of dimension {n} ({to_come} more \
                         bytes) but only {left} bytes follow"
                    ),
                });
            }
            true
        }
        None => false,
    };
    let (v, n) = (v as usize, n as usize);
    let vocab_start = r.pos();
    let vocab = read_section(r, chain, vocab_len as usize, trusted, "vocabulary")?;
    let vocab = parse_vocabulary(&vocab, v, vocab_start)?;
    let p = read_f32_section(r, chain, v * n, trusted, "p")?;
    let p_prime = read_f32_section(r, chain, v * n, trusted, "p' (stored V×N)")?;
    let hs = if has_hs {
        let nodes = "hierarchical softmax node vectors";
        let h = read_f32_section(r, chain, (v - 1) * n, trusted, nodes)?;
        Some(matrix(h, v - 1, n)?)
    } else {
        None
    };
    let model = SkipGramModel::from_parts(
        vocab,
        matrix(p, v, n)?,
        matrix(p_prime, v, n)?,
        hs,
        epochs_trained,
    )?;
    Ok((model, config))
}

fn matrix(data: Vec<f32>, rows: usize, n: usize) -> Result<Array2<f32>> {
    Array2::from_shape_vec((rows, n), data)
        .map_err(|_| format_err(format!("a {rows}×{n} matrix does not fit in memory")))
}

/// Parses the verified vocabulary section (which starts at byte `start` of the input).
fn parse_vocabulary(data: &[u8], v: usize, start: u64) -> Result<Vocabulary> {
    let mut f = Fields::new(data, "vocabulary");
    let mut entries = Vec::with_capacity(v);
    for i in 0..v {
        let len = f.u32("a word length")? as usize;
        if len > MAX_WORD {
            return Err(f.error(format!("word {i} claims {len} bytes, more than {MAX_WORD}")));
        }
        let offset = start + (data.len() - f.remaining()) as u64;
        let word = decode_word(f.take(len, "a word")?, false, offset)?;
        entries.push((word, f.u64("a word count")?));
    }
    if f.remaining() != 0 {
        return Err(f.error(format!("{} bytes left over", f.remaining())));
    }
    Vocabulary::from_counts(entries).map_err(|e| match e {
        Error::InvalidConfig(m) => format_err(m),
        e => e,
    })
}
