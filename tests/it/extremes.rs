//! The public library API at the ends of its argument ranges: usize::MAX, 0, huge sizes,
//! NaN and ±∞, f32::MAX weights, empty inputs. Every call returns a value or an error:
//! no panic, no abort, no NaN.

use ndarray::{Array1, Array2};
use proptest::collection::vec;
use proptest::prelude::*;
use skipgram::eval::{
    evaluate_analogies, evaluate_word_pairs, pearson, spearman, AnalogyOptions, PairOptions,
};
use skipgram::{
    AnalogyMethod, Embeddings, OneHot, ReadWord2Vec, SimilarityOptions, SkipGramModel, Softmax,
    Vocabulary, WriteWord2Vec,
};

/// Any f32 bit pattern: NaN, ±∞, ±f32::MAX, subnormals, zero.
fn any_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        any::<f32>(),
        Just(f32::NAN),
        Just(f32::INFINITY),
        Just(f32::NEG_INFINITY),
        Just(f32::MAX),
        Just(f32::MIN),
        Just(0.0f32),
        Just(f32::MIN_POSITIVE / 8.0),
    ]
}

/// Finite f32, weighted towards the extremes that overflow products and norms.
fn extreme_finite_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        -2.0f32..2.0,
        Just(f32::MAX),
        Just(f32::MIN),
        Just(1e30f32),
        Just(-1e30f32),
        Just(0.0f32),
        Just(f32::MIN_POSITIVE / 8.0),
    ]
}

/// Sizes and counts at the ends of usize.
fn extreme_usize() -> impl Strategy<Value = usize> {
    prop_oneof![
        0usize..8,
        Just(usize::MAX),
        Just(usize::MAX / 2 + 1),
        Just(1usize << 62),
        Just(1usize << 40),
        Just(u32::MAX as usize),
    ]
}

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::MAX),
        Just(f64::MIN),
        -10.0f64..10.0,
    ]
}

/// V words (V in 1..6) and V×N finite weights with extremes.
fn weights() -> impl Strategy<Value = (Vocabulary, Array2<f32>)> {
    (1usize..6, 1usize..4).prop_flat_map(|(v, n)| {
        vec(extreme_finite_f32(), v * n).prop_map(move |d| {
            let vocab = Vocabulary::from_words((0..v).map(|i| format!("w{i}"))).unwrap();
            (vocab, Array2::from_shape_vec((v, n), d).unwrap())
        })
    })
}

fn no_nan(scores: &[(String, f32)]) -> bool {
    scores.iter().all(|(_, s)| !s.is_nan())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn softmax_of_any_scores_is_a_distribution_or_an_error(u in vec(any_f32(), 0..12)) {
        let u = Array1::from(u);
        let has_nan = u.iter().any(|x| x.is_nan());
        match Softmax::probabilities(u.view()) {
            Ok(p) => {
                prop_assert!(!has_nan);
                prop_assert!(p.iter().all(|x| (0.0..=1.0).contains(x)), "{u} -> {p}");
                if !p.is_empty() {
                    let sum: f64 = p.iter().map(|&x| f64::from(x)).sum();
                    prop_assert!((sum - 1.0).abs() < 1e-5, "{u} -> {p}");
                }
            }
            Err(_) => prop_assert!(has_nan),
        }
        match Softmax::log_probabilities(u.view()) {
            Ok(lp) => prop_assert!(lp.iter().all(|x| !x.is_nan() && *x <= 1e-6), "{lp}"),
            Err(_) => prop_assert!(has_nan),
        }
        for target in [0, u.len().saturating_sub(1), u.len(), usize::MAX] {
            if let Ok(ce) = Softmax::cross_entropy(u.view(), target) {
                prop_assert!(ce.is_finite() && ce >= -1e-6, "{ce}");
            }
            if let Ok(g) = Softmax::cross_entropy_gradient(u.view(), target) {
                prop_assert!(g.iter().all(|x| x.is_finite()), "{g}");
            }
        }
    }

    #[test]
    fn one_hot_of_any_index_and_length(index in extreme_usize(), len in extreme_usize()) {
        match OneHot::new(index, len) {
            Ok(oh) => {
                prop_assert!(index < len);
                // A length of 2⁴⁰ or more cannot be had densely: an error, not an abort.
                // (2³² − 1 could be, as 16 GiB: not tried.)
                if len < 1 << 16 {
                    prop_assert_eq!(oh.to_dense().unwrap().len(), len);
                } else if len >= 1 << 40 {
                    prop_assert!(oh.to_dense().is_err());
                }
                let p = Array2::<f32>::zeros((3, 2));
                prop_assert_eq!(oh.project(p.view()).is_ok(), len == 3);
            }
            Err(_) => prop_assert!(index >= len),
        }
    }

    #[test]
    fn forward_of_any_finite_weights_is_finite(
        (vocab, p) in weights(),
        pp_seed in vec(extreme_finite_f32(), 20),
        c in extreme_usize(),
    ) {
        let (v, n) = p.dim();
        let pp = Array2::from_shape_fn((n, v), |(i, j)| pp_seed[(i * v + j) % pp_seed.len()]);
        let m = SkipGramModel::from_weights(vocab, p, pp).unwrap();
        for i in 0..v {
            let f = m.forward_index(i).unwrap();
            prop_assert!(f.scores.iter().all(|x| x.is_finite()), "{}", f.scores);
            let probs = f.probabilities().unwrap();
            prop_assert!(probs.iter().all(|x| (0.0..=1.0).contains(x)), "{probs}");
            let sum: f64 = probs.iter().map(|&x| f64::from(x)).sum();
            prop_assert!((sum - 1.0).abs() < 1e-5, "{probs}");
            // Any context size: a view or an error.
            if let Ok(per) = f.scores_per_position(c) {
                prop_assert_eq!(per.dim(), (2 * c, v));
            }
        }
        prop_assert!(m.forward_index(v).is_err());
        prop_assert!(m.forward_index(usize::MAX).is_err());
    }

    #[test]
    fn queries_on_extreme_embeddings_never_give_nan(
        (vocab, p) in weights(),
        k in extreme_usize(),
        query in vec(any_f32(), 1..4),
        eps in any_f32(),
        restrict in extreme_usize(),
    ) {
        let (v, n) = p.dim();
        let e = Embeddings::new(vocab, p).unwrap();
        prop_assert!(e.norms().iter().all(|x| !x.is_nan()));
        let words: Vec<String> = e.vocab().words().to_vec();
        let w: Vec<&str> = words.iter().map(String::as_str).collect();
        for a in &w {
            for b in &w {
                let s = e.similarity(a, b).unwrap();
                prop_assert!(s.is_finite() && s.abs() <= 1.0 + 1e-5, "{a} {b}: {s}");
            }
            let r = e.most_similar_word(a, k).unwrap();
            prop_assert!(r.len() < v && no_nan(&r), "{r:?}");
        }
        let batch = e.most_similar_batch(&w, k).unwrap();
        prop_assert!(batch.iter().all(|r| no_nan(r)));
        if query.len() == n {
            match e.most_similar_by_vector(Array1::from(query.clone()).view(), k, &[] as &[&str]) {
                Ok(r) => prop_assert!(no_nan(&r)),
                Err(_) => prop_assert!(query.iter().any(|x| !x.is_finite())),
            }
        }
        for method in [AnalogyMethod::CosAdd, AnalogyMethod::CosMul] {
            let last = w[v - 1];
            if let Ok(r) = e.analogy(w[0], last, w[0], k, method) {
                prop_assert!(no_nan(&r), "{r:?}");
            }
            let b = e.analogy_batch(&[(w[0], last, last)], k, method).unwrap();
            prop_assert!(b.iter().all(|r| no_nan(r)));
            let opts = SimilarityOptions::new()
                .method(method)
                .restrict_vocab(restrict)
                .cosmul_epsilon(eps);
            if let Ok(r) = e.most_similar_with(&[w[0]], &[last], k, &opts) {
                prop_assert!(no_nan(&r), "{r:?}");
            }
        }
        prop_assert!(w.contains(&e.doesnt_match(&w).unwrap().as_str()));
        prop_assert!(e.doesnt_match(&[] as &[&str]).is_err());
        prop_assert!(e.most_similar(&[] as &[&str], &[], k).is_err());
    }

    #[test]
    fn correlations_of_any_values_are_in_range_or_none(
        xy in vec((any_f64(), any_f64()), 0..8),
    ) {
        let (x, y): (Vec<f64>, Vec<f64>) = xy.into_iter().unzip();
        for r in [pearson(&x, &y), spearman(&x, &y)].into_iter().flatten() {
            prop_assert!((-1.0..=1.0).contains(&r), "{x:?} {y:?}: {r}");
        }
    }

    #[test]
    fn evaluations_of_any_text_give_reports_without_nan(
        (vocab, p) in weights(),
        lines in vec(
            prop_oneof![
                Just(": section".to_string()),
                Just("w0 w1 w0 w1".to_string()),
                Just("w0\tw1\tNaN".to_string()),
                Just("w0\tw1\tinf".to_string()),
                Just("w0\tw1\t1e308".to_string()),
                Just("w0 w0 -1e308".to_string()),
                Just("".to_string()),
                "[a-z0-9 \t.]{0,12}",
            ],
            0..10,
        ),
        restrict in proptest::option::of(extreme_usize()),
    ) {
        let e = Embeddings::new(vocab, p).unwrap();
        let text = lines.join("\n");
        let pr = evaluate_word_pairs(&e, text.as_bytes(), PairOptions {
            restrict_vocab: restrict,
            ..Default::default()
        }).unwrap();
        for r in [pr.pearson, pr.spearman].into_iter().flatten() {
            prop_assert!((-1.0..=1.0).contains(&r), "{r}");
        }
        prop_assert!(!pr.oov_percent().is_nan());
        let opts = AnalogyOptions { restrict_vocab: restrict, ..Default::default() };
        if let Ok(ar) = evaluate_analogies(&e, text.as_bytes(), opts) {
            prop_assert!(!ar.accuracy().is_nan() && !ar.skipped_percent().is_nan());
        }
    }

    #[test]
    fn vocabularies_of_any_words_are_writable_or_refused(
        words in vec("(?s).{0,6}", 1..6),
        counts in vec(prop_oneof![Just(u64::MAX), 0u64..10], 6),
    ) {
        let entries: Vec<(String, u64)> =
            words.iter().cloned().zip(counts.iter().copied()).collect();
        let Ok(vocab) = Vocabulary::from_counts(entries) else {
            return Ok(());
        };
        // Whatever a vocabulary holds can be written and read back as it was.
        let v = vocab.len();
        let e = Embeddings::new(vocab, Array2::from_elem((v, 1), f32::MAX)).unwrap();
        for binary in [false, true] {
            let mut out = Vec::new();
            if binary {
                e.write_word2vec_binary(&mut out).unwrap();
            } else {
                e.write_word2vec_text(&mut out).unwrap();
            }
            let back = Embeddings::read_word2vec(&mut out.as_slice()).unwrap();
            prop_assert_eq!(back.vocab().words(), e.vocab().words());
        }
    }

    #[test]
    fn the_vocabulary_builder_takes_any_counts_and_limits(
        tokens in vec(("[a-c]{1,2}", prop_oneof![Just(u64::MAX), 0u64..5]), 0..12),
        min_count in prop_oneof![Just(u64::MAX), 0u64..4],
        max_final in extreme_usize(),
        max_size in extreme_usize(),
    ) {
        let mut b = Vocabulary::builder()
            .min_count(min_count)
            .max_final_vocab(max_final)
            .max_vocab_size(max_size);
        for (t, c) in &tokens {
            b.add_count(t, *c);
        }
        if let Ok(v) = b.build() {
            prop_assert!(v.len() <= max_final.max(1));
            prop_assert!(v.counts().iter().all(|&c| c >= min_count));
        }
    }
}
