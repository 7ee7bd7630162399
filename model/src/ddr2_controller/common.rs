//! What both controller profiles share: the registers they both have, the refresh and 200 µs
//! counters, the main (post-init) FSM, the `ctrl_Dummyread_Start` pipeline, the write-path
//! flags and the three-register command pipeline.

use super::{In, Out, Params};
use crate::logic::Lv;

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

/// The power-up value of `cke_200us_cnt` (the golden build's; a profile's reset may load
/// `Params::cke_200us_reset` instead).
pub const CKE_200US_POWER_UP: u8 = 31;

/// The registers both controller profiles have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // each field is the RTL register of the same name
pub struct Common {
    pub rst_r: bool,
    /// `init_state`: the binary code (minimodule) or the one-hot bit index (ddr2).
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
    pub ctrl_rden_r: bool,
    /// `wdf_rden_r` .. `wdf_rden_r4` (index 0 = r).
    pub wdf_rden: [bool; 4],
    pub ctrl_dummy_write: bool,
    pub dummy_write_flag_r: bool,
    pub dummy_write_state_r: bool,
    pub ctrl_wren_cnt: u8,
    pub rp_count: u8,
    pub rfc_count: u8,
    pub ddr_ras_r: [bool; 3],
    pub ddr_cas_r: [bool; 3],
    pub ddr_we_r: [bool; 3],
    pub ddr_cke_r: bool,
    /// False until the first edge in reset (signals without a power-up value show 'U').
    pub defined: bool,
}

impl Default for Common {
    fn default() -> Self {
        Common {
            rst_r: true,
            init_state: 0,
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
            cke_200us_cnt: CKE_200US_POWER_UP,
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
            ctrl_rden_r: false,
            wdf_rden: [false; 4],
            ctrl_dummy_write: true,
            dummy_write_flag_r: false,
            dummy_write_state_r: false,
            ctrl_wren_cnt: 0,
            rp_count: 0,
            rfc_count: 0,
            ddr_ras_r: [true; 3],
            ddr_cas_r: [true; 3],
            ddr_we_r: [true; 3],
            ddr_cke_r: false,
            defined: false,
        }
    }
}

impl Common {
    /// The registers after an edge in reset: everything at its reset value except `init_done`
    /// (no reset: it follows `init_done_int`) and `cke_200us_cnt` (loaded with `cke_200us`).
    pub fn after_reset(&self, i: &In, cke_200us: u8) -> Common {
        Common {
            rst_r: i.rst,
            defined: true,
            init_done: self.init_done_int,
            cke_200us_cnt: cke_200us,
            ..Common::default()
        }
    }
}

/// The outputs both profiles drive from their registers, with the address and bank the
/// profile's own address pipeline holds.
pub fn outputs(r: &Common, p: &Params, a: u16, ba: u8) -> Out {
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
        // Neither build drives ODT during init: the DDR1 part has none, and JEDEC wants it low
        // through the whole DDR2 init sequence (the calibration writes run inside it).
        odt: false,
        ba,
        a,
        ctrl_dummyread_start: r.ctrl_dummyread_start,
        ctrl_rden: r.ctrl_rden_r,
        ctrl_wren: r.ctrl_wren_cnt != 0,
        ctrl_wdf_rden,
        ctrl_dummy_wr_sel: if r.ctrl_dummy_write {
            Lv::unknown(1)
        } else {
            Lv::known(0)
        },
        init_done: r.init_done,
        dummy_write_flag: r.dummy_write_flag_r,
        ref_flag: r.refi_count == p.max_ref_cnt && r.done_200us,
    }
}

/// The refresh-interval counter, the 200 µs counter and the auto-refresh request.
/// `in_init_refresh`: the init FSM is in its AUTO_REFRESH state (which takes the request).
pub fn refresh_counters(r: &Common, n: &mut Common, p: &Params, in_init_refresh: bool) {
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

/// `count_200_cycle`: loaded with 200 when `start` (the init FSM's COUNT_200 state), then
/// counting down to 0.
pub fn count_200_cycle(r: &Common, start: bool) -> u8 {
    if start {
        200
    } else {
        r.count_200_cycle.saturating_sub(1)
    }
}

/// The main FSM as an idle user port can drive it: refresh after init.
pub fn main_fsm(r: &Common) -> u8 {
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

/// `ctrl_Dummyread_Start`: set once a dummy read's CAS latency (`cas_count`) has run out,
/// cleared by `phy_Dly_Slct_Done`, then four more registers.
pub fn dummyread_start(r: &Common, n: &mut Common, phy_dly_slct_done: bool) {
    if r.dummy_read_en && r.cas_count == 0 {
        n.dummyread_start_r[0] = true;
    } else if phy_dly_slct_done {
        n.dummyread_start_r[0] = false;
    }
    n.dummyread_start_r[1] = r.dummyread_start_r[0];
    n.dummyread_start_r[2] = r.dummyread_start_r[1];
    n.dummyread_start_r[3] = r.dummyread_start_r[2];
    n.ctrl_dummyread_start = r.dummyread_start_r[3];
}

/// The write path's flags: `wdf_rden` pipeline, `ctrl_WrEn` burst counter and
/// `dummy_write_flag` (set by `phy_Dly_Slct_Done`, cleared by `comp_done`). `write_state`: the
/// init FSM is in a write state.
pub fn write_path(r: &Common, n: &mut Common, p: &Params, write_state: bool, phy: bool) {
    n.dummy_write_state_r = write_state;
    n.ctrl_wren_cnt = if r.wdf_rden[0] || r.dummy_write_state_r {
        p.burst_cnt() & 7
    } else {
        r.ctrl_wren_cnt.saturating_sub(1)
    };
    n.wdf_rden = [write_state, r.wdf_rden[0], r.wdf_rden[1], r.wdf_rden[2]];
    if phy && !r.comp_done_r {
        n.dummy_write_flag_r = true;
    } else if r.comp_done_r {
        n.dummy_write_flag_r = false;
    }
}

/// The command pins, three registers deep (`ras`, `cas`, `we`: the levels of RAS#, CAS#, WE#,
/// all high = no command), and CKE, high from the end of the 200 µs wait.
pub fn command_pipeline(r: &Common, n: &mut Common, ras: bool, cas: bool, we: bool) {
    n.ddr_ras_r = [ras, r.ddr_ras_r[0], r.ddr_ras_r[1]];
    n.ddr_cas_r = [cas, r.ddr_cas_r[0], r.ddr_cas_r[1]];
    n.ddr_we_r = [we, r.ddr_we_r[0], r.ddr_we_r[1]];
    if r.done_200us {
        n.ddr_cke_r = true;
    }
}
