//! `skipgram train` under `mpirun` (features `cli` and `mpi`): the ranks train one model,
//! rank 0 alone prints and writes, a failure on one rank ends every rank with an error, and
//! without `mpirun` the program trains as one process. These tests start `mpirun` themselves
//! (2 processes, oversubscribed), so they run without a test runner.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{real_text, TempDir};

/// Runs `cmd` to completion, failing the test if it takes more than a minute (a rank that
/// waits forever for another).
fn run(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mpirun runs");
    let t0 = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t0.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("the job hangs");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn mpirun(np: usize, args: &[&str], dir: &Path) -> Output {
    let mut cmd = Command::new("mpirun");
    cmd.args(["-np", &np.to_string(), "--oversubscribe"])
        .arg(env!("CARGO_BIN_EXE_skipgram"))
        .args(args)
        .current_dir(dir)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    run(cmd)
}

const TRAIN: &[&str] = &[
    "train",
    "--input",
    "corpus.txt",
    "--size",
    "20",
    "--iter",
    "2",
    "--min-count",
    "2",
    "--threads",
    "1",
    "--probe",
    "",
    "-q",
];

fn report(dir: &TempDir) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.path("r.json")).unwrap()).unwrap()
}

#[test]
fn two_ranks_train_one_model_and_rank_0_writes_it() {
    let dir = TempDir::new("mpi-cli");
    std::fs::write(dir.path("corpus.txt"), real_text(300_000)).unwrap();
    let args = [
        TRAIN,
        &[
            "--output",
            "v.txt",
            "--report",
            "r.json",
            "--save-checkpoint",
            "c.ckpt",
            "--sync-period",
            "0.01",
        ],
    ]
    .concat();
    let out = mpirun(2, &args, dir.dir());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // Rank 0 alone prints.
    assert_eq!(err.matches("vocabulary: ").count(), 1, "{err}");
    assert!(err.contains("1 threads in each of 2 processes"), "{err}");
    // The files, once each, and no temporary file left behind.
    assert_eq!(dir.entries(), ["c.ckpt", "corpus.txt", "r.json", "v.txt"]);
    let r = report(&dir);
    assert_eq!(r["processes"], 2);
    assert_eq!(r["sync"]["full_syncs"], 2, "{r}");
    assert!(r["sync"]["syncs"].as_u64().unwrap() > 0, "{r}");
    // Each epoch counts the words of both ranks.
    for e in r["epochs"].as_array().unwrap() {
        assert_eq!(e["words"], r["words_per_epoch"], "{r}");
    }
    let text = std::fs::read_to_string(dir.path("v.txt")).unwrap();
    let header = text.lines().next().unwrap();
    assert_eq!(header, format!("{} 20", r["vocab_size"]));
}

#[test]
fn a_failure_on_rank_0_ends_every_rank() {
    let dir = TempDir::new("mpi-cli-fail");
    std::fs::write(dir.path("corpus.txt"), real_text(100_000)).unwrap();
    // Rank 0 cannot write its output; the other rank waits for it and must not hang.
    let args = [TRAIN, &["--output", "missing/v.txt"]].concat();
    let out = mpirun(2, &args, dir.dir());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("error (process 0 of 2): "), "{err}");
    assert!(err.contains("missing/v.txt"), "{err}");
    assert_eq!(dir.entries(), ["corpus.txt"]);
}

#[test]
fn without_mpirun_the_program_trains_as_one_process() {
    let dir = TempDir::new("mpi-cli-single");
    std::fs::write(dir.path("corpus.txt"), real_text(100_000)).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_skipgram"));
    cmd.args([TRAIN, &["--output", "v.txt", "--report", "r.json"]].concat())
        .current_dir(dir.dir());
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = report(&dir);
    assert_eq!(r["processes"], 1);
    assert!(r["sync"].is_null());
}
