//! `migcal plot <kind> <input> -o out.svg|out.png`: pictures for a bug report, from a capture
//! (any format the traces crate reads, including a VCD written by `migcal simulate -o`) or, for
//! `dcm`, from a scenario file's `[clocking]` table.
//!
//! Exit status: 0 the picture was written, 2 it could not be made (bad input, nothing to draw,
//! I/O). The output is written through a temporary file and a rename.

use super::{load_capture, open_capture, write_output, CliError, CliResult, EXIT_PASS};
use crate::analysis::capture::Capture;
use crate::analysis::Profile;
use crate::plot::{self, dcm, eye, taps, timeline, ImageFormat, Size};
use migcal_traces::names::{Mapping, NameMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Per DQ line: the IDELAY tap over time during the stage-2 sweep (edge, back-off, final tap,
    /// ceiling hits).
    Taps,
    /// Per DQ line: the data window the sweep saw against the final sampling point, in ps and
    /// taps, with the worst margin highlighted.
    Eye,
    /// The init sequence: stages, `init_state` by name, bus commands, the stall.
    Timeline,
    /// The DCM: CLKIN, RST, LOCKED, STATUS[1], STATUS[2] over milliseconds with the 200 ms
    /// autocalibration rule (input: a scenario TOML with `[clocking]`, or a capture with
    /// `dcm/locked`).
    Dcm,
}

/// Arguments of `migcal plot`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// What to draw.
    #[arg(value_enum)]
    pub kind: Kind,
    /// A capture (`-` for standard input; VCD, FST, GHW, .vcd.gz, probe CSV), or for `dcm` a
    /// scenario .toml with a [clocking] table.
    pub input: PathBuf,
    /// Output picture; the format follows the extension (.svg or .png) unless --format says;
    /// `-` is stdout.
    #[arg(short = 'o', long = "output", value_name = "OUT.svg|OUT.png")]
    pub output: PathBuf,
    /// Picture format, when the output name does not end in .svg or .png (`-o -`, a device).
    #[arg(long, value_enum)]
    pub format: Option<ImageFormat>,
    /// Picture size in pixels, WIDTHxHEIGHT (default: 1000x600, taller for many DQ lines).
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub size: Option<Size>,
    /// Mapping file: TOML lines `"canonical name" = "capture name"`.
    #[arg(long = "map", value_name = "MAP.toml")]
    pub map: Option<PathBuf>,
    /// Controller build (default: guessed from the width of `init_state`).
    #[arg(long, value_parser = super::profile_parser())]
    pub profile: Option<Profile>,
    /// Sample period of a sample-indexed capture (`5ns`, `5000ps`).
    #[arg(long, value_name = "PERIOD", value_parser = super::parse_sample_period)]
    pub sample_period: Option<u64>,
    /// clk_0 period (default 5ns, the goldens' 200 MHz; one sample for sample-indexed captures).
    #[arg(long, value_name = "PERIOD", value_parser = super::parse_clock_period)]
    pub clock_period: Option<u64>,
    /// Time of clk_0's first rising edge (default: half a period).
    #[arg(long, value_name = "TIME", value_parser = super::parse_duration_fs)]
    pub first_edge: Option<u64>,
    /// IDELAY tap size in ps (eye: the ps axis and the margins).
    #[arg(long, default_value_t = 78.125)]
    pub tap_ps: f64,
    /// taps: x axis in microseconds or clk_0 cycles.
    #[arg(long = "x", value_enum, default_value = "us")]
    pub x_axis: taps::XAxis,
    /// dcm from a scenario: simulate up to this time (default: the last input + 150 ms).
    #[arg(long, value_name = "MS")]
    pub until_ms: Option<f64>,
}

/// `1000x600` -> Size.
fn parse_size(text: &str) -> Result<Size, String> {
    let bad = || format!("expected WIDTHxHEIGHT in pixels such as 1000x600, found \"{text}\"");
    let (w, h) = text.trim().split_once(['x', 'X']).ok_or_else(bad)?;
    let width: u32 = w.trim().parse().map_err(|_| bad())?;
    let height: u32 = h.trim().parse().map_err(|_| bad())?;
    Ok(Size { width, height })
}

/// Runs `migcal plot`.
pub fn run(args: &Args) -> CliResult {
    let format = match args.format {
        Some(f) => f,
        None => ImageFormat::from_path(&args.output).map_err(msg)?,
    };
    let load = || {
        load_capture(
            &args.input,
            args.map.as_deref(),
            args.sample_period,
            args.profile,
            args.clock_period,
            args.first_edge,
            None,
            args.tap_ps,
        )
    };
    let source = args.input.display().to_string();
    let bytes = match args.kind {
        Kind::Taps => {
            let a = load()?;
            let fig =
                taps::TapsFigure::new(&source, &a.facts, &a.diag, args.x_axis).map_err(msg)?;
            plot::render(&fig, format, args.size)
        }
        Kind::Eye => {
            let a = load()?;
            let fig = eye::EyeFigure::new(&source, &a.facts, &a.diag, args.tap_ps).map_err(msg)?;
            plot::render(&fig, format, args.size)
        }
        Kind::Timeline => {
            let a = load()?;
            let fig = timeline::TimelineFigure::new(&source, &a.capture, &a.facts, &a.diag)
                .map_err(msg)?;
            plot::render(&fig, format, args.size)
        }
        Kind::Dcm => {
            let fig = if is_scenario(&args.input) {
                let text = std::fs::read_to_string(&args.input)
                    .map_err(|e| CliError::Message(format!("{source}: {e}")))?;
                let until = args
                    .until_ms
                    .map(|m| {
                        if m.is_finite() && m > 0.0 && m < 1e6 {
                            Ok((m * 1e12).round() as u64)
                        } else {
                            Err(CliError::Message(format!(
                                "--until-ms: expected a time in ms between 0 and 1e6, found {m}"
                            )))
                        }
                    })
                    .transpose()?;
                dcm::DcmFigure::from_scenario_text(&source, &text, until).map_err(msg)?
            } else {
                let opened = open_capture(&args.input, args.map.as_deref(), args.sample_period)?;
                let mapping = args.map.as_deref().map(Mapping::from_file).transpose()?;
                let names = NameMap::build(opened.source.header(), mapping.as_ref())?;
                let capture = Capture::with_map(source.clone(), opened.source, names)?;
                dcm::DcmFigure::from_capture(&source, &capture).map_err(msg)?
            };
            plot::render(&fig, format, args.size)
        }
    }
    .map_err(msg)?;
    write_output(&args.output, &bytes)?;
    Ok(ExitCode::from(EXIT_PASS))
}

/// A `.toml` input is a scenario; anything else is a capture.
fn is_scenario(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

fn msg(e: plot::PlotError) -> CliError {
    CliError::Message(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(
            parse_size("1000x600"),
            Ok(Size {
                width: 1000,
                height: 600
            })
        );
        assert_eq!(
            parse_size(" 800 X 500 "),
            Ok(Size {
                width: 800,
                height: 500
            })
        );
        assert!(parse_size("1000").is_err());
        assert!(parse_size("ax600").is_err());
    }
}
