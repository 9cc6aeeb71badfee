//! What one training call is asked to do beyond the configuration: how many [`Epochs`], and
//! the [`TrainOptions`] of the call (progress, cancellation, the cluster).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::report::Progress;
#[cfg(feature = "mpi")]
use super::sync::{Cluster, SyncConfig};

/// How many epochs a call to [`Trainer::train`](crate::Trainer::train) trains.
///
/// The learning rate follows the plan of [`TrainConfig`](crate::TrainConfig): α decays linearly
/// from `alpha` over `epochs` passes of the corpus, to `alpha/2` for one planned epoch, `alpha/5`
/// for two and to the floor `alpha·min_alpha_fraction` from three on (word2vec.c's schedule;
/// hierarchical softmax always follows it). `Planned` and `Until` stay on that schedule, so
/// training can stop after any epoch and resume with the same learning rates; `More` goes beyond
/// the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Epochs {
    /// From [`epochs_trained`](crate::SkipGramModel::epochs_trained) up to the planned
    /// `config.epochs`.
    Planned,
    /// From `epochs_trained` until the model has trained this many epochs of the plan (≤
    /// `config.epochs`), e.g. to checkpoint between epochs.
    Until(usize),
    /// This many epochs more, whether or not the plan is done: α continues linearly from the
    /// plan's value at `epochs_trained` (the floor once the plan is done) down to the floor
    /// at the end of the new epochs, as gensim's `train(epochs=n, start_alpha=…,
    /// end_alpha=min_alpha)` does with those values.
    More(usize),
}

impl fmt::Display for Epochs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Epochs::Planned => f.write_str("the planned epochs"),
            Epochs::Until(n) => write!(f, "until epoch {n}"),
            Epochs::More(n) => write!(f, "{n} more epoch(s)"),
        }
    }
}

/// A handle that stops a training run from another thread.
///
/// Clones share one flag. Once [`cancel`](Self::cancel) is called, the workers stop within
/// about 10,000 words each (well under a second at the speeds of this crate); the call
/// returns `Ok` with [`TrainReport::cancelled`](crate::TrainReport::cancelled) set. The
/// model then holds every update made so far, and its
/// [`epochs_trained`](crate::SkipGramModel::epochs_trained) counts only the epochs that
/// completed, so it can be saved and resumed: resuming trains the interrupted epoch again
/// from its start. A token stays cancelled; use a new one for the next run.
///
/// ```
/// use skipgram::prelude::*;
/// let cancel = CancelToken::new();
/// cancel.cancel(); // e.g. from a Ctrl-C handler or another thread
/// let corpus = Corpus::from_text("a b c d e f ".repeat(100));
/// let config = TrainConfig { dim: 8, vocab: VocabConfig { min_count: 1, ..Default::default() }, threads: 1, ..Default::default() };
/// let (model, report) =
///     Trainer::new(config)?.fit(&corpus, TrainOptions::new().cancel(&cancel))?;
/// assert!(report.cancelled);
/// assert_eq!(model.epochs_trained(), 0);
/// # Ok::<(), skipgram::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every run holding this token to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A boxed progress callback.
type ProgressFn<'a> = Box<dyn FnMut(&Progress) + 'a>;

/// The options of one training call: a progress callback, a [`CancelToken`], and, with the
/// `mpi` feature, the `Cluster` to train across. Every training capability comes through
/// [`Trainer::fit`](crate::Trainer::fit) and [`Trainer::train`](crate::Trainer::train) with
/// one of these; `TrainOptions::default()` asks for none of them.
///
/// ```
/// use skipgram::prelude::*;
/// let corpus = Corpus::from_text("the cat sat on the mat ".repeat(100));
/// let config = TrainConfig { dim: 8, vocab: VocabConfig { min_count: 1, ..Default::default() }, epochs: 2, threads: 1, ..Default::default() };
/// let mut seen = 0;
/// let options = TrainOptions::new().progress(|p: &Progress| {
///     assert!(p.epoch >= 1);
///     seen += 1;
/// });
/// let (_model, report) = Trainer::new(config)?.fit(&corpus, options)?;
/// assert!(seen >= 2); // at least once at the end of each epoch
/// assert!(!report.cancelled);
/// # Ok::<(), skipgram::Error>(())
/// ```
#[derive(Default)]
#[must_use = "options do nothing until passed to Trainer::fit or Trainer::train"]
pub struct TrainOptions<'a> {
    pub(crate) progress: Option<ProgressFn<'a>>,
    pub(crate) cancel: Option<CancelToken>,
    #[cfg(feature = "mpi")]
    pub(crate) cluster: Option<&'a Cluster>,
    #[cfg(feature = "mpi")]
    pub(crate) sync: SyncConfig,
}

impl<'a> TrainOptions<'a> {
    /// No progress callback, no cancellation, one process.
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `f` from the calling thread about every 100 ms while training, and once at the
    /// end of every epoch.
    pub fn progress(mut self, f: impl FnMut(&Progress) + 'a) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Stops the run when `token` is cancelled (see [`CancelToken`]).
    pub fn cancel(mut self, token: &CancelToken) -> Self {
        self.cancel = Some(token.clone());
        self
    }

    /// Trains data-parallel across the processes of `cluster` (see [`Cluster`]): each rank
    /// counts and trains its 1/K of the corpus, and every rank ends with the same, merged
    /// model. Every rank must make the same call. A cancelled token on any rank stops every
    /// rank at the end of the epoch under way (the cancelling rank's own workers stop at
    /// once).
    #[cfg(feature = "mpi")]
    pub fn cluster(mut self, cluster: &'a Cluster) -> Self {
        self.cluster = Some(cluster);
        self
    }

    /// How the ranks of the cluster merge their copies of p and p' (default
    /// [`SyncConfig::default`]); checked when training starts
    /// ([`Error::OutOfRange`](crate::Error::OutOfRange) on every rank). A single process
    /// ignores it.
    #[cfg(feature = "mpi")]
    pub fn sync(mut self, sync: SyncConfig) -> Self {
        self.sync = sync;
        self
    }

    pub(crate) fn report(&mut self, p: &Progress) {
        if let Some(f) = self.progress.as_mut() {
            f(p);
        }
    }
}

impl fmt::Debug for TrainOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("TrainOptions");
        d.field(
            "progress",
            &self.progress.as_ref().map(|_| "FnMut(&Progress)"),
        )
        .field("cancel", &self.cancel);
        #[cfg(feature = "mpi")]
        d.field("cluster", &self.cluster.map(|_| "Cluster"))
            .field("sync", &self.sync);
        d.finish()
    }
}
