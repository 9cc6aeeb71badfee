//! Vocabulary counting: on several threads it equals the one-thread count exactly; with a
//! bound on the types held it prunes as word2vec.c's `ReduceVocab` does; corpora from
//! sentences in memory.

use std::collections::{BTreeMap, HashMap};

use crate::common::TempDir;
use proptest::collection::vec;
use proptest::prelude::*;
use skipgram::{Corpus, CountOptions, Error, Vocabulary, VocabularyBuilder};

/// The vocabulary as an independent computation gives it: split at ASCII whitespace, count
/// in a `HashMap`, sort by count descending then bytes.
fn reference(text: &str, min_count: u64) -> Vec<(String, u64)> {
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for t in text.split_ascii_whitespace() {
        *counts.entry(t).or_default() += 1;
    }
    let mut v: Vec<(String, u64)> = counts
        .into_iter()
        .filter(|&(_, c)| c >= min_count)
        .map(|(w, c)| (w.to_string(), c))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

fn pairs(v: &Vocabulary) -> Vec<(String, u64)> {
    v.iter().map(|(w, c)| (w.to_string(), c)).collect()
}

/// Counting on `t` threads, keeping every type.
fn threads(t: usize) -> CountOptions {
    CountOptions {
        threads: t,
        vocab: skipgram::VocabConfig {
            min_count: 1,
            ..Default::default()
        },
    }
}

/// Texts whose tokens mix ASCII, 2-, 3- and 4-byte UTF-8 and many ties, separated by runs of
/// spaces, tabs, newlines and CRLF; about half have no newline at all (one line).
fn text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        4 => "[ab]{1,3}",
        1 => Just("é".to_string()),
        1 => Just("日本".to_string()),
        1 => Just("a🙂".to_string()),
        1 => "[a-zé日🙂]{1,30}",
    ];
    let sep = prop_oneof![
        6 => Just(" "),
        1 => Just("  "),
        1 => Just("\t"),
        1 => Just("\n"),
        1 => Just("\r\n"),
    ];
    (
        vec((token, sep), 0..60),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(items, one_line, lead, trail)| {
            let mut s = String::from(if lead { " " } else { "" });
            for (t, sep) in items {
                s.push_str(&t);
                s.push_str(if one_line && sep.contains('\n') {
                    " "
                } else {
                    sep
                });
            }
            if !trail {
                s.truncate(s.trim_end().len());
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every thread count gives the one-thread vocabulary: the same words, counts and order
    /// (ties included), equal to an independent count; byte ranges with T up to 7 on texts
    /// of a few bytes are often empty or cut inside a token or a multi-byte character.
    #[test]
    fn parallel_counting_equals_the_serial_count(text in text(), t in 1usize..8, min_count in 1u64..3) {
        let corpus = Corpus::from_text(text.clone());
        let want = reference(&text, min_count);
        let opts = CountOptions { threads: t, vocab: skipgram::VocabConfig { min_count, ..Default::default() } };
        match corpus.build_vocabulary_with(&opts) {
            Ok(v) => {
                prop_assert_eq!(pairs(&v), want);
                let serial = corpus
                    .build_vocabulary_with(&CountOptions { threads: 1, ..opts })
                    .unwrap();
                prop_assert_eq!(v, serial);
            }
            Err(Error::EmptyCorpus) => prop_assert!(text.split_ascii_whitespace().next().is_none()),
            Err(Error::EmptyVocabulary { types, .. }) => {
                prop_assert!(want.is_empty());
                prop_assert_eq!(types, reference(&text, 1).len());
            }
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        }
        let counts = corpus.count_words(&opts).unwrap();
        prop_assert_eq!(counts.token_count(), text.split_ascii_whitespace().count() as u64);
        prop_assert_eq!(counts.pruned_at(), 0);
    }

    /// One thread with a bound prunes exactly as a direct transcription of word2vec.c's
    /// `ReduceVocab` over an ordered map would; on any number of threads, the bound holds,
    /// no count is ever higher than the exact count, and nothing is lost when the bound is
    /// never reached.
    #[test]
    fn bounded_counting_prunes_like_reduce_vocab(
        tokens in vec(prop_oneof![3 => "[a-c]", 2 => "[a-z]{2}"], 1..300),
        bound in 1usize..40,
        t in 1usize..5,
    ) {
        let mut model: BTreeMap<&str, u64> = BTreeMap::new();
        let mut reduce = 0u64;
        for tok in &tokens {
            if let Some(c) = model.get_mut(tok.as_str()) {
                *c += 1;
                continue;
            }
            model.insert(tok, 1);
            while model.len() > bound {
                reduce += 1;
                model.retain(|_, c| *c > reduce);
            }
        }
        let mut b = VocabularyBuilder::new().max_vocab_size(bound);
        for tok in &tokens {
            b.add(tok);
        }
        prop_assert_eq!(b.type_count(), model.len());
        prop_assert_eq!(b.pruned_at(), reduce);
        for (w, c) in &model {
            prop_assert_eq!(b.count_of(w), Some(*c));
        }

        let text = tokens.join(" ");
        let exact: HashMap<String, u64> = reference(&text, 1).into_iter().collect();
        let opts = CountOptions { threads: t, vocab: skipgram::VocabConfig { min_count: 1, max_vocab_size: Some(bound), ..Default::default() } };
        let counts = Corpus::from_text(text.clone()).count_words(&opts).unwrap();
        prop_assert!(counts.type_count() <= bound);
        prop_assert_eq!(counts.token_count(), tokens.len() as u64);
        for w in exact.keys() {
            prop_assert!(counts.count_of(w).unwrap_or(0) <= exact[w]);
        }
        if exact.len() <= bound {
            prop_assert_eq!(counts.pruned_at(), 0);
            let v = counts.build().unwrap();
            prop_assert_eq!(pairs(&v), reference(&text, 1));
        }
    }
}

proptest! {
    /// Tokenised sentences read back as the same tokens: counts equal a direct count of the
    /// tokens, and raw sentences joined by spaces give the same vocabulary.
    #[test]
    fn tokenized_sentences_read_back_as_their_tokens(
        sentences in vec(vec("[a-cé日🙂\u{a0}]{1,4}", 0..6), 0..8),
    ) {
        let flat: Vec<&String> = sentences.iter().flatten().collect();
        let corpus = Corpus::from_tokenized(&sentences).unwrap();
        let raw = Corpus::from_sentences(sentences.iter().map(|s| s.join(" ")));
        prop_assert_eq!(corpus.len_bytes(), raw.len_bytes());
        match Vocabulary::from_tokens(&flat, 1) {
            Ok(want) => {
                prop_assert_eq!(&corpus.build_vocabulary(1, None).unwrap(), &want);
                prop_assert_eq!(&raw.build_vocabulary(1, None).unwrap(), &want);
            }
            Err(_) => prop_assert!(matches!(corpus.build_vocabulary(1, None), Err(Error::EmptyCorpus))),
        }
    }
}

#[test]
fn every_cut_of_a_multibyte_text_counts_the_same() {
    // Cuts fall inside 2-, 3- and 4-byte characters, inside tokens and in whitespace.
    let text = "日本語 éé\n🙂🙂 日本語\t\tx 🙂🙂 éé 日本語";
    let want = reference(text, 1);
    let corpus = Corpus::from_text(text);
    for t in 1..=text.len() + 2 {
        let v = corpus.build_vocabulary_with(&threads(t)).unwrap();
        assert_eq!(pairs(&v), want, "threads = {t}");
    }
    assert_eq!(want[0], ("日本語".to_string(), 3));
}

#[test]
fn files_count_the_same_on_any_number_of_threads() {
    let dir = TempDir::new("vocab-count");
    let path = dir.path("c.txt");
    let text = crate::common::real_text(200_000);
    std::fs::write(&path, &text).unwrap();
    let want = reference(&text, 2);
    let corpus = Corpus::from_path(&path).unwrap();
    for t in [1, 2, 3, 8, 64] {
        let opts = CountOptions {
            threads: t,
            vocab: skipgram::VocabConfig {
                min_count: 2,
                ..Default::default()
            },
        };
        let v = corpus.build_vocabulary_with(&opts).unwrap();
        assert_eq!(pairs(&v), want, "threads = {t}");
    }
    // The two-argument form counts on the machine's cores; the result is the same.
    assert_eq!(pairs(&corpus.build_vocabulary(2, None).unwrap()), want);
}

#[test]
fn the_first_invalid_utf8_is_reported_whatever_the_threads() {
    let mut bytes = b"ok fine ".repeat(50);
    bytes.extend_from_slice(b"bad\xff ");
    bytes.extend_from_slice(&b"ok fine ".repeat(50));
    bytes.extend_from_slice(b"worse\xfe ok");
    let corpus = Corpus::from_bytes(bytes);
    for t in 1..8 {
        match corpus.build_vocabulary_with(&threads(t)) {
            Err(Error::InvalidUtf8 { offset: 403, .. }) => {}
            other => panic!("threads = {t}: expected InvalidUtf8 at 403, got {other:?}"),
        }
    }
    let v = corpus
        .lossy_utf8(true)
        .build_vocabulary_with(&threads(3))
        .unwrap();
    assert_eq!(v.count(v.index("ok").unwrap()), Some(101));
}

/// Frequent words survive a bound far below the number of types with their exact counts:
/// the one-off types are what gets pruned.
#[test]
fn a_bound_keeps_the_frequent_words_and_their_counts() {
    let real = crate::common::real_text(300_000);
    let mut text = String::new();
    for (i, w) in real.split(' ').enumerate() {
        text.push_str(w);
        text.push_str(&format!(" unique{i} "));
    }
    let exact = reference(&text, 1);
    assert!(exact.len() > 50_000, "{} types", exact.len());
    let corpus = Corpus::from_text(text);
    for t in [1, 2, 3] {
        let opts = CountOptions {
            threads: t,
            vocab: skipgram::VocabConfig {
                min_count: 1,
                max_vocab_size: Some(5_000),
                ..Default::default()
            },
        };
        let counts = corpus.count_words(&opts).unwrap();
        assert!(counts.type_count() <= 5_000);
        assert!(counts.pruned_at() > 0);
        let v = counts.build().unwrap();
        // The 20 most frequent (counts ≥ 290 in 600,000 tokens) are exact; further down,
        // mid-frequency words pruned early are undercounted ("than": 55, not 60, on one
        // thread; "his": 233, not 237, on three threads, each of which sees a third of the
        // text), never overcounted.
        assert_eq!(pairs(&v)[..20], exact[..20], "threads = {t}");
        let exact: HashMap<String, u64> = exact.iter().cloned().collect();
        assert!(v.iter().all(|(w, c)| c <= exact[w]));
    }
}

#[test]
fn limits_of_zero_are_clear_errors() {
    let corpus = Corpus::from_text("a b a");
    let e = corpus.build_vocabulary(1, Some(0)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::OutOfRange {
                setting: "max_final_vocab",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "max_final_vocab = 0 is out of range: expected at least 1: 0 would leave no word \
         (None for no limit)"
    );
    for (opts, says) in [
        (threads(0), "threads is 0"),
        (
            CountOptions {
                vocab: skipgram::VocabConfig {
                    max_vocab_size: Some(0),
                    ..Default::default()
                },
                ..Default::default()
            },
            "max_vocab_size = 0 is out of range",
        ),
    ] {
        let e = corpus.build_vocabulary_with(&opts).unwrap_err();
        assert!(e.to_string().contains(says), "{e}");
    }
    assert_eq!(corpus.build_vocabulary(1, Some(1)).unwrap().words(), ["a"]);
}

#[test]
fn sentences_and_tokenized_sentences_make_the_same_corpus_as_lines() {
    let lines = Corpus::from_text("the cat sat\n\nthe dog ran\n")
        .build_vocabulary(1, None)
        .unwrap();
    let from_sentences = Corpus::from_sentences(vec![
        "the cat sat".to_string(),
        String::new(),
        "the dog ran".to_string(),
    ]);
    assert_eq!(from_sentences.build_vocabulary(1, None).unwrap(), lines);
    let tokenized =
        Corpus::from_tokenized([vec!["the", "cat", "sat"], vec![], vec!["the", "dog", "ran"]])
            .unwrap();
    assert_eq!(tokenized.build_vocabulary(1, None).unwrap(), lines);
    assert_eq!(tokenized.len_bytes(), from_sentences.len_bytes());

    for (sentences, line, message) in [
        (vec![vec!["ok"], vec!["a", ""]], 2, "token 2 \"\" is empty"),
        (
            vec![vec!["tab\there"]],
            1,
            "token 1 \"tab\\there\" contains whitespace",
        ),
        (
            vec![vec!["x"], vec!["y"], vec!["line\nbreak"]],
            3,
            "token 1 \"line\\nbreak\" contains whitespace",
        ),
    ] {
        match Corpus::from_tokenized(sentences) {
            Err(Error::Format {
                line: Some(l),
                message: m,
                ..
            }) => assert_eq!((l, m.as_str()), (line, message)),
            other => panic!("expected a format error, got {other:?}"),
        }
    }
    // No-break space is not ASCII whitespace: it stays inside the token.
    let v = Corpus::from_tokenized([["New\u{a0}York"]])
        .unwrap()
        .build_vocabulary(1, None)
        .unwrap();
    assert_eq!(v.words(), ["New\u{a0}York"]);
}
