//! Counts the word types of a corpus file and prints the most frequent, with timings: the
//! vocabulary pass on its own, on several threads, with a bound on the types held.
//!
//! ```sh
//! cargo run --release --example count_vocab -- FILE --threads 2 --top 20
//! cargo run --release --example count_vocab -- FILE --max-vocab-size 500000
//! ```
//!
//! Output: one `word<TAB>count` line per top word, then a summary on standard error (tokens,
//! types, pruning threshold, seconds for counting and for sorting into a vocabulary).

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use skipgram::{Corpus, CountOptions};

/// `FILE [--threads N] [--min-count N] [--max-final-vocab N] [--max-vocab-size N] [--top N]`
struct Args {
    input: String,
    opts: CountOptions,
    top: usize,
}

fn parse() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut args = Args {
        input: String::new(),
        opts: CountOptions::default(),
        top: 10,
    };
    while let Some(a) = it.next() {
        let mut value = |name: &str| -> Result<usize, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match a.as_str() {
            "--threads" => args.opts.threads = value("--threads")?,
            "--min-count" => args.opts.vocab.min_count = value("--min-count")? as u64,
            "--max-final-vocab" => {
                args.opts.vocab.max_final_vocab = Some(value("--max-final-vocab")?)
            }
            "--max-vocab-size" => args.opts.vocab.max_vocab_size = Some(value("--max-vocab-size")?),
            "--top" => args.top = value("--top")?,
            _ if a.starts_with("--") => return Err(format!("unknown option {a}")),
            _ => args.input = a,
        }
    }
    if args.input.is_empty() {
        return Err("usage: count_vocab FILE [--threads N] [--min-count N] \
                    [--max-final-vocab N] [--max-vocab-size N] [--top N]"
            .into());
    }
    Ok(args)
}

fn main() -> ExitCode {
    match parse() {
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
        Ok(args) => match run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

fn run(args: &Args) -> Result<(), skipgram::Error> {
    let corpus = Corpus::from_path(&args.input)?;
    let start = Instant::now();
    let counts = corpus.count_words(&args.opts)?;
    let counted = start.elapsed();
    let (tokens, types, pruned) = (
        counts.token_count(),
        counts.type_count(),
        counts.pruned_at(),
    );
    let start = Instant::now();
    let vocab = counts.build()?;
    let built = start.elapsed();

    let mut out = std::io::stdout().lock();
    for (w, c) in vocab.iter().take(args.top) {
        writeln!(out, "{w}\t{c}")?;
    }
    eprintln!(
        "{tokens} tokens, {types} types held (pruned at count <= {pruned}), vocabulary {} types; \
         counting {:.3} s on {} thread(s), building {:.3} s",
        vocab.len(),
        counted.as_secs_f64(),
        args.opts.threads,
        built.as_secs_f64()
    );
    Ok(())
}
