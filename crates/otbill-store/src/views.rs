//! Read-only views of the ledger the web app and the API show: patient lists and
//! records, visit and claim lists, a claim's lines and payments, collected per month, the
//! adjustments behind the denials worklist, the facts the denial actions and appeal
//! letters need, and the therapist scope (whose patients and visits a therapist sees).
//!
//! Nothing here writes. The therapist scope is defined once, here: [`Store::patient_ids_of`]
//! and the `visit_of!` condition behind [`Store::visits`] and [`Store::is_visit_of`].

use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::{params, Row};
use crate::{dollars, Error, Store};

/// One patient in a list.
#[derive(Clone, Debug, Serialize)]
pub struct PatientRow {
    /// Id.
    pub id: i64,
    /// Account number.
    pub account: String,
    /// Last name.
    pub last_name: String,
    /// First name.
    pub first_name: String,
    /// Date of birth.
    pub birth_date: String,
    /// Primary payer id.
    pub primary_payer: Option<String>,
    /// Primary payer's coding profile.
    pub primary_profile: Option<String>,
}

macro_rules! patient_cols {
    () => {
        "SELECT p.id, p.account, p.last_name, p.first_name, p.birth_date, \
         (SELECT py.payer_id FROM coverages c JOIN payers py ON py.id = c.payer_id \
          WHERE c.patient_id = p.id AND c.rank = 1), \
         (SELECT py.profile FROM coverages c JOIN payers py ON py.id = c.payer_id \
          WHERE c.patient_id = p.id AND c.rank = 1), \
         p.gender, p.line1, p.line2, p.city, p.state, p.zip FROM patients p"
    };
}

fn patient_row(r: &Row) -> PatientRow {
    PatientRow {
        id: r.int(0),
        account: r.text(1),
        last_name: r.text(2),
        first_name: r.text(3),
        birth_date: r.text(4),
        primary_payer: r.opt_text(5),
        primary_profile: r.opt_text(6),
    }
}

/// The one definition of a therapist's visits, as a condition on `visits v` with the
/// username as `$1`: those they entered, and, when linked to a rendering provider, those
/// naming that provider, whoever entered them. A visit of one of their patients rendered
/// by someone else is not theirs (it brings the patient into their scope through
/// [`Store::patient_ids_of`], not the visit).
macro_rules! visit_of {
    () => {
        "(v.created_by = $1 OR v.provider_id IN \
         (SELECT m.provider_id FROM server_memberships m JOIN server_users u ON u.id = m.user_id \
          WHERE u.username = $1 AND m.practice_id = $P AND m.provider_id IS NOT NULL))"
    };
}

/// One patient's full record.
#[derive(Clone, Debug, Serialize)]
pub struct PatientRecord {
    /// Summary.
    #[serde(flatten)]
    pub patient: PatientRow,
    /// `F`, `M`, `U`.
    pub gender: String,
    /// Address lines.
    pub address: String,
    /// Insurance, primary first.
    pub coverages: Vec<CoverageRow>,
    /// Plans of care, newest first.
    pub plans: Vec<PlanRow>,
}

/// One coverage.
#[derive(Clone, Debug, Serialize)]
pub struct CoverageRow {
    /// Rank.
    pub rank: i64,
    /// Payer id.
    pub payer_id: String,
    /// Payer name.
    pub payer_name: String,
    /// Payer profile.
    pub profile: String,
    /// Member id.
    pub member_id: String,
    /// First day.
    pub effective: String,
    /// Last day.
    pub expires: Option<String>,
}

/// One plan of care with its progress-report count.
#[derive(Clone, Debug, Serialize)]
pub struct PlanRow {
    /// Id.
    pub id: i64,
    /// Start.
    pub start: String,
    /// Signed on.
    pub certified: Option<String>,
    /// Certified through.
    pub certified_through: String,
    /// Diagnoses (JSON list as stored).
    pub diagnoses: String,
    /// Progress report every N visits.
    pub progress_every: i64,
    /// Visits since the last progress report (or since the start).
    pub visits_since_report: i64,
}

/// One visit.
#[derive(Clone, Debug, Serialize)]
pub struct VisitRow {
    /// Id.
    pub id: i64,
    /// Patient id.
    pub patient_id: i64,
    /// Patient account.
    pub account: String,
    /// Date of service.
    pub date: String,
    /// `new`, `claimed`, `blocked`.
    pub status: String,
    /// Who entered it.
    pub created_by: String,
    /// Its claim, when one was made.
    pub claim_id: Option<i64>,
    /// Findings stored with the visit (JSON as stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub findings: Option<serde_json::Value>,
}

macro_rules! visit_cols {
    () => {
        "SELECT v.id, v.patient_id, p.account, v.service_date, v.status, v.created_by, \
         (SELECT MIN(c.id) FROM claims c WHERE c.visit_id = v.id), v.result_json \
         FROM visits v JOIN patients p ON p.id = v.patient_id"
    };
}

fn visit_row(r: &Row) -> VisitRow {
    VisitRow {
        id: r.int(0),
        patient_id: r.int(1),
        account: r.text(2),
        date: r.text(3),
        status: r.text(4),
        created_by: r.text(5),
        claim_id: r.opt_int(6),
        findings: r.opt_text(7).and_then(|t| serde_json::from_str(&t).ok()),
    }
}

/// One claim in a list.
#[derive(Clone, Debug, Serialize)]
pub struct ClaimRow {
    /// Id.
    pub id: i64,
    /// Patient control number.
    pub pcn: String,
    /// Status.
    pub status: String,
    /// Payer id.
    pub payer_id: String,
    /// Date of service.
    pub service_date: String,
    /// Charge.
    pub charge: Decimal,
    /// Paid by the payer so far.
    pub paid: Decimal,
    /// Patient id.
    pub patient_id: i64,
    /// Patient account.
    pub account: String,
}

/// One claim line.
#[derive(Clone, Debug, Serialize)]
pub struct LineRow {
    /// Sequence.
    pub seq: i64,
    /// Code.
    pub code: String,
    /// Modifiers (as stored).
    pub modifiers: String,
    /// Units.
    pub units: i64,
    /// Charge.
    pub charge: Decimal,
    /// Expected allowed amount.
    pub allowed: Decimal,
}

/// One payment or adjustment on a claim.
#[derive(Clone, Debug, Serialize)]
pub struct PaymentRow {
    /// When posted.
    pub at: String,
    /// Remittance.
    pub remittance_id: Option<i64>,
    /// `payer` or `patient`.
    pub party: String,
    /// Ledger entry kind.
    pub kind: String,
    /// Amount (negative reduces the balance).
    pub amount: Decimal,
    /// CAS group, reason.
    pub reason: Option<String>,
}

/// One adjustment for the denials worklist.
#[derive(Clone, Debug)]
pub struct AdjustmentRow {
    /// Claim.
    pub claim_id: i64,
    /// Patient control number.
    pub pcn: String,
    /// Claim status.
    pub status: String,
    /// Patient id.
    pub patient_id: i64,
    /// Patient account.
    pub account: String,
    /// Payer id.
    pub payer_id: String,
    /// Filing indicator.
    pub filing_indicator: String,
    /// Date of service.
    pub service_date: String,
    /// Procedure code of the line, when line level.
    pub code: Option<String>,
    /// CAS group.
    pub group: String,
    /// CARC.
    pub reason: String,
    /// Remark codes (as stored).
    pub remarks: String,
    /// Amount.
    pub amount: Decimal,
    /// When posted.
    pub at: String,
}

/// One adjustment of one claim, with what the denial actions need.
#[derive(Clone, Debug)]
pub struct ClaimAdjustment {
    /// Line control number (REF*6R), when line level.
    pub lcn: Option<String>,
    /// Procedure code of the line.
    pub code: Option<String>,
    /// Modifiers of the line, as stored (`GO,KX`).
    pub modifiers: String,
    /// Date of service of the line, else of the claim.
    pub service_date: String,
    /// CAS group.
    pub group: String,
    /// CARC.
    pub reason: String,
    /// Remark codes (as stored).
    pub remarks: String,
    /// Amount.
    pub amount: Decimal,
    /// When posted.
    pub at: String,
}

/// The facts of a claim the denial actions need.
#[derive(Clone, Debug)]
pub struct ClaimFacts {
    /// Patient control number.
    pub pcn: String,
    /// Patient id.
    pub patient_id: i64,
    /// Status.
    pub status: String,
    /// The payer's claim number, once a remittance gave one.
    pub payer_claim_number: Option<String>,
    /// The payer's filing indicator.
    pub filing_indicator: String,
    /// The batch it was sent in.
    pub batch_id: Option<i64>,
    /// Its visit.
    pub visit_id: Option<i64>,
    /// Its adjustments, oldest first.
    pub adjustments: Vec<ClaimAdjustment>,
}

/// What the record holds behind a visit's claim, for an appeal letter.
#[derive(Clone, Debug, Default)]
pub struct AppealEvidence {
    /// The plan of care: `(certified on, by, from, through)`.
    pub plan: Option<(Option<String>, String, String, String)>,
    /// The dates of the patient's progress reports under that plan up to the visit.
    pub progress: Vec<String>,
    /// The visit's minutes: `(date, code, minutes)`.
    pub minutes: Vec<(String, String, Option<i64>)>,
}

impl Store {
    /// Every patient, by name.
    pub fn patient_list(&mut self) -> Result<Vec<PatientRow>, Error> {
        Ok(self
            .conn
            .query(
                concat!(
                    patient_cols!(),
                    " WHERE p.practice_id = $P ORDER BY p.last_name, p.first_name, p.id"
                ),
                params![],
            )?
            .iter()
            .map(patient_row)
            .collect())
    }

    /// The ids of a therapist's patients, the one definition of the therapist scope: those
    /// they registered or entered a visit for, and, when an admin linked them to a
    /// rendering provider (`server_users.provider_id`), those with a visit or a plan of care
    /// naming that provider, whoever entered it (a front desk or an aide enters visits for
    /// therapists).
    pub fn patient_ids_of(&mut self, username: &str) -> Result<Vec<i64>, Error> {
        Ok(self
            .conn
            .query(
                "SELECT patient_id FROM visits WHERE practice_id = $P AND created_by = $1 \
                 UNION SELECT id FROM patients WHERE practice_id = $P AND created_by = $1 \
                 UNION SELECT v.patient_id FROM visits v \
                   JOIN server_memberships m ON m.provider_id = v.provider_id AND m.practice_id = $P \
                   JOIN server_users u ON u.id = m.user_id WHERE v.practice_id = $P AND u.username = $1 \
                 UNION SELECT pc.patient_id FROM plans_of_care pc \
                   JOIN server_memberships m ON m.provider_id = pc.provider_id AND m.practice_id = $P \
                   JOIN server_users u ON u.id = m.user_id WHERE pc.practice_id = $P AND u.username = $1",
                params![username],
            )?
            .iter()
            .map(|r| r.int(0))
            .collect())
    }

    /// A patient's record by id.
    pub fn patient_record(&mut self, id: i64) -> Result<Option<PatientRecord>, Error> {
        let Some(row) = self.conn.one(
            concat!(patient_cols!(), " WHERE p.practice_id = $P AND p.id = $1"),
            params![id],
        )?
        else {
            return Ok(None);
        };
        let address = (8..13)
            .map(|i| row.text(i))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        let coverages = self
            .conn
            .query(
                "SELECT c.rank, py.payer_id, py.name, py.profile, c.member_id, c.effective, c.expires \
                 FROM coverages c JOIN payers py ON py.id = c.payer_id WHERE c.practice_id = $P AND c.patient_id = $1 ORDER BY c.rank",
                params![id],
            )?
            .iter()
            .map(|r| CoverageRow {
                rank: r.int(0),
                payer_id: r.text(1),
                payer_name: r.text(2),
                profile: r.text(3),
                member_id: r.text(4),
                effective: r.text(5),
                expires: r.opt_text(6),
            })
            .collect();
        let mut plans = Vec::new();
        for r in self.conn.query(
            "SELECT id, start_date, certified_date, certified_through, diagnoses, progress_every \
             FROM plans_of_care WHERE practice_id = $P AND patient_id = $1 ORDER BY start_date DESC, id DESC",
            params![id],
        )? {
            let plan_id = r.int(0);
            let last_report = self
                .conn
                .one(
                    "SELECT MAX(service_date) FROM visits WHERE practice_id = $P AND plan_id = $1 AND progress_report = 1",
                    params![plan_id],
                )?
                .and_then(|x| x.opt_text(0))
                .unwrap_or_default();
            let since = self
                .conn
                .one(
                    "SELECT COUNT(*) FROM visits WHERE practice_id = $P AND plan_id = $1 AND service_date > $2",
                    params![plan_id, last_report],
                )?
                .map_or(0, |x| x.int(0));
            plans.push(PlanRow {
                id: plan_id,
                start: r.text(1),
                certified: r.opt_text(2),
                certified_through: r.text(3),
                diagnoses: r.text(4),
                progress_every: r.int(5),
                visits_since_report: since,
            });
        }
        Ok(Some(PatientRecord {
            patient: patient_row(&row),
            gender: row.text(7),
            address,
            coverages,
            plans,
        }))
    }

    /// A patient's id by account number.
    pub fn patient_id_by_account(&mut self, account: &str) -> Result<Option<i64>, Error> {
        Ok(self
            .conn
            .one(
                "SELECT id FROM patients WHERE practice_id = $P AND account = $1",
                params![account],
            )?
            .map(|r| r.int(0)))
    }

    /// A patient's Medicare allowed amounts in a year (the KX accumulator).
    pub fn kx_allowed(&mut self, patient_id: i64, year: i32) -> Result<Decimal, Error> {
        let row = self.conn.one(
            "SELECT CAST(COALESCE(SUM(l.allowed_cents), 0) AS BIGINT) FROM claim_lines l \
             JOIN claims c ON c.id = l.claim_id JOIN payers p ON p.id = c.payer_id \
             WHERE c.practice_id = $P AND c.patient_id = $1 AND p.profile = 'medicare' AND c.frequency = '1' AND c.rank = 1 \
             AND c.status NOT IN ('resubmitted', 'voided') AND c.service_date >= $2 AND c.service_date < $3",
            params![
                patient_id,
                format!("{year:04}-01-01"),
                format!("{:04}-01-01", year + 1)
            ],
        )?;
        Ok(dollars(row.map_or(0, |r| r.int(0))))
    }

    /// Visits newest first (at most 500): every one when `of` is `None`, else the visits of
    /// that therapist (see `visit_of!`).
    pub fn visit_list(&mut self, of: Option<&str>) -> Result<Vec<VisitRow>, Error> {
        let rows = match of {
            Some(u) => self.conn.query(
                concat!(
                    visit_cols!(),
                    " WHERE v.practice_id = $P AND ",
                    visit_of!(),
                    " ORDER BY v.service_date DESC, v.id DESC LIMIT 500"
                ),
                params![u],
            )?,
            None => self.conn.query(
                concat!(
                    visit_cols!(),
                    " WHERE v.practice_id = $P ORDER BY v.service_date DESC, v.id DESC LIMIT 500"
                ),
                params![],
            )?,
        };
        Ok(rows.iter().map(visit_row).collect())
    }

    /// One visit.
    pub fn visit_row(&mut self, id: i64) -> Result<Option<VisitRow>, Error> {
        Ok(self
            .conn
            .one(
                concat!(visit_cols!(), " WHERE v.practice_id = $P AND v.id = $1"),
                params![id],
            )?
            .map(|r| visit_row(&r)))
    }

    /// Whether visit `id` is one of therapist `username`'s visits (see `visit_of!`).
    pub fn is_visit_of(&mut self, id: i64, username: &str) -> Result<bool, Error> {
        Ok(self
            .conn
            .one(
                concat!(
                    "SELECT v.id FROM visits v WHERE v.practice_id = $P AND ",
                    visit_of!(),
                    " AND v.id = $2"
                ),
                params![username, id],
            )?
            .is_some())
    }

    /// The primary payer's coding profile for a patient on a date.
    pub fn payer_profile_on(
        &mut self,
        patient_id: i64,
        date: &str,
    ) -> Result<Option<String>, Error> {
        Ok(self
            .conn
            .one(
                "SELECT p.profile FROM coverages c JOIN payers p ON p.id = c.payer_id \
                 WHERE c.practice_id = $P AND c.patient_id = $1 AND c.rank = 1 AND c.effective <= $2 \
                 AND (c.expires IS NULL OR c.expires >= $2)",
                params![patient_id, date],
            )?
            .map(|r| r.text(0)))
    }

    /// Claims newest first (at most 1,000), filtered by status and payer id.
    pub fn claim_list(
        &mut self,
        status: Option<&str>,
        payer: Option<&str>,
    ) -> Result<Vec<ClaimRow>, Error> {
        let rows = self.conn.query(
            "SELECT c.id, c.pcn, c.status, py.payer_id, c.service_date, c.charge_cents, \
             CAST(COALESCE((SELECT SUM(paid_cents) FROM remit_claims r WHERE r.claim_id = c.id), 0) AS BIGINT), \
             c.patient_id, p.account FROM claims c JOIN payers py ON py.id = c.payer_id \
             JOIN patients p ON p.id = c.patient_id \
             WHERE c.practice_id = $P AND ($1 = '' OR c.status = $1) AND ($2 = '' OR py.payer_id = $2) \
             ORDER BY c.service_date DESC, c.id DESC LIMIT 1000",
            params![status.unwrap_or(""), payer.unwrap_or("")],
        )?;
        Ok(rows
            .iter()
            .map(|r| ClaimRow {
                id: r.int(0),
                pcn: r.text(1),
                status: r.text(2),
                payer_id: r.text(3),
                service_date: r.text(4),
                charge: dollars(r.int(5)),
                paid: dollars(r.int(6)),
                patient_id: r.int(7),
                account: r.text(8),
            })
            .collect())
    }

    /// A claim's patient and visit.
    pub fn claim_owner(&mut self, claim_id: i64) -> Result<Option<(i64, Option<i64>)>, Error> {
        Ok(self
            .conn
            .one(
                "SELECT patient_id, visit_id FROM claims WHERE practice_id = $P AND id = $1",
                params![claim_id],
            )?
            .map(|r| (r.int(0), r.opt_int(1))))
    }

    /// A claim's lines and ledger entries.
    pub fn claim_detail(
        &mut self,
        claim_id: i64,
    ) -> Result<(Vec<LineRow>, Vec<PaymentRow>), Error> {
        let lines = self
            .conn
            .query(
                "SELECT seq, code, modifiers, units, charge_cents, allowed_cents FROM claim_lines \
                 WHERE practice_id = $P AND claim_id = $1 ORDER BY seq",
                params![claim_id],
            )?
            .iter()
            .map(|r| LineRow {
                seq: r.int(0),
                code: r.text(1),
                modifiers: r.text(2),
                units: r.int(3),
                charge: dollars(r.int(4)),
                allowed: dollars(r.int(5)),
            })
            .collect();
        let payments = self
            .conn
            .query(
                "SELECT at, remittance_id, party, kind, amount_cents, group_code, reason FROM ledger \
                 WHERE practice_id = $P AND claim_id = $1 ORDER BY id",
                params![claim_id],
            )?
            .iter()
            .map(|r| PaymentRow {
                at: r.text(0),
                remittance_id: r.opt_int(1),
                party: r.text(2),
                kind: r.text(3),
                amount: dollars(r.int(4)),
                reason: r
                    .opt_text(6)
                    .map(|reason| format!("{}-{reason}", r.text(5))),
            })
            .collect();
        Ok((lines, payments))
    }

    /// Paid to the practice per month of posting, `(YYYY-MM, amount)`, oldest first.
    pub fn collected_per_month(&mut self) -> Result<Vec<(String, Decimal)>, Error> {
        Ok(self
            .conn
            .query(
                "SELECT SUBSTR(COALESCE(r.payment_date, r.posted_at), 1, 7) AS month, \
                 CAST(SUM(rc.paid_cents) AS BIGINT) FROM remit_claims rc \
                 JOIN remittances r ON r.id = rc.remittance_id WHERE rc.practice_id = $P \
                 GROUP BY month ORDER BY month",
                params![],
            )?
            .iter()
            .map(|r| (r.text(0), dollars(r.int(1))))
            .collect())
    }

    /// Every posted adjustment, newest first (the denials worklist's input).
    pub fn adjustment_list(&mut self) -> Result<Vec<AdjustmentRow>, Error> {
        Ok(self
            .conn
            .query(
                "SELECT c.id, c.pcn, c.status, c.patient_id, p.account, py.payer_id, py.filing_indicator, \
                 c.service_date, l.code, a.group_code, a.reason, a.remarks, a.amount_cents, a.at \
                 FROM adjustments a JOIN claims c ON c.id = a.claim_id \
                 JOIN payers py ON py.id = c.payer_id JOIN patients p ON p.id = c.patient_id \
                 LEFT JOIN claim_lines l ON l.id = a.claim_line_id \
                 WHERE a.practice_id = $P ORDER BY a.at DESC, a.id",
                params![],
            )?
            .iter()
            .map(|r| AdjustmentRow {
                claim_id: r.int(0),
                pcn: r.text(1),
                status: r.text(2),
                patient_id: r.int(3),
                account: r.text(4),
                payer_id: r.text(5),
                filing_indicator: r.text(6),
                service_date: r.text(7),
                code: r.opt_text(8),
                group: r.text(9),
                reason: r.text(10),
                remarks: r.text(11),
                amount: dollars(r.int(12)),
                at: r.text(13),
            })
            .collect())
    }

    /// The NPI of the rendering provider `username` is linked to, when it is active (the
    /// visit form's default).
    pub fn linked_npi(&mut self, username: &str) -> Result<Option<String>, Error> {
        Ok(self
            .conn
            .one(
                "SELECT p.npi FROM server_users u \
                 JOIN server_memberships m ON m.user_id = u.id AND m.practice_id = $P \
                 JOIN providers p ON p.id = m.provider_id \
                 WHERE u.username = $1 AND p.active = 1 AND p.practice_id = $P",
                params![username],
            )?
            .map(|r| r.text(0)))
    }

    /// Active rendering providers, the ones a new visit may name: `(npi, "LAST, FIRST CRED")`.
    pub fn provider_choices(&mut self) -> Result<Vec<(String, String)>, Error> {
        Ok(self
            .conn
            .query(
                "SELECT npi, last_name, first_name, credential FROM providers WHERE practice_id = $P AND active = 1 \
                 ORDER BY last_name, first_name",
                params![],
            )?
            .iter()
            .map(|r| {
                (
                    r.text(0),
                    format!("{}, {} {}", r.text(1), r.text(2), r.text(3)),
                )
            })
            .collect())
    }

    /// A claim's facts and adjustments; `None` when there is no such claim.
    pub fn claim_facts(&mut self, claim_id: i64) -> Result<Option<ClaimFacts>, Error> {
        let Some(r) = self.conn.one(
            "SELECT c.pcn, c.patient_id, c.status, c.payer_claim_number, py.filing_indicator, \
             c.batch_id, c.visit_id, c.service_date \
             FROM claims c JOIN payers py ON py.id = c.payer_id WHERE c.practice_id = $P AND c.id = $1",
            params![claim_id],
        )?
        else {
            return Ok(None);
        };
        let claim_date = r.text(7);
        let adjustments = self
            .conn
            .query(
                "SELECT l.lcn, l.code, l.modifiers, l.service_date, a.group_code, a.reason, a.remarks, \
                 a.amount_cents, a.at FROM adjustments a LEFT JOIN claim_lines l ON l.id = a.claim_line_id \
                 WHERE a.practice_id = $P AND a.claim_id = $1 ORDER BY a.id",
                params![claim_id],
            )?
            .iter()
            .map(|a| ClaimAdjustment {
                lcn: a.opt_text(0),
                code: a.opt_text(1),
                modifiers: a.opt_text(2).unwrap_or_default(),
                service_date: a.opt_text(3).unwrap_or_else(|| claim_date.clone()),
                group: a.text(4),
                reason: a.text(5),
                remarks: a.text(6),
                amount: dollars(a.int(7)),
                at: a.text(8),
            })
            .collect();
        Ok(Some(ClaimFacts {
            pcn: r.text(0),
            patient_id: r.int(1),
            status: r.text(2),
            payer_claim_number: r.opt_text(3),
            filing_indicator: r.text(4),
            batch_id: r.opt_int(5),
            visit_id: r.opt_int(6),
            adjustments,
        }))
    }

    /// What the record holds behind visit `visit_id`'s claim, for an appeal letter.
    pub fn appeal_evidence(&mut self, visit_id: i64) -> Result<AppealEvidence, Error> {
        let Some(v) = self.conn.one(
            "SELECT plan_id, patient_id, service_date FROM visits WHERE practice_id = $P AND id = $1",
            params![visit_id],
        )?
        else {
            return Ok(AppealEvidence::default());
        };
        let (plan_id, patient_id, date) = (v.opt_int(0), v.int(1), v.text(2));
        let mut out = AppealEvidence::default();
        if let Some(p) = plan_id {
            out.plan = self
                .conn
                .one(
                    "SELECT certified_date, referring_first, referring_last, start_date, certified_through \
                     FROM plans_of_care WHERE practice_id = $P AND id = $1",
                    params![p],
                )?
                .map(|r| {
                    (
                        r.opt_text(0),
                        format!("{} {}", r.text(1), r.text(2)),
                        r.text(3),
                        r.text(4),
                    )
                });
            out.progress = self
                .conn
                .query(
                    "SELECT service_date FROM visits WHERE practice_id = $P AND patient_id = $1 AND plan_id = $2 \
                     AND progress_report <> 0 AND service_date <= $3 ORDER BY service_date",
                    params![patient_id, p, date.as_str()],
                )?
                .iter()
                .map(|r| r.text(0))
                .collect();
        }
        out.minutes = self
            .conn
            .query(
                "SELECT code, minutes FROM visit_services WHERE practice_id = $P AND visit_id = $1 ORDER BY seq",
                params![visit_id],
            )?
            .iter()
            .map(|r| (date.clone(), r.text(0), r.opt_int(1)))
            .collect();
        Ok(out)
    }
}
