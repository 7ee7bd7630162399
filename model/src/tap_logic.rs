//! `tap_logic`: the two-level "all groups done" register pair (mig-rtl.md §3a).
//!
//! `data_tap_inc_done` is the AND of every group's `calib_done`, registered; `tap_sel_done`
//! (`SEL_DONE`, the controller's `phy_Dly_Slct_Done`) is that one clock later.

/// Registers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Regs {
    /// `rst_r`: reset registered once.
    pub rst_r: bool,
    /// `data_tap_inc_done`.
    pub data_tap_inc_done: bool,
    /// `tap_sel_done`.
    pub tap_sel_done: bool,
}

/// Inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct In {
    /// `RESET0`.
    pub reset: bool,
    /// AND of every group's `calib_done_dqs`.
    pub all_calib_done: bool,
}

/// Outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Out {
    /// `SEL_DONE`.
    pub sel_done: bool,
}

/// One clk_0 rising edge.
pub fn step(r: &Regs, i: &In) -> (Out, Regs) {
    let n = Regs {
        rst_r: i.reset,
        data_tap_inc_done: !r.rst_r && i.all_calib_done,
        tap_sel_done: !r.rst_r && r.data_tap_inc_done,
    };
    (
        Out {
            sel_done: r.tap_sel_done,
        },
        n,
    )
}
