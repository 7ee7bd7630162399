//! `rd_data_0`: combines the per-lane pattern-compare results (mig-rtl.md §4c).

/// `COMP_DONE`: AND of every lane's `comp_done` (combinational).
pub fn comp_done(lanes: &[crate::pattern_compare8::Out]) -> bool {
    lanes.iter().all(|l| l.comp_done)
}
