//! `migcal gtkw <capture> -o out.gtkw`: a GTKWave save file that opens the capture with its MIG
//! signals grouped by calibration stage, under their canonical names, with the marker on the
//! stall (or on `init_done`) and named markers on the milestones.
//!
//! Exit status: 0 the save file was written, 2 it could not be (not a VCD, bad input, I/O).

use super::load_capture;
use super::{write_output, CliError, CliResult, EXIT_PASS};
use crate::analysis::Profile;
use crate::gtkw;
use migcal_traces::sniff::{self, Format};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `migcal gtkw`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The capture: a VCD or .vcd.gz (GTKWave opens VCD; convert other formats first with
    /// `migcal convert`).
    pub capture: PathBuf,
    /// Output save file (.gtkw).
    #[arg(short = 'o', long = "output", value_name = "OUT.gtkw")]
    pub output: PathBuf,
    /// Mapping file: TOML lines `"canonical name" = "capture name"`.
    #[arg(long = "map", value_name = "MAP.toml")]
    pub map: Option<PathBuf>,
    /// Controller build (default: guessed from the width of `init_state`).
    #[arg(long, value_parser = super::profile_parser())]
    pub profile: Option<Profile>,
    /// clk_0 period (default 5ns).
    #[arg(long, value_name = "PERIOD", value_parser = super::parse_clock_period)]
    pub clock_period: Option<u64>,
    /// Time of clk_0's first rising edge (default: half a period).
    #[arg(long, value_name = "TIME", value_parser = super::parse_duration_fs)]
    pub first_edge: Option<u64>,
}

/// Runs `migcal gtkw`.
pub fn run(args: &Args) -> CliResult {
    let path = &args.capture;
    if migcal_traces::input::is_stream(path) {
        return Err(CliError::Message(
            "gtkw: the save file names the dump GTKWave opens, so the capture must be a file, not `-` or a pipe".into(),
        ));
    }
    let first = migcal_traces::io::peek(path, sniff::SNIFF_BYTES)?;
    if sniff::sniff(&first) != Some(Format::Vcd) {
        return Err(CliError::Message(format!(
            "{}: GTKWave opens VCD files; this capture is not one. Write a VCD first with `migcal convert {} -o capture.vcd`, then run `migcal gtkw capture.vcd`",
            path.display(),
            path.display()
        )));
    }
    let a = load_capture(
        path,
        args.map.as_deref(),
        None,
        args.profile,
        args.clock_period,
        args.first_edge,
        None,
        78.125,
    )?;
    let dump = gtkw::dump_info(path, a.capture.map.header())?;
    let abs = std::path::absolute(path)
        .map_err(|e| CliError::Message(format!("{}: {e}", path.display())))?;
    let text = gtkw::save_file(
        &abs.display().to_string(),
        &a.capture.map,
        &dump,
        &a.facts,
        &a.diag,
    );
    write_output(&args.output, text.as_bytes())?;
    Ok(ExitCode::from(EXIT_PASS))
}
