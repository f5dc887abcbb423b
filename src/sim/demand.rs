//! Daily demand for the simulation: parametric distributions (for the one-SKU calculator),
//! the forecast with its own backtest errors (the planner's model), or a block bootstrap of
//! the SKU's history.
//!
//! | model | a day's demand |
//! |---|---|
//! | `normal` | max(0, N(mean, sd)) |
//! | `gamma` | Gamma with the given mean and sd (sd 0: the mean) |
//! | `poisson` | Poisson(mean) |
//! | `negbin` | negative binomial with the given mean and sd (a gamma–Poisson mixture; Poisson when sd² ≤ mean) |
//! | `intermittent` | occurrence × size: demand on a day with probability p, then a gamma size with the mean and sd that give the daily mean and sd (constant size when the sd is too small for that) |
//! | forecast | max(0, forecast for the day + a backtest error), errors resampled in blocks of up to 14 consecutive days (as the empirical safety stock does); an imputed (stocked-out) backtest day adds a fresh draw of the demand its imputed mean leaves out ([`crate::policy::empirical::Censored`]); beyond the forecast horizon the last day's rate repeats |
//! | history | the SKU's daily history, resampled in blocks of 28 days that keep the weekday (so weekly pattern and intermittency survive) |
//!
//! A demand surge multiplies the day's demand inside its window.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, Normal, Poisson};

use crate::policy::empirical::{BlockCursor, ErrorPaths, ErrorRun};

/// Block length of the history bootstrap (days; a multiple of 7).
pub const HISTORY_BLOCK_DAYS: usize = 28;

/// The distribution family of parametric demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemandDist {
    /// Normal, truncated at 0.
    Normal,
    /// Gamma.
    Gamma,
    /// Poisson (sd ignored).
    Poisson,
    /// Negative binomial.
    NegBin,
    /// Occurrence × size (needs the probability of a demand day).
    Intermittent,
}

impl std::str::FromStr for DemandDist {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "normal" => Ok(Self::Normal),
            "gamma" => Ok(Self::Gamma),
            "poisson" => Ok(Self::Poisson),
            "negbin" | "negative_binomial" => Ok(Self::NegBin),
            "intermittent" => Ok(Self::Intermittent),
            _ => Err(format!(
                "unknown demand distribution '{s}'; use normal, gamma, poisson, negbin or intermittent"
            )),
        }
    }
}

#[derive(Debug, Clone)]
enum Kind<'a> {
    Constant(f64),
    Normal(Normal<f64>),
    Gamma(Gamma<f64>),
    Poisson(Poisson<f64>),
    NegBin(Gamma<f64>),
    Intermittent {
        p: f64,
        size: Option<Gamma<f64>>,
        size_mean: f64,
    },
    Forecast {
        rate: &'a [f64],
        /// Non-empty error runs with their imputed days' records (empty where none).
        paths: Vec<ErrorRun<'a>>,
    },
    History(&'a [f64]),
}

/// A demand model for one SKU, with an optional surge window.
#[derive(Debug, Clone)]
pub struct DemandSampler<'a> {
    kind: Kind<'a>,
    /// (first day, end day exclusive, multiplier).
    surge: Option<(u32, u32, f64)>,
}

/// Position in the current bootstrap block (`default()` at the start of a replication).
#[derive(Debug, Clone, Default)]
pub struct DemandState {
    /// The forecast's error blocks (shared with the empirical Monte Carlo).
    errors: BlockCursor,
    /// The history bootstrap's next day and block end.
    pos: usize,
    end: usize,
}

impl<'a> DemandSampler<'a> {
    /// Parametric demand per day with `mean` and `sd`.
    pub fn parametric(dist: DemandDist, mean: f64, sd: f64) -> Self {
        let mean = mean.max(0.0);
        let sd = sd.max(0.0);
        let kind = if mean <= 0.0 {
            Kind::Constant(0.0)
        } else {
            match dist {
                DemandDist::Normal if sd > 0.0 => {
                    Kind::Normal(Normal::new(mean, sd).expect("finite normal"))
                }
                DemandDist::Gamma if sd > 0.0 => {
                    let shape = mean * mean / (sd * sd);
                    Kind::Gamma(Gamma::new(shape, mean / shape).expect("positive gamma"))
                }
                DemandDist::Poisson => Kind::Poisson(Poisson::new(mean).expect("positive mean")),
                DemandDist::NegBin if sd * sd > mean => {
                    let r = mean * mean / (sd * sd - mean);
                    Kind::NegBin(Gamma::new(r, mean / r).expect("positive gamma"))
                }
                DemandDist::NegBin => Kind::Poisson(Poisson::new(mean).expect("positive mean")),
                // Without an occurrence probability: demand every day.
                DemandDist::Intermittent => return Self::intermittent(mean, sd, 1.0),
                _ => Kind::Constant(mean),
            }
        };
        Self { kind, surge: None }
    }

    /// Occurrence × size: demand on a day with probability `p` in (0, 1], sizes gamma with
    /// mean `mean / p` and the variance that makes the daily sd `sd`
    /// (E[S²] = (sd² + mean²) / p); a constant size when that variance is not positive.
    pub fn intermittent(mean: f64, sd: f64, p: f64) -> Self {
        let p = p.clamp(1e-9, 1.0);
        let mean = mean.max(0.0);
        let size_mean = mean / p;
        let var = (sd * sd + mean * mean) / p - size_mean * size_mean;
        let size = (var > 1e-12 && size_mean > 0.0).then(|| {
            let shape = size_mean * size_mean / var;
            Gamma::new(shape, size_mean / shape).expect("positive gamma")
        });
        Self {
            kind: Kind::Intermittent { p, size, size_mean },
            surge: None,
        }
    }

    /// The forecast per day plus resampled backtest errors per day (an imputed day's error
    /// plus a fresh draw of its left-out demand, [`crate::policy::empirical::Censored::noise`]).
    pub fn forecast(rate: &'a [f64], error_paths: &'a ErrorPaths) -> Self {
        Self {
            kind: Kind::Forecast {
                rate,
                paths: error_paths.runs(),
            },
            surge: None,
        }
    }

    /// A block bootstrap of the daily history (last day = the day before day 0).
    pub fn history(values: &'a [f64]) -> Self {
        Self {
            kind: if values.is_empty() {
                Kind::Constant(0.0)
            } else {
                Kind::History(values)
            },
            surge: None,
        }
    }

    /// The same sampler with a `'static` lifetime, for parametric (and constant) demand.
    ///
    /// # Panics
    /// For forecast or history samplers, which borrow their data.
    pub fn into_owned_parametric(self) -> DemandSampler<'static> {
        let kind = match self.kind {
            Kind::Constant(v) => Kind::Constant(v),
            Kind::Normal(n) => Kind::Normal(n),
            Kind::Gamma(g) => Kind::Gamma(g),
            Kind::Poisson(p) => Kind::Poisson(p),
            Kind::NegBin(g) => Kind::NegBin(g),
            Kind::Intermittent { p, size, size_mean } => Kind::Intermittent { p, size, size_mean },
            Kind::Forecast { .. } | Kind::History(_) => {
                panic!("only parametric demand can be made 'static")
            }
        };
        DemandSampler {
            kind,
            surge: self.surge,
        }
    }

    /// Draws `n` days of demand (for checks of the distribution).
    pub fn draw_days(&self, rng: &mut ChaCha8Rng, n: u32) -> Vec<f64> {
        let mut st = DemandState::default();
        (0..n).map(|t| self.sample(&mut st, rng, t)).collect()
    }

    /// Multiplies demand by `factor` on days `start .. start + days`.
    pub fn with_surge(mut self, start: u32, days: u32, factor: f64) -> Self {
        self.surge = Some((start, start.saturating_add(days), factor));
        self
    }

    /// Demand on day `t`.
    #[inline]
    pub fn sample(&self, st: &mut DemandState, rng: &mut ChaCha8Rng, t: u32) -> f64 {
        self.surged(self.sample_base(st, rng, t), t)
    }

    /// `base` demand on day `t` with the surge applied (unchanged outside the surge window).
    #[inline]
    pub fn surged(&self, base: f64, t: u32) -> f64 {
        match self.surge {
            Some((a, b, f)) if t >= a && t < b => base * f,
            _ => base,
        }
    }

    /// The surge window and factor, if any: (first day, end day exclusive, multiplier).
    pub fn surge(&self) -> Option<(u32, u32, f64)> {
        self.surge
    }

    /// Writes days `0 .. out.len()` of one replication's demand before any surge (a surge
    /// only multiplies days, so one path serves every scenario of a SKU).
    pub fn draw_base_path(&self, rng: &mut ChaCha8Rng, out: &mut [f64]) {
        let mut st = DemandState::default();
        for (t, d) in out.iter_mut().enumerate() {
            *d = self.sample_base(&mut st, rng, t as u32);
        }
    }

    /// Demand on day `t` before any surge.
    #[inline]
    fn sample_base(&self, st: &mut DemandState, rng: &mut ChaCha8Rng, t: u32) -> f64 {
        let d = match &self.kind {
            Kind::Constant(v) => *v,
            Kind::Normal(n) => n.sample(rng).max(0.0),
            Kind::Gamma(g) => g.sample(rng),
            Kind::Poisson(p) => p.sample(rng),
            Kind::NegBin(g) => {
                let lambda = g.sample(rng);
                if lambda > 0.0 {
                    Poisson::new(lambda).map_or(0.0, |p| p.sample(rng))
                } else {
                    0.0
                }
            }
            Kind::Intermittent { p, size, size_mean } => {
                if rng.random::<f64>() < *p {
                    size.as_ref().map_or(*size_mean, |g| g.sample(rng))
                } else {
                    0.0
                }
            }
            Kind::Forecast { rate, paths } => {
                let r = rate.get(t as usize).or(rate.last()).copied().unwrap_or(0.0);
                (r + st.errors.next(paths, rng)).max(0.0)
            }
            Kind::History(values) => {
                if st.pos >= st.end {
                    let n = values.len();
                    if n < HISTORY_BLOCK_DAYS + 7 {
                        st.pos = 0;
                        st.end = n;
                    } else {
                        // A block start on the same weekday as day t: index j with
                        // j ≡ n + t (mod 7), since index n − 1 is the day before day 0.
                        let want = (n + t as usize) % 7;
                        let slots = (n - HISTORY_BLOCK_DAYS - want) / 7 + 1;
                        st.pos = want + 7 * rng.random_range(0..slots);
                        st.end = st.pos + HISTORY_BLOCK_DAYS;
                    }
                }
                let v = values[st.pos].max(0.0);
                st.pos += 1;
                v
            }
        };
        // Demand below a billionth of a unit is none: forecasts that decay towards zero
        // (TSB on a dead SKU) otherwise reach subnormal numbers, which make every
        // floating-point operation on them ~100x slower.
        if d < 1e-9 {
            0.0
        } else {
            d
        }
    }
}
