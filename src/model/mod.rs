//! The skip-gram network: vocabulary, input weights p (V×N) and output weights p' (N×V).

use std::sync::{Arc, OnceLock};

use ndarray::{Array2, ArrayView1, ArrayView2};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Uniform};

use crate::error::{shape2, Error, Result};
use crate::parallel::{advise_huge_pages, try_vec_with};
use crate::subword::NgramConfig;
use crate::vocab::Vocabulary;
use crate::OneHot;

mod forward;
mod grow;
pub(crate) mod huffman;
mod step;
mod subword;

pub use forward::Forward;
use forward::{finite_dot, hs_log_probabilities};
pub use grow::Growth;
use huffman::HuffmanTree;

/// The skip-gram net of Mikolov et al. (2013): a one-hot input of length V, a linear
/// projection through the input weights **p** (V×N) to a projection layer of N nodes, and
/// the output weights **p'** (N×V) giving one score per vocabulary word.
///
/// The net has 2c output context positions w(t−c) … w(t+c), but they all share p', so for a
/// given input word they all receive the *same* scores and the same softmax distribution;
/// [`Forward::scores_per_position`] shows that 2c×V picture as a zero-copy broadcast.
///
/// After training, row i of p is the embedding of word i ([`embedding`](Self::embedding));
/// p' is kept so that training can resume.
///
/// **Storage.** p' is stored transposed, as a V×N row-major array, so that each word's output
/// vector (a column of p', word2vec.c's `syn1neg` row) is one contiguous row in memory; the
/// [`output_weights`](Self::output_weights) view presents it as N×V without copying.
///
/// ```
/// use ndarray::array;
/// use skipgram::{SkipGramModel, Vocabulary};
/// let vocab = Vocabulary::from_words(["duct", "tape", "work"])?;
/// let p = array![[0.1f32, 0.2], [0.3, 0.4], [0.5, 0.6]]; // V×N = 3×2
/// let p_prime = array![[1.0f32, 0.0, -1.0], [0.0, 1.0, 0.5]]; // N×V = 2×3
/// let model = SkipGramModel::from_weights(vocab, p, p_prime)?;
/// let f = model.forward("tape")?;
/// assert_eq!(f.projection, array![0.3f32, 0.4]); // row 1 of p
/// assert!((f.scores[2] - (-0.3 + 0.2)).abs() < 1e-6); // projection · column 2 of p'
/// assert_eq!(model.embedding("work")?, array![0.5f32, 0.6]);
/// # Ok::<(), skipgram::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SkipGramModel {
    vocab: Vocabulary,
    /// p, V×N.
    input: Array2<f32>,
    /// p' transposed: V×N, row j = column j of p'.
    output: Array2<f32>,
    /// Inner-node vectors of the Huffman tree for hierarchical softmax, (V−1)×N, when trained
    /// with that objective (word2vec.c's `syn1`).
    hs_output: Option<Array2<f32>>,
    /// The Huffman tree of the vocabulary's counts, built once when hierarchical softmax
    /// first needs it (training, or `forward` of a model with node vectors).
    huffman: OnceLock<Arc<HuffmanTree>>,
    epochs_trained: usize,
    /// In-vocabulary tokens per pass over the corpus being trained on, when that is not the
    /// vocabulary's total count (after [`grow_vocabulary`](Self::grow_vocabulary) merged
    /// counts of two corpora).
    epoch_words: Option<u64>,
    /// A subword model's n-gram settings and bucket rows (bucket×N), fastText's rows
    /// V..V + bucket of its input matrix; `None` for a word-level model.
    ngrams: Option<(NgramConfig, Array2<f32>)>,
}

impl SkipGramModel {
    /// A fresh net with word2vec.c's initialisation: every element of p drawn uniformly from
    /// [−0.5/N, 0.5/N), p' all zeros (word2vec.c `InitNet`).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if `n` is 0 or V×N floats cannot be addressed.
    pub fn new<R: Rng + ?Sized>(vocab: Vocabulary, n: usize, rng: &mut R) -> Result<Self> {
        Self::with_init(vocab, n, init_half(n, false), rng)
    }

    /// A fresh net with p drawn uniformly from [−`half`, `half`) and p' all zeros.
    pub(crate) fn with_init<R: Rng + ?Sized>(
        vocab: Vocabulary,
        n: usize,
        half: f32,
        rng: &mut R,
    ) -> Result<Self> {
        if n == 0 {
            return Err(Error::InvalidConfig(
                "the projection size N must be at least 1".into(),
            ));
        }
        let v = vocab.len();
        let len = v.checked_mul(n).ok_or_else(|| Error::OutOfMemory {
            what: format!("p ({v}×{n})"),
            bytes: u64::MAX,
        })?;
        let input = uniform_weights(len, n, half, rng.random(), || format!("p ({v}×{n})"))?;
        let output = try_vec_with(
            len,
            INIT_BLOCK_ROWS.saturating_mul(n),
            init_threads(),
            || format!("p' ({n}×{v})"),
            |_| 0,
            |_| std::iter::repeat(0.0f32),
        )?;
        Ok(SkipGramModel {
            vocab,
            input: Array2::from_shape_vec((v, n), input).expect("the length is V·N"),
            output: Array2::from_shape_vec((v, n), output).expect("the length is V·N"),
            hs_output: None,
            huffman: OnceLock::new(),
            epochs_trained: 0,
            epoch_words: None,
            ngrams: None,
        })
    }

    /// A net with given weights: p of shape V×N and p' of shape N×V, V = `vocab.len()`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the shapes do not fit the vocabulary or each other;
    /// [`Error::NonFinite`] if any weight is NaN or infinite.
    pub fn from_weights(vocab: Vocabulary, p: Array2<f32>, p_prime: Array2<f32>) -> Result<Self> {
        let v = vocab.len();
        let n = p.ncols();
        if p.nrows() != v || n == 0 {
            return Err(Error::ShapeMismatch {
                what: "p",
                expected: format!("{v}×N with N ≥ 1"),
                found: shape2(p.nrows(), p.ncols()),
            });
        }
        if p_prime.dim() != (n, v) {
            return Err(Error::ShapeMismatch {
                what: "p'",
                expected: shape2(n, v),
                found: shape2(p_prime.nrows(), p_prime.ncols()),
            });
        }
        check_finite(&p, "p")?;
        check_finite(&p_prime, "p'")?;
        // Store p' transposed in standard (row-major) layout.
        let mut output = Array2::zeros((v, n));
        output.assign(&p_prime.t());
        Ok(SkipGramModel {
            vocab,
            input: p.as_standard_layout().into_owned(),
            output,
            hs_output: None,
            huffman: OnceLock::new(),
            epochs_trained: 0,
            epoch_words: None,
            ngrams: None,
        })
    }

    /// The vocabulary.
    pub fn vocab(&self) -> &Vocabulary {
        &self.vocab
    }

    /// Vocabulary size V.
    pub fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    /// Projection size N (the embedding dimension).
    pub fn dim(&self) -> usize {
        self.input.ncols()
    }

    /// p, the input (projection) weights, V×N; word2vec.c's `syn0`. Row i is word i's
    /// embedding.
    pub fn input_weights(&self) -> ArrayView2<'_, f32> {
        self.input.view()
    }

    /// p', the output weights, N×V (a transposed view of the V×N storage; no copy).
    pub fn output_weights(&self) -> ArrayView2<'_, f32> {
        self.output.t()
    }

    /// p' transposed, as stored: V×N, row j = column j of p' = word j's output vector
    /// (word2vec.c's `syn1neg`). A view; no copy.
    pub fn output_weights_transposed(&self) -> ArrayView2<'_, f32> {
        self.output.view()
    }

    /// Hierarchical softmax inner-node vectors, (V−1)×N (word2vec.c's `syn1`), if the model
    /// was trained with that objective. With them, [`forward`](Self::forward) scores words
    /// by their Huffman paths instead of by p'.
    pub fn hs_node_vectors(&self) -> Option<ArrayView2<'_, f32>> {
        self.hs_output.as_ref().map(|a| a.view())
    }

    /// Completed training epochs (restored from checkpoints, used to resume).
    pub fn epochs_trained(&self) -> usize {
        self.epochs_trained
    }

    /// In-vocabulary tokens (before subsampling) in one pass over the training corpus: the
    /// words per epoch over which the trainer schedules the learning rate and reports
    /// progress. This is the vocabulary's [`total_count`](Vocabulary::total_count), except
    /// after [`grow_vocabulary`](Self::grow_vocabulary): the counts are then merged over the
    /// old and the new corpus, and one epoch is a pass over the new corpus only, whose
    /// count this returns. It is not stored in checkpoints: a grown model read back from
    /// one counts the merged total again.
    pub fn words_per_epoch(&self) -> u64 {
        self.epoch_words.unwrap_or_else(|| self.vocab.total_count())
    }

    /// Takes the model apart into its vocabulary and p (V×N), moving both without copying;
    /// p' and the hierarchical-softmax nodes are dropped. Used by
    /// [`into_embeddings`](Self::into_embeddings).
    pub(crate) fn into_vocab_and_input(self) -> (Vocabulary, Array2<f32>) {
        (self.vocab, self.input)
    }

    /// The embedding of `word`: row of p, length N, as a view.
    ///
    /// # Errors
    /// [`Error::UnknownWords`] if the word is not in the vocabulary.
    pub fn embedding(&self, word: &str) -> Result<ArrayView1<'_, f32>> {
        Ok(self.input.row(self.vocab.try_index(word)?))
    }

    /// The one-hot vector of `word`.
    ///
    /// # Errors
    /// [`Error::UnknownWords`] if the word is not in the vocabulary.
    pub fn one_hot(&self, word: &str) -> Result<OneHot> {
        OneHot::new(self.vocab.try_index(word)?, self.vocab.len())
    }

    /// Feeds `word` forward: projection h = one-hot · p (length N), scores u = h · p'
    /// (length V). Probabilities are [`Forward::probabilities`].
    ///
    /// For a model trained with hierarchical softmax (it has
    /// [`hs_node_vectors`](Self::hs_node_vectors)), p' is not trained; the scores are then
    /// the log-probabilities ln p(w | h) = Σ ln σ(±h·v'ₙ) along each word's Huffman path
    /// (Mikolov et al. 2013, eq. 3), so that their softmax is exactly those probabilities,
    /// and [`Forward::hierarchical`] is `true`.
    ///
    /// The scores are always finite: weights near `f32::MAX` (which
    /// [`from_weights`](Self::from_weights) accepts, being finite) can make h · p' overflow
    /// f32; such a score is recomputed in f64 and saturates at ±`f32::MAX`, so
    /// [`Forward::probabilities`] is never NaN.
    ///
    /// # Errors
    /// [`Error::UnknownWords`] if the word is not in the vocabulary.
    pub fn forward(&self, word: &str) -> Result<Forward> {
        self.forward_index(self.vocab.try_index(word)?)
    }

    /// [`forward`](Self::forward) by vocabulary index.
    ///
    /// # Errors
    /// [`Error::IndexOutOfRange`] if `index >= V`.
    pub fn forward_index(&self, index: usize) -> Result<Forward> {
        if index >= self.vocab.len() {
            return Err(Error::IndexOutOfRange {
                index,
                len: self.vocab.len(),
            });
        }
        let projection = self.input.row(index).to_owned();
        if let Some(nodes) = &self.hs_output {
            let scores = hs_log_probabilities(&*self.huffman()?, nodes, &projection);
            return Ok(Forward {
                index,
                projection,
                scores,
                hierarchical: true,
            });
        }
        // u = h · p' = (p')ᵀ h, one contiguous dot product per vocabulary word.
        let scores = finite_dot(&self.output, &projection);
        Ok(Forward {
            index,
            projection,
            scores,
            hierarchical: false,
        })
    }

    /// The Huffman tree of the vocabulary for hierarchical softmax, built on first use and
    /// kept.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if the vocabulary has fewer than 2 words.
    pub(crate) fn huffman(&self) -> Result<Arc<HuffmanTree>> {
        if let Some(t) = self.huffman.get() {
            return Ok(Arc::clone(t));
        }
        let tree = Arc::new(HuffmanTree::new(self.vocab.counts())?);
        Ok(Arc::clone(self.huffman.get_or_init(|| tree)))
    }

    /// p, V×N, for the trainer.
    pub(crate) fn input_array(&self) -> &Array2<f32> {
        &self.input
    }

    /// p' transposed, V×N, for the trainer.
    pub(crate) fn output_array(&self) -> &Array2<f32> {
        &self.output
    }

    /// The hierarchical softmax node vectors, (V−1)×N, for the trainer.
    pub(crate) fn hs_node_array(&self) -> Option<&Array2<f32>> {
        self.hs_output.as_ref()
    }

    /// Replaces p with trained weights of the same shape.
    pub(crate) fn replace_input(&mut self, p: Array2<f32>) {
        debug_assert_eq!(p.dim(), self.input.dim());
        self.input = p;
    }

    /// Replaces p' (stored V×N) with trained weights of the same shape.
    pub(crate) fn replace_output(&mut self, p_prime_t: Array2<f32>) {
        debug_assert_eq!(p_prime_t.dim(), self.output.dim());
        self.output = p_prime_t;
    }

    /// Sets the hierarchical softmax node vectors, (V−1)×N.
    pub(crate) fn replace_hs_nodes(&mut self, nodes: Array2<f32>) {
        debug_assert_eq!(nodes.dim(), (self.vocab.len() - 1, self.dim()));
        self.hs_output = Some(nodes);
    }

    pub(crate) fn set_epochs_trained(&mut self, epochs: usize) {
        self.epochs_trained = epochs;
    }

    /// Reassembles a model from stored parts (checkpoints); shapes are checked.
    pub(crate) fn from_parts(
        vocab: Vocabulary,
        input: Array2<f32>,
        output: Array2<f32>,
        hs_output: Option<Array2<f32>>,
        epochs_trained: usize,
    ) -> Result<Self> {
        let (v, n) = (vocab.len(), input.ncols());
        for (what, a, rows) in [("p", &input, v), ("p' (stored V×N)", &output, v)] {
            if a.dim() != (rows, n) {
                return Err(Error::ShapeMismatch {
                    what,
                    expected: shape2(rows, n),
                    found: shape2(a.nrows(), a.ncols()),
                });
            }
            check_finite(a, what)?;
        }
        if let Some(h) = &hs_output {
            if h.dim() != (v.saturating_sub(1), n) {
                return Err(Error::ShapeMismatch {
                    what: "hierarchical softmax node vectors",
                    expected: shape2(v.saturating_sub(1), n),
                    found: shape2(h.nrows(), h.ncols()),
                });
            }
            check_finite(h, "hierarchical softmax node vectors")?;
        }
        Ok(SkipGramModel {
            vocab,
            input: input.as_standard_layout().into_owned(),
            output: output.as_standard_layout().into_owned(),
            hs_output: hs_output.map(|h| h.as_standard_layout().into_owned()),
            huffman: OnceLock::new(),
            epochs_trained,
            epoch_words: None,
            ngrams: None,
        })
    }
}

/// Half the width of the uniform draw of fresh input rows (p, and a subword model's n-gram
/// rows) of N elements: word2vec.c's 0.5/N for a word-level model (`InitNet`), fastText's
/// 1/N for a subword model (`FastText::createRandomMatrix`; gensim's `FastText` draws the
/// same). Measured with subwords (5 epochs, fastText's settings, seeds 1–3, Google
/// analogies): 1/N gave 54.47 % on the first 50 MB of English Wikipedia (2015,
/// text8-style) against 54.15 % with 0.5/N, 54.67 % against 54.41 % on the second 50 MB
/// and 56.38 % on all 100 MB against 56.16 % (the mean of six earlier runs).
pub(crate) fn init_half(n: usize, subword: bool) -> f32 {
    if subword {
        1.0 / n as f32
    } else {
        0.5 / n as f32
    }
}

/// Rows of N (`len` elements) drawn uniformly from [−`half`, `half`), in parallel: blocks
/// of rows get their own random streams derived from `seed`, so the result does not depend
/// on the number of threads.
fn uniform_weights(
    len: usize,
    n: usize,
    half: f32,
    seed: u64,
    what: impl FnOnce() -> String,
) -> Result<Vec<f32>> {
    let dist = Uniform::new(-half, half).expect("0 < half is finite");
    try_vec_with(
        len,
        INIT_BLOCK_ROWS.saturating_mul(n),
        init_threads(),
        what,
        // Training reads rows at random (the n-gram rows in this very buffer).
        |v| {
            advise_huge_pages(v);
            0
        },
        |b| {
            let mut rng =
                SmallRng::seed_from_u64(seed ^ (b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            std::iter::repeat_with(move || dist.sample(&mut rng))
        },
    )
}

/// Rows one thread initialises at a time.
const INIT_BLOCK_ROWS: usize = 4096;

fn init_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |t| t.get())
}

fn check_finite(a: &Array2<f32>, what: &'static str) -> Result<()> {
    if a.iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(Error::NonFinite { what })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn init_follows_word2vec() {
        let vocab = Vocabulary::from_words((0..50).map(|i| format!("w{i}"))).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let m = SkipGramModel::new(vocab, 10, &mut rng).unwrap();
        assert_eq!(m.input_weights().dim(), (50, 10));
        assert_eq!(m.output_weights().dim(), (10, 50));
        assert!(m
            .input_weights()
            .iter()
            .all(|&x| (-0.05..0.05).contains(&x)));
        assert!(m.output_weights().iter().all(|&x| x == 0.0));
        // Not all equal: really random.
        let first = m.input_weights()[[0, 0]];
        assert!(m.input_weights().iter().any(|&x| x != first));
    }

    #[test]
    fn weights_too_large_to_allocate_are_an_error_not_a_panic() {
        use rand::{rngs::StdRng, SeedableRng};
        for (words, n) in [(1, usize::MAX / 4), (3, usize::MAX / 8), (1 << 10, 1 << 52)] {
            let vocab = Vocabulary::from_words((0..words).map(|i| format!("w{i}"))).unwrap();
            let r = SkipGramModel::new(vocab, n, &mut StdRng::seed_from_u64(1));
            assert!(matches!(r, Err(Error::OutOfMemory { .. })), "{words}×{n}");
        }
    }

    #[test]
    fn shape_and_finiteness_checks() {
        let vocab = Vocabulary::from_words(["a", "b"]).unwrap();
        let bad = SkipGramModel::from_weights(
            vocab.clone(),
            Array2::zeros((2, 3)),
            Array2::zeros((2, 3)),
        );
        assert!(matches!(bad, Err(Error::ShapeMismatch { what: "p'", .. })));
        let bad = SkipGramModel::from_weights(
            vocab.clone(),
            Array2::zeros((3, 3)),
            Array2::zeros((3, 3)),
        );
        assert!(matches!(bad, Err(Error::ShapeMismatch { what: "p", .. })));
        let mut p = Array2::zeros((2, 3));
        p[[1, 1]] = f32::NAN;
        let bad = SkipGramModel::from_weights(vocab.clone(), p, Array2::zeros((3, 2)));
        assert!(matches!(bad, Err(Error::NonFinite { what: "p" })));
        let m = SkipGramModel::from_weights(vocab, Array2::zeros((2, 3)), Array2::zeros((3, 2)))
            .unwrap();
        assert!(matches!(m.forward("zebra"), Err(Error::UnknownWords(w)) if w == ["zebra"]));
        assert!(matches!(m.embedding("zebra"), Err(Error::UnknownWords(_))));
        assert!(matches!(
            m.forward_index(2),
            Err(Error::IndexOutOfRange { index: 2, len: 2 })
        ));
    }

    #[test]
    fn positions_share_scores() {
        let vocab = Vocabulary::from_words(["a", "b", "c"]).unwrap();
        let p = Array2::from_shape_fn((3, 2), |(i, j)| (i + j) as f32);
        let pp = Array2::from_shape_fn((2, 3), |(i, j)| i as f32 - j as f32);
        let m = SkipGramModel::from_weights(vocab, p, pp).unwrap();
        let f = m.forward("b").unwrap();
        let per = f.scores_per_position(2).unwrap();
        assert_eq!(per.dim(), (4, 3));
        for row in per.rows() {
            assert_eq!(row, f.scores);
        }
        // Independent computation: dense one-hot · p · p'.
        let dense = m
            .one_hot("b")
            .unwrap()
            .to_dense()
            .unwrap()
            .dot(&m.input_weights())
            .dot(&m.output_weights());
        assert_eq!(dense, f.scores);
    }

    #[test]
    fn any_context_size_is_a_view_or_an_error() {
        let vocab = Vocabulary::from_words(["a", "b", "c"]).unwrap();
        let m =
            SkipGramModel::from_weights(vocab, Array2::ones((3, 2)), Array2::ones((2, 3))).unwrap();
        let f = m.forward("a").unwrap();
        assert_eq!(f.scores_per_position(0).unwrap().dim(), (0, 3));
        // 2c·V = 2⁶¹·3·… fits no index; 2c itself overflows for usize::MAX.
        for c in [usize::MAX, usize::MAX / 2 + 1, 1 << 62, 1 << 61] {
            assert!(
                matches!(f.scores_per_position(c), Err(Error::InvalidConfig(_))),
                "{c}"
            );
        }
        // Huge but addressable: still a free broadcast.
        let per = f.scores_per_position(1 << 40).unwrap();
        assert_eq!(per.dim(), (1 << 41, 3));
        assert_eq!(per.row((1 << 41) - 1), f.scores);
    }

    #[test]
    fn weights_near_f32_max_give_finite_scores_and_probabilities() {
        let vocab = Vocabulary::from_words(["a", "b", "c"]).unwrap();
        let big = f32::MAX;
        let p = Array2::from_elem((3, 2), big);
        // Column 0 of p' overflows to +∞ in f32, column 1 to −∞, column 2 to ∞ − ∞ = NaN.
        let pp = ndarray::array![[big, -big, big], [big, -big, -big]];
        let m = SkipGramModel::from_weights(vocab, p, pp).unwrap();
        let f = m.forward("a").unwrap();
        assert_eq!(f.scores, ndarray::array![f32::MAX, f32::MIN, 0.0]);
        let probs = f.probabilities().unwrap();
        assert_eq!(probs, ndarray::array![1.0f32, 0.0, 0.0]);
    }

    #[test]
    fn hierarchical_scores_near_f32_max_stay_finite() {
        let vocab = Vocabulary::from_counts([("a", 5), ("b", 3), ("c", 1)]).unwrap();
        let big = f32::MAX;
        let mut m = SkipGramModel::from_weights(
            vocab,
            Array2::from_elem((3, 2), big),
            Array2::zeros((2, 3)),
        )
        .unwrap();
        m.replace_hs_nodes(ndarray::array![[big, big], [-big, big]]);
        for w in ["a", "b", "c"] {
            let f = m.forward(w).unwrap();
            assert!(f.hierarchical);
            assert!(f.scores.iter().all(|x| x.is_finite()), "{}", f.scores);
            let probs = f.probabilities().unwrap();
            assert!((probs.sum() - 1.0).abs() < 1e-6, "{probs}");
        }
    }
}
