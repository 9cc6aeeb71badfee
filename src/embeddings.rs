//! Trained embeddings in use: cosine nearest neighbours and word analogies.
//!
//! [`Embeddings`] holds a vocabulary, the raw vectors (V×N, the rows of p after training) and
//! their L2-normalised copies. Every query is a product with the normalised rows: one
//! matrix-vector product for a single query, one matrix-matrix product for a batch.

use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis};

use crate::error::{shape2, Error, Result};
use crate::model::SkipGramModel;
use crate::vocab::Vocabulary;

/// How to solve the analogy a : b :: c : ? (Levy & Goldberg 2014, "Linguistic Regularities
/// in Sparse and Explicit Word Representations", eqs. 3–4).
///
/// With â the unit vector of a and cos(x, y) = x̂·ŷ:
///
/// * [`CosAdd`](Self::CosAdd) (3CosAdd, the vector offset of Mikolov et al. 2013, word2vec.c's
///   `word-analogy`): argmaxₓ cos(x, b) − cos(x, a) + cos(x, c). The reported score is
///   gensim's `most_similar(positive=[b, c], negative=[a])` value: the cosine between x and
///   the unit vector of b̂ − â + ĉ, which ranks candidates identically.
/// * [`CosMul`](Self::CosMul) (3CosMul): argmaxₓ cos′(x, b)·cos′(x, c) / (cos′(x, a) + ε) with
///   cosines shifted to [0, 1] by cos′ = (cos + 1)/2 (the paper's footnote 7, as gensim's
///   `most_similar_cosmul`) and ε = [`AnalogyMethod::COSMUL_EPSILON`] = 10⁻³ (the paper's
///   value; gensim uses 10⁻⁶). The reported score is that ratio.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AnalogyMethod {
    /// 3CosAdd: the vector offset b − a + c.
    #[default]
    CosAdd,
    /// 3CosMul: the multiplicative combination of shifted cosines.
    CosMul,
}

impl AnalogyMethod {
    /// ε of 3CosMul, which keeps the ratio finite when cos′(x, a) = 0 (Levy & Goldberg 2014
    /// use 0.001).
    pub const COSMUL_EPSILON: f32 = 1e-3;
}

/// Word embeddings ready for queries: a [`Vocabulary`], the raw vectors (V×N) and their
/// L2-normalised rows.
///
/// Row i belongs to word i of the vocabulary. A zero row stays zero when normalised, so its
/// cosine with anything is 0 (never NaN).
///
/// ```
/// use ndarray::array;
/// use skipgram::{AnalogyMethod, Embeddings, Vocabulary};
/// let vocab = Vocabulary::from_words(["man", "woman", "king", "queen", "apple"])?;
/// let vectors = array![ // V×N = 5×2
///     [1.0f32, 0.0],
///     [1.0, 1.0],
///     [3.0, 0.1],
///     [3.0, 1.1],
///     [-1.0, 0.2],
/// ];
/// let emb = Embeddings::new(vocab, vectors)?;
/// let answer = emb.analogy("man", "woman", "king", 1, AnalogyMethod::CosAdd)?;
/// assert_eq!(answer[0].0, "queen");
/// let near = emb.most_similar("king", 2)?;
/// assert_eq!(near.len(), 2);
/// assert!(near[0].1 >= near[1].1); // best first
/// # Ok::<(), skipgram::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Embeddings {
    vocab: Vocabulary,
    /// V×N raw vectors.
    vectors: Array2<f32>,
    /// V×N, each row divided by its L2 norm (zero rows stay zero).
    normalized: Array2<f32>,
}

impl SkipGramModel {
    /// The trained embeddings: the vocabulary and the rows of p (V×N), copied.
    ///
    /// ```
    /// use skipgram::{Corpus, TrainConfig, Trainer};
    /// let corpus = Corpus::from_text("a b c a b c a b d ".repeat(20));
    /// let cfg = TrainConfig { dim: 8, min_count: 1, epochs: 1, threads: 1, ..Default::default() };
    /// let (model, _) = Trainer::new(cfg)?.fit(&corpus)?;
    /// let emb = model.embeddings();
    /// assert_eq!(emb.vectors(), model.input_weights());
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    pub fn embeddings(&self) -> Embeddings {
        let vectors = self.input_weights().to_owned();
        let normalized = normalize_rows(vectors.view());
        Embeddings {
            vocab: self.vocab().clone(),
            vectors,
            normalized,
        }
    }
}

impl Embeddings {
    /// Embeddings for `vocab` with `vectors` of shape V×N, V = `vocab.len()`, N ≥ 1.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `vectors` does not have V rows or has no columns;
    /// [`Error::NonFinite`] if any value is NaN or infinite.
    pub fn new(vocab: Vocabulary, vectors: Array2<f32>) -> Result<Self> {
        if vectors.nrows() != vocab.len() || vectors.ncols() == 0 {
            return Err(Error::ShapeMismatch {
                what: "embedding vectors",
                expected: format!("{}×N with N ≥ 1", vocab.len()),
                found: shape2(vectors.nrows(), vectors.ncols()),
            });
        }
        if !vectors.iter().all(|x| x.is_finite()) {
            return Err(Error::NonFinite {
                what: "embedding vectors",
            });
        }
        let vectors = if vectors.is_standard_layout() {
            vectors
        } else {
            vectors.as_standard_layout().into_owned()
        };
        let normalized = normalize_rows(vectors.view());
        Ok(Embeddings {
            vocab,
            vectors,
            normalized,
        })
    }

    /// The vocabulary (row i of the vectors is word i).
    pub fn vocab(&self) -> &Vocabulary {
        &self.vocab
    }

    /// The number of words V.
    pub fn len(&self) -> usize {
        self.vocab.len()
    }

    /// Always `false` (a [`Vocabulary`] cannot be empty); present for API convention.
    pub fn is_empty(&self) -> bool {
        self.vocab.is_empty()
    }

    /// The dimension N of each vector.
    pub fn dim(&self) -> usize {
        self.vectors.ncols()
    }

    /// The raw vectors, V×N.
    pub fn vectors(&self) -> ArrayView2<'_, f32> {
        self.vectors.view()
    }

    /// The L2-normalised vectors, V×N: row i is vᵢ/‖vᵢ‖ (norm accumulated in f64), or zero
    /// if vᵢ is zero.
    pub fn normalized(&self) -> ArrayView2<'_, f32> {
        self.normalized.view()
    }

    /// The raw vector of `word`, length N.
    ///
    /// # Errors
    /// [`Error::UnknownWords`] if the word is not in the vocabulary.
    pub fn embedding(&self, word: &str) -> Result<ArrayView1<'_, f32>> {
        Ok(self.vectors.row(self.vocab.try_index(word)?))
    }

    /// The unit-length vector of `word` (zero for a zero vector), length N.
    ///
    /// # Errors
    /// [`Error::UnknownWords`] if the word is not in the vocabulary.
    pub fn normalized_embedding(&self, word: &str) -> Result<ArrayView1<'_, f32>> {
        Ok(self.normalized.row(self.vocab.try_index(word)?))
    }

    /// The `k` words with the highest cosine similarity to `word`, best first, `word` itself
    /// excluded (gensim's `most_similar(word, topn=k)`). Fewer than `k` if V − 1 < k.
    /// One V×N matrix-vector product.
    ///
    /// # Errors
    /// [`Error::UnknownWords`] if the word is not in the vocabulary.
    pub fn most_similar(&self, word: &str, k: usize) -> Result<Vec<(String, f32)>> {
        let i = self.vocab.try_index(word)?;
        let scores = self.normalized.dot(&self.normalized.row(i));
        Ok(self.named(top_k(scores.view(), k, &[i])))
    }

    /// The `k` words with the highest cosine similarity to the vector `v` (length N), best
    /// first, leaving out the words in `exclude`. A zero `v` gives similarity 0 everywhere.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `v` does not have length N; [`Error::NonFinite`] if it
    /// holds NaN or infinity; [`Error::UnknownWords`] naming every word of `exclude` not in
    /// the vocabulary.
    pub fn most_similar_by_vector(
        &self,
        v: ArrayView1<'_, f32>,
        k: usize,
        exclude: &[&str],
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
        let excluded = self.indices(exclude.iter().copied())?;
        let q = normalize(v);
        let scores = self.normalized.dot(&q);
        Ok(self.named(top_k(scores.view(), k, &excluded)))
    }

    /// The `k` best answers to the analogy `a` : `b` :: `c` : ?, best first, by `method`
    /// (see [`AnalogyMethod`] for the formulas and scores); `a`, `b` and `c` are never
    /// answers. 3CosAdd is one V×N matrix-vector product, 3CosMul one product with the
    /// N×3 matrix of the three query vectors.
    ///
    /// # Errors
    /// [`Error::UnknownWords`] naming every query word not in the vocabulary.
    pub fn analogy(
        &self,
        a: &str,
        b: &str,
        c: &str,
        k: usize,
        method: AnalogyMethod,
    ) -> Result<Vec<(String, f32)>> {
        let idx = self.indices([a, b, c])?;
        let (ia, ib, ic) = (idx[0], idx[1], idx[2]);
        let top = match method {
            AnalogyMethod::CosAdd => {
                let q = self.offset_query(ia, ib, ic);
                let scores = self.normalized.dot(&q);
                top_k(scores.view(), k, &idx)
            }
            AnalogyMethod::CosMul => {
                let q = self.normalized.select(Axis(0), &idx); // 3×N: â, b̂, ĉ
                let cos = self.normalized.dot(&q.t()); // V×3
                let scores = cos.map_axis(Axis(1), |r| cos_mul(r[0], r[1], r[2]));
                top_k(scores.view(), k, &idx)
            }
        };
        Ok(self.named(top))
    }

    /// [`most_similar`](Self::most_similar) for many words at once: one (B×N)·(N×V) matrix
    /// product for the B words, so it needs B×V×4 bytes of scratch memory. Result i belongs
    /// to `words[i]`.
    ///
    /// # Errors
    /// [`Error::UnknownWords`] naming every word of the batch not in the vocabulary (nothing
    /// is computed then).
    pub fn most_similar_batch(&self, words: &[&str], k: usize) -> Result<Vec<Vec<(String, f32)>>> {
        let idx = self.indices(words.iter().copied())?;
        if idx.is_empty() {
            return Ok(Vec::new());
        }
        let q = self.normalized.select(Axis(0), &idx); // B×N
        let scores = q.dot(&self.normalized.t()); // B×V
        Ok(scores
            .rows()
            .into_iter()
            .zip(&idx)
            .map(|(row, &i)| self.named(top_k(row, k, &[i])))
            .collect())
    }

    /// [`analogy`](Self::analogy) for many `(a, b, c)` queries at once: one matrix product,
    /// (B×N)·(N×V) for 3CosAdd and (3B×N)·(N×V) for 3CosMul. Result i belongs to
    /// `queries[i]`.
    ///
    /// # Errors
    /// [`Error::UnknownWords`] naming every word of the batch not in the vocabulary (nothing
    /// is computed then).
    pub fn analogy_batch(
        &self,
        queries: &[(&str, &str, &str)],
        k: usize,
        method: AnalogyMethod,
    ) -> Result<Vec<Vec<(String, f32)>>> {
        let idx = self.indices(queries.iter().flat_map(|&(a, b, c)| [a, b, c]))?;
        let triples: Vec<[usize; 3]> = idx.chunks_exact(3).map(|t| [t[0], t[1], t[2]]).collect();
        Ok(self
            .analogy_indices(&triples, k, method, self.len())
            .into_iter()
            .map(|top| self.named(top))
            .collect())
    }

    /// Answers analogies given as index triples [a, b, c] among the first `rows` words
    /// (`rows ≤ V`, all indices < `rows`): one matrix product for the whole batch. Returns
    /// (index, score) lists, best first, the triple's indices excluded.
    pub(crate) fn analogy_indices(
        &self,
        triples: &[[usize; 3]],
        k: usize,
        method: AnalogyMethod,
        rows: usize,
    ) -> Vec<Vec<(usize, f32)>> {
        if triples.is_empty() {
            return Vec::new();
        }
        let candidates = self.normalized.slice(s![..rows, ..]);
        match method {
            AnalogyMethod::CosAdd => {
                let mut q = Array2::zeros((triples.len(), self.dim()));
                for (mut row, &[a, b, c]) in q.rows_mut().into_iter().zip(triples) {
                    row.assign(&self.offset_query(a, b, c));
                }
                let scores = q.dot(&candidates.t()); // B×rows
                scores
                    .rows()
                    .into_iter()
                    .zip(triples)
                    .map(|(row, t)| top_k(row, k, t))
                    .collect()
            }
            AnalogyMethod::CosMul => {
                let flat: Vec<usize> = triples.iter().flatten().copied().collect();
                let q = self.normalized.select(Axis(0), &flat); // 3B×N
                let cos = q.dot(&candidates.t()); // 3B×rows
                let mut scores = Array1::zeros(rows);
                triples
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let (ca, cb, cc) = (cos.row(3 * i), cos.row(3 * i + 1), cos.row(3 * i + 2));
                        for (x, s) in scores.iter_mut().enumerate() {
                            *s = cos_mul(ca[x], cb[x], cc[x]);
                        }
                        top_k(scores.view(), k, t)
                    })
                    .collect()
            }
        }
    }

    /// The unit vector of b̂ − â + ĉ (gensim's normalised mean of the unit vectors with
    /// weights −1, +1, +1), or zero if that sum is zero.
    fn offset_query(&self, a: usize, b: usize, c: usize) -> Array1<f32> {
        let n = &self.normalized;
        let sum = &n.row(b) - &n.row(a) + n.row(c);
        normalize(sum.view())
    }

    /// Indices of `words`, or [`Error::UnknownWords`] naming each unknown word once, in order.
    fn indices<'w>(&self, words: impl IntoIterator<Item = &'w str>) -> Result<Vec<usize>> {
        let mut idx = Vec::new();
        let mut unknown: Vec<String> = Vec::new();
        for w in words {
            match self.vocab.index(w) {
                Some(i) => idx.push(i),
                None => {
                    if !unknown.iter().any(|u| u == w) {
                        unknown.push(w.to_string());
                    }
                }
            }
        }
        if unknown.is_empty() {
            Ok(idx)
        } else {
            Err(Error::UnknownWords(unknown))
        }
    }

    fn named(&self, top: Vec<(usize, f32)>) -> Vec<(String, f32)> {
        top.into_iter()
            .map(|(i, s)| (self.vocab.words()[i].clone(), s))
            .collect()
    }
}

/// 3CosMul's score from the three cosines (Levy & Goldberg 2014, eq. 4 with footnote 7).
#[inline]
fn cos_mul(cos_a: f32, cos_b: f32, cos_c: f32) -> f32 {
    let shift = |c: f32| (c + 1.0) * 0.5;
    shift(cos_b) * shift(cos_c) / (shift(cos_a) + AnalogyMethod::COSMUL_EPSILON)
}

/// v/‖v‖ with the norm accumulated in f64, or zeros if v is zero.
pub(crate) fn normalize(v: ArrayView1<'_, f32>) -> Array1<f32> {
    let norm = v
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt();
    if norm > 0.0 {
        v.mapv(|x| (f64::from(x) / norm) as f32)
    } else {
        Array1::zeros(v.len())
    }
}

/// Every row divided by its L2 norm; zero rows stay zero.
fn normalize_rows(a: ArrayView2<'_, f32>) -> Array2<f32> {
    let mut out = Array2::zeros(a.raw_dim());
    for (mut o, r) in out.rows_mut().into_iter().zip(a.rows()) {
        o.assign(&normalize(r));
    }
    out
}

/// The `k` highest scores with their indices, best first (ties: lower index first), skipping
/// the indices in `exclude`. Selects with `select_nth_unstable_by`, then sorts only the k.
pub(crate) fn top_k(scores: ArrayView1<'_, f32>, k: usize, exclude: &[usize]) -> Vec<(usize, f32)> {
    if k == 0 {
        return Vec::new();
    }
    // Long exclusion lists are searched in sorted order rather than scanned for every word.
    let mut sorted = Vec::new();
    if exclude.len() > 16 {
        sorted.extend_from_slice(exclude);
        sorted.sort_unstable();
    }
    let excluded = |i: &usize| {
        if sorted.is_empty() {
            exclude.contains(i)
        } else {
            sorted.binary_search(i).is_ok()
        }
    };
    let mut cand: Vec<(usize, f32)> = scores
        .iter()
        .enumerate()
        .filter(|(i, _)| !excluded(i))
        .map(|(i, &s)| (i, s))
        .collect();
    let order = |x: &(usize, f32), y: &(usize, f32)| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0));
    if k < cand.len() {
        cand.select_nth_unstable_by(k - 1, order);
        cand.truncate(k);
    }
    cand.sort_unstable_by(order);
    cand
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn emb(words: &[&str], v: Array2<f32>) -> Embeddings {
        Embeddings::new(Vocabulary::from_words(words.iter().copied()).unwrap(), v).unwrap()
    }

    #[test]
    fn new_checks_shape_and_finiteness() {
        let vocab = Vocabulary::from_words(["a", "b"]).unwrap();
        assert!(matches!(
            Embeddings::new(vocab.clone(), Array2::zeros((3, 2))),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            Embeddings::new(vocab.clone(), Array2::zeros((2, 0))),
            Err(Error::ShapeMismatch { .. })
        ));
        let mut v = Array2::zeros((2, 2));
        v[[1, 0]] = f32::INFINITY;
        assert!(matches!(
            Embeddings::new(vocab, v),
            Err(Error::NonFinite { .. })
        ));
    }

    #[test]
    fn normalisation_and_zero_rows() {
        let e = emb(
            &["a", "z", "b"],
            array![[3.0f32, 4.0], [0.0, 0.0], [0.0, -2.0]],
        );
        assert_eq!(
            e.normalized(),
            array![[0.6f32, 0.8], [0.0, 0.0], [0.0, -1.0]]
        );
        assert_eq!(e.embedding("a").unwrap(), array![3.0f32, 4.0]);
        assert_eq!(e.normalized_embedding("b").unwrap(), array![0.0f32, -1.0]);
        let near = e.most_similar("z", 5).unwrap();
        assert_eq!(near.len(), 2);
        assert!(near.iter().all(|(_, s)| *s == 0.0));
        let near = e.most_similar("a", 5).unwrap();
        assert_eq!(near[0], ("z".to_string(), 0.0));
        assert!((near[1].1 + 0.8).abs() < 1e-6);
        // A tiny but non-zero row is normalised (f64 accumulation avoids underflow).
        let t = emb(&["t"], array![[1e-30f32, 0.0]]);
        assert_eq!(t.normalized(), array![[1.0f32, 0.0]]);
    }

    #[test]
    fn top_k_selects_and_orders() {
        let s = array![0.1f32, 0.9, 0.5, 0.9, -1.0, 0.7];
        assert_eq!(top_k(s.view(), 3, &[]), vec![(1, 0.9), (3, 0.9), (5, 0.7)]);
        assert_eq!(top_k(s.view(), 2, &[1, 5]), vec![(3, 0.9), (2, 0.5)]);
        assert_eq!(top_k(s.view(), 0, &[]), vec![]);
        assert_eq!(top_k(s.view(), 10, &[0, 1, 2, 3]).len(), 2);
        // A long exclusion list (searched sorted), with out-of-range entries.
        let long: Vec<usize> = (0..40).rev().filter(|&i| i != 2 && i != 4).collect();
        assert_eq!(top_k(s.view(), 5, &long), vec![(2, 0.5), (4, -1.0)]);
    }

    #[test]
    fn unknown_words_are_all_named() {
        let e = emb(
            &["a", "b", "c"],
            array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]],
        );
        match e.analogy("x", "a", "y", 1, AnalogyMethod::CosAdd) {
            Err(Error::UnknownWords(w)) => assert_eq!(w, ["x", "y"]),
            other => panic!("{other:?}"),
        }
        match e.most_similar_batch(&["a", "q", "q", "r"], 1) {
            Err(Error::UnknownWords(w)) => assert_eq!(w, ["q", "r"]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            e.most_similar_by_vector(array![1.0f32, 0.0].view(), 1, &["nope"]),
            Err(Error::UnknownWords(_))
        ));
        assert!(matches!(
            e.most_similar_by_vector(array![1.0f32].view(), 1, &[]),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            e.most_similar_by_vector(array![f32::NAN, 0.0].view(), 1, &[]),
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
    }
}
