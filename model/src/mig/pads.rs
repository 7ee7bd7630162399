//! The pads (`tb/dq`, `tb/dqs`, `tb/dm`, `tb/ck`), which change between clk_0 edges.

use super::Mig;
use crate::board;
use crate::probe::{SignalDecl, Value};

/// Tracks the pads (`tb/dq`, `tb/dqs`, `tb/dm`, `tb/ck`), which change between clk_0 edges,
/// and reports only their changes.
#[derive(Clone, Debug, Default)]
pub struct PadTracker {
    last: [Option<Value>; 4],
    upto_ps: f64,
    times: Vec<f64>,
}

impl PadTracker {
    /// A tracker at t = 0.
    pub fn new() -> Self {
        PadTracker::default()
    }

    fn put(&mut self, out: &mut Vec<crate::probe::PadEvent>, t_ps: f64, pad: usize, v: Value) {
        if self.last[pad] != Some(v) {
            self.last[pad] = Some(v);
            out.push(crate::probe::PadEvent {
                time_fs: (t_ps * 1000.0).round() as u64,
                pad,
                value: v,
            });
        }
    }

    /// Report the pad changes in (previous call's time, `t1_ps`], given the design after its
    /// latest clk_0 edge (`t1_ps` at most half a period past that edge, or anywhere in an idle
    /// stretch).
    pub fn advance(&mut self, mig: &Mig, t1_ps: f64, out: &mut Vec<crate::probe::PadEvent>) {
        let p = &mig.p;
        let b = &p.board;
        let period = b.period_ps;
        let half = period / 2.0;
        let t1 = t1_ps;
        let t0 = self.upto_ps;
        if mig.cycle == 0 || t1 <= t0 && self.last[0].is_some() {
            return;
        }
        let w = p.data_width;
        let lanes = w / 8;
        if self.last[0].is_none() {
            // Power-up: the pads are undriven or unknown until the first clocks.
            let z = Value {
                highz: crate::logic::mask(w),
                ..Value::default()
            };
            self.put(out, 0.0, 0, z);
            self.put(out, 0.0, 1, Value::unknown(lanes));
            self.put(out, 0.0, 2, Value::unknown(lanes));
            self.put(out, 0.0, 3, Value::unknown(1));
        }
        let r = &mig.regs;
        // Candidate change times: every quarter clock (clock, strobes, the controller's own
        // data) and every beat boundary shifted by each line's board delay.
        let mut times = std::mem::take(&mut self.times);
        times.clear();
        let quarter = period / 4.0;
        let mut k = (t0 / quarter).floor() as i64 + 1;
        while (k as f64) * quarter <= t1 {
            times.push(k as f64 * quarter);
            k += 1;
        }
        let idle = board::bus_idle(b, &r.memory, &r.dq_drive, t0);
        if !idle {
            for line in 0..w as usize {
                let d = b.line_delay_ps(line);
                if d == 0.0 {
                    continue;
                }
                let mut h = ((t0 - d) / half).floor() as i64;
                while (h as f64) * half + d <= t1 {
                    let t = h as f64 * half + d;
                    if t > t0 {
                        times.push(t);
                    }
                    h += 1;
                }
            }
            for lane in 0..lanes as usize {
                let d = b.dqs_fault_delay_ps(lane, true);
                if d == 0.0 {
                    continue;
                }
                let mut h = ((t0 - d) / half).floor() as i64;
                while (h as f64) * half + d <= t1 {
                    let t = h as f64 * half + d;
                    if t > t0 {
                        times.push(t);
                    }
                    h += 1;
                }
            }
            times.sort_by(|a, b| a.total_cmp(b));
            times.dedup();
        }
        for &t in &times {
            // ck: low from the first clk_0 rising edge, high on clk_0 falling edges.
            if t >= half {
                let high = ((t / half + 1e-9).floor() as u64).is_multiple_of(2);
                self.put(out, t, 3, Value::known(high as u128));
            }
            // dm: the mask ODDR on clk_90 drives 0 from its first edge.
            if t >= half + quarter {
                self.put(out, t, 2, Value::known(0));
            }
            if idle && self.last[0].is_some() && t > half {
                continue;
            }
            let mut dq = Value::default();
            for line in 0..w as usize {
                let v = board::dq_pin(b, &r.memory, &r.dq_drive, line, t);
                dq.bits |= v.bits << line;
                dq.unknown |= v.unknown << line;
                dq.highz |= v.highz << line;
            }
            self.put(out, t, 0, dq);
            if t >= half {
                let mut dqs = Value::default();
                for lane in 0..lanes {
                    let v = board::dqs_pin(b, &r.memory, &r.dq_drive, lane as u8, t);
                    dqs.bits |= v.bits << lane;
                    dqs.unknown |= v.unknown << lane;
                    dqs.highz |= v.highz << lane;
                }
                self.put(out, t, 1, dqs);
            }
        }
        self.upto_ps = t1;
        self.times = times;
    }
}

impl Mig {
    /// The pads that change between clk_0 edges (reported through [`PadTracker`]): `tb/dq`,
    /// `tb/dqs`, `tb/dm`, `tb/ck`, as the controller-side nets of the golden testbench.
    pub fn pad_decls(&self) -> Vec<SignalDecl> {
        let w = self.p.data_width;
        [
            ("tb/dq", w),
            ("tb/dqs", w / 8),
            ("tb/dm", w / 8),
            ("tb/ck", 1),
        ]
        .into_iter()
        .map(|(n, width)| SignalDecl {
            name: n.to_string(),
            width,
            integer: false,
        })
        .collect()
    }
}
