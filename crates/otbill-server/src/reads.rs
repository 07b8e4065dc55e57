//! Read-only queries on the ledger's tables that `otbill-store` has no method for yet
//! (a patient's record, plans of care, visit lists, claim lines and payments, collected
//! per month, the adjustments behind the denials worklist).
//!
//! **Workaround, and the one exception to the store's "only crate that speaks SQL"
//! boundary:** these are plain `SELECT`s on the store's schema (migration 1), through the
//! server's own connections. Nothing here writes a ledger table. Each function names the
//! store method that should replace it; when the store grows them, delete this module.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::Conn;

fn dollars(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// One patient in a list (wants `Store::patients`).
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

const PATIENT_COLS: &str = "SELECT p.id, p.account, p.last_name, p.first_name, p.birth_date, \
    (SELECT py.payer_id FROM coverages c JOIN payers py ON py.id = c.payer_id \
     WHERE c.patient_id = p.id AND c.rank = 1), \
    (SELECT py.profile FROM coverages c JOIN payers py ON py.id = c.payer_id \
     WHERE c.patient_id = p.id AND c.rank = 1) FROM patients p";

fn patient_row(r: &crate::db::Row) -> PatientRow {
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

/// Every patient, by name.
pub fn patients(c: &mut Conn) -> anyhow::Result<Vec<PatientRow>> {
    let sql = format!("{PATIENT_COLS} ORDER BY p.last_name, p.first_name, p.id");
    Ok(c.query(&sql, &[])?.iter().map(patient_row).collect())
}

/// The ids of a therapist's patients, the one definition of the therapist scope: those
/// they registered or entered a visit for, and, when an admin linked them to a rendering
/// provider (`server_users.provider_id`), those with a visit or a plan of care naming that
/// provider, whoever entered it (a front desk or an aide enters visits for therapists).
/// Wants `Store::patients_of`.
pub fn patient_ids_of(c: &mut Conn, username: &str) -> anyhow::Result<Vec<i64>> {
    Ok(c.query(
        "SELECT patient_id FROM visits WHERE created_by = $1 \
         UNION SELECT id FROM patients WHERE created_by = $1 \
         UNION SELECT v.patient_id FROM visits v \
           JOIN server_users u ON u.provider_id = v.provider_id WHERE u.username = $1 \
         UNION SELECT pc.patient_id FROM plans_of_care pc \
           JOIN server_users u ON u.provider_id = pc.provider_id WHERE u.username = $1",
        &[username.into()],
    )?
    .iter()
    .map(|r| r.int(0))
    .collect())
}

/// The one definition of a therapist's visits, as a condition on `visits v` with the
/// username as `$1`: those they entered, and, when linked to a rendering provider, those
/// naming that provider, whoever entered them. A visit of one of their patients rendered
/// by someone else is not theirs (it brings the patient into their scope through
/// `patient_ids_of`, not the visit). Wants `Store::visits_of`.
const VISIT_OF: &str = "(v.created_by = $1 OR v.provider_id IN \
     (SELECT u.provider_id FROM server_users u WHERE u.username = $1 AND u.provider_id IS NOT NULL))";

/// One patient's full record (wants `Store::patient`).
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

/// A patient by id.
pub fn patient(c: &mut Conn, id: i64) -> anyhow::Result<Option<PatientRecord>> {
    let sql = format!("{PATIENT_COLS} WHERE p.id = $1");
    let Some(row) = c.one(&sql, &[id.into()])? else {
        return Ok(None);
    };
    let extra = c
        .one(
            "SELECT gender, line1, line2, city, state, zip FROM patients WHERE id = $1",
            &[id.into()],
        )?
        .unwrap_or(crate::db::Row(vec![]));
    let address = [
        extra.text(1),
        extra.text(2),
        extra.text(3),
        extra.text(4),
        extra.text(5),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    let coverages = c
        .query(
            "SELECT c.rank, py.payer_id, py.name, py.profile, c.member_id, c.effective, c.expires \
             FROM coverages c JOIN payers py ON py.id = c.payer_id WHERE c.patient_id = $1 ORDER BY c.rank",
            &[id.into()],
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
    for r in c.query(
        "SELECT id, start_date, certified_date, certified_through, diagnoses, progress_every \
         FROM plans_of_care WHERE patient_id = $1 ORDER BY start_date DESC, id DESC",
        &[id.into()],
    )? {
        let plan_id = r.int(0);
        let last_report = c
            .one(
                "SELECT MAX(service_date) FROM visits WHERE plan_id = $1 AND progress_report = 1",
                &[plan_id.into()],
            )?
            .and_then(|x| x.opt_text(0))
            .unwrap_or_default();
        let since = c
            .one(
                "SELECT COUNT(*) FROM visits WHERE plan_id = $1 AND service_date > $2",
                &[plan_id.into(), last_report.into()],
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
        gender: extra.text(0),
        address,
        coverages,
        plans,
    }))
}

/// A patient's id by account number.
pub fn patient_id_by_account(c: &mut Conn, account: &str) -> anyhow::Result<Option<i64>> {
    Ok(c.one(
        "SELECT id FROM patients WHERE account = $1",
        &[account.into()],
    )?
    .map(|r| r.int(0)))
}

/// A patient's Medicare allowed amounts in a year (the KX accumulator).
pub fn kx_allowed(c: &mut Conn, patient_id: i64, year: i32) -> anyhow::Result<Decimal> {
    let row = c.one(
        "SELECT CAST(COALESCE(SUM(l.allowed_cents), 0) AS BIGINT) FROM claim_lines l \
         JOIN claims c ON c.id = l.claim_id JOIN payers p ON p.id = c.payer_id \
         WHERE c.patient_id = $1 AND p.profile = 'medicare' AND c.frequency = '1' AND c.rank = 1 \
         AND c.status NOT IN ('resubmitted', 'voided') AND c.service_date >= $2 AND c.service_date < $3",
        &[
            patient_id.into(),
            format!("{year:04}-01-01").into(),
            format!("{:04}-01-01", year + 1).into(),
        ],
    )?;
    Ok(dollars(row.map_or(0, |r| r.int(0))))
}

/// One visit (wants `Store::visits`).
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

const VISIT_COLS: &str =
    "SELECT v.id, v.patient_id, p.account, v.service_date, v.status, v.created_by, \
    (SELECT MIN(c.id) FROM claims c WHERE c.visit_id = v.id), v.result_json \
    FROM visits v JOIN patients p ON p.id = v.patient_id";

fn visit_row(r: &crate::db::Row) -> VisitRow {
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

/// Visits newest first: every one when `of` is `None`, else the visits of that therapist
/// (see `VISIT_OF`).
pub fn visits(c: &mut Conn, of: Option<&str>) -> anyhow::Result<Vec<VisitRow>> {
    let rows = match of {
        Some(u) => c.query(
            &format!(
                "{VISIT_COLS} WHERE {VISIT_OF} ORDER BY v.service_date DESC, v.id DESC LIMIT 500"
            ),
            &[u.into()],
        )?,
        None => c.query(
            &format!("{VISIT_COLS} ORDER BY v.service_date DESC, v.id DESC LIMIT 500"),
            &[],
        )?,
    };
    Ok(rows.iter().map(visit_row).collect())
}

/// One visit.
pub fn visit(c: &mut Conn, id: i64) -> anyhow::Result<Option<VisitRow>> {
    Ok(
        c.one(&format!("{VISIT_COLS} WHERE v.id = $1"), &[id.into()])?
            .map(|r| visit_row(&r)),
    )
}

/// Whether visit `id` is one of therapist `username`'s visits (see `VISIT_OF`).
pub fn is_visit_of(c: &mut Conn, id: i64, username: &str) -> anyhow::Result<bool> {
    Ok(c.one(
        &format!("SELECT v.id FROM visits v WHERE {VISIT_OF} AND v.id = $2"),
        &[username.into(), id.into()],
    )?
    .is_some())
}

/// The primary payer's coding profile for a patient on a date.
pub fn payer_profile(c: &mut Conn, patient_id: i64, date: &str) -> anyhow::Result<Option<String>> {
    Ok(c.one(
        "SELECT p.profile FROM coverages c JOIN payers p ON p.id = c.payer_id \
             WHERE c.patient_id = $1 AND c.rank = 1 AND c.effective <= $2 \
             AND (c.expires IS NULL OR c.expires >= $2)",
        &[patient_id.into(), date.into()],
    )?
    .map(|r| r.text(0)))
}

/// One claim in a list (wants `Store::claim_list`).
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

/// Claims, newest first, filtered by status and payer.
pub fn claims(
    c: &mut Conn,
    status: Option<&str>,
    payer: Option<&str>,
) -> anyhow::Result<Vec<ClaimRow>> {
    let rows = c.query(
        "SELECT c.id, c.pcn, c.status, py.payer_id, c.service_date, c.charge_cents, \
         CAST(COALESCE((SELECT SUM(paid_cents) FROM remit_claims r WHERE r.claim_id = c.id), 0) AS BIGINT), \
         c.patient_id, p.account FROM claims c JOIN payers py ON py.id = c.payer_id \
         JOIN patients p ON p.id = c.patient_id \
         WHERE ($1 = '' OR c.status = $1) AND ($2 = '' OR py.payer_id = $2) \
         ORDER BY c.service_date DESC, c.id DESC LIMIT 1000",
        &[status.unwrap_or("").into(), payer.unwrap_or("").into()],
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
pub fn claim_owner(c: &mut Conn, claim_id: i64) -> anyhow::Result<Option<(i64, Option<i64>)>> {
    Ok(c.one(
        "SELECT patient_id, visit_id FROM claims WHERE id = $1",
        &[claim_id.into()],
    )?
    .map(|r| (r.int(0), r.opt_int(1))))
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

/// A claim's lines and ledger entries.
pub fn claim_detail(
    c: &mut Conn,
    claim_id: i64,
) -> anyhow::Result<(Vec<LineRow>, Vec<PaymentRow>)> {
    let lines = c
        .query(
            "SELECT seq, code, modifiers, units, charge_cents, allowed_cents FROM claim_lines \
             WHERE claim_id = $1 ORDER BY seq",
            &[claim_id.into()],
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
    let payments = c
        .query(
            "SELECT at, remittance_id, party, kind, amount_cents, group_code, reason FROM ledger \
             WHERE claim_id = $1 ORDER BY id",
            &[claim_id.into()],
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

/// Paid to the practice per month of posting, `(YYYY-MM, amount)`, oldest first (wants
/// `Store::report_collected`).
pub fn collected_per_month(c: &mut Conn) -> anyhow::Result<Vec<(String, Decimal)>> {
    Ok(c.query(
        "SELECT SUBSTR(COALESCE(r.payment_date, r.posted_at), 1, 7) AS month, \
             CAST(SUM(rc.paid_cents) AS BIGINT) FROM remit_claims rc \
             JOIN remittances r ON r.id = rc.remittance_id GROUP BY month ORDER BY month",
        &[],
    )?
    .iter()
    .map(|r| (r.text(0), dollars(r.int(1))))
    .collect())
}

/// One adjustment for the denials worklist (wants `Store::denials`).
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

/// Adjustments on claims that are not fully paid.
pub fn adjustments(c: &mut Conn) -> anyhow::Result<Vec<AdjustmentRow>> {
    Ok(c.query(
        "SELECT c.id, c.pcn, c.status, c.patient_id, p.account, py.payer_id, py.filing_indicator, \
             c.service_date, l.code, a.group_code, a.reason, a.remarks, a.amount_cents, a.at \
             FROM adjustments a JOIN claims c ON c.id = a.claim_id \
             JOIN payers py ON py.id = c.payer_id JOIN patients p ON p.id = c.patient_id \
             LEFT JOIN claim_lines l ON l.id = a.claim_line_id \
             ORDER BY a.at DESC, a.id",
        &[],
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
pub fn linked_npi(c: &mut Conn, username: &str) -> anyhow::Result<Option<String>> {
    Ok(c.one(
        "SELECT p.npi FROM server_users u JOIN providers p ON p.id = u.provider_id \
             WHERE u.username = $1 AND p.active = 1",
        &[username.into()],
    )?
    .map(|r| r.text(0)))
}

/// Active rendering providers, the ones a new visit may name: `(npi, "LAST, FIRST CRED")`
/// (wants `Store::providers`).
pub fn providers(c: &mut Conn) -> anyhow::Result<Vec<(String, String)>> {
    Ok(c.query(
        "SELECT npi, last_name, first_name, credential FROM providers WHERE active = 1 \
             ORDER BY last_name, first_name",
        &[],
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

/// One adjustment of one claim, with what the denial actions need (wants
/// `Store::claim_adjustments`).
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

/// The facts of a claim the denial actions need (wants `Store::claim_facts`).
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

/// A claim's facts and adjustments; `None` when there is no such claim.
pub fn claim_facts(c: &mut Conn, claim_id: i64) -> anyhow::Result<Option<ClaimFacts>> {
    let Some(r) = c.one(
        "SELECT c.pcn, c.patient_id, c.status, c.payer_claim_number, py.filing_indicator, \
         c.batch_id, c.visit_id, c.service_date \
         FROM claims c JOIN payers py ON py.id = c.payer_id WHERE c.id = $1",
        &[claim_id.into()],
    )?
    else {
        return Ok(None);
    };
    let claim_date = r.text(7);
    let adjustments = c
        .query(
            "SELECT l.lcn, l.code, l.modifiers, l.service_date, a.group_code, a.reason, a.remarks, \
             a.amount_cents, a.at FROM adjustments a LEFT JOIN claim_lines l ON l.id = a.claim_line_id \
             WHERE a.claim_id = $1 ORDER BY a.id",
            &[claim_id.into()],
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

/// What the record holds behind a visit's claim, for an appeal letter (wants
/// `Store::appeal_evidence`): the plan of care `(certified on, by, from, through)`, the
/// dates of the patient's progress reports under that plan up to the visit, and the
/// visit's minutes `(date, code, minutes)`.
#[allow(clippy::type_complexity)]
pub fn appeal_evidence(
    c: &mut Conn,
    visit_id: i64,
) -> anyhow::Result<(
    Option<(Option<String>, String, String, String)>,
    Vec<String>,
    Vec<(String, String, Option<i64>)>,
)> {
    let Some(v) = c.one(
        "SELECT plan_id, patient_id, service_date FROM visits WHERE id = $1",
        &[visit_id.into()],
    )?
    else {
        return Ok((None, Vec::new(), Vec::new()));
    };
    let (plan_id, patient_id, date) = (v.opt_int(0), v.int(1), v.text(2));
    let plan = match plan_id {
        Some(p) => c
            .one(
                "SELECT certified_date, referring_first, referring_last, start_date, certified_through \
                 FROM plans_of_care WHERE id = $1",
                &[p.into()],
            )?
            .map(|r| (r.opt_text(0), format!("{} {}", r.text(1), r.text(2)), r.text(3), r.text(4))),
        None => None,
    };
    let progress = match plan_id {
        Some(p) => c
            .query(
                "SELECT service_date FROM visits WHERE patient_id = $1 AND plan_id = $2 \
                 AND progress_report <> 0 AND service_date <= $3 ORDER BY service_date",
                &[patient_id.into(), p.into(), date.as_str().into()],
            )?
            .iter()
            .map(|r| r.text(0))
            .collect(),
        None => Vec::new(),
    };
    let minutes = c
        .query(
            "SELECT code, minutes FROM visit_services WHERE visit_id = $1 ORDER BY seq",
            &[visit_id.into()],
        )?
        .iter()
        .map(|r| (date.clone(), r.text(0), r.opt_int(1)))
        .collect();
    Ok((plan, progress, minutes))
}
