//! Parsing single cells into dates, numbers, flags and text, with a reason when a cell cannot
//! be used.
//!
//! Conventions (documented in README too):
//! - Surrounding white space is trimmed from every cell.
//! - Dates are `YYYY-MM-DD`; datetimes (`YYYY-MM-DD HH:MM[:SS[.fff]]`, ISO 8601 with `T`,
//!   optionally `Z` or `+HH:MM`) use the date as written (no time-zone shift).
//! - Numbers use `.` as decimal point. A thousands separator (`1,234`) or a decimal comma
//!   (`12,5`) is rejected with that reason rather than guessed, since `1,234` could mean
//!   either 1234 or 1.234 depending on the exporting system's locale.
//! - Flags are `0`/`1` (also `true`/`false`, `yes`/`no`, `y`/`n`); an empty flag is 0.
//!
//! Dates are carried as day numbers ([`Day`]): days since 0001-01-01 (chrono's
//! `num_days_from_ce`), cheap to compare, subtract and index by.

use chrono::{Datelike, NaiveDate};

use super::table::Cell;

/// A calendar day as a day number (`NaiveDate::num_days_from_ce`).
pub type Day = i32;

/// Day number of 1970-01-01, the epoch of polars' `Date` type.
pub const UNIX_EPOCH_DAY: Day = 719_163;

/// Converts a date to its day number.
pub fn day_of(date: NaiveDate) -> Day {
    date.num_days_from_ce()
}

/// Converts a day number back to a date.
///
/// # Panics
/// Only for day numbers outside chrono's range (about ±262,000 years), which no parser here
/// produces.
pub fn date_of(day: Day) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day).expect("day number within chrono's range")
}

/// A day number as a date, if it is within 0001-01-01 ..= 9999-12-31 (the years a CSV date
/// can have; Parquet dates outside them are rejected, not turned into a panic).
pub fn checked_date_of(day: Day) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(day).filter(|d| (1..=9999).contains(&d.year()))
}

/// Why a cell could not be used: a sentence for the `reason` column of rejects.csv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

fn invalid(msg: impl Into<String>) -> Invalid {
    Invalid(msg.into())
}

/// Parses a date cell. `Ok(None)` for an empty cell.
///
/// # Errors
/// [`Invalid`] with the reason when the cell is not a valid date or datetime.
pub fn date(cell: &Cell<'_>) -> Result<Option<Day>, Invalid> {
    match *cell {
        Cell::Null => Ok(None),
        Cell::Date(d) if checked_date_of(d).is_some() => Ok(Some(d)),
        Cell::Date(_) => Err(invalid(
            "date out of range; expected a date between 0001-01-01 and 9999-12-31",
        )),
        Cell::Str(s) => date_str(s.trim()),
        Cell::Int(_) | Cell::Float(_) | Cell::Bool(_) => Err(invalid(
            "not a date; expected YYYY-MM-DD (the column holds numbers, not dates)",
        )),
    }
}

/// Parses date text (already trimmed). `Ok(None)` for empty text.
///
/// # Errors
/// [`Invalid`] when the text is not `YYYY-MM-DD` or a datetime starting with it.
pub fn date_str(s: &str) -> Result<Option<Day>, Invalid> {
    if s.is_empty() {
        return Ok(None);
    }
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(not_a_date(s));
    }
    let (Some(y), Some(m), Some(d)) = (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10]))
    else {
        return Err(not_a_date(s));
    };
    if b.len() > 10 && !(matches!(b[10], b' ' | b'T') && valid_time(&b[11..])) {
        return Err(not_a_date(s));
    }
    match NaiveDate::from_ymd_opt(y as i32, m, d) {
        Some(date) => Ok(Some(day_of(date))),
        None => Err(invalid(format!(
            "no such calendar day: {}; expected a valid date YYYY-MM-DD",
            &s[..10]
        ))),
    }
}

fn not_a_date(s: &str) -> Invalid {
    if s.contains('/') || s.contains('.') && !s.contains(':') {
        invalid("date in a day/month order that is ambiguous; expected YYYY-MM-DD (ISO 8601), e.g. 2024-03-31")
    } else {
        invalid("not a date; expected YYYY-MM-DD or a datetime such as 2024-03-31 14:30:00")
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// `HH:MM[:SS[.fff]][Z|+HH:MM|-HH:MM]`.
fn valid_time(b: &[u8]) -> bool {
    let hm = |x: &[u8], max: u32| x.len() == 2 && digits(x).is_some_and(|v| v <= max);
    if b.len() < 5 || !hm(&b[0..2], 23) || b[2] != b':' || !hm(&b[3..5], 59) {
        return false;
    }
    let mut rest = &b[5..];
    if rest.first() == Some(&b':') {
        if rest.len() < 3 || !hm(&rest[1..3], 60) {
            return false;
        }
        rest = &rest[3..];
        if rest.first() == Some(&b'.') {
            let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return false;
            }
            rest = &rest[1 + n..];
        }
    }
    match rest {
        [] | [b'Z'] => true,
        [b'+' | b'-', tz @ ..] => {
            tz.len() == 5 && hm(&tz[0..2], 23) && tz[2] == b':' && hm(&tz[3..5], 59)
        }
        _ => false,
    }
}

/// Parses a number cell. `Ok(None)` for an empty cell.
///
/// # Errors
/// [`Invalid`] for text that is not a plain finite number, naming thousands separators and
/// decimal commas specifically.
pub fn number(cell: &Cell<'_>) -> Result<Option<f64>, Invalid> {
    match *cell {
        Cell::Null => Ok(None),
        Cell::Int(v) => Ok(Some(v as f64)),
        Cell::Float(v) if v.is_finite() => Ok(Some(v)),
        Cell::Float(_) => Err(invalid("not a finite number (NaN or infinite)")),
        Cell::Bool(b) => Ok(Some(f64::from(u8::from(b)))),
        Cell::Date(_) => Err(invalid("not a number; the column holds dates")),
        Cell::Str(s) => number_str(s.trim()),
    }
}

/// Parses number text (already trimmed). `Ok(None)` for empty text.
///
/// # Errors
/// As [`number`].
///
/// # Example
/// ```
/// use replenish::io::parse::number_str;
///
/// assert_eq!(number_str("12.5").unwrap(), Some(12.5));
/// assert!(number_str("1,234").unwrap_err().0.contains("thousands separator"));
/// ```
pub fn number_str(s: &str) -> Result<Option<f64>, Invalid> {
    if s.is_empty() {
        return Ok(None);
    }
    if s.contains(',') {
        return Err(if is_thousands_grouped(s) {
            invalid("thousands separator ',' in a number (ambiguous: 1,234 may mean 1234 or 1.234); export numbers without separators, e.g. 1234.5")
        } else {
            invalid("decimal comma in a number; expected '.' as the decimal point, e.g. 12.5")
        });
    }
    let looks_numeric = s
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E'));
    match s.parse::<f64>() {
        Ok(v) if looks_numeric && v.is_finite() => Ok(Some(v)),
        _ => Err(invalid(
            "not a number; expected a plain number such as 12 or 3.5",
        )),
    }
}

/// `-1,234` / `12,345,678.9`: groups of three digits after the first comma.
fn is_thousands_grouped(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let int = s.split('.').next().unwrap_or("");
    let mut groups = int.split(',');
    let first = groups.next().unwrap_or("");
    (1..=3).contains(&first.len())
        && first.bytes().all(|c| c.is_ascii_digit())
        && groups.all(|g| g.len() == 3 && g.bytes().all(|c| c.is_ascii_digit()))
}

/// Parses a 0/1 flag. An empty cell is `false`.
///
/// # Errors
/// [`Invalid`] for anything other than the accepted spellings of 0 and 1.
pub fn flag(cell: &Cell<'_>) -> Result<bool, Invalid> {
    match *cell {
        Cell::Null => Ok(false),
        Cell::Bool(b) => Ok(b),
        Cell::Int(0) => Ok(false),
        Cell::Int(1) => Ok(true),
        Cell::Float(v) if v.abs() < f64::EPSILON => Ok(false),
        Cell::Float(v) if (v - 1.0).abs() < f64::EPSILON => Ok(true),
        Cell::Str(s) => match s.as_bytes() {
            // Fast path: the usual spellings need no trimming or case folding.
            b"0" | b"" => Ok(false),
            b"1" => Ok(true),
            _ => match s.trim().to_ascii_lowercase().as_str() {
                "" | "0" | "false" | "f" | "no" | "n" => Ok(false),
                "1" | "true" | "t" | "yes" | "y" => Ok(true),
                _ => Err(bad_flag()),
            },
        },
        _ => Err(bad_flag()),
    }
}

fn bad_flag() -> Invalid {
    invalid("not a 0/1 flag; expected 0 or 1 (or true/false, yes/no)")
}

/// Parses a text cell (trimmed). `None` for an empty cell.
pub fn text<'a>(cell: &Cell<'a>) -> Option<std::borrow::Cow<'a, str>> {
    match *cell {
        Cell::Null => None,
        Cell::Str(s) => {
            let t = s.trim();
            (!t.is_empty()).then_some(std::borrow::Cow::Borrowed(t))
        }
        Cell::Int(v) => Some(v.to_string().into()),
        Cell::Float(v) => Some(v.to_string().into()),
        Cell::Bool(b) => Some(u8::from(b).to_string().into()),
        Cell::Date(d) => Some(Cell::Date(d).to_string().into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Result<Option<NaiveDate>, Invalid> {
        date_str(s).map(|o| o.map(date_of))
    }

    #[test]
    fn dates_and_datetimes() {
        let mar31 = NaiveDate::from_ymd_opt(2024, 3, 31);
        assert_eq!(d("2024-03-31").unwrap(), mar31);
        assert_eq!(d("2024-03-31 14:30:00").unwrap(), mar31);
        assert_eq!(d("2024-03-31T14:30").unwrap(), mar31);
        assert_eq!(d("2024-03-31T23:59:59.123Z").unwrap(), mar31);
        assert_eq!(d("2024-03-31T08:00:00+02:00").unwrap(), mar31);
        assert_eq!(d("").unwrap(), None);
    }

    #[test]
    fn bad_dates_have_specific_reasons() {
        assert!(d("2024-02-30")
            .unwrap_err()
            .0
            .contains("no such calendar day"));
        assert!(d("31/03/2024").unwrap_err().0.contains("ambiguous"));
        assert!(d("31.03.2024").unwrap_err().0.contains("ambiguous"));
        assert!(d("yesterday").unwrap_err().0.contains("not a date"));
        assert!(d("2024-03-31 25:00").is_err());
        assert!(d("2024-3-1").is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(number_str("12").unwrap(), Some(12.0));
        assert_eq!(number_str("-3.5").unwrap(), Some(-3.5));
        assert_eq!(number_str("1e3").unwrap(), Some(1000.0));
        assert_eq!(number_str("").unwrap(), None);
        assert!(number_str("1,234")
            .unwrap_err()
            .0
            .contains("thousands separator"));
        assert!(number_str("1,234,567.5")
            .unwrap_err()
            .0
            .contains("thousands"));
        assert!(number_str("12,5").unwrap_err().0.contains("decimal comma"));
        assert!(number_str("abc").unwrap_err().0.contains("not a number"));
        assert!(number_str("NaN").is_err());
        assert!(number_str("inf").is_err());
    }

    #[test]
    fn flags() {
        assert!(flag(&Cell::Str("1")).unwrap());
        assert!(!flag(&Cell::Str(" 0 ")).unwrap());
        assert!(flag(&Cell::Str("TRUE")).unwrap());
        assert!(!flag(&Cell::Null).unwrap());
        assert!(flag(&Cell::Str("2")).is_err());
        assert!(flag(&Cell::Int(1)).unwrap());
    }

    #[test]
    fn day_numbers_round_trip() {
        let date = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        assert_eq!(day_of(date), UNIX_EPOCH_DAY);
        assert_eq!(date_of(day_of(date)), date);
    }
}
