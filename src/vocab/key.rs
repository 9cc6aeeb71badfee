//! Words as hash-map keys: a word of up to 23 bytes is held inline ([`Short`]), longer
//! ones boxed. Counting ([`VocabularyBuilder`](super::VocabularyBuilder)) and the
//! vocabulary's word → index map ([`WordIndex`]) both look a word up once per token.

use rustc_hash::FxHashMap;

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

    pub(super) fn into_string(self) -> String {
        match self {
            // Valid UTF-8 (it came in as a &str): the lossy conversion changes nothing.
            Key::Short(s) => String::from_utf8_lossy(&s.padded()[..s.len()]).into_owned(),
            Key::Long(s) => s.into(),
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

impl std::hash::Hash for Short {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for w in self.0 {
            state.write_u64(w);
        }
    }
}

/// Word → index, with words of up to [`Short::MAX`] bytes held inline: a lookup hashes
/// and compares three words in the table, with no pointer to follow (the trainer looks up
/// every token of its first epoch).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct WordIndex {
    short: FxHashMap<Short, u32>,
    long: FxHashMap<Box<str>, u32>,
}

impl WordIndex {
    pub(super) fn with_capacity(n: usize) -> Self {
        WordIndex {
            short: FxHashMap::with_capacity_and_hasher(n, Default::default()),
            long: FxHashMap::default(),
        }
    }

    /// Maps `word` to `index`; `false` (and no change) if `word` is mapped already.
    pub(super) fn insert(&mut self, word: &str, index: u32) -> bool {
        use std::collections::hash_map::Entry;
        match Short::new(word) {
            Some(k) => match self.short.entry(k) {
                Entry::Vacant(e) => {
                    e.insert(index);
                    true
                }
                Entry::Occupied(_) => false,
            },
            None => match self.long.entry(word.into()) {
                Entry::Vacant(e) => {
                    e.insert(index);
                    true
                }
                Entry::Occupied(_) => false,
            },
        }
    }

    #[inline]
    pub(super) fn get(&self, word: &str) -> Option<u32> {
        match Short::new(word) {
            Some(k) => self.short.get(&k).copied(),
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
    fn the_index_maps_short_and_long_words_and_refuses_duplicates() {
        let long = "x".repeat(Short::MAX + 1);
        let words = [
            "",
            "a",
            "ab\0",
            "ab",
            "日本語",
            long.as_str(),
            "abcdefghijklmnopqrstuvw",
        ];
        let mut idx = WordIndex::with_capacity(2);
        for (i, w) in words.iter().enumerate() {
            assert!(idx.insert(w, i as u32), "{w:?}");
        }
        for (i, w) in words.iter().enumerate() {
            assert_eq!(idx.get(w), Some(i as u32), "{w:?}");
            assert!(!idx.insert(w, 99), "{w:?} again");
            assert_eq!(idx.get(w), Some(i as u32), "{w:?} kept");
        }
        for w in [
            "b",
            "ab\0\0",
            "abc",
            &"x".repeat(Short::MAX + 2),
            "abcdefghijklmnopqrstuvx",
        ] {
            assert_eq!(idx.get(w), None, "{w:?}");
        }
    }
}
