//! The controller builds and the clk_0 cycle count the analysis reads captures against.

use migcal_traces::Time;
use serde::Serialize;

/// Which controller build the capture comes from; decides state names and groupings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// The golden build: binary 5-bit `init_state`, 4 calibrated DQ per tap_logic group starting
    /// at the group's second line, pattern groups are bytes.
    Minimodule,
    /// MIG 1.7.3 DDR2 direct clocking: one-hot 22-bit `init_state`, 8 DQ per DQS.
    Ddr2,
}

impl Profile {
    /// DQ lines per tap_logic (DQS) group.
    pub fn lines_per_group(self) -> u32 {
        match self {
            Profile::Minimodule => 4,
            Profile::Ddr2 => 8,
        }
    }

    /// Index within its group of the first line calibrated individually (`chan_sel_int` reset
    /// value: 0010 in the golden build, so line 0 of each group is never walked).
    pub fn first_walked_line(self) -> u32 {
        match self {
            Profile::Minimodule => 1,
            Profile::Ddr2 => 0,
        }
    }

    /// Number of individually calibrated lines per group (the CHAN_DONE pulses expected).
    pub fn walks_per_group(self) -> u32 {
        self.lines_per_group() - self.first_walked_line()
    }

    /// DQ lines that tap_logic calibrates (the minimodule leaves DQ8..15 at tap 0).
    pub fn calibrated_groups(self, dq_width: u32) -> u32 {
        match self {
            Profile::Minimodule => 2,
            Profile::Ddr2 => dq_width.div_ceil(8),
        }
    }

    /// `tby4tapvalue` + 1: the taps the back-off removes (the goldens show 18 for 17).
    pub fn backoff_taps(self) -> u32 {
        18
    }

    /// The individual increments after which the sweep stops without an edge.
    pub fn ceiling(self) -> u32 {
        55
    }

    /// The state name of an `init_state` value, from the model's own tables of the RTL's codes
    /// (mig-rtl.md §2b binary, §2a one-hot).
    pub fn init_state_name(self, code: u64) -> String {
        use migcal_model::ddr2_controller::{ddr2, init};
        let name = match self {
            Profile::Minimodule => u8::try_from(code).ok().and_then(init::name),
            Profile::Ddr2 => u32::try_from(code).ok().and_then(ddr2::name),
        };
        match (name, self) {
            (Some(n), _) => n.to_string(),
            (None, Profile::Minimodule) => format!("unknown code 0x{code:02X}"),
            (None, Profile::Ddr2) => format!("not one-hot 0x{code:06X}"),
        }
    }

    /// Is this `init_state` value the pattern-read wait (where stage 3 stalls)?
    pub fn is_pattern_wait(self, code: u64) -> bool {
        self.init_state_name(code) == "INIT_PATTERN_READ_WAIT"
    }
}

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
