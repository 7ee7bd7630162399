//! `--shard K/N`: one CI runner's share of a `regress` suite or a `sweep` grid.
//!
//! The split is round-robin over the items in their report order (sorted scenario paths, grid
//! points with the first axis outermost): item `i` (0-based) belongs to shard `i % N + 1`. Every
//! item is in exactly one shard, the split needs nothing but the item count (so every runner
//! computes the same one), and neighbouring items, which tend to cost alike (a sweep's last axis
//! varies fastest), land on different runners. Shards are numbered from 1, as GitLab's
//! `CI_NODE_INDEX` is, so `--shard $CI_NODE_INDEX/$CI_NODE_TOTAL` and a GitHub matrix
//! `shard: [1, 2, 3]` both read naturally.

use serde::{Deserialize, Serialize};

/// Most shards a run may be split into (more runners than this is a typo).
pub const MAX_SHARDS: u32 = 10_000;

/// One shard of `total`: `index` counts from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based shard number.
    pub index: u32,
    /// How many shards the run is split into.
    pub total: u32,
}

/// Why a shard specification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name} {text:?}: {message}")]
pub struct ShardError {
    /// Where it came from (`--shard`, `CI_NODE_INDEX`, ...).
    pub source_name: String,
    /// The text given.
    pub text: String,
    /// Expected vs found.
    pub message: String,
}

/// What a shard's JSON carries beyond its own results, so `merge` can check the shards belong
/// together and rebuild the whole run's reports byte for byte.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// This shard's number and the shard count.
    #[serde(flatten)]
    pub shard: Shard,
    /// Items (scenarios, grid points) in the whole run.
    pub count: usize,
    /// The 0-based indices in the whole run of this shard's items, in the order of its results.
    pub items: Vec<usize>,
    /// What was run; equal in every shard of one run.
    pub run: RunId,
    /// Per grid point (in `items` order), a summary of each run's observable outcome: what a
    /// sweep's "this axis changed nothing" note is computed from. Empty for `regress`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fingerprints: Vec<Vec<String>>,
}

/// The identity of a sharded run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum RunId {
    /// `regress <dir>`.
    Regress {
        /// The report name (`migcal regress <dir>`), the JUnit root's name.
        name: String,
    },
    /// `sweep <scenario> --vary ...`.
    Sweep {
        /// The scenario file as given.
        scenario: String,
        /// Every axis with its values, in order.
        axes: Vec<AxisValues>,
        /// Runs per grid point.
        runs: u64,
        /// Seed of the first run.
        first_seed: u64,
        /// The scenario's `board.temp_coeff_ps_per_c` (the temperature note depends on it).
        temp_coeff_ps_per_c: f64,
    },
}

/// One `--vary` axis by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AxisValues {
    /// Short parameter name (`skew.dq3`).
    pub name: String,
    /// Its values in grid order.
    pub values: Vec<f64>,
}

impl Shard {
    /// Parses `K/N` (1 <= K <= N <= [`MAX_SHARDS`]).
    pub fn parse(text: &str) -> Result<Shard, ShardError> {
        let bad = |message: String| ShardError {
            source_name: "--shard".into(),
            text: text.into(),
            message,
        };
        let (k, n) = text.split_once('/').ok_or_else(|| {
            bad("expected K/N, the 1-based shard number and the shard count (2/4)".into())
        })?;
        let k = parse_count(k).map_err(|m| bad(format!("shard number: {m}")))?;
        let n = parse_count(n).map_err(|m| bad(format!("shard count: {m}")))?;
        Shard::new(k, n).map_err(bad)
    }

    /// A checked shard: `1 <= index <= total <= MAX_SHARDS`.
    pub fn new(index: u32, total: u32) -> Result<Shard, String> {
        if total == 0 || total > MAX_SHARDS {
            return Err(format!(
                "expected a shard count from 1 to {MAX_SHARDS}, found {total}"
            ));
        }
        if index == 0 || index > total {
            return Err(format!(
                "expected a shard number from 1 to {total} (shards count from 1), found {index}"
            ));
        }
        Ok(Shard { index, total })
    }

    /// The shard GitLab's `parallel:` keyword asks for: `CI_NODE_INDEX` (1-based) of
    /// `CI_NODE_TOTAL`. `None` when `CI_NODE_TOTAL` is unset or 1 (GitLab sets it to 1 in a job
    /// that is not parallel, so such a job runs everything).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Option<Shard>, ShardError> {
        let Some(total_text) = var("CI_NODE_TOTAL") else {
            return Ok(None);
        };
        let env_err = |name: &str, text: &str, message: String| ShardError {
            source_name: name.into(),
            text: text.into(),
            message,
        };
        let total =
            parse_count(&total_text).map_err(|m| env_err("CI_NODE_TOTAL", &total_text, m))?;
        if total == 1 {
            return Ok(None);
        }
        let index_text = var("CI_NODE_INDEX").ok_or_else(|| {
            env_err(
                "CI_NODE_INDEX",
                "",
                format!(
                    "unset, but CI_NODE_TOTAL is {total}; expected the 1-based index of this job"
                ),
            )
        })?;
        let index =
            parse_count(&index_text).map_err(|m| env_err("CI_NODE_INDEX", &index_text, m))?;
        Shard::new(index, total)
            .map(Some)
            .map_err(|m| env_err("CI_NODE_INDEX", &index_text, m))
    }

    /// The shard to run: `--shard` when given, else GitLab's variables, else none (everything).
    pub fn resolve(arg: Option<&str>) -> Result<Option<Shard>, ShardError> {
        match arg {
            Some(text) => Shard::parse(text).map(Some),
            None => Shard::from_env(|name| std::env::var(name).ok()),
        }
    }

    /// Whether item `i` (0-based, in report order) is this shard's.
    pub fn owns(&self, i: usize) -> bool {
        i % self.total as usize == (self.index - 1) as usize
    }

    /// The indices (0-based, ascending) of this shard's items among `count`.
    pub fn items(&self, count: usize) -> Vec<usize> {
        (self.index as usize - 1..count)
            .step_by(self.total as usize)
            .collect()
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

fn parse_count(text: &str) -> Result<u32, String> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("expected a whole number, found {t:?}"));
    }
    t.parse::<u32>()
        .map_err(|_| format!("expected a number up to {MAX_SHARDS}, found {t:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_check() {
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, total: 4 }));
        assert_eq!(Shard::parse(" 1 / 1 "), Ok(Shard { index: 1, total: 1 }));
        for bad in [
            "0/3",
            "4/3",
            "1/0",
            "a/2",
            "2",
            "1/2/3",
            "-1/2",
            "1/99999999999",
        ] {
            let e = Shard::parse(bad).unwrap_err().to_string();
            assert!(e.starts_with("--shard") && e.contains(bad), "{e}");
        }
    }

    #[test]
    fn every_item_in_exactly_one_shard() {
        for total in 1..=7u32 {
            for count in [0usize, 1, 5, 36, 100] {
                let mut seen = vec![0u32; count];
                for index in 1..=total {
                    let s = Shard { index, total };
                    for i in s.items(count) {
                        assert!(s.owns(i));
                        seen[i] += 1;
                    }
                }
                assert!(seen.iter().all(|&n| n == 1), "{total} shards of {count}");
            }
        }
    }

    #[test]
    fn gitlab_variables() {
        let env = |index: Option<&'static str>, total: Option<&'static str>| {
            move |name: &str| match name {
                "CI_NODE_INDEX" => index.map(String::from),
                "CI_NODE_TOTAL" => total.map(String::from),
                _ => None,
            }
        };
        assert_eq!(Shard::from_env(env(None, None)), Ok(None));
        assert_eq!(Shard::from_env(env(None, Some("1"))), Ok(None));
        assert_eq!(
            Shard::from_env(env(Some("3"), Some("4"))),
            Ok(Some(Shard { index: 3, total: 4 }))
        );
        // GitLab counts from 1: index 0 is not a GitLab value and is refused, not shifted.
        let e = Shard::from_env(env(Some("0"), Some("4")))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("CI_NODE_INDEX \"0\""), "{e}");
        let e = Shard::from_env(env(None, Some("4")))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unset"), "{e}");
        let e = Shard::from_env(env(Some("1"), Some("x")))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("CI_NODE_TOTAL"), "{e}");
    }
}
