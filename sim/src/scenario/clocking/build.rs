//! [`ClockingConfig::build`]: every check of the `[clocking]` section, and the model's inputs
//! it gives.

use super::{Attribute, ClockingConfig, ConfigError, DcmSetup};
use migcal_model::dcm::{
    simulate, ClkinInitial, DcmError, Input, InputEvent, Params, Primitive, Time, FS_PER_MS,
    FS_PER_PS,
};

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

/// A count given in the section: at least 1.
fn count(name: &str, v: Option<u32>, dflt: u32) -> Result<u32, ConfigError> {
    match v {
        Some(0) => Err(ConfigError::BadNumber {
            key: format!("clocking.{name}"),
            value: 0.0,
            expected: "an integer >= 1",
        }),
        Some(n) => Ok(n),
        None => Ok(dflt),
    }
}

/// Input changes with their order within an instant: at one instant CLKIN changes come before
/// RST changes so that a RST released as CLKIN returns sees the clock.
type Timed = Vec<(Time, u8, Input)>;

/// An RST pulse: (index in the file, at_ms, start, end).
type Pulse = (usize, f64, Time, Time);

impl ClockingConfig {
    /// Checks the section and turns it into the model's inputs.
    pub fn build(&self) -> Result<DcmSetup, ConfigError> {
        let params = self.params()?;
        let (clkin, start) = self.clkin_initial()?;
        let mut inputs: Timed = Vec::new();
        if start > 0 {
            inputs.push((start, 1, Input::ClkinResume));
        }
        self.clkin_stops(start, &mut inputs)?;
        self.clkin_periods(&mut inputs)?;
        let pulses = self.rst_pulses(&mut inputs)?;
        inputs.sort_by_key(|&(t, order, _)| (t, order));
        let notes = self.notes(&params);
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

    /// The DCM's parameters: the attributes and the timing rules given, the defaults else.
    fn params(&self) -> Result<Params, ConfigError> {
        let mut params = Params {
            primitive: self.primitive,
            dcm_autocalibration: !matches!(self.dcm_autocalibration, Some(Attribute(false))),
            stepping: self.stepping,
            ..Params::default()
        };
        params.rst_min_clkin_cycles = count(
            "rst_min_clkin_cycles",
            self.rst_min_clkin_cycles,
            params.rst_min_clkin_cycles,
        )?;
        params.clkin_stop_detect_periods = count(
            "clkin_stop_detect_periods",
            self.clkin_stop_detect_periods,
            params.clkin_stop_detect_periods,
        )?;
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
        Ok(params)
    }

    /// CLKIN at configuration, and when it first starts (0 = running from the start).
    fn clkin_initial(&self) -> Result<(ClkinInitial, Time), ConfigError> {
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
        Ok((clkin, start))
    }

    /// The CLKIN stops and resumes; they may not overlap, nor come before CLKIN starts.
    fn clkin_stops(&self, start: Time, inputs: &mut Timed) -> Result<(), ConfigError> {
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
        Ok(())
    }

    /// The CLKIN period changes.
    fn clkin_periods(&self, inputs: &mut Timed) -> Result<(), ConfigError> {
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
        Ok(())
    }

    /// The RST pulses, which may not overlap (touching pulses are one pulse).
    fn rst_pulses(&self, inputs: &mut Timed) -> Result<Vec<Pulse>, ConfigError> {
        let mut pulses: Vec<Pulse> = Vec::new();
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
        Ok(pulses)
    }

    /// What the user should know that is no error.
    fn notes(&self, params: &Params) -> Vec<String> {
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
        notes
    }
}
