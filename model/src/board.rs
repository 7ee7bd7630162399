//! The board between the controller pins and the memory pins: read-path sampling physics
//! (spec README §2) and the fault seam (§4).
//!
//! Each DQ line's read data reaches the IDDR at: memory launch (on a CK edge; the golden's memory
//! has no tAC) + board trace delay + temperature drift + `tap × tap_ps` of IDELAY + jitter. The
//! sampled bit is the beat whose eye holds the sampling instant; a transition that arrives at
//! exactly the sampling instant is not taken (the golden's IOBUF adds 1 fs).

use crate::ddr2_device::Regs as Memory;
use crate::logic::Lv;
use crate::probe::Value;

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
    /// Two DQ lines swapped on the board: controller pin `a` is wired to memory pin `b` and
    /// pin `b` to pin `a`.
    DqSwap {
        /// Controller line.
        a: u8,
        /// Controller line.
        b: u8,
    },
    /// Two DQ nets shorted together (named as controller lines). Modelled as a dominant-low
    /// short: both nets carry the AND of what is driven on them, on writes and on reads.
    DqBridge {
        /// Controller line.
        a: u8,
        /// Controller line.
        b: u8,
    },
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

    /// The memory pin a controller DQ line is wired to (swaps applied).
    pub fn mem_line(&self, line: usize) -> usize {
        let mut m = line;
        for f in &self.faults {
            if let Fault::DqSwap { a, b } = *f {
                if m == a as usize {
                    m = b as usize;
                } else if m == b as usize {
                    m = a as usize;
                }
            }
        }
        m
    }

    fn bridged(&self, line: usize) -> Option<usize> {
        self.faults.iter().find_map(|f| match *f {
            Fault::DqBridge { a, b } if a as usize == line => Some(b as usize),
            Fault::DqBridge { a, b } if b as usize == line => Some(a as usize),
            _ => None,
        })
    }

    /// What the controller's drivers put on its pins for `word` (bridged nets AND together).
    pub fn own_word(&self, word: u128) -> u128 {
        let mut w = word;
        for f in &self.faults {
            if let Fault::DqBridge { a, b } = *f {
                let v = (word >> a) & (word >> b) & 1;
                w = (w & !(1 << a) & !(1 << b)) | (v << a) | (v << b);
            }
        }
        w
    }

    /// The word the memory latches when the controller writes `word` (bridges, then the swap
    /// routing to memory pins).
    pub fn to_memory(&self, word: u128, width: u32) -> u128 {
        let own = self.own_word(word);
        if !self
            .faults
            .iter()
            .any(|f| matches!(f, Fault::DqSwap { .. }))
        {
            return own;
        }
        let mut m = 0u128;
        for line in 0..width as usize {
            m |= ((own >> line) & 1) << self.mem_line(line);
        }
        m
    }

    /// The level controller line `line` reads from a memory word (swap routing, bridges).
    pub fn read_bit(&self, word: u128, line: usize) -> bool {
        let bit = (word >> self.mem_line(line)) & 1 == 1;
        match self.bridged(line) {
            Some(o) => bit && (word >> self.mem_line(o)) & 1 == 1,
            None => bit,
        }
    }

    /// True when a fault shorts the line to a rail (it then fights the controller's driver).
    pub fn is_short(&self, line: usize) -> bool {
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
    /// The controller's DQS write bursts: (half-clock of the first beat, beats), a ring.
    pub dqs_bursts: [(u64, u64); 4],
    /// Next slot of `dqs_bursts`.
    pub dqs_next: u8,
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
        let i = n.dqs_next as usize % 4;
        n.dqs_bursts[i] = (h + 2 * wl, bl.max(2));
        n.dqs_next = n.dqs_next.wrapping_add(1);
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

impl CtrlDrive {
    /// The controller's DQS level at `t_ps`: `Some(level)` while it drives (preamble 0 for one
    /// clock, then 1/0 with the beats), `None` when released. Beats win over a later burst's
    /// preamble (back-to-back writes keep toggling).
    pub fn dqs_at(&self, t_ps: f64, period_ps: f64) -> Option<bool> {
        let half = period_ps / 2.0;
        let hh = (t_ps / half).floor();
        if hh < 0.0 {
            return None;
        }
        let hh = hh as u64;
        let mut pre = false;
        for k in 0..self.dqs_next.min(4) as usize {
            let (first, beats) = self.dqs_bursts[k];
            if hh >= first && hh < first + beats {
                return Some((hh - first).is_multiple_of(2));
            }
            if hh + 2 >= first && hh < first {
                pre = true;
            }
        }
        pre.then_some(false)
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
    let own = drive
        .at(at_pin, p.period_ps)
        .map(|w| (p.own_word(w) >> line) & 1 == 1);
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
        Some(word) => Lv::known(p.read_bit(word, line) as u128),
        None => Lv::unknown(1),
    }
}

/// The level of DQ line `line` at the controller pin at `t_ps` (what `tb/dq` shows): the
/// controller's own write data, else the memory's beat delayed by the line's board delay, else
/// a fault's level (open: the weak pull-down reads 0), else undriven. A rail short against the
/// controller's opposite level is unknown.
pub fn dq_pin(p: &Params, mem: &Memory, drive: &CtrlDrive, line: usize, t_ps: f64) -> Value {
    let half = p.period_ps / 2.0;
    let own = drive
        .at(t_ps, p.period_ps)
        .map(|w| (p.own_word(w) >> line) & 1 == 1);
    let short = p.is_short(line);
    let level = p.forced_level(line);
    let bit = |b: bool| Value::known(b as u128);
    match (own, level) {
        (Some(d), Some(l)) if short => {
            return if d == l { bit(l) } else { Value::unknown(1) };
        }
        (Some(d), _) => return bit(d),
        (None, Some(l)) if short => return bit(l),
        _ => {}
    }
    let launch = t_ps - p.line_delay_ps(line);
    if launch >= 0.0 && level.is_none() {
        if let Some(w) = mem.beat_at((launch / half).floor() as u64) {
            return bit(p.read_bit(w, line));
        }
    }
    match level {
        Some(l) => bit(l),
        None => Value {
            bits: 0,
            unknown: 0,
            highz: 1,
        },
    }
}

/// The level of DQS lane `lane` at the controller pin: the controller's write strobe, else the
/// memory's read strobe (preamble 0 one clock before the first beat, 1 on rise beats, 0 on fall
/// beats), else undriven; an open DQS shows the controller's weak pull-down instead of the
/// memory's strobe.
pub fn dqs_pin(p: &Params, mem: &Memory, drive: &CtrlDrive, lane: u8, t_ps: f64) -> Value {
    let half = p.period_ps / 2.0;
    if let Some(l) = drive.dqs_at(t_ps, p.period_ps) {
        return Value::known(l as u128);
    }
    if p.faults.contains(&Fault::DqsOpen { lane }) {
        return Value::known(0);
    }
    let hh = (t_ps / half).floor();
    if hh >= 0.0 {
        let hh = hh as u64;
        if mem.beat_at(hh).is_some() {
            return Value::known(hh.is_multiple_of(2) as u128);
        }
        if mem.beat_at(hh + 1).is_some() || mem.beat_at(hh + 2).is_some() {
            return Value::known(0);
        }
    }
    Value {
        bits: 0,
        unknown: 0,
        highz: 1,
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
    fn swap_is_transparent_and_bridge_ands() {
        let swap = Params {
            faults: vec![Fault::DqSwap { a: 1, b: 9 }],
            ..Params::default()
        };
        // What is written through the swap reads back through it.
        for word in [0x0002u128, 0x0200, 0xA5C3] {
            let stored = swap.to_memory(word, 16);
            let back: u128 = (0..16)
                .map(|l| (swap.read_bit(stored, l) as u128) << l)
                .sum();
            assert_eq!(back, word);
        }
        assert_eq!(swap.to_memory(0x0002, 16), 0x0200);
        let bridge = Params {
            faults: vec![Fault::DqBridge { a: 0, b: 1 }],
            ..Params::default()
        };
        assert_eq!(bridge.to_memory(0b01, 16), 0b00);
        assert_eq!(bridge.to_memory(0b11, 16), 0b11);
        assert!(!bridge.read_bit(0b10, 1));
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
