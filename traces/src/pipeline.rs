//! A reader on its own thread: the changes of a [`ChangeSource`] parsed ahead in batches while the
//! caller binds, assembles and analyses the previous batch, so on two cores a command costs the
//! slower of the two halves instead of their sum (issue 16).
//!
//! The changes handed out are the inner source's, in its order, with its values and errors: only
//! *when* the parsing happens moves, so every output stays byte-identical to a single-threaded
//! read. Memory is bounded by the batches in flight ([`BATCH_CHANGES`] changes, [`IN_FLIGHT`]
//! batches), never by the file.

use crate::trace::{ChangeRef, ChangeSource, Header, SignalId, Time, ValueRef, Warnings};
use crate::TraceError;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Changes per batch: enough that the hand-over costs nothing per change, few enough that the
/// first batch arrives at once and a batch stays in the caches.
pub const BATCH_CHANGES: usize = 8192;
/// Batches parsed ahead of the caller (each also bounds its value bytes, see [`BATCH_BYTES`]).
pub const IN_FLIGHT: usize = 4;
/// A batch is handed over early once its value bytes reach this (wide string values).
const BATCH_BYTES: usize = 1 << 20;

/// How a recorded value is stored in [`Batch::bytes`].
#[derive(Clone, Copy)]
enum Kind {
    Bits,
    Real,
    Str,
}

/// One recorded change: its value is `len` bytes of [`Batch::bytes`] after the previous one's.
#[derive(Clone, Copy)]
struct Rec {
    time: Time,
    signal: SignalId,
    len: u32,
    kind: Kind,
}

/// Changes parsed ahead, with the reader's state after the last of them.
#[derive(Default)]
struct Batch {
    recs: Vec<Rec>,
    bytes: Vec<u8>,
    /// `Some` when the reader stopped after these changes: `Ok` at the end, or its error.
    end: Option<Result<(), TraceError>>,
    warnings: Warnings,
    last_time: Time,
    progress: Option<(u64, u64)>,
    min_sample_gap: Option<Time>,
}

impl Batch {
    fn push(&mut self, c: &ChangeRef<'_>) {
        let (kind, len) = match c.value {
            ValueRef::Bits(b) => {
                self.bytes.extend_from_slice(b);
                (Kind::Bits, b.len())
            }
            ValueRef::Real(r) => {
                self.bytes.extend_from_slice(&r.to_bits().to_le_bytes());
                (Kind::Real, 8)
            }
            ValueRef::Str(s) => {
                self.bytes.extend_from_slice(s.as_bytes());
                (Kind::Str, s.len())
            }
        };
        self.recs.push(Rec {
            time: c.time,
            signal: c.signal,
            len: len as u32,
            kind,
        });
    }
}

/// A [`ChangeSource`] whose inner source is read on a thread of its own, a few batches ahead.
///
/// The thread starts at the first [`ChangeSource::next_change`], so a [`ChangeSource::set_filter`]
/// before it reaches the inner source (which then skips the filtered work); a filter set later is
/// applied to the changes as they are handed out.
pub struct Pipelined {
    header: Header,
    state: State,
    batch: Batch,
    /// Next record of `batch` and the offset of its value in `batch.bytes`.
    pos: usize,
    offset: usize,
    /// Filter applied here (set after the thread started); empty = none.
    wanted: Vec<bool>,
    warnings: Warnings,
    last_time: Time,
    progress: Option<(u64, u64)>,
    /// The inner source's, read once: whether the capture says where it ends does not change.
    end_known: bool,
    min_sample_gap: Option<Time>,
}

enum State {
    /// Not started: the inner source, still here.
    Idle(Box<dyn ChangeSource + Send>),
    Running {
        full: Receiver<Batch>,
        empty: SyncSender<Batch>,
        thread: Option<JoinHandle<()>>,
    },
    Ended,
}

impl Pipelined {
    /// Reads `inner` ahead on a thread of its own.
    pub fn new(inner: Box<dyn ChangeSource + Send>) -> Pipelined {
        Pipelined {
            header: inner.header().clone(),
            warnings: inner.warnings().clone(),
            last_time: inner.last_time(),
            progress: inner.read_progress(),
            end_known: inner.end_known(),
            min_sample_gap: inner.min_sample_gap(),
            state: State::Idle(inner),
            batch: Batch::default(),
            pos: 0,
            offset: 0,
            wanted: Vec::new(),
        }
    }

    #[cold]
    fn start(&mut self) {
        let State::Idle(_) = self.state else { return };
        let State::Idle(inner) = std::mem::replace(&mut self.state, State::Ended) else {
            return;
        };
        let (full_tx, full) = sync_channel::<Batch>(IN_FLIGHT);
        let (empty, empty_rx) = sync_channel::<Batch>(IN_FLIGHT + 2);
        let spawned = std::thread::Builder::new()
            .name("capture-reader".into())
            .spawn(move || read_ahead(inner, full_tx, empty_rx));
        match spawned {
            Ok(thread) => {
                self.state = State::Running {
                    full,
                    empty,
                    thread: Some(thread),
                }
            }
            // No thread to be had: the batch says so and the read ends with that error.
            Err(e) => {
                self.batch = Batch {
                    end: Some(Err(TraceError::Io {
                        path: "capture reader thread".into(),
                        source: e,
                    })),
                    ..Batch::default()
                };
            }
        }
    }

    /// Hands `f` the changes in order while it returns `true`; the change it returns `false` for
    /// stays to be handed out next. `Ok(false)` at the end of the capture.
    ///
    /// Generic, so the caller's per-change work is inlined here instead of each change going
    /// back through a returned `Result<Option<ChangeRef>>` (which the compiler passes through
    /// memory, stalling on the store-to-load forward).
    #[inline]
    pub fn visit(&mut self, mut f: impl FnMut(&ChangeRef<'_>) -> bool) -> Result<bool, TraceError> {
        if let State::Idle(_) = self.state {
            self.start();
        }
        loop {
            while self.pos < self.batch.recs.len() {
                let r = self.batch.recs[self.pos];
                let end = self.offset + r.len as usize;
                if self.wanted.is_empty() || self.wanted[r.signal as usize] {
                    let c = ChangeRef {
                        time: r.time,
                        signal: r.signal,
                        value: value(r.kind, &self.batch.bytes[self.offset..end]),
                    };
                    if !f(&c) {
                        return Ok(true);
                    }
                }
                self.pos += 1;
                self.offset = end;
            }
            if !self.next_batch()? {
                return Ok(false);
            }
        }
    }

    /// Ends the read and waits for the thread, so the inner source (and what it holds: the
    /// spooled copy of standard input is deleted when its last reader goes) is gone when the
    /// read is over, not some time after (a process that exits first leaves the copy behind).
    fn stop(&mut self) {
        let State::Running {
            full,
            empty,
            thread,
        } = std::mem::replace(&mut self.state, State::Ended)
        else {
            return;
        };
        // Dropping the channels first makes the thread's next send fail, so it stops.
        drop(full);
        drop(empty);
        if let Some(t) = thread {
            let _ = t.join();
        }
    }

    /// Moves to the next batch; `false` when the read is over.
    #[inline(never)]
    fn next_batch(&mut self) -> Result<bool, TraceError> {
        if let Some(end) = self.batch.end.take() {
            self.stop();
            end?;
            return Ok(false);
        }
        let State::Running { full, empty, .. } = &self.state else {
            return Ok(false);
        };
        let Ok(next) = full.recv() else {
            // The thread is gone without saying why: it panicked.
            self.stop();
            return Err(TraceError::Io {
                path: "capture reader thread".into(),
                source: std::io::Error::other("the reader thread stopped"),
            });
        };
        let old = std::mem::replace(&mut self.batch, next);
        let _ = empty.try_send(old);
        self.pos = 0;
        self.offset = 0;
        self.warnings.clone_from(&self.batch.warnings);
        self.last_time = self.batch.last_time;
        self.progress = self.batch.progress;
        self.min_sample_gap = self.batch.min_sample_gap;
        Ok(true)
    }
}

/// The reader thread: fills batches from `inner` until its end or error, reusing the batches
/// the caller hands back; stops early when the caller is gone.
fn read_ahead(
    mut inner: Box<dyn ChangeSource + Send>,
    full: SyncSender<Batch>,
    empty: Receiver<Batch>,
) {
    loop {
        let mut b = empty.try_recv().unwrap_or_default();
        b.recs.clear();
        b.bytes.clear();
        b.end = None;
        while b.recs.len() < BATCH_CHANGES && b.bytes.len() < BATCH_BYTES {
            match inner.next_change() {
                Ok(Some(c)) => b.push(&c),
                Ok(None) => {
                    b.end = Some(Ok(()));
                    break;
                }
                Err(e) => {
                    b.end = Some(Err(e));
                    break;
                }
            }
        }
        b.warnings.clone_from(inner.warnings());
        b.last_time = inner.last_time();
        b.progress = inner.read_progress();
        b.min_sample_gap = inner.min_sample_gap();
        let last = b.end.is_some();
        if full.send(b).is_err() || last {
            return;
        }
    }
}

/// The value of a record: its bytes as written by [`Batch::push`].
#[inline]
fn value(kind: Kind, bytes: &[u8]) -> ValueRef<'_> {
    match kind {
        Kind::Bits => ValueRef::Bits(bytes),
        Kind::Real => {
            let mut le = [0u8; 8];
            le.copy_from_slice(bytes);
            ValueRef::Real(f64::from_bits(u64::from_le_bytes(le)))
        }
        // Recorded from a `&str`, so valid UTF-8.
        Kind::Str => ValueRef::Str(std::str::from_utf8(bytes).unwrap_or("")),
    }
}

impl Drop for Pipelined {
    fn drop(&mut self) {
        self.stop();
    }
}

impl ChangeSource for Pipelined {
    fn header(&self) -> &Header {
        &self.header
    }

    fn set_filter(&mut self, wanted: &[SignalId]) {
        if let State::Idle(inner) = &mut self.state {
            inner.set_filter(wanted);
            return;
        }
        self.wanted = vec![false; self.header.signals.len()];
        for &s in wanted {
            if let Some(w) = self.wanted.get_mut(s as usize) {
                *w = true;
            }
        }
    }

    fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, TraceError> {
        if !self.visit(|_| false)? {
            return Ok(None);
        }
        // `visit` stopped at the change to hand out: take it.
        let r = self.batch.recs[self.pos];
        let start = self.offset;
        self.pos += 1;
        self.offset += r.len as usize;
        Ok(Some(ChangeRef {
            time: r.time,
            signal: r.signal,
            value: value(r.kind, &self.batch.bytes[start..self.offset]),
        }))
    }

    fn warnings(&self) -> &Warnings {
        &self.warnings
    }

    fn last_time(&self) -> Time {
        self.last_time
    }

    fn read_progress(&self) -> Option<(u64, u64)> {
        self.progress
    }

    fn end_known(&self) -> bool {
        self.end_known
    }

    fn min_sample_gap(&self) -> Option<Time> {
        self.min_sample_gap
    }

    fn worth_reading_ahead(&self) -> bool {
        // Already read ahead: another thread on top would only add a hand-over.
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vcd::VcdReader;
    use std::path::Path;

    /// Every change of a VCD as text, read directly or through the pipeline.
    fn changes(src: &mut dyn ChangeSource) -> Result<Vec<String>, TraceError> {
        let mut out = Vec::new();
        while let Some(c) = src.next_change()? {
            let v = match c.value {
                ValueRef::Bits(b) => String::from_utf8_lossy(b).into_owned(),
                ValueRef::Real(r) => format!("r{r}"),
                ValueRef::Str(s) => format!("s{s}"),
            };
            out.push(format!("{} {} {v}", c.time, c.signal));
        }
        Ok(out)
    }

    fn vcd(n: usize, tail: &str) -> String {
        let mut t = String::from(
            "$timescale 1ns $end $var wire 1 ! a $end $var wire 4 \" v $end \
             $var real 1 # r $end $var wire 1 ! a_alias $end $enddefinitions $end\n",
        );
        for i in 0..n {
            t.push_str(&format!(
                "#{i}\n{}!\nb{:b} \"\nr{}.5 #\nU!\n",
                i % 2,
                i % 16,
                i
            ));
        }
        t.push_str(tail);
        t
    }

    #[test]
    fn the_same_changes_warnings_and_end_as_the_reader_itself() {
        // More changes than several batches, so batches are recycled.
        let text = vcd(3 * BATCH_CHANGES, "#999999999\n");
        let mut direct = VcdReader::new(text.as_bytes(), Path::new("t.vcd")).unwrap();
        let want = changes(&mut direct).unwrap();
        let mut piped = Pipelined::new(Box::new(
            VcdReader::new(
                std::io::Cursor::new(text.clone().into_bytes()),
                Path::new("t.vcd"),
            )
            .unwrap(),
        ));
        assert_eq!(changes(&mut piped).unwrap(), want);
        assert_eq!(piped.warnings(), direct.warnings());
        assert!(piped.warnings().nine_state_folded > 0);
        assert_eq!(piped.last_time(), direct.last_time());
        assert_eq!(piped.last_time(), 999_999_999_000_000);
        assert_eq!(piped.next_change().unwrap().map(|c| c.time), None);
    }

    #[test]
    fn an_error_comes_after_the_changes_before_it() {
        let text = vcd(BATCH_CHANGES + 10, "#5\n1!\n");
        let mut direct = VcdReader::new(text.as_bytes(), Path::new("t.vcd")).unwrap();
        let mut want = Vec::new();
        let err = loop {
            match direct.next_change() {
                Ok(Some(c)) => want.push(c.time),
                Ok(None) => panic!("the time goes backwards"),
                Err(e) => break e.to_string(),
            }
        };
        let mut piped = Pipelined::new(Box::new(
            VcdReader::new(std::io::Cursor::new(text.into_bytes()), Path::new("t.vcd")).unwrap(),
        ));
        let mut got = Vec::new();
        let e = loop {
            match piped.next_change() {
                Ok(Some(c)) => got.push(c.time),
                Ok(None) => panic!("the time goes backwards"),
                Err(e) => break e.to_string(),
            }
        };
        assert_eq!(got, want);
        assert_eq!(e, err);
        assert!(e.contains("t.vcd:41012:"), "the line of `#5`: {e}");
    }

    #[test]
    fn a_filter_before_or_after_the_start_keeps_only_the_wanted_signals() {
        let text = vcd(100, "");
        let open = || {
            Pipelined::new(Box::new(
                VcdReader::new(
                    std::io::Cursor::new(text.clone().into_bytes()),
                    Path::new("t"),
                )
                .unwrap(),
            ))
        };
        let mut before = open();
        before.set_filter(&[1]);
        let b = changes(&mut before).unwrap();
        assert_eq!(b.len(), 100);
        assert!(b.iter().all(|c| c.split(' ').nth(1) == Some("1")));
        let mut after = open();
        let first = after.next_change().unwrap().unwrap().signal;
        assert_eq!(first, 0);
        after.set_filter(&[1]);
        let a = changes(&mut after).unwrap();
        // The first step's change of `v` is still ahead of the first change handed out.
        assert_eq!(a, b);
    }

    /// A VCD that says it does not know its end and reports a sample gap that grows as it is
    /// read (as a per-change CSV export would): what the pipeline must pass on as it goes.
    struct Rows(VcdReader<std::io::Cursor<Vec<u8>>>);

    impl ChangeSource for Rows {
        fn header(&self) -> &Header {
            self.0.header()
        }
        fn set_filter(&mut self, wanted: &[SignalId]) {
            self.0.set_filter(wanted)
        }
        fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, TraceError> {
            self.0.next_change()
        }
        fn warnings(&self) -> &Warnings {
            self.0.warnings()
        }
        fn last_time(&self) -> Time {
            self.0.last_time()
        }
        fn end_known(&self) -> bool {
            false
        }
        fn min_sample_gap(&self) -> Option<Time> {
            Some(self.0.last_time())
        }
    }

    #[test]
    fn end_known_and_the_sample_gap_are_the_inner_sources() {
        let text = vcd(2 * BATCH_CHANGES, "");
        let inner =
            VcdReader::new(std::io::Cursor::new(text.into_bytes()), Path::new("t")).unwrap();
        let mut piped = Pipelined::new(Box::new(Rows(inner)));
        assert!(!piped.end_known());
        assert_eq!(piped.min_sample_gap(), Some(0));
        while piped.next_change().unwrap().is_some() {}
        // The inner source's value after its last change, not the one at the start.
        assert_eq!(piped.min_sample_gap(), Some(piped.last_time()));
        assert!(piped.last_time() > 0);
    }

    /// A capture file that takes its time to close, and says when it has: the reader owning it
    /// goes with it.
    struct SlowToClose(
        std::io::Cursor<Vec<u8>>,
        std::sync::Arc<std::sync::atomic::AtomicBool>,
    );

    impl std::io::Read for SlowToClose {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.0.read(buf)
        }
    }

    impl Drop for SlowToClose {
        fn drop(&mut self) {
            std::thread::sleep(std::time::Duration::from_millis(100));
            self.1.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn the_inner_source_is_gone_when_the_read_ends() {
        // Regression: the reader thread still held the inner source (and with it the spooled
        // copy of standard input) when the read ended, so `diagnose -` could exit before the
        // copy was deleted and leave it in TMPDIR (seen under load in tests/cli_stdin.rs).
        let gone = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let text = vcd(BATCH_CHANGES + 10, "");
        let file = SlowToClose(
            std::io::Cursor::new(text.into_bytes()),
            std::sync::Arc::clone(&gone),
        );
        let inner = VcdReader::new(file, Path::new("t")).unwrap();
        let mut piped = Pipelined::new(Box::new(inner));
        assert_eq!(changes(&mut piped).unwrap().len(), 6 * (BATCH_CHANGES + 10));
        assert!(gone.load(std::sync::atomic::Ordering::SeqCst));
        drop(piped);
    }

    #[test]
    fn dropping_it_half_read_stops_the_thread() {
        let text = vcd(10 * BATCH_CHANGES, "");
        let mut piped = Pipelined::new(Box::new(
            VcdReader::new(std::io::Cursor::new(text.into_bytes()), Path::new("t.vcd")).unwrap(),
        ));
        assert!(piped.next_change().unwrap().is_some());
        drop(piped); // joins the thread: a hang here would fail the test by timeout
    }
}
