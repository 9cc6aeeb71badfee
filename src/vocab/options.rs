//! The options of a vocabulary count ([`CountOptions`]): threads, `min_count`, the final
//! size limit, and the bound on types held while counting, with what that bound costs.

use crate::error::{Error, Result};
#[cfg(doc)]
use crate::{Vocabulary, VocabularyBuilder};

/// How to count a corpus's word types and build its [`Vocabulary`]: threads, `min_count`,
/// the final size limit, and the bound on types held while counting.
///
/// Used by [`Corpus::build_vocabulary_with`](crate::Corpus::build_vocabulary_with) and
/// [`Corpus::count_words`](crate::Corpus::count_words), and by
/// [`VocabularyBuilder::from_config`] (with [`CountOptions::vocab`]; a builder counts on one
/// thread).
///
/// ```
/// use skipgram::{CountOptions, Corpus, VocabConfig};
/// let corpus = Corpus::from_text("a b a c b a\nd a");
/// let opts = CountOptions { threads: 2, vocab: VocabConfig { min_count: 2, ..Default::default() } };
/// let v = corpus.build_vocabulary_with(&opts)?;
/// assert_eq!(v.words(), ["a", "b"]);
/// assert_eq!(v.counts(), [4, 2]);
/// # Ok::<(), skipgram::Error>(())
/// ```
///
/// # Bounded counting
///
/// A corpus with tens of millions of distinct types (typos, numbers, URLs) needs a map entry
/// per type while it is counted, even though almost all of them will fall below `min_count`.
/// [`VocabConfig::max_vocab_size`] bounds the map: whenever a new type would make it hold
/// more than `max_vocab_size` types, the rarest are pruned, as word2vec.c's `ReduceVocab`
/// does (and gensim's `max_vocab_size`, through `prune_vocab`): every type whose count so far
/// is at most `t` is dropped, with `t` = 1 at the first pruning and one more at each
/// following one, repeated until the map is within the bound.
///
/// Pruning trades exactness for memory: a type dropped at threshold `t` loses the (at most
/// `t`) occurrences seen so far, and starts again from 0 if it occurs later. Frequent words
/// are unaffected once their count is above the thresholds reached, but a mid-frequency word
/// whose occurrences are spread thinly through the corpus can be undercounted — at most by
/// the sum of the thresholds of the prunings that dropped it — or dropped altogether, and so
/// fall below `min_count` where an exact count would keep it. Without pruning (no bound, or
/// the bound never reached) counts are exact. Measured by `scripts/vocab_scaling.sh` on the
/// first 30 MB of English Wikipedia with 3 million one-off tokens interleaved (8.1 million
/// tokens, 3.1 million types), `max_vocab_size` 500,000 keeps the same 1,000 most frequent
/// words, all with their exact counts but one ("ruth": 540 instead of 542, pruned early
/// before the article that uses it), at a quarter to a half of the peak memory with
/// `min_count` 5 (40 MB instead of 143 MB on one thread; 79 MB instead of 160 MB on two).
///
/// # Memory
///
/// A held word of up to 23 bytes is stored inline in its hash-map slot: 24 bytes of word, an
/// 8-byte count and one control byte, with no allocation of its own; longer words take a
/// `Box<str>` slot in a second map plus their heap allocation. The short words are spread
/// over 256 tables by a hash of the word; each keeps its load factor at most 7/8 and
/// doubles its capacity on its own as it grows, so only one small table is ever held twice
/// for a moment. Measured by `scripts/vocab_scaling.sh` (peak RSS less the RSS of a run on
/// a tiny file, divided by the bound; English words and 10-byte one-off tokens), the peak
/// is about **72–79 bytes per held type** at every bound from 250,000 to 2,000,000.
/// Counting on `T` threads holds `T` sets of tables, so the memory of counting is at most
/// about `T × max_vocab_size × 80` bytes, plus a 1 MiB read buffer per thread; building
/// the [`Vocabulary`] afterwards adds about 105 bytes per type that reaches `min_count`
/// (measured with `min_count` 1 on 3.1 million types).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CountOptions {
    /// Threads counting in parallel, each over its own byte range of the corpus (at least
    /// 1; default 1). Without `max_vocab_size` pruning the vocabulary does not depend on it.
    pub threads: usize,
    /// Which types to keep, and how many to hold while counting.
    pub vocab: VocabConfig,
}

impl Default for CountOptions {
    fn default() -> Self {
        CountOptions {
            threads: 1,
            vocab: VocabConfig::default(),
        }
    }
}

impl CountOptions {
    /// Checks the options.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if `threads` is 0; [`Error::OutOfRange`] as
    /// [`VocabConfig::validate`].
    pub fn validate(&self) -> Result<()> {
        if self.threads == 0 {
            return Err(Error::InvalidConfig(
                "threads is 0: counting needs at least 1 thread".into(),
            ));
        }
        self.vocab.validate()
    }
}

/// The vocabulary settings: which word types a count keeps (`min_count`, `max_final_vocab`)
/// and how many it holds while counting (`max_vocab_size`). One value serves counting
/// ([`CountOptions::vocab`]) and training ([`TrainConfig::vocab`](crate::TrainConfig::vocab)).
/// Defaults follow word2vec.c and gensim: `min_count` 5, no limits.
///
/// ```
/// use skipgram::{Corpus, CountOptions, VocabConfig};
/// let corpus = Corpus::from_text("a b a c b a\nd a");
/// let vocab = VocabConfig { min_count: 2, ..Default::default() };
/// let v = corpus.build_vocabulary_with(&CountOptions { threads: 2, vocab })?;
/// assert_eq!(v.words(), ["a", "b"]);
/// # Ok::<(), skipgram::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct VocabConfig {
    /// Keep only types seen at least this many times (word2vec.c `-min-count`, gensim
    /// `min_count`; default 5).
    pub min_count: u64,
    /// Keep at most this many types, the most frequent (ties: byte order of the word);
    /// gensim's `max_final_vocab`. `None` (default): no limit. Unlike gensim, which raises
    /// `min_count` until at most this many types remain (and so may keep fewer), the sorted
    /// list is cut at exactly this size.
    pub max_final_vocab: Option<usize>,
    /// Hold at most this many types while counting, pruning the rarest when it is exceeded
    /// (gensim's `max_vocab_size`, word2vec.c's `ReduceVocab`; see
    /// [`CountOptions`] for the rule, the undercounting it can cause and the memory per
    /// type). The bound applies to each thread's map and again to the merged counts.
    /// `None` (default): exact counts, unbounded memory.
    pub max_vocab_size: Option<usize>,
}

impl Default for VocabConfig {
    fn default() -> Self {
        VocabConfig {
            min_count: 5,
            max_final_vocab: None,
            max_vocab_size: None,
        }
    }
}

impl VocabConfig {
    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] if `max_final_vocab` is `Some(0)` (the vocabulary would be
    /// empty) or `max_vocab_size` is `Some(0)`.
    pub fn validate(&self) -> Result<()> {
        check_final(self.max_final_vocab)?;
        if self.max_vocab_size == Some(0) {
            return Err(Error::OutOfRange {
                setting: "max_vocab_size",
                value: "0".into(),
                allowed: "at least 1 (None for no bound)".into(),
            });
        }
        Ok(())
    }
}

/// [`Error::OutOfRange`] for a `max_final_vocab` of 0, which would leave no word.
pub(crate) fn check_final(max_final_vocab: Option<usize>) -> Result<()> {
    if max_final_vocab == Some(0) {
        return Err(Error::OutOfRange {
            setting: "max_final_vocab",
            value: "0".into(),
            allowed: "at least 1: 0 would leave no word (None for no limit)".into(),
        });
    }
    Ok(())
}
