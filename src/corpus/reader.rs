//! The streaming tokeniser: whitespace-separated tokens from any `BufRead`.

use std::io::BufRead;

/// Tokens longer than this many bytes are skipped.
pub const MAX_TOKEN_BYTES: usize = 4096;

pub(super) const READ_BUFFER: usize = 1 << 20;

/// Reads whitespace-separated tokens from any [`BufRead`], one at a time, without loading
/// the input whole.
///
/// ```
/// use skipgram::TokenReader;
/// let mut r = TokenReader::new("the cat\nsat  down".as_bytes());
/// let mut seen = Vec::new();
/// while let Some(t) = r.next_token()? {
///     seen.push((String::from_utf8_lossy(t.bytes).into_owned(), t.line_start));
/// }
/// assert_eq!(seen[2], ("sat".to_string(), true)); // first token after a newline
/// assert_eq!(seen.len(), 4);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct TokenReader<R> {
    inner: R,
    token: Vec<u8>,
    /// Absolute byte offset of the next unread byte.
    pos: u64,
    /// Stop before a token starting at or after this offset.
    stop_at: Option<u64>,
    newline: bool,
    /// Bytes of the last token lent straight from `inner`'s buffer, not consumed yet.
    pending: usize,
}

/// One token read by [`TokenReader`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawToken<'a> {
    /// The token's bytes (not necessarily UTF-8).
    pub bytes: &'a [u8],
    /// Byte offset of its first byte in the input.
    pub offset: u64,
    /// Whether a newline came between the previous token and this one.
    pub line_start: bool,
}

impl<R: BufRead> TokenReader<R> {
    /// A reader over the whole input.
    pub fn new(inner: R) -> Self {
        Self::at(inner, 0, None)
    }

    pub(super) fn at(inner: R, pos: u64, stop_at: Option<u64>) -> Self {
        TokenReader {
            inner,
            token: Vec::new(),
            pos,
            stop_at,
            newline: false,
            pending: 0,
        }
    }

    /// The next token, or `None` at the end of input (or of the reader's byte range).
    ///
    /// # Errors
    /// Any I/O error of the underlying reader.
    pub fn next_token(&mut self) -> std::io::Result<Option<RawToken<'_>>> {
        self.inner.consume(std::mem::take(&mut self.pending));
        loop {
            // Skip whitespace, remembering newlines.
            loop {
                let buf = self.inner.fill_buf()?;
                if buf.is_empty() {
                    return Ok(None);
                }
                let ws = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
                self.newline |= buf[..ws].contains(&b'\n');
                let more = ws == buf.len();
                self.inner.consume(ws);
                self.pos += ws as u64;
                if !more {
                    break;
                }
            }
            let start = self.pos;
            if self.stop_at.is_some_and(|e| start >= e) {
                return Ok(None);
            }
            // Fast path: the token ends inside the buffer. Lend it from there, uncopied, and
            // consume it at the next call.
            let end = {
                let buf = self.inner.fill_buf()?;
                buf.iter()
                    .position(u8::is_ascii_whitespace)
                    .filter(|&k| k <= MAX_TOKEN_BYTES)
            };
            if let Some(k) = end {
                self.pending = k;
                self.pos += k as u64;
                let line_start = std::mem::take(&mut self.newline);
                // The same buffer again (`BufRead` refills only when it is consumed).
                let buf = self.inner.fill_buf()?;
                return Ok(Some(RawToken {
                    bytes: &buf[..k.min(buf.len())],
                    offset: start,
                    line_start,
                }));
            }
            self.token.clear();
            let mut overlong = false;
            loop {
                let buf = self.inner.fill_buf()?;
                if buf.is_empty() {
                    break;
                }
                let k = buf
                    .iter()
                    .position(u8::is_ascii_whitespace)
                    .unwrap_or(buf.len());
                if self.token.len() + k <= MAX_TOKEN_BYTES {
                    self.token.extend_from_slice(&buf[..k]);
                } else {
                    overlong = true;
                }
                let done = k < buf.len();
                self.inner.consume(k);
                self.pos += k as u64;
                if done {
                    break;
                }
            }
            if overlong {
                continue;
            }
            let line_start = std::mem::take(&mut self.newline);
            return Ok(Some(RawToken {
                bytes: &self.token,
                offset: start,
                line_start,
            }));
        }
    }
}
