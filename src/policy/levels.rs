//! A policy family's levels as a type: [`Levels`] holds exactly the levels its family uses
//! (s and Q for `sQ`, s and S for `sS` and `RsS`, S for `RS`) and owns what depends on the
//! family — its trigger level and trigger test (with the tie rule, [`super::tie`]), the order
//! placed at an inventory position (one function for the simulator and the recommendations,
//! [`Levels::order_at`]), the stock a simulation starts with, and the s / Q / S output columns.
//!
//! Every `match` on [`Levels`] (and on [`PolicyKind`]) in the crate is exhaustive, without a
//! `_ =>` arm: a new family is a compile error in every place that must handle it.
//!
//! [`GivenLevels`] is the other shape of levels: as a planner or a file gives them (flags,
//! the overrides file, an earlier run's `policy.csv`), any of them possibly missing;
//! [`Levels::from_given`] checks that the family's are there.

use serde::Serialize;

use super::{invalid, order_qty::round_order, sq_multiple, tie, PolicyError, PolicyKind};

/// The levels of one policy, by family. Units of inventory position.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Levels {
    /// (s, Q), continuous review: at or below s, order enough multiples of Q to get back
    /// above s.
    SQ {
        /// Reorder point s.
        s: f64,
        /// Order quantity Q.
        q: f64,
    },
    /// (s, S), continuous review min-max: at or below s, order up to S.
    MinMax {
        /// Reorder point s.
        s: f64,
        /// Order-up-to level S.
        big_s: f64,
    },
    /// (R, S), periodic review: at every review below S, order up to S.
    RS {
        /// Order-up-to level S.
        big_s: f64,
    },
    /// (R, s, S), periodic review: at a review at or below s, order up to S.
    RsS {
        /// Reorder point s.
        s: f64,
        /// Order-up-to level S.
        big_s: f64,
    },
}

/// Levels as a planner or a file gives them: any of them possibly missing (a reverse what-if's
/// flags, an earlier run's `policy.csv`, the planner's steering while it is applied).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GivenLevels {
    /// Reorder point s.
    pub reorder_point: Option<f64>,
    /// Order quantity Q.
    pub order_quantity: Option<f64>,
    /// Order-up-to level S.
    pub order_up_to: Option<f64>,
}

impl From<Levels> for GivenLevels {
    fn from(l: Levels) -> Self {
        Self {
            reorder_point: l.reorder_point(),
            order_quantity: l.order_quantity(),
            order_up_to: l.order_up_to(),
        }
    }
}

/// How an order-up-to gap S − position that is (nearly) nothing is ordered: the one place
/// where the simulator and the recommendations size an order differently (see
/// [`Levels::order_at`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapRule {
    /// The simulator's: a gap within a tie of S ([`super::tie`]) is no gap — 0 before
    /// rounding, so with a MOQ the MOQ is still ordered — and an `sQ` policy whose Q is not
    /// above 0 orders nothing at all.
    TieIsNone,
    /// The recommendations': any gap above 0 is ordered (a sliver of a unit rounds up to a
    /// pack), a negative gap is 0 before rounding, and an `sQ` policy whose Q is not above 0
    /// orders what rounding makes of 0 (the MOQ, if any).
    Exact,
}

/// How [`Levels::order_at`] sizes an order-up-to order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderSizing {
    /// (MOQ, pack size) rounding ([`round_order`]); `None` = continuous quantities.
    pub rounding: Option<(f64, f64)>,
    /// What a gap of (nearly) nothing orders.
    pub gap: GapRule,
}

impl OrderSizing {
    #[inline]
    fn round(self, q: f64) -> f64 {
        match self.rounding {
            Some((moq, pack)) => round_order(q, moq, pack),
            None => q,
        }
    }

    /// The order that brings position `pos` up to `big_s`.
    #[inline]
    fn up_to(self, big_s: f64, pos: f64) -> f64 {
        match self.gap {
            GapRule::TieIsNone => {
                // A gap within a tie of the target is none (not a sliver of a unit).
                let q = big_s - pos;
                let q = if q > tie(big_s) { q } else { 0.0 };
                self.round(q)
            }
            GapRule::Exact => self.round((big_s - pos).max(0.0)),
        }
    }

    /// The order of an `sQ` policy without a positive Q.
    #[inline]
    fn without_quantity(self) -> f64 {
        match self.gap {
            GapRule::TieIsNone => 0.0,
            GapRule::Exact => self.round(0.0),
        }
    }
}

impl Levels {
    /// The family.
    pub fn kind(&self) -> PolicyKind {
        match self {
            Self::SQ { .. } => PolicyKind::SQ,
            Self::MinMax { .. } => PolicyKind::MinMax,
            Self::RS { .. } => PolicyKind::RS,
            Self::RsS { .. } => PolicyKind::RsS,
        }
    }

    /// The levels a design gives family `kind` from its protection level `level` (the
    /// reorder point; S for `RS`) and its rounded order quantity `q` (S = s + Q for the
    /// order-up-to families with a reorder point).
    pub fn designed(kind: PolicyKind, level: f64, q: f64) -> Self {
        match kind {
            PolicyKind::SQ => Self::SQ { s: level, q },
            PolicyKind::MinMax => Self::MinMax {
                s: level,
                big_s: level + q,
            },
            PolicyKind::RsS => Self::RsS {
                s: level,
                big_s: level + q,
            },
            PolicyKind::RS => Self::RS { big_s: level },
        }
    }

    /// Family `kind`'s levels out of given ones: `sQ` needs s and Q (> 0); `sS` and `RsS`
    /// need s and S (> s); `RS` needs S. Levels the family does not use are ignored.
    ///
    /// # Errors
    /// [`PolicyError::Invalid`] naming the first missing (or non-finite) or bad level.
    pub fn from_given(kind: PolicyKind, given: GivenLevels) -> Result<Self, PolicyError> {
        let need = |v: Option<f64>, param: &'static str| {
            v.filter(|x| x.is_finite())
                .ok_or_else(|| invalid(param, format!("is required for the {kind} policy")))
        };
        let s_and_big_s = || -> Result<(f64, f64), PolicyError> {
            let s = need(given.reorder_point, "reorder_point")?;
            let big_s = need(given.order_up_to, "order_up_to")?;
            if big_s <= s {
                return Err(invalid(
                    "order_up_to",
                    format!("should be above the reorder point {s}, but is {big_s}"),
                ));
            }
            Ok((s, big_s))
        };
        Ok(match kind {
            PolicyKind::SQ => {
                let s = need(given.reorder_point, "reorder_point")?;
                let q = need(given.order_quantity, "order_qty")?;
                if q <= 0.0 {
                    return Err(invalid("order_qty", format!("should be > 0, but is {q}")));
                }
                Self::SQ { s, q }
            }
            PolicyKind::MinMax => {
                let (s, big_s) = s_and_big_s()?;
                Self::MinMax { s, big_s }
            }
            PolicyKind::RsS => {
                let (s, big_s) = s_and_big_s()?;
                Self::RsS { s, big_s }
            }
            PolicyKind::RS => Self::RS {
                big_s: need(given.order_up_to, "order_up_to")?,
            },
        })
    }

    /// Reorder point s (`None` for `RS`).
    pub fn reorder_point(&self) -> Option<f64> {
        match *self {
            Self::SQ { s, .. } | Self::MinMax { s, .. } | Self::RsS { s, .. } => Some(s),
            Self::RS { .. } => None,
        }
    }

    /// Fixed order quantity Q (`sQ` only).
    pub fn order_quantity(&self) -> Option<f64> {
        match *self {
            Self::SQ { q, .. } => Some(q),
            Self::MinMax { .. } | Self::RS { .. } | Self::RsS { .. } => None,
        }
    }

    /// Order-up-to level S (`None` for `sQ`).
    pub fn order_up_to(&self) -> Option<f64> {
        match *self {
            Self::MinMax { big_s, .. } | Self::RS { big_s } | Self::RsS { big_s, .. } => {
                Some(big_s)
            }
            Self::SQ { .. } => None,
        }
    }

    /// S − s, for the families with both levels (`sS`, `RsS`).
    pub fn gap(&self) -> Option<f64> {
        match *self {
            Self::MinMax { s, big_s } | Self::RsS { s, big_s } => Some(big_s - s),
            Self::SQ { .. } | Self::RS { .. } => None,
        }
    }

    /// The level an order is triggered against, also the protection level: the order-up-to
    /// level for `RS` (reviewed against S), else the reorder point.
    #[inline]
    pub fn trigger_level(&self) -> f64 {
        match *self {
            Self::SQ { s, .. } | Self::MinMax { s, .. } | Self::RsS { s, .. } => s,
            Self::RS { big_s } => big_s,
        }
    }

    /// The same family with its trigger level moved to `level`, keeping Q (`sQ`) or the gap
    /// S − s (`sS`, `RsS`).
    pub fn with_trigger_level(&self, level: f64) -> Self {
        match *self {
            Self::SQ { q, .. } => Self::SQ { s: level, q },
            Self::MinMax { s, big_s } => {
                let gap = big_s - s;
                Self::MinMax {
                    s: level,
                    big_s: level + gap,
                }
            }
            Self::RsS { s, big_s } => {
                let gap = big_s - s;
                Self::RsS {
                    s: level,
                    big_s: level + gap,
                }
            }
            Self::RS { .. } => Self::RS { big_s: level },
        }
    }

    /// Whether an inventory position `pos` triggers an order: at or below the reorder point
    /// (`sQ`, `sS`, `RsS`), or below the order-up-to level (`RS`).
    ///
    /// A position within a billionth of the level (at least 1e-9 units, [`super::tie`])
    /// counts as at it: a position reached along two routes (day by day, or from running
    /// sums) differs by rounding, and a tie in exact arithmetic — a tenth of a unit a day
    /// meeting a whole-unit reorder point — must take the same turn on both.
    #[inline]
    pub fn triggers(&self, pos: f64) -> bool {
        self.trigger().fires(pos)
    }

    /// The trigger test of [`Levels::triggers`] with the family and the tie resolved once:
    /// a search that asks it of many positions (the simulator's skip over quiet days) keeps
    /// only a comparison in its inner loop.
    #[inline]
    pub fn trigger(&self) -> Trigger {
        match *self {
            Self::SQ { s, .. } | Self::MinMax { s, .. } | Self::RsS { s, .. } => Trigger {
                bound: s + tie(s),
                at_bound: true,
            },
            Self::RS { big_s } => Trigger {
                bound: big_s - tie(big_s),
                at_bound: false,
            },
        }
    }

    /// Units ordered at inventory position `pos` when an order is placed now (whether the
    /// position triggers one is [`Levels::triggers`]): for `sQ` enough multiples of Q to lift
    /// the position above s ([`sq_multiple`], at least one, not rounded further); for the
    /// order-up-to families S − position, rounded by `sizing`. The simulator
    /// ([`crate::sim::SimPolicy::order_for`]) and the recommendations ([`crate::recommend`])
    /// both order through this; they differ only in `sizing.gap` ([`GapRule`]).
    #[inline]
    pub fn order_at(&self, pos: f64, sizing: OrderSizing) -> f64 {
        match *self {
            Self::SQ { s, q } if q > 0.0 => sq_multiple(pos, s, q) * q,
            Self::SQ { .. } => sizing.without_quantity(),
            Self::MinMax { big_s, .. } | Self::RS { big_s } | Self::RsS { big_s, .. } => {
                sizing.up_to(big_s, pos)
            }
        }
    }

    /// Stock on day 0 of a simulation (nothing on order): the top of the policy's range,
    /// s + Q for `sQ`, else S; never below 0.
    pub fn initial_stock(&self) -> f64 {
        match *self {
            Self::SQ { s, q } => s + q,
            Self::MinMax { big_s, .. } | Self::RS { big_s } | Self::RsS { big_s, .. } => big_s,
        }
        .max(0.0)
    }
}

/// A family's trigger test with its tie rule resolved ([`Levels::trigger`]): a position
/// triggers at or below the bound (reorder-point families, bound s + tie) or strictly below it
/// (`RS`, bound S − tie).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trigger {
    bound: f64,
    at_bound: bool,
}

impl Trigger {
    /// Whether inventory position `pos` triggers an order.
    #[inline]
    pub fn fires(self, pos: f64) -> bool {
        if self.at_bound {
            pos <= self.bound
        } else {
            pos < self.bound
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [PolicyKind; 4] = [
        PolicyKind::SQ,
        PolicyKind::MinMax,
        PolicyKind::RS,
        PolicyKind::RsS,
    ];

    /// Bit-equal (the values compared here are never -0.0 or NaN).
    #[track_caller]
    fn same(a: f64, b: f64) {
        assert_eq!(a.to_bits(), b.to_bits(), "{a} vs {b}");
    }

    fn sim(rounding: Option<(f64, f64)>) -> OrderSizing {
        OrderSizing {
            rounding,
            gap: GapRule::TieIsNone,
        }
    }

    fn rec(moq: f64, pack: f64) -> OrderSizing {
        OrderSizing {
            rounding: Some((moq, pack)),
            gap: GapRule::Exact,
        }
    }

    #[test]
    fn kind_is_the_family_designed_and_given() {
        for kind in ALL {
            let d = Levels::designed(kind, 50.0, 30.0);
            assert_eq!(d.kind(), kind);
            let given = GivenLevels {
                reorder_point: Some(50.0),
                order_quantity: Some(30.0),
                order_up_to: Some(80.0),
            };
            assert_eq!(Levels::from_given(kind, given).unwrap().kind(), kind);
            // The output columns round-trip through the given shape.
            assert_eq!(Levels::from_given(kind, d.into()).unwrap(), d);
        }
    }

    #[test]
    fn columns_are_the_family_levels_only() {
        let sq = Levels::designed(PolicyKind::SQ, 50.0, 30.0);
        assert_eq!(
            (sq.reorder_point(), sq.order_quantity(), sq.order_up_to()),
            (Some(50.0), Some(30.0), None)
        );
        let rs = Levels::designed(PolicyKind::RS, 50.0, 30.0);
        assert_eq!(
            (rs.reorder_point(), rs.order_quantity(), rs.order_up_to()),
            (None, None, Some(50.0))
        );
        for kind in [PolicyKind::MinMax, PolicyKind::RsS] {
            let l = Levels::designed(kind, 50.0, 30.0);
            assert_eq!(
                (l.reorder_point(), l.order_quantity(), l.order_up_to()),
                (Some(50.0), None, Some(80.0))
            );
            assert_eq!(l.gap(), Some(30.0));
            same(l.initial_stock(), 80.0);
        }
        same(sq.initial_stock(), 80.0);
        same(rs.initial_stock(), 50.0);
        same(Levels::RS { big_s: -5.0 }.initial_stock(), 0.0);
    }

    #[test]
    fn trigger_and_tie_per_family() {
        // A reorder point triggers at or below it, a position a rounding error above counting
        // as on it; RS orders only strictly below S (a rounding error below is at S).
        for kind in [PolicyKind::SQ, PolicyKind::MinMax, PolicyKind::RsS] {
            let l = Levels::designed(kind, 100.0, 50.0);
            same(l.trigger_level(), 100.0);
            assert!(l.triggers(100.0));
            assert!(l.triggers(100.0 + 5e-8));
            assert!(!l.triggers(100.0 + 2e-7));
        }
        let rs = Levels::RS { big_s: 100.0 };
        same(rs.trigger_level(), 100.0);
        assert!(!rs.triggers(100.0));
        assert!(!rs.triggers(100.0 - 5e-8));
        assert!(rs.triggers(100.0 - 2e-7));
    }

    #[test]
    fn moving_the_trigger_level_keeps_q_or_the_gap() {
        let l = Levels::MinMax {
            s: 10.0,
            big_s: 25.0,
        };
        assert_eq!(
            l.with_trigger_level(40.0),
            Levels::MinMax {
                s: 40.0,
                big_s: 55.0
            }
        );
        let q = Levels::SQ { s: 10.0, q: 7.0 };
        assert_eq!(q.with_trigger_level(3.0), Levels::SQ { s: 3.0, q: 7.0 });
        let rs = Levels::RS { big_s: 9.0 };
        assert_eq!(rs.with_trigger_level(12.0), Levels::RS { big_s: 12.0 });
    }

    #[test]
    fn simulator_and_recommendation_order_the_same_away_from_ties() {
        // One function sizes both; with the same rounding the rules agree wherever the gap
        // is clearly positive or clearly negative.
        for kind in ALL {
            let l = Levels::designed(kind, 100.0, 60.0);
            for pos in [-20.0, 0.0, 37.5, 99.0, 100.0, 140.0, 159.0, 170.0] {
                let a = l.order_at(pos, sim(Some((5.0, 12.0))));
                let b = l.order_at(pos, rec(5.0, 12.0));
                assert_eq!(a.to_bits(), b.to_bits(), "{kind} at {pos}: {a} vs {b}");
            }
        }
        // sQ: enough Qs to lift the position above s, one at a tie.
        let sq = Levels::SQ { s: 100.0, q: 30.0 };
        same(sq.order_at(100.0, sim(None)), 30.0);
        same(sq.order_at(41.0, rec(1.0, 1.0)), 60.0);
        same(sq.order_at(40.0, rec(1.0, 1.0)), 90.0);
        // Order-up-to: S − position, rounded to packs of 12 at least the MOQ.
        let mm = Levels::MinMax {
            s: 100.0,
            big_s: 160.0,
        };
        same(mm.order_at(99.0, sim(Some((5.0, 12.0)))), 72.0);
        same(mm.order_at(99.0, sim(None)), 61.0);
    }

    #[test]
    fn the_rules_differ_only_on_slivers_and_empty_q() {
        // A position a rounding error below S: the simulator orders nothing (no MOQ), the
        // recommendation one pack; with a MOQ both order the MOQ.
        let rs = Levels::RS { big_s: 100.0 };
        let pos = 100.0 - 1e-10;
        same(rs.order_at(pos, sim(Some((0.0, 6.0)))), 0.0);
        same(rs.order_at(pos, rec(0.0, 6.0)), 6.0);
        same(rs.order_at(pos, sim(Some((10.0, 6.0)))), 12.0);
        same(rs.order_at(pos, rec(10.0, 6.0)), 12.0);
        // An sQ without a positive Q: nothing in the simulator, the MOQ in a recommendation.
        let sq = Levels::SQ { s: 10.0, q: 0.0 };
        same(sq.order_at(0.0, sim(Some((4.0, 1.0)))), 0.0);
        same(sq.order_at(0.0, rec(4.0, 1.0)), 4.0);
        same(sq.order_at(0.0, rec(0.0, 1.0)), 0.0);
    }

    #[test]
    fn given_levels_are_checked_per_family() {
        let none = GivenLevels::default();
        let err = |kind| Levels::from_given(kind, none).unwrap_err().to_string();
        assert_eq!(
            err(PolicyKind::SQ),
            "reorder_point is required for the sQ policy"
        );
        assert_eq!(
            err(PolicyKind::RS),
            "order_up_to is required for the RS policy"
        );
        let inverted = GivenLevels {
            reorder_point: Some(50.0),
            order_quantity: None,
            order_up_to: Some(40.0),
        };
        assert_eq!(
            Levels::from_given(PolicyKind::RsS, inverted)
                .unwrap_err()
                .to_string(),
            "order_up_to should be above the reorder point 50, but is 40"
        );
    }
}
