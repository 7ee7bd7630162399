//! A look at a GHW file's leading size fields before wellen reads it.
//!
//! wellen's GHW reader sizes allocations from counts in the file: `Vec::with_capacity` of the
//! string table's entry count and `vec![..; n]` of the type table's. A damaged count (found by
//! mutating `tests/fixtures/wave/ghdl_dq_counter.ghw`: one type count asked for 19.7 GB, others
//! for ~78 GB) made the allocation fail, and a failed allocation aborts the process, which no
//! `catch_unwind` can turn into an error. Every string takes at least one byte of the file and
//! every type two, so a larger count is damage, and is refused here with the count and the
//! file's size. This walks only the string section (GHDL's `grt-waves` layout: a count, a size,
//! then prefix-compressed names) up to the type section's count; it is a check, not a reader.

use crate::error::Location;
use crate::TraceError;
use std::io::Read;
use std::path::Path;

/// More strings than any design's GHW holds (a MIG simulation has a few hundred).
pub const MAX_STRINGS: u64 = 1 << 24;
/// More types than any design's GHW holds.
pub const MAX_TYPES: u64 = 1 << 20;
/// More signals than any design's GHW holds (the MIG golden has a few hundred elements).
pub const MAX_SIGNALS: u64 = 1 << 26;

fn damaged(shown: &Path, found: String) -> TraceError {
    TraceError::Syntax {
        at: Location {
            file: shown.to_path_buf(),
            line: 0,
        },
        expected: "a well-formed GHW file".into(),
        found,
    }
}

/// How much of the file's start is checked: a GHW's header sections (strings, types, the
/// hierarchy) are far smaller than this for any real design.
const HEADER_WINDOW: u64 = 16 << 20;

/// Checks the string, type and signal counts of the GHW at `path` against the file's size;
/// `shown` is the name errors use. What this check cannot follow (a short header, an unknown
/// first section) is left to wellen, which stops on it with its own error.
pub fn check(path: &Path, shown: &Path) -> Result<(), TraceError> {
    let io = |source| TraceError::Io {
        path: shown.to_path_buf(),
        source,
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let size = f.metadata().map_err(io)?.len();
    let mut head = Vec::new();
    f.take(HEADER_WINDOW).read_to_end(&mut head).map_err(io)?;
    check_bytes(&head, size).map_err(|found| damaged(shown, found))
}

/// The check on the file's first bytes `b`; `size` is the whole file's. The string section is
/// walked exactly as wellen reads it. Past it, wellen reads the type and hierarchy sections in
/// whatever order their markers come, so every place a `TYP` or `HIE` section header (marker
/// and four zero bytes) occurs up to the end-of-header marker is checked: wherever a damaged
/// type table makes wellen look for the next section, it only goes on where such a header is.
fn check_bytes(b: &[u8], size: u64) -> Result<(), String> {
    if b.len() < 16 {
        return Ok(());
    }
    let big_endian = b[12] == 2;
    let word = |at: usize| -> Option<u64> {
        let a: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(u64::from(if big_endian {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }))
    };
    let mut pos = 16;
    if b.get(16..20) == Some(b"STR\0") {
        let Some(count) = word(24) else { return Ok(()) };
        let limit = MAX_STRINGS.min(size);
        if count > limit {
            return Err(format!(
                "a string table of {count} entries at byte 16, more than the file's {size} bytes can hold (limit {limit})"
            ));
        }
        // wellen (as GHDL's own reader) reads one string more than the count says.
        match skip_strings(&b[32..], count + 1) {
            Some(n) => pos = 32 + n,
            None => return Ok(()),
        }
    }
    let rest = &b[pos..];
    let end = memchr::memmem::find(rest, b"EOH\0").unwrap_or(rest.len());
    let rest = &rest[..end];
    for at in memchr::memmem::find_iter(rest, b"TYP\0\0\0\0\0") {
        let Some(count) = word(pos + at + 8) else {
            continue;
        };
        let limit = MAX_TYPES.min(size / 2);
        if count > limit {
            return Err(format!(
                "a type table of {count} entries at byte {}, more than the file's {size} bytes can hold (limit {limit})",
                pos + at
            ));
        }
    }
    for at in memchr::memmem::find_iter(rest, b"HIE\0\0\0\0\0") {
        let at = pos + at;
        for (field, what) in [(12, "declared signals"), (16, "signal elements")] {
            let Some(count) = word(at + field) else {
                continue;
            };
            let limit = MAX_SIGNALS.min(size);
            if count > limit {
                return Err(format!(
                    "a hierarchy of {count} {what} at byte {at}, more than the file's {size} bytes can hold (limit {limit})"
                ));
            }
        }
    }
    Ok(())
}

/// Steps over `count` prefix-compressed strings as GHDL writes them: name bytes up to a byte
/// `<= 31` or in `128..=159`, then, while the byte is `>= 128`, continuation bytes of the
/// shared-prefix length. The number of bytes they take, `None` when `b` ends first.
fn skip_strings(b: &[u8], count: u64) -> Option<usize> {
    let mut i = 0;
    for _ in 0..count {
        let mut c;
        loop {
            c = *b.get(i)?;
            i += 1;
            if c <= 31 || (128..=159).contains(&c) {
                break;
            }
        }
        while c >= 128 {
            c = *b.get(i)?;
            i += 1;
        }
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.ghw");
        std::fs::write(&p, bytes).unwrap();
        (d, p)
    }

    fn header() -> Vec<u8> {
        // GHDL's 16-byte header: magic, 16, 0, version 1, little endian, word length 4, offset 0.
        let mut h = b"GHDLwave\n".to_vec();
        h.extend([16, 0, 1, 1, 4, 0, 0]);
        h
    }

    #[test]
    fn a_huge_string_count_is_refused_with_the_count() {
        let mut b = header();
        b.extend(b"STR\0\0\0\0\0");
        b.extend(0x7000_0000u32.to_le_bytes());
        b.extend(10u32.to_le_bytes());
        let (_d, p) = file(&b);
        let e = check(&p, &p).unwrap_err().to_string();
        assert!(
            e.contains("1879048192 entries") && e.contains("x.ghw"),
            "{e}"
        );
    }

    #[test]
    fn a_huge_signal_count_wherever_a_hierarchy_header_is_is_refused() {
        let mut b = header();
        b.extend(b"STR\0\0\0\0\0");
        b.extend(0u32.to_le_bytes());
        b.extend(2u32.to_le_bytes());
        b.extend(b"a\0");
        b.extend(b"TYP\0\0\0\0\0");
        b.extend(1u32.to_le_bytes());
        b.extend([0x17, 0x01, 0x02]);
        b.extend(b"HIE\0\0\0\0\0");
        b.extend(1u32.to_le_bytes());
        b.extend(1u32.to_le_bytes());
        b.extend(0x3900_0000u32.to_le_bytes());
        b.extend(b"EOH\0");
        let (_d, p) = file(&b);
        let e = check(&p, &p).unwrap_err().to_string();
        assert!(e.contains("956301312 signal elements"), "{e}");
    }

    #[test]
    fn a_huge_type_count_after_the_strings_is_refused() {
        let mut b = header();
        b.extend(b"STR\0\0\0\0\0");
        // A count of 2 is followed by 3 strings.
        b.extend(2u32.to_le_bytes());
        b.extend(9u32.to_le_bytes());
        b.extend(b"clk\0dq\0ck\0");
        b.extend(b"TYP\0\0\0\0\0");
        b.extend(0x1900_0000u32.to_le_bytes());
        let (_d, p) = file(&b);
        let e = check(&p, &p).unwrap_err().to_string();
        assert!(e.contains("type table of 419430400 entries"), "{e}");
        // The same file with an honest count passes the check.
        let n = b.len();
        b[n - 4..].copy_from_slice(&3u32.to_le_bytes());
        b.extend([0u8; 16]);
        let (_d, p) = file(&b);
        check(&p, &p).unwrap();
    }
}
