//! Softmax: turning the output layer's scores into probabilities, and the cross-entropy loss.

use ndarray::{Array1, ArrayView1, ArrayViewMut1};

use crate::error::{Error, Result};

/// Softmax over a score vector, and the cross-entropy loss the skip-gram net minimises.
///
/// For scores u (length V), softmax(u)ⱼ = exp(uⱼ) / Σₖ exp(uₖ) (Mikolov et al. 2013,
/// "Distributed Representations of Words and Phrases", eq. 2; Rong 2014, "word2vec Parameter
/// Learning Explained", eq. 24). Every function subtracts max(u) first and works in f64,
/// which leaves the result unchanged and keeps `exp` from overflowing, so scores of ±1000,
/// or ±`f32::MAX`, give finite results.
///
/// **Infinite and NaN scores.** The result is never NaN:
/// * scores of −∞ get probability 0 (log-probability −∞), the limit as a score falls;
/// * if some scores are +∞, those words share the probability equally (each gets 1/k for k
///   infinite scores) and every other word gets 0, the limit as those scores rise together;
/// * if every score is −∞, all scores are equal, so the distribution is uniform (1/V);
/// * a NaN score has no meaningful limit: [`Error::NonFinite`].
///
/// Cross-entropy against a one-hot target t is E = −log softmax(u)ₜ, and its gradient with
/// respect to the scores is ∂E/∂u = ŷ − y, where ŷ = softmax(u) and y the one-hot target
/// (Rong 2014, eq. 8).
///
/// ```
/// use ndarray::array;
/// use skipgram::Softmax;
/// let p = Softmax::probabilities(array![1000.0f32, 0.0, -1000.0].view())?;
/// assert!((p.sum() - 1.0).abs() < 1e-6 && p[0] > 0.999);
/// let p = Softmax::probabilities(array![f32::INFINITY, 1.0, f32::INFINITY].view())?;
/// assert_eq!(p, array![0.5f32, 0.0, 0.5]);
/// assert!(Softmax::probabilities(array![f32::NAN, 1.0].view()).is_err());
/// # Ok::<(), skipgram::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Softmax;

impl Softmax {
    /// softmax(u): probabilities that sum to 1, length V, each in [0, 1]. An empty input
    /// gives an empty output. ±∞ as in the [type docs](Softmax).
    ///
    /// # Errors
    /// [`Error::NonFinite`] if a score is NaN.
    pub fn probabilities(scores: ArrayView1<f32>) -> Result<Array1<f32>> {
        let mut out = scores.to_owned();
        Self::probabilities_in_place(out.view_mut())?;
        Ok(out)
    }

    /// softmax(u) computed in place, overwriting the scores (length V).
    ///
    /// # Errors
    /// [`Error::NonFinite`] if a score is NaN; the scores are then left unchanged.
    pub fn probabilities_in_place(mut scores: ArrayViewMut1<f32>) -> Result<()> {
        let n = Normaliser::of(scores.view())?;
        scores.mapv_inplace(|x| n.log_probability(x).exp() as f32);
        Ok(())
    }

    /// log softmax(u) = u − max − log Σ exp(u − max), length V, computed in f64. Finite for
    /// finite scores (a value below −`f32::MAX` saturates at −`f32::MAX`); −∞ for the
    /// words that get probability 0 because of infinite scores (see the
    /// [type docs](Softmax)).
    ///
    /// # Errors
    /// [`Error::NonFinite`] if a score is NaN.
    pub fn log_probabilities(scores: ArrayView1<f32>) -> Result<Array1<f32>> {
        let n = Normaliser::of(scores)?;
        Ok(scores.mapv(|x| n.log_probability_f32(x)))
    }

    /// Cross-entropy loss −log softmax(u)ₜ for the target index t (nats), finite: a loss
    /// above `f32::MAX` saturates at `f32::MAX`.
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] if `target >= V`; [`Error::NonFinite`] if a score is NaN or
    /// infinite.
    pub fn cross_entropy(scores: ArrayView1<f32>, target: usize) -> Result<f32> {
        check(scores, target)?;
        let n = Normaliser::of(scores)?;
        Ok(-n.log_probability_f32(scores[target]))
    }

    /// Gradient of [`cross_entropy`](Self::cross_entropy) with respect to the scores: ŷ − y,
    /// length V.
    ///
    /// # Errors
    /// As [`cross_entropy`](Self::cross_entropy).
    pub fn cross_entropy_gradient(scores: ArrayView1<f32>, target: usize) -> Result<Array1<f32>> {
        check(scores, target)?;
        let mut g = Self::probabilities(scores)?;
        g[target] -= 1.0;
        Ok(g)
    }
}

/// What turns a score into its log-probability: the maximum, log Σ exp(u − max) in f64, and
/// how many scores are +∞.
struct Normaliser {
    max: f64,
    log_z: f64,
    /// ln of the number of +∞ scores, when there are any; `None` otherwise.
    ln_infinite: Option<f64>,
    /// ln V when every score is −∞ (uniform).
    ln_uniform: Option<f64>,
}

impl Normaliser {
    fn of(scores: ArrayView1<f32>) -> Result<Self> {
        if scores.iter().any(|x| x.is_nan()) {
            return Err(Error::NonFinite { what: "scores" });
        }
        let max = scores.fold(f32::NEG_INFINITY, |m, &x| m.max(x)) as f64;
        let mut n = Normaliser {
            max,
            log_z: 0.0,
            ln_infinite: None,
            ln_uniform: None,
        };
        if max == f64::INFINITY {
            let k = scores.iter().filter(|&&x| x == f32::INFINITY).count();
            n.ln_infinite = Some((k as f64).ln());
        } else if max == f64::NEG_INFINITY {
            n.ln_uniform = Some((scores.len() as f64).ln());
        } else {
            // Every term is in [0, 1] and the maximum's is 1: the sum is in [1, V].
            let sum: f64 = scores.iter().map(|&x| (x as f64 - max).exp()).sum();
            n.log_z = sum.ln();
        }
        Ok(n)
    }

    /// ln softmax(u)ₓ in f64 (−∞ for probability 0).
    fn log_probability(&self, x: f32) -> f64 {
        if let Some(ln_k) = self.ln_infinite {
            return if x == f32::INFINITY {
                -ln_k
            } else {
                f64::NEG_INFINITY
            };
        }
        if let Some(ln_v) = self.ln_uniform {
            return -ln_v;
        }
        x as f64 - self.max - self.log_z
    }

    /// [`log_probability`](Self::log_probability) as f32: a finite value below −`f32::MAX`
    /// saturates there; −∞ stays −∞.
    fn log_probability_f32(&self, x: f32) -> f32 {
        let l = self.log_probability(x);
        if l == f64::NEG_INFINITY {
            f32::NEG_INFINITY
        } else {
            l.max(f32::MIN as f64) as f32
        }
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
        let p = Softmax::probabilities(array![1.0f32, 2.0, 3.0].view()).unwrap();
        let z = 1f32.exp() + 2f32.exp() + 3f32.exp();
        assert_abs_diff_eq!(
            p,
            array![1f32.exp() / z, 2f32.exp() / z, 3f32.exp() / z],
            epsilon = 1e-6
        );
        let lp = Softmax::log_probabilities(array![1.0f32, 2.0, 3.0].view()).unwrap();
        assert_abs_diff_eq!(lp, p.mapv(f32::ln), epsilon = 1e-6);
    }

    #[test]
    fn extreme_scores_stay_finite() {
        let s = array![1000.0f32, -1000.0, 999.0];
        let p = Softmax::probabilities(s.view()).unwrap();
        assert!(p.iter().all(|x| x.is_finite()));
        assert_abs_diff_eq!(p.sum(), 1.0, epsilon = 1e-6);
        let lp = Softmax::log_probabilities(s.view()).unwrap();
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
        let mut expected = Softmax::probabilities(s.view()).unwrap();
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

    #[test]
    fn infinite_scores_have_their_limits_and_nan_is_an_error() {
        let (inf, ninf) = (f32::INFINITY, f32::NEG_INFINITY);
        // +∞ takes all the probability, shared equally; −∞ gets none.
        let p = Softmax::probabilities(array![inf, 1.0].view()).unwrap();
        assert_eq!(p, array![1.0f32, 0.0]);
        let p = Softmax::probabilities(array![inf, ninf, 3.0, inf].view()).unwrap();
        assert_eq!(p, array![0.5f32, 0.0, 0.0, 0.5]);
        let lp = Softmax::log_probabilities(array![inf, 1.0, inf].view()).unwrap();
        assert_abs_diff_eq!(lp[0], -(2f32.ln()), epsilon = 1e-7);
        assert_eq!(lp[1], ninf);
        // −∞ next to finite scores: probability 0, the rest as without it.
        let p = Softmax::probabilities(array![ninf, 0.0, 0.0].view()).unwrap();
        assert_eq!(p, array![0.0f32, 0.5, 0.5]);
        // All −∞: all equal, so uniform.
        let p = Softmax::probabilities(array![ninf, ninf, ninf, ninf].view()).unwrap();
        assert_eq!(p, array![0.25f32, 0.25, 0.25, 0.25]);
        // NaN: an error, and the in-place version leaves the scores alone.
        for s in [array![f32::NAN, 1.0], array![inf, f32::NAN]] {
            assert!(matches!(
                Softmax::probabilities(s.view()),
                Err(Error::NonFinite { what: "scores" })
            ));
            assert!(Softmax::log_probabilities(s.view()).is_err());
            let mut t = s.clone();
            assert!(Softmax::probabilities_in_place(t.view_mut()).is_err());
            assert_eq!(t[1].to_bits(), s[1].to_bits());
        }
        // Empty in, empty out.
        assert_eq!(Softmax::probabilities(array![].view()).unwrap().len(), 0);
    }

    #[test]
    fn scores_at_the_ends_of_f32_stay_finite() {
        let (max, min) = (f32::MAX, f32::MIN);
        let s = array![max, min, max, 0.0];
        let p = Softmax::probabilities(s.view()).unwrap();
        assert_eq!(p, array![0.5f32, 0.0, 0.5, 0.0]);
        let lp = Softmax::log_probabilities(s.view()).unwrap();
        assert!(lp.iter().all(|x| x.is_finite()), "{lp}");
        assert_eq!(lp[1], f32::MIN);
        let ce = Softmax::cross_entropy(s.view(), 1).unwrap();
        assert_eq!(ce, f32::MAX);
        let g = Softmax::cross_entropy_gradient(s.view(), 1).unwrap();
        assert_eq!(g, array![0.5f32, -1.0, 0.5, 0.0]);
    }
}
