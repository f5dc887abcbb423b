//! The planner's hand on a SKU's levels: coverage rules (safety stock and order quantity as
//! cover or fixed quantities, per SKU, class or config), fixed levels from the overrides file,
//! and `lock` (keep the last run's levels).
//!
//! # Order of application
//! 1. The order-quantity rule ([`Rules::order`]) goes into the policy input, so the design
//!    rounds it to pack size and MOQ like any order quantity.
//! 2. The policy is designed with the statistical safety stock (the reference, echoed as
//!    "computed …").
//! 3. A coverage safety stock replaces the statistical one: reorder point (order-up-to level
//!    for `RS`) = mean protection-period demand + the coverage safety stock; for min-max the
//!    gap S − s is kept.
//! 4. `lock` replaces the levels by the earlier run's (policy.csv of `[policy] lock_from`,
//!    by default the output folder's).
//! 5. Fixed `reorder_point` / `order_up_to` from the overrides file replace what is left;
//!    a fixed s on min-max keeps the gap S − s, a fixed S keeps s.
//! 6. When any level changed, the policy is re-evaluated at the final levels
//!    ([`crate::policy::evaluate`]): expected fill rate, cycle service and costs are those
//!    the planner's levels deliver, not the target's.
//!
//! A value that does not apply to the policy family (a reorder point for `RS`, an order-up-to
//! level for `sQ`) is not used, and the echo says so — never silently.

use std::{collections::BTreeMap, path::Path};

use crate::{
    calendar::Freq,
    classify::{Abc, DemandClass},
    config::{Coverage, PolicySettings},
    io::overrides::SkuOverride,
    policy::{GivenLevels, Levels, OrderRule, PolicyOutcome},
};

/// How the safety stock is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SafetyStockRule {
    /// The statistical formula (normal or empirical) for the service target.
    Statistical,
    /// This many days of forecast demand from the planning date.
    Days(f64),
    /// A fixed quantity (units).
    Units(f64),
}

/// The resolved rules of one SKU and where each came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Safety-stock rule.
    pub safety_stock: SafetyStockRule,
    /// Where it came from (`override`, `class A`, `class intermittent`, `config`), empty for
    /// the statistical default.
    pub safety_stock_source: String,
    /// Order-quantity rule and its source, when one is set.
    pub order: Option<(OrderRule, String)>,
}

impl Rules {
    /// A short description for policy.csv, e.g. `14 days of forecast (class A)`.
    pub fn describe(&self) -> String {
        match self.safety_stock {
            SafetyStockRule::Statistical => "statistical".into(),
            SafetyStockRule::Days(d) => {
                format!("{d} days of forecast ({})", self.safety_stock_source)
            }
            SafetyStockRule::Units(u) => format!("{u} units ({})", self.safety_stock_source),
        }
    }
}

/// Resolves the coverage rules of a SKU: overrides file > ABC class > demand class > config.
pub fn rules(
    settings: &PolicySettings,
    abc: Abc,
    class: DemandClass,
    freq: Freq,
    ov: Option<&SkuOverride>,
) -> Rules {
    let b = freq.mean_days();
    let from_override = ov.map(|o| {
        (
            Coverage {
                safety_stock_days: o.safety_stock_days,
                safety_stock_units: o.safety_stock,
                order_days: o.order_days,
                order_units: o.order_quantity,
                ..Coverage::default()
            },
            "override".to_string(),
        )
    });
    let mut sources: Vec<(Coverage, String)> = from_override.into_iter().collect();
    for key in [abc.name(), class.name()] {
        if let Some(c) = settings.coverage.get(key) {
            sources.push((c.clone(), format!("class {key}")));
        }
    }
    sources.push((settings.global_coverage(), "config".into()));
    let mut out = Rules {
        safety_stock: SafetyStockRule::Statistical,
        safety_stock_source: String::new(),
        order: None,
    };
    for (c, source) in &sources {
        let ss = c
            .safety_stock_days
            .map(SafetyStockRule::Days)
            .or(c.safety_stock_periods.map(|p| SafetyStockRule::Days(p * b)))
            .or(c.safety_stock_units.map(SafetyStockRule::Units));
        if let Some(ss) = ss {
            out.safety_stock = ss;
            out.safety_stock_source = source.clone();
            break;
        }
    }
    for (c, source) in &sources {
        let order = c
            .order_days
            .map(OrderRule::DaysOfDemand)
            .or(c.order_periods.map(|p| OrderRule::DaysOfDemand(p * b)))
            .or(c.order_units.map(OrderRule::Fixed));
        if let Some(o) = order {
            out.order = Some((o, source.clone()));
            break;
        }
    }
    out
}

/// Forecast demand of the first `days` days (a fraction of a day by its fraction); days past
/// the end of `rate_per_day` take its last rate. Linear in the rates given, whatever `days`
/// (a planner's "9999 days of cover" must not loop 9,999 times per SKU).
pub fn demand_over(rate_per_day: &[f64], days: f64) -> f64 {
    let days = days.max(0.0);
    let whole = days.floor() as usize;
    let last = rate_per_day.last().copied().unwrap_or(0.0);
    let at = |t: usize| rate_per_day.get(t).copied().unwrap_or(last);
    let inside: f64 = rate_per_day[..whole.min(rate_per_day.len())].iter().sum();
    let beyond = whole.saturating_sub(rate_per_day.len()) as f64 * last;
    inside + beyond + (days - whole as f64) * at(whole)
}

/// Levels of earlier runs, by (sku, location), read from a policy.csv.
pub type PreviousLevels = BTreeMap<(String, Option<String>), GivenLevels>;

/// Reads the levels of an earlier run's policy.csv; `None` when the file does not exist or
/// cannot be read as one (no `sku` column, a row with the wrong number of cells), and the
/// echo of each `lock` then says so.
///
/// Only the key and the three level columns are read, by name, and a level cell that is not a
/// number is taken as absent for that SKU alone: a planner's edit elsewhere in the file (a note
/// in another column, a blank target, a spreadsheet's trailing empty line) must not cancel
/// every lock.
pub fn read_previous(path: &Path) -> Option<PreviousLevels> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .ok()?;
    rdr.headers()
        .ok()?
        .iter()
        .any(|h| h == "sku")
        .then_some(())?;
    let mut out = BTreeMap::new();
    for row in rdr.deserialize::<LockedRow>() {
        let row = row.ok()?;
        let location = Some(row.location).filter(|l| !l.is_empty());
        out.insert(
            (row.sku, location),
            GivenLevels {
                reorder_point: row.reorder_point.parse().ok(),
                order_quantity: row.order_quantity.parse().ok(),
                order_up_to: row.order_up_to.parse().ok(),
            },
        );
    }
    Some(out)
}

/// The columns of an earlier policy.csv that a `lock` reads, as text (see [`read_previous`]).
#[derive(serde::Deserialize)]
struct LockedRow {
    sku: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    reorder_point: String,
    #[serde(default)]
    order_quantity: String,
    #[serde(default)]
    order_up_to: String,
}

/// What steering did to one SKU's policy.
#[derive(Debug, Clone)]
pub struct Steered {
    /// The final policy.
    pub outcome: PolicyOutcome,
    /// Echo lines (`reorder_point=50 (computed 42.3)`, …).
    pub echo: Vec<String>,
}

fn r2(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    format!("{r}")
}

/// Applies steps 3–6 of the module documentation to a designed policy.
///
/// `previous` is `Some(result)` when the SKU is locked: the earlier levels, or why there are
/// none.
pub fn steer(
    designed: PolicyOutcome,
    rules: &Rules,
    ov: Option<&SkuOverride>,
    previous: Option<Result<GivenLevels, String>>,
    rate_per_day: &[f64],
    evaluate_at: &dyn Fn(GivenLevels) -> Result<PolicyOutcome, crate::policy::PolicyError>,
) -> Steered {
    let mut w = Steering {
        lv: designed.levels.into(),
        echo: Vec::new(),
        method: designed.method,
    };
    w.coverage(&designed, rules, rate_per_day);
    w.lock(previous);
    if let Some(o) = ov {
        w.fixed(&designed, o);
    }
    w.reevaluate(designed, evaluate_at)
}

/// The levels while the steps apply, what they said, and the method they leave.
struct Steering {
    lv: GivenLevels,
    echo: Vec<String>,
    method: &'static str,
}

impl Steering {
    /// Step 3: a coverage safety stock moves the protection level (s, or S for `RS`), the
    /// gap S − s or Q kept; the order-quantity rule is echoed.
    fn coverage(&mut self, designed: &PolicyOutcome, rules: &Rules, rate_per_day: &[f64]) {
        let ss = match rules.safety_stock {
            SafetyStockRule::Statistical => None,
            SafetyStockRule::Days(d) => Some(demand_over(rate_per_day, d)),
            SafetyStockRule::Units(u) => Some(u),
        };
        if let Some(ss) = ss {
            let level = designed.protection_demand_mean + ss;
            self.lv = designed.levels.with_trigger_level(level).into();
            self.echo.push(format!(
                "safety_stock={} = {} (computed {})",
                r2(ss),
                rules.describe(),
                r2(designed.safety_stock)
            ));
            self.method = "coverage";
        }
        if let Some((rule, source)) = &rules.order {
            let what = match rule {
                OrderRule::Fixed(q) => format!("{q} units"),
                OrderRule::DaysOfDemand(d) => format!("{d} days of demand"),
                OrderRule::Eoq { .. } => "eoq".into(),
            };
            self.echo.push(format!("order quantity {what} ({source})"));
        }
    }

    /// Step 4: `lock` replaces the levels by the earlier run's.
    fn lock(&mut self, previous: Option<Result<GivenLevels, String>>) {
        match previous {
            Some(Ok(prev)) => {
                self.lv = prev;
                self.echo.push(format!(
                    "lock: levels of the last run kept (s {}, Q {}, S {})",
                    prev.reorder_point.map_or("-".into(), r2),
                    prev.order_quantity.map_or("-".into(), r2),
                    prev.order_up_to.map_or("-".into(), r2)
                ));
                self.method = "locked";
            }
            Some(Err(why)) => self
                .echo
                .push(format!("lock not applied: {why}; levels computed afresh")),
            None => {}
        }
    }

    /// Step 5: fixed levels from the overrides file; a level the family does not have is
    /// said, not used.
    fn fixed(&mut self, designed: &PolicyOutcome, o: &SkuOverride) {
        let gap = designed.levels.gap();
        if let Some(s) = o.reorder_point {
            match designed.levels {
                Levels::RS { .. } => self.echo.push(format!(
                    "reorder_point={s} not used: the RS policy has no reorder point (set order_up_to)"
                )),
                Levels::SQ { .. } | Levels::MinMax { .. } | Levels::RsS { .. } => {
                    let before = self.lv.reorder_point;
                    self.lv.reorder_point = Some(s);
                    if o.order_up_to.is_none() {
                        if let (Some(g), Some(_)) = (gap, self.lv.order_up_to) {
                            self.lv.order_up_to = Some(s + g);
                        }
                    }
                    self.echo.push(format!(
                        "reorder_point={s} (computed {})",
                        before.map_or("-".into(), r2)
                    ));
                    self.method = "override";
                }
            }
        }
        if let Some(big_s) = o.order_up_to {
            match designed.levels {
                Levels::SQ { .. } => self.echo.push(format!(
                    "order_up_to={big_s} not used: the sQ policy orders fixed quantities (set order_quantity)"
                )),
                Levels::MinMax { .. } | Levels::RS { .. } | Levels::RsS { .. } => {
                    let before = self.lv.order_up_to;
                    self.lv.order_up_to = Some(big_s);
                    self.echo.push(format!(
                        "order_up_to={big_s} (computed {})",
                        before.map_or("-".into(), r2)
                    ));
                    self.method = "override";
                }
            }
        }
    }

    /// Step 6: re-evaluates the policy at the final levels when any moved.
    fn reevaluate(
        mut self,
        designed: PolicyOutcome,
        evaluate_at: &dyn Fn(GivenLevels) -> Result<PolicyOutcome, crate::policy::PolicyError>,
    ) -> Steered {
        let method = self.method;
        if self.lv == GivenLevels::from(designed.levels) {
            return Steered {
                outcome: PolicyOutcome { method, ..designed },
                echo: self.echo,
            };
        }
        match evaluate_at(self.lv) {
            Ok(mut out) => {
                out.method = method;
                out.order_rule = designed.order_rule.clone();
                Steered {
                    outcome: out,
                    echo: self.echo,
                }
            }
            Err(e) => {
                self.echo.push(format!(
                    "planner levels rejected ({e}); the computed levels are used"
                ));
                Steered {
                    outcome: designed,
                    echo: self.echo,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{design, evaluate, tests::base as input, Method, PolicyKind};

    fn run(kind: PolicyKind, rules: &Rules, ov: Option<&SkuOverride>, rate: &[f64]) -> Steered {
        let inp = input(kind);
        let d = design(&inp, Method::Normal).unwrap();
        steer(d, rules, ov, None, rate, &|lv| {
            evaluate(&inp, Method::Normal, lv)
        })
    }

    fn days(n: f64) -> Rules {
        Rules {
            safety_stock: SafetyStockRule::Days(n),
            safety_stock_source: "config".into(),
            order: None,
        }
    }

    /// Hand-computed: forecast 10, 10, 10, 20, 20 … units/day; 4.5 days of cover =
    /// 10 + 10 + 10 + 20 + 0.5 × 20 = 60 units. s = the mean protection demand (85.45: the
    /// undershoot plus L − 1 days, `crate::policy`'s time convention) + 60, and S = s + 100.
    #[test]
    fn safety_stock_is_n_days_of_forecast() {
        let rate = [10.0, 10.0, 10.0, 20.0, 20.0, 20.0];
        assert!((demand_over(&rate, 4.5) - 60.0).abs() < 1e-12);
        // Past the forecast the last rate holds: 6 days given, 10.5 asked = 90 + 4.5 × 20.
        assert!((demand_over(&rate, 10.5) - 180.0).abs() < 1e-12);
        assert!((demand_over(&rate, 1e12) - (90.0 + (1e12 - 6.0) * 20.0)).abs() < 1e3);
        let st = run(PolicyKind::MinMax, &days(4.5), None, &rate);
        assert!((st.outcome.safety_stock - 60.0).abs() < 1e-9);
        let mean = st.outcome.protection_demand_mean;
        assert!((mean - 85.45).abs() < 1e-3, "{mean}");
        assert_eq!(st.outcome.reorder_point(), Some(mean + 60.0));
        assert_eq!(st.outcome.order_up_to(), Some(mean + 60.0 + 100.0));
        assert_eq!(st.outcome.method, "coverage");
        // 60 units over sd 9 is z = 6.67: the expected service is reported, near 1.
        assert!(st.outcome.expected_cycle_service_level > 0.9999);
        assert!(st.echo[0].contains("4.5 days of forecast"), "{:?}", st.echo);
    }

    #[test]
    fn periods_are_buckets_of_days_and_rules_follow_precedence() {
        let mut settings = PolicySettings {
            safety_stock_units: Some(5.0),
            ..PolicySettings::default()
        };
        settings.coverage.insert(
            "A".into(),
            Coverage {
                safety_stock_periods: Some(2.0),
                ..Coverage::default()
            },
        );
        settings.coverage.insert(
            "intermittent".into(),
            Coverage {
                order_days: Some(30.0),
                ..Coverage::default()
            },
        );
        let r = rules(
            &settings,
            Abc::A,
            DemandClass::Intermittent,
            Freq::Week,
            None,
        );
        assert_eq!(r.safety_stock, SafetyStockRule::Days(14.0));
        assert_eq!(r.safety_stock_source, "class A");
        assert_eq!(
            r.order,
            Some((OrderRule::DaysOfDemand(30.0), "class intermittent".into()))
        );
        let r = rules(&settings, Abc::B, DemandClass::Smooth, Freq::Day, None);
        assert_eq!(r.safety_stock, SafetyStockRule::Units(5.0));
        let ov = SkuOverride {
            safety_stock: Some(7.0),
            ..SkuOverride::default()
        };
        let r = rules(&settings, Abc::A, DemandClass::Smooth, Freq::Day, Some(&ov));
        assert_eq!(r.safety_stock, SafetyStockRule::Units(7.0));
        assert_eq!(r.safety_stock_source, "override");
    }

    #[test]
    fn a_fixed_reorder_point_changes_only_s_and_keeps_the_gap() {
        let ov = SkuOverride {
            reorder_point: Some(120.0),
            ..SkuOverride::default()
        };
        let stat = Rules {
            safety_stock: SafetyStockRule::Statistical,
            safety_stock_source: String::new(),
            order: None,
        };
        let st = run(PolicyKind::MinMax, &stat, Some(&ov), &[10.0]);
        assert_eq!(st.outcome.reorder_point(), Some(120.0));
        assert_eq!(st.outcome.order_up_to(), Some(220.0));
        assert_eq!(st.outcome.method, "override");
        assert!(
            st.echo
                .iter()
                .any(|e| e.starts_with("reorder_point=120 (computed 100.58")),
            "{:?}",
            st.echo
        );
        // A reorder point does not apply to RS: said, not used.
        let st = run(PolicyKind::RS, &stat, Some(&ov), &[10.0]);
        assert!(st.echo[0].contains("not used"));
        assert_eq!(st.outcome.reorder_point(), None);
    }

    #[test]
    fn a_bad_cell_loses_only_its_own_level() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.csv");
        std::fs::write(
            &path,
            "policy,sku,target,reorder_point,order_quantity,order_up_to\n\
             sQ,A,0.95,12.5 ,30,\n\
             sS,B,n/a,40,,90\n\
             ,,,,,\n",
        )
        .unwrap();
        let levels = read_previous(&path).expect("file readable");
        let a = &levels[&("A".to_string(), None)];
        // "12.5 " is not a number: that level is absent, the rest of A and of B are read.
        assert_eq!(a.reorder_point, None);
        assert_eq!(a.order_quantity, Some(30.0));
        let b = &levels[&("B".to_string(), None)];
        assert_eq!((b.reorder_point, b.order_up_to), (Some(40.0), Some(90.0)));
        // Without a sku column the file is not a policy.csv.
        std::fs::write(&path, "policy,reorder_point\nsQ,1\n").unwrap();
        assert!(read_previous(&path).is_none());
        // A row with the wrong number of cells makes the file unreadable, as before.
        std::fs::write(&path, "sku,reorder_point\nA,1,2\n").unwrap();
        assert!(read_previous(&path).is_none());
    }
}
