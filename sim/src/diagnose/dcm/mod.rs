//! The DCM diagnosis rule: what a capture of LOCKED and RST (and CLKIN presence, when it was
//! captured) says about the DCM.
//!
//! The rule is pure: it takes the timed level changes an analysis extracted from a trace (or that
//! [`Observation::from_model`] takes from a model run) and returns [`Finding`]s. Findings:
//! - [`FindingKind::AutocalShortReset`]: LOCKED rose after a RST shorter than 200 ms that followed
//!   a CLKIN return, then fell tens of milliseconds later with RST low and CLKIN running: the
//!   AR21435 autocalibration macro. Without a CLKIN capture the CLKIN return cannot be seen; the
//!   finding is still made from the LOCKED/RST shape (which nothing else in the DCM produces with a
//!   steady clock), and its [`Finding::note`] says the CLKIN part is inferred.
//! - [`FindingKind::RstTooShort`]: a RST shorter than 3 CLKIN cycles (needs the CLKIN period).
//! - [`FindingKind::LockedNeverRose`]: LOCKED never high in the capture.
//! - [`FindingKind::LockLostClkinStopped`] / [`FindingKind::LockLostUnexplained`]: any other fall of
//!   LOCKED with RST low.

mod autocal;
mod lock_lost;
mod never_rose;
mod rst_too_short;

use thiserror::Error;

pub use crate::analysis::dcm::{Edges, Observation};
pub use migcal_model::dcm::fmt_duration;
use migcal_model::dcm::{Params, Time};

/// The finding text for the autocalibration case (exact wording relied on by reports and tests).
pub const AUTOCAL_FINDING_TEXT: &str = "DCM autocalibration: reset shorter than 200 ms after CLKIN returned; set DCM_AUTOCALIBRATION = FALSE on DCM_BASE/DCM_ADV, or hold RST for at least 200 ms";

/// Canonical signal names used in evidence.
const LOCKED: &str = "dcm/locked";
const RST: &str = "dcm/rst";
const CLKIN: &str = "dcm/clkin";
const STATUS1: &str = "dcm/status[1]";

// The rule's reading of the analysis' edges: level queries over normalized changes.
impl Edges {
    /// Only the changes that change the level, checked for time order.
    fn normalized(&self, signal: &'static str) -> Result<Edges, DiagnoseError> {
        let mut out = Edges {
            initial: self.initial,
            changes: Vec::with_capacity(self.changes.len()),
        };
        let mut level = self.initial;
        let mut last: Option<Time> = None;
        for &(t, v) in &self.changes {
            if let Some(prev) = last.filter(|&p| t < p) {
                return Err(DiagnoseError::Unordered {
                    signal,
                    at: t,
                    previous: prev,
                });
            }
            last = Some(t);
            if level != Some(v) {
                out.changes.push((t, v));
                level = Some(v);
            }
        }
        Ok(out)
    }

    fn level_at(&self, t: Time) -> Option<bool> {
        let upto = self.changes.partition_point(|c| c.0 <= t);
        if upto == 0 {
            self.initial
        } else {
            Some(self.changes[upto - 1].1)
        }
    }

    /// The last change to `value` at or before `t`. Needs normalized (alternating) changes, so
    /// only the last two changes up to `t` are looked at.
    fn last_to_at_or_before(&self, value: bool, t: Time) -> Option<Time> {
        let upto = self.changes.partition_point(|c| c.0 <= t);
        self.changes[upto.saturating_sub(2)..upto]
            .iter()
            .rev()
            .find(|c| c.1 == value)
            .map(|c| c.0)
    }

    /// The first change to `value` strictly between `lo` and `hi` (normalized changes).
    fn first_to_between(&self, value: bool, lo: Time, hi: Time) -> Option<Time> {
        let from = self.changes.partition_point(|c| c.0 <= lo);
        self.changes[from..]
            .iter()
            .take(2)
            .find(|c| c.1 == value && c.0 < hi)
            .map(|c| c.0)
    }

    /// Rising-edge times.
    fn rises(&self) -> impl Iterator<Item = Time> + '_ {
        self.changes.iter().filter(|c| c.1).map(|c| c.0)
    }
}

/// The rule's findings on what an analysis saw of the DCM (none when LOCKED is not captured).
pub fn findings(f: &crate::analysis::Facts) -> Vec<Finding> {
    // The rule only fails on out-of-order input, which a loaded capture cannot hold.
    f.dcm
        .as_ref()
        .map(|obs| diagnose(obs, &DiagnoseParams::default()).unwrap_or_default())
        .unwrap_or_default()
}

/// Thresholds of the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiagnoseParams {
    /// Minimum RST pulse in CLKIN cycles (3).
    pub rst_min_clkin_cycles: u32,
    /// The RST length that clears autocalibration (200 ms).
    pub autocal_reset_min: Time,
    /// Shortest rise-to-fall time taken as the autocalibration unlock.
    pub autocal_unlock_min: Time,
    /// Longest rise-to-fall time taken as the autocalibration unlock.
    pub autocal_unlock_max: Time,
}

impl From<&Params> for DiagnoseParams {
    /// The model's thresholds; "tens of milliseconds" is taken as a tenth to ten times
    /// `autocal_unlock_delay` (3 ms to 300 ms with the defaults), because the real delay is not
    /// known.
    fn from(p: &Params) -> Self {
        DiagnoseParams {
            rst_min_clkin_cycles: p.rst_min_clkin_cycles,
            autocal_reset_min: p.autocal_reset_min,
            autocal_unlock_min: p.autocal_unlock_delay / 10,
            autocal_unlock_max: p.autocal_unlock_delay.saturating_mul(10),
        }
    }
}

impl Default for DiagnoseParams {
    fn default() -> Self {
        DiagnoseParams::from(&Params::default())
    }
}

/// What kind of finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The AR21435 autocalibration macro defeating short resets.
    AutocalShortReset,
    /// A RST shorter than `rst_min_clkin_cycles`.
    RstTooShort,
    /// LOCKED never high.
    LockedNeverRose,
    /// LOCKED fell while CLKIN was stopped.
    LockLostClkinStopped,
    /// LOCKED fell with RST low and no cause the rule knows.
    LockLostUnexplained,
}

/// One fact supporting a finding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evidence {
    /// Canonical signal name (`dcm/locked`, `dcm/rst`, `dcm/clkin`).
    pub signal: &'static str,
    /// When, femtoseconds.
    pub time: Time,
    /// What happened there.
    pub text: String,
}

/// One conclusion of the rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Kind of finding.
    pub kind: FindingKind,
    /// The cause and the fix, in words.
    pub text: String,
    /// What the rule could not see or had to infer (e.g. CLKIN not captured).
    pub note: Option<String>,
    /// Supporting events, in time order.
    pub evidence: Vec<Evidence>,
}

/// Input the rule cannot use.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DiagnoseError {
    /// Changes of a signal out of time order.
    #[error("{signal}: change at {at} fs comes after one at {previous} fs; expected time order")]
    Unordered {
        /// Signal name.
        signal: &'static str,
        /// The offending time.
        at: Time,
        /// The time before it.
        previous: Time,
    },
    /// A capture window that ends before it starts.
    #[error("capture window ends at {end} fs before it starts at {start} fs")]
    BadWindow {
        /// Window start.
        start: Time,
        /// Window end.
        end: Time,
    },
}

#[derive(Debug, Clone, Copy)]
struct Pulse {
    /// Rise, or `None` if RST was already high at the capture start.
    start: Option<Time>,
    /// Fall, or `None` if still high at the capture end.
    end: Option<Time>,
}

fn pulses(rst: &Edges) -> Vec<Pulse> {
    let mut out = Vec::new();
    let mut open: Option<Option<Time>> = (rst.initial == Some(true)).then_some(None);
    for &(t, v) in &rst.changes {
        match (v, open) {
            (true, _) => open = Some(Some(t)),
            (false, Some(s)) => {
                out.push(Pulse {
                    start: s,
                    end: Some(t),
                });
                open = None;
            }
            // A fall from an unknown level: the pulse start is not known.
            (false, None) => out.push(Pulse {
                start: None,
                end: Some(t),
            }),
        }
    }
    if let Some(s) = open {
        out.push(Pulse {
            start: s,
            end: None,
        });
    }
    out
}

/// The rule's inputs, normalized once: what every finding reads.
struct Seen {
    locked: Edges,
    rst: Option<Edges>,
    /// CLKIN presence as captured.
    exact_clkin: Option<Edges>,
    /// CLKIN presence: the clock itself, or else STATUS[1] inverted.
    clkin: Option<Edges>,
    /// True when `clkin` comes from STATUS[1].
    from_status1: bool,
    /// The signal CLKIN evidence names.
    clkin_signal: &'static str,
    /// RST pulses in time order.
    pulses: Vec<Pulse>,
}

impl Seen {
    fn new(obs: &Observation) -> Result<Seen, DiagnoseError> {
        let locked = obs.locked.normalized(LOCKED)?;
        let rst = obs.rst.as_ref().map(|r| r.normalized(RST)).transpose()?;
        let exact_clkin = obs
            .clkin_present
            .as_ref()
            .map(|c| c.normalized(CLKIN))
            .transpose()?;
        let status1 = obs
            .status1
            .as_ref()
            .map(|c| c.normalized(STATUS1))
            .transpose()?;
        let from_status1 = exact_clkin.is_none() && status1.is_some();
        let clkin = exact_clkin.clone().or_else(|| {
            status1.map(|s| Edges {
                initial: s.initial.map(|v| !v),
                changes: s.changes.iter().map(|&(t, v)| (t, !v)).collect(),
            })
        });
        let pulses = rst.as_ref().map_or_else(Vec::new, pulses);
        Ok(Seen {
            locked,
            rst,
            exact_clkin,
            clkin,
            from_status1,
            clkin_signal: if from_status1 { STATUS1 } else { CLKIN },
            pulses,
        })
    }
}

/// Runs the rule. Findings come in a fixed order (by kind, then time) so output is deterministic.
pub fn diagnose(obs: &Observation, p: &DiagnoseParams) -> Result<Vec<Finding>, DiagnoseError> {
    if obs.end < obs.start {
        return Err(DiagnoseError::BadWindow {
            start: obs.start,
            end: obs.end,
        });
    }
    let seen = Seen::new(obs)?;
    let mut findings = lock_lost::findings(&seen, obs, p);
    findings.extend(rst_too_short::findings(&seen, obs, p));
    findings.extend(never_rose::finding(&seen, obs));
    findings.sort_by_key(|f| (f.kind, f.evidence.first().map(|e| e.time)));
    Ok(findings)
}

fn fmt_cycles(len: Time, period: Time) -> String {
    let milli = u128::from(len) * 1000 / u128::from(period.max(1));
    let s = format!("{}.{:03}", milli / 1000, milli % 1000);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    use migcal_model::dcm::{FS_PER_MS, FS_PER_NS};

    const MS: Time = FS_PER_MS;

    fn edges(initial: bool, changes: &[(Time, bool)]) -> Edges {
        Edges {
            initial: Some(initial),
            changes: changes.to_vec(),
        }
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(fmt_duration(200 * MS), "200 ms");
        assert_eq!(fmt_duration(1_500_000_000_000), "1.5 ms");
        assert_eq!(fmt_duration(15 * FS_PER_NS), "15 ns");
        assert_eq!(fmt_duration(2 * MS + 1), "2.000000000001 ms");
        assert_eq!(fmt_duration(0), "0 fs");
        assert_eq!(fmt_cycles(15 * FS_PER_NS, 5 * FS_PER_NS), "3");
        assert_eq!(fmt_cycles(7_500_000, 5 * FS_PER_NS), "1.5");
    }

    #[test]
    fn autocal_shape_without_clkin_is_found_with_a_note() {
        let obs = Observation {
            start: 0,
            end: 100 * MS,
            locked: edges(false, &[(12 * MS, true), (42 * MS, false)]),
            rst: Some(edges(false, &[(10 * MS, true), (11 * MS, false)])),
            clkin_present: None,
            clkin_period: None,
            status1: None,
        };
        let f = diagnose(&obs, &DiagnoseParams::default()).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, FindingKind::AutocalShortReset);
        assert_eq!(f[0].text, AUTOCAL_FINDING_TEXT);
        assert!(f[0].note.as_ref().unwrap().contains("not captured"));
        let times: Vec<_> = f[0].evidence.iter().map(|e| e.time).collect();
        assert_eq!(times, vec![10 * MS, 12 * MS, 42 * MS]);
    }

    #[test]
    fn a_fall_long_after_the_lock_is_not_autocal() {
        let obs = Observation {
            start: 0,
            end: 2000 * MS,
            locked: edges(false, &[(12 * MS, true), (1012 * MS, false)]),
            rst: Some(edges(false, &[(10 * MS, true), (11 * MS, false)])),
            clkin_present: None,
            clkin_period: None,
            status1: None,
        };
        let f = diagnose(&obs, &DiagnoseParams::default()).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, FindingKind::LockLostUnexplained);
    }

    #[test]
    fn with_clkin_known_and_never_stopped_the_rule_does_not_blame_autocal() {
        let obs = Observation {
            start: 0,
            end: 100 * MS,
            locked: edges(true, &[(10 * MS, false), (12 * MS, true), (42 * MS, false)]),
            rst: Some(edges(false, &[(10 * MS, true), (11 * MS, false)])),
            clkin_present: Some(edges(true, &[])),
            clkin_period: Some(5 * FS_PER_NS),
            status1: None,
        };
        let f = diagnose(&obs, &DiagnoseParams::default()).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, FindingKind::LockLostUnexplained);
        assert!(f[0].note.is_none());
    }

    #[test]
    fn unordered_changes_are_an_error() {
        let obs = Observation {
            end: 10,
            locked: edges(false, &[(5, true), (3, false)]),
            ..Observation::default()
        };
        assert_eq!(
            diagnose(&obs, &DiagnoseParams::default()).unwrap_err(),
            DiagnoseError::Unordered {
                signal: LOCKED,
                at: 3,
                previous: 5
            }
        );
    }

    #[test]
    fn never_rose_names_what_is_known() {
        let obs = Observation {
            start: 0,
            end: 10 * MS,
            locked: edges(false, &[]),
            rst: Some(edges(false, &[(MS, true)])),
            clkin_present: Some(edges(false, &[])),
            clkin_period: None,
            status1: None,
        };
        let f = diagnose(&obs, &DiagnoseParams::default()).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, FindingKind::LockedNeverRose);
        assert!(f[0].text.contains("CLKIN never toggled"), "{}", f[0].text);
        assert!(f[0].text.contains("RST is still high"), "{}", f[0].text);
        assert!(f[0].note.is_none());
    }
}
