//! Files through the library: `io::check_outputs` compares files, not spellings; saves write
//! to what a path means; temporary files are unlinked or cleaned up (rules in
//! src/io/atomic/stale.rs).

use std::io::Write;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;

use crate::common::TempDir;
use ndarray::array;
use skipgram::{Corpus, Embeddings, Error, Vocabulary};

fn embeddings() -> Embeddings {
    let vocab = Vocabulary::from_words(["the", "cat"]).unwrap();
    Embeddings::new(vocab, array![[0.25f32, -1.5], [1e-20, 3.0]]).unwrap()
}

fn clash(inputs: &[&Path], outputs: &[&Path]) -> Option<(String, String, bool)> {
    match skipgram::io::check_outputs(inputs, outputs) {
        Ok(()) => None,
        Err(Error::SameFile {
            output,
            other,
            other_is_input,
        }) => Some((
            output.display().to_string(),
            other.display().to_string(),
            other_is_input,
        )),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn check_outputs_compares_files_not_spellings() {
    let dir = TempDir::new("identity");
    let d = dir.dir();
    let c = d.join("c.txt");
    std::fs::write(&c, "the cat").unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::fs::hard_link(&c, d.join("hard")).unwrap();
    std::os::unix::fs::symlink("c.txt", d.join("soft")).unwrap();
    let s = |p: &Path| p.display().to_string();
    for same in [
        d.join("./c.txt"),
        d.join("sub/../c.txt"),
        d.join("hard"),
        d.join("soft"),
    ] {
        assert_eq!(clash(&[&c], &[&same]), Some((s(&same), s(&c), true)));
        // Also as the second output, after one that is fine.
        assert!(clash(&[&c], &[&d.join("new.bin"), &same]).is_some());
    }
    // Outputs against each other: an existing file by inode, new paths by canonical path.
    let v = d.join("v.txt");
    std::fs::write(&v, "old vectors").unwrap();
    assert_eq!(
        clash(&[&c], &[&v, &d.join("sub/../v.txt")]),
        Some((s(&d.join("sub/../v.txt")), s(&v), false))
    );
    assert!(clash(&[&c], &[&d.join("o.txt"), &d.join("sub/../o.txt")]).is_some());
    assert_eq!(
        clash(&[&c], &[&d.join("o.txt"), &d.join("sub/o.txt")]),
        None
    );
    // Devices clash with nothing; missing inputs are left to their readers.
    let null = Path::new("/dev/null");
    assert_eq!(clash(&[null, &d.join("missing")], &[null, null]), None);
    // The message names both paths.
    let err = skipgram::io::check_outputs(&[&c], &[&d.join("hard")]).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&s(&c)) && msg.contains(&s(&d.join("hard"))),
        "{msg}"
    );
}

/// A symlink's target is replaced and the link stays; an existing file keeps its mode; a
/// new one gets what `File::create` gives (0666 less the umask).
#[test]
fn saves_follow_symlinks_and_keep_modes() {
    let dir = TempDir::new("modes");
    let d = dir.dir();
    std::fs::create_dir(d.join("real")).unwrap();
    std::fs::write(d.join("real/v.txt"), "old").unwrap();
    std::fs::set_permissions(d.join("real/v.txt"), PermissionsExt::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink("real/v.txt", d.join("link")).unwrap();
    embeddings().save_word2vec_text(d.join("link")).unwrap();
    assert!(std::fs::symlink_metadata(d.join("link"))
        .unwrap()
        .file_type()
        .is_symlink());
    let saved = Embeddings::load_word2vec_text(d.join("real/v.txt")).unwrap();
    assert_eq!(saved.vectors(), embeddings().vectors());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&d.join("real/v.txt")), 0o600);

    std::fs::File::create(d.join("reference")).unwrap();
    embeddings()
        .save_word2vec_binary(d.join("new.bin"))
        .unwrap();
    skipgram::io::write_atomically(&d.join("new.txt"), |w| Ok(w.write_all(b"x")?)).unwrap();
    assert_eq!(mode(&d.join("new.bin")), mode(&d.join("reference")));
    assert_eq!(mode(&d.join("new.txt")), mode(&d.join("reference")));
    assert_eq!(
        dir.entries(),
        ["link", "new.bin", "new.txt", "real", "reference"]
    );
}

/// `/dev/null`, when it is the character device, is written in place and stays one.
#[test]
fn a_device_path_is_written_directly() {
    let null = Path::new("/dev/null");
    if !std::fs::metadata(null).is_ok_and(|m| m.file_type().is_char_device()) {
        eprintln!("skipped: /dev/null is not a character device here");
        return;
    }
    embeddings().save_word2vec_binary(null).unwrap();
    let mut seen = 0;
    skipgram::io::write_atomically(null, |w| {
        w.write_all(&[7u8; 100_000])?;
        seen += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, 1);
    assert!(std::fs::metadata(null)
        .unwrap()
        .file_type()
        .is_char_device());
    // A directory is an error, not a rename target.
    let dir = TempDir::new("isdir");
    assert!(matches!(
        skipgram::io::write_atomically(dir.dir(), |_| Ok(())),
        Err(Error::Io { path: Some(_), .. })
    ));
}

/// Stale temporary files and directories of a process that is gone are removed by the next
/// save, however fresh; a file whose lock a live process holds is kept.
#[cfg(target_os = "linux")]
#[test]
fn stale_temp_files_and_directories_of_dead_processes_go_at_once() {
    let dir = TempDir::new("stale-lib");
    let d = dir.dir();
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    if Path::new(&format!("/proc/{pid}")).exists() {
        eprintln!("skipped: PID {pid} was reused at once");
        return;
    }
    let file = d.join(format!(".v.bin.skipgram-tmp-{pid}-aB3dE6"));
    std::fs::write(&file, vec![0u8; 10_000]).unwrap();
    let sub = d.join(format!(".phrases.skipgram-tmp-{pid}-dIr001"));
    std::fs::create_dir_all(sub.join("a/b")).unwrap();
    std::fs::write(sub.join("a/b/pass1.txt"), "new_york").unwrap();
    // The old command line's names carry no PID: only an hour-old one can be judged.
    let no_pid = d.join(".skipgram-tmp-Ab12Cd");
    std::fs::write(&no_pid, "x").unwrap();
    embeddings().save_word2vec_binary(d.join("v.bin")).unwrap();
    assert!(!file.exists() && !sub.exists());
    assert!(no_pid.exists());
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&no_pid)
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    let _f = skipgram::io::unlinked_temp_file(d, "spill").unwrap();
    assert_eq!(dir.entries(), ["v.bin"]);
}

/// An unlinked temporary file has no name, and a corpus read from it is the same corpus.
#[test]
fn unlinked_temp_files_leave_no_name_and_read_as_a_corpus() {
    let dir = TempDir::new("unlinked");
    let d = dir.dir();
    let text = "the cat sat on the mat\nthe dog sat\n".repeat(500);
    let mut f = skipgram::io::unlinked_temp_file(d, "phrased").unwrap();
    f.write_all(text.as_bytes()).unwrap();
    assert!(dir.entries().is_empty());
    std::fs::write(d.join("c.txt"), &text).unwrap();
    let from_file = Corpus::from_file(f).unwrap();
    let from_path = Corpus::from_path(d.join("c.txt")).unwrap();
    assert_eq!(from_file.len_bytes(), text.len() as u64);
    let a = from_file.build_vocabulary(1, None).unwrap();
    let b = from_path.build_vocabulary(1, None).unwrap();
    assert_eq!(a.words(), b.words());
    assert_eq!(a.total_count(), b.total_count());
    assert!(matches!(
        skipgram::io::unlinked_temp_file(&d.join("missing"), "x"),
        Err(Error::Io { path: Some(p), .. }) if p == d.join("missing")
    ));
}
