//! A patient's account: payments taken from the patient (a copay at check-in, a check in
//! the mail, a card at the desk), applied to the patient balances of their claims, credit
//! left over, refunds of that credit, and the account ledger with its running balance.
//!
//! Nothing here is edited or stored as a balance. A payment is a `patient_payments` row;
//! applying it to a claim is a `payment_applications` row (`apply`) beside a `ledger` entry
//! of party `patient`, kind `patient_payment`, for minus the amount, so the claim's patient
//! balance ([`crate::claims`]' `balances`) falls; what is not applied is the patient's
//! unapplied credit. When a claim's patient balance later goes below zero (an 835 reversal
//! lowered the patient's responsibility), [`Store::apply_credit`] moves the excess back to
//! credit (`unapply` and a `patient_unapplied` ledger entry) before applying credit again.
//! A refund is a `patient_refunds` row and may take only unapplied credit.
//!
//! The kind is `patient_payment`, not the payer's `payment`: reports that sum what payers
//! paid (`Store::total_paid_cents`, the collections chart) read `kind IN ('payment',
//! 'reversal')` and must not count the patient's money as the payer's.
//!
//! A reference is a check number or the card processor's reference, never a card number:
//! anything holding a run of 13 to 19 digits that passes the Luhn check is refused. A check
//! number already recorded for another patient of the practice is refused too (a check
//! posted to the wrong account). Errors name the field, never the value.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::db::{params, Conn};
use crate::records::Address;
use crate::{date, dollars, now, Error, Store};

/// How the patient paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentMethod {
    /// Cash.
    Cash,
    /// A paper check (the reference is its number).
    Check,
    /// A card (the reference is the processor's transaction reference, never the card
    /// number).
    Card,
    /// Anything else (a money order, a transfer).
    Other,
}

impl PaymentMethod {
    /// The stored word: `cash`, `check`, `card` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::Check => "check",
            PaymentMethod::Card => "card",
            PaymentMethod::Other => "other",
        }
    }

    /// The method from its stored word; `None` for anything else.
    pub fn parse(s: &str) -> Option<PaymentMethod> {
        Some(match s {
            "cash" => PaymentMethod::Cash,
            "check" => PaymentMethod::Check,
            "card" => PaymentMethod::Card,
            "other" => PaymentMethod::Other,
            _ => return None,
        })
    }
}

/// A payment received from a patient, as the desk enters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPayment {
    /// The patient (the store's id).
    pub patient_id: i64,
    /// The day the money was received; not in the future.
    pub received_on: NaiveDate,
    /// Dollars, more than zero, at most two decimals.
    pub amount: Decimal,
    /// How it was paid.
    pub method: PaymentMethod,
    /// The check number or the card processor's reference (required for a check).
    pub reference: Option<String>,
    /// Apply it to this claim only (the rest stays credit); otherwise to the visit's
    /// claims when `visit_id` is given, else to the patient's open balances, oldest date
    /// of service first.
    pub claim_id: Option<i64>,
    /// The visit it was taken at (a copay at check-in, before the claim exists).
    pub visit_id: Option<i64>,
    /// A note for the office.
    pub note: Option<String>,
}

/// Part of a payment applied to (or, negative, taken back from) a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Application {
    /// The payment.
    pub payment_id: i64,
    /// The claim.
    pub claim_id: i64,
    /// Its patient control number.
    pub pcn: String,
    /// Its date of service.
    pub service_date: NaiveDate,
    /// Dollars applied (negative when an application was taken back to credit).
    pub amount: Decimal,
}

/// What [`Store::record_patient_payment`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentOutcome {
    /// The new payment's id.
    pub payment_id: i64,
    /// Where it went, in order.
    pub applied: Vec<Application>,
    /// What is left of it as credit.
    pub unapplied: Decimal,
}

/// What an account entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A claim line's charge.
    Charge,
    /// A payer's payment.
    PayerPayment,
    /// A payer taking back a payment (835 CLP02 = 22).
    PayerReversal,
    /// A payer's contractual adjustment (CO).
    Adjustment,
    /// Part of the charge moved to the patient's responsibility (PR: deductible,
    /// coinsurance, copay): no change to the total.
    TransferToPatient,
    /// The patient's balance billed to the secondary payer, and the secondary claim's
    /// part of it (together no change to the total).
    ToSecondary,
    /// A void or replacement claim cancelling an open balance.
    Correction,
    /// A balance written off.
    WriteOff,
    /// A payment from the patient (all of it: what was applied and what is credit).
    PatientPayment,
    /// Credit refunded to the patient.
    Refund,
}

/// One line of the account, in date order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountEntry {
    /// The date it counts from: the date of service for a charge, the day received for a
    /// patient payment, the day recorded otherwise.
    pub date: NaiveDate,
    /// What it is.
    pub kind: EntryKind,
    /// Whose balance it moves: `payer` or `patient` (none for a patient payment or
    /// refund, which move the credit and, once applied, claims' patient balances).
    pub party: Option<String>,
    /// The claim, if any.
    pub claim_id: Option<i64>,
    /// Its patient control number.
    pub pcn: Option<String>,
    /// The ledger's kind, a CAS group and reason, a payment's method, and so on.
    pub detail: String,
    /// The change to what is owed on the account (dollars; a charge is positive, a
    /// payment negative, a transfer between payer and patient zero).
    pub amount: Decimal,
    /// The total owed after this entry.
    pub balance: Decimal,
    /// The patient payment (for a payment entry) or refund id.
    pub payment_id: Option<i64>,
}

/// One claim's balances, as [`crate::claims`]' `balances` derives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimBalance {
    /// The claim.
    pub claim_id: i64,
    /// Its patient control number.
    pub pcn: String,
    /// Its date of service.
    pub service_date: NaiveDate,
    /// What the payer still owes.
    pub insurance: Decimal,
    /// What the patient still owes (negative: more was applied than is owed now).
    pub patient: Decimal,
}

/// A patient payment with where it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentRecord {
    /// Its id.
    pub id: i64,
    /// The day received.
    pub received_on: NaiveDate,
    /// Dollars.
    pub amount: Decimal,
    /// How.
    pub method: PaymentMethod,
    /// Check number or processor reference.
    pub reference: Option<String>,
    /// The visit it was taken at.
    pub visit_id: Option<i64>,
    /// Its applications (and applications taken back), in order.
    pub applied: Vec<Application>,
    /// What of it is neither applied nor refunded.
    pub unapplied: Decimal,
}

/// Who is responsible for the bill when the patient is not the insurance's subscriber (a
/// child's parent): the subscriber's name and the patient's address, for statements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Guarantor {
    /// Subscriber's last name.
    pub last_name: String,
    /// Subscriber's first name.
    pub first_name: String,
    /// The patient's address.
    pub address: Address,
}

/// A patient's account, derived from the ledger, the payments and the refunds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// The patient.
    pub patient_id: i64,
    /// The patient's account number.
    pub account: String,
    /// Every entry, in date order, with the running total.
    pub entries: Vec<AccountEntry>,
    /// Each claim's balances.
    pub claims: Vec<ClaimBalance>,
    /// The patient's payments.
    pub payments: Vec<PaymentRecord>,
    /// What the payers still owe.
    pub insurance_balance: Decimal,
    /// What the patient still owes on claims.
    pub patient_balance: Decimal,
    /// Payments neither applied nor refunded.
    pub unapplied_credit: Decimal,
    /// `insurance_balance + patient_balance - unapplied_credit`, also the last entry's
    /// running balance.
    pub total: Decimal,
    /// True when there is credit and no open patient balance to apply it to: a credit
    /// balance to refund.
    pub credit_flag: bool,
    /// The subscriber responsible, when the primary coverage's subscriber is not the
    /// patient.
    pub guarantor: Option<Guarantor>,
}

/// True when `text` holds what looks like a card number: a run of 13 to 19 digits
/// (spaces and dashes allowed between them, anything else ends the run) that passes the
/// Luhn check. A longer run is no card number.
pub fn looks_like_card_number(text: &str) -> bool {
    let mut digits: Vec<u32> = Vec::new();
    let mut runs = Vec::new();
    for ch in text.chars() {
        match ch {
            '0'..='9' => digits.push(ch as u32 - '0' as u32),
            ' ' | '-' if !digits.is_empty() => {}
            _ => runs.push(std::mem::take(&mut digits)),
        }
    }
    runs.push(digits);
    runs.iter()
        .any(|run| (13..=19).contains(&run.len()) && luhn(run))
}

fn luhn(d: &[u32]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 {
                    y - 9
                } else {
                    y
                }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Cents of a positive amount with at most two decimals, or an error naming `field`.
fn amount_cents(amount: Decimal, field: &str) -> Result<i64, Error> {
    let n = amount.normalize();
    if n.scale() > 2 {
        return Err(Error::invalid(field, "at most two decimals (cents)"));
    }
    if n <= Decimal::ZERO {
        return Err(Error::invalid(field, "must be more than zero"));
    }
    let c = n * Decimal::ONE_HUNDRED;
    i64::try_from(c)
        .ok()
        .filter(|c| *c < 1_000_000_000_000)
        .ok_or_else(|| Error::invalid(field, "too large"))
}

fn check_reference(reference: Option<&str>, field: &str) -> Result<Option<String>, Error> {
    let Some(r) = reference.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if r.chars().count() > 64 {
        return Err(Error::invalid(field, "at most 64 characters"));
    }
    if looks_like_card_number(r) {
        return Err(Error::invalid(
            field,
            "looks like a card number: record the processor's reference or the last 4 digits, never the card number",
        ));
    }
    Ok(Some(r.to_owned()))
}

/// Locks the patient's account for the transaction (a no-op update: a row lock on
/// PostgreSQL; SQLite's write transaction is already exclusive), so that two payments for
/// one patient are applied one after the other. Also checks the patient exists.
fn lock_patient(c: &mut Conn, patient_id: i64, field: &str) -> Result<String, Error> {
    let n = c.exec(
        "UPDATE patients SET id = id WHERE practice_id = $P AND id = $1",
        params![patient_id],
    )?;
    if n == 0 {
        return Err(Error::invalid(field, "no such patient"));
    }
    c.one(
        "SELECT account FROM patients WHERE practice_id = $P AND id = $1",
        params![patient_id],
    )?
    .map(|r| r.text(0))
    .ok_or_else(|| Error::invalid(field, "no such patient"))
}

/// `(claim id, pcn, service date, patient balance in cents)` of the patient's claims with
/// a patient balance above zero (only the claims of `visit`, when given), oldest date of
/// service first.
fn open_patient_balances(
    c: &mut Conn,
    patient_id: i64,
    visit: Option<i64>,
) -> Result<Vec<(i64, String, String, i64)>, Error> {
    Ok(c
        .query(
            "SELECT c.id, c.pcn, c.service_date, CAST(SUM(l.amount_cents) AS BIGINT), c.visit_id FROM claims c \
             JOIN ledger l ON l.practice_id = $P AND l.claim_id = c.id AND l.party = 'patient' \
             WHERE c.practice_id = $P AND c.patient_id = $1 GROUP BY c.id, c.pcn, c.service_date, c.visit_id \
             HAVING SUM(l.amount_cents) > 0 ORDER BY c.service_date, c.id",
            params![patient_id],
        )?
        .iter()
        .filter(|r| visit.is_none() || r.opt_int(4) == visit)
        .map(|r| (r.int(0), r.text(1), r.text(2), r.int(3)))
        .collect())
}

/// `(payment id, cents neither applied nor refunded)` of the patient's payments with
/// credit left, oldest first. Refunds are not tied to a payment: they take the newest
/// credit first.
fn credit_by_payment(c: &mut Conn, patient_id: i64) -> Result<Vec<(i64, i64)>, Error> {
    let mut open: Vec<(i64, i64)> = c
        .query(
            "SELECT p.id, p.amount_cents - COALESCE((SELECT CAST(SUM(CASE WHEN a.kind = 'apply' THEN a.amount_cents ELSE -a.amount_cents END) AS BIGINT) \
             FROM payment_applications a WHERE a.practice_id = $P AND a.payment_id = p.id), 0) \
             FROM patient_payments p WHERE p.practice_id = $P AND p.patient_id = $1 ORDER BY p.received_on, p.id",
            params![patient_id],
        )?
        .iter()
        .map(|r| (r.int(0), r.int(1)))
        .collect();
    let mut refunded = refunded_cents(c, patient_id)?;
    for (_, left) in open.iter_mut().rev() {
        let take = refunded.min(*left);
        *left -= take;
        refunded -= take;
    }
    open.retain(|(_, left)| *left > 0);
    Ok(open)
}

fn refunded_cents(c: &mut Conn, patient_id: i64) -> Result<i64, Error> {
    Ok(c
        .one(
            "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM patient_refunds WHERE practice_id = $P AND patient_id = $1",
            params![patient_id],
        )?
        .map_or(0, |r| r.int(0)))
}

/// Applies `cents` of payment `payment` to a claim: the application row and the ledger
/// entry, in the caller's transaction.
fn apply(
    c: &mut Conn,
    payment: i64,
    claim: (i64, &str, &str),
    cents: i64,
    actor: &str,
) -> Result<Application, Error> {
    let at = now();
    c.exec(
        "INSERT INTO payment_applications (practice_id, payment_id, claim_id, amount_cents, kind, at, actor) \
         VALUES ($P, $1, $2, $3, 'apply', $4, $5)",
        params![payment, claim.0, cents, at.as_str(), actor],
    )?;
    c.exec(
        "INSERT INTO ledger (practice_id, claim_id, party, kind, amount_cents, reason, at, actor) \
         VALUES ($P, $1, 'patient', 'patient_payment', $2, $3, $4, $5)",
        params![
            claim.0,
            -cents,
            format!("payment {payment}"),
            at.as_str(),
            actor
        ],
    )?;
    Ok(Application {
        payment_id: payment,
        claim_id: claim.0,
        pcn: claim.1.to_owned(),
        service_date: date(claim.2).unwrap_or_default(),
        amount: dollars(cents),
    })
}

/// Applies the patient's credit (oldest payment first) to their open patient balances
/// (oldest date of service first), in the caller's transaction.
fn apply_open_credit(
    c: &mut Conn,
    patient_id: i64,
    actor: &str,
) -> Result<Vec<Application>, Error> {
    let mut credit = credit_by_payment(c, patient_id)?;
    let mut out = Vec::new();
    let mut pay = credit.iter_mut();
    let mut current = pay.next();
    for (claim, pcn, service, mut owed) in open_patient_balances(c, patient_id, None)? {
        while owed > 0 {
            let Some((payment, left)) = current.as_mut() else {
                return Ok(out);
            };
            let take = owed.min(*left);
            out.push(apply(c, *payment, (claim, &pcn, &service), take, actor)?);
            owed -= take;
            *left -= take;
            if *left == 0 {
                current = pay.next();
            }
        }
    }
    Ok(out)
}

impl Store {
    /// Records a payment from a patient and applies it: to `claim_id` when given (up to
    /// its patient balance); else, when `visit_id` is given, to that visit's claims (a
    /// copay taken at check-in stays credit until the visit's claim has a patient balance
    /// and [`Store::apply_credit`] is called); otherwise to the patient's open patient
    /// balances, oldest date of service first. What is left is unapplied credit, never a negative balance. One
    /// transaction: a refused payment stores nothing.
    ///
    /// Refused, naming the field: `payment.amount` (not above zero, more than two
    /// decimals), `payment.received_on` (in the future), `payment.reference` (missing for
    /// a check, a card number, or a check number already recorded for another patient),
    /// `payment.patient_id`, `payment.claim_id` and `payment.visit_id` (not this
    /// patient's).
    pub fn record_patient_payment(&mut self, p: &NewPayment) -> Result<PaymentOutcome, Error> {
        let cents = amount_cents(p.amount, "payment.amount")?;
        if p.received_on > crate::today() {
            return Err(Error::invalid("payment.received_on", "is in the future"));
        }
        let reference = check_reference(p.reference.as_deref(), "payment.reference")?;
        if p.method == PaymentMethod::Check && reference.is_none() {
            return Err(Error::invalid(
                "payment.reference",
                "a check payment needs the check number",
            ));
        }
        if p.note.as_deref().is_some_and(looks_like_card_number) {
            return Err(Error::invalid("payment.note", "looks like a card number"));
        }
        let actor = self.actor.clone();
        self.tx(|c| {
            lock_patient(c, p.patient_id, "payment.patient_id")?;
            if let (PaymentMethod::Check, Some(r)) = (p.method, reference.as_deref()) {
                // Check payments of the practice queue here (a row lock on PostgreSQL), so
                // two desks cannot record one check number for two patients at once.
                c.exec("UPDATE practices SET id = id WHERE id = $P", params![])?;
                let other = c.one(
                    "SELECT id FROM patient_payments WHERE practice_id = $P AND method = 'check' AND reference = $1 AND patient_id <> $2",
                    params![r, p.patient_id],
                )?;
                if other.is_some() {
                    return Err(Error::invalid(
                        "payment.reference",
                        "this check number is already recorded for another patient",
                    ));
                }
            }
            if let Some(v) = p.visit_id {
                c.one(
                    "SELECT id FROM visits WHERE practice_id = $P AND id = $1 AND patient_id = $2",
                    params![v, p.patient_id],
                )?
                .ok_or_else(|| Error::invalid("payment.visit_id", "not a visit of this patient"))?;
            }
            let claim = match p.claim_id {
                Some(id) => Some(
                    c.one(
                        "SELECT id, pcn, service_date FROM claims WHERE practice_id = $P AND id = $1 AND patient_id = $2",
                        params![id, p.patient_id],
                    )?
                    .ok_or_else(|| Error::invalid("payment.claim_id", "not a claim of this patient"))?,
                ),
                None => None,
            };
            let id = c.insert(
                "INSERT INTO patient_payments (practice_id, patient_id, received_on, amount_cents, method, reference, visit_id, note, created_at, created_by) \
                 VALUES ($P, $1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                params![
                    p.patient_id,
                    p.received_on.to_string(),
                    cents,
                    p.method.as_str(),
                    reference,
                    p.visit_id,
                    p.note.as_deref().map(str::trim).filter(|n| !n.is_empty()),
                    now(),
                    actor.as_str()
                ],
            )?;
            let mut applied = Vec::new();
            match claim {
                Some(r) => {
                    let (_, owed) = crate::claims::balances(c, r.int(0))?;
                    let take = owed.min(cents);
                    if take > 0 {
                        applied.push(apply(c, id, (r.int(0), &r.text(1), &r.text(2)), take, &actor)?);
                    }
                }
                None => {
                    let mut left = cents;
                    for (claim, pcn, service, owed) in open_patient_balances(c, p.patient_id, p.visit_id)? {
                        if left == 0 {
                            break;
                        }
                        let take = owed.min(left);
                        applied.push(apply(c, id, (claim, &pcn, &service), take, &actor)?);
                        left -= take;
                    }
                }
            }
            let used: Decimal = applied.iter().map(|a| a.amount).sum();
            Ok(PaymentOutcome {
                payment_id: id,
                unapplied: dollars(cents) - used,
                applied,
            })
        })
    }

    /// Applies the patient's unapplied credit to their open patient balances (oldest date
    /// of service first, oldest payment first). First, where a claim's patient balance has
    /// gone below zero (an 835 lowered the patient's responsibility after a payment was
    /// applied), the excess application is taken back to credit (`unapply`). The caller
    /// decides when (after an 835 posts a patient responsibility, say). Returns the
    /// applications made, those taken back negative.
    pub fn apply_credit(&mut self, patient_id: i64) -> Result<Vec<Application>, Error> {
        let actor = self.actor.clone();
        self.tx(|c| {
            lock_patient(c, patient_id, "patient_id")?;
            let mut out = Vec::new();
            let over = c.query(
                "SELECT c.id, c.pcn, c.service_date, CAST(SUM(l.amount_cents) AS BIGINT) FROM claims c \
                 JOIN ledger l ON l.practice_id = $P AND l.claim_id = c.id AND l.party = 'patient' \
                 WHERE c.practice_id = $P AND c.patient_id = $1 GROUP BY c.id, c.pcn, c.service_date \
                 HAVING SUM(l.amount_cents) < 0 ORDER BY c.service_date, c.id",
                params![patient_id],
            )?;
            for r in over {
                let mut excess = -r.int(3);
                // Newest applications on the claim are taken back first.
                let apps = c.query(
                    "SELECT payment_id, CAST(SUM(CASE WHEN kind = 'apply' THEN amount_cents ELSE -amount_cents END) AS BIGINT) \
                     FROM payment_applications WHERE practice_id = $P AND claim_id = $1 GROUP BY payment_id ORDER BY payment_id DESC",
                    params![r.int(0)],
                )?;
                for a in apps {
                    let take = excess.min(a.int(1));
                    if take <= 0 {
                        continue;
                    }
                    let at = now();
                    c.exec(
                        "INSERT INTO payment_applications (practice_id, payment_id, claim_id, amount_cents, kind, at, actor) \
                         VALUES ($P, $1, $2, $3, 'unapply', $4, $5)",
                        params![a.int(0), r.int(0), take, at.as_str(), actor.as_str()],
                    )?;
                    c.exec(
                        "INSERT INTO ledger (practice_id, claim_id, party, kind, amount_cents, reason, at, actor) \
                         VALUES ($P, $1, 'patient', 'patient_unapplied', $2, $3, $4, $5)",
                        params![r.int(0), take, format!("payment {}", a.int(0)), at.as_str(), actor.as_str()],
                    )?;
                    out.push(Application {
                        payment_id: a.int(0),
                        claim_id: r.int(0),
                        pcn: r.text(1),
                        service_date: date(&r.text(2)).unwrap_or_default(),
                        amount: -dollars(take),
                    });
                    excess -= take;
                }
            }
            out.extend(apply_open_credit(c, patient_id, &actor)?);
            Ok(out)
        })
    }

    /// Refunds unapplied credit to the patient: a `patient_refunds` row. Refused, naming
    /// the field: `refund.amount` (not above zero, more than two decimals, more than the
    /// unapplied credit), `refund.reference` (a card number), `refund.reason` (empty).
    /// Returns the refund's id.
    pub fn refund_credit(
        &mut self,
        patient_id: i64,
        amount: Decimal,
        method: PaymentMethod,
        reference: Option<&str>,
        reason: &str,
    ) -> Result<i64, Error> {
        let cents = amount_cents(amount, "refund.amount")?;
        let reference = check_reference(reference, "refund.reference")?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::invalid(
                "refund.reason",
                "say why the credit is refunded",
            ));
        }
        if looks_like_card_number(reason) {
            return Err(Error::invalid("refund.reason", "looks like a card number"));
        }
        let actor = self.actor.clone();
        self.tx(|c| {
            lock_patient(c, patient_id, "patient_id")?;
            let credit: i64 = credit_by_payment(c, patient_id)?.iter().map(|p| p.1).sum();
            if cents > credit {
                return Err(Error::invalid(
                    "refund.amount",
                    format!("more than the unapplied credit ({})", dollars(credit)),
                ));
            }
            c.insert(
                "INSERT INTO patient_refunds (practice_id, patient_id, amount_cents, method, reference, reason, at, actor) \
                 VALUES ($P, $1, $2, $3, $4, $5, $6, $7) RETURNING id",
                params![patient_id, cents, method.as_str(), reference, reason, now(), actor.as_str()],
            )
        })
    }

    /// The patient's account: every charge, payer payment and reversal, adjustment,
    /// transfer to the patient, patient payment, refund and write-off in date order with
    /// the running total, each claim's balances, the payments with their applications, and
    /// the totals. Derived from the ledger, the payments and the refunds; nothing stored.
    pub fn patient_account(&mut self, patient_id: i64) -> Result<Account, Error> {
        let c = &mut self.conn;
        let p = c
            .one(
                "SELECT account, line1, line2, city, state, zip FROM patients WHERE practice_id = $P AND id = $1",
                params![patient_id],
            )?
            .ok_or_else(|| Error::NotFound(format!("patient {patient_id}")))?;
        let guarantor = c
            .one(
                "SELECT subscriber_last, subscriber_first FROM coverages WHERE practice_id = $P AND patient_id = $1 \
                 AND relationship <> 'self' ORDER BY rank LIMIT 1",
                params![patient_id],
            )?
            .map(|g| Guarantor {
                last_name: g.opt_text(0).unwrap_or_default(),
                first_name: g.opt_text(1).unwrap_or_default(),
                address: Address {
                    line1: p.text(1),
                    line2: p.opt_text(2),
                    city: p.text(3),
                    state: p.text(4),
                    zip: p.text(5),
                },
            });
        // (date, order, entry): charges first on a day, then the rest as recorded.
        let mut entries: Vec<(String, i64, AccountEntry)> = Vec::new();
        let rows = c.query(
            "SELECT l.id, l.claim_id, c.pcn, c.service_date, l.party, l.kind, l.amount_cents, l.group_code, l.reason, l.at \
             FROM ledger l JOIN claims c ON c.practice_id = $P AND c.id = l.claim_id \
             WHERE l.practice_id = $P AND c.patient_id = $1 ORDER BY l.id",
            params![patient_id],
        )?;
        let mut claims: Vec<ClaimBalance> = Vec::new();
        for r in &rows {
            let (party, kind, cents) = (r.text(4), r.text(5), r.int(6));
            let claim_id = r.int(1);
            let service = r.text(3);
            let b = match claims.iter_mut().find(|b| b.claim_id == claim_id) {
                Some(b) => b,
                None => {
                    claims.push(ClaimBalance {
                        claim_id,
                        pcn: r.text(2),
                        service_date: date(&service).unwrap_or_default(),
                        insurance: Decimal::ZERO,
                        patient: Decimal::ZERO,
                    });
                    claims
                        .last_mut()
                        .ok_or_else(|| Error::Db("claim balance".into()))?
                }
            };
            if party == "payer" {
                b.insurance += dollars(cents);
            } else {
                b.patient += dollars(cents);
            }
            let entry_kind = match (party.as_str(), kind.as_str()) {
                // The patient payment entry (below) already counts this money.
                (_, "patient_payment" | "patient_unapplied") => continue,
                // Shown once, on the patient's side, as a transfer.
                ("payer", "patient_responsibility") => continue,
                (_, "patient_responsibility") => EntryKind::TransferToPatient,
                (_, "charge") => EntryKind::Charge,
                (_, "payment") => EntryKind::PayerPayment,
                (_, "reversal") => EntryKind::PayerReversal,
                (_, "contractual") => EntryKind::Adjustment,
                (_, "write_off") => EntryKind::WriteOff,
                (_, "to_secondary" | "primary_adjudicated") => EntryKind::ToSecondary,
                _ => EntryKind::Correction,
            };
            let amount = if entry_kind == EntryKind::TransferToPatient {
                Decimal::ZERO
            } else {
                dollars(cents)
            };
            let mut detail = kind.clone();
            if let Some(g) = r.opt_text(7) {
                detail = format!("{detail} {g}-{}", r.opt_text(8).unwrap_or_default());
            } else if entry_kind == EntryKind::WriteOff {
                if let Some(reason) = r.opt_text(8) {
                    detail = format!("{detail}: {reason}");
                }
            }
            if entry_kind == EntryKind::TransferToPatient {
                detail = format!("{detail} {}", dollars(cents));
            }
            let day = if entry_kind == EntryKind::Charge {
                service.clone()
            } else {
                r.text(9).chars().take(10).collect()
            };
            entries.push((
                day.clone(),
                if entry_kind == EntryKind::Charge {
                    0
                } else {
                    1
                },
                AccountEntry {
                    date: date(&day).unwrap_or_default(),
                    kind: entry_kind,
                    party: Some(party),
                    claim_id: Some(claim_id),
                    pcn: Some(r.text(2)),
                    detail,
                    amount,
                    balance: Decimal::ZERO,
                    payment_id: None,
                },
            ));
        }
        claims.sort_by_key(|a| (a.service_date, a.claim_id));
        let pays = c.query(
            "SELECT id, received_on, amount_cents, method, reference, visit_id FROM patient_payments \
             WHERE practice_id = $P AND patient_id = $1 ORDER BY received_on, id",
            params![patient_id],
        )?;
        let apps = c.query(
            "SELECT a.payment_id, a.claim_id, c.pcn, c.service_date, a.amount_cents, a.kind FROM payment_applications a \
             JOIN claims c ON c.practice_id = $P AND c.id = a.claim_id \
             JOIN patient_payments p ON p.practice_id = $P AND p.id = a.payment_id \
             WHERE a.practice_id = $P AND p.patient_id = $1 ORDER BY a.id",
            params![patient_id],
        )?;
        let credit = credit_by_payment(c, patient_id)?;
        let mut payments = Vec::new();
        for r in &pays {
            let id = r.int(0);
            let applied: Vec<Application> = apps
                .iter()
                .filter(|a| a.int(0) == id)
                .map(|a| Application {
                    payment_id: id,
                    claim_id: a.int(1),
                    pcn: a.text(2),
                    service_date: date(&a.text(3)).unwrap_or_default(),
                    amount: if a.text(5) == "apply" {
                        dollars(a.int(4))
                    } else {
                        -dollars(a.int(4))
                    },
                })
                .collect();
            let method = PaymentMethod::parse(&r.text(3)).unwrap_or(PaymentMethod::Other);
            let unapplied = dollars(credit.iter().find(|x| x.0 == id).map_or(0, |x| x.1));
            let received = r.text(1);
            let net: Decimal = applied.iter().map(|a| a.amount).sum();
            entries.push((
                received.clone(),
                1,
                AccountEntry {
                    date: date(&received).unwrap_or_default(),
                    kind: EntryKind::PatientPayment,
                    party: None,
                    claim_id: None,
                    pcn: None,
                    detail: format!(
                        "{}; applied {net}, unapplied {}",
                        method.as_str(),
                        dollars(r.int(2)) - net
                    ),
                    amount: -dollars(r.int(2)),
                    balance: Decimal::ZERO,
                    payment_id: Some(id),
                },
            ));
            payments.push(PaymentRecord {
                id,
                received_on: date(&received).unwrap_or_default(),
                amount: dollars(r.int(2)),
                method,
                reference: r.opt_text(4),
                visit_id: r.opt_int(5),
                applied,
                unapplied,
            });
        }
        for r in c.query(
            "SELECT id, amount_cents, method, reason, at FROM patient_refunds WHERE practice_id = $P AND patient_id = $1 ORDER BY id",
            params![patient_id],
        )? {
            let day: String = r.text(4).chars().take(10).collect();
            entries.push((
                day.clone(),
                1,
                AccountEntry {
                    date: date(&day).unwrap_or_default(),
                    kind: EntryKind::Refund,
                    party: None,
                    claim_id: None,
                    pcn: None,
                    detail: format!("{}: {}", r.text(2), r.text(3)),
                    amount: dollars(r.int(1)),
                    balance: Decimal::ZERO,
                    payment_id: Some(r.int(0)),
                },
            ));
        }
        // A stable sort: within a day and order, entries keep the order they were read in
        // (ledger rows by id, then payments, then refunds).
        entries.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let mut running = Decimal::ZERO;
        let entries: Vec<AccountEntry> = entries
            .into_iter()
            .map(|(_, _, mut e)| {
                running += e.amount;
                e.balance = running;
                e
            })
            .collect();
        let insurance_balance: Decimal = claims.iter().map(|b| b.insurance).sum();
        let patient_balance: Decimal = claims.iter().map(|b| b.patient).sum();
        let unapplied_credit = dollars(credit.iter().map(|x| x.1).sum());
        let open = claims.iter().any(|b| b.patient > Decimal::ZERO);
        Ok(Account {
            patient_id,
            account: p.text(0),
            entries,
            claims,
            payments,
            insurance_balance,
            patient_balance,
            unapplied_credit,
            total: insurance_balance + patient_balance - unapplied_credit,
            credit_flag: unapplied_credit > Decimal::ZERO && !open,
            guarantor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_card_number as pan;

    #[test]
    fn card_numbers_are_recognised_and_references_are_not() {
        for yes in [
            "4111111111111111",
            "4111 1111 1111 1111",
            "5500-0000-0000-0004",
            "ref 378282246310005 paid",
            "x4012888888881881y",
            "6011111111111117",
        ] {
            assert!(pan(yes), "{yes}");
        }
        for no in [
            "1042",
            "4111111111111112",
            "ch_3PXa9Q2eZvKYlo2C",
            "411111111111",
            "41111111111111111111",
            "last4 1111",
            "",
        ] {
            assert!(!pan(no), "{no}");
        }
    }
}
