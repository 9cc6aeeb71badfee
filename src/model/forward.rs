//! One forward pass through the net: the projection h and the scores u.

use ndarray::{Array1, Array2, ArrayView2};

use super::huffman::HuffmanTree;
use crate::error::{Error, Result};
use crate::softmax::Softmax;

/// One forward pass: the projection h (length N) and the scores u (length V).
#[derive(Clone, Debug, PartialEq)]
pub struct Forward {
    /// Vocabulary index of the input word.
    pub index: usize,
    /// h = one-hot · p: row `index` of p, length N.
    pub projection: Array1<f32>,
    /// u = h · p': one score per vocabulary word, length V. For a model trained with
    /// hierarchical softmax, the log-probabilities ln p(w | h) of the Huffman paths instead
    /// (see [`SkipGramModel::forward`](super::SkipGramModel::forward)). From
    /// [`SkipGramModel::forward`](super::SkipGramModel::forward) always finite: a score
    /// beyond the range of f32 saturates at ±`f32::MAX`.
    pub scores: Array1<f32>,
    /// `true` when `scores` are hierarchical-softmax log-probabilities rather than h · p'.
    pub hierarchical: bool,
}

impl Forward {
    /// softmax(u): the probability of each vocabulary word appearing at any one context
    /// position, length V (see [`Softmax`] for how ±∞ scores are treated).
    ///
    /// # Errors
    /// [`Error::NonFinite`] if a score is NaN (possible only if `scores` was set by hand:
    /// [`SkipGramModel::forward`](super::SkipGramModel::forward) gives finite scores).
    pub fn probabilities(&self) -> Result<Array1<f32>> {
        Softmax::probabilities(self.scores.view())
    }

    /// The tutorial's picture of 2c output vectors w(t−c) … w(t+c), shape 2c×V. They are
    /// identical because every position shares p'; this is a zero-copy broadcast, so any c
    /// whose 2c×V elements can be indexed costs nothing.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if 2c or 2c·V overflows (beyond `isize::MAX` elements).
    pub fn scores_per_position(&self, c: usize) -> Result<ArrayView2<'_, f32>> {
        let v = self.scores.len();
        let too_big = || {
            Error::InvalidConfig(format!(
                "the context window c = {c} asks for 2c×V = 2·{c}×{v} output positions, \
                 more than can be indexed"
            ))
        };
        let rows = c.checked_mul(2).ok_or_else(too_big)?;
        self.scores.broadcast((rows, v)).ok_or_else(too_big)
    }
}

/// `rows · h` for each row of `rows` (R×N): the f32 product, where every finite result is
/// as exact as f32 arithmetic allows; a result that overflowed (±∞ or NaN, only possible
/// for weights near `f32::MAX`) is recomputed in f64, where N products of two f32 cannot
/// overflow, and saturated at ±`f32::MAX`. Always finite for finite inputs.
pub(super) fn finite_dot(rows: &Array2<f32>, h: &Array1<f32>) -> Array1<f32> {
    let mut out = rows.dot(h);
    for (u, row) in out.iter_mut().zip(rows.rows()) {
        if !u.is_finite() {
            let exact: f64 = row.iter().zip(h).map(|(&a, &b)| a as f64 * b as f64).sum();
            *u = exact.clamp(f32::MIN as f64, f32::MAX as f64) as f32;
        }
    }
    out
}

/// ln p(w | h) for every word w: the sum of ln σ(±h·v'ₙ) over the inner nodes n on w's
/// Huffman path, + for a 0 bit and − for a 1 bit (the labels training uses).
pub(super) fn hs_log_probabilities(
    tree: &HuffmanTree,
    nodes: &Array2<f32>,
    h: &Array1<f32>,
) -> Array1<f32> {
    let node_scores = finite_dot(nodes, h);
    // ln σ(x) = −ln(1 + e^(−x)), computed stably in f64 for large |x|.
    let ln_sigmoid = |x: f64| -> f64 {
        if x >= 0.0 {
            -(-x).exp().ln_1p()
        } else {
            x - x.exp().ln_1p()
        }
    };
    Array1::from_shape_fn(tree.len(), |w| {
        tree.points(w)
            .iter()
            .zip(tree.code(w))
            .map(|(&n, &bit)| {
                let x = node_scores[n as usize] as f64;
                ln_sigmoid(if bit == 0 { x } else { -x })
            })
            .sum::<f64>()
            // A path of several scores near −f32::MAX can sum below it.
            .max(f32::MIN as f64) as f32
    })
}
