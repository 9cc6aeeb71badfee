//! The vocabulary: the deduplicated, ordered list of word types the net knows.
//!
//! In the words of L. Lorenz's tutorial ("Forward Propagation: Building a Skip-Gram Net From
//! the Ground Up", District Data Labs), "a vocabulary (v) is a deduplicated, ordered list of
//! all the distinct words in our corpus"; a word's position in that list is its index, the
//! position of the 1 in its [`OneHot`](crate::OneHot) vector and the row of p that is its
//! embedding.

mod count;
mod key;
mod options;

use key::WordIndex;

use crate::error::{Error, Result};

pub use count::VocabularyBuilder;
pub use options::{CountOptions, VocabConfig};

/// An ordered list of word types with their corpus counts and a word → index map.
///
/// Built either from tokens ([`Vocabulary::from_tokens`], [`VocabularyBuilder`]), sorted by
/// descending count with ties broken by the word's byte order so the result is deterministic,
/// or from an explicit ordered list ([`Vocabulary::from_words`]) that keeps the given order.
///
/// Every word can be stored in a word2vec file or a checkpoint and read back: it is not
/// empty, holds no ASCII whitespace (space, `\t`, `\n`, `\x0C`, `\r`: what every reader
/// splits on) and has at most [`MAX_WORD_BYTES`](crate::io::MAX_WORD_BYTES) bytes. A word
/// that breaks this is [`Error::InvalidWord`] when the vocabulary is built, not a failure
/// at output after training.
///
/// ```
/// use skipgram::Vocabulary;
/// let v = Vocabulary::from_words(["duct", "tape", "work", "anywher", "magic", "worship"])?;
/// assert_eq!(v.len(), 6);
/// assert_eq!(v.index("tape"), Some(1));
/// assert_eq!(v.word(0), Some("duct"));
/// # Ok::<(), skipgram::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vocabulary {
    words: Vec<String>,
    counts: Vec<u64>,
    index: WordIndex,
}

impl Vocabulary {
    /// A vocabulary that keeps the given order (index = position), each word with count 1.
    ///
    /// # Errors
    /// [`Error::EmptyWordList`] for an empty list, [`Error::DuplicateWord`] if a word repeats,
    /// [`Error::InvalidWord`] for a word no word2vec file could hold (empty, with ASCII
    /// whitespace, over [`MAX_WORD_BYTES`](crate::io::MAX_WORD_BYTES)).
    pub fn from_words<I, S>(words: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::from_counts(words.into_iter().map(|w| (w.into(), 1)))
    }

    /// A vocabulary that keeps the given order, with the given counts (as read back from a
    /// checkpoint or a word2vec vocabulary file).
    ///
    /// # Errors
    /// [`Error::EmptyWordList`] for an empty list, [`Error::DuplicateWord`] if a word repeats,
    /// [`Error::InvalidWord`] as for [`from_words`](Self::from_words),
    /// [`Error::InvalidConfig`] if the counts add up to more than 2⁶⁴ − 1 (so that
    /// [`total_count`](Self::total_count) and every sum over counts fit in a `u64`).
    pub fn from_counts<I, S>(entries: I) -> Result<Self>
    where
        I: IntoIterator<Item = (S, u64)>,
        S: Into<String>,
    {
        let entries = entries.into_iter();
        // Reserve up front only for an iterator that knows its length (a Vec's, say).
        let n = match entries.size_hint() {
            (lo, Some(hi)) if lo == hi => lo,
            _ => 0,
        };
        let mut words: Vec<String> = Vec::with_capacity(n);
        let mut counts = Vec::with_capacity(n);
        let mut total = 0u64;
        for (w, c) in entries {
            words.push(w.into());
            let Some(t) = total.checked_add(c) else {
                // A word repeated up to here is reported first, as a loop would meet it.
                return Err(match WordIndex::build(&words) {
                    Err(i) => Error::DuplicateWord(words.swap_remove(i)),
                    Ok(_) => Error::InvalidConfig(format!(
                        "the word counts add up to more than 2^64 - 1 (at word {})",
                        words.len() - 1
                    )),
                });
            };
            total = t;
            counts.push(c);
        }
        Self::from_keyed(words, counts, |words, i| key::Short::new(&words[i]))
    }

    /// [`from_words`](Self::from_words) for a list already collected: the strings are
    /// moved in, not copied (a reader of millions of words keeps one copy in memory).
    ///
    /// # Errors
    /// As [`from_words`](Self::from_words).
    pub(crate) fn from_word_list(words: Vec<String>) -> Result<Self> {
        let counts = vec![1; words.len()];
        Self::from_keyed(words, counts, |words, i| key::Short::new(&words[i]))
    }

    /// A vocabulary of `words` with `counts` in that order, whose short words' keys are
    /// `short(&words, i)` (as [`WordIndex::build_with`]): the checks of
    /// [`from_counts`](Self::from_counts), for words already collected.
    fn from_keyed(
        words: Vec<String>,
        counts: Vec<u64>,
        short: impl Fn(&[String], usize) -> Option<key::Short> + Sync,
    ) -> Result<Self> {
        let mut total = 0u64;
        for (i, &c) in counts.iter().enumerate() {
            total = total.checked_add(c).ok_or_else(|| {
                Error::InvalidConfig(format!(
                    "the word counts add up to more than 2^64 - 1 (at word {i})"
                ))
            })?;
        }
        if words.is_empty() {
            return Err(Error::EmptyWordList);
        }
        if words.len() > u32::MAX as usize {
            return Err(Error::InvalidConfig(
                "a vocabulary holds at most 2^32 - 1 types".into(),
            ));
        }
        for (index, word) in words.iter().enumerate() {
            check_word(index, word)?;
        }
        let index = WordIndex::build_with(&words, |i| short(&words, i))
            .map_err(|i| Error::DuplicateWord(words[i].clone()))?;
        Ok(Vocabulary {
            words,
            counts,
            index,
        })
    }

    /// Counts the tokens and keeps the types that occur at least `min_count` times, most
    /// frequent first (ties: byte order of the word).
    ///
    /// # Errors
    /// [`Error::EmptyCorpus`] if there are no tokens, [`Error::EmptyVocabulary`] if no type
    /// reaches `min_count`, [`Error::InvalidWord`] for a kept token that no word2vec file
    /// could hold (as for [`from_words`](Self::from_words)).
    pub fn from_tokens<I, S>(tokens: I, min_count: u64) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut b = VocabularyBuilder::new().min_count(min_count);
        for t in tokens {
            b.add(t.as_ref());
        }
        b.build()
    }

    /// The words of this vocabulary that occur at least `min_count` times, at most the
    /// `max_final_vocab` most frequent of them (all if `None`), most frequent first; words
    /// of equal count keep their order here. This is what a vocabulary read from a file
    /// (word2vec.c's `-read-vocab`) goes through before training: word2vec.c sorts it by
    /// count and drops the rare words in the same way.
    ///
    /// ```
    /// use skipgram::Vocabulary;
    /// let file = Vocabulary::from_counts([("rare", 1u64), ("b", 5), ("a", 5), ("top", 9)])?;
    /// let v = file.filtered(2, Some(2))?;
    /// assert_eq!(v.words(), ["top", "b"]);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::OutOfRange`] if `max_final_vocab` is `Some(0)`; [`Error::EmptyVocabulary`]
    /// (with this `min_count` and `types` = [`len`](Self::len)) if no word reaches
    /// `min_count`.
    pub fn filtered(&self, min_count: u64, max_final_vocab: Option<usize>) -> Result<Self> {
        options::check_final(max_final_vocab)?;
        let mut kept: Vec<usize> = (0..self.len())
            .filter(|&i| self.counts[i] >= min_count)
            .collect();
        if kept.is_empty() {
            return Err(Error::EmptyVocabulary {
                min_count,
                types: self.len(),
            });
        }
        // Stable: equal counts keep their order.
        kept.sort_by(|&a, &b| self.counts[b].cmp(&self.counts[a]));
        kept.truncate(max_final_vocab.unwrap_or(usize::MAX));
        let words = kept.iter().map(|&i| self.words[i].clone()).collect();
        let counts = kept.iter().map(|&i| self.counts[i]).collect();
        Self::from_keyed(words, counts, |words, i| key::Short::new(&words[i]))
    }

    /// A builder that counts tokens one at a time.
    pub fn builder() -> VocabularyBuilder {
        VocabularyBuilder::new()
    }

    /// The number of word types V.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Always `false`: a vocabulary cannot be built empty. Present for API convention.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The index of `word` (its one-hot position and its row of p), if known.
    pub fn index(&self, word: &str) -> Option<usize> {
        self.index.get(word).map(|i| i as usize)
    }

    /// The index of `word`, or [`Error::UnknownWords`] naming it.
    ///
    /// # Errors
    /// [`Error::UnknownWords`] if the word is not in the vocabulary.
    pub fn try_index(&self, word: &str) -> Result<usize> {
        self.index(word)
            .ok_or_else(|| Error::UnknownWords(vec![word.to_string()]))
    }

    /// The index of `word` as the `u32` the trainer's hot loop keeps.
    #[inline]
    pub(crate) fn index_u32(&self, word: &str) -> Option<u32> {
        self.index.get(word)
    }

    /// The word at `index`, if `index < len()`.
    pub fn word(&self, index: usize) -> Option<&str> {
        self.words.get(index).map(String::as_str)
    }

    /// The corpus count of the word at `index` (1 for [`from_words`](Self::from_words)).
    pub fn count(&self, index: usize) -> Option<u64> {
        self.counts.get(index).copied()
    }

    /// All words in index order.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// All counts in index order.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Sum of all counts: the number of in-vocabulary tokens in one pass over the corpus.
    pub fn total_count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Word and count pairs in index order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, u64)> + '_ {
        self.words
            .iter()
            .zip(&self.counts)
            .map(|(w, &c)| (w.as_str(), c))
    }
}

/// Whether `word` can be a vocabulary word: what every word2vec file and checkpoint can
/// hold (see [`Error::InvalidWord`]).
fn check_word(index: usize, word: &str) -> Result<()> {
    let reason = if word.is_empty() {
        "is empty"
    } else if word.len() > crate::io::MAX_WORD_BYTES {
        "is longer than 1 MiB"
    } else if word.bytes().any(|b| b.is_ascii_whitespace()) {
        "contains ASCII whitespace"
    } else {
        return Ok(());
    };
    let mut end = word.len().min(64);
    while !word.is_char_boundary(end) {
        end -= 1;
    }
    let cut = if end < word.len() { "…" } else { "" };
    Err(Error::InvalidWord {
        index,
        word: format!("{}{cut}", &word[..end]),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_by_count_then_word() {
        let v = Vocabulary::from_tokens("b a c a b a d".split(' '), 1).unwrap();
        assert_eq!(v.words(), ["a", "b", "c", "d"]);
        assert_eq!(v.counts(), [3, 2, 1, 1]);
        assert_eq!(v.total_count(), 7);
    }

    #[test]
    fn errors() {
        assert!(matches!(
            Vocabulary::from_tokens(Vec::<&str>::new(), 1),
            Err(Error::EmptyCorpus)
        ));
        assert!(matches!(
            Vocabulary::from_tokens(["a", "b"], 2),
            Err(Error::EmptyVocabulary {
                min_count: 2,
                types: 2
            })
        ));
        assert!(matches!(
            Vocabulary::from_words(["a", "b", "a"]),
            Err(Error::DuplicateWord(w)) if w == "a"
        ));
        assert!(matches!(
            Vocabulary::from_words(Vec::<String>::new()),
            Err(Error::EmptyWordList)
        ));
        let v = Vocabulary::from_words(["a"]).unwrap();
        let e = v.try_index("zebra").unwrap_err();
        assert_eq!(e.to_string(), "unknown word: zebra");
    }

    #[test]
    fn counts_whose_sum_overflows_are_rejected() {
        let big = [("a", u64::MAX - 1), ("b", 1)];
        assert_eq!(
            Vocabulary::from_counts(big).unwrap().total_count(),
            u64::MAX
        );
        assert!(matches!(
            Vocabulary::from_counts([("a", u64::MAX), ("b", 1)]),
            Err(Error::InvalidConfig(_))
        ));
    }

    #[test]
    fn keeps_explicit_order() {
        let v = Vocabulary::from_words(["z", "a", "m"]).unwrap();
        for (i, w) in ["z", "a", "m"].iter().enumerate() {
            assert_eq!(v.index(w), Some(i));
            assert_eq!(v.word(i), Some(*w));
        }
        assert_eq!(v.word(3), None);
        assert_eq!(v.index_u32("a"), Some(1));
        assert_eq!(v.index_u32("b"), None);
    }

    #[test]
    fn words_no_word2vec_file_can_hold_are_refused() {
        let long = "x".repeat(crate::io::MAX_WORD_BYTES + 1);
        for (bad, reason) in [
            ("", "is empty"),
            ("a b", "contains ASCII whitespace"),
            ("a\nb", "contains ASCII whitespace"),
            ("tab\t", "contains ASCII whitespace"),
            ("\r", "contains ASCII whitespace"),
            ("form\x0cfeed", "contains ASCII whitespace"),
            (long.as_str(), "is longer than 1 MiB"),
        ] {
            let check = |r: Result<Vocabulary>| match r {
                Err(Error::InvalidWord {
                    index: 1,
                    word,
                    reason: why,
                }) => {
                    assert_eq!(why, reason, "{bad:?}");
                    assert!(bad.starts_with(word.trim_end_matches('…')), "{word:?}");
                }
                other => panic!("{bad:?}: {other:?}"),
            };
            check(Vocabulary::from_words(["ok", bad]));
            check(Vocabulary::from_counts([("ok", 5), (bad, 1)]));
            let mut b = Vocabulary::builder();
            b.add("ok");
            b.add("ok");
            b.add(bad);
            check(b.build());
        }
        // Unicode spaces and other control characters are not what readers split on.
        let v = Vocabulary::from_words(["a\u{a0}b", "\u{3000}", "v\x0bt", "\0"]).unwrap();
        assert_eq!(v.len(), 4);
        let e = Vocabulary::from_words(["ok", "two words"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "word 1 \"two words\" cannot be in a vocabulary: it contains ASCII whitespace"
        );
    }
}
