//! Reading and writing captures of the MIG calibration: VCD from any simulator and probe dumps
//! from logic analysers and ILAs, normalized into one [`trace`] under MIG signal names.
//!
//! Data flows one way: a reader (one module per format) yields [`trace::ChangeRef`]s in time
//! order through [`trace::ChangeSource`]; [`names`] binds capture names to MIG names; analyses
//! either stream the changes or [`trace::Trace::load`] the few signals they need.

#![warn(missing_docs)]

pub mod csv;
pub mod error;
pub mod ghw_check;
pub mod input;
pub mod io;
pub mod names;
pub mod origin;
pub mod pipeline;
pub mod saleae_bin;
pub mod sigrok_session;
pub mod sniff;
pub mod trace;
pub mod vcd;
pub mod wave;

pub use error::{Location, TraceError};
pub use trace::{
    ChangeRef, ChangeSource, Header, MemorySource, SignalId, SignalInfo, Time, TimeBase, Trace,
    Value, ValueRef, VarKind, Warnings,
};
