//! Where a key is written in a scenario file, and TOML parser messages on one line: what lets a
//! report (a table row, a JUnit description, a GitHub annotation) point at the line to fix.

/// A TOML parser message on one line: its first line (where) and its last (what); the source
/// excerpt between them is left to the file itself.
pub fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message.lines().filter(|l| !l.trim().is_empty()).collect();
    match (lines.first(), lines.last()) {
        (Some(first), Some(last)) if lines.len() > 1 => format!("{first}: {}", last.trim()),
        _ => message.trim().to_string(),
    }
}

/// The 1-based line where a dotted key (`expect.cycles.init_done`, `board.dq_delay_ps[3]`,
/// `fault[0].dq`) is written in TOML `text`. When the last part is missing (a key left to its
/// default) the line of the deepest part that is written is given, so an annotation still
/// lands in the right table. `None` when not even the first part is in the file.
pub fn key_line(text: &str, dotted: &str) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let doc = DeTable::parse(text).ok()?;
    let mut best: Option<usize> = None;
    let mut table: &DeTable = doc.get_ref();
    let mut parts = dotted.split('.').peekable();
    while let Some(part) = parts.next() {
        let (name, index) = match part.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let Some((k, v)) = table.iter().find(|(k, _)| k.get_ref() == name) else {
            break;
        };
        best = Some(k.span().start);
        let mut value = v;
        if let Some(i) = index {
            match value.get_ref() {
                DeValue::Array(a) => match a.get(i) {
                    Some(item) => {
                        best = Some(item.span().start);
                        value = item;
                    }
                    None => break,
                },
                _ => break,
            }
        }
        if parts.peek().is_none() {
            break;
        }
        match value.get_ref() {
            DeValue::Table(t) => table = t,
            _ => break,
        }
    }
    best.map(|offset| text[..offset.min(text.len())].matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "profile = \"minimodule\"\n\n[board]\ndq_delay_ps = [0, 300,\n  600]\n\n[[fault]]\nkind = \"dq_open\"\ndq = 3\n\n[expect]\nverdict = \"fail\"\nstage = \"read_latency\"\n\n[expect.cycles]\ntap_sel_done = 5\n";

    #[test]
    fn key_lines() {
        assert_eq!(key_line(TEXT, "profile"), Some(1));
        assert_eq!(key_line(TEXT, "board.dq_delay_ps"), Some(4));
        assert_eq!(key_line(TEXT, "board.dq_delay_ps[2]"), Some(5));
        assert_eq!(key_line(TEXT, "fault[0].dq"), Some(9));
        assert_eq!(key_line(TEXT, "expect.verdict"), Some(12));
        assert_eq!(key_line(TEXT, "expect.stage"), Some(13));
        assert_eq!(key_line(TEXT, "expect.cycles.tap_sel_done"), Some(16));
        // Not written out: the table it belongs to.
        assert_eq!(key_line(TEXT, "expect.faulty_dq"), Some(11));
        assert_eq!(key_line(TEXT, "expect.cycles.init_done"), Some(15));
        assert_eq!(key_line(TEXT, "memory.cl"), None);
        assert_eq!(key_line("not [ toml", "a"), None);
    }

    #[test]
    fn parse_error_on_one_line() {
        let m = "TOML parse error at line 2, column 7\n  |\n2 | [board\n  |       ^\nunclosed table, expected `]`\n";
        assert_eq!(
            one_line(m),
            "TOML parse error at line 2, column 7: unclosed table, expected `]`"
        );
        assert_eq!(one_line("plain"), "plain");
    }
}
