//! Screening of sales quantities against each SKU's own history: a day whose sales are far
//! above anything else the SKU sold on days of the same kind (a typo, a unit mistake), or a
//! return far beyond anything it sold, is excluded before anything is learned from it.
//!
//! Absurd values in themselves (a barcode, 1e308), duplicated blocks of rows and placeholder
//! dates are found while loading ([`crate::io::sales`]), because they need the row stream;
//! this module judges the loaded daily totals per sku/location series, once the whole history
//! is known. It does not bucket or forecast.
//!
//! # Rule
//! Days are judged by kind: promotion days (the sales `promo` flag) against promotion days,
//! other days against other days, each when its kind has at least `min_days` days with sales;
//! a kind with fewer is judged against all the series' days with sales; fewer than
//! `min_days` in all: not judged (absurd values are still caught by the loader). Within the
//! reference days, on the log scale of the positive daily totals (so intermittent and lumpy
//! SKUs, whose median and MAD of daily demand are 0, are judged by the sizes they sell, and
//! trend and season, which multiply demand, widen the scale instead of raising false alarms):
//!
//! - robust scale s = max(1.4826 · MAD(ln q), `min_scale`), around the median m of ln q;
//! - a day is *far out* when ln q − m > `z` · s; the *largest ordinary day* is the largest
//!   reference day that is not far out;
//! - a day is an **outlier** when it is far out **and** at least `ratio` times the largest
//!   ordinary day. Both conditions: the scale alone flags the top of a heavy-tailed but
//!   genuine history, the ratio alone fails on short histories; two typos in one SKU do not
//!   hide each other, since neither is ordinary.
//!
//! A **return** (negative daily total) is an outlier when its size is at least `ratio` times
//! the largest ordinary day of sales of the series (all kinds), given `min_days` days with
//! sales.
//!
//! # What happens to a flagged day
//! Its quantity is set to 0 and the day gets the [`SCREENED`] flag: its demand is unknown.
//! Bucketing counts it like a stockout day, so censored-demand imputation
//! ([`crate::forecast::censor`], `censoring = "impute"`, the default) replaces it by the
//! local level of its uncensored neighbours; with `censoring = "ignore"` it counts as 0. It
//! never reaches a model, the global model, the demand class or the error runs, and it is
//! left out of the net units. Each flagged day is one row of `anomalies.csv` with its SKU.
//!
//! | setting | default | meaning |
//! |---|---|---|
//! | `ratio` (`[validation] outlier_ratio`) | 3 | times the largest ordinary day; 0 = off |
//! | `z` | 3.5 | far out: more than 3.5 robust scales above the median (log scale) |
//! | `min_scale` | 0.5 | floor of the log-scale spread (a day 5.8× the median size is far out when the spread is smaller) |
//!
//! The thresholds were tuned on clean generated catalogues (`measure_screening` in the tests:
//! 3 × 3000 SKUs, 1095 days): with ratio 3 and z 3.5, 0.00–0.10% of SKUs are flagged (the
//! bound is 0.5%), a 100× typo on a SKU's median day is caught in 96–97% of SKUs and a 10×
//! typo in 15% (the smooth SKUs: for intermittent and lumpy ones a 10× day is within their
//! own largest sizes). Ratio 2.5 catches 44% of 10× typos at 0.10–0.17% flagged; z 3 raises
//! the 100× share to 99.4% at 0.20–0.23%.
//! | `min_days` | 8 | days with sales a kind needs to be judged on its own |

use rayon::prelude::*;

use crate::io::{
    anomalies::{Anomaly, AnomalyAction},
    parse::date_of,
    sales::{SalesData, PROMO, SCREENED},
};

/// Thresholds of the outlier rule (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct OutlierSettings {
    /// Times the largest ordinary day a day must reach to be an outlier; 0 turns it off.
    pub ratio: f64,
    /// Robust scales above the median (log scale) that make a day far out.
    pub z: f64,
    /// Floor of the robust scale (log scale).
    pub min_scale: f64,
    /// Days with sales a kind needs to be judged on its own.
    pub min_days: usize,
}

impl Default for OutlierSettings {
    fn default() -> Self {
        Self {
            ratio: 3.0,
            z: 3.5,
            min_scale: 0.5,
            min_days: 8,
        }
    }
}

/// Which days a flagged day was compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Promotion days.
    Promo,
    /// Days without a promotion.
    Regular,
    /// All days with sales (the day's own kind had too few).
    All,
    /// A return, compared with all days with sales.
    Return,
}

impl Kind {
    fn days(self) -> &'static str {
        match self {
            Kind::Promo => "promotion days",
            Kind::Regular => "non-promotion days",
            Kind::All | Kind::Return => "days",
        }
    }
}

/// One flagged day of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlier {
    /// Index of the day in the series.
    pub day: usize,
    /// The day's net units.
    pub value: f64,
    /// What it was compared with.
    pub kind: Kind,
    /// The largest ordinary day of the reference days.
    pub largest: f64,
    /// The median day with sales of the reference days.
    pub typical: f64,
}

/// The outliers of one daily series (`qty`, `flags` as in [`crate::io::sales::DailySales`]);
/// days already [`SCREENED`] are left out.
pub fn outliers(qty: &[f64], flags: &[u8], settings: &OutlierSettings) -> Vec<Outlier> {
    if settings.ratio <= 0.0 {
        return Vec::new();
    }
    let ok = |i: &usize| qty[*i] > 0.0 && flags[*i] & SCREENED == 0;
    let all: Vec<usize> = (0..qty.len()).filter(ok).collect();
    if all.len() < settings.min_days {
        return Vec::new();
    }
    let mut found = Vec::new();
    let pooled = Reference::of(qty, &all, settings);
    for (kind, promo) in [(Kind::Regular, false), (Kind::Promo, true)] {
        let days: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| (flags[i] & PROMO != 0) == promo)
            .collect();
        let (kind, reference) = if days.len() >= settings.min_days {
            (kind, Reference::of(qty, &days, settings))
        } else {
            (Kind::All, pooled.clone())
        };
        for i in days {
            if reference.is_outlier(qty[i], settings) {
                found.push(reference.outlier(i, qty[i], kind));
            }
        }
    }
    for i in (0..qty.len()).filter(|&i| qty[i] < 0.0 && flags[i] & SCREENED == 0) {
        if -qty[i] >= settings.ratio * pooled.largest {
            found.push(pooled.outlier(i, qty[i], Kind::Return));
        }
    }
    found.sort_by_key(|o| o.day);
    found
}

/// The robust summary of a set of reference days.
#[derive(Debug, Clone)]
struct Reference {
    /// Median of ln q.
    median: f64,
    /// Robust scale of ln q (floored).
    scale: f64,
    /// Largest reference day that is not far out.
    largest: f64,
}

impl Reference {
    fn of(qty: &[f64], days: &[usize], settings: &OutlierSettings) -> Self {
        let mut logs: Vec<f64> = days.iter().map(|&i| qty[i].ln()).collect();
        let median = median(&mut logs);
        let mut dev: Vec<f64> = logs.iter().map(|l| (l - median).abs()).collect();
        let scale = (1.4826 * median_of(&mut dev)).max(settings.min_scale);
        let bound = median + settings.z * scale;
        let largest = days
            .iter()
            .map(|&i| qty[i])
            .filter(|q| q.ln() <= bound)
            .fold(0.0, f64::max);
        Self {
            median,
            scale,
            largest,
        }
    }

    fn is_outlier(&self, q: f64, settings: &OutlierSettings) -> bool {
        q.ln() - self.median > settings.z * self.scale && q >= settings.ratio * self.largest
    }

    fn outlier(&self, day: usize, value: f64, kind: Kind) -> Outlier {
        Outlier {
            day,
            value,
            kind,
            largest: self.largest,
            typical: self.median.exp(),
        }
    }
}

/// The median of `v` (reordered); NaN when empty.
fn median(v: &mut [f64]) -> f64 {
    median_of(v)
}

fn median_of(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let n = v.len();
    let (_, hi, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    let hi = *hi;
    if n % 2 == 1 {
        return hi;
    }
    let lo = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo + hi) / 2.0
}

/// Screens every series of `data` (in parallel): flagged days are zeroed and marked
/// [`SCREENED`], taken out of the net units and counted; returns one anomaly per flagged day.
/// Frees the row index afterwards.
pub fn screen_sales(data: &mut SalesData, settings: &OutlierSettings) -> Vec<Anomaly> {
    let found: Vec<Vec<Outlier>> = data
        .series
        .par_iter()
        .map(|d| outliers(&d.qty, &d.flags, settings))
        .collect();
    let mut anomalies = Vec::new();
    for (k, outs) in found.into_iter().enumerate() {
        for o in outs {
            let (line, several) = data.rows.day_line(k, o.day).unwrap_or((0, false));
            let d = &mut data.series[k];
            let date = date_of(d.first_day + o.day as i32);
            let at = d
                .location
                .as_deref()
                .map(|l| format!(" at {l}"))
                .unwrap_or_default();
            anomalies.push(Anomaly {
                file: data.file.clone(),
                line,
                sku: d.sku.clone(),
                column: "quantity".into(),
                value: units(o.value),
                reason: reason(&o, &format!("{date}{at}"), several, settings),
                action: AnomalyAction::Excluded,
            });
            d.qty[o.day] = 0.0;
            d.flags[o.day] |= SCREENED;
            data.stats.net_units -= o.value;
            data.stats.excluded_values += 1;
            if o.value < 0.0 {
                data.stats.return_rows = data.stats.return_rows.saturating_sub(1);
                data.stats.returned_units += o.value;
            }
        }
    }
    data.drop_rows();
    anomalies
}

/// The reason of an anomaly row.
fn reason(o: &Outlier, when: &str, several: bool, settings: &OutlierSettings) -> String {
    let total = if several {
        " (the day's total over several rows; this is the first)"
    } else {
        ""
    };
    let found = if o.kind == Kind::Return {
        format!(
            "a return of {} units on {when}{total} is {:.0}× the SKU's largest ordinary day of sales ({}): far beyond anything sold",
            units(-o.value),
            -o.value / o.largest,
            units(o.largest)
        )
    } else {
        format!(
            "{} units on {when}{total} are {:.0}× the SKU's largest ordinary day among its {} ({}; a typical one sells {}): far outside its own history, likely a typo or a unit mistake",
            units(o.value),
            o.value / o.largest,
            o.kind.days(),
            units(o.largest),
            units(o.typical)
        )
    };
    format!(
        "{found}; excluded from fitting: the day's demand is imputed from its neighbours like a stockout day; correct the quantity in the export (or set [validation] outlier_ratio = 0, now {}, to keep such days)",
        settings.ratio
    )
}

/// Units for a message: whole numbers without decimals, others with up to 2.
fn units(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{:.2}", v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_distr::{Distribution, Poisson};

    fn rng() -> rand_chacha::ChaCha8Rng {
        rand_chacha::ChaCha8Rng::seed_from_u64(21)
    }

    /// A smooth SKU: Poisson(16) a day for 700 days, with a weekly pattern.
    fn smooth() -> Vec<f64> {
        let mut r = rng();
        (0..700)
            .map(|t| {
                let m = if t % 7 >= 4 { 24.0 } else { 14.0 };
                Poisson::new(m).unwrap().sample(&mut r)
            })
            .collect()
    }

    #[test]
    fn a_tenfold_typo_and_a_hundredfold_typo_are_caught() {
        let mut q = smooth();
        let typical = q[100];
        q[100] *= 10.0;
        q[400] *= 100.0;
        let flags = vec![0; q.len()];
        let found = outliers(&q, &flags, &OutlierSettings::default());
        let days: Vec<usize> = found.iter().map(|o| o.day).collect();
        assert_eq!(days, vec![100, 400], "{found:?} (typical {typical})");
        assert_eq!(found[0].kind, Kind::Regular);
        // The largest ordinary day is the largest clean day.
        let clean = q
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 100 && *i != 400)
            .map(|(_, v)| *v)
            .fold(0.0, f64::max);
        assert!((found[0].largest - clean).abs() < 1e-9);
    }

    #[test]
    fn clean_histories_are_not_flagged() {
        let settings = OutlierSettings::default();
        let mut r = rng();
        // Intermittent: demand on 5% of days, 1 + Poisson(0.5) units.
        let size = Poisson::new(0.5).unwrap();
        let inter: Vec<f64> = (0..1000)
            .map(|_| {
                if r.random::<f64>() < 0.05 {
                    1.0 + size.sample(&mut r)
                } else {
                    0.0
                }
            })
            .collect();
        assert!(outliers(&inter, &vec![0; 1000], &settings).is_empty());
        // Lumpy: sizes 1, 2, 3, 5, 8, 13, 40 on a few days (median 0, MAD 0 of daily demand).
        let mut lumpy = vec![0.0; 400];
        for (k, v) in [1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 40.0, 2.0, 6.0]
            .iter()
            .enumerate()
        {
            lumpy[k * 40 + 3] = *v;
        }
        assert!(outliers(&lumpy, &vec![0; 400], &settings).is_empty());
        // Promotion days sell 8× the other days: judged against promotion days, not flagged.
        let mut q = smooth();
        let mut flags = vec![0u8; q.len()];
        for i in (50..700).step_by(60) {
            for d in i..i + 5 {
                q[d] *= 8.0;
                flags[d] = PROMO;
            }
        }
        assert!(outliers(&q, &flags, &settings).is_empty());
        // A trend ×5 over the history with a yearly season: not flagged.
        let mut r = rng();
        let trend: Vec<f64> = (0..1095)
            .map(|t| {
                let t = f64::from(t);
                let m = 4.0
                    * (t / 1095.0 * 5f64.ln()).exp()
                    * (1.0 + 0.6 * (t / 365.25 * std::f64::consts::TAU).cos());
                Poisson::new(m).unwrap().sample(&mut r)
            })
            .collect();
        assert!(outliers(&trend, &vec![0; 1095], &settings).is_empty());
    }

    #[test]
    fn a_promotion_day_typo_is_judged_against_promotion_days() {
        let mut q = smooth();
        let mut flags = vec![0u8; q.len()];
        for i in (50..700).step_by(60) {
            for d in i..i + 5 {
                q[d] *= 3.0;
                flags[d] = PROMO;
            }
        }
        q[291] *= 20.0; // a promotion day
        let found = outliers(&q, &flags, &OutlierSettings::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].day, found[0].kind), (291, Kind::Promo));
    }

    #[test]
    fn an_intermittent_typo_and_a_huge_return_are_caught() {
        // Sizes 1 or 2 on every 10th day; one day of 20 (a typo for 2).
        let mut q: Vec<f64> = (0..500)
            .map(|t| {
                if t % 10 == 0 {
                    1.0 + f64::from(u8::from(t % 20 == 0))
                } else {
                    0.0
                }
            })
            .collect();
        q[250] = 20.0;
        q[255] = -40.0;
        q[256] = -1.0; // an ordinary return
        let found = outliers(&q, &vec![0; 500], &OutlierSettings::default());
        let got: Vec<(usize, Kind)> = found.iter().map(|o| (o.day, o.kind)).collect();
        assert_eq!(got, vec![(250, Kind::Regular), (255, Kind::Return)]);
        // Off: nothing.
        let off = OutlierSettings {
            ratio: 0.0,
            ..OutlierSettings::default()
        };
        assert!(outliers(&q, &vec![0; 500], &off).is_empty());
    }

    #[test]
    fn short_histories_are_not_judged_and_screened_days_are_skipped() {
        let q = vec![1.0, 1.0, 1.0, 50.0];
        assert!(outliers(&q, &[0; 4], &OutlierSettings::default()).is_empty());
        let mut q = smooth();
        q[10] = 0.0;
        let mut flags = vec![0u8; q.len()];
        flags[10] = SCREENED;
        assert!(outliers(&q, &flags, &OutlierSettings::default()).is_empty());
    }

    #[test]
    fn medians() {
        assert!((median(&mut [3.0, 1.0, 2.0]) - 2.0).abs() < 1e-12);
        assert!((median(&mut [4.0, 1.0, 2.0, 3.0]) - 2.5).abs() < 1e-12);
        assert_eq!(units(12.0), "12");
        assert_eq!(units(2.5), "2.50");
    }

    /// Loads a generated catalogue (sale days only, CSV) of `skus` SKUs.
    fn generated(skus: usize, days: usize, seed: u64) -> crate::io::sales::SalesData {
        use crate::generate::{generate, GenerateParams};
        use crate::io::sales::{load_sales, DateWindow, SalesLimits};
        let dir = tempfile::tempdir().unwrap();
        let params = GenerateParams {
            skus,
            days,
            seed,
            ..GenerateParams::default()
        };
        generate(&params, dir.path()).unwrap();
        let window = DateWindow {
            earliest: i32::MIN,
            before: i32::MAX,
            before_is: "never".into(),
        };
        let path = dir.path().join("sales.csv");
        let mut log = crate::io::rejects::RejectLog::new(&path);
        let data = load_sales(
            &path,
            &Default::default(),
            &window,
            &SalesLimits::default(),
            &mut log,
        )
        .unwrap();
        assert!(log.rows.is_empty());
        data
    }

    /// Share of series with at least one flagged day.
    fn flagged_share(data: &crate::io::sales::SalesData, settings: &OutlierSettings) -> f64 {
        let flagged = data
            .series
            .iter()
            .filter(|d| !outliers(&d.qty, &d.flags, settings).is_empty())
            .count();
        flagged as f64 / data.series.len() as f64
    }

    /// False alarms are a defect: on a clean generated catalogue (promotions, intermittent
    /// and lumpy SKUs, trends, seasons, stockouts, returns) at most 0.5% of SKUs are flagged,
    /// and loading flags nothing.
    #[test]
    fn a_clean_generated_catalogue_has_at_most_half_a_percent_flagged() {
        let data = generated(1000, 1095, 7);
        assert!(data.anomalies.is_empty(), "{:?}", data.anomalies);
        let share = flagged_share(&data, &OutlierSettings::default());
        assert!(share <= 0.005, "{:.2}% of SKUs flagged", 100.0 * share);
    }

    /// The tuning run (`cargo test --lib measure_screening -- --ignored --nocapture`): the
    /// flagged share of clean catalogues and the share of injected 10× and 100× typos caught,
    /// for several thresholds.
    #[test]
    #[ignore]
    fn measure_screening() {
        for seed in [1, 2, 3] {
            let data = generated(3000, 1095, seed);
            for ratio in [2.5, 3.0, 3.5, 4.0, 5.0] {
                for z in [3.0, 3.5, 4.0] {
                    let s = OutlierSettings {
                        ratio,
                        z,
                        ..OutlierSettings::default()
                    };
                    let share = flagged_share(&data, &s);
                    let (mut judged, mut ten, mut hundred) = (0, 0, 0);
                    for d in &data.series {
                        let mut pos: Vec<(f64, usize)> = d
                            .qty
                            .iter()
                            .enumerate()
                            .filter(|(i, q)| **q > 0.0 && d.flags[*i] == 0)
                            .map(|(i, q)| (*q, i))
                            .collect();
                        if pos.len() < 30 {
                            continue;
                        }
                        pos.sort_by(|a, b| a.0.total_cmp(&b.0));
                        let (_, i) = pos[pos.len() / 2];
                        judged += 1;
                        for (factor, count) in [(10.0, &mut ten), (100.0, &mut hundred)] {
                            let mut q = d.qty.clone();
                            q[i] *= factor;
                            if outliers(&q, &d.flags, &s).iter().any(|o| o.day == i) {
                                *count += 1;
                            }
                        }
                    }
                    println!(
                        "seed {seed} ratio {ratio} z {z}: flagged {:.2}% of {} series; typo on a median day caught: 10x {:.1}%, 100x {:.1}% of {judged}",
                        100.0 * share,
                        data.series.len(),
                        100.0 * f64::from(ten) / f64::from(judged),
                        100.0 * f64::from(hundred) / f64::from(judged)
                    );
                }
            }
        }
    }
}
