//! The DCM's state between events and how each event and each timer changes it.

use super::{ClkinInitial, DcmError, Input, InputEvent, Outputs, Params, Time};

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
    pub(super) fn count_rst_cycles(&mut self, t: Time) {
        if self.rst && self.clkin_present && t > self.now {
            let q = (u128::from(t - self.now) << 32) / u128::from(self.clkin_period);
            self.rst_cycles_q32 = self.rst_cycles_q32.saturating_add(q);
        }
    }

    /// Fires every timer due at `t` (which must be the earliest pending one).
    pub(super) fn fire_timers_at(&mut self, t: Time, params: &Params) {
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

    pub(super) fn apply(&mut self, ev: &InputEvent, params: &Params) -> Result<(), DcmError> {
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
