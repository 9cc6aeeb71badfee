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
//! [`Epochs::Planned`] and [`Epochs::Until`] follow the configuration's plan: α decays
//! linearly from `alpha` over all words of all `epochs`, floored at
//! `alpha·min_alpha_fraction`, and refreshed every 10,000 words. From 3 planned epochs on this
//! is word2vec.c's schedule, `alpha = starting_alpha · (1 − words_done / (epochs ·
//! train_words + 1))`, which decays to 0. With 1 or 2 planned epochs of negative sampling
//! or the full softmax the decay ends at α/2 or α/5 instead,
//! α·(1 − (1 − e)·words_done / (…)) with e = (3 − E)/(3 + E): decaying to 0 within one
//! epoch trains the last part of the corpus at almost no rate, and gave 3.19 % on the
//! Google analogies and ρ 0.350 on WordSim-353 against 4.89 % and 0.420 with e = ½ (one
//! epoch on 50 MB of English Wikipedia, `sample` 1e-4; gensim 4.4 4.27 % and 0.361).
//! Hierarchical softmax keeps word2vec.c's decay to 0, which trained it better.
//! Stopping after any epoch and resuming gives the same schedule. [`Epochs::More`] trains
//! epochs beyond the plan: α continues linearly from where the plan stopped down to the
//! floor over the new epochs, as gensim's `train(epochs=…, start_alpha=…, end_alpha=…)`
//! does with those values.
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
mod encoded;
mod engine;
#[allow(unsafe_code)] // SIMD kernels: see the SAFETY comments in the module.
mod kernels;
mod loss;
mod objective;
mod options;
mod report;
mod sampling;
mod schedule;
#[allow(unsafe_code)] // a prefetch hint and madvise: see the module docs.
mod shared;
mod sync;

use std::time::Instant;

use rand::rngs::StdRng;
use rand::SeedableRng;

pub(crate) use config::parse_named;
pub use config::{NsDirection, Objective, TrainConfig};
pub use options::{CancelToken, Epochs, TrainOptions};
pub use report::{EpochReport, Phases, Progress, TrainReport};
#[cfg(feature = "mpi")]
pub use sync::{Cluster, SyncConfig, SyncStats};

use crate::corpus::Corpus;
use crate::error::{Error, Result};
use crate::model::{init_half, Growth, SkipGramModel};
use crate::vocab::{CountOptions, VocabConfig, Vocabulary};
use batch::MAX_BLOCK_ROWS;
use engine::Call;
use kernels::Isa;
use schedule::Schedule;
use sync::{Local, ModelSync};

/// Trains a [`SkipGramModel`] with SGD.
///
/// Two entry points do every kind of training, each with one [`TrainOptions`] value for
/// progress, cancellation and (feature `mpi`) the cluster:
/// [`fit`](Self::fit) builds the vocabulary and the model and trains the planned epochs;
/// [`train`](Self::train) trains an existing model for some [`Epochs`].
///
/// ```
/// use skipgram::prelude::*;
/// let corpus = Corpus::from_text("the quick brown fox jumps over the lazy dog ".repeat(50));
/// let cfg = TrainConfig { dim: 10, vocab: VocabConfig { min_count: 1, ..Default::default() }, epochs: 2, threads: 1, ..Default::default() };
/// let trainer = Trainer::new(cfg)?;
/// let (mut model, report) = trainer.fit(&corpus, TrainOptions::new())?;
/// assert_eq!(model.epochs_trained(), 2);
/// assert!(report.epochs[1].loss < report.epochs[0].loss);
/// // One more epoch beyond the plan, the learning rate continuing where it stopped:
/// trainer.train(&mut model, &corpus, Epochs::More(1), TrainOptions::new())?;
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
    /// threads unless `max_vocab_size` prunes. With a cluster in `options`, each process
    /// counts its 1/K of the corpus, rank 0 merges the counts with the same rule, and every
    /// rank returns the identical vocabulary (collective: every rank calls it).
    ///
    /// # Errors
    /// As [`Corpus::build_vocabulary_with`]; with a cluster,
    /// [`Error::Distributed`] on the ranks where the error did not happen.
    pub fn build_vocabulary(&self, corpus: &Corpus, options: &TrainOptions) -> Result<Vocabulary> {
        let count = CountOptions {
            threads: self.config.threads,
            vocab: self.config.vocab,
        };
        #[cfg(feature = "mpi")]
        if let Some(cluster) = options.cluster {
            return cluster.build_vocabulary(corpus, &count);
        }
        let _ = options;
        corpus.build_vocabulary_with(&count)
    }

    /// A freshly initialised model for `vocab` (p uniform in ±0.5/N, p' zero, as
    /// word2vec.c; with subwords p and the n-gram rows uniform in ±1/N, as fastText),
    /// seeded by the configuration's `seed`. With a cluster, every rank gets the same model
    /// from the same seed.
    ///
    /// # Errors
    /// As [`SkipGramModel::new`]: [`Error::OutOfMemory`] if V×N weights cannot be allocated.
    pub fn init_model(&self, vocab: Vocabulary) -> Result<SkipGramModel> {
        let mut rng = StdRng::seed_from_u64(self.config.seed);
        let (n, subword) = (self.config.dim, self.config.ngram_config().enabled());
        let model = SkipGramModel::with_init(vocab, n, init_half(n, subword), &mut rng)?;
        match subword {
            true => model.with_ngrams(self.config.ngram_config(), &mut rng),
            false => Ok(model),
        }
    }

    /// The growth step before training `model` on a new `corpus` (a model trained on another
    /// corpus, read from a [`Checkpoint`](crate::Checkpoint), or seeded with word2vec
    /// vectors by [`SkipGramModel::from_embeddings`]): counts the corpus (on `threads`
    /// threads, bounded by `max_vocab_size`) and [grows the
    /// vocabulary](SkipGramModel::grow_vocabulary) with the words that reach `min_count`,
    /// their new rows of p drawn from the configuration's `seed`. `max_final_vocab` does
    /// not apply. Then [`train`](Self::train) with [`Epochs::Planned`] trains the planned
    /// `epochs` on the new corpus, the learning rate decaying from `alpha` over that run.
    /// With a cluster, every rank counts the whole corpus, so all grow alike.
    ///
    /// ```
    /// use skipgram::{Corpus, Epochs, TrainConfig, TrainOptions, Trainer, VocabConfig};
    /// let a = Corpus::from_text("cats chase mice and dogs chase cats ".repeat(30));
    /// let b = Corpus::from_text("dogs fetch sticks and dogs fetch balls ".repeat(30));
    /// let cfg = TrainConfig { dim: 8, vocab: VocabConfig { min_count: 1, ..Default::default() }, epochs: 2, threads: 1, ..Default::default() };
    /// let trainer = Trainer::new(cfg)?;
    /// let (mut model, _) = trainer.fit(&a, TrainOptions::default())?;
    /// let mice = model.embedding("mice")?.to_owned();
    /// let growth = trainer.grow(&mut model, &b)?;
    /// assert_eq!((growth.known, growth.added), (2, 3)); // and, dogs; fetch, sticks, balls
    /// trainer.train(&mut model, &b, Epochs::Planned, TrainOptions::default())?;
    /// assert!(model.vocab().index("sticks").is_some() && model.vocab().index("mice").is_some());
    /// assert_eq!(model.embedding("mice")?, mice); // not in b: its row of p is not trained
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the model's dimension is not `config.dim`; as
    /// [`Corpus::build_vocabulary_with`] and [`SkipGramModel::grow_vocabulary`]. On error
    /// the model is unchanged.
    pub fn grow(&self, model: &mut SkipGramModel, corpus: &Corpus) -> Result<Growth> {
        if model.dim() != self.config.dim {
            return Err(Error::ShapeMismatch {
                what: "model dimension vs TrainConfig::dim",
                expected: self.config.dim.to_string(),
                found: model.dim().to_string(),
            });
        }
        let counts = corpus.build_vocabulary_with(&CountOptions {
            threads: self.config.threads,
            vocab: VocabConfig {
                min_count: 1,
                max_final_vocab: None,
                max_vocab_size: self.config.vocab.max_vocab_size,
            },
        })?;
        let mut rng = StdRng::seed_from_u64(self.config.seed);
        model.grow_vocabulary(&counts, self.config.vocab.min_count, &mut rng)
    }

    /// Builds the vocabulary ([`build_vocabulary`](Self::build_vocabulary)) and the model
    /// ([`init_model`](Self::init_model)), then trains every planned epoch
    /// ([`train`](Self::train) with [`Epochs::Planned`]). The report's
    /// [`phases`](TrainReport::phases) time each step.
    ///
    /// # Errors
    /// As those three.
    pub fn fit(
        &self,
        corpus: &Corpus,
        options: TrainOptions,
    ) -> Result<(SkipGramModel, TrainReport)> {
        let t0 = Instant::now();
        let vocab = self.build_vocabulary(corpus, &options)?;
        let t1 = Instant::now();
        let mut model = self.init_model(vocab)?;
        let t2 = Instant::now();
        let mut report = self.train(&mut model, corpus, Epochs::Planned, options)?;
        report.phases.vocabulary = (t1 - t0).as_secs_f64();
        report.phases.initialisation += (t2 - t1).as_secs_f64();
        Ok((model, report))
    }

    /// Trains `model` on `corpus` for `epochs` (see [`Epochs`] for the learning-rate
    /// schedule of each), with the progress callback, cancellation token and cluster of
    /// `options`.
    ///
    /// On error the model keeps the weights it had when the call began, except a subword
    /// model's input rows (p and the n-gram rows): they are trained in place, so that no
    /// input row is held twice (the bucket×N floats are often most of the model), and keep
    /// the updates made before the error (a divergence or a read error mid-epoch). A
    /// cancelled run
    /// returns `Ok` with [`TrainReport::cancelled`] set (see [`CancelToken`]). With a
    /// cluster, every rank must start from the same model (same vocabulary, same `seed`)
    /// and make the same call; the report's word counts and the learning rate follow the
    /// words of all ranks, its loss is this rank's, and every rank ends with the same,
    /// merged model (write it from rank 0 only).
    ///
    /// # Errors
    /// - [`Error::AlreadyTrained`] if the model has already trained the epochs that
    ///   [`Epochs::Planned`] or [`Epochs::Until`] asks for;
    /// - [`Error::InvalidConfig`] for [`Epochs::Until`] beyond the plan's `config.epochs`,
    ///   [`Epochs::More(0)`](Epochs::More), more epochs than
    ///   [`TrainConfig::MAX_SIZE`] in total, or hierarchical softmax on a one-word
    ///   vocabulary;
    /// - [`Error::ShapeMismatch`] if the model's dimension is not `config.dim`;
    /// - [`Error::OutOfMemory`] if the shared weights or scratch space cannot be allocated;
    /// - [`Error::Diverged`] if the loss becomes non-finite;
    /// - [`Error::InvalidUtf8`] and [`Error::Io`] from reading the corpus;
    /// - with a cluster, [`Error::Distributed`] on the ranks where the error did not happen.
    pub fn train(
        &self,
        model: &mut SkipGramModel,
        corpus: &Corpus,
        epochs: Epochs,
        options: TrainOptions,
    ) -> Result<TrainReport> {
        let plan = self.plan(model, epochs);
        #[cfg(feature = "mpi")]
        if let Some(cluster) = options.cluster {
            // Every rank learns whether all can start, so none waits for a rank that cannot.
            let plan = options.sync.validate().and(plan);
            let agreed = cluster.agree(plan.is_ok());
            let (last, schedule) = plan?;
            agreed?;
            // Each rank trains at m = min(K, 4) times the rate; the merge undoes it for the
            // rows that are summed (see `sync::rates`).
            let schedule = schedule.scaled(sync::rate_scale(cluster.size()));
            let mut sync = sync::MpiSync::new(cluster, &options.sync, self.config.threads);
            return self.run(model, corpus, last, schedule, &mut sync, options);
        }
        let (last, schedule) = plan?;
        self.run(model, corpus, last, schedule, &mut Local, options)
    }

    /// The last epoch (1-based, inclusive) and the learning-rate schedule of a call, after
    /// its checks.
    fn plan(&self, model: &SkipGramModel, epochs: Epochs) -> Result<(usize, Schedule)> {
        let cfg = &self.config;
        let done = model.epochs_trained();
        let until = |last: usize| {
            if last > cfg.epochs {
                return Err(Error::InvalidConfig(format!(
                    "{last} epochs is beyond the plan's {}; use Epochs::More",
                    cfg.epochs
                )));
            }
            if done >= last {
                return Err(Error::AlreadyTrained {
                    epochs_trained: done,
                    epochs: last,
                });
            }
            Ok((last, Schedule::plan(cfg, model.words_per_epoch())))
        };
        match epochs {
            Epochs::Planned => until(cfg.epochs),
            Epochs::Until(last) => until(last),
            Epochs::More(extra) => {
                if extra == 0 {
                    return Err(Error::InvalidConfig(
                        "Epochs::More needs at least one extra epoch".into(),
                    ));
                }
                let last = done
                    .checked_add(extra)
                    .filter(|&last| last <= TrainConfig::MAX_SIZE)
                    .ok_or_else(|| {
                        Error::InvalidConfig(format!(
                            "{done} + {extra} epochs is more than {} in all",
                            TrainConfig::MAX_SIZE
                        ))
                    })?;
                let words = model.words_per_epoch() as f64;
                let words0 = done as f64 * words;
                let start = Schedule::plan(cfg, model.words_per_epoch())
                    .alpha(words0.min(u64::MAX as f64) as u64);
                let schedule = Schedule::Span {
                    start: start as f64,
                    end: cfg.min_alpha() as f64,
                    words0,
                    span: extra as f64 * words,
                };
                Ok((last, schedule))
            }
        }
    }

    fn run(
        &self,
        model: &mut SkipGramModel,
        corpus: &Corpus,
        last: usize,
        schedule: Schedule,
        sync: &mut dyn ModelSync,
        mut options: TrainOptions,
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
            cancel: options.cancel.clone().unwrap_or_default(),
        };
        engine::train(&self.config, &call, model, corpus, sync, &mut |p| {
            options.report(p)
        })
    }
}

#[cfg(test)]
mod tests;
