//! Saleae Logic 2 binary exports of digital channels, versions 0 and 1 as Saleae documents them
//! (support.saleae.com, "Binary Export Format - Logic 2" and "Binary and CSV Export Formats -
//! 2025 Update"): one file per channel (`digital_0.bin`, `digital_1.bin`, ...), or the folder
//! Logic 2 exports them into.
//!
//! Layout (little endian, IEEE 754 doubles): `<SALEAE>`, `i32 version`, `i32 type` (0 digital,
//! 1 analog). Version 0: `u32 initial_state`, `f64 begin_time`, `f64 end_time`,
//! `u64 num_transitions`, then that many `f64` transition times. Version 1: `u64 chunk_count`,
//! then per chunk `u32 initial_state`, `f64 sample_rate`, `f64 begin_time`, `f64 end_time`,
//! `u64 num_transitions` and the transition times. The state is `initial_state` from the begin
//! time and flips at every transition; between two chunks of version 1 there is no data, read
//! as `x` (what Saleae's CSV export writes as `X` for a gap).
//!
//! Times are seconds. Each is converted to femtoseconds through its 15-decimal text, as the
//! Saleae CSV reader converts the text Saleae's CSV export writes, so a binary export and its CSV
//! twin give the same trace; a capture beginning before 0 (pre-trigger) is shifted to start at 0,
//! as the CSV reader does. Every file is streamed (one buffered reader per channel, one pending
//! change each): no size field of the file sizes an allocation, so a damaged count is a
//! "file ends early" error, never an allocation.

use crate::error::Location;
use crate::{
    ChangeRef, ChangeSource, Header, SignalId, SignalInfo, Time, TimeBase, TraceError, ValueRef,
    VarKind, Warnings,
};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// What every Saleae binary export starts with.
pub const MAGIC: &[u8; 8] = b"<SALEAE>";

/// More channel files than any Saleae device exports (Logic Pro 16 has 16 digital channels).
pub const MAX_CHANNELS: usize = 1024;

/// True when `first` starts like a Saleae binary export.
pub fn sniff(first: &[u8]) -> bool {
    first.starts_with(MAGIC)
}

/// One channel file being streamed.
struct Channel {
    /// The file as errors name it.
    shown: PathBuf,
    rd: Box<dyn BufRead + Send>,
    /// Bytes read so far (for messages).
    offset: u64,
    version: u32,
    /// Chunks still to start (version 1), after the current one.
    chunks_left: u64,
    transitions_left: u64,
    state: bool,
    /// The current chunk's end and the last time read, in fs before the shift.
    chunk_end: i128,
    last: i128,
    /// Its next change: (time in fs before the shift, value).
    next: Option<(i128, u8)>,
    /// A change that follows `next` at the same read (a gap's `x` then the next chunk's state).
    after: Option<(i128, u8)>,
    /// The latest end time of its chunks, fs before the shift.
    end: i128,
}

fn damaged(shown: &Path, offset: u64, expected: &str, found: String) -> TraceError {
    TraceError::Syntax {
        at: Location {
            file: shown.to_path_buf(),
            line: 0,
        },
        expected: format!("{expected} (Saleae binary export, byte {offset})"),
        found,
    }
}

/// Seconds to femtoseconds through the value's 15-decimal text (see the module doc).
fn seconds_to_fs(t: f64) -> Option<i128> {
    if !t.is_finite() || t.abs() > 1.0e4 {
        return None;
    }
    let text = format!("{t:.15}");
    crate::csv::parse_decimal_fs(text.as_bytes(), 15).map(|(v, _)| v)
}

impl Channel {
    fn open(path: &Path, shown: &Path) -> Result<Option<Channel>, TraceError> {
        let rd = crate::io::open_maybe_gz(path).map_err(|e| match e {
            TraceError::Io { source, .. } => TraceError::Io {
                path: shown.to_path_buf(),
                source,
            },
            other => other,
        })?;
        let mut c = Channel {
            shown: shown.to_path_buf(),
            rd,
            offset: 0,
            version: 0,
            chunks_left: 0,
            transitions_left: 0,
            state: false,
            chunk_end: 0,
            last: i128::MIN,
            next: None,
            after: None,
            end: 0,
        };
        let magic = c.bytes::<8>("the `<SALEAE>` identifier")?;
        if &magic != MAGIC {
            return Err(damaged(shown, 0, "`<SALEAE>`", crate::error::quote(&magic)));
        }
        let version = c.u32("the version")?;
        let kind = c.u32("the data type")?;
        if kind == 1 {
            return Ok(None);
        }
        if kind != 0 {
            return Err(damaged(
                shown,
                12,
                "type 0 (digital) or 1 (analog)",
                kind.to_string(),
            ));
        }
        c.version = version;
        match version {
            0 => c.start_chunk(false)?,
            1 => {
                let n = c.u64("the chunk count")?;
                if n == 0 {
                    return Err(damaged(shown, 16, "at least one chunk", "0".into()));
                }
                c.chunks_left = n - 1;
                c.start_chunk(true)?;
            }
            v => return Err(damaged(shown, 8, "version 0 or 1", v.to_string())),
        }
        Ok(Some(c))
    }

    fn bytes<const N: usize>(&mut self, what: &str) -> Result<[u8; N], TraceError> {
        let mut b = [0u8; N];
        self.rd.read_exact(&mut b).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                TraceError::Truncated {
                    at: Location {
                        file: self.shown.clone(),
                        line: 0,
                    },
                    context: format!(
                        "Saleae binary export cut short at byte {} ({what})",
                        self.offset
                    ),
                }
            } else {
                TraceError::Io {
                    path: self.shown.clone(),
                    source: e,
                }
            }
        })?;
        self.offset += N as u64;
        Ok(b)
    }

    fn u32(&mut self, what: &str) -> Result<u32, TraceError> {
        Ok(u32::from_le_bytes(self.bytes::<4>(what)?))
    }

    fn u64(&mut self, what: &str) -> Result<u64, TraceError> {
        Ok(u64::from_le_bytes(self.bytes::<8>(what)?))
    }

    /// A time field, in fs, never before the last one read.
    fn time(&mut self, what: &str) -> Result<i128, TraceError> {
        let at = self.offset;
        let t = f64::from_le_bytes(self.bytes::<8>(what)?);
        let fs = seconds_to_fs(t).ok_or_else(|| {
            damaged(
                &self.shown,
                at,
                &format!("{what} in seconds, within 10^4 s"),
                t.to_string(),
            )
        })?;
        if fs < self.last {
            return Err(damaged(
                &self.shown,
                at,
                &format!("{what} at or after the previous time ({} fs)", self.last),
                format!("{fs} fs"),
            ));
        }
        self.last = fs;
        Ok(fs)
    }

    /// Reads a chunk header; the chunk's initial state becomes the next change.
    fn start_chunk(&mut self, with_rate: bool) -> Result<(), TraceError> {
        let at = self.offset;
        let initial = self.u32("the initial state")?;
        if initial > 1 {
            return Err(damaged(
                &self.shown,
                at,
                "an initial state 0 or 1",
                initial.to_string(),
            ));
        }
        if with_rate {
            let at = self.offset;
            let rate = f64::from_le_bytes(self.bytes::<8>("the sample rate")?);
            if !(rate.is_finite() && rate > 0.0) {
                return Err(damaged(
                    &self.shown,
                    at,
                    "a positive sample rate",
                    rate.to_string(),
                ));
            }
        }
        let gap_from = (self.last != i128::MIN).then_some(self.chunk_end);
        let begin = self.time("the begin time")?;
        let end_at = self.offset;
        let end = f64::from_le_bytes(self.bytes::<8>("the end time")?);
        let end = seconds_to_fs(end).filter(|&e| e >= begin).ok_or_else(|| {
            damaged(
                &self.shown,
                end_at,
                "an end time at or after the begin time",
                end.to_string(),
            )
        })?;
        self.transitions_left = self.u64("the number of transitions")?;
        self.state = initial == 1;
        self.chunk_end = end;
        self.end = self.end.max(end);
        let value = if self.state { b'1' } else { b'0' };
        match gap_from {
            Some(g) if g < begin => {
                self.next = Some((g, b'x'));
                self.after = Some((begin, value));
            }
            _ => self.next = Some((begin, value)),
        }
        Ok(())
    }

    /// Moves to the channel's following change (or none at its end).
    fn advance(&mut self) -> Result<(), TraceError> {
        if let Some(a) = self.after.take() {
            self.next = Some(a);
            return Ok(());
        }
        if self.transitions_left > 0 {
            self.transitions_left -= 1;
            let t = self.time("a transition time")?;
            if t > self.chunk_end {
                return Err(damaged(
                    &self.shown,
                    self.offset - 8,
                    &format!(
                        "a transition at or before the chunk's end ({} fs)",
                        self.chunk_end
                    ),
                    format!("{t} fs"),
                ));
            }
            self.state = !self.state;
            self.next = Some((t, if self.state { b'1' } else { b'0' }));
            return Ok(());
        }
        if self.version == 1 && self.chunks_left > 0 {
            self.chunks_left -= 1;
            return self.start_chunk(true);
        }
        self.next = None;
        Ok(())
    }
}

/// A Saleae binary export (one channel file, or a folder of them) as a change source.
pub struct SaleaeSource {
    header: Header,
    channels: Vec<Channel>,
    /// (time, channel) of every channel's next change, smallest first.
    heap: BinaryHeap<Reverse<(i128, usize)>>,
    wanted: Vec<bool>,
    shift: i128,
    warnings: Warnings,
    value: [u8; 1],
    last_time: Time,
}

/// The channel files of a folder: every file that starts with `<SALEAE>`, ordered by the number
/// in its name (`digital_2.bin` before `digital_10.bin`), then by name.
fn folder_files(dir: &Path) -> Result<Vec<PathBuf>, TraceError> {
    let io = |source| TraceError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).map_err(io)? {
        let p = e.map_err(io)?.path();
        if !p.is_file() {
            continue;
        }
        let first = crate::io::peek(&p, 8)?;
        if sniff(&first) {
            files.push(p);
        }
        if files.len() > MAX_CHANNELS {
            return Err(TraceError::UnknownFormat {
                path: dir.to_path_buf(),
                reason: format!("more than {MAX_CHANNELS} Saleae channel files"),
            });
        }
    }
    let key = |p: &PathBuf| {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let digits: String = name
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        (digits.parse::<u64>().unwrap_or(u64::MAX), name)
    };
    files.sort_by_key(key);
    Ok(files)
}

/// Opens one channel file or a folder of them. `path` is the file to read, `shown` the name
/// errors use (the user's, when `path` is a copy of standard input).
pub fn open(path: &Path, shown: &Path) -> Result<SaleaeSource, TraceError> {
    let files: Vec<(PathBuf, PathBuf)> = if path.is_dir() {
        folder_files(path)?
            .into_iter()
            .map(|p| (p.clone(), p))
            .collect()
    } else {
        vec![(path.to_path_buf(), shown.to_path_buf())]
    };
    let mut channels = Vec::new();
    let mut signals = Vec::new();
    let mut analog = 0;
    for (file, name) in &files {
        let Some(c) = Channel::open(file, name)? else {
            analog += 1;
            continue;
        };
        // A channel file on standard input has no name to take the channel's from.
        let stem = if crate::input::is_stdin(name) {
            std::ffi::OsString::from("stdin")
        } else {
            name.file_name()
                .map(|n| n.to_os_string())
                .unwrap_or_default()
        };
        let stem = stem.to_string_lossy().into_owned();
        let stem = stem.strip_suffix(".gz").unwrap_or(&stem);
        let stem = stem.strip_suffix(".bin").unwrap_or(stem).to_string();
        signals.push(SignalInfo {
            source_name: stem,
            width: 1,
            kind: VarKind::Bits,
            range: None,
        });
        channels.push(c);
    }
    if channels.is_empty() {
        return Err(TraceError::UnknownFormat {
            path: shown.to_path_buf(),
            reason: if analog > 0 {
                "a Saleae analog export; migcal reads digital channels (export them as binary digital)".into()
            } else {
                "a folder without Saleae binary export files (`digital_0.bin`, ...)".into()
            },
        });
    }
    let mut warnings = Warnings::default();
    if analog > 0 {
        warnings.note(format!("{analog} Saleae analog file(s) skipped"));
    }
    let first = channels
        .iter()
        .filter_map(|c| c.next)
        .map(|(t, _)| t)
        .min()
        .unwrap_or(0);
    let shift = if first < 0 {
        warnings.note(format!(
            "capture starts at a negative time; all times shifted by +{} fs so the first row is at 0",
            -first
        ));
        -first
    } else {
        0
    };
    let versions: Vec<String> = {
        let mut v: Vec<u32> = channels.iter().map(|c| c.version).collect();
        v.dedup();
        v.iter().map(u32::to_string).collect()
    };
    let heap = channels
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.next.map(|(t, _)| Reverse((t, i))))
        .collect();
    let n = signals.len();
    Ok(SaleaeSource {
        header: Header {
            signals,
            time_base: TimeBase::Femtoseconds,
            timescale_text: Some("1 s (double)".to_string()),
            notes: vec![format!(
                "Saleae Logic 2 binary export, version {}",
                versions.join(", ")
            )],
        },
        channels,
        heap,
        wanted: vec![true; n],
        shift,
        warnings,
        value: [b'x'],
        last_time: 0,
    })
}

impl SaleaeSource {
    fn to_time(&self, t: i128, c: usize) -> Result<Time, TraceError> {
        u64::try_from(t + self.shift).map_err(|_| {
            let ch = &self.channels[c];
            damaged(
                &ch.shown,
                ch.offset,
                "a time between 0 and 2^64 fs",
                format!("{t} fs"),
            )
        })
    }
}

impl ChangeSource for SaleaeSource {
    fn header(&self) -> &Header {
        &self.header
    }

    fn set_filter(&mut self, wanted: &[SignalId]) {
        self.wanted = vec![false; self.channels.len()];
        for &w in wanted {
            if let Some(x) = self.wanted.get_mut(w as usize) {
                *x = true;
            }
        }
    }

    fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, TraceError> {
        loop {
            let Some(Reverse((t, c))) = self.heap.pop() else {
                return Ok(None);
            };
            let value = self.channels[c].next.map_or(b'x', |(_, v)| v);
            self.channels[c].advance()?;
            if let Some((nt, _)) = self.channels[c].next {
                self.heap.push(Reverse((nt, c)));
            }
            if !self.wanted[c] {
                continue;
            }
            let time = self.to_time(t, c)?;
            self.last_time = self.last_time.max(time);
            self.value = [value];
            return Ok(Some(ChangeRef {
                time,
                signal: c as SignalId,
                value: ValueRef::Bits(&self.value),
            }));
        }
    }

    fn warnings(&self) -> &Warnings {
        &self.warnings
    }

    fn last_time(&self) -> Time {
        let end = self.channels.iter().map(|c| c.end).max().unwrap_or(0) + self.shift;
        u64::try_from(end).unwrap_or(0).max(self.last_time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_convert_through_their_decimal_text() {
        assert_eq!(seconds_to_fs(0.0000005), Some(500_000_000));
        assert_eq!(seconds_to_fs(-0.000001), Some(-1_000_000_000));
        assert_eq!(seconds_to_fs(2.5e-9), Some(2_500_000));
        assert_eq!(seconds_to_fs(f64::NAN), None);
        assert_eq!(seconds_to_fs(1.0e300), None);
    }
}
