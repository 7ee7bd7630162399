//! Findings that reach the verdict although calibration may complete (issue 13, item 4):
//!
//! - a JEDEC violation on the command bus (an `ERROR` of Micron's checks, [`jedec::check`])
//!   fails the verdict at stage `memory_setup` even when `init_done` rises: a memory driven out
//!   of its specification may calibrate once and fail in the field;
//! - what does not stop calibration is a [`Warning`] with its evidence: a read latency found a
//!   cycle away from what the programmed CAS latency gives, a line calibrated at the edge of its
//!   eye (margin under [`MIN_MARGIN_TAPS`]), and Micron's own warnings.

use super::{Diagnosis, Evidence, PerDq, Stage, Verdict};
use crate::analysis::jedec::{self, JedecFinding, Severity};
use crate::analysis::{Facts, Profile};
use serde::Serialize;

/// Taps between a line's final sampling point and the edge its walk found below which the line
/// is reported as calibrated at the edge of its eye.
pub const MIN_MARGIN_TAPS: u32 = 2;

/// A finding that does not stop calibration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// What kind (`read_latency`, `eye_margin`, `jedec`).
    pub kind: &'static str,
    /// In words.
    pub text: String,
    /// The signals and times that show it.
    pub evidence: Vec<Evidence>,
}

/// `clk_count_rise` on an ideal board: pattern_compare8 counts the clocks from the registered
/// read enable (`ctrl_rden`, which already carries the CAS and additive latency) to the pattern,
/// so it does not move with the programmed CL; it moves by a cycle when the read data arrive a
/// cycle late or early. The model gives 4 in the golden build (mig-rtl.md: "clk_count_rise = 4
/// in both groups", CL 3) and 3 in the DDR2 build at every CL and AL (tested).
pub fn nominal_clk_count_rise(p: Profile) -> u64 {
    match p {
        Profile::Minimodule => 4,
        Profile::Ddr2 => 3,
    }
}

/// The programmed CAS latency of the last MR load on the bus, as Micron decodes it.
fn programmed_cl(f: &Facts) -> Option<String> {
    let mr = f
        .commands
        .iter()
        .rfind(|c| c.kind == "MRS" && c.ba == Some(0))?;
    let code = (mr.a? >> 4) & 7;
    Some(match (f.profile, code) {
        (Profile::Minimodule, 6) => "2.5".to_string(),
        (_, c) => c.to_string(),
    })
}

/// A stretch with no bus command longer than this that ends in a PRECHARGE (the first command
/// of an init sequence) is the controller held in reset and starting over: it refreshes every
/// 7.8 us while running, and a stalled minimodule issues no command at all after its stall. The
/// init sequence that follows starts the memory afresh, so each sequence is checked on its own
/// (Micron's model, which never sees the reset, would call the gap a tRFC maximum violation).
pub const RESTART_GAP_FS: u64 = 100_000_000_000;

/// Are the address pins in the capture? Without them every mode-register write and PRECHARGE
/// decodes with an unknown address, and Micron's checks would read "A10 low" or "wrong mode"
/// from a net nobody probed.
pub fn address_captured(f: &Facts) -> bool {
    f.commands.iter().any(|c| c.a.is_some())
}

/// The JEDEC findings of the command bus, each init sequence on its own.
pub fn command_bus_findings(f: &Facts) -> Vec<JedecFinding> {
    let timing = jedec::Timing::for_profile(f.profile);
    let gap = match f.time_base {
        migcal_traces::TimeBase::Femtoseconds => RESTART_GAP_FS,
        migcal_traces::TimeBase::Samples => RESTART_GAP_FS / f.clock.period.max(1),
    };
    let mut out = Vec::new();
    if !address_captured(f) {
        return out;
    }
    let mut start = 0;
    for i in 1..=f.commands.len() {
        let split = i == f.commands.len()
            || (f.commands[i].kind == "PRE"
                && f.commands[i].time.saturating_sub(f.commands[i - 1].time) > gap);
        if split {
            out.extend(jedec::check(
                &f.commands[start..i],
                f.profile,
                f.clock,
                f.time_base,
                &timing,
            ));
            start = i;
        }
    }
    out
}

fn evidence(f: &Facts, signal: &str, cycle: Option<u64>, text: String) -> Evidence {
    let time_ps = match (cycle, f.time_base) {
        (Some(c), migcal_traces::TimeBase::Femtoseconds) => {
            Some((f.clock.first_edge + c * f.clock.period) / 1000)
        }
        _ => None,
    };
    Evidence {
        signal: signal.to_string(),
        time_ps,
        cycle,
        text,
    }
}

/// The warnings of a capture.
pub(super) fn warnings(f: &Facts, per_dq: &[PerDq], bus: &[JedecFinding]) -> Vec<Warning> {
    let mut out = Vec::new();
    let nominal = nominal_clk_count_rise(f.profile);
    for p in &f.pattern {
        let Some(n) = p.clk_count_rise.filter(|_| p.comp_done.is_some()) else {
            continue;
        };
        if n == nominal {
            continue;
        }
        let cl = programmed_cl(f)
            .map(|c| format!("CAS latency {c}"))
            .unwrap_or_else(|| "the profile's CAS latency".to_string());
        let (by, way) = if n > nominal {
            (n - nominal, "late")
        } else {
            (nominal - n, "early")
        };
        out.push(Warning {
            kind: "read_latency",
            text: format!(
                "pattern group {}: read latency found at clk_count_rise {n}, {by} cycle{} {way} of the {nominal} that {cl} gives on a nominal board: the read data arrive {way} (read-path delay), so the margin left on the read path is small",
                p.group,
                if by == 1 { "" } else { "s" }
            ),
            evidence: vec![evidence(
                f,
                &format!("pattern_compare[{}]/clk_count_rise", p.group),
                p.comp_done.map(|t| f.clock.cycle(t)),
                format!("clk_count_rise {n} (nominal {nominal})"),
            )],
        });
    }
    for d in per_dq.iter().filter(|d| d.walked) {
        let Some(m) = d.margin_taps.filter(|m| *m < MIN_MARGIN_TAPS) else {
            continue;
        };
        out.push(Warning {
            kind: "eye_margin",
            text: format!(
                "DQ{} calibrated at the edge of its eye: final tap {}, edge at tap {}, margin {m} tap{} (under {MIN_MARGIN_TAPS}): jitter or a temperature change moves it across the edge",
                d.dq,
                d.final_tap,
                d.edge_tap.unwrap_or(0),
                if m == 1 { "" } else { "s" }
            ),
            evidence: vec![evidence(
                f,
                &format!("idelay_dq[{}]/tap", d.dq),
                None,
                d.scan.clone(),
            )],
        });
    }
    for j in bus.iter().filter(|j| j.severity == Severity::Warning) {
        out.push(Warning {
            kind: "jedec",
            text: j.message.clone(),
            evidence: vec![evidence(f, "pins/cs_n", Some(j.cycle), j.message.clone())],
        });
    }
    out
}

/// A JEDEC violation on the command bus fails a capture whose calibration passed, at stage
/// `memory_setup`; on one that failed already, it is added to the evidence.
pub(super) fn apply_bus_violations(d: &mut Diagnosis, f: &Facts, bus: &[JedecFinding]) {
    let errors: Vec<&JedecFinding> = bus
        .iter()
        .filter(|j| j.severity == Severity::Error)
        .collect();
    let Some(first) = errors.first() else {
        return;
    };
    for j in &errors {
        d.evidence.push(evidence(
            f,
            "pins/cs_n",
            Some(j.cycle),
            format!("JEDEC: {}", j.message),
        ));
    }
    let what = format!(
        "{} JEDEC violation{} on the command bus, the first at cycle {}: {}",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" },
        first.cycle,
        first.message
    );
    if d.verdict == Verdict::Pass || d.stage == Stage::Done {
        d.verdict = Verdict::Fail;
        d.stage = Stage::MemorySetup;
        d.cause = format!("{what}; calibration completed (init_done), but the memory was driven outside its specification, so it may fail in the field or at another temperature");
        d.stall = None;
    } else {
        d.cause = format!("{}; also {what}", d.cause);
    }
}
