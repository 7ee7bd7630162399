//! Cycle-accurate, I/O-free model of the Xilinx MIG Virtex-4 DDR2 direct-clocking controller's
//! initialization and calibration, one module per RTL block.

#![warn(missing_docs)]

pub mod dcm;
