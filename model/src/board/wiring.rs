//! How the faults rewire the nets: which memory pin a controller pin reaches, what a bridge
//! or a rail short makes of a level, which lanes' writes land, which clocks run.

use super::{BridgeAt, BridgeMode, Fault, Params, Pull};

impl Params {
    /// The memory pin controller pin `line` is wired to (itself unless swapped).
    pub fn mem_pin(&self, line: usize) -> usize {
        for f in &self.faults {
            if let Fault::DqSwap { a, b } = *f {
                if a as usize == line {
                    return b as usize;
                }
                if b as usize == line {
                    return a as usize;
                }
            }
        }
        line
    }

    /// The line bridged to `line`, and how they resolve.
    pub fn bridge(&self, line: usize) -> Option<(usize, BridgeMode)> {
        self.bridge_at(line).map(|(o, m, _)| (o, m))
    }

    /// The line bridged to `line`, how they resolve and where the short sits.
    pub fn bridge_at(&self, line: usize) -> Option<(usize, BridgeMode, BridgeAt)> {
        self.faults.iter().find_map(|f| match *f {
            Fault::DqBridge { a, b, mode, at } if a as usize == line => {
                Some((b as usize, mode, at))
            }
            Fault::DqBridge { a, b, mode, at } if b as usize == line => {
                Some((a as usize, mode, at))
            }
            _ => None,
        })
    }
    /// Byte lanes whose writes reach the memory array.
    pub fn write_lanes(&self, lanes: u32) -> u16 {
        let mut m = crate::logic::mask(lanes) as u16;
        for f in &self.faults {
            match *f {
                Fault::DmStuck { lane, high: true }
                | Fault::DqsOpen { lane }
                | Fault::DqsStuck { lane, .. } => m &= !(1u16 << lane),
                _ => {}
            }
        }
        m
    }

    /// True when the IDELAYCTRL reference clock runs.
    pub fn refclk_running(&self) -> bool {
        !self.faults.contains(&Fault::RefclkMissing)
    }

    /// True when the DCM's LOCKED (the controller's `dcm_lock`) can rise.
    pub fn dcm_lock_rises(&self) -> bool {
        !self.faults.contains(&Fault::DcmLockMissing)
    }

    /// True when CK reaches the memory.
    pub fn ck_running(&self) -> bool {
        !self.faults.contains(&Fault::CkStopped)
    }

    /// Half-clocks by which the memory's CK rising edges lag the intended ones (1 when CK and
    /// CK# are swapped).
    pub fn ck_half_shift(&self) -> u64 {
        self.faults.contains(&Fault::CkInverted) as u64
    }

    /// True when a fault shorts the line to a rail (it then fights the controller's driver).
    pub fn is_short(&self, line: usize) -> bool {
        self.faults
            .iter()
            .any(|f| matches!(*f, Fault::DqStuck { dq, .. } if dq as usize == line))
    }

    /// The level a fault forces on a line at the controller pin (open = its weak pull).
    pub fn forced_level(&self, line: usize) -> Option<bool> {
        let mut lvl = None;
        for f in &self.faults {
            match *f {
                Fault::DqOpen { dq, pull } if dq as usize == line => lvl = Some(pull == Pull::Up),
                Fault::DqStuck { dq, high } if dq as usize == line => return Some(high),
                _ => {}
            }
        }
        lvl
    }

    /// The bit a controller pin carries when every controller pin drives `word` (a bridge
    /// combines the two drivers, unless it sits at the memory end: the controller's pin then
    /// carries its own drive).
    pub fn own_bit(&self, word: u128, line: usize) -> bool {
        let bit = |k: usize| (word >> k) & 1 == 1;
        match self.bridge_at(line) {
            Some((_, _, BridgeAt::Memory)) | None => bit(line),
            Some((other, mode, _)) => mode.resolve(bit(line), bit(other)),
        }
    }

    /// The bit memory pin of controller line `line` receives when every controller pin
    /// drives `word`: a bridge's wired level wherever it sits.
    fn bit_to_memory(&self, word: u128, line: usize) -> bool {
        let bit = |k: usize| (word >> k) & 1 == 1;
        match self.bridge(line) {
            Some((other, mode)) => mode.resolve(bit(line), bit(other)),
            None => bit(line),
        }
    }

    /// The bit controller pin `line` receives when the memory drives `word`.
    pub fn read_bit(&self, word: u128, line: usize) -> bool {
        let bit = |k: usize| (word >> self.mem_pin(k)) & 1 == 1;
        match self.bridge(line) {
            Some((other, mode)) => mode.resolve(bit(line), bit(other)),
            None => bit(line),
        }
    }

    /// The level controller pin `line` receives when the memory drives `word` with the bits
    /// of `undriven` not driven (read back from bits latched undriven): None when nothing
    /// drives it; a bridge takes the driven line's level when only one is driven.
    pub fn read_level(&self, word: u128, undriven: u128, line: usize) -> Option<bool> {
        if undriven == 0 {
            return Some(self.read_bit(word, line));
        }
        let z = |k: usize| (undriven >> self.mem_pin(k)) & 1 == 1;
        let bit = |k: usize| (word >> self.mem_pin(k)) & 1 == 1;
        match self.bridge(line) {
            Some((o, mode)) => match (z(line), z(o)) {
                (true, true) => None,
                (true, false) => Some(bit(o)),
                (false, true) => Some(bit(line)),
                (false, false) => Some(mode.resolve(bit(line), bit(o))),
            },
            None => (!z(line)).then(|| bit(line)),
        }
    }

    /// What the memory pins latch when the controller writes `word` (`width` bits): swaps
    /// reroute bits, bridges combine them, rail shorts force them.
    pub fn to_memory(&self, word: u128, width: u32) -> u128 {
        if self.faults.is_empty() {
            return word;
        }
        let mut out = word;
        for line in 0..width as usize {
            let v = match self.forced_level(line) {
                Some(l) if self.is_short(line) => l,
                _ => self.bit_to_memory(word, line),
            };
            let m = self.mem_pin(line);
            out = (out & !(1u128 << m)) | ((v as u128) << m);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_is_transparent_and_bridge_ands() {
        let swap = Params {
            faults: vec![Fault::DqSwap { a: 1, b: 9 }],
            ..Params::default()
        };
        // What is written through the swap reads back through it.
        for word in [0x0002u128, 0x0200, 0xA5C3] {
            let stored = swap.to_memory(word, 16);
            let back: u128 = (0..16)
                .map(|l| (swap.read_bit(stored, l) as u128) << l)
                .sum();
            assert_eq!(back, word);
        }
        assert_eq!(swap.to_memory(0x0002, 16), 0x0200);
        let bridge = Params {
            faults: vec![Fault::DqBridge {
                a: 0,
                b: 1,
                mode: BridgeMode::And,
                at: BridgeAt::Trace,
            }],
            ..Params::default()
        };
        assert_eq!(bridge.to_memory(0b01, 16), 0b00);
        assert_eq!(bridge.to_memory(0b11, 16), 0b11);
        assert!(!bridge.read_bit(0b10, 1));
    }

    #[test]
    fn swap_routes_bits_and_delays() {
        let p = Params {
            dq_delay_ps: vec![0.0, 300.0, 600.0],
            faults: vec![Fault::DqSwap { a: 1, b: 2 }],
            ..Params::default()
        };
        assert_eq!(p.mem_pin(1), 2);
        assert_eq!(p.mem_pin(2), 1);
        assert_eq!(p.mem_pin(0), 0);
        // Written through the swap, read back through it: transparent.
        for w in [0b010u128, 0b100, 0b110, 0b011] {
            let stored = p.to_memory(w, 16);
            for line in 0..16 {
                assert_eq!(p.read_bit(stored, line), (w >> line) & 1 == 1);
            }
        }
        assert_eq!(p.to_memory(0b010, 16), 0b100);
        // The delay of memory pin 2's trace arrives at controller pin 1.
        assert_eq!(p.line_delay_ps(1), 600.0);
        assert_eq!(p.line_delay_ps(2), 300.0);
    }

    #[test]
    fn bridge_resolves_both_ways() {
        for (mode, want) in [(BridgeMode::And, false), (BridgeMode::Or, true)] {
            let p = Params {
                faults: vec![Fault::DqBridge {
                    a: 0,
                    b: 1,
                    mode,
                    at: BridgeAt::Trace,
                }],
                ..Params::default()
            };
            // Controller drives 01 on the pair: both nets carry the wired result.
            let stored = p.to_memory(0b01, 8);
            assert_eq!(stored & 1 == 1, want);
            assert_eq!(stored >> 1 & 1 == 1, want);
            assert_eq!(p.own_bit(0b10, 0), want);
            assert_eq!(p.read_bit(0b01, 1), want);
            // Agreeing drivers pass through.
            assert_eq!(p.to_memory(0b11, 8), 0b11);
        }
    }

    #[test]
    fn lane_and_clock_faults() {
        let p = Params {
            faults: vec![
                Fault::DqsStuck {
                    lane: 1,
                    high: false,
                },
                Fault::DmStuck {
                    lane: 0,
                    high: false,
                },
                Fault::CkInverted,
                Fault::DcmLockMissing,
            ],
            ..Params::default()
        };
        assert_eq!(p.write_lanes(2), 0b01);
        assert_eq!(p.ck_half_shift(), 1);
        assert!(p.ck_running());
        assert!(!p.dcm_lock_rises());
        assert!(p.refclk_running());
    }
}
