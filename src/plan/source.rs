//! Where each SKU's recommended levels come from: the analytic formulas of [`crate::policy`]
//! or a simulation design ([`crate::optimize`]) — one deterministic rule per SKU, the same
//! for `plan` and `run` (both run this stage), so the two recommend the same levels for the
//! same inputs. This module decides only; [`super::designed_levels`] does the design. It does
//! not model how far off a formula is (the safety-stock error model and its calibration are
//! separate work): the rule is a plain, configurable list.
//!
//! # The rule (`[policy] levels`)
//! | `levels` | a SKU's levels are simulation-designed when |
//! |---|---|
//! | `analytic` | never |
//! | `simulated` | always |
//! | `auto` (default) | its demand class is in `[policy] simulate_classes` (default intermittent and lumpy), or its mean protection-period demand is below `[policy] simulate_below_units` (default 10 units) — and a simulation can see its cycles: [`DESIGN_MIN_CYCLES`] (4) replenishment cycles of the analytic levels fit in [`DESIGN_MAX_DAYS`] (3,650) days |
//!
//! Why these: the normal formula assumes protection-period demand is roughly normal, and the
//! empirical one resamples a few hundred days of errors; both are off for sporadic demand
//! (many zero days, a few large orders) and for a handful of units per protection period,
//! where demand is discrete and one unit moves the service by points (issue 23: realised
//! service +2.4 points over target for intermittent SKUs, +4.4 for lumpy ones). Smooth and
//! erratic SKUs with ten or more units per protection period keep the closed forms — cheap,
//! and exact enough there.
//!
//! The last condition: a slow mover that orders two years of demand at a time (the EOQ of a
//! cheap, rarely sold item) would need a simulation of decades to measure its cycle service;
//! it keeps the formula. The design simulates [`DESIGN_MIN_CYCLES`] cycles at least (see
//! [`crate::simulate::design_world`]).
//!
//! In every case a SKU without forecast demand, without a policy, or whose levels the planner
//! set (coverage rule, override, lock) keeps them: simulation design never replaces a
//! planner's levels.

use crate::{
    classify::DemandClass,
    config::{LevelSource, PolicySettings},
    simulate::{DESIGN_MAX_DAYS, DESIGN_MIN_CYCLES},
};

/// What the rule looks at for one SKU.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkuFacts {
    /// Demand class.
    pub class: DemandClass,
    /// Mean protection-period demand of the analytic design (units).
    pub protection_demand_mean: f64,
    /// Mean replenishment cycle of the analytic levels (days,
    /// [`crate::simulate::cycle_days`]).
    pub cycle_days: f64,
}

/// Where one SKU's levels come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The analytic formulas.
    Analytic,
    /// A simulation design (the cheapest levels meeting the target in simulation).
    Simulated,
}

/// The rule of the module documentation for one SKU.
pub fn origin(settings: &PolicySettings, sku: &SkuFacts) -> Origin {
    let simulate = match settings.levels {
        LevelSource::Analytic => false,
        LevelSource::Simulated => true,
        LevelSource::Auto => {
            let formula_off = settings
                .simulate_classes
                .iter()
                .any(|c| c == sku.class.name())
                || sku.protection_demand_mean < settings.simulate_below_units;
            formula_off && DESIGN_MIN_CYCLES * sku.cycle_days <= DESIGN_MAX_DAYS
        }
    };
    if simulate {
        Origin::Simulated
    } else {
        Origin::Analytic
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(settings: &PolicySettings, class: DemandClass, mean: f64) -> Origin {
        let facts = SkuFacts {
            class,
            protection_demand_mean: mean,
            cycle_days: 30.0,
        };
        super::origin(settings, &facts)
    }

    /// A hand-built case per class and size: which SKUs `auto` designs by simulation.
    #[test]
    fn auto_simulates_sporadic_classes_and_tiny_demand_only() {
        let auto = PolicySettings::default();
        assert_eq!(auto.levels, LevelSource::Auto);
        let big = 250.0;
        assert_eq!(origin(&auto, DemandClass::Smooth, big), Origin::Analytic);
        assert_eq!(origin(&auto, DemandClass::Erratic, big), Origin::Analytic);
        assert_eq!(
            origin(&auto, DemandClass::Intermittent, big),
            Origin::Simulated
        );
        assert_eq!(origin(&auto, DemandClass::Lumpy, big), Origin::Simulated);
        // Below 10 units per protection period every class is simulated; at 10 the formula.
        assert_eq!(origin(&auto, DemandClass::Smooth, 9.99), Origin::Simulated);
        assert_eq!(origin(&auto, DemandClass::Smooth, 10.0), Origin::Analytic);
        // The lists are the planner's: only lumpy, no size rule.
        let lumpy_only = PolicySettings {
            simulate_classes: vec!["lumpy".into()],
            simulate_below_units: 0.0,
            ..PolicySettings::default()
        };
        assert_eq!(
            origin(&lumpy_only, DemandClass::Intermittent, 1.0),
            Origin::Analytic
        );
        assert_eq!(
            origin(&lumpy_only, DemandClass::Lumpy, big),
            Origin::Simulated
        );
        // A lumpy SKU ordering 3 years of demand at a time: 4 cycles are 12 years, more
        // than a design simulates, so it keeps the formula; 2 years a cycle still fits.
        let lumpy = |cycle_days| SkuFacts {
            class: DemandClass::Lumpy,
            protection_demand_mean: 2.0,
            cycle_days,
        };
        assert_eq!(super::origin(&auto, &lumpy(1095.0)), Origin::Analytic);
        assert_eq!(super::origin(&auto, &lumpy(912.5)), Origin::Simulated);
        // `analytic` and `simulated` ignore the lists.
        for (levels, want) in [
            (LevelSource::Analytic, Origin::Analytic),
            (LevelSource::Simulated, Origin::Simulated),
        ] {
            let s = PolicySettings {
                levels,
                ..PolicySettings::default()
            };
            assert_eq!(origin(&s, DemandClass::Lumpy, 1.0), want);
            assert_eq!(origin(&s, DemandClass::Smooth, big), want);
        }
    }
}
