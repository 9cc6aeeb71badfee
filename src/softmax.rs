//! Softmax: turning the output layer's scores into probabilities, and the cross-entropy loss.

use ndarray::{Array1, ArrayView1, ArrayViewMut1};

use crate::error::{Error, Result};

/// Softmax over a score vector, and the cross-entropy loss the skip-gram net minimises.
///
/// For scores u (length V), softmax(u)ⱼ = exp(uⱼ) / Σₖ exp(uₖ) (Mikolov et al. 2013,
/// "Distributed Representations of Words and Phrases", eq. 2; Rong 2014, "word2vec Parameter
/// Learning Explained", eq. 24). Every function subtracts max(u) first, which leaves the
/// result unchanged and keeps `exp` from overflowing, so scores of ±1000 give finite results.
///
/// Cross-entropy against a one-hot target t is E = −log softmax(u)ₜ, and its gradient with
/// respect to the scores is ∂E/∂u = ŷ − y, where ŷ = softmax(u) and y the one-hot target
/// (Rong 2014, eq. 8).
///
/// ```
/// use ndarray::array;
/// use skipgram::Softmax;
/// let p = Softmax::probabilities(array![1000.0f32, 0.0, -1000.0].view());
/// assert!((p.sum() - 1.0).abs() < 1e-6 && p[0] > 0.999);
/// # Ok::<(), skipgram::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Softmax;

impl Softmax {
    /// softmax(u): probabilities that sum to 1, length V. An empty input gives an empty output.
    pub fn probabilities(scores: ArrayView1<f32>) -> Array1<f32> {
        let mut out = scores.to_owned();
        Self::probabilities_in_place(out.view_mut());
        out
    }

    /// softmax(u) computed in place, overwriting the scores.
    pub fn probabilities_in_place(mut scores: ArrayViewMut1<f32>) {
        let max = scores.fold(f32::NEG_INFINITY, |m, &x| m.max(x));
        let mut sum = 0.0f64;
        scores.mapv_inplace(|x| {
            let e = (x - max).exp();
            sum += e as f64;
            e
        });
        let inv = (1.0 / sum) as f32;
        scores.mapv_inplace(|e| e * inv);
    }

    /// log softmax(u) = u − max − log Σ exp(u − max), length V; finite for finite scores.
    pub fn log_probabilities(scores: ArrayView1<f32>) -> Array1<f32> {
        let (max, log_z) = Self::log_normaliser(scores);
        scores.mapv(|x| x - max - log_z)
    }

    /// Cross-entropy loss −log softmax(u)ₜ for the target index t (nats).
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] if `target >= V`; [`Error::NonFinite`] if a score is NaN or
    /// infinite.
    pub fn cross_entropy(scores: ArrayView1<f32>, target: usize) -> Result<f32> {
        check(scores, target)?;
        let (max, log_z) = Self::log_normaliser(scores);
        Ok(-(scores[target] - max - log_z))
    }

    /// Gradient of [`cross_entropy`](Self::cross_entropy) with respect to the scores: ŷ − y,
    /// length V.
    ///
    /// # Errors
    /// As [`cross_entropy`](Self::cross_entropy).
    pub fn cross_entropy_gradient(scores: ArrayView1<f32>, target: usize) -> Result<Array1<f32>> {
        check(scores, target)?;
        let mut g = Self::probabilities(scores);
        g[target] -= 1.0;
        Ok(g)
    }

    /// (max, log Σ exp(u − max)), accumulated in f64.
    fn log_normaliser(scores: ArrayView1<f32>) -> (f32, f32) {
        let max = scores.fold(f32::NEG_INFINITY, |m, &x| m.max(x));
        let sum: f64 = scores.iter().map(|&x| ((x - max) as f64).exp()).sum();
        (max, sum.ln() as f32)
    }
}

fn check(scores: ArrayView1<f32>, target: usize) -> Result<()> {
    if target >= scores.len() {
        return Err(Error::IndexOutOfRange {
            index: target,
            len: scores.len(),
        });
    }
    if scores.iter().any(|x| !x.is_finite()) {
        return Err(Error::NonFinite { what: "scores" });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    #[test]
    fn known_values() {
        // softmax([1, 2, 3]) = e^k / (e + e^2 + e^3).
        let p = Softmax::probabilities(array![1.0f32, 2.0, 3.0].view());
        let z = 1f32.exp() + 2f32.exp() + 3f32.exp();
        assert_abs_diff_eq!(
            p,
            array![1f32.exp() / z, 2f32.exp() / z, 3f32.exp() / z],
            epsilon = 1e-6
        );
        let lp = Softmax::log_probabilities(array![1.0f32, 2.0, 3.0].view());
        assert_abs_diff_eq!(lp, p.mapv(f32::ln), epsilon = 1e-6);
    }

    #[test]
    fn extreme_scores_stay_finite() {
        let s = array![1000.0f32, -1000.0, 999.0];
        let p = Softmax::probabilities(s.view());
        assert!(p.iter().all(|x| x.is_finite()));
        assert_abs_diff_eq!(p.sum(), 1.0, epsilon = 1e-6);
        let lp = Softmax::log_probabilities(s.view());
        assert!(lp.iter().all(|x| x.is_finite()));
        assert_abs_diff_eq!(
            lp[1],
            -2000.0 - (1.0f32 + (-1.0f32).exp()).ln(),
            epsilon = 1e-3
        );
        let ce = Softmax::cross_entropy(s.view(), 1).unwrap();
        assert!(ce.is_finite() && ce > 1999.0);
    }

    #[test]
    fn gradient_is_probabilities_minus_target() {
        let s = array![0.5f32, -1.0, 2.0, 0.0];
        let g = Softmax::cross_entropy_gradient(s.view(), 2).unwrap();
        let mut expected = Softmax::probabilities(s.view());
        expected[2] -= 1.0;
        assert_abs_diff_eq!(g, expected, epsilon = 1e-7);
        assert_abs_diff_eq!(g.sum(), 0.0, epsilon = 1e-6);
        // Central finite differences of the loss agree with ŷ − y.
        let h = 1e-2f32;
        for k in 0..4 {
            let (mut up, mut down) = (s.clone(), s.clone());
            up[k] += h;
            down[k] -= h;
            let fd = (Softmax::cross_entropy(up.view(), 2).unwrap()
                - Softmax::cross_entropy(down.view(), 2).unwrap())
                / (2.0 * h);
            assert_abs_diff_eq!(fd, g[k], epsilon = 1e-3);
        }
    }

    #[test]
    fn errors() {
        let s = array![0.0f32, f32::NAN];
        assert!(matches!(
            Softmax::cross_entropy(s.view(), 0),
            Err(Error::NonFinite { .. })
        ));
        assert!(matches!(
            Softmax::cross_entropy_gradient(array![0.0f32].view(), 1),
            Err(Error::IndexOutOfRange { .. })
        ));
    }
}
