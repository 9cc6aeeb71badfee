//! Several passes of phrase tables, applied in order: word2vec.c's demo runs `word2phrase`
//! twice, the second run learning 3- and 4-word phrases ("new_york city") from the first
//! run's output, so its table is useful only after the first one has been applied.

use std::io::Write;
use std::ops::ControlFlow;

use super::learn::Chain;
use super::{FrozenPhrases, PhraseModel};
use crate::corpus::Corpus;
use crate::error::{Error, Result};

/// The frozen tables of a multi-pass phrase run, applied one after the other: pass k sees
/// the tokens that passes 1..k have joined. Saved as one file ([`PhrasePasses::save`]);
/// [`PhrasePasses::load`] also reads a single table saved by [`FrozenPhrases::save`].
///
/// ```
/// use skipgram::phrases::{PhraseModel, PhrasePasses, Phrases, PhrasesConfig};
/// use skipgram::Corpus;
/// let corpus = Corpus::from_text("in new york city\n".repeat(30));
/// let config = PhrasesConfig { min_count: 2, threshold: 0.05, ..Default::default() };
/// let pass1 = Phrases::learn_corpus(config.clone(), &corpus)?;
/// let mut pass2 = Phrases::new(config)?;
/// pass2.add_corpus(&corpus, &[&pass1])?;
/// let passes = PhrasePasses::new(vec![pass1.freeze(), pass2.freeze()])?;
/// assert_eq!(passes.apply_sentence("in new york city".split(' ')), ["in", "new_york_city"]);
/// // Pass 2's table alone knows only "new_york city": it joins nothing in raw text.
/// assert_eq!(
///     passes.passes()[1].apply_sentence("in new york city".split(' ')),
///     ["in", "new", "york", "city"]
/// );
/// # Ok::<(), skipgram::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct PhrasePasses {
    passes: Vec<FrozenPhrases>,
}

impl PhrasePasses {
    /// The passes, applied in the given order.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if `passes` is empty.
    pub fn new(passes: Vec<FrozenPhrases>) -> Result<Self> {
        if passes.is_empty() {
            return Err(Error::InvalidConfig(
                "a phrase table needs at least one pass".into(),
            ));
        }
        Ok(PhrasePasses { passes })
    }

    /// Each pass's table, first pass first.
    pub fn passes(&self) -> &[FrozenPhrases] {
        &self.passes
    }

    /// Phrases in all passes together.
    pub fn len(&self) -> usize {
        self.passes.iter().map(FrozenPhrases::len).sum()
    }

    /// Whether no pass holds a phrase.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn models(&self) -> Vec<&dyn PhraseModel> {
        self.passes.iter().map(|p| p as &dyn PhraseModel).collect()
    }

    /// One sentence with the phrases of every pass joined, pass after pass.
    pub fn apply_sentence<S, T>(&self, sentence: S) -> Vec<String>
    where
        S: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let models = self.models();
        let mut chain = Chain::new(&models);
        let mut out = Vec::new();
        for t in sentence {
            chain.push(t.as_ref(), &mut |o| out.push(o.to_string()));
        }
        chain.finish(&mut |o| out.push(o.to_string()));
        out
    }

    /// Streams `corpus` to `out` with the phrases of every pass joined, as
    /// [`PhraseModel::write_phrased`] writes one pass: tokens separated by one space, one
    /// line per input line that holds a token.
    ///
    /// # Errors
    /// The corpus's [`Error::InvalidUtf8`] and [`Error::Io`]; [`Error::Io`] from `out`.
    pub fn write_phrased(&self, corpus: &Corpus, mut out: impl Write) -> Result<()> {
        let models = self.models();
        let mut chain = Chain::new(&models);
        let mut w = LineWriter {
            out: &mut out,
            first: true,
            err: None,
        };
        corpus.scan_part(0, 1, |tok, line_start| {
            if line_start {
                chain.finish(&mut |t| w.token(t));
                w.end_line();
            }
            chain.push(tok, &mut |t| w.token(t));
            match w.err {
                None => ControlFlow::Continue(()),
                Some(_) => ControlFlow::Break(()),
            }
        })?;
        chain.finish(&mut |t| w.token(t));
        w.end_line();
        match w.err {
            None => Ok(()),
            Some(e) => Err(e.into()),
        }
    }
}

/// Tokens separated by one space, a newline after each line that held one; the first
/// write error is kept and later writes are skipped.
struct LineWriter<'a> {
    out: &'a mut dyn Write,
    first: bool,
    err: Option<std::io::Error>,
}

impl LineWriter<'_> {
    fn token(&mut self, t: &str) {
        if self.err.is_some() {
            return;
        }
        let r = match self.first {
            true => self.out.write_all(t.as_bytes()),
            false => self
                .out
                .write_all(b" ")
                .and_then(|()| self.out.write_all(t.as_bytes())),
        };
        self.first = false;
        self.err = r.err();
    }

    fn end_line(&mut self) {
        if !self.first && self.err.is_none() {
            self.err = self.out.write_all(b"\n").err();
        }
        self.first = true;
    }
}
