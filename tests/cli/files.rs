//! What the commands do to files: an output that names an input (or another output) is an
//! error that changes nothing; saves write to what a path means (devices in place, symlinks
//! followed, modes kept, new files 0666 less the umask); temporary files never stay behind.
#![cfg(unix)]

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::common::{real_text, TempDir};
use crate::{fails, ok, TRAIN};

/// `args` followed by the quick training options.
fn train_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["train"];
    v.extend_from_slice(args);
    v.extend_from_slice(TRAIN);
    v
}

/// A directory with `c.txt` (a corpus), a vocabulary `v.txt`, a checkpoint `m.ckpt` and a
/// phrase table `p.tbl` made from it.
fn workspace(tag: &str) -> TempDir {
    let dir = TempDir::new(tag);
    let d = dir.dir();
    std::fs::write(d.join("c.txt"), real_text(60_000)).unwrap();
    ok(
        &["vocab", "-i", "c.txt", "-o", "v.txt", "--min-count", "3"],
        d,
    );
    ok(
        &train_args(&[
            "-i",
            "c.txt",
            "-o",
            "base.txt",
            "--save-checkpoint",
            "m.ckpt",
        ]),
        d,
    );
    ok(
        &[
            "phrases",
            "-i",
            "c.txt",
            "-o",
            "ph.txt",
            "--save-table",
            "p.tbl",
        ],
        d,
    );
    dir
}

/// Every output flag of every command, pointed at every input it has (and at another
/// output), fails with status 1, names both paths, and leaves every file as it was and no
/// new file.
#[test]
fn an_output_that_names_an_input_or_another_output_is_refused() {
    let dir = workspace("clash");
    let d = dir.dir();
    let before: Vec<(String, Vec<u8>)> = dir
        .entries()
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(d.join(&n)).unwrap();
            (n, bytes)
        })
        .collect();
    let outputs = ["-o", "--save-checkpoint", "--save-vocab", "--report"];
    let mut cases: Vec<(Vec<&str>, &str, &str)> = Vec::new();
    for flag in outputs {
        // The corpus, spelled differently from the input argument.
        cases.push((
            train_args(&["-i", "c.txt", flag, "./c.txt"]),
            "c.txt",
            "./c.txt",
        ));
        cases.push((
            train_args(&["-i", "c.txt", "--read-vocab", "v.txt", flag, "v.txt"]),
            "v.txt",
            "v.txt",
        ));
        cases.push((
            train_args(&["-i", "c.txt", "--resume", "m.ckpt", flag, "m.ckpt"]),
            "m.ckpt",
            "m.ckpt",
        ));
        cases.push((
            train_args(&["-i", "c.txt", "--phrases", "p.tbl", flag, "p.tbl"]),
            "p.tbl",
            "p.tbl",
        ));
    }
    cases.push((
        train_args(&["-i", "c.txt", "--save-checkpoint", "o.txt", "-o", "o.txt"]),
        "o.txt",
        "o.txt",
    ));
    cases.push((
        train_args(&[
            "-i",
            "c.txt",
            "--report",
            "r.json",
            "--save-vocab",
            "sub/../r.json",
        ]),
        "r.json",
        "sub/../r.json",
    ));
    let phrases = |o: &'static str, t: &'static str| {
        vec!["phrases", "-i", "c.txt", "-o", o, "--save-table", t]
    };
    cases.push((phrases("c.txt", "t.tbl"), "c.txt", "c.txt"));
    cases.push((phrases("out.txt", "c.txt"), "c.txt", "c.txt"));
    cases.push((phrases("same.txt", "same.txt"), "same.txt", "same.txt"));
    cases.push((
        vec!["vocab", "-i", "c.txt", "-o", "c.txt"],
        "c.txt",
        "c.txt",
    ));
    std::fs::create_dir(d.join("sub")).unwrap();
    for (args, a, b) in &cases {
        let err = fails(args, d);
        assert!(
            err.contains("same file") && err.contains(a) && err.contains(b),
            "{args:?}: {err}"
        );
    }
    std::fs::remove_dir(d.join("sub")).unwrap();
    let after: Vec<(String, Vec<u8>)> = dir
        .entries()
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(d.join(&n)).unwrap();
            (n, bytes)
        })
        .collect();
    assert!(before == after, "a refused run changed the directory");
}

/// A hard link and a symlink to the corpus are the corpus.
#[test]
fn links_to_an_input_are_the_input() {
    let dir = TempDir::new("links");
    let d = dir.dir();
    std::fs::write(d.join("c.txt"), real_text(20_000)).unwrap();
    std::fs::hard_link(d.join("c.txt"), d.join("hard.txt")).unwrap();
    std::os::unix::fs::symlink("c.txt", d.join("soft.txt")).unwrap();
    for out in ["hard.txt", "soft.txt"] {
        let err = fails(&["vocab", "-i", "c.txt", "-o", out], d);
        assert!(err.contains("same file"), "{err}");
    }
    assert_eq!(
        std::fs::read_to_string(d.join("c.txt")).unwrap(),
        real_text(20_000)
    );
}

/// An output symlink stays a symlink; its target gets the data.
#[test]
fn an_output_symlink_is_followed() {
    let dir = TempDir::new("symlink");
    let d = dir.dir();
    std::fs::write(d.join("c.txt"), real_text(20_000)).unwrap();
    std::fs::create_dir(d.join("real")).unwrap();
    std::fs::write(d.join("real/vocab.txt"), "old").unwrap();
    std::os::unix::fs::symlink("real/vocab.txt", d.join("link.txt")).unwrap();
    // A dangling link creates its target.
    std::os::unix::fs::symlink("real/new.txt", d.join("dangling.txt")).unwrap();
    for link in ["link.txt", "dangling.txt"] {
        ok(&["vocab", "-i", "c.txt", "-o", link, "--min-count", "2"], d);
        let meta = std::fs::symlink_metadata(d.join(link)).unwrap();
        assert!(meta.file_type().is_symlink(), "{link} was replaced");
    }
    for target in ["real/vocab.txt", "real/new.txt"] {
        let text = std::fs::read_to_string(d.join(target)).unwrap();
        assert!(text.starts_with("the "), "{target}: {text:.40}");
    }
    assert_eq!(dir.entries(), ["c.txt", "dangling.txt", "link.txt", "real"]);
}

/// Every output of every command, new or overwritten: a new file is 0666 less the umask
/// (here 027, so 0640) whichever command wrote it; an existing file keeps its mode (0600,
/// 0604).
#[test]
fn new_outputs_get_0666_less_the_umask_and_existing_ones_keep_their_mode() {
    let dir = TempDir::new("modes");
    let d = dir.dir();
    std::fs::write(d.join("c.txt"), real_text(30_000)).unwrap();
    let run = |args: &[&str]| {
        let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask 027 && exec '{}' {}",
                env!("CARGO_BIN_EXE_skipgram"),
                quoted.join(" ")
            ))
            .current_dir(d)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let all = || {
        run(&train_args(&[
            "-i",
            "c.txt",
            "-o",
            "vec.txt",
            "--save-checkpoint",
            "m.ckpt",
            "--save-vocab",
            "sv.txt",
            "--report",
            "r.json",
        ]));
        run(&[
            "phrases",
            "-i",
            "c.txt",
            "-o",
            "ph.txt",
            "--save-table",
            "p.tbl",
        ]);
        run(&["vocab", "-i", "c.txt", "-o", "v.txt"]);
    };
    let outputs = [
        "vec.txt", "m.ckpt", "sv.txt", "r.json", "ph.txt", "p.tbl", "v.txt",
    ];
    let mode = |n: &str| std::fs::metadata(d.join(n)).unwrap().permissions().mode() & 0o7777;
    all();
    for n in outputs {
        assert_eq!(mode(n), 0o640, "new {n}: {:o}", mode(n));
    }
    for (i, n) in outputs.iter().enumerate() {
        let m = if i % 2 == 0 { 0o600 } else { 0o604 };
        std::fs::set_permissions(d.join(n), std::fs::Permissions::from_mode(m)).unwrap();
    }
    all();
    for (i, n) in outputs.iter().enumerate() {
        let m = if i % 2 == 0 { 0o600 } else { 0o604 };
        assert_eq!(mode(n), m, "overwritten {n}: {:o}", mode(n));
    }
}

/// `/dev/null` (when it is the character device) is written in place and stays one;
/// `/dev/stdout` on a pipe writes to the pipe.
#[test]
fn devices_and_stdout_are_written_in_place() {
    let dir = TempDir::new("devices");
    let d = dir.dir();
    std::fs::write(d.join("c.txt"), real_text(20_000)).unwrap();
    let null = Path::new("/dev/null");
    if std::fs::metadata(null).is_ok_and(|m| m.file_type().is_char_device()) {
        ok(&["vocab", "-i", "c.txt", "-o", "/dev/null"], d);
        ok(
            &train_args(&["-i", "c.txt", "-o", "/dev/null", "--report", "/dev/null"]),
            d,
        );
        let m = std::fs::metadata(null).unwrap();
        assert!(
            m.file_type().is_char_device(),
            "/dev/null is no longer a device"
        );
    } else {
        eprintln!("skipped the /dev/null part: it is not a character device here");
    }
    if Path::new("/dev/stdout").exists() {
        let out = ok(
            &[
                "vocab",
                "-i",
                "c.txt",
                "-o",
                "/dev/stdout",
                "--min-count",
                "2",
            ],
            d,
        );
        assert!(out.starts_with("the "), "{out:.40}");
        assert!(std::fs::symlink_metadata("/dev/stdout").is_ok_and(|m| !m.is_file()));
    }
    assert_eq!(dir.entries(), ["c.txt"]);
}

/// In a private mount namespace, a real `null` device node (mknod) given as `-o` to each
/// command is still a character device afterwards. Needs root and `unshare`; skips
/// otherwise.
#[test]
fn a_device_node_stays_a_device_in_a_private_mount_namespace() {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n");
    let unshare = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "true"])
        .status();
    if !matches!(root, Ok(true)) || !unshare.is_ok_and(|s| s.success()) {
        eprintln!("skipped: needs root and a working `unshare --mount`");
        return;
    }
    let dir = TempDir::new("mknod");
    let d = dir.dir();
    std::fs::write(d.join("c.txt"), real_text(20_000)).unwrap();
    std::fs::create_dir(d.join("dev")).unwrap();
    let bin = env!("CARGO_BIN_EXE_skipgram");
    let script = format!(
        "set -e; mount -t tmpfs tmpfs dev; mknod dev/null c 1 3; chmod 666 dev/null; \
         '{bin}' vocab -i c.txt -o dev/null; \
         '{bin}' phrases -i c.txt -o dev/null --save-table p.tbl; \
         '{bin}' train -i c.txt -o dev/null --size 8 --iter 1 --threads 1 -q --probe ''; \
         stat -c %F dev/null; ls -A dev"
    );
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .current_dir(d)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout, "character special file\nnull\n");
}

/// A process id that is free: a child that has exited and been reaped.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// Temporary files and directories a killed run left, of a process that is gone, are
/// removed by the next run that writes into the directory, however fresh they are; a
/// live process's are kept.
#[test]
fn the_next_run_removes_stale_temp_files_and_directories() {
    let dir = TempDir::new("stale-cli");
    let d = dir.dir();
    std::fs::write(d.join("c.txt"), real_text(20_000)).unwrap();
    let pid = dead_pid();
    if Path::new(&format!("/proc/{pid}")).exists() {
        eprintln!("skipped: PID {pid} was reused at once");
        return;
    }
    let file = format!(".vocab.txt.skipgram-tmp-{pid}-aB3dE6");
    std::fs::write(d.join(&file), vec![0u8; 100_000]).unwrap();
    let other = format!(".phrased.skipgram-tmp-{pid}-Zz9Yy8");
    std::fs::write(d.join(&other), b"new_york").unwrap();
    let sub = format!(".phrases.skipgram-tmp-{pid}-dIr001");
    std::fs::create_dir_all(d.join(&sub).join("deeper")).unwrap();
    std::fs::write(d.join(&sub).join("deeper/pass1.txt"), b"x").unwrap();
    let live = format!(".v.skipgram-tmp-{}-LiVe01", std::process::id());
    std::fs::write(d.join(&live), b"mine").unwrap();
    ok(&["vocab", "-i", "c.txt", "-o", "vocab.txt"], d);
    assert_eq!(dir.entries(), [live.as_str(), "c.txt", "vocab.txt"]);
}

/// SIGTERM and SIGINT during `phrases` and `train --phrases` leave no temporary file or
/// directory.
#[test]
fn sigterm_and_sigint_leave_nothing_behind() {
    let dir = TempDir::new("signals");
    let d = dir.dir();
    std::fs::write(d.join("c.txt"), real_text(4_000_000).repeat(2)).unwrap();
    ok(
        &[
            "phrases",
            "-i",
            "c.txt",
            "-o",
            "first.txt",
            "--save-table",
            "p.tbl",
        ],
        d,
    );
    let runs: [&[&str]; 2] = [
        &[
            "phrases",
            "-i",
            "c.txt",
            "-o",
            "ph.txt",
            "--passes",
            "2",
            "--threads",
            "2",
        ],
        &[
            "train",
            "-i",
            "c.txt",
            "--phrases",
            "p.tbl",
            "-o",
            "v.txt",
            "--iter",
            "3",
            "--threads",
            "2",
            "-q",
        ],
    ];
    for (signal, delay_ms) in [("TERM", 300), ("INT", 700), ("TERM", 1500)] {
        for args in runs {
            let child = Command::new(env!("CARGO_BIN_EXE_skipgram"))
                .args(args)
                .current_dir(d)
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(delay_ms));
            Command::new("kill")
                .args([&format!("-{signal}"), &child.id().to_string()])
                .status()
                .unwrap();
            let out = child.wait_with_output().unwrap();
            let left: Vec<String> = dir
                .entries()
                .into_iter()
                .filter(|n| n.starts_with('.'))
                .collect();
            assert!(
                left.is_empty(),
                "SIG{signal} of {args:?} ({:?}) left {left:?}",
                out.status
            );
        }
    }
}

/// A spill that cannot be made (here: TMPDIR does not exist) does not end training: later
/// epochs read the text again and train exactly as with the spill.
#[test]
fn an_unusable_tmpdir_falls_back_to_reading_the_text() {
    let dir = TempDir::new("spill");
    let d = dir.dir();
    // About 680,000 tokens: more ids than a budget of 1 MiB holds, so the recording spills.
    std::fs::write(d.join("c.txt"), real_text(4_000_000)).unwrap();
    std::fs::create_dir(d.join("tmp")).unwrap();
    let train = |out: &str, tmpdir: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_skipgram"))
            .args([
                "train", "-i", "c.txt", "-o", out, "--size", "8", "--iter", "2",
            ])
            .args([
                "--threads",
                "1",
                "-q",
                "--probe",
                "",
                "--encoded-corpus-mb",
                "1",
            ])
            .env("TMPDIR", tmpdir)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    train("spilled.txt", &d.join("tmp"));
    train("text.txt", &d.join("no/such/dir"));
    assert!(
        std::fs::read(d.join("text.txt")).unwrap() == std::fs::read(d.join("spilled.txt")).unwrap()
    );
    assert_eq!(std::fs::read_dir(d.join("tmp")).unwrap().count(), 0);
}
