//! The readers: header, text lines, binary records.

use std::io::{BufRead, Read};

use ndarray::Array2;

use super::detect::{sniff, Guess};
use super::header::{read_header, read_line, Line, AUTO, BINARY, MAX_WORD_BYTES, TEXT};
use crate::embeddings::Embeddings;
use crate::error::{shape2, Error, Result};
use crate::io::prefault::Prefault;
use crate::io::{decode_word, quote, read_f32s, Tracked};
use crate::vocab::Vocabulary;

/// Values pre-allocated when the input size is unknown; beyond this, memory grows with data.
const DEFAULT_CAPACITY: usize = 1 << 16;

/// Reads the text format, refusing data that clearly is binary.
pub(super) fn read_text<R: BufRead>(
    reader: &mut R,
    lossy: bool,
    size: Option<u64>,
) -> Result<Embeddings> {
    let (prefix, guess) = sniff(reader, TEXT)?;
    if let Guess::Binary(why) = guess {
        return Err(Error::Format {
            format: TEXT,
            line: Some(2),
            message: format!(
                "this looks like the word2vec binary format, not text: {why}; read it as \
                 binary (read_word2vec_binary, load_word2vec_binary) or let read_word2vec / \
                 load_word2vec detect the format"
            ),
        });
    }
    text_body(&mut prefix.as_slice().chain(reader), lossy, size)
}

/// Reads the binary format, refusing data that clearly is text.
pub(super) fn read_binary<R: BufRead>(
    reader: &mut R,
    lossy: bool,
    size: Option<u64>,
) -> Result<Embeddings> {
    let (prefix, guess) = sniff(reader, BINARY)?;
    if let Guess::Text(why) = guess {
        return Err(Error::Format {
            format: BINARY,
            line: None,
            message: format!(
                "this looks like the word2vec text format, not binary: {why}; read it as \
                 text (read_word2vec_text, load_word2vec_text) or let read_word2vec / \
                 load_word2vec detect the format"
            ),
        });
    }
    binary_body(&mut prefix.as_slice().chain(reader), lossy, size)
}

/// Reads either format, as detected (ambiguous data as text).
pub(super) fn read_auto<R: BufRead>(
    reader: &mut R,
    lossy: bool,
    size: Option<u64>,
) -> Result<Embeddings> {
    let (prefix, guess) = sniff(reader, AUTO)?;
    let mut r = prefix.as_slice().chain(reader);
    match guess {
        Guess::Binary(_) => binary_body(&mut r, lossy, size),
        Guess::Text(_) => text_body(&mut r, lossy, size),
        // Read as text; if that fails, say that the format could not be told.
        Guess::Unknown => text_body(&mut r, lossy, size).map_err(|e| match e {
            Error::Format {
                format,
                line,
                message,
            } => Error::Format {
                format,
                line,
                message: format!(
                    "{message} (the format could not be told from the data, so it was read \
                     as text; if it is binary, read it with read_word2vec_binary / \
                     load_word2vec_binary, `--binary` on the command line)"
                ),
            },
            e => e,
        }),
    }
}

/// After the V-th row: anything but ASCII whitespace is an error (rows beyond the header's
/// count, or a file whose rows were misread).
fn check_end<R: BufRead>(
    r: &mut Tracked<R>,
    v: usize,
    format: &'static str,
    why: &str,
) -> Result<()> {
    if skip_ascii_whitespace(r)? {
        return Err(Error::Format {
            format,
            line: None,
            message: format!(
                "data follows the {v} rows the header announces, at byte {}{why}",
                r.pos()
            ),
        });
    }
    Ok(())
}

/// The values to pre-allocate for V×N: no more than `max_values` (from the input's size,
/// when known) can justify.
fn capacity(v: usize, n: usize, max_values: Option<u64>) -> usize {
    max_values
        .map_or(DEFAULT_CAPACITY, |m| {
            usize::try_from(m).unwrap_or(usize::MAX)
        })
        .min(v * n)
}

/// Buffers for V words and V×N values, pre-allocated only up to what `max_values` (from the
/// input's size, when known) can justify.
fn allocate(v: usize, n: usize, max_values: Option<u64>) -> (Vec<(String, u64)>, Vec<f32>) {
    let cap = capacity(v, n, max_values);
    (
        Vec::with_capacity((cap / n).min(v)),
        Vec::with_capacity(cap),
    )
}

fn finish(words: Vec<(String, u64)>, data: Vec<f32>, v: usize, n: usize) -> Result<Embeddings> {
    let vocab = Vocabulary::from_counts(words)?;
    let found = data.len();
    let vectors = Array2::from_shape_vec((v, n), data).map_err(|_| Error::ShapeMismatch {
        what: "word2vec vectors",
        expected: shape2(v, n),
        found: format!("{found} values"),
    })?;
    Embeddings::new(vocab, vectors)
}

fn text_body<R: BufRead>(reader: &mut R, lossy: bool, size: Option<u64>) -> Result<Embeddings> {
    let mut r = Tracked::new(reader);
    let mut buf = Vec::new();
    let (v, n) = read_header(&mut r, &mut buf, TEXT)?;
    // Every value takes at least two bytes ("0 ").
    let (mut words, mut data) = allocate(v, n, size.map(|s| s / 2));
    let limit = MAX_WORD_BYTES
        .saturating_add(n.saturating_mul(64))
        .saturating_add(64);
    for i in 0..v {
        let line_no = i as u64 + 2;
        let line_start = r.pos();
        let end = read_line(&mut r, &mut buf, limit, TEXT, line_no)?;
        match end {
            Line::Eof => {
                return Err(Error::Truncated {
                    format: TEXT,
                    message: format!("the header announces {v} words but the data holds {i}"),
                })
            }
            // Every writer ends each line with `\n`; without it the last value may have been
            // cut short ("0.1234" → "0.12" still parses), so the line cannot be trusted.
            Line::Unterminated => {
                return Err(Error::Truncated {
                    format: TEXT,
                    message: format!(
                        "the data ends inside line {line_no} (word {} of {v}), before its newline",
                        i + 1
                    ),
                })
            }
            Line::Complete => {}
        }
        let bad = |message: String| Error::Format {
            format: TEXT,
            line: Some(line_no),
            message,
        };
        let Some(start) = buf.iter().position(|b| !b.is_ascii_whitespace()) else {
            return Err(bad("blank line where a word was expected".into()));
        };
        let mut fields = buf[start..]
            .split(|b| b.is_ascii_whitespace())
            .filter(|f| !f.is_empty());
        let word = fields.next().unwrap_or_default();
        if word.len() > MAX_WORD_BYTES {
            return Err(bad(format!("word longer than {MAX_WORD_BYTES} bytes")));
        }
        let word = decode_word(word, lossy, line_start + start as u64)?;
        let mut count = 0;
        for f in fields {
            if count == n {
                return Err(bad(format!(
                    "more than {n} values after the word {}",
                    quote(word.as_bytes())
                )));
            }
            let x = std::str::from_utf8(f)
                .ok()
                .and_then(|s| s.parse::<f32>().ok())
                .ok_or_else(|| bad(format!("not a number: {}", quote(f))))?;
            if !x.is_finite() {
                return Err(Error::NonFinite {
                    what: "word2vec text vector",
                });
            }
            data.push(x);
            count += 1;
        }
        if count < n {
            return Err(bad(format!(
                "expected {n} values after the word {}, found {count}",
                quote(word.as_bytes())
            )));
        }
        words.push((word, 1));
    }
    check_end(&mut r, v, TEXT, " (rows beyond the header's count)")?;
    finish(words, data, v, n)
}

/// Skips ASCII whitespace; `false` at end of input.
fn skip_ascii_whitespace(r: &mut impl BufRead) -> std::io::Result<bool> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(false);
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(k) => {
                r.consume(k);
                return Ok(true);
            }
            None => {
                let len = buf.len();
                r.consume(len);
            }
        }
    }
}

fn binary_body<R: BufRead>(reader: &mut R, lossy: bool, size: Option<u64>) -> Result<Embeddings> {
    let mut r = Tracked::new(reader);
    let mut buf = Vec::new();
    let (v, n) = read_header(&mut r, &mut buf, BINARY)?;
    let mut data = Vec::with_capacity(capacity(v, n, size.map(|s| s / 4)));
    let prefault = Prefault::start(&mut data);
    let mut words = WordArena::with_capacity(v.min(data.capacity() / n));
    // Whether the vectors end with '\n' (word2vec.c) or not (gensim), from the first one.
    let mut newlines = None;
    for i in 0..v {
        if !skip_ascii_whitespace(&mut r)? {
            return Err(Error::Truncated {
                format: BINARY,
                message: format!("the header announces {v} words but the data holds {i}"),
            });
        }
        let offset = r.pos();
        buf.clear();
        let got = (&mut r)
            .take(MAX_WORD_BYTES as u64 + 1)
            .read_until(b' ', &mut buf)?;
        if buf.last() == Some(&b' ') {
            buf.pop();
        } else if got > MAX_WORD_BYTES {
            return Err(Error::Format {
                format: BINARY,
                line: None,
                message: format!(
                    "word {} (at byte {offset}) is longer than {MAX_WORD_BYTES} bytes",
                    i + 1
                ),
            });
        } else {
            return Err(Error::Truncated {
                format: BINARY,
                message: format!("the data ends inside word {} of {v}", i + 1),
            });
        }
        // Without a '\n' after each vector (gensim's layout), a word with a space shifts the
        // rows until a later "word" swallows the rest of a vector and realigns them; such a
        // word is made of vector bytes, which almost always hold a control byte.
        if newlines == Some(false) {
            if let Some(&b) = buf.iter().find(|b| b.is_ascii_control()) {
                return Err(Error::Format {
                    format: BINARY,
                    line: None,
                    message: format!(
                        "word {} (at byte {offset}) holds the control byte 0x{b:02x}: these are \
                         vector bytes read as a word, because a word before it contains a \
                         space (which this format cannot hold) or the file is damaged",
                        i + 1
                    ),
                });
            }
        }
        words.push(&buf, lossy, offset)?;
        read_vector(&mut r, n, &mut data)?;
        // word2vec.c ends every vector with '\n', gensim none: the first row says which, and
        // every other row must agree. A word with a space in it (which this format cannot
        // hold) shifts its vector, and the byte after it then breaks the pattern.
        // At the end of the input there is no next byte: the next row reports the truncation.
        let next = r.fill_buf()?.first().copied();
        let newline_next = next == Some(b'\n');
        match (newlines, newline_next) {
            (None, _) => newlines = Some(newline_next),
            (Some(true), false) if next.is_some() => {
                return Err(Error::Format {
                    format: BINARY,
                    line: None,
                    message: format!(
                        "the vector of word {} ({}) is not followed by a newline, as the \
                         vectors before it are (at byte {}); a word containing a space \
                         cannot be stored in this format, and shifts the rest of its row",
                        i + 1,
                        quote(words.last().as_bytes()),
                        r.pos()
                    ),
                });
            }
            _ => {}
        }
    }
    drop(prefault);
    check_end(
        &mut r,
        v,
        BINARY,
        " (rows beyond the header's count, or rows misread because a word contains a space, \
         which this format cannot hold)",
    )?;
    finish_binary(words, data, v, n)
}

/// Reads N little-endian f32 into `data`: straight from the reader's buffer when it holds
/// the whole vector (the common case), else through [`read_f32s`] (the same errors).
fn read_vector(r: &mut impl BufRead, n: usize, data: &mut Vec<f32>) -> Result<()> {
    let bytes = n * 4;
    let buf = r.fill_buf()?;
    if buf.len() < bytes {
        return read_f32s(r, n, data, BINARY, "a word2vec binary vector");
    }
    let start = data.len();
    data.extend(
        buf[..bytes]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
    );
    r.consume(bytes);
    // Counted rather than searched, so that the check vectorises.
    let bad = data[start..].iter().filter(|x| !x.is_finite()).count();
    if bad > 0 {
        return Err(Error::NonFinite {
            what: "a word2vec binary vector",
        });
    }
    Ok(())
}

/// The words of a binary file in one buffer (their bytes back to back and where each
/// ends), instead of one allocation per word while the file is read.
struct WordArena {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl WordArena {
    fn with_capacity(words: usize) -> Self {
        WordArena {
            bytes: Vec::with_capacity(words.saturating_mul(12)),
            ends: Vec::with_capacity(words),
        }
    }

    /// Appends the word `raw` found at byte `offset`, checked as [`decode_word`] does.
    fn push(&mut self, raw: &[u8], lossy: bool, offset: u64) -> Result<()> {
        match std::str::from_utf8(raw) {
            Ok(w) => self.bytes.extend_from_slice(w.as_bytes()),
            Err(_) => {
                let w = decode_word(raw, lossy, offset)?;
                self.bytes.extend_from_slice(w.as_bytes());
            }
        }
        self.ends.push(self.bytes.len());
        Ok(())
    }

    /// The word pushed last.
    fn last(&self) -> &str {
        let k = self.ends.len();
        let start = if k >= 2 { self.ends[k - 2] } else { 0 };
        let end = self.ends.last().copied().unwrap_or(0);
        std::str::from_utf8(&self.bytes[start..end]).unwrap_or_default()
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(a, &b)| {
            // Every word was pushed as a whole `str`, so each range holds valid UTF-8.
            std::str::from_utf8(&self.bytes[a..b]).expect("words are pushed as str")
        })
    }
}

fn finish_binary(words: WordArena, data: Vec<f32>, v: usize, n: usize) -> Result<Embeddings> {
    // One string per word, as the vocabulary holds them; the arena goes before the
    // vocabulary's index is built, so the two are never in memory at once.
    let mut list = Vec::with_capacity(v);
    list.extend(words.iter().map(str::to_owned));
    drop(words);
    let vocab = Vocabulary::from_word_list(list)?;
    let found = data.len();
    let vectors = Array2::from_shape_vec((v, n), data).map_err(|_| Error::ShapeMismatch {
        what: "word2vec vectors",
        expected: shape2(v, n),
        found: format!("{found} values"),
    })?;
    // Every value was checked finite as it was read.
    Ok(Embeddings::from_trusted(vocab, vectors))
}
