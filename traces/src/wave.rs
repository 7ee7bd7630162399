//! FST (GTKWave's format: Verilator `--trace-fst`, GHDL `--fst`, Icarus `-fst`, nvc, `vcd2fst`)
//! and GHW (GHDL's `--wave`) captures, read through the `wellen` crate (what the Surfer viewer
//! uses), never a parser of our own for a binary format.
//!
//! The hierarchy becomes the same [`Header`] the VCD reader gives (scopes joined with `/`, a
//! declared `[msb:lsb]` as the range, a one-bit select `[n]` kept in the name), and the changes
//! come out in time order with the values folded to 4 states exactly as the VCD reader folds
//! them, so an FST and its `fst2vcd` twin load as identical traces.
//!
//! Memory: the header and the time table (8 bytes per distinct timestamp) are read when the file
//! is opened; a signal's changes are decoded only when the first change is asked for, and only
//! for the signals of [`ChangeSource::set_filter`] (wellen keeps a decoded signal in its compact
//! form, about one to two bytes per change of a one-bit signal). GHW has no index, so wellen reads
//! its whole body once into that compact form.

use crate::error::Location;
use crate::{
    ChangeRef, ChangeSource, Header, SignalId, SignalInfo, Time, TimeBase, TraceError, ValueRef,
    VarKind, Warnings,
};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::{Path, PathBuf};
use wellen::{Hierarchy, ItemRef, SignalEncoding, SignalRef, SignalValueRef};

/// Which of the two formats the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaveFormat {
    /// GTKWave's Fast Signal Trace.
    Fst,
    /// GHDL's native waveform.
    Ghw,
}

impl WaveFormat {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            WaveFormat::Fst => "fst",
            WaveFormat::Ghw => "ghw",
        }
    }
}

/// The FST header block: type byte 0 then its big-endian length, 329 bytes (GTKWave's
/// `fstapi.c`, `FST_HDR_SIM_VERSION_SIZE` and friends).
const FST_HEADER_START: [u8; 9] = [0, 0, 0, 0, 0, 0, 0, 1, 0x49];
/// What every GHW file starts with (GHDL's `grt-waves`).
const GHW_HEADER_START: &[u8] = b"GHDLwave\n";

/// Recognises FST or GHW from the first bytes.
pub fn sniff(first: &[u8]) -> Option<WaveFormat> {
    if first.starts_with(&FST_HEADER_START) {
        Some(WaveFormat::Fst)
    } else if first.starts_with(GHW_HEADER_START) {
        Some(WaveFormat::Ghw)
    } else {
        None
    }
}

/// One capture signal: the wellen signal it reads.
struct Var {
    signal: SignalRef,
}

/// The decoded signals and a merge cursor per signal, built on the first change asked for.
struct Loaded {
    /// Per loaded wellen signal: the signal, and the capture signals reading it.
    signals: Vec<(wellen::Signal, Vec<SignalId>)>,
    /// (time index, position in `signals`, cursor into its time indices), smallest first.
    heap: BinaryHeap<Reverse<(u32, usize, usize)>>,
    /// Changes of the current (time index, signal) still to hand out: (element, alias).
    pending: Option<Pending>,
}

#[derive(Clone, Copy)]
struct Pending {
    slot: usize,
    time_idx: u32,
    element: u16,
    elements: u16,
    alias: usize,
}

/// A streaming view of an FST or GHW capture.
pub struct WaveSource {
    path: PathBuf,
    format: WaveFormat,
    header: Header,
    hierarchy: Hierarchy,
    source: wellen::SignalSource,
    time_table: Vec<u64>,
    vars: Vec<Var>,
    wanted: Option<Vec<SignalId>>,
    loaded: Option<Loaded>,
    /// Femtoseconds per file tick as a fraction.
    scale: (u128, u128),
    warnings: Warnings,
    value: Vec<u8>,
    last_time: Time,
}

/// Runs a wellen call, turning its panics on a damaged file into an error that names the file.
fn guarded<T>(path: &Path, what: &str, f: impl FnOnce() -> T) -> Result<T, TraceError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| p.downcast_ref::<&str>().copied())
            .unwrap_or("no message");
        corrupt(path, format!("the {what} could not be decoded ({msg})"))
    })
}

fn corrupt(path: &Path, found: String) -> TraceError {
    TraceError::Syntax {
        at: Location {
            file: path.to_path_buf(),
            line: 0,
        },
        expected: "a well-formed FST or GHW file".into(),
        found,
    }
}

/// Largest decompression ratio believed of an honest FST block (zlib tops out near 1032:1).
const MAX_FST_RATIO: u64 = 2048;

/// Walks an FST's blocks before wellen sees it: every block must fit in the file, and a
/// block's stated uncompressed size must be one its compressed size can give. fst-reader
/// allocates what these fields say, so a damaged field would otherwise abort the process.
fn check_fst_blocks(path: &Path, shown: &Path) -> Result<(), TraceError> {
    use std::io::{Read, Seek, SeekFrom};
    let io = |source| TraceError::Io {
        path: shown.to_path_buf(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let size = f.metadata().map_err(io)?.len();
    let mut pos = 0u64;
    while pos < size {
        let mut head = [0u8; 17];
        f.seek(SeekFrom::Start(pos)).map_err(io)?;
        let got = f.read(&mut head).map_err(io)?;
        if got < 9 {
            return Err(corrupt(
                shown,
                format!("a block header cut short at byte {pos}"),
            ));
        }
        let kind = head[0];
        let len = u64::from_be_bytes(head[1..9].try_into().unwrap_or([0; 8]));
        if len < 8 || len > size - pos - 1 {
            return Err(corrupt(
                shown,
                format!(
                    "block type {kind} at byte {pos} claims {len} bytes, the file has {}",
                    size - pos - 1
                ),
            ));
        }
        // Hierarchy (4 zlib, 6 LZ4, 7 LZ4 twice) and geometry (3) blocks state their unpacked size.
        if matches!(kind, 3 | 4 | 6 | 7) && got >= 17 {
            let unpacked = u64::from_be_bytes(head[9..17].try_into().unwrap_or([0; 8]));
            if unpacked > len.saturating_mul(MAX_FST_RATIO) + (1 << 20) {
                return Err(corrupt(
                    shown,
                    format!("block type {kind} at byte {pos} claims {unpacked} unpacked bytes from {len}"),
                ));
            }
        }
        pos += 1 + len;
    }
    Ok(())
}

/// Opens an FST or GHW file (plain, seekable) as a change source. `shown` is the name errors
/// use (the user's file, when `path` is a decompressed copy).
pub fn open(path: &Path, shown: &Path, format: WaveFormat) -> Result<WaveSource, TraceError> {
    let opts = wellen::LoadOptions {
        multi_thread: false,
        remove_scopes_with_empty_name: false,
    };
    let what = format.name().to_ascii_uppercase();
    let wellen_err = |e: wellen::WellenError| {
        let text = match e {
            wellen::WellenError::FailedToLoad(_, t) => t,
            other => other.to_string(),
        };
        corrupt(shown, format!("{what} reader stopped: {}", text.trim()))
    };
    match format {
        WaveFormat::Fst => check_fst_blocks(path, shown)?,
        WaveFormat::Ghw => crate::ghw_check::check(path, shown)?,
    }
    let header = guarded(shown, "header", || {
        wellen::viewers::read_header_from_file(path, &opts)
    })?
    .map_err(wellen_err)?;
    let hierarchy = header.hierarchy;
    let body = guarded(shown, "body", || {
        wellen::viewers::read_body(header.body, &hierarchy, None)
    })?
    .map_err(wellen_err)?;
    let mut warnings = Warnings::default();
    let (scale, timescale_text, time_base) = match hierarchy.timescale() {
        Some(ts) => match ts.unit.to_exponent() {
            Some(exp) => {
                let e = i32::from(exp) + 15;
                let f = u128::from(ts.factor.max(1));
                let scale = if e >= 0 {
                    (f * 10u128.pow(e as u32), 1)
                } else {
                    (f, 10u128.pow((-e) as u32))
                };
                (
                    scale,
                    Some(timescale_text(ts.factor, exp)),
                    TimeBase::Femtoseconds,
                )
            }
            None => {
                warnings.note("unknown timescale unit: times are the file's raw units");
                ((1, 1), None, TimeBase::Samples)
            }
        },
        None => {
            warnings.note("no timescale: times are the file's raw units");
            ((1, 1), None, TimeBase::Samples)
        }
    };
    let mut signals = Vec::new();
    let mut vars = Vec::new();
    let mut scopes = Vec::new();
    let items: Vec<ItemRef> = hierarchy.items().collect();
    collect(&hierarchy, &items, &mut scopes, &mut signals, &mut vars);
    let mut notes = Vec::new();
    for (k, v) in [("date", hierarchy.date()), ("version", hierarchy.version())] {
        if !v.trim().is_empty() {
            notes.push(format!("{k}: {}", v.trim()));
        }
    }
    Ok(WaveSource {
        path: shown.to_path_buf(),
        format,
        header: Header {
            signals,
            time_base,
            timescale_text,
            notes,
        },
        hierarchy,
        source: body.source,
        time_table: body.time_table,
        vars,
        wanted: None,
        loaded: None,
        scale,
        warnings,
        value: Vec::new(),
        last_time: 0,
    })
}

fn timescale_text(factor: u32, exp: i8) -> String {
    let unit = match exp {
        -21 => "zs",
        -18 => "as",
        -15 => "fs",
        -12 => "ps",
        -9 => "ns",
        -6 => "us",
        -3 => "ms",
        _ => "s",
    };
    format!("{factor} {unit}")
}

/// Walks the hierarchy in declaration order, naming vars as the VCD reader does.
fn collect(
    h: &Hierarchy,
    items: &[ItemRef],
    scopes: &mut Vec<String>,
    signals: &mut Vec<SignalInfo>,
    vars: &mut Vec<Var>,
) {
    for item in items {
        match *item {
            ItemRef::Scope(s) => {
                let scope = &h[s];
                scopes.push(scope.name(h).to_string());
                let inner: Vec<ItemRef> = scope.items(h).collect();
                collect(h, &inner, scopes, signals, vars);
                scopes.pop();
            }
            ItemRef::Var(v) => {
                let var = &h[v];
                let encoding = var.signal_encoding(h);
                let (kind, width) = match encoding {
                    SignalEncoding::String => (VarKind::Str, 1),
                    SignalEncoding::Real => (VarKind::Real, 1),
                    SignalEncoding::BitVector(0) => (VarKind::Event, 1),
                    SignalEncoding::BitVector(w) => (VarKind::Bits, w),
                };
                let mut name = var.name(h).to_string();
                let mut range = None;
                if let Some(ix) = var.index() {
                    if ix.msb() == ix.lsb() && width == 1 {
                        name.push_str(&format!("[{}]", ix.msb()));
                    } else {
                        range = Some((ix.msb(), ix.lsb()));
                    }
                }
                let full = scopes
                    .iter()
                    .filter(|s| !s.is_empty())
                    .map(String::as_str)
                    .chain(std::iter::once(name.as_str()))
                    .collect::<Vec<_>>()
                    .join("/");
                signals.push(SignalInfo {
                    source_name: full,
                    width,
                    kind,
                    range,
                });
                vars.push(Var {
                    signal: var.signal_ref(),
                });
            }
        }
    }
}

impl WaveSource {
    /// Which format was read.
    pub fn format(&self) -> WaveFormat {
        self.format
    }

    fn load(&mut self) -> Result<(), TraceError> {
        let ids: Vec<SignalId> = match &self.wanted {
            Some(w) => w.clone(),
            None => (0..self.vars.len() as SignalId).collect(),
        };
        let mut refs: Vec<SignalRef> = ids
            .iter()
            .filter_map(|&i| self.vars.get(i as usize).map(|v| v.signal))
            .collect();
        refs.sort();
        refs.dedup();
        let (source, hierarchy) = (&mut self.source, &self.hierarchy);
        let loaded = guarded(&self.path, "signal data", || {
            source.load_signals(&refs, hierarchy, false)
        })?;
        let mut signals: Vec<(wellen::Signal, Vec<SignalId>)> = loaded
            .into_iter()
            .map(|s| {
                let r = s.signal_ref();
                let aliases = ids
                    .iter()
                    .copied()
                    .filter(|&i| self.vars[i as usize].signal == r)
                    .collect();
                (s, aliases)
            })
            .collect();
        // Changes at one instant come out in the order of the capture's signals.
        signals.sort_by_key(|(_, a)| a.first().copied());
        let mut heap = BinaryHeap::new();
        for (slot, (s, _)) in signals.iter().enumerate() {
            if let Some(&t) = s.time_indices().first() {
                heap.push(Reverse((t, slot, 0)));
            }
        }
        self.loaded = Some(Loaded {
            signals,
            heap,
            pending: None,
        });
        Ok(())
    }
}

/// File ticks to femtoseconds, rounding (and counting) what is finer than a femtosecond.
fn ticks_to_fs(scale: (u128, u128), tick: u64, warnings: &mut Warnings) -> Time {
    let (num, den) = scale;
    let v = u128::from(tick) * num;
    if den > 1 && v % den != 0 {
        warnings.fractional_times_rounded += 1;
    }
    u64::try_from((v + den / 2) / den).unwrap_or(u64::MAX)
}

/// The VCD reader's fold of VHDL's 9 states onto 4 (`u w -` unknown, `h l` the driven level).
fn fold(c: char) -> (u8, bool) {
    match c {
        '0' => (b'0', false),
        '1' => (b'1', false),
        'x' | 'X' => (b'x', false),
        'z' | 'Z' => (b'z', false),
        'h' | 'H' => (b'1', true),
        'l' | 'L' => (b'0', true),
        _ => (b'x', true),
    }
}

impl ChangeSource for WaveSource {
    fn header(&self) -> &Header {
        &self.header
    }

    fn set_filter(&mut self, wanted: &[SignalId]) {
        if self.loaded.is_none() {
            self.wanted = Some(wanted.to_vec());
        }
    }

    fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, TraceError> {
        if self.loaded.is_none() {
            self.load()?;
        }
        let Some(loaded) = self.loaded.as_mut() else {
            return Ok(None);
        };
        let p = match loaded.pending {
            Some(p) => p,
            None => {
                let Some(Reverse((time_idx, slot, cursor))) = loaded.heap.pop() else {
                    return Ok(None);
                };
                let signal = &loaded.signals[slot].0;
                let idx = signal.time_indices();
                // GHW: delta cycles at one instant collapse to the value the instant settles
                // on, as GHDL's own VCD writes them (a GHW keeps `U` then the first delta's
                // value at 0 fs). FST: every change is kept, as the VCD reader keeps them.
                let tt = &self.time_table;
                let here = tt.get(time_idx as usize);
                let collapse = self.format == WaveFormat::Ghw;
                let (mut last, mut next) = (time_idx, cursor + 1);
                while let Some(&t) = idx.get(next) {
                    if t != last && !(collapse && tt.get(t as usize) == here) {
                        break;
                    }
                    last = t;
                    next += 1;
                }
                if let Some(&t) = idx.get(next) {
                    loaded.heap.push(Reverse((t, slot, next)));
                }
                let Some(off) = signal.get_offset(last) else {
                    return Err(corrupt(&self.path, "a change without data".into()));
                };
                let elements = off.elements.max(1);
                Pending {
                    slot,
                    time_idx: last,
                    element: if collapse { elements - 1 } else { 0 },
                    elements,
                    alias: 0,
                }
            }
        };
        let (signal, aliases) = &loaded.signals[p.slot];
        let id = aliases[p.alias];
        // Advance: every alias of this element, then the next element.
        let mut q = p;
        q.alias += 1;
        if q.alias == aliases.len() {
            q.alias = 0;
            q.element += 1;
        }
        loaded.pending = (q.element < q.elements).then_some(q);
        let Some(off) = signal.get_offset(p.time_idx) else {
            return Err(corrupt(&self.path, "a change without data".into()));
        };
        let tick = self.time_table.get(p.time_idx as usize).copied();
        let Some(tick) = tick else {
            return Err(corrupt(&self.path, "a change past the time table".into()));
        };
        let time = ticks_to_fs(self.scale, tick, &mut self.warnings);
        self.last_time = self.last_time.max(time);
        self.value.clear();
        let value = match signal.get_value_at(&off, p.element) {
            SignalValueRef::BitVec(b) => {
                for bit in b.iter_msb_to_lsb() {
                    let (c, folded) = fold(bit.as_ascii());
                    self.value.push(c);
                    self.warnings.nine_state_folded += u64::from(folded);
                }
                ValueRef::Bits(&self.value)
            }
            SignalValueRef::Event => {
                self.value.push(b'1');
                ValueRef::Bits(&self.value)
            }
            SignalValueRef::Real(r) => ValueRef::Real(r),
            SignalValueRef::String(s) => ValueRef::Str(s),
        };
        Ok(Some(ChangeRef {
            time,
            signal: id,
            value,
        }))
    }

    fn warnings(&self) -> &Warnings {
        &self.warnings
    }

    fn last_time(&self) -> Time {
        let end = self.time_table.last().copied().unwrap_or(0);
        ticks_to_fs(self.scale, end, &mut Warnings::default()).max(self.last_time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_fst_and_ghw_headers() {
        assert_eq!(
            sniff(&[0, 0, 0, 0, 0, 0, 0, 1, 0x49, 0, 0]),
            Some(WaveFormat::Fst)
        );
        assert_eq!(sniff(b"GHDLwave\n\x10"), Some(WaveFormat::Ghw));
        assert_eq!(sniff(b"$date"), None);
        assert_eq!(sniff(&[0, 0, 0]), None);
    }

    #[test]
    fn nine_states_fold_like_the_vcd_reader() {
        assert_eq!(fold('h'), (b'1', true));
        assert_eq!(fold('l'), (b'0', true));
        assert_eq!(fold('u'), (b'x', true));
        assert_eq!(fold('-'), (b'x', true));
        assert_eq!(fold('z'), (b'z', false));
    }
}
