//! The one analysis path: folds a [`Capture`] (from a file or from the model) into the facts a
//! diagnosis needs: stage boundaries, per-DQ tap sweeps, CHAN_DONE counts, pattern-compare state
//! and the command bus. It states facts only; `diagnose` turns them into findings.

pub mod capture;
pub mod jedec;

use crate::analysis::capture::{bit_at, high_intervals, rising_edges, BitChanges, Capture};
use migcal_traces::{Time, TimeBase};
use serde::Serialize;

/// Which controller build the capture comes from; decides state names and groupings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// The golden build: binary 5-bit `init_state`, 4 calibrated DQ per tap_logic group starting
    /// at the group's second line, pattern groups are bytes.
    Minimodule,
    /// MIG 1.7.3 DDR2 direct clocking: one-hot 22-bit `init_state`, 8 DQ per DQS.
    Ddr2,
}

impl Profile {
    /// DQ lines per tap_logic (DQS) group.
    pub fn lines_per_group(self) -> u32 {
        match self {
            Profile::Minimodule => 4,
            Profile::Ddr2 => 8,
        }
    }

    /// Index within its group of the first line calibrated individually (`chan_sel_int` reset
    /// value: 0010 in the golden build, so line 0 of each group is never walked).
    pub fn first_walked_line(self) -> u32 {
        match self {
            Profile::Minimodule => 1,
            Profile::Ddr2 => 0,
        }
    }

    /// Number of individually calibrated lines per group (the CHAN_DONE pulses expected).
    pub fn walks_per_group(self) -> u32 {
        self.lines_per_group() - self.first_walked_line()
    }

    /// DQ lines that tap_logic calibrates (the minimodule leaves DQ8..15 at tap 0).
    pub fn calibrated_groups(self, dq_width: u32) -> u32 {
        match self {
            Profile::Minimodule => 2,
            Profile::Ddr2 => dq_width.div_ceil(8),
        }
    }

    /// `tby4tapvalue` + 1: the taps the back-off removes (the goldens show 18 for 17).
    pub fn backoff_taps(self) -> u32 {
        18
    }

    /// The individual increments after which the sweep stops without an edge.
    pub fn ceiling(self) -> u32 {
        55
    }

    /// The state name of an `init_state` value, from the model's own tables of the RTL's codes
    /// (mig-rtl.md §2b binary, §2a one-hot).
    pub fn init_state_name(self, code: u64) -> String {
        use migcal_model::ddr2_controller::{ddr2, init};
        let name = match self {
            Profile::Minimodule => u8::try_from(code).ok().and_then(init::name),
            Profile::Ddr2 => u32::try_from(code).ok().and_then(ddr2::name),
        };
        match (name, self) {
            (Some(n), _) => n.to_string(),
            (None, Profile::Minimodule) => format!("unknown code 0x{code:02X}"),
            (None, Profile::Ddr2) => format!("not one-hot 0x{code:06X}"),
        }
    }

    /// Is this `init_state` value the pattern-read wait (where stage 3 stalls)?
    pub fn is_pattern_wait(self, code: u64) -> bool {
        self.init_state_name(code) == "INIT_PATTERN_READ_WAIT"
    }
}

/// How cycles are counted: clk_0 rising edges from t = 0, the first at half a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Clock {
    /// clk_0 period, in the capture's time unit (fs, or samples).
    pub period: u64,
    /// Time of cycle 0's rising edge.
    pub first_edge: u64,
}

impl Clock {
    /// 200 MHz with the first rising edge at 2.5 ns, as in the goldens.
    pub const GOLDEN: Clock = Clock {
        period: 5_000_000,
        first_edge: 2_500_000,
    };

    /// The clk_0 cycle in which `t` falls (a change on an edge belongs to that edge's cycle).
    pub fn cycle(&self, t: Time) -> u64 {
        t.saturating_sub(self.first_edge) / self.period.max(1)
    }

    /// Whole clock cycles in a duration, rounded to nearest.
    pub fn cycles_in(&self, d: u64) -> u64 {
        d.saturating_add(self.period / 2) / self.period.max(1)
    }
}

/// Where a per-DQ tap history came from, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepSource {
    /// The IDELAY tap value itself (simulation stand-in `idelay_dq[k]/tap`).
    IdelayTap,
    /// Per-line `tap_logic/data_idelay_ce` and `data_idelay_inc`.
    PerLineCe,
    /// Group `dlyce_dqs`/`dlyinc_dqs` with `dlyinc_global_flag_dqs` and `chan_sel_int`.
    GroupCeWithSelect,
    /// Group `dlyce_dqs`/`dlyinc_dqs` alone: lines told apart by the order of their walks.
    GroupCeOrder,
}

/// One IDELAY step of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Step {
    /// When the step was taken (the CE cycle's time).
    pub time: Time,
    /// Increment (true) or decrement.
    pub inc: bool,
    /// Taken by every line of the group at once (INIT_IDELAY_TAPS, GLOBAL_INC).
    pub global: bool,
}

/// What the tap sweep did to one DQ line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DqSweep {
    /// DQ line.
    pub dq: u32,
    /// tap_logic group.
    pub group: u32,
    /// Was this line walked individually (not the group's first line in the minimodule build)?
    pub walked: bool,
    /// Where the history came from.
    pub source: SweepSource,
    /// Group-wide increments taken.
    pub global_incs: u32,
    /// Tap when the individual walk began (global increments, mod 64).
    pub start_tap: u32,
    /// Individual increments.
    pub walk_incs: u32,
    /// Tap at the end of the walk (start + increments, mod 64).
    pub peak_tap: u32,
    /// Decrements of the back-off.
    pub backoff: u32,
    /// Final tap (mod 64).
    pub final_tap: u32,
    /// Did the walk reach the 55-increment ceiling without seeing an edge?
    pub ceiling: bool,
    /// Did the walk finish (back-off complete)?
    pub finished: bool,
    /// Time of the walk's first and last step.
    pub walk_span: Option<(Time, Time)>,
    /// The tap at which the sampled bit first flipped, when the trace shows it: two taps
    /// before the peak in the golden build (the edge test looks at the registered data).
    pub edge_tap: Option<u32>,
    /// Every IDELAY step of the line in time order (the tap-versus-time curve that plots draw,
    /// whatever signal the history came from); not part of the JSON.
    #[serde(skip)]
    pub steps: Vec<Step>,
}

/// One command seen on the memory bus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BusCommand {
    /// When (the clk_0 edge that launched it).
    pub time: Time,
    /// clk_0 cycle.
    pub cycle: u64,
    /// `PRE`, `MRS`, `REF`, `ACT`, `WR`, `RD`.
    pub kind: &'static str,
    /// Bank address.
    pub ba: Option<u64>,
    /// Address bus.
    pub a: Option<u64>,
}

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

/// Everything the analysis established about a capture.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    /// The build assumed.
    pub profile: Profile,
    /// How cycles were counted.
    pub clock: Clock,
    /// What times count.
    pub time_base: TimeBase,
    /// End of the capture.
    pub end_time: Time,
    /// `init_state` at the end, and when it last changed.
    pub init_state: Option<(u64, Time)>,
    /// `init_state` leaving INIT_IDLE for the first time.
    pub init_start: Option<Time>,
    /// `done_200us` rising.
    pub done_200us: Option<Time>,
    /// `cke_200us_cnt` at the end (31 = never counted).
    pub cke_200us_cnt: Option<u64>,
    /// `ctrl_dummyread_start` rising.
    pub dummyread_start: Option<Time>,
    /// Per tap_logic group: `tap_ctrl[i]/current_state` leaving START.
    pub tap_ctrl_started: Vec<Option<Time>>,
    /// Per tap_logic group: `calib_done_dqs[i]` (or `calib_done_int`) rising.
    pub calib_done: Vec<Option<Time>>,
    /// Per tap_logic group: CHAN_DONE pulses.
    pub chan_done: Vec<Vec<Time>>,
    /// Per tap_logic group: every CHAN_DONE rise, also those after the group's `calib_done`
    /// (tap_ctrl keeps walking with no line selected while other groups still calibrate).
    pub chan_done_all: Vec<Vec<Time>>,
    /// `data_tap_inc_done` rising.
    pub data_tap_inc_done: Option<Time>,
    /// `tap_sel_done` rising.
    pub tap_sel_done: Option<Time>,
    /// Per pattern group.
    pub pattern: Vec<PatternGroup>,
    /// `COMP_DONE` (rd_data or controller) rising.
    pub comp_done: Option<Time>,
    /// `init_done` rising.
    pub init_done: Option<Time>,
    /// Every rise of `init_done` (more than one when the interface was reset and init ran
    /// again, e.g. the DCM's LOCKED lost and regained).
    pub init_done_rises: Vec<Time>,
    /// Every fall of `init_done` from a known 1 (the interface reset).
    pub init_done_falls: Vec<Time>,
    /// `init_done` high at the end of the capture.
    pub init_done_at_end: bool,
    /// When `init_state` entered the stretch it ends in: its last change, except that an
    /// alternation between two states (the ddr2 profile's PATTERN_READ ⇄ PATTERN_READ_WAIT)
    /// counts from its start.
    pub init_state_settled: Option<Time>,
    /// Is `init_done` in the capture at all (a probe set may lack it)?
    pub init_done_captured: bool,
    /// Is `ctrl_dummyread_start` in the capture at all?
    pub dummyread_captured: bool,
    /// Did any captured signal change after t = 0 (a controller held in reset shows nothing)?
    pub anything_moved: bool,
    /// Per DQ line that the capture lets us follow.
    pub per_dq: Vec<DqSweep>,
    /// The IDELAY tap of each DQ line at the end (`idelay_dq[k]/tap`, DQ0 up to the first line
    /// not in the capture; `None` while x).
    pub final_taps: Vec<Option<u64>>,
    /// Bus commands (all of them; a 600 µs capture has a few hundred).
    pub commands: Vec<BusCommand>,
    /// Signals whose history was cut in the middle to bound memory (name, changes not kept):
    /// counts and edges inside that stretch are not seen.
    pub elided: Vec<(String, u64)>,
    /// What each DQ's controller pin did during stage 2, when the pins are captured.
    pub dq_pins: Vec<PinActivity>,
    /// What the DCM rule (LOCKED, RST, CLKIN/STATUS[1]) found, when the capture has LOCKED.
    pub dcm: Vec<crate::diagnose::dcm::Finding>,
    /// Canonical names the analysis looked for and did not find.
    pub missing: Vec<String>,
}

/// The levels one DQ controller pin showed during the dummy reads (stage 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinActivity {
    /// DQ line.
    pub dq: u32,
    /// Changes to 0 seen in the window.
    pub zeros: u32,
    /// Changes to 1 seen.
    pub ones: u32,
    /// Changes to x (contention) seen.
    pub unknown: u32,
}

impl PinActivity {
    /// Words for what the pin did, when it is not a normally toggling line.
    pub fn describe(&self) -> Option<&'static str> {
        match (self.zeros > 0, self.ones > 0, self.unknown > 0) {
            (false, true, true) => Some(
                "reads 1 and shows x when the controller drives 0: stuck high (shorted to VDD)",
            ),
            (true, false, true) => Some(
                "reads 0 and shows x when the controller drives 1: stuck low (shorted to ground)",
            ),
            (false, true, false) => Some("stays 1: stuck high, or open with a weak pull-up"),
            (true, false, false) => Some("stays 0: stuck low, or open with a weak pull-down"),
            (false, false, _) => Some("never changes: open or stuck"),
            _ => None,
        }
    }
}

/// Analysis settings.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// The build; `None` = guess from `init_state`'s width.
    pub profile: Option<Profile>,
    /// clk_0; `None` = the goldens' 200 MHz for fs captures, one sample per cycle otherwise.
    pub clock: Option<Clock>,
}

fn first_rise(c: &Capture, name: &str) -> Option<Time> {
    c.bit(name, 0)
        .and_then(|b| rising_edges(&b).first().copied())
}

/// Does the analysis (or replay) read this canonical signal? The loaders keep only these, so the
/// pad waveforms (`pins/ck`, `pins/dqs`, `pins/dm`) and internals no rule reads cost nothing.
pub fn reads(canonical: &str) -> bool {
    let Some((block, signal)) = canonical.split_once('/') else {
        return false;
    };
    let block = block.split('[').next().unwrap_or(block);
    let signal = signal.split('[').next().unwrap_or(signal);
    let wanted: &[&str] = match block {
        "ddr_controller" => &[
            "init_state",
            "done_200us",
            "cke_200us_cnt",
            "ctrl_dummyread_start",
            "comp_done",
            "init_done",
            "phy_dly_slct_done",
        ],
        "tap_logic" => &[
            "calib_done_dqs",
            "chan_done_dqs",
            "data_tap_inc_done",
            "tap_sel_done",
            "dlyce_dqs",
            "dlyinc_dqs",
            "dlyinc_global_flag_dqs",
            "data_idelay_ce",
            "data_idelay_inc",
        ],
        "tap_ctrl" => &["current_state", "tap_count"],
        "data_tap_inc" => &["calib_done_int", "chan_sel_int"],
        "pattern_compare" => &[
            "comp_done",
            "clk_cnt_rise",
            "clk_count_rise",
            "first_rising",
            "rd_data_rise",
            "rd_data_fall",
        ],
        "rd_data" => &["comp_done"],
        "idelay_dq" => &["tap"],
        "pins" => &[
            "init_done",
            "cs_n",
            "ras_n",
            "cas_n",
            "we_n",
            "cke",
            "ba",
            "a",
            "dq",
        ],
        "dcm" => &["locked", "rst", "clkin", "status"],
        _ => &[],
    };
    wanted.contains(&signal)
}

/// Runs the analysis.
pub fn analyze(c: &Capture, cfg: &Config) -> Facts {
    let mut missing = Vec::new();
    let mut need = |name: &str, c: &Capture| {
        if !c.has(name) {
            missing.push(name.to_string());
        }
    };
    let profile = cfg.profile.unwrap_or_else(|| guess_profile(c));
    let clock = cfg.clock.unwrap_or(match c.time_base() {
        TimeBase::Femtoseconds => Clock::GOLDEN,
        TimeBase::Samples => Clock {
            period: 1,
            first_edge: 0,
        },
    });
    for n in [
        "ddr_controller/init_state",
        "tap_logic/tap_sel_done",
        "rd_data/comp_done",
        "ddr_controller/init_done",
        "tap_logic/dlyce_dqs",
        "tap_logic/dlyinc_dqs",
        "tap_logic/chan_done_dqs",
    ] {
        need(n, c);
    }

    let init_states = c.ints("ddr_controller/init_state");
    let init_state = init_states
        .as_ref()
        .and_then(|v| v.last().and_then(|(t, x)| x.map(|x| (x, *t))));
    let init_start = init_states.as_ref().and_then(|v| {
        v.iter()
            .find(|(_, x)| matches!(x, Some(s) if !is_idle(profile, *s)))
            .map(|(t, _)| *t)
    });
    let groups = profile.calibrated_groups(dq_width(c));
    let tap_ctrl_started = (0..groups)
        .map(|g| {
            c.ints(&format!("tap_ctrl[{g}]/current_state"))
                .and_then(|v| {
                    v.iter()
                        .find(|(_, x)| matches!(x, Some(s) if *s != 0))
                        .map(|(t, _)| *t)
                })
        })
        .collect();
    let calib_done: Vec<Option<Time>> = (0..groups)
        .map(|g| {
            c.bit("tap_logic/calib_done_dqs", g)
                .or_else(|| c.bit(&format!("data_tap_inc[{g}]/calib_done_int"), 0))
                .and_then(|b| rising_edges(&b).first().copied())
        })
        .collect();
    // CHAN_DONE pulses up to the group's calib_done: the RTL can pulse again after the group is
    // done (golden fault1, group 1), which is not a line being calibrated.
    let chan_done_all: Vec<Vec<Time>> = (0..groups)
        .map(|g| {
            c.bit("tap_logic/chan_done_dqs", g)
                .map(|b| rising_edges(&b))
                .unwrap_or_default()
        })
        .collect();
    let chan_done = (0..groups)
        .map(|g| {
            let mut v = chan_done_all[g as usize].clone();
            if let Some(Some(done)) = calib_done.get(g as usize) {
                let limit = done + 4 * clock.period;
                v.retain(|t| *t <= limit);
            }
            v
        })
        .collect();
    let stage3_from = first_rise(c, "tap_logic/tap_sel_done")
        .or_else(|| first_rise(c, "ddr_controller/phy_dly_slct_done"));
    let pattern = (0..pattern_groups(c))
        .map(|g| pattern_group(c, g, clock, stage3_from))
        .collect();
    let comp_done =
        first_rise(c, "rd_data/comp_done").or_else(|| first_rise(c, "ddr_controller/comp_done"));
    let init_done_bits = c
        .bit("ddr_controller/init_done", 0)
        .or_else(|| c.bit("pins/init_done", 0))
        .unwrap_or_default();
    let init_done_rises = rising_edges(&init_done_bits);
    let init_done =
        first_rise(c, "ddr_controller/init_done").or_else(|| first_rise(c, "pins/init_done"));
    let commands = bus_commands(c, clock);
    let per_dq = sweeps(c, profile, clock, groups);
    let dq_pins = pin_activity(
        c,
        first_rise(c, "ddr_controller/ctrl_dummyread_start"),
        first_rise(c, "tap_logic/tap_sel_done"),
    );
    Facts {
        profile,
        clock,
        time_base: c.time_base(),
        end_time: c.end_time(),
        init_state,
        init_start,
        done_200us: first_rise(c, "ddr_controller/done_200us"),
        cke_200us_cnt: c
            .ints("ddr_controller/cke_200us_cnt")
            .and_then(|v| v.last().and_then(|(_, x)| *x)),
        dummyread_start: first_rise(c, "ddr_controller/ctrl_dummyread_start")
            .or_else(|| first_rise(c, "data_path/ctrl_dummyread_start")),
        tap_ctrl_started,
        calib_done,
        chan_done,
        chan_done_all,
        data_tap_inc_done: first_rise(c, "tap_logic/data_tap_inc_done"),
        tap_sel_done: first_rise(c, "tap_logic/tap_sel_done")
            .or_else(|| first_rise(c, "ddr_controller/phy_dly_slct_done")),
        pattern,
        comp_done,
        init_done,
        init_done_falls: init_done_bits
            .windows(2)
            .filter(|w| w[0].1 == b'1' && w[1].1 == b'0')
            .map(|w| w[1].0)
            .collect(),
        init_done_at_end: init_done_bits.last().is_some_and(|(_, b)| *b == b'1'),
        init_done_rises,
        init_state_settled: init_states.as_deref().and_then(settled_since),
        init_done_captured: c.has("ddr_controller/init_done") || c.has("pins/init_done"),
        dummyread_captured: c.has("ddr_controller/ctrl_dummyread_start")
            || c.has("data_path/ctrl_dummyread_start"),
        anything_moved: c
            .mig
            .trace
            .changes
            .iter()
            .any(|v| v.iter().any(|(t, _)| *t > clock.first_edge + clock.period)),
        per_dq,
        final_taps: (0..)
            .map_while(|k| c.ints(&format!("idelay_dq[{k}]/tap")))
            .map(|v| v.last().and_then(|(_, x)| *x))
            .collect(),
        commands,
        elided: c.elided(),
        dq_pins,
        dcm: dcm_findings(c),
        missing,
    }
}

/// See [`Facts::init_state_settled`]: the time of the last change that was not a return to
/// the state before the previous one.
fn settled_since(history: &[(Time, Option<u64>)]) -> Option<Time> {
    let mut cur = None;
    let mut prev = None;
    let mut since = None;
    for &(t, v) in history {
        if cur == Some(v) {
            continue;
        }
        let back = prev == Some(v);
        prev = cur;
        cur = Some(v);
        if !back {
            since = Some(t);
        }
    }
    since
}

/// A bit's changes as the DCM rule wants them: the level at the capture start, then edges.
fn edges(bits: &[(Time, u8)]) -> crate::diagnose::dcm::Edges {
    let mut initial = None;
    let mut changes = Vec::new();
    for &(t, b) in bits {
        let level = match b {
            b'1' => Some(true),
            b'0' => Some(false),
            _ => None,
        };
        match (t, level) {
            (0, l) => initial = l,
            (_, Some(l))
                if changes
                    .last()
                    .map(|(_, p)| *p != l)
                    .unwrap_or(initial != Some(l)) =>
            {
                changes.push((t, l));
            }
            _ => {}
        }
    }
    crate::diagnose::dcm::Edges { initial, changes }
}

/// CLKIN presence from a captured CLKIN: present from its first edge; a gap of more than two
/// periods (the shortest rise-to-rise interval) is a stop from two periods after the last edge.
fn clkin_presence(clk: &[(Time, u8)]) -> Option<(crate::diagnose::dcm::Edges, Time)> {
    let rises = rising_edges(clk);
    let period = rises.windows(2).map(|w| w[1] - w[0]).min()?;
    let mut changes = vec![(rises[0], true)];
    for w in rises.windows(2) {
        if w[1] - w[0] > 2 * period {
            changes.push((w[0] + 2 * period, false));
            changes.push((w[1], true));
        }
    }
    Some((
        crate::diagnose::dcm::Edges {
            initial: Some(rises[0] == 0),
            changes,
        },
        period,
    ))
}

/// Runs the DCM rule when LOCKED is captured.
fn dcm_findings(c: &Capture) -> Vec<crate::diagnose::dcm::Finding> {
    use crate::diagnose::dcm::{diagnose, DiagnoseParams, Observation};
    let Some(locked) = c.bit("dcm/locked", 0) else {
        return Vec::new();
    };
    let clk = c.bit("dcm/clkin", 0).and_then(|b| clkin_presence(&b));
    let obs = Observation {
        start: 0,
        end: c.end_time(),
        locked: edges(&locked),
        rst: c.bit("dcm/rst", 0).map(|b| edges(&b)),
        clkin_present: clk.as_ref().map(|(e, _)| e.clone()),
        clkin_period: clk.map(|(_, p)| p),
        status1: c
            .bit("dcm/status[1]", 0)
            .or_else(|| c.bit("dcm/status", 1))
            .map(|b| edges(&b)),
    };
    // The rule only fails on out-of-order input, which a loaded capture cannot hold.
    diagnose(&obs, &DiagnoseParams::default()).unwrap_or_default()
}

/// Levels on each controller DQ pin during the dummy reads (the memory drives the line then, so a
/// stuck or open line shows its own level), plus any x (contention) seen after the 200 µs wait.
fn pin_activity(c: &Capture, from: Option<Time>, to: Option<Time>) -> Vec<PinActivity> {
    let Some(from) = from else { return Vec::new() };
    let to = to.unwrap_or(c.end_time());
    let width = dq_width(c);
    (0..width)
        .filter_map(|k| {
            let bits = c.bit("pins/dq", k)?;
            let mut a = PinActivity {
                dq: k,
                zeros: 0,
                ones: 0,
                unknown: 0,
            };
            let count = |b: u8, a: &mut PinActivity| match b {
                b'0' => a.zeros += 1,
                b'1' => a.ones += 1,
                b'x' => a.unknown += 1,
                _ => {}
            };
            count(bit_at(&bits, from), &mut a);
            for (_, b) in bits.iter().filter(|(t, _)| *t > from && *t <= to) {
                count(*b, &mut a);
            }
            if bits.iter().any(|(t, b)| *t <= to && *b == b'x' && *t > 0) && a.unknown == 0 {
                a.unknown = 1;
            }
            Some(a)
        })
        .collect()
}

fn is_idle(profile: Profile, s: u64) -> bool {
    match profile {
        Profile::Minimodule => s == 0,
        Profile::Ddr2 => s == 1,
    }
}

fn guess_profile(c: &Capture) -> Profile {
    match c.width("ddr_controller/init_state") {
        Some(w) if w > 8 => Profile::Ddr2,
        _ => Profile::Minimodule,
    }
}

/// DQ bus width: from the pins, or 16 (the golden build) when the pins are not captured.
fn dq_width(c: &Capture) -> u32 {
    c.width("pins/dq").unwrap_or(16)
}

/// The pattern_compare8 instances the capture shows (none when it has no stage-3 signal).
fn pattern_groups(c: &Capture) -> u32 {
    (0..9)
        .take_while(|g| {
            c.has(&format!("pattern_compare[{g}]/comp_done"))
                || c.has(&format!("pattern_compare[{g}]/clk_cnt_rise"))
        })
        .count() as u32
}

fn pattern_group(c: &Capture, g: u32, clock: Clock, stage3_from: Option<Time>) -> PatternGroup {
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

/// The most clk_0 cycles one command is counted for while no bus pin changes. Real bursts of
/// back-to-back commands with the same pins last a few cycles (the MIG's stage-3 reads: a
/// handful); a capture whose pins hold a command for longer is read as this many, so the work and
/// the list stay bounded by the capture's changes, not by its declared time span or the clock.
pub const MAX_HELD_COMMAND_CYCLES: u64 = 4096;

/// Decodes the command bus: a command is launched on a clk_0 rising edge and latched by the
/// memory on the CK rising edge half a cycle later, so every clk_0 cycle during which `cs_n` is
/// low carries one command, read from RAS#/CAS#/WE# in the middle of that cycle. This needs no
/// CK in the capture and counts back-to-back repeats exactly (the golden README's READ counts).
/// The cycles are walked a stretch of unchanged pins at a time, so the work is bounded by the
/// number of changes, whatever the time span or the clock period.
fn bus_commands(c: &Capture, clock: Clock) -> Vec<BusCommand> {
    let (Some(cs), Some(ras), Some(cas), Some(we)) = (
        c.bit("pins/cs_n", 0),
        c.bit("pins/ras_n", 0),
        c.bit("pins/cas_n", 0),
        c.bit("pins/we_n", 0),
    ) else {
        return Vec::new();
    };
    let cke = c.bit("pins/cke", 0);
    let ba = c.ints("pins/ba");
    let a = c.ints("pins/a");
    let value_at = |v: &Option<Vec<(Time, Option<u64>)>>, t: Time| {
        v.as_ref().and_then(|v| {
            let i = v.partition_point(|(ct, _)| *ct <= t);
            i.checked_sub(1).and_then(|i| v[i].1)
        })
    };
    // Every time a pin the decoder reads changes: between two of them, each cycle decodes alike.
    let mut breaks: Vec<Time> = [Some(&ras), Some(&cas), Some(&we), cke.as_ref()]
        .into_iter()
        .flatten()
        .flat_map(|v| v.iter().map(|(t, _)| *t))
        .chain(
            [&ba, &a]
                .into_iter()
                .flatten()
                .flat_map(|v| v.iter().map(|(t, _)| *t)),
        )
        .collect();
    breaks.sort_unstable();
    breaks.dedup();
    let low: Vec<(Time, u8)> = cs
        .iter()
        .map(|&(t, b)| (t, if b == b'0' { b'1' } else { b'0' }))
        .collect();
    let period = clock.period.max(1);
    let half = clock.period / 2;
    let offset = half.max(1);
    let end = c.end_time();
    let mut out = Vec::new();
    for (s, e) in high_intervals(&low, end) {
        // The cycles whose launch edge lies in [s, e) and whose sample point is in the capture.
        let first = if s <= clock.first_edge {
            0
        } else {
            (s - clock.first_edge).div_ceil(period)
        };
        let before_e = e.saturating_sub(clock.first_edge).div_ceil(period);
        let in_capture = match end.checked_sub(clock.first_edge.saturating_add(half)) {
            Some(d) => d / period + 1,
            None => 0,
        };
        let last = before_e.min(in_capture);
        let mut n = first;
        while n < last {
            let launch = clock.first_edge + n * period;
            let t = launch + offset;
            // The stretch of cycles sampled before the next pin change.
            let i = breaks.partition_point(|&b| b <= t);
            let stretch_end = match breaks.get(i) {
                Some(&b) => (b - clock.first_edge - offset).div_ceil(period).min(last),
                None => last,
            };
            let held = n..stretch_end.min(n + MAX_HELD_COMMAND_CYCLES);
            n = stretch_end.max(n + 1);
            if cke.as_ref().is_some_and(|k| bit_at(k, t) != b'1') {
                continue;
            }
            let kind = match [bit_at(&ras, t), bit_at(&cas, t), bit_at(&we, t)] {
                [b'0', b'1', b'0'] => "PRE",
                [b'0', b'0', b'0'] => "MRS",
                [b'0', b'0', b'1'] => "REF",
                [b'0', b'1', b'1'] => "ACT",
                [b'1', b'0', b'0'] => "WR",
                [b'1', b'0', b'1'] => "RD",
                _ => continue,
            };
            let (ba, a) = (value_at(&ba, t), value_at(&a, t));
            for k in held {
                let launch = clock.first_edge + k * period;
                out.push(BusCommand {
                    time: launch,
                    cycle: clock.cycle(launch),
                    kind,
                    ba,
                    a,
                });
            }
        }
    }
    out
}

/// Per-DQ sweep records, from the best source the capture has.
fn sweeps(c: &Capture, profile: Profile, clock: Clock, groups: u32) -> Vec<DqSweep> {
    let lpg = profile.lines_per_group();
    let mut out = Vec::new();
    for g in 0..groups {
        let lines: Vec<u32> = (g * lpg..(g + 1) * lpg).collect();
        let per_line = steps_from_taps(c, &lines)
            .map(|s| (SweepSource::IdelayTap, s))
            .or_else(|| steps_from_line_ce(c, &lines, clock).map(|s| (SweepSource::PerLineCe, s)))
            .or_else(|| {
                steps_from_group_select(c, g, &lines, profile, clock)
                    .map(|s| (SweepSource::GroupCeWithSelect, s))
            })
            .or_else(|| {
                steps_from_group_order(c, g, &lines, profile, clock)
                    .map(|s| (SweepSource::GroupCeOrder, s))
            });
        let Some((source, per_line)) = per_line else {
            continue;
        };
        for (j, steps) in per_line.into_iter().enumerate() {
            let dq = lines[j];
            let walked = (j as u32) >= profile.first_walked_line();
            out.push(summarize(dq, g, walked, source, &steps, profile));
        }
    }
    out
}

fn summarize(
    dq: u32,
    group: u32,
    walked: bool,
    source: SweepSource,
    steps: &[Step],
    profile: Profile,
) -> DqSweep {
    let global_incs = steps.iter().filter(|s| s.global && s.inc).count() as u32;
    let global_decs = steps.iter().filter(|s| s.global && !s.inc).count() as u32;
    let start_tap = (global_incs + 64 * 4 - global_decs) % 64;
    let ind: Vec<&Step> = steps.iter().filter(|s| !s.global).collect();
    let walk_incs = ind.iter().take_while(|s| s.inc).count() as u32;
    let backoff = ind
        .iter()
        .skip(walk_incs as usize)
        .filter(|s| !s.inc)
        .count() as u32;
    let later_incs = ind
        .iter()
        .skip(walk_incs as usize)
        .filter(|s| s.inc)
        .count() as u32;
    let peak_tap = (start_tap + walk_incs) % 64;
    let final_tap = (peak_tap + 64 * 4 + later_incs - backoff) % 64;
    let ceiling = walk_incs >= profile.ceiling();
    DqSweep {
        dq,
        group,
        walked,
        source,
        global_incs,
        start_tap,
        walk_incs,
        peak_tap,
        backoff,
        final_tap,
        ceiling,
        finished: backoff >= profile.backoff_taps(),
        walk_span: ind.first().zip(ind.last()).map(|(a, b)| (a.time, b.time)),
        edge_tap: (walk_incs > 0 && !ceiling).then(|| (peak_tap + 64 - 2) % 64),
        steps: steps.to_vec(),
    }
}

/// From `idelay_dq[k]/tap`: each +1/-1 (mod 64) is a step; steps every line of the group takes
/// at the same time are global.
fn steps_from_taps(c: &Capture, lines: &[u32]) -> Option<Vec<Vec<Step>>> {
    let hist: Vec<Vec<(Time, Option<u64>)>> = lines
        .iter()
        .map(|k| c.ints(&format!("idelay_dq[{k}]/tap")))
        .collect::<Option<_>>()?;
    let raw: Vec<Vec<(Time, bool)>> = hist
        .iter()
        .map(|h| {
            let mut prev: Option<u64> = None;
            let mut s = Vec::new();
            for (t, v) in h {
                if let (Some(p), Some(v)) = (prev, v) {
                    if (p + 1) % 64 == *v {
                        s.push((*t, true));
                    } else if (v + 1) % 64 == p {
                        s.push((*t, false));
                    }
                }
                if v.is_some() {
                    prev = *v;
                }
            }
            s
        })
        .collect();
    Some(mark_global(raw))
}

/// A step is global when every line of the group steps the same way at the same time.
fn mark_global(raw: Vec<Vec<(Time, bool)>>) -> Vec<Vec<Step>> {
    let n = raw.len();
    raw.iter()
        .map(|line| {
            line.iter()
                .map(|&(t, inc)| Step {
                    time: t,
                    inc,
                    global: n > 1
                        && raw.iter().all(|other| {
                            other
                                .binary_search_by_key(&t, |(ot, _)| *ot)
                                .map(|i| other[i].1 == inc)
                                .unwrap_or(false)
                        }),
                })
                .collect()
        })
        .collect()
}

/// CE cycles of a CE/INC pair: each clk_0 cycle CE is high is one step, INC sampled then.
/// The IDELAY has 64 taps and the walk gives up after 55 increments, so CE held high longer
/// than this many cycles holds nothing more to learn; a capture that does so (a stuck CE, a
/// coarse timescale) is read as this many steps, keeping the work bounded by the capture.
pub const MAX_CE_RUN_CYCLES: u64 = 4096;

fn ce_steps(ce: &BitChanges, inc: &BitChanges, clock: Clock, end: Time) -> Vec<(Time, bool)> {
    let mut out = Vec::new();
    for (s, e) in high_intervals(ce, end) {
        let n = clock.cycles_in(e - s).clamp(1, MAX_CE_RUN_CYCLES);
        for i in 0..n {
            let t = s + i * clock.period;
            out.push((t, bit_at(inc, t) == b'1'));
        }
    }
    out
}

fn steps_from_line_ce(c: &Capture, lines: &[u32], clock: Clock) -> Option<Vec<Vec<Step>>> {
    let raw = lines
        .iter()
        .map(|&k| {
            let ce = c.bit("tap_logic/data_idelay_ce", k)?;
            let inc = c.bit("tap_logic/data_idelay_inc", k)?;
            Some(ce_steps(&ce, &inc, clock, c.end_time()))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(mark_global(raw))
}

fn steps_from_group_select(
    c: &Capture,
    g: u32,
    lines: &[u32],
    _profile: Profile,
    clock: Clock,
) -> Option<Vec<Vec<Step>>> {
    let ce = c.bit("tap_logic/dlyce_dqs", g)?;
    let inc = c.bit("tap_logic/dlyinc_dqs", g)?;
    let flag = c.bit("tap_logic/dlyinc_global_flag_dqs", g)?;
    let sel = c.ints(&format!("data_tap_inc[{g}]/chan_sel_int"))?;
    let mut per_line = vec![Vec::new(); lines.len()];
    for (t, is_inc) in ce_steps(&ce, &inc, clock, c.end_time()) {
        if bit_at(&flag, t) == b'1' {
            for l in per_line.iter_mut() {
                l.push(Step {
                    time: t,
                    inc: is_inc,
                    global: true,
                });
            }
        } else {
            let i = sel.partition_point(|(ct, _)| *ct <= t);
            let s = i.checked_sub(1).and_then(|i| sel[i].1).unwrap_or(0);
            for (j, l) in per_line.iter_mut().enumerate() {
                if (s >> j) & 1 == 1 {
                    l.push(Step {
                        time: t,
                        inc: is_inc,
                        global: false,
                    });
                }
            }
        }
    }
    Some(per_line)
}

/// The field method of spec §7: only the group's CE and INC are probed. Decrements only happen
/// in a line's back-off, so each run of decrements closes one walk; the increments of that walk
/// are the run before it spaced three cycles apart (INC, WAIT_INC, EDGE). Everything else is
/// global. Walk j belongs to the j-th individually calibrated line of the group.
fn steps_from_group_order(
    c: &Capture,
    g: u32,
    lines: &[u32],
    profile: Profile,
    clock: Clock,
) -> Option<Vec<Vec<Step>>> {
    let ce = c.bit("tap_logic/dlyce_dqs", g)?;
    let inc = c.bit("tap_logic/dlyinc_dqs", g)?;
    let steps = ce_steps(&ce, &inc, clock, c.end_time());
    let mut owner: Vec<Option<usize>> = vec![None; steps.len()];
    let mut walk = 0usize;
    let mut i = 0;
    while i < steps.len() {
        if steps[i].1 {
            i += 1;
            continue;
        }
        // A run of decrements starting at i.
        let mut j = i;
        while j < steps.len() && !steps[j].1 {
            j += 1;
        }
        // Increments of this walk: going back from i while three cycles apart.
        let mut k = i;
        while k > 0 && steps[k - 1].1 && owner[k - 1].is_none() {
            let next_t = steps[k].0;
            let gap = clock.cycles_in(next_t - steps[k - 1].0);
            if k < i && gap != 3 {
                break;
            }
            if k == i && gap > 4 {
                break;
            }
            k -= 1;
        }
        for o in owner.iter_mut().take(j).skip(k) {
            *o = Some(walk);
        }
        walk += 1;
        i = j;
    }
    // An unfinished walk at the end: trailing increments three cycles apart.
    let mut k = steps.len();
    while k > 1
        && steps[k - 1].1
        && owner[k - 1].is_none()
        && clock.cycles_in(steps[k - 1].0 - steps[k - 2].0) == 3
    {
        k -= 1;
    }
    if k < steps.len() && steps.len() - k >= 2 {
        for o in owner.iter_mut().skip(k) {
            *o = Some(walk);
        }
    }
    let first = profile.first_walked_line() as usize;
    let first_owned = owner
        .iter()
        .position(|o| o.is_some())
        .unwrap_or(owner.len());
    let mut per_line = vec![Vec::new(); lines.len()];
    for (i, ((t, is_inc), o)) in steps.iter().zip(owner).enumerate() {
        match o {
            // Group-wide moves happen only before the first walk; a lone step after the walks
            // began is tap_ctrl stepping with `chan_sel` all zero, which moves no line.
            None if i > first_owned => {}
            None => {
                for l in per_line.iter_mut() {
                    l.push(Step {
                        time: *t,
                        inc: *is_inc,
                        global: true,
                    });
                }
            }
            Some(w) => {
                if let Some(l) = per_line.get_mut(first + w) {
                    l.push(Step {
                        time: *t,
                        inc: *is_inc,
                        global: false,
                    });
                }
            }
        }
    }
    Some(per_line)
}
