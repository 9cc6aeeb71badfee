//! `skipgram train`: the main job.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use skipgram::phrases::FrozenPhrases;
use skipgram::{
    Checkpoint, Corpus, NsDirection, Objective, Preprocessor, Progress, SkipGramModel, TrainConfig,
    TrainReport, Trainer, Vocabulary,
};

use crate::ranks::Ranks;
use crate::{warn_threads, write_text_atomically, CliResult};

/// The default corpus: 4 MB of English Wikipedia (2015), cleaned as text8 is
/// (CC BY-SA 3.0; see examples/data/README.md in the package).
const BUNDLED_CORPUS: &[u8] =
    include_bytes!("../../../examples/data/enwiki-2015-text8style-4M.txt");

#[derive(Parser, Debug)]
pub(crate) struct Args {
    /// Training text (whitespace-separated tokens; newlines end sentences). Default: the
    /// bundled 4 MB Wikipedia excerpt.
    #[arg(long, short = 'i', visible_alias = "train")]
    input: Option<PathBuf>,
    /// Where to write the vectors (word2vec text format; binary with --binary).
    #[arg(long, short = 'o', default_value = "vectors.txt")]
    output: PathBuf,
    /// Write the word2vec binary format (`--binary` or `--binary 1`).
    #[arg(long, num_args = 0..=1, default_missing_value = "1", default_value = "0")]
    binary: u8,
    /// Embedding dimension N.
    #[arg(long, visible_alias = "dim", default_value_t = 100)]
    size: usize,
    /// Maximum context window c (words each side).
    #[arg(long, default_value_t = 5)]
    window: usize,
    /// Noise words per positive pair (negative sampling).
    #[arg(long, default_value_t = 5)]
    negative: usize,
    /// Use hierarchical softmax (word2vec.c `-hs 1`) instead of negative sampling.
    #[arg(long, num_args = 0..=1, default_missing_value = "1", default_value = "0")]
    hs: u8,
    /// The loss: softmax (exact, small vocabularies only), ns, or hs. Overrides --hs.
    #[arg(long, value_parser = ["softmax", "ns", "hs"])]
    loss: Option<String>,
    /// Negative-sampling pair direction: `context` (word2vec.c: the context word's row
    /// predicts the center word) or `center` (the tutorial's net: the center word's
    /// projection predicts its contexts).
    #[arg(long, value_parser = ["context", "center"], default_value = "context")]
    ns_direction: String,
    /// Subsampling threshold t (0 disables).
    #[arg(long, default_value_t = 1e-3)]
    sample: f64,
    /// Discard words seen fewer times.
    #[arg(long, default_value_t = 5)]
    min_count: u64,
    /// Keep at most this many of the most frequent words (gensim's max_final_vocab).
    #[arg(long, visible_alias = "max-vocab")]
    max_final_vocab: Option<usize>,
    /// Bound the types held while counting; the rarest are pruned when it is exceeded
    /// (gensim's max_vocab_size, word2vec.c's ReduceVocab).
    #[arg(long)]
    max_vocab_size: Option<usize>,
    /// Epochs (passes over the corpus); with --resume, the epochs to train beyond the
    /// checkpoint.
    #[arg(long, visible_alias = "epochs", default_value_t = 5)]
    iter: usize,
    /// Starting learning rate.
    #[arg(long, default_value_t = 0.025)]
    alpha: f32,
    /// Worker threads (default: all cores); under `mpirun`, threads per process.
    #[arg(long)]
    threads: Option<usize>,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// MiB of memory for the corpus encoded to word ids, so that epochs after the first skip
    /// tokenising (beyond it, an anonymous temporary file; 0: read the text every epoch).
    #[arg(long, default_value_t = 1024)]
    encoded_corpus_mb: usize,
    /// Apply the tutorial's preprocessing (lowercase, punctuation, stop words, stemming).
    #[arg(long)]
    preprocess: bool,
    /// Accept invalid UTF-8 (replaced by U+FFFD) instead of failing.
    #[arg(long)]
    lossy: bool,
    /// Join phrases with a table saved by `skipgram phrases --save-table` before training
    /// (the phrased text goes to a temporary file next to --output, removed afterwards).
    #[arg(long)]
    phrases: Option<PathBuf>,
    /// Read the vocabulary (`word count` lines, as --save-vocab writes) instead of counting
    /// the corpus; --min-count and --max-final-vocab still apply.
    #[arg(long)]
    read_vocab: Option<PathBuf>,
    /// Also write the vocabulary as `word count` lines.
    #[arg(long)]
    save_vocab: Option<PathBuf>,
    /// Continue a checkpoint for --iter more epochs (its settings, except --threads).
    #[arg(long)]
    resume: Option<PathBuf>,
    /// Also write a checkpoint (p, p', vocabulary and settings) to resume from.
    #[arg(long)]
    save_checkpoint: Option<PathBuf>,
    /// Write the run as JSON: settings, loss and speed per epoch, and the wall time of each
    /// phase in seconds.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Words whose nearest neighbours are printed at the end (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "king,france,computer,river,two"
    )]
    probe: Vec<String>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Reproducible training: the same seed, corpus and settings write bit-identical
    /// vectors with any --threads (one process only).
    #[arg(long)]
    deterministic: bool,
    /// Under mpirun: seconds between merges of the most frequent words' rows.
    #[cfg(feature = "mpi")]
    #[arg(long, default_value_t = TrainConfig::default().sync_period)]
    sync_period: f64,
    /// Under mpirun: rows (most frequent words) a periodic sync merges at least; the
    /// block doubles with the trailing zero bits of the sync counter.
    #[cfg(feature = "mpi")]
    #[arg(long, default_value_t = TrainConfig::default().sync_rows)]
    sync_rows: usize,
    /// Under mpirun: every N-th periodic sync merges the whole model (0: only at the end
    /// of each epoch).
    #[cfg(feature = "mpi")]
    #[arg(long, default_value_t = 0)]
    full_sync_every: usize,
}

impl Args {
    fn config(&self) -> Result<TrainConfig, String> {
        let objective = match (self.loss.as_deref(), self.hs) {
            (Some("softmax"), _) => Objective::Softmax,
            (Some("hs"), _) | (None, 1) => Objective::HierarchicalSoftmax,
            (Some("ns"), _) | (None, 0) => Objective::NegativeSampling,
            (l, hs) => return Err(format!("unsupported --loss {l:?} / --hs {hs}")),
        };
        let ns_direction = match self.ns_direction.as_str() {
            "center" => NsDirection::CenterPredictsContext,
            _ => NsDirection::ContextPredictsCenter,
        };
        #[cfg_attr(not(feature = "mpi"), allow(unused_mut))]
        let mut config = TrainConfig {
            ns_direction,
            dim: self.size,
            window: self.window,
            objective,
            negative: self.negative,
            sample: self.sample,
            min_count: self.min_count,
            max_final_vocab: self.max_final_vocab,
            max_vocab_size: self.max_vocab_size,
            epochs: self.iter,
            alpha: self.alpha,
            threads: self.threads.unwrap_or(TrainConfig::default().threads),
            seed: self.seed,
            encoded_corpus_memory: self.encoded_corpus_mb.saturating_mul(1 << 20),
            deterministic: self.deterministic,
            ..TrainConfig::default()
        };
        #[cfg(feature = "mpi")]
        {
            config.sync_period = self.sync_period;
            config.sync_rows = self.sync_rows;
            config.full_sync_every = self.full_sync_every;
        }
        Ok(config)
    }
}

/// Trains, as one process or (feature `mpi`, under `mpirun -np K`) as one rank of K: then
/// every rank trains on its 1/K of the corpus, rank 0 prints and writes the files, and an
/// error on any rank ends every rank with status 1.
pub(crate) fn run(args: Args) -> CliResult {
    let ranks = Ranks::join()?;
    let result = run_as(args, &ranks);
    if let Err(e) = &result {
        ranks.fail(&crate::error_chain(e.as_ref()));
    }
    result
}

fn run_as(args: Args, ranks: &Ranks) -> CliResult {
    let root = ranks.is_root();
    let mut phrased_dir = None;
    let mut corpus = match (&args.input, &args.phrases) {
        (Some(path), Some(table)) => {
            let t0 = Instant::now();
            let table = FrozenPhrases::load(table)?;
            let dir = tempfile::tempdir_in(crate::phrases::parent(&args.output))?;
            let phrased = dir.path().join("phrased.txt");
            crate::phrases::write_phrased(&table, path, &phrased)?;
            if root {
                eprintln!(
                    "joined {} phrases in {:.2} s",
                    table.len(),
                    t0.elapsed().as_secs_f64()
                );
            }
            let corpus = Corpus::from_path(&phrased)?;
            phrased_dir = Some(dir);
            corpus
        }
        (None, Some(_)) => return Err("--phrases needs --input".into()),
        (Some(path), None) => Corpus::from_path(path)?,
        (None, None) => {
            if root {
                eprintln!("no --input: training on the bundled 4 MB Wikipedia excerpt");
            }
            Corpus::from_bytes(BUNDLED_CORPUS)
        }
    };
    if args.preprocess {
        corpus = corpus.with_preprocessor(Preprocessor::tutorial());
    }
    corpus = corpus.lossy_utf8(args.lossy);

    let t_vocab = Instant::now();
    // (vocabulary or checkpoint loading, model initialisation) in seconds.
    let mut setup = (0.0, 0.0);
    let (config, mut model, extra) = match &args.resume {
        Some(path) => {
            let ckpt = Checkpoint::load(path)?;
            let config = TrainConfig {
                threads: args.threads.unwrap_or(ckpt.config.threads),
                deterministic: args.deterministic,
                ..ckpt.config
            };
            // How ranks sync is not part of the checkpoint: this run's options.
            #[cfg(feature = "mpi")]
            let config = TrainConfig {
                sync_period: args.sync_period,
                sync_rows: args.sync_rows,
                full_sync_every: args.full_sync_every,
                ..config
            };
            if root {
                eprintln!(
                    "resuming {} after {} epochs: {} more",
                    path.display(),
                    ckpt.model.epochs_trained(),
                    args.iter
                );
            }
            setup.0 = t_vocab.elapsed().as_secs_f64();
            (config, ckpt.model, Some(args.iter))
        }
        None => {
            let config = args.config()?;
            let trainer = Trainer::new(config)?;
            let vocab = match &args.read_vocab {
                Some(path) => filter_vocab(Vocabulary::load_counts(path)?, &config)?,
                None => ranks.build_vocabulary(&trainer, &corpus)?,
            };
            setup.0 = t_vocab.elapsed().as_secs_f64();
            let t_init = Instant::now();
            let model = trainer.init_model(vocab)?;
            setup.1 = t_init.elapsed().as_secs_f64();
            if root {
                eprintln!(
                    "vocabulary: {} words, {} tokens per epoch ({:.2} s)",
                    model.vocab_size(),
                    model.vocab().total_count(),
                    setup.0
                );
            }
            (config, model, None)
        }
    };
    if ranks.size() == 1 {
        warn_threads(config.threads);
    }
    let trainer = Trainer::new(config)?;
    if let (Some(path), true) = (&args.save_vocab, root) {
        model.vocab().save_counts(path)?;
        eprintln!("wrote the vocabulary to {}", path.display());
    }
    if root {
        eprintln!(
            "{:?}, dim {}, window {}, {} threads{}",
            config.objective,
            config.dim,
            config.window,
            config.threads,
            match ranks.size() {
                1 => String::new(),
                k => format!(" in each of {k} processes"),
            }
        );
    }

    let epochs_to_train = extra.unwrap_or(config.epochs.saturating_sub(model.epochs_trained()));
    let bar = progress_bar(
        args.quiet || !root,
        epochs_to_train as u64 * model.vocab().total_count(),
    )?;
    let first_words = model.epochs_trained() as u64 * model.vocab().total_count();
    let on_progress = |p: &Progress| {
        bar.set_position(p.words.saturating_sub(first_words));
        bar.set_message(format!(
            "{}/{}  loss {:.4}  alpha {:.6}  {:.0} words/s",
            p.epoch, p.last_epoch, p.loss, p.alpha, p.words_per_sec
        ));
    };
    let mut report = match extra {
        Some(n) => ranks.train_more(&trainer, &mut model, &corpus, n, on_progress)?,
        None => ranks.train(&trainer, &mut model, &corpus, config.epochs, on_progress)?,
    };
    bar.finish_and_clear();
    // Every rank holds the same merged model; rank 0 writes it, the others wait for its
    // outcome.
    let written = match root {
        true => write_outputs(&args, &config, &model, &mut report, setup, ranks),
        false => Ok(()),
    };
    let agreed = ranks.agree(written.is_ok());
    drop(phrased_dir);
    written?;
    Ok(agreed?)
}

/// Rank 0's part after training: the summary, the vectors, the checkpoint, the report.
fn write_outputs(
    args: &Args,
    config: &TrainConfig,
    model: &SkipGramModel,
    report: &mut TrainReport,
    setup: (f64, f64),
    ranks: &Ranks,
) -> CliResult {
    report.phases.vocabulary = setup.0;
    report.phases.initialisation += setup.1;
    for e in &report.epochs {
        eprintln!(
            "epoch {}: loss {:.4} over {} pairs, {:.2} s",
            e.epoch, e.loss, e.pairs, e.seconds
        );
    }
    eprintln!(
        "trained in {:.2} s: {:.0} words/s",
        report.phases.training,
        report.words_per_sec()
    );

    let t_out = Instant::now();
    if args.binary == 1 {
        model.save_word2vec_binary(&args.output)?;
    } else {
        model.save_word2vec_text(&args.output)?;
    }
    eprintln!("wrote {}", args.output.display());
    if let Some(path) = &args.save_checkpoint {
        Checkpoint::save(model, config, path)?;
        eprintln!("wrote checkpoint {}", path.display());
    }
    report.phases.output = t_out.elapsed().as_secs_f64();
    // Nearest neighbours of the probe words, for a first look (after the timed output).
    let probes: Vec<&String> = args.probe.iter().filter(|w| !w.is_empty()).collect();
    if !probes.is_empty() {
        let emb = model.to_embeddings();
        for word in probes {
            match emb.most_similar(&[word.as_str()], &[], 8) {
                Ok(nn) => {
                    let list: Vec<String> = nn.iter().map(|(w, s)| format!("{w} {s:.3}")).collect();
                    println!("{word}: {}", list.join(", "));
                }
                Err(e) => println!("{word}: {e}"),
            }
        }
    }
    if let Some(path) = &args.report {
        write_text_atomically(path, &report_json(args, config, model, report, ranks))?;
        eprintln!("wrote the report to {}", path.display());
    }
    Ok(())
}

/// Applies `min_count` and `max_final_vocab` to a vocabulary read from a file, keeping its
/// order (a `--save-vocab` file is sorted by count already).
fn filter_vocab(vocab: Vocabulary, config: &TrainConfig) -> skipgram::Result<Vocabulary> {
    let keep = config.max_final_vocab.unwrap_or(usize::MAX);
    let min_count = config.min_count;
    Vocabulary::from_counts(
        vocab
            .iter()
            .filter(|&(_, c)| c >= min_count)
            .take(keep)
            .map(|(w, c)| (w.to_string(), c)),
    )
}

fn progress_bar(quiet: bool, total: u64) -> Result<ProgressBar, Box<dyn std::error::Error>> {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {percent:>3}% epoch {msg} [{elapsed_precise} < {eta_precise}]",
        )?
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    Ok(bar)
}

fn report_json(
    args: &Args,
    config: &TrainConfig,
    model: &SkipGramModel,
    report: &TrainReport,
    ranks: &Ranks,
) -> String {
    let epochs: Vec<_> = report
        .epochs
        .iter()
        .map(|e| {
            json!({
                "epoch": e.epoch,
                "loss": e.loss,
                "pairs": e.pairs,
                "words": e.words,
                "seconds": e.seconds,
                "words_per_sec": if e.seconds > 0.0 { e.words as f64 / e.seconds } else { 0.0 },
                "worker_busy_seconds": e.busy,
                "shared_bytes_read_per_word": e.shared_bytes_read as f64 / e.words.max(1) as f64,
                "shared_bytes_written_per_word": e.shared_bytes_written as f64 / e.words.max(1) as f64,
            })
        })
        .collect();
    let value = json!({
        "input": args.input.as_ref().map(|p| p.display().to_string()),
        "output": args.output.display().to_string(),
        "config": {
            "dim": config.dim,
            "window": config.window,
            "objective": format!("{:?}", config.objective),
            "negative": config.negative,
            "ns_direction": format!("{:?}", config.ns_direction),
            "ns_exponent": config.ns_exponent,
            "sample": config.sample,
            "min_count": config.min_count,
            "max_final_vocab": config.max_final_vocab,
            "max_vocab_size": config.max_vocab_size,
            "epochs": config.epochs,
            "alpha": config.alpha,
            "min_alpha_fraction": config.min_alpha_fraction,
            "threads": config.threads,
            "seed": config.seed,
            "max_sentence_len": config.max_sentence_len,
            "sync_period": config.sync_period,
            "sync_rows": config.sync_rows,
            "full_sync_every": config.full_sync_every,
            "deterministic": config.deterministic,
        },
        "processes": ranks.size(),
        "sync": ranks.sync_json(),
        "vocab_size": model.vocab_size(),
        "words_per_epoch": model.vocab().total_count(),
        "epochs_trained": model.epochs_trained(),
        "epochs": epochs,
        "words_per_sec": report.words_per_sec(),
        "phases": {
            "vocabulary": report.phases.vocabulary,
            "initialisation": report.phases.initialisation,
            "training": report.phases.training,
            "output": report.phases.output,
        },
    });
    format!("{value:#}\n")
}
