//! The text form of a diagnosis report: the verdict and its cause first, then the evidence,
//! the stages, the per-DQ sweep, the bus, and what the capture could not tell.

use super::{exact, fmt_ns, scan_legend, style, Report};
use crate::analysis::Profile;
use migcal_traces::TimeBase;
use std::fmt::Write;

/// A time and a cycle in the report's two aligned columns.
fn when(ps: Option<u64>, cycle: Option<u64>) -> String {
    match (ps, cycle) {
        (Some(ps), Some(c)) => format!("{:>14}  cycle {:>7}", fmt_ns(ps * 1000), c),
        (None, Some(c)) => format!("{:>14}  cycle {:>7}", "", c),
        _ => format!("{:>14}  {:>13}", "", ""),
    }
}

/// One piece of evidence: when, which signal, what it shows.
fn evidence_line(o: &mut String, indent: &str, e: &crate::diagnose::Evidence) {
    let when = when(e.time_ps, e.cycle);
    let _ = writeln!(o, "{indent}{when}  {:<36} {}", e.signal, e.text);
}

impl Report<'_> {
    /// The text form, the verdict and the faulty lines painted by `paint` (the plain text when
    /// it is off).
    pub fn text_styled(&self, paint: style::Palette) -> String {
        let mut o = String::new();
        self.verdict_text(&mut o, paint);
        self.evidence_text(&mut o);
        self.stages_text(&mut o);
        self.per_dq_text(&mut o);
        self.bus_text(&mut o);
        self.limits_text(&mut o);
        o
    }

    /// The capture line, the verdict, where it stopped, the cause and the faulty lines.
    fn verdict_text(&self, o: &mut String, paint: style::Palette) {
        let d = self.diagnosis;
        let fs = self.time_base == TimeBase::Femtoseconds;
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
    }

    /// The evidence and the warnings, each with its time and signal.
    fn evidence_text(&self, o: &mut String) {
        let d = self.diagnosis;
        if !d.evidence.is_empty() {
            let _ = writeln!(o, "\nevidence:");
            for e in &d.evidence {
                evidence_line(o, "  ", e);
            }
        }
        if !d.warnings.is_empty() {
            let _ = writeln!(o, "\nwarnings:");
            for w in &d.warnings {
                let _ = writeln!(o, "  - {}", w.text);
                for e in &w.evidence {
                    evidence_line(o, "    ", e);
                }
            }
        }
    }

    /// The stage boundaries.
    fn stages_text(&self, o: &mut String) {
        let _ = writeln!(o, "\nstages:");
        for m in &self.milestones {
            let t = if m.cycle.is_none() {
                format!("{:>14}  {:>13}", "never", "")
            } else {
                when(m.time_ps, m.cycle)
            };
            let _ = writeln!(o, "  {:<30} {t}", m.signal);
        }
    }

    /// The per-DQ tap sweep: one scan line per DQ.
    fn per_dq_text(&self, o: &mut String) {
        let d = self.diagnosis;
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
    }

    /// The bus commands, runs folded, and the JEDEC check.
    fn bus_text(&self, o: &mut String) {
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
    }

    /// The replay, the explanations or the dictionary, and what the capture could not tell: changes not kept, signals missing, faults it cannot tell apart, what to probe next.
    fn limits_text(&self, o: &mut String) {
        let d = self.diagnosis;
        if let Some(r) = self.replay {
            exact::replay_text(o, r);
        }
        if let Some(x) = self.explanations {
            exact::explanations_text(o, x, self.explanation_search.unwrap_or_default());
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
    }
}
