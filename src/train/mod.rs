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
//!   Because all context words of one center share those output rows, the update is done as
//!   one batch (pWord2Vec, Ji et al. 2016): G = A·Bᵀ for the m×o block, then ΔA = C·B and
//!   ΔB = Cᵀ·A, with one set of negatives per center word. Summed over the corpus, the pairs
//!   (context, center) are the same pairs as (center, context), so the objective is the
//!   skip-gram objective; the batch turns 2b·(k+1) dot products and updates into small dense
//!   products with cache reuse.
//! * **Full softmax** updates in the seeds' direction: the center word is fed forward once,
//!   its one distribution over V is shared by all its 2b context positions (they share p'),
//!   and the loss is the sum of their cross-entropies.
//!
//! The learning rate decays linearly from `alpha` to `alpha·min_alpha_fraction` over all
//! words of all epochs (word2vec.c: `alpha = starting_alpha · (1 − words_done /
//! (epochs · train_words + 1))`, floored at `starting_alpha · 1e-4`), updated every 10,000
//! words.
//!
//! # Threads
//!
//! With `threads = T` the corpus is split into T byte ranges and each thread trains on its
//! own range, Hogwild-style, over shared weights; see the `shared` module docs (repeated in
//! [`Trainer`]) for why that is sound Rust. With `threads = 1` and a fixed `seed`, training
//! is bit-for-bit reproducible. Random streams are seeded per (seed, thread, epoch), so
//! resuming from a checkpoint after epoch e continues exactly as an uninterrupted run.

mod huffman;
pub mod kernels;
mod objective;
mod sampling;
mod shared;

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use ndarray::Array2;
use rand::rngs::{SmallRng, StdRng};
use rand::{Rng, SeedableRng};

pub use huffman::HuffmanTree;
pub use kernels::Isa;
pub use objective::Objective;

pub use sampling::{NegativeSampler, Subsampler};

use crate::corpus::Corpus;
use crate::error::{Error, Result};
use crate::model::SkipGramModel;
use crate::vocab::Vocabulary;
use objective::{softmax_coefficients, SigmoidTable};
use shared::SharedMatrix;

/// Training settings. Defaults follow word2vec.c's skip-gram defaults except where noted.
///
/// A plain `Copy` struct: build it with struct update syntax.
///
/// ```
/// use skipgram::{Objective, TrainConfig};
/// let cfg = TrainConfig { dim: 50, epochs: 3, objective: Objective::HierarchicalSoftmax, ..Default::default() };
/// assert_eq!(cfg.window, 5);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainConfig {
    /// Embedding dimension N (word2vec.c `-size`). Default 100.
    pub dim: usize,
    /// Maximum context window c: up to c words each side (`-window`). Default 5.
    pub window: usize,
    /// The loss. Default [`Objective::NegativeSampling`].
    pub objective: Objective,
    /// Noise words per positive pair for negative sampling (`-negative`). Default 5.
    pub negative: usize,
    /// Which row of p a negative-sampling pair trains. Default
    /// [`NsDirection::ContextPredictsCenter`] (word2vec.c, gensim).
    pub ns_direction: NsDirection,
    /// Exponent of the unigram noise distribution. Default 0.75.
    pub ns_exponent: f64,
    /// Subsampling threshold t (`-sample`); 0 disables. Default 1e-3.
    pub sample: f64,
    /// Discard word types seen fewer times (`-min-count`). Default 5.
    pub min_count: u64,
    /// Keep at most this many most frequent types. Default: no limit.
    pub max_vocab: Option<usize>,
    /// Passes over the corpus (`-iter`). Default 5.
    pub epochs: usize,
    /// Starting learning rate α (`-alpha`). Default 0.025.
    pub alpha: f32,
    /// The learning rate's floor as a fraction of `alpha`. Default 1e-4 (word2vec.c).
    pub min_alpha_fraction: f32,
    /// Worker threads (`-threads`). Default: available parallelism.
    pub threads: usize,
    /// Seed of every random stream (initialisation, subsampling, windows, negatives).
    pub seed: u64,
    /// Kept tokens after which a sentence is cut (word2vec.c `MAX_SENTENCE_LENGTH`). 1000.
    pub max_sentence_len: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            dim: 100,
            window: 5,
            objective: Objective::NegativeSampling,
            negative: 5,
            ns_direction: NsDirection::ContextPredictsCenter,
            ns_exponent: 0.75,
            sample: 1e-3,
            min_count: 5,
            max_vocab: None,
            epochs: 5,
            alpha: 0.025,
            min_alpha_fraction: 1e-4,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            seed: 1,
            max_sentence_len: 1000,
        }
    }
}

impl TrainConfig {
    /// The largest accepted `dim`, `window`, `negative`, `threads` and `max_sentence_len`
    /// (far beyond any useful setting; they keep buffer sizes from overflowing).
    pub const MAX_SIZE: usize = 1 << 20;

    /// Checks every field's range: `dim`, `window`, `epochs`, `threads` and
    /// `max_sentence_len` in 1..=[`MAX_SIZE`](Self::MAX_SIZE), `negative` ≤ `MAX_SIZE` (and
    /// ≥ 1 for negative sampling), `alpha` finite and > 0, `min_alpha_fraction` in [0, 1],
    /// `sample` finite and ≥ 0, `ns_exponent` finite.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the first field out of range.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidConfig(m));
        for (name, value) in [
            ("dim", self.dim),
            ("window", self.window),
            ("epochs", self.epochs),
            ("threads", self.threads),
            ("max_sentence_len", self.max_sentence_len),
        ] {
            if !(1..=Self::MAX_SIZE).contains(&value) {
                return bad(format!(
                    "{name} must be in 1..={}, got {value}",
                    Self::MAX_SIZE
                ));
            }
        }
        if self.negative > Self::MAX_SIZE {
            return bad(format!("negative must be at most {}", Self::MAX_SIZE));
        }
        if self.objective == Objective::NegativeSampling && self.negative == 0 {
            return bad("negative sampling needs negative ≥ 1".into());
        }
        if !(self.alpha > 0.0 && self.alpha.is_finite()) {
            return bad(format!("alpha must be finite and > 0, got {}", self.alpha));
        }
        if !(0.0..=1.0).contains(&self.min_alpha_fraction) {
            return bad("min_alpha_fraction must be in [0, 1]".into());
        }
        if !(self.sample >= 0.0 && self.sample.is_finite()) {
            return bad(format!(
                "sample must be finite and ≥ 0, got {}",
                self.sample
            ));
        }
        if !self.ns_exponent.is_finite() {
            return bad("ns_exponent must be finite".into());
        }
        Ok(())
    }
}

/// The direction in which a negative-sampling pair (center w, context c) is trained.
///
/// Summed over a corpus both see the same pairs, since c is in w's window exactly when w is
/// in c's. They differ in which embedding a pair moves and in how one center word's pairs
/// batch. Measured on the shared 100 MB Wikipedia corpus (1 epoch, dim 100, window 5,
/// negative 5, sample 1e-4, 2 threads; analogy accuracy on the 30,000 most frequent words,
/// WordSim-353 Spearman ρ): `ContextPredictsCenter` 11.2 % and 0.488,
/// `CenterPredictsContext` 6.2 % and 0.476 in 25 % less time, so the default is word2vec.c's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NsDirection {
    /// word2vec.c's and gensim's loop: c's row of p against the output rows of w and of the
    /// noise words, which all contexts of w share (an m×(k+1) block).
    ContextPredictsCenter,
    /// The seeds' net: w's row of p (its projection) against the output rows of its m
    /// contexts and of k noise words shared by those m pairs, each noise term counted m
    /// times (a 1×(m+k) block). Noise words that are one of the contexts are redrawn
    /// no more than word2vec.c redraws a noise word equal to its target: they are skipped.
    CenterPredictsContext,
}

/// A progress report, delivered to the callback of [`Trainer::train_with_progress`] about
/// every 100 ms from the calling thread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// The epoch under way (0-based).
    pub epoch: usize,
    /// The epoch at which this call stops.
    pub epochs: usize,
    /// Words (in-vocabulary tokens, before subsampling) processed since epoch 0 began.
    pub words: u64,
    /// Words of the whole schedule: epochs × words per epoch.
    pub total_words: u64,
    /// Current learning rate.
    pub alpha: f32,
    /// Mean loss per (center, context) pair in this epoch so far (nats), over all threads.
    pub loss: f64,
    /// Words per second in this call so far, all threads together.
    pub words_per_sec: f64,
    /// Time since this call began.
    pub elapsed: Duration,
}

/// What one epoch did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochReport {
    /// The epoch (0-based).
    pub epoch: usize,
    /// Mean loss per (center, context) pair (nats).
    pub loss: f64,
    /// (center, context) pairs trained.
    pub pairs: u64,
    /// Words read (in-vocabulary tokens, before subsampling).
    pub words: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// What a training call did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrainReport {
    /// One report per epoch trained by this call.
    pub epochs: Vec<EpochReport>,
}

impl TrainReport {
    /// Words per second over the whole call.
    pub fn words_per_sec(&self) -> f64 {
        let words: u64 = self.epochs.iter().map(|e| e.words).sum();
        let secs: f64 = self.epochs.iter().map(|e| e.seconds).sum();
        if secs > 0.0 {
            words as f64 / secs
        } else {
            0.0
        }
    }
}

/// Trains a [`SkipGramModel`] with SGD.
///
/// ```
/// use skipgram::{Corpus, Objective, TrainConfig, Trainer};
/// let corpus = Corpus::from_text("the quick brown fox jumps over the lazy dog ".repeat(50));
/// let cfg = TrainConfig { dim: 10, min_count: 1, epochs: 2, threads: 1, ..Default::default() };
/// let trainer = Trainer::new(cfg)?;
/// let (model, report) = trainer.fit(&corpus)?;
/// assert_eq!(model.epochs_trained(), 2);
/// assert!(report.epochs[1].loss < report.epochs[0].loss);
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
        })
    }

    /// Uses the given instruction set, e.g. [`Isa::portable`] to compare kernels (only
    /// sets this CPU supports can be had).
    pub fn with_isa(mut self, isa: Isa) -> Self {
        self.isa = isa;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Builds the vocabulary from `corpus` (one pass) and a freshly initialised model.
    ///
    /// # Errors
    /// As [`Corpus::build_vocabulary`] and [`SkipGramModel::new`].
    pub fn build_model(&self, corpus: &Corpus) -> Result<SkipGramModel> {
        let vocab = corpus.build_vocabulary(self.config.min_count, self.config.max_vocab)?;
        let mut rng = StdRng::seed_from_u64(self.config.seed);
        SkipGramModel::new(vocab, self.config.dim, &mut rng)
    }

    /// [`build_model`](Self::build_model), then [`train`](Self::train).
    ///
    /// # Errors
    /// As those two.
    pub fn fit(&self, corpus: &Corpus) -> Result<(SkipGramModel, TrainReport)> {
        let mut model = self.build_model(corpus)?;
        let report = self.train(&mut model, corpus)?;
        Ok((model, report))
    }

    /// Trains from `model.epochs_trained()` up to `config.epochs`.
    ///
    /// # Errors
    /// As [`train_until`](Self::train_until).
    pub fn train(&self, model: &mut SkipGramModel, corpus: &Corpus) -> Result<TrainReport> {
        self.train_with_progress(model, corpus, self.config.epochs, |_| {})
    }

    /// Trains from `model.epochs_trained()` up to epoch `epoch_end` of the schedule, so
    /// that training can stop (e.g. to checkpoint) and resume later.
    ///
    /// # Errors
    /// As [`train_with_progress`](Self::train_with_progress).
    pub fn train_until(
        &self,
        model: &mut SkipGramModel,
        corpus: &Corpus,
        epoch_end: usize,
    ) -> Result<TrainReport> {
        self.train_with_progress(model, corpus, epoch_end, |_| {})
    }

    /// Trains up to epoch `epoch_end`, calling `progress` about every 100 ms.
    ///
    /// On error the model keeps the weights it had when the call began.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the model's dimension is not `config.dim`;
    /// [`Error::InvalidConfig`] if `epoch_end > config.epochs`, or hierarchical softmax on a
    /// one-word vocabulary; [`Error::Diverged`] if the loss becomes non-finite;
    /// [`Error::InvalidUtf8`] and [`Error::Io`] from reading the corpus.
    pub fn train_with_progress(
        &self,
        model: &mut SkipGramModel,
        corpus: &Corpus,
        epoch_end: usize,
        mut progress: impl FnMut(&Progress),
    ) -> Result<TrainReport> {
        let cfg = &self.config;
        if model.dim() != cfg.dim {
            return Err(Error::ShapeMismatch {
                what: "model dimension vs TrainConfig::dim",
                expected: cfg.dim.to_string(),
                found: model.dim().to_string(),
            });
        }
        if epoch_end > cfg.epochs {
            return Err(Error::InvalidConfig(format!(
                "epoch_end {epoch_end} is beyond the schedule's {} epochs",
                cfg.epochs
            )));
        }
        let epoch_start = model.epochs_trained();
        if epoch_start >= epoch_end {
            return Ok(TrainReport::default());
        }
        let (vocab, input, output, hs_output) = model.parts_mut();
        let outputs = match cfg.objective {
            Objective::Softmax => Outputs::Softmax,
            Objective::NegativeSampling => Outputs::Negative(
                NegativeSampler::new(vocab.counts(), cfg.ns_exponent)?,
                cfg.ns_direction,
            ),
            Objective::HierarchicalSoftmax => {
                Outputs::Hierarchical(HuffmanTree::new(vocab.counts())?)
            }
        };
        let hs_init;
        let out_array: &Array2<f32> = match cfg.objective {
            Objective::HierarchicalSoftmax => match hs_output {
                Some(h) => h,
                None => {
                    hs_init = Array2::zeros((vocab.len() - 1, cfg.dim));
                    &hs_init
                }
            },
            _ => output,
        };
        let job = Job {
            cfg,
            isa: self.isa,
            corpus,
            vocab,
            input: SharedMatrix::from_array(input),
            output: SharedMatrix::from_array(out_array),
            outputs,
            subsampler: Subsampler::new(vocab.counts(), cfg.sample)?,
            sigmoid: SigmoidTable::new(),
            words_per_epoch: vocab.total_count(),
            words_done: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            stats: (0..cfg.threads).map(|_| WorkerStats::default()).collect(),
        };
        job.words_done.store(
            (epoch_start as u64).saturating_mul(job.words_per_epoch),
            Relaxed,
        );
        let mut report = TrainReport::default();
        let call_start = Instant::now();
        let words_at_start = job.words_done.load(Relaxed);
        for epoch in epoch_start..epoch_end {
            let t0 = Instant::now();
            let words_before = job.words_done.load(Relaxed);
            for s in &job.stats {
                s.reset();
            }
            let finished = AtomicUsize::new(0);
            let results: Vec<Result<()>> = std::thread::scope(|scope| {
                let caller = std::thread::current();
                let handles: Vec<_> = (0..cfg.threads)
                    .map(|t| {
                        let (job, finished) = (&job, &finished);
                        let caller = caller.clone();
                        scope.spawn(move || {
                            let r = job.worker(t, epoch);
                            // Count before waking the caller, so it never parks again for a
                            // worker that is done.
                            finished.fetch_add(1, Relaxed);
                            caller.unpark();
                            r
                        })
                    })
                    .collect();
                while finished.load(Relaxed) < cfg.threads {
                    std::thread::park_timeout(Duration::from_millis(100));
                    progress(&job.progress(epoch, epoch_end, call_start, words_at_start));
                }
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            });
            for r in results {
                r?;
            }
            let (loss, pairs) = job.loss();
            let words = job.words_done.load(Relaxed).saturating_sub(words_before);
            // Scores are checked before every update, but the last updates of a run can still
            // overflow rows that are never read again: check the weights themselves.
            if job.stop.load(Relaxed)
                || !loss.is_finite()
                || !job.input.all_finite()
                || !job.output.all_finite()
            {
                return Err(Error::Diverged {
                    epoch,
                    words: job.words_done.load(Relaxed),
                });
            }
            report.epochs.push(EpochReport {
                epoch,
                loss,
                pairs,
                words,
                seconds: t0.elapsed().as_secs_f64(),
            });
            progress(&job.progress(epoch, epoch_end, call_start, words_at_start));
            // Later epochs count words from the schedule's position, as a resumed run would.
            job.words_done.store(
                (epoch as u64 + 1).saturating_mul(job.words_per_epoch),
                Relaxed,
            );
        }
        let new_input = job.input.to_array();
        let new_output = job.output.to_array();
        let objective = cfg.objective;
        drop(job);
        *input = new_input;
        match objective {
            Objective::HierarchicalSoftmax => *hs_output = Some(new_output),
            _ => *output = new_output,
        }
        model.set_epochs_trained(epoch_end);
        Ok(report)
    }
}

impl Trainer {
    /// One SGD step of the seeds' full-softmax objective: feeds `center` forward, takes the
    /// summed cross-entropy E = −Σ log softmax(u)_ctx over the given `contexts` (all 2c
    /// positions share p', so they share one distribution), back-propagates into p' and the
    /// center word's row of p, and updates both with learning rate `alpha`. Returns E before
    /// the step (nats). This is the update [`Objective::Softmax`] training applies to every
    /// center word; it is public for teaching and for checking the gradient.
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] for an index ≥ V; [`Error::InvalidConfig`] for an empty
    /// context list or a non-finite or non-positive `alpha`; [`Error::Diverged`] if the loss
    /// is not finite (the model is then left unchanged).
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
        if !(alpha > 0.0 && alpha.is_finite()) {
            return Err(Error::InvalidConfig(format!(
                "alpha must be finite and > 0, got {alpha}"
            )));
        }
        let (_, input, output, _) = model.parts_mut();
        let (si, so) = (
            SharedMatrix::from_array(input),
            SharedMatrix::from_array(output),
        );
        let mut sc = Scratch {
            a: vec![0.0; n],
            b: vec![0.0; v * n],
            g: vec![0.0; v],
            db: vec![0.0; v * n],
            cur: Batch {
                center: center as u32,
                ctx: contexts.iter().map(|&c| c as u32).collect(),
                ..Batch::default()
            },
            next: Batch::default(),
        };
        let loss = softmax_update(self.isa, &si, &so, center as u32, alpha, &mut sc).ok_or(
            Error::Diverged {
                epoch: model.epochs_trained(),
                words: 0,
            },
        )?;
        let (_, input, output, _) = model.parts_mut();
        *input = si.to_array();
        *output = so.to_array();
        Ok(loss)
    }
}

/// The objective's output side, with what it draws output rows from.
enum Outputs {
    /// Full softmax: every word's output row.
    Softmax,
    /// Negative sampling: the positive word and noise words, in the given direction.
    Negative(NegativeSampler, NsDirection),
    /// Hierarchical softmax: the inner nodes on the positive word's Huffman path.
    Hierarchical(HuffmanTree),
}

/// Per-thread counters, published every 10,000 words for progress reports.
#[derive(Default)]
struct WorkerStats {
    loss_bits: AtomicU64,
    pairs: AtomicU64,
}

impl WorkerStats {
    fn reset(&self) {
        self.loss_bits.store(0f64.to_bits(), Relaxed);
        self.pairs.store(0, Relaxed);
    }
}

/// Everything the worker threads share for one training call.
struct Job<'a> {
    cfg: &'a TrainConfig,
    isa: Isa,
    corpus: &'a Corpus,
    vocab: &'a Vocabulary,
    input: SharedMatrix,
    /// Word output vectors (p'ᵀ), or Huffman inner-node vectors for hierarchical softmax.
    output: SharedMatrix,
    outputs: Outputs,
    subsampler: Subsampler,
    sigmoid: SigmoidTable,
    words_per_epoch: u64,
    /// Words processed since the schedule's start (all threads).
    words_done: AtomicU64,
    /// Set when a worker detects divergence, so the others stop early.
    stop: AtomicBool,
    stats: Vec<WorkerStats>,
}

/// Words a worker processes between publishing its counters and refreshing α.
const REFRESH_WORDS: u64 = 10_000;

/// Row stride of the thread-local buffers: N rounded up to whole 8-float SIMD registers.
/// The padding columns start at zero and stay zero (the updates add products of zeros), so
/// the kernels run without scalar tails.
fn padded(dim: usize) -> usize {
    dim.next_multiple_of(8)
}

/// One worker's scratch buffers, allocated once per epoch; rows have stride [`padded`]`(N)`.
struct Scratch {
    a: Vec<f32>,
    b: Vec<f32>,
    g: Vec<f32>,
    db: Vec<f32>,
    /// The batch being computed and the next one, whose rows are being prefetched.
    cur: Batch,
    next: Batch,
}

/// One worker thread's state within an epoch.
struct WorkerState {
    rng: SmallRng,
    scratch: Scratch,
    /// Kept word ids of the sentence being gathered.
    sentence: Vec<u32>,
    /// Loss summed over this epoch's pairs so far (nats) and the number of pairs.
    loss: f64,
    pairs: u64,
}

/// One center word's update: its context words (rows of p) and output rows with labels.
///
/// For the binary objectives a row that occurs twice in a batch (a context word repeated
/// in the window, a noise word drawn twice) is kept once with weight 2: the update is then
/// the same as applying both occurrences' deltas, and each row is written back once.
#[derive(Default)]
struct Batch {
    center: u32,
    /// (center, context) pairs this batch trains.
    pairs: u64,
    ctx: Vec<u32>,
    ctx_weight: Vec<f32>,
    out: Vec<u32>,
    out_weight: Vec<f32>,
    labels: Vec<f32>,
}

/// Merges repeated ids, keeping each first occurrence with its multiplicity as weight (and
/// its label, when labels are given).
fn merge_repeats(ids: &mut Vec<u32>, weights: &mut Vec<f32>, mut labels: Option<&mut Vec<f32>>) {
    weights.clear();
    let mut kept = 0;
    for i in 0..ids.len() {
        let id = ids[i];
        if let Some(first) = ids[..kept].iter().position(|&x| x == id) {
            weights[first] += 1.0;
        } else {
            ids[kept] = id;
            if let Some(l) = labels.as_deref_mut() {
                l[kept] = l[i];
            }
            weights.push(1.0);
            kept += 1;
        }
    }
    ids.truncate(kept);
    if let Some(l) = labels {
        l.truncate(kept);
    }
}

impl Job<'_> {
    /// Counts words processed, saturating: a vocabulary's counts may add up to nearly 2⁶⁴.
    fn add_words(&self, n: u64) {
        // `fetch_update` retries only under contention; the closure always returns `Some`.
        let _ = self
            .words_done
            .fetch_update(Relaxed, Relaxed, |w| Some(w.saturating_add(n)));
    }

    fn alpha(&self) -> f32 {
        let cfg = self.cfg;
        let total = cfg.epochs as f64 * self.words_per_epoch as f64 + 1.0;
        let frac = 1.0 - self.words_done.load(Relaxed) as f64 / total;
        (cfg.alpha as f64 * frac.max(cfg.min_alpha_fraction as f64)) as f32
    }

    fn loss(&self) -> (f64, u64) {
        let mut loss = 0.0;
        let mut pairs = 0;
        for s in &self.stats {
            loss += f64::from_bits(s.loss_bits.load(Relaxed));
            pairs += s.pairs.load(Relaxed);
        }
        (if pairs > 0 { loss / pairs as f64 } else { 0.0 }, pairs)
    }

    fn progress(&self, epoch: usize, epochs: usize, start: Instant, words0: u64) -> Progress {
        let words = self.words_done.load(Relaxed);
        let elapsed = start.elapsed();
        Progress {
            epoch,
            epochs,
            words,
            total_words: (self.cfg.epochs as u64).saturating_mul(self.words_per_epoch),
            alpha: self.alpha(),
            loss: self.loss().0,
            words_per_sec: (words - words0) as f64 / elapsed.as_secs_f64().max(1e-9),
            elapsed,
        }
    }

    fn scratch(&self) -> Scratch {
        let n = padded(self.cfg.dim);
        // At most 2·window context words, and never more than a sentence holds.
        let m = (2 * self.cfg.window).min(self.cfg.max_sentence_len);
        let (a_rows, o) = match &self.outputs {
            Outputs::Softmax => (1, self.vocab.len()),
            Outputs::Negative(..) => (m, m.max(1) + self.cfg.negative),
            Outputs::Hierarchical(h) => {
                (m, (0..h.len()).map(|w| h.code(w).len()).max().unwrap_or(1))
            }
        };
        Scratch {
            a: vec![0.0; a_rows * n],
            b: vec![0.0; o * n],
            g: vec![0.0; a_rows * o],
            db: vec![0.0; o * n],
            cur: Batch::default(),
            next: Batch::default(),
        }
    }

    /// One thread's pass over its byte range of the corpus in one epoch.
    fn worker_epoch(&self, thread: usize, epoch: usize) -> Result<()> {
        let cfg = self.cfg;
        let mut w = WorkerState {
            // One independent stream per (seed, thread, epoch): resumable and reproducible.
            rng: SmallRng::seed_from_u64(
                cfg.seed
                    ^ (thread as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    ^ (epoch as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03),
            ),
            scratch: self.scratch(),
            sentence: Vec::with_capacity(cfg.max_sentence_len),
            loss: 0.0,
            pairs: 0,
        };
        let mut pending_words = 0u64;
        let mut alpha = self.alpha();
        let mut diverged = false;
        let stats = &self.stats[thread];
        self.corpus
            .scan_part(thread, cfg.threads, |token, line_start| {
                if line_start && !self.flush(&mut w, alpha) {
                    diverged = true;
                    return ControlFlow::Break(());
                }
                let Some(id) = self.vocab.index_u32(token) else {
                    return ControlFlow::Continue(());
                };
                pending_words += 1;
                if pending_words == REFRESH_WORDS {
                    self.add_words(pending_words);
                    pending_words = 0;
                    alpha = self.alpha();
                    stats.loss_bits.store(w.loss.to_bits(), Relaxed);
                    stats.pairs.store(w.pairs, Relaxed);
                    if self.stop.load(Relaxed) {
                        return ControlFlow::Break(());
                    }
                }
                if self.subsampler.keep(id as usize, &mut w.rng) {
                    w.sentence.push(id);
                    if w.sentence.len() >= cfg.max_sentence_len && !self.flush(&mut w, alpha) {
                        diverged = true;
                        return ControlFlow::Break(());
                    }
                }
                ControlFlow::Continue(())
            })?;
        if !diverged && !self.flush(&mut w, alpha) {
            diverged = true;
        }
        self.add_words(pending_words);
        stats.loss_bits.store(w.loss.to_bits(), Relaxed);
        stats.pairs.store(w.pairs, Relaxed);
        if diverged {
            self.stop.store(true, Relaxed);
        }
        Ok(())
    }

    /// [`worker_epoch`](Self::worker_epoch), telling the other workers to stop if it fails.
    fn worker(&self, thread: usize, epoch: usize) -> Result<()> {
        let r = self.worker_epoch(thread, epoch);
        if r.is_err() {
            self.stop.store(true, Relaxed);
        }
        r
    }

    /// Trains on the sentence gathered so far (if any) and starts a new one; `false` if the
    /// loss became non-finite.
    fn flush(&self, w: &mut WorkerState, alpha: f32) -> bool {
        let WorkerState {
            rng,
            scratch,
            sentence,
            loss,
            pairs,
        } = w;
        let ok = self.train_sentence(sentence, rng, alpha, scratch, loss, pairs);
        sentence.clear();
        ok
    }

    /// Trains on one sentence of word ids; `false` if the loss became non-finite.
    ///
    /// Software-pipelined: while center word t is computed, the rows of center word t + 1
    /// are already being fetched from memory (the matrices are far larger than the caches,
    /// and each row is a random access).
    fn train_sentence(
        &self,
        s: &[u32],
        rng: &mut SmallRng,
        alpha: f32,
        sc: &mut Scratch,
        loss: &mut f64,
        pairs: &mut u64,
    ) -> bool {
        if s.is_empty() {
            return true;
        }
        self.prepare(s, 0, rng, &mut sc.cur);
        for pos in 0..s.len() {
            if pos + 1 < s.len() {
                self.prepare(s, pos + 1, rng, &mut sc.next);
            }
            if !sc.cur.ctx.is_empty() {
                let l = match self.outputs {
                    Outputs::Softmax => softmax_update(
                        self.isa,
                        &self.input,
                        &self.output,
                        sc.cur.center,
                        alpha,
                        sc,
                    ),
                    _ => self.binary_step(alpha, sc),
                };
                match l {
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

    /// Fills `batch` for the center word at `pos`: draws its dynamic window and (for
    /// negative sampling) its noise words, and prefetches the rows it will touch.
    fn prepare(&self, s: &[u32], pos: usize, rng: &mut SmallRng, batch: &mut Batch) {
        let window = self.cfg.window;
        let center = s[pos];
        batch.center = center;
        // Dynamic window: b uniform in 1..=window (word2vec.c: window − rand % window).
        let b = window - rng.random_range(0..window);
        let lo = pos.saturating_sub(b);
        let hi = (pos + b + 1).min(s.len());
        batch.ctx.clear();
        batch.ctx.extend_from_slice(&s[lo..pos]);
        batch.ctx.extend_from_slice(&s[pos + 1..hi]);
        batch.pairs = batch.ctx.len() as u64;
        batch.out.clear();
        batch.labels.clear();
        let mut shared_negatives = false;
        match &self.outputs {
            Outputs::Softmax => return,
            Outputs::Negative(ns, NsDirection::CenterPredictsContext) => {
                shared_negatives = true;
                batch.out.extend_from_slice(&batch.ctx);
                batch.labels.resize(batch.ctx.len(), 1.0);
                for _ in 0..self.cfg.negative {
                    let w = ns.sample(rng) as u32;
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
                for _ in 0..self.cfg.negative {
                    let w = ns.sample(rng) as u32;
                    // word2vec.c skips a noise word equal to the positive one.
                    if w != center {
                        batch.out.push(w);
                        batch.labels.push(0.0);
                    }
                }
            }
            Outputs::Hierarchical(h) => {
                batch.out.extend_from_slice(h.points(center as usize));
                batch
                    .labels
                    .extend(h.code(center as usize).iter().map(|&c| 1.0 - c as f32));
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
        for &w in &batch.ctx {
            self.input.prefetch_row(w as usize);
        }
        for &w in &batch.out {
            self.output.prefetch_row(w as usize);
        }
    }

    /// One batched update: context rows of p (A) against the output rows `sc.out` (B).
    fn binary_step(&self, alpha: f32, sc: &mut Scratch) -> Option<f64> {
        let n = padded(self.cfg.dim);
        let batch = &sc.cur;
        let (m, o) = (batch.ctx.len(), batch.out.len());
        for (i, &w) in batch.ctx.iter().enumerate() {
            self.input.read_row(w as usize, &mut sc.a[i * n..]);
        }
        for (j, &w) in batch.out.iter().enumerate() {
            self.output.read_row(w as usize, &mut sc.b[j * n..]);
        }
        self.isa.scores(&sc.a, &sc.b, &mut sc.g, m, o, n);
        let loss = self.sigmoid.binary_coefficients(
            &mut sc.g[..m * o],
            &batch.labels,
            &batch.ctx_weight,
            &batch.out_weight,
            alpha,
        )?;
        self.isa
            .update(&sc.g, &mut sc.a, &mut sc.b, &mut sc.db, m, o, n);
        for (i, &w) in batch.ctx.iter().enumerate() {
            self.input.write_row(w as usize, &sc.a[i * n..(i + 1) * n]);
        }
        for (j, &w) in batch.out.iter().enumerate() {
            self.output.write_row(w as usize, &sc.b[j * n..(j + 1) * n]);
        }
        Some(loss)
    }
}

/// The seeds' full softmax: forward the center word once, one distribution for all its
/// context positions (`sc.ctx`), back-propagate the summed cross-entropy into p' and p.
fn softmax_update(
    isa: Isa,
    input: &SharedMatrix,
    output: &SharedMatrix,
    center: u32,
    alpha: f32,
    sc: &mut Scratch,
) -> Option<f64> {
    let n = sc.a.len();
    let v = sc.g.len();
    input.read_row(center as usize, &mut sc.a);
    for j in 0..v {
        output.read_row(j, &mut sc.b[j * n..]);
    }
    isa.scores(&sc.a, &sc.b, &mut sc.g, 1, v, n);
    let loss = softmax_coefficients(&mut sc.g, &sc.cur.ctx, alpha)?;
    isa.update(&sc.g, &mut sc.a, &mut sc.b, &mut sc.db, 1, v, n);
    input.write_row(center as usize, &sc.a);
    for j in 0..v {
        output.write_row(j, &sc.b[j * n..(j + 1) * n]);
    }
    Some(loss)
}
