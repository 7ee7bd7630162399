//! Virtex-4 IDELAY (VARIABLE), the SAME_EDGE_PIPELINED IDDR behind it, and IDELAYCTRL
//! (jedec-ddr2-v4-dcm.md §2.1-2.2; behaviour of the golden's stand-ins).

use crate::logic::Lv;

/// Number of taps.
pub const TAPS: u8 = 64;

/// IDELAY control inputs, sampled on the rising edge of C (clk_0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct In {
    /// RST: back to IOBDELAY_VALUE (0); beats CE.
    pub rst: bool,
    /// CE.
    pub ce: bool,
    /// INC (1 = up, 0 = down).
    pub inc: bool,
}

/// One rising edge of an IDELAY's tap register: wraps 63→0 on increment and 0→63 on decrement
/// as the Xilinx simulation model does (no saturation).
pub fn step(tap: u8, i: &In) -> u8 {
    if i.rst {
        0
    } else if i.ce {
        if i.inc {
            (tap + 1) % TAPS
        } else {
            (tap + TAPS - 1) % TAPS
        }
    } else {
        tap
    }
}

/// IDDR (SAME_EDGE_PIPELINED) registers for a whole data bus.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Iddr {
    /// Value sampled at the previous rising edge (internal, starts at 0).
    pub rise_sample: Lv,
    /// Q1: rise data.
    pub q1: Lv,
    /// Q2: fall data.
    pub q2: Lv,
}

impl Iddr {
    /// Power-up: internal samples 0, outputs unknown.
    pub fn new(width: u32) -> Self {
        Iddr {
            rise_sample: Lv::known(0),
            q1: Lv::unknown(width),
            q2: Lv::unknown(width),
        }
    }

    /// One rising edge: Q1 takes the previous rising-edge sample, Q2 the falling-edge sample
    /// taken half a period before this edge.
    pub fn step(&self, at_rise: Lv, at_fall: Lv) -> Iddr {
        Iddr {
            rise_sample: at_rise,
            q1: self.rise_sample,
            q2: at_fall,
        }
    }
}

/// IDELAYCTRL: RDY rises on the `edges_to_ready`th REFCLK rising edge that sees RST low (17 in
/// the golden stand-in, which reproduces the original traces to the cycle), and drops while RST
/// is high.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct IdelayCtrl {
    /// REFCLK edges seen with RST low.
    pub count: u32,
    /// RDY.
    pub rdy: bool,
}

impl IdelayCtrl {
    /// One REFCLK rising edge (`refclk_running` false = no edge at all).
    pub fn step(&self, rst: bool, refclk_running: bool, edges_to_ready: u32) -> IdelayCtrl {
        if rst {
            return IdelayCtrl::default();
        }
        if !refclk_running {
            return *self;
        }
        let count = (self.count + 1).min(edges_to_ready);
        IdelayCtrl {
            count,
            rdy: count >= edges_to_ready,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tap_wraps_both_ways() {
        let up = In {
            ce: true,
            inc: true,
            rst: false,
        };
        let down = In {
            ce: true,
            inc: false,
            rst: false,
        };
        assert_eq!(step(63, &up), 0);
        assert_eq!(step(0, &down), 63);
        assert_eq!(
            step(
                40,
                &In {
                    rst: true,
                    ce: true,
                    inc: true
                }
            ),
            0
        );
    }
}
