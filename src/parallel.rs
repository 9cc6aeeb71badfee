//! Filling, checking, combining and sorting large data on several threads.
//!
//! A fresh allocation of tens of megabytes (p, p', their shared copies for training) costs
//! as much in page faults — the kernel zeroing (and, with huge pages, compacting) memory on
//! first touch — as in the copy itself. Filled by one thread, those faults are serial work;
//! [`try_vec_with`] lets several threads touch and fill the parts of a new vector, and
//! [`all_blocks`] checks a large buffer on several threads; [`reduce_in_pairs`] and
//! [`sort_parts`] combine and sort the parts threads made. All hand out work through
//! [`for_each_parallel`].

#![allow(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Mutex;

use crate::error::{Error, Result};

/// Calls `f` on every item of `items`, on up to `threads` threads (the caller's among them),
/// each taking the next item until none is left. A thread that cannot be started leaves its
/// share to the others, so every item is processed; a panic in `f` is propagated.
pub(crate) fn for_each_parallel<I>(items: I, threads: usize, f: impl Fn(I::Item) + Sync)
where
    I: Iterator + Send,
    I::Item: Send,
{
    let queue = Mutex::new(items);
    let work = || loop {
        let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
        match next {
            Some(item) => f(item),
            None => return,
        }
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads.max(1))
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        work();
        for h in handles {
            h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        }
    });
}

/// Combines neighbouring items in pairs, `f(earlier, later)`, the pairs of a round on
/// parallel threads, round after round until one item is left: log₂ n rounds. `None` for
/// no items.
pub(crate) fn reduce_in_pairs<T: Send>(
    mut items: Vec<T>,
    f: impl Fn(T, T) -> T + Sync,
) -> Option<T> {
    while items.len() > 1 {
        let mut pairs = Vec::with_capacity(items.len().div_ceil(2));
        let mut it = items.into_iter();
        while let Some(a) = it.next() {
            pairs.push((a, it.next()));
        }
        let done: Vec<Mutex<Option<T>>> = pairs.iter().map(|_| Mutex::new(None)).collect();
        let threads = pairs.len();
        for_each_parallel(pairs.into_iter().enumerate(), threads, |(i, (a, b))| {
            let one = match b {
                Some(b) => f(a, b),
                None => a,
            };
            *done[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(one);
        });
        items = done
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .unwrap_or_else(|p| p.into_inner())
                    .expect("every pair is combined")
            })
            .collect();
    }
    items.pop()
}

/// The items of `parts` sorted by `cmp` (not stable), in one vector: each part sorted on a
/// thread of its own, then sorted neighbours merged in pairs on parallel threads
/// ([`reduce_in_pairs`]). Holds up to twice the items at once while merging.
pub(crate) fn sort_parts<T: Send>(
    mut parts: Vec<Vec<T>>,
    cmp: impl Fn(&T, &T) -> std::cmp::Ordering + Sync,
) -> Vec<T> {
    let threads = parts.len();
    for_each_parallel(parts.iter_mut(), threads, |p| p.sort_unstable_by(&cmp));
    reduce_in_pairs(parts, |a, b| {
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
        while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
            let next = match cmp(y, x) {
                std::cmp::Ordering::Less => b.next(),
                _ => a.next(),
            };
            out.extend(next);
        }
        out.extend(a);
        out.extend(b);
        out
    })
    .unwrap_or_default()
}

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
        let threads = threads.min((len - head).div_ceil(block));
        // Every block is taken by exactly one call, which writes each of its slots.
        for_each_parallel(body.chunks_mut(block).enumerate(), threads, |(b, out)| {
            let mut values = fill(b).into_iter();
            for slot in out.iter_mut() {
                let value = values
                    .next()
                    .expect("a block's fill yields its every element");
                slot.write(value);
            }
        });
    }
    // SAFETY: the first `len` elements of the spare capacity (reserved above) were split into
    // the head, written in the loop above, and disjoint blocks. `for_each_parallel` returns
    // only after every block was passed to exactly one call of the closure, and the closure
    // returns only after writing each slot of its block (it panics first if `fill` runs
    // short); its threads are joined before it returns, so all writes happen before this.
    // A panic anywhere propagates before this line, leaving the length 0.
    unsafe { v.set_len(len) };
    Ok(v)
}

/// Whether `check` holds for every block of `block` elements of `data`, checked by up to
/// `threads` threads (the caller's among them); blocks after a failed one are skipped.
pub(crate) fn all_blocks<T: Sync>(
    data: &[T],
    block: usize,
    threads: usize,
    check: impl Fn(&[T]) -> bool + Sync,
) -> bool {
    let failed = AtomicBool::new(false);
    let threads = threads.min(data.len().div_ceil(block.max(1)));
    for_each_parallel(data.chunks(block.max(1)), threads, |b| {
        // Blocks handed out after a failure are skipped.
        if !failed.load(Relaxed) && !check(b) {
            failed.store(true, Relaxed);
        }
    });
    !failed.into_inner()
}

/// Calls `f(offset, &mut a[offset..offset + part], &b[offset..offset + part])` for each
/// piece of `part` elements of `a` and `b` (the same length), on as many threads as there
/// are pieces (see [`for_each_parallel`]).
#[cfg(any(feature = "mpi", test))]
pub(crate) fn in_parts<A: Send, B: Sync>(
    a: &mut [A],
    b: &[B],
    part: usize,
    f: impl Fn(usize, &mut [A], &[B]) + Sync,
) {
    let part = part.max(1);
    let pieces = a.len().div_ceil(part);
    let items = a.chunks_mut(part).zip(b.chunks(part)).enumerate();
    for_each_parallel(items, pieces, |(i, (x, y))| f(i * part, x, y));
}

/// Asks Linux to back the (still untouched) capacity of `data` with 2 MiB transparent huge
/// pages. Training reads rows at random from matrices of tens of megabytes; with 4 KiB pages
/// nearly every row access misses the TLB. Measured on one epoch of 30 MB of the shared
/// corpus, one thread: 651k–773k words/s with 4 KiB pages, 854k–878k with huge pages.
/// Elsewhere, or if the kernel declines, nothing changes.
pub(crate) fn advise_huge_pages<T>(data: &mut Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let spare = data.spare_capacity_mut();
        let start = spare.as_mut_ptr() as usize;
        let end = start + std::mem::size_of_val(spare);
        let (lo, hi) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
        if hi > lo {
            // SAFETY: [lo, hi) lies inside the allocation `data` owns (its spare capacity,
            // rounded inwards to whole huge pages), and MADV_HUGEPAGE only changes how the
            // kernel backs those pages, never their contents or validity. The return value
            // is ignored: the advice is optional.
            unsafe {
                libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = data;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_parts_hands_each_piece_its_offset() {
        for (len, part) in [(0, 3), (5, 10), (10, 3), (12, 4), (1000, 7)] {
            let mut a = vec![0usize; len];
            let b: Vec<usize> = (0..len).map(|i| i * 10).collect();
            in_parts(&mut a, &b, part, |off, x, y| {
                assert!(x.len() <= part.max(1) && x.len() == y.len());
                for (i, (x, y)) in x.iter_mut().zip(y).enumerate() {
                    *x = y + off + i;
                }
            });
            assert!(
                a.iter().enumerate().all(|(i, &x)| x == i * 11),
                "{len}, {part}"
            );
        }
    }
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
    fn all_blocks_finds_the_one_failing_element_anywhere() {
        let data: Vec<u32> = (0..10_000).collect();
        for threads in [1, 2, 5] {
            assert!(all_blocks(&data, 64, threads, |b| b
                .iter()
                .all(|&x| x < 10_000)));
            for bad in [0, 63, 64, 5_000, 9_999] {
                let ok = all_blocks(&data, 64, threads, |b| b.iter().all(|&x| x != bad));
                assert!(!ok, "{bad} on {threads} threads");
            }
        }
        assert!(all_blocks(&[] as &[u32], 64, 2, |_| false));
    }

    #[test]
    fn sorted_parts_equal_one_sort_and_pairs_reduce_in_order() {
        let mut x = 12345u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % 1000
        };
        for parts in [0, 1, 2, 3, 7] {
            let data: Vec<Vec<u64>> = (0..parts)
                .map(|p| (0..p * 37 + 5).map(|_| next()).collect())
                .collect();
            let mut want: Vec<u64> = data.concat();
            want.sort_unstable();
            assert_eq!(sort_parts(data, |a, b| a.cmp(b)), want, "{parts} parts");
            let words: Vec<String> = (0..parts).map(|p| p.to_string()).collect();
            let joined = reduce_in_pairs(words, |a, b| a + &b);
            let want = (0..parts).map(|p| p.to_string()).collect::<String>();
            assert_eq!(joined.unwrap_or_default(), want);
        }
    }

    #[test]
    fn an_impossible_size_is_an_error() {
        let r = try_vec_with(usize::MAX / 2, 10, 2, || "x".into(), |_| 0, |_| 0..10u64);
        assert!(matches!(r, Err(Error::OutOfMemory { .. })));
    }
}
