//! The controller builds and the clk_0 cycle count the analysis reads captures against.

use migcal_traces::Time;
use serde::Serialize;

pub use migcal_model::profile::Profile;

/// How cycles are counted: clk_0 rising edges from t = 0, the first at half a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Clock {
    /// clk_0 period, in the capture's time unit (fs, or samples).
    pub period: u64,
    /// Time of cycle 0's rising edge.
    pub first_edge: u64,
}

impl Clock {
    /// 200 MHz with the first rising edge at 2.5 ns, as in the goldens.
    pub const GOLDEN: Clock = Clock {
        period: 5_000_000,
        first_edge: 2_500_000,
    };

    /// The clk_0 cycle in which `t` falls (a change on an edge belongs to that edge's cycle).
    pub fn cycle(&self, t: Time) -> u64 {
        t.saturating_sub(self.first_edge) / self.period.max(1)
    }

    /// Whole clock cycles in a duration, rounded to nearest.
    pub fn cycles_in(&self, d: u64) -> u64 {
        d.saturating_add(self.period / 2) / self.period.max(1)
    }
}
