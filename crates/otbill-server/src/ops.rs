//! The use cases behind both the JSON API and the web pages: each takes the state and the
//! caller, talks to the ledger, and returns plain values for either front to show.

use std::collections::BTreeMap;

use chrono::Datelike;
use otbill_core::CodedVisit;
use otbill_scrub::pricing::Totals;
use otbill_scrub::scrub::{Engine, ScrubbedLine};
use otbill_store::claims::{ClaimOutcome, ClaimView};
use otbill_store::post::PostOutcome;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::audit::{Action, Entry};
use crate::auth::{Principal, Role};
use crate::error::{AppError, AppResult};
use crate::AppState;
use otbill_store::views;

/// A patient's page: record, KX use this year, what is coming due.
#[derive(Clone, Debug, Serialize)]
pub struct PatientView {
    /// The record.
    #[serde(flatten)]
    pub record: views::PatientRecord,
    /// The year of the KX figures.
    pub kx_year: i32,
    /// Medicare allowed amounts billed this year.
    pub kx_allowed: Decimal,
    /// The year's OT threshold, when known.
    pub kx_threshold: Option<Decimal>,
    /// Recertifications and progress reports coming due within 14 days.
    pub due: Vec<otbill_store::reports::DueRow>,
}

/// The patients `who` may see: every patient for a biller, a therapist's own for a
/// therapist (`Store::patient_ids_of`, the scope [`check_patient_scope`] also applies).
pub async fn patients_for(state: &AppState, who: &Principal) -> AppResult<Vec<views::PatientRow>> {
    let rows = state
        .ledger
        .run(&who.username, |s| s.patient_list())
        .await?;
    if who.role != Role::Therapist {
        return Ok(rows);
    }
    let me = who.username.clone();
    let mine = state
        .ledger
        .run(&who.username, move |s| s.patient_ids_of(&me))
        .await?;
    Ok(rows.into_iter().filter(|p| mine.contains(&p.id)).collect())
}

/// Refuses (404, as if there were no such patient, and audited as refused) a therapist's
/// request for a patient who is not theirs; anyone else passes.
pub async fn check_patient_scope(
    state: &AppState,
    who: &Principal,
    patient_id: i64,
    route: &str,
) -> AppResult<()> {
    if who.role != Role::Therapist {
        return Ok(());
    }
    let me = who.username.clone();
    let mine = state
        .ledger
        .run(&who.username, move |s| s.patient_ids_of(&me))
        .await?;
    if mine.contains(&patient_id) {
        return Ok(());
    }
    Err(refuse_patient(state, who, route, Some(patient_id)).await)
}

/// [`refuse`] for a patient (`None`: an account that does not exist).
async fn refuse_patient(
    state: &AppState,
    who: &Principal,
    route: &str,
    patient_id: Option<i64>,
) -> AppError {
    let entry = Entry::new(Action::Refused, "patient", route)
        .on(patient_id)
        .patient(patient_id);
    refuse(state, who, entry).await
}

/// Records a refused request (audited as `refused`) and answers it as "not found", so
/// the caller learns nothing of whether the record exists.
async fn refuse(state: &AppState, who: &Principal, entry: Entry<'_>) -> AppError {
    match crate::audit::record(&state.ledger, who, entry).await {
        Ok(()) => AppError::NotFound,
        Err(e) => e,
    }
}

/// Refuses (as [`check_patient_scope`] does) a therapist's new visit unless its patient
/// is theirs (`Store::patient_ids_of`) or it names the rendering provider they are
/// linked to; an unknown account is refused the same way, so the answer does not tell
/// whether the account exists. Anyone else passes.
pub async fn check_visit_scope(
    state: &AppState,
    who: &Principal,
    visit: &otbill_store::records::Visit,
    route: &str,
) -> AppResult<()> {
    if who.role != Role::Therapist {
        return Ok(());
    }
    let me = who.username.clone();
    let account = visit.patient_account.clone();
    let npi = visit.provider_npi.clone();
    let (patient_id, allowed) = state
        .ledger
        .run(&who.username, move |s| {
            let Some(pid) = s.patient_id_by_account(&account)? else {
                return Ok((None, false));
            };
            let allowed = s.patient_ids_of(&me)?.contains(&pid)
                || s.linked_npi(&me)?.is_some_and(|n| n == npi);
            Ok((Some(pid), allowed))
        })
        .await?;
    if allowed {
        return Ok(());
    }
    Err(refuse_patient(state, who, route, patient_id).await)
}

/// Refuses (404, audited as refused) a therapist's request for a visit that is not one of
/// theirs (`Store::is_visit_of`: entered by them or naming their linked provider),
/// whether or not it exists; anyone else passes.
pub async fn check_visit_read(
    state: &AppState,
    who: &Principal,
    visit: Option<&views::VisitRow>,
    id: i64,
    route: &str,
) -> AppResult<()> {
    if who.role != Role::Therapist {
        return Ok(());
    }
    let me = who.username.clone();
    let mine = state
        .ledger
        .run(&who.username, move |s| s.is_visit_of(id, &me))
        .await?;
    if mine && visit.is_some() {
        return Ok(());
    }
    Err(refuse(
        state,
        who,
        Entry::new(Action::Refused, "visit", route)
            .on(id)
            .patient(visit.map(|v| v.patient_id)),
    )
    .await)
}

/// Loads a patient's page.
pub async fn patient_view(state: &AppState, id: i64) -> AppResult<PatientView> {
    let year = crate::today().year();
    let (record, kx_allowed) = state
        .ledger
        .run("system", move |s| {
            let r = s.patient_record(id)?;
            let kx = s.kx_allowed(id, year)?;
            Ok((r, kx))
        })
        .await?;
    let record = record.ok_or(AppError::NotFound)?;
    let account = record.patient.account.clone();
    let due = state
        .ledger
        .run("system", move |s| s.report_due(crate::today(), 14))
        .await?
        .into_iter()
        .filter(|d| d.account == account)
        .collect();
    let kx_threshold = state
        .rules
        .rules
        .kx
        .threshold
        .iter()
        .find(|y| y.year == year)
        .map(|y| y.ot);
    Ok(PatientView {
        record,
        kx_year: year,
        kx_allowed,
        kx_threshold,
        due,
    })
}

/// What posting a visit did, with the explanation.
#[derive(Clone, Debug, Serialize)]
pub struct PostedVisit {
    /// The stored visit.
    pub visit_id: i64,
    /// Its patient.
    pub patient_id: Option<i64>,
    /// The claim made (or why it was blocked): findings of the full scrub with the
    /// patient's plan of care and year to date.
    pub claim: ClaimOutcome,
    /// Units and modifiers, each with why.
    pub coded: Option<CodedVisit>,
    /// The priced lines, with the arithmetic.
    pub priced: Vec<ScrubbedLine>,
    /// Price totals.
    pub totals: Option<Totals>,
}

/// Stores a visit, claims it, and explains the coding and the price.
pub async fn post_visit(
    state: &AppState,
    who: &Principal,
    visit: otbill_store::records::Visit,
) -> AppResult<PostedVisit> {
    let st = state.clone();
    let v = visit.clone();
    let (visit_id, claim) = state
        .ledger
        .run(&who.username, move |s| {
            let id = s.add_visit(&v)?;
            let r = &st.rules;
            let engine = Engine {
                catalog: &r.catalog,
                payers: &r.payers,
                rules: &r.rules,
            };
            let outcome = s.claim_visit(id, &engine)?;
            Ok((id, outcome))
        })
        .await?;
    // The explanation is the preview's: the units under the payer's rule set, priced.
    let st = state.clone();
    let v = visit.clone();
    let (patient_id, preview) = state
        .ledger
        .run("system", move |s| {
            let pid = s.patient_id_by_account(&v.patient_account)?;
            let r = &st.rules;
            let engine = Engine {
                catalog: &r.catalog,
                payers: &r.payers,
                rules: &r.rules,
            };
            Ok((pid, s.preview_visit(&v, &engine).ok()))
        })
        .await?;
    let (coded, priced, totals) = match preview {
        Some(p) => (p.coded, p.scrubbed.lines, Some(p.scrubbed.totals)),
        None => (None, Vec::new(), None),
    };
    Ok(PostedVisit {
        visit_id,
        patient_id,
        claim,
        coded,
        priced,
        totals,
    })
}

/// A claim's page.
#[derive(Clone, Debug, Serialize)]
pub struct ClaimPage {
    /// Status, balances, history.
    #[serde(flatten)]
    pub claim: ClaimView,
    /// Its patient.
    pub patient_id: i64,
    /// Lines.
    pub lines: Vec<views::LineRow>,
    /// Payments and adjustments.
    pub payments: Vec<views::PaymentRow>,
    /// The findings stored with its visit.
    pub findings: Option<serde_json::Value>,
}

/// Loads a claim's page.
pub async fn claim_page(state: &AppState, who: &Principal, id: i64) -> AppResult<ClaimPage> {
    let claim = state
        .ledger
        .run(&who.username, move |s| s.claim(id))
        .await?;
    let (owner, lines, payments, findings) = state
        .ledger
        .run(&who.username, move |s| {
            let owner = s.claim_owner(id)?;
            let (lines, payments) = s.claim_detail(id)?;
            let findings = match owner.and_then(|o| o.1) {
                Some(v) => s.visit_row(v)?.and_then(|v| v.findings),
                None => None,
            };
            Ok((owner, lines, payments, findings))
        })
        .await?;
    let (patient_id, _) = owner.ok_or(AppError::NotFound)?;
    Ok(ClaimPage {
        claim,
        patient_id,
        lines,
        payments,
        findings,
    })
}

/// A batch's 837P file from the outbox: `(file name, bytes)`.
pub async fn batch_file(
    state: &AppState,
    who: &Principal,
    id: i64,
) -> AppResult<(String, Vec<u8>)> {
    let outbox = state.config.outbox.clone();
    let (batches, dir) = state
        .ledger
        .run(&who.username, move |s| {
            Ok((s.batches()?, s.outbox_of(&outbox)))
        })
        .await?;
    let (_, _, name, _) = batches
        .into_iter()
        .find(|b| b.0 == id && b.1 == "written")
        .ok_or(AppError::NotFound)?;
    let base = std::path::Path::new(&name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or(AppError::NotFound)?;
    let path = dir.join(&base);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| AppError::NotFound)?;
    Ok((base, bytes))
}

/// What posting an 835 did, with the lines that matched nothing.
#[derive(Clone, Debug, Serialize)]
pub struct Posted835 {
    /// The store's outcome.
    #[serde(flatten)]
    pub outcome: PostOutcome,
    /// Unmatched items of these remittances: pcn, line control, code, reason, paid.
    pub unmatched: Vec<Unmatched>,
}

/// One remittance item that matched no claim or line.
#[derive(Clone, Debug, Serialize)]
pub struct Unmatched {
    /// Patient control number.
    pub pcn: String,
    /// Line control number.
    pub line_control: Option<String>,
    /// Procedure.
    pub code: Option<String>,
    /// Why.
    pub reason: String,
    /// Paid.
    pub paid: Decimal,
}

/// Posts an 835 exactly once.
pub async fn post_835(
    state: &AppState,
    who: &Principal,
    bytes: Vec<u8>,
    name: String,
) -> AppResult<Posted835> {
    state
        .ledger
        .run(&who.username, move |s| {
            let outcome = s.post_835(&bytes, &name, false)?;
            let ids: Vec<i64> = outcome
                .remittances
                .iter()
                .filter(|r| !r.duplicate)
                .filter_map(|r| r.remittance_id)
                .collect();
            let unmatched = s
                .unmatched()?
                .into_iter()
                .filter(|u| ids.contains(&u.0))
                .map(|(_, pcn, line_control, code, reason, paid)| Unmatched {
                    pcn,
                    line_control,
                    code,
                    reason,
                    paid,
                })
                .collect();
            Ok(Posted835 { outcome, unmatched })
        })
        .await
}

/// One row of the denials worklist.
#[derive(Clone, Debug, Serialize)]
pub struct DenialItem {
    /// Claim.
    pub claim_id: i64,
    /// Patient control number.
    pub pcn: String,
    /// Claim status.
    pub status: String,
    /// Patient.
    pub patient_id: i64,
    /// Patient account.
    pub account: String,
    /// Payer.
    pub payer_id: String,
    /// Date of service.
    pub service_date: String,
    /// Procedure, for a line-level adjustment.
    pub code: Option<String>,
    /// `CO-50` and the like.
    pub adjustment: String,
    /// Amount.
    pub amount: Decimal,
    /// Category.
    pub category: otbill_denials::Category,
    /// Route of the fix.
    pub route: otbill_denials::Route,
    /// Why, in plain words.
    pub reason: String,
    /// The fix.
    pub fix: String,
    /// The deadline.
    pub deadline: Option<otbill_denials::Deadline>,
}

/// The denials worklist: every adjustment that is not an expected contractual one, most
/// urgent first.
pub async fn denials(state: &AppState) -> AppResult<Vec<DenialItem>> {
    let rows = state.ledger.run("system", |s| s.adjustment_list()).await?;
    let catalog = otbill_denials::Catalog::builtin();
    let rules = otbill_denials::AppealRules::medicare();
    let today = crate::today();
    let mut out = Vec::new();
    for r in rows {
        let remarks: Vec<String> = r
            .remarks
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let kind = otbill_denials::PayerKind::from_filing_indicator(&r.filing_indicator);
        let c = otbill_denials::classify(&catalog, &r.group, &r.reason, &remarks, kind);
        if c.category.is_expected() {
            continue;
        }
        let received = r.at.get(..10).and_then(|d| d.parse().ok()).unwrap_or(today);
        let ctx = otbill_denials::Context {
            catalog: &catalog,
            rules: &rules,
            notice_received: received,
            today,
        };
        let dos = r.service_date.parse().ok();
        out.push(DenialItem {
            claim_id: r.claim_id,
            pcn: r.pcn,
            status: r.status,
            patient_id: r.patient_id,
            account: r.account,
            payer_id: r.payer_id,
            service_date: r.service_date,
            code: r.code,
            adjustment: format!("{}-{}", r.group, r.reason),
            amount: r.amount,
            category: c.category,
            route: c.route,
            deadline: otbill_denials::deadline(&ctx, c.route, dos),
            reason: c.reason,
            fix: c.fix,
        });
    }
    out.sort_by_key(|d| d.deadline.as_ref().map_or(i64::MAX, |x| x.days_left));
    Ok(out)
}

/// The dashboard's figures.
#[derive(Clone, Debug, Serialize)]
pub struct Dashboard {
    /// A/R by age bucket, all payers and patients together.
    pub ar_by_age: Vec<(String, Decimal)>,
    /// Denied amounts by reason code.
    pub denials_by_reason: Vec<(String, Decimal)>,
    /// Collected per month.
    pub collected_per_month: Vec<(String, Decimal)>,
}

/// A named report: `ar`, `denials`, `kx`, `due`, `collected`, `dashboard`.
pub async fn report(state: &AppState, who: &Principal, name: &str) -> AppResult<serde_json::Value> {
    let today = crate::today();
    let to_json = |v: &dyn erased::Ser| v.to_value();
    match name {
        "ar" => Ok(to_json(
            &state
                .ledger
                .run(&who.username, move |s| s.report_ar(today))
                .await?,
        )),
        "denials" => Ok(to_json(
            &state
                .ledger
                .run(&who.username, |s| s.report_denials())
                .await?,
        )),
        "due" => Ok(to_json(
            &state
                .ledger
                .run(&who.username, move |s| s.report_due(today, 14))
                .await?,
        )),
        "kx" => {
            let year = today.year();
            let threshold = state
                .rules
                .rules
                .kx
                .threshold
                .iter()
                .find(|y| y.year == year)
                .map(|y| y.ot)
                .ok_or_else(|| AppError::Conflict(format!("no KX threshold for {year}")))?;
            Ok(to_json(
                &state
                    .ledger
                    .run(&who.username, move |s| s.report_kx(year, threshold))
                    .await?,
            ))
        }
        "collected" => Ok(to_json(
            &state
                .ledger
                .run("system", |s| s.collected_per_month())
                .await?,
        )),
        "dashboard" => Ok(to_json(&dashboard(state, who).await?)),
        _ => Err(AppError::field(
            "name",
            "one of ar, denials, due, kx, collected, dashboard",
        )),
    }
}

/// Loads the dashboard's figures.
pub async fn dashboard(state: &AppState, who: &Principal) -> AppResult<Dashboard> {
    let today = crate::today();
    let ar = state
        .ledger
        .run(&who.username, move |s| s.report_ar(today))
        .await?;
    let mut buckets = [Decimal::ZERO; 5];
    for row in &ar {
        for (acc, b) in buckets.iter_mut().zip(row.buckets) {
            *acc += b;
        }
    }
    let ar_by_age = otbill_store::reports::BUCKETS
        .iter()
        .zip(buckets)
        .map(|(n, v)| ((*n).to_owned(), v))
        .collect();
    let mut by_reason: BTreeMap<String, Decimal> = BTreeMap::new();
    for d in state
        .ledger
        .run(&who.username, |s| s.report_denials())
        .await?
    {
        *by_reason
            .entry(format!("{}-{}", d.group, d.carc))
            .or_default() += d.amount;
    }
    let collected_per_month = state
        .ledger
        .run("system", |s| s.collected_per_month())
        .await?;
    Ok(Dashboard {
        ar_by_age,
        denials_by_reason: by_reason.into_iter().collect(),
        collected_per_month,
    })
}

/// Serializing values of different types through one closure.
mod erased {
    /// A value that becomes JSON.
    pub(super) trait Ser {
        fn to_value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn to_value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}
