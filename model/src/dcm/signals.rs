//! The DCM's input changes and output changes, and the output levels at one instant.

use super::Time;
use std::fmt;

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
    pub(super) fn get(&self, s: OutputSignal) -> bool {
        match s {
            OutputSignal::Locked => self.locked,
            OutputSignal::Status1 => self.status1,
            OutputSignal::Status2 => self.status2,
        }
    }
}
