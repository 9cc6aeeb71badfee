//! Atomic saves through the public API: temporary files that killed saves left behind are
//! removed by the next save into the directory once their process is gone (rules in
//! src/io/atomic/stale.rs); other failure cases are in tests/robustness.rs. Linux only: there the
//! clean-up checks /proc.
use std::path::Path;
use std::time::Duration;

use crate::common::TempDir;
use ndarray::{array, Array2};
use skipgram::{Checkpoint, Embeddings, SkipGramModel, TrainConfig, Vocabulary};

fn embeddings() -> Embeddings {
    let vocab = Vocabulary::from_words(["the", "cat"]).unwrap();
    Embeddings::new(vocab, array![[0.25f32, -1.5], [1e-20, 3.0]]).unwrap()
}

fn model_and_config() -> (SkipGramModel, TrainConfig) {
    let model = SkipGramModel::from_weights(
        Vocabulary::from_words(["a", "b"]).unwrap(),
        Array2::ones((2, 3)),
        Array2::zeros((3, 2)),
    )
    .unwrap();
    let config = TrainConfig {
        dim: 3,
        threads: 1,
        ..Default::default()
    };
    (model, config)
}

/// A `kill -9` during a save leaves `.NAME.skipgram-tmp-PID-XXXXXX` behind; the next save
/// into the directory removes it once its process is gone, and keeps a live process's.
#[test]
fn saves_remove_stale_temp_files_of_dead_processes() {
    let dir = TempDir::new("stale");
    let two_hours_ago = std::time::SystemTime::now() - Duration::from_secs(7200);
    let make = |name: &str| {
        let p = dir.path(name);
        std::fs::write(&p, vec![0u8; 10_000]).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
        p
    };
    // A process that has exited (and been reaped): its PID is free.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = child.id();
    child.wait().unwrap();
    let dead = make(&format!(".v.bin.skipgram-tmp-{dead_pid}-aB3dE6"));
    let dead_ckpt = make(".m.ckpt.skipgram-tmp-999999999-xyzXYZ");
    let mine = make(&format!(
        ".v.bin.skipgram-tmp-{}-live01",
        std::process::id()
    ));

    embeddings()
        .save_word2vec_binary(dir.path("v.bin"))
        .unwrap();
    assert!(!dead.exists() || Path::new(&format!("/proc/{dead_pid}")).exists());
    assert!(!dead_ckpt.exists());
    assert!(
        mine.exists(),
        "a temporary file of a live process was removed"
    );
    let (model, config) = model_and_config();
    Checkpoint::save(&model, &config, dir.path("m.ckpt")).unwrap();
    let mine_name = mine.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(dir.entries(), [mine_name.as_str(), "m.ckpt", "v.bin"]);
    assert_eq!(Checkpoint::load(dir.path("m.ckpt")).unwrap().1, config);
    assert_eq!(
        Embeddings::load_word2vec(dir.path("v.bin"))
            .unwrap()
            .vectors(),
        embeddings().vectors()
    );
}
