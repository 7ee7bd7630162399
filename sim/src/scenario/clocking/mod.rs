//! The scenario file's `[clocking]` section: what the DCM is and what happens to its CLKIN and RST.
//!
//! Times are written in milliseconds (`at_ms`, `length_ms`, `lock_time_ms`) and clock periods in
//! picoseconds (`clkin_period_ps`, `jitter_ps`), like the scenario's `stop_time_us` / `period_ps`.
//! [`ClockingConfig::build`] checks everything and turns it into the model's femtosecond
//! [`Params`], [`ClkinInitial`] and time-ordered [`InputEvent`]s. Keys in errors are written as
//! TOML paths with 0-based array indices (`clocking.rst[1].length_ms`).
//!
//! ```toml
//! [clocking]
//! primitive = "DCM_BASE"          # "DCM" (legacy) | "DCM_BASE" | "DCM_ADV"
//! dcm_autocalibration = "FALSE"   # or true / false; absent = TRUE
//! stepping = 2                    # UCF CONFIG STEPPING
//! clkin_period_ps = 5000
//!
//! [[clocking.clkin_stop]]
//! at_ms = 5.0
//! resume_at_ms = 7.0              # absent: CLKIN never comes back
//!
//! [[clocking.rst]]
//! at_ms = 8.0
//! length_ms = 1.0
//! ```

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use thiserror::Error;

use migcal_model::dcm::{ClkinInitial, DcmError, InputEvent, Params, Primitive};

/// The `[clocking]` section of a scenario file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockingConfig {
    /// The DCM primitive instantiated (default `DCM_BASE`).
    #[serde(default = "default_primitive")]
    pub primitive: Primitive,
    /// The `DCM_AUTOCALIBRATION` attribute; absent means the default, TRUE.
    #[serde(default)]
    pub dcm_autocalibration: Option<Attribute>,
    /// The UCF `CONFIG STEPPING` level (default 2).
    #[serde(default = "default_stepping")]
    pub stepping: u8,
    /// CLKIN period at configuration, ps (default 5000, the MIG's 200 MHz system clock).
    #[serde(default = "default_period_ps")]
    pub clkin_period_ps: f64,
    /// CLKIN peak cycle-to-cycle jitter at configuration, ps (default 0).
    #[serde(default)]
    pub clkin_jitter_ps: f64,
    /// When CLKIN starts toggling, ms (default 0: running at configuration).
    #[serde(default)]
    pub clkin_start_ms: f64,
    /// Override of [`Params::rst_min_clkin_cycles`].
    #[serde(default)]
    pub rst_min_clkin_cycles: Option<u32>,
    /// Override of [`Params::lock_time`], ms.
    #[serde(default)]
    pub lock_time_ms: Option<f64>,
    /// Override of [`Params::autocal_reset_min`], ms.
    #[serde(default)]
    pub autocal_reset_min_ms: Option<f64>,
    /// Override of [`Params::autocal_unlock_delay`], ms.
    #[serde(default)]
    pub autocal_unlock_delay_ms: Option<f64>,
    /// Override of [`Params::clkin_stop_lose_lock`], ms.
    #[serde(default)]
    pub clkin_stop_lose_lock_ms: Option<f64>,
    /// Override of [`Params::clkin_stop_detect_periods`].
    #[serde(default)]
    pub clkin_stop_detect_periods: Option<u32>,
    /// Times CLKIN stops (and comes back).
    #[serde(default)]
    pub clkin_stop: Vec<ClkinStop>,
    /// CLKIN period / jitter changes.
    #[serde(default)]
    pub clkin_period: Vec<ClkinPeriodChange>,
    /// RST pulses.
    #[serde(default)]
    pub rst: Vec<RstPulse>,
}

fn default_primitive() -> Primitive {
    Primitive::DcmBase
}
fn default_stepping() -> u8 {
    2
}
fn default_period_ps() -> f64 {
    5000.0
}

impl Default for ClockingConfig {
    fn default() -> Self {
        ClockingConfig {
            primitive: default_primitive(),
            dcm_autocalibration: None,
            stepping: default_stepping(),
            clkin_period_ps: default_period_ps(),
            clkin_jitter_ps: 0.0,
            clkin_start_ms: 0.0,
            rst_min_clkin_cycles: None,
            lock_time_ms: None,
            autocal_reset_min_ms: None,
            autocal_unlock_delay_ms: None,
            clkin_stop_lose_lock_ms: None,
            clkin_stop_detect_periods: None,
            clkin_stop: Vec::new(),
            clkin_period: Vec::new(),
            rst: Vec::new(),
        }
    }
}

/// A Xilinx boolean attribute value: TOML `true`/`false` or the strings `"TRUE"`/`"FALSE"` (any
/// case), as written in HDL and UCF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute(pub bool);

impl<'de> Deserialize<'de> for Attribute {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Attribute;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("true, false, \"TRUE\" or \"FALSE\"")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Attribute, E> {
                Ok(Attribute(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Attribute, E> {
                if v.eq_ignore_ascii_case("true") {
                    Ok(Attribute(true))
                } else if v.eq_ignore_ascii_case("false") {
                    Ok(Attribute(false))
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// One CLKIN stop.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClkinStop {
    /// When CLKIN stops, ms.
    pub at_ms: f64,
    /// When it comes back, ms; absent = never.
    #[serde(default)]
    pub resume_at_ms: Option<f64>,
}

/// One change of CLKIN's period and jitter.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClkinPeriodChange {
    /// When, ms.
    pub at_ms: f64,
    /// New period, ps.
    pub period_ps: f64,
    /// New peak cycle-to-cycle jitter, ps (default 0).
    #[serde(default)]
    pub jitter_ps: f64,
}

/// One RST pulse.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RstPulse {
    /// When RST rises, ms.
    pub at_ms: f64,
    /// How long it stays high, ms.
    pub length_ms: f64,
}

/// What the `[clocking]` section describes, in model terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DcmSetup {
    /// The DCM parameters.
    pub params: Params,
    /// CLKIN at configuration.
    pub clkin: ClkinInitial,
    /// Every input change, in time order.
    pub inputs: Vec<InputEvent>,
    /// Things the user should know that are not errors (an attribute with no effect).
    pub notes: Vec<String>,
}

/// A `[clocking]` value that cannot be used; every variant names the key and the bad value.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConfigError {
    /// A RST pulse too short for the DCM (fewer than `rst_min_clkin_cycles` CLKIN cycles while
    /// it is high, counting only the time CLKIN runs).
    #[error("{key}: {source}")]
    RstTooShort {
        /// TOML path of the pulse's `length_ms`.
        key: String,
        /// The model's error, with the time, length and cycle count.
        #[source]
        source: DcmError,
    },
    /// The model refused the inputs for another reason (a bug in this validation if it happens).
    #[error("clocking: {source}")]
    Model {
        /// The model's error.
        #[source]
        source: DcmError,
    },
    /// A number out of range (negative, NaN, infinite, or beyond the femtosecond range).
    #[error("{key} = {value}: expected {expected}")]
    BadNumber {
        /// TOML path of the key.
        key: String,
        /// The value found.
        value: f64,
        /// What was expected.
        expected: &'static str,
    },
    /// A CLKIN stop that ends before it starts.
    #[error("{key} = {resume_at_ms}: CLKIN resumes before it stops (at_ms = {at_ms}); expected resume_at_ms > at_ms")]
    ResumeBeforeStop {
        /// TOML path of `resume_at_ms`.
        key: String,
        /// The stop time.
        at_ms: f64,
        /// The resume time.
        resume_at_ms: f64,
    },
    /// A CLKIN stop that begins before the previous one ended, or before CLKIN first started.
    #[error("{key} = {at_ms}: CLKIN is already stopped then (until {busy_until_ms} ms); expected a stop after that")]
    OverlappingClkinStop {
        /// TOML path of `at_ms`.
        key: String,
        /// The stop time.
        at_ms: f64,
        /// Until when CLKIN was already stopped (`inf` when it never resumes).
        busy_until_ms: f64,
    },
    /// A RST pulse that begins before the previous one ended (touching pulses are one pulse).
    #[error("{key} = {at_ms}: RST pulse overlaps the previous one, which ends at {previous_end_ms} ms; expected at_ms > {previous_end_ms}")]
    OverlappingRst {
        /// TOML path of `at_ms`.
        key: String,
        /// The pulse start.
        at_ms: f64,
        /// Where the previous pulse ends.
        previous_end_ms: f64,
    },
}

mod build;
#[cfg(test)]
mod tests;
