//! The hot loop's arithmetic: dot products, axpy and the small dense products of a batched
//! skip-gram update, with an AVX2+FMA path chosen at run time and a portable fallback.
//!
//! A batched update (pWord2Vec, Ji et al. 2016) works on two small row blocks held in
//! thread-local buffers: A (M×N, the input rows of p) and B (O×N, the output rows: for
//! negative sampling the center word and its negatives, for hierarchical softmax the inner
//! nodes on its Huffman path). One update is
//!
//! ```text
//! G  = A · Bᵀ          (M×O scores)                       — scores()
//! C  = objective(G)    (coefficients α·(label − σ(G)), or α·(y − softmax))
//! ΔA = C · B,  ΔB = Cᵀ · A                                — backprop()
//! ```
//!
//! Every function dispatches once on [`Isa`], so the inner loops are compiled with AVX2 and
//! FMA inside `#[target_feature]` functions and inline there.

/// The instruction set the kernels run on, detected once at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// Portable Rust, auto-vectorised for the compile target's baseline (SSE2 on x86-64).
    Portable,
    /// x86-64 AVX2 with fused multiply-add.
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
}

impl Isa {
    /// The best instruction set this CPU supports.
    pub fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                return Isa::Avx2Fma;
            }
        }
        Isa::Portable
    }

    /// Σᵢ aᵢ·bᵢ over the shorter of the two slices.
    #[inline]
    pub fn dot(self, a: &[f32], b: &[f32]) -> f32 {
        match self {
            Isa::Portable => portable::dot(a, b),
            // SAFETY: `Avx2Fma` is only constructed by `detect` after the CPU reported both
            // features (or by a caller asserting the same); the function is otherwise safe.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => unsafe { avx2::dot(a, b) },
        }
    }

    /// y ← y + α·x over the shorter of the two slices.
    #[inline]
    pub fn axpy(self, alpha: f32, x: &[f32], y: &mut [f32]) {
        match self {
            Isa::Portable => portable::axpy(alpha, x, y),
            // SAFETY: as in `dot`: the CPU supports AVX2 and FMA.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => unsafe { avx2::axpy(alpha, x, y) },
        }
    }

    /// G = A·Bᵀ: `g[i*o + j] = dot(a row i, b row j)` for A of M×N and B of O×N (row-major,
    /// rows of length `n`).
    ///
    /// # Panics
    /// If a slice is shorter than its shape says (an internal invariant of the trainer).
    #[inline]
    pub fn scores(self, a: &[f32], b: &[f32], g: &mut [f32], m: usize, o: usize, n: usize) {
        assert!(a.len() >= m * n && b.len() >= o * n && g.len() >= m * o);
        match self {
            Isa::Portable => portable::scores(a, b, g, m, o, n),
            // SAFETY: CPU support as in `dot`; lengths checked above.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => unsafe { avx2::scores(a, b, g, m, o, n) },
        }
    }

    /// ΔA = C·B (M×N) and ΔB = Cᵀ·A (O×N), overwriting `da` and `db`.
    ///
    /// # Panics
    /// If a slice is shorter than its shape says.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn backprop(
        self,
        c: &[f32],
        a: &[f32],
        b: &[f32],
        da: &mut [f32],
        db: &mut [f32],
        m: usize,
        o: usize,
        n: usize,
    ) {
        assert!(a.len() >= m * n && b.len() >= o * n && c.len() >= m * o);
        assert!(da.len() >= m * n && db.len() >= o * n);
        match self {
            Isa::Portable => portable::backprop(c, a, b, da, db, m, o, n),
            // SAFETY: CPU support as in `dot`; lengths checked above.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => unsafe { avx2::backprop(c, a, b, da, db, m, o, n) },
        }
    }
}

/// The block products written once over a module's `dot` and `axpy`.
macro_rules! block_products {
    ($(#[$attr:meta])*) => {
        $(#[$attr])*
        pub(super) fn scores(a: &[f32], b: &[f32], g: &mut [f32], m: usize, o: usize, n: usize) {
            for i in 0..m {
                let ai = &a[i * n..(i + 1) * n];
                for j in 0..o {
                    g[i * o + j] = dot(ai, &b[j * n..(j + 1) * n]);
                }
            }
        }

        $(#[$attr])*
        #[allow(clippy::too_many_arguments)]
        pub(super) fn backprop(
            c: &[f32], a: &[f32], b: &[f32], da: &mut [f32], db: &mut [f32],
            m: usize, o: usize, n: usize,
        ) {
            da[..m * n].fill(0.0);
            db[..o * n].fill(0.0);
            for i in 0..m {
                let ci = &c[i * o..(i + 1) * o];
                let ai = &a[i * n..(i + 1) * n];
                let dai = &mut da[i * n..(i + 1) * n];
                for j in 0..o {
                    let cij = ci[j];
                    if cij != 0.0 {
                        axpy(cij, &b[j * n..(j + 1) * n], dai);
                        axpy(cij, ai, &mut db[j * n..(j + 1) * n]);
                    }
                }
            }
        }
    };
}

mod portable {
    /// Eight independent accumulators let the compiler vectorise without reassociating.
    pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let mut acc = [0.0f32; 8];
        let mut ca = a.chunks_exact(8);
        let mut cb = b.chunks_exact(8);
        for (x, y) in (&mut ca).zip(&mut cb) {
            for k in 0..8 {
                acc[k] += x[k] * y[k];
            }
        }
        let mut s = (acc[0] + acc[4]) + (acc[1] + acc[5]) + (acc[2] + acc[6]) + (acc[3] + acc[7]);
        for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
            s += x * y;
        }
        s
    }

    pub(super) fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
        for (yi, xi) in y.iter_mut().zip(x) {
            *yi += alpha * xi;
        }
    }

    block_products!();
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// Horizontal sum of the eight lanes.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn hsum(v: __m256) -> f32 {
        let lo = _mm256_castps256_ps128(v);
        let hi = _mm256_extractf128_ps(v, 1);
        let s = _mm_add_ps(lo, hi);
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
        _mm_cvtss_f32(s)
    }

    #[target_feature(enable = "avx2,fma")]
    #[inline]
    pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut acc = [_mm256_setzero_ps(); 4];
        let mut i = 0;
        // SAFETY (all loads below): every load reads 8 floats starting at index i (or i+8k)
        // with i + 8(k+1) ≤ n ≤ both slice lengths, so it stays inside both slices;
        // `loadu` has no alignment requirement.
        while i + 32 <= n {
            for (k, acc) in acc.iter_mut().enumerate() {
                let x = unsafe { _mm256_loadu_ps(pa.add(i + 8 * k)) };
                let y = unsafe { _mm256_loadu_ps(pb.add(i + 8 * k)) };
                *acc = _mm256_fmadd_ps(x, y, *acc);
            }
            i += 32;
        }
        while i + 8 <= n {
            let x = unsafe { _mm256_loadu_ps(pa.add(i)) };
            let y = unsafe { _mm256_loadu_ps(pb.add(i)) };
            acc[0] = _mm256_fmadd_ps(x, y, acc[0]);
            i += 8;
        }
        let sum = _mm256_add_ps(
            _mm256_add_ps(acc[0], acc[1]),
            _mm256_add_ps(acc[2], acc[3]),
        );
        let mut s = hsum(sum);
        while i < n {
            s += a[i] * b[i];
            i += 1;
        }
        s
    }

    #[target_feature(enable = "avx2,fma")]
    #[inline]
    pub(super) fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
        let n = x.len().min(y.len());
        let av = _mm256_set1_ps(alpha);
        let (px, py) = (x.as_ptr(), y.as_mut_ptr());
        let mut i = 0;
        while i + 8 <= n {
            // SAFETY: i + 8 ≤ n ≤ both lengths, so both 8-float accesses are in bounds; `y`
            // is borrowed mutably, so nothing else reads or writes it meanwhile.
            unsafe {
                let yv = _mm256_loadu_ps(py.add(i));
                let xv = _mm256_loadu_ps(px.add(i));
                _mm256_storeu_ps(py.add(i), _mm256_fmadd_ps(av, xv, yv));
            }
            i += 8;
        }
        while i < n {
            y[i] += alpha * x[i];
            i += 1;
        }
    }

    block_products!(#[target_feature(enable = "avx2,fma")]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(len: usize, seed: u32) -> Vec<f32> {
        (0..len)
            .map(|i| ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) % 1000) as f32 / 500.0 - 1.0)
            .collect()
    }

    #[test]
    fn every_isa_matches_a_plain_loop() {
        for isa in [Isa::Portable, Isa::detect()] {
            for n in [0, 1, 7, 8, 9, 31, 32, 33, 100, 300] {
                let (a, b) = (data(n, 1), data(n, 2));
                let want: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
                assert!((isa.dot(&a, &b) as f64 - want).abs() < 1e-4, "{isa:?} n={n}");
                let mut y = b.clone();
                isa.axpy(0.5, &a, &mut y);
                for k in 0..n {
                    assert!((y[k] - (b[k] + 0.5 * a[k])).abs() < 1e-6);
                }
            }
        }
    }

    #[test]
    fn block_products_match_definitions() {
        let (m, o, n) = (3, 4, 37);
        let (a, b, c) = (data(m * n, 3), data(o * n, 4), data(m * o, 5));
        for isa in [Isa::Portable, Isa::detect()] {
            let mut g = vec![0.0; m * o];
            isa.scores(&a, &b, &mut g, m, o, n);
            let (mut da, mut db) = (vec![9.0; m * n], vec![9.0; o * n]);
            isa.backprop(&c, &a, &b, &mut da, &mut db, m, o, n);
            for i in 0..m {
                for j in 0..o {
                    let want: f32 = (0..n).map(|k| a[i * n + k] * b[j * n + k]).sum();
                    assert!((g[i * o + j] - want).abs() < 1e-4);
                }
                for k in 0..n {
                    let want: f32 = (0..o).map(|j| c[i * o + j] * b[j * n + k]).sum();
                    assert!((da[i * n + k] - want).abs() < 1e-4);
                }
            }
            for j in 0..o {
                for k in 0..n {
                    let want: f32 = (0..m).map(|i| c[i * o + j] * a[i * n + k]).sum();
                    assert!((db[j * n + k] - want).abs() < 1e-4);
                }
            }
        }
    }
}
