//! Demand classification: Syntetos–Boylan classes from ADI and CV², ABC by revenue (or
//! volume) and XYZ by variability.
//!
//! This module only measures series; the forecasting stage uses the classes to choose candidate
//! models and the report shows them.
//!
//! Definitions (per SKU series of buckets, from the first sale on):
//! - **ADI** (average demand interval) = buckets / buckets with positive demand. ADI 1 means
//!   demand in every bucket; ADI 10, in one bucket of ten on average.
//! - **CV²** = (standard deviation / mean)² of the positive demand sizes (population standard
//!   deviation; 0 with fewer than two demands).
//! - **Syntetos–Boylan classes** (Syntetos, Boylan & Croston 2005), cut-offs ADI 1.32, CV² 0.49:
//!   smooth (ADI < 1.32, CV² < 0.49), erratic (ADI < 1.32, CV² ≥ 0.49), intermittent
//!   (ADI ≥ 1.32, CV² < 0.49), lumpy (ADI ≥ 1.32, CV² ≥ 0.49); a series without positive demand
//!   is `none`.
//! - **ABC**: SKUs sorted by revenue (units × price; units when no price is known), descending;
//!   A while the cumulative share is within the first 80%, B within 95%, C after.
//! - **XYZ**: coefficient of variation of demand per bucket (zeros included): X < 0.5, Y < 1.0,
//!   Z otherwise.

use serde::Serialize;

/// Syntetos–Boylan cut-off on ADI.
pub const ADI_CUTOFF: f64 = 1.32;
/// Syntetos–Boylan cut-off on CV².
pub const CV2_CUTOFF: f64 = 0.49;

/// Syntetos–Boylan demand class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DemandClass {
    /// Regular demand with stable sizes.
    Smooth,
    /// Regular demand with variable sizes.
    Erratic,
    /// Sporadic demand with stable sizes.
    Intermittent,
    /// Sporadic demand with variable sizes.
    Lumpy,
    /// No positive demand at all.
    None,
}

impl DemandClass {
    /// Whether the class is sporadic (intermittent or lumpy): models for intermittent demand
    /// apply, and errors are scaled so that forecasting zero is not rewarded.
    pub fn is_sporadic(self) -> bool {
        matches!(
            self,
            DemandClass::Intermittent | DemandClass::Lumpy | DemandClass::None
        )
    }

    /// Lower-case name, as written in outputs.
    pub fn name(self) -> &'static str {
        match self {
            DemandClass::Smooth => "smooth",
            DemandClass::Erratic => "erratic",
            DemandClass::Intermittent => "intermittent",
            DemandClass::Lumpy => "lumpy",
            DemandClass::None => "none",
        }
    }
}

impl std::fmt::Display for DemandClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// ADI, CV² and the class of one series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DemandProfile {
    /// Average demand interval (buckets per positive bucket); infinite without demand.
    pub adi: f64,
    /// Squared coefficient of variation of positive demand sizes.
    pub cv2: f64,
    /// The Syntetos–Boylan class.
    pub class: DemandClass,
    /// Coefficient of variation of demand per bucket, zeros included (for XYZ).
    pub cv: f64,
}

/// Measures one series.
///
/// # Example
/// ```
/// use replenish::classify::{profile, DemandClass};
///
/// assert_eq!(profile(&[5.0, 6.0, 5.0, 4.0]).class, DemandClass::Smooth);
/// assert_eq!(profile(&[0.0, 0.0, 3.0, 0.0, 0.0, 3.0]).class, DemandClass::Intermittent);
/// ```
pub fn profile(y: &[f64]) -> DemandProfile {
    let n = y.len() as f64;
    let cv = {
        let (_, m, sd) = mean_sd_where(y, |_| true);
        if m > 0.0 {
            sd / m
        } else {
            0.0
        }
    };
    let (demands, m, sd) = mean_sd_where(y, |v| v > 0.0);
    if demands == 0 {
        return DemandProfile {
            adi: f64::INFINITY,
            cv2: 0.0,
            class: DemandClass::None,
            cv,
        };
    }
    let adi = n / demands as f64;
    let cv2 = if demands > 1 { (sd / m).powi(2) } else { 0.0 };
    let class = match (adi < ADI_CUTOFF, cv2 < CV2_CUTOFF) {
        (true, true) => DemandClass::Smooth,
        (true, false) => DemandClass::Erratic,
        (false, true) => DemandClass::Intermittent,
        (false, false) => DemandClass::Lumpy,
    };
    DemandProfile {
        adi,
        cv2,
        class,
        cv,
    }
}

/// Count, population mean and standard deviation of the values of `y` that `keep` accepts,
/// in passes without branches (zero and positive days alternate unpredictably in
/// intermittent demand): a value left out adds 0, so the sums are those of the accepted values
/// alone (to rounding: [`sum4`] adds in four interleaved partial sums).
fn mean_sd_where(y: &[f64], keep: impl Fn(f64) -> bool) -> (usize, f64, f64) {
    let k = y.iter().filter(|&&v| keep(v)).count();
    if k == 0 {
        return (0, 0.0, 0.0);
    }
    let m = sum4(y, |v| if keep(v) { v } else { 0.0 }) / k as f64;
    let var = sum4(y, |v| if keep(v) { (v - m).powi(2) } else { 0.0 }) / k as f64;
    (k, m, var.sqrt())
}

/// Σ f(v) over `y` with four accumulators: independent addition chains, so the loop is not
/// bound by the latency of one floating-point add per value, and it vectorises.
fn sum4(y: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let chunks = y.chunks_exact(4);
    let tail: f64 = chunks.remainder().iter().map(|&v| f(v)).sum();
    let mut acc = [0.0; 4];
    for c in chunks {
        for i in 0..4 {
            acc[i] += f(c[i]);
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// ABC class by share of revenue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Abc {
    /// The SKUs making the first 80% of revenue.
    A,
    /// The next 15%.
    B,
    /// The rest.
    C,
}

impl Abc {
    /// `A`, `B` or `C`.
    pub fn name(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
        }
    }
}

/// XYZ class by variability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Xyz {
    /// Stable demand: CV < 0.5.
    X,
    /// Variable demand: 0.5 ≤ CV < 1.
    Y,
    /// Very variable demand: CV ≥ 1.
    Z,
}

/// XYZ class of a coefficient of variation.
pub fn xyz(cv: f64) -> Xyz {
    if cv < 0.5 {
        Xyz::X
    } else if cv < 1.0 {
        Xyz::Y
    } else {
        Xyz::Z
    }
}

/// ABC classes for a catalogue, from each SKU's value (revenue, or units without prices).
/// Ties are broken by input order, so the result is deterministic. A SKU whose value starts
/// within the first 80% of the cumulative total is A, within 95% B, else C.
///
/// # Example
/// ```
/// use replenish::classify::{abc, Abc};
///
/// assert_eq!(
///     abc(&[10.0, 700.0, 100.0, 150.0, 40.0]),
///     vec![Abc::C, Abc::A, Abc::B, Abc::A, Abc::C]
/// );
/// ```
pub fn abc(values: &[f64]) -> Vec<Abc> {
    let total: f64 = values.iter().map(|v| v.max(0.0)).sum();
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let mut out = vec![Abc::C; values.len()];
    let mut before = 0.0;
    for i in order {
        let share = if total > 0.0 { before / total } else { 1.0 };
        out[i] = if share < 0.8 {
            Abc::A
        } else if share < 0.95 {
            Abc::B
        } else {
            Abc::C
        };
        before += values[i].max(0.0);
    }
    out
}

/// ABC classes of demand series by revenue, or by units when no series has a price.
pub fn abc_of_series(series: &[crate::calendar::DemandSeries]) -> Vec<Abc> {
    let by_revenue = series.iter().any(|s| s.revenue > 0.0);
    let value: Vec<f64> = series
        .iter()
        .map(|s| {
            if by_revenue {
                s.revenue
            } else {
                s.values.iter().map(|v| v.max(0.0)).sum()
            }
        })
        .collect();
    abc(&value)
}

#[cfg(test)]
mod tests {
    /// The branch-free masked sums equal filtering first (to rounding, 1e-12 relative: the
    /// masked sums add in four interleaved partial sums), on intermittent, smooth, all-zero
    /// and one-sale series.
    #[test]
    fn masked_moments_equal_filtered_ones() {
        let filtered = |y: &[f64]| -> (usize, f64, f64) {
            let sizes: Vec<f64> = y.iter().copied().filter(|&v| v > 0.0).collect();
            if sizes.is_empty() {
                return (0, 0.0, 0.0);
            }
            let k = sizes.len() as f64;
            let m = sizes.iter().sum::<f64>() / k;
            let var = sizes.iter().map(|x| (x - m).powi(2)).sum::<f64>() / k;
            (sizes.len(), m, var.sqrt())
        };
        let mut state = 7_u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % 100
        };
        let intermittent: Vec<f64> = (0..1900)
            .map(|_| {
                if next() < 70 {
                    0.0
                } else {
                    next() as f64 * 0.37
                }
            })
            .collect();
        let smooth: Vec<f64> = (0..500).map(|_| 20.0 + next() as f64 / 7.0).collect();
        for y in [
            intermittent,
            smooth,
            vec![0.0; 30],
            vec![0.0, 0.0, 4.0, 0.0],
        ] {
            let (k, m, sd) = mean_sd_where(&y, |v| v > 0.0);
            let (k2, m2, sd2) = filtered(&y);
            assert_eq!(k, k2);
            assert!((m - m2).abs() <= 1e-12 * m2.abs(), "{m} vs {m2}");
            assert!((sd - sd2).abs() <= 1e-12 * sd2.abs(), "{sd} vs {sd2}");
        }
    }

    use super::*;

    #[test]
    fn syntetos_boylan_quadrants() {
        // Every bucket, stable sizes.
        assert_eq!(profile(&[10.0, 11.0, 9.0, 10.0]).class, DemandClass::Smooth);
        // Every bucket, sizes vary a lot: CV² = (sd/mean)² of [1, 20, 1, 20] = 0.818.
        let p = profile(&[1.0, 20.0, 1.0, 20.0]);
        assert_eq!(p.class, DemandClass::Erratic);
        assert!((p.cv2 - (9.5f64 / 10.5).powi(2)).abs() < 1e-12);
        // One bucket in three, stable sizes: ADI 3.
        let p = profile(&[0.0, 0.0, 4.0, 0.0, 0.0, 4.0]);
        assert!((p.adi - 3.0).abs() < 1e-12);
        assert_eq!(p.class, DemandClass::Intermittent);
        assert_eq!(
            profile(&[0.0, 0.0, 1.0, 0.0, 0.0, 30.0]).class,
            DemandClass::Lumpy
        );
        assert_eq!(profile(&[0.0, 0.0]).class, DemandClass::None);
        assert_eq!(profile(&[]).class, DemandClass::None);
    }

    #[test]
    fn cut_offs_are_inclusive_on_the_sporadic_side() {
        // ADI exactly 1.32 is sporadic: 33 buckets with 25 demands = 1.32.
        let mut y = vec![5.0; 25];
        y.extend(vec![0.0; 8]);
        let p = profile(&y);
        assert!((p.adi - 1.32).abs() < 1e-12);
        assert_eq!(p.class, DemandClass::Intermittent);
    }

    #[test]
    fn abc_by_cumulative_share() {
        assert_eq!(abc(&[]), Vec::<Abc>::new());
        assert_eq!(abc(&[0.0, 0.0]), vec![Abc::C, Abc::C]);
        assert_eq!(abc(&[1.0]), vec![Abc::A]);
    }

    #[test]
    fn xyz_thresholds() {
        assert_eq!(xyz(0.2), Xyz::X);
        assert_eq!(xyz(0.5), Xyz::Y);
        assert_eq!(xyz(1.0), Xyz::Z);
    }
}
