//! The frozen phrase table: phrase → score, only the phrases that pass the threshold.

use rustc_hash::FxHashMap;

use super::count::pair_key;
use super::{sort_phrases, PhraseModel, Scoring};

/// A frozen phrase table (gensim's `FrozenPhrases`): the phrases of a [`Phrases`](super::Phrases)
/// model that pass its threshold, each with its score, and nothing else — no counts, so it
/// cannot learn more, but it is small enough to ship with a model and applies exactly as the
/// model it came from. Made by [`Phrases::freeze`](super::Phrases::freeze); saved and loaded
/// with [`FrozenPhrases::save`] / [`FrozenPhrases::load`].
///
/// Memory: each distinct word of a phrase once (its string twice, plus about 60 bytes), 16
/// bytes per two-word phrase in a hash table at most 7/8 full, a heap-allocated id list per
/// phrase with connector words inside.
#[derive(Clone, Debug)]
pub struct FrozenPhrases {
    pub(crate) scoring: Scoring,
    pub(crate) threshold: f64,
    pub(crate) delimiter: String,
    index: FxHashMap<Box<str>, u32>,
    words: Vec<Box<str>>,
    connectors: u32,
    pairs: FxHashMap<u64, f64>,
    longer: FxHashMap<Box<[u32]>, f64>,
}

impl FrozenPhrases {
    /// Builds a table from its parts; `entries` are (words of the phrase, score).
    pub(crate) fn from_parts<'a, W>(
        scoring: Scoring,
        threshold: f64,
        delimiter: String,
        connectors: impl IntoIterator<Item = &'a str>,
        entries: impl IntoIterator<Item = (W, f64)>,
    ) -> Self
    where
        W: AsRef<[&'a str]>,
    {
        let mut f = FrozenPhrases {
            scoring,
            threshold,
            delimiter,
            index: FxHashMap::default(),
            words: Vec::new(),
            connectors: 0,
            pairs: FxHashMap::default(),
            longer: FxHashMap::default(),
        };
        for c in connectors {
            f.intern(c);
        }
        f.connectors = f.words.len() as u32;
        for (words, score) in entries {
            f.insert(words.as_ref(), score);
        }
        f
    }

    fn intern(&mut self, w: &str) -> u32 {
        if let Some(&id) = self.index.get(w) {
            return id;
        }
        let id = self.words.len() as u32;
        self.index.insert(w.into(), id);
        self.words.push(w.into());
        id
    }

    /// Adds a phrase; returns false if it was already present.
    pub(crate) fn insert(&mut self, words: &[&str], score: f64) -> bool {
        let ids: Vec<u32> = words.iter().map(|w| self.intern(w)).collect();
        match ids[..] {
            [a, b] => self.pairs.insert(pair_key(a, b), score).is_none(),
            _ => self.longer.insert(ids.into(), score).is_none(),
        }
    }

    /// Whether `word` may begin or end a phrase of this table: not a connector word.
    pub(crate) fn connector_id(&self, id: u32) -> bool {
        id < self.connectors
    }

    /// The scorer the scores came from.
    pub fn scoring(&self) -> Scoring {
        self.scoring
    }

    /// The threshold the phrases passed.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Number of phrases.
    pub fn len(&self) -> usize {
        self.pairs.len() + self.longer.len()
    }

    /// Whether the table holds no phrase.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The connector words, sorted.
    pub fn connector_words(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.words[..self.connectors as usize]
            .iter()
            .map(|w| &**w)
            .collect();
        v.sort_unstable();
        v
    }

    /// The score of the phrase `words` (first word, connector words, last word), if it is in
    /// the table.
    pub fn score(&self, words: &[&str]) -> Option<f64> {
        let ids: Vec<u32> = words
            .iter()
            .map(|w| self.index.get(*w).copied())
            .collect::<Option<_>>()?;
        match ids[..] {
            [a, b] => self.pairs.get(&pair_key(a, b)).copied(),
            [_, _, _, ..] => self.longer.get(&ids[..]).copied(),
            _ => None,
        }
    }

    /// Every phrase as (words, score), in no particular order.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (Vec<&str>, f64)> {
        let w = |id: u32| &*self.words[id as usize];
        self.pairs
            .iter()
            .map(move |(&k, &s)| (vec![w((k >> 32) as u32), w(k as u32)], s))
            .chain(
                self.longer
                    .iter()
                    .map(move |(k, &s)| (k.iter().map(|&i| w(i)).collect(), s)),
            )
    }

    /// Every phrase joined with the delimiter, with its score; highest score first (ties by
    /// phrase).
    pub fn phrases(&self) -> Vec<(String, f64)> {
        let mut v: Vec<(String, f64)> = self
            .entries()
            .map(|(w, s)| (w.join(&self.delimiter), s))
            .collect();
        sort_phrases(&mut v);
        v
    }
}

impl PhraseModel for FrozenPhrases {
    fn delimiter(&self) -> &str {
        &self.delimiter
    }

    fn is_connector(&self, word: &str) -> bool {
        self.index
            .get(word)
            .is_some_and(|&id| self.connector_id(id))
    }

    fn score_candidate(&self, first: &str, between: &[String], last: &str) -> Option<f64> {
        let s = match between {
            [] => {
                let a = *self.index.get(first)?;
                let b = *self.index.get(last)?;
                *self.pairs.get(&pair_key(a, b))?
            }
            _ => {
                let mut ids = Vec::with_capacity(between.len() + 2);
                ids.push(*self.index.get(first)?);
                for w in between {
                    ids.push(*self.index.get(w.as_str())?);
                }
                ids.push(*self.index.get(last)?);
                *self.longer.get(&ids[..])?
            }
        };
        (s > self.threshold).then_some(s)
    }
}
