//! Reproducible multi-threaded training ([`TrainConfig::deterministic`]): the in-process
//! form of a distributed merge, in rounds at fixed word counts.
//!
//! Each epoch's corpus is cut into [`PARTS`] byte ranges, whatever the number of threads,
//! and encoded to word ids once per call. Training goes in rounds. In round r every part
//! trains its recorded ids r·[`ROUND_IDS`]..(r + 1)·`ROUND_IDS`:
//!
//! 1. Threads take parts in turn. A thread trains a part on its private copy of p and p',
//!    which equals the shared snapshot when the part begins; the copy notes the rows it
//!    writes. The part's changes (copy − snapshot, over the written rows only) are kept;
//!    if the thread takes another part in the round, those rows of the copy are first
//!    reset from the snapshot (the merge overwrites them anyway). Each part has its own
//!    random stream, seeded by (seed, part, epoch) and carried from round to round, and the
//!    round's learning rate follows the words all parts trained in the rounds before it.
//! 2. The changes of all parts are summed onto the snapshot in part order; each thread adds
//!    those of its own 64-row blocks, and copies the merged rows into every private copy.
//!
//! Nothing a part computes depends on which thread trains it or when, and every row's sum
//! is taken in the same order, so the vectors are bit-identical run after run and for any
//! number of threads (on the same CPU: the SIMD kernels are chosen per machine). Memory:
//! one more copy of p and p' per thread, the encoded corpus, and one round's changes (the
//! rows each part wrote).
//!
//! **Why 2 parts.** Summing the changes of many parts trained from one snapshot is unstable:
//! on the 100 MB corpus (1 epoch, default settings) 64 parts diverged within the first 3–25 %
//! of the epoch with rounds of 256, 1,024 and 4,096 ids, and 4 parts of 8,192 ids at 37 %.
//! Dividing each row's sum by the number of parts that changed it was stable but learnt
//! almost nothing (0.03 % on the analogies), as averaging does across MPI processes. Two
//! parts of 16,384 ids matched the default mode (analogies 14.48 % against 14.62–14.68 %,
//! WordSim-353 ρ 0.521 against 0.511–0.513). So the mode trains on at most 2 threads.
//! Its time on 2 threads is 1.4–1.8× the default mode's (wall 36.8 / 36.2 / 32.5 s against
//! 20.6 / 25.6 / 19.6 s, alternating, `scripts/deterministic_compare.sh`, 100 MB corpus,
//! 1 epoch, shared machine); on 1 thread 1.08× (30 MB). The workers' prefetches now reach the
//! private copies they train (they fetched the shared snapshot's rows before, which made one
//! thread 2× slower); at 2 threads the workers still spend about 1.4× the default's time,
//! each on its own copy of p and p' (three copies in the caches instead of one), and the
//! merges, which do not overlap training, take the rest.

use std::ops::ControlFlow;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use rand::rngs::SmallRng;
use rand::SeedableRng;

use super::job::{Job, TICK};
use super::worker::WorkerState;
use crate::error::{Error, Result};
use crate::train::batch::padded;
use crate::train::encoded::{Recorder, Recording, LINE_START};
use crate::train::objective::StepContext;
use crate::train::shared::{traffic, SharedMatrix};

/// The number of parts an epoch's corpus is cut into, whatever the number of threads
/// (which is at most this many in deterministic mode).
pub(super) const PARTS: usize = 2;

/// Recorded ids (in-vocabulary tokens and line starts) each part trains per round.
pub(super) const ROUND_IDS: u64 = 16_384;

/// One part's changes to one matrix in a round: `rows` in increasing order and, for each,
/// N values (`values` is rows×N).
#[derive(Default)]
struct Delta {
    rows: Vec<u32>,
    values: Vec<f32>,
}

/// What a part carries from round to round within an epoch.
struct Part {
    rng: SmallRng,
    /// Loss (nats) and pairs over this epoch's rounds so far.
    loss: f64,
    pairs: u64,
    /// In-vocabulary words of the last round.
    words: u64,
    input: Delta,
    output: Delta,
}

/// The state of deterministic training for one call: the encoded parts, one private copy
/// of p and p' per thread, and the parts' random streams and changes.
pub(super) struct Rounds {
    recordings: Vec<Recording>,
    rounds: u64,
    /// Per thread: private copies of p and p' that note the rows written.
    copies: Vec<(SharedMatrix, SharedMatrix)>,
    workers: Vec<Mutex<WorkerState>>,
    parts: Vec<Mutex<Part>>,
}

impl Rounds {
    /// Encodes the [`PARTS`] parts of the corpus on the job's threads and makes the private
    /// copies of the job's weights.
    ///
    /// # Errors
    /// [`Error::OutOfMemory`] for the copies; reading or recording the corpus.
    pub(super) fn new(job: &Job<'_>) -> Result<Self> {
        let threads = job.cfg.threads.clamp(1, PARTS);
        let recordings = job.encode_parts(threads)?;
        let mut rounds = 0;
        for r in &recordings {
            rounds = rounds.max(r.len()?.div_ceil(ROUND_IDS));
        }
        let copy = |m: &SharedMatrix, what: &str| -> Result<SharedMatrix> {
            let a = m.try_to_array(what, threads)?;
            SharedMatrix::try_from_array(&a, what, threads)?.tracking_writes(true)
        };
        let mut copies = Vec::with_capacity(threads);
        let mut workers = Vec::with_capacity(threads);
        for _ in 0..threads {
            copies.push((
                copy(&job.input, "private copy of p")?,
                copy(&job.output, "private copy of p'")?,
            ));
            workers.push(Mutex::new(WorkerState {
                rng: SmallRng::seed_from_u64(0), // replaced by each part's own stream
                scratch: job.scratch()?,
                sentence: Vec::with_capacity(job.cfg.max_sentence_len),
                loss: 0.0,
                pairs: 0,
            }));
        }
        let parts = (0..PARTS)
            .map(|_| {
                Mutex::new(Part {
                    rng: SmallRng::seed_from_u64(0),
                    loss: 0.0,
                    pairs: 0,
                    words: 0,
                    input: Delta::default(),
                    output: Delta::default(),
                })
            })
            .collect();
        Ok(Rounds {
            recordings,
            rounds,
            copies,
            workers,
            parts,
        })
    }

    fn threads(&self) -> usize {
        self.copies.len()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Job<'_> {
    /// Records the ids of every part of the corpus, `threads` parts at a time (each in
    /// memory up to its 1/[`PARTS`] of `encoded_corpus_memory`, then in a temporary file).
    fn encode_parts(&self, threads: usize) -> Result<Vec<Recording>> {
        let next = AtomicUsize::new(0);
        let slots: Vec<Mutex<Option<Recording>>> = (0..PARTS).map(|_| Mutex::new(None)).collect();
        let budget = self.cfg.encoded_corpus_memory / PARTS;
        let encode = |p: usize| -> Result<Recording> {
            let mut recorder = Recorder::new(budget, std::env::temp_dir());
            let mut error = None;
            self.corpus.scan_part(p, PARTS, |token, line_start| {
                let mut push = |id| match recorder.push(id) {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(e) => {
                        error = Some(e);
                        ControlFlow::Break(())
                    }
                };
                if line_start && push(LINE_START).is_break() {
                    return ControlFlow::Break(());
                }
                match self.vocab.index_u32(token) {
                    Some(id) => push(id),
                    None => ControlFlow::Continue(()),
                }
            })?;
            if let Some(e) = error {
                return Err(e);
            }
            recorder.finish()
        };
        let work = || -> Result<()> {
            loop {
                let p = next.fetch_add(1, Relaxed);
                if p >= PARTS {
                    return Ok(());
                }
                *lock(&slots[p]) = Some(encode(p)?);
            }
        };
        run_on_threads(threads, &work, &mut || {})?;
        Ok(slots
            .into_iter()
            .map(|s| {
                s.into_inner()
                    .unwrap_or_else(PoisonError::into_inner)
                    .expect("every part is encoded once the threads succeed")
            })
            .collect())
    }

    /// One epoch (1-based) of deterministic training, calling `tick` about every 100 ms.
    /// Returns early, leaving `stop` set, if a part's loss became non-finite.
    pub(super) fn run_epoch_deterministic(
        &self,
        epoch: usize,
        rounds: &mut Rounds,
        tick: &mut dyn FnMut(&Job),
    ) -> Result<()> {
        for (p, part) in rounds.parts.iter_mut().enumerate() {
            let part = part.get_mut().unwrap_or_else(PoisonError::into_inner);
            // One stream per (seed, part, epoch), as the default mode seeds its threads.
            part.rng = SmallRng::seed_from_u64(
                self.cfg.seed
                    ^ (p as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    ^ (epoch as u64).wrapping_mul(0xD1B5_4A32_D192_ED03),
            );
            part.loss = 0.0;
            part.pairs = 0;
        }
        for round in 0..rounds.rounds {
            let words_before = self.words_done.load(Relaxed);
            let next = AtomicUsize::new(0);
            let r = &*rounds;
            let train = |t: usize| -> Result<()> {
                let t0 = Instant::now();
                traffic::take();
                let result = self.train_parts(r, t, round, words_before, &next);
                let (read, written) = traffic::take();
                let stats = &self.stats[t];
                stats.bytes_read.fetch_add(read, Relaxed);
                stats.bytes_written.fetch_add(written, Relaxed);
                let busy = u64::try_from(t0.elapsed().as_nanos()).unwrap_or(u64::MAX);
                stats.busy_nanos.fetch_add(busy, Relaxed);
                if result.is_err() {
                    self.stop.store(true, Relaxed);
                }
                result
            };
            run_on_threads_indexed(r.threads(), &train, &mut || tick(self))?;
            if self.stop.load(Relaxed) {
                return Ok(());
            }
            let parts: Vec<&Part> = rounds
                .parts
                .iter_mut()
                .map(|m| &*m.get_mut().unwrap_or_else(PoisonError::into_inner))
                .collect();
            self.merge(&parts, &rounds.copies)?;
            let (mut loss, mut pairs, mut words) = (0.0, 0, 0u64);
            for p in &parts {
                loss += p.loss;
                pairs += p.pairs;
                words = words.saturating_add(p.words);
            }
            // The epoch's loss, summed in part order, is reported through thread 0's slot.
            self.stats[0].loss_bits.store(loss.to_bits(), Relaxed);
            self.stats[0].pairs.store(pairs, Relaxed);
            self.add_words(words);
        }
        Ok(())
    }

    /// Thread `t`'s share of round `round`: takes parts from `next` until none is left,
    /// trains each on the thread's private copy and keeps its changes.
    fn train_parts(
        &self,
        rounds: &Rounds,
        t: usize,
        round: u64,
        words_before: u64,
        next: &AtomicUsize,
    ) -> Result<()> {
        let (input, output) = &rounds.copies[t];
        let cx = StepContext {
            isa: self.call.isa,
            input,
            output,
            sigmoid: &self.sigmoid,
            stride: padded(self.cfg.dim),
            block_rows: self.call.block_rows,
        };
        let alpha = self.call.schedule.alpha(words_before);
        let mut guard = lock(&rounds.workers[t]);
        let w = &mut *guard;
        let mut buf = vec![0.0; 2 * self.cfg.dim];
        // The part this thread trained last in this round: its rows of the copy are reset
        // to the snapshot before the copy trains another part.
        let mut last: Option<usize> = None;
        loop {
            let p = next.fetch_add(1, Relaxed);
            if p >= PARTS || self.stop.load(Relaxed) {
                return Ok(());
            }
            if let Some(q) = last.replace(p) {
                let done = lock(&rounds.parts[q]);
                restore(input, &self.input, &done.input, &mut buf);
                restore(output, &self.output, &done.output, &mut buf);
            }
            let mut part = lock(&rounds.parts[p]);
            let part = &mut *part;
            let range = round * ROUND_IDS..(round + 1) * ROUND_IDS;
            std::mem::swap(&mut w.rng, &mut part.rng);
            w.loss = 0.0;
            w.pairs = 0;
            w.sentence.clear();
            let mut words = 0u64;
            let mut ok = true;
            let replayed = rounds.recordings[p].replay_range(range, |id| {
                if id == LINE_START {
                    ok = self.flush(&cx, w, alpha);
                } else {
                    words += 1;
                    if self.subsampler.keep(id as usize, &mut w.rng) {
                        w.sentence.push(id);
                        if w.sentence.len() >= self.cfg.max_sentence_len {
                            ok = self.flush(&cx, w, alpha);
                        }
                    }
                }
                if ok {
                    ControlFlow::Continue(())
                } else {
                    ControlFlow::Break(())
                }
            });
            // A round's end ends the sentence.
            ok = ok && self.flush(&cx, w, alpha);
            std::mem::swap(&mut w.rng, &mut part.rng);
            part.loss += w.loss;
            part.pairs += w.pairs;
            part.words = words;
            replayed?;
            if !ok {
                self.stop.store(true, Relaxed);
                return Ok(());
            }
            changes(input, &self.input, &mut part.input, &mut buf);
            changes(output, &self.output, &mut part.output, &mut buf);
        }
    }

    /// Adds every part's changes to the shared p and p' in part order, and copies the
    /// merged rows into every private copy; thread s of S handles the 64-row blocks b with
    /// b % S = s.
    fn merge(&self, parts: &[&Part], copies: &[(SharedMatrix, SharedMatrix)]) -> Result<()> {
        let threads = copies.len();
        let dim = self.cfg.dim;
        let inputs: Vec<&Delta> = parts.iter().map(|p| &p.input).collect();
        let outputs: Vec<&Delta> = parts.iter().map(|p| &p.output).collect();
        let copies_in: Vec<&SharedMatrix> = copies.iter().map(|c| &c.0).collect();
        let copies_out: Vec<&SharedMatrix> = copies.iter().map(|c| &c.1).collect();
        let work = |s: usize| -> Result<()> {
            let mut row = vec![0.0; dim];
            merge_blocks(&self.input, &inputs, &copies_in, (s, threads), &mut row);
            merge_blocks(&self.output, &outputs, &copies_out, (s, threads), &mut row);
            Ok(())
        };
        run_on_threads_indexed(threads, &work, &mut || {})
    }
}

/// Collects the rows `copy` wrote as changes against `shared` into `delta`. The rows of
/// `copy` keep their values: the merge overwrites every one of them, and [`restore`] resets
/// them first when the same copy trains another part in the round. `buf` holds 2·N floats.
fn changes(copy: &SharedMatrix, shared: &SharedMatrix, delta: &mut Delta, buf: &mut [f32]) {
    let dim = copy.dim();
    let (mine, base) = buf.split_at_mut(dim);
    delta.rows.clear();
    delta.values.clear();
    copy.drain_written((0, 1), |r| {
        copy.read_row(r, mine);
        shared.read_row(r, base);
        delta.rows.push(r as u32);
        delta
            .values
            .extend(mine.iter().zip(base.iter()).map(|(m, b)| m - b));
    });
}

/// Resets the rows of `delta` in `copy` to their values in `shared`. `row` holds N floats.
fn restore(copy: &SharedMatrix, shared: &SharedMatrix, delta: &Delta, row: &mut [f32]) {
    for &r in &delta.rows {
        shared.read_row(r as usize, row);
        copy.store_row(r as usize, row);
    }
}

/// Adds the `deltas` (in order) to the rows of `shared` in the 64-row blocks of `blocks`
/// (block b with b % blocks.1 == blocks.0), and copies each merged row into every one of
/// `copies`. A row's changes are added in part order, so the sums do not depend on the
/// number of threads.
fn merge_blocks(
    shared: &SharedMatrix,
    deltas: &[&Delta],
    copies: &[&SharedMatrix],
    blocks: (usize, usize),
    row: &mut [f32],
) {
    let dim = shared.dim();
    let (s, of) = blocks;
    let mine = |r: u32| (r as usize / 64) % of == s;
    // One cursor per part into its rows (each in increasing order).
    let mut at: Vec<usize> = deltas.iter().map(|_| 0).collect();
    let next = |d: &Delta, i: &mut usize| -> Option<u32> {
        while let Some(&r) = d.rows.get(*i) {
            if mine(r) {
                return Some(r);
            }
            *i += 1;
        }
        None
    };
    loop {
        let mut low: Option<u32> = None;
        for (d, i) in deltas.iter().zip(at.iter_mut()) {
            if let Some(r) = next(d, i) {
                low = Some(low.map_or(r, |l| l.min(r)));
            }
        }
        let Some(r) = low else { return };
        shared.read_row(r as usize, row);
        for (d, i) in deltas.iter().zip(at.iter_mut()) {
            if d.rows.get(*i) == Some(&r) {
                let values = &d.values[*i * dim..(*i + 1) * dim];
                for (x, v) in row.iter_mut().zip(values) {
                    *x += v;
                }
                *i += 1;
            }
        }
        shared.store_row(r as usize, row);
        for c in copies {
            c.store_row(r as usize, row);
        }
    }
}

/// Runs `work` on `threads` threads (the calling thread waits, calling `tick` about every
/// 100 ms) and returns the first error.
fn run_on_threads(
    threads: usize,
    work: &(dyn Fn() -> Result<()> + Sync),
    tick: &mut dyn FnMut(),
) -> Result<()> {
    run_on_threads_indexed(threads, &|_| work(), tick)
}

/// [`run_on_threads`], telling `work` its thread's index.
fn run_on_threads_indexed(
    threads: usize,
    work: &(dyn Fn(usize) -> Result<()> + Sync),
    tick: &mut dyn FnMut(),
) -> Result<()> {
    let finished = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let caller = std::thread::current();
        let mut handles = Vec::with_capacity(threads);
        let mut spawn_error = None;
        for t in 0..threads {
            let (finished, caller) = (&finished, caller.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("skipgram-{t}"))
                .spawn_scoped(scope, move || {
                    let r = work(t);
                    finished.fetch_add(1, Release);
                    caller.unpark();
                    r
                });
            match spawned {
                Ok(h) => handles.push(h),
                Err(e) => {
                    spawn_error = Some(Error::from(e));
                    break;
                }
            }
        }
        while finished.load(Acquire) < handles.len() {
            std::thread::park_timeout(TICK);
            tick();
        }
        let results: Vec<Result<()>> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        if let Some(e) = spawn_error {
            return Err(e);
        }
        results.into_iter().collect()
    })
}
