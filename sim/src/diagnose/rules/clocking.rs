//! The clocking rules: the DCM's lock, a controller held in reset, a capture in which nothing
//! moved, and IDELAYCTRL not ready. Each of these hides every later stage, so they come first.

use super::{Outcome, Stage};
use crate::diagnose::{dcm as dcm_rule, Ctx};
use migcal_traces::TimeBase;

/// The DCM's LOCKED is the controller's dcm_lock: whatever else the capture shows, a DCM that
/// does not stay locked resets the MIG, so it is the finding to fix first.
pub(super) fn dcm(cx: &mut Ctx) -> Option<Outcome> {
    let found = dcm_rule::findings(cx.f);
    if found.is_empty() {
        return None;
    }
    for fd in &found {
        for e in &fd.evidence {
            cx.add(e.signal, Some(e.time), e.text.clone());
        }
        if let Some(n) = &fd.note {
            cx.cannot.push(n.clone());
        }
    }
    let cause = found
        .iter()
        .map(|fd| fd.text.clone())
        .collect::<Vec<_>>()
        .join("; ");
    Some(Outcome::fail(Stage::Clocking, cause))
}

/// The controller held in reset for the whole capture; the capture cannot say which reset.
pub(super) fn held_in_reset(cx: &mut Ctx) -> Option<Outcome> {
    let cause = reset_cause(cx)?;
    cx.next.extend([
        "dcm_lock (DCM LOCKED)".to_string(),
        "idelay_ctrl_rdy (IDELAYCTRL RDY) and clk_200 (its REFCLK; the reset synchroniser runs on it)".to_string(),
        "SYS_RESET_IN_N and the infrastructure reset outputs (sys_rst, sys_rst_r1)".to_string(),
    ]);
    cx.cannot.push("which of DCM unlocked, IDELAYCTRL not ready (clk_200 missing) or reset held: the capture has no clock, lock, RDY or reset signal".to_string());
    Some(Outcome::fail(Stage::Clocking, cause))
}

/// No calibration activity in a capture long enough to show some.
pub(super) fn nothing_moved(cx: &mut Ctx) -> Option<Outcome> {
    let cause = quiet_cause(cx)?;
    cx.next.extend([
        "ddr_controller/init_state and the command bus (cke, cs_n, ras_n, cas_n, we_n)".to_string(),
        "dcm_lock, idelay_ctrl_rdy and clk_200".to_string(),
    ]);
    cx.cannot.push("held in reset (clocking) vs a stall in the memory-setup sequence: the probed nets only move from stage 2 on".to_string());
    Some(Outcome::fail(Stage::Clocking, cause))
}

/// Dummy reads run but no tap_ctrl left START and no IDELAY tap moved: RDY_STATUS is low.
pub(super) fn idelayctrl_not_ready(cx: &mut Ctx) -> Option<Outcome> {
    let f = cx.f;
    let applies = f.dummyread_start.is_some()
        && f.tap_ctrl_started.iter().all(|s| s.is_none())
        && f.per_dq.iter().all(|s| s.global_incs == 0)
        && !f.tap_ctrl_started.is_empty();
    if !applies {
        return None;
    }
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
    cx.next.push("idelay_ctrl_rdy and clk_200".to_string());
    Some(Outcome::fail(Stage::Clocking, "IDELAYCTRL not ready: dummy reads run but tap_ctrl stays in START (RDY_STATUS low: clk_200 REFCLK missing or IDELAYCTRL held in reset)".to_string()))
}

/// The controller never started: `init_state` idle, no command, the 200 µs counter frozen.
fn reset_cause(cx: &mut Ctx) -> Option<String> {
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
fn quiet_cause(cx: &mut Ctx) -> Option<String> {
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
