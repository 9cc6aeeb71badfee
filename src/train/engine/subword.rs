//! Subword training (fastText's skip-gram, Bojanowski et al. 2017): a center word's input
//! vector is h = the average of its row of p and its character n-gram rows; h predicts
//! each context word against `negative` noise words, and each pair's gradient for h is
//! added to each of those rows.
//!
//! The pairs of one center word are trained in fastText's order, each with h as the pairs
//! before it left it. fastText re-reads the k rows for every pair; here h is moved by each
//! pair's gradient in the thread's buffer (which is what adding it to every row does to
//! their average) and the summed gradient is added to the rows once: a center word with k
//! rows and m context words reads and writes its rows once instead of m times. As in
//! fastText (`Model::update` for unsupervised models), every row receives the whole
//! gradient of h, not 1/k of it.

use rand::rngs::SmallRng;

use super::job::{Job, SubwordJob, SubwordRows};
use super::worker::WorkerState;
use crate::error::{Error, Result};
use crate::model::SkipGramModel;
use crate::subword::for_each_ngram;
use crate::train::batch::{Batch, Scratch};
use crate::train::config::TrainConfig;
use crate::train::objective::{Outputs, StepContext};
use crate::train::sampling::NegativeSampler;

impl<'a> SubwordJob<'a> {
    /// The state for training `model`'s input rows `m` (p and the n-gram rows, taken out of
    /// the model), or `None` for a word-level model.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if the model's n-gram settings are not the
    /// configuration's, or V + bucket exceeds 2³².
    pub(crate) fn new(
        cfg: &TrainConfig,
        model: &SkipGramModel,
        m: Option<&'a SubwordRows>,
    ) -> Result<Option<Self>> {
        let want = cfg.ngram_config();
        let have = model.ngram_config();
        let v = model.vocab().len();
        let m = match (want.enabled(), have, m) {
            (false, None, _) => return Ok(None),
            (true, Some(h), Some(m))
                if h == want && m.ngrams.rows() == want.bucket && m.words.rows() == v =>
            {
                m
            }
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
        let mut drift = Vec::with_capacity(v);
        let mut sorted = Vec::new();
        offsets.push(0);
        for (i, w) in vocab.words().iter().enumerate() {
            let start = rows.len();
            rows.push(i as u32);
            for_each_ngram(w, &want, |_, b| rows.push(words + b as u32));
            offsets.push(rows.len());
            sorted.clear();
            sorted.extend_from_slice(&rows[start..]);
            sorted.sort_unstable();
            let squares: usize = sorted
                .chunk_by(|a, b| a == b)
                .map(|run| run.len() * run.len())
                .sum();
            drift.push(squares as f32 / sorted.len() as f32);
        }
        Ok(Some(SubwordJob {
            m,
            offsets,
            rows,
            words,
            drift,
        }))
    }

    /// Word `w`'s input rows (see [`SubwordJob::rows`]).
    #[inline]
    fn rows_of(&self, w: u32) -> &[u32] {
        let w = w as usize;
        &self.rows[self.offsets[w]..self.offsets[w + 1]]
    }

    /// Copies input row `r` (a row id of [`SubwordJob::rows`]) into `dst[..N]`.
    #[inline]
    fn read(&self, r: u32, dst: &mut [f32]) {
        match r.checked_sub(self.words) {
            None => self.m.words.read_row(r as usize, dst),
            Some(b) => self.m.ngrams.read_row(b as usize, dst),
        }
    }

    /// Overwrites input row `r` with `src[..N]`.
    #[inline]
    fn write(&self, r: u32, src: &[f32]) {
        match r.checked_sub(self.words) {
            None => self.m.words.write_row(r as usize, src),
            Some(b) => self.m.ngrams.write_row(b as usize, src),
        }
    }

    /// Whether every row of p and the n-gram rows is finite, checked on up to `threads`
    /// threads.
    pub(super) fn all_finite(&self, threads: usize) -> bool {
        self.m.words.all_finite(threads) && self.m.ngrams.all_finite(threads)
    }

    /// Prefetches part `part` of `parts` of the rows `batch` will touch: its center's input
    /// rows, then its output rows (nothing for a batch without context words). Spreading a
    /// batch's few hundred cache lines over the previous batch's pairs keeps the CPU's
    /// line-fill buffers from filling up, which stalls it at a prefetch instruction.
    #[inline]
    fn prefetch_part(&self, cx: &StepContext<'_>, batch: &Batch, part: usize, parts: usize) {
        if batch.ctx.is_empty() {
            return;
        }
        let input = self.rows_of(batch.center);
        let total = input.len() + batch.out.len();
        let (lo, hi) = (part * total / parts, (part + 1) * total / parts);
        for &r in &input[lo.min(input.len())..hi.min(input.len())] {
            match r.checked_sub(self.words) {
                None => self.m.words.prefetch_row(r as usize),
                Some(b) => self.m.ngrams.prefetch_row(b as usize),
            }
        }
        let out = &batch.out[lo.saturating_sub(input.len())..hi.saturating_sub(input.len())];
        for &w in out {
            cx.output.prefetch_row(w as usize);
        }
    }
}

/// Fills the output side of `batch`, whose center word and context words are set: for
/// each context word (label 1) `negative` noise words (label 0; a draw equal to that
/// context word is skipped, as word2vec.c does, where fastText draws again).
///
/// Each distinct row is listed once in `batch.out`; `batch.slots` gives, per (center,
/// context) pair in order, the index in `out` of the context word followed by those of its
/// noise words, and `batch.ends[i]` is where pair i's entries end; `labels` and
/// `out_weight` (all 1) run along the entries. A row drawn again shares its slot, so a
/// later pair sees the earlier pairs' updates of it (within one pair every score is taken
/// before the pair's updates).
fn fill(ns: &NegativeSampler, batch: &mut Batch, negative: usize, rng: &mut SmallRng) {
    batch.out.clear();
    batch.slots.clear();
    batch.ends.clear();
    batch.labels.clear();
    batch.out_weight.clear();
    for i in 0..batch.ctx.len() {
        let c = batch.ctx[i];
        push_pair(batch, c, (0..negative).map(|_| ns.sample(rng) as u32));
    }
}

/// Appends one (center, context) pair to `batch` (see [`fill`]): context word `c`, then the
/// noise words other than `c`.
fn push_pair(batch: &mut Batch, c: u32, noise: impl Iterator<Item = u32>) {
    let add = |b: &mut Batch, w: u32, label: f32| {
        let slot = match b.out.iter().position(|&x| x == w) {
            Some(j) => j,
            None => {
                b.out.push(w);
                b.out.len() - 1
            }
        };
        b.slots.push(slot as u32);
        b.labels.push(label);
        b.out_weight.push(1.0);
    };
    add(batch, c, 1.0);
    for w in noise {
        if w != c {
            add(batch, w, 0.0);
        }
    }
    batch.ends.push(batch.slots.len() as u32);
}

/// One center word's update with learning rate `alpha`, in fastText's order (its
/// `Model::update`, pair by pair): h = the mean of the center's input rows; for each
/// context pair in turn, with the output rows p'ⱼ (p' transposed) of its context word
/// (label 1) and noise words (label 0), the coefficients cⱼ = α·(labelⱼ − σ(h·p'ⱼ)), the
/// pair's gradient gᵢ = Σⱼ cⱼ·p'ⱼ (old p'ⱼ), then p'ⱼ += cⱼ·h. fastText then adds gᵢ to every
/// input row of the center, which moves h by `drift`·gᵢ (1 when the rows are distinct): h is
/// moved so, the gᵢ are summed, and each input row is read and written once per center word
/// instead of once per pair. Returns the loss (nats), or `None` if a score was not finite.
///
/// Uses `sc.a` as three rows of N (h, the summed gradient, one input row or gᵢ) and `sc.b`
/// (one row per distinct output row).
pub(crate) fn step(
    cx: &StepContext<'_>,
    sw: &SubwordJob<'_>,
    alpha: f32,
    sc: &mut Scratch,
) -> Option<f64> {
    let n = cx.stride;
    let batch = &sc.cur;
    let rows = sw.rows_of(batch.center);
    let (h, rest) = sc.a.split_at_mut(n);
    let (total, rest) = rest.split_at_mut(n);
    let buf = &mut rest[..n];
    h.fill(0.0);
    for &r in rows {
        sw.read(r, buf);
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
    let drift = sw.drift[batch.center as usize];
    total.fill(0.0);
    let mut loss = 0.0;
    let mut start = 0;
    let parts = batch.ends.len();
    for (i, &end) in batch.ends.iter().enumerate() {
        sw.prefetch_part(cx, &sc.next, i, parts);
        let range = start..end as usize;
        start = end as usize;
        let slots = &batch.slots[range.clone()];
        let g = &mut sc.g[..slots.len()];
        for (x, &s) in g.iter_mut().zip(slots) {
            let s = s as usize;
            *x = cx.isa.dot(h, &sc.b[s * n..(s + 1) * n]);
        }
        loss += cx.sigmoid.binary_coefficients(
            g,
            &batch.labels[range.clone()],
            &[1.0],
            &batch.out_weight[range],
            alpha,
        )?;
        buf.fill(0.0);
        for (&c, &s) in g.iter().zip(slots) {
            let bj = &mut sc.b[s as usize * n..(s as usize + 1) * n];
            cx.isa.axpy(c, bj, buf);
            cx.isa.axpy(c, h, bj);
        }
        cx.isa.axpy(drift, buf, h);
        cx.isa.axpy(1.0, buf, total);
    }
    for (j, &w) in batch.out.iter().enumerate() {
        cx.output.write_row(w as usize, &sc.b[j * n..(j + 1) * n]);
    }
    for &r in rows {
        sw.read(r, buf);
        cx.isa.axpy(1.0, total, buf);
        sw.write(r, buf);
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
        self.prepare_subwords(ns, s, 0, rng, &mut sc.cur);
        sw.prefetch_part(cx, &sc.cur, 0, 1);
        for pos in 0..s.len() {
            if pos + 1 < s.len() {
                self.prepare_subwords(ns, s, pos + 1, rng, &mut sc.next);
            } else {
                sc.next.ctx.clear();
            }
            if sc.cur.ctx.is_empty() {
                sw.prefetch_part(cx, &sc.next, 0, 1);
            } else {
                // The step prefetches the next batch's rows as it goes.
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

    /// Fills `batch` for the center word at `pos` (dynamic window, noise words).
    fn prepare_subwords(
        &self,
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
    use crate::train::shared::{InPlaceMatrix, SharedMatrix};
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

    /// A tiny subword model: "abcd" (7 n-grams in 5 buckets, so some of its rows repeat),
    /// "xy" and "qrst", dim 4, its rows taken out for training as `train` takes them.
    struct Fixture {
        model: SkipGramModel,
        rows: SubwordRows,
        cfg: TrainConfig,
        /// p' (transposed), shared; and p as the step context holds it: empty, since the
        /// subword step reads p from `rows`.
        output: SharedMatrix,
        empty: SharedMatrix,
        sigmoid: SigmoidTable,
    }

    impl Fixture {
        const N: usize = 4;

        fn new() -> Self {
            let n = Self::N;
            let vocab = Vocabulary::from_words(["abcd", "xy", "qrst"]).unwrap();
            let mut rng = StdRng::seed_from_u64(3);
            let p = Array2::from_shape_fn((3, n), |_| rng.random_range(-0.5f32..0.5));
            let pp = Array2::from_shape_fn((n, 3), |_| rng.random_range(-0.5f32..0.5));
            let ngrams = NgramConfig {
                minn: 3,
                maxn: 4,
                bucket: 5,
            };
            let mut model = SkipGramModel::from_weights(vocab, p, pp)
                .unwrap()
                .with_ngrams(ngrams, &mut rng)
                .unwrap();
            let ngrams = InPlaceMatrix::from_array(model.take_ngram_array().unwrap());
            let rows = SubwordRows {
                words: InPlaceMatrix::from_array(model.take_input_array()),
                ngrams,
            };
            let output = SharedMatrix::try_from_array(
                &model.output_weights_transposed().to_owned(),
                "p'",
                1,
            )
            .unwrap();
            let cfg = TrainConfig {
                dim: n,
                minn: 3,
                maxn: 4,
                bucket: 5,
                threads: 1,
                ..Default::default()
            };
            Fixture {
                model,
                rows,
                cfg,
                output,
                empty: SharedMatrix::empty(),
                sigmoid: SigmoidTable::new(),
            }
        }

        fn job(&self) -> SubwordJob<'_> {
            SubwordJob::new(&self.cfg, &self.model, Some(&self.rows))
                .unwrap()
                .unwrap()
        }

        fn cx(&self) -> StepContext<'_> {
            StepContext {
                isa: Isa::detect(),
                input: &self.empty,
                output: &self.output,
                sigmoid: &self.sigmoid,
                stride: padded(Self::N),
                block_rows: 10,
            }
        }

        /// Input row `r` (a row id of [`SubwordJob::rows`]) in f64.
        fn input_row(&self, sw: &SubwordJob<'_>, r: u32) -> Vec<f64> {
            let mut b = vec![0.0f32; padded(Self::N)];
            sw.read(r, &mut b);
            b[..Self::N].iter().map(|&x| x as f64).collect()
        }

        /// Output row of word `w` in f64.
        fn output_row(&self, w: usize) -> Vec<f64> {
            let mut b = vec![0.0f32; padded(Self::N)];
            self.output.read_row(w, &mut b);
            b[..Self::N].iter().map(|&x| x as f64).collect()
        }

        /// Scratch space holding center word 0 ("abcd") with the given (context word,
        /// noise words) pairs.
        fn batch(pairs: &[(u32, &[u32])]) -> Scratch {
            let mut sc = Scratch::new(3, 8, padded(Self::N)).unwrap();
            sc.cur.center = 0;
            sc.cur.pairs = pairs.len() as u64;
            for &(c, noise) in pairs {
                sc.cur.ctx.push(c);
                push_pair(&mut sc.cur, c, noise.iter().copied());
            }
            sc
        }
    }

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    /// fastText's skip-gram update (`Model::update` with its negative-sampling loss), pair
    /// by pair in f64 with the exact sigmoid: for each (context word, noise words) pair, h
    /// = the mean of the center's `ids` rows, each target's coefficient and update in turn,
    /// then the pair's gradient added to each listed row. With `batched`, every pair's
    /// h is the first one (the center word's pairs computed as one batch): a different
    /// order, to show that the comparison tells the two apart.
    fn fasttext_update(
        ids: &[u32],
        input: &mut std::collections::HashMap<u32, Vec<f64>>,
        output: &mut [Vec<f64>],
        pairs: &[(u32, &[u32])],
        alpha: f64,
        batched: bool,
    ) {
        let n = output[0].len();
        let mean = |input: &std::collections::HashMap<u32, Vec<f64>>| -> Vec<f64> {
            (0..n)
                .map(|d| ids.iter().map(|r| input[r][d]).sum::<f64>() / ids.len() as f64)
                .collect()
        };
        let first = mean(input);
        for &(c, noise) in pairs {
            let h = if batched { first.clone() } else { mean(input) };
            let mut grad = vec![0.0; n];
            let targets = std::iter::once((c, 1.0))
                .chain(noise.iter().filter(|&&w| w != c).map(|&w| (w, 0.0)));
            for (w, label) in targets {
                let u = &mut output[w as usize];
                let coef = alpha * (label - 1.0 / (1.0 + (-dot(&h, u)).exp()));
                for d in 0..n {
                    grad[d] += coef * u[d];
                    u[d] += coef * h[d];
                }
            }
            for r in ids {
                let row = input.get_mut(r).unwrap();
                for d in 0..n {
                    row[d] += grad[d];
                }
            }
        }
    }

    #[test]
    fn step_matches_fasttext_pair_by_pair() {
        let fx = Fixture::new();
        let sw = fx.job();
        let ids = sw.rows_of(0).to_vec();
        let mut distinct = ids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert!(distinct.len() < ids.len(), "the center should repeat a row");
        // "qrst" is a noise word of the first pair and the context word of the second, and
        // a noise word equal to its pair's context word is skipped.
        let pairs: [(u32, &[u32]); 3] = [(1, &[2]), (2, &[1, 2]), (1, &[2, 2])];
        let mut input: std::collections::HashMap<u32, Vec<f64>> = distinct
            .iter()
            .map(|&r| (r, fx.input_row(&sw, r)))
            .collect();
        let mut output: Vec<Vec<f64>> = (0..3).map(|w| fx.output_row(w)).collect();
        let (input0, output0) = (input.clone(), output.clone());
        let alpha = 0.5;
        fasttext_update(&ids, &mut input, &mut output, &pairs, alpha, false);
        let mut sc = Fixture::batch(&pairs);
        step(&fx.cx(), &sw, alpha as f32, &mut sc).unwrap();
        // Ours is within `tol` of the reference, which the batched order is not.
        let (mut err, mut batched_err) = (0.0f64, 0.0f64);
        let mut batched = (input0.clone(), output0.clone());
        fasttext_update(&ids, &mut batched.0, &mut batched.1, &pairs, alpha, true);
        for &r in &distinct {
            let ours = fx.input_row(&sw, r);
            for d in 0..Fixture::N {
                let moved = input[&r][d] - input0[&r][d];
                err = err.max((ours[d] - input[&r][d]).abs() / moved.abs().max(1e-3));
                batched_err = batched_err
                    .max((batched.0[&r][d] - input[&r][d]).abs() / moved.abs().max(1e-3));
            }
        }
        for (w, want) in output.iter().enumerate() {
            let ours = fx.output_row(w);
            for d in 0..Fixture::N {
                let moved = want[d] - output0[w][d];
                err = err.max((ours[d] - want[d]).abs() / moved.abs().max(1e-3));
                batched_err =
                    batched_err.max((batched.1[w][d] - want[d]).abs() / moved.abs().max(1e-3));
            }
        }
        // The tolerance covers the sigmoid table (steps of 1/512 of [-8, 8]).
        let tol = 0.03;
        assert!(err < tol, "relative error {err} against fastText's order");
        assert!(
            batched_err > 3.0 * tol,
            "the orders differ by {batched_err} only"
        );
    }

    #[test]
    fn update_is_the_finite_difference_gradient() {
        let fx = Fixture::new();
        let n = Fixture::N;
        let sw = fx.job();
        // Center "abcd", context "xy", noise word "qrst".
        let mut sc = Fixture::batch(&[(1, &[2])]);
        let ids = sw.rows_of(0).to_vec();
        assert_eq!(ids.len(), 1 + 7);
        let row = |r: u32| fx.input_row(&sw, r);
        let before: Vec<Vec<f64>> = ids.iter().map(|&r| row(r)).collect();
        let out_before: Vec<Vec<f64>> = [1usize, 2].iter().map(|&w| fx.output_row(w)).collect();
        let alpha = 0.1f32;
        let l = step(&fx.cx(), &sw, alpha, &mut sc).unwrap();
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
            let b = fx.output_row(w);
            let x: f64 = h.iter().zip(&out_before[j]).map(|(a, b)| a * b).sum();
            let label = if j == 0 { 1.0 } else { 0.0 };
            let sig = 1.0 / (1.0 + (-x).exp());
            for d in 0..n {
                let expected = alpha as f64 * (label - sig) * h[d];
                let got = b[d] - out_before[j][d];
                assert!((got - expected).abs() < 0.02 * expected.abs() + 1e-5);
            }
        }
    }

    #[test]
    fn fill_lists_each_row_once_and_each_pair_in_order() {
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
        assert_eq!(batch.ends.len(), 3);
        let mut start = 0;
        for (&c, &end) in batch.ctx.iter().zip(&batch.ends) {
            let end = end as usize;
            // The context word first with label 1, then up to 4 other words with label 0.
            let words: Vec<u32> = batch.slots[start..end]
                .iter()
                .map(|&s| batch.out[s as usize])
                .collect();
            assert!(words.len() > 1 && words.len() <= 5, "{words:?}");
            assert_eq!(words[0], c);
            assert!(words[1..].iter().all(|&w| w != c));
            assert_eq!(batch.labels[start], 1.0);
            assert!(batch.labels[start + 1..end].iter().all(|&l| l == 0.0));
            start = end;
        }
        assert_eq!(start, batch.slots.len());
        assert_eq!(batch.labels.len(), start);
        assert!(batch.out_weight.iter().all(|&w| w == 1.0));
    }
}
