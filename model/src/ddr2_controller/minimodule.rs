//! Profile `minimodule`: the MIG 1.7 DDR1 controller of the golden build (binary 5-bit
//! `init_state`, mig-rtl.md §2b) with its main FSM limited to what an idle user port can reach
//! (refresh after init). Every register sits where the RTL has it: commands leave through three
//! registers (`ddr_*_r`, `_r2`, `_r3`), addresses through `*_r1`/`_r2` fed from the
//! two-clock-late `init_state_r2`, and `ctrl_Dummyread_Start` through `_r1`..`_r4` plus one.

use super::common::{self, main_state, Common, CKE_200US_POWER_UP};
use super::{In, Out, Params};

/// Binary `init_state` codes of the minimodule controller.
pub mod init {
    /// INIT_IDLE.
    pub const IDLE: u8 = 0x00;
    /// INIT_DEEP_MEMORY_ST.
    pub const DEEP_MEMORY_ST: u8 = 0x01;
    /// INIT_INITCOUNT_200.
    pub const INITCOUNT_200: u8 = 0x02;
    /// INIT_INITCOUNT_200_WAIT.
    pub const INITCOUNT_200_WAIT: u8 = 0x03;
    /// INIT_DUMMY_READ_CYCLES.
    pub const DUMMY_READ_CYCLES: u8 = 0x04;
    /// INIT_DUMMY_ACTIVE.
    pub const DUMMY_ACTIVE: u8 = 0x05;
    /// INIT_DUMMY_ACTIVE_WAIT.
    pub const DUMMY_ACTIVE_WAIT: u8 = 0x06;
    /// INIT_DUMMY_FIRST_READ.
    pub const DUMMY_FIRST_READ: u8 = 0x07;
    /// INIT_DUMMY_READ.
    pub const DUMMY_READ: u8 = 0x08;
    /// INIT_DUMMY_READ_WAIT.
    pub const DUMMY_READ_WAIT: u8 = 0x09;
    /// INIT_DUMMY_WRITE.
    pub const DUMMY_WRITE: u8 = 0x0A;
    /// INIT_DUMMY_WRITE_READ.
    pub const DUMMY_WRITE_READ: u8 = 0x0C;
    /// INIT_PATTERN_READ1.
    pub const PATTERN_READ1: u8 = 0x0D;
    /// INIT_PATTERN_READ2.
    pub const PATTERN_READ2: u8 = 0x0E;
    /// INIT_PATTERN_READ_WAIT.
    pub const PATTERN_READ_WAIT: u8 = 0x0F;
    /// INIT_PRECHARGE.
    pub const PRECHARGE: u8 = 0x10;
    /// INIT_PRECHARGE_WAIT.
    pub const PRECHARGE_WAIT: u8 = 0x11;
    /// INIT_AUTO_REFRESH.
    pub const AUTO_REFRESH: u8 = 0x12;
    /// INIT_AUTO_REFRESH_WAIT.
    pub const AUTO_REFRESH_WAIT: u8 = 0x13;
    /// INIT_LOAD_MODE_REG_ST.
    pub const LOAD_MODE_REG_ST: u8 = 0x14;
    /// INIT_MODE_REGISTER_WAIT.
    pub const MODE_REGISTER_WAIT: u8 = 0x15;
    /// INIT_PATTERN_WRITE1.
    pub const PATTERN_WRITE1: u8 = 0x16;
    /// INIT_PATTERN_WRITE2.
    pub const PATTERN_WRITE2: u8 = 0x17;
    /// INIT_PATTERN_WRITE_READ.
    pub const PATTERN_WRITE_READ: u8 = 0x18;

    /// The RTL name of an `init_state` code (`None` for unused codes).
    pub fn name(code: u8) -> Option<&'static str> {
        Some(match code {
            IDLE => "INIT_IDLE",
            DEEP_MEMORY_ST => "INIT_DEEP_MEMORY_ST",
            INITCOUNT_200 => "INIT_INITCOUNT_200",
            INITCOUNT_200_WAIT => "INIT_INITCOUNT_200_WAIT",
            DUMMY_READ_CYCLES => "INIT_DUMMY_READ_CYCLES",
            DUMMY_ACTIVE => "INIT_DUMMY_ACTIVE",
            DUMMY_ACTIVE_WAIT => "INIT_DUMMY_ACTIVE_WAIT",
            DUMMY_FIRST_READ => "INIT_DUMMY_FIRST_READ",
            DUMMY_READ => "INIT_DUMMY_READ",
            DUMMY_READ_WAIT => "INIT_DUMMY_READ_WAIT",
            DUMMY_WRITE => "INIT_DUMMY_WRITE",
            DUMMY_WRITE_READ => "INIT_DUMMY_WRITE_READ",
            PATTERN_READ1 => "INIT_PATTERN_READ1",
            PATTERN_READ2 => "INIT_PATTERN_READ2",
            PATTERN_READ_WAIT => "INIT_PATTERN_READ_WAIT",
            PRECHARGE => "INIT_PRECHARGE",
            PRECHARGE_WAIT => "INIT_PRECHARGE_WAIT",
            AUTO_REFRESH => "INIT_AUTO_REFRESH",
            AUTO_REFRESH_WAIT => "INIT_AUTO_REFRESH_WAIT",
            LOAD_MODE_REG_ST => "INIT_LOAD_MODE_REG_ST",
            MODE_REGISTER_WAIT => "INIT_MODE_REGISTER_WAIT",
            PATTERN_WRITE1 => "INIT_PATTERN_WRITE1",
            PATTERN_WRITE2 => "INIT_PATTERN_WRITE2",
            PATTERN_WRITE_READ => "INIT_PATTERN_WRITE_READ",
            _ => return None,
        })
    }
}

/// Registers of the minimodule controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[allow(missing_docs)] // each field is the RTL register of the same name
pub struct Regs {
    /// The registers both profiles have.
    pub c: Common,
    pub pattern_read_state_r2: bool,
    pub pattern_read_state_r3: bool,
    pub pattern_read_state_1_r2: bool,
    pub cas_check_count: u8,
    pub rdburst_cnt: u8,
    pub wrburst_cnt: u8,
    pub ddr_address_init_r: u16,
    pub ddr_address_r1: u16,
    pub ddr_address_r2: u16,
    pub ddr_ba_r1: u8,
    pub ddr_ba_r2: u8,
}

/// Outputs from the current registers.
pub fn outputs(r: &Regs, p: &Params) -> Out {
    common::outputs(&r.c, p, r.ddr_address_r2, r.ddr_ba_r2)
}

/// True in the states that write (`dummy_write_state`).
fn write_state(s: u8) -> bool {
    use init::*;
    matches!(s, DUMMY_WRITE | PATTERN_WRITE1 | PATTERN_WRITE2)
}

/// True in the pattern-read states (`pattern_read_state`).
fn pattern_read_state(s: u8) -> bool {
    use init::*;
    matches!(s, PATTERN_READ1 | PATTERN_READ2)
}

/// One clk_0 rising edge.
pub fn step(r: &Regs, i: &In, p: &Params) -> (Out, Regs) {
    let out = outputs(r, p);
    if r.c.rst_r {
        let z = Regs {
            c: r.c.after_reset(i, CKE_200US_POWER_UP),
            ..Regs::default()
        };
        return (out, z);
    }
    let mut n = *r;
    n.c.rst_r = i.rst;
    n.c.defined = true;
    // `init_done` has no reset: it follows init_done_int.
    n.c.init_done = r.c.init_done_int;
    let s = r.c.init_state;
    n.pattern_read_state_r2 = pattern_read_state(s);
    n.pattern_read_state_r3 = r.pattern_read_state_r2;
    n.pattern_read_state_1_r2 = s == init::PATTERN_READ1;
    if s == init::PATTERN_READ1 {
        n.c.ctrl_dummy_write = false;
    }
    n.c.comp_done_r = i.comp_done;
    init_counters(&r.c, &mut n.c, p);
    common::refresh_counters(&r.c, &mut n.c, p, s == init::AUTO_REFRESH);
    n.c.count_200_cycle = common::count_200_cycle(&r.c, s == init::INITCOUNT_200);
    n.c.count_200cycle_done_r = r.c.init_memory && r.c.count_200_cycle == 0;
    if i.comp_done && r.c.count5 == 0b10100 {
        n.c.init_done_int = true;
    }
    read_write_path(r, &mut n, i, p);
    n.c.count5 = count5(&r.c);
    n.c.init_state = next_init_state(&r.c, i, p);
    // Main FSM (refresh only: the address FIFO is always empty).
    n.c.state = common::main_fsm(&r.c);
    n.c.state_r2 = r.c.state;
    n.c.init_state_r2 = s;
    command_bus(r, &mut n, p);
    (out, n)
}

/// `init_memory`, `init_count`, `init_count_cp` and `chip_cnt`.
fn init_counters(r: &Common, n: &mut Common, _p: &Params) {
    use init::*;
    let s = r.init_state;
    if s == DEEP_MEMORY_ST {
        n.init_memory = true;
    } else if r.init_count_cp == 0b1010 {
        n.init_memory = false;
    }
    let counting_state = matches!(
        s,
        LOAD_MODE_REG_ST
            | PRECHARGE
            | AUTO_REFRESH
            | DUMMY_READ_CYCLES
            | INITCOUNT_200
            | DEEP_MEMORY_ST
    );
    let bump = |c: u8| -> u8 {
        if counting_state {
            (c + 1) & 0xF
        } else if c == 0b1010 {
            0
        } else {
            c
        }
    };
    if s == DEEP_MEMORY_ST {
        n.init_count = 0;
        n.init_count_cp = 0;
    } else if r.init_memory {
        n.init_count = bump(r.init_count);
        n.init_count_cp = bump(r.init_count_cp);
    }
    if s == DEEP_MEMORY_ST {
        n.chip_cnt = (r.chip_cnt + 1) & 3;
    }
}

/// The write path bookkeeping, the dummy reads with `ctrl_Dummyread_Start`, and the read
/// enable of the pattern compare.
fn read_write_path(r: &Regs, n: &mut Regs, i: &In, p: &Params) {
    use init::*;
    let s = r.c.init_state;
    let cl = p.cas_latency();
    let burst_cnt = p.burst_cnt();
    let phy = i.phy_dly_slct_done;
    n.wrburst_cnt = if write_state(s) {
        burst_cnt & 7
    } else {
        r.wrburst_cnt.saturating_sub(1)
    };
    common::write_path(&r.c, &mut n.c, p, write_state(s), phy);

    n.c.cas_count = if s == DUMMY_FIRST_READ {
        cl & 7
    } else {
        r.c.cas_count.saturating_sub(1)
    };
    if s == DUMMY_READ {
        n.c.dummy_read_en = true;
    } else if phy {
        n.c.dummy_read_en = false;
    }
    common::dummyread_start(&r.c, &mut n.c, phy);

    // Read enable for the pattern compare (the user read path is idle: no burst reads).
    n.cas_check_count = if r.pattern_read_state_1_r2 {
        (cl.wrapping_sub(1)) & 0xF
    } else {
        r.cas_check_count.saturating_sub(1)
    };
    if r.cas_check_count == 1 {
        n.rdburst_cnt = burst_cnt & 7;
        n.c.ctrl_rden_r = true;
    } else if r.pattern_read_state_r3 {
        n.rdburst_cnt = match burst_cnt {
            4 => (cl + 2) & 7,
            2 => cl & 7,
            _ => cl.wrapping_sub(burst_cnt) & 7,
        };
    } else if r.rdburst_cnt != 0 {
        n.rdburst_cnt = r.rdburst_cnt - 1;
        if r.rdburst_cnt == 1 {
            n.c.ctrl_rden_r = false;
        }
    }
}

/// The `count5` wait counter: counts in the wait states, 0 elsewhere.
fn count5(r: &Common) -> u8 {
    use init::*;
    if matches!(
        r.init_state,
        PRECHARGE_WAIT
            | MODE_REGISTER_WAIT
            | AUTO_REFRESH_WAIT
            | DUMMY_WRITE_READ
            | PATTERN_READ_WAIT
            | DUMMY_READ_WAIT
            | DUMMY_ACTIVE_WAIT
            | PATTERN_WRITE_READ
    ) {
        (r.count5 + 1) & 0x1F
    } else {
        0
    }
}

/// The init FSM's next state (the RTL's case statement, case by case).
fn next_init_state(r: &Common, i: &In, p: &Params) -> u8 {
    use init::*;
    let s = r.init_state;
    let burst_cnt = p.burst_cnt();
    let cntnext = r.count5 == p.cntnext;
    let phy = i.phy_dly_slct_done;
    match s {
        IDLE => {
            if r.init_memory && r.done_200us {
                match r.init_count {
                    0 | 4 => INITCOUNT_200,
                    1 | 5 => PRECHARGE,
                    2 | 3 | 8 => LOAD_MODE_REG_ST,
                    6 | 7 => AUTO_REFRESH,
                    9 => {
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
        DEEP_MEMORY_ST => IDLE,
        INITCOUNT_200 => INITCOUNT_200_WAIT,
        INITCOUNT_200_WAIT => {
            if r.count_200cycle_done_r {
                IDLE
            } else {
                INITCOUNT_200_WAIT
            }
        }
        DUMMY_READ_CYCLES => DUMMY_ACTIVE,
        DUMMY_ACTIVE => DUMMY_ACTIVE_WAIT,
        DUMMY_ACTIVE_WAIT => {
            if cntnext {
                DUMMY_WRITE
            } else {
                DUMMY_ACTIVE_WAIT
            }
        }
        DUMMY_FIRST_READ | DUMMY_READ => {
            if burst_cnt == 1 && !phy {
                DUMMY_READ
            } else {
                DUMMY_READ_WAIT
            }
        }
        DUMMY_READ_WAIT => {
            if phy {
                if cntnext {
                    if r.auto_ref {
                        PRECHARGE
                    } else {
                        PATTERN_WRITE1
                    }
                } else {
                    DUMMY_READ_WAIT
                }
            } else {
                DUMMY_READ
            }
        }
        DUMMY_WRITE => DUMMY_WRITE_READ,
        DUMMY_WRITE_READ => {
            if cntnext {
                DUMMY_FIRST_READ
            } else {
                DUMMY_WRITE_READ
            }
        }
        PATTERN_WRITE1 => PATTERN_WRITE2,
        PATTERN_WRITE2 => PATTERN_WRITE_READ,
        PATTERN_WRITE_READ => {
            if cntnext {
                PATTERN_READ1
            } else {
                PATTERN_WRITE_READ
            }
        }
        PATTERN_READ1 => {
            if burst_cnt == 1 {
                PATTERN_READ2
            } else {
                PATTERN_READ_WAIT
            }
        }
        PATTERN_READ2 => PATTERN_READ_WAIT,
        PATTERN_READ_WAIT => {
            if r.comp_done_r {
                PRECHARGE
            } else {
                PATTERN_READ_WAIT
            }
        }
        PRECHARGE => PRECHARGE_WAIT,
        PRECHARGE_WAIT | MODE_REGISTER_WAIT | AUTO_REFRESH_WAIT => {
            if cntnext {
                IDLE
            } else {
                s
            }
        }
        LOAD_MODE_REG_ST => MODE_REGISTER_WAIT,
        AUTO_REFRESH => AUTO_REFRESH_WAIT,
        _ => IDLE,
    }
}

/// The command pins, the init address path (from `init_state_r2` and `init_count_cp`), the
/// bank address and CKE.
fn command_bus(r: &Regs, n: &mut Regs, p: &Params) {
    use init::*;
    let s = r.c.init_state;
    let ms = r.c.state;
    let dummy_write_state = write_state(s);
    let pattern_read_state = pattern_read_state(s);
    // Command pins: three registers deep (CKE with them).
    let ras = !(matches!(ms, main_state::PRECHARGE | main_state::AUTO_REFRESH)
        || matches!(
            s,
            LOAD_MODE_REG_ST | PRECHARGE | AUTO_REFRESH | DUMMY_ACTIVE
        ));
    let cas = !(ms == main_state::AUTO_REFRESH
        || dummy_write_state
        || pattern_read_state
        || matches!(
            s,
            LOAD_MODE_REG_ST | DUMMY_FIRST_READ | AUTO_REFRESH | DUMMY_READ
        ));
    let we = !(ms == main_state::PRECHARGE
        || dummy_write_state
        || matches!(s, LOAD_MODE_REG_ST | PRECHARGE));
    common::command_pipeline(&r.c, &mut n.c, ras, cas, we);

    // Address: init path from init_state_r2 and init_count_cp.
    let row_mask: u16 = 0x1FFF;
    let lmr = p.load_mode_register & row_mask;
    if r.c.init_memory {
        n.ddr_address_init_r = if r.c.init_state_r2 == PRECHARGE {
            0x0400
        } else if r.c.init_state_r2 == LOAD_MODE_REG_ST && r.c.init_count_cp == 3 {
            p.ext_load_mode_register & row_mask
        } else if r.c.init_state_r2 == LOAD_MODE_REG_ST && r.c.init_count_cp == 4 {
            0x0100 | lmr
        } else if r.c.init_state_r2 == LOAD_MODE_REG_ST && r.c.init_count_cp == 9 {
            0xFEFF & lmr
        } else {
            0
        };
    }
    let bl_addr: u16 = match p.load_mode_register & 7 {
        0b010 => 4,
        0b011 => 8,
        _ => 2,
    };
    n.ddr_address_r1 = if matches!(r.c.init_state_r2, PATTERN_WRITE1 | PATTERN_READ1) {
        0
    } else if matches!(r.c.init_state_r2, PATTERN_WRITE2 | PATTERN_READ2) {
        bl_addr
    } else if r.c.state_r2 == main_state::PRECHARGE || r.c.init_state_r2 == PRECHARGE {
        0x0400
    } else {
        // Row, column and mode-register addresses come from the (empty, all-zero) address FIFO.
        0
    };
    n.ddr_address_r2 = if r.c.init_memory {
        r.ddr_address_init_r
    } else {
        r.ddr_address_r1
    };
    if r.c.init_memory && r.c.init_state_r2 == LOAD_MODE_REG_ST {
        n.ddr_ba_r1 = if r.c.init_count_cp == 3 { 1 } else { 0 };
    } else if r.c.init_state_r2 == DUMMY_ACTIVE || r.c.init_state_r2 == LOAD_MODE_REG_ST {
        n.ddr_ba_r1 = 0;
    }
    n.ddr_ba_r2 = r.ddr_ba_r1;
}
