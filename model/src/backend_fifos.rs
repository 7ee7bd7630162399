//! `backend_fifos_0`: the power-up training-word writer and the write-data FIFO (mig-rtl.md §4a).
//!
//! After reset a 3-bit `init_count` pushes {rise, fall} words into the write-data FIFO: the
//! stage-2 word (all ones / all zeros), then the stage-3 words A/5 and 9/6 (the BL2 path skips
//! straight to the pattern after one training word). The controller pops one word per write.

/// Parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Data bus width in bits (each FIFO word holds a rise and a fall half of this width).
    pub data_width: u32,
    /// Burst length code (`burst_length`, 001 = BL2, 010 = BL4, 011 = BL8).
    pub burst_length_code: u8,
    /// The minimodule port jumps from step 0 straight to the pattern words after one training
    /// word (right for its BL2); the DDR2 build walks 0→1(→2→3 for BL8) first.
    pub skip_to_pattern: bool,
}

/// FIFO depth modelled (the stand-in FIFO16 is 512 deep; only a handful of words are used).
pub const DEPTH: usize = 16;

/// Registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Regs {
    /// `rst_r1`.
    pub rst_r1: bool,
    /// `init_count` (3 bits).
    pub init_count: u8,
    /// `init_wren`.
    pub init_wren: bool,
    /// `init_data`: (rise half, fall half).
    pub init_data: (u128, u128),
    /// `init_flag`.
    pub init_flag: bool,
    /// FIFO contents.
    pub words: [(u128, u128); DEPTH],
    /// Write pointer.
    pub wr_ptr: u8,
    /// Read pointer.
    pub rd_ptr: u8,
    /// The word most recently popped by the controller.
    pub popped: (u128, u128),
    /// True once `init_count` etc. have left their power-up 'U'.
    pub defined: bool,
    /// FIFO position of the first word of the next write burst the data path drives (model
    /// bookkeeping for what `data_write` pops per WRITE: BL/2 words a burst). It belongs to the
    /// controller side, so it is reset with the FIFO, never by what the memory decodes.
    pub burst_ptr: u8,
}

impl Default for Regs {
    fn default() -> Self {
        Regs {
            rst_r1: true,
            init_count: 0,
            init_wren: false,
            init_data: (0, 0),
            init_flag: false,
            words: [(0, 0); DEPTH],
            wr_ptr: 0,
            rd_ptr: 0,
            popped: (0, 0),
            defined: false,
            burst_ptr: 0,
        }
    }
}

/// Inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct In {
    /// `rst`.
    pub rst: bool,
    /// `ctrl_Wdf_RdEn`: pop one word.
    pub ctrl_wdf_rden: bool,
}

fn word(p: &Params, rise_nibble: u128, fall_nibble: u128) -> (u128, u128) {
    let rep = |nib: u128| -> u128 {
        let mut v = 0u128;
        for k in 0..(p.data_width / 4) {
            v |= nib << (4 * k);
        }
        v
    };
    (rep(rise_nibble), rep(fall_nibble))
}

/// The burst pointer after the controller issues a WRITE of `burst_length` beats.
pub fn after_write_burst(r: &Regs, burst_length: u64) -> u8 {
    r.burst_ptr.wrapping_add((burst_length / 2).max(1) as u8)
}

/// One clk_0 rising edge. Returns the popped word (if any) as the output.
pub fn step(r: &Regs, i: &In, p: &Params) -> (Option<(u128, u128)>, Regs) {
    let mut n = *r;
    n.rst_r1 = i.rst;
    if r.init_wren {
        n.words[r.wr_ptr as usize % DEPTH] = r.init_data;
        n.wr_ptr = r.wr_ptr.wrapping_add(1);
    }
    let mut out = None;
    if i.ctrl_wdf_rden {
        let w = r.words[r.rd_ptr as usize % DEPTH];
        n.rd_ptr = r.rd_ptr.wrapping_add(1);
        n.popped = w;
        out = Some(w);
    }
    if r.rst_r1 {
        // FIFO16's RST (`rst_r` in wr_data_fifo_16) empties the FIFO: both pointers, and with
        // them the position of the next burst, start over; the RAM keeps its stale words.
        n.wr_ptr = 0;
        n.rd_ptr = 0;
        n.burst_ptr = 0;
        n.init_count = 0;
        n.init_wren = false;
        n.init_data = (0, 0);
        n.init_flag = false;
        n.defined = true;
        return (out, n);
    }
    let (count, wren, data, flag) = match r.init_count {
        0 => {
            if r.init_flag {
                (0, false, (0, 0), true)
            } else {
                let next = if p.skip_to_pattern { 0b110 } else { 0b001 };
                (next, true, word(p, 0xF, 0x0), false)
            }
        }
        1 => (
            if p.burst_length_code == 0b011 { 2 } else { 6 },
            true,
            word(p, 0xF, 0x0),
            r.init_flag,
        ),
        2 => (3, true, word(p, 0xF, 0x0), r.init_flag),
        3 => (4, true, word(p, 0xF, 0x0), r.init_flag),
        4 => (5, true, word(p, 0xA, 0x5), r.init_flag),
        5 => (6, true, word(p, 0x9, 0x6), r.init_flag),
        6 => (7, true, word(p, 0xA, 0x5), r.init_flag),
        _ => (0, true, word(p, 0x9, 0x6), true),
    };
    n.init_count = count;
    n.init_wren = wren;
    n.init_data = data;
    n.init_flag = flag;
    (out, n)
}
