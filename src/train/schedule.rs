//! The learning-rate schedule: α as a function of the words processed.

use super::config::{Objective, TrainConfig};

/// The learning rate as a function of the words processed since the model's first epoch.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Schedule {
    /// The configuration's plan: α·max(1 − (1 − end)·words / (E·W + 1), floor) over all E
    /// planned epochs of W words, so that stopping and resuming changes nothing; `end` is
    /// [`planned_end`] (0 from 3 epochs on, and always with hierarchical softmax:
    /// word2vec.c's schedule).
    Plan {
        alpha: f64,
        total: f64,
        floor: f64,
        end: f64,
    },
    /// Linear from `start` at `words0` to `end` at `words0 + span`, then `end` (gensim's
    /// `train(start_alpha=…, end_alpha=…)`).
    Span {
        start: f64,
        end: f64,
        words0: f64,
        span: f64,
    },
}

impl Schedule {
    /// The configuration's plan for `words_per_epoch` words per epoch.
    pub(crate) fn plan(cfg: &TrainConfig, words_per_epoch: u64) -> Self {
        Schedule::Plan {
            alpha: cfg.alpha as f64,
            total: cfg.epochs as f64 * words_per_epoch as f64 + 1.0,
            floor: cfg.min_alpha_fraction as f64,
            end: planned_end(cfg.epochs, cfg.objective),
        }
    }

    /// The same schedule with every α multiplied by `factor` (the learning rate of one of
    /// K ranks: see `sync::rates`).
    #[cfg_attr(not(feature = "mpi"), allow(dead_code))]
    pub(crate) fn scaled(self, factor: f64) -> Self {
        match self {
            Schedule::Plan {
                alpha,
                total,
                floor,
                end,
            } => Schedule::Plan {
                alpha: alpha * factor,
                total,
                floor,
                end,
            },
            Schedule::Span {
                start,
                end,
                words0,
                span,
            } => Schedule::Span {
                start: start * factor,
                end: end * factor,
                words0,
                span,
            },
        }
    }

    /// α after `words` words.
    pub(crate) fn alpha(&self, words: u64) -> f32 {
        match *self {
            Schedule::Plan {
                alpha,
                total,
                floor,
                end,
            } => (alpha * (1.0 - (1.0 - end) * words as f64 / total).max(floor)) as f32,
            Schedule::Span {
                start,
                end,
                words0,
                span,
            } => {
                let t = ((words as f64 - words0) / span.max(1.0)).clamp(0.0, 1.0);
                (start + (end - start) * t) as f32
            }
        }
    }
}

/// Where the plan's linear decay ends, as a fraction of α, for `epochs` planned epochs:
/// max(0, (3 − E) / (3 + E)), i.e. 1/2 for one epoch, 1/5 for two, 0 from three on.
///
/// Over E epochs decaying linearly to α·e, a token at the end of the corpus is trained at a
/// summed rate (1 − e) below one at its start; (3 − E)/(3 + E) is the largest end that
/// keeps this spread within 2/3 of the mean summed rate E(1 + e)/2. With word2vec.c's decay
/// to 0, one epoch trains the last part of the corpus at almost no rate. Measured on the
/// second half of 100 MB of English Wikipedia (2015, text8-style; sample 1e-4, 2 threads;
/// Google analogies / WS-353 ρ): one epoch ending at 0 gave 3.19 % / 0.350, at ½ 4.89 % /
/// 0.420 (¼: 4.37 % / 0.383, ¾: 4.94 % / 0.419); two epochs ending at 0 gave 11.64 % /
/// 0.489, at ⅕ 13.32 % / 0.508; five epochs ending at 0 gave 24.68 % / 0.635, at ½ 20.96 %
/// / 0.613. gensim 4.4's `corpus_file` mode ends one epoch on 2 workers at α/2 (each worker
/// measures its progress against the whole corpus).
///
/// Hierarchical softmax ends at 0 for any E, as word2vec.c and fastText do: its inner nodes
/// are shared by every word, and a rate still at α/2 at the end of one epoch left them
/// noisier. One epoch with word vectors scored 7.74 % / 0.567 at ½ and 9.17 % / 0.557 at 0
/// on the first half of the corpus, 6.81 % / 0.511 and 10.08 % / 0.546 on the second, and
/// 10.89 % / 0.592 and 18.73 % / 0.608 on all 100 MB (word2vec.c 19.47 % / 0.590); with
/// subwords (fastText's settings) 35.94 % / 0.293 and 38.18 % / 0.340 on the first half,
/// 37.15 % / 0.275 and 37.75 % / 0.349 on the second, 39.38 % / 0.367 and 43.20 % / 0.431
/// on all of it (fastText 42.74 % / 0.432).
pub(crate) fn planned_end(epochs: usize, objective: Objective) -> f64 {
    if objective == Objective::HierarchicalSoftmax {
        return 0.0;
    }
    let e = epochs as f64;
    ((3.0 - e) / (3.0 + e)).max(0.0)
}
