//! The distribution of protection-period demand when the forecast errors' spread is
//! *estimated*: the demand-error part is Student t with the estimate's degrees of freedom,
//! the lead-time part normal.
//!
//! # Why
//! The normal method puts the trigger level at mean + k·σ, with the demand part of σ taken
//! from the forecast's rolling-origin backtest errors. That spread is itself an estimate, and a
//! poor one for a protection period of weeks: the errors of one backtest run share that run's
//! level error (the forecast starts too high or too low and stays so), so a run gives one
//! observation of the period's error however many days it has — about six per SKU with the
//! default `folds = 3` (quantile folds = 6). Service is concave in the estimate at high
//! targets: a SKU whose spread came out 30% low loses far more service than one 30% high
//! gains, so a catalogue designed with k = Φ⁻¹(p) on estimated spreads delivers less than p —
//! 2 to 5 points of cycle service on generated catalogues (benches/RESULTS.md, "Estimated
//! spreads").
//!
//! # Model
//! With ν independent observations of an error of mean 0 and σ̂² their mean square, a new
//! error is σ̂·T_ν, T_ν Student t with ν degrees of freedom (the predictive distribution). So
//!
//! ```text
//! X = μ + σ_a·T_ν + σ_b·Z
//! ```
//!
//! with σ_a² the demand errors' part of the protection-period variance (days × σ_d², plus the
//! undershoot's share from them), σ_b² the rest, taken as known (the lead time's d²·σ_L² and
//! the undershoot's variance within one step) and Z standard
//! normal. T_ν = Z′·√(ν / W) with W chi-squared with ν degrees of freedom, so X is a **scale
//! mixture of normals**: given W, X is normal with variance σ_a²·ν / W + σ_b². The mixture is
//! evaluated on [`NODES`] values of W, its quantiles at probabilities uᵢ = vᵢ² with vᵢ the
//! midpoints (i − ½) / [`NODES`], weighted 2·vᵢ / [`NODES`] (normalised to sum 1): the
//! substitution u = v² puts more nodes where W is small and the component widest, the heavy
//! tail that the expected shortage of a fill-rate target depends on. The cycle service of a
//! level is the weighted mean of the normal CDFs, the expected excess over it the weighted
//! mean of the normal excesses, the level for a cycle-service target found by bisection. ν = ∞ (a spread known exactly, as the `policy` calculator's
//! typed-in sd) is the plain normal. ν is the whole number of backtest runs, floored at
//! [`MIN_DOF`]; from [`NORMAL_DOF`] on the normal is used.
//!
//! Chi-squared quantiles come from `statrs`.

use std::sync::OnceLock;

use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::normal;

/// Fewest degrees of freedom used: a spread from one or two backtest runs would otherwise have
/// no finite variance (t₁, t₂).
pub const MIN_DOF: f64 = 3.0;

/// Degrees of freedom from which the normal is used (the t's 0.98 quantile is then within
/// 1% of the normal's).
pub const NORMAL_DOF: f64 = 200.0;

/// Chi-squared values the mixture is evaluated on.
pub const NODES: usize = 64;

/// The nodes' probabilities uᵢ = vᵢ² and weights 2·vᵢ / Σ 2·vⱼ (module docs).
fn nodes() -> impl Iterator<Item = (f64, f64)> {
    let total: f64 = (0..NODES).map(|i| i as f64 + 0.5).sum();
    (0..NODES).map(move |i| {
        let v = (i as f64 + 0.5) / NODES as f64;
        (v * v, (i as f64 + 0.5) / total)
    })
}

/// (√(ν / wᵢ), weight) at the nodes' quantiles wᵢ of χ²_ν, for whole ν from `MIN_DOF` below
/// `NORMAL_DOF` (computed once).
fn scales(dof: usize) -> &'static [(f64, f64)] {
    static TABLE: OnceLock<Vec<Vec<(f64, f64)>>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (MIN_DOF as usize..NORMAL_DOF as usize)
            .map(|v| {
                let chi = ChiSquared::new(v as f64).expect("positive degrees of freedom");
                nodes()
                    .map(|(u, weight)| ((v as f64 / chi.inverse_cdf(u)).sqrt(), weight))
                    .collect()
            })
            .collect()
    });
    &table[dof - MIN_DOF as usize]
}

/// The distribution of X − μ: σ_a·T_ν + σ_b·Z (see the module documentation), held as the
/// standard deviations and weights of its normal components.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    sds: Vec<(f64, f64)>,
}

impl Spread {
    /// X − μ for a demand-error part of standard deviation `sd_a` estimated with `dof`
    /// degrees of freedom (∞: known) and a known part of standard deviation `sd_b`.
    pub fn new(sd_a: f64, dof: f64, sd_b: f64) -> Self {
        let (va, vb) = (sd_a * sd_a, sd_b * sd_b);
        // A demand-error part lost in rounding (a billionth of the variance) is none.
        let sds = if va > 1e-9 * (va + vb) && dof.is_finite() && dof < NORMAL_DOF {
            let v = dof.max(MIN_DOF).floor() as usize;
            scales(v)
                .iter()
                .map(|&(c, weight)| ((va * c * c + vb).sqrt(), weight))
                .collect()
        } else {
            vec![((va + vb).sqrt(), 1.0)]
        };
        Self { sds }
    }

    /// Whether the spread is estimated (a t part), not normal.
    pub fn is_estimated(&self) -> bool {
        self.sds.len() > 1
    }

    /// P(X − μ ≤ `x`).
    pub fn cdf(&self, x: f64) -> f64 {
        self.mean_over(|sd| {
            if sd > 0.0 {
                normal::cdf(x / sd)
            } else if x >= 0.0 {
                1.0
            } else {
                0.0
            }
        })
    }

    /// E[(X − μ − `x`)⁺]: the expected units above μ + x.
    pub fn excess(&self, x: f64) -> f64 {
        self.mean_over(|sd| normal::excess(0.0, sd, x))
    }

    /// The smallest x with P(X − μ ≤ x) ≥ `p` (p in (0, 1)): the safety stock of a
    /// cycle-service target.
    pub fn quantile(&self, p: f64) -> f64 {
        if !self.is_estimated() {
            return self.sds[0].0 * normal::z_for_cycle_service(p);
        }
        // Bracket between the narrowest and widest components' quantiles.
        let z = normal::z_for_cycle_service(p);
        let (lo_sd, hi_sd) = self
            .sds
            .iter()
            .fold((f64::INFINITY, 0.0_f64), |(a, b), &(s, _)| {
                (a.min(s), b.max(s))
            });
        let (mut lo, mut hi) = if z >= 0.0 {
            (z * lo_sd, z * hi_sd)
        } else {
            (z * hi_sd, z * lo_sd)
        };
        for _ in 0..200 {
            if hi - lo <= 1e-12 * hi.abs().max(1.0) {
                break;
            }
            let mid = 0.5 * (lo + hi);
            if self.cdf(mid) >= p {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }

    fn mean_over(&self, f: impl Fn(f64) -> f64) -> f64 {
        self.sds.iter().map(|&(s, weight)| weight * f(s)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{Continuous, StudentsT};

    /// Without a known part the mixture is σ_a·T_ν: its CDF, quantiles and excess against
    /// statrs' Student t (CDF, inverse CDF) and the t loss function
    /// G_ν(k) = (ν + k²)/(ν − 1)·f_ν(k) − k·(1 − F_ν(k)) (closed form).
    #[test]
    fn without_a_known_part_it_is_students_t() {
        for &v in &[3.0, 6.0, 12.0] {
            let t = StudentsT::new(0.0, 1.0, v).unwrap();
            let s = Spread::new(2.0, v, 0.0);
            for &p in &[0.8, 0.9, 0.95, 0.98] {
                let exact = 2.0 * t.inverse_cdf(p);
                let got = s.quantile(p);
                assert!(
                    (got / exact - 1.0).abs() < 0.01,
                    "ν {v} p {p}: {got} vs {exact}"
                );
            }
            for &k in &[0.0, 1.0, 2.0] {
                assert!((s.cdf(2.0 * k) - t.cdf(k)).abs() < 0.003, "ν {v} k {k}");
                let g = (v + k * k) / (v - 1.0) * t.pdf(k) - k * (1.0 - t.cdf(k));
                let got = s.excess(2.0 * k) / 2.0;
                assert!((got / g - 1.0).abs() < 0.02, "ν {v} k {k}: {got} vs {g}");
            }
        }
    }

    /// With a known normal part: the CDF against numerical integration of
    /// F_ν((x − σ_b·z) / σ_a)·φ(z) over z (Simpson, 4,000 steps on ±10).
    #[test]
    fn with_a_known_part_it_is_the_convolution() {
        let (sa, sb, v) = (1.0, 0.8, 6.0);
        let t = StudentsT::new(0.0, 1.0, v).unwrap();
        let s = Spread::new(sa, v, sb);
        for &x in &[0.5, 1.5, 2.5, 3.5] {
            let n = 4000_u32;
            let h = 20.0 / f64::from(n);
            let f = |z: f64| t.cdf((x - sb * z) / sa) * (-0.5 * z * z).exp();
            let mut acc = f(-10.0) + f(10.0);
            for i in 1..n {
                let z = -10.0 + f64::from(i) * h;
                acc += if i % 2 == 1 { 4.0 } else { 2.0 } * f(z);
            }
            let exact = acc * h / 3.0 / (2.0 * std::f64::consts::PI).sqrt();
            assert!(
                (s.cdf(x) - exact).abs() < 0.003,
                "x {x}: {} vs {exact}",
                s.cdf(x)
            );
        }
    }

    #[test]
    fn known_spread_is_the_normal_and_fewer_runs_widen() {
        let known = Spread::new(3.0, f64::INFINITY, 4.0);
        assert!(!known.is_estimated());
        assert!((known.quantile(0.95) - 5.0 * 1.644_853_6).abs() < 1e-6);
        assert!((known.excess(0.0) - 5.0 * normal::loss(0.0)).abs() < 1e-12);
        let q = |v: f64| Spread::new(3.0, v, 4.0).quantile(0.95);
        assert!(q(6.0) > q(30.0) && q(30.0) > known.quantile(0.95));
        // The floor: one run counts as MIN_DOF.
        assert!((q(1.0) - q(MIN_DOF)).abs() < 1e-12);
    }
}
