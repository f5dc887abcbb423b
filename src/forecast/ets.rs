//! AutoETS: exponential smoothing state-space models (Hyndman et al. 2008, ch. 2), the form
//! chosen by AICc: six additive-error forms for every series, and nine multiplicative-error ones
//! (in the child module `multiplicative`) for strictly positive series.
//!
//! Additive-error forms — trend none (N), additive (A) or damped (Ad), season none (N) or
//! additive (A):
//!
//! | form | smoothing parameters | initial states |
//! |---|---|---|
//! | ETS(A,N,N) | α | l₀ |
//! | ETS(A,A,N) | α, β | l₀, b₀ |
//! | ETS(A,Ad,N) | α, β, φ | l₀, b₀ |
//! | ETS(A,N,A) | α, γ | l₀, s₀ … s₍ₘ₋₂₎ |
//! | ETS(A,A,A) | α, β, γ | l₀, b₀, s₀ … s₍ₘ₋₂₎ |
//! | ETS(A,Ad,A) | α, β, γ, φ | l₀, b₀, s₀ … s₍ₘ₋₂₎ |
//!
//! Recursions (one-step forecast, then the error corrects every state):
//!
//! ```text
//! ŷ_t  = l_{t−1} + φ·b_{t−1} + s_{t−m}          e_t = y_t − ŷ_t
//! l_t  = l_{t−1} + φ·b_{t−1} + α·e_t
//! b_t  = φ·b_{t−1} + β·e_t
//! s_t  = s_{t−m} + γ·e_t
//! h steps ahead: l_n + (φ + … + φʰ)·b_n + s_{n+h−m·k}   (k the number of whole seasons in h−1, plus 1)
//! ```
//!
//! (φ = 1 for an undamped trend; b and s are absent in forms without them.)
//!
//! | parameter | range (statsforecast's and R's "usual" region) |
//! |---|---|
//! | α | [0.0001, 0.9999] |
//! | β | [0.0001·α, 0.9999·α] (searched as β/α) |
//! | γ | [0.0001·(1 − α), 0.9999·(1 − α)] (searched as γ/(1 − α)) |
//! | φ | [0.8, 0.98] |
//!
//! **Estimation.** Additive-error ETS maximises its likelihood by minimising the in-sample sum of
//! squared one-step errors. For fixed smoothing parameters the recursions are linear, so the
//! errors are affine in the initial states and the best initial states are an exact
//! least-squares solution (statsforecast and R search them numerically, alongside the smoothing
//! parameters); the seasonal initial states sum to zero (m − 1 free). The smoothing parameters
//! are found by cyclic coordinate descent with Brent line searches in the box above
//! ([`minimise_screened`]), from the best of six starting values of α.
//!
//! **Multiplicative forms.** On a strictly positive, non-constant series the nine forms
//! ETS(M,N/A/Ad,N/A/M) are fitted too ([`Form::MULTIPLICATIVE`]): multiplicative (relative)
//! errors, whose likelihood adds 2·Σ ln ŷ_t, and an additive or multiplicative season. As R's
//! `ets` does by default, additive error with a multiplicative season (unstable) and
//! multiplicative trends are not offered. Their smoothing parameters and initial states are
//! searched together by Levenberg–Marquardt on the likelihood written as a sum of squares, in
//! the same box, restricted to the admissible region; see the child module. Series with a zero or negative bucket (most daily demand) get the additive
//! forms only, at the same cost as before. Point forecasts of a multiplicative season are
//! (l_n + (φ + … + φʰ)·b_n)·s_{n+h−m·k}. Prediction intervals are not taken from the model:
//! replenish's quantiles come from the backtest errors of the chosen model, for every model
//! (`super::select`), so no analytic or simulated ETS interval is needed.
//!
//! **Selection.** Every form the data supports is fitted and the lowest AICc wins:
//! `AICc = n·ln(SSE/n) + n·(1 + ln 2π) + 2k + 2k(k + 1)/(n − k − 1)` with k = smoothing
//! parameters + free initial states + 1 (the error variance), as statsforecast and R count them.
//! A form is fitted only when n ≥ k + 3 (R's `n > npars + 4` rule, npars not counting the
//! variance). Seasonal forms need a seasonal period m in 2..=24 (R and statsforecast allow no
//! longer periods: the initial seasonal states would dominate the parameter count) and at least
//! two full seasons.
//!
//! Fitted on the most recent [`super::theta::MAX_FIT`] buckets.

use super::{FittedForecaster, ForecastError, Forecaster};

mod multiplicative;

/// Longest seasonal period for the seasonal forms.
pub const MAX_SEASON: usize = 24;

/// Trend component of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    /// No trend.
    None,
    /// Additive trend (φ = 1).
    Additive,
    /// Damped additive trend (φ estimated in [0.8, 0.98]).
    Damped,
}

/// One ETS form: error, trend and season components.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Form {
    /// Trend component.
    pub trend: Trend,
    /// Whether the form has a season (additive, or multiplicative when
    /// `multiplicative_season`).
    pub seasonal: bool,
    /// Multiplicative (relative) errors instead of additive ones; strictly positive data only.
    pub multiplicative_error: bool,
    /// Multiplicative season (indices averaging 1); strictly positive data only.
    pub multiplicative_season: bool,
}

impl Form {
    /// The six additive-error forms, simplest first.
    pub const ADDITIVE: [Form; 6] = [
        Form::new(Trend::None, false),
        Form::new(Trend::Additive, false),
        Form::new(Trend::Damped, false),
        Form::new(Trend::None, true),
        Form::new(Trend::Additive, true),
        Form::new(Trend::Damped, true),
    ];

    /// The nine multiplicative-error forms offered for strictly positive series, simplest
    /// first: season none, additive or multiplicative. Additive error with a multiplicative
    /// season and every multiplicative trend are left out, as R's `ets` does by default
    /// (`restrict = TRUE`, `allow.multiplicative.trend = FALSE`): numerically unstable.
    pub const MULTIPLICATIVE: [Form; 9] = [
        Form::multiplicative(Trend::None, false, false),
        Form::multiplicative(Trend::Additive, false, false),
        Form::multiplicative(Trend::Damped, false, false),
        Form::multiplicative(Trend::None, true, false),
        Form::multiplicative(Trend::Additive, true, false),
        Form::multiplicative(Trend::Damped, true, false),
        Form::multiplicative(Trend::None, true, true),
        Form::multiplicative(Trend::Additive, true, true),
        Form::multiplicative(Trend::Damped, true, true),
    ];

    /// An additive-error form from its components (the season, if any, additive).
    pub const fn new(trend: Trend, seasonal: bool) -> Self {
        Self {
            trend,
            seasonal,
            multiplicative_error: false,
            multiplicative_season: false,
        }
    }

    /// A multiplicative-error form; the season (if `seasonal`) is multiplicative when
    /// `multiplicative_season`.
    pub const fn multiplicative(trend: Trend, seasonal: bool, multiplicative_season: bool) -> Self {
        Self {
            trend,
            seasonal,
            multiplicative_error: true,
            multiplicative_season: seasonal && multiplicative_season,
        }
    }

    /// Whether both error and season (if any) are additive.
    pub fn is_additive(self) -> bool {
        !self.multiplicative_error && !self.multiplicative_season
    }

    /// The form of a label such as `ETS(M,Ad,M)` or its short code `MAdM` (one of
    /// [`Form::ADDITIVE`] and [`Form::MULTIPLICATIVE`]); `None` otherwise.
    pub fn from_label(text: &str) -> Option<Form> {
        let code: String = text
            .trim_start_matches("ETS(")
            .trim_end_matches(')')
            .split(',')
            .collect();
        Form::ADDITIVE
            .into_iter()
            .chain(Form::MULTIPLICATIVE)
            .find(|f| f.label()[4..f.label().len() - 1].replace(',', "") == code)
    }

    /// The usual label, e.g. `ETS(A,Ad,A)`.
    pub fn label(self) -> &'static str {
        const LABELS: [[&str; 3]; 4] = [
            ["ETS(A,N,N)", "ETS(A,A,N)", "ETS(A,Ad,N)"],
            ["ETS(A,N,A)", "ETS(A,A,A)", "ETS(A,Ad,A)"],
            ["ETS(M,N,N)", "ETS(M,A,N)", "ETS(M,Ad,N)"],
            ["ETS(M,N,A)", "ETS(M,A,A)", "ETS(M,Ad,A)"],
        ];
        const MULTIPLICATIVE_SEASON: [&str; 3] = ["ETS(M,N,M)", "ETS(M,A,M)", "ETS(M,Ad,M)"];
        let trend = match self.trend {
            Trend::None => 0,
            Trend::Additive => 1,
            Trend::Damped => 2,
        };
        if self.multiplicative_season {
            return MULTIPLICATIVE_SEASON[trend];
        }
        LABELS[2 * usize::from(self.multiplicative_error) + usize::from(self.seasonal)][trend]
    }

    fn has_trend(self) -> bool {
        self.trend != Trend::None
    }

    /// Free initial states: level, trend, and m − 1 seasonal states.
    fn free_states(self, m: usize) -> usize {
        1 + usize::from(self.has_trend()) + if self.seasonal { m - 1 } else { 0 }
    }

    /// Parameters counted by AICc: smoothing parameters, free initial states and the variance.
    fn n_params(self, m: usize) -> usize {
        let smoothing = 1
            + usize::from(self.has_trend())
            + usize::from(self.seasonal)
            + usize::from(self.trend == Trend::Damped);
        smoothing + self.free_states(m) + 1
    }
}

/// Smoothing parameters in the state-space form (β and γ unscaled).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Smoothing {
    alpha: f64,
    beta: f64,
    gamma: f64,
    phi: f64,
}

impl Smoothing {
    /// From the search coordinates (α, β/α, γ/(1 − α), φ); absent components are zeroed and
    /// φ is 1 without damping.
    fn from_box(form: Form, x: &[f64; 4]) -> Self {
        let alpha = x[0];
        Self {
            alpha,
            beta: if form.has_trend() { x[1] * alpha } else { 0.0 },
            gamma: if form.seasonal {
                x[2] * (1.0 - alpha)
            } else {
                0.0
            },
            phi: match form.trend {
                Trend::Damped => x[3],
                _ => 1.0,
            },
        }
    }
}

/// Level, trend and seasonal states; the seasonal state for time t is `season[t % m]`.
#[derive(Debug, Clone, PartialEq)]
struct States {
    level: f64,
    trend: f64,
    season: Vec<f64>,
}

impl States {
    fn zero(m: usize) -> Self {
        Self {
            level: 0.0,
            trend: 0.0,
            season: vec![0.0; m],
        }
    }

    /// One-step forecast for the slot, then the update by the error of `y` — the recursions in
    /// the module documentation. Returns the forecast.
    #[inline]
    fn step(&mut self, p: &Smoothing, slot: usize, y: f64) -> f64 {
        let fc = self.level + p.phi * self.trend + self.season[slot];
        let e = y - fc;
        self.level += p.phi * self.trend + p.alpha * e;
        self.trend = p.phi * self.trend + p.beta * e;
        self.season[slot] += p.gamma * e;
        fc
    }
}

/// The profile of one set of smoothing parameters: the least SSE over the initial states, and
/// those states.
struct Profile {
    sse: f64,
    states: States,
}

/// SSE of the one-step errors with the best initial states for the smoothing parameters `p`.
///
/// By linearity, e_t = e⁰_t − Σ_k x_k·u_k(t), where e⁰ are the errors of the data run from zero
/// states and u_k the forecasts of a run on zero data from unit initial state k. A unit seasonal
/// state j first acts at time j and then repeats the run of state 0 delayed by j buckets, so
/// three unit runs (level, trend, season 0) give every column; the constraint Σ s = 0 makes
/// column j − column m−1 the coefficient of free seasonal state j. The normal equations are
/// built from dot products of the runs (the seasonal columns' products are lagged products of
/// one run, so they cost O(n·m), not O(n·m²)) and solved by Cholesky with a 1e-10 relative
/// ridge (near-collinear states, e.g. a trend on a short series).
fn profile(y: &[f64], form: Form, m: usize, p: &Smoothing) -> Profile {
    let m = if form.seasonal { m } else { 1 };
    debug_assert!(m <= MAX_SEASON && y.len() >= m);
    let n = y.len();
    let k = form.free_states(m);
    let trend_col = usize::from(form.has_trend());
    let season_col = 1 + trend_col;
    // The runs: data errors e⁰, and the unit runs' forecasts.
    let mut e0 = vec![0.0; n];
    let mut ul = vec![0.0; n];
    let mut ub = vec![0.0; if form.has_trend() { n } else { 0 }];
    let mut us = vec![0.0; if form.seasonal { n } else { 0 }];
    match (form.has_trend(), form.seasonal) {
        (false, false) => runs::<false, false>(y, p, m, [&mut e0, &mut ul, &mut ub, &mut us]),
        (true, false) => runs::<true, false>(y, p, m, [&mut e0, &mut ul, &mut ub, &mut us]),
        (false, true) => runs::<false, true>(y, p, m, [&mut e0, &mut ul, &mut ub, &mut us]),
        (true, true) => runs::<true, true>(y, p, m, [&mut e0, &mut ul, &mut ub, &mut us]),
    }
    // Normal equations (row-major k × k, upper triangle filled, then mirrored), in fixed
    // arrays: the profile runs hundreds of times per fit, none of them allocates.
    let mut ata = [0.0; (MAX_SEASON + 1) * (MAX_SEASON + 1)];
    let mut atb = [0.0; MAX_SEASON + 1];
    let ata = &mut ata[..k * k];
    let atb = &mut atb[..k];
    let plain: [&[f64]; 2] = [&ul, &ub];
    let plain = &plain[..1 + trend_col];
    for (i, a) in plain.iter().enumerate() {
        atb[i] = dot(a, &e0);
        for (j, b) in plain.iter().enumerate().skip(i) {
            ata[i * k + j] = dot(a, b);
        }
    }
    if form.seasonal {
        // Σ_t a(t)·u_s(t − j), lag j = 0 … m−1.
        let lagged = |a: &[f64], out: &mut [f64; MAX_SEASON]| {
            for (j, o) in out.iter_mut().enumerate().take(m) {
                *o = dot(&a[j..], &us[..n - j]);
            }
        };
        // S(j, l) = Σ_t u_s(t − j)·u_s(t − l) = Σ_{τ ≤ n−1−max} u_s(τ)·u_s(τ + |j − l|): the full
        // lagged product less its last terms.
        let mut full = [0.0; MAX_SEASON];
        for (d, f) in full.iter_mut().enumerate().take(m) {
            *f = dot(&us[..n - d], &us[d..]);
        }
        let s = |j: usize, l: usize| {
            let (lo, hi) = (j.min(l), j.max(l));
            let d = hi - lo;
            full[d] - (n - hi..n - d).map(|t| us[t] * us[t + d]).sum::<f64>()
        };
        let last = m - 1;
        let mut x = [0.0; MAX_SEASON];
        for (i, a) in plain.iter().enumerate() {
            lagged(a, &mut x);
            for j in 0..last {
                ata[i * k + season_col + j] = x[j] - x[last];
            }
        }
        lagged(&e0, &mut x);
        // S(j, last) once per j (each pair below needs two of them).
        let mut to_last = [0.0; MAX_SEASON];
        for (j, v) in to_last.iter_mut().enumerate().take(m) {
            *v = s(j, last);
        }
        for j in 0..last {
            atb[season_col + j] = x[j] - x[last];
            for l in j..last {
                ata[(season_col + j) * k + season_col + l] =
                    s(j, l) - to_last[j] - to_last[l] + to_last[last];
            }
        }
    }
    let see = dot(&e0, &e0);
    let trace: f64 = (0..k).map(|i| ata[i * k + i]).sum();
    let ridge = 1e-10 * (trace / k as f64).max(1e-300);
    for i in 0..k {
        ata[i * k + i] += ridge;
        for j in 0..i {
            ata[i * k + j] = ata[j * k + i];
        }
    }
    let mut x = [0.0; MAX_SEASON + 1];
    let x = &mut x[..k];
    x.copy_from_slice(atb);
    if !cholesky_solve(ata, k, x) {
        x.fill(0.0);
    }
    let sse = (see - dot(x, atb)).max(0.0);
    let mut states = States::zero(m);
    states.level = x[0];
    if form.has_trend() {
        states.trend = x[1];
    }
    if form.seasonal {
        let mut sum = 0.0;
        for j in 0..m - 1 {
            states.season[j] = x[season_col + j];
            sum += x[season_col + j];
        }
        states.season[m - 1] = -sum;
    }
    Profile { sse, states }
}

/// The four runs of [`profile`], specialised by component so that absent states cost nothing:
/// writes the data run's errors and the level, trend and season-0 unit runs' forecasts into
/// `out` (the trend and season buffers only when the form has them). The seasonal states live
/// in a fixed array of [`MAX_SEASON`] slots.
fn runs<const TREND: bool, const SEASON: bool>(
    y: &[f64],
    p: &Smoothing,
    m: usize,
    out: [&mut Vec<f64>; 4],
) {
    /// Level, trend, seasonal slots.
    struct Run {
        l: f64,
        b: f64,
        s: [f64; MAX_SEASON],
    }
    impl Run {
        #[inline(always)]
        fn step<const TREND: bool, const SEASON: bool>(
            &mut self,
            p: &Smoothing,
            slot: usize,
            y: f64,
        ) -> f64 {
            let mut fc = self.l;
            if TREND {
                fc += p.phi * self.b;
            }
            if SEASON {
                fc += self.s[slot];
            }
            let e = y - fc;
            if TREND {
                self.l += p.phi * self.b;
                self.b = p.phi * self.b + p.beta * e;
            }
            self.l += p.alpha * e;
            if SEASON {
                self.s[slot] += p.gamma * e;
            }
            fc
        }
    }
    let zero = || Run {
        l: 0.0,
        b: 0.0,
        s: [0.0; MAX_SEASON],
    };
    let mut data = zero();
    let mut level = zero();
    level.l = 1.0;
    let mut trend = zero();
    trend.b = 1.0;
    let mut season = zero();
    season.s[0] = 1.0;
    let [e0, ul, ub, us] = out;
    let mut slot = 0;
    for (t, &v) in y.iter().enumerate() {
        e0[t] = v - data.step::<TREND, SEASON>(p, slot, v);
        ul[t] = level.step::<TREND, SEASON>(p, slot, 0.0);
        if TREND {
            ub[t] = trend.step::<TREND, SEASON>(p, slot, 0.0);
        }
        if SEASON {
            us[t] = season.step::<TREND, SEASON>(p, slot, 0.0);
            slot += 1;
            if slot == m {
                slot = 0;
            }
        }
    }
}

/// Solves A·x = b for the symmetric positive definite k × k `a` (row-major; overwritten by its
/// Cholesky factor) in place of `b`; `false` when `a` is not positive definite. The
/// normal equations of the state profile ([`profile`], k ≤ 25) and of the multiplicative fits'
/// Levenberg–Marquardt (k ≤ 17, damped): in place, without the allocations of a general matrix type,
/// which cost a tenth of the fitting time.
pub(super) fn cholesky_solve(a: &mut [f64], k: usize, b: &mut [f64]) -> bool {
    for j in 0..k {
        let mut d = a[j * k + j];
        for l in 0..j {
            d -= a[j * k + l] * a[j * k + l];
        }
        if d.is_nan() || d <= 0.0 {
            return false;
        }
        let d = d.sqrt();
        a[j * k + j] = d;
        for i in j + 1..k {
            let mut v = a[i * k + j];
            for l in 0..j {
                v -= a[i * k + l] * a[j * k + l];
            }
            a[i * k + j] = v / d;
        }
    }
    // L·z = b, then Lᵀ·x = z.
    for i in 0..k {
        let mut v = b[i];
        for l in 0..i {
            v -= a[i * k + l] * b[l];
        }
        b[i] = v / a[i * k + i];
    }
    for i in (0..k).rev() {
        let mut v = b[i];
        for l in i + 1..k {
            v -= a[l * k + i] * b[l];
        }
        b[i] = v / a[i * k + i];
    }
    true
}

/// Dot product of the common length, with four accumulators so that it vectorises.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..4 {
            acc[i] += x[i] * y[i];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Minimises `f` on `[lo, hi]` by Brent's method (golden-section steps with parabolic
/// interpolation; Brent 1973, ch. 5, the `fmin` routine) to an absolute tolerance of about `tol`,
/// at most
/// [`LINE_EVALS`] evaluations. Returns (x, f(x)).
pub(super) fn brent(mut f: impl FnMut(f64) -> f64, lo: f64, hi: f64, tol: f64) -> (f64, f64) {
    let golden = (3.0 - 5f64.sqrt()) / 2.0;
    let (mut a, mut b) = (lo, hi);
    let mut x = a + golden * (b - a);
    let (mut w, mut v) = (x, x);
    let mut fx = f(x);
    let (mut fw, mut fv) = (fx, fx);
    let (mut d, mut e) = (0.0f64, 0.0f64);
    for _ in 1..LINE_EVALS {
        let mid = 0.5 * (a + b);
        let tol1 = f64::EPSILON.sqrt() * x.abs() + tol / 3.0;
        let tol2 = 2.0 * tol1;
        if (x - mid).abs() <= tol2 - 0.5 * (b - a) {
            break;
        }
        let mut parabolic = false;
        if e.abs() > tol1 {
            // Parabola through x, w, v.
            let r = (x - w) * (fx - fv);
            let mut q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            } else {
                q = -q;
            }
            let e_prev = e;
            e = d;
            if p.abs() < (0.5 * q * e_prev).abs() && p > q * (a - x) && p < q * (b - x) {
                d = p / q;
                let u = x + d;
                if u - a < tol2 || b - u < tol2 {
                    d = if x < mid { tol1 } else { -tol1 };
                }
                parabolic = true;
            }
        }
        if !parabolic {
            e = if x < mid { b - x } else { a - x };
            d = golden * e;
        }
        let u = x + if d.abs() >= tol1 { d } else { tol1.copysign(d) };
        let fu = f(u);
        if fu <= fx {
            if u < x {
                b = x;
            } else {
                a = x;
            }
            (v, fv) = (w, fw);
            (w, fw) = (x, fx);
            (x, fx) = (u, fu);
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w.to_bits() == x.to_bits() {
                (v, fv) = (w, fw);
                (w, fw) = (u, fu);
            } else if fu <= fv || v.to_bits() == x.to_bits() || v.to_bits() == w.to_bits() {
                (v, fv) = (u, fu);
            }
        }
    }
    (x, fx)
}

/// Starting values of α for the parameter search, screened by their error (the other
/// parameters at β = 0.01·α, γ = 0.01·(1 − α), φ = 0.95); the descent starts from the best one
/// (its first line searches, over φ, γ and β, run at that α; the α search itself spans the
/// whole range).
pub(super) const SCREENED_ALPHAS: [f64; 6] = [0.001, 0.05, 0.2, 0.4, 0.6, 0.8];

/// Coordinate-descent sweeps, at most.
const SWEEPS: usize = 4;

/// Sweeps stop once one lowers the objective by no more than this share of it.
const CONVERGED: f64 = 1e-9;

/// A line search stops when its bracket is about 4× this share of the range.
const LINE_TOL: f64 = 1e-4;

/// Most evaluations per line search.
const LINE_EVALS: usize = 40;

/// A line search's result this close to a bound (share of the range) also tries the bound.
const NEAR_BOUND: f64 = 1e-3;

/// Minimises `f` over the box `bounds` (the coordinates listed in `active`, in that order of
/// line searches; the others stay at `start`) by cyclic coordinate descent with Brent line searches
/// ([`brent`]): up to [`SWEEPS`] sweeps, stopping early once a sweep gains ≤ [`CONVERGED`]
/// relative. A line search's result (or the bound it ends next to) is kept only if it lowers
/// `f`. Returns (f, point).
fn minimise_box<const D: usize>(
    f: &impl Fn(&[f64; D]) -> f64,
    start: [f64; D],
    bounds: &[(f64, f64); D],
    active: &[usize],
) -> (f64, [f64; D]) {
    let mut p = start;
    let mut best = f(&p);
    for _ in 0..SWEEPS {
        let before = best;
        for &i in active {
            let (lo, hi) = bounds[i];
            let mut q = p;
            let (x, fx) = brent(
                |v| {
                    q[i] = v;
                    f(&q)
                },
                lo,
                hi,
                LINE_TOL * (hi - lo),
            );
            if fx < best {
                best = fx;
                p[i] = x;
            }
            // The line search stops short of a bound by up to its tolerance; a minimum on the
            // bound (e.g. α = 0.0001 for white noise) is tried exactly.
            let near = NEAR_BOUND * (hi - lo);
            let bound = if p[i] - lo < near {
                lo
            } else if hi - p[i] < near {
                hi
            } else {
                continue;
            };
            let mut cand = p;
            cand[i] = bound;
            let c = f(&cand);
            if c < best {
                best = c;
                p = cand;
            }
        }
        if before - best <= CONVERGED * before {
            // Another sweep would start from the same point and move it by less.
            break;
        }
    }
    (best, p)
}

/// [`minimise_box`] from the start with the lowest `f`. The error surfaces of exponential
/// smoothing have separate basins (e.g. "track the level closely" at high α and "average the
/// noise" at α near 0); screening the starts by their value picks the basin for the price of
/// one evaluation each, where a descent from every start costs one descent each (on the
/// reference series the fits are as good, on the benchmark's daily and monthly series the
/// held-out accuracy is the same, at a half to a third of the cost: benches/RESULTS.md).
/// Returns (f, point), or `None` without starts.
pub(super) fn minimise_screened<const D: usize>(
    f: impl Fn(&[f64; D]) -> f64,
    starts: &[[f64; D]],
    bounds: &[(f64, f64); D],
    active: &[usize],
) -> Option<(f64, [f64; D])> {
    let start = starts
        .iter()
        .map(|s| (f(s), s))
        .min_by(|a, b| a.0.total_cmp(&b.0))?
        .1;
    Some(minimise_box(&f, *start, bounds, active))
}

/// A fitted form: its parameters, initial states, and criterion.
#[derive(Debug, Clone, PartialEq)]
struct Fit {
    form: Form,
    m: usize,
    p: Smoothing,
    initial: States,
    sse: f64,
    aicc: f64,
}

/// Fits one form to `y` (seasonal forms with period `m`); `None` when the data are too short
/// for it.
fn fit_form(y: &[f64], form: Form, m: usize) -> Option<Fit> {
    debug_assert!(form.is_additive());
    let m = if form.seasonal { m } else { 1 };
    let n = y.len();
    let k = form.n_params(m);
    if n < k + 3 || (form.seasonal && (!(2..=MAX_SEASON).contains(&m) || n < 2 * m)) {
        return None;
    }
    // Search box: α, β/α, γ/(1 − α), φ.
    let bounds = [(1e-4, 0.9999), (1e-4, 0.9999), (1e-4, 0.9999), (0.8, 0.98)];
    let mut active = vec![0];
    if form.has_trend() {
        active.push(1);
    }
    if form.seasonal {
        active.push(2);
    }
    if form.trend == Trend::Damped {
        active.push(3);
    }
    active.reverse();
    let sse = |x: &[f64; 4]| profile(y, form, m, &Smoothing::from_box(form, x)).sse;
    let starts = SCREENED_ALPHAS.map(|alpha| [alpha, 0.01, 0.01, 0.95]);
    let (_, x) = minimise_screened(sse, &starts, &bounds, &active)?;
    let p = Smoothing::from_box(form, &x);
    let Profile { sse, states } = profile(y, form, m, &p);
    let nf = n as f64;
    let kf = k as f64;
    let neg2_loglik = nf * (sse / nf).max(f64::MIN_POSITIVE).ln()
        + nf * (1.0 + (2.0 * std::f64::consts::PI).ln());
    let aicc = neg2_loglik + 2.0 * kf + 2.0 * kf * (kf + 1.0) / (nf - kf - 1.0);
    Some(Fit {
        form,
        m,
        p,
        initial: states,
        sse,
        aicc,
    })
}

/// Fits every form the data support and keeps the lowest AICc (ties: the simpler form, the
/// additive one first). The multiplicative forms are tried only when `multiplicative` and
/// on strictly positive, non-constant series, each from its additive counterpart's fit.
fn select(y: &[f64], season: usize, multiplicative: bool) -> Option<Fit> {
    let additive: Vec<Fit> = Form::ADDITIVE
        .iter()
        .filter_map(|&form| fit_form(y, form, season))
        .collect();
    let mut fits = additive.clone();
    if multiplicative && strictly_positive(y) {
        for form in Form::MULTIPLICATIVE {
            let counterpart = Form::new(form.trend, form.seasonal);
            if let Some(base) = additive.iter().find(|f| f.form == counterpart) {
                fits.extend(multiplicative::fit(y, form, season, base));
            }
        }
    }
    fits.into_iter()
        .filter(|f| f.aicc.is_finite())
        .fold(None, |best: Option<Fit>, f| match best {
            Some(b) if b.aicc <= f.aicc => Some(b),
            _ => Some(f),
        })
}

/// Whether every value is positive and not all are equal (a constant series is fitted
/// exactly by ETS(A,N,N)).
fn strictly_positive(y: &[f64]) -> bool {
    let lowest = y.iter().copied().fold(f64::INFINITY, f64::min);
    lowest > 0.0 && y.iter().copied().fold(lowest, f64::max) > lowest
}

/// −2·log-likelihood (with the constant n·(1 + ln 2π)) of `form` on `y` at given smoothing
/// parameters `[α, β, γ, φ]` (β and γ unscaled; φ = 1 without damping) and initial states in
/// statsforecast's and R's layout: level, trend (if any), then the m seasonal states (if any),
/// the last of them the one the first observation uses. For checks against those tools.
pub fn neg2_loglik_at(
    y: &[f64],
    form: Form,
    season: usize,
    smoothing: [f64; 4],
    states: &[f64],
) -> f64 {
    let [alpha, beta, gamma, phi] = smoothing;
    let p = Smoothing {
        alpha,
        beta,
        gamma,
        phi,
    };
    let trend = usize::from(form.has_trend());
    let init = States {
        level: states[0],
        trend: if form.has_trend() { states[1] } else { 0.0 },
        season: if form.seasonal {
            states[1 + trend..1 + trend + season]
                .iter()
                .rev()
                .copied()
                .collect()
        } else {
            vec![0.0]
        },
    };
    multiplicative::neg2_loglik(y, form, &p, &init)
}

/// One form fitted on its own (the multiplicative ones from their additive counterpart's fit),
/// as [`AutoEts`] would fit it: its −2·log-likelihood (the AICc's first term, with the constant
/// n·(1 + ln 2π)), its AICc, and its point forecasts for `horizon` buckets. `None` when the
/// series is too short for the form, or not strictly positive for a multiplicative one.
pub fn fit_one(
    y: &[f64],
    form: Form,
    season: usize,
    horizon: usize,
) -> Option<(f64, f64, Vec<f64>)> {
    let fit = if form.is_additive() {
        fit_form(y, form, season)?
    } else {
        if !strictly_positive(y) {
            return None;
        }
        let base = fit_form(y, Form::new(form.trend, form.seasonal), season)?;
        multiplicative::fit(y, form, season, &base)?
    };
    let (n, k) = (y.len() as f64, form.n_params(fit.m) as f64);
    let neg2 = fit.aicc - 2.0 * k - 2.0 * k * (k + 1.0) / (n - k - 1.0);
    let (_, last) = replay(&fit, y);
    let aicc = fit.aicc;
    let fitted = Fitted {
        fit,
        last,
        n: y.len(),
    };
    Some((neg2, aicc, fitted.predict(horizon)))
}

/// AutoETS over the six additive-error forms (model name `ets`; see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AutoEts;

/// A fitted AutoETS: the chosen form and its states after the last observation.
struct Fitted {
    fit: Fit,
    last: States,
    /// Observations fitted (the next time index).
    n: usize,
}

impl FittedForecaster for Fitted {
    fn predict(&self, horizon: usize) -> Vec<f64> {
        let Fit { p, m, form, .. } = self.fit;
        let mut damp = 0.0;
        let mut pow = 1.0;
        (0..horizon)
            .map(|h| {
                pow *= p.phi;
                damp += pow;
                let season = self.last.season[(self.n + h) % m];
                let level = self.last.level + damp * self.last.trend;
                if form.multiplicative_season {
                    level * season
                } else {
                    level + season
                }
            })
            .collect()
    }

    fn params(&self) -> String {
        let Fit { form, p, aicc, .. } = self.fit;
        let mut s = format!("{} alpha={:.4}", form.label(), p.alpha);
        if form.has_trend() {
            s += &format!(" beta={:.4}", p.beta);
        }
        if form.seasonal {
            s += &format!(" gamma={:.4}", p.gamma);
        }
        if form.trend == Trend::Damped {
            s += &format!(" phi={:.4}", p.phi);
        }
        s + &format!(" aicc={aicc:.2}")
    }

    /// The same form and smoothing parameters on `y` (its last [`super::theta::MAX_FIT`]
    /// buckets), the initial states re-solved by least squares — for a multiplicative form
    /// re-estimated by the likelihood search over the states only (`None`, to be refitted,
    /// when `y` is not strictly positive or no finite fit is found).
    fn rerun(&self, y: &[f64], _season: usize) -> Option<Box<dyn FittedForecaster>> {
        let Fit { form, m, p, .. } = self.fit;
        let y = super::theta::recent(y);
        if !form.is_additive() {
            if !y.iter().all(|&v| v > 0.0) {
                return None;
            }
            let fit = multiplicative::refit_states(y, &self.fit)?;
            let (_, last) = replay(&fit, y);
            return Some(Box::new(Fitted {
                fit,
                last,
                n: y.len(),
            }));
        }
        if y.len() < MIN_POINTS.max(2 * m) {
            return None;
        }
        let Profile { sse, states } = profile(y, form, m, &p);
        if !sse.is_finite() {
            return None;
        }
        let fit = Fit {
            initial: states,
            sse,
            ..self.fit.clone()
        };
        let (_, last) = replay(&fit, y);
        Some(Box::new(Fitted {
            fit,
            last,
            n: y.len(),
        }))
    }
}

/// Runs the fitted recursions over `y` from the initial states; returns the one-step
/// forecasts and the final states.
fn replay(fit: &Fit, y: &[f64]) -> (Vec<f64>, States) {
    let mut s = fit.initial.clone();
    let general = !fit.form.is_additive();
    let fitted = y
        .iter()
        .enumerate()
        .map(|(t, &v)| {
            if general {
                multiplicative::step(&mut s, fit.form, &fit.p, t % fit.m, v)
            } else {
                s.step(&fit.p, t % fit.m, v)
            }
        })
        .collect();
    (fitted, s)
}

/// Fewest observations: ETS(A,N,N) has k = 3 (α, l₀, variance), fitted from n ≥ k + 3.
const MIN_POINTS: usize = 6;

impl Forecaster for AutoEts {
    fn name(&self) -> String {
        "ets".into()
    }

    fn fit(&self, y: &[f64], season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        fit_auto(y, season, false)
    }
}

/// AutoETS over all fifteen forms: the six additive-error ones and, for strictly positive
/// series, the nine multiplicative-error ones (model name `ets_full`). The AutoETS of `auto`'s
/// class lists (`super::select::candidates_for`); on a series with a zero or negative bucket it
/// is [`AutoEts`]. Its multiplicative fits cost one to two additive fits each on M1 (a search over
/// parameters and initial states together).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AutoEtsFull;

impl Forecaster for AutoEtsFull {
    fn name(&self) -> String {
        "ets_full".into()
    }

    fn fit(&self, y: &[f64], season: usize) -> Result<Box<dyn FittedForecaster>, ForecastError> {
        fit_auto(y, season, true)
    }
}

/// Fits AutoETS on the recent part of `y`, with the multiplicative forms when `multiplicative`.
fn fit_auto(
    y: &[f64],
    season: usize,
    multiplicative: bool,
) -> Result<Box<dyn FittedForecaster>, ForecastError> {
    if y.len() < MIN_POINTS {
        return Err(ForecastError::TooShort {
            model: "ets",
            need: MIN_POINTS,
            have: y.len(),
        });
    }
    let y = super::theta::recent(y);
    let fit = select(y, season, multiplicative).ok_or_else(|| ForecastError::Failed {
        model: "ets".into(),
        message: "no form could be fitted (non-finite data?)".into(),
    })?;
    let (_, last) = replay(&fit, y);
    Ok(Box::new(Fitted {
        fit,
        last,
        n: y.len(),
    }))
}

/// In-sample one-step forecasts of AutoETS fitted on the whole of `y` (`fitted[t]` forecasts
/// `y[t]`), and the chosen form's label; `None` when too short.
pub fn in_sample_fitted(y: &[f64], season: usize) -> Option<(Vec<f64>, &'static str)> {
    let fit = select(y, season, false)?;
    Some((replay(&fit, y).0, fit.form.label()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute-force SSE of given parameters and initial states.
    fn sse_of(y: &[f64], p: &Smoothing, init: &States, m: usize) -> f64 {
        let mut s = init.clone();
        y.iter()
            .enumerate()
            .map(|(t, &v)| {
                let e = v - s.step(p, t % m, v);
                e * e
            })
            .sum()
    }

    fn seasonal_series(n: usize) -> Vec<f64> {
        (0..n)
            .map(|t| {
                let tf = t as f64;
                20.0 + 0.1 * tf + [3.0, -1.0, 0.5, -2.0, 4.0, -3.0, -1.5][t % 7] + (tf * 1.7).sin()
            })
            .collect()
    }

    #[test]
    fn cholesky_solve_solves_a_positive_definite_system() {
        // A = [[4, 2, 0.4], [2, 5, 1], [0.4, 1, 3]], x = (1, −2, 0.5): b = A·x.
        let a0 = [4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0];
        let x = [1.0, -2.0, 0.5];
        let mut b: Vec<f64> = (0..3)
            .map(|i| (0..3).map(|j| a0[i * 3 + j] * x[j]).sum())
            .collect();
        let mut a = a0.to_vec();
        assert!(cholesky_solve(&mut a, 3, &mut b));
        for (got, want) in b.iter().zip(x) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        // Not positive definite (eigenvalues 3 and −1).
        assert!(!cholesky_solve(
            &mut [1.0, 2.0, 2.0, 1.0],
            2,
            &mut [1.0, 1.0]
        ));
    }

    #[test]
    fn profile_states_are_the_least_squares_initial_states() {
        // The profiled SSE equals the brute-force SSE at its states, and nudging any state
        // raises it (a minimum over the initial states).
        let y = seasonal_series(60);
        let form = Form::new(Trend::Damped, true);
        let p = Smoothing {
            alpha: 0.3,
            beta: 0.05,
            gamma: 0.1,
            phi: 0.9,
        };
        let prof = profile(&y, form, 7, &p);
        let direct = sse_of(&y, &p, &prof.states, 7);
        assert!(
            (prof.sse - direct).abs() < 1e-6 * direct.max(1.0),
            "{} vs {direct}",
            prof.sse
        );
        assert!(prof.states.season.iter().sum::<f64>().abs() < 1e-9);
        for which in 0..3 {
            for d in [-0.01, 0.01] {
                let mut s = prof.states.clone();
                match which {
                    0 => s.level += d,
                    1 => s.trend += d,
                    _ => {
                        s.season[2] += d;
                        s.season[5] -= d;
                    }
                }
                assert!(
                    sse_of(&y, &p, &s, 7) > direct,
                    "state {which} nudged by {d}"
                );
            }
        }
    }

    #[test]
    fn recovers_a_weekly_pattern_and_forecasts_it() {
        let y = seasonal_series(140);
        let fit = select(&y, 7, false).unwrap();
        assert!(fit.form.seasonal, "{}", fit.form.label());
        let f = AutoEts.fit(&y, 7).unwrap().predict(14);
        // Next week's shape: the day-of-week offsets, a week apart, repeat.
        for (h, got) in f.iter().enumerate().take(7) {
            let t = 140 + h;
            let expect = 20.0 + 0.1 * t as f64 + [3.0, -1.0, 0.5, -2.0, 4.0, -3.0, -1.5][t % 7];
            assert!((got - expect).abs() < 1.5, "h={h}: {got} vs {expect}");
        }
    }

    #[test]
    fn rerun_keeps_the_parameters_and_re_solves_the_states() {
        // Fitted on 20 weeks, rerun on 24: the same form and smoothing constants (the params
        // text up to the AICc), and forecasts that follow on from the longer history.
        let y = seasonal_series(168);
        let longer = crate::forecast::rerun_on_longer_history(&AutoEts, &y, 140, 7, " aicc");
        for (h, got) in longer.predict(7).iter().enumerate() {
            let t = 168 + h;
            let expect = 20.0 + 0.1 * t as f64 + [3.0, -1.0, 0.5, -2.0, 4.0, -3.0, -1.5][t % 7];
            assert!((got - expect).abs() < 1.5, "h={h}: {got} vs {expect}");
        }
    }

    #[test]
    fn constant_and_short_series_give_finite_flat_forecasts() {
        let f = AutoEts.fit(&[5.0; 30], 7).unwrap().predict(5);
        assert!(f.iter().all(|v| (v - 5.0).abs() < 1e-6), "{f:?}");
        let f = AutoEts
            .fit(&[0.0, 0.0, 3.0, 0.0, 1.0, 0.0], 7)
            .unwrap()
            .predict(3);
        assert!(f.iter().all(|v| v.is_finite()), "{f:?}");
        assert!(AutoEts.fit(&[1.0; 5], 7).is_err());
    }

    #[test]
    fn forecast_formula_by_hand() {
        let fit = Fit {
            form: Form::new(Trend::Damped, true),
            m: 2,
            p: Smoothing {
                alpha: 0.5,
                beta: 0.1,
                gamma: 0.1,
                phi: 0.9,
            },
            initial: States::zero(2),
            sse: 0.0,
            aicc: 0.0,
        };
        let fitted = Fitted {
            fit,
            last: States {
                level: 10.0,
                trend: 2.0,
                season: vec![1.0, -1.0],
            },
            n: 3,
        };
        let f = fitted.predict(2);
        // n = 3: the next time index is 3, slot 1; then slot 0.
        assert!((f[0] - (10.0 + 0.9 * 2.0 - 1.0)).abs() < 1e-12);
        assert!((f[1] - (10.0 + (0.9 + 0.81) * 2.0 + 1.0)).abs() < 1e-12);
    }

    /// Monthly demand growing 1% a month with a ±40% season whose swing grows with the level.
    fn multiplicative_series(n: usize) -> Vec<f64> {
        (0..n)
            .map(|t| {
                let tf = t as f64;
                let season = 1.0 + 0.4 * (2.0 * std::f64::consts::PI * tf / 12.0).sin();
                100.0 * 1.01f64.powf(tf) * season * (1.0 + 0.02 * (tf * 1.3).sin())
            })
            .collect()
    }

    #[test]
    fn a_growing_multiplicative_season_picks_a_multiplicative_form() {
        let y = multiplicative_series(96);
        let fit = select(&y, 12, true).unwrap();
        assert!(fit.form.multiplicative_season, "{}", fit.form.label());
        // The next year follows the pattern within 5%.
        let f = AutoEtsFull.fit(&y, 12).unwrap().predict(12);
        let truth = multiplicative_series(108);
        for (h, got) in f.iter().enumerate() {
            let expect = truth[96 + h];
            assert!(
                (got / expect - 1.0).abs() < 0.05,
                "h={h}: {got} vs {expect}"
            );
        }
    }

    #[test]
    fn a_series_with_a_zero_gets_additive_forms_only() {
        let mut y = multiplicative_series(96);
        y[40] = 0.0;
        assert!(select(&y, 12, true).unwrap().form.is_additive());
        assert!(fit_one(&y, Form::multiplicative(Trend::None, false, false), 12, 3).is_none());
    }

    #[test]
    fn labels_name_every_form_once() {
        let all: Vec<Form> = Form::ADDITIVE
            .into_iter()
            .chain(Form::MULTIPLICATIVE)
            .collect();
        for f in &all {
            assert_eq!(Form::from_label(f.label()), Some(*f));
        }
        assert_eq!(
            Form::from_label("MAdM"),
            Some(Form::multiplicative(Trend::Damped, true, true))
        );
        // Additive error with a multiplicative season is not offered.
        assert_eq!(Form::from_label("ANM"), None);
    }

    #[test]
    fn a_multiplicative_form_reruns_with_its_states_on_a_longer_history() {
        let y = multiplicative_series(96);
        let longer = crate::forecast::rerun_on_longer_history(&AutoEtsFull, &y, 84, 12, " aicc");
        assert!(longer.params().starts_with("ETS(M,"), "{}", longer.params());
        for (h, got) in longer.predict(6).iter().enumerate() {
            let expect = multiplicative_series(102)[96 + h];
            assert!(
                (got / expect - 1.0).abs() < 0.05,
                "h={h}: {got} vs {expect}"
            );
        }
    }

    #[test]
    fn parameter_counts_follow_statsforecast() {
        assert_eq!(Form::new(Trend::None, false).n_params(1), 3);
        assert_eq!(Form::new(Trend::Damped, false).n_params(1), 6);
        // α, β, γ, φ; l₀, b₀, 6 free seasonal states; variance.
        assert_eq!(Form::new(Trend::Damped, true).n_params(7), 13);
    }
}
