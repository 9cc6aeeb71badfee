//! Words as hash-map keys: a word of up to 23 bytes is held inline ([`Short`]), longer
//! ones boxed. Counting ([`VocabularyBuilder`](super::VocabularyBuilder)) and the
//! vocabulary's word → index map ([`WordIndex`]) both look a word up once per token.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use rustc_hash::FxHashMap;

use crate::parallel::try_vec_with;

/// A held word, for sorting.
pub(super) enum Key {
    Short(Short),
    Long(Box<str>),
}

impl Key {
    /// Byte order of the words.
    pub(super) fn cmp_bytes(&self, other: &Key) -> std::cmp::Ordering {
        match (self, other) {
            (Key::Short(a), Key::Short(b)) => a.cmp_bytes(b),
            (Key::Short(a), Key::Long(b)) => a.padded()[..a.len()].cmp(b.as_bytes()),
            (Key::Long(a), Key::Short(b)) => a.as_bytes().cmp(&b.padded()[..b.len()]),
            (Key::Long(a), Key::Long(b)) => a.cmp(b),
        }
    }

    /// The inline key of a short word.
    pub(super) fn short(&self) -> Option<Short> {
        match self {
            Key::Short(s) => Some(*s),
            Key::Long(_) => None,
        }
    }

    /// The word as a `String`.
    pub(super) fn to_word(&self) -> String {
        match self {
            // Valid UTF-8 (it came in as a &str): the lossy conversion changes nothing.
            Key::Short(s) => String::from_utf8_lossy(&s.padded()[..s.len()]).into_owned(),
            Key::Long(s) => s.to_string(),
        }
    }
}

/// A word of at most [`Short::MAX`] bytes held inline as a hash-map key, in three
/// little-endian words: the bytes zero-padded to 23, the length in the last byte.
/// Comparing and hashing it touches no other memory, and it needs no allocation of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Short([u64; 3]);

impl Short {
    pub(super) const MAX: usize = 23;

    /// Built with a few (overlapping) 8- and 4-byte loads, not byte by byte: a key copied in
    /// byte by byte and then hashed a word at a time stalls on every token (store-to-load
    /// forwarding fails), which cost a third of the vocabulary pass.
    #[inline]
    pub(super) fn new(word: &str) -> Option<Short> {
        let b = word.as_bytes();
        let n = b.len();
        let load8 = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
        let load4 = |at: usize| {
            u64::from(u32::from_le_bytes(
                b[at..at + 4].try_into().expect("4 bytes"),
            ))
        };
        // Each arm puts byte i of the word at bits 8i.. of the words; where two loads
        // overlap they hold the same bytes at the same places, so OR-ing them is exact.
        let w = match n {
            0 => [0; 3],
            1..=3 => [
                u64::from(b[0])
                    | u64::from(b[n / 2]) << (8 * (n / 2))
                    | u64::from(b[n - 1]) << (8 * (n - 1)),
                0,
                0,
            ],
            4..=8 => [load4(0) | load4(n - 4) << (8 * (n - 4)), 0, 0],
            9..=16 => [load8(0), load8(n - 8) >> (8 * (16 - n)), 0],
            17..=23 => [load8(0), load8(8), load8(n - 8) >> (8 * (24 - n))],
            _ => return None,
        };
        Some(Short([w[0], w[1], w[2] | (n as u64) << 56]))
    }

    fn len(&self) -> usize {
        (self.0[2] >> 56) as usize
    }

    /// The word's bytes, zero-padded to 24 (the first `len()` are the word).
    fn padded(&self) -> [u8; 24] {
        let mut out = [0u8; 24];
        for (dst, w) in out.chunks_exact_mut(8).zip(self.0) {
            dst.copy_from_slice(&w.to_le_bytes());
        }
        out[Self::MAX] = 0;
        out
    }

    /// Byte order of the words (as `a.as_bytes().cmp(b.as_bytes())`): the zero padding
    /// sorts a prefix first, and where two words agree on the 23 padded bytes (one is the
    /// other followed by zero bytes), the length in the last byte decides.
    fn cmp_bytes(&self, other: &Short) -> std::cmp::Ordering {
        let big = |s: &Short| s.0.map(u64::swap_bytes);
        big(self).cmp(&big(other))
    }
}

impl Short {
    /// The three words folded into one (rotated so that equal words at different places
    /// do not cancel): the hasher's input and, multiplied differently, the shard's.
    #[inline]
    fn fold(&self) -> u64 {
        self.0[0] ^ self.0[1].rotate_left(21) ^ self.0[2].rotate_left(42)
    }
}

impl std::hash::Hash for Short {
    /// One word for the hasher to mix, not three: the key is hashed once per token.
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.fold());
    }
}

/// Word → index, with words of up to [`Short::MAX`] bytes held inline: a lookup hashes
/// and compares three words in the table, with no pointer to follow (the trainer looks up
/// every token of its first epoch).
///
/// The short words are spread over [`SHARDS`] maps by a hash of their own, so that the
/// index of a large vocabulary is built shard by shard: each shard's map is small enough to
/// stay in cache while it fills, and the shards fill on parallel threads. (Filled as one
/// map, 3 million words cost 0.6 s of cache misses on one thread.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct WordIndex {
    shards: Box<[FxHashMap<Short, u32>]>,
    long: FxHashMap<Box<str>, u32>,
}

/// Maps of short words in a [`WordIndex`] (and in a
/// [`VocabularyBuilder`](super::VocabularyBuilder)).
pub(super) const SHARDS: usize = 256;

/// Vocabularies smaller than this are sorted and indexed on one thread.
pub(super) const PARALLEL_FROM: usize = 1 << 16;

/// The shard of `k`: the top bits of the folded key times a constant other than FxHash's,
/// so independent of the map's own hash (whose top bits are hashbrown's tags, and must
/// vary within a shard).
#[inline]
pub(super) fn shard_of(k: &Short) -> usize {
    (k.fold().wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SHARDS.trailing_zeros())) as usize
}

impl WordIndex {
    /// The index of `words`: word `i` → `i`.
    ///
    /// # Errors
    /// The position of the first word that repeats an earlier one (as a loop over the words
    /// would find it).
    pub(super) fn build(words: &[String]) -> std::result::Result<WordIndex, usize> {
        Self::build_with(words, |i| Short::new(&words[i]))
    }

    /// [`build`](Self::build) with the short words' keys given by `short(i)` (`None` for a
    /// word over [`Short::MAX`] bytes): keys already at hand spare a pass over the strings,
    /// each a pointer to follow.
    pub(super) fn build_with(
        words: &[String],
        short: impl Fn(usize) -> Option<Short> + Sync,
    ) -> std::result::Result<WordIndex, usize> {
        // The positions of the short words, grouped by shard (a counting sort).
        let mut starts = vec![0usize; SHARDS + 1];
        for k in (0..words.len()).filter_map(&short) {
            starts[shard_of(&k) + 1] += 1;
        }
        for s in 0..SHARDS {
            starts[s + 1] += starts[s];
        }
        let mut grouped = vec![0u32; starts[SHARDS]];
        let mut next = starts.clone();
        let mut long = FxHashMap::default();
        let mut first_repeat = usize::MAX;
        for (i, w) in words.iter().enumerate() {
            match short(i) {
                Some(k) => {
                    let s = shard_of(&k);
                    grouped[next[s]] = i as u32;
                    next[s] += 1;
                }
                None => {
                    if long.insert(Box::from(w.as_str()), i as u32).is_some() {
                        first_repeat = first_repeat.min(i);
                    }
                }
            }
        }
        let repeat = AtomicUsize::new(first_repeat);
        let threads = match words.len() >= PARALLEL_FROM {
            true => std::thread::available_parallelism().map_or(1, |n| n.get()),
            false => 1,
        };
        let fill = |s: usize| {
            let members = &grouped[starts[s]..starts[s + 1]];
            let mut map = FxHashMap::with_capacity_and_hasher(members.len(), Default::default());
            for &i in members {
                let k = short(i as usize).expect("grouped as short");
                if let std::collections::hash_map::Entry::Vacant(e) = map.entry(k) {
                    e.insert(i);
                } else {
                    // Positions rise within a shard: this is the shard's first repeat.
                    repeat.fetch_min(i as usize, Relaxed);
                    break;
                }
            }
            std::iter::once(map)
        };
        let shards = try_vec_with(SHARDS, 1, threads, String::new, |_| 0, fill)
            .expect("256 empty maps fit in memory");
        match repeat.into_inner() {
            usize::MAX => Ok(WordIndex {
                shards: shards.into_boxed_slice(),
                long,
            }),
            i => Err(i),
        }
    }

    #[inline]
    pub(super) fn get(&self, word: &str) -> Option<u32> {
        match Short::new(word) {
            Some(k) => self.shards[shard_of(&k)].get(&k).copied(),
            None => self.long.get(word).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Keys of words of 0–23 bytes (any bytes, zero bytes too) hold the word exactly,
        /// are equal only for equal words, and sort in byte order.
        #[test]
        fn short_keys_hold_the_word_and_sort_in_byte_order(
            a in "[a\\x00é日]{0,12}",
            b in "[a\\x00é日]{0,12}",
        ) {
            for w in [&a, &b] {
                if let Some(k) = Short::new(w) {
                    proptest::prop_assert_eq!(&k.padded()[..k.len()], w.as_bytes());
                } else {
                    proptest::prop_assert!(w.len() > Short::MAX);
                }
            }
            if let (Some(ka), Some(kb)) = (Short::new(&a), Short::new(&b)) {
                proptest::prop_assert_eq!(ka == kb, a == b);
                proptest::prop_assert_eq!(ka.cmp_bytes(&kb), a.as_bytes().cmp(b.as_bytes()));
            }
            let (ka, kb) = (key(&a), key(&b));
            proptest::prop_assert_eq!(ka.cmp_bytes(&kb), a.as_bytes().cmp(b.as_bytes()));
        }
    }

    /// A sort key as `build` makes it: inline when short, boxed otherwise.
    fn key(w: &str) -> Key {
        Short::new(w).map_or_else(|| Key::Long(w.into()), Key::Short)
    }

    #[test]
    fn short_keys_of_every_length_round_trip() {
        let word = "abcdefghijklmnopqrstuvwxyz";
        for n in 0..=Short::MAX {
            let k = Short::new(&word[..n]).unwrap();
            assert_eq!(&k.padded()[..k.len()], &word.as_bytes()[..n]);
            assert_eq!(k.len(), n);
        }
        assert!(Short::new(&word[..24]).is_none());
    }

    #[test]
    fn the_index_maps_short_and_long_words_and_finds_the_first_repeat() {
        let long = "x".repeat(Short::MAX + 1);
        let fixed = [
            "",
            "a",
            "ab\0",
            "ab",
            "日本語",
            long.as_str(),
            "abcdefghijklmnopqrstuvw",
        ];
        // Small (one thread) and large (sharded on several threads) vocabularies.
        for n in [0, PARALLEL_FROM + 10] {
            let mut words: Vec<String> = fixed.iter().map(|w| w.to_string()).collect();
            words.extend((0..n).map(|i| format!("w{i}")));
            let idx = WordIndex::build(&words).unwrap();
            for (i, w) in words.iter().enumerate() {
                assert_eq!(idx.get(w), Some(i as u32), "{w:?}");
            }
            let absent = ["b", "ab\0\0", "abc", "abcdefghijklmnopqrstuvx"];
            for w in absent
                .iter()
                .map(|w| w.to_string())
                .chain([long.clone() + "x"])
            {
                assert_eq!(idx.get(&w), None, "{w:?}");
            }
            // The first repeat in word order, whichever shard (or the long map) holds it.
            let last = words.len() - 1;
            let cases = [(last, 1), (last, 5), (6, 5), (9, 3), (words.len() / 2, 7)];
            for (at, of) in cases.into_iter().filter(|&(at, of)| of < at && at <= last) {
                let mut with_repeats = words.clone();
                with_repeats[at] = words[of].clone();
                if at + 5 < words.len() {
                    with_repeats[at + 5] = words[0].clone();
                }
                let found = WordIndex::build(&with_repeats);
                assert_eq!(found, Err(at), "n {n}: word {at} repeats word {of}");
            }
        }
    }
}
