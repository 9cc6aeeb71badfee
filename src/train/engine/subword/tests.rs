//! Tests of subword training: one center word's update against fastText's, computed
//! independently, and against finite differences; the batch layout `fill` makes.

use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::subword::NgramConfig;
use crate::train::batch::padded;
use crate::train::kernels::Isa;
use crate::train::loss::SigmoidTable;
use crate::train::shared::{InPlaceMatrix, SharedMatrix};
use crate::vocab::Vocabulary;

/// The loss of one (center, context, noise) example as a function of the center's
/// input rows, in f64: −log σ(h·u₊) − Σ log σ(−h·u₋) with h the mean of the rows.
fn loss(rows: &[Vec<f64>], out: &[Vec<f64>], labels: &[f32]) -> f64 {
    let n = rows[0].len();
    let h: Vec<f64> = (0..n)
        .map(|d| rows.iter().map(|r| r[d]).sum::<f64>() / rows.len() as f64)
        .collect();
    out.iter()
        .zip(labels)
        .map(|(u, &l)| {
            let x: f64 = h.iter().zip(u).map(|(a, b)| a * b).sum();
            let x = if l > 0.5 { x } else { -x };
            (1.0 + (-x).exp()).ln()
        })
        .sum()
}

/// A tiny subword model: "abcd" (7 n-grams in 5 buckets, so some of its rows repeat),
/// "xy" and "qrst", dim 4, its rows taken out for training as `train` takes them.
struct Fixture {
    model: SkipGramModel,
    rows: SubwordRows,
    cfg: TrainConfig,
    /// p' (transposed), shared; and p as the step context holds it: empty, since the
    /// subword step reads p from `rows`.
    output: SharedMatrix,
    empty: SharedMatrix,
    sigmoid: SigmoidTable,
}

impl Fixture {
    const N: usize = 4;

    fn new() -> Self {
        let n = Self::N;
        let vocab = Vocabulary::from_words(["abcd", "xy", "qrst"]).unwrap();
        let mut rng = StdRng::seed_from_u64(3);
        let p = Array2::from_shape_fn((3, n), |_| rng.random_range(-0.5f32..0.5));
        let pp = Array2::from_shape_fn((n, 3), |_| rng.random_range(-0.5f32..0.5));
        let ngrams = NgramConfig {
            minn: 3,
            maxn: 4,
            bucket: 5,
        };
        let mut model = SkipGramModel::from_weights(vocab, p, pp)
            .unwrap()
            .with_ngrams(ngrams, &mut rng)
            .unwrap();
        let ngrams = InPlaceMatrix::from_array(model.take_ngram_array().unwrap());
        let rows = SubwordRows {
            words: InPlaceMatrix::from_array(model.take_input_array()),
            ngrams,
        };
        let output =
            SharedMatrix::try_from_array(&model.output_weights_transposed().to_owned(), "p'", 1)
                .unwrap();
        let cfg = TrainConfig {
            dim: n,
            minn: 3,
            maxn: 4,
            bucket: 5,
            threads: 1,
            ..Default::default()
        };
        Fixture {
            model,
            rows,
            cfg,
            output,
            empty: SharedMatrix::empty(),
            sigmoid: SigmoidTable::new(),
        }
    }

    fn job(&self) -> SubwordJob<'_> {
        SubwordJob::new(&self.cfg, &self.model, Some(&self.rows))
            .unwrap()
            .unwrap()
    }

    fn cx(&self) -> StepContext<'_> {
        StepContext {
            isa: Isa::detect(),
            input: &self.empty,
            output: &self.output,
            sigmoid: &self.sigmoid,
            stride: padded(Self::N),
            block_rows: 10,
        }
    }

    /// Input row `r` (a row id of [`SubwordJob::rows`]) in f64.
    fn input_row(&self, sw: &SubwordJob<'_>, r: u32) -> Vec<f64> {
        let mut b = vec![0.0f32; padded(Self::N)];
        sw.read(r, &mut b);
        b[..Self::N].iter().map(|&x| x as f64).collect()
    }

    /// Output row of word `w` in f64.
    fn output_row(&self, w: usize) -> Vec<f64> {
        let mut b = vec![0.0f32; padded(Self::N)];
        self.output.read_row(w, &mut b);
        b[..Self::N].iter().map(|&x| x as f64).collect()
    }

    /// Scratch space holding center word 0 ("abcd") with the given (context word,
    /// noise words) pairs.
    fn batch(pairs: &[(u32, &[u32])]) -> Scratch {
        let mut sc = Scratch::new(3, 8, padded(Self::N)).unwrap();
        sc.cur.center = 0;
        sc.cur.pairs = pairs.len() as u64;
        let mut listed = Listed::default();
        for &(c, noise) in pairs {
            sc.cur.ctx.push(c);
            push_pair(&mut sc.cur, &mut listed, c, noise.iter().copied());
        }
        sc
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// fastText's skip-gram update (`Model::update` with its negative-sampling or
/// hierarchical-softmax loss), pair by pair in f64 with the exact sigmoid: for each pair's
/// (output row, label) targets, h = the mean of the center's `ids` rows, each target's
/// coefficient and update in turn,
/// then the pair's gradient added to each listed row. With `batched`, every pair's
/// h is the first one (the center word's pairs computed as one batch): a different
/// order, to show that the comparison tells the two apart.
fn fasttext_update(
    ids: &[u32],
    input: &mut std::collections::HashMap<u32, Vec<f64>>,
    output: &mut [Vec<f64>],
    pairs: &[Vec<(u32, f64)>],
    alpha: f64,
    batched: bool,
) {
    let n = output[0].len();
    let mean = |input: &std::collections::HashMap<u32, Vec<f64>>| -> Vec<f64> {
        (0..n)
            .map(|d| ids.iter().map(|r| input[r][d]).sum::<f64>() / ids.len() as f64)
            .collect()
    };
    let first = mean(input);
    for targets in pairs {
        let h = if batched { first.clone() } else { mean(input) };
        let mut grad = vec![0.0; n];
        for &(w, label) in targets {
            let u = &mut output[w as usize];
            let coef = alpha * (label - 1.0 / (1.0 + (-dot(&h, u)).exp()));
            for d in 0..n {
                grad[d] += coef * u[d];
                u[d] += coef * h[d];
            }
        }
        for r in ids {
            let row = input.get_mut(r).unwrap();
            for d in 0..n {
                row[d] += grad[d];
            }
        }
    }
}

/// The targets of (context word, noise words) pairs: the context word with label 1, then
/// each noise word other than it with label 0.
fn ns_targets(pairs: &[(u32, &[u32])]) -> Vec<Vec<(u32, f64)>> {
    pairs
        .iter()
        .map(|&(c, noise)| {
            std::iter::once((c, 1.0))
                .chain(noise.iter().filter(|&&w| w != c).map(|&w| (w, 0.0)))
                .collect()
        })
        .collect()
}

/// Runs `step` on `sc` and the reference on `targets` from the same weights: ours is
/// within `tol` of fastText's order, relative to how far each weight moved, and the
/// batched order is not. The tolerance covers the sigmoid table (steps of 1/512 of
/// [-8, 8]).
fn assert_fasttext_order(
    fx: &Fixture,
    sw: &SubwordJob<'_>,
    sc: &mut Scratch,
    targets: &[Vec<(u32, f64)>],
) {
    let ids = sw.rows_of(0).to_vec();
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let mut input: std::collections::HashMap<u32, Vec<f64>> =
        distinct.iter().map(|&r| (r, fx.input_row(sw, r))).collect();
    let mut output: Vec<Vec<f64>> = (0..3).map(|w| fx.output_row(w)).collect();
    let (input0, output0) = (input.clone(), output.clone());
    let alpha = 0.5;
    fasttext_update(&ids, &mut input, &mut output, targets, alpha, false);
    step(&fx.cx(), sw, alpha as f32, sc).unwrap();
    let (mut err, mut batched_err) = (0.0f64, 0.0f64);
    let mut batched = (input0.clone(), output0.clone());
    fasttext_update(&ids, &mut batched.0, &mut batched.1, targets, alpha, true);
    for &r in &distinct {
        let ours = fx.input_row(sw, r);
        for d in 0..Fixture::N {
            let moved = input[&r][d] - input0[&r][d];
            err = err.max((ours[d] - input[&r][d]).abs() / moved.abs().max(1e-3));
            batched_err =
                batched_err.max((batched.0[&r][d] - input[&r][d]).abs() / moved.abs().max(1e-3));
        }
    }
    for (w, want) in output.iter().enumerate() {
        let ours = fx.output_row(w);
        for d in 0..Fixture::N {
            let moved = want[d] - output0[w][d];
            err = err.max((ours[d] - want[d]).abs() / moved.abs().max(1e-3));
            batched_err =
                batched_err.max((batched.1[w][d] - want[d]).abs() / moved.abs().max(1e-3));
        }
    }
    let tol = 0.03;
    assert!(err < tol, "relative error {err} against fastText's order");
    assert!(
        batched_err > 3.0 * tol,
        "the orders differ by {batched_err} only"
    );
}

/// Hierarchical softmax: h predicts each context word's Huffman path (the nodes are rows
/// 0 and 1 of the fixture's output matrix), as fastText's `HierarchicalSoftmaxLoss` does,
/// with word2vec.c's labels 1 − code bit.
#[test]
fn hierarchical_softmax_step_matches_fasttext_pair_by_pair() {
    let fx = Fixture::new();
    let sw = fx.job();
    let tree = HuffmanTree::new(&[5, 3, 2]).unwrap();
    let mut sc = Scratch::new(3, 8, padded(Fixture::N)).unwrap();
    sc.cur.center = 0;
    sc.cur.ctx = vec![1, 2, 1];
    sc.cur.pairs = 3;
    fill_paths(&tree, &mut sc.cur);
    // Words 1 and 2 share the root; each node is listed once.
    assert_eq!(sc.cur.out.len(), 2);
    assert_eq!(sc.cur.ends, [2, 4, 6]);
    let targets: Vec<Vec<(u32, f64)>> = sc
        .cur
        .ctx
        .iter()
        .map(|&c| {
            let (points, code) = (tree.points(c as usize), tree.code(c as usize));
            points
                .iter()
                .zip(code)
                .map(|(&n, &b)| (n, 1.0 - f64::from(b)))
                .collect()
        })
        .collect();
    assert_fasttext_order(&fx, &sw, &mut sc, &targets);
}

#[test]
fn step_matches_fasttext_pair_by_pair() {
    let fx = Fixture::new();
    let sw = fx.job();
    let ids = sw.rows_of(0).to_vec();
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(distinct.len() < ids.len(), "the center should repeat a row");
    // "qrst" is a noise word of the first pair and the context word of the second, and
    // a noise word equal to its pair's context word is skipped.
    let pairs: [(u32, &[u32]); 3] = [(1, &[2]), (2, &[1, 2]), (1, &[2, 2])];
    let mut sc = Fixture::batch(&pairs);
    assert_fasttext_order(&fx, &sw, &mut sc, &ns_targets(&pairs));
}

#[test]
fn update_is_the_finite_difference_gradient() {
    let fx = Fixture::new();
    let n = Fixture::N;
    let sw = fx.job();
    // Center "abcd", context "xy", noise word "qrst".
    let mut sc = Fixture::batch(&[(1, &[2])]);
    let ids = sw.rows_of(0).to_vec();
    assert_eq!(ids.len(), 1 + 7);
    let row = |r: u32| fx.input_row(&sw, r);
    let before: Vec<Vec<f64>> = ids.iter().map(|&r| row(r)).collect();
    let out_before: Vec<Vec<f64>> = [1usize, 2].iter().map(|&w| fx.output_row(w)).collect();
    let alpha = 0.1f32;
    let l = step(&fx.cx(), &sw, alpha, &mut sc).unwrap();
    let l0 = loss(&before, &out_before, &[1.0, 0.0]);
    assert!((l - l0).abs() < 0.02, "loss {l} vs {l0}");
    // Numeric gradient with respect to each distinct row (a row listed twice counts
    // twice, as it enters h twice).
    let k = ids.len() as f64;
    let eps = 1e-4;
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(
        distinct.len() < ids.len(),
        "the example should repeat a bucket row"
    );
    for &r in &distinct {
        let after = row(r);
        let orig = &before[ids.iter().position(|&x| x == r).unwrap()];
        for d in 0..n {
            let perturbed = |delta: f64| {
                let rows: Vec<Vec<f64>> = ids
                    .iter()
                    .zip(&before)
                    .map(|(&x, v)| {
                        let mut v = v.clone();
                        if x == r {
                            v[d] += delta;
                        }
                        v
                    })
                    .collect();
                loss(&rows, &out_before, &[1.0, 0.0])
            };
            let numeric = (perturbed(eps) - perturbed(-eps)) / (2.0 * eps);
            // Each occurrence of the row received α·(−∂L/∂h) = α·k/count·(−∂L/∂row).
            let expected = -(alpha as f64) * k * numeric;
            let got = after[d] - orig[d];
            assert!(
                (got - expected).abs() < 0.02 * expected.abs() + 1e-5,
                "row {r} dim {d}: update {got}, finite difference {expected}"
            );
        }
    }
    // The output rows moved by α·(−∂L/∂u).
    let h: Vec<f64> = (0..n)
        .map(|d| before.iter().map(|v| v[d]).sum::<f64>() / k)
        .collect();
    for (j, &w) in [1usize, 2].iter().enumerate() {
        let b = fx.output_row(w);
        let x: f64 = h.iter().zip(&out_before[j]).map(|(a, b)| a * b).sum();
        let label = if j == 0 { 1.0 } else { 0.0 };
        let sig = 1.0 / (1.0 + (-x).exp());
        for d in 0..n {
            let expected = alpha as f64 * (label - sig) * h[d];
            let got = b[d] - out_before[j][d];
            assert!((got - expected).abs() < 0.02 * expected.abs() + 1e-5);
        }
    }
}

#[test]
fn fill_lists_each_row_once_and_each_pair_in_order() {
    let counts = [10u64, 10, 10];
    let ns = NegativeSampler::new(&counts, 0.75).unwrap();
    let mut rng = SmallRng::seed_from_u64(1);
    let mut batch = Batch {
        ctx: vec![0, 1, 0],
        ..Default::default()
    };
    fill(&ns, &mut batch, 4, (&mut rng, &mut NoiseDraws::default()));
    let mut ids = batch.out.clone();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), batch.out.len(), "each row once");
    assert_eq!(batch.ends.len(), 3);
    let mut start = 0;
    for (&c, &end) in batch.ctx.iter().zip(&batch.ends) {
        let end = end as usize;
        // The context word first with label 1, then 4 other words with label 0: a draw
        // equal to the context word (a third of them here) is drawn again.
        let words: Vec<u32> = batch.slots[start..end]
            .iter()
            .map(|&s| batch.out[s as usize])
            .collect();
        assert_eq!(words.len(), 5, "{words:?}");
        assert_eq!(words[0], c);
        assert!(words[1..].iter().all(|&w| w != c));
        assert_eq!(batch.labels[start], 1.0);
        assert!(batch.labels[start + 1..end].iter().all(|&l| l == 0.0));
        start = end;
    }
    assert_eq!(start, batch.slots.len());
    assert_eq!(batch.labels.len(), start);
    assert!(batch.out_weight.iter().all(|&w| w == 1.0));
}

/// With one word in the vocabulary every draw equals the context word: after `REDRAWS`
/// draws the slot is skipped instead of drawing forever.
#[test]
fn fill_ends_when_every_draw_is_the_context_word() {
    let ns = NegativeSampler::new(&[10], 0.75).unwrap();
    let mut rng = SmallRng::seed_from_u64(1);
    let mut batch = Batch {
        ctx: vec![0, 0],
        ..Default::default()
    };
    fill(&ns, &mut batch, 5, (&mut rng, &mut NoiseDraws::default()));
    assert_eq!(batch.out, [0]);
    assert_eq!(batch.slots, [0, 0]);
    assert_eq!(batch.ends, [1, 2]);
    assert_eq!(batch.labels, [1.0, 1.0]);
}

/// Words that share a bit of the `Listed` filter (equal mod 256) are told apart, and a
/// word drawn again is found in its slot.
#[test]
fn push_pair_tells_apart_words_equal_mod_256() {
    let mut batch = Batch::default();
    let mut listed = Listed::default();
    push_pair(&mut batch, &mut listed, 5, [261, 5, 517, 261].into_iter());
    push_pair(&mut batch, &mut listed, 773, [5, 6].into_iter());
    assert_eq!(batch.out, [5, 261, 517, 773, 6]);
    assert_eq!(batch.slots, [0, 1, 2, 1, 3, 0, 4]);
    assert_eq!(batch.ends, [4, 7]);
}
