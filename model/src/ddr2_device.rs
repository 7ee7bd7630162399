//! The memory: decodes commands on the CK rising edge, keeps the mode register, stores written
//! data per column (burst order, data mask) and launches read data CL clocks after a READ,
//! exactly on CK edges (the golden's Micron DDR model has no tAC/tDQSCK).
//!
//! The golden build uses two DDR1 MT46V32M8 (x8) at BL2 CL3 sharing the command bus; the model
//! treats them as one 16-bit device with per-byte-lane write strobes. Storage lives outside the
//! registers ([`Storage`]) and is changed only through the [`Write`]s a step returns, so a step
//! stays a pure function.

use std::collections::HashMap;

/// Half-clock slots of launched read data kept in flight (CL up to 7 at BL8 fits).
pub const RING: usize = 32;

/// A decoded bus command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// CS# high or NOP.
    Nop,
    /// LOAD MODE (MRS/EMRS).
    LoadMode {
        /// Register number (BA).
        ba: u8,
        /// Opcode (address bus).
        a: u16,
    },
    /// AUTO REFRESH.
    Refresh,
    /// PRECHARGE (all when A10).
    Precharge {
        /// Bank.
        ba: u8,
        /// A10.
        all: bool,
    },
    /// ACTIVE.
    Activate {
        /// Bank.
        ba: u8,
        /// Row.
        row: u16,
    },
    /// WRITE.
    Write {
        /// Bank.
        ba: u8,
        /// Column.
        col: u16,
    },
    /// READ.
    Read {
        /// Bank.
        ba: u8,
        /// Column.
        col: u16,
    },
}

impl Command {
    /// Decode the pins (CKE is assumed high; CS# high is a NOP).
    pub fn decode(cs_n: bool, ras_n: bool, cas_n: bool, we_n: bool, ba: u8, a: u16) -> Command {
        if cs_n {
            return Command::Nop;
        }
        // Column: A[9:0] plus A11 and up shifted down past A10 (the auto-precharge bit).
        let col = (a & 0x3FF) | ((a >> 1) & !0x3FF & 0x7C00);
        match (ras_n, cas_n, we_n) {
            (false, false, false) => Command::LoadMode { ba, a },
            (false, false, true) => Command::Refresh,
            (false, true, false) => Command::Precharge {
                ba,
                all: a & 0x400 != 0,
            },
            (false, true, true) => Command::Activate { ba, row: a },
            (true, false, false) => Command::Write { ba, col },
            (true, false, true) => Command::Read { ba, col },
            _ => Command::Nop,
        }
    }

    /// Short mnemonic.
    pub fn mnemonic(&self) -> &'static str {
        match self {
            Command::Nop => "NOP",
            Command::LoadMode { .. } => "MRS",
            Command::Refresh => "REF",
            Command::Precharge { .. } => "PRE",
            Command::Activate { .. } => "ACT",
            Command::Write { .. } => "WR",
            Command::Read { .. } => "RD",
        }
    }
}

/// Memory contents: (bank, row, column) -> (data word up to 72 bits, undriven bits); unwritten
/// words read 0. A bit latched from an undriven line is stored as undriven (as Micron's model
/// stores 'Z') and driven back undriven on a read.
pub type Storage = HashMap<(u8, u16, u16), (u128, u128)>;

/// A write of one column, with the byte lanes it actually changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Write {
    /// Storage key.
    pub key: (u8, u16, u16),
    /// New data.
    pub data: u128,
    /// Bits latched from an undriven line.
    pub undriven: u128,
    /// Lanes written (bit k = byte k); masked lanes keep their old value.
    pub lanes: u16,
}

/// A write burst the memory took, waiting for its data: like a real part's write FIFO, the
/// data is latched with the DQS edges and reaches the array after the burst, so a strobe late
/// enough to latch the next burst's first beat latches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingWrite {
    /// The clk_0 cycle from which the whole burst (and a following one) is on the bus.
    pub due_cycle: u64,
    /// Bank.
    pub ba: u8,
    /// Row (the bank's open row at the WRITE).
    pub row: u16,
    /// Start column.
    pub col: u16,
    /// The memory's burst length.
    pub bl: u64,
    /// Interleaved burst order.
    pub interleaved: bool,
    /// CK half-clock of the controller's first DQS edge.
    pub first_edge: u64,
    /// Beats with a DQS edge.
    pub beats: u64,
    /// Lanes whose strobe and mask let data in.
    pub lanes: u16,
}

/// Write bursts in flight at once.
pub const PENDING: usize = 4;

/// Registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Regs {
    /// Mode register (BA=0).
    pub mr: u16,
    /// Extended mode register (BA=1).
    pub emr: u16,
    /// Open row per bank.
    pub open_row: [Option<u16>; 8],
    /// Launched read beats: slot h % RING holds (h, data) for the half clock starting at
    /// h × tCK/2.
    pub beats: [(u64, u128); RING],
    /// Valid flags of `beats`.
    pub beat_valid: [bool; RING],
    /// Undriven bits of each launched beat (read back from bits latched undriven).
    pub beat_undriven: [u128; RING],
    /// Write bursts taken, waiting for their data (slot = order of arrival mod [`PENDING`]).
    pub pending: [Option<PendingWrite>; PENDING],
    /// Next slot of `pending`.
    pub pending_next: u8,
    /// The latest half-clock with a launched beat (None before the first read): lets the board
    /// skip sampling when the bus has long been idle.
    pub last_beat: Option<u64>,
}

impl Default for Regs {
    fn default() -> Self {
        Regs {
            mr: 0,
            emr: 0,
            open_row: [None; 8],
            beats: [(0, 0); RING],
            beat_valid: [false; RING],
            beat_undriven: [0; RING],
            pending: [None; PENDING],
            pending_next: 0,
            last_beat: None,
        }
    }
}

impl Regs {
    /// Read latency: CAS latency (MR A6:A4) plus additive latency (EMR A5:A3, DDR2; a DDR1
    /// EMR has 0 there).
    pub fn cas_latency(&self) -> u64 {
        (((self.mr >> 4) & 7) + ((self.emr >> 3) & 7)) as u64
    }

    /// Burst length from the mode register (A2:A0: 1<<code).
    pub fn burst_length(&self) -> u64 {
        1u64 << (self.mr & 7).min(3)
    }

    /// The undriven bits of the word the memory drives in half-clock `h` (0 when none).
    pub fn beat_undriven_at(&self, h: u64) -> u128 {
        let k = (h % RING as u64) as usize;
        if self.beat_valid[k] && self.beats[k].0 == h {
            self.beat_undriven[k]
        } else {
            0
        }
    }

    /// The word the memory drives in half-clock `h`, if any.
    pub fn beat_at(&self, h: u64) -> Option<u128> {
        let k = (h % RING as u64) as usize;
        if self.beat_valid[k] && self.beats[k].0 == h {
            Some(self.beats[k].1)
        } else {
            None
        }
    }
}

/// Inputs at one CK rising edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct In {
    /// The command on the pins.
    pub cmd: Command,
    /// Half-clock index of this CK rising edge (time = h × tCK/2).
    pub h: u64,
    /// This clk_0 cycle.
    pub cycle: u64,
    /// CK half-clock of the first DQS edge of the controller's write burst.
    pub write_first_edge: u64,
    /// Beats of the burst that come with a DQS edge (the controller's burst length, 0 when it
    /// sent no burst): a memory burst longer than that leaves its other columns unchanged.
    pub write_beats: u64,
    /// Byte lanes whose write strobe / mask lets the data in (bit k = lane k).
    pub write_lanes: u16,
    /// Data width in bits.
    pub width: u32,
}

/// Burst column order (sequential or interleaved).
pub fn burst_col(start: u16, beat: u16, bl: u16, interleaved: bool) -> u16 {
    let m = bl - 1;
    let base = start & !m;
    let off = if interleaved {
        (start & m) ^ beat
    } else {
        ((start & m) + beat) & m
    };
    base | (off & m)
}

/// One CK rising edge. Returns the storage writes to commit.
pub fn step(r: &Regs, i: &In, storage: &Storage) -> (Vec<Write>, Regs) {
    let mut n = *r;
    let writes = Vec::new();
    let bl = r.burst_length();
    let interleaved = r.mr & 8 != 0;
    match i.cmd {
        Command::LoadMode { ba, a } => match ba {
            0 => n.mr = a & !0x100,
            // OCD program bits (A9:A7) do not persist.
            1 => n.emr = a & !0x380,
            _ => {}
        },
        Command::Activate { ba, row } => n.open_row[(ba & 7) as usize] = Some(row),
        Command::Precharge { ba, all } => {
            if all {
                n.open_row = [None; 8];
            } else {
                n.open_row[(ba & 7) as usize] = None;
            }
        }
        Command::Write { ba, col } if i.write_beats > 0 => {
            let slot = n.pending_next as usize % PENDING;
            n.pending[slot] = Some(PendingWrite {
                // Two clocks past the burst: a back-to-back burst that follows is on the bus too.
                due_cycle: i.cycle + i.write_beats.div_ceil(2) + 2,
                ba,
                row: r.open_row[(ba & 7) as usize].unwrap_or(0),
                col,
                bl,
                interleaved,
                first_edge: i.write_first_edge,
                beats: i.write_beats,
                lanes: i.write_lanes,
            });
            n.pending_next = n.pending_next.wrapping_add(1);
        }
        Command::Read { ba, col } => {
            let row = r.open_row[(ba & 7) as usize].unwrap_or(0);
            let first = i.h + 2 * r.cas_latency();
            for beat in 0..bl {
                let c = burst_col(col, beat as u16, bl as u16, interleaved);
                let (d, z) = storage.get(&(ba, row, c)).copied().unwrap_or((0, 0));
                let h = first + beat;
                let k = (h % RING as u64) as usize;
                n.beats[k] = (h, d);
                n.beat_undriven[k] = z;
                n.beat_valid[k] = true;
                n.last_beat = Some(n.last_beat.map_or(h, |l| l.max(h)));
            }
        }
        Command::Write { .. } | Command::Refresh | Command::Nop => {}
    }
    (writes, n)
}

/// The array writes of a burst taken earlier, now that its data is latched: `words` and
/// `undriven` per beat pair, as the memory pins latched them.
pub fn land(
    w: &PendingWrite,
    words: &[(u128, u128); 4],
    undriven: &[(u128, u128); 4],
    width: u32,
) -> Vec<Write> {
    let m = crate::logic::mask(width);
    (0..w.bl.min(w.beats))
        .map(|beat| {
            let pick = |x: (u128, u128)| if beat % 2 == 0 { x.0 & m } else { x.1 & m };
            Write {
                key: (
                    w.ba,
                    w.row,
                    burst_col(w.col, beat as u16, w.bl as u16, w.interleaved),
                ),
                data: pick(words[(beat / 2) as usize % 4]),
                undriven: pick(undriven[(beat / 2) as usize % 4]),
                lanes: w.lanes,
            }
        })
        .collect()
}

/// Apply the writes a step returned.
pub fn commit(storage: &mut Storage, writes: &[Write]) {
    for w in writes {
        let (old, old_z) = storage.get(&w.key).copied().unwrap_or((0, 0));
        let mut mask = 0u128;
        for lane in 0..16 {
            if w.lanes >> lane & 1 == 1 {
                mask |= 0xFF << (8 * lane);
            }
        }
        storage.insert(
            w.key,
            (
                (old & !mask) | (w.data & mask),
                (old_z & !mask) | (w.undriven & mask),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_orders() {
        let seq: Vec<u16> = (0..4).map(|b| burst_col(1, b, 4, false)).collect();
        assert_eq!(seq, vec![1, 2, 3, 0]);
        let il: Vec<u16> = (0..4).map(|b| burst_col(1, b, 4, true)).collect();
        assert_eq!(il, vec![1, 0, 3, 2]);
        let bl8: Vec<u16> = (0..8).map(|b| burst_col(5, b, 8, false)).collect();
        assert_eq!(bl8, vec![5, 6, 7, 0, 1, 2, 3, 4]);
    }

    #[test]
    fn decode_commands() {
        assert_eq!(
            Command::decode(false, false, true, false, 0, 0x400),
            Command::Precharge { ba: 0, all: true }
        );
        assert_eq!(
            Command::decode(false, true, false, true, 0, 2),
            Command::Read { ba: 0, col: 2 }
        );
        assert_eq!(
            Command::decode(true, false, false, false, 0, 0),
            Command::Nop
        );
    }
}
