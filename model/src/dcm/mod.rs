//! Virtex-4 DCM (legacy `DCM`, `DCM_BASE`, `DCM_ADV`) as far as the MIG cares: LOCKED, STATUS\[1\]
//! (CLKIN stopped) and STATUS\[2\] (CLKFX stopped), including the MAP-inserted autocalibration macro
//! of AR21435 (`DCM_AUTOCALIBRATION`).
//!
//! The DCM acts on a millisecond scale (lock time, the 100 ms clock-stop rule, the 200 ms
//! autocalibration reset), so the model is **event-driven**: it takes a time-ordered list of
//! [`InputEvent`]s (CLKIN stop/resume/period change, RST assert/deassert) and produces a
//! time-ordered list of [`OutputEvent`]s, never ticking individual CLKIN cycles. The block style is
//! the project's: [`Params`], state in [`Regs`], and a pure [`advance`] / [`settle`] that return the
//! output changes and the next registers. [`simulate`] runs a whole input list and returns a
//! [`Waveform`] with [`Waveform::locked_at`] and [`Waveform::locked_intervals`], which is what the
//! simulator needs: it runs the MIG cycle by cycle only while LOCKED is high, because LOCKED is the
//! controller's `dcm_lock` and its fall resets the MIG (init starts over).
//!
//! Sources and choices (spec `jedec-ddr2-v4-dcm.md` §3):
//! - RST must be high for at least 3 CLKIN cycles (UNISIM DCM_ADV); shorter is an input error
//!   that leaves LOCKED unknown, reported here as [`DcmError::RstTooShort`].
//! - LOCKED falls when CLKIN has stopped for longer than 100 ms (simulation model); a shorter stop
//!   leaves LOCKED high. Once lock is lost only a RST brings it back.
//! - Cycle-to-cycle jitter above 300 ps, or a period more than 1 ns away from the locked period,
//!   loses lock (simulation model).
//! - With `DCM_AUTOCALIBRATION = TRUE` and `CONFIG STEPPING = "2"` (or later) MAP inserts a macro
//!   that puts the DCM in autocalibration once CLKIN stops. After that, a RST shorter than 200 ms
//!   gives a normal-looking lock that is lost again tens of milliseconds later; only a RST of at
//!   least 200 ms taken while CLKIN runs restores normal behaviour (AR21435, Billauer's blog).
//! - STATUS\[1\] follows CLKIN presence; STATUS\[2\] is sticky until RST; both read 0 until LOCKED has
//!   risen since configuration or the last RST (simulation model).
//!
//! - **\[U\]** What LOCKED does when CLKIN returns and no RST follows at all is not documented; the
//!   model leaves it as it was (still high after a stop under 100 ms). A clock that is absent at
//!   configuration counts as stopped for the macro ([`Params::autocal_if_clkin_absent_at_start`]).
//!
//! Times are femtoseconds ([`Time`], the same unit as `migcal_traces::trace::Time`).
//!
//! ```
//! use migcal_model::dcm::{simulate, ClkinInitial, Input, InputEvent, Params, FS_PER_MS};
//!
//! let ms = FS_PER_MS;
//! let inputs = [
//!     InputEvent { time: 5 * ms, input: Input::ClkinStop },
//!     InputEvent { time: 10 * ms, input: Input::ClkinResume },
//!     InputEvent { time: 20 * ms, input: Input::RstAssert },
//!     InputEvent { time: 21 * ms, input: Input::RstDeassert },
//! ];
//! let w = simulate(&Params::default(), &ClkinInitial::default(), &inputs, 100 * ms).unwrap();
//! // DCM_AUTOCALIBRATION = TRUE: the 1 ms reset gives a lock at 22 ms that is gone at 52 ms.
//! let stretches: Vec<_> = w.locked_intervals().map(|i| (i.rise / ms, i.fall.map(|f| f / ms))).collect();
//! assert_eq!(stretches, [(1, Some(20)), (22, Some(52))]);
//! ```
//!
//! One file per concern: `params.rs` (primitive, attributes, CLKIN at configuration),
//! `signals.rs` (input and output events), `state.rs` (the lock state machine), `error.rs`,
//! `run.rs` (settle, advance, simulate, [`Waveform`]).

mod error;
mod params;
mod run;
mod signals;
mod state;
#[cfg(test)]
mod tests;

pub use error::{fmt_duration, DcmError};
pub use params::{ClkinInitial, Params, Primitive};
pub use run::{advance, settle, simulate, LockedInterval, Waveform};
pub use signals::{Input, InputEvent, OutputEvent, OutputSignal, Outputs};
pub use state::{Lock, Regs};

/// A point in time or a duration, in femtoseconds (the project's time unit).
pub type Time = u64;

/// Femtoseconds per picosecond.
pub const FS_PER_PS: Time = 1_000;
/// Femtoseconds per nanosecond.
pub const FS_PER_NS: Time = 1_000_000;
/// Femtoseconds per microsecond.
pub const FS_PER_US: Time = 1_000_000_000;
/// Femtoseconds per millisecond.
pub const FS_PER_MS: Time = 1_000_000_000_000;
