pub mod tmp_golden;
