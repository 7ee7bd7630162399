//! `migcal diagnose`: reads a capture (any format the traces crate reads) and says which stage
//! stalled, which DQ lines or lane are at fault, and the evidence.
//!
//! Exit status: 0 calibration passes, 1 a fault was found, 2 the capture could not be read or
//! holds nothing recognisable of the MIG.

use super::{CliError, CliResult, EXIT_FAULT, EXIT_PASS};
use crate::analysis::capture::Capture;
use crate::analysis::jedec;
use crate::analysis::{Facts, Profile};
use crate::diagnose::Verdict;
use crate::report::Report;
use migcal_traces::names::Mapping;
use migcal_traces::TimeBase;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `migcal diagnose`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The capture (`-` for standard input): VCD (any simulator, ILA, sigrok), FST, GHW, or a
    /// CSV export, plain or gzip'd.
    pub capture: PathBuf,
    /// Mapping file: TOML lines `"canonical name" = "capture name"`.
    #[arg(long = "map", value_name = "MAP.toml")]
    pub map: Option<PathBuf>,
    /// Controller build (default: guessed from the width of `init_state`).
    #[arg(long, value_enum)]
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
    /// Run the model beside the capture and report where the capture first departs from it
    /// (the profile's nominal board unless --scenario gives the board).
    #[arg(long)]
    pub replay: bool,
    /// The board to replay against (implies --replay).
    #[arg(long, value_name = "SCENARIO.toml")]
    pub scenario: Option<PathBuf>,
    /// Rank the board's single faults by how well each, simulated, explains the capture (the
    /// catalogue is simulated once per board, in parallel, and cached; see `MIGCAL_CACHE`).
    #[arg(long)]
    pub dictionary: bool,
    /// IDELAY tap size for margins, in ps.
    #[arg(long, default_value_t = 78.125)]
    pub tap_ps: f64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The write-strobe rules read the DQS pads, which the stage analysis does not keep: a second
/// pass over the capture loads only them (nothing to do without real time or a WRITE).
fn write_strobes(args: &Args, facts: &Facts) -> Result<Vec<jedec::JedecFinding>, CliError> {
    if facts.time_base != TimeBase::Femtoseconds || !facts.commands.iter().any(|c| c.kind == "WR") {
        return Ok(Vec::new());
    }
    let opened = super::open_capture(&args.capture, args.map.as_deref(), args.sample_period)?;
    let mapping = args.map.as_deref().map(Mapping::from_file).transpose()?;
    let pads = Capture::from_source_only(
        args.capture.display().to_string(),
        super::progress::read_bar(opened.source, "reading the DQS pins"),
        mapping.as_ref(),
        Some(&["pins/dqs"]),
    )?;
    let lanes = pads.width("pins/dqs").unwrap_or(0);
    let dqs: Vec<_> = (0..lanes).filter_map(|l| pads.bit("pins/dqs", l)).collect();
    Ok(jedec::strobe::check(
        &facts.commands,
        &dqs,
        facts.profile,
        facts.clock,
        facts.time_base,
        &jedec::strobe::StrobeTiming::default(),
    ))
}

/// Runs `migcal diagnose`.
pub fn run(args: &Args) -> CliResult {
    let super::Analysed {
        capture,
        facts,
        diag,
    } = super::load_capture(
        &args.capture,
        args.map.as_deref(),
        args.sample_period,
        args.profile,
        args.clock_period,
        args.first_edge,
        args.tap_ps,
    )?;
    let name = args.capture.display().to_string();
    let mut checks = jedec::check(
        &facts.commands,
        facts.profile,
        facts.clock,
        facts.time_base,
        &jedec::Timing::for_profile(facts.profile),
    );
    checks.extend(write_strobes(args, &facts)?);
    checks.sort_by_key(|f| f.cycle);
    let replay = match (&args.scenario, args.replay) {
        (Some(path), _) => Some(run_replay(args, Some(path), &capture, &facts)?),
        (None, true) => Some(run_replay(args, None, &capture, &facts)?),
        (None, false) => None,
    };
    let ranked = if args.dictionary {
        let (scn, text) = board_scenario(args.scenario.as_deref(), &facts)?;
        let bar = super::progress::LazyBar::default();
        let cached = crate::diagnose::dictionary::cached_with(
            &scn,
            &text,
            &|len| {
                bar.start(len, "building the fault dictionary {bar:40} {pos}/{len} faults  {elapsed_precise} (eta {eta})")
            },
            &|| bar.inc(),
        );
        bar.finish();
        let cached = cached.map_err(|e| CliError::Message(e.to_string()))?;
        if let Some(note) = &cached.note {
            eprintln!("migcal: note: {note}");
        }
        let dict = cached.entries;
        Some(crate::diagnose::dictionary::rank(
            &crate::diagnose::dictionary::Signature::of(&facts, &diag),
            &dict,
            5,
        ))
    } else {
        None
    };
    let mut report = Report::new(&name, &facts, &diag, &checks);
    report.replay = replay.as_ref();
    report.dictionary = ranked.as_deref();
    if args.json {
        super::print_out(&(report.json() + "\n"))?;
    } else {
        super::print_out(&report.text())?;
    }
    Ok(ExitCode::from(match diag.verdict {
        Verdict::Pass => EXIT_PASS,
        Verdict::Fail => EXIT_FAULT,
    }))
}

/// The nominal minimodule board (the golden build), the default replay scenario.
const NOMINAL_MINIMODULE: &str = include_str!("../../scenarios/golden/nominal.toml");

/// The board a capture is compared with: the given scenario, or the profile's nominal board.
fn board_scenario(
    path: Option<&std::path::Path>,
    facts: &crate::analysis::Facts,
) -> Result<(crate::scenario::Scenario, String), CliError> {
    use crate::scenario::Scenario;
    let (text, origin) = match path {
        Some(p) => (
            std::fs::read_to_string(p)
                .map_err(|e| CliError::Message(format!("{}: {e}", p.display())))?,
            p.to_path_buf(),
        ),
        None => {
            if facts.profile != Profile::Minimodule {
                return Err(CliError::Message("without --scenario the model runs the minimodule board; give the DDR2 board's scenario file".into()));
            }
            (
                NOMINAL_MINIMODULE.to_string(),
                PathBuf::from("sim/scenarios/golden/nominal.toml"),
            )
        }
    };
    let scn = Scenario::parse(&text, &origin).map_err(|e| CliError::Message(e.to_string()))?;
    Ok((scn, text))
}

fn run_replay(
    args: &Args,
    path: Option<&std::path::Path>,
    capture: &Capture,
    facts: &crate::analysis::Facts,
) -> Result<crate::diagnose::replay::Replay, CliError> {
    let (scn, _) = board_scenario(path, facts)?;
    // Further passes over the capture, each streamed through the comparison.
    let open = || -> Result<_, crate::diagnose::exact::ExactError> {
        let opened = migcal_traces::sniff::open(
            &args.capture,
            &migcal_traces::sniff::OpenOptions {
                sample_period_fs: args.sample_period,
                format: None,
            },
        )?;
        Ok(opened)
    };
    crate::diagnose::replay::replay(&open, capture, &facts.clock, &scn)
        .map_err(|e| CliError::Message(format!("replay: {e}")))
}
