//! word2vec.c's and fastText's command lines, translated to this program's before clap
//! parses them, so that an existing script runs with only the program name changed.
//!
//! * `skipgram train -train c.txt -output v.bin -size 50 -binary 1 …`: word2vec.c's
//!   single-dash names and value forms (`-hs 0/1`, `-binary 0/1`, `-cbow 0`). word2vec.c
//!   trains CBOW unless told `-cbow 0`; this program trains skip-gram only, so an absent
//!   `-cbow` means skip-gram and `-cbow 1` is an error.
//! * `skipgram skipgram -input c.txt -output v -dim 50 …`: fastText's subcommand and names
//!   (`-pretrainedVectors` is `--init`; `-minn`, `-maxn`, `-bucket` train subword vectors).
//!   As fastText, `-output v` writes `v.vec` (word2vec text format) and, with subwords,
//!   `v.bin` (fastText's model format). fastText's defaults that differ from this
//!   program's, `-lr 0.05`, `-t 1e-4`, `-minn 3` and `-maxn 6`, apply when the command line
//!   does not set them.
//!
//! Double-dash options pass through unchanged and may be mixed in.

use std::ffi::OsString;

/// How a single-dash option translates.
#[derive(Clone, Copy)]
enum Form {
    /// `-name value` → `--long value`.
    Value(&'static str),
    /// `-name 0|1` → `--long 0|1`.
    Bool(&'static str),
    /// `-output`: the file (word2vec.c) or the prefix of `prefix.vec` (fastText).
    Output,
    /// `-cbow 0|1`: 0 is skip-gram, 1 is refused.
    Cbow,
    /// Accepted and ignored when its value is one of these (`-debug`, `-classes 0`).
    Ignored(&'static [&'static str]),
}

/// word2vec.c's and fastText's option names and what they become.
const NAMES: &[(&str, Form)] = &[
    // word2vec.c
    ("train", Form::Value("--input")),
    ("output", Form::Output),
    ("size", Form::Value("--size")),
    ("window", Form::Value("--window")),
    ("negative", Form::Value("--negative")),
    ("hs", Form::Bool("--hs")),
    ("sample", Form::Value("--sample")),
    ("min-count", Form::Value("--min-count")),
    ("iter", Form::Value("--iter")),
    ("alpha", Form::Value("--alpha")),
    ("threads", Form::Value("--threads")),
    ("binary", Form::Bool("--binary")),
    ("save-vocab", Form::Value("--save-vocab")),
    ("read-vocab", Form::Value("--read-vocab")),
    ("cbow", Form::Cbow),
    ("debug", Form::Ignored(&[])),
    ("classes", Form::Ignored(&["0"])),
    // fastText
    ("input", Form::Value("--input")),
    ("dim", Form::Value("--size")),
    ("ws", Form::Value("--window")),
    ("epoch", Form::Value("--iter")),
    ("lr", Form::Value("--alpha")),
    ("thread", Form::Value("--threads")),
    ("minCount", Form::Value("--min-count")),
    ("neg", Form::Value("--negative")),
    ("t", Form::Value("--sample")),
    ("loss", Form::Value("--loss")),
    ("pretrainedVectors", Form::Value("--init")),
    ("minn", Form::Value("--minn")),
    ("maxn", Form::Value("--maxn")),
    ("bucket", Form::Value("--bucket")),
    // fastText's word n-grams (a supervised-model option) are not implemented.
    ("wordNgrams", Form::Ignored(&["1"])),
    ("verbose", Form::Ignored(&[])),
];

/// fastText's defaults that differ from `skipgram train`'s: (option, value).
const FASTTEXT_DEFAULTS: &[(&str, &str)] = &[
    ("--alpha", "0.05"),
    ("--sample", "1e-4"),
    ("--minn", "3"),
    ("--maxn", "6"),
];

/// A translated command line, and notes to print on stderr.
#[derive(Debug, PartialEq)]
pub(crate) struct Translated {
    pub(crate) args: Vec<OsString>,
    pub(crate) notes: Vec<String>,
}

/// Translates `argv` (program name first). Only `train` and `skipgram` command lines change;
/// every other one is returned as it is.
///
/// # Errors
/// A message for `-cbow 1`, a 0/1 option with another value, an option without its value,
/// or an unknown single-dash name of more than one letter.
pub(crate) fn translate(argv: Vec<OsString>) -> Result<Translated, String> {
    let fasttext = match argv.get(1).and_then(|a| a.to_str()) {
        Some("skipgram") => true,
        Some("train") => false,
        _ => {
            return Ok(Translated {
                args: argv,
                notes: Vec::new(),
            })
        }
    };
    let mut args = argv;
    let rest = args.split_off(2);
    args[1] = "train".into();
    let mut notes = Vec::new();
    let mut hs = false;
    let mut negative_zero = false;
    // fastText's `-output v`: the model goes to v.bin beside the vectors in v.vec.
    let mut model_path = None;
    let mut it = rest.into_iter();
    while let Some(arg) = it.next() {
        let Some(name) = single_dash_name(&arg) else {
            args.push(arg);
            continue;
        };
        let Some(&(_, form)) = NAMES.iter().find(|(n, _)| *n == name) else {
            return Err(format!(
                "unknown option '-{name}' (skipgram train takes word2vec.c's and fastText's \
                 single-dash names for the options it has, and its own --options)"
            ));
        };
        let value = it
            .next()
            .ok_or_else(|| format!("option '-{name}' needs a value"))?;
        let text = value.to_string_lossy().into_owned();
        match form {
            Form::Value(long) => {
                if long == "--negative" {
                    negative_zero = text == "0";
                }
                args.extend([long.into(), value]);
            }
            Form::Bool(long) => {
                if text != "0" && text != "1" {
                    return Err(format!("option '-{name}' takes 0 or 1, not '{text}'"));
                }
                hs |= long == "--hs" && text == "1";
                args.extend([long.into(), value]);
            }
            Form::Output if fasttext => {
                let mut vec = value.clone();
                vec.push(".vec");
                let mut bin = value;
                bin.push(".bin");
                model_path = Some(bin);
                args.extend(["--output".into(), vec]);
            }
            Form::Output => args.extend(["--output".into(), value]),
            Form::Cbow => match text.as_str() {
                "0" => {}
                "1" => {
                    return Err("-cbow 1: CBOW is not implemented; skipgram trains \
                                skip-gram only (-cbow 0)"
                        .into())
                }
                _ => return Err(format!("option '-cbow' takes 0 or 1, not '{text}'")),
            },
            Form::Ignored(allowed) => {
                if !allowed.is_empty() && !allowed.contains(&text.as_str()) {
                    return Err(format!(
                        "option '-{name} {text}' is not implemented (-{name} {} is accepted)",
                        allowed.join("|")
                    ));
                }
            }
        }
    }
    if fasttext {
        for (long, default) in FASTTEXT_DEFAULTS {
            if !args.iter().any(|a| a == *long) {
                args.extend([(*long).into(), (*default).into()]);
            }
        }
    }
    // With subwords (fastText's default), fastText also writes the model as v.bin.
    let maxn = args
        .iter()
        .rposition(|a| a == "--maxn")
        .and_then(|i| args.get(i + 1));
    let subwords = maxn.is_some_and(|m| m != "0");
    if let (Some(bin), true) = (model_path, subwords) {
        if !args.iter().any(|a| a == "--save-model") {
            args.extend(["--save-model".into(), bin]);
        }
    }
    if hs && !negative_zero {
        notes.push(
            "note: with -hs 1, word2vec.c also trains negative sampling unless -negative 0; \
             skipgram trains hierarchical softmax only"
                .into(),
        );
    }
    Ok(Translated { args, notes })
}

/// `name` for an argument `-name` that is a single-dash option name to translate: more than
/// one character starting with a letter, or a one-letter name of the table (fastText's
/// `-t`); so `-q`, `--input` and `-0.5` are not.
fn single_dash_name(arg: &OsString) -> Option<&str> {
    let name = arg.to_str()?.strip_prefix('-')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    let long = first.is_ascii_alphabetic() && chars.next().is_some();
    (long || NAMES.iter().any(|(n, _)| *n == name)).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(line: &str) -> Result<Translated, String> {
        translate(line.split(' ').map(OsString::from).collect())
    }

    fn args(line: &str) -> String {
        let t = run(line).unwrap();
        let v: Vec<_> = t.args.iter().map(|a| a.to_str().unwrap()).collect();
        v.join(" ")
    }

    #[test]
    fn word2vec_c_command_line() {
        assert_eq!(
            args(
                "skipgram train -train c.txt -output v.bin -size 50 -window 5 -negative 5 \
                 -hs 0 -sample 1e-4 -threads 2 -binary 1 -iter 1"
            ),
            "skipgram train --input c.txt --output v.bin --size 50 --window 5 --negative 5 \
             --hs 0 --sample 1e-4 --threads 2 --binary 1 --iter 1"
        );
        assert_eq!(
            args(
                "sg train -cbow 0 -min-count 2 -alpha 0.05 -save-vocab a -read-vocab b \
                 -debug 2 -classes 0"
            ),
            "sg train --min-count 2 --alpha 0.05 --save-vocab a --read-vocab b"
        );
    }

    #[test]
    fn fasttext_command_line() {
        assert_eq!(
            args(
                "skipgram skipgram -input c.txt -output v -dim 50 -ws 5 -epoch 1 -lr 0.05 \
                 -thread 2 -minCount 1 -neg 5 -t 1e-4"
            ),
            "skipgram train --input c.txt --output v.vec --size 50 --window 5 --iter 1 \
             --alpha 0.05 --threads 2 --min-count 1 --negative 5 --sample 1e-4 --minn 3 \
             --maxn 6 --save-model v.bin"
        );
        // fastText's defaults where they differ from ours.
        assert_eq!(
            args("skipgram skipgram -input c.txt -output v"),
            "skipgram train --input c.txt --output v.vec --alpha 0.05 --sample 1e-4 --minn 3 \
             --maxn 6 --save-model v.bin"
        );
        // With -maxn 0 (word vectors only) no v.bin is written, where fastText writes one:
        // a word-level model is kept with --save-checkpoint here.
        assert_eq!(
            args("skipgram skipgram -input c.txt -output v -maxn 0 -bucket 10"),
            "skipgram train --input c.txt --output v.vec --maxn 0 --bucket 10 --alpha 0.05 \
             --sample 1e-4 --minn 3"
        );
        assert_eq!(
            args("s skipgram -loss hs -pretrainedVectors p.vec -minn 0 -maxn 0 -verbose 2 -lr 0.1"),
            "s train --loss hs --init p.vec --minn 0 --maxn 0 --alpha 0.1 --sample 1e-4"
        );
    }

    #[test]
    fn own_options_and_other_subcommands_pass_through() {
        assert_eq!(
            args("skipgram train --input c.txt -o v.txt -q --hs --size 20 -window 3 -t 0"),
            "skipgram train --input c.txt -o v.txt -q --hs --size 20 --window 3 --sample 0"
        );
        // A value that looks like an option is taken as the value.
        assert_eq!(args("s train -alpha -0.5"), "s train --alpha -0.5");
        assert_eq!(
            args("skipgram similar -size v.bin"),
            "skipgram similar -size v.bin"
        );
        assert_eq!(args("skipgram"), "skipgram");
    }

    #[test]
    fn refusals_name_the_option() {
        let e = run("s train -cbow 1").unwrap_err();
        assert!(e.contains("CBOW is not implemented"), "{e}");
        for (line, part) in [
            ("s train -hs yes", "'-hs' takes 0 or 1"),
            ("s train -binary 2", "'-binary' takes 0 or 1"),
            ("s train -cbow 2", "'-cbow' takes 0 or 1"),
            ("s train -size", "'-size' needs a value"),
            ("s skipgram -wordNgram 3", "unknown option '-wordNgram'"),
            (
                "s skipgram -wordNgrams 2",
                "'-wordNgrams 2' is not implemented (-wordNgrams 1 is accepted)",
            ),
            ("s train -classes 500", "'-classes 500' is not implemented"),
        ] {
            let e = run(line).unwrap_err();
            assert!(e.contains(part), "{line}: {e}");
        }
    }

    #[test]
    fn hierarchical_softmax_gets_a_note() {
        assert_eq!(run("s train -hs 1").unwrap().notes.len(), 1);
        assert!(run("s train -hs 1 -negative 0").unwrap().notes.is_empty());
        assert!(run("s train -hs 0").unwrap().notes.is_empty());
    }
}
