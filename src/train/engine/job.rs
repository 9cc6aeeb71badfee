//! What the worker threads of one training call share ([`Job`]), their counters and the
//! engine's timing constants: the data every file of the engine uses, apart from the code
//! that drives it (`mod.rs`), one worker's loop (`worker.rs`) and the deterministic rounds
//! (`deterministic.rs`), each of which adds methods to [`Job`].

use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::OnceLock;
use std::time::Duration;

use crate::corpus::Corpus;
use crate::train::config::TrainConfig;
use crate::train::encoded::Recording;
use crate::train::kernels::Isa;
use crate::train::loss::SigmoidTable;
use crate::train::objective::Outputs;
use crate::train::options::CancelToken;
use crate::train::sampling::Subsampler;
use crate::train::schedule::Schedule;
use crate::train::shared::{InPlaceMatrix, SharedMatrix};
use crate::vocab::Vocabulary;

/// How often the caller wakes to report progress.
pub(super) const TICK: Duration = Duration::from_millis(100);

/// Words a worker processes between publishing its counters and refreshing α.
pub(super) const REFRESH_WORDS: u64 = 10_000;

/// One training call's settings beyond the configuration.
pub(crate) struct Call {
    /// Epochs to train, 1-based and inclusive: `first..=last`.
    pub(crate) first: usize,
    pub(crate) last: usize,
    pub(crate) schedule: Schedule,
    pub(crate) isa: Isa,
    /// Rows of p per batched update block.
    pub(crate) block_rows: usize,
    /// Stops the workers when cancelled; the call then returns the model as it stands.
    pub(crate) cancel: CancelToken,
}

/// Per-thread counters, published every 10,000 words for progress reports.
#[derive(Default)]
pub(super) struct WorkerStats {
    pub(super) loss_bits: AtomicU64,
    pub(super) pairs: AtomicU64,
    pub(super) busy_nanos: AtomicU64,
    pub(super) bytes_read: AtomicU64,
    pub(super) bytes_written: AtomicU64,
}

impl WorkerStats {
    pub(super) fn reset(&self) {
        self.loss_bits.store(0f64.to_bits(), Relaxed);
        self.pairs.store(0, Relaxed);
        self.busy_nanos.store(0, Relaxed);
        self.bytes_read.store(0, Relaxed);
        self.bytes_written.store(0, Relaxed);
    }
}

/// Everything the worker threads share for one training call.
pub(super) struct Job<'a> {
    pub(super) cfg: &'a TrainConfig,
    pub(super) call: &'a Call,
    pub(super) corpus: &'a Corpus,
    pub(super) vocab: &'a Vocabulary,
    pub(super) input: SharedMatrix,
    /// Word output vectors (p'ᵀ), or Huffman inner-node vectors for hierarchical softmax.
    pub(super) output: SharedMatrix,
    pub(super) outputs: Outputs,
    pub(super) subsampler: Subsampler,
    pub(super) sigmoid: SigmoidTable,
    pub(super) words_per_epoch: u64,
    /// Words processed since the schedule's start (all threads).
    pub(super) words_done: AtomicU64,
    /// Set when a worker detects divergence, so the others stop early.
    pub(super) stop: AtomicBool,
    pub(super) stats: Vec<WorkerStats>,
    /// Each thread's byte range as word ids, recorded in the call's first epoch.
    pub(super) recordings: Vec<OnceLock<Recording>>,
    /// This process's byte ranges of the corpus are `part0..part0 + threads` of `parts`
    /// (one process: `0..threads` of `threads`).
    pub(super) part0: usize,
    pub(super) parts: usize,
    /// The n-gram rows and each word's input rows, for a subword model.
    pub(super) subwords: Option<SubwordJob<'a>>,
}

/// A subword training call's shared state: the n-gram rows and each word's input rows.
pub(crate) struct SubwordJob<'a> {
    /// p and the n-gram rows, taken out of the model for the call.
    pub(super) m: &'a SubwordRows,
    /// Word w's input rows are `rows[offsets[w]..offsets[w + 1]]`.
    pub(super) offsets: Vec<usize>,
    /// Input row ids: below V a row of p, from V on n-gram row `id − V` (fastText's
    /// numbering of its (V + bucket)×N input matrix).
    pub(super) rows: Vec<u32>,
    /// V.
    pub(super) words: u32,
    /// Per word, how far h moves when the same gradient is added to each of its k input
    /// rows: Σ (occurrences of a row)² / k over its distinct rows, 1 when they are distinct.
    pub(super) drift: Vec<f32>,
}

/// A subword model's input rows, trained in place in the model's own buffers (relaxed
/// `AtomicU32`s made from them, turned back without a copy): no input row is held twice.
/// p' is copied as for word-level training: its rows are read and written several times per
/// center word, and the copy's cache-line-aligned rows moved as 8-byte words were measured
/// 5–9 % faster than in place.
pub(crate) struct SubwordRows {
    /// p, V×N.
    pub(crate) words: InPlaceMatrix,
    /// The n-gram bucket rows, bucket×N.
    pub(crate) ngrams: InPlaceMatrix,
}
