//! `skipgram train`: the main job.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{ArgMatches, Parser};
use indicatif::{ProgressBar, ProgressStyle};
use skipgram::corpus::RawTextSigns;
use skipgram::phrases::PhrasePasses;
#[cfg(feature = "mpi")]
use skipgram::SyncConfig;
use skipgram::{
    Checkpoint, Corpus, Embeddings, Epochs, NsDirection, Objective, Preprocessor, Progress,
    SkipGramModel, Tokenizer, TrainConfig, Trainer, Vocabulary,
};

mod checks;
mod output;

use checks::{check_objectives, check_paths, check_resume, check_softmax_time, Given};
use output::write_outputs;

use crate::ranks::Ranks;
use crate::vocab::VocabOptions;
use crate::{warn_threads, CliResult};

/// The default corpus: 4 MB of English Wikipedia (2015), cleaned as text8 is
/// (CC BY-SA 3.0; see examples/data/README.md in the package).
const BUNDLED_CORPUS: &[u8] =
    include_bytes!("../../../../examples/data/enwiki-2015-text8style-4M.txt");

#[derive(Parser, Debug)]
pub(crate) struct Args {
    /// Training text (whitespace-separated tokens; newlines end sentences), plain or
    /// compressed with gzip, bzip2, xz or zstd (recognised by its first bytes). Default:
    /// the bundled 4 MB Wikipedia excerpt.
    #[arg(long, short = 'i', visible_alias = "train")]
    input: Option<PathBuf>,
    /// Where to write the vectors (word2vec text format; binary with --binary).
    #[arg(long, short = 'o', default_value = "vectors.txt")]
    output: PathBuf,
    /// Write the word2vec binary format (`--binary` or `--binary 1`).
    #[arg(long, num_args = 0..=1, default_missing_value = "1", default_value = "0")]
    binary: u8,
    /// The vectors written: `input` (the rows of p, as word2vec.c) or `sum` (p + p'ᵀ, word +
    /// context vectors; negative sampling or softmax only).
    #[arg(long, value_parser = ["input", "sum"], default_value = "input")]
    output_vectors: String,
    /// Embedding dimension N.
    #[arg(long, visible_alias = "dim", default_value_t = TrainConfig::default().dim)]
    size: usize,
    /// Maximum context window c (words each side).
    #[arg(long, default_value_t = TrainConfig::default().window)]
    window: usize,
    /// Noise words per positive pair (negative sampling).
    #[arg(long, default_value_t = TrainConfig::default().negative)]
    negative: usize,
    /// Exponent e of the noise distribution count^e (gensim's `ns_exponent`) [default: 0.75,
    /// or fastText's 0.5 with --maxn above 0].
    #[arg(long)]
    ns_exponent: Option<f64>,
    /// Use hierarchical softmax (word2vec.c `-hs 1`) instead of negative sampling. One
    /// objective is trained: word2vec.c's `-hs 1 -negative 5` trains both, so `--hs 1`
    /// with an explicit `--negative` above 0 is refused.
    #[arg(long, num_args = 0..=1, default_missing_value = "1", default_value = "0")]
    hs: u8,
    /// The loss: softmax (exact, small vocabularies only), ns, or hs. Overrides --hs.
    #[arg(long)]
    loss: Option<String>,
    /// Negative-sampling pair direction: `context` (word2vec.c: the context word's row
    /// predicts the center word) or `center` (the tutorial's net: the center word's
    /// projection predicts its contexts).
    #[arg(long, default_value = "context")]
    ns_direction: String,
    /// Subsampling threshold t (0 disables).
    #[arg(long, default_value_t = TrainConfig::default().sample)]
    sample: f64,
    #[command(flatten)]
    vocab: VocabOptions,
    /// Epochs (passes over the corpus); with --resume, the epochs to train beyond the
    /// checkpoint.
    #[arg(long, visible_alias = "epochs", default_value_t = TrainConfig::default().epochs)]
    iter: usize,
    /// Starting learning rate.
    #[arg(long, default_value_t = TrainConfig::default().alpha)]
    alpha: f32,
    /// Worker threads (default: all cores); under `mpirun`, threads per process.
    #[arg(long)]
    threads: Option<usize>,
    /// Random seed.
    #[arg(long, default_value_t = TrainConfig::default().seed)]
    seed: u64,
    /// MiB of memory for the corpus encoded to word ids, so that epochs after the first skip
    /// tokenising (beyond it, an anonymous temporary file; 0: read the text every epoch).
    #[arg(long, default_value_t = TrainConfig::default().encoded_corpus_memory >> 20)]
    encoded_corpus_mb: usize,
    /// Apply the tutorial's preprocessing (lowercase, punctuation, stop words, stemming).
    #[arg(long)]
    preprocess: bool,
    /// Tokenise raw text: lowercase, split punctuation off words at Unicode word
    /// boundaries (keeping numbers and in-word apostrophes and hyphens).
    #[arg(long)]
    tokenize: bool,
    /// With --tokenize: also strip accents (café → cafe).
    #[arg(long, requires = "tokenize")]
    strip_accents: bool,
    /// Accept invalid UTF-8 (replaced by U+FFFD) instead of failing.
    #[arg(long)]
    lossy: bool,
    /// Join phrases with a table saved by `skipgram phrases --save-table` before training
    /// (the phrased text goes to an unlinked temporary file next to --output, which
    /// disappears when the run ends, however it ends).
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
    /// With --resume: add the words of --input new to the checkpoint (those reaching its
    /// min-count; counts merged, hierarchical-softmax nodes restarted from zero) and train
    /// --iter epochs on --input, the learning rate decaying from the start again.
    #[arg(long, requires = "resume")]
    update_vocab: bool,
    /// Seed p with the vectors of a word2vec file (text or binary, detected; its dimension
    /// replaces --size), add the words of --input new to it, and train --iter epochs on
    /// --input. p' starts at zero, as in a fresh model.
    #[arg(long, value_name = "VECTORS", conflicts_with_all = ["resume", "read_vocab"])]
    init: Option<PathBuf>,
    /// Also write a checkpoint (p, p', vocabulary and settings) to resume from.
    #[arg(long)]
    save_checkpoint: Option<PathBuf>,
    /// Subword vectors (fastText): the longest character n-gram of a word, counting the
    /// `<` `>` word marks (fastText `-maxn`); 0 trains word vectors only.
    #[arg(long, default_value_t = TrainConfig::default().maxn)]
    maxn: usize,
    /// Subword vectors: the shortest character n-gram (fastText `-minn`).
    #[arg(long, default_value_t = TrainConfig::default().minn)]
    minn: usize,
    /// Subword vectors: hash buckets for the n-grams (fastText `-bucket`); their rows take
    /// bucket × size × 4 bytes.
    #[arg(long, default_value_t = TrainConfig::default().bucket)]
    bucket: usize,
    /// With --maxn above 0: also write the whole model as a fastText `.bin` file, which
    /// `skipgram similar` and `evaluate` (and fastText, and gensim) read, with vectors for
    /// words outside the vocabulary.
    #[arg(long)]
    save_model: Option<PathBuf>,
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
    /// Train with `--loss softmax` even when its estimated time is over an hour.
    #[arg(long)]
    force: bool,
    /// Reproducible training: the same seed, corpus and settings write bit-identical
    /// vectors with any --threads (one process only).
    #[arg(long)]
    deterministic: bool,
    /// Under mpirun: seconds between merges of the most frequent words' rows.
    #[cfg(feature = "mpi")]
    #[arg(long, default_value_t = SyncConfig::default().period)]
    sync_period: f64,
    /// Under mpirun: rows (most frequent words) a periodic sync merges at least; the
    /// block doubles with the trailing zero bits of the sync counter.
    #[cfg(feature = "mpi")]
    #[arg(long, default_value_t = SyncConfig::default().rows)]
    sync_rows: usize,
    /// Under mpirun: every N-th periodic sync merges the whole model (0: only at the end
    /// of each epoch).
    #[cfg(feature = "mpi")]
    #[arg(long, default_value_t = SyncConfig::default().full_every)]
    full_sync_every: usize,
}

impl Args {
    fn config(&self) -> skipgram::Result<TrainConfig> {
        // The library names the allowed values of an unknown name (exit status 1).
        let objective = match (&self.loss, self.hs) {
            (Some(loss), _) => loss.parse::<Objective>()?,
            (None, 0) => Objective::NegativeSampling,
            (None, _) => Objective::HierarchicalSoftmax,
        };
        if self.output_vectors == "sum" && objective == Objective::HierarchicalSoftmax {
            // Checked before training, not after it.
            return Err(skipgram::Error::InvalidConfig(
                "--output-vectors sum needs per-word output vectors: use negative sampling \
                 or --loss softmax, not hierarchical softmax"
                    .into(),
            ));
        }
        if self.output_vectors == "sum" && self.maxn > 0 {
            return Err(skipgram::Error::InvalidConfig(
                "--output-vectors sum is for word vectors: with --maxn above 0 the output \
                 holds the composed subword vectors"
                    .into(),
            ));
        }
        if self.save_checkpoint.is_some() && self.maxn > 0 && self.resume.is_none() {
            return Err(skipgram::Error::InvalidConfig(
                "checkpoints hold word-level models: save a subword model with --save-model \
                 FILE.bin"
                    .into(),
            ));
        }
        if self.save_model.is_some() && self.maxn == 0 && self.resume.is_none() {
            return Err(skipgram::Error::InvalidConfig(
                "--save-model writes a subword (fastText) model: give --maxn above 0, or \
                 --save-checkpoint for a word-level model"
                    .into(),
            ));
        }
        let ns_direction = self.ns_direction.parse::<NsDirection>()?;
        Ok(TrainConfig {
            ns_direction,
            dim: self.size,
            window: self.window,
            objective,
            negative: self.negative,
            ns_exponent: self.ns_exponent,
            sample: self.sample,
            vocab: self.vocab.config(),
            epochs: self.iter,
            alpha: self.alpha,
            threads: self.threads.unwrap_or(TrainConfig::default().threads),
            seed: self.seed,
            encoded_corpus_memory: self.encoded_corpus_mb.saturating_mul(1 << 20),
            deterministic: self.deterministic,
            minn: self.minn,
            maxn: self.maxn,
            bucket: self.bucket,
            ..TrainConfig::default()
        })
    }

    /// How the ranks of `mpirun` merge their models: a run's setting, not the model's (a
    /// checkpoint does not keep it).
    #[cfg(feature = "mpi")]
    fn sync(&self) -> SyncConfig {
        SyncConfig {
            period: self.sync_period,
            rows: self.sync_rows,
            full_every: self.full_sync_every,
        }
    }
}

/// Trains, as one process or (feature `mpi`, under `mpirun -np K`) as one rank of K: then
/// every rank trains on its 1/K of the corpus, rank 0 prints and writes the files, and an
/// error on any rank ends every rank with status 1.
pub(crate) fn run(args: Args, matches: Option<&ArgMatches>) -> CliResult {
    let ranks = Ranks::join()?;
    let given = Given::from(matches);
    let result = check_objectives(&args, &given).and_then(|()| run_as(args, &given, &ranks));
    if let Err(e) = &result {
        ranks.fail(&crate::error_chain(e.as_ref()));
    }
    result
}

fn run_as(args: Args, given: &Given, ranks: &Ranks) -> CliResult {
    let root = ranks.is_root();
    check_paths(&args)?;
    let mut corpus = match (&args.input, &args.phrases) {
        (Some(path), Some(table)) => {
            let t0 = Instant::now();
            let table = PhrasePasses::load(table)?;
            let input = Corpus::from_path(path)?
                .with_tokenizer(tokenizer(args.tokenize, args.strip_accents))
                .lossy_utf8(args.lossy);
            // An unlinked temporary file: nothing is left behind, however the run ends.
            let corpus = crate::phrases::phrased_corpus(
                |c, w| table.write_phrased(c, w),
                &input,
                &args.output,
            )?;
            if root {
                eprintln!(
                    "joined {} phrases ({} pass(es)) in {:.2} s",
                    table.len(),
                    table.passes().len(),
                    t0.elapsed().as_secs_f64()
                );
            }
            corpus
        }
        (None, Some(_)) => return Err("--phrases needs --input".into()),
        (Some(path), None) => {
            Corpus::from_path(path)?.with_tokenizer(tokenizer(args.tokenize, args.strip_accents))
        }
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
            // A checkpoint, or a fastText .bin model (a subword model saved by --save-model).
            let (saved, saved_config) = if crate::query::is_fasttext(path) {
                let bin = skipgram::io::fasttext::FastTextModel::read(path)?;
                SkipGramModel::from_fasttext(&bin)?
            } else {
                Checkpoint::load(path)?
            };
            // What can be saved depends on the resumed model, known only now.
            let subwords = saved.ngram_config().is_some();
            if args.save_model.is_some() && !subwords {
                return Err(
                    "--save-model writes a subword (fastText) model, and the resumed \
                            model is word-level: use --save-checkpoint"
                        .into(),
                );
            }
            if args.save_checkpoint.is_some() && subwords {
                return Err(
                    "checkpoints hold word-level models: save the resumed subword \
                            model with --save-model FILE.bin"
                        .into(),
                );
            }
            check_resume(&args, given, &saved_config)?;
            let config = TrainConfig {
                threads: args.threads.unwrap_or(saved_config.threads),
                deterministic: args.deterministic,
                ..saved_config
            };
            if root {
                eprintln!(
                    "resuming {} after {} epochs: {} more",
                    path.display(),
                    saved.epochs_trained(),
                    args.iter
                );
            }
            setup.0 = t_vocab.elapsed().as_secs_f64();
            (config, saved, Some(args.iter))
        }
        None if args.init.is_some() => grown_from_vectors(&args, &corpus, &mut setup, root)?,
        None => {
            let config = args.config()?;
            let trainer = Trainer::new(config)?;
            let vocab = match &args.read_vocab {
                Some(path) => Vocabulary::load_counts(path)?
                    .filtered(config.vocab.min_count, config.vocab.max_final_vocab)?,
                None => trainer.build_vocabulary(&corpus, &ranks.options())?,
            };
            setup.0 = t_vocab.elapsed().as_secs_f64();
            let t_init = Instant::now();
            if root && args.read_vocab.is_none() && !args.tokenize {
                warn_if_raw(&vocab);
            }
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
    // --update-vocab: the checkpoint's model grows to the new corpus and starts a new run.
    let (config, extra) = match args.update_vocab {
        true => {
            let config = TrainConfig {
                epochs: args.iter,
                ..config
            };
            grow(&Trainer::new(config)?, &mut model, &corpus, root)?;
            (config, None)
        }
        false => (config, extra),
    };
    if ranks.size() == 1 {
        warn_threads(config.threads);
    }
    let trainer = Trainer::new(config)?;
    let epochs_to_train = extra.unwrap_or(config.epochs.saturating_sub(model.epochs_trained()));
    check_softmax_time(&args, &config, &model, epochs_to_train, root)?;
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

    let bar = progress_bar(
        args.quiet || !root,
        epochs_to_train as u64 * model.words_per_epoch(),
    )?;
    let first_words = model.epochs_trained() as u64 * model.words_per_epoch();
    let on_progress = |p: &Progress| {
        bar.set_position(p.words.saturating_sub(first_words));
        bar.set_message(format!(
            "{}/{}  loss {:.4}  alpha {:.6}  {:.0} words/s",
            p.epoch, p.last_epoch, p.loss, p.alpha, p.words_per_sec
        ));
    };
    let epochs = extra.map_or(Epochs::Planned, Epochs::More);
    let options = ranks.options().progress(on_progress);
    #[cfg(feature = "mpi")]
    let options = options.sync(args.sync());
    let mut report = trainer.train(&mut model, &corpus, epochs, options)?;
    bar.finish_and_clear();
    // Every rank holds the same merged model; rank 0 writes it, the others wait for its
    // outcome.
    let written = match root {
        true => write_outputs(&args, &config, &model, &mut report, setup, ranks),
        false => Ok(()),
    };
    let agreed = ranks.agree(written.is_ok());
    written?;
    Ok(agreed?)
}

/// The tokeniser of `--tokenize` (`--strip-accents`), if asked for.
pub(crate) fn tokenizer(tokenize: bool, strip_accents: bool) -> Option<Tokenizer> {
    tokenize.then(|| Tokenizer::new().strip_accents(strip_accents))
}

/// Says on stderr when the counted vocabulary looks like raw text, naming --tokenize.
fn warn_if_raw(vocab: &Vocabulary) {
    let signs = RawTextSigns::of(vocab);
    if signs.looks_raw() {
        eprintln!(
            "note: the corpus looks like raw text: {:.1}% of its tokens have capitals and \
             {:.1}% punctuation at an end (e.g. \"word,\"); --tokenize lowercases it and \
             splits punctuation off words",
            100.0 * signs.capitalized_share(),
            100.0 * signs.punctuated_share()
        );
    }
}

/// `--init`: a model whose p is the vectors of a word2vec file, grown to the corpus.
fn grown_from_vectors(
    args: &Args,
    corpus: &Corpus,
    setup: &mut (f64, f64),
    root: bool,
) -> Result<(TrainConfig, SkipGramModel, Option<usize>), Box<dyn std::error::Error>> {
    let t0 = Instant::now();
    let path = args.init.as_ref().expect("called with --init");
    let vectors = Embeddings::load_word2vec(path)?;
    let config = TrainConfig {
        dim: vectors.dim(),
        ..args.config()?
    };
    if root {
        eprintln!(
            "seeding p with {} vectors of dimension {} from {} (p' starts at zero)",
            vectors.len(),
            vectors.dim(),
            path.display()
        );
    }
    let mut model = SkipGramModel::from_embeddings(vectors)?;
    grow(&Trainer::new(config)?, &mut model, corpus, root)?;
    setup.0 = t0.elapsed().as_secs_f64();
    Ok((config, model, None))
}

/// Adds the corpus's new words to `model` ([`Trainer::grow`]) and says what it did.
fn grow(
    trainer: &Trainer,
    model: &mut SkipGramModel,
    corpus: &Corpus,
    root: bool,
) -> skipgram::Result<()> {
    let g = trainer.grow(model, corpus)?;
    if root {
        eprintln!(
            "vocabulary grown to {} words: {} new, {} known{}; {} tokens per epoch{}",
            g.vocab_size,
            g.added,
            g.known,
            match g.below_min_count {
                0 => String::new(),
                k => format!(", {k} new below --min-count left out"),
            },
            g.words_per_epoch,
            match g.hs_nodes_reset {
                true => " (hierarchical-softmax nodes restart from zero)",
                false => "",
            }
        );
    }
    Ok(())
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
