//! Filling large buffers on several threads.
//!
//! A fresh allocation of tens of megabytes (p, p', their shared copies for training) costs
//! as much in page faults — the kernel zeroing (and, with huge pages, compacting) memory on
//! first touch — as in the copy itself. Filled by one thread, those faults are serial work;
//! [`try_vec_with`] lets several threads touch and fill the parts of a new vector.

#![allow(unsafe_code)]

use std::sync::Mutex;

use crate::error::{Error, Result};

/// A vector of `len` elements, allocated fallibly and filled by up to `threads` threads, the
/// caller's among them.
///
/// `prepare` sees the empty vector first, its capacity reserved but untouched (to advise
/// the kernel, say), and returns `head`: elements `0..head` are `T::default()` (alignment
/// padding, say). The rest is filled in blocks of `block` elements (the last may be
/// shorter): block `b` holds elements `head + b·block..` and takes its values from
/// `fill(b)`.
///
/// # Errors
/// [`Error::OutOfMemory`] with `what()` if the vector cannot be allocated.
///
/// # Panics
/// If `fill` panics or yields fewer elements than its block holds (extra ones are ignored).
pub(crate) fn try_vec_with<T, I>(
    len: usize,
    block: usize,
    threads: usize,
    what: impl FnOnce() -> String,
    prepare: impl FnOnce(&mut Vec<T>) -> usize,
    fill: impl Fn(usize) -> I + Sync,
) -> Result<Vec<T>>
where
    T: Send + Default,
    I: IntoIterator<Item = T>,
{
    let mut v: Vec<T> = Vec::new();
    let bytes = (len as u128 * std::mem::size_of::<T>() as u128).min(u64::MAX as u128) as u64;
    if bytes > isize::MAX as u64 || v.try_reserve_exact(len).is_err() {
        return Err(Error::OutOfMemory {
            what: what(),
            bytes,
        });
    }
    let head = prepare(&mut v).min(len);
    let block = block.max(1);
    {
        let (head_slots, body) = v.spare_capacity_mut()[..len].split_at_mut(head);
        for slot in head_slots {
            slot.write(T::default());
        }
        let blocks = Mutex::new(body.chunks_mut(block).enumerate());
        // Each thread takes the next untouched block until none is left; a thread that
        // cannot be started leaves its share to the others.
        let work = || loop {
            let next = blocks.lock().unwrap_or_else(|p| p.into_inner()).next();
            let Some((b, out)) = next else { return };
            let mut values = fill(b).into_iter();
            for slot in out.iter_mut() {
                let value = values
                    .next()
                    .expect("a block's fill yields its every element");
                slot.write(value);
            }
        };
        let threads = threads.clamp(1, (len - head).div_ceil(block).max(1));
        std::thread::scope(|scope| {
            let handles: Vec<_> = (1..threads)
                .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
                .collect();
            work();
            for h in handles {
                h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            }
        });
    }
    // SAFETY: the first `len` elements of the spare capacity (reserved above) were split into
    // the head, written in the loop above, and disjoint blocks; every block was taken by exactly one `work` call, which returns only
    // after writing each of its slots (it panics first if `fill` runs short). The caller's
    // `work` returns only once no block is left, and the scope joined every other thread,
    // so all writes happen before this; a panic anywhere propagates before this line.
    unsafe { v.set_len(len) };
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_every_element_in_order_on_any_number_of_threads() {
        for threads in [1, 2, 3, 8] {
            for (len, block) in [(0, 4), (1, 4), (10, 3), (1000, 7), (64, 64), (65, 64)] {
                for head in [0, 1, 5] {
                    let v = try_vec_with(
                        len,
                        block,
                        threads,
                        String::new,
                        |_| head,
                        |b| (b * block..(b + 1) * block).map(|i| i as u64 * 3 + 1),
                    )
                    .unwrap();
                    let h = head.min(len);
                    let want: Vec<u64> = std::iter::repeat_n(0, h)
                        .chain((0..(len - h) as u64).map(|i| i * 3 + 1))
                        .collect();
                    assert_eq!(
                        v, want,
                        "len {len} block {block} head {head} threads {threads}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_fill_that_runs_short_panics_instead_of_leaving_memory_unwritten() {
        let r = std::panic::catch_unwind(|| {
            try_vec_with(
                100,
                10,
                2,
                String::new,
                |_| 0,
                |b| 0..if b == 7 { 9u32 } else { 10 },
            )
        });
        assert!(r.is_err());
    }

    #[test]
    fn an_impossible_size_is_an_error() {
        let r = try_vec_with(usize::MAX / 2, 10, 2, || "x".into(), |_| 0, |_| 0..10u64);
        assert!(matches!(r, Err(Error::OutOfMemory { .. })));
    }
}
