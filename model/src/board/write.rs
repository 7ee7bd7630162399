//! The write path at the memory: which beat of the controller's DQ drive each DQS edge
//! latches, given the write-path delays of the data and strobe traces, and the delay faults'
//! per-line and per-lane sums.

use super::{CtrlDrive, DelayPath, Fault, Params};

/// What a memory input latches from a DQ line nobody drives (before or after the controller's
/// burst): the model stores 0 there. **[U]** a real receiver on a terminated, undriven line
/// reads whatever noise and VREF make of it.
pub const UNDRIVEN_WRITE_BIT: bool = false;

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
    /// then the board's rerouting (swaps, bridges, rail shorts). `(rise, fall)` per beat pair.
    pub fn write_latch(
        &self,
        drive: &CtrlDrive,
        first_edge: u64,
        beats: u64,
        width: u32,
    ) -> [(u128, u128); 4] {
        let mut out = [(0u128, 0u128); 4];
        let shifts: Vec<i64> = (0..width as usize)
            .map(|l| self.write_beat_shift(l))
            .collect();
        for beat in 0..beats.min(8) {
            let mut word = 0u128;
            for (line, &sh) in shifts.iter().enumerate() {
                let slot = first_edge as i64 - 1 + beat as i64 - sh;
                let bit = (slot >= 0)
                    .then(|| drive.slot(slot as u64))
                    .flatten()
                    .map_or(UNDRIVEN_WRITE_BIT, |w| (w >> line) & 1 == 1);
                word |= (bit as u128) << line;
            }
            let w = self.to_memory(word, width);
            let pair = &mut out[(beat / 2) as usize];
            if beat % 2 == 0 {
                pair.0 = w;
            } else {
                pair.1 = w;
            }
        }
        out
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
        let w = p.write_latch(&d, first, 4, 16);
        assert_eq!(w[0], (0xA5A5, 0x5A5A));
        assert_eq!(w[1], (0xFFFF, 0x0000));
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
        let w = late_dq.write_latch(&d, first, 4, 16);
        // DQ0 of beat 0 comes from before the burst (undriven), beat 1 gets beat 0's bit (1).
        assert_eq!(w[0].0, 0xA5A4);
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
        let w = late_dqs.write_latch(&d, first, 4, 16);
        assert_eq!(w[0], (0xA55A, 0x5AFF));
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
