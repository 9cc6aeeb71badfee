//! Model synchronisation between training processes: the one seam between the trainer and
//! MPI.
//!
//! The engine drives a [`ModelSync`] from the thread that called the trainer (the thread that
//! otherwise only wakes every 100 ms for progress reports), so the worker threads never wait
//! on it. The default, [`Local`], does nothing: a single process trains exactly as before.
//! With the `mpi` feature, [`Cluster`](crate::Cluster) provides the data-parallel scheme of
//! pWord2Vec (Ji et al. 2016, "Parallelizing Word2Vec in Shared and Distributed Memory";
//! `pWord2Vec_mpi.cpp`): every process (rank) keeps full copies of p and p' and trains
//! Hogwild on its own byte range of the corpus; every `SyncConfig::period` seconds the rows of the
//! most frequent words (which come first in the vocabulary) are merged across ranks, the
//! block growing with the trailing zero bits of the sync counter ([`hot_rows`]); at the end of
//! every epoch the whole model is merged. Merging sums every rank's change since the last
//! merge with a factor per row, and each rank trains at a scaled learning rate, so that the
//! defaults hold for any number of ranks (`rates`; where pWord2Vec averages the rows at the
//! unscaled rate; see [`Cluster`](crate::Cluster)).

// Without the `mpi` feature only the single-process path is compiled in.
#![cfg_attr(not(feature = "mpi"), allow(dead_code))]

use std::sync::atomic::Ordering::{Acquire, Relaxed};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::time::{Duration, Instant};

use super::shared::SharedWeights;
use crate::error::{Error, Result};

#[cfg(feature = "mpi")]
mod config;
#[cfg(feature = "mpi")]
mod mpi;
mod rates;
mod wire;

#[cfg(feature = "mpi")]
pub use self::config::SyncConfig;
#[cfg(feature = "mpi")]
pub(crate) use self::mpi::MpiSync;
#[cfg(feature = "mpi")]
pub use self::mpi::{Cluster, SyncStats};
#[cfg_attr(not(feature = "mpi"), allow(unused_imports))]
pub(crate) use rates::{rate_scale, row_rates, OutputRows, RowRates};
#[cfg_attr(not(feature = "mpi"), allow(unused_imports))]
pub(crate) use wire::{decode_counts, encode_counts};

/// What one rank tells the others at a periodic sync.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Status {
    /// Words this rank processed since its previous sync.
    pub(crate) words: u64,
    /// Whether this rank's workers have finished the epoch.
    pub(crate) done: bool,
    /// Whether this rank's training failed (an error or divergence in a worker).
    pub(crate) failed: bool,
}

/// The sum of every rank's [`Status`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Agreed {
    /// Words all ranks processed since the previous sync.
    pub(crate) words: u64,
    /// Ranks whose workers have finished the epoch.
    pub(crate) done: usize,
    /// Ranks that failed.
    pub(crate) failed: usize,
}

/// Keeps the copies of one model on several processes close to each other.
///
/// Every method except [`ranks`](Self::ranks), [`rank`](Self::rank) and
/// [`period`](Self::period) is collective: all ranks call it the same number of times, in the
/// same order, or they wait for each other forever. The engine guarantees that by deciding
/// everything that changes the sequence (whether an epoch is over, whether a rank failed)
/// from the values [`periodic`](Self::periodic) returns, which are the same on every rank.
pub(crate) trait ModelSync {
    /// The number of processes K.
    fn ranks(&self) -> usize {
        1
    }

    /// This process's index in 0..K.
    fn rank(&self) -> usize {
        0
    }

    /// Time between periodic syncs; `None` for a single process (no syncs at all).
    fn period(&self) -> Option<Duration> {
        None
    }

    /// Called once before the first epoch, with the weights every rank starts from and how
    /// to compute how often each row is updated (which a single process never needs).
    fn begin(&mut self, weights: &SharedWeights<'_>, rates: &dyn Fn() -> RowRates) -> Result<()> {
        let _ = (weights, rates);
        Ok(())
    }

    /// Exchanges `mine` and merges the hot rows of p and p'; returns the sum of every
    /// rank's status.
    fn periodic(&mut self, mine: Status, weights: &SharedWeights<'_>) -> Result<Agreed> {
        let _ = weights;
        Ok(Agreed {
            words: mine.words,
            done: usize::from(mine.done),
            failed: usize::from(mine.failed),
        })
    }

    /// Merges every row of p and p' (after the workers of an epoch have joined).
    fn full(&mut self, weights: &SharedWeights<'_>) -> Result<()> {
        let _ = weights;
        Ok(())
    }

    /// Tells every rank whether this one is ready (`ok`); returns how many ranks are not.
    fn agree(&mut self, ok: bool) -> Result<usize> {
        Ok(usize::from(!ok))
    }

    /// Called before every epoch, with the words trained before it (the schedule's
    /// position): restarts the sync clock.
    fn start_epoch(&mut self, words: u64) {
        let _ = words;
    }
}

/// The single-process [`ModelSync`]: nothing to synchronise.
pub(crate) struct Local;

impl ModelSync for Local {}

/// The number of rows of p and p' that sync number `counter` (1-based) merges:
/// `base · 2^tz(counter)`, at most `v` (pWord2Vec's `model_sync_size`). The first rows are
/// the most frequent words; sync 1, 3, 5… merge `base` rows, sync 2, 6, 10… `2·base`, sync
/// 4, 12… `4·base`, and so on, so a word of frequency rank r is merged about every
/// r / base syncs.
pub(crate) fn hot_rows(counter: u64, base: usize, v: usize) -> usize {
    let tz = counter.trailing_zeros();
    let rows = if tz >= usize::BITS {
        usize::MAX
    } else {
        base.saturating_mul(1usize << tz)
    };
    rows.min(v)
}

/// What the epoch loop of a distributed run shares with [`sync_until_done`].
pub(crate) struct Shared<'a> {
    pub(crate) weights: &'a SharedWeights<'a>,
    /// The global word counter the workers add to and read α from.
    pub(crate) words_done: &'a AtomicU64,
    /// `words_done` before any worker of this epoch started: the words since then are this
    /// process's, including those added before [`sync_until_done`] was called.
    pub(crate) words_at_start: u64,
    /// Tells this process's workers to stop; set by a worker that fails.
    pub(crate) stop: &'a AtomicBool,
    /// Workers that have finished the epoch, of `workers`.
    pub(crate) finished: &'a AtomicUsize,
    pub(crate) workers: usize,
}

/// The calling thread's loop while the workers of a distributed run train one epoch:
/// every `period`, a periodic sync (words counted, hot rows merged), and one at once when
/// this process's workers finish, until every process's workers are done; `tick` about
/// every 100 ms in between for progress reports. On a failure anywhere, stops this
/// process's workers and returns the error with whether this process's own workers had
/// stopped (a worker's error or divergence). Every process leaves after the same sync,
/// because each decides from the same all-reduced status.
pub(crate) fn sync_until_done(
    sync: &mut dyn ModelSync,
    period: Duration,
    s: Shared<'_>,
    tick: &mut dyn FnMut(),
) -> Option<(bool, Error)> {
    const TICK: Duration = Duration::from_millis(100);
    let mut next = Instant::now() + period;
    let mut last = s.words_at_start;
    let mut reported_done = false;
    loop {
        // Acquire: pairs with the workers' Release increment after their last words.
        let done = s.finished.load(Acquire) >= s.workers;
        let now = Instant::now();
        if now < next && (reported_done || !done) {
            std::thread::park_timeout((next - now).min(TICK));
            tick();
            continue;
        }
        reported_done = done;
        next = now + period;
        let words = s.words_done.load(Relaxed);
        let mine = Status {
            words: words.saturating_sub(last),
            done,
            failed: s.stop.load(Relaxed),
        };
        let failure = match sync.periodic(mine, s.weights) {
            Ok(all) => {
                last = add_other_ranks(s.words_done, last, words, all.words);
                if all.failed == 0 && all.done == sync.ranks() {
                    return None;
                }
                (all.failed > 0).then(|| Error::Distributed {
                    message: format!("training failed on {} process(es)", all.failed),
                })
            }
            Err(e) => Some(e),
        };
        if let Some(e) = failure {
            s.stop.store(true, Relaxed);
            return Some((mine.failed, e));
        }
    }
}

/// Adds the words other ranks processed to the global word counter `words_done`.
///
/// `last` is the counter's value right after the previous sync; `now` its value when this
/// sync read it; `global` the words all ranks processed since their previous syncs. Returns
/// the new `last`. Words the workers add between the read and the update are counted at the
/// next sync.
pub(crate) fn add_other_ranks(words_done: &AtomicU64, last: u64, now: u64, global: u64) -> u64 {
    let mine = now.saturating_sub(last);
    let others = global.saturating_sub(mine);
    let _ = words_done.fetch_update(Relaxed, Relaxed, |w| Some(w.saturating_add(others)));
    now.saturating_add(others)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_block_doubles_with_trailing_zeros() {
        let rows: Vec<usize> = (1..=8).map(|c| hot_rows(c, 1024, 1 << 20)).collect();
        assert_eq!(rows, [1024, 2048, 1024, 4096, 1024, 2048, 1024, 8192]);
        assert_eq!(hot_rows(1 << 10, 1024, 70_000), 70_000);
        assert_eq!(hot_rows(3, 1024, 100), 100);
        assert_eq!(hot_rows(1 << 63, 1024, usize::MAX), usize::MAX);
        assert_eq!(hot_rows(1 << 40, 1, 1 << 50), 1 << 40);
    }

    #[test]
    fn other_ranks_words_are_added_once() {
        // This rank counted 100 words since the last sync (at 1000), the others 250.
        let w = AtomicU64::new(1100);
        let last = add_other_ranks(&w, 1000, 1100, 350);
        assert_eq!(w.load(Relaxed), 1350);
        assert_eq!(last, 1350);
        // Workers add 40 words, 10 of them after the sync read the counter.
        w.fetch_add(30, Relaxed);
        let now = w.load(Relaxed);
        w.fetch_add(10, Relaxed);
        let last = add_other_ranks(&w, last, now, 30 + 60);
        assert_eq!(w.load(Relaxed), 1350 + 40 + 60);
        // The 10 late words count as this rank's at the next sync.
        let now = w.load(Relaxed);
        assert_eq!(now - last, 10);
    }

    /// Two ranks; the other one processed `others` words and is done.
    struct TwoRanks {
        others: u64,
        reported: u64,
    }

    impl ModelSync for TwoRanks {
        fn ranks(&self) -> usize {
            2
        }

        fn period(&self) -> Option<Duration> {
            Some(Duration::from_millis(1))
        }

        fn periodic(&mut self, mine: Status, _: &SharedWeights<'_>) -> Result<Agreed> {
            self.reported += mine.words;
            let others = std::mem::take(&mut self.others);
            Ok(Agreed {
                words: mine.words + others,
                done: usize::from(mine.done) + 1,
                failed: 0,
            })
        }
    }

    #[test]
    fn words_counted_before_the_first_sync_reach_the_other_ranks() {
        // The epoch starts at 1000 words; this process's only worker processes 500 and
        // finishes before the caller's loop begins (a loaded machine, a short part).
        let words_done = AtomicU64::new(1500);
        let (stop, finished) = (AtomicBool::new(false), AtomicUsize::new(1));
        let empty = crate::train::shared::SharedMatrix::empty();
        let weights = SharedWeights {
            input: &empty,
            output: &empty,
        };
        let mut sync = TwoRanks {
            others: 700,
            reported: 0,
        };
        let shared = Shared {
            weights: &weights,
            words_done: &words_done,
            words_at_start: 1000,
            stop: &stop,
            finished: &finished,
            workers: 1,
        };
        assert!(sync_until_done(&mut sync, Duration::from_millis(1), shared, &mut || {}).is_none());
        assert_eq!(
            sync.reported, 500,
            "the other ranks must learn of all 500 words"
        );
        assert_eq!(words_done.load(Relaxed), 1000 + 500 + 700);
    }

    #[test]
    fn local_sync_reports_only_itself() {
        let mut l = Local;
        assert_eq!(l.ranks(), 1);
        assert_eq!(l.period(), None);
        assert_eq!(l.agree(true).unwrap(), 0);
        assert_eq!(l.agree(false).unwrap(), 1);
    }
}
