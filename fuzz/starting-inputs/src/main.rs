//! Writes small valid inputs for every fuzz target into `fuzz/corpus/<target>/` (which git
//! ignores), so the fuzzers start from well-formed files and mutate from there.
//!
//! Run from the repository root: `cargo run --manifest-path fuzz/Cargo.toml -p skipgram-fuzz-inputs`

use std::path::{Path, PathBuf};

use ndarray::Array2;
use skipgram::{
    Checkpoint, Corpus, Embeddings, Epochs, Objective, TrainConfig, TrainOptions, Trainer,
    Vocabulary, WriteWord2Vec,
};

fn out_dir(target: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus")
        .join(target);
    std::fs::create_dir_all(&d).expect("creating the corpus directory");
    d
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    std::fs::write(out_dir(target).join(name), bytes).expect("writing a seed");
}

fn embeddings(words: &[&str], dim: usize, salt: u32) -> Embeddings {
    let vocab = Vocabulary::from_words(words.iter().copied()).unwrap();
    let mut x = salt.wrapping_mul(2_654_435_761) | 1;
    let v = Array2::from_shape_fn((words.len(), dim), |_| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        (x % 20_001) as f32 / 10_000.0 - 1.0
    });
    Embeddings::new(vocab, v).unwrap()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let sets: [(&[&str], usize); 4] = [
        (&["the", "cat"], 1),
        (&["duct", "tape", "work", "anywher", "magic", "worship"], 3),
        (&["café", "naïve", "日本", "🙂", "x"], 4),
        (&["a", "b", "c"], 8),
    ];
    for (i, (words, dim)) in sets.iter().enumerate() {
        let e = embeddings(words, *dim, i as u32 + 1);
        let mut text = Vec::new();
        e.write_word2vec_text(&mut text).unwrap();
        write("word2vec_text", &format!("ours-{i}.txt"), &text);
        let crlf = String::from_utf8(text).unwrap().replace('\n', " \r\n");
        write("word2vec_text", &format!("crlf-{i}.txt"), crlf.as_bytes());
        let mut bin = Vec::new();
        e.write_word2vec_binary(&mut bin).unwrap();
        write("word2vec_binary", &format!("ours-{i}.bin"), &bin);
    }
    // Special values and the gensim-written fixtures (no newline after binary vectors).
    write(
        "word2vec_text",
        "special.txt",
        b"2 3\nw 1e-45 -0 3.4028235e38\nv 1e-3 -7 0.5\n",
    );
    let fixtures = root.join("tests/fixtures/gensim");
    for (target, name) in [
        ("word2vec_text", "tiny.txt"),
        ("word2vec_binary", "tiny.bin"),
    ] {
        let bytes = std::fs::read(fixtures.join(name)).expect("reading a gensim fixture");
        write(target, &format!("gensim-{name}"), &bytes);
    }

    let text = "the cat sat on the mat\nthe dog sat on the log\na cat and a dog met\n";
    let corpus = Corpus::from_text(text.repeat(4));
    for (i, objective) in [
        Objective::Softmax,
        Objective::NegativeSampling,
        Objective::HierarchicalSoftmax,
    ]
    .into_iter()
    .enumerate()
    {
        let config = TrainConfig {
            dim: 2 + i,
            min_count: 1,
            epochs: 2,
            threads: 1,
            objective,
            max_final_vocab: (i == 1).then_some(50),
            ..TrainConfig::default()
        };
        let trainer = Trainer::new(config).unwrap();
        let mut model = trainer.init_model(trainer.build_vocabulary(&corpus, &TrainOptions::new()).unwrap()).unwrap();
        trainer.train(&mut model, &corpus, Epochs::Until(1), TrainOptions::new()).unwrap();
        let mut bytes = Vec::new();
        Checkpoint::write_to(&model, &config, &mut bytes).unwrap();
        write("checkpoint", &format!("{objective:?}.ckpt"), &bytes);
    }

    // Corpus inputs: two configuration bytes, then the text.
    let real = std::fs::read(root.join("examples/data/enwiki-2015-text8style-4M.txt"))
        .map(|b| b[..1500.min(b.len())].to_vec())
        .unwrap_or_default();
    let texts: [(&str, Vec<u8>); 5] = [
        (
            "tutorial",
            b"duct tape work anywher duct tape magic worship\n".repeat(3),
        ),
        ("sentences", text.as_bytes().to_vec()),
        ("real", real),
        (
            "mixed",
            "Ünïcode wörds\r\n日本 語\t🙂 🙂\n\n x x x"
                .as_bytes()
                .to_vec(),
        ),
        ("invalid", b"ok \xff\xfe bad\nok ok\n".to_vec()),
    ];
    for (i, (name, t)) in texts.iter().enumerate() {
        for (j, config) in [[0u8, 0], [0x21, 0x9e], [0x4c, 0x53], [0xe7, 0xd6]]
            .iter()
            .enumerate()
        {
            let mut input = config.to_vec();
            input.extend_from_slice(t);
            write("corpus", &format!("{i}-{name}-{j}"), &input);
        }
    }
    println!("starting inputs written under fuzz/corpus/");
}
