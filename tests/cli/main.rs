//! The `skipgram` command line (feature `cli`), run as a user runs it: exit codes, files
//! written, errors printed with their message.

mod bad_runs;
#[path = "../it/common/mod.rs"]
mod common;
mod compat;
#[cfg(feature = "compression")]
mod corpus_input;
mod files;
mod growth;
#[cfg(feature = "mpi")]
mod mpi;

use std::path::Path;
use std::process::{Command, Output};

use common::{real_text, TempDir};

fn skipgram(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skipgram"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the skipgram binary runs")
}

fn ok(args: &[&str], dir: &Path) -> String {
    let out = skipgram(args, dir);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Fails with exit status 1 and a one-line `error: …` message (Display, not Debug).
fn fails(args: &[&str], dir: &Path) -> String {
    let out = skipgram(args, dir);
    assert_eq!(out.status.code(), Some(1), "{args:?} should fail");
    let err = String::from_utf8(out.stderr).unwrap();
    let last = err.lines().last().unwrap_or("");
    assert!(last.starts_with("error: "), "{err}");
    assert!(!last.contains(" { "), "Debug formatting in {last:?}");
    last.to_string()
}

const TRAIN: &[&str] = &[
    "--size",
    "16",
    "--iter",
    "2",
    "--min-count",
    "3",
    "--threads",
    "2",
    "--quiet",
    "--probe",
    "the",
];

#[test]
fn train_query_evaluate_resume() {
    let dir = TempDir::new("cli");
    let d = dir.dir();
    std::fs::write(d.join("corpus.txt"), real_text(150_000)).unwrap();
    let mut args = vec![
        "train",
        "--input",
        "corpus.txt",
        "--output",
        "v.bin",
        "--binary",
    ];
    args.extend_from_slice(TRAIN);
    args.extend_from_slice(&[
        "--report",
        "run.json",
        "--save-checkpoint",
        "model.ckpt",
        "--save-vocab",
        "vocab.txt",
    ]);
    ok(&args, d);

    // The report carries the settings, each epoch and the phases, in seconds.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("run.json")).unwrap()).unwrap();
    assert_eq!(report["config"]["dim"], 16);
    // The settings are the library's TrainConfig, serialised whole, and read back.
    let config: skipgram::TrainConfig = serde_json::from_value(report["config"].clone()).unwrap();
    assert_eq!(
        (config.dim, config.epochs, config.vocab.min_count),
        (16, 2, 3)
    );
    assert!(report["config"]["encoded_corpus_memory"].as_u64().unwrap() > 0);
    assert_eq!(report["config"]["objective"], "ns");
    assert_eq!(report["cancelled"], false);
    assert_eq!(report["epochs"].as_array().unwrap().len(), 2);
    assert_eq!(report["epochs"][1]["epoch"], 2);
    for phase in ["vocabulary", "training", "output"] {
        assert!(report["phases"][phase].as_f64().unwrap() > 0.0, "{phase}");
    }

    // Formats are detected: the binary file reads without --binary.
    let out = ok(&["similar", "v.bin", "the"], d);
    assert!(out.contains("the:"), "{out}");
    let out = ok(&["similar", "v.bin", "-k", "3", "the of and"], d);
    assert!(out.contains("the : of :: and : ?"), "{out}");
    // An unknown word fails, naming it.
    let err = fails(&["similar", "v.bin", "qqqzzzunknown"], d);
    assert!(err.contains("qqqzzzunknown"), "{err}");

    // The bundled evaluation sets need no file.
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["evaluate", "v.bin", "--json"], d)).unwrap();
    assert!(json["analogy_answered"].as_u64().unwrap() > 0);
    assert!(json["pairs_used"].as_u64().unwrap() > 0);

    // Resume for one more epoch, and the checkpoint's forward pass.
    ok(
        &[
            "train",
            "--input",
            "corpus.txt",
            "--resume",
            "model.ckpt",
            "--iter",
            "1",
            "--output",
            "v2.txt",
            "--quiet",
        ],
        d,
    );
    let head = std::fs::read_to_string(d.join("v2.txt")).unwrap();
    let vocab_lines = std::fs::read_to_string(d.join("vocab.txt"))
        .unwrap()
        .lines()
        .count();
    assert!(
        head.starts_with(&format!("{vocab_lines} 16\n")),
        "{}",
        &head[..20]
    );
    let out = ok(&["forward", "--model", "model.ckpt", "the", "-k", "3"], d);
    assert!(out.contains("most probable"), "{out}");

    // A vocabulary file is reused by train --read-vocab.
    ok(
        &[
            "vocab",
            "--input",
            "corpus.txt",
            "--output",
            "counted.txt",
            "--min-count",
            "3",
        ],
        d,
    );
    assert_eq!(
        std::fs::read_to_string(d.join("counted.txt")).unwrap(),
        std::fs::read_to_string(d.join("vocab.txt")).unwrap()
    );
    let mut args = vec![
        "train",
        "--input",
        "corpus.txt",
        "--read-vocab",
        "counted.txt",
        "--output",
        "v3.txt",
    ];
    args.extend_from_slice(TRAIN);
    ok(&args, d);
}

#[test]
fn wrong_formats_and_bad_input_fail_cleanly() {
    let dir = TempDir::new("cli-bad");
    let d = dir.dir();
    std::fs::write(d.join("v.txt"), "2 3\nthe 0.1 0.2 0.3\ncat -1 0 1\n").unwrap();
    ok(&["similar", "v.txt", "the"], d);
    // Forcing the binary reader on a text file is an error, not garbage.
    fails(&["similar", "v.txt", "--binary", "the"], d);
    fails(&["similar", "missing.bin", "the"], d);
    let err = fails(&["train", "--input", "missing.txt", "--quiet"], d);
    assert!(err.contains("missing.txt"), "{err}");
    std::fs::write(d.join("empty.txt"), "").unwrap();
    fails(&["train", "--input", "empty.txt", "--quiet"], d);
    fails(
        &["train", "--input", "v.txt", "--window", "0", "--quiet"],
        d,
    );
    // No stray output after a failure.
    assert!(!d.join("vectors.txt").exists());
}

#[test]
fn unknown_names_of_enumerated_options_fail_and_list_the_allowed_ones() {
    let dir = TempDir::new("cli-names");
    let d = dir.dir();
    std::fs::write(d.join("c.txt"), "a b c a b c\n").unwrap();
    let err = fails(
        &["train", "--input", "c.txt", "--loss", "bogus", "--quiet"],
        d,
    );
    assert!(
        err.contains("\"bogus\"") && err.contains("softmax, ns, hs"),
        "{err}"
    );
    let err = fails(
        &[
            "train",
            "--input",
            "c.txt",
            "--ns-direction",
            "up",
            "--quiet",
        ],
        d,
    );
    assert!(err.contains("context, center"), "{err}");
    let err = fails(
        &[
            "phrases", "--input", "c.txt", "--output", "p.txt", "--scorer", "bogus",
        ],
        d,
    );
    assert!(err.contains("gensim, word2vec, npmi"), "{err}");
    // Nothing was written by the failed runs.
    assert!(!d.join("vectors.txt").exists() && !d.join("p.txt").exists());
}

#[test]
fn forward_shows_the_tutorial_walkthrough() {
    let dir = TempDir::new("cli-forward");
    let out = ok(&["forward"], dir.dir());
    // Row 1 of p, the projection of "tape" in L. Lorenz's tutorial.
    assert!(out.contains("0.5986585"), "{out}");
    // The score of "duct", 0.42451664 in the tutorial.
    assert!(out.contains("0.424517"), "{out}");
    assert!(out.contains("V = 6"), "{out}");
}

#[test]
fn phrases_are_learned_written_and_applied_in_training() {
    let dir = TempDir::new("cli-phrases");
    let d = dir.dir();
    // "new york" among 50 filler words; "new car" and "old york" are rarer pairs.
    let mut state = 7u64;
    let mut filler = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        format!("w{}", (state >> 33) % 50)
    };
    let mut text = String::new();
    for _ in 0..800 {
        let (a, b, c, e) = (filler(), filler(), filler(), filler());
        text.push_str(&format!("{a} {b} new york {c} {e}\n"));
    }
    for _ in 0..40 {
        let (a, b, c, e) = (filler(), filler(), filler(), filler());
        text.push_str(&format!("{a} new car {b}\n{c} old york {e}\n"));
    }
    std::fs::write(d.join("c.txt"), &text).unwrap();
    // npmi(new york) ≈ 0.95, npmi(new car) ≈ 0.37, filler pairs ≈ 0.1.
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
            "--save-table",
            "t.phr",
            "--threads",
            "2",
        ],
        d,
    );
    let phrased = std::fs::read_to_string(d.join("p.txt")).unwrap();
    assert_eq!(
        phrased.matches("new_york").count(),
        800,
        "{}",
        &phrased[..200]
    );
    assert_eq!(phrased.lines().count(), 880);
    assert!(!phrased.contains("new_car") && !phrased.contains("old_york"));
    let mut args = vec![
        "train",
        "--input",
        "c.txt",
        "--phrases",
        "t.phr",
        "--output",
        "v.txt",
    ];
    args.extend_from_slice(TRAIN);
    ok(&args, d);
    let vectors = std::fs::read_to_string(d.join("v.txt")).unwrap();
    assert!(vectors.lines().any(|l| l.starts_with("new_york ")));
    // Only c.txt, p.txt, t.phr and v.txt: the temporary phrased corpus is gone.
    let left: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 4, "{left:?}");
}

#[test]
fn similar_reads_every_fixture_without_being_told_its_format() {
    let dir = TempDir::new("cli-fixtures");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut seen = 0;
    for sub in ["gensim", "formats"] {
        for entry in std::fs::read_dir(root.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !matches!(ext, "txt" | "bin" | "vec") || name == "versions.txt" {
                continue;
            }
            // The first word of the file is always in its vocabulary.
            let emb = skipgram::Embeddings::load_word2vec(&path).unwrap();
            let word = emb.vocab().words()[0].clone();
            let out = ok(
                &["similar", path.to_str().unwrap(), "-k", "2", &word],
                dir.dir(),
            );
            assert!(out.starts_with(&format!("{word}:")), "{name}: {out}");
            seen += 1;
        }
    }
    assert!(seen >= 7, "{seen} files");
}

/// `--output-vectors sum` writes the rows of p + p'ᵀ of the trained model (checked against
/// the checkpoint of the same run); with hierarchical softmax it fails before training.
#[test]
fn output_vectors_sum_writes_word_plus_context_vectors() {
    let dir = TempDir::new("cli-sum");
    let d = dir.dir();
    std::fs::write(d.join("corpus.txt"), real_text(60_000)).unwrap();
    let mut args = vec![
        "train",
        "--input",
        "corpus.txt",
        "--output",
        "sum.txt",
        "--output-vectors",
        "sum",
        "--save-checkpoint",
        "m.ckpt",
    ];
    args.extend_from_slice(TRAIN);
    ok(&args, d);
    let sum = skipgram::Embeddings::load_word2vec_text(d.join("sum.txt")).unwrap();
    let (model, _) = skipgram::Checkpoint::load(d.join("m.ckpt")).unwrap();
    let expected = &model.input_weights() + &model.output_weights_transposed();
    assert_eq!(sum.vectors(), expected);
    assert_ne!(sum.vectors(), model.input_weights());

    let mut hs = vec!["train", "--input", "corpus.txt", "--output", "hs.txt"];
    hs.extend_from_slice(&["--hs", "1", "--output-vectors", "sum"]);
    hs.extend_from_slice(TRAIN);
    let err = fails(&hs, d);
    assert!(err.contains("hierarchical softmax"), "{err}");
    assert!(!d.join("hs.txt").exists());
}

#[test]
fn similar_and_evaluate_give_unseen_words_subword_vectors_from_a_fasttext_bin() {
    let dir = TempDir::new("cli-fasttext");
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fasttext/tiny.bin");
    let bin = bin.to_str().unwrap();
    let m = skipgram::io::fasttext::FastTextModel::read(bin).unwrap();
    assert!(m.word_index("unseenwordxyz").is_none());
    let out = ok(&["similar", bin, "-k", "3", "unseenwordxyz"], dir.dir());
    assert!(out.starts_with("unseenwordxyz:"), "{out}");
    assert_eq!(out.lines().count(), 4, "{out}");
    // A word with no n-gram and not in the vocabulary has no vector.
    let err = fails(&["similar", bin, "</s>"], dir.dir());
    assert!(err.contains("unknown word"), "{err}");
    let pairs = dir.dir().join("pairs.tsv");
    std::fs::write(
        &pairs,
        "the\tof\t5\nthe\tunseenwordxyz\t1\nof\tqqqq\t3\na\t</s>\t2\n",
    )
    .unwrap();
    let out = ok(
        &[
            "evaluate",
            bin,
            "--json",
            "--pairs",
            pairs.to_str().unwrap(),
        ],
        dir.dir(),
    );
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["pairs_used"], 3, "{v}");
    assert_eq!(v["pairs_oov"], 1, "{v}");
}

#[test]
fn train_with_subwords_writes_vectors_and_a_fasttext_model_that_answers_unseen_words() {
    let dir = TempDir::new("cli-subword-train");
    let d = dir.dir();
    std::fs::write(d.join("corpus.txt"), real_text(60_000)).unwrap();
    let mut args = vec![
        "train",
        "--input",
        "corpus.txt",
        "--output",
        "v.vec",
        "--minn",
        "3",
        "--maxn",
        "5",
        "--bucket",
        "5000",
        "--save-model",
        "m.bin",
    ];
    args.extend_from_slice(TRAIN);
    ok(&args, d);
    // The .vec holds the composed vectors of the vocabulary's words, as fastText's .vec.
    let vec = std::fs::read_to_string(d.join("v.vec")).unwrap();
    let (v, n) = vec.lines().next().unwrap().split_once(' ').unwrap();
    assert_eq!(n, "16");
    let model = skipgram::io::fasttext::FastTextModel::read(d.join("m.bin")).unwrap();
    assert_eq!(model.words().len().to_string(), v);
    // Every vocabulary word's .vec row is the model's vector of that word.
    let sub = skipgram::SubwordEmbeddings::new(model).unwrap();
    for line in vec.lines().skip(1).take(20) {
        let mut f = line.split(' ');
        let word = f.next().unwrap();
        let row: Vec<f32> = f.map(|x| x.parse().unwrap()).collect();
        let want = sub.embedding(word).unwrap();
        for (a, b) in row.iter().zip(want.iter()) {
            assert!(
                (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                "{word}: {a} vs {b}"
            );
        }
    }
    // A word outside the vocabulary has a vector from its n-grams.
    assert!(sub.embeddings().vocab().index("thethe").is_none());
    let out = ok(&["similar", "m.bin", "-k", "3", "thethe"], d);
    assert!(out.starts_with("thethe:"), "{out}");
    assert_eq!(out.lines().count(), 4, "{out}");
    // The .bin resumes: N more epochs of the same subword model, saved again as .bin.
    let resume = [
        "train",
        "--input",
        "corpus.txt",
        "--resume",
        "m.bin",
        "--iter",
        "1",
        "--output",
        "v2.vec",
        "--save-model",
        "m2.bin",
        "--threads",
        "2",
        "--quiet",
    ];
    ok(&resume, d);
    let again = skipgram::io::fasttext::FastTextModel::read(d.join("m2.bin")).unwrap();
    assert_eq!(again.args().epoch, 3, "2 epochs, then 1 more");
    assert_eq!(again.ngram_config(), sub.model().ngram_config());
    assert_ne!(
        again.input(),
        sub.model().input(),
        "the rows were trained further"
    );
    let mut contradicting = resume.to_vec();
    contradicting.extend_from_slice(&["--maxn", "4"]);
    assert!(fails(&contradicting, d).contains("maxn"));
    // Subword models are written as fastText .bin, not as checkpoints; --save-model needs
    // subwords.
    let mut bad = args.clone();
    bad.extend_from_slice(&["--save-checkpoint", "x.ckpt"]);
    assert!(fails(&bad, d).contains("--save-model"));
    assert!(!d.join("x.ckpt").exists());
    let mut word_level = vec!["train", "--input", "corpus.txt", "--output", "w.vec"];
    word_level.extend_from_slice(&["--save-model", "w.bin"]);
    word_level.extend_from_slice(TRAIN);
    assert!(fails(&word_level, d).contains("--maxn"));
}
