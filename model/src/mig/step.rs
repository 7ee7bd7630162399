//! One clk_0 rising edge of the whole design: every block's outputs from the current registers,
//! then every block's next registers from those outputs, committed together.

use super::{sync_mask, BusCommand, Idle, Mig, Params, Profile, Regs, MAX_GROUPS};
use crate::backend_fifos;
use crate::board;
use crate::data_tap_inc;
use crate::ddr2_controller as ctrl;
use crate::ddr2_device::{self, Command, Storage};
use crate::idelay;
use crate::logic::Lv;
use crate::pattern_compare8 as pc;
use crate::tap_ctrl;
use crate::tap_logic;

impl Mig {
    /// Simulate one clk_0 rising edge (cycle `self.cycle()`), committing every register.
    pub fn step(&mut self) {
        let n = self.cycle;
        let t = self.edge_time_ps(n);
        let top = 1u32 << (self.p.rst_sync_stages - 1);
        let sys_rst = self.regs.infra.rst0 & top != 0;
        let sys_rst_r1 = self.regs.infra.rst200 & top != 0;

        // ---- the read path: what the IDDR sees around this edge ----
        let period = self.p.board.period_ps;
        let at_rise = self.sample_bus(t);
        let at_fall = self.sample_bus(t - period / 2.0);
        let dcm_lock = self.dcm_lock_at(t) && self.p.board.dcm_lock_rises();
        let p = &self.p;
        let r = &self.regs;

        // ---- next registers ----
        let co = ctrl::outputs(&r.ctrl, &p.ctrl);
        let mut nx = std::mem::take(&mut self.next);
        nx.clone_from(r);
        let (_, c) = ctrl::step(
            &r.ctrl,
            &ctrl::In {
                rst: sys_rst,
                comp_done: r.pattern.iter().all(|x| pc::outputs(x).comp_done),
                phy_dly_slct_done: r.tap_logic.tap_sel_done,
            },
            &p.ctrl,
        );
        nx.ctrl = c;
        calibration(p, r, &mut nx, &co, sys_rst);
        read_path(p, r, &mut nx, &co, sys_rst, (at_rise, at_fall));
        let (cmd, writes) = memory(p, r, &mut nx, &co, n, &self.storage);
        reset_synchronisers(p, r, &mut nx, dcm_lock, sys_rst_r1, t);

        self.last_cmd = match cmd {
            Command::Nop => None,
            c => Some(BusCommand { cycle: n, cmd: c }),
        };
        // Idle when nothing but the refresh-interval counter moved (the 200 us wait, the
        // stage-3 stall): every later cycle then repeats this one until that counter's terminal.
        let refi = nx.ctrl.common().refi_count;
        nx.ctrl.common_mut().refi_count = r.ctrl.common().refi_count;
        self.idle = if !(nx == *r && writes.is_empty()) {
            Idle::Busy
        } else if refi == r.ctrl.common().refi_count {
            Idle::Static
        } else if refi == r.ctrl.common().refi_count + 1 {
            Idle::Counting
        } else {
            Idle::Busy
        };
        nx.ctrl.common_mut().refi_count = refi;
        ddr2_device::commit(&mut self.storage, &writes);
        self.next = std::mem::replace(&mut self.regs, nx);
        self.cycle += 1;
    }
}

/// tap_ctrl, data_tap_inc and the IDELAY taps of every group, then tap_logic.
fn calibration(p: &Params, r: &Regs, nx: &mut Regs, co: &ctrl::Out, sys_rst: bool) {
    let rdy = r.infra.idelayctrl.rdy;
    let mut tap_outs = [tap_ctrl::Out::default(); MAX_GROUPS];
    let mut dti_outs = [data_tap_inc::Out::default(); MAX_GROUPS];
    for g in 0..r.tap_ctrl.len() {
        tap_outs[g] = tap_ctrl::outputs(&r.tap_ctrl[g]);
        dti_outs[g] = data_tap_inc::outputs(&r.data_tap_inc[g], &tap_outs[g], &p.data_tap_inc);
    }
    let lpg = p.lines_per_group;
    let mut all_calib_done = true;
    for g in 0..p.groups as usize {
        let d = &dti_outs[g];
        all_calib_done &= d.calib_done;
        let (_, tc) = tap_ctrl::step(
            &r.tap_ctrl[g],
            &tap_ctrl::In {
                reset: sys_rst,
                rdy_status: rdy,
                dq_data: d.dq_data,
                ctrl_dummyread_start: co.ctrl_dummyread_start,
                bit_boundary_check: d.bit_boundary_check,
                compare_bit: d.compare_bit,
            },
            &p.tap_ctrl,
        );
        nx.tap_ctrl[g] = tc;
        let (_, dr) = data_tap_inc::step(
            &r.data_tap_inc[g],
            &data_tap_inc::In {
                reset: sys_rst,
                calibration_dq: r.iddr.q1.field(g as u32 * lpg, lpg),
                ctrl_calib_start: co.ctrl_dummyread_start,
                tap: tap_outs[g],
            },
            &p.data_tap_inc,
        );
        nx.data_tap_inc[g] = dr;
        for j in 0..lpg {
            let line = (g as u32 * lpg + j) as usize;
            nx.taps[line] = idelay::step(
                r.taps[line],
                &idelay::In {
                    rst: d.data_dlyrst,
                    ce: d.data_dlyce >> j & 1 == 1,
                    inc: d.data_dlyinc >> j & 1 == 1,
                },
            );
        }
    }
    let (_, tl) = tap_logic::step(
        &r.tap_logic,
        &tap_logic::In {
            reset: sys_rst,
            all_calib_done,
        },
    );
    nx.tap_logic = tl;
}

/// The IDDR (with the bus sampled at this edge and half a period before), pattern_compare8 of
/// every lane and backend_fifos.
fn read_path(p: &Params, r: &Regs, nx: &mut Regs, co: &ctrl::Out, sys_rst: bool, at: (Lv, Lv)) {
    nx.iddr = r.iddr.step(at.0, at.1);
    for (l, pr) in r.pattern.iter().enumerate() {
        let (_, np) = pc::step(
            pr,
            &pc::In {
                rst: sys_rst,
                ctrl_rden: co.ctrl_rden,
                rd_data_rise: r.iddr.q1.field(8 * l as u32, 8),
                rd_data_fall: r.iddr.q2.field(8 * l as u32, 8),
            },
        );
        nx.pattern[l] = np;
    }
    let (_, nb) = backend_fifos::step(
        &r.backend,
        &backend_fifos::In {
            rst: sys_rst,
            ctrl_wdf_rden: co.ctrl_wdf_rden,
        },
        &backend_fifos::Params {
            data_width: p.data_width,
            burst_length_code: (p.ctrl.load_mode_register & 7) as u8,
            skip_to_pattern: p.profile == Profile::Minimodule,
        },
    );
    nx.backend = nb;
}

/// The command/address pins as the controller drives them.
pub(super) fn driven_pins(co: &ctrl::Out) -> board::CmdPins {
    board::CmdPins {
        cke: co.cke,
        cs_n: co.cs_n,
        ras_n: co.ras_n,
        cas_n: co.cas_n,
        we_n: co.we_n,
        ba: co.ba,
        a: co.a,
        odt: co.odt,
    }
}

/// The command the pins carry (CKE low: none taken).
fn decode(pins: &board::CmdPins) -> Command {
    if pins.cke {
        Command::decode(
            pins.cs_n, pins.ras_n, pins.cas_n, pins.we_n, pins.ba, pins.a,
        )
    } else {
        Command::Nop
    }
}

/// The controller's own burst length and write latency (clocks), from its own mode
/// registers: it schedules its write data with what it meant to program, whatever the
/// memory decoded.
fn ctrl_burst(p: &Params) -> (u64, u64) {
    let bl = 1u64 << (p.ctrl.load_mode_register & 7).min(3);
    let wl = match p.profile {
        // DDR1: write latency 1 clock.
        Profile::Minimodule => 1,
        // DDR2: WL = RL - 1 = AL + CL - 1.
        Profile::Ddr2 => {
            let al = ((p.ctrl.ext_load_mode_register >> 3) & 7) as u64;
            (p.ctrl.cas_latency() as u64 + al).saturating_sub(1).max(1)
        }
    };
    (bl, wl)
}

/// The command on the bus, the controller's write drivers and the memory (through the
/// board's faults). Returns the command the controller drove and the memory's array writes
/// (committed by the caller).
fn memory(
    p: &Params,
    r: &Regs,
    nx: &mut Regs,
    co: &ctrl::Out,
    n: u64,
    storage: &Storage,
) -> (Command, Vec<ddr2_device::Write>) {
    // The pins driven since the previous clk_0 edge are taken by the memory at the CK rising
    // edge half a period before this one (CK rises on clk_0 falling edges).
    let drv = driven_pins(co);
    let cmd = decode(&drv);
    let mut write_words = [(0u128, 0u128); 4];
    for (j, w) in write_words.iter_mut().enumerate() {
        *w = r.backend.words[(r.backend.burst_ptr as usize + j) % backend_fifos::DEPTH];
    }
    let (ctrl_bl, ctrl_wl) = ctrl_burst(p);
    let mut strobed = 0;
    if let Command::Write { .. } = cmd {
        // The data path pops the controller's burst (its own mode register), whatever the
        // memory makes of the command; a FIFO in reset pops nothing.
        if !r.backend.rst_r1 {
            nx.backend.burst_ptr = backend_fifos::after_write_burst(&r.backend, ctrl_bl);
        }
        nx.dq_drive = r
            .dq_drive
            .schedule(2 * n, &write_words, ctrl_bl, ctrl_wl, p.data_width);
        strobed = ctrl_bl.max(2);
    }
    // Board hooks: what reaches the memory's command pins (a stopped CK: nothing; an
    // inverted CK: taken half a period late; command/address faults: what the pins carry).
    let mem_cmd = if p.board.ck_running() {
        decode(&p.board.cmd_at_memory(&drv))
    } else {
        Command::Nop
    };
    // The memory latches write data with the controller's DQS edges (DDR2's strobe is what
    // latches data): a burst the controller did not send has no edges and latches nothing.
    let (mut writes, nm) = ddr2_device::step(
        &r.memory,
        &ddr2_device::In {
            cmd: mem_cmd,
            h: 2 * n + p.board.ck_half_shift(),
            cycle: n,
            write_first_edge: 2 * n + 2 * ctrl_wl,
            write_beats: strobed,
            write_lanes: p.board.write_lanes(p.data_width / 8),
            width: p.data_width,
        },
        storage,
    );
    nx.memory = nm;
    land_due_writes(p, nx, n, &mut writes);
    (cmd, writes)
}

/// The array writes of every burst whose data is now on the bus (this cycle's drive
/// included): what each DQS edge latched, through the board's write-path delays and faults.
fn land_due_writes(p: &Params, nx: &mut Regs, n: u64, writes: &mut Vec<ddr2_device::Write>) {
    for slot in nx.memory.pending.iter_mut() {
        let Some(w) = *slot else { continue };
        if w.due_cycle > n {
            continue;
        }
        let (words, undriven) =
            p.board
                .write_latch(&nx.dq_drive, w.first_edge, w.beats, p.data_width);
        writes.extend(ddr2_device::land(&w, &words, &undriven, p.data_width));
        *slot = None;
    }
}

/// Reset synchronisers: asynchronous set while their reset cause holds, else shift a 0 in;
/// and IDELAYCTRL.
fn reset_synchronisers(
    p: &Params,
    r: &Regs,
    nx: &mut Regs,
    dcm_lock: bool,
    sys_rst_r1: bool,
    t: f64,
) {
    let stages = p.rst_sync_stages;
    let rdy = r.infra.idelayctrl.rdy;
    let refclk = p.board.refclk_running();
    nx.infra.rst200 = if !dcm_lock {
        sync_mask(stages)
    } else if refclk {
        (r.infra.rst200 << 1) & sync_mask(stages)
    } else {
        r.infra.rst200
    };
    nx.infra.idelayctrl =
        r.infra
            .idelayctrl
            .step(sys_rst_r1, refclk && dcm_lock, p.idelayctrl_ready_edges);
    let sys_reset = t < p.sys_reset_release_ps;
    let rst_tmp = !dcm_lock || !rdy || sys_reset;
    nx.infra.rst0 = if rst_tmp {
        sync_mask(stages)
    } else {
        (r.infra.rst0 << 1) & sync_mask(stages)
    };
}
