//! Counting a file in parallel: T byte ranges, split where whitespace begins, each counted
//! on its own thread, then merged, with the phrases that cross a range boundary added back.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::count::{CountState, Table};
use super::{Phrases, PhrasesConfig};
use crate::corpus::TokenReader;
use crate::error::{Error, Result};

/// What a range's first tokens do to a phrase begun before it.
#[derive(Debug)]
enum HeadEnd {
    /// The first non-connector word, before any line break: it closes the phrase.
    Word(String),
    /// A line break came first: the begun phrase is dropped.
    Break,
    /// The range holds only connector words (or nothing): the phrase stays open.
    End,
}

/// One range's counts and its two edges.
struct Part {
    table: Table,
    /// Connector words before the first non-connector word or line break.
    head: Vec<String>,
    head_end: HeadEnd,
    /// The phrase still open at the end of the range: first word and connectors since.
    tail: Option<(String, Vec<String>)>,
}

/// Range starts: 0, then for each k the first whitespace byte after a non-whitespace byte at
/// or after len·k/T (so a whole whitespace run, newline included, opens the next range).
fn boundaries(file: &mut File, len: u64, threads: usize) -> std::io::Result<Vec<u64>> {
    let mut b = vec![0u64];
    for k in 1..threads as u64 {
        let nominal = (u128::from(len) * u128::from(k) / threads as u128) as u64;
        let from = nominal.max(*b.last().unwrap_or(&0)).max(1);
        if from >= len {
            b.push(len);
            continue;
        }
        file.seek(SeekFrom::Start(from - 1))?;
        let mut r = BufReader::with_capacity(1 << 16, &mut *file);
        let mut byte = [0u8];
        r.read_exact(&mut byte)?;
        let mut prev_ws = byte[0].is_ascii_whitespace();
        let mut pos = from;
        let start = loop {
            if r.read(&mut byte)? == 0 {
                break len;
            }
            let ws = byte[0].is_ascii_whitespace();
            if ws && !prev_ws {
                break pos;
            }
            prev_ws = ws;
            pos += 1;
        };
        b.push(start);
    }
    b.push(len);
    Ok(b)
}

fn count_range(path: &Path, start: u64, end: u64, connectors: &[&str], max: usize) -> Result<Part> {
    let mut file = File::open(path).map_err(|e| Error::io_at(path, e))?;
    file.seek(SeekFrom::Start(start))
        .map_err(|e| Error::io_at(path, e))?;
    let mut reader = TokenReader::new(BufReader::with_capacity(1 << 20, file.take(end - start)));
    let mut table = Table::new(connectors.iter().copied());
    let mut state = CountState::default();
    let mut head = Vec::new();
    let mut head_end = None;
    while let Some(tok) = reader.next_token().map_err(|e| Error::io_at(path, e))? {
        let word = std::str::from_utf8(tok.bytes).map_err(|e| Error::InvalidUtf8 {
            offset: start + tok.offset + e.valid_up_to() as u64,
            path: Some(path.to_path_buf()),
        })?;
        if head_end.is_none() {
            if tok.line_start {
                head_end = Some(HeadEnd::Break);
            } else if table.id(word).is_some_and(|id| table.is_connector(id)) {
                head.push(word.to_string());
            } else {
                head_end = Some(HeadEnd::Word(word.to_string()));
            }
        }
        if tok.line_start {
            state.end_sentence();
            table.sentence_end(max);
        }
        table.feed(&mut state, word, max);
    }
    let tail = state.start.map(|a| {
        let between = state.between.iter().map(|&c| table.word(c).to_string());
        (table.word(a).to_string(), between.collect())
    });
    Ok(Part {
        table,
        head,
        head_end: head_end.unwrap_or(HeadEnd::End),
        tail,
    })
}

impl Phrases {
    /// Learns a model from the text file at `path` with `threads` threads: the file is split
    /// at whitespace into `threads` byte ranges, each counted on its own thread, and the
    /// counts merged, with each phrase that crosses a range boundary counted once. Tokens and
    /// sentences are as [`Corpus`](crate::Corpus) reads them (whitespace-separated, a newline
    /// ends a sentence, tokens over [`MAX_TOKEN_BYTES`](crate::corpus::MAX_TOKEN_BYTES)
    /// skipped; no preprocessing, strict UTF-8).
    ///
    /// A compressed file ([`Compression`](crate::corpus::Compression)) is learned from in
    /// one pass on one thread, as [`Phrases::learn_corpus`] does.
    ///
    /// Without pruning the result equals [`Phrases::learn_corpus`] on the same file. Each
    /// thread prunes its own table at `max_vocab_size / threads` entries, and the merged
    /// table is pruned to `max_vocab_size`; a table pruned in parts can differ from one
    /// pruned whole (both only undercount).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if `config` is invalid or `threads` is 0 or more than
    /// [`TrainConfig::MAX_THREADS`](crate::TrainConfig::MAX_THREADS);
    /// [`Error::InvalidUtf8`] and [`Error::Io`] naming `path`.
    pub fn learn_file_parallel(
        config: PhrasesConfig,
        path: impl AsRef<Path>,
        threads: usize,
    ) -> Result<Self> {
        let path = path.as_ref();
        let max = crate::TrainConfig::MAX_THREADS;
        if !(1..=max).contains(&threads) {
            return Err(Error::InvalidConfig(format!(
                "threads must be in 1..={max} (as for training), got {threads}"
            )));
        }
        if crate::corpus::Compression::sniff(path)?.is_some() {
            // Byte ranges of a compressed file cannot be read on their own: one pass.
            return Phrases::learn_corpus(config, &crate::Corpus::from_path(path)?);
        }
        let mut p = Phrases::new(config)?;
        let mut file = File::open(path).map_err(|e| Error::io_at(path, e))?;
        let len = file.metadata().map_err(|e| Error::io_at(path, e))?.len();
        let bounds = boundaries(&mut file, len, threads).map_err(|e| Error::io_at(path, e))?;
        drop(file);
        let connectors: Vec<&str> = p
            .config
            .connector_words
            .iter()
            .map(|s| s.as_str())
            .collect();
        let max = p.config.max_vocab_size;
        let per_thread = (max / threads).max(1);
        let parts: Vec<Result<Part>> = std::thread::scope(|s| {
            let handles: Vec<_> = bounds
                .windows(2)
                .map(|w| {
                    let (start, end, c) = (w[0], w[1], &connectors);
                    s.spawn(move || count_range(path, start, end, c, per_thread))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a counting thread panicked"))
                .collect()
        });
        let mut carry: Option<(String, Vec<String>)> = None;
        let mut first = true;
        let mut crossing: Vec<(String, Vec<String>, String)> = Vec::new();
        for part in parts {
            let part = part?;
            carry = match (carry, part.head_end) {
                (Some((a, mut between)), HeadEnd::Word(b)) => {
                    between.extend(part.head);
                    crossing.push((a, between, b));
                    part.tail
                }
                (Some((a, mut between)), HeadEnd::End) => {
                    between.extend(part.head);
                    Some((a, between))
                }
                _ => part.tail,
            };
            if std::mem::take(&mut first) {
                p.table = part.table;
            } else {
                p.table.merge(part.table, usize::MAX);
            }
        }
        for (a, between, b) in crossing {
            let ids: Vec<u32> = between.iter().map(|w| p.table.intern(w)).collect();
            let (a, b) = (p.table.intern(&a), p.table.intern(&b));
            p.table.add_phrase(a, &ids, b, 1);
        }
        p.table.prune(max, None);
        Ok(p)
    }
}
