//! `skipgram vocab`: count a corpus and write its vocabulary.

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use skipgram::{Corpus, CountOptions, TrainConfig, VocabConfig};

use crate::CliResult;

#[derive(Parser, Debug)]
pub(crate) struct VocabArgs {
    /// The corpus to count (whitespace-separated tokens), plain or compressed with gzip,
    /// bzip2, xz or zstd.
    #[arg(long, short = 'i', visible_alias = "train")]
    input: PathBuf,
    /// Tokenise raw text (as `skipgram train --tokenize`).
    #[arg(long)]
    tokenize: bool,
    /// With --tokenize: also strip accents.
    #[arg(long, requires = "tokenize")]
    strip_accents: bool,
    /// Where to write `word count` lines, most frequent first (word2vec.c's -save-vocab).
    #[arg(
        long,
        short = 'o',
        visible_alias = "save-vocab",
        default_value = "vocab.txt"
    )]
    output: PathBuf,
    #[command(flatten)]
    vocab: VocabOptions,
    /// Counting threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Accept invalid UTF-8 (replaced by U+FFFD) instead of failing.
    #[arg(long)]
    lossy: bool,
}

/// The vocabulary options `skipgram vocab` and `skipgram train` share.
#[derive(clap::Args, Debug)]
pub(crate) struct VocabOptions {
    /// Discard words seen fewer times.
    #[arg(long, default_value_t = VocabConfig::default().min_count)]
    pub(crate) min_count: u64,
    /// Keep at most this many of the most frequent words (gensim's max_final_vocab).
    #[arg(long, visible_alias = "max-vocab")]
    pub(crate) max_final_vocab: Option<usize>,
    /// Bound the types held while counting; the rarest are pruned when it is exceeded
    /// (gensim's max_vocab_size, word2vec.c's ReduceVocab).
    #[arg(long)]
    pub(crate) max_vocab_size: Option<usize>,
}

impl VocabOptions {
    /// The library's vocabulary settings.
    pub(crate) fn config(&self) -> VocabConfig {
        VocabConfig {
            min_count: self.min_count,
            max_final_vocab: self.max_final_vocab,
            max_vocab_size: self.max_vocab_size,
        }
    }
}

pub(crate) fn run(args: VocabArgs) -> CliResult {
    skipgram::io::check_outputs(&[&args.input], &[&args.output])?;
    let corpus = Corpus::from_path(&args.input)?
        .with_tokenizer(crate::train::tokenizer(args.tokenize, args.strip_accents))
        .lossy_utf8(args.lossy);
    let options = CountOptions {
        vocab: args.vocab.config(),
        threads: args.threads.unwrap_or(TrainConfig::default().threads),
    };
    crate::warn_threads(options.threads);
    let t0 = Instant::now();
    let vocab = corpus.build_vocabulary_with(&options)?;
    eprintln!(
        "{} words, {} tokens in vocabulary, counted in {:.2} s",
        vocab.len(),
        vocab.total_count(),
        t0.elapsed().as_secs_f64()
    );
    vocab.save_counts(&args.output)?;
    eprintln!("wrote {}", args.output.display());
    Ok(())
}
