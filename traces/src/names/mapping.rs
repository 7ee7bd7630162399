//! Mapping files: the user's `"canonical name" = "capture name"` lines, read and checked, and
//! applied over the automatic bindings.

use super::binding::BitRef;
use super::catalogue::{split_canonical, Block, BLOCKS, CATALOGUE};
use super::group::{index_positions, Candidate, Group};
use super::parse::{normalize_query, split_bit, split_bit_any};
use crate::trace::{Header, SignalId, VarKind};
use crate::TraceError;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One line of a mapping file: this canonical MIG name is that capture signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingEntry {
    /// The canonical name (normalized: lower case, bits as `[n]`), e.g. `data_tap_inc[0]/chan_done`.
    pub canonical: String,
    /// The capture name as written, e.g. `ddr2_ctrl_tandem/…/data_tap_inc_0/chan_sel_int_not0002`.
    pub capture: String,
    /// 1-based line of the entry in the file (0 when not known).
    pub line: u64,
}

/// A mapping file: TOML lines `"canonical name" = "capture name"` that bind names the automatic
/// rules cannot (synthesized nets like `chan_sel_int_not0002`, renamed probes) or that settle an
/// ambiguity. Entries win over automatic bindings of the same canonical bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The file (for messages).
    pub path: PathBuf,
    /// The entries, in file order.
    pub entries: Vec<MappingEntry>,
}

impl Mapping {
    /// Reads and checks a mapping file.
    pub fn from_file(path: &Path) -> Result<Mapping, TraceError> {
        let text = crate::io::read_text_file(path, crate::io::MAX_TEXT_FILE).map_err(|source| {
            TraceError::Io {
                path: path.to_path_buf(),
                source,
            }
        })?;
        Mapping::parse(&text, path)
    }

    /// Parses mapping-file text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Mapping, TraceError> {
        let err = |message: String| TraceError::Mapping {
            path: path.to_path_buf(),
            message,
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(0);
            err(format!(
                "line {line}: expected lines `\"canonical name\" = \"capture name\"`, found invalid TOML: {}",
                e.message()
            ))
        })?;
        let mut entries = Vec::new();
        for (key, value) in &table {
            let line = find_key_line(text, key);
            let capture = match value {
                toml::Value::String(s) => s.clone(),
                other => {
                    return Err(err(format!(
                        "line {line}: expected a quoted capture signal name for \"{key}\", found {} (quote keys that contain `.` or `/`)",
                        other.type_str()
                    )))
                }
            };
            let canonical = normalize_query(key);
            if split_canonical(&canonical).is_none() {
                let blocks: Vec<&str> = BLOCKS.iter().map(|b| b.name()).collect();
                return Err(err(format!(
                    "line {line}: expected a canonical name `<block>[i]/<signal>` with block one of {}, found \"{key}\"",
                    blocks.join(", ")
                )));
            }
            if let Err(why) = known_name(&canonical) {
                return Err(err(format!("line {line}: \"{key}\": {why}")));
            }
            entries.push(MappingEntry {
                canonical,
                capture,
                line,
            });
        }
        entries.sort_by_key(|e| e.line);
        Ok(Mapping {
            path: path.to_path_buf(),
            entries,
        })
    }
}

/// Checks that a mapping key names a signal the catalogue has, with the instance index a
/// per-group block needs (and no index on a single block): an entry the analyses would never
/// read is a mistake, not a binding (issue 18: `tap_logic/tap_sel_dne` used to pass with exit 0).
fn known_name(canonical: &str) -> Result<(), String> {
    let Some((block, index, signal, _)) = split_canonical(canonical) else {
        return Err("not a canonical name".into());
    };
    let exists = CATALOGUE
        .iter()
        .any(|e| e.block == block && e.signal == signal);
    if !exists {
        return Err(format!(
            "expected a MIG signal name, found none called `{signal}` in {}; nearest: {}",
            block.name(),
            nearest_names(canonical, block, index, signal).join(", ")
        ));
    }
    match (block.indexed(), index) {
        (true, None) => Err(format!(
            "{} is one per DQS group (or DQ line): expected `{}[i]/{signal}` with the instance index",
            block.name(),
            block.name()
        )),
        (false, Some(_)) => Err(format!(
            "{} has one instance: expected `{}/{signal}` without an index",
            block.name(),
            block.name()
        )),
        _ => Ok(()),
    }
}

/// The three catalogue names closest to a key that matches none (edit distance of the signal
/// part, a name that contains the key counting as one edit; the key's block first on a tie), written with the key's instance index or, for a
/// per-group vector of a single block (`tap_logic/chan_done_dqs`), that index as the bit.
fn nearest_names(canonical: &str, block: Block, index: Option<u32>, signal: &str) -> Vec<String> {
    let bit = super::parse::split_bit(canonical).1;
    let mut scored: Vec<(usize, bool, String)> = CATALOGUE
        .iter()
        .map(|e| {
            let idx = if e.block.indexed() {
                Some(index.unwrap_or(0))
            } else {
                None
            };
            let mut name = super::catalogue::canonical_base(e.block, idx, e.signal);
            match (bit, index) {
                (Some(b), _) => name.push_str(&format!("[{b}]")),
                (None, Some(i)) if !e.block.indexed() && e.width.is_none() => {
                    name.push_str(&format!("[{i}]"))
                }
                _ => {}
            }
            // A name that contains the key (`chan_done` in `chan_done_dqs`) is as near as one typo.
            let contains = signal.len() >= 4 && e.signal.contains(signal);
            let d = edit_distance(signal, e.signal).min(if contains { 1 } else { usize::MAX });
            (d, e.block != block, name)
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.2 == b.2);
    // Only names a slip of the keyboard away; the best one always, so the hint is never empty.
    let near = (signal.len() / 2).max(3);
    let best = scored.first().map_or(0, |s| s.0);
    scored
        .into_iter()
        .filter(|s| s.0 <= near.max(best))
        .take(3)
        .map(|s| format!("`{}`", s.2))
        .collect()
}

/// Levenshtein distance over bytes (names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn find_key_line(text: &str, key: &str) -> u64 {
    let quoted = [format!("\"{key}\""), format!("'{key}'")];
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if quoted.iter().any(|q| t.starts_with(q.as_str()))
            || t.split('=').next().map(str::trim) == Some(key)
        {
            return i as u64 + 1;
        }
    }
    0
}

/// The capture's signal names as a mapping entry is matched against them.
struct CaptureNames {
    /// Normalized full names.
    normalized: Vec<String>,
    /// The same without a trailing `[a:b]` range.
    bases: Vec<String>,
}

impl CaptureNames {
    fn new(header: &Header) -> CaptureNames {
        let normalized: Vec<String> = header
            .signals
            .iter()
            .map(|s| normalize_query(&s.source_name))
            .collect();
        let strip_range = |n: &str| -> String {
            match n.rsplit_once('[') {
                Some((b, r)) if r.contains(':') => b.to_string(),
                _ => n.to_string(),
            }
        };
        let bases = normalized.iter().map(|n| strip_range(n)).collect();
        CaptureNames { normalized, bases }
    }

    /// Exact full names first; a unique `/`-boundary tail only when nothing matches exactly.
    fn find(&self, want: &str) -> Vec<SignalId> {
        let (normalized, bases) = (&self.normalized, &self.bases);
        let exact: Vec<SignalId> = (0..normalized.len())
            .filter(|&i| normalized[i] == want || bases[i] == want)
            .map(|i| i as SignalId)
            .collect();
        if !exact.is_empty() {
            return exact;
        }
        let tail = format!("/{want}");
        (0..normalized.len())
            .filter(|&i| normalized[i].ends_with(&tail) || bases[i].ends_with(&tail))
            .map(|i| i as SignalId)
            .collect()
    }
}

/// Applies every entry of `m` over the automatic candidates in `groups`.
pub(super) fn apply_mapping(
    header: &Header,
    m: &Mapping,
    groups: &mut BTreeMap<String, Group>,
) -> Result<(), TraceError> {
    let names = CaptureNames::new(header);
    for e in &m.entries {
        let err = |message: String| TraceError::Mapping {
            path: m.path.clone(),
            message: format!("line {}: {message}", e.line),
        };
        let (sig, pos) = resolve_capture(header, &names, e, &err)?;
        let (base, cbit) = split_bit(&e.canonical);
        let g = groups.entry(base.to_string()).or_default();
        bind_entry(g, header, e, sig, pos, cbit, &err)?;
    }
    Ok(())
}

/// The capture signal an entry names: either a whole signal, or one bit of a bus (`tb/dq[3]`
/// with `tb/dq` a bus), with the bit's position from the LSB.
fn resolve_capture(
    header: &Header,
    names: &CaptureNames,
    e: &MappingEntry,
    err: &dyn Fn(String) -> TraceError,
) -> Result<(SignalId, Option<u32>), TraceError> {
    if let Some(n) = position(&e.capture) {
        let count = header.signals.len();
        return match n.checked_sub(1).filter(|&i| i < count) {
            Some(i) => Ok((i as SignalId, None)),
            None => Err(err(format!(
                "entry \"{}\" expected a capture signal position #1..#{count}, found \"{}\"",
                e.canonical, e.capture
            ))),
        };
    }
    let want = normalize_query(&e.capture);
    let several = |hits: &[SignalId], what: &str| {
        err(format!(
            "entry \"{}\" expected one capture signal, found several matching \"{}\": {} and {}",
            e.canonical,
            what,
            header.signals[hits[0] as usize].source_name,
            header.signals[hits[1] as usize].source_name
        ))
    };
    let hits = names.find(&want);
    if hits.len() > 1 {
        return Err(several(&hits, &e.capture));
    }
    if let Some(&h) = hits.first() {
        return Ok((h, None));
    }
    if let (base, Some(bit)) = split_bit_any(&want) {
        let hits = names.find(base);
        if hits.len() > 1 {
            return Err(several(&hits, base));
        }
        if let Some(&h) = hits.first() {
            let info = &header.signals[h as usize];
            let pos = index_positions(info, None)
                .into_iter()
                .find(|&(idx, _)| idx == bit)
                .map(|(_, p)| p)
                .ok_or_else(|| {
                    err(format!(
                        "entry \"{}\": expected bit {bit} of {}, found a {}-bit signal",
                        e.canonical, info.source_name, info.width
                    ))
                })?;
            return Ok((h, Some(pos)));
        }
    }
    Err(err(format!(
        "entry \"{}\" expected a capture signal named \"{}\", found none in the capture",
        e.canonical, e.capture
    )))
}

/// A capture signal addressed by position: `"#N"`, the N-th signal of the capture in the order
/// the file declares them, counted from 1 (for a CSV export, the N-th channel column, the time
/// column not counted). This binds a column whatever its name, even one whose name repeats.
fn position(capture: &str) -> Option<usize> {
    let digits = capture.trim().strip_prefix('#')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse().unwrap_or(usize::MAX))
}

/// Puts capture signal `sig` (bit `pos` of it, or all of it) on the canonical name's group:
/// one canonical bit `cbit`, or the whole name, replacing every automatic candidate.
fn bind_entry(
    g: &mut Group,
    header: &Header,
    e: &MappingEntry,
    sig: SignalId,
    pos: Option<u32>,
    cbit: Option<u32>,
    err: &dyn Fn(String) -> TraceError,
) -> Result<(), TraceError> {
    let info = &header.signals[sig as usize];
    // A position (`"#2"`) is shown as the signal it names.
    let shown = if position(&e.capture).is_some() {
        info.source_name.clone()
    } else {
        e.capture.clone()
    };
    match (cbit, pos) {
        (Some(cb), p) => {
            let bit = p.unwrap_or(0);
            if p.is_none() && info.width != 1 {
                return Err(err(format!(
                    "entry \"{}\" binds one bit, expected a 1-bit signal or a bit `name[n]`, found {} ({} bits)",
                    e.canonical, info.source_name, info.width
                )));
            }
            g.mapped.insert(
                cb,
                Candidate {
                    bit: BitRef { signal: sig, bit },
                    source: shown.clone(),
                },
            );
        }
        (None, Some(p)) => {
            g.bits.clear();
            g.opaque.clear();
            g.mapped.clear();
            g.mapped.insert(
                0,
                Candidate {
                    bit: BitRef {
                        signal: sig,
                        bit: p,
                    },
                    source: shown.clone(),
                },
            );
        }
        (None, None) if info.kind != VarKind::Bits => {
            g.mapped_opaque = Some((sig, info.source_name.clone(), info.kind));
        }
        (None, None) => {
            // A whole signal replaces every automatic candidate of this name.
            g.bits.clear();
            g.opaque.clear();
            g.mapped.clear();
            for (idx, p) in index_positions(info, None) {
                g.mapped.insert(
                    idx,
                    Candidate {
                        bit: BitRef {
                            signal: sig,
                            bit: p,
                        },
                        source: info.source_name.clone(),
                    },
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::test_support::hdr;
    use crate::names::{BitRef, NameMap};
    use crate::TraceError;

    #[test]
    fn mapping_binds_synthesized_names_and_settles_ambiguity() {
        let h = hdr(&[
            (
                "ddr2_ctrl_tandem/data_path_00/tap_logic_00/data_tap_inc_0/chan_sel_int_not0002",
                1,
                None,
            ),
            ("tb/dq", 8, Some((7, 0))),
            ("tb/dut/cntrl0_ddr2_dq", 8, Some((7, 0))),
            ("probes/p7", 4, None),
        ]);
        let text = r#"
# the blog's CHAN_DONE
"tap_logic/chan_done_dqs[0]" = "ddr2_ctrl_tandem/data_path_00/tap_logic_00/data_tap_inc_0/chan_sel_int_not0002"
"pins/dq" = "tb/dut/cntrl0_ddr2_dq"
"Tap_Logic/dlyce_dqs<1>" = "probes/p7[2]"
"#;
        let map = Mapping::parse(text, Path::new("map.toml")).unwrap();
        assert_eq!(map.entries[2].canonical, "tap_logic/dlyce_dqs[1]");
        let m = NameMap::build(&h, Some(&map)).unwrap();
        let chan = m.get("tap_logic/chan_done_dqs").unwrap();
        assert_eq!(chan.bits[0], Some(BitRef { signal: 0, bit: 0 }));
        assert_eq!(m.get("pins/dq").unwrap().whole, Some(2));
        let d = m.get("tap_logic/dlyce_dqs").unwrap();
        assert_eq!(
            (d.width, d.bits[1]),
            (2, Some(BitRef { signal: 3, bit: 2 }))
        );
        assert_eq!(d.bits[0], None);

        let bad = Mapping::parse(
            "\"tap_logic/tap_sel_done\" = \"nowhere/sel\"\n",
            Path::new("m.toml"),
        )
        .unwrap();
        match NameMap::build(&h, Some(&bad)) {
            Err(TraceError::Mapping { path, message }) => {
                assert_eq!(path, Path::new("m.toml"));
                assert!(
                    message.contains("nowhere/sel") && message.contains("line 1"),
                    "{message}"
                );
            }
            other => panic!("expected mapping error, got {other:?}"),
        }
        // By position: the 1st and 3rd capture signals, and a position past the end.
        let by_pos = Mapping::parse(
            "\"tap_logic/tap_sel_done\" = \"#1\"\n\"pins/dq\" = \"#3\"\n",
            Path::new("p.toml"),
        )
        .unwrap();
        let m = NameMap::build(&h, Some(&by_pos)).unwrap();
        assert_eq!(m.get("tap_logic/tap_sel_done").unwrap().whole, Some(0));
        assert_eq!(m.get("pins/dq").unwrap().whole, Some(2));
        let past = Mapping::parse("\"pins/cke\" = \"#5\"\n", Path::new("p.toml")).unwrap();
        match NameMap::build(&h, Some(&past)) {
            Err(TraceError::Mapping { message, .. }) => {
                assert!(
                    message.contains("#1..#4") && message.contains("\"#5\""),
                    "{message}"
                )
            }
            other => panic!("expected mapping error, got {other:?}"),
        }
        for text in [
            "\"nosuchblock/x\" = \"tb/dq\"",
            "\"tap_logic/tap_sel_dne\" = \"tb/dq\"",
            "\"tap_ctrl/current_state\" = \"tb/dq\"",
            "\"tap_logic[0]/tap_sel_done\" = \"tb/dq\"",
            "\"pins/dq\" = 3",
            "pins = [",
        ] {
            assert!(
                matches!(
                    Mapping::parse(text, Path::new("m.toml")),
                    Err(TraceError::Mapping { .. })
                ),
                "{text}"
            );
        }
    }

    /// Issue 18: a misspelt MIG name is an error naming the key, the file, the line and the
    /// nearest valid names; the README's old CHAN_DONE key points at the name the analysis reads.
    #[test]
    fn unknown_mig_names_are_errors_with_the_nearest_names() {
        let text = "# probes\n\"pins/dq\" = \"tb/dq\"\n\"tap_logic/tap_sel_dne\" = \"p/sel\"\n";
        match Mapping::parse(text, Path::new("map.toml")) {
            Err(e @ TraceError::Mapping { .. }) => {
                let msg = e.to_string();
                assert!(
                    msg.starts_with("map.toml: line 3: \"tap_logic/tap_sel_dne\"")
                        && msg.contains("nearest: `tap_logic/tap_sel_done`"),
                    "{msg}"
                );
            }
            other => panic!("expected mapping error, got {other:?}"),
        }
        let old = "\"data_tap_inc[0]/chan_done\" = \"x/chan_sel_int_not0002\"\n";
        let msg = Mapping::parse(old, Path::new("m.toml"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("`tap_logic/chan_done_dqs[0]`"), "{msg}");
        let msg = Mapping::parse("\"tap_ctrl/tap_count\" = \"x\"", Path::new("m.toml"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("`tap_ctrl[i]/tap_count`"), "{msg}");
        assert_eq!(edit_distance("tap_sel_dne", "tap_sel_done"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
