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
    let mut claims = Claims::new(data_width);
    for (k, f) in faults.iter().enumerate() {
        claims.check(k, f, &faults[..k])?;
    }
    Ok(())
}

/// The bus a fault list is checked against, and which fault already claims each line's
/// connectivity, each lane's DM and DQS, CK and each command pin.
struct Claims {
    data_width: u32,
    lanes: u32,
    line_owner: Vec<Option<usize>>,
    dm_owner: Vec<Option<usize>>,
    dqs_owner: Vec<Option<usize>>,
    ck_owner: Option<usize>,
    cmd: bus::CmdClaims,
}

impl Claims {
    fn new(data_width: u32) -> Claims {
        let lanes = data_width / 8;
        Claims {
            data_width,
            lanes,
            line_owner: vec![None; data_width as usize],
            dm_owner: vec![None; lanes as usize],
            dqs_owner: vec![None; lanes as usize],
            ck_owner: None,
            cmd: bus::CmdClaims::default(),
        }
    }

    fn dq_ok(&self, k: usize, field: &str, v: u8) -> Result<(), FaultError> {
        if (v as u32) < self.data_width {
            Ok(())
        } else {
            Err(key_error(
                k,
                field,
                format!("expected a DQ line 0..={}, found {v}", self.data_width - 1),
            ))
        }
    }

    fn lane_ok(&self, k: usize, field: &str, v: u8) -> Result<(), FaultError> {
        if (v as u32) < self.lanes {
            Ok(())
        } else {
            Err(key_error(
                k,
                field,
                format!(
                    "expected a byte lane 0..={}, found {v}",
                    self.lanes.max(1) - 1
                ),
            ))
        }
    }

    /// A line in range whose connectivity no earlier fault claims.
    fn claim_line(&mut self, k: usize, field: &str, dq: u8) -> Result<(), FaultError> {
        self.dq_ok(k, field, dq)?;
        match self.line_owner[dq as usize].replace(k) {
            Some(prev) => Err(key_error(
                k,
                field,
                format!(
                    "DQ{dq} already has a connectivity fault (fault[{prev}]); a line can be open, stuck, swapped or bridged, not two of them"
                ),
            )),
            None => Ok(()),
        }
    }

    fn line_or_lane(&self, k: usize, dq: Option<u8>, lane: Option<u8>) -> Result<(), FaultError> {
        bus::line_or_lane(k, dq, lane, &|k, f, v| self.dq_ok(k, f, v), &|k, f, v| {
            self.lane_ok(k, f, v)
        })
    }

    /// Fault `k` (`earlier` are the faults before it).
    fn check(&mut self, k: usize, f: &Fault, earlier: &[Fault]) -> Result<(), FaultError> {
        match *f {
            Fault::DqOpen { dq, .. } | Fault::DqStuck { dq, .. } => self.claim_line(k, "dq", dq),
            Fault::DqSwap { a, b } | Fault::DqBridge { a, b, .. } => {
                self.dq_ok(k, "a", a)?;
                self.dq_ok(k, "b", b)?;
                if a == b {
                    return Err(key_error(
                        k,
                        "b",
                        format!("expected a line other than `a` (DQ{a}), found the same line"),
                    ));
                }
                self.claim_line(k, "a", a)?;
                self.claim_line(k, "b", b)
            }
            Fault::DmStuck { lane, .. } => {
                self.lane_ok(k, "lane", lane)?;
                match self.dm_owner[lane as usize].replace(k) {
                    Some(prev) => Err(key_error(
                        k,
                        "lane",
                        format!("DM{lane} is already stuck (fault[{prev}]); it can be stuck at one level only"),
                    )),
                    None => Ok(()),
                }
            }
            Fault::DqsOpen { lane } | Fault::DqsStuck { lane, .. } => {
                self.lane_ok(k, "lane", lane)?;
                match self.dqs_owner[lane as usize].replace(k) {
                    Some(prev) => Err(key_error(
                        k,
                        "lane",
                        format!("DQS{lane} already has a fault (fault[{prev}]); it can be open or stuck at one level, not both"),
                    )),
                    None => Ok(()),
                }
            }
            Fault::CkStopped | Fault::CkInverted => match self.ck_owner.replace(k) {
                Some(prev) => Err(key_error(
                    k,
                    "kind",
                    format!("CK already has a fault (fault[{prev}]); it can be stopped or inverted, not both"),
                )),
                None => Ok(()),
            },
            Fault::RefclkMissing | Fault::DcmLockMissing => {
                match earlier.iter().position(|g| g == f) {
                    Some(prev) => Err(key_error(
                        k,
                        "kind",
                        format!("the same fault is already given as fault[{prev}]"),
                    )),
                    None => Ok(()),
                }
            }
            Fault::CmdStuck { .. }
            | Fault::CmdOpen { .. }
            | Fault::CmdSwap { .. }
            | Fault::CmdBridge { .. } => self.cmd.check(k, f),
            Fault::DqDelay { dq, lane, ps, .. } | Fault::ReadDelayShift { dq, lane, ps } => {
                self.line_or_lane(k, dq, lane)?;
                bus::delay_ps(k, ps)
            }
            Fault::DqsDelay { lane, ps, .. } => {
                self.lane_ok(k, "lane", lane)?;
                bus::delay_ps(k, ps)
            }
        }
    }
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
