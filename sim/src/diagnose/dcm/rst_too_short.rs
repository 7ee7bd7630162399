//! Rule: a RST shorter than `rst_min_clkin_cycles` CLKIN cycles (needs the CLKIN period).

use super::{fmt_cycles, fmt_duration, DiagnoseParams, Evidence, Finding, FindingKind};
use super::{Observation, Seen, RST};
use migcal_model::dcm::Time;

/// One finding per RST pulse shorter than the DCM takes.
pub(super) fn findings(seen: &Seen, obs: &Observation, p: &DiagnoseParams) -> Vec<Finding> {
    let mut findings = Vec::new();
    let Some(period) = obs.clkin_period else {
        return findings;
    };
    let min = period.saturating_mul(Time::from(p.rst_min_clkin_cycles));
    for pl in &seen.pulses {
        if let (Some(s), Some(e)) = (pl.start, pl.end) {
            if e - s < min {
                findings.push(Finding {
                    kind: FindingKind::RstTooShort,
                    text: format!(
                        "RST shorter than {} CLKIN cycles: high for {} ({} cycles of {}); \
                         the DCM needs at least {} and its LOCKED is then undefined",
                        p.rst_min_clkin_cycles,
                        fmt_duration(e - s),
                        fmt_cycles(e - s, period),
                        fmt_duration(period),
                        fmt_duration(min)
                    ),
                    note: None,
                    evidence: vec![
                        Evidence {
                            signal: RST,
                            time: s,
                            text: "RST rose".into(),
                        },
                        Evidence {
                            signal: RST,
                            time: e,
                            text: "RST fell".into(),
                        },
                    ],
                });
            }
        }
    }
    findings
}
