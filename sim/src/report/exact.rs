//! The text of the exact comparisons: `--replay`'s, and the catalogue's explanations.

use crate::diagnose::exact::{Comparison, Departure};
use crate::diagnose::fmt_ns;
use std::fmt::Write as _;

/// Where a departure is, in words: `cycle 48385 (241 927.5 ns)` (a quarter clock when not on
/// the rising edge).
pub(super) fn at(d: &Departure) -> String {
    let q = if d.quarter == 0 {
        String::new()
    } else {
        format!(" + {}/4", d.quarter)
    };
    match d.time_ps {
        Some(ps) => format!("cycle {}{q} ({})", d.cycle, fmt_ns(ps * 1000)),
        None => format!("cycle {}{q}", d.cycle),
    }
}

/// `departs first at cycle N on signal S (model X, capture Y)`.
pub(super) fn departs(d: &Departure) -> String {
    format!(
        "departs first at {} on {} (model {}, capture {})",
        at(d),
        d.signal,
        d.model,
        d.capture
    )
}

/// The `--replay` section.
pub(super) fn replay_text(o: &mut String, r: &Comparison) {
    let _ = writeln!(
        o,
        "\nreplay against the model ({} signals compared, cycles {}..{}{}):",
        r.compared.len(),
        r.window.0,
        r.window.1,
        r.aligned_on
            .as_ref()
            .map(|(l, off)| format!(", aligned on {l}, offset {off} cycles"))
            .unwrap_or_default()
    );
    match &r.first {
        None if r.compared.is_empty() => {
            let _ = writeln!(
                o,
                "  nothing compared: the model traces none of the capture's signals"
            );
        }
        None => {
            let _ = writeln!(o, "  the model explains the capture exactly");
        }
        Some(f) => {
            let _ = writeln!(o, "  {}", departs(f));
            for p in r.per_signal.iter().skip(1).take(8) {
                let _ = writeln!(
                    o,
                    "  then {} departs at {} (model {}, capture {})",
                    p.signal,
                    at(p),
                    p.model,
                    p.capture
                );
            }
        }
    }
    if !r.not_compared.is_empty() {
        let _ = writeln!(
            o,
            "  not compared (the model does not trace them): {}",
            r.not_compared.join(", ")
        );
    }
}

/// The catalogue's section: the exact explanations, or that there is none and the nearest.
pub(super) fn explanations_text(
    o: &mut String,
    x: &[crate::diagnose::explain::Explanation],
    searched: &[String],
) {
    let exact: Vec<_> = x.iter().filter(|e| e.exact).collect();
    match exact.len() {
        0 => {
            let _ = writeln!(
                o,
                "\nfault catalogue: nothing in the catalogue explains the capture exactly; nearest:"
            );
            for e in x {
                if let Some(d) = &e.first_departure {
                    let _ = writeln!(o, "  {}: {}", e.fault, departs(d));
                }
            }
        }
        1 => {
            let _ = writeln!(
                o,
                "\nfault catalogue: {} explains the capture exactly (every compared signal, the whole capture)",
                exact[0].fault
            );
        }
        n => {
            let _ = writeln!(
                o,
                "\nfault catalogue: {n} faults explain the capture exactly:"
            );
            for e in exact {
                let _ = writeln!(o, "  {}", e.fault);
            }
        }
    }
    for s in searched {
        let _ = writeln!(o, "  searched: {s}");
    }
}
