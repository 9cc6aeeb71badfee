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
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use skipgram::{Corpus, CountOptions};

#[derive(Parser, Debug)]
#[command(about = "Count a corpus's word types (skipgram's vocabulary pass)")]
struct Args {
    /// Corpus file (whitespace-separated tokens).
    input: PathBuf,
    /// Threads counting in parallel.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Keep types seen at least this many times.
    #[arg(long, default_value_t = 1)]
    min_count: u64,
    /// Keep at most this many types in the vocabulary.
    #[arg(long)]
    max_final_vocab: Option<usize>,
    /// Hold at most this many types while counting (prune the rarest beyond it).
    #[arg(long)]
    max_vocab_size: Option<usize>,
    /// How many of the most frequent words to print.
    #[arg(long, default_value_t = 10)]
    top: usize,
}

fn main() -> Result<(), skipgram::Error> {
    let args = Args::parse();
    let corpus = Corpus::from_path(&args.input)?;
    let opts = CountOptions {
        threads: args.threads,
        min_count: args.min_count,
        max_final_vocab: args.max_final_vocab,
        max_vocab_size: args.max_vocab_size,
    };
    let start = Instant::now();
    let counts = corpus.count_words(&opts)?;
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
        args.threads,
        built.as_secs_f64()
    );
    Ok(())
}
