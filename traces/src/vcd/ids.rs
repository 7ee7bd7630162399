//! Id codes: the table from a change's id code to its declaration, and what each declaration
//! carries (width, kind, the aliases sharing the code and which of them are wanted).

use crate::{SignalId, VarKind};
use std::collections::HashMap;

/// Id codes of up to 3 characters index a dense table (bijective base 95, at most ~860 k slots);
/// longer ones go through a hash map. Writers hand out short codes first, so the map is rare.
#[derive(Default)]
pub(super) struct IdTable {
    dense: Vec<u32>,
    sparse: HashMap<Box<[u8]>, u32>,
}

const NO_ENTRY: u32 = u32::MAX;

fn dense_key(id: &[u8]) -> Option<usize> {
    let mut k = 0usize;
    for &c in id {
        if !(33..=126).contains(&c) {
            return None;
        }
        k = k * 95 + (c - 32) as usize;
    }
    Some(k)
}

impl IdTable {
    #[inline(always)]
    pub(super) fn get(&self, id: &[u8]) -> Option<u32> {
        if id.len() == 1 {
            let c = id[0];
            if !(33..=126).contains(&c) {
                return None;
            }
            return match self.dense.get((c - 32) as usize) {
                Some(&e) if e != NO_ENTRY => Some(e),
                _ => None,
            };
        }
        if id.len() <= 3 {
            let k = dense_key(id)?;
            match self.dense.get(k) {
                Some(&e) if e != NO_ENTRY => Some(e),
                _ => None,
            }
        } else {
            self.sparse.get(id).copied()
        }
    }

    pub(super) fn insert(&mut self, id: &[u8], entry: u32) {
        if id.len() <= 3 {
            if let Some(k) = dense_key(id) {
                if self.dense.len() <= k {
                    self.dense.resize(k + 1, NO_ENTRY);
                }
                self.dense[k] = entry;
                return;
            }
        }
        self.sparse.insert(id.into(), entry);
    }
}

/// One id code of the file: several `$var`s may share it (aliases).
pub(super) struct IdEntry {
    pub(super) width: u32,
    pub(super) kind: VarKind,
    pub(super) aliases: Vec<SignalId>,
    /// Some alias is wanted.
    pub(super) wanted: bool,
    /// Exactly one alias is wanted, and it is `first`: the change needs no alias walk.
    pub(super) single: bool,
    /// The first wanted alias.
    pub(super) first: SignalId,
}

impl IdEntry {
    /// Recomputes the filter summary (`wanted`, `single`, `first`) from the wanted signals.
    pub(super) fn refresh(&mut self, wanted_signals: &[bool]) {
        let mut wanted = self.aliases.iter().filter(|&&s| wanted_signals[s as usize]);
        match wanted.next() {
            Some(&first) => {
                self.wanted = true;
                self.first = first;
                self.single = wanted.next().is_none();
            }
            None => {
                self.wanted = false;
                self.single = false;
            }
        }
    }
}
