//! The top: wires the blocks and commits every register at once on each clk_0 rising edge.
//!
//! Every block's outputs are computed from the current registers, then every block's next
//! registers are computed from those outputs, and all are committed together, so the order in
//! which blocks are evaluated can never change a result.

use crate::backend_fifos;
use crate::board::{self, Fault};
use crate::data_tap_inc;
use crate::ddr2_controller as ctrl;
use crate::ddr2_device::{self, Command, Storage};
use crate::idelay::{self, Iddr, IdelayCtrl};
use crate::logic::Lv;
use crate::pattern_compare8 as pc;
use crate::probe::{Probe, SignalDecl, Value};
use crate::rd_data;
use crate::tap_ctrl;
use crate::tap_logic;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Controller profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// The golden build: MIG 1.7 DDR1 controller with the DDR2 calibration modules.
    Minimodule,
    /// MIG 1.7.3 Virtex-4 DDR2 direct clocking (one-hot init FSM, 8 DQ per DQS).
    Ddr2,
}

/// Everything that shapes a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Controller profile.
    pub profile: Profile,
    /// Data width (16 in the golden build).
    pub data_width: u32,
    /// DQS groups of tap_logic (2).
    pub groups: u32,
    /// Lines per tap_logic group (`DatabitsPerStrobe`, 4).
    pub lines_per_group: u32,
    /// Controller parameters.
    pub ctrl: ctrl::Params,
    /// tap_ctrl parameters.
    pub tap_ctrl: tap_ctrl::Params,
    /// data_tap_inc parameters.
    pub data_tap_inc: data_tap_inc::Params,
    /// Board and faults.
    pub board: board::Params,
    /// Time `dcm_lock` rises, in ps (testbench: 100 ns), when no DCM waveform is given.
    pub dcm_lock_ps: f64,
    /// `dcm_lock` from the DCM model: locked intervals (rise, fall) in ps. When set it replaces
    /// `dcm_lock_ps`; LOCKED falling resets the whole interface (init starts over).
    pub dcm_locked_ps: Option<Vec<(f64, Option<f64>)>>,
    /// Time `SYS_RESET_IN_N` is released, in ps (testbench: 200 ns).
    pub sys_reset_release_ps: f64,
    /// Stages of each reset synchroniser (`RST_SYNC_NUM` = 12).
    pub rst_sync_stages: u32,
    /// REFCLK edges with RST low before IDELAYCTRL RDY (17 reproduces the goldens).
    pub idelayctrl_ready_edges: u32,
    /// Seed of the jitter generator.
    pub seed: u64,
}

/// Most DQS groups any profile has (72 bits at 4 lines per group).
pub const MAX_GROUPS: usize = 18;

impl Params {
    /// A `ddr2` profile build: `data_width` bits (8..=72, multiple of 8), 8 DQ per DQS, BL4/8,
    /// CL 3..=5, AL 0..=4, clk_0 period `period_ps`. Counters follow the period: `tby4tapvalue`
    /// = quarter period / 75 ps (the simulation tap, mig-rtl.md §2), `max_ref_cnt` = 7.72 µs
    /// (the minimodule's 1543 at 5 ns), tRFC 127.5 ns, tRP 15 ns, tWR 15 ns.
    pub fn ddr2(data_width: u32, bl: u8, cl: u8, al: u8, period_ps: f64) -> Params {
        let d = Params::default();
        let bl_code: u16 = if bl == 8 { 0b011 } else { 0b010 };
        let wr = ((15_000.0 / period_ps).ceil() as u16).clamp(2, 6);
        let ctrl = ctrl::Params {
            profile: ctrl::CtrlProfile::Ddr2,
            load_mode_register: bl_code | (cl as u16) << 4 | (wr - 1) << 9,
            ext_load_mode_register: (al as u16) << 3,
            max_ref_cnt: ((7_720_000.0 / period_ps).floor() as u16).saturating_sub(1),
            rp_count_value: ((15_000.0 / period_ps).ceil() as u8).max(1),
            rfc_count_value: ((127_500.0 / period_ps).ceil() as u8).max(1),
            ..d.ctrl
        };
        Params {
            profile: Profile::Ddr2,
            data_width,
            groups: data_width / 8,
            lines_per_group: 8,
            ctrl,
            tap_ctrl: tap_ctrl::Params {
                tby4tapvalue: ((period_ps / 4.0 / 75.0).round() as u8).clamp(4, 40),
                ..d.tap_ctrl
            },
            data_tap_inc: data_tap_inc::Params {
                lines: 8,
                chan_sel_reset: 0b0000_0001,
            },
            board: board::Params {
                period_ps,
                ..d.board
            },
            ..d
        }
    }

    fn controller_scope(&self) -> &'static str {
        match self.profile {
            Profile::Minimodule => "ddr_controller_00",
            Profile::Ddr2 => "ddr2_controller_00",
        }
    }
}

impl Default for Params {
    fn default() -> Self {
        Params {
            profile: Profile::Minimodule,
            data_width: 16,
            groups: 2,
            lines_per_group: 4,
            ctrl: ctrl::Params::default(),
            tap_ctrl: tap_ctrl::Params::default(),
            data_tap_inc: data_tap_inc::Params::default(),
            board: board::Params::default(),
            dcm_lock_ps: 100_000.0,
            dcm_locked_ps: None,
            sys_reset_release_ps: 200_000.0,
            rst_sync_stages: 12,
            idelayctrl_ready_edges: 17,
            seed: 0,
        }
    }
}

/// Reset synchronisers (`infrastructure`) and IDELAYCTRL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Infra {
    /// `rst200_sync_r` (clk_200 domain; MSB = `sys_rst_r1`).
    pub rst200: u32,
    /// `rst0_sync_r` (clk_0 domain; MSB = `sys_rst`).
    pub rst0: u32,
    /// IDELAYCTRL.
    pub idelayctrl: IdelayCtrl,
}

/// All registers of the design.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Regs {
    /// Reset synchronisers and IDELAYCTRL.
    pub infra: Infra,
    /// Controller.
    pub ctrl: ctrl::Regs,
    /// tap_logic.
    pub tap_logic: tap_logic::Regs,
    /// tap_ctrl per group.
    pub tap_ctrl: Vec<tap_ctrl::Regs>,
    /// data_tap_inc per group.
    pub data_tap_inc: Vec<data_tap_inc::Regs>,
    /// IDELAY tap per DQ line.
    pub taps: Vec<u8>,
    /// IDDR of the data bus.
    pub iddr: Iddr,
    /// pattern_compare8 per byte lane.
    pub pattern: Vec<pc::Regs>,
    /// backend_fifos.
    pub backend: backend_fifos::Regs,
    /// The memory.
    pub memory: ddr2_device::Regs,
    /// What the controller's own DQ drivers put on its pins during write bursts.
    pub dq_drive: board::CtrlDrive,
}

/// A command seen on the bus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BusCommand {
    /// clk_0 cycle at which the controller drives it.
    pub cycle: u64,
    /// Decoded command.
    pub cmd: Command,
}

/// The model of the whole interface.
#[derive(Clone, Debug)]
pub struct Mig {
    p: Params,
    regs: Regs,
    storage: Storage,
    rng: ChaCha8Rng,
    cycle: u64,
    last_cmd: Option<BusCommand>,
    /// Scratch for the next registers (reused so a step allocates nothing).
    next: Regs,
    /// What the bus reads when nothing drives it (fault-forced lines keep their level).
    idle_bus: Lv,
    /// What the last step changed: nothing at all, only the refresh-interval counter (by one),
    /// or more.
    idle: Idle,
}

fn sync_mask(stages: u32) -> u32 {
    crate::logic::mask(stages) as u32
}

impl Mig {
    /// A design at power-up.
    pub fn new(p: Params) -> Self {
        let mut p = p;
        // Board hook: DDR2 2x refresh above 85 °C (board::Params::refresh_interval).
        p.ctrl.max_ref_cnt = p.board.refresh_interval(p.ctrl.max_ref_cnt);
        let groups = p.groups as usize;
        let lanes = (p.data_width / 8) as usize;
        let regs = Regs {
            infra: Infra {
                rst200: sync_mask(p.rst_sync_stages),
                rst0: sync_mask(p.rst_sync_stages),
                idelayctrl: IdelayCtrl::default(),
            },
            ctrl: ctrl::Regs {
                cke_200us_cnt: p.ctrl.cke_200us_reset,
                ..ctrl::Regs::default()
            },
            tap_logic: tap_logic::Regs::default(),
            tap_ctrl: vec![tap_ctrl::Regs::default(); groups],
            data_tap_inc: vec![data_tap_inc::Regs::new(&p.data_tap_inc); groups],
            taps: vec![0; p.data_width as usize],
            iddr: Iddr::new(p.data_width),
            pattern: vec![pc::Regs::default(); lanes],
            backend: backend_fifos::Regs::default(),
            memory: ddr2_device::Regs::default(),
            dq_drive: board::CtrlDrive::default(),
        };
        let rng = ChaCha8Rng::seed_from_u64(p.seed);
        let mut idle_bus = Lv::unknown(p.data_width);
        for line in 0..p.data_width as usize {
            if let Some(level) = p.board.forced_level(line) {
                idle_bus.x &= !(1 << line);
                idle_bus.v |= (level as u128) << line;
            }
        }
        Mig {
            p,
            next: regs.clone(),
            regs,
            storage: Storage::new(),
            rng,
            cycle: 0,
            last_cmd: None,
            idle_bus,
            idle: Idle::Busy,
        }
    }

    /// Parameters.
    pub fn params(&self) -> &Params {
        &self.p
    }

    /// Current registers.
    pub fn regs(&self) -> &Regs {
        &self.regs
    }

    /// Number of clk_0 rising edges simulated so far (the next edge is cycle `cycle()`).
    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    /// Time of clk_0 rising edge `n` in ps (the first at half a period).
    pub fn edge_time_ps(&self, n: u64) -> f64 {
        self.p.board.period_ps * (n as f64 + 0.5)
    }

    /// `dcm_lock` at `t_ps`.
    pub fn dcm_lock_at(&self, t_ps: f64) -> bool {
        match &self.p.dcm_locked_ps {
            None => t_ps > self.p.dcm_lock_ps,
            Some(iv) => iv
                .iter()
                .any(|&(rise, fall)| t_ps > rise && fall.is_none_or(|f| t_ps <= f)),
        }
    }

    /// The first `dcm_lock` change after `t_ps`, if any.
    fn next_lock_change(&self, t_ps: f64) -> Option<f64> {
        match &self.p.dcm_locked_ps {
            None => (t_ps < self.p.dcm_lock_ps).then_some(self.p.dcm_lock_ps),
            Some(iv) => iv
                .iter()
                .flat_map(|&(r, f)| std::iter::once(r).chain(f))
                .filter(|&x| x >= t_ps)
                .min_by(|a, b| a.total_cmp(b)),
        }
    }

    /// `sys_rst` as the blocks see it now.
    pub fn sys_rst(&self) -> bool {
        self.regs.infra.rst0 >> (self.p.rst_sync_stages - 1) & 1 == 1
    }

    /// The command the controller drives during the cycle just simulated, if not a NOP.
    pub fn last_command(&self) -> Option<BusCommand> {
        self.last_cmd
    }

    /// The bus pins and control outputs as driven now.
    pub fn ctrl_out(&self) -> ctrl::Out {
        ctrl::outputs(&self.regs.ctrl, &self.p.ctrl)
    }

    fn sample_bus(&mut self, t_ps: f64) -> Lv {
        if board::bus_idle(&self.p.board, &self.regs.memory, &self.regs.dq_drive, t_ps) {
            return self.idle_bus;
        }
        // Board faults, skew, drift and seeded jitter live in the board model.
        board::sample_bus(
            &self.p.board,
            &self.regs.memory,
            &self.regs.dq_drive,
            t_ps,
            &self.regs.taps,
            &mut self.rng,
        )
    }

    /// Simulate one clk_0 rising edge (cycle `self.cycle()`), committing every register.
    pub fn step(&mut self) {
        let p = &self.p;
        let n = self.cycle;
        let t = self.edge_time_ps(n);
        let r = &self.regs;
        let stages = p.rst_sync_stages;
        let top = 1u32 << (stages - 1);

        // ---- outputs of every block from the current registers ----
        let sys_rst = r.infra.rst0 & top != 0;
        let sys_rst_r1 = r.infra.rst200 & top != 0;
        let rdy = r.infra.idelayctrl.rdy;
        let co = ctrl::outputs(&r.ctrl, &p.ctrl);
        let mut tap_outs = [tap_ctrl::Out::default(); MAX_GROUPS];
        let mut dti_outs = [data_tap_inc::Out::default(); MAX_GROUPS];
        for g in 0..r.tap_ctrl.len() {
            tap_outs[g] = tap_ctrl::outputs(&r.tap_ctrl[g]);
            dti_outs[g] = data_tap_inc::outputs(&r.data_tap_inc[g], &tap_outs[g], &p.data_tap_inc);
        }
        let comp_done = r.pattern.iter().all(|x| pc::outputs(x).comp_done);
        let sel_done = r.tap_logic.tap_sel_done;

        // ---- the read path: what the IDDR sees around this edge ----
        let period = p.board.period_ps;
        let at_rise = self.sample_bus(t);
        let at_fall = self.sample_bus(t - period / 2.0);
        let p = &self.p;
        let r = &self.regs;

        // ---- next registers ----
        let mut nx = std::mem::take(&mut self.next);
        nx.clone_from(r);
        let (_, c) = ctrl::step(
            &r.ctrl,
            &ctrl::In {
                rst: sys_rst,
                comp_done,
                phy_dly_slct_done: sel_done,
            },
            &p.ctrl,
        );
        nx.ctrl = c;
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
        nx.iddr = r.iddr.step(at_rise, at_fall);
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

        // The pins driven since the previous clk_0 edge are taken by the memory at the CK rising
        // edge half a period before this one (CK rises on clk_0 falling edges).
        let cmd = if co.cke {
            Command::decode(co.cs_n, co.ras_n, co.cas_n, co.we_n, co.ba, co.a)
        } else {
            Command::Nop
        };
        let mut write_words = [(0u128, 0u128); 4];
        let mut mem_words = [(0u128, 0u128); 4];
        for j in 0..4 {
            let w = r.backend.words[(r.backend.burst_ptr as usize + j) % backend_fifos::DEPTH];
            write_words[j] = w;
            mem_words[j] = (
                p.board.to_memory(w.0, p.data_width),
                p.board.to_memory(w.1, p.data_width),
            );
        }
        if let Command::Write { .. } = cmd {
            // The data path pops the controller's burst (its own mode register), whatever the
            // memory makes of the command; a FIFO in reset pops nothing.
            if !r.backend.rst_r1 {
                let ctrl_bl = 1u64 << (p.ctrl.load_mode_register & 7).min(3);
                nx.backend.burst_ptr = backend_fifos::after_write_burst(&r.backend, ctrl_bl);
            }
            let bl = r.memory.burst_length();
            // Write latency: 1 clock for DDR1, read latency - 1 for DDR2.
            let wl = match p.profile {
                Profile::Minimodule => 1,
                Profile::Ddr2 => r.memory.cas_latency().saturating_sub(1).max(1),
            };
            nx.dq_drive = r
                .dq_drive
                .schedule(2 * n, &write_words, bl, wl, p.data_width);
        }
        // Board hooks: what reaches the memory's command pins (a stopped CK: nothing; an
        // inverted CK: taken half a period late).
        let mem_cmd = if p.board.ck_running() {
            cmd
        } else {
            Command::Nop
        };
        let (writes, nm) = ddr2_device::step(
            &r.memory,
            &ddr2_device::In {
                cmd: mem_cmd,
                h: 2 * n + p.board.ck_half_shift(),
                write_words: mem_words,
                write_lanes: p.board.write_lanes(p.data_width / 8),
                width: p.data_width,
            },
            &self.storage,
        );
        nx.memory = nm;

        // Reset synchronisers: asynchronous set while their reset cause holds, else shift a 0 in.
        let dcm_lock = self.dcm_lock_at(t) && self.p.board.dcm_lock_rises();
        let p = &self.p;
        let r = &self.regs;
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

        self.last_cmd = match cmd {
            Command::Nop => None,
            c => Some(BusCommand { cycle: n, cmd: c }),
        };
        ddr2_device::commit(&mut self.storage, &writes);
        // Idle when nothing but the refresh-interval counter moved (the 200 us wait, the
        // stage-3 stall): every later cycle then repeats this one until that counter's terminal.
        let refi = nx.ctrl.refi_count;
        nx.ctrl.refi_count = r.ctrl.refi_count;
        self.idle = if !(nx == *r && writes.is_empty()) {
            Idle::Busy
        } else if refi == r.ctrl.refi_count {
            Idle::Static
        } else if refi == r.ctrl.refi_count + 1 {
            Idle::Counting
        } else {
            Idle::Busy
        };
        nx.ctrl.refi_count = refi;
        self.next = std::mem::replace(&mut self.regs, nx);
        self.cycle += 1;
    }

    /// After a step that changed nothing but the refresh-interval counter, jump ahead up to
    /// `max` cycles at once (stopping one cycle before that counter's terminal count, where
    /// `ref_flag` and `cke_200us_cnt` move). Exact: the skipped cycles would have repeated the
    /// idle step, with no traced signal changing and no jitter drawn (the bus is idle).
    /// Returns the cycles skipped.
    pub fn skip_idle(&mut self, max: u64) -> u64 {
        let refi = self.regs.ctrl.refi_count as u64;
        let term = self.p.ctrl.max_ref_cnt as u64;
        let k = match self.idle {
            Idle::Busy => return 0,
            Idle::Static => max,
            Idle::Counting if refi + 1 < term => (term - 1 - refi).min(max),
            Idle::Counting => return 0,
        };
        // Nothing time-dependent may change during the jump: the reset input is released, no
        // dcm_lock change falls inside it, and the bus stays idle (it only gets quieter).
        let now = self.edge_time_ps(self.cycle);
        let mut k = k;
        if let Some(tc) = self.next_lock_change(now - self.p.board.period_ps) {
            let room = ((tc - now) / self.p.board.period_ps).floor() - 2.0;
            if room < 1.0 {
                return 0;
            }
            k = k.min(room as u64);
        }
        if k == 0
            || now <= self.p.sys_reset_release_ps
            || !board::bus_idle(&self.p.board, &self.regs.memory, &self.regs.dq_drive, now)
        {
            return 0;
        }
        if self.idle == Idle::Counting {
            self.regs.ctrl.refi_count += k as u16;
        }
        self.cycle += k;
        self.last_cmd = None;
        k
    }

    /// True when `init_done` is high.
    pub fn init_done(&self) -> bool {
        self.regs.ctrl.init_done
    }

    /// Faults in effect.
    pub fn faults(&self) -> &[Fault] {
        &self.p.board.faults
    }
}

/// What the last step changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Idle {
    /// Something beyond the refresh-interval counter.
    Busy,
    /// Nothing (e.g. held in reset).
    Static,
    /// Only the refresh-interval counter, by one.
    Counting,
}

const TOP: &str = "tb/dut/top_00";

/// Tracks the pads (`tb/dq`, `tb/dqs`, `tb/dm`, `tb/ck`), which change between clk_0 edges,
/// and reports only their changes.
#[derive(Clone, Debug, Default)]
pub struct PadTracker {
    last: [Option<Value>; 4],
    upto_ps: f64,
    times: Vec<f64>,
}

impl PadTracker {
    /// A tracker at t = 0.
    pub fn new() -> Self {
        PadTracker::default()
    }

    fn put(&mut self, out: &mut Vec<crate::probe::PadEvent>, t_ps: f64, pad: usize, v: Value) {
        if self.last[pad] != Some(v) {
            self.last[pad] = Some(v);
            out.push(crate::probe::PadEvent {
                time_fs: (t_ps * 1000.0).round() as u64,
                pad,
                value: v,
            });
        }
    }

    /// Report the pad changes in (previous call's time, `t1_ps`], given the design after its
    /// latest clk_0 edge (`t1_ps` at most half a period past that edge, or anywhere in an idle
    /// stretch).
    pub fn advance(&mut self, mig: &Mig, t1_ps: f64, out: &mut Vec<crate::probe::PadEvent>) {
        let p = &mig.p;
        let b = &p.board;
        let period = b.period_ps;
        let half = period / 2.0;
        let t1 = t1_ps;
        let t0 = self.upto_ps;
        if mig.cycle == 0 || t1 <= t0 && self.last[0].is_some() {
            return;
        }
        let w = p.data_width;
        let lanes = w / 8;
        if self.last[0].is_none() {
            // Power-up: the pads are undriven or unknown until the first clocks.
            let z = Value {
                highz: crate::logic::mask(w),
                ..Value::default()
            };
            self.put(out, 0.0, 0, z);
            self.put(out, 0.0, 1, Value::unknown(lanes));
            self.put(out, 0.0, 2, Value::unknown(lanes));
            self.put(out, 0.0, 3, Value::unknown(1));
        }
        let r = &mig.regs;
        // Candidate change times: every quarter clock (clock, strobes, the controller's own
        // data) and every beat boundary shifted by each line's board delay.
        let mut times = std::mem::take(&mut self.times);
        times.clear();
        let quarter = period / 4.0;
        let mut k = (t0 / quarter).floor() as i64 + 1;
        while (k as f64) * quarter <= t1 {
            times.push(k as f64 * quarter);
            k += 1;
        }
        let idle = board::bus_idle(b, &r.memory, &r.dq_drive, t0);
        if !idle {
            for line in 0..w as usize {
                let d = b.line_delay_ps(line);
                if d == 0.0 {
                    continue;
                }
                let mut h = ((t0 - d) / half).floor() as i64;
                while (h as f64) * half + d <= t1 {
                    let t = h as f64 * half + d;
                    if t > t0 {
                        times.push(t);
                    }
                    h += 1;
                }
            }
            times.sort_by(|a, b| a.total_cmp(b));
            times.dedup();
        }
        for &t in &times {
            // ck: low from the first clk_0 rising edge, high on clk_0 falling edges.
            if t >= half {
                let high = ((t / half + 1e-9).floor() as u64).is_multiple_of(2);
                self.put(out, t, 3, Value::known(high as u128));
            }
            // dm: the mask ODDR on clk_90 drives 0 from its first edge.
            if t >= half + quarter {
                self.put(out, t, 2, Value::known(0));
            }
            if idle && self.last[0].is_some() && t > half {
                continue;
            }
            let mut dq = Value::default();
            for line in 0..w as usize {
                let v = board::dq_pin(b, &r.memory, &r.dq_drive, line, t);
                dq.bits |= v.bits << line;
                dq.unknown |= v.unknown << line;
                dq.highz |= v.highz << line;
            }
            self.put(out, t, 0, dq);
            if t >= half {
                let mut dqs = Value::default();
                for lane in 0..lanes {
                    let v = board::dqs_pin(b, &r.memory, &r.dq_drive, lane as u8, t);
                    dqs.bits |= v.bits << lane;
                    dqs.unknown |= v.unknown << lane;
                    dqs.highz |= v.highz << lane;
                }
                self.put(out, t, 1, dqs);
            }
        }
        self.upto_ps = t1;
        self.times = times;
    }
}

impl Mig {
    /// The pads that change between clk_0 edges (reported through [`PadTracker`]): `tb/dq`,
    /// `tb/dqs`, `tb/dm`, `tb/ck`, as the controller-side nets of the golden testbench.
    pub fn pad_decls(&self) -> Vec<SignalDecl> {
        let w = self.p.data_width;
        [
            ("tb/dq", w),
            ("tb/dqs", w / 8),
            ("tb/dm", w / 8),
            ("tb/ck", 1),
        ]
        .into_iter()
        .map(|(n, width)| SignalDecl {
            name: n.to_string(),
            width,
            integer: false,
        })
        .collect()
    }

    /// The traced signals, with the golden VCDs' hierarchical names and widths.
    pub fn signal_decls(&self) -> Vec<SignalDecl> {
        let mut v = Vec::new();
        let mut add = |name: String, width: u32| {
            v.push(SignalDecl {
                name,
                width,
                integer: false,
            })
        };
        let w = self.p.data_width;
        let g = self.p.groups;
        for (s, wd) in [
            ("a", 13),
            ("ba", 2),
            ("cke", 1),
            ("cs_n", 1),
            ("ras_n", 1),
            ("cas_n", 1),
            ("we_n", 1),
            ("init_done", 1),
        ] {
            add(format!("tb/{s}"), wd);
        }
        add(format!("{TOP}/data_path_00/ctrl_dummyread_start"), 1);
        let tl = format!("{TOP}/data_path_00/tap_logic_00");
        add(format!("{tl}/data_idelay_inc"), w);
        add(format!("{tl}/data_idelay_ce"), w);
        for s in [
            "dlyinc_dqs",
            "dlyce_dqs",
            "dlyinc_global_flag_dqs",
            "chan_done_dqs",
            "dq_data_dqs",
            "bit_boundary_check_dqs",
            "calib_done_dqs",
        ] {
            add(format!("{tl}/{s}"), g);
        }
        add(format!("{tl}/data_tap_inc_done"), 1);
        add(format!("{tl}/tap_sel_done"), 1);
        for i in 0..g {
            let tc = format!("{tl}/tap_ctrl_gen({i})/tap_ctrl_0");
            for (s, wd) in [
                ("dec_count", 6),
                ("current_state", 4),
                ("compare", 1),
                ("check_boundary_count", 4),
                ("bit_boundary_aligned", 1),
                ("init_tap_cnt", 6),
                ("tap_inc", 2),
                ("calib_start", 1),
                ("tap_count", 6),
            ] {
                add(format!("{tc}/{s}"), wd);
            }
            let di = format!("{tl}/tap_ctrl_gen({i})/data_tap_inc_0");
            add(format!("{di}/calib_done_int"), 1);
            add(format!("{di}/calibration_dq_r"), self.p.lines_per_group);
            add(format!("{di}/chan_sel_int"), self.p.lines_per_group);
        }
        let n_decl = v.len();
        for k in 0..w {
            v.push(SignalDecl {
                name: format!(
                    "{TOP}/iobs_00/data_path_iobs_00/v4_dq_iob_gen({k})/v4_dq_iob_0/idelay_dq/tap"
                ),
                width: 32,
                integer: true,
            });
        }
        debug_assert!(v.len() == n_decl + w as usize);
        let mut add = |name: String, width: u32| {
            v.push(SignalDecl {
                name,
                width,
                integer: false,
            })
        };
        let rd = format!("{TOP}/user_interface_00/rd_data_00");
        add(format!("{rd}/read_data_rise"), w);
        add(format!("{rd}/read_data_fall"), w);
        add(format!("{rd}/comp_done"), 1);
        for l in 0..w / 8 {
            let pp = format!("{rd}/pattern_compare4_gen({l})/pattern_0");
            for (s, wd) in [
                ("ctrl_rden", 1),
                ("rd_data_rise", 8),
                ("rd_data_fall", 8),
                ("comp_done", 1),
                ("first_rising", 1),
                ("rd_en_rise", 1),
                ("rd_en_fall", 1),
                ("clk_cnt_rise", 4),
                ("clk_cnt_fall", 4),
                ("clk_count_rise", 4),
                ("clk_count_fall", 4),
            ] {
                add(format!("{pp}/{s}"), wd);
            }
        }
        let bf = format!("{TOP}/user_interface_00/backend_fifos_00");
        add(format!("{bf}/init_count"), 3);
        add(format!("{bf}/init_wren"), 1);
        add(format!("{bf}/init_data"), 2 * w.min(64));
        add(format!("{bf}/init_flag"), 1);
        let dc = format!("{TOP}/{}", self.p.controller_scope());
        let init_state_width = match self.p.profile {
            Profile::Minimodule => 5,
            Profile::Ddr2 => 22,
        };
        for (s, wd) in [
            ("comp_done", 1),
            ("phy_dly_slct_done", 1),
            ("ctrl_dummy_wr_sel", 1),
            ("ctrl_dummyread_start", 1),
            ("ctrl_wdf_rden", 1),
            ("ctrl_wren", 1),
            ("ctrl_rden", 1),
            ("init_done", 1),
            ("dummy_write_flag", 1),
            ("init_count", 4),
            ("init_memory", 1),
            ("count_200_cycle", 8),
            ("ref_flag", 1),
            ("auto_ref", 1),
            ("state", 5),
            ("count_200cycle_done_r", 1),
            ("init_done_int", 1),
            ("cke_200us_cnt", 5),
            ("done_200us", 1),
            ("comp_done_r", 1),
            ("init_state", init_state_width),
        ] {
            add(format!("{dc}/{s}"), wd);
        }
        v
    }

    /// Report every signal's current value, in [`Mig::signal_decls`] order.
    pub fn visit(&self, probe: &mut dyn Probe) {
        let r = &self.regs;
        let p = &self.p;
        let co = ctrl::outputs(&r.ctrl, &p.ctrl);
        let tap_outs: Vec<tap_ctrl::Out> = r.tap_ctrl.iter().map(tap_ctrl::outputs).collect();
        let dti: Vec<data_tap_inc::Out> = r
            .data_tap_inc
            .iter()
            .zip(&tap_outs)
            .map(|(d, t)| data_tap_inc::outputs(d, t, &p.data_tap_inc))
            .collect();
        let pco: Vec<pc::Out> = r.pattern.iter().map(pc::outputs).collect();
        let comp_done = rd_data::comp_done(&pco);
        let mut id = 0usize;
        let mut put = |v: Value| {
            probe.value(id, v);
            id += 1;
        };
        let b = |x: bool| Value::known(x as u128);
        let lv = |x: Lv| Value {
            bits: x.v,
            unknown: x.x,
            highz: 0,
        };
        let defined = r.ctrl.defined;
        let undef = Value::unknown;
        put(Value::known(co.a as u128));
        put(Value::known(co.ba as u128));
        put(b(co.cke));
        put(b(co.cs_n));
        put(b(co.ras_n));
        put(b(co.cas_n));
        put(b(co.we_n));
        put(b(co.init_done));
        put(b(co.ctrl_dummyread_start));
        let lpg = p.lines_per_group;
        let mut inc = 0u128;
        let mut ce = 0u128;
        for (g, d) in dti.iter().enumerate() {
            inc |= (d.data_dlyinc as u128) << (g as u32 * lpg);
            ce |= (d.data_dlyce as u128) << (g as u32 * lpg);
        }
        // Lines beyond the calibrated groups are not driven by tap_logic.
        let driven = crate::logic::mask(p.groups * lpg);
        let undriven = crate::logic::mask(p.data_width) & !driven;
        put(Value {
            bits: inc,
            unknown: undriven,
            highz: 0,
        });
        put(Value {
            bits: ce,
            unknown: undriven,
            highz: 0,
        });
        let per_group = |f: &dyn Fn(usize) -> Lv| -> Value {
            let mut v = Value::default();
            for g in 0..p.groups as usize {
                let x = f(g);
                v.bits |= (x.v & 1) << g;
                v.unknown |= (x.x & 1) << g;
            }
            v
        };
        let kb = |x: bool| Lv::known(x as u128);
        put(per_group(&|g| kb(tap_outs[g].dlyinc)));
        put(per_group(&|g| kb(tap_outs[g].dlyce)));
        put(per_group(&|g| kb(tap_outs[g].dlyinc_global_flag)));
        put(per_group(&|g| kb(tap_outs[g].chan_done)));
        put(per_group(&|g| dti[g].dq_data));
        put(per_group(&|g| kb(dti[g].bit_boundary_check)));
        put(per_group(&|g| kb(dti[g].calib_done)));
        put(b(r.tap_logic.data_tap_inc_done));
        put(b(r.tap_logic.tap_sel_done));
        for g in 0..p.groups as usize {
            let t = &r.tap_ctrl[g];
            put(Value::known(t.dec_count as u128));
            put(Value::known(t.current_state as u128));
            put(b(t.compare));
            put(Value::known(t.check_boundary_count as u128));
            put(b(t.bit_boundary_aligned));
            put(Value::known(t.init_tap_cnt as u128));
            put(Value::known(t.tap_inc as u128));
            put(b(t.calib_start));
            put(Value::known(t.tap_count as u128));
            let d = &r.data_tap_inc[g];
            put(b(d.calib_done_int));
            put(lv(d.calibration_dq_r));
            put(Value::known(d.chan_sel_int as u128));
        }
        for &t in &r.taps {
            put(Value::known(t as u128));
        }
        put(lv(r.iddr.q1));
        put(lv(r.iddr.q2));
        put(b(comp_done));
        for (l, pr) in r.pattern.iter().enumerate() {
            let o = &pco[l];
            put(b(co.ctrl_rden));
            put(lv(r.iddr.q1.field(8 * l as u32, 8)));
            put(lv(r.iddr.q2.field(8 * l as u32, 8)));
            put(b(o.comp_done));
            put(b(o.first_rising));
            put(b(pr.rd_en_rise));
            put(b(pr.rd_en_fall));
            put(Value::known(pr.clk_cnt_rise as u128));
            put(Value::known(pr.clk_cnt_fall as u128));
            put(Value::known(o.clk_count_rise as u128));
            put(Value::known(o.clk_count_fall as u128));
        }
        let bk = &r.backend;
        if bk.defined {
            put(Value::known(bk.init_count as u128));
            put(b(bk.init_wren));
            put(Value::known(
                (bk.init_data.0 << p.data_width) | bk.init_data.1,
            ));
            put(b(bk.init_flag));
        } else {
            put(undef(3));
            put(undef(1));
            put(undef(32));
            put(undef(1));
        }
        let c = &r.ctrl;
        let d = |v: Value, w: u32| if defined { v } else { undef(w) };
        put(b(comp_done));
        put(b(r.tap_logic.tap_sel_done));
        put(lv(co.ctrl_dummy_wr_sel));
        put(d(b(co.ctrl_dummyread_start), 1));
        put(b(co.ctrl_wdf_rden));
        put(b(co.ctrl_wren));
        put(b(co.ctrl_rden));
        put(b(co.init_done));
        put(b(co.dummy_write_flag));
        put(d(Value::known(c.init_count as u128), 4));
        put(b(c.init_memory));
        put(Value::known(c.count_200_cycle as u128));
        put(b(co.ref_flag));
        put(b(c.auto_ref));
        put(Value::known(c.state as u128));
        put(b(c.count_200cycle_done_r));
        put(b(c.init_done_int));
        put(d(Value::known(c.cke_200us_cnt as u128), 5));
        put(d(b(c.done_200us), 1));
        put(b(c.comp_done_r));
        put(Value::known(match p.profile {
            Profile::Minimodule => c.init_state as u128,
            Profile::Ddr2 => 1u128 << c.init_state,
        }));
    }
}
