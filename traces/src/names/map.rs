//! [`NameMap`]: every capture signal the rules recognise, bound to its canonical MIG name, and
//! the queries over it (lookup by canonical, bare or capture-style name; what is missing).

use super::binding::{Ambiguity, Binding};
use super::catalogue::{canonical_base, catalogue_entry, split_canonical, Block, Stage, CATALOGUE};
use super::group::{finish_group, Group, MAX_ASSEMBLED_WIDTH};
use super::mapping::{apply_mapping, Mapping};
use super::parse::{
    classify, classify_place, natural_cmp, normalize_query, parse_name, split_bit, split_bit_any,
    Place, Suffix,
};
use crate::trace::{Header, SignalId};
use crate::TraceError;
use std::collections::BTreeMap;

/// The binding of a capture's signals to canonical MIG names.
#[derive(Debug, Clone)]
pub struct NameMap {
    header: Header,
    bindings: Vec<Binding>,
    index: BTreeMap<String, usize>,
    ambiguities: Vec<Ambiguity>,
    unbound: Vec<SignalId>,
    set_aside: Vec<SetAside>,
}

/// A capture signal left unbound although its leaf is a MIG name (see [`NameMap::set_aside`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SetAside {
    /// The capture signal.
    pub signal: SignalId,
    /// Its capture name.
    pub source: String,
    /// The canonical name it would have bound to.
    pub canonical: String,
    /// Why it was not bound, in words.
    pub reason: String,
}

/// Each recognised capture signal: id, canonical base, leaf suffix and how it got there.
type Placed = (SignalId, String, Option<Suffix>, Place);

fn place_signals(header: &Header) -> Vec<Placed> {
    let mut out = Vec::new();
    for (id, info) in header.signals.iter().enumerate() {
        let Some(parsed) = parse_name(&info.source_name) else {
            continue;
        };
        if let Some((base, suffix, place)) = classify_place(&parsed) {
            out.push((id as SignalId, base, suffix, place));
        }
    }
    out
}

/// MIG-internal scopes between the MIG's own top and its blocks (mig-rtl.md §1), compared
/// without generate index: a pin net under one of these below the user's prefix is the MIG's.
const MIG_STRUCTURE: &[&str] = &[
    // migcal's own canonical layout (`convert` writes the board pins under a `pins` scope).
    "pins",
    "top_00",
    "top_0",
    "data_path_00",
    "data_path_0",
    "iobs_00",
    "iobs_0",
    "data_path_iobs_00",
    "data_path_iobs_0",
    "controller_iobs_00",
    "controller_iobs_0",
    "infrastructure_iobs_00",
    "infrastructure_iobs_0",
    "user_interface_00",
    "user_interface_0",
    "infrastructure0",
    "infrastructure_top0",
    "v4_dq_iob_gen",
    "v4_dq_iob_0",
    "v4_dqs_iob_gen",
    "v4_dqs_iob_0",
];

fn structural(scope: &str) -> bool {
    let base = scope.split('[').next().unwrap_or(scope);
    MIG_STRUCTURE.contains(&base)
}

/// Whether a generic pin name under `scopes` sits in the MIG hierarchy that `learnt` (the
/// prefixes of nets bound without doubt) shows: on the path to the MIG, or below it through
/// MIG-internal scopes only.
fn fits(scopes: &[String], learnt: &[&[String]]) -> bool {
    learnt.iter().any(|l| {
        let common = scopes
            .iter()
            .zip(l.iter())
            .take_while(|(a, b)| a == b)
            .count();
        scopes[common..].iter().all(|s| structural(s))
    })
}

/// The signals the placement rules leave unbound, with the reason (see [`NameMap::set_aside`]).
fn set_aside(header: &Header, placed: &[Placed]) -> Vec<SetAside> {
    // The user's prefix for the MIG, learnt from nets that bind without doubt: direct children
    // of MIG block instances, and pins only a DDR interface names so (`cntrl0_ddr2_dq`).
    let learnt: Vec<&[String]> = placed
        .iter()
        .filter_map(|(_, _, _, p)| match p {
            Place::Instance(prefix) => Some(prefix.as_slice()),
            Place::Alias {
                scopes,
                strong: true,
            } => Some(scopes.as_slice()),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for (id, base, _, place) in placed {
        let source = &header.signals[*id as usize].source_name;
        let reason = match place {
            Place::Alias {
                scopes,
                strong: false,
            } if !scopes.is_empty() && !learnt.is_empty() && !fits(scopes, &learnt) => format!(
                "`{}` is outside the MIG hierarchy (the MIG's nets here are under `{}`): another core's net, not {base}",
                scopes.join("/"),
                if learnt[0].is_empty() { "the top".to_string() } else { learnt[0].join("/") }
            ),
            Place::Bare => match placed
                .iter()
                .find(|(o, b, _, p)| o != id && b == base && *p != Place::Bare)
            {
                Some((o, ..)) => format!(
                    "{base} is bound from `{}`; a bare channel name binds only when it is the only one",
                    header.signals[*o as usize].source_name
                ),
                None => continue,
            },
            _ => continue,
        };
        out.push(SetAside {
            signal: *id,
            source: source.clone(),
            canonical: base.clone(),
            reason,
        });
    }
    out
}

impl NameMap {
    /// Binds every capture signal that the rules recognise, applies `mapping`, and fails on the
    /// first canonical name two capture signals claim ([`TraceError::AmbiguousName`]) or on a
    /// mapping entry naming a signal the capture lacks ([`TraceError::Mapping`]).
    pub fn build(header: &Header, mapping: Option<&Mapping>) -> Result<NameMap, TraceError> {
        let map = NameMap::build_lenient(header, mapping)?;
        if let Some(a) = map.ambiguities.first() {
            return Err(a.clone().into());
        }
        Ok(map)
    }

    /// Like [`NameMap::build`] but keeps going past ambiguities: the ambiguous names are left
    /// unbound and listed by [`NameMap::ambiguities`] (for `migcal signals`, which shows them all).
    pub fn build_lenient(
        header: &Header,
        mapping: Option<&Mapping>,
    ) -> Result<NameMap, TraceError> {
        let mut groups: BTreeMap<String, Group> = BTreeMap::new();
        let placed = place_signals(header);
        let set_aside = set_aside(header, &placed);
        for (id, base, suffix, _) in placed {
            if set_aside.iter().any(|s| s.signal == id) {
                continue;
            }
            let info = &header.signals[id as usize];
            // An index past any real bus is an array element, not a bit: its own signal.
            let (base, suffix) = match suffix {
                Some(Suffix::Bit(i))
                    if info.width != 1 || !(0..MAX_ASSEMBLED_WIDTH as i64).contains(&i) =>
                {
                    (format!("{base}[{i}]"), None)
                }
                s => (base, s),
            };
            groups.entry(base).or_default().add_signal(id, info, suffix);
        }
        if let Some(m) = mapping {
            apply_mapping(header, m, &mut groups)?;
        }
        let mut bindings = Vec::new();
        let mut ambiguities = Vec::new();
        for (name, g) in groups {
            match finish_group(header, &name, g) {
                Ok(Some(b)) => bindings.push(b),
                Ok(None) => {}
                Err(a) => ambiguities.push(a),
            }
        }
        bindings.sort_by(|a, b| natural_cmp(&a.name, &b.name));
        let index = bindings
            .iter()
            .enumerate()
            .map(|(i, b)| (b.name.clone(), i))
            .collect();
        // Unbound = in no final binding: never recognised, displaced by a mapping entry, or
        // one of an ambiguous pair (those are also listed as ambiguities).
        let mut in_use = vec![false; header.signals.len()];
        for b in &bindings {
            for s in b.signals() {
                in_use[s as usize] = true;
            }
        }
        let unbound = (0..header.signals.len() as SignalId)
            .filter(|&i| !in_use[i as usize])
            .collect();
        Ok(NameMap {
            header: header.clone(),
            bindings,
            index,
            ambiguities,
            unbound,
            set_aside,
        })
    }

    /// Capture signals whose leaf names a MIG signal but which the rules left unbound, each
    /// with the reason: a generic name under another core's path (`u_sata_phy/u_oob/init_done`),
    /// or a bare channel name that a hierarchical net already binds. Reports print these as
    /// notes so that a missing MIG name never hides a capture net that looked like it.
    pub fn set_aside(&self) -> &[SetAside] {
        &self.set_aside
    }

    /// The capture header the map was built from.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Unbound capture signals whose leaf is a catalogued MIG signal name (`probes/tap_sel_done`,
    /// a bare `comp_done`), each with the canonical names it could be: what a "capture X" hint
    /// must mention instead of asking for a net the capture already holds.
    pub fn unbound_lookalikes(&self) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        for &id in &self.unbound {
            let source = &self.header.signals[id as usize].source_name;
            let Some(p) = parse_name(source) else {
                continue;
            };
            let leaf = p.leaf_name();
            let names: Vec<String> = CATALOGUE
                .iter()
                .filter(|e| e.signal == leaf)
                .map(|e| {
                    let idx = e.block.indexed().then_some(0);
                    canonical_base(e.block, idx, e.signal).replace("[0]/", "[i]/")
                })
                .collect();
            if !names.is_empty() {
                out.push((source.clone(), names));
            }
        }
        out
    }

    /// Every binding, sorted by canonical name.
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The binding of exactly this canonical name (no bit selection, no bare names).
    pub fn get(&self, canonical: &str) -> Option<&Binding> {
        self.index.get(canonical).map(|&i| &self.bindings[i])
    }

    /// Names two capture signals both claimed (only non-empty after [`NameMap::build_lenient`]).
    pub fn ambiguities(&self) -> &[Ambiguity] {
        &self.ambiguities
    }

    /// Capture signals no rule or mapping entry bound.
    pub fn unbound(&self) -> &[SignalId] {
        &self.unbound
    }

    /// Finds a signal by canonical name (`tap_ctrl[0]/current_state`), by bare MIG name when only
    /// one canonical name ends with it (`tap_sel_done`, `dlyce_dqs[0]`, `tap_ctrl[1]/tap_count`),
    /// or by a capture-style path (`tap_ctrl_gen(0)/tap_ctrl_0/current_state`); a trailing bit
    /// selects one bit of a bus (`pins/dq[3]`, `dq<3>`). `Ok(None)` when nothing matches;
    /// [`TraceError::AmbiguousName`] when a bare name matches two canonical names.
    pub fn lookup(&self, query: &str) -> Result<Option<Binding>, TraceError> {
        let q = normalize_query(query);
        if let Some(b) = self.find_whole(&q, query)? {
            return Ok(Some(b.clone()));
        }
        let (base, bit) = split_bit(&q);
        if let Some(bit) = bit {
            if let Some(b) = self.find_whole(base, query)? {
                return Ok(b.bit(bit, &self.header));
            }
        }
        if !q.contains('/') {
            // A bare name with a bit: `dlyce_dqs[0]`.
            if let (base, Some(bit)) = split_bit_any(&q) {
                if let Some(b) = self.find_whole(base, query)? {
                    return Ok(b.bit(bit, &self.header));
                }
            }
        }
        // A capture-style path: classify it like a capture signal.
        if let Some(parsed) = parse_name(query) {
            if let Some((base, suffix)) = classify(&parsed) {
                if let Some(b) = self.get(&base) {
                    return Ok(match suffix {
                        Some(Suffix::Bit(i)) if i >= 0 => b.bit(i as u32, &self.header),
                        _ => Some(b.clone()),
                    });
                }
            }
        }
        Ok(None)
    }

    fn find_whole(&self, q: &str, original: &str) -> Result<Option<&Binding>, TraceError> {
        if let Some(b) = self.get(q) {
            return Ok(Some(b));
        }
        let tail = format!("/{q}");
        let mut hits = self.bindings.iter().filter(|b| b.name.ends_with(&tail));
        match (hits.next(), hits.next()) {
            (Some(a), Some(b)) => Err(TraceError::AmbiguousName {
                mig_name: original.to_string(),
                first: a.name.clone(),
                second: b.name.clone(),
            }),
            (a, None) => Ok(a),
            (None, Some(_)) => unreachable!("an iterator yields in order"),
        }
    }

    /// The catalogue entries this capture lacks, with the instance indices the capture implies
    /// (`tap_ctrl[0]/current_state` for each DQS group, `idelay_dq[k]/tap` for each DQ), as
    /// canonical names grouped by the stage that needs them, stages in order.
    pub fn missing(&self) -> Vec<(Stage, Vec<String>)> {
        let groups = self.dqs_groups();
        let dq_lines = self.get("pins/dq").map(|b| b.width);
        let mut by_stage: BTreeMap<Stage, Vec<String>> = BTreeMap::new();
        for e in CATALOGUE {
            let names: Vec<String> = if e.block.indexed() {
                let count = match e.block {
                    Block::IdelayDq => dq_lines,
                    _ => groups,
                };
                match count {
                    Some(n) => (0..n)
                        .map(|i| canonical_base(e.block, Some(i), e.signal))
                        .collect(),
                    None => {
                        let present = self
                            .bindings
                            .iter()
                            .any(|b| catalogue_entry(&b.name) == Some(e));
                        if present {
                            Vec::new()
                        } else {
                            vec![format!("{}[i]/{}", e.block.name(), e.signal)]
                        }
                    }
                }
            } else {
                vec![canonical_base(e.block, None, e.signal)]
            };
            for n in names {
                // `[i]` placeholders were only produced when no instance is present.
                if n.contains("[i]") || self.get(&n).is_none() {
                    by_stage.entry(e.stage).or_default().push(n);
                }
            }
        }
        by_stage.into_iter().collect()
    }

    /// The number of DQS groups the capture shows: the width of a per-group tap_logic vector,
    /// else the number of per-group instances seen.
    pub fn dqs_groups(&self) -> Option<u32> {
        for n in ["calib_done_dqs", "dlyce_dqs", "dlyinc_dqs", "chan_done_dqs"] {
            if let Some(b) = self.get(&format!("tap_logic/{n}")) {
                return Some(b.width);
            }
        }
        let mut max: Option<u32> = None;
        for b in &self.bindings {
            if let Some((blk, Some(i), _, _)) = split_canonical(&b.name) {
                if matches!(
                    blk,
                    Block::TapCtrl | Block::DataTapInc | Block::PatternCompare
                ) {
                    max = Some(max.map_or(i + 1, |m| m.max(i + 1)));
                }
            }
        }
        max
    }
}
