//! Bus commands written by hand for the JEDEC rule tests.

use migcal::analysis::{BusCommand, Clock};

/// The clk_0 period of the hand-written buses, in fs (the goldens' 200 MHz).
pub const P: u64 = 5_000_000;

/// A command at clk_0 edge `cycle` (edges of the golden clock), bank `ba`, address `a`.
pub fn cmd(cycle: u64, kind: &'static str, ba: u64, a: u64) -> BusCommand {
    BusCommand {
        time: Clock::GOLDEN.first_edge + cycle * P,
        cycle,
        kind,
        ba: Some(ba),
        a: Some(a),
    }
}
