//! Phrase detection (word2phrase): learn frequent collocations such as "new york" and join
//! them into single tokens (`new_york`) before training.
//!
//! Mikolov et al. 2013, "Distributed Representations of Words and Phrases and their
//! Compositionality", section 4, score a bigram *a b* by
//!
//! ```text
//! score(a, b) = (count(ab) − δ) / (count(a) · count(b))
//! ```
//!
//! where the discount δ keeps rare pairs out; a pair whose score exceeds a threshold becomes
//! one token. word2vec.c ships the step as `word2phrase`; gensim's `Phrases` is the same idea
//! with optional *connector words* ("bank_of_america"). Running it again on its own output
//! (a second pass) builds phrases of 3 and 4 words, as word2vec.c's demo does.
//!
//! Three scorers ([`Scoring`]) — the scale factor is where word2vec.c and gensim differ:
//!
//! | scorer | formula | threshold |
//! |---|---|---|
//! | [`Scoring::GensimDefault`] | (ab − δ) / (a · b) · \|vocab\| (gensim's `original_scorer`: \|vocab\| is the number of unigram + phrase entries in the count table) | > 0, gensim default 10 |
//! | [`Scoring::Word2VecC`] | (ab − δ) / a / b · total words (word2vec.c's `word2phrase`; a, b and ab must each reach `min_count`) | > 0, word2vec.c default 100 |
//! | [`Scoring::Npmi`] | ln(p(ab) / (p(a) p(b))) / −ln(p(ab)), p(x) = count(x) / total words (Bouma 2009; gensim's `npmi_scorer`; ab must reach `min_count`) | in [−1, 1] |
//!
//! Counts follow gensim's `Phrases`: connector words are not counted as unigrams; a phrase
//! is a non-connector word, any connector words, and the next non-connector word; phrases
//! never cross a sentence boundary; "total words" counts every token, connectors included.
//! Joining is greedy from the left, as in both word2vec.c and gensim.
//!
//! ```
//! use skipgram::phrases::{PhraseModel, Phrases, PhrasesConfig};
//!
//! let mut text = vec!["i like new york in the spring"; 20];
//! text.extend(["new cars are shiny", "york is old", "spring is new"]);
//! let sentences = text.iter().map(|s| s.split(' '));
//! // gensim's scaling by the table size needs a low threshold on a corpus this small.
//! let config = PhrasesConfig { min_count: 2, threshold: 0.5, ..Default::default() };
//! let phrases = Phrases::learn(config, sentences)?;
//! // (20 − δ) / (count(new) · count(york)) · |vocab| = 18 / (22 · 21) · 21
//! assert!((phrases.score(&["new", "york"]).unwrap() - 18.0 / 22.0).abs() < 1e-12);
//! assert_eq!(phrases.apply_sentence(["new", "york", "is", "big"]), ["new_york", "is", "big"]);
//! // The table to ship with a model: only the phrases that pass the threshold.
//! let frozen = phrases.freeze();
//! assert_eq!(frozen.apply_sentence("in new york".split(' ')), ["in", "new_york"]);
//! # Ok::<(), skipgram::Error>(())
//! ```
//!
//! ## Memory
//!
//! Bigram types are what grows: on the first 100 MB of English Wikipedia (16.9M tokens)
//! the table holds 6.0M entries with the default settings. A plain bigram entry costs 16
//! bytes (two `u32` word ids and a `u64` count) plus a control byte in a hash table at most
//! 7/8 full, so 19–39 bytes depending on where the table is between doublings; a phrase
//! with one or two connector words inside 24 bytes (so 28–55), one with more about 60–90
//! bytes (its id list is heap-allocated); a unigram about 80 bytes plus its length (twice
//! its length for words over 15 bytes). When the table holds more than
//! `max_vocab_size` entries it is pruned as gensim's
//! `Phrases(max_vocab_size=…)` does: see [`PhrasesConfig::max_vocab_size`].

mod apply;
mod count;
mod frozen;
mod io;
mod learn;
mod parallel;

use std::collections::BTreeSet;

pub use apply::{PhraseModel, Phrased, PhrasedTokens};
pub use frozen::FrozenPhrases;

use crate::error::{Error, Result};
use count::Table;

/// gensim's `ENGLISH_CONNECTOR_WORDS`: articles, some prepositions and conjunctions, which may
/// sit inside a phrase ("bank_of_america") but never start or end one.
pub const ENGLISH_CONNECTOR_WORDS: [&str; 15] = [
    "a", "an", "the", "for", "of", "with", "without", "at", "from", "to", "in", "on", "by", "and",
    "or",
];

/// How a candidate phrase is scored; see the [module documentation](self) for the formulas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Scoring {
    /// gensim's default (`original_scorer`): (ab − δ) / (a · b) · |vocab|, with |vocab| the
    /// number of entries (unigrams and phrases) in the count table after pruning.
    #[default]
    GensimDefault,
    /// word2vec.c's `word2phrase`: (ab − δ) / a / b · total words; a, b and ab must each be
    /// at least `min_count`.
    Word2VecC,
    /// Normalised pointwise mutual information (Bouma 2009, gensim's `npmi`), in [−1, 1];
    /// ab must be at least `min_count`. δ is not used.
    Npmi,
}

impl Scoring {
    const NAMES: [(&'static str, Scoring); 3] = [
        ("gensim", Scoring::GensimDefault),
        ("word2vec", Scoring::Word2VecC),
        ("npmi", Scoring::Npmi),
    ];
}

/// The name used on the command line and in saved files: `gensim`, `word2vec`, `npmi`.
impl std::fmt::Display for Scoring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = Self::NAMES.iter().find(|(_, v)| v == self).map(|(n, _)| *n);
        f.write_str(name.unwrap_or_default())
    }
}

/// Parses `gensim`, `word2vec` or `npmi`.
///
/// ```
/// use skipgram::phrases::Scoring;
/// assert_eq!("npmi".parse::<Scoring>()?, Scoring::Npmi);
/// assert_eq!(Scoring::GensimDefault.to_string(), "gensim");
/// # Ok::<(), skipgram::Error>(())
/// ```
impl std::str::FromStr for Scoring {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        crate::train::parse_named("scorer", &Self::NAMES, "gensim, word2vec, npmi", s)
    }
}

/// Settings of a [`Phrases`] model.
///
/// [`Default`] is gensim 4.4's `Phrases` defaults (`min_count` 5, threshold 10, δ =
/// `min_count`, delimiter `_`, gensim's scaling, `max_vocab_size` 40 000 000) except that the
/// connector words are [`ENGLISH_CONNECTOR_WORDS`] (gensim's default is none: see
/// [`PhrasesConfig::gensim`]); [`PhrasesConfig::word2vec`] is word2vec.c's `word2phrase`.
#[derive(Clone, Debug, PartialEq)]
pub struct PhrasesConfig {
    /// Minimum count: the δ of the default scorers unless `delta` is set, and for
    /// [`Scoring::Word2VecC`] and [`Scoring::Npmi`] the least count a phrase (and for
    /// word2vec.c each word) must have. At least 1.
    pub min_count: u64,
    /// A candidate becomes a phrase if its score is strictly greater than this. Positive for
    /// the default scorers, in [−1, 1] for [`Scoring::Npmi`].
    pub threshold: f64,
    /// The discount δ of the default scorers; `None` means `min_count` (as word2vec.c and
    /// gensim do). Finite and ≥ 0.
    pub delta: Option<f64>,
    /// The scorer.
    pub scoring: Scoring,
    /// Joins the words of a phrase: non-empty, no whitespace.
    pub delimiter: String,
    /// Words that may sit inside a phrase but never start or end one; not counted as
    /// unigrams. Non-empty, no whitespace.
    pub connector_words: BTreeSet<String>,
    /// The bound on unigram + phrase entries held while counting (≥ 1), as gensim's
    /// `Phrases(max_vocab_size=…)`: after each sentence, if the table holds more, every entry
    /// with a count below `min_reduce` is removed and `min_reduce` (starting at 1, so the
    /// first round removes nothing) rises by one — gensim's `utils.prune_vocab`, with the
    /// same result as gensim (tested). gensim lets one long line grow without bound; here a
    /// table reaching 2·`max_vocab_size` entries within a sentence is pruned at once, round
    /// after round, down to `max_vocab_size`, so memory stays bounded on one-line corpora.
    ///
    /// An entry pruned early restarts from zero, so counts after a prune are *under*counts
    /// (never over): a phrase whose words or pair were rare early in the corpus can be
    /// missed, and |vocab| of the gensim scaling shrinks, which lowers every score.
    pub max_vocab_size: usize,
}

impl Default for PhrasesConfig {
    fn default() -> Self {
        PhrasesConfig {
            connector_words: ENGLISH_CONNECTOR_WORDS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            ..PhrasesConfig::gensim()
        }
    }
}

/// Largest `max_vocab_size` accepted (word ids are `u32`).
pub const MAX_VOCAB_SIZE: usize = 1 << 30;

impl PhrasesConfig {
    /// gensim 4.4's `Phrases()` defaults exactly: min_count 5, threshold 10, gensim's
    /// scaling, no connector words, max_vocab_size 40 000 000.
    pub fn gensim() -> Self {
        PhrasesConfig {
            min_count: 5,
            threshold: 10.0,
            delta: None,
            scoring: Scoring::GensimDefault,
            delimiter: "_".into(),
            connector_words: BTreeSet::new(),
            max_vocab_size: 40_000_000,
        }
    }

    /// word2vec.c's `word2phrase` defaults: min_count 5, threshold 100, its scaling by the
    /// total word count, no connector words. (word2vec.c's table holds at most 0.7 · 500M
    /// entries; here `max_vocab_size` is gensim's 40 000 000.)
    pub fn word2vec() -> Self {
        PhrasesConfig {
            threshold: 100.0,
            scoring: Scoring::Word2VecC,
            ..PhrasesConfig::gensim()
        }
    }

    /// Checks every setting.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the first bad setting.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidConfig(m));
        if self.min_count == 0 {
            return bad("phrases min_count must be at least 1".into());
        }
        match self.scoring {
            Scoring::Npmi if !(-1.0..=1.0).contains(&self.threshold) => {
                return bad(format!(
                    "npmi threshold must be in [-1, 1], got {}",
                    self.threshold
                ))
            }
            Scoring::GensimDefault | Scoring::Word2VecC
                if !(self.threshold > 0.0 && self.threshold.is_finite()) =>
            {
                return bad(format!(
                    "phrases threshold must be positive and finite, got {}",
                    self.threshold
                ))
            }
            _ => {}
        }
        if let Some(d) = self.delta {
            if !(d >= 0.0 && d.is_finite()) {
                return bad(format!("phrases delta must be finite and >= 0, got {d}"));
            }
        }
        let no_ws = |s: &str| !s.is_empty() && !s.chars().any(char::is_whitespace);
        if !no_ws(&self.delimiter) {
            return bad(format!(
                "phrase delimiter {:?} must be non-empty without whitespace",
                self.delimiter
            ));
        }
        if let Some(w) = self.connector_words.iter().find(|w| !no_ws(w)) {
            return bad(format!(
                "connector word {w:?} must be non-empty without whitespace"
            ));
        }
        if self.max_vocab_size == 0 || self.max_vocab_size > MAX_VOCAB_SIZE {
            return bad(format!(
                "max_vocab_size must be in 1..={MAX_VOCAB_SIZE}, got {}",
                self.max_vocab_size
            ));
        }
        Ok(())
    }

    fn delta(&self) -> f64 {
        self.delta.unwrap_or(self.min_count as f64)
    }

    /// The score of a phrase from its counts: `a`, `b` the counts of its first and last word,
    /// `ab` of the phrase, `len_vocab` the table's entries, `total` the token count. `None`
    /// where gensim's scorer gives −∞ (a zero count, or a count below `min_count` where the
    /// scorer requires it). No threshold is applied.
    pub fn score(&self, a: u64, b: u64, ab: u64, len_vocab: u64, total: u64) -> Option<f64> {
        if a == 0 || b == 0 || ab == 0 {
            return None;
        }
        let s = match self.scoring {
            Scoring::GensimDefault => {
                (ab as f64 - self.delta()) / (u128::from(a) * u128::from(b)) as f64
                    * len_vocab as f64
            }
            Scoring::Word2VecC => {
                let m = self.min_count;
                if a < m || b < m || ab < m {
                    return None;
                }
                (ab as f64 - self.delta()) / a as f64 / b as f64 * total as f64
            }
            Scoring::Npmi => {
                if ab < self.min_count {
                    return None;
                }
                let n = total as f64;
                let (pa, pb, pab) = (a as f64 / n, b as f64 / n, ab as f64 / n);
                (pab / (pa * pb)).ln() / -pab.ln()
            }
        };
        (!s.is_nan()).then_some(s)
    }
}

/// A phrase model learned from a corpus: unigram and phrase counts (gensim's `Phrases`).
///
/// Learn it with [`Phrases::learn`] (sentences), [`Phrases::learn_corpus`] (a [`Corpus`](crate::Corpus),
/// streamed), or add more text later; apply it through [`PhraseModel`]; ship it as a
/// [`FrozenPhrases`] from [`Phrases::freeze`].
#[derive(Clone, Debug)]
pub struct Phrases {
    config: PhrasesConfig,
    table: Table,
}

impl Phrases {
    /// An empty model (no counts yet).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if `config` is invalid ([`PhrasesConfig::validate`]).
    pub fn new(config: PhrasesConfig) -> Result<Self> {
        config.validate()?;
        let table = Table::new(config.connector_words.iter().map(String::as_str));
        Ok(Phrases { config, table })
    }

    /// The settings.
    pub fn config(&self) -> &PhrasesConfig {
        &self.config
    }

    /// Every token counted so far, connector words included (gensim's `corpus_word_count`).
    pub fn total_words(&self) -> u64 {
        self.table.total_words
    }

    /// Entries in the count table, unigrams + phrases (gensim's `len(vocab)`, the scale of
    /// [`Scoring::GensimDefault`]).
    pub fn len_vocab(&self) -> usize {
        self.table.len()
    }

    /// The count of a unigram (0 for connector words and unseen or pruned words).
    pub fn count(&self, word: &str) -> u64 {
        self.table.id(word).map_or(0, |id| self.table.count(id))
    }

    /// The count of the phrase `words` (first word, connector words, last word).
    pub fn phrase_count(&self, words: &[&str]) -> u64 {
        if words.len() < 2 {
            return 0;
        }
        let ids: Option<Vec<u32>> = words.iter().map(|w| self.table.id(w)).collect();
        ids.map_or(0, |ids| self.table.phrase_count(&ids))
    }

    /// The score of the phrase `words` (≥ 2 words: first, connectors, last) whether or not it
    /// passes the threshold; `None` where gensim's score is −∞ (see [`PhrasesConfig::score`]).
    pub fn score(&self, words: &[&str]) -> Option<f64> {
        let (first, last) = (words.first()?, words.last()?);
        self.config.score(
            self.count(first),
            self.count(last),
            self.phrase_count(words),
            self.table.len() as u64,
            self.table.total_words,
        )
    }

    fn score_ids(&self, ids: &[u32]) -> Option<f64> {
        let (a, b) = (ids[0], ids[ids.len() - 1]);
        let s = self.config.score(
            self.table.count(a),
            self.table.count(b),
            self.table.phrase_count(ids),
            self.table.len() as u64,
            self.table.total_words,
        )?;
        (s > self.config.threshold).then_some(s)
    }

    /// Every phrase in the table that passes the threshold, joined with the delimiter, with
    /// its score; highest score first (ties by phrase). gensim's `export_phrases`.
    pub fn export_phrases(&self) -> Vec<(String, f64)> {
        let mut v: Vec<(String, f64)> = self
            .passing()
            .map(|(ids, s)| (self.join_ids(&ids), s))
            .collect();
        sort_phrases(&mut v);
        v
    }

    fn join_ids(&self, ids: &[u32]) -> String {
        let words: Vec<&str> = ids.iter().map(|&i| self.table.word(i)).collect();
        words.join(&self.config.delimiter)
    }

    /// Phrases passing the threshold as (word ids, score).
    fn passing(&self) -> impl Iterator<Item = (Vec<u32>, f64)> + '_ {
        self.table
            .phrases()
            .filter_map(|(ids, _)| self.score_ids(&ids).map(|s| (ids, s)))
    }

    /// The frozen table: only the phrases that pass the threshold, with their scores (gensim's
    /// `FrozenPhrases`). It applies exactly as `self` does, is small enough to ship with a
    /// model, and cannot learn more.
    pub fn freeze(&self) -> FrozenPhrases {
        let entries = self.passing().map(|(ids, s)| {
            let words: Vec<&str> = ids.iter().map(|&i| self.table.word(i)).collect();
            (words, s)
        });
        FrozenPhrases::from_parts(
            self.config.scoring,
            self.config.threshold,
            self.config.delimiter.clone(),
            self.table.connector_words(),
            entries,
        )
    }
}

impl PhraseModel for Phrases {
    fn delimiter(&self) -> &str {
        &self.config.delimiter
    }

    fn is_connector(&self, word: &str) -> bool {
        self.table
            .id(word)
            .is_some_and(|id| self.table.is_connector(id))
    }

    fn score_candidate(&self, first: &str, between: &[String], last: &str) -> Option<f64> {
        let mut ids = Vec::with_capacity(between.len() + 2);
        ids.push(self.table.id(first)?);
        for w in between {
            ids.push(self.table.id(w)?);
        }
        ids.push(self.table.id(last)?);
        self.score_ids(&ids)
    }
}

/// Sorts by descending score, then by phrase.
fn sort_phrases(v: &mut [(String, f64)]) {
    v.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
}
