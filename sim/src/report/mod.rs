//! Reports: of a diagnosis (text for people, JSON for machines, both built from the same
//! [`Report`], so they can never say different things), and of `regress`, `sweep` and `merge`
//! in the submodules, one per output form.

pub mod csv;
pub mod github;
pub mod json;
pub mod junit;
pub mod style;
pub mod text;

mod exact;

use crate::analysis::jedec::JedecFinding;
use crate::analysis::{BusCommand, Facts, Profile};
use crate::diagnose::{fmt_ns, scan_legend, Diagnosis};
use migcal_traces::{Time, TimeBase};
use serde::Serialize;
use std::fmt::Write as _;

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

    /// The text form, the verdict and the faulty lines painted by `paint` (the plain text when
    /// it is off).
    pub fn text_styled(&self, paint: style::Palette) -> String {
        let d = self.diagnosis;
        let mut o = String::new();
        let fs = self.time_base == TimeBase::Femtoseconds;
        let when = |ps: Option<u64>, cycle: Option<u64>| match (ps, cycle) {
            (Some(ps), Some(c)) => format!("{:>14}  cycle {:>7}", fmt_ns(ps * 1000), c),
            (None, Some(c)) => format!("{:>14}  cycle {:>7}", "", c),
            _ => format!("{:>14}  {:>13}", "", ""),
        };
        let _ = writeln!(
            o,
            "capture: {} ({} profile, clk_0 {} {})",
            self.capture,
            Profile::name(self.profile),
            self.clk_period,
            if fs { "ps" } else { "samples" }
        );
        let verdict = match d.verdict {
            crate::diagnose::Verdict::Pass => "PASS",
            crate::diagnose::Verdict::Fail => "FAIL",
        };
        let verdict = paint.verdict(
            d.verdict == crate::diagnose::Verdict::Pass,
            &format!("{verdict}: stage {}", d.stage.name()),
        );
        let _ = writeln!(o, "\n{verdict}");
        if let Some(s) = &d.stall {
            let _ = writeln!(
                o,
                "  stopped at: {}cycle {}{}",
                s.time_ps
                    .map(|p| format!("{}, ", fmt_ns(p * 1000)))
                    .unwrap_or_default(),
                s.cycle,
                s.init_state_name
                    .as_ref()
                    .map(|n| format!(", init_state {n} (0x{:02X})", s.init_state.unwrap_or(0)))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(o, "  cause: {}", d.cause);
        if !d.faulty_dq.is_empty() {
            let dq = d
                .faulty_dq
                .iter()
                .map(|q| q.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(o, "  {}", paint.bad(&format!("faulty DQ: {dq}")));
        }
        if let Some(l) = d.faulty_lane {
            let _ = writeln!(o, "  {}", paint.bad(&format!("faulty byte lane: {l}")));
        }
        if !d.evidence.is_empty() {
            let _ = writeln!(o, "\nevidence:");
            for e in &d.evidence {
                let _ = writeln!(
                    o,
                    "  {}  {:<36} {}",
                    when(e.time_ps, e.cycle),
                    e.signal,
                    e.text
                );
            }
        }
        if !d.warnings.is_empty() {
            let _ = writeln!(o, "\nwarnings:");
            for w in &d.warnings {
                let _ = writeln!(o, "  - {}", w.text);
                for e in &w.evidence {
                    let _ = writeln!(
                        o,
                        "    {}  {:<36} {}",
                        when(e.time_ps, e.cycle),
                        e.signal,
                        e.text
                    );
                }
            }
        }
        let _ = writeln!(o, "\nstages:");
        for m in &self.milestones {
            let t = if m.cycle.is_none() {
                format!("{:>14}  {:>13}", "never", "")
            } else {
                when(m.time_ps, m.cycle)
            };
            let _ = writeln!(o, "  {:<30} {t}", m.signal);
        }
        if !d.per_dq.is_empty() {
            let _ = writeln!(o, "\nper-DQ tap sweep ({})", scan_legend());
            let _ = writeln!(
                o,
                "        {}",
                (0..64)
                    .map(|t| if t % 10 == 0 {
                        char::from(b'0' + (t / 10) as u8)
                    } else {
                        ' '
                    })
                    .collect::<String>()
            );
            let _ = writeln!(
                o,
                "        {}",
                (0..64)
                    .map(|t| char::from(b'0' + (t % 10) as u8))
                    .collect::<String>()
            );
            for p in &d.per_dq {
                let tail = if !p.walked {
                    format!(
                        "final {:>2}  (group's first line: only group-wide moves)",
                        p.final_tap
                    )
                } else if p.ceiling {
                    format!("final {:>2}  ceiling: no edge in 55 taps", p.final_tap)
                } else {
                    format!(
                        "final {:>2}  edge {:>2}  margin {}",
                        p.final_tap,
                        p.edge_tap.map(|e| e.to_string()).unwrap_or("?".into()),
                        p.margin_taps
                            .map(|m| format!("{m} taps ({:.0} ps)", p.margin_ps.unwrap_or(0.0)))
                            .unwrap_or("?".into())
                    )
                };
                let _ = writeln!(o, "  DQ{:<3} {}  {tail}", p.dq, p.scan);
            }
        }
        if self.command_count > 0 {
            let _ = writeln!(o, "\nbus commands ({}):", self.command_count);
            let mut line = String::from(" ");
            for r in &self.commands {
                let item = if r.count > 1 {
                    format!(" {}x{}", r.kind, r.count)
                } else if r.kind == "MRS" {
                    format!(" MRS(BA{},0x{:03X})", r.ba.unwrap_or(0), r.a.unwrap_or(0))
                } else {
                    format!(" {}", r.kind)
                };
                if line.len() + item.len() > 100 {
                    let _ = writeln!(o, "{line}");
                    line = String::from(" ");
                }
                line.push_str(&item);
            }
            let _ = writeln!(o, "{line}");
        }
        if !self.jedec.is_empty() {
            let _ = writeln!(o, "\nJEDEC check of the command bus:");
            for j in self.jedec {
                let _ = writeln!(o, "  {}", j.message);
            }
        }
        if let Some(r) = self.replay {
            exact::replay_text(&mut o, r);
        }
        if let Some(x) = self.explanations {
            exact::explanations_text(&mut o, x, self.explanation_search.unwrap_or_default());
        }
        if let (Some(c), None) = (self.dictionary, self.explanations) {
            let _ = writeln!(
                o,
                "\nfault dictionary (single faults simulated on this board, best match first):"
            );
            for x in c {
                let _ = writeln!(o, "  {:>5.3}  {}", x.score, x.fault);
            }
        }
        if !self.elided_changes.is_empty() {
            let list: Vec<String> = self
                .elided_changes
                .iter()
                .map(|(n, k)| format!("{n} ({k})"))
                .collect();
            let _ = writeln!(o, "\nlong runs of changes not kept (only the first and last {} of each are analysed): {}", crate::analysis::capture::HISTORY_CAP / 2, list.join(", "));
        }
        if !d.missing_signals.is_empty() {
            let _ = writeln!(o, "\nnot in the capture: {}", d.missing_signals.join(", "));
        }
        if !d.cannot_tell.is_empty() {
            let _ = writeln!(o, "\ncannot tell apart from this capture:");
            for c in &d.cannot_tell {
                let _ = writeln!(o, "  - {c}");
            }
        }
        if !d.next_probes.is_empty() {
            let _ = writeln!(o, "\nprobe next:");
            for p in &d.next_probes {
                let _ = writeln!(o, "  - {p}");
            }
        }
        o
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
