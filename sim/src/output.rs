//! Where a command's output goes, and how it gets there without destroying what was there.
//!
//! Every file migcal writes (`-o`, `--junit`, `--csv`, plots, save files, the dictionary cache)
//! goes through [`write_with`] (or [`write`]), which looks at what the path names first:
//!
//! - nothing yet, or a regular file: the bytes go to a temporary file in the same folder, which
//!   is flushed to disk (`fsync`) and renamed over the target only when everything was written,
//!   so an interrupted or failed run leaves the previous file whole. A replaced file keeps its
//!   permission bits (and, where the user may, its owner and group), as `sed -i` does;
//! - a character or block device, a FIFO: written straight through (opened for writing, never
//!   created, truncated or replaced), so `-o /dev/null` discards and a reader on a FIFO gets the
//!   bytes;
//! - `-`: standard output, written straight through; a reader that closes the pipe early
//!   (`| head`) is its choice, not an error;
//! - a symbolic link (chains too): followed to its final target, which is what gets replaced
//!   or written; the link stays a link;
//! - a directory: refused with an error that says so.

use std::fs::{self, File, Metadata};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The output name that means standard output.
pub const STDOUT: &str = "-";

/// How many symbolic links a path may go through before it is called a loop (Linux's own
/// limit, `MAXSYMLINKS`).
pub const MAX_SYMLINKS: usize = 40;

/// Buffer between a streaming writer and the file (1 MiB: big writes, bounded memory).
const BUFFER_BYTES: usize = 1 << 20;

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The path names a directory.
    #[error("{path}: is a directory; expected a file name to write (or - for standard output)")]
    Directory {
        /// The path as given.
        path: PathBuf,
    },
    /// Following the path's symbolic links did not end.
    #[error("{path}: more than {MAX_SYMLINKS} symbolic links to follow (a loop?)")]
    SymlinkLoop {
        /// The path as given.
        path: PathBuf,
    },
    /// The target is a special file where only a regular file will do (the cache).
    #[error("{path}: expected a regular file, found a {kind}")]
    NotAFile {
        /// The path as given.
        path: PathBuf,
        /// What it is instead.
        kind: &'static str,
    },
    /// Reading the folder, writing, flushing or renaming failed.
    #[error("{path}: {source}")]
    Io {
        /// The path as given.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
}

/// What an output path names, after following its symbolic links.
#[derive(Debug)]
pub enum Destination {
    /// `-`: standard output.
    Stdout,
    /// A device or FIFO: opened for writing and written straight through.
    Stream(PathBuf),
    /// A regular file (with its metadata) or nothing yet: replaced atomically.
    Replace(PathBuf, Option<Metadata>),
}

/// Whether `path` is `-` (standard output).
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == STDOUT
}

/// What `path` names: follows symbolic links (relative ones from the link's own folder) to the
/// final target, and refuses a directory.
pub fn resolve(path: &Path) -> Result<Destination, OutputError> {
    if is_stdout(path) {
        return Ok(Destination::Stdout);
    }
    let io = |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut p = path.to_path_buf();
    for _ in 0..=MAX_SYMLINKS {
        let meta = match fs::symlink_metadata(&p) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Destination::Replace(p, None))
            }
            Err(e) => return Err(io(e)),
            Ok(m) => m,
        };
        let kind = meta.file_type();
        if kind.is_symlink() {
            let target = fs::read_link(&p).map_err(io)?;
            p = match p.parent() {
                Some(dir) if target.is_relative() => dir.join(target),
                _ => target,
            };
        } else if kind.is_dir() {
            return Err(OutputError::Directory {
                path: path.to_path_buf(),
            });
        } else if kind.is_file() {
            return Ok(Destination::Replace(p, Some(meta)));
        } else {
            return Ok(Destination::Stream(p));
        }
    }
    Err(OutputError::SymlinkLoop {
        path: path.to_path_buf(),
    })
}

/// Writes `bytes` to `path` (see the module doc for what each kind of target gets).
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    write_with(path, |w| w.write_all(bytes).map_err(|e| io_error(path, e)))
}

/// Writes `bytes` to `path` only if it is (or, links followed, leads to) a regular file or
/// nothing yet: for files migcal owns, such as the cache, where a device or FIFO is a mistake.
pub fn write_file_only(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    match resolve(path)? {
        Destination::Replace(target, meta) => replace(path, &target, meta.as_ref(), |w| {
            w.write_all(bytes).map_err(|e| io_error(path, e))
        }),
        Destination::Stdout | Destination::Stream(_) => Err(OutputError::NotAFile {
            path: path.to_path_buf(),
            kind: "device, FIFO or standard output",
        }),
    }
}

/// Streams an output: `fill` writes into a buffered writer for `path`'s destination. For a
/// replaced file nothing changes on disk unless `fill` succeeds; a stream gets what was written.
pub fn write_with<E: From<OutputError>>(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), E> {
    match resolve(path)? {
        Destination::Stdout => {
            let mut out = io::BufWriter::with_capacity(BUFFER_BYTES, PipeSink::new(io::stdout()));
            fill(&mut out)?;
            out.flush().map_err(|e| io_error(path, e))?;
            Ok(())
        }
        Destination::Stream(target) => {
            let file = fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(|e| io_error(path, e))?;
            let mut out = io::BufWriter::with_capacity(BUFFER_BYTES, file);
            fill(&mut out)?;
            out.flush().map_err(|e| io_error(path, e))?;
            Ok(())
        }
        Destination::Replace(target, meta) => replace(path, &target, meta.as_ref(), fill),
    }
}

/// An I/O error on `path`, as an [`OutputError`].
pub fn io_error(path: &Path, source: io::Error) -> OutputError {
    OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The atomic replacement: a temporary file beside `target`, filled, given the old file's
/// permissions, flushed to disk and renamed over it; then the folder is flushed so the rename
/// itself survives a crash.
fn replace<E: From<OutputError>>(
    shown: &Path,
    target: &Path,
    old: Option<&Metadata>,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), E> {
    let err = |e| io_error(shown, e);
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = new_temp(dir).map_err(err)?;
    if let Some(old) = old {
        keep_permissions(tmp.as_file(), old).map_err(err)?;
    }
    let mut out = io::BufWriter::with_capacity(BUFFER_BYTES, tmp);
    fill(&mut out)?;
    out.flush().map_err(err)?;
    let tmp = out.into_inner().map_err(|e| err(e.into_error()))?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(target).map_err(|e| err(e.error))?;
    // Best effort: a folder that cannot be opened or flushed (some file systems) still got the
    // rename; the data itself is already on disk.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A temporary output file: readable like any file the user creates (the umask applies to the
/// 0o666 asked for), not the private 0o600 of a scratch file.
fn new_temp(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    let mut b = tempfile::Builder::new();
    b.prefix(".migcal-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(fs::Permissions::from_mode(0o666));
    }
    b.tempfile_in(dir)
}

/// Gives the replacement the replaced file's owner and group (when allowed: as root, or a group
/// the user is in) and its permission bits. Set-id bits are kept only when the owner could be.
fn keep_permissions(file: &File, old: &Metadata) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let owned = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid())).is_ok()
            || std::os::unix::fs::fchown(file, None, Some(old.gid())).is_ok();
        let mask = if owned { 0o7777 } else { 0o0777 };
        file.set_permissions(fs::Permissions::from_mode(old.mode() & mask))
    }
    #[cfg(not(unix))]
    {
        file.set_permissions(old.permissions())
    }
}

/// Standard output that turns into a sink once its reader has gone (`migcal ... -o - | head`):
/// the reader's choice, not an error; any other failure is reported.
struct PipeSink<W> {
    inner: W,
    closed: bool,
}

impl<W: Write> PipeSink<W> {
    fn new(inner: W) -> Self {
        PipeSink {
            inner,
            closed: false,
        }
    }
}

impl<W: Write> Write for PipeSink<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        match self.inner.write(buf) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(buf.len())
            }
            r => r,
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.inner.flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            r => r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_fill_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.vcd");
        fs::write(&p, b"old").unwrap();
        let r: Result<(), OutputError> = write_with(&p, |w| {
            w.write_all(b"half").unwrap();
            Err(io_error(&p, io::Error::other("stop")))
        });
        assert!(r.is_err());
        assert_eq!(fs::read(&p).unwrap(), b"old");
        write(&p, b"new").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temp left");
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        fs::write(&p, b"old").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        write(&p, b"new").unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o7777,
            0o640
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.txt");
        fs::write(&target, b"old").unwrap();
        std::os::unix::fs::symlink("real.txt", dir.path().join("b")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("b"), dir.path().join("a")).unwrap();
        write(&dir.path().join("a"), b"new").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new");
        assert!(fs::symlink_metadata(dir.path().join("a"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(fs::symlink_metadata(dir.path().join("b"))
            .unwrap()
            .file_type()
            .is_symlink());
        // A dangling link creates its target.
        std::os::unix::fs::symlink("new.txt", dir.path().join("d")).unwrap();
        write(&dir.path().join("d"), b"x").unwrap();
        assert_eq!(fs::read(dir.path().join("new.txt")).unwrap(), b"x");
        // A loop is an error, not a hang.
        std::os::unix::fs::symlink("l2", dir.path().join("l1")).unwrap();
        std::os::unix::fs::symlink("l1", dir.path().join("l2")).unwrap();
        assert!(matches!(
            write(&dir.path().join("l1"), b"x"),
            Err(OutputError::SymlinkLoop { .. })
        ));
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = write(dir.path(), b"x").unwrap_err();
        assert!(matches!(e, OutputError::Directory { .. }), "{e}");
        assert!(e.to_string().contains("is a directory"), "{e}");
    }

    #[test]
    fn a_closed_pipe_becomes_a_sink() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut s = PipeSink::new(Closed);
        assert_eq!(s.write(b"abc").unwrap(), 3);
        assert!(s.closed);
        s.flush().unwrap();
    }
}
