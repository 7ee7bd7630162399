//! Which key a TOML deserialisation error is about: the parser cites a line and column, but
//! for a value checked inside a table (a fault's `dq = 4294967295`, an enum variant) it points
//! at the table header, and its message names a type, not the key. Issue 19 asks every bad
//! scenario value to be reported by its key, so the key is found from the cited line.

/// The dotted key (`fault[0].dq`, `board.tap_ps`, `seed`) a parser error at byte `at` of
/// `text` is about, or `None` when the cited line is neither a key nor a table header.
/// `message` is the parser's own short message, whose first backticked word is the value
/// it refused (used to find the key when the error points at a table header).
pub(super) fn error_key(text: &str, at: usize, message: &str) -> Option<String> {
    let at = at.min(text.len());
    let line_no = text[..at].matches('\n').count();
    let lines: Vec<&str> = text.lines().collect();
    let mut table = String::new();
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for l in lines.iter().take(line_no + 1) {
        if let Some(name) = header(l) {
            table = match name {
                Header::Array(n) => {
                    let c = counts.entry(n.clone()).or_insert(0);
                    *c += 1;
                    format!("{n}[{}]", *c - 1)
                }
                Header::Table(n) => n,
            };
        }
    }
    let join = |k: &str| {
        if table.is_empty() {
            k.to_string()
        } else {
            format!("{table}.{k}")
        }
    };
    let cited = lines.get(line_no)?;
    if header(cited).is_none() {
        return key_of(cited).map(|k| join(&k));
    }
    // At a table header: the refused value names the key inside the table.
    let refused = message.split('`').nth(1).map(|v| v.trim_matches('"'));
    if let Some(v) = refused {
        for l in lines.iter().skip(line_no + 1) {
            if header(l).is_some() {
                break;
            }
            if let (Some(k), Some((_, val))) = (key_of(l), l.split_once('=')) {
                let val = val.split('#').next().unwrap_or("").trim().trim_matches('"');
                if val == v {
                    return Some(join(&k));
                }
            }
        }
    }
    (!table.is_empty()).then_some(table)
}

enum Header {
    Table(String),
    Array(String),
}

fn header(line: &str) -> Option<Header> {
    let t = line.split('#').next()?.trim();
    if let Some(n) = t.strip_prefix("[[").and_then(|r| r.strip_suffix("]]")) {
        return Some(Header::Array(n.trim().to_string()));
    }
    let n = t.strip_prefix('[')?.strip_suffix(']')?;
    Some(Header::Table(n.trim().to_string()))
}

fn key_of(line: &str) -> Option<String> {
    let (k, _) = line.split_once('=')?;
    let k = k.trim().trim_matches('"').trim_matches('\'');
    (!k.is_empty() && !k.starts_with('#')).then(|| k.to_string())
}

#[cfg(test)]
mod tests {
    use super::error_key;

    #[test]
    fn keys_from_lines_and_from_headers() {
        let t = "profile = \"minimodule\"\nseed = -1\n[board]\ntap_pss = 78\n[[fault]]\nkind = \"dq_open\"\ndq = 1\n[[fault]]\nkind = \"dq_open\"\ndq = 4294967295\n";
        let at = |line: usize| t.lines().take(line - 1).map(|l| l.len() + 1).sum::<usize>();
        assert_eq!(
            error_key(t, at(2), "invalid value: integer `-1`").as_deref(),
            Some("seed")
        );
        assert_eq!(
            error_key(t, at(4), "unknown field `tap_pss`").as_deref(),
            Some("board.tap_pss")
        );
        assert_eq!(
            error_key(t, at(8), "invalid value: integer `4294967295`, expected u8").as_deref(),
            Some("fault[1].dq")
        );
        assert_eq!(
            error_key(t, at(8), "no backticks").as_deref(),
            Some("fault[1]")
        );
        assert_eq!(error_key("[board\n", 0, "unclosed table"), None);
    }
}
