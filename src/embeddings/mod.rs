//! Trained embeddings in use: cosine similarity, nearest neighbours, word analogies and the
//! odd one out, with the semantics of gensim's `KeyedVectors`.
//!
//! [`Embeddings`] holds a vocabulary, the raw vectors (V×N, the rows of p after training) and
//! their L2 norms (length V) — one matrix, not a second normalised copy. Every cosine is
//! computed on the fly as cos(v, q) = (v·q)/(‖v‖‖q‖): a query is first made a unit vector q̂,
//! then one matrix-vector product V×N · N gives every v·q̂, and each is divided by ‖v‖. A
//! batch of B queries is one matrix-matrix product (B×N)·(N×V).
//!
//! The query methods live in two submodules: similarity (`similarity`, `most_similar*`,
//! `doesnt_match`) and analogy (`analogy`, `analogy_batch`, [`AnalogyMethod`]). A trained
//! model's embeddings ([`VectorKind`], `SkipGramModel::to_embeddings*`) are made in
//! `from_model`; the arithmetic under the queries (norms and cosines in f64, unit vectors,
//! the k best scores) is in `math`.

use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, Axis};

use crate::error::{shape2, Error, Result};
use crate::parallel::for_each_parallel;
use crate::vocab::Vocabulary;

mod analogy;
mod from_model;
mod helpers;
mod math;
mod similarity;

pub use analogy::AnalogyMethod;
pub use from_model::VectorKind;
pub use helpers::{MeanOptions, UnknownWordPolicy};
pub(crate) use math::{batch_rows, cos64, top_k, unit};
use math::{norm64, threads_for, BLOCK_ROWS};
pub use similarity::SimilarityOptions;

/// Word embeddings ready for queries: a [`Vocabulary`], the raw vectors (V×N) and their L2
/// norms (length V).
///
/// Row i belongs to word i of the vocabulary (for trained or word2vec-loaded embeddings, the
/// words by descending count, which is what `restrict_vocab` relies on). Memory is one V×N
/// `f32` matrix plus V norms — no normalised copy. Cosines are computed on the fly,
/// cos(v, q) = (v·q)/(‖v‖‖q‖): a query is made a unit vector q̂, one matrix-vector product
/// (V×N)·N gives every v·q̂, and each is divided by ‖v‖; a batch of B queries is one
/// (B×N)·(N×V) matrix product. A zero row has cosine 0 with everything, never NaN.
///
/// The queries follow gensim 4.4's `KeyedVectors`:
///
/// | gensim | here |
/// |---|---|
/// | `kv.similarity(a, b)` | [`similarity(a, b)`](Self::similarity) |
/// | `kv.most_similar(positive=P, negative=N, topn=k)` | [`most_similar(P, N, k)`](Self::most_similar) |
/// | `kv.most_similar(w, topn=k)` | [`most_similar_word(w, k)`](Self::most_similar_word) |
/// | `kv.most_similar_cosmul(P, N, topn=k)` | [`most_similar_with(P, N, k, &opts)`](Self::most_similar_with) with [`AnalogyMethod::CosMul`] |
/// | `kv.most_similar(..., restrict_vocab=r)` | [`SimilarityOptions::restrict_vocab`] |
/// | `kv.similar_by_vector(v, topn=k)` | [`most_similar_by_vector(v, k, &[] as &[&str])`](Self::most_similar_by_vector) |
/// | `kv.doesnt_match(words)` | [`doesnt_match(words)`](Self::doesnt_match) |
/// | `w in kv`, `kv[w]` | [`contains(w)`](Self::contains), [`get(w)`](Self::get) / [`embedding(w)`](Self::embedding) |
/// | `kv.most_similar(positive=[b, c], negative=[a])` | [`analogy(a, b, c, k, method)`](Self::analogy) |
/// | `kv.get_mean_vector(keys, weights, pre_normalize, post_normalize, ignore_missing)` | [`mean_vector(keys, &opts)`](Self::mean_vector) with [`MeanOptions`] |
/// | `kv.n_similarity(ws1, ws2)` | [`n_similarity(ws1, ws2)`](Self::n_similarity) |
/// | `kv[keys]` (a list) | [`embeddings(keys)`](Self::embeddings) |
/// | `kv.cosine_similarities(a, [b])` | [`Embeddings::cosine(a, b)`](Self::cosine) |
///
/// Every method that takes a list of words takes `&[S]` with `S: AsRef<str>`: `&["a", "b"]`,
/// a `&Vec<String>` or a `&[&String]` alike.
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
/// // man : woman :: king : ?  is  most_similar(positive = [woman, king], negative = [man]).
/// let answer = emb.analogy("man", "woman", "king", 1, AnalogyMethod::CosAdd)?;
/// assert_eq!(answer[0].0, "queen");
/// let same = emb.most_similar(&["woman", "king"], &["man"], 1)?;
/// assert_eq!(same[0].0, "queen");
/// let near = emb.most_similar_word("king", 2)?;
/// assert_eq!(near.len(), 2);
/// assert!(near[0].1 >= near[1].1); // best first
/// assert_eq!(emb.doesnt_match(&["man", "king", "apple"])?, "apple");
/// # Ok::<(), skipgram::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Embeddings {
    vocab: Vocabulary,
    /// V×N raw vectors, standard (row-major) layout.
    vectors: Array2<f32>,
    /// ‖vᵢ‖ for each row, accumulated in f64 and rounded to f32 (+∞ if it exceeds f32::MAX).
    norms: Array1<f32>,
}

impl Embeddings {
    /// Embeddings for `vocab` with `vectors` of shape V×N, V = `vocab.len()`, N ≥ 1. The
    /// vectors are moved in (copied only if not in standard row-major layout); the V norms
    /// are computed here.
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{Embeddings, Vocabulary};
    /// let emb = Embeddings::new(Vocabulary::from_words(["a", "b"])?, array![[3.0f32, 4.0], [0.0, 0.0]])?;
    /// assert_eq!(emb.norms(), array![5.0f32, 0.0]);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
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
        Ok(Self::from_trusted(vocab, vectors))
    }

    /// [`new`](Self::new) without the checks, for vectors known to fit (the model's p,
    /// vectors read and checked by a reader): V rows, N ≥ 1 columns, all finite. The norms
    /// are computed on all cores.
    pub(crate) fn from_trusted(vocab: Vocabulary, vectors: Array2<f32>) -> Self {
        let vectors = if vectors.is_standard_layout() {
            vectors
        } else {
            vectors.as_standard_layout().into_owned()
        };
        let mut norms = Array1::zeros(vectors.nrows());
        let out = norms.as_slice_mut().expect("a new array is contiguous");
        let threads = threads_for(vectors.len());
        for_each_parallel(
            vectors
                .axis_chunks_iter(Axis(0), BLOCK_ROWS)
                .zip(out.chunks_mut(BLOCK_ROWS)),
            threads,
            |(rows, out)| {
                for (o, r) in out.iter_mut().zip(rows.rows()) {
                    *o = norm64(r) as f32;
                }
            },
        );
        Embeddings {
            vocab,
            vectors,
            norms,
        }
    }

    /// Takes the embeddings apart into their vocabulary and V×N vectors, moving both.
    pub(crate) fn into_vocab_and_vectors(self) -> (Vocabulary, Array2<f32>) {
        (self.vocab, self.vectors)
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

    /// The raw vectors, V×N (a view, no copy).
    pub fn vectors(&self) -> ArrayView2<'_, f32> {
        self.vectors.view()
    }

    /// The L2 norms ‖vᵢ‖ of the rows, length V (a view, no copy): accumulated in f64 and
    /// rounded to f32, so +∞ for a row whose norm exceeds `f32::MAX` (queries then compute
    /// that row's cosine in f64, so it is still correct).
    pub fn norms(&self) -> ArrayView1<'_, f32> {
        self.norms.view()
    }

    /// **Allocates** a new V×N matrix of the L2-normalised rows: row i is vᵢ/‖vᵢ‖ (computed
    /// in f64), or zero if vᵢ is zero. Queries never need it; it is for exporting unit
    /// vectors.
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{Embeddings, Vocabulary};
    /// let emb = Embeddings::new(Vocabulary::from_words(["a", "b"])?, array![[3.0f32, 4.0], [0.0, 0.0]])?;
    /// assert_eq!(emb.to_normalized(), array![[0.6f32, 0.8], [0.0, 0.0]]);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    pub fn to_normalized(&self) -> Array2<f32> {
        let mut out = Array2::zeros(self.vectors.raw_dim());
        for (mut o, r) in out.rows_mut().into_iter().zip(self.vectors.rows()) {
            o.assign(&unit(r));
        }
        out
    }

    /// Whether `word` is in the vocabulary (gensim's `word in kv`).
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{Embeddings, Vocabulary};
    /// let emb = Embeddings::new(Vocabulary::from_words(["a"])?, array![[1.0f32]])?;
    /// assert!(emb.contains("a"));
    /// assert!(!emb.contains("A"));
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    pub fn contains(&self, word: &str) -> bool {
        self.vocab.index(word).is_some()
    }

    /// The raw vector of `word` (length N, a view), or `None` if the word is unknown.
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{Embeddings, Vocabulary};
    /// let emb = Embeddings::new(Vocabulary::from_words(["a", "b"])?, array![[1.0f32, 2.0], [3.0, 4.0]])?;
    /// assert_eq!(emb.get("b"), Some(array![3.0f32, 4.0].view()));
    /// assert_eq!(emb.get("c"), None);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    pub fn get(&self, word: &str) -> Option<ArrayView1<'_, f32>> {
        self.vocab.index(word).map(|i| self.vectors.row(i))
    }

    /// The raw vector of `word`, length N (a view).
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{Embeddings, Vocabulary};
    /// let emb = Embeddings::new(Vocabulary::from_words(["a"])?, array![[1.0f32, 2.0]])?;
    /// assert_eq!(emb.embedding("a")?, array![1.0f32, 2.0]);
    /// assert!(emb.embedding("z").is_err());
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::UnknownWords`] if the word is not in the vocabulary.
    pub fn embedding(&self, word: &str) -> Result<ArrayView1<'_, f32>> {
        Ok(self.vectors.row(self.vocab.try_index(word)?))
    }

    /// The unit-length vector of `word` (zero for a zero vector), length N, **allocated**
    /// (computed in f64 from the raw row).
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{Embeddings, Vocabulary};
    /// let emb = Embeddings::new(Vocabulary::from_words(["a"])?, array![[3.0f32, -4.0]])?;
    /// assert_eq!(emb.normalized_embedding("a")?, array![0.6f32, -0.8]);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::UnknownWords`] if the word is not in the vocabulary.
    pub fn normalized_embedding(&self, word: &str) -> Result<Array1<f32>> {
        Ok(unit(self.vectors.row(self.vocab.try_index(word)?)))
    }

    /// The number of candidate rows for `restrict_vocab`: min(r, V), or V for `None`.
    pub(crate) fn candidate_rows(&self, restrict_vocab: Option<usize>) -> usize {
        restrict_vocab.map_or(self.len(), |r| r.min(self.len()))
    }

    /// The unit vectors of the rows `idx`, one per row of the result (len(idx)×N).
    pub(crate) fn unit_rows(&self, idx: &[usize]) -> Array2<f32> {
        let mut q = Array2::zeros((idx.len(), self.dim()));
        for (mut row, &i) in q.rows_mut().into_iter().zip(idx) {
            row.assign(&unit(self.vectors.row(i)));
        }
        q
    }

    /// cos(vₓ, q̂) for the first `rows` words, for a **unit** vector `q` (length N): one
    /// matrix-vector product (its blocks of rows on all cores for a large matrix), then a
    /// division by the norms.
    pub(crate) fn cosines(&self, q: ArrayView1<'_, f32>, rows: usize) -> Array1<f32> {
        let mut dots = Array1::zeros(rows);
        let out = dots.as_slice_mut().expect("a new array is contiguous");
        let m = self.vectors.slice(s![..rows, ..]);
        for_each_parallel(
            m.axis_chunks_iter(Axis(0), BLOCK_ROWS)
                .zip(out.chunks_mut(BLOCK_ROWS)),
            threads_for(m.len()),
            |(block, out)| {
                let mut out = ArrayViewMut1::from(out);
                ndarray::linalg::general_mat_vec_mul(1.0, &block, &q, 0.0, &mut out);
            },
        );
        self.divide_by_norms(dots.view_mut(), q);
        dots
    }

    /// cos(vₓ, q̂ᵦ) for the first `rows` words and each **unit** row q̂ᵦ of `q` (B×N): one
    /// (B×N)·(N×rows) matrix product, then a division by the norms. Returns B×rows.
    pub(crate) fn cosines_batch(&self, q: ArrayView2<'_, f32>, rows: usize) -> Array2<f32> {
        let m = self.vectors.slice(s![..rows, ..]);
        let mut dots = Array2::zeros((q.nrows(), rows));
        // Blocks of rows of the vectors (columns of the result) on all cores for a large
        // matrix: one pass over the V×N values, whatever B is.
        for_each_parallel(
            m.axis_chunks_iter(Axis(0), BLOCK_ROWS)
                .zip(dots.axis_chunks_iter_mut(Axis(1), BLOCK_ROWS)),
            threads_for(m.len()),
            |(block, mut out)| {
                ndarray::linalg::general_mat_mul(1.0, &q, &block.t(), 0.0, &mut out);
            },
        );
        for (d, qr) in dots.axis_iter_mut(Axis(0)).zip(q.rows()) {
            self.divide_by_norms(d, qr);
        }
        dots
    }

    /// Turns the dot products vₓ·q̂ (x < `dots.len()`) into cosines. Zero rows get 0; rows
    /// whose f32 norm is subnormal or infinite (or whose f32 dot product overflowed) are
    /// recomputed in f64 so they lose nothing.
    fn divide_by_norms(&self, dots: ArrayViewMut1<'_, f32>, q: ArrayView1<'_, f32>) {
        for (x, (d, &n)) in dots.into_iter().zip(&self.norms).enumerate() {
            let r = *d / n;
            *d = if n.is_normal() && r.is_finite() {
                r
            } else if n == 0.0 {
                0.0
            } else {
                cos64(self.vectors.row(x), q) as f32
            };
        }
    }

    /// Indices of `words`, or [`Error::UnknownWords`] naming each unknown word once, in order.
    pub(crate) fn indices<'w>(
        &self,
        words: impl IntoIterator<Item = &'w str>,
    ) -> Result<Vec<usize>> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SkipGramModel;
    use ndarray::array;

    pub(super) fn emb(words: &[&str], v: Array2<f32>) -> Embeddings {
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
    fn column_major_input_is_stored_row_major() {
        use ndarray::ShapeBuilder;
        let f = Array2::from_shape_vec((2, 2).f(), vec![3.0f32, 0.0, 4.0, 1.0]).unwrap();
        assert!(!f.is_standard_layout());
        let e = emb(&["a", "b"], f);
        assert!(e.vectors().is_standard_layout());
        assert_eq!(e.vectors(), array![[3.0f32, 4.0], [0.0, 1.0]]);
        assert_eq!(e.norms(), array![5.0f32, 1.0]);
        assert_eq!(e.dim(), 2);
    }

    #[test]
    fn normalisation_and_zero_rows() {
        let e = emb(
            &["a", "z", "b"],
            array![[3.0f32, 4.0], [0.0, 0.0], [0.0, -2.0]],
        );
        assert_eq!(
            e.to_normalized(),
            array![[0.6f32, 0.8], [0.0, 0.0], [0.0, -1.0]]
        );
        assert_eq!(e.norms(), array![5.0f32, 0.0, 2.0]);
        assert_eq!(e.embedding("a").unwrap(), array![3.0f32, 4.0]);
        assert_eq!(e.normalized_embedding("b").unwrap(), array![0.0f32, -1.0]);
        let near = e.most_similar_word("z", 5).unwrap();
        assert_eq!(near.len(), 2);
        assert!(near.iter().all(|(_, s)| *s == 0.0));
        let near = e.most_similar_word("a", 5).unwrap();
        assert_eq!(near[0], ("z".to_string(), 0.0));
        assert!((near[1].1 + 0.8).abs() < 1e-6);
        // A tiny but non-zero row is normalised (f64 accumulation avoids underflow).
        let t = emb(&["t"], array![[1e-30f32, 0.0]]);
        assert_eq!(t.to_normalized(), array![[1.0f32, 0.0]]);
    }

    #[test]
    fn extreme_norms_fall_back_to_f64() {
        // Row 0's norm overflows f32 (+∞), row 1's is subnormal: both still give exact
        // cosines, as does an ordinary row.
        let big = f32::MAX * 0.9;
        let e = emb(
            &["big", "tiny", "plain"],
            array![[big, big, big], [1e-40f32, 1e-40, 0.0], [1.0, 1.0, 0.0]],
        );
        assert_eq!(e.norms()[0], f32::INFINITY);
        assert!(!e.norms()[1].is_normal() && e.norms()[1] > 0.0);
        let q = unit(array![1.0f32, 1.0, 0.0].view());
        let c = e.cosines(q.view(), 3);
        assert!((c[0] - (2.0f32 / 6.0f32.sqrt())).abs() < 1e-6, "{c}");
        assert!((c[1] - 1.0).abs() < 1e-6, "{c}");
        assert!((c[2] - 1.0).abs() < 1e-6, "{c}");
        let b = e.cosines_batch(e.unit_rows(&[1, 0]).view(), 3);
        assert!(
            (b[[0, 2]] - 1.0).abs() < 1e-6 && (b[[1, 0]] - 1.0).abs() < 1e-6,
            "{b}"
        );
        assert!(e.to_normalized().iter().all(|x| x.is_finite()));
    }

    #[test]
    fn contains_get_and_conversions() {
        let e = emb(&["a", "b"], array![[1.0f32, 2.0], [3.0, 4.0]]);
        assert!(e.contains("b") && !e.contains("c"));
        assert_eq!(e.get("a").unwrap(), array![1.0f32, 2.0]);
        assert!(e.get("c").is_none());
        assert_eq!(e.candidate_rows(None), 2);
        assert_eq!(e.candidate_rows(Some(1)), 1);
        assert_eq!(e.candidate_rows(Some(10)), 2);
        let vocab = Vocabulary::from_words(["a", "b"]).unwrap();
        let p = array![[1.0f32, 2.0], [3.0, 4.0]];
        let m = SkipGramModel::from_weights(vocab, p.clone(), Array2::zeros((2, 2))).unwrap();
        let copied = m.to_embeddings();
        let ptr = m.input_weights().as_ptr();
        let moved = m.into_embeddings();
        // into_embeddings moves p: the very same buffer.
        assert_eq!(moved.vectors().as_ptr(), ptr);
        assert_eq!(copied.vectors(), p);
        assert_eq!(moved.vectors(), p);
        assert_eq!(moved.norms(), copied.norms());
    }
}
