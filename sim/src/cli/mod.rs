//! The command line: one file per subcommand. Only this layer turns library errors into
//! messages and exit codes (0 pass, 1 fault found / not as expected, 2 could not do the job).

pub mod simulate;

use std::process::ExitCode;

/// Exit code: calibration passes, or every scenario is as expected.
pub const EXIT_PASS: u8 = 0;
/// Exit code: a fault was found, or a scenario was not as expected.
pub const EXIT_FAULT: u8 = 1;
/// Exit code: the tool could not do its job (bad input, I/O).
pub const EXIT_ERROR: u8 = 2;

/// An error that stops a subcommand; printed on stderr, exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A capture could not be read.
    #[error(transparent)]
    Trace(#[from] migcal_traces::TraceError),
    /// Anything else, already worded for the user.
    #[error("{0}")]
    Message(String),
}

/// What a subcommand decided: the exit code it wants.
pub type CliResult = Result<ExitCode, CliError>;

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so an
/// interrupted run never leaves a half-written file or clobbers the user's previous output.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    let err = |e: std::io::Error| CliError::Message(format!("{}: {e}", path.display()));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}
