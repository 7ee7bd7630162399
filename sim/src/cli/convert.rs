//! `migcal convert`: writes a capture as a VCD under canonical MIG names (`tap_ctrl[0]/tap_count`
//! becomes scope `tap_ctrl[0]`, variable `tap_count`), whatever the input format, hierarchy or bit
//! style, so a waveform viewer, a script or another tool sees one shape.
//!
//! The output is streamed (memory does not grow with the capture) the way every output is
//! written ([`crate::output`]): a regular file through a temporary file and a rename, so a failed
//! run leaves no half-written file; `-o -` is stdout (the summary then goes to stderr).
//! Times are written with a 1 fs timescale, the normalized trace's own unit, so no change can land
//! between two output ticks whatever the input's unit. Exit status: 0 written, 2 not (bad input,
//! a capture name two signals claim, an unwritable target).

use super::{open_capture, write_output_with, CliError, CliResult, EXIT_PASS};
use migcal_traces::names::CanonicalSource;
use migcal_traces::vcd::VcdWriter;
use migcal_traces::{ChangeSource, TimeBase, TraceError};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `migcal convert`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The capture (`-` for standard input): VCD (any simulator, ILA, sigrok), FST, GHW, or a
    /// CSV export, plain or gzip'd.
    pub capture: PathBuf,
    /// Where to write the VCD.
    #[arg(short, long, value_name = "OUT.vcd")]
    pub output: PathBuf,
    /// Mapping file: TOML lines `"canonical name" = "capture name"`.
    #[arg(long = "map", value_name = "MAP.toml")]
    pub map: Option<PathBuf>,
    /// Sample period of a sample-indexed capture (`5ns`, `5000ps`, `1us`).
    #[arg(long, value_name = "PERIOD", value_parser = super::parse_sample_period)]
    pub sample_period: Option<u64>,
    /// Print a JSON summary instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `migcal convert`.
pub fn run(args: &Args) -> CliResult {
    let opened = open_capture(&args.capture, args.map.as_deref(), args.sample_period)?;
    if let Some(a) = opened.names.ambiguities().first() {
        return Err(TraceError::from(a.clone()).into());
    }
    let bindings = opened.names.bindings().to_vec();
    if bindings.is_empty() {
        return Err(CliError::Message(format!(
            "{}: no MIG signal found among its {} signals (see `migcal signals`; bind names with --map)",
            args.capture.display(),
            opened.source.header().signals.len()
        )));
    }
    let sample_indexed = opened.source.header().time_base == TimeBase::Samples;
    let mut canon = CanonicalSource::new(opened.source, bindings);
    let signals = canon.header().signals.clone();
    let mut changes: u64 = 0;
    let mut end: u64 = 0;
    write_output_with(&args.output, |out| {
        let mut w = VcdWriter::new(out, 1, &signals)?;
        while let Some(c) = canon.next_change()? {
            w.change(c.time, c.signal, c.value)?;
            changes += 1;
            end = c.time;
        }
        w.finish()?;
        Ok(())
    })?;
    if sample_indexed {
        eprintln!(
            "migcal: warning: {}: sample-indexed capture without --sample-period; VCD times are sample numbers",
            args.capture.display()
        );
    }
    let mut o = String::new();
    if args.json {
        let doc = serde_json::json!({
            "capture": args.capture.display().to_string(),
            "output": args.output.display().to_string(),
            "signals": signals.len(),
            "changes": changes,
            "end_time": end,
            "time_base": if sample_indexed { "samples" } else { "femtoseconds" },
            "warnings": canon.warnings(),
        });
        outln!(
            o,
            "{}",
            serde_json::to_string_pretty(&doc).map_err(|e| CliError::Message(e.to_string()))?
        );
    } else {
        outln!(
            o,
            "{}: {} MIG signals, {changes} changes, last at {end} {} -> {}",
            args.capture.display(),
            signals.len(),
            if sample_indexed { "samples" } else { "fs" },
            args.output.display()
        );
    }
    super::print_report(&o, &[Some(&args.output)])?;
    Ok(ExitCode::from(EXIT_PASS))
}
