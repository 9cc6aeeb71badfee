//! Evaluation against gensim 4.4.0: `evaluate_word_pairs` and `evaluate_word_analogies` on
//! tests/fixtures/gensim/eval.txt with the bundled data/eval files and pairs.tsv; the
//! expected numbers are in eval.expected.tsv (scripts/make_gensim_query_fixtures.py).

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use skipgram::eval::{
    evaluate_analogies, evaluate_google_analogies, evaluate_word_pairs, evaluate_wordsim353,
    google_analogies, wordsim353, AnalogyOptions, PairOptions, PairReport,
};
use skipgram::{AnalogyMethod, Embeddings};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gensim")
        .join(name)
}

fn embeddings() -> Embeddings {
    Embeddings::load_word2vec_text(fixture("eval.txt")).unwrap()
}

/// The lines of eval.expected.tsv starting with `kind`, split at tabs.
fn expected(kind: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(fixture("eval.expected.tsv"))
        .unwrap()
        .lines()
        .filter(|l| l.split('\t').next() == Some(kind))
        .map(|l| l.split('\t').map(String::from).collect())
        .collect()
}

fn pairs_file(emb: &Embeddings, opts: PairOptions) -> PairReport {
    let f = BufReader::new(File::open(fixture("pairs.tsv")).unwrap());
    evaluate_word_pairs(emb, f, opts).unwrap()
}

#[test]
fn word_pairs_match_gensim() {
    let emb = embeddings();
    let rows = expected("pairs");
    assert_eq!(rows.len(), 6);
    for row in rows {
        let opts = PairOptions {
            restrict_vocab: Some(row[2].parse().unwrap()),
            case_insensitive: row[3] == "1",
        };
        let r = match row[1].as_str() {
            "wordsim353" => evaluate_wordsim353(&emb, opts).unwrap(),
            "pairs.tsv" => pairs_file(&emb, opts),
            other => panic!("{other}"),
        };
        let num = |i: usize| row[i].parse::<f64>().unwrap();
        // gensim's cosines are f32; ours f64: the correlations agree to ~1e-7.
        assert!((r.pearson.unwrap() - num(4)).abs() < 1e-6, "{row:?}: {r:?}");
        assert!(
            (r.spearman.unwrap() - num(5)).abs() < 1e-6,
            "{row:?}: {r:?}"
        );
        assert!((r.oov_percent() - num(6)).abs() < 1e-9, "{row:?}: {r:?}");
        match row[1].as_str() {
            "wordsim353" => {
                assert_eq!(r.pairs_used + r.pairs_oov, 353);
                assert_eq!(r.invalid_lines, 0);
            }
            _ => {
                // The uncommented header and "this line<TAB>is<TAB>not a pair" are skipped
                // and counted, as gensim skips them; 8 pairs remain.
                assert_eq!(r.invalid_lines, 2);
                assert_eq!(r.pairs_used + r.pairs_oov, 8);
            }
        }
    }
}

#[test]
fn space_separated_pairs_read_like_tab_separated() {
    let emb = embeddings();
    let text = std::fs::read_to_string(fixture("pairs.tsv")).unwrap();
    // Replace the tabs by runs of spaces wherever no word holds a space.
    let spaced: String = text
        .lines()
        .map(|l| {
            if l.split('\t').any(|f| f.contains(' ')) {
                l.to_string()
            } else {
                l.replace('\t', "   ")
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(spaced, text);
    for ci in [true, false] {
        let opts = PairOptions {
            case_insensitive: ci,
            ..Default::default()
        };
        let tabs = pairs_file(&emb, opts);
        let spaces = evaluate_word_pairs(&emb, spaced.as_bytes(), opts).unwrap();
        assert_eq!(tabs, spaces);
    }
}

#[test]
fn google_analogies_match_gensim() {
    let emb = embeddings();
    let rows = expected("analogies");
    let mut groups: Vec<(usize, bool)> = rows
        .iter()
        .map(|r| (r[2].parse().unwrap(), r[3] == "1"))
        .collect();
    groups.dedup();
    assert_eq!(groups.len(), 3);
    for (restrict, ci) in groups {
        let opts = AnalogyOptions {
            restrict_vocab: Some(restrict),
            case_insensitive: ci,
            method: AnalogyMethod::CosAdd,
        };
        let r = evaluate_google_analogies(&emb, opts).unwrap();
        let want: Vec<&Vec<String>> = rows
            .iter()
            .filter(|row| row[2] == restrict.to_string() && (row[3] == "1") == ci)
            .collect();
        // gensim's sections, then its "Total accuracy".
        assert_eq!(want.len(), r.sections.len() + 1);
        let counts = |row: &Vec<String>| -> (usize, usize) {
            let c: usize = row[5].parse().unwrap();
            (c, c + row[6].parse::<usize>().unwrap())
        };
        for (s, row) in r.sections.iter().zip(&want) {
            assert_eq!(s.name, row[4]);
            assert_eq!(
                (s.correct, s.answered),
                counts(row),
                "{restrict} {ci} {row:?}"
            );
        }
        let total = want.last().unwrap();
        assert_eq!(total[4], "Total accuracy");
        assert_eq!((r.correct, r.answered), counts(total));
        assert_eq!(r.answered + r.skipped, 19_544);
        assert_eq!(r.invalid_lines, 0);
    }
}

#[test]
fn bundled_sets_are_complete() {
    let q = google_analogies();
    assert_eq!(q.len(), 603_955);
    let sections: Vec<&str> = q.lines().filter(|l| l.starts_with(": ")).collect();
    assert_eq!(sections.len(), 14);
    assert_eq!(sections[0], ": capital-common-countries");
    assert_eq!(sections[13], ": gram9-plural-verbs");
    let questions = q.lines().filter(|l| !l.starts_with(':')).count();
    assert_eq!(questions, 19_544);
    assert!(q
        .lines()
        .filter(|l| !l.starts_with(':'))
        .all(|l| l.split(' ').count() == 4));
    // The same text through the file reader.
    let emb = embeddings();
    let opts = AnalogyOptions::default();
    assert_eq!(
        evaluate_google_analogies(&emb, opts).unwrap(),
        evaluate_analogies(&emb, q.as_bytes(), opts).unwrap()
    );

    let w = wordsim353();
    assert_eq!(w.len(), 7_186);
    let pairs: Vec<&str> = w.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(pairs.len(), 353);
    assert!(pairs.iter().all(|l| {
        let f: Vec<&str> = l.split('\t').collect();
        f.len() == 3 && f[2].parse::<f64>().is_ok_and(|s| (0.0..=10.0).contains(&s))
    }));
    assert_eq!(pairs[0], "love\tsex\t6.77");
}

/// The bundled files are byte-identical to the shared copies (run with `--ignored` where the
/// shared data folder exists; see `common::shared_data`).
#[test]
#[ignore = "reads the shared data folder (SKIPGRAM_DATA or ../shared/data)"]
fn bundled_sets_equal_the_shared_copies() {
    let Some(data) = crate::common::shared_data() else {
        return;
    };
    let dir = data.join("eval");
    let q = std::fs::read_to_string(dir.join("questions-words.txt")).unwrap();
    let w = std::fs::read_to_string(dir.join("wordsim353.tsv")).unwrap();
    assert_eq!(q, google_analogies());
    assert_eq!(w, wordsim353());
}
