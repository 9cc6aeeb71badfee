//! The arithmetic under the queries: norms and cosines accumulated in f64, unit vectors,
//! the k best scores, and how a pass over the vectors is split among threads and batches.

use ndarray::{Array1, ArrayView1};

/// Rows per task when a pass over the vectors is split among threads.
pub(super) const BLOCK_ROWS: usize = 8192;

/// Threads for a pass over `values` values: all cores from 4 M values (16 MB) on, else one.
pub(super) fn threads_for(values: usize) -> usize {
    if values >= 1 << 22 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        1
    }
}

/// ‖v‖ accumulated in f64, in 8 independent partial sums (so that the loop vectorises and
/// is bound by memory, not by the latency of one chain of additions).
pub(super) fn norm64(v: ArrayView1<'_, f32>) -> f64 {
    const LANES: usize = 8;
    let sum_sq = |xs: &[f32]| {
        let mut acc = [0.0f64; LANES];
        let mut chunks = xs.chunks_exact(LANES);
        for c in &mut chunks {
            for (a, &x) in acc.iter_mut().zip(c) {
                *a += f64::from(x) * f64::from(x);
            }
        }
        let tail: f64 = chunks
            .remainder()
            .iter()
            .map(|&x| f64::from(x) * f64::from(x))
            .sum();
        acc.iter().sum::<f64>() + tail
    };
    match v.as_slice() {
        Some(xs) => sum_sq(xs).sqrt(),
        None => v
            .iter()
            .map(|&x| f64::from(x) * f64::from(x))
            .sum::<f64>()
            .sqrt(),
    }
}

/// cos(a, b) = (a·b)/(‖a‖‖b‖) entirely in f64; 0 if either vector is zero.
pub(crate) fn cos64(a: ArrayView1<'_, f32>, b: ArrayView1<'_, f32>) -> f64 {
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    if aa > 0.0 && bb > 0.0 {
        ab / (aa.sqrt() * bb.sqrt())
    } else {
        0.0
    }
}

/// v/‖v‖ with the norm accumulated in f64, or zeros if v is zero.
pub(crate) fn unit(v: ArrayView1<'_, f32>) -> Array1<f32> {
    let norm = norm64(v);
    if norm > 0.0 {
        v.mapv(|x| (f64::from(x) / norm) as f32)
    } else {
        Array1::zeros(v.len())
    }
}

/// Most scratch memory one batched matrix product of the query APIs uses: 64 MiB.
pub(crate) const BATCH_SCRATCH_BYTES: usize = 64 << 20;

/// Queries per batched product so that `per_query` rows of `rows` f32 scores each stay
/// within [`BATCH_SCRATCH_BYTES`]; at least 1.
pub(crate) fn batch_rows(rows: usize, per_query: usize) -> usize {
    let per = rows.saturating_mul(per_query).saturating_mul(4).max(1);
    (BATCH_SCRATCH_BYTES / per).max(1)
}

/// The `k` highest scores with their indices, best first (ties: lower index first), skipping
/// the indices in `exclude`. Selects with `select_nth_unstable_by`, then sorts only the k.
pub(crate) fn top_k(scores: ArrayView1<'_, f32>, k: usize, exclude: &[usize]) -> Vec<(usize, f32)> {
    if k == 0 {
        return Vec::new();
    }
    // Long exclusion lists are searched in sorted order rather than scanned for every word.
    let mut sorted = Vec::new();
    if exclude.len() > 16 {
        sorted.extend_from_slice(exclude);
        sorted.sort_unstable();
    }
    let excluded = |i: &usize| {
        if sorted.is_empty() {
            exclude.contains(i)
        } else {
            sorted.binary_search(i).is_ok()
        }
    };
    let order = |x: &(usize, f32), y: &(usize, f32)| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0));
    let candidates = scores
        .iter()
        .enumerate()
        .filter(|(i, _)| !excluded(i))
        .map(|(i, &s)| (i, s));
    // At most 2k candidates are held (not one per word: 48 MB for 3 million words): when
    // 2k are gathered, the best k are kept and the k-th becomes the bar to beat.
    let mut cand: Vec<(usize, f32)> = Vec::with_capacity(k.saturating_mul(2).min(scores.len()));
    let mut bar: Option<(usize, f32)> = None;
    for c in candidates {
        if bar.is_some_and(|b| order(&c, &b).is_ge()) {
            continue;
        }
        cand.push(c);
        if cand.len() >= k.saturating_mul(2) {
            cand.select_nth_unstable_by(k - 1, order);
            cand.truncate(k);
            bar = Some(cand[k - 1]);
        }
    }
    if k < cand.len() {
        cand.select_nth_unstable_by(k - 1, order);
        cand.truncate(k);
    }
    cand.sort_unstable_by(order);
    cand
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn top_k_selects_and_orders() {
        let s = array![0.1f32, 0.9, 0.5, 0.9, -1.0, 0.7];
        assert_eq!(top_k(s.view(), 3, &[]), vec![(1, 0.9), (3, 0.9), (5, 0.7)]);
        assert_eq!(top_k(s.view(), 2, &[1, 5]), vec![(3, 0.9), (2, 0.5)]);
        assert_eq!(top_k(s.view(), 0, &[]), vec![]);
        assert_eq!(top_k(s.view(), 10, &[0, 1, 2, 3]).len(), 2);
        // A long exclusion list (searched sorted), with out-of-range entries.
        let long: Vec<usize> = (0..40).rev().filter(|&i| i != 2 && i != 4).collect();
        assert_eq!(top_k(s.view(), 5, &long), vec![(2, 0.5), (4, -1.0)]);
    }

    #[test]
    fn top_k_of_many_scores_equals_a_full_sort() {
        // Scores with many ties (multiples of 1/16), so that the index order matters, and
        // k far below the count, so that the bar to beat is used.
        let scores: Array1<f32> = (0..5000u64)
            .map(|i| ((i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) % 64) as f32 / 16.0)
            .collect();
        let exclude = [3, 17, 4999];
        let mut all: Vec<(usize, f32)> = scores
            .iter()
            .enumerate()
            .filter(|(i, _)| !exclude.contains(i))
            .map(|(i, &s)| (i, s))
            .collect();
        all.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        for k in [1, 2, 7, 10, 100, 4997, 6000] {
            let want = &all[..k.min(all.len())];
            assert_eq!(top_k(scores.view(), k, &exclude), want, "k {k}");
        }
    }
}
