//! What a canonical name is bound to: capture bits, the whole-signal shortcut, and the ambiguity
//! when two capture signals claim one name.

use super::catalogue::{catalogue_entry, CatalogueEntry};
use crate::trace::{Header, SignalId, VarKind};
use crate::TraceError;
use std::collections::BTreeSet;

/// One bit of a capture signal: `bit` counts from the least significant (rightmost) bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct BitRef {
    /// The capture signal.
    pub signal: SignalId,
    /// Bit position in it, 0 = least significant.
    pub bit: u32,
}

/// Where the value of one canonical name comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Binding {
    /// The canonical name (`pins/dq`, `tap_ctrl[0]/current_state`, `pins/dq[3]`).
    pub name: String,
    /// Width of the canonical value.
    pub width: u32,
    /// Kind of the value (reals and strings are only ever bound whole).
    pub kind: VarKind,
    /// When the canonical value is one capture signal taken bit for bit in its own order.
    pub whole: Option<SignalId>,
    /// Canonical bit `i` (0 = least significant, i.e. `name[i]`) comes from `bits[i]`; `None`
    /// for an index no capture signal provides (read as `x`). Empty for reals and strings.
    pub bits: Vec<Option<BitRef>>,
    /// The capture name(s) it comes from, for reports.
    pub source: String,
}

impl Binding {
    /// The capture signals this binding reads, without repeats, in id order.
    pub fn signals(&self) -> Vec<SignalId> {
        let mut v: BTreeSet<SignalId> = self.bits.iter().flatten().map(|b| b.signal).collect();
        if let Some(w) = self.whole {
            v.insert(w);
        }
        v.into_iter().collect()
    }

    /// The binding of bit `i` alone (`pins/dq` → `pins/dq[3]`); `None` outside the width or for
    /// a bit no capture signal provides.
    pub fn bit(&self, i: u32, header: &Header) -> Option<Binding> {
        let b = (*self.bits.get(i as usize)?)?;
        let info = &header.signals[b.signal as usize];
        let whole = (info.width == 1).then_some(b.signal);
        Some(Binding {
            name: format!("{}[{i}]", self.name),
            width: 1,
            kind: VarKind::Bits,
            whole,
            bits: vec![Some(b)],
            source: if info.width == 1 {
                info.source_name.clone()
            } else {
                format!("{} bit {}", info.source_name, b.bit)
            },
        })
    }

    /// The catalogue entry of this name, if it is a catalogued signal.
    pub fn entry(&self) -> Option<&'static CatalogueEntry> {
        catalogue_entry(&self.name)
    }
}

/// Capture signals binding to one canonical bit, or one canonical name, more than once: the
/// candidates the automatic rules could not choose between.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ambiguity {
    /// The canonical name.
    pub name: String,
    /// Two capture names that both claim it.
    pub first: String,
    /// The other.
    pub second: String,
}

impl From<Ambiguity> for TraceError {
    fn from(a: Ambiguity) -> TraceError {
        TraceError::AmbiguousName {
            mig_name: a.name,
            first: a.first,
            second: a.second,
        }
    }
}
