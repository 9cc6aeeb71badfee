//! Embeddings in use: word2vec files (against gensim-written fixtures), nearest neighbours and
//! analogies (against brute force), and the evaluations (against hand computation).

use std::path::{Path, PathBuf};

use crate::common::{cosine, TempDir};
use ndarray::{array, Array1, Array2};
use rand::{rngs::StdRng, Rng, SeedableRng};
use skipgram::eval::{evaluate_analogies, evaluate_word_pairs, AnalogyOptions, PairOptions};
use skipgram::{AnalogyMethod, Embeddings, Error, ReadWord2Vec, Vocabulary, WriteWord2Vec};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gensim")
        .join(name)
}

/// tiny.expected.tsv: `word TAB v1 v2 v3 v4`, each value the exact f32 printed as a Python
/// float (so parsing as f64 and narrowing is exact).
fn expected_tiny() -> Vec<(String, Vec<f32>)> {
    std::fs::read_to_string(fixture("tiny.expected.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (w, vals) = l.split_once('\t').unwrap();
            let v = vals
                .split(' ')
                .map(|x| x.parse::<f64>().unwrap() as f32)
                .collect();
            (w.to_string(), v)
        })
        .collect()
}

fn assert_matches_expected(e: &Embeddings, expected: &[(String, Vec<f32>)]) {
    assert_eq!(e.len(), expected.len());
    assert_eq!(e.dim(), 4);
    for (i, (w, v)) in expected.iter().enumerate() {
        assert_eq!(e.vocab().word(i), Some(w.as_str()));
        assert_eq!(e.vocab().count(i), Some(1));
        let got: Vec<u32> = e
            .embedding(w)
            .unwrap()
            .iter()
            .map(|x| x.to_bits())
            .collect();
        let want: Vec<u32> = v.iter().map(|x| x.to_bits()).collect();
        assert_eq!(got, want, "{w}");
    }
}

#[test]
fn gensim_text_and_binary_fixtures_decode_exactly() {
    let expected = expected_tiny();
    assert_eq!(expected.len(), 10);
    let words: Vec<&str> = expected.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(
        words,
        ["the", "king", "queen", "café", "naïve", "über", "日本", "x", "🙂", "edge"]
    );
    let text = Embeddings::load_word2vec_text(fixture("tiny.txt")).unwrap();
    assert_matches_expected(&text, &expected);
    let bin = Embeddings::load_word2vec_binary(fixture("tiny.bin")).unwrap();
    assert_matches_expected(&bin, &expected);
    // The edge row: raw bit patterns, including −0.0 and bytes that are ' ' and '\n'.
    let edge: Vec<u32> = bin
        .embedding("edge")
        .unwrap()
        .iter()
        .map(|x| x.to_bits())
        .collect();
    assert_eq!(edge, [0x3F0A200A, 0x20202020, 0x80000000, 0x0A0A0A0A]);
    // gensim writes no newline after each binary vector: the file is exactly header +
    // words + spaces + 10·16 bytes of floats.
    let word_bytes: usize = words.iter().map(|w| w.len() + 1).sum();
    assert_eq!(
        std::fs::metadata(fixture("tiny.bin")).unwrap().len() as usize,
        "10 4\n".len() + word_bytes + 10 * 16
    );
}

#[test]
fn fixtures_round_trip_through_our_writers() {
    let dir = TempDir::new("fixture-rt");
    let e = Embeddings::load_word2vec_binary(fixture("tiny.bin")).unwrap();
    let (t, b) = (dir.dir().join("tiny.txt"), dir.dir().join("tiny.bin"));
    e.save_word2vec_text(&t).unwrap();
    e.save_word2vec_binary(&b).unwrap();
    let expected = expected_tiny();
    assert_matches_expected(&Embeddings::load_word2vec_text(&t).unwrap(), &expected);
    assert_matches_expected(&Embeddings::load_word2vec_binary(&b).unwrap(), &expected);
    // Our text header and first line, in gensim's layout (no trailing space).
    let text = std::fs::read_to_string(&t).unwrap();
    assert!(
        text.starts_with("10 4\nthe -0.327 -0.9743 0.4946 0.425\n"),
        "{text}"
    );
    assert!(text.contains("\nedge 0.5395514 1.3563156e-19 -0 6.6463464e-33\n"));
    // Atomic saves leave no temporary files behind.
    assert_eq!(dir.entries(), ["tiny.bin", "tiny.txt"]);
}

fn random_embeddings(words: &[String], n: usize, seed: u64) -> Embeddings {
    let mut rng = StdRng::seed_from_u64(seed);
    let v = Array2::from_shape_fn((words.len(), n), |_| rng.random_range(-1.0f32..1.0));
    Embeddings::new(Vocabulary::from_words(words.iter().cloned()).unwrap(), v).unwrap()
}

#[test]
fn text_and_binary_round_trip_non_ascii_words() {
    let words: Vec<String> = ["ÅngströM", "д", "αβγ", "中文字", "🦀rust", "ascii", "ß"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut e = random_embeddings(&words, 5, 11);
    // Add values that are hard to print: subnormal, tiny, huge, −0.
    let mut v = e.vectors().to_owned();
    v[[0, 0]] = f32::from_bits(1);
    v[[1, 1]] = -0.0;
    v[[2, 2]] = 3.0e38;
    v[[3, 3]] = 1.0e-20;
    e = Embeddings::new(e.vocab().clone(), v).unwrap();
    let dir = TempDir::new("rt");
    for binary in [false, true] {
        let path = dir.dir().join(if binary { "v.bin" } else { "v.txt" });
        let back = if binary {
            e.save_word2vec_binary(&path).unwrap();
            Embeddings::load_word2vec_binary(&path).unwrap()
        } else {
            e.save_word2vec_text(&path).unwrap();
            Embeddings::load_word2vec_text(&path).unwrap()
        };
        assert_eq!(back.vocab().words(), e.vocab().words());
        let bits = |e: &Embeddings| e.vectors().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&e), "binary = {binary}");
    }
    // In-memory writers and readers agree with the file ones.
    let mut buf = Vec::new();
    e.write_word2vec_binary(&mut buf).unwrap();
    assert_eq!(buf, std::fs::read(dir.dir().join("v.bin")).unwrap());
    let back = Embeddings::read_word2vec_binary(&mut buf.as_slice()).unwrap();
    assert_eq!(back.vectors(), e.vectors());
}

#[test]
fn binary_without_newlines_after_vectors() {
    // GoogleNews-style: word, space, N floats, next word directly.
    let mut data = b"3 2\n".to_vec();
    for (w, v) in [
        ("one", [1.0f32, 2.0]),
        ("zwei", [-3.5, 0.25]),
        ("三", [5.0, 6.0]),
    ] {
        data.extend_from_slice(w.as_bytes());
        data.push(b' ');
        for x in v {
            data.extend_from_slice(&x.to_le_bytes());
        }
    }
    let e = Embeddings::read_word2vec_binary(&mut data.as_slice()).unwrap();
    assert_eq!(e.vocab().words(), ["one", "zwei", "三"]);
    assert_eq!(e.vectors(), array![[1.0f32, 2.0], [-3.5, 0.25], [5.0, 6.0]]);
    // Cutting the last float short is Truncated, not a panic or a short vector.
    let cut = &data[..data.len() - 1];
    assert!(matches!(
        Embeddings::read_word2vec_binary(&mut &cut[..]),
        Err(Error::Truncated { .. })
    ));
}

/// All other words ranked by `score`, best first, as (word, score) in f64.
fn brute_force(e: &Embeddings, skip: &[&str], score: impl Fn(usize) -> f64) -> Vec<(String, f64)> {
    let mut all: Vec<(String, f64)> = (0..e.len())
        .map(|i| e.vocab().word(i).unwrap())
        .filter(|w| !skip.contains(w))
        .map(|w| (w.to_string(), score(e.vocab().index(w).unwrap())))
        .collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1));
    all
}

fn assert_same_ranking(got: &[(String, f32)], want: &[(String, f64)], k: usize, tol: f64) {
    assert_eq!(got.len(), k.min(want.len()));
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.0, w.0);
        assert!((g.1 as f64 - w.1).abs() < tol, "{} {} vs {}", g.0, g.1, w.1);
    }
}

#[test]
fn most_similar_and_analogies_match_brute_force() {
    let words: Vec<String> = (0..40).map(|i| format!("w{i}")).collect();
    let e = random_embeddings(&words, 8, 5);
    let vectors = e.vectors();
    let row = |i: usize| vectors.row(i);
    let cos = |i: usize, j: usize| cosine(row(i), row(j));
    let idx = |w: &str| e.vocab().index(w).unwrap();

    for (q, k) in [("w0", 5), ("w17", 10), ("w39", 60)] {
        let want = brute_force(&e, &[q], |x| cos(x, idx(q)));
        assert_same_ranking(&e.most_similar_word(q, k).unwrap(), &want, k, 1e-5);
    }
    let batch = e.most_similar_batch(&["w0", "w17", "w39"], 7).unwrap();
    for (q, got) in ["w0", "w17", "w39"].iter().zip(&batch) {
        let want = brute_force(&e, &[q], |x| cos(x, idx(q)));
        assert_same_ranking(got, &want, 7, 1e-5);
    }

    let queries = [("w1", "w2", "w3"), ("w10", "w4", "w33"), ("w5", "w5", "w6")];
    let add_batch = e.analogy_batch(&queries, 6, AnalogyMethod::CosAdd).unwrap();
    let mul_batch = e.analogy_batch(&queries, 6, AnalogyMethod::CosMul).unwrap();
    for (q, (add_b, mul_b)) in queries.iter().zip(add_batch.iter().zip(&mul_batch)) {
        let (a, b, c) = (idx(q.0), idx(q.1), idx(q.2));
        // 3CosAdd ranks by cos(x,b) − cos(x,a) + cos(x,c); the score is the cosine with the
        // unit vector of b̂ − â + ĉ.
        let unit = |i: usize| {
            let r = row(i).mapv(f64::from);
            &r / r.dot(&r).sqrt()
        };
        let t: Array1<f64> = unit(b) - unit(a) + unit(c);
        let t = &t / t.dot(&t).sqrt();
        let want = brute_force(&e, &[q.0, q.1, q.2], |x| cos(x, b) - cos(x, a) + cos(x, c));
        let got = e.analogy(q.0, q.1, q.2, 6, AnalogyMethod::CosAdd).unwrap();
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.0, w.0);
            let xv = unit(idx(&g.0));
            assert!((g.1 as f64 - xv.dot(&t)).abs() < 1e-5);
        }
        assert_eq!(got.len(), 6);
        assert_eq!(
            add_b.iter().map(|p| &p.0).collect::<Vec<_>>(),
            got.iter().map(|p| &p.0).collect::<Vec<_>>()
        );

        let shift = |c: f64| (c + 1.0) / 2.0;
        let want = brute_force(&e, &[q.0, q.1, q.2], |x| {
            shift(cos(x, b)) * shift(cos(x, c)) / (shift(cos(x, a)) + 1e-3)
        });
        let got = e.analogy(q.0, q.1, q.2, 6, AnalogyMethod::CosMul).unwrap();
        assert_same_ranking(&got, &want, 6, 1e-4);
        assert_same_ranking(mul_b, &want, 6, 1e-4);
    }
}

#[test]
fn cos_mul_by_hand() {
    // a : b :: c : ? with â = (1,0), b̂ = (0,1), ĉ = (−1,0). Candidates:
    //   y = (−1,1)/√2: cos to a, b, c = −s, s, s (s = 1/√2), shifted (1−s)/2, (1+s)/2, (1+s)/2
    //       → ((1+s)/2)² / ((1−s)/2 + 0.001) = 0.728553 / 0.147447 = 4.941134
    //   x = (1,1)/√2: s, s, −s → ((1+s)/2)((1−s)/2) / ((1+s)/2 + 0.001) = 0.125 / 0.854553
    //       = 0.146275
    //   z = (0,−1): 0, −1, 0 → 0 · 0.5 / 0.501 = 0
    let vocab = Vocabulary::from_words(["a", "b", "c", "x", "y", "z"]).unwrap();
    let v = array![
        [2.0f32, 0.0],
        [0.0, 3.0],
        [-1.0, 0.0],
        [1.0, 1.0],
        [-1.0, 1.0],
        [0.0, -1.0]
    ];
    let e = Embeddings::new(vocab, v).unwrap();
    let got = e.analogy("a", "b", "c", 10, AnalogyMethod::CosMul).unwrap();
    let names: Vec<&str> = got.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(names, ["y", "x", "z"]);
    assert!((got[0].1 - 4.941134).abs() < 1e-5, "{}", got[0].1);
    assert!((got[1].1 - 0.146275).abs() < 1e-5, "{}", got[1].1);
    assert!(got[2].1.abs() < 1e-6);
    // 3CosAdd: b̂ − â + ĉ = (−2, 1)/√5; cosines y = 3/√10, x = −1/√10, z = −1/√5.
    let add = e.analogy("a", "b", "c", 10, AnalogyMethod::CosAdd).unwrap();
    let want = [3.0 / 10f32.sqrt(), -1.0 / 10f32.sqrt(), -1.0 / 5f32.sqrt()];
    for ((w, s), (n, ws)) in add.iter().zip(["y", "x", "z"].iter().zip(want)) {
        assert_eq!(w, n);
        assert!((s - ws).abs() < 1e-6);
    }
}

#[test]
fn zero_vectors_never_give_nan() {
    let vocab = Vocabulary::from_words(["zero", "one", "two", "nil"]).unwrap();
    let v = array![
        [0.0f32, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 2.0, 0.0],
        [0.0, 0.0, 0.0]
    ];
    let e = Embeddings::new(vocab, v).unwrap();
    assert!(e.to_normalized().iter().all(|x| x.is_finite()));
    assert_eq!(e.to_normalized().row(0).sum(), 0.0);
    let near = e.most_similar_word("zero", 3).unwrap();
    assert!(near.iter().all(|(_, s)| *s == 0.0));
    let near = e.most_similar_word("one", 3).unwrap();
    assert!(near.iter().all(|(_, s)| s.is_finite()));
    let by_vec = e
        .most_similar_by_vector(Array1::zeros(3).view(), 4, &[] as &[&str])
        .unwrap();
    assert_eq!(by_vec.len(), 4);
    assert!(by_vec.iter().all(|(_, s)| *s == 0.0));
    for method in [AnalogyMethod::CosAdd, AnalogyMethod::CosMul] {
        // zero : nil :: one : ? — the offset b̂ − â + ĉ is just one's direction.
        for (a, b, c) in [
            ("zero", "nil", "one"),
            ("zero", "nil", "zero"),
            ("one", "one", "zero"),
        ] {
            let r = e.analogy(a, b, c, 4, method).unwrap();
            assert!(
                r.iter().all(|(_, s)| s.is_finite()),
                "{method:?} {a} {b} {c}: {r:?}"
            );
        }
        let r = e
            .analogy_batch(&[("one", "two", "zero")], 4, method)
            .unwrap();
        assert!(r[0].iter().all(|(_, s)| s.is_finite()));
    }
    let pairs = "zero\tone\t1\nzero\tnil\t2\none\ttwo\t3\n";
    let r = evaluate_word_pairs(&e, pairs.as_bytes(), PairOptions::default()).unwrap();
    assert_eq!(r.pairs_used, 3);
    // Model similarities are all 0: constant, so no correlation (and no NaN).
    assert_eq!(r.spearman, None);
    assert_eq!(r.pearson, None);
}

/// man, woman, king, queen, prince (restricted vocabulary of 5), then apple.
fn family() -> Embeddings {
    let vocab =
        Vocabulary::from_words(["man", "woman", "king", "queen", "prince", "apple"]).unwrap();
    let v = array![
        [1.0f32, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
        [-1.0, 1.0, 1.0], // exactly woman − man + king
        [1.0, 0.0, 1.0],
        [0.0, 0.0, -1.0],
    ];
    Embeddings::new(vocab, v).unwrap()
}

const QUESTIONS: &str = "\
: family
man woman king queen
Man WOMAN King Queen
man woman king prince
man woman king unicorn
: fruit
king queen man apple
";

#[test]
fn analogy_evaluation_with_known_answers() {
    let e = family();
    for method in [AnalogyMethod::CosAdd, AnalogyMethod::CosMul] {
        // restrict 5: "apple" is unknown, so the fruit question is skipped.
        let opts = AnalogyOptions {
            restrict_vocab: Some(5),
            case_insensitive: true,
            method,
        };
        let r = evaluate_analogies(&e, QUESTIONS.as_bytes(), opts).unwrap();
        let s: Vec<_> = r
            .sections
            .iter()
            .map(|s| (s.name.as_str(), s.correct, s.answered, s.skipped))
            .collect();
        assert_eq!(s, [("family", 2, 3, 1), ("fruit", 0, 0, 1)], "{method:?}");
        assert_eq!((r.correct, r.answered, r.skipped), (2, 3, 2));
        assert!((r.accuracy() - 2.0 / 3.0).abs() < 1e-12);
        assert!((r.sections[0].accuracy() - 2.0 / 3.0).abs() < 1e-12);
    }
    // All words: the fruit question is answered — queen − king + man points to
    // (0.42, 0.58, −0.42), nearer "woman" than "apple", so it is wrong.
    let opts = AnalogyOptions {
        restrict_vocab: None,
        ..Default::default()
    };
    let r = evaluate_analogies(&e, QUESTIONS.as_bytes(), opts).unwrap();
    assert_eq!((r.correct, r.answered, r.skipped), (2, 4, 1));
    assert_eq!(r.accuracy(), 0.5);
    // Case-sensitive: the capitalised question is unknown.
    let opts = AnalogyOptions {
        restrict_vocab: None,
        case_insensitive: false,
        ..Default::default()
    };
    let r = evaluate_analogies(&e, QUESTIONS.as_bytes(), opts).unwrap();
    assert_eq!((r.correct, r.answered, r.skipped), (1, 3, 2));
}

#[test]
fn word_pair_evaluation_with_a_tie() {
    // Unit vectors at known angles: cat 0°, kitten 30°, dog 90°, car 180°, feline 0°.
    let (s30, c30) = (0.5f32, 3f32.sqrt() / 2.0);
    let vocab = Vocabulary::from_words(["cat", "kitten", "dog", "car", "feline"]).unwrap();
    let v = array![
        [1.0f32, 0.0],
        [c30, s30],
        [0.0, 1.0],
        [-1.0, 0.0],
        [2.0, 0.0]
    ];
    let e = Embeddings::new(vocab, v).unwrap();
    let pairs = "\
# word1\tword2\tscore
CAT\tkitten\t8.0
cat\tdog\t5.0
cat\tcar\t1.0
kitten\tdog\t5.0
cat\tFeline\t9.0
cat\tunicorn\t3.0
";
    // Gold 8 5 1 5 9 → ranks 4 2.5 1 2.5 5 (the two 5s tie);
    // model cos 0.866 0 −1 0.5 1 → ranks 4 2 1 3 5.
    // Deviations from the mean rank 3: (1, −.5, −2, −.5, 2) and (1, −1, −2, 0, 2):
    // ρ = 9.5 / √(9.5 · 10) = √0.95.
    let r = evaluate_word_pairs(&e, pairs.as_bytes(), PairOptions::default()).unwrap();
    assert_eq!((r.pairs_used, r.pairs_oov), (5, 1));
    let rho = r.spearman.unwrap();
    assert!((rho - 0.95f64.sqrt()).abs() < 1e-9, "{rho}");
    // scipy.stats.pearsonr([8,5,1,5,9], [cos 30°, 0, −1, 0.5, 1]) = 0.9636390466493281.
    assert!((r.pearson.unwrap() - 0.963_639_046_649_328_1).abs() < 1e-6);
    assert!((r.oov_percent() - 100.0 / 6.0).abs() < 1e-12);
    // Case-sensitive: CAT and Feline are unknown.
    let opts = PairOptions {
        case_insensitive: false,
        ..Default::default()
    };
    let r = evaluate_word_pairs(&e, pairs.as_bytes(), opts).unwrap();
    assert_eq!((r.pairs_used, r.pairs_oov), (3, 3));
    // Restricted to the first 3 words: only cat–kitten and cat–dog and kitten–dog remain.
    let opts = PairOptions {
        restrict_vocab: Some(3),
        ..Default::default()
    };
    let r = evaluate_word_pairs(&e, pairs.as_bytes(), opts).unwrap();
    assert_eq!((r.pairs_used, r.pairs_oov), (3, 3));
    // Gold 8 5 5 → ranks 3 1.5 1.5; model .866 0 .5 → ranks 3 1 2: ρ = 1.5/√(1.5·2) = √0.75.
    assert!((r.spearman.unwrap() - 0.75f64.sqrt()).abs() < 1e-9);
}
