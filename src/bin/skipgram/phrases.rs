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
    #[arg(long, default_value_t = PhrasesConfig::default().min_count)]
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
    #[arg(long, default_value_t = PhrasesConfig::default().max_vocab_size)]
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
    let outputs: Vec<&Path> = [Some(&args.output), args.save_table.as_ref()]
        .into_iter()
        .flatten()
        .map(PathBuf::as_path)
        .collect();
    skipgram::io::check_outputs(&[&args.input], &outputs)?;
    // Each pass but the last writes its output to an unlinked temporary file next to the
    // output, which the next pass learns from: nothing is left behind, however the run ends.
    let mut input = Corpus::from_path(&args.input)?
        .with_tokenizer(crate::train::tokenizer(args.tokenize, args.strip_accents));
    // The first pass learns from byte ranges of the plain file on every thread; compressed
    // or tokenised text is decompressed and tokenised into an unlinked file first.
    let plain = input.compression().is_none() && input.is_verbatim();
    if !plain {
        let t0 = Instant::now();
        let dir = parent(&args.output);
        let mut w = BufWriter::new(skipgram::io::unlinked_temp_file(dir, "input")?);
        let n = input.write_tokens(&mut w)?;
        let file = w.into_inner().map_err(|e| skipgram::Error::Io {
            path: Some(dir.to_path_buf()),
            source: e.into_error(),
        })?;
        input = Corpus::from_file(file)?;
        eprintln!(
            "read {n} tokens from {} in {:.2} s",
            args.input.display(),
            t0.elapsed().as_secs_f64()
        );
    }
    let mut tables = Vec::new();
    for pass in 1..=args.passes {
        let t0 = Instant::now();
        let phrases = match pass {
            1 if plain => Phrases::learn_file_parallel(args.config()?, &args.input, threads)?,
            _ => Phrases::learn_corpus(args.config()?, &input)?,
        };
        let frozen = phrases.freeze();
        eprintln!(
            "pass {pass}: {} words, {} phrases above the threshold, learned in {:.2} s",
            phrases.total_words(),
            frozen.len(),
            t0.elapsed().as_secs_f64()
        );
        if pass == args.passes {
            skipgram::io::write_atomically(&args.output, |w| frozen.write_phrased(&input, w))?;
        } else {
            input = phrased_corpus(|c, w| frozen.write_phrased(c, w), &input, &args.output)?;
        }
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

/// `input` with phrases joined by `table`, in an unlinked temporary file in the
/// directory of `output` (so a killed run leaves nothing behind).
pub(crate) fn phrased_corpus(
    table: impl FnOnce(&Corpus, &mut dyn Write) -> skipgram::Result<()>,
    input: &Corpus,
    output: &Path,
) -> skipgram::Result<Corpus> {
    let dir = parent(output);
    let mut file = std::io::BufWriter::new(skipgram::io::unlinked_temp_file(dir, "phrased")?);
    let io = |e| skipgram::Error::Io {
        path: Some(dir.to_path_buf()),
        source: e,
    };
    table(input, &mut file).map_err(|e| match e {
        skipgram::Error::Io { path: None, source } => io(source),
        e => e,
    })?;
    let file = file.into_inner().map_err(|e| io(e.into_error()))?;
    Corpus::from_file(file)
}
