//! How the ranks of a distributed run combine their changes to a row: the merge rule and
//! the learning rate each rank trains with, chosen together so that no setting needs tuning
//! as the number of ranks K grows.
//!
//! Two kinds of rows pull in opposite directions. A row that every rank updates many times
//! between two merges converges on each rank towards the same point: summing the K changes
//! moves it K times as far, and the next merge pulls it back K times as hard (the error is
//! multiplied by 1 − K per merge; with K = 4 and summing, training diverged). Such rows must
//! be averaged. A row that each rank updates only a few times is in the linear regime: its
//! changes add up as they would had the updates been made one after the other, as Hogwild
//! threads make them, and averaging divides its learning rate by K (pWord2Vec's averaging
//! reached 3.0 % on the analogies with 2 ranks, against 10.4 % for one process).
//!
//! Each rank therefore trains with the learning rate scaled by m = min(K, [`MAX_RATE_SCALE`])
//! ([`rate_scale`]), and a merge multiplies the sum of the K changes to a row by
//! c = (1 − (1 − s)^(K/m)) / (K·s) ([`merge_factor`]), where s is the fraction of the way to
//! its optimum that one rank's updates covered. In a model where every update at rate α
//! covers the fraction h·α of the remaining way (s = 1 − exp(−h·α·n) after n updates,
//! [`saturation`]), the merged row then covers what one process covers when it makes all K
//! ranks' updates in sequence at the unscaled rate. For a row in the linear regime (s → 0)
//! c = 1/m, which undoes the scaled rate: the changes are summed. For a converged row
//! (s → 1) c = 1/K: the rows are averaged. With K ≤ 4, m = K and c = 1/K for every row,
//! whatever s: this is model averaging with the learning rate multiplied by K, which
//! needs no model of s. Larger rates become unstable (word2vec.c's α = 0.1 is the largest
//! in common use), so beyond 4 ranks the rate stays 4α and s decides between 1/4 and 1/K.
//! n comes from the vocabulary's counts and the words all ranks trained since the row's
//! last merge ([`row_rates`]); h is [`CURVATURE`].

// Used by the `mpi` feature's merge only.
#![cfg_attr(not(feature = "mpi"), allow(dead_code))]

use crate::model::huffman::HuffmanTree;
use crate::train::sampling::noise_weights;
use crate::train::schedule::Schedule;

/// h in s = 1 − exp(−h·α·n) (see the module docs), chosen on 8 ranks over 0.1, 0.3 and 1
/// on 30 MB of the second half of 100 MB of English Wikipedia (2015, text8-style) and
/// confirmed on its first 30 MB.
pub(crate) const CURVATURE: f64 = 0.3;

/// The largest factor on a rank's learning rate (see the module docs).
pub(crate) const MAX_RATE_SCALE: usize = 4;

/// m = min(K, [`MAX_RATE_SCALE`]): the factor on the learning rate of each of `k` ranks.
pub(crate) fn rate_scale(k: usize) -> f64 {
    k.clamp(1, MAX_RATE_SCALE) as f64
}

/// Expected updates of every row of p and of p' per word trained (a word as the learning
/// rate counts it: an in-vocabulary token before subsampling), with the learning-rate
/// schedule and the word count at the start of the call.
#[derive(Clone, Debug)]
pub(crate) struct RowRates {
    /// One per row of p (V).
    pub(crate) input: Vec<f64>,
    /// One per row of p' (V), or per inner node of the Huffman tree (V − 1).
    pub(crate) output: Vec<f64>,
    pub(crate) schedule: Schedule,
    /// Words trained before this call (the schedule's position at its start).
    pub(crate) words: u64,
}

/// What the output rows of a run are.
pub(crate) enum OutputRows<'a> {
    /// Negative sampling: p' rows, each a positive word's and a noise word's, drawn with
    /// probability ∝ count^`exponent`.
    Negative { negative: usize, exponent: f64 },
    /// Hierarchical softmax: the tree's inner nodes, each updated with every word below it.
    Hierarchical(&'a HuffmanTree),
    /// Full softmax: every output row with every word.
    Softmax,
}

/// Gradient terms per word trained on every row of p and of the output rows, in units of
/// the context pairs of one kept token (their number is the same on both sides and is part
/// of [`CURVATURE`]). A word's row of p gets one pair per kept token, each with a term for
/// every output row of the pair (1 + negative, or the word's path length); a word's row of
/// p' gets one term per kept token plus negative·q(w) per kept token of any word; an inner
/// node of the tree one per kept token of every word below it.
pub(crate) fn row_rates(
    counts: &[u64],
    keep: &[f32],
    outputs: OutputRows<'_>,
) -> (Vec<f64>, Vec<f64>) {
    let total: f64 = counts.iter().map(|&c| c as f64).sum();
    // Kept tokens of each word per word trained.
    let tokens: Vec<f64> = if total > 0.0 {
        counts
            .iter()
            .zip(keep)
            .map(|(&c, &k)| c as f64 * f64::from(k) / total)
            .collect()
    } else {
        vec![0.0; counts.len()]
    };
    let kept: f64 = tokens.iter().sum();
    match outputs {
        OutputRows::Negative { negative, exponent } => {
            let q = noise_weights(counts, exponent);
            let z: f64 = q.iter().sum();
            let noise = if z > 0.0 {
                negative as f64 * kept / z
            } else {
                0.0
            };
            let output = tokens.iter().zip(&q).map(|(t, q)| t + noise * q).collect();
            // A pair's gradient on the input row has 1 + negative terms.
            let terms = (negative + 1) as f64;
            (tokens.iter().map(|t| t * terms).collect(), output)
        }
        OutputRows::Hierarchical(tree) => {
            let mut nodes = vec![0.0; tree.len().saturating_sub(1)];
            let mut input = vec![0.0; tokens.len()];
            for (w, t) in tokens.iter().enumerate().take(tree.len()) {
                let path = tree.points(w);
                for &p in path {
                    nodes[p as usize] += t;
                }
                // One term per node on the path.
                input[w] = t * path.len() as f64;
            }
            (input, nodes)
        }
        OutputRows::Softmax => {
            let v = counts.len() as f64;
            (
                tokens.iter().map(|t| t * v).collect(),
                vec![kept; counts.len()],
            )
        }
    }
}

/// The factor c on the sum of `k` ranks' changes to a row, each rank training at `m` times
/// the learning rate and having covered the fraction `s` ∈ [0, 1] of the row's way to its
/// optimum: (1 − (1 − s)^(k/m)) / (k·s), from 1/m at s = 0 down to 1/k at s = 1.
pub(crate) fn merge_factor(k: usize, m: f64, s: f64) -> f32 {
    let k = k.max(1) as f64;
    let s = s.clamp(0.0, 1.0);
    if s < 1e-9 {
        return (1.0 / m) as f32;
    }
    ((1.0 - (1.0 - s).powf(k / m)) / (k * s)) as f32
}

/// s for a row updated `rate` times per word while the ranks trained words
/// `from..to` in total (spread over `k` ranks), with α from `schedule` (its mean over that
/// span, the schedule being linear there up to its floor).
pub(crate) fn saturation(
    rate: f64,
    from: u64,
    to: u64,
    k: usize,
    schedule: &Schedule,
    h: f64,
) -> f64 {
    if to <= from {
        return 0.0;
    }
    let alpha = f64::from(schedule.alpha(from / 2 + to / 2));
    let n = rate * (to - from) as f64 / k.max(1) as f64;
    1.0 - (-h * alpha * n).exp()
}

/// Applies a merge to one row: `base` (the row after the last merge, the same on every
/// rank) gains `c`·`sum`, the ranks' summed changes; `now`, the row as this rank's workers
/// left it, loses `mine`, the change this rank sent, and gains `c`·`sum`. Updates the
/// workers made after the row was read for sending stay in `now` (and count in the next
/// merge), instead of being overwritten by the merged value.
pub(crate) fn apply_merge(base: &mut [f32], now: &mut [f32], sum: &[f32], mine: &[f32], c: f32) {
    for (((b, x), d), m) in base.iter_mut().zip(now).zip(sum).zip(mine) {
        *b += c * d;
        *x += c * d - m;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn a_merge_keeps_the_updates_made_while_the_sum_travelled() {
        // Last merged value 1.0; this rank sent its change 0.5 (read 1.5); another rank's
        // change is 0.25, so the sum is 0.75; the workers added 0.125 after the read.
        let mut base = [1.0f32, 1.0];
        let mut now = [1.625f32, 1.5];
        apply_merge(&mut base, &mut now, &[0.75, 0.75], &[0.5, 0.5], 0.5);
        assert_eq!(base, [1.375, 1.375]);
        // The merged value plus what the workers added since the read.
        assert_eq!(now, [1.5, 1.375]);
        // With no update in between, the row becomes the merged value.
        let mut base = [2.0f32];
        let mut now = [3.0f32];
        apply_merge(&mut base, &mut now, &[1.5], &[1.0], 1.0);
        assert_eq!((base, now), ([3.5], [3.5]));
    }

    #[test]
    fn factor_goes_from_summing_to_averaging() {
        // At the unscaled rate (m = 1).
        assert_eq!(merge_factor(4, 1.0, 0.0), 1.0);
        assert_relative_eq!(merge_factor(4, 1.0, 1.0), 0.25);
        assert_relative_eq!(merge_factor(8, 1.0, 1.0), 0.125);
        // K = 2, s = 1/2: sequential covers 3/4, the sum 1, so the factor is 3/4.
        assert_relative_eq!(merge_factor(2, 1.0, 0.5), 0.75);
        // One rank: its own change, whatever s.
        assert_relative_eq!(merge_factor(1, 1.0, 0.7), 1.0);
        // m = K: averaging, whatever s.
        for s in [0.0, 0.01, 0.5, 1.0] {
            assert_relative_eq!(merge_factor(4, 4.0, s), 0.25, epsilon = 1e-6);
        }
        // m = 4 of K = 8: from 1/4 (the scaled rate undone) to 1/8, decreasing in s.
        assert_relative_eq!(merge_factor(8, 4.0, 0.0), 0.25);
        assert_relative_eq!(merge_factor(8, 4.0, 1.0), 0.125);
        let f: Vec<f32> = (0..=10)
            .map(|i| merge_factor(8, 4.0, i as f64 / 10.0))
            .collect();
        assert!(f.windows(2).all(|w| w[1] < w[0]), "{f:?}");
        assert_eq!(
            [1, 2, 3, 4, 8, 64].map(rate_scale),
            [1.0, 2.0, 3.0, 4.0, 4.0, 4.0]
        );
    }

    #[test]
    fn merged_rows_cover_what_sequential_training_covers() {
        // In the model of the module docs: one rank at rate m·α covers s, so at rate α
        // it would cover s₁ = 1 − (1 − s)^(1/m), and one process making all K ranks'
        // updates at α covers 1 − (1 − s₁)^K. The merged row covers c·K·s.
        for k in [2usize, 3, 4, 8, 64] {
            let m = rate_scale(k);
            for i in 1..100 {
                let s = i as f64 / 100.0;
                let covered = f64::from(merge_factor(k, m, s)) * k as f64 * s;
                let s1 = 1.0 - (1.0 - s).powf(1.0 / m);
                let sequential = 1.0 - (1.0 - s1).powi(k as i32);
                assert_relative_eq!(covered, sequential, epsilon = 1e-5);
                assert!(covered <= 1.0 + 1e-6);
            }
        }
    }

    #[test]
    fn rates_count_kept_tokens_and_noise_draws() {
        let counts = [60u64, 30, 10];
        let keep = [0.5f32, 1.0, 1.0];
        let (input, output) = row_rates(
            &counts,
            &keep,
            OutputRows::Negative {
                negative: 5,
                exponent: 1.0,
            },
        );
        // 6 terms (1 + 5 noise words) per pair on the input rows.
        assert_relative_eq!(input[0], 6.0 * 0.3);
        assert_relative_eq!(input[1], 6.0 * 0.3);
        assert_relative_eq!(input[2], 6.0 * 0.1);
        // 0.7 kept tokens per word, 5 noise draws each, q = counts / 100.
        assert_relative_eq!(output[0], 0.3 + 3.5 * 0.6);
        assert_relative_eq!(output[2], 0.1 + 3.5 * 0.1);
        let noise: f64 = output.iter().zip(&input).map(|(o, i)| o - i / 6.0).sum();
        assert_relative_eq!(noise, 3.5, epsilon = 1e-12);
    }

    #[test]
    fn the_root_of_the_tree_is_updated_with_every_kept_token() {
        let counts = [50u64, 20, 20, 10];
        let keep = [1.0f32; 4];
        let tree = HuffmanTree::new(&counts).unwrap();
        let (input, nodes) = row_rates(&counts, &keep, OutputRows::Hierarchical(&tree));
        assert_eq!(nodes.len(), 3);
        assert_relative_eq!(nodes[2], 1.0); // the root is the last node
                                            // A word's row has a term per node on its path, so the input rates and the node
                                            // rates add up to the same mean path length.
        let depth: f64 = (0..4)
            .map(|w| counts[w] as f64 / 100.0 * tree.points(w).len() as f64)
            .sum();
        assert_relative_eq!(nodes.iter().sum::<f64>(), depth, epsilon = 1e-12);
        assert_relative_eq!(input.iter().sum::<f64>(), depth, epsilon = 1e-12);
    }

    #[test]
    fn saturation_grows_with_the_words_since_the_last_merge() {
        let sched = Schedule::Plan {
            alpha: 0.025,
            total: 1e9,
            floor: 1e-4,
            end: 0.0,
        };
        assert_eq!(saturation(0.01, 10, 10, 4, &sched, 1.0), 0.0);
        let a = saturation(0.01, 0, 40_000, 4, &sched, 1.0);
        let b = saturation(0.01, 0, 400_000, 4, &sched, 1.0);
        // 10,000 words per rank, 100 updates, α ≈ 0.025: 1 − e^−2.5.
        assert_relative_eq!(a, 1.0 - (-2.5f64).exp(), epsilon = 1e-3);
        assert!(b > a && b < 1.0);
        // The same span late in training, at a tenth of α, saturates less: 1 − e^−0.25.
        let late = saturation(0.01, 900_000_000, 900_040_000, 4, &sched, 1.0);
        assert_relative_eq!(late, 1.0 - (-0.25f64).exp(), epsilon = 1e-3);
    }
}
