//! Intrinsic evaluation of embeddings: word analogies and word-pair similarity, with the
//! semantics of gensim 4.4's `KeyedVectors.evaluate_word_analogies` and
//! `evaluate_word_pairs`.
//!
//! * [`evaluate_analogies`] reads a questions file in the format of word2vec's
//!   `questions-words.txt` (Mikolov et al. 2013): `: section` lines, then `a b c d` lines
//!   meaning a : b :: c : d.
//! * [`evaluate_word_pairs`] reads `word1 word2 score` lines (WordSim-353, SimLex-999, MEN…)
//!   and correlates the human scores with the cosine similarities ([`spearman`],
//!   [`pearson`]).
//! * Two standard sets are compiled into the crate, so they need no file:
//!   the Google analogy set ([`google_analogies`], [`evaluate_google_analogies`]) and
//!   WordSim-353 ([`wordsim353`], [`evaluate_wordsim353`]). Their sources and licences are
//!   described in `data/eval/README.md` of the crate.
//!
//! ```
//! use ndarray::array;
//! use skipgram::eval::{evaluate_analogies, AnalogyOptions};
//! use skipgram::{Embeddings, Vocabulary};
//! let vocab = Vocabulary::from_words(["man", "woman", "king", "queen"])?;
//! let emb = Embeddings::new(vocab, array![[1.0f32, 0.0], [1.0, 1.0], [3.0, 0.1], [3.0, 1.1]])?;
//! let questions = ": royalty\nman woman king queen\nman woman king princess\n";
//! let report = evaluate_analogies(&emb, questions.as_bytes(), AnalogyOptions::default())?;
//! assert_eq!((report.correct, report.answered, report.skipped), (1, 1, 1));
//! assert_eq!(report.accuracy(), 1.0);
//! # Ok::<(), skipgram::Error>(())
//! ```

use std::io::BufRead;

use rustc_hash::FxHashMap;

use crate::embeddings::Embeddings;
use crate::error::{Error, Result};

mod analogies;
mod pairs;

pub use analogies::{evaluate_analogies, AnalogyOptions, AnalogyReport, SectionResult};
pub use pairs::{evaluate_word_pairs, pearson, spearman, PairOptions, PairReport};

const QUESTIONS: &str = "analogy questions";
const GOOGLE_ANALOGIES: &str = include_str!("../../data/eval/questions-words.txt");
const WORDSIM353: &str = include_str!("../../data/eval/wordsim353.tsv");
/// Questions answered per matrix product in [`evaluate_analogies`].
const CHUNK: usize = 256;

/// The Google analogy test set, word2vec's `questions-words.txt` (Mikolov, Chen, Corrado &
/// Dean 2013, "Efficient Estimation of Word Representations in Vector Space"; distributed
/// with word2vec under the Apache License 2.0), compiled into the crate: 19 544 questions
/// `a b c d` in 14 `: section`s (5 semantic with 8 869 questions, 9 syntactic with 10 675),
/// 604 KB of text.
///
/// ```
/// let text = skipgram::eval::google_analogies();
/// assert!(text.starts_with(": capital-common-countries\nAthens Greece Baghdad Iraq\n"));
/// assert_eq!(text.lines().filter(|l| l.starts_with(": ")).count(), 14);
/// ```
pub fn google_analogies() -> &'static str {
    GOOGLE_ANALOGIES
}

/// WordSim-353 (Finkelstein et al. 2002, "Placing Search in Context: The Concept
/// Revisited"), the combined set of 353 word pairs with mean human relatedness scores
/// (0–10), compiled into the crate: two `#` comment lines, then `word1 TAB word2 TAB score`
/// (7 KB). Its licence is not established; see `data/eval/README.md` in the crate.
///
/// ```
/// let text = skipgram::eval::wordsim353();
/// assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 353);
/// assert!(text.contains("\ntiger\tcat\t7.35\n"));
/// ```
pub fn wordsim353() -> &'static str {
    WORDSIM353
}

/// [`evaluate_analogies`] on the bundled Google analogy set ([`google_analogies`]).
///
/// ```
/// use ndarray::array;
/// use skipgram::eval::{evaluate_google_analogies, AnalogyOptions};
/// use skipgram::{Embeddings, Vocabulary};
/// let vocab = Vocabulary::from_words(["athens", "greece", "baghdad", "iraq"])?;
/// let emb = Embeddings::new(vocab, array![[1.0f32, 0.0], [1.0, 1.0], [3.0, 0.1], [3.0, 1.1]])?;
/// let r = evaluate_google_analogies(&emb, AnalogyOptions::default())?;
/// // Three questions use only these words (compared upper-cased): "Athens Greece Baghdad
/// // Iraq" (in two sections) and "Baghdad Iraq Athens Greece"; with one candidate left
/// // after excluding a, b and c, each is answered correctly.
/// assert_eq!((r.correct, r.answered, r.skipped), (3, 3, 19_541));
/// assert_eq!(r.sections.len(), 14);
/// # Ok::<(), skipgram::Error>(())
/// ```
///
/// # Errors
/// None in practice (the bundled file is well formed; checked by the crate's tests); the
/// `Result` is that of [`evaluate_analogies`].
pub fn evaluate_google_analogies(emb: &Embeddings, opts: AnalogyOptions) -> Result<AnalogyReport> {
    evaluate_analogies(emb, GOOGLE_ANALOGIES.as_bytes(), opts)
}

/// [`evaluate_word_pairs`] on the bundled WordSim-353 ([`wordsim353`]).
///
/// ```
/// use ndarray::array;
/// use skipgram::eval::{evaluate_wordsim353, PairOptions};
/// use skipgram::{Embeddings, Vocabulary};
/// let vocab = Vocabulary::from_words(["tiger", "cat", "love", "sex"])?;
/// let emb = Embeddings::new(vocab, array![[1.0f32, 0.2], [0.9, 0.3], [0.0, 1.0], [0.5, 0.5]])?;
/// let r = evaluate_wordsim353(&emb, PairOptions::default())?;
/// // love–sex, tiger–cat and tiger–tiger are the pairs of known words.
/// assert_eq!((r.pairs_used, r.pairs_oov, r.invalid_lines), (3, 350, 0));
/// # Ok::<(), skipgram::Error>(())
/// ```
///
/// # Errors
/// None in practice, as for [`evaluate_google_analogies`].
pub fn evaluate_wordsim353(emb: &Embeddings, opts: PairOptions) -> Result<PairReport> {
    evaluate_word_pairs(emb, WORDSIM353.as_bytes(), opts)
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The restricted, possibly case-folded vocabulary of gensim's evaluations (`ok_vocab`).
struct Known<'e> {
    emb: &'e Embeddings,
    /// Only indices below `rows` are known and candidates.
    rows: usize,
    /// Upper-cased word → index of its first occurrence (case-insensitive mode only).
    folded: Option<FxHashMap<String, usize>>,
    /// For each candidate row, the index its word's key maps to.
    canonical: Vec<usize>,
}

impl<'e> Known<'e> {
    fn new(emb: &'e Embeddings, restrict: Option<usize>, case_insensitive: bool) -> Self {
        let rows = restrict.map_or(emb.len(), |r| r.min(emb.len()));
        let words = &emb.vocab().words()[..rows];
        if case_insensitive {
            let mut map = FxHashMap::default();
            let canonical = words
                .iter()
                .enumerate()
                .map(|(i, w)| *map.entry(w.to_uppercase()).or_insert(i))
                .collect();
            Known {
                emb,
                rows,
                folded: Some(map),
                canonical,
            }
        } else {
            Known {
                emb,
                rows,
                folded: None,
                canonical: (0..rows).collect(),
            }
        }
    }

    fn get(&self, word: &str) -> Option<usize> {
        match &self.folded {
            Some(map) => map.get(&word.to_uppercase()).copied(),
            None => self.emb.vocab().index(word).filter(|&i| i < self.rows),
        }
    }
}

/// Reads lines as UTF-8, calling `f(line_number, line)` (1-based, without the line break).
fn for_each_line(mut r: impl BufRead, mut f: impl FnMut(u64, &str) -> Result<()>) -> Result<()> {
    let mut buf = Vec::new();
    let (mut line_no, mut offset) = (0u64, 0u64);
    loop {
        buf.clear();
        let got = r.read_until(b'\n', &mut buf)?;
        if got == 0 {
            return Ok(());
        }
        line_no += 1;
        let line =
            std::str::from_utf8(&buf).map_err(|_| Error::InvalidUtf8 { offset, path: None })?;
        offset += got as u64;
        f(line_no, line.trim_end_matches(['\n', '\r']))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Vocabulary;
    use ndarray::array;

    pub(super) fn emb() -> Embeddings {
        // "Paris" (index 4) is a less frequent case variant of "paris" (index 0), placed
        // where the analogy rome : italy :: paris : ? points.
        let vocab =
            Vocabulary::from_words(["paris", "france", "rome", "italy", "Paris", "zzz"]).unwrap();
        let v = array![
            [1.0f32, 0.0, 1.0],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 1.0],
            [0.0, 1.0, 0.0],
            [0.9, 0.4, 0.05],
            [-1.0, -1.0, -1.0],
        ];
        Embeddings::new(vocab, v).unwrap()
    }

    #[test]
    fn restriction_and_case_folding() {
        let e = emb();
        let k = Known::new(&e, Some(5), true);
        assert_eq!(k.get("PARIS"), Some(0));
        assert_eq!(k.get("Paris"), Some(0));
        assert_eq!(k.get("zzz"), None); // beyond the restriction
        assert_eq!(k.canonical, [0, 1, 2, 3, 0]);
        let k = Known::new(&e, None, false);
        assert_eq!(k.get("Paris"), Some(4));
        assert_eq!(k.get("PARIS"), None);
        assert_eq!(k.get("zzz"), Some(5));
    }
}
