//! Small shared utilities with no planning knowledge: a stable string hash and an order-
//! statistic quantile.
//!
//! This module is a leaf: it imports nothing of the crate, and everything may import it. It
//! holds only helpers used by more than one layer; a helper used by one module lives there.

/// Stable 64-bit FNV-1a hash of `text`: per-SKU seeds and shard assignment that do not depend
/// on thread count, platform or Rust version (the standard library's hasher is randomised).
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Quantile `p` of sorted values, linear interpolation between order statistics (numpy's
/// default, Hyndman–Fan type 7); 0 for an empty slice, `p` clamped to [0, 1].
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = p.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sku_seeds_are_stable() {
        // FNV-1a test vector: "a" → 0xaf63dc4c8601ec8c.
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn quantile_type7() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert!((quantile_sorted(&v, 0.5) - 2.5).abs() < 1e-12);
        assert!((quantile_sorted(&v, 0.9) - 3.7).abs() < 1e-12);
        assert!((quantile_sorted(&v, 0.0) - 1.0).abs() < 1e-12);
    }
}
