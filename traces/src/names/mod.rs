//! MIG signal names: the catalogue of what the analyses look for, the rules that bind a capture's
//! names to canonical MIG names, and a view of a capture keyed by those canonical names.
//!
//! A canonical name is `<block>/<signal>`, with a block instance index in square brackets for the
//! per-DQS and per-DQ blocks (`tap_ctrl[1]/current_state`, `idelay_dq[3]/tap`) and, for a single
//! bit of a bus, the bit in square brackets (`pins/dq[3]`, `tap_logic/dlyce_dqs[0]`). Everything is
//! lower case because VHDL names are case-insensitive.
//!
//! Binding rules ([`NameMap::build`]), in the words of the spec (README §5):
//! - the hierarchy prefix does not matter (`tb/dut/top_00/…`, `ddr2_ctrl_tandem/…`, `u_ddr/…`):
//!   a signal belongs to the innermost scope that is a known MIG instance ([`Block::instance_names`]),
//!   and only its direct children are bound;
//! - a per-DQS/per-DQ block takes its index from its own scope or the nearest indexed scope above it
//!   (`tap_ctrl_gen(0)`, `tap_ctrl_gen[0]`, `gen_tap_ctrl[0].u_tap_ctrl_dqs`,
//!   `v4_dq_iob_gen(3)/v4_dq_iob_0/idelay_dq`); when no scope carries an index (FPGA Editor drops
//!   generate labels) the index is 0, so two such instances collide and are reported;
//! - bits may be written `dq[3]`, `dq<3>` or `dq(3)`; a bus and bit-blasted 1-bit variables both
//!   become one canonical bus whose bits are addressable one by one;
//! - board pins and a few top-level nets are recognised by name outside every MIG instance
//!   (`tb/dq`, `cntrl0_ddr2_dq`, `dcm_lock`);
//! - two capture signals claiming the same canonical bit are an error
//!   ([`TraceError::AmbiguousName`]), never a silent pick; a [`Mapping`] file settles it.
//!
//! One module per concern: the catalogue of blocks, stages and signals; parsing of capture
//! names; the [`Mapping`] file; [`NameMap`] (binding); [`CanonicalSource`] and [`MigTrace`]
//! (the capture under canonical names, streamed or loaded).

#[cfg(test)]
mod anchor_tests;
mod binding;
mod canonical_source;
mod catalogue;
mod group;
mod map;
mod mapping;
mod mig_trace;
mod parse;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

pub use binding::{Ambiguity, Binding, BitRef};
pub use canonical_source::CanonicalSource;
pub use catalogue::{catalogue_entry, Block, CatalogueEntry, Stage, BLOCKS, CATALOGUE};
pub use map::{NameMap, SetAside};
pub use mapping::{Mapping, MappingEntry};
pub use mig_trace::{MigTrace, Sel};
pub use parse::{natural_cmp, normalize_query};
