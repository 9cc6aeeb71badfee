//! Downstream helpers: the (weighted) mean of several words' vectors, the similarity of two
//! word sets, the cosine of two vectors and the lookup of many words into one matrix —
//! gensim's `get_mean_vector`, `n_similarity`, `cosine_similarities` and `kv[list]`.

use ndarray::{Array1, Array2, ArrayView1};

use super::{cos64, Embeddings};
use crate::error::{Error, Result};

/// What [`Embeddings::mean_vector`] does with a word that is not in the vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UnknownWordPolicy {
    /// Leave the word out, with its weight (gensim's `ignore_missing=True`, its default).
    /// If no word is known the mean is the zero vector, as in gensim.
    #[default]
    Skip,
    /// Fail with [`Error::UnknownWords`] naming every unknown word (gensim's
    /// `ignore_missing=False`, which raises `KeyError`).
    Error,
}

/// Settings of [`Embeddings::mean_vector`], gensim's `get_mean_vector(keys, weights,
/// pre_normalize, post_normalize, ignore_missing)`, built with chained setters from
/// [`MeanOptions::new`] (= [`Default`]).
///
/// ```
/// use skipgram::{MeanOptions, UnknownWordPolicy};
/// let w = [2.0f32, 1.0];
/// let opts = MeanOptions::new().weights(&w).pre_normalize(false).unknown(UnknownWordPolicy::Error);
/// assert_eq!(opts.weights, Some(&w[..]));
/// assert!(MeanOptions::default().pre_normalize && !MeanOptions::default().post_normalize);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct MeanOptions<'w> {
    /// One weight per word (the same length as the words); `None`: every weight 1.
    pub weights: Option<&'w [f32]>,
    /// Average the unit vectors v/‖v‖ instead of the raw vectors. Default `true` (gensim).
    pub pre_normalize: bool,
    /// Scale the mean to unit length (a zero mean stays zero). Default `false` (gensim).
    pub post_normalize: bool,
    /// Unknown words: skipped (default, as gensim) or an error.
    pub unknown: UnknownWordPolicy,
}

impl Default for MeanOptions<'_> {
    fn default() -> Self {
        MeanOptions {
            weights: None,
            pre_normalize: true,
            post_normalize: false,
            unknown: UnknownWordPolicy::Skip,
        }
    }
}

impl<'w> MeanOptions<'w> {
    /// The defaults: weights 1, unit vectors averaged, the mean not normalised, unknown
    /// words skipped (gensim's defaults).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`weights`](Self::weights), one per word.
    #[must_use]
    pub fn weights(mut self, weights: &'w [f32]) -> Self {
        self.weights = Some(weights);
        self
    }

    /// Sets [`pre_normalize`](Self::pre_normalize).
    #[must_use]
    pub fn pre_normalize(mut self, yes: bool) -> Self {
        self.pre_normalize = yes;
        self
    }

    /// Sets [`post_normalize`](Self::post_normalize).
    #[must_use]
    pub fn post_normalize(mut self, yes: bool) -> Self {
        self.post_normalize = yes;
        self
    }

    /// Sets [`unknown`](Self::unknown).
    #[must_use]
    pub fn unknown(mut self, policy: UnknownWordPolicy) -> Self {
        self.unknown = policy;
        self
    }
}

impl Embeddings {
    /// The weighted mean of the words' vectors (length N), with the semantics of gensim
    /// 4.4's `get_mean_vector`: m = Σᵢ wᵢ·xᵢ / Σᵢ |wᵢ| over the known words, where xᵢ is
    /// word i's raw vector or, with [`MeanOptions::pre_normalize`] (the default), its unit
    /// vector; then m/‖m‖ if [`MeanOptions::post_normalize`]. Computed in f64, rounded to
    /// f32. Unknown words follow [`MeanOptions::unknown`]: skipped with their weights (the
    /// default; no known word gives the zero vector, as gensim) or an error. A sentence
    /// vector by averaging is `emb.mean_vector(&tokens, &MeanOptions::new())`.
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{Embeddings, MeanOptions, Vocabulary};
    /// let emb = Embeddings::new(Vocabulary::from_words(["a", "b"])?, array![[3.0f32, 4.0], [0.0, 2.0]])?;
    /// // Unit vectors (0.6, 0.8) and (0, 1), averaged; "zzz" is skipped.
    /// assert_eq!(emb.mean_vector(&["a", "b", "zzz"], &MeanOptions::new())?, array![0.3f32, 0.9]);
    /// // Raw vectors with weights 1 and −3: (3·1 − 0·3, 4 − 6) / 4.
    /// let w = [1.0f32, -3.0];
    /// let raw = MeanOptions::new().pre_normalize(false).weights(&w);
    /// assert_eq!(emb.mean_vector(&["a", "b"], &raw)?, array![0.75f32, -0.5]);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::EmptyQuery`] if `words` is empty; [`Error::ShapeMismatch`] if the weights
    /// are not one per word; [`Error::NonFinite`] if a weight is NaN or infinite;
    /// [`Error::UnknownWords`] naming every unknown word with
    /// [`UnknownWordPolicy::Error`].
    pub fn mean_vector<S: AsRef<str>>(
        &self,
        words: &[S],
        opts: &MeanOptions<'_>,
    ) -> Result<Array1<f32>> {
        if words.is_empty() {
            return Err(Error::EmptyQuery {
                what: "mean_vector",
            });
        }
        if let Some(w) = opts.weights {
            if w.len() != words.len() {
                return Err(Error::ShapeMismatch {
                    what: "mean_vector weights",
                    expected: format!("{} (one per word)", words.len()),
                    found: w.len().to_string(),
                });
            }
            if !w.iter().all(|x| x.is_finite()) {
                return Err(Error::NonFinite {
                    what: "mean_vector weights",
                });
            }
        }
        if opts.unknown == UnknownWordPolicy::Error {
            self.indices(words.iter().map(AsRef::as_ref))?;
        }
        let mut sum = Array1::<f64>::zeros(self.dim());
        let mut total = 0.0f64;
        for (i, word) in words.iter().enumerate() {
            let Some(row) = self.vocab.index(word.as_ref()) else {
                continue;
            };
            let w = opts.weights.map_or(1.0, |w| f64::from(w[i]));
            let v = self.vectors.row(row);
            let scale = if opts.pre_normalize {
                let n = super::norm64(v);
                if n > 0.0 {
                    w / n
                } else {
                    0.0
                }
            } else {
                w
            };
            sum.zip_mut_with(&v, |s, &x| *s += scale * f64::from(x));
            total += w.abs();
        }
        if total > 0.0 {
            sum /= total;
        }
        if opts.post_normalize {
            let n = sum.dot(&sum).sqrt();
            if n > 0.0 {
                sum /= n;
            }
        }
        Ok(sum.mapv(|x| x as f32))
    }

    /// The cosine similarity of the means of two word sets, gensim's `n_similarity(ws1,
    /// ws2)`: cos(m₁, m₂) with mᵢ the unweighted mean of the set's **raw** vectors (gensim
    /// calls `get_mean_vector(ws, pre_normalize=False)`). Computed in f64; 0 if a mean is
    /// zero. Unlike gensim 4.4, which skips unknown words silently, an unknown word is an
    /// error.
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{Embeddings, Vocabulary};
    /// let emb = Embeddings::new(Vocabulary::from_words(["a", "b", "c"])?, array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]])?;
    /// // mean(a, b) = (0.5, 0.5) points the same way as c.
    /// assert!((emb.n_similarity(&["a", "b"], &["c"])? - 1.0).abs() < 1e-6);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::EmptyQuery`] if either set is empty; [`Error::UnknownWords`] naming every
    /// unknown word of both sets.
    pub fn n_similarity<S: AsRef<str>, T: AsRef<str>>(&self, ws1: &[S], ws2: &[T]) -> Result<f32> {
        if ws1.is_empty() || ws2.is_empty() {
            return Err(Error::EmptyQuery {
                what: "n_similarity",
            });
        }
        self.indices(
            ws1.iter()
                .map(AsRef::as_ref)
                .chain(ws2.iter().map(AsRef::as_ref)),
        )?;
        let raw = MeanOptions::new()
            .pre_normalize(false)
            .unknown(UnknownWordPolicy::Error);
        let m1 = self.mean_vector(ws1, &raw)?;
        let m2 = self.mean_vector(ws2, &raw)?;
        Ok(cos64(m1.view(), m2.view()) as f32)
    }

    /// The cosine similarity (a·b)/(‖a‖‖b‖) of two vectors of the same length, computed in
    /// f64; 0 if either is zero (gensim's `cosine_similarities` for one pair).
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::Embeddings;
    /// let c = Embeddings::cosine(array![1.0f32, 0.0].view(), array![1.0f32, 1.0].view())?;
    /// assert!((c - 0.5f32.sqrt()).abs() < 1e-7);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the lengths differ; [`Error::NonFinite`] if a value is
    /// NaN or infinite.
    pub fn cosine(a: ArrayView1<'_, f32>, b: ArrayView1<'_, f32>) -> Result<f32> {
        if a.len() != b.len() {
            return Err(Error::ShapeMismatch {
                what: "cosine vectors",
                expected: a.len().to_string(),
                found: b.len().to_string(),
            });
        }
        if !a.iter().chain(b.iter()).all(|x| x.is_finite()) {
            return Err(Error::NonFinite {
                what: "cosine vectors",
            });
        }
        Ok(cos64(a, b) as f32)
    }

    /// The raw vectors of `words`, one row each, as a new len(words)×N matrix (gensim's
    /// `kv[list]` / `get_vectors`); a word listed twice gives two rows.
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{Embeddings, Vocabulary};
    /// let emb = Embeddings::new(Vocabulary::from_words(["a", "b"])?, array![[1.0f32, 2.0], [3.0, 4.0]])?;
    /// let words = vec!["b".to_string(), "a".to_string(), "b".to_string()];
    /// assert_eq!(emb.embeddings(&words)?, array![[3.0f32, 4.0], [1.0, 2.0], [3.0, 4.0]]);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::UnknownWords`] naming every unknown word (nothing is returned then).
    pub fn embeddings<S: AsRef<str>>(&self, words: &[S]) -> Result<Array2<f32>> {
        let idx = self.indices(words.iter().map(AsRef::as_ref))?;
        Ok(self.vectors.select(ndarray::Axis(0), &idx))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::emb;
    use super::*;
    use ndarray::array;

    /// Values computed by hand (and with NumPy: `np.average` of the rows / `unitvec`).
    #[test]
    fn mean_vector_follows_get_mean_vector() {
        let e = emb(
            &["a", "b", "z"],
            array![[3.0f32, 4.0], [0.0, -2.0], [0.0, 0.0]],
        );
        // Unit vectors (0.6, 0.8), (0, −1); z is zero and counts with weight 1 but adds 0.
        let m = e
            .mean_vector(&["a", "b", "z"], &MeanOptions::new())
            .unwrap();
        assert!(
            (m[0] - 0.2).abs() < 1e-7 && (m[1] - (-0.2 / 3.0)).abs() < 1e-7,
            "{m}"
        );
        // Weights 2 and −1 on raw vectors: (6 − 0, 8 + 2) / 3.
        let w = [2.0f32, -1.0];
        let raw = MeanOptions::new().pre_normalize(false).weights(&w);
        let m = e.mean_vector(&["a", "b"], &raw).unwrap();
        assert_eq!(m, array![2.0f32, 10.0 / 3.0]);
        // post_normalize: (2, 10/3)/‖·‖ = (3, 5)/√34.
        let m = e
            .mean_vector(&["a", "b"], &raw.post_normalize(true))
            .unwrap();
        let r = 34f32.sqrt();
        assert!((m[0] - 3.0 / r).abs() < 1e-6 && (m[1] - 5.0 / r).abs() < 1e-6);
        // Unknown words: skipped with their weight, or an error naming them.
        let w3 = [2.0f32, 5.0, -1.0];
        let skip = e
            .mean_vector(&["a", "nope", "b"], &raw.weights(&w3))
            .unwrap();
        assert_eq!(skip, array![2.0f32, 10.0 / 3.0]);
        let strict = MeanOptions::new().unknown(UnknownWordPolicy::Error);
        match e.mean_vector(&["x", "a", "y"], &strict) {
            Err(Error::UnknownWords(w)) => assert_eq!(w, ["x", "y"]),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            e.mean_vector(&["nope"], &MeanOptions::new()).unwrap(),
            array![0.0f32, 0.0]
        );
        // Owned strings work as well as &str.
        let owned = vec!["a".to_string()];
        assert_eq!(
            e.mean_vector(&owned, &MeanOptions::new()).unwrap(),
            array![0.6f32, 0.8]
        );
        let none: [&str; 0] = [];
        assert!(matches!(
            e.mean_vector(&none, &MeanOptions::new()),
            Err(Error::EmptyQuery { .. })
        ));
        assert!(matches!(
            e.mean_vector(&["a"], &MeanOptions::new().weights(&w)),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            e.mean_vector(&["a"], &MeanOptions::new().weights(&[f32::NAN])),
            Err(Error::NonFinite { .. })
        ));
    }

    #[test]
    fn n_similarity_cosine_and_lookup() {
        let e = emb(
            &["a", "b", "c", "d"],
            array![[1.0f32, 0.0], [0.0, 3.0], [2.0, 1.0], [-1.0, 0.0]],
        );
        // mean(a, b) = (0.5, 1.5), mean(c, d) = (0.5, 0.5): cos = 1 / (√2.5·√0.5) = 1/√1.25.
        let s = e.n_similarity(&["a", "b"], &["c", "d"]).unwrap();
        assert!((s - 1.0 / 1.25f32.sqrt()).abs() < 1e-6, "{s}");
        // NumPy: a = [.5, 1.5]; b = [.5, .5]; a @ b / norm(a) / norm(b) = 0.894427191
        assert!((s - 0.894_427_2).abs() < 1e-6, "{s}");
        assert!(matches!(
            e.n_similarity(&["a", "zz"], &["b"]),
            Err(Error::UnknownWords(w)) if w == ["zz"]
        ));
        let none: [String; 0] = [];
        assert!(matches!(
            e.n_similarity(&none, &["b"]),
            Err(Error::EmptyQuery { .. })
        ));

        let c = Embeddings::cosine(
            array![1.0f32, 2.0, 2.0].view(),
            array![2.0f32, 0.0, 1.0].view(),
        )
        .unwrap();
        // (2 + 0 + 2) / (3·√5)
        assert!((c - 4.0 / (3.0 * 5f32.sqrt())).abs() < 1e-7);
        assert_eq!(
            Embeddings::cosine(array![0.0f32, 0.0].view(), array![1.0f32, 0.0].view()).unwrap(),
            0.0
        );
        assert!(matches!(
            Embeddings::cosine(array![1.0f32].view(), array![1.0f32, 0.0].view()),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            Embeddings::cosine(array![f32::INFINITY].view(), array![1.0f32].view()),
            Err(Error::NonFinite { .. })
        ));

        let m = e.embeddings(&["d", "a", "d"]).unwrap();
        assert_eq!(m, array![[-1.0f32, 0.0], [1.0, 0.0], [-1.0, 0.0]]);
        assert!(matches!(
            e.embeddings(&["a", "q"]),
            Err(Error::UnknownWords(w)) if w == ["q"]
        ));
        let none: [&str; 0] = [];
        assert_eq!(e.embeddings(&none).unwrap().dim(), (0, 2));
    }
}
