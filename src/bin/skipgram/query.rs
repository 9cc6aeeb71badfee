//! `skipgram similar`, `skipgram evaluate` and `skipgram forward`.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use clap::Parser;
use serde_json::json;
use skipgram::eval::{self, AnalogyOptions, PairOptions};
use skipgram::{
    AnalogyMethod, Checkpoint, Embeddings, SimilarityOptions, SkipGramModel, SubwordEmbeddings,
    Vocabulary,
};

use crate::CliResult;

/// How to read a vectors file: detected from its bytes unless forced.
#[derive(Parser, Debug)]
pub(crate) struct Format {
    /// The file is word2vec binary (an error if it looks like text). Default: detected.
    #[arg(long, conflicts_with = "text")]
    binary: bool,
    /// The file is word2vec text (an error if it looks binary). Default: detected.
    #[arg(long)]
    text: bool,
}

fn load(path: &Path, format: &Format) -> skipgram::Result<Embeddings> {
    let emb = if format.binary {
        Embeddings::load_word2vec_binary(path)?
    } else if format.text {
        Embeddings::load_word2vec_text(path)?
    } else {
        Embeddings::load_word2vec(path)?
    };
    eprintln!(
        "loaded {} words of dimension {} from {}",
        emb.len(),
        emb.dim(),
        path.display()
    );
    Ok(emb)
}

/// Whether `path` starts with fastText's magic number (a `.bin` model).
pub(crate) fn is_fasttext(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok()
        && i32::from_le_bytes(magic) == skipgram::io::fasttext::FASTTEXT_MAGIC
}

/// A fastText `.bin` model (recognised by its magic number), loaded with its n-gram rows so
/// that every word has a vector; `None` for any other file.
fn load_fasttext(path: &Path) -> skipgram::Result<Option<SubwordEmbeddings>> {
    if !is_fasttext(path) {
        return Ok(None);
    }
    let sub = SubwordEmbeddings::read_fasttext(path)?;
    let cfg = sub.model().ngram_config();
    eprintln!(
        "loaded fastText model: {} words of dimension {}, n-grams {}..{} in {} buckets, from {}",
        sub.embeddings().len(),
        sub.dim(),
        cfg.minn,
        cfg.maxn,
        cfg.bucket,
        path.display()
    );
    Ok(Some(sub))
}

/// One query on a fastText model: query words may be outside the vocabulary.
fn query_subword(sub: &SubwordEmbeddings, line: &str, top: usize) -> skipgram::Result<()> {
    let words: Vec<&str> = line.split_ascii_whitespace().collect();
    let result = match words.as_slice() {
        [a, b, c] if !line.contains('-') => {
            println!("{a} : {b} :: {c} : ?");
            sub.analogy(a, b, c, top)?
        }
        _ => {
            let (neg, pos): (Vec<&str>, Vec<&str>) = words
                .iter()
                .partition(|w| w.starts_with('-') && w.len() > 1);
            let neg: Vec<&str> = neg.iter().map(|w| &w[1..]).collect();
            println!("{line}:");
            sub.most_similar(&pos, &neg, top)?
        }
    };
    for (word, score) in result {
        println!("  {score:>8.4}  {word}");
    }
    Ok(())
}

#[derive(Parser, Debug)]
pub(crate) struct SimilarArgs {
    /// A word2vec vectors file, text or binary, or a fastText `.bin` model (then every word
    /// with a character n-gram has a vector).
    vectors: PathBuf,
    #[command(flatten)]
    format: Format,
    /// Neighbours to print per query.
    #[arg(long, short = 'k', default_value_t = 10)]
    top: usize,
    /// Only the first this many (most frequent) words are candidates (gensim's
    /// restrict_vocab).
    #[arg(long)]
    restrict: Option<usize>,
    /// Answer analogies with 3CosMul instead of 3CosAdd.
    #[arg(long)]
    cosmul: bool,
    /// Queries: `word` for neighbours, or `a b c` as one argument for a : b :: c : ?.
    /// Without any, one query per line is read from stdin. Words prefixed with `-` inside a
    /// query count negatively (gensim's negative list): `"king -man woman"`.
    queries: Vec<String>,
}

/// Runs one query; `Err` for unknown words.
fn query(emb: &Embeddings, line: &str, args: &SimilarArgs) -> skipgram::Result<()> {
    let words: Vec<&str> = line.split_ascii_whitespace().collect();
    let mut opts = SimilarityOptions::new().method(if args.cosmul {
        AnalogyMethod::CosMul
    } else {
        AnalogyMethod::CosAdd
    });
    if let Some(k) = args.restrict {
        opts = opts.restrict_vocab(k);
    }
    let result = match words.as_slice() {
        [a, b, c] if !line.contains('-') => {
            println!("{a} : {b} :: {c} : ?");
            // a : b :: c : ? is gensim's most_similar(positive=[b, c], negative=[a]).
            emb.most_similar_with(&[b, c], &[a], args.top, &opts)?
        }
        _ => {
            let (neg, pos): (Vec<&str>, Vec<&str>) = words
                .iter()
                .partition(|w| w.starts_with('-') && w.len() > 1);
            let neg: Vec<&str> = neg.iter().map(|w| &w[1..]).collect();
            println!("{line}:");
            emb.most_similar_with(&pos, &neg, args.top, &opts)?
        }
    };
    for (word, score) in result {
        println!("  {score:>8.4}  {word}");
    }
    Ok(())
}

pub(crate) fn similar(args: SimilarArgs) -> CliResult {
    if let Some(sub) = load_fasttext(&args.vectors)? {
        if args.restrict.is_some() || args.cosmul {
            return Err("--restrict and --cosmul are not supported for fastText models".into());
        }
        for q in &args.queries {
            query_subword(&sub, q, args.top)?;
        }
        if args.queries.is_empty() {
            for line in std::io::stdin().lock().lines() {
                let line = line?;
                if !line.trim().is_empty() {
                    query_subword(&sub, &line, args.top)?;
                }
            }
        }
        return Ok(());
    }
    let emb = load(&args.vectors, &args.format)?;
    let single_words = args
        .queries
        .iter()
        .all(|q| q.split_ascii_whitespace().count() == 1 && !q.trim().starts_with('-'));
    if args.queries.len() > 1 && single_words && args.restrict.is_none() {
        // Neighbours of several words: one pass over the vectors for all of them.
        let words: Vec<&str> = args.queries.iter().map(|q| q.trim()).collect();
        for (word, result) in words.iter().zip(emb.most_similar_batch(&words, args.top)?) {
            println!("{word}:");
            for (neighbour, score) in result {
                println!("  {score:>8.4}  {neighbour}");
            }
        }
        return Ok(());
    }
    if !args.queries.is_empty() {
        // Every query must succeed: an unknown word makes the command fail.
        for q in &args.queries {
            query(&emb, q, &args)?;
        }
        return Ok(());
    }
    let mut failed = 0usize;
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        if let Err(e) = query(&emb, &line, &args) {
            eprintln!("  {e}");
            failed += 1;
        }
    }
    if failed > 0 {
        return Err(format!("{failed} queries failed").into());
    }
    Ok(())
}

#[derive(Parser, Debug)]
pub(crate) struct EvaluateArgs {
    /// A word2vec vectors file, text or binary, or a fastText `.bin` model (then every word
    /// with a character n-gram has a vector).
    vectors: PathBuf,
    #[command(flatten)]
    format: Format,
    /// Analogy questions (`: section` lines, then `a b c d`). Default: the bundled Google
    /// analogy set (Mikolov et al. 2013).
    #[arg(long)]
    questions: Option<PathBuf>,
    /// Word pairs with human scores (`word1 word2 score`, tab or space separated, `#`
    /// comments). Default: the bundled WordSim-353 (Finkelstein et al. 2002).
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
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
}

fn open(path: &Path) -> skipgram::Result<std::io::BufReader<std::fs::File>> {
    std::fs::File::open(path)
        .map(std::io::BufReader::new)
        .map_err(|e| skipgram::Error::Io {
            path: Some(path.to_path_buf()),
            source: e,
        })
}

pub(crate) fn evaluate(args: EvaluateArgs) -> CliResult {
    // A fastText model: analogies over its vocabulary vectors; word pairs with a vector for
    // every word (out-of-vocabulary words from their n-grams; a pair counts as out of
    // vocabulary only if a word has no n-gram at all), lower-cased unless --case-sensitive.
    let sub = load_fasttext(&args.vectors)?;
    let owned;
    let emb = match &sub {
        Some(s) => s.embeddings(),
        None => {
            owned = load(&args.vectors, &args.format)?;
            &owned
        }
    };
    let analogy_opts = AnalogyOptions {
        restrict_vocab: Some(args.restrict),
        case_insensitive: !args.case_sensitive,
        method: if args.cosmul {
            AnalogyMethod::CosMul
        } else {
            AnalogyMethod::CosAdd
        },
    };
    let pair_opts = PairOptions {
        restrict_vocab: Some(args.pairs_restrict),
        case_insensitive: !args.case_sensitive,
    };
    let analogies = match &args.questions {
        Some(p) => eval::evaluate_analogies(emb, open(p)?, analogy_opts)?,
        None => eval::evaluate_analogies(emb, eval::google_analogies().as_bytes(), analogy_opts)?,
    };
    let pairs = match (&sub, &args.pairs) {
        (Some(s), p) => {
            let text = match p {
                Some(p) => std::fs::read_to_string(p).map_err(|e| skipgram::Error::Io {
                    path: Some(p.clone()),
                    source: e,
                })?,
                None => eval::wordsim353().to_string(),
            };
            let text = if args.case_sensitive {
                text
            } else {
                text.to_lowercase()
            };
            s.evaluate_word_pairs(&text)
        }
        (None, Some(p)) => eval::evaluate_word_pairs(emb, open(p)?, pair_opts)?,
        (None, None) => eval::evaluate_word_pairs(emb, eval::wordsim353().as_bytes(), pair_opts)?,
    };
    if args.json {
        let value = json!({
            "analogy_accuracy": analogies.accuracy(),
            "analogy_correct": analogies.correct,
            "analogy_answered": analogies.answered,
            "analogy_skipped": analogies.skipped,
            "spearman": pairs.spearman,
            "pearson": pairs.pearson,
            "pairs_used": pairs.pairs_used,
            "pairs_oov": pairs.pairs_oov,
            "pairs_invalid_lines": pairs.invalid_lines,
        });
        println!("{value}");
        return no_pairs_scored(&args, &pairs);
    }
    println!(
        "{:<32} {:>8} {:>9} {:>8}",
        "analogy section", "correct", "answered", "acc %"
    );
    for s in &analogies.sections {
        println!(
            "{:<32} {:>8} {:>9} {:>8.2}",
            s.name,
            s.correct,
            s.answered,
            100.0 * s.accuracy()
        );
    }
    println!(
        "{:<32} {:>8} {:>9} {:>8.2}   ({} skipped as out of vocabulary)",
        "total",
        analogies.correct,
        analogies.answered,
        100.0 * analogies.accuracy(),
        analogies.skipped
    );
    let fmt = |x: Option<f64>| x.map_or_else(|| "n/a".to_string(), |x| format!("{x:.4}"));
    println!(
        "word pairs: Spearman rho {}, Pearson r {} over {} pairs ({} skipped as out of \
         vocabulary, {} lines skipped as not a pair with a finite score)",
        fmt(pairs.spearman),
        fmt(pairs.pearson),
        pairs.pairs_used,
        pairs.pairs_oov,
        pairs.invalid_lines
    );
    no_pairs_scored(&args, &pairs)
}

/// A `--pairs` file of which no pair could be scored is an error (after the report), so
/// that a script does not take "n/a over 0 pairs" for a result.
fn no_pairs_scored(args: &EvaluateArgs, pairs: &eval::PairReport) -> CliResult {
    match (&args.pairs, pairs.pairs_used) {
        (Some(path), 0) => Err(format!(
            "no word pair of {} could be scored: {} lines are not a pair with a finite \
             score, {} pairs have an unknown word",
            path.display(),
            pairs.invalid_lines,
            pairs.pairs_oov
        )
        .into()),
        _ => Ok(()),
    }
}

#[derive(Parser, Debug)]
pub(crate) struct ForwardArgs {
    /// The input word (default: "tape", as in the tutorial).
    #[arg(default_value = "tape")]
    word: String,
    /// A checkpoint (`train --save-checkpoint`) whose model to feed forward. Default: the
    /// tutorial's net over `duct tape work anywher magic worship`.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Context positions c on each side shown (the tutorial's c = 2).
    #[arg(long, short = 'c', default_value_t = 2)]
    context: usize,
    /// Most probable words printed.
    #[arg(long, short = 'k', default_value_t = 10)]
    top: usize,
}

/// The net of L. Lorenz's tutorial, "Forward Propagation: Building a Skip-Gram Net From the
/// Ground Up": V = 6, N = 3, p and p' as printed there (numpy seed 42).
#[allow(clippy::excessive_precision)]
fn tutorial_model() -> skipgram::Result<SkipGramModel> {
    use skipgram::ndarray::array;
    let vocab = Vocabulary::from_words(["duct", "tape", "work", "anywher", "magic", "worship"])?;
    let p = array![
        [0.37454012, 0.95071431, 0.73199394],
        [0.59865848, 0.15601864, 0.15599452],
        [0.05808361, 0.86617615, 0.60111501],
        [0.70807258, 0.02058449, 0.96990985],
        [0.83244264, 0.21233911, 0.18182497],
        [0.18340451, 0.30424224, 0.52475643f32],
    ];
    let p_prime = array![
        [0.43194502, 0.29122914, 0.61185289, 0.13949386, 0.29214465, 0.36636184],
        [0.45606998, 0.78517596, 0.19967378, 0.51423444, 0.59241457, 0.04645041],
        [
            0.60754485,
            0.17052412,
            0.06505159,
            0.94888554,
            0.96563203,
            0.80839735f32
        ],
    ];
    SkipGramModel::from_weights(vocab, p, p_prime)
}

pub(crate) fn forward(args: ForwardArgs) -> CliResult {
    // c is a window size: the cap of --window, so 2c is always exact.
    let max = skipgram::TrainConfig::MAX_SIZE;
    if !(1..=max).contains(&args.context) {
        return Err(format!("--context must be in 1..={max}, got {}", args.context).into());
    }
    let model = match &args.model {
        Some(path) => Checkpoint::load(path)?.0,
        None => tutorial_model()?,
    };
    let f = model.forward(&args.word)?;
    let (v, n) = (model.vocab_size(), model.dim());
    println!(
        "input \"{}\": one-hot of length V = {v}, index {}",
        args.word, f.index
    );
    println!(
        "projection h = one-hot · p (row {} of p, N = {n}):",
        f.index
    );
    println!("  {:.8}", f.projection);
    if f.hierarchical {
        println!("scores: ln p(w | h) along each word's Huffman path (hierarchical softmax)");
    } else {
        println!(
            "scores u = h · p', shared by all 2c = {} context positions",
            2 * args.context
        );
    }
    let probs = f.probabilities()?;
    let mut order: Vec<usize> = (0..v).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
    println!("most probable context words (softmax):");
    for &j in order.iter().take(args.top) {
        let word = model.vocab().word(j).unwrap_or("?");
        println!(
            "  {word:<16} score {:>10.6}  p {:.6}",
            f.scores[j], probs[j]
        );
    }
    Ok(())
}
