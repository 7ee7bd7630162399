//! The tables people read: `regress`'s one row per scenario, `sweep`'s one row per grid point
//! and its margins. `merge` prints the same tables from shard results.

use crate::evaluate::axis::{fmt_value, point_name, Axis};
use crate::evaluate::regress::{ScenarioResult, Status, Totals};
use crate::evaluate::sweep::SweepReport;
use crate::report::style::Palette;
use std::time::Duration;

/// The widest a table column is padded to: a longer cell runs past its column instead (a format
/// width past `u16::MAX` panics, and a scenario path or fault list can in principle be that long).
pub const MAX_COLUMN: usize = 1024;

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// The table people read: one row per scenario, then the differences or the error under it.
pub fn regress(results: &[ScenarioResult], timings: bool) -> String {
    regress_styled(results, timings, Palette::OFF)
}

/// [`regress`] with the rows not as expected (and their differences) and the totals line
/// painted by `paint`.
pub fn regress_styled(results: &[ScenarioResult], timings: bool, paint: Palette) -> String {
    let dash = || "-".to_string();
    let rows: Vec<[String; 4]> = results
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.expected
                    .as_ref()
                    .map(|o| o.to_string())
                    .unwrap_or_else(dash),
                r.got.as_ref().map(|o| o.to_string()).unwrap_or_else(dash),
                r.status_word().to_string(),
            ]
        })
        .collect();
    let head = ["scenario", "expected", "got", "status"];
    let mut w = head.map(str::len);
    for row in &rows {
        for (i, c) in row.iter().enumerate() {
            w[i] = w[i].max(c.chars().count()).min(MAX_COLUMN);
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: [&str; 4], time: Option<String>, bad: bool| {
        let mut l = format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3]
        );
        if let Some(t) = time {
            l.push_str("  ");
            l.push_str(&t);
        }
        let l = l.trim_end();
        out.push_str(&if bad { paint.bad(l) } else { l.to_string() });
        out.push('\n');
    };
    line(&mut out, head, timings.then(|| "time".to_string()), false);
    for (r, row) in results.iter().zip(&rows) {
        let bad = matches!(r.status, Status::Mismatch { .. } | Status::Bad { .. });
        line(
            &mut out,
            [&row[0], &row[1], &row[2], &row[3]],
            timings.then(|| ms(r.elapsed)),
            bad,
        );
        match &r.status {
            Status::Mismatch { differences } => {
                for d in differences {
                    let text = format!(
                        "{}{}: expected {}, got {}",
                        d.key,
                        d.line.map(|l| format!(" (line {l})")).unwrap_or_default(),
                        d.expected,
                        d.found
                    );
                    out.push_str(&format!("    {}\n", paint.bad(&text)));
                }
            }
            Status::Bad { line, message, .. } => {
                let text = format!(
                    "{}{}",
                    line.map(|l| format!("line {l}: ")).unwrap_or_default(),
                    message
                );
                out.push_str(&format!("    {}\n", paint.bad(&text)));
            }
            Status::Pass | Status::Skipped => {}
        }
    }
    let t = Totals::of(results);
    let totals = format!(
        "{} scenarios: {} as expected, {} not as expected, {} bad, {} without [expect]",
        t.total, t.passed, t.mismatched, t.bad, t.skipped
    );
    out.push_str(&paint.verdict(t.mismatched == 0 && t.bad == 0, &totals));
    out.push('\n');
    out
}

fn pct(r: f64) -> String {
    format!("{:.1}%", r * 100.0)
}

fn fmt_margin(taps: u32, ps: f64, dq: u32) -> String {
    format!(
        "{taps} taps ({} ps) DQ{dq}",
        fmt_value((ps * 1e3).round() / 1e3)
    )
}

/// The table people read.
pub fn sweep(r: &SweepReport, axes: &[Axis]) -> String {
    let mut head: Vec<String> = r.axes.clone();
    head.extend(
        [
            "runs",
            "pass",
            "rate",
            "worst margin",
            "no edge",
            "failed stages",
        ]
        .map(String::from),
    );
    let rows: Vec<Vec<String>> = r
        .points
        .iter()
        .map(|p| {
            let mut row: Vec<String> = p.values.iter().map(|v| fmt_value(*v)).collect();
            row.push(p.runs.to_string());
            row.push(p.passes.to_string());
            row.push(pct(p.pass_rate));
            row.push(
                match (p.worst_margin_taps, p.worst_margin_ps, p.worst_margin_dq) {
                    (Some(t), Some(ps), Some(dq)) => fmt_margin(t, ps, dq),
                    _ => "-".into(),
                },
            );
            row.push(if p.no_edge_dq.is_empty() {
                "-".into()
            } else {
                p.no_edge_dq
                    .iter()
                    .map(|d| format!("DQ{d}"))
                    .collect::<Vec<_>>()
                    .join(",")
            });
            row.push(if p.failed_stages.is_empty() {
                "-".into()
            } else {
                p.failed_stages
                    .iter()
                    .map(|(s, n)| format!("{s} x{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            });
            row
        })
        .collect();
    let mut w: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (k, c) in row.iter().enumerate() {
            w[k] = w[k].max(c.chars().count()).min(MAX_COLUMN);
        }
    }
    let mut out = match &r.partial {
        None => format!(
            "sweep {}: {} grid points x {} runs (seeds {}..={})\n",
            r.scenario,
            r.points.len(),
            r.runs,
            r.seeds.0,
            r.seeds.1
        ),
        Some(s) => format!(
            "sweep {}: shard {}, {} of {} grid points x {} runs (seeds {}..={})\n",
            r.scenario,
            s.shard,
            r.points.len(),
            s.count,
            r.runs,
            r.seeds.0,
            r.seeds.1
        ),
    };
    let mut line = |cells: &[String]| {
        let l: Vec<String> = cells
            .iter()
            .zip(&w)
            .map(|(c, &wd)| format!("{c:<wd$}"))
            .collect();
        out.push_str(l.join("  ").trim_end());
        out.push('\n');
    };
    line(&head);
    for row in &rows {
        line(row);
    }
    if r.partial.is_some() {
        out.push_str("margin: over the whole grid, from `migcal merge` of every shard\n");
    } else {
        out.push_str(&margin_section(r, axes));
    }
    match r.worst_margin {
        Some((t, ps, dq, i)) => out.push_str(&format!(
            "worst per-DQ margin: {} at {}\n",
            fmt_margin(t, ps, dq),
            point_name(axes, &r.points[i].values)
        )),
        None => out.push_str("worst per-DQ margin: no line found an edge\n"),
    }
    out
}

/// Where the margin runs out along each axis (a whole grid's report only).
fn margin_section(r: &SweepReport, axes: &[Axis]) -> String {
    let mut out = String::new();
    out.push_str("margin:\n");
    for m in &r.margins {
        out.push_str(&format!("  {}: ", m.axis));
        let u = if m.unit == "°C" {
            " °C".to_string()
        } else {
            format!(" {}", m.unit)
        };
        let ax = axes.iter().find(|a| a.param.name() == m.axis);
        let whole = ax.map(|a| a.values.len()).unwrap_or(0);
        match m.full_pass {
            Some((lo, hi)) => {
                let n_full = ax
                    .map(|a| a.values.iter().filter(|&&v| v >= lo && v <= hi).count())
                    .unwrap_or(0);
                if n_full == whole {
                    out.push_str(&format!(
                        "100% pass over the whole grid ({}..{}{u})",
                        fmt_value(lo),
                        fmt_value(hi)
                    ));
                } else {
                    out.push_str(&format!(
                        "100% pass from {} to {}{u}",
                        fmt_value(lo),
                        fmt_value(hi)
                    ));
                }
                if let Some((v, rate)) = m.above {
                    out.push_str(&format!(
                        "; margin runs out at {}{u} ({} pass)",
                        fmt_value(v),
                        pct(rate)
                    ));
                }
                if let Some((v, rate)) = m.below {
                    out.push_str(&format!(
                        "; going down it runs out at {}{u} ({} pass)",
                        fmt_value(v),
                        pct(rate)
                    ));
                }
            }
            None => out.push_str("no value passes every run"),
        }
        out.push('\n');
        if let Some(n) = &m.note {
            out.push_str(&format!("    note: {n}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::regress::Status;
    use std::path::PathBuf;

    /// Regression (issue 19): a scenario name longer than a format width can be (u16::MAX)
    /// made the table panic with "Formatting argument out of range".
    #[test]
    fn a_very_long_scenario_name_does_not_panic_the_table() {
        let name = "d/".repeat(40_000) + "s.toml";
        let r = ScenarioResult {
            path: PathBuf::from(&name),
            name: name.clone(),
            expected: None,
            got: None,
            status: Status::Pass,
            elapsed: Duration::ZERO,
        };
        let table = regress(&[r], false);
        assert!(table.contains(&name));
        assert!(table.lines().next().unwrap().len() < MAX_COLUMN + 64);
    }
}
