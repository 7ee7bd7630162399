//! The one analysis path: folds a [`Capture`] (from a file or from the model) into the facts a
//! diagnosis needs: stage boundaries, per-DQ tap sweeps, CHAN_DONE counts, pattern-compare state
//! and the command bus. It states facts only; `diagnose` turns them into findings.

pub mod bus;
pub mod capture;
pub mod dcm;
pub mod jedec;
pub mod pattern;
pub mod pins;
pub mod profile;
mod reads;
pub mod sweep;

pub use bus::{BusCommand, MAX_HELD_COMMAND_CYCLES};
pub use pattern::PatternGroup;
pub use pins::PinActivity;
pub use profile::{Clock, Profile};
pub use reads::reads;
pub use sweep::{DqSweep, Step, SweepSource, MAX_CE_RUN_CYCLES};

use crate::analysis::capture::{rising_edges, Capture};
use migcal_traces::{Time, TimeBase};
use serde::Serialize;

/// Everything the analysis established about a capture.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    /// The build assumed.
    pub profile: Profile,
    /// How cycles were counted.
    pub clock: Clock,
    /// What times count.
    pub time_base: TimeBase,
    /// End of the capture.
    pub end_time: Time,
    /// `init_state` at the end, and when it last changed.
    pub init_state: Option<(u64, Time)>,
    /// `init_state` leaving INIT_IDLE for the first time.
    pub init_start: Option<Time>,
    /// `done_200us` rising.
    pub done_200us: Option<Time>,
    /// `cke_200us_cnt` at the end (31 = never counted).
    pub cke_200us_cnt: Option<u64>,
    /// `ctrl_dummyread_start` rising.
    pub dummyread_start: Option<Time>,
    /// Per tap_logic group: `tap_ctrl[i]/current_state` leaving START.
    pub tap_ctrl_started: Vec<Option<Time>>,
    /// Per tap_logic group: `calib_done_dqs[i]` (or `calib_done_int`) rising.
    pub calib_done: Vec<Option<Time>>,
    /// Per tap_logic group: CHAN_DONE pulses.
    pub chan_done: Vec<Vec<Time>>,
    /// Per tap_logic group: every CHAN_DONE rise, also those after the group's `calib_done`
    /// (tap_ctrl keeps walking with no line selected while other groups still calibrate).
    pub chan_done_all: Vec<Vec<Time>>,
    /// `data_tap_inc_done` rising.
    pub data_tap_inc_done: Option<Time>,
    /// `tap_sel_done` rising.
    pub tap_sel_done: Option<Time>,
    /// Per pattern group the capture has (`group` says which; groups not probed are absent).
    pub pattern: Vec<PatternGroup>,
    /// Pattern groups of the build (one per byte of the DQ bus): a conclusion about stage 3
    /// from `pattern` alone needs every one of them.
    #[serde(skip)]
    pub pattern_bytes: u32,
    /// `COMP_DONE` (rd_data or controller) rising.
    pub comp_done: Option<Time>,
    /// `init_done` rising.
    pub init_done: Option<Time>,
    /// Every rise of `init_done` (more than one when the interface was reset and init ran
    /// again, e.g. the DCM's LOCKED lost and regained).
    pub init_done_rises: Vec<Time>,
    /// Every fall of `init_done` from a known 1 (the interface reset).
    pub init_done_falls: Vec<Time>,
    /// `init_done` high at the end of the capture.
    pub init_done_at_end: bool,
    /// When `init_state` entered the stretch it ends in: its last change, except that an
    /// alternation between two states (the ddr2 profile's PATTERN_READ ⇄ PATTERN_READ_WAIT)
    /// counts from its start.
    pub init_state_settled: Option<Time>,
    /// Is `init_done` in the capture at all (a probe set may lack it)?
    pub init_done_captured: bool,
    /// Is `ctrl_dummyread_start` in the capture at all?
    pub dummyread_captured: bool,
    /// Did any captured signal change after t = 0 (a controller held in reset shows nothing)?
    pub anything_moved: bool,
    /// Per DQ line that the capture lets us follow.
    pub per_dq: Vec<DqSweep>,
    /// The IDELAY tap of each DQ line at the end (`idelay_dq[k]/tap`, DQ0 up to the first line
    /// not in the capture; `None` while x).
    pub final_taps: Vec<Option<u64>>,
    /// Bus commands (all of them; a 600 µs capture has a few hundred).
    pub commands: Vec<BusCommand>,
    /// Signals whose history was cut in the middle to bound memory (name, changes not kept):
    /// counts and edges inside that stretch are not seen.
    pub elided: Vec<(String, u64)>,
    /// What each DQ's controller pin did during stage 2, when the pins are captured.
    pub dq_pins: Vec<PinActivity>,
    /// LOCKED, RST and CLKIN/STATUS[1] as the DCM rule reads them, when the capture has LOCKED
    /// (the rule itself runs in `diagnose`).
    #[serde(skip)]
    pub dcm: Option<dcm::Observation>,
    /// Canonical names the analysis looked for and did not find.
    pub missing: Vec<String>,
    /// Does [`Facts::end_time`] mark the end of the capture? False for a change-per-row export
    /// (Saleae Logic 2 CSV), whose last row is its last change: nothing is known after it.
    #[serde(skip)]
    pub end_known: bool,
    /// The shortest time between two changes of the capture: its sample period is at most this.
    #[serde(skip)]
    pub sample_gap: Option<Time>,
    /// Signals in the capture that the analysis did not read because its sampling cannot show
    /// them: one-cycle pulses and per-cycle toggles need a sample at least every clk_0 cycle.
    #[serde(skip)]
    pub unresolved: Vec<String>,
}

/// Signals that change every clk_0 cycle or pulse for one cycle (strobes, counters' bit 0, the
/// command and data pins): with fewer than one sample per clk_0 cycle a pulse can fall between
/// samples and a toggle can alias to a constant, so neither presence nor absence is evidence.
pub fn needs_every_cycle(canonical: &str) -> bool {
    let Some((block, signal)) = canonical.split_once('/') else {
        return false;
    };
    let block = block.split('[').next().unwrap_or(block);
    let signal = signal.split('[').next().unwrap_or(signal);
    match block {
        "tap_logic" => matches!(
            signal,
            "chan_done_dqs" | "dlyce_dqs" | "dlyinc_dqs" | "data_idelay_ce" | "data_idelay_inc"
        ),
        "pattern_compare" => matches!(signal, "clk_cnt_rise" | "rd_data_rise" | "rd_data_fall"),
        "pins" => matches!(
            signal,
            "cs_n" | "ras_n" | "cas_n" | "we_n" | "ba" | "a" | "dq" | "dqs"
        ),
        _ => false,
    }
}

/// Can a capture whose changes are at least `gap` apart show a one-cycle pulse or a per-cycle
/// toggle of a `period` clock? Every sample instant lies on the sample grid, so the sample
/// period is at most `gap`; a period of at most one clk_0 cycle puts a sample inside every
/// cycle (one part in a thousand of slack for times rounded by the export).
pub fn resolves_every_cycle(gap: Option<Time>, period: Time) -> bool {
    gap.is_some_and(|g| g <= period + period / 1000)
}

/// Analysis settings.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// The build; `None` = guess from `init_state`'s width.
    pub profile: Option<Profile>,
    /// clk_0; `None` = the goldens' 200 MHz for fs captures, one sample per cycle otherwise.
    pub clock: Option<Clock>,
}

pub(crate) fn first_rise(c: &Capture, name: &str) -> Option<Time> {
    c.bit(name, 0)
        .and_then(|b| rising_edges(&b).first().copied())
}

/// Runs the analysis. Signals the capture's sampling cannot resolve
/// ([`needs_every_cycle`], [`resolves_every_cycle`]) are not read: they are listed in
/// [`Facts::unresolved`] instead.
pub fn analyze(c: &Capture, cfg: &Config) -> Facts {
    let clock = cfg.clock.unwrap_or(default_clock(c));
    let fast_loaded = c.mig.names().any(needs_every_cycle);
    if c.time_base() == TimeBase::Femtoseconds
        && fast_loaded
        && !resolves_every_cycle(c.min_change_gap(), clock.period)
    {
        let (blind, hidden) = c.blinded(needs_every_cycle);
        let mut f = analyze_resolved(&blind, cfg);
        f.unresolved = hidden;
        return f;
    }
    analyze_resolved(c, cfg)
}

fn default_clock(c: &Capture) -> Clock {
    match c.time_base() {
        TimeBase::Femtoseconds => Clock::GOLDEN,
        TimeBase::Samples => Clock {
            period: 1,
            first_edge: 0,
        },
    }
}

/// What each tap_logic group did in stage 2.
struct Stage2Groups {
    tap_ctrl_started: Vec<Option<Time>>,
    calib_done: Vec<Option<Time>>,
    chan_done: Vec<Vec<Time>>,
    chan_done_all: Vec<Vec<Time>>,
}

/// When each group's tap_ctrl left START, its calib_done rose and its CHAN_DONE pulses.
fn stage2_groups(c: &Capture, clock: Clock, groups: u32) -> Stage2Groups {
    let tap_ctrl_started = (0..groups)
        .map(|g| {
            c.ints(&format!("tap_ctrl[{g}]/current_state"))
                .and_then(|v| {
                    v.iter()
                        .find(|(_, x)| matches!(x, Some(s) if *s != 0))
                        .map(|(t, _)| *t)
                })
        })
        .collect();
    let calib_done: Vec<Option<Time>> = (0..groups)
        .map(|g| {
            c.bit("tap_logic/calib_done_dqs", g)
                .or_else(|| c.bit(&format!("data_tap_inc[{g}]/calib_done_int"), 0))
                .and_then(|b| rising_edges(&b).first().copied())
        })
        .collect();
    // CHAN_DONE pulses up to the group's calib_done: the RTL can pulse again after the group is
    // done (golden fault1, group 1), which is not a line being calibrated.
    let chan_done_all: Vec<Vec<Time>> = (0..groups)
        .map(|g| {
            c.bit("tap_logic/chan_done_dqs", g)
                .map(|b| rising_edges(&b))
                .unwrap_or_default()
        })
        .collect();
    let chan_done = (0..groups)
        .map(|g| {
            let mut v = chan_done_all[g as usize].clone();
            if let Some(Some(done)) = calib_done.get(g as usize) {
                let limit = done + 4 * clock.period;
                v.retain(|t| *t <= limit);
            }
            v
        })
        .collect();
    Stage2Groups {
        tap_ctrl_started,
        calib_done,
        chan_done,
        chan_done_all,
    }
}

fn analyze_resolved(c: &Capture, cfg: &Config) -> Facts {
    let mut missing = Vec::new();
    let mut need = |name: &str, c: &Capture| {
        if !c.has(name) {
            missing.push(name.to_string());
        }
    };
    let profile = cfg.profile.unwrap_or_else(|| guess_profile(c));
    let clock = cfg.clock.unwrap_or(default_clock(c));
    for n in [
        "ddr_controller/init_state",
        "tap_logic/tap_sel_done",
        "rd_data/comp_done",
        "ddr_controller/init_done",
        "tap_logic/dlyce_dqs",
        "tap_logic/dlyinc_dqs",
        "tap_logic/chan_done_dqs",
    ] {
        need(n, c);
    }

    let init_states = c.ints("ddr_controller/init_state");
    let init_state = init_states
        .as_ref()
        .and_then(|v| v.last().and_then(|(t, x)| x.map(|x| (x, *t))));
    let init_start = init_states.as_ref().and_then(|v| {
        v.iter()
            .find(|(_, x)| matches!(x, Some(s) if !is_idle(profile, *s)))
            .map(|(t, _)| *t)
    });
    let groups = profile.calibrated_groups(dq_width(c));
    let Stage2Groups {
        tap_ctrl_started,
        calib_done,
        chan_done,
        chan_done_all,
    } = stage2_groups(c, clock, groups);
    let stage3_from = first_rise(c, "tap_logic/tap_sel_done")
        .or_else(|| first_rise(c, "ddr_controller/phy_dly_slct_done"));
    let pattern = pattern::pattern_groups(c)
        .into_iter()
        .map(|g| pattern::pattern_group(c, g, clock, stage3_from))
        .collect();
    let comp_done =
        first_rise(c, "rd_data/comp_done").or_else(|| first_rise(c, "ddr_controller/comp_done"));
    let init_done_bits = c
        .bit("ddr_controller/init_done", 0)
        .or_else(|| c.bit("pins/init_done", 0))
        .unwrap_or_default();
    let init_done_rises = rising_edges(&init_done_bits);
    let init_done =
        first_rise(c, "ddr_controller/init_done").or_else(|| first_rise(c, "pins/init_done"));
    let commands = bus::bus_commands(c, clock);
    let per_dq = sweep::sweeps(c, profile, clock, groups);
    let dq_pins = pins::pin_activity(
        c,
        first_rise(c, "ddr_controller/ctrl_dummyread_start"),
        first_rise(c, "tap_logic/tap_sel_done"),
    );
    Facts {
        profile,
        clock,
        time_base: c.time_base(),
        end_time: c.end_time(),
        init_state,
        init_start,
        done_200us: first_rise(c, "ddr_controller/done_200us"),
        cke_200us_cnt: c
            .ints("ddr_controller/cke_200us_cnt")
            .and_then(|v| v.last().and_then(|(_, x)| *x)),
        dummyread_start: first_rise(c, "ddr_controller/ctrl_dummyread_start")
            .or_else(|| first_rise(c, "data_path/ctrl_dummyread_start")),
        tap_ctrl_started,
        calib_done,
        chan_done,
        chan_done_all,
        data_tap_inc_done: first_rise(c, "tap_logic/data_tap_inc_done"),
        tap_sel_done: first_rise(c, "tap_logic/tap_sel_done")
            .or_else(|| first_rise(c, "ddr_controller/phy_dly_slct_done")),
        pattern,
        pattern_bytes: dq_width(c).div_ceil(8),
        comp_done,
        init_done,
        init_done_falls: init_done_bits
            .windows(2)
            .filter(|w| w[0].1 == b'1' && w[1].1 == b'0')
            .map(|w| w[1].0)
            .collect(),
        init_done_at_end: init_done_bits.last().is_some_and(|(_, b)| *b == b'1'),
        init_done_rises,
        init_state_settled: init_states.as_deref().and_then(settled_since),
        init_done_captured: c.has("ddr_controller/init_done") || c.has("pins/init_done"),
        dummyread_captured: c.has("ddr_controller/ctrl_dummyread_start")
            || c.has("data_path/ctrl_dummyread_start"),
        anything_moved: c
            .mig
            .trace
            .changes
            .iter()
            .any(|v| v.iter().any(|(t, _)| *t > clock.first_edge + clock.period)),
        per_dq,
        final_taps: (0..)
            .map_while(|k| c.ints(&format!("idelay_dq[{k}]/tap")))
            .map(|v| v.last().and_then(|(_, x)| *x))
            .collect(),
        commands,
        elided: c.elided(),
        dq_pins,
        dcm: dcm::observation(c),
        missing,
        end_known: c.end_known(),
        sample_gap: c.min_change_gap(),
        unresolved: Vec::new(),
    }
}

/// See [`Facts::init_state_settled`]: the time of the last change that was not a return to
/// the state before the previous one.
fn settled_since(history: &[(Time, Option<u64>)]) -> Option<Time> {
    let mut cur = None;
    let mut prev = None;
    let mut since = None;
    for &(t, v) in history {
        if cur == Some(v) {
            continue;
        }
        let back = prev == Some(v);
        prev = cur;
        cur = Some(v);
        if !back {
            since = Some(t);
        }
    }
    since
}

fn is_idle(profile: Profile, s: u64) -> bool {
    match profile {
        Profile::Minimodule => s == 0,
        Profile::Ddr2 => s == 1,
    }
}

fn guess_profile(c: &Capture) -> Profile {
    match c.width("ddr_controller/init_state") {
        Some(w) if w > 8 => Profile::Ddr2,
        _ => Profile::Minimodule,
    }
}

/// DQ bus width: from the pins, or 16 (the golden build) when the pins are not captured.
pub(crate) fn dq_width(c: &Capture) -> u32 {
    c.width("pins/dq").unwrap_or(16)
}
