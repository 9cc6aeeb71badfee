//! One worker's pass over its byte range in one epoch: the sentence loop with its prefetch
//! pipeline, fed by the text or by the recorded word ids.

use std::ops::ControlFlow;
use std::sync::atomic::Ordering::Relaxed;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::job::{Job, WorkerStats, REFRESH_WORDS};
use crate::corpus::Pass as CorpusPass;
use crate::error::Result;
use crate::train::batch::{padded, Batch, Scratch};
use crate::train::encoded::{Recorder, LINE_START};
use crate::train::objective::{Outputs, StepContext};
use crate::train::sampling::NoiseDraws;

/// One worker thread's state within an epoch.
pub(super) struct WorkerState {
    pub(super) rng: SmallRng,
    /// Noise words drawn ahead from `rng`.
    pub(super) noise: NoiseDraws,
    pub(super) scratch: Scratch,
    /// Kept word ids of the sentence being gathered.
    pub(super) sentence: Vec<u32>,
    /// Loss summed over this epoch's pairs so far (nats) and the number of pairs.
    pub(super) loss: f64,
    pub(super) pairs: u64,
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
            if job.stop.load(Relaxed) || job.call.cancel.is_cancelled() {
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

impl Job<'_> {
    /// One thread's pass over its byte range of the corpus in one epoch (1-based): the text,
    /// recording its ids when later epochs of this call can replay them, or the recording.
    pub(super) fn worker_epoch(
        &self,
        thread: usize,
        epoch: usize,
        reading: Option<&CorpusPass<'_>>,
    ) -> Result<()> {
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
                noise: NoiseDraws::default(),
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
        let recording = self.recordings[thread].get();
        if let (Some(_), Some(reading)) = (recording, reading) {
            reading.release(thread);
        }
        if let Some(recording) = recording {
            recording
                .replay(|id| {
                    if id == LINE_START {
                        pass.line_start()
                    } else {
                        pass.word(id)
                    }
                })
                // The spill is unlinked: name the directory it lives in.
                .map_err(|e| crate::error::Error::io_at(&std::env::temp_dir(), e))?;
        } else {
            let record = epoch < self.call.last && cfg.encoded_corpus_memory > 0;
            let mut recorder = record.then(|| {
                Recorder::new(
                    cfg.encoded_corpus_memory / cfg.threads.max(1),
                    std::env::temp_dir(),
                )
            });
            let mut finished = true;
            // A spill that cannot be written (a full TMPDIR) is dropped, freeing its space:
            // later epochs read the text again.
            let mut push = |id: u32| {
                if let Some(r) = &mut recorder {
                    if r.push(id).is_err() {
                        recorder = None;
                    }
                }
            };
            let Some(reading) = reading else {
                unreachable!("a pass is started when a thread has no recording")
            };
            reading.scan(thread, |token, line_start| {
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
            if let (true, Some(r)) = (finished, recorder) {
                // Set once per call; a thread's range is recorded only in the first epoch.
                if let Ok(recording) = r.finish() {
                    let _ = self.recordings[thread].set(recording);
                }
            }
        }
        pass.finish();
        Ok(())
    }

    /// Trains on the sentence gathered so far (if any) and starts a new one; `false` if the
    /// loss became non-finite.
    pub(super) fn flush(&self, cx: &StepContext<'_>, w: &mut WorkerState, alpha: f32) -> bool {
        let ok = match &self.subwords {
            Some(sw) => self.train_sentence_subwords(sw, cx, w, alpha),
            None => self.train_sentence(cx, w, alpha),
        };
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
            noise,
            scratch: sc,
            sentence: s,
            loss,
            pairs,
        } = w;
        if s.is_empty() {
            return true;
        }
        self.prepare(cx, s, 0, (rng, noise), &mut sc.cur);
        for pos in 0..s.len() {
            if pos + 1 < s.len() {
                self.prepare(cx, s, pos + 1, (rng, noise), &mut sc.next);
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

    /// Sets `batch`'s center word to the one at `pos` of sentence `s` and its context
    /// words to those of a dynamic window: b uniform in 1..=window words each side
    /// (word2vec.c: window − rand % window; fastText the same).
    #[inline]
    pub(super) fn window(&self, s: &[u32], pos: usize, rng: &mut SmallRng, batch: &mut Batch) {
        let window = self.cfg.window;
        batch.center = s[pos];
        let b = window - rng.random_range(0..window);
        let lo = pos.saturating_sub(b);
        let hi = pos.saturating_add(b).saturating_add(1).min(s.len());
        batch.ctx.clear();
        batch.ctx.extend_from_slice(&s[lo..pos]);
        batch.ctx.extend_from_slice(&s[pos + 1..hi]);
        batch.pairs = batch.ctx.len() as u64;
    }

    /// Fills `batch` for the center word at `pos`: draws its dynamic window and (through the
    /// objective) its output rows, and prefetches the rows it will touch in the matrices the
    /// step trains (`cx`'s: deterministic mode trains private copies, not the shared ones).
    fn prepare(
        &self,
        cx: &StepContext<'_>,
        s: &[u32],
        pos: usize,
        (rng, noise): (&mut SmallRng, &mut NoiseDraws),
        batch: &mut Batch,
    ) {
        self.window(s, pos, rng, batch);
        self.outputs.fill(batch, self.cfg.negative, (rng, noise));
        if matches!(self.outputs, Outputs::Softmax) {
            return;
        }
        for &w in &batch.ctx {
            cx.input.prefetch_row(w as usize);
        }
        for &w in &batch.out {
            cx.output.prefetch_row(w as usize);
        }
    }
}
