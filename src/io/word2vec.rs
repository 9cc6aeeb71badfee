//! The word2vec text and binary formats, as written by word2vec.c (`-binary 0/1`) and gensim's
//! `KeyedVectors.save_word2vec_format`.
//!
//! * **Text**: a header line `V N`, then V lines `word v1 v2 … vN`.
//! * **Binary**: the same header line, then per word the word's bytes, one space, and N
//!   little-endian f32 (4N bytes). word2vec.c writes a `\n` after each vector; gensim and the
//!   GoogleNews vectors do not; the reader accepts both by skipping ASCII whitespace before
//!   each word (word2vec.c's readers skip the `\n` the same way).
//!
//! Neither format stores word counts: loaded words get count 1 and keep the file's order
//! (which, for files written by word2vec.c or gensim, is descending frequency).

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use ndarray::Array2;

use super::{decode_word, read_f32s, with_path, write_atomically, Tracked};
use crate::embeddings::Embeddings;
use crate::error::{shape2, Error, Result};
use crate::vocab::Vocabulary;

/// Longest word (in bytes) the readers accept and the writers write: 1 MiB.
pub const MAX_WORD_BYTES: usize = 1 << 20;

const TEXT: &str = "word2vec text";
const BINARY: &str = "word2vec binary";
const MAX_HEADER_BYTES: usize = 1024;
/// Values pre-allocated when the input size is unknown; beyond this, memory grows with data.
const DEFAULT_CAPACITY: usize = 1 << 16;

/// Reading embeddings in the word2vec formats (API in the style of finalfusion's
/// `ReadWord2Vec`).
///
/// The readers validate everything and never pre-allocate from the header's numbers beyond
/// what data has actually arrived, so a header claiming 10¹² words fails with
/// [`Error::Truncated`] instead of exhausting memory. Content after the V-th word is ignored
/// (as by word2vec.c and gensim).
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
    /// Reads the text format: header `V N`, then V lines of a word and N numbers separated
    /// by ASCII whitespace (a trailing space, as word2vec.c writes, is fine). Each of the V
    /// lines must end with `\n`, as every writer ends them: a last line without it may have
    /// been cut inside a number, which would still parse.
    ///
    /// # Errors
    /// [`Error::Format`] with the line number for a bad header (not two integers, V or N
    /// zero, V above 2³² − 1, V×N beyond addressable memory), a line without exactly N
    /// numbers, an unparsable number, or a word over [`MAX_WORD_BYTES`];
    /// [`Error::Truncated`] if the input ends before the `\n` of the V-th line;
    /// [`Error::NonFinite`] for NaN or infinity; [`Error::InvalidUtf8`] for a word that is
    /// not UTF-8; [`Error::DuplicateWord`]; [`Error::Io`].
    fn read_word2vec_text(reader: &mut impl BufRead) -> Result<Self>;

    /// [`read_word2vec_text`](Self::read_word2vec_text), replacing invalid UTF-8 in words
    /// with U+FFFD instead of failing (two words that become equal are still an
    /// [`Error::DuplicateWord`]).
    ///
    /// # Errors
    /// As `read_word2vec_text`, except [`Error::InvalidUtf8`].
    fn read_word2vec_text_lossy(reader: &mut impl BufRead) -> Result<Self>;

    /// Reads the binary format: header `V N\n`, then per word: ASCII whitespace (skipped),
    /// the word's bytes up to a space, and exactly N little-endian f32 (4N bytes, read as
    /// they are even when they contain space or newline bytes).
    ///
    /// # Errors
    /// [`Error::Format`] for a bad header (as for text) or a word over [`MAX_WORD_BYTES`];
    /// [`Error::Truncated`] if the input ends inside a word or vector or before V words;
    /// [`Error::NonFinite`]; [`Error::InvalidUtf8`]; [`Error::DuplicateWord`]; [`Error::Io`].
    fn read_word2vec_binary(reader: &mut impl BufRead) -> Result<Self>;

    /// [`read_word2vec_binary`](Self::read_word2vec_binary) with U+FFFD replacement of
    /// invalid UTF-8 in words.
    ///
    /// # Errors
    /// As `read_word2vec_binary`, except [`Error::InvalidUtf8`].
    fn read_word2vec_binary_lossy(reader: &mut impl BufRead) -> Result<Self>;
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
    /// # Errors
    /// [`Error::Format`] (before anything is written) if a word is empty, longer than
    /// [`MAX_WORD_BYTES`] or contains ASCII whitespace, since it could not be read back;
    /// [`Error::Io`].
    fn write_word2vec_text(&self, w: &mut impl Write) -> Result<()>;

    /// Writes the binary format as word2vec.c does: `V N\n`, then per word the word, a
    /// space, N little-endian f32 and `\n`.
    ///
    /// # Errors
    /// As [`write_word2vec_text`](Self::write_word2vec_text).
    fn write_word2vec_binary(&self, w: &mut impl Write) -> Result<()>;
}

impl ReadWord2Vec for Embeddings {
    fn read_word2vec_text(reader: &mut impl BufRead) -> Result<Self> {
        read_text(reader, false, None)
    }

    fn read_word2vec_text_lossy(reader: &mut impl BufRead) -> Result<Self> {
        read_text(reader, true, None)
    }

    fn read_word2vec_binary(reader: &mut impl BufRead) -> Result<Self> {
        read_binary(reader, false, None)
    }

    fn read_word2vec_binary_lossy(reader: &mut impl BufRead) -> Result<Self> {
        read_binary(reader, true, None)
    }
}

impl WriteWord2Vec for Embeddings {
    fn write_word2vec_text(&self, w: &mut impl Write) -> Result<()> {
        check_writable(self.vocab(), TEXT)?;
        writeln!(w, "{} {}", self.len(), self.dim())?;
        for (word, row) in self.vocab().words().iter().zip(self.vectors().rows()) {
            w.write_all(word.as_bytes())?;
            for &x in row {
                if x == 0.0 || (1e-4..1e16).contains(&x.abs()) {
                    write!(w, " {x}")?;
                } else {
                    write!(w, " {x:e}")?;
                }
            }
            w.write_all(b"\n")?;
        }
        w.flush()?;
        Ok(())
    }

    fn write_word2vec_binary(&self, w: &mut impl Write) -> Result<()> {
        check_writable(self.vocab(), BINARY)?;
        writeln!(w, "{} {}", self.len(), self.dim())?;
        let mut bytes = Vec::with_capacity(self.dim() * 4 + 1);
        for (word, row) in self.vocab().words().iter().zip(self.vectors().rows()) {
            w.write_all(word.as_bytes())?;
            bytes.clear();
            bytes.push(b' ');
            for &x in row {
                bytes.extend_from_slice(&x.to_le_bytes());
            }
            bytes.push(b'\n');
            w.write_all(&bytes)?;
        }
        w.flush()?;
        Ok(())
    }
}

impl Embeddings {
    /// Loads a word2vec text file (see [`ReadWord2Vec::read_word2vec_text`]).
    ///
    /// # Errors
    /// As `read_word2vec_text` ([`Error::InvalidUtf8`] names the path); [`Error::Io`] if the
    /// file cannot be opened.
    pub fn load_word2vec_text(path: impl AsRef<Path>) -> Result<Self> {
        load(path.as_ref(), read_text)
    }

    /// Loads a word2vec binary file (see [`ReadWord2Vec::read_word2vec_binary`]).
    ///
    /// # Errors
    /// As `read_word2vec_binary` ([`Error::InvalidUtf8`] names the path); [`Error::Io`] if
    /// the file cannot be opened.
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

fn load(
    path: &Path,
    read: fn(&mut BufReader<File>, bool, Option<u64>) -> Result<Embeddings>,
) -> Result<Embeddings> {
    let open = || -> Result<_> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        let mut reader = BufReader::with_capacity(1 << 20, file);
        read(&mut reader, false, Some(len))
    };
    open().map_err(|e| with_path(e, path))
}

fn check_writable(vocab: &Vocabulary, format: &'static str) -> Result<()> {
    for (i, w) in vocab.words().iter().enumerate() {
        let problem = if w.is_empty() {
            "is empty"
        } else if w.len() > MAX_WORD_BYTES {
            "is longer than 1 MiB"
        } else if w.bytes().any(|b| b.is_ascii_whitespace()) {
            "contains ASCII whitespace"
        } else {
            continue;
        };
        return Err(Error::Format {
            format,
            line: None,
            message: format!("cannot write word {i} ({w:?}): it {problem}"),
        });
    }
    Ok(())
}

/// How a line read by [`read_line`] ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Line {
    /// No bytes: end of input.
    Eof,
    /// Ended with `\n` (removed).
    Complete,
    /// Ended at end of input without `\n`.
    Unterminated,
}

/// Reads one line of at most `limit` bytes (without the `\n`) into `buf`.
fn read_line(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
    format: &'static str,
    line: u64,
) -> Result<Line> {
    buf.clear();
    // `limit` may be usize::MAX (a huge N in the header): the cap saturates.
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let got = r.by_ref().take(cap).read_until(b'\n', buf)?;
    if got == 0 {
        Ok(Line::Eof)
    } else if buf.last() == Some(&b'\n') {
        buf.pop();
        Ok(Line::Complete)
    } else if got > limit {
        Err(Error::Format {
            format,
            line: Some(line),
            message: format!("line longer than {limit} bytes"),
        })
    } else {
        Ok(Line::Unterminated)
    }
}

/// Reads and checks the header line `V N`.
fn read_header(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    format: &'static str,
) -> Result<(usize, usize)> {
    if read_line(r, buf, MAX_HEADER_BYTES, format, 1)? == Line::Eof {
        return Err(Error::Truncated {
            format,
            message: "the input is empty: no \"V N\" header".into(),
        });
    }
    let bad = |message: String| Error::Format {
        format,
        line: Some(1),
        message,
    };
    let text = String::from_utf8_lossy(buf);
    let fields: Vec<&str> = text.split_ascii_whitespace().collect();
    let [v, n] = fields[..] else {
        return Err(bad(format!(
            "the header must be two integers \"V N\", found {:?}",
            text.trim_end()
        )));
    };
    let parse = |s: &str, what: &str| {
        s.parse::<u64>()
            .map_err(|_| bad(format!("{what} in the header is not an integer: {s:?}")))
    };
    let (v, n) = (parse(v, "the word count V")?, parse(n, "the dimension N")?);
    if v == 0 || n == 0 {
        return Err(bad(format!("the header gives {v} words of dimension {n}")));
    }
    if v > u64::from(u32::MAX) {
        return Err(bad(format!(
            "the header gives {v} words, more than a vocabulary holds (2^32 - 1)"
        )));
    }
    match v.checked_mul(n).and_then(|t| t.checked_mul(4)) {
        Some(bytes) if bytes <= isize::MAX as u64 => {}
        _ => {
            return Err(bad(format!(
                "the header gives {v}×{n} values, more than memory can address"
            )))
        }
    }
    let to_usize = |x: u64| usize::try_from(x).map_err(|_| bad(format!("{x} is too large")));
    Ok((to_usize(v)?, to_usize(n)?))
}

/// Buffers for V words and V×N values, pre-allocated only up to what `max_values` (from the
/// input's size, when known) can justify.
fn allocate(v: usize, n: usize, max_values: Option<u64>) -> (Vec<(String, u64)>, Vec<f32>) {
    let cap = max_values
        .map_or(DEFAULT_CAPACITY, |m| {
            usize::try_from(m).unwrap_or(usize::MAX)
        })
        .min(v * n);
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

fn read_text<R: BufRead>(reader: &mut R, lossy: bool, size: Option<u64>) -> Result<Embeddings> {
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
                return Err(bad(format!("more than {n} values after the word {word:?}")));
            }
            let x = std::str::from_utf8(f)
                .ok()
                .and_then(|s| s.parse::<f32>().ok())
                .ok_or_else(|| bad(format!("not a number: {:?}", String::from_utf8_lossy(f))))?;
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
                "expected {n} values after the word {word:?}, found {count}"
            )));
        }
        words.push((word, 1));
    }
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

fn read_binary<R: BufRead>(reader: &mut R, lossy: bool, size: Option<u64>) -> Result<Embeddings> {
    let mut r = Tracked::new(reader);
    let mut buf = Vec::new();
    let (v, n) = read_header(&mut r, &mut buf, BINARY)?;
    let (mut words, mut data) = allocate(v, n, size.map(|s| s / 4));
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
        let word = decode_word(&buf, lossy, offset)?;
        read_f32s(&mut r, n, &mut data, BINARY, "a word2vec binary vector")?;
        words.push((word, 1));
    }
    finish(words, data, v, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn sample() -> Embeddings {
        let vocab = Vocabulary::from_words(["the", "ünï", "日本", "🙂x"]).unwrap();
        let v = array![
            [0.1f32, -0.0, 1e-45, f32::MAX],
            [f32::MIN_POSITIVE, -1.5e-7, 123456.79, 1e16],
            [1.0, -1.0, 0.0, 0.5],
            [std::f32::consts::PI, 9.999e-5, 1e-4, -3.4e-38],
        ];
        Embeddings::new(vocab, v).unwrap()
    }

    fn bits(e: &Embeddings) -> Vec<u32> {
        e.vectors().iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn text_round_trips_bit_for_bit() {
        let e = sample();
        let mut out = Vec::new();
        e.write_word2vec_text(&mut out).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(
            text.starts_with("4 4\nthe 0.1 -0 1e-45 3.4028235e38\n"),
            "{text}"
        );
        let back = Embeddings::read_word2vec_text(&mut &out[..]).unwrap();
        assert_eq!(back.vocab().words(), e.vocab().words());
        assert_eq!(back.vocab().counts(), [1, 1, 1, 1]);
        assert_eq!(bits(&back), bits(&e));
    }

    #[test]
    fn binary_round_trips_bit_for_bit() {
        let e = sample();
        let mut out = Vec::new();
        e.write_word2vec_binary(&mut out).unwrap();
        // Header, then "the" + space + 16 bytes + newline as word2vec.c writes it.
        assert_eq!(&out[..8], b"4 4\nthe ");
        assert_eq!(out[8..12], 0.1f32.to_le_bytes());
        assert_eq!(out[4 + 4 + 16], b'\n');
        let back = Embeddings::read_word2vec_binary(&mut &out[..]).unwrap();
        assert_eq!(back.vocab().words(), e.vocab().words());
        assert_eq!(bits(&back), bits(&e));
    }

    fn binary(words: &[(&[u8], &[f32])], newline: bool) -> Vec<u8> {
        let mut out = format!("{} {}\n", words.len(), words[0].1.len()).into_bytes();
        for (w, v) in words {
            out.extend_from_slice(w);
            out.push(b' ');
            for x in *v {
                out.extend_from_slice(&x.to_le_bytes());
            }
            if newline {
                out.push(b'\n');
            }
        }
        out
    }

    #[test]
    fn binary_without_newlines_and_delimiter_bytes_in_vectors() {
        // 0x20202020 and 0x0a0a0a0a are a space and newlines as bytes.
        let tricky = [f32::from_bits(0x2020_2020), f32::from_bits(0x0a0a_0a0a)];
        let data = binary(&[(b"a", &tricky), (b"b", &[1.0, 2.0])], false);
        let e = Embeddings::read_word2vec_binary(&mut &data[..]).unwrap();
        assert_eq!(e.vocab().words(), ["a", "b"]);
        assert_eq!(e.vectors()[[0, 0]].to_bits(), 0x2020_2020);
        assert_eq!(e.vectors()[[0, 1]].to_bits(), 0x0a0a_0a0a);
        assert_eq!(e.embedding("b").unwrap(), array![1.0f32, 2.0]);
    }

    fn text_err(s: &str) -> Error {
        Embeddings::read_word2vec_text(&mut s.as_bytes()).unwrap_err()
    }

    #[test]
    fn bad_headers_are_format_errors_on_line_1() {
        for h in [
            "abc 3\n",
            "3\n",
            "3 4 5\n",
            "0 4\n",
            "2 0\n",
            "-1 3\n",
            "4294967296 2\n",
            "4000000000 4000000000000\n",
        ] {
            match text_err(h) {
                Error::Format { line: Some(1), .. } => {}
                e => panic!("{h:?}: {e:?}"),
            }
        }
        assert!(matches!(text_err(""), Error::Truncated { .. }));
        let long = format!("1 {}\n", "0".repeat(2000));
        assert!(matches!(
            text_err(&long),
            Error::Format { line: Some(1), .. }
        ));
    }

    #[test]
    fn text_errors() {
        assert!(matches!(text_err("2 2\na 1 2\n"), Error::Truncated { .. }));
        assert!(matches!(
            text_err("2 2\na 1 2\nb 1"),
            Error::Truncated { .. }
        ));
        // Cut inside the last number: "2.5" → "2." still parses, so a last line without its
        // newline is truncated even when it holds N values.
        assert!(matches!(
            text_err("2 2\na 1 2\nb 1 2."),
            Error::Truncated { .. }
        ));
        assert!(matches!(text_err("1 2\na 1 -"), Error::Truncated { .. }));
        match text_err("2 2\na 1 2\nb 1\n") {
            Error::Format {
                line: Some(3),
                message,
                ..
            } => assert!(message.contains("found 1")),
            e => panic!("{e:?}"),
        }
        assert!(matches!(
            text_err("1 2\na 1 2 3\n"),
            Error::Format { line: Some(2), .. }
        ));
        assert!(matches!(
            text_err("1 2\na 1 x\n"),
            Error::Format { line: Some(2), .. }
        ));
        assert!(matches!(
            text_err("2 2\na 1 2\n\n"),
            Error::Format { line: Some(3), .. }
        ));
        assert!(matches!(
            text_err("1 2\na nan 2\n"),
            Error::NonFinite { .. }
        ));
        assert!(matches!(
            text_err("1 2\na 1 inf\n"),
            Error::NonFinite { .. }
        ));
        assert!(matches!(
            text_err("1 2\na 1 1e39\n"),
            Error::NonFinite { .. }
        ));
        assert!(matches!(text_err("2 1\na 1\na 2\n"), Error::DuplicateWord(w) if w == "a"));
        // A trailing space (word2vec.c) and CRLF are fine; extra lines are ignored.
        let e = Embeddings::read_word2vec_text(&mut "1 2\r\nw 1 2 \r\nextra\n".as_bytes()).unwrap();
        assert_eq!(e.embedding("w").unwrap(), array![1.0f32, 2.0]);
    }

    #[test]
    fn invalid_utf8_strict_and_lossy() {
        let text = b"2 1\nok 1\nb\xffd 2\n";
        match Embeddings::read_word2vec_text(&mut &text[..]) {
            Err(Error::InvalidUtf8 {
                offset: 9,
                path: None,
            }) => {}
            other => panic!("{other:?}"),
        }
        let e = Embeddings::read_word2vec_text_lossy(&mut &text[..]).unwrap();
        assert_eq!(e.vocab().words(), ["ok", "b\u{fffd}d"]);

        let bin = binary(&[(b"ok", &[1.0]), (b"b\xffd", &[2.0])], true);
        match Embeddings::read_word2vec_binary(&mut &bin[..]) {
            Err(Error::InvalidUtf8 { offset: 12, .. }) => {}
            other => panic!("{other:?}"),
        }
        let e = Embeddings::read_word2vec_binary_lossy(&mut &bin[..]).unwrap();
        assert_eq!(e.vocab().words(), ["ok", "b\u{fffd}d"]);
        assert_eq!(e.embedding("b\u{fffd}d").unwrap()[0], 2.0);
    }

    fn bin_err(data: &[u8]) -> Error {
        Embeddings::read_word2vec_binary(&mut &data[..]).unwrap_err()
    }

    #[test]
    fn binary_errors() {
        let full = binary(&[(b"a", &[1.0, 2.0]), (b"b", &[3.0, 4.0])], true);
        // Cut anywhere after the header: always Truncated, never a panic.
        for cut in 4..full.len() - 1 {
            match bin_err(&full[..cut]) {
                Error::Truncated {
                    format: "word2vec binary",
                    ..
                } => {}
                e => panic!("cut at {cut}: {e:?}"),
            }
        }
        assert!(Embeddings::read_word2vec_binary(&mut &full[..full.len() - 1]).is_ok());
        let nan = binary(&[(b"a", &[1.0, f32::NAN])], true);
        assert!(matches!(bin_err(&nan), Error::NonFinite { .. }));
        let dup = binary(&[(b"a", &[1.0]), (b"a", &[2.0])], true);
        assert!(matches!(bin_err(&dup), Error::DuplicateWord(_)));
        let mut long = b"1 1\n".to_vec();
        long.resize(4 + MAX_WORD_BYTES + 10, b'w');
        assert!(matches!(bin_err(&long), Error::Format { .. }));
    }

    #[test]
    fn huge_headers_do_not_allocate() {
        // 4·10⁹ words of dimension 1000, or one word of dimension 10⁹: the data is tiny, so
        // the readers must fail with Truncated without reserving header-sized memory.
        for header in ["4000000000 1000\n", "1 1000000000\n"] {
            let mut data = header.as_bytes().to_vec();
            data.extend_from_slice(b"w ");
            data.extend_from_slice(&1.0f32.to_le_bytes());
            assert!(
                matches!(bin_err(&data), Error::Truncated { .. }),
                "{header}"
            );
            let text = format!("{header}w 1 2 3\n");
            assert!(
                matches!(
                    text_err(&text),
                    Error::Truncated { .. } | Error::Format { .. }
                ),
                "{header}"
            );
        }
        assert!(matches!(
            text_err("4000000000 1000\nw"),
            Error::Truncated { .. }
        ));
        // N so large that the line-length limit saturates (a fuzzer find: the limit + 1
        // overflowed).
        assert!(matches!(
            text_err("02 999999999999999999"),
            Error::Truncated { .. }
        ));
        assert!(matches!(
            text_err("2 999999999999999999\nw 1\n"),
            Error::Format { line: Some(2), .. }
        ));
    }

    #[test]
    fn unwritable_words_are_rejected_before_writing() {
        for bad in ["a b", "", "tab\there", "new\nline"] {
            let vocab = Vocabulary::from_words(["ok", bad]).unwrap();
            let e = Embeddings::new(vocab, Array2::zeros((2, 1))).unwrap();
            let mut out = Vec::new();
            assert!(matches!(
                e.write_word2vec_text(&mut out),
                Err(Error::Format { .. })
            ));
            assert!(matches!(
                e.write_word2vec_binary(&mut out),
                Err(Error::Format { .. })
            ));
            assert!(out.is_empty());
        }
    }
}
