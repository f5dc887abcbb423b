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

    #[test]
    fn protection_demand_closed_form() {
        // d = 10/day, σ_d = 3/day, L = 9 days ± 2, R = 7: μ = 160, σ = sqrt(16·9 + 100·4) = sqrt(544).
        let (mu, sd) = protection_demand(10.0, 3.0, 9.0, 2.0, 7.0);
        assert!((mu - 160.0).abs() < 1e-12);
        assert!((sd - 544f64.sqrt()).abs() < 1e-12);
    }
}
