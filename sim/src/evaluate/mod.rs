//! A scenario judged the way a capture is: the model's trace goes through the same name binding,
//! analysis and diagnosis as a file from the bench ([`crate::run::simulate`]), so a simulated
//! run and a capture of the same run can never be described differently. `regress` and `sweep`
//! build on this.

pub mod axis;
pub mod keys;
pub mod margin;
pub mod merge;
pub mod regress;
pub mod shard;
pub mod sweep;

use crate::analysis::capture::Capture;
use crate::diagnose::Verdict;
use crate::run::{judge, simulate, Options, RunError};
use crate::scenario::{Expect, Scenario};
use migcal_traces::vcd::VcdReader;
use migcal_traces::TraceError;
use serde::Serialize;
use std::path::Path;

/// A simulated run and what the analysis makes of it: the summary, the facts and the diagnosis
/// of the model's trace.
pub type Evaluation = crate::run::Outcome;

/// Why a scenario could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The simulation failed.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The model's trace could not be read back (a bug: the writer and reader disagree).
    #[error("reading the model's own trace: {0}")]
    Trace(#[from] TraceError),
}

/// Simulates `scn` and returns the model's VCD read back as a [`Capture`] under canonical
/// names, with the run's outcome.
pub fn simulate_capture(scn: &Scenario) -> Result<(Evaluation, Capture), EvalError> {
    let (outcome, vcd) = simulate(
        scn,
        &Options {
            vcd: true,
            pads: true,
            skip_idle: true,
        },
    )?;
    let bytes = vcd.unwrap_or_default();
    // The model's VCD is read back through the capture path itself: the cheapest way to be sure
    // the analysis sees the model exactly as it would see a capture of it.
    let reader = VcdReader::new(std::io::Cursor::new(bytes), Path::new("model.vcd"))?;
    let capture = Capture::from_source("model".into(), Box::new(reader), None)?;
    Ok((outcome, capture))
}

/// Simulates `scn` and diagnoses the model's trace.
///
/// The model's changes go straight into a memory trace and through the same name binding,
/// loading, analysis and diagnosis as a capture file ([`Capture::with_map`]); what the analysis
/// sees is what the VCD of `simulate -o` holds, without writing and parsing the text (tested
/// against the VCD path in `tests/regress_evaluate.rs`).
///
/// A run is never cut short here. Stopping once the outcome looks settled would hand the
/// diagnosis a shorter capture, and the diagnosis reads the capture's length: "held in reset"
/// needs more than 4 refresh intervals of a frozen counter, "nothing moved" a capture longer
/// than 260 µs, and "still hunting" looks at `clk_cnt_rise` in the last 64 clocks; so no early
/// stop is safe for every rule. A PATTERN_READ_WAIT stall is not even periodic in a useful
/// span: `count5`, `clk_cnt_rise`, `refi_count` and `cke_200us_cnt` keep counting, and the
/// whole register state repeats only after 32 refresh intervals (49 408 cycles). What is safe
/// and exact is done: idle stretches are jumped ([`crate::run::run_with`]), and `sweep
/// --stop-time-us` runs a grid on a shorter stop time chosen by the user.
pub fn evaluate(scn: &Scenario) -> Result<Evaluation, EvalError> {
    evaluate_with(scn, true)
}

/// [`evaluate`] without the DQ pad waveform: the same verdict, stage, lines and lane (the rules
/// read the pads only to word the cause of a stuck or open line; `tests/regress_evaluate.rs`
/// checks both agree on every bundled scenario), at two thirds of the cost. What `regress`,
/// `sweep` and the fault dictionary use.
pub fn evaluate_outcome(scn: &Scenario) -> Result<Evaluation, EvalError> {
    evaluate_with(scn, false)
}

fn evaluate_with(scn: &Scenario, pads: bool) -> Result<Evaluation, EvalError> {
    let (outcome, _) = simulate(
        scn,
        &Options {
            vcd: false,
            pads,
            skip_idle: true,
        },
    )?;
    Ok(outcome)
}

/// Simulates `scn`, writes the model's VCD and diagnoses it read back through the VCD reader:
/// the long way round, kept to check [`evaluate`] against.
pub fn evaluate_via_vcd(scn: &Scenario) -> Result<Evaluation, EvalError> {
    let (_, capture) = simulate_capture(scn)?;
    Ok(judge(scn, &capture)?)
}

/// One way a run differs from its scenario's `[expect]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The `[expect]` key (`verdict`, `stage`, `faulty_dq`, `cycles.init_done`, ...).
    pub key: String,
    /// What the scenario expects.
    pub expected: String,
    /// What the run gave.
    pub found: String,
}

/// Compares a run with `[expect]`; empty when everything is as expected.
pub fn check_expect(expect: &Expect, eval: &Evaluation) -> Vec<Mismatch> {
    let d = &eval.diagnosis;
    let mut out = Vec::new();
    let mut cmp = |key: &str, expected: String, found: String| {
        if expected != found {
            out.push(Mismatch {
                key: key.into(),
                expected,
                found,
            });
        }
    };
    let verdict = match d.verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
    };
    cmp("verdict", expect.verdict.clone(), verdict.into());
    if let Some(stage) = &expect.stage {
        cmp("stage", stage.clone(), d.stage.name().into());
    }
    let want: Vec<u32> = {
        let mut v: Vec<u32> = expect.faulty_dq.iter().map(|&q| q as u32).collect();
        v.sort_unstable();
        v
    };
    cmp(
        "faulty_dq",
        format!("{want:?}"),
        format!("{:?}", d.faulty_dq),
    );
    if let Some(c) = &expect.cycles {
        let s = &eval.summary;
        let show = |x: Option<u64>| x.map(|c| c.to_string()).unwrap_or_else(|| "never".into());
        for (key, want, got) in [
            ("cycles.init_done", c.init_done, s.init_done_cycle),
            ("cycles.tap_sel_done", c.tap_sel_done, s.tap_sel_done_cycle),
            ("cycles.comp_done", c.comp_done, s.comp_done_cycle),
        ] {
            if let Some(w) = want {
                cmp(key, w.to_string(), show(got));
            }
        }
    }
    out
}
