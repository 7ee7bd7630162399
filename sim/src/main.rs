fn main() {
    std::process::exit(migcal_main());
}

fn migcal_main() -> i32 {
    0
}
