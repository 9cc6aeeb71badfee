//! Outputs that would overwrite an input or each other, found by file identity.

use std::path::{Path, PathBuf};

use super::atomic::{follow_symlinks, parent_dir};
use crate::error::{Error, Result};

/// What a path names, for comparison: an existing regular file by its device and inode
/// (so hard links, symlinks and different spellings compare equal), a path that does not
/// exist yet by its canonical spelling.
#[derive(PartialEq, Eq, Debug)]
enum Identity {
    #[cfg(unix)]
    Inode(u64, u64),
    Path(PathBuf),
}

/// The identity of an existing regular file at `path` (symlinks followed); `None` for
/// anything else.
fn existing_file(path: &Path) -> Option<Identity> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(Identity::Inode(meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(path).ok().map(Identity::Path)
    }
}

/// The identity of an output path: an existing regular file's, or for a path that does
/// not exist yet, its canonical spelling (symlinks followed, directory canonicalised).
/// `None` for devices, FIFOs, sockets and anything that cannot be examined: writing to
/// those replaces no file.
fn output(path: &Path) -> Option<Identity> {
    match std::fs::metadata(path) {
        Ok(_) => existing_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let target = follow_symlinks(path).ok()?;
            let name = target.file_name()?;
            let dir = parent_dir(&target);
            let dir = std::fs::canonicalize(&dir)
                .or_else(|_| std::path::absolute(&dir))
                .ok()?;
            Some(Identity::Path(dir.join(name)))
        }
        Err(_) => None,
    }
}

/// Checks, before anything is written, that no output path names the same file as an input
/// or as another output.
///
/// Files are compared by identity, not spelling: an existing regular file by device and
/// inode (so `./c.txt`, `dir/../c.txt`, a symlink to it and a hard link of it are all the
/// same file); a path that does not exist yet can clash only with another output of the
/// same canonical path. Outputs that are not regular files (`/dev/null`, a FIFO,
/// `/dev/stdout`) are written in place and clash with nothing; inputs that do not exist or
/// are not regular files are left to the reader to report.
///
/// ```
/// use std::path::Path;
/// let dir = tempfile::tempdir()?;
/// let corpus = dir.path().join("c.txt");
/// std::fs::write(&corpus, "the cat sat")?;
/// let same = dir.path().join(".").join("c.txt");
/// let err = skipgram::io::check_outputs(&[&corpus], &[&same]).unwrap_err();
/// assert!(matches!(err, skipgram::Error::SameFile { .. }));
/// let fine = dir.path().join("vectors.txt");
/// skipgram::io::check_outputs(&[&corpus], &[&fine, Path::new("/dev/null")])?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::SameFile`] naming the first clashing output and the input or earlier output it
/// clashes with.
pub fn check_outputs(inputs: &[&Path], outputs: &[&Path]) -> Result<()> {
    let inputs: Vec<(&Path, Identity)> = inputs
        .iter()
        .filter_map(|p| existing_file(p).map(|id| (*p, id)))
        .collect();
    let mut seen: Vec<(&Path, Identity)> = Vec::new();
    for &out in outputs {
        let Some(id) = output(out) else {
            continue;
        };
        if let Some((input, _)) = inputs.iter().find(|(_, i)| *i == id) {
            return Err(Error::SameFile {
                output: out.to_path_buf(),
                other: input.to_path_buf(),
                other_is_input: true,
            });
        }
        if let Some((earlier, _)) = seen.iter().find(|(_, i)| *i == id) {
            return Err(Error::SameFile {
                output: out.to_path_buf(),
                other: earlier.to_path_buf(),
                other_is_input: false,
            });
        }
        seen.push((out, id));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_links_and_new_paths() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let c = d.join("c.txt");
        std::fs::write(&c, "x").unwrap();
        let respelled = d.join("sub/../c.txt");
        std::fs::create_dir(d.join("sub")).unwrap();
        let clash = |i: &[&Path], o: &[&Path]| match check_outputs(i, o) {
            Err(Error::SameFile {
                output,
                other,
                other_is_input,
            }) => Some((output, other, other_is_input)),
            Ok(()) => None,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            clash(&[&c], &[&respelled]),
            Some((respelled.clone(), c.clone(), true))
        );
        #[cfg(unix)]
        {
            std::fs::hard_link(&c, d.join("hard.txt")).unwrap();
            std::os::unix::fs::symlink(&c, d.join("soft.txt")).unwrap();
            assert!(clash(&[&c], &[&d.join("hard.txt")]).is_some());
            assert!(clash(&[&c], &[&d.join("soft.txt")]).is_some());
            // A dangling link to a new file clashes with that new file as an output.
            std::os::unix::fs::symlink(d.join("new.txt"), d.join("dangling")).unwrap();
            assert!(clash(&[], &[&d.join("new.txt"), &d.join("dangling")]).is_some());
            // Devices clash with nothing.
            let null = Path::new("/dev/null");
            if null.exists() {
                assert_eq!(clash(&[&c], &[null, null]), None);
            }
        }
        // Two new outputs of one canonical path clash; different ones do not.
        let new = d.join("o.txt");
        let new2 = d.join("sub/../o.txt");
        assert_eq!(
            clash(&[&c], &[&new, &new2]),
            Some((new2.clone(), new.clone(), false))
        );
        assert_eq!(
            clash(&[&c, &d.join("missing")], &[&new, &d.join("p.txt")]),
            None
        );
    }
}
