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

use migcal_model::dcm::{
    simulate, ClkinInitial, DcmError, Input, InputEvent, Params, Primitive, Time, FS_PER_MS,
    FS_PER_PS,
};

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

fn to_fs(key: String, value: f64, unit: Time, positive: bool) -> Result<Time, ConfigError> {
    let expected = if positive {
        "a finite number > 0"
    } else {
        "a finite number >= 0"
    };
    if !value.is_finite() || value < 0.0 || (positive && value <= 0.0) {
        return Err(ConfigError::BadNumber {
            key,
            value,
            expected,
        });
    }
    let fs = (value * unit as f64).round();
    if fs >= u64::MAX as f64 {
        return Err(ConfigError::BadNumber {
            key,
            value,
            expected: "a time below 18446 s (u64 femtoseconds)",
        });
    }
    if positive && fs < 1.0 {
        return Err(ConfigError::BadNumber {
            key,
            value,
            expected: "at least 1 fs",
        });
    }
    Ok(fs as Time)
}

impl ClockingConfig {
    /// Checks the section and turns it into the model's inputs.
    pub fn build(&self) -> Result<DcmSetup, ConfigError> {
        let mut params = Params {
            primitive: self.primitive,
            dcm_autocalibration: !matches!(self.dcm_autocalibration, Some(Attribute(false))),
            stepping: self.stepping,
            ..Params::default()
        };
        if let Some(n) = self.rst_min_clkin_cycles {
            if n == 0 {
                return Err(ConfigError::BadNumber {
                    key: "clocking.rst_min_clkin_cycles".into(),
                    value: 0.0,
                    expected: "an integer >= 1",
                });
            }
            params.rst_min_clkin_cycles = n;
        }
        if let Some(n) = self.clkin_stop_detect_periods {
            if n == 0 {
                return Err(ConfigError::BadNumber {
                    key: "clocking.clkin_stop_detect_periods".into(),
                    value: 0.0,
                    expected: "an integer >= 1",
                });
            }
            params.clkin_stop_detect_periods = n;
        }
        let ms = |name: &str, v: Option<f64>, dflt: Time| -> Result<Time, ConfigError> {
            v.map_or(Ok(dflt), |v| {
                to_fs(format!("clocking.{name}"), v, FS_PER_MS, false)
            })
        };
        params.lock_time = ms("lock_time_ms", self.lock_time_ms, params.lock_time)?;
        params.autocal_reset_min = ms(
            "autocal_reset_min_ms",
            self.autocal_reset_min_ms,
            params.autocal_reset_min,
        )?;
        params.autocal_unlock_delay = ms(
            "autocal_unlock_delay_ms",
            self.autocal_unlock_delay_ms,
            params.autocal_unlock_delay,
        )?;
        params.clkin_stop_lose_lock = ms(
            "clkin_stop_lose_lock_ms",
            self.clkin_stop_lose_lock_ms,
            params.clkin_stop_lose_lock,
        )?;

        let period = to_fs(
            "clocking.clkin_period_ps".into(),
            self.clkin_period_ps,
            FS_PER_PS,
            true,
        )?;
        let jitter = to_fs(
            "clocking.clkin_jitter_ps".into(),
            self.clkin_jitter_ps,
            FS_PER_PS,
            false,
        )?;
        let start = to_fs(
            "clocking.clkin_start_ms".into(),
            self.clkin_start_ms,
            FS_PER_MS,
            false,
        )?;
        let clkin = ClkinInitial {
            running: start == 0,
            period,
            jitter,
        };

        // (time, order within an instant, input): at one instant CLKIN changes come before RST
        // changes so that a RST released as CLKIN returns sees the clock.
        let mut inputs: Vec<(Time, u8, Input)> = Vec::new();
        if start > 0 {
            inputs.push((start, 1, Input::ClkinResume));
        }

        // (index, at_ms, at, resume as (ms, fs))
        type Stop = (usize, f64, Time, Option<(f64, Time)>);
        let mut stops: Vec<Stop> = Vec::new();
        for (i, s) in self.clkin_stop.iter().enumerate() {
            let at = to_fs(
                format!("clocking.clkin_stop[{i}].at_ms"),
                s.at_ms,
                FS_PER_MS,
                false,
            )?;
            let resume = match s.resume_at_ms {
                Some(r) => {
                    let key = format!("clocking.clkin_stop[{i}].resume_at_ms");
                    let rt = to_fs(key.clone(), r, FS_PER_MS, false)?;
                    if rt <= at {
                        return Err(ConfigError::ResumeBeforeStop {
                            key,
                            at_ms: s.at_ms,
                            resume_at_ms: r,
                        });
                    }
                    Some((r, rt))
                }
                None => None,
            };
            stops.push((i, s.at_ms, at, resume));
        }
        stops.sort_by_key(|s| (s.2, s.0));
        // CLKIN is "busy stopped" before its start.
        let mut busy: Option<(f64, Time)> = (start > 0).then_some((self.clkin_start_ms, start));
        let mut never_resumes = false;
        for &(i, at_ms, at, resume) in &stops {
            let blocked = never_resumes || busy.is_some_and(|(_, b)| at <= b);
            if blocked {
                return Err(ConfigError::OverlappingClkinStop {
                    key: format!("clocking.clkin_stop[{i}].at_ms"),
                    at_ms,
                    busy_until_ms: if never_resumes {
                        f64::INFINITY
                    } else {
                        busy.map_or(0.0, |b| b.0)
                    },
                });
            }
            inputs.push((at, 0, Input::ClkinStop));
            match resume {
                Some((r_ms, r)) => {
                    inputs.push((r, 1, Input::ClkinResume));
                    busy = Some((r_ms, r));
                }
                None => never_resumes = true,
            }
        }

        for (i, c) in self.clkin_period.iter().enumerate() {
            let at = to_fs(
                format!("clocking.clkin_period[{i}].at_ms"),
                c.at_ms,
                FS_PER_MS,
                false,
            )?;
            let period = to_fs(
                format!("clocking.clkin_period[{i}].period_ps"),
                c.period_ps,
                FS_PER_PS,
                true,
            )?;
            let jitter = to_fs(
                format!("clocking.clkin_period[{i}].jitter_ps"),
                c.jitter_ps,
                FS_PER_PS,
                false,
            )?;
            inputs.push((at, 2, Input::ClkinPeriod { period, jitter }));
        }

        let mut pulses: Vec<(usize, f64, Time, Time)> = Vec::new();
        for (i, p) in self.rst.iter().enumerate() {
            let at = to_fs(
                format!("clocking.rst[{i}].at_ms"),
                p.at_ms,
                FS_PER_MS,
                false,
            )?;
            let len = to_fs(
                format!("clocking.rst[{i}].length_ms"),
                p.length_ms,
                FS_PER_MS,
                true,
            )?;
            let end = at.checked_add(len).ok_or_else(|| ConfigError::BadNumber {
                key: format!("clocking.rst[{i}].length_ms"),
                value: p.length_ms,
                expected: "a pulse ending below 18446 s",
            })?;
            pulses.push((i, p.at_ms, at, end));
        }
        pulses.sort_by_key(|p| (p.2, p.0));
        for w in pulses.windows(2) {
            let (prev, cur) = (w[0], w[1]);
            if cur.2 <= prev.3 {
                return Err(ConfigError::OverlappingRst {
                    key: format!("clocking.rst[{}].at_ms", cur.0),
                    at_ms: cur.1,
                    previous_end_ms: self.rst[prev.0].at_ms + self.rst[prev.0].length_ms,
                });
            }
        }
        for &(_, _, at, end) in &pulses {
            inputs.push((at, 3, Input::RstAssert));
            inputs.push((end, 3, Input::RstDeassert));
        }

        inputs.sort_by_key(|&(t, order, _)| (t, order));
        let mut notes = Vec::new();
        if self.primitive == Primitive::Dcm && self.dcm_autocalibration == Some(Attribute(false)) {
            notes.push(
                "dcm_autocalibration = FALSE has no effect on the legacy DCM primitive: it has no \
                 such attribute and XST's upgrade to DCM_ADV leaves it TRUE; instantiate DCM_BASE \
                 or DCM_ADV to turn the autocalibration macro off"
                    .to_string(),
            );
        }
        if params.autocal_macro_inserted() && !self.clkin_stop.is_empty() {
            notes.push(format!(
                "{} with DCM_AUTOCALIBRATION = TRUE and CONFIG STEPPING = \"{}\": MAP inserts the \
                 autocalibration macro (AR21435); after a CLKIN stop only a RST of at least 200 ms \
                 restores normal lock",
                self.primitive, self.stepping
            ));
        }
        let inputs: Vec<InputEvent> = inputs
            .into_iter()
            .map(|(time, _, input)| InputEvent { time, input })
            .collect();
        // Whether each RST pulse sees enough CLKIN cycles depends on CLKIN's stops and period
        // changes, so let the model judge and point the error back at the pulse.
        let last = inputs.last().map_or(0, |e| e.time);
        if let Err(source) = simulate(&params, &clkin, &inputs, last) {
            return Err(match source {
                DcmError::RstTooShort { at, .. } => {
                    let i = pulses.iter().find(|p| p.2 == at).map_or(0, |p| p.0);
                    ConfigError::RstTooShort {
                        key: format!("clocking.rst[{i}].length_ms"),
                        source,
                    }
                }
                source => ConfigError::Model { source },
            });
        }
        Ok(DcmSetup {
            params,
            clkin,
            inputs,
            notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::value::{Error as DeError, MapDeserializer};
    use serde::de::IntoDeserializer;

    fn pulse(at_ms: f64, length_ms: f64) -> RstPulse {
        RstPulse { at_ms, length_ms }
    }

    #[test]
    fn defaults_match_the_spec() {
        let s = ClockingConfig::default().build().unwrap();
        assert_eq!(s.params, Params::default());
        assert_eq!(s.clkin, ClkinInitial::default());
        assert!(s.inputs.is_empty());
    }

    #[test]
    fn events_come_out_in_time_order() {
        let c = ClockingConfig {
            clkin_stop: vec![ClkinStop {
                at_ms: 2.0,
                resume_at_ms: Some(3.0),
            }],
            rst: vec![pulse(5.0, 1.0), pulse(3.0, 0.5)],
            ..ClockingConfig::default()
        };
        let s = c.build().unwrap();
        let t: Vec<_> = s
            .inputs
            .iter()
            .map(|e| (e.time / FS_PER_MS, e.input))
            .collect();
        assert_eq!(
            t,
            vec![
                (2, Input::ClkinStop),
                (3, Input::ClkinResume),
                (3, Input::RstAssert),
                (3, Input::RstDeassert),
                (5, Input::RstAssert),
                (6, Input::RstDeassert),
            ]
        );
        assert_eq!(s.inputs[3].time, 3_500_000_000_000);
    }

    #[test]
    fn overlapping_rst_names_the_key() {
        let c = ClockingConfig {
            rst: vec![pulse(1.0, 2.0), pulse(2.5, 1.0)],
            ..ClockingConfig::default()
        };
        let e = c.build().unwrap_err();
        assert_eq!(
            e,
            ConfigError::OverlappingRst {
                key: "clocking.rst[1].at_ms".into(),
                at_ms: 2.5,
                previous_end_ms: 3.0
            }
        );
        assert!(e.to_string().starts_with("clocking.rst[1].at_ms = 2.5"));
    }

    #[test]
    fn negative_length_and_resume_before_stop_are_rejected() {
        let c = ClockingConfig {
            rst: vec![pulse(1.0, -2.0)],
            ..ClockingConfig::default()
        };
        assert!(matches!(
            c.build().unwrap_err(),
            ConfigError::BadNumber { ref key, value, .. } if key == "clocking.rst[0].length_ms" && value == -2.0
        ));
        let c = ClockingConfig {
            clkin_stop: vec![ClkinStop {
                at_ms: 4.0,
                resume_at_ms: Some(3.0),
            }],
            ..ClockingConfig::default()
        };
        assert!(matches!(
            c.build().unwrap_err(),
            ConfigError::ResumeBeforeStop { ref key, .. } if key == "clocking.clkin_stop[0].resume_at_ms"
        ));
        let c = ClockingConfig {
            clkin_period_ps: f64::NAN,
            ..ClockingConfig::default()
        };
        assert!(matches!(
            c.build().unwrap_err(),
            ConfigError::BadNumber { ref key, .. } if key == "clocking.clkin_period_ps"
        ));
    }

    #[test]
    fn stops_may_not_overlap_or_follow_a_stop_that_never_ends() {
        let c = ClockingConfig {
            clkin_stop: vec![
                ClkinStop {
                    at_ms: 1.0,
                    resume_at_ms: None,
                },
                ClkinStop {
                    at_ms: 5.0,
                    resume_at_ms: Some(6.0),
                },
            ],
            ..ClockingConfig::default()
        };
        assert!(matches!(
            c.build().unwrap_err(),
            ConfigError::OverlappingClkinStop { ref key, .. } if key == "clocking.clkin_stop[1].at_ms"
        ));
        let c = ClockingConfig {
            clkin_start_ms: 3.0,
            clkin_stop: vec![ClkinStop {
                at_ms: 2.0,
                resume_at_ms: Some(6.0),
            }],
            ..ClockingConfig::default()
        };
        assert!(matches!(
            c.build().unwrap_err(),
            ConfigError::OverlappingClkinStop { busy_until_ms, .. } if busy_until_ms == 3.0
        ));
    }

    #[test]
    fn rst_too_short_for_the_dcm_names_the_pulse() {
        let c = ClockingConfig {
            clkin_stop: vec![ClkinStop {
                at_ms: 2.0,
                resume_at_ms: Some(4.0),
            }],
            // The second pulse lies wholly inside the CLKIN stop: no cycles at all.
            rst: vec![pulse(1.0, 0.5), pulse(2.5, 1.0)],
            ..ClockingConfig::default()
        };
        let e = c.build().unwrap_err();
        assert!(
            matches!(&e, ConfigError::RstTooShort { key, source: DcmError::RstTooShort { clkin_cycles_milli: 0, .. } } if key == "clocking.rst[1].length_ms"),
            "{e:?}"
        );
        assert!(
            e.to_string().starts_with(
                "clocking.rst[1].length_ms: input error: RST asserted at 2.5 ms for 1 ms"
            ),
            "{e}"
        );
        let c = ClockingConfig {
            rst: vec![pulse(1.0, 0.000_01)],
            ..ClockingConfig::default()
        };
        assert!(matches!(
            c.build().unwrap_err(),
            ConfigError::RstTooShort { .. }
        ));
    }

    #[test]
    fn legacy_dcm_with_false_gets_a_note_and_stays_true() {
        let c = ClockingConfig {
            primitive: Primitive::Dcm,
            dcm_autocalibration: Some(Attribute(false)),
            ..ClockingConfig::default()
        };
        let s = c.build().unwrap();
        assert!(s.params.autocal_macro_inserted());
        assert!(s.notes[0].contains("legacy DCM"));
    }

    #[test]
    fn rst_pulse_rejects_unknown_fields() {
        let fields = vec![("at_ms", 1.0), ("length_ms", 2.0)];
        let ok: Result<RstPulse, DeError> =
            RstPulse::deserialize(MapDeserializer::new(fields.into_iter()));
        assert_eq!(ok.unwrap(), pulse(1.0, 2.0));
        let fields = vec![("at_ms", 1.0), ("lenght_ms", 2.0)];
        let e: Result<RstPulse, DeError> =
            RstPulse::deserialize(MapDeserializer::new(fields.into_iter()));
        assert!(e.unwrap_err().to_string().contains("lenght_ms"));
    }

    #[test]
    fn clocking_section_rejects_unknown_keys() {
        let fields = vec![("clkin_period_ps", 4000.0), ("clkin_start_ms", 1.5)];
        let c: ClockingConfig =
            ClockingConfig::deserialize(MapDeserializer::<_, DeError>::new(fields.into_iter()))
                .unwrap();
        assert_eq!(c.clkin_period_ps, 4000.0);
        assert_eq!(c.stepping, 2);
        assert_eq!(c.primitive, Primitive::DcmBase);
        let fields = vec![("clkin_period_ps", 4000.0), ("clkin_jiter_ps", 1.0)];
        let e = ClockingConfig::deserialize(MapDeserializer::<_, DeError>::new(fields.into_iter()))
            .unwrap_err();
        assert!(e.to_string().contains("clkin_jiter_ps"), "{e}");
    }

    #[test]
    fn attribute_accepts_bool_and_xilinx_strings() {
        let d: serde::de::value::StrDeserializer<DeError> = "FALSE".into_deserializer();
        assert_eq!(Attribute::deserialize(d).unwrap(), Attribute(false));
        let d: serde::de::value::StrDeserializer<DeError> = "True".into_deserializer();
        assert_eq!(Attribute::deserialize(d).unwrap(), Attribute(true));
        let d: serde::de::value::BoolDeserializer<DeError> = false.into_deserializer();
        assert_eq!(Attribute::deserialize(d).unwrap(), Attribute(false));
        let d: serde::de::value::StrDeserializer<DeError> = "maybe".into_deserializer();
        assert!(Attribute::deserialize(d).is_err());
    }

    #[test]
    fn clocking_config_drives_the_model() {
        // Moved here from the model's dcm_behaviour tests with the schema: lock at 1 ms, CLKIN
        // stops at 5 ms and returns at 10 ms, then a 1 ms RST at 20 ms.
        use migcal_model::dcm::{simulate, Input, InputEvent, OutputSignal};
        let ms = FS_PER_MS;
        let cfg = ClockingConfig {
            primitive: Primitive::DcmBase,
            dcm_autocalibration: Some(Attribute(true)),
            clkin_stop: vec![ClkinStop {
                at_ms: 5.0,
                resume_at_ms: Some(10.0),
            }],
            rst: vec![RstPulse {
                at_ms: 20.0,
                length_ms: 1.0,
            }],
            ..ClockingConfig::default()
        };
        let s = cfg.build().unwrap();
        let ev = |time, input| InputEvent { time, input };
        let want = vec![
            ev(5 * ms, Input::ClkinStop),
            ev(10 * ms, Input::ClkinResume),
            ev(20 * ms, Input::RstAssert),
            ev(21 * ms, Input::RstDeassert),
        ];
        assert_eq!(s.inputs, want);
        let w = simulate(&s.params, &s.clkin, &s.inputs, 100 * ms).unwrap();
        let last = w
            .changes(OutputSignal::Locked)
            .map(|e| (e.time, e.value))
            .last();
        assert_eq!(last, Some((52 * ms, false)));
        assert!(s.notes.iter().any(|n| n.contains("AR21435")));
    }
}
