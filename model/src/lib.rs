//! Cycle-accurate, I/O-free model of the Xilinx MIG Virtex-4 DDR2 direct-clocking controller's
//! initialization and calibration, one module per RTL block.
//!
//! Each block has `Regs`, `In`, `Out`, parameters and a pure `step(&Regs, &In, &Params) -> (Out,
//! Regs)`; [`mig::Mig`] computes every block's outputs from the current registers and commits
//! all next registers at once on each clk_0 rising edge.

#![warn(missing_docs)]

pub mod backend_fifos;
pub mod board;
pub mod data_tap_inc;
pub mod dcm;
pub mod ddr2_controller;
pub mod ddr2_device;
pub mod idelay;
pub mod logic;
pub mod mig;
pub mod pattern_compare8;
pub mod probe;
pub mod profile;
pub mod rd_data;
pub mod tap_ctrl;
pub mod tap_logic;
