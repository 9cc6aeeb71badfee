//! Embeddings with a vector for every word: vocabulary words use their own vector, other
//! words the average of their character n-gram rows (fastText, Bojanowski et al. 2017).

use ndarray::{Array1, ArrayView1};

use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use crate::io::fasttext::FastTextModel;

/// Subword-aware embeddings: the V vocabulary vectors as [`Embeddings`] (V × N, each the
/// average of the word's row of p and its n-gram rows) plus the fastText model whose
/// n-gram bucket rows give any other word a vector.
///
/// Candidates for neighbours and analogy answers are the V vocabulary words; query words
/// may be any words. A query word none of whose n-grams exists (subwords off, or too short
/// for `minn`) has no vector: fastText's `get_word_vector` returns the zero vector for it
/// (see [`FastTextModel::word_vector`]), but a zero vector has no direction, so every query
/// here names such words in [`Error::UnknownWords`] instead.
///
/// Memory: that of the model, (V + bucket) × N + V × N floats, plus V × N for the
/// vocabulary vectors.
#[derive(Debug, Clone)]
pub struct SubwordEmbeddings {
    model: FastTextModel,
    words: Embeddings,
}

fn unit(v: ArrayView1<'_, f32>) -> Array1<f64> {
    let v = v.mapv(f64::from);
    let n = v.dot(&v).sqrt();
    if n > 0.0 {
        v / n
    } else {
        v
    }
}

impl SubwordEmbeddings {
    /// Subword embeddings from a fastText model.
    ///
    /// # Errors
    /// As [`FastTextModel::to_embeddings`].
    pub fn new(model: FastTextModel) -> Result<Self> {
        let words = model.to_embeddings()?;
        Ok(SubwordEmbeddings { model, words })
    }

    /// Reads a fastText `.bin` file; see [`FastTextModel::read`].
    ///
    /// # Errors
    /// As [`FastTextModel::read`].
    pub fn read_fasttext(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Self::new(FastTextModel::read(path)?)
    }

    /// The vocabulary words' vectors (V × N).
    pub fn embeddings(&self) -> &Embeddings {
        &self.words
    }

    /// The underlying fastText model.
    pub fn model(&self) -> &FastTextModel {
        &self.model
    }

    /// Vector size N.
    pub fn dim(&self) -> usize {
        self.words.dim()
    }

    /// Whether `word` has a vector: it is in the vocabulary or has at least one n-gram.
    pub fn has_vector(&self, word: &str) -> bool {
        !self.model.subword_rows(word).is_empty()
    }

    /// `word`'s vector (length N), for any word with a vector (see [`has_vector`](Self::has_vector)).
    ///
    /// # Errors
    /// [`Error::UnknownWords`] if the word has neither a vocabulary row nor an n-gram.
    pub fn embedding(&self, word: &str) -> Result<Array1<f32>> {
        if let Some(v) = self.words.get(word) {
            return Ok(v.to_owned());
        }
        if !self.has_vector(word) {
            return Err(Error::UnknownWords(vec![word.to_string()]));
        }
        Ok(self.model.word_vector(word))
    }

    fn vectors(&self, words: &[&str]) -> Result<Vec<Array1<f32>>> {
        let unknown: Vec<String> = words
            .iter()
            .filter(|w| !self.has_vector(w))
            .map(|w| w.to_string())
            .collect();
        if !unknown.is_empty() {
            return Err(Error::UnknownWords(unknown));
        }
        words.iter().map(|w| self.embedding(w)).collect()
    }

    /// Cosine similarity of two words, either of which may be outside the vocabulary.
    ///
    /// # Errors
    /// [`Error::UnknownWords`] naming each word without a vector.
    pub fn similarity(&self, a: &str, b: &str) -> Result<f32> {
        let v = self.vectors(&[a, b])?;
        Ok(unit(v[0].view()).dot(&unit(v[1].view())) as f32)
    }

    /// The `k` vocabulary words most similar to the `positive` words and least similar to
    /// the `negative` ones by 3CosAdd (gensim's `most_similar`: the normalised mean of the
    /// query words' unit vectors with weight ±1, scored by cosine), best first, the query
    /// words themselves excluded. Query words may be outside the vocabulary.
    ///
    /// # Errors
    /// [`Error::UnknownWords`] naming each word without a vector; [`Error::EmptyQuery`] if
    /// both lists are empty.
    pub fn most_similar(
        &self,
        positive: &[&str],
        negative: &[&str],
        k: usize,
    ) -> Result<Vec<(String, f32)>> {
        if positive.is_empty() && negative.is_empty() {
            return Err(Error::EmptyQuery {
                what: "most_similar",
            });
        }
        let all: Vec<&str> = positive.iter().chain(negative).copied().collect();
        let vs = self.vectors(&all)?;
        let mut q = Array1::<f64>::zeros(self.dim());
        for (i, v) in vs.iter().enumerate() {
            let sign = if i < positive.len() { 1.0 } else { -1.0 };
            q.scaled_add(sign, &unit(v.view()));
        }
        q /= all.len() as f64;
        let q = q.mapv(|x| x as f32);
        let exclude: Vec<&str> = all
            .iter()
            .copied()
            .filter(|w| self.words.contains(w))
            .collect();
        self.words.most_similar_by_vector(q.view(), k, &exclude)
    }

    /// The `k` best answers to "a is to b as c is to ?" by 3CosAdd:
    /// `most_similar([b, c], [a], k)`.
    ///
    /// # Errors
    /// As [`most_similar`](Self::most_similar).
    pub fn analogy(&self, a: &str, b: &str, c: &str, k: usize) -> Result<Vec<(String, f32)>> {
        // Name unknown words in the caller's order.
        self.vectors(&[a, b, c])?;
        self.most_similar(&[b, c], &[a], k)
    }

    /// The word of `words` furthest from their mean unit vector (gensim's `doesnt_match`).
    ///
    /// # Errors
    /// [`Error::EmptyQuery`] for no words; [`Error::UnknownWords`] naming each word
    /// without a vector.
    pub fn doesnt_match(&self, words: &[&str]) -> Result<String> {
        if words.is_empty() {
            return Err(Error::EmptyQuery {
                what: "doesnt_match",
            });
        }
        let units: Vec<Array1<f64>> = self
            .vectors(words)?
            .iter()
            .map(|v| unit(v.view()))
            .collect();
        let mut mean = Array1::<f64>::zeros(self.dim());
        for u in &units {
            mean += u;
        }
        let mean = unit(mean.mapv(|x| x as f32).view());
        let mut best = 0;
        let mut best_score = f64::INFINITY;
        for (i, u) in units.iter().enumerate() {
            let s = u.dot(&mean);
            if s < best_score {
                best_score = s;
                best = i;
            }
        }
        Ok(words[best].to_string())
    }

    /// Word-pair evaluation with a vector for every word: as
    /// [`eval::evaluate_word_pairs`](crate::eval::evaluate_word_pairs) (Spearman's ρ
    /// against human scores), but a pair counts as out of vocabulary
    /// ([`PairReport::pairs_oov`](crate::eval::PairReport::pairs_oov)) only if one of its
    /// words has no vector at all (no vocabulary row and no n-gram); words outside the
    /// vocabulary that have n-grams are scored with their n-gram vectors. Lines are
    /// `word1 word2 score` (split at tabs if the line has one, else at whitespace); blank and
    /// `#` lines are skipped, lines that do not parse are skipped and counted as invalid.
    pub fn evaluate_word_pairs(&self, text: &str) -> crate::eval::PairReport {
        let (mut human, mut ours) = (Vec::new(), Vec::new());
        let (mut oov, mut invalid) = (0, 0);
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = if line.contains('\t') {
                line.split('\t').map(str::trim_ascii).collect()
            } else {
                line.split_ascii_whitespace().collect()
            };
            let score = f.get(2).and_then(|s| s.parse::<f64>().ok());
            let (Some(score), 3) = (score.filter(|x| x.is_finite()), f.len()) else {
                invalid += 1;
                continue;
            };
            if f[0].is_empty() || f[1].is_empty() {
                invalid += 1;
                continue;
            }
            match self.similarity(f[0], f[1]) {
                Ok(s) => {
                    human.push(score);
                    ours.push(f64::from(s));
                }
                Err(_) => oov += 1,
            }
        }
        crate::eval::PairReport {
            spearman: crate::eval::spearman(&human, &ours),
            pearson: crate::eval::pearson(&human, &ours),
            pairs_used: human.len(),
            pairs_oov: oov,
            invalid_lines: invalid,
        }
    }
}
