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
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// The level a weak pull gives an open line at the controller pin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pull {
    /// Weak pull-down (the golden fault1 harness): the pin reads 0.
    #[default]
    Down,
    /// Weak pull-up: the pin reads 1.
    Up,
}

/// How two bridged lines resolve when their drivers disagree.
///
/// Which one a real short gives depends on the drivers' strengths; the model makes it a
/// parameter instead of guessing: `and` (the low driver wins, typical of NMOS-strong outputs)
/// or `or` (the high driver wins).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BridgeMode {
    /// Wired-AND: both lines read 1 only when both are driven 1 (the default: a low driver
    /// usually sinks more current than a high one sources).
    #[default]
    And,
    /// Wired-OR: both lines read 1 when either is driven 1.
    Or,
}

impl BridgeMode {
    fn resolve(self, a: bool, b: bool) -> bool {
        match self {
            BridgeMode::And => a && b,
            BridgeMode::Or => a || b,
        }
    }
}

/// A board fault, applied between the controller pins and the memory pins (never in the RTL).
///
/// DQ indices are controller pins (what a diagnosis names); lanes are byte lanes (DQS/DM
/// index). A line takes at most one connectivity fault (open, stuck, swap, bridge): see
/// [`validate_faults`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// DQ line open: the controller pin sees its weak pull, the memory pin floats (what the
    /// memory latches there is never read back, so the model keeps the written bit).
    DqOpen {
        /// Line index.
        dq: u8,
        /// Which weak pull the controller pin has (default `down`, as in golden fault1).
        #[serde(default)]
        pull: Pull,
    },
    /// DQ line shorted to a rail on both sides.
    DqStuck {
        /// Line index.
        dq: u8,
        /// True = shorted to VDD.
        high: bool,
    },
    /// Two DQ lines swapped on the board: controller pin `a` is wired to memory pin `b` and
    /// vice versa. What is written through the swap is read back through it, so the data is
    /// transparent; each memory pin's trace delay (`dq_delay_ps[k]` belongs to memory DQ k)
    /// now arrives at the other controller pin, so with unequal delays the calibration results
    /// move between the lines (and an uncalibrated line can end up outside its eye).
    DqSwap {
        /// First line.
        a: u8,
        /// Second line.
        b: u8,
    },
    /// Two DQ nets shorted together on both sides: every level on either is the wired
    /// combination of what drives the two (writes and reads alike).
    DqBridge {
        /// First line.
        a: u8,
        /// Second line.
        b: u8,
        /// `and` (default) or `or`.
        #[serde(default)]
        mode: BridgeMode,
    },
    /// A memory DM pin tied to a level (high masks every write of that byte lane; low is what
    /// the controller drives anyway during init, so it changes nothing there).
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
    /// A DQS line stuck at a rail: no strobe edge reaches the memory, so it never latches a
    /// write of that byte lane (reads are captured with the FPGA clock in direct clocking and
    /// do not need DQS).
    DqsStuck {
        /// Byte lane.
        lane: u8,
        /// True = stuck high.
        high: bool,
    },
    /// CK/CK# to the memory stopped: the memory takes no command, latches no write and drives
    /// no read; the controller runs on regardless.
    CkStopped,
    /// CK and CK# swapped: the memory's CK rises on clk_0 rising edges, half a period later
    /// than intended; it takes each command half a period late and launches reads half a
    /// period late.
    CkInverted,
    /// No IDELAYCTRL reference clock (clk_200 held low): the reset synchroniser never releases.
    RefclkMissing,
    /// The DCM never locks (`dcm_lock` stays low): the controller is held in reset.
    DcmLockMissing,
    /// An extra read-path delay (ps, may be negative) at the IDDR input of one line (`dq`),
    /// of every line of a byte lane (`lane`), or of every line (neither given). Several shifts
    /// add up.
    ReadDelayShift {
        /// The line, if only one.
        #[serde(default)]
        dq: Option<u8>,
        /// The byte lane, if a whole lane.
        #[serde(default)]
        lane: Option<u8>,
        /// Shift in ps.
        ps: i32,
    },
}

/// Default data-path temperature coefficient in ps/°C: 0, as in the golden stand-ins (ideal
/// delays), so a scenario drifts only with the coefficients it gives. A plausible value for the
/// whole read round trip (CK output path, memory tAC, board, input buffer), used by the bundled
/// `temperature_hot` example, is [`TYPICAL_DQ_TEMP_COEFF_PS_PER_C`].
pub const DEFAULT_DQ_TEMP_COEFF_PS_PER_C: f64 = 0.0;

/// A plausible data-path temperature coefficient in ps/°C. **[U]**: no datasheet gives the
/// sum; 3 ps/°C is the order of a DDR2 part's tAC drift plus the FPGA's I/O paths.
pub const TYPICAL_DQ_TEMP_COEFF_PS_PER_C: f64 = 3.0;

/// Default capture-clock temperature coefficient in ps/°C: 0, as in the goldens.
pub const DEFAULT_CLOCK_TEMP_COEFF_PS_PER_C: f64 = 0.0;

/// A plausible capture-clock (clk_0 at the IDDR) coefficient in ps/°C: what the DCM's deskew
/// leaves of the global clock tree's drift. **[U]**, small because the DCM feedback compensates
/// the tree.
pub const TYPICAL_CLOCK_TEMP_COEFF_PS_PER_C: f64 = 0.5;

/// Above this board temperature DDR2 needs twice the refresh rate (JEDEC: tREFI 3.9 µs above
/// 85 °C).
pub const DEFAULT_REFRESH_DOUBLE_ABOVE_C: f64 = 85.0;

/// Default half-width of the jitter band in standard deviations: outside it the sample is the
/// jitter-free one, inside it the sampling offset is drawn from the seed.
pub const DEFAULT_JITTER_BAND_SIGMAS: f64 = 4.0;

/// The reference temperature of every delay (the delays given are those at 25 °C).
pub const REFERENCE_TEMPERATURE_C: f64 = 25.0;

/// Board parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// clk_0 period in ps.
    pub period_ps: f64,
    /// IDELAY tap size in ps.
    pub tap_ps: f64,
    /// Read-path delay in ps of the trace at memory DQ k (missing lines = 0). Without a swap
    /// that trace reaches controller pin k.
    pub dq_delay_ps: Vec<f64>,
    /// RMS of the Gaussian sampling jitter common to every line, in ps (0 = none).
    pub jitter_ps_rms: f64,
    /// Per controller line extra RMS jitter in ps (missing = 0); adds to the global one in
    /// quadrature.
    pub dq_jitter_ps_rms: Vec<f64>,
    /// Half-width of the jitter band in standard deviations (the draw is also clipped there).
    pub jitter_band_sigmas: f64,
    /// Board temperature in °C.
    pub temperature_c: f64,
    /// Data-path drift per °C away from 25 °C, in ps, for every line without its own value.
    pub temp_coeff_ps_per_c: f64,
    /// Per controller line data-path drift in ps/°C (missing = `temp_coeff_ps_per_c`).
    pub dq_temp_coeff_ps_per_c: Vec<f64>,
    /// Capture-clock (clk_0 at the IDDR) drift per °C away from 25 °C, in ps: a later capture
    /// clock samples the data earlier in its eye.
    pub clock_temp_coeff_ps_per_c: f64,
    /// Temperature above which the refresh interval halves (DDR2 2x refresh).
    pub refresh_double_above_c: f64,
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
            dq_jitter_ps_rms: Vec::new(),
            jitter_band_sigmas: DEFAULT_JITTER_BAND_SIGMAS,
            temperature_c: REFERENCE_TEMPERATURE_C,
            temp_coeff_ps_per_c: DEFAULT_DQ_TEMP_COEFF_PS_PER_C,
            dq_temp_coeff_ps_per_c: Vec::new(),
            clock_temp_coeff_ps_per_c: DEFAULT_CLOCK_TEMP_COEFF_PS_PER_C,
            refresh_double_above_c: DEFAULT_REFRESH_DOUBLE_ABOVE_C,
            faults: Vec::new(),
        }
    }
}

impl Params {
    /// The memory pin controller pin `line` is wired to (itself unless swapped).
    pub fn mem_pin(&self, line: usize) -> usize {
        for f in &self.faults {
            if let Fault::DqSwap { a, b } = *f {
                if a as usize == line {
                    return b as usize;
                }
                if b as usize == line {
                    return a as usize;
                }
            }
        }
        line
    }

    /// The line bridged to `line`, and how they resolve.
    pub fn bridge(&self, line: usize) -> Option<(usize, BridgeMode)> {
        self.faults.iter().find_map(|f| match *f {
            Fault::DqBridge { a, b, mode } if a as usize == line => Some((b as usize, mode)),
            Fault::DqBridge { a, b, mode } if b as usize == line => Some((a as usize, mode)),
            _ => None,
        })
    }

    fn delta_t(&self) -> f64 {
        self.temperature_c - REFERENCE_TEMPERATURE_C
    }

    fn dq_temp_coeff(&self, line: usize) -> f64 {
        self.dq_temp_coeff_ps_per_c
            .get(line)
            .copied()
            .unwrap_or(self.temp_coeff_ps_per_c)
    }

    /// Read-path delay of a controller line up to its pin, in ps: the trace of the memory pin
    /// it is wired to plus the data path's temperature drift.
    pub fn line_delay_ps(&self, line: usize) -> f64 {
        self.dq_delay_ps
            .get(self.mem_pin(line))
            .copied()
            .unwrap_or(0.0)
            + self.dq_temp_coeff(line) * self.delta_t()
    }

    /// Delay between the controller pin and the IDDR beyond IDELAY, relative to the capture
    /// clock, in ps: the read-delay-shift faults minus the capture clock's temperature drift.
    pub fn capture_shift_ps(&self, line: usize) -> f64 {
        let mut s = 0.0;
        for f in &self.faults {
            if let Fault::ReadDelayShift { dq, lane, ps } = *f {
                let hit = match (dq, lane) {
                    (Some(d), _) => d as usize == line,
                    (None, Some(l)) => l as usize == line / 8,
                    (None, None) => true,
                };
                if hit {
                    s += ps as f64;
                }
            }
        }
        s - self.clock_temp_coeff_ps_per_c * self.delta_t()
    }

    /// RMS jitter of a line in ps.
    pub fn jitter_sigma_ps(&self, line: usize) -> f64 {
        let l = self.dq_jitter_ps_rms.get(line).copied().unwrap_or(0.0);
        (self.jitter_ps_rms * self.jitter_ps_rms + l * l).sqrt()
    }

    /// The refresh-interval counter terminal the controller should use at this temperature:
    /// above `refresh_double_above_c` the interval halves (DDR2 2x refresh). In the MIG RTL
    /// the same counter times the 200 µs power-up wait (`cke_200us_cnt` counts its terminals),
    /// so a build for hot operation also halves that wait.
    pub fn refresh_interval(&self, max_ref_cnt: u16) -> u16 {
        if self.temperature_c > self.refresh_double_above_c {
            // The interval is terminal + 1 cycles.
            max_ref_cnt.div_ceil(2).saturating_sub(1)
        } else {
            max_ref_cnt
        }
    }

    /// Byte lanes whose writes reach the memory array.
    pub fn write_lanes(&self, lanes: u32) -> u16 {
        let mut m = crate::logic::mask(lanes) as u16;
        for f in &self.faults {
            match *f {
                Fault::DmStuck { lane, high: true }
                | Fault::DqsOpen { lane }
                | Fault::DqsStuck { lane, .. } => m &= !(1u16 << lane),
                _ => {}
            }
        }
        m
    }

    /// True when the IDELAYCTRL reference clock runs.
    pub fn refclk_running(&self) -> bool {
        !self.faults.contains(&Fault::RefclkMissing)
    }

    /// True when the DCM's LOCKED (the controller's `dcm_lock`) can rise.
    pub fn dcm_lock_rises(&self) -> bool {
        !self.faults.contains(&Fault::DcmLockMissing)
    }

    /// True when CK reaches the memory.
    pub fn ck_running(&self) -> bool {
        !self.faults.contains(&Fault::CkStopped)
    }

    /// Half-clocks by which the memory's CK rising edges lag the intended ones (1 when CK and
    /// CK# are swapped).
    pub fn ck_half_shift(&self) -> u64 {
        self.faults.contains(&Fault::CkInverted) as u64
    }

    /// True when a fault shorts the line to a rail (it then fights the controller's driver).
    pub fn is_short(&self, line: usize) -> bool {
        self.faults
            .iter()
            .any(|f| matches!(*f, Fault::DqStuck { dq, .. } if dq as usize == line))
    }

    /// The level a fault forces on a line at the controller pin (open = its weak pull).
    pub fn forced_level(&self, line: usize) -> Option<bool> {
        let mut lvl = None;
        for f in &self.faults {
            match *f {
                Fault::DqOpen { dq, pull } if dq as usize == line => lvl = Some(pull == Pull::Up),
                Fault::DqStuck { dq, high } if dq as usize == line => return Some(high),
                _ => {}
            }
        }
        lvl
    }

    /// The bit a controller pin carries when every controller pin drives `word` (a bridge
    /// combines the two drivers).
    pub fn own_bit(&self, word: u128, line: usize) -> bool {
        let bit = |k: usize| (word >> k) & 1 == 1;
        match self.bridge(line) {
            Some((other, mode)) => mode.resolve(bit(line), bit(other)),
            None => bit(line),
        }
    }

    /// The bit controller pin `line` receives when the memory drives `word`.
    pub fn read_bit(&self, word: u128, line: usize) -> bool {
        let bit = |k: usize| (word >> self.mem_pin(k)) & 1 == 1;
        match self.bridge(line) {
            Some((other, mode)) => mode.resolve(bit(line), bit(other)),
            None => bit(line),
        }
    }

    /// What the memory pins latch when the controller writes `word` (`width` bits): swaps
    /// reroute bits, bridges combine them, rail shorts force them.
    pub fn to_memory(&self, word: u128, width: u32) -> u128 {
        if self.faults.is_empty() {
            return word;
        }
        let mut out = word;
        for line in 0..width as usize {
            let v = match self.forced_level(line) {
                Some(l) if self.is_short(line) => l,
                _ => self.own_bit(word, line),
            };
            let m = self.mem_pin(line);
            out = (out & !(1u128 << m)) | ((v as u128) << m);
        }
        out
    }

    /// Upper bound of how far back (ps) a sample on any line can look past its tap: the
    /// largest trace delay, drifts, shifts and jitter band.
    fn max_lookback_ps(&self) -> f64 {
        let dt = self.delta_t().abs();
        let coeff = self
            .dq_temp_coeff_ps_per_c
            .iter()
            .fold(self.temp_coeff_ps_per_c.abs(), |m, &c| m.max(c.abs()));
        let shifts: f64 = self
            .faults
            .iter()
            .map(|f| match *f {
                Fault::ReadDelayShift { ps, .. } => (ps as f64).abs(),
                _ => 0.0,
            })
            .sum();
        let jl = self.dq_jitter_ps_rms.iter().fold(0.0f64, |m, &j| m.max(j));
        let sigma = (self.jitter_ps_rms * self.jitter_ps_rms + jl * jl).sqrt();
        self.dq_delay_ps.iter().fold(0.0f64, |m, &d| m.max(d))
            + (coeff + self.clock_temp_coeff_ps_per_c.abs()) * dt
            + shifts
            + self.jitter_band_sigmas.max(0.0) * sigma
    }
}

/// Why a fault list cannot be simulated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key `{key}`: {message}")]
pub struct FaultError {
    /// The offending key (`fault[2].dq`).
    pub key: String,
    /// What was expected and what was found.
    pub message: String,
}

/// Checks a fault list against a bus of `data_width` bits: indices in range, two lines of a
/// swap or bridge distinct, at most one connectivity fault (open, stuck, swap, bridge) per line,
/// one DM fault and one DQS fault per lane, CK either stopped or inverted, no fault given twice,
/// and a read-delay shift naming a line or a lane, not both.
pub fn validate_faults(faults: &[Fault], data_width: u32) -> Result<(), FaultError> {
    let err = |k: usize, field: &str, message: String| FaultError {
        key: format!("fault[{k}].{field}"),
        message,
    };
    let lanes = data_width / 8;
    let dq_ok = |k: usize, field: &str, v: u8| {
        if (v as u32) < data_width {
            Ok(())
        } else {
            Err(err(
                k,
                field,
                format!("expected a DQ line 0..={}, found {v}", data_width - 1),
            ))
        }
    };
    let lane_ok = |k: usize, field: &str, v: u8| {
        if (v as u32) < lanes {
            Ok(())
        } else {
            Err(err(
                k,
                field,
                format!("expected a byte lane 0..={}, found {v}", lanes.max(1) - 1),
            ))
        }
    };
    // Which fault already claims each line's connectivity, each lane's DM and DQS, and CK.
    let mut line_owner: Vec<Option<usize>> = vec![None; data_width as usize];
    let mut dm_owner: Vec<Option<usize>> = vec![None; lanes as usize];
    let mut dqs_owner: Vec<Option<usize>> = vec![None; lanes as usize];
    let mut ck_owner: Option<usize> = None;
    let mut claim_line = |k: usize, field: &str, dq: u8| -> Result<(), FaultError> {
        let slot = &mut line_owner[dq as usize];
        if let Some(prev) = *slot {
            return Err(err(
                k,
                field,
                format!(
                    "DQ{dq} already has a connectivity fault (fault[{prev}]); a line can be open, stuck, swapped or bridged, not two of them"
                ),
            ));
        }
        *slot = Some(k);
        Ok(())
    };
    for (k, f) in faults.iter().enumerate() {
        match *f {
            Fault::DqOpen { dq, .. } | Fault::DqStuck { dq, .. } => {
                dq_ok(k, "dq", dq)?;
                claim_line(k, "dq", dq)?;
            }
            Fault::DqSwap { a, b } | Fault::DqBridge { a, b, .. } => {
                dq_ok(k, "a", a)?;
                dq_ok(k, "b", b)?;
                if a == b {
                    return Err(err(
                        k,
                        "b",
                        format!("expected a line other than `a` (DQ{a}), found the same line"),
                    ));
                }
                claim_line(k, "a", a)?;
                claim_line(k, "b", b)?;
            }
            Fault::DmStuck { lane, .. } => {
                lane_ok(k, "lane", lane)?;
                if let Some(prev) = dm_owner[lane as usize].replace(k) {
                    return Err(err(
                        k,
                        "lane",
                        format!("DM{lane} is already stuck (fault[{prev}]); it can be stuck at one level only"),
                    ));
                }
            }
            Fault::DqsOpen { lane } | Fault::DqsStuck { lane, .. } => {
                lane_ok(k, "lane", lane)?;
                if let Some(prev) = dqs_owner[lane as usize].replace(k) {
                    return Err(err(
                        k,
                        "lane",
                        format!("DQS{lane} already has a fault (fault[{prev}]); it can be open or stuck at one level, not both"),
                    ));
                }
            }
            Fault::CkStopped | Fault::CkInverted => {
                if let Some(prev) = ck_owner.replace(k) {
                    return Err(err(
                        k,
                        "kind",
                        format!("CK already has a fault (fault[{prev}]); it can be stopped or inverted, not both"),
                    ));
                }
            }
            Fault::RefclkMissing | Fault::DcmLockMissing => {
                if let Some(prev) = faults[..k].iter().position(|g| g == f) {
                    return Err(err(
                        k,
                        "kind",
                        format!("the same fault is already given as fault[{prev}]"),
                    ));
                }
            }
            Fault::ReadDelayShift { dq, lane, ps } => {
                match (dq, lane) {
                    (Some(_), Some(_)) => {
                        return Err(err(
                            k,
                            "lane",
                            "give `dq` (one line) or `lane` (a byte lane) or neither (every line), not both".to_string(),
                        ))
                    }
                    (Some(d), None) => dq_ok(k, "dq", d)?,
                    (None, Some(l)) => lane_ok(k, "lane", l)?,
                    (None, None) => {}
                }
                if !(-5000..=5000).contains(&ps) {
                    return Err(err(
                        k,
                        "ps",
                        format!("expected -5000..=5000 ps, found {ps}"),
                    ));
                }
            }
        }
    }
    Ok(())
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
/// that a sample at `t_ps` looks back into (every tap, every board delay, drift, shift and the
/// jitter band): the whole bus then reads unknown without per-line work or jitter draws.
pub fn bus_idle(p: &Params, mem: &Memory, drive: &CtrlDrive, t_ps: f64) -> bool {
    let half = p.period_ps / 2.0;
    let max_delay = p.max_lookback_ps() + 64.0 * p.tap_ps + p.period_ps;
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
    let shift = p.capture_shift_ps(line);
    // The controller pin as seen through IDELAY; a change exactly at the instant is not taken.
    let at_pin = t_ps - tap as f64 * p.tap_ps - jitter_ps - shift - 1e-3;
    let own = drive.at(at_pin, p.period_ps).map(|w| p.own_bit(w, line));
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
    let launch = t_ps - p.line_delay_ps(line) - tap as f64 * p.tap_ps - jitter_ps - shift;
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

/// Distance (ps) from `x` to the nearest point of the grid `offset + k·step`.
fn grid_distance(x: f64, step: f64, offset: f64) -> f64 {
    let r = (x - offset).rem_euclid(step);
    r.min(step - r)
}

/// The whole data bus at the IDDR inputs at `t_ps` (`taps[k]` = IDELAY tap of line k).
///
/// Jitter: a line whose jitter-free sampling instant lies within `jitter_band_sigmas`
/// standard deviations of a transition of the memory's beats or the controller's own write
/// slots draws a Gaussian timing offset (clipped to the band) from `rng`, so inside the band the
/// sampled bit is drawn from the seed and outside it the sample is exact. Lines are drawn in
/// index order: the same seed gives the same bits, whatever runs around the model.
pub fn sample_bus(
    p: &Params,
    mem: &Memory,
    drive: &CtrlDrive,
    t_ps: f64,
    taps: &[u8],
    rng: &mut ChaCha8Rng,
) -> Lv {
    let half = p.period_ps / 2.0;
    let mut v = Lv::default();
    for (line, &tap) in taps.iter().enumerate() {
        let sigma = p.jitter_sigma_ps(line);
        let mut j = 0.0;
        if sigma > 0.0 {
            let band = p.jitter_band_sigmas.max(0.0) * sigma;
            let at_pin = t_ps - tap as f64 * p.tap_ps - p.capture_shift_ps(line);
            let launch = at_pin - p.line_delay_ps(line);
            let near = grid_distance(launch, half, 0.0) < band
                || grid_distance(at_pin, half, half / 2.0) < band;
            if near {
                j = draw_jitter(rng, sigma, band);
            }
        }
        let b = sample_line(p, mem, drive, line, t_ps, tap, j);
        v.v |= b.v << line;
        v.x |= b.x << line;
    }
    v
}

/// A Gaussian offset of RMS `sigma`, clipped to ±`band`.
fn draw_jitter(rng: &mut ChaCha8Rng, sigma: f64, band: f64) -> f64 {
    match Normal::new(0.0, sigma) {
        Ok(n) => n.sample(rng).clamp(-band, band),
        // Only a non-finite sigma gets here, and scenario validation rejects those: no jitter.
        Err(_) => 0.0,
    }
}

/// The level of DQ line `line` at the controller pin at `t_ps` (what `tb/dq` shows): the
/// controller's own write data, else the memory's beat delayed by the line's board delay, else
/// a fault's level (open: the weak pull-down reads 0), else undriven. A rail short against the
/// controller's opposite level is unknown.
pub fn dq_pin(p: &Params, mem: &Memory, drive: &CtrlDrive, line: usize, t_ps: f64) -> Value {
    let half = p.period_ps / 2.0;
    let own = drive.at(t_ps, p.period_ps).map(|w| p.own_bit(w, line));
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
    let stuck = p.faults.iter().find_map(|f| match *f {
        Fault::DqsStuck { lane: l, high } if l == lane => Some(high),
        _ => None,
    });
    if let Some(l) = drive.dqs_at(t_ps, p.period_ps) {
        // A rail short fights the controller's strobe driver.
        return match stuck {
            Some(s) if s != l => Value::unknown(1),
            _ => Value::known(l as u128),
        };
    }
    if let Some(s) = stuck {
        return Value::known(s as u128);
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
            faults: vec![Fault::DqBridge {
                a: 0,
                b: 1,
                mode: BridgeMode::And,
            }],
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
                Fault::DqOpen {
                    dq: 3,
                    pull: Pull::Down,
                },
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

    #[test]
    fn swap_routes_bits_and_delays() {
        let p = Params {
            dq_delay_ps: vec![0.0, 300.0, 600.0],
            faults: vec![Fault::DqSwap { a: 1, b: 2 }],
            ..Params::default()
        };
        assert_eq!(p.mem_pin(1), 2);
        assert_eq!(p.mem_pin(2), 1);
        assert_eq!(p.mem_pin(0), 0);
        // Written through the swap, read back through it: transparent.
        for w in [0b010u128, 0b100, 0b110, 0b011] {
            let stored = p.to_memory(w, 16);
            for line in 0..16 {
                assert_eq!(p.read_bit(stored, line), (w >> line) & 1 == 1);
            }
        }
        assert_eq!(p.to_memory(0b010, 16), 0b100);
        // The delay of memory pin 2's trace arrives at controller pin 1.
        assert_eq!(p.line_delay_ps(1), 600.0);
        assert_eq!(p.line_delay_ps(2), 300.0);
    }

    #[test]
    fn bridge_resolves_both_ways() {
        for (mode, want) in [(BridgeMode::And, false), (BridgeMode::Or, true)] {
            let p = Params {
                faults: vec![Fault::DqBridge { a: 0, b: 1, mode }],
                ..Params::default()
            };
            // Controller drives 01 on the pair: both nets carry the wired result.
            let stored = p.to_memory(0b01, 8);
            assert_eq!(stored & 1 == 1, want);
            assert_eq!(stored >> 1 & 1 == 1, want);
            assert_eq!(p.own_bit(0b10, 0), want);
            assert_eq!(p.read_bit(0b01, 1), want);
            // Agreeing drivers pass through.
            assert_eq!(p.to_memory(0b11, 8), 0b11);
        }
    }

    #[test]
    fn open_pull_and_shifts() {
        let p = Params {
            faults: vec![
                Fault::DqOpen {
                    dq: 2,
                    pull: Pull::Up,
                },
                Fault::ReadDelayShift {
                    dq: None,
                    lane: Some(1),
                    ps: 200,
                },
                Fault::ReadDelayShift {
                    dq: Some(9),
                    lane: None,
                    ps: -50,
                },
                Fault::ReadDelayShift {
                    dq: None,
                    lane: None,
                    ps: 10,
                },
            ],
            ..Params::default()
        };
        assert_eq!(p.forced_level(2), Some(true));
        assert_eq!(p.capture_shift_ps(0), 10.0);
        assert_eq!(p.capture_shift_ps(8), 210.0);
        assert_eq!(p.capture_shift_ps(9), 160.0);
    }

    #[test]
    fn temperature_drifts_and_doubles_refresh() {
        let cold = Params::default();
        assert_eq!(cold.line_delay_ps(0), 0.0);
        assert_eq!(cold.capture_shift_ps(0), 0.0);
        assert_eq!(cold.refresh_interval(1543), 1543);
        let hot = Params {
            temperature_c: 90.0,
            temp_coeff_ps_per_c: TYPICAL_DQ_TEMP_COEFF_PS_PER_C,
            dq_temp_coeff_ps_per_c: vec![1.0],
            clock_temp_coeff_ps_per_c: TYPICAL_CLOCK_TEMP_COEFF_PS_PER_C,
            ..Params::default()
        };
        assert_eq!(hot.line_delay_ps(0), 65.0);
        assert_eq!(hot.line_delay_ps(1), 65.0 * TYPICAL_DQ_TEMP_COEFF_PS_PER_C);
        assert_eq!(
            hot.capture_shift_ps(3),
            -65.0 * TYPICAL_CLOCK_TEMP_COEFF_PS_PER_C
        );
        // The defaults drift nothing (the goldens have no temperature model).
        let default_hot = Params {
            temperature_c: 90.0,
            ..Params::default()
        };
        assert_eq!(default_hot.line_delay_ps(0), 0.0);
        assert_eq!(default_hot.capture_shift_ps(0), 0.0);
        assert_eq!(hot.refresh_interval(1543), 771);
    }

    #[test]
    fn lane_and_clock_faults() {
        let p = Params {
            faults: vec![
                Fault::DqsStuck {
                    lane: 1,
                    high: false,
                },
                Fault::DmStuck {
                    lane: 0,
                    high: false,
                },
                Fault::CkInverted,
                Fault::DcmLockMissing,
            ],
            ..Params::default()
        };
        assert_eq!(p.write_lanes(2), 0b01);
        assert_eq!(p.ck_half_shift(), 1);
        assert!(p.ck_running());
        assert!(!p.dcm_lock_rises());
        assert!(p.refclk_running());
    }

    #[test]
    fn validation_names_the_key() {
        let e = |f: Vec<Fault>| validate_faults(&f, 16).unwrap_err().key;
        assert_eq!(
            e(vec![Fault::DqStuck { dq: 16, high: true }]),
            "fault[0].dq"
        );
        assert_eq!(e(vec![Fault::DqsOpen { lane: 2 }]), "fault[0].lane");
        assert_eq!(e(vec![Fault::DqSwap { a: 3, b: 3 }]), "fault[0].b");
        assert_eq!(
            e(vec![
                Fault::DqOpen {
                    dq: 3,
                    pull: Pull::Down
                },
                Fault::DqBridge {
                    a: 4,
                    b: 3,
                    mode: BridgeMode::Or
                },
            ]),
            "fault[1].b"
        );
        assert_eq!(
            e(vec![
                Fault::DmStuck {
                    lane: 0,
                    high: true
                },
                Fault::DmStuck {
                    lane: 0,
                    high: false
                },
            ]),
            "fault[1].lane"
        );
        assert_eq!(
            e(vec![
                Fault::DqsOpen { lane: 1 },
                Fault::DqsStuck {
                    lane: 1,
                    high: true
                }
            ]),
            "fault[1].lane"
        );
        assert_eq!(
            e(vec![Fault::CkStopped, Fault::CkInverted]),
            "fault[1].kind"
        );
        assert_eq!(
            e(vec![Fault::RefclkMissing, Fault::RefclkMissing]),
            "fault[1].kind"
        );
        assert_eq!(
            e(vec![Fault::ReadDelayShift {
                dq: Some(1),
                lane: Some(0),
                ps: 5
            }]),
            "fault[0].lane"
        );
        let m = validate_faults(&[Fault::DqStuck { dq: 20, high: true }], 16)
            .unwrap_err()
            .to_string();
        assert!(m.contains("0..=15") && m.contains("20"), "{m}");
        // Different kinds on different lines combine.
        validate_faults(
            &[
                Fault::DqOpen {
                    dq: 3,
                    pull: Pull::Down,
                },
                Fault::DqSwap { a: 1, b: 9 },
                Fault::DqBridge {
                    a: 5,
                    b: 6,
                    mode: BridgeMode::And,
                },
                Fault::DmStuck {
                    lane: 1,
                    high: true,
                },
                Fault::DqsOpen { lane: 0 },
                Fault::ReadDelayShift {
                    dq: None,
                    lane: None,
                    ps: 100,
                },
                Fault::RefclkMissing,
            ],
            16,
        )
        .unwrap();
    }

    #[test]
    fn jitter_band_draws_only_near_transitions() {
        use rand::SeedableRng;
        let m = mem_with_alternating();
        let p = Params {
            jitter_ps_rms: 30.0,
            ..Params::default()
        };
        let taps = vec![10u8; 16];
        // Far from any transition (tap 10 = 780 ps into a 2500 ps beat): exact, no draw.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let before = rng.clone();
        let t = 10.0 * 2500.0 + 2500.0;
        let v = sample_bus(&p, &m, &CtrlDrive::default(), t, &taps, &mut rng);
        assert_eq!(v, Lv::known(0xFFFF));
        assert_eq!(rng, before);
        // At the edge (tap 32/33 straddle it): the bits come from the seed, reproducibly.
        let taps = vec![32u8; 16];
        let draw = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let t = 10.0 * 2500.0 + 2500.0 + 40.0;
            sample_bus(&p, &m, &CtrlDrive::default(), t, &taps, &mut rng)
        };
        assert_eq!(draw(3), draw(3));
        let mixed = (0..20).map(draw).any(|v| v.v != 0 && v.v != 0xFFFF);
        assert!(mixed, "no line ever drew the other beat");
    }
}
