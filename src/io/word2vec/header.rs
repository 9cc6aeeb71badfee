//! The word2vec formats' names, limits and header line `V N`: the leaf that detection and
//! the readers share.

use std::io::{BufRead, Read};

use crate::error::{Error, Result};
use crate::io::quote;

/// Longest word (in bytes) the readers accept and the writers write: 1 MiB.
pub const MAX_WORD_BYTES: usize = 1 << 20;

/// Longest header line `V N` accepted, in bytes.
pub(super) const MAX_HEADER_BYTES: usize = 1024;

pub(super) const TEXT: &str = "word2vec text";
pub(super) const BINARY: &str = "word2vec binary";
/// The format name in errors when the format is detected.
pub(super) const AUTO: &str = "word2vec";

/// How a line read by [`read_line`] ended.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Line {
    /// No bytes: end of input.
    Eof,
    /// Ended with `\n` (removed).
    Complete,
    /// Ended at end of input without `\n`.
    Unterminated,
}

/// Reads one line of at most `limit` bytes (without the `\n`) into `buf`.
pub(super) fn read_line(
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
pub(super) fn read_header(
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
    let fields: Vec<&[u8]> = buf
        .split(u8::is_ascii_whitespace)
        .filter(|f| !f.is_empty())
        .collect();
    let [v, n] = fields[..] else {
        return Err(bad(format!(
            "the header must be two integers \"V N\", found {}",
            quote(buf.trim_ascii_end())
        )));
    };
    let parse = |s: &[u8], what: &str| {
        std::str::from_utf8(s)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| {
                bad(format!(
                    "{what} in the header is not an integer: {}",
                    quote(s)
                ))
            })
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
