//! The fault kinds a board can have, and their parameters (spec README §4).

use super::CmdPin;

/// The level a weak pull gives an open line at the controller pin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pull {
    /// Weak pull-down (the golden fault1 harness): the pin reads 0.
    #[default]
    Down,
    /// Weak pull-up: the pin reads 1.
    Up,
}

/// How two bridged lines resolve when their drivers disagree.
///
/// Which one a real short gives depends on the drivers' strengths; the model makes it a
/// parameter instead of guessing: `and` (the low driver wins, typical of NMOS-strong outputs)
/// or `or` (the high driver wins).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BridgeMode {
    /// Wired-AND: both lines read 1 only when both are driven 1 (the default: a low driver
    /// usually sinks more current than a high one sources).
    #[default]
    And,
    /// Wired-OR: both lines read 1 when either is driven 1.
    Or,
}

impl BridgeMode {
    /// The level both bridged nets carry when their drivers put `a` and `b` on them.
    pub(super) fn resolve(self, a: bool, b: bool) -> bool {
        match self {
            BridgeMode::And => a && b,
            BridgeMode::Or => a || b,
        }
    }
}

/// Where on the board two shorted lines meet: who sees the wired level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BridgeAt {
    /// At the memory balls (the golden harness's `board_bridge`): the memory receives the wired
    /// level of what the controller drives, and on reads the memory's two drivers meet there,
    /// so the wired level travels each trace to the controller; a probe at the controller's
    /// pins shows the controller's own drive during writes and commands.
    Memory,
    /// At the FPGA balls: the controller's pins (and a probe on them) carry the wired level of
    /// its own drivers, which then travels to the memory; on reads each memory level arrives
    /// through its own trace and they meet at the controller, each at its own arrival time.
    Controller,
    /// Somewhere along the two traces (the default; the two nets are one): every receiver and
    /// a probe at the controller's pins see the wired level; on reads the levels meet as they
    /// leave the memory.
    #[default]
    Trace,
}

/// Which direction of a line a delay fault lengthens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DelayPath {
    /// Memory to controller only (the read data or the read strobe).
    Read,
    /// Controller to memory only (the write data or the write strobe).
    Write,
    /// Both directions (the default: a longer trace is longer both ways).
    #[default]
    Both,
}

impl DelayPath {
    /// True when the delay applies to reads.
    pub fn reads(self) -> bool {
        self != DelayPath::Write
    }
    /// True when the delay applies to writes.
    pub fn writes(self) -> bool {
        self != DelayPath::Read
    }
}

/// A board fault, applied between the controller pins and the memory pins (never in the RTL).
///
/// DQ indices are controller pins (what a diagnosis names); lanes are byte lanes (DQS/DM
/// index). A line takes at most one connectivity fault (open, stuck, swap, bridge): see
/// the scenario's fault validation (`migcal::scenario::faults`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// DQ line open: the controller pin sees its weak pull, the memory pin floats (what the
    /// memory latches there is never read back, so the model keeps the written bit).
    DqOpen {
        /// Line index.
        dq: u8,
        /// Which weak pull the controller pin has (default `down`, as in golden fault1).
        #[serde(default)]
        pull: Pull,
    },
    /// DQ line shorted to a rail on both sides.
    DqStuck {
        /// Line index.
        dq: u8,
        /// True = shorted to VDD.
        high: bool,
    },
    /// Two DQ lines swapped on the board: controller pin `a` is wired to memory pin `b` and
    /// vice versa. What is written through the swap is read back through it, so the data is
    /// transparent; each memory pin's trace delay (`dq_delay_ps[k]` belongs to memory DQ k)
    /// now arrives at the other controller pin, so with unequal delays the calibration results
    /// move between the lines (and an uncalibrated line can end up outside its eye).
    DqSwap {
        /// First line.
        a: u8,
        /// Second line.
        b: u8,
    },
    /// Two DQ nets shorted together on both sides: every level on either is the wired
    /// combination of what drives the two (writes and reads alike).
    DqBridge {
        /// First line.
        a: u8,
        /// Second line.
        b: u8,
        /// `and` (default) or `or`.
        #[serde(default)]
        mode: BridgeMode,
        /// Where the short sits (default `trace`: the nets are one).
        #[serde(default)]
        at: BridgeAt,
    },
    /// A memory DM pin tied to a level (high masks every write of that byte lane; low is what
    /// the controller drives anyway during init, so it changes nothing there).
    DmStuck {
        /// Byte lane.
        lane: u8,
        /// True = tied high.
        high: bool,
    },
    /// A DQS line open: the memory never latches writes of that byte lane.
    DqsOpen {
        /// Byte lane.
        lane: u8,
    },
    /// A DQS line stuck at a rail: no strobe edge reaches the memory, so it never latches a
    /// write of that byte lane (reads are captured with the FPGA clock in direct clocking and
    /// do not need DQS).
    DqsStuck {
        /// Byte lane.
        lane: u8,
        /// True = stuck high.
        high: bool,
    },
    /// CK/CK# to the memory stopped: the memory takes no command, latches no write and drives
    /// no read; the controller runs on regardless.
    CkStopped,
    /// CK and CK# swapped: the memory's CK rises on clk_0 rising edges, half a period later
    /// than intended; it takes each command half a period late and launches reads half a
    /// period late.
    CkInverted,
    /// No IDELAYCTRL reference clock (clk_200 held low): the reset synchroniser never releases.
    RefclkMissing,
    /// The DCM never locks (`dcm_lock` stays low): the controller is held in reset.
    DcmLockMissing,
    /// An extra read-path delay (ps, may be negative) at the IDDR input of one line (`dq`),
    /// of every line of a byte lane (`lane`), or of every line (neither given). Several shifts
    /// add up.
    ReadDelayShift {
        /// The line, if only one.
        #[serde(default)]
        dq: Option<u8>,
        /// The byte lane, if a whole lane.
        #[serde(default)]
        lane: Option<u8>,
        /// Shift in ps.
        ps: i32,
    },
    /// A command/address line held at a rail at the memory side (a short at the memory
    /// balls): the memory decodes every command with that level on the line; the
    /// controller's pins (and a probe on them) keep what it drives.
    CmdStuck {
        /// The line (`a4`, `ba0`, `ras_n`, `cas_n`, `we_n`, `cs_n`, `cke`, `odt`).
        pin: CmdPin,
        /// True = held high.
        high: bool,
    },
    /// A command/address line open between the controller and the memory: the memory pin
    /// reads its pull (default `down`; which one depends on the board's termination).
    CmdOpen {
        /// The line.
        pin: CmdPin,
        /// The pull at the memory pin.
        #[serde(default)]
        pull: Pull,
    },
    /// Two command/address lines swapped on the way to the memory: what the controller drives
    /// on `a` reaches the memory's `b` and back.
    CmdSwap {
        /// First line.
        a: CmdPin,
        /// Second line.
        b: CmdPin,
    },
    /// Two command/address lines shorted: the memory receives the wired level on both; a
    /// probe at the controller's pins shows it too unless the short is at the memory end.
    CmdBridge {
        /// First line.
        a: CmdPin,
        /// Second line.
        b: CmdPin,
        /// `and` (default) or `or`.
        #[serde(default)]
        mode: BridgeMode,
        /// Where the short sits (default `trace`).
        #[serde(default)]
        at: BridgeAt,
    },
    /// An extra trace delay (ps, may be negative) on DQ lines: one line (`dq`, a controller
    /// pin, whose trace it is), a byte lane (`lane`) or every line (neither), on the `read`
    /// path, the `write` path or `both` (default). On writes the memory latches each beat at
    /// its lane's DQS edge: a data line more than a quarter period late (or early) against
    /// its strobe latches the neighbouring beat.
    DqDelay {
        /// The line, if only one.
        #[serde(default)]
        dq: Option<u8>,
        /// The byte lane, if a whole lane.
        #[serde(default)]
        lane: Option<u8>,
        /// Delay in ps.
        ps: i32,
        /// Which direction.
        #[serde(default)]
        path: DelayPath,
    },
    /// An extra trace delay (ps, may be negative) on the DQS line of a byte lane, on the `read`
    /// path (the memory's read strobe at the controller pin: direct clocking captures with the
    /// FPGA clock, so only a trace of `tb/dqs` shows it), the `write` path (the strobe that
    /// latches write data at the memory: past a quarter period against the data it latches the
    /// neighbouring beat) or `both` (default).
    DqsDelay {
        /// Byte lane.
        lane: u8,
        /// Delay in ps.
        ps: i32,
        /// Which direction.
        #[serde(default)]
        path: DelayPath,
    },
}
