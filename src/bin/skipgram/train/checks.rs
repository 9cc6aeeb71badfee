//! The checks `skipgram train` makes before it trains: files that would overwrite each
//! other, contradicting objectives, options that contradict a resumed checkpoint, and the
//! estimated time of a full-softmax run.

use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::ArgMatches;
use skipgram::{NsDirection, Objective, SkipGramModel, TrainConfig};

use super::Args;
use crate::CliResult;

/// Every file `train` reads and writes, for [`skipgram::io::check_outputs`].
pub(super) fn check_paths(args: &Args) -> skipgram::Result<()> {
    fn paths<'a>(ps: &[Option<&'a PathBuf>]) -> Vec<&'a Path> {
        ps.iter().flatten().map(|p| p.as_path()).collect()
    }
    let inputs = paths(&[
        args.input.as_ref(),
        args.read_vocab.as_ref(),
        args.resume.as_ref(),
        args.phrases.as_ref(),
    ]);
    let outputs = paths(&[
        Some(&args.output),
        args.save_checkpoint.as_ref(),
        args.save_model.as_ref(),
        args.save_vocab.as_ref(),
        args.report.as_ref(),
    ]);
    skipgram::io::check_outputs(&inputs, &outputs)
}

/// The options given on the command line (not defaults), by argument id (field name).
pub(super) struct Given(Vec<String>);

impl Given {
    pub(super) fn from(matches: Option<&ArgMatches>) -> Self {
        Given(matches.map_or_else(Vec::new, |m| {
            m.ids()
                .filter(|id| m.value_source(id.as_str()) == Some(ValueSource::CommandLine))
                .map(|id| id.to_string())
                .collect()
        }))
    }

    pub(super) fn has(&self, id: &str) -> bool {
        self.0.iter().any(|g| g == id)
    }
}

/// `--hs 1` (or `--loss hs`) with an explicit `--negative` above 0 asks for word2vec.c's
/// two objectives at once; this program trains one, and says so rather than dropping one.
pub(super) fn check_objectives(args: &Args, given: &Given) -> CliResult {
    let hs = (given.has("hs") && args.hs == 1 && args.loss.is_none())
        || args.loss.as_deref() == Some("hs");
    if hs && given.has("negative") && args.negative > 0 {
        return Err(format!(
            "--hs 1 with --negative {}: word2vec.c would train both hierarchical softmax and \
             negative sampling, but skipgram trains one objective; choose one (drop \
             --negative, or give --negative 0, for hierarchical softmax; drop --hs for \
             negative sampling)",
            args.negative
        )
        .into());
    }
    Ok(())
}

/// The options given with `--resume` that contradict the checkpoint's settings: an error
/// naming each, since a resumed run trains with the checkpoint's settings.
pub(super) fn check_resume(args: &Args, given: &Given, c: &TrainConfig) -> CliResult {
    let opt = |v: Option<usize>| v.map_or_else(|| "none".to_string(), |v| v.to_string());
    let config = args.config()?;
    let objective = |o: Objective| format!("{o:?}");
    let direction = |d: NsDirection| format!("{d:?}");
    // (argument id, this run's value, the checkpoint's)
    let settings = [
        ("size", args.size.to_string(), c.dim.to_string()),
        ("window", args.window.to_string(), c.window.to_string()),
        (
            "negative",
            args.negative.to_string(),
            c.negative.to_string(),
        ),
        ("hs", objective(config.objective), objective(c.objective)),
        ("loss", objective(config.objective), objective(c.objective)),
        (
            "ns_direction",
            direction(config.ns_direction),
            direction(c.ns_direction),
        ),
        (
            "ns_exponent",
            config.noise_exponent().to_string(),
            c.noise_exponent().to_string(),
        ),
        ("alpha", args.alpha.to_string(), c.alpha.to_string()),
        (
            "min_count",
            args.vocab.min_count.to_string(),
            c.vocab.min_count.to_string(),
        ),
        ("sample", args.sample.to_string(), c.sample.to_string()),
        ("seed", args.seed.to_string(), c.seed.to_string()),
        (
            "max_final_vocab",
            opt(args.vocab.max_final_vocab),
            opt(c.vocab.max_final_vocab),
        ),
        (
            "max_vocab_size",
            opt(args.vocab.max_vocab_size),
            opt(c.vocab.max_vocab_size),
        ),
        ("minn", args.minn.to_string(), c.minn.to_string()),
        ("maxn", args.maxn.to_string(), c.maxn.to_string()),
        ("bucket", args.bucket.to_string(), c.bucket.to_string()),
    ];
    let mut clashes: Vec<String> = settings
        .iter()
        .filter(|(id, ours, theirs)| given.has(id) && ours != theirs)
        .map(|(id, ours, theirs)| {
            let flag = format!("--{}", id.replace('_', "-"));
            format!("{flag} ({ours}; the checkpoint's: {theirs})")
        })
        .collect();
    if given.has("read_vocab") {
        clashes.push("--read-vocab (the checkpoint carries its own vocabulary)".to_string());
    }
    if clashes.is_empty() {
        return Ok(());
    }
    Err(format!(
        "--resume trains with the checkpoint's settings, and these options contradict them: \
         {}; drop them",
        clashes.join(", ")
    )
    .into())
}

/// Multiply-adds per second per thread assumed by the full-softmax time estimate: an
/// order of magnitude, from one epoch of the bundled excerpt at V = 9,104, N = 100 taking
/// 32.6 s on two threads.
const SOFTMAX_MACS_PER_SEC: f64 = 8e9;

/// Estimated training time above which `--loss softmax` needs `--force`.
const SOFTMAX_LIMIT_SECS: f64 = 3600.0;

/// `--loss softmax` costs O(V·N) per center word: the estimated time of the run, refused
/// above an hour unless `--force`, printed as a warning above a minute.
pub(super) fn check_softmax_time(
    args: &Args,
    config: &TrainConfig,
    model: &SkipGramModel,
    epochs: usize,
    root: bool,
) -> CliResult {
    if config.objective != Objective::Softmax {
        return Ok(());
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = config.threads.min(cores) as f64;
    let per_epoch =
        model.vocab().total_count() as f64 * model.vocab_size() as f64 * model.dim() as f64
            / (SOFTMAX_MACS_PER_SEC * threads);
    let total = per_epoch * epochs as f64;
    let estimate = format!(
        "--loss softmax with V = {} and N = {}: about {} per epoch, {} for {epochs} epoch(s) \
         (an order-of-magnitude estimate; negative sampling or hierarchical softmax cost \
         O(N) per word instead of O(V·N))",
        model.vocab_size(),
        model.dim(),
        duration(per_epoch),
        duration(total)
    );
    if total > SOFTMAX_LIMIT_SECS && !args.force {
        return Err(format!(
            "{estimate}; refused above {}: add --force to train anyway",
            duration(SOFTMAX_LIMIT_SECS)
        )
        .into());
    }
    if total > 60.0 && root {
        eprintln!("warning: {estimate}");
    }
    Ok(())
}

/// Seconds as `42 s`, `3.5 min`, `7.2 h` or `4.1 days`.
fn duration(secs: f64) -> String {
    match secs {
        s if s < 120.0 => format!("{s:.0} s"),
        s if s < 7200.0 => format!("{:.1} min", s / 60.0),
        s if s < 172_800.0 => format!("{:.1} h", s / 3600.0),
        s => format!("{:.1} days", s / 86400.0),
    }
}
