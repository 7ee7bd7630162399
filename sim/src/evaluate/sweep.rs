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
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub use super::axis::{fmt_value, grid, parse_axis, point_name, Axis, Param};
use super::margin::axis_margin;
pub use super::margin::AxisMargin;
use super::shard::{AxisValues, RunId, Shard, ShardInfo};

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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// Per run, a summary of its observable outcome (verdict, stage, lines, taps, cycles).
    #[serde(skip)]
    pub fingerprints: Vec<String>,
}

/// A finished sweep.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// For one shard of a sweep: which, of what, and what `merge` needs (not in the whole run's
    /// JSON; a shard's JSON has it under `shard`).
    #[serde(skip)]
    pub partial: Option<ShardInfo>,
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
/// workers (all cores when `None`); `tick` is called after each simulation. With a `shard`,
/// only that shard's grid points run (every point is still checked first, so each shard
/// refuses a bad grid the same way) and the report is partial: no margins, which need the
/// whole grid, and [`SweepReport::partial`] says what `merge` needs.
pub fn sweep(
    base: &Scenario,
    path: &Path,
    axes: &[Axis],
    runs: u64,
    threads: Option<usize>,
    shard: Option<Shard>,
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
    let mine: Vec<usize> = match shard {
        Some(s) => s.items(points.len()),
        None => (0..points.len()).collect(),
    };
    let jobs: Vec<(usize, u64)> = mine
        .iter()
        .flat_map(|&p| (0..runs).map(move |r| (p, r)))
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
    let point_results: Vec<PointResult> = mine
        .iter()
        .enumerate()
        .map(|(k, &p)| {
            let rs = &results[k * runs as usize..(k + 1) * runs as usize];
            point_result(&points[p], runs, rs)
        })
        .collect();
    let scenario = path.display().to_string();
    let temp_coeff = base.board.temp_coeff_ps_per_c;
    Ok(match shard {
        None => assemble(scenario, axes, runs, base.seed, temp_coeff, point_results),
        Some(shard) => {
            let partial = ShardInfo {
                shard,
                count: points.len(),
                items: mine,
                run: run_id(&scenario, axes, runs, base.seed, temp_coeff),
                fingerprints: point_results
                    .iter()
                    .map(|p| p.fingerprints.clone())
                    .collect(),
            };
            let mut r = assemble(scenario, axes, runs, base.seed, temp_coeff, point_results);
            r.margins.clear();
            r.partial = Some(partial);
            r
        }
    })
}

/// What identifies a sweep among shard results.
pub fn run_id(scenario: &str, axes: &[Axis], runs: u64, first_seed: u64, temp_coeff: f64) -> RunId {
    RunId::Sweep {
        scenario: scenario.to_string(),
        axes: axes
            .iter()
            .map(|a| AxisValues {
                name: a.param.name(),
                values: a.values.clone(),
            })
            .collect(),
        runs,
        first_seed,
        temp_coeff_ps_per_c: temp_coeff,
    }
}

/// One grid point's runs folded into its row.
fn point_result(values: &[f64], runs: u64, rs: &[RunResult]) -> PointResult {
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
    PointResult {
        values: values.to_vec(),
        runs,
        passes,
        pass_rate: passes as f64 / runs as f64,
        worst_margin_taps: worst.map(|w| w.0),
        worst_margin_ps: worst.map(|w| w.1),
        worst_margin_dq: worst.map(|w| w.2),
        no_edge_dq: no_edge,
        failed_stages,
        fingerprints: rs.iter().map(|r| r.fingerprint.clone()).collect(),
    }
}

/// The report of a sweep from its grid points' rows (all of them, in grid order): the margins
/// along each axis and the worst margin anywhere. What `sweep` and `merge` both end with, so a
/// merged report is the unsharded one.
pub fn assemble(
    scenario: String,
    axes: &[Axis],
    runs: u64,
    first_seed: u64,
    temp_coeff_ps_per_c: f64,
    points: Vec<PointResult>,
) -> SweepReport {
    let margins = axes
        .iter()
        .enumerate()
        .map(|(i, a)| axis_margin(temp_coeff_ps_per_c, i, a, &points))
        .collect();
    let worst_margin = points
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
    SweepReport {
        scenario,
        axes: axes.iter().map(|a| a.param.name()).collect(),
        runs,
        seeds: (first_seed, first_seed.wrapping_add(runs.saturating_sub(1))),
        points,
        margins,
        worst_margin,
        partial: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
