//! VCD (IEEE 1364 value change dump) reading and writing.
//!
//! The reader ([`VcdReader`]) is a hand-written tokenizer over a large byte buffer: the `vcd` crate
//! reads byte by byte and allocates per vector change (~20 MB/s) and rejects what real simulators
//! and logic analysers write (VHDL 9-state values, `#1.5`, sigrok's `META` line); see
//! `shared/spec/captures.md` §1. The `vcd` crate stays the oracle in the tests.
//!
//! The reader is split by concern: `tokens` (the buffer and tokenizer), `chars` (byte classes),
//! `ids` (id codes), `header` (declarations), `reader` (value changes).
//!
//! The writer ([`VcdWriter`]) turns `/`-separated names into nested `$scope module` sections.

mod chars;
mod header;
mod ids;
mod reader;
pub mod synth;
mod timescale;
mod tokens;
mod writer;

pub use reader::VcdReader;
pub use timescale::{timescale_display, timescale_text, unit_fs};
pub use writer::VcdWriter;

use crate::{ChangeSource, TraceError};
use std::path::Path;

/// Opens a VCD (plain or gzip) as a streaming change source.
pub fn open(path: &Path) -> Result<Box<dyn ChangeSource + Send>, TraceError> {
    let (input, counter) = crate::io::open_counted(path)?;
    Ok(Box::new(
        VcdReader::new(input, path)?.with_progress(counter),
    ))
}
