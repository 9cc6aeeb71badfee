//! The corpus encoded to word ids once, so that epochs after the first skip tokenising and
//! hash lookups.
//!
//! During a call's first epoch each worker records the ids of the in-vocabulary tokens of its
//! byte range, with a marker where a line starts; later epochs of the same call replay them.
//! Replay yields exactly the events the text would (same words, same sentence breaks), so
//! random streams and results are unchanged. Ids are stored as variable-length integers
//! (about 1.6 bytes per token on English text, where ids are sorted by count, against 4 for
//! a `u32`), with the position of every 4,096th kept so that a range of positions can be
//! replayed on its own. The recording stays in memory while it fits
//! the worker's share of [`TrainConfig::encoded_corpus_memory`](super::TrainConfig); beyond
//! that it spills to an anonymous temporary file in [`std::env::temp_dir`] (`TMPDIR`),
//! unlinked on creation (see [`crate::io::unlinked_temp_file`]), so nothing is left behind
//! even after a crash; later epochs read it sequentially through a buffer, from the operating
//! system's page cache when it fits there. Sequential reads need no memory map and no
//! `unsafe`. A budget of 0 turns recording off.
//!
//! If the spill cannot be created or written (a full `TMPDIR`), the recording is dropped,
//! its space freed, and later epochs read the text again: a spill is only a speed-up.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// Where a line (sentence) starts. Word ids are below V ≤ 2³² − 1, so never this value.
pub(crate) const LINE_START: u32 = u32::MAX;

/// Recorded ids per entry of a recording's position index.
const INDEX_EVERY: u64 = 4096;

/// Writes `id` as a variable-length integer (LEB128, 7 bits per byte, low bits first) of
/// `id + 1` modulo 2³², so that [`LINE_START`] takes one byte, like the 127 most frequent
/// words (ids are sorted by count); ids below 16,383 take two bytes. Returns the length.
#[inline]
fn encode(id: u32, buf: &mut [u8; 5]) -> usize {
    let mut v = id.wrapping_add(1);
    let mut n = 0;
    while v >= 0x80 {
        buf[n] = (v as u8) | 0x80;
        v >>= 7;
        n += 1;
    }
    buf[n] = v as u8;
    n + 1
}

/// Reads [`encode`]'s bytes one at a time.
#[derive(Default)]
struct Decoder {
    acc: u32,
    shift: u32,
}

impl Decoder {
    /// Takes one byte; returns the id it completes, if it completes one.
    #[inline]
    fn feed(&mut self, b: u8) -> Option<u32> {
        if self.shift < 32 {
            self.acc |= u32::from(b & 0x7f) << self.shift;
        }
        if b & 0x80 != 0 {
            self.shift = self.shift.saturating_add(7);
            return None;
        }
        let id = self.acc.wrapping_sub(1);
        *self = Decoder::default();
        Some(id)
    }
}

/// One worker's recorded byte range: the ids, [`encode`]d, and where every
/// [`INDEX_EVERY`]-th of them starts.
pub(crate) struct Recording {
    bytes: Bytes,
    /// `index[k]` is the byte offset of id k·[`INDEX_EVERY`].
    index: Vec<u64>,
    /// The number of ids.
    count: u64,
}

/// Where a recording's bytes are.
enum Bytes {
    Memory(Vec<u8>),
    File(File),
}

/// Records ids in memory up to `budget` bytes, then in a temporary file in `dir`.
pub(crate) struct Recorder {
    memory: Vec<u8>,
    budget: usize,
    file: Option<BufWriter<File>>,
    dir: PathBuf,
    index: Vec<u64>,
    count: u64,
    /// Bytes recorded so far (in memory or in the file).
    len: u64,
}

impl Recorder {
    /// A recorder keeping at most `budget_bytes` in memory, spilling into `dir`.
    pub(crate) fn new(budget_bytes: usize, dir: PathBuf) -> Self {
        Recorder {
            memory: Vec::new(),
            budget: budget_bytes,
            file: None,
            dir,
            index: Vec::new(),
            count: 0,
            len: 0,
        }
    }

    /// Appends one id (or [`LINE_START`]).
    ///
    /// # Errors
    /// [`Error::Io`] naming the spill's directory if the spill cannot be created or written.
    #[inline]
    pub(crate) fn push(&mut self, id: u32) -> Result<()> {
        if self.count.is_multiple_of(INDEX_EVERY) {
            self.index.push(self.len);
        }
        let mut buf = [0u8; 5];
        let n = encode(id, &mut buf);
        let bytes = &buf[..n];
        if let Some(f) = &mut self.file {
            f.write_all(bytes).map_err(|e| Error::io_at(&self.dir, e))?;
        } else if self.memory.len() + n <= self.budget && self.memory.try_reserve(n).is_ok() {
            self.memory.extend_from_slice(bytes);
        } else {
            self.spill(bytes)?;
        }
        self.len += n as u64;
        self.count += 1;
        Ok(())
    }

    /// Over budget: moves what is held, and `bytes`, to an anonymous temporary file.
    #[cold]
    fn spill(&mut self, bytes: &[u8]) -> Result<()> {
        let file = crate::io::unlinked_temp_file(&self.dir, "spill")?;
        let mut f = BufWriter::with_capacity(1 << 20, file);
        let io = |e| Error::io_at(&self.dir, e);
        f.write_all(&self.memory).map_err(io)?;
        self.memory = Vec::new();
        f.write_all(bytes).map_err(io)?;
        self.file = Some(f);
        Ok(())
    }

    /// The finished recording.
    ///
    /// # Errors
    /// [`Error::Io`] naming the spill's directory if the last buffered ids cannot be written.
    pub(crate) fn finish(mut self) -> Result<Recording> {
        let bytes = match self.file {
            Some(f) => Bytes::File(
                f.into_inner()
                    .map_err(|e| Error::io_at(&self.dir, std::io::IntoInnerError::into_error(e)))?,
            ),
            None => {
                // Growth by doubling left up to half the capacity unused.
                self.memory.shrink_to_fit();
                Bytes::Memory(self.memory)
            }
        };
        Ok(Recording {
            bytes,
            index: self.index,
            count: self.count,
        })
    }
}

impl Recording {
    /// The number of recorded ids (words and [`LINE_START`] markers).
    pub(crate) fn len(&self) -> u64 {
        self.count
    }

    /// Calls `f` with the recorded ids at positions `range` (clamped to the recording), in
    /// order, until it breaks.
    pub(crate) fn replay_range(
        &self,
        range: std::ops::Range<u64>,
        f: impl FnMut(u32) -> ControlFlow<()>,
    ) -> std::io::Result<()> {
        let end = range.end.min(self.count);
        if range.start >= end {
            return Ok(());
        }
        let block = range.start / INDEX_EVERY;
        let first = block * INDEX_EVERY;
        let Some(&offset) = usize::try_from(block).ok().and_then(|k| self.index.get(k)) else {
            return Ok(());
        };
        self.decode(offset, range.start - first, end - first, f)
    }

    /// Calls `f` with every recorded id in order, until it breaks.
    pub(crate) fn replay(&self, f: impl FnMut(u32) -> ControlFlow<()>) -> std::io::Result<()> {
        self.decode(0, 0, self.count, f)
    }

    /// Decodes from byte `offset`, an id's start; of the ids from there, skips the first
    /// `skip` and calls `f` with the others before the `end`-th, until it breaks.
    fn decode(
        &self,
        offset: u64,
        skip: u64,
        end: u64,
        mut f: impl FnMut(u32) -> ControlFlow<()>,
    ) -> std::io::Result<()> {
        let mut d = Decoder::default();
        let mut seen = 0u64;
        // Feeds one chunk of bytes; `true` once done.
        let mut chunk = |bytes: &[u8]| -> bool {
            for &b in bytes {
                if let Some(id) = d.feed(b) {
                    seen += 1;
                    if seen > skip && f(id).is_break() || seen >= end {
                        return true;
                    }
                }
            }
            false
        };
        match &self.bytes {
            Bytes::Memory(bytes) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX);
                chunk(bytes.get(start..).unwrap_or_default());
            }
            Bytes::File(file) => {
                let mut file = file;
                file.seek(SeekFrom::Start(offset))?;
                let mut r = BufReader::with_capacity(1 << 20, file);
                let mut buf = vec![0u8; 1 << 16];
                loop {
                    let n = read_full(&mut r, &mut buf)?;
                    if chunk(&buf[..n]) || n < buf.len() {
                        break;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replayed(rec: &Recording) -> Vec<u32> {
        let mut out = Vec::new();
        rec.replay(|x| {
            out.push(x);
            ControlFlow::Continue(())
        })
        .unwrap();
        out
    }

    /// Ids of every encoded length (1 to 5 bytes), line starts and frequent ids.
    fn sample_ids() -> Vec<u32> {
        (0..100_000u32)
            .map(|i| match i % 11 {
                0 => LINE_START,
                1 => u32::MAX - 1 - i,
                2 => i.wrapping_mul(2654435761) >> (i % 32),
                3..=6 => i % 127,
                _ => i.wrapping_mul(2654435761) % 5000,
            })
            .collect()
    }

    fn encoded_len(ids: &[u32]) -> usize {
        ids.iter().map(|&x| encode(x, &mut [0; 5])).sum()
    }

    #[test]
    fn line_starts_and_the_127_most_frequent_words_take_one_byte() {
        let one: Vec<u32> = (0..127).chain([LINE_START]).collect();
        assert_eq!(encoded_len(&one), one.len());
        assert_eq!(encoded_len(&[127, 16_382]), 4);
        assert_eq!(encoded_len(&[16_383, u32::MAX - 1]), 3 + 5);
    }

    #[test]
    fn memory_and_spilled_recordings_replay_the_same_ids() {
        let ids = sample_ids();
        let size = encoded_len(&ids);
        assert!(size < 3 * ids.len(), "{size} bytes for {} ids", ids.len());
        for budget in [usize::MAX, size, size - 1, 40, 0] {
            let mut r = Recorder::new(budget, std::env::temp_dir());
            for &x in &ids {
                r.push(x).unwrap();
            }
            let rec = r.finish().unwrap();
            match &rec.bytes {
                Bytes::Memory(b) => {
                    assert!(budget >= size, "budget {budget}");
                    assert_eq!(b.len(), size);
                }
                Bytes::File(f) => {
                    assert!(budget < size, "budget {budget}");
                    assert_eq!(f.metadata().unwrap().len(), size as u64);
                }
            }
            assert_eq!(replayed(&rec), ids, "budget {budget}");
            // Replayed twice (two later epochs), and stopped early.
            assert_eq!(replayed(&rec), ids);
            let mut seen = 0;
            rec.replay(|_| {
                seen += 1;
                if seen == 7 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap();
            assert_eq!(seen, 7);
            // Any range replays the same ids as a slice, clamped to the recording, whether
            // it starts or ends on a position of the index or between two.
            assert_eq!(rec.len(), ids.len() as u64);
            for (a, b) in [
                (0, 0),
                (0, 5),
                (7, 3),
                (4095, 4097),
                (4096, 8192),
                (16_383, 16_385),
                (16_384, 32_768),
                (99_990, 100_000),
                (99_999, 200_000),
                (100_000, 100_001),
                (300_000, 400_000),
            ] {
                let mut out = Vec::new();
                rec.replay_range(a..b, |x| {
                    out.push(x);
                    ControlFlow::Continue(())
                })
                .unwrap();
                let b = (b as usize).min(ids.len());
                let a = (a as usize).min(b);
                assert_eq!(out, ids[a..b], "{a}..{b}, budget {budget}");
            }
        }
    }

    /// A spill that cannot be made is an error that names where it was to go.
    #[test]
    fn spill_errors_name_the_directory() {
        let missing = std::env::temp_dir().join("skipgram-no-such-dir/for-the-spill");
        let mut r = Recorder::new(2, missing.clone());
        r.push(1).unwrap();
        r.push(2).unwrap();
        match r.push(3) {
            Err(Error::Io { path: Some(p), .. }) => assert_eq!(p, missing),
            other => panic!("{other:?}"),
        }
    }
}
