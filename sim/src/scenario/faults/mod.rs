//! Which fault lists can be simulated at all: the data-bus and clocking faults here, the
//! command/address bus and the delay faults in `bus.rs`.

mod bus;

pub use bus::{odt_fault_key, BUS_ADDR_LINES, BUS_BANK_LINES};

use migcal_model::board::Fault;

/// Why a fault list cannot be simulated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key `{key}`: {message}")]
pub struct FaultError {
    /// The offending key (`fault[2].dq`).
    pub key: String,
    /// What was expected and what was found.
    pub message: String,
}

/// The error of key `fault[k].field`.
fn key_error(k: usize, field: &str, message: String) -> FaultError {
    FaultError {
        key: format!("fault[{k}].{field}"),
        message,
    }
}

/// Checks a fault list against a bus of `data_width` bits: indices in range, two lines of a
/// swap or bridge distinct, at most one connectivity fault (open, stuck, swap, bridge) per line,
/// one DM fault and one DQS fault per lane, CK either stopped or inverted, no fault given twice,
/// and a read-delay shift naming a line or a lane, not both.
pub fn validate_faults(faults: &[Fault], data_width: u32) -> Result<(), FaultError> {
    let err = key_error;
    let lanes = data_width / 8;
    let dq_ok = |k: usize, field: &str, v: u8| {
        if (v as u32) < data_width {
            Ok(())
        } else {
            Err(err(
                k,
                field,
                format!("expected a DQ line 0..={}, found {v}", data_width - 1),
            ))
        }
    };
    let lane_ok = |k: usize, field: &str, v: u8| {
        if (v as u32) < lanes {
            Ok(())
        } else {
            Err(err(
                k,
                field,
                format!("expected a byte lane 0..={}, found {v}", lanes.max(1) - 1),
            ))
        }
    };
    // Which fault already claims each line's connectivity, each lane's DM and DQS, and CK.
    let mut line_owner: Vec<Option<usize>> = vec![None; data_width as usize];
    let mut dm_owner: Vec<Option<usize>> = vec![None; lanes as usize];
    let mut dqs_owner: Vec<Option<usize>> = vec![None; lanes as usize];
    let mut ck_owner: Option<usize> = None;
    let mut cmd = bus::CmdClaims::default();
    let mut claim_line = |k: usize, field: &str, dq: u8| -> Result<(), FaultError> {
        let slot = &mut line_owner[dq as usize];
        if let Some(prev) = *slot {
            return Err(err(
                k,
                field,
                format!(
                    "DQ{dq} already has a connectivity fault (fault[{prev}]); a line can be open, stuck, swapped or bridged, not two of them"
                ),
            ));
        }
        *slot = Some(k);
        Ok(())
    };
    for (k, f) in faults.iter().enumerate() {
        match *f {
            Fault::DqOpen { dq, .. } | Fault::DqStuck { dq, .. } => {
                dq_ok(k, "dq", dq)?;
                claim_line(k, "dq", dq)?;
            }
            Fault::DqSwap { a, b } | Fault::DqBridge { a, b, .. } => {
                dq_ok(k, "a", a)?;
                dq_ok(k, "b", b)?;
                if a == b {
                    return Err(err(
                        k,
                        "b",
                        format!("expected a line other than `a` (DQ{a}), found the same line"),
                    ));
                }
                claim_line(k, "a", a)?;
                claim_line(k, "b", b)?;
            }
            Fault::DmStuck { lane, .. } => {
                lane_ok(k, "lane", lane)?;
                if let Some(prev) = dm_owner[lane as usize].replace(k) {
                    return Err(err(
                        k,
                        "lane",
                        format!("DM{lane} is already stuck (fault[{prev}]); it can be stuck at one level only"),
                    ));
                }
            }
            Fault::DqsOpen { lane } | Fault::DqsStuck { lane, .. } => {
                lane_ok(k, "lane", lane)?;
                if let Some(prev) = dqs_owner[lane as usize].replace(k) {
                    return Err(err(
                        k,
                        "lane",
                        format!("DQS{lane} already has a fault (fault[{prev}]); it can be open or stuck at one level, not both"),
                    ));
                }
            }
            Fault::CkStopped | Fault::CkInverted => {
                if let Some(prev) = ck_owner.replace(k) {
                    return Err(err(
                        k,
                        "kind",
                        format!("CK already has a fault (fault[{prev}]); it can be stopped or inverted, not both"),
                    ));
                }
            }
            Fault::RefclkMissing | Fault::DcmLockMissing => {
                if let Some(prev) = faults[..k].iter().position(|g| g == f) {
                    return Err(err(
                        k,
                        "kind",
                        format!("the same fault is already given as fault[{prev}]"),
                    ));
                }
            }
            Fault::CmdStuck { .. }
            | Fault::CmdOpen { .. }
            | Fault::CmdSwap { .. }
            | Fault::CmdBridge { .. } => cmd.check(k, f)?,
            Fault::DqDelay { dq, lane, ps, .. } => {
                bus::line_or_lane(k, dq, lane, &dq_ok, &lane_ok)?;
                bus::delay_ps(k, ps)?;
            }
            Fault::DqsDelay { lane, ps, .. } => {
                lane_ok(k, "lane", lane)?;
                bus::delay_ps(k, ps)?;
            }
            Fault::ReadDelayShift { dq, lane, ps } => {
                match (dq, lane) {
                    (Some(_), Some(_)) => {
                        return Err(err(
                            k,
                            "lane",
                            "give `dq` (one line) or `lane` (a byte lane) or neither (every line), not both".to_string(),
                        ))
                    }
                    (Some(d), None) => dq_ok(k, "dq", d)?,
                    (None, Some(l)) => lane_ok(k, "lane", l)?,
                    (None, None) => {}
                }
                if !(-5000..=5000).contains(&ps) {
                    return Err(err(
                        k,
                        "ps",
                        format!("expected -5000..=5000 ps, found {ps}"),
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use migcal_model::board::{BridgeAt, BridgeMode, Pull};

    #[test]
    fn validation_names_the_key() {
        let e = |f: Vec<Fault>| validate_faults(&f, 16).unwrap_err().key;
        assert_eq!(
            e(vec![Fault::DqStuck { dq: 16, high: true }]),
            "fault[0].dq"
        );
        assert_eq!(e(vec![Fault::DqsOpen { lane: 2 }]), "fault[0].lane");
        assert_eq!(e(vec![Fault::DqSwap { a: 3, b: 3 }]), "fault[0].b");
        assert_eq!(
            e(vec![
                Fault::DqOpen {
                    dq: 3,
                    pull: Pull::Down
                },
                Fault::DqBridge {
                    a: 4,
                    b: 3,
                    mode: BridgeMode::Or,
                    at: BridgeAt::Trace,
                },
            ]),
            "fault[1].b"
        );
        assert_eq!(
            e(vec![
                Fault::DmStuck {
                    lane: 0,
                    high: true
                },
                Fault::DmStuck {
                    lane: 0,
                    high: false
                },
            ]),
            "fault[1].lane"
        );
        assert_eq!(
            e(vec![
                Fault::DqsOpen { lane: 1 },
                Fault::DqsStuck {
                    lane: 1,
                    high: true
                }
            ]),
            "fault[1].lane"
        );
        assert_eq!(
            e(vec![Fault::CkStopped, Fault::CkInverted]),
            "fault[1].kind"
        );
        assert_eq!(
            e(vec![Fault::RefclkMissing, Fault::RefclkMissing]),
            "fault[1].kind"
        );
        assert_eq!(
            e(vec![Fault::ReadDelayShift {
                dq: Some(1),
                lane: Some(0),
                ps: 5
            }]),
            "fault[0].lane"
        );
        let m = validate_faults(&[Fault::DqStuck { dq: 20, high: true }], 16)
            .unwrap_err()
            .to_string();
        assert!(m.contains("0..=15") && m.contains("20"), "{m}");
        // Different kinds on different lines combine.
        validate_faults(
            &[
                Fault::DqOpen {
                    dq: 3,
                    pull: Pull::Down,
                },
                Fault::DqSwap { a: 1, b: 9 },
                Fault::DqBridge {
                    a: 5,
                    b: 6,
                    mode: BridgeMode::And,
                    at: BridgeAt::Memory,
                },
                Fault::DmStuck {
                    lane: 1,
                    high: true,
                },
                Fault::DqsOpen { lane: 0 },
                Fault::ReadDelayShift {
                    dq: None,
                    lane: None,
                    ps: 100,
                },
                Fault::RefclkMissing,
            ],
            16,
        )
        .unwrap();
    }
}
