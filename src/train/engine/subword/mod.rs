//! Subword training (fastText's skip-gram, Bojanowski et al. 2017): a center word's input
//! vector is h = the average of its row of p and its character n-gram rows; h predicts
//! each context word against `negative` noise words (negative sampling) or along the
//! context word's Huffman path (hierarchical softmax, fastText's `-loss hs`), and each
//! pair's gradient for h is added to each of those rows.
//!
//! The pairs of one center word are trained in fastText's order, each with h as the pairs
//! before it left it. fastText re-reads the k rows for every pair; here h is moved by each
//! pair's gradient in the thread's buffer (which is what adding it to every row does to
//! their average) and the summed gradient is added to the rows once: a center word with k
//! rows and m context words reads and writes its rows once instead of m times. As in
//! fastText (`Model::update` for unsupervised models), every row receives the whole
//! gradient of h, not 1/k of it.
//!
//! The output rows p'ⱼ are copied when a center word's step starts and stored back whole
//! when it ends (a few microseconds later), so another thread's update of the same row in
//! between is lost; the input rows are read again and have the summed gradient added, so
//! theirs are not. Measured on the first 50 MB of English Wikipedia (2015, text8-style),
//! 5 epochs, fastText's settings: 8 threads on 2 cores, where a preempted thread holds its
//! rows for a whole time slice, scored 54.47 % / 0.570 (Google analogies / WS-353 ρ, mean
//! of seeds 1–3) against 54.15 % / 0.557 with 2 threads, so the loss does not show.
//! Storing each row's change instead (read the row again, add the difference) made a run
//! 1.23× slower (30 MB, 1 epoch, 2 threads, `farm-bench -n 5`).

use rand::rngs::SmallRng;

use super::job::{Job, SubwordJob, SubwordRows};
use super::worker::WorkerState;
use crate::error::{Error, Result};
use crate::model::huffman::HuffmanTree;
use crate::model::SkipGramModel;
use crate::subword::for_each_ngram;
use crate::train::batch::{Batch, Scratch};
use crate::train::config::TrainConfig;
use crate::train::objective::{Outputs, StepContext};
use crate::train::sampling::{NegativeSampler, NoiseDraws};

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
    /// rows, then its output rows (nothing for a batch without context words), into the
    /// level-2 cache. Spreading a batch's few hundred cache lines over the previous batch's
    /// pairs, and not asking for level 1, keeps the CPU's line-fill buffers from filling
    /// up, which stalls it at a prefetch instruction.
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
                None => self.m.words.prefetch_row_l2(r as usize),
                Some(b) => self.m.ngrams.prefetch_row_l2(b as usize),
            }
        }
        let out = &batch.out[lo.saturating_sub(input.len())..hi.saturating_sub(input.len())];
        for &w in out {
            cx.output.prefetch_row_l2(w as usize);
        }
    }
}

/// Draws of a noise word for one slot, while they equal the context word.
const REDRAWS: usize = 8;

/// Fills the output side of `batch`, whose center word and context words are set: for
/// each context word (label 1) `negative` noise words (label 0). A draw equal to that
/// context word is drawn again, as fastText's `getNegative` does (word2vec.c skips it), up
/// to [`REDRAWS`] draws; then the slot is skipped, so that a vocabulary of one word cannot
/// loop forever.
///
/// Each distinct row is listed once in `batch.out`; `batch.slots` gives, per (center,
/// context) pair in order, the index in `out` of the context word followed by those of its
/// noise words, and `batch.ends[i]` is where pair i's entries end; `labels` and
/// `out_weight` (all 1) run along the entries. A row drawn again shares its slot, so a
/// later pair sees the earlier pairs' updates of it (within one pair every score is taken
/// before the pair's updates).
fn fill(
    ns: &NegativeSampler,
    batch: &mut Batch,
    negative: usize,
    (rng, noise): (&mut SmallRng, &mut NoiseDraws),
) {
    clear_output_side(batch);
    let mut listed = Listed::default();
    for i in 0..batch.ctx.len() {
        let c = batch.ctx[i];
        let mut draw = || {
            let mut w = noise.draw(ns, rng);
            for _ in 1..REDRAWS {
                if w != c {
                    break;
                }
                w = noise.draw(ns, rng);
            }
            w
        };
        push_pair(batch, &mut listed, c, (0..negative).map(|_| draw()));
    }
}

/// Fills the output side of `batch` for hierarchical softmax, in the layout [`fill`]
/// makes: per context word, the inner nodes on its Huffman path (fastText's
/// `HierarchicalSoftmaxLoss`: the center word's h predicts the context word), labelled
/// by [`HuffmanTree::targets`]. A node on several paths shares its slot.
fn fill_paths(tree: &HuffmanTree, batch: &mut Batch) {
    clear_output_side(batch);
    let mut listed = Listed::default();
    for i in 0..batch.ctx.len() {
        let c = batch.ctx[i] as usize;
        push_targets(batch, &mut listed, tree.targets(c));
    }
}

/// Empties what [`fill`] and [`fill_paths`] fill.
fn clear_output_side(batch: &mut Batch) {
    batch.out.clear();
    batch.slots.clear();
    batch.ends.clear();
    batch.labels.clear();
    batch.out_weight.clear();
}

/// A filter of the words in a batch's `out`: a clear bit (of word id mod 256) means the
/// word is not listed, so most new words are added without searching `out`.
#[derive(Default)]
struct Listed([u64; 4]);

impl Listed {
    /// Whether `w` may be listed; notes it as listed.
    #[inline]
    fn check_and_set(&mut self, w: u32) -> bool {
        let (i, bit) = ((w as usize >> 6) & 3, 1u64 << (w & 63));
        let was = self.0[i] & bit != 0;
        self.0[i] |= bit;
        was
    }
}

/// Appends one (center, context) pair to `batch` (see [`fill`]): context word `c`, then the
/// noise words other than `c`. `listed` filters the words already in `batch.out`.
fn push_pair(batch: &mut Batch, listed: &mut Listed, c: u32, noise: impl Iterator<Item = u32>) {
    let targets = std::iter::once((c, 1.0)).chain(noise.filter(|&w| w != c).map(|w| (w, 0.0)));
    push_targets(batch, listed, targets);
}

/// Appends one pair's (output row, label) targets to `batch`: each row's slot in `out`
/// (listed there once: `listed` filters the rows already in it), its label and weight 1,
/// then the pair's end.
fn push_targets(batch: &mut Batch, listed: &mut Listed, targets: impl Iterator<Item = (u32, f32)>) {
    for (w, label) in targets {
        let found = match listed.check_and_set(w) {
            true => batch.out.iter().position(|&x| x == w),
            false => None,
        };
        let slot = found.unwrap_or_else(|| {
            batch.out.push(w);
            batch.out.len() - 1
        });
        batch.slots.push(slot as u32);
        batch.labels.push(label);
        batch.out_weight.push(1.0);
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
            noise,
            scratch: sc,
            sentence: s,
            loss,
            pairs,
        } = w;
        if s.is_empty() {
            return true;
        }
        self.prepare_subwords(s, 0, (rng, noise), &mut sc.cur);
        sw.prefetch_part(cx, &sc.cur, 0, 1);
        for pos in 0..s.len() {
            if pos + 1 < s.len() {
                self.prepare_subwords(s, pos + 1, (rng, noise), &mut sc.next);
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

    /// Fills `batch` for the center word at `pos`: the dynamic window, then per context
    /// word its noise words or its Huffman path.
    fn prepare_subwords(
        &self,
        s: &[u32],
        pos: usize,
        (rng, noise): (&mut SmallRng, &mut NoiseDraws),
        batch: &mut Batch,
    ) {
        self.window(s, pos, rng, batch);
        if batch.ctx.is_empty() {
            return;
        }
        match &self.outputs {
            Outputs::Negative(ns, _) => fill(ns, batch, self.cfg.negative, (rng, noise)),
            Outputs::Hierarchical(tree) => fill_paths(tree, batch),
            Outputs::Softmax => unreachable!("subword training is checked not to use it"),
        }
    }
}

#[cfg(test)]
mod tests;
