//! Subword training (fastText's skip-gram, Bojanowski et al. 2017): a center word's input
//! vector is h = the average of its row of p and its character n-gram rows; h predicts
//! each context word against `negative` noise words, and the summed gradient for h is
//! added to each of those rows.
//!
//! fastText recomputes h and applies its gradient once per (center, context) pair; here h
//! is computed once per center word and its gradient, summed over the center's context
//! words, applied once (the batching of pWord2Vec, Ji et al. 2016, on the input side): a
//! center word with k rows and m context words reads and writes its k rows once instead of
//! m times. As in fastText (`Model::update` for unsupervised models), every row receives
//! the whole gradient of h, not 1/k of it.

use rand::rngs::SmallRng;

use super::job::{Job, SubwordJob};
use super::worker::WorkerState;
use crate::error::{Error, Result};
use crate::model::SkipGramModel;
use crate::subword::for_each_ngram;
use crate::train::batch::{Batch, Scratch};
use crate::train::config::TrainConfig;
use crate::train::objective::{Outputs, StepContext};
use crate::train::sampling::NegativeSampler;
use crate::train::shared::{InPlaceMatrix, SharedMatrix};

impl<'a> SubwordJob<'a> {
    /// The state for training `model`'s n-gram rows `ngrams` (taken out of the model), or
    /// `None` for a word-level model.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if the model's n-gram settings are not the
    /// configuration's, or V + bucket exceeds 2³².
    pub(crate) fn new(
        cfg: &TrainConfig,
        model: &SkipGramModel,
        ngrams: Option<&'a InPlaceMatrix>,
    ) -> Result<Option<Self>> {
        let want = cfg.ngram_config();
        let have = model.ngram_config();
        let ngrams = match (want.enabled(), have, ngrams) {
            (false, None, _) => return Ok(None),
            (true, Some(h), Some(a)) if h == want && a.rows() == want.bucket => a,
            (true, None, _) => {
                return Err(Error::InvalidConfig(format!(
                    "the configuration asks for subwords (minn {}, maxn {}, bucket {}) but the \
                     model has no n-gram rows (make it with Trainer::init_model or \
                     SkipGramModel::with_ngrams)",
                    want.minn, want.maxn, want.bucket
                )))
            }
            (_, h, _) => {
                return Err(Error::InvalidConfig(format!(
                    "the model's n-gram settings ({}) differ from the configuration's (minn {}, \
                     maxn {}, bucket {})",
                    h.map_or("none: a word-level model".to_string(), |h| format!(
                        "minn {}, maxn {}, bucket {}",
                        h.minn, h.maxn, h.bucket
                    )),
                    want.minn,
                    want.maxn,
                    want.bucket
                )))
            }
        };
        let vocab = model.vocab();
        let v = vocab.len();
        let words = u32::try_from(v)
            .ok()
            .filter(|&v| (v as u64) + (want.bucket as u64) <= u32::MAX as u64)
            .ok_or_else(|| {
                Error::InvalidConfig(format!(
                    "V + bucket = {v} + {} rows is more than subword training addresses (2³²)",
                    want.bucket
                ))
            })?;
        let mut offsets = Vec::with_capacity(v + 1);
        let mut rows = Vec::new();
        offsets.push(0);
        for (i, w) in vocab.words().iter().enumerate() {
            rows.push(i as u32);
            for_each_ngram(w, &want, |_, b| rows.push(words + b as u32));
            offsets.push(rows.len());
        }
        Ok(Some(SubwordJob {
            ngrams,
            offsets,
            rows,
            words,
        }))
    }

    /// Word `w`'s input rows (see [`SubwordJob::rows`]).
    #[inline]
    fn rows_of(&self, w: u32) -> &[u32] {
        let w = w as usize;
        &self.rows[self.offsets[w]..self.offsets[w + 1]]
    }

    #[inline]
    fn read(&self, input: &SharedMatrix, r: u32, dst: &mut [f32]) {
        match r.checked_sub(self.words) {
            None => input.read_row(r as usize, dst),
            Some(b) => self.ngrams.read_row(b as usize, dst),
        }
    }

    #[inline]
    fn write(&self, input: &SharedMatrix, r: u32, src: &[f32]) {
        match r.checked_sub(self.words) {
            None => input.write_row(r as usize, src),
            Some(b) => self.ngrams.write_row(b as usize, src),
        }
    }

    #[inline]
    fn prefetch(&self, input: &SharedMatrix, w: u32) {
        for &r in self.rows_of(w) {
            match r.checked_sub(self.words) {
                None => input.prefetch_row(r as usize),
                Some(b) => self.ngrams.prefetch_row(b as usize),
            }
        }
    }
}

/// Fills the output side of `batch`, whose center word and context words are set: each
/// context word (label 1) with `negative` noise words (label 0; a draw equal to that
/// context word is skipped, as word2vec.c does). A row occurring several times is kept once
/// with weight = its occurrences and label = the fraction of them that are positive, so
/// its coefficient w·(label − σ) is the sum of the occurrences' coefficients.
fn fill(ns: &NegativeSampler, batch: &mut Batch, negative: usize, rng: &mut SmallRng) {
    batch.out.clear();
    batch.labels.clear();
    batch.out_weight.clear();
    let add = |b: &mut Batch, w: u32, positive: bool| {
        let p = f32::from(u8::from(positive));
        match b.out.iter().position(|&x| x == w) {
            Some(j) => {
                // labels hold the positive occurrences until the end.
                b.out_weight[j] += 1.0;
                b.labels[j] += p;
            }
            None => {
                b.out.push(w);
                b.out_weight.push(1.0);
                b.labels.push(p);
            }
        }
    };
    for i in 0..batch.ctx.len() {
        let c = batch.ctx[i];
        add(batch, c, true);
        for _ in 0..negative {
            let w = ns.sample(rng) as u32;
            if w != c {
                add(batch, w, false);
            }
        }
    }
    for (l, &w) in batch.labels.iter_mut().zip(&batch.out_weight) {
        *l /= w;
    }
}

/// One center word's update with learning rate `alpha`: h = mean of `sw`'s rows of
/// `sc.cur.center`; for the output rows `sc.cur.out` (p' transposed) the coefficients
/// cⱼ = α·vⱼ·(labelⱼ − σ(h·p'ⱼ)); then p'ⱼ += cⱼ·h and each input row += Σⱼ cⱼ·p'ⱼ (old
/// p'ⱼ), which is α times the negative gradient of the loss with respect to h. Returns the
/// loss (nats), or `None` if a score was not finite.
///
/// Uses `sc.a` as three rows of N (h, the gradient, one input row) and `sc.b` (O rows).
pub(crate) fn step(
    cx: &StepContext<'_>,
    sw: &SubwordJob<'_>,
    alpha: f32,
    sc: &mut Scratch,
) -> Option<f64> {
    let n = cx.stride;
    let batch = &sc.cur;
    let rows = sw.rows_of(batch.center);
    let o = batch.out.len();
    let (h, rest) = sc.a.split_at_mut(n);
    let (grad, rest) = rest.split_at_mut(n);
    let buf = &mut rest[..n];
    h.fill(0.0);
    for &r in rows {
        sw.read(cx.input, r, buf);
        cx.isa.axpy(1.0, buf, h);
    }
    let inv = 1.0 / rows.len() as f32;
    for x in h.iter_mut() {
        *x *= inv;
    }
    for (j, &w) in batch.out.iter().enumerate() {
        cx.output
            .read_row(w as usize, &mut sc.b[j * n..(j + 1) * n]);
    }
    cx.isa.scores(h, &sc.b, &mut sc.g, 1, o, n);
    let loss = cx.sigmoid.binary_coefficients(
        &mut sc.g[..o],
        &batch.labels,
        &[1.0],
        &batch.out_weight,
        alpha,
    )?;
    grad.fill(0.0);
    for (j, &w) in batch.out.iter().enumerate() {
        let c = sc.g[j];
        let bj = &mut sc.b[j * n..(j + 1) * n];
        cx.isa.axpy(c, bj, grad);
        cx.isa.axpy(c, h, bj);
        cx.output.write_row(w as usize, bj);
    }
    for &r in rows {
        sw.read(cx.input, r, buf);
        cx.isa.axpy(1.0, grad, buf);
        sw.write(cx.input, r, buf);
    }
    Some(loss)
}

impl Job<'_> {
    /// Trains one sentence of word ids with subwords; `false` if the loss became
    /// non-finite. Software-pipelined as the word-level loop: center word t + 1's rows are
    /// fetched while t is computed.
    pub(super) fn train_sentence_subwords(
        &self,
        sw: &SubwordJob<'_>,
        cx: &StepContext<'_>,
        w: &mut WorkerState,
        alpha: f32,
    ) -> bool {
        let WorkerState {
            rng,
            scratch: sc,
            sentence: s,
            loss,
            pairs,
        } = w;
        let Outputs::Negative(ns, _) = &self.outputs else {
            unreachable!("subword training is checked to use negative sampling")
        };
        if s.is_empty() {
            return true;
        }
        self.prepare_subwords(sw, ns, s, 0, rng, &mut sc.cur);
        for pos in 0..s.len() {
            if pos + 1 < s.len() {
                self.prepare_subwords(sw, ns, s, pos + 1, rng, &mut sc.next);
            }
            if !sc.cur.ctx.is_empty() {
                match step(cx, sw, alpha, sc) {
                    Some(l) => {
                        *loss += l;
                        *pairs += sc.cur.pairs;
                    }
                    None => return false,
                }
            }
            std::mem::swap(&mut sc.cur, &mut sc.next);
        }
        true
    }

    /// Fills `batch` for the center word at `pos` (dynamic window, noise words) and
    /// prefetches the rows it will touch.
    fn prepare_subwords(
        &self,
        sw: &SubwordJob<'_>,
        ns: &NegativeSampler,
        s: &[u32],
        pos: usize,
        rng: &mut SmallRng,
        batch: &mut Batch,
    ) {
        self.window(s, pos, rng, batch);
        if batch.ctx.is_empty() {
            return;
        }
        fill(ns, batch, self.cfg.negative, rng);
        sw.prefetch(&self.input, batch.center);
        for &w in &batch.out {
            self.output.prefetch_row(w as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::subword::NgramConfig;
    use crate::train::batch::padded;
    use crate::train::kernels::Isa;
    use crate::train::loss::SigmoidTable;
    use crate::vocab::Vocabulary;

    /// The loss of one (center, context, noise) example as a function of the center's
    /// input rows, in f64: −log σ(h·u₊) − Σ log σ(−h·u₋) with h the mean of the rows.
    fn loss(rows: &[Vec<f64>], out: &[Vec<f64>], labels: &[f32]) -> f64 {
        let n = rows[0].len();
        let h: Vec<f64> = (0..n)
            .map(|d| rows.iter().map(|r| r[d]).sum::<f64>() / rows.len() as f64)
            .collect();
        out.iter()
            .zip(labels)
            .map(|(u, &l)| {
                let x: f64 = h.iter().zip(u).map(|(a, b)| a * b).sum();
                let x = if l > 0.5 { x } else { -x };
                (1.0 + (-x).exp()).ln()
            })
            .sum()
    }

    #[test]
    fn update_is_the_finite_difference_gradient() {
        let n = 4;
        let vocab = Vocabulary::from_words(["abcd", "xy", "qrst"]).unwrap();
        let mut rng = StdRng::seed_from_u64(3);
        let p = Array2::from_shape_fn((3, n), |_| rng.random_range(-0.5f32..0.5));
        let pp = Array2::from_shape_fn((n, 3), |_| rng.random_range(-0.5f32..0.5));
        // 5 buckets for 7 n-grams of "abcd": some rows occur twice among its rows.
        let ngrams = NgramConfig {
            minn: 3,
            maxn: 4,
            bucket: 5,
        };
        let mut model = SkipGramModel::from_weights(vocab, p, pp)
            .unwrap()
            .with_ngrams(ngrams, &mut rng)
            .unwrap();
        let rows = InPlaceMatrix::from_array(model.take_ngram_array().unwrap());
        let cfg = TrainConfig {
            dim: n,
            minn: 3,
            maxn: 4,
            bucket: 5,
            threads: 1,
            ..Default::default()
        };
        let sw = SubwordJob::new(&cfg, &model, Some(&rows)).unwrap().unwrap();
        let input =
            SharedMatrix::try_from_array(&model.input_weights().to_owned(), "p", 1).unwrap();
        let output =
            SharedMatrix::try_from_array(&model.output_weights_transposed().to_owned(), "p'", 1)
                .unwrap();
        let sigmoid = SigmoidTable::new();
        let stride = padded(n);
        let cx = StepContext {
            isa: Isa::detect(),
            input: &input,
            output: &output,
            sigmoid: &sigmoid,
            stride,
            block_rows: 10,
        };
        let mut sc = Scratch::new(3, 3, stride).unwrap();
        // Center "abcd", context "xy", noise word "qrst".
        sc.cur.center = 0;
        sc.cur.ctx = vec![1];
        sc.cur.pairs = 1;
        sc.cur.out = vec![1, 2];
        sc.cur.labels = vec![1.0, 0.0];
        sc.cur.out_weight = vec![1.0, 1.0];
        let ids = sw.rows_of(0).to_vec();
        assert_eq!(ids.len(), 1 + 7);
        let row = |r: u32| -> Vec<f64> {
            let mut b = vec![0.0f32; stride];
            sw.read(&input, r, &mut b);
            b[..n].iter().map(|&x| x as f64).collect()
        };
        let before: Vec<Vec<f64>> = ids.iter().map(|&r| row(r)).collect();
        let out_before: Vec<Vec<f64>> = [1usize, 2]
            .iter()
            .map(|&w| {
                model
                    .output_weights_transposed()
                    .row(w)
                    .iter()
                    .map(|&x| x as f64)
                    .collect()
            })
            .collect();
        let alpha = 0.1f32;
        let l = step(&cx, &sw, alpha, &mut sc).unwrap();
        let l0 = loss(&before, &out_before, &[1.0, 0.0]);
        assert!((l - l0).abs() < 0.02, "loss {l} vs {l0}");
        // Numeric gradient with respect to each distinct row (a row listed twice counts
        // twice, as it enters h twice).
        let k = ids.len() as f64;
        let eps = 1e-4;
        let mut distinct = ids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert!(
            distinct.len() < ids.len(),
            "the example should repeat a bucket row"
        );
        for &r in &distinct {
            let after = row(r);
            let orig = &before[ids.iter().position(|&x| x == r).unwrap()];
            for d in 0..n {
                let perturbed = |delta: f64| {
                    let rows: Vec<Vec<f64>> = ids
                        .iter()
                        .zip(&before)
                        .map(|(&x, v)| {
                            let mut v = v.clone();
                            if x == r {
                                v[d] += delta;
                            }
                            v
                        })
                        .collect();
                    loss(&rows, &out_before, &[1.0, 0.0])
                };
                let numeric = (perturbed(eps) - perturbed(-eps)) / (2.0 * eps);
                // Each occurrence of the row received α·(−∂L/∂h) = α·k/count·(−∂L/∂row).
                let expected = -(alpha as f64) * k * numeric;
                let got = after[d] - orig[d];
                assert!(
                    (got - expected).abs() < 0.02 * expected.abs() + 1e-5,
                    "row {r} dim {d}: update {got}, finite difference {expected}"
                );
            }
        }
        // The output rows moved by α·(−∂L/∂u).
        let h: Vec<f64> = (0..n)
            .map(|d| before.iter().map(|v| v[d]).sum::<f64>() / k)
            .collect();
        for (j, &w) in [1usize, 2].iter().enumerate() {
            let mut b = vec![0.0f32; stride];
            output.read_row(w, &mut b);
            let x: f64 = h.iter().zip(&out_before[j]).map(|(a, b)| a * b).sum();
            let label = if j == 0 { 1.0 } else { 0.0 };
            let sig = 1.0 / (1.0 + (-x).exp());
            for d in 0..n {
                let expected = alpha as f64 * (label - sig) * h[d];
                let got = b[d] as f64 - out_before[j][d];
                assert!((got - expected).abs() < 0.02 * expected.abs() + 1e-5);
            }
        }
    }

    #[test]
    fn repeated_rows_merge_their_coefficients() {
        let counts = [10u64, 10, 10];
        let ns = NegativeSampler::new(&counts, 0.75).unwrap();
        let mut rng = SmallRng::seed_from_u64(1);
        let mut batch = Batch {
            ctx: vec![0, 1, 0],
            ..Default::default()
        };
        fill(&ns, &mut batch, 4, &mut rng);
        let mut ids = batch.out.clone();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), batch.out.len(), "each row once");
        // 3 positives and at most 12 noise words in all.
        let total: f32 = batch.out_weight.iter().sum();
        let positives: f32 = batch
            .labels
            .iter()
            .zip(&batch.out_weight)
            .map(|(l, w)| l * w)
            .sum();
        assert!((positives - 3.0).abs() < 1e-6 && total <= 15.0 && total > 3.0);
        let w0 = batch.out.iter().position(|&x| x == 0).unwrap();
        assert!(batch.labels[w0] > 0.0 && batch.labels[w0] <= 1.0);
    }
}
