//! The PDFs render: `pdftotext` finds the patient, dates of service, codes and the required
//! appeal elements, and `pdftoppm` saves a PNG of each page under `<target>/test-output/`
//! for a person to look at.
//!
//! Needs `pdftotext` and `pdftoppm` (Debian package `poppler-utils`).

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use otbill_837p::model::{
    ClaimFile, Frequency, LineAdjudication, OtherPayer, OtherPayerName, OtherSubscriber, Payer,
    PersonName,
};
use otbill_denials::{claim_remarks, worklist, AppealRules, Catalog, Context};
use otbill_forms::cms1500::{LEFT, TOP};
use otbill_forms::{
    render_cms1500, render_letter, Contractor, Evidence, FormStyle, RedeterminationRequest,
};
use otbill_types::Money;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../otbill-denials/tests/fixtures")
        .join(name)
}

fn output_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../test-output");
    std::fs::create_dir_all(&dir).expect("create test-output");
    dir
}

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn claim_file() -> ClaimFile {
    let text = std::fs::read_to_string(fixture("claim-103.json")).expect("fixture");
    otbill_837p::load_json(&text).expect("loads").file
}

/// Writes the PDF and its PNG pages under test-output; returns the text of the PDF
/// (`pdftotext -layout`).
fn render(name: &str, pdf: &[u8]) -> String {
    let dir = output_dir();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).expect("write pdf");
    let text = Command::new("pdftotext")
        .args(["-layout".as_ref(), path.as_os_str(), "-".as_ref()])
        .output()
        .unwrap_or_else(|e| panic!("cannot run pdftotext ({e}): apt-get install poppler-utils"));
    assert!(
        text.status.success(),
        "{}",
        String::from_utf8_lossy(&text.stderr)
    );
    let png = Command::new("pdftoppm")
        .args([
            "-png".as_ref(),
            "-r".as_ref(),
            "80".as_ref(),
            path.as_os_str(),
            dir.join(name).as_os_str(),
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run pdftoppm ({e}): apt-get install poppler-utils"));
    assert!(
        png.status.success(),
        "{}",
        String::from_utf8_lossy(&png.stderr)
    );
    String::from_utf8(text.stdout).expect("UTF-8 text")
}

fn assert_contains(text: &str, needles: &[&str]) {
    for n in needles {
        assert!(text.contains(n), "{n:?} not found in:\n{text}");
    }
}

fn letter() -> RedeterminationRequest {
    let bytes = std::fs::read(fixture("denials.835")).expect("835");
    let era = otbill_era::parse_835(&bytes);
    let (catalog, rules) = (Catalog::builtin(), AppealRules::medicare());
    let ctx = Context {
        catalog: &catalog,
        rules: &rules,
        notice_received: d("2026-02-02"),
        today: d("2026-02-10"),
    };
    let items = worklist(&ctx, &era, &claim_remarks(&bytes));
    let evidence: Evidence =
        serde_json::from_str(&std::fs::read_to_string(fixture("evidence-103.json")).unwrap())
            .expect("evidence");
    let file = claim_file();
    RedeterminationRequest::from_claim(
        &file,
        &file.claims[0],
        &Contractor {
            name: "MEDICARE PART B CONTRACTOR".into(),
            address: vec!["PO BOX 6700".into(), "FARGO, ND 58108-6700".into()],
        },
        &items,
        evidence,
        d("2026-02-02"),
        d("2026-02-10"),
        &rules,
    )
    .expect("an appealable claim")
}

#[test]
fn the_letter_has_every_required_element() {
    let req = letter();
    assert_eq!(req.missing_elements(), Vec::<&str>::new());
    // Only the line whose route is an appeal (CO-50); the KX, enrollment and non-covered
    // lines of the same claim go by reopening or are posted.
    assert_eq!(req.services.len(), 1);
    assert_eq!(req.deadline, Some(d("2026-06-02")));
    let text = render("redetermination-letter", &render_letter(&req));
    assert_contains(
        &text,
        &[
            "Request for Redetermination",
            "Beneficiary name:",
            "ANA RIVERA",
            "Medicare number:",
            "1EG4TE5MK73",
            "01/20/2026",
            "97165 GO",
            "CO-50 N115",
            "BRIGHT HANDS OCCUPATIONAL THERAPY LLC",
            "Requesting party:",
            "2226003",
            "not medically necessary",
            "certified by KAREN WALSH MD on 01/08/2026",
            "Progress report dated 02/03/2026",
            "Minutes log",
            "97535",
            "due by 06/02/2026",
            "MEDICARE PART B CONTRACTOR",
            "FARGO, ND 58108-6700",
        ],
    );
}

#[test]
fn a_letter_without_an_appealable_line_is_refused() {
    let file = claim_file();
    let err = RedeterminationRequest::from_claim(
        &file,
        &file.claims[0],
        &Contractor::default(),
        &[],
        Evidence::default(),
        d("2026-02-02"),
        d("2026-02-10"),
        &AppealRules::medicare(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("PCN-103"), "{err}");
}

#[test]
fn the_cms1500_red_form_holds_the_claim_data() {
    let file = claim_file();
    let text = render("cms1500-red", &render_cms1500(&file, FormStyle::Red));
    assert_contains(
        &text,
        &[
            "RIVERA, ANA",
            "1EG4TE5MK73",
            "I69351",
            "R278",
            "01 20 26",
            "97165",
            "97535",
            "GO",
            "150 00",
            "360 00",
            "PCN-103",
            "931234567",
            "1234567893",
            "WALSH, KAREN",
            "1558598797",
            "SIGNATURE ON FILE",
        ],
    );
    // The red form is data only: no printed captions.
    assert!(!text.contains("PATIENT'S NAME"), "{text}");
}

#[test]
fn the_cms1500_full_page_draws_the_form_and_the_data() {
    let mut file = claim_file();
    // A replacement claim shows box 22 (resubmission code 7 and the original reference).
    file.claims[0].frequency = Frequency::Replacement;
    file.claims[0].original_claim_number = Some("2226003".into());
    let text = render("cms1500-full", &render_cms1500(&file, FormStyle::Full));
    assert_contains(
        &text,
        &[
            "HEALTH INSURANCE CLAIM FORM",
            "PATIENT'S NAME",
            "RIVERA, ANA",
            "01 20 26",
            "97110",
            "2226003",
            "FEDERAL TAX I.D. NUMBER",
            "BILLING PROVIDER INFO",
        ],
    );
}

#[test]
fn claims_with_more_than_six_lines_continue_on_another_page() {
    let mut file = claim_file();
    let claim = &mut file.claims[0];
    let template = claim.lines[1].clone();
    for n in 5..=8 {
        let mut line = template.clone();
        line.line_control_number = format!("L103-{n}");
        claim.lines.push(line);
    }
    let pdf = render_cms1500(&file, FormStyle::Red);
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("/Count 2"), "two pages expected");
}

#[test]
fn odd_text_in_the_claim_does_not_break_rendering() {
    let mut file = claim_file();
    file.billing_provider.address.zip = "\u{e9}\u{e9}\u{e9}\u{e9}x".into(); // 9 bytes, not digits
    file.submitter.contact.phone = "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}".into(); // 10 bytes
    file.claims[0].subscriber.name.last = "M\u{fc}LLER (JR)".into();
    for style in [FormStyle::Red, FormStyle::Full] {
        let text = render("cms1500-odd", &render_cms1500(&file, style));
        assert!(text.contains("M?LLER (JR)"), "{text}");
    }
    assert_eq!(otbill_forms::zip("973021234"), "97302-1234");
    assert_eq!(
        otbill_forms::zip("\u{e9}\u{e9}\u{e9}\u{e9}x"),
        "\u{e9}\u{e9}\u{e9}\u{e9}x"
    );
}

/// A word of the PDF where the CMS-1500 grid puts it: page (1-based), row and column of
/// its first character, from `pdftotext -bbox`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Placed {
    page: usize,
    row: u32,
    col: u32,
    text: String,
}

fn placed_words(name: &str, pdf: &[u8]) -> Vec<Placed> {
    let path = output_dir().join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).expect("write pdf");
    let out = Command::new("pdftotext")
        .args(["-bbox".as_ref(), path.as_os_str(), "-".as_ref()])
        .output()
        .unwrap_or_else(|e| panic!("cannot run pdftotext ({e}): apt-get install poppler-utils"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = String::from_utf8(out.stdout).expect("UTF-8");
    let attr = |line: &str, key: &str| -> f32 {
        let start = line.find(&format!("{key}=\"")).expect("attribute") + key.len() + 2;
        let end = start + line[start..].find('"').expect("closing quote");
        line[start..end].parse().expect("number")
    };
    let mut page = 0;
    let mut words = Vec::new();
    for line in html.lines().map(str::trim) {
        if line.starts_with("<page ") {
            page += 1;
        } else if line.starts_with("<word ") {
            let text = &line[line.find('>').expect(">") + 1..line.rfind("</word>").expect("end")];
            // Column from the left edge, row from the top of the glyph box (the grid's row
            // top is 1.95 pt above it with Courier 12).
            let col = ((attr(line, "xMin") - LEFT) / 7.2).round() as u32 + 1;
            let row = ((attr(line, "yMin") - TOP) / 12.0).floor() as u32 + 1;
            words.push(Placed {
                page,
                row,
                col,
                text: text.replace("&amp;", "&").replace("&apos;", "'"),
            });
        }
    }
    words
}

/// The words of `page` on `row` that start in columns `cols`, joined by spaces.
fn field(words: &[Placed], page: usize, row: u32, cols: std::ops::RangeInclusive<u32>) -> String {
    words
        .iter()
        .filter(|w| w.page == page && w.row == row && cols.contains(&w.col))
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

// Where the boxes of the coordination of benefits are on the grid (see `cms1500.rs`).
const BOX_9: (u32, std::ops::RangeInclusive<u32>) = (18, 1..=29);
const BOX_9A: (u32, std::ops::RangeInclusive<u32>) = (20, 1..=29);
const BOX_9D: (u32, std::ops::RangeInclusive<u32>) = (26, 1..=29);
const BOX_11: (u32, std::ops::RangeInclusive<u32>) = (18, 50..=80);
const BOX_11C: (u32, std::ops::RangeInclusive<u32>) = (24, 50..=80);
const BOX_11D_YES: (u32, std::ops::RangeInclusive<u32>) = (26, 52..=52);
const BOX_11D_NO: (u32, std::ops::RangeInclusive<u32>) = (26, 57..=57);
const BOX_28: (u32, std::ops::RangeInclusive<u32>) = (56, 50..=60);
const BOX_29: (u32, std::ops::RangeInclusive<u32>) = (56, 61..=70);
const BOX_30: (u32, std::ops::RangeInclusive<u32>) = (56, 71..=80);

fn at(words: &[Placed], page: usize, b: &(u32, std::ops::RangeInclusive<u32>)) -> String {
    field(words, page, b.0, b.1.clone())
}

fn m(s: &str) -> Money {
    Money::parse(s).expect("money")
}

/// The fixture's claim billed to a commercial secondary after a group plan paid 230.40 on
/// its four lines: the patient is on her husband's plan (so box 9 is not box 2).
fn secondary_claim_file() -> ClaimFile {
    let mut file = claim_file();
    let claim = &mut file.claims[0];
    let paid = ["96.00", "44.80", "51.20", "38.40"];
    for (line, paid) in claim.lines.iter_mut().zip(paid) {
        line.adjudications = vec![LineAdjudication {
            payer_id: "CHP01".into(),
            paid_amount: m(paid),
            procedure: line.procedure,
            modifiers: line.modifiers.clone(),
            paid_units: line.units,
            adjustments: Vec::new(),
            adjudication_date: d("2026-02-02"),
            remaining_patient_liability: None,
        }];
    }
    claim.other_payers = vec![OtherPayer {
        payer_responsibility: "P".into(),
        patient_relationship: None,
        group_number: Some("CHP-2231 07".into()),
        claim_filing_indicator: "CI".into(),
        adjustments: Vec::new(),
        paid_amount: Some(m("230.40")),
        remaining_patient_liability: Some(m("57.60")),
        benefits_assigned: true,
        release_of_information: true,
        outpatient_adjudication: None,
        subscriber: OtherSubscriber {
            name: PersonName {
                last: "RIVERA".into(),
                first: "LUIS".into(),
                middle: Some("MIGUEL".into()),
            },
            member_id: "CHP88812".into(),
            address: None,
        },
        payer: OtherPayerName {
            name: "CASCADE HEALTH PLAN".into(),
            payer_id: "CHP01".into(),
            adjudication_date: None,
            claim_number: Some("2026000123".into()),
        },
    }];
    claim.subscriber.payer_responsibility = "S".into();
    claim.subscriber.claim_filing_indicator = "BL".into();
    claim.subscriber.group_number = Some("SUP4410".into());
    claim.payer = Payer {
        name: "BLUE MOUNTAIN BCBS".into(),
        payer_id: "00851".into(),
    };
    file
}

#[test]
fn a_secondary_claim_shows_the_other_insured_and_the_primary_payment() {
    let file = secondary_claim_file();
    for (name, style) in [
        ("cms1500-secondary-red", FormStyle::Red),
        ("cms1500-secondary-full", FormStyle::Full),
    ] {
        let words = placed_words(name, &render_cms1500(&file, style));
        assert_eq!(at(&words, 1, &BOX_9), "RIVERA, LUIS, M", "{words:#?}");
        assert_eq!(at(&words, 1, &BOX_9A), "CHP223107");
        assert_eq!(at(&words, 1, &BOX_9D), "CASCADE HEALTH PLAN");
        assert_eq!(at(&words, 1, &BOX_11D_YES), "X");
        assert_eq!(at(&words, 1, &BOX_11D_NO), "");
        // The claim's own insured and plan are unchanged: box 2 (the patient) and box 11.
        assert_eq!(field(&words, 1, 10, 1..=29), "RIVERA, ANA");
        assert_eq!(at(&words, 1, &BOX_11), "SUP4410");
        assert_eq!(at(&words, 1, &BOX_28), "360 00");
        assert_eq!(at(&words, 1, &BOX_29), "230 40");
        // Box 30 is reserved for NUCC use on the 02/12 form.
        assert_eq!(at(&words, 1, &BOX_30), "");
    }
    // The same with pdftotext's layout text, as a person reads it.
    let text = render("cms1500-secondary", &render_cms1500(&file, FormStyle::Red));
    assert_contains(
        &text,
        &[
            "RIVERA, LUIS, M",
            "CHP223107",
            "CASCADE HEALTH PLAN",
            "230 40",
        ],
    );
}

#[test]
fn a_secondary_claim_over_two_pages_splits_the_amount_paid() {
    let mut file = secondary_claim_file();
    let claim = &mut file.claims[0];
    let template = claim.lines[1].clone(); // 97110, 70.00, paid 44.80
    for n in 5..=8 {
        let mut line = template.clone();
        line.line_control_number = format!("L103-{n}");
        claim.lines.push(line);
    }
    // 230.40 + 4 x 44.80, less a claim-level sequestration of 8.19.
    claim.other_payers[0].paid_amount = Some(m("401.41"));
    let words = placed_words(
        "cms1500-secondary-2p",
        &render_cms1500(&file, FormStyle::Red),
    );
    // Page 1: six lines, 230.40 + 2 x 44.80; page 2: 2 x 44.80 less 8.19.
    assert_eq!(at(&words, 1, &BOX_28), "500 00");
    assert_eq!(at(&words, 1, &BOX_29), "320 00");
    assert_eq!(at(&words, 2, &BOX_28), "140 00");
    assert_eq!(at(&words, 2, &BOX_29), "81 41");
    // Every page is a complete form: the other coverage repeats.
    assert_eq!(at(&words, 2, &BOX_9), "RIVERA, LUIS, M");
    assert_eq!(at(&words, 2, &BOX_11D_YES), "X");
}

#[test]
fn a_claim_billed_to_medicare_after_another_payer_follows_cms() {
    // Medicare secondary payer: the group plan pays first, Medicare is billed second.
    let mut file = secondary_claim_file();
    let claim = &mut file.claims[0];
    claim.subscriber.claim_filing_indicator = "MB".into();
    claim.subscriber.group_number = None;
    claim.payer = Payer {
        name: "MEDICARE PART B".into(),
        payer_id: "04412".into(),
    };
    let words = placed_words("cms1500-msp", &render_cms1500(&file, FormStyle::Red));
    // Item 11 names the insurance primary to Medicare instead of NONE, 11c its plan.
    assert_eq!(at(&words, 1, &BOX_11), "CHP223107");
    assert_eq!(at(&words, 1, &BOX_11C), "CASCADE HEALTH PLAN");
    // Item 9 is for Medigap only, 11d is not required, 29 is the patient's payment only.
    for b in [BOX_9, BOX_9A, BOX_9D, BOX_11D_YES, BOX_11D_NO, BOX_29] {
        assert_eq!(at(&words, 1, &b), "", "{b:?}");
    }
}

#[test]
fn primary_claims_leave_the_other_coverage_empty() {
    // The fixture (Medicare primary) and a run of synthetic primaries of every payer.
    let mut file = otbill_837p::synth::claim_file(7, 60);
    file.claims.retain(|c| c.other_payers.is_empty());
    assert!(file.claims.len() > 40);
    for (name, file) in [
        ("cms1500-primary-fixture", claim_file()),
        ("cms1500-primary-synth", file),
    ] {
        let words = placed_words(name, &render_cms1500(&file, FormStyle::Red));
        let mut page = 0;
        for claim in &file.claims {
            let medicare = matches!(
                claim.subscriber.claim_filing_indicator.as_str(),
                "MB" | "MA"
            );
            for _ in claim.lines.chunks(6) {
                page += 1;
                for b in [BOX_9, BOX_9A, BOX_9D, BOX_11D_YES, BOX_29, BOX_30] {
                    assert_eq!(at(&words, page, &b), "", "{name} page {page} {b:?}");
                }
                // 11d: NO, except on Medicare claims, where CMS leaves it blank.
                let no = if medicare { "" } else { "X" };
                assert_eq!(at(&words, page, &BOX_11D_NO), no, "{name} page {page}");
            }
        }
    }
}

/// The primary fixture prints exactly where it printed before coordination of benefits was
/// added: every word, page, row and column of the red form against the list recorded then
/// (`tests/golden/cms1500-primary-red.txt`). After an intended layout change, replace the
/// list with `<target>/test-output/cms1500-primary-red.txt`, which this test writes.
#[test]
fn a_primary_claim_prints_as_before() {
    let words = placed_words(
        "cms1500-primary-red",
        &render_cms1500(&claim_file(), FormStyle::Red),
    );
    let actual: String = words
        .iter()
        .map(|w| format!("{} {} {} {}\n", w.page, w.row, w.col, w.text))
        .collect();
    std::fs::write(output_dir().join("cms1500-primary-red.txt"), &actual).expect("write");
    let golden = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/cms1500-primary-red.txt"),
    )
    .expect("golden list");
    assert_eq!(actual, golden);
}

// Boxes 14 and 15 (row 32): the date of the current illness with its qualifier after it,
// and the other date with its qualifier before it.
const BOX_14_DATE: (u32, std::ops::RangeInclusive<u32>) = (32, 1..=15);
const BOX_14_QUAL: (u32, std::ops::RangeInclusive<u32>) = (32, 16..=29);
const BOX_15_QUAL: (u32, std::ops::RangeInclusive<u32>) = (32, 30..=36);
const BOX_15_DATE: (u32, std::ops::RangeInclusive<u32>) = (32, 37..=49);

/// A claim with an onset (DTP*431) and an initial treatment date (DTP*454) prints them in
/// boxes 14 and 15 (NUCC 02/12 items 14 and 15), and nothing else moves: without row 32's
/// boxes 14 and 15 the page is the golden primary page.
#[test]
fn onset_and_initial_treatment_print_in_boxes_14_and_15() {
    let mut file = claim_file();
    file.claims[0].onset_date = Some(d("2025-12-29"));
    file.claims[0].initial_treatment_date = Some(d("2026-01-06"));
    let words = placed_words("cms1500-dates-red", &render_cms1500(&file, FormStyle::Red));
    assert_eq!(at(&words, 1, &BOX_14_DATE), "12 29 2025");
    assert_eq!(at(&words, 1, &BOX_14_QUAL), "431");
    assert_eq!(at(&words, 1, &BOX_15_QUAL), "454");
    assert_eq!(at(&words, 1, &BOX_15_DATE), "01 06 2026");
    let rest: String = words
        .iter()
        .filter(|w| !(w.row == 32 && w.col <= 49))
        .map(|w| format!("{} {} {} {}\n", w.page, w.row, w.col, w.text))
        .collect();
    let golden = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/cms1500-primary-red.txt"),
    )
    .expect("golden list");
    assert_eq!(rest, golden);
    // Only one of them: the other box stays empty.
    file.claims[0].onset_date = None;
    let words = placed_words("cms1500-dates-454", &render_cms1500(&file, FormStyle::Red));
    assert_eq!(at(&words, 1, &BOX_14_DATE), "");
    assert_eq!(at(&words, 1, &BOX_14_QUAL), "");
    assert_eq!(at(&words, 1, &BOX_15_QUAL), "454");
    // The full page, as a person reads it.
    let text = render(
        "cms1500-dates-full",
        &render_cms1500(&file, FormStyle::Full),
    );
    assert_contains(&text, &["454", "01 06 2026"]);
}

fn receipt(method: &str, reference: &str) -> otbill_forms::Receipt {
    use otbill_forms::ReceiptLine;
    let amount = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    otbill_forms::Receipt {
        practice_name: "BRIGHT HANDS OCCUPATIONAL THERAPY LLC".into(),
        practice_address: vec![
            "1450 COMMERCIAL ST SE SUITE 210".into(),
            "SALEM OR 97302-1234".into(),
        ],
        patient_name: "ANITA PATEL".into(),
        account: "A1003".into(),
        number: 17,
        received_on: d("2026-11-28"),
        amount: amount("125.40"),
        method: method.into(),
        reference: Some(reference.into()),
        applied: vec![
            ReceiptLine {
                pcn: "OT000000061".into(),
                service_date: d("2026-11-03"),
                amount: amount("19.38"),
            },
            ReceiptLine {
                pcn: "OT000000062".into(),
                service_date: d("2026-11-10"),
                amount: amount("19.37"),
            },
        ],
        unapplied: amount("86.65"),
    }
}

#[test]
fn the_receipt_shows_the_payment_where_it_went_and_the_credit() {
    let text = render(
        "receipt-check",
        &otbill_forms::render_receipt(&receipt("check", "1042")),
    );
    assert_contains(
        &text,
        &[
            "BRIGHT HANDS OCCUPATIONAL THERAPY LLC",
            "SALEM OR 97302-1234",
            "PAYMENT RECEIPT",
            "ANITA PATEL",
            "A1003",
            "11/28/2026",
            "$125.40",
            "Check",
            "1042",
            "OT000000061",
            "11/03/2026",
            "$19.38",
            "OT000000062",
            "11/10/2026",
            "$19.37",
            "$38.75",
            "$86.65",
        ],
    );
    // Each amount on its own row: the applied lines, their total and the credit.
    let row = |label: &str| {
        text.lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("{label}"))
            .to_owned()
    };
    assert!(row("OT000000061").contains("$19.38"));
    assert!(row("Total applied").contains("$38.75"));
    assert!(row("Unapplied credit").contains("$86.65"));
    assert!(row("Amount received").contains("$125.40"));
}

#[test]
fn a_card_reference_prints_masked_to_its_last_4() {
    let text = render(
        "receipt-card",
        &otbill_forms::render_receipt(&receipt("card", "ch_3PXa9Q2eZvKYlo2C1042")),
    );
    assert_contains(&text, &["Card", "****1042"]);
    assert!(!text.contains("ch_3PXa9Q2eZvKYlo2C"), "{text}");
    let mut r = receipt("cash", "");
    r.applied.clear();
    r.reference = None;
    let text = render("receipt-credit", &otbill_forms::render_receipt(&r));
    assert_contains(&text, &["Cash", "held as credit", "$0.00", "$86.65"]);
}

fn statement(level: u8, lines: usize) -> otbill_forms::Statement {
    let line = |i: usize| otbill_forms::StatementLine {
        service_date: d("2026-11-03") + chrono::Days::new(i as u64),
        charge: dec(&format!("{}.00", 140 + i)),
        insurance_paid: dec("77.52"),
        adjustments: dec("23.11"),
        patient_paid: dec("10.00"),
        patient_owes: dec(&format!("{}.37", 29 + i)),
    };
    otbill_forms::Statement {
        practice_name: "BRIGHT HANDS OCCUPATIONAL THERAPY LLC".into(),
        practice_address: vec!["400 COMMERCIAL ST NE".into(), "SALEM OR 97302-1234".into()],
        recipient_name: "RAJ PATEL".into(),
        recipient_address: vec!["12 OAK AVE".into(), "SALEM OR 97301".into()],
        patient_name: Some("ANITA PATEL".into()),
        account: "A1003".into(),
        number: 41,
        statement_date: d("2026-11-28"),
        due_date: d("2026-12-19"),
        previous_balance: dec("12.34"),
        payments: dec("10.00"),
        new_charges: dec("281.00"),
        insurance: dec("201.26"),
        amount_due: dec("1059.74"),
        dunning_level: level,
        lines: (0..lines).map(line).collect(),
    }
}

fn dec(s: &str) -> rust_decimal::Decimal {
    s.parse().unwrap()
}

#[test]
fn the_statement_shows_every_amount_and_the_tear_off_slip() {
    let s = statement(1, 2);
    let text = render("statement", &otbill_forms::render_statement(&s));
    assert_contains(
        &text,
        &[
            "BRIGHT HANDS OCCUPATIONAL THERAPY LLC",
            "400 COMMERCIAL ST NE",
            "SALEM OR 97302-1234",
            "STATEMENT",
            "RAJ PATEL",
            "12 OAK AVE",
            "SALEM OR 97301",
            "Patient: ANITA PATEL",
            "A1003",
            "11/28/2026",
            "12/19/2026",
            "11/03/2026",
            "11/04/2026",
            "$140.00",
            "$141.00",
            "$77.52",
            "$23.11",
            "$29.37",
            "$30.37",
            "$12.34",
            "$281.00",
            "$201.26",
            "Amount enclosed",
            "detach",
        ],
    );
    let row = |label: &str| {
        text.lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("{label}"))
            .to_owned()
    };
    assert!(row("Previous balance").contains("$12.34"));
    assert!(row("Payments since the last statement").contains("$10.00"));
    assert!(row("Amount due").contains("$1,059.74"));
    // The amount due on the statement and again on the slip.
    assert_eq!(text.matches("$1,059.74").count(), 2, "{text}");
    assert!(!text.contains("NOTICE"));
    assert_eq!(text.matches('\u{c}').count(), 1, "one page");
}

#[test]
fn second_and_final_notices_say_so() {
    let second = render(
        "statement-second",
        &otbill_forms::render_statement(&statement(2, 1)),
    );
    assert!(second.contains("SECOND NOTICE"));
    assert!(!second.contains("FINAL NOTICE"));
    let last = render(
        "statement-final",
        &otbill_forms::render_statement(&statement(3, 1)),
    );
    assert!(last.contains("FINAL NOTICE"));
    assert!(!last.contains("SECOND NOTICE"));
}

#[test]
fn a_batch_puts_each_statement_on_its_own_pages() {
    let mut b = statement(1, 1);
    b.account = "B2001".into();
    b.patient_name = None;
    let text = render(
        "statements-batch",
        &otbill_forms::render_statements(&[statement(1, 1), b, statement(1, 40)]),
    );
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(pages.len() >= 4, "{}", pages.len());
    assert!(pages[0].contains("A1003") && !pages[0].contains("B2001"));
    assert!(pages[1].contains("B2001") && !pages[1].contains("Patient:"));
    // The long one continues; its slip and total are on its last page only.
    let last = pages[pages.len() - 1];
    assert!(last.contains("Amount enclosed"));
    assert!(pages[2].contains("Continued on the next page"));
    assert!(!pages[2].contains("Amount enclosed"));
    assert!(text.contains("$68.37"), "the 40th line");
}
