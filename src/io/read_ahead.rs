//! A buffered reader whose reads run on a thread of their own, so that copying a file out of
//! the kernel overlaps with parsing it: loading a large word2vec file then takes about as
//! long as the slower of the two instead of their sum.

use std::io::{BufRead, Read};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Bytes per chunk handed from the reading thread to the parser, at most.
pub(crate) const CHUNK_BYTES: usize = 1 << 20;

/// Chunks in flight at once (read ahead, being parsed, being returned): the memory used is
/// this many times [`CHUNK_BYTES`].
const CHUNKS: usize = 3;

/// A [`BufRead`] over `R` read by a background thread in chunks of at most
/// [`CHUNK_BYTES`], at most [`CHUNKS`] chunks (3 MiB) in memory. Errors of the inner reader are returned in order,
/// after the bytes read before them. Dropping it stops and joins the thread.
pub(crate) struct ReadAhead {
    full: Option<Receiver<std::io::Result<Vec<u8>>>>,
    empty: Option<SyncSender<Vec<u8>>>,
    current: Vec<u8>,
    pos: usize,
    done: bool,
    /// The reading thread could not be started.
    no_thread: bool,
    thread: Option<JoinHandle<()>>,
}

impl ReadAhead {
    /// Starts reading `inner`, of `len` bytes if known, on a new thread, in chunks no
    /// larger than the input needs (so a small file costs little memory). If no thread can
    /// be started, reading fails with an [`std::io::Error`] saying so (never a silently
    /// empty input).
    pub(crate) fn new<R: Read + Send + 'static>(inner: R, len: Option<u64>) -> Self {
        let chunk = len.map_or(CHUNK_BYTES, |l| {
            usize::try_from(l.saturating_add(1))
                .unwrap_or(CHUNK_BYTES)
                .clamp(4096, CHUNK_BYTES)
        });
        Self::with_chunk(inner, chunk)
    }

    fn with_chunk<R: Read + Send + 'static>(mut inner: R, chunk: usize) -> Self {
        let (full_tx, full_rx) = sync_channel::<std::io::Result<Vec<u8>>>(CHUNKS - 1);
        let (empty_tx, empty_rx) = sync_channel::<Vec<u8>>(CHUNKS);
        for _ in 0..CHUNKS - 1 {
            // Cannot fail: the channel has room for CHUNKS buffers and its receiver lives.
            let _ = empty_tx.send(Vec::new());
        }
        let read = move || {
            while let Ok(mut buf) = empty_rx.recv() {
                buf.resize(chunk, 0);
                let mut len = 0;
                // Fill the whole chunk (short reads are common on pipes).
                let result = loop {
                    match inner.read(&mut buf[len..]) {
                        Ok(0) => break Ok(()),
                        Ok(k) => {
                            len += k;
                            if len == chunk {
                                break Ok(());
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => break Err(e),
                    }
                };
                buf.truncate(len);
                let end = len < chunk || result.is_err();
                if len > 0 && full_tx.send(Ok(buf)).is_err() {
                    return;
                }
                if let Err(e) = result {
                    let _ = full_tx.send(Err(e));
                }
                if end {
                    // Dropping the sender tells the parser the input has ended.
                    return;
                }
            }
        };
        let thread = std::thread::Builder::new()
            .name("skipgram-read-ahead".into())
            .spawn(read)
            .ok();
        ReadAhead {
            full: Some(full_rx),
            empty: Some(empty_tx),
            current: Vec::new(),
            pos: 0,
            done: false,
            no_thread: thread.is_none(),
            thread,
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let buf = self.fill_buf()?;
        let k = buf.len().min(out.len());
        out[..k].copy_from_slice(&buf[..k]);
        self.consume(k);
        Ok(k)
    }
}

impl BufRead for ReadAhead {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.no_thread {
            return Err(std::io::Error::other(
                "could not start a thread to read the file",
            ));
        }
        while self.pos == self.current.len() && !self.done {
            let next = self.full.as_ref().and_then(|rx| rx.recv().ok());
            match next {
                Some(Ok(buf)) => {
                    let old = std::mem::replace(&mut self.current, buf);
                    self.pos = 0;
                    // The reader may have stopped already; the buffer is then dropped.
                    if let Some(tx) = &self.empty {
                        let _ = tx.try_send(old);
                    }
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                None => self.done = true,
            }
        }
        Ok(&self.current[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.current.len());
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        // Closing both channels makes the thread's next send or wait for a buffer fail; it
        // then returns (a read in progress finishes first).
        self.full = None;
        self.empty = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader of `data` that returns at most `step` bytes per call and then, optionally,
    /// an error.
    struct Slow {
        data: Vec<u8>,
        at: usize,
        step: usize,
        fail: bool,
    }

    impl Read for Slow {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.at == self.data.len() {
                return if self.fail {
                    Err(std::io::Error::other("disk on fire"))
                } else {
                    Ok(0)
                };
            }
            let k = buf.len().min(self.step).min(self.data.len() - self.at);
            buf[..k].copy_from_slice(&self.data[self.at..self.at + k]);
            self.at += k;
            Ok(k)
        }
    }

    #[test]
    fn yields_every_byte_in_order_then_the_error() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for (chunk, step) in [(1, 1), (7, 3), (64, 1000), (4096, 100), (20_000, 20_000)] {
            for fail in [false, true] {
                let slow = Slow {
                    data: data.clone(),
                    at: 0,
                    step,
                    fail,
                };
                let mut r = ReadAhead::with_chunk(slow, chunk);
                let mut got = Vec::new();
                let res = r.read_to_end(&mut got);
                assert_eq!(got, data, "chunk {chunk} step {step}");
                assert_eq!(res.is_err(), fail, "chunk {chunk} step {step}");
            }
        }
        // Dropped before the end: the thread stops.
        let slow = Slow {
            data: data.clone(),
            at: 0,
            step: 10,
            fail: false,
        };
        let mut r = ReadAhead::with_chunk(slow, 16);
        let mut first = [0u8; 5];
        r.read_exact(&mut first).unwrap();
        assert_eq!(first[..], data[..5]);
        drop(r);
    }
}
