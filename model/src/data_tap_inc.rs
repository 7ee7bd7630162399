//! `data_tap_inc`: per-group line selection for the tap walk (mig-rtl.md §3b).
//!
//! Holds the one-hot `chan_sel_int` that says which line the walk moves, muxes that line's
//! registered rise sample out as `DQ_DATA`, and raises the sticky `calib_done_int` one clock
//! after the last `CHAN_DONE` has shifted the one-hot out.

use crate::logic::Lv;

/// Parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Lines per group (`DatabitsPerStrobe`; 4 in the golden build).
    pub lines: u32,
    /// Reset value of the one-hot (`add_const6` = 0x0002 in the golden build, so the first
    /// line of each group is never walked individually).
    pub chan_sel_reset: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            lines: 4,
            chan_sel_reset: 0b0010,
        }
    }
}

/// Registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Regs {
    /// `RESET_r1` (starts at 1).
    pub reset_r1: bool,
    /// `calibration_dq_r`: the group's registered rise data.
    pub calibration_dq_r: Lv,
    /// `chan_sel_int`: one-hot line selection.
    pub chan_sel_int: u32,
    /// `calib_done_int`.
    pub calib_done_int: bool,
}

impl Regs {
    /// Power-up values.
    pub fn new(p: &Params) -> Self {
        Regs {
            reset_r1: true,
            calibration_dq_r: Lv::known(0),
            chan_sel_int: p.chan_sel_reset,
            calib_done_int: false,
        }
    }
}

/// Inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct In {
    /// `RESET`.
    pub reset: bool,
    /// `CALIBRATION_DQ`: IDDR rise outputs of the group's lines.
    pub calibration_dq: Lv,
    /// `CTRL_CALIB_START` (= ctrl_dummyread_start).
    pub ctrl_calib_start: bool,
    /// tap_ctrl's registered outputs.
    pub tap: crate::tap_ctrl::Out,
}

/// Combinational outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Out {
    /// `COMPARE_BIT`: data all ones.
    pub compare_bit: bool,
    /// `DQ_DATA`: the selected line's registered sample.
    pub dq_data: Lv,
    /// `BIT_BOUNDARY_CHECK`: data all zeros or all ones.
    pub bit_boundary_check: bool,
    /// Per-line IDELAY CE.
    pub data_dlyce: u32,
    /// Per-line IDELAY INC.
    pub data_dlyinc: u32,
    /// IDELAY reset of every line of the group.
    pub data_dlyrst: bool,
    /// `CALIB_DONE`.
    pub calib_done: bool,
}

/// Outputs from the current registers and tap_ctrl's registered outputs.
pub fn outputs(r: &Regs, tap: &crate::tap_ctrl::Out, p: &Params) -> Out {
    let all = crate::logic::mask(p.lines) as u32;
    let chan_sel = if tap.dlyinc_global_flag {
        all
    } else {
        r.chan_sel_int & all
    };
    let d = r.calibration_dq_r;
    // Two-level mux of the RTL for 4 lines: (2|3 selected) ? (3 ? d3 : d2) : (1 ? d1 : d0).
    let dq_data = if p.lines == 4 {
        let lo = if chan_sel & 0b0010 != 0 {
            d.bit(1)
        } else {
            d.bit(0)
        };
        let hi = if chan_sel & 0b1000 != 0 {
            d.bit(3)
        } else {
            d.bit(2)
        };
        if chan_sel & 0b1100 != 0 {
            hi
        } else {
            lo
        }
    } else {
        // Wider groups: priority to the highest selected line (an 8:1 mux tree).
        let sel = if chan_sel == 0 {
            0
        } else {
            31 - chan_sel.leading_zeros()
        };
        d.bit(sel)
    };
    Out {
        compare_bit: d.eq_const(all as u128, p.lines),
        dq_data,
        bit_boundary_check: d.eq_const(0, p.lines) || d.eq_const(all as u128, p.lines),
        data_dlyce: if tap.dlyce { chan_sel } else { 0 },
        data_dlyinc: if tap.dlyinc { chan_sel } else { 0 },
        data_dlyrst: r.reset_r1,
        calib_done: r.calib_done_int,
    }
}

/// One clk_0 rising edge.
pub fn step(r: &Regs, i: &In, p: &Params) -> (Out, Regs) {
    let out = outputs(r, &i.tap, p);
    let all = crate::logic::mask(p.lines) as u32;
    let chan_sel = if i.tap.dlyinc_global_flag {
        all
    } else {
        r.chan_sel_int & all
    };
    let mut n = *r;
    n.reset_r1 = i.reset;
    n.calibration_dq_r = i.calibration_dq;
    if r.reset_r1 {
        n.calib_done_int = false;
        n.chan_sel_int = p.chan_sel_reset;
    } else if i.ctrl_calib_start {
        if chan_sel == 0 {
            n.calib_done_int = true;
        }
        if i.tap.chan_done {
            n.chan_sel_int = (r.chan_sel_int << 1) & all;
        }
    }
    (out, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tap_ctrl;

    #[test]
    fn one_hot_starts_at_the_second_line_and_calib_done_follows_the_last_chan_done() {
        let p = Params::default();
        let mut r = Regs::new(&p);
        let mut i = In {
            reset: false,
            calibration_dq: Lv::known(0xF),
            ctrl_calib_start: true,
            tap: tap_ctrl::Out::default(),
        };
        r = step(&r, &i, &p).1; // RESET_r1 drops
        assert_eq!(r.chan_sel_int, 0b0010);
        let mut shifts = vec![];
        for _ in 0..3 {
            i.tap.chan_done = true;
            r = step(&r, &i, &p).1;
            shifts.push(r.chan_sel_int);
            i.tap.chan_done = false;
            r = step(&r, &i, &p).1;
        }
        assert_eq!(shifts, vec![0b0100, 0b1000, 0b0000]);
        assert!(r.calib_done_int);
        // A global move selects every line.
        i.tap.dlyinc_global_flag = true;
        i.tap.dlyce = true;
        assert_eq!(outputs(&r, &i.tap, &p).data_dlyce, 0b1111);
    }
}
