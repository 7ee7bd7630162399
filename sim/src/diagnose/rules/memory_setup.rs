//! Stage 1, memory setup: the JEDEC power-up and mode-register sequence did not reach the
//! dummy reads of stage 2.

use super::{Outcome, Stage};
use crate::diagnose::Ctx;

/// The init sequence stopped before the dummy reads (and stage 2 was not seen to finish).
pub(super) fn stalled(cx: &mut Ctx) -> Option<Outcome> {
    let f = cx.f;
    let stage2_done = f.tap_sel_done.is_some() || f.data_tap_inc_done.is_some();
    if f.dummyread_start.is_some() || stage2_done {
        return None;
    }
    let state_txt = f
        .init_state
        .map(|(s, _)| format!("init_state {} (0x{s:02X})", f.profile.init_state_name(s)))
        .unwrap_or_else(|| "init_state not captured".to_string());
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
    if f.init_state.is_none() {
        cx.next.push("ddr_controller/init_state".to_string());
    }
    Some(Outcome::fail(
        Stage::MemorySetup,
        format!("initialization stalled before the dummy reads, in {state_txt}"),
    ))
}
