//! The word2vec text and binary formats, as written by word2vec.c (`-binary 0/1`), gensim's
//! `KeyedVectors.save_word2vec_format` and fastText's `.vec` files.
//!
//! * **Text**: a header line `V N`, then V lines `word v1 v2 … vN`.
//! * **Binary**: the same header line, then per word the word's bytes, one space, and N
//!   little-endian f32 (4N bytes). word2vec.c writes a `\n` after each vector; gensim and the
//!   GoogleNews vectors do not; the reader accepts both by skipping ASCII whitespace before
//!   each word (word2vec.c's readers skip the `\n` the same way).
//!
//! Neither format stores word counts: loaded words get count 1 and keep the file's order
//! (which, for files written by word2vec.c or gensim, is descending frequency).
//!
//! How the readers tell the formats apart is described in the [`io`](crate::io) module docs.

use std::fs::File;
use std::io::{BufRead, Write};
use std::path::Path;

use super::{with_path, write_atomically, ReadAhead};
use crate::embeddings::Embeddings;
#[cfg(doc)]
use crate::error::Error;
use crate::error::Result;
use crate::model::SkipGramModel;

mod detect;
mod header;
mod read;
#[cfg(test)]
mod tests;
mod write;

use read::{read_auto, read_binary, read_text};

pub use header::MAX_WORD_BYTES;

/// Reading embeddings in the word2vec formats (API in the style of finalfusion's
/// `ReadWord2Vec`).
///
/// The readers validate everything and never pre-allocate from the header's numbers beyond
/// what data has actually arrived, so a header claiming 10¹² words fails with
/// [`Error::Truncated`] instead of exhausting memory. Anything but whitespace after the V-th
/// row is an [`Error::Format`] (word2vec.c and gensim ignore it silently: a header that
/// undercounts its rows would lose words without a word).
///
/// ```
/// use skipgram::{Embeddings, ReadWord2Vec};
/// let text = "2 3\nthe 0.1 0.2 0.3\ncat -1 0 1e-3\n";
/// let emb = Embeddings::read_word2vec_text(&mut text.as_bytes())?;
/// assert_eq!((emb.len(), emb.dim()), (2, 3));
/// assert_eq!(emb.embedding("cat")?[2], 1e-3);
/// # Ok::<(), skipgram::Error>(())
/// ```
pub trait ReadWord2Vec: Sized {
    /// Reads either format, telling them apart by the bytes after the header (see the
    /// [module docs](crate::io#telling-the-formats-apart)): text written by word2vec.c
    /// (`-binary 0`), gensim or fastText (`.vec`), and binary written by word2vec.c
    /// (`-binary 1`) or gensim, with or without a `\n` after each vector.
    ///
    /// ```
    /// use skipgram::{Embeddings, ReadWord2Vec, WriteWord2Vec};
    /// let emb = Embeddings::read_word2vec(&mut "1 2\nhi 0.5 -1\n".as_bytes())?;
    /// let mut binary = Vec::new();
    /// emb.write_word2vec_binary(&mut binary)?;
    /// let again = Embeddings::read_word2vec(&mut binary.as_slice())?;
    /// assert_eq!(again.vectors(), emb.vectors());
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// Those of [`read_word2vec_text`](Self::read_word2vec_text) or
    /// [`read_word2vec_binary`](Self::read_word2vec_binary), whichever format was detected
    /// (a bad header is an [`Error::Format`] of format `"word2vec"`). Data whose format
    /// cannot be told is read as text; an [`Error::Format`] from that then says so and
    /// names the binary reader.
    fn read_word2vec(reader: impl BufRead) -> Result<Self>;

    /// Reads the text format: header `V N`, then V lines of a word and N numbers separated
    /// by ASCII whitespace (a trailing space, as word2vec.c writes, is fine). Each of the V
    /// lines must end with `\n`, as every writer ends them: a last line without it may have
    /// been cut inside a number, which would still parse.
    ///
    /// # Errors
    /// [`Error::Format`] if the data clearly is in the binary format (see the
    /// [module docs](crate::io#telling-the-formats-apart));
    /// [`Error::Format`] with the line number for a bad header (not two integers, V or N
    /// zero, V above 2³² − 1, V×N beyond addressable memory), a line without exactly N
    /// numbers, an unparsable number, a word over [`MAX_WORD_BYTES`], or data after the
    /// V-th line;
    /// [`Error::Truncated`] if the input ends before the `\n` of the V-th line;
    /// [`Error::NonFinite`] for NaN or infinity; [`Error::InvalidUtf8`] for a word that is
    /// not UTF-8; [`Error::DuplicateWord`]; [`Error::Io`].
    fn read_word2vec_text(reader: impl BufRead) -> Result<Self>;

    /// [`read_word2vec_text`](Self::read_word2vec_text), replacing invalid UTF-8 in words
    /// with U+FFFD instead of failing (two words that become equal are still an
    /// [`Error::DuplicateWord`]).
    ///
    /// # Errors
    /// As `read_word2vec_text`, except [`Error::InvalidUtf8`].
    fn read_word2vec_text_lossy(reader: impl BufRead) -> Result<Self>;

    /// Reads the binary format: header `V N\n`, then per word: ASCII whitespace (skipped),
    /// the word's bytes up to a space, and exactly N little-endian f32 (4N bytes, read as
    /// they are even when they contain space or newline bytes).
    ///
    /// # Errors
    /// [`Error::Format`] if the data clearly is in the text format (the first line after the
    /// header is a word and ASCII numbers, see the
    /// [module docs](crate::io#telling-the-formats-apart)), for a bad header (as for text),
    /// a word over [`MAX_WORD_BYTES`], data after the V-th record, or a vector not followed
    /// by `\n` when the vectors before it are, or (in gensim's layout, without `\n` after
    /// the vectors) a word holding an ASCII control byte: all three are what a word
    /// containing a space, which this format cannot hold, leaves behind;
    /// [`Error::InvalidWord`] for a word holding a tab or newline;
    /// [`Error::Truncated`] if the input ends inside a word or vector or before V words;
    /// [`Error::NonFinite`]; [`Error::InvalidUtf8`]; [`Error::DuplicateWord`]; [`Error::Io`].
    fn read_word2vec_binary(reader: impl BufRead) -> Result<Self>;

    /// [`read_word2vec_binary`](Self::read_word2vec_binary) with U+FFFD replacement of
    /// invalid UTF-8 in words.
    ///
    /// # Errors
    /// As `read_word2vec_binary`, except [`Error::InvalidUtf8`].
    fn read_word2vec_binary_lossy(reader: impl BufRead) -> Result<Self>;
}

/// Writing embeddings in the word2vec formats, readable by word2vec.c's tools and gensim's
/// `KeyedVectors.load_word2vec_format`.
///
/// ```
/// use ndarray::array;
/// use skipgram::{Embeddings, Vocabulary, WriteWord2Vec};
/// let emb = Embeddings::new(Vocabulary::from_words(["a", "b"])?, array![[0.5f32], [-2.0]])?;
/// let mut out = Vec::new();
/// emb.write_word2vec_text(&mut out)?;
/// assert_eq!(String::from_utf8(out).unwrap(), "2 1\na 0.5\nb -2\n");
/// # Ok::<(), skipgram::Error>(())
/// ```
pub trait WriteWord2Vec {
    /// Writes the text format: `V N\n`, then `word v1 … vN\n` per word. Each value is the
    /// shortest decimal that reads back as the same f32 (plain notation for 10⁻⁴ ≤ |x| <
    /// 10¹⁶ and zero, exponent notation otherwise), so text round-trips exactly.
    ///
    /// Every word can be written and read back: a [`Vocabulary`](crate::Vocabulary) holds
    /// no empty word, none with ASCII whitespace and none over [`MAX_WORD_BYTES`] (such
    /// words are [`Error::InvalidWord`] when the vocabulary is built).
    ///
    /// # Errors
    /// [`Error::Io`].
    fn write_word2vec_text(&self, w: impl Write) -> Result<()>;

    /// Writes the binary format as word2vec.c does: `V N\n`, then per word the word, a
    /// space, N little-endian f32 and `\n`.
    ///
    /// # Errors
    /// As [`write_word2vec_text`](Self::write_word2vec_text).
    fn write_word2vec_binary(&self, w: impl Write) -> Result<()>;
}

impl ReadWord2Vec for Embeddings {
    fn read_word2vec(mut reader: impl BufRead) -> Result<Self> {
        read_auto(&mut reader, false, None)
    }

    fn read_word2vec_text(mut reader: impl BufRead) -> Result<Self> {
        read_text(&mut reader, false, None)
    }

    fn read_word2vec_text_lossy(mut reader: impl BufRead) -> Result<Self> {
        read_text(&mut reader, true, None)
    }

    fn read_word2vec_binary(mut reader: impl BufRead) -> Result<Self> {
        read_binary(&mut reader, false, None)
    }

    fn read_word2vec_binary_lossy(mut reader: impl BufRead) -> Result<Self> {
        read_binary(&mut reader, true, None)
    }
}

impl Embeddings {
    /// Loads a word2vec file in either format, detected as by
    /// [`ReadWord2Vec::read_word2vec`].
    ///
    /// # Errors
    /// As `read_word2vec`; every [`Error::Io`] and [`Error::InvalidUtf8`] names the path.
    pub fn load_word2vec(path: impl AsRef<Path>) -> Result<Self> {
        load(path.as_ref(), read_auto)
    }

    /// Loads a word2vec text file (see [`ReadWord2Vec::read_word2vec_text`]).
    ///
    /// # Errors
    /// As `read_word2vec_text` ([`Error::InvalidUtf8`] names the path); [`Error::Io`] if the
    /// file cannot be opened (naming the path).
    pub fn load_word2vec_text(path: impl AsRef<Path>) -> Result<Self> {
        load(path.as_ref(), read_text)
    }

    /// Loads a word2vec binary file (see [`ReadWord2Vec::read_word2vec_binary`]).
    ///
    /// # Errors
    /// As `read_word2vec_binary` ([`Error::InvalidUtf8`] names the path); [`Error::Io`] if
    /// the file cannot be opened (naming the path).
    pub fn load_word2vec_binary(path: impl AsRef<Path>) -> Result<Self> {
        load(path.as_ref(), read_binary)
    }

    /// Saves in the word2vec text format (see [`WriteWord2Vec::write_word2vec_text`]),
    /// atomically: a temporary file in the same directory is renamed over `path` only once
    /// it is complete, so on any error a previous file at `path` is left untouched.
    ///
    /// # Errors
    /// As `write_word2vec_text`; [`Error::Io`].
    pub fn save_word2vec_text(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(path.as_ref(), |w| self.write_word2vec_text(w))
    }

    /// Saves in the word2vec binary format (see [`WriteWord2Vec::write_word2vec_binary`]),
    /// atomically as [`save_word2vec_text`](Self::save_word2vec_text).
    ///
    /// # Errors
    /// As `write_word2vec_binary`; [`Error::Io`].
    pub fn save_word2vec_binary(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(path.as_ref(), |w| self.write_word2vec_binary(w))
    }
}

impl SkipGramModel {
    /// Saves the embeddings, the rows of p (V×N), in the word2vec text format (see
    /// [`WriteWord2Vec::write_word2vec_text`]) without copying them out first; atomically,
    /// as [`Embeddings::save_word2vec_text`]. The file is the same as
    /// `model.to_embeddings().save_word2vec_text(path)` writes.
    ///
    /// ```
    /// use skipgram::{Embeddings, SkipGramModel, Vocabulary};
    /// use rand::{rngs::StdRng, SeedableRng};
    /// let vocab = Vocabulary::from_words(["a", "b", "c"])?;
    /// let model = SkipGramModel::new(vocab, 4, &mut StdRng::seed_from_u64(1))?;
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("vectors.txt");
    /// model.save_word2vec_text(&path)?;
    /// let back = Embeddings::load_word2vec_text(&path)?;
    /// assert_eq!(back.vectors(), model.input_weights());
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `write_word2vec_text`; [`Error::Io`].
    pub fn save_word2vec_text(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(path.as_ref(), |w| self.write_word2vec_text(w))
    }

    /// Saves the rows of p (V×N) in the word2vec binary format (see
    /// [`WriteWord2Vec::write_word2vec_binary`]), atomically, without copying them out.
    ///
    /// # Errors
    /// As `write_word2vec_binary`; [`Error::Io`].
    pub fn save_word2vec_binary(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(path.as_ref(), |w| self.write_word2vec_binary(w))
    }
}

/// Opens `path` and parses it with `read`; the file is read on a thread of its own
/// ([`ReadAhead`]) while this one parses.
fn load(
    path: &Path,
    read: fn(&mut ReadAhead, bool, Option<u64>) -> Result<Embeddings>,
) -> Result<Embeddings> {
    let open = || -> Result<_> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        let mut reader = ReadAhead::new(file, Some(len));
        read(&mut reader, false, Some(len))
    };
    open().map_err(|e| with_path(e, path))
}
