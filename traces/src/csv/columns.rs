//! What a header's column names say: time columns and their units, bus ranges glued to names.

/// The widest bus a CSV column may declare; a guard against a garbage range like `[999999999:0]`
/// turning into a huge allocation.
pub const MAX_BUS_WIDTH: u32 = 65_536;

/// What a time column's header name says about its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TimeColumnKind {
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
pub(super) fn parse_time_column_name(name: &[u8]) -> Option<TimeColumnKind> {
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
pub(super) fn parse_bus_name(name: &str) -> Result<(Option<(i64, i64)>, u32), String> {
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
    // Indices, not only the width, are bounded: `dq[100000000:99999999]` is two bits wide but
    // no bus a capture holds (issue 19).
    if msb.unsigned_abs().max(lsb.unsigned_abs()) > MAX_BUS_WIDTH as u64 {
        return Err(format!(
            "a bus range with indices of at most {MAX_BUS_WIDTH} (the limit)"
        ));
    }
    let width = msb.abs_diff(lsb).saturating_add(1);
    if width > MAX_BUS_WIDTH as u64 {
        return Err(format!(
            "a bus of at most {MAX_BUS_WIDTH} bits, not {width} in {name:?}"
        ));
    }
    Ok((Some((msb, lsb)), width as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

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
