//! Scenarios: the world a policy is tested against. Each is configurable in the TOML as
//! `[[simulation.scenarios]]`; days count from the start of the simulation (the planning date,
//! warm-up included).
//!
//! | kind | effect | parameters (defaults) |
//! |---|---|---|
//! | `baseline` | demand and lead times as estimated | — |
//! | `demand_surge` | demand × `factor` on days `start_day .. start_day + days` | factor 1.3, start_day 120, days 60 |
//! | `supplier_delay` | orders placed in the window take `factor` × as long (a port closure) | factor 2, start_day 120, days 45 |
//! | `lead_time_variability` | every lead time moves `factor` × as far from the mean | factor 2 |
//! | `record_inaccuracy` | physical stock shrinks by `shrink_per_day` (share of on-hand) without being recorded; reorders follow the recorded figure | shrink_per_day 0.002 |

use serde::{Deserialize, Serialize};

use super::{demand::DemandSampler, engine::Inaccuracy, LeadTimeSampler};

/// What a scenario changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioKind {
    /// Nothing.
    Baseline,
    /// Demand × factor in a window.
    DemandSurge,
    /// Lead times × factor for orders placed in a window.
    SupplierDelay,
    /// Lead-time spread × factor.
    LeadTimeVariability,
    /// Unrecorded shrinkage.
    RecordInaccuracy,
}

/// One scenario (`[[simulation.scenarios]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name used in the outputs.
    pub name: String,
    /// What it changes.
    pub kind: ScenarioKind,
    /// Multiplier (surge, delay, spread).
    #[serde(default)]
    pub factor: Option<f64>,
    /// First day of the window.
    #[serde(default)]
    pub start_day: Option<u32>,
    /// Length of the window (days).
    #[serde(default)]
    pub days: Option<u32>,
    /// Share of physical on-hand lost per day, unrecorded.
    #[serde(default)]
    pub shrink_per_day: Option<f64>,
}

impl Scenario {
    /// A scenario of `kind` with the documented defaults, named after the kind.
    pub fn default_of(kind: ScenarioKind) -> Self {
        let name = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        Self {
            name,
            kind,
            factor: None,
            start_day: None,
            days: None,
            shrink_per_day: None,
        }
    }

    /// The five default scenarios.
    pub fn defaults() -> Vec<Self> {
        [
            ScenarioKind::Baseline,
            ScenarioKind::DemandSurge,
            ScenarioKind::SupplierDelay,
            ScenarioKind::LeadTimeVariability,
            ScenarioKind::RecordInaccuracy,
        ]
        .into_iter()
        .map(Self::default_of)
        .collect()
    }

    fn factor_or(&self, d: f64) -> f64 {
        self.factor.unwrap_or(d)
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// A message naming the bad parameter.
    pub fn check(&self) -> Result<(), String> {
        if let Some(f) = self.factor.filter(|f| !(f.is_finite() && *f >= 0.0)) {
            return Err(format!(
                "scenario {}: factor should be >= 0, but is {f}",
                self.name
            ));
        }
        if let Some(s) = self
            .shrink_per_day
            .filter(|s| !(s.is_finite() && (0.0..1.0).contains(s)))
        {
            return Err(format!(
                "scenario {}: shrink_per_day should be a share in [0, 1), but is {s}",
                self.name
            ));
        }
        Ok(())
    }

    /// Applies the scenario to a SKU's demand, lead times and stock records.
    pub fn apply<'a>(
        &self,
        demand: DemandSampler<'a>,
        mut lead: LeadTimeSampler<'a>,
    ) -> (DemandSampler<'a>, LeadTimeSampler<'a>, Inaccuracy) {
        let start = self.start_day.unwrap_or(120);
        let mut inaccuracy = Inaccuracy::default();
        let demand = match self.kind {
            ScenarioKind::DemandSurge => {
                demand.with_surge(start, self.days.unwrap_or(60), self.factor_or(1.3))
            }
            _ => demand,
        };
        match self.kind {
            ScenarioKind::SupplierDelay => {
                lead.delay = Some((
                    start,
                    start.saturating_add(self.days.unwrap_or(45)),
                    self.factor_or(2.0),
                ));
            }
            ScenarioKind::LeadTimeVariability => lead.spread = self.factor_or(2.0),
            ScenarioKind::RecordInaccuracy => {
                inaccuracy.shrink_per_day = self.shrink_per_day.unwrap_or(0.002);
            }
            _ => {}
        }
        (demand, lead, inaccuracy)
    }
}
