//! A service target as the planner writes it: a probability, or the word `cost`.
//!
//! `cost` asks for the cost-minimising target of an item with a shortage cost: the critical
//! ratio b / (b + h·T/365), with b the item's `shortage_cost` (currency per unit short), h its
//! holding cost per unit and year, and T the days of one replenishment cycle — the holding
//! cost over the same period as the shortage cost, not per year against per unit. The
//! planning stage computes it ([`critical_ratio`]); this module only names it.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A service target: a probability in (0, 1), or `cost` (the cost-minimising one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServiceTarget {
    /// A probability in (0, 1) (cycle service or fill rate, by `[policy] service_measure`).
    Level(f64),
    /// The cost-minimising cycle service of an item with a shortage cost.
    Cost,
}

impl ServiceTarget {
    /// The probability, when the target is one.
    pub fn level(self) -> Option<f64> {
        match self {
            Self::Level(p) => Some(p),
            Self::Cost => None,
        }
    }
}

impl fmt::Display for ServiceTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Level(p) => write!(f, "{p}"),
            Self::Cost => f.write_str("cost"),
        }
    }
}

impl FromStr for ServiceTarget {
    type Err = String;

    /// `cost` (any case) or a number; the number's range is the caller's to check.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("cost") {
            return Ok(Self::Cost);
        }
        t.parse::<f64>().map(Self::Level).map_err(|_| {
            format!("service target {t:?} is neither a probability such as 0.95 nor the word cost")
        })
    }
}

impl Serialize for ServiceTarget {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Level(p) => s.serialize_f64(*p),
            Self::Cost => s.serialize_str("cost"),
        }
    }
}

impl<'de> Deserialize<'de> for ServiceTarget {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(p) => Ok(Self::Level(p)),
            Raw::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// The cost-minimising cycle service level b / (b + h·T/365): `shortage_cost` b per unit
/// short, `holding_per_year` h per unit and year, `cycle_days` T of one replenishment cycle
/// (R for (R,S), Q / demand per day for the reorder-point families). At that level one more
/// unit of stock costs as much in holding over a cycle as it saves in expected shortage, for
/// a shortage cost charged once per unit short in a cycle. `None` without a shortage cost (b
/// ≤ 0) or a cycle length; clamped to [0.5, 0.999] (below 0.5 the safety stock would be
/// negative; with no holding cost the ratio is 1, which no finite stock reaches).
///
/// # Example
/// ```
/// use replenish::domain::target::critical_ratio;
/// // 10 per unit short; holding 2 a unit-year over a 73-day cycle = 0.4: 10 / 10.4.
/// let p = critical_ratio(10.0, 2.0, 73.0).unwrap();
/// assert!((p - 10.0 / 10.4).abs() < 1e-12);
/// assert_eq!(critical_ratio(0.0, 2.0, 73.0), None);
/// assert_eq!(critical_ratio(10.0, 0.0, 73.0), Some(0.999));
/// ```
pub fn critical_ratio(shortage_cost: f64, holding_per_year: f64, cycle_days: f64) -> Option<f64> {
    if !(shortage_cost > 0.0 && cycle_days.is_finite() && cycle_days > 0.0) {
        return None;
    }
    let h = holding_per_year.max(0.0) * cycle_days / 365.0;
    Some((shortage_cost / (shortage_cost + h)).clamp(0.5, 0.999))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_and_the_word_cost() {
        assert_eq!("cost".parse::<ServiceTarget>(), Ok(ServiceTarget::Cost));
        assert_eq!(" COST ".parse::<ServiceTarget>(), Ok(ServiceTarget::Cost));
        assert_eq!(
            "0.9".parse::<ServiceTarget>(),
            Ok(ServiceTarget::Level(0.9))
        );
        assert!("cheap"
            .parse::<ServiceTarget>()
            .unwrap_err()
            .contains("the word cost"));
        #[derive(Deserialize)]
        struct T {
            a: ServiceTarget,
            b: ServiceTarget,
        }
        let t: T = toml::from_str("a = 0.95\nb = \"cost\"\n").unwrap();
        assert_eq!(
            (t.a, t.b),
            (ServiceTarget::Level(0.95), ServiceTarget::Cost)
        );
    }

    #[test]
    fn critical_ratio_closed_forms() {
        // Newsvendor over one cycle: b = 9, h·T = 1 → 0.9; b = 1, h·T = 1 → 0.5.
        assert!((critical_ratio(9.0, 365.0, 1.0).unwrap() - 0.9).abs() < 1e-12);
        assert!((critical_ratio(1.0, 36.5, 10.0).unwrap() - 0.5).abs() < 1e-12);
        // A longer cycle holds the unit longer: a lower target.
        assert!(critical_ratio(5.0, 3.0, 90.0).unwrap() < critical_ratio(5.0, 3.0, 30.0).unwrap());
        // Cheap to run short: floored at 0.5.
        assert_eq!(critical_ratio(0.01, 100.0, 30.0), Some(0.5));
        assert_eq!(critical_ratio(5.0, 3.0, 0.0), None);
    }
}
