//! The ETS forms with multiplicative error or multiplicative season (Hyndman et al. 2008,
//! table 2.3), for strictly positive series: their recursions, likelihood, admissible region
//! and estimation. The additive forms (and the choice between forms) live in the parent module.
//!
//! The state updates are written, as in R's `ets` and statsforecast, in a form that is the same
//! for additive and multiplicative errors (q = l + φ·b the trend-carried level, s the seasonal
//! state of the slot):
//!
//! ```text
//! ŷ_t = q + s  (additive season)      ŷ_t = q·s  (multiplicative season)
//! l_t = q + α·(y_t − s − q)           l_t = q + α·(y_t / s − q)
//! b_t = φ·b + (β/α)·(l_t − l_{t−1} − φ·b)
//! s_t = s + γ·(y_t − q − s)           s_t = s + γ·(y_t / q − s)
//! ```
//!
//! With additive error, −2·log L = n·ln(SSE/n) + n·(1 + ln 2π) over the one-step errors
//! y − ŷ; with multiplicative error the errors are relative, (y − ŷ)/ŷ, and the Jacobian adds
//! 2·Σ ln ŷ (statsforecast's and R's `lik` up to the constant n·(1 + ln 2π − ln n)).
//!
//! **Estimation.** The likelihood is not a least-squares problem in the initial states here (no
//! closed-form profile as for the additive forms), but it is a sum of squares: with
//! ρ_t = G·(y_t − ŷ_t)/ŷ_t, G the geometric mean of the one-step forecasts,
//! −2·log L = n·ln(Σ ρ²/n) + n·(1 + ln 2π). So smoothing parameters and initial states are
//! searched together by Levenberg–Marquardt (exact Jacobian by forward-mode differentiation of
//! the recursion, [`Layout::jacobian`]; bounds held by an active set), on the series divided by
//! its mean, from up to three starts: the additive counterpart's fit (same trend, additive
//! season: its smoothing parameters and initial states), R's kind of heuristic states (seasonal
//! ratios or differences of the first seasons, a line through the first adjusted values) with
//! R's default starting parameters, and — only when the first two end more than [`AGREE`] apart
//! in −2·log L — the counterpart's initial states with R's default parameters; the best optimum
//! is kept. (A fourth start, the counterpart's parameters with the heuristic states, decided no
//! fit: on the 117 statsforecast fixture fits the optima without it are within 0.022 in
//! −2·log L, and M1's monthly forecasts cost 13% less without it. Skipping the third start
//! where the first two agree leaves every fixture optimum within 0.005 and cuts the default
//! forecast's time on M1 by a fifth; dropping it always moved four fixture optima by up to 0.4.) statsforecast and R search the same vector by Nelder–Mead, which in 14–18
//! dimensions (a seasonal form with m = 12) often stops short: on half of M1's monthly series
//! the Levenberg–Marquardt fits of the trended seasonal forms have a −2·log L lower by more
//! than 1 than this crate's earlier four-start Nelder–Mead on 14–21% of the series, higher by
//! more than 1 on at most 1.6%, at a fifth of the cost (benches/RESULTS.md, "Fast
//! multiplicative ETS"); the exact Jacobian and a stop at gains below [`LM_TOL`] = 0.001 cut
//! that cost by a further 2.8× for the same fits (same section). A backtest rerun keeps the form and
//! the smoothing parameters and re-estimates the initial states only ([`refit_states`]), as the
//! additive forms re-solve theirs. Parameters stay in the usual region (α, β/α, γ/(1 − α) in
//! [0.0001, 0.9999], φ in [0.8, 0.98]) and must also be admissible (forecastable: the
//! characteristic polynomial of Hyndman et al. 2008, ch. 10, with no root outside the unit
//! circle, tested by the Schur–Cohn recursion); seasonal indices of a multiplicative season
//! sum to m and are positive; every one-step forecast must be positive.

use nalgebra::DMatrix;

use super::{cholesky_solve, dot, Fit, Form, Smoothing, States, Trend, MAX_SEASON};

/// The general one-step recursion (the module documentation): forecasts the slot, updates the
/// states by `y`, returns the forecast.
#[inline]
pub(super) fn step(s: &mut States, form: Form, p: &Smoothing, slot: usize, y: f64) -> f64 {
    let (l, b) = (s.level, s.trend);
    let q = l + p.phi * b;
    let fc;
    let adjusted;
    if form.seasonal {
        let si = s.season[slot];
        if form.multiplicative_season {
            fc = q * si;
            adjusted = y / si;
            s.season[slot] = si + p.gamma * (y / q - si);
        } else {
            fc = q + si;
            adjusted = y - si;
            s.season[slot] = si + p.gamma * (y - q - si);
        }
    } else {
        fc = q;
        adjusted = y;
    }
    let level = q + p.alpha * (adjusted - q);
    if form.trend != Trend::None {
        s.trend = p.phi * b + (p.beta / p.alpha) * (level - l - p.phi * b);
    }
    s.level = level;
    fc
}

/// −2·log-likelihood of `form` on `y` from the initial states `init` (module documentation);
/// infinite when a one-step forecast is not positive (or a multiplicative season's trend-carried
/// level is not).
pub(super) fn neg2_loglik(y: &[f64], form: Form, p: &Smoothing, init: &States) -> f64 {
    let mut s = States {
        level: init.level,
        trend: init.trend,
        season: init.season.clone(),
    };
    let m = s.season.len();
    let (mut sse, mut log_fc) = (0.0, 0.0);
    let mut slot = 0;
    for &v in y {
        if form.multiplicative_season && s.level + p.phi * s.trend <= 0.0 {
            return f64::INFINITY;
        }
        let fc = step(&mut s, form, p, slot, v);
        if fc <= 0.0 || !fc.is_finite() {
            return f64::INFINITY;
        }
        let e = if form.multiplicative_error {
            log_fc += fc.ln();
            (v - fc) / fc
        } else {
            v - fc
        };
        sse += e * e;
        slot += 1;
        if slot == m {
            slot = 0;
        }
    }
    let n = y.len() as f64;
    let value = n * (sse / n).max(f64::MIN_POSITIVE).ln()
        + n * (1.0 + (2.0 * std::f64::consts::PI).ln())
        + 2.0 * log_fc;
    if value.is_finite() {
        value
    } else {
        f64::INFINITY
    }
}

/// The residuals whose sum of squares S gives the multiplicative-error likelihood as a least-
/// squares problem: −2·log L = n·ln(S/n) + n·(1 + ln 2π), with ρ_t the relative error
/// (y_t − ŷ_t)/ŷ_t times the geometric mean G of the one-step forecasts (Σ ρ² = G²·SSE and
/// n·ln G² = 2·Σ ln ŷ). Writes them into `out` (as long as `y`); `false` where
/// [`neg2_loglik`] is infinite. Forms with multiplicative error only.
fn residuals(y: &[f64], form: Form, p: &Smoothing, init: &States, out: &mut [f64]) -> bool {
    debug_assert!(form.multiplicative_error);
    let mut s = init.clone();
    let m = s.season.len();
    // Σ ln ŷ as the logarithm of running products, taken every [`LOG_EVERY`] steps (a
    // logarithm per step was a fifth of the fitting time); ŷ is positive and finite here, and
    // a product leaving [1e-150, 1e150] is taken at once, so it cannot overflow or underflow.
    let mut log_fc = 0.0;
    let mut product = 1.0;
    let mut slot = 0;
    for (t, (&v, r)) in y.iter().zip(out.iter_mut()).enumerate() {
        if form.multiplicative_season && s.level + p.phi * s.trend <= 0.0 {
            return false;
        }
        let fc = step(&mut s, form, p, slot, v);
        if fc <= 0.0 || !fc.is_finite() {
            return false;
        }
        product *= fc;
        if t % LOG_EVERY == LOG_EVERY - 1 || !(1e-150..=1e150).contains(&product) {
            log_fc += product.ln();
            product = 1.0;
        }
        *r = (v - fc) / fc;
        slot += 1;
        if slot == m {
            slot = 0;
        }
    }
    log_fc += product.ln();
    if !log_fc.is_finite() {
        return false;
    }
    let g = (log_fc / y.len() as f64).exp();
    out.iter_mut().for_each(|r| *r *= g);
    g.is_finite() && out.iter().all(|r| r.is_finite())
}

/// Forecasts multiplied together before one logarithm in [`residuals`].
const LOG_EVERY: usize = 16;

/// Whether the smoothing parameters are admissible (forecastable) for period `m` — the tests
/// of Hyndman et al. 2008, ch. 10, as R's and statsforecast's `admissible`: the nonseasonal
/// bounds on α and β, and for seasonal forms the easy bounds then no root of the characteristic
/// polynomial outside the unit circle (up to 1e-10).
pub(super) fn admissible(form: Form, p: &Smoothing, m: usize) -> bool {
    let (a, b, g, phi) = (p.alpha, p.beta, p.gamma, p.phi);
    if !form.seasonal || m < 2 {
        if a < 1.0 - 1.0 / phi || a > 1.0 + 1.0 / phi {
            return false;
        }
        return form.trend == Trend::None || (b >= a * (phi - 1.0) && b <= (1.0 + phi) * (2.0 - a));
    }
    let mf = m as f64;
    if g < (1.0 - 1.0 / phi - a).max(0.0) || g > 1.0 + 1.0 / phi - a {
        return false;
    }
    if a < 1.0 - 1.0 / phi - g * (1.0 - mf + phi + phi * mf) / (2.0 * phi * mf) {
        return false;
    }
    if b < -(1.0 - phi) * (g / mf + a) {
        return false;
    }
    // P(z) = φ(1−α−γ) + (α+β−αφ+γ−1)z + (α+β−αφ)(z² + … + z^{m−1}) + (α+β−φ)z^m + z^{m+1}.
    let mut c = [a + b - a * phi; MAX_SEASON + 2];
    c[0] = phi * (1.0 - a - g);
    c[1] = a + b - a * phi + g - 1.0;
    c[m] = a + b - phi;
    c[m + 1] = 1.0;
    roots_within(&mut c[..m + 2], 1.0 + 1e-10)
}

/// Whether every root of Σ c_i·zⁱ (at most [`MAX_SEASON`] + 1 degrees) has modulus below
/// `radius` (the Schur–Cohn recursion on the polynomial rescaled to the unit circle; `c` is
/// overwritten).
fn roots_within(c: &mut [f64], radius: f64) -> bool {
    let mut scale = 1.0;
    for v in c.iter_mut() {
        *v *= scale;
        scale *= radius;
    }
    let mut next = [0.0; MAX_SEASON + 2];
    for d in (1..c.len()).rev() {
        let (c0, cd) = (c[0], c[d]);
        if c0.abs() >= cd.abs() || !cd.is_finite() {
            return false;
        }
        // (c_d·P(z) − c_0·P*(z)) / z, of degree d − 1: same roots inside as P, less one.
        // Normalised by its largest coefficient, as the products would underflow.
        let mut top = 0.0f64;
        for i in 0..d {
            next[i] = cd * c[i + 1] - c0 * c[d - 1 - i];
            top = top.max(next[i].abs());
        }
        let top = if top > 0.0 { top } else { 1.0 };
        for i in 0..d {
            c[i] = next[i] / top;
        }
    }
    true
}

/// The search vector's layout for one form: which box coordinates (α, β/α, γ/(1 − α), φ) are
/// searched, and how many initial states follow them.
struct Layout {
    form: Form,
    m: usize,
    active: Vec<usize>,
}

/// Box of the smoothing coordinates (α, β/α, γ/(1 − α), φ).
const BOX: [(f64, f64); 4] = [(1e-4, 0.9999), (1e-4, 0.9999), (1e-4, 0.9999), (0.8, 0.98)];

impl Layout {
    fn new(form: Form, m: usize) -> Self {
        let mut active = vec![0];
        if form.trend != Trend::None {
            active.push(1);
        }
        if form.seasonal {
            active.push(2);
        }
        if form.trend == Trend::Damped {
            active.push(3);
        }
        Self { form, m, active }
    }

    /// The search vector of smoothing parameters `p` and initial states `s` (the last seasonal
    /// state is implied by the others).
    fn encode(&self, p: &Smoothing, s: &States) -> Vec<f64> {
        let coords = [p.alpha, p.beta / p.alpha, p.gamma / (1.0 - p.alpha), p.phi];
        let mut x: Vec<f64> = self
            .active
            .iter()
            .map(|&i| coords[i].clamp(BOX[i].0, BOX[i].1))
            .collect();
        x.push(s.level);
        if self.form.trend != Trend::None {
            x.push(s.trend);
        }
        if self.form.seasonal {
            x.extend_from_slice(&s.season[..self.m - 1]);
        }
        x
    }

    /// Parameters and states of a search vector; `None` when a multiplicative seasonal index
    /// is not positive.
    fn decode(&self, x: &[f64]) -> Option<(Smoothing, States)> {
        let mut coords = [0.0, 0.0, 0.0, 0.95];
        for (k, &i) in self.active.iter().enumerate() {
            coords[i] = x[k].clamp(BOX[i].0, BOX[i].1);
        }
        let p = Smoothing::from_box(self.form, &coords);
        let mut rest = x[self.active.len()..].iter().copied();
        let level = rest.next()?;
        let trend = if self.form.trend != Trend::None {
            rest.next()?
        } else {
            0.0
        };
        let season = if self.form.seasonal {
            let mut s: Vec<f64> = rest.collect();
            let total = if self.form.multiplicative_season {
                self.m as f64
            } else {
                0.0
            };
            s.push(total - s.iter().sum::<f64>());
            if self.form.multiplicative_season && s.iter().any(|&v| v <= 0.0) {
                return None;
            }
            s
        } else {
            vec![0.0]
        };
        Some((
            p,
            States {
                level,
                trend,
                season,
            },
        ))
    }

    /// Lower and upper bounds of the search vector (states unbounded).
    fn bounds(&self, len: usize) -> (Vec<f64>, Vec<f64>) {
        let mut lo = vec![f64::NEG_INFINITY; len];
        let mut hi = vec![f64::INFINITY; len];
        for (k, &i) in self.active.iter().enumerate() {
            (lo[k], hi[k]) = BOX[i];
        }
        (lo, hi)
    }

    /// The least-squares residuals of [`residuals`] at a search vector; `false` outside the
    /// admissible region or where the likelihood is infinite.
    fn residuals(&self, y: &[f64], x: &[f64], out: &mut [f64]) -> bool {
        match self.decode(x) {
            Some((p, s)) if admissible(self.form, &p, self.m) => {
                residuals(y, self.form, &p, &s, out)
            }
            _ => false,
        }
    }

    /// The Jacobian of [`Layout::residuals`] at a feasible search vector `x` whose residuals
    /// are `res`, into `jac` (rows: buckets, columns: coordinates), by forward-mode
    /// differentiation of the recursion in the module documentation: every state carries its
    /// derivatives with respect to the search vector, updated by the chain rule at each step,
    /// so one pass costs a few vector operations per bucket where a forward-difference
    /// Jacobian re-runs the recursion once per coordinate. With ρ_t = G·e_t, e_t = y_t/ŷ_t − 1
    /// and ln G the mean of ln ŷ: ∂ρ_t = −G·(y_t/ŷ_t²)·∂ŷ_t + e_t·G·mean(∂ŷ/ŷ). `false` when
    /// the likelihood is infinite at `x` (then `jac` is unspecified); admissibility is the
    /// caller's (the point comes from a successful [`Layout::residuals`]).
    fn jacobian(&self, y: &[f64], x: &[f64], jac: &mut DMatrix<f64>) -> bool {
        let Some((p, init)) = self.decode(x) else {
            return false;
        };
        let form = self.form;
        let k = x.len();
        let n = y.len();
        let na = self.active.len();
        // Which column each box coordinate (α, β/α, γ/(1 − α), φ) occupies, if searched.
        let mut col = [usize::MAX; 4];
        for (j, &i) in self.active.iter().enumerate() {
            col[i] = j;
        }
        let unit = |c: usize| {
            let mut v = vec![0.0; k];
            if c < k {
                v[c] = 1.0;
            }
            v
        };
        // ∂α, ∂γ and ∂φ as vectors over the search coordinates.
        let d_alpha = unit(col[0]);
        let mut d_gamma = vec![0.0; k];
        if form.seasonal {
            let c2 = p.gamma / (1.0 - p.alpha);
            if col[0] < k {
                d_gamma[col[0]] = -c2;
            }
            if col[2] < k {
                d_gamma[col[2]] = 1.0 - p.alpha;
            }
        }
        let d_phi = unit(col[3]);
        let c1 = p.beta / p.alpha;
        let d_c1 = unit(col[1]);
        let has_trend = form.trend != Trend::None;
        let mut dl = unit(na);
        let mut db = if has_trend {
            unit(na + 1)
        } else {
            vec![0.0; k]
        };
        let m = init.season.len();
        let mut ds = vec![0.0; m * k];
        if form.seasonal {
            let first = na + 1 + usize::from(has_trend);
            for j in 0..m - 1 {
                ds[j * k + first + j] = 1.0;
                ds[(m - 1) * k + first + j] = -1.0;
            }
        }
        let mut s = init;
        let (mut dq, mut dfc, mut dadj, mut dlevel) =
            (vec![0.0; k], vec![0.0; k], vec![0.0; k], vec![0.0; k]);
        // Rows of ∂ŷ_t/ŷ_t, scaled at the end; their mean is ∂ ln G.
        let mut rows = vec![0.0; n * k];
        let mut d_log_g = vec![0.0; k];
        let mut errors = vec![0.0; n];
        let (mut log_fc, mut product) = (0.0, 1.0);
        let mut slot = 0;
        for (t, &v) in y.iter().enumerate() {
            let (l, b) = (s.level, s.trend);
            if form.multiplicative_season && l + p.phi * b <= 0.0 {
                return false;
            }
            let q = l + p.phi * b;
            for i in 0..k {
                dq[i] = dl[i] + p.phi * db[i] + b * d_phi[i];
            }
            let (fc, adjusted);
            if form.seasonal {
                let si = s.season[slot];
                let dsi = &mut ds[slot * k..(slot + 1) * k];
                if form.multiplicative_season {
                    fc = q * si;
                    adjusted = v / si;
                    let ratio = v / q - si;
                    for i in 0..k {
                        dfc[i] = si * dq[i] + q * dsi[i];
                        dadj[i] = -(adjusted / si) * dsi[i];
                        dsi[i] = (1.0 - p.gamma) * dsi[i] + ratio * d_gamma[i]
                            - p.gamma * (v / (q * q)) * dq[i];
                    }
                    s.season[slot] = si + p.gamma * ratio;
                } else {
                    fc = q + si;
                    adjusted = v - si;
                    let gap = v - q - si;
                    for i in 0..k {
                        dfc[i] = dq[i] + dsi[i];
                        dadj[i] = -dsi[i];
                        dsi[i] = (1.0 - p.gamma) * dsi[i] + gap * d_gamma[i] - p.gamma * dq[i];
                    }
                    s.season[slot] = si + p.gamma * gap;
                }
            } else {
                fc = q;
                adjusted = v;
                dfc.copy_from_slice(&dq);
                dadj.iter_mut().for_each(|d| *d = 0.0);
            }
            if fc <= 0.0 || !fc.is_finite() {
                return false;
            }
            let level = q + p.alpha * (adjusted - q);
            for i in 0..k {
                dlevel[i] =
                    (1.0 - p.alpha) * dq[i] + p.alpha * dadj[i] + (adjusted - q) * d_alpha[i];
            }
            if has_trend {
                let gap = level - l - p.phi * b;
                for i in 0..k {
                    db[i] = (1.0 - c1) * (p.phi * db[i] + b * d_phi[i])
                        + c1 * (dlevel[i] - dl[i])
                        + gap * d_c1[i];
                }
                s.trend = p.phi * b + c1 * gap;
            }
            s.level = level;
            std::mem::swap(&mut dl, &mut dlevel);
            let row = &mut rows[t * k..(t + 1) * k];
            for i in 0..k {
                row[i] = dfc[i] / fc;
                d_log_g[i] += row[i];
            }
            // ∂ρ_t = G·(−(y/ŷ)·∂ŷ/ŷ + e_t·∂ ln G): the first term now, G and the second below.
            row.iter_mut().for_each(|r| *r *= -(v / fc));
            errors[t] = v / fc - 1.0;
            product *= fc;
            if t % LOG_EVERY == LOG_EVERY - 1 || !(1e-150..=1e150).contains(&product) {
                log_fc += product.ln();
                product = 1.0;
            }
            slot += 1;
            if slot == m {
                slot = 0;
            }
        }
        log_fc += product.ln();
        let g = (log_fc / n as f64).exp();
        if !g.is_finite() {
            return false;
        }
        d_log_g.iter_mut().for_each(|d| *d /= n as f64);
        for (t, e) in errors.iter().enumerate() {
            let row = &rows[t * k..(t + 1) * k];
            for i in 0..k {
                jac[(t, i)] = g * (row[i] + e * d_log_g[i]);
            }
        }
        jac.iter().all(|v| v.is_finite())
    }
}

/// Fits a form with multiplicative error or season to the strictly positive `y` (seasonal
/// forms with period `m`), starting from `base`, the fit of its additive counterpart (same
/// trend, additive season when seasonal, additive error). `None` when nothing finite is found.
pub(super) fn fit(y: &[f64], form: Form, m: usize, base: &Fit) -> Option<Fit> {
    let m = if form.seasonal { m } else { 1 };
    debug_assert!(m <= MAX_SEASON);
    let scale = y.iter().sum::<f64>() / y.len() as f64;
    let ys: Vec<f64> = y.iter().map(|v| v / scale).collect();
    let layout = Layout::new(form, m);
    // statsforecast's and R's starting smoothing parameters (`initparam`): α = 0.2/m of its
    // range, β = 0.1·α, γ = 0.05·(1 − α), φ = 0.8 + 0.99·0.18.
    let alpha = 1e-4 + 0.2 * (0.9999 - 1e-4) / m as f64;
    let default = Smoothing::from_box(form, &[alpha, 0.1, 0.05, 0.8 + 0.99 * 0.18]);
    let r_start = layout.encode(&default, &heuristic_start(&ys, form, m));
    let additive = from_additive(&base.initial, form, scale);
    let (lo, hi) = layout.bounds(r_start.len());
    let r = |x: &[f64], out: &mut [f64]| layout.residuals(&ys, x, out);
    let jac =
        |x: &[f64], _: &[f64], out: &mut DMatrix<f64>, _: &mut [bool]| layout.jacobian(&ys, x, out);
    let run = |x0: Vec<f64>| levenberg_marquardt(&r, &jac, x0, &lo, &hi, ys.len(), 0);
    let better = |a: (f64, Vec<f64>), b: (f64, Vec<f64>)| if b.0 < a.0 { b } else { a };
    let first = run(layout.encode(&base.p, &additive));
    let second = run(r_start);
    // The third start only where the first two disagree: two searches from unrelated starts
    // that end within AGREE of each other in −2·log L have found the same basin.
    let agree = ys.len() as f64 * (first.0 / second.0).ln().abs() <= AGREE;
    let mut pick = better(first, second);
    if !agree {
        pick = better(pick, run(layout.encode(&default, &additive)));
    }
    let (value, best) = pick;
    if !value.is_finite() {
        return None;
    }
    let (p, mut initial) = layout.decode(&best)?;
    initial.level *= scale;
    initial.trend *= scale;
    if !form.multiplicative_season {
        initial.season.iter_mut().for_each(|s| *s *= scale);
    }
    let neg2 = neg2_loglik(y, form, &p, &initial);
    let (n, k) = (y.len() as f64, form.n_params(m) as f64);
    Some(Fit {
        form,
        m,
        p,
        initial,
        sse: f64::NAN,
        aicc: neg2 + 2.0 * k + 2.0 * k * (k + 1.0) / (n - k - 1.0),
    })
}

/// The fit's form and smoothing parameters on `y` (strictly positive), its initial states
/// re-estimated: the counterpart of the additive forms' least-squares re-solve, searched by
/// Levenberg–Marquardt over the states only, from the fit's own states (rescaled to `y`'s
/// mean) and from R's kind of heuristic states; the better one is kept, unless it gains no
/// more than [`LM_TOL`] in −2·log L on the fit's own states (then those are kept as they
/// are). `None` when neither gives a finite likelihood.
pub(super) fn refit_states(y: &[f64], fit: &Fit) -> Option<Fit> {
    let Fit { form, m, p, .. } = *fit;
    let scale = y.iter().sum::<f64>() / y.len() as f64;
    let ys: Vec<f64> = y.iter().map(|v| v / scale).collect();
    let layout = Layout::new(form, m);
    let r = |x: &[f64], out: &mut [f64]| layout.residuals(&ys, x, out);
    let jac =
        |x: &[f64], _: &[f64], out: &mut DMatrix<f64>, _: &mut [bool]| layout.jacobian(&ys, x, out);
    let mut own = fit.initial.clone();
    own.level /= scale;
    own.trend /= scale;
    if !form.multiplicative_season {
        own.season.iter_mut().for_each(|s| *s /= scale);
    }
    let fixed = layout.active.len();
    let start = layout.encode(&p, &own);
    let (lo, hi) = layout.bounds(start.len());
    let mut buf = vec![0.0; ys.len()];
    let own_value = if r(&start, &mut buf) {
        buf.iter().map(|e| e * e).sum::<f64>()
    } else {
        f64::INFINITY
    };
    let (value, x) = [start, layout.encode(&p, &heuristic_start(&ys, form, m))]
        .into_iter()
        .map(|x0| levenberg_marquardt(&r, &jac, x0, &lo, &hi, ys.len(), fixed))
        .min_by(|a, b| a.0.total_cmp(&b.0))?;
    if !value.is_finite() {
        return None;
    }
    if ys.len() as f64 * (own_value / value).ln() <= LM_TOL {
        // The fit's own states are as good: kept exactly (a rerun on the fitted history
        // reproduces the fit).
        return Some(fit.clone());
    }
    let (_, mut initial) = layout.decode(&x)?;
    initial.level *= scale;
    initial.trend *= scale;
    if !form.multiplicative_season {
        initial.season.iter_mut().for_each(|s| *s *= scale);
    }
    Some(Fit {
        initial,
        ..fit.clone()
    })
}

/// Initial states of the additive counterpart's fit, divided by `scale`; a multiplicative
/// season gets indices 1 + s/l₀ (at least 0.05), rescaled to sum to m.
fn from_additive(base: &States, form: Form, scale: f64) -> States {
    let level = base.level / scale;
    let mut season: Vec<f64> = base.season.iter().map(|s| s / scale).collect();
    if form.multiplicative_season {
        season = season
            .iter()
            .map(|s| (1.0 + s / level.max(1e-3)).max(0.05))
            .collect();
        normalise(&mut season);
    }
    States {
        level,
        trend: base.trend / scale,
        season,
    }
}

/// Rescales positive seasonal indices to sum to their count.
fn normalise(s: &mut [f64]) {
    let mean = s.iter().sum::<f64>() / s.len() as f64;
    s.iter_mut().for_each(|v| *v /= mean);
}

/// R's kind of starting states (`initstate`): seasonal indices from the first full seasons (at
/// most four; each slot's mean ratio to, or difference from, its season's mean), then a
/// straight line fitted by least squares to the first max(10, 2m) seasonally adjusted values
/// gives the level and trend.
fn heuristic_start(y: &[f64], form: Form, m: usize) -> States {
    let mut season = vec![0.0; m];
    let mut adjusted = y.to_vec();
    if form.seasonal {
        let seasons = (y.len() / m).clamp(1, 4);
        let means: Vec<f64> = (0..seasons)
            .map(|k| y[k * m..(k + 1) * m].iter().sum::<f64>() / m as f64)
            .collect();
        for (j, s) in season.iter_mut().enumerate() {
            *s = (0..seasons)
                .map(|k| {
                    let v = y[k * m + j];
                    if form.multiplicative_season {
                        v / means[k]
                    } else {
                        v - means[k]
                    }
                })
                .sum::<f64>()
                / seasons as f64;
        }
        if form.multiplicative_season {
            season.iter_mut().for_each(|s| *s = s.max(0.01));
            normalise(&mut season);
        } else {
            let mean = season.iter().sum::<f64>() / m as f64;
            season.iter_mut().for_each(|s| *s -= mean);
        }
        for (t, v) in adjusted.iter_mut().enumerate() {
            let s = season[t % m];
            *v = if form.multiplicative_season {
                *v / s
            } else {
                *v - s
            };
        }
    }
    let head = &adjusted[..adjusted.len().min(10.max(2 * m))];
    let (level, trend) = if form.trend == Trend::None {
        (head.iter().sum::<f64>() / head.len() as f64, 0.0)
    } else {
        line(head)
    };
    States {
        level,
        trend,
        season,
    }
}

/// Least-squares line through (t, y_t), t = 0, 1, …: (value at t = −1, slope) — the states
/// before the first observation.
fn line(y: &[f64]) -> (f64, f64) {
    let n = y.len() as f64;
    let tm = (n - 1.0) / 2.0;
    let ym = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (t, v) in y.iter().enumerate() {
        let d = t as f64 - tm;
        sxy += d * (v - ym);
        sxx += d * d;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (ym - slope * (tm + 1.0), slope)
}

/// Two multiplicative fits from unrelated starts whose −2·log L end this close are taken to
/// have found the same optimum, and the third start is skipped ([`fit`]).
const AGREE: f64 = 0.01;

/// Most Levenberg–Marquardt iterations of one run.
const LM_ITERATIONS: usize = 100;

/// A Levenberg–Marquardt run stops once an iteration lowers −2·log L by less than this: a
/// thousandth of a unit of AICc, far below any difference that decides a form. Against a stop
/// at 1e-7, the 117 statsforecast fixture optima (tests/ets_reference.rs) move by at most 0.02
/// in −2·log L, and M1's monthly forecasts take 0.55 of the time (benches/RESULTS.md).
const LM_TOL: f64 = 1e-3;

/// Minimises Σ r(x)² (the residuals written by `r`, `false` where infeasible) over the
/// coordinates from `fixed` on (the first `fixed` stay at `x0`'s) by Levenberg–Marquardt from
/// `x0`. `jacobian(x, r(x), J, usable)` writes the Jacobian at a feasible x (the ETS fits:
/// [`Layout::jacobian`], exact) and may mark coordinates it could not differentiate unusable
/// for the iteration; `false` stops the search. Marquardt's diagonal damping, coordinates at a bound that the gradient
/// pushes outward held there for the iteration, steps clamped into [`lo`, `hi`]. Stops after
/// [`LM_ITERATIONS`] iterations, when an iteration gains less than [`LM_TOL`] in −2·log L
/// (n·ln S) or when no damping finds a lower point. Returns (S, x); S is infinite when `x0`
/// is infeasible.
fn levenberg_marquardt(
    r: &impl Fn(&[f64], &mut [f64]) -> bool,
    jacobian: &impl Fn(&[f64], &[f64], &mut DMatrix<f64>, &mut [bool]) -> bool,
    x0: Vec<f64>,
    lo: &[f64],
    hi: &[f64],
    n: usize,
    fixed: usize,
) -> (f64, Vec<f64>) {
    let k = x0.len();
    let mut x = x0;
    let mut res = vec![0.0; n];
    if !r(&x, &mut res) {
        return (f64::INFINITY, x);
    }
    let sum_sq = |v: &[f64]| v.iter().map(|e| e * e).sum::<f64>();
    let mut s = sum_sq(&res);
    let mut jac = DMatrix::<f64>::zeros(n, k);
    let mut trial = vec![0.0; n];
    let mut lambda = 1e-3;
    // Scratch of the normal equations (row-major, reused by every iteration): JᵀJ of the free
    // columns, its damped copy factored in place, Jᵀr and the step.
    let (mut a, mut damped) = (vec![0.0; k * k], vec![0.0; k * k]);
    let (mut g, mut step) = (vec![0.0; k], vec![0.0; k]);
    let mut grad = vec![0.0; k];
    let mut usable = vec![true; k];
    let mut free = Vec::with_capacity(k);
    let mut xn = x.clone();
    for _ in 0..LM_ITERATIONS {
        usable.iter_mut().for_each(|u| *u = true);
        usable[..fixed].iter_mut().for_each(|u| *u = false);
        if !jacobian(&x, &res, &mut jac, &mut usable) {
            break;
        }
        let column = |i: usize| &jac.as_slice()[i * n..(i + 1) * n];
        for (i, gr) in grad.iter_mut().enumerate() {
            *gr = dot(column(i), &res);
        }
        free.clear();
        free.extend((0..k).filter(|&i| {
            usable[i] && !(x[i] <= lo[i] && grad[i] > 0.0) && !(x[i] >= hi[i] && grad[i] < 0.0)
        }));
        let kf = free.len();
        if kf == 0 {
            break;
        }
        for (j, &cj) in free.iter().enumerate() {
            g[j] = grad[cj];
            for (l, &cl) in free.iter().enumerate().skip(j) {
                let v = dot(column(cj), column(cl));
                a[j * kf + l] = v;
                a[l * kf + j] = v;
            }
        }
        let mut improved = None;
        while lambda < 1e10 {
            damped[..kf * kf].copy_from_slice(&a[..kf * kf]);
            for i in 0..kf {
                damped[i * kf + i] += lambda * a[i * kf + i].max(1e-12);
            }
            step[..kf].iter_mut().zip(&g).for_each(|(s, g)| *s = -g);
            if !cholesky_solve(&mut damped[..kf * kf], kf, &mut step[..kf]) {
                lambda *= 4.0;
                continue;
            }
            xn.copy_from_slice(&x);
            for (j, &i) in free.iter().enumerate() {
                xn[i] = (x[i] + step[j]).clamp(lo[i], hi[i]);
            }
            if r(&xn, &mut trial) {
                let sn = sum_sq(&trial);
                if sn < s {
                    improved = Some(sn);
                    lambda = (lambda / 3.0).max(1e-12);
                    break;
                }
            }
            lambda *= 4.0;
        }
        let Some(sn) = improved else {
            break;
        };
        let gain = n as f64 * (s / sn).ln();
        std::mem::swap(&mut x, &mut xn);
        s = sn;
        std::mem::swap(&mut res, &mut trial);
        if gain < LM_TOL {
            break;
        }
    }
    (s, x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(alpha: f64, beta: f64, gamma: f64, phi: f64) -> Smoothing {
        Smoothing {
            alpha,
            beta,
            gamma,
            phi,
        }
    }

    #[test]
    fn schur_cohn_counts_roots_inside_the_unit_circle() {
        // (z − 0.5)(z + 0.9) = z² + 0.4z − 0.45: both inside.
        assert!(roots_within(&mut [-0.45, 0.4, 1.0], 1.0));
        // (z − 1.5)(z + 0.2) = z² − 1.3z − 0.3: one outside.
        assert!(!roots_within(&mut [-0.3, -1.3, 1.0], 1.0));
        // (z² + 0.25)(z − 0.5): complex pair of modulus 0.5 and 0.5.
        assert!(roots_within(&mut [-0.125, 0.25, -0.5, 1.0], 1.0));
        // (z² + 1.21)(z − 0.5): complex pair of modulus 1.1.
        assert!(!roots_within(&mut [-0.605, 1.21, -0.5, 1.0], 1.0));
    }

    #[test]
    fn admissible_region_of_a_seasonal_form() {
        let form = Form::new(Trend::Additive, true);
        // Small smoothing parameters are admissible; γ beyond 1 + 1/φ − α is not.
        assert!(admissible(form, &p(0.2, 0.05, 0.1, 1.0), 12));
        assert!(!admissible(form, &p(0.2, 0.05, 1.9, 1.0), 12));
        // α + γ near 1 with a large β: the characteristic polynomial has a root outside.
        assert!(!admissible(form, &p(0.9, 0.9, 0.0999, 1.0), 12));
    }

    #[test]
    fn additive_forms_step_as_the_error_correction_recursions() {
        // ETS(A,Ad,A) by hand: q = 10 + 0.9·2 = 11.8, ŷ = 12.8, e = 1.2.
        let mut s = States {
            level: 10.0,
            trend: 2.0,
            season: vec![1.0, -1.0],
        };
        let fc = step(
            &mut s,
            Form::new(Trend::Damped, true),
            &p(0.5, 0.1, 0.2, 0.9),
            0,
            14.0,
        );
        assert!((fc - 12.8).abs() < 1e-12);
        assert!((s.level - (11.8 + 0.5 * 1.2)).abs() < 1e-12);
        assert!((s.trend - (1.8 + 0.1 * 1.2)).abs() < 1e-12);
        assert!((s.season[0] - (1.0 + 0.2 * 1.2)).abs() < 1e-12);
    }

    #[test]
    fn multiplicative_season_steps_by_hand() {
        // ETS(M,A,M): q = 10 + 2 = 12, s = 1.25, ŷ = 15, y = 18 (ε = 0.2).
        // l = q(1 + αε) = 12·1.1; b = b + β·q·ε/... in the ratio form: b + (β/α)(l − l₀ − b).
        let form = Form::multiplicative(Trend::Additive, true, true);
        let mut s = States {
            level: 10.0,
            trend: 2.0,
            season: vec![1.25, 0.75],
        };
        let fc = step(&mut s, form, &p(0.5, 0.1, 0.2, 1.0), 0, 18.0);
        assert!((fc - 15.0).abs() < 1e-12);
        assert!((s.level - 12.0 * 1.1).abs() < 1e-12);
        // Hyndman et al. table 2.3: b = b + β(l₋₁ + b)ε = 2 + 0.1·12·0.2.
        assert!((s.trend - (2.0 + 0.1 * 12.0 * 0.2)).abs() < 1e-12);
        // s = s(1 + γε) = 1.25·1.04.
        assert!((s.season[0] - 1.25 * 1.04).abs() < 1e-12);
    }

    #[test]
    fn multiplicative_error_likelihood_by_hand() {
        // ETS(M,N,N) with α = 0.5 from l₀ = 10 on [11, 9]: ŷ = 10, 10.5; relative errors
        // 0.1 and −1.5/10.5.
        let form = Form::multiplicative(Trend::None, false, false);
        let init = States {
            level: 10.0,
            trend: 0.0,
            season: vec![0.0],
        };
        let got = neg2_loglik(&[11.0, 9.0], form, &p(0.5, 0.0, 0.0, 1.0), &init);
        let e2 = 0.01 + (1.5f64 / 10.5).powi(2);
        let expect = 2.0 * (e2 / 2.0).ln()
            + 2.0 * (1.0 + (2.0 * std::f64::consts::PI).ln())
            + 2.0 * (10.0f64.ln() + 10.5f64.ln());
        assert!((got - expect).abs() < 1e-10, "{got} vs {expect}");
    }

    #[test]
    fn residuals_give_the_likelihood_as_least_squares() {
        // n·ln(Σρ²/n) + n·(1 + ln 2π) is −2·log L, for a multiplicative season and trend.
        let form = Form::multiplicative(Trend::Damped, true, true);
        let y = [12.0, 7.0, 13.5, 8.0, 14.0, 9.5, 15.0, 9.0];
        let init = States {
            level: 10.0,
            trend: 0.3,
            season: vec![1.2, 0.8],
        };
        let par = p(0.3, 0.05, 0.1, 0.9);
        let mut rho = [0.0; 8];
        assert!(residuals(&y, form, &par, &init, &mut rho));
        let n = y.len() as f64;
        let from_rho = n * (rho.iter().map(|r| r * r).sum::<f64>() / n).ln()
            + n * (1.0 + (2.0 * std::f64::consts::PI).ln());
        let direct = neg2_loglik(&y, form, &par, &init);
        assert!((from_rho - direct).abs() < 1e-9, "{from_rho} vs {direct}");
    }

    /// Forward-difference Jacobian of `r` at `x` (residuals `res`): step 1e-7·max(|x|, 0.01),
    /// taken inward at an upper bound; a coordinate whose step is infeasible is unusable.
    fn forward_difference(
        r: &impl Fn(&[f64], &mut [f64]) -> bool,
        x: &[f64],
        res: &[f64],
        hi: &[f64],
        jac: &mut DMatrix<f64>,
        usable: &mut [bool],
    ) {
        let mut trial = vec![0.0; res.len()];
        for i in 0..x.len() {
            let h = 1e-7 * x[i].abs().max(1e-2);
            let h = if x[i] + h > hi[i] { -h } else { h };
            let mut xp = x.to_vec();
            xp[i] += h;
            if r(&xp, &mut trial) {
                for t in 0..res.len() {
                    jac[(t, i)] = (trial[t] - res[t]) / h;
                }
            } else {
                usable[i] = false;
            }
        }
    }

    #[test]
    fn exact_jacobian_matches_forward_differences_for_every_form() {
        // A positive seasonal series with trend and noise; every multiplicative-error form at
        // an interior point of its box, from R's kind of starting states.
        let m = 4;
        let y: Vec<f64> = (0..40)
            .map(|t| {
                let season = [1.3, 0.8, 1.1, 0.8][t % m];
                (10.0 + 0.3 * t as f64) * season * (1.0 + 0.05 * ((t * 7 % 5) as f64 - 2.0))
            })
            .collect();
        for form in Form::MULTIPLICATIVE {
            let mm = if form.seasonal { m } else { 1 };
            let layout = Layout::new(form, mm);
            let par = Smoothing::from_box(form, &[0.3, 0.2, 0.15, 0.9]);
            let x = layout.encode(&par, &heuristic_start(&y, form, mm));
            let (k, n) = (x.len(), y.len());
            let mut res = vec![0.0; n];
            assert!(layout.residuals(&y, &x, &mut res), "{}", form.label());
            let (mut exact, mut approx) = (DMatrix::zeros(n, k), DMatrix::zeros(n, k));
            assert!(layout.jacobian(&y, &x, &mut exact));
            let mut usable = vec![true; k];
            let hi = vec![f64::INFINITY; k];
            let r = |x: &[f64], out: &mut [f64]| layout.residuals(&y, x, out);
            forward_difference(&r, &x, &res, &hi, &mut approx, &mut usable);
            assert!(usable.iter().all(|&u| u));
            let scale = approx.amax().max(1e-3);
            let worst = (&exact - &approx).amax();
            assert!(worst < 1e-5 * scale, "{}: {worst} vs {scale}", form.label());
        }
    }

    #[test]
    fn levenberg_marquardt_finds_a_least_squares_minimum_in_the_box() {
        // r = (x₀ − 0.3, 3(x₁ + 2), x₀·x₁ − 1): with x₁ held to [−1, 5] the minimum is on the
        // bound x₁ = −1, where Σr² = (x₀ − 0.3)² + 9 + (x₀ + 1)², least at x₀ = −0.35.
        let r = |x: &[f64], out: &mut [f64]| {
            out[0] = x[0] - 0.3;
            out[1] = 3.0 * (x[1] + 2.0);
            out[2] = x[0] * x[1] - 1.0;
            true
        };
        let jac = |x: &[f64], res: &[f64], j: &mut DMatrix<f64>, usable: &mut [bool]| {
            forward_difference(&r, x, res, &[5.0, 5.0], j, usable);
            true
        };
        let (s, x) =
            levenberg_marquardt(&r, &jac, vec![0.5, 1.0], &[-5.0, -1.0], &[5.0, 5.0], 3, 0);
        assert!(
            (x[0] + 0.35).abs() < 1e-5 && (x[1] + 1.0).abs() < 1e-15,
            "{x:?}"
        );
        assert!((s - (0.65f64.powi(2) * 2.0 + 9.0)).abs() < 1e-8, "{s}");
        // The first coordinate held fixed: only x₁ moves (to its bound).
        let (_, x) =
            levenberg_marquardt(&r, &jac, vec![0.5, 1.0], &[-5.0, -1.0], &[5.0, 5.0], 3, 1);
        assert!(
            (x[0] - 0.5).abs() < 1e-15 && (x[1] + 1.0).abs() < 1e-15,
            "{x:?}"
        );
    }
}
