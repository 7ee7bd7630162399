//! Timescale units: the one table of `s`..`fs` in femtoseconds, and the two ways migcal writes a
//! timescale (the VCD keyword's `10ps`, a header's `10 ps`).

/// The VCD time units, largest first, in femtoseconds.
const UNITS: [(u64, &str); 6] = [
    (1_000_000_000_000_000, "s"),
    (1_000_000_000_000, "ms"),
    (1_000_000_000, "us"),
    (1_000_000, "ns"),
    (1_000, "ps"),
    (1, "fs"),
];

/// Femtoseconds in one `unit` (`s`, `ms`, `us`, `ns`, `ps`, `fs`, any case); `None` for
/// anything else.
pub fn unit_fs(unit: &str) -> Option<u64> {
    UNITS
        .iter()
        .find(|(_, name)| unit.eq_ignore_ascii_case(name))
        .map(|&(fs, _)| fs)
}

/// `1fs`, `10ps`, ... for a VCD timescale given in femtoseconds; `None` unless it is 1, 10
/// or 100 of a unit from fs to s (what IEEE 1364 allows).
pub fn timescale_text(fs: u64) -> Option<String> {
    for (u, name) in UNITS {
        if fs >= u && fs.checked_rem(u) == Some(0) && matches!(fs / u, 1 | 10 | 100) {
            return Some(format!("{}{name}", fs / u));
        }
    }
    None
}

/// `1 fs`, `10 ps`, `100 s` for a timescale in femtoseconds, in the largest unit that divides
/// it (what `migcal signals` shows).
pub fn timescale_display(fs: u64) -> String {
    for (u, name) in UNITS {
        if fs.checked_rem(u) == Some(0) {
            return format!("{} {name}", fs / u);
        }
    }
    format!("{fs} fs")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_both_ways() {
        assert_eq!(unit_fs("NS"), Some(1_000_000));
        assert_eq!(unit_fs("µs"), None);
        assert_eq!(timescale_text(10_000).as_deref(), Some("10ps"));
        assert_eq!(timescale_text(20_000), None);
        assert_eq!(timescale_display(20_000), "20 ps");
        assert_eq!(timescale_display(0), "0 s");
    }
}
