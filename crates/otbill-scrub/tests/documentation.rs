//! Documentation rules at their boundary days (rules.md §6, §9.1), through the scrub.

mod common;
use common::*;
use otbill_core::Severity;

/// A 97530 visit on `date` with the given plan fields and episode extras.
fn visit(date: &str, plan: &str, extra: &str, claim: &str) -> String {
    format!(
        r#"{{"visit": {{"date": "{date}", "payer": "medicare", "services": [{{"code": "97530", "minutes": 30}}]}},
            "episode": {{"plan_of_care": {{"discipline": "OT", "start": "2025-03-01", "goals": ["g"]{plan}}}{extra}}},
            "claim": {{{claim}}}}}"#
    )
}

#[test]
fn certification_signed_on_day_30_is_timely_day_31_late() {
    // Start 2025-03-01: day 30 is 2025-03-31.
    let s = run(&visit(
        "2025-04-02",
        r#", "certified": "2025-03-31""#,
        "",
        "",
    ));
    assert!(!has(&s, "CERT_LATE"), "{:?}", codes(&s));
    let s = run(&visit(
        "2025-04-02",
        r#", "certified": "2025-04-01""#,
        "",
        "",
    ));
    assert_eq!(severity(&s, "CERT_LATE"), Severity::Error);
    let s = run(&visit(
        "2025-04-02",
        r#", "certified": "2025-04-01", "delayed_certification_reason": "physician on leave""#,
        "",
        "",
    ));
    assert_eq!(severity(&s, "CERT_DELAYED"), Severity::Warning);
}

#[test]
fn uncertified_plan_is_pending_through_day_30_and_missing_from_day_31() {
    let s = run(&visit("2025-03-31", "", "", ""));
    assert_eq!(severity(&s, "CERT_PENDING"), Severity::Warning);
    let s = run(&visit("2025-04-01", "", "", ""));
    assert_eq!(severity(&s, "CERT_MISSING"), Severity::Error);
}

#[test]
fn relief_2025_signed_order_and_plan_sent_within_30_days() {
    let ok = r#", "signed_order": "2025-02-20", "plan_sent_to_referrer": "2025-03-31""#;
    let s = run(&visit("2025-04-10", ok, "", ""));
    assert!(
        has(&s, "CERT_BY_ORDER_AND_PLAN") && !has(&s, "CERT_MISSING"),
        "{:?}",
        codes(&s)
    );
    let late = r#", "signed_order": "2025-02-20", "plan_sent_to_referrer": "2025-04-01""#;
    let s = run(&visit("2025-04-10", late, "", ""));
    assert!(has(&s, "CERT_RELIEF_LATE") && has(&s, "CERT_MISSING"));
}

#[test]
fn recertification_due_after_90_days_or_the_plan_end() {
    let cert = r#", "certified": "2025-03-05""#;
    // Start 2025-03-01 + 90 days = 2025-05-30.
    let s = run(&visit("2025-05-30", cert, "", ""));
    assert!(!has(&s, "RECERT_DUE"), "{:?}", codes(&s));
    let s = run(&visit("2025-05-31", cert, "", ""));
    assert_eq!(severity(&s, "RECERT_DUE"), Severity::Error);
    // A shorter plan ends sooner.
    let short = r#", "certified": "2025-03-05", "certified_through": "2025-04-15""#;
    assert!(has(&run(&visit("2025-04-16", short, "", "")), "RECERT_DUE"));
    let recert = r#", "certified": "2025-03-05", "recertifications": [{"signed": "2025-05-25", "through": "2025-08-20"}]"#;
    assert!(!has(
        &run(&visit("2025-06-10", recert, "", "")),
        "RECERT_DUE"
    ));
}

#[test]
fn progress_report_due_on_treatment_day_10_overdue_on_11() {
    let cert = r#", "certified": "2025-03-05""#;
    let s = run(&visit(
        "2025-03-20",
        cert,
        r#", "treatment_days_since_progress_report": 8"#,
        "",
    ));
    assert!(!has(&s, "PROGRESS_REPORT_DUE") && !has(&s, "PROGRESS_REPORT_OVERDUE"));
    let s = run(&visit(
        "2025-03-20",
        cert,
        r#", "treatment_days_since_progress_report": 9"#,
        "",
    ));
    assert_eq!(severity(&s, "PROGRESS_REPORT_DUE"), Severity::Warning);
    let s = run(&visit(
        "2025-03-20",
        cert,
        r#", "treatment_days_since_progress_report": 10"#,
        "",
    ));
    assert_eq!(severity(&s, "PROGRESS_REPORT_OVERDUE"), Severity::Error);
    let s = run(&visit(
        "2025-03-20",
        cert,
        r#", "treatment_days_since_progress_report": 10, "progress_report_today": true"#,
        "",
    ));
    assert!(!has(&s, "PROGRESS_REPORT_OVERDUE"));
}

#[test]
fn treatment_before_the_plan_and_without_a_plan() {
    let s = run(&visit(
        "2025-03-02",
        r#", "established": "2025-03-03", "certified": "2025-03-05""#,
        "",
        "",
    ));
    assert_eq!(severity(&s, "TREATMENT_BEFORE_PLAN"), Severity::Warning);
    let no_plan = r#"{"visit": {"date": "2025-03-02", "payer": "medicare", "services": [{"code": "97530", "minutes": 30}]}}"#;
    assert_eq!(severity(&run(no_plan), "NO_PLAN_OF_CARE"), Severity::Error);
    let eval_only = r#"{"visit": {"date": "2025-03-02", "payer": "medicare", "services": [{"code": "97165"}]}}"#;
    let s = run(eval_only);
    assert!(has(&s, "EVALUATION_ONLY_VISIT") && !has(&s, "NO_PLAN_OF_CARE"));
}

#[test]
fn reevaluation_only_when_indicated() {
    let reeval = |reason: &str| {
        format!(
            r#"{{"visit": {{"date": "2025-04-01", "payer": "medicare", "services": [{{"code": "97168"}}]}},
                "episode": {{"plan_of_care": {{"discipline": "OT", "start": "2025-03-01", "certified": "2025-03-03", "goals": ["g"]}},
                "prior_evaluations": [{{"date": "2025-03-01", "code": "97166"}}]{reason}}}}}"#
        )
    };
    assert_eq!(
        severity(&run(&reeval("")), "REEVAL_NOT_INDICATED"),
        Severity::Error
    );
    assert!(has(
        &run(&reeval(r#", "reevaluation_reason": "routine""#)),
        "REEVAL_NOT_INDICATED"
    ));
    assert!(!has(
        &run(&reeval(r#", "reevaluation_reason": "significant_change""#)),
        "REEVAL_NOT_INDICATED"
    ));
}

#[test]
fn timely_filing_12_months() {
    let filed = |d: &str| {
        format!(
            r#"{{"visit": {{"date": "2025-06-02", "payer": "medicare", "services": [{{"code": "97530", "minutes": 30}}]}},
                "episode": {{{GOOD_PLAN}}}, "claim": {{"filing_date": "{d}"}}}}"#
        )
    };
    assert!(!has(&run(&filed("2026-06-02")), "TIMELY_FILING_EXPIRED"));
    let s = run(&filed("2026-06-03"));
    let f = find(&s, "TIMELY_FILING_EXPIRED");
    assert_eq!(
        (f.severity, f.carc.as_deref()),
        (Severity::Error, Some("29"))
    );
}

#[test]
fn timely_filing_from_feb_29_ends_feb_28() {
    use chrono::NaiveDate;
    use otbill_scrub::documentation::{check_timely_filing, filing_deadline};
    let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
    assert_eq!(filing_deadline(d(2024, 2, 29)), d(2025, 2, 28));
    let mut out = Vec::new();
    check_timely_filing(d(2024, 2, 29), d(2025, 2, 28), &mut out);
    assert!(out.iter().all(|f| f.code != "TIMELY_FILING_EXPIRED"));
    check_timely_filing(d(2024, 2, 29), d(2025, 3, 1), &mut out);
    assert!(out
        .iter()
        .any(|f| f.code == "TIMELY_FILING_EXPIRED" && f.message.contains("2025-02-28")));
}

#[test]
fn commercial_authorization() {
    let auth = |a: &str| {
        format!(
            r#"{{"visit": {{"date": "2025-06-02", "payer": "commercial", "services": [{{"code": "97530", "minutes": 45}}]}},
                "episode": {{{GOOD_PLAN}, "authorization": {a}}}}}"#
        )
    };
    assert!(has(
        &run(&auth(r#"{"expires": "2025-06-01"}"#)),
        "AUTH_EXPIRED"
    ));
    assert!(!has(
        &run(&auth(r#"{"expires": "2025-06-02"}"#)),
        "AUTH_EXPIRED"
    ));
    assert!(has(
        &run(&auth(r#"{"visits_remaining": 0}"#)),
        "AUTH_NO_VISITS_LEFT"
    ));
    assert!(has(
        &run(&auth(r#"{"units_remaining": 2}"#)),
        "AUTH_UNITS_EXCEEDED"
    ));
    let s = run(&auth(r#"{"units_remaining": 3}"#));
    assert!(
        !has(&s, "AUTH_UNITS_EXCEEDED") && s.kx.is_none() && has(&s, "PRICE_IS_MEDICARE_REFERENCE")
    );
}

#[test]
fn kx_threshold_crossed_inside_one_visit() {
    // 2025 OT threshold $2,410; $2,380 so far. 97530 ×2 = $59.19 then 97110 $21.83 (claim
    // order is code order: 97110 first at $21.83 → $2,401.83, under; 97530 passes).
    let json = format!(
        r#"{{"visit": {{"date": "2025-06-02", "payer": "medicare", "services": [{{"code": "97530", "minutes": 30}}, {{"code": "97110", "minutes": 15}}]}},
            "episode": {{{GOOD_PLAN}, "year_to_date": {{"ot": "2380", "pt_slp": "5000"}}, "medical_necessity_documented": true}}}}"#
    );
    let s = run(&json);
    let kx = s.kx.as_ref().unwrap();
    assert_eq!(kx.first_line, Some(1));
    assert_eq!(s.lines[0].price.code.as_str(), "97110");
    assert!(!s.lines[0].modifiers.contains(&otbill_types::Modifier::KX));
    assert!(s.lines[1].modifiers.contains(&otbill_types::Modifier::KX));
    assert!(has(&s, "KX_APPLIED"));
    // PT+SLP's accumulator does not count for OT.
    assert!(!has(&s, "KX_ABOVE_TARGETED_REVIEW"));
}

#[test]
fn evaluation_complexity_overlap_is_flagged() {
    let json = r#"{"visit": {"date": "2025-06-02", "payer": "medicare", "services": [{"code": "97167"}]},
        "episode": {"evaluation": {"history": "high", "deficits": 5, "decision_making": "high", "comorbidities": true, "task_modification": "high"}}}"#;
    let s = run(json);
    assert!(has(&s, "EVAL_COMPLEXITY_OVERLAP"));
    assert_eq!(s.evaluation.as_ref().unwrap().candidates.len(), 2);
}
