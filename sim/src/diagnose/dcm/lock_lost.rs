//! Rules on each fall of LOCKED with RST low: CLKIN was stopped
//! ([`FindingKind::LockLostClkinStopped`]), the autocalibration shape ([`super::autocal`]), or
//! no cause the rule knows ([`FindingKind::LockLostUnexplained`]).

use super::autocal;
use super::{fmt_duration, DiagnoseParams, Edges, Evidence, Finding, FindingKind};
use super::{Observation, Seen, LOCKED};
use migcal_model::dcm::Time;

/// LOCKED high stretches with a known rise and a fall inside the capture.
fn stretches(locked: &Edges) -> Vec<(Time, Time)> {
    let mut stretches = Vec::new();
    let mut rise: Option<Time> = None;
    for &(t, v) in &locked.changes {
        if v {
            rise = Some(t);
        } else if let Some(r) = rise.take() {
            stretches.push((r, t));
        }
    }
    stretches
}

/// The findings of every fall of LOCKED: CLKIN-stopped ones first, then the autocalibration
/// finding (one for all its falls), then the unexplained ones.
pub(super) fn findings(seen: &Seen, obs: &Observation, p: &DiagnoseParams) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut autocal = autocal::Collector::default();
    let mut other_falls: Vec<(Time, Time)> = Vec::new();
    // A fall of LOCKED that RST itself explains is no finding.
    let rst_high_at = |t: Time| seen.rst.as_ref().and_then(|r| r.level_at(t)) == Some(true);
    for (r, f) in stretches(&seen.locked) {
        if rst_high_at(f) {
            continue;
        }
        // Blame a stop only if CLKIN was still stopped when LOCKED fell: a stop under 100 ms
        // that ended before leaves LOCKED high in the DCM.
        let stopped_between = seen.clkin.as_ref().and_then(|c| {
            (c.level_at(f) == Some(false))
                .then(|| c.last_to_at_or_before(false, f))
                .flatten()
        });
        if let Some(stop) = stopped_between {
            findings.push(clkin_stopped(seen, stop, f));
            continue;
        }
        match autocal::matches(seen, obs, p, r, f) {
            Some(m) => autocal.add(seen, p, &m, r, f),
            None => other_falls.push((r, f)),
        }
    }
    findings.extend(autocal.finding(seen));
    findings.extend(
        other_falls
            .into_iter()
            .map(|(r, f)| unexplained(seen, r, f)),
    );
    findings
}

/// LOCKED fell at `f` while CLKIN was stopped (since `stop`).
fn clkin_stopped(seen: &Seen, stop: Time, f: Time) -> Finding {
    Finding {
        kind: FindingKind::LockLostClkinStopped,
        text: format!(
            "LOCKED fell while CLKIN was stopped (stopped {} before); a CLKIN stop over \
             100 ms loses lock and only a RST brings it back",
            fmt_duration(f - stop)
        ),
        note: None,
        evidence: vec![
            Evidence {
                signal: seen.clkin_signal,
                time: stop,
                text: "CLKIN stopped".into(),
            },
            Evidence {
                signal: LOCKED,
                time: f,
                text: "LOCKED fell".into(),
            },
        ],
    }
}

/// LOCKED rose at `r` and fell at `f` with RST low, for no reason the rule knows.
fn unexplained(seen: &Seen, r: Time, f: Time) -> Finding {
    Finding {
        kind: FindingKind::LockLostUnexplained,
        text: format!(
            "LOCKED fell {} after rising, with RST low and no CLKIN stop seen",
            fmt_duration(f - r)
        ),
        note: (seen.exact_clkin.is_none()).then(|| {
            "CLKIN presence was not captured: a CLKIN stop over 100 ms or CLKIN jitter \
             beyond the DCM's limits would explain it"
                .to_string()
        }),
        evidence: vec![
            Evidence {
                signal: LOCKED,
                time: r,
                text: "LOCKED rose".into(),
            },
            Evidence {
                signal: LOCKED,
                time: f,
                text: "LOCKED fell".into(),
            },
        ],
    }
}
