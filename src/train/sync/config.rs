//! [`SyncConfig`]: how the processes of a distributed run keep their copies of p and p'
//! together (feature `mpi`).

use crate::error::{Error, Result};

/// How the ranks of a [`Cluster`](crate::Cluster) merge their copies of p (V×N input
/// weights) and p' (N×V output weights) while training, passed with the cluster through
/// [`TrainOptions::sync`](crate::TrainOptions::sync). These settings belong to a run, not to
/// the model: checkpoints do not store them, and a single process has none. The scheme and
/// the names follow pWord2Vec (Ji et al. 2016, "Parallelizing Word2Vec in Shared and
/// Distributed Memory", `pWord2Vec_mpi.cpp`). Feature `mpi`.
///
/// ```
/// use skipgram::SyncConfig;
/// let sync = SyncConfig { period: 0.2, ..Default::default() };
/// assert_eq!(sync.rows, 1024);
/// assert!(sync.validate().is_ok());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct SyncConfig {
    /// Seconds between two merges of the hot rows of p and p' across processes
    /// (pWord2Vec's `-sync-period`), in (0, 3600]. Default 0.1.
    pub period: f64,
    /// Rows (most frequent words first) that a periodic sync merges at least, ≥ 1; sync
    /// number k merges `rows · 2^tz(k)` rows, tz(k) being the trailing zero bits of k, so
    /// rarer words are merged less often (pWord2Vec's `-min-sync-words`). Default 1024.
    pub rows: usize,
    /// Every `full_every`-th periodic sync merges all rows; 0 for none. The whole model is
    /// merged at the end of every epoch regardless. Default 0 (pWord2Vec's
    /// `-full-sync-times 0`).
    pub full_every: usize,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            period: 0.1,
            rows: 1024,
            full_every: 0,
        }
    }
}

impl SyncConfig {
    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] naming the setting if `period` is not in (0, 3600] seconds
    /// or `rows` is 0.
    pub fn validate(&self) -> Result<()> {
        if !(self.period > 0.0 && self.period <= 3600.0) {
            return Err(Error::OutOfRange {
                setting: "period",
                value: self.period.to_string(),
                allowed: "(0, 3600] seconds".into(),
            });
        }
        if self.rows == 0 {
            return Err(Error::OutOfRange {
                setting: "rows",
                value: "0".into(),
                allowed: "at least 1".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_are_named() {
        assert!(SyncConfig::default().validate().is_ok());
        let bad = |s: SyncConfig| s;
        for (cfg, name) in [
            (
                bad(SyncConfig {
                    period: 0.0,
                    ..Default::default()
                }),
                "period",
            ),
            (
                bad(SyncConfig {
                    period: f64::NAN,
                    ..Default::default()
                }),
                "period",
            ),
            (
                bad(SyncConfig {
                    period: 3601.0,
                    ..Default::default()
                }),
                "period",
            ),
            (
                bad(SyncConfig {
                    rows: 0,
                    ..Default::default()
                }),
                "rows",
            ),
        ] {
            match cfg.validate() {
                Err(Error::OutOfRange { setting, .. }) => assert_eq!(setting, name),
                other => panic!("{name}: {other:?}"),
            }
        }
        let edge = SyncConfig {
            period: 3600.0,
            rows: 1,
            full_every: 7,
        };
        assert!(edge.validate().is_ok());
    }
}
