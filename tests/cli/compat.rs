//! word2vec.c's and fastText's command lines, in their scripts' exact forms.

use super::{ok, skipgram};
use crate::common::{real_text, TempDir};

/// The first line of a word2vec file: "V N".
fn header(path: &std::path::Path) -> (usize, usize) {
    let bytes = std::fs::read(path).unwrap();
    let end = bytes.iter().position(|&b| b == b'\n').unwrap();
    let line = std::str::from_utf8(&bytes[..end]).unwrap();
    let (v, n) = line.split_once(' ').unwrap();
    (v.parse().unwrap(), n.parse().unwrap())
}

#[test]
fn a_word2vec_c_script_runs() {
    let dir = TempDir::new("cli-w2v");
    let d = dir.dir();
    std::fs::write(d.join("c.txt"), real_text(60_000)).unwrap();
    let line = "train -train c.txt -output v.bin -size 50 -window 5 -negative 5 -hs 0 \
                -sample 1e-4 -threads 2 -binary 1 -iter 1";
    ok(&line.split_whitespace().collect::<Vec<_>>(), d);
    // Binary: V words, each with 50 four-byte floats.
    let (v, n) = header(&d.join("v.bin"));
    assert_eq!(n, 50);
    let len = std::fs::metadata(d.join("v.bin")).unwrap().len() as usize;
    assert!(len > v * 50 * 4, "{len} bytes for {v} words");
    let out = ok(&["similar", "v.bin", "the"], d);
    assert!(out.contains("the:"), "{out}");

    // -cbow 0, -min-count, -alpha, -save-vocab, then -read-vocab; text output.
    let line = "train -train c.txt -output v.txt -cbow 0 -size 8 -min-count 3 -alpha 0.05 \
                -iter 1 -threads 1 -save-vocab vocab.txt";
    ok(&line.split_whitespace().collect::<Vec<_>>(), d);
    let words = std::fs::read_to_string(d.join("vocab.txt")).unwrap();
    assert_eq!(header(&d.join("v.txt")), (words.lines().count(), 8));
    let line =
        "train -train c.txt -output v2.txt -size 8 -read-vocab vocab.txt -min-count 3 -iter 1 \
                -threads 1";
    ok(&line.split_whitespace().collect::<Vec<_>>(), d);
    assert_eq!(header(&d.join("v2.txt")), (words.lines().count(), 8));
}

#[test]
fn a_fasttext_script_runs_and_writes_the_vec_file() {
    let dir = TempDir::new("cli-ft");
    let d = dir.dir();
    std::fs::write(d.join("c.txt"), real_text(60_000)).unwrap();
    let line = "skipgram -input c.txt -output v -dim 50 -ws 5 -epoch 1 -lr 0.05 -thread 2 \
                -minCount 1 -neg 5 -t 1e-4 -bucket 20000";
    ok(&line.split_whitespace().collect::<Vec<_>>(), d);
    let (v, n) = header(&d.join("v.vec"));
    assert_eq!(n, 50);
    let text = std::fs::read_to_string(d.join("v.vec")).unwrap();
    assert_eq!(text.lines().count(), v + 1, "a text file of V vectors");
    // As fastText, with its default subwords (minn 3, maxn 6), the model goes to v.bin.
    let model = skipgram::io::fasttext::FastTextModel::read(d.join("v.bin")).unwrap();
    assert_eq!((model.words().len(), model.dim()), (v, 50));
    let ngrams = model.ngram_config();
    assert_eq!((ngrams.minn, ngrams.maxn, ngrams.bucket), (3, 6, 20000));
    assert!(!d.join("v").exists());
}

#[test]
fn cbow_and_unknown_single_dash_options_are_usage_errors() {
    let dir = TempDir::new("cli-compat-bad");
    let d = dir.dir();
    for (args, says) in [
        (
            &["train", "-train", "c.txt", "-cbow", "1"][..],
            "CBOW is not implemented",
        ),
        (&["train", "-binary", "yes"][..], "'-binary' takes 0 or 1"),
        (
            &["skipgram", "-input", "c.txt", "-buckets", "9"][..],
            "unknown option '-buckets'",
        ),
        (
            &["skipgram", "-input", "c.txt", "-wordNgrams", "3"][..],
            "'-wordNgrams 3' is not implemented",
        ),
    ] {
        let out = skipgram(args, d);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with("error: ") && err.contains(says), "{err}");
    }
    assert!(
        std::fs::read_dir(d).unwrap().next().is_none(),
        "no file written"
    );
}
