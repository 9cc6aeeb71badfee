//! Reading and writing: word2vec text and binary files, training checkpoints.
//!
//! * [`ReadWord2Vec`] / [`WriteWord2Vec`]: the formats of word2vec.c and gensim's
//!   `KeyedVectors.save_word2vec_format`, for [`Embeddings`](crate::Embeddings); the
//!   convenience methods `Embeddings::load_word2vec_text` etc. work on paths.
//! * [`Checkpoint`](checkpoint::Checkpoint): the whole model and its training configuration,
//!   to resume training exactly.
//!
//! * [`Embeddings::load_word2vec`](crate::Embeddings::load_word2vec) and
//!   [`ReadWord2Vec::read_word2vec`] detect the word2vec format (below).
//!
//! # Saving, and temporary files
//!
//! Every save goes through [`write_atomically`]. A path that names a regular file (through
//! any symlinks), or nothing yet, is written to a temporary file next to the final target and
//! renamed over it, so a failed save never leaves a half-written file: a symlink stays and its
//! target is replaced, an existing file keeps its permission bits, a new file gets 0666 less
//! the umask. A device, FIFO or socket (`/dev/null`, `/dev/stdout`) is written in place.
//! [`check_outputs`] tells whether outputs name the same file as inputs or each other.
//!
//! Every temporary file of the crate is named `.PURPOSE.skipgram-tmp-PID-XXXXXX` (PURPOSE:
//! the saved file's name, or `phrased`, `spill`…). A save holds an advisory lock on its file
//! until the rename and removes it on any error or panic ([`remove_temp_files`] removes them
//! from a signal handler); other temporary files ([`unlinked_temp_file`]) are unlinked as soon
//! as they are created. Whenever the crate creates a temporary file in a directory, it first
//! removes the entries of that pattern there, files and directories, whose owner is gone: on
//! Linux at once when the lock is free and process PID no longer exists; where there is no
//! `/proc`, after a minute unmodified; names with no PID after an hour. The temporary files
//! of a running process are never removed.
//!
//! Every error from opening, reading, writing or renaming a file names the file. Every
//! reader validates its input and allocates only as the data actually arrives, so a header
//! claiming 10¹² words cannot exhaust memory.
//!
//! # Telling the formats apart
//!
//! Both formats start with the same header, so the readers look at the bytes after it (up to
//! 64 KiB + 32·N of them, kept and then read again, so nothing is lost on a stream):
//!
//! 1. **Text** if the first line after the header ends in `\n` and, after its first field
//!    (the word), holds only ASCII number tokens (digits, signs, `.`, `e`, `inf`, `nan`):
//!    exactly N that parse, or a wrong count (which the text reader then reports with its
//!    line number) if the line is longer than a binary record's word, space and 4N bytes
//!    (a `\n` byte inside the first binary vector can end a short "line" early).
//! 2. **Binary** otherwise, if the 4N bytes after the first word's space hold a control byte
//!    (below 0x20 other than tab, CR and LF, or 0x7F) anywhere, or a non-ASCII byte before the
//!    first `\n`: text never holds those among the numbers, while the f32 of real vectors
//!    almost always do (0.0 is four 0x00 bytes; every negative value has a byte ≥ 0x80).
//! 3. **Ambiguous** if both could be true: the word is followed by one space and exactly 4N
//!    bytes of ASCII number tokens and then `\n` (possible for N = 1, e.g. the f32 whose bytes
//!    are `1234`), or if nothing above decides; rule 4 then looks further. For N = 1 the formats can be truly
//!    indistinguishable (a binary vector whose bytes are `7\n` and two more reads as the
//!    text line `w 7`); for N ≥ 2 a real file of either kind is practically never
//!    misjudged.
//! 4. **By structure** if the first record leaves it ambiguous: the bytes looked at are read
//!    as V text lines (a word and N finite numbers each) and as V binary records (a word
//!    without whitespace, a space, 4N bytes of finite f32), each followed by nothing but
//!    whitespace; if exactly one reading holds, that is the format. This decides, for
//!    example, a binary file of N = 1 whose first vector starts with the byte `\n` (its
//!    first "line" is the word alone, which text cannot be).
//!
//! [`ReadWord2Vec::read_word2vec`] reads cases 1 and 2 as decided and the ambiguous cases
//! as text; if that fails, its [`Error::Format`] says the format could not be told and
//! names the binary reader. The forced readers refuse the other format's clear cases with
//! an [`Error::Format`] that says which format the data looks like (the binary reader used
//! to read a text file as garbage floats without complaint); ambiguous data is read as
//! asked.

mod atomic;
pub mod checkpoint;
mod counts;
pub mod fasttext;
mod paths;
#[allow(unsafe_code)] // madvise: see the SAFETY comment in the module.
mod prefault;
mod read_ahead;
mod word2vec;

pub use atomic::{remove_temp_files, unlinked_temp_file, write_atomically};
pub use paths::check_outputs;
pub(crate) use read_ahead::ReadAhead;
pub use word2vec::{ReadWord2Vec, WriteWord2Vec, MAX_WORD_BYTES};

use std::io::{BufRead, Read};

use crate::error::{Error, Result};

/// A reader that counts the bytes consumed, for error offsets.
pub(crate) struct Tracked<R> {
    inner: R,
    pos: u64,
}

impl<R> Tracked<R> {
    pub(crate) fn new(inner: R) -> Self {
        Tracked { inner, pos: 0 }
    }

    /// Bytes consumed so far.
    pub(crate) fn pos(&self) -> u64 {
        self.pos
    }
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Tracked<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.pos += amt as u64;
        self.inner.consume(amt);
    }
}

/// `read_exact`, with end of input reported as [`Error::Truncated`] naming `what`.
pub(crate) fn read_exact_or_truncated(
    r: &mut impl Read,
    buf: &mut [u8],
    format: &'static str,
    what: impl FnOnce() -> String,
) -> Result<()> {
    r.read_exact(buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::Truncated {
                format,
                message: format!("the data ends inside {}", what()),
            }
        } else {
            Error::from(e)
        }
    })
}

/// Reads into `buf` until it is full or the input ends; returns the bytes read (fewer than
/// `buf.len()` only at the end of the input), so that a truncation can say how much was
/// there.
pub(crate) fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Reads `count` little-endian f32 values into `out`, in chunks, so memory grows only as
/// data arrives (`count` may come from an untrusted header).
///
/// # Errors
/// [`Error::Truncated`] if the input ends first; [`Error::NonFinite`] for NaN or infinity.
pub(crate) fn read_f32s(
    r: &mut impl Read,
    count: usize,
    out: &mut Vec<f32>,
    format: &'static str,
    what: &'static str,
) -> Result<()> {
    const CHUNK: usize = 1 << 13;
    let mut chunk = [0u8; CHUNK];
    let mut remaining = count;
    while remaining > 0 {
        let floats = remaining.min(CHUNK / 4);
        let bytes = &mut chunk[..floats * 4];
        let got = read_up_to(r, bytes)?;
        if got < bytes.len() {
            return Err(Error::Truncated {
                format,
                message: format!(
                    "the data ends inside {what} ({} of {count} values missing)",
                    remaining - got / 4
                ),
            });
        }
        for b in bytes.chunks_exact(4) {
            let x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            if !x.is_finite() {
                return Err(Error::NonFinite { what });
            }
            out.push(x);
        }
        remaining -= floats;
    }
    Ok(())
}

/// Decodes a word starting at byte `offset`: strictly ([`Error::InvalidUtf8`]) or with U+FFFD
/// replacement.
pub(crate) fn decode_word(bytes: &[u8], lossy: bool, offset: u64) -> Result<String> {
    if lossy {
        Ok(String::from_utf8_lossy(bytes).into_owned())
    } else {
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| Error::InvalidUtf8 { offset, path: None })
    }
}

pub(crate) use crate::error::quote;

/// Adds `path` to an error that has none ([`Error::InvalidUtf8`], [`Error::Io`]).
pub(crate) fn with_path(e: Error, path: &std::path::Path) -> Error {
    e.at_path(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn quote_escapes_and_cuts() {
        use super::quote;
        assert_eq!(quote(b"ab"), r#""ab""#);
        assert_eq!(quote("日本\"".as_bytes()), r#""日本\"""#);
        assert_eq!(quote(b"\x1b[2J\x00\xff\n"), r#""\u{1b}[2J\0\xff\n""#);
        let long = quote(&[b'z'; 100]);
        assert_eq!(long, format!("\"{}\"…", "z".repeat(40)));
    }
}
