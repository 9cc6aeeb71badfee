//! Property tests (proptest): softmax, the vocabulary's index ↔ word maps, one-hot
//! projection, and write → read round trips of word2vec files and checkpoints, on random
//! inputs.

use std::collections::HashMap;

use ndarray::{Array1, Array2};
use proptest::collection::{hash_set, vec};
use proptest::num::f32 as f32s;
use proptest::prelude::*;
use skipgram::{
    Checkpoint, Embeddings, NsDirection, Objective, OneHot, ReadWord2Vec, SkipGramModel, Softmax,
    TrainConfig, Vocabulary, WriteWord2Vec,
};

/// Every finite f32: normal, subnormal and zero, both signs.
fn finite_f32() -> impl Strategy<Value = f32> {
    f32s::POSITIVE | f32s::NEGATIVE | f32s::NORMAL | f32s::SUBNORMAL | f32s::ZERO
}

/// Scores from a few orders of magnitude up to ±1e30, with the extremes themselves.
fn score() -> impl Strategy<Value = f32> {
    prop_oneof![
        -10.0f32..10.0,
        -1e4f32..1e4,
        -1e30f32..1e30,
        Just(1e30f32),
        Just(-1e30f32),
        Just(0.0f32),
    ]
}

/// A word as the word2vec formats can hold it: any characters except ASCII whitespace
/// (so non-ASCII letters, emoji, control characters, U+00A0 and other Unicode spaces).
fn word() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => proptest::char::range('a', 'z'),
        2 => any::<char>(),
        1 => prop::sample::select(vec!['é', 'ß', '日', '🙂', '\u{a0}', '\u{2003}', '\u{b}']),
    ]
    .prop_filter("no ASCII whitespace", |c| !c.is_ascii_whitespace());
    vec(ch, 1..8).prop_map(|cs| cs.into_iter().collect())
}

/// V unique words and a V×N matrix of finite values.
fn embeddings() -> impl Strategy<Value = (Vec<String>, Array2<f32>)> {
    (hash_set(word(), 1..12), 1usize..6).prop_flat_map(|(words, n)| {
        let words: Vec<String> = words.into_iter().collect();
        let v = words.len();
        (Just(words), vec(finite_f32(), v * n)).prop_map(move |(w, data)| {
            let m = Array2::from_shape_vec((w.len(), n), data).unwrap();
            (w, m)
        })
    })
}

fn bits<'a>(xs: impl IntoIterator<Item = &'a f32>) -> Vec<u32> {
    xs.into_iter().map(|x| x.to_bits()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn softmax_is_a_finite_distribution(u in vec(score(), 1..40)) {
        let u = Array1::from(u);
        let p = Softmax::probabilities(u.view()).unwrap();
        prop_assert!(p.iter().all(|x| x.is_finite() && (0.0..=1.0).contains(x)), "{p}");
        let sum: f64 = p.iter().map(|&x| f64::from(x)).sum();
        prop_assert!((sum - 1.0).abs() < 1e-5, "sum {sum}");
        // The largest score gets the largest probability.
        let top = u.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        prop_assert!(p.iter().all(|&x| x <= p[top]));
        let lp = Softmax::log_probabilities(u.view()).unwrap();
        prop_assert!(lp.iter().all(|x| x.is_finite() && *x <= 1e-6), "{lp}");
        for (l, q) in lp.iter().zip(&p) {
            if *q > 1e-30 {
                prop_assert!((l - q.ln()).abs() < 1e-4 * (1.0 + l.abs()), "{l} vs ln {q}");
            }
        }
        for t in 0..u.len() {
            let ce = Softmax::cross_entropy(u.view(), t).unwrap();
            prop_assert!(ce.is_finite() && ce >= -1e-6, "cross-entropy {ce}");
        }
    }

    #[test]
    fn softmax_ignores_a_constant_shift(u in vec(-20.0f32..20.0, 1..40), c in -100.0f32..100.0) {
        let u = Array1::from(u);
        let p = Softmax::probabilities(u.view()).unwrap();
        let q = Softmax::probabilities(u.mapv(|x| x + c).view()).unwrap();
        for (a, b) in p.iter().zip(&q) {
            prop_assert!((a - b).abs() <= 1e-4 * a.max(*b) + 1e-7, "{a} vs {b} (shift {c})");
        }
    }

    #[test]
    fn from_words_index_and_word_are_inverse(words in hash_set(word(), 1..60)) {
        let words: Vec<String> = words.into_iter().collect();
        let v = Vocabulary::from_words(words.iter().cloned()).unwrap();
        prop_assert_eq!(v.len(), words.len());
        prop_assert_eq!(v.words(), &words[..]);
        for (i, w) in words.iter().enumerate() {
            prop_assert_eq!(v.index(w), Some(i));
            prop_assert_eq!(v.word(i), Some(w.as_str()));
            prop_assert_eq!(v.count(i), Some(1));
        }
        prop_assert_eq!(v.word(words.len()), None);
        // A duplicate anywhere is refused.
        let mut dup = words.clone();
        dup.push(words[words.len() / 2].clone());
        prop_assert!(Vocabulary::from_words(dup).is_err());
    }

    #[test]
    fn from_tokens_counts_sorts_and_inverts(
        tokens in vec(prop_oneof![3 => "[a-e]", 1 => word()], 1..200),
        min_count in 1u64..4,
    ) {
        let mut counts: HashMap<&str, u64> = HashMap::new();
        for t in &tokens {
            *counts.entry(t.as_str()).or_default() += 1;
        }
        let kept = counts.values().filter(|&&c| c >= min_count).count();
        let v = match Vocabulary::from_tokens(&tokens, min_count) {
            Ok(v) => v,
            Err(skipgram::Error::EmptyVocabulary { types, .. }) => {
                prop_assert_eq!(kept, 0);
                prop_assert_eq!(types, counts.len());
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        };
        prop_assert_eq!(v.len(), kept);
        for i in 0..v.len() {
            let w = v.word(i).unwrap();
            prop_assert_eq!(v.index(w), Some(i));
            prop_assert_eq!(v.count(i), Some(counts[w]));
            if i > 0 {
                // Descending count, ties in byte order.
                let (pc, pw) = (v.count(i - 1).unwrap(), v.word(i - 1).unwrap());
                prop_assert!(pc > counts[w] || (pc == counts[w] && pw < w));
            }
        }
        if min_count == 1 {
            prop_assert_eq!(v.total_count(), tokens.len() as u64);
        }
    }

    #[test]
    fn one_hot_times_p_is_the_row((p, i) in (1usize..20, 1usize..8).prop_flat_map(|(v, n)| {
        (vec(finite_f32(), v * n).prop_map(move |d| Array2::from_shape_vec((v, n), d).unwrap()),
         0..v)
    })) {
        let oh = OneHot::new(i, p.nrows()).unwrap();
        let dense = oh.to_dense().unwrap();
        prop_assert_eq!(dense.sum(), 1.0);
        prop_assert_eq!(dense.dot(&p), p.row(i));
        prop_assert_eq!(oh.project(p.view()).unwrap(), p.row(i));
        prop_assert!(OneHot::new(p.nrows(), p.nrows()).is_err());
    }

    #[test]
    fn word2vec_text_and_binary_round_trip_bit_for_bit((words, m) in embeddings()) {
        let e = Embeddings::new(Vocabulary::from_words(words.clone()).unwrap(), m).unwrap();
        let mut text = Vec::new();
        e.write_word2vec_text(&mut text).unwrap();
        let t = Embeddings::read_word2vec_text(&mut text.as_slice()).unwrap();
        prop_assert_eq!(t.vocab().words(), &words[..]);
        prop_assert_eq!(bits(t.vectors()), bits(e.vectors()));
        let mut bin = Vec::new();
        e.write_word2vec_binary(&mut bin).unwrap();
        let b = Embeddings::read_word2vec_binary(&mut bin.as_slice()).unwrap();
        prop_assert_eq!(b.vocab().words(), &words[..]);
        prop_assert_eq!(bits(b.vectors()), bits(e.vectors()));
        // The binary body is exactly the words, spaces, floats and newlines.
        let body: usize = words.iter().map(|w| w.len() + 2 + 4 * e.dim()).sum();
        prop_assert_eq!(bin.len(), format!("{} {}\n", e.len(), e.dim()).len() + body);
    }

    #[test]
    fn checkpoint_round_trips(
        (words, p) in embeddings(),
        counts in vec(0u64..1 << 40, 12),
        pp_seed in any::<u32>(),
        cfg in (1usize..10, 0u8..3, 1usize..10, -2.0f64..2.0, 0.0f64..1e-2, 1u64..10,
                any::<bool>()),
        cfg2 in (proptest::option::of(1usize..100_000), 1usize..10, 1e-6f32..1.0, 0.0f32..=1.0,
                 1usize..16, any::<u64>(), 1usize..2000),
    ) {
        let v = words.len();
        let n = p.ncols();
        let vocab = Vocabulary::from_counts(words.iter().cloned().zip(counts)).unwrap();
        // p' (N×V): a shuffled copy of p's values, so it differs from p.
        let mut k = pp_seed as usize;
        let p_prime = Array2::from_shape_fn((n, v), |(a, b)| {
            k = k.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            p[[(b + k) % v, (a + (k >> 7)) % n]]
        });
        let model = SkipGramModel::from_weights(vocab.clone(), p.clone(), p_prime.clone()).unwrap();
        let config = TrainConfig {
            dim: n,
            window: cfg.0,
            objective: [Objective::Softmax, Objective::NegativeSampling,
                        Objective::HierarchicalSoftmax][cfg.1 as usize],
            negative: cfg.2,
            ns_direction: if cfg.6 {
                NsDirection::CenterPredictsContext
            } else {
                NsDirection::ContextPredictsCenter
            },
            ns_exponent: Some(cfg.3),
            sample: cfg.4,
            vocab: skipgram::VocabConfig { min_count: cfg.5, max_final_vocab: cfg2.0, max_vocab_size: None },
            encoded_corpus_memory: 1 << 20,
            epochs: cfg2.1,
            alpha: cfg2.2,
            min_alpha_fraction: cfg2.3,
            threads: cfg2.4,
            seed: cfg2.5,
            max_sentence_len: cfg2.6,
            deterministic: false,
            // Checkpoints hold word-level models: the n-gram settings come back as the
            // defaults.
            minn: 3,
            maxn: 0,
            bucket: 2_000_000,
        };
        let mut bytes = Vec::new();
        Checkpoint::write_to(&model, &config, &mut bytes).unwrap();
        let back = Checkpoint::read_from(&mut bytes.as_slice()).unwrap();
        prop_assert_eq!(back.1, config);
        prop_assert_eq!(back.0.vocab(), &vocab);
        prop_assert_eq!(back.0.epochs_trained(), 0);
        prop_assert_eq!(bits(back.0.input_weights()), bits(p.iter()));
        prop_assert_eq!(bits(back.0.output_weights()), bits(p_prime.iter()));
        prop_assert!(back.0.hs_node_vectors().is_none());
        // Writing it again gives the same bytes.
        let mut again = Vec::new();
        Checkpoint::write_to(&back.0, &back.1, &mut again).unwrap();
        prop_assert_eq!(again, bytes);
    }
}
