//! Reading a corpus in parts: in one pass each thread scans its own byte range of a file or
//! of text in memory, or for a compressed file its share of the decompressed chunks; each
//! token is tokenised and preprocessed as it is reported.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::ControlFlow;

use super::compressed::Feed;
use super::reader::READ_BUFFER;
use super::scan::{self, ScanState};
use super::{tokenize, Corpus, Source};
use crate::error::{Error, Result};

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

/// Whether a part starting at byte `start` begins inside a token, read from `reader`
/// positioned at byte `start − 1` (nothing is read for `start` 0, the corpus's start). The
/// reader is left at `start`.
fn starts_mid_token(reader: &mut impl Read, start: u64) -> std::io::Result<bool> {
    if start == 0 {
        return Ok(false);
    }
    let mut b = [0u8];
    reader.read_exact(&mut b)?;
    Ok(!b[0].is_ascii_whitespace())
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

impl Corpus {
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
        // A small part needs no full-size buffer (many threads on a small file).
        let capacity = usize::try_from(end - start)
            .unwrap_or(usize::MAX)
            .clamp(8192, READ_BUFFER);
        match &self.source {
            Source::Compressed { .. } => unreachable!("read above"),
            Source::File { path, .. } => {
                let io = |e| Error::io_at(path, e);
                let mut file = File::open(path).map_err(io)?;
                file.seek(SeekFrom::Start(start.saturating_sub(1)))
                    .map_err(io)?;
                let mid_token = starts_mid_token(&mut file, start).map_err(io)?;
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
                let mid_token = starts_mid_token(&mut reader, start)?;
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

#[cfg(test)]
mod tests {
    use super::super::{TokenReader, MAX_TOKEN_BYTES};
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
}
