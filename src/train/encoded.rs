//! The corpus encoded to word ids once, so that epochs after the first skip tokenising and
//! hash lookups.
//!
//! During a call's first epoch each worker records the ids of the in-vocabulary tokens of its
//! byte range, with a marker where a line starts; later epochs of the same call replay them.
//! Replay yields exactly the events the text would (same words, same sentence breaks), so
//! random streams and results are unchanged. The recording stays in memory while it fits
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

/// One worker's recorded byte range.
pub(crate) enum Recording {
    Memory(Vec<u32>),
    File(File),
}

/// Records ids in memory up to `budget` of them, then in a temporary file in `dir`.
pub(crate) struct Recorder {
    memory: Vec<u32>,
    budget: usize,
    file: Option<BufWriter<File>>,
    dir: PathBuf,
}

impl Recorder {
    /// A recorder keeping at most `budget_bytes` in memory, spilling into `dir`.
    pub(crate) fn new(budget_bytes: usize, dir: PathBuf) -> Self {
        Recorder {
            memory: Vec::new(),
            budget: budget_bytes / 4,
            file: None,
            dir,
        }
    }

    /// Appends one id (or [`LINE_START`]).
    ///
    /// # Errors
    /// [`Error::Io`] naming the spill's directory if the spill cannot be created or written.
    #[inline]
    pub(crate) fn push(&mut self, id: u32) -> Result<()> {
        if let Some(f) = &mut self.file {
            return f
                .write_all(&id.to_le_bytes())
                .map_err(|e| Error::io_at(&self.dir, e));
        }
        if self.memory.len() < self.budget && self.memory.try_reserve(1).is_ok() {
            self.memory.push(id);
            return Ok(());
        }
        self.spill(id)
    }

    /// Over budget: moves what is held, and `id`, to an anonymous temporary file.
    #[cold]
    fn spill(&mut self, id: u32) -> Result<()> {
        let file = crate::io::unlinked_temp_file(&self.dir, "spill")?;
        let mut f = BufWriter::with_capacity(1 << 20, file);
        let io = |e| Error::io_at(&self.dir, e);
        for x in self.memory.drain(..) {
            f.write_all(&x.to_le_bytes()).map_err(io)?;
        }
        self.memory = Vec::new();
        f.write_all(&id.to_le_bytes()).map_err(io)?;
        self.file = Some(f);
        Ok(())
    }

    /// The finished recording.
    ///
    /// # Errors
    /// [`Error::Io`] naming the spill's directory if the last buffered ids cannot be written.
    pub(crate) fn finish(self) -> Result<Recording> {
        match self.file {
            Some(f) => Ok(Recording::File(f.into_inner().map_err(|e| {
                Error::io_at(&self.dir, std::io::IntoInnerError::into_error(e))
            })?)),
            None => Ok(Recording::Memory(self.memory)),
        }
    }
}

impl Recording {
    /// The number of recorded ids (words and [`LINE_START`] markers).
    pub(crate) fn len(&self) -> std::io::Result<u64> {
        Ok(match self {
            Recording::Memory(ids) => ids.len() as u64,
            Recording::File(file) => file.metadata()?.len() / 4,
        })
    }

    /// Calls `f` with the recorded ids at positions `range` (clamped to the recording), in
    /// order, until it breaks.
    pub(crate) fn replay_range(
        &self,
        range: std::ops::Range<u64>,
        mut f: impl FnMut(u32) -> ControlFlow<()>,
    ) -> std::io::Result<()> {
        match self {
            Recording::Memory(ids) => {
                let end = usize::try_from(range.end)
                    .unwrap_or(usize::MAX)
                    .min(ids.len());
                let start = usize::try_from(range.start).unwrap_or(usize::MAX).min(end);
                for &id in &ids[start..end] {
                    if f(id).is_break() {
                        break;
                    }
                }
            }
            Recording::File(file) => {
                let mut file = file;
                let end = range.end.min(file.metadata()?.len() / 4);
                let mut left = end.saturating_sub(range.start);
                file.seek(SeekFrom::Start(range.start.saturating_mul(4)))?;
                let mut r = BufReader::with_capacity(1 << 16, file);
                let mut buf = vec![0u8; 1 << 16];
                while left > 0 {
                    let want = (buf.len() as u64).min(left.saturating_mul(4)) as usize;
                    let n = read_full(&mut r, &mut buf[..want])?;
                    for b in buf[..n - n % 4].chunks_exact(4) {
                        if f(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).is_break() {
                            return Ok(());
                        }
                    }
                    left -= (n / 4) as u64;
                    if n < want {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// Calls `f` with every recorded id in order, until it breaks.
    pub(crate) fn replay(&self, mut f: impl FnMut(u32) -> ControlFlow<()>) -> std::io::Result<()> {
        match self {
            Recording::Memory(ids) => {
                for &id in ids {
                    if f(id).is_break() {
                        break;
                    }
                }
            }
            Recording::File(file) => {
                let mut file = file;
                file.seek(SeekFrom::Start(0))?;
                let mut r = BufReader::with_capacity(1 << 20, file);
                let mut buf = vec![0u8; 1 << 16];
                'outer: loop {
                    let n = read_full(&mut r, &mut buf)?;
                    for b in buf[..n - n % 4].chunks_exact(4) {
                        if f(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).is_break() {
                            break 'outer;
                        }
                    }
                    if n < buf.len() {
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

    #[test]
    fn memory_and_spilled_recordings_replay_the_same_ids() {
        let ids: Vec<u32> = (0..100_000u32)
            .map(|i| i.wrapping_mul(2654435761) % 5000)
            .collect();
        for budget in [usize::MAX, 400_000, 40, 0] {
            let mut r = Recorder::new(budget, std::env::temp_dir());
            for &x in &ids {
                r.push(x).unwrap();
            }
            let rec = r.finish().unwrap();
            assert_eq!(
                matches!(rec, Recording::File(_)),
                budget < 400_000,
                "budget {budget}"
            );
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
            // Any range replays the same ids as a slice, clamped to the recording.
            assert_eq!(rec.len().unwrap(), ids.len() as u64);
            for (a, b) in [
                (0, 0),
                (0, 5),
                (16_383, 16_385),
                (99_990, 100_000),
                (99_999, 200_000),
            ] {
                let mut out = Vec::new();
                rec.replay_range(a..b, |x| {
                    out.push(x);
                    ControlFlow::Continue(())
                })
                .unwrap();
                let (a, b) = (a as usize, (b as usize).min(ids.len()));
                assert_eq!(out, ids[a..b], "{a}..{b}, budget {budget}");
            }
        }
    }

    /// A spill that cannot be made is an error that names where it was to go.
    #[test]
    fn spill_errors_name_the_directory() {
        let missing = std::env::temp_dir().join("skipgram-no-such-dir/for-the-spill");
        let mut r = Recorder::new(8, missing.clone());
        r.push(1).unwrap();
        r.push(2).unwrap();
        match r.push(3) {
            Err(Error::Io { path: Some(p), .. }) => assert_eq!(p, missing),
            other => panic!("{other:?}"),
        }
    }
}
