//! Atomic saves: a failed save leaves the previous file and no temporary file.

use super::*;

#[test]
fn failed_saves_leave_the_previous_file_and_no_temp_file() {
    let dir = TempDir::new("atomic");
    let good = small_embeddings();
    let (tp, bp, cp) = (dir.path("v.txt"), dir.path("v.bin"), dir.path("m.ckpt"));
    good.save_word2vec_text(&tp).unwrap();
    good.save_word2vec_binary(&bp).unwrap();
    let ckpt = small_checkpoint();
    Checkpoint::save(&ckpt.model, &ckpt.config, &cp).unwrap();
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

    // A word with a space cannot be written: refused after the temporary file is created.
    let spaced = Embeddings::new(
        Vocabulary::from_words(["ok", "two words"]).unwrap(),
        Array2::ones((2, 3)),
    )
    .unwrap();
    assert!(matches!(
        spaced.save_word2vec_text(&tp),
        Err(Error::Format { .. })
    ));
    assert!(matches!(
        spaced.save_word2vec_binary(&bp),
        Err(Error::Format { .. })
    ));
    unchanged("word with a space");

    // Configuration and model disagree: refused before the first byte.
    let mismatched = TrainConfig {
        dim: ckpt.config.dim + 1,
        ..ckpt.config
    };
    assert!(matches!(
        Checkpoint::save(&ckpt.model, &mismatched, &cp),
        Err(Error::ShapeMismatch { .. })
    ));
    unchanged("dimension mismatch");

    // 300 words of 100 bytes and then a word longer than a checkpoint may hold: refused
    // once the temporary file exists (src/io/atomic.rs tests a failure after 50 kB are
    // written).
    let mut words: Vec<String> = (0..300).map(|i| format!("{i:0>100}")).collect();
    words.push("x".repeat(skipgram::io::MAX_WORD_BYTES + 1));
    let v = words.len();
    let model = SkipGramModel::from_weights(
        Vocabulary::from_words(words).unwrap(),
        Array2::zeros((v, 1)),
        Array2::zeros((1, v)),
    )
    .unwrap();
    let config = TrainConfig {
        dim: 1,
        ..ckpt.config
    };
    match Checkpoint::save(&model, &config, &cp) {
        Err(e @ Error::Format { .. }) => assert!(e.to_string().contains("longer"), "{e}"),
        other => panic!("expected Format, got {other:?}"),
    }
    unchanged("word too long midway through a checkpoint");

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
