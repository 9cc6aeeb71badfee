//! Train skip-gram embeddings from Rust, then query them: the library behind
//! `skipgram train`, in a few lines.
//!
//! Run: `cargo run --release --example train` (a few seconds on 2 cores).

use skipgram::prelude::*;

/// 4 MB of English Wikipedia (2015), cleaned as text8 is (CC BY-SA 3.0; see
/// examples/data/README.md).
const TEXT: &[u8] = include_bytes!("data/enwiki-2015-text8style-4M.txt");

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let corpus = Corpus::from_bytes(TEXT);
    let trainer = Trainer::new(TrainConfig {
        dim: 64,
        epochs: 3,
        ..TrainConfig::default()
    })?;
    let (model, report) = trainer.fit(
        &corpus,
        TrainOptions::new().progress(|p| {
            eprint!(
                "\repoch {}/{}: loss {:.3}, {:.0} words/s   ",
                p.epoch, p.last_epoch, p.loss, p.words_per_sec
            );
        }),
    )?;
    eprintln!();
    let phases = report.phases;
    println!(
        "{} words; vocabulary {:.2} s, initialisation {:.2} s, training {:.2} s",
        model.vocab_size(),
        phases.vocabulary,
        phases.initialisation,
        phases.training
    );

    // Only p is needed for lookups: move it out of the model without a copy.
    let emb = model.into_embeddings();
    for word in ["king", "france", "computer"] {
        let near: Vec<String> = emb
            .most_similar_word(word, 5)?
            .into_iter()
            .map(|(w, s)| format!("{w} {s:.2}"))
            .collect();
        println!("{word}: {}", near.join(", "));
    }
    // man : king :: woman : ? is gensim's most_similar(positive=[king, woman], negative=[man]).
    let answer = emb.most_similar(&["king", "woman"], &["man"], 3)?;
    println!("man : king :: woman : {answer:?}");
    println!(
        "similarity(france, germany) = {:.3}",
        emb.similarity("france", "germany")?
    );
    Ok(())
}
