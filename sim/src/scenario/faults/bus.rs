//! Validation of the command/address bus faults and of the DQ/DQS delay faults.

use super::{key_error as err, FaultError};
use migcal_model::board::{CmdPin, Fault};
use std::collections::HashMap;

/// Address lines the model's bus has (A0..A12, what both profiles drive and trace).
pub const BUS_ADDR_LINES: u8 = 13;
/// Bank-address lines the model's bus has (BA0..BA1).
pub const BUS_BANK_LINES: u8 = 2;

/// Which fault already claims each command/address line.
#[derive(Default)]
pub(super) struct CmdClaims {
    owner: HashMap<CmdPin, usize>,
}

fn pin_ok(k: usize, field: &str, pin: CmdPin) -> Result<(), FaultError> {
    match pin {
        CmdPin::A(n) if n >= BUS_ADDR_LINES => Err(err(
            k,
            field,
            format!(
                "expected an address line a0..a{} (the model's bus), found {pin}",
                BUS_ADDR_LINES - 1
            ),
        )),
        CmdPin::Ba(n) if n >= BUS_BANK_LINES => Err(err(
            k,
            field,
            format!(
                "expected a bank-address line ba0..ba{} (the model's bus), found {pin}",
                BUS_BANK_LINES - 1
            ),
        )),
        _ => Ok(()),
    }
}

impl CmdClaims {
    fn claim(&mut self, k: usize, field: &str, pin: CmdPin) -> Result<(), FaultError> {
        pin_ok(k, field, pin)?;
        if let Some(prev) = self.owner.insert(pin, k) {
            return Err(err(
                k,
                field,
                format!(
                    "{pin} already has a fault (fault[{prev}]); a command/address line can be stuck, open, swapped or bridged, not two of them"
                ),
            ));
        }
        Ok(())
    }

    /// Checks one command/address fault: lines on the bus, two distinct lines for a swap or
    /// bridge, one fault per line.
    pub(super) fn check(&mut self, k: usize, f: &Fault) -> Result<(), FaultError> {
        match *f {
            Fault::CmdStuck { pin, .. } | Fault::CmdOpen { pin, .. } => self.claim(k, "pin", pin),
            Fault::CmdSwap { a, b } | Fault::CmdBridge { a, b, .. } => {
                if a == b {
                    return Err(err(
                        k,
                        "b",
                        format!("expected a line other than `a` ({a}), found the same line"),
                    ));
                }
                self.claim(k, "a", a)?;
                self.claim(k, "b", b)
            }
            _ => Ok(()),
        }
    }
}

/// A fault that names `dq` (one line) or `lane` (a byte lane) or neither (every line).
pub(super) fn line_or_lane(
    k: usize,
    dq: Option<u8>,
    lane: Option<u8>,
    dq_ok: &dyn Fn(usize, &str, u8) -> Result<(), FaultError>,
    lane_ok: &dyn Fn(usize, &str, u8) -> Result<(), FaultError>,
) -> Result<(), FaultError> {
    match (dq, lane) {
        (Some(_), Some(_)) => Err(err(
            k,
            "lane",
            "give `dq` (one line) or `lane` (a byte lane) or neither (every line), not both"
                .to_string(),
        )),
        (Some(d), None) => dq_ok(k, "dq", d),
        (None, Some(l)) => lane_ok(k, "lane", l),
        (None, None) => Ok(()),
    }
}

/// A delay fault's `ps`: within one clock period of the slowest clock either way.
pub(super) fn delay_ps(k: usize, ps: i32) -> Result<(), FaultError> {
    if (-5000..=5000).contains(&ps) {
        Ok(())
    } else {
        Err(err(
            k,
            "ps",
            format!("expected -5000..=5000 ps, found {ps}"),
        ))
    }
}

/// Faults that need a pin the profile's memory does not have: the minimodule's DDR1 part has
/// no ODT. Returns the offending key.
pub fn odt_fault_key(faults: &[Fault]) -> Option<String> {
    faults.iter().enumerate().find_map(|(k, f)| {
        let (a, b, fa, fb) = match *f {
            Fault::CmdStuck { pin, .. } | Fault::CmdOpen { pin, .. } => (pin, pin, "pin", "pin"),
            Fault::CmdSwap { a, b } | Fault::CmdBridge { a, b, .. } => (a, b, "a", "b"),
            _ => return None,
        };
        if a == CmdPin::Odt {
            Some(format!("fault[{k}].{fa}"))
        } else if b == CmdPin::Odt {
            Some(format!("fault[{k}].{fb}"))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::validate_faults;
    use super::*;
    use migcal_model::board::{BridgeAt, BridgeMode, DelayPath, Pull};

    fn key(f: Vec<Fault>) -> String {
        validate_faults(&f, 16).unwrap_err().key
    }

    #[test]
    fn bus_faults_name_the_key() {
        assert_eq!(
            key(vec![Fault::CmdStuck {
                pin: CmdPin::A(13),
                high: true
            }]),
            "fault[0].pin"
        );
        assert_eq!(
            key(vec![Fault::CmdOpen {
                pin: CmdPin::Ba(2),
                pull: Pull::Up
            }]),
            "fault[0].pin"
        );
        assert_eq!(
            key(vec![Fault::CmdSwap {
                a: CmdPin::RasN,
                b: CmdPin::RasN
            }]),
            "fault[0].b"
        );
        assert_eq!(
            key(vec![
                Fault::CmdStuck {
                    pin: CmdPin::WeN,
                    high: true
                },
                Fault::CmdBridge {
                    a: CmdPin::CasN,
                    b: CmdPin::WeN,
                    mode: BridgeMode::Or,
                    at: BridgeAt::Memory
                },
            ]),
            "fault[1].b"
        );
        assert_eq!(
            key(vec![Fault::DqDelay {
                dq: Some(1),
                lane: Some(0),
                ps: 10,
                path: DelayPath::Write
            }]),
            "fault[0].lane"
        );
        assert_eq!(
            key(vec![Fault::DqDelay {
                dq: Some(16),
                lane: None,
                ps: 10,
                path: DelayPath::Both
            }]),
            "fault[0].dq"
        );
        assert_eq!(
            key(vec![Fault::DqsDelay {
                lane: 0,
                ps: 6000,
                path: DelayPath::Read
            }]),
            "fault[0].ps"
        );
        assert_eq!(
            key(vec![Fault::DqsDelay {
                lane: 2,
                ps: 60,
                path: DelayPath::Read
            }]),
            "fault[0].lane"
        );
        let m = validate_faults(
            &[Fault::CmdStuck {
                pin: CmdPin::A(14),
                high: false,
            }],
            16,
        )
        .unwrap_err()
        .to_string();
        assert!(m.contains("a0..a12") && m.contains("a14"), "{m}");
        // Faults on different lines combine, delays with anything.
        validate_faults(
            &[
                Fault::CmdStuck {
                    pin: CmdPin::A(4),
                    high: false,
                },
                Fault::CmdSwap {
                    a: CmdPin::Ba(0),
                    b: CmdPin::Ba(1),
                },
                Fault::CmdOpen {
                    pin: CmdPin::Cke,
                    pull: Pull::Down,
                },
                Fault::DqDelay {
                    dq: None,
                    lane: Some(1),
                    ps: 300,
                    path: DelayPath::Write,
                },
                Fault::DqsDelay {
                    lane: 0,
                    ps: -200,
                    path: DelayPath::Both,
                },
            ],
            16,
        )
        .unwrap();
        assert_eq!(
            odt_fault_key(&[Fault::CmdSwap {
                a: CmdPin::A(1),
                b: CmdPin::Odt
            }]),
            Some("fault[0].b".to_string())
        );
    }
}
