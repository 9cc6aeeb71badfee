//! Word-pair similarity: gensim's `evaluate_word_pairs`, Spearman's ρ and Pearson's r.

use std::io::BufRead;

use super::{for_each_line, ratio, Known};
use crate::embeddings::{cos64, Embeddings};
use crate::error::Result;

/// Settings of [`evaluate_word_pairs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PairOptions {
    /// Only the first `restrict_vocab` words are known; `None` uses all V. Default
    /// `Some(300000)`, gensim's default.
    pub restrict_vocab: Option<usize>,
    /// Compare words in upper case, as for
    /// [`AnalogyOptions::case_insensitive`](super::AnalogyOptions::case_insensitive). Default
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
    /// Non-blank, non-`#` lines that are not a pair with a score — e.g. a header line
    /// `Word 1<TAB>Word 2<TAB>Human (mean)` whose score is not a number — skipped, as gensim
    /// skips them ("Skipping invalid line").
    pub invalid_lines: usize,
}

impl PairReport {
    /// 100 · oov / (used + oov): gensim's "Pairs with unknown words ratio"; 0 for no pairs.
    pub fn oov_percent(&self) -> f64 {
        100.0 * ratio(self.pairs_oov, self.pairs_used + self.pairs_oov)
    }
}

/// Evaluates `emb` on word pairs with human similarity scores, as gensim 4.4's
/// `evaluate_word_pairs(pairs, restrict_vocab=…, case_insensitive=…)`, on any word-pair file
/// (WordSim-353, SimLex-999, MEN, …):
///
/// * Lines starting with `#` and blank lines are skipped.
/// * A line is `word1 word2 score`: split at tabs if it holds a tab (so words may contain
///   spaces), otherwise at runs of whitespace. gensim splits at tabs only; space-separated
///   files are accepted here too. Surrounding whitespace of each field is ignored.
/// * A line that does not give exactly two non-empty words and a finite number (e.g. the
///   header `Word 1<TAB>Word 2<TAB>Human (mean)`) is skipped and counted in
///   [`PairReport::invalid_lines`], as gensim logs and skips it.
/// * A pair with a word outside the first `restrict_vocab` words (compared upper-cased if
///   `case_insensitive`) is counted in [`PairReport::pairs_oov`] and left out.
/// * For the other pairs, the cosine similarity of the two vectors (in f64) is correlated
///   with the file's scores: Spearman's ρ ([`spearman`]) and Pearson's r ([`pearson`]).
///
/// ```
/// use ndarray::array;
/// use skipgram::eval::{evaluate_word_pairs, PairOptions};
/// use skipgram::{Embeddings, Vocabulary};
/// let vocab = Vocabulary::from_words(["cat", "dog", "car"])?;
/// let emb = Embeddings::new(vocab, array![[1.0f32, 0.1], [0.9, 0.3], [0.0, 1.0]])?;
/// let file = "# comment\nWord 1\tWord 2\tHuman (mean)\ncat\tdog\t8.5\ncat car 1.5\ndog\tcar\t2.0\ncat\tzebra\t3\n";
/// let r = evaluate_word_pairs(&emb, file.as_bytes(), PairOptions::default())?;
/// assert_eq!((r.pairs_used, r.pairs_oov, r.invalid_lines), (3, 1, 1));
/// assert_eq!(r.spearman, Some(1.0));
/// # Ok::<(), skipgram::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidUtf8`](crate::Error::InvalidUtf8) (byte offset of the line);
/// [`Error::Io`](crate::Error::Io).
pub fn evaluate_word_pairs(
    emb: &Embeddings,
    pairs: impl BufRead,
    opts: PairOptions,
) -> Result<PairReport> {
    let known = Known::new(emb, opts.restrict_vocab, opts.case_insensitive);
    let (mut gold, mut model) = (Vec::new(), Vec::new());
    let (mut oov, mut invalid) = (0, 0);
    let vectors = emb.vectors();
    for_each_line(pairs, |_, line| {
        if line.starts_with('#') || line.trim().is_empty() {
            return Ok(());
        }
        let Some((a, b, score)) = parse_pair(line) else {
            invalid += 1;
            return Ok(());
        };
        match (known.get(a), known.get(b)) {
            (Some(i), Some(j)) => {
                gold.push(score);
                model.push(cos64(vectors.row(i), vectors.row(j)));
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
        invalid_lines: invalid,
    })
}

/// `word1 word2 score` split at tabs if the line has one, else at whitespace; `None` unless
/// there are exactly three fields, both words are non-empty and the score is a finite number.
fn parse_pair(line: &str) -> Option<(&str, &str, f64)> {
    let fields: Vec<&str> = if line.contains('\t') {
        line.split('\t').map(str::trim_ascii).collect()
    } else {
        line.split_ascii_whitespace().collect()
    };
    let [a, b, score] = fields[..] else {
        return None;
    };
    let score: f64 = score.parse().ok().filter(|s: &f64| s.is_finite())?;
    (!a.is_empty() && !b.is_empty()).then_some((a, b, score))
}

/// Pearson's correlation coefficient r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²), in f64.
/// `None` if the lengths differ, there are fewer than two values, x or y is constant
/// (where `scipy.stats.pearsonr` returns NaN), or a value is NaN or infinite: never a NaN.
/// Values up to ±`f64::MAX` are fine (a series of huge or tiny values is scaled to
/// magnitude 1 first, which leaves r unchanged).
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
    // r is unchanged by scaling x or y, so a series of huge or tiny values is scaled to
    // magnitude 1 first: then no sum or product below can overflow (values near f64::MAX
    // gave ±∞ and NaN).
    let x = scaled(x)?;
    let y = scaled(y)?;
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0f64, 0.0f64, 0.0f64);
    for (&a, &b) in x.iter().zip(&y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    // sxx·syy can underflow to 0 for tiny spreads: the square roots separately cannot.
    let denom = sxx * syy;
    let r = if denom.is_normal() {
        sxy / denom.sqrt()
    } else {
        sxy / (sxx.sqrt() * syy.sqrt())
    };
    r.is_finite().then(|| r.clamp(-1.0, 1.0))
}

/// `v` divided by its largest magnitude where that is far from 1 (beyond 10^±100, where
/// sums of squares could overflow or underflow), else unchanged; `None` if a value is NaN
/// or infinite.
fn scaled(v: &[f64]) -> Option<Vec<f64>> {
    let top = v
        .iter()
        .try_fold(0.0f64, |m, &a| a.is_finite().then(|| m.max(a.abs())))?;
    Some(if top > 1e100 || (top > 0.0 && top < 1e-100) {
        v.iter().map(|a| a / top).collect()
    } else {
        v.to_vec()
    })
}

/// Spearman's rank correlation ρ: Pearson's r of the ranks, tied values sharing the average
/// of their ranks (as `scipy.stats.spearmanr`). `None` as for [`pearson`], except that ±∞
/// is fine (it has a rank); NaN gives `None`.
///
/// ```
/// use skipgram::eval::spearman;
/// // Monotonic but not linear: ρ = 1.
/// assert_eq!(spearman(&[1.0, 2.0, 3.0, 4.0], &[1.0, 10.0, 100.0, 1000.0]), Some(1.0));
/// ```
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    // Infinities have ranks; NaN has none.
    if x.len() != y.len() || x.iter().chain(y).any(|a| a.is_nan()) {
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

    /// Fields split on ASCII whitespace only, as a corpus splits its tokens: a word holding
    /// a no-break space (U+00A0) stays one word, in both the spaced and the tab form.
    #[test]
    fn pairs_split_on_ascii_whitespace_as_corpora_do() {
        assert_eq!(
            parse_pair("new\u{a0}york city 7.5"),
            Some(("new\u{a0}york", "city", 7.5))
        );
        assert_eq!(
            parse_pair("new\u{a0}york\t city \t7.5"),
            Some(("new\u{a0}york", "city", 7.5))
        );
        assert_eq!(parse_pair("a\u{a0}b 7.5"), None);
    }

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
    #[test]
    fn pair_lines_as_gensim() {
        assert_eq!(parse_pair("a\tb\t1.5"), Some(("a", "b", 1.5)));
        assert_eq!(parse_pair("a b  1e1 "), Some(("a", "b", 10.0)));
        // Tabs win: words may hold spaces then.
        assert_eq!(
            parse_pair("New York\tcity\t7"),
            Some(("New York", "city", 7.0))
        );
        assert_eq!(parse_pair(" a \t b \t 2 "), Some(("a", "b", 2.0)));
        for bad in [
            "Word 1\tWord 2\tHuman (mean)",
            "Word 1 Word 2 Human (mean)",
            "a\tb",
            "a\tb\t1\tx",
            "a b 1 x",
            "a\tb\tx",
            "a\t\t1",
            "a\tb\tnan",
            "a\tb\tinf",
            "a b",
        ] {
            assert_eq!(parse_pair(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn word_pairs_skip_and_count() {
        let e = Embeddings::new(
            crate::Vocabulary::from_words(["a", "b", "c"]).unwrap(),
            ndarray::array![[1.0f32, 0.0], [0.6, 0.8], [0.0, 1.0]],
        )
        .unwrap();
        // cos(a,b) = 0.6, cos(a,c) = 0, cos(b,c) = 0.8.
        let text = "# WordSim-like\nWord 1\tWord 2\tHuman (mean)\n\na\tb\t5\n\
                    A C 1\nb\tc\t9\nA\tq\t2\nbroken line\n";
        let r = evaluate_word_pairs(&e, text.as_bytes(), Default::default()).unwrap();
        assert_eq!((r.pairs_used, r.pairs_oov, r.invalid_lines), (3, 1, 2));
        assert_eq!(r.spearman, Some(1.0));
        // Pearson of (5, 1, 9) with (0.6, 0, 0.8) (numpy.corrcoef: 0.9607689228305228; the
        // f32 vectors hold 0.6 and 0.8 only to ~1e-8).
        assert!((r.pearson.unwrap() - 0.960_768_922_830_522_8).abs() < 1e-7);
        assert_eq!(r.oov_percent(), 25.0);
        // Case-sensitive: "A C 1" and "A q 2" are out of vocabulary.
        let opts = PairOptions {
            case_insensitive: false,
            ..Default::default()
        };
        let r = evaluate_word_pairs(&e, text.as_bytes(), opts).unwrap();
        assert_eq!((r.pairs_used, r.pairs_oov), (2, 2));
        // restrict_vocab = 2: "c" is unknown.
        let opts = PairOptions {
            restrict_vocab: Some(2),
            ..Default::default()
        };
        let r = evaluate_word_pairs(&e, text.as_bytes(), opts).unwrap();
        assert_eq!((r.pairs_used, r.pairs_oov), (1, 3));
        assert_eq!(r.spearman, None);
        let r = evaluate_word_pairs(&e, &b"a\tb\t1\n\xff\tb\t2\n"[..], Default::default());
        assert!(matches!(
            r,
            Err(crate::Error::InvalidUtf8 { offset: 6, .. })
        ));
    }

    #[test]
    fn extreme_values_give_a_correlation_or_none_never_nan() {
        let (max, nan, inf) = (f64::MAX, f64::NAN, f64::INFINITY);
        // Scale does not change r, also at the ends of f64.
        let r = pearson(&[max, -max, 0.0], &[1.0, 2.0, 3.0]).unwrap();
        assert!((r + 0.5).abs() < 1e-12, "{r}");
        let tiny = f64::MIN_POSITIVE * 1e-10;
        let r = pearson(&[tiny, 2.0 * tiny, 3.0 * tiny], &[1.0, 2.0, 3.0]).unwrap();
        assert!((r - 1.0).abs() < 1e-12, "{r}");
        // NaN and ±∞: no r.
        assert_eq!(pearson(&[nan, 1.0, 2.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(pearson(&[inf, 1.0, 2.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(spearman(&[nan, 1.0, 2.0], &[1.0, 2.0, 3.0]), None);
        // ±∞ has a rank.
        assert_eq!(spearman(&[-inf, 1.0, inf], &[1.0, 2.0, 3.0]), Some(1.0));
        assert_eq!(pearson(&[], &[]), None);
        assert_eq!(spearman(&[1.0], &[2.0]), None);
    }
}
