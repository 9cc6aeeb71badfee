//! Checksummed sections: a writer that appends each section's CRC-32, readers that verify it
//! before anything in the section is interpreted, and a cursor over a verified section.

use std::io::{Read, Write};

use crc32fast::Hasher;

use crate::error::{Error, Result};
use crate::io::read_exact_or_truncated;

/// The format's name in errors.
pub(super) const FORMAT: &str = "skipgram checkpoint";

/// An [`Error::Format`] of this format.
pub(super) fn format_err(message: impl Into<String>) -> Error {
    Error::Format {
        format: FORMAT,
        line: None,
        message: message.into(),
    }
}

/// Bytes read per step, so memory grows only as data arrives.
const CHUNK: usize = 1 << 16;

/// A writer that hashes what passes through; [`end_section`](Self::end_section) appends the
/// CRC-32 of the bytes written since the previous section ended.
pub(super) struct CrcWriter<'a, W: Write> {
    inner: &'a mut W,
    hasher: Hasher,
}

impl<'a, W: Write> CrcWriter<'a, W> {
    pub(super) fn new(inner: &'a mut W) -> Self {
        CrcWriter {
            inner,
            hasher: Hasher::new(),
        }
    }

    /// Writes the section's checksum (little-endian u32) and starts the next section.
    pub(super) fn end_section(&mut self) -> std::io::Result<()> {
        let crc = std::mem::take(&mut self.hasher).finalize();
        self.inner.write_all(&crc.to_le_bytes())
    }
}

impl<W: Write> Write for CrcWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Reads the stored checksum of `section` and compares it with `computed`.
///
/// # Errors
/// [`Error::Truncated`] if it is missing; [`Error::Format`] naming the section if it differs.
pub(super) fn check_crc(r: &mut impl Read, computed: u32, section: &str) -> Result<()> {
    let mut b = [0u8; 4];
    read_exact_or_truncated(r, &mut b, FORMAT, || {
        format!("the checksum of the {section}")
    })?;
    let stored = u32::from_le_bytes(b);
    if stored != computed {
        return Err(format_err(format!(
            "checksum failed in the {section}: stored CRC-32 {stored:#010x}, computed \
             {computed:#010x}; the file is damaged"
        )));
    }
    Ok(())
}

/// Reads a section of `len` bytes and its checksum. Pre-allocates `len` only if `trusted`
/// (checked against the file's length), else grows with the data.
///
/// # Errors
/// [`Error::Truncated`]; [`Error::Format`] if the checksum fails; [`Error::Io`].
pub(super) fn read_section(
    r: &mut impl Read,
    len: usize,
    trusted: bool,
    section: &str,
) -> Result<Vec<u8>> {
    let mut data = Vec::with_capacity(if trusted { len } else { len.min(CHUNK) });
    let mut hasher = Hasher::new();
    let mut chunk = vec![0u8; len.min(CHUNK)];
    let mut remaining = len;
    while remaining > 0 {
        let k = remaining.min(CHUNK);
        read_exact_or_truncated(r, &mut chunk[..k], FORMAT, || {
            format!("the {section} ({remaining} of {len} bytes missing)")
        })?;
        hasher.update(&chunk[..k]);
        data.extend_from_slice(&chunk[..k]);
        remaining -= k;
    }
    check_crc(r, hasher.finalize(), section)?;
    Ok(data)
}

/// Reads `count` little-endian f32 and the section's checksum; only then checks that every
/// value is finite.
///
/// # Errors
/// [`Error::Truncated`]; [`Error::Format`] if the checksum fails; [`Error::NonFinite`].
pub(super) fn read_f32_section(
    r: &mut impl Read,
    count: usize,
    trusted: bool,
    section: &'static str,
) -> Result<Vec<f32>> {
    let mut data = Vec::with_capacity(if trusted { count } else { count.min(CHUNK) });
    let mut hasher = Hasher::new();
    let mut chunk = vec![0u8; count.saturating_mul(4).min(CHUNK)];
    let mut remaining = count;
    while remaining > 0 {
        let k = remaining.min(CHUNK / 4);
        let bytes = &mut chunk[..k * 4];
        read_exact_or_truncated(r, bytes, FORMAT, || {
            format!("{section} ({remaining} of {count} values missing)")
        })?;
        hasher.update(bytes);
        data.extend(
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
        remaining -= k;
    }
    check_crc(r, hasher.finalize(), section)?;
    if !data.iter().all(|x| x.is_finite()) {
        return Err(Error::NonFinite { what: section });
    }
    Ok(data)
}

/// A cursor over the bytes of a verified section. Running out of bytes is a
/// [`Error::Format`]: the checksum passed, so the section's length itself was wrong.
pub(super) struct Fields<'a> {
    data: &'a [u8],
    section: &'static str,
}

impl<'a> Fields<'a> {
    pub(super) fn new(data: &'a [u8], section: &'static str) -> Self {
        Fields { data, section }
    }

    /// Bytes not yet read.
    pub(super) fn remaining(&self) -> usize {
        self.data.len()
    }

    /// A [`Error::Format`] about this section.
    pub(super) fn error(&self, message: String) -> Error {
        format_err(format!("{}: {message}", self.section))
    }

    pub(super) fn take(&mut self, k: usize, what: &str) -> Result<&'a [u8]> {
        if self.data.len() < k {
            return Err(self.error(format!("too short for {what}")));
        }
        let (head, rest) = self.data.split_at(k);
        self.data = rest;
        Ok(head)
    }

    fn array<const K: usize>(&mut self, what: &str) -> Result<[u8; K]> {
        let mut b = [0u8; K];
        b.copy_from_slice(self.take(K, what)?);
        Ok(b)
    }

    pub(super) fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    pub(super) fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    pub(super) fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    pub(super) fn f32(&mut self, what: &str) -> Result<f32> {
        Ok(f32::from_le_bytes(self.array(what)?))
    }

    pub(super) fn f64(&mut self, what: &str) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array(what)?))
    }

    pub(super) fn usize(&mut self, what: &str) -> Result<usize> {
        let x = self.u64(what)?;
        usize::try_from(x).map_err(|_| self.error(format!("{what} = {x} does not fit in memory")))
    }

    pub(super) fn flag(&mut self, what: &str) -> Result<bool> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(self.error(format!("{what} flag must be 0 or 1, found {b}"))),
        }
    }
}
