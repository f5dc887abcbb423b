//! One replication recorded day by day, for the inventory-trajectory chart
//! (`trajectories.json`).

use serde::{Deserialize, Serialize};

use super::engine::Observer;

/// One simulated replication of a SKU's recommended policy under the baseline scenario, day by
/// day after the warm-up (day 0 = first counted day).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Trajectory {
    /// SKU.
    pub sku: String,
    /// Location, if any.
    pub location: Option<String>,
    /// Policy family simulated.
    pub policy: String,
    /// Scenario simulated.
    pub scenario: String,
    /// Reorder point s, if the policy has one.
    pub reorder_point: Option<f64>,
    /// Order-up-to level S, if the policy has one.
    pub order_up_to: Option<f64>,
    /// Physical units on hand at the end of each day.
    pub on_hand: Vec<f64>,
    /// Customer units waiting at the end of each day.
    pub backlog: Vec<f64>,
    /// Inventory position at the end of each day.
    pub position: Vec<f64>,
    /// Orders placed: (day, units, arrival day).
    pub orders: Vec<(u32, f64, u32)>,
    /// Receipts: (day, units).
    pub receipts: Vec<(u32, f64)>,
    /// Days before day 0 that were simulated but not recorded (warm-up).
    #[serde(skip)]
    pub warmup: u32,
}

impl Observer for Trajectory {
    fn order(&mut self, t: u32, qty: f64, arrival: u32) {
        if t >= self.warmup {
            self.orders
                .push((t - self.warmup, qty, arrival - self.warmup));
        }
    }
    fn receipt(&mut self, t: u32, qty: f64) {
        if t >= self.warmup {
            self.receipts.push((t - self.warmup, qty));
        }
    }
    fn end_of_day(&mut self, t: u32, on_hand: f64, backlog: f64, position: f64) {
        if t >= self.warmup {
            self.on_hand.push(on_hand);
            self.backlog.push(backlog);
            self.position.push(position);
        }
    }
}
