//! `--vary` axes: which scenario parameters a sweep can vary, how `name=lo..hi:step` parses,
//! and the grid of their values (the first axis outermost).

use super::sweep::{SweepError, MAX_SIMULATIONS};
use crate::scenario::Scenario;

/// A scenario parameter `--vary` can address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// `temperature`: `board.temperature_c` (°C).
    Temperature,
    /// `skew.dqN`: `board.dq_delay_ps[N]` (ps), the line's read-path delay (set, not added).
    Skew(usize),
    /// `jitter`: `board.jitter_ps_rms` (ps RMS).
    Jitter,
    /// `tap_ps`: `board.tap_ps` (ps per IDELAY tap).
    TapPs,
    /// `clock.period_ps`: the clk_0 period (ps).
    ClockPeriod,
}

impl Param {
    /// Parses a parameter name: the short name or the scenario key.
    pub fn parse(name: &str) -> Option<Param> {
        let n = name.trim();
        Some(match n {
            "temperature" | "board.temperature_c" => Param::Temperature,
            "jitter" | "board.jitter_ps_rms" => Param::Jitter,
            "tap_ps" | "board.tap_ps" => Param::TapPs,
            "clock.period_ps" | "period_ps" => Param::ClockPeriod,
            _ => {
                let idx = n.strip_prefix("skew.dq").or_else(|| {
                    n.strip_prefix("board.dq_delay_ps[")
                        .and_then(|r| r.strip_suffix(']'))
                })?;
                if idx.is_empty() || !idx.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                Param::Skew(idx.parse().ok()?)
            }
        })
    }

    /// The short name (CSV column, table heading).
    pub fn name(&self) -> String {
        match self {
            Param::Temperature => "temperature".into(),
            Param::Skew(n) => format!("skew.dq{n}"),
            Param::Jitter => "jitter".into(),
            Param::TapPs => "tap_ps".into(),
            Param::ClockPeriod => "clock.period_ps".into(),
        }
    }

    /// The scenario key it sets.
    pub fn key(&self) -> String {
        match self {
            Param::Temperature => "board.temperature_c".into(),
            Param::Skew(n) => format!("board.dq_delay_ps[{n}]"),
            Param::Jitter => "board.jitter_ps_rms".into(),
            Param::TapPs => "board.tap_ps".into(),
            Param::ClockPeriod => "clock.period_ps".into(),
        }
    }

    /// Unit of the values.
    pub fn unit(&self) -> &'static str {
        match self {
            Param::Temperature => "°C",
            Param::Skew(_) | Param::Jitter | Param::TapPs | Param::ClockPeriod => "ps",
        }
    }

    /// Sets the parameter in a scenario.
    pub fn apply(&self, scn: &mut Scenario, v: f64) {
        match *self {
            Param::Temperature => scn.board.temperature_c = v,
            Param::Skew(n) => {
                if scn.board.dq_delay_ps.len() <= n {
                    scn.board.dq_delay_ps.resize(n + 1, 0.0);
                }
                scn.board.dq_delay_ps[n] = v;
            }
            Param::Jitter => scn.board.jitter_ps_rms = v,
            Param::TapPs => scn.board.tap_ps = v,
            Param::ClockPeriod => scn.clock.period_ps = v,
        }
    }
}

/// One `--vary` axis: a parameter and its values in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// What varies.
    pub param: Param,
    /// The values, in grid order.
    pub values: Vec<f64>,
}

/// Rounds away binary noise (`0.1 * 3`) so values print and compare as written.
fn clean(v: f64) -> f64 {
    let r = (v * 1e9).round() / 1e9;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Formats a value as short as it is exact (`85`, `-2.5`).
pub fn fmt_value(v: f64) -> String {
    format!("{}", clean(v))
}

/// Parses `name=lo..hi:step` (inclusive of `hi` when on the grid), `name=v1,v2,...` or
/// `name=v`.
pub fn parse_axis(spec: &str) -> Result<Axis, SweepError> {
    let bad = |message: String| SweepError::BadAxis {
        spec: spec.to_string(),
        message,
    };
    let (name, range) = spec
        .split_once('=')
        .ok_or_else(|| bad("expected name=lo..hi:step, name=v1,v2,... or name=v".into()))?;
    let param = Param::parse(name).ok_or_else(|| {
        bad(format!(
            "unknown parameter {:?}; expected temperature, skew.dqN, jitter, tap_ps or clock.period_ps",
            name.trim()
        ))
    })?;
    let num = |t: &str, what: &str| -> Result<f64, SweepError> {
        let t = t.trim();
        t.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| bad(format!("expected a number for {what}, found {t:?}")))
    };
    let values = if let Some((lo, rest)) = range.split_once("..") {
        let (hi, step) = rest
            .split_once(':')
            .ok_or_else(|| bad("expected lo..hi:step (the step is required)".into()))?;
        let (lo, hi, step) = (num(lo, "lo")?, num(hi, "hi")?, num(step, "step")?);
        if step <= 0.0 {
            return Err(bad(format!("expected a step above 0, found {step}")));
        }
        if hi < lo {
            return Err(bad(format!("expected lo <= hi, found {lo} > {hi}")));
        }
        let n = ((hi - lo) / step + 1e-9).floor();
        if n > MAX_SIMULATIONS as f64 {
            return Err(bad(format!("{n} steps is more than a sweep can run")));
        }
        (0..=n as u64)
            .map(|i| clean(lo + i as f64 * step))
            .collect()
    } else {
        range
            .split(',')
            .map(|t| num(t, "a value").map(clean))
            .collect::<Result<Vec<f64>, _>>()?
    };
    Ok(Axis { param, values })
}

/// Every grid point, the first axis outermost.
pub fn grid(axes: &[Axis]) -> Vec<Vec<f64>> {
    let mut out: Vec<Vec<f64>> = vec![Vec::new()];
    for a in axes {
        out = out
            .into_iter()
            .flat_map(|p| {
                a.values.iter().map(move |&v| {
                    let mut q = p.clone();
                    q.push(v);
                    q
                })
            })
            .collect();
    }
    out
}

/// `name=value` of every axis at a grid point, space-separated.
pub fn point_name(axes: &[Axis], values: &[f64]) -> String {
    axes.iter()
        .zip(values)
        .map(|(a, v)| format!("{}={}", a.param.name(), fmt_value(*v)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_parse() {
        let a = parse_axis("temperature=0..100:5").unwrap();
        assert_eq!(a.param, Param::Temperature);
        assert_eq!(a.values.len(), 21);
        assert_eq!(a.values[20], 100.0);
        let a = parse_axis("skew.dq3=-500..500:50").unwrap();
        assert_eq!(a.param, Param::Skew(3));
        assert_eq!((a.values[0], a.values.len()), (-500.0, 21));
        let a = parse_axis("jitter=0..0.3:0.1").unwrap();
        assert_eq!(a.values, vec![0.0, 0.1, 0.2, 0.3]);
        let a = parse_axis("tap_ps=70,78.125").unwrap();
        assert_eq!((a.param, a.values), (Param::TapPs, vec![70.0, 78.125]));
        let a = parse_axis("clock.period_ps=5000").unwrap();
        assert_eq!((a.param, a.values), (Param::ClockPeriod, vec![5000.0]));
        assert_eq!(
            parse_axis("board.dq_delay_ps[12]=1").unwrap().param,
            Param::Skew(12)
        );
        for bad in [
            "temperature",
            "heat=1..2:1",
            "skew.dq=1",
            "skew.dqx=1",
            "temperature=0..100",
            "temperature=0..100:0",
            "temperature=100..0:5",
            "temperature=a..b:1",
            "temperature=1,,2",
        ] {
            let e = parse_axis(bad).unwrap_err().to_string();
            assert!(e.contains(bad), "{e}");
        }
    }

    #[test]
    fn grid_order_first_axis_outermost() {
        let a = parse_axis("temperature=0,50").unwrap();
        let b = parse_axis("skew.dq1=1,2,3").unwrap();
        let g = grid(&[a, b]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], vec![0.0, 1.0]);
        assert_eq!(g[2], vec![0.0, 3.0]);
        assert_eq!(g[3], vec![50.0, 1.0]);
    }

    #[test]
    fn values_print_as_written() {
        assert_eq!(fmt_value(85.0), "85");
        assert_eq!(fmt_value(0.1 * 3.0), "0.3");
        assert_eq!(fmt_value(-0.0), "0");
        assert_eq!(fmt_value(-2.5), "-2.5");
    }
}
