//! The canonical signals the analysis reads: loaders keep only these.

/// Does the analysis (or replay) read this canonical signal? The loaders keep only these, so the
/// pad waveforms (`pins/ck`, `pins/dqs`, `pins/dm`) and internals no rule reads cost nothing.
pub fn reads(canonical: &str) -> bool {
    let Some((block, signal)) = canonical.split_once('/') else {
        return false;
    };
    let block = block.split('[').next().unwrap_or(block);
    let signal = signal.split('[').next().unwrap_or(signal);
    let wanted: &[&str] = match block {
        "ddr_controller" => &[
            "init_state",
            "done_200us",
            "cke_200us_cnt",
            "ctrl_dummyread_start",
            "comp_done",
            "init_done",
            "phy_dly_slct_done",
        ],
        "tap_logic" => &[
            "calib_done_dqs",
            "chan_done_dqs",
            "data_tap_inc_done",
            "tap_sel_done",
            "dlyce_dqs",
            "dlyinc_dqs",
            "dlyinc_global_flag_dqs",
            "data_idelay_ce",
            "data_idelay_inc",
        ],
        "tap_ctrl" => &["current_state", "tap_count"],
        "data_tap_inc" => &["calib_done_int", "chan_sel_int"],
        "pattern_compare" => &[
            "comp_done",
            "clk_cnt_rise",
            "clk_count_rise",
            "first_rising",
            "rd_data_rise",
            "rd_data_fall",
        ],
        "rd_data" => &["comp_done"],
        "idelay_dq" => &["tap"],
        "pins" => &[
            "init_done",
            "cs_n",
            "ras_n",
            "cas_n",
            "we_n",
            "cke",
            "ba",
            "a",
            "dq",
        ],
        "dcm" => &["locked", "rst", "clkin", "status"],
        _ => &[],
    };
    wanted.contains(&signal)
}
