//! The CMS-1500 (02/12) paper claim, from the same claim model the 837P is written from.
//!
//! The form is designed for 10-pitch text: 10 characters per inch and 6 lines per inch.
//! Every field sits on that grid as (row, column), 1-based, the convention of common
//! practice-management print programs; the grid starts [`LEFT`] points from the left and
//! [`TOP`] points from the top of the page, with data in Courier 12 (exactly 10 characters
//! per inch). Printers differ by a few points: calibrate by moving `LEFT`/`TOP` if a test
//! print on the red form sits off its boxes.
//!
//! - [`FormStyle::Red`] prints the data only, for the pre-printed red (OCR drop-out) form.
//! - [`FormStyle::Full`] also draws the form itself (boxes and captions) in red on a blank
//!   page: for payers that accept a printed image and for people to read. It is not a
//!   substitute for the red form where a payer scans claims by OCR.
//!
//! Each page holds six service lines; a claim with more continues on further pages, each
//! with its own total (box 28), as the NUCC manual asks. Following NUCC instructions,
//! diagnosis codes are printed without the decimal point, dates as `MM DD YY` (box 24) or
//! `MM DD YYYY`, and amounts with a space for the decimal point.
//!
//! A secondary or tertiary claim (one with [`Claim::other_payers`], loops 2320/2330) also
//! shows the other coverage, following the NUCC 1500 Claim Form Reference Instruction
//! Manual for the 02/12 form: the first other payer's insured, policy or group number and
//! plan in boxes 9, 9a and 9d, box 11d marked YES, and what the other payers paid in box 29
//! (see [`paid_by_page`]). Claims billed to Medicare follow CMS's own instructions instead
//! (Pub. 100-04, chapter 26, section 10.2), as the rest of the form already does.
//!
//! Boxes left empty:
//!
//! - reserved for NUCC use on the 02/12 form: 8, 9b, 9c and 30;
//! - for lack of data in the claim model: the telephone numbers of boxes 5 and 7, 10b's
//!   state (10a-c are always NO), 10d, 11b, 11c (except on a Medicare claim with a payer
//!   primary to Medicare), 16, 17a, 18, 19, 20's charges, 24C (EMG), 24H, the
//!   shaded other ids and supplemental information of box 24, 32, 32a, 32b and 33b; and
//!   in box 29, payments made by the patient;
//! - when the claim has no such date: 14 (onset, qualifier 431) and 15 (initial treatment,
//!   qualifier 454);
//! - by rule: 9, 9a and 9d when there is no other payer (and on Medicare claims, which
//!   keep item 9 for Medigap), 22 on an original claim, 29 on a primary claim, and 11a and
//!   11d on Medicare claims.

use chrono::NaiveDate;
use otbill_837p::model::{
    Claim, ClaimFile, Gender, OtherPayer, PersonName, Relationship, ServiceLine,
};
use rust_decimal::Decimal;

use crate::letter::{provider_name, zip};
use crate::pdf::{Doc, Font, Rgb, BLACK};

/// Left edge of grid column 1, in points.
pub const LEFT: f32 = 24.0;
/// Top edge of grid row 1, in points.
pub const TOP: f32 = 20.0;
const CW: f32 = 7.2;
const LH: f32 = 12.0;
const DATA_SIZE: f32 = 12.0;
const LINES_PER_PAGE: usize = 6;
const RED: Rgb = Rgb(0.80, 0.12, 0.12);
const SHADE: Rgb = Rgb(1.0, 0.92, 0.92);
const LABEL: f32 = 5.5;

/// Data only, or data with the form drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormStyle {
    /// Data positioned for the pre-printed red form.
    Red,
    /// A full page: the form drawn in red, the data in black.
    Full,
}

/// Every claim of the file, each on as many pages as its lines need.
pub fn render_cms1500(file: &ClaimFile, style: FormStyle) -> Vec<u8> {
    let mut doc = Doc::default();
    for claim in &file.claims {
        let paid = paid_by_page(claim);
        for (n, lines) in claim.lines.chunks(LINES_PER_PAGE).enumerate() {
            doc.new_page();
            if style == FormStyle::Full {
                draw_form(&mut doc);
            }
            let page_paid = paid.as_ref().and_then(|p| p.get(n).copied());
            Page { doc: &mut doc }.claim(file, claim, lines, page_paid);
        }
    }
    doc.finish("CMS-1500 (02/12)")
}

fn x(col: f32) -> f32 {
    LEFT + (col - 1.0) * CW
}

fn row_top(row: f32) -> f32 {
    TOP + (row - 1.0) * LH
}

/// Writes data on the grid.
struct Page<'a> {
    doc: &'a mut Doc,
}

impl Page<'_> {
    fn put(&mut self, row: u32, col: u32, max: usize, text: &str) {
        let text: String = text.to_uppercase().chars().take(max).collect();
        let y = row_top(row as f32) + 9.5;
        self.doc
            .text(x(col as f32), y, Font::Mono, DATA_SIZE, BLACK, &text);
    }

    fn check(&mut self, row: u32, col: u32) {
        self.put(row, col, 1, "X");
    }

    fn date(&mut self, row: u32, col: u32, d: NaiveDate, four_digit_year: bool) {
        self.put(row, col, 2, &d.format("%m").to_string());
        self.put(row, col + 3, 2, &d.format("%d").to_string());
        let year = if four_digit_year {
            d.format("%Y")
        } else {
            d.format("%y")
        };
        self.put(row, col + 6, 4, &year.to_string());
    }

    fn claim(
        &mut self,
        file: &ClaimFile,
        claim: &Claim,
        lines: &[ServiceLine],
        paid: Option<Decimal>,
    ) {
        let sub = &claim.subscriber;
        let medicare = matches!(sub.claim_filing_indicator.as_str(), "MB" | "MA");
        // The payer the form shows first: on a tertiary claim the 2320 loops list the
        // primary and the secondary, and box 9 has room for one.
        let other = claim.other_payers.first();

        // Carrier block: the payer.
        self.put(2, 41, 31, &claim.payer.name);
        self.put(3, 41, 31, &format!("PAYER ID {}", claim.payer.payer_id));

        // Box 1: type of coverage; 1a: the insured's id.
        let col = match sub.claim_filing_indicator.as_str() {
            "MB" | "MA" => 1,
            "MC" => 8,
            "CH" => 15,
            "VA" => 24,
            "FI" => 39,
            "CI" | "BL" | "HM" | "EP" | "PO" | "PS" | "LM" | "DS" | "11" | "12" | "13" | "14"
            | "15" | "16" | "17" => 31,
            _ => 45,
        };
        self.check(8, col);
        self.put(8, 50, 30, &sub.member_id);

        // Boxes 2, 3, 5, 6: the patient (the subscriber unless a dependent is named).
        let (pname, paddr, pdob, psex) = match &claim.patient {
            Some(p) => (
                &p.name,
                Some(&p.address),
                Some(p.birth_date),
                Some(p.gender),
            ),
            None => (&sub.name, sub.address.as_ref(), sub.birth_date, sub.gender),
        };
        self.put(10, 1, 28, &form_name(pname));
        if let Some(dob) = pdob {
            self.date(10, 31, dob, true);
        }
        match psex {
            Some(Gender::M) => self.check(10, 42),
            Some(Gender::F) => self.check(10, 47),
            _ => {}
        }
        self.put(10, 50, 30, &form_name(&sub.name));
        if let Some(a) = paddr {
            self.put(12, 1, 28, &a.line1);
            self.put(14, 1, 24, &a.city);
            self.put(14, 26, 3, &a.state);
            self.put(16, 1, 12, &zip(&a.zip));
        }
        let rel_col = match claim.patient.as_ref().map(|p| p.relationship) {
            None => 33,
            Some(Relationship::Spouse) => 38,
            Some(Relationship::Child) => 42,
            Some(_) => 47,
        };
        self.check(12, rel_col);
        // Box 7: the insured's address.
        if let Some(a) = &sub.address {
            self.put(12, 50, 30, &a.line1);
            self.put(14, 50, 23, &a.city);
            self.put(14, 74, 3, &a.state);
            self.put(16, 50, 12, &zip(&a.zip));
        }

        // Boxes 9, 9a, 9d: the other coverage (NUCC manual, items 9, 9a and 9d: "If Item
        // Number 11d is marked, complete fields 9, 9a, and 9d, otherwise leave blank").
        // Medicare uses item 9 only for a Medigap policy the beneficiary assigns to a
        // participating provider (Pub. 100-04, ch. 26, item 9) and wants an insurer primary
        // to Medicare in items 11 and 11c, so a Medicare claim leaves box 9 to them.
        if let (Some(o), false) = (other, medicare) {
            // NUCC item 9 asks for the name "if it is different from that shown in Item
            // Number 2", but 11d YES requires 9 to be completed: print it always, so the
            // box never reads as missing data (the other insured is often the patient).
            self.put(18, 1, 28, &form_name(&o.subscriber.name));
            self.put(20, 1, 28, &other_policy(o));
            // NUCC 9d: "the other insured's insurance plan or program name". The model has
            // no 2320 SBR04 plan name, so the other payer's name (2330B NM103) stands in.
            self.put(26, 1, 28, &o.payer.name);
        }

        // Box 10a-c: not related to employment, auto or other accident (the model has no
        // accident data). Box 11: group number, NONE for Medicare primary.
        for row in [20, 22, 24] {
            self.check(row, 41);
        }
        // Pub. 100-04, ch. 26, item 11: "If there is insurance primary to Medicare, enter
        // the insured's policy or group number and proceed to items 11a-11c"; NONE would
        // deny that there is one. Item 11c then takes the primary payer's plan name, which CMS
        // accepts when there is no 9-digit Medicare PAYERID for it (the 2330B id is the
        // clearinghouse's). 11a/11b stay blank: the model has no other insured's birth
        // date, sex or employer.
        let primary_to_medicare = claim
            .other_payers
            .iter()
            .find(|o| o.payer_responsibility == "P" && sub.payer_responsibility != "P")
            .filter(|_| medicare);
        let group = match (primary_to_medicare, &sub.group_number, medicare) {
            (Some(o), _, _) => {
                self.put(24, 50, 30, &o.payer.name);
                other_policy(o)
            }
            (None, Some(g), _) => g.clone(),
            (None, None, true) => "NONE".to_owned(),
            (None, None, false) => String::new(),
        };
        self.put(18, 50, 30, &group);
        if !medicare {
            if let Some(dob) = sub.birth_date {
                self.date(20, 53, dob, true);
            }
            match sub.gender {
                Some(Gender::M) => self.check(20, 68),
                Some(Gender::F) => self.check(20, 75),
                _ => {}
            }
            // 11d: NUCC item 11d, "If marked YES, complete 9, 9a, and 9d. Only one box can
            // be marked." Medicare leaves it blank ("Not required by Medicare", ch. 26).
            self.check(26, if other.is_some() { 52 } else { 57 });
        }

        // Boxes 12 and 13: signatures on file.
        if claim.release_of_information {
            self.put(29, 7, 17, "SIGNATURE ON FILE");
        }
        if claim.benefits_assigned {
            self.put(29, 55, 17, "SIGNATURE ON FILE");
        }

        // Box 14: NUCC item 14, the date of the current illness in MM DD CCYY with its
        // qualifier to the right of the dotted line: 431, onset of current symptoms or
        // illness (2300 DTP*431). Box 15: NUCC item 15, "other date", the qualifier
        // between the left-hand dotted lines, then the date: 454, initial treatment (2300
        // DTP*454).
        if let Some(onset) = claim.onset_date {
            self.date(32, 3, onset, true);
            self.put(32, 20, 3, "431");
        }
        if let Some(initial) = claim.initial_treatment_date {
            self.put(32, 34, 3, "454");
            self.date(32, 38, initial, true);
        }

        // Box 17: the referring (certifying) provider.
        if let Some(r) = &claim.referring_provider {
            self.put(34, 1, 2, "DN");
            self.put(34, 4, 25, &form_name(&r.name));
            self.put(34, 33, 15, r.npi.as_str());
        }
        self.check(36, 57); // box 20: no outside lab

        // Box 21: ICD indicator 0 (ICD-10-CM), up to 12 diagnoses A-L without the point.
        self.put(37, 42, 1, "0");
        for (n, dx) in claim.diagnoses.iter().take(12).enumerate() {
            let row = 38 + (n / 4) as u32;
            let col = 3 + 13 * (n % 4) as u32;
            self.put(row, col, 8, &dx.as_str().replace('.', ""));
        }
        // Box 22: resubmission code and original reference; box 23: prior authorization.
        if claim.frequency.code() != "1" {
            self.put(38, 50, 10, claim.frequency.code());
            self.put(
                38,
                62,
                17,
                claim.original_claim_number.as_deref().unwrap_or(""),
            );
        }
        if let Some(auth) = &claim.prior_authorization {
            self.put(40, 50, 30, auth);
        }

        // Box 24: the service lines.
        let rendering = claim
            .rendering_provider
            .as_ref()
            .map_or(file.billing_provider.npi.as_str(), |r| r.npi.as_str());
        let mut total = Decimal::ZERO;
        for (k, line) in lines.iter().enumerate() {
            let row = 44 + 2 * k as u32;
            self.date(row, 1, line.service_date, false);
            self.date(
                row,
                10,
                line.service_date_end.unwrap_or(line.service_date),
                false,
            );
            let pos = line
                .place_of_service
                .as_deref()
                .unwrap_or(&claim.place_of_service);
            self.put(row, 19, 2, pos);
            self.put(row, 25, 6, line.procedure.as_str());
            let mods: Vec<&str> = line.modifiers.iter().map(|m| m.as_str()).collect();
            self.put(row, 33, 12, &mods.join(" "));
            let pointers: String = line
                .diagnosis_pointers
                .iter()
                .filter_map(|p| {
                    (b'A'..=b'L')
                        .nth(usize::from(p.saturating_sub(1)))
                        .map(char::from)
                })
                .collect();
            self.put(row, 45, 4, &pointers);
            self.put(row, 50, 8, &amount(line.charge.amount()));
            self.put(row, 59, 3, &line.units.to_string());
            self.put(row, 68, 10, rendering);
            total += line.charge.amount();
        }

        // Boxes 25-28.
        let bp = &file.billing_provider;
        self.put(56, 1, 15, &bp.ein);
        self.check(56, 19);
        self.put(56, 23, 14, &claim.patient_control_number);
        self.check(
            56,
            if claim.assignment.code() == "C" {
                43
            } else {
                38
            },
        );
        self.put(56, 52, 8, &amount(total));
        // Box 29: NUCC item 29, "Enter total amount the patient and/or other payers paid on
        // the covered services only"; negative amounts are not allowed. Box 30 stays blank:
        // "Reserved for NUCC Use" on the 02/12 form (it was Balance Due on 08/05).
        // Medicare's item 29 is the patient's payment only (Pub. 100-04, ch. 26): the
        // primary's payment reaches Medicare on the attached EOB, not in this box. Other
        // payers billed after Medicare (Medigap, Medicaid) usually want Medicare's payment
        // here, which is what the NUCC rule gives.
        if let (Some(paid), false) = (paid, medicare) {
            self.put(56, 62, 8, &amount(paid));
        }

        // Boxes 31 and 33: signature on file with the file's date, the billing provider.
        let phone = &file.submitter.contact.phone;
        if phone.len() == 10 && phone.bytes().all(|b| b.is_ascii_digit()) {
            self.put(57, 66, 3, &phone[..3]);
            self.put(57, 70, 8, &format!("{}-{}", &phone[3..6], &phone[6..]));
        }
        self.put(60, 1, 20, "SIGNATURE ON FILE");
        let signed = file.envelope.created.date();
        self.put(61, 6, 10, &signed.format("%m %d %y").to_string());
        self.put(58, 50, 30, &provider_name(&bp.name));
        let street = match &bp.address.line2 {
            Some(l2) => format!("{} {l2}", bp.address.line1),
            None => bp.address.line1.clone(),
        };
        self.put(59, 50, 30, &street);
        let a = &bp.address;
        self.put(
            60,
            50,
            30,
            &format!("{} {} {}", a.city, a.state, zip(&a.zip)),
        );
        self.put(61, 51, 10, bp.npi.as_str());
    }
}

/// Box 9a (and box 11 on a Medicare claim): the other insured's group number (2320 SBR03),
/// or the policy (member) number (2330A NM109) when there is no group. NUCC item 9a: "Do not
/// use a hyphen or space as a separator within the policy or group number."
fn other_policy(o: &OtherPayer) -> String {
    o.group_number
        .as_deref()
        .filter(|g| !g.trim().is_empty())
        .unwrap_or(&o.subscriber.member_id)
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .collect()
}

/// What the other payers paid on the services of each page of `claim` (box 29), one amount
/// per page of six lines; `None` when no other payer has a known payment (a
/// primary claim, or nothing adjudicated yet).
///
/// A payer's payment is its AMT*D (2320), or, without one, its 2430 line payments less its
/// claim-level adjustments (the TR3 balancing rule). On a claim of one page that is the
/// whole amount. Each page of a longer claim carries its own total (box 28), so it gets
/// the 2430 payments of its own lines; the part of the payment that belongs to no line
/// (claim-level adjustments, payers that reported no lines) goes on the last page, and a
/// reduction larger than that page's payments is taken from the pages before it, so the
/// pages add up to the claim's payment and none is negative. A negative total (a payer
/// recovering more than it paid) prints nothing: the box takes no negative amounts.
pub fn paid_by_page(claim: &Claim) -> Option<Vec<Decimal>> {
    let mut total = Decimal::ZERO;
    let mut known = Vec::new();
    for o in &claim.other_payers {
        let line_paid = claim
            .lines
            .iter()
            .flat_map(|l| &l.adjudications)
            .filter(|a| a.payer_id == o.payer.payer_id)
            .map(|a| a.paid_amount.amount())
            .reduce(|a, b| a + b);
        let paid = match (o.paid_amount, line_paid) {
            (Some(p), _) => p.amount(),
            (None, Some(lines)) => {
                lines
                    - o.adjustments
                        .iter()
                        .map(|a| a.amount.amount())
                        .sum::<Decimal>()
            }
            (None, None) => continue,
        };
        total += paid;
        known.push(o.payer.payer_id.as_str());
    }
    if known.is_empty() || total < Decimal::ZERO {
        return None;
    }
    // Line payments per page, none below zero (a reversed line cannot print as negative).
    let mut pages: Vec<Decimal> = claim
        .lines
        .chunks(LINES_PER_PAGE)
        .map(|lines| {
            lines
                .iter()
                .flat_map(|l| &l.adjudications)
                .filter(|a| known.contains(&a.payer_id.as_str()))
                .map(|a| a.paid_amount.amount())
                .sum::<Decimal>()
                .max(Decimal::ZERO)
        })
        .collect();
    // From the last page back: add the rest there, or take a reduction from as many pages
    // as it needs. The pages are not negative and add up to `total` (not negative), so the
    // rest always reaches zero.
    let mut rest = total - pages.iter().copied().sum::<Decimal>();
    for page in pages.iter_mut().rev() {
        let new = (*page + rest).max(Decimal::ZERO);
        rest -= new - *page;
        *page = new;
        if rest >= Decimal::ZERO {
            break;
        }
    }
    Some(pages)
}

/// `LAST, FIRST, M`, as boxes 2, 4 and 17 want.
fn form_name(name: &PersonName) -> String {
    let mut s = format!("{}, {}", name.last, name.first);
    if let Some(m) = name.middle.as_deref().and_then(|m| m.chars().next()) {
        s.push_str(", ");
        s.push(m);
    }
    s
}

/// `  150 00`: eight characters, a space for the decimal point.
fn amount(value: Decimal) -> String {
    let s = format!("{:>8.2}", value.round_dp(2));
    s.replacen('.', " ", 1)
}

/// The form itself: frame, box rules, shaded line bands and captions, in red.
fn draw_form(doc: &mut Doc) {
    let hl = |doc: &mut Doc, row: f32, from: f32, to: f32| {
        doc.line(
            (x(from) - 1.8, row_top(row)),
            (x(to) - 1.8, row_top(row)),
            0.6,
            RED,
        );
    };
    let vl = |doc: &mut Doc, col: f32, from: f32, to: f32| {
        doc.line(
            (x(col) - 1.8, row_top(from)),
            (x(col) - 1.8, row_top(to)),
            0.6,
            RED,
        );
    };
    let label = |doc: &mut Doc, row: f32, col: f32, text: &str| {
        doc.text(
            x(col) - 0.8,
            row_top(row) + 6.0,
            Font::Regular,
            LABEL,
            RED,
            text,
        );
    };

    doc.text(
        x(1.0),
        row_top(5.0) + 9.0,
        Font::Regular,
        LABEL,
        RED,
        "APPROVED BY NATIONAL UNIFORM CLAIM COMMITTEE (NUCC) 02/12",
    );
    doc.text_centre(
        x(40.0),
        row_top(6.0) + 10.0,
        Font::Bold,
        13.0,
        RED,
        "HEALTH INSURANCE CLAIM FORM",
    );
    doc.text(
        x(41.0),
        row_top(1.0) + 9.0,
        Font::Regular,
        LABEL,
        RED,
        "CARRIER",
    );
    doc.text(
        x(70.0),
        row_top(63.0) + 6.0,
        Font::Regular,
        LABEL,
        RED,
        "FORM 1500 (02-12)",
    );

    // Shaded halves of the six service lines.
    for k in 0..6 {
        let row = 43.0 + 2.0 * k as f32;
        doc.fill(x(1.0) - 1.8, row_top(row), 79.0 * CW, LH, SHADE);
        doc.text(
            x(80.2),
            row_top(row + 1.0) + 9.0,
            Font::Bold,
            8.0,
            RED,
            &(k + 1).to_string(),
        );
    }
    // Frame.
    doc.rect(
        x(1.0) - 1.8,
        row_top(7.0),
        79.0 * CW,
        row_top(62.0) - row_top(7.0),
        1.2,
        RED,
    );
    // Full-width rules.
    for row in [
        9.0, 11.0, 17.0, 19.0, 21.0, 23.0, 25.0, 27.0, 31.0, 33.0, 35.0, 37.0, 41.0, 55.0, 57.0,
    ] {
        hl(doc, row, 1.0, 80.0);
    }
    for row in [13.0, 15.0] {
        hl(doc, row, 1.0, 30.0);
        hl(doc, row, 50.0, 80.0);
    }
    hl(doc, 39.0, 50.0, 80.0);
    hl(doc, 61.0, 23.0, 80.0);
    for row in 43..=54 {
        hl(doc, row as f32, 1.0, 80.0);
    }
    // Column rules.
    vl(doc, 50.0, 7.0, 41.0);
    vl(doc, 30.0, 9.0, 27.0);
    vl(doc, 30.0, 31.0, 35.0);
    vl(doc, 26.0, 13.0, 15.0);
    vl(doc, 14.0, 15.0, 17.0);
    vl(doc, 74.0, 13.0, 15.0);
    vl(doc, 64.0, 15.0, 17.0);
    vl(doc, 10.0, 42.0, 55.0);
    for col in [19.0, 22.0, 25.0, 33.0, 45.0, 50.0, 59.0, 63.0, 65.0, 68.0] {
        vl(doc, col, 41.0, 55.0);
    }
    for col in [23.0, 38.0, 50.0, 61.0, 71.0] {
        vl(doc, col, 55.0, 57.0);
    }
    vl(doc, 23.0, 57.0, 62.0);
    vl(doc, 50.0, 57.0, 62.0);

    // Captions.
    let captions: &[(f32, f32, &str)] = &[
        (7.0, 1.0, "1. MEDICARE    MEDICAID    TRICARE    CHAMPVA    GROUP HEALTH PLAN    FECA BLK LUNG    OTHER"),
        (7.0, 50.0, "1a. INSURED'S I.D. NUMBER    (For Program in Item 1)"),
        (9.0, 1.0, "2. PATIENT'S NAME (Last Name, First Name, Middle Initial)"),
        (9.0, 30.0, "3. PATIENT'S BIRTH DATE     SEX   M      F"),
        (9.0, 50.0, "4. INSURED'S NAME (Last Name, First Name, Middle Initial)"),
        (11.0, 1.0, "5. PATIENT'S ADDRESS (No., Street)"),
        (11.0, 30.0, "6. PATIENT RELATIONSHIP TO INSURED"),
        (12.0, 30.3, "Self"),
        (12.0, 35.2, "Spouse"),
        (12.0, 40.0, "Child"),
        (12.0, 44.6, "Other"),
        (11.0, 50.0, "7. INSURED'S ADDRESS (No., Street)"),
        (13.0, 1.0, "CITY"),
        (13.0, 26.0, "STATE"),
        (13.0, 30.0, "8. RESERVED FOR NUCC USE"),
        (13.0, 50.0, "CITY"),
        (13.0, 74.0, "STATE"),
        (15.0, 1.0, "ZIP CODE"),
        (15.0, 14.0, "TELEPHONE (Include Area Code)"),
        (15.0, 50.0, "ZIP CODE"),
        (15.0, 64.0, "TELEPHONE (Include Area Code)"),
        (17.0, 1.0, "9. OTHER INSURED'S NAME (Last Name, First Name, Middle Initial)"),
        (17.0, 30.0, "10. IS PATIENT'S CONDITION RELATED TO:"),
        (17.0, 50.0, "11. INSURED'S POLICY GROUP OR FECA NUMBER"),
        (19.0, 1.0, "a. OTHER INSURED'S POLICY OR GROUP NUMBER"),
        (19.0, 30.0, "a. EMPLOYMENT? (Current or Previous)  YES   NO"),
        (19.0, 50.0, "a. INSURED'S DATE OF BIRTH              SEX  M       F"),
        (21.0, 1.0, "b. RESERVED FOR NUCC USE"),
        (21.0, 30.0, "b. AUTO ACCIDENT?     YES   NO   PLACE (State)"),
        (21.0, 50.0, "b. OTHER CLAIM ID (Designated by NUCC)"),
        (23.0, 1.0, "c. RESERVED FOR NUCC USE"),
        (23.0, 30.0, "c. OTHER ACCIDENT?    YES   NO"),
        (23.0, 50.0, "c. INSURANCE PLAN NAME OR PROGRAM NAME"),
        (25.0, 1.0, "d. INSURANCE PLAN NAME OR PROGRAM NAME"),
        (25.0, 30.0, "10d. CLAIM CODES (Designated by NUCC)"),
        (25.0, 50.0, "d. IS THERE ANOTHER HEALTH BENEFIT PLAN?   YES   NO"),
        (27.0, 1.0, "READ BACK OF FORM BEFORE COMPLETING & SIGNING THIS FORM."),
        (28.0, 1.0, "12. PATIENT'S OR AUTHORIZED PERSON'S SIGNATURE"),
        (29.0, 1.0, "SIGNED"),
        (29.0, 36.0, "DATE"),
        (27.0, 50.0, "13. INSURED'S OR AUTHORIZED PERSON'S SIGNATURE"),
        (29.0, 50.0, "SIGNED"),
        (31.0, 1.0, "14. DATE OF CURRENT ILLNESS, INJURY, or PREGNANCY (LMP)"),
        (31.0, 30.0, "15. OTHER DATE   QUAL."),
        (32.0, 16.0, "QUAL."),
        (31.0, 50.0, "16. DATES PATIENT UNABLE TO WORK IN CURRENT OCCUPATION"),
        (33.0, 1.0, "17. NAME OF REFERRING PROVIDER OR OTHER SOURCE"),
        (33.0, 30.0, "17a.            17b. NPI"),
        (33.0, 50.0, "18. HOSPITALIZATION DATES RELATED TO CURRENT SERVICES"),
        (35.0, 1.0, "19. ADDITIONAL CLAIM INFORMATION (Designated by NUCC)"),
        (35.0, 50.0, "20. OUTSIDE LAB?   YES   NO      $ CHARGES"),
        (37.0, 1.0, "21. DIAGNOSIS OR NATURE OF ILLNESS OR INJURY  Relate A-L to service line below (24E)      ICD Ind."),
        (38.0, 1.0, "A."),
        (38.0, 14.0, "B."),
        (38.0, 27.0, "C."),
        (38.0, 40.0, "D."),
        (39.0, 1.0, "E."),
        (39.0, 14.0, "F."),
        (39.0, 27.0, "G."),
        (39.0, 40.0, "H."),
        (40.0, 1.0, "I."),
        (40.0, 14.0, "J."),
        (40.0, 27.0, "K."),
        (40.0, 40.0, "L."),
        (37.0, 50.0, "22. RESUBMISSION CODE          ORIGINAL REF. NO."),
        (39.0, 50.0, "23. PRIOR AUTHORIZATION NUMBER"),
        (41.0, 1.0, "24. A. DATE(S) OF SERVICE"),
        (42.0, 1.0, "From MM DD YY"),
        (42.0, 10.0, "To MM DD YY"),
        (41.0, 19.0, "B."),
        (42.0, 19.0, "POS"),
        (41.0, 22.0, "C."),
        (42.0, 22.0, "EMG"),
        (41.0, 25.0, "D. PROCEDURES, SERVICES, OR SUPPLIES"),
        (42.0, 25.0, "CPT/HCPCS"),
        (42.0, 33.0, "MODIFIER"),
        (41.0, 45.0, "E. DIAG."),
        (42.0, 45.0, "POINTER"),
        (41.0, 50.0, "F."),
        (42.0, 50.0, "$ CHARGES"),
        (41.0, 59.0, "G. DAYS"),
        (42.0, 59.0, "OR UNITS"),
        (41.0, 63.0, "H."),
        (41.0, 65.0, "I."),
        (42.0, 65.0, "QUAL."),
        (41.0, 68.0, "J. RENDERING"),
        (42.0, 68.0, "PROVIDER ID. #"),
        (55.0, 1.0, "25. FEDERAL TAX I.D. NUMBER     SSN  EIN"),
        (55.0, 23.0, "26. PATIENT'S ACCOUNT NO."),
        (55.0, 38.0, "27. ACCEPT ASSIGN.?"),
        (56.0, 39.2, "YES"),
        (56.0, 44.2, "NO"),
        (55.0, 50.0, "28. TOTAL CHARGE"),
        (55.0, 61.0, "29. AMOUNT PAID"),
        (55.0, 71.0, "30. Rsvd for NUCC"),
        (57.0, 1.0, "31. SIGNATURE OF PHYSICIAN OR SUPPLIER"),
        (58.0, 1.0, "INCLUDING DEGREES OR CREDENTIALS"),
        (57.0, 23.0, "32. SERVICE FACILITY LOCATION INFORMATION"),
        (57.0, 50.0, "33. BILLING PROVIDER INFO & PH #"),
        (61.0, 1.0, "SIGNED"),
        (61.0, 15.0, "DATE"),
        (61.0, 23.0, "a."),
        (61.0, 36.0, "b."),
        (61.0, 50.0, "a."),
        (61.0, 63.0, "b."),
    ];
    for (row, col, text) in captions {
        label(doc, *row, *col, text);
    }
    // Check boxes: a small square on each place an X can go.
    let boxes: &[(f32, &[f32])] = &[
        (8.0, &[1.0, 8.0, 15.0, 24.0, 31.0, 39.0, 45.0]),
        (10.0, &[42.0, 47.0]),
        (12.0, &[33.0, 38.0, 42.0, 47.0]),
        (20.0, &[35.0, 41.0, 68.0, 75.0]),
        (22.0, &[35.0, 41.0]),
        (24.0, &[35.0, 41.0]),
        (26.0, &[52.0, 57.0]),
        (36.0, &[52.0, 57.0]),
        (56.0, &[17.0, 19.0, 38.0, 43.0]),
    ];
    for (row, cols) in boxes {
        for col in *cols {
            doc.rect(x(*col) - 0.6, row_top(*row) + 2.0, 8.4, 8.4, 0.5, RED);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otbill_837p::model::{Adjustment, LineAdjudication, OtherPayerName, OtherSubscriber};
    use otbill_types::Money;

    #[test]
    fn amounts_have_a_space_for_the_point() {
        assert_eq!(amount(Decimal::new(15000, 2)), "  150 00");
        assert_eq!(amount(Decimal::new(5, 1)), "    0 50");
        assert_eq!(amount(Decimal::new(1234567, 2)), "12345 67");
    }

    #[test]
    fn names_are_last_first_middle_initial() {
        let name = PersonName {
            last: "RIVERA".into(),
            first: "ANA".into(),
            middle: Some("MARIA".into()),
        };
        assert_eq!(form_name(&name), "RIVERA, ANA, M");
    }

    fn money(s: &str) -> Money {
        Money::parse(s).expect("money")
    }

    /// A claim of `charges.len()` lines billed after one other payer, which paid `line_paid`
    /// on the lines (none reported when empty) and `claim_paid` on the claim.
    fn secondary(charges: &[&str], line_paid: &[&str], claim_paid: Option<&str>) -> Claim {
        let mut claim = otbill_837p::synth::claim_file(7, 1).claims.remove(0);
        let template = claim.lines[0].clone();
        claim.lines = charges
            .iter()
            .enumerate()
            .map(|(n, charge)| {
                let mut line = template.clone();
                line.charge = money(charge);
                line.line_control_number = format!("L{n}");
                if let Some(paid) = line_paid.get(n) {
                    line.adjudications = vec![LineAdjudication {
                        payer_id: "04412".into(),
                        paid_amount: money(paid),
                        procedure: line.procedure,
                        modifiers: Vec::new(),
                        paid_units: line.units,
                        adjustments: Vec::new(),
                        adjudication_date: line.service_date,
                        remaining_patient_liability: None,
                    }];
                }
                line
            })
            .collect();
        claim.other_payers = vec![OtherPayer {
            payer_responsibility: "P".into(),
            patient_relationship: None,
            group_number: None,
            claim_filing_indicator: "MB".into(),
            adjustments: Vec::new(),
            paid_amount: claim_paid.map(money),
            remaining_patient_liability: None,
            benefits_assigned: true,
            release_of_information: true,
            outpatient_adjudication: None,
            subscriber: OtherSubscriber {
                name: claim.subscriber.name.clone(),
                member_id: "1EG4-TE5 MK73".into(),
                address: None,
            },
            payer: OtherPayerName {
                name: "MEDICARE PART B".into(),
                payer_id: "04412".into(),
                adjudication_date: None,
                claim_number: None,
            },
        }];
        claim
    }

    fn amounts(v: &[&str]) -> Vec<Decimal> {
        v.iter().map(|s| money(s).amount()).collect()
    }

    #[test]
    fn a_primary_claim_has_no_amount_paid() {
        let mut claim = secondary(&["100.00"], &[], None);
        claim.other_payers.clear();
        assert_eq!(paid_by_page(&claim), None);
        // An other payer that has not adjudicated the claim paid nothing we know of.
        let claim = secondary(&["100.00"], &[], None);
        assert_eq!(paid_by_page(&claim), None);
    }

    #[test]
    fn one_page_shows_the_other_payers_claim_payment() {
        // AMT*D is what the payer paid: the line payments less a claim-level CO-253.
        let claim = secondary(&["100.00", "50.00"], &["80.00", "40.00"], Some("117.60"));
        assert_eq!(paid_by_page(&claim), Some(amounts(&["117.60"])));
        // Without AMT*D, the TR3 balancing rule gives it from the lines and the CAS.
        let mut claim = secondary(&["100.00", "50.00"], &["80.00", "40.00"], None);
        claim.other_payers[0].adjustments = vec![Adjustment {
            group: "CO".into(),
            reason: "253".into(),
            amount: money("2.40"),
            quantity: None,
        }];
        assert_eq!(paid_by_page(&claim), Some(amounts(&["117.60"])));
        // A denial by the primary is a payment of zero, and shows as one.
        let claim = secondary(&["100.00"], &["0"], Some("0"));
        assert_eq!(paid_by_page(&claim), Some(amounts(&["0"])));
    }

    #[test]
    fn each_page_shows_the_payments_on_its_own_lines() {
        let charges = ["100.00"; 8];
        let paid = [
            "80.00", "80.00", "80.00", "80.00", "80.00", "80.00", "10.00", "0",
        ];
        // Sequestration (claim level, 2% of 490.00) comes off the last page.
        let claim = secondary(&charges, &paid, Some("480.20"));
        assert_eq!(paid_by_page(&claim), Some(amounts(&["480.00", "0.20"])));
        // More than the last page's payments: the rest comes off the page before.
        let claim = secondary(&charges, &paid, Some("470.00"));
        assert_eq!(paid_by_page(&claim), Some(amounts(&["470.00", "0"])));
        // A payer that reported no lines: its payment goes on the last page.
        let claim = secondary(&charges, &[], Some("300.00"));
        assert_eq!(paid_by_page(&claim), Some(amounts(&["0", "300.00"])));
        // A recovery larger than the payment prints nothing rather than a negative amount.
        let claim = secondary(&charges, &paid, Some("-5.00"));
        assert_eq!(paid_by_page(&claim), None);
    }

    #[test]
    fn the_other_policy_number_has_no_separators() {
        let mut claim = secondary(&["100.00"], &[], None);
        assert_eq!(other_policy(&claim.other_payers[0]), "1EG4TE5MK73");
        claim.other_payers[0].group_number = Some("GRP-0417 A".into());
        assert_eq!(other_policy(&claim.other_payers[0]), "GRP0417A");
    }

    #[test]
    fn the_grid_is_ten_pitch_six_lines_per_inch() {
        assert_eq!(x(11.0) - x(1.0), 72.0);
        assert_eq!(row_top(7.0) - row_top(1.0), 72.0);
        // The whole grid fits a US Letter page.
        assert!(x(81.0) < 612.0 && row_top(64.0) < 792.0);
    }
}
