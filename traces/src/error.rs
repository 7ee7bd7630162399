//! The one error type of the traces crate: every variant says where (file and line/row or time)
//! and what was expected.

use std::path::PathBuf;

/// Where in a file something went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub file: PathBuf,
    /// 1-based line (text formats) or row (CSV data rows are counted as file lines).
    pub line: u64,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// Everything that can go wrong reading or writing a trace.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The content is not what the format requires.
    #[error("{at}: expected {expected}, found {found}")]
    Syntax {
        /// Where.
        at: Location,
        /// What the format requires here.
        expected: String,
        /// What the file has (quoted, shortened).
        found: String,
    },
    /// The file ends before the format allows.
    #[error("{at}: file ends early: {context}")]
    Truncated {
        /// Where (the last line).
        at: Location,
        /// What was being read.
        context: String,
    },
    /// A timestamp smaller than the previous one.
    #[error("{at}: time goes backwards: #{found} after #{previous}")]
    TimeBackwards {
        /// Where.
        at: Location,
        /// The previous timestamp, in the file's units.
        previous: String,
        /// The new one.
        found: String,
    },
    /// A format could not be recognised from the file's first bytes.
    #[error("{}: not a capture migcal can read ({reason})", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// What was seen.
        reason: String,
    },
    /// A reader stopped on a file whose format was recognised from its first bytes: says what
    /// the file was taken for and why, so a misrecognised file is easy to tell from a broken one.
    #[error("{source} (read as {format} because {why})")]
    ReadAs {
        /// The format it was read as (`vcd`, `fst`, `sigrok_csv`, ...).
        format: &'static str,
        /// What in the first bytes decided it.
        why: String,
        /// What the reader found.
        #[source]
        source: Box<TraceError>,
    },
    /// Two capture signals both match one MIG name.
    #[error(
        "{mig_name}: two capture signals match ({first} and {second}); bind one in a mapping file"
    )]
    AmbiguousName {
        /// The MIG name.
        mig_name: String,
        /// One candidate.
        first: String,
        /// The other.
        second: String,
    },
    /// A mapping file is malformed or names a signal that is not in the capture.
    #[error("{}: {message}", path.display())]
    Mapping {
        /// The mapping file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl TraceError {
    /// A syntax error, with the found text shortened for a one-line message.
    pub fn syntax(
        file: &std::path::Path,
        line: u64,
        expected: impl Into<String>,
        found: impl AsRef<[u8]>,
    ) -> TraceError {
        TraceError::Syntax {
            at: Location {
                file: file.to_path_buf(),
                line,
            },
            expected: expected.into(),
            found: quote(found.as_ref()),
        }
    }
}

/// Quotes at most 40 bytes of file content for an error message, escaping what is not printable.
pub fn quote(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "nothing".to_string();
    }
    let mut s = String::from("\"");
    for &b in bytes.iter().take(40) {
        match b {
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(b as char),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    if bytes.len() > 40 {
        s.push_str("...");
    }
    s.push('"');
    s
}
