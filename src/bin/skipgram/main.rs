//! `skipgram`: train skip-gram word embeddings and use them, from the command line.
//!
//! ```sh
//! cargo install skipgram --features cli
//! skipgram train --input corpus.txt --output vectors.bin --binary
//! skipgram similar vectors.bin king queen
//! skipgram evaluate vectors.bin
//! ```
//!
//! Subcommands: `train`, `similar`, `evaluate`, `forward`, `vocab`, `phrases`. Options are
//! named as word2vec.c names them (`--size`, `--window`, `--negative`, `--hs`, `--sample`,
//! `--min-count`, `--iter`, `--alpha`, `--threads`, `--binary`, `--save-vocab`,
//! `--read-vocab`); `train` also takes word2vec.c's single-dash forms (`-train c.txt -size 50
//! -binary 1`) and fastText's (`skipgram skipgram -input c.txt -dim 50`), see `compat`.
//! Errors are printed as one line each (with their causes) and exit with
//! status 1; bad usage exits with status 2.

mod compat;
mod phrases;
mod query;
mod ranks;
mod train;
mod vocab;

use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "skipgram",
    version,
    about = "Skip-gram word2vec embeddings: train, query, evaluate (word2vec.c option names)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train embeddings on a corpus (default: the bundled 4 MB Wikipedia excerpt).
    Train(Box<train::Args>),
    /// Nearest neighbours and analogies, from arguments or stdin.
    Similar(query::SimilarArgs),
    /// Analogy accuracy and word-pair correlation (bundled Google analogies and WordSim-353
    /// by default).
    Evaluate(query::EvaluateArgs),
    /// The forward pass of the tutorial's net, or of a checkpoint's model, for one word.
    Forward(query::ForwardArgs),
    /// Count a corpus and write its vocabulary as `word count` lines (word2vec.c's
    /// `-save-vocab`).
    Vocab(vocab::VocabArgs),
    /// Learn phrases ("new_york") and write the corpus with them joined (word2phrase).
    Phrases(phrases::PhrasesArgs),
}

/// What a subcommand returns: any error, printed with its causes.
pub(crate) type CliResult = Result<(), Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let argv = match compat::translate(std::env::args_os().collect()) {
        Ok(t) => {
            t.notes.iter().for_each(|n| eprintln!("{n}"));
            t.args
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let cli = Cli::parse_from(argv);
    let result = match cli.command {
        Command::Train(a) => train::run(*a),
        Command::Similar(a) => query::similar(a),
        Command::Evaluate(a) => query::evaluate(a),
        Command::Forward(a) => query::forward(a),
        Command::Vocab(a) => vocab::run(a),
        Command::Phrases(a) => phrases::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", error_chain(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}

/// An error with its causes, on one line.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        // thiserror variants already print their source inline; skip repeats.
        let s_msg = s.to_string();
        if !msg.contains(&s_msg) {
            msg.push_str(&format!(": {s_msg}"));
        }
        source = s.source();
    }
    msg
}

/// Warns when more threads are asked for than this machine has cores: they only contend.
pub(crate) fn warn_threads(threads: usize) {
    if let Ok(cores) = std::thread::available_parallelism() {
        if threads > cores.get() {
            eprintln!(
                "warning: --threads {threads} is more than the {} cores here; \
                 the extra threads only contend",
                cores.get()
            );
        }
    }
}

/// Writes `text` to `path` atomically: a temporary file in the same directory, renamed over
/// `path` once complete, so a crash never leaves a half-written file.
pub(crate) fn write_text_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".skipgram-tmp-")
        .tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
