//! `skipgram phrases`: learn phrases ("new_york") and write the phrased corpus
//! (word2vec.c's `word2phrase`, gensim's `Phrases`).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use skipgram::phrases::{PhraseModel, PhrasePasses, Phrases, PhrasesConfig, Scoring};
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
    /// The scorer: `default` (gensim), `word2vec` (word2vec.c's word2phrase) or `npmi`.
    #[arg(long, value_parser = ["default", "word2vec", "npmi"], default_value = "default")]
    scorer: String,
    /// No connector words ("of", "the", …) inside phrases (gensim's own default).
    #[arg(long)]
    no_connectors: bool,
    /// Bound on the entries held while counting (the rarest are pruned when exceeded).
    #[arg(long, default_value_t = 40_000_000)]
    max_vocab_size: usize,
    /// Also save the phrase table (phrase → score) of every pass, for `train --phrases`,
    /// which applies the passes in order.
    #[arg(long)]
    save_table: Option<PathBuf>,
    /// Counting threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

impl PhrasesArgs {
    fn config(&self) -> PhrasesConfig {
        let (scoring, threshold) = match self.scorer.as_str() {
            "word2vec" => (Scoring::Word2VecC, 100.0),
            "npmi" => (Scoring::Npmi, 0.5),
            _ => (Scoring::GensimDefault, 10.0),
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
        config
    }
}

pub(crate) fn run(args: PhrasesArgs) -> CliResult {
    // Checked before anything is read or written, with the caps training uses.
    let max_passes = skipgram::TrainConfig::MAX_SIZE;
    if !(1..=max_passes).contains(&args.passes) {
        return Err(format!("--passes must be in 1..={max_passes}, got {}", args.passes).into());
    }
    let max_threads = skipgram::TrainConfig::MAX_THREADS;
    if args
        .threads
        .is_some_and(|t| !(1..=max_threads).contains(&t))
    {
        return Err(format!(
            "--threads must be in 1..={max_threads}, got {}",
            args.threads.unwrap_or(0)
        )
        .into());
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .min(max_threads);
    crate::warn_threads(threads);
    let dir = tempfile::tempdir_in(parent(&args.output))?;
    let mut input = args.input.clone();
    let mut tables = Vec::new();
    for pass in 1..=args.passes {
        let t0 = Instant::now();
        let phrases = Phrases::learn_file_parallel(args.config(), &input, threads)?;
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
        write_phrased(|c, w| frozen.write_phrased(c, w), &input, &out)?;
        input = out;
        tables.push(frozen);
    }
    eprintln!("wrote {}", args.output.display());
    if let Some(path) = &args.save_table {
        // Every pass, applied in order by `train --phrases`: a later pass's phrases are
        // made of the earlier passes' ("new_york city").
        PhrasePasses::new(tables)?.save(path)?;
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
    table: impl FnOnce(&Corpus, &mut dyn Write) -> skipgram::Result<()>,
    input: &Path,
    output: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let corpus = Corpus::from_path(input)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".skipgram-tmp-")
        .tempfile_in(parent(output))?;
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        table(&corpus, &mut w)?;
        w.flush()?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(output).map_err(|e| e.error)?;
    Ok(())
}
