//! Atomic file replacement: write a temporary file next to the target, then rename it over;
//! and removal of the temporary files that killed saves left behind.
//!
//! # Temporary files
//!
//! A save to `dir/NAME` writes `dir/.NAME.skipgram-tmp-PID-XXXXXX` (PID: the saving process's
//! id; `XXXXXX`: random, from the `tempfile` crate, which creates the file exclusively). On
//! success it is renamed to `NAME`; on an error or a panic it is removed. Only a process that
//! dies during a save (`kill -9`, power loss) can leave one behind, and such a file is as
//! large as the data written so far.
//!
//! # Clean-up of stale temporary files
//!
//! Before each save, the target's directory is scanned for files of that pattern (for any
//! `NAME`), and also for `.NAME.tmp-PID-N`, the pattern of skipgram 0.1, for the same `NAME`
//! only. Such a file is removed when it is stale:
//!
//! * on Linux (where `/proc/self` exists), when no process `PID` exists (`/proc/PID` is
//!   missing) and the file has not been modified for [`DEAD_GRACE`] (1 minute, so that a
//!   save by another machine or PID namespace sharing the directory that is still writing
//!   is spared);
//! * elsewhere, or if the PID cannot be parsed, when it has not been modified for
//!   [`UNKNOWN_AGE`] (1 hour).
//!
//! Files of a live process are never removed on Linux. Errors while cleaning are ignored:
//! clean-up never makes a save fail.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};

/// The marker between the target's name and the PID in our temporary files' names.
const MARKER: &str = ".skipgram-tmp-";
/// A temporary file of a process that no longer exists is removed after this long unmodified.
pub(crate) const DEAD_GRACE: Duration = Duration::from_secs(60);
/// A temporary file whose owner cannot be checked is removed after this long unmodified.
pub(crate) const UNKNOWN_AGE: Duration = Duration::from_secs(3600);

/// Bytes buffered between writes to the temporary file.
const WRITE_BUFFER: usize = 1 << 20;

/// Writes `path` through `f` so that the file is either fully written or not changed.
///
/// First removes stale temporary files in the target's directory (see the module docs).
/// Then `f` writes into a new temporary file `.{name}.skipgram-tmp-{pid}-{random}` in the
/// target's directory (same file system, so the rename is atomic); the data is flushed and
/// `sync_all`ed, then renamed over `path` (and, on Unix, the directory is synced so the
/// rename is durable). If `f` or any step fails, or `f` panics, the temporary file is
/// removed and a previous file at `path` is left byte-for-byte as it was.
///
/// # Errors
/// Whatever `f` returns; [`Error::Io`] naming `path` from creating, writing, syncing or
/// renaming, or if `path` has no file name.
pub(crate) fn write_atomically(
    path: &Path,
    f: impl FnOnce(&mut BufWriter<&mut File>) -> Result<()>,
) -> Result<()> {
    let io = |e: std::io::Error| Error::io_at(path, e);
    let name = path.file_name().ok_or_else(|| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path does not name a file",
        ))
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    remove_stale_temp_files(&dir, name);

    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(format!("{MARKER}{}-", std::process::id()));
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).rand_bytes(6);
    // tempfile's default is 0600; a saved file gets the usual 0666 less the umask, as
    // `File::create` gives.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut temp = builder.tempfile_in(&dir).map_err(io)?;
    // From here on, dropping `temp` (on an error or a panic) removes the file.
    // Large writes: a 27 MB matrix in 8 KiB system calls costs tens of milliseconds.
    let mut writer = BufWriter::with_capacity(WRITE_BUFFER, temp.as_file_mut());
    f(&mut writer).map_err(|e| e.at_path(path))?;
    writer.flush().map_err(io)?;
    drop(writer);
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(path).map_err(|e| io(e.error))?;
    #[cfg(unix)]
    {
        // Make the rename itself durable; failure here does not undo a completed save.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Removes our stale temporary files in `dir` (see the module docs); `name` is the target's
/// file name, for the 0.1 pattern. Ignores every error.
pub(crate) fn remove_stale_temp_files(dir: &Path, name: &OsStr) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let old_prefix = {
        let mut p = std::ffi::OsString::from(".");
        p.push(name);
        p.push(".tmp-");
        p.to_string_lossy().into_owned()
    };
    let proc = Path::new("/proc/self").exists();
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let Some(pid) = temp_file_pid(file_name, &old_prefix) else {
            continue;
        };
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let idle = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .unwrap_or(Duration::ZERO);
        let stale = match pid {
            Some(pid) if proc => {
                pid != std::process::id()
                    && !Path::new("/proc").join(pid.to_string()).exists()
                    && idle >= DEAD_GRACE
            }
            _ => idle >= UNKNOWN_AGE,
        };
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// For a name of one of our temporary files, `Some(pid)` (`Some(None)` if the PID does not
/// parse); `None` for any other name.
fn temp_file_pid(file_name: &str, old_prefix: &str) -> Option<Option<u32>> {
    let rest = if let Some(rest) = file_name.strip_prefix(old_prefix) {
        // 0.1: `.NAME.tmp-PID-N`, N decimal.
        let (pid, n) = rest.split_once('-')?;
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        return Some(pid.parse().ok());
    } else if file_name.starts_with('.') {
        let at = file_name.rfind(MARKER)?;
        &file_name[at + MARKER.len()..]
    } else {
        return None;
    };
    let (pid, _random) = rest.split_once('-')?;
    Some(pid.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn temp_dir(tag: &str) -> PathBuf {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let d = std::env::temp_dir().join(format!(
            "skipgram-atomic-{tag}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_and_replaces() {
        let dir = temp_dir("ok");
        let path = dir.join("out.txt");
        write_atomically(&path, |w| Ok(w.write_all(b"first")?)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        write_atomically(&path, |w| Ok(w.write_all(b"second, longer")?)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second, longer");
        assert_eq!(entries(&dir), ["out.txt"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_temporary_file_has_our_name_and_pid() {
        let dir = temp_dir("name");
        let path = dir.join("v.bin");
        let mut seen = Vec::new();
        write_atomically(&path, |w| {
            seen = entries(&dir);
            Ok(w.write_all(b"x")?)
        })
        .unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        let prefix = format!(".v.bin.skipgram-tmp-{}-", std::process::id());
        assert!(seen[0].starts_with(&prefix), "{seen:?}");
        assert_eq!(seen[0].len(), prefix.len() + 6);
        assert_eq!(
            temp_file_pid(&seen[0], ".v.bin.tmp-"),
            Some(Some(std::process::id()))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn temp_file_names_are_recognised() {
        let old = ".m.ckpt.tmp-";
        assert_eq!(
            temp_file_pid(".a.txt.skipgram-tmp-123-Ab9xYz", old),
            Some(Some(123))
        );
        assert_eq!(
            temp_file_pid(".a.skipgram-tmp-b.skipgram-tmp-7-xxxxxx", old),
            Some(Some(7))
        );
        assert_eq!(temp_file_pid(".a.skipgram-tmp-zz-xxxxxx", old), Some(None));
        assert_eq!(temp_file_pid(".m.ckpt.tmp-4242-0", old), Some(Some(4242)));
        assert_eq!(temp_file_pid(".other.tmp-4242-0", old), None);
        assert_eq!(temp_file_pid(".m.ckpt.tmp-4242-x", old), None);
        assert_eq!(temp_file_pid("a.txt.skipgram-tmp-123-Ab9xYz", old), None);
        assert_eq!(temp_file_pid("model.ckpt", old), None);
    }

    /// Creates `dir/name` with `len` bytes, last modified `age` ago.
    fn old_file(dir: &Path, name: &str, len: usize, age: Duration) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, vec![7u8; len]).unwrap();
        let f = File::options().write(true).open(&p).unwrap();
        f.set_modified(SystemTime::now() - age).unwrap();
        p
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn stale_temp_files_of_dead_processes_are_removed() {
        let dir = temp_dir("stale");
        let hour = Duration::from_secs(7200);
        // PIDs above Linux's maximum (2^22) never belong to a process.
        let dead = old_file(
            &dir,
            ".model.ckpt.skipgram-tmp-999999999-abcdef",
            4096,
            hour,
        );
        let dead_other = old_file(&dir, ".v.txt.skipgram-tmp-999999998-ghijkl", 10, hour);
        let old_style = old_file(&dir, ".model.ckpt.tmp-999999997-3", 10, hour);
        let fresh_dead = old_file(&dir, ".x.skipgram-tmp-999999996-mnopqr", 10, Duration::ZERO);
        let mine = format!(".model.ckpt.skipgram-tmp-{}-stuvwx", std::process::id());
        let mine = old_file(&dir, &mine, 10, hour);
        // PID 1 always exists.
        let live = old_file(&dir, ".model.ckpt.skipgram-tmp-1-yzabcd", 10, hour);
        let foreign = old_file(&dir, ".other.tmp-999999995-1", 10, hour);
        let unrelated = old_file(&dir, "notes.skipgram-tmp-999999994-efghij", 10, hour);

        write_atomically(&dir.join("model.ckpt"), |w| Ok(w.write_all(b"new")?)).unwrap();
        for gone in [&dead, &dead_other, &old_style] {
            assert!(!gone.exists(), "{gone:?} should have been removed");
        }
        for kept in [&fresh_dead, &mine, &live, &foreign, &unrelated] {
            assert!(kept.exists(), "{kept:?} should have been kept");
        }
        assert_eq!(std::fs::read(dir.join("model.ckpt")).unwrap(), b"new");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn failure_midway_leaves_the_old_file_and_no_temp() {
        let dir = temp_dir("fail");
        let path = dir.join("model.bin");
        let old: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        std::fs::write(&path, &old).unwrap();
        let r = write_atomically(&path, |w| {
            // More than the BufWriter's buffer, so part of it really reaches the temp file.
            w.write_all(&vec![b'x'; 50_000])?;
            Err(Error::Format {
                format: "test",
                line: None,
                message: "failing on purpose".into(),
            })
        });
        assert!(matches!(r, Err(Error::Format { format: "test", .. })));
        assert_eq!(std::fs::read(&path).unwrap(), old);
        assert_eq!(entries(&dir), ["model.bin"]);

        // A panicking writer cleans up too.
        let p2 = path.clone();
        let caught = std::panic::catch_unwind(move || {
            let _ = write_atomically(&p2, |w| {
                w.write_all(&[1; 10_000])?;
                panic!("writer panics");
            });
        });
        assert!(caught.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), old);
        assert_eq!(entries(&dir), ["model.bin"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn io_errors_name_the_target() {
        let dir = temp_dir("missing");
        let path = dir.join("no/such/dir/file");
        match write_atomically(&path, |w| Ok(w.write_all(b"x")?)) {
            Err(Error::Io { path: Some(p), .. }) => assert_eq!(p, path),
            other => panic!("{other:?}"),
        }
        // An I/O error from the writer itself gets the path too.
        let target = dir.join("f");
        match write_atomically(&target, |_| {
            Err(std::io::Error::other("disk on fire").into())
        }) {
            Err(Error::Io { path: Some(p), .. }) => assert_eq!(p, target),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            write_atomically(Path::new("/"), |_| Ok(())),
            Err(Error::Io { path: Some(_), .. })
        ));
        assert!(entries(&dir).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
