//! The model as the judge (issue 13): every fault of the catalogue is simulated on the
//! capture's board and compared with the capture exactly ([`super::exact`]). A candidate either
//! explains the capture exactly or departs first at one cycle on one signal. Several exact
//! explanations are what the capture cannot tell apart, and their simulations say which signal,
//! in which window, would; none is said plainly, with the nearest candidates and where each
//! departs. A score is never the answer.

pub mod catalogue;
pub mod known;
mod probes;

use super::exact::{self, Comparison, Departure, ExactError, Sampled};
use crate::analysis::capture::Capture;
use crate::analysis::Clock;
use crate::scenario::Scenario;
use catalogue::Candidate;
use migcal_model::board::Fault;
use rayon::prelude::*;
use serde::Serialize;
use std::cmp::Reverse;
use std::path::Path;

pub use probes::NextProbe;

/// One candidate's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The fault (`none` = the board as given; `a + b` for a pair).
    pub fault: String,
    /// Its `[[fault]]` tables.
    #[serde(skip)]
    pub faults: Vec<String>,
    /// Explains the capture exactly.
    pub exact: bool,
    /// Where it departs first (`None` when exact).
    pub first_departure: Option<Departure>,
}

/// What the catalogue makes of a capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explained {
    /// The exact explanations, then (when there is none) the nearest candidates.
    pub explanations: Vec<Explanation>,
    /// DQ lines every exact explanation puts the fault on.
    pub named_dq: Vec<u32>,
    /// What the capture cannot tell apart (several exact explanations).
    pub cannot_tell: Vec<String>,
    /// Where the exact explanations' simulations differ: the probes that decide.
    pub next_probes: Vec<NextProbe>,
    /// How far the search went, in words.
    pub searched: Vec<String>,
}

impl Explained {
    /// The exact explanations.
    pub fn exact(&self) -> impl Iterator<Item = &Explanation> {
        self.explanations.iter().filter(|e| e.exact)
    }
}

/// Single faults that follow the capture furthest, whose pairs are searched.
const PAIR_SEEDS: usize = 8;
/// Nearest candidates shown when nothing explains the capture exactly.
const NEAREST: usize = 3;

/// The comparison of one candidate with the capture.
struct Tried {
    cand: Candidate,
    cmp: Comparison,
}

impl Tried {
    /// How far it follows the capture: a later first departure is further, and at the same
    /// slot fewer wrong bits there, over every signal departing there (DQ3 open explains half of
    /// a capture where DQ3 is open and DQ12 stuck, which departs at power-up whatever single
    /// fault is tried); exact is furthest.
    fn reach(&self) -> (u64, u8, Reverse<usize>) {
        let Some(d) = self.cmp.first.as_ref() else {
            return (u64::MAX, u8::MAX, Reverse(0));
        };
        let wrong = self
            .cmp
            .per_signal
            .iter()
            .filter(|p| (p.cycle, p.quarter) == (d.cycle, d.quarter))
            .map(|p| wrong_bits(&p.capture, &p.model))
            .sum();
        (d.cycle, d.quarter, Reverse(wrong))
    }
}

/// Bits of `a` and `b` (least significant up to the narrower width) that differ as
/// [`exact::same_value`] compares them.
fn wrong_bits(a: &str, b: &str) -> usize {
    a.bytes()
        .rev()
        .zip(b.bytes().rev())
        .filter(|(x, y)| {
            let one = |c: u8| migcal_traces::Value::Bits(vec![c].into());
            !exact::same_value(&one(*x), &one(*y))
        })
        .count()
}

/// The board with the candidate's faults, if the scenario accepts them.
pub(crate) fn board_with(base: &Scenario, faults: &[String]) -> Option<Scenario> {
    let mut s = base.clone();
    for t in faults {
        let f: Fault = toml::from_str(t).ok()?;
        s.fault.push(f);
    }
    s.validate(Path::new("<fault catalogue>")).ok()?;
    Some(s)
}

/// What one explanation run needs of the capture.
pub struct Target<'a> {
    /// The capture, sampled whole.
    pub sampled: &'a Sampled,
    /// The capture as loaded for the analysis (landmarks).
    pub capture: &'a Capture,
    /// The capture's clock.
    pub clock: &'a Clock,
}

/// The alignment every candidate is compared on, decided once on the board as given: cycle for
/// cycle, unless aligning on the first landmark follows the capture further (a probe dump or a
/// triggered window). Faults that move the landmark itself stall before it and depart anyway.
/// Returns the alignment and the board's comparison on it.
fn alignment(
    t: &Target,
    base: &Scenario,
) -> Result<(Option<(String, i64)>, Comparison), ExactError> {
    let names: Vec<String> = t.sampled.signals.iter().map(|s| s.name.clone()).collect();
    let mut model = exact::simulate_sampled(base, &exact::wanted_names(t.capture))?;
    exact::add_bit_selections(&mut model, &names);
    let plain = exact::compare_in_memory(t.sampled, &model, None);
    let Some(first) = plain.first.clone() else {
        return Ok((None, plain));
    };
    Ok(match exact::align(t.capture, t.clock, &model) {
        Some(a) if a.1 != 0 => {
            let aligned = exact::compare_in_memory(t.sampled, &model, Some(a.clone()));
            let further = aligned
                .first
                .as_ref()
                .is_none_or(|d| (d.cycle, d.quarter) > (first.cycle, first.quarter));
            if further {
                (Some(a), aligned)
            } else {
                (None, plain)
            }
        }
        _ => (None, plain),
    })
}

fn try_one(
    t: &Target,
    base: &Scenario,
    aligned: &Option<(String, i64)>,
    cand: Candidate,
) -> Result<Option<Tried>, ExactError> {
    let Some(scn) = board_with(base, &cand.faults) else {
        return Ok(None);
    };
    let cmp = exact::compare_live(t.sampled, &scn, aligned.clone())?;
    Ok(Some(Tried { cand, cmp }))
}

fn try_all(
    t: &Target,
    base: &Scenario,
    aligned: &Option<(String, i64)>,
    cands: Vec<Candidate>,
) -> Result<Vec<Tried>, ExactError> {
    let v: Vec<Option<Tried>> = cands
        .into_par_iter()
        .map(|c| try_one(t, base, aligned, c))
        .collect::<Result<_, _>>()?;
    Ok(v.into_iter().flatten().collect())
}

/// [`try_all`], with the catalogue's runs on this board kept ([`known`]): the board as given
/// (the first candidate) is simulated against the capture, the candidates what is kept decides
/// follow from it, the others are simulated. The result in the candidates' order, and how many
/// were decided without a run.
fn try_known(
    t: &Target,
    base: &Scenario,
    aligned: &Option<(String, i64)>,
    cands: Vec<Candidate>,
    kept: &[known::Known],
) -> Result<(Vec<Tried>, usize), ExactError> {
    let mut cands = cands.into_iter();
    let Some(board) = cands.next() else {
        return Ok((Vec::new(), 0));
    };
    let Some(board) = try_one(t, base, aligned, board)? else {
        return Ok((try_all(t, base, aligned, cands.collect())?, 0));
    };
    let offset = aligned.as_ref().map(|a| a.1).unwrap_or(0);
    let by_name: std::collections::HashMap<&str, &known::Known> =
        kept.iter().map(|k| (k.name.as_str(), k)).collect();
    let mut slots: Vec<Option<Tried>> = Vec::new();
    let mut rest: Vec<(usize, Candidate)> = Vec::new();
    for cand in cands {
        let decided = by_name
            .get(cand.name.as_str())
            .and_then(|k| known::resolve(k, &board.cmp, t.sampled, offset));
        match decided {
            Some(cmp) => slots.push(Some(Tried { cand, cmp })),
            None => {
                rest.push((slots.len(), cand));
                slots.push(None);
            }
        }
    }
    let decided = slots.len() - rest.len();
    let ran: Vec<(usize, Option<Tried>)> = rest
        .into_par_iter()
        .map(|(i, c)| try_one(t, base, aligned, c).map(|r| (i, r)))
        .collect::<Result<_, _>>()?;
    for (i, r) in ran {
        slots[i] = r;
    }
    let mut out = vec![board];
    out.extend(slots.into_iter().flatten());
    Ok((out, decided))
}

/// The read-delay candidates around the best grid point of each of the `n` targets (a line, a
/// lane, every line) that follow the capture furthest, at half-tap steps, so that every tap
/// outcome between two grid points is tried.
fn refinements(tried: &[Tried], tap_ps: f64, n: usize) -> Vec<Candidate> {
    let grid = catalogue::DELAY_GRID_PS;
    let mut best: Vec<(&Tried, String, i64)> = Vec::new();
    for t in tried
        .iter()
        .filter(|t| t.cand.name.starts_with("read_delay_shift"))
    {
        let Some(ps) = t
            .cand
            .name
            .rsplit("ps=")
            .next()
            .and_then(|p| p.parse::<i64>().ok())
        else {
            continue;
        };
        let target = t
            .cand
            .name
            .rsplit_once(" ps=")
            .map(|x| x.0.to_string())
            .unwrap_or_default();
        match best.iter_mut().find(|b| b.1 == target) {
            Some(b) if b.0.reach() >= t.reach() => {}
            Some(b) => *b = (t, target, ps),
            None => best.push((t, target, ps)),
        }
    }
    best.sort_by(|a, b| b.0.reach().cmp(&a.0.reach()).then(a.1.cmp(&b.1)));
    let step = (tap_ps / 2.0).max(1.0);
    let mut out = Vec::new();
    for (t, _, ps) in best.into_iter().take(n) {
        let i = grid.iter().position(|g| *g as i64 == ps).unwrap_or(0);
        let lo = if i == 0 { ps - 500 } else { grid[i - 1] as i64 };
        let hi = grid.get(i + 1).map(|g| *g as i64).unwrap_or(ps + 500);
        let mut x = lo as f64 + step;
        while x < hi as f64 {
            let p = x.round() as i64;
            if p != ps && p != 0 && !grid.contains(&(p as i32)) {
                let table = t.cand.faults[0]
                    .lines()
                    .map(|l| {
                        if l.starts_with("ps =") {
                            format!("ps = {p}")
                        } else {
                            l.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                let name = t.cand.name.replace(&format!("ps={ps}"), &format!("ps={p}"));
                out.push(Candidate {
                    name,
                    faults: vec![table],
                });
            }
            x += step;
        }
    }
    out
}

/// Pairs of the single faults that follow the capture furthest.
fn pairs(tried: &[Tried]) -> Vec<Candidate> {
    let mut seeds: Vec<&Tried> = tried.iter().filter(|t| !t.cand.faults.is_empty()).collect();
    seeds.sort_by(|a, b| {
        b.reach()
            .cmp(&a.reach())
            .then(a.cand.name.cmp(&b.cand.name))
    });
    seeds.truncate(PAIR_SEEDS);
    let mut out = Vec::new();
    for i in 0..seeds.len() {
        for j in i + 1..seeds.len() {
            let (a, b) = (&seeds[i].cand, &seeds[j].cand);
            out.push(Candidate {
                name: format!("{} + {}", a.name, b.name),
                faults: a.faults.iter().chain(&b.faults).cloned().collect(),
            });
        }
    }
    out
}

/// Simulates the catalogue on `board` and compares each candidate with the capture.
pub fn explain(t: &Target, board: &Scenario) -> Result<Explained, ExactError> {
    explain_with(t, board, None)
}

/// The board made to cover the capture: what the catalogue runs on.
fn covering_board(t: &Target, board: &Scenario) -> Scenario {
    exact::covering(board, t.sampled.end_slot / exact::SLOTS_PER_CYCLE + 1)
}

/// What every candidate is compared on: the board made to cover the capture, the catalogue,
/// the alignment, and the board's own comparison with the capture.
struct Prepared {
    base: Scenario,
    cat: catalogue::Catalogue,
    aligned: Option<(String, i64)>,
    board: Comparison,
}

fn prepare(t: &Target, board: &Scenario) -> Result<Prepared, ExactError> {
    let base = covering_board(t, board);
    let cat = catalogue::enumerate(base.memory.data_width);
    let (aligned, board) = alignment(t, &base)?;
    Ok(Prepared {
        base,
        cat,
        aligned,
        board,
    })
}

/// [`explain`], with the catalogue's runs on this board kept on disk ([`known`]) under the
/// dictionary's cache folder (`board_text` is the board's scenario file): used whenever they
/// are there, built when the board as given follows the capture for at least a quarter of it
/// (then nearly every candidate runs that far against the capture, and a board's runs are
/// worth keeping for its next captures; an earlier departure makes every candidate's run short).
/// The note says why a cache file was not used.
pub fn explain_cached(
    t: &Target,
    board: &Scenario,
    board_text: &str,
) -> Result<(Explained, Option<String>), ExactError> {
    use crate::diagnose::dictionary::{load_or_build, Provenance};
    let p = prepare(t, board)?;
    let cat_text: String = p
        .cat
        .candidates
        .iter()
        .map(|c| format!("{}\0{}\0", c.name, c.faults.join("\0")))
        .collect();
    let board_key = format!("{board_text}\0stop_time_us = {}", p.base.stop_time_us);
    let prov = Provenance::new(known::model_identity(), &board_key, &cat_text);
    let far = p
        .board
        .first
        .as_ref()
        .is_none_or(|d| d.cycle.saturating_mul(4) >= p.board.window.1);
    let (kept, note) = load_or_build(
        "catalogue",
        "the catalogue's runs on this board",
        &prov,
        far,
        || known::build(&p.base, &p.cat.candidates),
    )?;
    Ok((explain_on(t, p, kept.as_deref())?, note))
}

/// [`explain`], the candidates `kept` decides not simulated.
pub fn explain_with(
    t: &Target,
    board: &Scenario,
    kept: Option<&[known::Known]>,
) -> Result<Explained, ExactError> {
    explain_on(t, prepare(t, board)?, kept)
}

fn explain_on(
    t: &Target,
    p: Prepared,
    kept: Option<&[known::Known]>,
) -> Result<Explained, ExactError> {
    let Prepared {
        base, cat, aligned, ..
    } = p;
    let (mut tried, decided) = match kept {
        Some(k) => try_known(t, &base, &aligned, cat.candidates, k)?,
        None => (try_all(t, &base, &aligned, cat.candidates)?, 0),
    };
    let from_kept = if kept.is_some() {
        format!(", {decided} of them decided by the catalogue's kept runs on this board")
    } else {
        String::new()
    };
    let mut searched = vec![format!(
        "single faults: {} simulated{from_kept} ({} kinds of the fault schema{})",
        tried.len(),
        catalogue::kinds().len(),
        if cat.skipped.is_empty() {
            String::new()
        } else {
            format!("; left out: {}", cat.skipped.join("; "))
        }
    )];
    if !tried.iter().any(|x| x.cmp.first.is_none()) {
        let refine = refinements(&tried, base.model_params().board.tap_ps, 3);
        if !refine.is_empty() {
            let more = try_all(t, &base, &aligned, refine)?;
            searched.push(format!(
                "read-delay shifts refined at half-tap steps around the 3 best targets: {} more simulated",
                more.len()
            ));
            tried.extend(more);
        }
    }
    if !tried.iter().any(|x| x.cmp.first.is_none()) {
        let p = pairs(&tried);
        let more = try_all(t, &base, &aligned, p)?;
        searched.push(format!(
            "pairs of the {PAIR_SEEDS} single faults that follow the capture furthest: {} simulated (pairs of faults that depart earlier are not searched)",
            more.len()
        ));
        tried.extend(more);
    }
    conclude(t, &base, tried, searched)
}

fn conclude(
    t: &Target,
    base: &Scenario,
    mut tried: Vec<Tried>,
    searched: Vec<String>,
) -> Result<Explained, ExactError> {
    tried.sort_by(|a, b| {
        b.reach()
            .cmp(&a.reach())
            .then(a.cand.name.cmp(&b.cand.name))
    });
    let exact: Vec<&Tried> = tried.iter().filter(|x| x.cmp.first.is_none()).collect();
    let shown: Vec<&Tried> = if exact.is_empty() {
        tried.iter().take(NEAREST).collect()
    } else {
        exact.clone()
    };
    let explanations = shown
        .iter()
        .map(|x| Explanation {
            fault: x.cand.name.clone(),
            faults: x.cand.faults.clone(),
            exact: x.cmp.first.is_none(),
            first_departure: x.cmp.first.clone(),
        })
        .collect::<Vec<_>>();
    let named_dq = if exact.is_empty() {
        Vec::new()
    } else {
        let sets: Vec<Vec<u32>> = exact
            .iter()
            .map(|x| {
                x.cand
                    .faults
                    .iter()
                    .flat_map(|f| catalogue::lines_of(f))
                    .collect()
            })
            .collect();
        let mut v: Vec<u32> = sets[0]
            .iter()
            .copied()
            .filter(|l| sets.iter().all(|s| s.contains(l)))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut cannot_tell = Vec::new();
    let mut next_probes = Vec::new();
    if exact.len() > 1 {
        cannot_tell.push(format!(
            "{} explain the capture exactly: {}",
            exact.len(),
            exact
                .iter()
                .map(|x| x.cand.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let boards: Vec<(String, Scenario)> = exact
            .iter()
            .filter_map(|x| board_with(base, &x.cand.faults).map(|s| (x.cand.name.clone(), s)))
            .collect();
        let (p, same) = probes::deciding(&boards, t.clock)?;
        next_probes = p;
        for (a, b) in same {
            cannot_tell.push(format!(
                "{a} vs {b}: their simulations agree on every signal the model traces (controller internals and pins); they differ only on the memory side of the board: measure that net at the memory, or its resistance to the rails with the board unpowered"
            ));
        }
    }
    Ok(Explained {
        explanations,
        named_dq,
        cannot_tell,
        next_probes,
        searched,
    })
}
