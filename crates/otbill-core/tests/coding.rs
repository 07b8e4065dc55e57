//! Boundary tests for the coding engine: visit JSON in, coded lines out.
//!
//! Every worked example of Pub. 100-04 Ch. 5 §20.2 (rules.md §2.1), the CPT comparison
//! table (rules.md §2.2) and every CMS CQ/CO example (cqco.md §2) is pinned here.

use otbill_core::{builtin, code_visit, CodedVisit, Severity, Visit, VisitInput};

/// Codes a visit given as JSON and returns the coded visit.
#[track_caller]
fn code(json: &str) -> CodedVisit {
    let (catalog, payers) = builtin();
    let input: VisitInput = serde_json::from_str(json).expect("test JSON parses");
    let visit = Visit::resolve(&input, &catalog, &payers).expect("test visit resolves");
    code_visit(&visit)
}

/// Builds a visit JSON from (code, minutes, assistant minutes).
fn visit(payer: &str, discipline: &str, services: &[(&str, u32, u32)]) -> String {
    let s: Vec<String> = services
        .iter()
        .map(|(c, m, a)| format!(r#"{{"code":"{c}","minutes":{m},"assistant_minutes":{a}}}"#))
        .collect();
    format!(
        r#"{{"date":"2026-03-02","payer":"{payer}","discipline":"{discipline}","services":[{}]}}"#,
        s.join(",")
    )
}

/// Lines as "code xUNITS MOD MOD" strings, sorted, for compact assertions.
fn lines(c: &CodedVisit) -> Vec<String> {
    let mut v: Vec<String> = c
        .lines
        .iter()
        .map(|l| {
            let mods: Vec<&str> = l.modifiers.iter().map(|m| m.as_str()).collect();
            format!("{} x{} {}", l.code, l.units, mods.join(" "))
                .trim_end()
                .to_owned()
        })
        .collect();
    v.sort();
    v
}

fn finding_codes(c: &CodedVisit) -> Vec<&str> {
    c.findings.iter().map(|f| f.code.as_ref()).collect()
}

#[test]
fn s20_2_example_1_extra_unit_to_more_minutes() {
    let c = code(&visit(
        "medicare",
        "OT",
        &[("97112", 24, 0), ("97110", 23, 0)],
    ));
    assert_eq!((c.total_timed_minutes, c.total_timed_units), (47, 3));
    assert_eq!(lines(&c), ["97110 x1 GO", "97112 x2 GO"]);
    assert!(c.findings.is_empty(), "{:?}", c.findings);
}

#[test]
fn s20_2_example_2_equal_minutes_never_three_of_one() {
    let c = code(&visit(
        "medicare",
        "OT",
        &[("97112", 20, 0), ("97110", 20, 0)],
    ));
    assert_eq!((c.total_timed_minutes, c.total_timed_units), (40, 3));
    // Tie: otbill's rule picks deterministically (equal share and minutes → code order).
    assert_eq!(lines(&c), ["97110 x2 GO", "97112 x1 GO"]);
    assert_eq!(finding_codes(&c), ["UNITS_TIE_BROKEN"]);
    assert_eq!(c.findings[0].severity, Severity::Info);
}

#[test]
fn s20_2_example_3_leftover_to_seven_minute_code() {
    let c = code(&visit(
        "medicare",
        "OT",
        &[("97110", 33, 0), ("97140", 7, 0)],
    ));
    assert_eq!(c.total_timed_units, 3);
    assert_eq!(lines(&c), ["97110 x2 GO", "97140 x1 GO"]);
}

#[test]
fn s20_2_example_4_ultrasound_documented_not_billed() {
    let c = code(&visit(
        "medicare",
        "OT",
        &[
            ("97110", 18, 0),
            ("97140", 13, 0),
            ("97116", 10, 0),
            ("97035", 8, 0),
        ],
    ));
    assert_eq!((c.total_timed_minutes, c.total_timed_units), (49, 3));
    assert_eq!(lines(&c), ["97110 x1 GO", "97116 x1 GO", "97140 x1 GO"]);
    assert_eq!(c.dropped.len(), 1);
    assert_eq!(c.dropped[0].code.as_str(), "97035");
    let why = serde_json::to_string(&c.dropped[0].why).unwrap();
    assert!(why.contains("49 timed min"), "{why}");
}

#[test]
fn s20_2_example_5_three_sevens_one_unit() {
    let c = code(&visit(
        "medicare",
        "OT",
        &[("97112", 7, 0), ("97110", 7, 0), ("97140", 7, 0)],
    ));
    assert_eq!((c.total_timed_minutes, c.total_timed_units), (21, 1));
    assert_eq!(lines(&c), ["97110 x1 GO"]);
    assert_eq!(c.dropped.len(), 2);
    assert_eq!(finding_codes(&c), ["UNITS_TIE_BROKEN"]);
}

#[test]
fn single_timed_service_under_eight_minutes_is_not_billed() {
    let c = code(&visit("medicare", "OT", &[("97530", 7, 0)]));
    assert!(c.lines.is_empty());
    assert_eq!(c.dropped.len(), 1);
}

#[test]
fn untimed_minutes_are_not_timed_minutes() {
    let c = code(&visit(
        "medicare",
        "OT",
        &[("97165", 45, 0), ("97530", 20, 0)],
    ));
    assert_eq!(c.total_timed_minutes, 20);
    assert_eq!(lines(&c), ["97165 x1 GO", "97530 x1 GO"]);
}

/// Services as (code, minutes, assistant minutes).
type Services<'a> = &'a [(&'a str, u32, u32)];

/// rules.md §2.2 worked comparison: Medicare pooled vs CPT per code.
#[test]
fn cpt_rule_comparison_table() {
    let cases: &[(Services, u32, u32)] = &[
        (&[("97110", 10, 0), ("97530", 10, 0)], 1, 2),
        (&[("97110", 33, 0), ("97140", 7, 0)], 3, 2),
        (
            &[
                ("97110", 18, 0),
                ("97140", 13, 0),
                ("97116", 10, 0),
                ("97035", 8, 0),
            ],
            3,
            4,
        ),
        (&[("97112", 7, 0), ("97110", 7, 0), ("97140", 7, 0)], 1, 0),
    ];
    for (services, medicare, cpt) in cases {
        let total = |c: &CodedVisit| c.lines.iter().map(|l| l.units).sum::<u32>();
        assert_eq!(
            total(&code(&visit("medicare", "OT", services))),
            *medicare,
            "{services:?}"
        );
        assert_eq!(
            total(&code(&visit("commercial", "OT", services))),
            *cpt,
            "{services:?}"
        );
    }
    let c = code(&visit(
        "commercial",
        "OT",
        &[("97110", 33, 0), ("97140", 7, 0)],
    ));
    assert_eq!(lines(&c), ["97110 x2 GO"]);
}

// CMS CQ/CO examples, cqco.md §2 (2022+ answers; PT examples use discipline PT → GP/CQ).

#[test]
fn cqco_example_1_last_unit_therapist_midpoint() {
    let c = code(&visit(
        "medicare",
        "PT",
        &[("97110", 36, 23), ("97140", 30, 0)],
    ));
    assert_eq!(c.total_timed_units, 4);
    assert_eq!(lines(&c), ["97110 x1 GP", "97110 x1 GP CQ", "97140 x2 GP"]);
}

#[test]
fn cqco_example_2() {
    let c = code(&visit("medicare", "PT", &[("97110", 29, 19)]));
    assert_eq!(lines(&c), ["97110 x1 GP", "97110 x1 GP CQ"]);
}

#[test]
fn cqco_example_a_assistant_eight_or_more() {
    let c = code(&visit("medicare", "PT", &[("97110", 15, 10)]));
    assert_eq!(lines(&c), ["97110 x1 GP CQ"]);
}

#[test]
fn cqco_example_b_both_under_eight() {
    let c = code(&visit("medicare", "PT", &[("97110", 11, 5)]));
    assert_eq!(lines(&c), ["97110 x1 GP CQ"]);
}

#[test]
fn cqco_example_c() {
    let c = code(&visit("medicare", "PT", &[("97110", 45, 22)]));
    assert_eq!(lines(&c), ["97110 x1 GP CQ", "97110 x2 GP"]);
}

#[test]
fn cqco_example_d_two_remaining_units() {
    let c = code(&visit(
        "medicare",
        "PT",
        &[("97110", 26, 14), ("97140", 20, 0)],
    ));
    assert_eq!(c.total_timed_units, 3);
    assert_eq!(lines(&c), ["97110 x1 GP", "97110 x1 GP CQ", "97140 x1 GP"]);
    assert!(!finding_codes(&c).contains(&"CQCO_TWO_UNIT_OUTSIDE_CMS_SPLITS"));
}

#[test]
fn cqco_example_e_tie_goes_to_therapist_code() {
    let c = code(&visit(
        "medicare",
        "OT",
        &[("97535", 11, 11), ("97530", 11, 0)],
    ));
    assert_eq!(lines(&c), ["97530 x1 GO"]);
    let tie = c
        .findings
        .iter()
        .find(|f| f.code == "UNITS_TIE_BROKEN")
        .unwrap();
    assert!(tie.source.contains("Example #E"), "{}", tie.source);
}

#[test]
fn cqco_example_f_untimed_group() {
    let c = code(&visit("medicare", "OT", &[("97150", 40, 20)]));
    assert_eq!(lines(&c), ["97150 x1 GO CO"]);
}

#[test]
fn cqco_stakeholder_case_seven_and_five() {
    let c = code(&visit("medicare", "OT", &[("97530", 12, 7)]));
    assert_eq!(lines(&c), ["97530 x1 GO CO"]);
}

#[test]
fn cqco_example_g_assistant_full_unit_then_therapist_code() {
    let c = code(&visit(
        "medicare",
        "PT",
        &[("97110", 19, 19), ("97140", 10, 0)],
    ));
    assert_eq!(lines(&c), ["97110 x1 GP CQ", "97140 x1 GP"]);
}

#[test]
fn simple_method_is_selectable_and_disagreement_is_reported() {
    // Untimed T = 15 with assistant 2: percentage 13.3% → CO; simple 2 + 1 = 3 → no CO.
    let pct = code(&visit("medicare", "OT", &[("97150", 15, 2)]));
    assert_eq!(lines(&pct), ["97150 x1 GO CO"]);
    assert!(finding_codes(&pct).contains(&"CQCO_METHOD_DISAGREE"));

    let (catalog, mut payers) = builtin();
    let simple = include_str!("../../../data/payers/medicare.toml")
        .replace("id = \"medicare\"", "id = \"medicare-simple\"")
        .replace("de_minimis = \"percentage\"", "de_minimis = \"simple\"");
    payers.add_toml("medicare-simple.toml", &simple).unwrap();
    let json = visit("medicare-simple", "OT", &[("97150", 15, 2)]);
    let input: VisitInput = serde_json::from_str(&json).unwrap();
    let c = code_visit(&Visit::resolve(&input, &catalog, &payers).unwrap());
    assert_eq!(lines(&c), ["97150 x1 GO"]);
}

#[test]
fn commercial_profile_uses_no_assistant_modifier() {
    let c = code(&visit("commercial", "OT", &[("97530", 30, 30)]));
    assert_eq!(lines(&c), ["97530 x2 GO"]);
    assert_eq!(finding_codes(&c), ["ASSISTANT_MODIFIERS_NOT_USED"]);
}

#[test]
fn code_families_and_hourly_codes() {
    // 97129 first 15, then 97130 per 15 from 8: 40 minutes → 97129 x1 + 97130 x2.
    let c = code(&visit("medicare", "OT", &[("97129", 40, 0)]));
    assert_eq!(lines(&c), ["97129 x1 GO", "97130 x2 GO"]);
    assert_eq!(c.total_timed_minutes, 0);
    // 97550 first 30 (from 16), 97551 per 15 (from 8).
    assert_eq!(
        lines(&code(&visit("medicare", "OT", &[("97550", 15, 0)]))),
        Vec::<String>::new()
    );
    assert_eq!(
        lines(&code(&visit("medicare", "OT", &[("97550", 37, 0)]))),
        ["97550 x1 GO"]
    );
    assert_eq!(
        lines(&code(&visit("medicare", "OT", &[("97550", 38, 0)]))),
        ["97550 x1 GO", "97551 x1 GO"]
    );
    // 96125 per hour: second hour at 91 minutes.
    assert_eq!(
        lines(&code(&visit("medicare", "OT", &[("96125", 91, 0)]))),
        ["96125 x2 GO"]
    );
    // Add-on minutes entered on their own fold into the base code.
    let c = code(&visit("medicare", "OT", &[("97130", 20, 0)]));
    assert_eq!(lines(&c), ["97129 x1 GO"]);
    assert_eq!(finding_codes(&c), ["ADDON_MINUTES_MERGED"]);
}

#[test]
fn medicare_status_findings() {
    let c = code(&visit(
        "medicare",
        "OT",
        &[("97014", 15, 0), ("97010", 10, 0)],
    ));
    let f = finding_codes(&c);
    assert!(
        f.contains(&"CODE_NOT_VALID_FOR_PAYER") && f.contains(&"CODE_BUNDLED"),
        "{f:?}"
    );
    let invalid = c
        .findings
        .iter()
        .find(|f| f.code == "CODE_NOT_VALID_FOR_PAYER")
        .unwrap();
    assert!(invalid.message.contains("G0283"));
    assert_eq!(invalid.carc.as_deref(), Some("96"));
    // A commercial payer takes 97014.
    assert!(code(&visit("commercial", "OT", &[("97014", 15, 0)]))
        .findings
        .is_empty());
}

#[test]
fn duplicate_entries_of_one_code_are_merged() {
    let c = code(&visit(
        "medicare",
        "OT",
        &[("97530", 10, 0), ("97530", 10, 0)],
    ));
    assert_eq!(lines(&c), ["97530 x1 GO"]);
    assert_eq!(c.lines[0].minutes, 20);
}

#[test]
fn every_line_and_drop_is_explained_with_a_source() {
    let c = code(&visit(
        "medicare",
        "OT",
        &[
            ("97110", 18, 0),
            ("97140", 13, 0),
            ("97116", 10, 0),
            ("97035", 8, 0),
            ("97165", 0, 0),
        ],
    ));
    let json = serde_json::to_value(&c).unwrap();
    for l in json["lines"]
        .as_array()
        .unwrap()
        .iter()
        .chain(json["dropped"].as_array().unwrap())
    {
        let why = l["why"].as_array().unwrap();
        assert!(!why.is_empty(), "{l}");
        for w in why {
            assert!(!w["text"].as_str().unwrap().is_empty());
            assert!(!w["source"].as_str().unwrap().is_empty());
        }
    }
}
