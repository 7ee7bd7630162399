//! The per-DQ view of the tap sweep: the report's scan line and margin of each line, and the
//! capture signal a line's sweep was read from.

use super::{PerDq, RuleConfig};

/// The capture signal a line's sweep was read from, for the evidence.
pub(super) fn sweep_signal(s: &crate::analysis::DqSweep) -> String {
    use crate::analysis::SweepSource;
    match s.source {
        SweepSource::IdelayTap => format!("idelay_dq[{}]/tap", s.dq),
        SweepSource::PerLineCe => format!("tap_logic/data_idelay_ce[{}]", s.dq),
        SweepSource::GroupCeWithSelect | SweepSource::GroupCeOrder => {
            format!("tap_logic/dlyce_dqs[{}]", s.group)
        }
    }
}

/// A line's sweep as the report shows it: one character per tap (see [`scan_legend`](super::scan_legend)),
/// the edge and the margin.
pub(super) fn per_dq_summary(s: &crate::analysis::DqSweep, cfg: &RuleConfig) -> PerDq {
    let mut scan = vec![b'.'; 64];
    for t in 0..=s.start_tap.min(63) {
        scan[t as usize] = b'g';
    }
    if s.walked {
        for i in 1..=s.walk_incs.min(63) {
            scan[((s.start_tap + i) % 64) as usize] = b'-';
        }
        if let Some(e) = s.edge_tap {
            scan[e as usize] = b'e';
        }
        scan[s.peak_tap as usize] = if s.ceiling {
            b'X'
        } else if s.walk_incs > 0 {
            b'^'
        } else {
            scan[s.peak_tap as usize]
        };
    }
    scan[s.final_tap as usize] = b'F';
    let margin_taps = s.edge_tap.map(|e| (e + 64 - s.final_tap) % 64);
    PerDq {
        dq: s.dq,
        walked: s.walked,
        start_tap: s.start_tap,
        peak_tap: s.peak_tap,
        final_tap: s.final_tap,
        ceiling: s.ceiling,
        edge_tap: s.edge_tap,
        margin_taps,
        margin_ps: margin_taps.map(|m| m as f64 * cfg.tap_ps),
        scan: String::from_utf8(scan).unwrap_or_default(),
    }
}
