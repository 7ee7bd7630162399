//! Running a scenario: the model is driven cycle by cycle ([`drive`]) and every signal change
//! streamed to sinks: the VCD of `simulate -o`, and an in-memory trace that goes through the
//! same name binding, analysis and diagnosis as a capture file from the bench. The summary is
//! built from that analysis, so a simulated run and a capture of it can never be described
//! differently, and `simulate` and `diagnose` cannot disagree about one run.
//!
//! With a `[clocking]` section the DCM model's waveform drives the controller's `dcm_lock`, and
//! the run spans milliseconds: the model jumps over idle stretches (held in reset, the 200 us
//! wait, the refresh interval), the DCM's LOCKED, RST and STATUS bits are written to the VCD at
//! their own femtosecond times, in time order with the controller's changes, and the summary
//! lists every lock, unlock and restart of the interface. The memory clock pad `tb/ck` is left
//! out of such a trace: two changes per 5 ns clock over hundreds of milliseconds would be
//! gigabytes, and nothing in the DCM story needs it (STATUS\[1\] shows CLKIN presence).

mod dcm;
mod drive;
mod pads;
pub mod sinks;
pub mod summary;

pub use dcm::{DcmInputChange, DcmSummary, LockChange, Restart};
pub use drive::drive;
pub use sinks::{signal_infos, ChangeSink};
pub use summary::{summarize, BusCommand, GroupSummary, Stall, Summary};

use crate::analysis::capture::Capture;
use crate::analysis::{analyze, Config, Facts};
use crate::diagnose::{diagnose, Diagnosis, RuleConfig};
use crate::scenario::clocking::ConfigError;
use crate::scenario::Scenario;
use sinks::{MemSink, Tee, VcdSink};

/// Errors of a run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The VCD writer (or another sink) failed.
    #[error(transparent)]
    Trace(#[from] migcal_traces::TraceError),
    /// The `[clocking]` section cannot be simulated (e.g. a RST shorter than 3 CLKIN cycles);
    /// the message names the key (`clocking.rst[0].length_ms`).
    #[error("key `clocking`: {0}")]
    Clocking(#[from] ConfigError),
    /// The DCM model refused the inputs up to the stop time.
    #[error("key `clocking`: {0}")]
    Dcm(#[from] migcal_model::dcm::DcmError),
}
/// A simulated run and what the analysis makes of its trace.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The summary (stage cycles, final taps, commands, stall), built from `facts` and
    /// `diagnosis`.
    pub summary: Summary,
    /// The analysis of the model's trace.
    pub facts: Facts,
    /// The diagnosis of the model's trace.
    pub diagnosis: Diagnosis,
}

/// How to run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Write the VCD too (every signal the goldens carry, timescale 1 fs).
    pub vcd: bool,
    /// Give the analysis the DQ pad waveform (`pins/dq`): it only words the cause of a stuck or
    /// open line, and computing the pads at quarter-clock resolution is a third of a run's cost.
    /// Always there when `vcd` is set.
    pub pads: bool,
    /// Jump over idle stretches (the result is the same either way, tested).
    pub skip_idle: bool,
}

/// Simulates `scn`, analyses and diagnoses the model's trace, and summarises the run; with
/// `opts.vcd`, also returns the VCD bytes.
pub fn simulate(scn: &Scenario, opts: &Options) -> Result<(Outcome, Option<Vec<u8>>), RunError> {
    let mut mem = MemSink::new(opts.pads || opts.vcd);
    let vcd = if opts.vcd {
        // About 40 bytes per clock (the clock pad alone changes twice per cycle); a DCM run
        // skips most of its clocks and has no clock pad, so only its start is reserved.
        let mut estimate = (scn.cycles() as usize).saturating_mul(40);
        if scn.clocking.is_some() {
            estimate = estimate.min(1 << 24);
        }
        let mut vcd = VcdSink::new(estimate);
        drive(
            scn,
            opts.skip_idle,
            &mut Tee {
                a: &mut vcd,
                b: &mut mem,
            },
        )?;
        vcd.finish()?
    } else {
        drive(scn, opts.skip_idle, &mut mem)?;
        None
    };
    let Some((source, map)) = mem.into_parts() else {
        return Err(RunError::Trace(migcal_traces::TraceError::Io {
            path: "<memory trace>".into(),
            source: std::io::Error::other("the run traced no signal"),
        }));
    };
    let capture = Capture::with_map("model".into(), Box::new(source), map)?;
    Ok((judge(scn, &capture)?, vcd))
}

/// Simulates `scn` and returns the model's trace of exactly the canonical signals `names`
/// (whole canonical names, pads included; every signal the model traces when `names` is empty),
/// every change kept, with its name bindings: what the exact comparison with a capture reads.
pub fn trace_signals(
    scn: &Scenario,
    names: &[String],
) -> Result<(migcal_traces::MemorySource, migcal_traces::names::NameMap), RunError> {
    let mut mem = MemSink::only(names.to_vec());
    drive(scn, true, &mut mem)?;
    mem.into_parts().ok_or_else(|| {
        RunError::Trace(migcal_traces::TraceError::Io {
            path: "<memory trace>".into(),
            source: std::io::Error::other("the run traced no signal"),
        })
    })
}

/// The analysis, diagnosis and summary of a trace of `scn` (the model's own, or read back).
pub fn judge(scn: &Scenario, capture: &Capture) -> Result<Outcome, RunError> {
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
    let summary = summarize(scn, &facts, &diagnosis)?;
    Ok(Outcome {
        summary,
        facts,
        diagnosis,
    })
}

/// Simulate a scenario. With `vcd`, every signal change is written (timescale 1 fs, as the
/// goldens) and the finished VCD bytes are returned with the summary.
pub fn run(scn: &Scenario, vcd: bool) -> Result<(Summary, Option<Vec<u8>>), RunError> {
    run_with(scn, vcd, true)
}

/// [`run`], choosing whether idle stretches (nothing but the refresh-interval counter moving)
/// are jumped over; the result is the same either way (tested), only the speed differs.
pub fn run_with(
    scn: &Scenario,
    vcd: bool,
    skip_idle: bool,
) -> Result<(Summary, Option<Vec<u8>>), RunError> {
    let (o, bytes) = simulate(
        scn,
        &Options {
            vcd,
            // The summary and the verdict do not read the DQ pads (see [`Options::pads`]).
            pads: false,
            skip_idle,
        },
    )?;
    Ok((o.summary, bytes))
}
