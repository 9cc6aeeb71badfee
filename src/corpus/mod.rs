//! Streaming token input: any `BufRead`, a file of any size, or text in memory.
//!
//! Tokens are maximal runs of non-whitespace bytes (ASCII whitespace separates them), so a
//! single 100 MB line streams through a fixed-size buffer like any other input; nothing is
//! loaded whole and no line is cut. A newline ends a *sentence*: context windows never cross
//! one (word2vec.c's `</s>`). Tokens longer than [`MAX_TOKEN_BYTES`] are skipped (word2vec.c
//! would silently truncate them to 100 bytes instead).
//!
//! For multi-threaded training and vocabulary counting a [`Corpus`] is split into byte
//! ranges, one per thread; a token belongs to the range in which its first byte lies, so
//! every token is read exactly once and reading scales with the threads.
//!
//! A file compressed with gzip, bzip2, xz or zstd (recognised by its magic bytes, see
//! [`Compression`]) is decompressed as it is read, by one reader thread that hands chunks
//! of the text to the threads (feature `compression`, on by default).
//!
//! Raw text (capitals, punctuation attached to words) is tokenised with
//! [`Corpus::with_tokenizer`] and a [`Tokenizer`], inside the same streaming pass.

use std::fs::File;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::preprocess::Preprocessor;

mod compressed;
mod count;
mod pass;
mod reader;
mod scan;
mod sentences;
mod tokenize;

pub use compressed::Compression;
pub(crate) use pass::Pass;
pub use reader::{RawToken, TokenReader, MAX_TOKEN_BYTES};
pub use tokenize::{RawTextSigns, Tokenizer};

#[derive(Clone, Debug)]
enum Source {
    File {
        path: PathBuf,
        len: u64,
    },
    /// An open file (such as an unlinked temporary file), read with positioned reads.
    Handle {
        file: Arc<File>,
        len: u64,
    },
    /// A compressed file: `len` is its size on disk.
    Compressed {
        path: PathBuf,
        len: u64,
        format: Compression,
    },
    Memory(Arc<[u8]>),
}

/// A re-readable corpus: a file or bytes in memory, with optional preprocessing.
///
/// Training reads it once to build the [`Vocabulary`](crate::Vocabulary) and once per epoch;
/// each pass streams.
///
/// ```
/// use skipgram::Corpus;
/// let c = Corpus::from_text("the cat sat\nthe dog sat");
/// let v = c.build_vocabulary(1, None)?;
/// assert_eq!(v.words()[..2], ["sat", "the"]);
/// # Ok::<(), skipgram::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Corpus {
    source: Source,
    preprocessor: Option<Preprocessor>,
    tokenizer: Option<Tokenizer>,
    lossy: bool,
}

impl Corpus {
    /// A corpus read from the file at `path` (streamed; never loaded whole). A file
    /// compressed with gzip, bzip2, xz or zstd, whatever its name, is recognised by its
    /// first bytes and decompressed as it is read ([`Compression`]).
    ///
    /// ```
    /// # fn main() -> skipgram::Result<()> {
    /// use std::io::Write;
    /// use skipgram::{corpus::Compression, Corpus};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("corpus.txt.gz");
    /// # #[cfg(feature = "compression")] {
    /// let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    /// gz.write_all(b"the cat sat\nthe dog sat\n")?;
    /// std::fs::write(&path, gz.finish()?)?;
    /// let corpus = Corpus::from_path(&path)?;
    /// assert_eq!(corpus.compression(), Some(Compression::Gzip));
    /// assert_eq!(corpus.build_vocabulary(1, None)?.words()[..2], ["sat", "the"]);
    /// # }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be opened or is not a regular file;
    /// [`Error::CompressionUnsupported`] for a compressed file when the feature
    /// `compression` is off. Corrupt or truncated compressed data are an
    /// [`Error::Decompress`] when the corpus is read.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let meta = std::fs::metadata(&path).map_err(|e| Error::io_at(&path, e))?;
        if !meta.is_file() {
            return Err(Error::io_at(
                &path,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"),
            ));
        }
        let len = meta.len();
        let source = match Compression::sniff(&path)? {
            None => Source::File { path, len },
            Some(format) if Compression::supported() => Source::Compressed { path, len, format },
            Some(format) => {
                return Err(Error::CompressionUnsupported {
                    path,
                    format: format.name(),
                })
            }
        };
        Ok(Corpus {
            source,
            preprocessor: None,
            tokenizer: None,
            lossy: false,
        })
    }

    /// A corpus read from an open file, such as an anonymous temporary file from
    /// [`io::unlinked_temp_file`](crate::io::unlinked_temp_file) that has no path; read
    /// from the start (whatever the file's cursor), streamed, never loaded whole. Its errors
    /// name no file.
    ///
    /// ```
    /// use std::io::Write;
    /// let dir = tempfile::tempdir()?;
    /// let mut f = skipgram::io::unlinked_temp_file(dir.path(), "corpus")?;
    /// f.write_all(b"the cat sat\nthe dog sat\n")?;
    /// let c = skipgram::Corpus::from_file(f)?;
    /// assert_eq!(c.build_vocabulary(2, None)?.words(), ["sat", "the"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Io`] if the file's metadata cannot be read or it is not a regular file.
    pub fn from_file(file: File) -> Result<Self> {
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(Error::from(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file",
            )));
        }
        Ok(Corpus {
            source: Source::Handle {
                file: Arc::new(file),
                len: meta.len(),
            },
            tokenizer: None,
            preprocessor: None,
            lossy: false,
        })
    }

    /// A corpus held in memory.
    pub fn from_text(text: impl Into<String>) -> Self {
        Self::from_bytes(text.into().into_bytes())
    }

    /// A corpus of raw bytes held in memory (checked for UTF-8 as it is read).
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        Corpus {
            source: Source::Memory(Arc::from(bytes.into())),
            preprocessor: None,
            tokenizer: None,
            lossy: false,
        }
    }

    /// Applies `p` to every token (the tutorial's normalisation); dropped tokens are skipped.
    pub fn with_preprocessor(mut self, p: Preprocessor) -> Self {
        self.preprocessor = Some(p);
        self
    }

    /// Tokenises raw text with `t` ([`Tokenizer`]: lowercase, punctuation split off words at
    /// Unicode word boundaries, optionally accents stripped) as it is read; `None` reads
    /// whitespace-separated tokens as they are. With a preprocessor as well, each token the
    /// tokeniser makes is then preprocessed.
    ///
    /// ```
    /// use skipgram::{Corpus, Tokenizer};
    /// let c = Corpus::from_text("The cat, the DOG.\n(The cat.)").with_tokenizer(Tokenizer::new());
    /// let v = c.build_vocabulary(1, None)?;
    /// assert_eq!(v.words(), ["the", "cat", "dog"]);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    pub fn with_tokenizer(mut self, t: impl Into<Option<Tokenizer>>) -> Self {
        self.tokenizer = t.into();
        self
    }

    /// The format of a compressed file, `None` for plain text (and text in memory).
    pub fn compression(&self) -> Option<Compression> {
        match &self.source {
            Source::Compressed { format, .. } => Some(*format),
            _ => None,
        }
    }

    /// Whether tokens are read as they are: no tokeniser and no preprocessor.
    pub fn is_verbatim(&self) -> bool {
        self.tokenizer.is_none() && self.preprocessor.is_none()
    }

    /// Accept bytes that are not UTF-8, replacing them with U+FFFD (default: they are an
    /// [`Error::InvalidUtf8`]).
    pub fn lossy_utf8(mut self, on: bool) -> Self {
        self.lossy = on;
        self
    }

    /// Size in bytes (of the file as stored: a compressed file's compressed size).
    pub fn len_bytes(&self) -> u64 {
        match &self.source {
            Source::File { len, .. }
            | Source::Handle { len, .. }
            | Source::Compressed { len, .. } => *len,
            Source::Memory(b) => b.len() as u64,
        }
    }

    fn path(&self) -> Option<PathBuf> {
        match &self.source {
            Source::File { path, .. } | Source::Compressed { path, .. } => Some(path.clone()),
            Source::Handle { .. } | Source::Memory(_) => None,
        }
    }

    /// Writes the tokens as they are read (tokenised and preprocessed, decompressed), one
    /// space between tokens and one newline for each line that starts (empty lines
    /// dropped); returns the tokens written.
    ///
    /// ```
    /// use skipgram::{Corpus, Tokenizer};
    /// let c = Corpus::from_text("The End.\n\n(Really!)").with_tokenizer(Tokenizer::new());
    /// let mut out = Vec::new();
    /// assert_eq!(c.write_tokens(&mut out)?, 3);
    /// assert_eq!(out, b"the end\nreally\n");
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`for_each_token`](Self::for_each_token), and [`Error::Io`] if writing fails.
    pub fn write_tokens(&self, mut w: impl std::io::Write) -> Result<u64> {
        let mut n = 0u64;
        let mut error = None;
        self.scan_part(0, 1, |t, line_start| {
            let sep: &[u8] = match (n, line_start) {
                (0, _) => b"",
                (_, true) => b"\n",
                (_, false) => b" ",
            };
            match w.write_all(sep).and_then(|()| w.write_all(t.as_bytes())) {
                Ok(()) => {
                    n += 1;
                    ControlFlow::Continue(())
                }
                Err(e) => {
                    error = Some(e);
                    ControlFlow::Break(())
                }
            }
        })?;
        if let Some(e) = error {
            return Err(e.into());
        }
        if n > 0 {
            w.write_all(b"\n")?;
        }
        Ok(n)
    }

    /// Calls `f` on every token, in order.
    ///
    /// # Errors
    /// [`Error::InvalidUtf8`] (unless lossy), [`Error::Io`].
    pub fn for_each_token(&self, mut f: impl FnMut(&str)) -> Result<()> {
        self.scan_part(0, 1, |t, _| {
            f(t);
            ControlFlow::Continue(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_an_error_unless_lossy() {
        let c = Corpus::from_bytes(b"ok \xff\xfe bad".to_vec());
        match c.build_vocabulary(1, None) {
            Err(Error::InvalidUtf8 { offset: 3, .. }) => {}
            other => panic!("expected InvalidUtf8 at 3, got {other:?}"),
        }
        let v = c.lossy_utf8(true).build_vocabulary(1, None).unwrap();
        assert!(v.index("\u{fffd}\u{fffd}").is_some());
    }

    #[test]
    fn preprocessing_applies_per_token() {
        let c = Corpus::from_text("The Cat, the DOG.").with_preprocessor(
            Preprocessor::none()
                .lowercase(true)
                .strip_punctuation(true)
                .stop_words(["the"]),
        );
        let v = c.build_vocabulary(1, None).unwrap();
        assert_eq!(v.words(), ["cat", "dog"]);
    }
}
