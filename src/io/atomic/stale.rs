//! Clean-up after `kill -9`: removing the crate's stale temporary files and directories,
//! those whose owner is gone.
//!
//! Each time the crate creates a temporary file, it first scans that directory for entries
//! of the pattern `.PURPOSE.skipgram-tmp-PID-XXXXXX` (see [the parent module](super)) whose
//! owner is gone, and removes them, directories included:
//!
//! * on Unix, a file whose lock can be taken (no live process holds it) and whose PID does
//!   not name a live process (checked in `/proc` where it exists, so a file just created by
//!   a live process and not locked yet is spared). Where there is no `/proc`, the file must
//!   also be unmodified for [`DEAD_GRACE`] (1 minute);
//! * a directory of the pattern, when (with `/proc`) its PID names no live process, or
//!   (without) it is unmodified for [`UNKNOWN_AGE`] (1 hour);
//! * a name whose PID does not parse (the `.skipgram-tmp-XXXXXX` files of skipgram 0.2's
//!   command line had none), when it is unlocked and unmodified for [`UNKNOWN_AGE`];
//! * `.NAME.tmp-PID-N`, the pattern of skipgram 0.1, for the target's own NAME, by the same
//!   PID rule;
//! * elsewhere than Unix, by PID and age as above (a PID not in `/proc` and
//!   [`DEAD_GRACE`] unmodified, or [`UNKNOWN_AGE`] unmodified).
//!
//! The `.tmpXXXXXX/` directories that skipgram 0.2's command line made with `tempfile` carry
//! no PID and a name any program may use, so they are never removed automatically; one that
//! holds only `phrased.txt` or `passN.txt` is a phrasing leftover of skipgram and can be
//! deleted by hand once no skipgram runs. Errors while cleaning are ignored: clean-up never
//! makes a save fail.

use std::ffi::OsStr;
use std::fs::File;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The marker between the purpose and the PID in our temporary files' names.
pub(super) const MARKER: &str = ".skipgram-tmp-";
/// Without `/proc`, an unlocked temporary file is removed after this long unmodified.
pub(crate) const DEAD_GRACE: Duration = Duration::from_secs(60);
/// A temporary entry whose owner cannot be checked is removed after this long unmodified.
pub(crate) const UNKNOWN_AGE: Duration = Duration::from_secs(3600);

/// Removes our stale temporary files and directories in `dir` (see the module docs); `name`
/// is the target's file name, for the 0.1 pattern. Ignores every error.
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
        let idle = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .unwrap_or(Duration::ZERO);
        // `Some(true)`: the PID names a live process (or is ours); `Some(false)`: no such
        // process; `None`: cannot tell.
        let alive = match pid {
            Some(pid) if proc => {
                Some(pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists())
            }
            _ => None,
        };
        let path = entry.path();
        if meta.is_dir() {
            let stale = match alive {
                Some(alive) => !alive,
                None => idle >= UNKNOWN_AGE,
            };
            if stale {
                let _ = std::fs::remove_dir_all(&path);
            }
        } else if meta.is_file() {
            let age_ok = match (alive, pid) {
                (Some(alive), _) => !alive,
                (None, Some(_)) => idle >= DEAD_GRACE,
                (None, None) => idle >= UNKNOWN_AGE,
            };
            if age_ok {
                remove_unlocked(&path, idle);
            }
        }
    }
}

/// Removes the file at `path` unless a live process holds its lock (Unix); elsewhere only
/// if it has been unmodified for [`DEAD_GRACE`].
fn remove_unlocked(path: &Path, idle: Duration) {
    #[cfg(unix)]
    {
        let _ = idle;
        let Ok(f) = File::open(path) else {
            return;
        };
        if rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
            return;
        }
        // Removed while the lock is held; its owner, if it locks it after this, sees no link
        // left and makes another.
        let _ = std::fs::remove_file(path);
    }
    #[cfg(not(unix))]
    {
        if idle >= DEAD_GRACE {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// For a name of one of our temporary files, `Some(pid)` (`Some(None)` if the PID does not
/// parse); `None` for any other name.
pub(super) fn temp_file_pid(file_name: &str, old_prefix: &str) -> Option<Option<u32>> {
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
    match rest.split_once('-') {
        Some((pid, _random)) => Some(pid.parse().ok()),
        // The 0.2 command line's `.skipgram-tmp-XXXXXX`: ours, with no PID.
        None if rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric()) => Some(None),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::temp_dir;
    use super::super::{unlinked_temp_file, write_atomically};
    use super::*;
    use std::io::Write;
    use std::path::PathBuf;

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
        assert_eq!(temp_file_pid(".skipgram-tmp-Ab9xYz", old), Some(None));
        assert_eq!(temp_file_pid(".skipgram-tmp-Ab9", old), None);
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
        for gone in [&dead, &dead_other, &old_style, &fresh_dead] {
            assert!(!gone.exists(), "{gone:?} should have been removed");
        }
        for kept in [&mine, &live, &foreign, &unrelated] {
            assert!(kept.exists(), "{kept:?} should have been kept");
        }
        assert_eq!(std::fs::read(dir.join("model.ckpt")).unwrap(), b"new");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A temporary file whose lock is held belongs to a live save, whatever its name says;
    /// directories of the pattern go too; names without a PID only when an hour old.
    #[cfg(target_os = "linux")]
    #[test]
    fn locks_spare_live_files_and_directories_count() {
        let dir = temp_dir("locks");
        let hour = Duration::from_secs(7200);
        let locked = old_file(&dir, ".a.skipgram-tmp-999999993-lockd1", 10, hour);
        let held = File::open(&locked).unwrap();
        rustix::fs::flock(&held, rustix::fs::FlockOperation::LockExclusive).unwrap();
        let dead_dir = dir.join(".phrases.skipgram-tmp-999999992-dir001");
        std::fs::create_dir_all(dead_dir.join("inner")).unwrap();
        std::fs::write(dead_dir.join("inner/pass1.txt"), b"new_york").unwrap();
        let live_dir = dir.join(format!(".p.skipgram-tmp-{}-dir002", std::process::id()));
        std::fs::create_dir(&live_dir).unwrap();
        let no_pid_old = old_file(&dir, ".skipgram-tmp-Ab12Cd", 10, hour);
        let no_pid_new = old_file(&dir, ".skipgram-tmp-Ef34Gh", 10, Duration::ZERO);
        let _f = unlinked_temp_file(&dir, "spill").unwrap();
        for gone in [&dead_dir, &no_pid_old] {
            assert!(!gone.exists(), "{gone:?} should have been removed");
        }
        for kept in [&locked, &live_dir, &no_pid_new] {
            assert!(kept.exists(), "{kept:?} should have been kept");
        }
        drop(held);
        write_atomically(&dir.join("a"), |w| Ok(w.write_all(b"x")?)).unwrap();
        assert!(!locked.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
