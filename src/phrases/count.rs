//! The count table behind [`Phrases`](super::Phrases): unigram and phrase counts, pruning.
//!
//! Words are interned to `u32` ids; a plain bigram is keyed by the two ids packed in a `u64`,
//! a phrase with connector words inside by its whole id sequence. Connector words get the
//! first ids and are never removed, so a counting state holding connector ids stays valid
//! across a prune.

use rustc_hash::FxHashMap;

/// Counts of unigrams and phrases, as gensim's `Phrases.vocab`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Table {
    index: WordIndex,
    words: Vec<Box<str>>,
    /// Unigram counts by id; 0 means "not in the table" (pruned, or a connector word).
    counts: Vec<u64>,
    /// Connector words hold the ids `0..connectors`.
    connectors: u32,
    /// Unigrams with a count > 0.
    present: usize,
    /// Plain bigrams `a b`, keyed `(a << 32) | b`.
    pub(crate) pairs: FxHashMap<u64, u64>,
    /// Phrases with one or two connector words inside, `[a, c1, c2 or NONE, b]`: no heap
    /// allocation per entry.
    pub(crate) mid: FxHashMap<[u32; 4], u64>,
    /// Phrases with three or more connector words inside: `[a, c1, …, ck, b]`.
    pub(crate) longer: FxHashMap<Box<[u32]>, u64>,
    /// Every token seen, connector words included (gensim's `corpus_word_count`).
    pub(crate) total_words: u64,
    /// Entries with a count below this are removed by the next prune (gensim's `min_reduce`).
    pub(crate) min_reduce: u64,
    /// Reused key buffer for phrases with connector words.
    scratch: Vec<u32>,
}

/// Word → id. Words of up to 15 bytes are keyed by their bytes packed in a `u128` (with
/// the length in the top byte), so most lookups compare integers instead of following a
/// pointer to the string; longer words are keyed by the string.
#[derive(Clone, Debug, Default)]
struct WordIndex {
    short: FxHashMap<u128, u32>,
    long: FxHashMap<Box<str>, u32>,
}

impl WordIndex {
    fn pack(w: &str) -> Option<u128> {
        let b = w.as_bytes();
        (b.len() < 16).then(|| {
            let mut buf = [0u8; 16];
            buf[..b.len()].copy_from_slice(b);
            buf[15] = b.len() as u8;
            u128::from_le_bytes(buf)
        })
    }

    fn get(&self, w: &str) -> Option<u32> {
        match Self::pack(w) {
            Some(k) => self.short.get(&k).copied(),
            None => self.long.get(w).copied(),
        }
    }

    fn insert(&mut self, w: &str, id: u32) {
        match Self::pack(w) {
            Some(k) => self.short.insert(k, id),
            None => self.long.insert(w.into(), id),
        };
    }

    fn remove(&mut self, w: &str) {
        match Self::pack(w) {
            Some(k) => self.short.remove(&k),
            None => self.long.remove(w),
        };
    }

    fn remap(&mut self, f: impl Fn(u32) -> u32) {
        for id in self.short.values_mut().chain(self.long.values_mut()) {
            *id = f(*id);
        }
    }

    fn shrink_to_fit(&mut self) {
        self.short.shrink_to_fit();
        self.long.shrink_to_fit();
    }
}

/// Where a sentence stands while it is counted: the last non-connector word and the
/// connector words seen since.
#[derive(Clone, Debug, Default)]
pub(crate) struct CountState {
    pub(crate) start: Option<u32>,
    pub(crate) between: Vec<u32>,
}

impl CountState {
    pub(crate) fn end_sentence(&mut self) {
        self.start = None;
        self.between.clear();
    }
}

pub(crate) fn pair_key(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// Padding in a [`Table::mid`] key with one connector word; never a word id.
const NONE: u32 = u32::MAX;

/// The `mid` key of a phrase with one or two connector words.
fn mid_key(ids: &[u32]) -> Option<[u32; 4]> {
    match *ids {
        [a, c, b] => Some([a, c, NONE, b]),
        [a, c, d, b] => Some([a, c, d, b]),
        _ => None,
    }
}

/// The ids of a `mid` key.
fn mid_ids(k: &[u32; 4]) -> Vec<u32> {
    if k[2] == NONE {
        vec![k[0], k[1], k[3]]
    } else {
        k.to_vec()
    }
}

impl Table {
    pub(crate) fn new<'a>(connectors: impl IntoIterator<Item = &'a str>) -> Self {
        let mut t = Table {
            min_reduce: 1,
            ..Default::default()
        };
        for c in connectors {
            t.intern(c);
        }
        t.connectors = t.words.len() as u32;
        t
    }

    pub(crate) fn intern(&mut self, w: &str) -> u32 {
        if let Some(id) = self.index.get(w) {
            return id;
        }
        let id = u32::try_from(self.words.len())
            .ok()
            .filter(|&id| id != NONE)
            .expect("fewer than 2^32 - 1 word types");
        let b: Box<str> = w.into();
        self.index.insert(w, id);
        self.words.push(b);
        self.counts.push(0);
        id
    }

    pub(crate) fn id(&self, w: &str) -> Option<u32> {
        self.index.get(w)
    }

    pub(crate) fn word(&self, id: u32) -> &str {
        &self.words[id as usize]
    }

    pub(crate) fn is_connector(&self, id: u32) -> bool {
        id < self.connectors
    }

    pub(crate) fn connector_words(&self) -> impl Iterator<Item = &str> {
        self.words[..self.connectors as usize].iter().map(|w| &**w)
    }

    pub(crate) fn count(&self, id: u32) -> u64 {
        self.counts[id as usize]
    }

    /// Number of entries, unigrams and phrases (gensim's `len(vocab)`).
    pub(crate) fn len(&self) -> usize {
        self.present + self.pairs.len() + self.mid.len() + self.longer.len()
    }

    /// Unigram entries as `(word, count)`.
    pub(crate) fn unigrams(&self) -> impl Iterator<Item = (&str, u64)> {
        self.words
            .iter()
            .zip(&self.counts)
            .filter(|(_, &c)| c > 0)
            .map(|(w, &c)| (&**w, c))
    }

    pub(crate) fn add_unigram(&mut self, id: u32, n: u64) {
        let c = &mut self.counts[id as usize];
        if *c == 0 && n > 0 {
            self.present += 1;
        }
        *c += n;
    }

    /// Adds `n` to the phrase `a between… b` (ids).
    pub(crate) fn add_phrase(&mut self, a: u32, between: &[u32], b: u32, n: u64) {
        if between.is_empty() {
            *self.pairs.entry(pair_key(a, b)).or_insert(0) += n;
        } else if let [c] = *between {
            *self.mid.entry([a, c, NONE, b]).or_insert(0) += n;
        } else if let [c, d] = *between {
            *self.mid.entry([a, c, d, b]).or_insert(0) += n;
        } else {
            let mut key = std::mem::take(&mut self.scratch);
            key.clear();
            key.push(a);
            key.extend_from_slice(between);
            key.push(b);
            // Look up with the reused buffer; allocate only for a new phrase.
            match self.longer.get_mut(&key[..]) {
                Some(c) => *c += n,
                None => {
                    self.longer.insert(key[..].into(), n);
                }
            }
            self.scratch = key;
        }
    }

    /// Count of the phrase `ids` (at least two ids: first, connectors, last).
    pub(crate) fn phrase_count(&self, ids: &[u32]) -> u64 {
        match ids {
            [a, b] => self.pairs.get(&pair_key(*a, *b)).copied().unwrap_or(0),
            [_, _, _] | [_, _, _, _] => mid_key(ids)
                .and_then(|k| self.mid.get(&k).copied())
                .unwrap_or(0),
            _ => self.longer.get(ids).copied().unwrap_or(0),
        }
    }

    /// Counts one token of a sentence, as gensim's `Phrases._learn_vocab` does: a
    /// non-connector word counts as a unigram and closes the phrase begun at `state.start`;
    /// a connector word only extends a begun phrase. Within a sentence the table may grow to
    /// `2·max` entries; beyond that it is pruned down to `max` at once (gensim would let one
    /// long line grow without bound).
    pub(crate) fn feed(&mut self, state: &mut CountState, word: &str, max: usize) {
        self.total_words += 1;
        let id = self.intern(word);
        if self.is_connector(id) {
            if state.start.is_some() {
                state.between.push(id);
            }
            return;
        }
        self.add_unigram(id, 1);
        if let Some(a) = state.start {
            self.add_phrase(a, &state.between, id, 1);
        }
        state.start = Some(id);
        state.between.clear();
        if self.len() > max.saturating_mul(2) {
            self.prune(max, Some(state));
        }
    }

    /// At the end of a sentence, as gensim's `_learn_vocab`: if the table holds more than
    /// `max` entries, one pruning round at `min_reduce`, which then rises by one.
    pub(crate) fn sentence_end(&mut self, max: usize) {
        if self.len() > max {
            self.prune_round();
            self.compact(None, |_| {});
        }
    }

    /// Removes every entry with a count below `min_reduce`, then raises `min_reduce`.
    fn prune_round(&mut self) {
        let r = self.min_reduce;
        self.pairs.retain(|_, c| *c >= r);
        self.mid.retain(|_, c| *c >= r);
        self.longer.retain(|_, c| *c >= r);
        for c in &mut self.counts {
            if *c > 0 && *c < r {
                *c = 0;
                self.present -= 1;
            }
        }
        self.min_reduce += 1;
    }

    /// While the table holds more than `max` entries: removes every entry (unigram or
    /// phrase) with a count below `min_reduce`, then raises `min_reduce` by one — gensim's
    /// `utils.prune_vocab` with its increasing `min_reduce`. Word ids no longer used are
    /// then freed; `state`'s ids are remapped.
    pub(crate) fn prune(&mut self, max: usize, state: Option<&mut CountState>) {
        if self.len() <= max {
            return;
        }
        while self.len() > max {
            self.prune_round();
        }
        let keep_start = state.as_ref().and_then(|s| s.start);
        self.compact(keep_start, |old_to_new| {
            if let Some(s) = state {
                s.start = s.start.map(|a| old_to_new[a as usize]);
            }
        });
    }

    /// Frees the ids of words that are neither connectors, counted, in a phrase, nor `keep`.
    fn compact(&mut self, keep: Option<u32>, remap_state: impl FnOnce(&[u32])) {
        let n = self.words.len();
        let mut used = vec![false; n];
        used[..self.connectors as usize].fill(true);
        for (u, &c) in used.iter_mut().zip(&self.counts) {
            *u |= c > 0;
        }
        if let Some(k) = keep {
            used[k as usize] = true;
        }
        for &k in self.pairs.keys() {
            used[(k >> 32) as usize] = true;
            used[(k & 0xffff_ffff) as usize] = true;
        }
        for k in self.mid.keys() {
            for &id in k.iter().filter(|&&id| id != NONE) {
                used[id as usize] = true;
            }
        }
        for k in self.longer.keys() {
            for &id in k.iter() {
                used[id as usize] = true;
            }
        }
        let live = used.iter().filter(|&&u| u).count();
        if live == n {
            return;
        }
        let mut old_to_new = vec![u32::MAX; n];
        let mut words = Vec::with_capacity(live);
        let mut counts = Vec::with_capacity(live);
        for (old, w) in std::mem::take(&mut self.words).into_iter().enumerate() {
            if used[old] {
                old_to_new[old] = words.len() as u32;
                words.push(w);
                counts.push(self.counts[old]);
            } else {
                self.index.remove(&w);
            }
        }
        self.index.remap(|id| old_to_new[id as usize]);
        self.index.shrink_to_fit();
        self.words = words;
        self.counts = counts;
        let map = |id: u32| old_to_new[id as usize];
        let pairs: Vec<(u64, u64)> = self
            .pairs
            .drain()
            .map(|(k, c)| (pair_key(map((k >> 32) as u32), map(k as u32)), c))
            .collect();
        self.pairs = pairs.into_iter().collect();
        let remap4 = |k: [u32; 4]| k.map(|id| if id == NONE { NONE } else { map(id) });
        let mid: Vec<([u32; 4], u64)> = self.mid.drain().map(|(k, c)| (remap4(k), c)).collect();
        self.mid = mid.into_iter().collect();
        let longer: Vec<(Box<[u32]>, u64)> = self
            .longer
            .drain()
            .map(|(mut k, c)| {
                for id in k.iter_mut() {
                    *id = map(*id);
                }
                (k, c)
            })
            .collect();
        self.longer = longer.into_iter().collect();
        remap_state(&old_to_new);
    }

    /// Adds every count of `other` into `self` (connector sets must be equal); then prunes
    /// to `max` as gensim's `add_vocab` does.
    pub(crate) fn merge(&mut self, other: Table, max: usize) {
        self.total_words += other.total_words;
        self.min_reduce = self.min_reduce.max(other.min_reduce);
        let map: Vec<u32> = other.words.iter().map(|w| self.intern(w)).collect();
        for (old, &c) in other.counts.iter().enumerate() {
            self.add_unigram(map[old], c);
        }
        self.pairs.reserve(other.pairs.len());
        for (k, c) in other.pairs {
            let key = pair_key(map[(k >> 32) as usize], map[(k & 0xffff_ffff) as usize]);
            *self.pairs.entry(key).or_insert(0) += c;
        }
        for (k, c) in other.mid {
            let k = k.map(|id| if id == NONE { NONE } else { map[id as usize] });
            *self.mid.entry(k).or_insert(0) += c;
        }
        for (mut k, c) in other.longer {
            for id in k.iter_mut() {
                *id = map[*id as usize];
            }
            *self.longer.entry(k).or_insert(0) += c;
        }
        self.prune(max, None);
    }

    /// All phrases as `(ids, count)`, plain bigrams first.
    pub(crate) fn phrases(&self) -> impl Iterator<Item = (Vec<u32>, u64)> + '_ {
        self.pairs
            .iter()
            .map(|(&k, &c)| (vec![(k >> 32) as u32, k as u32], c))
            .chain(self.mid.iter().map(|(k, &c)| (mid_ids(k), c)))
            .chain(self.longer.iter().map(|(k, &c)| (k.to_vec(), c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(text: &str, connectors: &[&str], max: usize) -> Table {
        let mut t = Table::new(connectors.iter().copied());
        for line in text.lines() {
            let mut s = CountState::default();
            for w in line.split_whitespace() {
                t.feed(&mut s, w, max);
            }
            t.sentence_end(max);
        }
        t
    }

    fn pc(t: &Table, words: &[&str]) -> u64 {
        let ids: Option<Vec<u32>> = words.iter().map(|w| t.id(w)).collect();
        ids.map_or(0, |ids| t.phrase_count(&ids))
    }

    #[test]
    fn counts_unigrams_bigrams_and_connector_phrases() {
        let t = count(
            "bank of america\nthe bank of america is a bank\nof the",
            &["of", "the", "a"],
            usize::MAX,
        );
        assert_eq!(t.total_words, 12);
        assert_eq!(t.count(t.id("bank").unwrap()), 3);
        assert_eq!(
            t.count(t.id("of").unwrap()),
            0,
            "connectors are not unigrams"
        );
        assert_eq!(pc(&t, &["bank", "of", "america"]), 2);
        assert_eq!(pc(&t, &["america", "is"]), 1);
        assert_eq!(pc(&t, &["is", "a", "bank"]), 1);
        // unigrams bank america is + 3 phrases
        assert_eq!(t.len(), 6);
    }

    #[test]
    fn phrases_of_every_length_survive_compaction_and_merge() {
        let text = "x of y\nx of the y\nx of the a y\nx of the a of y\nx y\nrare words here";
        let c = ["of", "the", "a"];
        let mut t = count(text, &c, usize::MAX);
        let phrases: [&[&str]; 5] = [
            &["x", "y"],
            &["x", "of", "y"],
            &["x", "of", "the", "y"],
            &["x", "of", "the", "a", "y"],
            &["x", "of", "the", "a", "of", "y"],
        ];
        assert_eq!(
            (t.pairs.len(), t.mid.len(), t.longer.len()),
            (3, 2, 2),
            "x_y, rare_words, words_here; 1-2 connectors inline; 3+ boxed"
        );
        for p in phrases {
            assert_eq!(pc(&t, p), 1, "{p:?}");
        }
        // Pruning at 2 removes everything; ids are compacted; then counts resume.
        t.prune(0, None);
        assert_eq!((t.len(), t.words.len()), (0, 3));
        let again = count(text, &c, usize::MAX);
        t.merge(again.clone(), usize::MAX);
        t.merge(again, usize::MAX);
        for p in phrases {
            assert_eq!(pc(&t, p), 2, "{p:?}");
        }
        assert_eq!(t.count(t.id("x").unwrap()), 10);
    }

    #[test]
    fn prune_removes_rare_entries_and_frees_ids() {
        // After line 1 the table holds 8 > 6 entries: one round at min_reduce 1 removes
        // nothing (as in gensim). After line 2 (9 entries) the round at 2 removes every
        // singleton: a, b, c, y_a, a_b.
        let t = count("x y x y x y a b", &[], 6);
        assert_eq!((t.len(), t.min_reduce), (8, 2));
        let t = count("x y x y x y a b\nc", &[], 6);
        assert_eq!((t.len(), t.min_reduce), (4, 3));
        assert_eq!(pc(&t, &["x", "y"]), 3);
        assert_eq!(pc(&t, &["y", "x"]), 2);
        assert_eq!((t.id("a"), t.id("c")), (None, None), "unused ids are freed");
        assert_eq!(t.words.len(), 2);
    }

    #[test]
    fn one_long_line_is_pruned_to_the_bound() {
        let long = format!("x y x y x y a b {}", "c d e f g h x y ".repeat(20));
        let mut t = Table::new([]);
        let mut s = CountState::default();
        for w in long.split_whitespace() {
            t.feed(&mut s, w, 6);
            assert!(t.len() <= 12, "{}", t.len());
        }
        assert!(t.min_reduce > 2, "pruned within the line");
        // Pruning only ever undercounts.
        let full = count(&long, &[], usize::MAX);
        for (w, c) in t.unigrams() {
            assert!(c <= full.count(full.id(w).unwrap()));
        }
        for (ids, c) in t.phrases() {
            let words: Vec<&str> = ids.iter().map(|&i| t.word(i)).collect();
            assert!(c <= pc(&full, &words));
        }
    }

    #[test]
    fn merge_equals_counting_together() {
        let mut a = count("a b c a b\nc a b", &["c"], usize::MAX);
        let b = count("b a\na b c c a", &["c"], usize::MAX);
        a.merge(b, usize::MAX);
        let all = count("a b c a b\nc a b\nb a\na b c c a", &["c"], usize::MAX);
        assert_eq!(a.total_words, all.total_words);
        assert_eq!(a.len(), all.len());
        for (ids, c) in all.phrases() {
            let words: Vec<&str> = ids.iter().map(|&i| all.word(i)).collect();
            assert_eq!(pc(&a, &words), c, "{words:?}");
        }
    }
}
