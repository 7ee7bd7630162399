//! The pattern_compare8 instances: read-latency search state and the stage-3 read-back.

use super::capture::Capture;
use super::{first_rise, Clock};
use migcal_traces::Time;
use serde::Serialize;

/// The state of one pattern_compare8 (one byte lane).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatternGroup {
    /// Pattern group (= byte lane).
    pub group: u32,
    /// When its `comp_done` rose.
    pub comp_done: Option<Time>,
    /// `clk_count_rise` at the end.
    pub clk_count_rise: Option<u64>,
    /// `first_rising` at the end.
    pub first_rising: Option<u64>,
    /// Was `clk_cnt_rise` still changing in the last 64 cycles of the capture (still hunting)?
    pub still_hunting: Option<bool>,
    /// Last change of `clk_cnt_rise`.
    pub last_clk_cnt_change: Option<Time>,
    /// Distinct rise bytes seen while reading (from `rd_data_rise`), up to 16.
    pub rise_bytes: Vec<u64>,
    /// Distinct fall bytes seen, up to 16.
    pub fall_bytes: Vec<u64>,
    /// Is this group's `comp_done` in the capture (so "never rose" is evidence)?
    pub comp_done_captured: bool,
    /// Bits of the byte (0..7) that read back wrong in stage 3: each byte read after
    /// `tap_sel_done` is compared with the nearest of AA/55/99/66 (within 3 bits; farther reads
    /// are stale or garbage and say nothing about single lines).
    pub error_bits: Vec<u32>,
    /// Stage-3 reads too far from every pattern byte to attribute to lines.
    pub garbage_reads: u32,
}

impl PatternGroup {
    /// Did this group fail to find the pattern? When its `comp_done` is captured, its never
    /// rising decides (one of the rise/fall machines may have matched and stopped
    /// `clk_cnt_rise` while the other never does); otherwise a still-running `clk_cnt_rise`
    /// or a `clk_count_rise` of 0.
    pub fn failed(&self) -> bool {
        if self.comp_done_captured {
            self.comp_done.is_none()
        } else {
            self.still_hunting == Some(true)
                || (self.still_hunting.is_none() && self.clk_count_rise == Some(0))
        }
    }
}

/// The stage-3 pattern bytes.
const PATTERN_BYTES: [u64; 4] = [0xAA, 0x55, 0x99, 0x66];

/// Error bits of the stage-3 reads (see [`PatternGroup::error_bits`]): the one smallest set of
/// at most two bits such that every read matches a pattern byte once those bits are ignored.
/// Reads four or more bits from every pattern byte are stale data (stage-2 reads in flight,
/// never-written memory) and are counted apart. When no such set exists, or two sets explain
/// the reads equally well, no bit is named: the reads mix beats (lines with different delays)
/// or are garbage, and naming lines would be a guess.
fn pattern_errors(reads: &[u64]) -> (Vec<u32>, u32) {
    let near: Vec<u64> = reads
        .iter()
        .copied()
        .filter(|v| PATTERN_BYTES.iter().any(|p| (v ^ p).count_ones() <= 3))
        .collect();
    let stale = (reads.len() - near.len()) as u32;
    let explains = |mask: u64| {
        near.iter()
            .all(|v| PATTERN_BYTES.iter().any(|p| (v ^ p) & !mask & 0xFF == 0))
    };
    if explains(0) {
        return (Vec::new(), stale);
    }
    for size in 1..=2u32 {
        let sets: Vec<u64> = (0u64..256)
            .filter(|m| m.count_ones() == size && explains(*m))
            .collect();
        match sets.as_slice() {
            [] => continue,
            [m] => return ((0..8).filter(|b| m >> b & 1 == 1).collect(), stale),
            _ => return (Vec::new(), stale + near.len() as u32),
        }
    }
    (Vec::new(), stale + near.len() as u32)
}

/// The pattern_compare8 instances the capture shows (none when it has no stage-3 signal).
pub(super) fn pattern_groups(c: &Capture) -> Vec<u32> {
    // Every group the capture has, not only a run from group 0: a probe of
    // pattern_compare[1] alone is group 1's evidence.
    (0..9)
        .filter(|g| {
            c.has(&format!("pattern_compare[{g}]/comp_done"))
                || c.has(&format!("pattern_compare[{g}]/clk_cnt_rise"))
        })
        .collect()
}

pub(super) fn pattern_group(
    c: &Capture,
    g: u32,
    clock: Clock,
    stage3_from: Option<Time>,
) -> PatternGroup {
    let p = |s: &str| format!("pattern_compare[{g}]/{s}");
    // A probe of bit 0 alone (spec §7) still shows whether the counter runs.
    let cnt = c.ints(&p("clk_cnt_rise")).or_else(|| {
        c.bit(&p("clk_cnt_rise"), 0).map(|b| {
            b.into_iter()
                .map(|(t, v)| (t, (v != b'x').then_some((v == b'1') as u64)))
                .collect()
        })
    });
    let last_clk_cnt_change = cnt.as_ref().and_then(|v| v.last().map(|(t, _)| *t));
    let still_hunting = cnt.as_ref().map(|v| {
        // Still hunting if clk_cnt_rise changed in the last 64 clocks and more than once there.
        let window = 64 * clock.period;
        let from = c.end_time().saturating_sub(window);
        v.iter().filter(|(t, _)| *t > from).count() >= 2
    });
    // A change-per-row export ends at its last change: a counter still moving in its last rows
    // may have stopped right after them or run on; only a stop well inside the rows is known.
    let still_hunting = match (still_hunting, last_clk_cnt_change) {
        (Some(_), Some(last)) if !c.end_known() => {
            (last + 4 * clock.period < c.end_time()).then_some(false)
        }
        (h, _) => h,
    };
    let distinct = |name: &str| {
        let mut seen: Vec<u64> = Vec::new();
        if let Some(v) = c.ints(name) {
            for (_, x) in v {
                if let Some(x) = x {
                    if !seen.contains(&x) && seen.len() < 16 {
                        seen.push(x);
                    }
                }
            }
        }
        seen
    };
    let stage3 = |name: &str| -> Vec<u64> {
        let Some(from) = stage3_from else {
            return Vec::new();
        };
        let mut v: Vec<u64> = c
            .ints(name)
            .unwrap_or_default()
            .into_iter()
            .filter(|(t, _)| *t > from)
            .filter_map(|(_, x)| x)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut reads = stage3(&p("rd_data_rise"));
    reads.extend(stage3(&p("rd_data_fall")));
    let (error_bits, garbage_reads) = pattern_errors(&reads);
    PatternGroup {
        group: g,
        comp_done_captured: c.has(&p("comp_done")),
        error_bits,
        garbage_reads,
        comp_done: first_rise(c, &p("comp_done")),
        clk_count_rise: c
            .ints(&p("clk_count_rise"))
            .and_then(|v| v.last().and_then(|(_, x)| *x)),
        first_rising: c
            .ints(&p("first_rising"))
            .and_then(|v| v.last().and_then(|(_, x)| *x)),
        still_hunting,
        last_clk_cnt_change,
        rise_bytes: distinct(&p("rd_data_rise")),
        fall_bytes: distinct(&p("rd_data_fall")),
    }
}

#[cfg(test)]
mod pattern_error_tests {
    use super::pattern_errors;

    #[test]
    fn a_bridge_names_both_bits_and_a_stuck_bit_one() {
        // DQ1/DQ2 wired-AND: AA reads A8, 55 reads 51.
        assert_eq!(pattern_errors(&[0xA8, 0x51, 0x99, 0x66]).0, [1, 2]);
        // DQ7 stuck high: the fall bytes 55/66 read D5/E6.
        assert_eq!(pattern_errors(&[0xAA, 0x99, 0xD5, 0xE6]).0, [7]);
        // A clean read names nothing; stale FF/00 reads are not evidence.
        assert_eq!(
            pattern_errors(&[0xAA, 0x55, 0x99, 0x66, 0xFF, 0x00]),
            (vec![], 2)
        );
    }

    #[test]
    fn reads_mixing_two_patterns_name_no_line() {
        // 59 is 55's high nibble with 99's low one: no one or two bits explain it.
        assert!(pattern_errors(&[0x99, 0x59, 0x45, 0x76, 0xA5, 0x96])
            .0
            .is_empty());
    }
}
