//! Multi-valued logic vectors for the data path.
//!
//! The read path can see an undriven bus (no burst on the lines): the IOBUF stand-in turns a
//! floating pad into an unknown, and VHDL comparisons against unknown bits never match a
//! constant. [`Lv`] carries that unknown-ness so comparisons behave as the RTL does.

/// A logic vector of up to 128 bits where each bit is 0, 1 or unknown (`x`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Lv {
    /// Bit values (meaningless where `x` is set; kept 0 there).
    pub v: u128,
    /// Unknown mask: a set bit means that bit is `x`.
    pub x: u128,
}

impl Lv {
    /// A fully known value.
    pub const fn known(v: u128) -> Self {
        Lv { v, x: 0 }
    }

    /// All `width` bits unknown.
    pub const fn unknown(width: u32) -> Self {
        Lv {
            v: 0,
            x: mask(width),
        }
    }

    /// True when every bit in `width` is known and equal to `c` (VHDL `=` against a constant).
    pub fn eq_const(self, c: u128, width: u32) -> bool {
        let m = mask(width);
        self.x & m == 0 && self.v & m == c & m
    }

    /// Bit `i` as a single-bit vector.
    pub fn bit(self, i: u32) -> Lv {
        Lv {
            v: (self.v >> i) & 1,
            x: (self.x >> i) & 1,
        }
    }

    /// Bits `lo .. lo+width` shifted down.
    pub fn field(self, lo: u32, width: u32) -> Lv {
        Lv {
            v: (self.v >> lo) & mask(width),
            x: (self.x >> lo) & mask(width),
        }
    }

    /// Single-bit OR with std_logic rules: a known 1 dominates an unknown.
    pub fn or1(self, o: Lv) -> Lv {
        let one = (self.v & !self.x & 1) | (o.v & !o.x & 1);
        if one == 1 {
            Lv::known(1)
        } else if (self.x | o.x) & 1 == 1 {
            Lv::unknown(1)
        } else {
            Lv::known(0)
        }
    }
}

/// A mask of the low `width` bits.
pub const fn mask(width: u32) -> u128 {
    if width >= 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_never_equals_a_constant() {
        assert!(!Lv::unknown(4).eq_const(0, 4));
        assert!(Lv::known(0xF).eq_const(0xF, 4));
        assert!(!Lv { v: 0xE, x: 1 }.eq_const(0xF, 4));
    }

    #[test]
    fn or_with_unknown() {
        assert_eq!(Lv::known(1).or1(Lv::unknown(1)), Lv::known(1));
        assert_eq!(Lv::known(0).or1(Lv::unknown(1)), Lv::unknown(1));
        assert_eq!(Lv::known(0).or1(Lv::known(0)), Lv::known(0));
    }
}
