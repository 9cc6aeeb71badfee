//! Huffman codes of the vocabulary for hierarchical softmax.
//!
//! Hierarchical softmax (Morin & Bengio 2005; Mikolov et al. 2013, section 2.1) replaces the
//! V-way softmax with a binary tree whose V leaves are the words: p(w | h) is the product,
//! along the path from the root to w, of σ(±h·v'ₙ) for each inner node n. word2vec.c builds
//! the tree as a Huffman tree over word counts (`CreateBinaryTree`), so frequent words get
//! short paths and the expected cost per word is minimal; fastText builds the same tree. The
//! V − 1 inner nodes are numbered 0..V−1 with the root last (V − 2), as in both.

use crate::error::{Error, Result};

/// For every word: its code (the bits from the root down: 0 = left, 1 = right) and its
/// points (the inner nodes on the path, root first), in flat arrays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HuffmanTree {
    codes: Vec<u8>,
    points: Vec<u32>,
    offsets: Vec<usize>,
}

impl HuffmanTree {
    /// Builds the tree over `counts` (one per word, in vocabulary order) as word2vec.c's
    /// `CreateBinaryTree` and fastText's `HierarchicalSoftmaxLoss::buildTree` do: the
    /// leaves are taken from the last word to the first, a leaf whose count is below the
    /// next inner node's before that node (an inner node on a tie), and the second of each
    /// merged pair gets code bit 1. For counts in non-increasing order (every vocabulary
    /// built from a corpus) this is a Huffman tree: frequent words get short paths and the
    /// expected path length is minimal. Building it the same way makes the inner nodes of a
    /// fastText `.bin` with `loss hs` the same nodes as here.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] if there are fewer than 2 words (no inner node exists).
    pub(crate) fn new(counts: &[u64]) -> Result<Self> {
        let v = counts.len();
        if v < 2 {
            return Err(Error::InvalidConfig(
                "hierarchical softmax needs a vocabulary of at least 2 words".into(),
            ));
        }
        let mut weight = Vec::with_capacity(2 * v - 1); // nodes: 0..v leaves, v.. inner
        weight.extend(counts.iter().copied());
        let mut parent = vec![0usize; 2 * v - 1];
        let mut bit = vec![0u8; 2 * v - 1];
        // The next leaf is `leaf - 1` (none at 0), the next inner node `inner`.
        let (mut leaf, mut inner) = (v, v);
        let mut pick = |weight: &Vec<u64>| -> usize {
            let leaf_first =
                leaf > 0 && (inner == weight.len() || weight[leaf - 1] < weight[inner]);
            if leaf_first {
                leaf -= 1;
                leaf
            } else {
                inner += 1;
                inner - 1
            }
        };
        for _ in 0..v - 1 {
            let a = pick(&weight);
            let b = pick(&weight);
            let node = weight.len();
            // Saturating: counts may add up to more than u64 holds; the order stays valid.
            weight.push(weight[a].saturating_add(weight[b]));
            parent[a] = node;
            parent[b] = node;
            bit[b] = 1;
        }
        let root = 2 * v - 2;
        let mut codes = Vec::new();
        let mut points = Vec::new();
        let mut offsets = Vec::with_capacity(v + 1);
        offsets.push(0);
        let mut path_codes = Vec::new();
        let mut path_points = Vec::new();
        for w in 0..v {
            path_codes.clear();
            path_points.clear();
            let mut node = w;
            while node != root {
                path_codes.push(bit[node]);
                node = parent[node];
                path_points.push((node - v) as u32);
            }
            codes.extend(path_codes.iter().rev());
            points.extend(path_points.iter().rev());
            offsets.push(codes.len());
        }
        Ok(HuffmanTree {
            codes,
            points,
            offsets,
        })
    }

    /// Number of words (leaves).
    pub(crate) fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The code of word `w`, root first (each 0 or 1).
    pub(crate) fn code(&self, w: usize) -> &[u8] {
        &self.codes[self.offsets[w]..self.offsets[w + 1]]
    }

    /// The inner nodes on word `w`'s path, root first, numbered 0..V−1 (root = V − 2).
    pub(crate) fn points(&self, w: usize) -> &[u32] {
        &self.points[self.offsets[w]..self.offsets[w + 1]]
    }

    /// What training fits for word `w`: each inner node on its path, root first, with the
    /// label σ(h·v) is trained towards, 1 − the code bit (word2vec.c's `1 - code[d]`;
    /// fastText's label is the bit itself, see `SkipGramModel::to_fasttext`).
    pub(crate) fn targets(&self, w: usize) -> impl Iterator<Item = (u32, f32)> + '_ {
        let path = self.points(w).iter().zip(self.code(w));
        path.map(|(&n, &bit)| (n, 1.0 - f32::from(bit)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_free_kraft_complete_and_frequent_words_shorter() {
        let counts = [1000, 500, 300, 300, 100, 50, 20, 7, 3, 1, 1];
        let t = HuffmanTree::new(&counts).unwrap();
        let v = counts.len();
        // Kraft equality: a full binary tree's codes satisfy Σ 2^−len = 1.
        let kraft: f64 = (0..v).map(|w| 0.5f64.powi(t.code(w).len() as i32)).sum();
        assert!((kraft - 1.0).abs() < 1e-12);
        for a in 0..v {
            assert_eq!(t.points(a)[0] as usize, v - 2, "paths start at the root");
            assert!(t.points(a).iter().all(|&p| (p as usize) < v - 1));
            for b in 0..v {
                if a != b {
                    let (ca, cb) = (t.code(a), t.code(b));
                    assert!(!cb.starts_with(ca), "code {a} is a prefix of code {b}");
                }
                if counts[a] > counts[b] {
                    assert!(t.code(a).len() <= t.code(b).len());
                }
            }
        }
        // Expected code length matches the Huffman optimum computed by merging weights.
        let total: u64 = counts.iter().sum();
        let avg: f64 = (0..v)
            .map(|w| counts[w] as f64 * t.code(w).len() as f64)
            .sum::<f64>()
            / total as f64;
        let mut heap: Vec<u64> = counts.to_vec();
        let mut cost = 0u64;
        while heap.len() > 1 {
            heap.sort_unstable_by(|a, b| b.cmp(a));
            let (x, y) = (heap.pop().unwrap(), heap.pop().unwrap());
            cost += x + y;
            heap.push(x + y);
        }
        assert!((avg - cost as f64 / total as f64).abs() < 1e-12);
    }

    /// fastText's `HierarchicalSoftmaxLoss::buildTree` as it is written there: one array of
    /// 2V − 1 nodes, uncreated nodes counting 10¹⁵, and each word's (node, code bit) pairs
    /// from its leaf up to the root.
    fn fasttext_paths(counts: &[u64]) -> Vec<Vec<(u32, u8)>> {
        let osz = counts.len();
        let mut count: Vec<u64> = counts.to_vec();
        count.resize(2 * osz - 1, 1_000_000_000_000_000);
        let mut parent = vec![-1i64; 2 * osz - 1];
        let mut binary = vec![false; 2 * osz - 1];
        let (mut leaf, mut node) = (osz as i64 - 1, osz);
        for i in osz..2 * osz - 1 {
            let mut mini = [0usize; 2];
            for m in &mut mini {
                if leaf >= 0 && count[leaf as usize] < count[node] {
                    *m = leaf as usize;
                    leaf -= 1;
                } else {
                    *m = node;
                    node += 1;
                }
            }
            count[i] = count[mini[0]] + count[mini[1]];
            parent[mini[0]] = i as i64;
            parent[mini[1]] = i as i64;
            binary[mini[1]] = true;
        }
        (0..osz)
            .map(|w| {
                let (mut path, mut j) = (Vec::new(), w);
                while parent[j] != -1 {
                    path.push(((parent[j] as usize - osz) as u32, u8::from(binary[j])));
                    j = parent[j] as usize;
                }
                path
            })
            .collect()
    }

    #[test]
    fn the_tree_is_fasttexts_for_any_counts() {
        use rand::{rngs::StdRng, Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(5);
        for case in 0..200 {
            let v = rng.random_range(2..60);
            // Few distinct counts, so that ties abound; every other case sorted as a
            // vocabulary is.
            let mut counts: Vec<u64> = (0..v).map(|_| rng.random_range(1..6) * 10).collect();
            if case % 2 == 0 {
                counts.sort_unstable_by(|a, b| b.cmp(a));
            }
            let t = HuffmanTree::new(&counts).unwrap();
            for (w, want) in fasttext_paths(&counts).into_iter().enumerate() {
                // Ours runs from the root down, fastText's from the leaf up.
                let ours: Vec<(u32, u8)> = t
                    .points(w)
                    .iter()
                    .zip(t.code(w))
                    .rev()
                    .map(|(&p, &c)| (p, c))
                    .collect();
                assert_eq!(ours, want, "counts {counts:?}, word {w}");
            }
        }
    }

    #[test]
    fn two_words_and_too_few() {
        let t = HuffmanTree::new(&[5, 3]).unwrap();
        assert_eq!(t.code(0).len(), 1);
        assert_ne!(t.code(0), t.code(1));
        assert!(HuffmanTree::new(&[5]).is_err());
    }
}
