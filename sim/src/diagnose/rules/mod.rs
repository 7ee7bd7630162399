//! The stage rules, one file per rule, tried in the order an engineer debugs a MIG that never
//! calibrates: the clocking first (a DCM or reset fault hides everything after it), then whether
//! calibration passed, then the stage that stalled. The first rule that applies decides; each
//! adds its evidence, what the capture cannot tell and what to probe next to the [`Ctx`].

mod bus_only;
mod calibrated;
mod clocking;
mod memory_setup;
mod read_latency;
mod tap_calibration;

use super::{Ctx, Stage, Verdict};

/// What the deciding rule concludes.
pub(super) struct Outcome {
    pub verdict: Verdict,
    pub stage: Stage,
    pub cause: String,
    pub faulty_dq: Vec<u32>,
    pub faulty_lane: Option<u32>,
}

impl Outcome {
    /// A failure in `stage` that names no line or lane.
    fn fail(stage: Stage, cause: String) -> Outcome {
        Outcome {
            verdict: Verdict::Fail,
            stage,
            cause,
            faulty_dq: Vec::new(),
            faulty_lane: None,
        }
    }
}

/// Applies the rules in order; the first that applies decides.
pub(super) fn apply(cx: &mut Ctx) -> Outcome {
    let rules: [fn(&mut Ctx) -> Option<Outcome>; 7] = [
        clocking::dcm,
        calibrated::passed,
        clocking::held_in_reset,
        clocking::nothing_moved,
        bus_only::decided,
        clocking::idelayctrl_not_ready,
        memory_setup::stalled,
    ];
    if let Some(o) = rules.iter().find_map(|rule| rule(cx)) {
        return o;
    }
    let f = cx.f;
    if f.tap_sel_done.is_some() || f.data_tap_inc_done.is_some() {
        read_latency::stalled(cx)
    } else {
        tap_calibration::stalled(cx)
    }
}

/// `DQ3, DQ7`.
pub(super) fn list_dq(v: &[u32]) -> String {
    v.iter()
        .map(|d| format!("DQ{d}"))
        .collect::<Vec<_>>()
        .join(", ")
}
