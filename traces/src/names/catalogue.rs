//! The catalogue: the MIG blocks, the analysis stages, every canonical signal the analyses know,
//! and the canonical-name form `<block>[i]/<signal>[bit]` itself.

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

/// The calibration stages, in order (a contract: these names appear in JSON and scenario
/// files): the stage an analysis of a signal belongs to, and the stage a diagnosis names.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
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

    /// The contract name, as [`Stage::name`] (for code that reads a stage like a string).
    pub fn as_str(self) -> &'static str {
        self.name()
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
    Pins "odt" Some(1), MemorySetup false;
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
pub(super) fn top_level_alias(leaf: &str) -> Option<(Block, &'static str)> {
    const PINS: [&str; 12] = [
        "dq", "dqs", "dm", "a", "ba", "cke", "cs_n", "ras_n", "cas_n", "we_n", "ck", "odt",
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

/// The canonical name of `signal` in `block` (instance `index` for a per-DQS/per-DQ block).
pub(super) fn canonical_base(block: Block, index: Option<u32>, signal: &str) -> String {
    match index {
        Some(i) => format!("{}[{i}]/{signal}", block.name()),
        None => format!("{}/{signal}", block.name()),
    }
}

/// Splits a canonical name into block, instance index, signal and bit.
pub(super) fn split_canonical(name: &str) -> Option<(Block, Option<u32>, &str, Option<u32>)> {
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
