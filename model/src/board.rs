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
    pub fn write_lanes(&self, lanes: u32) -> u16 {
        let mut m = crate::logic::mask(lanes) as u16;
        for f in &self.faults {
            match *f {
                Fault::DmStuck { lane, high: true } | Fault::DqsOpen { lane } => {
                    m &= !(1u16 << lane)
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

    fn is_short(&self, line: usize) -> bool {
        self.faults
            .iter()
            .any(|f| matches!(*f, Fault::DqStuck { dq, .. } if dq as usize == line))
    }

    /// The level a fault forces on a line at the controller pin (open = pull-down 0).
    pub fn forced_level(&self, line: usize) -> Option<bool> {
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

/// Slots of controller write data kept.
const DRIVE_SLOTS: usize = 16;

/// The controller's DQ output drivers: the ODDR on clk_90 puts the rise half of a write word on
/// the pins from a quarter period after the CK edge that takes the WRITE plus half a period,
/// then the fall half, then releases the bus (the tri-state flip-flop, also on clk_90). Slot k
/// covers [k·T/2 + T/4, (k+1)·T/2 + T/4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CtrlDrive {
    /// (slot, value) ring.
    pub slots: [(u64, u128); DRIVE_SLOTS],
    /// Valid flags.
    pub valid: [bool; DRIVE_SLOTS],
    /// The latest slot driven (None before the first write).
    pub last_slot: Option<u64>,
}

impl CtrlDrive {
    /// Schedule the `bl` beats of a WRITE taken at CK half-clock `h`, write latency `wl`
    /// clocks (DDR1: 1).
    pub fn schedule(
        &self,
        h: u64,
        words: &[(u128, u128); 4],
        bl: u64,
        wl: u64,
        width: u32,
    ) -> CtrlDrive {
        let mut n = *self;
        let m = crate::logic::mask(width);
        for beat in 0..bl.max(2) {
            let k = h + 2 * wl - 1 + beat;
            let w = words[(beat / 2) as usize % 4];
            let data = if beat % 2 == 0 { w.0 & m } else { w.1 & m };
            let i = (k % DRIVE_SLOTS as u64) as usize;
            n.slots[i] = (k, data);
            n.valid[i] = true;
            n.last_slot = Some(k);
        }
        n
    }

    /// The word driven at `t_ps`, if any.
    pub fn at(&self, t_ps: f64, period_ps: f64) -> Option<u128> {
        let half = period_ps / 2.0;
        let k = ((t_ps - half / 2.0) / half).floor();
        if k < 0.0 {
            return None;
        }
        let k = k as u64;
        let i = (k % DRIVE_SLOTS as u64) as usize;
        (self.valid[i] && self.slots[i].0 == k).then_some(self.slots[i].1)
    }
}

/// True when neither the memory nor the controller can have driven any DQ line in the window
/// that a sample at `t_ps` looks back into (every tap, every board delay, 8 sigma of jitter):
/// the whole bus then reads unknown without per-line work or jitter draws.
pub fn bus_idle(p: &Params, mem: &Memory, drive: &CtrlDrive, t_ps: f64) -> bool {
    let half = p.period_ps / 2.0;
    let max_delay = p.dq_delay_ps.iter().fold(0.0f64, |m, &d| m.max(d))
        + p.temp_coeff_ps_per_c.abs() * (p.temperature_c - 25.0).abs()
        + 64.0 * p.tap_ps
        + 8.0 * p.jitter_ps_rms
        + p.period_ps;
    let horizon = t_ps - max_delay;
    let mem_idle = mem
        .last_beat
        .is_none_or(|h| ((h + 1) as f64) * half < horizon);
    let drive_idle = drive
        .last_slot
        .is_none_or(|k| ((k + 1) as f64) * half + half / 2.0 < horizon);
    mem_idle && drive_idle
}

/// The level a DQ line shows at the IDDR input at `t_ps`, for IDELAY tap `tap` and an extra
/// timing offset `jitter_ps`: known 0/1, or unknown when nothing drives it.
pub fn sample_line(
    p: &Params,
    mem: &Memory,
    drive: &CtrlDrive,
    line: usize,
    t_ps: f64,
    tap: u8,
    jitter_ps: f64,
) -> Lv {
    let half = p.period_ps / 2.0;
    // The controller pin as seen through IDELAY; a change exactly at the instant is not taken.
    let at_pin = t_ps - tap as f64 * p.tap_ps - jitter_ps - 1e-3;
    let own = drive.at(at_pin, p.period_ps).map(|w| (w >> line) & 1 == 1);
    match (p.forced_level(line), own) {
        (Some(level), Some(d)) if p.is_short(line) => {
            // A rail short fights the controller's driver: the winner is unknown unless they agree.
            return if level == d {
                Lv::known(level as u128)
            } else {
                Lv::unknown(1)
            };
        }
        (_, Some(d)) => return Lv::known(d as u128),
        (Some(level), None) => return Lv::known(level as u128),
        (None, None) => {}
    }
    let launch = t_ps - p.line_delay_ps(line) - tap as f64 * p.tap_ps - jitter_ps;
    // Beat h occupies [h·half, (h+1)·half) at the memory; an arrival exactly at the sampling
    // instant belongs to the next beat, which is not yet taken.
    let h = (launch / half).ceil() - 1.0;
    if h < 0.0 {
        return Lv::unknown(1);
    }
    match mem.beat_at(h as u64) {
        Some(word) => Lv::known((word >> line) & 1),
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
        assert_eq!(
            sample_line(&p, &m, &CtrlDrive::default(), 1, t, 32, 0.0),
            Lv::known(1)
        );
        assert_eq!(
            sample_line(&p, &m, &CtrlDrive::default(), 1, t, 33, 0.0),
            Lv::known(0)
        );
        let skew = Params {
            dq_delay_ps: vec![0.0, 300.0],
            ..Params::default()
        };
        assert_eq!(
            sample_line(&skew, &m, &CtrlDrive::default(), 1, t, 28, 0.0),
            Lv::known(1)
        );
        assert_eq!(
            sample_line(&skew, &m, &CtrlDrive::default(), 1, t, 29, 0.0),
            Lv::known(0)
        );
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
        assert_eq!(
            sample_line(&p, &m, &CtrlDrive::default(), 3, 1e5, 0, 0.0),
            Lv::known(0)
        );
        assert_eq!(
            sample_line(&p, &m, &CtrlDrive::default(), 5, 1e5, 0, 0.0),
            Lv::known(1)
        );
        assert_eq!(
            sample_line(&p, &m, &CtrlDrive::default(), 6, 1e5, 0, 0.0),
            Lv::unknown(1)
        );
        assert_eq!(p.write_lanes(2), 0b10);
    }
}
