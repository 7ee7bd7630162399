//! The fault dictionary: every single fault of the board catalogue is simulated once on the
//! capture's board (in parallel, cached on disk), and the faults are ranked by how well their
//! simulated signature matches the capture's. It answers "which fault would look like this?",
//! with a score, where the rules can only say "a lane-level fault" or "open or stuck".

use crate::analysis::Facts;
use crate::diagnose::{Diagnosis, Stage, Verdict};
use crate::evaluate::evaluate_outcome;
use crate::scenario::Scenario;
use migcal_model::board::Fault;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;

mod cache;
pub use cache::{cache_dir, cached, cached_with, Cached};
pub(crate) use cache::{load_or_build, Provenance};

/// What a run looks like to the rules: the features the dictionary compares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    /// Pass or fail.
    pub verdict: Verdict,
    /// The stage reached.
    pub stage: Stage,
    /// Lines whose walk hit the 55-increment ceiling.
    pub ceiling: Vec<u32>,
    /// Final IDELAY tap per DQ line the run shows (dq, tap).
    pub final_taps: Vec<(u32, u32)>,
    /// Pattern groups (byte lanes) shown, and those that never matched.
    pub pattern_groups: Vec<u32>,
    /// Of those, the groups whose comp_done never rose.
    pub failing_groups: Vec<u32>,
    /// `init_state` where it stalled, when captured.
    pub stall_state: Option<u64>,
    /// READ commands on the bus, when the bus is captured.
    pub reads: Option<usize>,
    /// Lines whose stage-3 reads were wrong on their own bit, over the groups that show reads.
    pub error_lines: Vec<u32>,
    /// Pattern groups whose stage-3 reads were stale or garbage (never written, or mixed beats).
    pub garbage_groups: Vec<u32>,
    /// Whether the capture shows the bytes read back in stage 3 at all.
    pub reads_shown: bool,
}

impl Signature {
    /// The signature of an analysed run.
    pub fn of(f: &Facts, d: &Diagnosis) -> Signature {
        Signature {
            verdict: d.verdict,
            stage: d.stage,
            ceiling: f
                .per_dq
                .iter()
                .filter(|s| s.walked && s.ceiling)
                .map(|s| s.dq)
                .collect(),
            final_taps: f.per_dq.iter().map(|s| (s.dq, s.final_tap)).collect(),
            pattern_groups: f.pattern.iter().map(|p| p.group).collect(),
            failing_groups: f
                .pattern
                .iter()
                .filter(|p| p.failed())
                .map(|p| p.group)
                .collect(),
            stall_state: d.stall.as_ref().and_then(|s| s.init_state),
            reads: (!f.commands.is_empty())
                .then(|| f.commands.iter().filter(|c| c.kind == "RD").count()),
            error_lines: f
                .pattern
                .iter()
                .flat_map(|p| p.error_bits.iter().map(move |b| 8 * p.group + b))
                .collect(),
            garbage_groups: f
                .pattern
                .iter()
                .filter(|p| p.garbage_reads > 0)
                .map(|p| p.group)
                .collect(),
            reads_shown: f
                .pattern
                .iter()
                .any(|p| !p.rise_bytes.is_empty() || !p.fall_bytes.is_empty()),
        }
    }

    /// How well `sim` (a simulated fault) explains `self` (the capture), 0 to 1. Only features
    /// the capture shows count, so a probe dump of a few nets is scored on what it has.
    pub fn score(&self, sim: &Signature) -> f64 {
        let mut got = 0.0;
        let mut total = 0.0;
        let mut feature = |weight: f64, value: f64| {
            got += weight * value;
            total += weight;
        };
        feature(3.0, (self.stage == sim.stage) as u8 as f64);
        feature(1.0, (self.verdict == sim.verdict) as u8 as f64);
        // Only lines the capture follows.
        let shown: Vec<u32> = self.final_taps.iter().map(|(d, _)| *d).collect();
        if !shown.is_empty() {
            let sim_ceiling: Vec<u32> = sim
                .ceiling
                .iter()
                .copied()
                .filter(|d| shown.contains(d))
                .collect();
            feature(3.0, jaccard(&self.ceiling, &sim_ceiling));
            let close = self
                .final_taps
                .iter()
                .filter(|(d, t)| {
                    sim.final_taps
                        .iter()
                        .any(|(sd, st)| sd == d && (*st as i64 - *t as i64).abs() <= 2)
                })
                .count();
            feature(2.0, close as f64 / shown.len() as f64);
        }
        if !self.pattern_groups.is_empty() {
            let sim_failing: Vec<u32> = sim
                .failing_groups
                .iter()
                .copied()
                .filter(|g| self.pattern_groups.contains(g))
                .collect();
            feature(2.0, jaccard(&self.failing_groups, &sim_failing));
        }
        if self.reads_shown {
            feature(2.0, jaccard(&self.error_lines, &sim.error_lines));
            feature(1.0, jaccard(&self.garbage_groups, &sim.garbage_groups));
        }
        if let Some(s) = self.stall_state {
            feature(1.0, (sim.stall_state == Some(s)) as u8 as f64);
        }
        if let (Some(a), Some(b)) = (self.reads, sim.reads) {
            feature(
                1.0,
                1.0 - (a as f64 - b as f64).abs() / (a.max(b).max(1) as f64),
            );
        }
        if total == 0.0 {
            0.0
        } else {
            got / total
        }
    }
}

fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let inter = a.iter().filter(|x| b.contains(x)).count();
    let union = a.len() + b.iter().filter(|x| !a.contains(x)).count();
    inter as f64 / union as f64
}

/// One simulated single fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Short name (`dq_open dq=3`, `none`).
    pub name: String,
    /// The `[[fault]]` table, as TOML.
    pub fault_toml: String,
    /// What the simulated run looks like.
    pub signature: Signature,
}

/// A ranked candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The fault (`none` = the nominal board).
    pub fault: String,
    /// 0 to 1.
    pub score: f64,
}

/// The single-fault catalogue for a board of `dq` lines and `lanes` byte lanes, as `[[fault]]`
/// tables. Kinds the model does not know are skipped by [`build`].
pub fn catalogue(dq: u32, lanes: u32) -> Vec<(String, String)> {
    let mut v = vec![("none".to_string(), String::new())];
    for k in 0..dq {
        v.push((
            format!("dq_open dq={k}"),
            format!("kind = \"dq_open\"\ndq = {k}"),
        ));
        v.push((
            format!("dq_stuck dq={k} high"),
            format!("kind = \"dq_stuck\"\ndq = {k}\nhigh = true"),
        ));
        v.push((
            format!("dq_stuck dq={k} low"),
            format!("kind = \"dq_stuck\"\ndq = {k}\nhigh = false"),
        ));
    }
    for l in 0..lanes {
        v.push((
            format!("dm_stuck lane={l} high"),
            format!("kind = \"dm_stuck\"\nlane = {l}\nhigh = true"),
        ));
        v.push((
            format!("dqs_open lane={l}"),
            format!("kind = \"dqs_open\"\nlane = {l}"),
        ));
        v.push((
            format!("dqs_stuck lane={l} low"),
            format!("kind = \"dqs_stuck\"\nlane = {l}\nhigh = false"),
        ));
    }
    for (name, t) in [
        ("refclk_missing", "kind = \"refclk_missing\""),
        ("dcm_lock_missing", "kind = \"dcm_lock_missing\""),
        ("ck_stopped", "kind = \"ck_stopped\""),
        ("ck_inverted", "kind = \"ck_inverted\""),
    ] {
        v.push((name.to_string(), t.to_string()));
    }
    v
}

/// Errors of the dictionary.
#[derive(Debug, thiserror::Error)]
pub enum DictionaryError {
    /// A run failed.
    #[error("fault dictionary, {fault}: {message}")]
    Run {
        /// The fault being simulated.
        fault: String,
        /// What failed.
        message: String,
    },
}

/// Simulates every fault of the catalogue on `base` (in parallel) and returns their signatures.
pub fn build(base: &Scenario) -> Result<Vec<Entry>, DictionaryError> {
    build_with(base, &|_| {}, &|| {})
}

/// [`build`], calling `start` with the number of faults to simulate before the first and
/// `tick` after each (for a progress bar).
pub fn build_with(
    base: &Scenario,
    start: &dyn Fn(u64),
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<Entry>, DictionaryError> {
    let width = base.memory.data_width;
    let lanes = width.div_ceil(8);
    let jobs: Vec<(String, String, Scenario)> = catalogue(width, lanes)
        .into_iter()
        .filter_map(|(name, toml_text)| {
            let mut scn = base.clone();
            scn.expect = None;
            if !toml_text.is_empty() {
                // A kind this build of the model does not know is not part of its catalogue.
                let fault: Fault = toml::from_str(&toml_text).ok()?;
                scn.fault.push(fault);
                scn.validate(Path::new("<fault dictionary>")).ok()?;
            }
            Some((name, toml_text, scn))
        })
        .collect();
    start(jobs.len() as u64);
    let mut out: Vec<Entry> = jobs
        .par_iter()
        .map(|(name, toml_text, scn)| {
            let e = evaluate_outcome(scn).map_err(|e| DictionaryError::Run {
                fault: name.clone(),
                message: e.to_string(),
            });
            tick();
            let e = e?;
            Ok(Entry {
                name: name.clone(),
                fault_toml: toml_text.clone(),
                signature: Signature::of(&e.facts, &e.diagnosis),
            })
        })
        .collect::<Result<_, DictionaryError>>()?;
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Ranks the dictionary against a capture's signature, best first (ties by name), at most `n`.
pub fn rank(capture: &Signature, dict: &[Entry], n: usize) -> Vec<Candidate> {
    let mut v: Vec<Candidate> = dict
        .iter()
        .map(|e| Candidate {
            fault: e.name.clone(),
            score: (capture.score(&e.signature) * 1000.0).round() / 1000.0,
        })
        .collect();
    v.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.fault.cmp(&b.fault)));
    v.truncate(n);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(stage: Stage, ceiling: Vec<u32>) -> Signature {
        Signature {
            verdict: Verdict::Fail,
            stage,
            ceiling,
            final_taps: (0..8).map(|d| (d, 17)).collect(),
            pattern_groups: vec![0, 1],
            failing_groups: vec![0],
            stall_state: Some(0x0F),
            reads: Some(603),
            error_lines: vec![],
            garbage_groups: vec![],
            reads_shown: false,
        }
    }

    #[test]
    fn identical_signatures_score_1_and_differences_lower() {
        let a = sig(Stage::ReadLatency, vec![3]);
        assert_eq!(a.score(&a), 1.0);
        assert!(a.score(&sig(Stage::ReadLatency, vec![2])) < 1.0);
        assert!(a.score(&sig(Stage::TapCalibration, vec![3])) < 1.0);
    }

    #[test]
    fn only_what_the_capture_shows_counts() {
        // A probe dump that shows no taps and no bus is scored on stage and verdict alone.
        let mut probe = sig(Stage::ReadLatency, vec![]);
        probe.final_taps.clear();
        probe.pattern_groups.clear();
        probe.stall_state = None;
        probe.reads = None;
        assert_eq!(probe.score(&sig(Stage::ReadLatency, vec![3])), 1.0);
    }

    #[test]
    fn ranking_breaks_ties_by_name() {
        let d: Vec<Entry> = ["b", "a"]
            .iter()
            .map(|n| Entry {
                name: n.to_string(),
                fault_toml: String::new(),
                signature: sig(Stage::Done, vec![]),
            })
            .collect();
        let r = rank(&sig(Stage::Done, vec![]), &d, 5);
        assert_eq!(
            r.iter().map(|c| c.fault.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
    }
}
