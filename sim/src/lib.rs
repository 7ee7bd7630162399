//! migcal: scenarios, simulation runs, diagnosis, reports and plots over the MIG model and
//! normalized captures.

#![warn(missing_docs)]

pub mod analysis;
pub mod capture;
pub mod cli;
pub mod diagnose;
pub mod dictionary;
pub mod evaluate;
pub mod gtkw;
pub mod jedec;
pub mod output;
pub mod plot;
pub mod regress;
pub mod replay;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sweep;
