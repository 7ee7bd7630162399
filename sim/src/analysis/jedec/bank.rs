//! Bank-state and command-to-command timing rules of Micron's DDR2 model (`chk_err` and
//! `cmd_task` of ddr2_model.v v5.82): tMRD, tRFC (minimum and the 70 µs maximum, Micron's only
//! refresh-interval check), tRP/tRPA, tRC, tRAS (minimum and maximum), tRRD, tRCD, tWR, tWTR,
//! tRTW, tCCD, and the bank-state failures. Timings in ns are compared with the CK edges that
//! latched the commands; clock counts with the commands' cycles.

use super::{padded, Emit, Severity, Timing};
use crate::analysis::BusCommand;

/// The burst geometry the memory decoded from its mode registers (what it received, not what
/// the controller meant), used to place write ends and read-to-write turnarounds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Latency {
    /// Burst length.
    pub bl: u64,
    /// CAS latency.
    pub cl: u64,
    /// Additive latency.
    pub al: u64,
    /// DDR1 (the golden build): write latency 1 whatever CL.
    pub ddr1: bool,
}

impl Latency {
    /// Write latency in clocks.
    pub fn wl(&self) -> u64 {
        if self.ddr1 {
            1
        } else {
            (self.al + self.cl).saturating_sub(1)
        }
    }
    /// Read latency in clocks.
    pub fn rl(&self) -> u64 {
        self.al + self.cl
    }
    /// Updates from a mode register write.
    pub fn load(&mut self, ba: u64, a: u64) {
        match ba {
            0 => {
                self.bl = 1 << (a & 7);
                self.cl = (a >> 4) & 7;
            }
            1 if !self.ddr1 => self.al = (a >> 3) & 7,
            _ => {}
        }
    }
}

/// What the checker remembers per bank.
#[derive(Debug, Clone, Copy, Default)]
struct Bank {
    /// Open (Micron starts with every bank "open" until the first PRECHARGE ALL).
    open: bool,
    activate_ps: Option<f64>,
    precharge_ps: Option<f64>,
    write_cycle: Option<u64>,
    /// CK edge of the last data clock of the latest write burst.
    write_end_ps: Option<f64>,
}

/// What the rules remember between commands.
struct State {
    banks: usize,
    bank: [Bank; 8],
    lat: Latency,
    last_mrs: Option<u64>,
    last_ref_ps: Option<f64>,
    trfc_max_reported: bool,
    last_pre_ps: Option<f64>,
    last_prea_ps: Option<f64>,
    last_act_ps: Option<f64>,
    last_write: Option<u64>,
    last_read: Option<u64>,
    write_end_ps: Option<f64>,
}

/// One command as the rules see it.
struct Cmd<'a> {
    c: &'a BusCommand,
    /// Its CK edge, ps.
    now: f64,
    name: &'static str,
    ba: usize,
    all: bool,
    /// After the init sequence completed.
    init_done: bool,
    /// Real time: the ns rules can run.
    real: bool,
}

impl Cmd<'_> {
    fn since(&self, x: Option<f64>) -> Option<f64> {
        x.filter(|_| self.real).map(|x| self.now - x)
    }
    /// Less than `min_ns` since `x`.
    fn short(&self, x: Option<f64>, min_ns: f64) -> bool {
        self.since(x).is_some_and(|d| d + 1e-6 < min_ns * 1e3)
    }
}

fn err(emit: &mut Emit, c: &BusCommand, text: String) {
    emit.push(Severity::Error, c, text);
}

/// Runs the rules over the command list (in time order).
/// `init_done_at` is the index of the command that completes the init sequence: ACT, WRITE and
/// READ before it are refused by the memory (the init check reports them) and change nothing.
pub(super) fn check(
    cmds: &[BusCommand],
    t: &Timing,
    ddr1: bool,
    init_done_at: Option<usize>,
    emit: &mut Emit,
) {
    let mut s = State {
        banks: t.banks.clamp(1, 8) as usize,
        bank: [Bank {
            open: true,
            ..Bank::default()
        }; 8],
        lat: Latency {
            bl: if ddr1 { 2 } else { 4 },
            cl: 3,
            al: 0,
            ddr1,
        },
        last_mrs: None,
        last_ref_ps: None,
        trfc_max_reported: false,
        last_pre_ps: None,
        last_prea_ps: None,
        last_act_ps: None,
        last_write: None,
        last_read: None,
        write_end_ps: None,
    };
    // tRPA is tRP on a 4-bank part, one clock more on an 8-bank part.
    let t_rpa = t.t_rp_ns + if t.banks == 8 { emit.clock_ns } else { 0.0 };
    for (i, c) in cmds.iter().enumerate() {
        let x = Cmd {
            c,
            now: emit.ck_ps(c),
            name: padded(c.kind),
            ba: c.ba.unwrap_or(0) as usize % s.banks,
            all: c.kind == "PRE" && c.a.unwrap_or(0) & (1 << 10) != 0,
            init_done: init_done_at.is_some_and(|d| i > d),
            real: emit.real_time,
        };
        s.common(&x, t, t_rpa, emit);
        s.per_bank(&x, t, t_rpa, emit);
        if matches!(c.kind, "WR" | "RD") {
            s.read_write(&x, t, emit);
        }
        s.apply(&x, emit);
    }
}

impl State {
    /// The targets of a command: its bank, or every bank for a PRECHARGE ALL.
    fn targets(&self, x: &Cmd) -> std::ops::Range<usize> {
        if x.all {
            0..self.banks
        } else {
            x.ba..x.ba + 1
        }
    }

    /// tRFC maximum, tMRD, tRFC, and PRECHARGE/ACTIVE to LOAD MODE/REFRESH.
    fn common(&mut self, x: &Cmd, t: &Timing, t_rpa: f64, emit: &mut Emit) {
        let (c, name) = (x.c, x.name);
        if !self.trfc_max_reported
            && x.since(self.last_ref_ps)
                .is_some_and(|d| d > t.t_rfc_max_ns * 1e3)
        {
            err(
                emit,
                c,
                format!("ERROR:  tRFC maximum violation during {name}"),
            );
            self.trfc_max_reported = true;
        }
        if !matches!(c.kind, "MRS" | "REF" | "PRE" | "ACT" | "WR" | "RD") {
            return;
        }
        if self.last_mrs.is_some_and(|m| c.cycle - m < t.t_mrd_clk) {
            err(emit, c, format!("ERROR:  tMRD violation during {name}"));
        }
        if x.short(self.last_ref_ps, t.t_rfc_ns) {
            err(emit, c, format!("ERROR:  tRFC violation during {name}"));
        }
        if matches!(c.kind, "MRS" | "REF") {
            if x.short(self.last_prea_ps, t_rpa) {
                err(emit, c, format!("ERROR:  tRPA violation during {name}"));
            }
            if x.short(self.last_pre_ps, t.t_rp_ns) {
                err(emit, c, format!("ERROR:   tRP violation during {name}"));
            }
        }
        if c.kind == "REF" && x.short(self.last_act_ps, t.t_rc_ns) {
            err(emit, c, format!("ERROR:   tRC violation during {name}"));
        }
    }

    /// ACTIVE and PRECHARGE against each target bank's history.
    fn per_bank(&mut self, x: &Cmd, t: &Timing, t_rpa: f64, emit: &mut Emit) {
        let (c, name) = (x.c, x.name);
        for b in self.targets(x) {
            let bk = self.bank[b];
            match c.kind {
                "ACT" => {
                    if x.short(self.last_prea_ps, t_rpa) {
                        err(emit, c, format!("ERROR:  tRPA violation during {name}"));
                    }
                    if x.short(bk.precharge_ps, t.t_rp_ns) {
                        err(
                            emit,
                            c,
                            format!("ERROR:   tRP violation during {name} to bank {b}"),
                        );
                    }
                    if x.short(self.last_act_ps, t.t_rrd_ns) {
                        err(
                            emit,
                            c,
                            format!("ERROR:  tRRD violation during {name} to bank {b}"),
                        );
                    }
                    if x.short(bk.activate_ps, t.t_rc_ns) {
                        err(
                            emit,
                            c,
                            format!("ERROR:   tRC violation during {name} to bank {b}"),
                        );
                    }
                }
                "PRE" => {
                    let open_for = x.since(bk.activate_ps);
                    if bk.open && open_for.is_some_and(|d| d > t.t_ras_max_ns * 1e3) {
                        err(
                            emit,
                            c,
                            format!("ERROR:  tRAS maximum violation during {name} to bank {b}"),
                        );
                    }
                    if x.short(bk.activate_ps, t.t_ras_ns) {
                        err(
                            emit,
                            c,
                            format!("ERROR:  tRAS minimum violation during {name} to bank {b}"),
                        );
                    }
                    let lat = self.lat;
                    let in_burst = bk
                        .write_cycle
                        .is_some_and(|w| c.cycle - w <= lat.wl() + lat.bl / 2);
                    if in_burst || x.short(bk.write_end_ps, t.t_wr_ns) {
                        err(
                            emit,
                            c,
                            format!("ERROR:   tWR violation during {name} to bank {b}"),
                        );
                    }
                }
                _ => {}
            }
        }
    }

    /// tCCD, tWTR, tRTW and tRCD of a READ or WRITE.
    fn read_write(&mut self, x: &Cmd, t: &Timing, emit: &mut Emit) {
        let (c, name, ba) = (x.c, x.name, x.ba);
        let lat = self.lat;
        let same = if c.kind == "WR" {
            self.last_write
        } else {
            self.last_read
        };
        if same.is_some_and(|w| c.cycle - w < t.t_ccd_clk) {
            err(
                emit,
                c,
                format!("ERROR:  tCCD violation during {name} to bank {ba}"),
            );
        }
        // Micron skips the turnaround checks when a LOAD MODE came after the earlier command.
        let last_mrs = self.last_mrs;
        let no_mrs_since = |x: Option<u64>| last_mrs.is_none_or(|m| m < x.unwrap_or(0));
        let al_ps = lat.al as f64 * emit.clock_ns * 1e3;
        if c.kind == "RD" {
            let min = (lat.wl() + lat.bl / 2 + 2).saturating_sub(lat.al);
            let w = self.last_write;
            if w.is_some_and(|w| c.cycle - w < min) && no_mrs_since(w) {
                err(
                    emit,
                    c,
                    format!("ERROR:  tWTR violation during {name} to bank {ba}"),
                );
            } else if x.real
                && self
                    .write_end_ps
                    .is_some_and(|e| x.now + al_ps - e + 1e-6 < t.t_wtr_ns * 1e3)
            {
                err(emit, c, format!("ERROR:  tWTR violation during {name}"));
            }
        } else {
            let min = (lat.rl() + lat.bl / 2 + 1).saturating_sub(lat.wl());
            let r = self.last_read;
            if r.is_some_and(|r| c.cycle - r < min) && no_mrs_since(r) {
                err(
                    emit,
                    c,
                    format!("ERROR:  tRTW violation during {name} to bank {ba}"),
                );
            }
        }
        // tRCD is checked when the internal command fires, AL clocks later.
        let fire = x.now + al_ps;
        if x.real
            && self.bank[ba]
                .activate_ps
                .is_some_and(|a| fire - a + 1e-6 < t.t_rcd_ns * 1e3)
        {
            err(emit, c, format!("ERROR:  tRCD violation during {name}"));
        }
    }

    /// The bank-state failures, and what an accepted command leaves behind.
    fn apply(&mut self, x: &Cmd, emit: &mut Emit) {
        let (c, name, ba, now) = (x.c, x.name, x.ba, x.now);
        match c.kind {
            "MRS" | "REF" => {
                if self.bank[..self.banks].iter().any(|b| b.open) {
                    err(
                        emit,
                        c,
                        format!("ERROR: {name} Failure.  All banks must be Precharged."),
                    );
                } else if c.kind == "MRS" {
                    self.lat.load(c.ba.unwrap_or(0), c.a.unwrap_or(0));
                    self.last_mrs = Some(c.cycle);
                } else {
                    self.last_ref_ps = Some(now);
                    self.trfc_max_reported = false;
                }
            }
            "PRE" => {
                for b in self.targets(x) {
                    self.bank[b].open = false;
                    if !x.all {
                        self.bank[b].precharge_ps = Some(now);
                    }
                }
                if x.all {
                    self.last_prea_ps = Some(now);
                } else {
                    self.last_pre_ps = Some(now);
                }
            }
            "ACT" if x.init_done => {
                if self.bank[ba].open {
                    err(
                        emit,
                        c,
                        format!("ERROR: {name} Failure.  Bank {ba} must be Precharged."),
                    );
                } else {
                    self.bank[ba].open = true;
                    self.bank[ba].activate_ps = Some(now);
                    self.last_act_ps = Some(now);
                }
            }
            "WR" | "RD" if x.init_done => {
                if !self.bank[ba].open {
                    err(
                        emit,
                        c,
                        format!("ERROR: {name} Failure.  Bank {ba} must be Activated."),
                    );
                } else if c.kind == "WR" {
                    let lat = self.lat;
                    let end = now + (lat.wl() + lat.bl / 2) as f64 * emit.clock_ns * 1e3;
                    self.bank[ba].write_cycle = Some(c.cycle);
                    self.bank[ba].write_end_ps = Some(end);
                    self.write_end_ps = Some(end);
                    self.last_write = Some(c.cycle);
                } else {
                    self.last_read = Some(c.cycle);
                }
            }
            _ => {}
        }
    }
}
