//! GitHub Actions workflow annotations for `regress` (and `merge`): one `::error` per
//! difference and per bad scenario, pointing at the scenario file and line.

use crate::evaluate::regress::{ScenarioResult, Status};
use std::path::Path;

/// Escapes a GitHub workflow-command property (`file`, `title`).
fn gh_property(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// Escapes a GitHub workflow-command message.
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub Actions `::error` annotations, one per difference and per bad scenario, each
/// pointing at the scenario file and the line of the `[expect]` key (or of the bad key).
pub fn annotations(results: &[ScenarioResult]) -> String {
    let mut out = String::new();
    let mut emit = |path: &Path, line: Option<usize>, title: String, message: String| {
        out.push_str("::error file=");
        out.push_str(&gh_property(&path.display().to_string()));
        if let Some(l) = line {
            out.push_str(&format!(",line={l}"));
        }
        out.push_str(",title=");
        out.push_str(&gh_property(&title));
        out.push_str("::");
        out.push_str(&gh_data(&message));
        out.push('\n');
    };
    for r in results {
        match &r.status {
            Status::Mismatch { differences } => {
                for d in differences {
                    emit(
                        &r.path,
                        d.line,
                        format!("{} not as expected ({})", r.name, d.key),
                        format!(
                            "{}: expected {}, got {}{}",
                            d.key,
                            d.expected,
                            d.found,
                            r.got
                                .as_ref()
                                .map(|g| format!(" (diagnosis: {g})"))
                                .unwrap_or_default()
                        ),
                    );
                }
            }
            Status::Bad { line, message, .. } => {
                emit(
                    &r.path,
                    *line,
                    format!("{}: bad scenario", r.name),
                    message.clone(),
                );
            }
            Status::Pass | Status::Skipped => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escapes() {
        assert_eq!(gh_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(gh_data("a:b,c%\r\n"), "a:b,c%25%0D%0A");
    }
}
