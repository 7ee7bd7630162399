//! The tracer seam: the model names its signals and reports their values through a visitor,
//! so a trace writer never reaches into block internals.

/// One traced signal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalDecl {
    /// Full hierarchical name, scopes joined with `/`, as in the golden VCDs
    /// (`tb/dut/top_00/ddr_controller_00/init_state`).
    pub name: String,
    /// Width in bits.
    pub width: u32,
    /// True for the IDELAY stand-in's integer `tap` (dumped as a 32-bit integer).
    pub integer: bool,
}

/// A value: bits (LSB = bit 0) and an unknown mask (a set bit is `x`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub struct Value {
    /// Bit values.
    pub bits: u128,
    /// Unknown bits.
    pub unknown: u128,
}

impl Value {
    /// A known value.
    pub const fn known(bits: u128) -> Self {
        Value { bits, unknown: 0 }
    }
}

/// Receives every signal's current value; implementations keep the previous values and emit
/// only changes.
pub trait Probe {
    /// The value of signal `id` (index into the declaration list).
    fn value(&mut self, id: usize, v: Value);
}
