//! Cell values: radixes, 4-state bits, and exact decimal times.

/// How a column's text encodes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Radix {
    /// One 4-state character: `0`, `1`, `x`/`X`, `z`/`Z`.
    Bit,
    /// Hexadecimal digits (no prefix; `0x` tolerated), `X`/`Z` digits allowed.
    Hex,
    /// Binary digits `0`,`1`,`x`,`z` (no prefix; `0b` tolerated).
    Binary,
    /// Unsigned decimal; an all-`X` value means unknown.
    Unsigned,
    /// Two's-complement signed decimal; an all-`X` value means unknown.
    Signed,
    /// Generic CSV buses: `0x..` hex, `0b..` binary, else decimal (signed when it starts with `-`).
    Auto,
}

impl Radix {
    /// Parses a Vivado radix name (`HEX`, `BINARY`, `UNSIGNED`, `SIGNED`, and the short forms
    /// `BIN`, `DEC`); octal and ASCII radixes are refused rather than misread.
    pub(super) fn from_name(name: &[u8]) -> Option<Radix> {
        match name.to_ascii_uppercase().as_slice() {
            b"HEX" | b"HEXADECIMAL" => Some(Radix::Hex),
            b"BINARY" | b"BIN" => Some(Radix::Binary),
            b"UNSIGNED" | b"UNSIGNED DECIMAL" | b"DEC" | b"DECIMAL" => Some(Radix::Unsigned),
            b"SIGNED" | b"SIGNED DECIMAL" => Some(Radix::Signed),
            _ => None,
        }
    }
}

/// Decodes `text` in `radix` into exactly `width` 4-state ASCII bits (MSB first) in `out`.
/// The error string says what was expected.
pub fn parse_value(text: &[u8], radix: Radix, width: u32, out: &mut Vec<u8>) -> Result<(), String> {
    out.clear();
    let w = width as usize;
    if text.is_empty() {
        return Err("a value".into());
    }
    match radix {
        Radix::Bit => {
            if text.len() != 1 || w != 1 {
                return parse_value(text, Radix::Binary, width, out);
            }
            out.push(bit_char(text[0]).ok_or("a bit value 0, 1, x or z")?);
            Ok(())
        }
        Radix::Binary => {
            let digits = strip_prefix_ci(text, b"0b").unwrap_or(text);
            for &c in digits {
                if c == b'_' {
                    continue;
                }
                out.push(bit_char(c).ok_or("binary digits 0, 1, x or z")?);
            }
            fit(out, w, "a binary value")
        }
        Radix::Hex => {
            let digits = strip_prefix_ci(text, b"0x").unwrap_or(text);
            for &c in digits {
                let nibble: &[u8; 4] = match c {
                    b'_' => continue,
                    b'x' | b'X' => b"xxxx",
                    b'z' | b'Z' => b"zzzz",
                    b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => {
                        let d = (c as char).to_digit(16).unwrap_or(0) as usize;
                        &NIBBLES[d]
                    }
                    _ => return Err("hex digits 0-9, a-f, x or z".into()),
                };
                out.extend_from_slice(nibble);
            }
            if out.is_empty() {
                return Err("hex digits".into());
            }
            fit(out, w, "a hex value")
        }
        Radix::Unsigned | Radix::Signed => {
            if let Some(fill) = all_unknown(text) {
                out.resize(w, fill);
                return Ok(());
            }
            let (neg, digits) = match text.strip_prefix(b"-") {
                Some(d) if radix == Radix::Signed => (true, d),
                _ => (false, text.strip_prefix(b"+").unwrap_or(text)),
            };
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return Err(if radix == Radix::Signed {
                    "a signed decimal value".into()
                } else {
                    "an unsigned decimal value".into()
                });
            }
            decimal_to_bits(digits, w, out)?;
            if radix == Radix::Signed && w > 0 {
                let magnitude_top = out[0] == b'1';
                if neg {
                    // -2^(w-1) is the only negative value whose magnitude has the top bit set.
                    let is_min = magnitude_top && out[1..].iter().all(|&b| b == b'0');
                    if magnitude_top && !is_min {
                        return Err(format!("a signed value that fits {width} bits"));
                    }
                    twos_complement(out);
                } else if magnitude_top {
                    return Err(format!("a signed value that fits {width} bits"));
                }
            }
            Ok(())
        }
        Radix::Auto => {
            if w == 1 && text.len() == 1 {
                return parse_value(text, Radix::Bit, width, out);
            }
            if strip_prefix_ci(text, b"0x").is_some() {
                parse_value(text, Radix::Hex, width, out)
            } else if strip_prefix_ci(text, b"0b").is_some() {
                parse_value(text, Radix::Binary, width, out)
            } else if text.starts_with(b"-") {
                parse_value(text, Radix::Signed, width, out)
            } else if all_unknown(text).is_some() || text.iter().all(u8::is_ascii_digit) {
                parse_value(text, Radix::Unsigned, width, out)
            } else {
                parse_value(text, Radix::Unsigned, width, out).map_err(|_| {
                    "a bus value: decimal, 0x hex or 0b binary (x/z digits in hex or binary)".into()
                })
            }
        }
    }
}

fn strip_prefix_ci<'a>(text: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    (text.len() > prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &text[prefix.len()..])
}

pub(super) fn bit_char(c: u8) -> Option<u8> {
    match c {
        b'0' | b'1' => Some(c),
        b'x' | b'X' => Some(b'x'),
        b'z' | b'Z' => Some(b'z'),
        _ => None,
    }
}

/// `Some(x or z)` when every character is `x`/`X` (or every one `z`/`Z`).
fn all_unknown(text: &[u8]) -> Option<u8> {
    if text.iter().all(|c| c.eq_ignore_ascii_case(&b'x')) {
        Some(b'x')
    } else if text.iter().all(|c| c.eq_ignore_ascii_case(&b'z')) {
        Some(b'z')
    } else {
        None
    }
}

/// The four ASCII bits of each hex digit.
const NIBBLES: [[u8; 4]; 16] = {
    let mut t = [[b'0'; 4]; 16];
    let mut d = 0;
    while d < 16 {
        let mut i = 0;
        while i < 4 {
            if (d >> (3 - i)) & 1 == 1 {
                t[d][i] = b'1';
            }
            i += 1;
        }
        d += 1;
    }
    t
};

/// Left-extends or narrows the bits in `out` to `w`, in place. Extension repeats a leading
/// `x`/`z` (as VCD does) and zero-fills otherwise; narrowing only drops leading bits that are `0`
/// or copies of an unknown leading digit, so a value wider than the bus is an error, not silently
/// cut.
fn fit(out: &mut Vec<u8>, w: usize, what: &str) -> Result<(), String> {
    let len = out.len();
    if len == w {
        return Ok(());
    }
    if len < w {
        let pad = match out.first() {
            Some(b'x') => b'x',
            Some(b'z') => b'z',
            _ => b'0',
        };
        out.resize(w, pad);
        out.copy_within(0..len, w - len);
        out[..w - len].fill(pad);
        return Ok(());
    }
    let (extra, kept) = out.split_at(len - w);
    let ok = extra.iter().all(|&b| b == b'0')
        || (extra.iter().all(|&b| b == b'x') && !matches!(kept.first(), Some(&b) if b != b'x'))
        || (extra.iter().all(|&b| b == b'z') && !matches!(kept.first(), Some(&b) if b != b'z'));
    if !ok {
        return Err(format!("{what} that fits the {w}-bit bus"));
    }
    out.drain(..len - w);
    Ok(())
}

/// An unsigned decimal integer without sign or blanks.
pub(super) fn parse_u64(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in text {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

/// Exact decimal to binary for any width: base-2^32 limbs, multiply by ten and add per digit.
fn decimal_to_bits(digits: &[u8], w: usize, out: &mut Vec<u8>) -> Result<(), String> {
    let mut limbs: Vec<u32> = vec![0];
    for &d in digits {
        let mut carry = u64::from(d - b'0');
        for limb in limbs.iter_mut() {
            let v = u64::from(*limb) * 10 + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            limbs.push(carry as u32);
        }
        // Guard before the number outgrows the bus by more than a limb.
        if limbs.len() > w / 32 + 2 {
            return Err(format!("a decimal value that fits the {w}-bit bus"));
        }
    }
    let bit = |i: usize| -> bool {
        limbs
            .get(i / 32)
            .is_some_and(|limb| (limb >> (i % 32)) & 1 == 1)
    };
    let total_bits = limbs.len() * 32;
    if (w..total_bits).any(bit) {
        return Err(format!("a decimal value that fits the {w}-bit bus"));
    }
    out.extend((0..w).rev().map(|i| if bit(i) { b'1' } else { b'0' }));
    Ok(())
}

fn twos_complement(bits: &mut [u8]) {
    // Keep bits up to and including the lowest 1, invert the rest.
    let mut seen_one = false;
    for b in bits.iter_mut().rev() {
        if seen_one {
            *b = if *b == b'1' { b'0' } else { b'1' };
        } else if *b == b'1' {
            seen_one = true;
        }
    }
}

/// Parses a decimal number (`12`, `-0.5`, `1.25e-6`) given in units of 10^`exp10` femtoseconds
/// into femtoseconds, exactly, with integer arithmetic only (no f64 drift). Returns the value and
/// whether digits below a femtosecond had to be rounded (half up); `None` when it is not a number
/// or does not fit.
pub fn parse_decimal_fs(text: &[u8], exp10: u32) -> Option<(i128, bool)> {
    let (neg, rest) = match text.first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match rest.iter().position(|&c| c == b'e' || c == b'E') {
        Some(p) => {
            let e = std::str::from_utf8(&rest[p + 1..])
                .ok()?
                .parse::<i32>()
                .ok()?;
            (&rest[..p], e)
        }
        None => (rest, 0),
    };
    let (int_part, frac_part) = match mantissa.iter().position(|&c| c == b'.') {
        Some(p) => (&mantissa[..p], &mantissa[p + 1..]),
        None => (mantissa, &mantissa[mantissa.len()..]),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part.iter().chain(frac_part).all(u8::is_ascii_digit) {
        return None;
    }
    // value = digits * 10^(shift) fs, digits = int_part ++ frac_part.
    let shift = i64::from(exp10) + i64::from(exponent) - frac_part.len() as i64;
    let mut digits = int_part.iter().chain(frac_part).skip_while(|&&c| c == b'0');
    let mut value: i128 = 0;
    let mut rounded = false;
    if shift >= 0 {
        for &c in digits.by_ref() {
            value = value.checked_mul(10)?.checked_add(i128::from(c - b'0'))?;
        }
        for _ in 0..shift {
            if value == 0 {
                break;
            }
            value = value.checked_mul(10)?;
        }
    } else {
        // Keep the digits down to femtoseconds, then round half up on the first dropped digit.
        let all: Vec<u8> = digits.copied().collect();
        let drop = (-shift) as usize;
        let keep = all.len().saturating_sub(drop);
        for &c in &all[..keep] {
            value = value.checked_mul(10)?.checked_add(i128::from(c - b'0'))?;
        }
        let dropped = &all[keep..];
        // When drop exceeds the digit count the leading dropped digits are implicit zeros.
        let implicit_zeros = drop.saturating_sub(all.len());
        if dropped.iter().any(|&c| c != b'0') {
            rounded = true;
            if implicit_zeros == 0 && dropped[0] >= b'5' {
                value = value.checked_add(1)?;
            }
        }
    }
    Some((if neg { -value } else { value }, rounded))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(text: &str, radix: Radix, width: u32) -> Result<String, String> {
        let mut out = Vec::new();
        parse_value(text.as_bytes(), radix, width, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn values_in_every_radix() {
        assert_eq!(val("a", Radix::Hex, 4).unwrap(), "1010");
        assert_eq!(val("0A", Radix::Hex, 6).unwrap(), "001010");
        assert_eq!(val("X", Radix::Hex, 2).unwrap(), "xx");
        assert_eq!(val("1X", Radix::Hex, 6).unwrap(), "01xxxx");
        assert!(val("F", Radix::Hex, 2).is_err());
        assert!(val("G", Radix::Hex, 8).is_err());
        assert_eq!(val("101", Radix::Binary, 5).unwrap(), "00101");
        assert_eq!(val("x1", Radix::Binary, 3).unwrap(), "xx1");
        assert!(val("1101", Radix::Binary, 3).is_err());
        assert_eq!(val("5", Radix::Unsigned, 4).unwrap(), "0101");
        assert!(val("16", Radix::Unsigned, 4).is_err());
        assert_eq!(
            val(
                "340282366920938463463374607431768211455",
                Radix::Unsigned,
                128
            )
            .unwrap(),
            "1".repeat(128)
        );
        assert!(val(
            "340282366920938463463374607431768211456",
            Radix::Unsigned,
            128
        )
        .is_err());
        assert_eq!(val("-1", Radix::Signed, 4).unwrap(), "1111");
        assert_eq!(val("-8", Radix::Signed, 4).unwrap(), "1000");
        assert!(val("-9", Radix::Signed, 4).is_err());
        assert_eq!(val("7", Radix::Signed, 4).unwrap(), "0111");
        assert!(val("8", Radix::Signed, 4).is_err());
        assert_eq!(val("XX", Radix::Unsigned, 3).unwrap(), "xxx");
        assert_eq!(val("Z", Radix::Bit, 1).unwrap(), "z");
        assert!(val("2", Radix::Bit, 1).is_err());
        assert_eq!(val("0x1f", Radix::Auto, 8).unwrap(), "00011111");
        assert_eq!(val("12", Radix::Auto, 8).unwrap(), "00001100");
        assert_eq!(val("0b1x", Radix::Auto, 3).unwrap(), "01x");
        assert!(val("", Radix::Hex, 4).is_err());
    }

    #[test]
    fn decimal_times_are_exact() {
        assert_eq!(
            parse_decimal_fs(b"0.000000001", 15),
            Some((1_000_000, false))
        );
        assert_eq!(parse_decimal_fs(b"1.5", 6), Some((1_500_000, false)));
        assert_eq!(
            parse_decimal_fs(b"-0.25", 15),
            Some((-250_000_000_000_000, false))
        );
        assert_eq!(parse_decimal_fs(b"2.5e-9", 15), Some((2_500_000, false)));
        assert_eq!(
            parse_decimal_fs(b"1.0000000000000004", 15),
            Some((1_000_000_000_000_000, true))
        );
        assert_eq!(parse_decimal_fs(b"0.0000000000000006", 15), Some((1, true)));
        assert_eq!(
            parse_decimal_fs(b"0.00000000000000006", 15),
            Some((0, true))
        );
        assert_eq!(parse_decimal_fs(b"12", 0), Some((12, false)));
        assert_eq!(parse_decimal_fs(b"abc", 0), None);
        assert_eq!(parse_decimal_fs(b".", 0), None);
        assert_eq!(parse_decimal_fs(b"1e999", 0), None);
    }
}
