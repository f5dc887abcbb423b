//! Simulation engine throughput (criterion): one SKU, 200 replications × 425 days, per policy
//! family and customer mode, parametric and forecast-style demand. Throughput is reported in
//! SKU-days (elements) per second. The `shared-paths` cases time the engine alone, on demand
//! paths drawn once (as the catalogue run shares them between a SKU's policies and scenarios).
//!
//! Run: `cargo bench --bench sim`.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use replenish::{
    policy::{empirical::ErrorPaths, Levels},
    sim::{
        demand::{DemandDist, DemandSampler},
        engine::{Inaccuracy, World},
        kpi::SimCosts,
        simulate, simulate_with, CustomerMode, DemandPaths, LeadTimeSampler, SimPolicy,
    },
};

const REPS: usize = 200;
const DAYS: u32 = 425;

/// s = 110, Q = 150, S = 260, R = 7, as each family uses them.
const FAMILIES: [Levels; 3] = [
    Levels::SQ { s: 110.0, q: 150.0 },
    Levels::MinMax {
        s: 110.0,
        big_s: 260.0,
    },
    Levels::RS { big_s: 260.0 },
];

fn policy(levels: Levels) -> SimPolicy {
    SimPolicy {
        levels,
        review_days: 7,
        rounding: Some((1.0, 1.0)),
    }
}

fn bench(c: &mut Criterion) {
    let lead = [6.0, 8.0, 9.0, 10.0, 14.0];
    let rate = vec![10.0; 90];
    let errors = ErrorPaths::measured(
        (0..6)
            .map(|f| {
                (0..90)
                    .map(|t| f64::from((t * 7 + f * 3) % 11) - 5.0)
                    .collect()
            })
            .collect(),
    );
    let costs = SimCosts {
        holding_per_unit_year: 2.0,
        order_cost: 30.0,
        shortage_cost: 1.0,
    };
    let mut g = c.benchmark_group("simulate");
    g.throughput(Throughput::Elements(REPS as u64 * u64::from(DAYS)));
    g.sample_size(20);
    for (demand_name, demand) in [
        (
            "normal",
            DemandSampler::parametric(DemandDist::Normal, 10.0, 3.0),
        ),
        ("forecast", DemandSampler::forecast(&rate, &errors)),
    ] {
        for mode in [CustomerMode::Backorder, CustomerMode::Patience] {
            for levels in FAMILIES {
                let world = World {
                    demand: demand.clone(),
                    lead: LeadTimeSampler::new(&lead),
                    mode,
                    mean_patience: 5.0,
                    inaccuracy: Inaccuracy::default(),
                    days: DAYS,
                    warmup: 60,
                };
                let p = policy(levels);
                let id = format!("{demand_name}/{}/{}", mode.name(), levels.kind().name());
                g.bench_with_input(BenchmarkId::from_parameter(&id), &p, |b, p| {
                    b.iter(|| simulate(p, &world, &costs, REPS, 7));
                });
                // The engine alone: demand paths drawn once and shared, as the catalogue
                // run shares them between the policies and scenarios of a SKU.
                let mut paths = DemandPaths::new(7);
                g.bench_with_input(
                    BenchmarkId::from_parameter(format!("{id}/shared-paths")),
                    &p,
                    |b, p| {
                        b.iter(|| simulate_with(&mut paths, p, &world, &costs, REPS));
                    },
                );
            }
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
