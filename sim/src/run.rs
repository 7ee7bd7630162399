//! Running a scenario: drives the model cycle by cycle, streams every signal change to an
//! optional VCD, and folds the same change stream into a summary (stage boundaries, taps, bus
//! commands, stall), so the summary describes exactly what the trace shows.

use crate::scenario::{ProfileName, Scenario};
use migcal_model::ddr2_controller::{ddr2, init};
use migcal_model::ddr2_device::Command;
use migcal_model::mig::Mig;
use migcal_model::probe::{Probe, SignalDecl, Value};
use migcal_traces::trace::{SignalInfo, VarKind};
use migcal_traces::vcd::VcdWriter;
use serde::Serialize;

/// One bus command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BusCommand {
    /// clk_0 cycle at which the controller drives it.
    pub cycle: u64,
    /// `PRE`, `MRS`, `REF`, `ACT`, `WR`, `RD`.
    pub cmd: String,
    /// Bank address.
    pub ba: u8,
    /// Address bus.
    pub a: u16,
}

/// Where and how init stopped progressing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stall {
    /// Stage name (`clocking`, `memory_setup`, `tap_calibration`, `read_latency`).
    pub stage: String,
    /// `init_state` by name.
    pub init_state: String,
    /// Cycle from which `init_state` no longer changed.
    pub cycle: u64,
}

/// Per-group stage-2 results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct GroupSummary {
    /// Cycles of each CHAN_DONE pulse up to `calib_done` (one per line walked).
    pub chan_done_cycles: Vec<u64>,
    /// CHAN_DONE pulses after `calib_done` (tap_ctrl keeps walking with no line selected while
    /// other groups still calibrate; they move no tap).
    pub chan_done_after_calib_done: u64,
    /// Cycle `calib_done_dqs[i]` rose.
    pub calib_done_cycle: Option<u64>,
    /// Cycle the group's pattern compare reached `comp_done`.
    pub pattern_comp_done_cycle: Option<u64>,
    /// `clk_count_rise` at the end.
    pub clk_count_rise: u64,
    /// `first_rising` at the end.
    pub first_rising: bool,
}

/// The result of a run (also the `simulate --json` document).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Profile simulated.
    pub profile: String,
    /// clk_0 period in ps.
    pub period_ps: f64,
    /// clk_0 rising edges simulated.
    pub cycles: u64,
    /// Cycle `sys_rst` released (first cycle `init_state` could move).
    pub done_200us_cycle: Option<u64>,
    /// Cycle of the first command on the bus.
    pub first_command_cycle: Option<u64>,
    /// Cycle `ctrl_dummyread_start` rose.
    pub ctrl_dummyread_start_cycle: Option<u64>,
    /// Cycle `tap_sel_done` rose.
    pub tap_sel_done_cycle: Option<u64>,
    /// Cycle `COMP_DONE` rose.
    pub comp_done_cycle: Option<u64>,
    /// Cycle `init_done` first rose.
    pub init_done_cycle: Option<u64>,
    /// Cycles `init_done` fell again (the interface was reset, e.g. DCM LOCKED lost).
    pub init_done_lost_cycles: Vec<u64>,
    /// `init_done` at the end of the run.
    pub init_done_at_end: bool,
    /// Final IDELAY tap of every DQ.
    pub final_taps: Vec<u8>,
    /// Per tap_logic group (stage 2) and pattern-compare lane (stage 3) results.
    pub groups: Vec<GroupSummary>,
    /// Every command on the bus.
    pub commands: Vec<BusCommand>,
    /// The stall, if init_done was not reached.
    pub stall: Option<Stall>,
}

impl Summary {
    /// clk_0 cycle -> time in ns.
    pub fn time_ns(&self, cycle: u64) -> f64 {
        self.period_ps * (cycle as f64 + 0.5) / 1000.0
    }
}

/// Names the fold looks for (suffixes of the traced names).
struct Ids {
    init_state: usize,
    done_200us: usize,
    dummyread: usize,
    tap_sel_done: usize,
    comp_done: usize,
    init_done: usize,
    chan_done: usize,
    calib_done: usize,
    pins: [usize; 6], // cs_n, ras_n, cas_n, we_n, ba, a
    cke: usize,
    cke_200us_cnt: usize,
    taps: Vec<usize>,
    pc_comp_done: Vec<usize>,
    pc_clk_count_rise: Vec<usize>,
    pc_first_rising: Vec<usize>,
}

fn find(decls: &[SignalDecl], suffix: &str) -> usize {
    decls
        .iter()
        .position(|d| d.name.ends_with(suffix))
        .unwrap_or_else(|| panic!("model does not trace {suffix}"))
}

/// Where a run's signal changes go besides the summary: the VCD writer of `simulate -o`, or an
/// in-memory trace (`evaluate` hands the model's trace to the analysis without a file).
pub trait ChangeSink {
    /// Called once, before the first change, with every traced signal in id order (the
    /// per-cycle signals of [`Mig::signal_decls`], then the pads of [`Mig::pad_decls`]).
    fn begin(&mut self, signals: &[SignalInfo]) -> Result<(), migcal_traces::TraceError>;
    /// One change at `time_fs`: `bits` are the signal's width of `0 1 x z`, most significant
    /// first.
    fn change(
        &mut self,
        time_fs: u64,
        id: u32,
        bits: &[u8],
    ) -> Result<(), migcal_traces::TraceError>;
    /// Called once after the last change: the run lasts to `time_fs` even if nothing changes
    /// there.
    fn end(&mut self, time_fs: u64) -> Result<(), migcal_traces::TraceError>;
    /// Whether the changes of signal `id` are wanted at all (they are not even formatted when
    /// not); every signal by default.
    fn wants(&self, _id: u32) -> bool {
        true
    }
}

/// The VCD writer as a [`ChangeSink`] (timescale 1 fs, as the goldens).
struct VcdSink {
    writer: Option<VcdWriter<Vec<u8>>>,
    /// Bytes to reserve for the output.
    estimate: usize,
}

impl ChangeSink for VcdSink {
    fn begin(&mut self, signals: &[SignalInfo]) -> Result<(), migcal_traces::TraceError> {
        self.writer = Some(VcdWriter::new(
            Vec::with_capacity(self.estimate),
            1,
            signals,
        )?);
        Ok(())
    }
    fn change(
        &mut self,
        time_fs: u64,
        id: u32,
        bits: &[u8],
    ) -> Result<(), migcal_traces::TraceError> {
        match &mut self.writer {
            Some(w) => w.change(time_fs, id, migcal_traces::trace::ValueRef::Bits(bits)),
            None => Ok(()),
        }
    }
    fn end(&mut self, time_fs: u64) -> Result<(), migcal_traces::TraceError> {
        match &mut self.writer {
            Some(w) => w.end_at(time_fs),
            None => Ok(()),
        }
    }
}

/// Folds the change stream into a [`Summary`] and forwards changes to a VCD.
struct Tracer<'a> {
    ids: Ids,
    cur: Vec<Option<Value>>,
    cycle: u64,
    time_fs: u64,
    vcd: Option<&'a mut dyn ChangeSink>,
    widths: Vec<u32>,
    scratch: Vec<u8>,
    error: Option<migcal_traces::TraceError>,
    s: Summary,
    last_init_state_change: u64,
    prev_init_state: Option<u64>,
    refresh_counter_moved: bool,
}

impl Tracer<'_> {
    fn val(&self, id: usize) -> u64 {
        self.cur[id].map(|v| v.bits as u64).unwrap_or(0)
    }
    fn rose(&self, id: usize, v: Value, bit: u32) -> bool {
        let old = self.cur[id].map(|o| o.bits >> bit & 1 == 1 && o.unknown >> bit & 1 == 0);
        v.bits >> bit & 1 == 1 && v.unknown >> bit & 1 == 0 && old == Some(false)
    }
}

impl Probe for Tracer<'_> {
    fn value(&mut self, id: usize, v: Value) {
        if self.cur[id] == Some(v) {
            return;
        }
        let ids = &self.ids;
        let c = self.cycle;
        if id == ids.init_state {
            // An alternation between two states (the ddr2 profile's PATTERN_READ ⇄
            // PATTERN_READ_WAIT) counts as one stall from its start.
            let back = self.prev_init_state == Some(v.bits as u64);
            self.prev_init_state = self.cur[id].map(|o| o.bits as u64);
            if !back {
                self.last_init_state_change = c;
            }
        }
        if id == ids.cke_200us_cnt && self.cur[id].is_some_and(|o| o.unknown == 0) {
            // The refresh-interval counter only runs out of reset.
            self.refresh_counter_moved = true;
        }
        let first = |o: &mut Option<u64>| {
            if o.is_none() {
                *o = Some(c);
            }
        };
        if id == ids.done_200us && self.rose(id, v, 0) {
            first(&mut self.s.done_200us_cycle);
        }
        if id == ids.dummyread && self.rose(id, v, 0) {
            first(&mut self.s.ctrl_dummyread_start_cycle);
        }
        if id == ids.tap_sel_done && self.rose(id, v, 0) {
            first(&mut self.s.tap_sel_done_cycle);
        }
        if id == ids.comp_done && self.rose(id, v, 0) {
            first(&mut self.s.comp_done_cycle);
        }
        if id == ids.init_done && self.rose(id, v, 0) {
            first(&mut self.s.init_done_cycle);
        }
        if id == ids.init_done
            && v.bits & 1 == 0
            && self.cur[id].is_some_and(|o| o.bits & 1 == 1 && o.unknown == 0)
        {
            self.s.init_done_lost_cycles.push(c);
        }
        for g in 0..self.s.groups.len() {
            if id == ids.chan_done && self.rose(id, v, g as u32) {
                let gs = &mut self.s.groups[g];
                if gs.calib_done_cycle.is_none() {
                    gs.chan_done_cycles.push(c);
                } else {
                    gs.chan_done_after_calib_done += 1;
                }
            }
            if id == ids.calib_done && self.rose(id, v, g as u32) {
                first(&mut self.s.groups[g].calib_done_cycle);
            }
        }
        for (g, &pid) in ids.pc_comp_done.iter().enumerate() {
            if id == pid && self.rose(id, v, 0) {
                if let Some(gs) = self.s.groups.get_mut(g) {
                    first(&mut gs.pattern_comp_done_cycle);
                }
            }
        }
        if let Some(w) = self.vcd.as_deref_mut().filter(|w| w.wants(id as u32)) {
            v.write_chars(self.widths[id], &mut self.scratch);
            if let Err(e) = w.change(self.time_fs, id as u32, &self.scratch) {
                self.error.get_or_insert(e);
            }
        }
        self.cur[id] = Some(v);
    }
}

impl Tracer<'_> {
    /// After every signal of a cycle is visited: decode the bus command.
    fn end_cycle(&mut self) {
        let [cs, ras, cas, we, ba, a] = self.ids.pins;
        if self.val(self.ids.cke) == 0 {
            return;
        }
        let cmd = Command::decode(
            self.val(cs) == 1,
            self.val(ras) == 1,
            self.val(cas) == 1,
            self.val(we) == 1,
            self.val(ba) as u8,
            self.val(a) as u16,
        );
        if cmd != Command::Nop {
            if self.s.first_command_cycle.is_none() {
                self.s.first_command_cycle = Some(self.cycle);
            }
            self.s.commands.push(BusCommand {
                cycle: self.cycle,
                cmd: cmd.mnemonic().to_string(),
                ba: self.val(ba) as u8,
                a: self.val(a) as u16,
            });
        }
    }
}

/// Errors of a run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The VCD writer (or another sink) failed.
    #[error(transparent)]
    Trace(#[from] migcal_traces::TraceError),
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

/// Simulate a scenario. With `vcd`, every signal change is written (timescale 1 fs, as the
/// goldens) and the finished VCD bytes are returned with the summary.
pub fn run(scn: &Scenario, vcd: bool) -> Result<(Summary, Option<Vec<u8>>), RunError> {
    run_with(scn, vcd, true)
}

/// [`run`], choosing whether idle stretches (nothing but the refresh-interval counter moving)
/// are jumped over; the result is the same either way (tested), only the speed differs.
pub fn run_with(
    scn: &Scenario,
    vcd: bool,
    skip_idle: bool,
) -> Result<(Summary, Option<Vec<u8>>), RunError> {
    let mut sink = VcdSink {
        writer: None,
        // About 40 bytes per clock (the clock pad alone changes twice per cycle).
        estimate: (scn.cycles() as usize).saturating_mul(40),
    };
    let s = run_traced(
        scn,
        skip_idle,
        if vcd {
            Some(&mut sink as &mut dyn ChangeSink)
        } else {
            None
        },
    )?;
    let bytes = match sink.writer {
        Some(w) => Some(w.finish()?),
        None => None,
    };
    Ok((s, bytes))
}

/// [`run_with`], sending every signal change to `sink` (when given) instead of a VCD.
pub fn run_traced(
    scn: &Scenario,
    skip_idle: bool,
    mut sink: Option<&mut dyn ChangeSink>,
) -> Result<Summary, RunError> {
    let p = scn.model_params();
    let period_ps = p.board.period_ps;
    let mut mig = Mig::new(p);
    let decls = mig.signal_decls();
    let groups = mig.params().groups as usize;
    let ids = Ids {
        init_state: find(&decls, "controller_00/init_state"),
        done_200us: find(&decls, "controller_00/done_200us"),
        dummyread: find(&decls, "controller_00/ctrl_dummyread_start"),
        tap_sel_done: find(&decls, "tap_logic_00/tap_sel_done"),
        comp_done: find(&decls, "rd_data_00/comp_done"),
        init_done: find(&decls, "controller_00/init_done"),
        chan_done: find(&decls, "tap_logic_00/chan_done_dqs"),
        calib_done: find(&decls, "tap_logic_00/calib_done_dqs"),
        pins: [
            find(&decls, "tb/cs_n"),
            find(&decls, "tb/ras_n"),
            find(&decls, "tb/cas_n"),
            find(&decls, "tb/we_n"),
            find(&decls, "tb/ba"),
            find(&decls, "tb/a"),
        ],
        cke: find(&decls, "tb/cke"),
        cke_200us_cnt: find(&decls, "controller_00/cke_200us_cnt"),
        taps: (0..mig.params().data_width)
            .map(|k| {
                find(
                    &decls,
                    &format!("v4_dq_iob_gen({k})/v4_dq_iob_0/idelay_dq/tap"),
                )
            })
            .collect(),
        pc_comp_done: (0..mig.params().data_width / 8)
            .map(|l| {
                find(
                    &decls,
                    &format!("pattern_compare4_gen({l})/pattern_0/comp_done"),
                )
            })
            .collect(),
        pc_clk_count_rise: (0..mig.params().data_width / 8)
            .map(|l| {
                find(
                    &decls,
                    &format!("pattern_compare4_gen({l})/pattern_0/clk_count_rise"),
                )
            })
            .collect(),
        pc_first_rising: (0..mig.params().data_width / 8)
            .map(|l| {
                find(
                    &decls,
                    &format!("pattern_compare4_gen({l})/pattern_0/first_rising"),
                )
            })
            .collect(),
    };
    // The VCD carries the per-cycle signals, then the pads (ids after them).
    let pad_decls = mig.pad_decls();
    if let Some(w) = sink.as_deref_mut() {
        let mut all = decls.clone();
        all.extend(pad_decls.iter().cloned());
        w.begin(&signal_infos(&all))?;
    }
    let mut pads = migcal_model::mig::PadTracker::new();
    // The pad waveforms are computed at quarter-clock resolution: only when someone reads them.
    let pads_wanted = sink
        .as_deref()
        .is_some_and(|w| (0..pad_decls.len()).any(|p| w.wants((decls.len() + p) as u32)));
    let mut pad_events = Vec::new();
    let mut pad_chars = Vec::new();
    let lanes = ids.pc_comp_done.len();
    let mut t = Tracer {
        ids,
        cur: vec![None; decls.len()],
        cycle: 0,
        time_fs: 0,
        vcd: sink,
        widths: decls.iter().map(|d| d.width).collect(),
        scratch: Vec::with_capacity(64),
        error: None,
        s: Summary {
            profile: match scn.profile {
                ProfileName::Minimodule => "minimodule".into(),
                ProfileName::Ddr2 => "ddr2".into(),
            },
            period_ps,
            cycles: 0,
            done_200us_cycle: None,
            first_command_cycle: None,
            ctrl_dummyread_start_cycle: None,
            tap_sel_done_cycle: None,
            comp_done_cycle: None,
            init_done_cycle: None,
            init_done_lost_cycles: Vec::new(),
            init_done_at_end: false,
            final_taps: Vec::new(),
            groups: vec![GroupSummary::default(); groups.max(lanes)],
            commands: Vec::new(),
            stall: None,
        },
        last_init_state_change: 0,
        prev_init_state: None,
        refresh_counter_moved: false,
    };
    // Power-up values at t = 0.
    mig.visit(&mut t);
    let cycles = scn.cycles();
    while mig.cycle() < cycles {
        let n = mig.cycle();
        mig.step();
        if let Some(w) = t.vcd.as_deref_mut().filter(|_| pads_wanted) {
            pad_events.clear();
            pads.advance(&mig, mig.edge_time_ps(n), &mut pad_events);
            for e in &pad_events {
                if !w.wants((decls.len() + e.pad) as u32) {
                    continue;
                }
                let width = pad_decls[e.pad].width;
                e.value.write_chars(width, &mut pad_chars);
                w.change(e.time_fs, (decls.len() + e.pad) as u32, &pad_chars)?;
            }
        }
        t.cycle = n;
        t.time_fs = ((n as f64 + 0.5) * period_ps * 1000.0).round() as u64;
        mig.visit(&mut t);
        t.end_cycle();
        if let Some(e) = t.error.take() {
            return Err(e.into());
        }
        if skip_idle {
            mig.skip_idle(cycles - mig.cycle());
        }
    }
    // The pads up to the stop time (the last stretch may have been skipped as idle).
    if let Some(w) = t.vcd.as_deref_mut().filter(|_| pads_wanted) {
        pad_events.clear();
        pads.advance(&mig, scn.stop_time_us * 1e6, &mut pad_events);
        for e in &pad_events {
            if !w.wants((decls.len() + e.pad) as u32) {
                continue;
            }
            e.value.write_chars(pad_decls[e.pad].width, &mut pad_chars);
            w.change(e.time_fs, (decls.len() + e.pad) as u32, &pad_chars)?;
        }
    }
    let mut s = std::mem::replace(
        &mut t.s,
        Summary {
            profile: String::new(),
            period_ps,
            cycles: 0,
            done_200us_cycle: None,
            first_command_cycle: None,
            ctrl_dummyread_start_cycle: None,
            tap_sel_done_cycle: None,
            comp_done_cycle: None,
            init_done_cycle: None,
            init_done_lost_cycles: Vec::new(),
            init_done_at_end: false,
            final_taps: Vec::new(),
            groups: Vec::new(),
            commands: Vec::new(),
            stall: None,
        },
    );
    s.cycles = cycles;
    s.final_taps = t.ids.taps.iter().map(|&i| t.val(i) as u8).collect();
    for l in 0..lanes {
        s.groups[l].clk_count_rise = t.val(t.ids.pc_clk_count_rise[l]);
        s.groups[l].first_rising = t.val(t.ids.pc_first_rising[l]) == 1;
    }
    s.init_done_at_end = t.val(t.ids.init_done) == 1;
    if !s.init_done_at_end {
        let code = t.val(t.ids.init_state);
        let lost = !s.init_done_lost_cycles.is_empty();
        let stage = if lost && t.val(t.ids.done_200us) == 0 {
            // init_done was reached and lost: the interface went back into reset.
            "clocking"
        } else if s.done_200us_cycle.is_none() {
            // Held in reset (DCM, IDELAYCTRL, reset input) when even the 200 us counter never ran.
            if t.refresh_counter_moved {
                "memory_setup"
            } else {
                "clocking"
            }
        } else if s.tap_sel_done_cycle.is_none() {
            if s.ctrl_dummyread_start_cycle.is_none() {
                "memory_setup"
            } else {
                "tap_calibration"
            }
        } else {
            "read_latency"
        };
        s.stall = Some(Stall {
            stage: stage.into(),
            init_state: match scn.profile {
                ProfileName::Minimodule => init::name(code as u8),
                ProfileName::Ddr2 => ddr2::name(code as u32),
            }
            .unwrap_or("unknown")
            .into(),
            cycle: t
                .last_init_state_change
                .max(s.init_done_lost_cycles.last().copied().unwrap_or(0)),
        });
    }
    if let Some(w) = t.vcd.as_deref_mut() {
        // The run lasts to the stop time even when nothing changes at its end (a controller
        // held in reset): say so in the trace.
        w.end(((cycles as f64 + 0.5) * period_ps * 1000.0).round() as u64)?;
    }
    Ok(s)
}
