//! The write path at the memory: which beat of the controller's DQ drive each DQS edge
//! latches, given the write-path delays of the data and strobe traces, and the delay faults'
//! per-line and per-lane sums.

use super::{CtrlDrive, DelayPath, Fault, Params};

/// A burst as (rise, fall) word pairs, up to BL8.
pub type BurstWords = [(u128, u128); 4];

impl Params {
    /// Sum of the `dq_delay` faults on controller line `line` for reads or writes.
    pub fn dq_fault_delay_ps(&self, line: usize, reads: bool) -> f64 {
        let mut s = 0.0;
        for f in &self.faults {
            if let Fault::DqDelay { dq, lane, ps, path } = *f {
                let hit = match (dq, lane) {
                    (Some(d), _) => d as usize == line,
                    (None, Some(l)) => l as usize == line / 8,
                    (None, None) => true,
                };
                if hit && path_applies(path, reads) {
                    s += ps as f64;
                }
            }
        }
        s
    }

    /// Sum of the `dqs_delay` faults on byte lane `lane` for reads or writes.
    pub fn dqs_fault_delay_ps(&self, lane: usize, reads: bool) -> f64 {
        self.faults
            .iter()
            .map(|f| match *f {
                Fault::DqsDelay { lane: l, ps, path }
                    if l as usize == lane && path_applies(path, reads) =>
                {
                    ps as f64
                }
                _ => 0.0,
            })
            .sum()
    }

    /// Beats by which memory DQ of controller line `line` latches late: the DQS edge of beat
    /// k latches the controller's beat k − shift. The data eye of a beat spans a quarter
    /// period either side of its strobe edge, so a data trace more than T/4 slower than its
    /// lane's strobe (the lane of the memory pin it reaches) latches the previous beat, more
    /// than T/4 faster the next one.
    pub fn write_beat_shift(&self, line: usize) -> i64 {
        let lane = self.mem_pin(line) / 8;
        let s = self.dq_fault_delay_ps(line, false) - self.dqs_fault_delay_ps(lane, false);
        if s == 0.0 {
            return 0;
        }
        let half = self.period_ps / 2.0;
        ((s - half / 2.0) / half).ceil() as i64
    }

    /// The words the memory pins latch for a burst of `beats` beats whose first DQS edge is at
    /// CK half-clock `first_edge`, from what the controller's DQ drivers put on the bus
    /// (`drive`, its DQ slot `first_edge − 1 + k` being beat k): each line's write-path shift,
    /// then the board's rerouting (swaps, bridges, rail shorts). Returns `(rise, fall)` per
    /// beat pair, and the bits latched from an undriven line (a beat from before or after the
    /// controller's burst), which the memory stores undriven as Micron's model stores 'Z'.
    pub fn write_latch(
        &self,
        drive: &CtrlDrive,
        first_edge: u64,
        beats: u64,
        width: u32,
    ) -> (BurstWords, BurstWords) {
        let mut out = [(0u128, 0u128); 4];
        let mut undriven = [(0u128, 0u128); 4];
        let shifts: Vec<i64> = (0..width as usize)
            .map(|l| self.write_beat_shift(l))
            .collect();
        for beat in 0..beats.min(8) {
            let (mut word, mut z) = (0u128, 0u128);
            for (line, &sh) in shifts.iter().enumerate() {
                let slot = first_edge as i64 - 1 + beat as i64 - sh;
                match (slot >= 0).then(|| drive.slot(slot as u64)).flatten() {
                    Some(w) => word |= w & (1 << line),
                    None => z |= 1 << line,
                }
            }
            let (w, z) = self.latched_at_memory(word, z, width);
            let (pair, zpair) = (
                &mut out[(beat / 2) as usize],
                &mut undriven[(beat / 2) as usize],
            );
            if beat % 2 == 0 {
                (pair.0, zpair.0) = (w, z);
            } else {
                (pair.1, zpair.1) = (w, z);
            }
        }
        (out, undriven)
    }

    /// What the memory pins receive when controller line k carries bit k of `word`, or
    /// nothing where bit k of `undriven` is set: swaps reroute, a rail short forces its level,
    /// a bridge gives the wired level of the lines that are driven (an undriven one takes no
    /// part, as in the harness's `board_bridge`). Returns (data, undriven) at the memory pins.
    fn latched_at_memory(&self, word: u128, undriven: u128, width: u32) -> (u128, u128) {
        if self.faults.is_empty() {
            return (word, undriven);
        }
        let (mut out, mut out_z) = (word, undriven);
        let bit = |x: u128, k: usize| (x >> k) & 1 == 1;
        for line in 0..width as usize {
            let (d, z) = match (self.forced_level(line), self.bridge(line)) {
                (Some(l), _) if self.is_short(line) => (l, false),
                (_, Some((o, mode))) => match (bit(undriven, line), bit(undriven, o)) {
                    (true, true) => (false, true),
                    (true, false) => (bit(word, o), false),
                    (false, true) => (bit(word, line), false),
                    (false, false) => (mode.resolve(bit(word, line), bit(word, o)), false),
                },
                _ => (bit(word, line), bit(undriven, line)),
            };
            let m = self.mem_pin(line);
            out = (out & !(1u128 << m)) | ((d as u128) << m);
            out_z = (out_z & !(1u128 << m)) | ((z as u128) << m);
        }
        (out, out_z)
    }
}

fn path_applies(path: DelayPath, reads: bool) -> bool {
    if reads {
        path.reads()
    } else {
        path.writes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn burst() -> (CtrlDrive, u64) {
        let words = [(0xA5A5u128, 0x5A5Au128), (0xFFFF, 0x0000), (0, 0), (0, 0)];
        // A write taken at half-clock 100, write latency 1: first strobe edge at 102.
        (CtrlDrive::default().schedule(100, &words, 4, 1, 16), 102)
    }

    #[test]
    fn aligned_strobe_latches_the_burst() {
        let (d, first) = burst();
        let p = Params::default();
        let (w, z) = p.write_latch(&d, first, 4, 16);
        assert_eq!(w[0], (0xA5A5, 0x5A5A));
        assert_eq!(w[1], (0xFFFF, 0x0000));
        assert_eq!(z, [(0, 0); 4]);
    }

    #[test]
    fn late_data_latches_the_previous_beat_late_strobe_the_next() {
        let (d, first) = burst();
        let late_dq = Params {
            faults: vec![Fault::DqDelay {
                dq: Some(0),
                lane: None,
                ps: 1300,
                path: DelayPath::Write,
            }],
            ..Params::default()
        };
        assert_eq!(late_dq.write_beat_shift(0), 1);
        let (w, z) = late_dq.write_latch(&d, first, 4, 16);
        // DQ0 of beat 0 comes from before the burst (undriven), beat 1 gets beat 0's bit (1).
        assert_eq!(w[0].0, 0xA5A4);
        assert_eq!(z[0], (1, 0));
        assert_eq!(w[0].1, 0x5A5B);
        // A read-only delay leaves the writes alone.
        let read_only = Params {
            faults: vec![Fault::DqDelay {
                dq: Some(0),
                lane: None,
                ps: 1300,
                path: DelayPath::Read,
            }],
            ..Params::default()
        };
        assert_eq!(read_only.write_beat_shift(0), 0);
        let late_dqs = Params {
            faults: vec![Fault::DqsDelay {
                lane: 0,
                ps: 1500,
                path: DelayPath::Both,
            }],
            ..Params::default()
        };
        assert_eq!(late_dqs.write_beat_shift(3), -1);
        assert_eq!(late_dqs.write_beat_shift(8), 0);
        let (w, z) = late_dqs.write_latch(&d, first, 4, 16);
        assert_eq!(w[0], (0xA55A, 0x5AFF));
        // Beat 3 of lane 0 would be beat 4: after the burst, undriven.
        assert_eq!(z[1], (0, 0x00FF));
        // Within a quarter period the eye still holds the right beat.
        let small = Params {
            faults: vec![Fault::DqsDelay {
                lane: 0,
                ps: 1200,
                path: DelayPath::Write,
            }],
            ..Params::default()
        };
        assert_eq!(small.write_beat_shift(0), 0);
    }
}
