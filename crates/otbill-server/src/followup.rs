//! The denial worklist's actions: a corrected (frequency-7) claim with the suggested fix,
//! an appeal with its redetermination letter, and a write-off, each allowed only when the
//! route of one of the claim's adjustments calls for it.
//!
//! The claim's adjustments are classified again here (the same `otbill-denials` rules as
//! the worklist), so an action cannot be posted for a claim whose route is another; the
//! ledger changes go through `otbill-store`, the letter through `otbill-forms`.

use otbill_denials::{Route, WorkItem};
use rust_decimal::Decimal;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::AppState;
use otbill_store::views::{AppealEvidence, ClaimFacts};

/// What an action did.
#[derive(Clone, Debug)]
pub struct Done {
    /// The claim acted on.
    pub claim_id: i64,
    /// Its patient (for the audit log).
    pub patient_id: i64,
    /// The replacement claim, for a correction.
    pub new_claim_id: Option<i64>,
    /// The fixes applied to the replacement, in words.
    pub fixes: Vec<String>,
    /// The amount written off, for a write-off.
    pub amount: Option<Decimal>,
}

/// Whether the route allows writing the balance off: an expected reduction or a
/// non-covered charge (post it), or a decision that cannot be appealed.
pub fn writes_off(route: Route) -> bool {
    matches!(route, Route::Post | Route::NoAppeal)
}

/// The claim's facts and its adjustments as worklist items, classified as the worklist
/// classifies them.
pub async fn work_items(state: &AppState, claim_id: i64) -> AppResult<(ClaimFacts, Vec<WorkItem>)> {
    let facts = state
        .ledger
        .run("system", move |s| s.claim_facts(claim_id))
        .await?
        .ok_or(AppError::NotFound)?;
    let catalog = otbill_denials::Catalog::builtin();
    let rules = otbill_denials::AppealRules::medicare();
    let today = crate::today();
    let kind = otbill_denials::PayerKind::from_filing_indicator(&facts.filing_indicator);
    let items = facts
        .adjustments
        .iter()
        .map(|a| {
            let remarks: Vec<String> = a
                .remarks
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let classification =
                otbill_denials::classify(&catalog, &a.group, &a.reason, &remarks, kind);
            let received = a.at.get(..10).and_then(|d| d.parse().ok()).unwrap_or(today);
            let ctx = otbill_denials::Context {
                catalog: &catalog,
                rules: &rules,
                notice_received: received,
                today,
            };
            let service_date = a.service_date.parse().ok();
            let procedure = a.code.as_ref().map(|code| {
                let mut p = code.clone();
                for m in a.modifiers.split(',').filter(|m| !m.is_empty()) {
                    p.push(':');
                    p.push_str(m);
                }
                p
            });
            WorkItem {
                patient_control_number: facts.pcn.clone(),
                payer_claim_number: facts.payer_claim_number.clone().unwrap_or_default(),
                line_control_number: a.lcn.clone(),
                procedure,
                service_date,
                group: a.group.clone(),
                reason_code: a.reason.clone(),
                remarks,
                amount: a.amount,
                denied: true,
                appealable: classification.route.appealable(),
                deadline: otbill_denials::deadline(&ctx, classification.route, service_date),
                classification,
            }
        })
        .collect();
    Ok((facts, items))
}

fn require_route(items: &[WorkItem], ok: impl Fn(Route) -> bool, what: &str) -> AppResult<()> {
    if items.iter().any(|i| ok(i.classification.route)) {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "no adjustment of this claim calls for {what}"
        )))
    }
}

/// Creates the frequency-7 replacement of a claim whose route is a corrected claim, with
/// the fixes `otbill-denials` suggests applied.
pub async fn correct(state: &AppState, who: &Principal, claim_id: i64) -> AppResult<Done> {
    let (facts, items) = work_items(state, claim_id).await?;
    require_route(&items, |r| r == Route::CorrectedClaim, "a corrected claim")?;
    let icn = facts.payer_claim_number.clone().unwrap_or_default();
    let (new_id, fixes) = state
        .ledger
        .run(&who.username, move |s| {
            let mut applied = Vec::new();
            let id = s.correct_claim(claim_id, |claim| {
                let fixes: Vec<otbill_denials::Fix> = items
                    .iter()
                    .filter(|i| i.classification.route == Route::CorrectedClaim)
                    .flat_map(|i| otbill_denials::suggested_fixes(i, claim))
                    .collect();
                if fixes.is_empty() || icn.is_empty() {
                    return;
                }
                if let Ok(fixed) = otbill_denials::replacement(claim, &icn, &fixes) {
                    *claim = fixed.claim;
                    applied = fixes.iter().map(describe).collect();
                }
            })?;
            Ok((id, applied))
        })
        .await?;
    Ok(Done {
        claim_id,
        patient_id: facts.patient_id,
        new_claim_id: Some(new_id),
        fixes,
        amount: None,
    })
}

fn describe(fix: &otbill_denials::Fix) -> String {
    use otbill_denials::Fix;
    match fix {
        Fix::AddModifier { line, modifier } => {
            format!("modifier {} added to line {line}", modifier.as_str())
        }
        Fix::SetProcedure { line, procedure } => {
            format!("line {line} billed as {}", procedure.as_str())
        }
        other => format!("{other:?}"),
    }
}

/// Records the appeal of a claim whose route is an appeal.
pub async fn appeal(state: &AppState, who: &Principal, claim_id: i64) -> AppResult<Done> {
    let (facts, items) = work_items(state, claim_id).await?;
    require_route(&items, |r| r == Route::Appeal, "an appeal")?;
    let note = match items
        .iter()
        .find(|i| i.classification.route == Route::Appeal)
        .and_then(|i| i.deadline.as_ref())
    {
        Some(d) => format!("redetermination requested (due {})", d.due),
        None => "redetermination requested".to_owned(),
    };
    state
        .ledger
        .run(&who.username, move |s| s.appeal_claim(claim_id, &note))
        .await?;
    Ok(Done {
        claim_id,
        patient_id: facts.patient_id,
        new_claim_id: None,
        fixes: Vec::new(),
        amount: None,
    })
}

/// Writes off the payer balance of a claim whose route is to post the adjustment or that
/// cannot be appealed.
pub async fn write_off(state: &AppState, who: &Principal, claim_id: i64) -> AppResult<Done> {
    let (facts, items) = work_items(state, claim_id).await?;
    require_route(&items, writes_off, "a write-off")?;
    let reason = items
        .iter()
        .find(|i| writes_off(i.classification.route))
        .map(|i| {
            format!(
                "{}-{} ({})",
                i.group,
                i.reason_code,
                i.classification.route.label()
            )
        })
        .unwrap_or_default();
    let amount = state
        .ledger
        .run(&who.username, move |s| {
            s.write_off(claim_id, "payer", &reason)
        })
        .await?;
    Ok(Done {
        claim_id,
        patient_id: facts.patient_id,
        new_claim_id: None,
        fixes: Vec::new(),
        amount: Some(amount),
    })
}

/// The redetermination request letter (PDF) for a claim whose route is an appeal, from the
/// stored claim, its remittance's adjustments and the evidence the ledger holds; with the
/// claim's patient id.
pub async fn appeal_letter(
    state: &AppState,
    who: &Principal,
    claim_id: i64,
) -> AppResult<(Vec<u8>, i64)> {
    let (facts, items) = work_items(state, claim_id).await?;
    require_route(&items, |r| r == Route::Appeal, "an appeal")?;
    let batch_id = facts.batch_id.ok_or_else(|| {
        AppError::Conflict("the claim was never sent, so there is nothing to appeal".into())
    })?;
    let file = state
        .ledger
        .run(&who.username, move |s| s.batch_file(batch_id))
        .await?;
    let claim = file
        .claims
        .iter()
        .find(|c| c.patient_control_number == facts.pcn)
        .ok_or(AppError::NotFound)?;
    let evidence = match facts.visit_id {
        Some(v) => {
            let raw = state
                .ledger
                .run("system", move |s| s.appeal_evidence(v))
                .await?;
            evidence(raw, claim)
        }
        None => otbill_forms::Evidence::default(),
    };
    let received = items
        .iter()
        .find(|i| i.classification.route == Route::Appeal)
        .and_then(|i| {
            facts
                .adjustments
                .iter()
                .find(|a| a.reason == i.reason_code && a.group == i.group)
        })
        .and_then(|a| a.at.get(..10).and_then(|d| d.parse().ok()))
        .unwrap_or_else(crate::today);
    let rules = otbill_denials::AppealRules::medicare();
    let req = otbill_forms::RedeterminationRequest::from_claim(
        &file,
        claim,
        &otbill_forms::Contractor::default(),
        &items,
        evidence,
        received,
        crate::today(),
        &rules,
    )
    .map_err(|e| AppError::Conflict(e.to_string()))?;
    let missing = req.missing_elements();
    if !missing.is_empty() {
        return Err(AppError::Conflict(format!(
            "the letter lacks required elements: {}",
            missing.join(", ")
        )));
    }
    Ok((otbill_forms::render_letter(&req), facts.patient_id))
}

#[allow(clippy::type_complexity)]
fn evidence(
    AppealEvidence {
        plan,
        progress,
        minutes,
    }: AppealEvidence,
    claim: &otbill_837p::model::Claim,
) -> otbill_forms::Evidence {
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let plan_of_care = plan.and_then(|(certified, by, from, through)| {
        Some(otbill_forms::letter::PlanOfCare {
            certified_on: date(certified.as_deref()?)?,
            certified_by: Some(by).filter(|b| !b.trim().is_empty()),
            period_from: date(&from)?,
            period_to: date(&through)?,
        })
    });
    let minutes = minutes
        .into_iter()
        .filter_map(|(d, code, mins)| {
            let units = claim
                .lines
                .iter()
                .filter(|l| l.procedure.as_str() == code)
                .map(|l| l.units)
                .sum();
            Some(otbill_forms::letter::MinutesEntry {
                date: date(&d)?,
                code,
                minutes: u32::try_from(mins?).ok()?,
                units,
            })
        })
        .collect();
    otbill_forms::Evidence {
        plan_of_care,
        progress_reports: progress.iter().filter_map(|d| date(d)).collect(),
        minutes,
        other: Vec::new(),
    }
}
