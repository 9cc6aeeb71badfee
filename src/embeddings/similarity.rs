//! Cosine similarity queries: `similarity`, `most_similar` (3CosAdd and 3CosMul, with
//! `restrict_vocab`), by vector, batched, and `doesnt_match` — gensim's `KeyedVectors`
//! semantics.

use ndarray::{Array1, ArrayView1, Axis};

use super::{batch_rows, cos64, top_k, unit, AnalogyMethod, Embeddings};
use crate::error::{Error, Result};

/// Settings of [`Embeddings::most_similar_with`], built with chained setters from
/// [`SimilarityOptions::new`] (= [`Default`]):
///
/// ```
/// use skipgram::{AnalogyMethod, SimilarityOptions};
/// // gensim's most_similar_cosmul exactly (its ε = 10⁻⁶), among the 30 000 most frequent words.
/// let opts = SimilarityOptions::new()
///     .method(AnalogyMethod::CosMul)
///     .cosmul_epsilon(AnalogyMethod::GENSIM_COSMUL_EPSILON)
///     .restrict_vocab(30_000);
/// assert_eq!(opts.restrict_vocab, Some(30_000));
/// assert_eq!(SimilarityOptions::default().method, AnalogyMethod::CosAdd);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct SimilarityOptions {
    /// How positive and negative words combine (see [`AnalogyMethod`]). Default
    /// [`AnalogyMethod::CosAdd`] (gensim's `most_similar`); [`AnalogyMethod::CosMul`] is
    /// gensim's `most_similar_cosmul`.
    pub method: AnalogyMethod,
    /// Only the first `r` rows — for trained or word2vec-loaded embeddings the `r` most
    /// frequent words — are candidate answers, as gensim's `restrict_vocab`. Query words
    /// may lie anywhere in the vocabulary. `Some(0)` leaves no candidates (gensim treats 0 as
    /// "no restriction"). Default `None`: all V words. (gensim 4.4's `most_similar_cosmul`
    /// accepts `restrict_vocab` but ignores it; here it applies to both methods.)
    pub restrict_vocab: Option<usize>,
    /// ε of 3CosMul, added to the product of the negative words' shifted cosines. Default
    /// [`AnalogyMethod::COSMUL_EPSILON`] = 10⁻³ (Levy & Goldberg 2014);
    /// [`AnalogyMethod::GENSIM_COSMUL_EPSILON`] = 10⁻⁶ reproduces gensim. Must be finite and
    /// positive.
    pub cosmul_epsilon: f32,
}

impl Default for SimilarityOptions {
    fn default() -> Self {
        SimilarityOptions {
            method: AnalogyMethod::CosAdd,
            restrict_vocab: None,
            cosmul_epsilon: AnalogyMethod::COSMUL_EPSILON,
        }
    }
}

impl SimilarityOptions {
    /// The defaults: 3CosAdd, no vocabulary restriction, ε = 10⁻³.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`method`](Self::method).
    #[must_use]
    pub fn method(mut self, method: AnalogyMethod) -> Self {
        self.method = method;
        self
    }

    /// Sets [`restrict_vocab`](Self::restrict_vocab) to `Some(rows)`.
    #[must_use]
    pub fn restrict_vocab(mut self, rows: usize) -> Self {
        self.restrict_vocab = Some(rows);
        self
    }

    /// Sets [`cosmul_epsilon`](Self::cosmul_epsilon).
    #[must_use]
    pub fn cosmul_epsilon(mut self, epsilon: f32) -> Self {
        self.cosmul_epsilon = epsilon;
        self
    }
}

/// cos′ = (cos + 1)/2, a cosine shifted to [0, 1] for 3CosMul (Levy & Goldberg 2014,
/// footnote 7; gensim's `most_similar_cosmul`). The 3CosMul score is
/// Π₊ cos′ / (Π₋ cos′ + ε), an empty product being 1.
#[inline]
pub(super) fn shift(cos: f32) -> f32 {
    (cos + 1.0) * 0.5
}

impl Embeddings {
    /// The cosine similarity of two words, (a·b)/(‖a‖‖b‖) computed in f64 (gensim's
    /// `similarity(a, b)`); 0 if either vector is zero.
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{Embeddings, Vocabulary};
    /// let emb = Embeddings::new(Vocabulary::from_words(["x", "y", "z"])?, array![[1.0f32, 0.0], [1.0, 1.0], [0.0, 0.0]])?;
    /// assert!((emb.similarity("x", "y")? - 0.5f32.sqrt()).abs() < 1e-6);
    /// assert_eq!(emb.similarity("x", "z")?, 0.0);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::UnknownWords`] naming each unknown word.
    pub fn similarity(&self, a: &str, b: &str) -> Result<f32> {
        let idx = self.indices([a, b])?;
        Ok(cos64(self.vectors.row(idx[0]), self.vectors.row(idx[1])) as f32)
    }

    /// The `k` words most similar to the `positive` words and least similar to the
    /// `negative` ones, by 3CosAdd, best first — gensim's `most_similar(positive, negative,
    /// topn=k)`: the query is the normalised mean of the unit vectors of the words with
    /// weight +1 (positive) or −1 (negative), each candidate's score is its cosine with that
    /// query, and the query words themselves are never answers. A word listed twice counts
    /// twice. Fewer than `k` results if the vocabulary is smaller. One V×N matrix-vector
    /// product.
    ///
    /// For 3CosMul (gensim's `most_similar_cosmul`) or `restrict_vocab`, use
    /// [`most_similar_with`](Self::most_similar_with).
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{Embeddings, Vocabulary};
    /// let vocab = Vocabulary::from_words(["man", "woman", "king", "queen", "apple"])?;
    /// let emb = Embeddings::new(vocab, array![[1.0f32, 0.0], [1.0, 1.0], [3.0, 0.1], [3.0, 1.1], [-1.0, 0.2]])?;
    /// let r = emb.most_similar(&["king", "woman"], &["man"], 2)?;
    /// assert_eq!(r[0].0, "queen");
    /// assert_eq!(r.len(), 2);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::UnknownWords`] naming every unknown query word; [`Error::EmptyQuery`] if both
    /// lists are empty.
    pub fn most_similar<S: AsRef<str>>(
        &self,
        positive: &[S],
        negative: &[S],
        k: usize,
    ) -> Result<Vec<(String, f32)>> {
        self.most_similar_with(positive, negative, k, &SimilarityOptions::default())
    }

    /// [`most_similar`](Self::most_similar) with options: the method (3CosAdd, or 3CosMul as
    /// gensim's `most_similar_cosmul(positive, negative, topn=k)` with the score
    /// Π₊ cos′(x, p) / (Π₋ cos′(x, n) + ε), cos′ = (cos + 1)/2), ε for 3CosMul, and
    /// `restrict_vocab` (only the first rows are candidates). 3CosAdd is one matrix-vector
    /// product over the candidate rows; 3CosMul one (T×N)·(N×rows) product for the T query
    /// words.
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{AnalogyMethod, Embeddings, SimilarityOptions, Vocabulary};
    /// let vocab = Vocabulary::from_words(["man", "woman", "king", "queen", "apple"])?;
    /// let emb = Embeddings::new(vocab, array![[1.0f32, 0.0], [1.0, 1.0], [3.0, 0.1], [3.0, 1.1], [-1.0, 0.2]])?;
    /// let cosmul = SimilarityOptions::new().method(AnalogyMethod::CosMul);
    /// let r = emb.most_similar_with(&["king", "woman"], &["man"], 1, &cosmul)?;
    /// assert_eq!(r[0].0, "queen");
    /// // Only the first three words are candidates: queen (row 3) cannot be an answer.
    /// let r = emb.most_similar_with(&["queen"], &[], 5, &SimilarityOptions::new().restrict_vocab(3))?;
    /// assert_eq!(r.len(), 3);
    /// assert!(r.iter().all(|(w, _)| w != "apple"));
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::UnknownWords`] naming every unknown query word; [`Error::EmptyQuery`] if both
    /// lists are empty, or for 3CosMul if `positive` is empty (as gensim);
    /// [`Error::InvalidConfig`] for 3CosMul if ε is not finite and positive.
    pub fn most_similar_with<S: AsRef<str>>(
        &self,
        positive: &[S],
        negative: &[S],
        k: usize,
        opts: &SimilarityOptions,
    ) -> Result<Vec<(String, f32)>> {
        if positive.is_empty() && negative.is_empty() {
            return Err(Error::EmptyQuery {
                what: "most_similar",
            });
        }
        let idx = self.indices(positive.iter().chain(negative).map(AsRef::as_ref))?;
        let (pos, neg) = idx.split_at(positive.len());
        let rows = self.candidate_rows(opts.restrict_vocab);
        let scores = match opts.method {
            AnalogyMethod::CosAdd => {
                // gensim: unitvec(mean of the unit vectors with weights +1 / −1); the
                // division of the mean by the total weight vanishes in the normalisation.
                let mut sum = Array1::<f64>::zeros(self.dim());
                let weighted = pos
                    .iter()
                    .map(|&i| (i, 1.0))
                    .chain(neg.iter().map(|&i| (i, -1.0)));
                for (i, w) in weighted {
                    let u = unit(self.vectors.row(i));
                    sum.zip_mut_with(&u, |m, &x| *m += w * f64::from(x));
                }
                let norm = sum.dot(&sum).sqrt();
                let q = if norm > 0.0 {
                    sum.mapv(|x| (x / norm) as f32)
                } else {
                    Array1::zeros(self.dim())
                };
                self.cosines(q.view(), rows)
            }
            AnalogyMethod::CosMul => {
                let eps = opts.cosmul_epsilon;
                if !(eps.is_finite() && eps > 0.0) {
                    return Err(Error::InvalidConfig(format!(
                        "the 3CosMul epsilon must be finite and positive, not {eps}"
                    )));
                }
                if pos.is_empty() {
                    return Err(Error::EmptyQuery {
                        what: "most_similar with 3CosMul (positive words)",
                    });
                }
                let cos = self.cosines_batch(self.unit_rows(&idx).view(), rows); // T×rows
                let (cp, cn) = cos.view().split_at(Axis(0), pos.len());
                let num = cp.map_axis(Axis(0), |c| c.iter().map(|&x| shift(x)).product::<f32>());
                let den = cn.map_axis(Axis(0), |c| c.iter().map(|&x| shift(x)).product::<f32>());
                num / (den + eps)
            }
        };
        Ok(self.named(top_k(scores.view(), k, &idx)))
    }

    /// The `k` words with the highest cosine similarity to `word`, best first, `word` itself
    /// excluded: gensim's `most_similar(word, topn=k)`, the same as
    /// [`most_similar(&[word], &[], k)`](Self::most_similar). Fewer than `k` if V − 1 < k.
    /// One V×N matrix-vector product.
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{Embeddings, Vocabulary};
    /// let emb = Embeddings::new(Vocabulary::from_words(["a", "b", "c"])?, array![[1.0f32, 0.0], [0.9, 0.1], [-1.0, 0.0]])?;
    /// let r = emb.most_similar_word("a", 5)?;
    /// assert_eq!(r.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>(), ["b", "c"]);
    /// assert_eq!(r[1].1, -1.0);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::UnknownWords`] if the word is not in the vocabulary.
    pub fn most_similar_word(&self, word: &str, k: usize) -> Result<Vec<(String, f32)>> {
        let i = self.vocab.try_index(word)?;
        let q = unit(self.vectors.row(i));
        let scores = self.cosines(q.view(), self.len());
        Ok(self.named(top_k(scores.view(), k, &[i])))
    }

    /// The `k` words with the highest cosine similarity to the vector `v` (length N), best
    /// first, leaving out the words in `exclude` (gensim's `similar_by_vector` when `exclude`
    /// is empty). A zero `v` gives similarity 0 everywhere.
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{Embeddings, Vocabulary};
    /// let emb = Embeddings::new(Vocabulary::from_words(["a", "b", "c"])?, array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]])?;
    /// let r = emb.most_similar_by_vector(array![2.0f32, 0.1].view(), 2, &["a"])?;
    /// assert_eq!((r[0].0.as_str(), r[1].0.as_str()), ("c", "b"));
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `v` does not have length N; [`Error::NonFinite`] if it
    /// holds NaN or infinity; [`Error::UnknownWords`] naming every word of `exclude` not in
    /// the vocabulary.
    pub fn most_similar_by_vector<S: AsRef<str>>(
        &self,
        v: ArrayView1<'_, f32>,
        k: usize,
        exclude: &[S],
    ) -> Result<Vec<(String, f32)>> {
        if v.len() != self.dim() {
            return Err(Error::ShapeMismatch {
                what: "query vector",
                expected: self.dim().to_string(),
                found: v.len().to_string(),
            });
        }
        if !v.iter().all(|x| x.is_finite()) {
            return Err(Error::NonFinite {
                what: "query vector",
            });
        }
        let excluded = self.indices(exclude.iter().map(AsRef::as_ref))?;
        let q = unit(v);
        let scores = self.cosines(q.view(), self.len());
        Ok(self.named(top_k(scores.view(), k, &excluded)))
    }

    /// [`most_similar_word`](Self::most_similar_word) for many words at once: one
    /// (B×N)·(N×V) matrix product for the B words, so it needs B×V×4 bytes of scratch
    /// memory (a batch too large for 64 MiB is split into products that fit, so any batch
    /// length is fine). Result i belongs to `words[i]`.
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{Embeddings, Vocabulary};
    /// let emb = Embeddings::new(Vocabulary::from_words(["a", "b", "c"])?, array![[1.0f32, 0.0], [0.9, 0.1], [-1.0, 0.0]])?;
    /// let r = emb.most_similar_batch(&["a", "c"], 1)?;
    /// assert_eq!((r[0][0].0.as_str(), r[1][0].0.as_str()), ("b", "b"));
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::UnknownWords`] naming every word of the batch not in the vocabulary (nothing
    /// is computed then).
    pub fn most_similar_batch<S: AsRef<str>>(
        &self,
        words: &[S],
        k: usize,
    ) -> Result<Vec<Vec<(String, f32)>>> {
        let idx = self.indices(words.iter().map(AsRef::as_ref))?;
        let mut out = Vec::with_capacity(idx.len());
        // In chunks, so that a long batch needs no more than BATCH_SCRATCH_BYTES at once.
        for chunk in idx.chunks(batch_rows(self.len(), 1)) {
            let scores = self.cosines_batch(self.unit_rows(chunk).view(), self.len()); // B×V
            out.extend(
                scores
                    .rows()
                    .into_iter()
                    .zip(chunk)
                    .map(|(row, &i)| self.named(top_k(row, k, &[i]))),
            );
        }
        Ok(out)
    }

    /// The word that fits least with the others: gensim's `doesnt_match(words)`, the word
    /// whose unit vector has the lowest cosine with the normalised mean of the words' unit
    /// vectors (ties: the smallest word by code point, as gensim's sort). Computed in f64.
    ///
    /// Unlike gensim, which logs a warning and ignores unknown words, an unknown word is an
    /// error.
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{Embeddings, Vocabulary};
    /// let vocab = Vocabulary::from_words(["breakfast", "lunch", "dinner", "cereal"])?;
    /// let emb = Embeddings::new(vocab, array![[1.0f32, 0.1], [1.0, 0.0], [0.9, -0.1], [0.0, 1.0]])?;
    /// assert_eq!(emb.doesnt_match(&["breakfast", "cereal", "dinner", "lunch"])?, "cereal");
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::EmptyQuery`] if `words` is empty; [`Error::UnknownWords`] naming every
    /// unknown word.
    pub fn doesnt_match<S: AsRef<str>>(&self, words: &[S]) -> Result<String> {
        if words.is_empty() {
            return Err(Error::EmptyQuery {
                what: "doesnt_match",
            });
        }
        let idx = self.indices(words.iter().map(AsRef::as_ref))?;
        let units: Vec<Array1<f64>> = idx
            .iter()
            .map(|&i| unit(self.vectors.row(i)).mapv(f64::from))
            .collect();
        let mut mean = Array1::<f64>::zeros(self.dim());
        for u in &units {
            mean += u;
        }
        let norm = mean.dot(&mean).sqrt();
        if norm > 0.0 {
            mean /= norm;
        }
        let (_, word) = units
            .iter()
            .zip(words)
            .map(|(u, w)| (u.dot(&mean), w.as_ref()))
            .min_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(y.1)))
            .expect("words is not empty");
        Ok(word.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::emb;
    use super::*;
    use ndarray::array;

    fn sample() -> Embeddings {
        emb(
            &["a", "b", "c", "d", "z"],
            array![
                [1.0f32, 0.0, 0.0],
                [0.0, 2.0, 0.0],
                [1.0, 1.0, 0.0],
                [-1.0, 0.5, 0.5],
                [0.0, 0.0, 0.0]
            ],
        )
    }

    #[test]
    fn similarity_is_the_cosine() {
        let e = sample();
        assert!((e.similarity("a", "c").unwrap() - 0.5f32.sqrt()).abs() < 1e-7);
        assert_eq!(e.similarity("a", "b").unwrap(), 0.0);
        assert_eq!(e.similarity("z", "a").unwrap(), 0.0);
        assert!((e.similarity("d", "d").unwrap() - 1.0).abs() < 1e-7);
        assert!(matches!(e.similarity("a", "q"), Err(Error::UnknownWords(w)) if w == ["q"]));
    }

    #[test]
    fn most_similar_positive_negative_by_hand() {
        let e = sample();
        // positive [a, b], negative [d]: mean of â + b̂ − d̂ (÷3, irrelevant once normalised).
        // â + b̂ = (1, 1, 0); d̂ = (−1, .5, .5)/√1.5.
        let s = 1.5f64.sqrt();
        let q = [1.0 + 1.0 / s, 1.0 - 0.5 / s, -0.5 / s];
        let qn = (q[0] * q[0] + q[1] * q[1] + q[2] * q[2]).sqrt();
        // Candidates c and z; cos(c, q) = (q0 + q1)/(√2 ‖q‖).
        let want_c = (q[0] + q[1]) / (2f64.sqrt() * qn);
        let r = e.most_similar(&["a", "b"], &["d"], 10).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].0, "c");
        assert!((f64::from(r[0].1) - want_c).abs() < 1e-6, "{r:?}");
        assert_eq!(r[1], ("z".to_string(), 0.0));
        // Negative words only, and an unknown one.
        let r = e.most_similar(&[], &["a"], 1).unwrap();
        assert_eq!(r[0].0, "d");
        assert!(matches!(
            e.most_similar(&["a", "x"], &["y", "x"], 1),
            Err(Error::UnknownWords(w)) if w == ["x", "y"]
        ));
        assert!(matches!(
            e.most_similar(&[] as &[&str], &[], 1),
            Err(Error::EmptyQuery { .. })
        ));
        // A single positive word equals most_similar_word.
        assert_eq!(
            e.most_similar(&["c"], &[], 3).unwrap(),
            e.most_similar_word("c", 3).unwrap()
        );
        // Cancelling words give a zero query: every score 0, never NaN.
        let r = e.most_similar(&["a"], &["a"], 4).unwrap();
        assert!(r.iter().all(|(_, s)| *s == 0.0), "{r:?}");
    }

    #[test]
    fn cosmul_restrict_and_epsilon() {
        let e = sample();
        let opts = SimilarityOptions::new()
            .method(AnalogyMethod::CosMul)
            .cosmul_epsilon(1e-6);
        // positive [c], negative [b]: score = cos′(x, c) / (cos′(x, b) + ε).
        let r = e.most_similar_with(&["c"], &["b"], 10, &opts).unwrap();
        let sh = |c: f64| (c + 1.0) / 2.0;
        let want_a = sh(0.5f64.sqrt()) / (sh(0.0) + 1e-6);
        assert_eq!(r[0].0, "a");
        assert!((f64::from(r[0].1) - want_a).abs() < 1e-5, "{r:?}");
        // No positive word: an error, as gensim.
        assert!(matches!(
            e.most_similar_with(&[], &["b"], 1, &opts),
            Err(Error::EmptyQuery { .. })
        ));
        for bad in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            assert!(matches!(
                e.most_similar_with(&["a"], &[], 1, &opts.cosmul_epsilon(bad)),
                Err(Error::InvalidConfig(_))
            ));
        }
        // restrict_vocab: only rows 0..2 are candidates; query words may lie beyond.
        for method in [AnalogyMethod::CosAdd, AnalogyMethod::CosMul] {
            let o = SimilarityOptions::new().method(method).restrict_vocab(2);
            let r = e.most_similar_with(&["c"], &[], 10, &o).unwrap();
            let names: Vec<&str> = r.iter().map(|(w, _)| w.as_str()).collect();
            assert_eq!(names, ["a", "b"], "{method:?}");
            let r = e.most_similar_with(&["a"], &[], 10, &o).unwrap();
            assert_eq!(r.len(), 1);
            let o = o.restrict_vocab(0);
            assert!(e.most_similar_with(&["a"], &[], 10, &o).unwrap().is_empty());
        }
    }

    #[test]
    fn doesnt_match_by_hand() {
        let e = sample();
        // â, b̂, ĉ = (1,0,0), (0,1,0), (1,1,0)/√2: mean ∝ (1,1,0); a and b tie at 1/√2·…,
        // c is closest; the tie between a and b goes to the smaller word, "a".
        assert_eq!(e.doesnt_match(&["b", "c", "a"]).unwrap(), "a");
        assert_eq!(e.doesnt_match(&["a", "c", "d"]).unwrap(), "d");
        assert_eq!(e.doesnt_match(&["c"]).unwrap(), "c");
        assert!(matches!(
            e.doesnt_match(&[] as &[&str]),
            Err(Error::EmptyQuery { .. })
        ));
        assert!(matches!(
            e.doesnt_match(&["a", "nope"]),
            Err(Error::UnknownWords(w)) if w == ["nope"]
        ));
    }

    #[test]
    fn unknown_words_are_all_named() {
        let e = sample();
        match e.most_similar_batch(&["a", "q", "q", "r"], 1) {
            Err(Error::UnknownWords(w)) => assert_eq!(w, ["q", "r"]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            e.most_similar_by_vector(array![1.0f32, 0.0, 0.0].view(), 1, &["nope"]),
            Err(Error::UnknownWords(_))
        ));
        assert!(matches!(
            e.most_similar_by_vector(array![1.0f32].view(), 1, &[] as &[&str]),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            e.most_similar_by_vector(array![f32::NAN, 0.0, 0.0].view(), 1, &[] as &[&str]),
            Err(Error::NonFinite { .. })
        ));
    }

    #[test]
    fn by_vector_excludes_and_ranks() {
        let e = emb(
            &["a", "b", "c"],
            array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]],
        );
        let r = e
            .most_similar_by_vector(array![2.0f32, 0.1].view(), 2, &["a"])
            .unwrap();
        assert_eq!(r[0].0, "c");
        assert_eq!(r[1].0, "b");
        let expect = (2.0f32 + 0.1) / (2.0f32.sqrt() * (4.0f32 + 0.01).sqrt());
        assert!((r[0].1 - expect).abs() < 1e-6);
        let batch = e.most_similar_batch(&["c", "a"], 2).unwrap();
        for (got, w) in batch.iter().zip(["c", "a"]) {
            let single = e.most_similar_word(w, 2).unwrap();
            for (g, s) in got.iter().zip(&single) {
                assert_eq!(g.0, s.0);
                assert!((g.1 - s.1).abs() < 1e-6);
            }
        }
    }
}
