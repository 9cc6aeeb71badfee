//! Analogy questions: gensim's `evaluate_word_analogies`.

use std::io::BufRead;

use super::{for_each_line, ratio, Known, CHUNK, QUESTIONS};
use crate::embeddings::{AnalogyMethod, Embeddings};
use crate::error::{Error, Result};

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
        let words: Vec<&str> = line.split_ascii_whitespace().collect();
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

#[cfg(test)]
mod tests {
    use super::super::tests::emb;
    use super::*;

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
}
