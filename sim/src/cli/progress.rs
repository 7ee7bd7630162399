//! Progress bars for the waits a person sees: a large capture read (`diagnose`, `plot`,
//! `gtkw`) and the fault dictionary's first build. Drawn on stderr only when a person is
//! watching ([`super::show_progress`]); piped output and CI logs get nothing.

use migcal_traces::{ChangeRef, ChangeSource, Header, SignalId, Time, TraceError, Warnings};
use std::sync::OnceLock;

/// Captures at least this large (bytes on disk, compressed for a gzip) get a bar while read:
/// below it a read takes well under a second on one core and a bar would only flicker.
pub const LARGE_READ_BYTES: u64 = 64 << 20;

/// How many changes pass between two looks at the reader's position (cheap: an atomic load).
const CHANGES_PER_UPDATE: u32 = 1 << 16;

/// `source` with a byte-progress bar when it is a large file the reader can say its position
/// in, and a person is watching; `source` unchanged otherwise.
pub fn read_bar(source: Box<dyn ChangeSource + Send>, what: &str) -> Box<dyn ChangeSource + Send> {
    match source.read_progress() {
        Some((_, total)) if total >= LARGE_READ_BYTES && super::show_progress() => {
            let template = format!(
                "{what} {{bar:40}} {{binary_bytes}}/{{binary_total_bytes}}  {{binary_bytes_per_sec}}  eta {{eta}}"
            );
            Box::new(ReadBar {
                inner: source,
                bar: super::progress_bar(total, &template),
                count: 0,
            })
        }
        _ => source,
    }
}

/// A change source that moves a bar to its reader's position as the changes go by.
struct ReadBar {
    inner: Box<dyn ChangeSource + Send>,
    bar: indicatif::ProgressBar,
    count: u32,
}

impl ChangeSource for ReadBar {
    fn header(&self) -> &Header {
        self.inner.header()
    }
    fn set_filter(&mut self, wanted: &[SignalId]) {
        self.inner.set_filter(wanted)
    }
    fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, TraceError> {
        self.count = self.count.wrapping_add(1);
        if self.count.is_multiple_of(CHANGES_PER_UPDATE) {
            if let Some((read, _)) = self.inner.read_progress() {
                self.bar.set_position(read);
            }
        }
        self.inner.next_change()
    }
    fn warnings(&self) -> &Warnings {
        self.inner.warnings()
    }
    fn last_time(&self) -> Time {
        self.inner.last_time()
    }
    fn read_progress(&self) -> Option<(u64, u64)> {
        self.inner.read_progress()
    }
    fn worth_reading_ahead(&self) -> bool {
        self.inner.worth_reading_ahead()
    }
    fn end_known(&self) -> bool {
        self.inner.end_known()
    }
    fn min_sample_gap(&self) -> Option<Time> {
        self.inner.min_sample_gap()
    }
}

impl Drop for ReadBar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// A bar that appears only when its length is known (the fault dictionary's build starts
/// only when the cache cannot be used, so a cached run draws nothing).
#[derive(Default)]
pub struct LazyBar {
    bar: OnceLock<indicatif::ProgressBar>,
}

impl LazyBar {
    /// Shows the bar with `len` steps.
    pub fn start(&self, len: u64, template: &str) {
        let _ = self.bar.set(super::progress_bar(len, template));
    }
    /// One step done.
    pub fn inc(&self) {
        if let Some(b) = self.bar.get() {
            b.inc(1);
        }
    }
    /// Clears the bar, if it was shown.
    pub fn finish(&self) {
        if let Some(b) = self.bar.get() {
            b.finish_and_clear();
        }
    }
}
