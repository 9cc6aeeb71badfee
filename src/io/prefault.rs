//! Faulting in a large buffer's pages on a thread of its own while the parser fills it.
//!
//! A 3M × 300 word2vec file needs a 3.6 GB matrix. Each of its 900k pages costs a page fault
//! and the kernel's zeroing of the page the first time the parser writes to it: measured
//! with `perf` on that load, about a quarter of the parsing thread's time. Linux's
//! `madvise(MADV_POPULATE_WRITE)` (5.14 and later) does that work ahead of the parser on
//! another core, without ever touching what the pages hold. Elsewhere, or on an older kernel,
//! nothing happens and the parser faults the pages in itself, as before.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Bytes populated per `madvise` call: small enough that a stop request is seen soon.
#[cfg(target_os = "linux")]
const STEP: usize = 32 << 20;

/// Below this many bytes of spare capacity a thread is not worth starting.
const MIN_BYTES: usize = 64 << 20;

/// A background thread populating the spare capacity a `Vec` had when [`Prefault::start`]
/// was called. Dropping it stops the thread (after its current step) and joins it.
pub(crate) struct Prefault {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Prefault {
    /// Starts populating the spare capacity of `data` (from its length to its capacity) on
    /// a new thread, if it is large enough to matter and the platform can. The thread holds
    /// only the address range, never a reference: it cannot change the vector's contents,
    /// and the vector may grow, move or be dropped while it runs.
    pub(crate) fn start<T>(data: &mut Vec<T>) -> Self {
        let spare = data.spare_capacity_mut();
        let start = spare.as_mut_ptr() as usize;
        let len = std::mem::size_of_val(spare);
        let stop = Arc::new(AtomicBool::new(false));
        let thread = if len >= MIN_BYTES {
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("skipgram-prefault".into())
                .spawn(move || populate(start, len, &stop))
                .ok()
        } else {
            None
        };
        Prefault { stop, thread }
    }
}

impl Drop for Prefault {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            // The thread never panics; a failed join only means it is gone already.
            let _ = t.join();
        }
    }
}

/// Populates [start, start + len) writable, page-aligned inwards, in steps of [`STEP`],
/// until done, stopped, or the kernel refuses.
#[cfg(target_os = "linux")]
fn populate(start: usize, len: usize, stop: &AtomicBool) {
    const PAGE: usize = 4096;
    let (lo, hi) = (start.next_multiple_of(PAGE), (start + len) / PAGE * PAGE);
    let mut at = lo;
    while at < hi && !stop.load(Ordering::Relaxed) {
        let n = STEP.min(hi - at);
        // SAFETY: MADV_POPULATE_WRITE only prefaults page-table entries "as if manually
        // writing to each page; however, avoid the actual memory access" (madvise(2)): it
        // never changes the contents of any page, so it cannot race with the parser's
        // writes or make any memory invalid. For an address range that is not (or no longer)
        // mapped it fails with ENOMEM; on a kernel without it, with EINVAL. Both end the loop.
        let r = unsafe { libc::madvise(at as *mut libc::c_void, n, libc::MADV_POPULATE_WRITE) };
        if r != 0 {
            return;
        }
        at += n;
    }
}

#[cfg(not(target_os = "linux"))]
fn populate(_start: usize, _len: usize, _stop: &AtomicBool) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn populating_leaves_the_data_as_written() {
        // Large enough that the thread starts; the vector is written while it runs.
        let n = (MIN_BYTES / 4) * 2;
        let mut data: Vec<u32> = Vec::with_capacity(n);
        let guard = Prefault::start(&mut data);
        data.extend((0..n as u32).map(|i| i.wrapping_mul(2_654_435_761)));
        drop(guard);
        assert!(data
            .iter()
            .enumerate()
            .all(|(i, &x)| x == (i as u32).wrapping_mul(2_654_435_761)));
    }

    #[test]
    fn a_vector_that_moves_while_populating_is_harmless() {
        let mut data: Vec<u8> = Vec::with_capacity(MIN_BYTES);
        let guard = Prefault::start(&mut data);
        data.push(7);
        data.shrink_to_fit(); // the allocation the thread works on is freed
        drop(guard);
        assert_eq!(data, [7]);
    }
}
