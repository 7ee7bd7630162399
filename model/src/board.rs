//! The board between the controller pins and the memory pins: read-path sampling physics
//! (spec README §2) and the fault seam (§4).
//!
//! Each DQ line's read data reaches the IDDR at: memory launch (on a CK edge; the golden's memory
//! has no tAC) + board trace delay + temperature drift + `tap × tap_ps` of IDELAY + jitter. The
//! sampled bit is the beat whose eye holds the sampling instant; a transition that arrives at
//! exactly the sampling instant is not taken (the golden's IOBUF adds 1 fs).

use crate::ddr2_device::Regs as Memory;
use crate::logic::Lv;

/// A board fault, applied between the controller pins and the memory pins (never in the RTL).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// DQ line open: the controller pin sees its weak pull-down (0), the memory pin floats.
    DqOpen {
        /// Line index.
        dq: u8,
    },
    /// DQ line shorted to a rail on both sides.
    DqStuck {
        /// Line index.
        dq: u8,
        /// True = shorted to VDD.
        high: bool,
    },
    /// A memory DM pin tied to a level (high masks every write of that byte lane).
    DmStuck {
        /// Byte lane.
        lane: u8,
        /// True = tied high.
        high: bool,
    },
    /// A DQS line open: the memory never latches writes of that byte lane.
    DqsOpen {
        /// Byte lane.
        lane: u8,
    },
    /// No IDELAYCTRL reference clock (clk_200 held low): the reset synchroniser never releases.
    RefclkMissing,
}

/// Board parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// clk_0 period in ps.
    pub period_ps: f64,
    /// IDELAY tap size in ps.
    pub tap_ps: f64,
    /// Per-line read-path delay in ps (missing lines = 0).
    pub dq_delay_ps: Vec<f64>,
    /// RMS of the Gaussian sampling jitter in ps (0 = none).
    pub jitter_ps_rms: f64,
    /// Board temperature in °C.
    pub temperature_c: f64,
    /// Arrival-time drift per °C above 25 °C, in ps (0 by default: the golden has none).
    pub temp_coeff_ps_per_c: f64,
    /// Faults.
    pub faults: Vec<Fault>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            period_ps: 5000.0,
            tap_ps: 78.0,
            dq_delay_ps: Vec::new(),
            jitter_ps_rms: 0.0,
            temperature_c: 25.0,
            temp_coeff_ps_per_c: 0.0,
            faults: Vec::new(),
        }
    }
}

impl Params {
    /// Read-path delay of a line (board + temperature), in ps.
    pub fn line_delay_ps(&self, line: usize) -> f64 {
        self.dq_delay_ps.get(line).copied().unwrap_or(0.0)
            + self.temp_coeff_ps_per_c * (self.temperature_c - 25.0)
    }

    /// Byte lanes whose writes reach the memory array.
    pub fn write_lanes(&self, lanes: u32) -> u8 {
        let mut m = crate::logic::mask(lanes) as u8;
        for f in &self.faults {
            match *f {
                Fault::DmStuck { lane, high: true } | Fault::DqsOpen { lane } => {
                    m &= !(1u8 << lane)
                }
                _ => {}
            }
        }
        m
    }

    /// True when the IDELAYCTRL reference clock runs.
    pub fn refclk_running(&self) -> bool {
        !self.faults.contains(&Fault::RefclkMissing)
    }

    fn forced_level(&self, line: usize) -> Option<bool> {
        let mut lvl = None;
        for f in &self.faults {
            match *f {
                Fault::DqOpen { dq } if dq as usize == line => lvl = Some(false),
                Fault::DqStuck { dq, high } if dq as usize == line => return Some(high),
                _ => {}
            }
        }
        lvl
    }
}

/// The level a DQ line shows at the IDDR input at `t_ps`, for IDELAY tap `tap` and an extra
/// timing offset `jitter_ps`: known 0/1, or unknown when nothing drives it.
pub fn sample_line(
    p: &Params,
    mem: &Memory,
    line: usize,
    t_ps: f64,
    tap: u8,
    jitter_ps: f64,
) -> Lv {
    if let Some(level) = p.forced_level(line) {
        return Lv::known(level as u32);
    }
    let half = p.period_ps / 2.0;
    let launch = t_ps - p.line_delay_ps(line) - tap as f64 * p.tap_ps - jitter_ps;
    // Beat h occupies [h·half, (h+1)·half) at the memory; an arrival exactly at the sampling
    // instant belongs to the next beat, which is not yet taken.
    let h = (launch / half).ceil() - 1.0;
    if h < 0.0 {
        return Lv::unknown(1);
    }
    match mem.beat_at(h as u64) {
        Some(word) => Lv::known((word as u32 >> line) & 1),
        None => Lv::unknown(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem_with_alternating() -> Memory {
        let mut m = Memory::default();
        for h in 0..40u64 {
            let k = (h % crate::ddr2_device::RING as u64) as usize;
            m.beats[k] = (h, if h % 2 == 0 { 0xFFFF } else { 0 });
            m.beat_valid[k] = true;
        }
        m
    }

    #[test]
    fn edge_found_where_delay_passes_half_a_period() {
        // Sampling at a clk_0 rising edge (an odd half-clock boundary): beat 2k (ones) launched
        // half a period earlier is seen until delay + tap·78 > 2500 ps.
        let p = Params::default();
        let m = mem_with_alternating();
        let t = 10.0 * 2500.0 + 2500.0; // boundary between beat 10 (ones) and 11 (zeros)
        assert_eq!(sample_line(&p, &m, 1, t, 32, 0.0), Lv::known(1));
        assert_eq!(sample_line(&p, &m, 1, t, 33, 0.0), Lv::known(0));
        let skew = Params {
            dq_delay_ps: vec![0.0, 300.0],
            ..Params::default()
        };
        assert_eq!(sample_line(&skew, &m, 1, t, 28, 0.0), Lv::known(1));
        assert_eq!(sample_line(&skew, &m, 1, t, 29, 0.0), Lv::known(0));
    }

    #[test]
    fn faults_force_levels_and_mask_lanes() {
        let p = Params {
            faults: vec![
                Fault::DqOpen { dq: 3 },
                Fault::DqStuck { dq: 5, high: true },
                Fault::DmStuck {
                    lane: 0,
                    high: true,
                },
            ],
            ..Params::default()
        };
        let m = Memory::default();
        assert_eq!(sample_line(&p, &m, 3, 1e5, 0, 0.0), Lv::known(0));
        assert_eq!(sample_line(&p, &m, 5, 1e5, 0, 0.0), Lv::known(1));
        assert_eq!(sample_line(&p, &m, 6, 1e5, 0, 0.0), Lv::unknown(1));
        assert_eq!(p.write_lanes(2), 0b10);
    }
}
