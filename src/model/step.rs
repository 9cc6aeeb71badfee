//! One SGD step of the tutorial's net, on p and p' themselves.

use ndarray::Array1;

use super::SkipGramModel;
use crate::error::{Error, Result};

impl SkipGramModel {
    /// One SGD step of the tutorial's full-softmax objective (L. Lorenz, "Forward
    /// Propagation: Building a Skip-Gram Net From the Ground Up", District Data Labs):
    /// feeds `center` forward (h = row `center` of p, u = h·p', length V), takes the summed
    /// cross-entropy of its context positions
    ///
    /// E = Σ_{c ∈ contexts} −ln softmax(u)_c = m·ln Σ_j e^{u_j} − Σ_c u_c  (m = |contexts|;
    /// all 2c positions share p', so they share one distribution),
    ///
    /// back-propagates it (∂E/∂u_j = m·y_j − #{c = j}, ∂E/∂p'_{·j} = h·∂E/∂u_j,
    /// ∂E/∂h = p'·∂E/∂u) and updates p' and the center word's row of p with learning rate
    /// `alpha`, in place. Returns E before the step, in nats. Training with
    /// [`Objective::Softmax`](crate::Objective::Softmax) applies this update to every center
    /// word; the method is public for teaching and for checking the gradient. Time O(V·N).
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{SkipGramModel, Vocabulary};
    /// let vocab = Vocabulary::from_words(["duct", "tape", "work"])?;
    /// let p = array![[0.1f32, 0.2], [0.3, 0.4], [0.5, 0.6]];
    /// let p_prime = array![[1.0f32, 0.0, -1.0], [0.0, 1.0, 0.5]];
    /// let mut model = SkipGramModel::from_weights(vocab, p, p_prime)?;
    /// let before = model.softmax_step(1, &[0, 2], 0.5)?;
    /// let after = model.softmax_step(1, &[0, 2], 0.5)?;
    /// assert!(after < before);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] for an index ≥ V; [`Error::InvalidConfig`] for an empty
    /// context list or a non-finite or non-positive `alpha`; [`Error::Diverged`] if the loss
    /// or the updated weights are not finite (the model is then left unchanged).
    pub fn softmax_step(&mut self, center: usize, contexts: &[usize], alpha: f32) -> Result<f64> {
        let v = self.vocab_size();
        if let Some(&bad) = contexts.iter().chain([&center]).find(|&&i| i >= v) {
            return Err(Error::IndexOutOfRange { index: bad, len: v });
        }
        if contexts.is_empty() {
            return Err(Error::InvalidConfig(
                "softmax_step needs at least one context word".into(),
            ));
        }
        if !(alpha > 0.0 && alpha.is_finite()) {
            return Err(Error::InvalidConfig(format!(
                "alpha must be finite and > 0, got {alpha}"
            )));
        }
        let diverged = Error::Diverged {
            epoch: self.epochs_trained() + 1,
            words: 0,
        };
        // p' is stored transposed (V×N): row j is column j of p'.
        let h = self.input.row(center).to_owned();
        let u: Array1<f64> = self.output.dot(&h).mapv(f64::from);
        let max = u.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        let sum: f64 = u.iter().map(|&x| (x - max).exp()).sum();
        let log_z = max + sum.ln();
        let m = contexts.len() as f64;
        let loss = contexts.iter().map(|&c| log_z - u[c]).sum::<f64>();
        if !loss.is_finite() {
            return Err(diverged);
        }
        // e = ∂E/∂u = m·softmax(u) − counts(contexts).
        let mut e = u.mapv(|x| m * (x - log_z).exp());
        for &c in contexts {
            e[c] -= 1.0;
        }
        let e = e.mapv(|x| x as f32);
        // ∂E/∂h = p'·e, from p' before its update.
        let grad_h = self.output.t().dot(&e);
        let new_h = &h - &(grad_h * alpha);
        // Check every updated value first, so a failed step leaves p and p' untouched
        // without copying them.
        let finite_output = self.output.rows().into_iter().zip(&e).all(|(row, &ej)| {
            row.iter()
                .zip(&h)
                .all(|(&w, &hk)| (w - alpha * ej * hk).is_finite())
        });
        if !finite_output || !new_h.iter().all(|x| x.is_finite()) {
            return Err(diverged);
        }
        for (mut row, &ej) in self.output.rows_mut().into_iter().zip(&e) {
            row.scaled_add(-alpha * ej, &h);
        }
        self.input.row_mut(center).assign(&new_h);
        Ok(loss)
    }
}
