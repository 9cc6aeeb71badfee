//! Word analogies a : b :: c : ? by 3CosAdd and 3CosMul, single and batched.

use ndarray::{Array1, Array2};

use super::similarity::shift;
use super::{batch_rows, top_k, unit, Embeddings, SimilarityOptions};
use crate::error::Result;

/// How to solve the analogy a : b :: c : ? (Levy & Goldberg 2014, "Linguistic Regularities
/// in Sparse and Explicit Word Representations", eqs. 3–4), and more generally how
/// [`Embeddings::most_similar_with`] combines positive and negative words.
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
///   value; gensim uses [`AnalogyMethod::GENSIM_COSMUL_EPSILON`] = 10⁻⁶, selectable with
///   [`SimilarityOptions::cosmul_epsilon`]). The reported score is that ratio.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AnalogyMethod {
    /// 3CosAdd: the vector offset b − a + c.
    #[default]
    CosAdd,
    /// 3CosMul: the multiplicative combination of shifted cosines.
    CosMul,
}

impl AnalogyMethod {
    const NAMES: [(&'static str, AnalogyMethod); 2] = [
        ("cosadd", AnalogyMethod::CosAdd),
        ("cosmul", AnalogyMethod::CosMul),
    ];
}

/// `cosadd` or `cosmul`.
impl std::fmt::Display for AnalogyMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = Self::NAMES.iter().find(|(_, v)| v == self).map(|(n, _)| *n);
        f.write_str(name.unwrap_or_default())
    }
}

/// Parses `cosadd` or `cosmul`.
impl std::str::FromStr for AnalogyMethod {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        crate::train::parse_named("analogy method", &Self::NAMES, "cosadd, cosmul", s)
    }
}

impl AnalogyMethod {
    /// ε of 3CosMul, which keeps the ratio finite when cos′(x, a) = 0 (Levy & Goldberg 2014
    /// use 0.001). The default everywhere in this crate.
    pub const COSMUL_EPSILON: f32 = 1e-3;
    /// gensim's ε of `most_similar_cosmul` (0.000001), to reproduce its scores.
    pub const GENSIM_COSMUL_EPSILON: f32 = 1e-6;
}

impl Embeddings {
    /// The `k` best answers to the analogy `a` : `b` :: `c` : ? ("a is to b as c is to ?"),
    /// best first, by `method` (see [`AnalogyMethod`] for the formulas and scores); `a`, `b`
    /// and `c` are never answers.
    ///
    /// **Argument order vs gensim:** `analogy(a, b, c, k, CosAdd)` is gensim's
    /// `most_similar(positive=[b, c], negative=[a], topn=k)`, i.e.
    /// [`most_similar(&[b, c], &[a], k)`](Self::most_similar); with `CosMul` it is gensim's
    /// `most_similar_cosmul(positive=[b, c], negative=[a], topn=k)` with ε = 10⁻³. For
    /// man : king :: woman : ? write `analogy("man", "king", "woman", ..)`; the questions
    /// file line `man king woman queen` reads the same way.
    ///
    /// 3CosAdd is one V×N matrix-vector product; 3CosMul one (3×N)·(N×V) product.
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{AnalogyMethod, Embeddings, Vocabulary};
    /// let vocab = Vocabulary::from_words(["man", "king", "woman", "queen", "apple"])?;
    /// let emb = Embeddings::new(vocab, array![[1.0f32, 0.0], [3.0, 0.1], [1.0, 1.0], [3.0, 1.1], [-1.0, 0.2]])?;
    /// for method in [AnalogyMethod::CosAdd, AnalogyMethod::CosMul] {
    ///     let r = emb.analogy("man", "king", "woman", 1, method)?;
    ///     assert_eq!(r[0].0, "queen");
    /// }
    /// let gensim_order = emb.most_similar(&["king", "woman"], &["man"], 1)?;
    /// assert_eq!(gensim_order[0].0, "queen");
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::UnknownWords`](crate::Error::UnknownWords) naming every query word not in the
    /// vocabulary.
    pub fn analogy(
        &self,
        a: &str,
        b: &str,
        c: &str,
        k: usize,
        method: AnalogyMethod,
    ) -> Result<Vec<(String, f32)>> {
        // Look the words up in the order a, b, c first, so that unknown words are named in
        // the caller's order.
        self.indices([a, b, c])?;
        self.most_similar_with(&[b, c], &[a], k, &SimilarityOptions::new().method(method))
    }

    /// [`analogy`](Self::analogy) for many `(a, b, c)` queries at once: one matrix product,
    /// (B×N)·(N×V) for 3CosAdd and (3B×N)·(N×V) for 3CosMul. Result i belongs to
    /// `queries[i]`.
    ///
    /// ```
    /// use ndarray::array;
    /// use skipgram::{AnalogyMethod, Embeddings, Vocabulary};
    /// let vocab = Vocabulary::from_words(["man", "king", "woman", "queen", "apple"])?;
    /// let emb = Embeddings::new(vocab, array![[1.0f32, 0.0], [3.0, 0.1], [1.0, 1.0], [3.0, 1.1], [-1.0, 0.2]])?;
    /// let r = emb.analogy_batch(&[("man", "king", "woman"), ("king", "man", "queen")], 1, AnalogyMethod::CosAdd)?;
    /// assert_eq!((r[0][0].0.as_str(), r[1][0].0.as_str()), ("queen", "woman"));
    /// # Ok::<(), skipgram::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::UnknownWords`](crate::Error::UnknownWords) naming every word of the batch not
    /// in the vocabulary (nothing is computed then).
    pub fn analogy_batch<S: AsRef<str>>(
        &self,
        queries: &[(S, S, S)],
        k: usize,
        method: AnalogyMethod,
    ) -> Result<Vec<Vec<(String, f32)>>> {
        let idx = self.indices(
            queries
                .iter()
                .flat_map(|(a, b, c)| [a.as_ref(), b.as_ref(), c.as_ref()]),
        )?;
        let triples: Vec<[usize; 3]> = idx.chunks_exact(3).map(|t| [t[0], t[1], t[2]]).collect();
        Ok(self
            .analogy_indices(&triples, k, method, self.len())
            .into_iter()
            .map(|top| self.named(top))
            .collect())
    }

    /// Answers analogies given as index triples [a, b, c] among the first `rows` words
    /// (`rows ≤ V`; the query words may lie anywhere): one matrix product for the whole
    /// batch, ε = [`AnalogyMethod::COSMUL_EPSILON`]. Returns (index, score) lists, best
    /// first, the triple's indices excluded.
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
        // A batch whose scratch would exceed BATCH_SCRATCH_BYTES is answered in parts.
        let chunk = batch_rows(rows, 3);
        if triples.len() > chunk {
            return triples
                .chunks(chunk)
                .flat_map(|t| self.analogy_indices(t, k, method, rows))
                .collect();
        }
        match method {
            AnalogyMethod::CosAdd => {
                let mut q = Array2::zeros((triples.len(), self.dim()));
                for (mut row, &[a, b, c]) in q.rows_mut().into_iter().zip(triples) {
                    row.assign(&self.offset_query(a, b, c));
                }
                let scores = self.cosines_batch(q.view(), rows); // B×rows
                scores
                    .rows()
                    .into_iter()
                    .zip(triples)
                    .map(|(row, t)| top_k(row, k, t))
                    .collect()
            }
            AnalogyMethod::CosMul => {
                let flat: Vec<usize> = triples.iter().flatten().copied().collect();
                let cos = self.cosines_batch(self.unit_rows(&flat).view(), rows); // 3B×rows
                let mut scores = Array1::zeros(rows);
                triples
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let (ca, cb, cc) = (cos.row(3 * i), cos.row(3 * i + 1), cos.row(3 * i + 2));
                        for (x, s) in scores.iter_mut().enumerate() {
                            *s = shift(cb[x]) * shift(cc[x])
                                / (shift(ca[x]) + AnalogyMethod::COSMUL_EPSILON);
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
        let u = |i: usize| unit(self.vectors.row(i));
        let sum = u(b) - u(a) + u(c);
        unit(sum.view())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::emb;
    use super::*;
    use crate::Error;
    use ndarray::array;

    #[test]
    fn analogy_is_most_similar_b_c_minus_a() {
        let e = emb(
            &["man", "king", "woman", "queen", "apple", "pear"],
            array![
                [1.0f32, 0.0, 0.1],
                [3.0, 0.1, 0.0],
                [1.0, 1.0, 0.2],
                [3.0, 1.1, 0.1],
                [-1.0, 0.2, 0.3],
                [-0.5, -1.0, 1.0]
            ],
        );
        for method in [AnalogyMethod::CosAdd, AnalogyMethod::CosMul] {
            let opts = SimilarityOptions::new().method(method);
            let a = e.analogy("man", "king", "woman", 3, method).unwrap();
            let m = e
                .most_similar_with(&["king", "woman"], &["man"], 3, &opts)
                .unwrap();
            assert_eq!(a, m, "{method:?}");
            assert_eq!(a[0].0, "queen");
            let b = e
                .analogy_batch(&[("man", "king", "woman")], 3, method)
                .unwrap();
            for (x, y) in b[0].iter().zip(&a) {
                assert_eq!(x.0, y.0);
                assert!((x.1 - y.1).abs() < 1e-6, "{method:?} {x:?} {y:?}");
            }
        }
    }

    #[test]
    fn restricted_rows_in_analogy_indices() {
        let e = emb(
            &["a", "b", "c", "d", "e"],
            array![
                [1.0f32, 0.0],
                [0.0, 1.0],
                [1.0, 1.0],
                [0.5, 1.0],
                [1.0, 0.9]
            ],
        );
        // Query words beyond the restriction (index 4) are fine; candidates are rows < 3.
        for method in [AnalogyMethod::CosAdd, AnalogyMethod::CosMul] {
            let r = e.analogy_indices(&[[0, 1, 4]], 10, method, 3);
            let idx: Vec<usize> = r[0].iter().map(|p| p.0).collect();
            assert_eq!(idx, [2], "{method:?}");
        }
        assert!(e
            .analogy_indices(&[], 3, AnalogyMethod::CosAdd, 5)
            .is_empty());
    }

    #[test]
    fn unknown_words_are_all_named() {
        let e = emb(
            &["a", "b", "c"],
            array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]],
        );
        for method in [AnalogyMethod::CosAdd, AnalogyMethod::CosMul] {
            match e.analogy("x", "a", "y", 1, method) {
                Err(Error::UnknownWords(w)) => assert_eq!(w, ["x", "y"]),
                other => panic!("{other:?}"),
            }
            match e.analogy_batch(&[("a", "b", "c"), ("q", "b", "r")], 1, method) {
                Err(Error::UnknownWords(w)) => assert_eq!(w, ["q", "r"]),
                other => panic!("{other:?}"),
            }
        }
    }
}
