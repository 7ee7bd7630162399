//! The JUnit XML report of `regress` (and of `merge` over its shards): one `<testsuite>` per run
//! of scenarios in one folder (`golden`, `faults`, ...), one `<testcase>` per scenario; a
//! mismatch is a `<failure>`, a bad scenario an `<error>`, a scenario without `[expect]`
//! `<skipped>`.

use crate::evaluate::regress::{ScenarioResult, Status};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use quick_xml::events::{BytesStart, Event};
use std::time::Duration;

/// The JUnit XML document. Times only with `timings` (then the output is no longer
/// byte-identical from run to run).
///
/// The Jenkins xUnit `junit-10.xsd` (the schema pytest also validates against) allows no
/// `skipped` attribute on the root `<testsuites>`; `quick-junit` always writes one, so the root
/// start tag is rebuilt without it by [`without_root_skipped`] (each `<testsuite>` keeps its own
/// count).
pub fn regress(results: &[ScenarioResult], report_name: &str, timings: bool) -> String {
    let mut suites: Vec<(String, TestSuite)> = Vec::new();
    for r in results {
        let folder = r
            .name
            .rsplit_once('/')
            .map(|(dir, _)| dir.to_string())
            .unwrap_or_default();
        if suites.last().map(|(f, _)| f != &folder).unwrap_or(true) {
            let name = if folder.is_empty() {
                report_name.to_string()
            } else {
                format!("{report_name}/{folder}")
            };
            suites.push((folder.clone(), TestSuite::new(name)));
        }
        let mut case = TestCase::new(r.name.clone(), case_status(r));
        let mut classname = "migcal.regress".to_string();
        if !folder.is_empty() {
            classname.push('.');
            classname.push_str(&folder.replace('/', "."));
        }
        case.set_classname(classname);
        if timings {
            case.set_time(r.elapsed);
        }
        if let Some((_, suite)) = suites.last_mut() {
            suite.add_test_case(case);
        }
    }
    let mut report = Report::new(report_name.to_string());
    for (_, mut s) in suites {
        if timings {
            let t: Duration = s.test_cases.iter().filter_map(|c| c.time).sum();
            s.set_time(t);
        }
        report.add_test_suite(s);
    }
    let mut xml = report
        .to_string()
        .map_err(|e| e.to_string())
        .and_then(|xml| without_root_skipped(&xml))
        .unwrap_or_else(|e| format!("<!-- JUnit serialisation failed: {e} -->\n"));
    if !xml.ends_with('\n') {
        xml.push('\n');
    }
    xml
}

fn case_status(r: &ScenarioResult) -> TestCaseStatus {
    match &r.status {
        Status::Pass => TestCaseStatus::success(),
        Status::Mismatch { differences } => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            if let Some(first) = differences.first() {
                s.set_message(format!(
                    "{}: expected {}, got {}",
                    first.key, first.expected, first.found
                ));
            }
            s.set_type("mismatch");
            let text: Vec<String> = differences
                .iter()
                .map(|d| {
                    format!(
                        "{}{}: expected {}, got {}",
                        d.key,
                        d.line.map(|l| format!(" (line {l})")).unwrap_or_default(),
                        d.expected,
                        d.found
                    )
                })
                .collect();
            s.set_description(format!("{}\n{}", r.path.display(), text.join("\n")));
            s
        }
        Status::Bad { line, message, .. } => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(message.clone());
            s.set_type("bad scenario");
            s.set_description(format!(
                "{}{}: {}",
                r.path.display(),
                line.map(|l| format!(":{l}")).unwrap_or_default(),
                message
            ));
            s
        }
        Status::Skipped => {
            let mut s = TestCaseStatus::skipped();
            s.set_message("no [expect] table");
            s
        }
    }
}

/// The document with the root `<testsuites>` start tag rebuilt without its `skipped`
/// attribute. The XML is read event by event and written back unchanged otherwise: the events
/// keep their raw (escaped) text, so every other byte stays what quick-junit wrote.
fn without_root_skipped(xml: &str) -> Result<String, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(xml.len()));
    let mut root_done = false;
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        let event = match event {
            Event::Eof => break,
            Event::Start(start) if !root_done && start.name().as_ref() == b"testsuites" => {
                root_done = true;
                let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                let mut root = BytesStart::new(name);
                for attr in start.attributes() {
                    let attr = attr.map_err(|e| e.to_string())?;
                    if attr.key.as_ref() != b"skipped" {
                        root.push_attribute(attr);
                    }
                }
                Event::Start(root)
            }
            other => other,
        };
        writer.write_event(event).map_err(|e| e.to_string())?;
    }
    String::from_utf8(writer.into_inner()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_skipped_attribute_removed_only_from_the_root() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"r &amp; s\" tests=\"1\" skipped=\"0\" failures=\"0\" errors=\"0\">\n    <testsuite name=\"s\" tests=\"1\" skipped=\"0\" errors=\"0\" failures=\"0\">\n        <failure message=\"a &lt; b\">x &gt; y\n</failure>\n    </testsuite>\n</testsuites>\n";
        let out = without_root_skipped(xml).unwrap();
        assert_eq!(
            out,
            xml.replacen(" skipped=\"0\" failures", " failures", 1),
            "only the root's attribute goes; everything else is byte for byte"
        );
    }
}
