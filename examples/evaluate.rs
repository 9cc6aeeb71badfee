//! Evaluates word2vec vectors on word analogies and word-pair similarity, with the semantics
//! of gensim 4.4's `evaluate_word_analogies` and `evaluate_word_pairs`.
//!
//! Run: `cargo run --release --example evaluate -- VECTORS [--binary] [--questions PATH]
//! [--pairs PATH] [--restrict 30000] [--json]`
//!
//! The default test sets are `../shared/data/eval/questions-words.txt` (Mikolov et al. 2013)
//! and `../shared/data/eval/wordsim353.tsv` (Finkelstein et al. 2002), relative to the
//! repository root.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use clap::Parser;
use skipgram::eval::{evaluate_analogies, evaluate_word_pairs, AnalogyOptions, PairOptions};
use skipgram::{AnalogyMethod, Embeddings};

#[derive(Parser)]
#[command(about = "Evaluate word2vec vectors on analogies and word-pair similarity")]
struct Args {
    /// A word2vec vectors file (text format unless --binary).
    vectors: PathBuf,
    /// The file is in word2vec's binary format.
    #[arg(long)]
    binary: bool,
    /// Analogy questions (`: section` lines, then `a b c d`).
    #[arg(long)]
    questions: Option<PathBuf>,
    /// Word pairs with scores (`word1 TAB word2 TAB score`).
    #[arg(long)]
    pairs: Option<PathBuf>,
    /// Analogies: only the first this many words are known and candidates.
    #[arg(long, default_value_t = 30000)]
    restrict: usize,
    /// Word pairs: only the first this many words are known (gensim's default).
    #[arg(long, default_value_t = 300000)]
    pairs_restrict: usize,
    /// Answer analogies with 3CosMul instead of 3CosAdd.
    #[arg(long)]
    cosmul: bool,
    /// Match words case-sensitively (gensim's case_insensitive=False).
    #[arg(long)]
    case_sensitive: bool,
    /// Print one JSON line instead of tables.
    #[arg(long)]
    json: bool,
}

fn open(path: &Path) -> Result<BufReader<File>, Box<dyn std::error::Error>> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|e| format!("cannot open {}: {e}", path.display()).into())
}

fn json_opt(x: Option<f64>) -> String {
    x.map_or_else(|| "null".to_string(), |x| x.to_string())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let eval_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/eval");
    let questions = args
        .questions
        .clone()
        .unwrap_or_else(|| eval_dir.join("questions-words.txt"));
    let pairs = args
        .pairs
        .clone()
        .unwrap_or_else(|| eval_dir.join("wordsim353.tsv"));

    let emb = if args.binary {
        Embeddings::load_word2vec_binary(&args.vectors)?
    } else {
        Embeddings::load_word2vec_text(&args.vectors)?
    };
    let t0 = std::time::Instant::now();
    let analogies = evaluate_analogies(
        &emb,
        open(&questions)?,
        AnalogyOptions {
            restrict_vocab: Some(args.restrict),
            case_insensitive: !args.case_sensitive,
            method: if args.cosmul {
                AnalogyMethod::CosMul
            } else {
                AnalogyMethod::CosAdd
            },
        },
    )?;
    let analogy_secs = t0.elapsed().as_secs_f64();
    let sim = evaluate_word_pairs(
        &emb,
        open(&pairs)?,
        PairOptions {
            restrict_vocab: Some(args.pairs_restrict),
            case_insensitive: !args.case_sensitive,
        },
    )?;

    if args.json {
        println!(
            "{{\"analogy_accuracy\":{},\"analogy_answered\":{},\"analogy_skipped\":{},\
             \"spearman\":{},\"pairs_used\":{},\"pairs_oov\":{}}}",
            analogies.accuracy(),
            analogies.answered,
            analogies.skipped,
            json_opt(sim.spearman),
            sim.pairs_used,
            sim.pairs_oov
        );
        return Ok(());
    }

    println!(
        "{} words of dimension {} from {}",
        emb.len(),
        emb.dim(),
        args.vectors.display()
    );
    println!(
        "\nanalogies: {} (restrict {}, {})",
        questions.display(),
        args.restrict,
        if args.cosmul { "3CosMul" } else { "3CosAdd" }
    );
    println!(
        "{:<32} {:>9} {:>8} {:>9} {:>8}",
        "section", "accuracy", "correct", "answered", "skipped"
    );
    for s in &analogies.sections {
        println!(
            "{:<32} {:>8.2}% {:>8} {:>9} {:>8}",
            s.name,
            100.0 * s.accuracy(),
            s.correct,
            s.answered,
            s.skipped
        );
    }
    println!(
        "{:<32} {:>8.2}% {:>8} {:>9} {:>8}",
        "total",
        100.0 * analogies.accuracy(),
        analogies.correct,
        analogies.answered,
        analogies.skipped
    );
    println!(
        "questions with out-of-vocabulary words: {:.1}%   ({analogy_secs:.1} s)",
        analogies.skipped_percent()
    );
    if analogies.invalid_lines > 0 {
        println!("invalid lines skipped: {}", analogies.invalid_lines);
    }
    let fmt = |x: Option<f64>| x.map_or_else(|| "n/a".to_string(), |x| format!("{x:.4}"));
    println!("\nword pairs: {}", pairs.display());
    println!("Spearman rho: {}", fmt(sim.spearman));
    println!("Pearson r:    {}", fmt(sim.pearson));
    println!(
        "pairs used: {}, with unknown words: {} ({:.1}%)",
        sim.pairs_used,
        sim.pairs_oov,
        sim.oov_percent()
    );
    Ok(())
}
