//! Applying a phrase model: the greedy left-to-right join and its streaming adapters.

use std::collections::VecDeque;

use std::io::Write;

use crate::corpus::Corpus;
use crate::error::Result;

/// Anything that detects phrases: a learned [`Phrases`](super::Phrases) or a [`FrozenPhrases`](super::FrozenPhrases) table.
///
/// The provided methods join phrases greedily from the left, as gensim's
/// `analyze_sentence` and word2vec.c's `word2phrase` do: a non-connector word opens a
/// candidate; connector words after it are held; the next non-connector word closes it, and if
/// the candidate scores above the threshold the whole run becomes one token, otherwise the
/// held words are emitted and the closing word opens the next candidate.
pub trait PhraseModel {
    /// The string joining a phrase's words, e.g. `_`.
    fn delimiter(&self) -> &str;

    /// Whether `word` is a connector word.
    fn is_connector(&self, word: &str) -> bool;

    /// The score of the phrase `first between… last` if it passes the threshold, else `None`.
    fn score_candidate(&self, first: &str, between: &[String], last: &str) -> Option<f64>;

    /// One sentence with its phrases joined.
    fn apply_sentence<S, T>(&self, sentence: S) -> Vec<String>
    where
        Self: Sized,
        S: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        apply_sentence(self, sentence)
    }

    /// Lazily joins the phrases of every sentence of `sentences` (any iterator of token
    /// iterators): an iterator adapter that holds one sentence at a time.
    fn apply<I, S, T>(&self, sentences: I) -> Phrased<'_, Self, I::IntoIter>
    where
        Self: Sized,
        I: IntoIterator<Item = S>,
        S: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        Phrased {
            model: self,
            inner: sentences.into_iter(),
        }
    }

    /// Lazily joins the phrases of one token stream of any length (one sentence), holding
    /// only the candidate phrase being decided: its first word and the connector words after
    /// it (so memory grows only with a run of connector words).
    ///
    /// ```
    /// use skipgram::phrases::{PhraseModel, Phrases, PhrasesConfig};
    /// let config = PhrasesConfig { min_count: 1, threshold: 0.1, ..Default::default() };
    /// let text = [&["new", "york", "is", "big"][..], &["new", "york"]];
    /// let p = Phrases::learn(config, text)?.freeze();
    /// // An endless stream: the adapter yields as it goes.
    /// let endless = ["new", "york", "is"].into_iter().cycle();
    /// let out: Vec<String> = p.apply_tokens(endless).take(4).collect();
    /// assert_eq!(out, ["new_york", "is", "new_york", "is"]);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    fn apply_tokens<I, T>(&self, tokens: I) -> PhrasedTokens<'_, Self, I::IntoIter>
    where
        Self: Sized,
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        PhrasedTokens {
            model: self,
            inner: tokens.into_iter(),
            joiner: Joiner::default(),
            ready: Default::default(),
            done: false,
        }
    }

    /// Streams `corpus` to `out` with its phrases joined: tokens separated by one space, one
    /// line per input line that holds a token, each ended by a newline (as word2vec.c's
    /// `word2phrase` writes its output file, but without its blank lines).
    ///
    /// # Errors
    /// The corpus's errors ([`Error::InvalidUtf8`](crate::Error::InvalidUtf8),
    /// [`Error::Io`](crate::Error::Io)); [`Error::Io`](crate::Error::Io) from `out`.
    fn write_phrased(&self, corpus: &Corpus, mut out: impl Write) -> Result<()>
    where
        Self: Sized,
    {
        let mut j = Joiner::default();
        let mut err = None;
        let mut first = true;
        let emit = |out: &mut dyn Write, t: String, first: &mut bool| {
            let r = if *first {
                out.write_all(t.as_bytes())
            } else {
                out.write_all(b" ")
                    .and_then(|_| out.write_all(t.as_bytes()))
            };
            *first = false;
            r
        };
        corpus.scan_part(0, 1, |tok, line_start| {
            let mut res = Ok(());
            if line_start {
                j.finish(&mut |t| {
                    if res.is_ok() {
                        res = emit(&mut out, t, &mut first);
                    }
                });
                if res.is_ok() {
                    res = out.write_all(b"\n");
                    first = true;
                }
            }
            j.push(self, tok, &mut |t| {
                if res.is_ok() {
                    res = emit(&mut out, t, &mut first);
                }
            });
            match res {
                Ok(()) => std::ops::ControlFlow::Continue(()),
                Err(e) => {
                    err = Some(e);
                    std::ops::ControlFlow::Break(())
                }
            }
        })?;
        if let Some(e) = err {
            return Err(e.into());
        }
        let mut res = Ok(());
        j.finish(&mut |t| {
            if res.is_ok() {
                res = emit(&mut out, t, &mut first);
            }
        });
        res?;
        if !first {
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// The state of a sentence being joined: a begun phrase (its first word and the connector
/// words since), as gensim's `analyze_sentence` keeps it. Bounded by the run of connector
/// words after a phrase's first word.
#[derive(Clone, Debug, Default)]
pub(crate) struct Joiner {
    start: Option<String>,
    between: Vec<String>,
}

impl Joiner {
    /// Feeds one token; completed output tokens go to `out`.
    pub(crate) fn push<M: PhraseModel + ?Sized>(
        &mut self,
        model: &M,
        word: &str,
        out: &mut impl FnMut(String),
    ) {
        if model.is_connector(word) {
            if self.start.is_some() {
                self.between.push(word.to_string());
            } else {
                out(word.to_string());
            }
            return;
        }
        match self.start.take() {
            None => self.start = Some(word.to_string()),
            Some(a) => {
                if model.score_candidate(&a, &self.between, word).is_some() {
                    let d = model.delimiter();
                    let mut joined = a;
                    for w in self.between.drain(..) {
                        joined.push_str(d);
                        joined.push_str(&w);
                    }
                    joined.push_str(d);
                    joined.push_str(word);
                    out(joined);
                } else {
                    out(a);
                    for w in self.between.drain(..) {
                        out(w);
                    }
                    self.start = Some(word.to_string());
                }
            }
        }
    }

    /// Ends the sentence: emits what is pending.
    pub(crate) fn finish(&mut self, out: &mut impl FnMut(String)) {
        if let Some(a) = self.start.take() {
            out(a);
        }
        for w in self.between.drain(..) {
            out(w);
        }
    }
}

/// One sentence with its phrases joined.
pub(crate) fn apply_sentence<M, S, T>(model: &M, sentence: S) -> Vec<String>
where
    M: PhraseModel + ?Sized,
    S: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    let mut out = Vec::new();
    let mut j = Joiner::default();
    for w in sentence {
        j.push(model, w.as_ref(), &mut |t| out.push(t));
    }
    j.finish(&mut |t| out.push(t));
    out
}

/// Iterator adapter returned by [`PhraseModel::apply`]: each input sentence comes out with
/// its phrases joined, one sentence at a time (only the current sentence is held).
#[derive(Debug)]
pub struct Phrased<'m, M: ?Sized, I> {
    pub(crate) model: &'m M,
    pub(crate) inner: I,
}

impl<M, I, S, T> Iterator for Phrased<'_, M, I>
where
    M: PhraseModel + ?Sized,
    I: Iterator<Item = S>,
    S: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    type Item = Vec<String>;

    fn next(&mut self) -> Option<Vec<String>> {
        let sentence = self.inner.next()?;
        Some(apply_sentence(self.model, sentence))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// Iterator adapter returned by [`PhraseModel::apply_tokens`]: one unbounded token stream
/// (a single sentence, such as a one-line corpus) comes out with its phrases joined, token
/// by token. It holds only the begun phrase: its first word and the connector words after it.
#[derive(Debug)]
pub struct PhrasedTokens<'m, M: ?Sized, I> {
    pub(crate) model: &'m M,
    pub(crate) inner: I,
    pub(crate) joiner: Joiner,
    pub(crate) ready: VecDeque<String>,
    pub(crate) done: bool,
}

impl<M, I, T> Iterator for PhrasedTokens<'_, M, I>
where
    M: PhraseModel + ?Sized,
    I: Iterator<Item = T>,
    T: AsRef<str>,
{
    type Item = String;

    fn next(&mut self) -> Option<String> {
        loop {
            if let Some(t) = self.ready.pop_front() {
                return Some(t);
            }
            if self.done {
                return None;
            }
            let ready = &mut self.ready;
            match self.inner.next() {
                Some(tok) => self
                    .joiner
                    .push(self.model, tok.as_ref(), &mut |t| ready.push_back(t)),
                None => {
                    self.done = true;
                    self.joiner.finish(&mut |t| ready.push_back(t));
                }
            }
        }
    }
}
