//! Where a capture's bytes come from: a file, or standard input when the capture is `-`, or
//! another stream (a FIFO, a shell's `<(…)`).
//!
//! Standard input (and any stream) is copied once to a temporary file (deleted when the reader is dropped), so
//! every reader, the text ones that stream and the binary ones that seek (FST, GHW, zip), reads
//! it like a file, and the disk, not memory, holds a multi-GB pipe. Errors name `-` (standard
//! input), never the temporary file. A binary format that needs seeking and arrives gzip'd is
//! decompressed the same way.

use crate::{ChangeRef, ChangeSource, Header, SignalId, Time, TraceError, Warnings};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The capture name that means standard input.
pub const STDIN: &str = "-";

/// True when `path` names standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// A capture on disk: the user's own file, or a temporary copy deleted on drop.
#[derive(Debug)]
pub enum Spooled {
    /// The user's file.
    File(PathBuf),
    /// A temporary copy (a decompressed gzip).
    Temp(tempfile::TempPath),
    /// The process' one copy of standard input or another stream, shared by every open of it.
    Stdin(Arc<tempfile::TempPath>),
}

impl Spooled {
    /// The file to read.
    pub fn path(&self) -> &Path {
        match self {
            Spooled::File(p) => p,
            Spooled::Temp(t) => t,
            Spooled::Stdin(t) => t,
        }
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> TraceError + '_ {
    move |source| TraceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The copies of the streams read so far (standard input, a FIFO, a process substitution's
/// `/dev/fd/N`), by the name the user gave. A stream can be read only once, so every open of the
/// same name in this process (a command that reads its capture twice, as `diagnose` does for the
/// write strobes) reads the same copy.
static STREAM_COPIES: Mutex<Vec<(PathBuf, Arc<tempfile::TempPath>)>> = Mutex::new(Vec::new());

/// True when `path` is read as a stream that cannot be read twice: `-`, or anything that exists
/// and is not a regular file or a directory (a FIFO, `/dev/fd/N` of `<(…)`, a character device).
pub fn is_stream(path: &Path) -> bool {
    is_stdin(path) || std::fs::metadata(path).is_ok_and(|m| !m.file_type().is_file() && !m.is_dir())
}

/// Copies standard input into a temporary file, unchanged (gzip stays gzip), the first time;
/// later calls return the same copy.
pub fn spool_stdin() -> Result<Spooled, TraceError> {
    spool_stream(Path::new(STDIN))
}

/// Copies a stream ([`is_stream`]) into a temporary file, unchanged, the first time it is
/// opened; later opens of the same name return the same copy.
pub fn spool_stream(path: &Path) -> Result<Spooled, TraceError> {
    let mut copies = STREAM_COPIES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, t)) = copies.iter().find(|(p, _)| p == path) {
        return Ok(Spooled::Stdin(Arc::clone(t)));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix("migcal-stdin-")
        .tempfile()
        .map_err(io_err(path))?;
    if is_stdin(path) {
        std::io::copy(&mut std::io::stdin().lock(), tmp.as_file_mut()).map_err(io_err(path))?;
    } else {
        let mut f = std::fs::File::open(path).map_err(io_err(path))?;
        std::io::copy(&mut f, tmp.as_file_mut()).map_err(io_err(path))?;
    }
    let t = Arc::new(tmp.into_temp_path());
    copies.push((path.to_path_buf(), Arc::clone(&t)));
    Ok(Spooled::Stdin(t))
}

/// Lets the copies of standard input and other streams go: each is deleted once no reader holds
/// it. A program calls this when it has finished with its capture (a static is never dropped, so
/// without it the copies would outlive the process).
pub fn release_stdin() {
    STREAM_COPIES
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clear();
}

/// The capture as a plain (not gzip'd) seekable file: the file itself, or its decompressed
/// copy. `shown` is the name errors use.
pub fn plain(file: Spooled, shown: &Path) -> Result<Spooled, TraceError> {
    let mut magic = [0u8; 2];
    let n = std::fs::File::open(file.path())
        .and_then(|mut f| f.read(&mut magic))
        .map_err(io_err(shown))?;
    if n < 2 || magic != [0x1f, 0x8b] {
        return Ok(file);
    }
    let mut tmp = tempfile::Builder::new()
        .prefix("migcal-gunzip-")
        .tempfile()
        .map_err(io_err(shown))?;
    let mut gz = crate::io::open_maybe_gz(file.path())?;
    std::io::copy(&mut gz, tmp.as_file_mut()).map_err(io_err(shown))?;
    Ok(Spooled::Temp(tmp.into_temp_path()))
}

/// Replaces the temporary file's name by the user's in an error.
pub fn rename_in_error(e: TraceError, tmp: &Path, shown: &Path) -> TraceError {
    let fix = |p: PathBuf| if p == tmp { shown.to_path_buf() } else { p };
    match e {
        TraceError::Io { path, source } => TraceError::Io {
            path: fix(path),
            source,
        },
        TraceError::Syntax {
            mut at,
            expected,
            found,
        } => {
            at.file = fix(at.file);
            TraceError::Syntax {
                at,
                expected,
                found,
            }
        }
        TraceError::Truncated { mut at, context } => {
            at.file = fix(at.file);
            TraceError::Truncated { at, context }
        }
        TraceError::TimeBackwards {
            mut at,
            previous,
            found,
        } => {
            at.file = fix(at.file);
            TraceError::TimeBackwards {
                at,
                previous,
                found,
            }
        }
        TraceError::UnknownFormat { path, reason } => TraceError::UnknownFormat {
            path: fix(path),
            reason,
        },
        other => other,
    }
}

/// A reader over a temporary copy: keeps the copy alive as long as the reader, and names the
/// user's capture in errors.
pub struct Kept {
    inner: Box<dyn ChangeSource + Send>,
    spool: Spooled,
    shown: PathBuf,
}

impl Kept {
    /// Wraps `inner`, which reads `spool`.
    pub fn new(inner: Box<dyn ChangeSource + Send>, spool: Spooled, shown: &Path) -> Kept {
        Kept {
            inner,
            spool,
            shown: shown.to_path_buf(),
        }
    }
}

impl ChangeSource for Kept {
    fn header(&self) -> &Header {
        self.inner.header()
    }
    fn set_filter(&mut self, wanted: &[SignalId]) {
        self.inner.set_filter(wanted)
    }
    fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, TraceError> {
        let tmp = self.spool.path();
        let shown = &self.shown;
        self.inner
            .next_change()
            .map_err(|e| rename_in_error(e, tmp, shown))
    }
    fn warnings(&self) -> &Warnings {
        self.inner.warnings()
    }
    fn last_time(&self) -> Time {
        self.inner.last_time()
    }
    fn end_known(&self) -> bool {
        self.inner.end_known()
    }
    fn min_sample_gap(&self) -> Option<Time> {
        self.inner.min_sample_gap()
    }
    fn read_progress(&self) -> Option<(u64, u64)> {
        self.inner.read_progress()
    }
    fn worth_reading_ahead(&self) -> bool {
        self.inner.worth_reading_ahead()
    }
}
