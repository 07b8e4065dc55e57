//! Patient statements: what each patient owes, sent on a statement run, and recorded as
//! sent.
//!
//! [`Store::statement_run`] takes every patient of the practice whose patient balance less
//! unapplied credit (as [`Store::patient_account`] derives them) is above the run's minimum
//! and who had no statement in the last `min_days_since_last` days (a statement exactly
//! that many days before counts as in them), and records one
//! statement for each, one transaction per patient: a `statements` row with the totals as
//! printed and a `statement_lines` row per claim with a patient balance. Both tables are
//! append-only; a statement is what the patient was sent.
//!
//! "Since the last statement" means after the last statement's date (everything, for a
//! first statement): charges by date of service, patient payments by the day received,
//! payer payments and adjustments by the day recorded. The dunning level is 1 for a first
//! statement; it is the previous level plus one (at most 3, the final notice) when the
//! patient paid nothing since the previous statement, which owed something, and 1 again
//! otherwise.
//!
//! [`Store::statement_document`] gathers what a printed statement shows as plain values,
//! for the CLI and the server to render with `otbill-forms`.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::{params, Conn};
use crate::records::Address;
use crate::{cents, date, dollars, now, Error, Store};

/// What a statement run does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRun {
    /// The statement date.
    pub date: NaiveDate,
    /// A patient gets a statement only when they owe more than this (dollars).
    pub min_balance: Decimal,
    /// ... and had no statement in this many days before `date`.
    pub min_days_since_last: u32,
    /// The due date is this many days after `date`.
    pub due_in_days: u32,
}

/// One statement a run made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementDone {
    /// The statement.
    pub id: i64,
    /// Its patient.
    pub patient_id: i64,
    /// Dollars due.
    pub amount_due: Decimal,
    /// 1, 2 (second notice) or 3 (final notice).
    pub dunning_level: u8,
}

/// One claim as a statement listed it (dollars; paid amounts positive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementLine {
    /// The claim.
    pub claim_id: i64,
    /// Its date of service.
    pub service_date: NaiveDate,
    /// What was charged.
    pub charge: Decimal,
    /// What the payers paid (net of reversals).
    pub insurance_paid: Decimal,
    /// Contractual adjustments, write-offs and corrections.
    pub adjustments: Decimal,
    /// What the patient paid on it.
    pub patient_paid: Decimal,
    /// What the patient still owes on it.
    pub patient_owes: Decimal,
}

/// A statement as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementRecord {
    /// The statement.
    pub id: i64,
    /// Its patient.
    pub patient_id: i64,
    /// The statement date.
    pub statement_date: NaiveDate,
    /// Pay by.
    pub due_date: NaiveDate,
    /// The previous statement's amount due (0 for a first statement).
    pub previous_balance: Decimal,
    /// Charges for services since the previous statement.
    pub new_charges: Decimal,
    /// Patient payments received since the previous statement.
    pub payments: Decimal,
    /// Payer payments and adjustments recorded since the previous statement.
    pub insurance: Decimal,
    /// Patient balance less unapplied credit on the statement date.
    pub amount_due: Decimal,
    /// 1, 2 (second notice) or 3 (final notice).
    pub dunning_level: u8,
    /// When it was made.
    pub created_at: String,
    /// Who made it.
    pub created_by: String,
    /// The claims it listed, oldest date of service first.
    pub lines: Vec<StatementLine>,
}

/// Everything a printed statement shows, as plain values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementDoc {
    /// The practice's name.
    pub practice_name: String,
    /// The practice's address.
    pub practice_address: Option<Address>,
    /// Who the statement is addressed to: the guarantor, else the patient ("First Last").
    pub recipient_name: String,
    /// Their address.
    pub recipient_address: Address,
    /// The patient's name, when the recipient is a guarantor.
    pub patient_name: String,
    /// The patient's account number.
    pub account: String,
    /// The statement as recorded.
    pub statement: StatementRecord,
}

/// Sums of a claim's ledger, in cents: (charge, insurance paid, adjustments, patient
/// paid, patient owes).
fn claim_sums(c: &mut Conn, claim_id: i64) -> Result<(i64, i64, i64, i64, i64), Error> {
    let rows = c.query(
        "SELECT party, kind, CAST(SUM(amount_cents) AS BIGINT) FROM ledger WHERE practice_id = $P AND claim_id = $1 GROUP BY party, kind",
        params![claim_id],
    )?;
    let (mut charge, mut ins, mut adj, mut paid, mut owes) = (0, 0, 0, 0, 0);
    for r in &rows {
        let (party, kind, n) = (r.text(0), r.text(1), r.int(2));
        if party == "patient" {
            owes += n;
        }
        match kind.as_str() {
            "charge" => charge += n,
            "payment" | "reversal" => ins -= n,
            "patient_payment" | "patient_unapplied" => paid -= n,
            "patient_responsibility" | "to_secondary" | "primary_adjudicated" => {}
            _ => adj -= n,
        }
    }
    Ok((charge, ins, adj, paid, owes))
}

fn read_statement(c: &mut Conn, id: i64) -> Result<StatementRecord, Error> {
    let r = c
        .one(
            "SELECT id, patient_id, statement_date, due_date, previous_balance_cents, new_charges_cents, payments_cents, \
             insurance_cents, amount_due_cents, dunning_level, created_at, created_by FROM statements \
             WHERE practice_id = $P AND id = $1",
            params![id],
        )?
        .ok_or_else(|| Error::NotFound(format!("statement {id}")))?;
    let lines = c
        .query(
            "SELECT claim_id, service_date, charge_cents, insurance_cents, adjustments_cents, patient_paid_cents, patient_owes_cents \
             FROM statement_lines WHERE practice_id = $P AND statement_id = $1 ORDER BY id",
            params![id],
        )?
        .iter()
        .map(|l| StatementLine {
            claim_id: l.int(0),
            service_date: date(&l.text(1)).unwrap_or_default(),
            charge: dollars(l.int(2)),
            insurance_paid: dollars(l.int(3)),
            adjustments: dollars(l.int(4)),
            patient_paid: dollars(l.int(5)),
            patient_owes: dollars(l.int(6)),
        })
        .collect();
    Ok(StatementRecord {
        id: r.int(0),
        patient_id: r.int(1),
        statement_date: date(&r.text(2)).unwrap_or_default(),
        due_date: date(&r.text(3)).unwrap_or_default(),
        previous_balance: dollars(r.int(4)),
        new_charges: dollars(r.int(5)),
        payments: dollars(r.int(6)),
        insurance: dollars(r.int(7)),
        amount_due: dollars(r.int(8)),
        dunning_level: u8::try_from(r.int(9)).unwrap_or(1),
        created_at: r.text(10),
        created_by: r.text(11),
        lines,
    })
}

impl Store {
    /// Makes the statements of a run (see the module documentation): one per patient over
    /// the minimum with no statement in the last `min_days_since_last` days, each in its
    /// own transaction. Returns what it made, by patient id.
    pub fn statement_run(&mut self, run: &StatementRun) -> Result<Vec<StatementDone>, Error> {
        if run.min_balance < Decimal::ZERO {
            return Err(Error::invalid("run.min_balance", "must not be negative"));
        }
        let due = run
            .date
            .checked_add_days(Days::new(u64::from(run.due_in_days)))
            .ok_or_else(|| Error::invalid("run.due_in_days", "too large"))?;
        let recent = run
            .date
            .checked_sub_days(Days::new(u64::from(run.min_days_since_last)))
            .ok_or_else(|| Error::invalid("run.min_days_since_last", "too large"))?;
        let patients: Vec<i64> = self
            .conn
            .query(
                "SELECT id FROM patients WHERE practice_id = $P ORDER BY id",
                params![],
            )?
            .iter()
            .map(|r| r.int(0))
            .collect();
        let mut done = Vec::new();
        for patient in patients {
            if let Some(d) = self.atomically(|s| s.statement_for(patient, run, recent, due))? {
                done.push(d);
            }
        }
        Ok(done)
    }

    /// One patient's statement of a run, inside its transaction; `None` when they get none.
    fn statement_for(
        &mut self,
        patient: i64,
        run: &StatementRun,
        recent: NaiveDate,
        due: NaiveDate,
    ) -> Result<Option<StatementDone>, Error> {
        // Serializes runs and payments for this patient (a row lock on PostgreSQL).
        self.conn.exec(
            "UPDATE patients SET id = id WHERE practice_id = $P AND id = $1",
            params![patient],
        )?;
        let last = self.conn.one(
            "SELECT statement_date, amount_due_cents, dunning_level FROM statements \
             WHERE practice_id = $P AND patient_id = $1 ORDER BY statement_date DESC, id DESC LIMIT 1",
            params![patient],
        )?;
        let last = last.map(|r| (r.text(0), r.int(1), r.int(2)));
        if let Some((d, _, _)) = &last {
            if date(d).is_some_and(|d| d >= recent) {
                return Ok(None);
            }
        }
        let account = self.patient_account(patient)?;
        let due_now = account.patient_balance - account.unapplied_credit;
        if due_now <= run.min_balance {
            return Ok(None);
        }
        let since = last.as_ref().map(|l| l.0.clone());
        let after = since.clone().unwrap_or_default();
        let day = run.date.to_string();
        let c = &mut self.conn;
        let payments = c
            .one(
                "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM patient_payments \
                 WHERE practice_id = $P AND patient_id = $1 AND received_on > $2 AND received_on <= $3",
                params![patient, after.as_str(), day.as_str()],
            )?
            .map_or(0, |r| r.int(0));
        let new_charges = c
            .one(
                "SELECT CAST(COALESCE(SUM(l.amount_cents), 0) AS BIGINT) FROM ledger l \
                 JOIN claims c ON c.practice_id = $P AND c.id = l.claim_id \
                 WHERE l.practice_id = $P AND c.patient_id = $1 AND l.kind = 'charge' \
                 AND c.service_date > $2 AND c.service_date <= $3",
                params![patient, after.as_str(), day.as_str()],
            )?
            .map_or(0, |r| r.int(0));
        // Payer payments and adjustments: the payer side's decreases other than the
        // transfers to the patient and to the secondary payer.
        let insurance = c
            .one(
                "SELECT CAST(COALESCE(SUM(l.amount_cents), 0) AS BIGINT) FROM ledger l \
                 JOIN claims c ON c.practice_id = $P AND c.id = l.claim_id \
                 WHERE l.practice_id = $P AND c.patient_id = $1 AND l.party = 'payer' \
                 AND l.kind NOT IN ('charge', 'patient_responsibility', 'to_secondary', 'primary_adjudicated') \
                 AND SUBSTR(l.at, 1, 10) > $2 AND SUBSTR(l.at, 1, 10) <= $3",
                params![patient, after.as_str(), day.as_str()],
            )?
            .map_or(0, |r| -r.int(0));
        let (previous, level) = match &last {
            None => (0, 1),
            Some((_, prev_due, prev_level)) if payments == 0 && *prev_due > 0 => {
                (*prev_due, (prev_level + 1).min(3))
            }
            Some((_, prev_due, _)) => (*prev_due, 1),
        };
        let amount_due = cents(due_now);
        let at = now();
        let actor = self.actor.clone();
        let c = &mut self.conn;
        c.exec(
            "INSERT INTO statements (practice_id, patient_id, statement_date, due_date, previous_balance_cents, \
             new_charges_cents, payments_cents, insurance_cents, amount_due_cents, dunning_level, created_at, created_by) \
             VALUES ($P, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            params![
                patient,
                day.as_str(),
                due.to_string(),
                previous,
                new_charges,
                payments,
                insurance,
                amount_due,
                level,
                at.as_str(),
                actor.as_str()
            ],
        )?;
        let id = c
            .one(
                "SELECT MAX(id) FROM statements WHERE practice_id = $P AND patient_id = $1",
                params![patient],
            )?
            .map(|r| r.int(0))
            .ok_or_else(|| Error::Db("statement id".into()))?;
        for b in account.claims.iter().filter(|b| b.patient > Decimal::ZERO) {
            let (charge, ins, adj, paid, owes) = claim_sums(c, b.claim_id)?;
            c.exec(
                "INSERT INTO statement_lines (practice_id, statement_id, claim_id, service_date, charge_cents, \
                 insurance_cents, adjustments_cents, patient_paid_cents, patient_owes_cents) \
                 VALUES ($P, $1, $2, $3, $4, $5, $6, $7, $8)",
                params![
                    id,
                    b.claim_id,
                    b.service_date.to_string(),
                    charge,
                    ins,
                    adj,
                    paid,
                    owes
                ],
            )?;
        }
        Ok(Some(StatementDone {
            id,
            patient_id: patient,
            amount_due: dollars(amount_due),
            dunning_level: u8::try_from(level).unwrap_or(1),
        }))
    }

    /// The patient's statements, oldest first, with their lines.
    pub fn statements_of(&mut self, patient_id: i64) -> Result<Vec<StatementRecord>, Error> {
        let ids: Vec<i64> = self
            .conn
            .query(
                "SELECT id FROM statements WHERE practice_id = $P AND patient_id = $1 ORDER BY statement_date, id",
                params![patient_id],
            )?
            .iter()
            .map(|r| r.int(0))
            .collect();
        ids.into_iter()
            .map(|id| read_statement(&mut self.conn, id))
            .collect()
    }

    /// One statement with its lines.
    pub fn statement(&mut self, id: i64) -> Result<StatementRecord, Error> {
        read_statement(&mut self.conn, id)
    }

    /// What the printed statement `id` shows: the practice, the recipient (the
    /// guarantor, else the patient), the account and the statement as recorded.
    pub fn statement_document(&mut self, id: i64) -> Result<StatementDoc, Error> {
        let statement = read_statement(&mut self.conn, id)?;
        let practice = self.practice()?;
        let p = self
            .conn
            .one(
                "SELECT first_name, last_name, account FROM patients WHERE practice_id = $P AND id = $1",
                params![statement.patient_id],
            )?
            .ok_or_else(|| Error::NotFound(format!("patient {}", statement.patient_id)))?;
        let patient_name = format!("{} {}", p.text(0), p.text(1));
        let account = self.patient_account(statement.patient_id)?;
        let address = self
            .conn
            .one(
                "SELECT line1, line2, city, state, zip FROM patients WHERE practice_id = $P AND id = $1",
                params![statement.patient_id],
            )?
            .map(|r| Address {
                line1: r.text(0),
                line2: r.opt_text(1),
                city: r.text(2),
                state: r.text(3),
                zip: r.text(4),
            })
            .ok_or_else(|| Error::NotFound(format!("patient {}", statement.patient_id)))?;
        let (recipient_name, recipient_address) = match account.guarantor {
            Some(g) => (format!("{} {}", g.first_name, g.last_name), g.address),
            None => (patient_name.clone(), address),
        };
        Ok(StatementDoc {
            practice_name: practice
                .as_ref()
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            practice_address: practice.map(|p| p.address),
            recipient_name,
            recipient_address,
            patient_name,
            account: p.text(2),
            statement,
        })
    }
}
