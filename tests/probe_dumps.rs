//! Probe dumps as a bench produces them (issue 18): simulated runs (fault kinds, both profiles)
//! cut into the captures an engineer brings back: a few of the field method's nets (spec §7) or
//! the DDR pins, a window of 1 k to 128 k samples triggered before, on or after the failure,
//! sampled at 50 to 400 MHz synchronous to clk_0 or not, exported as a VCD, a Saleae Logic 2
//! CSV, a sigrok CSV or an ILA CSV under an ISE (`<n>`), Vivado or Verilog hierarchy.
//!
//! Property: the diagnosis is never wrong. It is right (the verdict and stage of the complete
//! trace, and no DQ line the complete trace does not blame), or it says it cannot decide and
//! what to capture (`undecidable`), or it is right about the verdict and stage and says what it
//! cannot tell about the lines. The seed is fixed; the share of right answers is printed.

mod common;

use migcal::analysis::capture::Capture;
use migcal::analysis::{analyze, Config};
use migcal::diagnose::{diagnose, undecidable, Diagnosis, RuleConfig};
use migcal::run::{simulate, trace_signals, Options};
use migcal::scenario::Scenario;
use migcal_traces::sniff::{self, OpenOptions};
use migcal_traces::ChangeSource;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// clk_0 of every scenario below (the profiles' 200 MHz).
const CLK_FS: u64 = 5_000_000;

/// A net the bench can probe: canonical name (bit-selected), its path under the MIG top, the
/// bit when it is one bit of a bus.
struct Net {
    canon: String,
    path: String,
    bit: Option<u32>,
}

/// The field method's nets (spec §7) and their neighbours, per group.
fn field_nets(groups: u32) -> Vec<Net> {
    let mut v = vec![
        net(
            "tap_logic/tap_sel_done",
            "data_path_00/tap_logic_00/tap_sel_done",
            None,
        ),
        net(
            "tap_logic/data_tap_inc_done",
            "data_path_00/tap_logic_00/data_tap_inc_done",
            None,
        ),
        net(
            "ddr_controller/init_done",
            "ddr_controller_00/init_done",
            None,
        ),
        net(
            "rd_data/comp_done",
            "user_interface_00/rd_data_00/COMP_DONE",
            None,
        ),
    ];
    for g in 0..groups {
        for s in ["dlyce_dqs", "dlyinc_dqs", "chan_done_dqs", "calib_done_dqs"] {
            v.push(net(
                &format!("tap_logic/{s}[{g}]"),
                &format!("data_path_00/tap_logic_00/{s}"),
                Some(g),
            ));
        }
        v.push(net(
            &format!("data_tap_inc[{g}]/calib_done_int"),
            &format!("data_path_00/tap_logic_00/tap_ctrl_gen[{g}].data_tap_inc_0/calib_done_int"),
            None,
        ));
        v.push(net(
            &format!("pattern_compare[{g}]/clk_cnt_rise[0]"),
            &format!(
                "user_interface_00/rd_data_00/pattern_compare4_gen[{g}].pattern_0/clk_cnt_rise"
            ),
            Some(0),
        ));
    }
    v
}

/// The command pins.
fn bus_nets() -> Vec<Net> {
    ["cs_n", "ras_n", "cas_n", "we_n", "cke"]
        .iter()
        .map(|p| net(&format!("pins/{p}"), &format!("ddr2_{p}"), None))
        .collect()
}

/// The whole canonical signal a net is (a bit of).
fn whole(n: &Net) -> String {
    match n.bit {
        Some(_) => n
            .canon
            .rsplit_once('[')
            .map(|x| x.0)
            .unwrap_or(&n.canon)
            .to_string(),
        None => n.canon.clone(),
    }
}

fn net(canon: &str, path: &str, bit: Option<u32>) -> Net {
    Net {
        canon: canon.into(),
        path: path.into(),
        bit,
    }
}

/// A small deterministic generator (xorshift64*), so the case set is fixed by the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len())]
    }
}

/// One simulated run: every probe-able net's changes (time, bit), and the complete trace's
/// diagnosis (the truth).
struct Run {
    name: String,
    nets: Vec<(Net, Vec<(u64, u8)>)>,
    end: u64,
    truth: Diagnosis,
    /// Times to trigger on: dummy reads start, stage 2 done, the last change.
    anchors: Vec<u64>,
}

fn scenario_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("sim/scenarios")
        .join(rel)
}

fn run(rel: &str) -> Run {
    let scn = Scenario::load(&scenario_path(rel)).expect("scenario");
    let (outcome, _) = simulate(
        &scn,
        &Options {
            vcd: false,
            pads: false,
            skip_idle: true,
        },
    )
    .expect("runs");
    let groups = outcome.facts.calib_done.len() as u32;
    let mut all = field_nets(groups.min(2));
    all.extend(bus_nets());
    let wanted: Vec<String> = all
        .iter()
        .map(whole)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let (mut src, map) = trace_signals(&scn, &wanted).expect("trace");
    let header = src.header().clone();
    let mut per: Vec<Vec<(u64, Vec<u8>)>> = vec![Vec::new(); header.signals.len()];
    while let Some(c) = src.next_change().expect("change") {
        let migcal_traces::ValueRef::Bits(b) = c.value else {
            continue;
        };
        per[c.signal as usize].push((c.time, b.to_vec()));
    }
    let end = src.last_time();
    let mut nets = Vec::new();
    for n in all {
        let whole = whole(&n);
        let Some(id) = map
            .bindings()
            .iter()
            .find(|b| b.name == whole)
            .and_then(|b| b.whole)
            .map(|id| id as usize)
        else {
            continue;
        };
        let width = header.signals[id].width as usize;
        let bit = n.bit.unwrap_or(0) as usize;
        if bit >= width {
            continue;
        }
        let mut bits: Vec<(u64, u8)> = Vec::new();
        for (t, v) in &per[id] {
            let b = v[width - 1 - bit];
            if bits.last().map(|l| l.1) != Some(b) {
                bits.push((*t, b));
            }
        }
        nets.push((n, bits));
    }
    let f = &outcome.facts;
    let mut anchors: Vec<u64> = [f.dummyread_start, f.tap_sel_done, f.init_done]
        .into_iter()
        .flatten()
        .collect();
    let last_change = nets
        .iter()
        .filter_map(|(_, b)| b.iter().rev().find(|(t, _)| *t < end).map(|(t, _)| *t))
        .filter(|t| *t > 0)
        .fold(0, u64::max);
    anchors.push(last_change);
    Run {
        name: rel.into(),
        nets,
        end,
        truth: outcome.diagnosis,
        anchors,
    }
}

#[derive(Clone, Copy, Debug)]
enum Fmt {
    Vcd,
    Saleae,
    Sigrok,
    Ila,
}

#[derive(Clone, Copy, Debug)]
enum Style {
    Ise,
    Vivado,
    Verilog,
}

/// The capture-side name of a net in a hierarchy style.
fn source_name(n: &Net, style: Style) -> String {
    let (prefix, path) = match style {
        Style::Ise => (
            "ddr2_ctrl_tandem/",
            n.path.replace('[', "(").replace(']', ")"),
        ),
        Style::Vivado => ("u_ddr/", n.path.clone()),
        Style::Verilog => ("tb/dut/top_00/", n.path.clone()),
    };
    let path = if n.path.starts_with("ddr2_") {
        n.path.clone()
    } else {
        format!("{prefix}{path}")
    };
    match (n.bit, style) {
        (Some(b), Style::Ise) => format!("{path}<{b}>"),
        (Some(b), _) => format!("{path}[{b}]"),
        (None, _) => path,
    }
}

/// A probe dump's samples: per sample instant, the value of each net.
struct Dump {
    names: Vec<String>,
    /// Sample times (fs) and one `0`/`1` per net.
    rows: Vec<(u64, Vec<u8>)>,
    period: u64,
}

/// Samples `nets` at `start + k * period` for `depth` samples.
fn sample(
    nets: &[&(Net, Vec<(u64, u8)>)],
    style: Style,
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
        names: nets.iter().map(|(n, _)| source_name(n, style)).collect(),
        rows,
        period,
    }
}

fn write(d: &Dump, fmt: Fmt, dir: &Path, i: usize) -> (PathBuf, OpenOptions) {
    let mut s = String::new();
    let mut opts = OpenOptions::default();
    let name = match fmt {
        Fmt::Vcd => {
            s.push_str("$timescale 1ps $end\n");
            for (k, n) in d.names.iter().enumerate() {
                let (scopes, leaf) = n.rsplit_once('/').unwrap_or(("", n));
                for sc in scopes.split('/').filter(|x| !x.is_empty()) {
                    let _ = writeln!(s, "$scope module {sc} $end");
                }
                let _ = writeln!(s, "$var wire 1 n{k} {leaf} $end");
                for _ in scopes.split('/').filter(|x| !x.is_empty()) {
                    s.push_str("$upscope $end\n");
                }
            }
            s.push_str("$enddefinitions $end\n");
            let mut prev: Option<&Vec<u8>> = None;
            for (t, v) in &d.rows {
                let changed: Vec<usize> = (0..v.len())
                    .filter(|k| prev.is_none_or(|p| p[*k] != v[*k]))
                    .collect();
                if !changed.is_empty() {
                    let _ = writeln!(s, "#{}", t / 1000);
                    for k in changed {
                        let _ = writeln!(s, "{}n{k}", v[k] as char);
                    }
                }
                prev = Some(v);
            }
            if let Some((t, _)) = d.rows.last() {
                let _ = writeln!(s, "#{}", t / 1000);
            }
            "vcd"
        }
        Fmt::Saleae => {
            s.push_str("Time [s]");
            for n in &d.names {
                let _ = write!(s, ",{n}");
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
                    for b in v {
                        let _ = write!(s, ",{}", *b as char);
                    }
                    s.push('\n');
                }
                prev = Some(v);
            }
            "csv"
        }
        Fmt::Sigrok => {
            let _ = writeln!(s, "; CSV generated by libsigrok 0.5.2\n; from unknown on Thu Dec  3 12:00:00 2026\n; Channels ({0}/{0}): {1}", d.names.len(), d.names.join(", "));
            let rate = 1e15 / d.period as f64;
            let _ = writeln!(s, "META samplerate: {}", rate.round() as u64);
            s.push_str(&vec!["logic"; d.names.len()].join(","));
            s.push('\n');
            for (_, v) in &d.rows {
                let row: Vec<String> = v.iter().map(|b| (*b as char).to_string()).collect();
                s.push_str(&row.join(","));
                s.push('\n');
            }
            "csv"
        }
        Fmt::Ila => {
            s.push_str("Sample in Buffer,Sample in Window,TRIGGER");
            for n in &d.names {
                let _ = write!(s, ",{n}");
            }
            s.push_str("\nRadix - UNSIGNED,UNSIGNED,UNSIGNED");
            for _ in &d.names {
                s.push_str(",HEX");
            }
            s.push('\n');
            let trig = d.rows.len() / 2;
            for (k, (_, v)) in d.rows.iter().enumerate() {
                let _ = write!(s, "{k},{k},{}", (k == trig) as u8);
                for b in v {
                    let _ = write!(s, ",{}", *b as char);
                }
                s.push('\n');
            }
            opts.sample_period_fs = Some(d.period);
            "csv"
        }
    };
    let path = dir.join(format!("case{i}.{name}"));
    std::fs::write(&path, s).unwrap();
    (path, opts)
}

/// How one case came out.
#[derive(Debug, PartialEq)]
enum Judged {
    Right,
    /// Said what it cannot tell (undecidable, or right verdict with the lines left open).
    Honest,
    Wrong(String),
}

fn judge(truth: &Diagnosis, path: &Path, opts: &OpenOptions) -> Judged {
    let src = match sniff::open(path, opts) {
        Ok(s) => s,
        Err(e) => return Judged::Wrong(format!("unreadable: {e}")),
    };
    let c = match Capture::from_source(path.display().to_string(), src, None) {
        Ok(c) => c,
        Err(e) => return Judged::Wrong(format!("binding: {e}")),
    };
    let f = analyze(
        &c,
        &Config {
            profile: Some(truth_profile(truth)),
            clock: None,
        },
    );
    if let Some(why) = undecidable(&f) {
        return if why.to_lowercase().contains("capture") {
            Judged::Honest
        } else {
            Judged::Wrong(format!("undecided without saying what to capture: {why}"))
        };
    }
    let d = diagnose(&f, &RuleConfig::default());
    if (d.verdict, d.stage) != (truth.verdict, truth.stage) {
        return Judged::Wrong(format!(
            "said {:?}/{:?} ({}), truth {:?}/{:?} ({})",
            d.verdict, d.stage, d.cause, truth.verdict, truth.stage, truth.cause
        ));
    }
    if d.faulty_dq.iter().any(|q| !truth.faulty_dq.contains(q)) {
        return Judged::Wrong(format!(
            "blamed {:?}, truth {:?}",
            d.faulty_dq, truth.faulty_dq
        ));
    }
    if d.faulty_dq == truth.faulty_dq {
        Judged::Right
    } else if !d.cannot_tell.is_empty() || !d.next_probes.is_empty() {
        Judged::Honest
    } else {
        Judged::Wrong(format!("missed {:?} silently", truth.faulty_dq))
    }
}

thread_local! {
    static PROFILE: std::cell::Cell<migcal::analysis::Profile> = const { std::cell::Cell::new(migcal::analysis::Profile::Minimodule) };
}

fn truth_profile(_: &Diagnosis) -> migcal::analysis::Profile {
    PROFILE.with(|p| p.get())
}

/// Scenarios: nominal and fault runs of both profiles.
const SCENARIOS: &[&str] = &[
    "golden/nominal.toml",
    "golden/fault1.toml",
    "golden/dqs1_open.toml",
    "golden/dq5_stuck_high.toml",
    "ddr2_default.toml",
    "faults/ddr2_dq_open.toml",
];

const CASES_PER_RUN: usize = 16;

#[test]
fn probe_dumps_are_never_diagnosed_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x5EED_0018);
    let (mut right, mut honest, mut total) = (0, 0, 0);
    let mut wrong = Vec::new();
    let mut case = 0;
    for rel in SCENARIOS {
        let r = run(rel);
        let profile = Scenario::load(&scenario_path(rel)).unwrap().profile;
        PROFILE.with(|p| p.set(profile));
        for _ in 0..CASES_PER_RUN {
            case += 1;
            let bus_only = rng.below(4) == 0;
            let chosen: Vec<&(Net, Vec<(u64, u8)>)> = if bus_only {
                r.nets
                    .iter()
                    .filter(|(n, _)| n.canon.starts_with("pins/"))
                    .collect()
            } else {
                let field: Vec<&(Net, Vec<(u64, u8)>)> = r
                    .nets
                    .iter()
                    .filter(|(n, _)| !n.canon.starts_with("pins/"))
                    .collect();
                let k = 3 + rng.below(field.len().min(20) - 2);
                let mut pick: Vec<&(Net, Vec<(u64, u8)>)> = Vec::new();
                while pick.len() < k {
                    let n = field[rng.below(field.len())];
                    if !pick.iter().any(|p| std::ptr::eq(*p, n)) {
                        pick.push(n);
                    }
                }
                pick
            };
            // Sample clocks: synchronous to clk_0 (a phase a quarter cycle off its edges) or not.
            let (period, sync) = rng.pick(&[
                (CLK_FS / 2, true),
                (CLK_FS, true),
                (2 * CLK_FS, true),
                (4 * CLK_FS, true),
                (4_000_000, false),
                (7_500_000, false),
                (3_003_000, false),
                (CLK_FS + 5_000, false),
            ]);
            let depth = rng.pick(&[1024usize, 8192, 65_536, 131_072]);
            let span = depth as u64 * period;
            // Triggered before, on or after an anchor, or free-running from reset.
            let anchor = rng.pick(&r.anchors);
            let start = match rng.below(4) {
                0 => 0,
                1 => anchor.saturating_sub(span / 10),
                2 => anchor.saturating_sub(span / 2),
                _ => anchor.saturating_sub(span * 9 / 10),
            };
            let start = if sync {
                start / CLK_FS * CLK_FS + CLK_FS / 2 + CLK_FS / 4
            } else {
                start + rng.below(1000) as u64 * 1000
            };
            let start = start.min(r.end.saturating_sub(span / 2));
            let depth = depth.min(((r.end - start) / period) as usize + 1);
            let style = rng.pick(&[Style::Ise, Style::Vivado, Style::Verilog]);
            let fmt = rng.pick(&[Fmt::Vcd, Fmt::Saleae, Fmt::Sigrok, Fmt::Ila]);
            let dump = sample(&chosen, style, start, period, depth);
            let (path, opts) = write(&dump, fmt, dir.path(), case);
            total += 1;
            match judge(&r.truth, &path, &opts) {
                Judged::Right => right += 1,
                Judged::Honest => honest += 1,
                Judged::Wrong(why) => wrong.push(format!(
                    "{} case {case}: {fmt:?} {style:?} {:?}{} at {} ps from {} ns, {depth} samples: {why}",
                    r.name,
                    chosen.iter().map(|(n, _)| n.canon.as_str()).collect::<Vec<_>>(),
                    if bus_only { " (bus only)" } else { "" },
                    period / 1000,
                    start / 1_000_000
                )),
            }
        }
    }
    println!(
        "probe dumps: {right} of {total} right ({:.0}%), {honest} said what they cannot tell, {} wrong",
        100.0 * right as f64 / total as f64,
        wrong.len()
    );
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The golden run's command pins alone (no address), as a bench's logic analyser sees them.
fn golden_bus_only(name: &str) -> migcal::analysis::Facts {
    let src = sniff::open(&common::golden(name), &OpenOptions::default()).unwrap();
    let pins: &[&str] = &[
        "pins/cs_n",
        "pins/ras_n",
        "pins/cas_n",
        "pins/we_n",
        "pins/cke",
    ];
    let c = Capture::from_source_only(name.into(), src, None, Some(pins)).unwrap();
    analyze(
        &c,
        &Config {
            profile: None,
            clock: None,
        },
    )
}

/// Issue 18: a bus-only nominal capture was reported as stalled at memory_setup although the
/// report itself decoded the dummy reads and the refreshes after them.
#[test]
fn bus_only_nominal_passes_and_counts_the_dummy_reads() {
    let f = golden_bus_only("nominal");
    assert!(undecidable(&f).is_none(), "{:?}", undecidable(&f));
    let d = diagnose(&f, &RuleConfig::default());
    assert_eq!(
        (d.verdict, d.stage),
        (
            migcal::diagnose::Verdict::Pass,
            migcal::diagnose::Stage::Done
        ),
        "{d:#?}"
    );
    let p = migcal::diagnose::bus_only::phases(&f.commands);
    // The golden README: 319 dummy RDs to column 0, 2 pattern RDs, then init_done and refreshes.
    assert_eq!((p.dummy_reads, p.pattern_reads), (319, 2), "{p:?}");
    assert!(p.refresh_after > 40, "{p:?}");
    assert!(
        d.evidence
            .iter()
            .any(|e| e.text.contains("319 dummy reads")),
        "{d:#?}"
    );
}

/// The stall in PATTERN_READ_WAIT: the bus falls silent after the pattern reads, no refresh.
#[test]
fn bus_only_fault1_stalls_in_the_pattern_read_wait() {
    let f = golden_bus_only("fault1");
    let d = diagnose(&f, &RuleConfig::default());
    assert_eq!(
        (d.verdict, d.stage),
        (
            migcal::diagnose::Verdict::Fail,
            migcal::diagnose::Stage::ReadLatency
        ),
        "{d:#?}"
    );
    assert!(d.cause.contains("PATTERN_READ_WAIT"), "{}", d.cause);
    assert!(!d.cannot_tell.is_empty(), "{d:#?}");
}

/// Issue 18: a Saleae Logic 2 CSV writes a row per change, so its last row is the last change;
/// a nominal capture of the field nets was failed because clk_cnt_rise moved in the last rows.
/// It must not fail: it says the end is not known, and with `--capture-end` it passes.
#[test]
fn saleae_nominal_field_nets_do_not_fail() {
    let names = [
        (
            "tap_logic/tap_sel_done",
            "data_path_00/tap_logic_00/tap_sel_done",
            None,
        ),
        (
            "tap_logic/data_tap_inc_done",
            "data_path_00/tap_logic_00/data_tap_inc_done",
            None,
        ),
        (
            "tap_logic/dlyce_dqs[0]",
            "data_path_00/tap_logic_00/dlyce_dqs",
            Some(0),
        ),
        (
            "tap_logic/dlyinc_dqs[0]",
            "data_path_00/tap_logic_00/dlyinc_dqs",
            Some(0),
        ),
        (
            "pattern_compare[0]/clk_cnt_rise[0]",
            "user_interface_00/rd_data_00/pattern_compare4_gen[0].pattern_0/clk_cnt_rise",
            Some(0),
        ),
    ];
    let src = sniff::open(&common::golden("nominal"), &OpenOptions::default()).unwrap();
    let wanted: Vec<&str> = names.iter().map(|n| n.0).collect();
    let c = Capture::from_source_only("nominal".into(), src, None, Some(&wanted)).unwrap();
    let nets: Vec<(Net, Vec<(u64, u8)>)> = names
        .iter()
        .map(|(canon, path, bit)| {
            let (whole, i) = match bit {
                Some(b) => (canon.rsplit_once('[').unwrap().0, *b),
                None => (*canon, 0),
            };
            (net(canon, path, *bit), c.bit(whole, i).unwrap())
        })
        .collect();
    let refs: Vec<&(Net, Vec<(u64, u8)>)> = nets.iter().collect();
    let dump = sample(&refs, Style::Vivado, CLK_FS * 3 / 4, CLK_FS / 2, 240_000);
    let dir = tempfile::tempdir().unwrap();
    let (path, opts) = write(&dump, Fmt::Saleae, dir.path(), 0);
    let open =
        || Capture::from_source("saleae".into(), sniff::open(&path, &opts).unwrap(), None).unwrap();
    let cfg = Config {
        profile: None,
        clock: None,
    };
    let f = analyze(&open(), &cfg);
    assert!(!f.end_known);
    let why = undecidable(&f).expect("the end of a change-per-row export is not known");
    assert!(why.contains("--capture-end"), "{why}");
    let mut c = open();
    c.set_capture_end(600_000_000_000);
    let f = analyze(&c, &cfg);
    assert!(undecidable(&f).is_none());
    let d = diagnose(&f, &RuleConfig::default());
    assert_eq!(d.verdict, migcal::diagnose::Verdict::Pass, "{d:#?}");
}

/// Sampled at 100 MHz, clk_cnt_rise[0]'s per-cycle toggle aliases to a constant and a
/// one-cycle dlyce pulse can fall between samples: those nets are not read, and the report
/// says which rate would show them.
#[test]
fn a_net_sampled_too_slowly_is_not_evidence() {
    let r = run("golden/fault1.toml");
    let pick: Vec<&(Net, Vec<(u64, u8)>)> = r
        .nets
        .iter()
        .filter(|(n, _)| {
            [
                "tap_logic/tap_sel_done",
                "pattern_compare[0]/clk_cnt_rise[0]",
                "tap_logic/dlyce_dqs[0]",
            ]
            .contains(&n.canon.as_str())
        })
        .collect();
    assert_eq!(pick.len(), 3);
    let dump = sample(&pick, Style::Verilog, CLK_FS * 3 / 4, 2 * CLK_FS, 60_000);
    let dir = tempfile::tempdir().unwrap();
    let (path, opts) = write(&dump, Fmt::Vcd, dir.path(), 0);
    let c = Capture::from_source("vcd".into(), sniff::open(&path, &opts).unwrap(), None).unwrap();
    let f = analyze(
        &c,
        &Config {
            profile: None,
            clock: None,
        },
    );
    assert!(
        f.unresolved.iter().any(|n| n.contains("clk_cnt_rise")),
        "{:?}",
        f.unresolved
    );
    assert!(f.pattern.is_empty() && f.per_dq.is_empty());
    let why = undecidable(&f).expect("stage 3 cannot be told at 100 MHz");
    assert!(why.contains("200 MS/s"), "{why}");
}
