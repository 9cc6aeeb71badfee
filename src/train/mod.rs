//! Training: the [`Trainer`], its [`TrainConfig`], and progress reports.
//!
//! # What one update does
//!
//! The corpus is read sentence by sentence (a newline or [`TrainConfig::max_sentence_len`]
//! kept tokens end one). Frequent tokens are dropped by subsampling; for every remaining
//! center word w a window b is drawn uniformly from 1..=c (word2vec.c's dynamic window, which
//! weights near contexts more), and the ≤ 2b context words around w form its batch.
//!
//! * **Negative sampling / hierarchical softmax** update in word2vec.c's direction: each
//!   *context* word's row of p is trained to predict the *center* word's output rows (the
//!   center word plus `negative` noise words, or the inner nodes on its Huffman path).
//!   Because all context words of one center share those output rows, the update is done in
//!   batches (pWord2Vec, Ji et al. 2016): G = A·Bᵀ for the m×o block, then ΔA = C·B and
//!   ΔB = Cᵀ·A, with one set of negatives per center word. Summed over the corpus, the pairs
//!   (context, center) are the same pairs as (center, context), so the objective is the
//!   skip-gram objective. A batch of more than 10 context rows (windows wider than 5) is
//!   stepped row by row instead, each row seeing the output rows the previous one updated,
//!   so windows of any size train as word2vec.c's pair-by-pair loop does.
//! * **Full softmax** updates in the direction of the tutorial's net (L. Lorenz, "Forward
//!   Propagation: Building a Skip-Gram Net From the Ground Up", District Data Labs): the
//!   center word is fed forward once, its one distribution over V is shared by all its 2b
//!   context positions (they share p'), and the loss is the sum of their cross-entropies.
//!
//! # The learning rate
//!
//! [`Trainer::train`] follows the configuration's plan: α decays linearly from `alpha` to
//! `alpha·min_alpha_fraction` over all words of all `epochs` (word2vec.c: `alpha =
//! starting_alpha · (1 − words_done / (epochs · train_words + 1))`, floored), refreshed every
//! 10,000 words. Stopping after any epoch and resuming gives the same schedule.
//! [`Trainer::train_more`] trains epochs beyond the plan: α continues linearly from where the
//! plan stopped down to the floor over the new epochs, as gensim's
//! `train(epochs=…, start_alpha=…, end_alpha=…)` does with those values.
//!
//! # Threads
//!
//! With `threads = T` the corpus is split into T byte ranges and each thread trains on its
//! own range, Hogwild-style, over shared weights; see [`Trainer`] for why that is sound
//! Rust. With `threads = 1` and a fixed `seed`, training is bit-for-bit reproducible.
//! Random streams are seeded per (seed, thread, epoch), so resuming from a checkpoint after
//! epoch e continues exactly as an uninterrupted run.
//!
//! With [`TrainConfig::deterministic`] training is bit-for-bit reproducible with several
//! threads, and gives the same vectors whatever their number: the corpus is cut into 2
//! parts, each trained in rounds from a shared snapshot into a private copy, and the
//! parts' changes are summed in part order (the in-process form of a distributed merge).

mod batch;
mod config;
#[cfg(feature = "mpi")]
mod distributed;
mod encoded;
mod engine;
#[allow(unsafe_code)] // SIMD kernels: see the SAFETY comments in the module.
mod kernels;
mod loss;
mod objective;
mod report;
mod sampling;
mod schedule;
#[allow(unsafe_code)] // a prefetch hint and madvise: see the module docs.
mod shared;
mod sync;

use std::time::Instant;

use rand::rngs::StdRng;
use rand::SeedableRng;

pub use config::{NsDirection, Objective, TrainConfig};
pub use report::{EpochReport, Phases, Progress, TrainReport};
#[cfg(feature = "mpi")]
pub use sync::{Cluster, SyncStats};

use crate::corpus::Corpus;
use crate::error::{Error, Result};
use crate::model::SkipGramModel;
use crate::vocab::{CountOptions, Vocabulary};
use batch::MAX_BLOCK_ROWS;
use batch::{padded, Batch, Scratch};
use config::check_alpha;
use engine::Call;
use kernels::Isa;
use objective::{softmax_step, StepContext};
use schedule::Schedule;
use shared::SharedMatrix;
use sync::{Local, ModelSync};

/// Trains a [`SkipGramModel`] with SGD.
///
/// ```
/// use skipgram::{Corpus, Objective, TrainConfig, Trainer};
/// let corpus = Corpus::from_text("the quick brown fox jumps over the lazy dog ".repeat(50));
/// let cfg = TrainConfig { dim: 10, min_count: 1, epochs: 2, threads: 1, ..Default::default() };
/// let trainer = Trainer::new(cfg)?;
/// let (mut model, report) = trainer.fit(&corpus)?;
/// assert_eq!(model.epochs_trained(), 2);
/// assert!(report.epochs[1].loss < report.epochs[0].loss);
/// // One more epoch beyond the plan, the learning rate continuing where it stopped:
/// trainer.train_more(&mut model, &corpus, 1)?;
/// assert_eq!(model.epochs_trained(), 3);
/// # Ok::<(), skipgram::Error>(())
/// ```
///
/// **Soundness of multi-threaded training.** The weights are copied into arrays of
/// `AtomicU64` (two f32 each) that threads access only with relaxed atomic loads and stores;
/// all arithmetic happens in per-thread buffers. There is no data race on non-atomic memory,
/// and sharing the weights needs no `unsafe` (the module's only `unsafe` are a cache
/// prefetch and an `madvise` hint, which read and write nothing); lost updates can happen,
/// as in word2vec.c's Hogwild SGD, but no undefined behaviour.
#[derive(Clone, Debug)]
pub struct Trainer {
    config: TrainConfig,
    isa: Isa,
    block_rows: usize,
}

impl Trainer {
    /// A trainer with `config`, using the fastest kernels this CPU supports.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] from [`TrainConfig::validate`].
    pub fn new(config: TrainConfig) -> Result<Self> {
        config.validate()?;
        Ok(Trainer {
            config,
            isa: Isa::detect(),
            block_rows: MAX_BLOCK_ROWS,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Counts `corpus` (one pass, on `threads` threads over byte ranges, holding at most
    /// `max_vocab_size` types while counting) into the vocabulary the configuration asks
    /// for (`min_count`, `max_final_vocab`). The result does not depend on the number of
    /// threads unless `max_vocab_size` prunes.
    ///
    /// # Errors
    /// As [`Corpus::build_vocabulary_with`].
    pub fn build_vocabulary(&self, corpus: &Corpus) -> Result<Vocabulary> {
        corpus.build_vocabulary_with(&CountOptions {
            threads: self.config.threads,
            min_count: self.config.min_count,
            max_final_vocab: self.config.max_final_vocab,
            max_vocab_size: self.config.max_vocab_size,
        })
    }

    /// A freshly initialised model for `vocab` (p uniform in ±0.5/N, p' zero, as
    /// word2vec.c), seeded by the configuration's `seed`.
    ///
    /// # Errors
    /// As [`SkipGramModel::new`]: [`Error::OutOfMemory`] if V×N weights cannot be allocated.
    pub fn init_model(&self, vocab: Vocabulary) -> Result<SkipGramModel> {
        let mut rng = StdRng::seed_from_u64(self.config.seed);
        SkipGramModel::new(vocab, self.config.dim, &mut rng)
    }

    /// [`build_vocabulary`](Self::build_vocabulary), then [`init_model`](Self::init_model).
    ///
    /// # Errors
    /// As those two.
    pub fn build_model(&self, corpus: &Corpus) -> Result<SkipGramModel> {
        self.init_model(self.build_vocabulary(corpus)?)
    }

    /// Builds the vocabulary and the model, then [`train`](Self::train)s every planned
    /// epoch. The report's [`phases`](TrainReport::phases) time each step.
    ///
    /// # Errors
    /// As [`build_model`](Self::build_model) and [`train`](Self::train).
    pub fn fit(&self, corpus: &Corpus) -> Result<(SkipGramModel, TrainReport)> {
        self.fit_with_progress(corpus, |_| {})
    }

    /// [`fit`](Self::fit), calling `progress` about every 100 ms while training.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_with_progress(
        &self,
        corpus: &Corpus,
        progress: impl FnMut(&Progress),
    ) -> Result<(SkipGramModel, TrainReport)> {
        let t0 = Instant::now();
        let vocab = self.build_vocabulary(corpus)?;
        let t1 = Instant::now();
        let mut model = self.init_model(vocab)?;
        let t2 = Instant::now();
        let mut report =
            self.train_with_progress(&mut model, corpus, self.config.epochs, progress)?;
        report.phases.vocabulary = (t1 - t0).as_secs_f64();
        report.phases.initialisation += (t2 - t1).as_secs_f64();
        Ok((model, report))
    }

    /// Trains from `model.epochs_trained()` up to the planned `config.epochs`.
    ///
    /// # Errors
    /// [`Error::AlreadyTrained`] if the model has trained every planned epoch (use
    /// [`train_more`](Self::train_more)); otherwise as
    /// [`train_with_progress`](Self::train_with_progress).
    pub fn train(&self, model: &mut SkipGramModel, corpus: &Corpus) -> Result<TrainReport> {
        self.train_with_progress(model, corpus, self.config.epochs, |_| {})
    }

    /// Trains from `model.epochs_trained()` until the model has trained `epochs` epochs of
    /// the plan, so that training can stop (e.g. to checkpoint) and resume later with the
    /// same learning-rate schedule.
    ///
    /// # Errors
    /// As [`train_with_progress`](Self::train_with_progress).
    pub fn train_until(
        &self,
        model: &mut SkipGramModel,
        corpus: &Corpus,
        epochs: usize,
    ) -> Result<TrainReport> {
        self.train_with_progress(model, corpus, epochs, |_| {})
    }

    /// Trains until the model has trained `epochs` epochs of the plan, calling `progress`
    /// about every 100 ms.
    ///
    /// On error the model keeps the weights it had when the call began.
    ///
    /// # Errors
    /// [`Error::AlreadyTrained`] if the model has already trained `epochs` epochs or more;
    /// [`Error::InvalidConfig`] if `epochs > config.epochs` (beyond the plan: use
    /// [`train_more`](Self::train_more)), or hierarchical softmax on a one-word vocabulary;
    /// [`Error::ShapeMismatch`] if the model's dimension is not `config.dim`;
    /// [`Error::OutOfMemory`] if the shared weights or scratch space cannot be allocated;
    /// [`Error::Diverged`] if the loss becomes non-finite; [`Error::InvalidUtf8`] and
    /// [`Error::Io`] from reading the corpus.
    pub fn train_with_progress(
        &self,
        model: &mut SkipGramModel,
        corpus: &Corpus,
        epochs: usize,
        progress: impl FnMut(&Progress),
    ) -> Result<TrainReport> {
        let schedule = self.plan_until(model, epochs)?;
        self.run(model, corpus, epochs, schedule, &mut Local, progress)
    }

    /// The schedule of [`train_with_progress`](Self::train_with_progress), after its checks.
    fn plan_until(&self, model: &SkipGramModel, epochs: usize) -> Result<Schedule> {
        let cfg = &self.config;
        if epochs > cfg.epochs {
            return Err(Error::InvalidConfig(format!(
                "{epochs} epochs is beyond the plan's {}; use Trainer::train_more",
                cfg.epochs
            )));
        }
        if model.epochs_trained() >= epochs {
            return Err(Error::AlreadyTrained {
                epochs_trained: model.epochs_trained(),
                epochs,
            });
        }
        Ok(Schedule::plan(cfg, model.vocab().total_count()))
    }

    /// Trains `extra_epochs` more epochs, whether or not the plan is done: the learning
    /// rate continues linearly from the plan's value at `model.epochs_trained()` (the floor
    /// `alpha·min_alpha_fraction` once the plan is done) down to that floor at the end of
    /// the new epochs. gensim's equivalent is
    /// `train(epochs=extra, start_alpha=where_it_stopped, end_alpha=min_alpha)`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if `extra_epochs` is 0; otherwise as
    /// [`train_with_progress`](Self::train_with_progress).
    pub fn train_more(
        &self,
        model: &mut SkipGramModel,
        corpus: &Corpus,
        extra_epochs: usize,
    ) -> Result<TrainReport> {
        self.train_more_with_progress(model, corpus, extra_epochs, |_| {})
    }

    /// [`train_more`](Self::train_more), calling `progress` about every 100 ms.
    ///
    /// # Errors
    /// As [`train_more`](Self::train_more).
    pub fn train_more_with_progress(
        &self,
        model: &mut SkipGramModel,
        corpus: &Corpus,
        extra_epochs: usize,
        progress: impl FnMut(&Progress),
    ) -> Result<TrainReport> {
        let (last, schedule) = self.plan_more(model, extra_epochs)?;
        self.run(model, corpus, last, schedule, &mut Local, progress)
    }

    /// The last epoch and schedule of [`train_more`](Self::train_more), after its checks.
    fn plan_more(&self, model: &SkipGramModel, extra_epochs: usize) -> Result<(usize, Schedule)> {
        if extra_epochs == 0 {
            return Err(Error::InvalidConfig(
                "train_more needs at least one extra epoch".into(),
            ));
        }
        let done = model.epochs_trained();
        let last = done.checked_add(extra_epochs).ok_or_else(|| {
            Error::InvalidConfig(format!("{done} + {extra_epochs} epochs overflows"))
        })?;
        let words = model.vocab().total_count() as f64;
        let words0 = done as f64 * words;
        let start = Schedule::plan(&self.config, model.vocab().total_count())
            .alpha(words0.min(u64::MAX as f64) as u64);
        let schedule = Schedule::Span {
            start: start as f64,
            end: self.config.min_alpha() as f64,
            words0,
            span: extra_epochs as f64 * words,
        };
        Ok((last, schedule))
    }

    fn run(
        &self,
        model: &mut SkipGramModel,
        corpus: &Corpus,
        last: usize,
        schedule: Schedule,
        sync: &mut dyn ModelSync,
        progress: impl FnMut(&Progress),
    ) -> Result<TrainReport> {
        if model.dim() != self.config.dim {
            return Err(Error::ShapeMismatch {
                what: "model dimension vs TrainConfig::dim",
                expected: self.config.dim.to_string(),
                found: model.dim().to_string(),
            });
        }
        let call = Call {
            first: model.epochs_trained() + 1,
            last,
            schedule,
            isa: self.isa,
            block_rows: self.block_rows,
        };
        engine::train(&self.config, &call, model, corpus, sync, progress)
    }

    /// One SGD step of the tutorial's full-softmax objective: feeds `center` forward, takes
    /// the summed cross-entropy E = −Σ log softmax(u)_ctx over the given `contexts` (all 2c
    /// positions share p', so they share one distribution), back-propagates into p' and the
    /// center word's row of p, and updates both with learning rate `alpha`. Returns E before
    /// the step (nats). This is the update [`Objective::Softmax`] training applies to every
    /// center word; it is public for teaching and for checking the gradient.
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] for an index ≥ V; [`Error::InvalidConfig`] for an empty
    /// context list or a non-finite or non-positive `alpha`; [`Error::OutOfMemory`] if the
    /// V×N scratch space cannot be allocated; [`Error::Diverged`] if the loss is not finite
    /// (the model is then left unchanged).
    pub fn softmax_step(
        &self,
        model: &mut SkipGramModel,
        center: usize,
        contexts: &[usize],
        alpha: f32,
    ) -> Result<f64> {
        let v = model.vocab_size();
        let n = padded(model.dim());
        if let Some(&bad) = contexts.iter().chain([&center]).find(|&&i| i >= v) {
            return Err(Error::IndexOutOfRange { index: bad, len: v });
        }
        if contexts.is_empty() {
            return Err(Error::InvalidConfig(
                "softmax_step needs at least one context word".into(),
            ));
        }
        check_alpha(alpha)?;
        let input = SharedMatrix::try_from_array(model.input_array(), "p", 1)?;
        let output = SharedMatrix::try_from_array(model.output_array(), "p'", 1)?;
        let mut sc = Scratch::new(1, v, n)?;
        sc.cur = Batch {
            center: center as u32,
            ctx: contexts.iter().map(|&c| c as u32).collect(),
            ..Batch::default()
        };
        let cx = StepContext {
            isa: self.isa,
            input: &input,
            output: &output,
            sigmoid: &loss::SigmoidTable::new(),
            stride: n,
            block_rows: 1,
        };
        let loss = softmax_step(&cx, alpha, &mut sc).ok_or(Error::Diverged {
            epoch: model.epochs_trained() + 1,
            words: 0,
        })?;
        model.replace_input(input.try_to_array("p", 1)?);
        model.replace_output(output.try_to_array("p'", 1)?);
        Ok(loss)
    }
}

#[cfg(test)]
mod tests;
