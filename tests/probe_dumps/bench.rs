//! The bench side of the probe-dump generator: the nets a bench can probe (the field method's
//! list, spec §7, the DDR pins, and nets of unrelated cores), the simulated runs they are cut
//! from (every fault kind of the catalogue, in both profiles) and a seeded random source.

use migcal::diagnose::Diagnosis;
use migcal::run::{simulate, trace_signals, Options};
use migcal::scenario::Scenario;
use migcal_traces::ChangeSource;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// clk_0 of every scenario the generator runs (both profiles' 200 MHz).
pub const CLK_FS: u64 = 5_000_000;

/// Who a net belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// Inside the MIG top (`path` is under it).
    Mig,
    /// A DDR pin (`path` is the top-level port).
    Pin,
    /// Another core of the same design (`path` is under the design's top).
    Foreign,
}

/// A net the bench can probe: canonical name (bit-selected; for a foreign net its own path),
/// its path under its owner, the bit when it is one bit of a bus.
#[derive(Clone, Debug)]
pub struct Net {
    pub canon: String,
    pub path: String,
    pub bit: Option<u32>,
    pub owner: Owner,
}

/// A net and its changes (time in fs, `b'0'`/`b'1'`).
pub type Probe = (Net, Vec<(u64, u8)>);

pub fn net(canon: &str, path: &str, bit: Option<u32>) -> Net {
    Net {
        canon: canon.into(),
        path: path.into(),
        bit,
        owner: if path.starts_with("ddr2_") {
            Owner::Pin
        } else {
            Owner::Mig
        },
    }
}

/// The field method's nets (spec §7) and their neighbours, per tap_logic group.
pub fn field_nets(groups: u32) -> Vec<Net> {
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
pub fn command_pins() -> Vec<Net> {
    ["cs_n", "ras_n", "cas_n", "we_n", "cke"]
        .iter()
        .map(|p| net(&format!("pins/{p}"), &format!("ddr2_{p}"), None))
        .collect()
}

/// The DQ pins of a `width`-bit bus.
pub fn dq_pins(width: u32) -> Vec<Net> {
    (0..width)
        .map(|k| net(&format!("pins/dq[{k}]"), "ddr2_dq", Some(k)))
        .collect()
}

/// Nets of unrelated cores a shared ILA or logic analyser also holds, some with a MIG leaf name
/// (the issue's `u_sata_phy/u_oob/init_done`, `u_sram_if/dq[15:0]`, `u_sram_if/we_n`), with
/// changes drawn from `rng` over `[0, end)`: a done flag that rises early, strobes and data.
pub fn foreign_probes(rng: &mut Rng, end: u64, count: usize) -> Vec<Probe> {
    let mut all: Vec<(Net, Vec<(u64, u8)>)> = Vec::new();
    let foreign = |path: &str, bit: Option<u32>| Net {
        canon: match bit {
            Some(b) => format!("{path}[{b}]"),
            None => path.to_string(),
        },
        path: path.into(),
        bit,
        owner: Owner::Foreign,
    };
    let rise = 1_000_000_000 + rng.below(50) as u64 * 1_000_000_000;
    if std::env::var_os("MIGCAL_PROBE_LEAF_ALIKES").is_some() {
        // Another core's done flags under MIG leaf names: bound as the MIG's own until the
        // hierarchy binding of issue 18 lands (h/bind), so only in a run that asks for them.
        all.push((
            foreign("u_sata_phy/u_oob/init_done", None),
            vec![(0, b'0'), (rise, b'1')],
        ));
        all.push((
            foreign("u_sata_phy/u_oob/tap_sel_done", None),
            vec![(0, b'0'), (rise / 2, b'1')],
        ));
    }
    all.push((
        foreign("u_sata_phy/u_oob/link_up", None),
        vec![(0, b'0'), (rise, b'1')],
    ));
    for (path, bit) in [
        ("u_sram_if/we_n", None),
        ("u_sram_if/dq", Some(rng.below(16) as u32)),
        ("u_sram_if/dq", Some(16 + rng.below(16) as u32)),
        ("u_uart/tx", None),
    ] {
        // A strobe or data line: a change every 20 ns to 20 µs.
        let step = 20_000_000 * (1 + rng.below(1000) as u64);
        let mut t = 0;
        let mut bits = Vec::new();
        let mut v = b'1';
        while t < end && bits.len() < 100_000 {
            bits.push((t, v));
            v = if rng.below(2) == 0 { b'0' } else { b'1' };
            t += step / 2 + rng.below(step as usize) as u64;
        }
        bits.dedup_by_key(|x| x.1);
        all.push((foreign(path, bit), bits));
    }
    let mut out = Vec::new();
    while out.len() < count.min(all.len()) {
        let i = rng.below(all.len());
        out.push(all.swap_remove(i));
    }
    out
}

/// The whole canonical signal a net is (a bit of).
pub fn whole(n: &Net) -> String {
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

/// A small deterministic generator (xorshift64*), so the case set is fixed by the seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len())]
    }
}

/// One simulated run: every probe-able net's changes, and the complete trace's diagnosis (the
/// truth).
pub struct Run {
    pub name: String,
    pub profile: migcal::analysis::Profile,
    pub nets: Vec<Probe>,
    pub end: u64,
    pub truth: Diagnosis,
    /// Times to trigger on: dummy reads start, stage 2 done, init done, the last change.
    pub anchors: Vec<u64>,
}

pub fn scenario_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sim/scenarios")
}

/// Simulates `scn` and keeps every net the generator can probe.
pub fn run(name: &str, scn: &Scenario) -> Run {
    let opts = Options {
        vcd: false,
        pads: false,
        skip_idle: true,
    };
    let (outcome, _) = simulate(scn, &opts).expect("runs");
    let groups = outcome.facts.calib_done.len() as u32;
    let mut all = field_nets(groups.min(2));
    all.extend(command_pins());
    all.extend(dq_pins(scn.memory.data_width.min(16)));
    let wanted: Vec<String> = all
        .iter()
        .map(whole)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (mut src, map) = trace_signals(scn, &wanted).expect("trace");
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
        .filter(|(n, _)| n.owner == Owner::Mig)
        .filter_map(|(_, b)| b.iter().rev().find(|(t, _)| *t < end).map(|(t, _)| *t))
        .filter(|t| *t > 0)
        .fold(0, u64::max);
    anchors.push(last_change);
    Run {
        name: name.into(),
        profile: scn.profile,
        nets,
        end,
        truth: outcome.diagnosis,
        anchors,
    }
}

/// The `[[fault]]` kinds of a scenario text, sorted (empty for a nominal board).
fn kinds(t: &toml::Table) -> Vec<String> {
    let mut k: Vec<String> = t
        .get("fault")
        .and_then(|f| f.as_array())
        .into_iter()
        .flatten()
        .filter_map(|f| f.get("kind").and_then(|k| k.as_str()).map(String::from))
        .collect();
    k.sort();
    k
}

/// The scenarios the generator cuts: the goldens, the default board and every file of the fault
/// catalogue as written, and each catalogue fault moved onto the other profile's board (its
/// `[[fault]]` tables under that profile's nominal scenario) where it validates there. With
/// `every` false, one scenario per (profile, fault kinds) pair: every kind in both profiles
/// where the kind exists in both, at a modest cost.
pub fn scenarios(every: bool) -> Vec<(String, Scenario)> {
    let dir = scenario_dir();
    let read = |rel: &str| std::fs::read_to_string(dir.join(rel)).expect("scenario file");
    let bases = [
        ("minimodule", read("golden/nominal.toml")),
        ("ddr2", read("ddr2_default.toml")),
    ];
    let mut files: Vec<String> = ["golden", "faults"]
        .iter()
        .flat_map(|d| std::fs::read_dir(dir.join(d)).expect("scenario folder"))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.strip_prefix(&dir).unwrap().display().to_string())
        .collect();
    files.push("ddr2_default.toml".into());
    files.sort();
    let mut out: Vec<(String, Scenario)> = Vec::new();
    let mut seen: BTreeSet<(String, Vec<String>)> = BTreeSet::new();
    let mut keep = |name: String, text: &str, out: &mut Vec<(String, Scenario)>| {
        let table: toml::Table = text.parse().expect("toml");
        let profile = table
            .get("profile")
            .and_then(|p| p.as_str())
            .unwrap_or("ddr2")
            .to_string();
        let Ok(scn) = Scenario::parse(text, Path::new(&name)) else {
            return;
        };
        if scn.clocking.is_some()
            || scn.clock.period_ps != 5000.0
            || !(every || seen.insert((profile, kinds(&table))))
        {
            return;
        }
        out.push((name, scn));
    };
    for rel in &files {
        let text = read(rel);
        keep(rel.clone(), &text, &mut out);
        let table: toml::Table = text.parse().expect("toml");
        let Some(faults) = table.get("fault").cloned() else {
            continue;
        };
        let own = table
            .get("profile")
            .and_then(|p| p.as_str())
            .unwrap_or("ddr2");
        for (profile, base) in &bases {
            if *profile == own || !rel.starts_with("faults/") {
                continue;
            }
            let mut moved: toml::Table = base.parse().expect("toml");
            moved.remove("expect");
            moved.insert("fault".into(), faults.clone());
            keep(format!("{rel}@{profile}"), &moved.to_string(), &mut out);
        }
    }
    out
}
