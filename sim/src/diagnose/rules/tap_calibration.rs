//! Stage 2, tap calibration: the per-DQ IDELAY walks (dummy reads, bit-boundary alignment,
//! one walk per line, CHAN_DONE per line, calib_done per group) did not reach tap_sel_done.

use super::{list_dq, Outcome, Stage};
use crate::diagnose::{per_dq::sweep_signal, Ctx};

/// The tap calibration stalled: the group(s) waiting and the line being walked.
pub(super) fn stalled(cx: &mut Ctx) -> Outcome {
    let (cause, lines) = cause_and_lines(cx);
    Outcome {
        faulty_dq: lines,
        ..Outcome::fail(Stage::TapCalibration, cause)
    }
}

/// Why stage 2 stalled and the line being walked when it did.
fn cause_and_lines(cx: &mut Ctx) -> (String, Vec<u32>) {
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
        cx.next.push("tap_logic/dlyce_dqs[i], dlyinc_dqs[i] and data_tap_inc chan_sel_int of the stalled group".to_string());
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
