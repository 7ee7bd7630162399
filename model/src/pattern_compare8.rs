//! `pattern_compare8`: stage-3 read-latency search of one byte lane (mig-rtl.md §4b).
//!
//! Two independent machines watch the registered rise and fall bytes for A→9 / 5→6 on
//! consecutive clocks after the first read enable; `clk_cnt_*` counts the clocks spent
//! hunting, and `comp_done` is registered once both machines are in comp_over.

use crate::logic::Lv;

/// States of the rise and fall machines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Phase {
    /// Waiting for the registered read enable.
    #[default]
    Idle,
    /// Hunting for AA/55.
    FirstData,
    /// Checking the following byte for 99/66.
    SecondData,
    /// Pattern found (absorbing).
    CompOver,
}

/// Registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Regs {
    /// `rst_r1`.
    pub rst_r1: bool,
    /// `rd_en_r1` .. `rd_en_r10` (bit k-1 = rd_en_rk).
    pub rd_en_r: u16,
    /// `comp_done_r` (the `comp_done` output).
    pub comp_done_r: bool,
    /// `rd_en_rise`.
    pub rd_en_rise: bool,
    /// `rd_en_fall`.
    pub rd_en_fall: bool,
    /// `rd_data_rise_r`.
    pub rd_data_rise_r: Lv,
    /// `rd_data_fall_r`.
    pub rd_data_fall_r: Lv,
    /// `rd_data_rise_r2`.
    pub rd_data_rise_r2: Lv,
    /// `rd_data_fall_r2`.
    pub rd_data_fall_r2: Lv,
    /// `cntrl_rden_r`.
    pub cntrl_rden_r: bool,
    /// `first_rising` (sticky).
    pub first_rising: bool,
    /// `clk_cnt_rise` (4 bits).
    pub clk_cnt_rise: u8,
    /// `clk_cnt_fall` (4 bits).
    pub clk_cnt_fall: u8,
    /// `rise_state`.
    pub rise_state: Phase,
    /// `fall_state`.
    pub fall_state: Phase,
}

impl Default for Regs {
    fn default() -> Self {
        Regs {
            rst_r1: true,
            rd_en_r: 0,
            comp_done_r: false,
            rd_en_rise: false,
            rd_en_fall: false,
            rd_data_rise_r: Lv::unknown(8),
            rd_data_fall_r: Lv::unknown(8),
            rd_data_rise_r2: Lv::unknown(8),
            rd_data_fall_r2: Lv::unknown(8),
            cntrl_rden_r: false,
            first_rising: false,
            clk_cnt_rise: 0,
            clk_cnt_fall: 0,
            rise_state: Phase::Idle,
            fall_state: Phase::Idle,
        }
    }
}

/// Inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct In {
    /// `rst`.
    pub rst: bool,
    /// `ctrl_rden`.
    pub ctrl_rden: bool,
    /// `rd_data_rise` (this lane's IDDR Q1 byte).
    pub rd_data_rise: Lv,
    /// `rd_data_fall` (this lane's IDDR Q2 byte).
    pub rd_data_fall: Lv,
}

/// Outputs (registered, plus the combinational `clk_count_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Out {
    /// `comp_done`.
    pub comp_done: bool,
    /// `first_rising`.
    pub first_rising: bool,
    /// `clk_count_rise`: `clk_cnt_rise` while in comp_over, else 0.
    pub clk_count_rise: u8,
    /// `clk_count_fall`.
    pub clk_count_fall: u8,
}

/// Outputs from the current registers.
pub fn outputs(r: &Regs) -> Out {
    Out {
        comp_done: r.comp_done_r,
        first_rising: r.first_rising,
        clk_count_rise: if r.rise_state == Phase::CompOver {
            r.clk_cnt_rise
        } else {
            0
        },
        clk_count_fall: if r.fall_state == Phase::CompOver {
            r.clk_cnt_fall
        } else {
            0
        },
    }
}

fn next_phase(s: Phase, rden_r: bool, cur: Lv, prev: Lv) -> Phase {
    match s {
        Phase::Idle => {
            if rden_r {
                Phase::FirstData
            } else {
                Phase::Idle
            }
        }
        Phase::FirstData => {
            if cur.eq_const(0xAA, 8) || cur.eq_const(0x55, 8) {
                Phase::SecondData
            } else {
                Phase::FirstData
            }
        }
        Phase::SecondData => {
            if (cur.eq_const(0x99, 8) && prev.eq_const(0xAA, 8))
                || (cur.eq_const(0x66, 8) && prev.eq_const(0x55, 8))
            {
                Phase::CompOver
            } else {
                Phase::FirstData
            }
        }
        Phase::CompOver => Phase::CompOver,
    }
}

fn rd_en_tap(count: u8, rd_en_r: u16) -> bool {
    // clk_count 3..9 selects rd_en_r2..rd_en_r8.
    if (3..=9).contains(&count) {
        rd_en_r >> (count - 2) & 1 == 1
    } else {
        false
    }
}

/// One clk_0 rising edge.
pub fn step(r: &Regs, i: &In) -> (Out, Regs) {
    let out = outputs(r);
    let mut n = *r;
    n.rst_r1 = i.rst;
    n.rd_data_rise_r = i.rd_data_rise;
    n.rd_data_fall_r = i.rd_data_fall;
    n.rd_data_rise_r2 = r.rd_data_rise_r;
    n.rd_data_fall_r2 = r.rd_data_fall_r;
    if r.rst_r1 {
        n.rd_en_r = 0;
        n.comp_done_r = false;
        n.rd_en_rise = false;
        n.rd_en_fall = false;
        n.cntrl_rden_r = false;
        n.first_rising = false;
        n.clk_cnt_rise = 0;
        n.clk_cnt_fall = 0;
        n.rise_state = Phase::Idle;
        n.fall_state = Phase::Idle;
        return (out, n);
    }
    n.rd_en_r = ((r.rd_en_r << 1) | i.ctrl_rden as u16) & 0x3FF;
    n.comp_done_r = r.rise_state == Phase::CompOver && r.fall_state == Phase::CompOver;
    if r.comp_done_r {
        n.rd_en_rise = rd_en_tap(out.clk_count_rise, r.rd_en_r);
        n.rd_en_fall = rd_en_tap(out.clk_count_fall, r.rd_en_r);
    }
    n.cntrl_rden_r = i.ctrl_rden;
    if r.rise_state == Phase::FirstData && r.rd_data_rise_r.eq_const(0x55, 8) {
        n.first_rising = true;
    }
    if r.rise_state == Phase::FirstData {
        n.clk_cnt_rise = (r.clk_cnt_rise + 1) & 0xF;
    }
    if r.fall_state == Phase::FirstData {
        n.clk_cnt_fall = (r.clk_cnt_fall + 1) & 0xF;
    }
    n.rise_state = next_phase(
        r.rise_state,
        r.cntrl_rden_r,
        r.rd_data_rise_r,
        r.rd_data_rise_r2,
    );
    n.fall_state = next_phase(
        r.fall_state,
        r.cntrl_rden_r,
        r.rd_data_fall_r,
        r.rd_data_fall_r2,
    );
    (out, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(r: &mut Regs, rden: bool, rise: u8, fall: u8) {
        *r = step(
            r,
            &In {
                rst: false,
                ctrl_rden: rden,
                rd_data_rise: Lv::known(rise as u128),
                rd_data_fall: Lv::known(fall as u128),
            },
        )
        .1;
    }

    #[test]
    fn finds_a5_96_and_counts_the_clocks() {
        let mut r = Regs::default();
        feed(&mut r, false, 0, 0); // leave reset
        feed(&mut r, true, 0, 0);
        feed(&mut r, false, 0, 0);
        feed(&mut r, false, 0, 0);
        feed(&mut r, false, 0xAA, 0x55);
        feed(&mut r, false, 0x99, 0x66);
        for _ in 0..4 {
            feed(&mut r, false, 0, 0);
        }
        let o = outputs(&r);
        assert!(o.comp_done);
        assert!(!o.first_rising);
        assert_eq!(o.clk_count_rise, o.clk_count_fall);
        assert!(o.clk_count_rise >= 2);
    }

    #[test]
    fn never_matching_keeps_counting_and_wraps() {
        let mut r = Regs::default();
        feed(&mut r, false, 0, 0);
        feed(&mut r, true, 0, 0);
        for _ in 0..40 {
            feed(&mut r, false, 0x00, 0x00);
        }
        let o = outputs(&r);
        assert!(!o.comp_done);
        assert_eq!(o.clk_count_rise, 0);
        assert!(r.clk_cnt_rise < 16);
        assert_eq!(r.rise_state, Phase::FirstData);
    }
}
