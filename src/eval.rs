//! Intrinsic evaluation of embeddings: word analogies and word-pair similarity, with the
//! semantics of gensim 4.4's `KeyedVectors.evaluate_word_analogies` and
//! `evaluate_word_pairs`.
//!
//! * [`evaluate_analogies`] reads a questions file in the format of word2vec's
//!   `questions-words.txt` (Mikolov et al. 2013): `: section` lines, then `a b c d` lines
//!   meaning a : b :: c : d.
//! * [`evaluate_word_pairs`] reads `word1 TAB word2 TAB score` lines (WordSim-353, SimLex-999)
//!   and correlates the human scores with the cosine similarities ([`spearman`],
//!   [`pearson`]).
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

use crate::embeddings::{AnalogyMethod, Embeddings};
use crate::error::{Error, Result};

const QUESTIONS: &str = "analogy questions";
const PAIRS: &str = "word-pair similarity";
/// Questions answered per matrix product in [`evaluate_analogies`].
const CHUNK: usize = 256;

/// Settings of [`evaluate_analogies`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnalogyOptions {
    /// Only the first `restrict_vocab` words (file order, i.e. most frequent first) are
    /// known words and candidate answers; `None` uses all V. Default `Some(30000)`, the
    /// threshold of word2vec's `compute-accuracy` (gensim's own default is 300000).
    pub restrict_vocab: Option<usize>,
    /// Compare words in upper case (Unicode upper-casing, as Python's `str.upper`); each
    /// upper-cased form maps to its first (most frequent) vocabulary word. Default `true`.
    pub case_insensitive: bool,
    /// How each question is answered. Default [`AnalogyMethod::CosAdd`], the only method
    /// gensim's evaluation offers.
    pub method: AnalogyMethod,
}

impl Default for AnalogyOptions {
    fn default() -> Self {
        AnalogyOptions {
            restrict_vocab: Some(30000),
            case_insensitive: true,
            method: AnalogyMethod::CosAdd,
        }
    }
}

/// The result of one `: section` of an analogy file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SectionResult {
    /// The section's name (the header line without the leading `: `).
    pub name: String,
    /// Questions answered correctly.
    pub correct: usize,
    /// Questions answered (all four words known).
    pub answered: usize,
    /// Questions skipped because a word is outside the restricted vocabulary.
    pub skipped: usize,
}

impl SectionResult {
    /// correct / answered, or 0 if nothing was answered (as gensim).
    pub fn accuracy(&self) -> f64 {
        ratio(self.correct, self.answered)
    }
}

/// The result of [`evaluate_analogies`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AnalogyReport {
    /// Every section, in file order (empty ones included).
    pub sections: Vec<SectionResult>,
    /// Correct answers over all sections.
    pub correct: usize,
    /// Answered questions over all sections.
    pub answered: usize,
    /// Questions skipped for unknown words over all sections (gensim's "out-of-vocabulary
    /// quadruplets").
    pub skipped: usize,
    /// Non-blank lines that are neither a section header nor four words (skipped, as gensim
    /// does).
    pub invalid_lines: usize,
}

impl AnalogyReport {
    /// Overall accuracy correct / answered, gensim's "Total accuracy" (skipped questions do
    /// not count); 0 if nothing was answered.
    pub fn accuracy(&self) -> f64 {
        ratio(self.correct, self.answered)
    }

    /// Percentage of questions skipped: 100 · skipped / (answered + skipped), gensim's
    /// "Quadruplets with out-of-vocabulary words"; 0 if there were none.
    pub fn skipped_percent(&self) -> f64 {
        100.0 * ratio(self.skipped, self.answered + self.skipped)
    }
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

/// Evaluates `emb` on analogy questions, as gensim 4.4's
/// `evaluate_word_analogies(questions, restrict_vocab, case_insensitive)`:
///
/// * Only the first `restrict_vocab` words are known words and candidate answers. With
///   `case_insensitive`, question words are upper-cased and matched against the upper-cased
///   vocabulary, each form standing for its first (most frequent) word.
/// * A line starting with `: ` starts a section. A line of four whitespace-separated words
///   `a b c d` asks a : b :: c : ?, expecting d; it is *skipped* if any of the four words is
///   unknown. Other non-blank lines are counted in [`AnalogyReport::invalid_lines`].
/// * The answer is taken among the five best candidates by `method` (the three query words
///   excluded): the first whose (upper-cased) word is not one of the query words, as gensim
///   does; it is correct if it equals d.
///
/// Questions are answered 256 at a time, each batch with one matrix product against the
/// restricted normalised vectors.
///
/// # Errors
/// [`Error::Format`] (with the line number) for a question line before the first section
/// header; [`Error::InvalidUtf8`] (byte offset of the line); [`Error::Io`].
pub fn evaluate_analogies(
    emb: &Embeddings,
    questions: impl BufRead,
    opts: AnalogyOptions,
) -> Result<AnalogyReport> {
    let known = Known::new(emb, opts.restrict_vocab, opts.case_insensitive);
    let mut sections: Vec<SectionResult> = Vec::new();
    // (section, [a, b, c], expected), as canonical indices.
    let mut asked: Vec<(usize, [usize; 3], usize)> = Vec::new();
    let mut invalid_lines = 0;
    for_each_line(questions, |line_no, line| {
        if line.starts_with(": ") {
            sections.push(SectionResult {
                name: line.trim_start_matches([':', ' ']).trim().to_string(),
                correct: 0,
                answered: 0,
                skipped: 0,
            });
            return Ok(());
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            return Ok(());
        }
        let Some(section) = sections.len().checked_sub(1) else {
            return Err(Error::Format {
                format: QUESTIONS,
                line: Some(line_no),
                message: "a question before the first \": section\" line".into(),
            });
        };
        if words.len() != 4 {
            invalid_lines += 1;
            return Ok(());
        }
        let ix: Option<Vec<usize>> = words.iter().map(|w| known.get(w)).collect();
        match ix {
            Some(ix) => {
                sections[section].answered += 1;
                asked.push((section, [ix[0], ix[1], ix[2]], ix[3]));
            }
            None => sections[section].skipped += 1,
        }
        Ok(())
    })?;

    for chunk in asked.chunks(CHUNK) {
        let triples: Vec<[usize; 3]> = chunk.iter().map(|q| q.1).collect();
        let tops = emb.analogy_indices(&triples, 5, opts.method, known.rows);
        for (&(section, abc, expected), top) in chunk.iter().zip(tops) {
            // gensim: the first of the top five that is not (a case variant of) a query word;
            // if all are, the last one examined stands.
            let mut predicted = None;
            for (x, _) in top {
                let c = known.canonical[x];
                predicted = Some(c);
                if !abc.contains(&c) {
                    break;
                }
            }
            if predicted == Some(expected) {
                sections[section].correct += 1;
            }
        }
    }
    let sum = |f: fn(&SectionResult) -> usize| sections.iter().map(f).sum::<usize>();
    Ok(AnalogyReport {
        correct: sum(|s| s.correct),
        answered: sum(|s| s.answered),
        skipped: sum(|s| s.skipped),
        invalid_lines,
        sections,
    })
}

/// Settings of [`evaluate_word_pairs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PairOptions {
    /// Only the first `restrict_vocab` words are known; `None` uses all V. Default
    /// `Some(300000)`, gensim's default.
    pub restrict_vocab: Option<usize>,
    /// Compare words in upper case, as for [`AnalogyOptions::case_insensitive`]. Default
    /// `true`.
    pub case_insensitive: bool,
}

impl Default for PairOptions {
    fn default() -> Self {
        PairOptions {
            restrict_vocab: Some(300_000),
            case_insensitive: true,
        }
    }
}

/// The result of [`evaluate_word_pairs`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PairReport {
    /// Spearman's rank correlation ρ between the file's scores and the cosine similarities
    /// (ties get average ranks, as `scipy.stats.spearmanr`); `None` if fewer than two pairs
    /// were used or either side is constant.
    pub spearman: Option<f64>,
    /// Pearson's r between the scores and the cosine similarities; `None` as for `spearman`.
    pub pearson: Option<f64>,
    /// Pairs with both words known, used in the correlations.
    pub pairs_used: usize,
    /// Pairs with an unknown word, left out (gensim's default, `dummy4unknown=False`).
    pub pairs_oov: usize,
}

impl PairReport {
    /// 100 · oov / (used + oov): gensim's "Pairs with unknown words ratio"; 0 for no pairs.
    pub fn oov_percent(&self) -> f64 {
        100.0 * ratio(self.pairs_oov, self.pairs_used + self.pairs_oov)
    }
}

/// Evaluates `emb` on word pairs with human similarity scores, as gensim 4.4's
/// `evaluate_word_pairs(pairs, restrict_vocab, case_insensitive)`: each line is `word1 TAB
/// word2 TAB score`; lines starting with `#` and blank lines are skipped; a pair with a word
/// outside the first `restrict_vocab` words (upper-cased if `case_insensitive`) is counted in
/// [`PairReport::pairs_oov`] and left out; for the others the cosine similarity of the two
/// vectors is correlated with the scores.
///
/// Unlike gensim, which logs and skips malformed lines, a malformed line is an error.
///
/// # Errors
/// [`Error::Format`] with the line number for a line without exactly three tab-separated
/// fields, an empty word, or a score that is not a finite number; [`Error::InvalidUtf8`];
/// [`Error::Io`].
pub fn evaluate_word_pairs(
    emb: &Embeddings,
    pairs: impl BufRead,
    opts: PairOptions,
) -> Result<PairReport> {
    let known = Known::new(emb, opts.restrict_vocab, opts.case_insensitive);
    let (mut gold, mut model) = (Vec::new(), Vec::new());
    let mut oov = 0;
    let vectors = emb.vectors();
    for_each_line(pairs, |line_no, line| {
        if line.starts_with('#') || line.trim().is_empty() {
            return Ok(());
        }
        let bad = |message: String| Error::Format {
            format: PAIRS,
            line: Some(line_no),
            message,
        };
        let fields: Vec<&str> = line.split('\t').collect();
        let [a, b, score] = fields[..] else {
            return Err(bad(format!(
                "expected three tab-separated fields (word, word, score), found {}",
                fields.len()
            )));
        };
        let (a, b) = (a.trim(), b.trim());
        if a.is_empty() || b.is_empty() {
            return Err(bad("empty word".into()));
        }
        let score: f64 = score
            .trim()
            .parse()
            .ok()
            .filter(|s: &f64| s.is_finite())
            .ok_or_else(|| bad(format!("the score {score:?} is not a finite number")))?;
        match (known.get(a), known.get(b)) {
            (Some(i), Some(j)) => {
                gold.push(score);
                model.push(crate::embeddings::cos64(vectors.row(i), vectors.row(j)));
            }
            _ => oov += 1,
        }
        Ok(())
    })?;
    Ok(PairReport {
        spearman: spearman(&gold, &model),
        pearson: pearson(&gold, &model),
        pairs_used: gold.len(),
        pairs_oov: oov,
    })
}

/// Pearson's correlation coefficient r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²), in f64.
/// `None` if the lengths differ, there are fewer than two values, or x or y is constant
/// (where `scipy.stats.pearsonr` returns NaN).
///
/// ```
/// use skipgram::eval::pearson;
/// assert_eq!(pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]), Some(1.0));
/// assert_eq!(pearson(&[1.0, 2.0], &[5.0, 5.0]), None);
/// ```
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    Some((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// Spearman's rank correlation ρ: Pearson's r of the ranks, tied values sharing the average
/// of their ranks (as `scipy.stats.spearmanr`). `None` as for [`pearson`].
///
/// ```
/// use skipgram::eval::spearman;
/// // Monotonic but not linear: ρ = 1.
/// assert_eq!(spearman(&[1.0, 2.0, 3.0, 4.0], &[1.0, 10.0, 100.0, 1000.0]), Some(1.0));
/// ```
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() {
        return None;
    }
    pearson(&ranks(x), &ranks(y))
}

/// 1-based ranks, ties averaged (`scipy.stats.rankdata(method="average")`).
fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && x[order[j]] == x[order[i]] {
            j += 1;
        }
        // Positions i..j (0-based) share the ranks i+1 ..= j: their mean is (i + 1 + j) / 2.
        let avg = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            r[k] = avg;
        }
        i = j;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Vocabulary;
    use ndarray::{array, Array2};

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[10.0, 20.0, 10.0, 5.0]), [2.5, 4.0, 2.5, 1.0]);
        assert_eq!(ranks(&[1.0, 1.0, 1.0]), [2.0, 2.0, 2.0]);
        assert_eq!(ranks(&[]), Vec::<f64>::new());
    }

    #[test]
    fn correlations_against_hand_computation() {
        // x = 1..5, y = 2 1 4 3 5: Σd² = 4, ρ = 1 − 6·4/(5·24) = 0.8 (no ties).
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 1.0, 4.0, 3.0, 5.0];
        assert!((spearman(&x, &y).unwrap() - 0.8).abs() < 1e-12);
        assert!((pearson(&x, &y).unwrap() - 0.8).abs() < 1e-12);
        assert_eq!(spearman(&x, &[5.0, 4.0, 3.0, 2.0, 1.0]), Some(-1.0));
        assert_eq!(pearson(&[1.0], &[1.0]), None);
        assert_eq!(spearman(&x, &y[..4]), None);
    }

    fn emb() -> Embeddings {
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

    #[test]
    fn analogy_sections_and_case_variants() {
        let e = emb();
        // rome : italy :: paris : ? — by 3CosAdd the best candidate is "Paris" (a case
        // variant of the query word "paris", so gensim passes over it), then "france".
        let scores = e
            .analogy("rome", "italy", "paris", 5, AnalogyMethod::CosAdd)
            .unwrap();
        assert_eq!(scores[0].0, "Paris");
        assert_eq!(scores[1].0, "france");
        let q = ": capitals\nrome italy paris france\nROME ITALY PARIS FRANCE\n\
                 rome italy paris zzz\nnot four words\n: empty\n\n";
        let opts = AnalogyOptions {
            restrict_vocab: Some(5),
            ..Default::default()
        };
        let r = evaluate_analogies(&e, q.as_bytes(), opts).unwrap();
        assert_eq!(r.sections.len(), 2);
        assert_eq!(r.sections[0].name, "capitals");
        assert_eq!((r.sections[0].correct, r.sections[0].answered), (2, 2));
        assert_eq!(r.sections[0].skipped, 1);
        assert_eq!(r.sections[1].answered, 0);
        assert_eq!(
            (r.correct, r.answered, r.skipped, r.invalid_lines),
            (2, 2, 1, 1)
        );
        assert_eq!(r.accuracy(), 1.0);
        assert!((r.skipped_percent() - 100.0 / 3.0).abs() < 1e-12);

        // Case-sensitive: upper-case questions are unknown; "Paris" is a valid answer then.
        let opts = AnalogyOptions {
            restrict_vocab: None,
            case_insensitive: false,
            ..Default::default()
        };
        let r = evaluate_analogies(&e, q.as_bytes(), opts).unwrap();
        assert_eq!((r.correct, r.answered, r.skipped), (0, 2, 1));
    }

    #[test]
    fn analogy_file_errors() {
        let e = emb();
        let r = evaluate_analogies(
            &e,
            "\nrome italy paris france\n".as_bytes(),
            Default::default(),
        );
        assert!(matches!(r, Err(Error::Format { line: Some(2), .. })));
        let r = evaluate_analogies(
            &e,
            &b": s\nrome \xff paris france\n"[..],
            Default::default(),
        );
        assert!(matches!(r, Err(Error::InvalidUtf8 { offset: 4, .. })));
    }

    #[test]
    fn word_pairs_errors() {
        let e =
            Embeddings::new(Vocabulary::from_words(["a", "b"]).unwrap(), Array2::eye(2)).unwrap();
        for (text, line) in [
            ("a\tb\n", 1),
            ("# c\na\tb\t1\tx\n", 2),
            ("a\tb\tx\n", 1),
            ("a\t\t1\n", 1),
            ("a\tb\tnan\n", 1),
        ] {
            match evaluate_word_pairs(&e, text.as_bytes(), Default::default()) {
                Err(Error::Format { line: Some(l), .. }) => assert_eq!(l, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
        let r =
            evaluate_word_pairs(&e, "a\tb\t1\nA\tq\t2\n".as_bytes(), Default::default()).unwrap();
        assert_eq!((r.pairs_used, r.pairs_oov), (1, 1));
        assert_eq!(r.spearman, None);
        assert_eq!(r.oov_percent(), 50.0);
    }
}
