//! Rules that turn [`Facts`] into a verdict: the stage that stalled, the DQ lines or lane at
//! fault, and the evidence, worded the way an engineer who knows the RTL would say it. Where the
//! capture cannot decide, the diagnosis says what is missing and what to probe next.

pub mod bus_only;
pub mod dcm;
pub mod dictionary;
pub mod exact;
pub mod explain;
pub mod replay;
pub mod unwalked;
pub mod warnings;
pub mod window;

use crate::analysis::{Facts, Profile};
use migcal_traces::{Time, TimeBase};
use serde::Serialize;

/// Pass or fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Calibration completed (`init_done`).
    Pass,
    /// It stalled, or it passed with a line the sweep could not calibrate.
    Fail,
}

/// The calibration stages, defined once in the traces crate (its signal catalogue groups the
/// signals by the stage that reads them).
pub use migcal_traces::names::Stage;

/// One piece of evidence: a signal, a time and what it shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// Canonical MIG name.
    pub signal: String,
    /// Time in picoseconds (`None` for sample-indexed captures).
    pub time_ps: Option<u64>,
    /// clk_0 cycle.
    pub cycle: Option<u64>,
    /// What it shows.
    pub text: String,
}

/// Where the run stopped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StallPoint {
    /// Time in picoseconds (`None` for sample-indexed captures).
    pub time_ps: Option<u64>,
    /// clk_0 cycle.
    pub cycle: u64,
    /// `init_state` code, when captured.
    pub init_state: Option<u64>,
    /// Its name for the profile.
    pub init_state_name: Option<String>,
}

/// One DQ line's summary for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerDq {
    /// DQ line.
    pub dq: u32,
    /// Calibrated individually?
    pub walked: bool,
    /// Tap after the group-wide increments.
    pub start_tap: u32,
    /// Tap at the end of the walk.
    pub peak_tap: u32,
    /// Final tap.
    pub final_tap: u32,
    /// Hit the 55-increment ceiling without an edge.
    pub ceiling: bool,
    /// Tap where the sampled bit flipped, when found.
    pub edge_tap: Option<u32>,
    /// Taps between the final sampling point and the edge found.
    pub margin_taps: Option<u32>,
    /// The same in ps.
    pub margin_ps: Option<f64>,
    /// One character per tap 0..63 (see [`scan_legend`]).
    pub scan: String,
}

/// The legend of the scan lines.
pub fn scan_legend() -> &'static str {
    "one character per tap 0..63: '.' not reached, 'g' group-wide increments, '-' individual walk, 'e' edge seen, '^' walk stopped (edge + 2), 'X' 55-increment ceiling without edge, 'F' final tap"
}

/// The diagnosis of one capture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    /// Pass or fail.
    pub verdict: Verdict,
    /// The stage reached (or `done`).
    pub stage: Stage,
    /// The cause, in words.
    pub cause: String,
    /// DQ lines at fault (empty when the fault is not a DQ line).
    pub faulty_dq: Vec<u32>,
    /// Byte lane at fault, when it is a lane-level fault.
    pub faulty_lane: Option<u32>,
    /// Where it stopped.
    pub stall: Option<StallPoint>,
    /// The evidence.
    pub evidence: Vec<Evidence>,
    /// Per-DQ sweep summaries.
    pub per_dq: Vec<PerDq>,
    /// Canonical signals the analysis wanted and the capture lacks.
    pub missing_signals: Vec<String>,
    /// What to probe next to decide what the capture cannot.
    pub next_probes: Vec<String>,
    /// What the diagnosis cannot tell apart from the capture.
    pub cannot_tell: Vec<String>,
    /// Findings that do not stop calibration, with their evidence (a JEDEC violation on the
    /// command bus is not one of them: it fails the verdict, see [`warnings`]).
    pub warnings: Vec<warnings::Warning>,
}

/// Settings of the rules.
#[derive(Debug, Clone, Copy)]
pub struct RuleConfig {
    /// IDELAY tap size in ps for margins (78.125 = 5000/64 by default; the goldens used 78).
    pub tap_ps: f64,
}

impl Default for RuleConfig {
    fn default() -> Self {
        RuleConfig { tap_ps: 78.125 }
    }
}

struct Ctx<'a> {
    f: &'a Facts,
    ev: Vec<Evidence>,
}

impl Ctx<'_> {
    fn ps(&self, t: Time) -> Option<u64> {
        match self.f.time_base {
            TimeBase::Femtoseconds => Some(t / 1000),
            TimeBase::Samples => None,
        }
    }
    fn add(&mut self, signal: &str, t: Option<Time>, text: impl Into<String>) {
        let (time_ps, cycle) = match t {
            Some(t) => (self.ps(t), Some(self.f.clock.cycle(t))),
            None => (None, None),
        };
        self.ev.push(Evidence {
            signal: signal.to_string(),
            time_ps,
            cycle,
            text: text.into(),
        });
    }
}

/// Formats femtoseconds as ns with the digits that matter (`243 472.5 ns`).
pub fn fmt_ns(t: Time) -> String {
    let ps = t / 1000;
    let ns = ps / 1000;
    let frac = ps % 1000;
    let mut s = group_thousands(ns);
    if frac != 0 {
        let f = format!("{frac:03}");
        s.push('.');
        s.push_str(f.trim_end_matches('0'));
    }
    s + " ns"
}

fn group_thousands(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::new();
    for (i, ch) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

/// The nets a "capture these" hint names, each with a canonical name whose binding shows the
/// capture already holds it.
const DECIDING_NETS: &[(&str, &str)] = &[
    ("init_state", "ddr_controller/init_state"),
    ("tap_sel_done", "tap_logic/tap_sel_done"),
    ("dlyce_dqs/dlyinc_dqs", "tap_logic/dlyce_dqs"),
    ("clk_cnt_rise", "pattern_compare[0]/clk_cnt_rise"),
    ("the command bus", "pins/ras_n"),
];

/// `Some(reason)` when the capture holds nothing of the controller that the stage rules could
/// read (no `init_state`, bus, stage-2 or stage-3 signal) and the DCM rule found nothing either:
/// a diagnosis would be a guess, so the caller should say what to capture instead. The hint
/// names every deciding net; [`undecidable_given`] leaves out those the capture holds.
pub fn undecidable(f: &Facts) -> Option<String> {
    undecidable_given(f, &|_| false)
}

/// [`undecidable`], where `bound` says whether a canonical name is bound in the capture: the
/// hint never asks for a net the capture holds (issue 18), it says that net showed nothing.
pub fn undecidable_given(f: &Facts, bound: &dyn Fn(&str) -> bool) -> Option<String> {
    let controller = f.init_state.is_some()
        || !f.commands.is_empty()
        || f.cke_200us_cnt.is_some()
        || f.done_200us.is_some()
        || f.dummyread_captured
        || f.init_done_captured
        || !f.per_dq.is_empty()
        || f.tap_sel_done.is_some()
        || f.data_tap_inc_done.is_some()
        || f.calib_done.iter().any(|c| c.is_some())
        || !f.pattern.is_empty()
        || f.comp_done.is_some();
    let unresolved = window::unresolved_note(f)
        .map(|n| format!("; {n}"))
        .unwrap_or_default();
    if !dcm::findings(f).is_empty() {
        return None;
    }
    if !controller {
        return Some(format!("{}{unresolved}", nothing_to_read(bound)));
    }
    if bus_only::applies(f) {
        if let bus_only::Outcome::Open(why) = bus_only::outcome(f) {
            return Some(format!("{why}{unresolved}"));
        }
    }
    if let Some(why) = window::before_stage2(f) {
        return Some(format!("{why}{unresolved}"));
    }
    window::stage3_beyond(f).map(|why| {
        if f.pattern.is_empty() {
            why
        } else {
            format!("{why}{unresolved}")
        }
    })
}

/// Why a capture without any controller signal cannot be diagnosed, and what to capture: never
/// a net the capture holds (`bound`), which is named as showing nothing instead (issue 18).
fn nothing_to_read(bound: &dyn Fn(&str) -> bool) -> String {
    let (held, wanted): (Vec<_>, Vec<_>) = DECIDING_NETS.iter().partition(|(_, c)| bound(c));
    let wanted: Vec<&str> = wanted.iter().map(|(n, _)| *n).collect();
    let mut why = String::from(
        "the capture holds no controller signal the diagnosis can read (and the DCM signals it holds show no fault)",
    );
    if !held.is_empty() {
        let held: Vec<&str> = held.iter().map(|(_, c)| *c).collect();
        why.push_str(&format!(
            "; {} {} captured but show{} nothing the rules can read in this window",
            held.join(", "),
            if held.len() == 1 { "is" } else { "are" },
            if held.len() == 1 { "s" } else { "" }
        ));
    }
    match wanted.len() {
        0 => why.push_str(": capture a window where they move"),
        1 => why.push_str(&format!(": capture {}", wanted[0])),
        n => why.push_str(&format!(
            ": capture {} or {}",
            wanted[..n - 1].join(", "),
            wanted[n - 1]
        )),
    }
    why
}

/// Applies the rules.
pub fn diagnose(f: &Facts, cfg: &RuleConfig) -> Diagnosis {
    let mut cx = Ctx { f, ev: Vec::new() };
    let per_dq: Vec<PerDq> = f.per_dq.iter().map(|s| per_dq_summary(s, cfg)).collect();
    let ceiling: Vec<u32> = f
        .per_dq
        .iter()
        .filter(|s| s.walked && s.ceiling)
        .map(|s| s.dq)
        .collect();
    let mut next_probes = Vec::new();
    let mut cannot_tell = Vec::new();
    let stall = stall_point(f);
    let state_txt = f
        .init_state
        .map(|(s, _)| format!("init_state {} (0x{s:02X})", f.profile.init_state_name(s)))
        .unwrap_or_else(|| "init_state not captured".to_string());

    let stage2_done = f.tap_sel_done.is_some() || f.data_tap_inc_done.is_some();
    // Without init_done or COMP_DONE in the capture (a probe of the spec §7 nets), stage 3 has
    // found the pattern when every clk_cnt_rise probed stopped counting after tap_sel_done.
    let counters_stopped = !f.init_done_captured
        && f.comp_done.is_none()
        && f.tap_sel_done.or(f.data_tap_inc_done).is_some()
        // Every byte's pattern_compare8 must be seen to stop: one group probed says nothing of
        // the others (a DQS1 open leaves group 1 hunting while group 0 matched).
        && (0..f.pattern_bytes).all(|g| f.pattern.iter().any(|p| p.group == g))
        && f.pattern.iter().all(|p| {
            p.comp_done.is_none()
                && p.still_hunting == Some(false)
                && p.last_clk_cnt_change
                    .zip(f.tap_sel_done.or(f.data_tap_inc_done))
                    .is_some_and(|(c, t)| c > t)
        });
    let passed = f.init_done.is_some()
        || (f.comp_done.is_some()
            && (f.tap_sel_done.is_some()
                // Stage 3 runs only after stage 2: with tap_sel_done not probed, COMP_DONE
                // rising is the whole story.
                || f.missing.iter().any(|m| m == "tap_logic/tap_sel_done")))
        || counters_stopped;

    let dcm_found = dcm::findings(f);
    let (verdict, stage, cause, faulty_dq, faulty_lane);
    if !dcm_found.is_empty() {
        // The DCM's LOCKED is the controller's dcm_lock: whatever else the capture shows, a
        // DCM that does not stay locked resets the MIG, so it is the finding to fix first.
        for fd in &dcm_found {
            for e in &fd.evidence {
                cx.add(e.signal, Some(e.time), e.text.clone());
            }
            if let Some(n) = &fd.note {
                cannot_tell.push(n.clone());
            }
        }
        verdict = Verdict::Fail;
        stage = Stage::Clocking;
        cause = dcm_found
            .iter()
            .map(|fd| fd.text.clone())
            .collect::<Vec<_>>()
            .join("; ");
        faulty_dq = vec![];
        faulty_lane = None;
    } else if passed {
        if let Some(t) = f.init_done.or(f.comp_done) {
            cx.add(
                if f.init_done.is_some() {
                    "ddr_controller/init_done"
                } else {
                    "rd_data/comp_done"
                },
                Some(t),
                "calibration complete",
            );
        }
        if counters_stopped {
            for p in &f.pattern {
                cx.add(&format!("pattern_compare[{}]/clk_cnt_rise", p.group), p.last_clk_cnt_change, "clk_cnt_rise stopped counting: pattern_compare8 found the pattern (init_done and COMP_DONE are not in the capture)");
            }
        }
        if let Some(t) = f.tap_sel_done {
            cx.add(
                "tap_logic/tap_sel_done",
                Some(t),
                "stage 2 (tap calibration) complete",
            );
        }
        if let Some(t) = f.comp_done {
            cx.add(
                "rd_data/comp_done",
                Some(t),
                "stage 3 (read-latency search) complete",
            );
        }
        for p in &f.pattern {
            if let Some(n) = p.clk_count_rise {
                cx.add(
                    &format!("pattern_compare[{}]/clk_count_rise", p.group),
                    None,
                    format!("read latency found: clk_count_rise {n}"),
                );
            }
        }
        for dq in &ceiling {
            let sig = f
                .per_dq
                .iter()
                .find(|s| s.dq == *dq)
                .map(sweep_signal)
                .unwrap_or_default();
            cx.add(&sig, None, format!("DQ{dq} hit the 55-increment ceiling without an edge although stage 3 passed: a marginal or intermittent line"));
        }
        verdict = if ceiling.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail
        };
        stage = Stage::Done;
        cause = if ceiling.is_empty() {
            "calibration passes: init_done reached".to_string()
        } else {
            format!(
                "init_done reached, but {} never showed an edge in the tap sweep",
                list_dq(&ceiling)
            )
        };
        faulty_dq = ceiling.clone();
        faulty_lane = None;
    } else if let Some(held) = held_in_reset(&mut cx) {
        verdict = Verdict::Fail;
        stage = Stage::Clocking;
        cause = held;
        faulty_dq = vec![];
        faulty_lane = None;
        next_probes.extend([
            "dcm_lock (DCM LOCKED)".to_string(),
            "idelay_ctrl_rdy (IDELAYCTRL RDY) and clk_200 (its REFCLK; the reset synchroniser runs on it)".to_string(),
            "SYS_RESET_IN_N and the infrastructure reset outputs (sys_rst, sys_rst_r1)".to_string(),
        ]);
        cannot_tell.push("which of DCM unlocked, IDELAYCTRL not ready (clk_200 missing) or reset held: the capture has no clock, lock, RDY or reset signal".to_string());
    } else if let Some(quiet) = nothing_moved(&mut cx) {
        verdict = Verdict::Fail;
        stage = Stage::Clocking;
        cause = quiet;
        faulty_dq = vec![];
        faulty_lane = None;
        next_probes.extend([
            "ddr_controller/init_state and the command bus (cke, cs_n, ras_n, cas_n, we_n)"
                .to_string(),
            "dcm_lock, idelay_ctrl_rdy and clk_200".to_string(),
        ]);
        cannot_tell.push("held in reset (clocking) vs a stall in the memory-setup sequence: the probed nets only move from stage 2 on".to_string());
    } else if let Some(b) = bus_verdict(f) {
        for (t, text) in b.evidence {
            cx.add("pins/cs_n", Some(t), text);
        }
        if b.verdict == Verdict::Fail {
            cannot_tell.push("which byte lane or line: the command bus does not show pattern_compare8's state; capture clk_cnt_rise[0] of each pattern_compare group, or rd_data_rise/rd_data_fall".to_string());
        }
        verdict = b.verdict;
        stage = b.stage;
        cause = b.cause;
        faulty_dq = vec![];
        faulty_lane = None;
    } else if f.dummyread_start.is_some()
        && f.tap_ctrl_started.iter().all(|s| s.is_none())
        && f.per_dq.iter().all(|s| s.global_incs == 0)
        && !f.tap_ctrl_started.is_empty()
    {
        let t = f.dummyread_start.unwrap_or(0);
        cx.add(
            "ddr_controller/ctrl_dummyread_start",
            Some(t),
            "dummy reads started",
        );
        cx.add(
            "tap_ctrl[0]/current_state",
            None,
            "tap_ctrl never left START: no IDELAY tap moved",
        );
        verdict = Verdict::Fail;
        stage = Stage::Clocking;
        cause = "IDELAYCTRL not ready: dummy reads run but tap_ctrl stays in START (RDY_STATUS low: clk_200 REFCLK missing or IDELAYCTRL held in reset)".to_string();
        faulty_dq = vec![];
        faulty_lane = None;
        next_probes.push("idelay_ctrl_rdy and clk_200".to_string());
    } else if f.dummyread_start.is_none() && !stage2_done {
        // Stage 1: the init sequence did not reach the dummy reads.
        verdict = Verdict::Fail;
        stage = Stage::MemorySetup;
        if let Some((_, t)) = f.init_state {
            cx.add(
                "ddr_controller/init_state",
                Some(t),
                format!("last change: {state_txt}"),
            );
        }
        if let Some(t) = f.done_200us {
            cx.add(
                "ddr_controller/done_200us",
                Some(t),
                "200 µs power-up wait over",
            );
        }
        let n = f.commands.len();
        if let Some(last) = f.commands.last() {
            cx.add(
                "pins/cs_n",
                Some(last.time),
                format!("last of {n} bus commands: {}", last.kind),
            );
        }
        cause = format!("initialization stalled before the dummy reads, in {state_txt}");
        faulty_dq = vec![];
        faulty_lane = None;
        if f.init_state.is_none() {
            next_probes.push("ddr_controller/init_state".to_string());
        }
    } else if !stage2_done {
        verdict = Verdict::Fail;
        stage = Stage::TapCalibration;
        let (c, lines) = stage2_stall(&mut cx, &mut next_probes);
        cause = c;
        faulty_dq = lines;
        faulty_lane = None;
    } else {
        verdict = Verdict::Fail;
        stage = Stage::ReadLatency;
        let (c, lines, lane) = stage3_stall(&mut cx, &ceiling, &mut next_probes, &mut cannot_tell);
        cause = c;
        faulty_dq = lines;
        faulty_lane = lane;
    }
    if let Some(n) = window::unresolved_note(f) {
        cannot_tell.push(n);
    }
    if !f.end_known && verdict == Verdict::Fail {
        cannot_tell.push(format!("what happened after {}", window::end_words(f)));
    }
    let mut faulty_dq = faulty_dq;
    faulty_dq.sort_unstable();
    faulty_dq.dedup();
    let bus = warnings::command_bus_findings(f);
    let warns = warnings::warnings(f, &per_dq, &bus);
    let mut d = Diagnosis {
        verdict,
        stage,
        cause,
        faulty_dq,
        faulty_lane,
        stall: if stage == Stage::Done { None } else { stall },
        evidence: cx.ev,
        per_dq,
        missing_signals: f.missing.clone(),
        next_probes,
        cannot_tell,
        warnings: warns,
    };
    warnings::apply_bus_violations(&mut d, f, &bus);
    d
}

/// The bus-only rule's verdict, when the capture is the command bus alone and it decides.
fn bus_verdict(f: &Facts) -> Option<bus_only::BusVerdict> {
    if !bus_only::applies(f) {
        return None;
    }
    match bus_only::outcome(f) {
        bus_only::Outcome::Decided(v) => Some(v),
        bus_only::Outcome::Open(_) => None,
    }
}

/// The capture signal a line's sweep was read from, for the evidence.
fn sweep_signal(s: &crate::analysis::DqSweep) -> String {
    use crate::analysis::SweepSource;
    match s.source {
        SweepSource::IdelayTap => format!("idelay_dq[{}]/tap", s.dq),
        SweepSource::PerLineCe => format!("tap_logic/data_idelay_ce[{}]", s.dq),
        SweepSource::GroupCeWithSelect | SweepSource::GroupCeOrder => {
            format!("tap_logic/dlyce_dqs[{}]", s.group)
        }
    }
}

fn list_dq(v: &[u32]) -> String {
    v.iter()
        .map(|d| format!("DQ{d}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn stall_point(f: &Facts) -> Option<StallPoint> {
    let t = f.end_time;
    let ps = match f.time_base {
        TimeBase::Femtoseconds => Some(t / 1000),
        TimeBase::Samples => None,
    };
    Some(StallPoint {
        time_ps: ps,
        cycle: f.clock.cycle(t),
        init_state: f.init_state.map(|(s, _)| s),
        init_state_name: f.init_state.map(|(s, _)| f.profile.init_state_name(s)),
    })
}

/// The controller never started: `init_state` idle, no command, the 200 µs counter frozen.
fn held_in_reset(cx: &mut Ctx) -> Option<String> {
    let f = cx.f;
    let idle = f.init_start.is_none() && f.dummyread_start.is_none() && f.tap_sel_done.is_none();
    if !idle || !f.commands.is_empty() {
        return None;
    }
    // refi_count decrements cke_200us_cnt every 1544 clocks: frozen at its reset value over a
    // long capture means the counter is held in reset.
    let long = f.clock.cycle(f.end_time) > 4 * 1544;
    match (f.cke_200us_cnt, f.done_200us) {
        (Some(31), None) if long => {
            cx.add("ddr_controller/cke_200us_cnt", Some(f.end_time), format!("still 31 (its reset value) after {} cycles: it counts down every 1544 cycles when running", f.clock.cycle(f.end_time)));
            cx.add(
                "ddr_controller/init_state",
                f.init_state.map(|(_, t)| t),
                "INIT_IDLE for the whole capture; no command on the bus (CKE low)",
            );
            if f.per_dq
                .iter()
                .all(|s| s.final_tap == 0 && s.global_incs == 0)
                && !f.per_dq.is_empty()
            {
                cx.add("idelay_dq[*]/tap", None, "every IDELAY tap stays 0");
            }
            Some("controller held in reset for the whole capture: the 200 µs counter never ran, no command was issued. The reset comes from the clocking: DCM not locked (dcm_lock low), IDELAYCTRL not ready (no 200 MHz REFCLK on clk_200: the reset synchroniser is clocked by it), or SYS_RESET_IN_N held".to_string())
        }
        _ => None,
    }
}

/// Nothing probed ever moved over a capture longer than the 200 µs power-up wait plus the init
/// sequence: the controller never reached the dummy reads. Stage 1 never reads anything back, so
/// it does not stall on a bad memory: the likely cause is the controller held in reset.
fn nothing_moved(cx: &mut Ctx) -> Option<String> {
    let f = cx.f;
    let long_enough = match f.time_base {
        TimeBase::Femtoseconds => f.end_time > 260_000_000_000,
        TimeBase::Samples => f.clock.cycle(f.end_time) > 52_000,
    };
    // Any net that moves from stage 2 on: the dummy reads, the sweep, a done flag, CHAN_DONE,
    // clk_cnt_rise or init_done.
    let captured = |n: &str| !f.missing.iter().any(|m| m == n);
    let probed_stage2 = f.dummyread_captured
        || !f.per_dq.is_empty()
        || !f.pattern.is_empty()
        || f.init_done_captured
        || [
            "tap_logic/tap_sel_done",
            "rd_data/comp_done",
            "tap_logic/dlyce_dqs",
            "tap_logic/dlyinc_dqs",
            "tap_logic/chan_done_dqs",
        ]
        .iter()
        .any(|n| captured(n));
    if f.anything_moved || !long_enough || !probed_stage2 {
        return None;
    }
    cx.add(
        if f.dummyread_captured {
            "ddr_controller/ctrl_dummyread_start"
        } else {
            "tap_logic/dlyce_dqs"
        },
        Some(f.end_time),
        "no probed signal changed in the whole capture: the dummy reads of stage 2 never started",
    );
    Some("no calibration activity at all: the controller never reached the dummy reads in a capture longer than the 200 µs power-up wait. Stage 1 never reads the memory back, so the likely cause is the controller held in reset (DCM not locked, IDELAYCTRL not ready, reset held)".to_string())
}

fn stage2_stall(cx: &mut Ctx, next: &mut Vec<String>) -> (String, Vec<u32>) {
    let f = cx.f;
    if let Some(t) = f.dummyread_start {
        cx.add(
            "ddr_controller/ctrl_dummyread_start",
            Some(t),
            "stage 2 started (dummy reads of column 0)",
        );
    }
    let mut lines = Vec::new();
    let mut waiting = Vec::new();
    for (g, done) in f.calib_done.iter().enumerate() {
        let n = f.chan_done.get(g).map(|v| v.len()).unwrap_or(0);
        match done {
            Some(t) => cx.add(
                "tap_logic/calib_done_dqs",
                Some(*t),
                format!("group {g} calibrated ({n} CHAN_DONE)"),
            ),
            None => {
                waiting.push(g);
                let expect = f.profile.walks_per_group();
                cx.add(
                    &format!("tap_logic/chan_done_dqs[{g}]"),
                    f.chan_done.get(g).and_then(|v| v.last().copied()),
                    format!("group {g}: CHAN_DONE {n} of {expect}, then silence"),
                );
                // The line being walked when the pulses stopped.
                let walking = f
                    .per_dq
                    .iter()
                    .filter(|s| {
                        s.group == g as u32
                            && s.walked
                            && !s.finished
                            && (s.walk_incs > 0 || s.backoff > 0)
                    })
                    .map(|s| s.dq)
                    .next()
                    .or_else(|| {
                        // CHAN_DONE pulses then silence point at the next line (spec §7); with
                        // no pulse at all, the walks may never have started.
                        if n == 0 {
                            return None;
                        }
                        let j = f.profile.first_walked_line() + n as u32;
                        (j < f.profile.lines_per_group())
                            .then_some(g as u32 * f.profile.lines_per_group() + j)
                    });
                if let Some(dq) = walking {
                    lines.push(dq);
                }
            }
        }
    }
    for s in f.per_dq.iter().filter(|s| lines.contains(&s.dq)) {
        cx.add(
            &sweep_signal(s),
            s.walk_span.map(|w| w.1),
            format!(
                "DQ{}: walk stopped at {} increments, {} back-off taps (start tap {}, now {})",
                s.dq, s.walk_incs, s.backoff, s.start_tap, s.final_tap
            ),
        );
    }
    if lines.is_empty() {
        next.push("tap_logic/dlyce_dqs[i], dlyinc_dqs[i] and data_tap_inc chan_sel_int of the stalled group".to_string());
    }
    // No group ever started a per-line walk: tap_ctrl is held before BIT_CALIBRATION, in the
    // bit-boundary alignment that needs the read data all 0 or all 1 on every line at once. That
    // is no line's fault: nothing valid is being read back at all.
    let walks_known = f
        .per_dq
        .iter()
        .any(|s| waiting.contains(&(s.group as usize)));
    let no_walk = walks_known
        && f.per_dq
            .iter()
            .filter(|s| waiting.contains(&(s.group as usize)) && s.walked)
            .all(|s| s.walk_incs == 0 && s.backoff == 0);
    if no_walk && !waiting.is_empty() {
        for g in &waiting {
            if let Some(t) = f.tap_ctrl_started.get(*g).copied().flatten() {
                cx.add(
                    &format!("tap_ctrl[{g}]/current_state"),
                    Some(t),
                    "left START but never reached BIT_CALIBRATION: no line was walked",
                );
            }
        }
        let cause = format!(
            "tap calibration stalled before any per-line walk in group(s) {}: bit-boundary alignment never saw the read data all 0 or all 1, so nothing valid is read back on any line (CK stopped, command/address fault, or the memory not answering); not a DQ line",
            waiting.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(", ")
        );
        return (cause, Vec::new());
    }
    let cause = if waiting.is_empty() {
        "tap calibration did not finish: data_tap_inc_done/tap_sel_done never rose".to_string()
    } else {
        format!(
            "tap calibration stalled in group(s) {} while calibrating {}",
            waiting
                .iter()
                .map(|g| g.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            if lines.is_empty() {
                "an unknown line".to_string()
            } else {
                list_dq(&lines)
            }
        )
    };
    (cause, lines)
}

/// Which DQ lines a pattern group (byte lane) compares.
fn byte_lines(b: u32) -> std::ops::Range<u32> {
    8 * b..8 * b + 8
}

fn stage3_stall(
    cx: &mut Ctx,
    ceiling: &[u32],
    next: &mut Vec<String>,
    cannot: &mut Vec<String>,
) -> (String, Vec<u32>, Option<u32>) {
    let f = cx.f;
    if let Some(t) = f.tap_sel_done.or(f.data_tap_inc_done) {
        cx.add(
            "tap_logic/tap_sel_done",
            Some(t),
            "stage 2 (tap calibration) complete",
        );
    }
    if let Some((s, t)) = f.init_state {
        if f.profile.is_pattern_wait(s) {
            cx.add(
                "ddr_controller/init_state",
                Some(t),
                format!(
                    "{} from here to the end of the capture",
                    f.profile.init_state_name(s)
                ),
            );
        }
    }
    for s in f.per_dq.iter().filter(|s| s.walked && s.ceiling) {
        cx.add(
            &sweep_signal(s),
            s.walk_span.map(|w| w.0),
            format!("DQ{}: tap walked to the 55-increment ceiling with no edge (start {}, peak {}); back-off {}; final tap {}", s.dq, s.start_tap, s.peak_tap, s.backoff, s.final_tap),
        );
    }
    for (g, v) in f.chan_done.iter().enumerate() {
        if !v.is_empty() {
            cx.add(
                &format!("tap_logic/chan_done_dqs[{g}]"),
                v.last().copied(),
                format!(
                    "CHAN_DONE {} of {} in tap_logic group {g}",
                    v.len(),
                    f.profile.walks_per_group()
                ),
            );
        }
    }
    let failing: Vec<u32> = f
        .pattern
        .iter()
        .filter(|p| p.failed())
        .map(|p| p.group)
        .collect();
    for p in &f.pattern {
        let name = format!("pattern_compare[{}]/clk_cnt_rise", p.group);
        if p.comp_done.is_some() {
            cx.add(
                &format!("pattern_compare[{}]/comp_done", p.group),
                p.comp_done,
                format!(
                    "pattern group {} in comp_over (clk_count_rise {})",
                    p.group,
                    p.clk_count_rise
                        .map(|n| n.to_string())
                        .unwrap_or("?".into())
                ),
            );
        } else if p.still_hunting == Some(true) {
            cx.add(&name, p.last_clk_cnt_change, format!("pattern group {} still hunting at the end of the capture (clk_cnt_rise toggling)", p.group));
        }
        if p.comp_done.is_none() && !p.rise_bytes.is_empty() {
            let hex = |v: &[u64]| {
                v.iter()
                    .map(|b| format!("{b:02X}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            cx.add(
                &format!("pattern_compare[{}]/rd_data_rise", p.group),
                None,
                format!(
                    "rise bytes read: {}; fall bytes: {} (expected AA then 99 / 55 then 66)",
                    hex(&p.rise_bytes),
                    hex(&p.fall_bytes)
                ),
            );
        }
    }
    if failing.is_empty() && f.pattern.is_empty() {
        next.push("pattern_compare clk_cnt_rise / comp_done per group".to_string());
    }
    // Lines at fault: ceiling lines inside a failing byte; if every calibrated line of the byte
    // hit the ceiling, it is the lane, not a line.
    let mut lines = Vec::new();
    let mut lane = None;
    let mut causes = Vec::new();
    let failing_bytes: Vec<u32> = if failing.is_empty() && f.pattern.is_empty() {
        // Without pattern_compare signals, the bytes holding ceiling lines are the suspects.
        let mut b: Vec<u32> = ceiling.iter().map(|d| d / 8).collect();
        b.dedup();
        b
    } else {
        failing.clone()
    };
    for b in &failing_bytes {
        let walked: Vec<&crate::analysis::DqSweep> = f
            .per_dq
            .iter()
            .filter(|s| s.walked && byte_lines(*b).contains(&s.dq))
            .collect();
        let hit: Vec<u32> = walked.iter().filter(|s| s.ceiling).map(|s| s.dq).collect();
        let expected_walked = walked_lines_in_byte(f, *b);
        if !hit.is_empty() && hit.len() == walked.len() && walked.len() > 1 {
            lane = Some(*b);
            if (walked.len() as u32) < expected_walked {
                cannot.push(format!(
                    "whether the other calibrated lines of byte {b} also hit the ceiling: the capture follows only {}",
                    list_dq(&walked.iter().map(|s| s.dq).collect::<Vec<_>>())
                ));
                next.push(format!(
                    "tap_logic dlyce_dqs/dlyinc_dqs of the other tap_logic groups of byte {b}"
                ));
            }
            causes.push(format!(
                "byte lane {b}: every individually calibrated line ({}) hit the 55-increment ceiling: a lane-level fault, not one line: DM{b} stuck high (writes masked), DQS{b} or the lane's write path",
                list_dq(&hit)
            ));
            cannot.push(format!("DM{b} stuck high vs DQS{b} open vs a write-path fault on byte {b}: probe DM{b} and DQS{b} at the memory during the dummy write"));
        } else if !hit.is_empty() {
            let kind = pin_behaviour(f, cx, &hit);
            lines.extend(hit.iter().copied());
            causes.push(format!("{} never showed an edge in the tap sweep{kind}; pattern group {b} (byte DQ{}..{}) never matched", list_dq(&hit), 8 * b, 8 * b + 7));
        } else if let Some(bad) = bit_error_lines(f, *b) {
            // Stage 2 saw nothing wrong, but the bytes read back in stage 3 are one to three bits
            // off the pattern, always on the same bits: those lines.
            let kind = pin_behaviour(f, cx, &bad);
            let hex = f.pattern.iter().find(|p| p.group == *b).map(|p| {
                let h = |v: &[u64]| {
                    v.iter()
                        .map(|x| format!("{x:02X}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                format!("rise {} / fall {}", h(&p.rise_bytes), h(&p.fall_bytes))
            });
            cx.add(
                &format!("pattern_compare[{b}]/rd_data_rise"),
                f.tap_sel_done,
                format!(
                    "stage-3 reads of byte {b} differ from AA/55/99/66 only on {}",
                    list_dq(&bad)
                ),
            );
            let what = if bad.len() >= 2 {
                "a bridge between these lines (each corrupts the other's bit), or lines sampling another beat"
            } else {
                "stuck, or sampling another beat than the rest of its byte (a line never walked individually, or one whose delay differs)"
            };
            cannot.push(format!(
                "for {}: {what}; the bytes read were {}",
                list_dq(&bad),
                hex.unwrap_or_default()
            ));
            lines.extend(bad.iter().copied());
            causes.push(format!("{} read back wrong bits in the stage-3 pattern{kind} while their tap sweep looked normal: {what}", list_dq(&bad)));
        } else if let Some((dq, why)) = unwalked::late_first_line(f, *b) {
            let g = dq / f.profile.lines_per_group();
            if let Some(s) = f.per_dq.iter().find(|s| s.dq == dq) {
                cx.add(
                    &sweep_signal(s),
                    s.steps.iter().rfind(|st| st.global).map(|st| st.time),
                    format!("tap_logic group {g}: {} group-wide increments (DQ{dq}'s tap {}); the group's bit-boundary alignment ran on", s.global_incs, s.start_tap),
                );
            }
            cannot.push(format!("what delays DQ{dq}: a longer trace on its net, a swap onto a longer trace, or a read-path shift of that line alone; the capture shows only that it samples another beat"));
            lines.push(dq);
            causes.push(why);
        } else if expected_walked < walked_lines_in_byte_total(f, *b) || walked.len() < 8 {
            // Lines of the byte that stage 2 does not see (not calibrated or not captured).
            let uncal: Vec<u32> = byte_lines(*b)
                .filter(|d| !walked.iter().any(|s| s.dq == *d))
                .collect();
            let reads_zero = f
                .pattern
                .iter()
                .find(|p| p.group == *b)
                .map(|p| !p.rise_bytes.is_empty() && p.rise_bytes.iter().all(|x| *x == 0))
                .unwrap_or(false);
            if reads_zero {
                lane = Some(*b);
                causes.push(format!("byte lane {b} reads back 0x00 (never written) while stage 2 passed: the memory never latched a write on this byte: DQS{b} open (reads are captured with the FPGA clock, so stage 2 cannot see it) or DM{b} stuck high"));
                cannot.push(format!("DQS{b} open vs DM{b} stuck high: probe DQS{b} at the memory pin during the pattern write"));
            } else if walked.is_empty() || uncal.len() == 8 {
                lane = Some(*b);
                causes.push(format!(
                    "pattern group {b} (byte DQ{}..{}) never matched AA/99 or 55/66 while stage 2 saw nothing wrong{}: a write-side fault on this byte (DQS{b} open, DM{b} stuck, a bridge or swap across lines with unequal delays)",
                    8 * b,
                    8 * b + 7,
                    if f.profile == Profile::Minimodule && *b >= 1 { " (DQ8..15 are not calibrated in this build)" } else { "" }
                ));
                next.push(format!(
                    "pattern_compare[{b}]/rd_data_rise and rd_data_fall (what byte {b} reads back)"
                ));
                cannot.push(format!(
                    "which line or strobe of byte {b}: the capture has no read data for it"
                ));
            } else {
                causes.push(format!("pattern group {b} never matched; the lines of byte {b} that the capture follows calibrated normally; lines not followed: {}", list_dq(&uncal)));
                next.push(format!(
                    "tap_logic dlyce_dqs/dlyinc_dqs for the groups holding {}",
                    list_dq(&uncal)
                ));
            }
        } else {
            lane = Some(*b);
            causes.push(format!("pattern group {b} never matched although every line of byte {b} found an edge: a bridge between lines, a swap of lines with unequal delays, or a read-latency problem"));
            cannot.push("a bridge (wired-AND/OR) vs a swap vs latency: compare the rise/fall bytes read with AA/55/99/66".to_string());
        }
    }
    if causes.is_empty() {
        let found: Vec<String> = f
            .pattern
            .iter()
            .filter(|p| p.comp_done.is_some() || p.still_hunting == Some(false))
            .map(|p| p.group.to_string())
            .collect();
        if !found.is_empty() && failing.is_empty() {
            causes.push(format!(
                "init_done never rose although the probed pattern group(s) {} found the pattern: the failing byte lane is one whose pattern_compare8 is not in the capture",
                found.join(", ")
            ));
            next.push(
                "clk_cnt_rise / comp_done of the other pattern_compare groups (one per byte lane)"
                    .to_string(),
            );
        } else {
            causes.push("the read-latency search (pattern_compare8) never completed".to_string());
        }
    }
    let cause = causes.join("; ");
    if !lines.is_empty() {
        lane = None;
    }
    (cause, lines, lane)
}

/// Lines of byte `b` that read back wrong bits in stage 3, when there are one to three of them.
fn bit_error_lines(f: &Facts, b: u32) -> Option<Vec<u32>> {
    let p = f.pattern.iter().find(|p| p.group == b)?;
    (!p.error_bits.is_empty()).then(|| p.error_bits.iter().map(|bit| 8 * b + bit).collect())
}

fn walked_lines_in_byte(f: &Facts, b: u32) -> u32 {
    let lpg = f.profile.lines_per_group();
    let groups = f.calib_done.len() as u32;
    byte_lines(b)
        .filter(|d| d / lpg < groups && d % lpg >= f.profile.first_walked_line())
        .count() as u32
}

fn walked_lines_in_byte_total(f: &Facts, b: u32) -> u32 {
    let _ = b;
    8 - (8 / f.profile.lines_per_group()) * f.profile.first_walked_line()
}

/// What the controller pin of the lines showed during the dummy reads, when captured: adds the
/// evidence and returns words for the cause (empty when the pins are not captured).
fn pin_behaviour(f: &Facts, cx: &mut Ctx, lines: &[u32]) -> String {
    let mut words = Vec::new();
    for dq in lines {
        if let Some(d) = f
            .dq_pins
            .iter()
            .find(|p| p.dq == *dq)
            .and_then(|p| p.describe())
        {
            cx.add(
                &format!("pins/dq[{dq}]"),
                f.dummyread_start,
                format!("DQ{dq} controller pin during the dummy reads: {d}"),
            );
            words.push(format!("DQ{dq} {d}"));
        }
    }
    if words.is_empty() {
        String::new()
    } else {
        format!(" ({})", words.join("; "))
    }
}

fn per_dq_summary(s: &crate::analysis::DqSweep, cfg: &RuleConfig) -> PerDq {
    let mut scan = vec![b'.'; 64];
    for t in 0..=s.start_tap.min(63) {
        scan[t as usize] = b'g';
    }
    if s.walked {
        for i in 1..=s.walk_incs.min(63) {
            scan[((s.start_tap + i) % 64) as usize] = b'-';
        }
        if let Some(e) = s.edge_tap {
            scan[e as usize] = b'e';
        }
        scan[s.peak_tap as usize] = if s.ceiling {
            b'X'
        } else if s.walk_incs > 0 {
            b'^'
        } else {
            scan[s.peak_tap as usize]
        };
    }
    scan[s.final_tap as usize] = b'F';
    let margin_taps = s.edge_tap.map(|e| (e + 64 - s.final_tap) % 64);
    PerDq {
        dq: s.dq,
        walked: s.walked,
        start_tap: s.start_tap,
        peak_tap: s.peak_tap,
        final_tap: s.final_tap,
        ceiling: s.ceiling,
        edge_tap: s.edge_tap,
        margin_taps,
        margin_ps: margin_taps.map(|m| m as f64 * cfg.tap_ps),
        scan: String::from_utf8(scan).unwrap_or_default(),
    }
}
