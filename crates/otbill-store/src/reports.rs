//! The reports a practice lives by, computed from the ledger: accounts receivable by age
//! and payer, denials by CARC, each Medicare patient's KX threshold use for the year, and
//! plans of care and progress reports coming due. Patients appear by account number only.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::params;
use crate::post::CONTRACTUAL_CARCS;
use crate::{date, dollars, Error, Store};

/// Age buckets in days since the date of service.
pub const BUCKETS: [&str; 5] = ["0-30", "31-60", "61-90", "91-120", "120+"];

/// One A/R row: who owes (a payer id, or `PATIENT`) and how much per age bucket.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ArRow {
    /// Payer id or `PATIENT`.
    pub owed_by: String,
    /// Amounts per [`BUCKETS`].
    pub buckets: [Decimal; 5],
    /// Total.
    pub total: Decimal,
    /// Open claims.
    pub claims: usize,
}

/// One denial row.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DenialRow {
    /// Group code (CO, OA, PI).
    pub group: String,
    /// CARC.
    pub carc: String,
    /// Claims with it.
    pub claims: i64,
    /// Amount.
    pub amount: Decimal,
}

/// One patient's KX use.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KxRow {
    /// Account number.
    pub account: String,
    /// Allowed amounts billed this year (OT).
    pub allowed: Decimal,
    /// The year's OT threshold.
    pub threshold: Decimal,
    /// Percent of the threshold used.
    pub percent: Decimal,
}

/// A plan of care or progress report coming due.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DueRow {
    /// Account number.
    pub account: String,
    /// Plan id.
    pub plan_id: i64,
    /// `recertification` or `progress_report`.
    pub what: String,
    /// Certification end (recertification), or the visit count since the last report.
    pub detail: String,
    /// Days left before the certification ends (negative: overdue), for recertifications.
    pub days_left: Option<i64>,
}

impl Store {
    /// Accounts receivable on `as_of` by who owes and age.
    pub fn report_ar(&mut self, as_of: NaiveDate) -> Result<Vec<ArRow>, Error> {
        let rows = self.conn.query(
            "SELECT c.id, p.payer_id, c.service_date, l.party, CAST(SUM(l.amount_cents) AS BIGINT) \
             FROM ledger l JOIN claims c ON c.id = l.claim_id JOIN payers p ON p.id = c.payer_id \
             WHERE l.practice_id = $P GROUP BY c.id, p.payer_id, c.service_date, l.party HAVING SUM(l.amount_cents) <> 0 ORDER BY p.payer_id",
            params![],
        )?;
        let mut out: Vec<ArRow> = Vec::new();
        for r in rows {
            let who = if r.text(3) == "patient" {
                "PATIENT".to_owned()
            } else {
                r.text(1)
            };
            let age = date(&r.text(2)).map_or(0, |d| (as_of - d).num_days());
            let b = match age {
                ..=30 => 0,
                31..=60 => 1,
                61..=90 => 2,
                91..=120 => 3,
                _ => 4,
            };
            let amt = dollars(r.int(4));
            let row = match out.iter_mut().position(|x| x.owed_by == who) {
                Some(i) => &mut out[i],
                None => {
                    out.push(ArRow {
                        owed_by: who,
                        buckets: [Decimal::ZERO; 5],
                        total: Decimal::ZERO,
                        claims: 0,
                    });
                    let n = out.len() - 1;
                    &mut out[n]
                }
            };
            row.buckets[b] += amt;
            row.total += amt;
            row.claims += 1;
        }
        out.sort_by(|a, b| a.owed_by.cmp(&b.owed_by));
        Ok(out)
    }

    /// Denials (adjustments that are neither contractual nor patient responsibility) by
    /// group and CARC, largest first.
    pub fn report_denials(&mut self) -> Result<Vec<DenialRow>, Error> {
        let rows = self.conn.query(
            "SELECT group_code, reason, COUNT(DISTINCT claim_id), CAST(SUM(amount_cents) AS BIGINT) \
             FROM adjustments WHERE adjustments.practice_id = $P AND group_code <> 'PR' GROUP BY group_code, reason ORDER BY 4 DESC",
            params![],
        )?;
        Ok(rows
            .iter()
            .filter(|r| !(r.text(0) == "CO" && CONTRACTUAL_CARCS.contains(&r.text(1).as_str())))
            .map(|r| DenialRow {
                group: r.text(0),
                carc: r.text(1),
                claims: r.int(2),
                amount: dollars(r.int(3)),
            })
            .collect())
    }

    /// Each Medicare patient's allowed OT amounts in `year` against the KX threshold.
    pub fn report_kx(&mut self, year: i32, threshold: Decimal) -> Result<Vec<KxRow>, Error> {
        let rows = self.conn.query(
            "SELECT pt.account, CAST(SUM(l.allowed_cents) AS BIGINT) FROM claim_lines l \
             JOIN claims c ON c.id = l.claim_id JOIN payers p ON p.id = c.payer_id \
             JOIN patients pt ON pt.id = c.patient_id WHERE l.practice_id = $P AND p.profile = 'medicare' AND c.frequency = '1' \
             AND c.rank = 1 AND c.status NOT IN ('resubmitted', 'voided') \
             AND c.service_date >= $1 AND c.service_date < $2 GROUP BY pt.account ORDER BY 2 DESC",
            params![format!("{year:04}-01-01"), format!("{:04}-01-01", year + 1)],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                let allowed = dollars(r.int(1));
                let percent = if threshold.is_zero() {
                    Decimal::ZERO
                } else {
                    (allowed * Decimal::ONE_HUNDRED / threshold).round_dp(1)
                };
                KxRow {
                    account: r.text(0),
                    allowed,
                    threshold,
                    percent,
                }
            })
            .collect())
    }

    /// Plans whose certification ends within `within_days` of `as_of` (or has ended), and
    /// plans whose next progress report is due within two treatment days.
    pub fn report_due(&mut self, as_of: NaiveDate, within_days: i64) -> Result<Vec<DueRow>, Error> {
        let plans = self.conn.query(
            "SELECT pl.id, pt.account, pl.certified_through, pl.progress_every, pl.start_date FROM plans_of_care pl \
             JOIN patients pt ON pt.id = pl.patient_id WHERE pl.practice_id = $P ORDER BY pl.certified_through",
            params![],
        )?;
        let mut out = Vec::new();
        for p in plans {
            let through = date(&p.text(2)).unwrap_or(as_of);
            let left = (through - as_of).num_days();
            if left <= within_days {
                out.push(DueRow {
                    account: p.text(1),
                    plan_id: p.int(0),
                    what: "recertification".into(),
                    detail: format!("certified through {through}"),
                    days_left: Some(left),
                });
            }
            let last = self
                .conn
                .one(
                    "SELECT MAX(service_date) FROM visits WHERE visits.practice_id = $P AND plan_id = $1 AND progress_report = 1",
                    params![p.int(0)],
                )?
                .and_then(|r| r.opt_text(0))
                .unwrap_or_else(|| p.text(4));
            let since = self
                .conn
                .one(
                    "SELECT COUNT(*) FROM visits WHERE visits.practice_id = $P AND plan_id = $1 AND service_date > $2 AND status <> 'blocked'",
                    params![p.int(0), last],
                )?
                .map_or(0, |r| r.int(0));
            if since + 2 >= p.int(3) {
                out.push(DueRow {
                    account: p.text(1),
                    plan_id: p.int(0),
                    what: "progress_report".into(),
                    detail: format!(
                        "{since} treatment days since the last report (due every {})",
                        p.int(3)
                    ),
                    days_left: None,
                });
            }
        }
        Ok(out)
    }

    /// Counts for checks and summaries: `(table, rows)` of the main tables.
    pub fn counts(&mut self) -> Result<Vec<(&'static str, i64)>, Error> {
        let mut out = Vec::new();
        for (t, sql) in [
            (
                "claims",
                "SELECT COUNT(*) FROM claims WHERE claims.practice_id = $P",
            ),
            (
                "batches",
                "SELECT COUNT(*) FROM batches WHERE batches.practice_id = $P",
            ),
            (
                "remittances",
                "SELECT COUNT(*) FROM remittances WHERE remittances.practice_id = $P",
            ),
            (
                "ledger",
                "SELECT COUNT(*) FROM ledger WHERE ledger.practice_id = $P",
            ),
            (
                "unmatched",
                "SELECT COUNT(*) FROM unmatched WHERE unmatched.practice_id = $P",
            ),
        ] {
            out.push((t, self.conn.one(sql, params![])?.map_or(0, |r| r.int(0))));
        }
        Ok(out)
    }

    /// Sum of payment entries (negative of money received) over the whole ledger, in cents:
    /// what tests check to prove nothing was posted twice.
    pub fn total_paid_cents(&mut self) -> Result<i64, Error> {
        Ok(self
            .conn
            .one(
                "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM ledger WHERE ledger.practice_id = $P AND kind IN ('payment', 'reversal')",
                params![],
            )?
            .map_or(0, |r| -r.int(0)))
    }
}
