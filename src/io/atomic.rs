//! Atomic file replacement: write a temporary file next to the target, then rename it over.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Result;

/// Distinguishes temporary files of concurrent saves within one process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Removes the temporary file when dropped, unless it was renamed into place.
struct TempGuard {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Writes `path` through `f` so that the file is either fully written or not changed.
///
/// `f` writes into a new temporary file `.{name}.tmp-{pid}-{counter}` in the target's
/// directory (same file system, so the rename is atomic); the data is flushed and `sync_all`ed,
/// then renamed over `path` (and, on Unix, the directory is synced so the rename is durable).
/// If `f` or any step fails, or `f` panics, the temporary file is removed and a previous file
/// at `path` is left byte-for-byte as it was.
///
/// # Errors
/// Whatever `f` returns; [`Error::Io`](crate::Error::Io) from creating, writing, syncing or
/// renaming, or if `path` has no file name.
pub(crate) fn write_atomically(
    path: &Path,
    f: impl FnOnce(&mut BufWriter<File>) -> Result<()>,
) -> Result<()> {
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} does not name a file", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut attempt = 0;
    let (file, temp) = loop {
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(
            ".tmp-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let temp = dir.join(temp_name);
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => break (file, temp),
            // A stale file of an earlier process with the same pid: try the next counter.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(e.into()),
        }
    };
    let mut guard = TempGuard {
        path: temp,
        armed: true,
    };
    let mut writer = BufWriter::new(file);
    f(&mut writer)?;
    writer.flush()?;
    let file = writer
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&guard.path, path)?;
    guard.armed = false;
    #[cfg(unix)]
    {
        // Make the rename itself durable; failure here does not undo a completed save.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn temp_dir(tag: &str) -> PathBuf {
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
    fn missing_directory_is_an_io_error() {
        let dir = temp_dir("missing");
        let path = dir.join("no/such/dir/file");
        let r = write_atomically(&path, |w| Ok(w.write_all(b"x")?));
        assert!(matches!(r, Err(Error::Io { .. })));
        assert!(matches!(
            write_atomically(Path::new("/"), |_| Ok(())),
            Err(Error::Io { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
