//! The controller's init FSM, counters and command bus (mig-rtl.md §2), one module per
//! profile: [`minimodule`] (the MIG 1.7 DDR1 controller of the golden build, binary
//! `init_state`) and [`ddr2`] (MIG 1.7.3 DDR2 direct clocking, one-hot `init_state`). What both
//! share (their common registers, the refresh counters, the main FSM, the command pipeline) is
//! in `common.rs`. The ports ([`In`], [`Out`]) and [`Params`] are the same for both; [`Regs`]
//! holds the registers of the profile that runs.

mod common;
pub mod ddr2;
pub mod minimodule;

pub use common::{main_state, Common};
pub use minimodule::init;

pub use crate::profile::Profile;

/// Controller parameters (the golden build's `parameters_0_200MHz` values by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Which init FSM.
    pub profile: Profile,
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
            profile: Profile::Minimodule,
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

/// The registers of the controller that runs: each profile has its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regs {
    /// Profile `minimodule`.
    Minimodule(minimodule::Regs),
    /// Profile `ddr2`.
    Ddr2(ddr2::Regs),
}

impl Default for Regs {
    fn default() -> Self {
        Regs::Minimodule(minimodule::Regs::default())
    }
}

impl Regs {
    /// The power-up registers of the controller `p.profile` selects (`cke_200us_cnt` loaded
    /// with `p.cke_200us_reset`).
    pub fn new(p: &Params) -> Regs {
        let c = Common {
            cke_200us_cnt: p.cke_200us_reset,
            ..Common::default()
        };
        match p.profile {
            Profile::Minimodule => Regs::Minimodule(minimodule::Regs {
                c,
                ..minimodule::Regs::default()
            }),
            Profile::Ddr2 => Regs::Ddr2(ddr2::Regs {
                c,
                ..ddr2::Regs::default()
            }),
        }
    }

    /// The registers both profiles have.
    pub fn common(&self) -> &Common {
        match self {
            Regs::Minimodule(r) => &r.c,
            Regs::Ddr2(r) => &r.c,
        }
    }

    /// The registers both profiles have, to change.
    pub fn common_mut(&mut self) -> &mut Common {
        match self {
            Regs::Minimodule(r) => &mut r.c,
            Regs::Ddr2(r) => &mut r.c,
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
    /// ODT (DDR2 on-die termination enable; the DDR1 build has no such pin and drives 0).
    pub odt: bool,
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
    match r {
        Regs::Minimodule(r) => minimodule::outputs(r, p),
        Regs::Ddr2(r) => ddr2::outputs(r, p),
    }
}

/// One clk_0 rising edge of the controller whose registers `r` holds.
pub fn step(r: &Regs, i: &In, p: &Params) -> (Out, Regs) {
    match r {
        Regs::Minimodule(r) => {
            let (o, n) = minimodule::step(r, i, p);
            (o, Regs::Minimodule(n))
        }
        Regs::Ddr2(r) => {
            let (o, n) = ddr2::step(r, i, p);
            (o, Regs::Ddr2(n))
        }
    }
}
