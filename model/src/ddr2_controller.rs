//! The controller's init FSM, counters and command bus (mig-rtl.md §2).
//!
//! Profile `minimodule` is the MIG 1.7 DDR1 controller of the golden build (binary 5-bit
//! `init_state`, §2b) with its main FSM limited to what an idle user port can reach (refresh
//! after init). Every register sits where the RTL has it: commands leave through three
//! registers (`ddr_*_r`, `_r2`, `_r3`), addresses through `*_r1`/`_r2` fed from the
//! two-clock-late `init_state_r2`, and `ctrl_Dummyread_Start` through `_r1`..`_r4` plus one.

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

/// Main (post-init) FSM `state` codes reachable with an idle user port.
pub mod main_state {
    /// IDLE.
    pub const IDLE: u8 = 0x00;
    /// PRECHARGE.
    pub const PRECHARGE: u8 = 0x03;
    /// PRECHARGE_WAIT.
    pub const PRECHARGE_WAIT: u8 = 0x04;
    /// AUTO_REFRESH.
    pub const AUTO_REFRESH: u8 = 0x05;
    /// AUTO_REFRESH_WAIT.
    pub const AUTO_REFRESH_WAIT: u8 = 0x06;
}

/// Which controller FSM runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CtrlProfile {
    /// MIG 1.7 DDR1 controller of the golden build (binary `init_state`).
    #[default]
    Minimodule,
    /// MIG 1.7.3 DDR2 direct clocking (22-bit one-hot `init_state`, JEDEC DDR2 sequence).
    Ddr2,
}

/// Controller parameters (the golden build's `parameters_0_200MHz` values by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Which init FSM.
    pub profile: CtrlProfile,
    /// Mode register loaded at reset (`load_mode_register`, 13 bits).
    pub load_mode_register: u16,
    /// Extended mode register loaded at reset.
    pub ext_load_mode_register: u16,
    /// `max_ref_cnt`: refresh interval counter terminal.
    pub max_ref_cnt: u16,
    /// Reset value of `cke_200us_cnt` (5 bits).
    pub cke_200us_reset: u8,
    /// `cntnext`: terminal of the `count5` wait counter.
    pub cntnext: u8,
    /// `rp_count_value`.
    pub rp_count_value: u8,
    /// `rfc_count_value`.
    pub rfc_count_value: u8,
    /// Number of chip selects.
    pub no_of_cs: u8,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            profile: CtrlProfile::Minimodule,
            load_mode_register: 0b0_0000_0011_0001,
            ext_load_mode_register: 0,
            max_ref_cnt: 1543,
            cke_200us_reset: 31,
            cntnext: 24,
            rp_count_value: 2,
            rfc_count_value: 14,
            no_of_cs: 1,
        }
    }
}

impl Params {
    /// CAS latency as the controller derives it from its mode register.
    pub fn cas_latency(&self) -> u8 {
        let f = ((self.load_mode_register >> 4) & 7) as u8;
        if f == 0b110 {
            2
        } else {
            f
        }
    }

    /// `burst_cnt`: beats pairs per burst (1 for BL2, 2 for BL4, 4 for BL8).
    pub fn burst_cnt(&self) -> u8 {
        match self.load_mode_register & 7 {
            0b010 => 2,
            0b011 => 4,
            _ => 1,
        }
    }
}

/// Controller registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // each field is the RTL register of the same name
pub struct Regs {
    pub rst_r: bool,
    pub init_state: u8,
    pub init_state_r2: u8,
    pub state: u8,
    pub state_r2: u8,
    pub init_count: u8,
    pub init_count_cp: u8,
    pub init_memory: bool,
    pub count5: u8,
    pub count_200_cycle: u8,
    pub count_200cycle_done_r: bool,
    pub refi_count: u16,
    pub cke_200us_cnt: u8,
    pub done_200us: bool,
    pub ref_flag_0: bool,
    pub ref_flag_0_r: bool,
    pub auto_ref: bool,
    pub chip_cnt: u8,
    pub init_done_int: bool,
    pub init_done: bool,
    pub comp_done_r: bool,
    pub cas_count: u8,
    pub dummy_read_en: bool,
    /// `ctrl_Dummyread_Start_r1` .. `_r4` (index 0 = r1).
    pub dummyread_start_r: [bool; 4],
    pub ctrl_dummyread_start: bool,
    pub pattern_read_state_r2: bool,
    pub pattern_read_state_r3: bool,
    pub pattern_read_state_1_r2: bool,
    pub cas_check_count: u8,
    pub rdburst_cnt: u8,
    pub ctrl_rden_r: bool,
    /// `wdf_rden_r` .. `wdf_rden_r4` (index 0 = r).
    pub wdf_rden: [bool; 4],
    pub ctrl_dummy_write: bool,
    pub dummy_write_flag_r: bool,
    pub dummy_write_state_r: bool,
    pub ctrl_wren_cnt: u8,
    pub wrburst_cnt: u8,
    pub rp_count: u8,
    pub rfc_count: u8,
    pub ddr_ras_r: [bool; 3],
    pub ddr_cas_r: [bool; 3],
    pub ddr_we_r: [bool; 3],
    pub ddr_address_init_r: u16,
    pub ddr_address_r1: u16,
    pub ddr_address_r2: u16,
    pub ddr_ba_r1: u8,
    pub ddr_ba_r2: u8,
    pub ddr_cke_r: bool,
    /// DDR2 profile: address pipeline (`_r1`.. `_r3`), aligned with the command registers.
    pub a_r: [u16; 3],
    /// DDR2 profile: bank-address pipeline.
    pub ba_r: [u8; 3],
    /// DDR2 profile: pattern-read history (bit k = in PATTERN_READ k+1 clocks ago), which
    /// places `ctrl_RdEn` read latency + 1 clocks after each pattern read.
    pub pattern_read_hist: u32,
    /// False until the first edge in reset (signals without a power-up value show 'U').
    pub defined: bool,
}

impl Default for Regs {
    fn default() -> Self {
        Regs {
            rst_r: true,
            init_state: init::IDLE,
            init_state_r2: 0,
            state: main_state::IDLE,
            state_r2: 0,
            init_count: 0,
            init_count_cp: 0,
            init_memory: true,
            count5: 0,
            count_200_cycle: 0,
            count_200cycle_done_r: false,
            refi_count: 0,
            cke_200us_cnt: 31,
            done_200us: false,
            ref_flag_0: false,
            ref_flag_0_r: false,
            auto_ref: false,
            chip_cnt: 0,
            init_done_int: false,
            init_done: false,
            comp_done_r: false,
            cas_count: 0,
            dummy_read_en: false,
            dummyread_start_r: [false; 4],
            ctrl_dummyread_start: false,
            pattern_read_state_r2: false,
            pattern_read_state_r3: false,
            pattern_read_state_1_r2: false,
            cas_check_count: 0,
            rdburst_cnt: 0,
            ctrl_rden_r: false,
            wdf_rden: [false; 4],
            ctrl_dummy_write: true,
            dummy_write_flag_r: false,
            dummy_write_state_r: false,
            ctrl_wren_cnt: 0,
            wrburst_cnt: 0,
            rp_count: 0,
            rfc_count: 0,
            ddr_ras_r: [true; 3],
            ddr_cas_r: [true; 3],
            ddr_we_r: [true; 3],
            ddr_address_init_r: 0,
            ddr_address_r1: 0,
            ddr_address_r2: 0,
            ddr_ba_r1: 0,
            ddr_ba_r2: 0,
            ddr_cke_r: false,
            a_r: [0; 3],
            ba_r: [0; 3],
            pattern_read_hist: 0,
            defined: false,
        }
    }
}

/// Inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct In {
    /// `rst` (sys_rst).
    pub rst: bool,
    /// `comp_done` (rd_data's COMP_DONE).
    pub comp_done: bool,
    /// `phy_Dly_Slct_Done` (tap_logic's SEL_DONE).
    pub phy_dly_slct_done: bool,
}

/// The command bus and control outputs as the controller drives them (from registers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Out {
    /// CKE.
    pub cke: bool,
    /// CS# (tied low in this build).
    pub cs_n: bool,
    /// RAS#.
    pub ras_n: bool,
    /// CAS#.
    pub cas_n: bool,
    /// WE#.
    pub we_n: bool,
    /// Bank address.
    pub ba: u8,
    /// Address.
    pub a: u16,
    /// `ctrl_Dummyread_Start`.
    pub ctrl_dummyread_start: bool,
    /// `ctrl_RdEn`.
    pub ctrl_rden: bool,
    /// `ctrl_WrEn`.
    pub ctrl_wren: bool,
    /// `ctrl_Wdf_RdEn`.
    pub ctrl_wdf_rden: bool,
    /// `ctrl_dummy_wr_sel`: the RTL selects a signal (`ctrl_Wdf_RdEn_int`) that nothing
    /// drives, so it is unknown while `ctrl_dummy_write` is set and 0 afterwards.
    pub ctrl_dummy_wr_sel: crate::logic::Lv,
    /// `init_done`.
    pub init_done: bool,
    /// `dummy_write_flag`.
    pub dummy_write_flag: bool,
    /// `ref_flag` (combinational).
    pub ref_flag: bool,
}

/// Outputs from the current registers.
pub fn outputs(r: &Regs, p: &Params) -> Out {
    if p.profile == CtrlProfile::Ddr2 {
        return ddr2::outputs(r, p);
    }
    outputs_common(r, p)
}

/// The refresh-interval counter, the 200 µs counter and the auto-refresh request, shared by
/// both profiles.
fn refresh_counters(r: &Regs, n: &mut Regs, p: &Params) {
    n.refi_count = if r.refi_count == p.max_ref_cnt {
        0
    } else {
        r.refi_count + 1
    };
    let ref_flag = r.refi_count == p.max_ref_cnt && r.done_200us;
    if r.refi_count == p.max_ref_cnt {
        n.cke_200us_cnt = r.cke_200us_cnt.wrapping_sub(1) & 0x1F;
    }
    n.ref_flag_0 = ref_flag;
    n.ref_flag_0_r = r.ref_flag_0;
    if !r.done_200us && r.cke_200us_cnt == 0 {
        n.done_200us = true;
    }
    let in_init_refresh = match p.profile {
        CtrlProfile::Minimodule => r.init_state == init::AUTO_REFRESH,
        CtrlProfile::Ddr2 => r.init_state == ddr2::st::AUTO_REFRESH,
    };
    if r.ref_flag_0 && !r.ref_flag_0_r {
        n.auto_ref = true;
    } else if r.state == main_state::AUTO_REFRESH || in_init_refresh {
        n.auto_ref = false;
    }
    n.rp_count = if r.state == main_state::PRECHARGE {
        p.rp_count_value
    } else {
        r.rp_count.saturating_sub(1)
    };
    n.rfc_count = if r.state == main_state::AUTO_REFRESH {
        p.rfc_count_value
    } else {
        r.rfc_count.saturating_sub(1)
    };
}

/// The main FSM as an idle user port can drive it: refresh after init.
fn main_fsm(r: &Regs, _p: &Params) -> u8 {
    match r.state {
        main_state::IDLE => {
            if r.auto_ref && r.init_done_int {
                main_state::PRECHARGE
            } else {
                main_state::IDLE
            }
        }
        main_state::PRECHARGE => main_state::PRECHARGE_WAIT,
        main_state::PRECHARGE_WAIT => {
            if r.rp_count == 0 {
                if r.auto_ref {
                    main_state::AUTO_REFRESH
                } else {
                    main_state::IDLE
                }
            } else {
                main_state::PRECHARGE_WAIT
            }
        }
        main_state::AUTO_REFRESH => main_state::AUTO_REFRESH_WAIT,
        main_state::AUTO_REFRESH_WAIT => {
            if r.rfc_count == 1 {
                main_state::IDLE
            } else {
                main_state::AUTO_REFRESH_WAIT
            }
        }
        _ => main_state::IDLE,
    }
}

fn outputs_common(r: &Regs, p: &Params) -> Out {
    let ctrl_wdf_rden = match p.burst_cnt() {
        1 => r.wdf_rden[0],
        2 => r.wdf_rden[0] || r.wdf_rden[1],
        4 => r.wdf_rden.iter().any(|&b| b),
        _ => false,
    };
    Out {
        cke: r.ddr_cke_r,
        cs_n: false,
        ras_n: r.ddr_ras_r[2],
        cas_n: r.ddr_cas_r[2],
        we_n: r.ddr_we_r[2],
        ba: r.ddr_ba_r2,
        a: r.ddr_address_r2,
        ctrl_dummyread_start: r.ctrl_dummyread_start,
        ctrl_rden: r.ctrl_rden_r,
        ctrl_wren: r.ctrl_wren_cnt != 0,
        ctrl_wdf_rden,
        ctrl_dummy_wr_sel: if r.ctrl_dummy_write {
            crate::logic::Lv::unknown(1)
        } else {
            crate::logic::Lv::known(0)
        },
        init_done: r.init_done,
        dummy_write_flag: r.dummy_write_flag_r,
        ref_flag: r.refi_count == p.max_ref_cnt && r.done_200us,
    }
}

/// One clk_0 rising edge of the controller of `p.profile`.
pub fn step(r: &Regs, i: &In, p: &Params) -> (Out, Regs) {
    if p.profile == CtrlProfile::Ddr2 {
        return ddr2::step(r, i, p);
    }
    step_minimodule(r, i, p)
}

/// One clk_0 rising edge of the minimodule controller.
fn step_minimodule(r: &Regs, i: &In, p: &Params) -> (Out, Regs) {
    use init::*;
    let out = outputs(r, p);
    let mut n = *r;
    n.rst_r = i.rst;
    n.defined = true;
    // `init_done` has no reset: it follows init_done_int.
    n.init_done = r.init_done_int;
    if r.rst_r {
        let mut z = Regs {
            rst_r: i.rst,
            defined: true,
            init_done: r.init_done_int,
            ..Regs::default()
        };
        // Registers the RTL does not reset keep their values.
        z.ctrl_dummy_write = true;
        return (out, z);
    }
    let s = r.init_state;
    let ms = r.state;
    let cl = p.cas_latency();
    let burst_cnt = p.burst_cnt();
    let dummy_write_state = matches!(s, DUMMY_WRITE | PATTERN_WRITE1 | PATTERN_WRITE2);
    let pattern_read_state = matches!(s, PATTERN_READ1 | PATTERN_READ2);

    n.pattern_read_state_r2 = pattern_read_state;
    n.pattern_read_state_r3 = r.pattern_read_state_r2;
    n.pattern_read_state_1_r2 = s == PATTERN_READ1;
    n.dummy_write_state_r = dummy_write_state;
    if s == PATTERN_READ1 {
        n.ctrl_dummy_write = false;
    }
    n.comp_done_r = i.comp_done;

    // init_memory, init_count, init_count_cp.
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

    refresh_counters(r, &mut n, p);

    n.count_200_cycle = if s == INITCOUNT_200 {
        200
    } else {
        r.count_200_cycle.saturating_sub(1)
    };
    n.count_200cycle_done_r = r.init_memory && r.count_200_cycle == 0;

    if i.comp_done && r.count5 == 0b10100 {
        n.init_done_int = true;
    }

    // Write path bookkeeping.
    n.wrburst_cnt = if dummy_write_state {
        burst_cnt & 7
    } else {
        r.wrburst_cnt.saturating_sub(1)
    };
    n.ctrl_wren_cnt = if r.wdf_rden[0] || r.dummy_write_state_r {
        burst_cnt & 7
    } else {
        r.ctrl_wren_cnt.saturating_sub(1)
    };
    n.wdf_rden = [
        dummy_write_state,
        r.wdf_rden[0],
        r.wdf_rden[1],
        r.wdf_rden[2],
    ];
    if i.phy_dly_slct_done && !r.comp_done_r {
        n.dummy_write_flag_r = true;
    } else if r.comp_done_r {
        n.dummy_write_flag_r = false;
    }

    // Dummy reads and ctrl_Dummyread_Start.
    n.cas_count = if s == DUMMY_FIRST_READ {
        cl & 7
    } else {
        r.cas_count.saturating_sub(1)
    };
    if s == DUMMY_READ {
        n.dummy_read_en = true;
    } else if i.phy_dly_slct_done {
        n.dummy_read_en = false;
    }
    if r.dummy_read_en && r.cas_count == 0 {
        n.dummyread_start_r[0] = true;
    } else if i.phy_dly_slct_done {
        n.dummyread_start_r[0] = false;
    }
    n.dummyread_start_r[1] = r.dummyread_start_r[0];
    n.dummyread_start_r[2] = r.dummyread_start_r[1];
    n.dummyread_start_r[3] = r.dummyread_start_r[2];
    n.ctrl_dummyread_start = r.dummyread_start_r[3];

    // Read enable for the pattern compare (the user read path is idle: no burst reads).
    n.cas_check_count = if r.pattern_read_state_1_r2 {
        (cl.wrapping_sub(1)) & 0xF
    } else {
        r.cas_check_count.saturating_sub(1)
    };
    if r.cas_check_count == 1 {
        n.rdburst_cnt = burst_cnt & 7;
        n.ctrl_rden_r = true;
    } else if r.pattern_read_state_r3 {
        n.rdburst_cnt = match burst_cnt {
            4 => (cl + 2) & 7,
            2 => cl & 7,
            _ => cl.wrapping_sub(burst_cnt) & 7,
        };
    } else if r.rdburst_cnt != 0 {
        n.rdburst_cnt = r.rdburst_cnt - 1;
        if r.rdburst_cnt == 1 {
            n.ctrl_rden_r = false;
        }
    }

    // count5 wait counter.
    n.count5 = if matches!(
        s,
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
    };

    // Init FSM.
    let cntnext = r.count5 == p.cntnext;
    let phy = i.phy_dly_slct_done;
    n.init_state = match s {
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
    };

    // Main FSM (refresh only: the address FIFO is always empty).
    n.state = main_fsm(r, p);
    n.state_r2 = ms;
    n.init_state_r2 = s;

    // Command pins: three registers deep.
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
    n.ddr_ras_r = [ras, r.ddr_ras_r[0], r.ddr_ras_r[1]];
    n.ddr_cas_r = [cas, r.ddr_cas_r[0], r.ddr_cas_r[1]];
    n.ddr_we_r = [we, r.ddr_we_r[0], r.ddr_we_r[1]];

    // Address: init path from init_state_r2 and init_count_cp.
    let row_mask: u16 = 0x1FFF;
    let lmr = p.load_mode_register & row_mask;
    if r.init_memory {
        n.ddr_address_init_r = if r.init_state_r2 == PRECHARGE {
            0x0400
        } else if r.init_state_r2 == LOAD_MODE_REG_ST && r.init_count_cp == 3 {
            p.ext_load_mode_register & row_mask
        } else if r.init_state_r2 == LOAD_MODE_REG_ST && r.init_count_cp == 4 {
            0x0100 | lmr
        } else if r.init_state_r2 == LOAD_MODE_REG_ST && r.init_count_cp == 9 {
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
    n.ddr_address_r1 = if matches!(r.init_state_r2, PATTERN_WRITE1 | PATTERN_READ1) {
        0
    } else if matches!(r.init_state_r2, PATTERN_WRITE2 | PATTERN_READ2) {
        bl_addr
    } else if r.state_r2 == main_state::PRECHARGE || r.init_state_r2 == PRECHARGE {
        0x0400
    } else {
        // Row, column and mode-register addresses come from the (empty, all-zero) address FIFO.
        0
    };
    n.ddr_address_r2 = if r.init_memory {
        r.ddr_address_init_r
    } else {
        r.ddr_address_r1
    };
    if r.init_memory && r.init_state_r2 == LOAD_MODE_REG_ST {
        n.ddr_ba_r1 = if r.init_count_cp == 3 { 1 } else { 0 };
    } else if r.init_state_r2 == DUMMY_ACTIVE || r.init_state_r2 == LOAD_MODE_REG_ST {
        n.ddr_ba_r1 = 0;
    }
    n.ddr_ba_r2 = r.ddr_ba_r1;
    if r.done_200us {
        n.ddr_cke_r = true;
    }
    (out, n)
}

/// The `ddr2` profile: MIG 1.7.3 Virtex-4 DDR2 direct clocking as far as it is known
/// (mig-rtl.md §2a, from the MIG 3.61 source): 22-bit one-hot `init_state`, the full JEDEC DDR2
/// power-up sequence, dummy reads every burst until `phy_Dly_Slct_Done`, then pattern
/// write/read with PATTERN_READ ⇄ PATTERN_READ_WAIT until `comp_done`.
///
/// Where the genuine 1.7.3 RTL is unknown the minimodule's structure and values are used and
/// named: `cntnext` (wait terminal, 24), the three-register command pipeline, the 200 µs counter
/// built from `max_ref_cnt` and `cke_200us_reset`, `ctrl_Dummyread_Start` through four more
/// registers. `init_state` holds the one-hot bit index; traces show `1 << index`.
pub mod ddr2 {
    use super::{main_state, In, Out, Params, Regs};

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

    /// Outputs from the current registers.
    pub fn outputs(r: &Regs, p: &Params) -> Out {
        let mut o = super::outputs_common(r, p);
        o.a = r.a_r[2];
        o.ba = r.ba_r[2];
        o
    }

    /// One clk_0 rising edge.
    pub fn step(r: &Regs, i: &In, p: &Params) -> (Out, Regs) {
        use st::*;
        let out = outputs(r, p);
        if r.rst_r {
            let z = Regs {
                rst_r: i.rst,
                defined: true,
                init_done: r.init_done_int,
                cke_200us_cnt: p.cke_200us_reset,
                ..Regs::default()
            };
            return (out, z);
        }
        let mut n = *r;
        n.rst_r = i.rst;
        n.defined = true;
        n.init_done = r.init_done_int;
        let s = r.init_state;
        let ms = r.state;
        let rl = read_latency(p);
        let burst_cnt = p.burst_cnt();
        let phy = i.phy_dly_slct_done;
        let cntnext = r.count5 == p.cntnext;
        n.comp_done_r = i.comp_done;

        super::refresh_counters(r, &mut n, p);

        // The step index advances on entry to every command / wait step.
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

        n.count_200_cycle = if s == COUNT_200 {
            200
        } else {
            r.count_200_cycle.saturating_sub(1)
        };
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

        // Dummy reads, ctrl_Dummyread_Start.
        n.cas_count = if s == DUMMY_FIRST_READ {
            rl & 7
        } else {
            r.cas_count.saturating_sub(1)
        };
        if s == DUMMY_READ || s == DUMMY_FIRST_READ {
            n.dummy_read_en = true;
        } else if phy {
            n.dummy_read_en = false;
        }
        if r.dummy_read_en && r.cas_count == 0 {
            n.dummyread_start_r[0] = true;
        } else if phy {
            n.dummyread_start_r[0] = false;
        }
        n.dummyread_start_r[1] = r.dummyread_start_r[0];
        n.dummyread_start_r[2] = r.dummyread_start_r[1];
        n.dummyread_start_r[3] = r.dummyread_start_r[2];
        n.ctrl_dummyread_start = r.dummyread_start_r[3];

        // Read enable of the pattern compare: RL + 1 clocks after each pattern read, for a
        // burst.
        n.pattern_read_hist = (r.pattern_read_hist << 1) | (s == PATTERN_READ) as u32;
        let lo = rl as u32;
        let window = ((1u32 << burst_cnt) - 1) << lo;
        n.ctrl_rden_r = r.pattern_read_hist & window != 0;

        // Write path.
        let write_state = matches!(s, DUMMY_WRITE | PATTERN_WRITE);
        n.wdf_rden = [write_state, r.wdf_rden[0], r.wdf_rden[1], r.wdf_rden[2]];
        n.dummy_write_state_r = write_state;
        n.ctrl_wren_cnt = if r.wdf_rden[0] || r.dummy_write_state_r {
            burst_cnt & 7
        } else {
            r.ctrl_wren_cnt.saturating_sub(1)
        };
        if s == PATTERN_READ {
            n.ctrl_dummy_write = false;
        }
        if phy && !r.comp_done_r {
            n.dummy_write_flag_r = true;
        } else if r.comp_done_r {
            n.dummy_write_flag_r = false;
        }

        // Init FSM. Reads and pattern reads are spaced one burst apart (tCCD = BL/2).
        let spaced = r.count5 + 2 >= burst_cnt;
        n.init_state = match s {
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
        };
        // The final precharge (step E) leaves init_count at F, where IDLE waits for comp_done.
        if s == PATTERN_READ_WAIT && r.comp_done_r {
            n.init_count = 0xE;
        }

        n.state = super::main_fsm(r, p);
        n.state_r2 = ms;
        n.init_state_r2 = s;

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
        n.ddr_ras_r = [ras, r.ddr_ras_r[0], r.ddr_ras_r[1]];
        n.ddr_cas_r = [cas, r.ddr_cas_r[0], r.ddr_cas_r[1]];
        n.ddr_we_r = [we, r.ddr_we_r[0], r.ddr_we_r[1]];
        let lmr = p.load_mode_register & 0x1FFF;
        let emr = p.ext_load_mode_register & 0x1FFF & !0x380;
        let (a, ba) = if ms == main_state::PRECHARGE || s == PRECHARGE {
            (0x0400, 0)
        } else if s == LOAD_MODE {
            match r.init_count {
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
        if r.done_200us {
            n.ddr_cke_r = true;
        }
        (out, n)
    }
}
