//! The learning-rate schedule: α as a function of the words processed.

use super::config::TrainConfig;

/// The learning rate as a function of the words processed since the model's first epoch.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Schedule {
    /// The configuration's plan (word2vec.c): α·max(1 − words / (E·W + 1), floor) over all
    /// E planned epochs of W words, so that stopping and resuming changes nothing.
    Plan { alpha: f64, total: f64, floor: f64 },
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
            } => Schedule::Plan {
                alpha: alpha * factor,
                total,
                floor,
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
            } => (alpha * (1.0 - words as f64 / total).max(floor)) as f32,
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
