//! Normal-approximation formulas for safety stock: the safety factor for a cycle-service
//! target, the standard normal loss function and the safety factor for a fill-rate target.
//!
//! Conventions (Silver, Pyke & Thomas, *Inventory and Production Management in Supply
//! Chains*, 4th ed., ch. 6–7):
//! - Demand over the **protection period** (lead time for continuous review, lead time +
//!   review period for periodic review) is normal with mean μ and standard deviation σ.
//! - **Cycle service level** (CSL, "P1") = probability of no stockout in a replenishment cycle
//!   = Φ(k), where the reorder point is μ + k·σ.
//! - **Fill rate** ("P2", β) = share of demand served from stock on hand, with unmet demand
//!   backordered: β = 1 − σ·G(k) / Q, where Q is the demand per cycle (the order quantity for
//!   (s,Q), the demand per review period for (R,S)) and G is the standard normal loss function.
//!
//! Normal quantiles, CDF and density come from `statrs`.

use statrs::distribution::{Continuous, ContinuousCDF, Normal};

fn standard() -> Normal {
    Normal::new(0.0, 1.0).expect("the standard normal is valid")
}

/// Φ(k): the standard normal CDF.
pub fn cdf(k: f64) -> f64 {
    standard().cdf(k)
}

/// Φ⁻¹(p): the safety factor z whose cycle service level is `p`, for p in (0, 1).
///
/// # Example
/// ```
/// let z = replenish::policy::normal::z_for_cycle_service(0.95);
/// assert!((z - 1.644854).abs() < 1e-6);
/// ```
pub fn z_for_cycle_service(p: f64) -> f64 {
    standard().inverse_cdf(p)
}

/// G(k) = E[(Z − k)⁺] = φ(k) − k·(1 − Φ(k)): expected units short per unit of σ when the
/// reorder point is k standard deviations above the mean. Decreasing in k, G(0) = 0.398942.
pub fn loss(k: f64) -> f64 {
    let n = standard();
    n.pdf(k) - k * (1.0 - n.cdf(k))
}

/// The safety factor k with G(k) = `target` (bisection on [−8, 8]; G is strictly
/// decreasing). Targets above G(−8) ≈ 8 give −8, targets ≤ 0 give 8.
pub fn k_for_loss(target: f64) -> f64 {
    let (mut lo, mut hi) = (-8.0_f64, 8.0_f64);
    if target >= loss(lo) {
        return lo;
    }
    if target <= 0.0 {
        return hi;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if loss(mid) > target {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Mean and standard deviation of demand over a protection period of `lead_time` + `review`
/// days, with demand per day of mean `d` and standard deviation `sd_d` (independent days) and
/// a lead time of standard deviation `sd_lead_time` days (independent of demand):
/// μ = d·(L + R), σ = sqrt((L + R)·σ_d² + d²·σ_L²).
pub fn protection_demand(
    d: f64,
    sd_d: f64,
    lead_time: f64,
    sd_lead_time: f64,
    review: f64,
) -> (f64, f64) {
    let p = lead_time + review;
    (
        d * p,
        (p * sd_d * sd_d + d * d * sd_lead_time * sd_lead_time).sqrt(),
    )
}

/// E[(X − x)⁺] for X normal with mean `mean` and standard deviation `sd` (a point mass at the
/// mean when `sd` is 0): the expected units of X above `x`.
pub fn excess(mean: f64, sd: f64, x: f64) -> f64 {
    if sd > 0.0 {
        sd * loss((x - mean) / sd)
    } else {
        (mean - x).max(0.0)
    }
}

/// Mean and variance of the **undershoot** U of a reorder point: how far below s the position
/// is when a review first finds it at or below s, for a position that falls by independent
/// steps of mean `step_mean` and variance `step_var` between reviews (a day's demand for
/// continuous review, R days' demand for (R,s,S)). The stationary excess of renewal theory:
/// E[U] = E[Y²] / (2·E[Y]), E[U²] = E[Y³] / (3·E[Y]), with the moments of a normal step Y.
/// Exact when the gap S − s (or Q) is large against a step; (0, 0) without demand.
///
/// # Example
/// ```
/// // Steps of 20 ± 6: E[U] = (400 + 36) / 40 = 10.9.
/// let (m, v) = replenish::policy::normal::undershoot(20.0, 36.0);
/// assert!((m - 10.9).abs() < 1e-12);
/// assert!((v - (508.0 / 3.0 - 10.9 * 10.9)).abs() < 1e-9);
/// ```
pub fn undershoot(step_mean: f64, step_var: f64) -> (f64, f64) {
    if step_mean <= 0.0 {
        return (0.0, 0.0);
    }
    let (m, v) = (step_mean, step_var.max(0.0));
    let mean = (m * m + v) / (2.0 * m);
    let second = (m * m + 3.0 * v) / 3.0;
    (mean, (second - mean * mean).max(0.0))
}

/// E[((Y − c)⁺)^m] for m = 1 and 2, Y normal (mean `m`, sd `sd`; a point when `sd` is 0).
fn partial_moments(m: f64, sd: f64, c: f64) -> (f64, f64) {
    if sd <= 0.0 {
        let e = (m - c).max(0.0);
        return (e, e * e);
    }
    let k = (c - m) / sd;
    let n = standard();
    let (tail, dens) = (1.0 - n.cdf(k), n.pdf(k));
    let first = sd * (dens - k * tail);
    let second = sd * sd * ((1.0 + k * k) * tail - k * dens);
    (first, second.max(0.0))
}

/// Mean and variance of the undershoot U of a reorder point s by a position that starts
/// `gap` above s (at S = s + gap, just after an (s,S) or (R,s,S) order) and falls by
/// independent normal steps of mean `step_mean` and variance `step_var` until a review finds
/// it at or below s: U = (sum of the steps) − gap at that review. Computed from the renewal
/// sum E[U^m] = Σₙ E[((Y − (gap − Sₙ))⁺)^m; Sₙ < gap] over the n-step sums Sₙ (normal,
/// integrated by Simpson's rule), treating the walk as falling (a step's mass below 0 is
/// small for the demand it models). With more than 200 steps per gap the stationary excess
/// ([`undershoot`]) is used: the walk has forgotten its start by then.
pub fn undershoot_from(gap: f64, step_mean: f64, step_var: f64) -> (f64, f64) {
    if step_mean <= 0.0 {
        return (0.0, 0.0);
    }
    if gap / step_mean > 200.0 {
        return undershoot(step_mean, step_var);
    }
    let gap = gap.max(0.0);
    let step_sd = step_var.max(0.0).sqrt();
    let (mut m1, mut m2) = partial_moments(step_mean, step_sd, gap);
    for n in 1..100_000u32 {
        let (mu_n, sd_n) = (f64::from(n) * step_mean, f64::from(n).sqrt() * step_sd);
        if mu_n - 8.0 * sd_n >= gap {
            break;
        }
        if sd_n <= 1e-9 * step_mean {
            let (a, b) = partial_moments(step_mean, step_sd, gap - mu_n);
            m1 += a;
            m2 += b;
            continue;
        }
        let (lo, hi) = (mu_n - 8.0 * sd_n, gap.min(mu_n + 8.0 * sd_n));
        let intervals = 64;
        let h = (hi - lo) / f64::from(intervals);
        let density = Normal::new(mu_n, sd_n).expect("sd > 0");
        for i in 0..=intervals {
            let x = lo + f64::from(i) * h;
            let w = if i == 0 || i == intervals {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            let (a, b) = partial_moments(step_mean, step_sd, gap - x);
            let f = density.pdf(x) * w * h / 3.0;
            m1 += f * a;
            m2 += f * b;
        }
    }
    (m1, (m2 - m1 * m1).max(0.0))
}

/// Mean and standard deviation of the lead time in whole days as the simulator counts it:
/// max(1, round(L)) for L normal with mean `mean` and sd `sd` (a point when `sd` is 0).
///
/// # Example
/// ```
/// use replenish::policy::normal::whole_day_lead_time;
/// assert_eq!(whole_day_lead_time(10.4, 0.0), (10.0, 0.0));
/// assert_eq!(whole_day_lead_time(0.0, 0.0), (1.0, 0.0));
/// // Rounding adds about 1/12 day² to the variance (Sheppard's correction).
/// let (m, sd) = whole_day_lead_time(10.0, 2.0);
/// assert!((m - 10.0).abs() < 1e-4 && (sd * sd - 4.0 - 1.0 / 12.0).abs() < 2e-3);
/// ```
pub fn whole_day_lead_time(mean: f64, sd: f64) -> (f64, f64) {
    let (m, sd, _) = whole_day_lead_time_moments(mean, sd);
    (m, sd)
}

/// [`whole_day_lead_time`] with the third central moment (days³): the skew that the floor
/// at 1 day adds when the spread is large against the mean.
pub fn whole_day_lead_time_moments(mean: f64, sd: f64) -> (f64, f64, f64) {
    if sd <= 0.0 {
        return (mean.round().max(1.0), 0.0, 0.0);
    }
    let n = Normal::new(mean, sd).expect("sd > 0");
    let top = (mean + 10.0 * sd).ceil().max(2.0) as i64;
    // P(max(1, round(L)) = k), k = 1 … top, in two passes (the mean first, then the central
    // moments about it) without storing them.
    let mass = |k: i64| {
        let kf = k as f64;
        if k == 1 {
            n.cdf(1.5)
        } else {
            n.cdf(kf + 0.5) - n.cdf(kf - 0.5)
        }
    };
    let (mut total, mut m1) = (0.0, 0.0);
    for k in 1..=top {
        let p = mass(k);
        total += p;
        m1 += p * k as f64;
    }
    let m1 = m1 / total;
    let (mut m2, mut m3) = (0.0, 0.0);
    for k in 1..=top {
        let (p, c) = (mass(k), k as f64 - m1);
        m2 += p * c * c;
        m3 += p * c * c * c;
    }
    (m1, (m2 / total).max(0.0).sqrt(), m3 / total)
}

/// Variance (days²) of the lead-time term of an (R,S) order-up-to level when each order's lead
/// time is drawn independently, so orders placed R days apart may overtake each other (as in
/// the simulator, `[simulation] crossing = true`, and in purchase-order histories where later
/// orders arrive first).
///
/// With one order every R days, each replacing R days of demand, the units still in transit
/// on a day are a sum of orders, each still open with probability pₖ = P(L > k) at its age k.
/// Averaged over the review cycle that term has variance d²·R·Σₖ pₖ(1 − pₖ) (Bernoulli
/// indicators of independent orders) instead of the d²·σ_L² of one order whose arrival alone
/// decides the cycle. When orders are far apart (R at least about 1.8 σ_L) they do not cross
/// and σ_L² is exact; the smaller of the two is returned. L is the lead time in whole days as
/// the simulator counts it, max(1, round(L)) for L normal with `mean` and `sd`.
///
/// # Example
/// ```
/// use replenish::policy::normal::crossing_lead_time_variance;
/// // A daily review with L ~ N(10, 2²): Σ pₖ(1 − pₖ) ≈ σ_L / √π ≈ 1.13, far below σ_L² = 4.
/// let v = crossing_lead_time_variance(10.0, 2.0, 1.0);
/// assert!((v - 2.0 / std::f64::consts::PI.sqrt()).abs() < 0.02);
/// // A weekly review: orders rarely cross, the lead-time variance (+1/12 for rounding) stays.
/// assert!((crossing_lead_time_variance(10.0, 2.0, 7.0) - 4.0 - 1.0 / 12.0).abs() < 2e-3);
/// ```
pub fn crossing_lead_time_variance(mean: f64, sd: f64, review_days: f64) -> f64 {
    let (_, whole_sd) = whole_day_lead_time(mean, sd);
    if sd <= 0.0 {
        return 0.0;
    }
    let n = Normal::new(mean, sd).expect("sd > 0");
    // pₖ = P(max(1, round(L)) > k) = P(L ≥ k + 0.5) for k ≥ 1 (at k = 0 every order is
    // open: no spread).
    let top = (mean + 10.0 * sd).ceil().max(2.0) as i64;
    let sum: f64 = (1..=top)
        .map(|k| {
            let p = 1.0 - n.cdf(k as f64 + 0.5);
            p * (1.0 - p)
        })
        .sum();
    (review_days.max(1.0) * sum).min(whole_sd * whole_sd)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Table values of the standard normal (Abramowitz & Stegun 26.2; the loss function as
    // tabulated in Silver, Pyke & Thomas, appendix II). Tolerance 1e-6.
    #[test]
    fn normal_quantiles_and_loss_match_tables() {
        assert!((z_for_cycle_service(0.5)).abs() < 1e-9);
        assert!((z_for_cycle_service(0.975) - 1.959964).abs() < 1e-6);
        assert!((z_for_cycle_service(0.99) - 2.326348).abs() < 1e-6);
        assert!((loss(0.0) - 0.398942).abs() < 1e-6);
        assert!((loss(1.0) - 0.083315).abs() < 1e-6);
        assert!((loss(2.0) - 0.008491).abs() < 1e-6);
        assert!((loss(-1.0) - 1.083315).abs() < 1e-6); // G(−k) = G(k) + k
    }

    #[test]
    fn k_for_loss_inverts_the_loss_function() {
        for k in [-2.0, -0.5, 0.0, 0.7, 1.5, 3.0] {
            assert!((k_for_loss(loss(k)) - k).abs() < 1e-8, "k = {k}");
        }
    }

    /// The whole-day lead time's third central moment: about 0 far from the floor at one day
    /// (rounding a symmetric normal keeps it symmetric), positive near it; against a direct
    /// sum over the rounded normal's probabilities.
    #[test]
    fn whole_day_lead_time_skew_comes_from_the_floor() {
        let (_, _, far) = whole_day_lead_time_moments(20.0, 3.0);
        assert!(far.abs() < 1e-6, "{far}");
        let (mean, sd, near) = whole_day_lead_time_moments(3.0, 3.0);
        let n = Normal::new(3.0, 3.0).unwrap();
        let p = |k: i32| {
            if k == 1 {
                n.cdf(1.5)
            } else {
                n.cdf(f64::from(k) + 0.5) - n.cdf(f64::from(k) - 0.5)
            }
        };
        let total: f64 = (1..=40).map(p).sum();
        let m: f64 = (1..=40).map(|k| p(k) * f64::from(k)).sum::<f64>() / total;
        let m2: f64 = (1..=40)
            .map(|k| p(k) * (f64::from(k) - m).powi(2))
            .sum::<f64>()
            / total;
        let m3: f64 = (1..=40)
            .map(|k| p(k) * (f64::from(k) - m).powi(3))
            .sum::<f64>()
            / total;
        assert!((mean - m).abs() < 1e-9 && (sd - m2.sqrt()).abs() < 1e-9);
        assert!((near - m3).abs() < 1e-9 && near > 1.0, "{near} vs {m3}");
    }

    #[test]
    fn protection_demand_closed_form() {
        // d = 10/day, σ_d = 3/day, L = 9 days ± 2, R = 7: μ = 160, σ = sqrt(16·9 + 100·4) = sqrt(544).
        let (mu, sd) = protection_demand(10.0, 3.0, 9.0, 2.0, 7.0);
        assert!((mu - 160.0).abs() < 1e-12);
        assert!((sd - 544f64.sqrt()).abs() < 1e-12);
    }
}
