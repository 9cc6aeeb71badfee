//! The AVX2 + FMA kernels, compiled inside `#[target_feature]` functions and run only
//! after [`Isa::detect`](super::Isa::detect) found both features.

use std::arch::x86_64::*;

use super::bounds::fits;

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

/// G = A·Bᵀ in register blocks of up to 2 rows of A × 6 rows of B: twelve independent
/// FMA chains, and 8 loads for every 12 FMAs (instead of 2 loads per FMA).
#[target_feature(enable = "avx2,fma")]
pub(super) fn scores(a: &[f32], b: &[f32], g: &mut [f32], m: usize, o: usize, n: usize) {
    let mut i = 0;
    while i < m {
        let rows = (m - i).min(2);
        let mut j = 0;
        while j < o {
            let cols = (o - j).min(6);
            match (rows, cols) {
                (2, 6) => block::<2, 6>(a, b, g, i, j, o, n),
                (2, 5) => block::<2, 5>(a, b, g, i, j, o, n),
                (2, 4) => block::<2, 4>(a, b, g, i, j, o, n),
                (2, 3) => block::<2, 3>(a, b, g, i, j, o, n),
                (2, 2) => block::<2, 2>(a, b, g, i, j, o, n),
                (2, _) => block::<2, 1>(a, b, g, i, j, o, n),
                (_, 6) => block::<1, 6>(a, b, g, i, j, o, n),
                (_, 5) => block::<1, 5>(a, b, g, i, j, o, n),
                (_, 4) => block::<1, 4>(a, b, g, i, j, o, n),
                (_, 3) => block::<1, 3>(a, b, g, i, j, o, n),
                (_, 2) => block::<1, 2>(a, b, g, i, j, o, n),
                _ => block::<1, 1>(a, b, g, i, j, o, n),
            }
            j += cols;
        }
        i += rows;
    }
}

/// The sums of the eight lanes of each of four vectors.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn hsum4(v0: __m256, v1: __m256, v2: __m256, v3: __m256) -> [f32; 4] {
    // Pairwise sums within each 128-bit half, then the two halves added.
    let s = _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, v3));
    let sum = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    let mut out = [0.0f32; 4];
    // SAFETY: `out` holds four floats; `storeu` has no alignment requirement.
    unsafe { _mm_storeu_ps(out.as_mut_ptr(), sum) };
    out
}

/// One R×C block of G, R ≤ 2 rows of A against C ≤ 6 rows of B.
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
    assert!(fits(a.len(), i + R, n) && fits(b.len(), j + C, n));
    let mut acc = [[_mm256_setzero_ps(); C]; R];
    let mut k = 0;
    while k + 8 <= n {
        let mut av = [_mm256_setzero_ps(); R];
        for (r, v) in av.iter_mut().enumerate() {
            // SAFETY: (i + r)·n + k + 8 ≤ (i + R)·n ≤ a.len(), asserted above.
            *v = unsafe { _mm256_loadu_ps(a.as_ptr().add((i + r) * n + k)) };
        }
        for c in 0..C {
            // SAFETY: (j + c)·n + k + 8 ≤ (j + C)·n ≤ b.len(), asserted above.
            let bv = unsafe { _mm256_loadu_ps(b.as_ptr().add((j + c) * n + k)) };
            for (acc_r, &a_r) in acc.iter_mut().zip(&av) {
                acc_r[c] = _mm256_fmadd_ps(a_r, bv, acc_r[c]);
            }
        }
        k += 8;
    }
    let zero = _mm256_setzero_ps();
    for r in 0..R {
        let mut c = 0;
        while c < C {
            let lane = |q: usize| if c + q < C { acc[r][c + q] } else { zero };
            let sums = hsum4(lane(0), lane(1), lane(2), lane(3));
            for (q, &sum) in sums.iter().enumerate().take(C - c) {
                let mut s = sum;
                for t in k..n {
                    s += a[(i + r) * n + t] * b[(j + c + q) * n + t];
                }
                g[(i + r) * o + j + c + q] = s;
            }
            c += 4;
        }
    }
}

/// A ← A + C·B and B ← B + Cᵀ·A (both from the old values), in three passes: the new B
/// into `db` (from the old A and B), then A in place (from the old B), then `db` back
/// into B. Each pass updates up to eight destination rows at a time, several column
/// chunks of each, so that every broadcast coefficient and every loaded source chunk
/// serves several independent FMA chains (two FMA ports with a latency of four cycles
/// need eight of them to stay busy).
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
    assert!(
        fits(a.len(), m, n) && fits(b.len(), o, n) && fits(c.len(), m, o) && fits(db.len(), o, n)
    );
    if m == 0 || o == 0 || n == 0 {
        return;
    }
    let mut j = 0;
    while j < o {
        let rows = (o - j).min(8);
        // SAFETY: rows j..j + rows < o of B and of `db` and all m rows of A lie inside
        // their slices (asserted above); coefficient (q, i) is c[j + q + i·o], at most
        // (o − 1) + (m − 1)·o < m·o ≤ c.len().
        unsafe {
            rows_update(
                rows,
                RowPass {
                    old: b.as_ptr().add(j * n),
                    dst: db.as_mut_ptr().add(j * n),
                    src: a.as_ptr(),
                    t: m,
                    coef: c.as_ptr().add(j),
                    rs: 1,
                    ts: o,
                    n,
                },
            )
        };
        j += rows;
    }
    let mut i = 0;
    while i < m {
        let rows = (m - i).min(8);
        let row0 = a.as_mut_ptr().wrapping_add(i * n);
        // SAFETY: rows i..i + rows < m of A and all o rows of B lie inside their slices;
        // coefficient (r, j) is c[(i + r)·o + j] < m·o ≤ c.len(). Each chunk of A is
        // read before it is overwritten, and B is not written in this pass.
        unsafe {
            rows_update(
                rows,
                RowPass {
                    old: row0,
                    dst: row0,
                    src: b.as_ptr(),
                    t: o,
                    coef: c.as_ptr().add(i * o),
                    rs: o,
                    ts: 1,
                    n,
                },
            )
        };
        i += rows;
    }
    b[..o * n].copy_from_slice(&db[..o * n]);
}

/// One pass of the update over R destination rows (stride n): dst[r] ← old[r] +
/// Σₛ coef[r·rs + s·ts]·src[s] over the `t` source rows s.
#[derive(Clone, Copy)]
struct RowPass {
    old: *const f32,
    dst: *mut f32,
    src: *const f32,
    t: usize,
    coef: *const f32,
    rs: usize,
    ts: usize,
    n: usize,
}

/// Dispatches [`rows_times`] on the number of rows (1 to 8), with as many column chunks
/// per step as keep its accumulators within the sixteen registers.
///
/// # Safety
/// As [`rows_times`], with R = `rows` ∈ 1..=8.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn rows_update(rows: usize, p: RowPass) {
    // SAFETY: the caller's contract, for R = rows.
    unsafe {
        match rows {
            1 => rows_times::<1, 4>(p),
            2 => rows_times::<2, 4>(p),
            3 => rows_times::<3, 3>(p),
            4 => rows_times::<4, 2>(p),
            5 => rows_times::<5, 2>(p),
            6 => rows_times::<6, 2>(p),
            7 => rows_times::<7, 1>(p),
            _ => rows_times::<8, 1>(p),
        }
    }
}

/// The pass `p` over R rows, K column chunks of eight at a time, then one chunk at a
/// time, then the last n mod 8 columns one at a time.
///
/// # Safety
/// `p.old` and `p.src` point at R and `p.t` readable rows of n floats, `p.dst` at R
/// writable rows (which may be `p.old`'s, but no other), and `p.coef` at
/// `(R − 1)·rs + (t − 1)·ts + 1` readable floats.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn rows_times<const R: usize, const K: usize>(p: RowPass) {
    let n = p.n;
    let mut k = 0;
    while k + 8 * K <= n {
        // SAFETY: columns k..k + 8·K ≤ n of the rows the contract covers.
        unsafe { chunks::<R, K>(p, k) };
        k += 8 * K;
    }
    while k + 8 <= n {
        // SAFETY: columns k..k + 8 ≤ n likewise.
        unsafe { chunks::<R, 1>(p, k) };
        k += 8;
    }
    for col in k..n {
        for r in 0..R {
            // SAFETY: col < n of row r < R of `old`.
            let mut v = unsafe { *p.old.add(r * n + col) };
            for s in 0..p.t {
                // SAFETY: coefficient (r, s) with r < R, s < t; col < n of row s < t.
                v += unsafe { *p.coef.add(r * p.rs + s * p.ts) * *p.src.add(s * n + col) };
            }
            // SAFETY: col < n of row r < R of `dst`, after `old`'s value was read.
            unsafe { *p.dst.add(r * n + col) = v };
        }
    }
}

/// [`rows_times`] on columns k..k + 8·K: R·K accumulators, each coefficient broadcast
/// once for K chunks and each source chunk loaded once for R rows.
///
/// # Safety
/// As [`rows_times`], with k + 8·K ≤ n.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn chunks<const R: usize, const K: usize>(p: RowPass, k: usize) {
    let RowPass {
        old,
        dst,
        src,
        t,
        coef,
        rs,
        ts,
        n,
    } = p;
    let mut acc = [[_mm256_setzero_ps(); K]; R];
    for (r, row) in acc.iter_mut().enumerate() {
        for (q, v) in row.iter_mut().enumerate() {
            // SAFETY: columns k + 8q..k + 8q + 8 ≤ k + 8K ≤ n of row r < R of `old`.
            *v = unsafe { _mm256_loadu_ps(old.add(r * n + k + 8 * q)) };
        }
    }
    for s in 0..t {
        let mut x = [_mm256_setzero_ps(); K];
        for (q, v) in x.iter_mut().enumerate() {
            // SAFETY: the same columns of row s < t of `src`.
            *v = unsafe { _mm256_loadu_ps(src.add(s * n + k + 8 * q)) };
        }
        for (r, row) in acc.iter_mut().enumerate() {
            // SAFETY: coefficient (r, s) with r < R and s < t.
            let cv = _mm256_set1_ps(unsafe { *coef.add(r * rs + s * ts) });
            for (q, v) in row.iter_mut().enumerate() {
                *v = _mm256_fmadd_ps(cv, x[q], *v);
            }
        }
    }
    for (r, row) in acc.iter().enumerate() {
        for (q, v) in row.iter().enumerate() {
            // SAFETY: the columns loaded from row r of `old` above, of row r of `dst`;
            // this chunk of `old` is not read again.
            unsafe { _mm256_storeu_ps(dst.add(r * n + k + 8 * q), *v) };
        }
    }
}
