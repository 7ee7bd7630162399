fn main() {
    let a: Vec<String> = std::env::args().collect();
    let c = migcal::capture::Capture::open(std::path::Path::new(&a[1]), &Default::default(), None).unwrap();
    for n in &a[2..] {
        let v = c.get(n).unwrap_or_default();
        println!("{n}: {}", v.iter().take(80).map(|(t, v)| format!("{}:{}", (*t as f64 - 2.5e6) / 5e6, v)).collect::<Vec<_>>().join(" "));
    }
}
