//! Reading and writing: word2vec text and binary files, training checkpoints.
//!
//! * [`ReadWord2Vec`] / [`WriteWord2Vec`]: the formats of word2vec.c and gensim's
//!   `KeyedVectors.save_word2vec_format`, for [`Embeddings`](crate::Embeddings); the
//!   convenience methods `Embeddings::load_word2vec_text` etc. work on paths.
//! * [`Checkpoint`](checkpoint::Checkpoint): the whole model and its training configuration,
//!   to resume training exactly.
//!
//! Every save to a path writes a temporary file next to the target and renames it into place,
//! so a failed save never leaves a half-written file. Every reader validates its input and
//! allocates only as the data actually arrives, so a header claiming 10¹² words cannot
//! exhaust memory.

mod atomic;
pub mod checkpoint;
mod word2vec;

pub(crate) use atomic::write_atomically;
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
        read_exact_or_truncated(r, bytes, format, || {
            format!("{what} ({} of {count} values missing)", remaining)
        })?;
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

/// `bytes` quoted for an error message: at most 40 bytes (then `…`), invalid UTF-8 replaced
/// by U+FFFD and control characters escaped, so raw binary data never reaches a message.
pub(crate) fn quote(bytes: &[u8]) -> String {
    const MAX: usize = 40;
    let shown = &bytes[..bytes.len().min(MAX)];
    let mut q = format!("{:?}", String::from_utf8_lossy(shown));
    if bytes.len() > MAX {
        q.push('…');
    }
    q
}

/// Adds `path` to an error that has none ([`Error::InvalidUtf8`], [`Error::Io`]).
pub(crate) fn with_path(e: Error, path: &std::path::Path) -> Error {
    e.at_path(path)
}
