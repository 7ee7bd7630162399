//! `merge`: the shard results of one `regress` or `sweep` run (`--shard K/N --json`) joined back
//! into the whole run, in the whole run's order, so every report (table, JSON, CSV, JUnit) is
//! built by the same code from the same values and comes out byte-identical to an unsharded run.
//!
//! Nothing is guessed: the shards must name the same run and shard count, and each of
//! 1..=N must be there exactly once, with the items the split gives it; otherwise the error
//! lists what is missing, given twice or inconsistent.

use super::regress::ScenarioResult;
use super::shard::{RunId, Shard, ShardInfo};
use super::sweep::{assemble, Axis, Param, PointResult, SweepReport};
use std::path::{Path, PathBuf};

/// Why shard results could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A file could not be read or is not a shard result.
    #[error("{path}: {message}")]
    Input {
        /// The file.
        path: PathBuf,
        /// Expected vs found.
        message: String,
    },
    /// Two files come from different runs (or shard counts).
    #[error("{path}: {message} than {first}")]
    Mixed {
        /// The first file, which the others are compared with.
        first: PathBuf,
        /// The file that differs.
        path: PathBuf,
        /// What differs.
        message: String,
    },
    /// Some shards are missing or given more than once.
    #[error("{}", incomplete_message(.total, .missing, .duplicated))]
    Incomplete {
        /// The shard count.
        total: u32,
        /// Shard numbers not given.
        missing: Vec<u32>,
        /// Shard numbers given more than once, with their files.
        duplicated: Vec<(u32, Vec<PathBuf>)>,
    },
}

fn incomplete_message(total: &u32, missing: &[u32], duplicated: &[(u32, Vec<PathBuf>)]) -> String {
    let mut parts = Vec::new();
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(|k| format!("{k}/{total}")).collect();
        parts.push(format!(
            "missing shard{} {}",
            if missing.len() == 1 { "" } else { "s" },
            list.join(", ")
        ));
    }
    for (k, files) in duplicated {
        let list: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        parts.push(format!(
            "shard {k}/{total} given {} times ({})",
            files.len(),
            list.join(", ")
        ));
    }
    format!(
        "cannot merge: {}; expected each of shards 1..={total} exactly once",
        parts.join("; ")
    )
}

/// The whole run, rebuilt from its shards.
#[derive(Debug, Clone)]
pub enum Merged {
    /// A `regress` run.
    Regress {
        /// The report name (`migcal regress <dir>`).
        name: String,
        /// Every scenario's result, in the whole run's order.
        results: Vec<ScenarioResult>,
    },
    /// A `sweep` run.
    Sweep {
        /// The whole grid's report.
        report: Box<SweepReport>,
        /// The axes, as `--vary` gave them.
        axes: Vec<Axis>,
    },
}

/// One shard file, parsed.
struct Part {
    path: PathBuf,
    doc: serde_json::Value,
    info: ShardInfo,
}

/// Merges shard results; `files` are (path, text) pairs as read.
pub fn merge(files: &[(PathBuf, String)]) -> Result<Merged, MergeError> {
    let parts: Vec<Part> = files
        .iter()
        .map(|(path, text)| parse(path, text))
        .collect::<Result<_, _>>()?;
    let Some(first) = parts.first() else {
        return Err(MergeError::Input {
            path: PathBuf::from("-"),
            message: "no shard results given".into(),
        });
    };
    for p in &parts[1..] {
        let differ = |message: &str| MergeError::Mixed {
            first: first.path.clone(),
            path: p.path.clone(),
            message: message.into(),
        };
        if p.info.run != first.info.run {
            return Err(differ(
                "comes from another run (command, folder, scenario, axes, runs or seed)",
            ));
        }
        if p.info.shard.total != first.info.shard.total || p.info.count != first.info.count {
            return Err(differ("is split into another number of shards or items"));
        }
    }
    check_complete(&parts, first.info.shard.total)?;
    let count = first.info.count;
    match &first.info.run {
        RunId::Regress { name } => {
            let mut slots: Vec<Option<ScenarioResult>> = vec![None; count];
            for p in &parts {
                let results: Vec<ScenarioResult> = field(p, "scenarios")?;
                place(p, results, &mut slots)?;
            }
            Ok(Merged::Regress {
                name: name.clone(),
                results: slots.into_iter().flatten().collect(),
            })
        }
        RunId::Sweep {
            scenario,
            axes,
            runs,
            first_seed,
            temp_coeff_ps_per_c,
        } => {
            let axes: Vec<Axis> = axes
                .iter()
                .map(|a| {
                    Param::parse(&a.name)
                        .map(|param| Axis {
                            param,
                            values: a.values.clone(),
                        })
                        .ok_or_else(|| bad(&first.path, format!("unknown axis {:?}", a.name)))
                })
                .collect::<Result<_, _>>()?;
            let mut slots: Vec<Option<PointResult>> = vec![None; count];
            for p in &parts {
                let mut points: Vec<PointResult> = field(p, "points")?;
                if p.info.fingerprints.len() != points.len() {
                    return Err(bad(
                        &p.path,
                        "shard.fingerprints does not match points".into(),
                    ));
                }
                for (pt, f) in points.iter_mut().zip(&p.info.fingerprints) {
                    pt.fingerprints = f.clone();
                }
                place(p, points, &mut slots)?;
            }
            let points = slots.into_iter().flatten().collect();
            let report = assemble(
                scenario.clone(),
                &axes,
                *runs,
                *first_seed,
                *temp_coeff_ps_per_c,
                points,
            );
            Ok(Merged::Sweep {
                report: Box::new(report),
                axes,
            })
        }
    }
}

fn bad(path: &Path, message: String) -> MergeError {
    MergeError::Input {
        path: path.to_owned(),
        message,
    }
}

fn parse(path: &Path, text: &str) -> Result<Part, MergeError> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        bad(
            path,
            format!("expected the JSON of a shard (--shard K/N --json), {e}"),
        )
    })?;
    let shard = doc.get("shard").ok_or_else(|| {
        bad(
            path,
            "expected a shard result (the --json output of regress or sweep run with --shard K/N), \
             found JSON without a `shard` key"
                .into(),
        )
    })?;
    let info: ShardInfo =
        serde_json::from_value(shard.clone()).map_err(|e| bad(path, format!("shard: {e}")))?;
    Shard::new(info.shard.index, info.shard.total).map_err(|m| bad(path, format!("shard: {m}")))?;
    if info.items != info.shard.items(info.count) {
        return Err(bad(
            path,
            format!(
                "shard {}: its items are not the ones shard {} of {} items holds",
                info.shard, info.shard, info.count
            ),
        ));
    }
    Ok(Part {
        path: path.to_owned(),
        doc,
        info,
    })
}

fn check_complete(parts: &[Part], total: u32) -> Result<(), MergeError> {
    let mut seen: Vec<Vec<PathBuf>> = vec![Vec::new(); total as usize];
    for p in parts {
        seen[(p.info.shard.index - 1) as usize].push(p.path.clone());
    }
    let missing: Vec<u32> = (1..=total)
        .filter(|&k| seen[(k - 1) as usize].is_empty())
        .collect();
    let duplicated: Vec<(u32, Vec<PathBuf>)> = (1..=total)
        .filter_map(|k| {
            let files = &seen[(k - 1) as usize];
            (files.len() > 1).then(|| (k, files.clone()))
        })
        .collect();
    if missing.is_empty() && duplicated.is_empty() {
        Ok(())
    } else {
        Err(MergeError::Incomplete {
            total,
            missing,
            duplicated,
        })
    }
}

fn field<T: serde::de::DeserializeOwned>(p: &Part, key: &str) -> Result<T, MergeError> {
    let v = p
        .doc
        .get(key)
        .ok_or_else(|| bad(&p.path, format!("expected a `{key}` array, found none")))?;
    serde_json::from_value(v.clone()).map_err(|e| bad(&p.path, format!("{key}: {e}")))
}

/// Puts a shard's items into their places in the whole run.
fn place<T>(p: &Part, items: Vec<T>, slots: &mut [Option<T>]) -> Result<(), MergeError> {
    if items.len() != p.info.items.len() {
        return Err(bad(
            &p.path,
            format!(
                "expected {} results (shard {}), found {}",
                p.info.items.len(),
                p.info.shard,
                items.len()
            ),
        ));
    }
    for (item, &i) in items.into_iter().zip(&p.info.items) {
        slots[i] = Some(item);
    }
    Ok(())
}
