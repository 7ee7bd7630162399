//! migcal: scenarios, simulation runs, diagnosis, reports and plots over the MIG model and
//! normalized captures.

#![warn(missing_docs)]

pub mod cli;
pub mod run;
pub mod scenario;
