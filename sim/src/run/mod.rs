//! Running a scenario: drives the model cycle by cycle, streams every signal change to an
//! optional VCD, and folds the same change stream into a summary (stage boundaries, taps, bus
//! commands, stall), so the summary describes exactly what the trace shows.
//!
//! With a `[clocking]` section the DCM model's waveform drives the controller's `dcm_lock`, and
//! the run spans milliseconds: the model jumps over idle stretches (held in reset, the 200 us
//! wait, the refresh interval), the DCM's LOCKED, RST and STATUS bits are written to the VCD at
//! their own femtosecond times, in time order with the controller's changes, and the summary
//! lists every lock, unlock and restart of the interface. The memory clock pad `tb/ck` is left
//! out of such a trace: two changes per 5 ns clock over hundreds of milliseconds would be
//! gigabytes, and nothing in the DCM story needs it (STATUS\[1\] shows CLKIN presence).

use crate::scenario::clocking::{ClockingConfig, ConfigError, DcmSetup};
use crate::scenario::{ProfileName, Scenario};
use migcal_model::dcm::{self, Input, OutputSignal, Waveform, FS_PER_MS};
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

/// One change of the DCM's LOCKED (the controller's `dcm_lock`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LockChange {
    /// `true` when LOCKED rose, `false` when it fell.
    pub locked: bool,
    /// When, in milliseconds.
    pub time_ms: f64,
    /// When, in femtoseconds (exact).
    pub time_fs: u64,
    /// The first clk_0 cycle whose rising edge sees the new level.
    pub cycle: u64,
}

/// One change on the DCM's inputs (CLKIN stop/resume/period, RST).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DcmInputChange {
    /// When, in milliseconds.
    pub time_ms: f64,
    /// When, in femtoseconds (exact).
    pub time_fs: u64,
    /// What changed (`RST assert`, `CLKIN stop`, ...).
    pub input: String,
}

/// A reset of the whole interface by LOCKED falling: the controller goes back to reset and init
/// starts over at the next lock.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Restart {
    /// When LOCKED fell, in milliseconds.
    pub unlock_time_ms: f64,
    /// The first clk_0 cycle that saw LOCKED low.
    pub unlock_cycle: u64,
    /// The cycle `init_done` fell, when init had completed before the unlock.
    pub init_done_lost_cycle: Option<u64>,
    /// When LOCKED rose again (init starting over), in milliseconds; `None` if not in the run.
    pub relock_time_ms: Option<f64>,
    /// The first clk_0 cycle that saw the relock.
    pub relock_cycle: Option<u64>,
    /// The cycle `init_done` rose again after the relock, if it did before the run ended (or
    /// LOCKED fell again).
    pub init_done_again_cycle: Option<u64>,
}

/// What the DCM did during the run (present when the scenario has `[clocking]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DcmSummary {
    /// The primitive (`DCM`, `DCM_BASE`, `DCM_ADV`).
    pub primitive: String,
    /// `DCM_AUTOCALIBRATION` in effect (the legacy `DCM` has no attribute: TRUE).
    pub dcm_autocalibration: bool,
    /// Whether MAP inserts the AR21435 autocalibration macro (TRUE and stepping >= 2).
    pub autocal_macro: bool,
    /// The input changes, in time order.
    pub inputs: Vec<DcmInputChange>,
    /// Every rise and fall of LOCKED, in time order.
    pub lock_changes: Vec<LockChange>,
    /// LOCKED at the end of the run.
    pub locked_at_end: bool,
    /// Every interface reset caused by LOCKED falling after it had risen.
    pub restarts: Vec<Restart>,
    /// Every cycle `init_done` rose (more than one when the interface restarted).
    pub init_done_cycles: Vec<u64>,
    /// Remarks on the configuration that are not errors.
    pub notes: Vec<String>,
}

/// The result of a run (also the `simulate --json` document).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
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
    /// The DCM's part of the run, when the scenario has `[clocking]` (absent from the JSON
    /// otherwise, so runs without a DCM keep their document).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dcm: Option<DcmSummary>,
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
    /// per-cycle signals of [`Mig::signal_decls`], then the pads of [`Mig::pad_decls`], then,
    /// with `[clocking]`, the DCM's LOCKED, RST, STATUS\[1\] and STATUS\[2\]; a DCM run has no
    /// `tb/ck` pad, see the module doc).
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
    /// Every rise of `init_done` (the summary keeps the first; restarts need them all).
    init_done_rises: Vec<u64>,
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
            self.init_done_rises.push(c);
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
    /// The `[clocking]` section cannot be simulated (e.g. a RST shorter than 3 CLKIN cycles);
    /// the message names the key (`clocking.rst[0].length_ms`).
    #[error("key `clocking`: {0}")]
    Clocking(#[from] ConfigError),
    /// The DCM model refused the inputs up to the stop time.
    #[error("key `clocking`: {0}")]
    Dcm(#[from] dcm::DcmError),
}

/// The DCM side of a run: its inputs and the waveform the model gives up to the stop time.
struct DcmRun {
    setup: DcmSetup,
    wave: Waveform,
}

/// The DCM signals in the VCD, after the controller's and the pads: names an engineer's
/// testbench would use for a DCM instance, which the name matcher binds to `dcm/locked`,
/// `dcm/rst`, `dcm/status[1]` and `dcm/status[2]`.
const DCM_VCD_NAMES: [&str; 4] = [
    "tb/dut/infrastructure0/dcm0/locked",
    "tb/dut/infrastructure0/dcm0/rst",
    "tb/dut/infrastructure0/dcm0/status[1]",
    "tb/dut/infrastructure0/dcm0/status[2]",
];

impl DcmRun {
    /// Builds the DCM's inputs and simulates it up to the scenario's stop time (the same
    /// computation the scenario's `dcm_locked_ps` comes from).
    fn new(c: &ClockingConfig, stop_time_us: f64) -> Result<DcmRun, RunError> {
        let setup = c.build()?;
        let until = (stop_time_us * 1e9) as u64;
        let wave = dcm::simulate(&setup.params, &setup.clkin, &setup.inputs, until)?;
        Ok(DcmRun { setup, wave })
    }

    /// LOCKED high stretches in ps, the controller's `dcm_lock`.
    fn locked_ps(&self) -> Vec<(f64, Option<f64>)> {
        let ps = |t: u64| t as f64 / 1000.0;
        self.wave
            .locked_intervals()
            .map(|iv| (ps(iv.rise), iv.fall.map(ps)))
            .collect()
    }

    /// Every level change of the four traced DCM signals as (time fs, index into
    /// [`DCM_VCD_NAMES`], level), in time order, starting with the levels at t = 0. At one
    /// instant an input (RST) comes before the outputs it causes.
    fn vcd_changes(&self) -> Vec<(u64, usize, bool)> {
        let w = &self.wave;
        let mut v = vec![
            (0, 0, w.initial.locked),
            (0, 1, false),
            (0, 2, w.initial.status1),
            (0, 3, w.initial.status2),
        ];
        for e in self.setup.inputs.iter().filter(|e| e.time <= w.end) {
            match e.input {
                Input::RstAssert => v.push((e.time, 1, true)),
                Input::RstDeassert => v.push((e.time, 1, false)),
                _ => {}
            }
        }
        for e in &w.events {
            let i = match e.signal {
                OutputSignal::Locked => 0,
                OutputSignal::Status1 => 2,
                OutputSignal::Status2 => 3,
            };
            v.push((e.time, i, e.value));
        }
        // Stable: the order above (inputs, then outputs) is kept within an instant.
        v.sort_by_key(|c| c.0);
        v
    }

    /// The summary section, from the waveform and the controller's `init_done` history.
    fn summary(
        &self,
        period_ps: f64,
        init_done_rises: &[u64],
        init_done_falls: &[u64],
    ) -> DcmSummary {
        let ms = |t: u64| t as f64 / FS_PER_MS as f64;
        let lock_changes: Vec<LockChange> = self
            .wave
            .changes(OutputSignal::Locked)
            .map(|e| LockChange {
                locked: e.value,
                time_ms: ms(e.time),
                time_fs: e.time,
                cycle: first_edge_after(e.time, period_ps),
            })
            .collect();
        let mut restarts = Vec::new();
        for (k, fall) in lock_changes.iter().enumerate() {
            if fall.locked || !lock_changes[..k].iter().any(|c| c.locked) {
                continue;
            }
            let relock = lock_changes[k + 1..].iter().find(|c| c.locked);
            let next_fall = relock.and_then(|r| {
                lock_changes[k + 1..]
                    .iter()
                    .find(|c| !c.locked && c.time_fs > r.time_fs)
            });
            // init_done falls a few cycles after the unlock (the reset synchronisers), before
            // the relock.
            let lost = init_done_falls
                .iter()
                .copied()
                .find(|&c| c >= fall.cycle && relock.is_none_or(|r| c < r.cycle));
            let again = relock.and_then(|r| {
                init_done_rises
                    .iter()
                    .copied()
                    .find(|&c| c >= r.cycle && next_fall.is_none_or(|f| c < f.cycle))
            });
            restarts.push(Restart {
                unlock_time_ms: fall.time_ms,
                unlock_cycle: fall.cycle,
                init_done_lost_cycle: lost,
                relock_time_ms: relock.map(|r| r.time_ms),
                relock_cycle: relock.map(|r| r.cycle),
                init_done_again_cycle: again,
            });
        }
        let p = &self.setup.params;
        DcmSummary {
            primitive: p.primitive.to_string(),
            dcm_autocalibration: p.effective_autocalibration(),
            autocal_macro: p.autocal_macro_inserted(),
            inputs: self
                .setup
                .inputs
                .iter()
                .filter(|e| e.time <= self.wave.end)
                .map(|e| DcmInputChange {
                    time_ms: ms(e.time),
                    time_fs: e.time,
                    input: e.input.to_string(),
                })
                .collect(),
            locked_at_end: self.wave.locked_at(self.wave.end),
            lock_changes,
            restarts,
            init_done_cycles: init_done_rises.to_vec(),
            notes: self.setup.notes.clone(),
        }
    }
}

/// The first clk_0 cycle whose rising edge (at `(n + 0.5)` periods) lies strictly after `t_fs`:
/// the controller samples `dcm_lock` there (as `Mig::dcm_lock_at`, with the same arithmetic).
fn first_edge_after(t_fs: u64, period_ps: f64) -> u64 {
    let t_ps = t_fs as f64 / 1000.0;
    let edge = |n: u64| period_ps * (n as f64 + 0.5);
    let mut n = ((t_ps / period_ps) - 0.5).floor().max(-1.0) as i64 + 1;
    // Float rounding may put the estimate one edge off either way.
    while n > 0 && edge(n as u64 - 1) > t_ps {
        n -= 1;
    }
    let mut n = n.max(0) as u64;
    while edge(n) <= t_ps {
        n += 1;
    }
    n
}

/// Writes the DCM's changes to the VCD as their times come due.
struct DcmTrace {
    changes: Vec<(u64, usize, bool)>,
    next: usize,
    first_id: u32,
}

impl DcmTrace {
    /// Writes every pending change at or before `upto` fs.
    fn flush(&mut self, w: &mut dyn ChangeSink, upto: u64) -> Result<(), RunError> {
        while let Some(&(t, i, v)) = self.changes.get(self.next).filter(|c| c.0 <= upto) {
            let id = self.first_id + i as u32;
            if w.wants(id) {
                w.change(t, id, if v { b"1" } else { b"0" })?;
            }
            self.next += 1;
        }
        Ok(())
    }
}

/// The pads' side of the trace: the tracker, which pads are written under which id (`None`: not
/// traced, or not wanted by the sink), and the DCM changes to interleave with them.
struct Pads {
    tracker: migcal_model::mig::PadTracker,
    upto_ps: f64,
    /// The longest stretch handed to the tracker at once (`None`: any).
    step_ps: Option<f64>,
    events: Vec<migcal_model::probe::PadEvent>,
    chars: Vec<u8>,
    ids: Vec<Option<u32>>,
    widths: Vec<u32>,
}

impl Pads {
    /// Writes the pad changes up to `to_ps`, with any DCM change that falls before each.
    fn advance(
        &mut self,
        mig: &Mig,
        to_ps: f64,
        w: &mut dyn ChangeSink,
        mut dcm: Option<&mut DcmTrace>,
    ) -> Result<(), RunError> {
        loop {
            let to = match self.step_ps {
                Some(step) if to_ps - self.upto_ps > step => self.upto_ps + step,
                _ => to_ps,
            };
            self.events.clear();
            self.tracker.advance(mig, to, &mut self.events);
            for e in &self.events {
                let Some(id) = self.ids[e.pad] else { continue };
                if let Some(d) = dcm.as_deref_mut() {
                    d.flush(w, e.time_fs)?;
                }
                e.value.write_chars(self.widths[e.pad], &mut self.chars);
                w.change(e.time_fs, id, &self.chars)?;
            }
            self.upto_ps = self.upto_ps.max(to);
            if to >= to_ps {
                return Ok(());
            }
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
    // About 40 bytes per clock (the clock pad alone changes twice per cycle); a DCM run skips
    // most of its clocks and has no clock pad, so only its start is reserved.
    let mut estimate = (scn.cycles() as usize).saturating_mul(40);
    if scn.clocking.is_some() {
        estimate = estimate.min(1 << 24);
    }
    let mut sink = VcdSink {
        writer: None,
        estimate,
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
    // The trace carries the per-cycle signals, then the pads (ids after them), then the DCM's.
    let pad_decls = mig.pad_decls();
    // A DCM run lasts milliseconds: leave the memory clock out (see the module doc).
    let traced_pads: Vec<bool> = pad_decls
        .iter()
        .map(|d| dcm_run.is_none() || d.name != "tb/ck")
        .collect();
    let first_dcm_id = (decls.len() + traced_pads.iter().filter(|&&t| t).count()) as u32;
    if let Some(w) = sink.as_deref_mut() {
        let mut all = decls.clone();
        all.extend(
            pad_decls
                .iter()
                .zip(&traced_pads)
                .filter(|(_, &t)| t)
                .map(|(d, _)| d.clone()),
        );
        if dcm_run.is_some() {
            all.extend(DCM_VCD_NAMES.iter().map(|n| SignalDecl {
                name: (*n).to_string(),
                width: 1,
                integer: false,
            }));
        }
        w.begin(&signal_infos(&all))?;
    }
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
                    .filter(|&id| sink.as_deref().is_some_and(|w| w.wants(id)))
            })
            .collect()
    };
    let pads_wanted = pad_ids.iter().any(Option::is_some);
    let mut dcm_trace = dcm_run.as_ref().map(|d| DcmTrace {
        changes: d.vcd_changes(),
        next: 0,
        first_id: first_dcm_id,
    });
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
            dcm: None,
        },
        last_init_state_change: 0,
        prev_init_state: None,
        refresh_counter_moved: false,
        init_done_rises: Vec::new(),
    };
    // Power-up values at t = 0.
    mig.visit(&mut t);
    let cycles = scn.cycles();
    while mig.cycle() < cycles {
        let n = mig.cycle();
        mig.step();
        t.cycle = n;
        t.time_fs = ((n as f64 + 0.5) * period_ps * 1000.0).round() as u64;
        if let Some(w) = t.vcd.as_deref_mut() {
            if pads_wanted {
                pads.advance(&mig, mig.edge_time_ps(n), w, dcm_trace.as_mut())?;
            }
            if let Some(d) = dcm_trace.as_mut() {
                d.flush(w, t.time_fs)?;
            }
        }
        mig.visit(&mut t);
        t.end_cycle();
        if let Some(e) = t.error.take() {
            return Err(e.into());
        }
        if skip_idle {
            mig.skip_idle(cycles - mig.cycle());
        }
    }
    // The pads up to the stop time (the last stretch may have been skipped as idle), and the
    // DCM's changes up to the end of its waveform.
    if let Some(w) = t.vcd.as_deref_mut() {
        if pads_wanted {
            pads.advance(&mig, scn.stop_time_us * 1e6, w, dcm_trace.as_mut())?;
        }
        if let Some(d) = dcm_trace.as_mut() {
            d.flush(w, u64::MAX)?;
        }
    }
    let mut s = std::mem::take(&mut t.s);
    s.cycles = cycles;
    s.final_taps = t.ids.taps.iter().map(|&i| t.val(i) as u8).collect();
    for l in 0..lanes {
        s.groups[l].clk_count_rise = t.val(t.ids.pc_clk_count_rise[l]);
        s.groups[l].first_rising = t.val(t.ids.pc_first_rising[l]) == 1;
    }
    s.init_done_at_end = t.val(t.ids.init_done) == 1;
    s.dcm = dcm_run
        .as_ref()
        .map(|d| d.summary(period_ps, &t.init_done_rises, &s.init_done_lost_cycles));
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

#[cfg(test)]
mod tests {
    use super::first_edge_after;

    #[test]
    fn first_edge_after_is_strictly_after() {
        // Edges at 2.5 ns, 7.5 ns, 12.5 ns, ... of a 5 ns clock.
        assert_eq!(first_edge_after(0, 5000.0), 0);
        assert_eq!(first_edge_after(2_499_999, 5000.0), 0);
        assert_eq!(first_edge_after(2_500_000, 5000.0), 1);
        assert_eq!(first_edge_after(2_500_001, 5000.0), 1);
        // 1 ms: edge 199999 is at 999997.5 ns, edge 200000 at 1000002.5 ns.
        assert_eq!(first_edge_after(1_000_000_000_000, 5000.0), 200_000);
        // An odd period where float rounding matters.
        for n in [1u64, 7, 123_456, 98_765_432] {
            let edge_fs = (3333.0 * (n as f64 + 0.5) * 1000.0).round() as u64;
            let k = first_edge_after(edge_fs, 3333.0);
            assert!(3333.0 * (k as f64 + 0.5) > edge_fs as f64 / 1000.0);
            assert!(k == 0 || 3333.0 * (k as f64 - 0.5) <= edge_fs as f64 / 1000.0);
        }
    }
}
