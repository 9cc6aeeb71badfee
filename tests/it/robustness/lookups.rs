//! Unknown words, shape mismatches and non-finite values on every way in.

use super::*;
use skipgram::{Epochs, TrainOptions};

#[test]
fn unknown_words_are_errors_in_every_lookup() {
    let model = SkipGramModel::from_weights(
        Vocabulary::from_words(["a", "b", "c"]).unwrap(),
        array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]],
        array![[0.5f32, 0.0, -0.5], [0.0, 1.0, 2.0]],
    )
    .unwrap();
    let unknown = |r: Result<(), Error>, words: &[&str]| match r {
        Err(Error::UnknownWords(w)) => assert_eq!(w, words),
        other => panic!("expected UnknownWords({words:?}), got {other:?}"),
    };
    unknown(model.forward("zebra").map(|_| ()), &["zebra"]);
    unknown(model.embedding("zebra").map(|_| ()), &["zebra"]);
    unknown(model.one_hot("zebra").map(|_| ()), &["zebra"]);
    // Case and whitespace matter: "A" and "a " are other words.
    unknown(model.forward("A").map(|_| ()), &["A"]);
    unknown(model.embedding("a ").map(|_| ()), &["a "]);

    let e = model.to_embeddings();
    unknown(e.embedding("zebra").map(|_| ()), &["zebra"]);
    unknown(e.normalized_embedding("zebra").map(|_| ()), &["zebra"]);
    unknown(e.most_similar_word("zebra", 2).map(|_| ()), &["zebra"]);
    unknown(
        e.most_similar_batch(&["a", "zebra", "yak", "zebra"], 2)
            .map(|_| ()),
        &["zebra", "yak"],
    );
    for method in [AnalogyMethod::CosAdd, AnalogyMethod::CosMul] {
        unknown(
            e.analogy("a", "zebra", "b", 1, method).map(|_| ()),
            &["zebra"],
        );
        unknown(
            e.analogy("yak", "b", "zebra", 1, method).map(|_| ()),
            &["yak", "zebra"],
        );
        unknown(
            e.analogy_batch(&[("a", "b", "c"), ("a", "b", "gnu")], 1, method)
                .map(|_| ()),
            &["gnu"],
        );
    }
    unknown(
        e.most_similar_by_vector(array![1.0f32, 0.0].view(), 1, &["a", "emu"])
            .map(|_| ()),
        &["emu"],
    );
    assert_eq!(
        e.most_similar_word("zebra", 1).unwrap_err().to_string(),
        "unknown word: zebra"
    );
}

#[test]
fn shape_mismatches_are_errors() {
    let vocab = || Vocabulary::from_words(["a", "b"]).unwrap();
    let shape = |r: Result<(), Error>, what: &str| match r {
        Err(Error::ShapeMismatch { what: w, .. }) => assert!(w.contains(what), "{w}"),
        other => panic!("expected ShapeMismatch for {what}, got {other:?}"),
    };
    shape(
        SkipGramModel::from_weights(vocab(), Array2::zeros((3, 2)), Array2::zeros((2, 3)))
            .map(|_| ()),
        "p",
    );
    shape(
        SkipGramModel::from_weights(vocab(), Array2::zeros((2, 2)), Array2::zeros((2, 3)))
            .map(|_| ()),
        "p'",
    );
    shape(
        SkipGramModel::from_weights(vocab(), Array2::zeros((2, 0)), Array2::zeros((0, 2)))
            .map(|_| ()),
        "p",
    );
    shape(
        Embeddings::new(vocab(), Array2::zeros((1, 4))).map(|_| ()),
        "embedding",
    );
    shape(
        OneHot::new(0, 3)
            .unwrap()
            .project(Array2::zeros((2, 2)).view())
            .map(|_| ()),
        "p",
    );
    let e = Embeddings::new(vocab(), Array2::ones((2, 4))).unwrap();
    shape(
        e.most_similar_by_vector(Array1::ones(3).view(), 1, &[] as &[&str])
            .map(|_| ()),
        "query",
    );
    // A model of dimension 2 with a configuration of dimension 3: training and checkpoint
    // writing both refuse, and the model is left as it was.
    let mut model =
        SkipGramModel::from_weights(vocab(), Array2::ones((2, 2)), Array2::ones((2, 2))).unwrap();
    let config = TrainConfig {
        dim: 3,
        vocab: skipgram::VocabConfig {
            min_count: 1,
            ..Default::default()
        },
        epochs: 1,
        threads: 1,
        ..Default::default()
    };
    let corpus = Corpus::from_text("a b a b");
    shape(
        Trainer::new(config)
            .unwrap()
            .train(&mut model, &corpus, Epochs::Planned, TrainOptions::new())
            .map(|_| ()),
        "dimension",
    );
    assert_eq!(model.input_weights(), Array2::<f32>::ones((2, 2)));
    assert_eq!(model.epochs_trained(), 0);
    shape(
        Checkpoint::write_to(&model, &config, &mut Vec::new()),
        "dimension",
    );
}

#[test]
fn non_finite_weights_are_rejected_on_every_way_in() {
    let non_finite = |r: Result<(), Error>, case: &str| {
        assert!(
            matches!(r, Err(Error::NonFinite { .. })),
            "{case}: expected NonFinite, got {r:?}"
        );
    };
    let vocab = || Vocabulary::from_words(["a", "b"]).unwrap();
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut p = Array2::zeros((2, 2));
        p[[1, 0]] = bad;
        non_finite(
            SkipGramModel::from_weights(vocab(), p.clone(), Array2::zeros((2, 2))).map(|_| ()),
            "from_weights p",
        );
        non_finite(
            SkipGramModel::from_weights(vocab(), Array2::zeros((2, 2)), p.clone()).map(|_| ()),
            "from_weights p'",
        );
        non_finite(Embeddings::new(vocab(), p).map(|_| ()), "Embeddings::new");
        let e = Embeddings::new(vocab(), Array2::ones((2, 2))).unwrap();
        non_finite(
            e.most_similar_by_vector(array![1.0, bad].view(), 1, &[] as &[&str])
                .map(|_| ()),
            "query vector",
        );
        // word2vec binary.
        let mut bin = b"2 2\na ".to_vec();
        for x in [1.0f32, 2.0] {
            bin.extend_from_slice(&x.to_le_bytes());
        }
        bin.extend_from_slice(b"\nb ");
        for x in [3.0f32, bad] {
            bin.extend_from_slice(&x.to_le_bytes());
        }
        bin.push(b'\n');
        non_finite(
            Embeddings::read_word2vec_binary(&mut bin.as_slice()).map(|_| ()),
            "binary",
        );
    }
    // word2vec text: every spelling Rust's float parser accepts, and overflow to infinity.
    for word in [
        "nan",
        "NaN",
        "inf",
        "-inf",
        "+infinity",
        "Infinity",
        "1e39",
        "-4e38",
    ] {
        let text = format!("2 2\na 1 2\nb 3 {word}\n");
        non_finite(
            Embeddings::read_word2vec_text(&mut text.as_bytes()).map(|_| ()),
            word,
        );
    }
    // Checkpoint: NaN patched into p, p' and the hierarchical-softmax node vectors, with the
    // checksums recomputed (else the failed checksum is reported first).
    let ckpt = small_checkpoint();
    let bytes = checkpoint_bytes(&ckpt);
    let layout = CkptLayout::of(&bytes);
    let dir = TempDir::new("nan-ckpt");
    for (section, what) in [("p", "p"), ("p'", "p'"), ("node vectors", "node vectors")] {
        let at = layout.section(section).start + 4;
        let mut b = bytes.clone();
        b[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        layout.reseal(&mut b);
        non_finite(Checkpoint::read_from(&mut b.as_slice()).map(|_| ()), what);
        let path = dir.path("nan.ckpt");
        std::fs::write(&path, &b).unwrap();
        non_finite(Checkpoint::load(&path).map(|_| ()), what);
    }
}
