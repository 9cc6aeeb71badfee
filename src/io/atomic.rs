//! Writing files without ever leaving a half-written one, and the crate's temporary files.
//!
//! # Saving
//!
//! [`write_atomically`] writes to what the path means:
//!
//! * a path that names (or, through symlinks, leads to) a regular file, or nothing yet, is
//!   written to a temporary file next to the final target and renamed over it, so the file is
//!   either the old one or the whole new one. A symlink is followed: its target is replaced
//!   and the link stays. An existing file keeps its permission bits (and, where the process
//!   may set them, its owner and group); a new file gets 0666 less the umask.
//! * a path that names something other than a regular file (a character or block device such
//!   as `/dev/null`, a FIFO, a socket, `/dev/stdout`) is opened and written directly: it is
//!   never renamed over.
//!
//! # Temporary files
//!
//! Every temporary file the crate makes is named `.PURPOSE.skipgram-tmp-PID-XXXXXX`: PURPOSE
//! is the target's file name for a save (`.vectors.txt.skipgram-tmp-…`), or what it holds
//! (`phrased`, `spill`, …); PID is the process id of its owner and `XXXXXX` six random
//! letters and digits. Saves keep theirs named until the rename, holding an advisory lock
//! (`flock`) on it the whole time, and remove it on any error or panic; the CLI also removes
//! them on SIGINT and SIGTERM ([`remove_temp_files`]). The other temporary files (the
//! phrased corpus, the encoded-corpus spill) are unlinked right after they are created, so
//! their space goes back to the file system whenever the process ends, even by `kill -9`.
//!
//! # Clean-up after `kill -9`
//!
//! Each time the crate creates a temporary file, it first scans that directory for entries
//! of the pattern above whose owner is gone, and removes them, directories included:
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

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};

/// The marker between the purpose and the PID in our temporary files' names.
const MARKER: &str = ".skipgram-tmp-";
/// Without `/proc`, an unlocked temporary file is removed after this long unmodified.
pub(crate) const DEAD_GRACE: Duration = Duration::from_secs(60);
/// A temporary entry whose owner cannot be checked is removed after this long unmodified.
pub(crate) const UNKNOWN_AGE: Duration = Duration::from_secs(3600);

/// Bytes buffered between writes to the file.
const WRITE_BUFFER: usize = 1 << 20;

/// Symlinks followed at most before a path is given up as a loop (as Linux's `ELOOP`).
const MAX_SYMLINKS: usize = 40;

/// The named temporary files of this process's saves in progress, for [`remove_temp_files`].
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes the temporary files of this process's saves in progress; for a signal handler
/// that is about to end the process (the `skipgram` program calls it on SIGINT and
/// SIGTERM). A save whose file is removed under it fails instead of completing; the target
/// is left as it was.
///
/// The crate's other temporary files are unlinked when created and need no clean-up.
pub fn remove_temp_files() {
    let live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    for p in live.iter() {
        let _ = std::fs::remove_file(p);
    }
}

/// Registers a temporary file in [`LIVE`] until dropped.
struct Registered(PathBuf);

impl Registered {
    fn new(path: &Path) -> Self {
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(path.to_path_buf());
        Registered(path.to_path_buf())
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = live.iter().position(|p| *p == self.0) {
            live.swap_remove(i);
        }
    }
}

/// Writes `path` through `f` so that the file is either fully written or not changed, or,
/// for a path that is not a regular file, writes it directly.
///
/// For a regular file (or a new one): first removes stale temporary files in the target's
/// directory (see [the `io` module](crate::io)); then `f` writes into a new temporary file
/// `.{name}.skipgram-tmp-{pid}-{random}` in the directory of the final target (symlinks
/// followed; same file system, so the rename is atomic); the data is flushed and
/// `sync_all`ed, the old file's permission bits (and owner, where allowed) copied, and the
/// file renamed over the target (and, on Unix, the directory synced so the rename is
/// durable). If `f` or any step fails, or `f` panics, the temporary file is removed and a
/// previous file is left byte-for-byte as it was.
///
/// For a character or block device, a FIFO or a socket (`/dev/null`, `/dev/stdout`): `f`
/// writes to the opened path directly, which stays what it was.
///
/// ```
/// use std::io::Write;
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("notes.txt");
/// skipgram::io::write_atomically(&path, |w| Ok(w.write_all(b"hello\n")?))?;
/// assert_eq!(std::fs::read_to_string(&path)?, "hello\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// Whatever `f` returns; [`Error::Io`] naming `path` from resolving, creating, writing,
/// syncing or renaming, if `path` names a directory or has no file name, or if a symlink
/// chain is longer than 40 links.
pub fn write_atomically(
    path: &Path,
    f: impl FnOnce(&mut BufWriter<&mut File>) -> Result<()>,
) -> Result<()> {
    let io = |e: std::io::Error| Error::io_at(path, e);
    let existing = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "the path names a directory",
            )))
        }
        Ok(m) if !m.is_file() => return write_directly(path, f),
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(e)),
    };
    let target = follow_symlinks(path).map_err(io)?;
    let name = target.file_name().ok_or_else(|| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path does not name a file",
        ))
    })?;
    let dir = parent_dir(&target);
    remove_stale_temp_files(&dir, name);

    let mut temp = locked_temp_file(&dir, name).map_err(io)?;
    let _registered = Registered::new(temp.path());
    // From here on, dropping `temp` (on an error or a panic) removes the file.
    // Large writes: a 27 MB matrix in 8 KiB system calls costs tens of milliseconds.
    let mut writer = BufWriter::with_capacity(WRITE_BUFFER, temp.as_file_mut());
    f(&mut writer).map_err(|e| e.at_path(path))?;
    writer.flush().map_err(io)?;
    drop(writer);
    if let Some(old) = &existing {
        keep_mode_and_owner(temp.as_file(), old).map_err(io)?;
    }
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(&target).map_err(|e| io(e.error))?;
    #[cfg(unix)]
    {
        // Make the rename itself durable; failure here does not undo a completed save.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Writes a path that is not a regular file (a device, a FIFO, a socket) through `f`.
fn write_directly(
    path: &Path,
    f: impl FnOnce(&mut BufWriter<&mut File>) -> Result<()>,
) -> Result<()> {
    let io = |e: std::io::Error| Error::io_at(path, e);
    let mut file = File::options().write(true).open(path).map_err(io)?;
    let mut writer = BufWriter::with_capacity(WRITE_BUFFER, &mut file);
    f(&mut writer).map_err(|e| e.at_path(path))?;
    writer.flush().map_err(io)?;
    Ok(())
}

/// The directory of `path` (`.` for a bare name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `path` with every symlink at its end followed (the final target, which need not exist).
pub(crate) fn follow_symlinks(path: &Path) -> std::io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_SYMLINKS {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&p)?;
                p = if link.is_absolute() {
                    link
                } else {
                    parent_dir(&p).join(link)
                };
            }
            Ok(_) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(p),
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(format!(
        "more than {MAX_SYMLINKS} symbolic links"
    )))
}

/// Gives `file` the permission bits of `old` and, where the process may, its owner and
/// group.
fn keep_mode_and_owner(file: &File, old: &std::fs::Metadata) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Only root may give a file away; for others this fails for a foreign owner, and
        // the saved file belongs to the process as any new file would.
        let _ = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid()));
    }
    file.set_permissions(old.permissions())
}

/// The prefix of a temporary file of this process for `purpose`: `.PURPOSE.skipgram-tmp-PID-`.
fn temp_prefix(purpose: &OsStr) -> OsString {
    let mut prefix = OsString::from(".");
    prefix.push(purpose);
    prefix.push(format!("{MARKER}{}-", std::process::id()));
    prefix
}

/// A new temporary file for a save of `name` in `dir`, 0666 less the umask, holding an
/// exclusive lock (on Unix) so that another process's clean-up spares it.
fn locked_temp_file(dir: &Path, name: &OsStr) -> std::io::Result<tempfile::NamedTempFile> {
    let prefix = temp_prefix(name);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).rand_bytes(6);
    // tempfile's default is 0600; a saved file gets the usual 0666 less the umask, as
    // `File::create` gives.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    for _ in 0..4 {
        let temp = builder.tempfile_in(dir)?;
        #[cfg(unix)]
        {
            // Between creation and this lock another process's clean-up may have taken
            // the file for stale and removed it: then it has no link left; make another.
            rustix::fs::flock(temp.as_file(), rustix::fs::FlockOperation::LockExclusive)?;
            if rustix::fs::fstat(temp.as_file())?.st_nlink == 0 {
                continue;
            }
        }
        return Ok(temp);
    }
    Err(std::io::Error::other(
        "temporary files kept disappearing (removed by another process)",
    ))
}

/// An anonymous temporary file in `dir`: created as `.PURPOSE.skipgram-tmp-PID-XXXXXX` and
/// unlinked at once (on Unix), so that nothing of it is left once it is closed, however the
/// process ends. Stale temporary files in `dir` are removed first (see
/// [the `io` module](crate::io)).
///
/// For data too large for memory that the caller writes and then reads back, such as a
/// phrased corpus ([`Corpus::from_file`](crate::Corpus::from_file) reads one).
///
/// ```
/// use std::io::{Read, Seek, Write};
/// let dir = tempfile::tempdir()?;
/// let mut f = skipgram::io::unlinked_temp_file(dir.path(), "notes")?;
/// f.write_all(b"scratch")?;
/// f.rewind()?;
/// let mut back = String::new();
/// f.read_to_string(&mut back)?;
/// assert_eq!(back, "scratch");
/// assert_eq!(std::fs::read_dir(dir.path())?.count(), 0); // it has no name
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Io`] naming `dir` if the file cannot be created.
pub fn unlinked_temp_file(dir: &Path, purpose: &str) -> Result<File> {
    let io = |e: std::io::Error| Error::io_at(dir, e);
    remove_stale_temp_files(dir, OsStr::new(""));
    #[cfg(unix)]
    {
        let temp = tempfile::Builder::new()
            .prefix(&temp_prefix(OsStr::new(purpose)))
            .rand_bytes(6)
            .tempfile_in(dir)
            .map_err(io)?;
        let (file, path) = temp.into_parts();
        // Another process's clean-up may have removed it already: that is as good.
        match path.close() {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => Ok(file),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = purpose;
        tempfile::tempfile_in(dir).map_err(io)
    }
}

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
    match rest.split_once('-') {
        Some((pid, _random)) => Some(pid.parse().ok()),
        // The 0.2 command line's `.skipgram-tmp-XXXXXX`: ours, with no PID.
        None if rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric()) => Some(None),
        None => None,
    }
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
