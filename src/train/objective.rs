//! The three training objectives, and the one place where the trainer dispatches on them:
//! which output rows a center word's batch trains ([`Outputs::fill`]) and how a batch is
//! stepped ([`Outputs::step`]).

use rand::rngs::SmallRng;

use super::batch::{merge_repeats, Batch, Scratch};
use super::config::{NsDirection, Objective};
use super::kernels::Isa;
use super::loss::{softmax_coefficients, SigmoidTable};
use super::sampling::{NegativeSampler, NoiseDraws};
use super::shared::SharedMatrix;
use crate::model::huffman::HuffmanTree;
use std::sync::Arc;

use crate::error::Result;
use crate::model::SkipGramModel;

/// The objective's output side, with what it draws output rows from.
pub(crate) enum Outputs {
    /// Full softmax: every word's output row.
    Softmax,
    /// Negative sampling: the positive word and noise words, in the given direction.
    Negative(NegativeSampler, NsDirection),
    /// Hierarchical softmax: the inner nodes on the positive word's Huffman path.
    Hierarchical(Arc<HuffmanTree>),
}

/// What a step reads and writes besides the batch: the shared matrices and the kernels.
pub(crate) struct StepContext<'a> {
    pub(crate) isa: Isa,
    pub(crate) input: &'a SharedMatrix,
    pub(crate) output: &'a SharedMatrix,
    pub(crate) sigmoid: &'a SigmoidTable,
    /// Row stride of the scratch buffers (N padded to whole SIMD registers).
    pub(crate) stride: usize,
    /// Rows of p per block (see [`MAX_BLOCK_ROWS`]).
    pub(crate) block_rows: usize,
}

impl Outputs {
    /// The output side of `objective` for a vocabulary with these `counts`.
    ///
    /// # Errors
    /// From the noise distribution or the model's Huffman tree (e.g. fewer than 2 words
    /// for hierarchical softmax).
    pub(crate) fn new(
        objective: Objective,
        direction: NsDirection,
        ns_exponent: f64,
        model: &SkipGramModel,
    ) -> Result<Self> {
        Ok(match objective {
            Objective::Softmax => Outputs::Softmax,
            Objective::NegativeSampling => Outputs::Negative(
                NegativeSampler::new(model.vocab().counts(), ns_exponent)?,
                direction,
            ),
            Objective::HierarchicalSoftmax => Outputs::Hierarchical(model.huffman()?),
        })
    }

    /// (rows of p per block, output rows) a batch can hold at most, for `m` context words,
    /// blocks of `block_rows` rows, `negative` noise words and `v` words.
    pub(crate) fn batch_shape(
        &self,
        m: usize,
        block_rows: usize,
        negative: usize,
        v: usize,
    ) -> (usize, usize) {
        let rows = m.min(block_rows).max(1);
        match self {
            Outputs::Softmax => (1, v),
            Outputs::Negative(..) => (rows, m.max(1) + negative),
            Outputs::Hierarchical(h) => (
                rows,
                (0..h.len()).map(|w| h.code(w).len()).max().unwrap_or(1),
            ),
        }
    }

    /// Fills the output side of `batch`, whose center word and contexts are set: the rows
    /// the objective trains and their labels; repeated rows are merged with weights. Noise
    /// words come from the worker's random stream and the draws it made ahead.
    pub(crate) fn fill(
        &self,
        batch: &mut Batch,
        negative: usize,
        (rng, noise): (&mut SmallRng, &mut NoiseDraws),
    ) {
        let center = batch.center;
        batch.out.clear();
        batch.labels.clear();
        let mut shared_negatives = false;
        match self {
            Outputs::Softmax => return,
            Outputs::Negative(ns, NsDirection::CenterPredictsContext) => {
                shared_negatives = true;
                batch.out.extend_from_slice(&batch.ctx);
                batch.labels.resize(batch.ctx.len(), 1.0);
                for _ in 0..negative {
                    let w = noise.draw(ns, rng);
                    if w != center && !batch.ctx.contains(&w) {
                        batch.out.push(w);
                        batch.labels.push(0.0);
                    }
                }
                batch.ctx.clear();
                batch.ctx.push(center);
            }
            Outputs::Negative(ns, NsDirection::ContextPredictsCenter) => {
                batch.out.push(center);
                batch.labels.push(1.0);
                for _ in 0..negative {
                    let w = noise.draw(ns, rng);
                    // word2vec.c skips a noise word equal to the positive one.
                    if w != center {
                        batch.out.push(w);
                        batch.labels.push(0.0);
                    }
                }
            }
            Outputs::Hierarchical(h) => {
                for (node, label) in h.targets(center as usize) {
                    batch.out.push(node);
                    batch.labels.push(label);
                }
            }
        }
        merge_repeats(&mut batch.ctx, &mut batch.ctx_weight, None);
        merge_repeats(
            &mut batch.out,
            &mut batch.out_weight,
            Some(&mut batch.labels),
        );
        if shared_negatives {
            // Each shared noise word stands in for one noise draw of every pair.
            let m = batch.pairs as f32;
            for (w, &l) in batch.out_weight.iter_mut().zip(&batch.labels) {
                if l == 0.0 {
                    *w *= m;
                }
            }
        }
    }

    /// Trains the batch `sc.cur` with learning rate `alpha`; returns its loss (nats), or
    /// `None` if a score was not finite (divergence).
    pub(crate) fn step(&self, cx: &StepContext<'_>, alpha: f32, sc: &mut Scratch) -> Option<f64> {
        match self {
            Outputs::Softmax => softmax_step(cx, alpha, sc),
            Outputs::Negative(..) | Outputs::Hierarchical(_) => binary_step(cx, alpha, sc),
        }
    }
}

/// Negative sampling and hierarchical softmax: the context rows of p (A) against the output
/// rows `sc.cur.out` (B): one batched update (pWord2Vec, Ji et al. 2016) if A has at most
/// `cx.block_rows` rows, else one row at a time (see [`MAX_BLOCK_ROWS`]). B stays in scratch
/// between rows, so each row sees the updates of the rows before it, as in word2vec.c.
fn binary_step(cx: &StepContext<'_>, alpha: f32, sc: &mut Scratch) -> Option<f64> {
    let n = cx.stride;
    let batch = &sc.cur;
    let o = batch.out.len();
    let block = if batch.ctx.len() <= cx.block_rows {
        cx.block_rows
    } else {
        1
    };
    for (j, &w) in batch.out.iter().enumerate() {
        cx.output.read_row(w as usize, &mut sc.b[j * n..]);
    }
    let mut loss = 0.0;
    for (rows, weights) in batch.ctx.chunks(block).zip(batch.ctx_weight.chunks(block)) {
        let m = rows.len();
        for (i, &w) in rows.iter().enumerate() {
            cx.input.read_row(w as usize, &mut sc.a[i * n..]);
        }
        cx.isa.scores(&sc.a, &sc.b, &mut sc.g, m, o, n);
        loss += cx.sigmoid.binary_coefficients(
            &mut sc.g[..m * o],
            &batch.labels,
            weights,
            &batch.out_weight,
            alpha,
        )?;
        cx.isa
            .update(&sc.g, &mut sc.a, &mut sc.b, &mut sc.db, m, o, n);
        for (i, &w) in rows.iter().enumerate() {
            cx.input.write_row(w as usize, &sc.a[i * n..(i + 1) * n]);
        }
    }
    for (j, &w) in batch.out.iter().enumerate() {
        cx.output.write_row(w as usize, &sc.b[j * n..(j + 1) * n]);
    }
    Some(loss)
}

/// The full softmax: forward the center word once, one distribution for all its context
/// positions (`sc.cur.ctx`), back-propagate the summed cross-entropy into p' and p.
fn softmax_step(cx: &StepContext<'_>, alpha: f32, sc: &mut Scratch) -> Option<f64> {
    let n = cx.stride;
    let v = sc.g.len();
    let center = sc.cur.center as usize;
    cx.input.read_row(center, &mut sc.a);
    for j in 0..v {
        cx.output.read_row(j, &mut sc.b[j * n..]);
    }
    cx.isa.scores(&sc.a, &sc.b, &mut sc.g, 1, v, n);
    let loss = softmax_coefficients(&mut sc.g, &sc.cur.ctx, alpha)?;
    cx.isa
        .update(&sc.g, &mut sc.a, &mut sc.b, &mut sc.db, 1, v, n);
    cx.input.write_row(center, &sc.a);
    for j in 0..v {
        cx.output.write_row(j, &sc.b[j * n..(j + 1) * n]);
    }
    Some(loss)
}
