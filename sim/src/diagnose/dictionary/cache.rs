//! The fault dictionary's on-disk cache: one file per migcal version, board scenario and fault
//! catalogue, each carrying what it was computed from and a SHA-256 checksum, so an edited,
//! corrupted or foreign file is rebuilt (with a note), never used for a ranking.

use super::{build_with, catalogue, DictionaryError, Entry};
use crate::scenario::Scenario;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where cached dictionaries live: `$MIGCAL_CACHE`, else the platform's cache folder by the XDG
/// rules (`$XDG_CACHE_HOME/migcal` when that is an absolute path, else `~/.cache/migcal`), else
/// the system temp folder.
pub fn cache_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("MIGCAL_CACHE") {
        return PathBuf::from(p);
    }
    dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("migcal")
}

/// Layout version of a cache file; a file of another layout is rebuilt.
const CACHE_FORMAT: u32 = 1;

/// The largest cache file read (a dictionary is tens of kilobytes); a bigger one is rebuilt.
const MAX_CACHE_BYTES: u64 = 16 << 20;

/// A cache file: the dictionary (or another list of entries, [`load_or_build`]), what it was
/// computed from, and a checksum over both.
#[derive(Debug, Serialize, Deserialize)]
struct CacheFile<E> {
    /// [`CACHE_FORMAT`].
    format: u32,
    /// The migcal version that simulated it (the model it describes).
    migcal: String,
    /// SHA-256 of the board's scenario text.
    scenario_sha256: String,
    /// SHA-256 of the fault catalogue simulated.
    catalogue_sha256: String,
    /// SHA-256 over the fields above and the entries: an edit or corruption shows.
    checksum: String,
    /// The dictionary.
    entries: Vec<E>,
}

/// What a cache file is computed from, as stored in (and checked against) the file.
pub(crate) struct Provenance {
    migcal: String,
    scenario_sha256: String,
    catalogue_sha256: String,
}

impl Provenance {
    fn of(base: &Scenario, base_text: &str) -> Provenance {
        let cat = catalogue(base.memory.data_width, base.memory.data_width.div_ceil(8));
        let cat_text: String = cat.iter().map(|(n, t)| format!("{n}\0{t}\0")).collect();
        Provenance {
            migcal: env!("CARGO_PKG_VERSION").to_string(),
            scenario_sha256: sha256_hex(base_text.as_bytes()),
            catalogue_sha256: sha256_hex(cat_text.as_bytes()),
        }
    }

    /// What `entries` computed by `migcal` (a version, or a build's own hash) from the board
    /// `scenario_text` and the catalogue `catalogue_text` depend on.
    pub(crate) fn new(migcal: String, scenario_text: &str, catalogue_text: &str) -> Provenance {
        Provenance {
            migcal,
            scenario_sha256: sha256_hex(scenario_text.as_bytes()),
            catalogue_sha256: sha256_hex(catalogue_text.as_bytes()),
        }
    }

    /// The cache file name: one per (kind, version, board, catalogue).
    fn file_name(&self, kind: &str) -> String {
        let key = sha256_hex(
            format!(
                "{}\0{}\0{}",
                self.migcal, self.scenario_sha256, self.catalogue_sha256
            )
            .as_bytes(),
        );
        format!("{kind}-{}.json", &key[..32])
    }

    fn checksum<E: Serialize>(&self, entries: &[E]) -> String {
        let body = serde_json::to_string(entries).unwrap_or_default();
        sha256_hex(
            format!(
                "{CACHE_FORMAT}\0{}\0{}\0{}\0{body}",
                self.migcal, self.scenario_sha256, self.catalogue_sha256
            )
            .as_bytes(),
        )
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A dictionary from [`cached`], with what happened to the cache worth telling the user.
#[derive(Debug)]
pub struct Cached {
    /// The dictionary (from the cache when it was valid, else simulated afresh).
    pub entries: Vec<Entry>,
    /// Set when a cache file was there but not used, or could not be saved: why.
    pub note: Option<String>,
}

/// [`build`], cached on disk under [`cache_dir`], one file per migcal version, board scenario
/// and catalogue. A cache file is used only when its layout, provenance and checksum all
/// match; anything else (edited, truncated, garbage, another version's, not a regular file) is
/// rebuilt, with a [`Cached::note`] saying why, never used for a ranking. The file is replaced
/// atomically, so concurrent runs read either a whole old file or a whole new one. A cache that
/// cannot be written is a note, not an error.
pub fn cached(base: &Scenario, base_text: &str) -> Result<Cached, DictionaryError> {
    cached_with(base, base_text, &|_| {}, &|| {})
}

/// [`cached`], with [`build_with`]'s progress callbacks, called only when the dictionary is
/// built (a usable cache draws nothing).
pub fn cached_with(
    base: &Scenario,
    base_text: &str,
    start: &dyn Fn(u64),
    tick: &(dyn Fn() + Sync),
) -> Result<Cached, DictionaryError> {
    let prov = Provenance::of(base, base_text);
    let (entries, note) = load_or_build("dictionary", "the fault dictionary", &prov, true, || {
        build_with(base, start, tick)
    })?;
    Ok(Cached {
        entries: entries.unwrap_or_default(),
        note,
    })
}

/// The entries cached under [`cache_dir`] as `{kind}-{key}.json` for `prov`, or `build`'s,
/// then saved. A file is used only when its layout, provenance and checksum all match; anything
/// else (edited, truncated, garbage, another version's, not a regular file) is rebuilt with a
/// note saying why (`what` names what is rebuilt); with `build_missing` false, nothing is
/// built (`None`). The file is replaced atomically, so concurrent runs read either a whole old
/// file or a whole new one. A cache that cannot be written is a note, not an error.
pub(crate) fn load_or_build<E: Serialize + DeserializeOwned, X>(
    kind: &str,
    what: &str,
    prov: &Provenance,
    build_missing: bool,
    build: impl FnOnce() -> Result<Vec<E>, X>,
) -> Result<(Option<Vec<E>>, Option<String>), X> {
    let path = cache_dir().join(prov.file_name(kind));
    let doing = if build_missing {
        "rebuilding"
    } else {
        "not using"
    };
    let mut note = match read_cache(&path, prov, kind) {
        Ok(Some(entries)) => return Ok((Some(entries), None)),
        Ok(None) => None,
        Err(why) => Some(format!("{}: {why}; {doing} {what}", path.display())),
    };
    if !build_missing {
        return Ok((None, note));
    }
    let entries = build()?;
    let file = CacheFile {
        format: CACHE_FORMAT,
        migcal: prov.migcal.clone(),
        scenario_sha256: prov.scenario_sha256.clone(),
        catalogue_sha256: prov.catalogue_sha256.clone(),
        checksum: prov.checksum(&entries),
        entries,
    };
    let saved = serde_json::to_vec(&file)
        .map_err(|e| e.to_string())
        .and_then(|json| {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            crate::output::write_file_only(&path, &json).map_err(|e| e.to_string())
        });
    if let Err(e) = saved {
        let also = format!("{kind} cache not saved: {e}");
        note = Some(match note {
            Some(n) => format!("{n}; {also}"),
            None => also,
        });
    }
    Ok((Some(file.entries), note))
}

/// The cached entries at `path` when they are whole and were computed from `prov`; `Ok(None)`
/// when there is no cache yet; otherwise why the file cannot be used.
fn read_cache<E: Serialize + DeserializeOwned>(
    path: &Path,
    prov: &Provenance,
    kind: &str,
) -> Result<Option<Vec<E>>, String> {
    use std::io::Read;
    let meta = match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot be read ({e})")),
        Ok(m) => m,
    };
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > MAX_CACHE_BYTES {
        return Err(format!("larger than {MAX_CACHE_BYTES} bytes"));
    }
    let mut text = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CACHE_BYTES).read_to_end(&mut text))
        .map_err(|e| format!("cannot be read ({e})"))?;
    let file: CacheFile<E> =
        serde_json::from_slice(&text).map_err(|e| format!("not a migcal {kind} cache ({e})"))?;
    if file.format != CACHE_FORMAT {
        return Err(format!(
            "cache layout {} (expected {CACHE_FORMAT})",
            file.format
        ));
    }
    if file.migcal != prov.migcal {
        return Err(format!(
            "computed by migcal {} (this is {})",
            file.migcal, prov.migcal
        ));
    }
    if file.scenario_sha256 != prov.scenario_sha256 {
        return Err("computed for another board scenario".into());
    }
    if file.catalogue_sha256 != prov.catalogue_sha256 {
        return Err("computed for another fault catalogue".into());
    }
    if file.checksum != prov.checksum(&file.entries) {
        return Err("checksum mismatch (edited or corrupted)".into());
    }
    Ok(Some(file.entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::dictionary::Signature;
    use crate::diagnose::{Stage, Verdict};

    fn prov() -> Provenance {
        Provenance {
            migcal: "0.1.0".into(),
            scenario_sha256: sha256_hex(b"board"),
            catalogue_sha256: sha256_hex(b"catalogue"),
        }
    }

    fn entry(name: &str, stage: Stage) -> Entry {
        Entry {
            name: name.into(),
            fault_toml: String::new(),
            signature: Signature {
                verdict: Verdict::Fail,
                stage,
                ceiling: vec![],
                final_taps: vec![],
                pattern_groups: vec![],
                failing_groups: vec![],
                stall_state: None,
                reads: None,
                error_lines: vec![],
                garbage_groups: vec![],
                reads_shown: false,
            },
        }
    }

    fn file(p: &Provenance, entries: Vec<Entry>) -> CacheFile<Entry> {
        CacheFile {
            format: CACHE_FORMAT,
            migcal: p.migcal.clone(),
            scenario_sha256: p.scenario_sha256.clone(),
            catalogue_sha256: p.catalogue_sha256.clone(),
            checksum: p.checksum(&entries),
            entries,
        }
    }

    fn entries() -> Vec<Entry> {
        vec![
            entry("ck_inverted", Stage::MemorySetup),
            entry("dq_open dq=3", Stage::ReadLatency),
        ]
    }

    fn read_back(v: &serde_json::Value) -> Result<Option<Vec<Entry>>, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.json");
        std::fs::write(&path, serde_json::to_vec(v).unwrap()).unwrap();
        read_cache(&path, &prov(), "dictionary")
    }

    #[test]
    fn a_whole_file_reads_back() {
        let v = serde_json::to_value(file(&prov(), entries())).unwrap();
        assert_eq!(read_back(&v), Ok(Some(entries())));
    }

    #[test]
    fn swapped_signatures_fail_the_checksum() {
        let mut v = serde_json::to_value(file(&prov(), entries())).unwrap();
        let e = v["entries"].as_array_mut().unwrap();
        let s0 = e[0]["signature"].clone();
        e[0]["signature"] = e[1]["signature"].clone();
        e[1]["signature"] = s0;
        let why = read_back(&v).unwrap_err();
        assert!(why.contains("checksum mismatch"), "{why}");
    }

    #[test]
    fn an_empty_list_or_garbage_is_not_a_cache() {
        for v in [serde_json::json!([]), serde_json::json!({"entries": []})] {
            let why = read_back(&v).unwrap_err();
            assert!(why.contains("not a migcal dictionary cache"), "{why}");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.json");
        let whole = serde_json::to_vec(&file(&prov(), entries())).unwrap();
        std::fs::write(&path, &whole[..whole.len() / 2]).unwrap();
        assert!(
            read_cache::<Entry>(&path, &prov(), "dictionary").is_err(),
            "truncated"
        );
    }

    #[test]
    fn another_version_board_or_catalogue_is_rebuilt() {
        let mut other = prov();
        other.migcal = "0.0.9".into();
        let v = serde_json::to_value(file(&other, entries())).unwrap();
        assert!(read_back(&v).unwrap_err().contains("migcal 0.0.9"));
        let mut other = prov();
        other.scenario_sha256 = sha256_hex(b"another board");
        let v = serde_json::to_value(file(&other, entries())).unwrap();
        assert!(read_back(&v).unwrap_err().contains("board"));
        let mut other = prov();
        other.catalogue_sha256 = sha256_hex(b"more faults");
        let v = serde_json::to_value(file(&other, entries())).unwrap();
        assert!(read_back(&v).unwrap_err().contains("catalogue"));
    }

    #[test]
    fn no_file_is_no_cache_and_a_fifo_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.json");
        assert_eq!(read_cache::<Entry>(&path, &prov(), "dictionary"), Ok(None));
        let made = std::process::Command::new("mkfifo").arg(&path).status();
        if made.is_ok_and(|s| s.success()) {
            // Reading it would block forever: it is refused from its type.
            let why = read_cache::<Entry>(&path, &prov(), "dictionary").unwrap_err();
            assert!(why.contains("not a regular file"), "{why}");
        }
    }

    #[test]
    fn the_key_is_a_fixed_hash() {
        // SHA-256 is the same on every Rust version and machine (std's DefaultHasher is not).
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            prov().file_name("dictionary"),
            prov().file_name("dictionary")
        );
        assert!(prov().file_name("dictionary").starts_with("dictionary-"));
    }
}
