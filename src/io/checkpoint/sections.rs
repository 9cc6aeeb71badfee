//! Checksummed sections: a writer that appends each section's CRC-32, readers that verify it
//! before anything in the section is interpreted, and a cursor over a verified section.

use std::io::{Read, Write};

use crc32fast::Hasher;

use crate::error::{Error, Result};
use crate::io::{read_exact_or_truncated, read_up_to};

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

/// The running checksum of a file's sections. In a chained file (version 3) each section's
/// CRC-32 covers the bytes of that section and of every section before it (the stored
/// checksums left out: a CRC-32 followed by its own message's CRC always leaves the same
/// state, which would make the chain forget), so a section taken from another checkpoint
/// fails its checksum even where it is valid on its own; in version 2 each section's CRC-32
/// covers that section alone.
#[derive(Clone)]
pub(super) struct Chain {
    hasher: Hasher,
    chained: bool,
}

impl Chain {
    pub(super) fn new(chained: bool) -> Self {
        Chain {
            hasher: Hasher::new(),
            chained,
        }
    }

    /// Adds bytes of the current section.
    pub(super) fn update(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
    }

    /// The current section's checksum; then starts the next section.
    fn end(&mut self) -> u32 {
        let crc = self.hasher.clone().finalize();
        if !self.chained {
            self.hasher = Hasher::new();
        }
        crc
    }
}

/// A writer that hashes what passes through; [`end_section`](Self::end_section) appends the
/// section's checksum, chained as [`Chain`] describes.
pub(super) struct CrcWriter<'a, W: Write> {
    inner: &'a mut W,
    chain: Chain,
}

impl<'a, W: Write> CrcWriter<'a, W> {
    pub(super) fn new(inner: &'a mut W) -> Self {
        CrcWriter {
            inner,
            chain: Chain::new(true),
        }
    }

    /// Writes the section's checksum (little-endian u32) and starts the next section.
    pub(super) fn end_section(&mut self) -> std::io::Result<()> {
        let crc = self.chain.end();
        self.inner.write_all(&crc.to_le_bytes())
    }
}

impl<W: Write> Write for CrcWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.chain.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Reads the stored checksum of `section` and compares it with the chain's; then starts the
/// chain's next section.
///
/// # Errors
/// [`Error::Truncated`] if it is missing; [`Error::Format`] naming the section if it differs.
pub(super) fn check_crc(r: &mut impl Read, chain: &mut Chain, section: &str) -> Result<()> {
    let mut b = [0u8; 4];
    read_exact_or_truncated(r, &mut b, FORMAT, || {
        format!("the checksum of the {section}")
    })?;
    let chained = chain.chained;
    let computed = chain.end();
    let stored = u32::from_le_bytes(b);
    if stored != computed {
        let why = if chained {
            "the file is damaged, or its sections come from different checkpoints"
        } else {
            "the file is damaged"
        };
        return Err(format_err(format!(
            "checksum failed in the {section}: stored CRC-32 {stored:#010x}, computed \
             {computed:#010x}; {why}"
        )));
    }
    Ok(())
}

/// Reads exactly `buf.len()` bytes of `section`; at the end of the input, an
/// [`Error::Truncated`] that counts the bytes of the section actually present, of `len`,
/// `before` of them read already.
fn read_part(
    r: &mut impl Read,
    buf: &mut [u8],
    section: &str,
    before: usize,
    len: usize,
    unit: (usize, &str),
) -> Result<()> {
    let got = read_up_to(r, buf)?;
    if got < buf.len() {
        let (size, name) = unit;
        let present = (before + got) / size;
        return Err(Error::Truncated {
            format: FORMAT,
            message: format!(
                "the data ends inside {section} ({} of {} {name} missing)",
                len / size - present,
                len / size
            ),
        });
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
    chain: &mut Chain,
    len: usize,
    trusted: bool,
    section: &str,
) -> Result<Vec<u8>> {
    let mut data = Vec::with_capacity(if trusted { len } else { len.min(CHUNK) });
    let mut chunk = vec![0u8; len.min(CHUNK)];
    let mut remaining = len;
    while remaining > 0 {
        let k = remaining.min(CHUNK);
        let the = format!("the {section}");
        read_part(r, &mut chunk[..k], &the, len - remaining, len, (1, "bytes"))?;
        chain.update(&chunk[..k]);
        data.extend_from_slice(&chunk[..k]);
        remaining -= k;
    }
    check_crc(r, chain, section)?;
    Ok(data)
}

/// Reads `count` little-endian f32 and the section's checksum; only then checks that every
/// value is finite.
///
/// # Errors
/// [`Error::Truncated`]; [`Error::Format`] if the checksum fails; [`Error::NonFinite`].
pub(super) fn read_f32_section(
    r: &mut impl Read,
    chain: &mut Chain,
    count: usize,
    trusted: bool,
    section: &'static str,
) -> Result<Vec<f32>> {
    let mut data = Vec::with_capacity(if trusted { count } else { count.min(CHUNK) });
    let mut chunk = vec![0u8; count.saturating_mul(4).min(CHUNK)];
    let mut remaining = count;
    while remaining > 0 {
        let k = remaining.min(CHUNK / 4);
        let bytes = &mut chunk[..k * 4];
        let before = (count - remaining) * 4;
        read_part(r, bytes, section, before, count * 4, (4, "values"))?;
        chain.update(bytes);
        data.extend(
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
        remaining -= k;
    }
    check_crc(r, chain, section)?;
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
