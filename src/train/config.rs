//! [`TrainConfig`]: the training settings, and their validation (one check per rule, reused
//! by every entry point that takes a setting).

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::subword::NgramConfig;
use crate::vocab::VocabConfig;

use super::batch::MAX_BLOCK_ROWS;

/// Training settings. Defaults follow word2vec.c's skip-gram defaults except where noted.
///
/// A plain `Copy` struct: build it with struct update syntax.
///
/// ```
/// use skipgram::{Objective, TrainConfig};
/// let cfg = TrainConfig { dim: 50, epochs: 3, objective: Objective::HierarchicalSoftmax, ..Default::default() };
/// assert_eq!(cfg.window, 5);
/// assert!(cfg.validate().is_ok());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct TrainConfig {
    /// Embedding dimension N, the number of columns of p (word2vec.c `-size`). Default 100.
    pub dim: usize,
    /// Maximum context window c: up to c words each side (`-window`). Default 5.
    pub window: usize,
    /// The loss. Default [`Objective::NegativeSampling`].
    pub objective: Objective,
    /// Noise words per positive pair for negative sampling (`-negative`). Default 5.
    pub negative: usize,
    /// Which row of p a negative-sampling pair trains. Default
    /// [`NsDirection::ContextPredictsCenter`] (word2vec.c, gensim).
    pub ns_direction: NsDirection,
    /// Exponent e of the noise distribution P(w) ∝ count(w)^e. Default `None`: the model's
    /// own, 0.75 for word vectors (Mikolov et al. 2013; word2vec.c, gensim) and 0.5 for
    /// subword vectors (fastText); see [`TrainConfig::noise_exponent`].
    pub ns_exponent: Option<f64>,
    /// Subsampling threshold t (`-sample`); 0 disables. Default 1e-3.
    pub sample: f64,
    /// The vocabulary settings: `min_count` (`-min-count`, default 5), `max_final_vocab`
    /// and `max_vocab_size` (the bound on types held while counting), used when
    /// [`Trainer::build_vocabulary`](crate::Trainer::build_vocabulary) counts the corpus.
    pub vocab: VocabConfig,
    /// Planned passes over the corpus (`-iter`). Default 5. A model counts the epochs it
    /// has done in [`SkipGramModel::epochs_trained`](crate::SkipGramModel::epochs_trained).
    pub epochs: usize,
    /// Starting learning rate α (`-alpha`). Default 0.025.
    pub alpha: f32,
    /// The learning rate's floor as a fraction of `alpha`. Default 1e-4 (word2vec.c). With 1
    /// or 2 planned `epochs` the linear decay ends above it, at α/2 or α/5, except with
    /// hierarchical softmax (see [`Epochs`](crate::Epochs)).
    pub min_alpha_fraction: f32,
    /// Worker threads (`-threads`), at most [`MAX_THREADS`](Self::MAX_THREADS). Default:
    /// available parallelism.
    pub threads: usize,
    /// Seed of every random stream (initialisation, subsampling, windows, negatives).
    pub seed: u64,
    /// Kept tokens after which a sentence is cut (word2vec.c `MAX_SENTENCE_LENGTH`). 1000.
    pub max_sentence_len: usize,
    /// Bytes of memory for the corpus encoded to word ids (1 to 5 bytes per in-vocabulary
    /// token, as a variable-length integer: 1.55 on average on English Wikipedia, where the
    /// 127 most frequent words take 1 byte), which a call training several epochs records
    /// in its first epoch so that later epochs skip tokenising and hash lookups. Beyond this
    /// budget the ids go to an anonymous temporary file instead; 0 turns the encoding off
    /// (every epoch reads the text). Default 1 GiB (about 700M tokens).
    pub encoded_corpus_memory: usize,
    /// Reproducible multi-threaded training: the same `seed`, corpus and settings give
    /// bit-identical vectors run after run and whatever `threads` is. The corpus is cut
    /// into 2 parts (whatever `threads` is); training goes in rounds, in which each part
    /// trains its next 16,384 recorded tokens from the same snapshot of p and p' into its
    /// own private copy, and the two parts' changes are then summed onto the snapshot in
    /// part order. Uses at most 2 threads, two more copies of p and p', and the corpus
    /// encoded to word ids ([`encoded_corpus_memory`](Self::encoded_corpus_memory),
    /// spilling to a temporary file beyond it, even when 0). Single process only. Default
    /// `false` (Hogwild: reproducible only with one thread).
    pub deterministic: bool,
    /// Shortest character n-gram of a subword model (fastText's `-minn`), in characters,
    /// counting the `<` and `>` word marks. Used only when `maxn > 0`. Default 3.
    pub minn: usize,
    /// Longest character n-gram (fastText's `-maxn`); 0 turns subwords off, the default:
    /// p is V×N and training is word-level. With `maxn > 0` the model also holds
    /// `bucket` n-gram rows (bucket×N) and a word's input vector is the average of its row
    /// of p and its n-gram rows (fastText, Bojanowski et al. 2017); see
    /// [`SkipGramModel::ngram_weights`](crate::SkipGramModel::ngram_weights).
    pub maxn: usize,
    /// Hash buckets for the n-grams (fastText's `-bucket`), at most `i32::MAX`; their rows
    /// take bucket × N × 4 bytes. Default 2,000,000.
    pub bucket: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            dim: 100,
            window: 5,
            objective: Objective::NegativeSampling,
            negative: 5,
            ns_direction: NsDirection::ContextPredictsCenter,
            ns_exponent: None,
            sample: 1e-3,
            vocab: VocabConfig::default(),
            epochs: 5,
            alpha: 0.025,
            min_alpha_fraction: 1e-4,
            threads: std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(Self::MAX_THREADS),
            seed: 1,
            max_sentence_len: 1000,
            encoded_corpus_memory: 1 << 30,
            deterministic: false,
            minn: 3,
            maxn: 0,
            bucket: 2_000_000,
        }
    }
}

impl TrainConfig {
    /// The largest accepted `dim`, `window`, `negative`, `epochs` and `max_sentence_len` (far beyond
    /// any useful setting; they keep buffer sizes from overflowing).
    pub const MAX_SIZE: usize = 1 << 20;

    /// The largest accepted `threads`.
    pub const MAX_THREADS: usize = 1024;

    /// The largest per-thread scratch space, in bytes (256 MiB): the rows of one batch,
    /// which grow with `window`, `negative`, `max_sentence_len` and `dim` together.
    pub const MAX_SCRATCH_BYTES: u64 = 256 << 20;

    /// Checks every setting: `dim`, `window` and `max_sentence_len` in
    /// 1..=[`MAX_SIZE`](Self::MAX_SIZE), `negative` ≤ `MAX_SIZE` (and ≥ 1 for negative
    /// sampling), `epochs` in 1..=`MAX_SIZE`, `threads` in 1..=[`MAX_THREADS`](Self::MAX_THREADS),
    /// `alpha` finite and > 0, `min_alpha_fraction` in [0, 1], `sample` finite and ≥ 0,
    /// `ns_exponent` finite, `max_final_vocab` and `max_vocab_size` ≥ 1 when set, the n-gram
    /// settings as [`NgramConfig::validate`] checks them (with `maxn > 0`: 1 ≤ `minn` ≤
    /// `maxn`, `bucket` in 1..=`i32::MAX`, negative sampling or hierarchical softmax, not
    /// `deterministic`), and a batch's scratch space (which multiplies window, negative and
    /// dim) within [`MAX_SCRATCH_BYTES`](Self::MAX_SCRATCH_BYTES).
    ///
    /// # Errors
    /// [`Error::OutOfRange`] naming the first setting out of its range (the field's name,
    /// the value and the range); [`Error::InvalidConfig`] for negative sampling with
    /// `negative = 0` and for scratch space beyond its bound.
    pub fn validate(&self) -> Result<()> {
        in_range("dim", self.dim, 1, Self::MAX_SIZE)?;
        in_range("window", self.window, 1, Self::MAX_SIZE)?;
        in_range("max_sentence_len", self.max_sentence_len, 1, Self::MAX_SIZE)?;
        in_range("negative", self.negative, 0, Self::MAX_SIZE)?;
        in_range("epochs", self.epochs, 1, Self::MAX_SIZE)?;
        in_range("threads", self.threads, 1, Self::MAX_THREADS)?;
        if self.objective == Objective::NegativeSampling && self.negative == 0 {
            return Err(invalid("negative sampling needs negative ≥ 1".into()));
        }
        check_alpha(self.alpha)?;
        if !(0.0..=1.0).contains(&self.min_alpha_fraction) {
            return Err(out_of_range(
                "min_alpha_fraction",
                self.min_alpha_fraction,
                "[0, 1]".into(),
            ));
        }
        check_sample(self.sample)?;
        check_ns_exponent(self.noise_exponent())?;
        self.vocab.validate()?;
        self.ngram_config().validate()?;
        if self.ngram_config().enabled() {
            if self.objective == Objective::Softmax {
                return Err(Error::InvalidConfig(
                    "subword training (maxn > 0) supports negative sampling and hierarchical \
                     softmax, not the full softmax"
                        .into(),
                ));
            }
            if self.deterministic {
                return Err(Error::InvalidConfig(
                    "subword training (maxn > 0) is not available in deterministic mode".into(),
                ));
            }
        }
        // Softmax needs V output rows, known only once the vocabulary is built; the engine
        // checks that case again with V.
        let bytes = self.scratch_bytes(0);
        if bytes > Self::MAX_SCRATCH_BYTES {
            return Err(invalid(format!(
                "window {}, negative {}, max_sentence_len {} and dim {} need {bytes} bytes of \
                 scratch space per thread, more than the {} allowed",
                self.window,
                self.negative,
                self.max_sentence_len,
                self.dim,
                Self::MAX_SCRATCH_BYTES
            )));
        }
        Ok(())
    }

    /// Bytes of one worker's scratch buffers for a vocabulary of `v` words (0 if unknown),
    /// computed in u128 so no product overflows, saturated to u64.
    pub(crate) fn scratch_bytes(&self, v: usize) -> u64 {
        let n = self.dim.next_multiple_of(8) as u128;
        let m = (2 * self.window as u128).min(self.max_sentence_len as u128);
        let rows = m.min(MAX_BLOCK_ROWS as u128).max(1);
        let (rows, o) = match self.objective {
            // Subwords: the center word's averaged rows against, per context word, it and
            // `negative` noise words or its Huffman path; plus three rows of N (average,
            // summed gradient, one input row).
            _ if self.maxn > 0 => {
                let per_pair = match self.objective {
                    Objective::HierarchicalSoftmax => 64,
                    _ => 1 + self.negative as u128,
                };
                (3, m.max(1) * per_pair)
            }
            Objective::Softmax => (1, v as u128),
            Objective::NegativeSampling => (rows, m.max(1) + self.negative as u128),
            // Huffman paths of real vocabularies are far shorter than 64 nodes.
            Objective::HierarchicalSoftmax => (rows, 64),
        };
        let floats = rows * n + 2 * o * n + rows * o;
        u64::try_from(floats * 4).unwrap_or(u64::MAX)
    }

    /// The n-gram settings `minn`, `maxn`, `bucket`.
    pub fn ngram_config(&self) -> NgramConfig {
        NgramConfig {
            minn: self.minn,
            maxn: self.maxn,
            bucket: self.bucket,
        }
    }

    /// The noise distribution's exponent: `ns_exponent` if set, else 0.75 for a word-level
    /// model and 0.5 with subwords (`maxn` > 0), as fastText.
    ///
    /// On the first half of 100 MB of English Wikipedia (2015, text8-style), 5 epochs of
    /// subword training (fastText's settings, 2 threads) scored 54.40 % / 0.551 (Google
    /// analogies / WS-353 ρ) at 0.5 against 53.60 % / 0.561 at 0.75, and fastText 54.66 % /
    /// 0.548; on the second half 54.02 % / 0.555 at 0.5 and fastText 54.25 % / 0.574.
    pub fn noise_exponent(&self) -> f64 {
        match self.ns_exponent {
            Some(e) => e,
            None if self.ngram_config().enabled() => 0.5,
            None => 0.75,
        }
    }

    /// The learning rate's floor α·`min_alpha_fraction`.
    pub fn min_alpha(&self) -> f32 {
        self.alpha * self.min_alpha_fraction
    }
}

/// Which loss the trainer minimises. With feature `serde` it is (de)serialised as the names
/// of its `Display`: `softmax`, `ns`, `hs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Objective {
    /// The exact V-way softmax of the tutorial's net (L. Lorenz, "Forward Propagation:
    /// Building a Skip-Gram Net From the Ground Up"): O(V·N) per center word, for small
    /// vocabularies.
    #[cfg_attr(feature = "serde", serde(rename = "softmax"))]
    Softmax,
    /// Negative sampling with `TrainConfig::negative` noise words per positive pair
    /// (Mikolov et al. 2013).
    #[cfg_attr(feature = "serde", serde(rename = "ns"))]
    NegativeSampling,
    /// Hierarchical softmax over a Huffman tree of the vocabulary (Mikolov et al. 2013,
    /// word2vec.c).
    #[cfg_attr(feature = "serde", serde(rename = "hs"))]
    HierarchicalSoftmax,
}

/// The direction in which a negative-sampling pair (center w, context c) is trained.
///
/// Summed over a corpus both see the same pairs, since c is in w's window exactly when w is
/// in c's. They differ in which embedding a pair moves and in how one center word's pairs
/// batch. Measured on 100 MB of English Wikipedia (2015, text8-style; 1 epoch, dim 100,
/// window 5, negative 5, sample 1e-4, 2 threads; analogy accuracy on the 30,000 most
/// frequent words, WordSim-353 Spearman ρ): `ContextPredictsCenter` 11.2 % and 0.488,
/// `CenterPredictsContext` 6.2 % and 0.476 in 25 % less time, so the default is
/// word2vec.c's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum NsDirection {
    /// word2vec.c's and gensim's loop: c's row of p against the output rows of w and of the
    /// noise words, which all contexts of w share (an m×(k+1) block).
    #[cfg_attr(feature = "serde", serde(rename = "context"))]
    ContextPredictsCenter,
    /// The tutorial's net: w's row of p (its projection) against the output rows of its m
    /// contexts and of k noise words shared by those m pairs, each noise term counted m
    /// times (a 1×(m+k) block). Noise words that are one of the contexts are redrawn
    /// no more than word2vec.c redraws a noise word equal to its target: they are skipped.
    #[cfg_attr(feature = "serde", serde(rename = "center"))]
    CenterPredictsContext,
}

/// `Display` and `FromStr` over a fixed table of names: the first name of a value is the one
/// it displays as; every name in the table parses.
pub(crate) fn parse_named<T: Copy>(
    setting: &'static str,
    table: &[(&str, T)],
    allowed: &'static str,
    s: &str,
) -> Result<T> {
    table
        .iter()
        .find(|(name, _)| *name == s)
        .map(|&(_, v)| v)
        .ok_or_else(|| Error::UnknownValue {
            setting,
            value: s.to_string(),
            allowed,
        })
}

impl Objective {
    const NAMES: [(&'static str, Objective); 3] = [
        ("softmax", Objective::Softmax),
        ("ns", Objective::NegativeSampling),
        ("hs", Objective::HierarchicalSoftmax),
    ];
}

/// `softmax`, `ns`, `hs` (the command line's `--loss` values).
impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Self::NAMES.iter().find(|(_, v)| v == self).map(|(n, _)| *n);
        f.write_str(name.unwrap_or_default())
    }
}

/// Parses `softmax`, `ns` or `hs`.
///
/// ```
/// use skipgram::Objective;
/// assert_eq!("hs".parse::<Objective>()?, Objective::HierarchicalSoftmax);
/// assert_eq!(Objective::NegativeSampling.to_string(), "ns");
/// assert!("bogus".parse::<Objective>().unwrap_err().to_string().contains("softmax, ns, hs"));
/// # Ok::<(), skipgram::Error>(())
/// ```
impl FromStr for Objective {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_named("loss", &Self::NAMES, "softmax, ns, hs", s)
    }
}

impl NsDirection {
    const NAMES: [(&'static str, NsDirection); 2] = [
        ("context", NsDirection::ContextPredictsCenter),
        ("center", NsDirection::CenterPredictsContext),
    ];
}

/// `context` ([`ContextPredictsCenter`](Self::ContextPredictsCenter)) or `center`
/// ([`CenterPredictsContext`](Self::CenterPredictsContext)).
impl fmt::Display for NsDirection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Self::NAMES.iter().find(|(_, v)| v == self).map(|(n, _)| *n);
        f.write_str(name.unwrap_or_default())
    }
}

/// Parses `context` or `center`.
impl FromStr for NsDirection {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_named(
            "negative-sampling direction",
            &Self::NAMES,
            "context, center",
            s,
        )
    }
}

fn invalid(message: String) -> Error {
    Error::InvalidConfig(message)
}

fn out_of_range(setting: &'static str, value: impl std::fmt::Display, allowed: String) -> Error {
    Error::OutOfRange {
        setting,
        value: value.to_string(),
        allowed,
    }
}

fn in_range(setting: &'static str, value: usize, lo: usize, hi: usize) -> Result<()> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else if hi == usize::MAX {
        Err(out_of_range(setting, value, format!("at least {lo}")))
    } else {
        Err(out_of_range(setting, value, format!("{lo}..={hi}")))
    }
}

/// A learning rate: finite and > 0.
pub(crate) fn check_alpha(alpha: f32) -> Result<()> {
    if alpha > 0.0 && alpha.is_finite() {
        Ok(())
    } else {
        Err(out_of_range("alpha", alpha, "finite and > 0".into()))
    }
}

/// A subsampling threshold: finite and ≥ 0.
pub(crate) fn check_sample(sample: f64) -> Result<()> {
    if sample >= 0.0 && sample.is_finite() {
        Ok(())
    } else {
        Err(out_of_range("sample", sample, "finite and ≥ 0".into()))
    }
}

/// A noise-distribution exponent: finite.
pub(crate) fn check_ns_exponent(e: f64) -> Result<()> {
    if e.is_finite() {
        Ok(())
    } else {
        Err(out_of_range("ns_exponent", e, "finite".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_setting_out_of_range_is_named() {
        let ok = TrainConfig::default();
        assert!(ok.validate().is_ok());
        let cases: Vec<(TrainConfig, &str)> = vec![
            (TrainConfig { dim: 0, ..ok }, "dim"),
            (TrainConfig { window: 0, ..ok }, "window"),
            (TrainConfig { threads: 0, ..ok }, "threads"),
            (
                TrainConfig {
                    threads: 1 << 20,
                    ..ok
                },
                "threads",
            ),
            (TrainConfig { epochs: 0, ..ok }, "epochs"),
            (TrainConfig { negative: 0, ..ok }, "negative"),
            (
                TrainConfig {
                    alpha: f32::NAN,
                    ..ok
                },
                "alpha",
            ),
            (TrainConfig { sample: -1.0, ..ok }, "sample"),
            (
                TrainConfig {
                    ns_exponent: Some(f64::INFINITY),
                    ..ok
                },
                "ns_exponent",
            ),
            (
                TrainConfig {
                    min_alpha_fraction: 2.0,
                    ..ok
                },
                "min_alpha_fraction",
            ),
            (
                TrainConfig {
                    vocab: VocabConfig {
                        max_final_vocab: Some(0),
                        ..ok.vocab
                    },
                    ..ok
                },
                "max_final_vocab",
            ),
            (
                TrainConfig {
                    vocab: VocabConfig {
                        max_vocab_size: Some(0),
                        ..ok.vocab
                    },
                    ..ok
                },
                "max_vocab_size",
            ),
        ];
        for (cfg, name) in cases {
            match cfg.validate() {
                Err(Error::OutOfRange { setting, .. }) => assert_eq!(setting, name),
                // A cross-setting rule: negative sampling with no negatives.
                Err(Error::InvalidConfig(m)) if name == "negative" => {
                    assert!(m.contains("negative"), "{m}")
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        match (TrainConfig { dim: 0, ..ok }).validate() {
            Err(e @ Error::OutOfRange { .. }) => {
                assert_eq!(
                    e.to_string(),
                    format!(
                        "dim = 0 is out of range: expected 1..={}",
                        TrainConfig::MAX_SIZE
                    )
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_noise_exponent_defaults_to_the_models_own() {
        let words = TrainConfig::default();
        assert_eq!(words.noise_exponent(), 0.75);
        let subwords = TrainConfig {
            maxn: 6,
            ..Default::default()
        };
        assert_eq!(subwords.noise_exponent(), 0.5);
        for cfg in [words, subwords] {
            let set = TrainConfig {
                ns_exponent: Some(0.6),
                ..cfg
            };
            assert_eq!(set.noise_exponent(), 0.6);
        }
    }

    #[test]
    fn products_of_allowed_sizes_are_bounded() {
        // Each within MAX_SIZE, but together 8 TiB of scratch space.
        let cfg = TrainConfig {
            window: 1 << 20,
            negative: 1 << 20,
            max_sentence_len: 1 << 20,
            ..Default::default()
        };
        let msg = cfg.validate().unwrap_err().to_string();
        assert!(msg.contains("scratch space"), "{msg}");
        // The defaults need a few kilobytes.
        assert!(TrainConfig::default().scratch_bytes(0) < 1 << 16);
        // Softmax with a huge vocabulary counts V output rows.
        let sm = TrainConfig {
            objective: Objective::Softmax,
            ..Default::default()
        };
        assert!(sm.scratch_bytes(usize::MAX) > TrainConfig::MAX_SCRATCH_BYTES);
    }
}
