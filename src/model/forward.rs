//! One forward pass through the net: the projection h and the scores u.

use ndarray::{Array1, Array2, ArrayView2};

use super::huffman::HuffmanTree;
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
    /// (see [`SkipGramModel::forward`](super::SkipGramModel::forward)).
    pub scores: Array1<f32>,
    /// `true` when `scores` are hierarchical-softmax log-probabilities rather than h · p'.
    pub hierarchical: bool,
}

impl Forward {
    /// softmax(u): the probability of each vocabulary word appearing at any one context
    /// position, length V.
    pub fn probabilities(&self) -> Array1<f32> {
        Softmax::probabilities(self.scores.view())
    }

    /// The tutorial's picture of 2c output vectors w(t−c) … w(t+c), shape 2c×V. They are
    /// identical because every position shares p'; this is a zero-copy broadcast.
    pub fn scores_per_position(&self, c: usize) -> ArrayView2<'_, f32> {
        self.scores
            .broadcast((2 * c, self.scores.len()))
            .expect("broadcasting a 1-D array to rows of its own length always succeeds")
    }
}

/// ln p(w | h) for every word w: the sum of ln σ(±h·v'ₙ) over the inner nodes n on w's
/// Huffman path, + for a 0 bit and − for a 1 bit (the labels training uses).
pub(super) fn hs_log_probabilities(
    tree: &HuffmanTree,
    nodes: &Array2<f32>,
    h: &Array1<f32>,
) -> Array1<f32> {
    let node_scores = nodes.dot(h);
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
            .sum::<f64>() as f32
    })
}
