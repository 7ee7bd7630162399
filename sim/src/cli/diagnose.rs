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
    /// When the capture really ended (`600us`), if the file does not say: a change-per-row
    /// export (Saleae Logic 2 CSV) ends at its last change, and without this nothing is known
    /// after its last row.
    #[arg(long, value_name = "TIME", value_parser = super::parse_duration_fs)]
    pub capture_end: Option<u64>,
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

/// The write-strobe and ODT rules read the DQS and ODT pads, which the stage analysis does not
/// keep: a second pass over the capture loads only them (nothing to do without real time or a
/// command on the bus).
fn pad_rules(args: &Args, facts: &Facts) -> Result<Vec<jedec::JedecFinding>, CliError> {
    if facts.time_base != TimeBase::Femtoseconds || facts.commands.is_empty() {
        return Ok(Vec::new());
    }
    let opened = super::open_capture(&args.capture, args.map.as_deref(), args.sample_period)?;
    let mapping = args.map.as_deref().map(Mapping::from_file).transpose()?;
    let pads = Capture::from_source_only(
        args.capture.display().to_string(),
        super::progress::read_bar(opened.source, "reading the DQS pins"),
        mapping.as_ref(),
        Some(&["pins/dqs", "pins/odt"]),
    )?;
    let lanes = pads.width("pins/dqs").unwrap_or(0);
    let dqs: Vec<_> = (0..lanes).filter_map(|l| pads.bit("pins/dqs", l)).collect();
    let mut out = Vec::new();
    if facts.commands.iter().any(|c| c.kind == "WR") {
        out = jedec::strobe::check(
            &facts.commands,
            &dqs,
            facts.profile,
            facts.clock,
            facts.time_base,
            &jedec::strobe::StrobeTiming::default(),
        );
    }
    if let Some(odt) = pads.bit("pins/odt", 0) {
        out.extend(jedec::odt::check(
            &facts.commands,
            &odt,
            facts.profile,
            facts.clock,
            facts.time_base,
            &jedec::Timing::for_profile(facts.profile),
            &jedec::odt::OdtTiming::default(),
        ));
    }
    Ok(out)
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
        args.capture_end,
        args.tap_ps,
    )?;
    let name = args.capture.display().to_string();
    // Without the address pins the mode registers and PRECHARGE ALL cannot be checked.
    let mut checks = if !crate::diagnose::warnings::address_captured(&facts) {
        Vec::new()
    } else {
        jedec::check(
            &facts.commands,
            facts.profile,
            facts.clock,
            facts.time_base,
            &jedec::Timing::for_profile(facts.profile),
        )
    };
    checks.extend(pad_rules(args, &facts)?);
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
    let explained = if args.dictionary {
        let (scn, text) = board_scenario(args.scenario.as_deref(), &facts)?;
        Some(run_explain(args, (&scn, &text), &capture, &facts)?)
    } else {
        None
    };
    let mut diag = diag;
    if let Some(x) = &explained {
        merge_explained(&mut diag, x);
    }
    let mut report = Report::new(&name, &facts, &diag, &checks);
    report.replay = replay.as_ref();
    report.dictionary = ranked.as_deref();
    report.explanations = explained.as_ref().map(|x| x.explanations.as_slice());
    report.explanation_search = explained.as_ref().map(|x| x.searched.as_slice());
    if args.json {
        super::print_out(&(report.json() + "\n"))?;
    } else {
        super::print_out(&report.text_styled(super::report_palette(&[])))?;
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
            migcal_traces::io::read_text_file(p, migcal_traces::io::MAX_TEXT_FILE)
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
    let open = || reopen(args);
    crate::diagnose::replay::replay(&open, capture, &facts.clock, &scn)
        .map_err(|e| CliError::Message(format!("replay: {e}")))
}

/// Reopens the capture (each comparison streams it from the start).
fn reopen(
    args: &Args,
) -> Result<Box<dyn migcal_traces::ChangeSource + Send>, crate::diagnose::exact::ExactError> {
    Ok(migcal_traces::sniff::open(
        &args.capture,
        &migcal_traces::sniff::OpenOptions {
            sample_period_fs: args.sample_period,
            format: None,
        },
    )?)
}

fn run_explain(
    args: &Args,
    (scn, text): (&crate::scenario::Scenario, &str),
    capture: &Capture,
    facts: &crate::analysis::Facts,
) -> Result<crate::diagnose::explain::Explained, CliError> {
    use crate::diagnose::exact::Sampled;
    use crate::diagnose::explain::{explain_cached, Target};
    let fail =
        |e: crate::diagnose::exact::ExactError| CliError::Message(format!("fault catalogue: {e}"));
    let mut canon =
        migcal_traces::names::CanonicalSource::all(reopen(args).map_err(fail)?, &capture.map);
    let sampled = Sampled::read(&mut canon, &facts.clock, None)?;
    let (explained, note) = explain_cached(
        &Target {
            sampled: &sampled,
            capture,
            clock: &facts.clock,
        },
        scn,
        text,
    )
    .map_err(fail)?;
    if let Some(note) = note {
        eprintln!("migcal: note: {note}");
    }
    Ok(explained)
}

/// The report says one thing: lines every exact explanation puts the fault on are named with
/// the rules' own, and what the catalogue cannot tell apart (and the probe that would) joins
/// the rules' lists.
fn merge_explained(d: &mut crate::diagnose::Diagnosis, x: &crate::diagnose::explain::Explained) {
    if d.verdict == Verdict::Fail && !x.named_dq.is_empty() {
        d.faulty_dq.extend(&x.named_dq);
        d.faulty_dq.sort_unstable();
        d.faulty_dq.dedup();
    }
    d.cannot_tell.extend(x.cannot_tell.iter().cloned());
    for p in &x.next_probes {
        let who: Vec<String> = p
            .tells_apart
            .iter()
            .map(|(f, v)| format!("{f} gives {v}"))
            .collect();
        d.next_probes.push(format!(
            "{} between cycles {} and {}: {}",
            p.signal,
            p.window.0,
            p.window.1,
            who.join(", ")
        ));
    }
}
