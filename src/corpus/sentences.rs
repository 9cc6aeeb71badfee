//! Corpora built from sentences in memory, raw or already tokenised.

use super::Corpus;
use crate::error::{Error, Result};

impl Corpus {
    /// A corpus held in memory from an iterator of sentences, each a string of
    /// whitespace-separated tokens; each sentence becomes one line, so context windows never
    /// cross from one sentence into the next.
    ///
    /// A newline inside a sentence is read as a space (it does not start a new sentence).
    /// The sentences are copied into one buffer: for input larger than memory, write it to
    /// a file and use [`from_path`](Self::from_path).
    ///
    /// ```
    /// use skipgram::Corpus;
    /// let corpus = Corpus::from_sentences(["the cat sat", "the dog\nran"]);
    /// let v = corpus.build_vocabulary(1, None)?;
    /// assert_eq!(v.words(), ["the", "cat", "dog", "ran", "sat"]);
    /// assert_eq!(v.total_count(), 6);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    pub fn from_sentences<I, S>(sentences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut text = Vec::new();
        for s in sentences {
            let start = text.len();
            text.extend_from_slice(s.as_ref().as_bytes());
            for b in &mut text[start..] {
                if *b == b'\n' {
                    *b = b' ';
                }
            }
            text.push(b'\n');
        }
        Corpus::from_bytes(text)
    }

    /// A corpus held in memory from an iterator of tokenised sentences (each an iterator of
    /// tokens), one line per sentence, so context windows never cross from one sentence
    /// into the next.
    ///
    /// Tokens are stored separated by spaces and read back by the same whitespace
    /// tokeniser as any corpus, so a token may not be empty or contain ASCII whitespace
    /// (space, tab, newline, carriage return, form feed); other characters, U+00A0
    /// included, are fine. As for any input, tokens longer than
    /// [`MAX_TOKEN_BYTES`](crate::corpus::MAX_TOKEN_BYTES) are skipped when read.
    ///
    /// ```
    /// use skipgram::Corpus;
    /// let corpus = Corpus::from_tokenized([vec!["New_York", "is", "big"], vec!["is", "it"]])?;
    /// let v = corpus.build_vocabulary(1, None)?;
    /// assert_eq!(v.words(), ["is", "New_York", "big", "it"]);
    ///
    /// let bad = Corpus::from_tokenized([["fine"], ["New York"]]).unwrap_err();
    /// assert_eq!(
    ///     bad.to_string(),
    ///     "malformed tokenized sentences data at line 2: token 1 \"New York\" contains whitespace"
    /// );
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Format`] naming the sentence (1-based, as `line`) and the token (1-based)
    /// if a token is empty or contains ASCII whitespace.
    pub fn from_tokenized<I, T, S>(sentences: I) -> Result<Self>
    where
        I: IntoIterator<Item = T>,
        T: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut text = Vec::new();
        for (line, sentence) in sentences.into_iter().enumerate() {
            for (i, token) in sentence.into_iter().enumerate() {
                let token = token.as_ref();
                let problem = if token.is_empty() {
                    "is empty"
                } else if token.bytes().any(|b| b.is_ascii_whitespace()) {
                    "contains whitespace"
                } else {
                    if i > 0 {
                        text.push(b' ');
                    }
                    text.extend_from_slice(token.as_bytes());
                    continue;
                };
                return Err(Error::Format {
                    format: "tokenized sentences",
                    line: Some(line as u64 + 1),
                    message: format!("token {} {token:?} {problem}", i + 1),
                });
            }
            text.push(b'\n');
        }
        Ok(Corpus::from_bytes(text))
    }
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::*;

    fn tokens_with_starts(c: &Corpus) -> Vec<(String, bool)> {
        let mut seen = Vec::new();
        c.scan_part(0, 1, |t, start| {
            seen.push((t.to_string(), start));
            ControlFlow::Continue(())
        })
        .unwrap();
        seen
    }

    #[test]
    fn each_sentence_is_a_line() {
        let want: Vec<(String, bool)> = [("a", false), ("b", false), ("c", true), ("d", true)]
            .iter()
            .map(|&(t, s)| (t.to_string(), s))
            .collect();
        // A newline inside a sentence does not start a new one; an empty sentence is an
        // empty line.
        let c = Corpus::from_sentences(["a\nb", "", "c", "d"]);
        assert_eq!(tokens_with_starts(&c), want);
        let c = Corpus::from_tokenized([vec!["a", "b"], vec![], vec!["c"], vec!["d"]]).unwrap();
        assert_eq!(tokens_with_starts(&c), want);
    }
}
