//! The CSV of `sweep --csv` (and of `merge` over its shards): one row per grid point, empty
//! cells where there is no value. Written with the `csv` crate, so a cell that ever needs
//! quoting gets it by the RFC 4180 rules rather than by hand.

use crate::evaluate::axis::fmt_value;
use crate::evaluate::sweep::SweepReport;

/// The CSV document.
pub fn sweep(r: &SweepReport) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut head: Vec<String> = r.axes.clone();
    head.extend(
        [
            "runs",
            "passes",
            "pass_rate",
            "worst_margin_taps",
            "worst_margin_ps",
            "worst_margin_dq",
            "no_edge_dq",
            "failed_stages",
        ]
        .map(String::from),
    );
    // Writing into a Vec cannot fail; a record is dropped only if it could.
    let _ = w.write_record(&head);
    let opt = |x: Option<String>| x.unwrap_or_default();
    for p in &r.points {
        let mut cells: Vec<String> = p.values.iter().map(|v| fmt_value(*v)).collect();
        cells.push(p.runs.to_string());
        cells.push(p.passes.to_string());
        cells.push(fmt_value(p.pass_rate));
        cells.push(opt(p.worst_margin_taps.map(|t| t.to_string())));
        cells.push(opt(p.worst_margin_ps.map(fmt_value)));
        cells.push(opt(p.worst_margin_dq.map(|d| d.to_string())));
        // Lists inside a cell use ';' so a spreadsheet splits nothing and no cell is quoted.
        cells.push(
            p.no_edge_dq
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(";"),
        );
        cells.push(
            p.failed_stages
                .iter()
                .map(|(s, n)| format!("{s}:{n}"))
                .collect::<Vec<_>>()
                .join(";"),
        );
        let _ = w.write_record(&cells);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}
