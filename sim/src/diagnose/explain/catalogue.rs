//! The catalogue of single faults, enumerated from the fault schema itself: the kinds and each
//! kind's parameters are read from what the `[[fault]]` deserializer accepts (serde names every
//! variant and field it expects when it is given one it does not know), so a kind added to
//! `migcal_model::board::Fault` slots into the catalogue without a line here, as long as its
//! parameters are ones the catalogue knows how to search ([`domain`]). A parameter it does not
//! know is reported ([`Catalogue::skipped`]) and tested for (`unknown_parameters_are_none`), never
//! silently left out.

use migcal_model::board::Fault;

/// How one parameter is searched.
#[derive(Debug, Clone, PartialEq)]
pub enum Domain {
    /// A DQ line, `0..data_width` (a pair of lines when the kind has `a` and `b`).
    Line,
    /// A byte lane.
    Lane,
    /// A command/address line (`a0`.., `ba0`.., `ras_n`, `cas_n`, `we_n`, `cs_n`, `cke`, `odt`).
    CmdPin,
    /// Each of these TOML values.
    Values(Vec<&'static str>),
    /// A delay in ps, searched over [`DELAY_GRID_PS`].
    Picoseconds,
}

/// The read-delay grid searched first (ps): every tap outcome within a clock needs a finer
/// search, which [`super::refine`] runs around the best of these.
pub const DELAY_GRID_PS: &[i32] = &[
    -2500, -2000, -1500, -1000, -750, -500, -250, 250, 500, 750, 1000, 1500, 2000, 2500,
];

/// The domain of a parameter, by its name in the schema; `None` when the catalogue does not
/// know how to search it.
pub fn domain(field: &str) -> Option<Domain> {
    Some(match field {
        "dq" | "a" | "b" => Domain::Line,
        "lane" => Domain::Lane,
        "high" => Domain::Values(vec!["true", "false"]),
        "pull" => Domain::Values(vec!["\"down\"", "\"up\""]),
        "mode" => Domain::Values(vec!["\"and\"", "\"or\""]),
        "at" => Domain::Values(vec!["\"trace\"", "\"memory\"", "\"controller\""]),
        "path" => Domain::Values(vec!["\"both\"", "\"read\"", "\"write\""]),
        "pin" => Domain::CmdPin,
        "ps" => Domain::Picoseconds,
        _ => return None,
    })
}

/// Every command/address line the model has, as TOML strings.
fn cmd_pins() -> Vec<String> {
    use migcal_model::board::{ADDR_LINES, BANK_LINES};
    let mut v: Vec<String> = (0..ADDR_LINES).map(|n| format!("\"a{n}\"")).collect();
    v.extend((0..BANK_LINES).map(|n| format!("\"ba{n}\"")));
    v.extend(
        ["ras_n", "cas_n", "we_n", "cs_n", "cke", "odt"]
            .iter()
            .map(|p| format!("\"{p}\"")),
    );
    v
}

/// Pairs of command/address lines searched for a swap or a bridge: neighbouring nets of the
/// routing (A[n] with A[n+1], BA[n] with BA[n+1]) and every pair of control lines; a short
/// between, say, A0 and A15 is not a fault one routes.
fn cmd_pairs() -> Vec<(String, String)> {
    use migcal_model::board::{ADDR_LINES, BANK_LINES};
    let mut v = Vec::new();
    for n in 0..ADDR_LINES - 1 {
        v.push((format!("\"a{n}\""), format!("\"a{}\"", n + 1)));
    }
    for n in 0..BANK_LINES - 1 {
        v.push((format!("\"ba{n}\""), format!("\"ba{}\"", n + 1)));
    }
    let ctl = ["ras_n", "cas_n", "we_n", "cs_n", "cke", "odt"];
    for i in 0..ctl.len() {
        for j in i + 1..ctl.len() {
            v.push((format!("\"{}\"", ctl[i]), format!("\"{}\"", ctl[j])));
        }
    }
    v
}

/// The backticked names after "expected" in a serde error.
fn expected_names(message: &str) -> Vec<String> {
    let Some(i) = message.find("expected") else {
        return Vec::new();
    };
    message[i..]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|s| s.to_string())
        .collect()
}

/// Every fault kind the schema accepts.
pub fn kinds() -> Vec<String> {
    match toml::from_str::<Fault>("kind = \"no such kind\"") {
        Ok(_) => Vec::new(),
        Err(e) => expected_names(&e.to_string()),
    }
}

/// The parameters of `kind`, as the schema names them.
pub fn fields(kind: &str) -> Vec<String> {
    match toml::from_str::<Fault>(&format!("kind = \"{kind}\"\nno_such_parameter = 0")) {
        Ok(_) => Vec::new(),
        Err(e) => {
            let m = e.to_string();
            if m.contains("unknown field") {
                expected_names(&m)
            } else {
                Vec::new()
            }
        }
    }
}

/// One candidate: its name (`dq_open dq=3 pull=up`) and its `[[fault]]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Short name.
    pub name: String,
    /// The `[[fault]]` tables (one for a single fault, two for a pair), as TOML.
    pub faults: Vec<String>,
}

/// The enumerated catalogue.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    /// The candidates, the nominal board first.
    pub candidates: Vec<Candidate>,
    /// Kinds left out, and why.
    pub skipped: Vec<String>,
}

/// Enumerates every single fault of every kind for a bus of `width` lines. Lines of a bridge are
/// pairs within a byte (neighbouring nets of one lane's routing), lines of a swap every pair
/// (within a byte and across chips); a read-delay shift is a line's, a lane's or every line's.
pub fn enumerate(width: u32) -> Catalogue {
    let lanes = width.div_ceil(8);
    let mut cat = Catalogue {
        candidates: vec![Candidate {
            name: "none".into(),
            faults: vec![],
        }],
        skipped: Vec::new(),
    };
    for kind in kinds() {
        let fs = fields(&kind);
        let mut domains = Vec::new();
        let mut unknown = None;
        for f in &fs {
            match domain(f) {
                Some(d) => domains.push((f.clone(), d)),
                None => unknown = Some(f.clone()),
            }
        }
        if let Some(u) = unknown {
            cat.skipped.push(format!(
                "{kind}: parameter `{u}` is not one the catalogue knows how to search"
            ));
            continue;
        }
        let mut tables: Vec<Vec<(String, String)>> = vec![vec![]];
        let pair = fs.iter().any(|f| f == "a") && fs.iter().any(|f| f == "b");
        for (f, d) in &domains {
            if pair && f == "b" {
                continue;
            }
            let values: Vec<String> = match d {
                Domain::Line if pair => Vec::new(),
                Domain::CmdPin => cmd_pins(),
                Domain::Line => (0..width).map(|k| k.to_string()).collect(),
                Domain::Lane => (0..lanes).map(|l| l.to_string()).collect(),
                Domain::Values(v) => v.iter().map(|s| s.to_string()).collect(),
                Domain::Picoseconds => DELAY_GRID_PS.iter().map(|p| p.to_string()).collect(),
            };
            if pair && f == "a" {
                let within_byte = kind.contains("bridge");
                let mut next = Vec::new();
                // Lines of the command bus (the schema takes a pin name for `a`), or DQ lines.
                let pins = toml::from_str::<Fault>(&format!(
                    "kind = \"{kind}\"\na = \"ras_n\"\nb = \"cas_n\""
                ))
                .is_ok();
                if pins {
                    for t in &tables {
                        for (a, b) in cmd_pairs() {
                            let mut t = t.clone();
                            t.push(("a".into(), a.clone()));
                            t.push(("b".into(), b));
                            next.push(t);
                        }
                    }
                    tables = next;
                    continue;
                }
                for t in &tables {
                    for a in 0..width {
                        for b in a + 1..width {
                            if within_byte && a / 8 != b / 8 {
                                continue;
                            }
                            let mut t = t.clone();
                            t.push(("a".into(), a.to_string()));
                            t.push(("b".into(), b.to_string()));
                            next.push(t);
                        }
                    }
                }
                tables = next;
                continue;
            }
            // An optional parameter (a read-delay shift's line or lane) may also be absent.
            let optional = matches!(d, Domain::Line | Domain::Lane) && optional_field(&kind, f);
            let mut next = Vec::new();
            for t in &tables {
                if optional {
                    next.push(t.clone());
                }
                for v in &values {
                    let mut t = t.clone();
                    t.push((f.clone(), v.clone()));
                    next.push(t);
                }
            }
            tables = next;
        }
        for t in tables {
            let mut toml_text = format!("kind = \"{kind}\"");
            let mut name = kind.clone();
            for (f, v) in &t {
                toml_text.push_str(&format!("\n{f} = {v}"));
                name.push_str(&format!(" {f}={}", v.trim_matches('"')));
            }
            // Only what the schema accepts (a line and a lane together, say, is refused by the
            // scenario's validation later).
            if toml::from_str::<Fault>(&toml_text).is_ok() {
                cat.candidates.push(Candidate {
                    name,
                    faults: vec![toml_text],
                });
            }
        }
    }
    cat
}

/// Does `kind` accept a table without `field`?
fn optional_field(kind: &str, field: &str) -> bool {
    let all: Vec<String> = fields(kind);
    let mut t = format!("kind = \"{kind}\"");
    for f in all.iter().filter(|f| *f != field) {
        let v = match domain(f) {
            Some(Domain::Values(v)) => v[0].to_string(),
            Some(Domain::Picoseconds) => "100".into(),
            Some(_) => "0".into(),
            None => "0".into(),
        };
        // The other optional line/lane parameters are left out too (the probe asks only
        // whether this one may be missing).
        if matches!(domain(f), Some(Domain::Line | Domain::Lane)) {
            continue;
        }
        t.push_str(&format!("\n{f} = {v}"));
    }
    toml::from_str::<Fault>(&t).is_ok()
}

/// The DQ lines a fault table puts the fault on (none for a lane, clock or global fault).
pub fn lines_of(fault_toml: &str) -> Vec<u32> {
    let Ok(v) = toml::from_str::<toml::Table>(fault_toml) else {
        return Vec::new();
    };
    let mut out: Vec<u32> = ["dq", "a", "b"]
        .iter()
        .filter_map(|k| v.get(*k).and_then(|x| x.as_integer()))
        .map(|x| x as u32)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_names_its_kinds_and_their_parameters() {
        let k = kinds();
        for want in ["dq_open", "dq_stuck", "dq_swap", "dq_bridge", "ck_stopped"] {
            assert!(k.iter().any(|x| x == want), "{k:?}");
        }
        let mut f = fields("dq_open");
        f.sort();
        assert_eq!(f, ["dq", "pull"]);
        assert!(fields("ck_stopped").is_empty());
    }

    #[test]
    fn unknown_parameters_are_none() {
        // Every parameter of every kind the model has is one the catalogue can search: a new
        // kind with a new kind of parameter fails here until `domain` knows it.
        let cat = enumerate(16);
        assert!(cat.skipped.is_empty(), "{:?}", cat.skipped);
    }

    #[test]
    fn the_catalogue_holds_every_line_lane_pair_and_mode() {
        let cat = enumerate(16);
        let n = |p: &str| {
            cat.candidates
                .iter()
                .filter(|c| c.name.starts_with(p))
                .count()
        };
        assert_eq!(n("dq_open "), 32, "16 lines x 2 pulls");
        assert_eq!(n("dq_stuck "), 32);
        assert_eq!(
            n("dq_bridge "),
            2 * 28 * 2 * 3,
            "pairs within each byte, both modes, three places"
        );
        assert_eq!(
            n("dq_swap "),
            16 * 15 / 2,
            "every pair, within a byte and across chips"
        );
        assert_eq!(n("dm_stuck "), 4);
        assert_eq!(lines_of("kind = \"dq_swap\"\na = 2\nb = 9"), [2, 9]);
    }
}
