//! The report's charts, drawn with plotters into PNG and SVG.
//!
//! Text is drawn with the DejaVu Sans font compiled into the binary (plotters' `ab_glyph`
//! feature), so charts render the same on a machine with no fonts installed. Each chart is a
//! type implementing [`Chart`]; [`render`] draws it twice (PNG, SVG) and writes both
//! atomically. Colours follow [`super::palette`].
//!
//! Not responsible for choosing what to chart (see [`super::html`]) or reading outputs.

use std::{path::Path, sync::Once};

use plotters::{
    coord::{types::RangedCoordf64, Shift},
    prelude::*,
    style::text_anchor::{HPos, Pos, VPos},
    style::{FontStyle, RGBColor},
};

use super::palette::{
    CURRENT, DEMAND, FIT, FORECAST, LEVEL, ON_HAND, ORDERS, OTHER, RECOMMENDED, SHORTAGE,
};
use crate::{
    calendar::Freq,
    io::{atomic::write_atomic, LoadError},
    plan::detail::SkuDetail,
    sim::trace::Trajectory,
};

/// The bundled font (DejaVu Sans, Bitstream Vera licence: `src/report/fonts/`).
static FONT: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Registers the bundled font as plotters' `sans-serif` (once per process).
fn register_font() {
    REGISTER.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            // The font is compiled in and known to parse (tested).
            let _ = plotters::style::register_font("sans-serif", style, FONT);
        }
    });
}

/// A drawing error (plotters' message).
pub type DrawResult = Result<(), String>;

fn e<E: std::fmt::Display>(err: E) -> String {
    err.to_string()
}

/// A chart that can draw itself on any plotters backend.
pub trait Chart {
    /// Draws the chart on `area` (already sized).
    ///
    /// # Errors
    /// plotters' drawing error, as text.
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult;
}

/// A rendered chart: the PNG bytes (for inlining) and where both files went.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// File stem (`charts/<stem>.png` and `.svg`).
    pub stem: String,
    /// PNG file contents.
    pub png: Vec<u8>,
    /// Pixel size.
    pub size: (u32, u32),
}

/// Draws `chart` at `size` pixels into `dir/<stem>.png` and `dir/<stem>.svg`.
///
/// # Errors
/// [`LoadError::Write`] when a file cannot be written; a drawing failure is reported as a
/// write error of the chart's file (it means the chart's data could not be drawn).
pub fn render(
    chart: &impl Chart,
    dir: &Path,
    stem: &str,
    size: (u32, u32),
) -> Result<Rendered, LoadError> {
    register_font();
    let fail = |path: &Path, msg: String| LoadError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(msg),
    };
    let png_path = dir.join(format!("{stem}.png"));
    let mut rgb = vec![255u8; size.0 as usize * size.1 as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        chart.draw(&area).map_err(|m| fail(&png_path, m))?;
        area.present().map_err(|x| fail(&png_path, e(x)))?;
    }
    let png = encode_png(&rgb, size).map_err(|x| fail(&png_path, e(x)))?;
    write_atomic(&png_path, |w| w.write_all(&png))?;
    let svg_path = dir.join(format!("{stem}.svg"));
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        chart.draw(&area).map_err(|m| fail(&svg_path, m))?;
        area.present().map_err(|x| fail(&svg_path, e(x)))?;
    }
    write_atomic(&svg_path, |w| w.write_all(svg.as_bytes()))?;
    Ok(Rendered {
        stem: stem.to_string(),
        png,
        size,
    })
}

fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        // The default level: `Best` made charts 10% smaller but took three quarters of the
        // report's time (4 s of the M5-shape run).
        enc.set_compression(png::Compression::Default);
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
    }
    Ok(out)
}

const TITLE: u32 = 22;
const LABEL: u32 = 15;

fn title_font() -> TextStyle<'static> {
    ("sans-serif", TITLE)
        .into_font()
        .style(FontStyle::Bold)
        .into()
}

fn label_font() -> TextStyle<'static> {
    ("sans-serif", LABEL).into_font().color(&BLACK)
}

/// Pads a value range so lines do not touch the frame; never empty.
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    let span = (hi - lo).max(1e-9);
    let pad = span * 0.06;
    let hi = if hi - lo < 1e-9 { lo + 1.0 } else { hi + pad };
    (
        if lo >= 0.0 {
            0.0f64.max(lo - pad).min(lo)
        } else {
            lo - pad
        },
        hi,
    )
}

fn unit(freq: Freq) -> &'static str {
    match freq {
        Freq::Day => "day",
        Freq::Week => "week",
        Freq::Month => "month",
    }
}

/// Compact number: 12,345 → "12.3k".
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 10.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A legend entry's symbol.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    /// A solid line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A filled box (bars, bands); the alpha is applied.
    Fill(RGBColor, f64),
    /// A filled dot.
    Dot(RGBColor),
    /// A filled triangle.
    Triangle(RGBColor),
    /// An open circle.
    Ring(RGBColor),
}

/// Draws the legend in a strip under the plot (never over the data) and returns the area left
/// for the plot. Entries flow left to right and wrap.
fn legend_below<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(Mark, String)],
) -> Result<DrawingArea<DB, Shift>, String> {
    if items.is_empty() {
        return Ok(area.clone());
    }
    let (w, h) = area.dim_in_pixel();
    let font = label_font();
    let row_h = 22i32;
    let mut rows = 1i32;
    let mut x = 12i32;
    let mut places = Vec::with_capacity(items.len());
    for (_, text) in items {
        let tw = area.estimate_text_size(text, &font).map_err(e)?.0 as i32;
        let need = 30 + tw + 24;
        if x + need > w as i32 - 8 && x > 12 {
            rows += 1;
            x = 12;
        }
        places.push((x, rows - 1));
        x += need;
    }
    let strip = (rows * row_h + 10) as u32;
    let (plot, legend) = area.split_vertically(h.saturating_sub(strip));
    for ((mark, text), (x, row)) in items.iter().zip(places) {
        let y = row * row_h + 14;
        match *mark {
            Mark::Line(c) => legend
                .draw(&PathElement::new(
                    vec![(x, y), (x + 22, y)],
                    c.stroke_width(2),
                ))
                .map_err(e)?,
            Mark::Dashed(c) => {
                for k in 0..3 {
                    legend
                        .draw(&PathElement::new(
                            vec![(x + k * 8, y), (x + k * 8 + 5, y)],
                            c.stroke_width(2),
                        ))
                        .map_err(e)?;
                }
            }
            Mark::Fill(c, a) => legend
                .draw(&Rectangle::new(
                    [(x, y - 6), (x + 22, y + 6)],
                    c.mix(a).filled(),
                ))
                .map_err(e)?,
            Mark::Dot(c) => legend
                .draw(&Circle::new((x + 11, y), 6, c.filled()))
                .map_err(e)?,
            Mark::Triangle(c) => legend
                .draw(&TriangleMarker::new((x + 11, y), 7, c.filled()))
                .map_err(e)?,
            Mark::Ring(c) => legend
                .draw(&Circle::new((x + 11, y), 5, c.stroke_width(2)))
                .map_err(e)?,
        }
        legend
            .draw(&Text::new(text.clone(), (x + 30, y - 8), font.clone()))
            .map_err(e)?;
    }
    Ok(plot)
}

/// Forecast chart: recent history, backtest forecasts, the forecast and its quantile band.
pub struct ForecastChart<'a> {
    /// The SKU's data.
    pub detail: &'a SkuDetail,
}

/// The plotting area of a chart, in f64 coordinates on both axes.
type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

impl Chart for ForecastChart<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        let d = self.detail;
        area.fill(&WHITE).map_err(e)?;
        let plot = legend_below(area, &self.legend())?;
        let nh = d.history.len();
        let n = nh + d.forecast.len();
        let hi = d
            .history
            .iter()
            .chain(&d.forecast)
            .chain(&d.band_high)
            .chain(&d.fit)
            .fold(0.0f64, |a, &b| a.max(b));
        let lo = d.history.iter().fold(0.0f64, |a, &b| a.min(b));
        let (y0, y1) = padded(lo, hi);
        let dates = self.bucket_dates();
        let label = |x: &f64| {
            let i = x.round();
            if i < 0.0 || i as usize >= dates.len() {
                String::new()
            } else {
                dates[i as usize].format("%Y-%m-%d").to_string()
            }
        };
        let title = match &d.location {
            Some(l) => format!("{} @ {l}: forecast ({})", d.sku, d.model),
            None => format!("{}: forecast ({})", d.sku, d.model),
        };
        let mut chart = frame(
            &plot,
            &title,
            title_font(),
            -0.5..(n.max(1) as f64 - 0.5),
            y0..y1,
        )?;
        mesh(
            &mut chart,
            "bucket start",
            &format!("units per {}", unit(d.freq)),
            &label,
        )?;
        self.draw_lines(&mut chart)
    }
}

impl ForecastChart<'_> {
    /// The legend: the band (if any), actual demand, backtest forecasts (if any), forecast.
    fn legend(&self) -> Vec<(Mark, String)> {
        let d = self.detail;
        let mut items = Vec::new();
        if let Some((ql, qh)) = d.band_levels {
            items.push((
                Mark::Fill(FORECAST, 0.2),
                format!("q{:.0}–q{:.0} band", ql * 100.0, qh * 100.0),
            ));
        }
        items.push((Mark::Line(DEMAND), "actual demand".to_string()));
        if !d.fit.is_empty() {
            items.push((Mark::Line(FIT), "backtest forecasts".to_string()));
        }
        items.push((Mark::Line(FORECAST), "forecast".to_string()));
        items
    }

    /// The start of every bucket charted: the history's, then the forecast's.
    fn bucket_dates(&self) -> Vec<chrono::NaiveDate> {
        let d = self.detail;
        let (nh, nf) = (d.history.len(), d.forecast.len());
        let mut dates = Vec::with_capacity(nh + nf);
        let mut day = d.history_start;
        for _ in 0..nh {
            dates.push(day);
            day = d.freq.next_bucket(day);
        }
        let mut day = d.forecast_start;
        for _ in 0..nf {
            dates.push(day);
            day = d.freq.next_bucket(day);
        }
        dates
    }

    /// The quantile band, the history, the backtest forecasts and the forecast.
    fn draw_lines<DB: DrawingBackend>(&self, chart: &mut Plot<'_, DB>) -> DrawResult {
        let d = self.detail;
        let nh = d.history.len();
        let n = nh + d.forecast.len();
        if d.band_levels.is_some() {
            let xs = (nh..n).map(|i| i as f64);
            let upper: Vec<(f64, f64)> = xs.clone().zip(d.band_high.iter().copied()).collect();
            let lower: Vec<(f64, f64)> = xs.zip(d.band_low.iter().copied()).rev().collect();
            let poly: Vec<(f64, f64)> = upper.into_iter().chain(lower).collect();
            chart
                .draw_series(std::iter::once(Polygon::new(
                    poly,
                    FORECAST.mix(0.2).filled(),
                )))
                .map_err(e)?;
        }
        chart
            .draw_series(LineSeries::new(
                d.history.iter().enumerate().map(|(i, &v)| (i as f64, v)),
                DEMAND.stroke_width(1),
            ))
            .map_err(e)?;
        if !d.fit.is_empty() {
            let off = nh - d.fit.len();
            chart
                .draw_series(LineSeries::new(
                    d.fit
                        .iter()
                        .enumerate()
                        .map(|(i, &v)| ((off + i) as f64, v)),
                    FIT.stroke_width(2),
                ))
                .map_err(e)?;
        }
        chart
            .draw_series(LineSeries::new(
                d.forecast
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| ((nh + i) as f64, v)),
                FORECAST.stroke_width(2),
            ))
            .map_err(e)?;
        Ok(())
    }
}

/// The plotting frame every chart uses: title, margins, label areas, f64 axes.
fn frame<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    title_style: TextStyle<'_>,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> Result<Plot<'a, DB>, String> {
    ChartBuilder::on(area)
        .caption(title, title_style)
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(x, y)
        .map_err(e)
}

/// Draws the axes, labels and a light grid.
fn mesh<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    x_desc: &str,
    y_desc: &str,
    x_label: &dyn Fn(&f64) -> String,
) -> DrawResult {
    chart
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(x_label)
        .y_label_formatter(&|v| short(*v))
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(label_font())
        .axis_desc_style(label_font())
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(WHITE)
        .draw()
        .map_err(e)
}

/// Inventory trajectory of one simulated replication: the sawtooth.
pub struct TrajectoryChart<'a> {
    /// The replication.
    pub trajectory: &'a Trajectory,
}

impl Chart for TrajectoryChart<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        let t = self.trajectory;
        area.fill(&WHITE).map_err(e)?;
        let plot = legend_below(area, &self.legend())?;
        let n = t.on_hand.len();
        let hi = t
            .on_hand
            .iter()
            .chain(&t.position)
            .copied()
            .chain(t.reorder_point)
            .chain(t.order_up_to)
            .fold(0.0f64, f64::max);
        let lo = -t.backlog.iter().fold(0.0f64, |a, &b| a.max(b));
        let (y0, y1) = padded(lo, hi);
        let title = format!(
            "{}: simulated stock, policy {} ({} scenario, one replication)",
            t.sku, t.policy, t.scenario
        );
        let mut chart = frame(&plot, &title, title_font(), 0.0..(n.max(1) as f64), y0..y1)?;
        mesh(
            &mut chart,
            "simulated day (after warm-up)",
            "units (backlog below 0)",
            &|v| format!("{v:.0}"),
        )?;
        self.draw_levels(&mut chart)?;
        self.draw_stock(&mut chart)?;
        self.draw_orders(&mut chart)
    }
}

impl TrajectoryChart<'_> {
    /// Whether customers waited on any day.
    fn short_days(&self) -> bool {
        self.trajectory.backlog.iter().any(|&b| b > 0.0)
    }

    /// The legend: the levels, on hand, inventory position, backlog (if any), orders.
    fn legend(&self) -> Vec<(Mark, String)> {
        let t = self.trajectory;
        let mut items = Vec::new();
        if let Some(s) = t.reorder_point {
            items.push((
                Mark::Dashed(LEVEL),
                format!("reorder point s = {}", short(s)),
            ));
        }
        if let Some(s) = t.order_up_to {
            items.push((Mark::Line(LEVEL), format!("order-up-to S = {}", short(s))));
        }
        items.push((Mark::Line(ON_HAND), "on hand".to_string()));
        items.push((Mark::Line(OTHER), "inventory position".to_string()));
        if self.short_days() {
            items.push((
                Mark::Fill(SHORTAGE, 1.0),
                "backlog (customers waiting)".to_string(),
            ));
        }
        items.push((Mark::Triangle(ORDERS), "order placed".to_string()));
        items.push((Mark::Ring(ORDERS), "order arrives".to_string()));
        items
    }

    /// The reorder point (dashed) and the order-up-to level, across the whole chart.
    fn draw_levels<DB: DrawingBackend>(&self, chart: &mut Plot<'_, DB>) -> DrawResult {
        let t = self.trajectory;
        let n = t.on_hand.len();
        if let Some(s) = t.reorder_point {
            chart
                .draw_series(DashedLineSeries::new(
                    [(0.0, s), (n as f64, s)],
                    8,
                    5,
                    LEVEL.stroke_width(2),
                ))
                .map_err(e)?;
        }
        if let Some(s) = t.order_up_to {
            chart
                .draw_series(LineSeries::new(
                    [(0.0, s), (n as f64, s)],
                    LEVEL.stroke_width(2),
                ))
                .map_err(e)?;
        }
        Ok(())
    }

    /// Inventory position, on hand, and the backlog as bars below 0.
    fn draw_stock<DB: DrawingBackend>(&self, chart: &mut Plot<'_, DB>) -> DrawResult {
        let t = self.trajectory;
        chart
            .draw_series(LineSeries::new(
                t.position.iter().enumerate().map(|(i, &v)| (i as f64, v)),
                OTHER.stroke_width(1),
            ))
            .map_err(e)?;
        chart
            .draw_series(LineSeries::new(
                t.on_hand.iter().enumerate().map(|(i, &v)| (i as f64, v)),
                ON_HAND.stroke_width(2),
            ))
            .map_err(e)?;
        if self.short_days() {
            chart
                .draw_series(t.backlog.iter().enumerate().filter(|(_, &b)| b > 0.0).map(
                    |(i, &b)| {
                        Rectangle::new([(i as f64, -b), (i as f64 + 1.0, 0.0)], SHORTAGE.filled())
                    },
                ))
                .map_err(e)?;
        }
        Ok(())
    }

    /// Orders placed (on the inventory position) and received (on the stock on hand).
    fn draw_orders<DB: DrawingBackend>(&self, chart: &mut Plot<'_, DB>) -> DrawResult {
        let t = self.trajectory;
        let pos_at = |d: u32| t.position.get(d as usize).copied().unwrap_or(0.0);
        let hand_at = |d: u32| t.on_hand.get(d as usize).copied().unwrap_or(0.0);
        chart
            .draw_series(t.orders.iter().map(|&(d, _, _)| {
                TriangleMarker::new((f64::from(d), pos_at(d)), 7, ORDERS.filled())
            }))
            .map_err(e)?;
        chart
            .draw_series(
                t.receipts.iter().map(|&(d, _)| {
                    Circle::new((f64::from(d), hand_at(d)), 4, ORDERS.stroke_width(2))
                }),
            )
            .map_err(e)?;
        Ok(())
    }
}

/// What a point on the trade-off chart is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The planner's current policy.
    Current,
    /// The recommended policy.
    Recommended,
    /// Another policy family compared.
    Other,
}

impl Role {
    fn colour(self) -> RGBColor {
        match self {
            Role::Current => CURRENT,
            Role::Recommended => RECOMMENDED,
            Role::Other => OTHER,
        }
    }
}

/// One policy on the trade-off chart.
#[derive(Debug, Clone)]
pub struct TradeoffPoint {
    /// Policy label.
    pub label: String,
    /// Total cost per year.
    pub cost: f64,
    /// Fill rate (0–1).
    pub fill_rate: f64,
    /// Its role.
    pub role: Role,
}

/// Fill rate against total cost per policy.
pub struct TradeoffChart {
    /// Title.
    pub title: String,
    /// Policies.
    pub points: Vec<TradeoffPoint>,
    /// Service target line (fill rate, 0–1), with its label.
    pub target: Option<(f64, String)>,
}

impl Chart for TradeoffChart {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        area.fill(&WHITE).map_err(e)?;
        let pts = &self.points;
        let mut items = Vec::new();
        for (role, name) in [
            (Role::Current, "current policy"),
            (Role::Recommended, "recommended policy"),
            (Role::Other, "other policy families"),
        ] {
            if pts.iter().any(|p| p.role == role) {
                items.push((Mark::Dot(role.colour()), name.to_string()));
            }
        }
        if let Some((_, name)) = &self.target {
            items.push((Mark::Dashed(LEVEL), name.clone()));
        }
        let plot = legend_below(area, &items)?;
        let (c0, c1) = pts
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                (a.min(p.cost), b.max(p.cost))
            });
        let (c0, c1) = if pts.is_empty() { (0.0, 1.0) } else { (c0, c1) };
        let span = (c1 - c0).max(c1.abs() * 0.1).max(1.0);
        let (x0, x1) = ((c0 - span * 0.15).max(0.0), c1 + span * 0.3);
        let f_lo = pts
            .iter()
            .map(|p| p.fill_rate)
            .chain(self.target.as_ref().map(|t| t.0))
            .fold(1.0f64, f64::min);
        let y0 = ((f_lo * 100.0 - 2.0).floor()).max(0.0);
        let mut chart = frame(&plot, &self.title, title_font(), x0..x1, y0..100.5)?;
        chart
            .configure_mesh()
            .x_desc("total cost per year (holding + ordering + shortage)")
            .y_desc("fill rate (%)")
            .x_label_formatter(&|v| short(*v))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(label_font())
            .axis_desc_style(label_font())
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(WHITE)
            .draw()
            .map_err(e)?;
        if let Some((t, _)) = &self.target {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x0, t * 100.0), (x1, t * 100.0)],
                    8,
                    5,
                    LEVEL.stroke_width(2),
                ))
                .map_err(e)?;
        }
        // Labels alternate above and below their dot, so near-equal policies stay readable.
        let mut order: Vec<&TradeoffPoint> = pts.iter().collect();
        order.sort_by(|a, b| a.cost.total_cmp(&b.cost));
        for (k, p) in order.iter().enumerate() {
            let c = p.role.colour();
            let size = if p.role == Role::Other { 6 } else { 9 };
            let dy = if k % 2 == 0 { -22 } else { 8 };
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((p.cost, p.fill_rate * 100.0))
                        + Circle::new((0, 0), size, c.filled())
                        + Text::new(p.label.clone(), (12, dy), label_font()),
                ))
                .map_err(e)?;
        }
        Ok(())
    }
}

/// One bar series: name, colour, one value per category.
#[derive(Debug, Clone)]
pub struct BarSeries {
    /// Legend name.
    pub name: String,
    /// Colour.
    pub colour: RGBColor,
    /// One value per category.
    pub values: Vec<f64>,
}

/// Grouped vertical bars over named categories, with optional vertical marker lines.
pub struct BarChart {
    /// Title.
    pub title: String,
    /// Category names (x axis).
    pub categories: Vec<String>,
    /// Series (grouped side by side).
    pub series: Vec<BarSeries>,
    /// x-axis description.
    pub x_desc: String,
    /// y-axis description.
    pub y_desc: String,
    /// Vertical lines at fractional category positions: (position, label, colour).
    pub markers: Vec<(f64, String, RGBColor)>,
    /// Print each bar's value above it.
    pub value_labels: bool,
    /// Title colour (red for a warning, e.g. lead-time drift).
    pub title_colour: RGBColor,
}

impl Chart for BarChart {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        area.fill(&WHITE).map_err(e)?;
        let mut items: Vec<(Mark, String)> = Vec::new();
        if self.series.len() > 1 || !self.markers.is_empty() {
            items.extend(
                self.series
                    .iter()
                    .map(|s| (Mark::Fill(s.colour, 1.0), s.name.clone())),
            );
            items.extend(
                self.markers
                    .iter()
                    .map(|m| (Mark::Dashed(m.2), m.1.clone())),
            );
        }
        let plot = legend_below(area, &items)?;
        let n = self.categories.len().max(1);
        let hi = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .fold(0.0f64, f64::max);
        let y1 = if hi > 0.0 { hi * 1.12 } else { 1.0 };
        let title_style = ("sans-serif", TITLE)
            .into_font()
            .style(FontStyle::Bold)
            .color(&self.title_colour);
        let mut chart = frame(
            &plot,
            &self.title,
            title_style,
            -0.5..(n as f64 - 0.5),
            0.0..y1,
        )?;
        let cats = &self.categories;
        let every = n.div_ceil(20).max(1);
        let xlab = |x: &f64| {
            let i = x.round();
            let d = (x - i).abs();
            if d > 1e-6 || i < 0.0 || i as usize >= cats.len() || (i as usize) % every != 0 {
                String::new()
            } else {
                cats[i as usize].clone()
            }
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(60) + 1)
            .x_label_formatter(&xlab)
            .y_label_formatter(&|v| short(*v))
            .x_desc(&self.x_desc)
            .y_desc(&self.y_desc)
            .label_style(label_font())
            .axis_desc_style(label_font())
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(WHITE)
            .draw()
            .map_err(e)?;
        let k = self.series.len().max(1) as f64;
        let width = 0.8 / k;
        for (j, s) in self.series.iter().enumerate() {
            let c = s.colour;
            let left = |i: usize| i as f64 - 0.4 + j as f64 * width;
            chart
                .draw_series(s.values.iter().enumerate().map(|(i, &v)| {
                    Rectangle::new([(left(i), 0.0), (left(i) + width * 0.95, v)], c.filled())
                }))
                .map_err(e)?;
            if self.value_labels {
                chart
                    .draw_series(s.values.iter().enumerate().filter(|(_, &v)| v > 0.0).map(
                        |(i, &v)| {
                            Text::new(
                                short(v),
                                (left(i) + width * 0.475, v),
                                label_font().pos(Pos::new(HPos::Center, VPos::Bottom)),
                            )
                        },
                    ))
                    .map_err(e)?;
            }
        }
        for (x, _, c) in &self.markers {
            chart
                .draw_series(DashedLineSeries::new(
                    [(*x, 0.0), (*x, y1)],
                    8,
                    5,
                    c.stroke_width(2),
                ))
                .map_err(e)?;
        }
        Ok(())
    }
}

/// ABC × XYZ matrix (left) and demand-class counts (right).
pub struct ClassChart {
    /// SKU counts: rows A, B, C; columns X, Y, Z.
    pub matrix: [[usize; 3]; 3],
    /// Demand classes and their SKU counts.
    pub classes: Vec<(String, usize)>,
}

impl Chart for ClassChart {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        area.fill(&WHITE).map_err(e)?;
        let (left, right) = area.split_horizontally(area.dim_in_pixel().0 * 45 / 100);
        let max = self
            .matrix
            .iter()
            .flatten()
            .copied()
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let mut chart = ChartBuilder::on(&left)
            .caption("ABC × XYZ: SKUs per cell", title_font())
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(44)
            .build_cartesian_2d(0f64..3.0, 0f64..3.0)
            .map_err(e)?;
        let xyz = ["X (steady)", "Y (variable)", "Z (erratic)"];
        let abc = ["C", "B", "A"];
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(7)
            .y_labels(7)
            .x_label_formatter(&|x| {
                let f = x - x.floor();
                if (f - 0.5).abs() < 1e-6 && *x < 3.0 {
                    xyz[x.floor() as usize].to_string()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| {
                let f = y - y.floor();
                if (f - 0.5).abs() < 1e-6 && *y < 3.0 {
                    abc[y.floor() as usize].to_string()
                } else {
                    String::new()
                }
            })
            .x_desc("XYZ: variability of demand")
            .y_desc("ABC: share of revenue")
            .label_style(label_font())
            .axis_desc_style(label_font())
            .draw()
            .map_err(e)?;
        for (r, row) in self.matrix.iter().enumerate() {
            for (c, &count) in row.iter().enumerate() {
                let y = 2 - r;
                let shade = OTHER.mix(0.1 + 0.8 * count as f64 / max);
                chart
                    .draw_series([Rectangle::new(
                        [
                            (c as f64 + 0.02, y as f64 + 0.02),
                            (c as f64 + 0.98, y as f64 + 0.98),
                        ],
                        shade.filled(),
                    )])
                    .map_err(e)?;
                chart
                    .draw_series([Text::new(
                        count.to_string(),
                        (c as f64 + 0.42, y as f64 + 0.55),
                        ("sans-serif", 20).into_font().color(&BLACK),
                    )])
                    .map_err(e)?;
            }
        }
        BarChart {
            title: "Demand classes (Syntetos–Boylan)".into(),
            categories: self.classes.iter().map(|c| c.0.clone()).collect(),
            series: vec![BarSeries {
                name: "SKUs".into(),
                colour: OTHER,
                values: self.classes.iter().map(|c| c.1 as f64).collect(),
            }],
            x_desc: "demand class".into(),
            y_desc: "SKUs".into(),
            markers: Vec::new(),
            value_labels: true,
            title_colour: BLACK,
        }
        .draw(&right)
    }
}

/// Two bar charts, one above the other (e.g. backorder rate and mean wait per scenario).
pub struct PairChart {
    /// Upper chart.
    pub top: BarChart,
    /// Lower chart.
    pub bottom: BarChart,
}

impl Chart for PairChart {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        let (t, b) = area.split_vertically(area.dim_in_pixel().1 / 2);
        self.top.draw(&t)?;
        self.bottom.draw(&b)
    }
}

/// The order budget: expected portfolio fill rate against money spent when the order lines
/// are bought in the budget's rank order ([`crate::purchasing::budget`]), the budget drawn as
/// a dashed line, the kept orders and every order whole as dots.
pub struct BudgetChart {
    /// Title.
    pub title: String,
    /// (money spent, fill rate 0–1), in rank order.
    pub curve: Vec<(f64, f64)>,
    /// The total budget (none: only supplier or category budgets, no line drawn).
    pub budget: Option<f64>,
    /// (money kept, fill rate) with the cut.
    pub with_cut: (f64, f64),
    /// (money, fill rate) with every line whole.
    pub without_cut: (f64, f64),
}

impl Chart for BudgetChart {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        area.fill(&WHITE).map_err(e)?;
        let items = vec![
            (Mark::Line(ORDERS), "buying in priority order".to_string()),
            (Mark::Dashed(LEVEL), "budget".to_string()),
            (Mark::Dot(RECOMMENDED), "kept within the budget".to_string()),
            (Mark::Dot(OTHER), "every order whole".to_string()),
        ];
        let plot = legend_below(area, &items)?;
        let x1 = self
            .curve
            .iter()
            .map(|p| p.0)
            .chain(self.budget)
            .chain([self.without_cut.0])
            .fold(1.0f64, f64::max)
            * 1.05;
        let y0 = self.curve.iter().map(|p| p.1).fold(1.0f64, f64::min);
        let y0 = (y0 * 100.0 - 2.0).floor().max(0.0);
        let mut chart = frame(&plot, &self.title, title_font(), 0.0..x1, y0..100.5)?;
        chart
            .configure_mesh()
            .x_desc("money spent on this run's orders (at unit cost)")
            .y_desc("expected fill rate (%)")
            .x_label_formatter(&|v| short(*v))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(label_font())
            .axis_desc_style(label_font())
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(WHITE)
            .draw()
            .map_err(e)?;
        chart
            .draw_series(LineSeries::new(
                self.curve.iter().map(|&(x, y)| (x, y * 100.0)),
                ORDERS.stroke_width(2),
            ))
            .map_err(e)?;
        if let Some(budget) = self.budget {
            chart
                .draw_series(DashedLineSeries::new(
                    [(budget, y0), (budget, 100.5)],
                    8,
                    5,
                    LEVEL.stroke_width(2),
                ))
                .map_err(e)?;
        }
        for ((x, y), c) in [(self.without_cut, OTHER), (self.with_cut, RECOMMENDED)] {
            chart
                .draw_series(std::iter::once(Circle::new((x, y * 100.0), 7, c.filled())))
                .map_err(e)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_font_parses() {
        assert!(plotters::style::register_font("replenish-test", FontStyle::Normal, FONT).is_ok());
    }

    #[test]
    fn text_is_drawn_with_the_bundled_font() {
        // ab_glyph only knows registered fonts (no system lookup): dark pixels in the title
        // band prove the bundled font drew the text.
        register_font();
        let chart = BarChart {
            title: "Title".into(),
            categories: vec!["a".into()],
            series: vec![BarSeries {
                name: "s".into(),
                colour: OTHER,
                values: vec![1.0],
            }],
            x_desc: "x".into(),
            y_desc: "y".into(),
            markers: Vec::new(),
            value_labels: false,
            title_colour: BLACK,
        };
        let (w, h) = (400u32, 300u32);
        let mut rgb = vec![255u8; (w * h * 3) as usize];
        {
            let area = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
            chart.draw(&area).unwrap();
            area.present().unwrap();
        }
        let dark_in_title = (0..30u32)
            .flat_map(|y| (0..w).map(move |x| ((y * w + x) * 3) as usize))
            .filter(|&i| rgb[i] < 100 && rgb[i + 1] < 100 && rgb[i + 2] < 100)
            .count();
        assert!(
            dark_in_title > 20,
            "no title text drawn ({dark_in_title} dark pixels)"
        );
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(12_345.0), "12k");
        assert_eq!(short(1_234.0), "1.2k");
        assert_eq!(short(2_500_000.0), "2.5M");
        assert_eq!(short(7.24), "7.2");
        assert_eq!(short(0.0), "0");
        assert_eq!(short(3.0), "3");
    }
}
