//! VCD writer: `/`-separated names become nested `$scope module` sections, id codes are the
//! shortest printable codes in declaration order, and `#t` is written only when time advances.

use super::timescale::timescale_text;
use crate::{SignalInfo, Time, TraceError, ValueRef, VarKind};
use std::io::Write;
use std::path::PathBuf;

/// Flush the internal buffer to the output past this many bytes.
const FLUSH_AT: usize = 1 << 16;

/// The id code of the `n`th variable: bijective base 94 over `!`..`~`, so codes are as short
/// as possible and never repeat.
fn id_code(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        out.push(b'!' + (n % 94) as u8);
        n /= 94;
        if n == 0 {
            return out;
        }
        n -= 1;
    }
}

/// Streams a VCD out. Signal names containing `/` become nested `$scope module` sections.
pub struct VcdWriter<W: Write> {
    out: W,
    buf: Vec<u8>,
    timescale_fs: u64,
    ids: Vec<Vec<u8>>,
    signals: Vec<(u32, VarKind)>,
    /// Time of the last change written (in fs), `None` before the first.
    time: Option<Time>,
    in_dumpvars: bool,
}

fn invalid(msg: String) -> TraceError {
    TraceError::Io {
        path: PathBuf::from("<VCD output>"),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, msg),
    }
}

impl<W: Write> VcdWriter<W> {
    /// Writes the header. `timescale_fs` is the VCD time unit in femtoseconds (1, 1000, ...);
    /// every time passed to [`VcdWriter::change`] is in femtoseconds and must be a multiple of it.
    ///
    /// Signals are declared in the order given, so a reader numbers them the same way; a scope
    /// is re-opened when a later signal returns to it (legal VCD, merged by every viewer).
    pub fn new(out: W, timescale_fs: u64, signals: &[SignalInfo]) -> Result<Self, TraceError> {
        let ts = timescale_text(timescale_fs).ok_or_else(|| {
            invalid(format!(
                "VCD timescale must be 1, 10 or 100 fs/ps/ns/us/ms/s, got {timescale_fs} fs"
            ))
        })?;
        let mut w = VcdWriter {
            out,
            buf: Vec::with_capacity(FLUSH_AT * 2),
            timescale_fs,
            ids: Vec::with_capacity(signals.len()),
            signals: Vec::with_capacity(signals.len()),
            time: None,
            in_dumpvars: false,
        };
        // No wall-clock date: the same input must give byte-identical output.
        w.buf.extend_from_slice(b"$date\n  (not recorded)\n$end\n");
        w.buf.extend_from_slice(
            format!(
                "$version\n  migcal {}\n$end\n$timescale\n  {ts}\n$end\n",
                env!("CARGO_PKG_VERSION")
            )
            .as_bytes(),
        );
        let mut open: Vec<&str> = Vec::new();
        for (n, s) in signals.iter().enumerate() {
            let parts: Vec<&str> = s.source_name.split('/').collect();
            if parts
                .iter()
                .any(|p| p.is_empty() || p.bytes().any(|c| !(33..=126).contains(&c)))
            {
                return Err(invalid(format!(
                    "signal name {:?} cannot be written to VCD (empty scope or non-printable/space characters)",
                    s.source_name
                )));
            }
            let (scopes, leaf) = parts.split_at(parts.len() - 1);
            let common = open.iter().zip(scopes).take_while(|(a, b)| a == b).count();
            for _ in common..open.len() {
                w.buf.extend_from_slice(b"$upscope $end\n");
            }
            open.truncate(common);
            for sc in &scopes[common..] {
                w.buf
                    .extend_from_slice(format!("$scope module {sc} $end\n").as_bytes());
                open.push(sc);
            }
            let id = id_code(n);
            let (ty, width) = match s.kind {
                VarKind::Bits => ("wire", s.width),
                VarKind::Real => ("real", 64),
                VarKind::Str => ("string", 1),
                VarKind::Event => ("event", 1),
            };
            if s.kind == VarKind::Bits && s.width == 0 {
                return Err(invalid(format!("signal {:?} has width 0", s.source_name)));
            }
            let range = match s.range {
                Some((m, l)) if s.kind == VarKind::Bits => format!(" [{m}:{l}]"),
                _ => String::new(),
            };
            w.buf.extend_from_slice(
                format!(
                    "$var {ty} {width} {} {}{range} $end\n",
                    String::from_utf8_lossy(&id),
                    leaf[0]
                )
                .as_bytes(),
            );
            w.ids.push(id);
            w.signals.push((s.width, s.kind));
        }
        for _ in 0..open.len() {
            w.buf.extend_from_slice(b"$upscope $end\n");
        }
        w.buf.extend_from_slice(b"$enddefinitions $end\n");
        w.flush_if_full()?;
        Ok(w)
    }

    /// The output (bytes still buffered in the writer are not in it yet).
    pub(crate) fn out_ref(&self) -> &W {
        &self.out
    }

    /// Bytes buffered and not yet written to the output.
    pub(crate) fn pending_len(&self) -> usize {
        self.buf.len()
    }

    fn flush_if_full(&mut self) -> Result<(), TraceError> {
        if self.buf.len() >= FLUSH_AT {
            self.flush_buf()?;
        }
        Ok(())
    }

    fn flush_buf(&mut self) -> Result<(), TraceError> {
        self.out
            .write_all(&self.buf)
            .map_err(|source| TraceError::Io {
                path: PathBuf::from("<VCD output>"),
                source,
            })?;
        self.buf.clear();
        Ok(())
    }

    /// Records a change of signal `id` (its index in `signals`) at `time` (fs, non-decreasing).
    /// Changes at time 0 form the `$dumpvars` section (the initial values).
    pub fn change(&mut self, time: Time, id: u32, value: ValueRef<'_>) -> Result<(), TraceError> {
        let &(width, kind) = self
            .signals
            .get(id as usize)
            .ok_or_else(|| invalid(format!("signal id {id} was not declared")))?;
        if time.checked_rem(self.timescale_fs) != Some(0) {
            return Err(invalid(format!(
                "time {time} fs is not a multiple of the timescale ({} fs)",
                self.timescale_fs
            )));
        }
        // Check the value before writing anything, so a rejected change leaves no trace.
        match (value, kind) {
            (ValueRef::Bits(b), VarKind::Bits | VarKind::Event) => {
                if b.len() != width as usize
                    || !b.iter().all(|c| matches!(c, b'0' | b'1' | b'x' | b'z'))
                {
                    return Err(invalid(format!(
                        "value {:?} of signal {id} is not {width} characters of 0 1 x z",
                        String::from_utf8_lossy(b)
                    )));
                }
            }
            (ValueRef::Real(_), VarKind::Real) => {}
            (ValueRef::Str(s), VarKind::Str) => {
                if s.is_empty() || s.bytes().any(|c| !(33..=126).contains(&c)) {
                    return Err(invalid(format!(
                        "string value {s:?} of signal {id} is empty or has spaces/non-printable characters"
                    )));
                }
            }
            _ => {
                return Err(invalid(format!(
                    "value kind does not match the declared kind of signal {id}"
                )))
            }
        }
        match self.time {
            None => {
                self.buf.extend_from_slice(b"#0\n$dumpvars\n");
                self.in_dumpvars = true;
                self.time = Some(0);
            }
            Some(t) if time < t => {
                return Err(invalid(format!(
                    "time goes backwards: {time} fs after {t} fs"
                )))
            }
            _ => {}
        }
        if Some(time) != self.time {
            if self.in_dumpvars {
                self.buf.extend_from_slice(b"$end\n");
                self.in_dumpvars = false;
            }
            self.timestamp(time);
        }
        match value {
            ValueRef::Bits(b) if b.len() == 1 => self.buf.push(b[0]),
            ValueRef::Bits(b) => {
                self.buf.push(b'b');
                self.buf.extend_from_slice(b);
                self.buf.push(b' ');
            }
            ValueRef::Real(r) => self.buf.extend_from_slice(format!("r{r:?} ").as_bytes()),
            ValueRef::Str(s) => {
                self.buf.push(b's');
                self.buf.extend_from_slice(s.as_bytes());
                self.buf.push(b' ');
            }
        }
        let idc = &self.ids[id as usize];
        self.buf.extend_from_slice(idc);
        self.buf.push(b'\n');
        self.flush_if_full()
    }

    /// Marks that the capture runs to `time` (fs) even if nothing changes there, with a bare
    /// timestamp, so a reader knows a quiet end of the run from a short file. Times at or before
    /// the last timestamp written are ignored.
    pub fn end_at(&mut self, time: Time) -> Result<(), TraceError> {
        if self.time.is_some_and(|t| time <= t) || time.checked_rem(self.timescale_fs) != Some(0) {
            return Ok(());
        }
        if self.in_dumpvars {
            self.buf.extend_from_slice(b"$end\n");
            self.in_dumpvars = false;
        }
        self.timestamp(time);
        self.flush_if_full()
    }

    /// Writes `#<time in file units>` and makes `time` the current time. itoa rather than
    /// `format!`: the model's pads change every quarter clock, so a trace is mostly timestamps,
    /// and a `format!` per timestamp (an allocation and the formatting machinery) was a third of
    /// `simulate -o`'s CPU.
    fn timestamp(&mut self, time: Time) {
        self.buf.push(b'#');
        self.buf.extend_from_slice(
            itoa::Buffer::new()
                .format(time / self.timescale_fs)
                .as_bytes(),
        );
        self.buf.push(b'\n');
        self.time = Some(time);
    }

    /// Flushes and returns the output.
    pub fn finish(mut self) -> Result<W, TraceError> {
        if self.in_dumpvars {
            self.buf.extend_from_slice(b"$end\n");
        }
        self.flush_buf()?;
        self.out.flush().map_err(|source| TraceError::Io {
            path: PathBuf::from("<VCD output>"),
            source,
        })?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn end_at_writes_a_bare_final_timestamp() {
        use crate::{SignalInfo, ValueRef, VarKind};
        let sig = [SignalInfo {
            source_name: "tb/a".into(),
            width: 1,
            kind: VarKind::Bits,
            range: None,
        }];
        let mut w = super::VcdWriter::new(Vec::new(), 1000, &sig).unwrap();
        w.change(0, 0, ValueRef::Bits(b"0")).unwrap();
        w.change(5000, 0, ValueRef::Bits(b"1")).unwrap();
        w.end_at(3000).unwrap();
        w.end_at(600_000).unwrap();
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        assert!(text.ends_with("#5\n1!\n#600\n"), "{text}");
    }

    use super::*;

    #[test]
    fn id_codes_are_short_and_unique() {
        let codes: std::collections::HashSet<_> = (0..20_000).map(id_code).collect();
        assert_eq!(codes.len(), 20_000);
        assert_eq!(id_code(0), b"!");
        assert_eq!(id_code(93), b"~");
        assert_eq!(id_code(94).len(), 2);
    }

    #[test]
    fn timescales() {
        assert_eq!(timescale_text(1).as_deref(), Some("1fs"));
        assert_eq!(timescale_text(10_000).as_deref(), Some("10ps"));
        assert_eq!(
            timescale_text(100_000_000_000_000_000).as_deref(),
            Some("100s")
        );
        assert_eq!(timescale_text(3), None);
    }
}
