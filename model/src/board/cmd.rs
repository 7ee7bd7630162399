//! The command/address bus between the controller pins and the memory pins: which line is
//! which ([`CmdPin`]), the levels on the bus ([`CmdPins`]), and what the command/address faults
//! make of them at each end. The memory decodes what reaches its pins; the controller goes on
//! with what it drove.

use super::{BridgeAt, BridgeMode, Fault, Params, Pull};
use std::fmt;

/// Address lines the bus can have (A0..A15).
pub const ADDR_LINES: u8 = 16;
/// Bank-address lines the bus can have (BA0..BA2).
pub const BANK_LINES: u8 = 3;

/// One command/address line, named as on the memory (`a10`, `ba1`, `ras_n`, `cas_n`, `we_n`,
/// `cs_n`, `cke`, `odt` in a scenario).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum CmdPin {
    /// Address line A[n].
    A(u8),
    /// Bank-address line BA[n].
    Ba(u8),
    /// RAS#.
    RasN,
    /// CAS#.
    CasN,
    /// WE#.
    WeN,
    /// CS#.
    CsN,
    /// CKE.
    Cke,
    /// ODT.
    Odt,
}

impl fmt::Display for CmdPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CmdPin::A(n) => write!(f, "a{n}"),
            CmdPin::Ba(n) => write!(f, "ba{n}"),
            CmdPin::RasN => f.write_str("ras_n"),
            CmdPin::CasN => f.write_str("cas_n"),
            CmdPin::WeN => f.write_str("we_n"),
            CmdPin::CsN => f.write_str("cs_n"),
            CmdPin::Cke => f.write_str("cke"),
            CmdPin::Odt => f.write_str("odt"),
        }
    }
}

impl From<CmdPin> for String {
    fn from(p: CmdPin) -> String {
        p.to_string()
    }
}

impl TryFrom<String> for CmdPin {
    type Error = String;
    fn try_from(s: String) -> Result<CmdPin, String> {
        let bad = || {
            format!(
                "expected a command/address line a0..a{}, ba0..ba{}, ras_n, cas_n, we_n, cs_n, cke or odt, found {s:?}",
                ADDR_LINES - 1,
                BANK_LINES - 1
            )
        };
        let index = |digits: &str, lines: u8| -> Result<u8, String> {
            if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(bad());
            }
            match digits.parse::<u8>() {
                Ok(n) if n < lines && (digits.len() == 1 || !digits.starts_with('0')) => Ok(n),
                _ => Err(bad()),
            }
        };
        match s.as_str() {
            "ras_n" => Ok(CmdPin::RasN),
            "cas_n" => Ok(CmdPin::CasN),
            "we_n" => Ok(CmdPin::WeN),
            "cs_n" => Ok(CmdPin::CsN),
            "cke" => Ok(CmdPin::Cke),
            "odt" => Ok(CmdPin::Odt),
            t if t.starts_with("ba") => index(&t[2..], BANK_LINES).map(CmdPin::Ba),
            t if t.starts_with('a') => index(&t[1..], ADDR_LINES).map(CmdPin::A),
            _ => Err(bad()),
        }
    }
}

/// The levels of the command/address bus at one end of the board (true = high).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CmdPins {
    /// CKE.
    pub cke: bool,
    /// CS#.
    pub cs_n: bool,
    /// RAS#.
    pub ras_n: bool,
    /// CAS#.
    pub cas_n: bool,
    /// WE#.
    pub we_n: bool,
    /// BA[2:0].
    pub ba: u8,
    /// A[15:0].
    pub a: u16,
    /// ODT.
    pub odt: bool,
}

impl CmdPins {
    /// The level of one line.
    pub fn get(&self, pin: CmdPin) -> bool {
        match pin {
            CmdPin::A(n) => self.a >> n & 1 == 1,
            CmdPin::Ba(n) => self.ba >> n & 1 == 1,
            CmdPin::RasN => self.ras_n,
            CmdPin::CasN => self.cas_n,
            CmdPin::WeN => self.we_n,
            CmdPin::CsN => self.cs_n,
            CmdPin::Cke => self.cke,
            CmdPin::Odt => self.odt,
        }
    }

    /// Set one line.
    pub fn set(&mut self, pin: CmdPin, v: bool) {
        match pin {
            CmdPin::A(n) => self.a = (self.a & !(1 << n)) | ((v as u16) << n),
            CmdPin::Ba(n) => self.ba = (self.ba & !(1 << n)) | ((v as u8) << n),
            CmdPin::RasN => self.ras_n = v,
            CmdPin::CasN => self.cas_n = v,
            CmdPin::WeN => self.we_n = v,
            CmdPin::CsN => self.cs_n = v,
            CmdPin::Cke => self.cke = v,
            CmdPin::Odt => self.odt = v,
        }
    }
}

impl Params {
    /// True when some fault is on the command/address bus (lets the hot path skip the rest).
    fn has_cmd_fault(&self) -> bool {
        self.faults.iter().any(|f| {
            matches!(
                f,
                Fault::CmdStuck { .. }
                    | Fault::CmdOpen { .. }
                    | Fault::CmdSwap { .. }
                    | Fault::CmdBridge { .. }
            )
        })
    }

    /// What the memory's command/address pins receive when the controller drives `drv`:
    /// a swap reroutes two lines, a bridge gives both its wired level (wherever it sits: the
    /// level travels the trace to the memory), a stuck or open line at the memory reads its
    /// rail or pull.
    pub fn cmd_at_memory(&self, drv: &CmdPins) -> CmdPins {
        if !self.has_cmd_fault() {
            return *drv;
        }
        let mut m = *drv;
        for f in &self.faults {
            if let Fault::CmdSwap { a, b } = *f {
                m.set(a, drv.get(b));
                m.set(b, drv.get(a));
            }
        }
        for f in &self.faults {
            if let Fault::CmdBridge { a, b, mode, .. } = *f {
                let v = mode.resolve(drv.get(a), drv.get(b));
                m.set(a, v);
                m.set(b, v);
            }
        }
        for f in &self.faults {
            match *f {
                Fault::CmdStuck { pin, high } => m.set(pin, high),
                Fault::CmdOpen { pin, pull } => m.set(pin, pull == Pull::Up),
                _ => {}
            }
        }
        m
    }

    /// What a probe at the controller's pins shows (the trace's `tb/a`, `tb/ras_n`, ...): the
    /// controller's own drive, except where a bridge at the controller end or on the trace
    /// puts its wired level on both nets. Stuck, open and swapped lines are faults at the
    /// memory side and leave the controller's pins alone.
    pub fn cmd_at_controller(&self, drv: &CmdPins) -> CmdPins {
        if !self.has_cmd_fault() {
            return *drv;
        }
        let mut c = *drv;
        for f in &self.faults {
            if let Fault::CmdBridge { a, b, mode, at } = *f {
                if at != BridgeAt::Memory {
                    let v: bool = BridgeMode::resolve(mode, drv.get(a), drv.get(b));
                    c.set(a, v);
                    c.set(b, v);
                }
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_names_round_trip_and_reject_junk() {
        for p in [
            CmdPin::A(0),
            CmdPin::A(15),
            CmdPin::Ba(2),
            CmdPin::RasN,
            CmdPin::CasN,
            CmdPin::WeN,
            CmdPin::CsN,
            CmdPin::Cke,
            CmdPin::Odt,
        ] {
            assert_eq!(CmdPin::try_from(p.to_string()), Ok(p));
        }
        for junk in ["a16", "ba3", "a", "a01", "ras", "A3", "a-1", "b0", ""] {
            let e = CmdPin::try_from(junk.to_string()).unwrap_err();
            assert!(e.contains("ras_n") && e.contains(junk), "{junk}: {e}");
        }
    }

    #[test]
    fn memory_sees_the_faults_controller_keeps_its_drive() {
        let drv = CmdPins {
            cke: true,
            ras_n: true,
            cas_n: false,
            we_n: false,
            a: 0x031,
            ba: 1,
            ..CmdPins::default()
        };
        let p = Params {
            faults: vec![
                Fault::CmdStuck {
                    pin: CmdPin::A(4),
                    high: false,
                },
                Fault::CmdSwap {
                    a: CmdPin::Ba(0),
                    b: CmdPin::Ba(1),
                },
                Fault::CmdBridge {
                    a: CmdPin::RasN,
                    b: CmdPin::CasN,
                    mode: BridgeMode::And,
                    at: BridgeAt::Controller,
                },
            ],
            ..Params::default()
        };
        let m = p.cmd_at_memory(&drv);
        assert_eq!(m.a, 0x021);
        assert_eq!(m.ba, 2);
        assert!(!m.ras_n && !m.cas_n);
        let c = p.cmd_at_controller(&drv);
        assert_eq!((c.a, c.ba), (drv.a, drv.ba));
        assert!(!c.ras_n, "a bridge at the controller end shows on its pins");
        let open = Params {
            faults: vec![Fault::CmdOpen {
                pin: CmdPin::Cke,
                pull: Pull::Down,
            }],
            ..Params::default()
        };
        assert!(!open.cmd_at_memory(&drv).cke);
        assert_eq!(open.cmd_at_controller(&drv), drv);
    }
}
