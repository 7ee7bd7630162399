//! CSV-family probe dumps (ILA, legacy ChipScope, sigrok, Saleae, generic): format sniffing,
//! dispatch, and the one streaming table engine every CSV reader feeds.
//!
//! Each format module only reads its own header lines and decides, per column, what it is (time,
//! ignored, or a signal with a radix) and how time is counted. [`TableSource`] then streams the
//! data rows through the `csv` crate with one reused record, so memory stays flat whatever the
//! file size, and emits a change only for the first row or when a value differs from the last one.

use crate::error::quote;
use crate::{ChangeRef, ChangeSource, Header, SignalId, Time, TraceError, ValueRef, Warnings};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// Which CSV-family export a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvFormat {
    /// Vivado/ChipScope ILA CSV export.
    Ila,
    /// Legacy ChipScope ASCII (tab-separated) export.
    ChipscopePrn,
    /// sigrok-cli CSV output.
    Sigrok,
    /// Saleae Logic 2 digital CSV.
    Saleae,
    /// A time or sample column plus one column per channel.
    Generic,
}

/// Options for sample-indexed captures.
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// Sample period in femtoseconds; overrides a rate stated in the file.
    pub sample_period_fs: Option<u64>,
}

/// The widest bus a CSV column may declare; a guard against a garbage range like `[999999999:0]`
/// turning into a huge allocation.
pub const MAX_BUS_WIDTH: u32 = 65_536;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Recognises a CSV-family export from the first bytes of the (decompressed) file.
///
/// A UTF-8 BOM and leading blank lines are skipped; CRLF line ends are fine. Returns `None` when
/// the bytes look like none of the CSV exports (a VCD, binary data, an unrelated table).
pub fn sniff(first: &[u8]) -> Option<CsvFormat> {
    let text = first.strip_prefix(UTF8_BOM).unwrap_or(first);
    let first_line = text
        .split(|&b| b == b'\n')
        .map(trim_line_end)
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))?;
    let lower = first_line.to_ascii_lowercase();
    if lower.starts_with(b"sample in buffer") {
        let tabs = lower.iter().filter(|&&b| b == b'\t').count();
        let commas = lower.iter().filter(|&&b| b == b',').count();
        return Some(if tabs > commas {
            CsvFormat::ChipscopePrn
        } else {
            CsvFormat::Ila
        });
    }
    if lower.starts_with(b";") || lower.starts_with(b"meta samplerate") {
        return Some(CsvFormat::Sigrok);
    }
    let delim = guess_delimiter(first_line);
    let first_field = first_line
        .split(|&b| b == delim)
        .next()
        .map(trim_field)
        .unwrap_or(b"");
    let first_field = first_field.to_ascii_lowercase();
    if first_field == b"time [s]" || first_field == b"time[s]" {
        return Some(CsvFormat::Saleae);
    }
    let has_delimiter = first_line.contains(&delim);
    if has_delimiter && parse_time_column_name(&first_field).is_some() {
        return Some(CsvFormat::Generic);
    }
    None
}

/// Opens a CSV-family export as a streaming change source.
///
/// Gzip'd files are decompressed transparently. The header is read and checked here, and the
/// first data row is read too, so a file with a header but no samples fails at open.
pub fn open(
    path: &Path,
    format: CsvFormat,
    opts: &CsvOptions,
) -> Result<Box<dyn ChangeSource + Send>, TraceError> {
    let src = match format {
        CsvFormat::Ila => crate::ila_csv::open(path, opts)?,
        CsvFormat::ChipscopePrn => crate::chipscope_prn::open(path, opts)?,
        CsvFormat::Sigrok => crate::sigrok_csv::open(path, opts)?,
        CsvFormat::Saleae => crate::saleae_csv::open(path, opts)?,
        CsvFormat::Generic => crate::generic_csv::open(path, opts)?,
    };
    Ok(Box::new(src))
}

/// Sniffs the file's first bytes and opens it with the matching reader.
pub fn open_sniffed(
    path: &Path,
    opts: &CsvOptions,
) -> Result<Box<dyn ChangeSource + Send>, TraceError> {
    let first = crate::io::peek(path, 4096)?;
    let format = sniff(&first).ok_or_else(|| TraceError::UnknownFormat {
        path: path.to_path_buf(),
        reason: format!("first line {} is no known CSV export header", {
            let text = first.strip_prefix(UTF8_BOM).unwrap_or(&first);
            let end = memchr::memchr(b'\n', text).unwrap_or(text.len());
            quote(&text[..end])
        }),
    })?;
    open(path, format, opts)
}

/// Strips a trailing `\r` (CRLF files).
pub(crate) fn trim_line_end(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Trims ASCII whitespace and one pair of surrounding double quotes.
pub(crate) fn trim_field(f: &[u8]) -> &[u8] {
    let f = f.trim_ascii();
    if f.len() >= 2 && f[0] == b'"' && f[f.len() - 1] == b'"' {
        f[1..f.len() - 1].trim_ascii()
    } else {
        f
    }
}

/// The delimiter of a header line: whichever of tab, `;` and `,` occurs most (comma on a tie).
pub(crate) fn guess_delimiter(line: &[u8]) -> u8 {
    let count = |d: u8| line.iter().filter(|&&b| b == d).count();
    let (c, s, t) = (count(b','), count(b';'), count(b'\t'));
    if t > c && t >= s {
        b'\t'
    } else if s > c {
        b';'
    } else {
        b','
    }
}

/// Splits a header line on `delim` into trimmed fields, honouring CSV quoting (a quoted name may
/// hold the delimiter).
pub(crate) fn split_header(line: &[u8], delim: u8) -> Vec<Vec<u8>> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(line);
    let mut rec = csv::ByteRecord::new();
    match rd.read_byte_record(&mut rec) {
        Ok(true) => rec.iter().map(|f| f.trim_ascii().to_vec()).collect(),
        _ => line
            .split(|&b| b == delim)
            .map(|f| trim_field(f).to_vec())
            .collect(),
    }
}

/// What a time column's header name says about its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeColumnKind {
    /// A sample index (`sample`, `index`, `samples`).
    Index,
    /// A time in units of 10^exp femtoseconds (`time [us]` is exp 9).
    Decimal {
        /// Power of ten of the unit in femtoseconds.
        exp10: u32,
        /// False when the name gave no unit and seconds were assumed.
        unit_stated: bool,
    },
}

/// Recognises a time or sample column name (lower-case input): `time`, `t`, `time_ns`,
/// `time [us]`, `time(ps)`, `t_ms`, `timestamp`, `sample`, `samples`, `index`, `nanoseconds`, ...
pub(crate) fn parse_time_column_name(name: &[u8]) -> Option<TimeColumnKind> {
    let name = std::str::from_utf8(name).ok()?.trim().to_ascii_lowercase();
    match name.as_str() {
        "sample" | "samples" | "index" | "sample index" | "sample_index" | "sample in buffer" => {
            return Some(TimeColumnKind::Index)
        }
        "seconds" => {
            return Some(TimeColumnKind::Decimal {
                exp10: 15,
                unit_stated: true,
            })
        }
        "milliseconds" | "microseconds" | "nanoseconds" | "picoseconds" | "femtoseconds" => {
            let unit = &name[..name.len() - "seconds".len()];
            let exp10 = match unit {
                "milli" => 12,
                "micro" => 9,
                "nano" => 6,
                "pico" => 3,
                _ => 0,
            };
            return Some(TimeColumnKind::Decimal {
                exp10,
                unit_stated: true,
            });
        }
        _ => {}
    }
    let (base, rest) = ["timestamp", "time", "t"]
        .iter()
        .find_map(|b| name.strip_prefix(b).map(|r| (*b, r)))?;
    let _ = base;
    let unit = rest
        .trim()
        .trim_start_matches(['_', ' ', '-'])
        .trim_start_matches(['[', '(', '/'])
        .trim_end_matches([']', ')'])
        .trim();
    let exp10 = match unit {
        "" => {
            return Some(TimeColumnKind::Decimal {
                exp10: 15,
                unit_stated: false,
            })
        }
        "s" | "sec" => 15,
        "ms" => 12,
        "us" | "µs" | "μs" => 9,
        "ns" => 6,
        "ps" => 3,
        "fs" => 0,
        _ => return None,
    };
    Some(TimeColumnKind::Decimal {
        exp10,
        unit_stated: true,
    })
}

/// A signal name with an optional `[msb:lsb]` or `<msb:lsb>` range glued to its end: the range
/// (when it has a colon) and the width it implies. `[n]` alone is a single bit of a bus: width 1,
/// no range.
pub(crate) fn parse_bus_name(name: &str) -> Result<(Option<(i64, i64)>, u32), String> {
    let Some(close) = name.chars().last().filter(|c| *c == ']' || *c == '>') else {
        return Ok((None, 1));
    };
    let open = if close == ']' { '[' } else { '<' };
    let Some(start) = name.rfind(open) else {
        return Ok((None, 1));
    };
    let inner = &name[start + 1..name.len() - 1];
    let Some((m, l)) = inner.split_once(':') else {
        return Ok((None, 1));
    };
    let (Ok(msb), Ok(lsb)) = (m.trim().parse::<i64>(), l.trim().parse::<i64>()) else {
        return Err(format!(
            "a bus range [msb:lsb] with integer bounds in {name:?}"
        ));
    };
    let width = msb.abs_diff(lsb).saturating_add(1);
    if width > MAX_BUS_WIDTH as u64 {
        return Err(format!(
            "a bus of at most {MAX_BUS_WIDTH} bits, not {width} in {name:?}"
        ));
    }
    Ok((Some((msb, lsb)), width as u32))
}

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
    pub(crate) fn from_name(name: &[u8]) -> Option<Radix> {
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

fn bit_char(c: u8) -> Option<u8> {
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
fn parse_u64(text: &[u8]) -> Option<u64> {
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

/// How a table's row times are found.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TimeMode {
    /// No time column: the row's position (0, 1, 2, ...) times `period` (fs as num/den), or the
    /// position itself when there is no period.
    RowIndex { period: Option<(u64, u64)> },
    /// An integer sample-index column, scaled by `period` when there is one.
    Index {
        col: usize,
        period: Option<(u64, u64)>,
    },
    /// A decimal time column in units of 10^`exp10` fs, plus `offset_fs` (sigrok's one-period
    /// lead).
    Decimal {
        col: usize,
        exp10: u32,
        offset_fs: i128,
    },
}

/// What one field of a data row is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ColumnRole {
    /// Not read (ILA `Sample in Window`, a time column already used).
    Skip,
    /// A signal: its id, value radix and width.
    Signal {
        signal: SignalId,
        radix: Radix,
        width: u32,
    },
}

/// Everything a format module decided from its header lines.
pub(crate) struct TableSpec {
    /// Header handed to callers.
    pub header: Header,
    /// Field delimiter of the data rows.
    pub delimiter: u8,
    /// One role per field; rows must have exactly this many fields.
    pub columns: Vec<ColumnRole>,
    /// Where row times come from.
    pub time: TimeMode,
    /// Warnings already collected while reading the header.
    pub warnings: Warnings,
}

/// A header-line reader over the raw input: 1-based line numbers, BOM and CR stripped.
pub(crate) struct LineInput {
    /// The file, for messages.
    pub path: PathBuf,
    input: Box<dyn BufRead + Send>,
    /// Lines consumed so far (the number of the last line returned).
    pub line: u64,
    buf: Vec<u8>,
    peeked: bool,
}

impl LineInput {
    /// Opens `path` (gzip transparently).
    pub fn open(path: &Path) -> Result<LineInput, TraceError> {
        Ok(LineInput {
            path: path.to_path_buf(),
            input: crate::io::open_maybe_gz(path)?,
            line: 0,
            buf: Vec::new(),
            peeked: false,
        })
    }

    /// The next line without its line end, `None` at end of file. Header lines are short; a
    /// line over 1 MiB is refused so binary garbage cannot make the reader buffer the whole file.
    pub fn next_line(&mut self) -> Result<Option<&[u8]>, TraceError> {
        if self.peeked {
            self.peeked = false;
            return Ok(Some(self.current()));
        }
        self.buf.clear();
        let mut limited = Read::take(&mut self.input, 1 << 20);
        let n = limited
            .read_until(b'\n', &mut self.buf)
            .map_err(|source| TraceError::Io {
                path: self.path.clone(),
                source,
            })?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        if self.buf.last() != Some(&b'\n') && self.buf.len() >= 1 << 20 {
            return Err(TraceError::syntax(
                &self.path,
                self.line,
                "a header line shorter than 1 MiB",
                &self.buf,
            ));
        }
        if self.line == 1 && self.buf.starts_with(UTF8_BOM) {
            self.buf.drain(..3);
        }
        Ok(Some(self.current()))
    }

    /// Makes the next [`Self::next_line`] return the current line again.
    pub fn unread(&mut self) {
        self.peeked = true;
    }

    /// The last line returned.
    pub fn current(&self) -> &[u8] {
        let l = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
        trim_line_end(l)
    }

    /// The next non-blank line, `None` at end of file.
    pub fn next_nonblank(&mut self) -> Result<Option<&[u8]>, TraceError> {
        loop {
            match self.next_line()? {
                None => return Ok(None),
                Some(l) if l.iter().all(u8::is_ascii_whitespace) => continue,
                Some(_) => return Ok(Some(self.current())),
            }
        }
    }

    /// A syntax error at the current line.
    pub fn error(&self, expected: impl Into<String>, found: impl AsRef<[u8]>) -> TraceError {
        TraceError::syntax(&self.path, self.line.max(1), expected, found)
    }
}

/// Checks a header's column names for duplicates (a reader could not tell the columns apart).
pub(crate) fn check_unique(input: &LineInput, names: &[Vec<u8>]) -> Result<(), TraceError> {
    let mut seen = std::collections::HashSet::new();
    for n in names {
        if n.is_empty() {
            return Err(input.error("a name for every column", "an empty column name"));
        }
        if !seen.insert(n.as_slice()) {
            return Err(input.error("unique column names", n));
        }
    }
    Ok(())
}

/// The streaming engine shared by every CSV reader.
pub struct TableSource {
    path: PathBuf,
    header: Header,
    reader: csv::Reader<Box<dyn BufRead + Send>>,
    record: csv::ByteRecord,
    /// Lines consumed before the csv reader took over.
    line_offset: u64,
    columns: Vec<ColumnRole>,
    delimiter: u8,
    time_mode: TimeMode,
    warnings: Warnings,
    /// Per signal: offset into `values`.
    offsets: Vec<usize>,
    /// Current value of every signal, concatenated.
    values: Vec<u8>,
    scratch: Vec<u8>,
    wanted: Vec<bool>,
    /// Column indexes whose change is still to be handed out for the current row.
    pending: Vec<usize>,
    pending_pos: usize,
    time: Time,
    /// Time of the previous row in the file's own unit, for messages and the ordering check.
    prev_raw: Option<i128>,
    /// Added to every decimal time so a capture starting before 0 (Saleae pre-trigger) fits u64.
    shift_fs: i128,
    row_index: u64,
    have_prefetched: bool,
    done: bool,
}

impl TableSource {
    /// Takes over `input` after the format's header lines and reads the first data row, so a
    /// header-only file fails here.
    pub(crate) fn new(input: LineInput, spec: TableSpec) -> Result<TableSource, TraceError> {
        let LineInput {
            path,
            input: rd,
            line,
            buf,
            peeked,
        } = input;
        // A peeked line must be replayed to the csv reader: chain it in front of the input.
        let (rd, line_offset): (Box<dyn BufRead + Send>, u64) = if peeked {
            let mut first = buf;
            if first.last() != Some(&b'\n') {
                first.push(b'\n');
            }
            (
                Box::new(std::io::Cursor::new(first).chain(rd)),
                line.saturating_sub(1),
            )
        } else {
            (rd, line)
        };
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(spec.delimiter)
            .from_reader(rd);
        let mut offsets = Vec::with_capacity(spec.header.signals.len());
        let mut total = 0usize;
        for s in &spec.header.signals {
            offsets.push(total);
            total += s.width as usize;
        }
        let mut src = TableSource {
            path,
            wanted: vec![true; spec.header.signals.len()],
            header: spec.header,
            reader,
            record: csv::ByteRecord::new(),
            line_offset,
            columns: spec.columns,
            delimiter: spec.delimiter,
            time_mode: spec.time,
            warnings: spec.warnings,
            offsets,
            values: vec![b'x'; total],
            scratch: Vec::new(),
            pending: Vec::new(),
            pending_pos: 0,
            time: 0,
            prev_raw: None,
            shift_fs: 0,
            row_index: 0,
            have_prefetched: false,
            done: false,
        };
        let mut more = src.read_record()?;
        while more && src.is_blank_record() {
            more = src.read_record()?;
        }
        if !more {
            return Err(TraceError::syntax(
                &src.path,
                src.line_offset + 1,
                "at least one data row after the header",
                b"",
            ));
        }
        src.have_prefetched = true;
        Ok(src)
    }

    /// Field `col` of the current row, trimmed of blanks (Saleae's `, ` separators). Trimming
    /// here rather than with `csv::Trim::All`, which rebuilds the whole record on every row.
    fn field(&self, col: usize) -> &[u8] {
        self.record.get(col).unwrap_or(b"").trim_ascii()
    }

    /// A line of only blanks (the csv crate skips empty lines but not `"   "`).
    fn is_blank_record(&self) -> bool {
        self.record.len() == 1 && self.field(0).is_empty() && self.columns.len() > 1
    }

    fn line(&self) -> u64 {
        self.line_offset + self.record.position().map_or(1, |p| p.line())
    }

    fn read_record(&mut self) -> Result<bool, TraceError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(more) => Ok(more),
            Err(e) => {
                let line = self.line_offset + e.position().map_or(1, |p| p.line());
                match e.into_kind() {
                    csv::ErrorKind::Io(source) => Err(TraceError::Io {
                        path: self.path.clone(),
                        source,
                    }),
                    other => Err(TraceError::syntax(
                        &self.path,
                        line,
                        "a well-formed CSV row",
                        format!("{other:?}"),
                    )),
                }
            }
        }
    }

    fn row_error(&self, col: usize, expected: impl Into<String>) -> TraceError {
        let found = self.field(col);
        TraceError::syntax(
            &self.path,
            self.line(),
            format!("{} in column {}", expected.into(), col + 1),
            found,
        )
    }

    fn row_time(&mut self) -> Result<(), TraceError> {
        let row = self.row_index;
        let scaled = |idx: u64, period: Option<(u64, u64)>, w: &mut Warnings| -> Option<u64> {
            match period {
                None => Some(idx),
                Some((num, den)) if num % den == 0 => idx.checked_mul(num / den),
                Some((num, den)) => {
                    let p = u128::from(idx) * u128::from(num);
                    let q = p / u128::from(den);
                    let r = p % u128::from(den);
                    if r != 0 {
                        w.fractional_times_rounded += 1;
                    }
                    let q = if r * 2 >= u128::from(den) { q + 1 } else { q };
                    u64::try_from(q).ok()
                }
            }
        };
        let (raw, time) = match self.time_mode {
            TimeMode::RowIndex { period } => {
                let t = scaled(row, period, &mut self.warnings)
                    .ok_or_else(|| self.row_error(0, "a time below 2^64 fs"))?;
                (i128::from(row), t)
            }
            TimeMode::Index { col, period } => {
                let idx = parse_u64(self.field(col))
                    .ok_or_else(|| self.row_error(col, "a sample index (unsigned integer)"))?;
                let t = scaled(idx, period, &mut self.warnings)
                    .ok_or_else(|| self.row_error(col, "a time below 2^64 fs"))?;
                (i128::from(idx), t)
            }
            TimeMode::Decimal {
                col,
                exp10,
                offset_fs,
            } => {
                let (fs, rounded) = parse_decimal_fs(self.field(col), exp10)
                    .ok_or_else(|| self.row_error(col, "a decimal time"))?;
                let fs = fs + offset_fs;
                if rounded {
                    self.warnings.fractional_times_rounded += 1;
                }
                if self.prev_raw.is_none() && fs < 0 {
                    self.shift_fs = -fs;
                    self.warnings.note(format!(
                        "capture starts at a negative time; all times shifted by +{} fs so the first row is at 0",
                        -fs
                    ));
                }
                let t = u64::try_from(fs + self.shift_fs)
                    .map_err(|_| self.row_error(col, "a time between 0 and 2^64 fs"))?;
                (fs, t)
            }
        };
        if let Some(prev) = self.prev_raw {
            if raw < prev {
                // Sample indexes are reported as written; decimal times in fs, the unit both
                // values share after conversion.
                let (previous, found) = match self.time_mode {
                    TimeMode::Decimal { .. } => (format!("{prev} fs"), format!("{raw} fs")),
                    _ => (prev.to_string(), raw.to_string()),
                };
                return Err(TraceError::TimeBackwards {
                    at: crate::Location {
                        file: self.path.clone(),
                        line: self.line(),
                    },
                    previous,
                    found,
                });
            }
        }
        self.prev_raw = Some(raw);
        self.time = time;
        Ok(())
    }

    fn process_row(&mut self) -> Result<(), TraceError> {
        if self.record.len() != self.columns.len() {
            let found = self.record.iter().collect::<Vec<_>>().join(&self.delimiter);
            return Err(TraceError::syntax(
                &self.path,
                self.line(),
                format!(
                    "{} fields like the header, not {}",
                    self.columns.len(),
                    self.record.len()
                ),
                found,
            ));
        }
        self.row_time()?;
        self.pending.clear();
        self.pending_pos = 0;
        let first = self.row_index == 0;
        for col in 0..self.columns.len() {
            let ColumnRole::Signal {
                signal,
                radix,
                width,
            } = self.columns[col]
            else {
                continue;
            };
            if !self.wanted[signal as usize] {
                continue;
            }
            let field = self.record.get(col).unwrap_or(b"").trim_ascii();
            let off = self.offsets[signal as usize];
            if radix == Radix::Bit && field.len() == 1 {
                // Fast path for the common one-character bit: no scratch copy.
                if let Some(b) = bit_char(field[0]) {
                    if first || self.values[off] != b {
                        self.values[off] = b;
                        self.pending.push(col);
                    }
                    continue;
                }
            }
            let mut scratch = std::mem::take(&mut self.scratch);
            let res = parse_value(field, radix, width, &mut scratch);
            if let Err(expected) = res {
                self.scratch = scratch;
                let name = &self.header.signals[signal as usize].source_name;
                return Err(self.row_error(col, format!("{expected} for {name}")));
            }
            let cur = &mut self.values[off..off + width as usize];
            if first || cur != scratch.as_slice() {
                cur.copy_from_slice(&scratch);
                self.pending.push(col);
            }
            self.scratch = scratch;
        }
        self.row_index += 1;
        Ok(())
    }
}

impl ChangeSource for TableSource {
    fn header(&self) -> &Header {
        &self.header
    }

    fn set_filter(&mut self, wanted: &[SignalId]) {
        self.wanted.iter_mut().for_each(|w| *w = false);
        for &s in wanted {
            if let Some(w) = self.wanted.get_mut(s as usize) {
                *w = true;
            }
        }
    }

    fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, TraceError> {
        loop {
            if self.pending_pos < self.pending.len() {
                let col = self.pending[self.pending_pos];
                self.pending_pos += 1;
                let ColumnRole::Signal { signal, width, .. } = self.columns[col] else {
                    continue;
                };
                let off = self.offsets[signal as usize];
                return Ok(Some(ChangeRef {
                    time: self.time,
                    signal,
                    value: ValueRef::Bits(&self.values[off..off + width as usize]),
                }));
            }
            if self.done {
                return Ok(None);
            }
            if self.have_prefetched {
                self.have_prefetched = false;
            } else if !self.read_record()? {
                self.done = true;
                return Ok(None);
            }
            if self.is_blank_record() {
                continue;
            }
            if let Err(e) = self.process_row() {
                self.done = true;
                return Err(e);
            }
        }
    }

    fn last_time(&self) -> Time {
        self.time
    }

    fn warnings(&self) -> &Warnings {
        &self.warnings
    }
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

    #[test]
    fn sniffs_each_export() {
        assert_eq!(
            sniff(b"\xEF\xBB\xBFSample in Buffer,Sample in Window,TRIGGER,a\r\n"),
            Some(CsvFormat::Ila)
        );
        assert_eq!(
            sniff(b"Sample in Buffer\tSample in Window\tTRIGGER\ta\n"),
            Some(CsvFormat::ChipscopePrn)
        );
        assert_eq!(
            sniff(b"; CSV generated by libsigrok 0.5.2\n"),
            Some(CsvFormat::Sigrok)
        );
        assert_eq!(sniff(b"META samplerate: 1000\n"), Some(CsvFormat::Sigrok));
        assert_eq!(sniff(b"Time [s],Channel 0\n"), Some(CsvFormat::Saleae));
        assert_eq!(sniff(b"Time[s], Channel 0\n"), Some(CsvFormat::Saleae));
        assert_eq!(sniff(b"time_ns,clk\n"), Some(CsvFormat::Generic));
        assert_eq!(sniff(b"sample;clk;dq[7:0]\n"), Some(CsvFormat::Generic));
        assert_eq!(sniff(b"$date\n"), None);
        assert_eq!(sniff(b"name,clk\n"), None);
        assert_eq!(sniff(b"\x00\x01\x02"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn time_column_names() {
        let d = |e| {
            Some(TimeColumnKind::Decimal {
                exp10: e,
                unit_stated: true,
            })
        };
        assert_eq!(parse_time_column_name(b"time [us]"), d(9));
        assert_eq!(parse_time_column_name(b"time_ns"), d(6));
        assert_eq!(parse_time_column_name(b"t(ps)"), d(3));
        assert_eq!(parse_time_column_name(b"time [s]"), d(15));
        assert_eq!(parse_time_column_name(b"nanoseconds"), d(6));
        assert_eq!(
            parse_time_column_name(b"index"),
            Some(TimeColumnKind::Index)
        );
        assert_eq!(
            parse_time_column_name(b"time"),
            Some(TimeColumnKind::Decimal {
                exp10: 15,
                unit_stated: false
            })
        );
        assert_eq!(parse_time_column_name(b"tap"), None);
        assert_eq!(parse_time_column_name(b"time [furlongs]"), None);
    }

    #[test]
    fn bus_names() {
        assert_eq!(parse_bus_name("a/b[5:0]"), Ok((Some((5, 0)), 6)));
        assert_eq!(parse_bus_name("DDR_ADD<0:3>"), Ok((Some((0, 3)), 4)));
        assert_eq!(parse_bus_name("dq[3]"), Ok((None, 1)));
        assert_eq!(parse_bus_name("clk"), Ok((None, 1)));
        assert!(parse_bus_name("a[x:0]").is_err());
        assert!(parse_bus_name("a[99999999:0]").is_err());
    }
}
