//! The VCD tokenizer: whitespace-separated tokens as ranges of one growable byte buffer, so
//! memory stays at the buffer size whatever the file size and a token costs no allocation.

use super::chars::WS;
use crate::error::Location;
use crate::TraceError;
use std::io::Read;
use std::path::PathBuf;

/// Bytes asked from the input per read.
const CHUNK: usize = 1 << 20;
/// Largest token accepted (4 MiB: a value of the widest variable is 64 Ki digits); the buffer
/// grows to it only when a token needs it.
const MAX_TOKEN: usize = 4 << 20;

/// A token: the range `start..end` of [`Tokens::buf`].
pub(super) type Span = (usize, usize);

/// The input, its buffer and the position of the next token.
pub(super) struct Tokens<R: Read> {
    src: R,
    /// The file, for messages.
    pub(super) path: PathBuf,
    /// `buf[..end]` holds input not yet consumed from `pos` on.
    pub(super) buf: Vec<u8>,
    pub(super) pos: usize,
    pub(super) end: usize,
    eof: bool,
    /// Line of the byte at `pos` (1-based).
    pub(super) line: u64,
    /// Bytes dropped from the front of `buf` by the last `next_token`.
    pub(super) last_shift: usize,
}

impl<R: Read> Tokens<R> {
    /// Tokens of `src`; `path` is only used in messages.
    pub(super) fn new(src: R, path: PathBuf) -> Tokens<R> {
        Tokens {
            src,
            path,
            buf: vec![0; 2 * CHUNK],
            pos: 0,
            end: 0,
            eof: false,
            line: 1,
            last_shift: 0,
        }
    }

    /// Where the tokenizer stands, for errors.
    pub(super) fn at(&self) -> Location {
        Location {
            file: self.path.clone(),
            line: self.line,
        }
    }

    /// A syntax error at the current line.
    pub(super) fn syntax(&self, expected: impl Into<String>, found: &[u8]) -> TraceError {
        TraceError::syntax(&self.path, self.line, expected, found)
    }

    /// The input ended inside `context`.
    pub(super) fn truncated(&self, context: impl Into<String>) -> TraceError {
        TraceError::Truncated {
            at: self.at(),
            context: context.into(),
        }
    }

    /// Moves `buf[from..end]` to the front and reads more input behind it.
    pub(super) fn refill(&mut self, from: usize) -> Result<(), TraceError> {
        if from > 0 {
            self.buf.copy_within(from..self.end, 0);
            self.end -= from;
            self.pos -= from;
            self.last_shift += from;
        }
        if self.end == self.buf.len() {
            if self.buf.len() >= MAX_TOKEN {
                return Err(self.syntax(
                    format!("a token shorter than {MAX_TOKEN} bytes"),
                    &self.buf[..40],
                ));
            }
            let n = (self.buf.len() * 2).min(MAX_TOKEN);
            self.buf.resize(n, 0);
        }
        let want = (self.end + CHUNK).min(self.buf.len());
        loop {
            match self.src.read(&mut self.buf[self.end..want]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(TraceError::Io {
                        path: self.path.clone(),
                        source,
                    })
                }
            }
        }
    }

    /// The next whitespace-separated token as a range of `buf`. Bytes from `keep` on stay in
    /// the buffer; `last_shift` tells the caller how far they moved.
    pub(super) fn next_token(&mut self, keep: usize) -> Result<Option<Span>, TraceError> {
        self.last_shift = 0;
        let mut keep = keep;
        loop {
            while self.pos < self.end {
                let b = self.buf[self.pos];
                if b == b'\n' {
                    self.line += 1;
                } else if !WS[b as usize] {
                    break;
                }
                self.pos += 1;
            }
            if self.pos < self.end {
                break;
            }
            if self.eof {
                return Ok(None);
            }
            let before = self.last_shift;
            self.refill(keep.min(self.pos))?;
            keep = keep.saturating_sub(self.last_shift - before);
        }
        let mut start = self.pos;
        let mut p = self.pos + 1;
        loop {
            while p < self.end && !WS[self.buf[p] as usize] {
                p += 1;
            }
            if p < self.end || self.eof {
                self.pos = p;
                return Ok(Some((start, p)));
            }
            let before = self.last_shift;
            self.pos = p;
            self.refill(keep.min(start))?;
            let d = self.last_shift - before;
            start -= d;
            p -= d;
            keep = keep.saturating_sub(d);
        }
    }

    /// The bytes of token `t`.
    pub(super) fn text(&self, t: Span) -> &[u8] {
        &self.buf[t.0..t.1]
    }

    /// Tokens up to `$end`, for header commands.
    pub(super) fn tokens_to_end(&mut self, what: &str) -> Result<Vec<Vec<u8>>, TraceError> {
        let mut out = Vec::new();
        loop {
            let Some(t) = self.next_token(usize::MAX)? else {
                return Err(self.truncated(format!("{what} without $end")));
            };
            let text = self.text(t);
            if text == b"$end" {
                return Ok(out);
            }
            out.push(text.to_vec());
        }
    }

    /// The next token of the value changes: the hot path of [`Self::next_token`], for a token
    /// that lies wholly inside the buffer (the common case), else the general one.
    #[inline(always)]
    pub(super) fn next_body_token(&mut self) -> Result<Option<Span>, TraceError> {
        let end = self.end;
        let buf = &self.buf[..end];
        let mut p = self.pos;
        let mut lines = 0;
        while p < end {
            let b = buf[p];
            if !WS[b as usize] {
                break;
            }
            lines += u64::from(b == b'\n');
            p += 1;
        }
        self.line += lines;
        let mut q = p;
        if p + 8 <= end {
            // Eight bytes at once: the first byte below 0x21 (every whitespace byte is) ends the
            // token; ids and scalar changes are short.
            let w = u64::from_le_bytes(buf[p..p + 8].try_into().unwrap_or([0; 8]));
            let m = w.wrapping_sub(0x2121_2121_2121_2121) & !w & 0x8080_8080_8080_8080;
            if m != 0 {
                q = p + (m.trailing_zeros() / 8) as usize;
            }
        }
        // Whatever the quick scan found must be real whitespace; else scan slowly.
        if q == p || !WS[buf[q] as usize] {
            q = p;
            while q < end && !WS[buf[q] as usize] {
                q += 1;
            }
        }
        if q < end {
            self.pos = q;
            Ok(Some((p, q)))
        } else {
            self.pos = p;
            self.next_token(usize::MAX)
        }
    }
}
