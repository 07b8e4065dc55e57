//! The PDFs render: `pdftotext` finds the patient, dates of service, codes and the required
//! appeal elements, and `pdftoppm` saves a PNG of each page under `<target>/test-output/`
//! for a person to look at.
//!
//! Needs `pdftotext` and `pdftoppm` (Debian package `poppler-utils`).

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use otbill_837p::model::{ClaimFile, Frequency};
use otbill_denials::{claim_remarks, worklist, AppealRules, Catalog, Context};
use otbill_forms::{
    render_cms1500, render_letter, Contractor, Evidence, FormStyle, RedeterminationRequest,
};

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
