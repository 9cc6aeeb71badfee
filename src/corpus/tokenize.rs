//! Tokenising raw text for training embeddings: Unicode lowercasing, punctuation split off
//! words at Unicode word boundaries (UAX #29), optional accent stripping. No stemming and no
//! stop words: those belong to the tutorial's [`Preprocessor`](crate::Preprocessor), not to
//! training embeddings (Mikolov et al. 2013 train on every word form).

use std::ops::ControlFlow;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

use crate::vocab::Vocabulary;

/// Turns raw text (`"Adrien, (LUB)."`) into the tokens embeddings are trained on
/// (`adrien lub`).
///
/// The same tokeniser serves corpora ([`Corpus::with_tokenizer`](crate::Corpus::with_tokenizer))
/// and queries ([`tokenize`](Self::tokenize)), so a word is looked up as it was trained.
///
/// What it does, exactly:
/// 1. Text is split at ASCII whitespace, as every [`Corpus`](crate::Corpus) splits it (a
///    newline still ends a sentence); each piece is then tokenised on its own, as below.
/// 2. Lowercase, with Unicode's full rules ([`str::to_lowercase`]: `Straße` → `straße`,
///    `ΣΟΦΟΣ` → `σοφος`).
/// 3. The typographic apostrophe `’` (U+2019) becomes `'`, and the hyphens U+2010 and U+2011
///    become `-`, so that `don’t` and `don't` are one word.
/// 4. With [`strip_accents`](Self::strip_accents): canonical decomposition (NFD), every
///    combining mark dropped, recomposition (NFC): `café` → `cafe`, `Đà Nẵng` → `đa nang`.
///    This drops *every* combining mark, which changes words in scripts that need them
///    (Devanagari vowel signs, Arabic and Hebrew points): leave it off for such text.
/// 5. Split at Unicode word boundaries (UAX #29, the `unicode-segmentation` crate); the
///    segments that hold no letter or digit (punctuation, symbols, other whitespace such as
///    the no-break space U+00A0) are dropped. UAX #29 keeps together:
///    - letters and digits (`mp3`, `1990s`);
///    - numbers with inner separators (`3.14`, `1,000`), but not signs or units (`-5%` → `5`);
///    - an apostrophe or a period between letters (`don't`, `o'neill`, `u.s.` → `u.s`);
///    - underscores (`new_york`, so phrases survive).
/// 6. Words joined by one hyphen (`-`) with no space are kept as one word
///    (`state-of-the-art`, `covid-19`); `--`, a hyphen before a space and a leading or
///    trailing hyphen split (`well- known` → `well`, `known`).
/// 7. Characters that are neither letters, digits nor combining marks are trimmed off both
///    ends of each word (a trailing `_`), so no token begins or ends with punctuation.
///
/// ```
/// use skipgram::Tokenizer;
/// let t = Tokenizer::new();
/// assert_eq!(
///     t.tokenize("Adrien, (LUB). Don’t state-of-the-art 3.14 U.S. 1,000 Émile"),
///     ["adrien", "lub", "don't", "state-of-the-art", "3.14", "u.s", "1,000", "émile"]
/// );
/// assert_eq!(t.clone().strip_accents(true).tokenize("Émile Zoë"), ["emile", "zoe"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tokenizer {
    strip_accents: bool,
}

/// Reusable buffers of one tokenising thread.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    text: String,
}

impl Tokenizer {
    /// Lowercasing and word-boundary splitting, accents kept.
    pub fn new() -> Self {
        Self::default()
    }

    /// Switch accent stripping (NFD, combining marks dropped, NFC) on or off.
    pub fn strip_accents(mut self, on: bool) -> Self {
        self.strip_accents = on;
        self
    }

    /// Whether accents are stripped.
    pub fn strips_accents(&self) -> bool {
        self.strip_accents
    }

    /// The tokens of `text`, as a [`Corpus`](crate::Corpus) with this tokeniser reads them
    /// (sentence ends aside).
    pub fn tokenize(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut scratch = Scratch::default();
        for piece in text.split_ascii_whitespace() {
            let _ = self.split(piece, &mut scratch, |t, _| {
                out.push(t.to_string());
                ControlFlow::<()>::Continue(())
            });
        }
        out
    }

    /// Calls `f(token, first)` on the tokens of `piece` (text without ASCII whitespace), in
    /// order; `first` is true for the first token only.
    #[inline]
    pub(crate) fn split<B>(
        &self,
        piece: &str,
        scratch: &mut Scratch,
        mut f: impl FnMut(&str, bool) -> ControlFlow<B>,
    ) -> ControlFlow<B> {
        let bytes = piece.as_bytes();
        // Fast paths: ASCII letters and digits are one word (UAX #29 WB5, WB8–WB10).
        if bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return f(piece, true);
        }
        let text = &mut scratch.text;
        text.clear();
        if bytes.iter().all(u8::is_ascii_alphanumeric) {
            text.push_str(piece);
            text.make_ascii_lowercase();
            return f(text, true);
        }
        if piece.is_ascii() {
            text.push_str(piece);
            text.make_ascii_lowercase();
        } else {
            let lower = piece.to_lowercase();
            let lower = match lower.contains(['\u{2019}', '\u{2010}', '\u{2011}']) {
                true => lower
                    .replace('\u{2019}', "'")
                    .replace(['\u{2010}', '\u{2011}'], "-"),
                false => lower,
            };
            if self.strip_accents {
                text.extend(lower.nfd().filter(|&c| !is_combining_mark(c)).nfc());
            } else {
                *text = lower;
            }
        }
        words(text, f)
    }
}

/// Calls `f` on the words of `text` (lowercased): UAX #29 words, hyphen-joined, trimmed.
fn words<B>(text: &str, mut f: impl FnMut(&str, bool) -> ControlFlow<B>) -> ControlFlow<B> {
    let mut first = true;
    let mut emit = |from: usize, to: usize| {
        let w = text[from..to].trim_matches(|c: char| !is_word_char(c));
        if w.is_empty() {
            return ControlFlow::Continue(());
        }
        f(w, std::mem::take(&mut first))
    };
    // The word being gathered (byte range), and where a hyphen right after it ends.
    let mut word: Option<(usize, usize)> = None;
    let mut hyphen_end: Option<usize> = None;
    for (at, seg) in text.split_word_bound_indices() {
        let end = at + seg.len();
        if seg.chars().any(char::is_alphanumeric) {
            word = match (word, hyphen_end) {
                (Some((from, _)), Some(h)) if h == at => Some((from, end)),
                (w, _) => {
                    if let Some((from, to)) = w {
                        emit(from, to)?;
                    }
                    Some((at, end))
                }
            };
            hyphen_end = None;
        } else if seg == "-" && hyphen_end.is_none() && word.is_some_and(|(_, to)| to == at) {
            hyphen_end = Some(end);
        } else {
            if let Some((from, to)) = word.take() {
                emit(from, to)?;
            }
            hyphen_end = None;
        }
    }
    if let Some((from, to)) = word {
        emit(from, to)?;
    }
    ControlFlow::Continue(())
}

/// Letters, digits and combining marks: what a token may begin and end with.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// Signs that a corpus is raw text that [`Tokenizer`] would clean: the share of its tokens
/// that hold a capital letter, and of those that begin or end with punctuation.
///
/// Counted over a vocabulary's types, weighted by their counts (so over every token of the
/// types kept), at no cost to the counting pass itself.
///
/// ```
/// use skipgram::{corpus::RawTextSigns, Corpus};
/// let v = Corpus::from_text("The cat sat. the cat , sat").build_vocabulary(1, None)?;
/// let s = RawTextSigns::of(&v);
/// assert_eq!((s.tokens, s.capitalized, s.punctuated), (7, 1, 1)); // "The", "sat."
/// assert!(s.looks_raw());
/// # Ok::<(), skipgram::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RawTextSigns {
    /// Tokens looked at.
    pub tokens: u64,
    /// Tokens with at least one uppercase letter.
    pub capitalized: u64,
    /// Tokens holding a letter or digit that begin or end with another character
    /// (`cat,`, `(lub).`); a token of punctuation alone (`,`) is not counted.
    pub punctuated: u64,
}

impl RawTextSigns {
    /// The share of capitalised tokens above which [`looks_raw`](Self::looks_raw) says yes.
    pub const CAPITALIZED_SHARE: f64 = 0.05;
    /// The share of punctuated tokens above which [`looks_raw`](Self::looks_raw) says yes.
    pub const PUNCTUATED_SHARE: f64 = 0.01;

    /// The signs over every token of `vocab`'s types.
    pub fn of(vocab: &Vocabulary) -> Self {
        let mut s = RawTextSigns::default();
        for (word, count) in vocab.iter() {
            s.tokens = s.tokens.saturating_add(count);
            if word.chars().any(char::is_uppercase) {
                s.capitalized = s.capitalized.saturating_add(count);
            }
            let ends = [word.chars().next(), word.chars().next_back()];
            if word.chars().any(char::is_alphanumeric)
                && ends.into_iter().flatten().any(|c| !is_word_char(c))
            {
                s.punctuated = s.punctuated.saturating_add(count);
            }
        }
        s
    }

    /// Share of capitalised tokens (0 for no tokens).
    pub fn capitalized_share(&self) -> f64 {
        self.capitalized as f64 / self.tokens.max(1) as f64
    }

    /// Share of punctuated tokens (0 for no tokens).
    pub fn punctuated_share(&self) -> f64 {
        self.punctuated as f64 / self.tokens.max(1) as f64
    }

    /// Whether more than [`CAPITALIZED_SHARE`](Self::CAPITALIZED_SHARE) of the tokens are
    /// capitalised or more than [`PUNCTUATED_SHARE`](Self::PUNCTUATED_SHARE) punctuated.
    pub fn looks_raw(&self) -> bool {
        self.capitalized_share() > Self::CAPITALIZED_SHARE
            || self.punctuated_share() > Self::PUNCTUATED_SHARE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(s: &str) -> Vec<String> {
        Tokenizer::new().tokenize(s)
    }

    #[test]
    fn punctuation_is_split_off_and_case_folded() {
        assert_eq!(tok("Adrien, (LUB)."), ["adrien", "lub"]);
        assert_eq!(tok("«Bonjour!» — “quoted”"), ["bonjour", "quoted"]);
        assert_eq!(tok("ΣΟΦΟΣ Straße"), ["σοφος", "straße"]);
        assert_eq!(tok(", ... -- !"), Vec::<String>::new());
        assert_eq!(tok("new_york_ _x_"), ["new_york", "x"]);
    }

    #[test]
    fn numbers_apostrophes_and_hyphens_are_kept_inside_words() {
        assert_eq!(
            tok("1990s 3.14 1,000 -5% $20"),
            ["1990s", "3.14", "1,000", "5", "20"]
        );
        assert_eq!(
            tok("Don’t O'Neill's 'quote'"),
            ["don't", "o'neill's", "quote"]
        );
        assert_eq!(
            tok("state-of-the-art COVID-19 well- known -x- a--b x‐y"),
            [
                "state-of-the-art",
                "covid-19",
                "well",
                "known",
                "x",
                "a",
                "b",
                "x-y"
            ]
        );
    }

    #[test]
    fn accents_are_stripped_only_when_asked() {
        assert_eq!(tok("Café naïve"), ["café", "naïve"]);
        let t = Tokenizer::new().strip_accents(true);
        assert_eq!(
            t.tokenize("Café naïve Đà Nẵng 한국어"),
            ["cafe", "naive", "đa", "nang", "한국어"]
        );
    }

    #[test]
    fn non_ascii_whitespace_separates_words() {
        // U+00A0 (no-break space) and U+2009 (thin space): not ASCII whitespace, so the
        // corpus reads one piece, which the word boundaries split.
        assert_eq!(tok("a\u{a0}b\u{2009}c"), ["a", "b", "c"]);
    }
}
