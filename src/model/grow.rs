//! Growing a model for a new corpus: its words added to the vocabulary
//! ([`SkipGramModel::grow_vocabulary`]), and a model seeded with vectors read from a
//! word2vec file ([`SkipGramModel::from_embeddings`]).

use std::cmp::Reverse;
use std::sync::OnceLock;

use ndarray::Array2;
use rand::Rng;

use super::{init_half, uniform_weights, SkipGramModel};
use crate::embeddings::Embeddings;
use crate::error::{try_vec, try_zeros, Error, Result};
use crate::vocab::Vocabulary;

/// What [`SkipGramModel::grow_vocabulary`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Growth {
    /// Types of the new corpus the model already had: their counts were merged (summed).
    pub known: usize,
    /// Types new to the model, added to the vocabulary (at least `min_count` occurrences in
    /// the new corpus).
    pub added: usize,
    /// Types new to the model left out: fewer than `min_count` occurrences in the new corpus.
    pub below_min_count: usize,
    /// V after growing.
    pub vocab_size: usize,
    /// In-vocabulary tokens of one pass over the new corpus (see
    /// [`SkipGramModel::words_per_epoch`]).
    pub words_per_epoch: u64,
    /// Whether the hierarchical-softmax node vectors were dropped (the Huffman tree of the
    /// merged counts is another tree; training starts its nodes from zero).
    pub hs_nodes_reset: bool,
}

impl SkipGramModel {
    /// A model whose p (V×N) is the given vectors, e.g. pretrained ones read by
    /// [`Embeddings::load_word2vec`], ready to be grown
    /// ([`grow_vocabulary`](Self::grow_vocabulary)) and trained on a new corpus.
    ///
    /// A word2vec file holds p only: **p' (N×V) starts at zero**, as in a fresh model
    /// (word2vec.c `InitNet`), and the model has trained 0 epochs. The vocabulary keeps the
    /// embeddings' counts (1 per word for a word2vec file, which holds none), so once grown
    /// the new corpus's counts dominate the noise distribution, subsampling and the Huffman
    /// tree.
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{Embeddings, SkipGramModel, Vocabulary};
    /// let emb = Embeddings::new(Vocabulary::from_words(["a", "b"])?, array![[0.5f32, 1.0], [2.0, 0.0]])?;
    /// let model = SkipGramModel::from_embeddings(emb)?;
    /// assert_eq!(model.embedding("b")?, array![2.0f32, 0.0]);
    /// assert!(model.output_weights().iter().all(|&x| x == 0.0)); // p' = 0, N×V
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::OutOfMemory`] if p' (V×N zeros) cannot be allocated.
    pub fn from_embeddings(embeddings: Embeddings) -> Result<Self> {
        let (vocab, input) = embeddings.into_vocab_and_vectors();
        let (v, n) = input.dim();
        let output = try_zeros((v, n), || format!("p' ({n}×{v})"))?;
        Ok(SkipGramModel {
            vocab,
            input,
            output,
            hs_output: None,
            huffman: OnceLock::new(),
            epochs_trained: 0,
            epoch_words: None,
            ngrams: None,
        })
    }

    /// Grows the model for training on a new corpus whose word counts are `new_counts`
    /// (count it with `min_count` 1, e.g. [`Corpus::build_vocabulary_with`]; or let
    /// [`Trainer::grow`] do both steps):
    ///
    /// * a word the model already has keeps its rows of p and p'; its count becomes the sum
    ///   of its old and new counts;
    /// * a word new to the model with at least `min_count` occurrences in the new corpus is
    ///   added with a fresh row of p (uniform in [−0.5/N, 0.5/N), drawn from `rng`, as
    ///   [`SkipGramModel::new`] draws them; [−1/N, 1/N) in a subword model, as
    ///   [`Trainer::init_model`](crate::Trainer::init_model) draws its rows) and a row of p'
    ///   at zero, as a fresh model's;
    ///   rarer new words are left out. Words of the model that the new corpus lacks stay,
    ///   with their counts;
    /// * the vocabulary is sorted again by descending merged count (ties keep the old order,
    ///   new words after old), with the rows of p and p' moved along, so word indices
    ///   change. The sampling tables (the unigram^0.75 noise distribution, the subsampling
    ///   probabilities and the Huffman tree of hierarchical softmax) are built from the
    ///   merged counts when training next starts;
    /// * with hierarchical softmax, the merged counts give another Huffman tree, whose inner
    ///   nodes the old node vectors do not match: they are **dropped**, and training starts
    ///   them from zero as for a fresh model (the words' codes are rebuilt);
    /// * the model starts a new run: [`epochs_trained`](Self::epochs_trained) becomes 0, so
    ///   [`Trainer::train`] schedules the learning rate from `alpha` down over the planned
    ///   epochs of the new corpus (as gensim's `train` after `build_vocab(update=True)`), and
    ///   [`words_per_epoch`](Self::words_per_epoch) becomes the in-vocabulary token count of
    ///   the new corpus.
    ///
    /// Since only the rows of words that occur in the training text are updated as input
    /// rows (context or center words), the rows of p of words the new corpus lacks do not
    /// change when training on it; their rows of p' are still trained as noise words.
    ///
    /// ```
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use skipgram::{SkipGramModel, Vocabulary};
    /// let old = Vocabulary::from_counts([("river", 3), ("bank", 1)])?;
    /// let mut model = SkipGramModel::new(old, 4, &mut StdRng::seed_from_u64(1))?;
    /// let bank = model.embedding("bank")?.to_owned();
    /// let new = Vocabulary::from_counts([("bank", 5), ("loan", 2), ("rare", 1)])?;
    /// let growth = model.grow_vocabulary(&new, 2, &mut StdRng::seed_from_u64(2))?;
    /// assert_eq!((growth.known, growth.added, growth.below_min_count), (1, 1, 1));
    /// assert_eq!(model.vocab().words(), ["bank", "river", "loan"]); // by merged count 6, 3, 2
    /// assert_eq!(model.embedding("bank")?, bank); // kept, at its new index
    /// assert_eq!(model.words_per_epoch(), 7); // bank 5 + loan 2 in the new corpus
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// [`Corpus::build_vocabulary_with`]: crate::Corpus::build_vocabulary_with
    /// [`Trainer::grow`]: crate::Trainer::grow
    /// [`Trainer::train`]: crate::Trainer::train
    ///
    /// # Errors
    /// [`Error::EmptyVocabulary`] if no word of the new corpus would be in the grown
    /// vocabulary (there would be nothing to train on); [`Error::InvalidConfig`] if a merged
    /// count or the counts' sum exceed 2⁶⁴ − 1, or V would exceed 2³² − 1;
    /// [`Error::OutOfMemory`] if the grown p and p' cannot be allocated. On error the model
    /// is unchanged.
    pub fn grow_vocabulary<R: Rng + ?Sized>(
        &mut self,
        new_counts: &Vocabulary,
        min_count: u64,
        rng: &mut R,
    ) -> Result<Growth> {
        let old = &self.vocab;
        let (v0, n) = (old.len(), self.dim());
        let mut counts = old.counts().to_vec();
        let mut added: Vec<(&str, u64)> = Vec::new();
        let (mut known, mut below, mut epoch_words) = (0usize, 0usize, 0u64);
        for (word, c) in new_counts.iter() {
            match old.index(word) {
                Some(i) => {
                    counts[i] = counts[i].checked_add(c).ok_or_else(|| {
                        Error::InvalidConfig(format!(
                            "the merged count of {word:?} exceeds 2^64 - 1"
                        ))
                    })?;
                    known += 1;
                }
                None if c >= min_count => added.push((word, c)),
                None => {
                    below += 1;
                    continue;
                }
            }
            epoch_words = epoch_words.saturating_add(c);
        }
        if epoch_words == 0 {
            return Err(Error::EmptyVocabulary {
                min_count,
                types: new_counts.len(),
            });
        }
        let v1 = v0 + added.len();
        let count_of = |i: usize| if i < v0 { counts[i] } else { added[i - v0].1 };
        let word_of = |i: usize| {
            if i < v0 {
                old.words()[i].as_str()
            } else {
                added[i - v0].0
            }
        };
        // Stable: ties keep the old order, new words (most frequent first) after old ones.
        let mut order: Vec<usize> = (0..v1).collect();
        order.sort_by_key(|&i| Reverse(count_of(i)));
        let vocab =
            Vocabulary::from_counts(order.iter().map(|&i| (word_of(i).to_string(), count_of(i))))?;

        let len = v1.checked_mul(n).ok_or_else(|| Error::OutOfMemory {
            what: format!("p ({v1}×{n})"),
            bytes: u64::MAX,
        })?;
        let half = init_half(n, self.ngrams.is_some());
        let fresh = uniform_weights(added.len() * n, n, half, rng.random(), || {
            format!("new rows of p ({}×{n})", added.len())
        })?;
        let mut input = try_vec(len, 0.0f32, || format!("p ({v1}×{n})"))?;
        let mut output = try_vec(len, 0.0f32, || format!("p' ({n}×{v1})"))?;
        for (k, &i) in order.iter().enumerate() {
            let (p_row, q_row) = (&mut input[k * n..][..n], &mut output[k * n..][..n]);
            if i < v0 {
                p_row
                    .iter_mut()
                    .zip(self.input.row(i))
                    .for_each(|(d, &s)| *d = s);
                q_row
                    .iter_mut()
                    .zip(self.output.row(i))
                    .for_each(|(d, &s)| *d = s);
            } else {
                p_row.copy_from_slice(&fresh[(i - v0) * n..][..n]);
            }
        }

        self.vocab = vocab;
        self.input = Array2::from_shape_vec((v1, n), input).expect("the length is V·N");
        self.output = Array2::from_shape_vec((v1, n), output).expect("the length is V·N");
        let hs_nodes_reset = self.hs_output.take().is_some();
        self.huffman = OnceLock::new();
        self.epochs_trained = 0;
        self.epoch_words = Some(epoch_words);
        Ok(Growth {
            known,
            added: added.len(),
            below_min_count: below,
            vocab_size: v1,
            words_per_epoch: epoch_words,
            hs_nodes_reset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn model() -> SkipGramModel {
        let vocab = Vocabulary::from_counts([("x", 3), ("y", 1)]).unwrap();
        let p = array![[1.0f32, 2.0], [3.0, 4.0]];
        let p_prime = array![[-1.0f32, -3.0], [-2.0, -4.0]]; // N×V: x's column is [-1, -2]
        SkipGramModel::from_weights(vocab, p, p_prime).unwrap()
    }

    #[test]
    fn rows_follow_their_words_and_new_rows_start_fresh() {
        let mut m = model();
        m.set_epochs_trained(4);
        let new = Vocabulary::from_counts([("y", 5), ("z", 2), ("w", 1)]).unwrap();
        let g = m
            .grow_vocabulary(&new, 2, &mut StdRng::seed_from_u64(9))
            .unwrap();
        assert_eq!(
            g,
            Growth {
                known: 1,
                added: 1,
                below_min_count: 1,
                vocab_size: 3,
                words_per_epoch: 7,
                hs_nodes_reset: false,
            }
        );
        assert_eq!(m.vocab().words(), ["y", "x", "z"]);
        assert_eq!(m.vocab().counts(), [6, 3, 2]);
        assert_eq!(m.input_weights().row(0), array![3.0f32, 4.0]);
        assert_eq!(m.input_weights().row(1), array![1.0f32, 2.0]);
        assert_eq!(m.output_weights().column(0), array![-3.0f32, -4.0]);
        assert_eq!(m.output_weights().column(1), array![-1.0f32, -2.0]);
        // z: p uniform in ±0.5/N = ±0.25, not all zero; p' zero.
        let z = m.input_weights().row(2).to_owned();
        assert!(z.iter().all(|x| (-0.25..0.25).contains(x)), "{z}");
        assert!(z.iter().any(|&x| x != 0.0));
        assert_eq!(m.output_weights().column(2), array![0.0f32, 0.0]);
        assert_eq!(m.epochs_trained(), 0);
        assert_eq!(m.words_per_epoch(), 7);
        assert_eq!(m.vocab().total_count(), 11);
    }

    #[test]
    fn a_corpus_with_nothing_to_train_on_is_an_error_and_changes_nothing() {
        let mut m = model();
        let before = (m.input_weights().to_owned(), m.vocab().clone());
        let new = Vocabulary::from_counts([("u", 1), ("v", 1)]).unwrap();
        let r = m.grow_vocabulary(&new, 2, &mut StdRng::seed_from_u64(1));
        assert!(
            matches!(
                r,
                Err(Error::EmptyVocabulary {
                    min_count: 2,
                    types: 2
                })
            ),
            "{r:?}"
        );
        assert_eq!((m.input_weights().to_owned(), m.vocab().clone()), before);
        let huge = Vocabulary::from_counts([("x", u64::MAX - 1)]).unwrap();
        let r = m.grow_vocabulary(&huge, 1, &mut StdRng::seed_from_u64(1));
        assert!(matches!(r, Err(Error::InvalidConfig(_))), "{r:?}");
        assert_eq!(m.vocab(), &before.1);
    }

    #[test]
    fn hierarchical_softmax_nodes_are_dropped() {
        let mut m = model();
        m.replace_hs_nodes(array![[0.5f32, 0.5]]);
        let new = Vocabulary::from_counts([("x", 1)]).unwrap();
        let g = m
            .grow_vocabulary(&new, 1, &mut StdRng::seed_from_u64(1))
            .unwrap();
        assert!(g.hs_nodes_reset);
        assert!(m.hs_node_vectors().is_none());
        assert_eq!(m.vocab().counts(), [4, 1]);
    }

    #[test]
    fn a_subword_model_grows_with_rows_drawn_as_fasttext_draws_them() {
        // N = 64: a word-level model's new row lies within ±0.5/N, a subword model's
        // within ±1/N, and 64 draws from ±1/N all within ±0.5/N have odds 2⁻⁶⁴.
        let n = 64;
        let (half, full) = (0.5 / n as f32, 1.0 / n as f32);
        let old = Vocabulary::from_counts([("x", 3)]).unwrap();
        let new = Vocabulary::from_counts([("z", 2)]).unwrap();
        let ngrams = crate::subword::NgramConfig {
            minn: 3,
            maxn: 4,
            bucket: 10,
        };
        let mut rng = StdRng::seed_from_u64(3);
        let mut word = SkipGramModel::new(old, n, &mut rng).unwrap();
        let mut sub = word.clone().with_ngrams(ngrams, &mut rng).unwrap();
        for m in [&mut word, &mut sub] {
            m.grow_vocabulary(&new, 1, &mut rng).unwrap();
        }
        let max_abs = |m: &SkipGramModel| {
            let z = m.vocab().index("z").unwrap();
            m.input_weights().row(z).fold(0.0f32, |a, x| a.max(x.abs()))
        };
        let (w, s) = (max_abs(&word), max_abs(&sub));
        assert!(w < half, "word-level: {w}");
        assert!(half < s && s <= full, "subword: {s}");
    }
}
