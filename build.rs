//! Writes one `#[test]` per capture file under `tests/fixtures/` into `$OUT_DIR/fixture_tests.rs`,
//! which `tests/fixture_files.rs` includes: adding a fixture file adds a test, so no fixture is
//! silently untested. Sources a fixture was made from (`src/` folders, `*.py` cut scripts), the
//! README, the JUnit schema and the report goldens (`reports/`) are not captures and get none.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let fixtures = manifest.join("tests/fixtures");
    println!("cargo::rerun-if-changed=tests/fixtures");
    let mut files = Vec::new();
    walk(&fixtures, &mut files);
    let mut rels: Vec<String> = files
        .iter()
        .filter_map(|f| f.strip_prefix(&fixtures).ok())
        .map(|r| {
            r.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .filter(|r| is_capture(r))
        .collect();
    rels.sort();
    let mut out = String::new();
    for rel in &rels {
        let ident: String = rel
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        writeln!(
            out,
            "#[test]\nfn {ident}() {{\n    check_fixture({rel:?});\n}}\n"
        )
        .expect("writing to a String");
    }
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    std::fs::write(dest.join("fixture_tests.rs"), out).expect("OUT_DIR is writable");
}

/// Every file below `dir`.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// False for what sits beside the captures without being one.
fn is_capture(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    let name = parts.last().copied().unwrap_or("");
    !(parts.contains(&"src")
        || parts.first() == Some(&"junit")
        || parts.first() == Some(&"reports")
        || name == "README.md"
        || name.ends_with(".py")
        || name.starts_with('.'))
}
