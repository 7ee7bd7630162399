//! A scenario judged the way a capture is: the model's trace goes through the same name binding,
//! analysis and diagnosis as a file from the bench, so a simulated run and a capture of the same
//! run can never be described differently. `regress` and `sweep` build on this.

pub mod regress;
pub mod sweep;

use crate::analysis::capture::Capture;
use crate::analysis::{analyze, reads, Config, Facts};
use crate::diagnose::{diagnose, Diagnosis, RuleConfig, Verdict};
use crate::run::{run, run_traced, ChangeSink, RunError, Summary};
use crate::scenario::{Expect, Scenario};
use migcal_traces::names::NameMap;
use migcal_traces::vcd::VcdReader;
use migcal_traces::{Header, MemorySource, SignalInfo, TimeBase, TraceError};
use serde::Serialize;
use std::path::Path;
use std::sync::Mutex;

/// A simulated run and what the analysis makes of it.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The simulator's own summary (stage cycles, final taps, commands).
    pub summary: Summary,
    /// The analysis of the model's trace.
    pub facts: Facts,
    /// The diagnosis of the model's trace.
    pub diagnosis: Diagnosis,
}

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

/// Simulates `scn` and returns the model's trace as a [`Capture`] under canonical names.
pub fn simulate_capture(scn: &Scenario) -> Result<(Summary, Capture), EvalError> {
    let (summary, vcd) = run(scn, true)?;
    let bytes = vcd.unwrap_or_default();
    // The model's VCD is read back through the capture path itself: the cheapest way to be sure
    // the analysis sees the model exactly as it would see a capture of it.
    let reader = VcdReader::new(std::io::Cursor::new(bytes), Path::new("model.vcd"))?;
    let capture = Capture::from_source("model".into(), Box::new(reader), None)?;
    Ok((summary, capture))
}

/// Collects the model's changes in memory (no VCD text to write and parse back), only of the
/// signals the analysis reads ([`Capture::with_map`] would drop the others when loading; the
/// clock pad alone changes twice a cycle).
#[derive(Default)]
struct MemSink {
    source: Option<MemorySource>,
    map: Option<NameMap>,
    wanted: Vec<bool>,
    /// Take the DQ pad waveform (`pins/dq`) too: it only words the cause of a stuck or open
    /// line, and computing the pads at quarter-clock resolution is a third of a run's cost.
    pads: bool,
}

impl ChangeSink for MemSink {
    fn begin(&mut self, signals: &[SignalInfo]) -> Result<(), TraceError> {
        let header = Header {
            signals: signals.to_vec(),
            time_base: TimeBase::Femtoseconds,
            timescale_text: Some("1 fs".into()),
            notes: vec!["migcal model".into()],
        };
        let map = name_map(&header)?;
        self.wanted = vec![false; signals.len()];
        for b in map
            .bindings()
            .iter()
            .filter(|b| reads(&b.name) && (self.pads || !b.name.starts_with("pins/dq")))
        {
            for id in b.signals() {
                if let Some(w) = self.wanted.get_mut(id as usize) {
                    *w = true;
                }
            }
        }
        self.map = Some(map);
        self.source = Some(MemorySource::new(header));
        Ok(())
    }
    fn change(&mut self, time_fs: u64, id: u32, bits: &[u8]) -> Result<(), TraceError> {
        match &mut self.source {
            Some(m) => m.push(time_fs, id, bits),
            None => Ok(()),
        }
    }
    fn end(&mut self, time_fs: u64) -> Result<(), TraceError> {
        if let Some(m) = &mut self.source {
            m.end_at(time_fs);
        }
        Ok(())
    }
    fn wants(&self, id: u32) -> bool {
        self.wanted.get(id as usize).copied().unwrap_or(false)
    }
}

/// Name bindings of the model's signal lists seen so far: every run of one profile and data
/// width traces the same signals, and binding ~150 names costs more than diagnosing a run.
static NAME_MAPS: Mutex<Vec<(Vec<SignalInfo>, NameMap)>> = Mutex::new(Vec::new());

fn name_map(header: &Header) -> Result<NameMap, TraceError> {
    let cached = NAME_MAPS.lock().ok().and_then(|m| {
        m.iter()
            .find(|(s, _)| *s == header.signals)
            .map(|(_, n)| n.clone())
    });
    if let Some(m) = cached {
        return Ok(m);
    }
    let map = NameMap::build(header, None)?;
    if let Ok(mut m) = NAME_MAPS.lock() {
        // A handful of profiles and widths at most; the bound only guards against misuse.
        if m.len() < 16 {
            m.push((header.signals.clone(), map.clone()));
        }
    }
    Ok(map)
}

/// Simulates `scn` and diagnoses the model's trace.
///
/// The model's changes go straight into a [`MemorySource`] and through the same name binding,
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
    let mut sink = MemSink {
        pads,
        ..MemSink::default()
    };
    let summary = run_traced(scn, true, Some(&mut sink))?;
    let (Some(source), Some(map)) = (sink.source, sink.map) else {
        return Err(EvalError::Trace(TraceError::Io {
            path: "<memory trace>".into(),
            source: std::io::Error::other("the run traced no signal"),
        }));
    };
    let capture = Capture::with_map("model".into(), Box::new(source), map)?;
    Ok(judge(scn, summary, &capture))
}

/// Simulates `scn`, writes the model's VCD and diagnoses it read back through the VCD reader:
/// the long way round, kept to check [`evaluate`] against.
pub fn evaluate_via_vcd(scn: &Scenario) -> Result<Evaluation, EvalError> {
    let (summary, vcd) = run(scn, true)?;
    let bytes = vcd.unwrap_or_default();
    let reader = VcdReader::new(std::io::Cursor::new(bytes), Path::new("model.vcd"))?;
    let capture = Capture::from_source("model".into(), Box::new(reader), None)?;
    Ok(judge(scn, summary, &capture))
}

fn judge(scn: &Scenario, summary: Summary, capture: &Capture) -> Evaluation {
    let facts = analyze(
        capture,
        &Config {
            profile: None,
            clock: None,
        },
    );
    let diagnosis = diagnose(
        &facts,
        &RuleConfig {
            tap_ps: scn.model_params().board.tap_ps,
        },
    );
    Evaluation {
        summary,
        facts,
        diagnosis,
    }
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
