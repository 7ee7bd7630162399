//! The write strobes, as Micron's DDR2 model checks them on its DQS pins (`data_task`,
//! `dqs_pos_timing_check`, `dqs_neg_timing_check`): for every WRITE the memory took, each lane's
//! DQS must rise within tDQSS of the CK edge `WL` clocks later and of every following clock of
//! the burst, fall between them, be low for tWPRE before the first rise (a rise out of Z or X is
//! an invalid latching edge), stay low for tWPST after the last fall, and keep its high and low
//! times (tDQSH, tDQSL). Read with the capture's DQS pins: a capture taken at the memory, or
//! the controller's pads on a board whose traces are matched.

use super::bank::Latency;
use super::{Emit, JedecFinding, Severity};
use crate::analysis::{BusCommand, Clock, Profile};
use migcal_traces::TimeBase;

/// The strobe limits, in clocks (JESD79-2; Micron's `TDQSS`, `TWPRE`, `TWPST`, `TDQSH`,
/// `TDQSL`).
#[derive(Debug, Clone, Copy)]
pub struct StrobeTiming {
    /// Largest distance of a latching DQS rise from its CK rise.
    pub t_dqss: f64,
    /// Shortest write preamble (DQS low before the first rise).
    pub t_wpre: f64,
    /// Shortest write postamble (DQS low after the last fall).
    pub t_wpst: f64,
    /// Shortest DQS high time.
    pub t_dqsh: f64,
    /// Shortest DQS low time.
    pub t_dqsl: f64,
}

impl Default for StrobeTiming {
    fn default() -> Self {
        StrobeTiming {
            t_dqss: 0.25,
            t_wpre: 0.35,
            t_wpst: 0.40,
            t_dqsh: 0.35,
            t_dqsl: 0.35,
        }
    }
}

/// Level of a bit waveform just before `t` (b'z' before its first change).
fn level_before(bits: &[(u64, u8)], t: u64) -> (u8, u64) {
    let i = bits.partition_point(|(ct, _)| *ct < t);
    match i.checked_sub(1) {
        Some(j) => (bits[j].1, bits[j].0),
        None => (b'z', 0),
    }
}

/// The edges to `level` in (from, to).
fn edges_to(bits: &[(u64, u8)], level: u8, from: u64, to: u64) -> Vec<(u64, u8)> {
    let i = bits.partition_point(|(ct, _)| *ct <= from);
    let mut out = Vec::new();
    for k in i..bits.len() {
        let (t, v) = bits[k];
        if t >= to {
            break;
        }
        if v == level {
            let prev = if k == 0 { b'z' } else { bits[k - 1].1 };
            if prev != level {
                out.push((t, prev));
            }
        }
    }
    out
}

/// Checks every WRITE burst's strobes. `dqs[lane]` is that lane's DQS waveform (fs); the
/// burst geometry follows the mode registers the memory decoded.
pub fn check(
    cmds: &[BusCommand],
    dqs: &[Vec<(u64, u8)>],
    p: Profile,
    clock: Clock,
    time_base: TimeBase,
    st: &StrobeTiming,
) -> Vec<JedecFinding> {
    let mut emit = Emit::new(clock, time_base);
    if !emit.real_time {
        return emit.out;
    }
    let per = clock.period;
    let frac = |f: f64| (f * per as f64).round() as u64;
    let mut lat = Latency {
        bl: if p == Profile::Minimodule { 2 } else { 4 },
        cl: 3,
        al: 0,
        ddr1: p == Profile::Minimodule,
    };
    let ps = |t: u64| Some(t / 1000);
    let cycle = |t: u64| clock.cycle(t);
    for (ci, c) in cmds.iter().enumerate() {
        if c.kind == "MRS" {
            lat.load(c.ba.unwrap_or(0), c.a.unwrap_or(0));
            continue;
        }
        if c.kind != "WR" {
            continue;
        }
        let ck = c.time + per / 2;
        let first = ck + lat.wl() * per;
        let pairs = (lat.bl / 2).max(1);
        // A following WRITE that continues this burst (back-to-back) owns its own strobes.
        let b2b = cmds[ci + 1..]
            .iter()
            .find(|n| n.kind == "WR")
            .is_some_and(|n| n.cycle - c.cycle == pairs);
        for (lane, bits) in dqs.iter().enumerate() {
            let mut last_fall: Option<u64> = None;
            for k in 0..pairs {
                let e = first + k * per;
                let win = (e.saturating_sub(per / 2), e + per / 2);
                let rises = edges_to(bits, b'1', win.0, win.1);
                match rises.first() {
                    None => emit.push_at(
                        Severity::Error,
                        cycle(win.1),
                        ps(win.1),
                        format!("ERROR: DQS bit {lane} latching edge required during the preceding clock period"),
                    ),
                    Some(&(r, prev)) => {
                        if prev != b'0' {
                            emit.push_at(
                                Severity::Error,
                                cycle(r),
                                ps(r),
                                format!("ERROR: Invalid latching edge on DQS bit {lane}"),
                            );
                        } else {
                            let (_, low_since) = level_before(bits, r);
                            let low = r - low_since;
                            if k == 0 && low < frac(st.t_wpre) {
                                emit.push_at(
                                    Severity::Error,
                                    cycle(r),
                                    ps(r),
                                    format!("ERROR: tWPRE violation on DQS bit {lane}"),
                                );
                            } else if k > 0 && low < frac(st.t_dqsl) {
                                emit.push_at(
                                    Severity::Error,
                                    cycle(r),
                                    ps(r),
                                    format!("ERROR: tDQSL violation on DQS bit {lane}"),
                                );
                            }
                        }
                        if r.abs_diff(e) > frac(st.t_dqss) {
                            emit.push_at(
                                Severity::Error,
                                cycle(win.1),
                                ps(win.1),
                                format!("ERROR: tDQSS violation on DQS bit {lane}"),
                            );
                        }
                    }
                }
                let fwin = (e, e + per);
                match edges_to(bits, b'0', fwin.0, fwin.1).first() {
                    None => emit.push_at(
                        Severity::Error,
                        cycle(fwin.1),
                        ps(fwin.1),
                        format!("ERROR: DQS bit {lane} latching edge required during the preceding clock period."),
                    ),
                    Some(&(f, _)) => {
                        let (_, high_since) = level_before(bits, f);
                        if f - high_since < frac(st.t_dqsh) {
                            emit.push_at(
                                Severity::Error,
                                cycle(f),
                                ps(f),
                                format!("ERROR: tDQSH violation on DQS bit {lane}"),
                            );
                        }
                        last_fall = Some(f);
                    }
                }
            }
            if let (Some(f), false) = (last_fall, b2b) {
                if let Some(&(r, _)) = edges_to(bits, b'1', f, f + frac(st.t_wpst)).first() {
                    emit.push_at(
                        Severity::Error,
                        cycle(r),
                        ps(r),
                        format!("ERROR: tWPST violation on DQS bit {lane}"),
                    );
                }
            }
        }
    }
    emit.out.sort_by_key(|f| f.cycle);
    emit.out
}
