//! Compressed corpora: formats recognised by their magic bytes, and the pass that shares one
//! decompressed stream among threads.
//!
//! Byte ranges of a compressed file cannot be seeked to, so the threads of a pass do not
//! each read their own range as they do for plain text. One reader thread decompresses the
//! file and cuts the text into chunks of about 1 MiB that end at whitespace; chunk `i`
//! goes to part `i mod parts` (so which thread reads what does not depend on timing), and
//! each worker tokenises and counts or trains on its chunks as they come.

use std::fs::File;
use std::io::Read;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use super::reader::READ_BUFFER;
use super::scan::{self, ScanState};
use crate::error::{Error, Result};

/// A compression format of corpus files, recognised by the file's first bytes (its magic
/// number), whatever the file is named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Compression {
    /// gzip (`1f 8b`), also several members one after another (as `pigz` and `cat a.gz
    /// b.gz` write them).
    Gzip,
    /// bzip2 (`BZh`), also several streams one after another (as `pbzip2` writes them).
    Bzip2,
    /// xz (`fd 37 7a 58 5a 00`), also several streams one after another.
    Xz,
    /// Zstandard (`28 b5 2f fd`), any number of frames.
    Zstd,
}

impl Compression {
    /// The format whose magic number `head` (a file's first bytes) begins with, if any.
    ///
    /// ```
    /// use skipgram::corpus::Compression;
    /// assert_eq!(Compression::detect(b"\x1f\x8b\x08\x00"), Some(Compression::Gzip));
    /// assert_eq!(Compression::detect(b"BZh91AY"), Some(Compression::Bzip2));
    /// assert_eq!(Compression::detect(b"the cat"), None);
    /// ```
    pub fn detect(head: &[u8]) -> Option<Self> {
        const MAGIC: [(&[u8], Compression); 4] = [
            (b"\x1f\x8b", Compression::Gzip),
            (b"BZh", Compression::Bzip2),
            (b"\xfd7zXZ\x00", Compression::Xz),
            (b"\x28\xb5\x2f\xfd", Compression::Zstd),
        ];
        MAGIC
            .iter()
            .find(|(magic, _)| head.starts_with(magic))
            .map(|&(_, c)| c)
    }

    /// The format's name: `"gzip"`, `"bzip2"`, `"xz"` or `"zstd"`.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
        }
    }

    /// The format of the file at `path`, from its first bytes.
    pub(crate) fn sniff(path: &Path) -> Result<Option<Self>> {
        let mut head = [0u8; 6];
        let mut file = File::open(path).map_err(|e| Error::io_at(path, e))?;
        let mut n = 0;
        while n < head.len() {
            match file.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io_at(path, e)),
            }
        }
        Ok(Self::detect(&head[..n]))
    }

    /// Whether this build can decompress the format (Cargo feature `compression`).
    pub fn supported() -> bool {
        cfg!(feature = "compression")
    }

    /// A decoder of `file`, whose data are in this format.
    #[cfg(feature = "compression")]
    fn decoder(self, file: File) -> Box<dyn Read + Send> {
        let file = std::io::BufReader::with_capacity(1 << 16, file);
        match self {
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(file)),
            Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(file)),
            Compression::Xz => Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(file)),
            Compression::Zstd => match zstd::stream::read::Decoder::with_buffer(file) {
                Ok(d) => Box::new(d),
                // Only when zstd cannot allocate its context: reported on the first read.
                Err(e) => Box::new(Failing(Some(e))),
            },
        }
    }

    #[cfg(not(feature = "compression"))]
    fn decoder(self, _file: File) -> Box<dyn Read + Send> {
        Box::new(Failing(Some(std::io::Error::other(
            "built without the `compression` feature",
        ))))
    }
}

/// A reader whose first read fails.
struct Failing(Option<std::io::Error>);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

/// A piece of decompressed text that ends at whitespace (or at the end of the text).
struct Chunk {
    bytes: Vec<u8>,
    /// Offset of its first byte in the decompressed text.
    offset: u64,
}

/// Chunks waiting per worker: enough to keep a worker busy while the reader decompresses.
const QUEUED_CHUNKS: usize = 4;

/// One pass over a compressed file by the workers of parts `first..first + workers` of
/// `parts`: the reader thread and one queue of chunks per worker.
pub(super) struct Feed {
    queues: Vec<Mutex<Option<Receiver<Chunk>>>>,
    error: Arc<Mutex<Option<Error>>>,
    reader: Option<JoinHandle<()>>,
}

impl Feed {
    /// Starts the reader thread on the file at `path`.
    pub(super) fn start(
        path: &Path,
        format: Compression,
        first: usize,
        workers: usize,
        parts: usize,
    ) -> Result<Self> {
        if !Compression::supported() {
            return Err(Error::CompressionUnsupported {
                path: path.to_path_buf(),
                format: format.name(),
            });
        }
        let file = File::open(path).map_err(|e| Error::io_at(path, e))?;
        let (senders, queues): (Vec<_>, Vec<_>) = (0..workers)
            .map(|_| {
                let (tx, rx) = sync_channel::<Chunk>(QUEUED_CHUNKS);
                (Some(tx), Mutex::new(Some(rx)))
            })
            .unzip();
        let error = Arc::new(Mutex::new(None));
        let (slot, path) = (Arc::clone(&error), path.to_path_buf());
        let reader = std::thread::Builder::new()
            .name("skipgram-decompress".into())
            .spawn(move || {
                let mut senders = senders;
                let decoder = format.decoder(file);
                if let Err(e) = deal(decoder, &mut senders, first, parts) {
                    *slot.lock().unwrap_or_else(PoisonError::into_inner) =
                        Some(decompress_error(e, &path, format));
                }
                // The senders are dropped only now, after the error is in place: a worker
                // that sees its queue closed finds the error.
                drop(senders);
            })
            .map_err(Error::from)?;
        Ok(Feed {
            queues,
            error,
            reader: Some(reader),
        })
    }

    /// Worker `worker`'s share of the pass: calls `chunk(bytes, offset, state)` on its
    /// chunks in order (the corpus tokenises each, carrying `state` across them) until it
    /// breaks; the first worker to find the reader failed returns its error.
    pub(super) fn scan(
        &self,
        worker: usize,
        mut chunk_fn: impl FnMut(&[u8], u64, &mut ScanState) -> Result<ControlFlow<()>>,
    ) -> Result<()> {
        let Some(queue) = self.queues[worker]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        else {
            return Ok(());
        };
        let mut state = ScanState::default();
        let mut next: Option<u64> = None;
        for chunk in queue.iter() {
            // A chunk that does not follow this worker's last one starts a new sentence:
            // context windows never join text that is not adjacent.
            if next.is_some_and(|n| n != chunk.offset) {
                state.newline = true;
            }
            next = Some(chunk.offset + chunk.bytes.len() as u64);
            let flow = chunk_fn(&chunk.bytes, chunk.offset, &mut state)?;
            if flow.is_break() {
                return Ok(());
            }
        }
        match self
            .error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Gives up worker `worker`'s queue (a worker that will not read: its chunks are
    /// dropped, so the reader never waits for it).
    pub(super) fn release(&self, worker: usize) {
        drop(
            self.queues[worker]
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        // Closing every queue ends the reader at its next chunk.
        for q in &self.queues {
            drop(q.lock().unwrap_or_else(PoisonError::into_inner).take());
        }
        if let Some(r) = self.reader.take() {
            if let Err(p) = r.join() {
                if !std::thread::panicking() {
                    std::panic::resume_unwind(p);
                }
            }
        }
    }
}

/// Decompresses `input` into chunks and hands chunk `i` to the worker of part `i mod parts`
/// (chunks of parts outside `first..first + senders.len()` are dropped), until the input
/// ends or every worker has stopped.
fn deal(
    input: Box<dyn Read + Send>,
    senders: &mut [Option<SyncSender<Chunk>>],
    first: usize,
    parts: usize,
) -> Result<()> {
    let mut index = 0usize;
    scan::chunks(input, 0, READ_BUFFER, false, |bytes, offset| {
        let part = index % parts.max(1);
        index = index.wrapping_add(1);
        if let Some(slot) = part.checked_sub(first).and_then(|w| senders.get_mut(w)) {
            if let Some(tx) = slot {
                let chunk = Chunk {
                    bytes: bytes.to_vec(),
                    offset,
                };
                if tx.send(chunk).is_err() {
                    // That worker stopped; the others go on.
                    *slot = None;
                }
            }
            if senders.iter().all(Option::is_none) {
                return Ok(ControlFlow::Break(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    })
}

/// The decoder's (or the file's) I/O error as an [`Error::Decompress`] naming the file.
fn decompress_error(e: Error, path: &Path, format: Compression) -> Error {
    match e {
        Error::Io { source, .. } => Error::Decompress {
            path: PathBuf::from(path),
            format: format.name(),
            source,
        },
        e => e.at_path(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Corpus;

    #[test]
    fn magic_bytes_name_each_format_and_nothing_else() {
        for (head, want) in [
            (&b"\x1f\x8b\x08"[..], Some(Compression::Gzip)),
            (b"BZh9", Some(Compression::Bzip2)),
            (b"\xfd7zXZ\x00\x00", Some(Compression::Xz)),
            (b"\x28\xb5\x2f\xfd\x04", Some(Compression::Zstd)),
            (b"\xfd7zXZ", None),
            (b"\x1f", None),
            (b"BZ", None),
            (b"", None),
            (b"the cat sat", None),
        ] {
            assert_eq!(Compression::detect(head), want, "{head:?}");
        }
    }

    /// A gzip header and nothing more: a decoder error with the feature, a clear refusal
    /// without it; never an empty corpus.
    #[test]
    fn a_compressed_file_is_decoded_or_refused_never_read_as_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.txt");
        std::fs::write(&path, b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03").unwrap();
        match Corpus::from_path(&path) {
            Ok(c) if Compression::supported() => match c.build_vocabulary(1, None) {
                Err(Error::Decompress {
                    path: p, format, ..
                }) => {
                    assert_eq!((p, format), (path, "gzip"));
                }
                other => panic!("expected Decompress, got {other:?}"),
            },
            Err(Error::CompressionUnsupported { path: p, format }) => {
                assert!(!Compression::supported());
                assert_eq!((p, format), (path, "gzip"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
