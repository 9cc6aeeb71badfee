//! The worker engine: threads over byte ranges of the corpus, the sentence loop with its
//! prefetch pipeline, the learning-rate schedule, and the per-thread counters.

use std::ops::ControlFlow;
use std::sync::atomic::Ordering::{Relaxed, Release};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ndarray::Array2;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::config::TrainConfig;
use super::encoded::{Recorder, Recording, LINE_START};
use super::kernels::Isa;
use super::loss::SigmoidTable;
use super::objective::{Objective, Outputs, StepContext};
use super::report::{EpochReport, Progress, TrainReport};
use super::sampling::Subsampler;
use super::shared::{traffic, SharedMatrix, SharedWeights};
use crate::corpus::Corpus;
use crate::error::{try_vec, Error, Result};
use crate::model::SkipGramModel;
use crate::sync::{sync_until_done, ModelSync, Shared};
use crate::vocab::Vocabulary;

/// How often the caller wakes to report progress.
const TICK: Duration = Duration::from_millis(100);

/// Words a worker processes between publishing its counters and refreshing α.
const REFRESH_WORDS: u64 = 10_000;

/// Row stride of the thread-local buffers: N rounded up to whole 8-float SIMD registers.
/// The padding columns start at zero and stay zero (the updates add products of zeros), so
/// the kernels run without scalar tails.
pub(crate) fn padded(dim: usize) -> usize {
    dim.next_multiple_of(8)
}

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

/// One training call's settings beyond the configuration.
pub(crate) struct Call {
    /// Epochs to train, 1-based and inclusive: `first..=last`.
    pub(crate) first: usize,
    pub(crate) last: usize,
    pub(crate) schedule: Schedule,
    pub(crate) isa: Isa,
    /// Rows of p per batched update block.
    pub(crate) block_rows: usize,
}

/// Per-thread counters, published every 10,000 words for progress reports.
#[derive(Default)]
struct WorkerStats {
    loss_bits: AtomicU64,
    pairs: AtomicU64,
    busy_nanos: AtomicU64,
    bytes_read: AtomicU64,
    bytes_written: AtomicU64,
}

impl WorkerStats {
    fn reset(&self) {
        self.loss_bits.store(0f64.to_bits(), Relaxed);
        self.pairs.store(0, Relaxed);
        self.busy_nanos.store(0, Relaxed);
        self.bytes_read.store(0, Relaxed);
        self.bytes_written.store(0, Relaxed);
    }
}

/// One worker's scratch buffers, allocated once per epoch; rows have stride [`padded`]`(N)`.
pub(crate) struct Scratch {
    pub(crate) a: Vec<f32>,
    pub(crate) b: Vec<f32>,
    pub(crate) g: Vec<f32>,
    pub(crate) db: Vec<f32>,
    /// The batch being computed and the next one, whose rows are being prefetched.
    pub(crate) cur: Batch,
    pub(crate) next: Batch,
}

impl Scratch {
    /// Buffers for blocks of `rows` rows of p against `o` output rows of stride `n`.
    pub(crate) fn new(rows: usize, o: usize, n: usize) -> Result<Self> {
        let what = || format!("training scratch space ({rows}+{o} rows of {n})");
        let len = |a: usize, b: usize| {
            a.checked_mul(b).ok_or_else(|| Error::OutOfMemory {
                what: what(),
                bytes: u64::MAX,
            })
        };
        Ok(Scratch {
            a: try_vec(len(rows, n)?, 0.0, what)?,
            b: try_vec(len(o, n)?, 0.0, what)?,
            g: try_vec(len(rows, o)?, 0.0, what)?,
            db: try_vec(len(o, n)?, 0.0, what)?,
            cur: Batch::default(),
            next: Batch::default(),
        })
    }
}

/// One center word's update: its context words (rows of p) and output rows with labels.
///
/// For the binary objectives a row that occurs twice in a batch (a context word repeated
/// in the window, a noise word drawn twice) is kept once with weight 2: the update is then
/// the same as applying both occurrences' deltas, and each row is written back once.
#[derive(Default)]
pub(crate) struct Batch {
    pub(crate) center: u32,
    /// (center, context) pairs this batch trains.
    pub(crate) pairs: u64,
    pub(crate) ctx: Vec<u32>,
    pub(crate) ctx_weight: Vec<f32>,
    pub(crate) out: Vec<u32>,
    pub(crate) out_weight: Vec<f32>,
    pub(crate) labels: Vec<f32>,
}

/// Merges repeated ids, keeping each first occurrence with its multiplicity as weight (and
/// its label, when labels are given).
pub(crate) fn merge_repeats(
    ids: &mut Vec<u32>,
    weights: &mut Vec<f32>,
    mut labels: Option<&mut Vec<f32>>,
) {
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

/// One worker's pass over its part of one epoch: what happens at each line start and each
/// in-vocabulary word, whether they come from the text or from a recording.
struct Pass<'j, 'a> {
    job: &'j Job<'a>,
    cx: StepContext<'j>,
    w: WorkerState,
    stats: &'j WorkerStats,
    pending_words: u64,
    alpha: f32,
    diverged: bool,
}

impl Pass<'_, '_> {
    /// A new line: the sentence gathered so far is trained.
    #[inline]
    fn line_start(&mut self) -> ControlFlow<()> {
        if !self.job.flush(&self.cx, &mut self.w, self.alpha) {
            self.diverged = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    /// An in-vocabulary word: counted, subsampled, and added to the sentence.
    #[inline]
    fn word(&mut self, id: u32) -> ControlFlow<()> {
        let job = self.job;
        self.pending_words += 1;
        if self.pending_words == REFRESH_WORDS {
            job.add_words(self.pending_words);
            self.pending_words = 0;
            self.alpha = job.alpha();
            self.stats.loss_bits.store(self.w.loss.to_bits(), Relaxed);
            self.stats.pairs.store(self.w.pairs, Relaxed);
            if job.stop.load(Relaxed) {
                return ControlFlow::Break(());
            }
        }
        if job.subsampler.keep(id as usize, &mut self.w.rng) {
            self.w.sentence.push(id);
            if self.w.sentence.len() >= job.cfg.max_sentence_len
                && !job.flush(&self.cx, &mut self.w, self.alpha)
            {
                self.diverged = true;
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }

    /// Trains the last sentence and publishes the counters.
    fn finish(mut self) {
        if !self.diverged && !self.job.flush(&self.cx, &mut self.w, self.alpha) {
            self.diverged = true;
        }
        self.job.add_words(self.pending_words);
        self.stats.loss_bits.store(self.w.loss.to_bits(), Relaxed);
        self.stats.pairs.store(self.w.pairs, Relaxed);
        if self.diverged {
            self.job.stop.store(true, Relaxed);
        }
    }
}

/// Everything the worker threads share for one training call.
struct Job<'a> {
    cfg: &'a TrainConfig,
    call: &'a Call,
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
    /// Each thread's byte range as word ids, recorded in the call's first epoch.
    recordings: Vec<OnceLock<Recording>>,
    /// This process's byte ranges of the corpus are `part0..part0 + threads` of `parts`
    /// (one process: `0..threads` of `threads`).
    part0: usize,
    parts: usize,
}

/// Trains `model` on `corpus` for the epochs of `call`, calling `progress` about every
/// 100 ms. On error the model keeps the weights it had.
pub(crate) fn train(
    cfg: &TrainConfig,
    call: &Call,
    model: &mut SkipGramModel,
    corpus: &Corpus,
    sync: &mut dyn ModelSync,
    mut progress: impl FnMut(&Progress),
) -> Result<TrainReport> {
    let t_init = Instant::now();
    let hs = cfg.objective == Objective::HierarchicalSoftmax;
    let mut hs_init = None;
    let job = Job::new(cfg, call, model, corpus, &mut hs_init, sync);
    let job = job.and_then(|j| sync.begin(&j.weights()).map(|()| j));
    // Every process learns whether all could set up, so none waits for a failed one.
    let failed = sync.agree(job.is_ok())?;
    let job = job?;
    if failed > 0 {
        return Err(Error::Distributed {
            message: format!("{failed} other process(es) could not set up training"),
        });
    }
    let mut report = TrainReport::default();
    report.phases.initialisation = t_init.elapsed().as_secs_f64();
    let t_train = Instant::now();
    let words_at_start = ((call.first - 1) as u64).saturating_mul(job.words_per_epoch);
    job.words_done.store(words_at_start, Relaxed);
    let call_start = Instant::now();
    for epoch in call.first..=call.last {
        let t0 = Instant::now();
        let words_before = job.words_done.load(Relaxed);
        for s in &job.stats {
            s.reset();
        }
        sync.start_epoch();
        job.run_epoch(epoch, sync, &mut |j: &Job| {
            progress(&j.progress(epoch, call_start, words_at_start))
        })?;
        // Every process has finished the epoch: merge the whole model.
        sync.full(&job.weights())?;
        let (loss, pairs) = job.loss();
        let words = job.words_done.load(Relaxed).saturating_sub(words_before);
        // Scores are checked before every update, but the last updates of a run can still
        // overflow rows that are never read again: check the weights themselves.
        let diverged = job.stop.load(Relaxed)
            || !loss.is_finite()
            || !job.input.all_finite()
            || !job.output.all_finite();
        let failed = sync.agree(!diverged)?;
        if diverged {
            return Err(Error::Diverged {
                epoch,
                words: job.words_done.load(Relaxed),
            });
        }
        if failed > 0 {
            return Err(Error::Distributed {
                message: format!(
                    "training diverged on {failed} other process(es) in epoch {epoch}"
                ),
            });
        }
        report.epochs.push(EpochReport {
            epoch,
            loss,
            pairs,
            words,
            seconds: t0.elapsed().as_secs_f64(),
            busy: job
                .stats
                .iter()
                .map(|s| s.busy_nanos.load(Relaxed) as f64 * 1e-9)
                .collect(),
            shared_bytes_read: job.stats.iter().map(|s| s.bytes_read.load(Relaxed)).sum(),
            shared_bytes_written: job
                .stats
                .iter()
                .map(|s| s.bytes_written.load(Relaxed))
                .sum(),
        });
        progress(&job.progress(epoch, call_start, words_at_start));
        // Later epochs count words from the schedule's position, as a resumed run would.
        job.words_done
            .store((epoch as u64).saturating_mul(job.words_per_epoch), Relaxed);
    }
    let new_input = job.input.try_to_array("p")?;
    let new_output = job.output.try_to_array("p'")?;
    drop(job);
    model.replace_input(new_input);
    if hs {
        model.replace_hs_nodes(new_output);
    } else {
        model.replace_output(new_output);
    }
    model.set_epochs_trained(call.last);
    report.phases.training = t_train.elapsed().as_secs_f64();
    Ok(report)
}

impl<'a> Job<'a> {
    /// The shared state for `model`; the hierarchical-softmax node vectors, when the model
    /// has none yet, are created in `hs_init`.
    fn new(
        cfg: &'a TrainConfig,
        call: &'a Call,
        model: &'a SkipGramModel,
        corpus: &'a Corpus,
        hs_init: &'a mut Option<Array2<f32>>,
        sync: &dyn ModelSync,
    ) -> Result<Self> {
        let vocab = model.vocab();
        let v = vocab.len();
        let hs = cfg.objective == Objective::HierarchicalSoftmax;
        let outputs = Outputs::new(
            cfg.objective,
            cfg.ns_direction,
            cfg.ns_exponent,
            vocab.counts(),
        )?;
        let out_array: &Array2<f32> = match (hs, model.hs_node_array()) {
            (true, Some(h)) => h,
            (true, None) => {
                let zeros = try_vec(v.saturating_sub(1).saturating_mul(cfg.dim), 0.0, || {
                    format!("hierarchical softmax nodes ({}×{})", v - 1, cfg.dim)
                })?;
                hs_init.insert(
                    Array2::from_shape_vec((v - 1, cfg.dim), zeros)
                        .expect("the length is (V − 1)·N"),
                )
            }
            (false, _) => model.output_array(),
        };
        let scratch_bytes = cfg.scratch_bytes(v);
        if matches!(outputs, Outputs::Softmax) && scratch_bytes > TrainConfig::MAX_SCRATCH_BYTES {
            return Err(Error::OutOfMemory {
                what: format!("full-softmax scratch space for V = {v} (use negative sampling)"),
                bytes: scratch_bytes,
            });
        }
        Ok(Job {
            cfg,
            call,
            corpus,
            vocab,
            input: SharedMatrix::try_from_array(model.input_array(), "p")?,
            output: SharedMatrix::try_from_array(out_array, "p'")?,
            outputs,
            subsampler: Subsampler::new(vocab.counts(), cfg.sample)?,
            sigmoid: SigmoidTable::new(),
            words_per_epoch: vocab.total_count(),
            words_done: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            stats: (0..cfg.threads).map(|_| WorkerStats::default()).collect(),
            recordings: (0..cfg.threads).map(|_| OnceLock::new()).collect(),
            part0: sync.rank() * cfg.threads,
            parts: sync.ranks() * cfg.threads,
        })
    }
}

impl Job<'_> {
    /// Runs one epoch on `cfg.threads` threads, calling `tick` about every 100 ms.
    fn run_epoch(
        &self,
        epoch: usize,
        sync: &mut dyn ModelSync,
        tick: &mut dyn FnMut(&Job),
    ) -> Result<()> {
        let threads = self.cfg.threads;
        let finished = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            let caller = std::thread::current();
            let mut handles = Vec::with_capacity(threads);
            let mut spawn_error = None;
            for t in 0..threads {
                let finished = &finished;
                let caller = caller.clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("skipgram-{t}"))
                    .spawn_scoped(scope, move || {
                        let r = self.worker(t, epoch);
                        // Count before waking the caller, so it never parks again for a
                        // worker that is done.
                        // Release: a distributed run's sync reads `finished` before the
                        // words (Acquire), so a finished worker's words are always counted.
                        finished.fetch_add(1, Release);
                        caller.unpark();
                        r
                    });
                match spawned {
                    Ok(h) => handles.push(h),
                    Err(e) => {
                        self.stop.store(true, Relaxed);
                        spawn_error = Some(Error::from(e));
                        break;
                    }
                }
            }
            let sync_error = match sync.period() {
                None => {
                    while finished.load(Relaxed) < handles.len() {
                        std::thread::park_timeout(TICK);
                        tick(self);
                    }
                    None
                }
                Some(period) => sync_until_done(
                    sync,
                    period,
                    Shared {
                        weights: &self.weights(),
                        words_done: &self.words_done,
                        stop: &self.stop,
                        finished: &finished,
                        workers: handles.len(),
                    },
                    &mut || tick(self),
                ),
            };
            let results: Vec<Result<()>> = handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect();
            if let Some(e) = spawn_error {
                return Err(e);
            }
            results.into_iter().collect::<Result<()>>()?;
            match sync_error {
                // This process's own workers stopped on a non-finite loss.
                Some((true, _)) => Err(Error::Diverged {
                    epoch,
                    words: self.words_done.load(Relaxed),
                }),
                Some((false, e)) => Err(e),
                None => Ok(()),
            }
        })
    }

    fn weights(&self) -> SharedWeights<'_> {
        SharedWeights {
            input: &self.input,
            output: &self.output,
        }
    }

    /// Counts words processed, saturating: a vocabulary's counts may add up to nearly 2⁶⁴.
    fn add_words(&self, n: u64) {
        // `fetch_update` retries only under contention; the closure always returns `Some`.
        let _ = self
            .words_done
            .fetch_update(Relaxed, Relaxed, |w| Some(w.saturating_add(n)));
    }

    fn alpha(&self) -> f32 {
        self.call.schedule.alpha(self.words_done.load(Relaxed))
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

    fn progress(&self, epoch: usize, start: Instant, words0: u64) -> Progress {
        let words = self.words_done.load(Relaxed);
        let elapsed = start.elapsed();
        Progress {
            epoch,
            last_epoch: self.call.last,
            words,
            total_words: (self.call.last as u64).saturating_mul(self.words_per_epoch),
            alpha: self.alpha(),
            loss: self.loss().0,
            words_per_sec: words.saturating_sub(words0) as f64 / elapsed.as_secs_f64().max(1e-9),
            elapsed,
        }
    }

    fn scratch(&self) -> Result<Scratch> {
        // At most 2·window context words, and never more than a sentence holds.
        let m = (2 * self.cfg.window).min(self.cfg.max_sentence_len);
        let (rows, o) =
            self.outputs
                .batch_shape(m, self.call.block_rows, self.cfg.negative, self.vocab.len());
        Scratch::new(rows, o, padded(self.cfg.dim))
    }

    /// [`worker_epoch`](Self::worker_epoch), telling the other workers to stop if it fails.
    fn worker(&self, thread: usize, epoch: usize) -> Result<()> {
        let t0 = Instant::now();
        traffic::take();
        let r = self.worker_epoch(thread, epoch);
        let (read, written) = traffic::take();
        self.stats[thread].bytes_read.store(read, Relaxed);
        self.stats[thread].bytes_written.store(written, Relaxed);
        if r.is_err() {
            self.stop.store(true, Relaxed);
        }
        let busy = u64::try_from(t0.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.stats[thread].busy_nanos.store(busy, Relaxed);
        r
    }

    /// One thread's pass over its byte range of the corpus in one epoch (1-based): the text,
    /// recording its ids when later epochs of this call can replay them, or the recording.
    fn worker_epoch(&self, thread: usize, epoch: usize) -> Result<()> {
        let cfg = self.cfg;
        let mut pass = Pass {
            job: self,
            cx: StepContext {
                isa: self.call.isa,
                input: &self.input,
                output: &self.output,
                sigmoid: &self.sigmoid,
                stride: padded(cfg.dim),
                block_rows: self.call.block_rows,
            },
            w: WorkerState {
                // One independent stream per (seed, thread, epoch): resumable and reproducible.
                // Threads are numbered across processes (one process: 0..threads).
                rng: SmallRng::seed_from_u64(
                    cfg.seed
                        ^ ((self.part0 + thread) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                        ^ (epoch as u64).wrapping_mul(0xD1B5_4A32_D192_ED03),
                ),
                scratch: self.scratch()?,
                sentence: Vec::with_capacity(cfg.max_sentence_len),
                loss: 0.0,
                pairs: 0,
            },
            stats: &self.stats[thread],
            pending_words: 0,
            alpha: self.alpha(),
            diverged: false,
        };
        if let Some(recording) = self.recordings[thread].get() {
            recording.replay(|id| {
                if id == LINE_START {
                    pass.line_start()
                } else {
                    pass.word(id)
                }
            })?;
        } else {
            let record = epoch < self.call.last && cfg.encoded_corpus_memory > 0;
            let mut recorder =
                record.then(|| Recorder::new(cfg.encoded_corpus_memory / cfg.threads.max(1)));
            let mut record_error = None;
            let mut finished = true;
            let mut push = |id: u32| {
                if let Some(r) = &mut recorder {
                    if let Err(e) = r.push(id) {
                        record_error = Some(e);
                        recorder = None;
                    }
                }
            };
            self.corpus
                .scan_part(self.part0 + thread, self.parts, |token, line_start| {
                    if line_start {
                        push(LINE_START);
                        if pass.line_start().is_break() {
                            finished = false;
                            return ControlFlow::Break(());
                        }
                    }
                    match self.vocab.index_u32(token) {
                        Some(id) => {
                            push(id);
                            let flow = pass.word(id);
                            finished &= flow.is_continue();
                            flow
                        }
                        None => ControlFlow::Continue(()),
                    }
                })?;
            if let Some(e) = record_error {
                return Err(e.into());
            }
            if let (true, Some(r)) = (finished, recorder) {
                // Set once per call; a thread's range is recorded only in the first epoch.
                let _ = self.recordings[thread].set(r.finish()?);
            }
        }
        pass.finish();
        Ok(())
    }

    /// Trains on the sentence gathered so far (if any) and starts a new one; `false` if the
    /// loss became non-finite.
    fn flush(&self, cx: &StepContext<'_>, w: &mut WorkerState, alpha: f32) -> bool {
        let ok = self.train_sentence(cx, w, alpha);
        w.sentence.clear();
        ok
    }

    /// Trains on one sentence of word ids; `false` if the loss became non-finite.
    ///
    /// Software-pipelined: while center word t is computed, the rows of center word t + 1
    /// are already being fetched from memory (the matrices are far larger than the caches,
    /// and each row is a random access).
    fn train_sentence(&self, cx: &StepContext<'_>, w: &mut WorkerState, alpha: f32) -> bool {
        let WorkerState {
            rng,
            scratch: sc,
            sentence: s,
            loss,
            pairs,
        } = w;
        if s.is_empty() {
            return true;
        }
        self.prepare(s, 0, rng, &mut sc.cur);
        for pos in 0..s.len() {
            if pos + 1 < s.len() {
                self.prepare(s, pos + 1, rng, &mut sc.next);
            }
            if !sc.cur.ctx.is_empty() {
                match self.outputs.step(cx, alpha, sc) {
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

    /// Fills `batch` for the center word at `pos`: draws its dynamic window and (through the
    /// objective) its output rows, and prefetches the rows it will touch.
    fn prepare(&self, s: &[u32], pos: usize, rng: &mut SmallRng, batch: &mut Batch) {
        let window = self.cfg.window;
        batch.center = s[pos];
        // Dynamic window: b uniform in 1..=window (word2vec.c: window − rand % window).
        let b = window - rng.random_range(0..window);
        let lo = pos.saturating_sub(b);
        let hi = pos.saturating_add(b).saturating_add(1).min(s.len());
        batch.ctx.clear();
        batch.ctx.extend_from_slice(&s[lo..pos]);
        batch.ctx.extend_from_slice(&s[pos + 1..hi]);
        batch.pairs = batch.ctx.len() as u64;
        self.outputs.fill(batch, self.cfg.negative, rng);
        if matches!(self.outputs, Outputs::Softmax) {
            return;
        }
        for &w in &batch.ctx {
            self.input.prefetch_row(w as usize);
        }
        for &w in &batch.out {
            self.output.prefetch_row(w as usize);
        }
    }
}
