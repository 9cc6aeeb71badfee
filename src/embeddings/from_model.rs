//! A trained model's embeddings: [`VectorKind`] and the `SkipGramModel` methods that make
//! [`Embeddings`] of its vectors, copied or moved.

use super::Embeddings;
use crate::error::{Error, Result};
use crate::model::SkipGramModel;

/// Which vectors of a trained model become its embeddings
/// ([`SkipGramModel::to_embeddings_with`], `skipgram train --output-vectors`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum VectorKind {
    /// The rows of p, the input (projection) weights: word2vec.c's and gensim's output.
    #[default]
    Input,
    /// Word + context vectors: row i is row i of p plus row i of p'ᵀ, word i's input row
    /// plus its output vector (column i of p'). Levy, Goldberg & Dagan (TACL 2015, "Improving
    /// Distributional Similarity with Lessons Learned from Word Embeddings", §3.3) found
    /// that this sum often scores better on word-similarity tasks, at no training cost.
    /// Needs per-word output vectors: negative sampling or the full softmax, not
    /// hierarchical softmax (whose output vectors belong to the tree's inner nodes).
    Sum,
}

impl SkipGramModel {
    /// The embeddings of the chosen [`VectorKind`], **copied** (V×N×4 bytes plus the
    /// vocabulary): [`VectorKind::Input`] is [`to_embeddings`](Self::to_embeddings);
    /// [`VectorKind::Sum`] gives the rows of p + p'ᵀ (V×N); for a subword model, each
    /// word's composed vector (see [`to_embeddings`](Self::to_embeddings)) + its row of p'ᵀ.
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{SkipGramModel, VectorKind, Vocabulary};
    /// let vocab = Vocabulary::from_words(["a", "b"])?;
    /// let p = array![[1.0f32, 2.0], [3.0, 4.0]]; // V×N
    /// let p_prime = array![[0.5f32, -1.0], [0.25, 0.0]]; // N×V: column i is word i's
    /// let model = SkipGramModel::from_weights(vocab, p, p_prime)?;
    /// let sum = model.to_embeddings_with(VectorKind::Sum)?;
    /// assert_eq!(sum.vectors(), array![[1.5f32, 2.25], [2.0, 4.0]]);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// For [`VectorKind::Sum`]: [`Error::InvalidConfig`] if the model was trained with
    /// hierarchical softmax (it has inner-node vectors, and its p' was not trained per
    /// word) or if p' is all zeros (never trained: the sum would just be p).
    pub fn to_embeddings_with(&self, kind: VectorKind) -> Result<Embeddings> {
        match kind {
            VectorKind::Input => Ok(self.to_embeddings()),
            VectorKind::Sum => {
                if self.hs_node_vectors().is_some() {
                    return Err(Error::InvalidConfig(
                        "word + context vectors (p + p') need per-word output vectors: this \
                         model was trained with hierarchical softmax, whose output vectors \
                         are the Huffman tree's inner nodes; train with negative sampling"
                            .into(),
                    ));
                }
                let out = self.output_weights_transposed();
                if out.iter().all(|&x| x == 0.0) {
                    return Err(Error::InvalidConfig(
                        "word + context vectors (p + p'): p' is all zeros (never trained)".into(),
                    ));
                }
                // A subword model's word vectors are composed from its n-gram rows.
                let mut sum = self.word_vectors();
                sum += &out;
                if !sum.iter().all(|x| x.is_finite()) {
                    return Err(Error::NonFinite {
                        what: "p + p' vectors",
                    });
                }
                Ok(Embeddings::from_trusted(self.vocab().clone(), sum))
            }
        }
    }
}

impl SkipGramModel {
    /// The trained embeddings: the vocabulary and the rows of p (V×N), **copied** (V×N×4
    /// bytes plus the vocabulary); the model stays usable, e.g. to train further. Use
    /// [`into_embeddings`](Self::into_embeddings) when the model is no longer needed.
    ///
    /// For a subword model ([`ngram_config`](Self::ngram_config) is `Some`), row i is
    /// word i's row of p averaged with its n-gram rows, as fastText's `.vec` output and
    /// `get_word_vector` give it; [`subword_embeddings`](Self::subword_embeddings) also
    /// answers for words outside the vocabulary.
    ///
    /// ```
    /// use skipgram::{Corpus, TrainConfig, TrainOptions, Trainer, VocabConfig};
    /// let corpus = Corpus::from_text("a b c a b c a b d ".repeat(20));
    /// let cfg = TrainConfig { dim: 8, vocab: VocabConfig { min_count: 1, ..Default::default() }, epochs: 1, threads: 1, ..Default::default() };
    /// let (model, _) = Trainer::new(cfg)?.fit(&corpus, TrainOptions::new())?;
    /// let emb = model.to_embeddings();
    /// assert_eq!(emb.vectors(), model.input_weights());
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    pub fn to_embeddings(&self) -> Embeddings {
        Embeddings::from_trusted(self.vocab().clone(), self.word_vectors())
    }

    /// The trained embeddings, taking the model apart: the vocabulary and p (V×N) are
    /// **moved** without copying; p' and the hierarchical-softmax nodes are dropped. Only the
    /// V norms are allocated. A subword model's vectors are composed as in
    /// [`to_embeddings`](Self::to_embeddings).
    ///
    /// ```
    /// use skipgram::{Corpus, TrainConfig, TrainOptions, Trainer, VocabConfig};
    /// let corpus = Corpus::from_text("a b c a b c a b d ".repeat(20));
    /// let cfg = TrainConfig { dim: 8, vocab: VocabConfig { min_count: 1, ..Default::default() }, epochs: 1, threads: 1, ..Default::default() };
    /// let (model, _) = Trainer::new(cfg)?.fit(&corpus, TrainOptions::new())?;
    /// let p = model.input_weights().to_owned();
    /// let emb = model.into_embeddings();
    /// assert_eq!(emb.vectors(), p);
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    pub fn into_embeddings(self) -> Embeddings {
        if self.ngram_config().is_some() {
            return self.to_embeddings();
        }
        let (vocab, p) = self.into_vocab_and_input();
        Embeddings::from_trusted(vocab, p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Vocabulary;
    use crate::VocabConfig;
    use ndarray::{array, Array2};

    #[test]
    fn sum_vectors_need_trained_per_word_output_vectors() {
        use crate::{Corpus, Objective, TrainConfig, Trainer};
        let vocab = Vocabulary::from_words(["a", "b"]).unwrap();
        let p = array![[1.0f32, 2.0], [3.0, 4.0]];
        // p' is N×V: word 1's output vector is column 1, (−3, 0.5).
        let pp = array![[0.0f32, -3.0], [0.0, 0.5]];
        let m = SkipGramModel::from_weights(vocab.clone(), p.clone(), pp).unwrap();
        let sum = m.to_embeddings_with(VectorKind::Sum).unwrap();
        assert_eq!(sum.vectors(), array![[1.0f32, 2.0], [0.0, 4.5]]);
        assert_eq!(sum.norms()[1], 4.5);
        let input = m.to_embeddings_with(VectorKind::Input).unwrap();
        assert_eq!(input.vectors(), p);
        // p' never trained: an error, not a copy of p.
        let fresh = SkipGramModel::from_weights(vocab, p, Array2::zeros((2, 2))).unwrap();
        assert!(matches!(
            fresh.to_embeddings_with(VectorKind::Sum),
            Err(Error::InvalidConfig(_))
        ));
        // Hierarchical softmax: p' rows are not per word.
        let corpus = Corpus::from_text("a b c a b d a c ".repeat(30));
        let cfg = TrainConfig {
            dim: 4,
            vocab: VocabConfig {
                min_count: 1,
                ..Default::default()
            },
            epochs: 1,
            threads: 1,
            objective: Objective::HierarchicalSoftmax,
            ..Default::default()
        };
        let (hs, _) = Trainer::new(cfg)
            .unwrap()
            .fit(&corpus, crate::TrainOptions::new())
            .unwrap();
        match hs.to_embeddings_with(VectorKind::Sum) {
            Err(Error::InvalidConfig(m)) => assert!(m.contains("hierarchical"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
