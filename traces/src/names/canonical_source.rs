//! A capture presented under canonical names, streaming.

use super::binding::Binding;
use super::map::NameMap;
use crate::pipeline::Pipelined;
use crate::trace::{
    ChangeRef, ChangeSource, Header, SignalId, SignalInfo, Time, Value, ValueRef, VarKind, Warnings,
};
use crate::TraceError;
use std::collections::BTreeSet;

/// A [`ChangeSource`] that presents a capture under canonical names: its header lists one
/// signal per binding (named by the canonical name, ranges `[w-1:0]`), and its changes are the
/// canonical values, assembled from bit-blasted variables or cut out of buses as the bindings say.
///
/// All changes of the underlying capture at one time are applied before anything is emitted, so
/// a bus assembled from bits changes once per time step, never through intermediate values; a
/// canonical signal is emitted only when its value differs from the last one emitted (restated
/// samples are dropped). Memory is bounded by the number of bindings, not the capture's length.
pub struct CanonicalSource {
    inner: Inner,
    header: Header,
    pub(super) outputs: Vec<Binding>,
    /// Per capture signal: `(output, output bit or u32::MAX for a whole copy, input bit)`.
    fanout: Vec<Vec<(u32, u32, u32)>>,
    wanted: Vec<bool>,
    current: Vec<Value>,
    emitted: Vec<Option<Value>>,
    dirty: Vec<bool>,
    dirty_list: Vec<u32>,
    queue: std::collections::VecDeque<u32>,
    queue_time: Time,
    /// The first change of the next time step, read while finishing this one: its time and
    /// signal, its value in `stash_value` (a buffer reused, so no change allocates).
    stash: Option<(Time, SignalId)>,
    stash_value: Value,
    ended: bool,
}

impl CanonicalSource {
    /// Presents `bindings` (any mix of whole names and bit selections from [`NameMap::lookup`])
    /// of the capture `inner`, in that order.
    pub fn new(inner: Box<dyn ChangeSource + Send>, bindings: Vec<Binding>) -> CanonicalSource {
        let src_header = inner.header().clone();
        let inner = if inner.worth_reading_ahead() {
            Inner::Ahead(Box::new(Pipelined::new(inner)))
        } else {
            Inner::Here(inner)
        };
        let mut fanout = vec![Vec::new(); src_header.signals.len()];
        let mut signals = Vec::with_capacity(bindings.len());
        let mut current = Vec::with_capacity(bindings.len());
        for (o, b) in bindings.iter().enumerate() {
            let o = o as u32;
            if b.kind != VarKind::Bits {
                if let Some(w) = b.whole {
                    fanout[w as usize].push((o, u32::MAX, 0));
                }
                current.push(Value::Str("".into()));
            } else if let Some(w) = b.whole {
                fanout[w as usize].push((o, u32::MAX, 0));
                current.push(Value::Bits(vec![b'x'; b.width as usize].into()));
            } else {
                for (i, bit) in b.bits.iter().enumerate() {
                    if let Some(bit) = bit {
                        fanout[bit.signal as usize].push((o, i as u32, bit.bit));
                    }
                }
                current.push(Value::Bits(vec![b'x'; b.width as usize].into()));
            }
            signals.push(SignalInfo {
                source_name: b.name.clone(),
                width: b.width,
                kind: b.kind,
                range: (b.kind == VarKind::Bits && b.width > 1).then(|| (b.width as i64 - 1, 0)),
            });
        }
        let n = bindings.len();
        let header = Header {
            signals,
            time_base: src_header.time_base,
            timescale_text: src_header.timescale_text.clone(),
            notes: src_header.notes.clone(),
        };
        CanonicalSource {
            inner,
            header,
            outputs: bindings,
            fanout,
            wanted: vec![true; n],
            current,
            emitted: vec![None; n],
            dirty: vec![false; n],
            dirty_list: Vec::new(),
            queue: Default::default(),
            queue_time: 0,
            stash: None,
            stash_value: Value::Bits(Box::default()),
            ended: false,
        }
    }

    /// Every binding of `map`, in canonical-name order.
    pub fn all(inner: Box<dyn ChangeSource + Send>, map: &NameMap) -> CanonicalSource {
        CanonicalSource::new(inner, map.bindings().to_vec())
    }

    /// The bindings behind each output signal, indexed like [`Header::signals`].
    pub fn bindings(&self) -> &[Binding] {
        &self.outputs
    }

    /// Reads every change of the next time step and queues the outputs whose value changed.
    ///
    /// The per-change path allocates nothing: a change is applied straight from the reader's
    /// buffer (the fields are borrowed apart, so the reader's borrow and the outputs' do not
    /// clash), and values are copied into buffers that already have their width.
    fn fill(&mut self) -> Result<(), TraceError> {
        while self.queue.is_empty() && !self.ended {
            let mut apply = Apply {
                fanout: &self.fanout,
                current: &mut self.current,
                dirty: &mut self.dirty,
                dirty_list: &mut self.dirty_list,
            };
            let step_time = match &mut self.inner {
                Inner::Ahead(p) => {
                    // Straight over the batch: the change that starts the next step stays in it.
                    let mut step = None;
                    let more = p.visit(|c| match step {
                        Some(t) if t != c.time => false,
                        _ => {
                            step = Some(c.time);
                            apply.change(c.signal, c.value);
                            true
                        }
                    })?;
                    self.ended = !more;
                    step
                }
                Inner::Here(src) => {
                    let stash = (&mut self.stash, &mut self.stash_value);
                    let (step, ended) = step_from(&mut **src, stash, &mut apply)?;
                    self.ended = ended;
                    step
                }
            };
            match step_time {
                Some(t) => self.flush(t),
                None => break,
            }
        }
        Ok(())
    }

    fn flush(&mut self, time: Time) {
        self.dirty_list.sort_unstable();
        for o in self.dirty_list.drain(..) {
            let o = o as usize;
            self.dirty[o] = false;
            if !self.wanted[o] {
                continue;
            }
            let cur = &self.current[o];
            match &mut self.emitted[o] {
                Some(e) if e == cur => {}
                Some(e) => {
                    assign(e, cur.as_ref());
                    self.queue.push_back(o as u32);
                }
                e @ None => {
                    *e = Some(cur.clone());
                    self.queue.push_back(o as u32);
                }
            }
        }
        self.queue_time = time;
    }
}

/// The capture under a [`CanonicalSource`]: a file's reader runs ahead on its own thread, so the
/// tokenizing and the assembling here share two cores; a source in memory is read in place.
/// An enum rather than a box so the per-change call into [`Pipelined`] is direct and inlined
/// (a virtual call returning a change through memory cost more than the hand-over itself).
enum Inner {
    Ahead(Box<Pipelined>),
    Here(Box<dyn ChangeSource + Send>),
}

impl Inner {
    fn get(&self) -> &dyn ChangeSource {
        match self {
            Inner::Ahead(p) => &**p,
            Inner::Here(s) => &**s,
        }
    }
    fn set_filter(&mut self, wanted: &[SignalId]) {
        match self {
            Inner::Ahead(p) => p.set_filter(wanted),
            Inner::Here(s) => s.set_filter(wanted),
        }
    }
}

/// The outputs a change fans out to, borrowed apart from the reader.
struct Apply<'a> {
    fanout: &'a [Vec<(u32, u32, u32)>],
    current: &'a mut [Value],
    dirty: &'a mut [bool],
    dirty_list: &'a mut Vec<u32>,
}

impl Apply<'_> {
    /// Applies one change of capture signal `signal` to every output it feeds.
    #[inline]
    fn change(&mut self, signal: SignalId, value: ValueRef<'_>) {
        let Some(fan) = self.fanout.get(signal as usize) else {
            return;
        };
        for &(o, obit, ibit) in fan {
            let cur = &mut self.current[o as usize];
            if obit == u32::MAX {
                assign(cur, value);
            } else if let Value::Bits(bits) = cur {
                let w = bits.len();
                let b = value.bit(ibit).unwrap_or(b'x');
                bits[w - 1 - obit as usize] = b;
            }
            if !self.dirty[o as usize] {
                self.dirty[o as usize] = true;
                self.dirty_list.push(o);
            }
        }
    }
}

/// Applies every change of `src`'s next time step (starting with the one stashed, if any) and
/// stashes the first change of the step after: `(the step's time or None, ended)`.
fn step_from(
    src: &mut dyn ChangeSource,
    (stash, stash_value): (&mut Option<(Time, SignalId)>, &mut Value),
    apply: &mut Apply<'_>,
) -> Result<(Option<Time>, bool), TraceError> {
    let step_time;
    if let Some((t, s)) = stash.take() {
        step_time = t;
        apply.change(s, stash_value.as_ref());
    } else {
        match src.next_change()? {
            None => return Ok((None, true)),
            Some(c) => {
                step_time = c.time;
                apply.change(c.signal, c.value);
            }
        }
    }
    loop {
        match src.next_change()? {
            None => return Ok((Some(step_time), true)),
            Some(c) if c.time == step_time => apply.change(c.signal, c.value),
            Some(c) => {
                assign(stash_value, c.value);
                *stash = Some((c.time, c.signal));
                return Ok((Some(step_time), false));
            }
        }
    }
}

/// `*dst = value.to_owned()`, reusing `dst`'s buffer when it has the same kind and length (a
/// signal's width never changes, so after its first change this never allocates).
fn assign(dst: &mut Value, value: ValueRef<'_>) {
    match (dst, value) {
        (Value::Bits(d), ValueRef::Bits(v)) if d.len() == v.len() => d.copy_from_slice(v),
        (Value::Real(d), ValueRef::Real(v)) => *d = v,
        (Value::Str(d), ValueRef::Str(v)) if d.len() == v.len() => {
            // Same byte length: replace in place only when the text differs.
            if &**d != v {
                *d = v.into();
            }
        }
        (dst, value) => *dst = value.to_owned(),
    }
}

impl ChangeSource for CanonicalSource {
    fn header(&self) -> &Header {
        &self.header
    }

    fn set_filter(&mut self, wanted: &[SignalId]) {
        self.wanted = vec![false; self.outputs.len()];
        let mut inner: BTreeSet<SignalId> = BTreeSet::new();
        for &w in wanted {
            if let Some(b) = self.outputs.get(w as usize) {
                self.wanted[w as usize] = true;
                inner.extend(b.signals());
            }
        }
        let inner: Vec<SignalId> = inner.into_iter().collect();
        self.inner.set_filter(&inner);
    }

    fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, TraceError> {
        self.fill()?;
        let Some(o) = self.queue.pop_front() else {
            return Ok(None);
        };
        let value = self.emitted[o as usize]
            .as_ref()
            .map(Value::as_ref)
            .unwrap_or(ValueRef::Bits(b""));
        Ok(Some(ChangeRef {
            time: self.queue_time,
            signal: o,
            value,
        }))
    }

    fn last_time(&self) -> Time {
        self.inner.get().last_time()
    }
    fn end_known(&self) -> bool {
        self.inner.get().end_known()
    }
    fn min_sample_gap(&self) -> Option<Time> {
        self.inner.get().min_sample_gap()
    }

    fn read_progress(&self) -> Option<(u64, u64)> {
        self.inner.get().read_progress()
    }

    fn warnings(&self) -> &Warnings {
        self.inner.get().warnings()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::test_support::{bits, hdr, VecSource};
    use crate::names::{MigTrace, NameMap};
    use proptest::prelude::*;

    #[test]
    fn canonical_source_assembles_once_per_time_step() {
        let h = hdr(&[
            ("tb/dq[0]", 1, None),
            ("tb/dq[1]", 1, None),
            ("tb/tap_logic_00/tap_sel_done", 1, None),
        ]);
        let m = NameMap::build(&h, None).unwrap();
        let src = VecSource {
            header: h.clone(),
            changes: vec![
                (0, 0, bits("0")),
                (0, 1, bits("0")),
                (0, 2, bits("0")),
                (10, 0, bits("1")),
                (10, 1, bits("1")),
                (20, 0, bits("1")), // restated: no canonical change
                (30, 1, bits("z")),
                (30, 2, bits("1")),
            ],
            pos: 0,
            warnings: Warnings::default(),
        };
        let t = MigTrace::load(Box::new(src), &m, None).unwrap();
        assert_eq!(
            t.changes("pins/dq").unwrap().unwrap(),
            vec![(0, bits("00")), (10, bits("11")), (30, bits("z1"))]
        );
        assert_eq!(
            t.changes("dq[1]").unwrap().unwrap(),
            vec![(0, bits("0")), (10, bits("1")), (30, bits("z"))]
        );
        assert_eq!(t.value_at("tap_sel_done", 29).unwrap(), Some(bits("0")));
        assert_eq!(t.value_at("tap_sel_done", 30).unwrap(), Some(bits("1")));
        assert_eq!(t.value_at("pins/dq[0]", 15).unwrap(), Some(bits("1")));
        assert!(t.find("init_state").unwrap().is_none());
    }

    #[test]
    fn assign_reuses_the_value_buffer() {
        let mut v = Value::Bits(b"0101".to_vec().into());
        let before = match &v {
            Value::Bits(b) => b.as_ptr(),
            _ => unreachable!(),
        };
        assign(&mut v, ValueRef::Bits(b"1x1z"));
        assert_eq!(v, Value::Bits(b"1x1z".to_vec().into()));
        let after = match &v {
            Value::Bits(b) => b.as_ptr(),
            _ => unreachable!(),
        };
        assert_eq!(before, after, "same width: copied in place, no allocation");
        assign(&mut v, ValueRef::Bits(b"1"));
        assert_eq!(v, Value::Bits(b"1".to_vec().into()));
        assign(&mut v, ValueRef::Real(2.5));
        assert_eq!(v, Value::Real(2.5));
        assign(&mut v, ValueRef::Str("ab"));
        assign(&mut v, ValueRef::Str("cd"));
        assert_eq!(v, Value::Str("cd".into()));
    }

    proptest! {
        /// A bus and its bit-blasted twin (bits written in any order within a time step) give
        /// the same canonical changes.
        #[test]
        fn bus_and_bit_blasted_captures_agree(
            steps in prop::collection::vec((1u64..50, 0u8..16, any::<bool>()), 1..40),
            reverse in any::<bool>(),
        ) {
            let bus_h = hdr(&[("tb/dq", 4, Some((3, 0)))]);
            let bit_names: Vec<String> = (0..4).map(|i| format!("tb/dq<{i}>")).collect();
            let bits_h = hdr(&bit_names.iter().map(|n| (n.as_str(), 1, None)).collect::<Vec<_>>());
            let (mut t, mut bus, mut blasted) = (0u64, Vec::new(), Vec::new());
            let mut prev: Option<u8> = None;
            for (dt, v, restate) in steps {
                t += dt;
                let s = format!("{v:04b}");
                bus.push((t, 0, bits(&s)));
                let mut order: Vec<u32> = (0..4).collect();
                if reverse { order.reverse(); }
                for i in order {
                    let b = (v >> i) & 1;
                    if restate || prev.map(|p| (p >> i) & 1 != b).unwrap_or(true) {
                        blasted.push((t, i, bits(if b == 1 { "1" } else { "0" })));
                    }
                }
                prev = Some(v);
            }
            let load = |h: &Header, changes: Vec<(Time, SignalId, Value)>| {
                let m = NameMap::build(h, None).unwrap();
                let src = VecSource { header: h.clone(), changes, pos: 0, warnings: Warnings::default() };
                MigTrace::load(Box::new(src), &m, None).unwrap()
            };
            let a = load(&bus_h, bus);
            let b = load(&bits_h, blasted);
            prop_assert_eq!(a.changes("pins/dq").unwrap(), b.changes("pins/dq").unwrap());
            prop_assert_eq!(a.changes("dq[2]").unwrap(), b.changes("dq[2]").unwrap());
        }
    }
}
