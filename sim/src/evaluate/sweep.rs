//! `sweep`: Monte Carlo over the seed on a grid of board parameters. Each grid point is the
//! scenario with some values replaced (temperature, one line's skew, jitter, tap size, clock
//! period); each run `r` of a point uses seed = scenario seed + `r`. The result is the pass rate
//! per point, where the margin runs out along each axis, and the worst per-DQ margin the
//! diagnosis measured: "would this board still calibrate at 85 °C?".
//!
//! A run passes when the diagnosis of the model's trace says `pass` (init_done reached with
//! every calibrated line finding its edge). Results are aggregated in grid and seed order, so
//! they are identical for any number of threads.

use crate::diagnose::Verdict;
use crate::evaluate::{evaluate_outcome, EvalError};
use crate::scenario::{Scenario, ScenarioError};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Why a sweep could not be done.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A `--vary` specification that does not parse.
    #[error("--vary {spec:?}: {message}")]
    BadAxis {
        /// The text given.
        spec: String,
        /// Expected vs found.
        message: String,
    },
    /// A grid point outside what the scenario allows.
    #[error("grid point {point}: {source}")]
    BadPoint {
        /// `name=value` of every axis.
        point: String,
        /// The scenario check that failed.
        source: Box<ScenarioError>,
    },
    /// Nothing to run.
    #[error("--runs must be at least 1")]
    NoRuns,
    /// The grid is too large to be meant.
    #[error("{points} grid points x {runs} runs = {total} simulations; at most {max} are allowed")]
    TooLarge {
        /// Grid points.
        points: usize,
        /// Runs per point.
        runs: u64,
        /// Product.
        total: u128,
        /// Limit.
        max: u64,
    },
    /// A simulation failed.
    #[error("grid point {point}, seed {seed}: {source}")]
    Eval {
        /// `name=value` of every axis.
        point: String,
        /// Seed of the run.
        seed: u64,
        /// Cause.
        source: Box<EvalError>,
    },
    /// The worker pool could not be built.
    #[error(transparent)]
    Pool(#[from] crate::evaluate::regress::RegressError),
}

/// Most simulations one sweep may ask for (a typo like `0..100000:1` should not run for days).
pub const MAX_SIMULATIONS: u64 = 10_000_000;

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

/// One simulated run, as much as the sweep keeps of it.
#[derive(Debug, Clone)]
struct RunResult {
    pass: bool,
    stage: &'static str,
    /// (taps, ps, dq) of the smallest margin of any line with an edge.
    worst: Option<(u32, f64, u32)>,
    /// Calibrated lines that found no edge (ceiling).
    no_edge: Vec<u32>,
    /// A summary of everything observable, to tell whether a parameter changed anything.
    fingerprint: String,
}

/// Results at one grid point.
#[derive(Debug, Clone, Serialize)]
pub struct PointResult {
    /// One value per axis, in axis order.
    pub values: Vec<f64>,
    /// Runs (seeds).
    pub runs: u64,
    /// Runs whose diagnosis says pass.
    pub passes: u64,
    /// `passes / runs`.
    pub pass_rate: f64,
    /// Smallest margin between a line's final tap and its edge, over lines and runs.
    pub worst_margin_taps: Option<u32>,
    /// The same in ps.
    pub worst_margin_ps: Option<f64>,
    /// The line it was measured on.
    pub worst_margin_dq: Option<u32>,
    /// Calibrated lines that found no edge in some run.
    pub no_edge_dq: Vec<u32>,
    /// For failed runs: stage -> count.
    pub failed_stages: BTreeMap<String, u64>,
    #[serde(skip)]
    fingerprints: Vec<String>,
}

/// Where the margin runs out along one axis (the pass rate at a value of the axis is the
/// worst over the other axes).
#[derive(Debug, Clone, Serialize)]
pub struct AxisMargin {
    /// Axis name.
    pub axis: String,
    /// Unit of the values.
    pub unit: String,
    /// First and last value of the longest run of consecutive values passing at 100 %.
    pub full_pass: Option<(f64, f64)>,
    /// The value just below that run and its pass rate: where the margin runs out going down.
    pub below: Option<(f64, f64)>,
    /// The value just above that run and its pass rate: where the margin runs out going up.
    pub above: Option<(f64, f64)>,
    /// The first value, in grid order, whose pass rate is below 100 %.
    pub first_below_full: Option<(f64, f64)>,
    /// Whether changing this axis changed anything at all (taps, stages, verdicts); `None`
    /// with a single value.
    pub effect: Option<bool>,
    /// Why there was no effect, when known.
    pub note: Option<String>,
}

/// A finished sweep.
#[derive(Debug, Clone, Serialize)]
pub struct SweepReport {
    /// Scenario file.
    pub scenario: String,
    /// Axis names, in order.
    pub axes: Vec<String>,
    /// Runs per point.
    pub runs: u64,
    /// First and last seed.
    pub seeds: (u64, u64),
    /// Every grid point, the first axis outermost.
    pub points: Vec<PointResult>,
    /// Per-axis margins.
    pub margins: Vec<AxisMargin>,
    /// The worst margin anywhere: taps, ps, DQ, grid point index.
    pub worst_margin: Option<(u32, f64, u32, usize)>,
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

fn point_name(axes: &[Axis], values: &[f64]) -> String {
    axes.iter()
        .zip(values)
        .map(|(a, v)| format!("{}={}", a.param.name(), fmt_value(*v)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The scenario at a grid point (validated).
pub fn scenario_at(
    base: &Scenario,
    path: &Path,
    axes: &[Axis],
    values: &[f64],
) -> Result<Scenario, SweepError> {
    let mut s = base.clone();
    for (a, &v) in axes.iter().zip(values) {
        a.param.apply(&mut s, v);
    }
    s.validate(path).map_err(|source| SweepError::BadPoint {
        point: point_name(axes, values),
        source: Box::new(source),
    })?;
    Ok(s)
}

fn one_run(scn: &Scenario) -> Result<RunResult, EvalError> {
    let e = evaluate_outcome(scn)?;
    let d = &e.diagnosis;
    let mut worst: Option<(u32, f64, u32)> = None;
    let mut no_edge = Vec::new();
    for p in &d.per_dq {
        if let (Some(t), Some(ps)) = (p.margin_taps, p.margin_ps) {
            if worst.is_none_or(|(w, _, _)| t < w) {
                worst = Some((t, ps, p.dq));
            }
        }
        if p.walked && p.ceiling {
            no_edge.push(p.dq);
        }
    }
    let fingerprint = format!(
        "{:?}|{}|{:?}|{:?}|{:?}|{:?}|{:?}",
        d.verdict,
        d.stage.name(),
        d.faulty_dq,
        e.summary.final_taps,
        e.summary.tap_sel_done_cycle,
        e.summary.comp_done_cycle,
        e.summary.init_done_cycle
    );
    Ok(RunResult {
        pass: d.verdict == Verdict::Pass,
        stage: d.stage.name(),
        worst,
        no_edge,
        fingerprint,
    })
}

/// Runs the sweep: every grid point `runs` times (seed + 0, seed + 1, ...), with `threads`
/// workers (all cores when `None`); `tick` is called after each simulation.
pub fn sweep(
    base: &Scenario,
    path: &Path,
    axes: &[Axis],
    runs: u64,
    threads: Option<usize>,
    tick: &(dyn Fn() + Sync),
) -> Result<SweepReport, SweepError> {
    if runs == 0 {
        return Err(SweepError::NoRuns);
    }
    let points = grid(axes);
    let total = points.len() as u128 * runs as u128;
    if total > MAX_SIMULATIONS as u128 {
        return Err(SweepError::TooLarge {
            points: points.len(),
            runs,
            total,
            max: MAX_SIMULATIONS,
        });
    }
    // Every point is checked before anything runs: a bad value fails at once, not after hours.
    let scenarios: Vec<Scenario> = points
        .iter()
        .map(|v| scenario_at(base, path, axes, v))
        .collect::<Result<_, _>>()?;
    let jobs: Vec<(usize, u64)> = (0..points.len())
        .flat_map(|p| (0..runs).map(move |r| (p, r)))
        .collect();
    let pool = crate::evaluate::regress::pool(threads)?;
    let results: Vec<RunResult> = pool.install(|| {
        jobs.par_iter()
            .map(|&(p, r)| {
                let mut s = scenarios[p].clone();
                s.seed = base.seed.wrapping_add(r);
                let out = one_run(&s).map_err(|source| SweepError::Eval {
                    point: point_name(axes, &points[p]),
                    seed: s.seed,
                    source: Box::new(source),
                });
                tick();
                out
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    let mut point_results = Vec::with_capacity(points.len());
    for (p, values) in points.iter().enumerate() {
        let rs = &results[p * runs as usize..(p + 1) * runs as usize];
        let passes = rs.iter().filter(|r| r.pass).count() as u64;
        let mut worst: Option<(u32, f64, u32)> = None;
        let mut no_edge: Vec<u32> = Vec::new();
        let mut failed_stages = BTreeMap::new();
        for r in rs {
            if let Some(w) = r.worst {
                if worst.is_none_or(|(t, _, _)| w.0 < t) {
                    worst = Some(w);
                }
            }
            no_edge.extend(&r.no_edge);
            if !r.pass {
                *failed_stages.entry(r.stage.to_string()).or_insert(0) += 1;
            }
        }
        no_edge.sort_unstable();
        no_edge.dedup();
        point_results.push(PointResult {
            values: values.clone(),
            runs,
            passes,
            pass_rate: passes as f64 / runs as f64,
            worst_margin_taps: worst.map(|w| w.0),
            worst_margin_ps: worst.map(|w| w.1),
            worst_margin_dq: worst.map(|w| w.2),
            no_edge_dq: no_edge,
            failed_stages,
            fingerprints: rs.iter().map(|r| r.fingerprint.clone()).collect(),
        });
    }
    let margins = axes
        .iter()
        .enumerate()
        .map(|(i, a)| axis_margin(base, i, a, &point_results))
        .collect();
    let worst_margin = point_results
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            Some((
                p.worst_margin_taps?,
                p.worst_margin_ps?,
                p.worst_margin_dq?,
                i,
            ))
        })
        .min_by_key(|w| (w.0, w.3));
    Ok(SweepReport {
        scenario: path.display().to_string(),
        axes: axes.iter().map(|a| a.param.name()).collect(),
        runs,
        seeds: (base.seed, base.seed.wrapping_add(runs - 1)),
        points: point_results,
        margins,
        worst_margin,
    })
}

fn axis_margin(base: &Scenario, i: usize, a: &Axis, points: &[PointResult]) -> AxisMargin {
    // The pass rate at each value of this axis: the worst over the other axes.
    let rate_at: Vec<f64> = a
        .values
        .iter()
        .map(|&v| {
            points
                .iter()
                .filter(|p| p.values[i] == v)
                .map(|p| p.pass_rate)
                .fold(1.0, f64::min)
        })
        .collect();
    let mut best: Option<(usize, usize)> = None;
    let mut k = 0;
    while k < rate_at.len() {
        if rate_at[k] >= 1.0 {
            let s = k;
            while k < rate_at.len() && rate_at[k] >= 1.0 {
                k += 1;
            }
            if best.is_none_or(|(bs, be)| k - s > be - bs) {
                best = Some((s, k));
            }
        } else {
            k += 1;
        }
    }
    let at = |j: usize| (a.values[j], rate_at[j]);
    let (full_pass, below, above) = match best {
        Some((s, e)) => (
            Some((a.values[s], a.values[e - 1])),
            s.checked_sub(1).map(at),
            (e < a.values.len()).then(|| at(e)),
        ),
        None => (None, None, None),
    };
    let first_below_full = rate_at.iter().position(|&r| r < 1.0).map(at);
    // No effect when every pair of points that differ only in this axis saw the same runs.
    let effect = (a.values.len() > 1).then(|| {
        let mut groups: BTreeMap<String, &Vec<String>> = BTreeMap::new();
        points.iter().any(|p| {
            let others: Vec<String> = p
                .values
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, v)| fmt_value(*v))
                .collect();
            match groups.entry(others.join(",")) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(&p.fingerprints);
                    false
                }
                std::collections::btree_map::Entry::Occupied(e) => *e.get() != &p.fingerprints,
            }
        })
    });
    let note = match (effect, a.param) {
        (Some(false), Param::Temperature) if base.board.temp_coeff_ps_per_c == 0.0 => Some(
            "temperature changed nothing: the model moves each line's arrival by \
             board.temp_coeff_ps_per_c x (T - 25 °C) and this scenario's coefficient is 0"
                .to_string(),
        ),
        (Some(false), _) => Some(format!(
            "{} changed nothing in this grid (same taps, stages and verdicts at every value)",
            a.param.name()
        )),
        _ => None,
    };
    AxisMargin {
        axis: a.param.name(),
        unit: a.param.unit().to_string(),
        full_pass,
        below,
        above,
        first_below_full,
        effect,
        note,
    }
}

fn pct(r: f64) -> String {
    format!("{:.1}%", r * 100.0)
}

fn fmt_margin(taps: u32, ps: f64, dq: u32) -> String {
    format!(
        "{taps} taps ({} ps) DQ{dq}",
        fmt_value((ps * 1e3).round() / 1e3)
    )
}

/// The table people read.
pub fn table(r: &SweepReport, axes: &[Axis]) -> String {
    let mut head: Vec<String> = r.axes.clone();
    head.extend(
        [
            "runs",
            "pass",
            "rate",
            "worst margin",
            "no edge",
            "failed stages",
        ]
        .map(String::from),
    );
    let rows: Vec<Vec<String>> = r
        .points
        .iter()
        .map(|p| {
            let mut row: Vec<String> = p.values.iter().map(|v| fmt_value(*v)).collect();
            row.push(p.runs.to_string());
            row.push(p.passes.to_string());
            row.push(pct(p.pass_rate));
            row.push(
                match (p.worst_margin_taps, p.worst_margin_ps, p.worst_margin_dq) {
                    (Some(t), Some(ps), Some(dq)) => fmt_margin(t, ps, dq),
                    _ => "-".into(),
                },
            );
            row.push(if p.no_edge_dq.is_empty() {
                "-".into()
            } else {
                p.no_edge_dq
                    .iter()
                    .map(|d| format!("DQ{d}"))
                    .collect::<Vec<_>>()
                    .join(",")
            });
            row.push(if p.failed_stages.is_empty() {
                "-".into()
            } else {
                p.failed_stages
                    .iter()
                    .map(|(s, n)| format!("{s} x{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            });
            row
        })
        .collect();
    let mut w: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (k, c) in row.iter().enumerate() {
            w[k] = w[k].max(c.chars().count());
        }
    }
    let mut out = format!(
        "sweep {}: {} grid points x {} runs (seeds {}..={})\n",
        r.scenario,
        r.points.len(),
        r.runs,
        r.seeds.0,
        r.seeds.1
    );
    let mut line = |cells: &[String]| {
        let l: Vec<String> = cells
            .iter()
            .zip(&w)
            .map(|(c, &wd)| format!("{c:<wd$}"))
            .collect();
        out.push_str(l.join("  ").trim_end());
        out.push('\n');
    };
    line(&head);
    for row in &rows {
        line(row);
    }
    out.push_str("margin:\n");
    for m in &r.margins {
        out.push_str(&format!("  {}: ", m.axis));
        let u = if m.unit == "°C" {
            " °C".to_string()
        } else {
            format!(" {}", m.unit)
        };
        let ax = axes.iter().find(|a| a.param.name() == m.axis);
        let whole = ax.map(|a| a.values.len()).unwrap_or(0);
        match m.full_pass {
            Some((lo, hi)) => {
                let n_full = ax
                    .map(|a| a.values.iter().filter(|&&v| v >= lo && v <= hi).count())
                    .unwrap_or(0);
                if n_full == whole {
                    out.push_str(&format!(
                        "100% pass over the whole grid ({}..{}{u})",
                        fmt_value(lo),
                        fmt_value(hi)
                    ));
                } else {
                    out.push_str(&format!(
                        "100% pass from {} to {}{u}",
                        fmt_value(lo),
                        fmt_value(hi)
                    ));
                }
                if let Some((v, rate)) = m.above {
                    out.push_str(&format!(
                        "; margin runs out at {}{u} ({} pass)",
                        fmt_value(v),
                        pct(rate)
                    ));
                }
                if let Some((v, rate)) = m.below {
                    out.push_str(&format!(
                        "; going down it runs out at {}{u} ({} pass)",
                        fmt_value(v),
                        pct(rate)
                    ));
                }
            }
            None => out.push_str("no value passes every run"),
        }
        out.push('\n');
        if let Some(n) = &m.note {
            out.push_str(&format!("    note: {n}\n"));
        }
    }
    match r.worst_margin {
        Some((t, ps, dq, i)) => out.push_str(&format!(
            "worst per-DQ margin: {} at {}\n",
            fmt_margin(t, ps, dq),
            point_name(axes, &r.points[i].values)
        )),
        None => out.push_str("worst per-DQ margin: no line found an edge\n"),
    }
    out
}

/// The CSV: one row per grid point; empty cells where there is no value.
pub fn csv(r: &SweepReport) -> String {
    let mut out = r.axes.join(",");
    out.push_str(",runs,passes,pass_rate,worst_margin_taps,worst_margin_ps,worst_margin_dq,no_edge_dq,failed_stages\n");
    let opt = |x: Option<String>| x.unwrap_or_default();
    for p in &r.points {
        let mut cells: Vec<String> = p.values.iter().map(|v| fmt_value(*v)).collect();
        cells.push(p.runs.to_string());
        cells.push(p.passes.to_string());
        cells.push(fmt_value(p.pass_rate));
        cells.push(opt(p.worst_margin_taps.map(|t| t.to_string())));
        cells.push(opt(p.worst_margin_ps.map(fmt_value)));
        cells.push(opt(p.worst_margin_dq.map(|d| d.to_string())));
        // Lists inside a cell use ';' so no cell needs quoting.
        cells.push(
            p.no_edge_dq
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(";"),
        );
        cells.push(
            p.failed_stages
                .iter()
                .map(|(s, n)| format!("{s}:{n}"))
                .collect::<Vec<_>>()
                .join(";"),
        );
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
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
    fn apply_sets_scenario_fields_and_validate_catches_range() {
        let base = Scenario::parse("profile = \"minimodule\"\n", Path::new("t.toml")).unwrap();
        let axes = [
            parse_axis("skew.dq5=300").unwrap(),
            parse_axis("temperature=85").unwrap(),
        ];
        let s = scenario_at(&base, Path::new("t.toml"), &axes, &[300.0, 85.0]).unwrap();
        assert_eq!(s.board.dq_delay_ps, vec![0.0, 0.0, 0.0, 0.0, 0.0, 300.0]);
        assert_eq!(s.board.temperature_c, 85.0);
        let axes = [parse_axis("clock.period_ps=20000").unwrap()];
        let e = scenario_at(&base, Path::new("t.toml"), &axes, &[20000.0])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("clock.period_ps=20000") && e.contains("clock.period_ps"),
            "{e}"
        );
    }

    #[test]
    fn values_print_as_written() {
        assert_eq!(fmt_value(85.0), "85");
        assert_eq!(fmt_value(0.1 * 3.0), "0.3");
        assert_eq!(fmt_value(-0.0), "0");
        assert_eq!(fmt_value(-2.5), "-2.5");
    }
}
