//! The DCM's parameters: primitive, attributes, timing rules, and CLKIN at configuration.

use super::{DcmError, Time, FS_PER_MS, FS_PER_NS, FS_PER_PS};
use std::fmt;

/// Which DCM primitive the design instantiates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
pub enum Primitive {
    /// The legacy Virtex-II style `DCM`. It has no `DCM_AUTOCALIBRATION` attribute, and XST's
    /// automatic upgrade to `DCM_ADV` leaves the attribute at its default, TRUE.
    #[serde(rename = "DCM", alias = "dcm")]
    Dcm,
    /// `DCM_BASE` (has `DCM_AUTOCALIBRATION` since 02/2007, CR 433184).
    #[serde(rename = "DCM_BASE", alias = "dcm_base")]
    DcmBase,
    /// `DCM_ADV` (has `DCM_AUTOCALIBRATION` since 05/2005, CR 208095).
    #[serde(rename = "DCM_ADV", alias = "dcm_adv")]
    DcmAdv,
}

impl fmt::Display for Primitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Primitive::Dcm => "DCM",
            Primitive::DcmBase => "DCM_BASE",
            Primitive::DcmAdv => "DCM_ADV",
        })
    }
}

/// The DCM's parameters. Names follow the spec (`README.md` §3); durations are femtoseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// The primitive instantiated. [`Primitive::Dcm`] ignores [`Params::dcm_autocalibration`].
    pub primitive: Primitive,
    /// The `DCM_AUTOCALIBRATION` attribute (default TRUE).
    pub dcm_autocalibration: bool,
    /// The UCF `CONFIG STEPPING` level; MAP inserts the autocalibration macro only for 2 or later.
    pub stepping: u8,
    /// Minimum RST pulse, in CLKIN cycles (3, UNISIM DCM_ADV and AR13349).
    pub rst_min_clkin_cycles: u32,
    /// Time from a usable CLKIN with RST low to LOCKED rising. **\[U\]**: DS302's LOCK_DLL/LOCK_FX
    /// were not read; 1 ms is a chosen default (real DCMs lock in microseconds to low milliseconds).
    pub lock_time: Time,
    /// The RST length that takes the DCM out of autocalibration (200 ms, AR21435).
    pub autocal_reset_min: Time,
    /// How long a lock taken in autocalibration lasts before LOCKED falls again. **\[U\]**: the
    /// only source says "tens of milliseconds"; 30 ms is chosen.
    pub autocal_unlock_delay: Time,
    /// How long CLKIN may stop before LOCKED falls (100 ms, UNISIM DCM_ADV; XAPP462 agrees).
    pub clkin_stop_lose_lock: Time,
    /// Missing CLKIN periods after which the DCM (STATUS\[1\]) and the autocalibration macro see the
    /// clock as stopped. **\[U\]**: the simulation model uses 2 periods, XAPP462 says one missed
    /// cycle, AR10972 1 to 8 cycles; 2 is chosen.
    pub clkin_stop_detect_periods: u32,
    /// Largest CLKIN cycle-to-cycle jitter (and period step) the DCM tolerates (300 ps, simulation
    /// model); beyond it lock is lost, or not acquired.
    pub max_cycle_jitter: Time,
    /// Largest distance of the CLKIN period from the locked period (1 ns, simulation model).
    pub max_period_jitter: Time,
    /// Whether a CLKIN that is absent at configuration counts as a stopped clock for the
    /// autocalibration macro. **\[U\]**: the macro cannot tell "never started" from "stopped"; true
    /// is chosen, so a late CLKIN needs the 200 ms reset like a disturbed one.
    pub autocal_if_clkin_absent_at_start: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            primitive: Primitive::DcmBase,
            dcm_autocalibration: true,
            stepping: 2,
            rst_min_clkin_cycles: 3,
            lock_time: FS_PER_MS,
            autocal_reset_min: 200 * FS_PER_MS,
            autocal_unlock_delay: 30 * FS_PER_MS,
            clkin_stop_lose_lock: 100 * FS_PER_MS,
            clkin_stop_detect_periods: 2,
            max_cycle_jitter: 300 * FS_PER_PS,
            max_period_jitter: FS_PER_NS,
            autocal_if_clkin_absent_at_start: true,
        }
    }
}

impl Params {
    /// The attribute value in effect: the legacy `DCM` has no attribute and behaves as TRUE.
    pub fn effective_autocalibration(&self) -> bool {
        self.primitive == Primitive::Dcm || self.dcm_autocalibration
    }

    /// Whether MAP inserts the AR21435 autocalibration macro for this DCM.
    pub fn autocal_macro_inserted(&self) -> bool {
        self.effective_autocalibration() && self.stepping >= 2
    }

    /// Checks values the model cannot work with.
    pub fn validate(&self) -> Result<(), DcmError> {
        if self.rst_min_clkin_cycles == 0 {
            return Err(DcmError::BadParam {
                name: "rst_min_clkin_cycles",
                value: 0,
                expected: "at least 1",
            });
        }
        if self.clkin_stop_detect_periods == 0 {
            return Err(DcmError::BadParam {
                name: "clkin_stop_detect_periods",
                value: 0,
                expected: "at least 1",
            });
        }
        Ok(())
    }
}

/// CLKIN at configuration (t = 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClkinInitial {
    /// Whether CLKIN toggles at t = 0.
    pub running: bool,
    /// CLKIN period, femtoseconds (must be > 0).
    pub period: Time,
    /// CLKIN peak cycle-to-cycle jitter, femtoseconds.
    pub jitter: Time,
}

impl Default for ClkinInitial {
    /// A running 200 MHz clock without jitter, the MIG's system clock.
    fn default() -> Self {
        ClkinInitial {
            running: true,
            period: 5 * FS_PER_NS,
            jitter: 0,
        }
    }
}
