//! Learning counts: from sentences, from a [`Corpus`] (through earlier passes), and in
//! parallel over byte ranges of a file.

use std::ops::ControlFlow;

use super::apply::Joiner;
use super::count::CountState;
use super::{PhraseModel, Phrases, PhrasesConfig};
use crate::corpus::Corpus;
use crate::error::Result;

impl Phrases {
    /// Learns a model from `sentences`: any iterator of sentences, each an iterator of
    /// tokens (`Vec<String>`, `&[&str]`, `str::split_whitespace()`...). One streaming pass;
    /// only the count table is held.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig) if `config` is invalid.
    pub fn learn<I, S, T>(config: PhrasesConfig, sentences: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let mut p = Phrases::new(config)?;
        p.add_sentences(sentences);
        Ok(p)
    }

    /// Adds the counts of more sentences (gensim's `add_vocab`).
    pub fn add_sentences<I, S, T>(&mut self, sentences: I)
    where
        I: IntoIterator<Item = S>,
        S: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let max = self.config.max_vocab_size;
        let mut state = CountState::default();
        for s in sentences {
            for w in s {
                self.table.feed(&mut state, w.as_ref(), max);
            }
            state.end_sentence();
            self.table.sentence_end(max);
        }
    }

    /// Learns a model from `corpus` in one streaming pass; a newline ends a sentence.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig); the corpus's
    /// [`Error::InvalidUtf8`](crate::Error::InvalidUtf8) and [`Error::Io`](crate::Error::Io).
    pub fn learn_corpus(config: PhrasesConfig, corpus: &Corpus) -> Result<Self> {
        let mut p = Phrases::new(config)?;
        p.add_corpus(corpus, &[])?;
        Ok(p)
    }

    /// Adds the counts of `corpus` as it comes out of the models `earlier`, applied in order
    /// on the fly: with `earlier = [&pass1]` this is word2vec.c's second `word2phrase` run,
    /// which learns 3- and 4-word phrases from the first run's output without writing it.
    ///
    /// ```
    /// use skipgram::phrases::{PhraseModel, Phrases, PhrasesConfig};
    /// use skipgram::Corpus;
    /// let corpus = Corpus::from_text("in new york city\n".repeat(30));
    /// let config = PhrasesConfig { min_count: 2, threshold: 0.05, ..Default::default() };
    /// let pass1 = Phrases::learn_corpus(config.clone(), &corpus)?;
    /// let mut pass2 = Phrases::new(config)?;
    /// pass2.add_corpus(&corpus, &[&pass1])?;
    /// let once = pass1.apply_sentence("in new york city".split(' '));
    /// assert_eq!(once, ["in", "new_york", "city"]);
    /// assert_eq!(pass2.apply_sentence(&once), ["in", "new_york_city"]);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// The corpus's [`Error::InvalidUtf8`](crate::Error::InvalidUtf8) and
    /// [`Error::Io`](crate::Error::Io).
    pub fn add_corpus(&mut self, corpus: &Corpus, earlier: &[&dyn PhraseModel]) -> Result<()> {
        let max = self.config.max_vocab_size;
        let mut state = CountState::default();
        let mut chain = Chain::new(earlier);
        let table = &mut self.table;
        corpus.scan_part(0, 1, |tok, line_start| {
            if line_start {
                chain.finish(&mut |t| table.feed(&mut state, t, max));
                state.end_sentence();
                table.sentence_end(max);
            }
            chain.push(tok, &mut |t| table.feed(&mut state, t, max));
            ControlFlow::Continue(())
        })?;
        chain.finish(&mut |t| table.feed(&mut state, t, max));
        table.sentence_end(max);
        Ok(())
    }
}

/// Earlier passes applied one after the other to a token stream.
pub(crate) struct Chain<'a> {
    models: &'a [&'a dyn PhraseModel],
    joiners: Vec<Joiner>,
    buf: Vec<String>,
    next: Vec<String>,
}

impl<'a> Chain<'a> {
    pub(crate) fn new(models: &'a [&'a dyn PhraseModel]) -> Self {
        Chain {
            models,
            joiners: vec![Joiner::default(); models.len()],
            buf: Vec::new(),
            next: Vec::new(),
        }
    }

    /// Feeds one token; what the last pass completes goes to `sink`.
    pub(crate) fn push(&mut self, tok: &str, sink: &mut impl FnMut(&str)) {
        if self.models.is_empty() {
            sink(tok);
            return;
        }
        self.buf.clear();
        self.buf.push(tok.to_string());
        self.run(false, sink);
    }

    /// Ends the sentence in every pass, in order.
    pub(crate) fn finish(&mut self, sink: &mut impl FnMut(&str)) {
        self.buf.clear();
        self.run(true, sink);
    }

    fn run(&mut self, finish: bool, sink: &mut impl FnMut(&str)) {
        for (m, j) in self.models.iter().zip(&mut self.joiners) {
            let next = &mut self.next;
            next.clear();
            for t in self.buf.drain(..) {
                j.push(*m, &t, &mut |o| next.push(o));
            }
            if finish {
                j.finish(&mut |o| next.push(o));
            }
            std::mem::swap(&mut self.buf, &mut self.next);
        }
        for t in &self.buf {
            sink(t);
        }
    }
}
