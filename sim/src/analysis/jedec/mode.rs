//! Mode register fields, decoded and checked as Micron's DDR2 model does on each LOAD MODE
//! (`Illegal Burst Length`, `Illegal CAS Latency`, `Illegal Test Mode`, `Illegal Write
//! Recovery`, `Illegal Additive Latency`, `Illegal OCD Program`, the x8-only RDQS warning, the
//! reserved bits of EMR(2)/EMR(3)), and the CAS latency / write recovery against the clock when
//! the DLL locks, 200 clocks after its reset.

use super::{Emit, Severity, Timing};
use crate::analysis::{BusCommand, Profile};
use std::fmt::Write as _;

fn dll_reset(a: u64) -> bool {
    a & (1 << 8) != 0
}

fn dll_enabled(a: u64) -> bool {
    a & 1 == 0
}

/// The MR's words and the errors of its fields.
fn mr(p: Profile, t: &Timing, a: u64, errs: &mut Vec<(Severity, String)>) -> String {
    let bl_code = a & 7;
    let bl = match (p, bl_code) {
        (Profile::Minimodule, 1) => Some(2),
        (_, 2) => Some(4),
        (_, 3) => Some(8),
        _ => None,
    };
    let cl_code = (a >> 4) & 7;
    let cl = match (p, cl_code) {
        (Profile::Minimodule, 2) => Some("2".to_string()),
        (Profile::Minimodule, 3) => Some("3".to_string()),
        (Profile::Minimodule, 6) => Some("2.5".to_string()),
        (Profile::Ddr2, c) if (t.cl_range.0..=t.cl_range.1).contains(&c) => Some(c.to_string()),
        _ => None,
    };
    let err = |errs: &mut Vec<(Severity, String)>, s: String| errs.push((Severity::Error, s));
    if bl.is_none() {
        err(
            errs,
            format!(
                "ERROR: Load Mode 0 Illegal Burst Length = {}",
                1u64 << bl_code
            ),
        );
    }
    if cl.is_none() {
        err(
            errs,
            format!("ERROR: Load Mode 0 Illegal CAS Latency = {cl_code}"),
        );
    }
    let mut w = format!(
        "MR: burst length {}, {}, CAS latency {}, DLL reset {}",
        bl.map(|b| b.to_string()).unwrap_or("?".into()),
        if a & 8 != 0 {
            "interleaved"
        } else {
            "sequential"
        },
        cl.as_deref().unwrap_or("?"),
        if dll_reset(a) { "yes" } else { "no" }
    );
    if p == Profile::Ddr2 {
        if a & (1 << 7) != 0 {
            err(errs, "ERROR: Load Mode 0 Illegal Test Mode = 1".into());
        }
        let wr = ((a >> 9) & 7) + 1;
        if !(t.wr_range.0..=t.wr_range.1).contains(&wr) {
            err(
                errs,
                format!("ERROR: Load Mode 0 Illegal Write Recovery = {wr}"),
            );
        }
        let _ = write!(w, ", write recovery {wr}");
    }
    w
}

/// The EMR's words and the errors of its fields.
fn emr(p: Profile, t: &Timing, a: u64, errs: &mut Vec<(Severity, String)>) -> String {
    let mut w = format!(
        "EMR: DLL {}, drive {}",
        if dll_enabled(a) {
            "enabled"
        } else {
            "disabled"
        },
        if a & 2 != 0 { "reduced" } else { "full" }
    );
    if p != Profile::Ddr2 {
        return w;
    }
    let rtt = match ((a >> 6) & 1) << 1 | ((a >> 2) & 1) {
        0 => "off",
        1 => "75 ohm",
        2 => "150 ohm",
        _ => "50 ohm",
    };
    let al = (a >> 3) & 7;
    if !(t.al_range.0..=t.al_range.1).contains(&al) {
        errs.push((
            Severity::Error,
            format!("ERROR: Load Mode 1 Illegal Additive Latency = {al}"),
        ));
    }
    let ocd = (a >> 7) & 7;
    if ocd != 0 && ocd != 7 {
        errs.push((
            Severity::Error,
            format!("ERROR: Load Mode 1 Illegal OCD Program = {ocd:03b}"),
        ));
    }
    if a & (1 << 11) != 0 && t.part_width != 8 {
        errs.push((
            Severity::Warning,
            "WARNING: Load Mode 1 Illegal RDQS Enable.  RDQS only exists on a x8 part".into(),
        ));
    }
    let _ = write!(
        w,
        ", ODT Rtt {rtt}, additive latency {al}, OCD {ocd:03b}{}{}",
        if a & (1 << 10) != 0 {
            ", DQS# disabled"
        } else {
            ""
        },
        if a & (1 << 12) != 0 {
            ", outputs OFF (Qoff)"
        } else {
            ""
        }
    );
    w
}

/// Decodes a mode register write into words, and Micron's findings for its fields.
pub(super) fn decode(p: Profile, t: &Timing, ba: u64, a: u64) -> (String, Vec<(Severity, String)>) {
    let mut errs = Vec::new();
    let words = match ba {
        0 => mr(p, t, a, &mut errs),
        1 => emr(p, t, a, &mut errs),
        2 | 3 => {
            // EMR(2) A7 is the high-temperature self-refresh rate; every other bit is reserved.
            let reserved = if ba == 2 { a & !(1 << 7) } else { a };
            if reserved != 0 && p == Profile::Ddr2 {
                errs.push((Severity::Error, format!("ERROR: Load Mode {ba} Illegal value.  Reserved bits must be programmed to zero")));
            }
            format!("EMR({ba}) = 0x{a:04X}")
        }
        _ => format!("mode register {ba} = 0x{a:04X}"),
    };
    (words, errs)
}

/// Micron's check when the DLL locks (200 clocks after a DLL reset): the CAS latency and the
/// write recovery of the MR in force against the clock period (DDR2 only).
pub(super) fn dll_lock(cmds: &[BusCommand], p: Profile, t: &Timing, emit: &mut Emit) {
    if p != Profile::Ddr2 || !emit.real_time {
        return;
    }
    let tck = emit.clock_ns;
    let period = emit.clock.period;
    let mut mr: Option<u64> = None;
    let mut pending: Option<&BusCommand> = None;
    for c in cmds.iter().chain(std::iter::once(&BusCommand {
        time: u64::MAX / 4,
        cycle: u64::MAX / 4,
        kind: "NOP",
        ba: None,
        a: None,
    })) {
        if let Some(r) = pending {
            let lock = r.cycle + t.t_dllk_clk;
            if c.cycle > lock {
                let a = mr.unwrap_or(0);
                let cl = (a >> 4) & 7;
                let wr = ((a >> 9) & 7) + 1;
                let ps = (r.time + period / 2 + t.t_dllk_clk * period) / 1000;
                if (cl as f64) * tck + 1e-9 < t.cl_time_ns {
                    emit.push_at(
                        Severity::Error,
                        lock,
                        Some(ps),
                        format!(
                            "ERROR: CAS Latency = {cl} is illegal @tCK(avg) = {:.6}",
                            tck * 1e3
                        ),
                    );
                }
                if (wr as f64) * tck + 1e-9 < t.t_wr_ns {
                    emit.push_at(
                        Severity::Error,
                        lock,
                        Some(ps),
                        format!(
                            "ERROR: Write Recovery = {wr} is illegal @tCK(avg) = {:.6}",
                            tck * 1e3
                        ),
                    );
                }
                pending = None;
            }
        }
        if c.kind == "MRS" && c.ba == Some(0) {
            mr = c.a;
            if dll_reset(c.a.unwrap_or(0)) {
                pending = Some(c);
            }
        }
    }
}
