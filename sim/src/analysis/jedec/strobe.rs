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
    let mut chk = Strobes {
        emit: Emit::new(clock, time_base),
        clock,
        st,
    };
    if !chk.emit.real_time {
        return chk.emit.out;
    }
    let mut lat = Latency {
        bl: if p == Profile::Minimodule { 2 } else { 4 },
        cl: 3,
        al: 0,
        ddr1: p == Profile::Minimodule,
    };
    for (ci, c) in cmds.iter().enumerate() {
        if c.kind == "MRS" {
            lat.load(c.ba.unwrap_or(0), c.a.unwrap_or(0));
            continue;
        }
        if c.kind != "WR" {
            continue;
        }
        let pairs = (lat.bl / 2).max(1);
        // A following WRITE that continues this burst (back-to-back) owns its own strobes.
        let b2b = cmds[ci + 1..]
            .iter()
            .find(|n| n.kind == "WR")
            .is_some_and(|n| n.cycle - c.cycle == pairs);
        let first = c.time + clock.period / 2 + lat.wl() * clock.period;
        for (lane, bits) in dqs.iter().enumerate() {
            chk.burst(lane, bits, first, pairs, b2b);
        }
    }
    chk.emit.out.sort_by_key(|f| f.cycle);
    chk.emit.out
}

/// The strobe checks of one capture: where the findings go and the limits they hold against.
struct Strobes<'a> {
    emit: Emit,
    clock: Clock,
    st: &'a StrobeTiming,
}

impl Strobes<'_> {
    /// A limit in clocks, in the capture's time unit.
    fn frac(&self, f: f64) -> u64 {
        (f * self.clock.period as f64).round() as u64
    }

    /// An error found at time `t`.
    fn error(&mut self, t: u64, text: String) {
        let cycle = self.clock.cycle(t);
        self.emit
            .push_at(Severity::Error, cycle, Some(t / 1000), text);
    }

    /// One lane's strobes for one WRITE burst of `pairs` clocks whose first latching edge is due
    /// at `first`; the postamble is checked unless a back-to-back WRITE follows.
    fn burst(&mut self, lane: usize, bits: &[(u64, u8)], first: u64, pairs: u64, b2b: bool) {
        let mut last_fall: Option<u64> = None;
        for k in 0..pairs {
            let e = first + k * self.clock.period;
            self.rise(lane, bits, e, k == 0);
            last_fall = self.fall(lane, bits, e).or(last_fall);
        }
        if let (Some(f), false) = (last_fall, b2b) {
            let t_wpst = self.frac(self.st.t_wpst);
            if let Some(&(r, _)) = edges_to(bits, b'1', f, f + t_wpst).first() {
                self.error(r, format!("ERROR: tWPST violation on DQS bit {lane}"));
            }
        }
    }

    /// The latching rise due at `e`: present, out of a low level held for tWPRE (the burst's
    /// first) or tDQSL, and within tDQSS of the CK edge.
    fn rise(&mut self, lane: usize, bits: &[(u64, u8)], e: u64, first: bool) {
        let per = self.clock.period;
        let win = (e.saturating_sub(per / 2), e + per / 2);
        let Some(&(r, prev)) = edges_to(bits, b'1', win.0, win.1).first() else {
            self.error(
                win.1,
                format!("ERROR: DQS bit {lane} latching edge required during the preceding clock period"),
            );
            return;
        };
        if prev != b'0' {
            self.error(r, format!("ERROR: Invalid latching edge on DQS bit {lane}"));
        } else {
            let (_, low_since) = level_before(bits, r);
            let low = r - low_since;
            if first && low < self.frac(self.st.t_wpre) {
                self.error(r, format!("ERROR: tWPRE violation on DQS bit {lane}"));
            } else if !first && low < self.frac(self.st.t_dqsl) {
                self.error(r, format!("ERROR: tDQSL violation on DQS bit {lane}"));
            }
        }
        if r.abs_diff(e) > self.frac(self.st.t_dqss) {
            self.error(win.1, format!("ERROR: tDQSS violation on DQS bit {lane}"));
        }
    }

    /// The fall in the clock after the rise due at `e`, held high for tDQSH; returns its time.
    fn fall(&mut self, lane: usize, bits: &[(u64, u8)], e: u64) -> Option<u64> {
        let fwin = (e, e + self.clock.period);
        let Some(&(f, _)) = edges_to(bits, b'0', fwin.0, fwin.1).first() else {
            self.error(
                fwin.1,
                format!("ERROR: DQS bit {lane} latching edge required during the preceding clock period."),
            );
            return None;
        };
        let (_, high_since) = level_before(bits, f);
        if f - high_since < self.frac(self.st.t_dqsh) {
            self.error(f, format!("ERROR: tDQSH violation on DQS bit {lane}"));
        }
        Some(f)
    }
}
