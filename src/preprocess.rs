//! The text normalisation of L. Lorenz's tutorial ("Forward Propagation: Building a Skip-Gram
//! Net From the Ground Up", District Data Labs): lowercase, strip punctuation, drop stop words, stem.
//!
//! The tutorial turns "Duct tape works anywhere. Duct tape is magic and should be worshiped."
//! into `duct tape work anywher duct tape magic worship`; [`Preprocessor::tutorial`] does exactly
//! that. Stemming uses the Snowball (Porter2) English stemmer from the `rust-stemmers` crate,
//! behind the default Cargo feature `stemming`.
//!
//! Stemming and stop-word removal are the tutorial's steps, not a way to prepare text for
//! training embeddings: they merge word forms (`locat`, `homag`) and drop the function words
//! whose contexts embeddings learn from. To train on raw text use
//! [`Tokenizer`](crate::Tokenizer) ([`Corpus::with_tokenizer`](crate::Corpus::with_tokenizer),
//! `skipgram train --tokenize`).

use rustc_hash::FxHashSet;

/// English stop words: NLTK's `stopwords.words('english')` list (179 words), the list the
/// tutorial's walkthrough drops.
#[rustfmt::skip]
pub const ENGLISH_STOP_WORDS: &[&str] = &[
    "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "you're", "you've",
    "you'll", "you'd", "your", "yours", "yourself", "yourselves", "he", "him", "his", "himself",
    "she", "she's", "her", "hers", "herself", "it", "it's", "its", "itself", "they", "them",
    "their", "theirs", "themselves", "what", "which", "who", "whom", "this", "that", "that'll",
    "these", "those", "am", "is", "are", "was", "were", "be", "been", "being", "have", "has",
    "had", "having", "do", "does", "did", "doing", "a", "an", "the", "and", "but", "if", "or",
    "because", "as", "until", "while", "of", "at", "by", "for", "with", "about", "against",
    "between", "into", "through", "during", "before", "after", "above", "below", "to", "from",
    "up", "down", "in", "out", "on", "off", "over", "under", "again", "further", "then", "once",
    "here", "there", "when", "where", "why", "how", "all", "any", "both", "each", "few", "more",
    "most", "other", "some", "such", "no", "nor", "not", "only", "own", "same", "so", "than",
    "too", "very", "s", "t", "can", "will", "just", "don", "don't", "should", "should've", "now",
    "d", "ll", "m", "o", "re", "ve", "y", "ain", "aren", "aren't", "couldn", "couldn't",
    "didn", "didn't", "doesn", "doesn't", "hadn", "hadn't", "hasn", "hasn't", "haven",
    "haven't", "isn", "isn't", "ma", "mightn", "mightn't", "mustn", "mustn't", "needn",
    "needn't", "shan", "shan't", "shouldn", "shouldn't", "wasn", "wasn't", "weren", "weren't",
    "won", "won't", "wouldn", "wouldn't",
];

/// A per-token normalisation pipeline. Each step can be switched off.
///
/// Steps, in order: lowercase (Unicode); drop stop words (matched after lowercasing, before
/// punctuation is stripped, so `don't` is caught); strip every character that is not
/// alphanumeric (so `tape.` → `tape`, `don't` → `dont`); drop tokens left empty; stem.
///
/// ```
/// use skipgram::Preprocessor;
/// let p = Preprocessor::tutorial();
/// let out = p.process("Duct tape works anywhere. Duct tape is magic and should be worshiped.");
/// # #[cfg(feature = "stemming")]
/// assert_eq!(out.join(" "), "duct tape work anywher duct tape magic worship");
/// ```
#[derive(Clone)]
pub struct Preprocessor {
    lowercase: bool,
    strip_punctuation: bool,
    stop_words: FxHashSet<String>,
    #[cfg(feature = "stemming")]
    stemmer: Option<std::sync::Arc<rust_stemmers::Stemmer>>,
}

impl std::fmt::Debug for Preprocessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Preprocessor");
        d.field("lowercase", &self.lowercase)
            .field("strip_punctuation", &self.strip_punctuation)
            .field("stop_words", &self.stop_words.len());
        #[cfg(feature = "stemming")]
        d.field("stem", &self.stemmer.is_some());
        d.finish()
    }
}

/// The tutorial's pipeline, [`Preprocessor::tutorial`]: lowercase, strip punctuation, drop
/// stop words, stem.
///
/// It reproduces the tutorial; it is not the preparation for training embeddings, which
/// want every word form and every function word: stemming (`locations` → `locat`) merges
/// words that embeddings should tell apart, and dropping stop words removes contexts.
/// For raw text use [`Tokenizer`](crate::Tokenizer) instead (no stemming, no stop words).
impl Default for Preprocessor {
    fn default() -> Self {
        Self::tutorial()
    }
}

impl Preprocessor {
    /// All of the tutorial's steps: lowercase, strip punctuation, drop [`ENGLISH_STOP_WORDS`],
    /// and stem with Snowball English (when the `stemming` feature is on).
    ///
    /// For the tutorial, not for training embeddings (see [`Preprocessor::default`]); raw
    /// text for training goes through [`Tokenizer`](crate::Tokenizer).
    pub fn tutorial() -> Self {
        Preprocessor {
            lowercase: true,
            strip_punctuation: true,
            stop_words: ENGLISH_STOP_WORDS.iter().map(|s| s.to_string()).collect(),
            #[cfg(feature = "stemming")]
            stemmer: Some(std::sync::Arc::new(rust_stemmers::Stemmer::create(
                rust_stemmers::Algorithm::English,
            ))),
        }
    }

    /// No step at all: tokens pass through unchanged.
    pub fn none() -> Self {
        Preprocessor {
            lowercase: false,
            strip_punctuation: false,
            stop_words: FxHashSet::default(),
            #[cfg(feature = "stemming")]
            stemmer: None,
        }
    }

    /// Switch lowercasing on or off.
    pub fn lowercase(mut self, on: bool) -> Self {
        self.lowercase = on;
        self
    }

    /// Switch punctuation stripping on or off.
    pub fn strip_punctuation(mut self, on: bool) -> Self {
        self.strip_punctuation = on;
        self
    }

    /// Replace the stop word list (empty: keep every word).
    pub fn stop_words<I, S>(mut self, words: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.stop_words = words.into_iter().map(Into::into).collect();
        self
    }

    /// Switch Snowball English stemming on or off.
    #[cfg(feature = "stemming")]
    pub fn stem(mut self, on: bool) -> Self {
        self.stemmer = on.then(|| {
            std::sync::Arc::new(rust_stemmers::Stemmer::create(
                rust_stemmers::Algorithm::English,
            ))
        });
        self
    }

    /// Normalises one whitespace-free token; `None` if it is dropped (stop word, or nothing
    /// left after stripping punctuation).
    pub fn process_token(&self, token: &str) -> Option<String> {
        let mut t = if self.lowercase {
            token.to_lowercase()
        } else {
            token.to_string()
        };
        if self.stop_words.contains(&t) {
            return None;
        }
        if self.strip_punctuation {
            t.retain(char::is_alphanumeric);
            if t.is_empty() || self.stop_words.contains(&t) {
                return None;
            }
        }
        #[cfg(feature = "stemming")]
        if let Some(s) = &self.stemmer {
            t = s.stem(&t).into_owned();
        }
        Some(t)
    }

    /// Splits `text` at ASCII whitespace, exactly as a [`Corpus`](crate::Corpus) splits its
    /// tokens (so a query is tokenised as the training text was: a no-break space U+00A0
    /// does not separate tokens in either), and normalises every token.
    pub fn process(&self, text: &str) -> Vec<String> {
        text.split_ascii_whitespace()
            .filter_map(|t| self.process_token(t))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "stemming")]
    #[test]
    fn tutorial_sentence() {
        let out = Preprocessor::tutorial()
            .process("Duct tape works anywhere. Duct tape is magic and should be worshiped.");
        assert_eq!(
            out,
            ["duct", "tape", "work", "anywher", "duct", "tape", "magic", "worship"]
        );
    }

    #[test]
    fn steps_can_be_switched_off() {
        let p = Preprocessor::none();
        assert_eq!(p.process("The Cat, sat."), ["The", "Cat,", "sat."]);
        let p = Preprocessor::none().lowercase(true).strip_punctuation(true);
        assert_eq!(p.process("The Cat, sat. ..."), ["the", "cat", "sat"]);
        let p = p.stop_words(["the"]);
        assert_eq!(p.process("The Cat, sat."), ["cat", "sat"]);
        assert_eq!(Preprocessor::tutorial().process_token("Don't"), None);
    }
}
