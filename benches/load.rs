//! Criterion benchmark: load + validate + bucket generated sales, CSV and Parquet, at a few
//! catalogue sizes. The data is generated once per size outside the timed part.
//!
//! The M5-scale run (30,490 SKUs × 1,941 days, about 59 million rows) with peak memory is the
//! script `benches/load_m5.sh`; results of both are in `benches/RESULTS.md`.
//!
//! Run: `cargo bench --bench load`

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use replenish::{
    config::Config,
    generate::{generate, GenerateParams},
    io::table::Format,
    validate::load_and_validate,
};

fn bench_load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load_and_bucket");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for skus in [1_000usize, 5_000] {
        for (name, format) in [("csv", Format::Csv), ("parquet", Format::Parquet)] {
            let dir = tempfile::tempdir().expect("temp dir");
            let params = GenerateParams {
                skus,
                days: 365,
                seed: 1,
                dense: true,
                format,
                ..GenerateParams::default()
            };
            generate(&params, dir.path()).expect("generate");
            let mut config = Config::from_file(&dir.path().join("plan.toml")).expect("config");
            config.inputs.purchase_orders = None;
            config.inputs.inventory = None;
            config.inputs.items = None;
            let out = tempfile::tempdir().expect("temp dir");
            group.throughput(Throughput::Elements((skus * 365) as u64));
            group.bench_with_input(BenchmarkId::new(name, skus), &config, |b, config| {
                b.iter(|| load_and_validate(config, out.path()).expect("load"));
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_load);
criterion_main!(benches);
