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
//! # Skew
//! Demand is never negative, and its sum over a protection period is skewed to the right:
//! a day's demand of coefficient of variation 1.3 (typical of erratic SKUs) summed over 16
//! days has skewness 2·1.3/√16 ≈ 0.65, and a lead time that is long one cycle in ten adds
//! more. A normal of the same mean and variance then puts too little probability in the
//! upper tail that cycle service and the expected shortage depend on: in the project's own
//! simulator, gamma demand of 5 ± 6.7 a day with L = 17.4 ± 14.4 days designed normally for
//! 97% cycle service delivers 95.1%. With `DemandShape::Gamma` (the plan's default,
//! [`crate::policy::DemandShape`]) each component keeps its mean and variance and gets
//! the third cumulant of a compound sum, D(n) = Σ over a random number of days of a
//! gamma-shaped demand part:
//!
//! ```text
//! κ₃ = 2·v_a² / μ + 3·v_a·σ_b² / μ + d³·κ₃(L)
//! ```
//!
//! the demand part's own skew (a gamma of mean μ and variance v_a), the lead time's spread
//! scaling the demand variance (the cross term of a random sum), and the lead time's own
//! skew (κ₃(L), its third central moment, from the purchase-order sample or the whole-day
//! normal). A **shifted gamma** with that mean, variance and κ₃ stands in for the normal
//! (three moments matched; the gamma's own when the lead time is fixed). Its CDF is the
//! regularized incomplete gamma function of `statrs`, or, from shape 50 on, where the series
//! is slow and the gamma nearly normal, the Wilson–Hilferty cube-root normal (CDF error
//! below 1e-4); the expected excess E[(X − c)⁺] = θ·(k·P(G_{k+1} > z) − z·P(G_k > z)) follows
//! from two CDFs. With the skew the same simulator case delivers 97.0%.
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
/// standard deviations and weights of its normal components — or, with a skewed demand part
/// ([`Spread::skewed`]), of shifted gammas with those means and variances.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    sds: Vec<(f64, f64)>,
    /// The known part's variance σ_b².
    known_var: f64,
    /// With a skewed demand part: per component, the shifted gamma with the component's
    /// mean (0), variance and third cumulant, or `None` where the component has no positive
    /// skew (it stays normal). Empty for the symmetric spread.
    gammas: Vec<Option<ShiftedGamma>>,
}

/// shift + θ·G, G gamma with shape k and scale 1: the distribution with a given mean, variance
/// v and positive third cumulant κ₃ (θ = κ₃ / (2v), k = v / θ², shift = mean − k·θ).
#[derive(Debug, Clone, Copy, PartialEq)]
struct ShiftedGamma {
    k: f64,
    theta: f64,
    shift: f64,
}

impl ShiftedGamma {
    /// Mean 0, variance `var` and third cumulant `k3` (> 0).
    /// `None` where the parameters leave floating point (a skew so large against the
    /// variance that k underflows to 0, or values that overflow): the normal stands in.
    fn centred(var: f64, k3: f64) -> Option<Self> {
        let theta = k3 / (2.0 * var);
        let k = var / (theta * theta);
        let shift = -k * theta;
        (theta > 0.0 && theta.is_finite() && k > 0.0 && k.is_finite() && shift.is_finite())
            .then_some(Self { k, theta, shift })
    }

    /// P(X ≤ c).
    fn cdf(&self, c: f64) -> f64 {
        gamma_cdf(self.k, (c - self.shift) / self.theta, self.k)
    }

    /// E[(X − c)⁺] = θ·(k·P(G′ > z) − z·P(G > z)), z = (c − shift) / θ, G′ of shape k + 1.
    fn excess(&self, c: f64) -> f64 {
        let z = (c - self.shift) / self.theta;
        if z <= 0.0 {
            return self.theta * (self.k - z);
        }
        // Both shapes by the same method (chosen by k), so the difference is not a switch's.
        let upper = |k: f64| 1.0 - gamma_cdf(k, z, self.k);
        (self.theta * (self.k * upper(self.k + 1.0) - z * upper(self.k))).max(0.0)
    }
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
        Self {
            sds,
            known_var: vb,
            gammas: Vec::new(),
        }
    }

    /// The same spread with a **right-skewed demand part** (module docs, "Skew"): every
    /// component keeps its mean and variance and gets the third cumulant
    /// (2·v_a² + 3·v_a·`lead_time_var`) / `mean` + `known_third_cumulant`, v_a its demand
    /// part's variance, matched by a shifted gamma. `mean` is the protection demand's mean μ;
    /// `lead_time_var` the lead time's share of the known variance, d²·σ_L² (at most the
    /// known part's; the rest, the undershoot's within one step, adds no cross term);
    /// `known_third_cumulant` is the known part's own (d³·κ₃(L) of the lead time's skew); a
    /// negative one (lead times skewed to the left) counts as 0, since a shifted gamma leans
    /// right only. Unchanged when `mean` is not positive; a component whose gamma would leave
    /// floating point (a skew vastly larger than its variance) stays normal.
    pub fn skewed(mut self, mean: f64, lead_time_var: f64, known_third_cumulant: f64) -> Self {
        if !(mean > 0.0 && mean.is_finite()) {
            return self;
        }
        let known = known_third_cumulant.max(0.0);
        let lead = lead_time_var.clamp(0.0, self.known_var);
        self.gammas = self
            .sds
            .iter()
            .map(|&(sd, _)| {
                let var = sd * sd;
                let va = (var - self.known_var).max(0.0);
                let k3 = (2.0 * va * va + 3.0 * va * lead) / mean + known;
                // A skew lost in rounding is none: the normal is then exact enough.
                (var > 0.0 && k3 > 1e-6 * var * var.sqrt())
                    .then(|| ShiftedGamma::centred(var, k3))
                    .flatten()
            })
            .collect();
        self
    }

    /// Whether the spread is estimated (a t part), not normal.
    pub fn is_estimated(&self) -> bool {
        self.sds.len() > 1
    }

    /// P(X − μ ≤ `x`).
    pub fn cdf(&self, x: f64) -> f64 {
        self.mean_over(
            |sd| {
                if sd > 0.0 {
                    normal::cdf(x / sd)
                } else if x >= 0.0 {
                    1.0
                } else {
                    0.0
                }
            },
            |g| g.cdf(x),
        )
    }

    /// E[(X − μ − `x`)⁺]: the expected units above μ + x.
    pub fn excess(&self, x: f64) -> f64 {
        self.mean_over(|sd| normal::excess(0.0, sd, x), |g| g.excess(x))
    }

    /// The smallest x with P(X − μ ≤ x) ≥ `p` (p in (0, 1)): the safety stock of a
    /// cycle-service target.
    pub fn quantile(&self, p: f64) -> f64 {
        if !self.is_estimated() && self.gammas.is_empty() {
            return self.sds[0].0 * normal::z_for_cycle_service(p);
        }
        // Bracket between the narrowest and widest components' normal quantiles.
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
        if !self.gammas.is_empty() {
            // Skewed components: widen the bracket by doubling steps until it holds the
            // quantile.
            let widen = |mut at: f64, sign: f64, done: &dyn Fn(f64) -> bool| {
                let mut step = hi_sd.max(f64::MIN_POSITIVE);
                for _ in 0..2100 {
                    if done(at) {
                        break;
                    }
                    at += sign * step;
                    step *= 2.0;
                }
                at
            };
            lo = widen(lo, -1.0, &|x| self.cdf(x) <= p);
            hi = widen(hi, 1.0, &|x| self.cdf(x) >= p);
        }
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

    /// The components' weighted mean of `normal(sd)`, or of `skewed(gamma)` where the
    /// component is a shifted gamma.
    fn mean_over(&self, normal: impl Fn(f64) -> f64, skewed: impl Fn(&ShiftedGamma) -> f64) -> f64 {
        self.sds
            .iter()
            .enumerate()
            .map(|(i, &(s, weight))| {
                weight
                    * match self.gammas.get(i).copied().flatten() {
                        Some(g) => skewed(&g),
                        None => normal(s),
                    }
            })
            .sum()
    }
}

/// Shapes from which the Wilson–Hilferty cube-root normal stands in for the incomplete gamma
/// function (its CDF error is then about 1e-4 or less, where the series would need hundreds
/// of terms).
const WILSON_HILFERTY_SHAPE: f64 = 50.0;

/// P(G ≤ z) for G gamma with shape `k` and scale 1: the regularized lower incomplete gamma
/// function (`statrs`), or the Wilson–Hilferty approximation when `by` (the shape that
/// decides the method, so that the shapes k and k + 1 of one excess take the same) is at
/// least [`WILSON_HILFERTY_SHAPE`].
fn gamma_cdf(k: f64, z: f64, by: f64) -> f64 {
    if z <= 0.0 || z.is_nan() {
        return 0.0;
    }
    if z.is_infinite() {
        return 1.0;
    }
    if by >= WILSON_HILFERTY_SHAPE {
        let c = 1.0 / (9.0 * k);
        return normal::cdf(((z / k).cbrt() - (1.0 - c)) / c.sqrt());
    }
    statrs::function::gamma::gamma_lr(k, z)
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

    /// Without a known part and with the spread known, the skewed spread is the gamma of
    /// mean μ and the spread's variance: its CDF and quantiles against statrs' gamma, its
    /// excess against numerical integration of the gamma's survival function
    /// (E[(X − c)⁺] = ∫_c^∞ P(X > t) dt, Simpson). Shapes below and above the
    /// Wilson–Hilferty switch (k = 4 and k = 400).
    #[test]
    fn skewed_without_a_known_part_is_the_gamma() {
        use statrs::distribution::Gamma;
        for &(mu, sd) in &[(20.0, 10.0), (400.0, 20.0)] {
            let (k, rate) = (mu * mu / (sd * sd), mu / (sd * sd));
            let g = Gamma::new(k, rate).unwrap();
            let s = Spread::new(sd, f64::INFINITY, 0.0).skewed(mu, 0.0, 0.0);
            for &x in &[-0.5 * sd, 0.0, sd, 2.5 * sd] {
                assert!((s.cdf(x) - g.cdf(mu + x)).abs() < 2e-4, "μ {mu} x {x}");
                let c = mu + x;
                let n = 20_000_u32;
                let h = (mu + 30.0 * sd - c) / f64::from(n);
                let surv = |t: f64| 1.0 - g.cdf(t);
                let mut acc = surv(c) + surv(c + f64::from(n) * h);
                for i in 1..n {
                    acc += if i % 2 == 1 { 4.0 } else { 2.0 } * surv(c + f64::from(i) * h);
                }
                let exact = acc * h / 3.0;
                assert!(
                    (s.excess(x) - exact).abs() < 2e-3 * sd,
                    "μ {mu} x {x}: {} vs {exact}",
                    s.excess(x)
                );
            }
            for &p in &[0.5, 0.9, 0.97, 0.995] {
                let exact = g.inverse_cdf(p) - mu;
                assert!((s.quantile(p) - exact).abs() < 1e-3 * sd, "μ {mu} p {p}");
            }
        }
    }

    /// A shifted gamma keeps the mean, variance and third cumulant it was given: checked by
    /// integrating x, x² and x³ against its density (the CDF differenced on a fine grid).
    #[test]
    fn shifted_gamma_matches_three_moments() {
        let (var, k3) = (9.0, 20.0);
        let g = ShiftedGamma::centred(var, k3).unwrap();
        let (lo, hi, n) = (g.shift, 60.0, 200_000);
        let h = (hi - lo) / f64::from(n);
        let (mut m1, mut m2, mut m3) = (0.0, 0.0, 0.0);
        for i in 0..n {
            let (a, b) = (lo + f64::from(i) * h, lo + f64::from(i + 1) * h);
            let p = g.cdf(b) - g.cdf(a);
            let x = 0.5 * (a + b);
            m1 += p * x;
            m2 += p * x * x;
            m3 += p * x * x * x;
        }
        assert!(m1.abs() < 1e-3, "mean {m1}");
        assert!((m2 - var).abs() < 1e-2, "variance {m2}");
        assert!((m3 - k3).abs() < 0.1, "third cumulant {m3}");
    }

    /// The skew raises the upper quantiles and the expected excess above the normal's, and a
    /// larger known part (the lead time's, symmetric) with the same total variance skews less.
    #[test]
    fn skew_lifts_the_upper_tail_and_a_symmetric_part_dilutes_it() {
        let normal = Spread::new(30.0, 6.0, 0.0);
        let skewed = Spread::new(30.0, 6.0, 0.0).skewed(90.0, 0.5 * 900.0, 0.0);
        assert!(skewed.quantile(0.97) > normal.quantile(0.97));
        assert!(skewed.excess(2.0 * 30.0) > normal.excess(2.0 * 30.0));
        assert!(skewed.quantile(0.5) < normal.quantile(0.5)); // the median below the mean
        let diluted = Spread::new(30.0 * 0.5f64.sqrt(), 6.0, 30.0 * 0.5f64.sqrt()).skewed(
            90.0,
            0.5 * 900.0,
            0.0,
        );
        let q = |s: &Spread| s.quantile(0.97);
        let plain = Spread::new(30.0 * 0.5f64.sqrt(), 6.0, 30.0 * 0.5f64.sqrt());
        assert!(q(&plain) < q(&diluted) && q(&diluted) < q(&skewed));
        // A lead time's own skew adds to it.
        let late = Spread::new(30.0 * 0.5f64.sqrt(), 6.0, 30.0 * 0.5f64.sqrt()).skewed(
            90.0,
            0.5 * 900.0,
            5e4,
        );
        assert!(q(&late) > q(&diluted));
    }

    proptest::proptest! {
        /// For any spread, skewed or not, estimated or known, tiny or huge: the quantile is a
        /// level whose CDF reaches p and just below which it does not, and the expected excess
        /// falls as the level rises. (A bracket that widened by a fixed step once took hours
        /// for a SKU whose spread was a millionth of a unit.)
        #[test]
        fn quantiles_and_excesses_are_consistent(
            sd_a in 1e-6f64..1e4,
            sd_b in 0.0f64..1e4,
            dof in proptest::prop_oneof![proptest::strategy::Just(f64::INFINITY), 1.0f64..300.0],
            mean_scale in 0.01f64..100.0,
            known_k3 in 0.0f64..1e6,
            p in 0.05f64..0.999,
            skew in proptest::bool::ANY,
        ) {
            let mut s = Spread::new(sd_a, dof, sd_b);
            if skew {
                s = s.skewed(mean_scale * (sd_a + sd_b), sd_b * sd_b, known_k3);
            }
            let q = s.quantile(p);
            proptest::prop_assert!(q.is_finite());
            proptest::prop_assert!(s.cdf(q) >= p - 1e-9, "cdf(q) {} < p {p}", s.cdf(q));
            let below = q - 1e-6 * (sd_a + sd_b).max(1e-9) - 1e-9 * q.abs();
            proptest::prop_assert!(s.cdf(below) <= p + 1e-9, "cdf below q {} > p {p}", s.cdf(below));
            let (e1, e2) = (s.excess(q), s.excess(q + sd_a + sd_b));
            proptest::prop_assert!(e1.is_finite() && e2 >= 0.0 && e2 <= e1 + 1e-9 * e1.abs());
        }
    }

    /// Extreme inputs the calculator accepts stay finite and never panic: a mean so small that
    /// the gamma's shape underflows (statrs would panic at shape 0), and a spread so large that
    /// the third cumulant overflows — both fall back to the normal.
    #[test]
    fn extreme_spreads_fall_back_to_the_normal() {
        let tiny_mean = Spread::new(4.0, f64::INFINITY, 0.0).skewed(1.6e-199, 0.0, 0.0);
        let q = tiny_mean.quantile(0.95);
        assert!(
            (q - 4.0 * normal::z_for_cycle_service(0.95)).abs() < 1e-9,
            "{q}"
        );
        let huge = Spread::new(1e100, f64::INFINITY, 0.0).skewed(1.0, 0.0, 0.0);
        let q = huge.quantile(0.95);
        assert!(q.is_finite() && (q / 1e100 - normal::z_for_cycle_service(0.95)).abs() < 1e-9);
        assert!(huge.excess(0.0).is_finite());
    }
}
