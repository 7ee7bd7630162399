//! The `simulate` summary: the run described by the one analysis of its trace (the same
//! [`Facts`] and [`Diagnosis`] `diagnose` gives for a capture of it), in clk_0 cycles.

use super::dcm::{DcmRun, DcmSummary};
use super::RunError;
use crate::analysis::Facts;
use crate::diagnose::{Diagnosis, Stage};
use crate::scenario::Scenario;
use migcal_traces::Time;
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
    /// The stage the diagnosis names (serialized by its contract name, `clocking`, ...).
    pub stage: Stage,
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
/// The summary of a run of `scn` whose trace the analysis made `f` of and the rules `d`.
///
/// Cycles are counted from the scenario's own clock (the analysis counts in its `Clock`, which
/// is the scenario's too, but whole femtoseconds; this is exact for any period in ps). The
/// stall is present when `init_done` is not high at the end; its stage is the diagnosis'.
pub fn summarize(scn: &Scenario, f: &Facts, d: &Diagnosis) -> Result<Summary, RunError> {
    let p = scn.model_params();
    let period_ps = p.board.period_ps;
    // Every change the summary reads is on a clk_0 edge, at (n + 0.5) periods.
    let cycle = |t: Time| ((t as f64 / 1000.0) / period_ps - 0.5).round().max(0.0) as u64;
    let cycles = |v: &[Time]| v.iter().map(|&t| cycle(t)).collect::<Vec<u64>>();
    let lanes = (p.data_width / 8) as usize;
    let groups = (0..(p.groups as usize).max(lanes))
        .map(|g| group_summary(f, g, &cycle))
        .collect();
    let init_done_falls = cycles(&f.init_done_falls);
    let stall = (!f.init_done_at_end).then(|| Stall {
        stage: d.stage,
        init_state: f
            .init_state
            .map(|(s, _)| f.profile.init_state_name(s))
            .unwrap_or_else(|| "unknown".into()),
        cycle: f
            .init_state_settled
            .map_or(0, cycle)
            .max(init_done_falls.last().copied().unwrap_or(0)),
    });
    let dcm = match &scn.clocking {
        Some(c) => Some(DcmRun::new(c, scn.stop_time_us)?.summary(
            period_ps,
            &cycles(&f.init_done_rises),
            &init_done_falls,
        )),
        None => None,
    };
    Ok(Summary {
        profile: scn.profile.name().into(),
        period_ps,
        cycles: scn.cycles(),
        done_200us_cycle: f.done_200us.map(cycle),
        first_command_cycle: f.commands.first().map(|c| cycle(c.time)),
        ctrl_dummyread_start_cycle: f.dummyread_start.map(cycle),
        tap_sel_done_cycle: f.tap_sel_done.map(cycle),
        comp_done_cycle: f.comp_done.map(cycle),
        init_done_cycle: f.init_done.map(cycle),
        init_done_lost_cycles: init_done_falls,
        init_done_at_end: f.init_done_at_end,
        final_taps: (0..p.data_width as usize)
            .map(|k| f.final_taps.get(k).copied().flatten().unwrap_or(0) as u8)
            .collect(),
        groups,
        commands: f
            .commands
            .iter()
            .map(|c| BusCommand {
                cycle: cycle(c.time),
                cmd: c.kind.to_string(),
                ba: c.ba.unwrap_or(0) as u8,
                a: c.a.unwrap_or(0) as u16,
            })
            .collect(),
        stall,
        dcm,
    })
}

/// One tap_logic group's and pattern-compare lane's part of the summary.
fn group_summary(f: &Facts, g: usize, cycle: &dyn Fn(Time) -> u64) -> GroupSummary {
    let calib = f.calib_done.get(g).copied().flatten();
    let pulses = f.chan_done_all.get(g).map(Vec::as_slice).unwrap_or(&[]);
    // A CHAN_DONE on calib_done's own edge still belongs to the walk (tap_logic raises both
    // from the same state).
    let before = pulses.iter().filter(|&&t| calib.is_none_or(|c| t <= c));
    let lane = f.pattern.iter().find(|p| p.group as usize == g);
    GroupSummary {
        chan_done_cycles: before.map(|&t| cycle(t)).collect(),
        chan_done_after_calib_done: calib.map_or(0, |c| pulses.iter().filter(|&&t| t > c).count())
            as u64,
        calib_done_cycle: calib.map(cycle),
        pattern_comp_done_cycle: lane.and_then(|l| l.comp_done).map(cycle),
        clk_count_rise: lane.and_then(|l| l.clk_count_rise).unwrap_or(0),
        first_rising: lane.and_then(|l| l.first_rising) == Some(1),
    }
}
