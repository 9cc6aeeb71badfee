//! Character n-grams of a word and their hashed bucket ids, as fastText computes them
//! (Bojanowski et al. 2017, "Enriching Word Vectors with Subword Information").
//!
//! A word is wrapped in the boundary marks `<` and `>`; every run of `minn..=maxn`
//! UTF-8 *characters* of `<word>` is an n-gram, except the single characters `<` and `>`
//! themselves. The whole `<word>` is an n-gram when its length (in characters, marks
//! included) lies in `minn..=maxn`. An n-gram's bucket is [`fasttext_hash`] of its bytes
//! modulo the number of buckets; in a model with a vocabulary of V words its row in the
//! input matrix p ((V + bucket) × N) is `V + bucket id`.
//!
//! ```
//! use skipgram::subword::{NgramConfig, ngrams};
//! let cfg = NgramConfig { minn: 3, maxn: 4, bucket: 2_000_000 };
//! let grams: Vec<String> = ngrams("ab", &cfg).into_iter().map(|(g, _)| g).collect();
//! assert_eq!(grams, ["<ab", "<ab>", "ab>"]);
//! ```

use crate::error::{Error, Result};

/// The marker fastText puts before a word when taking its n-grams.
pub const BOW: &str = "<";
/// The marker fastText puts after a word when taking its n-grams.
pub const EOW: &str = ">";
/// fastText's end-of-sentence token, which gets no n-grams.
pub const EOS: &str = "</s>";

/// fastText's 32-bit FNV-1a variant over the bytes of `s`.
///
/// Each byte is *sign-extended* before the xor (fastText hashes `uint32_t(int8_t(byte))`),
/// so bytes ≥ 0x80 (every byte of a multi-byte UTF-8 character) differ from textbook
/// FNV-1a: `h = 2166136261; for b in bytes { h ^= b as i8 as i32 as u32; h *= 16777619 }`.
/// Source: fastText, `Dictionary::hash` in src/dictionary.cc.
///
/// ```
/// use skipgram::subword::fasttext_hash;
/// assert_eq!(fasttext_hash(""), 2166136261);
/// // ASCII bytes agree with textbook FNV-1a ("a" → 0xe40c292c).
/// assert_eq!(fasttext_hash("a"), 0xe40c292c);
/// ```
pub fn fasttext_hash(s: &str) -> u32 {
    let mut h: u32 = 2_166_136_261;
    for &b in s.as_bytes() {
        h ^= b as i8 as i32 as u32;
        h = h.wrapping_mul(16_777_619);
    }
    h
}

/// The n-gram settings of a subword model, named as fastText names them.
///
/// Memory: a model with V words has (V + `bucket`) × N floats in p (4 bytes each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NgramConfig {
    /// Shortest n-gram, in characters (fastText's `-minn`, default 3).
    pub minn: usize,
    /// Longest n-gram, in characters (fastText's `-maxn`, default 6); 0 turns subwords off.
    pub maxn: usize,
    /// Number of hash buckets (fastText's `-bucket`, default 2,000,000).
    pub bucket: usize,
}

impl Default for NgramConfig {
    fn default() -> Self {
        NgramConfig {
            minn: 3,
            maxn: 6,
            bucket: 2_000_000,
        }
    }
}

impl NgramConfig {
    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when subwords are on (`maxn > 0`) and `minn` is 0,
    /// `minn > maxn`, `bucket` is 0, or `bucket` exceeds `i32::MAX` (fastText's file
    /// format stores it as a 32-bit integer).
    pub fn validate(&self) -> Result<()> {
        if self.maxn == 0 {
            return Ok(());
        }
        if self.minn == 0 || self.minn > self.maxn {
            return Err(Error::InvalidConfig(format!(
                "n-gram lengths need 1 <= minn <= maxn (minn = {}, maxn = {})",
                self.minn, self.maxn
            )));
        }
        if self.bucket == 0 || self.bucket > i32::MAX as usize {
            return Err(Error::InvalidConfig(format!(
                "bucket must be in 1..={} when maxn > 0 (bucket = {})",
                i32::MAX,
                self.bucket
            )));
        }
        Ok(())
    }

    /// Whether subwords are on (`maxn > 0`).
    pub fn enabled(&self) -> bool {
        self.maxn > 0
    }

    /// The bucket id (in `0..bucket`) of an n-gram: [`fasttext_hash`] modulo `bucket`.
    ///
    /// # Panics
    /// If `bucket` is 0.
    pub fn bucket_of(&self, ngram: &str) -> usize {
        (fasttext_hash(ngram) as u64 % self.bucket as u64) as usize
    }
}

/// Calls `f(ngram, bucket_id)` for each n-gram of `word` (without marks; they are added
/// here), in fastText's order: by start character, then by length. Bucket ids are in
/// `0..bucket`; add V for the row in p.
///
/// Calls nothing when subwords are off (`maxn == 0`) or for [`EOS`]. Source: fastText,
/// `Dictionary::computeSubwords` in src/dictionary.cc.
///
/// # Panics
/// If subwords are on and `bucket` is 0 (see [`NgramConfig::validate`]).
pub fn for_each_ngram(word: &str, cfg: &NgramConfig, mut f: impl FnMut(&str, usize)) {
    if !cfg.enabled() || word == EOS {
        return;
    }
    let mut text = String::with_capacity(word.len() + 2);
    text.push_str(BOW);
    text.push_str(word);
    text.push_str(EOW);
    // Byte offsets of character starts, plus the end.
    let mut bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    bounds.push(text.len());
    let chars = bounds.len() - 1;
    for start in 0..chars {
        for n in cfg.minn.max(1)..=cfg.maxn {
            let end = start + n;
            if end > chars {
                break;
            }
            // fastText skips a lone boundary mark.
            if n == 1 && (start == 0 || end == chars) {
                continue;
            }
            let g = &text[bounds[start]..bounds[end]];
            f(g, cfg.bucket_of(g));
        }
    }
}

/// The n-grams of `word` with their bucket ids (in `0..bucket`), in fastText's order;
/// see [`for_each_ngram`].
///
/// # Panics
/// As [`for_each_ngram`].
pub fn ngrams(word: &str, cfg: &NgramConfig) -> Vec<(String, usize)> {
    let mut v = Vec::new();
    for_each_ngram(word, cfg, |g, id| v.push((g.to_owned(), id)));
    v
}

/// The bucket ids (in `0..bucket`) of `word`'s n-grams, in fastText's order.
///
/// # Panics
/// As [`for_each_ngram`].
pub fn bucket_ids(word: &str, cfg: &NgramConfig) -> Vec<usize> {
    let mut v = Vec::new();
    for_each_ngram(word, cfg, |_, id| v.push(id));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_sign_extends_high_bytes() {
        // Textbook FNV-1a of "é" (0xC3 0xA9) differs from fastText's.
        let mut textbook: u32 = 2_166_136_261;
        for b in "é".bytes() {
            textbook ^= b as u32;
            textbook = textbook.wrapping_mul(16_777_619);
        }
        let mut signed: u32 = 2_166_136_261;
        for b in [0xFFFF_FFC3u32, 0xFFFF_FFA9] {
            signed ^= b;
            signed = signed.wrapping_mul(16_777_619);
        }
        assert_eq!(fasttext_hash("é"), signed);
        assert_ne!(fasttext_hash("é"), textbook);
    }

    #[test]
    fn ngrams_of_short_words() {
        let cfg = NgramConfig {
            minn: 1,
            maxn: 3,
            bucket: 10,
        };
        let g: Vec<String> = ngrams("a", &cfg).into_iter().map(|x| x.0).collect();
        // Lone marks are skipped; "a" itself and the whole "<a>" are n-grams.
        assert_eq!(g, ["<a", "<a>", "a", "a>"]);
        let cfg = NgramConfig {
            minn: 3,
            maxn: 6,
            bucket: 10,
        };
        let g: Vec<String> = ngrams("日本", &cfg).into_iter().map(|x| x.0).collect();
        assert_eq!(g, ["<日本", "<日本>", "日本>"]);
        assert!(ngrams(EOS, &cfg).is_empty());
        let off = NgramConfig { maxn: 0, ..cfg };
        assert!(ngrams("word", &off).is_empty());
    }

    #[test]
    fn validate_rejects_bad_settings() {
        assert!(NgramConfig {
            minn: 4,
            maxn: 3,
            bucket: 10
        }
        .validate()
        .is_err());
        assert!(NgramConfig {
            minn: 0,
            maxn: 3,
            bucket: 10
        }
        .validate()
        .is_err());
        assert!(NgramConfig {
            minn: 3,
            maxn: 6,
            bucket: 0
        }
        .validate()
        .is_err());
        assert!(NgramConfig {
            minn: 0,
            maxn: 0,
            bucket: 0
        }
        .validate()
        .is_ok());
    }
}
