//! The planner's controls end to end through the library: overrides (each type changes
//! exactly what it names, and is echoed), bad overrides reported, coverage rules, lock,
//! known events, and analogue forecasts for new items.

use std::{collections::BTreeMap, fs, path::Path};

use replenish::{
    config::{Config, Coverage},
    generate::GenerateParams,
    plan::{levels::demand_over, output::write_plan_outputs, plan, Plan},
    policy::order_qty::round_order,
    recommend::{Action, Recommendation},
    sku_plan::SkuPlan,
    validate::load_and_validate,
};

/// A generated catalogue of 40 SKUs with 400 days of history.
fn dataset() -> (tempfile::TempDir, Config) {
    crate::util::generated_catalogue(&GenerateParams {
        skus: 40,
        days: 400,
        seed: 3,
        ..GenerateParams::default()
    })
}

fn run(config: &Config, out: &Path) -> (replenish::validate::Loaded, Plan) {
    let loaded = load_and_validate(config, out).unwrap();
    let p = plan(config, &loaded);
    (loaded, p)
}

fn by_sku(p: &Plan) -> BTreeMap<String, &SkuPlan> {
    p.plans.iter().map(|s| (s.sku.clone(), s)).collect()
}

fn rec<'a>(p: &'a Plan, sku: &str) -> &'a Recommendation {
    p.recommendations.iter().find(|r| r.sku == sku).unwrap()
}

/// Established SKUs with a positive forecast and a computed min-max policy, in SKU order.
fn established(p: &Plan) -> Vec<String> {
    p.plans
        .iter()
        .filter(|s| s.backtested && s.history_days >= 56 && s.demand_per_day > 0.05)
        .filter(|s| s.policy.is_ok())
        .map(|s| s.sku.clone())
        .collect()
}

const HEADER: &str = "sku,model,service_level,safety_stock,safety_stock_days,reorder_point,order_quantity,order_days,min,max,order_up_to,multiplier,from,to,do_not_order,discontinued,lock,note";

fn write_overrides(dir: &Path, rows: &[String]) -> std::path::PathBuf {
    let path = dir.join("overrides.csv");
    fs::write(&path, format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
    path
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn each_override_changes_exactly_what_it_names_and_is_echoed() {
    let (dir, mut config) = dataset();
    // The formulas' levels: with a simulation design s depends on Q, so "an order-quantity
    // override leaves s as it was" holds for the analytic levels only.
    config.policy.levels = replenish::config::LevelSource::Analytic;
    let out = tempfile::tempdir().unwrap();
    let (_, base) = run(&config, out.path());
    let skus = established(&base);
    assert!(
        skus.len() >= 8,
        "need 8 established SKUs, have {}",
        skus.len()
    );
    let s: Vec<&str> = skus.iter().map(String::as_str).take(8).collect();
    let b = by_sku(&base);
    let pol = |sku: &str| b[sku].policy.as_ref().unwrap().clone();
    let s_fixed = (pol(s[1]).reorder_point().unwrap() * 0.5).round() + 1.0;
    let big_s_fixed = pol(s[7]).order_up_to().unwrap() + 50.0;
    let rows = vec![
        format!("{},,0.995,,,,,,,,,,,,,,,", s[0]),
        format!("{},,,,,{s_fixed},,,,,,,,,,,,", s[1]),
        format!("{},,,5,,,,,,,,,,,,,,", s[2]),
        format!("{},,,,,,77,,,,,,,,,,,", s[3]),
        format!("{},naive,,,,,,,,,,,,,,,,", s[4]),
        format!("{},,,,,,,,,,,2,,,,,,double it", s[5]),
        format!("{},,,,,,,,,,,,,,,1,,", s[6]),
        format!("{},,,,,,,,,,{big_s_fixed},,,,,,,", s[7]),
    ];
    config.inputs.overrides = Some(write_overrides(dir.path(), &rows));
    let (loaded, steered) = run(&config, out.path());
    assert!(loaded.rejects.is_empty(), "{:?}", loaded.rejects);
    let n = by_sku(&steered);
    let new = |sku: &str| n[sku].policy.as_ref().unwrap().clone();

    // Service level: the target, and so the levels; nothing of the forecast.
    assert!(close(n[s[0]].target, 0.995));
    assert_eq!(n[s[0]].target_source, "override");
    assert!(close(n[s[0]].demand_per_day, b[s[0]].demand_per_day));
    assert!(new(s[0]).safety_stock >= pol(s[0]).safety_stock - 1e-9);
    // Reorder point: s given, the min-max gap kept, the forecast untouched.
    assert!(close(new(s[1]).reorder_point().unwrap(), s_fixed));
    let gap = pol(s[1]).order_up_to().unwrap() - pol(s[1]).reorder_point().unwrap();
    assert!(close(new(s[1]).order_up_to().unwrap(), s_fixed + gap));
    assert_eq!(new(s[1]).method, "override");
    // Safety stock: s = mean protection demand + 5.
    assert!(close(new(s[2]).safety_stock, 5.0));
    assert!(close(
        new(s[2]).reorder_point().unwrap(),
        new(s[2]).protection_demand_mean + 5.0
    ));
    // Order quantity: S − s = 77 rounded to pack and MOQ; s unchanged.
    let item = &n[s[3]].item;
    assert!(close(
        new(s[3]).order_up_to().unwrap() - new(s[3]).reorder_point().unwrap(),
        round_order(77.0, item.moq, item.pack_size)
    ));
    assert!(close(
        new(s[3]).reorder_point().unwrap(),
        pol(s[3]).reorder_point().unwrap()
    ));
    // Model: forced.
    assert_eq!(n[s[4]].model.to_string(), "naive");
    // Multiplier ×2 over the whole horizon: twice the demand per day, same error spread.
    assert!(close(n[s[5]].demand_per_day, 2.0 * b[s[5]].demand_per_day));
    assert!(close(n[s[5]].demand_sd_per_day, b[s[5]].demand_sd_per_day));
    // Discontinued: HOLD, nothing ordered, the levels themselves untouched.
    assert_eq!(rec(&steered, s[6]).action, Action::Hold);
    assert!(rec(&steered, s[6]).order_quantity.abs() < 1e-12);
    assert!(close(
        new(s[6]).reorder_point().unwrap(),
        pol(s[6]).reorder_point().unwrap()
    ));
    // Order-up-to: S given, s unchanged.
    assert!(close(new(s[7]).order_up_to().unwrap(), big_s_fixed));
    assert!(close(
        new(s[7]).reorder_point().unwrap(),
        pol(s[7]).reorder_point().unwrap()
    ));

    // Every override is echoed, naming what it set.
    let echo = |sku: &str| rec(&steered, sku).overrides.clone();
    for (sku, needle) in [
        (s[0], "service_level=0.995"),
        (s[1], "reorder_point="),
        (s[2], "safety_stock=5"),
        (s[3], "order quantity 77 units (override)"),
        (s[4], "model=naive"),
        (s[5], "multiplier"),
        (s[6], "discontinued"),
        (s[7], "order_up_to="),
    ] {
        assert!(echo(sku).contains(needle), "{sku}: {}", echo(sku));
    }
    assert!(echo(s[5]).contains("note: double it"));
    // SKUs without overrides keep their policies exactly.
    for (sku, p) in &n {
        if !s.contains(&sku.as_str()) {
            assert_eq!(p.policy, b[sku.as_str()].policy, "{sku} changed");
            assert!(p.overrides.is_empty(), "{sku}: {:?}", p.overrides);
        }
    }
    // And the outputs carry the echo column.
    write_plan_outputs(out.path(), &loaded, &steered, 0).unwrap();
    let csv = fs::read_to_string(out.path().join("recommendations.csv")).unwrap();
    assert!(csv.lines().next().unwrap().contains(",overrides,reason"));
    let policy = fs::read_to_string(out.path().join("policy.csv")).unwrap();
    assert!(policy
        .lines()
        .next()
        .unwrap()
        .ends_with("safety_stock_rule,overrides"));
}

#[test]
fn bad_overrides_are_reported_with_file_line_and_reason_and_the_good_ones_apply() {
    let (dir, mut config) = dataset();
    let out = tempfile::tempdir().unwrap();
    let rows = vec![
        "SKU00001,,0.97,,,,,,,,,,,,,,,".to_string(), // line 2: fine
        "SKUO0001,,0.97,,,,,,,,,,,,,,,".into(),      // line 3: unknown sku (letter O)
        "SKU00002,,1.5,,,,,,,,,,,,,,,".into(),       // line 4: impossible target
        "SKU00003,,,,,50,,,,,40,,,,,,,".into(),      // line 5: S below s
        "SKU00001,,0.9,,,,,,,,,,,,,,,".into(),       // line 6: conflicts with line 2
        "SKU00004,,,,,,,,,,,,2026-01-01,,,,,".into(), // line 7: from without multiplier
        "SKU00005,,,,,,,,,,,,,,,,,".into(),          // line 8: overrides nothing
        "SKU00006,prophet,,,,,,,,,,,,,,,,".into(),   // line 9: unknown model
        "SKU00007,,,3,4,,,,,,,,,,,,,".into(),        // line 10: two safety stocks
    ];
    let path = write_overrides(dir.path(), &rows);
    config.inputs.overrides = Some(path.clone());
    let (loaded, p) = run(&config, out.path());
    let file = path.display().to_string();
    let reasons: BTreeMap<u64, &str> = loaded
        .rejects
        .iter()
        .map(|r| {
            assert_eq!(r.file, file);
            (r.line, r.reason.as_str())
        })
        .collect();
    let expect = [
        (3, "unknown sku SKUO0001"),
        (4, "(0, 1)"),
        (5, "should be above the reorder point 50"),
        (6, "conflicts with 0.97 set for the same sku at line 2"),
        (7, "no multiplier"),
        (8, "overrides nothing"),
        (9, "unknown model 'prophet'"),
        (10, "safety_stock and safety_stock_days"),
    ];
    for (line, needle) in expect {
        let got = reasons.get(&line).unwrap_or(&"(not rejected)");
        assert!(got.contains(needle), "line {line}: {got}");
    }
    assert!(
        reasons[&3].contains("did you mean SKU00001"),
        "{}",
        reasons[&3]
    );
    assert_eq!(loaded.rejects.len(), expect.len());
    // 8 of 9 rows rejected is far above max_reject_share, yet the run goes on: a typo in the
    // planner's file must not stop the nightly plan. The good row applies.
    let f = loaded.report.files.iter().find(|f| f.path == file).unwrap();
    assert_eq!((f.stats.rows_read, f.stats.rows_rejected), (9, 8));
    let one = p.plans.iter().find(|s| s.sku == "SKU00001").unwrap();
    assert!(close(one.target, 0.97));
}

#[test]
fn coverage_rules_from_config_set_safety_stock_as_days_of_forecast() {
    let (_dir, mut config) = dataset();
    let out = tempfile::tempdir().unwrap();
    config.policy.coverage.insert(
        "C".into(),
        Coverage {
            safety_stock_days: Some(7.0),
            order_days: Some(21.0),
            ..Coverage::default()
        },
    );
    let (_, p) = run(&config, out.path());
    let mut checked = 0;
    for s in p.plans.iter().filter(|s| s.policy.is_ok()) {
        let o = s.policy.as_ref().unwrap();
        if s.abc.name() == "C" {
            assert!(
                close(o.safety_stock, demand_over(&s.rate_per_day, 7.0)),
                "{}",
                s.sku
            );
            assert_eq!(s.safety_stock_rule, "7 days of forecast (class C)");
            assert!(
                o.order_rule.contains("21 days of demand"),
                "{}",
                o.order_rule
            );
            checked += 1;
        } else {
            assert_eq!(s.safety_stock_rule, "statistical");
        }
    }
    assert!(checked > 5, "{checked} C SKUs");
}

#[test]
fn lock_keeps_the_levels_of_the_last_run() {
    let (dir, mut config) = dataset();
    let out = tempfile::tempdir().unwrap();
    let (loaded, first) = run(&config, out.path());
    write_plan_outputs(out.path(), &loaded, &first, 0).unwrap();
    let sku = established(&first)[0].clone();
    let before = by_sku(&first)[sku.as_str()].policy.clone().unwrap();
    // A much higher target would raise the levels; the lock keeps the old ones.
    config.inputs.overrides = Some(write_overrides(
        dir.path(),
        &[format!("{sku},,0.999,,,,,,,,,,,,,,1,")],
    ));
    config.policy.lock_from = Some(out.path().join("policy.csv"));
    let (_, second) = run(&config, out.path());
    let after = by_sku(&second)[sku.as_str()].policy.clone().unwrap();
    let r4 = |v: Option<f64>| v.map(|x| (x * 1e4).round());
    assert_eq!(r4(after.reorder_point()), r4(before.reorder_point()));
    assert_eq!(r4(after.order_up_to()), r4(before.order_up_to()));
    assert_eq!(after.method, "locked");
    assert!(rec(&second, &sku)
        .overrides
        .contains("lock: levels of the last run kept"));
    // Without an earlier policy.csv the lock says so and computes afresh.
    config.policy.lock_from = Some(out.path().join("missing.csv"));
    let (_, third) = run(&config, out.path());
    assert!(rec(&third, &sku).overrides.contains("lock not applied"));
}

#[test]
fn an_event_raises_the_forecast_on_its_days_only() {
    let (dir, mut config) = dataset();
    let out = tempfile::tempdir().unwrap();
    let (_, base) = run(&config, out.path());
    let sku = established(&base)[0].clone();
    let events = dir.path().join("events.csv");
    // Planning date is 2024-02-06 (start 2023-01-02 + 400 days): days 10–16 from it.
    fs::write(
        &events,
        format!(
            "start,end,sku,category,uplift,promo,name\n2024-02-16,2024-02-22,{sku},,1,,launch\n"
        ),
    )
    .unwrap();
    config.inputs.events = Some(events);
    let (_, p) = run(&config, out.path());
    let (a, b) = (by_sku(&base)[sku.as_str()], by_sku(&p)[sku.as_str()]);
    for t in 0..30 {
        let want = if (10..17).contains(&t) { 2.0 } else { 1.0 };
        assert!(
            close(b.rate_per_day[t], want * a.rate_per_day[t]),
            "day {t}: {} vs {}",
            b.rate_per_day[t],
            a.rate_per_day[t]
        );
    }
    assert!(rec(&p, &sku).overrides.contains("event launch x2.000"));
}

#[test]
fn a_new_item_gets_its_like_skus_forecast_scaled_and_is_flagged_review() {
    let (dir, config) = dataset();
    let out = tempfile::tempdir().unwrap();
    let (_, base) = run(&config, out.path());
    // The busiest established SKU: its recent sales are a stable base for the scale.
    let like = established(&base)
        .into_iter()
        .max_by(|a, b| {
            let r = |s: &String| by_sku(&base)[s.as_str()].demand_per_day;
            r(a).total_cmp(&r(b))
        })
        .unwrap();
    let like_rate = by_sku(&base)[like.as_str()].demand_per_day;
    // NEW1 sold for the last 14 days; NEW2 has no sales, only a category.
    let items = dir.path().join("items.csv");
    let text = fs::read_to_string(&items).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let row = |sku: &str, like: &str, cat: &str| {
        header
            .iter()
            .map(|c| match *c {
                "sku" => sku.to_string(),
                "like_sku" => like.to_string(),
                "category" => cat.to_string(),
                "supplier" => "SUP001".to_string(),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let like_row = text
        .lines()
        .find(|l| l.starts_with(&format!("{like},")))
        .unwrap();
    let i = header.iter().position(|c| *c == "category").unwrap();
    let cat = like_row.split(',').nth(i).unwrap().to_string();
    fs::write(
        &items,
        format!(
            "{text}{}\n{}\n",
            row("NEW1", &like, &cat),
            row("NEW2", "", &cat)
        ),
    )
    .unwrap();
    let sales = dir.path().join("sales.csv");
    let mut s = fs::read_to_string(&sales).unwrap();
    let daily = (like_rate / 4.0).max(1.0).round();
    for d in 0..14 {
        let date = chrono::NaiveDate::from_ymd_opt(2024, 1, 23).unwrap() + chrono::Days::new(d);
        s.push_str(&format!("{date},NEW1,{daily},1,0,0\n"));
    }
    fs::write(&sales, s).unwrap();
    let (_, p) = run(&config, out.path());
    let n1 = by_sku(&p)["NEW1"];
    assert!(
        n1.model
            .to_string()
            .starts_with(&format!("analogue(like_sku:{like}")),
        "{}",
        n1.model
    );
    assert!(n1.demand_per_day > 0.0);
    // Scaled by its own sales: its 14 days against the like SKU's same 14 days.
    let ratio = n1.demand_per_day / like_rate;
    assert!(ratio > 0.05 && ratio < 2.0, "scale {ratio}");
    let r1 = rec(&p, "NEW1");
    assert_eq!(r1.action, Action::Review);
    assert!(r1.reason.contains("new item"), "{}", r1.reason);
    assert!(r1.overrides.contains("scaled x"), "{}", r1.overrides);
    let n2 = by_sku(&p)["NEW2"];
    assert!(
        n2.model.to_string().starts_with("analogue(category:"),
        "{}",
        n2.model
    );
    assert!(n2.demand_per_day > 0.0);
    assert_eq!(rec(&p, "NEW2").action, Action::Review);
    assert!(p.analogues.iter().any(|f| f.sku == "NEW2"));
}

#[test]
fn a_planned_promotion_feeds_the_global_models_promotion_feature() {
    let (dir, mut config) = dataset();
    let out = tempfile::tempdir().unwrap();
    let (_, base) = run(&config, out.path());
    let sku = established(&base)[0].clone();
    // The global model forced for this SKU, and a promotion (no uplift given) on days 10–16.
    config.inputs.overrides = Some(write_overrides(
        dir.path(),
        &[format!("{sku},global,,,,,,,,,,,,,,,,")],
    ));
    let (_, plain) = run(&config, out.path());
    let events = dir.path().join("events.csv");
    fs::write(
        &events,
        format!(
            "start,end,sku,category,uplift,promo,name\n2024-02-16,2024-02-22,{sku},,,1,promo\n"
        ),
    )
    .unwrap();
    config.inputs.events = Some(events);
    let (_, promoted) = run(&config, out.path());
    let (a, b) = (
        by_sku(&plain)[sku.as_str()],
        by_sku(&promoted)[sku.as_str()],
    );
    let fa = plain.forecasts.iter().find(|f| f.sku == sku).unwrap();
    assert_eq!(a.model.to_string(), "global", "{}", fa.reason);
    // Without the calendar every day carries the SKU's expected promotion flag (its share of
    // promotion days), with it the calendar is what is known: outside the promotion the
    // forecast is at most the plain one (no promotion there), inside it is the model's own
    // promotion effect, learned across the catalogue (the generator's promotions lift demand
    // 1.5–3×).
    for t in (0..10).chain(17..30) {
        assert!(
            b.rate_per_day[t] <= a.rate_per_day[t] + 1e-9,
            "day {t}: {} with the calendar, {} without",
            b.rate_per_day[t],
            a.rate_per_day[t]
        );
    }
    let inside: f64 = (10..17)
        .map(|t| b.rate_per_day[t] / a.rate_per_day[t].max(1e-9))
        .sum::<f64>()
        / 7.0;
    assert!(inside > 1.05, "promotion days x{inside}");
    let echo = &rec(&promoted, &sku).overrides;
    assert!(
        echo.contains("promotion effect from the global model"),
        "{echo}"
    );
    assert!(
        !echo.contains("learned promotion lift"),
        "not applied twice: {echo}"
    );
}

#[test]
fn simulated_levels_keep_the_planners_levels() {
    let (dir, mut config) = dataset();
    let out = tempfile::tempdir().unwrap();
    let (_, base) = run(&config, out.path());
    let skus = established(&base);
    let fixed = (by_sku(&base)[skus[0].as_str()]
        .policy
        .as_ref()
        .unwrap()
        .reorder_point()
        .unwrap()
        * 0.5)
        .round()
        + 1.0;
    config.inputs.overrides = Some(write_overrides(
        dir.path(),
        &[format!("{},,,,,{fixed},,,,,,,,,,,,", skus[0])],
    ));
    config.policy.levels = replenish::config::LevelSource::Simulated;
    config.simulation.days = 120;
    config.simulation.warmup_days = 20;
    config.simulation.replications = 20;
    config.simulation.min_replications = 20;
    config.simulation.optimise_replications = 10;
    let (_, p) = run(&config, out.path());
    let n = by_sku(&p);
    let kept = n[skus[0].as_str()].policy.as_ref().unwrap();
    assert!(close(kept.reorder_point().unwrap(), fixed));
    assert_eq!(kept.method, "override");
    assert!(
        rec(&p, &skus[0])
            .overrides
            .contains("simulation design not applied"),
        "{}",
        rec(&p, &skus[0]).overrides
    );
    // Everyone else is optimised.
    assert_eq!(
        n[skus[1].as_str()].policy.as_ref().unwrap().method,
        "simulated"
    );
}

#[test]
fn a_forecast_override_on_a_sku_without_any_forecast_says_it_was_not_applied() {
    let (dir, mut config) = dataset();
    let out = tempfile::tempdir().unwrap();
    // An item-master SKU with no sales, no like_sku and no category: nothing to forecast.
    let items = dir.path().join("items.csv");
    let text = fs::read_to_string(&items).unwrap();
    let columns = text.lines().next().unwrap().split(',').count();
    let row = std::iter::once("LONELY".to_string())
        .chain(std::iter::repeat_n(String::new(), columns - 1))
        .collect::<Vec<_>>()
        .join(",");
    fs::write(&items, format!("{text}{row}\n")).unwrap();
    config.inputs.overrides = Some(write_overrides(
        dir.path(),
        &["LONELY,ses,,,,,,,,,,2,,,,,,".to_string()],
    ));
    let (loaded, p) = run(&config, out.path());
    assert!(loaded.rejects.is_empty(), "{:?}", loaded.rejects);
    let echo = &rec(&p, "LONELY").overrides;
    assert!(echo.contains("model=ses not applied"), "{echo}");
    assert!(echo.contains("multiplier not applied"), "{echo}");
}

#[test]
fn a_simulation_design_keeps_the_planners_order_quantity() {
    // Under `levels = auto` sporadic SKUs are simulation-designed; the search may try other
    // quantities for an EOQ, never for a quantity the planner set.
    let (dir, mut config) = dataset();
    config.policy.levels = replenish::config::LevelSource::Simulated;
    let out = tempfile::tempdir().unwrap();
    let (_, base) = run(&config, out.path());
    let skus = established(&base);
    let rows: Vec<String> = skus
        .iter()
        .take(4)
        .map(|s| format!("{s},,,,,,77,,,,,,,,,,,"))
        .collect();
    config.inputs.overrides = Some(write_overrides(dir.path(), &rows));
    let (_, steered) = run(&config, out.path());
    let n = by_sku(&steered);
    for sku in skus.iter().take(4) {
        let p = n[sku.as_str()].policy.as_ref().unwrap();
        let item = &n[sku.as_str()].item;
        if let (Some(big_s), Some(s)) = (p.order_up_to(), p.reorder_point()) {
            assert!(
                close(big_s - s, round_order(77.0, item.moq, item.pack_size)),
                "{sku}: S − s = {}",
                big_s - s
            );
        }
    }
}
