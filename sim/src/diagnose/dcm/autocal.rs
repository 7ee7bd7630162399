//! Rule [`FindingKind::AutocalShortReset`]: LOCKED rose after a RST shorter than 200 ms that
//! followed a CLKIN return (or by itself after the return), then fell again tens of
//! milliseconds later with RST low: the AR21435 autocalibration macro.

use super::{fmt_duration, DiagnoseParams, Evidence, Finding, FindingKind, Observation, Seen};
use super::{AUTOCAL_FINDING_TEXT, LOCKED, RST};
use migcal_model::dcm::Time;

const STATUS1_NOTE: &str = "CLKIN presence was not captured; it is taken from STATUS[1], which \
                            reads 0 before the first lock and after each RST";
const CLKIN_NOTE: &str = "CLKIN presence was not captured: the CLKIN stop and return before the \
                          reset are inferred from the LOCKED/RST pattern, not seen; a CLKIN stop \
                          over 100 ms or CLKIN jitter beyond the DCM's limits would also drop \
                          LOCKED. Capture dcm/clkin or dcm/status[1] to confirm";

/// One LOCKED stretch that has the autocalibration shape.
pub(super) struct Match {
    /// When CLKIN returned before the lock, if seen.
    clkin_return: Option<Time>,
    /// The short reset: (start, end, length after the CLKIN return).
    rst_part: Option<(Time, Time, Time)>,
    /// The CLKIN return was hidden from STATUS[1] (it reads 0 during RST).
    unseen_on_status1: bool,
}

/// Whether the stretch of LOCKED from `r` to `f` has the autocalibration shape.
pub(super) fn matches(
    seen: &Seen,
    obs: &Observation,
    p: &DiagnoseParams,
    r: Time,
    f: Time,
) -> Option<Match> {
    if !(p.autocal_unlock_min..=p.autocal_unlock_max).contains(&(f - r)) {
        return None;
    }
    let pulses = &seen.pulses;
    // The RST pulse this lock followed: the last one ending at or before the rise, unless
    // another lock came in between. Pulses are in time order and only the last may be
    // open, so their ends are sorted.
    let before = pulses.partition_point(|pl| pl.end.is_some_and(|e| e <= r));
    let pulse = before.checked_sub(1).and_then(|i| {
        let pl = pulses[i];
        let e = pl.end?;
        seen.locked
            .first_to_between(true, e, r)
            .is_none()
            .then_some((i, pl.start, e))
    });
    // The part of a pulse after CLKIN returned at `rt` (the 200 ms only count from there).
    let after_return = |start: Option<Time>, end: Time, rt: Time| {
        end.saturating_sub(start.unwrap_or(obs.start).max(rt))
    };
    let ret = seen
        .clkin
        .as_ref()
        .and_then(|c| c.last_to_at_or_before(true, r));
    let found = |clkin_return, rst_part, unseen_on_status1| Match {
        clkin_return,
        rst_part,
        unseen_on_status1,
    };
    match ret {
        Some(rt) => match pulse {
            Some((i, start, e)) if e >= rt => {
                let len = after_return(start, e, rt);
                // A long reset between the return and this one would have cleared it.
                let first = pulses.partition_point(|pl| pl.end.is_some_and(|pe| pe <= rt));
                let cleared = pulses[first..i].iter().any(|pl| {
                    pl.end
                        .is_some_and(|pe| after_return(pl.start, pe, rt) >= p.autocal_reset_min)
                });
                if cleared || len >= p.autocal_reset_min {
                    return None;
                }
                let s = start.unwrap_or(obs.start.max(rt));
                Some(found(Some(rt), Some((s, e, len)), false))
            }
            // No reset since CLKIN came back: the lock came by itself, in autocalibration.
            _ if seen.locked.first_to_between(true, rt, r).is_none() => {
                Some(found(Some(rt), None, false))
            }
            _ => None,
        },
        // CLKIN not seen (or its return hidden from STATUS[1]): judge by the pulse alone.
        None if seen.clkin.is_none() || seen.from_status1 => match pulse {
            Some((_, Some(s), e)) if e - s < p.autocal_reset_min => {
                Some(found(None, Some((s, e, e - s)), seen.from_status1))
            }
            _ => None,
        },
        None => None,
    }
}

/// Every autocalibration stretch, gathered into one finding.
#[derive(Default)]
pub(super) struct Collector {
    count: usize,
    evidence: Vec<Evidence>,
    unseen_on_status1: bool,
}

impl Collector {
    /// Adds the evidence of one matching stretch (LOCKED rose at `r`, fell at `f`).
    pub(super) fn add(&mut self, seen: &Seen, p: &DiagnoseParams, m: &Match, r: Time, f: Time) {
        self.count += 1;
        self.unseen_on_status1 |= m.unseen_on_status1;
        let ev = &mut self.evidence;
        if let Some(t) = m.clkin_return {
            ev.push(Evidence {
                signal: seen.clkin_signal,
                time: t,
                text: if seen.from_status1 {
                    "STATUS[1] fell: CLKIN returned".into()
                } else {
                    "CLKIN returned".into()
                },
            });
        }
        match (m.rst_part, m.clkin_return) {
            (Some((s, e, len)), _) => {
                ev.push(Evidence {
                    signal: RST,
                    time: s,
                    text: if len == e - s {
                        format!(
                            "RST high for {} (< {})",
                            fmt_duration(len),
                            fmt_duration(p.autocal_reset_min)
                        )
                    } else {
                        format!(
                            "RST high for {}, {} of it after CLKIN returned (< {})",
                            fmt_duration(e - s),
                            fmt_duration(len),
                            fmt_duration(p.autocal_reset_min)
                        )
                    },
                });
                ev.push(Evidence {
                    signal: LOCKED,
                    time: r,
                    text: format!("LOCKED rose {} after RST fell", fmt_duration(r - e)),
                });
            }
            (None, Some(rt)) => ev.push(Evidence {
                signal: LOCKED,
                time: r,
                text: format!(
                    "LOCKED rose {} after CLKIN returned, with no RST since",
                    fmt_duration(r - rt)
                ),
            }),
            (None, None) => {}
        }
        ev.push(Evidence {
            signal: LOCKED,
            time: f,
            text: format!(
                "LOCKED fell {} after rising, with RST low{}",
                fmt_duration(f - r),
                if seen.clkin.is_some() {
                    " and CLKIN running"
                } else {
                    ""
                }
            ),
        });
    }

    /// The one finding for all matching stretches, if there were any.
    pub(super) fn finding(self, seen: &Seen) -> Option<Finding> {
        if self.count == 0 {
            return None;
        }
        let mut note = if seen.clkin.is_none() {
            Some(CLKIN_NOTE.to_string())
        } else if seen.from_status1 {
            Some(if self.unseen_on_status1 {
                format!(
                    "{STATUS1_NOTE}; the CLKIN return before the reset was not seen on it, so \
                     that part is inferred from the LOCKED/RST pattern"
                )
            } else {
                STATUS1_NOTE.to_string()
            })
        } else {
            None
        };
        if self.count > 1 {
            let more = format!("seen {} times: every short reset repeats it", self.count);
            note = Some(match note {
                Some(n) => format!("{more}. {n}"),
                None => more,
            });
        }
        let mut evidence = self.evidence;
        evidence.sort_by_key(|e| e.time);
        Some(Finding {
            kind: FindingKind::AutocalShortReset,
            text: AUTOCAL_FINDING_TEXT.to_string(),
            note,
            evidence,
        })
    }
}
