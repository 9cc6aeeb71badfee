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
//! A += C·B,  B += Cᵀ·A  (both from the old values)     — update()
//! ```
//!
//! Every function dispatches once on [`Isa`], so the inner loops are compiled with AVX2 and
//! FMA inside `#[target_feature]` functions and inline there.

/// The instruction set the kernels run on.
///
/// A value can only be made by [`Isa::detect`] (the best set this CPU supports) or
/// [`Isa::portable`], so safe code can never select instructions the CPU lacks.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Isa(Kind);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Portable Rust, auto-vectorised for the compile target's baseline (SSE2 on x86-64).
    Portable,
    /// x86-64 AVX2 with fused multiply-add; only made after the CPU reported both.
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
}

impl std::fmt::Debug for Isa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Isa {
    /// The best instruction set this CPU supports (AVX2 + FMA on x86-64 where present).
    pub(crate) fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                return Isa(Kind::Avx2Fma);
            }
        }
        Isa(Kind::Portable)
    }

    /// Portable code only, on any CPU (to compare kernels, or to rule SIMD out).
    #[allow(dead_code)] // used by tests and the kernel benchmark
    pub(crate) fn portable() -> Isa {
        Isa(Kind::Portable)
    }

    /// `"Avx2Fma"` or `"Portable"`.
    #[allow(dead_code)] // used by Debug, tests and the kernel benchmark
    pub(crate) fn name(self) -> &'static str {
        match self.0 {
            Kind::Portable => "Portable",
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2Fma => "Avx2Fma",
        }
    }

    /// Σᵢ aᵢ·bᵢ over the shorter of the two slices.
    #[inline]
    #[allow(dead_code)] // used by tests and the kernel benchmark
    pub(crate) fn dot(self, a: &[f32], b: &[f32]) -> f32 {
        match self.0 {
            Kind::Portable => portable::dot(a, b),
            // SAFETY: `Kind::Avx2Fma` is private and only made by `detect` after the CPU
            // reported both features; the function is otherwise safe.
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2Fma => unsafe { avx2::dot(a, b) },
        }
    }

    /// y ← y + α·x over the shorter of the two slices.
    #[inline]
    #[allow(dead_code)] // used by tests and the kernel benchmark
    pub(crate) fn axpy(self, alpha: f32, x: &[f32], y: &mut [f32]) {
        match self.0 {
            Kind::Portable => portable::axpy(alpha, x, y),
            // SAFETY: as in `dot`: the CPU supports AVX2 and FMA.
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2Fma => unsafe { avx2::axpy(alpha, x, y) },
        }
    }

    /// G = A·Bᵀ: `g[i*o + j] = dot(a row i, b row j)` for A of M×N and B of O×N (row-major,
    /// rows of length `n`).
    ///
    /// # Panics
    /// If a slice is shorter than its shape says, or a shape product overflows (an internal
    /// invariant of the trainer; the products are checked, so no shape reaches memory
    /// outside the slices).
    #[inline]
    pub(crate) fn scores(self, a: &[f32], b: &[f32], g: &mut [f32], m: usize, o: usize, n: usize) {
        assert!(fits(a.len(), m, n) && fits(b.len(), o, n) && fits(g.len(), m, o));
        match self.0 {
            Kind::Portable => portable::scores(a, b, g, m, o, n),
            // SAFETY: CPU support as in `dot`; lengths checked above.
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2Fma => unsafe { avx2::scores(a, b, g, m, o, n) },
        }
    }

    /// The SGD step in place: A ← A + C·B and B ← B + Cᵀ·A (both from the old values),
    /// for C of M×O; `db` (≥ O×N) is scratch space.
    ///
    /// # Panics
    /// If a slice is shorter than its shape says, or a shape product overflows.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(crate) fn update(
        self,
        c: &[f32],
        a: &mut [f32],
        b: &mut [f32],
        db: &mut [f32],
        m: usize,
        o: usize,
        n: usize,
    ) {
        assert!(
            fits(a.len(), m, n)
                && fits(b.len(), o, n)
                && fits(c.len(), m, o)
                && fits(db.len(), o, n)
        );
        match self.0 {
            Kind::Portable => portable::update(c, a, b, db, m, o, n),
            // SAFETY: CPU support as in `dot`; lengths checked above.
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2Fma => unsafe { avx2::update(c, a, b, db, m, o, n) },
        }
    }
}

/// Whether a slice of `len` elements holds `rows × cols` of them; `false` when the product
/// overflows, so a wrapped product can never pass as small.
#[inline]
fn fits(len: usize, rows: usize, cols: usize) -> bool {
    rows.checked_mul(cols).is_some_and(|need| need <= len)
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
        pub(super) fn update(
            c: &[f32], a: &mut [f32], b: &mut [f32], db: &mut [f32],
            m: usize, o: usize, n: usize,
        ) {
            // ΔB = Cᵀ·A from the old A, then A += C·B from the old B, then B += ΔB.
            let db = &mut db[..o * n];
            db.fill(0.0);
            for i in 0..m {
                let ai = &a[i * n..(i + 1) * n];
                for j in 0..o {
                    let cij = c[i * o + j];
                    if cij != 0.0 {
                        axpy(cij, ai, &mut db[j * n..(j + 1) * n]);
                    }
                }
            }
            for i in 0..m {
                let ai = &mut a[i * n..(i + 1) * n];
                for j in 0..o {
                    let cij = c[i * o + j];
                    if cij != 0.0 {
                        axpy(cij, &b[j * n..(j + 1) * n], ai);
                    }
                }
            }
            for (bj, dbj) in b[..o * n].iter_mut().zip(db.iter()) {
                *bj += *dbj;
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
        // Every load reads 8 floats starting at index i (or i+8k) with i + 8(k+1) ≤ n ≤ both
        // slice lengths, so it stays inside both slices; `loadu` has no alignment requirement.
        while i + 32 <= n {
            for (k, acc) in acc.iter_mut().enumerate() {
                // SAFETY: i + 8k + 8 ≤ i + 32 ≤ n ≤ a.len() (see above).
                let x = unsafe { _mm256_loadu_ps(pa.add(i + 8 * k)) };
                // SAFETY: likewise for b.
                let y = unsafe { _mm256_loadu_ps(pb.add(i + 8 * k)) };
                *acc = _mm256_fmadd_ps(x, y, *acc);
            }
            i += 32;
        }
        while i + 8 <= n {
            // SAFETY: i + 8 ≤ n ≤ a.len().
            let x = unsafe { _mm256_loadu_ps(pa.add(i)) };
            // SAFETY: i + 8 ≤ n ≤ b.len().
            let y = unsafe { _mm256_loadu_ps(pb.add(i)) };
            acc[0] = _mm256_fmadd_ps(x, y, acc[0]);
            i += 8;
        }
        let sum = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
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

    /// Rows (of A or B) held in registers by the blocked `update`; larger blocks (long
    /// Huffman paths, full softmax) take the axpy loop.
    const MAX_BLOCK: usize = 24;

    /// G = A·Bᵀ in 2×4 register blocks (2×1 for leftover columns): each loaded chunk of A
    /// and B serves several dot products (6 loads per 8 FMAs instead of 2 per FMA).
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn scores(a: &[f32], b: &[f32], g: &mut [f32], m: usize, o: usize, n: usize) {
        let mut i = 0;
        while i < m {
            let rows = if i + 2 <= m { 2 } else { 1 };
            let mut j = 0;
            while j < o {
                if j + 4 <= o {
                    if rows == 2 {
                        block::<2, 4>(a, b, g, i, j, o, n);
                    } else {
                        block::<1, 4>(a, b, g, i, j, o, n);
                    }
                    j += 4;
                } else {
                    if rows == 2 {
                        block::<2, 1>(a, b, g, i, j, o, n);
                    } else {
                        block::<1, 1>(a, b, g, i, j, o, n);
                    }
                    j += 1;
                }
            }
            i += rows;
        }
    }

    /// One R×C block of G, R ≤ 2 rows of A against C ≤ 4 rows of B.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn block<const R: usize, const C: usize>(
        a: &[f32],
        b: &[f32],
        g: &mut [f32],
        i: usize,
        j: usize,
        o: usize,
        n: usize,
    ) {
        // Bounds: rows i..i+R of A and j..j+C of B, each n long, lie inside the slices
        // (the caller checked a.len() ≥ m·n, b.len() ≥ o·n, i + R ≤ m, j + C ≤ o).
        assert!(super::fits(a.len(), i + R, n) && super::fits(b.len(), j + C, n));
        let mut acc = [[_mm256_setzero_ps(); C]; R];
        let mut k = 0;
        while k + 8 <= n {
            let mut bv = [_mm256_setzero_ps(); C];
            for (c, v) in bv.iter_mut().enumerate() {
                // SAFETY: (j + c)·n + k + 8 ≤ (j + C)·n ≤ b.len(), asserted above.
                *v = unsafe { _mm256_loadu_ps(b.as_ptr().add((j + c) * n + k)) };
            }
            for (r, acc_r) in acc.iter_mut().enumerate() {
                // SAFETY: (i + r)·n + k + 8 ≤ (i + R)·n ≤ a.len(), asserted above.
                let av = unsafe { _mm256_loadu_ps(a.as_ptr().add((i + r) * n + k)) };
                for c in 0..C {
                    acc_r[c] = _mm256_fmadd_ps(av, bv[c], acc_r[c]);
                }
            }
            k += 8;
        }
        for r in 0..R {
            for c in 0..C {
                let mut s = hsum(acc[r][c]);
                for t in k..n {
                    s += a[(i + r) * n + t] * b[(j + c) * n + t];
                }
                g[(i + r) * o + j + c] = s;
            }
        }
    }

    /// A ← A + C·B and B ← B + Cᵀ·A, eight columns at a time: column chunk k of the new A
    /// and B depends only on chunk k of the old ones, so each chunk of every row is loaded
    /// once, updated in registers and stored once.
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn update(
        c: &[f32],
        a: &mut [f32],
        b: &mut [f32],
        db: &mut [f32],
        m: usize,
        o: usize,
        n: usize,
    ) {
        if m > MAX_BLOCK || o > MAX_BLOCK {
            return update_axpy(c, a, b, db, m, o, n);
        }
        assert!(
            super::fits(a.len(), m, n) && super::fits(b.len(), o, n) && super::fits(c.len(), m, o)
        );
        let mut ta = [_mm256_setzero_ps(); MAX_BLOCK];
        let mut tb = [_mm256_setzero_ps(); MAX_BLOCK];
        let mut k = 0;
        while k + 8 <= n {
            for (i, t) in ta[..m].iter_mut().enumerate() {
                // SAFETY: i·n + k + 8 ≤ m·n ≤ a.len() for i < m and k + 8 ≤ n (asserted
                // above with checked products).
                *t = unsafe { _mm256_loadu_ps(a.as_ptr().add(i * n + k)) };
            }
            for (j, t) in tb[..o].iter_mut().enumerate() {
                // SAFETY: j·n + k + 8 ≤ o·n ≤ b.len() likewise.
                *t = unsafe { _mm256_loadu_ps(b.as_ptr().add(j * n + k)) };
            }
            update_chunk(&ta[..m], &tb[..o], |i, j| c[i * o + j], a, k, n);
            update_chunk(&tb[..o], &ta[..m], |j, i| c[i * o + j], b, k, n);
            k += 8;
        }
        // The last n mod 8 columns, scalar.
        for t in k..n {
            let old_a: [f32; MAX_BLOCK] =
                std::array::from_fn(|i| if i < m { a[i * n + t] } else { 0.0 });
            for i in 0..m {
                a[i * n + t] += (0..o).map(|j| c[i * o + j] * b[j * n + t]).sum::<f32>();
            }
            for j in 0..o {
                b[j * n + t] += (0..m).map(|i| c[i * o + j] * old_a[i]).sum::<f32>();
            }
        }
    }

    /// Stores chunk k (columns k..k+8) of the updated rows: row r of `dst` (stride n) gets
    /// old[r] + Σₜ coef(r, t)·src[t], computed four rows at a time so that four independent
    /// FMA chains hide the FMA latency.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn update_chunk(
        old: &[__m256],
        src: &[__m256],
        coef: impl Fn(usize, usize) -> f32,
        dst: &mut [f32],
        k: usize,
        n: usize,
    ) {
        let rows = old.len();
        assert!(k + 8 <= n && super::fits(dst.len(), rows, n));
        let mut r = 0;
        while r < rows {
            let (stored, acc) = if r + 4 <= rows {
                (
                    4,
                    rows_times::<4>(&old[r..r + 4], src, |q, t| coef(r + q, t)),
                )
            } else {
                let one = rows_times::<1>(&old[r..r + 1], src, |_, t| coef(r, t));
                (1, [one[0]; 4])
            };
            for (q, v) in acc[..stored].iter().enumerate() {
                // SAFETY: (r + q)·n + k + 8 ≤ rows·n ≤ dst.len() (asserted above).
                unsafe { _mm256_storeu_ps(dst.as_mut_ptr().add((r + q) * n + k), *v) };
            }
            r += stored;
        }
    }

    /// For R destination chunks `dst[r]`: dst[r] + Σₜ coef(r, t)·src[t], as R independent
    /// FMA chains sharing each loaded `src[t]`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn rows_times<const R: usize>(
        dst: &[__m256],
        src: &[__m256],
        coef: impl Fn(usize, usize) -> f32,
    ) -> [__m256; R] {
        let mut acc: [__m256; R] = std::array::from_fn(|r| dst[r]);
        for (t, &s) in src.iter().enumerate() {
            for (r, a) in acc.iter_mut().enumerate() {
                *a = _mm256_fmadd_ps(_mm256_set1_ps(coef(r, t)), s, *a);
            }
        }
        acc
    }

    // The axpy-loop `update` for blocks too large for registers; `scores` serves the tests.
    #[allow(dead_code)]
    mod generic {
        use super::{axpy, dot};
        block_products!(#[target_feature(enable = "avx2,fma")]);
    }
    use generic::update as update_axpy;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(len: usize, seed: u32) -> Vec<f32> {
        (0..len)
            .map(|i| {
                ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) % 1000) as f32 / 500.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn every_isa_matches_a_plain_loop() {
        for isa in [Isa::portable(), Isa::detect()] {
            for n in [0, 1, 7, 8, 9, 31, 32, 33, 100, 300] {
                let (a, b) = (data(n, 1), data(n, 2));
                let want: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
                assert!(
                    (isa.dot(&a, &b) as f64 - want).abs() < 1e-4,
                    "{isa:?} n={n}"
                );
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
        // Shapes covering full and partial register blocks, column tails, and blocks too
        // large for registers (m or o > 24).
        for (m, o, n) in [
            (3, 4, 37),
            (1, 1, 8),
            (10, 6, 100),
            (2, 7, 5),
            (30, 6, 64),
            (4, 40, 17),
        ] {
            check_shape(m, o, n);
        }
    }

    fn check_shape(m: usize, o: usize, n: usize) {
        let (a, b, c) = (data(m * n, 3), data(o * n, 4), data(m * o, 5));
        for isa in [Isa::portable(), Isa::detect()] {
            let mut g = vec![0.0; m * o];
            isa.scores(&a, &b, &mut g, m, o, n);
            let (mut a2, mut b2, mut scratch) = (a.clone(), b.clone(), vec![9.0; o * n]);
            isa.update(&c, &mut a2, &mut b2, &mut scratch, m, o, n);
            for i in 0..m {
                for j in 0..o {
                    let want: f32 = (0..n).map(|k| a[i * n + k] * b[j * n + k]).sum();
                    assert!((g[i * o + j] - want).abs() < 1e-4);
                }
                for k in 0..n {
                    let want: f32 =
                        a[i * n + k] + (0..o).map(|j| c[i * o + j] * b[j * n + k]).sum::<f32>();
                    assert!((a2[i * n + k] - want).abs() < 1e-4);
                }
            }
            for j in 0..o {
                for k in 0..n {
                    let want: f32 =
                        b[j * n + k] + (0..m).map(|i| c[i * o + j] * a[i * n + k]).sum::<f32>();
                    assert!((b2[j * n + k] - want).abs() < 1e-4);
                }
            }
        }
    }
}
