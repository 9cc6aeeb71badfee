//! The main job: train skip-gram embeddings on a corpus and write them in word2vec format.
//!
//! ```sh
//! cargo run --release --example train -- --input FILE --output vectors.txt
//! cargo run --release --example train            # the bundled 4 MB Wikipedia excerpt
//! ```
//!
//! Options are named as word2vec.c names them (`--size`, `--window`, `--negative`, `--hs`,
//! `--sample`, `--min-count`, `--iter`, `--alpha`, `--threads`, `--binary`), with `--dim`,
//! `--epochs` and `--loss softmax|ns|hs` as aliases.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use skipgram::{Corpus, NsDirection, Objective, Preprocessor, TrainConfig, Trainer};

/// The default corpus: 4 MB of English Wikipedia (CC BY-SA 3.0; examples/data/README.md).
const DEFAULT_CORPUS: &[u8] = include_bytes!("data/enwiki-2015-text8style-4M.txt");

#[derive(Parser, Debug)]
#[command(about = "Train skip-gram word embeddings (word2vec-compatible options)")]
struct Args {
    /// Training text (whitespace-separated tokens; newlines end sentences). Default: the
    /// bundled 4 MB Wikipedia excerpt.
    #[arg(long, short = 'i')]
    input: Option<PathBuf>,
    /// Where to write the vectors (word2vec text format, binary with --binary).
    #[arg(long, short = 'o', default_value = "vectors.txt")]
    output: PathBuf,
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
    /// predicts the center word) or `center` (the seeds: the center word's projection
    /// predicts its contexts).
    #[arg(long, value_parser = ["context", "center"], default_value = "context")]
    ns_direction: String,
    /// Subsampling threshold t (0 disables).
    #[arg(long, default_value_t = 1e-3)]
    sample: f64,
    /// Discard words seen fewer times.
    #[arg(long, default_value_t = 5)]
    min_count: u64,
    /// Keep at most this many most frequent words.
    #[arg(long)]
    max_vocab: Option<usize>,
    /// Epochs (passes over the corpus).
    #[arg(long, visible_alias = "epochs", default_value_t = 5)]
    iter: usize,
    /// Starting learning rate.
    #[arg(long, default_value_t = 0.025)]
    alpha: f32,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the word2vec binary format (`--binary` or `--binary 1`).
    #[arg(long, num_args = 0..=1, default_missing_value = "1", default_value = "0")]
    binary: u8,
    /// Apply the seeds' preprocessing (lowercase, punctuation, stop words, stemming).
    #[arg(long)]
    preprocess: bool,
    /// Accept invalid UTF-8 (replaced by U+FFFD) instead of failing.
    #[arg(long)]
    lossy: bool,
    /// Words whose nearest neighbours are printed at the end.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "king,france,computer,river,two"
    )]
    probe: Vec<String>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,
}

fn main() {
    if let Err(e) = run(Args::parse()) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let objective = match (args.loss.as_deref(), args.hs) {
        (Some("softmax"), _) => Objective::Softmax,
        (Some("hs"), _) | (None, 1) => Objective::HierarchicalSoftmax,
        (Some("ns"), _) | (None, 0) => Objective::NegativeSampling,
        (l, hs) => return Err(format!("unsupported --loss {l:?} / --hs {hs}").into()),
    };
    let ns_direction = match args.ns_direction.as_str() {
        "center" => NsDirection::CenterPredictsContext,
        _ => NsDirection::ContextPredictsCenter,
    };
    let config = TrainConfig {
        ns_direction,
        dim: args.size,
        window: args.window,
        objective,
        negative: args.negative,
        sample: args.sample,
        min_count: args.min_count,
        max_final_vocab: args.max_vocab,
        epochs: args.iter,
        alpha: args.alpha,
        threads: args.threads.unwrap_or(TrainConfig::default().threads),
        seed: args.seed,
        ..TrainConfig::default()
    };
    let trainer = Trainer::new(config)?;
    let mut corpus = match &args.input {
        Some(path) => Corpus::from_path(path)?,
        None => {
            eprintln!("no --input: training on the bundled 4 MB Wikipedia excerpt");
            Corpus::from_bytes(DEFAULT_CORPUS)
        }
    };
    if args.preprocess {
        corpus = corpus.with_preprocessor(Preprocessor::tutorial());
    }
    corpus = corpus.lossy_utf8(args.lossy);

    let t0 = Instant::now();
    let mut model = trainer.build_model(&corpus)?;
    let vocab_secs = t0.elapsed().as_secs_f64();
    eprintln!(
        "vocabulary: {} words, {} tokens per epoch ({vocab_secs:.2} s); {:?}, dim {}, {} threads",
        model.vocab_size(),
        model.vocab().total_count(),
        objective,
        config.dim,
        config.threads
    );

    let total = config.epochs as u64 * model.vocab().total_count();
    let bar = if args.quiet {
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
    let t1 = Instant::now();
    let report = trainer.train_with_progress(&mut model, &corpus, config.epochs, |p| {
        bar.set_position(p.words);
        bar.set_message(format!(
            "{}/{}  loss {:.4}  alpha {:.6}  {:.0} words/s",
            p.epoch, p.last_epoch, p.loss, p.alpha, p.words_per_sec
        ));
    })?;
    bar.finish_and_clear();
    let train_secs = t1.elapsed().as_secs_f64();
    for e in &report.epochs {
        eprintln!(
            "epoch {}: loss {:.4} over {} pairs, {:.2} s",
            e.epoch, e.loss, e.pairs, e.seconds
        );
    }
    eprintln!(
        "trained in {train_secs:.2} s: {:.0} words/s",
        report.words_per_sec()
    );

    let emb = model.into_embeddings();
    for word in &args.probe {
        match emb.most_similar_word(word, 8) {
            Ok(nn) => {
                let list: Vec<String> = nn.iter().map(|(w, s)| format!("{w} {s:.3}")).collect();
                println!("{word}: {}", list.join(", "));
            }
            Err(e) => println!("{word}: {e}"),
        }
    }
    if args.binary == 1 {
        emb.save_word2vec_binary(&args.output)?;
    } else {
        emb.save_word2vec_text(&args.output)?;
    }
    eprintln!("wrote {}", args.output.display());
    Ok(())
}
