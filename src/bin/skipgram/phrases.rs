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
    /// The corpus (whitespace-separated tokens; newlines end sentences), plain or
    /// compressed with gzip, bzip2, xz or zstd.
    #[arg(long, short = 'i', visible_alias = "train")]
    input: PathBuf,
    /// Tokenise raw text first (as `skipgram train --tokenize`).
    #[arg(long)]
    tokenize: bool,
    /// With --tokenize: also strip accents.
    #[arg(long, requires = "tokenize")]
    strip_accents: bool,
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
    /// Also save the last pass's phrase table (phrase → score), for `train --phrases`.
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
    if args.passes == 0 {
        return Err("--passes must be at least 1".into());
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    crate::warn_threads(threads);
    let dir = tempfile::tempdir_in(parent(&args.output))?;
    let mut input = args.input.clone();
    let corpus = Corpus::from_path(&input)?
        .with_tokenizer(crate::train::tokenizer(args.tokenize, args.strip_accents));
    if corpus.compression().is_some() || !corpus.is_verbatim() {
        // Phrases are learned on byte ranges of plain text: write the decompressed,
        // tokenised text next to the output first.
        let t0 = Instant::now();
        input = dir.path().join("input.txt");
        let mut w = BufWriter::new(std::fs::File::create(&input)?);
        let n = corpus.write_tokens(&mut w)?;
        w.flush()?;
        eprintln!(
            "read {n} tokens from {} in {:.2} s",
            args.input.display(),
            t0.elapsed().as_secs_f64()
        );
    }
    let mut table = None;
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
        write_phrased(&frozen, &Corpus::from_path(&input)?, &out)?;
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

/// Writes `corpus` with the phrases of `table` joined to `output`, atomically.
pub(crate) fn write_phrased(
    table: &FrozenPhrases,
    corpus: &Corpus,
    output: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".skipgram-tmp-")
        .tempfile_in(parent(output))?;
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        table.write_phrased(corpus, &mut w)?;
        w.flush()?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(output).map_err(|e| e.error)?;
    Ok(())
}
