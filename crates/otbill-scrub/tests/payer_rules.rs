//! Payer rule sets as data, applied by the scrub; eligibility benefits; the patient's share
//! estimate. Each test is named after the case it pins.

mod common;
use common::*;

use chrono::NaiveDate;
use otbill_core::{Payers, Severity, UnitMethod};
use otbill_scrub::benefits::Benefits;
use otbill_scrub::estimate::estimate_share;
use otbill_scrub::payer_rules::{
    rules_on, Coordination, DatedRules, DistinctModifier, MonthDay, PayerRules, UnitLimit,
    VisitLimit, BUILTIN_RULE_FILES,
};
use otbill_scrub::scrub::{scrub, Engine, ScrubInput, Scrubbed};
use otbill_types::{CptCode, Money};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const SOURCE: &str = "payer rule set 12 (edited 2026-06-01 by admin)";

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn profile(id: &str) -> otbill_core::PayerProfile {
    world().payers.get(id).unwrap().clone()
}

/// The commercial defaults, to change per test.
fn commercial() -> PayerRules {
    PayerRules::defaults_for(&profile("commercial"))
}

fn medicare() -> PayerRules {
    PayerRules::defaults_for(&profile("medicare"))
}

fn dated(rules: PayerRules, effective: &str) -> DatedRules {
    DatedRules {
        payer: "BCBS01".into(),
        effective: d(effective),
        rules,
        source: SOURCE.into(),
    }
}

/// Scrubs a visit on `date` for `payer` with these services, episode fields and claim
/// fields, under `rules` when given.
fn scrub_with(
    date: &str,
    payer: &str,
    services: &str,
    episode: &str,
    claim: &str,
    rules: Option<&DatedRules>,
) -> Scrubbed {
    let rules = match rules {
        Some(r) => format!(r#", "payer_rules": {}"#, serde_json::to_string(r).unwrap()),
        None => String::new(),
    };
    run(&format!(
        r#"{{"visit": {{"date": "{date}", "payer": "{payer}", "services": [{services}]}},
            "episode": {{{episode}}}, "claim": {{{claim}}}{rules}}}"#
    ))
}

fn units(s: &Scrubbed, code: &str) -> u32 {
    s.lines
        .iter()
        .filter(|l| l.price.code.as_str() == code)
        .map(|l| l.price.units)
        .sum()
}

fn total_units(s: &Scrubbed) -> u32 {
    s.lines.iter().map(|l| l.price.units).sum()
}

const THREE_TENS: &str = r#"{"code": "97110", "minutes": 10}, {"code": "97530", "minutes": 10}, {"code": "97535", "minutes": 10}"#;

#[track_caller]
fn assert_rule_source(s: &Scrubbed, code: &str, effective: &str, field: &str) {
    let f = find(s, code);
    assert_eq!(
        f.source,
        format!("{SOURCE}, effective {effective}: {field}"),
        "{code}"
    );
}

// --- 1. unit method and required minutes ------------------------------------------------

#[test]
fn cpt_rule_vs_eight_minute_rule_per_payer() {
    let mut cpt = medicare();
    cpt.unit_method = UnitMethod::CptMidpoint;
    let mut total = commercial();
    total.unit_method = UnitMethod::MedicareTotalTime;
    // The same 30 minutes: each code alone passes its midpoint (3 units); pooled they are
    // 30 minutes, 2 units.
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        THREE_TENS,
        "",
        "",
        Some(&dated(total, "2025-01-01")),
    );
    assert_eq!(total_units(&s), 2, "{:?}", s.lines);
    let s = scrub_with(
        "2025-06-02",
        "medicare",
        THREE_TENS,
        "",
        "",
        Some(&dated(cpt, "2025-01-01")),
    );
    assert_eq!(total_units(&s), 3);
    // Without rule sets the profiles decide, the other way round.
    assert_eq!(
        total_units(&scrub_with(
            "2025-06-02",
            "commercial",
            THREE_TENS,
            "",
            "",
            None
        )),
        3
    );
    assert_eq!(
        total_units(&scrub_with(
            "2025-06-02",
            "medicare",
            THREE_TENS,
            "",
            "",
            None
        )),
        2
    );
}

#[test]
fn min_minutes_per_unit_15_cuts_a_10_minute_unit_with_the_finding() {
    let mut r = commercial();
    r.min_minutes_per_unit = Some(15);
    let r = dated(r, "2025-01-01");
    let services = r#"{"code": "97110", "minutes": 10}, {"code": "97530", "minutes": 29}"#;
    let without = scrub_with("2025-06-02", "commercial", services, "", "", None);
    assert_eq!((units(&without, "97110"), units(&without, "97530")), (1, 2));
    let s = scrub_with("2025-06-02", "commercial", services, "", "", Some(&r));
    // 97110: 10 < 15, no unit; 97530: 29 min support one whole 15-minute unit.
    assert_eq!((units(&s, "97110"), units(&s, "97530")), (0, 1));
    assert!(s.dropped.iter().any(|x| x.code.as_str() == "97110"));
    let cuts: Vec<_> = s
        .findings
        .iter()
        .filter(|f| f.code == "PAYER_UNITS_CUT")
        .collect();
    assert_eq!(cuts.len(), 2);
    assert!(
        cuts[0].message.contains("97110") && cuts[0].message.contains("15 min"),
        "{}",
        cuts[0].message
    );
    assert_rule_source(&s, "PAYER_UNITS_CUT", "2025-01-01", "min_minutes_per_unit");
}

// --- 2. visit limit -----------------------------------------------------------------------

fn limited(visits: u32, reset: &str) -> DatedRules {
    let mut r = commercial();
    r.visit_limit = Some(VisitLimit {
        visits,
        reset: MonthDay::parse(reset).unwrap(),
    });
    dated(r, "2025-01-01")
}

#[test]
fn visit_limit_reached_is_an_error_and_one_left_is_info() {
    let r = limited(20, "01-01");
    let svc = r#"{"code": "97530", "minutes": 30}"#;
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        svc,
        r#""visits_this_plan_year": 20"#,
        "",
        Some(&r),
    );
    assert_eq!(severity(&s, "PAYER_VISIT_LIMIT_REACHED"), Severity::Error);
    assert!(s.blocked);
    assert_rule_source(&s, "PAYER_VISIT_LIMIT_REACHED", "2025-01-01", "visit_limit");
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        svc,
        r#""visits_this_plan_year": 19"#,
        "",
        Some(&r),
    );
    assert_eq!(severity(&s, "PAYER_VISIT_LIMIT_NEAR"), Severity::Info);
    assert!(!has(&s, "PAYER_VISIT_LIMIT_REACHED"));
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        svc,
        r#""visits_this_plan_year": 18"#,
        "",
        Some(&r),
    );
    assert!(!has(&s, "PAYER_VISIT_LIMIT_NEAR") && !has(&s, "PAYER_VISIT_LIMIT_REACHED"));
    // Without the count the limit cannot be checked, and it says so.
    let s = scrub_with("2025-06-02", "commercial", svc, "", "", Some(&r));
    assert!(has(&s, "PAYER_VISIT_LIMIT_UNCHECKED"));
}

#[test]
fn visit_limit_plan_year_starts_at_the_reset_date() {
    let reset = MonthDay::parse("07-01").unwrap();
    assert_eq!(reset.plan_year_start(d("2026-06-30")), d("2025-07-01"));
    assert_eq!(reset.plan_year_start(d("2026-07-01")), d("2026-07-01"));
    let r = limited(20, "07-01");
    let svc = r#"{"code": "97530", "minutes": 30}"#;
    let before = scrub_with(
        "2026-06-30",
        "commercial",
        svc,
        r#""visits_this_plan_year": 20"#,
        "",
        Some(&r),
    );
    let after = scrub_with(
        "2026-07-01",
        "commercial",
        svc,
        r#""visits_this_plan_year": 20"#,
        "",
        Some(&r),
    );
    assert!(find(&before, "PAYER_VISIT_LIMIT_REACHED")
        .message
        .contains("2025-07-01"));
    assert!(find(&after, "PAYER_VISIT_LIMIT_REACHED")
        .message
        .contains("2026-07-01"));
}

// --- 3. authorization ---------------------------------------------------------------------

#[test]
fn authorization_required_missing_is_an_error_present_is_clean() {
    let mut r = commercial();
    r.authorization.required = true;
    let r = dated(r, "2025-01-01");
    let svc = r#"{"code": "97530", "minutes": 30}"#;
    let s = scrub_with("2025-06-02", "commercial", svc, "", "", Some(&r));
    let f = find(&s, "PAYER_AUTH_MISSING");
    assert_eq!(
        (f.severity, f.carc.as_deref()),
        (Severity::Error, Some("197"))
    );
    assert_rule_source(&s, "PAYER_AUTH_MISSING", "2025-01-01", "authorization");
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        svc,
        r#""authorization": {"number": "A1"}"#,
        "",
        Some(&r),
    );
    assert!(!has(&s, "PAYER_AUTH_MISSING"));
    // The same visit under the commercial defaults needs none.
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        svc,
        "",
        "",
        Some(&dated(commercial(), "2025-01-01")),
    );
    assert!(!has(&s, "PAYER_AUTH_MISSING"));
}

#[test]
fn authorization_evaluation_only_visit_is_exempt_unless_evaluation_needs_one() {
    let mut r = commercial();
    r.authorization.required = true;
    let eval = r#"{"code": "97165"}"#;
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        eval,
        "",
        "",
        Some(&dated(r.clone(), "2025-01-01")),
    );
    assert!(!has(&s, "PAYER_AUTH_MISSING"), "{:?}", codes(&s));
    r.authorization.evaluation_needs_one = true;
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        eval,
        "",
        "",
        Some(&dated(r, "2025-01-01")),
    );
    assert!(find(&s, "PAYER_AUTH_MISSING")
        .message
        .contains("evaluation"));
}

// --- 4. progress report cadence -----------------------------------------------------------

fn cadence(every_visits: Option<u32>, every_days: Option<u32>) -> DatedRules {
    let mut r = commercial();
    r.progress_report.every_visits = every_visits;
    r.progress_report.every_days = every_days;
    dated(r, "2025-01-01")
}

/// A visit on 2025-06-02 under GOOD_PLAN with `visits` treatment days since the report,
/// written on `last`.
fn progress(visits: u32, last: &str, rules: &DatedRules) -> Scrubbed {
    scrub_with(
        "2025-06-02",
        "commercial",
        r#"{"code": "97530", "minutes": 30}"#,
        &format!(
            r#"{GOOD_PLAN}, "treatment_days_since_progress_report": {visits}, "last_progress_report": "{last}""#
        ),
        "",
        Some(rules),
    )
}

#[test]
fn progress_cadence_10_visits_vs_30_days() {
    // 11 visits since the report, but only 20 days (2025-05-13 to 2025-06-02).
    let s = progress(11, "2025-05-13", &cadence(Some(10), None));
    assert_eq!(severity(&s, "PROGRESS_REPORT_OVERDUE"), Severity::Error);
    assert_rule_source(
        &s,
        "PROGRESS_REPORT_OVERDUE",
        "2025-01-01",
        "progress_report.every_visits",
    );
    let s = progress(11, "2025-05-13", &cadence(None, Some(30)));
    assert!(
        !has(&s, "PROGRESS_REPORT_OVERDUE") && !has(&s, "PROGRESS_REPORT_DUE"),
        "{:?}",
        codes(&s)
    );
    // 31 days (2025-05-02 to 2025-06-02) with 5 visits: the opposite.
    let s = progress(5, "2025-05-02", &cadence(None, Some(30)));
    assert_eq!(severity(&s, "PROGRESS_REPORT_OVERDUE"), Severity::Error);
    assert_rule_source(
        &s,
        "PROGRESS_REPORT_OVERDUE",
        "2025-01-01",
        "progress_report.every_days",
    );
    let s = progress(5, "2025-05-02", &cadence(Some(10), None));
    assert!(!has(&s, "PROGRESS_REPORT_OVERDUE"));
}

#[test]
fn progress_cadence_every_visits_replaces_the_built_in_10() {
    // Treatment day 7 of the period: due under every 7 visits, nothing under the built-in 10.
    let s = progress(6, "2025-05-30", &cadence(Some(7), None));
    assert_eq!(severity(&s, "PROGRESS_REPORT_DUE"), Severity::Warning);
    let s = progress(6, "2025-05-30", &cadence(Some(10), None));
    assert!(!has(&s, "PROGRESS_REPORT_DUE"));
    // Without a rule set the built-in check keeps its source.
    let s = scrub_with(
        "2025-06-02",
        "medicare",
        r#"{"code": "97530", "minutes": 30}"#,
        &format!(r#"{GOOD_PLAN}, "treatment_days_since_progress_report": 11"#),
        "",
        None,
    );
    assert_eq!(
        find(&s, "PROGRESS_REPORT_OVERDUE").source,
        "Pub. 100-02 Ch. 15 §220.3.D (rules.md §6)"
    );
}

#[test]
fn progress_cadence_by_days_counts_from_the_plan_start_without_a_report() {
    // GOOD_PLAN starts 2025-05-01: 32 days before 2025-06-02.
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        r#"{"code": "97530", "minutes": 30}"#,
        &format!(r#"{GOOD_PLAN}, "treatment_days_since_progress_report": 3"#),
        "",
        Some(&cadence(None, Some(30))),
    );
    assert!(find(&s, "PROGRESS_REPORT_OVERDUE")
        .message
        .contains("2025-05-01"));
}

#[test]
fn recertification_days_shorter_than_90_makes_the_certification_run_out() {
    // GOOD_PLAN: start 2025-05-01, certified through 2025-07-29. A 30-day period ends
    // 2025-05-31, before a visit on 2025-06-02.
    let mut r = medicare();
    r.recertification_days = Some(30);
    let svc = r#"{"code": "97530", "minutes": 30}"#;
    let ep = format!(r#"{GOOD_PLAN}, "treatment_days_since_progress_report": 3"#);
    let s = scrub_with(
        "2025-06-02",
        "medicare",
        svc,
        &ep,
        "",
        Some(&dated(r, "2025-01-01")),
    );
    assert_eq!(severity(&s, "RECERT_DUE"), Severity::Error);
    assert_rule_source(&s, "RECERT_DUE", "2025-01-01", "recertification_days");
    let s = scrub_with(
        "2025-06-02",
        "medicare",
        svc,
        &ep,
        "",
        Some(&dated(medicare(), "2025-01-01")),
    );
    assert!(!has(&s, "RECERT_DUE"));
}

// --- 5. a rule changed mid-year -----------------------------------------------------------

#[test]
fn a_rule_changed_mid_year_applies_only_from_its_date() {
    let mut late = commercial();
    late.unit_method = UnitMethod::MedicareTotalTime;
    let history = [dated(commercial(), "2026-01-01"), dated(late, "2026-07-01")];
    let june = rules_on(&history, d("2026-06-30")).unwrap();
    let july = rules_on(&history, d("2026-07-01")).unwrap();
    assert_eq!(june.rules.unit_method, UnitMethod::CptMidpoint);
    assert_eq!(july.rules.unit_method, UnitMethod::MedicareTotalTime);
    assert!(rules_on(&history, d("2025-12-31")).is_none());
    let s_june = scrub_with("2026-06-30", "commercial", THREE_TENS, "", "", Some(june));
    let s_july = scrub_with("2026-07-01", "commercial", THREE_TENS, "", "", Some(july));
    assert_eq!((total_units(&s_june), total_units(&s_july)), (3, 2));
    assert_rule_source(&s_july, "PAYER_RULES_APPLIED", "2026-07-01", "rule set");
}

// --- 6. units per day, distinct modifier, KX, timely filing -------------------------------

#[test]
fn units_per_day_above_max_is_an_error_below_min_a_warning() {
    let mut r = commercial();
    r.units_per_day = vec![UnitLimit {
        code: CptCode::parse("97530").unwrap(),
        min: Some(2),
        max: Some(2),
    }];
    let r = dated(r, "2025-01-01");
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        r#"{"code": "97530", "minutes": 40}"#,
        "",
        "",
        Some(&r),
    );
    assert_eq!(units(&s, "97530"), 3);
    let f = find(&s, "PAYER_UNITS_ABOVE_MAX");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message.contains("3 units") && f.message.contains("2 per day"),
        "{}",
        f.message
    );
    assert_rule_source(&s, "PAYER_UNITS_ABOVE_MAX", "2025-01-01", "units_per_day");
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        r#"{"code": "97530", "minutes": 10}"#,
        "",
        "",
        Some(&r),
    );
    assert_eq!(severity(&s, "PAYER_UNITS_BELOW_MIN"), Severity::Warning);
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        r#"{"code": "97530", "minutes": 30}"#,
        "",
        "",
        Some(&r),
    );
    assert!(!has(&s, "PAYER_UNITS_ABOVE_MAX") && !has(&s, "PAYER_UNITS_BELOW_MIN"));
}

const PAIR: &str = r#"{"code": "97140", "minutes": 23}, {"code": "97530", "minutes": 23}"#;

fn distinct_claim(modifier: &str) -> String {
    format!(
        r#""distinct": [{{"code": "97530", "modifier": "{modifier}", "reason": "Manual therapy 9:00-9:23, then transfers 9:25-9:48"}}]"#
    )
}

fn modifiers_of(s: &Scrubbed, code: &str) -> Vec<String> {
    s.lines
        .iter()
        .filter(|l| l.price.code.as_str() == code)
        .flat_map(|l| l.modifiers.iter().map(|m| m.as_str().to_owned()))
        .collect()
}

#[test]
fn distinct_59_vs_x_decides_the_modifier_the_ncci_path_adds() {
    let mut fifty_nine = medicare();
    fifty_nine.modifiers.distinct = DistinctModifier::FiftyNine;
    let fifty_nine = dated(fifty_nine, "2025-01-01");
    let x = dated(medicare(), "2025-01-01");
    assert_eq!(x.rules.modifiers.distinct, DistinctModifier::X);
    let ep = format!(r#"{GOOD_PLAN}, "treatment_days_since_progress_report": 3"#);

    // A recorded XU: kept under X, 59 under a 59 payer.
    let s = scrub_with(
        "2025-06-02",
        "medicare",
        PAIR,
        &ep,
        &distinct_claim("XU"),
        Some(&x),
    );
    assert!(modifiers_of(&s, "97530").contains(&"XU".to_owned()));
    let s = scrub_with(
        "2025-06-02",
        "medicare",
        PAIR,
        &ep,
        &distinct_claim("XU"),
        Some(&fifty_nine),
    );
    let m = modifiers_of(&s, "97530");
    assert!(
        m.contains(&"59".to_owned()) && !m.contains(&"XU".to_owned()),
        "{m:?}"
    );
    assert_rule_source(
        &s,
        "PAYER_DISTINCT_MODIFIER_SUBSTITUTED",
        "2025-01-01",
        "modifiers.distinct",
    );
    assert!(!has(&s, "PTP_PAIR_NEEDS_MODIFIER"));

    // A recorded 59: kept under 59; under X no modifier is guessed, and it is an error.
    let s = scrub_with(
        "2025-06-02",
        "medicare",
        PAIR,
        &ep,
        &distinct_claim("59"),
        Some(&fifty_nine),
    );
    assert!(modifiers_of(&s, "97530").contains(&"59".to_owned()));
    let s = scrub_with(
        "2025-06-02",
        "medicare",
        PAIR,
        &ep,
        &distinct_claim("59"),
        Some(&x),
    );
    assert!(!modifiers_of(&s, "97530").contains(&"59".to_owned()));
    assert_eq!(
        severity(&s, "PAYER_DISTINCT_MODIFIER_X_REQUIRED"),
        Severity::Error
    );
    // Without a rule set the recorded modifier is used as it is.
    let s = scrub_with(
        "2025-06-02",
        "medicare",
        PAIR,
        &ep,
        &distinct_claim("59"),
        None,
    );
    assert!(modifiers_of(&s, "97530").contains(&"59".to_owned()));
}

#[test]
fn kx_off_turns_the_threshold_logic_off_for_the_payer() {
    let ep = format!(
        r#"{GOOD_PLAN}, "treatment_days_since_progress_report": 3, "year_to_date": {{"ot": "2400"}}, "medical_necessity_documented": true"#
    );
    let svc = r#"{"code": "97530", "minutes": 30}"#;
    let on = scrub_with(
        "2025-06-02",
        "medicare",
        svc,
        &ep,
        "",
        Some(&dated(medicare(), "2025-01-01")),
    );
    assert!(has(&on, "KX_APPLIED"));
    assert!(modifiers_of(&on, "97530").contains(&"KX".to_owned()));
    let mut r = medicare();
    r.modifiers.kx = false;
    let off = scrub_with(
        "2025-06-02",
        "medicare",
        svc,
        &ep,
        "",
        Some(&dated(r, "2025-01-01")),
    );
    assert!(!has(&off, "KX_APPLIED") && off.kx.is_none());
    assert!(!modifiers_of(&off, "97530").contains(&"KX".to_owned()));
    assert_rule_source(&off, "PAYER_KX_OFF", "2025-01-01", "modifiers.kx");
}

#[test]
fn timely_filing_days_90_replaces_the_12_months() {
    let svc = r#"{"code": "97530", "minutes": 30}"#;
    let claim = r#""filing_date": "2025-09-01""#; // 91 days after 2025-06-02
    let s = scrub_with("2025-06-02", "commercial", svc, "", claim, None);
    assert!(!has(&s, "TIMELY_FILING_EXPIRED"));
    let mut r = commercial();
    r.timely_filing_days = 90;
    let r = dated(r, "2025-01-01");
    let s = scrub_with("2025-06-02", "commercial", svc, "", claim, Some(&r));
    let f = find(&s, "TIMELY_FILING_EXPIRED");
    assert!(f.message.contains("2025-08-31"), "{}", f.message);
    assert_rule_source(
        &s,
        "TIMELY_FILING_EXPIRED",
        "2025-01-01",
        "timely_filing_days",
    );
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        svc,
        "",
        r#""filing_date": "2025-08-31""#,
        Some(&r),
    );
    assert!(!has(&s, "TIMELY_FILING_EXPIRED"));
    assert!(has(&s, "TIMELY_FILING_SOON"));
}

#[test]
fn discipline_always_adds_go_where_the_profile_does_not() {
    let w = world();
    let mut payers = Payers::default();
    payers
        .add_toml(
            "plain.toml",
            r#"id = "plain"
name = "No discipline modifier"
kind = "commercial"
unit_method = "cpt_midpoint"
discipline_modifier = false
assistant_modifiers = false
de_minimis = "percentage"
medicare_status = false"#,
        )
        .unwrap();
    let engine = Engine {
        catalog: &w.catalog,
        payers: &payers,
        rules: &w.rules,
    };
    let mut r = commercial();
    let go_count = |rules: Option<&DatedRules>| {
        let rules = rules.map_or(String::new(), |r| {
            format!(r#", "payer_rules": {}"#, serde_json::to_string(r).unwrap())
        });
        let json = format!(
            r#"{{"visit": {{"date": "2025-06-02", "payer": "plain", "services": [{{"code": "97530", "minutes": 30}}]}}{rules}}}"#
        );
        let input: ScrubInput = serde_json::from_str(&json).unwrap();
        let s = scrub(&engine, &input).unwrap();
        (
            modifiers_of(&s, "97530")
                .iter()
                .filter(|m| *m == "GO")
                .count(),
            s,
        )
    };
    assert_eq!(go_count(None).0, 0);
    r.modifiers.discipline_always = true;
    let (n, s) = go_count(Some(&dated(r, "2025-01-01")));
    assert_eq!(n, 1, "{:?}", s.lines);
    assert!(!has(&s, "DISCIPLINE_MODIFIER_MISSING"));
}

// --- 7. validation ------------------------------------------------------------------------

/// The commercial defaults as JSON with one field replaced.
fn with(field: &str, value: serde_json::Value) -> String {
    let mut v = serde_json::to_value(commercial()).unwrap();
    v[field] = value;
    v.to_string()
}

#[track_caller]
fn refused(json: &str) -> String {
    let e = PayerRules::from_json(json).unwrap_err();
    assert!(
        e.to_string()
            .starts_with(&format!("payer rules: {}: ", e.field)),
        "{e}"
    );
    e.field
}

#[test]
fn validate_refuses_reset_dates_that_are_not_month_days() {
    for reset in ["13-01", "02-30", "7-1"] {
        let json = with(
            "visit_limit",
            serde_json::json!({"visits": 20, "reset": reset}),
        );
        assert_eq!(refused(&json), "visit_limit.reset", "{reset}");
    }
    let ok = with(
        "visit_limit",
        serde_json::json!({"visits": 20, "reset": "02-29"}),
    );
    assert!(PayerRules::from_json(&ok).is_ok());
}

#[test]
fn validate_refuses_negative_numbers_naming_the_field() {
    assert_eq!(
        refused(&with("timely_filing_days", (-5).into())),
        "timely_filing_days"
    );
    assert_eq!(
        refused(&with(
            "visit_limit",
            serde_json::json!({"visits": -1, "reset": "01-01"})
        )),
        "visit_limit.visits"
    );
    assert_eq!(
        refused(&with(
            "units_per_day",
            serde_json::json!([{"code": "97530", "max": -2}])
        )),
        "units_per_day[0].max"
    );
    assert_eq!(
        refused(&with(
            "progress_report",
            serde_json::json!({"every_days": -30})
        )),
        "progress_report.every_days"
    );
}

#[test]
fn validate_refuses_contradictions_naming_the_field() {
    assert_eq!(
        refused(&with(
            "units_per_day",
            serde_json::json!([{"code": "97530", "min": 4, "max": 2}])
        )),
        "units_per_day[0].min"
    );
    assert_eq!(
        refused(&with(
            "units_per_day",
            serde_json::json!([{"code": "97530", "max": 4}, {"code": "97530", "max": 2}])
        )),
        "units_per_day[1].code"
    );
    assert_eq!(
        refused(&with(
            "visit_limit",
            serde_json::json!({"visits": 0, "reset": "01-01"})
        )),
        "visit_limit.visits"
    );
    assert_eq!(
        refused(&with(
            "progress_report",
            serde_json::json!({"every_visits": 0})
        )),
        "progress_report.every_visits"
    );
    for days in [0, 3651] {
        assert_eq!(
            refused(&with("timely_filing_days", days.into())),
            "timely_filing_days"
        );
    }
    for min in [0, 61] {
        assert_eq!(
            refused(&with("min_minutes_per_unit", min.into())),
            "min_minutes_per_unit"
        );
    }
    assert_eq!(
        refused(&with("recertification_days", 0.into())),
        "recertification_days"
    );
    let unknown = with("visit_limits", serde_json::json!(null));
    let e = PayerRules::from_json(&unknown).unwrap_err();
    assert!(e.message.contains("visit_limits"), "{e}");
    assert!(PayerRules::from_json(&with("timely_filing_days", 3650.into())).is_ok());
}

// --- 8. merge -----------------------------------------------------------------------------

#[test]
fn merge_stricter_picks_the_stricter_field_by_field() {
    let code = |c: &str| CptCode::parse(c).unwrap();
    let mut p = commercial();
    p.coordination = Coordination::Stricter;
    p.min_minutes_per_unit = Some(15);
    p.visit_limit = Some(VisitLimit {
        visits: 30,
        reset: MonthDay::parse("01-01").unwrap(),
    });
    p.progress_report.every_visits = Some(10);
    p.timely_filing_days = 365;
    p.units_per_day = vec![UnitLimit {
        code: code("97530"),
        min: Some(1),
        max: Some(4),
    }];
    let mut s = medicare();
    s.visit_limit = Some(VisitLimit {
        visits: 20,
        reset: MonthDay::parse("07-01").unwrap(),
    });
    s.authorization.required = true;
    s.progress_report.every_days = Some(30);
    s.progress_report.every_visits = Some(12);
    s.recertification_days = Some(60);
    s.timely_filing_days = 90;
    s.units_per_day = vec![
        UnitLimit {
            code: code("97530"),
            min: Some(2),
            max: Some(3),
        },
        UnitLimit {
            code: code("97110"),
            min: None,
            max: Some(2),
        },
    ];
    let m = PayerRules::merge(&p, &s);
    assert_eq!(m.unit_method, p.unit_method, "the primary's time rule");
    assert_eq!(m.min_minutes_per_unit, Some(15));
    assert_eq!(m.visit_limit, s.visit_limit);
    assert!(m.authorization.required);
    assert_eq!(
        (m.progress_report.every_visits, m.progress_report.every_days),
        (Some(10), Some(30))
    );
    assert_eq!(m.recertification_days, Some(60));
    assert_eq!(m.timely_filing_days, 90);
    assert_eq!(m.units_per_day.len(), 2);
    assert_eq!(
        (m.units_per_day[0].min, m.units_per_day[0].max),
        (Some(2), Some(3))
    );
    assert_eq!(m.units_per_day[1].code, code("97110"));
    assert_eq!(m.modifiers.distinct, DistinctModifier::X);
    assert!(m.modifiers.kx);
    assert_eq!(m.coordination, Coordination::Stricter);
    assert!(m.validate().is_ok());
    // The other coordinations take one side whole.
    p.coordination = Coordination::Primary;
    assert_eq!(PayerRules::merge(&p, &s), p);
    p.coordination = Coordination::Secondary;
    assert_eq!(PayerRules::merge(&p, &s), s);
}

#[test]
fn merge_stricter_keeps_contradicting_unit_limits_valid() {
    let code = CptCode::parse("97530").unwrap();
    let mut p = commercial();
    p.coordination = Coordination::Stricter;
    p.units_per_day = vec![UnitLimit {
        code,
        min: Some(3),
        max: None,
    }];
    let mut s = commercial();
    s.units_per_day = vec![UnitLimit {
        code,
        min: None,
        max: Some(2),
    }];
    let m = PayerRules::merge(&p, &s);
    assert_eq!(
        (m.units_per_day[0].min, m.units_per_day[0].max),
        (Some(2), Some(2))
    );
    assert!(m.validate().is_ok());
}

// --- 9. defaults as data ------------------------------------------------------------------

#[test]
fn shipped_rule_files_are_the_defaults_of_the_built_in_profiles() {
    for (name, text) in BUILTIN_RULE_FILES {
        let id = name
            .trim_start_matches("payers/rules/")
            .trim_end_matches(".json");
        let defaults = PayerRules::defaults_for(&profile(id));
        assert_eq!(PayerRules::from_json(text).unwrap(), defaults, "{name}");
        let pretty = serde_json::to_string_pretty(&defaults).unwrap() + "\n";
        assert_eq!(*text, pretty, "{name} is the pretty-printed defaults");
    }
    assert_eq!(BUILTIN_RULE_FILES.len(), 2);
}

#[test]
fn medicare_defaults_follow_rules_md() {
    let m = medicare();
    assert_eq!(m.unit_method, UnitMethod::MedicareTotalTime);
    assert_eq!(m.progress_report.every_visits, Some(10));
    assert_eq!(m.recertification_days, Some(90));
    assert_eq!(m.timely_filing_days, 365);
    assert!(m.modifiers.kx && m.modifiers.distinct == DistinctModifier::X);
    let c = commercial();
    assert_eq!(c.unit_method, UnitMethod::CptMidpoint);
    assert!(!c.authorization.required && c.visit_limit.is_none() && !c.modifiers.kx);
    assert_eq!(c.modifiers.distinct, DistinctModifier::FiftyNine);
}

// --- 10. benefits and the estimate --------------------------------------------------------

fn benefits(extra: &str) -> String {
    format!(r#""benefits": {{"checked_on": "2025-05-30"{extra}}}"#)
}

#[test]
fn benefits_inactive_visits_exhausted_auth_required_are_errors() {
    let svc = r#"{"code": "97530", "minutes": 30}"#;
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        svc,
        &benefits(r#", "active": false"#),
        "",
        None,
    );
    let f = find(&s, "ELIGIBILITY_INACTIVE");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.source, "271 eligibility response of 2025-05-30");
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        svc,
        &benefits(r#", "visits_remaining": 0"#),
        "",
        None,
    );
    assert_eq!(
        severity(&s, "ELIGIBILITY_VISITS_EXHAUSTED"),
        Severity::Error
    );
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        svc,
        &benefits(r#", "visits_remaining": 1, "active": true"#),
        "",
        None,
    );
    assert!(!has(&s, "ELIGIBILITY_VISITS_EXHAUSTED") && !has(&s, "ELIGIBILITY_INACTIVE"));
    let auth = benefits(r#", "authorization_required": true"#);
    let s = scrub_with("2025-06-02", "commercial", svc, &auth, "", None);
    assert_eq!(severity(&s, "ELIGIBILITY_AUTH_REQUIRED"), Severity::Error);
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        svc,
        &format!(r#"{auth}, "authorization": {{"number": "A9"}}"#),
        "",
        None,
    );
    assert!(!has(&s, "ELIGIBILITY_AUTH_REQUIRED"));
}

fn b(
    copay: Option<Decimal>,
    coins: Option<Decimal>,
    ded: Option<Decimal>,
    oop: Option<Decimal>,
) -> Benefits {
    Benefits {
        checked_on: d("2025-05-30"),
        active: Some(true),
        copay: copay.map(Money::new),
        coinsurance: coins,
        deductible_remaining: ded.map(Money::new),
        out_of_pocket_remaining: oop.map(Money::new),
        visits_remaining: None,
        authorization_required: None,
    }
}

#[test]
fn estimate_copay_20_on_100_with_the_deductible_met_is_20() {
    let e = estimate_share(
        Money::new(dec!(100)),
        &b(Some(dec!(20)), Some(dec!(0.20)), Some(dec!(0)), None),
    );
    assert_eq!(
        (
            e.deductible.amount(),
            e.copay.amount(),
            e.coinsurance.amount()
        ),
        (dec!(0), dec!(20), dec!(0))
    );
    assert_eq!((e.patient.amount(), e.payer.amount()), (dec!(20), dec!(80)));
    assert!(e.steps.iter().any(|s| s.contains("copay")), "{:?}", e.steps);
}

#[test]
fn estimate_deductible_50_then_coinsurance_20_percent_on_100_is_60() {
    let e = estimate_share(
        Money::new(dec!(100)),
        &b(None, Some(dec!(0.20)), Some(dec!(50)), None),
    );
    assert_eq!(
        (e.deductible.amount(), e.coinsurance.amount()),
        (dec!(50), dec!(10))
    );
    assert_eq!((e.patient.amount(), e.payer.amount()), (dec!(60), dec!(40)));
}

#[test]
fn estimate_is_capped_by_the_out_of_pocket_remainder() {
    let e = estimate_share(
        Money::new(dec!(100)),
        &b(None, Some(dec!(0.20)), Some(dec!(50)), Some(dec!(55))),
    );
    assert_eq!(e.patient.amount(), dec!(55));
    assert_eq!(
        (e.deductible.amount(), e.coinsurance.amount()),
        (dec!(50), dec!(5))
    );
    assert_eq!(e.payer.amount(), dec!(45));
    assert!(e.steps.iter().any(|s| s.contains("out-of-pocket")));
}

#[test]
fn estimate_rounds_coinsurance_to_cents_half_away_from_zero() {
    // 20% of 81.03 = 16.206 -> 16.21.
    let e = estimate_share(
        Money::new(dec!(81.03)),
        &b(None, Some(dec!(0.20)), None, None),
    );
    assert_eq!(e.coinsurance.amount(), dec!(16.21));
    // 10% of 0.05 = 0.005 -> 0.01.
    let e = estimate_share(
        Money::new(dec!(0.05)),
        &b(None, Some(dec!(0.10)), None, None),
    );
    assert_eq!(e.coinsurance.amount(), dec!(0.01));
}

#[test]
fn scrub_estimates_the_share_of_the_visit_allowed_total_only_with_benefits() {
    let svc = r#"{"code": "97530", "minutes": 30}"#;
    let s = scrub_with(
        "2025-06-02",
        "commercial",
        svc,
        &benefits(r#", "copay": "20", "deductible_remaining": "0""#),
        "",
        None,
    );
    let e = s.estimate.as_ref().unwrap();
    assert_eq!(e.allowed, s.totals.allowed);
    assert_eq!(e.patient.amount(), dec!(20).min(s.totals.allowed.amount()));
    assert!(serde_json::to_value(&s).unwrap().get("estimate").is_some());
    let s = scrub_with("2025-06-02", "commercial", svc, "", "", None);
    assert!(s.estimate.is_none());
    assert!(serde_json::to_value(&s).unwrap().get("estimate").is_none());
}

fn cents() -> impl Strategy<Value = Decimal> {
    (0i64..5_000_000).prop_map(|c| Decimal::new(c, 2))
}

fn any_benefits() -> impl Strategy<Value = Benefits> {
    (
        proptest::option::of(cents()),
        proptest::option::of((0u32..=100).prop_map(|p| Decimal::new(i64::from(p), 2))),
        proptest::option::of(cents()),
        proptest::option::of(cents()),
    )
        .prop_map(|(copay, coins, ded, oop)| b(copay, coins, ded, oop))
}

proptest! {
    #[test]
    fn estimate_patient_plus_payer_is_allowed_and_patient_within_bounds(allowed in cents(), ben in any_benefits()) {
        let e = estimate_share(Money::new(allowed), &ben);
        prop_assert_eq!(e.patient.amount() + e.payer.amount(), allowed);
        prop_assert!(e.patient.amount() >= Decimal::ZERO && e.patient.amount() <= allowed);
        prop_assert_eq!(e.deductible.amount() + e.copay.amount() + e.coinsurance.amount(), e.patient.amount());
        if let Some(oop) = ben.out_of_pocket_remaining {
            prop_assert!(e.patient <= oop);
        }
    }

    #[test]
    fn estimate_more_deductible_remaining_never_lowers_the_patient_share(
        allowed in cents(), ben in any_benefits(), more in cents()
    ) {
        let low = estimate_share(Money::new(allowed), &ben);
        let mut higher = ben.clone();
        let ded = ben.deductible_remaining.map_or(Decimal::ZERO, Money::amount);
        higher.deductible_remaining = Some(Money::new(ded + more));
        let high = estimate_share(Money::new(allowed), &higher);
        prop_assert!(high.patient >= low.patient, "{:?} vs {:?}", high, low);
    }
}
