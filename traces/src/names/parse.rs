//! Taking capture names and user queries apart: bit and range suffixes in any style, hierarchy
//! separators, generate indices, and the rule that places a capture signal on a canonical name.

use super::catalogue::{canonical_base, top_level_alias, Block, BLOCKS};

/// A bit or range suffix on a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Suffix {
    Bit(i64),
    Range(i64, i64),
}

/// One scope of a hierarchical name: its name and generate index, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    base: String,
    index: Option<u32>,
}

/// A capture name taken apart: scopes, the leaf, and the leaf's bit/range suffix.
#[derive(Debug, Clone)]
pub(super) struct ParsedName {
    scopes: Vec<Segment>,
    leaf: String,
    suffix: Option<Suffix>,
}

/// Splits a trailing `[..]`, `<..>` or `(..)` holding an index, `a:b`, `a downto b` or `a to b`.
fn split_suffix(s: &str) -> (&str, Option<Suffix>) {
    let t = s.trim_end();
    let close = match t.chars().last() {
        Some(c @ (']' | '>' | ')')) => c,
        _ => return (t, None),
    };
    let open = match close {
        ']' => '[',
        '>' => '<',
        _ => '(',
    };
    let Some(pos) = t.rfind(open) else {
        return (t, None);
    };
    let inner = t[pos + 1..t.len() - 1].trim();
    let num = |x: &str| x.trim().parse::<i64>().ok();
    let suffix = if let Some(v) = num(inner) {
        Some(Suffix::Bit(v))
    } else if let Some((a, b)) = inner.split_once(':') {
        num(a).zip(num(b)).map(|(a, b)| Suffix::Range(a, b))
    } else if let Some((a, b)) = inner.split_once(" downto ") {
        num(a).zip(num(b)).map(|(a, b)| Suffix::Range(a, b))
    } else if let Some((a, b)) = inner.split_once(" to ") {
        num(a).zip(num(b)).map(|(a, b)| Suffix::Range(a, b))
    } else {
        None
    };
    match suffix {
        Some(sfx) if pos > 0 => (t[..pos].trim_end(), Some(sfx)),
        _ => (t, None),
    }
}

/// Splits a path on `/`, `.` and `:` outside brackets (ISE writes `tap_ctrl_gen[0].tap_ctrl_0`,
/// some simulators use `:`), dropping empty parts and Verilog escape backslashes.
fn split_path(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '[' | '(' | '<' => {
                depth += 1;
                cur.push(c);
            }
            ']' | ')' | '>' => {
                depth -= 1;
                cur.push(c);
            }
            '/' | '.' | ':' if depth <= 0 => {
                parts.push(std::mem::take(&mut cur));
            }
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts
        .into_iter()
        .map(|p| p.trim().trim_matches('\\').trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn parse_segment(s: &str) -> Segment {
    match split_suffix(s) {
        (base, Some(Suffix::Bit(i))) if i >= 0 && i <= u32::MAX as i64 => Segment {
            base: base.to_string(),
            index: Some(i as u32),
        },
        _ => Segment {
            base: s.to_string(),
            index: None,
        },
    }
}

impl ParsedName {
    /// The leaf without its bit or range suffix (lower case).
    pub(super) fn leaf_name(&self) -> &str {
        &self.leaf
    }
}

pub(super) fn parse_name(name: &str) -> Option<ParsedName> {
    let lower = name.trim().to_lowercase();
    let (rest, suffix) = split_suffix(&lower);
    let mut parts = split_path(rest);
    let leaf = parts.pop()?;
    Some(ParsedName {
        scopes: parts.iter().map(|p| parse_segment(p)).collect(),
        leaf,
        suffix,
    })
}

fn block_of_instance(base: &str) -> Option<Block> {
    BLOCKS
        .iter()
        .copied()
        .find(|b| b.instance_names().contains(&base))
}

/// How a capture name reached its canonical name, which decides whether the binding can be
/// trusted on its own or must fit the MIG hierarchy the rest of the capture shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Place {
    /// A direct child of a MIG block instance; the scopes above the instance are the user's
    /// prefix for the MIG (`tb/dut/top_00/data_path_00` for `…/tap_logic_00/tap_sel_done`).
    Instance(Vec<String>),
    /// A pin or top-level net recognised by its leaf (`dq`, `init_done`, `cntrl0_ddr2_dq`)
    /// under `scopes`. `strong` for names only a DDR interface carries (`ddr2_dq`,
    /// `cntrl0_init_done`); a generic leaf (`dq`, `we_n`, `init_done`) is also what an SRAM
    /// interface or a SATA PHY calls its own nets, so it must sit where the MIG sits.
    Alias { scopes: Vec<String>, strong: bool },
    /// A bare leaf with no scope at all (`tap_sel_done`, `dlyce_dqs[0]`: how Saleae and sigrok
    /// users label channels), bound to the one non-indexed MIG block that has that signal.
    Bare,
}

fn scope_text(s: &Segment) -> String {
    match s.index {
        Some(i) => format!("{}[{i}]", s.base),
        None => s.base.clone(),
    }
}

/// The non-indexed block whose catalogue holds `leaf`, when exactly one does. Per-group blocks
/// (`tap_ctrl`, `pattern_compare`, …) are left out: a bare `current_state` does not say which
/// DQS group it is, and guessing group 0 would be a silent wrong answer.
fn bare_block(leaf: &str) -> Option<Block> {
    let mut blocks = super::catalogue::CATALOGUE
        .iter()
        .filter(|e| e.signal == leaf)
        .map(|e| e.block);
    let first = blocks.next()?;
    if blocks.any(|b| b != first) || first.indexed() || first == Block::Pins {
        return None;
    }
    Some(first)
}

/// Like [`classify`], and says how the name got there ([`Place`]).
pub(super) fn classify_place(p: &ParsedName) -> Option<(String, Option<Suffix>, Place)> {
    let block_pos = p
        .scopes
        .iter()
        .rposition(|s| block_of_instance(&s.base).is_some());
    if let Some(pos) = block_pos {
        let (base, suffix) = classify(p)?;
        let prefix = p.scopes[..pos].iter().map(scope_text).collect();
        return Some((base, suffix, Place::Instance(prefix)));
    }
    if let Some((block, signal)) = top_level_alias(&p.leaf) {
        // A prefixed pin (`cntrl0_ddr2_dq`) is the DDR interface's; `dcm_lock` and
        // `idelay_ctrl_rdy` are names any core with a DCM or an IDELAYCTRL uses.
        let strong = signal != p.leaf
            && !matches!(
                p.leaf.as_str(),
                "dcm_lock" | "dcm_locked" | "idelay_ctrl_rdy"
            );
        let scopes = p.scopes.iter().map(scope_text).collect();
        return Some((
            canonical_base(block, None, signal),
            p.suffix,
            Place::Alias { scopes, strong },
        ));
    }
    if p.scopes.is_empty() {
        let block = bare_block(&p.leaf)?;
        return Some((canonical_base(block, None, &p.leaf), p.suffix, Place::Bare));
    }
    None
}

/// Where a capture signal lands: the canonical signal base (`tap_ctrl[0]/current_state`) and the
/// bit/range suffix written on the leaf.
pub(super) fn classify(p: &ParsedName) -> Option<(String, Option<Suffix>)> {
    let block_pos = p
        .scopes
        .iter()
        .rposition(|s| block_of_instance(&s.base).is_some());
    let (block, signal, index) = match block_pos {
        Some(pos) => {
            // Only direct children of the block instance are its signals; deeper scopes are
            // processes or sub-instances that the catalogue does not describe.
            if pos + 1 != p.scopes.len() {
                return None;
            }
            let block = block_of_instance(&p.scopes[pos].base)?;
            let index = if block.indexed() {
                let outer_block = p.scopes[..pos]
                    .iter()
                    .rposition(|s| block_of_instance(&s.base).is_some())
                    .map(|i| i + 1)
                    .unwrap_or(0);
                Some(
                    p.scopes[outer_block..=pos]
                        .iter()
                        .rev()
                        .find_map(|s| s.index)
                        .unwrap_or(0),
                )
            } else {
                None
            };
            (block, p.leaf.clone(), index)
        }
        None => {
            let (block, signal) = top_level_alias(&p.leaf)?;
            (block, signal.to_string(), None)
        }
    };
    Some((canonical_base(block, index, &signal), p.suffix))
}

/// Normalizes a name a user typed (a query or a mapping key): lower case, no spaces, bits as
/// `[n]` whatever the style.
pub fn normalize_query(q: &str) -> String {
    let lower = q.trim().to_lowercase();
    let parts = split_path(&lower);
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        let seg = match split_suffix(&p) {
            (base, Some(Suffix::Bit(i))) => format!("{base}[{i}]"),
            (base, Some(Suffix::Range(a, b))) => format!("{base}[{a}:{b}]"),
            (base, None) => base.to_string(),
        };
        out.push(seg.replace(' ', ""));
    }
    out.join("/")
}

/// Splits a trailing `[n]` off a normalized name.
pub(super) fn split_bit(name: &str) -> (&str, Option<u32>) {
    if let Some(stripped) = name.strip_suffix(']') {
        if let Some(pos) = stripped.rfind('[') {
            if let Ok(b) = stripped[pos + 1..].parse::<u32>() {
                // `tap_ctrl[0]` alone is a block, not a bit: a bit needs a signal after the block.
                if stripped[..pos].contains('/') {
                    return (&name[..pos], Some(b));
                }
            }
        }
    }
    (name, None)
}

/// Like [`split_bit`] but also for names without a `/`.
pub(super) fn split_bit_any(name: &str) -> (&str, Option<u32>) {
    if let Some(stripped) = name.strip_suffix(']') {
        if let Some(pos) = stripped.rfind('[') {
            if let Ok(b) = stripped[pos + 1..].parse::<u32>() {
                return (&name[..pos], Some(b));
            }
        }
    }
    (name, None)
}

/// Orders names with their numbers compared as numbers (`idelay_dq[2]` before `idelay_dq[10]`),
/// so listings read in DQ and group order.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let nx = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let ny = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let (dx, dy) = (&x[..nx], &y[..ny]);
                let tx = dx
                    .iter()
                    .position(|&c| c != b'0')
                    .map_or(&dx[nx..], |p| &dx[p..]);
                let ty = dy
                    .iter()
                    .position(|&c| c != b'0')
                    .map_or(&dy[ny..], |p| &dy[p..]);
                let ord = tx.len().cmp(&ty.len()).then(tx.cmp(ty)).then(nx.cmp(&ny));
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
                x = &x[nx..];
                y = &y[ny..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut v = vec![
            "idelay_dq[10]/tap",
            "idelay_dq[2]/tap",
            "idelay_dq[1]/tap",
            "a01",
            "a1",
            "a",
        ];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            vec![
                "a",
                "a1",
                "a01",
                "idelay_dq[1]/tap",
                "idelay_dq[2]/tap",
                "idelay_dq[10]/tap"
            ]
        );
    }
}
