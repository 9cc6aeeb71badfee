//! Counting word types: one token at a time ([`VocabularyBuilder`]), optionally with a bound
//! on the number of types held while counting, and merging counts made on several threads.
//!
//! See [`CountOptions`] for bounded counting and its memory use.

use rustc_hash::FxHashMap;

use super::key::{shard_of, Key, Short, PARALLEL_FROM, SHARDS};
#[cfg(doc)]
use super::options::CountOptions;
use super::options::{check_final, VocabConfig};
use crate::error::{Error, Result};
use crate::parallel::{for_each_parallel, sort_parts, try_vec_with};
use crate::vocab::Vocabulary;

/// Counts tokens, then builds a [`Vocabulary`] with `min_count` and an optional final size,
/// optionally holding at most `max_vocab_size` types while counting.
///
/// Builders that counted different parts of a corpus (on different threads, say) can be
/// combined with [`merge`](Self::merge); [`Corpus::count_words`](crate::Corpus::count_words)
/// does that.
///
/// ```
/// use skipgram::Vocabulary;
/// let mut b = Vocabulary::builder().min_count(2);
/// for t in "a b a c b a".split_whitespace() {
///     b.add(t);
/// }
/// let v = b.build()?;
/// assert_eq!(v.words(), ["a", "b"]);
/// assert_eq!(v.counts(), [3, 2]);
/// # Ok::<(), skipgram::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct VocabularyBuilder {
    /// Types of up to [`Short::MAX`] bytes, held inline (most words), in [`SHARDS`] maps by
    /// [`shard_of`] their key, so that two builders merge shard by shard on parallel threads.
    counts: Box<[FxHashMap<Short, u64>]>,
    /// Types held in `counts`.
    held: usize,
    /// Longer types.
    long: FxHashMap<Box<str>, u64>,
    tokens: u64,
    /// `min_count`, `max_final_vocab`, and `max_vocab_size` (at least 1 if set).
    config: VocabConfig,
    /// The highest pruning threshold used so far (0: never pruned).
    pruned_at: u64,
}

impl Default for VocabularyBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl VocabularyBuilder {
    /// An empty builder with `min_count` 1, no final size limit and no bound while counting.
    pub fn new() -> Self {
        VocabularyBuilder {
            counts: (0..SHARDS).map(|_| FxHashMap::default()).collect(),
            held: 0,
            long: FxHashMap::default(),
            tokens: 0,
            config: VocabConfig {
                min_count: 1,
                ..VocabConfig::default()
            },
            pruned_at: 0,
        }
    }

    /// An empty builder with the `min_count`, `max_final_vocab` and `max_vocab_size` of
    /// `config` (a `max_vocab_size` of 0 is taken as 1; [`VocabConfig::validate`] rejects
    /// it).
    pub fn from_config(config: &VocabConfig) -> Self {
        VocabularyBuilder {
            config: VocabConfig {
                max_vocab_size: config.max_vocab_size.map(|m| m.max(1)),
                ..*config
            },
            ..Self::new()
        }
    }

    /// Keep only types seen at least `min_count` times (word2vec.c `-min-count`, default 5
    /// there; 1 here).
    pub fn min_count(mut self, min_count: u64) -> Self {
        self.config.min_count = min_count;
        self
    }

    /// Keep at most the `max_final_vocab` most frequent types (gensim's `max_final_vocab`;
    /// see [`VocabConfig::max_final_vocab`]). 0 makes [`build`](Self::build) fail.
    pub fn max_final_vocab(mut self, max_final_vocab: usize) -> Self {
        self.config.max_final_vocab = Some(max_final_vocab);
        self
    }

    /// Hold at most `max_vocab_size` types while counting, pruning the rarest when a new
    /// type would exceed it (see [`VocabConfig::max_vocab_size`]). A bound of 0 is taken
    /// as 1; [`CountOptions::validate`] rejects it.
    pub fn max_vocab_size(mut self, max_vocab_size: usize) -> Self {
        self.config.max_vocab_size = Some(max_vocab_size.max(1));
        self.prune_to_bound();
        self
    }

    /// Counts one token.
    #[inline]
    pub fn add(&mut self, token: &str) {
        self.add_count(token, 1);
    }

    /// Counts `count` occurrences of `token` at once (counts saturate at 2⁶⁴ − 1; a count of
    /// 0 changes nothing).
    #[inline]
    pub fn add_count(&mut self, token: &str, count: u64) {
        if count == 0 {
            return;
        }
        self.tokens = self.tokens.saturating_add(count);
        self.add_type(token, count);
    }

    /// Adds to a type's count without counting tokens; allocates only for a new type.
    #[inline]
    fn add_type(&mut self, token: &str, count: u64) {
        let c = if let Some(key) = Short::new(token) {
            match self.counts[shard_of(&key)].get_mut(&key) {
                Some(c) => c,
                None => {
                    self.counts[shard_of(&key)].insert(key, count);
                    self.held += 1;
                    self.prune_to_bound();
                    return;
                }
            }
        } else {
            match self.long.get_mut(token) {
                Some(c) => c,
                None => {
                    self.long.insert(Box::from(token), count);
                    self.prune_to_bound();
                    return;
                }
            }
        };
        *c = c.saturating_add(count);
    }

    /// Prunes (word2vec.c `ReduceVocab`) until at most `max_vocab_size` types are held.
    #[inline]
    fn prune_to_bound(&mut self) {
        let Some(bound) = self.config.max_vocab_size else {
            return;
        };
        while self.type_count() > bound {
            // Raising the threshold one step at a time removes nothing until it reaches the
            // smallest count held: go there at once (with counts near 2⁶⁴ the steps would
            // never end).
            let smallest = self
                .counts
                .iter()
                .flat_map(|m| m.values())
                .chain(self.long.values())
                .copied()
                .min()
                .unwrap_or(0);
            self.pruned_at = self.pruned_at.saturating_add(1).max(smallest);
            let t = self.pruned_at;
            for shard in self.counts.iter_mut() {
                shard.retain(|_, c| *c > t);
            }
            self.held = self.counts.iter().map(|m| m.len()).sum();
            self.long.retain(|_, c| *c > t);
        }
    }

    /// Adds the counts of `other` (which counted another part of the corpus) to this one.
    ///
    /// Without pruning this is exact and the order of merging does not matter. With a
    /// `max_vocab_size` bound on `self`, the merged map is pruned to it as types are added
    /// (the pruning threshold continues from the higher of the two builders'), so the
    /// result can depend on the order of merging; `other`'s bound and limits are ignored.
    pub fn merge(&mut self, mut other: VocabularyBuilder) {
        self.tokens = self.tokens.saturating_add(other.tokens);
        self.pruned_at = self.pruned_at.max(other.pruned_at);
        if self.config.max_vocab_size.is_none() {
            // Exact in any order: shard by shard, the smaller map into the larger, large
            // shards on parallel threads.
            let threads = match other.held.min(self.held) >= PARALLEL_FROM {
                true => std::thread::available_parallelism().map_or(1, |n| n.get()),
                false => 1,
            };
            let pairs = self
                .counts
                .iter_mut()
                .zip(std::mem::take(&mut other.counts));
            for_each_parallel(pairs, threads, |(mine, mut theirs)| {
                if theirs.len() > mine.len() {
                    std::mem::swap(mine, &mut theirs);
                }
                for (w, c) in theirs {
                    let n = mine.entry(w).or_insert(0);
                    *n = n.saturating_add(c);
                }
            });
            self.held = self.counts.iter().map(|m| m.len()).sum();
            if other.long.len() > self.long.len() {
                std::mem::swap(&mut self.long, &mut other.long);
            }
        } else {
            // Pruned as types come in: in a fixed order, shard by shard.
            for (w, c) in std::mem::take(&mut other.counts)
                .into_vec()
                .into_iter()
                .flatten()
            {
                let mine = &mut self.counts[shard_of(&w)];
                if let Some(n) = mine.get_mut(&w) {
                    *n = n.saturating_add(c);
                } else {
                    mine.insert(w, c);
                    self.held += 1;
                    self.prune_to_bound();
                }
            }
        }
        for (w, c) in other.long {
            if let Some(mine) = self.long.get_mut(&w) {
                *mine = mine.saturating_add(c);
            } else {
                self.long.insert(w, c);
                self.prune_to_bound();
            }
        }
    }

    /// Tokens counted so far.
    pub fn token_count(&self) -> u64 {
        self.tokens
    }

    /// Distinct types held so far (after any pruning).
    pub fn type_count(&self) -> usize {
        self.held + self.long.len()
    }

    /// The highest pruning threshold used: 0 if counting never exceeded `max_vocab_size`
    /// (the counts are exact); otherwise types whose count so far was at most this were
    /// dropped at some point, and counts may be low (see [`VocabConfig::max_vocab_size`]).
    pub fn pruned_at(&self) -> u64 {
        self.pruned_at
    }

    /// The count of `token` so far, if held.
    pub fn count_of(&self, token: &str) -> Option<u64> {
        match Short::new(token) {
            Some(key) => self.counts[shard_of(&key)].get(&key).copied(),
            None => self.long.get(token).copied(),
        }
    }

    /// Sorts by descending count (ties by byte order), applies `min_count` and
    /// `max_final_vocab`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if `max_final_vocab` is 0; [`Error::EmptyCorpus`] if no
    /// token was added; [`Error::EmptyVocabulary`] if no type reaches `min_count` (`types`
    /// is the number of types held after any pruning); [`Error::InvalidWord`] for a kept
    /// token that no word2vec file could hold (empty, with ASCII whitespace, over 1 MiB).
    pub fn build(self) -> Result<Vocabulary> {
        check_final(self.config.max_final_vocab)?;
        if self.tokens == 0 {
            return Err(Error::EmptyCorpus);
        }
        let types = self.type_count();
        let min_count = self.config.min_count;
        // A large vocabulary is sorted and turned into strings on every core.
        let threads = match types >= PARALLEL_FROM {
            true => std::thread::available_parallelism().map_or(1, |n| n.get()),
            false => 1,
        };
        // Sorted while short words are still inline (no pointer chasing per comparison).
        let mut parts: Vec<Vec<(Key, u64)>> = (0..threads).map(|_| Vec::new()).collect();
        let kept = self
            .counts
            .into_vec()
            .into_iter()
            .flatten()
            .filter(|&(_, c)| c >= min_count)
            .map(|(w, c)| (Key::Short(w), c))
            .chain(
                self.long
                    .into_iter()
                    .filter(|&(_, c)| c >= min_count)
                    .map(|(w, c)| (Key::Long(w), c)),
            );
        for (i, e) in kept.enumerate() {
            parts[i % threads].push(e);
        }
        let order =
            |a: &(Key, u64), b: &(Key, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp_bytes(&b.0));
        let entries = match self.config.max_final_vocab {
            Some(m) if parts.iter().map(Vec::len).sum::<usize>() > m => {
                // Only the first m need sorting.
                let mut all: Vec<(Key, u64)> = parts.into_iter().flatten().collect();
                all.select_nth_unstable_by(m - 1, order);
                all.truncate(m);
                all.sort_unstable_by(order);
                all
            }
            _ => sort_parts(parts, order),
        };
        if entries.is_empty() {
            return Err(Error::EmptyVocabulary { min_count, types });
        }
        const BLOCK: usize = 1 << 14;
        let words = try_vec_with(
            entries.len(),
            BLOCK,
            threads,
            || format!("the vocabulary's {} words", entries.len()),
            |_| 0,
            |b| {
                entries[b * BLOCK..]
                    .iter()
                    .take(BLOCK)
                    .map(|(w, _)| w.to_word())
            },
        )?;
        let counts = entries.iter().map(|&(_, c)| c).collect();
        Vocabulary::from_keyed(words, counts, |_, i| entries[i].0.short())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::CountOptions;

    fn count(text: &str, b: VocabularyBuilder) -> VocabularyBuilder {
        let mut b = b;
        for t in text.split_whitespace() {
            b.add(t);
        }
        b
    }

    #[test]
    fn min_count_and_max_final_vocab() {
        let v = count("x y y z z z w w w", Vocabulary::builder().min_count(2))
            .max_final_vocab(2)
            .build()
            .unwrap();
        // z and w tie at 3: byte order decides.
        assert_eq!(v.words(), ["w", "z"]);
        let v = count("x y y z z z", VocabularyBuilder::new().max_final_vocab(5))
            .build()
            .unwrap();
        assert_eq!(v.words(), ["z", "y", "x"]);
    }

    #[test]
    fn a_final_limit_of_zero_says_so() {
        let e = count("a b", VocabularyBuilder::new().max_final_vocab(0))
            .build()
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::OutOfRange {
                    setting: "max_final_vocab",
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("max_final_vocab = 0"), "{e}");
        let final_zero = VocabConfig {
            max_final_vocab: Some(0),
            ..Default::default()
        };
        let bound_zero = VocabConfig {
            max_vocab_size: Some(0),
            ..Default::default()
        };
        for (vocab, setting) in [
            (final_zero, "max_final_vocab"),
            (bound_zero, "max_vocab_size"),
        ] {
            let opts = CountOptions { threads: 1, vocab };
            match opts.validate() {
                Err(Error::OutOfRange { setting: s, .. }) => assert_eq!(s, setting),
                other => panic!("{setting}: {other:?}"),
            }
        }
        let no_threads = CountOptions {
            threads: 0,
            ..Default::default()
        };
        assert!(matches!(
            no_threads.validate(),
            Err(Error::InvalidConfig(_))
        ));
    }

    /// word2vec.c's ReduceVocab, step by step: each time a new type exceeds the bound, drop
    /// counts ≤ t with t = 1, 2, … until within the bound.
    #[test]
    fn pruning_drops_the_rarest_with_a_growing_threshold() {
        let mut b = VocabularyBuilder::new().max_vocab_size(3);
        for t in ["a", "a", "a", "b", "b", "c"] {
            b.add(t);
        }
        assert_eq!((b.type_count(), b.pruned_at()), (3, 0));
        b.add("d"); // 4 types > 3: drop count ≤ 1 (c, d)
        assert_eq!((b.type_count(), b.pruned_at()), (2, 1));
        assert_eq!(b.count_of("c"), None);
        b.add("c");
        b.add("e"); // a:3 b:2 c:1 e:1 → drop ≤ 2 (b, c, e)
        assert_eq!((b.type_count(), b.pruned_at()), (1, 2));
        assert_eq!(b.count_of("a"), Some(3));
        b.add("b");
        b.add("f");
        b.add("g"); // a:3 b:1 f:1 g:1 → drop ≤ 3: nothing left
        assert_eq!((b.type_count(), b.pruned_at()), (0, 3));
        assert_eq!(b.token_count(), 12);
        assert!(matches!(
            b.build(),
            Err(Error::EmptyVocabulary { types: 0, .. })
        ));
    }

    #[test]
    fn merging_is_exact_without_a_bound() {
        let text = "the cat sat on the mat the end";
        let whole = count(text, VocabularyBuilder::new());
        let (l, r) = text.split_at(12);
        let mut left = count(l, VocabularyBuilder::new());
        left.merge(count(r, VocabularyBuilder::new()));
        assert_eq!(left.token_count(), whole.token_count());
        assert_eq!(left.build().unwrap(), whole.build().unwrap());
        // Merging into an empty builder keeps the other's counts.
        let mut empty = VocabularyBuilder::new();
        empty.merge(count("b a b", VocabularyBuilder::new()));
        assert_eq!(empty.build().unwrap().counts(), [2, 1]);
    }

    #[test]
    fn large_builders_merge_shard_by_shard_on_parallel_threads_exactly() {
        // Each side over PARALLEL_FROM types, so the merge runs on parallel threads; and
        // a large vocabulary, so building sorts and indexes in parallel too.
        let n = PARALLEL_FROM + 1000;
        let (mut a, mut b) = (VocabularyBuilder::new(), VocabularyBuilder::new());
        for i in 0..n {
            a.add_count(&format!("w{i}"), (i % 7 + 1) as u64);
            b.add_count(&format!("w{}", i + n / 2), (i % 5 + 1) as u64);
        }
        b.add(&"y".repeat(40));
        let (a_tokens, b_tokens) = (a.token_count(), b.token_count());
        a.merge(b);
        assert_eq!(a.type_count(), n + n / 2 + 1);
        assert_eq!(a.token_count(), a_tokens + b_tokens);
        let want = |i: usize| {
            let from_a = if i < n { (i % 7 + 1) as u64 } else { 0 };
            let from_b = if i >= n / 2 {
                ((i - n / 2) % 5 + 1) as u64
            } else {
                0
            };
            from_a + from_b
        };
        for i in (0..n + n / 2).step_by(97) {
            assert_eq!(a.count_of(&format!("w{i}")), Some(want(i)), "w{i}");
        }
        let v = a.build().unwrap();
        assert_eq!(v.len(), n + n / 2 + 1);
        // Descending counts, ties in byte order, every word where the index says.
        for (i, pair) in v.counts().windows(2).enumerate() {
            let ordered =
                pair[0] > pair[1] || (pair[0] == pair[1] && v.words()[i] < v.words()[i + 1]);
            assert!(ordered, "{i}: {:?} {:?}", &v.words()[i..i + 2], pair);
        }
        for (i, w) in v.words().iter().enumerate().step_by(101) {
            assert_eq!(v.index(w), Some(i));
            let k: usize = w[1..].parse().unwrap_or(usize::MAX);
            if k != usize::MAX {
                assert_eq!(v.count(i), Some(want(k)), "{w}");
            }
        }
    }

    #[test]
    fn add_count_adds_at_once_and_words_of_any_length_count() {
        let long = "x".repeat(Short::MAX + 1); // held in the second map
        let mut b = VocabularyBuilder::new();
        b.add_count("a", 3);
        b.add_count("gone", 0);
        b.add(&long);
        b.add_count(&long, 2);
        b.add("a\0"); // a NUL byte is part of the word, not padding
        assert_eq!((b.token_count(), b.type_count()), (7, 3));
        assert_eq!(b.count_of("gone"), None);
        let v = b.build().unwrap();
        assert_eq!(v.words(), ["a", long.as_str(), "a\0"]);
        assert_eq!(v.counts(), [3, 3, 1]);
    }

    #[test]
    fn merging_prunes_to_the_bound() {
        let mut a = count("x x x y", VocabularyBuilder::new().max_vocab_size(2));
        a.merge(count("x z w", VocabularyBuilder::new()));
        assert!(a.type_count() <= 2);
        assert_eq!(a.count_of("x"), Some(4));
        assert_eq!(a.token_count(), 7);
        assert!(a.pruned_at() >= 1);
    }

    #[test]
    fn pruning_huge_counts_ends_at_once() {
        let mut b = VocabularyBuilder::new().max_vocab_size(1);
        b.add_count("a", u64::MAX);
        b.add_count("b", u64::MAX - 1);
        assert_eq!(b.pruned_at(), u64::MAX - 1);
        assert_eq!(b.count_of("a"), Some(u64::MAX));
        assert_eq!(b.count_of("b"), None);
        // Small counts prune as one step at a time would: threshold 1, then 2.
        let mut b = VocabularyBuilder::new().max_vocab_size(2);
        for (t, c) in [("x", 5), ("y", 2), ("z", 2), ("w", 1)] {
            b.add_count(t, c);
        }
        assert_eq!(b.pruned_at(), 2);
        assert_eq!((b.count_of("x"), b.count_of("y")), (Some(5), None));
    }
}
