//! Fitting one ARIMA order, as R's `arima(method = "CSS-ML")` and statsforecast's port do:
//! the conditional sum of squares (CSS) first, for starting values, then the exact likelihood
//! by the Kalman filter, both minimised by BFGS; a mean (no differencing) or a drift (one
//! difference) as a regression term; the information criteria and the root checks of R's
//! `auto.arima` (`myarima`). Not the choice of order (sibling `search`).

use super::kalman::{arma_likelihood, Model};
use super::optim::bfgs;
use super::params::{expand, roots_outside, transform, untransform, Order};

/// The regression term fitted alongside the ARMA coefficients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constant {
    /// None.
    None,
    /// A mean (intercept), on an undifferenced model.
    Mean,
    /// A drift (coefficient of the time index 1, 2, …), on a model with one difference.
    Drift,
}

impl Constant {
    /// The term `auto.arima` gives a model of d + D differences when a constant is wanted.
    pub fn for_differences(diffs: usize, wanted: bool) -> Self {
        match (wanted, diffs) {
            (true, 0) => Constant::Mean,
            (true, 1) => Constant::Drift,
            _ => Constant::None,
        }
    }

    fn column(self, n: usize) -> Option<Vec<f64>> {
        match self {
            Constant::None => None,
            Constant::Mean => Some(vec![1.0; n]),
            Constant::Drift => Some((1..=n).map(|t| t as f64).collect()),
        }
    }
}

/// A fit whose MA roots lie closer to the unit circle than this is retried from zero
/// coefficients (the criteria would reject it).
const MA_NEAR_UNIT: f64 = 1.01;

/// The data of one maximum-likelihood fit.
struct Problem<'a> {
    o: Order,
    /// The differenced series and regression column.
    dx: &'a [f64],
    dc: Option<&'a [f64]>,
    /// Scale of the regression coefficient in the search.
    scale: f64,
}

impl Problem<'_> {
    /// Maximises the likelihood over [transformed arma…, beta/scale] from `init`: the
    /// likelihood of the differenced series by the ARMA filter (the exact diffuse likelihood
    /// of the undifferenced one, Ansley & Kohn 1985, with r states instead of r + d + mD; R's
    /// filter with a finite prior variance κ = 10⁶ gives the same to 0.05 at statsforecast's
    /// estimates on the fixtures). Returns (objective, parameters).
    fn maximise(&self, init: &[f64]) -> (f64, Vec<f64>) {
        let (o, narma) = (self.o, self.o.n_arma());
        let (data, reg) = (self.dx, self.dc);
        let mut w = data.to_vec();
        let mut objective = |par: &[f64]| {
            let coef = untransform(&par[..narma], &o);
            let (phi, theta) = expand(&coef, &o);
            if let Some(c) = reg {
                let beta = par[narma] * self.scale;
                for (w, (a, c)) in w.iter_mut().zip(data.iter().zip(c)) {
                    *w = a - beta * c;
                }
            }
            arma_likelihood(&phi, &theta, &w, None).map_or(f64::INFINITY, |l| l.objective())
        };
        bfgs(&mut objective, init)
    }
}

/// Estimation method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// CSS starting values, then exact maximum likelihood (the default).
    CssMl,
    /// Conditional sum of squares only (`auto.arima`'s approximation during the search).
    Css,
}

/// A fitted order.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The order.
    pub order: Order,
    /// The regression term.
    pub constant: Constant,
    /// ARMA coefficients [ar…, ma…, sar…, sma…].
    pub coef: Vec<f64>,
    /// Coefficient of the regression term (0 without one).
    pub beta: f64,
    /// Log-likelihood (exact; for a CSS fit, the CSS approximation).
    pub loglik: f64,
    /// AICc as `auto.arima` computes it (+∞ when the roots checks fail).
    pub aicc: f64,
    /// AIC.
    pub aic: f64,
    /// Innovation variance for the forecast variance (`auto.arima`'s Σe²/(n* − k + 1)).
    pub sigma2: f64,
    /// The state-space model after the last observation (exact fits).
    pub model: Model,
    /// Observations fitted.
    pub n: usize,
}

/// The series differenced (1 − B)^d (1 − B^m)^D.
pub fn difference(x: &[f64], o: &Order) -> Vec<f64> {
    let mut v = x.to_vec();
    for _ in 0..o.d {
        v = lag_diff(&v, 1);
    }
    for _ in 0..o.sd {
        v = lag_diff(&v, o.m);
    }
    v
}

/// x_t − x_{t−lag}.
pub fn lag_diff(x: &[f64], lag: usize) -> Vec<f64> {
    x.iter().skip(lag).zip(x).map(|(a, b)| a - b).collect()
}

/// Conditional sum of squares / count (R's `ARIMA_CSS`): residuals of the differenced series
/// from the first `ncond` observations on.
fn css(x: &[f64], o: &Order, phi: &[f64], theta: &[f64], ncond: usize) -> f64 {
    let w = {
        let mut w = x.to_vec();
        for _ in 0..o.d {
            for l in (1..w.len()).rev() {
                w[l] -= w[l - 1];
            }
        }
        for _ in 0..o.sd {
            for l in (o.m..w.len()).rev() {
                w[l] -= w[l - o.m];
            }
        }
        w
    };
    let n = w.len();
    let mut resid = vec![0.0; n];
    let (mut ssq, mut nu) = (0.0, 0usize);
    for l in ncond..n {
        let mut tmp = w[l];
        for (j, ph) in phi.iter().enumerate() {
            tmp -= ph * w[l - j - 1];
        }
        for (j, th) in theta.iter().enumerate().take(l - ncond) {
            tmp -= th * resid[l - j - 1];
        }
        resid[l] = tmp;
        ssq += tmp * tmp;
        nu += 1;
    }
    if nu == 0 {
        f64::INFINITY
    } else {
        ssq / nu as f64
    }
}

/// Start and scale of the regression coefficient: least squares on the differenced series
/// and column (R's `lm` start; scale 10 standard errors, R's `parscale`).
fn regression_start(x: &[f64], column: &[f64], o: &Order) -> (f64, f64) {
    let dx = difference(x, o);
    let dc = difference(column, o);
    let cc: f64 = dc.iter().map(|c| c * c).sum();
    let beta = dx.iter().zip(&dc).map(|(a, b)| a * b).sum::<f64>() / cc;
    let rss: f64 = dx
        .iter()
        .zip(&dc)
        .map(|(a, b)| (a - beta * b).powi(2))
        .sum();
    let dof = (dx.len() as f64 - 1.0).max(1.0);
    let se = (rss / dof / cc).sqrt();
    (
        beta,
        if se > 0.0 {
            10.0 * se
        } else {
            beta.abs().max(1.0)
        },
    )
}

/// Fits `order` with `constant` to `x`; `None` when the model cannot be fitted (too short, a
/// non-finite likelihood, a non-stationary start that cannot be repaired).
pub fn fit(x: &[f64], order: Order, constant: Constant, method: Method) -> Option<Fit> {
    let n = x.len();
    let o = order;
    let narma = o.n_arma();
    let delta = o.delta();
    let n_used = n.checked_sub(delta.len()).filter(|&u| u > 0)?;
    let column = constant.column(n);
    let (beta0, scale) = match &column {
        Some(c) => regression_start(x, c, &o),
        None => (0.0, 1.0),
    };
    if !beta0.is_finite() {
        return None;
    }
    let nreg = usize::from(column.is_some());
    let resid_series = |beta: f64| -> Vec<f64> {
        match &column {
            Some(c) => x.iter().zip(c).map(|(v, c)| v - beta * c).collect(),
            None => x.to_vec(),
        }
    };
    // CSS over [arma…, beta/scale].
    let ncond = o.d + o.sd * o.m + o.p + o.sp * o.m;
    if ncond >= n {
        return None;
    }
    let mut css_objective = |par: &[f64]| {
        let (phi, theta) = expand(&par[..narma], &o);
        let beta = if nreg > 0 { par[narma] * scale } else { 0.0 };
        let v = css(&resid_series(beta), &o, &phi, &theta, ncond);
        if v <= 0.0 {
            f64::NEG_INFINITY
        } else {
            0.5 * v.ln()
        }
    };
    let mut start = vec![0.0; narma + nreg];
    if nreg > 0 {
        start[narma] = beta0 / scale;
    }
    let (css_value, css_par) = bfgs(&mut css_objective, &start);
    let css_par = if css_value.is_finite() {
        css_par
    } else {
        start.clone()
    };
    if method == Method::Css {
        return css_fit(x, o, constant, &css_par, scale, ncond, n_used);
    }
    // Exact likelihood over [transformed arma…, beta/scale] from the CSS estimates (their AR
    // parts reset to zero when not stationary).
    let mut init = css_par.clone();
    let trans = match transform(&init[..narma], &o) {
        Some(t) => t,
        None => {
            init[..o.p].fill(0.0);
            init[o.p + o.q..o.p + o.q + o.sp].fill(0.0);
            transform(&init[..narma], &o)?
        }
    };
    init[..narma].copy_from_slice(&trans);
    let dx = difference(x, &o);
    let dc = column.as_ref().map(|c| difference(c, &o));
    let problem = Problem {
        o,
        dx: &dx,
        dc: dc.as_deref(),
        scale,
    };
    let (mut value, mut par) = problem.maximise(&init);
    let ma_near_unit = |par: &[f64]| {
        let (_, theta) = expand(&untransform(&par[..narma], &o), &o);
        !roots_outside(&theta, MA_NEAR_UNIT)
    };
    // A start that ends with a non-invertible MA is retried from zero coefficients.
    let mut zero = vec![0.0; init.len()];
    zero[narma..].copy_from_slice(&init[narma..]);
    if value.is_finite() && ma_near_unit(&par) && init != zero {
        let (v, p) = problem.maximise(&zero);
        if v.is_finite() && !ma_near_unit(&p) {
            (value, par) = (v, p);
        }
    }
    if !value.is_finite() {
        return None;
    }
    let coef = untransform(&par[..narma], &o);
    let beta = if nreg > 0 { par[narma] * scale } else { 0.0 };
    let (phi, theta) = expand(&coef, &o);
    let mut resid = Vec::new();
    let lik = {
        let dxr: Vec<f64> = match &dc {
            Some(dc) => dx.iter().zip(dc).map(|(a, c)| a - beta * c).collect(),
            None => dx.clone(),
        };
        arma_likelihood(&phi, &theta, &dxr, Some(&mut resid))?
    };
    // The state for forecasting: the full model (differencing states diffuse) over the series.
    let mut model = Model::new(&phi, &theta, &delta);
    model.filter(&resid_series(beta), None)?;
    let nu = n_used as f64;
    let neg2 = 2.0 * nu * lik.objective() + nu + nu * (2.0 * std::f64::consts::PI).ln();
    let npar = narma + nreg;
    let aic = neg2 + 2.0 * (npar + 1) as f64;
    Some(finish(
        Fit {
            order: o,
            constant,
            coef,
            beta,
            loglik: -0.5 * neg2,
            aicc: f64::INFINITY,
            aic,
            sigma2: 0.0,
            model,
            n,
        },
        &resid,
        npar,
    ))
}

/// A CSS-only fit: AIC from n*·ln σ² (the search's approximation; the offset that makes it
/// comparable across orders is added by the caller).
fn css_fit(
    x: &[f64],
    o: Order,
    constant: Constant,
    par: &[f64],
    scale: f64,
    ncond: usize,
    n_used: usize,
) -> Option<Fit> {
    let narma = o.n_arma();
    let nreg = par.len() - narma;
    let coef = par[..narma].to_vec();
    let beta = if nreg > 0 { par[narma] * scale } else { 0.0 };
    let xr: Vec<f64> = match constant.column(x.len()) {
        Some(c) => x.iter().zip(&c).map(|(v, c)| v - beta * c).collect(),
        None => x.to_vec(),
    };
    let (phi, theta) = expand(&coef, &o);
    let sigma2 = css(&xr, &o, &phi, &theta, ncond);
    if sigma2.is_nan() || sigma2 <= 0.0 || !sigma2.is_finite() {
        return None;
    }
    let npar = narma + nreg + 1;
    let aic = n_used as f64 * sigma2.ln() + 2.0 * npar as f64;
    let model = Model::new(&phi, &theta, &o.delta());
    let fit = Fit {
        order: o,
        constant,
        coef,
        beta,
        loglik: f64::NAN,
        aicc: f64::INFINITY,
        aic,
        sigma2,
        model,
        n: x.len(),
    };
    Some(with_criteria(fit, npar - 1))
}

/// AICc and the root checks (`myarima`): AICc = AIC + 2k(k + 1)/(n* − k − 1) with k the
/// coefficients plus the variance and n* = n − d − mD; +∞ when an AR or MA root lies within
/// 1.01 of the unit circle.
fn with_criteria(mut fit: Fit, npar: usize) -> Fit {
    let o = fit.order;
    let nstar = fit.n as f64 - (o.d + o.sd * o.m) as f64;
    let k = (npar + 1) as f64;
    fit.aicc = if nstar - k - 1.0 != 0.0 {
        fit.aic + 2.0 * k * (k + 1.0) / (nstar - k - 1.0)
    } else {
        f64::INFINITY
    };
    let neg_phi: Vec<f64> = fit.model.phi.iter().map(|v| -v).collect();
    let ok = (o.p + o.sp == 0 || roots_outside(&neg_phi, 1.01))
        && (o.q + o.sq == 0 || roots_outside(&fit.model.theta, 1.01));
    if !ok || !fit.aicc.is_finite() {
        fit.aicc = f64::INFINITY;
    }
    fit
}

/// Criteria, then the forecast variance σ² = Σe²/(n* − k + 1) from the standardised
/// residuals (as `myarima` sets it).
fn finish(fit: Fit, resid: &[f64], npar: usize) -> Fit {
    let mut fit = with_criteria(fit, npar);
    let o = fit.order;
    let nstar = fit.n as f64 - (o.d + o.sd * o.m) as f64;
    let ss: f64 = resid.iter().filter(|v| v.is_finite()).map(|v| v * v).sum();
    fit.sigma2 = ss / (nstar - (npar + 1) as f64 + 1.0);
    fit
}

impl Fit {
    /// Point forecasts and forecast variances (units², σ² included) `h` steps ahead.
    pub fn forecast(&self, h: usize) -> (Vec<f64>, Vec<f64>) {
        let (mean, var) = self.model.forecast(h);
        let mean = mean
            .iter()
            .enumerate()
            .map(|(i, m)| {
                m + match self.constant {
                    Constant::None => 0.0,
                    Constant::Mean => self.beta,
                    Constant::Drift => self.beta * (self.n + i + 1) as f64,
                }
            })
            .collect();
        (mean, var.iter().map(|v| v * self.sigma2).collect())
    }
}

impl Fit {
    /// The same order, coefficients and σ² with the Kalman filter run over `y` instead (the
    /// state after its last observation); `None` when the filter fails.
    pub fn refilter(&self, y: &[f64]) -> Option<Fit> {
        let mut fit = self.clone();
        let column = self.constant.column(y.len());
        let x: Vec<f64> = match column {
            Some(c) => y.iter().zip(&c).map(|(v, c)| v - self.beta * c).collect(),
            None => y.to_vec(),
        };
        let (phi, theta) = expand(&self.coef, &self.order);
        fit.model = Model::new(&phi, &theta, &self.order.delta());
        fit.model.filter(&x, None)?;
        fit.n = y.len();
        Some(fit)
    }
}

/// `order` with zero ARMA coefficients and the regression coefficient fixed at `beta` (for a
/// constant series, or one that differencing makes constant, as `auto.arima` fits them:
/// nothing to estimate). Its AICc is not used.
pub fn fixed(x: &[f64], order: Order, constant: Constant, beta: f64) -> Option<Fit> {
    let coef = vec![0.0; order.n_arma()];
    let (phi, theta) = expand(&coef, &order);
    let mut fit = Fit {
        order,
        constant,
        coef,
        beta,
        loglik: f64::NAN,
        aicc: 0.0,
        aic: 0.0,
        sigma2: 0.0,
        model: Model::new(&phi, &theta, &order.delta()),
        n: x.len(),
    };
    let mut resid = Vec::new();
    let x: Vec<f64> = match constant.column(x.len()) {
        Some(c) => x.iter().zip(&c).map(|(v, c)| v - beta * c).collect(),
        None => x.to_vec(),
    };
    let lik = fit.model.filter(&x, Some(&mut resid))?;
    fit.sigma2 = if lik.nu > 0 {
        lik.ssq / lik.nu as f64
    } else {
        0.0
    };
    Some(fit)
}

/// The exact log-likelihood of `x` under `order` with the given ARMA coefficients
/// [ar…, ma…, sar…, sma…] and regression coefficient (σ² at its maximum-likelihood value),
/// as the fit computes it; `None` when the AR part is not stationary.
pub fn loglik_at(
    x: &[f64],
    order: Order,
    constant: Constant,
    coef: &[f64],
    beta: f64,
) -> Option<f64> {
    let xr: Vec<f64> = match constant.column(x.len()) {
        Some(c) => x.iter().zip(&c).map(|(v, c)| v - beta * c).collect(),
        None => x.to_vec(),
    };
    let w = difference(&xr, &order);
    let (phi, theta) = expand(coef, &order);
    let lik = arma_likelihood(&phi, &theta, &w, None)?;
    let nu = w.len() as f64;
    Some(-0.5 * (2.0 * nu * lik.objective() + nu + nu * (2.0 * std::f64::consts::PI).ln()))
}
