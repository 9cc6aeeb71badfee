//! Phrase detection: hand-computed counts and scores, gensim 4.4.0's phrases on a fixture
//! corpus, multi-pass, streaming, persistence.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::TempDir;
use skipgram::phrases::{
    FrozenPhrases, PhraseModel, Phrases, PhrasesConfig, Scoring, ENGLISH_CONNECTOR_WORDS,
};
use skipgram::{Corpus, Error};

const TINY: &str = "new york is big\nnew york is old\ni love new york\nyork is a city\n";

fn sentences(text: &str) -> impl Iterator<Item = std::str::SplitWhitespace<'_>> {
    text.lines().map(str::split_whitespace)
}

fn tiny_config(scoring: Scoring, connectors: &[&str]) -> PhrasesConfig {
    PhrasesConfig {
        min_count: 2,
        threshold: match scoring {
            Scoring::Npmi => 0.5,
            _ => 1.0,
        },
        scoring,
        connector_words: connectors.iter().map(|s| s.to_string()).collect(),
        ..PhrasesConfig::gensim()
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

#[test]
fn counts_and_scores_match_hand_computed_values() {
    let p = Phrases::learn(tiny_config(Scoring::GensimDefault, &[]), sentences(TINY)).unwrap();
    // 16 tokens; unigrams new 3, york 4, is 3, big old i love a city 1 each (9 types);
    // bigrams new_york 3, york_is 3, is_big is_old i_love love_new is_a a_city 1 each (8).
    assert_eq!(p.total_words(), 16);
    assert_eq!(p.len_vocab(), 17);
    assert_eq!((p.count("new"), p.count("york"), p.count("is")), (3, 4, 3));
    assert_eq!(p.phrase_count(&["new", "york"]), 3);
    assert_eq!(p.phrase_count(&["york", "is"]), 3);
    assert_eq!(
        p.phrase_count(&["york", "new"]),
        0,
        "no bigram across lines"
    );
    // gensim: (ab − min_count) / (a·b) · len(vocab)
    assert_eq!(p.score(&["new", "york"]), Some((3.0 - 2.0) / 12.0 * 17.0));
    assert_eq!(p.score(&["is", "big"]), Some((1.0 - 2.0) / 3.0 * 17.0));
    assert_eq!(p.score(&["york", "new"]), None);
    assert_eq!(
        p.apply_sentence("new york is big".split(' ')),
        ["new_york", "is", "big"]
    );
    assert_eq!(
        p.apply_sentence("york is a city".split(' ')),
        ["york_is", "a", "city"]
    );

    // δ set apart from min_count.
    let cfg = PhrasesConfig {
        delta: Some(0.0),
        ..tiny_config(Scoring::GensimDefault, &[])
    };
    let p0 = Phrases::learn(cfg, sentences(TINY)).unwrap();
    assert_eq!(p0.score(&["new", "york"]), Some(3.0 / 12.0 * 17.0));

    // word2vec.c: (ab − min_count) / a / b · train_words; every count must reach min_count.
    let w = Phrases::learn(tiny_config(Scoring::Word2VecC, &[]), sentences(TINY)).unwrap();
    assert_eq!(w.score(&["new", "york"]), Some(1.0 / 3.0 / 4.0 * 16.0));
    assert_eq!(w.score(&["is", "big"]), None);

    // npmi: ln(p(ab) / (p(a) p(b))) / −ln(p(ab)), p = count / 16.
    let n = Phrases::learn(tiny_config(Scoring::Npmi, &[]), sentences(TINY)).unwrap();
    let want = (4.0f64).ln() / (16.0f64 / 3.0).ln();
    assert!(close(n.score(&["new", "york"]).unwrap(), want));
    assert_eq!(n.score(&["i", "love"]), None, "count 1 < min_count");

    // Connector words: not unigrams, inside phrases only.
    let c = Phrases::learn(tiny_config(Scoring::GensimDefault, &["a"]), sentences(TINY)).unwrap();
    assert_eq!(c.total_words(), 16);
    assert_eq!(c.count("a"), 0);
    assert_eq!(c.phrase_count(&["is", "a", "city"]), 1);
    assert_eq!(c.phrase_count(&["is", "a"]), 0);
    assert_eq!(c.len_vocab(), 8 + 7);
    assert_eq!(c.score(&["is", "a", "city"]), Some(-1.0 / 3.0 * 15.0));
}

#[test]
fn connector_words_never_start_or_end_a_phrase() {
    let text = "bank of america\n".repeat(10) + &"of the bank\n".repeat(3);
    let cfg = PhrasesConfig {
        min_count: 2,
        threshold: 0.01,
        ..Default::default()
    };
    let p = Phrases::learn(cfg, sentences(&text)).unwrap();
    assert_eq!(
        p.apply_sentence("the bank of america of".split(' ')),
        ["the", "bank_of_america", "of"]
    );
    let f = p.freeze();
    assert_eq!(f.len(), 1);
    assert_eq!(
        f.apply_sentence("of bank of america".split(' ')),
        ["of", "bank_of_america"]
    );
    assert_eq!(f.connector_words().len(), ENGLISH_CONNECTOR_WORDS.len());
}

/// A gensim fixture: its settings, table size, word count, phrases and applied counts.
struct Expected {
    config: PhrasesConfig,
    len_vocab: usize,
    words: u64,
    phrases: BTreeMap<String, f64>,
    applied: BTreeMap<String, u64>,
}

fn expected(name: &str) -> Expected {
    let path = format!(
        "{}/tests/fixtures/phrases/{name}.tsv",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut e = Expected {
        config: PhrasesConfig::gensim(),
        len_vocab: 0,
        words: 0,
        phrases: BTreeMap::new(),
        applied: BTreeMap::new(),
    };
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f[0] {
            "config" => {
                for kv in f[1].split(' ') {
                    let (k, v) = kv.split_once('=').unwrap();
                    match k {
                        "min_count" => e.config.min_count = v.parse().unwrap(),
                        "threshold" => e.config.threshold = v.parse().unwrap(),
                        "max_vocab_size" => e.config.max_vocab_size = v.parse().unwrap(),
                        "scoring" => {
                            e.config.scoring = match v {
                                "default" => Scoring::GensimDefault,
                                "npmi" => Scoring::Npmi,
                                _ => panic!("{v}"),
                            }
                        }
                        "connectors" if v == "english" => {
                            e.config.connector_words = ENGLISH_CONNECTOR_WORDS
                                .iter()
                                .map(|s| s.to_string())
                                .collect()
                        }
                        "connectors" => assert_eq!(v, "none"),
                        _ => panic!("unknown key {k}"),
                    }
                }
            }
            "len_vocab" => e.len_vocab = f[1].parse().unwrap(),
            "words" => e.words = f[1].parse().unwrap(),
            "phrase" => {
                e.phrases.insert(f[1].into(), f[2].parse().unwrap());
            }
            "applied" => {
                e.applied.insert(f[1].into(), f[2].parse().unwrap());
            }
            other => panic!("unknown line kind {other}"),
        }
    }
    e
}

fn fixture_corpus() -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/phrases/corpus.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn applied_counts(model: &impl PhraseModel, text: &str) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for s in model.apply(sentences(text)) {
        for t in s.into_iter().filter(|t| t.contains('_')) {
            *m.entry(t).or_insert(0) += 1;
        }
    }
    m
}

fn check_against_gensim(name: &str) {
    let e = expected(name);
    let text = fixture_corpus();
    let p = Phrases::learn(e.config.clone(), sentences(&text)).unwrap();
    assert_eq!(p.len_vocab(), e.len_vocab, "{name}: len(vocab)");
    assert_eq!(p.total_words(), e.words, "{name}: corpus_word_count");
    let got: BTreeMap<String, f64> = p.export_phrases().into_iter().collect();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        e.phrases.keys().collect::<Vec<_>>(),
        "{name}: phrase set"
    );
    for (k, s) in &e.phrases {
        assert!(close(got[k], *s), "{name}: score of {k}: {} vs {s}", got[k]);
    }
    assert_eq!(applied_counts(&p, &text), e.applied, "{name}: applied");
    let frozen = p.freeze();
    assert_eq!(frozen.len(), e.phrases.len());
    assert_eq!(applied_counts(&frozen, &text), e.applied, "{name}: frozen");
    // The same counts when streamed from a Corpus.
    let c = Phrases::learn_corpus(e.config, &Corpus::from_text(text.clone())).unwrap();
    assert_eq!(c.len_vocab(), e.len_vocab);
    assert_eq!(c.export_phrases(), p.export_phrases());
}

#[test]
fn default_scorer_matches_gensim() {
    check_against_gensim("default");
}

#[test]
fn npmi_scorer_matches_gensim() {
    check_against_gensim("npmi");
}

#[test]
fn connector_words_match_gensim() {
    check_against_gensim("default_connectors");
    check_against_gensim("npmi_connectors");
}

#[test]
fn pruning_matches_gensim() {
    // max_vocab_size 8000 on a corpus of 28,841 entries: gensim prunes many times.
    check_against_gensim("pruned_connectors");
}

#[test]
fn second_pass_builds_longer_phrases() {
    let text = fixture_corpus();
    let cfg = PhrasesConfig {
        min_count: 3,
        threshold: 10.0,
        ..PhrasesConfig::gensim()
    };
    let pass1 = Phrases::learn(cfg.clone(), sentences(&text)).unwrap();
    let pass2 = Phrases::learn(cfg.clone(), pass1.apply(sentences(&text))).unwrap();
    let long: Vec<String> = pass2
        .export_phrases()
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.matches('_').count() >= 2)
        .collect();
    assert!(!long.is_empty(), "pass 2 finds 3- or 4-word phrases");
    // Each of them joins two tokens of pass 1's output.
    let once: BTreeSet<String> = pass1.apply(sentences(&text)).flatten().collect();
    for p in &long {
        let parts = (1..p.len())
            .filter(|&i| p.as_bytes()[i] == b'_')
            .any(|i| once.contains(&p[..i]) && once.contains(&p[i + 1..]));
        assert!(parts, "{p} is not two pass-1 tokens");
    }
    // Learning through the earlier pass from a Corpus gives the same table.
    let mut streamed = Phrases::new(cfg).unwrap();
    streamed
        .add_corpus(&Corpus::from_text(text.clone()), &[&pass1])
        .unwrap();
    assert_eq!(streamed.export_phrases(), pass2.export_phrases());
    assert_eq!(streamed.len_vocab(), pass2.len_vocab());
}

#[test]
fn adapters_stream_without_holding_the_input() {
    let p = Phrases::learn(
        PhrasesConfig {
            min_count: 2,
            threshold: 1.0,
            ..Default::default()
        },
        sentences(TINY),
    )
    .unwrap();
    // An endless token stream: the adapter must yield without reaching its end.
    let endless = ["new", "york", "of", "big"].into_iter().cycle();
    let out: Vec<String> = p.apply_tokens(endless).take(300_000).collect();
    assert_eq!(out[..3], ["new_york", "of", "big"]);
    assert!(out.chunks(3).all(|c| c[0] == "new_york"));
    // An endless stream of sentences likewise.
    let sents = std::iter::repeat(vec!["i", "love", "new", "york"]);
    let first: Vec<Vec<String>> = p.apply(sents).take(1000).collect();
    assert!(first.iter().all(|s| s == &["i", "love", "new_york"]));
}

#[test]
fn learning_a_long_stream_keeps_the_table_bounded() {
    // 2 million tokens with ever new words: without pruning the table would hold millions
    // of entries.
    let tokens = (0..2_000_000u64).map(|i| {
        if i % 4 < 2 {
            ["new", "york"][(i % 2) as usize].to_string()
        } else {
            format!("w{}", i.wrapping_mul(2654435761) % 1_000_003)
        }
    });
    let max = 10_000;
    let cfg = PhrasesConfig {
        max_vocab_size: max,
        ..PhrasesConfig::gensim()
    };
    let p = Phrases::learn(cfg, std::iter::once(tokens)).unwrap();
    // Within one sentence the table may reach 2·max before it is pruned.
    assert!(p.len_vocab() <= 2 * max, "{}", p.len_vocab());
    assert_eq!(p.total_words(), 2_000_000);
    // Frequent entries survive pruning, with at most their true counts.
    let ny = p.phrase_count(&["new", "york"]);
    assert!(ny > 100_000 && ny <= 500_000, "{ny}");
    assert!(p.count("new") <= 500_000);
}

#[test]
fn save_and_load_round_trip_exactly() {
    let dir = TempDir::new("phrases");
    let text = fixture_corpus();
    let e = expected("npmi_connectors");
    let p = Phrases::learn(e.config, sentences(&text)).unwrap();
    let path = dir.path("model.phrases");
    p.save(&path).unwrap();
    let q = Phrases::load(&path).unwrap();
    assert_eq!(q.config(), p.config());
    assert_eq!(q.len_vocab(), p.len_vocab());
    assert_eq!(q.total_words(), p.total_words());
    assert_eq!(q.export_phrases(), p.export_phrases());
    let f = p.freeze();
    let fpath = dir.path("model.frozen");
    f.save(&fpath).unwrap();
    let g = FrozenPhrases::load(&fpath).unwrap();
    assert_eq!(g.phrases(), f.phrases());
    assert_eq!(g.phrases(), p.export_phrases());
    assert_eq!(applied_counts(&g, &text), e.applied);
    // The frozen table is much smaller than the full model.
    let (full, small) = (
        std::fs::metadata(&path).unwrap().len(),
        std::fs::metadata(&fpath).unwrap().len(),
    );
    assert!(small * 10 < full, "{small} vs {full}");
    assert_eq!(dir.entries(), ["model.frozen", "model.phrases"]);
    // An empty model without connector words, and word2vec.c's settings with a set δ.
    let cfg = PhrasesConfig {
        delta: Some(2.5),
        ..PhrasesConfig::word2vec()
    };
    for p in [
        Phrases::new(PhrasesConfig::gensim()).unwrap(),
        Phrases::learn(cfg, sentences(&text)).unwrap(),
    ] {
        p.save(&path).unwrap();
        let q = Phrases::load(&path).unwrap();
        assert_eq!(q.config(), p.config());
        assert_eq!(q.export_phrases(), p.export_phrases());
        p.freeze().save(&fpath).unwrap();
        assert_eq!(
            FrozenPhrases::load(&fpath).unwrap().phrases(),
            p.export_phrases()
        );
    }
}

#[test]
fn damaged_files_are_rejected() {
    let text = fixture_corpus();
    let p = Phrases::learn(PhrasesConfig::default(), sentences(&text)).unwrap();
    let mut good = Vec::new();
    p.write_to(&mut good).unwrap();
    assert!(Phrases::read_from(&good[..]).is_ok());
    // One changed digit: the checksum catches it.
    let mut bad = good.clone();
    let i = bad.len() / 2
        + bad[bad.len() / 2..]
            .iter()
            .position(u8::is_ascii_digit)
            .unwrap();
    bad[i] = if bad[i] == b'9' { b'8' } else { bad[i] + 1 };
    assert!(matches!(
        Phrases::read_from(&bad[..]),
        Err(Error::Format { line: Some(_), .. })
    ));
    // Cut short, or with data after the end.
    assert!(matches!(
        Phrases::read_from(&good[..good.len() - 20]),
        Err(Error::Truncated { .. })
    ));
    let mut long = good.clone();
    long.extend_from_slice(b"x\n");
    assert!(Phrases::read_from(&long[..]).is_err());
    // A frozen table is not a full model and the other way round.
    let mut frozen = Vec::new();
    p.freeze().write_to(&mut frozen).unwrap();
    assert!(Phrases::read_from(&frozen[..]).is_err());
    assert!(FrozenPhrases::read_from(&good[..]).is_err());
    assert!(FrozenPhrases::read_from(&frozen[..]).is_ok());
    // A score below the threshold, with a recomputed checksum, is still rejected.
    let s = String::from_utf8(frozen).unwrap();
    let body: String =
        s.lines()
            .take_while(|l| !l.starts_with("end "))
            .fold(String::new(), |mut acc, l| {
                let l = if acc.lines().count() == 6 {
                    format!("0.5 {}", l.split_once(' ').unwrap().1)
                } else {
                    l.to_string()
                };
                acc.push_str(&l);
                acc.push('\n');
                acc
            });
    let forged = format!("{body}end {:08x}\n", crc32(body.as_bytes()));
    match FrozenPhrases::read_from(forged.as_bytes()) {
        Err(Error::Format { line: Some(7), .. }) => {}
        other => panic!("{other:?}"),
    }
}

/// CRC-32 (IEEE), bit by bit: an independent check of the files' trailer.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn a_failed_save_leaves_the_old_file() {
    let dir = TempDir::new("phrases-fail");
    let path = dir.path("p.phrases");
    let ok = Phrases::learn(PhrasesConfig::default(), sentences(TINY)).unwrap();
    ok.save(&path).unwrap();
    let before = std::fs::read(&path).unwrap();
    // A token with whitespace cannot be saved.
    let bad = Phrases::learn(PhrasesConfig::default(), [["new york", "x"]]).unwrap();
    assert!(matches!(bad.save(&path), Err(Error::InvalidConfig(_))));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(dir.entries(), ["p.phrases"]);
}

#[test]
fn invalid_settings_are_errors() {
    let bad = [
        PhrasesConfig {
            min_count: 0,
            ..Default::default()
        },
        PhrasesConfig {
            threshold: 0.0,
            ..Default::default()
        },
        PhrasesConfig {
            scoring: Scoring::Npmi,
            threshold: 1.5,
            ..Default::default()
        },
        PhrasesConfig {
            delimiter: " ".into(),
            ..Default::default()
        },
        PhrasesConfig {
            delta: Some(f64::NAN),
            ..Default::default()
        },
        PhrasesConfig {
            max_vocab_size: 0,
            ..Default::default()
        },
    ];
    for c in bad {
        assert!(
            matches!(Phrases::new(c.clone()), Err(Error::InvalidConfig(_))),
            "{c:?}"
        );
    }
    let npmi = PhrasesConfig {
        scoring: Scoring::Npmi,
        threshold: -0.5,
        ..Default::default()
    };
    assert!(Phrases::new(npmi).is_ok());
    assert_eq!(PhrasesConfig::word2vec().threshold, 100.0);
    assert_eq!(PhrasesConfig::gensim().connector_words.len(), 0);
}

#[test]
fn parallel_counting_equals_serial() {
    let dir = TempDir::new("phrases-par");
    let cases = [
        fixture_corpus(),
        // Connector runs, blank lines and runs of whitespace across every possible boundary.
        " bank of  the america\n\n of the bank of\n  america in\t\tthe of bank\nof \n america  "
            .repeat(7),
        String::new(),
        "one".into(),
    ];
    for (i, text) in cases.iter().enumerate() {
        let path = dir.path(&format!("c{i}.txt"));
        std::fs::write(&path, text).unwrap();
        let cfg = PhrasesConfig {
            min_count: 1,
            ..Default::default()
        };
        let serial =
            Phrases::learn_corpus(cfg.clone(), &Corpus::from_path(&path).unwrap()).unwrap();
        let mut want = Vec::new();
        serial.write_to(&mut want).unwrap();
        for threads in [1, 2, 3, 5, 16, 64] {
            let par = Phrases::learn_file_parallel(cfg.clone(), &path, threads).unwrap();
            let mut got = Vec::new();
            par.write_to(&mut got).unwrap();
            assert!(got == want, "case {i}, {threads} threads");
        }
    }
    assert!(matches!(
        Phrases::learn_file_parallel(PhrasesConfig::default(), dir.path("c0.txt"), 0),
        Err(Error::InvalidConfig(_))
    ));
    assert!(matches!(
        Phrases::learn_file_parallel(PhrasesConfig::default(), dir.path("missing"), 2),
        Err(Error::Io { path: Some(_), .. })
    ));
}

#[test]
fn word2vec_scorer_matches_word2phrase() {
    // word2vec.c's word2phrase on the fixture corpus as one line (see the fixture README).
    let text = fixture_corpus();
    for threshold in [100, 20] {
        let e = expected(&format!("word2phrase_t{threshold}"));
        let cfg = PhrasesConfig {
            min_count: 3,
            threshold: threshold as f64,
            ..PhrasesConfig::word2vec()
        };
        let p = Phrases::learn(cfg, [text.split_whitespace()]).unwrap();
        let mut got = BTreeMap::new();
        for t in p.apply_tokens(text.split_whitespace()) {
            if t.contains('_') {
                *got.entry(t).or_insert(0u64) += 1;
            }
        }
        assert!(!got.is_empty());
        assert_eq!(got, e.applied, "threshold {threshold}");
    }
}

#[test]
fn write_phrased_streams_a_corpus_line_by_line() {
    let text = fixture_corpus();
    let e = expected("default_connectors");
    let p = Phrases::learn(e.config, sentences(&text)).unwrap();
    let mut out = Vec::new();
    p.write_phrased(&Corpus::from_text(text.clone()), &mut out)
        .unwrap();
    let want: String = p
        .apply(sentences(&text))
        .map(|s| s.join(" ") + "\n")
        .collect();
    assert_eq!(String::from_utf8(out).unwrap(), want);
    // Sentences given as owned strings, borrowed.
    let owned: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split(' ').map(String::from).collect())
        .collect();
    let q = Phrases::learn(p.config().clone(), &owned).unwrap();
    assert_eq!(q.export_phrases(), p.export_phrases());
}

/// A table of several passes holds every pass and applies them in order; one pass is still
/// written (and read) as the version-1 table older versions read.
#[test]
fn multi_pass_tables_hold_every_pass_and_apply_in_order() {
    use skipgram::phrases::PhrasePasses;
    let text = "in new york city\nthe old york road\nnew cars in the city\n".repeat(30);
    let corpus = Corpus::from_text(text.clone());
    let config = PhrasesConfig {
        min_count: 2,
        threshold: 0.05,
        ..Default::default()
    };
    let pass1 = Phrases::learn_corpus(config.clone(), &corpus).unwrap();
    let mut pass2 = Phrases::new(config).unwrap();
    pass2.add_corpus(&corpus, &[&pass1]).unwrap();
    let (f1, f2) = (pass1.freeze(), pass2.freeze());
    let passes = PhrasePasses::new(vec![f1.clone(), f2.clone()]).unwrap();
    let mut bytes = Vec::new();
    passes.write_to(&mut bytes).unwrap();
    assert!(bytes.starts_with(b"skipgram-frozen-phrases 2\npasses 2\npass 1\n"));
    let back = PhrasePasses::read_from(bytes.as_slice()).unwrap();
    assert_eq!(back.passes().len(), 2);
    assert_eq!(back.len(), f1.len() + f2.len());
    let sentence = "in new york city".split(' ');
    assert_eq!(
        back.apply_sentence(sentence.clone()),
        ["in", "new_york_city"]
    );
    // Pass 2 alone finds nothing in raw text: it needs pass 1's joins.
    assert_eq!(
        back.passes()[1].apply_sentence(sentence),
        ["in", "new", "york", "city"]
    );
    // Streaming the corpus through both passes = writing pass 1's output, then pass 2's.
    let mut once = Vec::new();
    f1.write_phrased(&corpus, &mut once).unwrap();
    let mut twice = Vec::new();
    f2.write_phrased(&Corpus::from_bytes(once), &mut twice)
        .unwrap();
    let mut streamed = Vec::new();
    back.write_phrased(&corpus, &mut streamed).unwrap();
    assert_eq!(
        String::from_utf8(streamed).unwrap(),
        String::from_utf8(twice).unwrap()
    );
    // A single-table reader refuses the multi-pass file, saying what to use.
    let e = FrozenPhrases::read_from(bytes.as_slice()).unwrap_err();
    assert!(e.to_string().contains("PhrasePasses"), "{e}");
    // One pass: the version-1 bytes, read by both readers.
    let one = PhrasePasses::new(vec![f1.clone()]).unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    one.write_to(&mut a).unwrap();
    f1.write_to(&mut b).unwrap();
    assert_eq!(a, b);
    let v1 = PhrasePasses::read_from(b.as_slice()).unwrap();
    assert_eq!(v1.passes().len(), 1);
    assert_eq!(
        v1.apply_sentence("in new york".split(' ')),
        ["in", "new_york"]
    );
    // Damage is caught: a flipped byte inside pass 2, a pass out of order.
    let at = bytes.len() - 20;
    let mut bad = bytes.clone();
    bad[at] ^= 0x01;
    assert!(PhrasePasses::read_from(bad.as_slice()).is_err());
    let text = String::from_utf8(bytes)
        .unwrap()
        .replace("pass 2\n", "pass 3\n");
    assert!(PhrasePasses::read_from(text.as_bytes()).is_err());
}
