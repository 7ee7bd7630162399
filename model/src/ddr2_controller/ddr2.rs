//! The `ddr2` profile: MIG 1.7.3 Virtex-4 DDR2 direct clocking as far as it is known
//! (mig-rtl.md §2a, from the MIG 3.61 source): 22-bit one-hot `init_state`, the full JEDEC DDR2
//! power-up sequence, dummy reads every burst until `phy_Dly_Slct_Done`, then pattern
//! write/read with PATTERN_READ ⇄ PATTERN_READ_WAIT until `comp_done`.
//!
//! Where the genuine 1.7.3 RTL is unknown the minimodule's structure and values are used and
//! named: `cntnext` (wait terminal, 24), the three-register command pipeline, the 200 µs counter
//! built from `max_ref_cnt` and `cke_200us_reset`, `ctrl_Dummyread_Start` through four more
//! registers. `init_state` holds the one-hot bit index; traces show `1 << index`.

use super::common::{self, main_state, Common};
use super::{In, Out, Params};

/// One-hot bit index of each init state.
pub mod st {
    /// INIT_IDLE.
    pub const IDLE: u8 = 0;
    /// INIT_LOAD_MODE.
    pub const LOAD_MODE: u8 = 1;
    /// INIT_MODE_REGISTER_WAIT.
    pub const MODE_REGISTER_WAIT: u8 = 2;
    /// INIT_PRECHARGE.
    pub const PRECHARGE: u8 = 3;
    /// INIT_PRECHARGE_WAIT.
    pub const PRECHARGE_WAIT: u8 = 4;
    /// INIT_AUTO_REFRESH.
    pub const AUTO_REFRESH: u8 = 5;
    /// INIT_AUTO_REFRESH_WAIT.
    pub const AUTO_REFRESH_WAIT: u8 = 6;
    /// INIT_COUNT_200.
    pub const COUNT_200: u8 = 7;
    /// INIT_COUNT_200_WAIT.
    pub const COUNT_200_WAIT: u8 = 8;
    /// INIT_DUMMY_READ_CYCLES.
    pub const DUMMY_READ_CYCLES: u8 = 9;
    /// INIT_DUMMY_ACTIVE.
    pub const DUMMY_ACTIVE: u8 = 10;
    /// INIT_DUMMY_ACTIVE_WAIT.
    pub const DUMMY_ACTIVE_WAIT: u8 = 11;
    /// INIT_DUMMY_WRITE.
    pub const DUMMY_WRITE: u8 = 12;
    /// INIT_DUMMY_WRITE_READ.
    pub const DUMMY_WRITE_READ: u8 = 13;
    /// INIT_DUMMY_READ.
    pub const DUMMY_READ: u8 = 14;
    /// INIT_DUMMY_READ_WAIT.
    pub const DUMMY_READ_WAIT: u8 = 15;
    /// INIT_DUMMY_FIRST_READ.
    pub const DUMMY_FIRST_READ: u8 = 16;
    /// INIT_DEEP_MEMORY_ST.
    pub const DEEP_MEMORY_ST: u8 = 17;
    /// INIT_PATTERN_WRITE.
    pub const PATTERN_WRITE: u8 = 18;
    /// INIT_PATTERN_WRITE_READ.
    pub const PATTERN_WRITE_READ: u8 = 19;
    /// INIT_PATTERN_READ.
    pub const PATTERN_READ: u8 = 20;
    /// INIT_PATTERN_READ_WAIT.
    pub const PATTERN_READ_WAIT: u8 = 21;

    /// Names by bit index.
    pub const NAMES: [&str; 22] = [
        "INIT_IDLE",
        "INIT_LOAD_MODE",
        "INIT_MODE_REGISTER_WAIT",
        "INIT_PRECHARGE",
        "INIT_PRECHARGE_WAIT",
        "INIT_AUTO_REFRESH",
        "INIT_AUTO_REFRESH_WAIT",
        "INIT_COUNT_200",
        "INIT_COUNT_200_WAIT",
        "INIT_DUMMY_READ_CYCLES",
        "INIT_DUMMY_ACTIVE",
        "INIT_DUMMY_ACTIVE_WAIT",
        "INIT_DUMMY_WRITE",
        "INIT_DUMMY_WRITE_READ",
        "INIT_DUMMY_READ",
        "INIT_DUMMY_READ_WAIT",
        "INIT_DUMMY_FIRST_READ",
        "INIT_DEEP_MEMORY_ST",
        "INIT_PATTERN_WRITE",
        "INIT_PATTERN_WRITE_READ",
        "INIT_PATTERN_READ",
        "INIT_PATTERN_READ_WAIT",
    ];
}

/// Name of a one-hot `init_state` value.
pub fn name(one_hot: u32) -> Option<&'static str> {
    if one_hot.count_ones() != 1 {
        return None;
    }
    st::NAMES.get(one_hot.trailing_zeros() as usize).copied()
}

/// Read latency (AL + CL) from the controller's mode registers.
pub fn read_latency(p: &Params) -> u8 {
    (((p.load_mode_register >> 4) & 7) + ((p.ext_load_mode_register >> 3) & 7)) as u8
}

/// Registers of the ddr2 controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Regs {
    /// The registers both profiles have.
    pub c: Common,
    /// Address pipeline (`_r1`.. `_r3`), aligned with the command registers.
    pub a_r: [u16; 3],
    /// Bank-address pipeline.
    pub ba_r: [u8; 3],
    /// Pattern-read history (bit k = in PATTERN_READ k+1 clocks ago), which places
    /// `ctrl_RdEn` read latency + 1 clocks after each pattern read.
    pub pattern_read_hist: u32,
}

/// Outputs from the current registers.
pub fn outputs(r: &Regs, p: &Params) -> Out {
    common::outputs(&r.c, p, r.a_r[2], r.ba_r[2])
}

/// One clk_0 rising edge.
pub fn step(r: &Regs, i: &In, p: &Params) -> (Out, Regs) {
    let out = outputs(r, p);
    if r.c.rst_r {
        let z = Regs {
            c: r.c.after_reset(i, p.cke_200us_reset),
            ..Regs::default()
        };
        return (out, z);
    }
    let mut n = *r;
    n.c.rst_r = i.rst;
    n.c.defined = true;
    n.c.init_done = r.c.init_done_int;
    let s = r.c.init_state;
    n.c.comp_done_r = i.comp_done;
    common::refresh_counters(&r.c, &mut n.c, p, s == st::AUTO_REFRESH);
    init_counters(&r.c, &mut n.c);
    read_write_path(r, &mut n, i, p);
    n.c.init_state = next_init_state(&r.c, i, p);
    // The final precharge (step E) leaves init_count at F, where IDLE waits for comp_done.
    if s == st::PATTERN_READ_WAIT && r.c.comp_done_r {
        n.c.init_count = 0xE;
    }
    n.c.state = common::main_fsm(&r.c);
    n.c.state_r2 = r.c.state;
    n.c.init_state_r2 = s;
    command_bus(r, &mut n, p);
    (out, n)
}

/// The step index `init_count` (advancing on entry to every command / wait step), `chip_cnt`,
/// the 200-cycle and `count5` wait counters, `init_done_int` and `init_memory`.
fn init_counters(r: &Common, n: &mut Common) {
    use st::*;
    let s = r.init_state;
    if matches!(
        s,
        LOAD_MODE | PRECHARGE | AUTO_REFRESH | COUNT_200 | DEEP_MEMORY_ST | DUMMY_READ_CYCLES
    ) {
        n.init_count = (r.init_count + 1) & 0xF;
    }
    n.init_count_cp = r.init_count;
    if s == DEEP_MEMORY_ST {
        n.chip_cnt = (r.chip_cnt + 1) & 3;
    }
    n.count_200_cycle = common::count_200_cycle(r, s == COUNT_200);
    n.count_200cycle_done_r = r.count_200_cycle == 0;
    n.count5 = if matches!(
        s,
        MODE_REGISTER_WAIT
            | PRECHARGE_WAIT
            | AUTO_REFRESH_WAIT
            | DUMMY_ACTIVE_WAIT
            | DUMMY_WRITE_READ
            | DUMMY_READ_WAIT
            | PATTERN_WRITE_READ
            | PATTERN_READ_WAIT
    ) {
        (r.count5 + 1) & 0x7F
    } else {
        0
    };
    if s == IDLE && r.init_count == 0xF && r.comp_done_r {
        n.init_done_int = true;
    }
    if s == IDLE && r.init_count == 0xF && r.init_done_int {
        n.init_memory = false;
    }
}

/// The dummy reads with `ctrl_Dummyread_Start`, the pattern compare's read enable and the
/// write path.
fn read_write_path(r: &Regs, n: &mut Regs, i: &In, p: &Params) {
    use st::*;
    let s = r.c.init_state;
    let rl = read_latency(p);
    let phy = i.phy_dly_slct_done;
    n.c.cas_count = if s == DUMMY_FIRST_READ {
        rl & 7
    } else {
        r.c.cas_count.saturating_sub(1)
    };
    if s == DUMMY_READ || s == DUMMY_FIRST_READ {
        n.c.dummy_read_en = true;
    } else if phy {
        n.c.dummy_read_en = false;
    }
    common::dummyread_start(&r.c, &mut n.c, phy);

    // Read enable of the pattern compare: RL + 1 clocks after each pattern read, for a
    // burst.
    n.pattern_read_hist = (r.pattern_read_hist << 1) | (s == PATTERN_READ) as u32;
    let lo = rl as u32;
    let window = ((1u32 << p.burst_cnt()) - 1) << lo;
    n.c.ctrl_rden_r = r.pattern_read_hist & window != 0;

    common::write_path(
        &r.c,
        &mut n.c,
        p,
        matches!(s, DUMMY_WRITE | PATTERN_WRITE),
        phy,
    );
    if s == PATTERN_READ {
        n.c.ctrl_dummy_write = false;
    }
}

/// The init FSM's next state (the RTL's case statement, case by case). Reads and pattern
/// reads are spaced one burst apart (tCCD = BL/2).
fn next_init_state(r: &Common, i: &In, p: &Params) -> u8 {
    use st::*;
    let s = r.init_state;
    let phy = i.phy_dly_slct_done;
    let cntnext = r.count5 == p.cntnext;
    let spaced = r.count5 + 2 >= p.burst_cnt();
    match s {
        IDLE => {
            if r.init_memory && r.done_200us {
                match r.init_count {
                    0 | 0xC => COUNT_200,
                    1 => {
                        if r.count_200cycle_done_r {
                            PRECHARGE
                        } else {
                            IDLE
                        }
                    }
                    2..=5 | 9..=0xB => LOAD_MODE,
                    6 => PRECHARGE,
                    7 | 8 => AUTO_REFRESH,
                    0xD => {
                        if r.chip_cnt + 1 < p.no_of_cs {
                            DEEP_MEMORY_ST
                        } else if r.count_200cycle_done_r {
                            DUMMY_READ_CYCLES
                        } else {
                            IDLE
                        }
                    }
                    _ => IDLE,
                }
            } else {
                IDLE
            }
        }
        LOAD_MODE => MODE_REGISTER_WAIT,
        PRECHARGE => PRECHARGE_WAIT,
        AUTO_REFRESH => AUTO_REFRESH_WAIT,
        MODE_REGISTER_WAIT | PRECHARGE_WAIT | AUTO_REFRESH_WAIT => {
            if cntnext {
                IDLE
            } else {
                s
            }
        }
        COUNT_200 => COUNT_200_WAIT,
        COUNT_200_WAIT => {
            if r.count_200cycle_done_r && r.count_200_cycle == 0 {
                IDLE
            } else {
                COUNT_200_WAIT
            }
        }
        DEEP_MEMORY_ST => IDLE,
        DUMMY_READ_CYCLES => DUMMY_ACTIVE,
        DUMMY_ACTIVE => DUMMY_ACTIVE_WAIT,
        DUMMY_ACTIVE_WAIT => {
            if cntnext {
                DUMMY_WRITE
            } else {
                s
            }
        }
        DUMMY_WRITE => DUMMY_WRITE_READ,
        DUMMY_WRITE_READ => {
            if cntnext {
                DUMMY_FIRST_READ
            } else {
                s
            }
        }
        DUMMY_FIRST_READ | DUMMY_READ => DUMMY_READ_WAIT,
        DUMMY_READ_WAIT => {
            if phy {
                if cntnext {
                    PATTERN_WRITE
                } else {
                    s
                }
            } else if spaced {
                DUMMY_READ
            } else {
                s
            }
        }
        PATTERN_WRITE => PATTERN_WRITE_READ,
        PATTERN_WRITE_READ => {
            if cntnext {
                PATTERN_READ
            } else {
                s
            }
        }
        PATTERN_READ => PATTERN_READ_WAIT,
        PATTERN_READ_WAIT => {
            if r.comp_done_r {
                PRECHARGE
            } else if spaced {
                PATTERN_READ
            } else {
                s
            }
        }
        _ => IDLE,
    }
}

/// The command pins (three registers) with address and bank in step, and CKE.
fn command_bus(r: &Regs, n: &mut Regs, p: &Params) {
    use st::*;
    let s = r.c.init_state;
    let ms = r.c.state;
    // Command pins (three registers) with address and bank in step.
    let is_cmd = |c: u8| s == c;
    let ras = !(matches!(ms, main_state::PRECHARGE | main_state::AUTO_REFRESH)
        || is_cmd(LOAD_MODE)
        || is_cmd(PRECHARGE)
        || is_cmd(AUTO_REFRESH)
        || is_cmd(DUMMY_ACTIVE));
    let cas = !(ms == main_state::AUTO_REFRESH
        || matches!(
            s,
            LOAD_MODE
                | AUTO_REFRESH
                | DUMMY_WRITE
                | DUMMY_FIRST_READ
                | DUMMY_READ
                | PATTERN_WRITE
                | PATTERN_READ
        ));
    let we = !(ms == main_state::PRECHARGE
        || matches!(s, LOAD_MODE | PRECHARGE | DUMMY_WRITE | PATTERN_WRITE));
    common::command_pipeline(&r.c, &mut n.c, ras, cas, we);
    let lmr = p.load_mode_register & 0x1FFF;
    let emr = p.ext_load_mode_register & 0x1FFF & !0x380;
    let (a, ba) = if ms == main_state::PRECHARGE || s == PRECHARGE {
        (0x0400, 0)
    } else if s == LOAD_MODE {
        match r.c.init_count {
            2 => (0, 2),
            3 => (0, 3),
            4 => (emr, 1),
            5 => (lmr | 0x100, 0),
            9 => (lmr & !0x100, 0),
            0xA => (emr | 0x380, 1),
            _ => (emr, 1),
        }
    } else {
        // Row 0, column 0 for the dummy and pattern accesses.
        (0, 0)
    };
    n.a_r = [a, r.a_r[0], r.a_r[1]];
    n.ba_r = [ba, r.ba_r[0], r.ba_r[1]];
}
