//! The candidates for one canonical name, collected from the capture (and the mapping file), and
//! the choice among them that makes a [`Binding`] or an [`Ambiguity`].

use super::binding::{Ambiguity, Binding, BitRef};
use super::parse::Suffix;
use crate::trace::{Header, SignalId, SignalInfo, VarKind};
use std::collections::BTreeMap;

/// A candidate for one canonical bit: which capture bit, from which source name, and whether it
/// came from the mapping file.
#[derive(Clone)]
pub(super) struct Candidate {
    pub(super) bit: BitRef,
    pub(super) source: String,
}

#[derive(Default)]
pub(super) struct Group {
    /// Canonical bit index -> candidates.
    pub(super) bits: BTreeMap<u32, Vec<Candidate>>,
    /// Non-bit (real/string/event) candidates: signal and source name.
    pub(super) opaque: Vec<(SignalId, String, VarKind)>,
    /// Indices bound by the mapping file (they override automatic candidates).
    pub(super) mapped: BTreeMap<u32, Candidate>,
    pub(super) mapped_opaque: Option<(SignalId, String, VarKind)>,
}

/// Positions of a variable's declared indices: `(index, bit position from the LSB)`.
pub(super) fn index_positions(info: &SignalInfo, suffix: Option<Suffix>) -> Vec<(u32, u32)> {
    let w = info.width;
    let range = match suffix {
        Some(Suffix::Range(a, b)) => Some((a, b)),
        Some(Suffix::Bit(_)) => None,
        None => info.range,
    };
    match range {
        Some((msb, lsb)) if msb >= 0 && lsb >= 0 && (msb - lsb).unsigned_abs() + 1 == w as u64 => {
            (0..w)
                .map(|pos| {
                    let idx = if msb >= lsb {
                        lsb + pos as i64
                    } else {
                        lsb - pos as i64
                    };
                    (idx as u32, pos)
                })
                .collect()
        }
        _ => (0..w).map(|pos| (pos, pos)).collect(),
    }
}

/// Whether a vector's width and range fit a bus migcal assembles (at most
/// [`MAX_ASSEMBLED_WIDTH`] bits, indices below it).
fn assemblable(info: &SignalInfo, suffix: Option<Suffix>) -> bool {
    let in_range = |i: i64| (0..MAX_ASSEMBLED_WIDTH as i64).contains(&i);
    let range = match suffix {
        Some(Suffix::Range(a, b)) => Some((a, b)),
        Some(Suffix::Bit(_)) => None,
        None => info.range,
    };
    info.width <= MAX_ASSEMBLED_WIDTH && range.is_none_or(|(a, b)| in_range(a) && in_range(b))
}

/// The largest canonical bus width migcal assembles; an index beyond it is a name that only
/// looks like a bit (a memory array element) and is kept as its own signal.
pub(super) const MAX_ASSEMBLED_WIDTH: u32 = 4096;

impl Group {
    pub(super) fn add_signal(&mut self, id: SignalId, info: &SignalInfo, suffix: Option<Suffix>) {
        if info.kind == VarKind::Bits && !assemblable(info, suffix) {
            // Wider than any MIG bus, or bit indices past one: not a MIG signal (and never a
            // per-bit table sized from the file's numbers).
            return;
        }
        if info.kind != VarKind::Bits {
            self.opaque.push((id, info.source_name.clone(), info.kind));
            return;
        }
        match suffix {
            Some(Suffix::Bit(i))
                if info.width == 1 && (0..MAX_ASSEMBLED_WIDTH as i64).contains(&i) =>
            {
                self.bits.entry(i as u32).or_default().push(Candidate {
                    bit: BitRef { signal: id, bit: 0 },
                    source: info.source_name.clone(),
                });
            }
            _ => {
                for (idx, pos) in index_positions(info, suffix) {
                    self.bits.entry(idx).or_default().push(Candidate {
                        bit: BitRef {
                            signal: id,
                            bit: pos,
                        },
                        source: info.source_name.clone(),
                    });
                }
            }
        }
    }
}

fn source_text(sources: &[&str]) -> String {
    let mut uniq: Vec<&str> = Vec::new();
    for s in sources {
        if !uniq.contains(s) {
            uniq.push(s);
        }
    }
    match uniq.len() {
        0 => String::new(),
        1..=3 => uniq.join(", "),
        n => format!("{} … {} ({n} signals)", uniq[0], uniq[n - 1]),
    }
}

pub(super) fn finish_group(
    header: &Header,
    name: &str,
    g: Group,
) -> Result<Option<Binding>, Ambiguity> {
    if let Some((id, src, kind)) = g
        .mapped_opaque
        .clone()
        .or_else(|| (g.opaque.len() == 1 && g.bits.is_empty()).then(|| g.opaque[0].clone()))
    {
        return Ok(Some(Binding {
            name: name.to_string(),
            width: 1,
            kind,
            whole: Some(id),
            bits: Vec::new(),
            source: src,
        }));
    }
    // Any two claims on the same thing: opaque vs opaque, opaque vs bits, or two on one bit.
    if g.mapped.is_empty() && !g.opaque.is_empty() {
        let first = g.opaque[0].1.clone();
        let second = g
            .opaque
            .get(1)
            .map(|o| o.1.clone())
            .or_else(|| g.bits.values().next().map(|c| c[0].source.clone()))
            .unwrap_or_default();
        return Err(Ambiguity {
            name: name.to_string(),
            first,
            second,
        });
    }
    let mut chosen: BTreeMap<u32, Candidate> = BTreeMap::new();
    for (idx, cands) in g.bits {
        if let Some(m) = g.mapped.get(&idx) {
            chosen.insert(idx, m.clone());
            continue;
        }
        let mut distinct = cands.clone();
        distinct.dedup_by(|a, b| a.bit == b.bit);
        if distinct.len() > 1 {
            return Err(Ambiguity {
                name: name.to_string(),
                first: distinct[0].source.clone(),
                second: distinct[1].source.clone(),
            });
        }
        chosen.insert(idx, distinct.swap_remove(0));
    }
    for (idx, m) in g.mapped {
        chosen.entry(idx).or_insert(m);
    }
    let Some((&max, _)) = chosen.last_key_value() else {
        return Ok(None);
    };
    let width = max + 1;
    let mut bits = vec![None; width as usize];
    let mut sources = Vec::new();
    for (idx, c) in &chosen {
        bits[*idx as usize] = Some(c.bit);
        sources.push(c.source.as_str());
    }
    let first_sig = bits[0].map(|b| b.signal);
    let whole = first_sig.filter(|&s| {
        header.signals[s as usize].width == width
            && bits.iter().enumerate().all(|(i, b)| {
                *b == Some(BitRef {
                    signal: s,
                    bit: i as u32,
                })
            })
    });
    Ok(Some(Binding {
        name: name.to_string(),
        width,
        kind: VarKind::Bits,
        whole,
        bits,
        source: source_text(&sources),
    }))
}
