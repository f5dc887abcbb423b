//! Order quantities: the economic order quantity and rounding to pack size and MOQ.
//!
//! Units: demand in units per **day** (converted to per year with 365 days), order cost in
//! currency per order, holding cost in currency per unit per **year**.

/// Days per year used to turn daily demand into annual demand.
pub const DAYS_PER_YEAR: f64 = 365.0;

/// Economic order quantity (Harris 1913): EOQ = sqrt(2·D·K / H), with D the annual demand
/// (units per year), K the cost per order and H the holding cost per unit per year. `None`
/// when H is not positive (unit cost or holding rate unknown) or D·K is zero.
///
/// # Example
/// ```
/// // 1,000 units a year, 50 per order, 2.5 per unit-year: EOQ = 200.
/// let q = replenish::policy::order_qty::eoq(1000.0 / 365.0, 50.0, 2.5).unwrap();
/// assert!((q - 200.0).abs() < 1e-9);
/// ```
pub fn eoq(demand_per_day: f64, order_cost: f64, holding_per_unit_year: f64) -> Option<f64> {
    let annual = demand_per_day * DAYS_PER_YEAR;
    (holding_per_unit_year > 0.0 && annual > 0.0 && order_cost > 0.0)
        .then(|| (2.0 * annual * order_cost / holding_per_unit_year).sqrt())
}

/// Rounds an order up to a multiple of `pack` that is at least `moq` (the MOQ itself is
/// rounded up to whole packs). Quantities within 1e-9 of a pack multiple are not bumped up
/// by floating-point noise. A quantity ≤ 0 with no MOQ stays 0.
///
/// # Example
/// ```
/// use replenish::policy::order_qty::round_order;
/// assert_eq!(round_order(13.0, 1.0, 12.0), 24.0);
/// assert_eq!(round_order(5.0, 40.0, 12.0), 48.0);
/// ```
pub fn round_order(quantity: f64, moq: f64, pack: f64) -> f64 {
    let pack = if pack > 0.0 { pack } else { 1.0 };
    if quantity <= 0.0 && moq <= 0.0 {
        return 0.0;
    }
    let q = quantity.max(moq).max(0.0);
    let packs = (q / pack - 1e-9).ceil().max(1.0);
    packs * pack
}

/// Rounds an EOQ to the cheaper of its two neighbouring pack multiples (both at least the
/// MOQ): the annual ordering plus cycle-stock holding cost D·K/q + H·q/2 is flat near the EOQ,
/// so rounding always up can cost more than rounding down (EOQ 224 with packs of 100: 200
/// costs less than 300). Ties go up. Units as [`eoq`]; without a defined cost (H or D·K not
/// positive) it is [`round_order`].
///
/// # Example
/// ```
/// use replenish::policy::order_qty::{eoq, round_eoq};
/// // 1,000 a year, 50 per order, 2 per unit-year: EOQ 223.6; 200 costs 450, 300 costs 466.7.
/// let d = 1000.0 / 365.0;
/// let q = eoq(d, 50.0, 2.0).unwrap();
/// assert_eq!(round_eoq(q, d, 50.0, 2.0, 1.0, 100.0), 200.0);
/// ```
pub fn round_eoq(
    quantity: f64,
    demand_per_day: f64,
    order_cost: f64,
    holding_per_unit_year: f64,
    moq: f64,
    pack: f64,
) -> f64 {
    let up = round_order(quantity, moq, pack);
    let annual = demand_per_day * DAYS_PER_YEAR;
    if !(holding_per_unit_year > 0.0 && annual > 0.0 && order_cost > 0.0) {
        return up;
    }
    let pack = if pack > 0.0 { pack } else { 1.0 };
    let down = up - pack;
    if down <= 0.0 || down + 1e-9 < moq.max(0.0) {
        return up;
    }
    let cost = |q: f64| annual * order_cost / q + holding_per_unit_year * q / 2.0;
    if cost(down) < cost(up) {
        down
    } else {
        up
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn eoq_rounds_to_the_cheaper_pack_multiple_within_the_moq() {
        let d = 1000.0 / DAYS_PER_YEAR;
        // EOQ 223.6: 200 (450 a year) beats 300 (466.7).
        assert!((round_eoq(223.6, d, 50.0, 2.0, 1.0, 100.0) - 200.0).abs() < 1e-12);
        // EOQ 223.6 with packs of 150: 150 costs 483.3, 300 costs 466.7: up.
        assert!((round_eoq(223.6, d, 50.0, 2.0, 1.0, 150.0) - 300.0).abs() < 1e-12);
        // An MOQ of 250 forbids 200.
        assert!((round_eoq(223.6, d, 50.0, 2.0, 250.0, 100.0) - 300.0).abs() < 1e-12);
        // No cost known: always up.
        assert!((round_eoq(223.6, d, 50.0, 0.0, 1.0, 100.0) - 300.0).abs() < 1e-12);
    }

    #[test]
    fn eoq_closed_form_and_undefined_cases() {
        // Textbook: D = 1200/yr, K = 100, H = 0.2 × 30 = 6 → EOQ = sqrt(40000) = 200.
        let q = eoq(1200.0 / DAYS_PER_YEAR, 100.0, 6.0).unwrap();
        assert!((q - 200.0).abs() < 1e-9);
        assert!(eoq(1.0, 50.0, 0.0).is_none());
        assert!(eoq(0.0, 50.0, 1.0).is_none());
    }

    #[test]
    fn rounding_examples() {
        assert!((round_order(24.0, 1.0, 12.0) - 24.0).abs() < 1e-12);
        assert!((round_order(24.000_000_000_1, 1.0, 12.0) - 24.0).abs() < 1e-12);
        assert!((round_order(0.0, 0.0, 12.0)).abs() < 1e-12);
        assert!((round_order(0.0, 5.0, 1.0) - 5.0).abs() < 1e-12);
    }

    proptest! {
        #[test]
        fn rounded_orders_are_pack_multiples_at_least_moq(
            q in 0.0f64..10_000.0, moq in 0.0f64..500.0, pack in 1u32..100
        ) {
            let pack = f64::from(pack);
            let r = round_order(q, moq, pack);
            prop_assert!(r >= moq - 1e-9);
            prop_assert!(r >= q - 1e-6);
            let packs = r / pack;
            prop_assert!((packs - packs.round()).abs() < 1e-9);
            // Never more than one pack above what was needed.
            prop_assert!(r < q.max(moq) + pack + 1e-9);
        }

        #[test]
        fn eoq_rounding_is_never_dearer_than_rounding_up(
            d in 0.01f64..200.0, k in 1.0f64..500.0, h in 0.05f64..50.0,
            moq in 0.0f64..300.0, pack in 1u32..60
        ) {
            let pack = f64::from(pack);
            let q = eoq(d, k, h).unwrap();
            let r = round_eoq(q, d, k, h, moq, pack);
            let up = round_order(q, moq, pack);
            let cost = |x: f64| d * DAYS_PER_YEAR * k / x + h * x / 2.0;
            prop_assert!(cost(r) <= cost(up) + 1e-9);
            prop_assert!(r + 1e-9 >= moq && ((r / pack) - (r / pack).round()).abs() < 1e-9);
        }
    }
}
