//! `migcal signals`: which MIG signals a capture holds, under which names, and which the
//! analyses would miss.
//!
//! Exit status: 0 when the capture (and the mapping file) read and every canonical name binds to
//! one capture signal, however many signals are missing: the listing is the answer, and a capture
//! with only a few probes is still a valid capture. 2 when the file cannot be read, the mapping
//! file is wrong, or two capture signals claim one MIG name (the listing is printed first, the
//! error last), because every other command would stop on the same ambiguity.

use super::{open_capture, CliError, CliResult, EXIT_PASS};
use migcal_traces::names::{Binding, CanonicalSource, NameMap, Stage};
use migcal_traces::{ChangeSource, Header, TimeBase, TraceError, Warnings};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The widest the name column of the table grows (characters).
const MAX_NAME_COLUMN: usize = 100;
/// Arguments of `migcal signals`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The capture (`-` for standard input): VCD (any simulator, ILA, sigrok), FST, GHW, or a
    /// CSV export, plain or gzip'd.
    pub capture: PathBuf,
    /// Mapping file: TOML lines `"canonical name" = "capture name"`.
    #[arg(long = "map", value_name = "MAP.toml")]
    pub map: Option<PathBuf>,
    /// Sample period of a sample-indexed capture (`5ns`, `5000ps`, `1us`).
    #[arg(long, value_name = "PERIOD", value_parser = super::parse_sample_period)]
    pub sample_period: Option<u64>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// One found signal, as reported.
#[derive(serde::Serialize)]
struct Found<'a> {
    name: &'a str,
    width: u32,
    expected_width: Option<u32>,
    stage: Option<Stage>,
    key: bool,
    changes: u64,
    source: &'a str,
}

/// Runs `migcal signals`.
pub fn run(args: &Args) -> CliResult {
    let opened = open_capture(&args.capture, args.map.as_deref(), args.sample_period)?;
    let listing = Listing::read(opened)?;
    let o = if args.json {
        listing.json(&args.capture)?
    } else {
        listing.text(&args.capture)
    };
    super::print_out(&o)?;
    if let Some(a) = listing.names.ambiguities().first() {
        return Err(TraceError::from(a.clone()).into());
    }
    Ok(ExitCode::from(EXIT_PASS))
}

/// What `signals` reports of a capture read to its end.
struct Listing {
    names: NameMap,
    header: Header,
    bindings: Vec<Binding>,
    counts: Vec<u64>,
    end: u64,
    warnings: Warnings,
    format: &'static str,
    writer: Option<&'static str>,
}

impl Listing {
    /// Reads the whole capture: a file that only reads at its start is not a capture that
    /// reads, and per-signal change counts show probes that never moved.
    fn read(opened: super::Opened) -> Result<Listing, CliError> {
        let names = opened.names;
        let header = opened.source.header().clone();
        let bindings: Vec<Binding> = names.bindings().to_vec();
        let mut canon = CanonicalSource::new(opened.source, bindings.clone());
        let mut counts = vec![0u64; bindings.len()];
        let mut end: u64 = 0;
        while let Some(c) = canon.next_change()? {
            counts[c.signal as usize] += 1;
            end = c.time;
        }
        let warnings = canon.warnings().clone();
        let format = opened.format.map(super::format_name).unwrap_or("given");
        let writer = opened
            .format
            .and_then(|f| migcal_traces::origin::writer(f, &header));
        Ok(Listing {
            names,
            header,
            bindings,
            counts,
            end,
            warnings,
            format,
            writer,
        })
    }

    /// The signals found, with their change counts.
    fn found(&self) -> Vec<Found<'_>> {
        self.bindings
            .iter()
            .zip(&self.counts)
            .map(|(b, &changes)| {
                let e = b.entry();
                Found {
                    name: &b.name,
                    width: b.width,
                    expected_width: e.and_then(|e| e.width),
                    stage: e.map(|e| e.stage),
                    key: e.map(|e| e.key).unwrap_or(false),
                    changes,
                    source: &b.source,
                }
            })
            .collect()
    }

    /// The capture's signals bound to no MIG name.
    fn unbound(&self) -> Vec<&str> {
        self.names
            .unbound()
            .iter()
            .map(|&i| self.header.signals[i as usize].source_name.as_str())
            .collect()
    }

    /// The JSON form.
    fn json(&self, capture: &Path) -> Result<String, CliError> {
        let missing = self.names.missing();
        let key_missing: Vec<&String> = missing
            .iter()
            .flat_map(|(_, v)| v)
            .filter(|n| {
                migcal_traces::names::catalogue_entry(&n.replace("[i]", "[0]"))
                    .map(|e| e.key)
                    .unwrap_or(false)
            })
            .collect();
        let missing_json: serde_json::Map<String, serde_json::Value> = missing
            .iter()
            .map(|(s, v)| (s.name().to_string(), serde_json::json!(v)))
            .collect();
        let header = &self.header;
        let doc = serde_json::json!({
            "capture": capture.display().to_string(),
            "format": self.format,
            "writer": self.writer,
            "time_base": header.time_base,
            "timescale": header.timescale_text,
            "end_time": self.end,
            "capture_signals": header.signals.len(),
            "signals": self.found(),
            "missing": missing_json,
            "key_signals_missing": key_missing,
            "ambiguous": self.names.ambiguities(),
            "unbound": self.unbound(),
            "set_aside": self.names.set_aside(),
            "warnings": self.warnings,
        });
        let mut o = String::new();
        outln!(
            o,
            "{}",
            serde_json::to_string_pretty(&doc).map_err(|e| CliError::Message(e.to_string()))?
        );
        Ok(o)
    }

    /// The text form: the capture line, the table of signals found, then what is missing,
    /// unbound, warned about or ambiguous.
    fn text(&self, capture: &Path) -> String {
        let mut o = String::new();
        self.head_text(&mut o, capture);
        self.found_text(&mut o);
        self.missing_text(&mut o);
        self.unbound_text(&mut o);
        self.warnings_text(&mut o);
        self.ambiguities_text(&mut o);
        o
    }

    /// The capture line.
    fn head_text(&self, o: &mut String, capture: &Path) {
        let (header, format, writer, end) = (&self.header, self.format, self.writer, self.end);
        let unit = match header.time_base {
            TimeBase::Femtoseconds => "fs",
            TimeBase::Samples => "samples",
        };
        outln!(
            o,
            "{}: {format}{}, {} signals, MIG signals change until {end} {unit}{}",
            capture.display(),
            writer
                .map(|w| format!(" written by {w}"))
                .unwrap_or_default(),
            header.signals.len(),
            header
                .timescale_text
                .as_deref()
                .map(|t| format!(" (timescale {t})"))
                .unwrap_or_default()
        );
    }

    /// The table of MIG signals found.
    fn found_text(&self, o: &mut String) {
        let found = self.found();
        outln!(o);
        outln!(o, "MIG signals found ({}):", found.len());
        // Capped: a longer name just runs past its column (a format width past u16::MAX panics).
        let w = found
            .iter()
            .map(|f| f.name.len())
            .max()
            .unwrap_or(4)
            .clamp(4, MAX_NAME_COLUMN);
        outln!(
            o,
            "  {:<w$}  {:>5}  {:>8}  source",
            "name",
            "width",
            "changes"
        );
        for f in &found {
            let width = match f.expected_width {
                Some(e) if e != f.width => format!("{} (expected {e})", f.width),
                _ => f.width.to_string(),
            };
            outln!(
                o,
                "  {:<w$}  {:>5}  {:>8}  {}",
                f.name,
                width,
                f.changes,
                f.source
            );
        }
    }

    /// The catalogue's signals not in the capture, by stage.
    fn missing_text(&self, o: &mut String) {
        let missing = self.names.missing();
        outln!(o);
        if missing.is_empty() {
            outln!(o, "Missing: none of the catalogue's signals.");
        } else {
            outln!(
                o,
                "Missing, by the stage that needs them (* = needed for that stage's diagnosis):"
            );
            for (stage, list) in &missing {
                let items: Vec<String> = compress_indices(list)
                    .into_iter()
                    .map(|(n, probe)| {
                        let key = migcal_traces::names::catalogue_entry(&probe)
                            .map(|e| e.key)
                            .unwrap_or(false);
                        if key {
                            format!("{n}*")
                        } else {
                            n
                        }
                    })
                    .collect();
                outln!(o, "  {}: {}", stage.name(), items.join(", "));
            }
        }
    }

    /// The capture's signals bound to no MIG name, and those set aside.
    fn unbound_text(&self, o: &mut String) {
        let (names, unbound) = (&self.names, self.unbound());
        if !unbound.is_empty() {
            outln!(o);
            outln!(o,
            "Capture signals not bound to a MIG name ({}; bind them in a --map file if they are MIG nets):",
            unbound.len()
        );
            for u in unbound.iter().take(20) {
                outln!(o, "  {u}");
            }
            if unbound.len() > 20 {
                outln!(o, "  … and {} more", unbound.len() - 20);
            }
        }
        if !names.set_aside().is_empty() {
            outln!(o);
            outln!(
            o,
            "Left unbound although named like MIG nets (bind them in a --map file if they are the MIG's):"
        );
            for a in names.set_aside() {
                outln!(o, "  {}: {}", a.source, a.reason);
            }
        }
    }

    /// The reader's warnings.
    fn warnings_text(&self, o: &mut String) {
        let warnings = &self.warnings;
        if !warnings.is_empty() {
            outln!(o);
            outln!(o,
            "Reader warnings: {} 9-state values folded, {} fractional times rounded, {} non-bit values{}",
            warnings.nine_state_folded,
            warnings.fractional_times_rounded,
            warnings.non_bit_values,
            warnings
                .notes
                .iter()
                .map(|n| format!("; {n}"))
                .collect::<String>()
        );
        }
    }

    /// Two capture signals claiming one MIG name.
    fn ambiguities_text(&self, o: &mut String) {
        let names = &self.names;
        if !names.ambiguities().is_empty() {
            outln!(o);
            outln!(
                o,
                "Ambiguous (two capture signals claim one MIG name; bind one with --map):"
            );
            for a in names.ambiguities() {
                outln!(o, "  {}: {} and {}", a.name, a.first, a.second);
            }
        }
    }
}

/// Folds `blk[0]/sig`, `blk[1]/sig`, … into `blk[0-1]/sig` for reading; each item comes with a
/// concrete name to look its catalogue entry up by (`[i]` placeholders become `[0]`).
fn compress_indices(names: &[String]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    // (prefix, suffix, first, last) of the run being built.
    let mut run: Option<(String, String, u32, u32)> = None;
    let flush = |run: &mut Option<(String, String, u32, u32)>, out: &mut Vec<(String, String)>| {
        if let Some((p, sfx, a, b)) = run.take() {
            let shown = if a == b {
                format!("{p}[{a}]{sfx}")
            } else {
                format!("{p}[{a}-{b}]{sfx}")
            };
            out.push((shown, format!("{p}[{a}]{sfx}")));
        }
    };
    for n in names {
        let parsed = n.split_once('[').and_then(|(p, rest)| {
            let (idx, sfx) = rest.split_once(']')?;
            Some((p.to_string(), idx.parse::<u32>().ok()?, sfx.to_string()))
        });
        match parsed {
            Some((p, i, sfx)) => {
                if let Some((rp, rs, _, last)) = &mut run {
                    if *rp == p && *rs == sfx && *last + 1 == i {
                        *last = i;
                        continue;
                    }
                }
                flush(&mut run, &mut out);
                run = Some((p, sfx, i, i));
            }
            None => {
                flush(&mut run, &mut out);
                out.push((n.clone(), n.replace("[i]", "[0]")));
            }
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::compress_indices;

    #[test]
    fn runs_of_indices_fold() {
        let v: Vec<String> = [
            "pins/dq",
            "idelay_dq[0]/tap",
            "idelay_dq[1]/tap",
            "idelay_dq[2]/tap",
            "tap_ctrl[0]/tap_count",
            "tap_ctrl[2]/tap_count",
            "tap_ctrl[i]/compare",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let shown: Vec<String> = compress_indices(&v).into_iter().map(|x| x.0).collect();
        assert_eq!(
            shown,
            vec![
                "pins/dq",
                "idelay_dq[0-2]/tap",
                "tap_ctrl[0]/tap_count",
                "tap_ctrl[2]/tap_count",
                "tap_ctrl[i]/compare"
            ]
        );
    }
}
