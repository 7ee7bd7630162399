//! The ODT pin rules. Micron's DDR2 model checks ODT transitions against the mode registers
//! (`tMOD violation during ODT transition` within tMOD of an EMR load, `WARNING: tDLLK violation
//! during ODT transition.` within tDLLK of a DLL reset). JESD79-2's power-up step 1 also holds ODT
//! LOW through initialization, which Micron's model does not check; migcal does, as
//! [`ODT_LOW_DURING_INIT`], because an ODT line stuck or driven high then terminates the bus
//! during the very reads calibration depends on.

use super::{dll_reset, Emit, Severity, Timing};
use crate::analysis::{BusCommand, Clock, Profile};
use migcal_traces::{Time, TimeBase};

/// migcal's own rule (not one of Micron's messages): ODT high before the init sequence's last
/// mode-register load.
pub const ODT_LOW_DURING_INIT: &str =
    "ERROR: ODT must be held LOW until the initialization sequence is complete (JESD79-2 power-up step 1).";

/// ODT timing the rules use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OdtTiming {
    /// tMOD: an EMR's ODT setting takes effect this long after the load (12 ns).
    pub t_mod_ns: f64,
}

impl Default for OdtTiming {
    fn default() -> Self {
        OdtTiming { t_mod_ns: 12.0 }
    }
}

/// The level changes of the ODT pin: (time, new level), x and z skipped (no known level).
fn transitions(odt: &[(Time, u8)]) -> Vec<(Time, bool)> {
    let mut level = None;
    let mut out = Vec::new();
    for &(t, b) in odt {
        let l = match b {
            b'0' => false,
            b'1' => true,
            _ => continue,
        };
        if level.is_some_and(|p| p != l) {
            out.push((t, l));
        }
        level = Some(l);
    }
    out
}

/// The time of the init sequence's end, as far as the ODT rule needs it: the last mode-register
/// load before the first ACTIVATE, READ or WRITE (JEDEC allows those only after init).
fn init_end(cmds: &[BusCommand]) -> Option<&BusCommand> {
    let first_access = cmds
        .iter()
        .position(|c| matches!(c.kind, "ACT" | "RD" | "WR"))
        .unwrap_or(cmds.len());
    cmds[..first_access].iter().rev().find(|c| c.kind == "MRS")
}

/// Checks the ODT pin (`pins/odt`, fs) against the command list. The DDR1 controller of the
/// minimodule build has no ODT pin: nothing to check there.
pub fn check(
    cmds: &[BusCommand],
    odt: &[(Time, u8)],
    p: Profile,
    clock: Clock,
    time_base: TimeBase,
    timing: &Timing,
    ot: &OdtTiming,
) -> Vec<super::JedecFinding> {
    let mut emit = Emit::new(clock, time_base);
    if p == Profile::Minimodule || odt.is_empty() || !emit.real_time {
        return emit.out;
    }
    let ps = |t: Time| Some(t / 1000);
    let ck = |c: &BusCommand| c.time + clock.period / 2;
    if let Some(end) = init_end(cmds) {
        if let Some(&(t, _)) = odt.iter().find(|(t, b)| *b == b'1' && *t < ck(end)) {
            let text = ODT_LOW_DURING_INIT.to_string();
            emit.push_at(Severity::Error, clock.cycle(t), ps(t), text);
        }
    }
    // The CK edges of the EMR loads and of the DLL resets, in time order (the commands are), so
    // each transition finds the last one before it by bisection.
    let emrs: Vec<Time> = cmds
        .iter()
        .filter(|c| c.kind == "MRS" && c.ba == Some(1))
        .map(ck)
        .collect();
    let dll_resets: Vec<&BusCommand> = cmds
        .iter()
        .filter(|c| c.kind == "MRS" && c.ba == Some(0) && dll_reset(c.a.unwrap_or(0)))
        .collect();
    let t_mod_fs = (ot.t_mod_ns * 1e6) as Time;
    for (t, _) in transitions(odt) {
        let cycle = clock.cycle(t);
        let i = emrs.partition_point(|&e| e <= t);
        if i > 0 && t - emrs[i - 1] < t_mod_fs {
            let text = "ERROR:  tMOD violation during ODT transition".to_string();
            emit.push_at(Severity::Error, cycle, ps(t), text);
        }
        let j = dll_resets.partition_point(|c| ck(c) <= t);
        if j > 0 && cycle.saturating_sub(dll_resets[j - 1].cycle) < timing.t_dllk_clk {
            let text = "WARNING: tDLLK violation during ODT transition.".to_string();
            emit.push_at(Severity::Warning, cycle, ps(t), text);
        }
    }
    emit.out
}
