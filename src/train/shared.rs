//! Weights shared between training threads (Hogwild), and why that is sound.
//!
//! Hogwild SGD (Recht et al. 2011; word2vec.c does the same) lets every thread read and
//! update the shared p and p' without locks: updates to different words rarely collide, and
//! an occasional lost update does not hurt convergence. In C that is a data race. In Rust a
//! data race on ordinary memory is undefined behaviour, so this crate never has one:
//!
//! * The shared matrices are arrays of [`AtomicU64`], each holding **two f32** bit patterns.
//!   Threads only ever access them with `Relaxed` atomic loads and stores, which are plain
//!   `mov` instructions on x86-64 and ARM64, so every access is data-race free by definition
//!   at the price of copying 8 bytes per instruction (atomics are not vectorised).
//! * The arithmetic happens in each thread's own buffers (`Vec<f32>`): a thread copies the
//!   rows it needs in ([`SharedMatrix::read_row`]), updates its private copy with SIMD, and
//!   stores it back ([`SharedMatrix::write_row`]), element pair by element pair. An update
//!   another thread makes to the same row in the microsecond between that read and write
//!   is lost, as Hogwild SGD tolerates (word2vec.c loses updates the same way, at a finer
//!   grain); a value is never torn within an element pair and nothing is undefined. A row
//!   read while another thread writes it may mix element pairs from before and after that
//!   write, which Hogwild tolerates as well.
//! * The sharing involves no `unsafe` code: `AtomicU64` is `Sync`, so `&SharedMatrix` is
//!   shared by `std::thread::scope` threads through ordinary borrows. (The only `unsafe`
//!   here is a hint to the hardware that neither reads nor writes memory: a cache
//!   prefetch.) [`InPlaceMatrix`] does the same with one `AtomicU32` per element.
//!
//! Relaxed ordering suffices because no thread draws conclusions about *other* memory from a
//! weight it reads; the final weights are read after the scope joins all threads, which
//! synchronises with every store they made.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};

use ndarray::Array2;

use crate::error::Result;
use crate::parallel::{advise_huge_pages, all_blocks, try_vec_with};

#[inline]
fn pack(lo: f32, hi: f32) -> u64 {
    lo.to_bits() as u64 | ((hi.to_bits() as u64) << 32)
}

#[inline]
fn unpack(v: u64) -> (f32, f32) {
    (f32::from_bits(v as u32), f32::from_bits((v >> 32) as u32))
}

/// p and p' (or the hierarchical-softmax node vectors) as the training threads share them,
/// for [`ModelSync`](super::sync::ModelSync) to merge across processes.
#[cfg_attr(not(feature = "mpi"), allow(dead_code))]
pub(crate) struct SharedWeights<'a> {
    /// p, V×N.
    pub(crate) input: &'a SharedMatrix,
    /// p'ᵀ, V×N (or the (V − 1)×N inner-node vectors).
    pub(crate) output: &'a SharedMatrix,
}

/// A rows×dim matrix of f32 in relaxed atomics. Each row starts on a 64-byte cache line
/// and is padded to whole lines, so that two threads updating neighbouring rows (the most
/// frequent words are neighbours) never write to the same line.
pub(crate) struct SharedMatrix {
    data: Box<[AtomicU64]>,
    rows: usize,
    dim: usize,
    /// Words (u64) holding a row's values: ⌈dim / 2⌉.
    used: usize,
    /// Words from one row's start to the next: `used` rounded up to 8 (64 bytes).
    stride: usize,
    /// Index of row 0 in `data`: the first word on a 64-byte boundary.
    offset: usize,
    /// With write tracking (the deterministic mode's private copies and merges): bit r set
    /// when row r was written by [`write_row`](Self::write_row) since the last
    /// [`take_written`](Self::take_written). Rows 64·i..64·i + 64 are word i.
    written: Option<Box<[AtomicU64]>>,
}

/// u64 words in a 64-byte cache line.
const LINE_WORDS: usize = 8;

/// About how many bytes one thread copies at a time into or out of a [`SharedMatrix`].
const COPY_BLOCK_BYTES: usize = 1 << 20;

impl SharedMatrix {
    /// Copies an ndarray matrix in, on up to `threads` threads.
    ///
    /// # Errors
    /// [`Error::OutOfMemory`](crate::Error::OutOfMemory) naming `what` if the copy cannot be allocated.
    pub(crate) fn try_from_array(a: &Array2<f32>, what: &str, threads: usize) -> Result<Self> {
        let (rows, dim) = a.dim();
        let used = dim.div_ceil(2);
        let stride = used.next_multiple_of(LINE_WORDS);
        // One line more, so that row 0 can start on a line boundary.
        let words = rows.saturating_mul(stride).saturating_add(LINE_WORDS);
        let offset = AtomicUsize::new(0);
        let block_rows = (COPY_BLOCK_BYTES / (stride.max(1) * 8)).max(1);
        let data = try_vec_with(
            words,
            block_rows * stride,
            threads,
            || format!("shared copy of {what} ({rows}×{dim})"),
            |data| {
                advise_huge_pages(data);
                // The address is only inspected, never dereferenced: no unsafe needed.
                let misalign = (data.as_ptr() as usize / 8) % LINE_WORDS;
                let head = (LINE_WORDS - misalign) % LINE_WORDS;
                offset.store(head, Relaxed);
                head
            },
            |b| {
                let first = (b * block_rows).min(rows);
                let last = ((b + 1) * block_rows).min(rows);
                a.rows()
                    .into_iter()
                    .skip(first)
                    .take(last - first)
                    .flat_map(move |row| {
                        let mut it = row.into_iter();
                        (0..stride).map(move |_| {
                            let lo = it.next().copied().unwrap_or(0.0);
                            let hi = it.next().copied().unwrap_or(0.0);
                            AtomicU64::new(pack(lo, hi))
                        })
                    })
                    // The words after the last row.
                    .chain(std::iter::repeat_with(|| AtomicU64::new(0)))
            },
        )?;
        Ok(SharedMatrix {
            data: data.into_boxed_slice(),
            rows,
            dim,
            used,
            stride,
            offset: offset.into_inner(),
            written: None,
        })
    }

    /// A 0×0 matrix, to take the place of one that is no longer needed.
    pub(crate) fn empty() -> Self {
        SharedMatrix {
            data: Box::new([]),
            rows: 0,
            dim: 0,
            used: 0,
            stride: 0,
            offset: 0,
            written: None,
        }
    }

    /// This matrix, recording from now on which rows [`write_row`](Self::write_row) writes:
    /// one bit per row.
    ///
    /// # Errors
    /// [`Error::OutOfMemory`](crate::Error::OutOfMemory) if the ⌈rows / 64⌉ words of the
    /// bitmap cannot be allocated.
    pub(crate) fn tracking_writes(mut self) -> Result<Self> {
        let words = self.rows.div_ceil(64);
        let bits = try_vec_with(
            words,
            1 << 16,
            1,
            || format!("bitmap of written rows ({} rows)", self.rows),
            |_| 0,
            |_| std::iter::repeat_with(|| AtomicU64::new(0)),
        )?;
        self.written = Some(bits.into_boxed_slice());
        Ok(self)
    }

    /// The write-tracking bits of rows 64·`block`..64·`block` + 64 (bit i for row
    /// 64·`block` + i) noted since the last call, which clears them; 0 without write
    /// tracking or past the last row.
    pub(crate) fn take_written(&self, block: usize) -> u64 {
        match self.written.as_ref().and_then(|bits| bits.get(block)) {
            Some(word) if word.load(Relaxed) != 0 => word.swap(0, Relaxed),
            _ => 0,
        }
    }

    /// Copies the matrix back out (after all threads have joined), on up to `threads`
    /// threads.
    ///
    /// # Errors
    /// [`Error::OutOfMemory`](crate::Error::OutOfMemory) naming `what` if the copy cannot be allocated.
    pub(crate) fn try_to_array(&self, what: &str, threads: usize) -> Result<Array2<f32>> {
        let len = self.rows * self.dim; // ≤ the words already allocated × 2
        let block_rows = (COPY_BLOCK_BYTES / (self.dim.max(1) * 4)).max(1);
        let out = try_vec_with(
            len,
            block_rows * self.dim,
            threads,
            || format!("{what} ({}×{})", self.rows, self.dim),
            |_| 0,
            |b| {
                let rows = (b * block_rows).min(self.rows)..((b + 1) * block_rows).min(self.rows);
                rows.flat_map(|r| {
                    self.row_words(r)
                        .iter()
                        .flat_map(|w| {
                            let (lo, hi) = unpack(w.load(Relaxed));
                            [lo, hi]
                        })
                        .take(self.dim)
                })
            },
        )?;
        Ok(Array2::from_shape_vec((self.rows, self.dim), out).expect("the length is rows·dim"))
    }

    /// The number of rows.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// The number of columns.
    #[cfg_attr(not(feature = "mpi"), allow(dead_code))]
    pub(crate) fn dim(&self) -> usize {
        self.dim
    }

    #[inline]
    fn row_words(&self, row: usize) -> &[AtomicU64] {
        let start = self.offset + row * self.stride;
        &self.data[start..start + self.used]
    }

    /// Hints the CPU to start loading row `row` into cache (no effect on the values).
    #[inline]
    pub(crate) fn prefetch_row(&self, row: usize) {
        prefetch::<TO_L1, _>(self.row_words(row));
    }

    /// Like [`prefetch_row`](Self::prefetch_row), into the level-2 cache only (see
    /// [`TO_L2`]).
    #[inline]
    pub(crate) fn prefetch_row_l2(&self, row: usize) {
        prefetch::<TO_L2, _>(self.row_words(row));
    }

    /// Copies row `row` into `dst[..dim]`.
    #[inline]
    pub(crate) fn read_row(&self, row: usize, dst: &mut [f32]) {
        let words = self.row_words(row);
        traffic::count_read(words.len() * 8);
        let dst = &mut dst[..self.dim];
        // Four words (eight floats) per step: the loads stay single 8-byte moves, but the
        // loop overhead is paid once per 32 bytes.
        let (head, tail) = dst.split_at_mut(self.dim / 8 * 8);
        let (wh, words) = words.split_at(self.dim / 8 * 4);
        for (w, d) in wh.chunks_exact(4).zip(head.chunks_exact_mut(8)) {
            let v = [
                w[0].load(Relaxed),
                w[1].load(Relaxed),
                w[2].load(Relaxed),
                w[3].load(Relaxed),
            ];
            for (q, v) in v.into_iter().enumerate() {
                (d[2 * q], d[2 * q + 1]) = unpack(v);
            }
        }
        let mut pairs = tail.chunks_exact_mut(2);
        for (w, d) in words.iter().zip(&mut pairs) {
            (d[0], d[1]) = unpack(w.load(Relaxed));
        }
        if let [last] = pairs.into_remainder() {
            *last = unpack(words[words.len() - 1].load(Relaxed)).0;
        }
    }

    /// Whether every element is finite (after the training threads have joined), checked
    /// on up to `threads` threads.
    pub(crate) fn all_finite(&self, threads: usize) -> bool {
        all_blocks(&self.data, COPY_BLOCK_BYTES / 8, threads, |words| {
            words.iter().all(|w| {
                let (lo, hi) = unpack(w.load(Relaxed));
                lo.is_finite() && hi.is_finite()
            })
        })
    }

    /// Overwrites row `row` with `src[..dim]` (relaxed stores), noting the row as written
    /// if the matrix tracks writes.
    #[inline]
    pub(crate) fn write_row(&self, row: usize, src: &[f32]) {
        if let Some(bits) = &self.written {
            let word = &bits[row / 64];
            let bit = 1u64 << (row % 64);
            // Only a row's first write since the last drain pays for the atomic or.
            if word.load(Relaxed) & bit == 0 {
                word.fetch_or(bit, Relaxed);
            }
        }
        self.store_row(row, src);
    }

    /// Overwrites row `row` with `src[..dim]` (relaxed stores) without noting it as written.
    #[inline]
    pub(crate) fn store_row(&self, row: usize, src: &[f32]) {
        let words = self.row_words(row);
        traffic::count_written(words.len() * 8);
        let src = &src[..self.dim];
        // Four words per step, as in `read_row`.
        let (head, tail) = src.split_at(self.dim / 8 * 8);
        let (wh, words) = words.split_at(self.dim / 8 * 4);
        for (w, s) in wh.chunks_exact(4).zip(head.chunks_exact(8)) {
            let v: [u64; 4] = std::array::from_fn(|q| pack(s[2 * q], s[2 * q + 1]));
            for (w, v) in w.iter().zip(v) {
                w.store(v, Relaxed);
            }
        }
        let mut pairs = tail.chunks_exact(2);
        for (w, s) in words.iter().zip(&mut pairs) {
            w.store(pack(s[0], s[1]), Relaxed);
        }
        if let [last] = pairs.remainder() {
            words[words.len() - 1].store(pack(*last, 0.0), Relaxed);
        }
    }
}

/// A rows×dim matrix of f32 in relaxed [`AtomicU32`]s that live in the very allocation of
/// the ndarray it was made from: [`from_array`](Self::from_array) and
/// [`into_array`](Self::into_array) convert in place (f32 and `AtomicU32` have the same
/// size and alignment, so the standard library's in-place collection reuses the buffer),
/// and a matrix as large as fastText's 2,000,000 n-gram buckets is never held twice.
///
/// The price against [`SharedMatrix`]: one 4-byte atomic access per element instead of one
/// per pair, and rows not padded to cache lines. Both matter little for rows drawn from
/// millions at random, which training reads from memory, not cache, either way.
/// Soundness is [`SharedMatrix`]'s: every access is a relaxed atomic load or store.
pub(crate) struct InPlaceMatrix {
    data: Vec<AtomicU32>,
    rows: usize,
    dim: usize,
}

impl InPlaceMatrix {
    /// Takes `a`'s buffer over (copying only an array that is not in standard layout).
    pub(crate) fn from_array(a: Array2<f32>) -> Self {
        let (rows, dim) = a.dim();
        let a = match a.is_standard_layout() {
            true => a,
            false => a.as_standard_layout().into_owned(),
        };
        let (mut v, offset) = a.into_raw_vec_and_offset();
        let offset = offset.unwrap_or(0);
        v.truncate(offset + rows * dim);
        v.drain(..offset);
        let data = v.into_iter().map(|x| AtomicU32::new(x.to_bits())).collect();
        InPlaceMatrix { data, rows, dim }
    }

    /// The matrix as an ndarray again, in the same buffer (after all threads have joined).
    pub(crate) fn into_array(self) -> Array2<f32> {
        let v: Vec<f32> = self
            .data
            .into_iter()
            .map(|x| f32::from_bits(x.into_inner()))
            .collect();
        Array2::from_shape_vec((self.rows, self.dim), v).expect("the length is rows·dim")
    }

    /// The number of rows.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    #[inline]
    fn row(&self, row: usize) -> &[AtomicU32] {
        &self.data[row * self.dim..(row + 1) * self.dim]
    }

    /// Copies row `row` into `dst[..dim]`.
    #[inline]
    pub(crate) fn read_row(&self, row: usize, dst: &mut [f32]) {
        let words = self.row(row);
        traffic::count_read(words.len() * 4);
        for (d, w) in dst[..self.dim].iter_mut().zip(words) {
            *d = f32::from_bits(w.load(Relaxed));
        }
    }

    /// Overwrites row `row` with `src[..dim]`.
    #[inline]
    pub(crate) fn write_row(&self, row: usize, src: &[f32]) {
        let words = self.row(row);
        traffic::count_written(words.len() * 4);
        for (s, w) in src[..self.dim].iter().zip(words) {
            w.store(s.to_bits(), Relaxed);
        }
    }

    /// Hints the CPU to start loading row `row` into the level-2 cache (no effect on the
    /// values; see [`TO_L2`]).
    #[inline]
    pub(crate) fn prefetch_row_l2(&self, row: usize) {
        prefetch::<TO_L2, _>(self.row(row));
    }

    /// Whether every element is finite (after the training threads have joined), checked
    /// on up to `threads` threads.
    pub(crate) fn all_finite(&self, threads: usize) -> bool {
        all_blocks(&self.data, COPY_BLOCK_BYTES / 4, threads, |words| {
            words
                .iter()
                .all(|w| f32::from_bits(w.load(Relaxed)).is_finite())
        })
    }
}

/// Prefetch hint: into every cache level (x86 `prefetcht0`).
const TO_L1: i32 = 3;

/// Prefetch hint: into the level-2 cache, not the level-1 (x86 `prefetcht1`). A batch of
/// subword training touches about 300 cache lines; prefetched into level 1 they wait for
/// its few line-fill buffers and the prefetch instructions stall. Measured on the first
/// 30 MB (subword, 1 epoch, 2 threads): wall time 0.955× and 0.967× (medians of 7 and 5
/// pairs) with this hint for every row of the next batch; for word-level batches (about
/// 60 lines) the same change was 1.026×, so they keep [`TO_L1`].
const TO_L2: i32 = 2;

#[cfg(target_arch = "x86_64")]
const _: () =
    assert!(TO_L1 == std::arch::x86_64::_MM_HINT_T0 && TO_L2 == std::arch::x86_64::_MM_HINT_T1);

/// Hints the CPU to start loading `words` into cache (no effect on the values), with hint
/// `HINT` ([`TO_L1`] or [`TO_L2`]).
#[inline]
fn prefetch<const HINT: i32, T>(words: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::_mm_prefetch;
        let start = words.as_ptr() as *const i8;
        let bytes = std::mem::size_of_val(words);
        let mut off = 0;
        while off < bytes {
            // SAFETY: a prefetch is only a hint: it never faults and is not a memory
            // access in the language's sense, so it cannot race; the address is inside
            // the slice `words` (`off < bytes`).
            unsafe { _mm_prefetch::<HINT>(start.add(off)) };
            off += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = words;
}

/// Bytes this thread read from and wrote to the shared matrices, counted only with the
/// `traffic-stats` feature (the counting costs a little time in the hot loop).
pub(crate) mod traffic {
    #[cfg(feature = "traffic-stats")]
    thread_local! {
        static BYTES: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
    }

    #[inline]
    pub(crate) fn count_read(_bytes: usize) {
        #[cfg(feature = "traffic-stats")]
        BYTES.with(|b| {
            let (r, w) = b.get();
            b.set((r + _bytes as u64, w));
        });
    }

    #[inline]
    pub(crate) fn count_written(_bytes: usize) {
        #[cfg(feature = "traffic-stats")]
        BYTES.with(|b| {
            let (r, w) = b.get();
            b.set((r, w + _bytes as u64));
        });
    }

    /// (read, written) bytes this thread counted since the last call, which resets them;
    /// (0, 0) without the feature.
    pub(crate) fn take() -> (u64, u64) {
        #[cfg(feature = "traffic-stats")]
        return BYTES.with(|b| b.replace((0, 0)));
        #[cfg(not(feature = "traffic-stats"))]
        (0, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::ShapeBuilder;

    #[test]
    fn in_place_matrix_reuses_the_array_buffer_and_round_trips() {
        for dim in [1, 3, 100] {
            let a = Array2::from_shape_fn((7, dim), |(i, j)| (i * 1000 + j) as f32 - 0.5);
            let copy = a.clone();
            let ptr = copy.as_ptr() as usize;
            let m = InPlaceMatrix::from_array(copy);
            // The n-gram rows are never held twice: the atomics live in the array's buffer.
            assert_eq!(m.data.as_ptr() as usize, ptr, "dim {dim}");
            let mut row = vec![f32::NAN; dim + 2];
            m.read_row(4, &mut row);
            assert_eq!(&row[..dim], a.row(4).as_slice().unwrap());
            assert!(row[dim].is_nan(), "only dim elements are written");
            let new: Vec<f32> = (0..dim).map(|j| j as f32 * 0.25).collect();
            m.write_row(6, &new);
            assert!(m.all_finite(2));
            let b = m.into_array();
            assert_eq!(b.as_ptr() as usize, ptr, "dim {dim}");
            assert_eq!(b.row(6).to_vec(), new);
            assert_eq!(b.slice(ndarray::s![..6, ..]), a.slice(ndarray::s![..6, ..]));
        }
        // Column-major and offset arrays are taken in row order.
        let f = Array2::from_shape_fn((4, 3).f(), |(i, j)| (i * 3 + j) as f32);
        assert_eq!(InPlaceMatrix::from_array(f.clone()).into_array(), f);
        let mut big = Array2::from_shape_fn((6, 3), |(i, j)| (i * 3 + j) as f32);
        big.slice_collapse(ndarray::s![2..5, ..]);
        let m = InPlaceMatrix::from_array(big.clone());
        assert_eq!(m.rows(), 3);
        m.write_row(1, &[f32::INFINITY, 0.0, 0.0]);
        assert!(!m.all_finite(1));
        let back = m.into_array();
        assert_eq!(back.row(0), big.row(0));
        assert_eq!(back[[1, 0]], f32::INFINITY);
    }

    #[test]
    fn rows_start_on_cache_lines() {
        for dim in [1, 3, 16, 100, 300] {
            let a = Array2::from_shape_fn((5, dim), |(i, j)| (i * dim + j) as f32);
            let s = SharedMatrix::try_from_array(&a, "a", 2).unwrap();
            for r in 0..5 {
                assert_eq!(
                    s.row_words(r).as_ptr() as usize % 64,
                    0,
                    "dim {dim} row {r}"
                );
            }
            assert_eq!(s.try_to_array("a", 3).unwrap(), a);
        }
    }

    #[test]
    fn copies_of_many_blocks_round_trip_on_any_number_of_threads() {
        // 5,000 rows of 100 (448 bytes apart): three blocks of about 1 MiB.
        let a = Array2::from_shape_fn((5000, 100), |(i, j)| (i * 100 + j) as f32 * 0.5 - 3.0);
        for threads in [1, 2, 3] {
            let s = SharedMatrix::try_from_array(&a, "a", threads).unwrap();
            let mut row = vec![0.0; 100];
            for r in [0, 2339, 2340, 2341, 4680, 4999] {
                s.read_row(r, &mut row);
                assert_eq!(row, a.row(r).to_vec(), "row {r}, {threads} threads");
            }
            assert_eq!(s.try_to_array("a", threads).unwrap(), a);
        }
        let s = SharedMatrix::try_from_array(&a, "a", 2).unwrap();
        assert!(s.all_finite(2));
        let mut row = a.row(4321).to_vec();
        row[99] = f32::NAN;
        s.write_row(4321, &row);
        for threads in [1, 2, 3] {
            assert!(!s.all_finite(threads), "{threads} threads");
        }
        let empty = Array2::<f32>::zeros((0, 7));
        let s = SharedMatrix::try_from_array(&empty, "e", 2).unwrap();
        assert_eq!(s.try_to_array("e", 2).unwrap(), empty);
    }

    #[test]
    fn round_trip_and_write_odd_and_even_dims() {
        for dim in [1, 2, 3, 7, 8, 9, 16, 17, 100, 101] {
            let a = Array2::from_shape_fn((4, dim), |(i, j)| i as f32 * 100.0 + j as f32 - 7.5);
            let s = SharedMatrix::try_from_array(&a, "a", 2).unwrap();
            assert_eq!(s.try_to_array("a", 3).unwrap(), a);
            let new: Vec<f32> = (0..dim).map(|j| j as f32 * 0.25).collect();
            s.write_row(2, &new);
            let mut back = vec![0.0; dim];
            s.read_row(2, &mut back);
            assert_eq!(back, new);
            let b = s.try_to_array("a", 3).unwrap();
            for j in 0..dim {
                assert_eq!(b[[2, j]], new[j]);
                assert_eq!(b[[1, j]], a[[1, j]]);
            }
        }
    }
}
