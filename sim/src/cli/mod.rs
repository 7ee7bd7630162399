//! The command line: one file per subcommand. Only this layer turns library errors into
//! messages and exit codes (0 pass, 1 fault found / not as expected, 2 could not do the job).

pub mod simulate;

use std::process::ExitCode;

/// Exit code: calibration passes, or every scenario is as expected.
pub const EXIT_PASS: u8 = 0;
/// Exit code: a fault was found, or a scenario was not as expected.
pub const EXIT_FAULT: u8 = 1;
/// Exit code: the tool could not do its job (bad input, I/O).
pub const EXIT_ERROR: u8 = 2;

/// An error that stops a subcommand; printed on stderr, exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A capture could not be read.
    #[error(transparent)]
    Trace(#[from] migcal_traces::TraceError),
    /// An output could not be written.
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    /// Anything else, already worded for the user.
    #[error("{0}")]
    Message(String),
}

/// What a subcommand decided: the exit code it wants.
pub type CliResult = Result<ExitCode, CliError>;

/// Writes an output file the way every command does (see [`crate::output`]): a regular file
/// replaced atomically, a device, FIFO or `-` written through, a symlink's target replaced, a
/// directory refused.
pub fn write_output(path: &std::path::Path, bytes: &[u8]) -> Result<(), CliError> {
    Ok(crate::output::write(path, bytes)?)
}

/// `writeln!` into a report `String` (formatting into memory cannot fail).
macro_rules! outln {
    ($o:expr) => {
        $o.push('\n')
    };
    ($o:expr, $($t:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($o, $($t)*);
    }};
}

pub mod completions;
pub mod convert;
pub mod diagnose;
pub mod gtkw;
pub mod man;
pub mod merge;
pub mod plot;
pub mod progress;
pub mod regress;
pub mod signals;
pub mod sweep;

/// Writes a report to stdout. A closed pipe (`migcal signals x | head`) is the reader's choice,
/// not an error; any other failure is.
pub fn print_out(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::Message(format!("stdout: {e}")))
        }
        _ => Ok(()),
    }
}

use crate::analysis::capture::Capture;
use crate::analysis::{analyze, Clock, Config, Facts, Profile};
use crate::diagnose::{diagnose, Diagnosis, RuleConfig};
use migcal_traces::names::{Mapping, NameMap};
use migcal_traces::sniff::{self, Format, OpenOptions};
use migcal_traces::ChangeSource;
use migcal_traces::TimeBase;
use std::path::Path;

/// Streams an output file: `write` fills a buffered writer for `path` (see
/// [`crate::output::write_with`]), so memory does not grow with the output and a failed or
/// interrupted run leaves a previous regular file untouched.
pub fn write_output_with(
    path: &Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> Result<(), CliError>,
) -> Result<(), CliError> {
    crate::output::write_with(path, write)
}

/// Prints a command's report: on stdout, unless one of its outputs is `-` (stdout), where the
/// report goes to stderr so the data stream stays clean.
pub fn print_report(text: &str, outputs: &[Option<&Path>]) -> Result<(), CliError> {
    if outputs
        .iter()
        .flatten()
        .any(|p| crate::output::is_stdout(p))
    {
        eprint!("{text}");
        Ok(())
    } else {
        print_out(text)
    }
}

/// Parses a duration such as `5ns`, `5000ps`, `2.5 ns` or `1us` into femtoseconds, exactly.
pub fn parse_duration_fs(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = (&t[..split], t[split..].trim());
    let scale: u64 = match unit.to_ascii_lowercase().as_str() {
        "fs" => 1,
        "ps" => 1_000,
        "ns" => 1_000_000,
        "us" | "µs" => 1_000_000_000,
        "ms" => 1_000_000_000_000,
        "s" => 1_000_000_000_000_000,
        _ => {
            return Err(format!(
            "expected a duration with a unit (fs, ps, ns, us, ms, s) such as 5ns, found \"{text}\""
        ))
        }
    };
    let bad = || format!("expected a positive number before the unit, found \"{text}\"");
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if int.is_empty() && frac.is_empty() || frac.contains('.') {
        return Err(bad());
    }
    let mut value: u128 = 0;
    for d in int.bytes() {
        value = value * 10 + (d - b'0') as u128;
        if value > u64::MAX as u128 {
            return Err(format!("duration \"{text}\" is too long"));
        }
    }
    let mut total = value * scale as u128;
    let mut place = scale as u128;
    for d in frac.bytes() {
        place /= 10;
        let digit = (d - b'0') as u128;
        if place == 0 {
            if digit != 0 {
                return Err(format!(
                    "expected a whole number of femtoseconds, found \"{text}\""
                ));
            }
            continue;
        }
        total += digit * place;
    }
    if total == 0 {
        return Err(bad());
    }
    u64::try_from(total).map_err(|_| format!("duration \"{text}\" is too long"))
}

/// The shortest clk_0 period accepted: 1 ns (1 GHz), above any DDR2 controller clock.
pub const MIN_CLOCK_PERIOD_FS: u64 = 1_000_000;
/// The longest clk_0 period accepted: 1 ms (1 kHz), far below a DDR2 DLL's range, room for a
/// bench clock slowed down for debugging.
pub const MAX_CLOCK_PERIOD_FS: u64 = 1_000_000_000_000;
/// The shortest sample period accepted: 1 ps (a 1 THz sampler does not exist).
pub const MIN_SAMPLE_PERIOD_FS: u64 = 1_000;
/// The longest sample period accepted: 1 s.
pub const MAX_SAMPLE_PERIOD_FS: u64 = 1_000_000_000_000_000;

fn bounded(text: &str, lo: u64, hi: u64, what: &str) -> Result<u64, String> {
    let fs = parse_duration_fs(text)?;
    if (lo..=hi).contains(&fs) {
        Ok(fs)
    } else {
        Err(format!(
            "expected a {what} between {lo} fs and {hi} fs, found \"{text}\" ({fs} fs)"
        ))
    }
}

/// `--clock-period`: a duration between [`MIN_CLOCK_PERIOD_FS`] and [`MAX_CLOCK_PERIOD_FS`].
pub fn parse_clock_period(text: &str) -> Result<u64, String> {
    bounded(
        text,
        MIN_CLOCK_PERIOD_FS,
        MAX_CLOCK_PERIOD_FS,
        "clk_0 period (1 ns to 1 ms)",
    )
}

/// `--profile`: the model's [`Profile`]s by name, each with its description in `--help` and in
/// shell completions (clap's `ValueEnum` cannot be derived on the model's type from here).
pub fn profile_parser() -> impl clap::builder::TypedValueParser<Value = Profile> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(Profile::ALL.map(|p| PossibleValue::new(p.name()).help(p.describe())))
        .try_map(|name| Profile::from_name(&name).ok_or(format!("unknown profile `{name}`")))
}

/// `--sample-period`: a duration between [`MIN_SAMPLE_PERIOD_FS`] and [`MAX_SAMPLE_PERIOD_FS`].
pub fn parse_sample_period(text: &str) -> Result<u64, String> {
    bounded(
        text,
        MIN_SAMPLE_PERIOD_FS,
        MAX_SAMPLE_PERIOD_FS,
        "sample period (1 ps to 1 s)",
    )
}

/// A human name for a capture format.
pub fn format_name(f: Format) -> &'static str {
    f.name()
}

/// A capture opened and bound to MIG names: what `signals` and `convert` start from.
pub struct Opened {
    /// The format the first bytes showed.
    pub format: Option<Format>,
    /// The reader.
    pub source: Box<dyn ChangeSource + Send>,
    /// The bindings (lenient: ambiguities listed, not raised).
    pub names: NameMap,
}

/// Opens `capture` (any supported format), reads the optional mapping file, and binds names.
pub fn open_capture(
    capture: &Path,
    map: Option<&Path>,
    sample_period_fs: Option<u64>,
) -> Result<Opened, CliError> {
    let mapping = map.map(Mapping::from_file).transpose()?;
    let (format, source) = sniff::open_detected(
        capture,
        &OpenOptions {
            sample_period_fs,
            format: None,
        },
    )?;
    let names = NameMap::build_lenient(source.header(), mapping.as_ref())?;
    Ok(Opened {
        format: Some(format),
        source,
        names,
    })
}

/// A capture with its analysis and diagnosis, loaded the way `diagnose` loads it.
pub struct Analysed {
    /// The capture.
    pub capture: Capture,
    /// The analysis.
    pub facts: Facts,
    /// The diagnosis.
    pub diag: Diagnosis,
}

/// Opens, binds (strictly), analyses and diagnoses a capture: what `diagnose`, `plot` and `gtkw`
/// start from. A capture with no MIG signal, or with nothing the rules can read, is an error
/// (exit 2) saying what to capture.
// One argument per CLI option the subcommands share; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub fn load_capture(
    path: &Path,
    map: Option<&Path>,
    sample_period: Option<u64>,
    profile: Option<Profile>,
    clock_period: Option<u64>,
    first_edge: Option<u64>,
    capture_end: Option<u64>,
    tap_ps: f64,
) -> Result<Analysed, CliError> {
    if !(tap_ps > 0.0 && tap_ps < 1000.0) {
        return Err(CliError::Message(format!(
            "--tap-ps: expected a tap size in ps between 0 and 1000, found {tap_ps}"
        )));
    }
    let opened = open_capture(path, map, sample_period)?;
    let mapping = map.map(Mapping::from_file).transpose()?;
    let names = NameMap::build(opened.source.header(), mapping.as_ref())?;
    let name = path.display().to_string();
    let source = progress::read_bar(opened.source, "reading");
    let mut capture = Capture::with_map(name.clone(), source, names)?;
    if let Some(end) = capture_end {
        capture.set_capture_end(end);
    }
    if capture.mig.trace.header.signals.is_empty() {
        return Err(CliError::Message(format!(
            "{name}: no MIG signal recognised (run `migcal signals {name}` to see the capture's names, and bind them with --map)"
        )));
    }
    let clock = match (clock_period, capture.time_base()) {
        (Some(p), TimeBase::Femtoseconds) => Some(Clock {
            period: p,
            first_edge: first_edge.unwrap_or(p / 2),
        }),
        (Some(_), TimeBase::Samples) => {
            return Err(CliError::Message(
                "--clock-period needs a capture with real time: give --sample-period too".into(),
            ))
        }
        (None, _) => None,
    };
    let facts = analyze(&capture, &Config { profile, clock });
    if let Some(why) = crate::diagnose::undecidable(&facts) {
        return Err(CliError::Message(format!("{name}: cannot diagnose: {why}")));
    }
    let diag = diagnose(&facts, &RuleConfig { tap_ps });
    Ok(Analysed {
        capture,
        facts,
        diag,
    })
}

/// A progress bar on stderr when a person is watching: stderr is a terminal and no CI
/// variable is set (GitHub Actions, GitLab and most CI services set `CI`; some runners attach a
/// pseudo-terminal, where a bar would only fill the log). Hidden otherwise, so piped output and
/// CI logs get nothing.
pub fn progress_bar(len: u64, template: &str) -> indicatif::ProgressBar {
    if !show_progress() {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        b.set_style(style);
    }
    b
}

/// Whether [`progress_bar`] draws: stderr is a terminal and `CI` is unset or empty.
pub fn show_progress() -> bool {
    use std::io::IsTerminal;
    progress_wanted(std::io::stderr().is_terminal(), std::env::var_os("CI"))
}

/// The rule of [`show_progress`]: a terminal, and `CI` unset or empty.
fn progress_wanted(terminal: bool, ci: Option<std::ffi::OsString>) -> bool {
    terminal && ci.is_none_or(|v| v.is_empty())
}

/// The palette of a text report printed by [`print_report`] with these `outputs`: colour only
/// when the stream the report goes to (stdout, or stderr when an output is `-`) wants it (see
/// [`colour_wanted`]), so pipes and files get the plain bytes.
pub fn report_palette(outputs: &[Option<&Path>]) -> crate::report::style::Palette {
    let to_stderr = outputs
        .iter()
        .flatten()
        .any(|p| crate::output::is_stdout(p));
    let choice = if to_stderr {
        anstream::AutoStream::choice(&std::io::stderr())
    } else {
        anstream::AutoStream::choice(&std::io::stdout())
    };
    let env = |k| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    crate::report::style::Palette::new(colour_wanted(choice, env("CI"), env("CLICOLOR_FORCE")))
}

/// Whether a report is painted: anstream's choice for the stream (a terminal; `NO_COLOR`,
/// `CLICOLOR=0` and `TERM=dumb` turn it off, `CLICOLOR_FORCE` on), and off under CI (`ci`: the
/// `CI` variable is set), whose logs are read later, often as files, unless `CLICOLOR_FORCE`
/// (`force`) asks for it.
pub fn colour_wanted(choice: anstream::ColorChoice, ci: bool, force: bool) -> bool {
    use anstream::ColorChoice;
    match choice {
        ColorChoice::Never => false,
        ColorChoice::Always | ColorChoice::AlwaysAnsi | ColorChoice::Auto => !ci || force,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_only_on_a_terminal_outside_ci() {
        assert!(progress_wanted(true, None));
        assert!(progress_wanted(true, Some("".into())));
        assert!(
            !progress_wanted(true, Some("true".into())),
            "GitHub/GitLab set CI=true"
        );
        assert!(!progress_wanted(false, None), "piped");
    }

    #[test]
    fn colour_decision() {
        use anstream::ColorChoice::{Always, Never};
        // A terminal (anstream says Always): colour, unless CI without CLICOLOR_FORCE.
        assert!(colour_wanted(Always, false, false));
        assert!(!colour_wanted(Always, true, false));
        assert!(colour_wanted(Always, true, true));
        // A pipe, a file, NO_COLOR or TERM=dumb (anstream says Never): never.
        assert!(!colour_wanted(Never, false, false));
        assert!(!colour_wanted(Never, false, true));
        assert!(!colour_wanted(Never, true, true));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_fs("5ns"), Ok(5_000_000));
        assert_eq!(parse_duration_fs("5000ps"), Ok(5_000_000));
        assert_eq!(parse_duration_fs("1us"), Ok(1_000_000_000));
        assert_eq!(parse_duration_fs("2.5 ns"), Ok(2_500_000));
        assert_eq!(parse_duration_fs("1fs"), Ok(1));
        assert_eq!(
            parse_duration_fs("0.0015ps"),
            Err("expected a whole number of femtoseconds, found \"0.0015ps\"".into())
        );
        assert!(parse_duration_fs("5").is_err());
        assert!(parse_duration_fs("0ns").is_err());
        assert!(parse_duration_fs("ns").is_err());
        assert!(parse_duration_fs("5 parsecs").is_err());
        assert!(parse_duration_fs("1.2.3ns").is_err());
    }
}
