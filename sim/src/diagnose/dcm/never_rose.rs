//! Rule: LOCKED never high in the capture (the MIG is then held in reset).

use super::{fmt_duration, Evidence, Finding, FindingKind, Observation, Seen, CLKIN, LOCKED, RST};

/// The finding when LOCKED never rose, with what the capture shows of why.
pub(super) fn finding(seen: &Seen, obs: &Observation) -> Option<Finding> {
    let locked = &seen.locked;
    if locked.initial == Some(true) || locked.rises().next().is_some() {
        return None;
    }
    let mut evidence = vec![Evidence {
        signal: LOCKED,
        time: obs.end,
        text: format!(
            "LOCKED low from {} to the capture end",
            fmt_duration(obs.start)
        ),
    }];
    let mut causes = Vec::new();
    if let Some(c) = seen.exact_clkin.as_ref() {
        match c.rises().last() {
            None if c.initial != Some(true) => {
                causes.push("CLKIN never toggled".to_string());
            }
            Some(t) if c.level_at(obs.end) == Some(true) => {
                evidence.push(Evidence {
                    signal: CLKIN,
                    time: t,
                    text: "CLKIN started".into(),
                });
            }
            _ => {}
        }
        if c.level_at(obs.end) == Some(false) {
            causes.push("CLKIN is stopped at the capture end".to_string());
        }
    }
    if let Some(pl) = seen.pulses.last() {
        if pl.end.is_none() {
            causes.push("RST is still high at the capture end".to_string());
            if let Some(s) = pl.start {
                evidence.push(Evidence {
                    signal: RST,
                    time: s,
                    text: "RST rose and stayed high".into(),
                });
            }
        }
    }
    let text = if causes.is_empty() {
        "DCM LOCKED never rose: the MIG is held in reset (dcm_lock low, init_state idle, no \
         command on the bus)"
            .to_string()
    } else {
        format!(
            "DCM LOCKED never rose ({}): the MIG is held in reset (dcm_lock low, init_state \
             idle, no command on the bus)",
            causes.join("; ")
        )
    };
    let mut unknown = Vec::new();
    if seen.exact_clkin.is_none() {
        unknown.push("CLKIN presence");
    }
    if seen.rst.is_none() {
        unknown.push("RST");
    }
    evidence.sort_by_key(|e| e.time);
    Some(Finding {
        kind: FindingKind::LockedNeverRose,
        text,
        note: (!unknown.is_empty()).then(|| {
            format!(
                "not captured: {}; if the capture is shorter than the DCM lock time it may \
                 simply end too early",
                unknown.join(", ")
            )
        }),
        evidence,
    })
}
