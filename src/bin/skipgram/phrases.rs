//! `skipgram phrases`: learn phrases ("new_york") and write the phrased corpus
//! (word2vec.c's `word2phrase`, gensim's `Phrases`).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use skipgram::phrases::{FrozenPhrases, PhraseModel, Phrases, PhrasesConfig, Scoring};
use skipgram::Corpus;

use crate::CliResult;

#[derive(Parser, Debug)]
pub(crate) struct PhrasesArgs {
    /// The corpus (whitespace-separated tokens; newlines end sentences).
    #[arg(long, short = 'i', visible_alias = "train")]
    input: PathBuf,
    /// Where to write the corpus with its phrases joined (`new_york`).
    #[arg(long, short = 'o')]
    output: PathBuf,
    /// Score above which a pair becomes a phrase (default: 10 for the default scorer,
    /// 100 for word2vec, 0.5 for npmi).
    #[arg(long)]
    threshold: Option<f64>,
    /// Least count of a phrase, and the discount δ of the default scorers.
    #[arg(long, default_value_t = 5)]
    min_count: u64,
    /// Passes: pass 2 learns from pass 1's output and builds 3- and 4-word phrases.
    #[arg(long, default_value_t = 1)]
    passes: usize,
    /// The scorer: `gensim` (gensim's default), `word2vec` (word2vec.c's word2phrase) or
    /// `npmi`.
    #[arg(long, default_value = "gensim")]
    scorer: String,
    /// No connector words ("of", "the", …) inside phrases (gensim's own default).
    #[arg(long)]
    no_connectors: bool,
    /// Bound on the entries held while counting (the rarest are pruned when exceeded).
    #[arg(long, default_value_t = 40_000_000)]
    max_vocab_size: usize,
    /// Also save the last pass's phrase table (phrase → score), for `train --phrases`.
    #[arg(long)]
    save_table: Option<PathBuf>,
    /// Counting threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

impl PhrasesArgs {
    fn config(&self) -> skipgram::Result<PhrasesConfig> {
        // The library names the allowed values of an unknown name (exit status 1).
        let scoring = self.scorer.parse::<Scoring>()?;
        let threshold = match scoring {
            Scoring::Word2VecC => 100.0,
            Scoring::Npmi => 0.5,
            _ => 10.0,
        };
        let mut config = PhrasesConfig {
            min_count: self.min_count,
            threshold: self.threshold.unwrap_or(threshold),
            scoring,
            max_vocab_size: self.max_vocab_size,
            ..PhrasesConfig::default()
        };
        if self.no_connectors {
            config.connector_words.clear();
        }
        Ok(config)
    }
}

pub(crate) fn run(args: PhrasesArgs) -> CliResult {
    if args.passes == 0 {
        return Err("--passes must be at least 1".into());
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    crate::warn_threads(threads);
    let dir = tempfile::tempdir_in(parent(&args.output))?;
    let mut input = args.input.clone();
    let mut table = None;
    for pass in 1..=args.passes {
        let t0 = Instant::now();
        let phrases = Phrases::learn_file_parallel(args.config()?, &input, threads)?;
        let frozen = phrases.freeze();
        eprintln!(
            "pass {pass}: {} words, {} phrases above the threshold, learned in {:.2} s",
            phrases.total_words(),
            frozen.len(),
            t0.elapsed().as_secs_f64()
        );
        let out = if pass == args.passes {
            args.output.clone()
        } else {
            dir.path().join(format!("pass{pass}.txt"))
        };
        write_phrased(&frozen, &input, &out)?;
        input = out;
        table = Some(frozen);
    }
    eprintln!("wrote {}", args.output.display());
    if let (Some(path), Some(table)) = (&args.save_table, table) {
        table.save(path)?;
        eprintln!("wrote the phrase table to {}", path.display());
    }
    Ok(())
}

pub(crate) fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Writes `input` with the phrases of `table` joined to `output`, atomically.
pub(crate) fn write_phrased(
    table: &FrozenPhrases,
    input: &Path,
    output: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let corpus = Corpus::from_path(input)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".skipgram-tmp-")
        .tempfile_in(parent(output))?;
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        table.write_phrased(&corpus, &mut w)?;
        w.flush()?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(output).map_err(|e| e.error)?;
    Ok(())
}
