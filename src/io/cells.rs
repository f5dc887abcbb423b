//! Formatting cells of the CSV outputs: numbers, optional numbers and the key columns.
//!
//! One place, so every output file writes numbers the same way (at most four decimals,
//! trailing zeros dropped, no `-0`) and empty cells mean "does not apply".

use super::rejects::csv_field;

/// A number for a CSV cell: at most four decimals, trailing zeros dropped, no `-0`.
///
/// # Example
/// ```
/// use replenish::io::cells::fmt;
/// assert_eq!(fmt(2.50), "2.5");
/// assert_eq!(fmt(-0.00001), "0");
/// ```
pub fn fmt(v: f64) -> String {
    // Whole numbers (most quantities) directly: `{:.4}` formats them exactly too, but through
    // the standard library's slow bignum fallback, which dominated writing large outputs.
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        return format!("{}", v as i64);
    }
    four_decimals(v)
}

/// `v` to four decimals, trailing zeros dropped, no `-0`.
fn four_decimals(v: f64) -> String {
    // Four decimals are enough for units per bucket and keep files diff-able.
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// An optional number: empty when it does not apply.
pub fn opt(v: Option<f64>) -> String {
    v.map(fmt).unwrap_or_default()
}

/// The leading key cells of a row, with their trailing comma: `sku,` or, when the output has
/// a location column, `sku,location,` (empty location for rows without one).
pub fn key(sku: &str, location: Option<&str>, with_location: bool) -> String {
    if with_location {
        format!("{},{},", csv_field(sku), csv_field(location.unwrap_or("")))
    } else {
        format!("{},", csv_field(sku))
    }
}

/// The leading key headers matching [`key`].
pub fn key_header(with_location: bool) -> &'static str {
    if with_location {
        "sku,location,"
    } else {
        "sku,"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_format_as_before() {
        for v in [
            0.0, -0.0, 1.0, -1.0, 7.0, 10.0, 100.0, 1234.0, -56.0, 1e6, 4.5e15, -8.9e15, 2.5,
            0.125, -0.00001, 0.00005, 1e16, 3.0e20,
        ] {
            assert_eq!(fmt(v), four_decimals(v), "{v}");
        }
        for k in -2000..2000 {
            let v = f64::from(k) * 37.0;
            assert_eq!(fmt(v), four_decimals(v), "{v}");
        }
    }
}
