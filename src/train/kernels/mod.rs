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

    pub(super) fn scores(a: &[f32], b: &[f32], g: &mut [f32], m: usize, o: usize, n: usize) {
        for i in 0..m {
            let ai = &a[i * n..(i + 1) * n];
            for j in 0..o {
                g[i * o + j] = dot(ai, &b[j * n..(j + 1) * n]);
            }
        }
    }

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
}

#[cfg(target_arch = "x86_64")]
mod avx2;
mod bounds;

use bounds::fits;

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
        // Shapes covering every register-block width (1 to 8 rows, 1 to 6 columns), partial
        // column chunks, column tails, and blocks of more than eight rows.
        for (m, o, n) in [
            (3, 4, 37),
            (1, 1, 8),
            (10, 6, 100),
            (2, 7, 5),
            (30, 6, 64),
            (4, 40, 17),
            (1, 6, 104),
            (5, 3, 104),
            (7, 9, 40),
            (9, 13, 104),
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
