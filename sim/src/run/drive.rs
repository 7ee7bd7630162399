//! The run loop: steps the model cycle by cycle and sends every signal change, in time order,
//! to a [`ChangeSink`]. It keeps no account of its own: what the run did is what the analysis
//! reads from that change stream.

use super::dcm::{DcmRun, DcmTrace, DCM_VCD_NAMES};
use super::pads::Pads;
use super::sinks::{signal_infos, ChangeSink};
use super::RunError;
use crate::scenario::Scenario;
use migcal_model::mig::Mig;
use migcal_model::probe::{Probe, SignalDecl, Value};
use migcal_traces::TraceError;

/// Forwards the per-cycle signals' changes to the sink.
struct Forward<'a> {
    cur: Vec<Option<Value>>,
    time_fs: u64,
    sink: &'a mut dyn ChangeSink,
    widths: Vec<u32>,
    scratch: Vec<u8>,
    error: Option<TraceError>,
}

impl Probe for Forward<'_> {
    fn value(&mut self, id: usize, v: Value) {
        if self.cur[id] == Some(v) {
            return;
        }
        self.cur[id] = Some(v);
        if !self.sink.wants(id as u32) {
            return;
        }
        v.write_chars(self.widths[id], &mut self.scratch);
        if let Err(e) = self.sink.change(self.time_fs, id as u32, &self.scratch) {
            self.error.get_or_insert(e);
        }
    }
}

/// The trace's signals, in id order: the per-cycle signals of [`Mig::signal_decls`], then the
/// traced pads of [`Mig::pad_decls`], then, with `[clocking]`, the DCM's.
fn traced_signals(
    decls: &[SignalDecl],
    pads: &[SignalDecl],
    traced: &[bool],
    dcm: bool,
) -> Vec<SignalDecl> {
    let mut all = decls.to_vec();
    all.extend(
        pads.iter()
            .zip(traced)
            .filter(|(_, &t)| t)
            .map(|(d, _)| d.clone()),
    );
    if dcm {
        all.extend(DCM_VCD_NAMES.iter().map(|n| SignalDecl {
            name: (*n).to_string(),
            width: 1,
            integer: false,
        }));
    }
    all
}

/// Simulates `scn` to its stop time, sending every signal change to `sink`. With `skip_idle`,
/// stretches where nothing but the refresh-interval counter moves are jumped over; the trace is
/// the same either way (tested), only the speed differs.
pub fn drive(scn: &Scenario, skip_idle: bool, sink: &mut dyn ChangeSink) -> Result<(), RunError> {
    let mut p = scn.model_params();
    let dcm_run = match &scn.clocking {
        Some(c) => Some(DcmRun::new(c, scn.stop_time_us)?),
        None => None,
    };
    if let Some(d) = &dcm_run {
        // The same waveform as the scenario's, recomputed so that a scenario edited in memory
        // (`sweep`) cannot trace one DCM and simulate another.
        p.dcm_locked_ps = Some(d.locked_ps());
    }
    let period_ps = p.board.period_ps;
    let mut mig = Mig::new(p);
    let decls = mig.signal_decls();
    let pad_decls = mig.pad_decls();
    // A DCM run lasts milliseconds: leave the memory clock out (see the module doc).
    let traced_pads: Vec<bool> = pad_decls
        .iter()
        .map(|d| dcm_run.is_none() || d.name != "tb/ck")
        .collect();
    let first_dcm_id = (decls.len() + traced_pads.iter().filter(|&&t| t).count()) as u32;
    sink.begin(&signal_infos(&traced_signals(
        &decls,
        &pad_decls,
        &traced_pads,
        dcm_run.is_some(),
    )))?;
    // Each pad's id, when traced and wanted: the pad waveforms are computed at quarter-clock
    // resolution, so only when someone reads them.
    let pad_ids: Vec<Option<u32>> = {
        let mut next = decls.len() as u32;
        traced_pads
            .iter()
            .map(|&traced| {
                traced
                    .then(|| {
                        next += 1;
                        next - 1
                    })
                    .filter(|&id| sink.wants(id))
            })
            .collect()
    };
    let pads_wanted = pad_ids.iter().any(Option::is_some);
    let mut dcm_trace = dcm_run.as_ref().map(|d| DcmTrace::new(d, first_dcm_id));
    // Long idle stretches of a DCM run are walked by the pad tracker in bounded steps (it lists
    // every quarter clock of the stretch at once otherwise).
    let mut pads = Pads {
        tracker: migcal_model::mig::PadTracker::new(),
        upto_ps: 0.0,
        step_ps: dcm_run.as_ref().map(|_| period_ps * f64::from(1u32 << 16)),
        events: Vec::new(),
        chars: Vec::new(),
        ids: pad_ids,
        widths: pad_decls.iter().map(|d| d.width).collect(),
    };
    let mut t = Forward {
        cur: vec![None; decls.len()],
        time_fs: 0,
        sink,
        widths: decls.iter().map(|d| d.width).collect(),
        scratch: Vec::with_capacity(64),
        error: None,
    };
    // Power-up values at t = 0.
    mig.visit(&mut t);
    let cycles = scn.cycles();
    while mig.cycle() < cycles {
        let n = mig.cycle();
        mig.step();
        t.time_fs = ((n as f64 + 0.5) * period_ps * 1000.0).round() as u64;
        if pads_wanted {
            pads.advance(&mig, mig.edge_time_ps(n), t.sink, dcm_trace.as_mut())?;
        }
        if let Some(d) = dcm_trace.as_mut() {
            d.flush(t.sink, t.time_fs)?;
        }
        mig.visit(&mut t);
        if let Some(e) = t.error.take() {
            return Err(e.into());
        }
        if skip_idle {
            mig.skip_idle(cycles - mig.cycle());
        }
    }
    // The pads up to the stop time (the last stretch may have been skipped as idle), and the
    // DCM's changes up to the end of its waveform.
    if pads_wanted {
        pads.advance(&mig, scn.stop_time_us * 1e6, t.sink, dcm_trace.as_mut())?;
    }
    if let Some(d) = dcm_trace.as_mut() {
        d.flush(t.sink, u64::MAX)?;
    }
    // The run lasts to the stop time even when nothing changes at its end (a controller held
    // in reset): say so in the trace.
    t.sink
        .end(((cycles as f64 + 0.5) * period_ps * 1000.0).round() as u64)?;
    Ok(())
}
