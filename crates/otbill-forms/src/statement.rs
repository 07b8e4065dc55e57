//! The patient statement, as PDF: the practice, who the bill is addressed to (the
//! guarantor, or the patient), the statement date and account, each claim with a patient
//! balance (date of service, charge, insurance paid, adjustments, patient paid, patient
//! owes), the previous balance, payments since the last statement, the amount due and the
//! due date, a second or final notice when the dunning level says so, and a tear-off slip
//! at the foot of the last page (account, amount due, an "amount enclosed" box).
//!
//! Values in, bytes out: the caller (the ledger's statement document) passes a
//! [`Statement`]. [`render_statements`] puts a batch in one file, each statement starting
//! on a new page.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::pdf::{Doc, Font, BLACK, PAGE_HEIGHT, PAGE_WIDTH};

/// One claim on the statement (dollars; paid amounts positive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    /// Date of service.
    pub service_date: NaiveDate,
    /// What was charged.
    pub charge: Decimal,
    /// What insurance paid.
    pub insurance_paid: Decimal,
    /// Adjustments and write-offs.
    pub adjustments: Decimal,
    /// What the patient paid on it.
    pub patient_paid: Decimal,
    /// What the patient owes on it.
    pub patient_owes: Decimal,
}

/// Everything the statement shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// The practice's name.
    pub practice_name: String,
    /// Its address lines.
    pub practice_address: Vec<String>,
    /// Who the statement is addressed to (the guarantor, or the patient).
    pub recipient_name: String,
    /// Their address lines.
    pub recipient_address: Vec<String>,
    /// The patient's name, printed when the recipient is someone else.
    pub patient_name: Option<String>,
    /// The patient's account number.
    pub account: String,
    /// The statement's number.
    pub number: i64,
    /// The statement date.
    pub statement_date: NaiveDate,
    /// Pay by.
    pub due_date: NaiveDate,
    /// The previous statement's amount due.
    pub previous_balance: Decimal,
    /// Patient payments since the last statement.
    pub payments: Decimal,
    /// Charges since the last statement.
    pub new_charges: Decimal,
    /// Insurance payments and adjustments since the last statement.
    pub insurance: Decimal,
    /// The amount due.
    pub amount_due: Decimal,
    /// 1, 2 (second notice) or 3 (final notice).
    pub dunning_level: u8,
    /// The claims with a patient balance.
    pub lines: Vec<StatementLine>,
}

const MARGIN: f32 = 50.0;
const SIZE: f32 = 10.0;
const LEAD: f32 = 14.0;
/// Where the tear-off slip starts.
const SLIP_TOP: f32 = PAGE_HEIGHT - 160.0;

/// Dollars as printed: `$1,234.50`, negative `-$3.00`.
pub fn money(d: Decimal) -> String {
    let d = d.round_dp(2);
    let s = format!("{:.2}", d.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if d.is_sign_negative() && !d.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}${grouped}.{frac}")
}

/// The notice printed for a dunning level, if any.
pub fn dunning_text(level: u8) -> Option<&'static str> {
    match level {
        2 => Some("SECOND NOTICE: this balance is past due. Please pay by the due date."),
        l if l >= 3 => Some(
            "FINAL NOTICE: this balance is seriously past due. Please pay now or call us to arrange payment.",
        ),
        _ => None,
    }
}

fn date(d: NaiveDate) -> String {
    d.format("%m/%d/%Y").to_string()
}

/// Column right edges of the table: charge, insurance paid, adjustments, patient paid,
/// patient owes.
const COLUMNS: [f32; 5] = [230.0, 310.0, 390.0, 470.0, PAGE_WIDTH - MARGIN];

fn table_header(doc: &mut Doc, y: f32) {
    doc.text(MARGIN, y, Font::Bold, SIZE, BLACK, "Date of service");
    for (x, h) in COLUMNS.iter().zip([
        "Charge",
        "Insurance paid",
        "Adjustments",
        "Patient paid",
        "Patient owes",
    ]) {
        doc.text_right(*x, y, Font::Bold, SIZE, BLACK, h);
    }
    doc.line(
        (MARGIN, y + 4.0),
        (PAGE_WIDTH - MARGIN, y + 4.0),
        0.5,
        BLACK,
    );
}

fn draw(doc: &mut Doc, s: &Statement) {
    let right = PAGE_WIDTH - MARGIN;
    let mut y = 60.0;
    doc.text(MARGIN, y, Font::Bold, 14.0, BLACK, &s.practice_name);
    for line in &s.practice_address {
        y += LEAD;
        doc.text(MARGIN, y, Font::Regular, SIZE, BLACK, line);
    }
    doc.text_right(right, 60.0, Font::Bold, 16.0, BLACK, "STATEMENT");
    let facts = [
        ("Statement date:", date(s.statement_date)),
        ("Account:", s.account.clone()),
        ("Statement no.:", s.number.to_string()),
        ("Due date:", date(s.due_date)),
    ];
    let mut fy = 60.0 + LEAD + 4.0;
    for (label, value) in &facts {
        doc.text(right - 190.0, fy, Font::Bold, SIZE, BLACK, label);
        doc.text_right(right, fy, Font::Regular, SIZE, BLACK, value);
        fy += LEAD;
    }
    y = y.max(fy) + 2.0 * LEAD;
    doc.text(MARGIN, y, Font::Bold, 11.0, BLACK, &s.recipient_name);
    for line in &s.recipient_address {
        y += LEAD;
        doc.text(MARGIN, y, Font::Regular, 11.0, BLACK, line);
    }
    if let Some(p) = &s.patient_name {
        y += LEAD + 4.0;
        doc.text(
            MARGIN,
            y,
            Font::Regular,
            SIZE,
            BLACK,
            &format!("Patient: {p}"),
        );
    }
    y += 2.0 * LEAD;
    if let Some(text) = dunning_text(s.dunning_level) {
        doc.fill(
            MARGIN - 4.0,
            y - 12.0,
            right - MARGIN + 8.0,
            18.0,
            crate::pdf::Rgb(0.9, 0.9, 0.9),
        );
        doc.text(MARGIN, y, Font::Bold, 11.0, BLACK, text);
        y += 2.0 * LEAD;
    }
    table_header(doc, y);
    y += LEAD + 4.0;
    // What must fit under the table on the last page: the totals and the slip.
    let last_page_limit = SLIP_TOP - 6.0 * LEAD - 20.0;
    for (i, l) in s.lines.iter().enumerate() {
        let more_follow = i + 1 < s.lines.len();
        if y > SLIP_TOP - 20.0 || (y > last_page_limit && !more_follow) {
            doc.text(
                MARGIN,
                y,
                Font::Regular,
                9.0,
                BLACK,
                "Continued on the next page.",
            );
            doc.new_page();
            y = 60.0;
            doc.text(
                MARGIN,
                y,
                Font::Bold,
                SIZE,
                BLACK,
                &format!("{} - account {} (continued)", s.practice_name, s.account),
            );
            y += 2.0 * LEAD;
            table_header(doc, y);
            y += LEAD + 4.0;
        }
        doc.text(MARGIN, y, Font::Regular, SIZE, BLACK, &date(l.service_date));
        for (x, v) in COLUMNS.iter().zip([
            l.charge,
            l.insurance_paid,
            l.adjustments,
            l.patient_paid,
            l.patient_owes,
        ]) {
            doc.text_right(*x, y, Font::Regular, SIZE, BLACK, &money(v));
        }
        y += LEAD;
    }
    if y > last_page_limit {
        doc.new_page();
        y = 60.0;
    }
    doc.line((MARGIN, y - 8.0), (right, y - 8.0), 0.5, BLACK);
    y += 6.0;
    let totals = [
        ("Previous balance", money(s.previous_balance)),
        ("New charges", money(s.new_charges)),
        (
            "Insurance payments and adjustments since then",
            money(s.insurance),
        ),
        ("Payments since the last statement", money(s.payments)),
    ];
    for (label, value) in &totals {
        doc.text(MARGIN + 180.0, y, Font::Regular, SIZE, BLACK, label);
        doc.text_right(right, y, Font::Regular, SIZE, BLACK, value);
        y += LEAD;
    }
    y += 4.0;
    doc.text(MARGIN + 180.0, y, Font::Bold, 12.0, BLACK, "Amount due");
    doc.text_right(right, y, Font::Bold, 12.0, BLACK, &money(s.amount_due));
    y += LEAD + 2.0;
    doc.text(
        MARGIN + 180.0,
        y,
        Font::Regular,
        SIZE,
        BLACK,
        &format!("Please pay by {}", date(s.due_date)),
    );
    slip(doc, s);
}

fn slip(doc: &mut Doc, s: &Statement) {
    let right = PAGE_WIDTH - MARGIN;
    let mut x = MARGIN;
    while x < right {
        doc.line((x, SLIP_TOP), ((x + 6.0).min(right), SLIP_TOP), 0.5, BLACK);
        x += 10.0;
    }
    doc.text_centre(
        PAGE_WIDTH / 2.0,
        SLIP_TOP + 12.0,
        Font::Regular,
        8.0,
        BLACK,
        "Please detach and return this portion with your payment.",
    );
    let mut y = SLIP_TOP + 34.0;
    doc.text(MARGIN, y, Font::Bold, SIZE, BLACK, &s.practice_name);
    let rows = [
        ("Account:", s.account.clone()),
        ("Statement date:", date(s.statement_date)),
        ("Due date:", date(s.due_date)),
        ("Amount due:", money(s.amount_due)),
    ];
    let left = right - 230.0;
    for (label, value) in &rows {
        doc.text(left, y, Font::Bold, SIZE, BLACK, label);
        doc.text_right(right, y, Font::Regular, SIZE, BLACK, value);
        y += LEAD;
    }
    y += 6.0;
    doc.text(left, y + 12.0, Font::Bold, SIZE, BLACK, "Amount enclosed:");
    doc.rect(right - 110.0, y, 110.0, 20.0, 1.0, BLACK);
    doc.text(right - 106.0, y + 14.0, Font::Regular, SIZE, BLACK, "$");
    let mut ny = SLIP_TOP + 34.0 + LEAD;
    doc.text(MARGIN, ny, Font::Regular, SIZE, BLACK, &s.recipient_name);
    for line in &s.recipient_address {
        ny += LEAD;
        doc.text(MARGIN, ny, Font::Regular, SIZE, BLACK, line);
    }
}

/// Draws one statement: one page, more when it lists many claims.
pub fn render_statement(s: &Statement) -> Vec<u8> {
    render_statements(std::slice::from_ref(s))
}

/// Draws a batch of statements into one file, each starting on a new page.
pub fn render_statements(all: &[Statement]) -> Vec<u8> {
    let mut doc = Doc::default();
    for (i, s) in all.iter().enumerate() {
        if i > 0 {
            doc.new_page();
        }
        draw(&mut doc, s);
    }
    doc.finish("Statement")
}

#[cfg(test)]
mod tests {
    use super::{dunning_text, money};
    use rust_decimal::Decimal;

    #[test]
    fn money_is_grouped_and_negative_money_is_minus_dollars() {
        let m = |s: &str| money(s.parse::<Decimal>().unwrap());
        assert_eq!(m("0"), "$0.00");
        assert_eq!(m("-0.00"), "$0.00");
        assert_eq!(m("5"), "$5.00");
        assert_eq!(m("999.995"), "$1,000.00");
        assert_eq!(m("1234567.5"), "$1,234,567.50");
        assert_eq!(m("-3"), "-$3.00");
        assert_eq!(m("-1059.74"), "-$1,059.74");
    }

    #[test]
    fn only_levels_two_and_three_carry_a_notice() {
        assert_eq!(dunning_text(1), None);
        assert!(dunning_text(2).unwrap().starts_with("SECOND NOTICE"));
        assert!(dunning_text(3).unwrap().starts_with("FINAL NOTICE"));
    }
}
