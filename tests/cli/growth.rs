//! `train --resume model.ckpt --update-vocab` and `train --init vectors`: continuing on a
//! new text with its new words added.

use super::{ok, skipgram};
use crate::common::TempDir;

/// Sentences of 12 words drawn from `words` (fixed pseudo-random order).
fn text(words: &[&str], sentences: usize, mut state: u64) -> String {
    let mut out = String::new();
    for _ in 0..sentences {
        for _ in 0..12 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            out.push_str(words[(state >> 33) as usize % words.len()]);
            out.push(' ');
        }
        out.push('\n');
    }
    out
}

/// The vector line of `word` in a word2vec text file.
fn line_of(path: &std::path::Path, word: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let prefix = format!("{word} ");
    text.lines()
        .skip(1)
        .find(|l| l.starts_with(&prefix))
        .map(str::to_string)
}

#[test]
fn a_checkpoint_or_word2vec_vectors_grow_to_a_new_text() {
    let dir = TempDir::new("cli-grow");
    let d = dir.dir();
    let a_words = ["cat", "dog", "horse", "cow", "the", "and"];
    let b_words = ["ship", "sea", "sail", "port", "the", "and"];
    std::fs::write(d.join("a.txt"), text(&a_words, 200, 1)).unwrap();
    std::fs::write(d.join("b.txt"), text(&b_words, 200, 2)).unwrap();
    let common = [
        "--size",
        "12",
        "--min-count",
        "1",
        "--threads",
        "2",
        "--quiet",
    ];
    let mut args = vec![
        "train", "--input", "a.txt", "--output", "a.vec", "--iter", "2",
    ];
    args.extend_from_slice(&common);
    args.extend_from_slice(&["--save-checkpoint", "a.ckpt"]);
    ok(&args, d);

    let resume = ["--resume", "a.ckpt", "--update-vocab", "--quiet"];
    let init = ["--init", "a.vec", "--min-count", "1", "--quiet"];
    for (how, out) in [(&resume[..], "ab.vec"), (&init[..], "ib.vec")] {
        let mut args = vec!["train", "--input", "b.txt", "--output", out, "--iter", "2"];
        args.extend_from_slice(how);
        ok(&args, d);
        let head = std::fs::read_to_string(d.join(out)).unwrap();
        assert!(head.starts_with("10 12\n"), "{how:?}: {}", &head[..10]);
        // Words of a.txt that b.txt lacks keep their vectors, to the printed digit.
        for w in ["cat", "dog", "horse", "cow"] {
            assert_eq!(
                line_of(&d.join(out), w),
                line_of(&d.join("a.vec"), w),
                "{how:?} {w}"
            );
        }
        for w in ["ship", "sea", "sail", "port", "the"] {
            assert!(line_of(&d.join(out), w).is_some(), "{how:?}: {w} missing");
        }
        assert_ne!(
            line_of(&d.join(out), "the"),
            line_of(&d.join("a.vec"), "the")
        );
    }

    // --update-vocab needs --resume; --init and --resume contradict each other.
    for args in [
        &["train", "--input", "b.txt", "--update-vocab"][..],
        &[
            "train", "--input", "b.txt", "--init", "a.vec", "--resume", "a.ckpt",
        ][..],
    ] {
        assert_eq!(skipgram(args, d).status.code(), Some(2), "{args:?}");
    }
}
