//! The two controller builds the model runs, and what each one's RTL fixes about calibration.
//! Defined once here: the controller, the top, the scenario schema, the analysis and the CLI all
//! use this type.

use crate::ddr2_controller::{ddr2, init};

/// Which controller build: decides the init FSM, state codes and line groupings.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// The golden build: MIG 1.7 DDR1 controller with the DDR2 calibration modules (binary
    /// 5-bit `init_state`, 4 calibrated DQ per tap_logic group starting at the group's second
    /// line, pattern groups are bytes).
    #[default]
    Minimodule,
    /// MIG 1.7.3 Virtex-4 DDR2 direct clocking (one-hot 22-bit `init_state`, 8 DQ per DQS).
    Ddr2,
}

impl Profile {
    /// Every profile, in the order help texts list them.
    pub const ALL: [Profile; 2] = [Profile::Minimodule, Profile::Ddr2];

    /// The name scenarios, reports and the command line use.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Minimodule => "minimodule",
            Profile::Ddr2 => "ddr2",
        }
    }

    /// The profile of a [`Profile::name`].
    pub fn from_name(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.name() == name)
    }

    /// One line on what the build is, for help texts.
    pub fn describe(self) -> &'static str {
        match self {
            Profile::Minimodule => "The golden build: binary 5-bit `init_state`, 4 calibrated DQ per tap_logic group starting at the group's second line, pattern groups are bytes",
            Profile::Ddr2 => "MIG 1.7.3 DDR2 direct clocking: one-hot 22-bit `init_state`, 8 DQ per DQS",
        }
    }

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

    /// DQ groups that tap_logic calibrates (the minimodule leaves DQ8..15 at tap 0).
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

    /// The state name of an `init_state` value, from the tables of the RTL's codes (mig-rtl.md
    /// §2b binary, §2a one-hot).
    pub fn init_state_name(self, code: u64) -> String {
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

#[cfg(test)]
mod tests {
    use super::Profile;

    #[test]
    fn names_round_trip_and_match_serde() {
        for p in Profile::ALL {
            assert_eq!(Profile::from_name(p.name()), Some(p));
        }
        assert_eq!(Profile::from_name("ddr3"), None);
        assert_eq!(Profile::default(), Profile::Minimodule);
    }
}
