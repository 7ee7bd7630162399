//! The board between the controller pins and the memory pins: read-path sampling physics
//! (spec README §2) and the fault seam (§4).
//!
//! Each DQ line's read data reaches the IDDR at: memory launch (on a CK edge; the golden's memory
//! has no tAC) + board trace delay + temperature drift + `tap × tap_ps` of IDELAY + jitter. The
//! sampled bit is the beat whose eye holds the sampling instant; a transition that arrives at
//! exactly the sampling instant is not taken (the golden's IOBUF adds 1 fs).

//!
//! One file per concern: [`Fault`] and its parameters (`fault.rs`), the board [`Params`] and the
//! delays they give (`params.rs`), how faults rewire the nets (`wiring.rs`), which fault lists
//! are valid (checked by the scenario, in the `migcal` package), the controller's write drivers (`drive.rs`), the sampling physics
//! (`sample.rs`) and the pin levels a trace shows (`pins.rs`).

mod cmd;
mod drive;
mod fault;
mod params;
mod pins;
mod sample;
mod wiring;
mod write;

pub use cmd::{CmdPin, CmdPins, ADDR_LINES, BANK_LINES};
pub use drive::CtrlDrive;
pub use fault::{BridgeAt, BridgeMode, DelayPath, Fault, Pull};
pub use params::{
    Params, DEFAULT_CLOCK_TEMP_COEFF_PS_PER_C, DEFAULT_DQ_TEMP_COEFF_PS_PER_C,
    DEFAULT_JITTER_BAND_SIGMAS, DEFAULT_REFRESH_DOUBLE_ABOVE_C, REFERENCE_TEMPERATURE_C,
    TYPICAL_CLOCK_TEMP_COEFF_PS_PER_C, TYPICAL_DQ_TEMP_COEFF_PS_PER_C,
};
pub use pins::{dq_pin, dqs_pin};
pub use sample::{bus_idle, sample_bus, sample_line};
pub use write::BurstWords;
