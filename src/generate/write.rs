//! Writing a generated data set: sales (CSV or Parquet), purchase orders, inventory, items and
//! plan.toml, each atomically and all committed together at the end.

use std::{
    fs::File,
    io::Write,
    path::{Path, PathBuf},
};

use chrono::NaiveDate;
use polars::prelude::*;
use rayon::prelude::*;
use tempfile::NamedTempFile;

use super::{
    model::{History, Sku, Supplier},
    GenerateError, GenerateParams, GenerateSummary,
};
use crate::io::{
    atomic::AtomicFile, parse::day_of, parse::UNIX_EPOCH_DAY, table::Format, LoadError,
};

/// Share of sale days (with at least 2 units) split over two rows in sparse files.
const SPLIT_SHARE: f64 = 0.03;

enum SalesSink {
    Csv(AtomicFile),
    Parquet {
        path: PathBuf,
        tmp: NamedTempFile,
        writer: Box<polars::io::parquet::write::BatchedWriter<File>>,
    },
}

/// Open output files of one generated data set.
pub struct Writers {
    sales: SalesSink,
    purchase_orders: AtomicFile,
    inventory: AtomicFile,
    items: Option<AtomicFile>,
    truth: Option<AtomicFile>,
    dates: Vec<String>,
    start: NaiveDate,
    dense: bool,
    seed: u64,
}

fn write_err(path: &Path) -> impl Fn(std::io::Error) -> GenerateError + '_ {
    move |source| {
        GenerateError::Write(LoadError::Write {
            path: path.to_path_buf(),
            source,
        })
    }
}

fn parquet_err(path: &Path) -> impl Fn(PolarsError) -> GenerateError + '_ {
    move |e| GenerateError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn sales_schema(dense: bool) -> Schema {
    let mut fields = vec![
        Field::new("date".into(), DataType::Date),
        Field::new("sku".into(), DataType::String),
        Field::new("quantity".into(), DataType::Int32),
    ];
    if !dense {
        fields.push(Field::new("price".into(), DataType::Float64));
    }
    fields.push(Field::new("promo".into(), DataType::Boolean));
    fields.push(Field::new("stockout".into(), DataType::Boolean));
    Schema::from_iter(fields)
}

/// One sales row before formatting.
struct Row {
    day: usize,
    qty: i64,
    promo: bool,
    stockout: bool,
}

/// The sales rows of one SKU, in date order.
fn sales_rows(sku_index: usize, h: &History, dense: bool, seed: u64) -> Vec<Row> {
    use rand::Rng;
    let mut rows = Vec::new();
    if dense {
        for (t, d) in h.days.iter().enumerate() {
            rows.push(Row {
                day: t,
                qty: i64::from(d.sales),
                promo: d.promo,
                stockout: d.stockout,
            });
        }
        return rows;
    }
    let mut rng = super::model::stream(seed, 4, sku_index as u64);
    let mut returns = h.returns.iter().peekable();
    for (t, d) in h.days.iter().enumerate() {
        if d.sales > 0 || d.promo || d.stockout {
            let split = d.sales >= 2 && rng.random::<f64>() < SPLIT_SHARE;
            let first = if split { d.sales / 2 } else { d.sales };
            rows.push(Row {
                day: t,
                qty: i64::from(first),
                promo: d.promo,
                stockout: d.stockout,
            });
            if split {
                rows.push(Row {
                    day: t,
                    qty: i64::from(d.sales - first),
                    promo: d.promo,
                    stockout: d.stockout,
                });
            }
        }
        while let Some(&&(day, units)) = returns.peek() {
            if day > t {
                break;
            }
            rows.push(Row {
                day,
                qty: -i64::from(units),
                promo: false,
                stockout: false,
            });
            returns.next();
        }
    }
    rows
}

impl Writers {
    /// Opens every output file (as temporary files).
    pub fn create(out: &Path, params: &GenerateParams) -> Result<Self, GenerateError> {
        let sales = match params.format {
            Format::Csv => {
                let mut f = AtomicFile::create(&out.join("sales.csv"))?;
                let header: &[u8] = if params.dense {
                    b"date,sku,quantity,promo,stockout\n"
                } else {
                    b"date,sku,quantity,price,promo,stockout\n"
                };
                f.writer()
                    .write_all(header)
                    .map_err(write_err(&out.join("sales.csv")))?;
                SalesSink::Csv(f)
            }
            Format::Parquet => {
                let path = out.join("sales.parquet");
                std::fs::create_dir_all(out).map_err(write_err(out))?;
                let tmp = tempfile::Builder::new()
                    .prefix(".sales.parquet.tmp")
                    .tempfile_in(out)
                    .map_err(write_err(&path))?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
                        .map_err(write_err(&path))?;
                }
                let file = tmp.reopen().map_err(write_err(&path))?;
                let writer = ParquetWriter::new(file)
                    .batched(&sales_schema(params.dense))
                    .map_err(parquet_err(&path))?;
                SalesSink::Parquet {
                    path,
                    tmp,
                    writer: Box::new(writer),
                }
            }
        };
        let mut purchase_orders = AtomicFile::create(&out.join("purchase_orders.csv"))?;
        purchase_orders
            .writer()
            .write_all(
                b"sku,supplier,order_date,receipt_date,quantity,quantity_received,expected_date\n",
            )
            .map_err(write_err(&out.join("purchase_orders.csv")))?;
        let mut inventory = AtomicFile::create(&out.join("inventory.csv"))?;
        inventory
            .writer()
            .write_all(b"sku,on_hand,backordered,as_of\n")
            .map_err(write_err(&out.join("inventory.csv")))?;
        // Dates far enough ahead for open orders' expected arrivals.
        let dates = (0..params.days + 400)
            .map(|t| (params.start + chrono::Days::new(t as u64)).to_string())
            .collect();
        Ok(Self {
            sales,
            purchase_orders,
            inventory,
            items: Some(AtomicFile::create(&out.join("items.csv"))?),
            truth: if params.truth {
                let path = out.join("demand_truth.csv");
                let mut f = AtomicFile::create(&path)?;
                f.writer()
                    .write_all(b"date,sku,demand\n")
                    .map_err(write_err(&path))?;
                Some(f)
            } else {
                None
            },
            dates,
            start: params.start,
            dense: params.dense,
            seed: params.seed,
        })
    }

    /// Writes one block of SKUs: sales rows, purchase orders and inventory.
    pub fn write_block(
        &mut self,
        first_index: usize,
        block: &[Sku],
        histories: &[History],
        suppliers: &[Supplier],
        summary: &mut GenerateSummary,
    ) -> Result<(), GenerateError> {
        let dense = self.dense;
        let seed = self.seed;
        let seed_rows: Vec<Vec<Row>> = histories
            .par_iter()
            .enumerate()
            .map(|(j, h)| sales_rows(first_index + j, h, dense, seed))
            .collect();
        summary.sales_rows += seed_rows.iter().map(|r| r.len() as u64).sum::<u64>();
        match &mut self.sales {
            SalesSink::Csv(f) => {
                let dates = &self.dates;
                let chunks: Vec<Vec<u8>> = block
                    .par_iter()
                    .zip(&seed_rows)
                    .map(|(sku, rows)| format_csv(sku, rows, dates, dense))
                    .collect();
                let path = f.path().to_path_buf();
                for c in chunks {
                    f.writer().write_all(&c).map_err(write_err(&path))?;
                }
            }
            SalesSink::Parquet { path, writer, .. } => {
                let df =
                    block_frame(block, &seed_rows, self.start, dense).map_err(parquet_err(path))?;
                writer.write_batch(&df).map_err(parquet_err(path))?;
            }
        }
        let po_path = self.purchase_orders.path().to_path_buf();
        let inv_path = self.inventory.path().to_path_buf();
        let as_of = &self.dates[histories.first().map_or(0, |h| h.days.len())];
        for (sku, h) in block.iter().zip(histories) {
            let sup = &suppliers[sku.supplier].name;
            for o in &h.orders {
                let w = self.purchase_orders.writer();
                let opt_day = |d: Option<usize>| d.map_or("", |d| self.dates[d].as_str());
                writeln!(
                    w,
                    "{},{},{},{},{},{},{}",
                    sku.name,
                    sup,
                    self.dates[o.order_day],
                    opt_day(o.receipt_day),
                    o.quantity,
                    o.received.map_or(String::new(), |r| r.to_string()),
                    opt_day(o.expected_day),
                )
                .map_err(write_err(&po_path))?;
                summary.po_lines += 1;
                summary.open_orders += u64::from(o.receipt_day.is_none());
            }
            writeln!(
                self.inventory.writer(),
                "{},{},{},{}",
                sku.name,
                h.on_hand,
                h.backordered,
                as_of
            )
            .map_err(write_err(&inv_path))?;
            if let Some(t) = &mut self.truth {
                let path = t.path().to_path_buf();
                for (d, day) in h.days.iter().enumerate().filter(|(_, d)| d.demand > 0) {
                    writeln!(t.writer(), "{},{},{}", self.dates[d], sku.name, day.demand)
                        .map_err(write_err(&path))?;
                }
            }
            summary.skus_on_backorder += usize::from(h.backordered > 0);
            summary.stockout_days += h.days.iter().filter(|d| d.stockout).count() as u64;
        }
        Ok(())
    }

    /// Writes the item master (needs every SKU, for analogues of new items).
    pub fn write_items(
        &mut self,
        skus: &[Sku],
        suppliers: &[Supplier],
        seed: u64,
    ) -> Result<(), GenerateError> {
        let f = self.items.as_mut().expect("items written once");
        let path = f.path().to_path_buf();
        let w = f.writer();
        let err = write_err(&path);
        w.write_all(b"sku,supplier,category,unit_cost,price,order_cost,holding_rate,moq,pack_size,lead_time_days,review_period_days,service_level,shortage_cost,patience_days,like_sku,reorder_point,order_quantity,volume,weight\n")
            .map_err(&err)?;
        for (i, sku) in skus.iter().enumerate() {
            let sup = &suppliers[sku.supplier];
            // The (s, Q) policy the history was generated with: the planner's current one.
            let current = super::model::current_policy(sku, sup, seed, i);
            let (volume, weight) = unit_size(sku, seed);
            // Half of the new items name an established analogue of the same category.
            let like = if sku.launch > 0 && i % 2 == 0 {
                skus.iter()
                    .find(|o| o.launch == 0 && o.category == sku.category)
                    .map_or("", |o| o.name.as_str())
            } else {
                ""
            };
            writeln!(
                w,
                "{},{},{},{:.2},{:.2},{:.2},0.25,{},{},{},7,{},{:.2},{:.2},{},{},{},{:.6},{:.3}",
                sku.name,
                sup.name,
                sku.category,
                sku.unit_cost,
                sku.price,
                sku.order_cost,
                sku.moq,
                sku.pack_size,
                // The typed-in lead time: a guess, usually optimistic.
                (sup.mean_days * 0.8).round().max(1.0),
                sku.service_level.map_or(String::new(), |s| s.to_string()),
                sku.price - sku.unit_cost,
                sku.patience_days,
                like,
                current.0,
                current.1,
                volume,
                weight
            )
            .map_err(&err)?;
        }
        Ok(())
    }

    /// Finishes every file and renames them into place, then writes plan.toml (with SUP002's
    /// minimum order when `minimum_supplier_used`: some SKU is SUP002's).
    pub fn commit(
        self,
        out: &Path,
        params: &GenerateParams,
        minimum_supplier_used: bool,
    ) -> Result<Vec<PathBuf>, GenerateError> {
        let mut files = Vec::new();
        let sales_name = match self.sales {
            SalesSink::Csv(f) => {
                files.push(f.path().to_path_buf());
                f.commit()?;
                "sales.csv"
            }
            SalesSink::Parquet { path, tmp, writer } => {
                writer.finish().map_err(parquet_err(&path))?;
                tmp.persist(&path).map_err(|e| write_err(&path)(e.error))?;
                files.push(path);
                "sales.parquet"
            }
        };
        for f in [
            Some(self.purchase_orders),
            Some(self.inventory),
            self.items,
            self.truth,
        ]
        .into_iter()
        .flatten()
        {
            files.push(f.path().to_path_buf());
            f.commit()?;
        }
        let plan = out.join("plan.toml");
        let planning_date = params.start + chrono::Days::new(params.days as u64);
        let text = format!(
            "# Generated by `replenish generate --skus {} --days {} --seed {}{}`.\n\
             # Paths are relative to this file.\n\n\
             [inputs]\n\
             sales = \"{sales_name}\"\n\
             purchase_orders = \"purchase_orders.csv\"\n\
             inventory = \"inventory.csv\"\n\
             items = \"items.csv\"\n\n\
             [validation]\n\
             max_reject_share = 0.01\n\n\
             [calendar]\n\
             freq = \"day\"\n\
             planning_date = \"{planning_date}\"\n\n\
             [policy]\n\
             # Service targets per ABC class; an item-master service_level wins.\n\
             service_targets = {{ A = 0.98, B = 0.95, C = 0.90 }}\n{}",
            params.skus,
            params.days,
            params.seed,
            if params.dense { " --dense" } else { "" },
            // A table for a supplier no SKU has is refused by every command that reads the
            // inputs (it would apply to nothing): a small catalogue may draw no SKU of SUP002.
            if minimum_supplier_used {
                "\n[suppliers.SUP002]\n\
                 # A smaller order is filled up with the supplier's next-most-urgent SKUs.\n\
                 min_order_value = 5000\n"
            } else {
                ""
            },
        );
        crate::io::atomic::write_atomic(&plan, |w| w.write_all(text.as_bytes()))?;
        files.push(plan);
        Ok(files)
    }
}

/// A plausible volume (m³) and weight (kg) of one unit: dearer items are larger (volume ∝
/// √unit cost, about 1.7 litres at the median cost of 12, times 0.5–2), at a density of
/// 100–600 kg/m³. Drawn from a hash of the seed and the SKU's name, not from the SKU's random
/// stream, so the other columns and files do not change with it.
fn unit_size(sku: &Sku, seed: u64) -> (f64, f64) {
    let uniform = |what: &str| {
        let mut z = crate::util::fnv1a(&format!("{seed}:{}:{what}", sku.name));
        // splitmix64's finaliser spreads FNV's bits over the whole word.
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    };
    let volume = 0.0005 * sku.unit_cost.max(0.5).sqrt() * 2f64.powf(2.0 * uniform("volume") - 1.0);
    let weight = volume * (100.0 + 500.0 * uniform("density"));
    (
        (volume * 1e6).round().max(1.0) / 1e6,
        (weight * 1e3).round().max(1.0) / 1e3,
    )
}

fn format_csv(sku: &Sku, rows: &[Row], dates: &[String], dense: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() * 32);
    let mut num = itoa::Buffer::new();
    for r in rows {
        out.extend_from_slice(dates[r.day].as_bytes());
        out.push(b',');
        out.extend_from_slice(sku.name.as_bytes());
        out.push(b',');
        out.extend_from_slice(num.format(r.qty).as_bytes());
        if !dense {
            let _ = write!(out, ",{:.2}", sku.price);
        }
        out.extend_from_slice(if r.promo { b",1" } else { b",0" });
        out.extend_from_slice(if r.stockout { b",1\n" } else { b",0\n" });
    }
    out
}

fn block_frame(
    block: &[Sku],
    rows: &[Vec<Row>],
    start: NaiveDate,
    dense: bool,
) -> PolarsResult<DataFrame> {
    let n: usize = rows.iter().map(Vec::len).sum();
    let start_day = day_of(start) - UNIX_EPOCH_DAY;
    let mut date = Vec::with_capacity(n);
    let mut sku = Vec::with_capacity(n);
    let mut qty = Vec::with_capacity(n);
    let mut price = Vec::with_capacity(if dense { 0 } else { n });
    let mut promo = Vec::with_capacity(n);
    let mut stockout = Vec::with_capacity(n);
    for (s, rs) in block.iter().zip(rows) {
        for r in rs {
            date.push(start_day + r.day as i32);
            sku.push(s.name.as_str());
            qty.push(r.qty as i32);
            if !dense {
                price.push(s.price);
            }
            promo.push(r.promo);
            stockout.push(r.stockout);
        }
    }
    let mut cols = vec![
        Int32Chunked::from_vec("date".into(), date)
            .into_series()
            .cast(&DataType::Date)?
            .into_column(),
        StringChunked::from_iter_values("sku".into(), sku.into_iter()).into_column(),
        Int32Chunked::from_vec("quantity".into(), qty).into_column(),
    ];
    if !dense {
        cols.push(Float64Chunked::from_vec("price".into(), price).into_column());
    }
    cols.push(BooleanChunked::from_iter_values("promo".into(), promo.into_iter()).into_column());
    cols.push(
        BooleanChunked::from_iter_values("stockout".into(), stockout.into_iter()).into_column(),
    );
    DataFrame::new(n, cols)
}
