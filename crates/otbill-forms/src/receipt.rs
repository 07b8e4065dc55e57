//! The receipt for a payment a patient made, as PDF: the practice, the patient and their
//! account, the day, amount, method and reference of the payment, what it was applied to
//! (each claim's patient control number, date of service and amount) and the unapplied
//! credit left.
//!
//! A card payment's reference prints masked to its last 4 characters (`****1234`): a
//! receipt is handed over and mailed, and even a processor's reference is not for others
//! to read in full. Values in, bytes out, as the other forms: the caller (the ledger)
//! passes the payment as a [`Receipt`].

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::pdf::{Doc, Font, BLACK, PAGE_HEIGHT, PAGE_WIDTH};

/// Part of the payment applied to one claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLine {
    /// The claim's patient control number.
    pub pcn: String,
    /// Its date of service.
    pub service_date: NaiveDate,
    /// Dollars applied.
    pub amount: Decimal,
}

/// Everything the receipt shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The practice's name.
    pub practice_name: String,
    /// Its address lines.
    pub practice_address: Vec<String>,
    /// The patient's name as printed.
    pub patient_name: String,
    /// The patient's account number.
    pub account: String,
    /// The receipt's number (the payment's id).
    pub number: i64,
    /// The day the payment was received.
    pub received_on: NaiveDate,
    /// Dollars received.
    pub amount: Decimal,
    /// `cash`, `check`, `card` or `other`.
    pub method: String,
    /// The check number or processor reference.
    pub reference: Option<String>,
    /// Where it went.
    pub applied: Vec<ReceiptLine>,
    /// What is left as credit on the account.
    pub unapplied: Decimal,
}

const MARGIN: f32 = 60.0;
const SIZE: f32 = 11.0;
const LEAD: f32 = 16.0;

/// A reference as the receipt prints it: a card's masked to its last 4 characters.
pub fn printed_reference(method: &str, reference: &str) -> String {
    if method != "card" {
        return reference.to_owned();
    }
    let chars: Vec<char> = reference.chars().filter(|c| !c.is_whitespace()).collect();
    let last: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("****{last}")
}

fn money(d: Decimal) -> String {
    format!("${:.2}", d.round_dp(2))
}

fn method_word(m: &str) -> &str {
    match m {
        "cash" => "Cash",
        "check" => "Check",
        "card" => "Card",
        _ => "Other",
    }
}

/// Draws the receipt: one page (more when it was applied to many claims).
pub fn render_receipt(r: &Receipt) -> Vec<u8> {
    let mut doc = Doc::default();
    let mut y = 72.0;
    doc.text(MARGIN, y, Font::Bold, 14.0, BLACK, &r.practice_name);
    y += LEAD + 2.0;
    for line in &r.practice_address {
        doc.text(MARGIN, y, Font::Regular, SIZE, BLACK, line);
        y += LEAD;
    }
    y += LEAD;
    doc.text_centre(
        PAGE_WIDTH / 2.0,
        y,
        Font::Bold,
        16.0,
        BLACK,
        "PAYMENT RECEIPT",
    );
    y += 2.0 * LEAD;
    let reference = r
        .reference
        .as_deref()
        .map(|x| printed_reference(&r.method, x))
        .unwrap_or_else(|| "-".into());
    let facts = [
        ("Receipt number:", r.number.to_string()),
        ("Patient:", r.patient_name.clone()),
        ("Account:", r.account.clone()),
        (
            "Payment date:",
            r.received_on.format("%m/%d/%Y").to_string(),
        ),
        ("Amount received:", money(r.amount)),
        ("Method:", method_word(&r.method).to_owned()),
        ("Reference:", reference),
    ];
    for (label, value) in &facts {
        doc.text(MARGIN, y, Font::Bold, SIZE, BLACK, label);
        doc.text(MARGIN + 130.0, y, Font::Regular, SIZE, BLACK, value);
        y += LEAD;
    }
    y += LEAD;
    doc.text(MARGIN, y, Font::Bold, SIZE, BLACK, "Applied to");
    y += LEAD;
    let right = PAGE_WIDTH - MARGIN;
    let header = |doc: &mut Doc, y: f32| {
        doc.text(MARGIN, y, Font::Bold, SIZE, BLACK, "Claim");
        doc.text(
            MARGIN + 170.0,
            y,
            Font::Bold,
            SIZE,
            BLACK,
            "Date of service",
        );
        doc.text_right(right, y, Font::Bold, SIZE, BLACK, "Amount");
        doc.line((MARGIN, y + 4.0), (right, y + 4.0), 0.5, BLACK);
    };
    header(&mut doc, y);
    y += LEAD + 2.0;
    if r.applied.is_empty() {
        doc.text(
            MARGIN,
            y,
            Font::Regular,
            SIZE,
            BLACK,
            "Nothing yet: held as credit on the account.",
        );
        y += LEAD;
    }
    for line in &r.applied {
        if y > PAGE_HEIGHT - 120.0 {
            doc.new_page();
            y = 72.0;
            header(&mut doc, y);
            y += LEAD + 2.0;
        }
        doc.text(MARGIN, y, Font::Mono, SIZE, BLACK, &line.pcn);
        doc.text(
            MARGIN + 170.0,
            y,
            Font::Regular,
            SIZE,
            BLACK,
            &line.service_date.format("%m/%d/%Y").to_string(),
        );
        doc.text_right(right, y, Font::Regular, SIZE, BLACK, &money(line.amount));
        y += LEAD;
    }
    let applied: Decimal = r.applied.iter().map(|l| l.amount).sum();
    doc.line((MARGIN, y - 10.0), (right, y - 10.0), 0.5, BLACK);
    y += 4.0;
    doc.text(MARGIN, y, Font::Bold, SIZE, BLACK, "Total applied");
    doc.text_right(right, y, Font::Bold, SIZE, BLACK, &money(applied));
    y += LEAD;
    doc.text(MARGIN, y, Font::Bold, SIZE, BLACK, "Unapplied credit");
    doc.text_right(right, y, Font::Bold, SIZE, BLACK, &money(r.unapplied));
    y += 2.0 * LEAD;
    doc.text(
        MARGIN,
        y,
        Font::Regular,
        9.0,
        BLACK,
        "Thank you. Keep this receipt for your records.",
    );
    doc.finish("Payment receipt")
}
