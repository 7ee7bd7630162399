//! Rules that turn [`Facts`] into a verdict: the stage that stalled, the DQ lines or lane at
//! fault, and the evidence, worded the way an engineer who knows the RTL would say it. Where the
//! capture cannot decide, the diagnosis says what is missing and what to probe next.

pub mod bus_only;
pub mod dcm;
pub mod dictionary;
pub mod exact;
pub mod explain;
mod per_dq;
pub mod replay;
mod rules;
pub mod unwalked;
pub mod warnings;
pub mod window;

use crate::analysis::Facts;
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

/// What the rules read and what they gather: the evidence, what to probe next and what the
/// capture cannot tell.
struct Ctx<'a> {
    f: &'a Facts,
    ev: Vec<Evidence>,
    next: Vec<String>,
    cannot: Vec<String>,
    /// The lines walked to the 55-increment ceiling without an edge.
    ceiling: Vec<u32>,
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
    let per_dq: Vec<PerDq> = f
        .per_dq
        .iter()
        .map(|s| per_dq::per_dq_summary(s, cfg))
        .collect();
    let mut cx = Ctx {
        f,
        ev: Vec::new(),
        next: Vec::new(),
        cannot: Vec::new(),
        ceiling: f
            .per_dq
            .iter()
            .filter(|s| s.walked && s.ceiling)
            .map(|s| s.dq)
            .collect(),
    };
    let rules::Outcome {
        verdict,
        stage,
        cause,
        mut faulty_dq,
        faulty_lane,
    } = rules::apply(&mut cx);
    if let Some(n) = window::unresolved_note(f) {
        cx.cannot.push(n);
    }
    if !f.end_known && verdict == Verdict::Fail {
        cx.cannot
            .push(format!("what happened after {}", window::end_words(f)));
    }
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
        stall: if stage == Stage::Done {
            None
        } else {
            stall_point(f)
        },
        evidence: cx.ev,
        per_dq,
        missing_signals: f.missing.clone(),
        next_probes: cx.next,
        cannot_tell: cx.cannot,
        warnings: warns,
    };
    warnings::apply_bus_violations(&mut d, f, &bus);
    d
}

/// Where the capture ends, as the point calibration stopped at.
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
