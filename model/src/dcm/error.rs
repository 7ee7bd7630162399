//! Inputs the DCM cannot take, and how durations are written in their messages.

use super::{Input, Time, FS_PER_MS, FS_PER_NS, FS_PER_PS, FS_PER_US};
use thiserror::Error;

/// Errors of the DCM model: inputs the DCM cannot take.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DcmError {
    /// RST was high for fewer CLKIN cycles than the DCM needs; the simulation model drives
    /// LOCKED to X ("Input Error : RST ... must be asserted for 3 CLKIN clock cycles").
    #[error(
        "input error: RST asserted at {} for {} saw {} CLKIN cycles; the DCM needs RST high for at least {min_cycles} CLKIN cycles (LOCKED would be unknown)",
        fmt_duration(*at),
        fmt_duration(*length),
        fmt_milli(*clkin_cycles_milli)
    )]
    RstTooShort {
        /// When RST rose, femtoseconds.
        at: Time,
        /// How long it stayed high, femtoseconds.
        length: Time,
        /// CLKIN cycles seen while RST was high, in thousandths.
        clkin_cycles_milli: u64,
        /// The required count (`rst_min_clkin_cycles`).
        min_cycles: u32,
    },
    /// Input events were not in time order.
    #[error(
        "DCM input at {at} fs comes after an input at {previous} fs: inputs must be in time order"
    )]
    OutOfOrder {
        /// The offending event's time.
        at: Time,
        /// The time already reached.
        previous: Time,
    },
    /// A CLKIN period of zero.
    #[error("CLKIN period set at {} is 0; expected a positive period", fmt_duration(*at))]
    ZeroPeriod {
        /// When.
        at: Time,
    },
    /// An input that does not change anything (stopping a stopped clock, raising a high RST).
    #[error("DCM input '{input}' at {} is impossible: {state}", fmt_duration(*at))]
    InvalidTransition {
        /// When.
        at: Time,
        /// The input.
        input: Input,
        /// Why it cannot happen.
        state: &'static str,
    },
    /// A parameter the model cannot work with.
    #[error("DCM parameter {name} = {value}: expected {expected}")]
    BadParam {
        /// Parameter name.
        name: &'static str,
        /// Its value.
        value: u64,
        /// What it should be.
        expected: &'static str,
    },
}

fn fmt_milli(m: u64) -> String {
    format!("{}.{:03}", m / 1000, m % 1000)
}

/// A duration (or time) in the largest unit it reaches, exact: `200 ms`, `1.5 ms`,
/// `2.000000000001 ms`, `15 ns`.
pub fn fmt_duration(d: Time) -> String {
    const UNITS: [(Time, &str, usize); 5] = [
        (FS_PER_MS, "ms", 12),
        (FS_PER_US, "us", 9),
        (FS_PER_NS, "ns", 6),
        (FS_PER_PS, "ps", 3),
        (1, "fs", 0),
    ];
    let (unit, name, digits) = UNITS.into_iter().find(|u| d >= u.0).unwrap_or((1, "fs", 0));
    let (whole, frac) = (d / unit, d % unit);
    if frac == 0 {
        format!("{whole} {name}")
    } else {
        let f = format!("{frac:0digits$}");
        format!("{whole}.{} {name}", f.trim_end_matches('0'))
    }
}
