//! `migcal simulate <scenario.toml> [-o trace.vcd] [--json]`: run the model, write its trace,
//! print the stage boundaries, taps, bus commands and any stall.

use super::{print_report, write_output, CliError, CliResult, EXIT_ERROR, EXIT_FAULT, EXIT_PASS};
use crate::diagnose::{Diagnosis, Verdict};
use crate::report::style::Palette;
use crate::run::{simulate, DcmSummary, Options, Summary};
use crate::scenario::Scenario;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `simulate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Write the VCD trace here (every signal the goldens carry, same names).
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Run the subcommand.
///
/// The exit code is the diagnosis' verdict on the run's own trace: the one `diagnose` gives
/// for the VCD written with `-o`.
pub fn main(args: &Args) -> CliResult {
    let scn = match Scenario::load(&args.scenario) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("migcal simulate: {e}");
            return Ok(ExitCode::from(EXIT_ERROR));
        }
    };
    let opts = Options {
        vcd: args.output.is_some(),
        // Neither the summary nor the verdict reads the DQ pads.
        pads: false,
        skip_idle: true,
    };
    let (outcome, vcd) = simulate(&scn, &opts).map_err(|e| CliError::Message(e.to_string()))?;
    if let (Some(path), Some(bytes)) = (&args.output, vcd) {
        write_output(path, &bytes)?;
    }
    let summary = &outcome.summary;
    if args.json {
        let doc = serde_json::to_string_pretty(&json_doc(summary))
            .map_err(|e| CliError::Message(e.to_string()))?;
        print_report(&format!("{doc}\n"), &[args.output.as_deref()])?;
    } else {
        let outputs = [args.output.as_deref()];
        let paint = super::report_palette(&outputs);
        print_report(&text_styled(summary, &outcome.diagnosis, paint), &outputs)?;
    }
    Ok(ExitCode::from(match outcome.diagnosis.verdict {
        Verdict::Pass => EXIT_PASS,
        Verdict::Fail => EXIT_FAULT,
    }))
}

/// The `--json` document: the contract fields first, then the rest of the summary.
pub fn json_doc(s: &Summary) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or(serde_json::Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "command_counts".into(),
            serde_json::to_value(command_counts(s)).unwrap_or_default(),
        );
    }
    v
}

fn command_counts(s: &Summary) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for c in &s.commands {
        *m.entry(c.cmd.clone()).or_insert(0) += 1;
    }
    m
}

fn at(s: &Summary, c: Option<u64>) -> String {
    match c {
        Some(c) => format!("cycle {c:>7}  {:>12.1} ns", s.time_ns(c)),
        None => "never".into(),
    }
}

/// The DCM's part of the human summary: inputs, every LOCKED change, every restart.
fn dcm_text(d: &DcmSummary, o: &mut String) {
    let _ = writeln!(
        o,
        "DCM: {}, DCM_AUTOCALIBRATION = {}{}",
        d.primitive,
        if d.dcm_autocalibration {
            "TRUE"
        } else {
            "FALSE"
        },
        if d.autocal_macro {
            ", autocalibration macro inserted by MAP (AR21435)"
        } else {
            ", no autocalibration macro"
        }
    );
    for n in &d.notes {
        let _ = writeln!(o, "  note: {n}");
    }
    // Inputs and LOCKED changes in one time line; at one instant the input comes first (a RST
    // rising drops LOCKED at the same time).
    let mut lines: Vec<(u64, String)> = d
        .inputs
        .iter()
        .map(|i| (i.time_fs, format!("{:>14.6} ms  {}", i.time_ms, i.input)))
        .collect();
    lines.extend(d.lock_changes.iter().map(|c| {
        (
            c.time_fs,
            format!(
                "{:>14.6} ms  LOCKED {}  (clk_0 cycle {})",
                c.time_ms,
                if c.locked { "rises" } else { "falls" },
                c.cycle
            ),
        )
    }));
    lines.sort_by_key(|l| l.0);
    for (_, l) in &lines {
        let _ = writeln!(o, "  {l}");
    }
    let _ = writeln!(
        o,
        "  LOCKED {} at the end of the run",
        if d.locked_at_end { "high" } else { "low" }
    );
    for r in &d.restarts {
        let lost = match r.init_done_lost_cycle {
            Some(c) => format!("init_done lost at cycle {c}"),
            None => "init had not completed".to_string(),
        };
        let after = match (r.relock_time_ms, r.relock_cycle) {
            (Some(t), Some(c)) => format!(
                "init starts over at the relock, {t:.6} ms (cycle {c}){}",
                match r.init_done_again_cycle {
                    Some(d) => format!(", init_done again at cycle {d}"),
                    None => ", init_done not reached again".to_string(),
                }
            ),
            _ => "no relock before the end of the run: held in reset".to_string(),
        };
        let _ = writeln!(
            o,
            "MIG restart: LOCKED fell at {:.6} ms (cycle {}): interface reset, {lost}; {after}",
            r.unlock_time_ms, r.unlock_cycle
        );
    }
}

/// The human summary; `d` is the diagnosis of the same run, named when it fails a run that
/// reached `init_done` (a line that never showed an edge, a DCM that lost lock).
pub fn text(s: &Summary, d: &Diagnosis) -> String {
    text_styled(s, d, Palette::OFF)
}

/// [`text`] with the result line (and a failing diagnosis) painted by `paint`.
pub fn text_styled(s: &Summary, d: &Diagnosis, paint: Palette) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "profile {}  clk_0 {} ps  {} cycles simulated",
        s.profile, s.period_ps, s.cycles
    );
    stage_boundaries(s, &mut o);
    let taps: Vec<String> = s.final_taps.iter().map(|t| t.to_string()).collect();
    let _ = writeln!(o, "final IDELAY taps DQ0..: {}", taps.join(","));
    command_list(s, &mut o);
    for c in &s.init_done_lost_cycles {
        let _ = writeln!(o, "init_done LOST at {} (interface reset)", at(s, Some(*c)));
    }
    if let Some(d) = &s.dcm {
        dcm_text(d, &mut o);
    }
    result(s, d, paint, &mut o);
    o
}

/// The stage boundaries, the per-group CHAN_DONE pulses and the pattern lanes.
fn stage_boundaries(s: &Summary, o: &mut String) {
    let _ = writeln!(o, "stage boundaries:");
    let rows = [
        ("done_200us", s.done_200us_cycle),
        ("first command", s.first_command_cycle),
        ("ctrl_dummyread_start", s.ctrl_dummyread_start_cycle),
        ("tap_sel_done", s.tap_sel_done_cycle),
        ("comp_done", s.comp_done_cycle),
        ("init_done", s.init_done_cycle),
    ];
    for (name, c) in rows.iter().take(3) {
        let _ = writeln!(o, "  {name:<22} {}", at(s, *c));
    }
    for (g, gs) in s.groups.iter().enumerate() {
        let pulses: Vec<String> = gs.chan_done_cycles.iter().map(|c| c.to_string()).collect();
        if !gs.chan_done_cycles.is_empty() || gs.calib_done_cycle.is_some() {
            let _ = writeln!(
                o,
                "  group {g}: CHAN_DONE x{} at cycles [{}], calib_done_dqs[{g}] {}{}",
                gs.chan_done_cycles.len(),
                pulses.join(", "),
                at(s, gs.calib_done_cycle),
                if gs.chan_done_after_calib_done > 0 {
                    format!(
                        " (+{} idle pulses after, no line selected)",
                        gs.chan_done_after_calib_done
                    )
                } else {
                    String::new()
                }
            );
        }
    }
    for (name, c) in rows.iter().skip(3) {
        let _ = writeln!(o, "  {name:<22} {}", at(s, *c));
    }
    for (l, gs) in s.groups.iter().enumerate() {
        let _ = writeln!(
            o,
            "  pattern lane {l}: comp_done {}  clk_count_rise {}  first_rising {}",
            at(s, gs.pattern_comp_done_cycle),
            gs.clk_count_rise,
            gs.first_rising as u8
        );
    }
}

/// The bus commands, runs of one command collapsed, a screenful at most.
fn command_list(s: &Summary, o: &mut String) {
    let _ = writeln!(o, "bus commands ({} total):", s.commands.len());
    // Collapse back-to-back runs of the same command (the stage-2 dummy reads) into one line,
    // and stop listing after a screenful (the periodic refreshes after init).
    const MAX_LINES: usize = 30;
    let mut lines = 0;
    let mut i = 0;
    while i < s.commands.len() {
        let c = &s.commands[i];
        // A run: same command and address at a constant stride of at most 8 clocks.
        let stride = s
            .commands
            .get(i + 1)
            .map(|n| n.cycle.saturating_sub(c.cycle))
            .unwrap_or(0);
        let mut j = i + 1;
        while (1..=8).contains(&stride)
            && j < s.commands.len()
            && s.commands[j].cmd == c.cmd
            && s.commands[j].ba == c.ba
            && s.commands[j].a == c.a
            && s.commands[j].cycle == s.commands[j - 1].cycle + stride
        {
            j += 1;
        }
        if lines == MAX_LINES {
            let counts = command_counts(s);
            let rest: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let _ = writeln!(
                o,
                "  ... {} more from cycle {} (totals over the run: {})",
                s.commands.len() - i,
                c.cycle,
                rest.join(", ")
            );
            break;
        }
        if j - i > 2 {
            let _ = writeln!(
                o,
                "  {:>7}..{:<7} {} x{} every {} clk ba={} a=0x{:04x}",
                c.cycle,
                s.commands[j - 1].cycle,
                c.cmd,
                j - i,
                stride,
                c.ba,
                c.a
            );
        } else {
            let _ = writeln!(
                o,
                "  {:>7}         {} ba={} a=0x{:04x}",
                c.cycle, c.cmd, c.ba, c.a
            );
        }
        lines += 1;
        i = if j - i > 2 { j } else { i + 1 };
    }
}

/// The run's result line, and the diagnosis when it disagrees with `init_done`.
fn result(s: &Summary, d: &Diagnosis, paint: Palette, o: &mut String) {
    match &s.stall {
        None => {
            let pass = d.verdict == Verdict::Pass;
            let _ = writeln!(o, "{}", paint.verdict(pass, "result: init_done reached"));
            if !pass {
                let why = format!("diagnosis: FAIL in stage {}: {}", d.stage.name(), d.cause);
                let _ = writeln!(o, "{}", paint.bad(&why));
            }
        }
        Some(st) => {
            let stall = format!(
                "result: STALL in stage {}: init_state {} since {}",
                st.stage.name(),
                st.init_state,
                at(s, Some(st.cycle))
            );
            let _ = writeln!(o, "{}", paint.bad(&stall));
        }
    }
}
