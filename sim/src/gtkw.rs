//! GTKWave save files (`.gtkw`): open a VCD capture with the MIG signals it holds grouped by
//! calibration stage (`clocking`, `memory_setup`, `tap_calibration`, `read_latency`, `done`),
//! each shown under its canonical MIG name as an alias of the capture's own signal, the primary
//! marker on the stall (or on `init_done` when calibration passes), named markers on the
//! milestones, and the view zoomed on that point.
//!
//! The format is GTKWave's own, as GTKWave 3.3 writes and reads it: `[dumpfile]`, `[timestart]`,
//! the `*zoom marker A..Z` line, `[markername]`, `@flags` lines, `-comment` lines and
//! `+{alias} name` traces. Times in it count the dump file's timescale unit (a `1 fs` VCD gives
//! femtoseconds). GTKWave names a signal by its scopes joined with `.` plus its index as the
//! VCD declares it; a vector declared without a range gets `[width-1:0]`, an `integer`,
//! `real`, `time`, `event` or `string` gets none. Those names come from the VCD header itself
//! (parsed with the `vcd` crate), so they match what GTKWave builds from the same file.

use crate::analysis::Facts;
use crate::diagnose::{Diagnosis, Verdict};
use migcal_traces::names::{natural_cmp, NameMap, Stage};
use migcal_traces::{Header, Time, TraceError, VarKind};
use std::fmt::Write as _;
use std::path::Path;

/// What the save file needs to know about the dump file beyond the bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpInfo {
    /// GTKWave's name of each capture signal, indexed like `Header::signals`.
    pub names: Vec<String>,
    /// Femtoseconds per unit of time in the save file (the VCD timescale's unit: 1 for fs,
    /// 1000 for ps, ...).
    pub unit_fs: u64,
}

/// Reads the VCD header of `path` (plain or gzip) and names its variables the way GTKWave does.
/// `header` is the capture's header as migcal read it; the two must declare the same variables.
pub fn dump_info(path: &Path, header: &Header) -> Result<DumpInfo, TraceError> {
    let reader = migcal_traces::io::open_maybe_gz(path)?;
    let mut parser = vcd::Parser::new(std::io::BufReader::new(reader));
    let parsed = parser.parse_header();
    let from_header = || DumpInfo {
        names: header.signals.iter().map(fallback_name).collect(),
        unit_fs: 1,
    };
    let Ok(h) = parsed else {
        // The vcd crate is stricter than migcal's reader (unknown var types); fall back on the
        // capture header's names, which match GTKWave's for everything but integers.
        return Ok(from_header());
    };
    let mut names = Vec::new();
    collect(&h.items, &mut Vec::new(), &mut names);
    if names.len() != header.signals.len() {
        return Ok(from_header());
    }
    let unit_fs = match h.timescale.map(|t| t.1) {
        Some(vcd::TimescaleUnit::S) => 1_000_000_000_000_000,
        Some(vcd::TimescaleUnit::MS) => 1_000_000_000_000,
        Some(vcd::TimescaleUnit::US) => 1_000_000_000,
        Some(vcd::TimescaleUnit::NS) => 1_000_000,
        Some(vcd::TimescaleUnit::PS) => 1_000,
        Some(vcd::TimescaleUnit::FS) | None => 1,
    };
    Ok(DumpInfo { names, unit_fs })
}

fn collect(items: &[vcd::ScopeItem], scopes: &mut Vec<String>, out: &mut Vec<String>) {
    for item in items {
        match item {
            vcd::ScopeItem::Scope(s) => {
                scopes.push(s.identifier.clone());
                collect(&s.items, scopes, out);
                scopes.pop();
            }
            vcd::ScopeItem::Var(v) => {
                let mut name = scopes.join(".");
                if !name.is_empty() {
                    name.push('.');
                }
                name.push_str(&v.reference);
                match v.index {
                    Some(vcd::ReferenceIndex::BitSelect(i)) => {
                        let _ = write!(name, "[{i}]");
                    }
                    Some(vcd::ReferenceIndex::Range(m, l)) => {
                        let _ = write!(name, "[{m}:{l}]");
                    }
                    None => {
                        let scalar_kind = matches!(
                            v.var_type,
                            vcd::VarType::Integer
                                | vcd::VarType::Real
                                | vcd::VarType::Time
                                | vcd::VarType::Event
                                | vcd::VarType::String
                        );
                        if v.size > 1 && !scalar_kind && !v.reference.ends_with(']') {
                            let _ = write!(name, "[{}:0]", v.size - 1);
                        }
                    }
                }
                out.push(name);
            }
            _ => {}
        }
    }
}

/// GTKWave's name from migcal's header alone (scopes joined with `.`, the declared range).
fn fallback_name(s: &migcal_traces::SignalInfo) -> String {
    let mut name = s.source_name.replace('/', ".");
    match s.range {
        Some((m, l)) if m == l => {
            let _ = write!(name, "[{m}]");
        }
        Some((m, l)) => {
            let _ = write!(name, "[{m}:{l}]");
        }
        None if s.width > 1 && !name.ends_with(']') => {
            let _ = write!(name, "[{}:0]", s.width - 1);
        }
        None => {}
    }
    name
}

/// GTKWave trace flags: decimal for tap values and counters, hex for other vectors, binary for
/// single bits (all right-justified).
fn flags(canonical: &str, width: u32, kind: VarKind) -> &'static str {
    const BIN: &str = "@28";
    const HEX: &str = "@22";
    const DEC: &str = "@24";
    if kind == VarKind::Real {
        return "@8028";
    }
    let leaf = canonical.rsplit('/').next().unwrap_or(canonical);
    if width == 1 {
        BIN
    } else if leaf.contains("tap") || leaf.contains("cnt") || leaf.contains("count") {
        DEC
    } else {
        HEX
    }
}

/// The milestones that get a named marker, in letter order.
fn milestones(f: &Facts) -> Vec<(&'static str, Time)> {
    [
        ("ctrl_dummyread_start", f.dummyread_start),
        ("tap_sel_done", f.tap_sel_done),
        ("comp_done", f.comp_done),
        ("init_done", f.init_done),
    ]
    .into_iter()
    .filter_map(|(n, t)| Some((n, t?)))
    .collect()
}

/// Where the primary marker goes: the time the controller entered the state it stalled in, or
/// `init_done` when calibration passed.
pub fn marker_time(f: &Facts, d: &Diagnosis) -> Option<Time> {
    match d.verdict {
        Verdict::Fail => f.init_state.map(|(_, t)| t).or(Some(f.end_time)),
        Verdict::Pass => f.init_done,
    }
}

/// Writes the save file text. `dumpfile` is the path GTKWave should open (absolute, so the
/// save file works from any folder).
pub fn save_file(
    dumpfile: &str,
    map: &NameMap,
    dump: &DumpInfo,
    facts: &Facts,
    diag: &Diagnosis,
) -> String {
    let header = map.header();
    let unit = dump.unit_fs.max(1);
    let mut o = String::new();
    let verdict = match diag.verdict {
        Verdict::Pass => "PASS".to_string(),
        Verdict::Fail => format!("FAIL in {}", diag.stage.name()),
    };
    let _ = writeln!(o, "[*] migcal gtkw: {verdict}: {}", one_line(&diag.cause));
    let _ = writeln!(o, "[dumpfile] \"{}\"", dumpfile.replace('"', "\\\""));
    let marker = marker_time(facts, diag);
    // View: about 4 µs from 2 µs before the marker. GTKWave's zoom moves by -1 per doubling of
    // the shown span; the offset 2.0 is what GTKWave 3.3.118 itself writes for a span in this
    // window size (`setZoomRangeTimes` over 4 µs of a 1 fs dump saves -29.88).
    let span_units = (4_000_000_000u64 / unit).max(1) as f64;
    let zoom = 2.0 - span_units.log2();
    let start = marker
        .map(|t| t.saturating_sub(2_000_000_000) / unit)
        .unwrap_or(0);
    let _ = writeln!(o, "[timestart] {start}");
    let _ = writeln!(o, "[size] 1600 900");
    let _ = writeln!(o, "[pos] -1 -1");
    let named = milestones(facts);
    let mut star = format!(
        "*{zoom:.6} {}",
        marker
            .map(|t| (t / unit).to_string())
            .unwrap_or_else(|| "-1".into())
    );
    for k in 0..26 {
        match named.get(k) {
            Some((_, t)) => {
                let _ = write!(star, " {}", t / unit);
            }
            None => star.push_str(" -1"),
        }
    }
    let _ = writeln!(o, "{star}");
    for (k, (name, _)) in named.iter().enumerate() {
        let _ = writeln!(o, "[markername] {}{name}", (b'A' + k as u8) as char);
    }
    let _ = writeln!(o, "[sst_width] 260");
    let _ = writeln!(o, "[signals_width] 320");
    let _ = writeln!(o, "[sst_expanded] 1");
    let _ = writeln!(o, "[sst_vpaned_height] 250");
    // A note on top: what the diagnosis found and where the marker is.
    let _ = writeln!(o, "@200");
    let _ = writeln!(o, "-migcal: {verdict}");
    if let (Verdict::Fail, Some(t), Some((code, _))) = (diag.verdict, marker, facts.init_state) {
        let _ = writeln!(
            o,
            "-marker: stall in {} from {}",
            facts.profile.init_state_name(code),
            crate::diagnose::fmt_ns(t)
        );
    }
    for stage in [
        Stage::Clocking,
        Stage::MemorySetup,
        Stage::TapCalibration,
        Stage::ReadLatency,
        Stage::Done,
    ] {
        let mut bindings: Vec<_> = map
            .bindings()
            .iter()
            .filter(|b| b.entry().map(|e| e.stage) == Some(stage))
            .collect();
        if bindings.is_empty() {
            continue;
        }
        bindings.sort_by(|a, b| natural_cmp(&a.name, &b.name));
        let _ = writeln!(o, "@800200");
        let _ = writeln!(o, "-{}", stage.name());
        let mut last_flags = "";
        for b in bindings {
            for id in b.signals() {
                let info = &header.signals[id as usize];
                let Some(gtk) = dump.names.get(id as usize) else {
                    continue;
                };
                let f = flags(&b.name, info.width, info.kind);
                if f != last_flags {
                    let _ = writeln!(o, "{f}");
                    last_flags = f;
                }
                // The canonical name as an alias when the capture signal is the whole value;
                // a bit-blasted bus keeps its own bit names.
                if b.whole == Some(id) {
                    let _ = writeln!(o, "+{{{}}} {gtk}", b.name);
                } else {
                    let _ = writeln!(o, "{gtk}");
                }
            }
        }
        let _ = writeln!(o, "@1000200");
        let _ = writeln!(o, "-{}", stage.name());
    }
    o
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use migcal_traces::SignalInfo;

    #[test]
    fn fallback_names_follow_gtkwave() {
        let s = |n: &str, w: u32, r: Option<(i64, i64)>| SignalInfo {
            source_name: n.into(),
            width: w,
            kind: VarKind::Bits,
            range: r,
        };
        assert_eq!(fallback_name(&s("tb/dq", 16, Some((15, 0)))), "tb.dq[15:0]");
        assert_eq!(fallback_name(&s("tb/st", 4, None)), "tb.st[3:0]");
        assert_eq!(fallback_name(&s("tb/dq", 1, Some((3, 3)))), "tb.dq[3]");
        assert_eq!(fallback_name(&s("tb/clk", 1, None)), "tb.clk");
    }

    #[test]
    fn trace_flags() {
        assert_eq!(flags("tap_logic/tap_sel_done", 1, VarKind::Bits), "@28");
        assert_eq!(flags("idelay_dq[3]/tap", 32, VarKind::Bits), "@24");
        assert_eq!(
            flags("pattern_compare[0]/clk_cnt_rise", 4, VarKind::Bits),
            "@24"
        );
        assert_eq!(flags("ddr_controller/init_state", 5, VarKind::Bits), "@22");
    }
}
