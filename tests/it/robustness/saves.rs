//! Atomic saves: a failed save leaves the previous file and no temporary file.

use super::*;
use skipgram::{Epochs, TrainOptions};

#[test]
fn failed_saves_leave_the_previous_file_and_no_temp_file() {
    let dir = TempDir::new("atomic");
    let good = small_embeddings();
    let (tp, bp, cp) = (dir.path("v.txt"), dir.path("v.bin"), dir.path("m.ckpt"));
    good.save_word2vec_text(&tp).unwrap();
    good.save_word2vec_binary(&bp).unwrap();
    let ckpt = small_checkpoint();
    Checkpoint::save(&ckpt.0, &ckpt.1, &cp).unwrap();
    let before: Vec<Vec<u8>> = [&tp, &bp, &cp]
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let names = ["m.ckpt", "v.bin", "v.txt"];
    assert_eq!(dir.entries(), names);
    let unchanged = |case: &str| {
        for (p, old) in [&tp, &bp, &cp].iter().zip(&before) {
            assert_eq!(&std::fs::read(p).unwrap(), old, "{case}: {}", p.display());
        }
        assert_eq!(dir.entries(), names, "{case}: a temporary file remains");
    };

    // A word with a space cannot even be in a vocabulary, so it cannot reach a save.
    assert!(matches!(
        Vocabulary::from_words(["ok", "two words"]),
        Err(Error::InvalidWord { .. })
    ));

    // Configuration and model disagree: refused before the first byte.
    let mismatched = TrainConfig {
        dim: ckpt.1.dim + 1,
        ..ckpt.1
    };
    assert!(matches!(
        Checkpoint::save(&ckpt.0, &mismatched, &cp),
        Err(Error::ShapeMismatch { .. })
    ));
    unchanged("dimension mismatch");

    // A model without the node vectors its hierarchical-softmax configuration needs:
    // refused once the temporary file exists.
    assert_eq!(ckpt.1.objective, Objective::HierarchicalSoftmax);
    let ns = TrainConfig {
        objective: Objective::NegativeSampling,
        ..ckpt.1
    };
    let corpus = Corpus::from_text("x y z x y w x z w y\n".repeat(20));
    let trainer = Trainer::new(ns).unwrap();
    let mut without_nodes = trainer
        .init_model(
            trainer
                .build_vocabulary(&corpus, &TrainOptions::new())
                .unwrap(),
        )
        .unwrap();
    trainer
        .train(
            &mut without_nodes,
            &corpus,
            Epochs::Until(1),
            TrainOptions::new(),
        )
        .unwrap();
    assert!(without_nodes.hs_node_vectors().is_none());
    match Checkpoint::save(&without_nodes, &ckpt.1, &cp) {
        Err(e @ Error::InvalidConfig(_)) => assert!(e.to_string().contains("node"), "{e}"),
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
    unchanged("hierarchical softmax without node vectors");

    // A directory that does not exist: an I/O error naming the path, nothing created.
    let nowhere = dir.path("missing/v.txt");
    match good.save_word2vec_text(&nowhere) {
        Err(e @ Error::Io { path: Some(_), .. }) => {
            assert!(e.to_string().contains(&*nowhere.to_string_lossy()), "{e}")
        }
        other => panic!("expected Io with the path, got {other:?}"),
    }
    unchanged("missing directory");

    // And a successful save replaces the file whole.
    let other = Embeddings::new(
        Vocabulary::from_words(["new"]).unwrap(),
        array![[1.0f32, 2.0]],
    )
    .unwrap();
    other.save_word2vec_text(&tp).unwrap();
    assert_eq!(std::fs::read_to_string(&tp).unwrap(), "1 2\nnew 1 2\n");
    assert_eq!(dir.entries(), names);
}
