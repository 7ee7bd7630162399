//! The top: wires the blocks and commits every register at once on each clk_0 rising edge.
//!
//! Every block's outputs are computed from the current registers, then every block's next
//! registers are computed from those outputs, and all are committed together, so the order in
//! which blocks are evaluated can never change a result.
//!
//! `step.rs` is that edge, `signals.rs` the one table of traced signals (declarations and
//! visitor), `pads.rs` the pads that change between edges.

mod pads;
mod signals;
mod step;

pub use pads::PadTracker;

use crate::backend_fifos;
use crate::board::{self, Fault};
use crate::data_tap_inc;
use crate::ddr2_controller as ctrl;
use crate::ddr2_device::{self, Command, Storage};
use crate::idelay::{Iddr, IdelayCtrl};
use crate::logic::Lv;
use crate::pattern_compare8 as pc;
use crate::tap_ctrl;
use crate::tap_logic;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use crate::profile::Profile;

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
            profile: Profile::Ddr2,
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
            ctrl: ctrl::Regs::new(&p.ctrl),
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

    /// After a step that changed nothing but the refresh-interval counter, jump ahead up to
    /// `max` cycles at once (stopping one cycle before that counter's terminal count, where
    /// `ref_flag` and `cke_200us_cnt` move). Exact: the skipped cycles would have repeated the
    /// idle step, with no traced signal changing and no jitter drawn (the bus is idle).
    /// Returns the cycles skipped.
    pub fn skip_idle(&mut self, max: u64) -> u64 {
        let refi = self.regs.ctrl.common().refi_count as u64;
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
            self.regs.ctrl.common_mut().refi_count += k as u16;
        }
        self.cycle += k;
        self.last_cmd = None;
        k
    }

    /// True when `init_done` is high.
    pub fn init_done(&self) -> bool {
        self.regs.ctrl.common().init_done
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
