//! The stepwise order search of Hyndman & Khandakar (2008), as statsforecast's `auto_arima`
//! (a port of R's `auto.arima`) runs it with its defaults: differences from the tests (sibling
//! `differencing`), four start models, then ±1 moves of p, q, P, Q (singly and in pairs) and
//! the constant on or off, taking the first move that lowers AICc, until none does or 94
//! models were fitted. Not the fit of one order (sibling `fit`).

use super::differencing::{is_constant, ndiffs, nsdiffs};
use super::fit::{difference, fit, fixed, Constant, Fit, Method};
use super::params::Order;

/// Search limits and starts (statsforecast's and R's defaults).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest p and q (5).
    pub max_pq: usize,
    /// Largest P and Q (2).
    pub max_seasonal: usize,
    /// Largest d (2).
    pub max_d: usize,
    /// Models fitted at most (94).
    pub max_models: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_pq: 5,
            max_seasonal: 2,
            max_d: 2,
            max_models: 94,
        }
    }
}

/// One candidate: p, q, P, Q and whether it has a constant.
type Candidate = (usize, usize, usize, usize, bool);

/// The search state: fitted candidates and the best fit so far.
struct Search<'a> {
    x: &'a [f64],
    d: usize,
    sd: usize,
    m: usize,
    method: Method,
    tried: Vec<(Candidate, f64)>,
    best: Option<Fit>,
    limit: usize,
}

impl Search<'_> {
    fn order(&self, c: Candidate) -> Order {
        Order {
            p: c.0,
            d: self.d,
            q: c.1,
            sp: c.2,
            sd: self.sd,
            sq: c.3,
            m: self.m,
        }
    }

    fn is_new(&self, c: Candidate) -> bool {
        !self.tried.iter().any(|(t, _)| *t == c)
    }

    fn best_ic(&self) -> f64 {
        self.best.as_ref().map_or(f64::INFINITY, |f| f.aicc)
    }

    /// Fits `c`, records it; true when it beats the best so far.
    fn try_model(&mut self, c: Candidate) -> bool {
        if self.tried.len() >= self.limit {
            return false;
        }
        let constant = Constant::for_differences(self.d + self.sd, c.4);
        let fitted = fit(self.x, self.order(c), constant, self.method);
        let ic = fitted.as_ref().map_or(f64::INFINITY, |f| f.aicc);
        self.tried.push((c, ic));
        if ic < self.best_ic() {
            self.best = fitted;
            return true;
        }
        false
    }
}

/// The moves tried from (p, q, P, Q, constant), in `auto.arima`'s order.
fn moves(
    c: Candidate,
    max_p: usize,
    max_q: usize,
    max_sp: usize,
    max_sq: usize,
    allow_constant: bool,
) -> Vec<Candidate> {
    let (p, q, sp, sq, k) = c;
    let (p, q, sp, sq) = (p as isize, q as isize, sp as isize, sq as isize);
    let ok = |v: isize, max: usize| v >= 0 && v <= max as isize;
    let mut out = Vec::new();
    let mut push = |np: isize, nq: isize, nsp: isize, nsq: isize, nk: bool| {
        if ok(np, max_p) && ok(nq, max_q) && ok(nsp, max_sp) && ok(nsq, max_sq) {
            out.push((np as usize, nq as usize, nsp as usize, nsq as usize, nk));
        }
    };
    for (dp, dq) in [
        (-1, 0),
        (0, -1),
        (1, 0),
        (0, 1),
        (-1, -1),
        (-1, 1),
        (1, -1),
        (1, 1),
    ] {
        push(p, q, sp + dp, sq + dq, k);
    }
    for (dp, dq) in [
        (-1, 0),
        (0, -1),
        (1, 0),
        (0, 1),
        (-1, -1),
        (-1, 1),
        (1, -1),
        (1, 1),
    ] {
        push(p + dp, q + dq, sp, sq, k);
    }
    if allow_constant {
        push(p, q, sp, sq, !k);
    }
    out
}

/// The differences d and D the tests choose for `x` with period `m` (D first, on the series;
/// d on the seasonally differenced one).
pub fn choose_differences(x: &[f64], m: usize, limits: &Limits) -> (usize, usize) {
    let sd = if m > 1 { nsdiffs(x, m) } else { 0 };
    let dx = if sd > 0 {
        difference(
            x,
            &Order {
                p: 0,
                d: 0,
                q: 0,
                sp: 0,
                sd,
                sq: 0,
                m,
            },
        )
    } else {
        x.to_vec()
    };
    let d = ndiffs(&dx, limits.max_d);
    (d, sd)
}

/// AutoARIMA on `x` with seasonal period `m` (1: non-seasonal): the chosen fit, or `None`
/// when no model could be fitted.
pub fn auto_arima(x: &[f64], m: usize, limits: &Limits) -> Option<Fit> {
    let n = x.len();
    if n == 0 {
        return None;
    }
    let m = m.max(1);
    if is_constant(x) {
        let order = Order {
            p: 0,
            d: 0,
            q: 0,
            sp: 0,
            sd: 0,
            sq: 0,
            m: 1,
        };
        return fixed(x, order, Constant::Mean, x[0]);
    }
    let (d, sd) = choose_differences(x, m, limits);
    let seasonal = m > 1;
    let mut max_p = limits.max_pq.min(n / 3);
    let mut max_q = max_p;
    let max_sp = if seasonal {
        limits.max_seasonal.min(n / 3 / m)
    } else {
        0
    };
    let max_sq = max_sp;
    if seasonal {
        max_p = max_p.min(m - 1);
        max_q = max_q.min(m - 1);
    }
    let base = Order {
        p: 0,
        d,
        q: 0,
        sp: 0,
        sd,
        sq: 0,
        m,
    };
    let dx = difference(x, &base);
    if dx.is_empty() {
        return None;
    }
    let diffs = d + sd;
    let allow_constant = diffs <= 1;
    if is_constant(&dx) {
        // As `auto_arima`: a drift (or mean) fixed at the differenced series' level when there
        // is one difference (or none), no constant otherwise.
        let constant = Constant::for_differences(diffs, true);
        let beta = match (constant, sd > 0) {
            (Constant::None, _) => 0.0,
            (_, true) => dx[0] / m as f64,
            (_, false) => dx[0],
        };
        return fixed(x, base, constant, beta);
    }
    // R's approximation: CSS during the search on long or long-period series. (Its `offset`
    // is the same for every candidate of the search, so the ranking does not need it.)
    let approximation = n > 150 || m > 12;
    let method = if approximation {
        Method::Css
    } else {
        Method::CssMl
    };
    let mut s = Search {
        x,
        d,
        sd,
        m,
        method,
        tried: Vec::new(),
        best: None,
        limit: limits.max_models,
    };
    let (sp0, sq0) = if n < 10 || !seasonal { (0, 0) } else { (1, 1) };
    let start_pq = if n < 10 { 1 } else { 2 };
    let k = allow_constant;
    let mut cur = (
        start_pq.min(max_p),
        start_pq.min(max_q),
        sp0.min(max_sp),
        sq0.min(max_sq),
        k,
    );
    s.try_model(cur);
    if s.try_model((0, 0, 0, 0, k)) {
        cur = (0, 0, 0, 0, k);
    }
    if max_p > 0 || max_sp > 0 {
        let c = (
            usize::from(max_p > 0),
            0,
            usize::from(seasonal && max_sp > 0),
            0,
            k,
        );
        if s.try_model(c) {
            cur = c;
        }
    }
    if max_q > 0 || max_sq > 0 {
        let c = (
            0,
            usize::from(max_q > 0),
            0,
            usize::from(seasonal && max_sq > 0),
            k,
        );
        if s.try_model(c) {
            cur = c;
        }
    }
    if k && s.try_model((0, 0, 0, 0, false)) {
        cur = (0, 0, 0, 0, false);
    }
    'outer: while s.tried.len() < s.limit {
        for c in moves(cur, max_p, max_q, max_sp, max_sq, allow_constant) {
            if s.is_new(c) && s.try_model(c) {
                cur = c;
                continue 'outer;
            }
        }
        break;
    }
    if approximation {
        return refit_exact(&s);
    }
    s.best.filter(|f| f.aicc.is_finite())
}

/// After a CSS search: the candidates in order of their approximate AICc refitted exactly; the
/// first with a finite AICc.
fn refit_exact(s: &Search) -> Option<Fit> {
    let mut order: Vec<&(Candidate, f64)> = s.tried.iter().filter(|(_, ic)| !ic.is_nan()).collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1));
    order.into_iter().find_map(|&(c, _)| {
        let constant = Constant::for_differences(s.d + s.sd, c.4);
        fit(s.x, s.order(c), constant, Method::CssMl).filter(|f| f.aicc.is_finite())
    })
}
