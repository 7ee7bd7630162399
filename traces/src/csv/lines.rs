//! Header lines: a line reader over the raw input (1-based line numbers, BOM and CR stripped),
//! delimiter guessing, header splitting and the duplicate-column check every CSV format shares.

use crate::TraceError;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// The UTF-8 byte-order mark some Windows tools write before the header.
pub(super) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Strips a trailing `\r` (CRLF files).
pub(super) fn trim_line_end(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Trims ASCII whitespace and one pair of surrounding double quotes.
pub(super) fn trim_field(f: &[u8]) -> &[u8] {
    let f = f.trim_ascii();
    if f.len() >= 2 && f[0] == b'"' && f[f.len() - 1] == b'"' {
        f[1..f.len() - 1].trim_ascii()
    } else {
        f
    }
}

/// The delimiter of a header line: whichever of tab, `;` and `,` occurs most (comma on a tie).
pub(super) fn guess_delimiter(line: &[u8]) -> u8 {
    let count = |d: u8| line.iter().filter(|&&b| b == d).count();
    let (c, s, t) = (count(b','), count(b';'), count(b'\t'));
    if t > c && t >= s {
        b'\t'
    } else if s > c {
        b';'
    } else {
        b','
    }
}

/// Splits a header line on `delim` into trimmed fields, honouring CSV quoting (a quoted name may
/// hold the delimiter).
pub(super) fn split_header(line: &[u8], delim: u8) -> Vec<Vec<u8>> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(line);
    let mut rec = csv::ByteRecord::new();
    match rd.read_byte_record(&mut rec) {
        Ok(true) => rec.iter().map(|f| f.trim_ascii().to_vec()).collect(),
        _ => line
            .split(|&b| b == delim)
            .map(|f| trim_field(f).to_vec())
            .collect(),
    }
}

/// A header-line reader over the raw input: 1-based line numbers, BOM and CR stripped.
pub(super) struct LineInput {
    /// The file, for messages.
    pub path: PathBuf,
    input: Box<dyn BufRead + Send>,
    /// Lines consumed so far (the number of the last line returned).
    pub line: u64,
    buf: Vec<u8>,
    peeked: bool,
}

impl LineInput {
    /// Opens `path` (gzip transparently).
    pub fn open(path: &Path) -> Result<LineInput, TraceError> {
        Ok(LineInput {
            path: path.to_path_buf(),
            input: crate::io::open_maybe_gz(path)?,
            line: 0,
            buf: Vec::new(),
            peeked: false,
        })
    }

    /// The next line without its line end, `None` at end of file. Header lines are short; a
    /// line over 1 MiB is refused so binary garbage cannot make the reader buffer the whole file.
    pub fn next_line(&mut self) -> Result<Option<&[u8]>, TraceError> {
        if self.peeked {
            self.peeked = false;
            return Ok(Some(self.current()));
        }
        self.buf.clear();
        let mut limited = Read::take(&mut self.input, 1 << 20);
        let n = limited
            .read_until(b'\n', &mut self.buf)
            .map_err(|source| TraceError::Io {
                path: self.path.clone(),
                source,
            })?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        if self.buf.last() != Some(&b'\n') && self.buf.len() >= 1 << 20 {
            return Err(TraceError::syntax(
                &self.path,
                self.line,
                "a header line shorter than 1 MiB",
                &self.buf,
            ));
        }
        if self.line == 1 && self.buf.starts_with(UTF8_BOM) {
            self.buf.drain(..3);
        }
        Ok(Some(self.current()))
    }

    /// Makes the next [`Self::next_line`] return the current line again.
    pub fn unread(&mut self) {
        self.peeked = true;
    }

    /// The last line returned.
    pub fn current(&self) -> &[u8] {
        let l = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
        trim_line_end(l)
    }

    /// The next non-blank line, `None` at end of file.
    pub fn next_nonblank(&mut self) -> Result<Option<&[u8]>, TraceError> {
        loop {
            match self.next_line()? {
                None => return Ok(None),
                Some(l) if l.iter().all(u8::is_ascii_whitespace) => continue,
                Some(_) => return Ok(Some(self.current())),
            }
        }
    }

    /// The file, the input after the lines read so far (a line given back by
    /// [`Self::unread`] comes first again) and the number of lines before it: what the table
    /// engine takes over.
    pub(super) fn into_rest(self) -> (PathBuf, Box<dyn BufRead + Send>, u64) {
        let LineInput {
            path,
            input: rd,
            line,
            buf,
            peeked,
        } = self;
        // A peeked line must be replayed: chain it in front of the input.
        if peeked {
            let mut first = buf;
            if first.last() != Some(&b'\n') {
                first.push(b'\n');
            }
            (
                path,
                Box::new(std::io::Cursor::new(first).chain(rd)),
                line.saturating_sub(1),
            )
        } else {
            (path, rd, line)
        }
    }

    /// A syntax error at the current line.
    pub fn error(&self, expected: impl Into<String>, found: impl AsRef<[u8]>) -> TraceError {
        TraceError::syntax(&self.path, self.line.max(1), expected, found)
    }
}

/// Checks a header's column names for duplicates (a reader could not tell the columns apart).
pub(super) fn check_unique(input: &LineInput, names: &[Vec<u8>]) -> Result<(), TraceError> {
    let mut seen = std::collections::HashSet::new();
    for n in names {
        if n.is_empty() {
            return Err(input.error("a name for every column", "an empty column name"));
        }
        if !seen.insert(n.as_slice()) {
            return Err(input.error("unique column names", n));
        }
    }
    Ok(())
}
