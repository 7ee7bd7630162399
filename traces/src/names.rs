//! MIG signal names: the catalogue of what the analyses look for, the rules that bind a capture's
//! names to canonical MIG names, and a view of a capture keyed by those canonical names.
//!
//! A canonical name is `<block>/<signal>`, with a block instance index in square brackets for the
//! per-DQS and per-DQ blocks (`tap_ctrl[1]/current_state`, `idelay_dq[3]/tap`) and, for a single
//! bit of a bus, the bit in square brackets (`pins/dq[3]`, `tap_logic/dlyce_dqs[0]`). Everything is
//! lower case because VHDL names are case-insensitive.
//!
//! Binding rules ([`NameMap::build`]), in the words of the spec (README §5):
//! - the hierarchy prefix does not matter (`tb/dut/top_00/…`, `ddr2_ctrl_tandem/…`, `u_ddr/…`):
//!   a signal belongs to the innermost scope that is a known MIG instance ([`Block::instance_names`]),
//!   and only its direct children are bound;
//! - a per-DQS/per-DQ block takes its index from its own scope or the nearest indexed scope above it
//!   (`tap_ctrl_gen(0)`, `tap_ctrl_gen[0]`, `gen_tap_ctrl[0].u_tap_ctrl_dqs`,
//!   `v4_dq_iob_gen(3)/v4_dq_iob_0/idelay_dq`); when no scope carries an index (FPGA Editor drops
//!   generate labels) the index is 0, so two such instances collide and are reported;
//! - bits may be written `dq[3]`, `dq<3>` or `dq(3)`; a bus and bit-blasted 1-bit variables both
//!   become one canonical bus whose bits are addressable one by one;
//! - board pins and a few top-level nets are recognised by name outside every MIG instance
//!   (`tb/dq`, `cntrl0_ddr2_dq`, `dcm_lock`);
//! - two capture signals claiming the same canonical bit are an error
//!   ([`TraceError::AmbiguousName`]), never a silent pick; a [`Mapping`] file settles it.

use crate::trace::{
    ChangeRef, ChangeSource, Header, SignalId, SignalInfo, Time, Trace, Value, ValueRef, VarKind,
    Warnings,
};
use crate::TraceError;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// Catalogue
// ---------------------------------------------------------------------------------------------

/// A MIG block (or the board), the first part of a canonical name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    /// The memory-side pins as the test bench or a logic analyser sees them.
    Pins,
    /// The init FSM (`ddr_controller_00`; `ddr2_controller_00` in MIG 1.7.3 DDR2).
    DdrController,
    /// Stage-2 sequencing over all DQS groups (`tap_logic_00`).
    TapLogic,
    /// Per-DQS tap sweep FSM (`tap_ctrl_gen(i)/tap_ctrl_0`).
    TapCtrl,
    /// Per-DQS line selector (`tap_ctrl_gen(i)/data_tap_inc_0`).
    DataTapInc,
    /// Per-group stage-3 pattern search (`pattern_compare4_gen(i)/pattern_0`, `pattern_compare8`).
    PatternCompare,
    /// Stage-3 read data and COMP_DONE (`rd_data_00`).
    RdData,
    /// Power-up pattern writer (`backend_fifos_00`).
    BackendFifos,
    /// Per-DQ IDELAY (`v4_dq_iob_gen(k)/v4_dq_iob_0/idelay_dq`).
    IdelayDq,
    /// The IDELAYCTRL (`mem_interface_top_idelay_ctrl0`).
    IdelayCtrl,
    /// The clock DCM.
    Dcm,
}

/// Every block, in the order reports list them.
pub const BLOCKS: [Block; 11] = [
    Block::Pins,
    Block::Dcm,
    Block::IdelayCtrl,
    Block::DdrController,
    Block::TapLogic,
    Block::TapCtrl,
    Block::DataTapInc,
    Block::IdelayDq,
    Block::BackendFifos,
    Block::RdData,
    Block::PatternCompare,
];

impl Block {
    /// The block's part of a canonical name.
    pub fn name(self) -> &'static str {
        match self {
            Block::Pins => "pins",
            Block::DdrController => "ddr_controller",
            Block::TapLogic => "tap_logic",
            Block::TapCtrl => "tap_ctrl",
            Block::DataTapInc => "data_tap_inc",
            Block::PatternCompare => "pattern_compare",
            Block::RdData => "rd_data",
            Block::BackendFifos => "backend_fifos",
            Block::IdelayDq => "idelay_dq",
            Block::IdelayCtrl => "idelay_ctrl",
            Block::Dcm => "dcm",
        }
    }

    /// The block named `name` (canonical spelling, lower case).
    pub fn from_name(name: &str) -> Option<Block> {
        BLOCKS.iter().copied().find(|b| b.name() == name)
    }

    /// True for blocks instantiated once per DQS group or per DQ line (canonical names carry `[i]`).
    pub fn indexed(self) -> bool {
        matches!(
            self,
            Block::TapCtrl | Block::DataTapInc | Block::PatternCompare | Block::IdelayDq
        )
    }

    /// Instance names (lower case, generate index removed) that identify this block in a
    /// hierarchy: MIG 1.7 (`_00`/`_0` suffixes), MIG 1.7.3 DDR2 (`ddr2_controller_00`), MIG 3.x
    /// (`u_tap_ctrl_dqs`), and the spellings ILA/ChipScope users give them.
    pub fn instance_names(self) -> &'static [&'static str] {
        match self {
            Block::Pins => &[],
            Block::DdrController => &[
                "ddr_controller_00",
                "ddr2_controller_00",
                "ddr_controller_0",
                "ddr2_controller_0",
                "ddr_controller",
                "ddr2_controller",
                "u_ddr_controller",
                "u_ddr2_controller",
            ],
            Block::TapLogic => &["tap_logic_00", "tap_logic_0", "tap_logic", "u_tap_logic"],
            Block::TapCtrl => &["tap_ctrl_0", "tap_ctrl", "u_tap_ctrl", "u_tap_ctrl_dqs"],
            Block::DataTapInc => &["data_tap_inc_0", "data_tap_inc", "u_data_tap_inc"],
            Block::PatternCompare => &[
                "pattern_0",
                "pattern_compare8",
                "pattern_compare8_0",
                "pattern_compare4",
                "pattern_compare",
                "u_pattern_compare",
                "u_pattern_compare8",
            ],
            Block::RdData => &["rd_data_00", "rd_data_0", "rd_data", "u_rd_data"],
            Block::BackendFifos => &[
                "backend_fifos_00",
                "backend_fifos_0",
                "backend_fifos",
                "u_backend_fifos",
            ],
            Block::IdelayDq => &["idelay_dq", "u_idelay_dq"],
            Block::IdelayCtrl => &[
                "idelay_ctrl0",
                "idelay_ctrl",
                "mem_interface_top_idelay_ctrl0",
                "u_idelay_ctrl",
                "idelayctrl0",
                "idelayctrl",
            ],
            Block::Dcm => &[
                "dcm",
                "dcm0",
                "dcm_base0",
                "dcm_adv0",
                "dcm_inst",
                "u_dcm",
                "dcm_base",
                "dcm_adv",
            ],
        }
    }
}

/// The analysis stage that needs a signal (the contract stage names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// DCM lock, IDELAYCTRL RDY, reset release.
    Clocking,
    /// The 200 µs wait and the JEDEC command sequence.
    MemorySetup,
    /// Per-DQ IDELAY tap calibration.
    TapCalibration,
    /// Read-latency (pattern) calibration.
    ReadLatency,
    /// `init_done`.
    Done,
}

impl Stage {
    /// The contract name (`clocking`, `memory_setup`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Stage::Clocking => "clocking",
            Stage::MemorySetup => "memory_setup",
            Stage::TapCalibration => "tap_calibration",
            Stage::ReadLatency => "read_latency",
            Stage::Done => "done",
        }
    }
}

/// One signal the analyses know about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CatalogueEntry {
    /// The block it lives in.
    pub block: Block,
    /// Its MIG name inside the block (lower case).
    pub signal: &'static str,
    /// Its width when the RTL fixes it; `None` when it depends on the build (data width, DQS
    /// count, controller profile).
    pub width: Option<u32>,
    /// The stage whose analysis reads it.
    pub stage: Stage,
    /// True when a diagnosis of that stage cannot be made without it (the field method's probes);
    /// false for signals that only add detail.
    pub key: bool,
}

macro_rules! entries {
    ($( $block:ident $sig:literal $w:expr, $stage:ident $key:literal; )*) => {
        &[$( CatalogueEntry { block: Block::$block, signal: $sig, width: $w, stage: Stage::$stage, key: $key }, )*]
    };
}

/// The MIG signal catalogue: every canonical signal the analyses and reports use.
pub const CATALOGUE: &[CatalogueEntry] = entries![
    Pins "dq" None, TapCalibration true;
    Pins "dqs" None, ReadLatency false;
    Pins "dm" None, ReadLatency false;
    Pins "a" None, MemorySetup true;
    Pins "ba" None, MemorySetup true;
    Pins "cke" None, MemorySetup true;
    Pins "cs_n" None, MemorySetup true;
    Pins "ras_n" None, MemorySetup true;
    Pins "cas_n" None, MemorySetup true;
    Pins "we_n" None, MemorySetup true;
    Pins "ck" None, MemorySetup true;
    Pins "init_done" Some(1), Done true;
    Dcm "locked" Some(1), Clocking true;
    Dcm "rst" Some(1), Clocking false;
    Dcm "status" None, Clocking false;
    Dcm "clkin" Some(1), Clocking false;
    IdelayCtrl "rdy" Some(1), Clocking false;
    DdrController "init_state" None, MemorySetup true;
    DdrController "init_count" None, MemorySetup false;
    DdrController "done_200us" Some(1), MemorySetup false;
    DdrController "cke_200us_cnt" None, MemorySetup false;
    DdrController "ctrl_dummyread_start" Some(1), TapCalibration true;
    DdrController "phy_dly_slct_done" Some(1), TapCalibration true;
    DdrController "comp_done" Some(1), ReadLatency true;
    DdrController "comp_done_r" Some(1), ReadLatency false;
    DdrController "init_done_int" Some(1), Done false;
    DdrController "init_done" Some(1), Done true;
    TapLogic "tap_sel_done" Some(1), TapCalibration true;
    TapLogic "data_tap_inc_done" Some(1), TapCalibration true;
    TapLogic "calib_done_dqs" None, TapCalibration true;
    TapLogic "dlyce_dqs" None, TapCalibration true;
    TapLogic "dlyinc_dqs" None, TapCalibration true;
    TapLogic "chan_done_dqs" None, TapCalibration true;
    TapLogic "dlyinc_global_flag_dqs" None, TapCalibration false;
    TapLogic "dq_data_dqs" None, TapCalibration false;
    TapLogic "data_idelay_ce" None, TapCalibration false;
    TapLogic "data_idelay_inc" None, TapCalibration false;
    TapCtrl "current_state" Some(4), TapCalibration false;
    TapCtrl "tap_count" Some(6), TapCalibration false;
    TapCtrl "dec_count" Some(6), TapCalibration false;
    TapCtrl "init_tap_cnt" Some(6), TapCalibration false;
    TapCtrl "calib_start" Some(1), TapCalibration false;
    TapCtrl "compare" Some(1), TapCalibration false;
    TapCtrl "bit_boundary_aligned" Some(1), TapCalibration false;
    DataTapInc "chan_sel_int" None, TapCalibration false;
    DataTapInc "calib_done_int" Some(1), TapCalibration true;
    DataTapInc "calibration_dq_r" None, TapCalibration false;
    IdelayDq "tap" None, TapCalibration false;
    BackendFifos "init_count" None, ReadLatency false;
    BackendFifos "init_wren" Some(1), ReadLatency false;
    BackendFifos "init_data" None, ReadLatency false;
    BackendFifos "init_flag" Some(1), ReadLatency false;
    RdData "comp_done" Some(1), ReadLatency true;
    PatternCompare "comp_done" Some(1), ReadLatency true;
    PatternCompare "clk_cnt_rise" Some(4), ReadLatency true;
    PatternCompare "clk_count_rise" Some(4), ReadLatency true;
    PatternCompare "first_rising" Some(1), ReadLatency false;
    PatternCompare "clk_cnt_fall" Some(4), ReadLatency false;
    PatternCompare "clk_count_fall" Some(4), ReadLatency false;
    PatternCompare "rd_data_rise" Some(8), ReadLatency false;
    PatternCompare "rd_data_fall" Some(8), ReadLatency false;
];

/// The catalogue entry for a canonical name (instance index and bit ignored).
pub fn catalogue_entry(canonical: &str) -> Option<&'static CatalogueEntry> {
    let (block, _, signal, _) = split_canonical(canonical)?;
    CATALOGUE
        .iter()
        .find(|e| e.block == block && e.signal == signal)
}

/// Capture leaf names recognised outside every MIG instance, with the canonical name they bind
/// to. Board pins appear as test-bench nets (`tb/dq`) or as the user top's ports
/// (`cntrl0_ddr2_dq`).
fn top_level_alias(leaf: &str) -> Option<(Block, &'static str)> {
    const PINS: [&str; 11] = [
        "dq", "dqs", "dm", "a", "ba", "cke", "cs_n", "ras_n", "cas_n", "we_n", "ck",
    ];
    for p in PINS {
        for prefix in ["", "ddr_", "ddr2_", "cntrl0_ddr_", "cntrl0_ddr2_"] {
            if leaf.len() == prefix.len() + p.len() && leaf.starts_with(prefix) && leaf.ends_with(p)
            {
                return Some((Block::Pins, p));
            }
        }
    }
    match leaf {
        "init_done" | "cntrl0_init_done" => Some((Block::Pins, "init_done")),
        "dcm_lock" | "dcm_locked" => Some((Block::Dcm, "locked")),
        "idelay_ctrl_rdy" => Some((Block::IdelayCtrl, "rdy")),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing names
// ---------------------------------------------------------------------------------------------

/// A bit or range suffix on a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Suffix {
    Bit(i64),
    Range(i64, i64),
}

/// One scope of a hierarchical name: its name and generate index, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    base: String,
    index: Option<u32>,
}

/// A capture name taken apart: scopes, the leaf, and the leaf's bit/range suffix.
#[derive(Debug, Clone)]
struct ParsedName {
    scopes: Vec<Segment>,
    leaf: String,
    suffix: Option<Suffix>,
}

/// Splits a trailing `[..]`, `<..>` or `(..)` holding an index, `a:b`, `a downto b` or `a to b`.
fn split_suffix(s: &str) -> (&str, Option<Suffix>) {
    let t = s.trim_end();
    let close = match t.chars().last() {
        Some(c @ (']' | '>' | ')')) => c,
        _ => return (t, None),
    };
    let open = match close {
        ']' => '[',
        '>' => '<',
        _ => '(',
    };
    let Some(pos) = t.rfind(open) else {
        return (t, None);
    };
    let inner = t[pos + 1..t.len() - 1].trim();
    let num = |x: &str| x.trim().parse::<i64>().ok();
    let suffix = if let Some(v) = num(inner) {
        Some(Suffix::Bit(v))
    } else if let Some((a, b)) = inner.split_once(':') {
        num(a).zip(num(b)).map(|(a, b)| Suffix::Range(a, b))
    } else if let Some((a, b)) = inner.split_once(" downto ") {
        num(a).zip(num(b)).map(|(a, b)| Suffix::Range(a, b))
    } else if let Some((a, b)) = inner.split_once(" to ") {
        num(a).zip(num(b)).map(|(a, b)| Suffix::Range(a, b))
    } else {
        None
    };
    match suffix {
        Some(sfx) if pos > 0 => (t[..pos].trim_end(), Some(sfx)),
        _ => (t, None),
    }
}

/// Splits a path on `/`, `.` and `:` outside brackets (ISE writes `tap_ctrl_gen[0].tap_ctrl_0`,
/// some simulators use `:`), dropping empty parts and Verilog escape backslashes.
fn split_path(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '[' | '(' | '<' => {
                depth += 1;
                cur.push(c);
            }
            ']' | ')' | '>' => {
                depth -= 1;
                cur.push(c);
            }
            '/' | '.' | ':' if depth <= 0 => {
                parts.push(std::mem::take(&mut cur));
            }
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts
        .into_iter()
        .map(|p| p.trim().trim_matches('\\').trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn parse_segment(s: &str) -> Segment {
    match split_suffix(s) {
        (base, Some(Suffix::Bit(i))) if i >= 0 && i <= u32::MAX as i64 => Segment {
            base: base.to_string(),
            index: Some(i as u32),
        },
        _ => Segment {
            base: s.to_string(),
            index: None,
        },
    }
}

fn parse_name(name: &str) -> Option<ParsedName> {
    let lower = name.trim().to_lowercase();
    let (rest, suffix) = split_suffix(&lower);
    let mut parts = split_path(rest);
    let leaf = parts.pop()?;
    Some(ParsedName {
        scopes: parts.iter().map(|p| parse_segment(p)).collect(),
        leaf,
        suffix,
    })
}

fn block_of_instance(base: &str) -> Option<Block> {
    BLOCKS
        .iter()
        .copied()
        .find(|b| b.instance_names().contains(&base))
}

/// Where a capture signal lands: the canonical signal base (`tap_ctrl[0]/current_state`) and the
/// bit/range suffix written on the leaf.
fn classify(p: &ParsedName) -> Option<(String, Option<Suffix>)> {
    let block_pos = p
        .scopes
        .iter()
        .rposition(|s| block_of_instance(&s.base).is_some());
    let (block, signal, index) = match block_pos {
        Some(pos) => {
            // Only direct children of the block instance are its signals; deeper scopes are
            // processes or sub-instances that the catalogue does not describe.
            if pos + 1 != p.scopes.len() {
                return None;
            }
            let block = block_of_instance(&p.scopes[pos].base)?;
            let index = if block.indexed() {
                let outer_block = p.scopes[..pos]
                    .iter()
                    .rposition(|s| block_of_instance(&s.base).is_some())
                    .map(|i| i + 1)
                    .unwrap_or(0);
                Some(
                    p.scopes[outer_block..=pos]
                        .iter()
                        .rev()
                        .find_map(|s| s.index)
                        .unwrap_or(0),
                )
            } else {
                None
            };
            (block, p.leaf.clone(), index)
        }
        None => {
            let (block, signal) = top_level_alias(&p.leaf)?;
            (block, signal.to_string(), None)
        }
    };
    Some((canonical_base(block, index, &signal), p.suffix))
}

fn canonical_base(block: Block, index: Option<u32>, signal: &str) -> String {
    match index {
        Some(i) => format!("{}[{i}]/{signal}", block.name()),
        None => format!("{}/{signal}", block.name()),
    }
}

/// Splits a canonical name into block, instance index, signal and bit.
fn split_canonical(name: &str) -> Option<(Block, Option<u32>, &str, Option<u32>)> {
    let (blk, sig) = name.split_once('/')?;
    let (blk_base, idx) = match blk.split_once('[') {
        Some((b, rest)) => (b, Some(rest.strip_suffix(']')?.parse::<u32>().ok()?)),
        None => (blk, None),
    };
    let block = Block::from_name(blk_base)?;
    let (sig, bit) = match sig.split_once('[') {
        Some((s, rest)) => (s, rest.strip_suffix(']')?.parse::<u32>().ok()),
        None => (sig, None),
    };
    Some((block, idx, sig, bit))
}

/// Normalizes a name a user typed (a query or a mapping key): lower case, no spaces, bits as
/// `[n]` whatever the style.
pub fn normalize_query(q: &str) -> String {
    let lower = q.trim().to_lowercase();
    let parts = split_path(&lower);
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        let seg = match split_suffix(&p) {
            (base, Some(Suffix::Bit(i))) => format!("{base}[{i}]"),
            (base, Some(Suffix::Range(a, b))) => format!("{base}[{a}:{b}]"),
            (base, None) => base.to_string(),
        };
        out.push(seg.replace(' ', ""));
    }
    out.join("/")
}

/// Splits a trailing `[n]` off a normalized name.
fn split_bit(name: &str) -> (&str, Option<u32>) {
    if let Some(stripped) = name.strip_suffix(']') {
        if let Some(pos) = stripped.rfind('[') {
            if let Ok(b) = stripped[pos + 1..].parse::<u32>() {
                // `tap_ctrl[0]` alone is a block, not a bit: a bit needs a signal after the block.
                if stripped[..pos].contains('/') {
                    return (&name[..pos], Some(b));
                }
            }
        }
    }
    (name, None)
}

// ---------------------------------------------------------------------------------------------
// Mapping files
// ---------------------------------------------------------------------------------------------

/// One line of a mapping file: this canonical MIG name is that capture signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingEntry {
    /// The canonical name (normalized: lower case, bits as `[n]`), e.g. `data_tap_inc[0]/chan_done`.
    pub canonical: String,
    /// The capture name as written, e.g. `ddr2_ctrl_tandem/…/data_tap_inc_0/chan_sel_int_not0002`.
    pub capture: String,
    /// 1-based line of the entry in the file (0 when not known).
    pub line: u64,
}

/// A mapping file: TOML lines `"canonical name" = "capture name"` that bind names the automatic
/// rules cannot (synthesized nets like `chan_sel_int_not0002`, renamed probes) or that settle an
/// ambiguity. Entries win over automatic bindings of the same canonical bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The file (for messages).
    pub path: PathBuf,
    /// The entries, in file order.
    pub entries: Vec<MappingEntry>,
}

impl Mapping {
    /// Reads and checks a mapping file.
    pub fn from_file(path: &Path) -> Result<Mapping, TraceError> {
        let text = std::fs::read_to_string(path).map_err(|source| TraceError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Mapping::parse(&text, path)
    }

    /// Parses mapping-file text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Mapping, TraceError> {
        let err = |message: String| TraceError::Mapping {
            path: path.to_path_buf(),
            message,
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(0);
            err(format!(
                "line {line}: expected lines `\"canonical name\" = \"capture name\"`, found invalid TOML: {}",
                e.message()
            ))
        })?;
        let mut entries = Vec::new();
        for (key, value) in &table {
            let line = find_key_line(text, key);
            let capture = match value {
                toml::Value::String(s) => s.clone(),
                other => {
                    return Err(err(format!(
                        "line {line}: expected a quoted capture signal name for \"{key}\", found {} (quote keys that contain `.` or `/`)",
                        other.type_str()
                    )))
                }
            };
            let canonical = normalize_query(key);
            if split_canonical(&canonical).is_none() {
                let blocks: Vec<&str> = BLOCKS.iter().map(|b| b.name()).collect();
                return Err(err(format!(
                    "line {line}: expected a canonical name `<block>[i]/<signal>` with block one of {}, found \"{key}\"",
                    blocks.join(", ")
                )));
            }
            entries.push(MappingEntry {
                canonical,
                capture,
                line,
            });
        }
        entries.sort_by_key(|e| e.line);
        Ok(Mapping {
            path: path.to_path_buf(),
            entries,
        })
    }
}

fn find_key_line(text: &str, key: &str) -> u64 {
    let quoted = [format!("\"{key}\""), format!("'{key}'")];
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if quoted.iter().any(|q| t.starts_with(q.as_str()))
            || t.split('=').next().map(str::trim) == Some(key)
        {
            return i as u64 + 1;
        }
    }
    0
}

// ---------------------------------------------------------------------------------------------
// Bindings and the name map
// ---------------------------------------------------------------------------------------------

/// One bit of a capture signal: `bit` counts from the least significant (rightmost) bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct BitRef {
    /// The capture signal.
    pub signal: SignalId,
    /// Bit position in it, 0 = least significant.
    pub bit: u32,
}

/// Where the value of one canonical name comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Binding {
    /// The canonical name (`pins/dq`, `tap_ctrl[0]/current_state`, `pins/dq[3]`).
    pub name: String,
    /// Width of the canonical value.
    pub width: u32,
    /// Kind of the value (reals and strings are only ever bound whole).
    pub kind: VarKind,
    /// When the canonical value is one capture signal taken bit for bit in its own order.
    pub whole: Option<SignalId>,
    /// Canonical bit `i` (0 = least significant, i.e. `name[i]`) comes from `bits[i]`; `None`
    /// for an index no capture signal provides (read as `x`). Empty for reals and strings.
    pub bits: Vec<Option<BitRef>>,
    /// The capture name(s) it comes from, for reports.
    pub source: String,
}

impl Binding {
    /// The capture signals this binding reads, without repeats, in id order.
    pub fn signals(&self) -> Vec<SignalId> {
        let mut v: BTreeSet<SignalId> = self.bits.iter().flatten().map(|b| b.signal).collect();
        if let Some(w) = self.whole {
            v.insert(w);
        }
        v.into_iter().collect()
    }

    /// The binding of bit `i` alone (`pins/dq` → `pins/dq[3]`); `None` outside the width or for
    /// a bit no capture signal provides.
    pub fn bit(&self, i: u32, header: &Header) -> Option<Binding> {
        let b = (*self.bits.get(i as usize)?)?;
        let info = &header.signals[b.signal as usize];
        let whole = (info.width == 1).then_some(b.signal);
        Some(Binding {
            name: format!("{}[{i}]", self.name),
            width: 1,
            kind: VarKind::Bits,
            whole,
            bits: vec![Some(b)],
            source: if info.width == 1 {
                info.source_name.clone()
            } else {
                format!("{} bit {}", info.source_name, b.bit)
            },
        })
    }

    /// The catalogue entry of this name, if it is a catalogued signal.
    pub fn entry(&self) -> Option<&'static CatalogueEntry> {
        catalogue_entry(&self.name)
    }
}

/// Capture signals binding to one canonical bit, or one canonical name, more than once: the
/// candidates the automatic rules could not choose between.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ambiguity {
    /// The canonical name.
    pub name: String,
    /// Two capture names that both claim it.
    pub first: String,
    /// The other.
    pub second: String,
}

impl From<Ambiguity> for TraceError {
    fn from(a: Ambiguity) -> TraceError {
        TraceError::AmbiguousName {
            mig_name: a.name,
            first: a.first,
            second: a.second,
        }
    }
}

/// The binding of a capture's signals to canonical MIG names.
#[derive(Debug, Clone)]
pub struct NameMap {
    header: Header,
    bindings: Vec<Binding>,
    index: BTreeMap<String, usize>,
    ambiguities: Vec<Ambiguity>,
    unbound: Vec<SignalId>,
}

/// A candidate for one canonical bit: which capture bit, from which source name, and whether it
/// came from the mapping file.
#[derive(Clone)]
struct Candidate {
    bit: BitRef,
    source: String,
}

#[derive(Default)]
struct Group {
    /// Canonical bit index -> candidates.
    bits: BTreeMap<u32, Vec<Candidate>>,
    /// Non-bit (real/string/event) candidates: signal and source name.
    opaque: Vec<(SignalId, String, VarKind)>,
    /// Indices bound by the mapping file (they override automatic candidates).
    mapped: BTreeMap<u32, Candidate>,
    mapped_opaque: Option<(SignalId, String, VarKind)>,
}

/// Positions of a variable's declared indices: `(index, bit position from the LSB)`.
fn index_positions(info: &SignalInfo, suffix: Option<Suffix>) -> Vec<(u32, u32)> {
    let w = info.width;
    let range = match suffix {
        Some(Suffix::Range(a, b)) => Some((a, b)),
        Some(Suffix::Bit(_)) => None,
        None => info.range,
    };
    match range {
        Some((msb, lsb)) if msb >= 0 && lsb >= 0 && (msb - lsb).unsigned_abs() + 1 == w as u64 => {
            (0..w)
                .map(|pos| {
                    let idx = if msb >= lsb {
                        lsb + pos as i64
                    } else {
                        lsb - pos as i64
                    };
                    (idx as u32, pos)
                })
                .collect()
        }
        _ => (0..w).map(|pos| (pos, pos)).collect(),
    }
}

/// The largest canonical bus width migcal assembles; an index beyond it is a name that only
/// looks like a bit (a memory array element) and is kept as its own signal.
const MAX_ASSEMBLED_WIDTH: u32 = 4096;

impl Group {
    fn add_signal(&mut self, id: SignalId, info: &SignalInfo, suffix: Option<Suffix>) {
        if info.kind != VarKind::Bits {
            self.opaque.push((id, info.source_name.clone(), info.kind));
            return;
        }
        match suffix {
            Some(Suffix::Bit(i))
                if info.width == 1 && (0..MAX_ASSEMBLED_WIDTH as i64).contains(&i) =>
            {
                self.bits.entry(i as u32).or_default().push(Candidate {
                    bit: BitRef { signal: id, bit: 0 },
                    source: info.source_name.clone(),
                });
            }
            _ => {
                for (idx, pos) in index_positions(info, suffix) {
                    self.bits.entry(idx).or_default().push(Candidate {
                        bit: BitRef {
                            signal: id,
                            bit: pos,
                        },
                        source: info.source_name.clone(),
                    });
                }
            }
        }
    }
}

impl NameMap {
    /// Binds every capture signal that the rules recognise, applies `mapping`, and fails on the
    /// first canonical name two capture signals claim ([`TraceError::AmbiguousName`]) or on a
    /// mapping entry naming a signal the capture lacks ([`TraceError::Mapping`]).
    pub fn build(header: &Header, mapping: Option<&Mapping>) -> Result<NameMap, TraceError> {
        let map = NameMap::build_lenient(header, mapping)?;
        if let Some(a) = map.ambiguities.first() {
            return Err(a.clone().into());
        }
        Ok(map)
    }

    /// Like [`NameMap::build`] but keeps going past ambiguities: the ambiguous names are left
    /// unbound and listed by [`NameMap::ambiguities`] (for `migcal signals`, which shows them all).
    pub fn build_lenient(
        header: &Header,
        mapping: Option<&Mapping>,
    ) -> Result<NameMap, TraceError> {
        let mut groups: BTreeMap<String, Group> = BTreeMap::new();
        for (id, info) in header.signals.iter().enumerate() {
            let Some(parsed) = parse_name(&info.source_name) else {
                continue;
            };
            let Some((base, suffix)) = classify(&parsed) else {
                continue;
            };
            // An index past any real bus is an array element, not a bit: its own signal.
            let (base, suffix) = match suffix {
                Some(Suffix::Bit(i))
                    if info.width != 1 || !(0..MAX_ASSEMBLED_WIDTH as i64).contains(&i) =>
                {
                    (format!("{base}[{i}]"), None)
                }
                s => (base, s),
            };
            groups
                .entry(base)
                .or_default()
                .add_signal(id as SignalId, info, suffix);
        }
        if let Some(m) = mapping {
            apply_mapping(header, m, &mut groups)?;
        }
        let mut bindings = Vec::new();
        let mut ambiguities = Vec::new();
        for (name, g) in groups {
            match finish_group(header, &name, g) {
                Ok(Some(b)) => bindings.push(b),
                Ok(None) => {}
                Err(a) => ambiguities.push(a),
            }
        }
        bindings.sort_by(|a, b| natural_cmp(&a.name, &b.name));
        let index = bindings
            .iter()
            .enumerate()
            .map(|(i, b)| (b.name.clone(), i))
            .collect();
        // Unbound = in no final binding: never recognised, displaced by a mapping entry, or
        // one of an ambiguous pair (those are also listed as ambiguities).
        let mut in_use = vec![false; header.signals.len()];
        for b in &bindings {
            for s in b.signals() {
                in_use[s as usize] = true;
            }
        }
        let unbound = (0..header.signals.len() as SignalId)
            .filter(|&i| !in_use[i as usize])
            .collect();
        Ok(NameMap {
            header: header.clone(),
            bindings,
            index,
            ambiguities,
            unbound,
        })
    }

    /// The capture header the map was built from.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Every binding, sorted by canonical name.
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The binding of exactly this canonical name (no bit selection, no bare names).
    pub fn get(&self, canonical: &str) -> Option<&Binding> {
        self.index.get(canonical).map(|&i| &self.bindings[i])
    }

    /// Names two capture signals both claimed (only non-empty after [`NameMap::build_lenient`]).
    pub fn ambiguities(&self) -> &[Ambiguity] {
        &self.ambiguities
    }

    /// Capture signals no rule or mapping entry bound.
    pub fn unbound(&self) -> &[SignalId] {
        &self.unbound
    }

    /// Finds a signal by canonical name (`tap_ctrl[0]/current_state`), by bare MIG name when only
    /// one canonical name ends with it (`tap_sel_done`, `dlyce_dqs[0]`, `tap_ctrl[1]/tap_count`),
    /// or by a capture-style path (`tap_ctrl_gen(0)/tap_ctrl_0/current_state`); a trailing bit
    /// selects one bit of a bus (`pins/dq[3]`, `dq<3>`). `Ok(None)` when nothing matches;
    /// [`TraceError::AmbiguousName`] when a bare name matches two canonical names.
    pub fn lookup(&self, query: &str) -> Result<Option<Binding>, TraceError> {
        let q = normalize_query(query);
        if let Some(b) = self.find_whole(&q, query)? {
            return Ok(Some(b.clone()));
        }
        let (base, bit) = split_bit(&q);
        if let Some(bit) = bit {
            if let Some(b) = self.find_whole(base, query)? {
                return Ok(b.bit(bit, &self.header));
            }
        }
        if !q.contains('/') {
            // A bare name with a bit: `dlyce_dqs[0]`.
            if let (base, Some(bit)) = split_bit_any(&q) {
                if let Some(b) = self.find_whole(base, query)? {
                    return Ok(b.bit(bit, &self.header));
                }
            }
        }
        // A capture-style path: classify it like a capture signal.
        if let Some(parsed) = parse_name(query) {
            if let Some((base, suffix)) = classify(&parsed) {
                if let Some(b) = self.get(&base) {
                    return Ok(match suffix {
                        Some(Suffix::Bit(i)) if i >= 0 => b.bit(i as u32, &self.header),
                        _ => Some(b.clone()),
                    });
                }
            }
        }
        Ok(None)
    }

    fn find_whole(&self, q: &str, original: &str) -> Result<Option<&Binding>, TraceError> {
        if let Some(b) = self.get(q) {
            return Ok(Some(b));
        }
        let tail = format!("/{q}");
        let mut hits = self.bindings.iter().filter(|b| b.name.ends_with(&tail));
        match (hits.next(), hits.next()) {
            (Some(a), Some(b)) => Err(TraceError::AmbiguousName {
                mig_name: original.to_string(),
                first: a.name.clone(),
                second: b.name.clone(),
            }),
            (a, None) => Ok(a),
            (None, Some(_)) => unreachable!("an iterator yields in order"),
        }
    }

    /// The catalogue entries this capture lacks, with the instance indices the capture implies
    /// (`tap_ctrl[0]/current_state` for each DQS group, `idelay_dq[k]/tap` for each DQ), as
    /// canonical names grouped by the stage that needs them, stages in order.
    pub fn missing(&self) -> Vec<(Stage, Vec<String>)> {
        let groups = self.dqs_groups();
        let dq_lines = self.get("pins/dq").map(|b| b.width);
        let mut by_stage: BTreeMap<Stage, Vec<String>> = BTreeMap::new();
        for e in CATALOGUE {
            let names: Vec<String> = if e.block.indexed() {
                let count = match e.block {
                    Block::IdelayDq => dq_lines,
                    _ => groups,
                };
                match count {
                    Some(n) => (0..n)
                        .map(|i| canonical_base(e.block, Some(i), e.signal))
                        .collect(),
                    None => {
                        let present = self
                            .bindings
                            .iter()
                            .any(|b| catalogue_entry(&b.name) == Some(e));
                        if present {
                            Vec::new()
                        } else {
                            vec![format!("{}[i]/{}", e.block.name(), e.signal)]
                        }
                    }
                }
            } else {
                vec![canonical_base(e.block, None, e.signal)]
            };
            for n in names {
                // `[i]` placeholders were only produced when no instance is present.
                if n.contains("[i]") || self.get(&n).is_none() {
                    by_stage.entry(e.stage).or_default().push(n);
                }
            }
        }
        by_stage.into_iter().collect()
    }

    /// The number of DQS groups the capture shows: the width of a per-group tap_logic vector,
    /// else the number of per-group instances seen.
    pub fn dqs_groups(&self) -> Option<u32> {
        for n in ["calib_done_dqs", "dlyce_dqs", "dlyinc_dqs", "chan_done_dqs"] {
            if let Some(b) = self.get(&format!("tap_logic/{n}")) {
                return Some(b.width);
            }
        }
        let mut max: Option<u32> = None;
        for b in &self.bindings {
            if let Some((blk, Some(i), _, _)) = split_canonical(&b.name) {
                if matches!(
                    blk,
                    Block::TapCtrl | Block::DataTapInc | Block::PatternCompare
                ) {
                    max = Some(max.map_or(i + 1, |m| m.max(i + 1)));
                }
            }
        }
        max
    }
}

/// Orders names with their numbers compared as numbers (`idelay_dq[2]` before `idelay_dq[10]`),
/// so listings read in DQ and group order.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let nx = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let ny = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let (dx, dy) = (&x[..nx], &y[..ny]);
                let tx = dx
                    .iter()
                    .position(|&c| c != b'0')
                    .map_or(&dx[nx..], |p| &dx[p..]);
                let ty = dy
                    .iter()
                    .position(|&c| c != b'0')
                    .map_or(&dy[ny..], |p| &dy[p..]);
                let ord = tx.len().cmp(&ty.len()).then(tx.cmp(ty)).then(nx.cmp(&ny));
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
                x = &x[nx..];
                y = &y[ny..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn source_text(sources: &[&str]) -> String {
    let mut uniq: Vec<&str> = Vec::new();
    for s in sources {
        if !uniq.contains(s) {
            uniq.push(s);
        }
    }
    match uniq.len() {
        0 => String::new(),
        1..=3 => uniq.join(", "),
        n => format!("{} … {} ({n} signals)", uniq[0], uniq[n - 1]),
    }
}

fn finish_group(header: &Header, name: &str, g: Group) -> Result<Option<Binding>, Ambiguity> {
    if let Some((id, src, kind)) = g
        .mapped_opaque
        .clone()
        .or_else(|| (g.opaque.len() == 1 && g.bits.is_empty()).then(|| g.opaque[0].clone()))
    {
        return Ok(Some(Binding {
            name: name.to_string(),
            width: 1,
            kind,
            whole: Some(id),
            bits: Vec::new(),
            source: src,
        }));
    }
    // Any two claims on the same thing: opaque vs opaque, opaque vs bits, or two on one bit.
    if g.mapped.is_empty() && !g.opaque.is_empty() {
        let first = g.opaque[0].1.clone();
        let second = g
            .opaque
            .get(1)
            .map(|o| o.1.clone())
            .or_else(|| g.bits.values().next().map(|c| c[0].source.clone()))
            .unwrap_or_default();
        return Err(Ambiguity {
            name: name.to_string(),
            first,
            second,
        });
    }
    let mut chosen: BTreeMap<u32, Candidate> = BTreeMap::new();
    for (idx, cands) in g.bits {
        if let Some(m) = g.mapped.get(&idx) {
            chosen.insert(idx, m.clone());
            continue;
        }
        let mut distinct = cands.clone();
        distinct.dedup_by(|a, b| a.bit == b.bit);
        if distinct.len() > 1 {
            return Err(Ambiguity {
                name: name.to_string(),
                first: distinct[0].source.clone(),
                second: distinct[1].source.clone(),
            });
        }
        chosen.insert(idx, distinct.swap_remove(0));
    }
    for (idx, m) in g.mapped {
        chosen.entry(idx).or_insert(m);
    }
    let Some((&max, _)) = chosen.last_key_value() else {
        return Ok(None);
    };
    let width = max + 1;
    let mut bits = vec![None; width as usize];
    let mut sources = Vec::new();
    for (idx, c) in &chosen {
        bits[*idx as usize] = Some(c.bit);
        sources.push(c.source.as_str());
    }
    let first_sig = bits[0].map(|b| b.signal);
    let whole = first_sig.filter(|&s| {
        header.signals[s as usize].width == width
            && bits.iter().enumerate().all(|(i, b)| {
                *b == Some(BitRef {
                    signal: s,
                    bit: i as u32,
                })
            })
    });
    Ok(Some(Binding {
        name: name.to_string(),
        width,
        kind: VarKind::Bits,
        whole,
        bits,
        source: source_text(&sources),
    }))
}

fn apply_mapping(
    header: &Header,
    m: &Mapping,
    groups: &mut BTreeMap<String, Group>,
) -> Result<(), TraceError> {
    // Normalized full names of the capture, for matching what the user wrote.
    let normalized: Vec<String> = header
        .signals
        .iter()
        .map(|s| normalize_query(&s.source_name))
        .collect();
    let strip_range = |n: &str| -> String {
        match n.rsplit_once('[') {
            Some((b, r)) if r.contains(':') => b.to_string(),
            _ => n.to_string(),
        }
    };
    let bases: Vec<String> = normalized.iter().map(|n| strip_range(n)).collect();
    // Exact full names first; a unique `/`-boundary tail only when nothing matches exactly.
    let find = |want: &str| -> Vec<SignalId> {
        let exact: Vec<SignalId> = (0..normalized.len())
            .filter(|&i| normalized[i] == want || bases[i] == want)
            .map(|i| i as SignalId)
            .collect();
        if !exact.is_empty() {
            return exact;
        }
        let tail = format!("/{want}");
        (0..normalized.len())
            .filter(|&i| normalized[i].ends_with(&tail) || bases[i].ends_with(&tail))
            .map(|i| i as SignalId)
            .collect()
    };
    for e in &m.entries {
        let err = |message: String| TraceError::Mapping {
            path: m.path.clone(),
            message: format!("line {}: {message}", e.line),
        };
        let want = normalize_query(&e.capture);
        // Either a whole signal, or one bit of a bus (`tb/dq[3]` with `tb/dq` a bus).
        let mut target: Option<(SignalId, Option<u32>)> = None;
        let hits = find(&want);
        if hits.len() > 1 {
            return Err(err(format!(
                "entry \"{}\" expected one capture signal, found several matching \"{}\": {} and {}",
                e.canonical,
                e.capture,
                header.signals[hits[0] as usize].source_name,
                header.signals[hits[1] as usize].source_name
            )));
        }
        if let Some(&h) = hits.first() {
            target = Some((h, None));
        } else if let (base, Some(bit)) = split_bit_any(&want) {
            let hits = find(base);
            if hits.len() > 1 {
                return Err(err(format!(
                    "entry \"{}\" expected one capture signal, found several matching \"{}\": {} and {}",
                    e.canonical,
                    base,
                    header.signals[hits[0] as usize].source_name,
                    header.signals[hits[1] as usize].source_name
                )));
            }
            if let Some(&h) = hits.first() {
                let info = &header.signals[h as usize];
                let pos = index_positions(info, None)
                    .into_iter()
                    .find(|&(idx, _)| idx == bit)
                    .map(|(_, p)| p)
                    .ok_or_else(|| {
                        err(format!(
                            "entry \"{}\": expected bit {bit} of {}, found a {}-bit signal",
                            e.canonical, info.source_name, info.width
                        ))
                    })?;
                target = Some((h, Some(pos)));
            }
        }
        let Some((sig, pos)) = target else {
            return Err(err(format!(
                "entry \"{}\" expected a capture signal named \"{}\", found none in the capture",
                e.canonical, e.capture
            )));
        };
        let info = &header.signals[sig as usize];
        let (base, cbit) = split_bit(&e.canonical);
        let g = groups.entry(base.to_string()).or_default();
        match (cbit, pos) {
            (Some(cb), p) => {
                let bit = p.unwrap_or(0);
                if p.is_none() && info.width != 1 {
                    return Err(err(format!(
                        "entry \"{}\" binds one bit, expected a 1-bit signal or a bit `name[n]`, found {} ({} bits)",
                        e.canonical, info.source_name, info.width
                    )));
                }
                g.mapped.insert(
                    cb,
                    Candidate {
                        bit: BitRef { signal: sig, bit },
                        source: e.capture.clone(),
                    },
                );
            }
            (None, Some(p)) => {
                g.bits.clear();
                g.opaque.clear();
                g.mapped.clear();
                g.mapped.insert(
                    0,
                    Candidate {
                        bit: BitRef {
                            signal: sig,
                            bit: p,
                        },
                        source: e.capture.clone(),
                    },
                );
            }
            (None, None) if info.kind != VarKind::Bits => {
                g.mapped_opaque = Some((sig, info.source_name.clone(), info.kind));
            }
            (None, None) => {
                // A whole signal replaces every automatic candidate of this name.
                g.bits.clear();
                g.opaque.clear();
                g.mapped.clear();
                for (idx, p) in index_positions(info, None) {
                    g.mapped.insert(
                        idx,
                        Candidate {
                            bit: BitRef {
                                signal: sig,
                                bit: p,
                            },
                            source: info.source_name.clone(),
                        },
                    );
                }
            }
        }
    }
    Ok(())
}

/// Like [`split_bit`] but also for names without a `/`.
fn split_bit_any(name: &str) -> (&str, Option<u32>) {
    if let Some(stripped) = name.strip_suffix(']') {
        if let Some(pos) = stripped.rfind('[') {
            if let Ok(b) = stripped[pos + 1..].parse::<u32>() {
                return (&name[..pos], Some(b));
            }
        }
    }
    (name, None)
}

// ---------------------------------------------------------------------------------------------
// The capture under canonical names
// ---------------------------------------------------------------------------------------------

/// A [`ChangeSource`] that presents a capture under canonical names: its header lists one
/// signal per binding (named by the canonical name, ranges `[w-1:0]`), and its changes are the
/// canonical values, assembled from bit-blasted variables or cut out of buses as the bindings say.
///
/// All changes of the underlying capture at one time are applied before anything is emitted, so
/// a bus assembled from bits changes once per time step, never through intermediate values; a
/// canonical signal is emitted only when its value differs from the last one emitted (restated
/// samples are dropped). Memory is bounded by the number of bindings, not the capture's length.
pub struct CanonicalSource {
    inner: Box<dyn ChangeSource + Send>,
    header: Header,
    outputs: Vec<Binding>,
    /// Per capture signal: `(output, output bit or u32::MAX for a whole copy, input bit)`.
    fanout: Vec<Vec<(u32, u32, u32)>>,
    wanted: Vec<bool>,
    current: Vec<Value>,
    emitted: Vec<Option<Value>>,
    dirty: Vec<bool>,
    dirty_list: Vec<u32>,
    queue: std::collections::VecDeque<u32>,
    queue_time: Time,
    stash: Option<(Time, SignalId, Value)>,
    ended: bool,
}

impl CanonicalSource {
    /// Presents `bindings` (any mix of whole names and bit selections from [`NameMap::lookup`])
    /// of the capture `inner`, in that order.
    pub fn new(inner: Box<dyn ChangeSource + Send>, bindings: Vec<Binding>) -> CanonicalSource {
        let src_header = inner.header().clone();
        let mut fanout = vec![Vec::new(); src_header.signals.len()];
        let mut signals = Vec::with_capacity(bindings.len());
        let mut current = Vec::with_capacity(bindings.len());
        for (o, b) in bindings.iter().enumerate() {
            let o = o as u32;
            if b.kind != VarKind::Bits {
                if let Some(w) = b.whole {
                    fanout[w as usize].push((o, u32::MAX, 0));
                }
                current.push(Value::Str("".into()));
            } else if let Some(w) = b.whole {
                fanout[w as usize].push((o, u32::MAX, 0));
                current.push(Value::Bits(vec![b'x'; b.width as usize].into()));
            } else {
                for (i, bit) in b.bits.iter().enumerate() {
                    if let Some(bit) = bit {
                        fanout[bit.signal as usize].push((o, i as u32, bit.bit));
                    }
                }
                current.push(Value::Bits(vec![b'x'; b.width as usize].into()));
            }
            signals.push(SignalInfo {
                source_name: b.name.clone(),
                width: b.width,
                kind: b.kind,
                range: (b.kind == VarKind::Bits && b.width > 1).then(|| (b.width as i64 - 1, 0)),
            });
        }
        let n = bindings.len();
        let header = Header {
            signals,
            time_base: src_header.time_base,
            timescale_text: src_header.timescale_text.clone(),
            notes: src_header.notes.clone(),
        };
        CanonicalSource {
            inner,
            header,
            outputs: bindings,
            fanout,
            wanted: vec![true; n],
            current,
            emitted: vec![None; n],
            dirty: vec![false; n],
            dirty_list: Vec::new(),
            queue: Default::default(),
            queue_time: 0,
            stash: None,
            ended: false,
        }
    }

    /// Every binding of `map`, in canonical-name order.
    pub fn all(inner: Box<dyn ChangeSource + Send>, map: &NameMap) -> CanonicalSource {
        CanonicalSource::new(inner, map.bindings().to_vec())
    }

    /// The bindings behind each output signal, indexed like [`Header::signals`].
    pub fn bindings(&self) -> &[Binding] {
        &self.outputs
    }

    fn apply(&mut self, signal: SignalId, value: ValueRef<'_>) {
        let Some(fan) = self.fanout.get(signal as usize) else {
            return;
        };
        for &(o, obit, ibit) in fan {
            let cur = &mut self.current[o as usize];
            if obit == u32::MAX {
                *cur = value.to_owned();
            } else if let Value::Bits(bits) = cur {
                let w = bits.len();
                let b = value.bit(ibit).unwrap_or(b'x');
                bits[w - 1 - obit as usize] = b;
            }
            if !self.dirty[o as usize] {
                self.dirty[o as usize] = true;
                self.dirty_list.push(o);
            }
        }
    }

    /// Reads every change of the next time step and queues the outputs whose value changed.
    fn fill(&mut self) -> Result<(), TraceError> {
        while self.queue.is_empty() && !self.ended {
            let step_time;
            if let Some((t, s, v)) = self.stash.take() {
                step_time = t;
                self.apply(s, v.as_ref());
            } else {
                match self.inner.next_change()? {
                    None => {
                        self.ended = true;
                        break;
                    }
                    Some(c) => {
                        step_time = c.time;
                        let (s, v) = (c.signal, c.value.to_owned());
                        self.apply(s, v.as_ref());
                    }
                }
            }
            loop {
                match self.inner.next_change()? {
                    None => {
                        self.ended = true;
                        break;
                    }
                    Some(c) if c.time == step_time => {
                        let (s, v) = (c.signal, c.value.to_owned());
                        self.apply(s, v.as_ref());
                    }
                    Some(c) => {
                        self.stash = Some((c.time, c.signal, c.value.to_owned()));
                        break;
                    }
                }
            }
            self.flush(step_time);
        }
        Ok(())
    }

    fn flush(&mut self, time: Time) {
        self.dirty_list.sort_unstable();
        for o in self.dirty_list.drain(..) {
            let o = o as usize;
            self.dirty[o] = false;
            if !self.wanted[o] {
                continue;
            }
            if self.emitted[o].as_ref() != Some(&self.current[o]) {
                self.emitted[o] = Some(self.current[o].clone());
                self.queue.push_back(o as u32);
            }
        }
        self.queue_time = time;
    }
}

impl ChangeSource for CanonicalSource {
    fn header(&self) -> &Header {
        &self.header
    }

    fn set_filter(&mut self, wanted: &[SignalId]) {
        self.wanted = vec![false; self.outputs.len()];
        let mut inner: BTreeSet<SignalId> = BTreeSet::new();
        for &w in wanted {
            if let Some(b) = self.outputs.get(w as usize) {
                self.wanted[w as usize] = true;
                inner.extend(b.signals());
            }
        }
        let inner: Vec<SignalId> = inner.into_iter().collect();
        self.inner.set_filter(&inner);
    }

    fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, TraceError> {
        self.fill()?;
        let Some(o) = self.queue.pop_front() else {
            return Ok(None);
        };
        let value = self.emitted[o as usize]
            .as_ref()
            .map(Value::as_ref)
            .unwrap_or(ValueRef::Bits(b""));
        Ok(Some(ChangeRef {
            time: self.queue_time,
            signal: o,
            value,
        }))
    }

    fn last_time(&self) -> Time {
        self.inner.last_time()
    }

    fn warnings(&self) -> &Warnings {
        self.inner.warnings()
    }
}

/// A capture loaded into memory under canonical MIG names: what analyses and the golden-model
/// comparison read, whatever the capture's hierarchy, bit style or bus shape.
///
/// Names given to its methods may be canonical (`tap_ctrl[0]/current_state`), bare when unique
/// (`tap_sel_done`), and may select one bit (`dlyce_dqs[0]`, `pins/dq[3]`): a bit of a loaded bus
/// is cut out on the fly.
#[derive(Debug, Clone)]
pub struct MigTrace {
    /// The canonical signals and their changes; `trace.header.signals[i].source_name` is the
    /// canonical name of signal `i`.
    pub trace: Trace,
    /// Where each loaded canonical signal came from, indexed like `trace.header.signals`.
    pub bindings: Vec<Binding>,
    /// Names asked for that the capture does not have.
    pub missing: Vec<String>,
    index: BTreeMap<String, SignalId>,
}

/// A resolved signal of a [`MigTrace`]: a loaded signal, or one bit of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sel {
    /// Index of the loaded canonical signal.
    pub id: SignalId,
    /// The bit selected (0 = least significant), `None` for the whole value.
    pub bit: Option<u32>,
}

impl MigTrace {
    /// Loads the `wanted` names (canonical, bare or bit selections; every binding of `map` when
    /// `None`) from `src`, which must be the capture `map` was built from. Names the capture
    /// lacks are listed in [`MigTrace::missing`], not an error; a bare name matching two
    /// canonical names is [`TraceError::AmbiguousName`].
    pub fn load(
        src: Box<dyn ChangeSource + Send>,
        map: &NameMap,
        wanted: Option<&[&str]>,
    ) -> Result<MigTrace, TraceError> {
        MigTrace::load_capped(src, map, wanted, usize::MAX)
    }

    /// Like [`MigTrace::load`], keeping at most `cap` changes per signal (see
    /// [`Trace::load_capped`]): memory bounded by the signals, not the capture's length.
    pub fn load_capped(
        src: Box<dyn ChangeSource + Send>,
        map: &NameMap,
        wanted: Option<&[&str]>,
        cap: usize,
    ) -> Result<MigTrace, TraceError> {
        let mut missing = Vec::new();
        let bindings: Vec<Binding> = match wanted {
            None => map.bindings().to_vec(),
            Some(names) => {
                let mut v: Vec<Binding> = Vec::new();
                for n in names {
                    match map.lookup(n)? {
                        Some(b) if !v.iter().any(|x| x.name == b.name) => v.push(b),
                        Some(_) => {}
                        None => missing.push((*n).to_string()),
                    }
                }
                v
            }
        };
        let n = bindings.len() as SignalId;
        let mut canon = CanonicalSource::new(src, bindings);
        // Filtering to every output narrows the reader to the capture signals they read.
        let all: Vec<SignalId> = (0..n).collect();
        let trace = Trace::load_capped(&mut canon, Some(&all), cap)?;
        let bindings = canon.outputs;
        let index = bindings
            .iter()
            .enumerate()
            .map(|(i, b)| (b.name.clone(), i as SignalId))
            .collect();
        Ok(MigTrace {
            trace,
            bindings,
            missing,
            index,
        })
    }

    /// The canonical names loaded, in load order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.bindings.iter().map(|b| b.name.as_str())
    }

    /// Resolves a name to a loaded signal or a bit of one; `Ok(None)` when not loaded.
    pub fn find(&self, name: &str) -> Result<Option<Sel>, TraceError> {
        let q = normalize_query(name);
        if let Some(id) = self.resolve_whole(&q, name)? {
            return Ok(Some(Sel { id, bit: None }));
        }
        let (base, bit) = split_bit_any(&q);
        if let Some(bit) = bit {
            if let Some(id) = self.resolve_whole(base, name)? {
                if bit < self.trace.header.signals[id as usize].width {
                    return Ok(Some(Sel { id, bit: Some(bit) }));
                }
            }
        }
        Ok(None)
    }

    fn resolve_whole(&self, q: &str, original: &str) -> Result<Option<SignalId>, TraceError> {
        if let Some(&id) = self.index.get(q) {
            return Ok(Some(id));
        }
        let tail = format!("/{q}");
        let mut hits = self.index.iter().filter(|(n, _)| n.ends_with(&tail));
        match (hits.next(), hits.next()) {
            (Some(a), Some(b)) => Err(TraceError::AmbiguousName {
                mig_name: original.to_string(),
                first: a.0.clone(),
                second: b.0.clone(),
            }),
            (Some((_, &id)), None) => Ok(Some(id)),
            _ => Ok(None),
        }
    }

    /// True when `name` resolves to a loaded signal (an ambiguous bare name counts as absent).
    pub fn has(&self, name: &str) -> bool {
        matches!(self.find(name), Ok(Some(_)))
    }

    /// The changes of `name` in time order (a bit selection yields only the changes of that bit);
    /// `Ok(None)` when not loaded.
    pub fn changes(&self, name: &str) -> Result<Option<Vec<(Time, Value)>>, TraceError> {
        Ok(self.find(name)?.map(|s| self.changes_of(s)))
    }

    /// The changes of a resolved signal.
    pub fn changes_of(&self, s: Sel) -> Vec<(Time, Value)> {
        let list = &self.trace.changes[s.id as usize];
        match s.bit {
            None => list.clone(),
            Some(bit) => {
                let mut out: Vec<(Time, Value)> = Vec::new();
                for (t, v) in list {
                    let b = v.bit(bit).unwrap_or(b'x');
                    if out.last().map(|(_, p)| p.bit(0) != Some(b)).unwrap_or(true) {
                        out.push((*t, Value::Bits(vec![b].into())));
                    }
                }
                out
            }
        }
    }

    /// The value of `name` at `time` (the last change at or before it); `Ok(None)` when not
    /// loaded or before its first change.
    pub fn value_at(&self, name: &str, time: Time) -> Result<Option<Value>, TraceError> {
        Ok(self.find(name)?.and_then(|s| self.value_of(s, time)))
    }

    /// The value of a resolved signal at `time`.
    pub fn value_of(&self, s: Sel, time: Time) -> Option<Value> {
        let v = self.trace.value_at(s.id, time)?;
        match s.bit {
            None => Some(v.clone()),
            Some(bit) => Some(Value::Bits(vec![v.bit(bit)?].into())),
        }
    }

    /// Time of the last change of a loaded signal (changes of signals not loaded are not seen).
    pub fn end_time(&self) -> Time {
        self.trace.end_time
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TimeBase;
    use proptest::prelude::*;

    /// A test signal: name, width, declared range.
    type Sig<'a> = (&'a str, u32, Option<(i64, i64)>);

    fn hdr(sigs: &[Sig<'_>]) -> Header {
        Header {
            signals: sigs
                .iter()
                .map(|&(n, w, r)| SignalInfo {
                    source_name: n.to_string(),
                    width: w,
                    kind: VarKind::Bits,
                    range: r,
                })
                .collect(),
            time_base: TimeBase::Femtoseconds,
            timescale_text: None,
            notes: Vec::new(),
        }
    }

    fn names_of(m: &NameMap) -> Vec<&str> {
        m.bindings().iter().map(|b| b.name.as_str()).collect()
    }

    /// An in-memory capture for driving [`CanonicalSource`].
    struct VecSource {
        header: Header,
        changes: Vec<(Time, SignalId, Value)>,
        pos: usize,
        warnings: Warnings,
    }

    impl ChangeSource for VecSource {
        fn header(&self) -> &Header {
            &self.header
        }
        fn set_filter(&mut self, _wanted: &[SignalId]) {}
        fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, TraceError> {
            let Some((t, s, v)) = self.changes.get(self.pos) else {
                return Ok(None);
            };
            self.pos += 1;
            Ok(Some(ChangeRef {
                time: *t,
                signal: *s,
                value: v.as_ref(),
            }))
        }
        fn warnings(&self) -> &Warnings {
            &self.warnings
        }
    }

    fn bits(s: &str) -> Value {
        Value::Bits(s.as_bytes().into())
    }

    #[test]
    fn natural_order() {
        let mut v = vec![
            "idelay_dq[10]/tap",
            "idelay_dq[2]/tap",
            "idelay_dq[1]/tap",
            "a01",
            "a1",
            "a",
        ];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            vec![
                "a",
                "a1",
                "a01",
                "idelay_dq[1]/tap",
                "idelay_dq[2]/tap",
                "idelay_dq[10]/tap"
            ]
        );
    }

    #[test]
    fn golden_hierarchy_binds() {
        let h = hdr(&[
            ("tb/dq", 16, Some((15, 0))),
            ("tb/ck", 1, Some((0, 0))),
            ("tb/init_done", 1, None),
            ("tb/dut/top_00/data_path_00/ctrl_dummyread_start", 1, None),
            ("tb/dut/top_00/data_path_00/tap_logic_00/dlyce_dqs", 2, Some((1, 0))),
            ("tb/dut/top_00/data_path_00/tap_logic_00/tap_sel_done", 1, None),
            (
                "tb/dut/top_00/data_path_00/tap_logic_00/tap_ctrl_gen(0)/tap_ctrl_0/current_state",
                4,
                Some((3, 0)),
            ),
            (
                "tb/dut/top_00/data_path_00/tap_logic_00/tap_ctrl_gen(1)/data_tap_inc_0/chan_sel_int",
                4,
                Some((3, 0)),
            ),
            (
                "tb/dut/top_00/iobs_00/data_path_iobs_00/v4_dq_iob_gen(5)/v4_dq_iob_0/idelay_dq/tap",
                32,
                None,
            ),
            (
                "tb/dut/top_00/user_interface_00/rd_data_00/pattern_compare4_gen(1)/pattern_0/clk_cnt_rise",
                4,
                Some((3, 0)),
            ),
            ("tb/dut/top_00/user_interface_00/rd_data_00/comp_done", 1, None),
            ("tb/dut/top_00/user_interface_00/backend_fifos_00/init_flag", 1, None),
            ("tb/dut/top_00/ddr_controller_00/init_state", 5, Some((4, 0))),
            ("tb/dut/top_00/ddr_controller_00/comp_done", 1, None),
            ("tb/dut/top_00/ddr_controller_00/init_done", 1, None),
        ]);
        let m = NameMap::build(&h, None).unwrap();
        assert_eq!(
            names_of(&m),
            vec![
                "backend_fifos/init_flag",
                "data_tap_inc[1]/chan_sel_int",
                "ddr_controller/comp_done",
                "ddr_controller/init_done",
                "ddr_controller/init_state",
                "idelay_dq[5]/tap",
                "pattern_compare[1]/clk_cnt_rise",
                "pins/ck",
                "pins/dq",
                "pins/init_done",
                "rd_data/comp_done",
                "tap_ctrl[0]/current_state",
                "tap_logic/dlyce_dqs",
                "tap_logic/tap_sel_done",
            ]
        );
        assert_eq!(m.get("pins/dq").unwrap().whole, Some(0));
        assert_eq!(m.get("pins/dq").unwrap().width, 16);
        assert_eq!(m.get("pins/ck").unwrap().width, 1);
        // data_path_00 is not a MIG block of the catalogue: left unbound, not guessed.
        assert_eq!(m.unbound(), &[3]);
    }

    #[test]
    fn fpga_editor_and_ila_prefixes() {
        let h = hdr(&[
            (
                "ddr2_ctrl_tandem/data_path_00/tap_logic_00/data_tap_inc_0/calib_done_int",
                1,
                None,
            ),
            (
                "ddr2_ctrl_tandem/data_path_00/tap_logic_00/tap_sel_done",
                1,
                None,
            ),
            (
                "ddr2_ctrl_tandem/data_path_00/tap_logic_00/dlyce_dqs[0]",
                1,
                None,
            ),
            (
                "ddr2_ctrl_tandem/data_path_00/tap_logic_00/dlyinc_dqs[0]",
                1,
                None,
            ),
            (
                "ddr2_ctrl_tandem/ddr2_controller_00/init_state",
                22,
                Some((21, 0)),
            ),
            ("u_ddr/tap_logic_00/data_tap_inc_done", 1, None),
        ]);
        let m = NameMap::build(&h, None).unwrap();
        assert_eq!(
            names_of(&m),
            vec![
                "data_tap_inc[0]/calib_done_int",
                "ddr_controller/init_state",
                "tap_logic/data_tap_inc_done",
                "tap_logic/dlyce_dqs",
                "tap_logic/dlyinc_dqs",
                "tap_logic/tap_sel_done",
            ]
        );
        let b = m.lookup("dlyce_dqs[0]").unwrap().unwrap();
        assert_eq!(b.whole, Some(2));
    }

    #[test]
    fn generate_label_styles() {
        for (path, want) in [
            (
                "top/tap_logic_00/tap_ctrl_gen(1)/tap_ctrl_0/tap_count",
                "tap_ctrl[1]/tap_count",
            ),
            (
                "top/tap_logic_00/tap_ctrl_gen[1]/tap_ctrl_0/tap_count",
                "tap_ctrl[1]/tap_count",
            ),
            (
                "top/tap_logic_0/gen_tap_ctrl[1].u_tap_ctrl_dqs/tap_count",
                "tap_ctrl[1]/tap_count",
            ),
            (
                "/DDR/tap_ctrl_gen[1].tap_ctrl_0/Calib_Start",
                "tap_ctrl[1]/calib_start",
            ),
            (
                "x/gen_data_tap_inc[3].u_data_tap_inc/chan_sel_int",
                "data_tap_inc[3]/chan_sel_int",
            ),
            (
                "x/rd_data_0/pattern_compare8_gen<2>/pattern_compare8/comp_done",
                "pattern_compare[2]/comp_done",
            ),
            (
                "x/v4_dq_iob_gen[12]/v4_dq_iob_0/idelay_dq/tap",
                "idelay_dq[12]/tap",
            ),
        ] {
            let m = NameMap::build(&hdr(&[(path, 1, None)]), None).unwrap();
            assert_eq!(names_of(&m), vec![want], "{path}");
        }
    }

    #[test]
    fn bit_styles_assemble_one_bus() {
        for style in ["[]", "<>", "()"] {
            let (o, c) = (&style[..1], &style[1..]);
            let names: Vec<String> = (0..4).map(|i| format!("tb/DQ{o}{i}{c}")).collect();
            // Declared out of order: assembly is by index, not by position in the header.
            let h = hdr(&[
                (&names[2], 1, None),
                (&names[0], 1, None),
                (&names[3], 1, None),
                (&names[1], 1, None),
            ]);
            let m = NameMap::build(&h, None).unwrap();
            let b = m.get("pins/dq").unwrap();
            assert_eq!(b.width, 4);
            assert_eq!(b.whole, None);
            assert_eq!(b.bits[0], Some(BitRef { signal: 1, bit: 0 }));
            assert_eq!(b.bits[2], Some(BitRef { signal: 0, bit: 0 }));
            let one = m.lookup("pins/dq[3]").unwrap().unwrap();
            assert_eq!((one.whole, one.width), (Some(2), 1));
            assert_eq!(
                m.lookup(&format!("dq{o}1{c}")).unwrap().unwrap().whole,
                Some(3)
            );
        }
    }

    #[test]
    fn bus_bits_are_addressable() {
        // `[0:7]` declares index 0 as the most significant bit.
        let h = hdr(&[("tb/dq", 16, Some((15, 0))), ("tb/dm", 8, Some((0, 7)))]);
        let m = NameMap::build(&h, None).unwrap();
        let b = m.lookup("pins/dq[3]").unwrap().unwrap();
        assert_eq!(b.bits, vec![Some(BitRef { signal: 0, bit: 3 })]);
        assert_eq!(b.whole, None);
        let dm = m.get("pins/dm").unwrap();
        assert_eq!(dm.whole, None);
        assert_eq!(dm.bits[0], Some(BitRef { signal: 1, bit: 7 }));
        assert_eq!(dm.bits[7], Some(BitRef { signal: 1, bit: 0 }));
        assert_eq!(m.lookup("pins/dq[16]").unwrap(), None);
    }

    #[test]
    fn range_in_the_name_and_split_probes() {
        // An ILA CSV probe carries its range in the name; two probes of one bus assemble.
        let h = hdr(&[
            ("u_ddr/tap_logic_00/dlyce_dqs[1:0]", 2, None),
            ("u_ddr/dq [15:8]", 8, None),
            ("u_ddr/dq[7:0]", 8, None),
        ]);
        let m = NameMap::build(&h, None).unwrap();
        assert_eq!(m.get("tap_logic/dlyce_dqs").unwrap().whole, Some(0));
        let dq = m.get("pins/dq").unwrap();
        assert_eq!(dq.width, 16);
        assert_eq!(dq.bits[8], Some(BitRef { signal: 1, bit: 0 }));
        assert_eq!(dq.bits[7], Some(BitRef { signal: 2, bit: 7 }));
    }

    #[test]
    fn two_candidates_are_an_error_naming_both() {
        let h = hdr(&[
            ("tb/dq", 8, Some((7, 0))),
            ("tb/dut/cntrl0_ddr2_dq", 8, Some((7, 0))),
        ]);
        match NameMap::build(&h, None) {
            Err(TraceError::AmbiguousName {
                mig_name,
                first,
                second,
            }) => {
                assert_eq!(mig_name, "pins/dq");
                assert_eq!(
                    (first.as_str(), second.as_str()),
                    ("tb/dq", "tb/dut/cntrl0_ddr2_dq")
                );
            }
            other => panic!("expected ambiguity, got {other:?}"),
        }
        let m = NameMap::build_lenient(&h, None).unwrap();
        assert_eq!(m.ambiguities().len(), 1);
        assert!(m.get("pins/dq").is_none());
        // Bus plus a bit-blasted duplicate of one of its bits.
        let h = hdr(&[("tb/dq", 8, Some((7, 0))), ("tb/dq<3>", 1, None)]);
        assert!(matches!(
            NameMap::build(&h, None),
            Err(TraceError::AmbiguousName { .. })
        ));
        // FPGA Editor dropped both generate labels: the two groups cannot be told apart.
        let h = hdr(&[
            ("a/tap_logic_00/tap_ctrl_0/tap_count", 6, None),
            ("b/tap_logic_00/tap_ctrl_0/tap_count", 6, None),
        ]);
        assert!(matches!(
            NameMap::build(&h, None),
            Err(TraceError::AmbiguousName { mig_name, .. }) if mig_name == "tap_ctrl[0]/tap_count"
        ));
    }

    #[test]
    fn bare_name_lookup() {
        let h = hdr(&[
            ("t/ddr_controller_00/comp_done", 1, None),
            ("t/rd_data_00/comp_done", 1, None),
            ("t/tap_logic_00/tap_sel_done", 1, None),
            ("t/tap_logic_00/dlyce_dqs", 2, Some((1, 0))),
            (
                "t/tap_logic_00/tap_ctrl_gen(0)/tap_ctrl_0/tap_count",
                6,
                Some((5, 0)),
            ),
            (
                "t/tap_logic_00/tap_ctrl_gen(1)/tap_ctrl_0/tap_count",
                6,
                Some((5, 0)),
            ),
        ]);
        let m = NameMap::build(&h, None).unwrap();
        assert_eq!(
            m.lookup("TAP_SEL_DONE").unwrap().unwrap().name,
            "tap_logic/tap_sel_done"
        );
        let b = m.lookup("dlyce_dqs<1>").unwrap().unwrap();
        assert_eq!(
            (b.name.as_str(), b.bits[0]),
            ("tap_logic/dlyce_dqs[1]", Some(BitRef { signal: 3, bit: 1 }))
        );
        assert_eq!(
            m.lookup("tap_ctrl[1]/tap_count").unwrap().unwrap().whole,
            Some(5)
        );
        assert!(matches!(
            m.lookup("comp_done"),
            Err(TraceError::AmbiguousName { .. })
        ));
        assert!(matches!(
            m.lookup("tap_count"),
            Err(TraceError::AmbiguousName { .. })
        ));
        assert_eq!(
            m.lookup("rd_data/comp_done").unwrap().unwrap().whole,
            Some(1)
        );
        assert_eq!(
            m.lookup("tap_ctrl_gen(1)/tap_ctrl_0/tap_count")
                .unwrap()
                .unwrap()
                .name,
            "tap_ctrl[1]/tap_count"
        );
        assert_eq!(m.lookup("no_such_signal").unwrap(), None);
    }

    #[test]
    fn mapping_binds_synthesized_names_and_settles_ambiguity() {
        let h = hdr(&[
            (
                "ddr2_ctrl_tandem/data_path_00/tap_logic_00/data_tap_inc_0/chan_sel_int_not0002",
                1,
                None,
            ),
            ("tb/dq", 8, Some((7, 0))),
            ("tb/dut/cntrl0_ddr2_dq", 8, Some((7, 0))),
            ("probes/p7", 4, None),
        ]);
        let text = r#"
# the blog's CHAN_DONE
"data_tap_inc[0]/chan_done" = "ddr2_ctrl_tandem/data_path_00/tap_logic_00/data_tap_inc_0/chan_sel_int_not0002"
"pins/dq" = "tb/dut/cntrl0_ddr2_dq"
"Tap_Logic/dlyce_dqs<1>" = "probes/p7[2]"
"#;
        let map = Mapping::parse(text, Path::new("map.toml")).unwrap();
        assert_eq!(map.entries[2].canonical, "tap_logic/dlyce_dqs[1]");
        let m = NameMap::build(&h, Some(&map)).unwrap();
        assert_eq!(m.get("data_tap_inc[0]/chan_done").unwrap().whole, Some(0));
        assert_eq!(m.get("pins/dq").unwrap().whole, Some(2));
        let d = m.get("tap_logic/dlyce_dqs").unwrap();
        assert_eq!(
            (d.width, d.bits[1]),
            (2, Some(BitRef { signal: 3, bit: 2 }))
        );
        assert_eq!(d.bits[0], None);

        let bad = Mapping::parse(
            "\"tap_logic/tap_sel_done\" = \"nowhere/sel\"\n",
            Path::new("m.toml"),
        )
        .unwrap();
        match NameMap::build(&h, Some(&bad)) {
            Err(TraceError::Mapping { path, message }) => {
                assert_eq!(path, Path::new("m.toml"));
                assert!(
                    message.contains("nowhere/sel") && message.contains("line 1"),
                    "{message}"
                );
            }
            other => panic!("expected mapping error, got {other:?}"),
        }
        for text in [
            "\"nosuchblock/x\" = \"tb/dq\"",
            "\"pins/dq\" = 3",
            "pins = [",
        ] {
            assert!(
                matches!(
                    Mapping::parse(text, Path::new("m.toml")),
                    Err(TraceError::Mapping { .. })
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn missing_signals_grouped_by_stage() {
        let h = hdr(&[
            ("t/tap_logic_00/calib_done_dqs", 2, Some((1, 0))),
            (
                "t/tap_logic_00/tap_ctrl_gen(0)/tap_ctrl_0/current_state",
                4,
                Some((3, 0)),
            ),
            ("tb/dq", 4, Some((3, 0))),
        ]);
        let m = NameMap::build(&h, None).unwrap();
        let missing = m.missing();
        let tap: &Vec<String> = &missing
            .iter()
            .find(|(s, _)| *s == Stage::TapCalibration)
            .unwrap()
            .1;
        assert!(tap.contains(&"tap_ctrl[1]/current_state".to_string()));
        assert!(!tap.contains(&"tap_ctrl[0]/current_state".to_string()));
        assert!(tap.contains(&"idelay_dq[3]/tap".to_string()));
        assert!(!tap.contains(&"idelay_dq[4]/tap".to_string()));
        assert!(tap.contains(&"tap_logic/tap_sel_done".to_string()));
        assert!(!tap.iter().any(|n| n == "tap_logic/calib_done_dqs"));
        let stages: Vec<Stage> = missing.iter().map(|(s, _)| *s).collect();
        let mut sorted = stages.clone();
        sorted.sort();
        assert_eq!(stages, sorted);
    }

    #[test]
    fn canonical_source_assembles_once_per_time_step() {
        let h = hdr(&[
            ("tb/dq[0]", 1, None),
            ("tb/dq[1]", 1, None),
            ("t/tap_logic_00/tap_sel_done", 1, None),
        ]);
        let m = NameMap::build(&h, None).unwrap();
        let src = VecSource {
            header: h.clone(),
            changes: vec![
                (0, 0, bits("0")),
                (0, 1, bits("0")),
                (0, 2, bits("0")),
                (10, 0, bits("1")),
                (10, 1, bits("1")),
                (20, 0, bits("1")), // restated: no canonical change
                (30, 1, bits("z")),
                (30, 2, bits("1")),
            ],
            pos: 0,
            warnings: Warnings::default(),
        };
        let t = MigTrace::load(Box::new(src), &m, None).unwrap();
        assert_eq!(
            t.changes("pins/dq").unwrap().unwrap(),
            vec![(0, bits("00")), (10, bits("11")), (30, bits("z1"))]
        );
        assert_eq!(
            t.changes("dq[1]").unwrap().unwrap(),
            vec![(0, bits("0")), (10, bits("1")), (30, bits("z"))]
        );
        assert_eq!(t.value_at("tap_sel_done", 29).unwrap(), Some(bits("0")));
        assert_eq!(t.value_at("tap_sel_done", 30).unwrap(), Some(bits("1")));
        assert_eq!(t.value_at("pins/dq[0]", 15).unwrap(), Some(bits("1")));
        assert!(t.find("init_state").unwrap().is_none());
    }

    #[test]
    fn mig_trace_loads_only_what_is_asked() {
        let h = hdr(&[
            ("tb/dq", 4, Some((3, 0))),
            ("t/tap_logic_00/tap_sel_done", 1, None),
        ]);
        let m = NameMap::build(&h, None).unwrap();
        let src = VecSource {
            header: h.clone(),
            changes: vec![
                (0, 0, bits("0000")),
                (5, 0, bits("0100")),
                (7, 0, bits("0101")),
            ],
            pos: 0,
            warnings: Warnings::default(),
        };
        let t = MigTrace::load(Box::new(src), &m, Some(&["dq[2]", "init_state"])).unwrap();
        assert_eq!(t.names().collect::<Vec<_>>(), vec!["pins/dq[2]"]);
        assert_eq!(t.missing, vec!["init_state".to_string()]);
        assert_eq!(
            t.changes("pins/dq[2]").unwrap().unwrap(),
            vec![(0, bits("0")), (5, bits("1"))]
        );
    }

    proptest! {
        /// A bus and its bit-blasted twin (bits written in any order within a time step) give
        /// the same canonical changes.
        #[test]
        fn bus_and_bit_blasted_captures_agree(
            steps in prop::collection::vec((1u64..50, 0u8..16, any::<bool>()), 1..40),
            reverse in any::<bool>(),
        ) {
            let bus_h = hdr(&[("tb/dq", 4, Some((3, 0)))]);
            let bit_names: Vec<String> = (0..4).map(|i| format!("tb/dq<{i}>")).collect();
            let bits_h = hdr(&bit_names.iter().map(|n| (n.as_str(), 1, None)).collect::<Vec<_>>());
            let (mut t, mut bus, mut blasted) = (0u64, Vec::new(), Vec::new());
            let mut prev: Option<u8> = None;
            for (dt, v, restate) in steps {
                t += dt;
                let s = format!("{v:04b}");
                bus.push((t, 0, bits(&s)));
                let mut order: Vec<u32> = (0..4).collect();
                if reverse { order.reverse(); }
                for i in order {
                    let b = (v >> i) & 1;
                    if restate || prev.map(|p| (p >> i) & 1 != b).unwrap_or(true) {
                        blasted.push((t, i, bits(if b == 1 { "1" } else { "0" })));
                    }
                }
                prev = Some(v);
            }
            let load = |h: &Header, changes: Vec<(Time, SignalId, Value)>| {
                let m = NameMap::build(h, None).unwrap();
                let src = VecSource { header: h.clone(), changes, pos: 0, warnings: Warnings::default() };
                MigTrace::load(Box::new(src), &m, None).unwrap()
            };
            let a = load(&bus_h, bus);
            let b = load(&bits_h, blasted);
            prop_assert_eq!(a.changes("pins/dq").unwrap(), b.changes("pins/dq").unwrap());
            prop_assert_eq!(a.changes("dq[2]").unwrap(), b.changes("dq[2]").unwrap());
        }
    }

    /// Catalogue spellings a capture may use: (canonical, scopes above the signal per label style).
    fn spellings(entry: &CatalogueEntry, idx: u32, style: usize) -> Vec<String> {
        let (o, c) = [("(", ")"), ("[", "]"), ("<", ">")][style % 3];
        match entry.block {
            Block::Pins => vec![String::new()],
            Block::DdrController => vec!["ddr_controller_00".into(), "ddr2_controller_00".into()],
            Block::TapLogic => vec!["data_path_00/tap_logic_00".into()],
            Block::TapCtrl => vec![
                format!("tap_logic_00/tap_ctrl_gen{o}{idx}{c}/tap_ctrl_0"),
                format!("tap_logic_0/gen_tap_ctrl{o}{idx}{c}.u_tap_ctrl_dqs"),
            ],
            Block::DataTapInc => vec![
                format!("tap_logic_00/tap_ctrl_gen{o}{idx}{c}/data_tap_inc_0"),
                format!("tap_logic_0/gen_data_tap_inc{o}{idx}{c}.u_data_tap_inc"),
            ],
            Block::PatternCompare => vec![
                format!("rd_data_00/pattern_compare4_gen{o}{idx}{c}/pattern_0"),
                format!("rd_data_00/pattern_compare8_gen{o}{idx}{c}/pattern_compare8"),
            ],
            Block::RdData => vec!["user_interface_00/rd_data_00".into()],
            Block::BackendFifos => vec!["user_interface_00/backend_fifos_00".into()],
            Block::IdelayDq => vec![format!(
                "iobs_00/data_path_iobs_00/v4_dq_iob_gen{o}{idx}{c}/v4_dq_iob_0/idelay_dq"
            )],
            Block::IdelayCtrl => vec!["idelay_ctrl0".into()],
            Block::Dcm => vec!["infrastructure0/dcm0".into()],
        }
    }

    proptest! {
        #[test]
        fn any_spelling_resolves_to_the_same_name(
            which in 0..CATALOGUE.len(),
            idx in 0u32..8,
            style in 0usize..3,
            alt in 0usize..2,
            prefix in prop::sample::select(vec!["tb/dut/top_00", "ddr2_ctrl_tandem", "u_ddr", "", "/DDR", "tb.dut"]),
            upper in any::<bool>(),
            bit in 0u32..4,
            blasted in any::<bool>(),
        ) {
            let e = &CATALOGUE[which];
            let scopes = spellings(e, idx, style);
            let scope = &scopes[alt % scopes.len()];
            let mut path: String = [prefix, scope.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join("/");
            if !path.is_empty() { path.push('/'); }
            path.push_str(e.signal);
            if upper { path = path.to_uppercase(); }
            let want = canonical_base(e.block, e.block.indexed().then_some(idx), e.signal);
            let (o, c) = [("[", "]"), ("<", ">"), ("(", ")")][style];
            let h = if blasted {
                hdr(&(0..4).map(|i| (format!("{path}{o}{i}{c}"), 1, None)).collect::<Vec<_>>().iter().map(|(n, w, r)| (n.as_str(), *w, *r)).collect::<Vec<_>>())
            } else {
                hdr(&[(path.as_str(), 4, Some((3, 0)))])
            };
            let m = NameMap::build(&h, None).unwrap();
            prop_assert_eq!(names_of(&m), vec![want.as_str()]);
            let b = m.get(&want).unwrap();
            prop_assert_eq!(b.width, 4);
            let sel = m.lookup(&format!("{want}[{bit}]")).unwrap().unwrap();
            let expect = if blasted { BitRef { signal: bit, bit: 0 } } else { BitRef { signal: 0, bit } };
            prop_assert_eq!(sel.bits, vec![Some(expect)]);
        }
    }
}
