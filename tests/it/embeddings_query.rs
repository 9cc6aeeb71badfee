//! `Embeddings` queries against gensim 4.4.0's answers on the same vectors:
//! tests/fixtures/gensim/{tiny,query}.queries.tsv, written by
//! scripts/make_gensim_query_fixtures.py (see the README there for the format).

use std::path::PathBuf;

use ndarray::Array1;
use skipgram::{AnalogyMethod, Embeddings, Error, SimilarityOptions};

const FIXTURES: [&str; 2] = ["tiny", "query"];

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gensim")
        .join(name)
}

#[derive(Debug)]
struct Case {
    at: String,
    kind: String,
    positive: Vec<String>,
    negative: Vec<String>,
    topn: Option<usize>,
    restrict: Option<usize>,
    result: String,
}

impl Case {
    fn pos(&self) -> Vec<&str> {
        self.positive.iter().map(String::as_str).collect()
    }
    fn neg(&self) -> Vec<&str> {
        self.negative.iter().map(String::as_str).collect()
    }
    fn pairs(&self) -> Vec<(String, f64)> {
        self.result
            .split(' ')
            .map(|p| {
                let (w, s) = p.rsplit_once('=').expect("word=score");
                (w.to_string(), s.parse().expect("a score"))
            })
            .collect()
    }
}

/// The embeddings of `<name>.txt` and the queries of `<name>.queries.tsv` of kind `kind`.
fn cases(name: &str, kind: &str) -> (Embeddings, Vec<Case>) {
    let emb = Embeddings::load_word2vec_text(fixture(&format!("{name}.txt"))).unwrap();
    let file = format!("{name}.queries.tsv");
    let text = std::fs::read_to_string(fixture(&file)).unwrap();
    let words = |s: &str| -> Vec<String> { s.split_whitespace().map(String::from).collect() };
    let num = |s: &str| (s != "-").then(|| s.parse::<usize>().unwrap());
    let cases = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#'))
        .map(|(i, l)| {
            let c: Vec<&str> = l.split('\t').collect();
            assert_eq!(c.len(), 6, "{file}:{}", i + 1);
            Case {
                at: format!("{file}:{}", i + 1),
                kind: c[0].to_string(),
                positive: words(c[1]),
                negative: words(c[2]),
                topn: num(c[3]),
                restrict: num(c[4]),
                result: c[5].to_string(),
            }
        })
        .filter(|c| c.kind == kind)
        .collect();
    (emb, cases)
}

/// Same words in the same order; scores within 1e-5 (relative above 1: 3CosMul ratios).
fn assert_pairs(got: &[(String, f32)], want: &[(String, f64)], at: &str) {
    let names = |v: &[(String, f32)]| v.iter().map(|p| p.0.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(got),
        want.iter().map(|p| p.0.clone()).collect::<Vec<_>>(),
        "{at}"
    );
    for (g, w) in got.iter().zip(want) {
        let tol = 1e-5 * w.1.abs().max(1.0);
        assert!((f64::from(g.1) - w.1).abs() <= tol, "{at}: {g:?} vs {w:?}");
    }
}

/// Runs `check` on every case of `kind` in both fixtures; returns how many there were.
fn each(kind: &str, mut check: impl FnMut(&Embeddings, &Case)) -> usize {
    let mut n = 0;
    for name in FIXTURES {
        let (emb, cases) = cases(name, kind);
        for c in &cases {
            check(&emb, c);
        }
        n += cases.len();
    }
    n
}

#[test]
fn similarity_matches_gensim() {
    let n = each("similarity", |e, c| {
        let want: f64 = c.result.parse().unwrap();
        let got = e.similarity(&c.positive[0], &c.positive[1]).unwrap();
        assert!(
            (f64::from(got) - want).abs() < 1e-6,
            "{}: {got} vs {want}",
            c.at
        );
        // Symmetric, and the same as the cosine from the unit vectors.
        assert_eq!(got, e.similarity(&c.positive[1], &c.positive[0]).unwrap());
    });
    assert_eq!(n, 9);
}

#[test]
fn most_similar_matches_gensim() {
    let mut analogies = 0;
    let n = each("most_similar", |e, c| {
        let want = c.pairs();
        let k = c.topn.unwrap();
        let opts = match c.restrict {
            Some(r) => SimilarityOptions::new().restrict_vocab(r),
            None => SimilarityOptions::new(),
        };
        let got = e.most_similar_with(&c.pos(), &c.neg(), k, &opts).unwrap();
        assert_pairs(&got, &want, &c.at);
        if c.restrict.is_none() {
            assert_pairs(
                &e.most_similar(&c.pos(), &c.neg(), k).unwrap(),
                &want,
                &c.at,
            );
        }
        // Positive [b, c], negative [a] is the analogy a : b :: c : ?.
        if let ([b, cc], [a], None) = (&c.pos()[..], &c.neg()[..], c.restrict) {
            let got = e.analogy(a, b, cc, k, AnalogyMethod::CosAdd).unwrap();
            assert_pairs(&got, &want, &c.at);
            let batch = e
                .analogy_batch(&[(a, b, cc)], k, AnalogyMethod::CosAdd)
                .unwrap();
            assert_pairs(&batch[0], &want, &c.at);
            analogies += 1;
        }
        // One positive word is the plain neighbour query.
        if let ([w], [], None) = (&c.pos()[..], &c.neg()[..], c.restrict) {
            assert_pairs(&e.most_similar_word(w, k).unwrap(), &want, &c.at);
            assert_pairs(&e.most_similar_batch(&[w], k).unwrap()[0], &want, &c.at);
        }
    });
    assert_eq!((n, analogies), (14, 4));
}

#[test]
fn most_similar_cosmul_matches_gensim() {
    let mut analogies = 0;
    let n = each("most_similar_cosmul", |e, c| {
        let mut opts = SimilarityOptions::new()
            .method(AnalogyMethod::CosMul)
            .cosmul_epsilon(AnalogyMethod::GENSIM_COSMUL_EPSILON);
        if let Some(r) = c.restrict {
            opts = opts.restrict_vocab(r);
        }
        let got = e
            .most_similar_with(&c.pos(), &c.neg(), c.topn.unwrap(), &opts)
            .unwrap();
        assert_pairs(&got, &c.pairs(), &c.at);
        if let ([_, _], [_]) = (&c.pos()[..], &c.neg()[..]) {
            analogies += 1;
        }
    });
    assert_eq!((n, analogies), (8, 5));
}

#[test]
fn cosmul_epsilon_is_ours_by_default() {
    // With ε = 10⁻³ the ratio is Π₊cos′ / (Π₋cos′ + 10⁻³): recompute it from gensim's
    // ε = 10⁻⁶ answer for the top word (same numerator, and Π₋cos′ from the ratio).
    let (e, cases) = cases("query", "most_similar_cosmul");
    let c = &cases[0];
    assert_eq!((c.pos(), c.neg()), (vec!["woman", "king"], vec!["man"]));
    let best = &c.pairs()[0];
    let ours = e
        .analogy("man", "woman", "king", 10, AnalogyMethod::CosMul)
        .unwrap();
    let got = ours.iter().find(|p| p.0 == best.0).unwrap().1;
    let shifted = |a: &str, b: &str| (f64::from(e.similarity(a, b).unwrap()) + 1.0) / 2.0;
    let num = shifted(&best.0, "woman") * shifted(&best.0, "king");
    let den = shifted(&best.0, "man");
    assert!((num / (den + 1e-6) - best.1).abs() < 1e-5 * best.1);
    assert!((f64::from(got) - num / (den + 1e-3)).abs() < 1e-5 * best.1);
    assert!(f64::from(got) < best.1);
}

#[test]
fn doesnt_match_matches_gensim() {
    let n = each("doesnt_match", |e, c| {
        assert_eq!(e.doesnt_match(&c.pos()).unwrap(), c.result, "{}", c.at);
        // The order of the words does not matter.
        let mut rev = c.pos();
        rev.reverse();
        assert_eq!(e.doesnt_match(&rev).unwrap(), c.result, "{}", c.at);
    });
    assert_eq!(n, 6);
}

#[test]
fn similar_by_vector_matches_gensim() {
    let n = each("similar_by_vector", |e, c| {
        let v: Array1<f32> = c.positive.iter().map(|x| x.parse().unwrap()).collect();
        let got = e
            .most_similar_by_vector(v.view(), c.topn.unwrap(), &[] as &[&str])
            .unwrap();
        assert_pairs(&got, &c.pairs(), &c.at);
        // Scaling the query vector changes nothing.
        let got2 = e
            .most_similar_by_vector((&v * 7.5).view(), c.topn.unwrap(), &[] as &[&str])
            .unwrap();
        assert_pairs(&got2, &c.pairs(), &c.at);
    });
    assert_eq!(n, 2);
}

#[test]
fn lookups_and_errors() {
    let e = Embeddings::load_word2vec_text(fixture("tiny.txt")).unwrap();
    assert!(e.contains("日本") && !e.contains("日"));
    assert_eq!(e.get("x").unwrap(), ndarray::array![1.0f32, -1.0, 0.0, 0.5]);
    assert_eq!(e.get("x").unwrap(), e.embedding("x").unwrap());
    assert!(e.get("y").is_none());
    let unit = e.normalized_embedding("x").unwrap();
    assert!((unit.dot(&unit) - 1.0).abs() < 1e-6);
    assert!((e.norms()[7] - 1.5).abs() < 1e-7);
    assert!(matches!(
        e.most_similar(&[] as &[&str], &[], 3),
        Err(Error::EmptyQuery { .. })
    ));
    assert!(matches!(
        e.doesnt_match(&["x", "nope", "y"]),
        Err(Error::UnknownWords(w)) if w == ["nope", "y"]
    ));
    assert!(matches!(
        e.similarity("x", "nope"),
        Err(Error::UnknownWords(w)) if w == ["nope"]
    ));
    assert_eq!(e.most_similar(&["x"], &[], 0).unwrap(), vec![]);
}
