//! `tap_ctrl`: the per-DQS-group IDELAY tap walker of stage 2 (mig-rtl.md §3c).
//!
//! One instance per tap_logic group. Its outputs (`DLYCE`, `DLYINC`, `DLYINC_GLOBAL_FLAG`,
//! `CHAN_DONE`) are registers decoded from the state of the previous clock, which is where the
//! observed 18 (not 15) global increments and the 18-tap back-off come from.

use crate::logic::Lv;

/// State codes of the 4-bit binary `Current_State`.
pub mod state {
    /// Waiting for reset / IDELAYCTRL ready / dummy reads.
    pub const START: u8 = 0x0;
    /// Bit-boundary check of the group's data.
    pub const BIT_BOUND_ALIGNED: u8 = 0x1;
    /// First of the four global-increment states.
    pub const GLOBAL_INC1: u8 = 0x2;
    /// Issues the global +1 tap.
    pub const GLOBAL_INC2: u8 = 0x3;
    /// Settle state.
    pub const GLOBAL_INC3: u8 = 0x4;
    /// Settle state.
    pub const GLOBAL_INC4: u8 = 0x5;
    /// Start of one line's walk (clears `dec_count` and `tap_count`).
    pub const BIT_CALIBRATION: u8 = 0x6;
    /// One tap up on the selected line.
    pub const INC: u8 = 0x7;
    /// Settle state after an increment.
    pub const WAIT_INC: u8 = 0x8;
    /// Edge test.
    pub const EDGE: u8 = 0x9;
    /// One tap down on the selected line.
    pub const DEC: u8 = 0xA;
    /// Settle state after a decrement.
    pub const WAIT_DEC: u8 = 0xB;
    /// `CHAN_DONE` is raised from here.
    pub const DONE: u8 = 0xC;
    /// Wait after CHAN_DONE.
    pub const DONE_WAIT1: u8 = 0xD;
    /// Wait after CHAN_DONE.
    pub const DONE_WAIT2: u8 = 0xE;
    /// Global increments of every line of the group.
    pub const INIT_IDELAY_TAPS: u8 = 0xF;

    /// The RTL name of a state code.
    pub fn name(code: u8) -> &'static str {
        match code {
            START => "START",
            BIT_BOUND_ALIGNED => "BIT_BOUND_ALIGNED",
            GLOBAL_INC1 => "GLOBAL_INC1",
            GLOBAL_INC2 => "GLOBAL_INC2",
            GLOBAL_INC3 => "GLOBAL_INC3",
            GLOBAL_INC4 => "GLOBAL_INC4",
            BIT_CALIBRATION => "BIT_CALIBRATION",
            INC => "INC",
            WAIT_INC => "WAIT_INC",
            EDGE => "EDGE",
            DEC => "DEC",
            WAIT_DEC => "WAIT_DEC",
            DONE => "DONE",
            DONE_WAIT1 => "DONE_WAIT1",
            DONE_WAIT2 => "DONE_WAIT2",
            _ => "INIT_IDELAY_TAPS",
        }
    }
}

/// Parameters of a tap_ctrl instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Quarter clock period in taps (17 at 200 MHz): back-off length and calib_start point.
    pub tby4tapvalue: u8,
    /// Ceiling of the individual walk (`tap_count >= 55` ends it; 110111b in the RTL).
    pub max_tap_count: u8,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            tby4tapvalue: 17,
            max_tap_count: 55,
        }
    }
}

/// Registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Regs {
    /// Reset registered once (`RESET_r1`, starts at 1).
    pub reset_r1: bool,
    /// `init_tap_cnt` (6 bits).
    pub init_tap_cnt: u8,
    /// `calib_start`.
    pub calib_start: bool,
    /// `check_boundary_count` (4 bits, starts at 1010b).
    pub check_boundary_count: u8,
    /// `tap_inc` (2 bits).
    pub tap_inc: u8,
    /// `bit_boundary_aligned`.
    pub bit_boundary_aligned: bool,
    /// `bit_boundary_aligned_r`.
    pub bit_boundary_aligned_r: bool,
    /// `compare`: the polarity seen once aligned.
    pub compare: bool,
    /// `dec_count` (6 bits).
    pub dec_count: u8,
    /// `Current_State` (4 bits).
    pub current_state: u8,
    /// `tap_count` (6 bits).
    pub tap_count: u8,
    /// `DQ_DATA_R`.
    pub dq_data_r: Lv,
    /// Registered output `DLYINC_GLOBAL_FLAG`.
    pub dlyinc_global_flag: bool,
    /// Registered output `DLYCE`.
    pub dlyce: bool,
    /// Registered output `DLYINC`.
    pub dlyinc: bool,
    /// `dec_count_rst`.
    pub dec_count_rst: bool,
    /// `dec_count_inc`.
    pub dec_count_inc: bool,
    /// Registered output `CHAN_DONE`.
    pub done: bool,
    /// `init_tap_inc`.
    pub init_tap_inc: bool,
}

impl Default for Regs {
    fn default() -> Self {
        Regs {
            reset_r1: true,
            init_tap_cnt: 0,
            calib_start: false,
            check_boundary_count: 0b1010,
            tap_inc: 0b10,
            bit_boundary_aligned: false,
            bit_boundary_aligned_r: false,
            compare: false,
            dec_count: 0,
            current_state: state::START,
            tap_count: 0,
            dq_data_r: Lv::unknown(1),
            dlyinc_global_flag: false,
            dlyce: false,
            dlyinc: false,
            dec_count_rst: false,
            dec_count_inc: false,
            done: false,
            init_tap_inc: false,
        }
    }
}

/// Inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct In {
    /// `RESET` (sys_rst).
    pub reset: bool,
    /// `RDY_STATUS` (IDELAYCTRL RDY).
    pub rdy_status: bool,
    /// `DQ_DATA`: the selected line's registered rise sample.
    pub dq_data: Lv,
    /// `CTRL_DUMMYREAD_START`.
    pub ctrl_dummyread_start: bool,
    /// `BIT_BOUNDARY_CHECK`: group data all-0 or all-1.
    pub bit_boundary_check: bool,
    /// `COMPARE_BIT`: group data all-1.
    pub compare_bit: bool,
}

/// Outputs (all registered).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Out {
    /// `DLYINC`.
    pub dlyinc: bool,
    /// `DLYCE`.
    pub dlyce: bool,
    /// `DLYINC_GLOBAL_FLAG`.
    pub dlyinc_global_flag: bool,
    /// `CHAN_DONE`.
    pub chan_done: bool,
}

/// The registered outputs, readable before the step (they depend on registers only).
pub fn outputs(r: &Regs) -> Out {
    Out {
        dlyinc: r.dlyinc,
        dlyce: r.dlyce,
        dlyinc_global_flag: r.dlyinc_global_flag,
        chan_done: r.done,
    }
}

/// One clk_0 rising edge.
pub fn step(r: &Regs, i: &In, p: &Params) -> (Out, Regs) {
    use state::*;
    let mut n = *r;
    let reset_int = !i.rdy_status || r.reset_r1;
    let cbc = r.check_boundary_count;
    let inc_flag = (!i.bit_boundary_check && cbc == 0b1010) || (cbc == 0 && r.tap_inc != 0);

    n.reset_r1 = i.reset;

    n.init_tap_cnt = if r.reset_r1 {
        0
    } else if r.init_tap_inc {
        (r.init_tap_cnt + 1) & 0x3F
    } else {
        r.init_tap_cnt
    };

    if r.reset_r1 {
        n.calib_start = false;
    } else if r.init_tap_cnt == p.tby4tapvalue.wrapping_sub(2) & 0x3F {
        n.calib_start = i.ctrl_dummyread_start;
    }

    let unaligned_reload = !i.bit_boundary_check && !r.bit_boundary_aligned;
    n.check_boundary_count = if r.reset_r1 || unaligned_reload {
        0b1010
    } else if i.bit_boundary_check && r.calib_start && cbc != 0 {
        cbc - 1
    } else if cbc == 0 && r.tap_inc != 0 {
        0b1010
    } else {
        cbc
    };

    n.tap_inc = if r.reset_r1 || unaligned_reload {
        0b10
    } else if r.calib_start && cbc == 0 && r.tap_inc != 0 {
        r.tap_inc - 1
    } else {
        r.tap_inc
    };

    if r.reset_r1 {
        n.bit_boundary_aligned = false;
    } else if i.bit_boundary_check && !r.bit_boundary_aligned && cbc == 0 && r.tap_inc == 0 {
        n.bit_boundary_aligned = true;
    }
    n.bit_boundary_aligned_r = !r.reset_r1 && r.bit_boundary_aligned;

    if reset_int {
        n.compare = false;
    } else if r.calib_start && r.bit_boundary_aligned && i.bit_boundary_check {
        n.compare = i.compare_bit;
    }

    if reset_int {
        n.dec_count = 0;
    } else if r.calib_start {
        if r.dec_count_rst {
            n.dec_count = 0;
        } else if r.dec_count_inc {
            n.dec_count = (r.dec_count + 1) & 0x3F;
        }
    }

    // Next_State (combinational in the RTL).
    let next = match r.current_state {
        START => INIT_IDELAY_TAPS,
        INIT_IDELAY_TAPS => {
            if r.calib_start {
                BIT_BOUND_ALIGNED
            } else {
                INIT_IDELAY_TAPS
            }
        }
        BIT_BOUND_ALIGNED => {
            if r.bit_boundary_aligned && i.bit_boundary_check {
                BIT_CALIBRATION
            } else if inc_flag {
                GLOBAL_INC1
            } else {
                BIT_BOUND_ALIGNED
            }
        }
        GLOBAL_INC1 => GLOBAL_INC2,
        GLOBAL_INC2 => GLOBAL_INC3,
        GLOBAL_INC3 => GLOBAL_INC4,
        GLOBAL_INC4 => BIT_BOUND_ALIGNED,
        BIT_CALIBRATION => INC,
        INC => WAIT_INC,
        WAIT_INC => EDGE,
        EDGE => {
            // `(DQ_DATA or DQ_DATA_R) /= compare`: an unknown never equals a known compare.
            let seen = i.dq_data.or1(r.dq_data_r);
            let differs = seen.x & 1 == 1 || (seen.v & 1 == 1) != r.compare;
            if differs || r.tap_count >= p.max_tap_count {
                DEC
            } else {
                INC
            }
        }
        DEC => WAIT_DEC,
        WAIT_DEC => {
            if r.dec_count == p.tby4tapvalue {
                DONE
            } else {
                DEC
            }
        }
        DONE => DONE_WAIT1,
        DONE_WAIT1 => DONE_WAIT2,
        DONE_WAIT2 => BIT_CALIBRATION,
        _ => START,
    };
    if reset_int {
        n.current_state = START;
    } else if i.ctrl_dummyread_start {
        n.current_state = next;
    }

    n.tap_count = if reset_int || r.dec_count_rst {
        0
    } else if r.dlyce && r.dlyinc {
        (r.tap_count + 1) & 0x3F
    } else {
        r.tap_count
    };

    n.dq_data_r = i.dq_data;

    // Output decode: registered, from the current state, with no reset.
    let s = r.current_state;
    n.init_tap_inc = s == INIT_IDELAY_TAPS;
    n.dlyinc_global_flag = matches!(s, INIT_IDELAY_TAPS | GLOBAL_INC1 | GLOBAL_INC2);
    n.dlyce = matches!(s, INIT_IDELAY_TAPS | GLOBAL_INC2 | INC | DEC);
    n.dlyinc = matches!(s, INIT_IDELAY_TAPS | GLOBAL_INC2 | INC);
    n.dec_count_rst = s == BIT_CALIBRATION;
    n.dec_count_inc = s == DEC;
    n.done = s == DONE;

    (outputs(r), n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_in_reset() -> Regs {
        let p = Params::default();
        let mut r = Regs::default();
        let i = In {
            reset: true,
            rdy_status: true,
            dq_data: Lv::known(1),
            ctrl_dummyread_start: false,
            bit_boundary_check: true,
            compare_bit: true,
        };
        for _ in 0..3 {
            r = step(&r, &i, &p).1;
        }
        r
    }

    #[test]
    fn held_in_start_without_idelayctrl_ready() {
        let p = Params::default();
        let mut r = run_in_reset();
        let i = In {
            reset: false,
            rdy_status: false,
            dq_data: Lv::known(1),
            ctrl_dummyread_start: true,
            bit_boundary_check: true,
            compare_bit: true,
        };
        for _ in 0..50 {
            r = step(&r, &i, &p).1;
            assert_eq!(r.current_state, state::START);
        }
    }

    #[test]
    fn global_increments_are_registered_one_clock_after_the_state() {
        let p = Params::default();
        let mut r = run_in_reset();
        let i = In {
            reset: false,
            rdy_status: true,
            dq_data: Lv::known(1),
            ctrl_dummyread_start: true,
            bit_boundary_check: true,
            compare_bit: true,
        };
        r = step(&r, &i, &p).1; // RESET_r1 drops
        r = step(&r, &i, &p).1; // START -> INIT_IDELAY_TAPS
        assert_eq!(r.current_state, state::INIT_IDELAY_TAPS);
        assert!(!r.dlyce);
        let mut incs = 0;
        while r.current_state == state::INIT_IDELAY_TAPS || r.dlyce {
            r = step(&r, &i, &p).1;
            incs += (r.dlyce && r.dlyinc && r.dlyinc_global_flag) as u32;
        }
        // calib_start latches at init_tap_cnt = tby4tapvalue - 2, two more registers follow:
        // the golden traces' 18 global increments.
        assert_eq!(incs, 18);
    }
}
