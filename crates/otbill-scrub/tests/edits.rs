//! Each claim edit, through the whole scrub (shipped SAMPLE NCCI tables, 2025 RVUs).

mod common;
use common::*;
use otbill_core::Severity;

fn visit(services: &str, claim: &str) -> String {
    format!(
        r#"{{"visit": {{"date": "2025-06-02", "payer": "medicare", "services": [{services}]}},
            "episode": {{{GOOD_PLAN}, "treatment_days_since_progress_report": 3}},
            "claim": {{{claim}}}}}"#
    )
}

#[test]
fn sample_tables_warn_on_every_scrub() {
    let s = run(&visit(r#"{"code": "97110", "minutes": 30}"#, ""));
    assert_eq!(severity(&s, "NCCI_PTP_NOT_REAL"), Severity::Warning);
    assert!(find(&s, "NCCI_PTP_NOT_REAL").message.contains("SAMPLE"));
    assert!(has(&s, "NCCI_MUE_NOT_REAL"));
    assert!(s.tables.ptp.as_deref().unwrap().starts_with("SAMPLE "));
}

#[test]
fn ptp_indicator_1_without_a_reason_denies_column_2() {
    let s = run(&visit(
        r#"{"code": "97140", "minutes": 23}, {"code": "97530", "minutes": 23}"#,
        "",
    ));
    let f = find(&s, "PTP_PAIR_NEEDS_MODIFIER");
    assert_eq!(
        (f.severity, f.carc.as_deref()),
        (Severity::Error, Some("236"))
    );
    assert!(
        f.source.contains("SAMPLE NCCI PTP") && f.source.contains("97140/97530"),
        "{}",
        f.source
    );
    let l = s
        .lines
        .iter()
        .find(|l| l.price.code.as_str() == "97530")
        .unwrap();
    assert!(l.price.not_payable.is_some());
    assert!(
        !l.modifiers
            .iter()
            .any(|m| m.as_str() == "XU" || m.as_str() == "59"),
        "never added silently"
    );
    assert!(s.blocked);
}

#[test]
fn ptp_indicator_1_with_a_recorded_reason_adds_the_modifier_and_says_why() {
    let s = run(&visit(
        r#"{"code": "97140", "minutes": 23}, {"code": "97530", "minutes": 23}"#,
        r#""distinct": [{"code": "97530", "modifier": "XU", "reason": "Manual therapy 9:00-9:23, then functional transfers 9:25-9:48"}]"#,
    ));
    let f = find(&s, "PTP_MODIFIER_ADDED");
    assert!(f.message.contains("9:00-9:23"));
    let l = s
        .lines
        .iter()
        .find(|l| l.price.code.as_str() == "97530")
        .unwrap();
    assert!(l.modifiers.iter().any(|m| m.as_str() == "XU"));
    assert!(l.price.not_payable.is_none());
    assert!(!has(&s, "PTP_PAIR_NEEDS_MODIFIER"));
}

#[test]
fn ptp_indicator_0_cannot_be_overridden() {
    let s = run(&visit(
        r#"{"code": "97166"}, {"code": "97165"}"#,
        r#""distinct": [{"code": "97165", "modifier": "59", "reason": "two separate evaluations, morning and afternoon"}]"#,
    ));
    let f = find(&s, "PTP_NOT_ALLOWED");
    assert_eq!(f.carc.as_deref(), Some("236"));
    assert!(has(&s, "EVAL_MORE_THAN_ONE"));
}

#[test]
fn mue_date_of_service_edit_with_its_mai_meaning() {
    // 7 units of 97110 (98-112 minutes) against the SAMPLE MUE of 6, MAI 3.
    let s = run(&visit(r#"{"code": "97110", "minutes": 105}"#, ""));
    let f = find(&s, "MUE_DATE_CLINICAL_EXCEEDED");
    assert!(f.message.contains("appeal"));
    assert_eq!(f.carc.as_deref(), Some("151"));
    assert!(f.source.contains("MAI 3"));
    let ok = run(&visit(r#"{"code": "97110", "minutes": 90}"#, ""));
    assert!(!has(&ok, "MUE_DATE_CLINICAL_EXCEEDED"));
}

#[test]
fn mue_line_edit() {
    // 97760 has a SAMPLE MUE of 4 with MAI 1 (line edit); 5 units on one line.
    let s = run(&visit(r#"{"code": "97760", "minutes": 75}"#, ""));
    assert!(has(&s, "MUE_LINE_EXCEEDED"));
}

#[test]
fn bundled_and_invalid_codes_for_medicare() {
    let s = run(&visit(
        r#"{"code": "97010"}, {"code": "97014"}, {"code": "97110", "minutes": 15}"#,
        "",
    ));
    assert!(find(&s, "CODE_NOT_VALID_FOR_PAYER")
        .message
        .contains("G0283"));
    assert!(has(&s, "CODE_BUNDLED"));
    let pk = s
        .lines
        .iter()
        .find(|l| l.price.code.as_str() == "97010")
        .unwrap();
    assert!(pk.price.not_payable.unwrap().contains("bundled"));
}

#[test]
fn deleted_codes_become_findings() {
    let s = run(&visit(
        r#"{"code": "97127"}, {"code": "97110", "minutes": 15}"#,
        "",
    ));
    let f = find(&s, "CODE_NOT_VALID_ON_DATE");
    assert!(f.message.contains("97129"), "{}", f.message);
    assert_eq!(s.lines.len(), 1);
}

#[test]
fn one_evaluation_per_date() {
    let s = run(&visit(r#"{"code": "97165"}, {"code": "97168"}"#, ""));
    assert_eq!(severity(&s, "EVAL_MORE_THAN_ONE"), Severity::Error);
}

#[test]
fn clean_visit_has_no_errors_and_prices() {
    let s = run(&visit(
        r#"{"code": "97530", "minutes": 30}, {"code": "97110", "minutes": 15}"#,
        "",
    ));
    assert!(!s.blocked, "{:?}", codes(&s));
    assert_eq!(s.totals.allowed.amount().to_string(), "81.03");
    assert!(s
        .lines
        .iter()
        .all(|l| l.modifiers.iter().any(|m| m.as_str() == "GO")));
}

mod direct {
    //! Edits that coded visits from otbill-core never trigger (it adds GO and merges
    //! add-on minutes), checked on hand-made lines.
    use super::common::world;
    use chrono::NaiveDate;
    use otbill_core::Discipline;
    use otbill_scrub::edits::{check, EditContext, EditLine};
    use otbill_types::{CptCode, Modifier};

    fn line(code: &str, mods: &[&str]) -> EditLine {
        EditLine {
            code: CptCode::parse(code).unwrap(),
            units: 1,
            modifiers: mods.iter().map(|m| Modifier::parse(m).unwrap()).collect(),
            denied: None,
        }
    }

    fn run(lines: &mut [EditLine]) -> Vec<String> {
        let w = world();
        let date = NaiveDate::from_ymd_opt(2025, 6, 2).unwrap();
        let ctx = EditContext {
            date,
            discipline: Discipline::Ot,
            payer: w.payers.get("medicare").unwrap(),
            medicare: true,
            catalog: &w.catalog,
            ptp: None,
            mue: None,
            rvu: w.rules.rvu_for(date).map(|(t, _)| t),
            distinct: &[],
        };
        let mut out = Vec::new();
        check(&ctx, lines, &mut out);
        out.into_iter().map(|f| f.code.into_owned()).collect()
    }

    #[test]
    fn discipline_modifier_missing_or_wrong() {
        assert_eq!(
            run(&mut [line("97530", &[])]),
            ["DISCIPLINE_MODIFIER_MISSING"]
        );
        let got = run(&mut [line("97530", &["GP"])]);
        assert!(
            got.contains(&"DISCIPLINE_MODIFIER_WRONG".to_owned()),
            "{got:?}"
        );
        assert!(run(&mut [line("97530", &["GO", "CO"])]).is_empty());
    }

    #[test]
    fn add_on_without_its_base() {
        assert_eq!(run(&mut [line("97130", &["GO"])]), ["ADDON_WITHOUT_BASE"]);
        assert!(run(&mut [line("97129", &["GO"]), line("97130", &["GO"])]).is_empty());
    }
}
