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
use std::io::{Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::parallel::reduce_in_pairs;
use crate::preprocess::Preprocessor;
use crate::vocab::{CountOptions, VocabConfig, Vocabulary, VocabularyBuilder};

mod compressed;
mod reader;
mod scan;
mod sentences;
mod tokenize;

pub use compressed::Compression;
use compressed::Feed;
use reader::READ_BUFFER;
pub use reader::{RawToken, TokenReader, MAX_TOKEN_BYTES};
use scan::ScanState;
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

/// Reads a shared file from a position on, with positioned reads (no shared cursor), so
/// that threads can read their own ranges of one open file.
struct At<'a> {
    file: &'a File,
    pos: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(self.file, buf, self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Reusable buffers of one scanning thread.
#[derive(Debug, Default)]
struct TokenScratch {
    /// A token with its invalid UTF-8 replaced.
    lossy: String,
    tokenizer: tokenize::Scratch,
    /// A line started, but every token since was dropped (by the tokeniser or the
    /// preprocessor): the next token reported starts the line.
    line_pending: bool,
}

/// A re-readable corpus: a file or bytes in memory, with optional preprocessing.
///
/// Training reads it once to build the [`Vocabulary`] and once per epoch; each pass streams.
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

    /// One pass over parts `first..first + threads` of `parts` by `threads` threads: for a
    /// compressed file this starts the thread that decompresses it.
    pub(crate) fn pass(&self, first: usize, threads: usize, parts: usize) -> Result<Pass<'_>> {
        let feed = match &self.source {
            Source::Compressed { path, format, .. } => {
                Some(Feed::start(path, *format, first, threads, parts)?)
            }
            _ => None,
        };
        Ok(Pass {
            corpus: self,
            first,
            parts,
            feed,
        })
    }

    /// Counts every token and builds the vocabulary (one streaming pass), keeping the types
    /// seen at least `min_count` times, at most `max_final_vocab` of them (the most
    /// frequent; ties in byte order).
    ///
    /// Counts on as many threads as the machine has cores (at most one per MiB of input);
    /// the result is the same as on one thread. For a thread count of your choice or a
    /// memory bound while counting, use [`build_vocabulary_with`](Self::build_vocabulary_with).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if `max_final_vocab` is `Some(0)`, [`Error::EmptyCorpus`],
    /// [`Error::EmptyVocabulary`], [`Error::InvalidUtf8`] (unless lossy), [`Error::Io`].
    pub fn build_vocabulary(
        &self,
        min_count: u64,
        max_final_vocab: Option<usize>,
    ) -> Result<Vocabulary> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per_mib = usize::try_from(self.len_bytes() >> 20).unwrap_or(usize::MAX);
        self.build_vocabulary_with(&CountOptions {
            threads: cores.min(per_mib).max(1),
            vocab: VocabConfig {
                min_count,
                max_final_vocab,
                max_vocab_size: None,
            },
        })
    }

    /// Counts every token on `opts.threads` threads and builds the vocabulary: as
    /// [`count_words`](Self::count_words) followed by [`VocabularyBuilder::build`].
    ///
    /// ```
    /// use skipgram::{CountOptions, Corpus, VocabConfig};
    /// let corpus = Corpus::from_text("b a c a b a\nd a c");
    /// let vocab = VocabConfig { min_count: 1, max_final_vocab: Some(3), ..Default::default() };
    /// let opts = CountOptions { threads: 3, vocab };
    /// let v = corpus.build_vocabulary_with(&opts)?;
    /// assert_eq!(v.words(), ["a", "b", "c"]); // b and c tie at 2: byte order
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for invalid options ([`CountOptions::validate`]),
    /// [`Error::EmptyCorpus`], [`Error::EmptyVocabulary`], [`Error::InvalidUtf8`] (unless
    /// lossy), [`Error::Io`].
    pub fn build_vocabulary_with(&self, opts: &CountOptions) -> Result<Vocabulary> {
        self.count_words(opts)?.build()
    }

    /// Counts every token in one streaming pass on `opts.threads` threads, each over its
    /// own byte range of the corpus (cut at whitespace, as for training), and merges the
    /// counts of neighbouring ranges, in pairs on parallel threads, until one is left; the
    /// vocabulary is not built yet.
    ///
    /// Without `max_vocab_size` the counts are exact and do not depend on the number of
    /// threads. With it, each thread's map holds at most `max_vocab_size` types (so up to
    /// `threads × max_vocab_size` types are held at once) and the merged counts are pruned
    /// to the bound again; the result is deterministic for given input and options.
    ///
    /// ```
    /// use skipgram::{CountOptions, Corpus};
    /// let corpus = Corpus::from_text("x y x z x y");
    /// let counts = corpus.count_words(&CountOptions { threads: 2, ..Default::default() })?;
    /// assert_eq!((counts.token_count(), counts.type_count()), (6, 3));
    /// assert_eq!(counts.count_of("x"), Some(3));
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for invalid options ([`CountOptions::validate`]),
    /// [`Error::InvalidUtf8`] (unless lossy; the first in the corpus, as on one thread),
    /// [`Error::Io`] (also if the operating system cannot start a thread).
    pub fn count_words(&self, opts: &CountOptions) -> Result<VocabularyBuilder> {
        opts.validate()?;
        self.count_parts(opts, 0, opts.threads)
    }

    /// Counts byte ranges `first..first + opts.threads` of `parts` (one thread each) and
    /// merges them ([`merge_in_pairs`]): [`count_words`](Self::count_words) counts all `threads`
    /// ranges; one process of a distributed run counts its share of `ranks × threads`.
    pub(crate) fn count_parts(
        &self,
        opts: &CountOptions,
        first: usize,
        parts: usize,
    ) -> Result<VocabularyBuilder> {
        let threads = opts.threads.max(1);
        let pass = self.pass(first, threads, parts)?;
        let count_part = |part: usize, failed: &AtomicUsize| -> Result<VocabularyBuilder> {
            let mut b = VocabularyBuilder::from_config(&opts.vocab);
            let mut n = 0u32;
            let r = pass.scan(part - first, |t, _| {
                b.add(t);
                n = n.wrapping_add(1);
                // Stop early once an earlier part has failed: its error is the one reported.
                if n & 4095 == 0 && failed.load(Ordering::Relaxed) < part {
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            });
            if r.is_err() {
                failed.fetch_min(part, Ordering::Relaxed);
            }
            r.map(|()| b)
        };
        let failed = AtomicUsize::new(usize::MAX);
        if threads == 1 {
            return count_part(first, &failed);
        }
        let results: Vec<Result<VocabularyBuilder>> = std::thread::scope(|s| {
            let handles: Vec<_> = (first..first + threads)
                .map(|p| {
                    let (count_part, failed) = (&count_part, &failed);
                    let spawned =
                        std::thread::Builder::new().spawn_scoped(s, move || count_part(p, failed));
                    if spawned.is_err() {
                        // Threads after an unspawnable one stop early; its error is reported.
                        failed.fetch_min(p, Ordering::Relaxed);
                        pass.release(p - first);
                    }
                    spawned
                })
                .collect();
            handles
                .into_iter()
                .map(|h| match h {
                    Ok(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                    Err(e) => Err(Error::from(e)),
                })
                .collect()
        });
        // The first error in byte order is the one a single thread would have met.
        let counts = results.into_iter().collect::<Result<Vec<_>>>()?;
        Ok(merge_in_pairs(counts).unwrap_or_else(|| VocabularyBuilder::from_config(&opts.vocab)))
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

    /// Calls `f(token, line_start)` on every token of byte range `part` of `parts`, until it
    /// returns `Break`.
    pub(crate) fn scan_part(
        &self,
        part: usize,
        parts: usize,
        mut f: impl FnMut(&str, bool) -> ControlFlow<()>,
    ) -> Result<()> {
        if let Source::Compressed { .. } = self.source {
            return self.pass(part, 1, parts)?.scan(0, f);
        }
        let len = self.len_bytes();
        let start = (len as u128 * part as u128 / parts as u128) as u64;
        let end = (len as u128 * (part as u128 + 1) / parts as u128) as u64;
        let mut state = ScanState::default();
        let mut scratch = TokenScratch::default();
        let mut on_chunk = |chunk: &[u8], offset: u64| {
            // Tokens starting at or after `end` belong to the next part.
            let stop = usize::try_from(end.saturating_sub(offset)).unwrap_or(usize::MAX);
            self.scan_chunk(chunk, offset, stop, &mut state, &mut scratch, &mut f)
        };
        match &self.source {
            Source::Compressed { .. } => unreachable!("read above"),
            Source::File { path, .. } => {
                let io = |e| Error::io_at(path, e);
                let mut file = File::open(path).map_err(io)?;
                let mid_token = if start > 0 {
                    file.seek(SeekFrom::Start(start - 1)).map_err(io)?;
                    let mut b = [0u8];
                    file.read_exact(&mut b).map_err(io)?;
                    !b[0].is_ascii_whitespace()
                } else {
                    false
                };
                // A small part needs no full-size buffer (many threads on a small file).
                let capacity = usize::try_from(end - start)
                    .unwrap_or(usize::MAX)
                    .clamp(8192, READ_BUFFER);
                scan::chunks(file, start, capacity, mid_token, on_chunk).map_err(|e| match e {
                    Error::Io { path: None, source } => io(source),
                    e => e,
                })
            }
            Source::Handle { file, .. } => {
                let mut reader = At {
                    file,
                    pos: start.saturating_sub(1),
                };
                let mid_token = if start > 0 {
                    let mut b = [0u8];
                    reader.read_exact(&mut b)?;
                    !b[0].is_ascii_whitespace()
                } else {
                    false
                };
                let capacity = usize::try_from(end - start)
                    .unwrap_or(usize::MAX)
                    .clamp(8192, READ_BUFFER);
                scan::chunks(reader, start, capacity, mid_token, on_chunk)
            }
            Source::Memory(bytes) => {
                let (start, end) = (start as usize, end as usize);
                // `at`, or the end of the token `at` falls inside.
                let past_token = |at: usize| match at > 0 && !bytes[at - 1].is_ascii_whitespace() {
                    true => bytes[at..]
                        .iter()
                        .position(u8::is_ascii_whitespace)
                        .map_or(bytes.len(), |k| at + k),
                    false => at,
                };
                // Without the tail of a token begun in the previous part, with the whole
                // token that straddles `end`.
                let (from, cut) = (past_token(start), past_token(end));
                if from < cut {
                    // Stopping early (Break) and reaching the end are both done.
                    let _ = on_chunk(&bytes[from..cut], from as u64)?;
                }
                Ok(())
            }
        }
    }

    /// Reports the tokens of `chunk` (at byte `offset` of the corpus) that start before
    /// `stop` (relative to the chunk) to `f`, preprocessed; see [`scan::tokens`].
    fn scan_chunk(
        &self,
        chunk: &[u8],
        offset: u64,
        stop: usize,
        state: &mut ScanState,
        scratch: &mut TokenScratch,
        f: &mut impl FnMut(&str, bool) -> ControlFlow<()>,
    ) -> Result<ControlFlow<()>> {
        // Whitespace is ASCII, so a chunk of valid UTF-8 splits into valid tokens: one check
        // per chunk instead of one per token.
        if let Ok(text) = std::str::from_utf8(chunk) {
            return Ok(scan::tokens(chunk, stop, state, |s, e, line| {
                self.emit(&text[s..e], line, scratch, f)
            }));
        }
        let mut error = None;
        let flow = scan::tokens(chunk, stop, state, |s, e, line| {
            match std::str::from_utf8(&chunk[s..e]) {
                Ok(t) => self.emit(t, line, scratch, f),
                Err(_) if self.lossy => {
                    let mut lossy = std::mem::take(&mut scratch.lossy);
                    lossy.clear();
                    lossy.push_str(&String::from_utf8_lossy(&chunk[s..e]));
                    let flow = self.emit(&lossy, line, scratch, f);
                    scratch.lossy = lossy;
                    flow
                }
                Err(bad) => {
                    error = Some(Error::InvalidUtf8 {
                        offset: offset + (s + bad.valid_up_to()) as u64,
                        path: self.path(),
                    });
                    ControlFlow::Break(())
                }
            }
        });
        match error {
            Some(e) => Err(e),
            None => Ok(flow),
        }
    }

    /// Passes `token` to `f`: as it is, or as the tokens the tokeniser makes of it, each
    /// preprocessed if there is a preprocessor (which may drop it). A line start is passed
    /// on with the first token reported after it.
    #[inline]
    fn emit(
        &self,
        token: &str,
        line_start: bool,
        scratch: &mut TokenScratch,
        f: &mut impl FnMut(&str, bool) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        if self.tokenizer.is_none() && self.preprocessor.is_none() {
            return f(token, line_start);
        }
        let TokenScratch {
            tokenizer,
            line_pending,
            ..
        } = scratch;
        *line_pending |= line_start;
        let mut report = |t: &str| match &self.preprocessor {
            None => f(t, std::mem::take(line_pending)),
            Some(p) => match p.process_token(t) {
                Some(t) => f(&t, std::mem::take(line_pending)),
                None => ControlFlow::Continue(()),
            },
        };
        match &self.tokenizer {
            None => report(token),
            Some(t) => t.split(token, tokenizer, |w, _| report(w)),
        }
    }
}

/// One pass over some parts of a corpus, each read by its own thread
/// ([`Corpus::pass`]).
pub(crate) struct Pass<'c> {
    corpus: &'c Corpus,
    first: usize,
    parts: usize,
    feed: Option<Feed>,
}

impl Pass<'_> {
    /// Calls `f(token, line_start)` on every token of this pass's `thread`-th part (part
    /// `first + thread` of `parts`: a byte range of plain text, every `parts`-th chunk of
    /// decompressed text), until it returns `Break`.
    pub(crate) fn scan(
        &self,
        thread: usize,
        mut f: impl FnMut(&str, bool) -> ControlFlow<()>,
    ) -> Result<()> {
        match &self.feed {
            None => self.corpus.scan_part(self.first + thread, self.parts, f),
            Some(feed) => {
                let mut tokens = TokenScratch::default();
                feed.scan(thread, |bytes, offset, state| {
                    self.corpus
                        .scan_chunk(bytes, offset, usize::MAX, state, &mut tokens, &mut f)
                })
            }
        }
    }

    /// Thread `thread` will not read its part: with a compressed file its chunks are
    /// dropped, so the reader never waits for it.
    pub(crate) fn release(&self, thread: usize) {
        if let Some(feed) = &self.feed {
            feed.release(thread);
        }
    }
}

/// Merges counts of consecutive byte ranges, neighbours in pairs on parallel threads
/// ([`reduce_in_pairs`]): log₂ T rounds instead of T − 1 merges one after another (which,
/// on many cores, would be serial work as large as each thread's count). Each pair merges
/// the later range into the earlier, so a bounded count is deterministic.
fn merge_in_pairs(counts: Vec<VocabularyBuilder>) -> Option<VocabularyBuilder> {
    reduce_in_pairs(counts, |mut a, b| {
        a.merge(b);
        a
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect_part(c: &Corpus, part: usize, parts: usize) -> Vec<String> {
        let mut v = Vec::new();
        c.scan_part(part, parts, |t, _| {
            v.push(t.to_string());
            ControlFlow::Continue(())
        })
        .unwrap();
        v
    }

    #[test]
    fn merging_in_pairs_equals_merging_in_order() {
        let part = |i: usize| {
            let mut b = VocabularyBuilder::new();
            for j in 0..=i * 3 {
                b.add_count(&format!("w{}", j % 7), (i + j) as u64 + 1);
            }
            b
        };
        assert!(merge_in_pairs(Vec::new()).is_none());
        for n in 1..10 {
            let mut serial = part(0);
            for i in 1..n {
                serial.merge(part(i));
            }
            let paired = merge_in_pairs((0..n).map(part).collect()).unwrap();
            assert_eq!(paired.token_count(), serial.token_count(), "{n} parts");
            assert_eq!(paired.type_count(), serial.type_count(), "{n} parts");
            for j in 0..7 {
                let w = format!("w{j}");
                assert_eq!(paired.count_of(&w), serial.count_of(&w), "{w}, {n} parts");
            }
        }
    }

    #[test]
    fn parts_cover_every_token_exactly_once() {
        let text = "alpha beta  gamma\ndelta epsilon zeta eta\n\ntheta iota kappa lambda mu";
        let c = Corpus::from_text(text);
        let all: Vec<String> = text.split_whitespace().map(String::from).collect();
        for parts in 1..=12 {
            let joined: Vec<String> = (0..parts)
                .flat_map(|p| collect_part(&c, p, parts))
                .collect();
            assert_eq!(joined, all, "parts = {parts}");
        }
    }

    #[test]
    fn file_parts_match_memory_parts() {
        let dir = std::env::temp_dir().join(format!("skipgram-corpus-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.txt");
        let text = "one two three four five six seven eight nine ten ".repeat(50);
        std::fs::write(&path, &text).unwrap();
        let f = Corpus::from_path(&path).unwrap();
        let m = Corpus::from_text(text);
        for p in 0..3 {
            assert_eq!(collect_part(&f, p, 3), collect_part(&m, p, 3));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Part `part` of `parts` as a byte-by-byte `TokenReader` reads it: from the range's
    /// start (after the tail of a token begun before it) to the first token starting at or
    /// after its end.
    fn reference_part(bytes: &[u8], part: usize, parts: usize) -> Vec<(String, bool)> {
        let start = bytes.len() * part / parts;
        let end = bytes.len() * (part + 1) / parts;
        let from = match start > 0 && !bytes[start - 1].is_ascii_whitespace() {
            true => bytes[start..]
                .iter()
                .position(u8::is_ascii_whitespace)
                .map_or(bytes.len(), |k| start + k),
            false => start,
        };
        let mut r = TokenReader::new(&bytes[from..]);
        let mut out = Vec::new();
        while let Some(t) = r.next_token().unwrap() {
            if from + t.offset as usize >= end {
                break;
            }
            out.push((String::from_utf8(t.bytes.to_vec()).unwrap(), t.line_start));
        }
        out
    }

    fn scanned_part(c: &Corpus, part: usize, parts: usize) -> Vec<(String, bool)> {
        let mut v = Vec::new();
        c.scan_part(part, parts, |t, line| {
            v.push((t.to_string(), line));
            ControlFlow::Continue(())
        })
        .unwrap();
        v
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(40))]

        /// Files of 0–40 kB in parts of any size: read in chunks through the masks, every
        /// part gives the tokens and sentence starts the byte-by-byte reader gives.
        #[test]
        fn parts_of_files_and_memory_read_as_the_byte_by_byte_reader(
            words in proptest::collection::vec(
                ("[a-dé]{1,9}", proptest::sample::select(vec![" ", "  ", "\n", "\t", " \r\n"])),
                0..5000,
            ),
            parts in 1usize..6,
        ) {
            let text: String = words.iter().map(|(w, sep)| format!("{w}{sep}")).collect();
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("c.txt");
            std::fs::write(&path, &text).unwrap();
            let file = Corpus::from_path(&path).unwrap();
            let memory = Corpus::from_text(text.clone());
            for part in 0..parts {
                let want = reference_part(text.as_bytes(), part, parts);
                proptest::prop_assert_eq!(&scanned_part(&file, part, parts), &want);
                proptest::prop_assert_eq!(&scanned_part(&memory, part, parts), &want);
            }
        }
    }

    #[test]
    fn open_file_parts_match_memory_parts() {
        let text = "one two three\nfour five six seven eight nine ten ".repeat(70);
        let mut f = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
        let h = Corpus::from_file(f).unwrap();
        let m = Corpus::from_text(text);
        for parts in [1, 3, 7] {
            for p in 0..parts {
                assert_eq!(scanned_part(&h, p, parts), scanned_part(&m, p, parts));
            }
        }
    }

    #[test]
    fn newlines_mark_sentence_starts_and_long_tokens_are_skipped() {
        let long = "x".repeat(MAX_TOKEN_BYTES + 1);
        let c = Corpus::from_text(format!("a b\nc {long} d"));
        let mut seen = Vec::new();
        c.scan_part(0, 1, |t, nl| {
            seen.push((t.to_string(), nl));
            ControlFlow::Continue(())
        })
        .unwrap();
        let want = [("a", false), ("b", false), ("c", true), ("d", false)];
        assert_eq!(seen.len(), 4);
        for ((t, nl), (wt, wnl)) in seen.iter().zip(want) {
            assert_eq!((t.as_str(), *nl), (wt, wnl));
        }
    }

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
