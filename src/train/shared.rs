//! Weights shared between training threads (Hogwild), and why that is sound.
//!
//! Hogwild SGD (Recht et al. 2011; word2vec.c does the same) lets every thread read and
//! update the shared p and p' without locks: updates to different words rarely collide, and
//! an occasional lost update does not hurt convergence. In C that is a data race. In Rust a
//! data race on ordinary memory is undefined behaviour, so this crate never has one:
//!
//! * The shared matrices are arrays of [`AtomicU64`], each holding **two f32** bit patterns.
//!   Threads only ever access them with `Relaxed` atomic loads and stores, which are plain
//!   `mov` instructions on x86-64 and ARM64, so the Hogwild semantics cost nothing extra
//!   while every access is data-race free by definition.
//! * The arithmetic happens in each thread's own buffers (`Vec<f32>`): a thread copies the
//!   rows it needs in ([`SharedMatrix::read_row`]), computes with SIMD on its private copy,
//!   and adds its deltas back ([`SharedMatrix::add_to_row`]: relaxed load, add, relaxed
//!   store, element pair by element pair). A concurrent update between that load and store
//!   can be lost, exactly as in word2vec.c, but never torn within an element pair and never
//!   undefined.
//! * No `unsafe` code is involved: `AtomicU64` is `Sync`, so `&SharedMatrix` is shared by
//!   `std::thread::scope` threads through ordinary borrows.
//!
//! Relaxed ordering suffices because no thread draws conclusions about *other* memory from a
//! weight it reads; the final weights are read after the scope joins all threads, which
//! synchronises with every store they made.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use ndarray::Array2;

#[inline]
fn pack(lo: f32, hi: f32) -> u64 {
    lo.to_bits() as u64 | ((hi.to_bits() as u64) << 32)
}

#[inline]
fn unpack(v: u64) -> (f32, f32) {
    (f32::from_bits(v as u32), f32::from_bits((v >> 32) as u32))
}

/// A rows×dim matrix of f32 in relaxed atomics, rows padded to an even length.
pub(crate) struct SharedMatrix {
    data: Box<[AtomicU64]>,
    rows: usize,
    dim: usize,
    /// Words (u64) per row: ⌈dim / 2⌉.
    stride: usize,
}

impl SharedMatrix {
    /// Copies an ndarray matrix in.
    pub(crate) fn from_array(a: &Array2<f32>) -> Self {
        let (rows, dim) = a.dim();
        let stride = dim.div_ceil(2);
        let mut data = Vec::with_capacity(rows * stride);
        for row in a.rows() {
            let mut it = row.iter();
            for _ in 0..stride {
                let lo = it.next().copied().unwrap_or(0.0);
                let hi = it.next().copied().unwrap_or(0.0);
                data.push(AtomicU64::new(pack(lo, hi)));
            }
        }
        SharedMatrix {
            data: data.into_boxed_slice(),
            rows,
            dim,
            stride,
        }
    }

    /// Copies the matrix back out (after all threads have joined).
    pub(crate) fn to_array(&self) -> Array2<f32> {
        let mut out = Array2::zeros((self.rows, self.dim));
        let mut buf = vec![0.0; self.dim];
        for (r, mut row) in out.rows_mut().into_iter().enumerate() {
            self.read_row(r, &mut buf);
            row.assign(&ndarray::ArrayView1::from(&buf[..]));
        }
        out
    }

    #[inline]
    fn row_words(&self, row: usize) -> &[AtomicU64] {
        &self.data[row * self.stride..(row + 1) * self.stride]
    }

    /// Copies row `row` into `dst[..dim]`.
    #[inline]
    pub(crate) fn read_row(&self, row: usize, dst: &mut [f32]) {
        let words = self.row_words(row);
        let dst = &mut dst[..self.dim];
        let mut pairs = dst.chunks_exact_mut(2);
        for (w, d) in words.iter().zip(&mut pairs) {
            let (lo, hi) = unpack(w.load(Relaxed));
            d[0] = lo;
            d[1] = hi;
        }
        if let [last] = pairs.into_remainder() {
            *last = unpack(words[self.stride - 1].load(Relaxed)).0;
        }
    }

    /// Adds `delta[..dim]` to row `row` (relaxed load, add, relaxed store per element pair).
    #[inline]
    pub(crate) fn add_to_row(&self, row: usize, delta: &[f32]) {
        let words = self.row_words(row);
        let delta = &delta[..self.dim];
        let mut pairs = delta.chunks_exact(2);
        for (w, d) in words.iter().zip(&mut pairs) {
            let (lo, hi) = unpack(w.load(Relaxed));
            w.store(pack(lo + d[0], hi + d[1]), Relaxed);
        }
        if let [last] = pairs.remainder() {
            let w = &words[self.stride - 1];
            let (lo, hi) = unpack(w.load(Relaxed));
            w.store(pack(lo + last, hi), Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_add_odd_and_even_dims() {
        for dim in [1, 2, 3, 8, 101] {
            let a = Array2::from_shape_fn((4, dim), |(i, j)| i as f32 * 100.0 + j as f32 - 7.5);
            let s = SharedMatrix::from_array(&a);
            assert_eq!(s.to_array(), a);
            let delta: Vec<f32> = (0..dim).map(|j| j as f32 * 0.25).collect();
            s.add_to_row(2, &delta);
            s.add_to_row(2, &delta);
            let b = s.to_array();
            for j in 0..dim {
                assert_eq!(b[[2, j]], a[[2, j]] + 2.0 * delta[j]);
                assert_eq!(b[[1, j]], a[[1, j]]);
            }
        }
    }
}
