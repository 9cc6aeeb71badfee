//! fastText interoperability: n-grams and bucket ids equal the `fasttext` package's
//! `get_subwords`, vectors read from its `.bin` equal its `get_word_vector`, our `.bin`
//! round-trips, and bad `.bin` files are errors. Fixtures: scripts/make_fasttext_fixtures.py.

use skipgram::io::fasttext::FastTextModel;
use skipgram::subword::ngrams;
use skipgram::Error;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fasttext");

fn model() -> FastTextModel {
    FastTextModel::read(format!("{DIR}/tiny.bin")).unwrap()
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}")).unwrap()
}

#[test]
fn ngrams_and_ids_equal_fasttext_get_subwords() {
    let m = model();
    let cfg = m.ngram_config();
    assert_eq!((cfg.minn, cfg.maxn, cfg.bucket), (3, 6, 500));
    let v = m.words().len();
    // word -> [(ngram, id)] in fastText's order.
    let mut expected: Vec<(String, Vec<(String, usize)>)> = Vec::new();
    for line in fixture("subwords.tsv").lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let (w, g, id) = (f[0], f[1], f[2].parse::<usize>().unwrap());
        if expected.last().map(|e| e.0.as_str()) != Some(w) {
            expected.push((w.to_string(), Vec::new()));
        }
        expected.last_mut().unwrap().1.push((g.to_string(), id));
    }
    let words: Vec<&str> = expected.iter().map(|e| e.0.as_str()).collect();
    for w in ["日本語", "😀", "é", "x", "ab", "naïveté", "🙂👍"] {
        assert!(words.contains(&w), "fixture lacks {w}");
    }
    assert!(words.iter().any(|w| w.chars().count() == 60));
    for (w, grams) in &expected {
        let mut ours: Vec<(String, usize)> = Vec::new();
        if let Some(i) = m.word_index(w) {
            ours.push((w.clone(), i));
        }
        ours.extend(ngrams(w, &cfg).into_iter().map(|(g, id)| (g, v + id)));
        assert_eq!(&ours, grams, "n-grams of {w:?}");
        let rows: Vec<usize> = grams.iter().map(|g| g.1).collect();
        assert_eq!(m.subword_rows(w), rows, "rows of {w:?}");
    }
}

#[test]
fn vectors_equal_fasttext_get_word_vector() {
    let m = model();
    let (mut inv, mut oov) = (0, 0);
    for line in fixture("vectors.tsv").lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let want: Vec<f32> = f[2].split(' ').map(|x| x.parse().unwrap()).collect();
        assert_eq!(m.word_index(f[0]).is_some(), f[1] == "in", "{}", f[0]);
        if f[1] == "in" {
            inv += 1
        } else {
            oov += 1
        }
        let got = m.word_vector(f[0]);
        assert_eq!(got.len(), want.len());
        for (a, b) in got.iter().zip(&want) {
            assert!((a - b).abs() <= 1e-6, "{}: {a} vs {b}", f[0]);
        }
    }
    assert!(inv >= 5 && oov >= 5, "{inv} in, {oov} out of vocabulary");
    // "</s>" is not in this vocabulary and gets no n-grams: the zero vector, as fastText.
    assert!(m.word_vector("</s>").iter().all(|&x| x == 0.0));
}

#[test]
fn written_bin_is_byte_identical_and_round_trips() {
    let bytes = std::fs::read(format!("{DIR}/tiny.bin")).unwrap();
    let m = FastTextModel::from_bytes(&bytes).unwrap();
    assert_eq!(m.to_bytes().unwrap(), bytes);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.bin");
    m.write(&p).unwrap();
    assert_eq!(FastTextModel::read(&p).unwrap(), m);
    let e = m.to_embeddings().unwrap();
    assert_eq!(
        e.embedding("the").unwrap().to_vec(),
        m.word_vector("the").to_vec()
    );
}

#[test]
fn bad_bin_files_are_errors() {
    let bytes = std::fs::read(format!("{DIR}/tiny.bin")).unwrap();
    // Every truncation is an error, never a panic.
    for cut in (0..bytes.len())
        .step_by(997)
        .chain([bytes.len() - 1, 7, 63, 64, 90])
    {
        assert!(
            FastTextModel::from_bytes(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    // Wrong magic.
    let mut b = bytes.clone();
    b[0] ^= 1;
    assert!(matches!(
        FastTextModel::from_bytes(&b),
        Err(Error::Format { .. })
    ));
    // A huge dictionary size in the header: refused before allocating.
    let mut b = bytes.clone();
    b[64..68].copy_from_slice(&i32::MAX.to_le_bytes());
    b[68..72].copy_from_slice(&i32::MAX.to_le_bytes());
    assert!(matches!(
        FastTextModel::from_bytes(&b),
        Err(Error::Truncated { .. })
    ));
    // A huge bucket count: the input matrix's shape disagrees or cannot fit.
    let mut b = bytes.clone();
    b[40..44].copy_from_slice(&i32::MAX.to_le_bytes());
    assert!(FastTextModel::from_bytes(&b).is_err());
    // A quantised model is refused with a clear message.
    let m = FastTextModel::from_bytes(&bytes).unwrap();
    let dict_end = bytes.len() - 4 * (m.input().len() + m.output().len()) - 2 * 16 - 2;
    let mut b = bytes.clone();
    b[dict_end] = 1;
    match FastTextModel::from_bytes(&b) {
        Err(Error::Format { message, .. }) => assert!(message.contains("quantised"), "{message}"),
        other => panic!("expected a format error, got {other:?}"),
    }
}

mod subword_queries {
    use super::model;
    use skipgram::{Error, SubwordEmbeddings};

    fn cos(a: &[f32], b: &[f32]) -> f64 {
        let d: f64 = a
            .iter()
            .zip(b)
            .map(|(x, y)| f64::from(*x) * f64::from(*y))
            .sum();
        let n = |v: &[f32]| v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
        d / (n(a) * n(b))
    }

    #[test]
    fn unseen_words_get_their_ngram_vectors() {
        let m = model();
        let e = SubwordEmbeddings::new(m.clone()).unwrap();
        assert!(!e.embeddings().contains("unseenwordxyz"));
        let v = e.embedding("unseenwordxyz").unwrap();
        assert_eq!(v, m.word_vector("unseenwordxyz"));
        assert_eq!(e.embedding("the").unwrap(), m.word_vector("the"));
        let s = e.similarity("unseenwordxyz", "the").unwrap();
        let want = cos(
            v.as_slice().unwrap(),
            m.word_vector("the").as_slice().unwrap(),
        );
        assert!((f64::from(s) - want).abs() < 1e-6);
        // The neighbours of an unseen word are vocabulary words, best first.
        let r = e.most_similar(&["unseenwordxyz"], &[], 5).unwrap();
        assert_eq!(r.len(), 5);
        assert!(r.windows(2).all(|w| w[0].1 >= w[1].1));
        let by_vec = e
            .embeddings()
            .most_similar_by_vector(v.view(), 5, &[] as &[&str])
            .unwrap();
        assert_eq!(r, by_vec);
        // A vocabulary query word is never its own answer.
        let r = e.most_similar(&["the", "walkingz"], &["of"], 10).unwrap();
        assert!(r.iter().all(|(w, _)| w != "the" && w != "of"));
        assert_eq!(e.analogy("of", "the", "walkingz", 3).unwrap().len(), 3);
        let odd = e
            .doesnt_match(&["the", "unseenwordxyz", "of", "a"])
            .unwrap();
        assert!(["the", "unseenwordxyz", "of", "a"].contains(&odd.as_str()));
    }

    #[test]
    fn words_without_ngrams_are_unknown() {
        let e = SubwordEmbeddings::new(model()).unwrap();
        // "</s>" is not in this vocabulary and never has n-grams: fastText gives it the
        // zero vector; queries here name it as unknown.
        assert!(!e.has_vector("</s>"));
        match e.similarity("the", "</s>") {
            Err(Error::UnknownWords(w)) => assert_eq!(w, ["</s>"]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            e.most_similar(&[], &[], 3),
            Err(Error::EmptyQuery { .. })
        ));
        let r = e.evaluate_word_pairs(
            "the\tof\t5\nthe\tunseenwordxyz\t1\na\tqqqq\t2\nthe\t</s>\t3\nheader\tline\tx\n",
        );
        assert_eq!((r.pairs_used, r.pairs_oov, r.invalid_lines), (3, 1, 1));
    }
}
