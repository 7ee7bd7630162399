//! A capture loaded into memory under canonical MIG names.

use super::binding::Binding;
use super::canonical_source::CanonicalSource;
use super::map::NameMap;
use super::parse::{normalize_query, split_bit_any};
use crate::trace::{ChangeSource, SignalId, Time, Trace, Value};
use crate::TraceError;
use std::collections::BTreeMap;

/// A capture loaded into memory under canonical MIG names: what analyses and the golden-model
/// comparison read, whatever the capture's hierarchy, bit style or bus shape.
///
/// Names given to its methods may be canonical (`tap_ctrl[0]/current_state`), bare when unique
/// (`tap_sel_done`), and may select one bit (`dlyce_dqs[0]`, `pins/dq[3]`): a bit of a loaded bus
/// is cut out on the fly.
#[derive(Debug, Clone)]
pub struct MigTrace {
    /// The canonical signals and their changes; `trace.header.signals[i].source_name` is the
    /// canonical name of signal `i`.
    pub trace: Trace,
    /// Where each loaded canonical signal came from, indexed like `trace.header.signals`.
    pub bindings: Vec<Binding>,
    /// Names asked for that the capture does not have.
    pub missing: Vec<String>,
    index: BTreeMap<String, SignalId>,
}

/// A resolved signal of a [`MigTrace`]: a loaded signal, or one bit of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sel {
    /// Index of the loaded canonical signal.
    pub id: SignalId,
    /// The bit selected (0 = least significant), `None` for the whole value.
    pub bit: Option<u32>,
}

impl MigTrace {
    /// Loads the `wanted` names (canonical, bare or bit selections; every binding of `map` when
    /// `None`) from `src`, which must be the capture `map` was built from. Names the capture
    /// lacks are listed in [`MigTrace::missing`], not an error; a bare name matching two
    /// canonical names is [`TraceError::AmbiguousName`].
    pub fn load(
        src: Box<dyn ChangeSource + Send>,
        map: &NameMap,
        wanted: Option<&[&str]>,
    ) -> Result<MigTrace, TraceError> {
        MigTrace::load_capped(src, map, wanted, usize::MAX)
    }

    /// Like [`MigTrace::load`], keeping at most `cap` changes per signal (see
    /// [`Trace::load_capped`]): memory bounded by the signals, not the capture's length.
    pub fn load_capped(
        src: Box<dyn ChangeSource + Send>,
        map: &NameMap,
        wanted: Option<&[&str]>,
        cap: usize,
    ) -> Result<MigTrace, TraceError> {
        let mut missing = Vec::new();
        let bindings: Vec<Binding> = match wanted {
            None => map.bindings().to_vec(),
            Some(names) => {
                let mut v: Vec<Binding> = Vec::new();
                for n in names {
                    match map.lookup(n)? {
                        Some(b) if !v.iter().any(|x| x.name == b.name) => v.push(b),
                        Some(_) => {}
                        None => missing.push((*n).to_string()),
                    }
                }
                v
            }
        };
        let n = bindings.len() as SignalId;
        let mut canon = CanonicalSource::new(src, bindings);
        // Filtering to every output narrows the reader to the capture signals they read.
        let all: Vec<SignalId> = (0..n).collect();
        let trace = Trace::load_capped(&mut canon, Some(&all), cap)?;
        let bindings = canon.outputs;
        let index = bindings
            .iter()
            .enumerate()
            .map(|(i, b)| (b.name.clone(), i as SignalId))
            .collect();
        Ok(MigTrace {
            trace,
            bindings,
            missing,
            index,
        })
    }

    /// The canonical names loaded, in load order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.bindings.iter().map(|b| b.name.as_str())
    }

    /// Resolves a name to a loaded signal or a bit of one; `Ok(None)` when not loaded.
    pub fn find(&self, name: &str) -> Result<Option<Sel>, TraceError> {
        let q = normalize_query(name);
        if let Some(id) = self.resolve_whole(&q, name)? {
            return Ok(Some(Sel { id, bit: None }));
        }
        let (base, bit) = split_bit_any(&q);
        if let Some(bit) = bit {
            if let Some(id) = self.resolve_whole(base, name)? {
                if bit < self.trace.header.signals[id as usize].width {
                    return Ok(Some(Sel { id, bit: Some(bit) }));
                }
            }
        }
        Ok(None)
    }

    fn resolve_whole(&self, q: &str, original: &str) -> Result<Option<SignalId>, TraceError> {
        if let Some(&id) = self.index.get(q) {
            return Ok(Some(id));
        }
        let tail = format!("/{q}");
        let mut hits = self.index.iter().filter(|(n, _)| n.ends_with(&tail));
        match (hits.next(), hits.next()) {
            (Some(a), Some(b)) => Err(TraceError::AmbiguousName {
                mig_name: original.to_string(),
                first: a.0.clone(),
                second: b.0.clone(),
            }),
            (Some((_, &id)), None) => Ok(Some(id)),
            _ => Ok(None),
        }
    }

    /// True when `name` resolves to a loaded signal (an ambiguous bare name counts as absent).
    pub fn has(&self, name: &str) -> bool {
        matches!(self.find(name), Ok(Some(_)))
    }

    /// The changes of `name` in time order (a bit selection yields only the changes of that bit);
    /// `Ok(None)` when not loaded.
    pub fn changes(&self, name: &str) -> Result<Option<Vec<(Time, Value)>>, TraceError> {
        Ok(self.find(name)?.map(|s| self.changes_of(s)))
    }

    /// The changes of a resolved signal.
    pub fn changes_of(&self, s: Sel) -> Vec<(Time, Value)> {
        let list = &self.trace.changes[s.id as usize];
        match s.bit {
            None => list.clone(),
            Some(bit) => {
                let mut out: Vec<(Time, Value)> = Vec::new();
                for (t, v) in list {
                    let b = v.bit(bit).unwrap_or(b'x');
                    if out.last().map(|(_, p)| p.bit(0) != Some(b)).unwrap_or(true) {
                        out.push((*t, Value::Bits(vec![b].into())));
                    }
                }
                out
            }
        }
    }

    /// The value of `name` at `time` (the last change at or before it); `Ok(None)` when not
    /// loaded or before its first change.
    pub fn value_at(&self, name: &str, time: Time) -> Result<Option<Value>, TraceError> {
        Ok(self.find(name)?.and_then(|s| self.value_of(s, time)))
    }

    /// The value of a resolved signal at `time`.
    pub fn value_of(&self, s: Sel, time: Time) -> Option<Value> {
        let v = self.trace.value_at(s.id, time)?;
        match s.bit {
            None => Some(v.clone()),
            Some(bit) => Some(Value::Bits(vec![v.bit(bit)?].into())),
        }
    }

    /// Time of the last change of a loaded signal (changes of signals not loaded are not seen).
    pub fn end_time(&self) -> Time {
        self.trace.end_time
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::test_support::{bits, hdr, VecSource};
    use crate::names::NameMap;
    use crate::trace::Warnings;

    #[test]
    fn mig_trace_loads_only_what_is_asked() {
        let h = hdr(&[
            ("tb/dq", 4, Some((3, 0))),
            ("tb/tap_logic_00/tap_sel_done", 1, None),
        ]);
        let m = NameMap::build(&h, None).unwrap();
        let src = VecSource {
            header: h.clone(),
            changes: vec![
                (0, 0, bits("0000")),
                (5, 0, bits("0100")),
                (7, 0, bits("0101")),
            ],
            pos: 0,
            warnings: Warnings::default(),
        };
        let t = MigTrace::load(Box::new(src), &m, Some(&["dq[2]", "init_state"])).unwrap();
        assert_eq!(t.names().collect::<Vec<_>>(), vec!["pins/dq[2]"]);
        assert_eq!(t.missing, vec!["init_state".to_string()]);
        assert_eq!(
            t.changes("pins/dq[2]").unwrap().unwrap(),
            vec![(0, bits("0")), (5, bits("1"))]
        );
    }
}
