//! Runs that would train nothing or not what was asked, and arguments that would abort or
//! run forever: each is an error that says why, before any output file is written.

use super::*;

/// A corpus of 10 words in 200 lines, each word on every line.
fn abc_corpus(d: &Path) {
    let line = "a b c d e f g h i j\n";
    std::fs::write(d.join("c.txt"), line.repeat(200)).unwrap();
}

const SMALL: &[&str] = &[
    "--size",
    "8",
    "--iter",
    "1",
    "--min-count",
    "1",
    "--threads",
    "1",
    "--quiet",
    "--probe",
    "",
];

fn train_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["train", "--input", "c.txt", "--output", "v.txt"];
    args.extend_from_slice(SMALL);
    args.extend_from_slice(extra);
    args
}

#[test]
fn read_vocab_sharing_no_word_with_the_corpus_is_an_error() {
    let dir = TempDir::new("cli-novocab");
    let d = dir.dir();
    abc_corpus(d);
    std::fs::write(d.join("vocab.txt"), "x 9\ny 5\n").unwrap();
    let err = fails(&train_args(&["--read-vocab", "vocab.txt"]), d);
    assert!(err.contains("no corpus word is in the vocabulary"), "{err}");
    assert!(!d.join("v.txt").exists(), "no vectors may be written");
}

#[test]
fn resume_on_a_corpus_without_the_checkpoints_words_is_an_error() {
    let dir = TempDir::new("cli-foreign");
    let d = dir.dir();
    abc_corpus(d);
    ok(&train_args(&["--save-checkpoint", "m.ckpt"]), d);
    std::fs::write(d.join("other.txt"), "p q r s\n".repeat(50)).unwrap();
    let err = fails(
        &[
            "train",
            "--input",
            "other.txt",
            "--resume",
            "m.ckpt",
            "--iter",
            "1",
            "--output",
            "v2.txt",
            "--quiet",
        ],
        d,
    );
    assert!(err.contains("no corpus word is in the vocabulary"), "{err}");
    assert!(!d.join("v2.txt").exists());
}

#[test]
fn resume_refuses_settings_that_contradict_the_checkpoint() {
    let dir = TempDir::new("cli-resume");
    let d = dir.dir();
    abc_corpus(d);
    std::fs::write(d.join("vocab.txt"), "a 9\nb 5\n").unwrap();
    ok(&train_args(&["--save-checkpoint", "m.ckpt"]), d);
    fn resume<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec![
            "train", "--input", "c.txt", "--resume", "m.ckpt", "--iter", "1", "--output", "v2.txt",
            "--quiet", "--probe", "",
        ];
        args.extend_from_slice(extra);
        args
    }
    for (extra, named) in [
        (&["--size", "50"][..], "--size"),
        (&["--window", "10"], "--window"),
        (&["--negative", "15"], "--negative"),
        (&["--ns-exponent", "0.5"], "--ns-exponent"),
        (&["--hs"], "--hs"),
        (&["--loss", "softmax"], "--loss"),
        (&["--alpha", "0.5"], "--alpha"),
        (&["--min-count", "100"], "--min-count"),
        (&["--sample", "0"], "--sample"),
        (&["--seed", "9"], "--seed"),
        (&["--max-final-vocab", "10"], "--max-final-vocab"),
        (&["--read-vocab", "vocab.txt"], "--read-vocab"),
    ] {
        let err = fails(&resume(extra), d);
        assert!(err.contains(named), "{extra:?}: {err}");
        assert!(!d.join("v2.txt").exists(), "{extra:?}");
    }
    // The checkpoint's own values, given explicitly, are no contradiction; --threads and
    // --iter are this run's to choose.
    ok(
        &resume(&[
            "--size",
            "8",
            "--min-count",
            "1",
            "--loss",
            "ns",
            "--ns-exponent",
            "0.75",
            "--hs",
            "0",
            "--threads",
            "2",
        ]),
        d,
    );
    assert!(d.join("v2.txt").exists());
}

#[test]
fn read_vocab_with_max_final_vocab_keeps_the_most_frequent() {
    let dir = TempDir::new("cli-readvocab");
    let d = dir.dir();
    abc_corpus(d);
    // Not sorted by count, and with a word2vec-style count header.
    std::fs::write(d.join("vocab.txt"), "4 20\nj 1\nb 50\nc 2\na 90\n").unwrap();
    ok(
        &train_args(&[
            "--read-vocab",
            "vocab.txt",
            "--max-final-vocab",
            "2",
            "--save-vocab",
            "kept.txt",
        ]),
        d,
    );
    assert_eq!(
        std::fs::read_to_string(d.join("kept.txt")).unwrap(),
        "a 90\nb 50\n"
    );
    // A header that does not count the words after it is refused, naming line 1.
    std::fs::write(d.join("bad.txt"), "4551 20\na 90\nb 50\n").unwrap();
    let err = fails(&train_args(&["--read-vocab", "bad.txt"]), d);
    assert!(err.contains("line 1") && err.contains("header"), "{err}");
    // Nothing left after min_count: the error names the min_count given, not 0.
    let err = fails(
        &[
            "train",
            "--input",
            "c.txt",
            "--output",
            "v3.txt",
            "--read-vocab",
            "vocab.txt",
            "--min-count",
            "1000",
            "--quiet",
        ],
        d,
    );
    assert!(err.contains("min_count = 1000"), "{err}");
    assert!(!d.join("v3.txt").exists());
}

#[test]
fn hs_with_an_explicit_negative_is_refused() {
    let dir = TempDir::new("cli-hsneg");
    let d = dir.dir();
    abc_corpus(d);
    let err = fails(&train_args(&["--hs", "1", "--negative", "5"]), d);
    assert!(
        err.contains("--negative 0") && err.contains("both"),
        "{err}"
    );
    let err = fails(&train_args(&["--loss", "hs", "--negative", "3"]), d);
    assert!(err.contains("choose one"), "{err}");
    assert!(!d.join("v.txt").exists());
    ok(&train_args(&["--hs", "1", "--negative", "0"]), d);
    ok(&train_args(&["--hs", "1"]), d);
}

#[test]
fn softmax_on_a_large_problem_needs_force() {
    let dir = TempDir::new("cli-softmax");
    let d = dir.dir();
    abc_corpus(d);
    // Counts that make an epoch 2·10¹² words: years of full softmax by the estimate.
    std::fs::write(d.join("vocab.txt"), "a 1000000000000\nb 1000000000000\n").unwrap();
    let args = train_args(&["--loss", "softmax", "--read-vocab", "vocab.txt"]);
    let err = fails(&args, d);
    assert!(
        err.contains("--force") && err.contains("per epoch"),
        "{err}"
    );
    assert!(!d.join("v.txt").exists());
    // Forced, it trains (the corpus itself is small).
    let mut forced = args.clone();
    forced.push("--force");
    ok(&forced, d);
    assert!(d.join("v.txt").exists());
}

#[test]
fn phrases_threads_and_passes_are_capped() {
    let dir = TempDir::new("cli-phrasecaps");
    let d = dir.dir();
    abc_corpus(d);
    let base = ["phrases", "--input", "c.txt", "--output", "p.txt"];
    for (extra, named) in [
        (["--threads", "100000"], "--threads"),
        (["--threads", "0"], "--threads"),
        (["--passes", "18446744073709551615"], "--passes"),
    ] {
        let mut args = base.to_vec();
        args.extend_from_slice(&extra);
        let err = fails(&args, d);
        assert!(err.contains(named), "{err}");
        assert!(!d.join("p.txt").exists());
    }
}

#[test]
fn forward_refuses_a_context_whose_2c_would_wrap() {
    let dir = TempDir::new("cli-forward");
    let d = dir.dir();
    let err = fails(&["forward", "--context", "18446744073709551615"], d);
    assert!(err.contains("--context"), "{err}");
    let out = ok(&["forward", "--context", "3"], d);
    assert!(out.contains("2c = 6"), "{out}");
}

#[test]
fn evaluate_pairs_reports_skipped_lines_and_fails_when_none_scored() {
    let dir = TempDir::new("cli-pairs");
    let d = dir.dir();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats/word2vec-c.txt");
    let vecs = fixture.to_str().unwrap();
    std::fs::write(d.join("bad.tsv"), "a b nan\nc d\nx y inf\n").unwrap();
    let out = skipgram(&["evaluate", vecs, "--pairs", "bad.tsv"], d);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("3 lines skipped"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no word pair") && stderr.contains("3 lines"),
        "{stderr}"
    );
    let out = skipgram(&["evaluate", vecs, "--pairs", "bad.tsv", "--json"], d);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!(json["pairs_invalid_lines"], 3);
}

#[test]
fn a_two_pass_phrase_table_joins_the_first_pass_phrases_in_training() {
    // The README's recipe: `phrases --passes 2 --save-table`, then `train --phrases`.
    let dir = TempDir::new("cli-twopass");
    let d = dir.dir();
    let mut state = 7u64;
    let mut filler = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        format!("w{}", (state >> 33) % 50)
    };
    let mut text = String::new();
    for _ in 0..800 {
        let (a, b, c) = (filler(), filler(), filler());
        text.push_str(&format!("{a} {b} new york city {c}\n"));
    }
    std::fs::write(d.join("c.txt"), &text).unwrap();
    ok(
        &[
            "phrases",
            "--input",
            "c.txt",
            "--output",
            "p.txt",
            "--scorer",
            "npmi",
            "--threshold",
            "0.6",
            "--no-connectors",
            "--min-count",
            "3",
            "--passes",
            "2",
            "--save-table",
            "t.phr",
            "--threads",
            "2",
        ],
        d,
    );
    let phrased = std::fs::read_to_string(d.join("p.txt")).unwrap();
    assert_eq!(
        phrased.matches("new_york_city").count(),
        800,
        "{}",
        &phrased[..200]
    );
    let table = std::fs::read_to_string(d.join("t.phr")).unwrap();
    assert!(
        table.starts_with("skipgram-frozen-phrases 2\npasses 2\n"),
        "{table}"
    );
    let mut args = train_args(&["--phrases", "t.phr"]);
    args[1..3].copy_from_slice(&["--input", "c.txt"]);
    ok(&args, d);
    let vectors = std::fs::read_to_string(d.join("v.txt")).unwrap();
    assert!(
        vectors.lines().any(|l| l.starts_with("new_york_city ")),
        "the phrases of both passes are joined before training"
    );
    assert!(!vectors.lines().any(|l| l.starts_with("york ")));
}
