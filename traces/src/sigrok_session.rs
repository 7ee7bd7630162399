//! sigrok / PulseView session files (`.sr`, libsigrok 0.5's session format version 2): a zip
//! holding `version`, `metadata` (INI: `[device 1]` with `samplerate=1 GHz`, `probeN=<name>`,
//! `unitsize=<bytes per sample>`, `capturefile=logic-1`) and the packed samples in chunks
//! `logic-1-1`, `logic-1-2`, ... (older files: one `logic-1`), read in numeric order.
//!
//! Sample `i` of probe `N` is bit `N-1` of the `unitsize`-byte little-endian word `i`; its time
//! is `i` sample periods (the samplerate's, or `--sample-period`'s). Changes are yielded per
//! channel when its bit changes, all channels at sample 0. The capture runs to the end of its
//! last sample period, as sigrok's own VCD export ends it. The chunks are decompressed on a
//! helper thread in blocks, so memory does not grow with the capture.

use crate::error::Location;
use crate::{
    ChangeRef, ChangeSource, Header, SignalId, SignalInfo, Time, TimeBase, TraceError, ValueRef,
    VarKind, Warnings,
};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// The zip's local file header magic, what an `.sr` starts with.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// Largest `metadata` member read (a real one is a few hundred bytes).
const MAX_METADATA: u64 = 1 << 20;
/// Bytes per block handed from the decompressing thread.
const BLOCK: usize = 1 << 16;
/// Blocks in flight between the thread and the reader.
const BLOCKS_IN_FLIGHT: usize = 4;
/// Widest sample word read (64 channels).
const MAX_UNITSIZE: usize = 8;

/// True when the first bytes are a zip whose first member is a sigrok session's `version` or
/// `metadata` (what libsigrok writes first).
pub fn sniff(first: &[u8]) -> bool {
    if !first.starts_with(ZIP_MAGIC) || first.len() < 30 {
        return false;
    }
    let name_len = u16::from_le_bytes([first[26], first[27]]) as usize;
    let name = first.get(30..30 + name_len).unwrap_or(&[]);
    name == b"version" || name == b"metadata"
}

/// What `metadata` says about device 1.
#[derive(Debug, Default, PartialEq)]
struct Meta {
    samplerate_hz: Option<u64>,
    samplerate_text: Option<String>,
    /// (bit position, name), in probe order.
    probes: Vec<(u32, String)>,
    unitsize: usize,
    capturefile: String,
    notes: Vec<String>,
}

fn parse_metadata(text: &str, path: &Path) -> Result<Meta, TraceError> {
    let mut meta = Meta {
        unitsize: 1,
        capturefile: "logic-1".into(),
        ..Meta::default()
    };
    let mut section = String::new();
    let mut devices = 0;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let err = |expected: &str| TraceError::syntax(path, i as u64 + 1, expected, raw);
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
            devices += usize::from(section.starts_with("device "));
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| err("`key=value` or `[section]` in metadata"))?;
        let (key, value) = (key.trim(), value.trim());
        if section == "global" {
            meta.notes.push(format!("{key}: {value}"));
            continue;
        }
        if section != "device 1" {
            continue;
        }
        if let Some(n) = key.strip_prefix("probe") {
            let n: u32 = n
                .parse()
                .ok()
                .filter(|&n| (1..=64).contains(&n))
                .ok_or_else(|| err("probe1 .. probe64"))?;
            meta.probes.push((n - 1, value.to_string()));
        } else {
            match key {
                "samplerate" => {
                    meta.samplerate_hz = Some(
                        crate::csv::sigrok::parse_rate(value)
                            .ok_or_else(|| err("a samplerate like `1 GHz`"))?,
                    );
                    meta.samplerate_text = Some(format!("samplerate {value}"));
                }
                "unitsize" => {
                    meta.unitsize = value
                        .parse()
                        .ok()
                        .filter(|u| (1..=MAX_UNITSIZE).contains(u))
                        .ok_or_else(|| err("a unitsize of 1 to 8 bytes"))?;
                }
                "capturefile" => meta.capturefile = value.to_string(),
                _ => {}
            }
        }
    }
    if devices > 1 {
        meta.notes.push(format!(
            "{devices} devices in the session; only device 1 is read"
        ));
    }
    if let Some((bit, name)) = meta
        .probes
        .iter()
        .find(|(b, _)| *b as usize >= meta.unitsize * 8)
    {
        return Err(TraceError::syntax(
            path,
            0,
            format!("probes within unitsize {} bytes", meta.unitsize),
            format!("probe{}={name}", bit + 1),
        ));
    }
    Ok(meta)
}

/// The chunk members of `capturefile` in numeric order (`logic-1-1`, `logic-1-2`, ..., or the
/// single `logic-1` of older files).
fn chunk_names<'a>(names: impl Iterator<Item = &'a str>, base: &str) -> Vec<String> {
    let mut numbered: Vec<(u64, String)> = Vec::new();
    let mut single = None;
    for n in names {
        if n == base {
            single = Some(n.to_string());
        } else if let Some(k) = n
            .strip_prefix(base)
            .and_then(|r| r.strip_prefix('-'))
            .and_then(|k| k.parse::<u64>().ok())
        {
            numbered.push((k, n.to_string()));
        }
    }
    numbered.sort();
    let mut out: Vec<String> = single.into_iter().collect();
    out.extend(numbered.into_iter().map(|(_, n)| n));
    out
}

enum Msg {
    Block(Vec<u8>),
    Error(String),
}

/// A streaming reader of a sigrok session.
pub struct SigrokSession {
    path: PathBuf,
    header: Header,
    warnings: Warnings,
    rx: mpsc::Receiver<Msg>,
    block: Vec<u8>,
    pos: usize,
    unitsize: usize,
    /// Bit position of each signal.
    bits: Vec<u32>,
    mask: u64,
    /// Period as a fraction of femtoseconds, or None to count samples.
    period: (u128, u128),
    sample: u64,
    prev: Option<u64>,
    /// Bits still to report for the current sample.
    pending: u64,
    cur: u64,
    /// Partial sample carried over a block boundary.
    carry: Vec<u8>,
    done: bool,
    wanted: Option<Vec<bool>>,
    value: [u8; 1],
}

fn bad(path: &Path, found: String) -> TraceError {
    TraceError::Syntax {
        at: Location {
            file: path.to_path_buf(),
            line: 0,
        },
        expected: "a sigrok session (.sr zip with metadata and logic-1-N chunks)".into(),
        found,
    }
}

/// Opens a `.sr` session. `shown` is the name errors use; `sample_period_fs` overrides the
/// samplerate of `metadata`.
pub fn open(
    file: &Path,
    shown: &Path,
    sample_period_fs: Option<u64>,
) -> Result<SigrokSession, TraceError> {
    let io = |source| TraceError::Io {
        path: shown.to_path_buf(),
        source,
    };
    let f = std::fs::File::open(file).map_err(io)?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(f))
        .map_err(|e| bad(shown, format!("a damaged zip ({e})")))?;
    let mut text = String::new();
    zip.by_name("metadata")
        .map_err(|e| bad(shown, format!("no metadata member ({e})")))?
        .take(MAX_METADATA)
        .read_to_string(&mut text)
        .map_err(|e| bad(shown, format!("unreadable metadata ({e})")))?;
    let meta_path = shown.join("metadata");
    let meta = parse_metadata(&text, &meta_path)?;
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let chunks = chunk_names(names.iter().map(String::as_str), &meta.capturefile);
    let mut warnings = Warnings::default();
    if chunks.is_empty() {
        warnings.note(format!(
            "no {0} or {0}-N sample chunks: the session holds no logic samples",
            meta.capturefile
        ));
    }
    let (time_base, period, timescale_text) = match (sample_period_fs, meta.samplerate_hz) {
        (Some(p), _) => (
            TimeBase::Femtoseconds,
            (u128::from(p), 1),
            Some(format!("sample period {p} fs (given)")),
        ),
        (None, Some(rate)) => (
            TimeBase::Femtoseconds,
            (1_000_000_000_000_000, u128::from(rate)),
            meta.samplerate_text.clone(),
        ),
        (None, None) => (
            TimeBase::Samples,
            (1, 1),
            Some("1 sample (no samplerate stated)".to_string()),
        ),
    };
    let signals: Vec<SignalInfo> = meta
        .probes
        .iter()
        .map(|(_, name)| SignalInfo {
            source_name: name.clone(),
            width: 1,
            kind: VarKind::Bits,
            range: None,
        })
        .collect();
    let bits: Vec<u32> = meta.probes.iter().map(|(b, _)| *b).collect();
    let mask = bits.iter().fold(0u64, |m, b| m | (1 << b));
    let (tx, rx) = mpsc::sync_channel(BLOCKS_IN_FLIGHT);
    std::thread::spawn(move || decompress(zip, chunks, tx));
    let mut notes = meta.notes;
    notes.insert(0, "sigrok session".into());
    Ok(SigrokSession {
        path: shown.to_path_buf(),
        header: Header {
            signals,
            time_base,
            timescale_text,
            notes,
        },
        warnings,
        rx,
        block: Vec::new(),
        pos: 0,
        unitsize: meta.unitsize,
        bits,
        mask,
        period,
        sample: 0,
        prev: None,
        pending: 0,
        cur: 0,
        carry: Vec::new(),
        done: false,
        wanted: None,
        value: [b'0'],
    })
}

/// The helper thread: every chunk, in order, in blocks; stops when the reader is dropped.
fn decompress<R: std::io::Read + std::io::Seek>(
    mut zip: zip::ZipArchive<R>,
    chunks: Vec<String>,
    tx: mpsc::SyncSender<Msg>,
) {
    for name in chunks {
        let mut member = match zip.by_name(&name) {
            Ok(m) => m,
            Err(e) => {
                let _ = tx.send(Msg::Error(format!("chunk {name}: {e}")));
                return;
            }
        };
        loop {
            let mut buf = vec![0u8; BLOCK];
            match member.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    buf.truncate(n);
                    if tx.send(Msg::Block(buf)).is_err() {
                        return;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Msg::Error(format!("chunk {name}: {e}")));
                    return;
                }
            }
        }
    }
}

impl SigrokSession {
    fn time_of(&self, sample: u64) -> Time {
        let (num, den) = self.period;
        u64::try_from(u128::from(sample) * num / den).unwrap_or(u64::MAX)
    }

    /// The next whole sample word, or None at the end of the capture.
    fn next_word(&mut self) -> Result<Option<u64>, TraceError> {
        let u = self.unitsize;
        loop {
            if self.carry.is_empty() && self.pos + u <= self.block.len() {
                let mut w = [0u8; 8];
                w[..u].copy_from_slice(&self.block[self.pos..self.pos + u]);
                self.pos += u;
                return Ok(Some(u64::from_le_bytes(w)));
            }
            // Finish a sample split over two blocks.
            while self.carry.len() < u && self.pos < self.block.len() {
                self.carry.push(self.block[self.pos]);
                self.pos += 1;
            }
            if self.carry.len() == u {
                let mut w = [0u8; 8];
                w[..u].copy_from_slice(&self.carry);
                self.carry.clear();
                return Ok(Some(u64::from_le_bytes(w)));
            }
            if self.done {
                return Ok(None);
            }
            match self.rx.recv() {
                Ok(Msg::Block(b)) => {
                    self.block = b;
                    self.pos = 0;
                }
                Ok(Msg::Error(e)) => return Err(bad(&self.path, e)),
                Err(_) => {
                    self.done = true;
                    if !self.carry.is_empty() {
                        self.warnings.note(format!(
                            "the last {} bytes are less than one sample (unitsize {u}); ignored",
                            self.carry.len()
                        ));
                        self.carry.clear();
                    }
                    return Ok(None);
                }
            }
        }
    }
}

impl ChangeSource for SigrokSession {
    fn header(&self) -> &Header {
        &self.header
    }

    fn set_filter(&mut self, wanted: &[SignalId]) {
        let mut w = vec![false; self.bits.len()];
        for &id in wanted {
            if let Some(x) = w.get_mut(id as usize) {
                *x = true;
            }
        }
        self.mask = self
            .bits
            .iter()
            .zip(&w)
            .filter(|(_, &on)| on)
            .fold(0u64, |m, (b, _)| m | (1 << b));
        self.wanted = Some(w);
    }

    fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, TraceError> {
        loop {
            if self.pending != 0 {
                // Report in signal order: the lowest signal id whose bit is pending.
                let Some(id) = (0..self.bits.len()).find(|&i| {
                    self.pending & (1 << self.bits[i]) != 0
                        && self.wanted.as_ref().is_none_or(|w| w[i])
                }) else {
                    self.pending = 0;
                    continue;
                };
                let bit = self.bits[id];
                self.pending &= !(1 << bit);
                self.value = [if self.cur >> bit & 1 == 1 { b'1' } else { b'0' }];
                return Ok(Some(ChangeRef {
                    time: self.time_of(self.sample - 1),
                    signal: id as SignalId,
                    value: ValueRef::Bits(&self.value),
                }));
            }
            let Some(w) = self.next_word()? else {
                return Ok(None);
            };
            self.sample += 1;
            self.pending = match self.prev {
                None => self.mask,
                Some(p) => (p ^ w) & self.mask,
            };
            self.prev = Some(w);
            self.cur = w;
        }
    }

    fn warnings(&self) -> &Warnings {
        &self.warnings
    }

    fn last_time(&self) -> Time {
        self.time_of(self.sample)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_of_a_converted_session() {
        let text = "[global]\nsigrok version=0.5.2\n\n[device 1]\ncapturefile=logic-1\ntotal probes=3\nsamplerate=400 MHz\ntotal analog=0\nprobe1=a\nprobe3=c\nunitsize=1\n";
        let m = parse_metadata(text, Path::new("x.sr/metadata")).unwrap();
        assert_eq!(m.samplerate_hz, Some(400_000_000));
        assert_eq!(m.probes, vec![(0, "a".into()), (2, "c".into())]);
        assert_eq!(m.unitsize, 1);
        assert_eq!(m.notes, vec!["sigrok version: 0.5.2".to_string()]);
        let e = parse_metadata("[device 1]\nunitsize=1\nprobe9=x\n", Path::new("m")).unwrap_err();
        assert!(e.to_string().contains("probes within unitsize 1"), "{e}");
        let e = parse_metadata("[device 1]\nsamplerate=fast\n", Path::new("m")).unwrap_err();
        assert!(e.to_string().contains("m:2:"), "{e}");
        assert!(parse_metadata("[device 1]\nunitsize=9\n", Path::new("m")).is_err());
        assert!(parse_metadata("[device 1]\njunk\n", Path::new("m")).is_err());
    }

    #[test]
    fn chunks_in_numeric_order() {
        let names = [
            "version",
            "logic-1-10",
            "logic-1-2",
            "metadata",
            "logic-1-1",
            "logic-2-1",
        ];
        assert_eq!(
            chunk_names(names.into_iter(), "logic-1"),
            vec!["logic-1-1", "logic-1-2", "logic-1-10"]
        );
        assert_eq!(
            chunk_names(["logic-1"].into_iter(), "logic-1"),
            vec!["logic-1"]
        );
    }

    #[test]
    fn sniffs_a_session_zip_not_any_zip() {
        let mut hdr = b"PK\x03\x04".to_vec();
        hdr.extend([0u8; 22]);
        hdr.extend(7u16.to_le_bytes());
        hdr.extend([0u8; 2]);
        let mut sr = hdr.clone();
        sr.extend(b"version");
        assert!(sniff(&sr));
        let mut other = hdr;
        other.extend(b"word/do");
        assert!(!sniff(&other));
    }
}
