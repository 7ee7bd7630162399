//! Streaming VCD reader: a whitespace tokenizer over one growable byte buffer, so memory stays
//! at the buffer size whatever the file size, and a change costs no allocation.

use crate::error::Location;
use crate::{
    ChangeRef, ChangeSource, Header, SignalId, SignalInfo, Time, TimeBase, TraceError, ValueRef,
    VarKind, Warnings,
};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Bytes asked from the input per read.
const CHUNK: usize = 1 << 20;
/// Largest token accepted (4 MiB: a value of the widest variable is 64 Ki digits); the buffer
/// grows to it only when a token needs it.
const MAX_TOKEN: usize = 4 << 20;
/// The widest `$var` accepted, in bits (64 Ki; an ILA probe is at most 4096 bits, the widest MIG
/// bus 72): a declared width is checked before anything is sized from it.
pub const MAX_VAR_WIDTH: u32 = 65_536;
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

const fn ws_table() -> [bool; 256] {
    let mut t = [false; 256];
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'\n' as usize] = true;
    t[0x0b] = true;
    t[0x0c] = true;
    t
}
static WS: [bool; 256] = ws_table();

/// Value characters mapped onto the 4 states; 0 = not a value character. VHDL's 9 states fold
/// as IEEE 1076.3's `To_X01Z` does: `u w -` unknown, `h l` the driven level.
const fn fold_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    t[b'0' as usize] = b'0';
    t[b'1' as usize] = b'1';
    t[b'x' as usize] = b'x';
    t[b'X' as usize] = b'x';
    t[b'z' as usize] = b'z';
    t[b'Z' as usize] = b'z';
    t[b'u' as usize] = b'x';
    t[b'U' as usize] = b'x';
    t[b'w' as usize] = b'x';
    t[b'W' as usize] = b'x';
    t[b'-' as usize] = b'x';
    t[b'h' as usize] = b'1';
    t[b'H' as usize] = b'1';
    t[b'l' as usize] = b'0';
    t[b'L' as usize] = b'0';
    t
}
static FOLD: [u8; 256] = fold_table();

const fn is4_table() -> [bool; 256] {
    let mut t = [false; 256];
    t[b'0' as usize] = true;
    t[b'1' as usize] = true;
    t[b'x' as usize] = true;
    t[b'z' as usize] = true;
    t
}
/// The characters of a value that needs no folding.
static IS4: [bool; 256] = is4_table();

/// True when every byte is `0 1 x z`; checks 8 bytes at a time for the common all-binary run.
#[inline]
fn all_four_state(digits: &[u8]) -> bool {
    let mut chunks = digits.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
        // `0` and `1` differ only in bit 0.
        if w & 0xfefe_fefe_fefe_fefe != 0x3030_3030_3030_3030 && !c.iter().all(|&b| IS4[b as usize])
        {
            return false;
        }
    }
    chunks.remainder().iter().all(|&b| IS4[b as usize])
}

fn is_nine_state(c: u8) -> bool {
    matches!(
        c,
        b'u' | b'U' | b'w' | b'W' | b'-' | b'h' | b'H' | b'l' | b'L'
    )
}

/// Id codes of up to 3 characters index a dense table (bijective base 95, at most ~860 k slots);
/// longer ones go through a hash map. Writers hand out short codes first, so the map is rare.
#[derive(Default)]
struct IdTable {
    dense: Vec<u32>,
    sparse: HashMap<Box<[u8]>, u32>,
}

const NO_ENTRY: u32 = u32::MAX;

fn dense_key(id: &[u8]) -> Option<usize> {
    let mut k = 0usize;
    for &c in id {
        if !(33..=126).contains(&c) {
            return None;
        }
        k = k * 95 + (c - 32) as usize;
    }
    Some(k)
}

impl IdTable {
    #[inline(always)]
    fn get(&self, id: &[u8]) -> Option<u32> {
        if id.len() == 1 {
            let c = id[0];
            if !(33..=126).contains(&c) {
                return None;
            }
            return match self.dense.get((c - 32) as usize) {
                Some(&e) if e != NO_ENTRY => Some(e),
                _ => None,
            };
        }
        if id.len() <= 3 {
            let k = dense_key(id)?;
            match self.dense.get(k) {
                Some(&e) if e != NO_ENTRY => Some(e),
                _ => None,
            }
        } else {
            self.sparse.get(id).copied()
        }
    }

    fn insert(&mut self, id: &[u8], entry: u32) {
        if id.len() <= 3 {
            if let Some(k) = dense_key(id) {
                if self.dense.len() <= k {
                    self.dense.resize(k + 1, NO_ENTRY);
                }
                self.dense[k] = entry;
                return;
            }
        }
        self.sparse.insert(id.into(), entry);
    }
}

/// One id code of the file: several `$var`s may share it (aliases).
struct IdEntry {
    width: u32,
    kind: VarKind,
    aliases: Vec<SignalId>,
    /// Some alias is wanted.
    wanted: bool,
    /// Exactly one alias is wanted, and it is `first`: the change needs no alias walk.
    single: bool,
    /// The first wanted alias.
    first: SignalId,
}

/// Where the value of the change being handed out lives.
#[derive(Clone, Copy)]
enum Val {
    /// In the input buffer, already 4-state and full width.
    Buf(usize, usize),
    /// In the scratch buffer (extended or folded).
    Scratch,
    Real(f64),
    /// A string value in the input buffer (checked UTF-8).
    Str(usize, usize),
}

/// A change whose id code has further aliases still to be handed out.
struct Pending {
    entry: u32,
    next: usize,
    val: Val,
}

/// Streaming VCD reader over any byte source.
///
/// Tolerated (and counted in [`Warnings`]): VHDL 9-state values, fractional timestamps not
/// representable in femtoseconds, text before the header (sigrok's `META` line), a missing
/// `$enddefinitions` before the first timestamp, unknown `$commands`. Rejected with a
/// [`TraceError`] naming file and line: everything else that is not VCD.
///
/// Values of signals filtered out by [`ChangeSource::set_filter`] are not checked, so the
/// warning counts cover only delivered changes.
pub struct VcdReader<R: Read> {
    src: R,
    path: PathBuf,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    /// Line of the byte at `pos` (1-based).
    line: u64,
    /// Bytes dropped from the front of `buf` by the last `next_token`.
    last_shift: usize,
    header: Header,
    warnings: Warnings,
    ids: IdTable,
    entries: Vec<IdEntry>,
    wanted: Vec<bool>,
    /// Femtoseconds per file time unit (1 for sample-indexed files).
    mult: u64,
    time: Time,
    prev_time_text: Vec<u8>,
    scratch: Vec<u8>,
    pending: Option<Pending>,
    pushback: Option<(usize, usize)>,
}

impl<R: Read> VcdReader<R> {
    /// Reads the header from `src`; `path` is only used in messages.
    pub fn new(src: R, path: &Path) -> Result<Self, TraceError> {
        let mut r = VcdReader {
            src,
            path: path.to_path_buf(),
            buf: vec![0; 2 * CHUNK],
            pos: 0,
            end: 0,
            eof: false,
            line: 1,
            last_shift: 0,
            header: Header {
                signals: Vec::new(),
                time_base: TimeBase::Femtoseconds,
                timescale_text: None,
                notes: Vec::new(),
            },
            warnings: Warnings::default(),
            ids: IdTable::default(),
            entries: Vec::new(),
            wanted: Vec::new(),
            mult: 1,
            time: 0,
            prev_time_text: b"0".to_vec(),
            scratch: Vec::new(),
            pending: None,
            pushback: None,
        };
        r.read_header()?;
        Ok(r)
    }

    /// Femtoseconds per time unit of the file (1 when times are sample indices).
    pub fn fs_per_unit(&self) -> u64 {
        self.mult
    }

    /// The line the reader has reached (1-based), for messages by callers.
    pub fn line(&self) -> u64 {
        self.line
    }

    fn at(&self) -> Location {
        Location {
            file: self.path.clone(),
            line: self.line,
        }
    }

    fn syntax(&self, expected: impl Into<String>, found: &[u8]) -> TraceError {
        TraceError::syntax(&self.path, self.line, expected, found)
    }

    fn truncated(&self, context: impl Into<String>) -> TraceError {
        TraceError::Truncated {
            at: self.at(),
            context: context.into(),
        }
    }

    /// Moves `buf[from..end]` to the front and reads more input behind it.
    fn refill(&mut self, from: usize) -> Result<(), TraceError> {
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
    fn next_token(&mut self, keep: usize) -> Result<Option<(usize, usize)>, TraceError> {
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

    fn token_text(&self, t: (usize, usize)) -> &[u8] {
        &self.buf[t.0..t.1]
    }

    /// Tokens up to `$end`, for header commands.
    fn tokens_to_end(&mut self, what: &str) -> Result<Vec<Vec<u8>>, TraceError> {
        let mut out = Vec::new();
        loop {
            let Some(t) = self.next_token(usize::MAX)? else {
                return Err(self.truncated(format!("{what} without $end")));
            };
            let text = self.token_text(t);
            if text == b"$end" {
                return Ok(out);
            }
            out.push(text.to_vec());
        }
    }

    fn note_text(&mut self, label: &str, tokens: &[Vec<u8>]) -> String {
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

    fn read_header(&mut self) -> Result<(), TraceError> {
        let mut scopes: Vec<String> = Vec::new();
        let mut seen_keyword = false;
        let mut junk_tokens = 0usize;
        let mut junk_line = 0u64;
        let mut timescale_seen = false;
        let mut chipscopy = false;
        // A UTF-8 byte order mark is skipped; Windows tools write one.
        if self.end == 0 {
            self.refill(0)?;
        }
        if self.buf[..self.end].starts_with(&[0xef, 0xbb, 0xbf]) {
            self.pos = 3;
        }
        loop {
            let Some(t) = self.next_token(usize::MAX)? else {
                if !seen_keyword && junk_tokens == 0 {
                    return Err(self.truncated("empty file, expected a VCD header"));
                }
                return Err(self.truncated("header without $enddefinitions"));
            };
            let text = self.token_text(t);
            if text[0] != b'$' {
                if !seen_keyword {
                    // Text before the first keyword: sigrok writes `META samplerate: ...`.
                    if junk_tokens >= MAX_JUNK_TOKENS
                        || !text.iter().all(|c| (0x21..0x7f).contains(c))
                    {
                        return Err(self.syntax(
                            "a VCD header keyword ($date, $version, $timescale, $scope, $var)",
                            text,
                        ));
                    }
                    if junk_tokens == 0 {
                        junk_line = self.line;
                    }
                    junk_tokens += 1;
                    continue;
                }
                if text[0] == b'#' && !self.header.signals.is_empty() {
                    // Migen and some scripts omit $enddefinitions.
                    self.warnings.note(format!(
                        "no $enddefinitions: header ended at the first timestamp (line {})",
                        self.line
                    ));
                    self.pushback = Some(t);
                    break;
                }
                return Err(self.syntax("a $keyword in the VCD header", text));
            }
            let kw = text.to_vec();
            if !seen_keyword && junk_tokens > 0 {
                self.warnings.note(format!(
                    "skipped {junk_tokens} words of non-VCD text before the header (line {junk_line})"
                ));
            }
            seen_keyword = true;
            match kw.as_slice() {
                b"$enddefinitions" => {
                    self.tokens_to_end("$enddefinitions")?;
                    break;
                }
                b"$date" => {
                    let toks = self.tokens_to_end("$date")?;
                    let n = self.note_text("date", &toks);
                    self.header.notes.push(n);
                }
                b"$version" => {
                    let toks = self.tokens_to_end("$version")?;
                    let n = self.note_text("version", &toks);
                    chipscopy |= n.contains("ChipScoPy");
                    self.header.notes.push(n);
                }
                b"$comment" => {
                    let toks = self.tokens_to_end("$comment")?;
                    let n = self.note_text("comment", &toks);
                    self.header.notes.push(n);
                }
                b"$timescale" => {
                    let toks = self.tokens_to_end("$timescale")?;
                    self.mult = self.parse_timescale(&toks)?;
                    self.header.timescale_text = Some(timescale_display(self.mult));
                    timescale_seen = true;
                }
                b"$scope" => {
                    let toks = self.tokens_to_end("$scope")?;
                    let name = toks
                        .get(1..)
                        .unwrap_or(&[])
                        .iter()
                        .map(|t| String::from_utf8_lossy(t).into_owned())
                        .collect::<Vec<_>>()
                        .join(" ");
                    scopes.push(unescape(&name).to_string());
                }
                b"$upscope" => {
                    self.tokens_to_end("$upscope")?;
                    if scopes.pop().is_none() {
                        self.warnings
                            .note(format!("$upscope without $scope (line {})", self.line));
                    }
                }
                b"$var" => {
                    let toks = self.tokens_to_end("$var")?;
                    self.declare_var(&scopes, &toks)?;
                }
                _ => {
                    let toks = self.tokens_to_end("header command")?;
                    drop(toks);
                    self.warnings.note(format!(
                        "ignored header command {}",
                        String::from_utf8_lossy(&kw)
                    ));
                }
            }
        }
        if chipscopy {
            // ChipScoPy numbers samples, whatever its $timescale says.
            self.header.time_base = TimeBase::Samples;
            self.mult = 1;
            self.header.timescale_text = Some("sample index (ChipScoPy ILA)".into());
        } else if !timescale_seen {
            self.header.time_base = TimeBase::Samples;
            self.mult = 1;
            self.warnings
                .note("no $timescale: times are the file's raw units");
        }
        self.wanted = vec![true; self.header.signals.len()];
        self.refresh_entries();
        Ok(())
    }

    fn parse_timescale(&self, toks: &[Vec<u8>]) -> Result<u64, TraceError> {
        let text: Vec<u8> = toks.concat();
        let expected = "a timescale like `1 ns` or `10ps` between 1 fs and 100 s";
        let digits = text.iter().take_while(|c| c.is_ascii_digit()).count();
        let n: u64 = std::str::from_utf8(&text[..digits])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| self.syntax(expected, &text))?;
        let unit = match text[digits..].to_ascii_lowercase().as_slice() {
            b"s" => 1_000_000_000_000_000u64,
            b"ms" => 1_000_000_000_000,
            b"us" => 1_000_000_000,
            b"ns" => 1_000_000,
            b"ps" => 1_000,
            b"fs" => 1,
            _ => return Err(self.syntax(expected, &text)),
        };
        match n.checked_mul(unit) {
            Some(fs) if (1..=MAX_TIMESCALE_FS).contains(&fs) => Ok(fs),
            _ => Err(self.syntax(expected, &text)),
        }
    }

    fn declare_var(&mut self, scopes: &[String], toks: &[Vec<u8>]) -> Result<(), TraceError> {
        let found = || toks.join(&b' ');
        if toks.len() < 4 {
            return Err(self.syntax(
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
            .ok_or_else(|| self.syntax("a decimal width in $var", &toks[1]))?;
        if width > MAX_VAR_WIDTH {
            return Err(self.syntax(
                format!("a $var width of at most {MAX_VAR_WIDTH} bits (the limit)"),
                &toks[1],
            ));
        }
        let id = &toks[2];
        if id.iter().any(|c| !(33..=126).contains(c)) {
            return Err(self.syntax("an id code of printable characters", id));
        }
        if id.len() > MAX_ID_BYTES {
            return Err(self.syntax(
                format!("an id code of at most {MAX_ID_BYTES} bytes (the limit)"),
                &id[..MAX_ID_BYTES],
            ));
        }
        if self.header.signals.len() >= MAX_SIGNALS {
            return Err(self.syntax(
                format!("at most {MAX_SIGNALS} $var declarations (the limit)"),
                b"$var",
            ));
        }
        let (name, range) = split_reference(&toks[3..]);
        let full = scopes
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_str())
            .chain(std::iter::once(name.as_str()))
            .collect::<Vec<_>>()
            .join("/");
        if full.len() > MAX_NAME_BYTES {
            return Err(self.syntax(
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

    fn set_time(&mut self, t: (usize, usize)) -> Result<(), TraceError> {
        let text = &self.buf[t.0 + 1..t.1];
        let expected = "a timestamp `#<non-negative number>`";
        let mut i = 0;
        let mut int: u128 = 0;
        while i < text.len() && text[i].is_ascii_digit() {
            int = int * 10 + (text[i] - b'0') as u128;
            if int > u64::MAX as u128 {
                return Err(self.syntax("a timestamp below 2^64", &self.buf[t.0..t.1]));
            }
            i += 1;
        }
        if i == 0 {
            return Err(self.syntax(expected, &self.buf[t.0..t.1]));
        }
        let mut fs = int * self.mult as u128;
        if i < text.len() {
            if text[i] != b'.' || !text[i + 1..].iter().all(|c| c.is_ascii_digit()) {
                return Err(self.syntax(expected, &self.buf[t.0..t.1]));
            }
            // Exact while the fraction has at most 20 digits; beyond that it is rounded.
            let frac = &text[i + 1..];
            let used = &frac[..frac.len().min(20)];
            let mut num: u128 = 0;
            for &c in used {
                num = num * 10 + (c - b'0') as u128;
            }
            let den = 10u128.pow(used.len() as u32);
            let scaled = num * self.mult as u128;
            let (q, r) = (scaled / den, scaled % den);
            let tail_nonzero = frac[used.len()..].iter().any(|&c| c != b'0');
            if r != 0 || tail_nonzero {
                self.warnings.fractional_times_rounded += 1;
            }
            fs += q + u128::from(2 * r >= den);
        }
        if fs > u64::MAX as u128 {
            return Err(self.syntax("a time below 2^64 femtoseconds", &self.buf[t.0..t.1]));
        }
        let fs = fs as u64;
        if fs < self.time {
            return Err(TraceError::TimeBackwards {
                at: self.at(),
                previous: String::from_utf8_lossy(&self.prev_time_text).into_owned(),
                found: String::from_utf8_lossy(text).into_owned(),
            });
        }
        self.time = fs;
        self.prev_time_text.clear();
        self.prev_time_text.extend_from_slice(text);
        Ok(())
    }

    #[inline(always)]
    fn lookup(&self, id: (usize, usize)) -> Result<u32, TraceError> {
        let text = &self.buf[id.0..id.1];
        match self.ids.get(text) {
            Some(e) => Ok(e),
            None => Err(self.undefined_id(text)),
        }
    }

    #[cold]
    fn undefined_id(&self, text: &[u8]) -> TraceError {
        self.syntax("an id code declared by a $var", text)
    }

    /// Normalizes a bit value (`v` = the digits) for an entry of `width` bits.
    fn bits_value(&mut self, entry: u32, v: (usize, usize)) -> Result<Val, TraceError> {
        let width = self.entries[entry as usize].width as usize;
        let kind = self.entries[entry as usize].kind;
        let digits = &self.buf[v.0..v.1];
        if kind == VarKind::Real || kind == VarKind::Str {
            return Err(self.syntax(
                "a real (r...) or string (s...) value for a real/string $var",
                digits,
            ));
        }
        let n = digits.len();
        if n == 0 {
            return Err(self.syntax("binary digits after `b`", b"b"));
        }
        if n > width {
            return Err(self.syntax(
                format!("a value at most {width} bits wide (as declared)"),
                digits,
            ));
        }
        if n == width && all_four_state(digits) {
            return Ok(Val::Buf(v.0, v.1));
        }
        let pad = match FOLD[digits[0] as usize] {
            b'x' => b'x',
            b'z' => b'z',
            _ => b'0',
        };
        self.scratch.clear();
        self.scratch.resize(width - n, pad);
        for &c in digits {
            let f = FOLD[c as usize];
            if f == 0 {
                return Err(self.syntax("value characters 0 1 x z (or VHDL u w - h l)", digits));
            }
            if is_nine_state(c) {
                self.warnings.nine_state_folded += 1;
            }
            self.scratch.push(f);
        }
        Ok(Val::Scratch)
    }

    fn emit(&self, signal: SignalId, val: Val) -> ChangeRef<'_> {
        let value = match val {
            Val::Buf(s, e) => ValueRef::Bits(&self.buf[s..e]),
            Val::Scratch => ValueRef::Bits(&self.scratch),
            Val::Real(r) => ValueRef::Real(r),
            // Checked UTF-8 when the token was read.
            Val::Str(s, e) => ValueRef::Str(std::str::from_utf8(&self.buf[s..e]).unwrap_or("")),
        };
        ChangeRef {
            time: self.time,
            signal,
            value,
        }
    }

    /// The id code token that must follow a `b`/`r`/`s` value; the value range is kept valid.
    fn id_after_value(
        &mut self,
        v: &mut (usize, usize),
        what: &str,
    ) -> Result<(usize, usize), TraceError> {
        let line = self.line;
        match self.next_token(v.0)? {
            Some(t) => {
                v.0 -= self.last_shift;
                v.1 -= self.last_shift;
                if self.line != line {
                    // The value ended its line: the id code is missing, not on the next line.
                    self.line = line;
                    return Err(self.syntax(
                        format!("an id code after the {what} on the same line"),
                        &self.buf[v.0..v.1],
                    ));
                }
                Ok(t)
            }
            None => Err(self.truncated(format!("{what} without an id code"))),
        }
    }

    /// Skips a body `$command` (and its text up to `$end` for those that have text).
    fn body_command(&mut self, t: (usize, usize)) -> Result<(), TraceError> {
        match &self.buf[t.0..t.1] {
            b"$dumpvars" | b"$dumpoff" | b"$dumpon" | b"$dumpall" | b"$end" => Ok(()),
            other => {
                let kw = String::from_utf8_lossy(other).into_owned();
                if kw != "$comment" {
                    self.warnings
                        .note(format!("ignored {kw} in the value changes"));
                }
                loop {
                    match self.next_token(usize::MAX)? {
                        Some(t) if &self.buf[t.0..t.1] == b"$end" => return Ok(()),
                        Some(_) => {}
                        None => return Err(self.truncated(format!("{kw} without $end"))),
                    }
                }
            }
        }
    }

    fn next_change_inner(&mut self) -> Result<Option<ChangeRef<'_>>, TraceError> {
        if let Some(p) = &mut self.pending {
            let aliases = &self.entries[p.entry as usize].aliases;
            while p.next < aliases.len() {
                let sig = aliases[p.next];
                p.next += 1;
                if self.wanted[sig as usize] {
                    let val = p.val;
                    return Ok(Some(self.emit(sig, val)));
                }
            }
            self.pending = None;
        }
        loop {
            let t = match self.pushback.take() {
                Some(t) => t,
                None => {
                    // Hot path of next_token: the token lies wholly inside the buffer.
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
                        // Eight bytes at once: the first byte below 0x21 (every whitespace
                        // byte is) ends the token; ids and scalar changes are short.
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
                        (p, q)
                    } else {
                        self.pos = p;
                        match self.next_token(usize::MAX)? {
                            Some(t) => t,
                            None => return Ok(None),
                        }
                    }
                }
            };
            let c = self.buf[t.0];
            if matches!(c, b'0' | b'1' | b'x' | b'z') && t.1 > t.0 + 1 {
                // Hot path: a 4-state scalar change of a 1-bit var with one wanted name.
                let e = self.lookup((t.0 + 1, t.1))?;
                let ent = &self.entries[e as usize];
                if !ent.wanted {
                    continue;
                }
                if ent.single
                    && ent.width == 1
                    && matches!(ent.kind, VarKind::Bits | VarKind::Event)
                {
                    return Ok(Some(ChangeRef {
                        time: self.time,
                        signal: ent.first,
                        value: ValueRef::Bits(&self.buf[t.0..t.0 + 1]),
                    }));
                }
            }
            let (entry, val) = match c {
                b'#' => {
                    self.set_time(t)?;
                    continue;
                }
                b'$' => {
                    self.body_command(t)?;
                    continue;
                }
                b'b' | b'B' => {
                    let mut v = (t.0 + 1, t.1);
                    let id = self.id_after_value(&mut v, "vector value")?;
                    let e = self.lookup(id)?;
                    if !self.entries[e as usize].wanted {
                        continue;
                    }
                    if self.entries[e as usize].width == 0 {
                        self.zero_width_note();
                        continue;
                    }
                    (e, self.bits_value(e, v)?)
                }
                b'r' | b'R' => {
                    let mut v = (t.0 + 1, t.1);
                    let id = self.id_after_value(&mut v, "real value")?;
                    let e = self.lookup(id)?;
                    if !self.entries[e as usize].wanted {
                        continue;
                    }
                    let text = &self.buf[v.0..v.1];
                    let r: f64 = std::str::from_utf8(text)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(|| self.syntax("a real number after `r`", text))?;
                    if self.entries[e as usize].kind != VarKind::Real {
                        if self.entries[e as usize].width == 0 {
                            self.zero_width_note();
                            continue;
                        }
                        return Err(self.syntax("a bit value for a non-real $var", text));
                    }
                    self.warnings.non_bit_values += 1;
                    (e, Val::Real(r))
                }
                b's' | b'S' => {
                    let mut v = (t.0 + 1, t.1);
                    let id = self.id_after_value(&mut v, "string value")?;
                    let e = self.lookup(id)?;
                    if !self.entries[e as usize].wanted {
                        continue;
                    }
                    let text = &self.buf[v.0..v.1];
                    if std::str::from_utf8(text).is_err() {
                        return Err(self.syntax("a UTF-8 string after `s`", text));
                    }
                    if self.entries[e as usize].kind != VarKind::Str {
                        if self.entries[e as usize].width == 0 {
                            self.zero_width_note();
                            continue;
                        }
                        return Err(self.syntax("a bit value for a non-string $var", text));
                    }
                    self.warnings.non_bit_values += 1;
                    (e, Val::Str(v.0, v.1))
                }
                _ if FOLD[c as usize] != 0 => {
                    let mut v = (t.0, t.0 + 1);
                    let id = if t.1 > t.0 + 1 {
                        (t.0 + 1, t.1)
                    } else {
                        self.id_after_value(&mut v, "scalar value")?
                    };
                    let e = self.lookup(id)?;
                    if !self.entries[e as usize].wanted {
                        continue;
                    }
                    if self.entries[e as usize].width == 0 {
                        self.zero_width_note();
                        continue;
                    }
                    (e, self.bits_value(e, v)?)
                }
                _ => {
                    return Err(self.syntax(
                        "a timestamp (#...), a value change (0!, b101 !, r1.5 !) or a $command",
                        &self.buf[t.0..t.1],
                    ))
                }
            };
            let ent = &self.entries[entry as usize];
            if ent.single {
                return Ok(Some(self.emit(ent.first, val)));
            }
            let aliases = &ent.aliases;
            let mut i = 0;
            while i < aliases.len() && !self.wanted[aliases[i] as usize] {
                i += 1;
            }
            if i == aliases.len() {
                continue;
            }
            let sig = aliases[i];
            if i + 1 < aliases.len() {
                self.pending = Some(Pending {
                    entry,
                    next: i + 1,
                    val,
                });
            }
            return Ok(Some(self.emit(sig, val)));
        }
    }

    /// Recomputes the per-id-code filter summary after the wanted set changed.
    fn refresh_entries(&mut self) {
        for e in &mut self.entries {
            let mut wanted = e.aliases.iter().filter(|&&s| self.wanted[s as usize]);
            match wanted.next() {
                Some(&first) => {
                    e.wanted = true;
                    e.first = first;
                    e.single = wanted.next().is_none();
                }
                None => {
                    e.wanted = false;
                    e.single = false;
                }
            }
        }
    }

    fn zero_width_note(&mut self) {
        self.warnings
            .note("changes of zero-width variables ignored");
    }
}

impl<R: Read> ChangeSource for VcdReader<R> {
    fn header(&self) -> &Header {
        &self.header
    }

    fn set_filter(&mut self, wanted: &[SignalId]) {
        self.wanted.iter_mut().for_each(|w| *w = false);
        for &s in wanted {
            if let Some(w) = self.wanted.get_mut(s as usize) {
                *w = true;
            }
        }
        self.refresh_entries();
    }

    fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, TraceError> {
        self.next_change_inner()
    }

    fn last_time(&self) -> Time {
        self.time
    }

    fn warnings(&self) -> &Warnings {
        &self.warnings
    }
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

/// `1 fs`, `10 ps`, `100 s` for a timescale in femtoseconds.
fn timescale_display(fs: u64) -> String {
    const UNITS: [(u64, &str); 6] = [
        (1_000_000_000_000_000, "s"),
        (1_000_000_000_000, "ms"),
        (1_000_000_000, "us"),
        (1_000_000, "ns"),
        (1_000, "ps"),
        (1, "fs"),
    ];
    for (u, name) in UNITS {
        if fs.checked_rem(u) == Some(0) {
            return format!("{} {name}", fs / u);
        }
    }
    format!("{fs} fs")
}

#[cfg(test)]
mod tests {
    use super::*;

    type All = (Header, Vec<(Time, SignalId, String)>, Warnings);

    fn read_all(text: &[u8]) -> Result<All, TraceError> {
        let mut r = VcdReader::new(text, Path::new("t.vcd"))?;
        let mut out = Vec::new();
        while let Some(c) = r.next_change()? {
            let v = match c.value {
                ValueRef::Bits(b) => String::from_utf8(b.to_vec()).unwrap(),
                ValueRef::Real(x) => format!("r{x}"),
                ValueRef::Str(s) => format!("s{s}"),
            };
            out.push((c.time, c.signal, v));
        }
        Ok((r.header.clone(), out, r.warnings.clone()))
    }

    #[test]
    fn names_ranges_and_bit_selects() {
        let (h, _, _) = read_all(
            b"$timescale 1ns $end $scope module tb $end $var reg 16 ! dq[15:0] $end \
              $var wire 6 \" tap [5:0] $end $var wire 1 # dq[3] $end $var wire 1 $ \\<const0>\\ $end \
              $upscope $end $enddefinitions $end",
        )
        .unwrap();
        let names: Vec<_> = h.signals.iter().map(|s| s.source_name.as_str()).collect();
        assert_eq!(names, ["tb/dq", "tb/tap", "tb/dq[3]", "tb/<const0>"]);
        assert_eq!(h.signals[0].range, Some((15, 0)));
        assert_eq!(h.signals[1].range, Some((5, 0)));
        assert_eq!(h.signals[2].range, None);
        assert_eq!(h.timescale_text.as_deref(), Some("1 ns"));
    }

    #[test]
    fn extension_folding_and_fractional_time() {
        let (_, ch, w) = read_all(
            b"$timescale 10ps $end $var wire 6 ! v $end $var wire 1 \" s $end $enddefinitions $end\n\
              #0 b1 ! bx ! bz1 ! U\" #1.5 b10 ! H\" #2.0001 b0 !\n",
        )
        .unwrap();
        let vals: Vec<_> = ch.iter().map(|c| (c.0, c.2.as_str())).collect();
        assert_eq!(
            vals,
            [
                (0, "000001"),
                (0, "xxxxxx"),
                (0, "zzzzz1"),
                (0, "x"),
                (15_000, "000010"),
                (15_000, "1"),
                (20_001, "000000")
            ]
        );
        assert_eq!(w.nine_state_folded, 2);
        assert_eq!(w.fractional_times_rounded, 0);
    }

    #[test]
    fn timescale_spellings() {
        for (text, fs, shown) in [
            ("1 ns", 1_000_000, "1 ns"),
            ("10ps", 10_000, "10 ps"),
            ("1fs", 1, "1 fs"),
            ("100 s", 100_000_000_000_000_000, "100 s"),
            ("1 US", 1_000_000_000, "1 us"),
            ("100ms", 100_000_000_000_000, "100 ms"),
        ] {
            let src =
                format!("$timescale {text} $end $var wire 1 ! a $end $enddefinitions $end #3 1!");
            let mut r = VcdReader::new(src.as_bytes(), Path::new("t.vcd")).unwrap();
            assert_eq!(r.fs_per_unit(), fs, "{text}");
            assert_eq!(r.header().timescale_text.as_deref(), Some(shown));
            assert_eq!(r.next_change().unwrap().unwrap().time, 3 * fs);
        }
        for bad in ["0 ns", "1000 s", "1 xs", "ns", "1.5ns"] {
            let src = format!("$timescale {bad} $end $var wire 1 ! a $end $enddefinitions $end");
            assert!(
                VcdReader::new(src.as_bytes(), Path::new("t.vcd")).is_err(),
                "{bad}"
            );
        }
        // #1.5 in a 1 fs file cannot be exact: rounded to 2 fs and counted.
        let src = b"$timescale 1fs $end $var wire 1 ! a $end $enddefinitions $end #1.5 1!";
        let mut r = VcdReader::new(&src[..], Path::new("t.vcd")).unwrap();
        assert_eq!(r.next_change().unwrap().unwrap().time, 2);
        assert_eq!(r.warnings().fractional_times_rounded, 1);
    }

    #[test]
    fn errors_name_the_line() {
        let e = read_all(b"$var wire 1 ! a $end $enddefinitions $end\n#5\n1!\n#3\n").unwrap_err();
        assert!(
            matches!(e, TraceError::TimeBackwards { ref at, .. } if at.line == 4),
            "{e}"
        );
        let e = read_all(b"$var wire 1 ! a $end $enddefinitions $end\n#5\n1?\n").unwrap_err();
        assert!(
            matches!(e, TraceError::Syntax { ref at, .. } if at.line == 3),
            "{e}"
        );
    }
}
