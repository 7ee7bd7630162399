//! Cycle-by-cycle comparison of the model with a GHDL VCD of the real RTL (the shared goldens
//! and the fault references under `tests/ghdl_refs/`): every per-cycle signal the model traces
//! must change at the same clk_0 cycle with the same value (unknown = unknown), and the final
//! IDELAY taps must be equal.

use migcal_model::mig::{Mig, Params};
use migcal_model::probe::{Probe, Value};
use migcal_traces::trace::ValueRef;
use std::collections::HashMap;
use std::path::Path;

/// The harness's first clk_0 rising edge, fs.
pub const EDGE0_FS: u64 = 2_500_000;
/// The harness's clk_0 period, fs.
pub const PERIOD_FS: u64 = 5_000_000;

/// Per-signal change lists keyed by full name: (cycle, value; None = unknown).
pub type Changes = HashMap<String, Vec<(u64, Option<u64>)>>;

/// A known divergence: (signal name suffix, the cycle its first divergence must be at).
pub type Known = (&'static str, u64);

/// The `wanted` signals (lower-case full names) of a GHDL VCD as per-cycle change lists, and
/// the last time stamp. Sub-cycle stamps (pads, the 1 fs IOBUF delay) are skipped; power-up
/// values (t = 0) count as cycle 0; of several changes in one cycle the last counts.
pub fn read_cycles(path: &Path, wanted: &[String]) -> (Changes, u64) {
    let mut src = migcal_traces::vcd::open(path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let mut ids = Vec::new();
    let mut names = HashMap::new();
    for (i, s) in src.header().signals.iter().enumerate() {
        let n = s.source_name.to_lowercase();
        if wanted.contains(&n) {
            ids.push(i as u32);
            names.insert(i as u32, n);
        }
    }
    src.set_filter(&ids);
    let mut out: Changes = HashMap::new();
    let mut last_t = 0;
    while let Some(c) = src.next_change().expect("reference VCD readable") {
        last_t = c.time;
        if c.time >= EDGE0_FS && !(c.time - EDGE0_FS).is_multiple_of(PERIOD_FS) {
            continue;
        }
        let cycle = c.time.saturating_sub(EDGE0_FS) / PERIOD_FS;
        let v = match c.value {
            ValueRef::Bits(_) => c.value.to_u64(),
            _ => None,
        };
        let list = out.entry(names[&c.signal].clone()).or_default();
        if list.last().map(|&(lc, _)| lc) == Some(cycle) {
            list.pop();
        }
        if list.last().map(|&(_, lv)| lv) != Some(v) {
            list.push((cycle, v));
        }
    }
    (out, last_t)
}

struct Recorder {
    names: Vec<String>,
    last: Vec<Option<Option<u64>>>,
    cycle: u64,
    changes: Changes,
}

impl Probe for Recorder {
    fn value(&mut self, id: usize, v: Value) {
        let val = (v.unknown == 0).then_some(v.bits as u64);
        if self.last[id] == Some(val) {
            return;
        }
        self.last[id] = Some(val);
        self.changes
            .entry(self.names[id].clone())
            .or_default()
            .push((self.cycle, val));
    }
}

/// Runs the model for `cycles` clk_0 cycles: every traced signal's changes, and the final taps.
pub fn run_model(p: Params, cycles: u64) -> (Changes, Vec<u8>) {
    let mut mig = Mig::new(p);
    let names: Vec<String> = mig.signal_decls().into_iter().map(|d| d.name).collect();
    let mut rec = Recorder {
        last: vec![None; names.len()],
        names,
        cycle: 0,
        changes: HashMap::new(),
    };
    for n in 0..cycles {
        mig.step();
        rec.cycle = n;
        mig.visit(&mut rec);
    }
    (rec.changes, mig.regs().taps.clone())
}

/// The change list seen from cycle `c0` on: the value in effect at `c0`, then later changes.
pub fn from_cycle(list: Vec<(u64, Option<u64>)>, c0: u64) -> Vec<(u64, Option<u64>)> {
    let mut out = Vec::new();
    for (c, v) in list {
        if c <= c0 {
            out.clear();
            out.push((c0, v));
        } else {
            out.push((c, v));
        }
    }
    out
}

/// Asserts that the model with `p` reproduces the VCD at `path` (called `what` in messages:
/// `golden` or `reference`), except that each of `known` diverges exactly where it says.
pub fn assert_matches(path: &Path, what: &str, p: Params, known: &[Known]) {
    let label = path.file_name().unwrap().to_string_lossy().into_owned();
    let names: Vec<String> = Mig::new(p.clone())
        .signal_decls()
        .into_iter()
        .map(|d| d.name)
        .collect();
    let (gold, last_t) = read_cycles(path, &names);
    for n in &names {
        assert!(gold.contains_key(n), "{label}: {what} has no signal {n}");
    }
    let (model, taps) = run_model(p, (last_t - EDGE0_FS) / PERIOD_FS + 1);
    let mut failures = Vec::new();
    for name in &names {
        // Compare from cycle 1 on: before the first edge the RTL shows power-up 'U'.
        let g = from_cycle(gold.get(name).cloned().unwrap_or_default(), 1);
        let m = from_cycle(model.get(name).cloned().unwrap_or_default(), 1);
        if let Some(k) = (0..g.len().max(m.len())).find(|&k| g.get(k) != m.get(k)) {
            let (gc, mc) = (g.get(k), m.get(k));
            let cyc = gc
                .map_or(u64::MAX, |x| x.0)
                .min(mc.map_or(u64::MAX, |x| x.0));
            if known.iter().any(|&(n, c)| name.ends_with(n) && c == cyc) {
                continue;
            }
            failures.push((
                cyc,
                format!(
                    "{label}: {name}: first divergence at cycle {cyc}: {what} {gc:?}, model {mc:?}"
                ),
            ));
        }
    }
    let tap_names: Vec<String> = (0..16)
        .map(|k| format!("tb/dut/top_00/iobs_00/data_path_iobs_00/v4_dq_iob_gen({k})/v4_dq_iob_0/idelay_dq/tap"))
        .collect();
    let (gt, _) = read_cycles(path, &tap_names);
    let gold_taps: Vec<u64> = tap_names
        .iter()
        .map(|n| {
            gt.get(n)
                .and_then(|l| l.last())
                .and_then(|x| x.1)
                .unwrap_or(0)
        })
        .collect();
    let model_taps: Vec<u64> = taps.iter().map(|&t| t as u64).collect();
    if gold_taps != model_taps {
        failures.push((
            u64::MAX,
            format!("{label}: final taps: {what} {gold_taps:?}, model {model_taps:?}"),
        ));
    }
    failures.sort();
    let text: Vec<&str> = failures.iter().map(|f| f.1.as_str()).collect();
    assert!(
        failures.is_empty(),
        "{} signal(s) diverge:\n{}",
        failures.len(),
        text.join("\n")
    );
}
