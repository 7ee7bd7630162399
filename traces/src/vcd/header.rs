//! The VCD header: `$timescale`, scopes, `$var` declarations and the notes kept from `$date`,
//! `$version` and `$comment`; what real tools write around them (sigrok's `META` line, a missing
//! `$enddefinitions`, ChipScoPy's sample-numbered dumps) is tolerated and noted.

use super::ids::IdEntry;
use super::reader::VcdReader;
use super::timescale::{timescale_display, unit_fs};
use crate::{SignalId, SignalInfo, TimeBase, TraceError, VarKind};
use std::io::Read;

/// The widest `$var` accepted, in bits (64 Ki; an ILA probe is at most 4096 bits, the widest MIG
/// bus 72): a declared width is checked before anything is sized from it.
pub const MAX_VAR_WIDTH: u32 = 65_536;
/// The largest `$var` range index accepted, in magnitude: a range such as
/// `dq [100000000:99999999]` is no bus a capture holds, and would size per-bit tables from the
/// file's numbers (issue 19).
pub const MAX_RANGE_INDEX: i64 = MAX_VAR_WIDTH as i64;
/// The longest id code accepted, in bytes (simulators use 1 to 6).
pub const MAX_ID_BYTES: usize = 64;
/// The longest hierarchical signal name accepted, in bytes (scopes included).
pub const MAX_NAME_BYTES: usize = 16 << 10;
/// The most `$var` declarations accepted (a whole-chip dump has some hundred thousand).
pub const MAX_SIGNALS: usize = 4 << 20;
/// Longest note kept from a `$comment`/`$date`/`$version` text.
const MAX_NOTE: usize = 200;
/// How many non-VCD tokens may precede the header (sigrok's `META samplerate: ...` line) before
/// the file is judged not to be a VCD at all.
const MAX_JUNK_TOKENS: usize = 64;
/// Femtoseconds in the largest accepted timescale (100 s).
const MAX_TIMESCALE_FS: u64 = 100_000_000_000_000_000;

/// What the header has shown so far.
#[derive(Default)]
struct HeaderState {
    /// The open `$scope`s, outermost first.
    scopes: Vec<String>,
    seen_keyword: bool,
    /// Non-VCD words before the first keyword, and the line of the first.
    junk_tokens: usize,
    junk_line: u64,
    timescale_seen: bool,
    /// A `$version` naming ChipScoPy (sample-numbered times).
    chipscopy: bool,
}

impl<R: Read> VcdReader<R> {
    /// Reads the header up to `$enddefinitions` (or the first timestamp when it is missing).
    pub(super) fn read_header(&mut self) -> Result<(), TraceError> {
        let mut st = HeaderState::default();
        // A UTF-8 byte order mark is skipped; Windows tools write one.
        if self.tok.end == 0 {
            self.tok.refill(0)?;
        }
        if self.tok.buf[..self.tok.end].starts_with(&[0xef, 0xbb, 0xbf]) {
            self.tok.pos = 3;
        }
        loop {
            let Some(t) = self.tok.next_token(usize::MAX)? else {
                if !st.seen_keyword && st.junk_tokens == 0 {
                    return Err(self.tok.truncated("empty file, expected a VCD header"));
                }
                return Err(self.tok.truncated("header without $enddefinitions"));
            };
            let text = self.tok.text(t);
            if text[0] != b'$' {
                if !st.seen_keyword {
                    // Text before the first keyword: sigrok writes `META samplerate: ...`.
                    if st.junk_tokens >= MAX_JUNK_TOKENS
                        || !text.iter().all(|c| (0x21..0x7f).contains(c))
                    {
                        return Err(self.tok.syntax(
                            "a VCD header keyword ($date, $version, $timescale, $scope, $var)",
                            text,
                        ));
                    }
                    if st.junk_tokens == 0 {
                        st.junk_line = self.tok.line;
                    }
                    st.junk_tokens += 1;
                    continue;
                }
                if text[0] == b'#' && !self.header.signals.is_empty() {
                    // Migen and some scripts omit $enddefinitions.
                    self.warnings.note(format!(
                        "no $enddefinitions: header ended at the first timestamp (line {})",
                        self.tok.line
                    ));
                    self.pushback = Some(t);
                    break;
                }
                return Err(self.tok.syntax("a $keyword in the VCD header", text));
            }
            let kw = text.to_vec();
            if !st.seen_keyword && st.junk_tokens > 0 {
                self.warnings.note(format!(
                    "skipped {} words of non-VCD text before the header (line {})",
                    st.junk_tokens, st.junk_line
                ));
            }
            st.seen_keyword = true;
            if self.header_command(&kw, &mut st)? {
                break;
            }
        }
        if st.chipscopy {
            // ChipScoPy numbers samples, whatever its $timescale says.
            self.header.time_base = TimeBase::Samples;
            self.mult = 1;
            self.header.timescale_text = Some("sample index (ChipScoPy ILA)".into());
        } else if !st.timescale_seen {
            self.header.time_base = TimeBase::Samples;
            self.mult = 1;
            self.warnings
                .note("no $timescale: times are the file's raw units");
        }
        self.wanted = vec![true; self.header.signals.len()];
        self.refresh_entries();
        Ok(())
    }

    /// Reads one header command `kw` up to its `$end`; true for `$enddefinitions`.
    fn header_command(&mut self, kw: &[u8], st: &mut HeaderState) -> Result<bool, TraceError> {
        match kw {
            b"$enddefinitions" => {
                self.tok.tokens_to_end("$enddefinitions")?;
                return Ok(true);
            }
            b"$date" => {
                let toks = self.tok.tokens_to_end("$date")?;
                let n = note_text("date", &toks);
                self.header.notes.push(n);
            }
            b"$version" => {
                let toks = self.tok.tokens_to_end("$version")?;
                let n = note_text("version", &toks);
                st.chipscopy |= n.contains("ChipScoPy");
                self.header.notes.push(n);
            }
            b"$comment" => {
                let toks = self.tok.tokens_to_end("$comment")?;
                let n = note_text("comment", &toks);
                self.header.notes.push(n);
            }
            b"$timescale" => {
                let toks = self.tok.tokens_to_end("$timescale")?;
                self.mult = self.parse_timescale(&toks)?;
                self.header.timescale_text = Some(timescale_display(self.mult));
                st.timescale_seen = true;
            }
            b"$scope" => {
                let toks = self.tok.tokens_to_end("$scope")?;
                let name = toks
                    .get(1..)
                    .unwrap_or(&[])
                    .iter()
                    .map(|t| String::from_utf8_lossy(t).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ");
                st.scopes.push(unescape(&name).to_string());
            }
            b"$upscope" => {
                self.tok.tokens_to_end("$upscope")?;
                if st.scopes.pop().is_none() {
                    self.warnings
                        .note(format!("$upscope without $scope (line {})", self.tok.line));
                }
            }
            b"$var" => {
                let toks = self.tok.tokens_to_end("$var")?;
                self.declare_var(&st.scopes, &toks)?;
            }
            _ => {
                self.tok.tokens_to_end("header command")?;
                self.warnings.note(format!(
                    "ignored header command {}",
                    String::from_utf8_lossy(kw)
                ));
            }
        }
        Ok(false)
    }

    /// Femtoseconds per time unit from a `$timescale` text (`1 ns`, `10ps`).
    fn parse_timescale(&self, toks: &[Vec<u8>]) -> Result<u64, TraceError> {
        let text: Vec<u8> = toks.concat();
        let expected = "a timescale like `1 ns` or `10ps` between 1 fs and 100 s";
        let digits = text.iter().take_while(|c| c.is_ascii_digit()).count();
        let n: u64 = std::str::from_utf8(&text[..digits])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| self.tok.syntax(expected, &text))?;
        let unit = std::str::from_utf8(&text[digits..])
            .ok()
            .and_then(unit_fs)
            .ok_or_else(|| self.tok.syntax(expected, &text))?;
        match n.checked_mul(unit) {
            Some(fs) if (1..=MAX_TIMESCALE_FS).contains(&fs) => Ok(fs),
            _ => Err(self.tok.syntax(expected, &text)),
        }
    }

    /// Adds one `$var` (`<type> <width> <id> <reference>`) under the open scopes.
    fn declare_var(&mut self, scopes: &[String], toks: &[Vec<u8>]) -> Result<(), TraceError> {
        let found = || toks.join(&b' ');
        if toks.len() < 4 {
            return Err(self.tok.syntax(
                "`$var <type> <width> <id> <name> $end`",
                &[b"$var ".as_slice(), &found()].concat(),
            ));
        }
        let kind = match toks[0].to_ascii_lowercase().as_slice() {
            b"real" | b"realtime" | b"real_parameter" | b"shortreal" => VarKind::Real,
            b"string" => VarKind::Str,
            b"event" => VarKind::Event,
            _ => VarKind::Bits,
        };
        let width: u32 = std::str::from_utf8(&toks[1])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| self.tok.syntax("a decimal width in $var", &toks[1]))?;
        if width > MAX_VAR_WIDTH {
            return Err(self.tok.syntax(
                format!("a $var width of at most {MAX_VAR_WIDTH} bits (the limit)"),
                &toks[1],
            ));
        }
        let id = &toks[2];
        if id.iter().any(|c| !(33..=126).contains(c)) {
            return Err(self.tok.syntax("an id code of printable characters", id));
        }
        if id.len() > MAX_ID_BYTES {
            return Err(self.tok.syntax(
                format!("an id code of at most {MAX_ID_BYTES} bytes (the limit)"),
                &id[..MAX_ID_BYTES],
            ));
        }
        if self.header.signals.len() >= MAX_SIGNALS {
            return Err(self.tok.syntax(
                format!("at most {MAX_SIGNALS} $var declarations (the limit)"),
                b"$var",
            ));
        }
        let (name, range) = split_reference(&toks[3..]);
        if let Some((msb, lsb)) = range {
            if msb.abs().max(lsb.abs()) > MAX_RANGE_INDEX {
                return Err(self.tok.syntax(
                    format!("a $var range with indices of at most {MAX_RANGE_INDEX} (the limit)"),
                    format!("{name} [{msb}:{lsb}]").as_bytes(),
                ));
            }
        }
        let full = scopes
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_str())
            .chain(std::iter::once(name.as_str()))
            .collect::<Vec<_>>()
            .join("/");
        if full.len() > MAX_NAME_BYTES {
            return Err(self.tok.syntax(
                format!("a signal name of at most {MAX_NAME_BYTES} bytes (the limit)"),
                &full.as_bytes()[..40],
            ));
        }
        let sig_width = match kind {
            VarKind::Bits => width,
            _ => 1,
        };
        let sid = self.header.signals.len() as SignalId;
        self.header.signals.push(SignalInfo {
            source_name: full,
            width: sig_width,
            kind,
            range,
        });
        match self.ids.get(id) {
            Some(e) => {
                let entry = &mut self.entries[e as usize];
                if entry.width != width || entry.kind != kind {
                    self.warnings.note(format!(
                        "id code {} declared with different widths/types; the first declaration wins",
                        String::from_utf8_lossy(id)
                    ));
                }
                entry.aliases.push(sid);
            }
            None => {
                let e = self.entries.len() as u32;
                self.entries.push(IdEntry {
                    width,
                    kind,
                    aliases: vec![sid],
                    wanted: true,
                    single: true,
                    first: sid,
                });
                self.ids.insert(id, e);
            }
        }
        Ok(())
    }
}

/// A header note: `label: ` and the command's words, at most [`MAX_NOTE`] characters.
fn note_text(label: &str, tokens: &[Vec<u8>]) -> String {
    let joined = tokens
        .iter()
        .map(|t| String::from_utf8_lossy(t))
        .collect::<Vec<_>>()
        .join(" ");
    let mut s: String = joined.chars().take(MAX_NOTE).collect();
    if !label.is_empty() {
        s = format!("{label}: {s}");
    }
    s
}

/// `\name\` (Vivado) and `\name` (Verilog escaped identifier) without the escape characters.
fn unescape(name: &str) -> &str {
    match name.strip_prefix('\\') {
        Some(rest) => rest.strip_suffix('\\').unwrap_or(rest),
        None => name,
    }
}

/// `[msb:lsb]` as a pair of indices.
fn parse_range(s: &str) -> Option<(i64, i64)> {
    let inner = s.strip_prefix('[')?.strip_suffix(']')?;
    let (a, b) = inner.split_once(':')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

/// The reference part of a `$var` (`dq[15:0]`, `tap [5:0]`, `dq[3]`, `\<const0>\`) as a name
/// (bit selects kept, as written) and a declared range.
fn split_reference(toks: &[Vec<u8>]) -> (String, Option<(i64, i64)>) {
    let strs: Vec<String> = toks
        .iter()
        .map(|t| String::from_utf8_lossy(t).into_owned())
        .collect();
    let (name_toks, index) = if strs.len() >= 2 && strs[strs.len() - 1].starts_with('[') {
        (&strs[..strs.len() - 1], Some(strs[strs.len() - 1].as_str()))
    } else {
        (&strs[..], None)
    };
    let joined = name_toks.join(" ");
    let escaped = joined.starts_with('\\');
    let name = unescape(&joined).to_string();
    match index {
        Some(ix) => match parse_range(ix) {
            Some(r) => (name, Some(r)),
            None => (format!("{name}{ix}"), None),
        },
        None if !escaped && name.ends_with(']') => match name.rfind('[') {
            Some(p) if p > 0 => match parse_range(&name[p..]) {
                Some(r) => (name[..p].to_string(), Some(r)),
                None => (name, None),
            },
            _ => (name, None),
        },
        None => (name, None),
    }
}
