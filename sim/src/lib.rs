//! migcal: scenarios, simulation runs, diagnosis, reports and plots over the MIG model and
//! normalized captures.

#![warn(missing_docs)]

pub mod analysis;
pub mod cli;
pub mod diagnose;
pub mod evaluate;
pub mod gtkw;
pub mod output;
pub mod plot;
pub mod report;
pub mod run;
pub mod scenario;
