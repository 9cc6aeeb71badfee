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
//! Each time the crate creates a temporary file, it first removes the entries of the pattern
//! above in that directory whose owner is gone, directories included: the rules are in
//! [`stale`]. Errors while cleaning are ignored: clean-up never makes a save fail.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};

mod stale;

use stale::{remove_stale_temp_files, MARKER};

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

#[cfg(test)]
mod tests {
    use super::stale::temp_file_pid;
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    pub(super) fn temp_dir(tag: &str) -> PathBuf {
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
