//! Reports: of a diagnosis (text for people, JSON for machines, both built from the same
//! [`Report`], so they can never say different things), and of `regress`, `sweep` and `merge`
//! in the submodules, one per output form.

pub mod csv;
pub mod github;
pub mod json;
pub mod junit;
pub mod style;
pub mod text;

mod diagnosis_text;
mod exact;

use crate::analysis::jedec::JedecFinding;
use crate::analysis::{BusCommand, Facts, Profile};
use crate::diagnose::{fmt_ns, scan_legend, Diagnosis};
use migcal_traces::{Time, TimeBase};
use serde::Serialize;

/// One stage boundary of the run.
#[derive(Debug, Clone, Serialize)]
pub struct Milestone {
    /// MIG name of the signal that marks it.
    pub signal: &'static str,
    /// Time in ps, `None` when never reached or sample-indexed.
    pub time_ps: Option<u64>,
    /// clk_0 cycle, `None` when never reached.
    pub cycle: Option<u64>,
}

/// A run of identical bus commands (`RD` x 319).
#[derive(Debug, Clone, Serialize)]
pub struct CommandRun {
    /// Command.
    pub kind: &'static str,
    /// How many in a row.
    pub count: usize,
    /// clk_0 cycle of the first.
    pub first_cycle: u64,
    /// Bank and address of the first (mode-register contents for `MRS`).
    pub ba: Option<u64>,
    /// Address of the first.
    pub a: Option<u64>,
}

/// The whole report (`diagnose --json` prints exactly this).
#[derive(Debug, Clone, Serialize)]
pub struct Report<'a> {
    /// The capture.
    pub capture: &'a str,
    /// The controller build assumed.
    pub profile: Profile,
    /// clk_0 period in ps (in samples for sample-indexed captures).
    pub clk_period: u64,
    /// `femtoseconds` or `samples`.
    pub time_base: TimeBase,
    /// The diagnosis (verdict, stage, cause, faulty_dq, evidence, per_dq, missing_signals...).
    #[serde(flatten)]
    pub diagnosis: &'a Diagnosis,
    /// Stage boundaries.
    pub milestones: Vec<Milestone>,
    /// The bus commands, repeated commands folded into runs.
    pub commands: Vec<CommandRun>,
    /// Total bus commands seen.
    pub command_count: usize,
    /// The JEDEC check of the command bus.
    pub jedec: &'a [JedecFinding],
    /// Signals whose history was cut in the middle to bound memory (name, changes not kept).
    pub elided_changes: &'a [(String, u64)],
    /// Where the capture departs from the model, when `--replay` was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<&'a crate::diagnose::replay::Replay>,
    /// The board's single faults ranked by how well each explains the capture (`--dictionary`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dictionary: Option<&'a [crate::diagnose::dictionary::Candidate]>,
    /// The exact explanations of the fault catalogue (`--dictionary`): each candidate's fault,
    /// whether it explains the capture exactly, and where it departs first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanations: Option<&'a [crate::diagnose::explain::Explanation]>,
    /// How far the catalogue's search went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation_search: Option<&'a [String]>,
}

impl<'a> Report<'a> {
    /// Assembles the report.
    pub fn new(
        capture: &'a str,
        facts: &'a Facts,
        diagnosis: &'a Diagnosis,
        jedec: &'a [JedecFinding],
    ) -> Report<'a> {
        let ms = |signal: &'static str, t: Option<Time>| Milestone {
            signal,
            time_ps: t
                .filter(|_| facts.time_base == TimeBase::Femtoseconds)
                .map(|t| t / 1000),
            cycle: t.map(|t| facts.clock.cycle(t)),
        };
        let milestones = vec![
            ms("done_200us", facts.done_200us),
            ms("init_state leaves INIT_IDLE", facts.init_start),
            ms("first bus command", facts.commands.first().map(|c| c.time)),
            ms("ctrl_dummyread_start", facts.dummyread_start),
            ms(
                "calib_done_dqs (last group)",
                facts
                    .calib_done
                    .iter()
                    .copied()
                    .collect::<Option<Vec<_>>>()
                    .and_then(|v| v.into_iter().max()),
            ),
            ms("tap_sel_done", facts.tap_sel_done),
            ms("comp_done", facts.comp_done),
            ms("init_done", facts.init_done),
        ];
        Report {
            capture,
            profile: facts.profile,
            clk_period: match facts.time_base {
                TimeBase::Femtoseconds => facts.clock.period / 1000,
                TimeBase::Samples => facts.clock.period,
            },
            time_base: facts.time_base,
            diagnosis,
            milestones,
            commands: fold_commands(&facts.commands),
            command_count: facts.commands.len(),
            jedec,
            elided_changes: &facts.elided,
            replay: None,
            dictionary: None,
            explanations: None,
            explanation_search: None,
        }
    }

    /// The JSON form.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The text form.
    pub fn text(&self) -> String {
        self.text_styled(style::Palette::OFF)
    }
}

/// Folds back-to-back identical commands into runs (MRS are never folded: their contents differ).
pub fn fold_commands(cmds: &[BusCommand]) -> Vec<CommandRun> {
    let mut out: Vec<CommandRun> = Vec::new();
    for c in cmds {
        match out.last_mut() {
            Some(r) if r.kind == c.kind && c.kind != "MRS" => r.count += 1,
            _ => out.push(CommandRun {
                kind: c.kind,
                count: 1,
                first_cycle: c.cycle,
                ba: c.ba,
                a: c.a,
            }),
        }
    }
    out
}
