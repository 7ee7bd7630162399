//! The JSON documents of `regress --json` and `sweep --json` (and of `merge`). A shard's
//! document is the same with a `shard` key ([`ShardInfo`]) that holds what `merge` needs to
//! rebuild the whole run's bytes; the whole run's document has no such key.

use crate::evaluate::regress::{ScenarioResult, Totals};
use crate::evaluate::shard::ShardInfo;
use crate::evaluate::sweep::SweepReport;
use serde_json::Value;

/// The `regress --json` document: every result and the totals (and `shard` for a shard).
pub fn regress(results: &[ScenarioResult], timings: bool, shard: Option<&ShardInfo>) -> Value {
    let scenarios: Vec<Value> = results
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
            if let (true, Some(o)) = (timings, v.as_object_mut()) {
                o.insert(
                    "time_ms".into(),
                    serde_json::json!(r.elapsed.as_secs_f64() * 1e3),
                );
            }
            v
        })
        .collect();
    let mut doc = serde_json::json!({
        "scenarios": scenarios,
        "totals": Totals::of(results),
    });
    if let (Some(s), Some(o)) = (shard, doc.as_object_mut()) {
        o.insert(
            "shard".into(),
            serde_json::to_value(s).unwrap_or(Value::Null),
        );
    }
    doc
}

/// The `sweep --json` text (pretty-printed, newline-terminated).
pub fn sweep(r: &SweepReport) -> Result<String, serde_json::Error> {
    let text = match &r.partial {
        None => serde_json::to_string_pretty(r)?,
        Some(shard) => {
            let mut doc = serde_json::to_value(r)?;
            if let Some(o) = doc.as_object_mut() {
                o.insert("shard".into(), serde_json::to_value(shard)?);
            }
            serde_json::to_string_pretty(&doc)?
        }
    };
    Ok(text + "\n")
}
