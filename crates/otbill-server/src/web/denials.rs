//! The denials worklist and its actions: on each item, per its route, a button that
//! creates the corrected (frequency-7) claim, records the appeal (with the redetermination
//! letter to download), or writes the balance off.
//!
//! Each action is a POST form read through [`WebForm`] (CSRF-checked), allowed to billers
//! only, audited, and answered with a redirect back to the worklist whose query names what
//! was done (`done`, `claim`, `new`): the flash message is built from those codes and ids,
//! never from free text in the URL.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use otbill_denials::Route;
use serde::Deserialize;

use super::{csrf_field, esc, money, page, WebForm, WebResult, WebUser};
use crate::api::records::log;
use crate::audit::{Action, Entry};
use crate::auth::{Perm, Principal};
use crate::followup::{self, writes_off};
use crate::{ops, AppState};

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/denials", get(denials))
        .route("/denials/{id}/correct", post(correct))
        .route("/denials/{id}/appeal", post(appeal))
        .route("/denials/{id}/write-off", post(write_off))
        .route("/claims/{id}/appeal-letter.pdf", get(letter))
}

/// What the worklist says after an action.
#[derive(Deserialize, Default)]
struct Flash {
    done: Option<String>,
    claim: Option<i64>,
    new: Option<i64>,
    fixes: Option<usize>,
}

impl Flash {
    fn html(&self) -> String {
        let Some(claim) = self.claim else {
            return String::new();
        };
        let text = match self.done.as_deref() {
            Some("corrected") => {
                let new = self.new.map_or(String::new(), |n| {
                    format!(": replacement claim <a href=\"/claims/{n}\">{n}</a> (frequency 7) is ready to batch")
                });
                let fixes = match self.fixes {
                    Some(0) | None => " with no automatic fix (edit it before sending)".to_owned(),
                    Some(n) => format!(" with {n} suggested fix(es) applied"),
                };
                format!("Claim {claim} corrected{new}{fixes}.")
            }
            Some("appealed") => format!(
                "Appeal of claim {claim} recorded. <a href=\"/claims/{claim}/appeal-letter.pdf\" id=\"letter-link\">Download the redetermination letter (PDF)</a>."
            ),
            Some("written_off") => format!("Claim {claim}'s payer balance written off."),
            _ => return String::new(),
        };
        format!("<p class=\"flash ok\" id=\"flash\" role=\"status\">{text}</p>")
    }
}

fn actions(user: &Principal, d: &ops::DenialItem) -> String {
    let form = |action: &str, label: &str| {
        format!(
            "<form method=\"post\" action=\"/denials/{}/{action}\" class=\"inline\">{}<button class=\"act-{action}\">{label}</button></form>",
            d.claim_id,
            csrf_field(user)
        )
    };
    let closed = matches!(d.status.as_str(), "corrected" | "voided" | "written_off");
    let mut out = String::new();
    match d.route {
        Route::CorrectedClaim if !closed => {
            out.push_str(&form("correct", "Create corrected claim"))
        }
        Route::Appeal => {
            if !closed && d.status != "appealed" {
                out.push_str(&form("appeal", "Record appeal"));
            }
            out.push_str(&format!(
                " <a href=\"/claims/{}/appeal-letter.pdf\">Letter (PDF)</a>",
                d.claim_id
            ));
        }
        r if writes_off(r) && !closed => out.push_str(&form("write-off", "Write off")),
        _ => {}
    }
    out
}

async fn denials(
    State(state): State<AppState>,
    user: WebUser,
    Query(flash): Query<Flash>,
) -> WebResult {
    user.require(Perm::Billing)?;
    let items = ops::denials(&state).await.map_err(|e| user.err(e))?;
    log(
        &state,
        &user.0,
        Entry::new(Action::Read, "denials", "/denials"),
    )
    .await
    .map_err(|e| user.err(e))?;
    let rows: String = items
        .iter()
        .map(|d| {
            let deadline = d.deadline.as_ref().map_or(String::new(), |x| {
                format!("{} by {} ({} days)", esc(&x.what), x.due, x.days_left)
            });
            format!(
                "<tr data-claim=\"{}\"><td><a href=\"/claims/{}\">{}</a></td><td><span class=\"status {st}\">{st}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"actions\">{}</td></tr>",
                d.claim_id,
                d.claim_id,
                esc(&d.pcn),
                esc(&d.service_date),
                esc(d.code.as_deref().unwrap_or("")),
                esc(&d.adjustment),
                esc(&format!("{:?}", d.category)),
                money(d.amount),
                esc(&d.reason),
                esc(&d.fix),
                esc(d.route.label()),
                deadline,
                actions(&user.0, d),
                st = esc(&d.status),
            )
        })
        .collect();
    let body = format!(
        "{}<p>{} item(s), most urgent first.</p><table id=\"denials\"><tr><th>Claim</th><th>Status</th><th>Date</th><th>Code</th><th>Adjustment</th><th>Category</th><th>Amount</th><th>Why</th><th>Fix</th><th>Route</th><th>Deadline</th><th>Action</th></tr>{rows}</table>",
        flash.html(),
        items.len()
    );
    Ok(page("Denials worklist", Some(&user.0), &body).into_response())
}

/// The action forms carry only the CSRF token.
#[derive(Deserialize)]
struct ActionForm {}

async fn correct(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: WebForm<ActionForm>,
) -> WebResult {
    let user = f.user;
    user.require(Perm::Billing)?;
    let done = followup::correct(&state, &user.0, id)
        .await
        .map_err(|e| user.err(e))?;
    log(
        &state,
        &user.0,
        Entry::new(Action::Update, "claim", "/denials/{id}/correct")
            .on(id)
            .patient(done.patient_id),
    )
    .await
    .map_err(|e| user.err(e))?;
    log(
        &state,
        &user.0,
        Entry::new(Action::Create, "claim", "/denials/{id}/correct")
            .on(done.new_claim_id)
            .patient(done.patient_id),
    )
    .await
    .map_err(|e| user.err(e))?;
    let new = done.new_claim_id.unwrap_or_default();
    Ok(Redirect::to(&format!(
        "/denials?done=corrected&claim={id}&new={new}&fixes={}",
        done.fixes.len()
    ))
    .into_response())
}

async fn appeal(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: WebForm<ActionForm>,
) -> WebResult {
    let user = f.user;
    user.require(Perm::Billing)?;
    let done = followup::appeal(&state, &user.0, id)
        .await
        .map_err(|e| user.err(e))?;
    log(
        &state,
        &user.0,
        Entry::new(Action::Update, "claim", "/denials/{id}/appeal")
            .on(id)
            .patient(done.patient_id),
    )
    .await
    .map_err(|e| user.err(e))?;
    Ok(Redirect::to(&format!("/denials?done=appealed&claim={id}")).into_response())
}

async fn write_off(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: WebForm<ActionForm>,
) -> WebResult {
    let user = f.user;
    user.require(Perm::Billing)?;
    let done = followup::write_off(&state, &user.0, id)
        .await
        .map_err(|e| user.err(e))?;
    log(
        &state,
        &user.0,
        Entry::new(Action::Update, "claim", "/denials/{id}/write-off")
            .on(id)
            .patient(done.patient_id),
    )
    .await
    .map_err(|e| user.err(e))?;
    Ok(Redirect::to(&format!("/denials?done=written_off&claim={id}")).into_response())
}

async fn letter(State(state): State<AppState>, user: WebUser, Path(id): Path<i64>) -> WebResult {
    user.require(Perm::Billing)?;
    let (pdf, patient_id) = followup::appeal_letter(&state, &user.0, id)
        .await
        .map_err(|e| user.err(e))?;
    log(
        &state,
        &user.0,
        Entry::new(
            Action::Read,
            "appeal_letter",
            "/claims/{id}/appeal-letter.pdf",
        )
        .on(id)
        .patient(patient_id),
    )
    .await
    .map_err(|e| user.err(e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"appeal-claim-{id}.pdf\""),
            ),
        ],
        pdf,
    )
        .into_response())
}
