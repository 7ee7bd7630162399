//! Shared helpers of the `names` unit tests: headers from a list, an in-memory capture.

use crate::trace::{
    ChangeRef, ChangeSource, Header, SignalId, SignalInfo, Time, Value, VarKind, Warnings,
};
use crate::{TimeBase, TraceError};

use super::NameMap;

/// A test signal: name, width, declared range.
pub(super) type Sig<'a> = (&'a str, u32, Option<(i64, i64)>);

pub(super) fn hdr(sigs: &[Sig<'_>]) -> Header {
    Header {
        signals: sigs
            .iter()
            .map(|&(n, w, r)| SignalInfo {
                source_name: n.to_string(),
                width: w,
                kind: VarKind::Bits,
                range: r,
            })
            .collect(),
        time_base: TimeBase::Femtoseconds,
        timescale_text: None,
        notes: Vec::new(),
    }
}

pub(super) fn names_of(m: &NameMap) -> Vec<&str> {
    m.bindings().iter().map(|b| b.name.as_str()).collect()
}

/// An in-memory capture for driving [`CanonicalSource`].
pub(super) struct VecSource {
    pub(super) header: Header,
    pub(super) changes: Vec<(Time, SignalId, Value)>,
    pub(super) pos: usize,
    pub(super) warnings: Warnings,
}

impl ChangeSource for VecSource {
    fn header(&self) -> &Header {
        &self.header
    }
    fn set_filter(&mut self, _wanted: &[SignalId]) {}
    fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, TraceError> {
        let Some((t, s, v)) = self.changes.get(self.pos) else {
            return Ok(None);
        };
        self.pos += 1;
        Ok(Some(ChangeRef {
            time: *t,
            signal: *s,
            value: v.as_ref(),
        }))
    }
    fn warnings(&self) -> &Warnings {
        &self.warnings
    }
}

pub(super) fn bits(s: &str) -> Value {
    Value::Bits(s.as_bytes().into())
}
