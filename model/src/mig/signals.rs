//! The traced signals: one table ([`SIGNALS`]) gives every signal's scope, MIG name, width and
//! how its value is read from the design. [`Mig::signal_decls`] and [`Mig::visit`] both walk it,
//! so the declarations and the values can never fall out of order; adding a signal is one row.

use super::{Mig, Params, Profile, Regs, TOP};
use crate::data_tap_inc;
use crate::ddr2_controller as ctrl;
use crate::logic::Lv;
use crate::pattern_compare8 as pc;
use crate::probe::{Probe, SignalDecl, Value};
use crate::rd_data;
use crate::tap_ctrl;

/// The scope a signal sits in (the golden VCDs' hierarchy); the per-group, per-line and
/// per-lane scopes take the section's index.
#[derive(Clone, Copy, Debug)]
enum Scope {
    /// `tb`: the testbench nets.
    Tb,
    /// `data_path_00`.
    DataPath,
    /// `data_path_00/tap_logic_00`.
    TapLogic,
    /// `tap_ctrl_gen(i)/tap_ctrl_0` in tap_logic.
    TapCtrl,
    /// `tap_ctrl_gen(i)/data_tap_inc_0` in tap_logic.
    DataTapInc,
    /// The IDELAY of DQ line i.
    IdelayDq,
    /// `user_interface_00/rd_data_00`.
    RdData,
    /// `pattern_compare4_gen(i)/pattern_0` in rd_data.
    PatternCompare,
    /// `user_interface_00/backend_fifos_00`.
    BackendFifos,
    /// The controller (`ddr_controller_00` or `ddr2_controller_00`, by profile).
    Controller,
}

impl Scope {
    fn path(self, p: &Params, i: u32) -> String {
        let tl = format!("{TOP}/data_path_00/tap_logic_00");
        let rd = format!("{TOP}/user_interface_00/rd_data_00");
        match self {
            Scope::Tb => "tb".to_string(),
            Scope::DataPath => format!("{TOP}/data_path_00"),
            Scope::TapLogic => tl,
            Scope::TapCtrl => format!("{tl}/tap_ctrl_gen({i})/tap_ctrl_0"),
            Scope::DataTapInc => format!("{tl}/tap_ctrl_gen({i})/data_tap_inc_0"),
            Scope::IdelayDq => {
                format!("{TOP}/iobs_00/data_path_iobs_00/v4_dq_iob_gen({i})/v4_dq_iob_0/idelay_dq")
            }
            Scope::RdData => rd,
            Scope::PatternCompare => format!("{rd}/pattern_compare4_gen({i})/pattern_0"),
            Scope::BackendFifos => format!("{TOP}/user_interface_00/backend_fifos_00"),
            Scope::Controller => format!("{TOP}/{}", p.controller_scope()),
        }
    }
}

/// A signal's width, where it follows the build.
#[derive(Clone, Copy, Debug)]
enum Width {
    /// A fixed number of bits.
    Bits(u32),
    /// The data width.
    Data,
    /// One bit per tap_logic group.
    Groups,
    /// One bit per line of a tap_logic group.
    LinesPerGroup,
    /// `init_data`: rise and fall halves of the data bus, at most 64 bits each.
    InitData,
    /// `init_state`: 5 (binary, minimodule) or 22 (one-hot, ddr2).
    InitState,
    /// The IDELAY stand-in's integer `tap`, dumped as a 32-bit integer.
    Integer,
}

impl Width {
    fn bits(self, p: &Params) -> u32 {
        match self {
            Width::Bits(n) => n,
            Width::Data => p.data_width,
            Width::Groups => p.groups,
            Width::LinesPerGroup => p.lines_per_group,
            Width::InitData => 2 * p.data_width.min(64),
            Width::InitState => match p.profile {
                Profile::Minimodule => 5,
                Profile::Ddr2 => 22,
            },
            Width::Integer => 32,
        }
    }
}

/// How often a section of the table repeats.
#[derive(Clone, Copy, Debug)]
enum Each {
    /// Once.
    Once,
    /// Once per tap_logic group.
    Group,
    /// Once per DQ line.
    Line,
    /// Once per byte lane.
    Lane,
}

impl Each {
    fn count(self, p: &Params) -> u32 {
        match self {
            Each::Once => 1,
            Each::Group => p.groups,
            Each::Line => p.data_width,
            Each::Lane => p.data_width / 8,
        }
    }
}

/// The design at one instant, with every block's outputs computed once for the rows to read.
struct View<'a> {
    p: &'a Params,
    r: &'a Regs,
    c: &'a ctrl::Common,
    co: ctrl::Out,
    /// The command/address pins as a probe at the controller shows them (a bridge at the
    /// controller end or on the trace shows its wired level there).
    pins: crate::board::CmdPins,
    tap_outs: Vec<tap_ctrl::Out>,
    dti: Vec<data_tap_inc::Out>,
    pco: Vec<pc::Out>,
    comp_done: bool,
}

impl<'a> View<'a> {
    fn new(mig: &'a Mig) -> Self {
        let (r, p) = (&mig.regs, &mig.p);
        let tap_outs: Vec<tap_ctrl::Out> = r.tap_ctrl.iter().map(tap_ctrl::outputs).collect();
        let dti = r
            .data_tap_inc
            .iter()
            .zip(&tap_outs)
            .map(|(d, t)| data_tap_inc::outputs(d, t, &p.data_tap_inc))
            .collect();
        let pco: Vec<pc::Out> = r.pattern.iter().map(pc::outputs).collect();
        let co = ctrl::outputs(&r.ctrl, &p.ctrl);
        View {
            p,
            r,
            c: r.ctrl.common(),
            co,
            pins: p.board.cmd_at_controller(&super::step::driven_pins(&co)),
            comp_done: rd_data::comp_done(&pco),
            tap_outs,
            dti,
            pco,
        }
    }

    /// `x`, or unknown before the controller's first edge in reset (no power-up value).
    fn defined(&self, x: Value, width: u32) -> Value {
        if self.c.defined {
            x
        } else {
            Value::unknown(width)
        }
    }

    /// `x` once backend_fifos has seen its first edge, unknown before.
    fn backend(&self, x: Value, width: u32) -> Value {
        if self.r.backend.defined {
            x
        } else {
            Value::unknown(width)
        }
    }

    /// One bit per group.
    fn per_group(&self, f: impl Fn(usize) -> Lv) -> Value {
        let mut v = Value::default();
        for g in 0..self.p.groups as usize {
            let x = f(g);
            v.bits |= (x.v & 1) << g;
            v.unknown |= (x.x & 1) << g;
        }
        v
    }

    /// tap_logic's per-line IDELAY controls (the `data_dlyinc` or `data_dlyce` bits of each group);
    /// lines beyond the calibrated groups are not driven by tap_logic.
    fn per_line(&self, f: impl Fn(&data_tap_inc::Out) -> u32) -> Value {
        let lpg = self.p.lines_per_group;
        let mut bits = 0u128;
        for (g, d) in self.dti.iter().enumerate() {
            bits |= (f(d) as u128) << (g as u32 * lpg);
        }
        let driven = crate::logic::mask(self.p.groups * lpg);
        Value {
            bits,
            unknown: crate::logic::mask(self.p.data_width) & !driven,
            highz: 0,
        }
    }
}

fn b(x: bool) -> Value {
    Value::known(x as u128)
}

fn k(x: impl Into<u128>) -> Value {
    Value::known(x.into())
}

fn lv(x: Lv) -> Value {
    Value {
        bits: x.v,
        unknown: x.x,
        highz: 0,
    }
}

fn kb(x: bool) -> Lv {
    Lv::known(x as u128)
}

/// One traced signal: scope, MIG name, width and its value at index `i` of its section.
struct Row {
    scope: Scope,
    name: &'static str,
    width: Width,
    value: fn(&View, usize) -> Value,
}

/// A run of rows repeated together (per group: the tap_ctrl rows, then the data_tap_inc rows).
struct Section {
    each: Each,
    rows: &'static [Row],
}

const fn row(
    scope: Scope,
    name: &'static str,
    width: Width,
    value: fn(&View, usize) -> Value,
) -> Row {
    Row {
        scope,
        name,
        width,
        value,
    }
}

use Scope::*;
use Width::*;

/// Every traced signal, in the golden VCDs' declaration order.
const SIGNALS: &[Section] = &[
    Section {
        each: Each::Once,
        rows: &[
            row(Tb, "a", Bits(13), |v, _| k(v.pins.a)),
            row(Tb, "ba", Bits(2), |v, _| k(v.pins.ba)),
            row(Tb, "cke", Bits(1), |v, _| b(v.pins.cke)),
            row(Tb, "cs_n", Bits(1), |v, _| b(v.pins.cs_n)),
            row(Tb, "ras_n", Bits(1), |v, _| b(v.pins.ras_n)),
            row(Tb, "cas_n", Bits(1), |v, _| b(v.pins.cas_n)),
            row(Tb, "we_n", Bits(1), |v, _| b(v.pins.we_n)),
            row(Tb, "init_done", Bits(1), |v, _| b(v.co.init_done)),
            row(DataPath, "ctrl_dummyread_start", Bits(1), |v, _| {
                b(v.co.ctrl_dummyread_start)
            }),
            row(TapLogic, "data_idelay_inc", Data, |v, _| {
                v.per_line(|d| d.data_dlyinc)
            }),
            row(TapLogic, "data_idelay_ce", Data, |v, _| {
                v.per_line(|d| d.data_dlyce)
            }),
            row(TapLogic, "dlyinc_dqs", Groups, |v, _| {
                v.per_group(|g| kb(v.tap_outs[g].dlyinc))
            }),
            row(TapLogic, "dlyce_dqs", Groups, |v, _| {
                v.per_group(|g| kb(v.tap_outs[g].dlyce))
            }),
            row(TapLogic, "dlyinc_global_flag_dqs", Groups, |v, _| {
                v.per_group(|g| kb(v.tap_outs[g].dlyinc_global_flag))
            }),
            row(TapLogic, "chan_done_dqs", Groups, |v, _| {
                v.per_group(|g| kb(v.tap_outs[g].chan_done))
            }),
            row(TapLogic, "dq_data_dqs", Groups, |v, _| {
                v.per_group(|g| v.dti[g].dq_data)
            }),
            row(TapLogic, "bit_boundary_check_dqs", Groups, |v, _| {
                v.per_group(|g| kb(v.dti[g].bit_boundary_check))
            }),
            row(TapLogic, "calib_done_dqs", Groups, |v, _| {
                v.per_group(|g| kb(v.dti[g].calib_done))
            }),
            row(TapLogic, "data_tap_inc_done", Bits(1), |v, _| {
                b(v.r.tap_logic.data_tap_inc_done)
            }),
            row(TapLogic, "tap_sel_done", Bits(1), |v, _| {
                b(v.r.tap_logic.tap_sel_done)
            }),
        ],
    },
    Section {
        each: Each::Group,
        rows: &[
            row(TapCtrl, "dec_count", Bits(6), |v, g| {
                k(v.r.tap_ctrl[g].dec_count)
            }),
            row(TapCtrl, "current_state", Bits(4), |v, g| {
                k(v.r.tap_ctrl[g].current_state)
            }),
            row(TapCtrl, "compare", Bits(1), |v, g| {
                b(v.r.tap_ctrl[g].compare)
            }),
            row(TapCtrl, "check_boundary_count", Bits(4), |v, g| {
                k(v.r.tap_ctrl[g].check_boundary_count)
            }),
            row(TapCtrl, "bit_boundary_aligned", Bits(1), |v, g| {
                b(v.r.tap_ctrl[g].bit_boundary_aligned)
            }),
            row(TapCtrl, "init_tap_cnt", Bits(6), |v, g| {
                k(v.r.tap_ctrl[g].init_tap_cnt)
            }),
            row(TapCtrl, "tap_inc", Bits(2), |v, g| {
                k(v.r.tap_ctrl[g].tap_inc)
            }),
            row(TapCtrl, "calib_start", Bits(1), |v, g| {
                b(v.r.tap_ctrl[g].calib_start)
            }),
            row(TapCtrl, "tap_count", Bits(6), |v, g| {
                k(v.r.tap_ctrl[g].tap_count)
            }),
            row(DataTapInc, "calib_done_int", Bits(1), |v, g| {
                b(v.r.data_tap_inc[g].calib_done_int)
            }),
            row(DataTapInc, "calibration_dq_r", LinesPerGroup, |v, g| {
                lv(v.r.data_tap_inc[g].calibration_dq_r)
            }),
            row(DataTapInc, "chan_sel_int", LinesPerGroup, |v, g| {
                k(v.r.data_tap_inc[g].chan_sel_int)
            }),
        ],
    },
    Section {
        each: Each::Line,
        rows: &[row(IdelayDq, "tap", Integer, |v, line| k(v.r.taps[line]))],
    },
    Section {
        each: Each::Once,
        rows: &[
            row(RdData, "read_data_rise", Data, |v, _| lv(v.r.iddr.q1)),
            row(RdData, "read_data_fall", Data, |v, _| lv(v.r.iddr.q2)),
            row(RdData, "comp_done", Bits(1), |v, _| b(v.comp_done)),
        ],
    },
    Section {
        each: Each::Lane,
        rows: &[
            row(PatternCompare, "ctrl_rden", Bits(1), |v, _| {
                b(v.co.ctrl_rden)
            }),
            row(PatternCompare, "rd_data_rise", Bits(8), |v, l| {
                lv(v.r.iddr.q1.field(8 * l as u32, 8))
            }),
            row(PatternCompare, "rd_data_fall", Bits(8), |v, l| {
                lv(v.r.iddr.q2.field(8 * l as u32, 8))
            }),
            row(PatternCompare, "comp_done", Bits(1), |v, l| {
                b(v.pco[l].comp_done)
            }),
            row(PatternCompare, "first_rising", Bits(1), |v, l| {
                b(v.pco[l].first_rising)
            }),
            row(PatternCompare, "rd_en_rise", Bits(1), |v, l| {
                b(v.r.pattern[l].rd_en_rise)
            }),
            row(PatternCompare, "rd_en_fall", Bits(1), |v, l| {
                b(v.r.pattern[l].rd_en_fall)
            }),
            row(PatternCompare, "clk_cnt_rise", Bits(4), |v, l| {
                k(v.r.pattern[l].clk_cnt_rise)
            }),
            row(PatternCompare, "clk_cnt_fall", Bits(4), |v, l| {
                k(v.r.pattern[l].clk_cnt_fall)
            }),
            row(PatternCompare, "clk_count_rise", Bits(4), |v, l| {
                k(v.pco[l].clk_count_rise)
            }),
            row(PatternCompare, "clk_count_fall", Bits(4), |v, l| {
                k(v.pco[l].clk_count_fall)
            }),
        ],
    },
    Section {
        each: Each::Once,
        rows: &[
            row(BackendFifos, "init_count", Bits(3), |v, _| {
                v.backend(k(v.r.backend.init_count), 3)
            }),
            row(BackendFifos, "init_wren", Bits(1), |v, _| {
                v.backend(b(v.r.backend.init_wren), 1)
            }),
            // Before the first edge only the low 32 bits show unknown (as the goldens have it).
            row(BackendFifos, "init_data", InitData, |v, _| {
                let (rise, fall) = v.r.backend.init_data;
                v.backend(k((rise << v.p.data_width) | fall), 32)
            }),
            row(BackendFifos, "init_flag", Bits(1), |v, _| {
                v.backend(b(v.r.backend.init_flag), 1)
            }),
            row(Controller, "comp_done", Bits(1), |v, _| b(v.comp_done)),
            row(Controller, "phy_dly_slct_done", Bits(1), |v, _| {
                b(v.r.tap_logic.tap_sel_done)
            }),
            row(Controller, "ctrl_dummy_wr_sel", Bits(1), |v, _| {
                lv(v.co.ctrl_dummy_wr_sel)
            }),
            row(Controller, "ctrl_dummyread_start", Bits(1), |v, _| {
                v.defined(b(v.co.ctrl_dummyread_start), 1)
            }),
            row(Controller, "ctrl_wdf_rden", Bits(1), |v, _| {
                b(v.co.ctrl_wdf_rden)
            }),
            row(Controller, "ctrl_wren", Bits(1), |v, _| b(v.co.ctrl_wren)),
            row(Controller, "ctrl_rden", Bits(1), |v, _| b(v.co.ctrl_rden)),
            row(Controller, "init_done", Bits(1), |v, _| b(v.co.init_done)),
            row(Controller, "dummy_write_flag", Bits(1), |v, _| {
                b(v.co.dummy_write_flag)
            }),
            row(Controller, "init_count", Bits(4), |v, _| {
                v.defined(k(v.c.init_count), 4)
            }),
            row(Controller, "init_memory", Bits(1), |v, _| {
                b(v.c.init_memory)
            }),
            row(Controller, "count_200_cycle", Bits(8), |v, _| {
                k(v.c.count_200_cycle)
            }),
            row(Controller, "ref_flag", Bits(1), |v, _| b(v.co.ref_flag)),
            row(Controller, "auto_ref", Bits(1), |v, _| b(v.c.auto_ref)),
            row(Controller, "state", Bits(5), |v, _| k(v.c.state)),
            row(Controller, "count_200cycle_done_r", Bits(1), |v, _| {
                b(v.c.count_200cycle_done_r)
            }),
            row(Controller, "init_done_int", Bits(1), |v, _| {
                b(v.c.init_done_int)
            }),
            row(Controller, "cke_200us_cnt", Bits(5), |v, _| {
                v.defined(k(v.c.cke_200us_cnt), 5)
            }),
            row(Controller, "done_200us", Bits(1), |v, _| {
                v.defined(b(v.c.done_200us), 1)
            }),
            row(Controller, "comp_done_r", Bits(1), |v, _| {
                b(v.c.comp_done_r)
            }),
            row(Controller, "init_state", InitState, |v, _| {
                k(match v.p.profile {
                    Profile::Minimodule => v.c.init_state as u128,
                    Profile::Ddr2 => 1u128 << v.c.init_state,
                })
            }),
        ],
    },
];

impl Mig {
    /// The traced signals, with the golden VCDs' hierarchical names and widths.
    pub fn signal_decls(&self) -> Vec<SignalDecl> {
        let p = &self.p;
        let mut v = Vec::new();
        for sec in SIGNALS {
            for i in 0..sec.each.count(p) {
                for row in sec.rows {
                    v.push(SignalDecl {
                        name: format!("{}/{}", row.scope.path(p, i), row.name),
                        width: row.width.bits(p),
                        integer: matches!(row.width, Width::Integer),
                    });
                }
            }
        }
        v
    }

    /// Report every signal's current value, in [`Mig::signal_decls`] order.
    pub fn visit(&self, probe: &mut dyn Probe) {
        let view = View::new(self);
        let mut id = 0usize;
        for sec in SIGNALS {
            for i in 0..sec.each.count(&self.p) as usize {
                for row in sec.rows {
                    probe.value(id, (row.value)(&view, i));
                    id += 1;
                }
            }
        }
    }
}
