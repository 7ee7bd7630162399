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

/// The longest data line read, in bytes. A real export's row is a few kilobytes at most (an
/// ILA of 1024 probes in hex); the csv crate would otherwise grow its record to whatever a
/// line without a line end holds (a multi-GB file of garbage, a missing newline).
pub const MAX_DATA_LINE: u64 = 1 << 20;

/// The error [`LineLimit`] stops with: which line went past the limit.
#[derive(Debug)]
pub(super) struct LineTooLong {
    /// 1-based line in the file.
    pub line: u64,
    /// The limit, in bytes.
    pub limit: u64,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} is longer than {} bytes", self.line, self.limit)
    }
}

impl std::error::Error for LineTooLong {}

/// A reader that fails (with [`LineTooLong`] inside an `InvalidData` I/O error) as soon as one
/// line runs past `limit` bytes, so no reader behind it buffers an unbounded line.
pub(super) struct LineLimit<R> {
    inner: R,
    /// Bytes of the current line seen so far.
    run: u64,
    /// Number of the current line (1-based, counting the lines before the reader took over).
    line: u64,
    limit: u64,
}

impl<R: Read> LineLimit<R> {
    /// Wraps `inner`, whose first line is line `first_line` of the file.
    pub fn new(inner: R, first_line: u64, limit: u64) -> LineLimit<R> {
        LineLimit {
            inner,
            run: 0,
            line: first_line,
            limit,
        }
    }
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', &buf[..n]) {
            self.run += (nl - start) as u64;
            if self.run > self.limit {
                break;
            }
            self.run = 0;
            self.line += 1;
            start = nl + 1;
        }
        if self.run <= self.limit {
            self.run += (n - start) as u64;
        }
        if self.run > self.limit {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                LineTooLong {
                    line: self.line,
                    limit: self.limit,
                },
            ));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_limit_names_the_long_line() {
        let text = b"a,b\n1,2\n123456789\n3,4\n";
        let mut rd = LineLimit::new(&text[..], 5, 8);
        let mut out = Vec::new();
        let e = rd.read_to_end(&mut out).unwrap_err();
        let inner = e.get_ref().and_then(|e| e.downcast_ref::<LineTooLong>());
        assert_eq!(inner.map(|l| (l.line, l.limit)), Some((7, 8)));
        // Lines at the limit pass, and a reader that gets one byte at a time counts the same.
        let mut ok = LineLimit::new(&b"12345678\n12345678"[..], 1, 8);
        ok.read_to_end(&mut Vec::new()).unwrap();
        let mut slow = LineLimit::new(std::io::Read::chain(&b"1234"[..], &b"56789\n"[..]), 1, 8);
        let mut byte = [0u8; 1];
        let mut err = None;
        for _ in 0..20 {
            match slow.read(&mut byte) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        assert!(err.is_some(), "9 bytes on one line passed an 8-byte limit");
    }
}
