//! Cells and rows of the CSV outputs: numbers, optional numbers, the key columns, and writing
//! and reading row structs with the csv crate.
//!
//! One place, so every output file writes numbers the same way (at most four decimals,
//! trailing zeros dropped, no `-0`) and empty cells mean "does not apply". Row structs (one per
//! output file) use the serde helpers here ([`num`], [`opt_num`], [`Key`]) and are written
//! with [`write_csv`] and read back with [`read_keyed`] / [`read_rows`].

use std::{io::Write, path::Path};

use serde::{
    de::DeserializeOwned,
    ser::{SerializeStruct, SerializeTuple},
    Deserialize, Deserializer, Serialize, Serializer,
};

/// A number for a CSV cell: at most four decimals, trailing zeros dropped, no `-0`.
///
/// # Example
/// ```
/// use replenish::io::cells::fmt;
/// assert_eq!(fmt(2.50), "2.5");
/// assert_eq!(fmt(-0.00001), "0");
/// ```
pub fn fmt(v: f64) -> String {
    // Whole numbers (most quantities) directly: `{:.4}` formats them exactly too, but through
    // the standard library's slow bignum fallback, which dominated writing large outputs.
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        return format!("{}", v as i64);
    }
    four_decimals(v)
}

/// `v` to four decimals, trailing zeros dropped, no `-0`.
fn four_decimals(v: f64) -> String {
    // Four decimals are enough for units per bucket and keep files diff-able.
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// An optional number: empty when it does not apply.
pub fn opt(v: Option<f64>) -> String {
    v.map(fmt).unwrap_or_default()
}

/// Serde `serialize_with` helper: a number written by [`fmt`].
///
/// # Errors
/// The serializer's.
pub fn num<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&fmt(*v))
}

/// Serde `serialize_with` helper: an optional number written by [`opt`] (empty when `None`).
///
/// # Errors
/// The serializer's.
pub fn opt_num<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&opt(*v))
}

/// Serde `serialize_with` helper: a number by [`fmt`] when finite, else an empty cell.
///
/// # Errors
/// The serializer's.
pub fn finite_num<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.is_finite() {
        s.serialize_str(&fmt(*v))
    } else {
        s.serialize_str("")
    }
}

/// Serde `deserialize_with` helper for [`finite_num`] cells: an empty cell is NaN.
///
/// # Errors
/// The deserializer's, for a cell that is neither empty nor a number.
pub fn de_finite_num<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Numbers written by [`fmt`], one cell each: the dynamic columns of a row (quantiles, KPIs).
#[derive(Debug, Clone, Copy)]
pub struct NumCells<'a>(pub &'a [f64]);

impl Serialize for NumCells<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_tuple(self.0.len())?;
        for v in self.0 {
            seq.serialize_element(&fmt(*v))?;
        }
        seq.end()
    }
}

/// The leading key columns of a per-SKU output: `sku`, then `location` when the output has a
/// location column (empty cell for a row without one). Written ahead of a row struct as the
/// tuple `(Key, &row)`; read back by [`read_keyed`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Key<'a> {
    /// SKU.
    pub sku: &'a str,
    /// Location.
    pub location: Option<&'a str>,
    /// Whether the output has a location column.
    pub with_location: bool,
}

impl<'a> Key<'a> {
    /// The key of one row.
    pub fn new(sku: &'a str, location: Option<&'a str>, with_location: bool) -> Self {
        Self {
            sku,
            location,
            with_location,
        }
    }

    /// A key for the header only.
    pub fn header(with_location: bool) -> Self {
        Self {
            with_location,
            ..Self::default()
        }
    }
}

impl Serialize for Key<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Key", 1 + usize::from(self.with_location))?;
        st.serialize_field("sku", self.sku)?;
        if self.with_location {
            st.serialize_field("location", self.location.unwrap_or(""))?;
        }
        st.end()
    }
}

/// A row of a per-SKU output read back: its key and the typed rest.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyed<R> {
    /// SKU.
    pub sku: String,
    /// Location (`None` without a location column or with an empty cell).
    pub location: Option<String>,
    /// The rest of the row.
    pub row: R,
}

/// A CSV writer for the outputs: `,` delimiter, `\n` line ends, quotes only where needed (the
/// same cells as [`super::rejects::csv_field`]), no header (written from [`header_of`]).
pub fn csv_writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(w)
}

/// The column names of a row type, from a sample row (its field names in order, as the csv
/// crate writes them): the one place an output's columns are listed is its row struct.
///
/// # Panics
/// When `sample` is not a struct or tuple of structs of scalars (a programming error).
pub fn header_of<R: Serialize>(sample: &R) -> Vec<String> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.serialize(sample).expect("a row struct serialises");
    let bytes = w.into_inner().expect("writing to memory");
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.as_slice());
    let mut rec = csv::StringRecord::new();
    r.read_record(&mut rec).expect("reading from memory");
    rec.iter().map(str::to_string).collect()
}

/// Writes a CSV output: the header line, then `rows` (each a row struct, or a tuple such as
/// `(Key, &row)`).
///
/// # Errors
/// The first write error.
pub fn write_csv<R: Serialize>(
    w: &mut dyn Write,
    header: &[String],
    rows: impl IntoIterator<Item = R>,
) -> std::io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record(header)?;
    for r in rows {
        out.serialize(r)?;
    }
    out.flush()
}

/// Reads a per-SKU output written with [`Key`]: `sku`, an optional `location` column, then the
/// columns of `R` by name (columns `R` does not know are ignored).
///
/// # Errors
/// The csv reader's message, with the line of a malformed row; the caller names the file.
pub fn read_keyed<R: DeserializeOwned>(path: &Path) -> Result<Vec<Keyed<R>>, String> {
    read_keyed_file(path).map(|(_, rows)| rows)
}

/// [`read_keyed`], also returning the file's header.
///
/// # Errors
/// As [`read_keyed`].
pub fn read_keyed_file<R: DeserializeOwned>(
    path: &Path,
) -> Result<(Vec<String>, Vec<Keyed<R>>), String> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .map_err(|x| x.to_string())?;
    let headers = rdr.headers().map_err(|x| x.to_string())?.clone();
    if headers.get(0) != Some("sku") {
        return Err("the first column is not sku".into());
    }
    let skip = if headers.get(1) == Some("location") {
        2
    } else {
        1
    };
    let body: csv::StringRecord = headers.iter().skip(skip).collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|x| x.to_string())?;
        let rest: csv::StringRecord = rec.iter().skip(skip).collect();
        let row = rest.deserialize(Some(&body)).map_err(|x| {
            let line = rec.position().map_or(0, |p| p.line());
            format!("line {line}: {x}")
        })?;
        rows.push(Keyed {
            sku: rec.get(0).unwrap_or("").to_string(),
            location: Some(rec.get(1).unwrap_or(""))
                .filter(|l| skip == 2 && !l.is_empty())
                .map(str::to_string),
            row,
        });
    }
    Ok((headers.iter().map(str::to_string).collect(), rows))
}

/// The text cells of rows as [`write_csv`] writes them (numbers through [`fmt`], so a file
/// read back and written again has the same cells).
///
/// # Panics
/// When a row does not serialise (a programming error).
pub fn cells_of<R: Serialize>(rows: impl IntoIterator<Item = R>) -> Vec<Vec<String>> {
    let mut out = csv_writer(Vec::new());
    for r in rows {
        out.serialize(r).expect("a row struct serialises");
    }
    let bytes = out.into_inner().expect("writing to memory");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice())
        .records()
        .map(|r| {
            let r = r.expect("reading from memory");
            r.iter().map(str::to_string).collect()
        })
        .collect()
}

/// Reads a CSV output of plain rows (no key columns) by column name.
///
/// # Errors
/// The csv reader's message, with the line of a malformed row; the caller names the file.
pub fn read_rows<R: DeserializeOwned>(path: &Path) -> Result<Vec<R>, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .map_err(|x| x.to_string())?;
    rdr.deserialize()
        .map(|r| r.map_err(|x| x.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::rejects::csv_field;

    #[test]
    fn whole_numbers_format_as_before() {
        for v in [
            0.0, -0.0, 1.0, -1.0, 7.0, 10.0, 100.0, 1234.0, -56.0, 1e6, 4.5e15, -8.9e15, 2.5,
            0.125, -0.00001, 0.00005, 1e16, 3.0e20,
        ] {
            assert_eq!(fmt(v), four_decimals(v), "{v}");
        }
        for k in -2000..2000 {
            let v = f64::from(k) * 37.0;
            assert_eq!(fmt(v), four_decimals(v), "{v}");
        }
    }
    #[test]
    fn csv_writer_quotes_like_csv_field() {
        let tricky = [
            "",
            " ",
            " lead",
            "trail ",
            "a,b",
            "say \"hi\"",
            "\"",
            "line\nbreak",
            "cr\rlf",
            "#hash",
            "# x",
            "tab\tbed",
            "semi;colon",
            "'single'",
            "ünïcødé",
            ",",
            "\r\n",
            "x\"",
        ];
        for a in tricky {
            for b in tricky {
                let mut w = csv_writer(Vec::new());
                w.write_record([a, b]).unwrap();
                let got = String::from_utf8(w.into_inner().unwrap()).unwrap();
                assert_eq!(
                    got,
                    format!("{},{}\n", csv_field(a), csv_field(b)),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn keys_and_rows_write_and_read_back() {
        #[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
        struct Row {
            #[serde(serialize_with = "num")]
            qty: f64,
            #[serde(serialize_with = "opt_num")]
            cost: Option<f64>,
            note: String,
        }
        for loc in [false, true] {
            let header = header_of(&(Key::header(loc), Row::default()));
            let rows = [
                (
                    Key::new("A,1", Some("W1"), loc),
                    Row {
                        qty: 2.5,
                        cost: None,
                        note: "x".into(),
                    },
                ),
                (
                    Key::new("B", None, loc),
                    Row {
                        qty: -0.00001,
                        cost: Some(3.0),
                        note: "".into(),
                    },
                ),
            ];
            let mut out = Vec::new();
            write_csv(&mut out, &header, rows.iter().map(|(k, r)| (k, r))).unwrap();
            let text = String::from_utf8(out).unwrap();
            let expect = if loc {
                "sku,location,qty,cost,note\n\"A,1\",W1,2.5,,x\nB,,0,3,\n"
            } else {
                "sku,qty,cost,note\n\"A,1\",2.5,,x\nB,0,3,\n"
            };
            assert_eq!(text, expect);
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("t.csv");
            std::fs::write(&path, &text).unwrap();
            let back: Vec<Keyed<Row>> = read_keyed(&path).unwrap();
            assert_eq!(back[0].sku, "A,1");
            assert_eq!(back[0].location.as_deref(), loc.then_some("W1"));
            assert_eq!(back[1].location, None);
            assert_eq!(
                back[0].row,
                Row {
                    qty: 2.5,
                    cost: None,
                    note: "x".into()
                }
            );
            assert_eq!(
                back[1].row,
                Row {
                    qty: 0.0,
                    cost: Some(3.0),
                    note: "".into()
                }
            );
        }
    }
    #[test]
    fn numbers_read_back_and_written_again_keep_their_text() {
        // The report and any typed re-writer rely on fmt(parse(fmt(v))) == fmt(v).
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut values = vec![
            f64::NAN,
            f64::INFINITY,
            -0.0,
            0.03125,
            1e12 + 0.00005,
            8.9e15,
        ];
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mantissa = (x >> 11) as f64 / (1u64 << 53) as f64;
            let exp = (x % 40) as i32 - 12;
            values.push((mantissa - 0.5) * 10f64.powi(exp));
        }
        for v in values {
            let text = fmt(v);
            let again = fmt(text.parse::<f64>().unwrap());
            assert_eq!(again, text, "{v:e}");
        }
    }
}
