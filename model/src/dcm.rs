//! Virtex-4 DCM (legacy `DCM`, `DCM_BASE`, `DCM_ADV`) as far as the MIG cares: LOCKED, STATUS\[1\]
//! (CLKIN stopped) and STATUS\[2\] (CLKFX stopped), including the MAP-inserted autocalibration macro
//! of AR21435 (`DCM_AUTOCALIBRATION`).
//!
//! The DCM acts on a millisecond scale (lock time, the 100 ms clock-stop rule, the 200 ms
//! autocalibration reset), so the model is **event-driven**: it takes a time-ordered list of
//! [`InputEvent`]s (CLKIN stop/resume/period change, RST assert/deassert) and produces a
//! time-ordered list of [`OutputEvent`]s, never ticking individual CLKIN cycles. The block style is
//! the project's: [`Params`], state in [`Regs`], and a pure [`advance`] / [`settle`] that return the
//! output changes and the next registers. [`simulate`] runs a whole input list and returns a
//! [`Waveform`] with [`Waveform::locked_at`] and [`Waveform::locked_intervals`], which is what the
//! simulator needs: it runs the MIG cycle by cycle only while LOCKED is high, because LOCKED is the
//! controller's `dcm_lock` and its fall resets the MIG (init starts over).
//!
//! Sources and choices (spec `jedec-ddr2-v4-dcm.md` §3):
//! - RST must be high for at least 3 CLKIN cycles (UNISIM DCM_ADV); shorter is an input error
//!   that leaves LOCKED unknown, reported here as [`DcmError::RstTooShort`].
//! - LOCKED falls when CLKIN has stopped for longer than 100 ms (simulation model); a shorter stop
//!   leaves LOCKED high. Once lock is lost only a RST brings it back.
//! - Cycle-to-cycle jitter above 300 ps, or a period more than 1 ns away from the locked period,
//!   loses lock (simulation model).
//! - With `DCM_AUTOCALIBRATION = TRUE` and `CONFIG STEPPING = "2"` (or later) MAP inserts a macro
//!   that puts the DCM in autocalibration once CLKIN stops. After that, a RST shorter than 200 ms
//!   gives a normal-looking lock that is lost again tens of milliseconds later; only a RST of at
//!   least 200 ms taken while CLKIN runs restores normal behaviour (AR21435, Billauer's blog).
//! - STATUS\[1\] follows CLKIN presence; STATUS\[2\] is sticky until RST; both read 0 until LOCKED has
//!   risen since configuration or the last RST (simulation model).
//!
//! - **\[U\]** What LOCKED does when CLKIN returns and no RST follows at all is not documented; the
//!   model leaves it as it was (still high after a stop under 100 ms). A clock that is absent at
//!   configuration counts as stopped for the macro ([`Params::autocal_if_clkin_absent_at_start`]).
//!
//! Times are femtoseconds ([`Time`], the same unit as `migcal_traces::trace::Time`).
//!
//! ```
//! use migcal_model::dcm::{simulate, ClkinInitial, Input, InputEvent, Params, FS_PER_MS};
//!
//! let ms = FS_PER_MS;
//! let inputs = [
//!     InputEvent { time: 5 * ms, input: Input::ClkinStop },
//!     InputEvent { time: 10 * ms, input: Input::ClkinResume },
//!     InputEvent { time: 20 * ms, input: Input::RstAssert },
//!     InputEvent { time: 21 * ms, input: Input::RstDeassert },
//! ];
//! let w = simulate(&Params::default(), &ClkinInitial::default(), &inputs, 100 * ms).unwrap();
//! // DCM_AUTOCALIBRATION = TRUE: the 1 ms reset gives a lock at 22 ms that is gone at 52 ms.
//! let stretches: Vec<_> = w.locked_intervals().map(|i| (i.rise / ms, i.fall.map(|f| f / ms))).collect();
//! assert_eq!(stretches, [(1, Some(20)), (22, Some(52))]);
//! ```

pub mod config;
pub mod diagnose;

use std::fmt;

use thiserror::Error;

/// A point in time or a duration, in femtoseconds (the project's time unit).
pub type Time = u64;

/// Femtoseconds per picosecond.
pub const FS_PER_PS: Time = 1_000;
/// Femtoseconds per nanosecond.
pub const FS_PER_NS: Time = 1_000_000;
/// Femtoseconds per microsecond.
pub const FS_PER_US: Time = 1_000_000_000;
/// Femtoseconds per millisecond.
pub const FS_PER_MS: Time = 1_000_000_000_000;

/// Which DCM primitive the design instantiates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
pub enum Primitive {
    /// The legacy Virtex-II style `DCM`. It has no `DCM_AUTOCALIBRATION` attribute, and XST's
    /// automatic upgrade to `DCM_ADV` leaves the attribute at its default, TRUE.
    #[serde(rename = "DCM", alias = "dcm")]
    Dcm,
    /// `DCM_BASE` (has `DCM_AUTOCALIBRATION` since 02/2007, CR 433184).
    #[serde(rename = "DCM_BASE", alias = "dcm_base")]
    DcmBase,
    /// `DCM_ADV` (has `DCM_AUTOCALIBRATION` since 05/2005, CR 208095).
    #[serde(rename = "DCM_ADV", alias = "dcm_adv")]
    DcmAdv,
}

impl fmt::Display for Primitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Primitive::Dcm => "DCM",
            Primitive::DcmBase => "DCM_BASE",
            Primitive::DcmAdv => "DCM_ADV",
        })
    }
}

/// The DCM's parameters. Names follow the spec (`README.md` §3); durations are femtoseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// The primitive instantiated. [`Primitive::Dcm`] ignores [`Params::dcm_autocalibration`].
    pub primitive: Primitive,
    /// The `DCM_AUTOCALIBRATION` attribute (default TRUE).
    pub dcm_autocalibration: bool,
    /// The UCF `CONFIG STEPPING` level; MAP inserts the autocalibration macro only for 2 or later.
    pub stepping: u8,
    /// Minimum RST pulse, in CLKIN cycles (3, UNISIM DCM_ADV and AR13349).
    pub rst_min_clkin_cycles: u32,
    /// Time from a usable CLKIN with RST low to LOCKED rising. **\[U\]**: DS302's LOCK_DLL/LOCK_FX
    /// were not read; 1 ms is a chosen default (real DCMs lock in microseconds to low milliseconds).
    pub lock_time: Time,
    /// The RST length that takes the DCM out of autocalibration (200 ms, AR21435).
    pub autocal_reset_min: Time,
    /// How long a lock taken in autocalibration lasts before LOCKED falls again. **\[U\]**: the
    /// only source says "tens of milliseconds"; 30 ms is chosen.
    pub autocal_unlock_delay: Time,
    /// How long CLKIN may stop before LOCKED falls (100 ms, UNISIM DCM_ADV; XAPP462 agrees).
    pub clkin_stop_lose_lock: Time,
    /// Missing CLKIN periods after which the DCM (STATUS\[1\]) and the autocalibration macro see the
    /// clock as stopped. **\[U\]**: the simulation model uses 2 periods, XAPP462 says one missed
    /// cycle, AR10972 1 to 8 cycles; 2 is chosen.
    pub clkin_stop_detect_periods: u32,
    /// Largest CLKIN cycle-to-cycle jitter (and period step) the DCM tolerates (300 ps, simulation
    /// model); beyond it lock is lost, or not acquired.
    pub max_cycle_jitter: Time,
    /// Largest distance of the CLKIN period from the locked period (1 ns, simulation model).
    pub max_period_jitter: Time,
    /// Whether a CLKIN that is absent at configuration counts as a stopped clock for the
    /// autocalibration macro. **\[U\]**: the macro cannot tell "never started" from "stopped"; true
    /// is chosen, so a late CLKIN needs the 200 ms reset like a disturbed one.
    pub autocal_if_clkin_absent_at_start: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            primitive: Primitive::DcmBase,
            dcm_autocalibration: true,
            stepping: 2,
            rst_min_clkin_cycles: 3,
            lock_time: FS_PER_MS,
            autocal_reset_min: 200 * FS_PER_MS,
            autocal_unlock_delay: 30 * FS_PER_MS,
            clkin_stop_lose_lock: 100 * FS_PER_MS,
            clkin_stop_detect_periods: 2,
            max_cycle_jitter: 300 * FS_PER_PS,
            max_period_jitter: FS_PER_NS,
            autocal_if_clkin_absent_at_start: true,
        }
    }
}

impl Params {
    /// The attribute value in effect: the legacy `DCM` has no attribute and behaves as TRUE.
    pub fn effective_autocalibration(&self) -> bool {
        self.primitive == Primitive::Dcm || self.dcm_autocalibration
    }

    /// Whether MAP inserts the AR21435 autocalibration macro for this DCM.
    pub fn autocal_macro_inserted(&self) -> bool {
        self.effective_autocalibration() && self.stepping >= 2
    }

    /// Checks values the model cannot work with.
    pub fn validate(&self) -> Result<(), DcmError> {
        if self.rst_min_clkin_cycles == 0 {
            return Err(DcmError::BadParam {
                name: "rst_min_clkin_cycles",
                value: 0,
                expected: "at least 1",
            });
        }
        if self.clkin_stop_detect_periods == 0 {
            return Err(DcmError::BadParam {
                name: "clkin_stop_detect_periods",
                value: 0,
                expected: "at least 1",
            });
        }
        Ok(())
    }
}

/// CLKIN at configuration (t = 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClkinInitial {
    /// Whether CLKIN toggles at t = 0.
    pub running: bool,
    /// CLKIN period, femtoseconds (must be > 0).
    pub period: Time,
    /// CLKIN peak cycle-to-cycle jitter, femtoseconds.
    pub jitter: Time,
}

impl Default for ClkinInitial {
    /// A running 200 MHz clock without jitter, the MIG's system clock.
    fn default() -> Self {
        ClkinInitial {
            running: true,
            period: 5 * FS_PER_NS,
            jitter: 0,
        }
    }
}

/// One change on the DCM's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// CLKIN stops toggling (the event time is its last edge).
    ClkinStop,
    /// CLKIN starts toggling again (the event time is its first edge), at the current period.
    ClkinResume,
    /// CLKIN's period and peak cycle-to-cycle jitter change (applies at once if running, at the
    /// next resume if stopped).
    ClkinPeriod {
        /// New period, femtoseconds (> 0).
        period: Time,
        /// New peak cycle-to-cycle jitter, femtoseconds.
        jitter: Time,
    },
    /// RST goes high.
    RstAssert,
    /// RST goes low.
    RstDeassert,
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::ClkinStop => f.write_str("CLKIN stop"),
            Input::ClkinResume => f.write_str("CLKIN resume"),
            Input::ClkinPeriod { period, jitter } => {
                write!(f, "CLKIN period {period} fs, jitter {jitter} fs")
            }
            Input::RstAssert => f.write_str("RST assert"),
            Input::RstDeassert => f.write_str("RST deassert"),
        }
    }
}

/// An [`Input`] at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputEvent {
    /// When, femtoseconds.
    pub time: Time,
    /// What changes.
    pub input: Input,
}

/// The DCM outputs the model produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputSignal {
    /// LOCKED (the MIG's `dcm_lock`).
    Locked,
    /// STATUS\[1\], CLKIN stopped (DO\[1\] on DCM_ADV).
    Status1,
    /// STATUS\[2\], CLKFX stopped (DO\[2\] on DCM_ADV).
    Status2,
}

impl OutputSignal {
    /// The canonical trace name (`dcm/locked`, `dcm/status[1]`, `dcm/status[2]`).
    pub fn name(self) -> &'static str {
        match self {
            OutputSignal::Locked => "dcm/locked",
            OutputSignal::Status1 => "dcm/status[1]",
            OutputSignal::Status2 => "dcm/status[2]",
        }
    }
}

/// One change of an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct OutputEvent {
    /// When, femtoseconds.
    pub time: Time,
    /// Which output.
    pub signal: OutputSignal,
    /// Its new level.
    pub value: bool,
}

/// The output levels at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Outputs {
    /// LOCKED.
    pub locked: bool,
    /// STATUS\[1\] (CLKIN stopped).
    pub status1: bool,
    /// STATUS\[2\] (CLKFX stopped, sticky until RST).
    pub status2: bool,
}

impl Outputs {
    fn get(&self, s: OutputSignal) -> bool {
        match s {
            OutputSignal::Locked => self.locked,
            OutputSignal::Status1 => self.status1,
            OutputSignal::Status2 => self.status2,
        }
    }
}

/// Where the DCM's lock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// Not locked, and will start acquiring by itself as soon as CLKIN runs within the jitter
    /// limits with RST low (after configuration, after a RST, after CLKIN returns mid-acquisition).
    Idle,
    /// Acquiring since `since`; LOCKED rises at `since + lock_time`.
    Acquiring {
        /// Start of the acquisition.
        since: Time,
    },
    /// LOCKED is high.
    Locked {
        /// When LOCKED rose.
        since: Time,
        /// When LOCKED will fall because the lock was taken in autocalibration.
        autocal_unlock_at: Option<Time>,
    },
    /// Lock was lost; only a RST brings it back.
    Lost,
}

/// The DCM's state between events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regs {
    /// Time of the last event processed.
    pub now: Time,
    /// Whether CLKIN toggles.
    pub clkin_present: bool,
    /// CLKIN period (the one it will have when it returns, while stopped).
    pub clkin_period: Time,
    /// CLKIN peak cycle-to-cycle jitter.
    pub clkin_jitter: Time,
    /// Time of CLKIN's last edge, while it is stopped.
    pub clkin_stopped_at: Option<Time>,
    /// Whether the current stop has lasted `clkin_stop_detect_periods` (the DCM and the macro
    /// see it).
    pub clkin_stop_detected: bool,
    /// When CLKIN last came back (`None` if it has run since configuration).
    pub clkin_returned_at: Option<Time>,
    /// RST level.
    pub rst: bool,
    /// When RST last rose, while it is high.
    pub rst_since: Option<Time>,
    /// CLKIN cycles seen during the current RST pulse, in 2^-32 of a cycle (rounded down per
    /// stretch, so whole-cycle comparisons stay exact).
    pub rst_cycles_q32: u128,
    /// The lock state.
    pub lock: Lock,
    /// The CLKIN period at the moment of lock.
    pub locked_period: Time,
    /// Whether the macro has put the DCM in autocalibration (cleared by a long RST).
    pub autocal: bool,
    /// Whether LOCKED has risen since configuration or the last RST (status bits read 0 before).
    pub status_armed: bool,
    /// The sticky CLKFX-stopped flag.
    pub status2: bool,
}

impl Regs {
    /// The state at configuration (t = 0).
    pub fn power_up(params: &Params, clkin: &ClkinInitial) -> Result<Regs, DcmError> {
        params.validate()?;
        if clkin.period == 0 {
            return Err(DcmError::ZeroPeriod { at: 0 });
        }
        let mut regs = Regs {
            now: 0,
            clkin_present: clkin.running,
            clkin_period: clkin.period,
            clkin_jitter: clkin.jitter,
            clkin_stopped_at: (!clkin.running).then_some(0),
            clkin_stop_detected: false,
            clkin_returned_at: None,
            rst: false,
            rst_since: None,
            rst_cycles_q32: 0,
            lock: Lock::Idle,
            locked_period: clkin.period,
            autocal: false,
            status_armed: false,
            status2: false,
        };
        if !clkin.running && !params.autocal_if_clkin_absent_at_start {
            // Treat the absent clock as never seen by the macro: no stop timer runs.
            regs.clkin_stopped_at = None;
        }
        regs.try_start_acquiring(0, params);
        Ok(regs)
    }

    /// The output levels this state drives.
    pub fn outputs(&self) -> Outputs {
        Outputs {
            locked: matches!(self.lock, Lock::Locked { .. }),
            status1: self.status_armed && self.clkin_stop_detected && !self.clkin_present,
            status2: self.status_armed && self.status2,
        }
    }

    fn clkin_usable(&self, params: &Params) -> bool {
        self.clkin_present && self.clkin_jitter <= params.max_cycle_jitter
    }

    fn try_start_acquiring(&mut self, t: Time, params: &Params) {
        if self.lock == Lock::Idle && !self.rst && self.clkin_usable(params) {
            self.lock = Lock::Acquiring { since: t };
        }
    }

    /// The next internal (timer) event after the last processed one, if any.
    pub fn next_timer(&self, params: &Params) -> Option<Time> {
        let mut next: Option<Time> = None;
        let mut consider = |t: Time| next = Some(next.map_or(t, |n| n.min(t)));
        match self.lock {
            Lock::Acquiring { since } => consider(since.saturating_add(params.lock_time)),
            Lock::Locked {
                autocal_unlock_at: Some(at),
                ..
            } => consider(at),
            _ => {}
        }
        if let Some(stop) = self.clkin_stopped_at {
            if !self.clkin_stop_detected {
                consider(stop.saturating_add(self.stop_detect_delay(params)));
            }
            if matches!(self.lock, Lock::Locked { .. }) {
                consider(stop.saturating_add(params.clkin_stop_lose_lock));
            }
        }
        next
    }

    fn stop_detect_delay(&self, params: &Params) -> Time {
        self.clkin_period
            .saturating_mul(Time::from(params.clkin_stop_detect_periods))
    }

    /// Accounts CLKIN cycles under RST from `self.now` up to `t`.
    fn count_rst_cycles(&mut self, t: Time) {
        if self.rst && self.clkin_present && t > self.now {
            let q = (u128::from(t - self.now) << 32) / u128::from(self.clkin_period);
            self.rst_cycles_q32 = self.rst_cycles_q32.saturating_add(q);
        }
    }

    /// Fires every timer due at `t` (which must be the earliest pending one).
    fn fire_timers_at(&mut self, t: Time, params: &Params) {
        self.count_rst_cycles(t);
        self.now = t;
        // Order within one instant: stop detection, then lock completion, then lock loss.
        if let Some(stop) = self.clkin_stopped_at {
            if !self.clkin_stop_detected && stop.saturating_add(self.stop_detect_delay(params)) <= t
            {
                self.clkin_stop_detected = true;
                if params.autocal_macro_inserted() {
                    self.autocal = true;
                }
                if self.status_armed {
                    self.status2 = true;
                }
            }
        }
        if let Lock::Acquiring { since } = self.lock {
            if since.saturating_add(params.lock_time) <= t {
                self.lock = Lock::Locked {
                    since: t,
                    autocal_unlock_at: self
                        .autocal
                        .then(|| t.saturating_add(params.autocal_unlock_delay)),
                };
                self.locked_period = self.clkin_period;
                self.status_armed = true;
            }
        }
        if let Lock::Locked {
            autocal_unlock_at, ..
        } = self.lock
        {
            let stop_lost = self
                .clkin_stopped_at
                .is_some_and(|s| s.saturating_add(params.clkin_stop_lose_lock) <= t);
            if autocal_unlock_at.is_some_and(|a| a <= t) || stop_lost {
                self.lock = Lock::Lost;
            }
        }
    }

    fn apply(&mut self, ev: &InputEvent, params: &Params) -> Result<(), DcmError> {
        let t = ev.time;
        self.count_rst_cycles(t);
        self.now = t;
        let bad = |state: &'static str| DcmError::InvalidTransition {
            at: t,
            input: ev.input,
            state,
        };
        match ev.input {
            Input::ClkinStop => {
                if !self.clkin_present {
                    return Err(bad("CLKIN is already stopped"));
                }
                self.clkin_present = false;
                self.clkin_stopped_at = Some(t);
                self.clkin_stop_detected = false;
                if let Lock::Acquiring { .. } = self.lock {
                    self.lock = Lock::Idle;
                }
            }
            Input::ClkinResume => {
                if self.clkin_present {
                    return Err(bad("CLKIN is already running"));
                }
                self.clkin_present = true;
                self.clkin_stopped_at = None;
                self.clkin_stop_detected = false;
                self.clkin_returned_at = Some(t);
                if let Lock::Locked { .. } = self.lock {
                    if self.period_breaks_lock(self.clkin_period, params) {
                        self.lock = Lock::Lost;
                    }
                }
                self.try_start_acquiring(t, params);
            }
            Input::ClkinPeriod { period, jitter } => {
                if period == 0 {
                    return Err(DcmError::ZeroPeriod { at: t });
                }
                let step = period.abs_diff(self.clkin_period);
                self.clkin_period = period;
                self.clkin_jitter = jitter;
                if self.clkin_present {
                    match self.lock {
                        Lock::Locked { .. } => {
                            if step > params.max_cycle_jitter
                                || self.period_breaks_lock(period, params)
                            {
                                self.lock = Lock::Lost;
                            }
                        }
                        Lock::Acquiring { .. } => {
                            if !self.clkin_usable(params) {
                                self.lock = Lock::Idle;
                            } else if step > params.max_cycle_jitter {
                                // The period lock needs three like periods: start over.
                                self.lock = Lock::Acquiring { since: t };
                            }
                        }
                        Lock::Idle | Lock::Lost => {}
                    }
                    self.try_start_acquiring(t, params);
                }
            }
            Input::RstAssert => {
                if self.rst {
                    return Err(bad("RST is already high"));
                }
                self.rst = true;
                self.rst_since = Some(t);
                self.rst_cycles_q32 = 0;
                self.lock = Lock::Idle;
                self.status_armed = false;
                self.status2 = false;
            }
            Input::RstDeassert => {
                let Some(since) = self.rst_since.filter(|_| self.rst) else {
                    return Err(bad("RST is already low"));
                };
                let min_q32 = u128::from(params.rst_min_clkin_cycles) << 32;
                if self.rst_cycles_q32 < min_q32 {
                    return Err(DcmError::RstTooShort {
                        at: since,
                        length: t - since,
                        clkin_cycles_milli: u64::try_from(
                            (self.rst_cycles_q32 * 1000 + (1 << 31)) >> 32,
                        )
                        .unwrap_or(u64::MAX),
                        min_cycles: params.rst_min_clkin_cycles,
                    });
                }
                if self.autocal && self.clkin_present {
                    // The 200 ms count only runs while CLKIN is there (AR21435: "when the input
                    // clock returns, ... assert the DCM reset for at least 200 ms").
                    let from = self.clkin_returned_at.map_or(since, |r| r.max(since));
                    if t - from >= params.autocal_reset_min {
                        self.autocal = false;
                    }
                }
                self.rst = false;
                self.rst_since = None;
                self.try_start_acquiring(t, params);
            }
        }
        Ok(())
    }

    fn period_breaks_lock(&self, period: Time, params: &Params) -> bool {
        self.clkin_jitter > params.max_cycle_jitter
            || period.abs_diff(self.locked_period) > params.max_period_jitter
    }
}

/// Errors of the DCM model: inputs the DCM cannot take.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DcmError {
    /// RST was high for fewer CLKIN cycles than the DCM needs; the simulation model drives
    /// LOCKED to X ("Input Error : RST ... must be asserted for 3 CLKIN clock cycles").
    #[error(
        "input error: RST asserted at {} for {} saw {} CLKIN cycles; the DCM needs RST high for at least {min_cycles} CLKIN cycles (LOCKED would be unknown)",
        fmt_duration(*at),
        fmt_duration(*length),
        fmt_milli(*clkin_cycles_milli)
    )]
    RstTooShort {
        /// When RST rose, femtoseconds.
        at: Time,
        /// How long it stayed high, femtoseconds.
        length: Time,
        /// CLKIN cycles seen while RST was high, in thousandths.
        clkin_cycles_milli: u64,
        /// The required count (`rst_min_clkin_cycles`).
        min_cycles: u32,
    },
    /// Input events were not in time order.
    #[error(
        "DCM input at {at} fs comes after an input at {previous} fs: inputs must be in time order"
    )]
    OutOfOrder {
        /// The offending event's time.
        at: Time,
        /// The time already reached.
        previous: Time,
    },
    /// A CLKIN period of zero.
    #[error("CLKIN period set at {} is 0; expected a positive period", fmt_duration(*at))]
    ZeroPeriod {
        /// When.
        at: Time,
    },
    /// An input that does not change anything (stopping a stopped clock, raising a high RST).
    #[error("DCM input '{input}' at {} is impossible: {state}", fmt_duration(*at))]
    InvalidTransition {
        /// When.
        at: Time,
        /// The input.
        input: Input,
        /// Why it cannot happen.
        state: &'static str,
    },
    /// A parameter the model cannot work with.
    #[error("DCM parameter {name} = {value}: expected {expected}")]
    BadParam {
        /// Parameter name.
        name: &'static str,
        /// Its value.
        value: u64,
        /// What it should be.
        expected: &'static str,
    },
}

fn fmt_milli(m: u64) -> String {
    format!("{}.{:03}", m / 1000, m % 1000)
}

/// A duration (or time) in the largest unit it reaches, exact: `200 ms`, `1.5 ms`,
/// `2.000000000001 ms`, `15 ns`.
pub fn fmt_duration(d: Time) -> String {
    const UNITS: [(Time, &str, usize); 5] = [
        (FS_PER_MS, "ms", 12),
        (FS_PER_US, "us", 9),
        (FS_PER_NS, "ns", 6),
        (FS_PER_PS, "ps", 3),
        (1, "fs", 0),
    ];
    let (unit, name, digits) = UNITS.into_iter().find(|u| d >= u.0).unwrap_or((1, "fs", 0));
    let (whole, frac) = (d / unit, d % unit);
    if frac == 0 {
        format!("{whole} {name}")
    } else {
        let f = format!("{frac:0digits$}");
        format!("{whole}.{} {name}", f.trim_end_matches('0'))
    }
}

/// Collects the output changes between two states.
fn diff(before: Outputs, after: Outputs, t: Time, out: &mut Vec<OutputEvent>) {
    for s in [
        OutputSignal::Locked,
        OutputSignal::Status1,
        OutputSignal::Status2,
    ] {
        if before.get(s) != after.get(s) {
            out.push(OutputEvent {
                time: t,
                signal: s,
                value: after.get(s),
            });
        }
    }
}

/// Runs the DCM's own timers (lock completion, lock loss, stop detection) up to and including
/// `until`, with no input change. Returns the output changes and the state at `until`.
pub fn settle(regs: &Regs, until: Time, params: &Params) -> (Vec<OutputEvent>, Regs) {
    let mut out = Vec::new();
    let mut r = regs.clone();
    settle_in_place(&mut r, until, params, &mut out);
    (out, r)
}

fn settle_in_place(r: &mut Regs, until: Time, params: &Params, out: &mut Vec<OutputEvent>) {
    while let Some(t) = r.next_timer(params).filter(|&t| t <= until) {
        let t = t.max(r.now);
        let before = r.outputs();
        r.fire_timers_at(t, params);
        diff(before, r.outputs(), t, out);
    }
    if until > r.now {
        r.count_rst_cycles(until);
        r.now = until;
    }
}

/// Applies one input event: first the timers due up to its time, then the input.
/// Returns the output changes, in time order, and the next state.
pub fn advance(
    regs: &Regs,
    event: &InputEvent,
    params: &Params,
) -> Result<(Vec<OutputEvent>, Regs), DcmError> {
    if event.time < regs.now {
        return Err(DcmError::OutOfOrder {
            at: event.time,
            previous: regs.now,
        });
    }
    let mut out = Vec::new();
    let mut r = regs.clone();
    settle_in_place(&mut r, event.time, params, &mut out);
    let before = r.outputs();
    r.apply(event, params)?;
    diff(before, r.outputs(), event.time, &mut out);
    Ok((out, r))
}

/// A whole run: the outputs at t = 0 and every change up to the end time.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Waveform {
    /// Output levels at t = 0 (before any event).
    pub initial: Outputs,
    /// Output changes in time order.
    pub events: Vec<OutputEvent>,
    /// The time the run was simulated to.
    pub end: Time,
}

/// One stretch of LOCKED high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LockedInterval {
    /// When LOCKED rose (0 if it was high from the start).
    pub rise: Time,
    /// When it fell, or `None` if it was still high at [`Waveform::end`].
    pub fall: Option<Time>,
}

impl Waveform {
    /// The level of `signal` at `t`, after every change at or before `t`.
    pub fn level_at(&self, signal: OutputSignal, t: Time) -> bool {
        let upto = self.events.partition_point(|e| e.time <= t);
        self.events[..upto]
            .iter()
            .rev()
            .find(|e| e.signal == signal)
            .map_or(self.initial.get(signal), |e| e.value)
    }

    /// LOCKED at `t`.
    pub fn locked_at(&self, t: Time) -> bool {
        self.level_at(OutputSignal::Locked, t)
    }

    /// All outputs at `t`.
    pub fn outputs_at(&self, t: Time) -> Outputs {
        Outputs {
            locked: self.level_at(OutputSignal::Locked, t),
            status1: self.level_at(OutputSignal::Status1, t),
            status2: self.level_at(OutputSignal::Status2, t),
        }
    }

    /// The changes of one output, in time order.
    pub fn changes(&self, signal: OutputSignal) -> impl Iterator<Item = &OutputEvent> + '_ {
        self.events.iter().filter(move |e| e.signal == signal)
    }

    /// The stretches of LOCKED high, in time order. Zero-length pulses (rise and fall at the
    /// same instant) are skipped: the MIG never sees them.
    pub fn locked_intervals(&self) -> impl Iterator<Item = LockedInterval> + '_ {
        let mut changes = self.changes(OutputSignal::Locked).peekable();
        let mut pending = self.initial.locked.then_some(0);
        std::iter::from_fn(move || loop {
            match (pending, changes.next()) {
                (Some(rise), Some(e)) if !e.value => {
                    pending = None;
                    if e.time > rise {
                        return Some(LockedInterval {
                            rise,
                            fall: Some(e.time),
                        });
                    }
                }
                (None, Some(e)) if e.value => pending = Some(e.time),
                (_, Some(_)) => {}
                (Some(rise), None) => {
                    pending = None;
                    return Some(LockedInterval { rise, fall: None });
                }
                (None, None) => return None,
            }
        })
    }
}

/// Runs the DCM from configuration through `inputs` (time-ordered) up to `until`; inputs after
/// `until` are not looked at. The first input error stops the run.
pub fn simulate(
    params: &Params,
    clkin: &ClkinInitial,
    inputs: &[InputEvent],
    until: Time,
) -> Result<Waveform, DcmError> {
    let mut regs = Regs::power_up(params, clkin)?;
    let initial = regs.outputs();
    let mut events = Vec::new();
    for ev in inputs {
        if ev.time > until {
            break;
        }
        let (out, next) = advance(&regs, ev, params)?;
        events.extend(out);
        regs = next;
    }
    let mut r = regs;
    settle_in_place(&mut r, until, params, &mut events);
    Ok(Waveform {
        initial,
        events,
        end: until.max(r.now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Time = FS_PER_MS;

    fn ev(time: Time, input: Input) -> InputEvent {
        InputEvent { time, input }
    }

    #[test]
    fn locks_after_lock_time_from_configuration() {
        let p = Params::default();
        let w = simulate(&p, &ClkinInitial::default(), &[], 5 * MS).unwrap();
        assert!(!w.initial.locked);
        assert_eq!(
            w.events,
            vec![OutputEvent {
                time: MS,
                signal: OutputSignal::Locked,
                value: true
            }]
        );
        assert!(!w.locked_at(MS - 1));
        assert!(w.locked_at(MS));
    }

    #[test]
    fn short_stop_keeps_lock_and_long_stop_loses_it() {
        let p = Params {
            dcm_autocalibration: false,
            ..Params::default()
        };
        let short = [
            ev(2 * MS, Input::ClkinStop),
            ev(52 * MS, Input::ClkinResume),
        ];
        let w = simulate(&p, &ClkinInitial::default(), &short, 200 * MS).unwrap();
        assert!(w.locked_at(51 * MS) && w.locked_at(199 * MS));
        let long = [
            ev(2 * MS, Input::ClkinStop),
            ev(150 * MS, Input::ClkinResume),
        ];
        let w = simulate(&p, &ClkinInitial::default(), &long, 300 * MS).unwrap();
        assert!(w.locked_at(102 * MS - 1));
        assert!(!w.locked_at(102 * MS));
        assert!(!w.locked_at(299 * MS), "lost lock needs a RST");
    }

    #[test]
    fn status1_follows_clkin_and_status2_is_sticky_until_rst() {
        let p = Params {
            dcm_autocalibration: false,
            ..Params::default()
        };
        let inputs = [
            ev(2 * MS, Input::ClkinStop),
            ev(3 * MS, Input::ClkinResume),
            ev(10 * MS, Input::RstAssert),
            ev(11 * MS, Input::RstDeassert),
        ];
        let w = simulate(&p, &ClkinInitial::default(), &inputs, 20 * MS).unwrap();
        let detect = 2 * MS + 10 * FS_PER_NS;
        assert!(!w.outputs_at(detect - 1).status1);
        assert!(w.outputs_at(detect).status1 && w.outputs_at(detect).status2);
        let back = w.outputs_at(3 * MS);
        assert!(!back.status1 && back.status2 && back.locked);
        let rst = w.outputs_at(10 * MS);
        assert!(!rst.status2 && !rst.locked);
        assert!(w.locked_at(12 * MS));
    }

    #[test]
    fn out_of_order_and_impossible_inputs_are_errors() {
        let p = Params::default();
        let c = ClkinInitial::default();
        let e = simulate(
            &p,
            &c,
            &[ev(5, Input::RstAssert), ev(4, Input::RstDeassert)],
            10,
        )
        .unwrap_err();
        assert_eq!(e, DcmError::OutOfOrder { at: 4, previous: 5 });
        let e = simulate(&p, &c, &[ev(5, Input::ClkinResume)], 10).unwrap_err();
        assert!(matches!(e, DcmError::InvalidTransition { at: 5, .. }));
        let e = simulate(&p, &c, &[ev(5, Input::RstDeassert)], 10).unwrap_err();
        assert!(matches!(e, DcmError::InvalidTransition { at: 5, .. }));
    }

    #[test]
    fn jitter_beyond_limit_loses_lock_and_blocks_relock() {
        let p = Params {
            dcm_autocalibration: false,
            ..Params::default()
        };
        let inputs = [
            ev(
                2 * MS,
                Input::ClkinPeriod {
                    period: 5 * FS_PER_NS,
                    jitter: 400 * FS_PER_PS,
                },
            ),
            ev(3 * MS, Input::RstAssert),
            ev(4 * MS, Input::RstDeassert),
        ];
        let w = simulate(&p, &ClkinInitial::default(), &inputs, 20 * MS).unwrap();
        assert!(w.locked_at(2 * MS - 1));
        assert!(!w.locked_at(2 * MS));
        assert!(!w.locked_at(19 * MS));
    }

    #[test]
    fn locked_intervals_pair_rises_and_falls() {
        let w = Waveform {
            initial: Outputs {
                locked: true,
                ..Outputs::default()
            },
            events: vec![
                OutputEvent {
                    time: 5,
                    signal: OutputSignal::Locked,
                    value: false,
                },
                OutputEvent {
                    time: 7,
                    signal: OutputSignal::Locked,
                    value: true,
                },
            ],
            end: 10,
        };
        let v: Vec<_> = w.locked_intervals().collect();
        assert_eq!(
            v,
            vec![
                LockedInterval {
                    rise: 0,
                    fall: Some(5)
                },
                LockedInterval {
                    rise: 7,
                    fall: None
                }
            ]
        );
    }

    #[test]
    fn rst_too_short_error_names_time_and_length() {
        let p = Params::default();
        let e = simulate(
            &p,
            &ClkinInitial::default(),
            &[
                ev(MS, Input::RstAssert),
                ev(MS + 10_000_000, Input::RstDeassert),
            ],
            2 * MS,
        )
        .unwrap_err();
        assert_eq!(
            e,
            DcmError::RstTooShort {
                at: MS,
                length: 10_000_000,
                clkin_cycles_milli: 2000,
                min_cycles: 3
            }
        );
        let msg = e.to_string();
        assert!(msg.contains("at 1 ms for 10 ns"), "{msg}");
        assert!(msg.contains("2.000 CLKIN cycles"), "{msg}");
    }
}
