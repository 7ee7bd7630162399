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

/// A value: bits (LSB = bit 0), an unknown mask (a set bit is `x`) and a high-impedance mask
/// (a set bit is `z`, used by the pads only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub struct Value {
    /// Bit values.
    pub bits: u128,
    /// Unknown bits.
    pub unknown: u128,
    /// Undriven bits.
    pub highz: u128,
}

impl Value {
    /// A known value.
    pub const fn known(bits: u128) -> Self {
        Value {
            bits,
            unknown: 0,
            highz: 0,
        }
    }

    /// Every bit of `width` unknown.
    pub const fn unknown(width: u32) -> Self {
        Value {
            bits: 0,
            unknown: crate::logic::mask(width),
            highz: 0,
        }
    }

    /// The value as VCD characters, most significant bit first (`0`, `1`, `x`, `z`).
    pub fn write_chars(&self, width: u32, out: &mut Vec<u8>) {
        out.clear();
        for i in (0..width).rev() {
            out.push(if self.unknown >> i & 1 == 1 {
                b'x'
            } else if self.highz >> i & 1 == 1 {
                b'z'
            } else if self.bits >> i & 1 == 1 {
                b'1'
            } else {
                b'0'
            });
        }
    }
}

/// A change of one pad signal at a sub-cycle time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PadEvent {
    /// Time in femtoseconds.
    pub time_fs: u64,
    /// Index into [`crate::mig::Mig::pad_decls`].
    pub pad: usize,
    /// New value.
    pub value: Value,
}

/// Receives every signal's current value; implementations keep the previous values and emit
/// only changes.
pub trait Probe {
    /// The value of signal `id` (index into the declaration list).
    fn value(&mut self, id: usize, v: Value);
}
