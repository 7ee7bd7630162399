//! Where a run's signal changes go: the VCD writer of `simulate -o`, an in-memory trace the
//! analysis reads (no VCD text written and parsed back), or both at once.

use crate::analysis::reads;
use migcal_model::probe::SignalDecl;
use migcal_traces::names::NameMap;
use migcal_traces::trace::{SignalInfo, ValueRef, VarKind};
use migcal_traces::vcd::VcdWriter;
use migcal_traces::{Header, MemorySource, TimeBase, TraceError};
use std::sync::Mutex;

/// Where a run's signal changes go besides the summary: the VCD writer of `simulate -o`, or an
/// in-memory trace (`evaluate` hands the model's trace to the analysis without a file).
pub trait ChangeSink {
    /// Called once, before the first change, with every traced signal in id order (the
    /// per-cycle signals of [`Mig::signal_decls`], then the pads of [`Mig::pad_decls`], then,
    /// with `[clocking]`, the DCM's LOCKED, RST, STATUS\[1\] and STATUS\[2\]; a DCM run has no
    /// `tb/ck` pad, see the module doc).
    fn begin(&mut self, signals: &[SignalInfo]) -> Result<(), TraceError>;
    /// One change at `time_fs`: `bits` are the signal's width of `0 1 x z`, most significant
    /// first.
    fn change(&mut self, time_fs: u64, id: u32, bits: &[u8]) -> Result<(), TraceError>;
    /// Called once after the last change: the run lasts to `time_fs` even if nothing changes
    /// there.
    fn end(&mut self, time_fs: u64) -> Result<(), TraceError>;
    /// Whether the changes of signal `id` are wanted at all (they are not even formatted when
    /// not); every signal by default.
    fn wants(&self, _id: u32) -> bool {
        true
    }
}

/// The VCD writer as a [`ChangeSink`] (timescale 1 fs, as the goldens).
pub(super) struct VcdSink {
    writer: Option<VcdWriter<Vec<u8>>>,
    /// Bytes to reserve for the output.
    estimate: usize,
}

impl ChangeSink for VcdSink {
    fn begin(&mut self, signals: &[SignalInfo]) -> Result<(), TraceError> {
        self.writer = Some(VcdWriter::new(
            Vec::with_capacity(self.estimate),
            1,
            signals,
        )?);
        Ok(())
    }
    fn change(&mut self, time_fs: u64, id: u32, bits: &[u8]) -> Result<(), TraceError> {
        match &mut self.writer {
            Some(w) => w.change(time_fs, id, ValueRef::Bits(bits)),
            None => Ok(()),
        }
    }
    fn end(&mut self, time_fs: u64) -> Result<(), TraceError> {
        match &mut self.writer {
            Some(w) => w.end_at(time_fs),
            None => Ok(()),
        }
    }
}
/// The trace's signal list in the traces crate's terms.
pub fn signal_infos(decls: &[SignalDecl]) -> Vec<SignalInfo> {
    decls
        .iter()
        .map(|d| SignalInfo {
            source_name: d.name.clone(),
            width: d.width,
            kind: VarKind::Bits,
            range: (d.width > 1 && !d.integer).then(|| (d.width as i64 - 1, 0)),
        })
        .collect()
}
/// Collects the model's changes in memory (no VCD text to write and parse back), only of the
/// signals the analysis reads ([`Capture::with_map`] would drop the others when loading; the
/// clock pad alone changes twice a cycle).
#[derive(Default)]
pub(super) struct MemSink {
    source: Option<MemorySource>,
    map: Option<NameMap>,
    wanted: Vec<bool>,
    /// Take the DQ pad waveform (`pins/dq`) too: it only words the cause of a stuck or open
    /// line, and computing the pads at quarter-clock resolution is a third of a run's cost.
    pads: bool,
    /// When set, keep exactly these canonical names (the exact comparison's: every signal a
    /// capture holds; every signal when empty), instead of the analysis' signals.
    keep: Option<Vec<String>>,
}

impl ChangeSink for MemSink {
    fn begin(&mut self, signals: &[SignalInfo]) -> Result<(), TraceError> {
        let header = Header {
            signals: signals.to_vec(),
            time_base: TimeBase::Femtoseconds,
            timescale_text: Some("1 fs".into()),
            notes: vec!["migcal model".into()],
        };
        let map = name_map(&header)?;
        self.wanted = vec![false; signals.len()];
        let keep = |name: &str| match &self.keep {
            Some(k) if k.is_empty() => true,
            Some(k) => k.iter().any(|n| n == name),
            None => reads(name) && (self.pads || !name.starts_with("pins/dq")),
        };
        for b in map.bindings().iter().filter(|b| keep(&b.name)) {
            for id in b.signals() {
                if let Some(w) = self.wanted.get_mut(id as usize) {
                    *w = true;
                }
            }
        }
        self.map = Some(map);
        self.source = Some(MemorySource::new(header));
        Ok(())
    }
    fn change(&mut self, time_fs: u64, id: u32, bits: &[u8]) -> Result<(), TraceError> {
        match &mut self.source {
            Some(m) => m.push(time_fs, id, bits),
            None => Ok(()),
        }
    }
    fn end(&mut self, time_fs: u64) -> Result<(), TraceError> {
        if let Some(m) = &mut self.source {
            m.end_at(time_fs);
        }
        Ok(())
    }
    fn wants(&self, id: u32) -> bool {
        self.wanted.get(id as usize).copied().unwrap_or(false)
    }
}

/// Name bindings of the model's signal lists seen so far: every run of one profile and data
/// width traces the same signals, and binding ~150 names costs more than diagnosing a run.
static NAME_MAPS: Mutex<Vec<(Vec<SignalInfo>, NameMap)>> = Mutex::new(Vec::new());

/// The name bindings of a model run's signal list (cached: every run of one profile and width
/// traces the same signals).
pub fn model_name_map(header: &Header) -> Result<NameMap, TraceError> {
    name_map(header)
}

fn name_map(header: &Header) -> Result<NameMap, TraceError> {
    let cached = NAME_MAPS.lock().ok().and_then(|m| {
        m.iter()
            .find(|(s, _)| *s == header.signals)
            .map(|(_, n)| n.clone())
    });
    if let Some(m) = cached {
        return Ok(m);
    }
    let map = NameMap::build(header, None)?;
    if let Ok(mut m) = NAME_MAPS.lock() {
        // A handful of profiles and widths at most; the bound only guards against misuse.
        if m.len() < 16 {
            m.push((header.signals.clone(), map.clone()));
        }
    }
    Ok(map)
}

impl VcdSink {
    /// A VCD writer that will reserve `estimate` bytes for its output.
    pub(super) fn new(estimate: usize) -> VcdSink {
        VcdSink {
            writer: None,
            estimate,
        }
    }

    /// The finished VCD bytes (`None` when the run traced nothing).
    pub(super) fn finish(self) -> Result<Option<Vec<u8>>, TraceError> {
        self.writer.map(|w| w.finish()).transpose()
    }
}

impl MemSink {
    /// Keeps the signals the analysis reads; the DQ pad waveform only with `pads`.
    pub(super) fn new(pads: bool) -> MemSink {
        MemSink {
            pads,
            ..MemSink::default()
        }
    }

    /// Keeps exactly the canonical signals `names` (pads included when named; every signal
    /// when `names` is empty).
    pub(super) fn only(names: Vec<String>) -> MemSink {
        MemSink {
            pads: true,
            keep: Some(names),
            ..MemSink::default()
        }
    }

    /// The trace collected and its name bindings (`None` when the run traced nothing).
    pub(super) fn into_parts(self) -> Option<(MemorySource, NameMap)> {
        self.source.zip(self.map)
    }
}

/// Two sinks fed from one run: each gets the changes it wants (`simulate -o` writes the VCD
/// and analyses the same run in memory).
pub(super) struct Tee<'a> {
    /// One sink.
    pub a: &'a mut dyn ChangeSink,
    /// The other.
    pub b: &'a mut dyn ChangeSink,
}

impl ChangeSink for Tee<'_> {
    fn begin(&mut self, signals: &[SignalInfo]) -> Result<(), TraceError> {
        self.a.begin(signals)?;
        self.b.begin(signals)
    }
    fn change(&mut self, time_fs: u64, id: u32, bits: &[u8]) -> Result<(), TraceError> {
        if self.a.wants(id) {
            self.a.change(time_fs, id, bits)?;
        }
        if self.b.wants(id) {
            self.b.change(time_fs, id, bits)?;
        }
        Ok(())
    }
    fn end(&mut self, time_fs: u64) -> Result<(), TraceError> {
        self.a.end(time_fs)?;
        self.b.end(time_fs)
    }
    fn wants(&self, id: u32) -> bool {
        self.a.wants(id) || self.b.wants(id)
    }
}
