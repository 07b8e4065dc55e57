//! The denial worklist from an 835 whose adjustments cover every category: each line's
//! category, route, fix and deadline, and the sort order.

use chrono::NaiveDate;
use otbill_denials::{
    claim_remarks, worklist, AppealRules, Catalog, Category, Context, Route, WorkItem,
};
use rust_decimal::Decimal;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn fixture_items() -> Vec<WorkItem> {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/denials.835"
    ))
    .expect("fixture");
    let era = otbill_era::parse_835(&bytes);
    assert!(era.findings.is_empty(), "{:#?}", era.findings);
    assert!(era.balanced(), "{:#?}", era.remittances[0].findings);
    let remarks = claim_remarks(&bytes);
    let (catalog, rules) = (Catalog::builtin(), AppealRules::medicare());
    let ctx = Context {
        catalog: &catalog,
        rules: &rules,
        notice_received: d("2026-02-02"),
        today: d("2026-02-10"),
    };
    worklist(&ctx, &era, &remarks)
}

/// (line control number, or the claim's for a claim-level adjustment; reason code, category, route, a phrase of the fix, due date)
type Expect = (
    &'static str,
    &'static str,
    Category,
    Route,
    &'static str,
    Option<&'static str>,
);

#[rustfmt::skip]
const EXPECTED: &[Expect] = &[
    ("L101-1", "45", Category::Contractual, Route::Post, "contractual write-off", None),
    ("L101-1", "253", Category::Sequestration, Route::Post, "sequestration", None),
    ("L101-1", "2", Category::PatientShare, Route::Post, "coinsurance", None),
    ("L101-2", "4", Category::Modifier, Route::Reopening, "GO for OT", Some("2027-02-02")),
    ("L101-3", "59", Category::Mppr, Route::Post, "highest-valued unit", None),
    ("L101-3", "2", Category::PatientShare, Route::Post, "coinsurance", None),
    ("L102-1", "97", Category::NcciBundling, Route::Reopening, "59 or XU", Some("2027-02-02")),
    ("L102-2", "236", Category::NcciBundling, Route::Reopening, "modifier indicator is 1", Some("2027-02-02")),
    ("L102-3", "151", Category::MueUnits, Route::Appeal, "minutes log", Some("2026-06-02")),
    ("L102-4", "96", Category::WrongCode, Route::Reopening, "G0283", Some("2027-02-02")),
    ("L103-1", "50", Category::MedicalNecessity, Route::Appeal, "plan of care", Some("2026-06-02")),
    ("L103-2", "119", Category::ThresholdKx, Route::Reopening, "add KX", Some("2027-02-02")),
    ("L103-3", "185", Category::ProviderEnrollment, Route::Reopening, "enrollment", Some("2027-02-02")),
    ("L103-4", "204", Category::NonCovered, Route::Post, "told in advance", None),
    // A commercial claim (CLP06 CI): clerical fixes would be frequency-7 claims.
    ("L104-1", "197", Category::Authorization, Route::Appeal, "retroactive authorization", Some("2026-06-02")),
    ("L104-2", "18", Category::Duplicate, Route::CheckStatus, "Do not send the claim again", None),
    ("L104-3", "45", Category::Contractual, Route::Post, "contractual write-off", None),
    ("L104-3", "23", Category::Informational, Route::Post, "Information only", None),
    // A claim-level adjustment (no service lines), named by its claim.
    ("PCN-105", "22", Category::EligibilityCob, Route::Resubmit, "bill the primary payer first", Some("2027-01-22")),
    ("L106-1", "29", Category::TimelyFiling, Route::NoAppeal, "424.44(b)", None),
    // CO-16 with MOA MA130 + N265 at claim level: unprocessable, no appeal rights.
    ("L107-1", "16", Category::MissingInformation, Route::Resubmit, "certifying physician", Some("2027-01-26")),
    ("L108-1", "272", Category::Unknown, Route::Review, "read its published text", Some("2026-06-02")),
];

#[test]
fn every_category_has_its_route_fix_and_deadline() {
    let items = fixture_items();
    assert_eq!(items.len(), EXPECTED.len(), "{items:#?}");
    for (line, reason, category, route, fix, due) in EXPECTED {
        let item = items
            .iter()
            .find(|i| {
                // A claim-level adjustment is named by its claim.
                let id = i
                    .line_control_number
                    .as_deref()
                    .unwrap_or(&i.patient_control_number);
                id == *line && i.reason_code == *reason
            })
            .unwrap_or_else(|| panic!("no item for {line} CARC {reason}"));
        let c = &item.classification;
        assert_eq!(
            (c.category, c.route),
            (*category, *route),
            "{line} CARC {reason}"
        );
        assert!(
            c.fix.contains(fix),
            "{line} CARC {reason}: fix {:?} lacks {fix:?}",
            c.fix
        );
        assert_eq!(
            item.deadline.as_ref().map(|d| d.due),
            due.map(d),
            "{line} CARC {reason}"
        );
        assert!(!c.reason.is_empty());
    }
    // Every category except the catch-all appears, so none is left untested.
    let all = [
        Category::Modifier,
        Category::NcciBundling,
        Category::MueUnits,
        Category::MedicalNecessity,
        Category::ThresholdKx,
        Category::Authorization,
        Category::EligibilityCob,
        Category::TimelyFiling,
        Category::Duplicate,
        Category::MissingInformation,
        Category::WrongCode,
        Category::ProviderEnrollment,
        Category::NonCovered,
        Category::Contractual,
        Category::Sequestration,
        Category::Mppr,
        Category::PatientShare,
        Category::Informational,
        Category::Unknown,
    ];
    for c in all {
        assert!(
            items.iter().any(|i| i.classification.category == c),
            "{c:?} not covered"
        );
    }
}

#[test]
fn cannot_appeal_timely_filing_or_unprocessable_claims() {
    let items = fixture_items();
    let by_line = |l: &str| {
        items
            .iter()
            .find(|i| i.line_control_number.as_deref() == Some(l))
            .expect(l)
    };
    assert!(!by_line("L106-1").appealable);
    assert_eq!(by_line("L106-1").remarks, ["N211"]);
    assert!(!by_line("L107-1").appealable);
    assert_eq!(by_line("L107-1").remarks, ["MA130", "N265"]);
    assert!(by_line("L103-1").appealable);
    assert!(by_line("L103-1").denied);
    assert!(!by_line("L101-3").denied, "a reduced line is not denied");
}

#[test]
fn sorted_by_days_left_then_amount() {
    let items = fixture_items();
    let keys: Vec<_> = items
        .iter()
        .map(|i| {
            (
                i.deadline.as_ref().map_or(i64::MAX, |d| d.days_left),
                -i.amount,
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // The most urgent: the three 120-day appeals, largest amount first.
    let first: Vec<_> = items
        .iter()
        .take(4)
        .map(|i| (i.reason_code.as_str(), i.amount))
        .collect();
    let dec = |s: &str| s.parse::<Decimal>().unwrap();
    assert_eq!(
        first,
        [
            ("151", dec("175")),
            ("50", dec("150")),
            ("197", dec("80")),
            ("272", dec("50"))
        ]
    );
    assert_eq!(items[0].deadline.as_ref().unwrap().days_left, 112);
    assert!(items.iter().filter(|i| i.needs_work()).count() >= 13);
}

#[test]
fn worklist_json_is_stable() {
    let items = fixture_items();
    let json = serde_json::to_value(&items[0]).unwrap();
    assert_eq!(json["patient_control_number"], "PCN-102");
    assert_eq!(json["payer_claim_number"], "2226002");
    assert_eq!(json["procedure"], "97110:GO");
    assert_eq!(json["category"], "mue_units");
    assert_eq!(json["route"], "appeal");
    assert_eq!(json["amount"], "175");
    assert_eq!(json["deadline"]["due"], "2026-06-02");
    assert_eq!(json["service_date"], "2026-01-14");
}
