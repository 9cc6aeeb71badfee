//! What `skipgram train` writes once it has trained: the vectors, the checkpoint or
//! fastText model, the probe words' neighbours and the JSON report.

use std::time::Instant;

use skipgram::{Checkpoint, SkipGramModel, TrainConfig, TrainReport, VectorKind};

use super::Args;
use crate::ranks::Ranks;
use crate::{write_text, CliResult};

/// Rank 0's part after training: the summary, the vectors, the checkpoint, the report.
pub(super) fn write_outputs(
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
    // The written vectors, V×N: p + p'ᵀ rows with `--output-vectors sum`; for a subword
    // model each vocabulary word's row averaged with its n-gram rows (not copied); p else.
    let written = match (args.output_vectors == "sum", model.ngram_config()) {
        (true, _) => Some(model.to_embeddings_with(VectorKind::Sum)?),
        (false, Some(_)) => Some(model.to_embeddings()),
        (false, None) => None,
    };
    if let Some(emb) = &written {
        if args.binary == 1 {
            emb.save_word2vec_binary(&args.output)?;
        } else {
            emb.save_word2vec_text(&args.output)?;
        }
    } else if args.binary == 1 {
        model.save_word2vec_binary(&args.output)?;
    } else {
        model.save_word2vec_text(&args.output)?;
    }
    eprintln!("wrote {}", args.output.display());
    if let Some(path) = &args.save_checkpoint {
        Checkpoint::save(model, config, path)?;
        eprintln!("wrote checkpoint {}", path.display());
    }
    if let Some(path) = &args.save_model {
        model.save_fasttext(config, path)?;
        eprintln!("wrote fastText model {}", path.display());
    }
    report.phases.output = t_out.elapsed().as_secs_f64();
    // Nearest neighbours of the probe words, for a first look (after the timed output).
    let probes: Vec<&String> = args.probe.iter().filter(|w| !w.is_empty()).collect();
    if !probes.is_empty() {
        let emb = written.unwrap_or_else(|| model.to_embeddings());
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
        write_text(path, &report_json(args, config, model, report, ranks)?)?;
        eprintln!("wrote the report to {}", path.display());
    }
    Ok(())
}

/// The `--report` file: the run's settings and outcome, and the library's [`TrainReport`]
/// (epochs, phases, `cancelled`) serialised by its `serde` derive.
#[derive(serde::Serialize)]
struct RunReport<'a> {
    input: Option<String>,
    output: String,
    config: &'a TrainConfig,
    processes: usize,
    sync: serde_json::Value,
    vocab_size: usize,
    words_per_epoch: u64,
    epochs_trained: usize,
    words_per_sec: f64,
    #[serde(flatten)]
    report: &'a TrainReport,
}

fn report_json(
    args: &Args,
    config: &TrainConfig,
    model: &SkipGramModel,
    report: &TrainReport,
    ranks: &Ranks,
) -> Result<String, serde_json::Error> {
    let run = RunReport {
        input: args.input.as_ref().map(|p| p.display().to_string()),
        output: args.output.display().to_string(),
        config,
        processes: ranks.size(),
        sync: ranks.sync_json(),
        vocab_size: model.vocab_size(),
        words_per_epoch: model.words_per_epoch(),
        epochs_trained: model.epochs_trained(),
        words_per_sec: report.words_per_sec(),
        report,
    };
    Ok(serde_json::to_string_pretty(&run)? + "\n")
}
