//! The purchasing settings of the config checked against the loaded inputs, so that a
//! planner's typo or unit mix-up never silently changes an order:
//!
//! - **Names** ([`check_names`]): a supplier named in `[purchasing.budget_by_supplier]` or by a
//!   `[suppliers.NAME]` table, or a category named in `[purchasing.budget_by_category]`, that
//!   no input has is an **error** ([`LoadError::UnknownNames`]: exit 1, nothing written): the
//!   budget, minimum, calendar or container would apply to nothing, which is worse than not
//!   running. The message names the key, its value, the file, the known names closest to it
//!   ("did you mean SUP003?") and the fix.
//! - **Container items** ([`container_anomalies`]): an item of a container supplier without
//!   the `volume` or `weight` its container needs, or whose smallest order (MOQ in whole packs,
//!   or one pack) is larger than a whole container (litres given for m³, grams for kg), is
//!   **flagged** in `anomalies.csv` (action `kept`: used as given) — exit 3, the run goes on.
//!
//! Known names come from every row of the inputs: a supplier is known when the item master's
//! `supplier` column names it, when the suppliers file offers a SKU from it, or when a purchase
//! order of a SKU without an item-master supplier names it (that SKU is planned with the
//! supplier of its latest order); a category when the item master's `category` column names
//! it. A shard reads every input in full ([`crate::shard`]), so a supplier whose SKUs all fall
//! in other shards is still known, and every shard flags the same items.
//!
//! Not responsible for the settings' ranges ([`crate::config::Config::check`]) or for applying
//! them ([`crate::purchasing`]).

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

use crate::{
    config::{Config, SupplierTerms},
    io::{
        anomalies::{Anomaly, AnomalyAction},
        cells::fmt,
        items::{ItemParams, ItemRecord},
        purchase_orders::PurchaseOrderLine,
        suppliers::Offers,
        LoadError,
    },
    purchasing::container::{Dimension, ItemFit},
};

use super::closest;

/// Known names listed in a message when none is close to the unknown one.
const LISTED: usize = 8;

/// The suppliers and categories the inputs know (see the module documentation).
struct Names<'a> {
    suppliers: BTreeSet<&'a str>,
    categories: BTreeSet<&'a str>,
}

impl<'a> Names<'a> {
    fn of(items: &'a [ItemRecord], orders: &'a [PurchaseOrderLine], offers: &'a Offers) -> Self {
        let with_supplier: BTreeSet<&str> = items
            .iter()
            .filter(|r| r.supplier.is_some())
            .map(|r| r.sku.as_str())
            .collect();
        let suppliers = items
            .iter()
            .filter_map(|r| r.supplier.as_deref())
            .chain(offers.values().flatten().map(|o| o.supplier.as_str()))
            .chain(
                orders
                    .iter()
                    .filter(|o| !with_supplier.contains(o.sku.as_str()))
                    .filter_map(|o| o.supplier.as_deref()),
            )
            .collect();
        let categories = items.iter().filter_map(|r| r.category.as_deref()).collect();
        Names {
            suppliers,
            categories,
        }
    }
}

/// Refuses settings that name a supplier or category no input has (see the module
/// documentation); every such setting is named, in the order budgets by supplier,
/// `[suppliers.NAME]` tables, budgets by category.
///
/// # Errors
/// [`LoadError::UnknownNames`] with one finding per unknown name.
pub(super) fn check_names(
    config: &Config,
    items: &[ItemRecord],
    orders: &[PurchaseOrderLine],
    offers: &Offers,
) -> Result<(), LoadError> {
    let known = Names::of(items, orders, offers);
    let supplier_sources = sources(config);
    let mut findings = Vec::new();
    let p = &config.purchasing;
    for (name, budget) in &p.budget_by_supplier {
        if known.suppliers.contains(name.as_str()) {
            continue;
        }
        findings.push(format!(
            "purchasing.budget_by_supplier.{} = {}: no input has a supplier named \"{name}\" ({supplier_sources}), so this budget would limit nothing. {} Write the supplier as the inputs spell it (names are case-sensitive), or remove the key",
            key_part(name),
            fmt(*budget),
            hint(name, &known.suppliers, "supplier"),
        ));
    }
    for (name, terms) in &config.suppliers {
        if known.suppliers.contains(name.as_str()) {
            continue;
        }
        findings.push(format!(
            "[suppliers.{}] ({}): no input has a supplier named \"{name}\" ({supplier_sources}), so {} would apply to nothing. {} Rename the table to the supplier as the inputs spell it (names are case-sensitive), or remove it",
            key_part(name),
            settings_of(terms),
            effect(terms),
            hint(name, &known.suppliers, "supplier"),
        ));
    }
    for (name, budget) in &p.budget_by_category {
        if known.categories.contains(name.as_str()) {
            continue;
        }
        let items_file = config
            .inputs
            .items
            .as_deref()
            .map_or_else(|| "no item master is given".into(), in_file);
        findings.push(format!(
            "purchasing.budget_by_category.{} = {}: no item has the category \"{name}\" (the item master's category column; {items_file}), so this budget would limit nothing. {} Write the category as the item master spells it (names are case-sensitive), or remove the key",
            key_part(name),
            fmt(*budget),
            hint(name, &known.categories, "category"),
        ));
    }
    if findings.is_empty() {
        Ok(())
    } else {
        Err(LoadError::UnknownNames {
            config: config.file.clone(),
            findings,
        })
    }
}

/// "in items.csv".
fn in_file(p: &Path) -> String {
    format!("in {}", p.display())
}

/// Where suppliers are looked up, for the message: the configured files that name them.
fn sources(config: &Config) -> String {
    let i = &config.inputs;
    let files: Vec<String> = [
        ("the item master's supplier column", &i.items),
        ("the purchase orders' supplier column", &i.purchase_orders),
        ("the suppliers file", &i.suppliers),
    ]
    .into_iter()
    .filter_map(|(what, p)| p.as_deref().map(|p| format!("{what}, {}", in_file(p))))
    .collect();
    if files.is_empty() {
        "no item master, purchase orders or suppliers file is given, and only they name suppliers"
            .into()
    } else {
        format!("looked up in {}", files.join("; "))
    }
}

/// A name as a TOML key: bare when it can be, else quoted.
fn key_part(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}

/// "Did you mean SUP003?", else the known names (the first few), else that there are none: one
/// sentence of the message.
fn hint(name: &str, known: &BTreeSet<&str>, what: &str) -> String {
    let close = closest(name, known);
    if !close.is_empty() {
        return format!("Did you mean {}?", close.join(" or "));
    }
    let plural = if what == "category" {
        "categories"
    } else {
        "suppliers"
    };
    if known.is_empty() {
        return format!("The inputs name no {plural} at all.");
    }
    let listed: Vec<&str> = known.iter().take(LISTED).copied().collect();
    let more = if known.len() > LISTED {
        format!(", … ({} in all)", known.len())
    } else {
        String::new()
    };
    format!(
        "None is close; the inputs' {plural}: {}{more}.",
        listed.join(", ")
    )
}

/// The settings of a `[suppliers.NAME]` table, by key in alphabetical order: "min_order_value
/// = 5000, order_days = [\"Mon\"]" ("no settings" for an empty table).
fn settings_of(terms: &SupplierTerms) -> String {
    let Ok(toml::Value::Table(table)) = toml::Value::try_from(terms) else {
        return String::new();
    };
    let set: Vec<String> = table
        .iter()
        .filter(|(_, v)| !matches!(v, toml::Value::Array(a) if a.is_empty()))
        .map(|(k, v)| match v {
            toml::Value::Float(f) => format!("{k} = {}", fmt(*f)),
            other => format!("{k} = {other}"),
        })
        .collect();
    if set.is_empty() {
        "no settings".into()
    } else {
        set.join(", ")
    }
}

/// What an unknown supplier's table would fail to do: "its minimum order, calendar and
/// containers".
fn effect(terms: &SupplierTerms) -> String {
    let mut parts = Vec::new();
    if terms.min_order_value.is_some() || terms.min_order_qty.is_some() {
        parts.push("minimum order");
    }
    if !terms.order_days.is_empty() || !terms.closures.is_empty() {
        parts.push("calendar");
    }
    if terms.containers().is_some() {
        parts.push("containers");
    }
    match parts.as_slice() {
        [] => "the table".into(),
        [one] => format!("its {one}"),
        [init @ .., last] => format!("its {} and {last}", init.join(", ")),
    }
}

/// One item bought from a container supplier: where its size is written, and the order
/// rounding it is bought with there.
struct Bought<'a> {
    sku: &'a str,
    /// The item-master row, if the SKU has one.
    row: Option<&'a ItemRecord>,
    /// The file and line the finding points at: the item-master row, else the suppliers-file
    /// row that offers the SKU.
    file: &'a Path,
    line: u64,
    params: ItemParams,
}

/// Flags the items of every supplier with containers whose size its containers cannot count
/// or cannot hold ([`crate::purchasing::container::Containers::check_item`]): one anomaly
/// per item, supplier and dimension, action `kept` (the value is used as given). An item is
/// a supplier's when the item master names the supplier or the suppliers file offers the
/// item from it (with that row's `moq` and `pack_size` where given).
pub(super) fn container_anomalies(
    config: &Config,
    items: &[ItemRecord],
    offers: &Offers,
) -> Vec<Anomaly> {
    let mut out = Vec::new();
    let by_sku: BTreeMap<&str, &ItemRecord> = items.iter().map(|r| (r.sku.as_str(), r)).collect();
    for (name, terms) in &config.suppliers {
        let Some(containers) = terms.containers() else {
            continue;
        };
        for b in bought_from(config, name, items, &by_sku, offers) {
            let volume = b.row.and_then(|r| r.volume);
            let weight = b.row.and_then(|r| r.weight);
            for fit in containers.check_item(volume, weight, b.params.moq, b.params.pack_size) {
                out.push(anomaly(&b, name, fit));
            }
        }
    }
    out
}

/// The items bought from supplier `name`, in SKU order.
fn bought_from<'a>(
    config: &'a Config,
    name: &str,
    items: &'a [ItemRecord],
    by_sku: &BTreeMap<&'a str, &'a ItemRecord>,
    offers: &'a Offers,
) -> Vec<Bought<'a>> {
    let mut found: BTreeMap<&str, Bought> = BTreeMap::new();
    let items_file = config.inputs.items.as_deref().unwrap_or(Path::new(""));
    for r in items.iter().filter(|r| r.supplier.as_deref() == Some(name)) {
        found.insert(
            &r.sku,
            Bought {
                sku: &r.sku,
                row: Some(r),
                file: items_file,
                line: r.line,
                params: ItemRecord::resolve(Some(r), &config.defaults),
            },
        );
    }
    let offers_file = config.inputs.suppliers.as_deref().unwrap_or(Path::new(""));
    for o in offers.values().flatten().filter(|o| o.supplier == name) {
        let row = by_sku.get(o.sku.as_str()).copied();
        let b = found.entry(&o.sku).or_insert_with(|| Bought {
            sku: &o.sku,
            row,
            file: if row.is_some() {
                items_file
            } else {
                offers_file
            },
            line: row.map_or(o.line, |r| r.line),
            params: ItemRecord::resolve(row, &config.defaults),
        });
        if let Some(m) = o.moq {
            b.params.moq = m;
        }
        if let Some(p) = o.pack_size {
            b.params.pack_size = p;
        }
    }
    found.into_values().collect()
}

/// The unit of a dimension by convention, and the slip that most likely gives a size 1,000
/// times too large.
fn unit_of(d: Dimension) -> (&'static str, &'static str) {
    match d {
        Dimension::Volume => ("m³", "litres rather than m³ (12 litres = 0.012 m³)"),
        Dimension::Weight => ("kg", "grams rather than kg (500 g = 0.5 kg)"),
    }
}

/// The anomaly row of one finding about item `b` at supplier `name`.
fn anomaly(b: &Bought, name: &str, fit: ItemFit) -> Anomaly {
    let (dimension, value, reason) = match fit {
        ItemFit::Unmeasured(d) => {
            let (unit, _) = unit_of(d);
            let d = d.name();
            let whose = if b.row.is_some() {
                format!("it has no {d} in the item master (the cell is empty or was rejected)")
            } else {
                format!("it has no item-master row, so its {d} is unknown")
            };
            (
                d,
                String::new(),
                format!(
                    "{sku} is bought from {name}, which ships in containers (container_{d}), but {whose}: its order lines are not counted in {name}'s container fill (supplier_orders.csv, unmeasured_lines), so the containers may be fuller than reported. Write the {d} of one unit in the unit of container_{d} ({unit} by convention) in the item master",
                    sku = b.sku
                ),
            )
        }
        ItemFit::Oversized {
            dimension,
            units,
            per_unit,
            capacity,
        } => {
            let (unit, slip) = unit_of(dimension);
            let d = dimension.name();
            let (moq, pack) = (b.params.moq, b.params.pack_size);
            let smallest = if moq > pack {
                format!(
                    "its MOQ of {} units in whole packs of {}: {} units",
                    fmt(moq),
                    fmt(pack),
                    fmt(units)
                )
            } else {
                format!("one pack of {} units", fmt(units))
            };
            (
                d,
                format!("{per_unit}"),
                format!(
                    "the smallest order of {sku} ({smallest}) takes {} {unit} ({} × {per_unit}), more than one whole container of {name} (container_{d} = {}): the {d} is most likely in {slip}, or pack_size, moq or container_{d} is off. Used as given; check the {d} of one unit in the item master",
                    fmt(units * per_unit),
                    fmt(units),
                    fmt(capacity),
                    sku = b.sku
                ),
            )
        }
    };
    Anomaly {
        file: b.file.display().to_string(),
        line: b.line,
        sku: b.sku.to_string(),
        column: dimension.to_string(),
        value,
        reason,
        action: AnomalyAction::Kept,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(sku: &str, supplier: &str, category: &str) -> ItemRecord {
        ItemRecord {
            line: 2,
            sku: sku.into(),
            supplier: Some(supplier.into()),
            category: Some(category.into()),
            ..ItemRecord::default()
        }
    }

    #[test]
    fn names_are_known_from_items_offers_and_the_orders_of_skus_without_a_supplier() {
        let items = vec![item("A", "SUP001", "Tools"), {
            let mut b = item("B", "x", "Paint");
            b.supplier = None;
            b
        }];
        let po = |sku: &str, supplier: &str| PurchaseOrderLine {
            sku: sku.into(),
            supplier: Some(supplier.into()),
            line: 2,
            order_date: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            receipt_date: None,
            quantity: 1.0,
            quantity_received: None,
            expected_date: None,
            screened: false,
        };
        // A's order from OLD is not A's supplier (the item master's wins); B's is.
        let orders = vec![po("A", "OLD"), po("B", "SUP009")];
        let offers = Offers::new();
        let names = Names::of(&items, &orders, &offers);
        assert_eq!(
            names.suppliers.iter().copied().collect::<Vec<_>>(),
            ["SUP001", "SUP009"]
        );
        assert_eq!(
            names.categories.iter().copied().collect::<Vec<_>>(),
            ["Paint", "Tools"]
        );
    }

    #[test]
    fn quoting_listing_and_effects_in_the_message() {
        assert_eq!(key_part("SUP003"), "SUP003");
        assert_eq!(key_part("Hand tools"), "\"Hand tools\"");
        let known: BTreeSet<&str> = ["SUP001", "SUP002"].into_iter().collect();
        assert_eq!(hint("SUP02", &known, "supplier"), "Did you mean SUP002?");
        assert_eq!(
            hint("Acme", &known, "supplier"),
            "None is close; the inputs' suppliers: SUP001, SUP002."
        );
        assert_eq!(
            hint("Tools", &BTreeSet::new(), "category"),
            "The inputs name no categories at all."
        );
        let terms = SupplierTerms {
            min_order_value: Some(5000.0),
            order_days: vec!["Mon".into()],
            container_volume: Some(30.0),
            ..SupplierTerms::default()
        };
        assert_eq!(
            settings_of(&terms),
            "container_volume = 30, min_order_value = 5000, order_days = [\"Mon\"]"
        );
        assert_eq!(effect(&terms), "its minimum order, calendar and containers");
        assert_eq!(settings_of(&SupplierTerms::default()), "no settings");
        assert_eq!(effect(&SupplierTerms::default()), "the table");
    }
}
