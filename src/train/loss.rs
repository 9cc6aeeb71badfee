//! How each objective turns scores into gradient coefficients.
//!
//! Every objective sees a block of scores G = A·Bᵀ (inputs × outputs) and writes, in place,
//! the coefficients C = −α·∂E/∂G that the kernels then back-propagate: ΔA = C·B, ΔB = Cᵀ·A.
//!
//! * **Full softmax** (the tutorial's net, L. Lorenz, "Forward Propagation: Building a
//!   Skip-Gram Net From the Ground Up"; Rong 2014, eqs. 23–30): E = −Σ_ctx log softmax(u)_ctx,
//!   so ∂E/∂uⱼ = m·ŷⱼ − count_ctx(j) for the m context positions of one center word.
//! * **Negative sampling** (Mikolov et al. 2013, eq. 4): E = −log σ(u_pos) − Σ_neg log σ(−u),
//!   so ∂E/∂u = σ(u) − label with label 1 for the positive word, 0 for the negatives.
//! * **Hierarchical softmax** (Mikolov et al. 2013, eq. 3): E = −Σ_nodes log σ(±u), with
//!   label = 1 − code bit, so again ∂E/∂u = σ(u) − label.
//!
//! σ and −log σ come from precomputed tables over [−6, 6] (word2vec.c's `expTable`, with
//! `MAX_EXP` = 6): outside that range σ saturates to 0 or 1 as in word2vec.c.

const MAX_EXP: f32 = 6.0;
const TABLE_SIZE: usize = 2048;

/// Tables of σ(x) and −log σ(x) for x in [−MAX_EXP, MAX_EXP].
pub(crate) struct SigmoidTable {
    sigmoid: Box<[f32; TABLE_SIZE]>,
    neg_log_sigmoid: Box<[f32; TABLE_SIZE]>,
}

impl SigmoidTable {
    pub(crate) fn new() -> Self {
        let (mut s, mut l) = (
            Vec::with_capacity(TABLE_SIZE),
            Vec::with_capacity(TABLE_SIZE),
        );
        for i in 0..TABLE_SIZE {
            // Cell midpoints, so rounding down in `index` is unbiased.
            let x = ((i as f64 + 0.5) / TABLE_SIZE as f64 * 2.0 - 1.0) * MAX_EXP as f64;
            s.push((1.0 / (1.0 + (-x).exp())) as f32);
            l.push((1.0 + (-x).exp()).ln() as f32);
        }
        let table = |v: Vec<f32>| -> Box<[f32; TABLE_SIZE]> {
            v.into_boxed_slice()
                .try_into()
                .expect("TABLE_SIZE entries were pushed")
        };
        SigmoidTable {
            sigmoid: table(s),
            neg_log_sigmoid: table(l),
        }
    }

    #[inline]
    fn index(x: f32) -> usize {
        let i = ((x + MAX_EXP) * (TABLE_SIZE as f32 / (2.0 * MAX_EXP))) as usize;
        i.min(TABLE_SIZE - 1)
    }

    /// σ(x), saturating outside [−6, 6].
    #[cfg(test)]
    pub(crate) fn sigmoid(&self, x: f32) -> f32 {
        self.both(x).0
    }

    /// −log σ(x) (nats); beyond the table, the asymptotes 0 and −x.
    #[cfg(test)]
    pub(crate) fn neg_log_sigmoid(&self, x: f32) -> f32 {
        self.both(x).1
    }

    /// (σ(x), −log σ(x)) from one table cell: saturating to (1, 0) and (0, −x) outside
    /// [−6, 6].
    #[inline]
    fn both(&self, x: f32) -> (f32, f32) {
        if x >= MAX_EXP {
            (1.0, 0.0)
        } else if x <= -MAX_EXP {
            (0.0, -x)
        } else {
            let i = Self::index(x);
            (self.sigmoid[i], self.neg_log_sigmoid[i])
        }
    }

    /// Binary-label objectives (negative sampling, hierarchical softmax): turns the scores
    /// `g` (M×O, row-major) into coefficients α·wᵢ·vⱼ·(labelⱼ − σ(gᵢⱼ)) in place and
    /// returns the loss Σ wᵢ·vⱼ·(−log σ(±gᵢⱼ)), where wᵢ and vⱼ count how often row i and
    /// column j occur in the batch. Returns `None` if a score is not finite (divergence).
    #[inline]
    pub(crate) fn binary_coefficients(
        &self,
        g: &mut [f32],
        labels: &[f32],
        row_weights: &[f32],
        col_weights: &[f32],
        alpha: f32,
    ) -> Option<f64> {
        let o = labels.len();
        // One block's loss (a few dozen terms) is summed in f32; the caller sums blocks in
        // f64, per worker thread and over threads (an f32 tally of the whole run stops
        // growing at 2^24 times its terms: gensim's loss stuck at 134217728).
        let mut loss = 0.0f32;
        let mut check = 0.0f32;
        for (row, &wr) in g.chunks_exact_mut(o).zip(row_weights) {
            for ((x, &label), &wc) in row.iter_mut().zip(labels).zip(col_weights) {
                let u = *x;
                check += u;
                let w = wr * wc;
                let (sigmoid, nls) = self.both(u);
                // −log σ(−u) = −log σ(u) + u.
                loss += w * if label > 0.5 { nls } else { nls + u };
                *x = alpha * w * (label - sigmoid);
            }
        }
        check.is_finite().then_some(f64::from(loss))
    }
}

/// Full softmax over one row of V scores for a center word with context indices `contexts`:
/// replaces the scores with α·(count_ctx(j) − m·ŷⱼ) and returns Σ_ctx −log ŷ_ctx, or `None`
/// if a score is not finite.
pub(crate) fn softmax_coefficients(
    scores: &mut [f32],
    contexts: &[u32],
    alpha: f32,
) -> Option<f64> {
    let max = scores.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
    if !max.is_finite() {
        return None;
    }
    let mut z = 0.0f64;
    for x in scores.iter_mut() {
        let e = (*x - max).exp();
        z += e as f64;
        *x = e;
    }
    let log_z = z.ln();
    let inv = (1.0 / z) as f32;
    let m = contexts.len() as f32;
    let mut loss = 0.0f64;
    for &c in contexts {
        // ŷ_c = e_c / z; −log ŷ_c = log z − log e_c.
        loss += log_z - (scores[c as usize] as f64).ln();
    }
    if !loss.is_finite() {
        // A context word whose probability underflowed: the net has diverged or saturated.
        return None;
    }
    for x in scores.iter_mut() {
        *x = -alpha * m * (*x * inv);
    }
    for &c in contexts {
        scores[c as usize] += alpha;
    }
    Some(loss)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_match_exact_functions() {
        let t = SigmoidTable::new();
        let mut x = -7.0f32;
        while x < 7.0 {
            let s = 1.0 / (1.0 + (-x as f64).exp());
            let tol = if x.abs() < MAX_EXP { 2e-3 } else { 3e-3 };
            assert!((t.sigmoid(x) as f64 - s).abs() < tol, "sigmoid({x})");
            let l = (1.0 + (-x as f64).exp()).ln();
            assert!((t.neg_log_sigmoid(x) as f64 - l).abs() < 1e-2, "nls({x})");
            x += 0.01;
        }
    }

    #[test]
    fn binary_loss_matches_the_exact_log_sigmoid_for_both_labels() {
        let t = SigmoidTable::new();
        for u in [-8.0f32, -5.9, -2.5, -0.3, 0.0, 0.7, 3.3, 5.99, 9.0] {
            for label in [0.0f32, 1.0] {
                let mut g = [u];
                let loss = t
                    .binary_coefficients(&mut g, &[label], &[2.0], &[1.5], 0.1)
                    .unwrap();
                let signed = if label > 0.5 { u } else { -u } as f64;
                let exact = 3.0 * (1.0 + (-signed).exp()).ln();
                assert!(
                    (loss - exact).abs() < 3.0 * 1e-2,
                    "u {u} label {label}: {loss} vs {exact}"
                );
                let sigma = 1.0 / (1.0 + (-(u as f64)).exp());
                let want = 0.1 * 3.0 * (label as f64 - sigma);
                assert!(
                    (g[0] as f64 - want).abs() < 0.3 * 3e-3,
                    "u {u} label {label}"
                );
            }
        }
    }

    #[test]
    fn binary_coefficients_known_values() {
        let t = SigmoidTable::new();
        let mut g = [0.0f32, 0.0, 100.0, -100.0];
        let loss = t
            .binary_coefficients(&mut g, &[1.0, 0.0], &[1.0, 1.0], &[1.0, 1.0], 0.5)
            .unwrap();
        // σ(0) = 0.5: coefficients 0.5·(1 − 0.5) and 0.5·(0 − 0.5); saturated beyond ±6.
        assert!((g[0] - 0.25).abs() < 1e-3 && (g[1] + 0.25).abs() < 1e-3);
        assert_eq!(g[2], 0.0);
        assert_eq!(g[3], 0.0);
        assert!((loss - 2.0 * std::f64::consts::LN_2).abs() < 1e-2);
        let mut bad = [f32::NAN, 0.0];
        assert!(t
            .binary_coefficients(&mut bad, &[1.0, 0.0], &[1.0], &[1.0, 1.0], 0.1)
            .is_none());
        // Weights scale both the coefficient and the loss: a row counted twice.
        let mut w = [0.0f32, 0.0];
        let l2 = t
            .binary_coefficients(&mut w, &[1.0, 0.0], &[2.0], &[1.0, 3.0], 0.5)
            .unwrap();
        // Tolerance: weight × the table's resolution at 0 (σ ≈ 0.5007 there).
        assert!((w[0] - 2.0 * 0.25).abs() < 5e-3 && (w[1] + 6.0 * 0.25).abs() < 5e-3);
        assert!((l2 - 8.0 * std::f64::consts::LN_2).abs() < 5e-2);
    }

    #[test]
    fn softmax_coefficients_are_scaled_negative_gradient() {
        let mut s = [1.0f32, 2.0, 0.5];
        let loss = softmax_coefficients(&mut s, &[1, 1, 2], 0.1).unwrap();
        let z: f64 = [1.0f64, 2.0, 0.5].iter().map(|x| x.exp()).sum();
        let y: Vec<f64> = [1.0f64, 2.0, 0.5].iter().map(|x| x.exp() / z).collect();
        let want_loss = -2.0 * y[1].ln() - y[2].ln();
        assert!((loss - want_loss).abs() < 1e-6);
        let counts = [0.0, 2.0, 1.0];
        for j in 0..3 {
            let want = 0.1 * (counts[j] - 3.0 * y[j]);
            assert!((s[j] as f64 - want).abs() < 1e-6);
        }
    }
}
