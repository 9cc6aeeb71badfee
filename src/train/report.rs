//! What training reports: live [`Progress`], one [`EpochReport`] per epoch, and the
//! [`TrainReport`] of a whole call with the wall time of each phase.

/// A progress report, delivered to the callback of
/// [`TrainOptions::progress`](crate::TrainOptions::progress) about every 100 ms from the
/// calling thread, and at the end of every epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Progress {
    /// The epoch under way, 1-based: `1` during the first pass over the corpus.
    pub epoch: usize,
    /// The epoch at which this call stops (1-based, inclusive).
    pub last_epoch: usize,
    /// Words (in-vocabulary tokens, before subsampling) processed since the model's first
    /// epoch began.
    pub words: u64,
    /// Words of the whole schedule up to `last_epoch`: epochs × words per epoch.
    pub total_words: u64,
    /// Current learning rate.
    pub alpha: f32,
    /// Mean loss per (center, context) pair in this epoch so far (nats), over all threads.
    pub loss: f64,
    /// Words per second in this call so far, all threads together.
    pub words_per_sec: f64,
    /// Seconds since this call began.
    pub seconds: f64,
}

/// What one epoch did.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EpochReport {
    /// The epoch, 1-based (counted over the model's whole life, so a resumed model's
    /// first new epoch is `epochs_trained + 1`).
    pub epoch: usize,
    /// Mean loss per (center, context) pair (nats).
    pub loss: f64,
    /// (center, context) pairs trained.
    pub pairs: u64,
    /// Words read (in-vocabulary tokens, before subsampling).
    pub words: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Each worker thread's busy time in this epoch (seconds), index = thread. The epoch
    /// lasts as long as the slowest worker; `seconds − busy[t]` is thread t's wait at the
    /// end of the epoch.
    pub busy: Vec<f64>,
    /// Bytes all workers read from the shared p and p' (row copies into thread-local
    /// buffers) in this epoch; counted only with the `traffic-stats` feature, else 0.
    pub shared_bytes_read: u64,
    /// Bytes all workers wrote back to the shared p and p'; with `traffic-stats`, else 0.
    pub shared_bytes_written: u64,
}

impl EpochReport {
    /// Each worker's wait at the end of the epoch, in seconds: the epoch's wall time minus
    /// its busy time.
    pub fn waits(&self) -> Vec<f64> {
        self.busy
            .iter()
            .map(|b| (self.seconds - b).max(0.0))
            .collect()
    }
}

/// Wall time of each phase of a run, in seconds. A phase that did not run is 0.
///
/// On many cores the serial phases bound the speed-up (Amdahl): projected wall time on T
/// threads ≈ serial + parallel / T.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Phases {
    /// Counting the corpus and building the vocabulary.
    pub vocabulary: f64,
    /// Allocating and initialising p and p', and building the samplers and the Huffman tree.
    pub initialisation: f64,
    /// The epochs themselves.
    pub training: f64,
    /// Writing the results (filled in by callers that save, such as the command line).
    pub output: f64,
}

impl Phases {
    /// The sum of all phases (seconds).
    pub fn total(&self) -> f64 {
        self.vocabulary + self.initialisation + self.training + self.output
    }
}

/// What a training call did.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TrainReport {
    /// One report per epoch completed by this call (a cancelled epoch has none).
    pub epochs: Vec<EpochReport>,
    /// Wall time of each phase of this call.
    pub phases: Phases,
    /// `true` if a [`CancelToken`](crate::CancelToken) stopped the call before its last
    /// epoch ended (on any process of a cluster).
    pub cancelled: bool,
}

impl TrainReport {
    /// Words per second over the epochs of this call.
    pub fn words_per_sec(&self) -> f64 {
        let words: u64 = self.epochs.iter().map(|e| e.words).sum();
        let secs: f64 = self.epochs.iter().map(|e| e.seconds).sum();
        if secs > 0.0 {
            words as f64 / secs
        } else {
            0.0
        }
    }

    /// The mean loss of the last epoch trained, if any.
    pub fn final_loss(&self) -> Option<f64> {
        self.epochs.last().map(|e| e.loss)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_waits_and_totals() {
        let e = EpochReport {
            epoch: 1,
            loss: 2.0,
            pairs: 10,
            words: 300,
            seconds: 2.0,
            busy: vec![2.0, 1.5],
            shared_bytes_read: 0,
            shared_bytes_written: 0,
        };
        assert_eq!(e.waits(), vec![0.0, 0.5]);
        let r = TrainReport {
            epochs: vec![e.clone(), EpochReport { loss: 1.0, ..e }],
            phases: Phases {
                vocabulary: 1.0,
                initialisation: 0.5,
                training: 4.0,
                output: 0.25,
            },
            cancelled: false,
        };
        assert_eq!(r.words_per_sec(), 150.0);
        assert_eq!(r.final_loss(), Some(1.0));
        assert_eq!(r.phases.total(), 5.75);
        assert_eq!(TrainReport::default().words_per_sec(), 0.0);
    }
}
