//! Probe dumps as a bench produces them (issue 18): simulated runs (every fault kind of the
//! catalogue, both profiles) cut into the captures an engineer brings back: 3 to 20 of the field
//! method's nets (spec §7), or the command pins with or without the DQ pins, with or without nets
//! of unrelated cores; a window of 1 k to 128 k samples triggered before, on or after the
//! failure, or free-running from reset; sampled at 50 to 400 MHz synchronous to clk_0 or not;
//! exported as a VCD, a Saleae Logic 2 CSV, a sigrok CSV, a Vivado or ChipScoPy ILA CSV or a
//! legacy ChipScope `.prn`, under an ISE (`<n>`), Vivado or Verilog hierarchy.
//!
//! Property: the diagnosis is never wrong. It is right (the verdict and stage of the complete
//! trace, and no DQ line the complete trace does not blame), or it says it cannot decide and
//! what to capture (`undecidable`), or it is right about the verdict and stage and says what it
//! cannot tell about the lines. The seed is fixed; the share of right answers is printed.
//!
//! The suite cuts [`SUITE_CASES`] dumps of one scenario per (profile, fault kinds) pair. A longer
//! run cuts `MIGCAL_PROBE_DUMPS` dumps of every scenario (and every catalogue fault moved onto
//! the other profile), from seed `MIGCAL_PROBE_SEED` when set:
//! `MIGCAL_PROBE_DUMPS=64 cargo test --release --test probe_dumps -- --nocapture`.

#[path = "probe_dumps/bench.rs"]
mod bench;
mod common;
#[path = "probe_dumps/export.rs"]
mod export;
#[path = "probe_dumps/regressions.rs"]
mod regressions;

use bench::{Owner, Probe, Rng, Run, CLK_FS};
use export::{Fmt, Style, FORMATS};
use migcal::analysis::capture::Capture;
use migcal::analysis::{analyze, Config, Profile};
use migcal::diagnose::{diagnose, undecidable, Diagnosis, RuleConfig};
use migcal_traces::sniff::{self, OpenOptions};
use rayon::prelude::*;
use std::path::Path;

/// How one case came out.
#[derive(Debug, PartialEq)]
pub enum Judged {
    Right,
    /// Said what it cannot tell (undecidable, or right verdict with the lines left open).
    Honest,
    Wrong(String),
}

/// Diagnoses the dump at `path` as `migcal diagnose --profile` would, and judges it against
/// the complete trace's diagnosis.
pub fn judge(truth: &Diagnosis, profile: Profile, path: &Path, opts: &OpenOptions) -> Judged {
    let src = match sniff::open(path, opts) {
        Ok(s) => s,
        Err(e) => return Judged::Wrong(format!("unreadable: {e}")),
    };
    let c = match Capture::from_source(path.display().to_string(), src, None) {
        Ok(c) => c,
        // Refusing to guess between two nets that fit, and saying how to bind one, is honest.
        Err(e) if e.to_string().contains("mapping file") => return Judged::Honest,
        Err(e) => return Judged::Wrong(format!("binding: {e}")),
    };
    let f = analyze(
        &c,
        &Config {
            profile: Some(profile),
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

/// Dumps cut per scenario in the suite.
const SUITE_CASES: usize = 6;

/// One dump: the nets chosen and how they were captured.
struct Case {
    nets: Vec<Probe>,
    what: &'static str,
    period: u64,
    start: u64,
    depth: usize,
    style: Style,
    fmt: Fmt,
    buses: bool,
}

/// The nets of one case: field nets, the command pins, or the command and DQ pins; and in half
/// the cases a few nets of unrelated cores.
fn choose_nets(r: &Run, rng: &mut Rng) -> (Vec<Probe>, &'static str) {
    let of = |p: &dyn Fn(&str) -> bool| -> Vec<&Probe> {
        r.nets.iter().filter(|(n, _)| p(&n.canon)).collect()
    };
    let (mut pick, what): (Vec<Probe>, &'static str) = match rng.below(4) {
        0 => (
            of(&|c| c.starts_with("pins/") && !c.starts_with("pins/dq"))
                .into_iter()
                .cloned()
                .collect(),
            "command pins",
        ),
        1 => {
            let byte = rng.below(3);
            let dq = |c: &str| {
                c.strip_prefix("pins/dq[")
                    .and_then(|x| x.trim_end_matches(']').parse::<usize>().ok())
                    .is_some_and(|k| byte == 2 || k / 8 == byte)
            };
            (
                of(&|c| (c.starts_with("pins/") && !c.starts_with("pins/dq")) || dq(c))
                    .into_iter()
                    .cloned()
                    .collect(),
                "command and DQ pins",
            )
        }
        _ => {
            let field = of(&|c| !c.starts_with("pins/"));
            let k = 3 + rng.below(field.len().min(20) - 2);
            let mut pick: Vec<Probe> = Vec::new();
            while pick.len() < k {
                let n = field[rng.below(field.len())];
                if !pick.iter().any(|p| p.0.canon == n.0.canon) {
                    pick.push(n.clone());
                }
            }
            (pick, "field nets")
        }
    };
    if rng.below(2) == 0 {
        let count = 1 + rng.below(4);
        pick.extend(bench::foreign_probes(rng, r.end, count));
    }
    (pick, what)
}

fn make_case(r: &Run, rng: &mut Rng) -> Case {
    let (nets, what) = choose_nets(r, rng);
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
        (19_800_000, false),
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
    let fmt = rng.pick(&FORMATS);
    let buses = !matches!(fmt, Fmt::Saleae | Fmt::Sigrok) && rng.below(2) == 0;
    Case {
        nets,
        what,
        period,
        start,
        depth,
        style,
        fmt,
        buses,
    }
}

/// Cuts `cases` dumps of one run and judges them: (right, honest, wrong descriptions).
fn cut_and_judge(r: &Run, seed: u64, cases: usize, dir: &Path) -> (usize, usize, Vec<String>) {
    let mut rng = Rng(seed | 1);
    let (mut right, mut honest, mut wrong) = (0, 0, Vec::new());
    for i in 0..cases {
        let c = make_case(r, &mut rng);
        let refs: Vec<&Probe> = c.nets.iter().collect();
        let dump = export::sample(&refs, c.style, c.buses, c.start, c.period, c.depth);
        let (path, opts) = export::write(&dump, c.fmt, c.style, dir, i);
        match judge(&r.truth, r.profile, &path, &opts) {
            Judged::Right => right += 1,
            Judged::Honest => honest += 1,
            Judged::Wrong(why) => wrong.push(format!(
                "{} case {i} (seed {seed:#x}): {:?} {:?}{} {} {:?} at {} ps from {} ns, {} samples: {why}",
                r.name,
                c.fmt,
                c.style,
                if c.buses { " buses" } else { "" },
                c.what,
                c.nets
                    .iter()
                    .map(|(n, _)| match n.owner {
                        Owner::Foreign => format!("{} (other core)", n.canon),
                        _ => n.canon.clone(),
                    })
                    .collect::<Vec<_>>(),
                c.period / 1000,
                c.start / 1_000_000,
                c.depth
            )),
        }
        if std::env::var_os("MIGCAL_PROBE_KEEP").is_none() {
            let _ = std::fs::remove_file(&path);
        }
    }
    (right, honest, wrong)
}

/// The seed of one scenario's cases: the run's seed mixed with its name, so each scenario's
/// cases are the same whatever the others and the thread count.
fn scenario_seed(seed: u64, name: &str) -> u64 {
    name.bytes().fold(seed, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

#[test]
fn probe_dumps_are_never_diagnosed_wrong() {
    let long: Option<usize> = std::env::var("MIGCAL_PROBE_DUMPS")
        .ok()
        .and_then(|v| v.parse().ok());
    let seed: u64 = std::env::var("MIGCAL_PROBE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5EED_0018);
    let cases = long.unwrap_or(SUITE_CASES);
    let scenarios = bench::scenarios(long.is_some());
    let dir = tempfile::tempdir().unwrap();
    // MIGCAL_PROBE_KEEP=<folder>: keep every dump there, to rerun `migcal diagnose` on one.
    let root = match std::env::var_os("MIGCAL_PROBE_KEEP") {
        Some(keep) => tempfile::TempDir::with_prefix_in("probe_dumps", keep)
            .unwrap()
            .keep(),
        None => dir.path().to_path_buf(),
    };
    let results: Vec<(usize, usize, Vec<String>)> = scenarios
        .par_iter()
        .enumerate()
        .map(|(i, (name, scn))| {
            let r = bench::run(name, scn);
            let sub = root.join(i.to_string());
            std::fs::create_dir_all(&sub).unwrap();
            cut_and_judge(&r, scenario_seed(seed, name), cases, &sub)
        })
        .collect();
    let right: usize = results.iter().map(|r| r.0).sum();
    let honest: usize = results.iter().map(|r| r.1).sum();
    let wrong: Vec<&String> = results.iter().flat_map(|r| &r.2).collect();
    let total = right + honest + wrong.len();
    println!(
        "probe dumps (seed {seed:#x}, {} scenarios x {cases}): {right} of {total} right ({:.1}%), {honest} said what they cannot tell ({:.1}%), {} wrong",
        scenarios.len(),
        100.0 * right as f64 / total as f64,
        100.0 * honest as f64 / total as f64,
        wrong.len()
    );
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
