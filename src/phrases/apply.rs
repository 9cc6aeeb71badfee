//! Applying a phrase model: the greedy left-to-right join and its streaming adapters.

use std::collections::VecDeque;

use super::PhraseModel;

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
