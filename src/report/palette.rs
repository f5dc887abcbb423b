//! One colour, one meaning, across every chart (the report's "how to read" lists them).

use plotters::style::RGBColor;

/// Actual demand (sales history).
pub const DEMAND: RGBColor = RGBColor(64, 64, 64);
/// Point forecast; its q-low–q-high band is the same colour, transparent.
pub const FORECAST: RGBColor = RGBColor(31, 119, 180);
/// Rolling-origin backtest forecasts (what the model would have said).
pub const FIT: RGBColor = RGBColor(255, 127, 14);
/// Stock on hand.
pub const ON_HAND: RGBColor = RGBColor(23, 190, 207);
/// Shortage: backlog, backorders, drift warnings.
pub const SHORTAGE: RGBColor = RGBColor(214, 39, 40);
/// Policy levels and targets: reorder point, order-up-to, service target, lead-time p50/p90.
pub const LEVEL: RGBColor = RGBColor(140, 140, 20);
/// Purchase orders: placements, arrivals, order value.
pub const ORDERS: RGBColor = RGBColor(140, 86, 75);
/// The planner's current policy.
pub const CURRENT: RGBColor = RGBColor(148, 103, 189);
/// The recommended policy.
pub const RECOMMENDED: RGBColor = RGBColor(44, 160, 44);
/// Everything else (other policy families, counts, inventory position).
pub const OTHER: RGBColor = RGBColor(127, 127, 127);

/// `#rrggbb` of a colour, for the HTML legend.
pub fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// The legend of the report: (colour, meaning).
pub fn legend() -> Vec<(RGBColor, &'static str)> {
    vec![
        (DEMAND, "actual demand (sales history)"),
        (FORECAST, "forecast and its quantile band"),
        (FIT, "backtest forecasts"),
        (ON_HAND, "stock on hand"),
        (SHORTAGE, "shortage: backlog, backorders, drift"),
        (LEVEL, "policy levels and targets, lead-time p50/p90"),
        (ORDERS, "purchase orders"),
        (CURRENT, "current policy"),
        (RECOMMENDED, "recommended policy"),
        (OTHER, "other policies, counts, inventory position"),
    ]
}
