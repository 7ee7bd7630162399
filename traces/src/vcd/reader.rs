//! Streaming VCD reader: the value changes after the header, handed out without allocation
//! from the tokenizer's buffer (or a scratch buffer for values that need extending or folding).

use super::chars::{all_four_state, is_nine_state, FOLD};
use super::ids::{IdEntry, IdTable};
use super::tokens::{Span, Tokens};
use crate::{
    ChangeRef, ChangeSource, Header, SignalId, Time, TimeBase, TraceError, ValueRef, VarKind,
    Warnings,
};
use std::io::Read;
use std::path::Path;

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
    pub(super) tok: Tokens<R>,
    pub(super) header: Header,
    pub(super) warnings: Warnings,
    pub(super) ids: IdTable,
    pub(super) entries: Vec<IdEntry>,
    pub(super) wanted: Vec<bool>,
    /// Femtoseconds per file time unit (1 for sample-indexed files).
    pub(super) mult: u64,
    time: Time,
    prev_time_text: Vec<u8>,
    scratch: Vec<u8>,
    pending: Option<Pending>,
    pub(super) pushback: Option<Span>,
    progress: Option<crate::io::ReadCounter>,
}
impl<R: Read> VcdReader<R> {
    /// Reads the header from `src`; `path` is only used in messages.
    pub fn new(src: R, path: &Path) -> Result<Self, TraceError> {
        let mut r = VcdReader {
            tok: Tokens::new(src, path.to_path_buf()),
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
            progress: None,
        };
        r.read_header()?;
        Ok(r)
    }

    /// Reports `counter` (the bytes of the input file read) as [`ChangeSource::read_progress`].
    pub fn with_progress(mut self, counter: crate::io::ReadCounter) -> Self {
        self.progress = Some(counter);
        self
    }

    /// Femtoseconds per time unit of the file (1 when times are sample indices).
    pub fn fs_per_unit(&self) -> u64 {
        self.mult
    }

    /// The line the reader has reached (1-based), for messages by callers.
    pub fn line(&self) -> u64 {
        self.tok.line
    }

    /// Takes the timestamp token `t` (`#<number>`, a fraction rounded to femtoseconds).
    fn set_time(&mut self, t: Span) -> Result<(), TraceError> {
        let text = &self.tok.buf[t.0 + 1..t.1];
        let expected = "a timestamp `#<non-negative number>`";
        let mut i = 0;
        let mut int: u128 = 0;
        while i < text.len() && text[i].is_ascii_digit() {
            int = int * 10 + (text[i] - b'0') as u128;
            if int > u64::MAX as u128 {
                return Err(self
                    .tok
                    .syntax("a timestamp below 2^64", &self.tok.buf[t.0..t.1]));
            }
            i += 1;
        }
        if i == 0 {
            return Err(self.tok.syntax(expected, &self.tok.buf[t.0..t.1]));
        }
        let mut fs = int * self.mult as u128;
        if i < text.len() {
            if text[i] != b'.' || !text[i + 1..].iter().all(|c| c.is_ascii_digit()) {
                return Err(self.tok.syntax(expected, &self.tok.buf[t.0..t.1]));
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
            return Err(self
                .tok
                .syntax("a time below 2^64 femtoseconds", &self.tok.buf[t.0..t.1]));
        }
        let fs = fs as u64;
        if fs < self.time {
            return Err(TraceError::TimeBackwards {
                at: self.tok.at(),
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
    /// The declaration of id code token `id`.
    fn lookup(&self, id: Span) -> Result<u32, TraceError> {
        let text = &self.tok.buf[id.0..id.1];
        match self.ids.get(text) {
            Some(e) => Ok(e),
            None => Err(self.undefined_id(text)),
        }
    }

    #[cold]
    fn undefined_id(&self, text: &[u8]) -> TraceError {
        self.tok.syntax("an id code declared by a $var", text)
    }

    /// Normalizes a bit value (`v` = the digits) for an entry of `width` bits.
    fn bits_value(&mut self, entry: u32, v: Span) -> Result<Val, TraceError> {
        let width = self.entries[entry as usize].width as usize;
        let kind = self.entries[entry as usize].kind;
        let digits = &self.tok.buf[v.0..v.1];
        if kind == VarKind::Real || kind == VarKind::Str {
            return Err(self.tok.syntax(
                "a real (r...) or string (s...) value for a real/string $var",
                digits,
            ));
        }
        let n = digits.len();
        if n == 0 {
            return Err(self.tok.syntax("binary digits after `b`", b"b"));
        }
        if n > width {
            return Err(self.tok.syntax(
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
                return Err(self
                    .tok
                    .syntax("value characters 0 1 x z (or VHDL u w - h l)", digits));
            }
            if is_nine_state(c) {
                self.warnings.nine_state_folded += 1;
            }
            self.scratch.push(f);
        }
        Ok(Val::Scratch)
    }

    /// The change of `signal` to the value `val` at the current time.
    fn emit(&self, signal: SignalId, val: Val) -> ChangeRef<'_> {
        let value = match val {
            Val::Buf(s, e) => ValueRef::Bits(&self.tok.buf[s..e]),
            Val::Scratch => ValueRef::Bits(&self.scratch),
            Val::Real(r) => ValueRef::Real(r),
            // Checked UTF-8 when the token was read.
            Val::Str(s, e) => ValueRef::Str(std::str::from_utf8(&self.tok.buf[s..e]).unwrap_or("")),
        };
        ChangeRef {
            time: self.time,
            signal,
            value,
        }
    }

    /// The id code token that must follow a `b`/`r`/`s` value; the value range is kept valid.
    fn id_after_value(&mut self, v: &mut Span, what: &str) -> Result<Span, TraceError> {
        let line = self.tok.line;
        match self.tok.next_token(v.0)? {
            Some(t) => {
                v.0 -= self.tok.last_shift;
                v.1 -= self.tok.last_shift;
                if self.tok.line != line {
                    // The value ended its line: the id code is missing, not on the next line.
                    self.tok.line = line;
                    return Err(self.tok.syntax(
                        format!("an id code after the {what} on the same line"),
                        &self.tok.buf[v.0..v.1],
                    ));
                }
                Ok(t)
            }
            None => Err(self.tok.truncated(format!("{what} without an id code"))),
        }
    }

    /// Skips a body `$command` (and its text up to `$end` for those that have text).
    fn body_command(&mut self, t: Span) -> Result<(), TraceError> {
        match &self.tok.buf[t.0..t.1] {
            b"$dumpvars" | b"$dumpoff" | b"$dumpon" | b"$dumpall" | b"$end" => Ok(()),
            other => {
                let kw = String::from_utf8_lossy(other).into_owned();
                if kw != "$comment" {
                    self.warnings
                        .note(format!("ignored {kw} in the value changes"));
                }
                loop {
                    match self.tok.next_token(usize::MAX)? {
                        Some(t) if &self.tok.buf[t.0..t.1] == b"$end" => return Ok(()),
                        Some(_) => {}
                        None => return Err(self.tok.truncated(format!("{kw} without $end"))),
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
                None => match self.tok.next_body_token()? {
                    Some(t) => t,
                    None => return Ok(None),
                },
            };
            let c = self.tok.buf[t.0];
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
                        value: ValueRef::Bits(&self.tok.buf[t.0..t.0 + 1]),
                    }));
                }
            }
            let Some((entry, val)) = self.token_change(t, c)? else {
                continue;
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

    /// What token `t` (first byte `c`) does outside the scalar hot path: a timestamp or a
    /// `$command` (`None`), or the change of a declaration (`None` when it is not wanted).
    fn token_change(&mut self, t: Span, c: u8) -> Result<Option<(u32, Val)>, TraceError> {
        let (entry, val) = match c {
            b'#' => {
                self.set_time(t)?;
                return Ok(None);
            }
            b'$' => {
                self.body_command(t)?;
                return Ok(None);
            }
            b'b' | b'B' => {
                let mut v = (t.0 + 1, t.1);
                let id = self.id_after_value(&mut v, "vector value")?;
                let e = self.lookup(id)?;
                if !self.entries[e as usize].wanted {
                    return Ok(None);
                }
                if self.entries[e as usize].width == 0 {
                    self.zero_width_note();
                    return Ok(None);
                }
                (e, self.bits_value(e, v)?)
            }
            b'r' | b'R' => {
                let mut v = (t.0 + 1, t.1);
                let id = self.id_after_value(&mut v, "real value")?;
                let e = self.lookup(id)?;
                if !self.entries[e as usize].wanted {
                    return Ok(None);
                }
                let text = &self.tok.buf[v.0..v.1];
                let r: f64 = std::str::from_utf8(text)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| self.tok.syntax("a real number after `r`", text))?;
                if self.entries[e as usize].kind != VarKind::Real {
                    if self.entries[e as usize].width == 0 {
                        self.zero_width_note();
                        return Ok(None);
                    }
                    return Err(self.tok.syntax("a bit value for a non-real $var", text));
                }
                self.warnings.non_bit_values += 1;
                (e, Val::Real(r))
            }
            b's' | b'S' => {
                let mut v = (t.0 + 1, t.1);
                let id = self.id_after_value(&mut v, "string value")?;
                let e = self.lookup(id)?;
                if !self.entries[e as usize].wanted {
                    return Ok(None);
                }
                let text = &self.tok.buf[v.0..v.1];
                if std::str::from_utf8(text).is_err() {
                    return Err(self.tok.syntax("a UTF-8 string after `s`", text));
                }
                if self.entries[e as usize].kind != VarKind::Str {
                    if self.entries[e as usize].width == 0 {
                        self.zero_width_note();
                        return Ok(None);
                    }
                    return Err(self.tok.syntax("a bit value for a non-string $var", text));
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
                    return Ok(None);
                }
                if self.entries[e as usize].width == 0 {
                    self.zero_width_note();
                    return Ok(None);
                }
                (e, self.bits_value(e, v)?)
            }
            _ => {
                return Err(self.tok.syntax(
                    "a timestamp (#...), a value change (0!, b101 !, r1.5 !) or a $command",
                    &self.tok.buf[t.0..t.1],
                ))
            }
        };
        Ok(Some((entry, val)))
    }
    /// Recomputes the per-id-code filter summary after the wanted set changed.
    pub(super) fn refresh_entries(&mut self) {
        for e in &mut self.entries {
            e.refresh(&self.wanted);
        }
    }

    fn zero_width_note(&mut self) {
        self.warnings
            .note("changes of zero-width variables ignored");
    }
}

impl<R: Read> ChangeSource for VcdReader<R> {
    fn read_progress(&self) -> Option<(u64, u64)> {
        self.progress.as_ref().map(|c| (c.read(), c.total()))
    }

    fn worth_reading_ahead(&self) -> bool {
        true
    }

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
