//! Nearest neighbours and analogies in word2vec vectors (text or binary).
//!
//! Run: `cargo run --release --example similar -- VECTORS [--binary] [WORD ...]`
//!
//! With words on the command line, prints the 10 nearest neighbours (cosine) of each. With
//! none, reads queries from stdin, one a line: `word` prints its neighbours, `a b c` solves
//! the analogy a : b :: c : ? (3CosAdd, top 5), as word2vec.c's `distance` and
//! `word-analogy` tools do.

use std::io::BufRead;
use std::path::PathBuf;

use clap::Parser;
use skipgram::{AnalogyMethod, Embeddings};

#[derive(Parser)]
#[command(about = "Nearest neighbours and analogies in word2vec vectors")]
struct Args {
    /// A word2vec vectors file (text format unless --binary).
    vectors: PathBuf,
    /// The file is in word2vec's binary format.
    #[arg(long)]
    binary: bool,
    /// Neighbours to print per word.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Words to look up; without any, queries are read from stdin.
    words: Vec<String>,
}

fn print(results: &[(String, f32)]) {
    for (word, score) in results {
        println!("  {score:>8.4}  {word}");
    }
}

fn query(emb: &Embeddings, words: &[&str], top: usize) {
    let result = match words {
        [w] => {
            println!("{w}:");
            emb.most_similar_word(w, top)
        }
        [a, b, c] => {
            println!("{a} : {b} :: {c} : ?");
            emb.analogy(a, b, c, 5, AnalogyMethod::CosAdd)
        }
        _ => {
            eprintln!("enter one word (neighbours) or three words a b c (analogy a:b :: c:?)");
            return;
        }
    };
    match result {
        Ok(r) => print(&r),
        Err(e) => eprintln!("  {e}"),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let emb = if args.binary {
        Embeddings::load_word2vec_binary(&args.vectors)?
    } else {
        Embeddings::load_word2vec_text(&args.vectors)?
    };
    eprintln!(
        "loaded {} words of dimension {} from {}",
        emb.len(),
        emb.dim(),
        args.vectors.display()
    );
    if !args.words.is_empty() {
        for w in &args.words {
            query(&emb, &[w], args.top);
        }
        return Ok(());
    }
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let words: Vec<&str> = line.split_whitespace().collect();
        if !words.is_empty() {
            query(&emb, &words, args.top);
        }
    }
    Ok(())
}
