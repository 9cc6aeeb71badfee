//! The worker engine: threads over byte ranges of the corpus, epochs, the per-thread
//! counters and the model syncs; `job.rs` holds what the threads share, `worker.rs` one
//! worker's sentence loop.

use std::ops::ControlFlow;
use std::sync::atomic::Ordering::{Relaxed, Release};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::sync::OnceLock;
use std::time::Instant;

use ndarray::Array2;

mod deterministic;
mod job;
pub(crate) mod subword;
mod worker;

use super::batch::{padded, Scratch};
use super::config::{Objective, TrainConfig};
use super::loss::SigmoidTable;
use super::objective::Outputs;
use super::report::{EpochReport, Progress, TrainReport};
use super::sampling::Subsampler;
use super::shared::{traffic, InPlaceMatrix, SharedMatrix, SharedWeights};
use super::sync::{row_rates, sync_until_done, ModelSync, OutputRows, RowRates, Shared};
use crate::corpus::{Corpus, Pass};
use crate::error::{try_zeros, Error, Result};
use crate::model::SkipGramModel;
use crate::vocab::Vocabulary;
pub(crate) use job::Call;
use job::{Job, SubwordJob, SubwordRows, WorkerStats, TICK};

/// Trains `model` on `corpus` for the epochs of `call`, calling `progress` about every
/// 100 ms. On error the model keeps the weights it had, except a subword model's input rows
/// (p and the n-gram rows): they are trained in place, so that no input row is held twice,
/// and keep the updates made before the error.
pub(crate) fn train(
    cfg: &TrainConfig,
    call: &Call,
    model: &mut SkipGramModel,
    corpus: &Corpus,
    sync: &mut dyn ModelSync,
    progress: &mut dyn FnMut(&Progress),
) -> Result<TrainReport> {
    let t_in = Instant::now();
    let rows = model.take_ngram_array().map(|ngrams| SubwordRows {
        words: InPlaceMatrix::from_array(model.take_input_array()),
        ngrams: InPlaceMatrix::from_array(ngrams),
    });
    let t_in = t_in.elapsed().as_secs_f64();
    let result = train_with(cfg, call, model, corpus, sync, progress, rows.as_ref());
    let t_out = Instant::now();
    if let Some(rows) = rows {
        model.put_ngram_array(rows.ngrams.into_array());
        model.put_input_array(rows.words.into_array());
    }
    let t_out = t_out.elapsed().as_secs_f64();
    result.map(|mut r| {
        r.phases.initialisation += t_in;
        r.phases.training += t_out;
        r
    })
}

/// [`train`] with a subword model's n-gram rows taken out of `model`.
fn train_with(
    cfg: &TrainConfig,
    call: &Call,
    model: &mut SkipGramModel,
    corpus: &Corpus,
    sync: &mut dyn ModelSync,
    progress: &mut dyn FnMut(&Progress),
    subword_rows: Option<&SubwordRows>,
) -> Result<TrainReport> {
    let t_init = Instant::now();
    let hs = cfg.objective == Objective::HierarchicalSoftmax;
    let mut hs_init = None;
    // A run that could train no pair is refused before anything is allocated or trained.
    let job = check_pairs(corpus, model.vocab())
        .and_then(|()| Job::new(cfg, call, model, corpus, &mut hs_init, sync, subword_rows));
    let words_at_start = ((call.first - 1) as u64).saturating_mul(model.words_per_epoch());
    let job = job.and_then(|j| {
        sync.begin(&j.weights(), &|| j.row_rates(words_at_start))
            .map(|()| j)
    });
    // Every process learns whether all could set up, so none waits for a failed one.
    let failed = sync.agree(job.is_ok())?;
    let mut job = job?;
    if failed > 0 {
        return Err(Error::Distributed {
            message: format!("{failed} other process(es) could not set up training"),
        });
    }
    let mut report = TrainReport::default();
    report.phases.initialisation = t_init.elapsed().as_secs_f64();
    let t_train = Instant::now();
    job.words_done.store(words_at_start, Relaxed);
    let call_start = Instant::now();
    let mut last_done = call.last;
    // Deterministic mode: the encoded parts and private copies, made in the first epoch.
    let mut rounds = None;
    for epoch in call.first..=call.last {
        let t0 = Instant::now();
        let words_before = job.words_done.load(Relaxed);
        for s in &job.stats {
            s.reset();
        }
        sync.start_epoch(words_before);
        let mut tick = |j: &Job| progress(&j.progress(epoch, call_start, words_at_start));
        if cfg.deterministic {
            let rounds = match &mut rounds {
                Some(r) => r,
                None => rounds.insert(deterministic::Rounds::new(&job)?),
            };
            job.run_epoch_deterministic(epoch, rounds, &mut tick)?;
        } else {
            job.run_epoch(epoch, sync, &mut tick)?;
        }
        // Every process has finished the epoch: merge the whole model.
        sync.full(&job.weights())?;
        let (loss, pairs) = job.loss();
        let words = job.words_done.load(Relaxed).saturating_sub(words_before);
        // Scores are checked before every update, but the last updates of a run can still
        // overflow rows that are never read again: check the weights themselves.
        let diverged = job.stop.load(Relaxed)
            || !loss.is_finite()
            || !job.input.all_finite(cfg.threads)
            || !job.output.all_finite(cfg.threads)
            || job
                .subwords
                .as_ref()
                .is_some_and(|s| !s.all_finite(cfg.threads));
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
        // A cancelled epoch is not counted: every process stops after it, and the model
        // keeps its updates with `epochs_trained` at the last complete epoch.
        let cancelled_here = call.cancel.is_cancelled();
        if sync.agree(!cancelled_here)? > 0 || cancelled_here {
            report.cancelled = true;
            last_done = epoch - 1;
            break;
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
    drop(rounds);
    // The recorded corpus is not replayed again: free it before the copies out are made,
    // which would otherwise be the run's peak.
    job.recordings = Vec::new();
    // Each shared copy is freed as soon as it is copied out, so that the two copies of p
    // and of p' never coexist with both of the other's.
    // (A subword model's p was trained in place: `train` puts it back.)
    let new_input = match job.subwords {
        None => Some(job.input.try_to_array("p", cfg.threads)?),
        Some(_) => None,
    };
    job.input = SharedMatrix::empty();
    let new_output = job.output.try_to_array("p'", cfg.threads)?;
    drop(job);
    if let Some(p) = new_input {
        model.replace_input(p);
    }
    if hs {
        model.replace_hs_nodes(new_output);
    } else {
        model.replace_output(new_output);
    }
    model.set_epochs_trained(last_done);
    report.phases.training = t_train.elapsed().as_secs_f64();
    Ok(report)
}

/// Checks that `corpus` holds at least one (center, context) pair of `vocab` words: some
/// line with two tokens in the vocabulary. Stops at the first such line, so a normal corpus
/// costs a few bytes of scanning; a corpus without one is read to its end.
///
/// # Errors
/// [`Error::NothingToTrain`] with the number of corpus tokens found in the vocabulary;
/// the corpus's [`Error::InvalidUtf8`] and [`Error::Io`].
pub(crate) fn check_pairs(corpus: &Corpus, vocab: &Vocabulary) -> Result<()> {
    let mut known = 0u64;
    let mut in_line = 0u32;
    let mut found = false;
    corpus.scan_part(0, 1, |token, line_start| {
        if line_start {
            in_line = 0;
        }
        if vocab.index_u32(token).is_some() {
            known += 1;
            in_line += 1;
            if in_line >= 2 {
                found = true;
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    })?;
    match found {
        true => Ok(()),
        false => Err(Error::NothingToTrain {
            tokens_in_vocabulary: known,
        }),
    }
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
        subword_rows: Option<&'a SubwordRows>,
    ) -> Result<Self> {
        let vocab = model.vocab();
        let v = vocab.len();
        let hs = cfg.objective == Objective::HierarchicalSoftmax;
        let outputs = Outputs::new(cfg.objective, cfg.ns_direction, cfg.noise_exponent(), model)?;
        let out_array: &Array2<f32> = match (hs, model.hs_node_array()) {
            (true, Some(h)) => h,
            (true, None) => {
                let nodes = try_zeros((v.saturating_sub(1), cfg.dim), || {
                    format!("hierarchical softmax nodes ({}×{})", v - 1, cfg.dim)
                })?;
                hs_init.insert(nodes)
            }
            (false, _) => model.output_array(),
        };
        let subwords = SubwordJob::new(cfg, model, subword_rows)?;
        if subwords.is_some() && (sync.ranks() > 1 || cfg.deterministic) {
            return Err(Error::InvalidConfig(
                "subword training runs in one process, without deterministic mode".into(),
            ));
        }
        if cfg.deterministic && sync.ranks() > 1 {
            return Err(Error::InvalidConfig(
                "deterministic training runs in one process (not under mpirun)".into(),
            ));
        }
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
            input: SharedMatrix::try_from_array(model.input_array(), "p", cfg.threads)?,
            output: SharedMatrix::try_from_array(out_array, "p'", cfg.threads)?,
            outputs,
            subsampler: Subsampler::new(vocab.counts(), cfg.sample)?,
            sigmoid: SigmoidTable::new(),
            words_per_epoch: model.words_per_epoch(),
            words_done: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            stats: (0..cfg.threads).map(|_| WorkerStats::default()).collect(),
            recordings: (0..cfg.threads).map(|_| OnceLock::new()).collect(),
            part0: sync.rank() * cfg.threads,
            parts: sync.ranks() * cfg.threads,
            subwords,
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
        // The text is read only by threads that have no recording of their part to replay
        // (a compressed file is decompressed only then).
        let reads = self.recordings.iter().any(|r| r.get().is_none());
        let pass = match reads {
            true => Some(self.corpus.pass(self.part0, threads, self.parts)?),
            false => None,
        };
        let pass = pass.as_ref();
        // Read before any worker starts: every word of this epoch is counted at a sync.
        let words_at_start = self.words_done.load(Relaxed);
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
                        let r = self.worker(t, epoch, pass);
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
                        for t in t..threads {
                            pass.inspect(|p| p.release(t));
                        }
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
                        words_at_start,
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

    /// How often each row of p and p' is updated per word, for the merges of a distributed
    /// run that starts at `words`.
    fn row_rates(&self, words: u64) -> RowRates {
        let outputs = match &self.outputs {
            Outputs::Negative(..) => OutputRows::Negative {
                negative: self.cfg.negative,
                exponent: self.cfg.noise_exponent(),
            },
            Outputs::Hierarchical(tree) => OutputRows::Hierarchical(tree),
            Outputs::Softmax => OutputRows::Softmax,
        };
        let (input, output) = row_rates(
            self.vocab.counts(),
            self.subsampler.probabilities(),
            outputs,
        );
        RowRates {
            input,
            output,
            schedule: self.call.schedule,
            words,
        }
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
        let elapsed = start.elapsed().as_secs_f64();
        Progress {
            epoch,
            last_epoch: self.call.last,
            words,
            total_words: (self.call.last as u64).saturating_mul(self.words_per_epoch),
            alpha: self.alpha(),
            loss: self.loss().0,
            words_per_sec: words.saturating_sub(words0) as f64 / elapsed.max(1e-9),
            seconds: elapsed,
        }
    }

    fn scratch(&self) -> Result<Scratch> {
        // At most 2·window context words, and never more than a sentence holds.
        let m = (2 * self.cfg.window).min(self.cfg.max_sentence_len);
        let (rows, o) =
            self.outputs
                .batch_shape(m, self.call.block_rows, self.cfg.negative, self.vocab.len());
        if self.subwords.is_some() {
            // h, its summed gradient and one input row; per context word, it and `negative`
            // noise words, or its Huffman path (at most `o` nodes).
            let per_pair = match self.outputs {
                Outputs::Hierarchical(_) => o,
                _ => 1 + self.cfg.negative,
            };
            return Scratch::new(3, m.max(1).saturating_mul(per_pair), padded(self.cfg.dim));
        }
        Scratch::new(rows, o, padded(self.cfg.dim))
    }

    /// [`worker_epoch`](Self::worker_epoch), telling the other workers to stop if it fails.
    fn worker(&self, thread: usize, epoch: usize, pass: Option<&Pass<'_>>) -> Result<()> {
        let t0 = Instant::now();
        traffic::take();
        let r = self.worker_epoch(thread, epoch, pass);
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
}
