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

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

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
    // Parsed in two steps so that `train` can tell the options given on the command line
    // from defaults (`--resume` refuses the ones that contradict the checkpoint).
    let matches = Cli::command().get_matches_from(argv);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    remove_temp_files_on_signals();
    let result = match cli.command {
        Command::Train(a) => train::run(*a, matches.subcommand_matches("train")),
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

/// On SIGINT and SIGTERM, removes the temporary files of saves in progress and exits with
/// status 128 + the signal's number, as the default action would report it. (The other
/// temporary files are unlinked when created.)
fn remove_temp_files_on_signals() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
            std::thread::spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    skipgram::io::remove_temp_files();
                    std::process::exit(128 + signal);
                }
            });
        }
    }
}

/// Writes `text` to `path` with the library's writer: atomically for a regular file,
/// directly for a device or FIFO.
pub(crate) fn write_text(path: &std::path::Path, text: &str) -> skipgram::Result<()> {
    use std::io::Write;
    skipgram::io::write_atomically(path, |w| Ok(w.write_all(text.as_bytes())?))
}
