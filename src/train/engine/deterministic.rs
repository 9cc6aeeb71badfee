//! Reproducible multi-threaded training ([`TrainConfig::deterministic`]): the in-process
//! form of a distributed merge, in rounds at fixed word counts.
//!
//! Each epoch's corpus is cut into [`PARTS`] byte ranges, whatever the number of threads,
//! and encoded to word ids once per call. Every part has its own private copy of p and p',
//! which equals the shared snapshot when a round begins and notes the rows it writes.
//! Training goes in rounds. In round r every part trains its recorded ids
//! r·[`ROUND_IDS`]..(r + 1)·`ROUND_IDS`:
//!
//! 1. Thread t of T trains the parts p with p % T = t, each on its own copy. Each part has
//!    its own random stream, seeded by (seed, part, epoch) and carried from round to round,
//!    and the round's learning rate follows the words all parts trained in the rounds
//!    before it.
//! 2. The merge: a row one part wrote takes that part's value; a row several parts wrote
//!    takes the snapshot plus their changes (copy − snapshot), added in part order. Each
//!    thread merges its own 64-row blocks and writes the merged rows into the snapshot and
//!    every copy.
//!
//! Nothing a part computes depends on which thread trains it or when, and every row's sum
//! is taken in the same order, so the vectors are bit-identical run after run and for any
//! number of threads (on the same CPU: the SIMD kernels are chosen per machine). Memory:
//! [`PARTS`] more copies of p and p' and the encoded corpus.
//!
//! **Why 2 parts.** Summing the changes of many parts trained from one snapshot is unstable:
//! on the 100 MB corpus (1 epoch, default settings) 64 parts diverged within the first 3–25 %
//! of the epoch with rounds of 256, 1,024 and 4,096 ids, and 4 parts of 8,192 ids at 37 %.
//! Dividing each row's sum by the number of parts that changed it was stable but learnt
//! almost nothing (0.03 % on the analogies), as averaging does across MPI processes; with 2
//! parts, each training at 2α, averaging (the MPI rule for K = 2) lost 0.01–0.02 in ρ and
//! up to 0.6 points on the analogies (second half of the corpus, 1 epoch, seeds 1 and 2).
//! Two parts of 16,384 ids summed match the default mode: 100 MB, 1 epoch, seeds 1 / 2 / 3,
//! analogies 14.75 / 14.60 / 14.91 % (mean 14.75) against 15.81 (mean of 3 runs) / 14.87 /
//! 14.72 % (15.13), ρ 0.552 / 0.547 / 0.564 (0.554) against 0.563 / 0.547 / 0.542 (0.551).
//! So the mode trains on at most 2 threads.
//!
//! **Cost.** On 2 threads, 100 MB corpus, 1 epoch, its wall time was 0.96–1.47× the default
//! mode's, median 1.36× (six alternating pairs of `scripts/deterministic_compare.sh`, shared
//! machine: 22.5 / 27.9 / 23.6 / 33.6 / 27.3 / 36.9 s against 16.2 / 19.0 / 24.5 / 23.9 /
//! 20.5 / 32.8 s). Of a 30 MB epoch on 2 threads, the merges take about 10 % and the parts'
//! unequal work about 10 % (a round waits for its slower part); each worker is about as
//! fast as the default mode's.

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
use crate::train::sampling::NoiseDraws;
use crate::train::shared::{traffic, SharedMatrix};

/// The number of parts an epoch's corpus is cut into, whatever the number of threads
/// (which is at most this many in deterministic mode).
pub(super) const PARTS: usize = 2;

/// Recorded ids (in-vocabulary tokens and line starts) each part trains per round.
pub(super) const ROUND_IDS: u64 = 16_384;

/// What a part carries from round to round within an epoch.
struct Part {
    rng: SmallRng,
    /// Loss (nats) and pairs over this epoch's rounds so far.
    loss: f64,
    pairs: u64,
    /// In-vocabulary words of the last round.
    words: u64,
}

/// The state of deterministic training for one call: the encoded parts, one private copy
/// of p and p' per part, the threads' scratch space and the parts' random streams.
pub(super) struct Rounds {
    recordings: Vec<Recording>,
    rounds: u64,
    /// Per part: private copies of p and p' that note the rows written.
    copies: Vec<(SharedMatrix, SharedMatrix)>,
    /// Per thread.
    workers: Vec<Mutex<WorkerState>>,
    parts: Vec<Mutex<Part>>,
}

impl Rounds {
    /// Encodes the [`PARTS`] parts of the corpus on the job's threads and makes the parts'
    /// private copies of the job's weights.
    ///
    /// # Errors
    /// [`Error::OutOfMemory`] for the copies; reading or recording the corpus.
    pub(super) fn new(job: &Job<'_>) -> Result<Self> {
        let threads = job.cfg.threads.clamp(1, PARTS);
        let recordings = job.encode_parts(threads)?;
        let mut rounds = 0;
        for r in &recordings {
            rounds = rounds.max(r.len().div_ceil(ROUND_IDS));
        }
        let copy = |m: &SharedMatrix, what: &str| -> Result<SharedMatrix> {
            let a = m.try_to_array(what, threads)?;
            SharedMatrix::try_from_array(&a, what, threads)?.tracking_writes()
        };
        let mut copies = Vec::with_capacity(PARTS);
        for _ in 0..PARTS {
            copies.push((
                copy(&job.input, "private copy of p")?,
                copy(&job.output, "private copy of p'")?,
            ));
        }
        let mut workers = Vec::with_capacity(threads);
        for _ in 0..threads {
            workers.push(Mutex::new(WorkerState {
                rng: SmallRng::seed_from_u64(0), // replaced by each part's own stream
                noise: NoiseDraws::default(),
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
        self.workers.len()
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
            let r = &*rounds;
            let train = |t: usize| -> Result<()> {
                let t0 = Instant::now();
                traffic::take();
                let result = self.train_parts(r, t, round, words_before);
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
            self.merge(&rounds.copies, rounds.threads())?;
            let parts: Vec<&Part> = rounds
                .parts
                .iter_mut()
                .map(|m| &*m.get_mut().unwrap_or_else(PoisonError::into_inner))
                .collect();
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

    /// Thread `t`'s share of round `round`: trains the parts p with p % threads = t, each
    /// on its own private copy.
    fn train_parts(&self, rounds: &Rounds, t: usize, round: u64, words_before: u64) -> Result<()> {
        let alpha = self.call.schedule.alpha(words_before);
        let mut guard = lock(&rounds.workers[t]);
        let w = &mut *guard;
        for p in (t..PARTS).step_by(rounds.threads()) {
            if self.stop.load(Relaxed) {
                return Ok(());
            }
            let (input, output) = &rounds.copies[p];
            let cx = StepContext {
                isa: self.call.isa,
                input,
                output,
                sigmoid: &self.sigmoid,
                stride: padded(self.cfg.dim),
                block_rows: self.call.block_rows,
            };
            let mut part = lock(&rounds.parts[p]);
            let part = &mut *part;
            let range = round * ROUND_IDS..(round + 1) * ROUND_IDS;
            std::mem::swap(&mut w.rng, &mut part.rng);
            // Draws made ahead from another part's stream are not this part's.
            w.noise.clear();
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
        }
        Ok(())
    }

    /// Merges the rows the parts' copies wrote in this round into the shared p and p' and
    /// into every copy, on `threads` threads; thread s of S handles the 64-row blocks b
    /// with b % S = s.
    fn merge(&self, copies: &[(SharedMatrix, SharedMatrix)], threads: usize) -> Result<()> {
        let dim = self.cfg.dim;
        let copies_in: Vec<&SharedMatrix> = copies.iter().map(|c| &c.0).collect();
        let copies_out: Vec<&SharedMatrix> = copies.iter().map(|c| &c.1).collect();
        let work = |s: usize| -> Result<()> {
            let mut rows = vec![0.0; 3 * dim];
            merge_blocks(&self.input, &copies_in, (s, threads), &mut rows);
            merge_blocks(&self.output, &copies_out, (s, threads), &mut rows);
            Ok(())
        };
        run_on_threads_indexed(threads, &work, &mut || {})
    }
}

/// Merges the rows that `copies` (one per part, each the snapshot `shared` plus that part's
/// changes) wrote since the last merge, in the 64-row blocks of `blocks` (block b with
/// b % blocks.1 == blocks.0), and writes each merged row into `shared` and every copy.
///
/// A row one part wrote takes that part's value. A row several parts wrote takes the
/// snapshot plus their changes, added in part order. So the result depends neither on the
/// number of threads nor on their timing. `rows` holds 3·N floats.
fn merge_blocks(
    shared: &SharedMatrix,
    copies: &[&SharedMatrix],
    blocks: (usize, usize),
    rows: &mut [f32],
) {
    let dim = shared.dim();
    let (merged, rest) = rows.split_at_mut(dim);
    let (base, mine) = rest.split_at_mut(dim);
    let mut taken = [0u64; PARTS];
    let (s, of) = blocks;
    for block in (s..shared.rows().div_ceil(64)).step_by(of.max(1)) {
        let mut union = 0;
        for (t, c) in taken.iter_mut().zip(copies) {
            *t = c.take_written(block);
            union |= *t;
        }
        while union != 0 {
            let bit = union.trailing_zeros();
            union &= union - 1;
            let r = block * 64 + bit as usize;
            let mut writers = taken.iter().zip(copies).filter(|(t, _)| *t >> bit & 1 == 1);
            let (_, first) = writers
                .next()
                .expect("a set bit of the union is some copy's");
            first.read_row(r, merged);
            let several = writers.clone().next().is_some();
            if several {
                // merged = snapshot + Σ (copy − snapshot), in part order.
                shared.read_row(r, base);
                for (m, b) in merged.iter_mut().zip(base.iter()) {
                    *m = *b + (*m - *b);
                }
                for (_, c) in writers {
                    c.read_row(r, mine);
                    for ((m, b), x) in merged.iter_mut().zip(base.iter()).zip(mine.iter()) {
                        *m += *x - *b;
                    }
                }
            }
            shared.store_row(r, merged);
            for (t, c) in taken.iter().zip(copies) {
                // A part's only writer already holds the merged value.
                if several || *t >> bit & 1 == 0 {
                    c.store_row(r, merged);
                }
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn row(m: &SharedMatrix, r: usize) -> Vec<f32> {
        let mut v = vec![0.0; m.dim()];
        m.read_row(r, &mut v);
        v
    }

    #[test]
    fn a_merge_takes_a_lone_writers_row_and_sums_shared_rows_onto_the_snapshot() {
        // 130 rows over three 64-row blocks; rows 5 and 129 written by part 0 alone, 70 by
        // part 1 alone, 64 by both.
        let snapshot = Array2::from_shape_fn((130, 3), |(i, j)| i as f32 + j as f32 * 0.5);
        let shared = SharedMatrix::try_from_array(&snapshot, "p", 1).unwrap();
        let copy = || {
            SharedMatrix::try_from_array(&snapshot, "copy", 1)
                .unwrap()
                .tracking_writes()
                .unwrap()
        };
        let copies = [copy(), copy()];
        copies[0].write_row(5, &[1.0, 2.0, 3.0]);
        copies[0].write_row(129, &[-1.0, -2.0, -3.0]);
        copies[1].write_row(70, &[7.0, 7.0, 7.0]);
        copies[0].write_row(64, &[64.0 + 1.0, 64.5, 65.0]);
        copies[1].write_row(64, &[64.0, 64.5 + 2.0, 65.0 - 4.0]);
        let copies: Vec<&SharedMatrix> = copies.iter().collect();
        let mut rows = vec![0.0; 9];
        // Two threads: blocks 0 and 2, then block 1.
        merge_blocks(&shared, &copies, (0, 2), &mut rows);
        assert_eq!(
            row(&shared, 64),
            snapshot.row(64).to_vec(),
            "block 1 not yet"
        );
        merge_blocks(&shared, &copies, (1, 2), &mut rows);
        let mut want = snapshot.clone();
        want.row_mut(5).assign(&ndarray::arr1(&[1.0, 2.0, 3.0]));
        want.row_mut(129)
            .assign(&ndarray::arr1(&[-1.0, -2.0, -3.0]));
        want.row_mut(70).assign(&ndarray::arr1(&[7.0, 7.0, 7.0]));
        want.row_mut(64).assign(&ndarray::arr1(&[65.0, 66.5, 61.0]));
        for m in [&shared, copies[0], copies[1]] {
            assert_eq!(m.try_to_array("m", 1).unwrap(), want);
        }
        // The merge took the written bits: a second merge changes nothing.
        for c in &copies {
            assert_eq!((0..3).map(|b| c.take_written(b)).sum::<u64>(), 0);
        }
        copies[1].store_row(3, &[9.0, 9.0, 9.0]);
        merge_blocks(&shared, &copies, (0, 1), &mut rows);
        assert_eq!(
            row(&shared, 3),
            want.row(3).to_vec(),
            "stores are not noted"
        );
    }
}
