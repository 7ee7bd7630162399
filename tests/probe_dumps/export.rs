//! The capture side of the probe-dump generator: a window of samples of the chosen nets, named
//! the way a hierarchy style names them, written in the export formats a bench produces.

use super::bench::{Owner, Probe};
use migcal_traces::sniff::OpenOptions;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Export formats.
#[derive(Clone, Copy, Debug)]
pub enum Fmt {
    /// A VCD of the samples' changes (1 ps timescale, buses as vectors).
    Vcd,
    /// Saleae Logic 2 digital CSV: one row per change.
    Saleae,
    /// sigrok-cli CSV: one row per sample, the rate in a `META` comment.
    Sigrok,
    /// Vivado ILA CSV with a radix row: one row per sample index.
    Ila,
    /// ChipScoPy ILA CSV: a GAP column the radix row leaves out.
    ChipScoPy,
    /// Legacy ChipScope Pro ASCII export: tab-separated ILA columns.
    ChipScopePrn,
}

pub const FORMATS: [Fmt; 6] = [
    Fmt::Vcd,
    Fmt::Saleae,
    Fmt::Sigrok,
    Fmt::Ila,
    Fmt::ChipScoPy,
    Fmt::ChipScopePrn,
];

/// Hierarchy styles.
#[derive(Clone, Copy, Debug)]
pub enum Style {
    /// ISE/FPGA Editor: `ddr2_ctrl_tandem/...`, generate labels in `()`, bits in `<>`.
    Ise,
    /// A Vivado ILA: `u_ddr/...`.
    Vivado,
    /// A Verilog test bench: `tb/dut/top_00/...`.
    Verilog,
}

/// One column of a dump: a net, or several bits of one bus probed together (`nets[i]` is bit
/// `lsb + i`).
pub struct Col {
    pub base: String,
    pub bus: Option<(u32, u32)>,
    pub nets: Vec<usize>,
}

/// A probe dump's samples: per sample instant, the value of each net.
pub struct Dump {
    pub cols: Vec<Col>,
    /// Sample times (fs) and one `0`/`1` per net.
    pub rows: Vec<(u64, Vec<u8>)>,
    pub period: u64,
}

/// The capture-side path of a net (without its bit) in a hierarchy style.
fn source_path(n: &super::bench::Net, style: Style) -> String {
    let prefix = match (n.owner, style) {
        (Owner::Pin, _) => "",
        (Owner::Foreign, Style::Verilog) => "tb/dut/",
        (Owner::Foreign, _) => "",
        (Owner::Mig, Style::Ise) => "ddr2_ctrl_tandem/",
        (Owner::Mig, Style::Vivado) => "u_ddr/",
        (Owner::Mig, Style::Verilog) => "tb/dut/top_00/",
    };
    let path = match style {
        Style::Ise => n.path.replace('[', "(").replace(']', ")"),
        _ => n.path.clone(),
    };
    format!("{prefix}{path}")
}

fn bit_name(base: &str, style: Style, msb: u32, lsb: Option<u32>) -> String {
    let (o, c) = match style {
        Style::Ise => ('<', '>'),
        _ => ('[', ']'),
    };
    match lsb {
        Some(l) => format!("{base}{o}{msb}:{l}{c}"),
        None => format!("{base}{o}{msb}{c}"),
    }
}

impl Col {
    /// The column's name in a CSV header.
    pub fn name(&self, style: Style) -> String {
        match self.bus {
            Some((msb, lsb)) if msb > lsb => bit_name(&self.base, style, msb, Some(lsb)),
            Some((b, _)) => bit_name(&self.base, style, b, None),
            None => self.base.clone(),
        }
    }
    /// Its value in a sample row, as hex digits (one bit: `0`/`1`).
    pub fn hex(&self, vals: &[u8]) -> String {
        let mut v: u64 = 0;
        for (i, n) in self.nets.iter().enumerate() {
            if vals[*n] == b'1' {
                v |= 1 << i;
            }
        }
        let digits = self.nets.len().div_ceil(4);
        format!("{v:0digits$X}")
    }
    /// Its value as VCD binary digits, msb first.
    pub fn binary(&self, vals: &[u8]) -> String {
        self.nets.iter().rev().map(|n| vals[*n] as char).collect()
    }
}

/// The columns of `nets`: with `buses`, the bits of one bus that form a contiguous range are
/// one column (an ILA probe or a VCD vector), else each bit is its own.
fn columns(nets: &[&Probe], style: Style, buses: bool) -> Vec<Col> {
    let mut cols: Vec<Col> = Vec::new();
    let mut order: Vec<usize> = (0..nets.len()).collect();
    order.sort_by_key(|&i| (source_path(&nets[i].0, style), nets[i].0.bit));
    for i in order {
        let n = &nets[i].0;
        let base = source_path(n, style);
        if let (true, Some(b), Some(last)) = (buses, n.bit, cols.last_mut()) {
            if last.base == base && last.bus.is_some_and(|(m, _)| m + 1 == b) {
                last.bus = last.bus.map(|(_, l)| (b, l));
                last.nets.push(i);
                continue;
            }
        }
        cols.push(Col {
            base,
            bus: n.bit.map(|b| (b, b)),
            nets: vec![i],
        });
    }
    cols
}

/// Samples `nets` at `start + k * period` for `depth` samples.
pub fn sample(
    nets: &[&Probe],
    style: Style,
    buses: bool,
    start: u64,
    period: u64,
    depth: usize,
) -> Dump {
    let mut idx = vec![0usize; nets.len()];
    let mut rows = Vec::with_capacity(depth);
    for k in 0..depth as u64 {
        let t = start + k * period;
        let mut vals = Vec::with_capacity(nets.len());
        for (i, (_, bits)) in nets.iter().enumerate() {
            while idx[i] + 1 < bits.len() && bits[idx[i] + 1].0 <= t {
                idx[i] += 1;
            }
            let v = match bits.get(idx[i]) {
                Some((ct, b)) if *ct <= t => *b,
                _ => b'0',
            };
            vals.push(if v == b'1' { b'1' } else { b'0' });
        }
        rows.push((t, vals));
    }
    Dump {
        cols: columns(nets, style, buses),
        rows,
        period,
    }
}

fn vcd(d: &Dump, style: Style, s: &mut String) {
    s.push_str("$timescale 1ps $end\n");
    for (k, c) in d.cols.iter().enumerate() {
        let (scopes, leaf) = c.base.rsplit_once('/').unwrap_or(("", &c.base));
        let scopes: Vec<&str> = scopes.split('/').filter(|x| !x.is_empty()).collect();
        for sc in &scopes {
            let _ = writeln!(s, "$scope module {sc} $end");
        }
        let leaf = match c.bus {
            Some((msb, lsb)) if msb > lsb => format!("{leaf} [{msb}:{lsb}]"),
            Some((b, _)) => bit_name(leaf, style, b, None),
            None => leaf.to_string(),
        };
        let _ = writeln!(s, "$var wire {} n{k} {leaf} $end", c.nets.len());
        for _ in &scopes {
            s.push_str("$upscope $end\n");
        }
    }
    s.push_str("$enddefinitions $end\n");
    let mut prev: Option<&Vec<u8>> = None;
    for (t, v) in &d.rows {
        let changed: Vec<usize> = (0..d.cols.len())
            .filter(|k| prev.is_none_or(|p| d.cols[*k].nets.iter().any(|n| p[*n] != v[*n])))
            .collect();
        if !changed.is_empty() {
            let _ = writeln!(s, "#{}", t / 1000);
            for k in changed {
                match d.cols[k].nets.len() {
                    1 => {
                        let _ = writeln!(s, "{}n{k}", d.cols[k].binary(v));
                    }
                    _ => {
                        let _ = writeln!(s, "b{} n{k}", d.cols[k].binary(v));
                    }
                }
            }
        }
        prev = Some(v);
    }
    if let Some((t, _)) = d.rows.last() {
        let _ = writeln!(s, "#{}", t / 1000);
    }
}

fn saleae(d: &Dump, style: Style, s: &mut String) {
    s.push_str("Time [s]");
    for c in &d.cols {
        let _ = write!(s, ",{}", c.name(style));
    }
    s.push('\n');
    let mut prev: Option<&Vec<u8>> = None;
    for (t, v) in &d.rows {
        if prev != Some(v) {
            let ps = t / 1000;
            let _ = write!(
                s,
                "{}.{:012}",
                ps / 1_000_000_000_000,
                ps % 1_000_000_000_000
            );
            for c in &d.cols {
                let _ = write!(s, ",{}", c.binary(v));
            }
            s.push('\n');
        }
        prev = Some(v);
    }
}

fn sigrok(d: &Dump, style: Style, s: &mut String) {
    let names: Vec<String> = d.cols.iter().map(|c| c.name(style)).collect();
    let _ = writeln!(s, "; CSV generated by libsigrok 0.5.2\n; from unknown on Thu Dec  3 12:00:00 2026\n; Channels ({0}/{0}): {1}", names.len(), names.join(", "));
    let rate = 1e15 / d.period as f64;
    let _ = writeln!(s, "META samplerate: {}", rate.round() as u64);
    s.push_str(&vec!["logic"; names.len()].join(","));
    s.push('\n');
    for (_, v) in &d.rows {
        let row: Vec<String> = d.cols.iter().map(|c| c.binary(v)).collect();
        s.push_str(&row.join(","));
        s.push('\n');
    }
}

/// The ILA family: `Sample in Buffer`, `Sample in Window`, `TRIGGER` (at the window's middle),
/// ChipScoPy's `GAP`, then one HEX column per probe.
fn ila(d: &Dump, style: Style, delim: &str, gap: bool, s: &mut String) {
    let mut head = vec!["Sample in Buffer", "Sample in Window", "TRIGGER"];
    let mut radix = vec!["Radix - UNSIGNED", "UNSIGNED", "UNSIGNED"];
    if gap {
        head.push("GAP");
    }
    let names: Vec<String> = d.cols.iter().map(|c| c.name(style)).collect();
    s.push_str(&head.join(delim));
    for n in &names {
        let _ = write!(s, "{delim}{n}");
    }
    radix.extend(std::iter::repeat_n("HEX", names.len()));
    let _ = writeln!(s, "\n{}", radix.join(delim));
    let trig = d.rows.len() / 2;
    for (k, (_, v)) in d.rows.iter().enumerate() {
        let _ = write!(s, "{k}{delim}{k}{delim}{}", (k == trig) as u8);
        if gap {
            let _ = write!(s, "{delim}0");
        }
        for c in &d.cols {
            let _ = write!(s, "{delim}{}", c.hex(v));
        }
        s.push('\n');
    }
}

/// Writes the dump as `fmt` into `dir`; the options a user gives with it (the sample period of
/// a sample-indexed export).
pub fn write(d: &Dump, fmt: Fmt, style: Style, dir: &Path, i: usize) -> (PathBuf, OpenOptions) {
    let mut s = String::new();
    let mut opts = OpenOptions::default();
    let ext = match fmt {
        Fmt::Vcd => {
            vcd(d, style, &mut s);
            "vcd"
        }
        Fmt::Saleae => {
            saleae(d, style, &mut s);
            "csv"
        }
        Fmt::Sigrok => {
            sigrok(d, style, &mut s);
            "csv"
        }
        Fmt::Ila | Fmt::ChipScoPy | Fmt::ChipScopePrn => {
            let (delim, gap, ext) = match fmt {
                Fmt::Ila => (",", false, "csv"),
                Fmt::ChipScoPy => (",", true, "csv"),
                _ => ("\t", false, "prn"),
            };
            ila(d, style, delim, gap, &mut s);
            opts.sample_period_fs = Some(d.period);
            ext
        }
    };
    let path = dir.join(format!("case{i}.{ext}"));
    std::fs::write(&path, s).unwrap();
    (path, opts)
}
