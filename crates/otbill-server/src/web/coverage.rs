//! Changing a patient's coverage from the web app (billers): `/patients/{id}/coverages/{rank}`
//! shows the coverage of that rank in a form (empty when the patient has none) and takes
//! its post, through [`crate::api::coverage::change`] like the JSON API (role check, store
//! call, held visits coded again, audit entries). The patient page links here
//! ([`links`]). A refused form is shown again with what was typed and the error next to
//! it; a saved one redirects back here with the counts of visits coded again.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use otbill_store::records::{Coverage, Subscriber};
use serde::Deserialize;

use super::{csrf_field, esc, page_status, WebForm, WebResult, WebUser};
use crate::api::coverage::{change, parse_rank};
use crate::audit::{self, Action, Entry};
use crate::auth::{Perm, Principal};
use crate::error::AppError;
use crate::AppState;

const ROUTE: &str = "/patients/{id}/coverages/{rank}";

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new().route(ROUTE, get(show).post(save))
}

/// The patient page's links to change (or add) each coverage, for billers only.
pub fn links(user: &Principal, patient_id: i64, ranks: &[i64]) -> String {
    if !Perm::Billing.allows(user.role) {
        return String::new();
    }
    let items: Vec<String> = [(1, "primary"), (2, "secondary"), (3, "tertiary")]
        .iter()
        .map(|(rank, name)| {
            let verb = if ranks.contains(rank) {
                "Change"
            } else {
                "Add"
            };
            format!(
                "<a class=\"coverage-link\" href=\"/patients/{patient_id}/coverages/{rank}\">{verb} the {name} coverage</a>"
            )
        })
        .collect();
    format!("<p class=\"coverage-links\">{}</p>", items.join(" · "))
}

/// A form's fields by input name, as typed.
type Values = HashMap<String, String>;

#[derive(Deserialize)]
struct Done {
    reclaimed: Option<usize>,
    claimed: Option<usize>,
}

async fn show(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, rank)): Path<(i64, i64)>,
    Query(done): Query<Done>,
) -> WebResult {
    user.require(Perm::Billing)?;
    let rank = parse_rank(rank).map_err(|e| user.err(e))?;
    let values = stored(&state, &user, id, rank).await?;
    let flash = match (done.reclaimed, done.claimed) {
        (Some(n), Some(c)) => format!(
            "<p class=\"flash\" id=\"coverage-saved\">Coverage saved. {n} held visit(s) coded again, {c} claimed.</p>"
        ),
        _ => String::new(),
    };
    render(&state, &user, id, rank, &values, None, &flash).await
}

async fn save(
    State(state): State<AppState>,
    Path((id, rank)): Path<(i64, i64)>,
    f: WebForm<Values>,
) -> WebResult {
    f.user.require(Perm::Billing)?;
    let rank = parse_rank(rank).map_err(|e| f.user.err(e))?;
    let res = match coverage_from(&f.form, rank) {
        Ok(c) => change(&state, &f.user.0, id, rank, c, ROUTE).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(done) => {
            let claimed = done
                .reclaimed
                .iter()
                .filter(|o| o.claim_id.is_some())
                .count();
            Ok(Redirect::to(&format!(
                "/patients/{id}/coverages/{rank}?reclaimed={}&claimed={claimed}",
                done.reclaimed.len()
            ))
            .into_response())
        }
        Err(error @ AppError::BadRequest { .. }) => {
            render(&state, &f.user, id, rank, &f.form, Some(error), "").await
        }
        Err(e) => Err(f.user.err(e)),
    }
}

/// The stored coverage as form values (empty when there is none); audited as a read.
async fn stored(
    state: &AppState,
    user: &WebUser,
    id: i64,
    rank: u8,
) -> Result<Values, super::WebError> {
    let cov = state
        .ledger
        .run(&user.0.username, move |s| s.coverage(id, rank))
        .await
        .map_err(|e| user.err(e))?;
    audit::record(
        &state.ledger,
        &user.0,
        Entry::new(Action::Read, "coverage", ROUTE)
            .on(i64::from(rank))
            .patient(id),
    )
    .await
    .map_err(|e| user.err(e))?;
    let mut v = Values::new();
    if let Some(c) = cov {
        let s = c.subscriber.as_ref();
        for (k, val) in [
            ("payer_id", Some(c.payer_id.clone())),
            ("member_id", Some(c.member_id.clone())),
            ("group_number", c.group_number.clone()),
            ("relationship", Some(c.relationship.clone())),
            ("subscriber_last_name", s.map(|s| s.last_name.clone())),
            ("subscriber_first_name", s.map(|s| s.first_name.clone())),
            ("subscriber_birth_date", s.map(|s| s.birth_date.to_string())),
            ("subscriber_gender", s.map(|s| s.gender.clone())),
            ("effective", Some(c.effective.to_string())),
            ("expires", c.expires.map(|d| d.to_string())),
        ] {
            if let Some(val) = val {
                v.insert(k.into(), val);
            }
        }
    }
    Ok(v)
}

/// A coverage from the form; a date that is not one is refused naming its field.
fn coverage_from(f: &Values, rank: u8) -> Result<Coverage, AppError> {
    let text = |k: &str| f.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    let opt = |k: &str| Some(text(k)).filter(|s| !s.is_empty());
    let date = |k: &str, field: &str| -> Result<Option<NaiveDate>, AppError> {
        opt(k)
            .map(|s| {
                NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                    .map_err(|_| AppError::field(field, "is not a date (YYYY-MM-DD)"))
            })
            .transpose()
    };
    let effective = date("effective", "coverage.effective")?
        .ok_or_else(|| AppError::field("coverage.effective", "is required"))?;
    let relationship = opt("relationship").unwrap_or_else(|| "self".into());
    let subscriber = if relationship == "self" {
        None
    } else {
        Some(Subscriber {
            last_name: text("subscriber_last_name"),
            first_name: text("subscriber_first_name"),
            birth_date: date("subscriber_birth_date", "coverage.subscriber.birth_date")?
                .ok_or_else(|| AppError::field("coverage.subscriber.birth_date", "is required"))?,
            gender: text("subscriber_gender"),
        })
    };
    Ok(Coverage {
        payer_id: text("payer_id"),
        rank,
        member_id: text("member_id"),
        group_number: opt("group_number"),
        relationship,
        subscriber,
        effective,
        expires: date("expires", "coverage.expires")?,
    })
}

/// The form page, filled with `values`, with the error next to the form when refused.
async fn render(
    state: &AppState,
    user: &WebUser,
    id: i64,
    rank: u8,
    values: &Values,
    refused: Option<AppError>,
    flash: &str,
) -> WebResult {
    let payers = state
        .ledger
        .run(&user.0.username, |s| s.payers())
        .await
        .map_err(|e| user.err(e))?;
    let get = |k: &str| esc(values.get(k).map(String::as_str).unwrap_or(""));
    let current = values.get("payer_id").cloned().unwrap_or_default();
    let options: String = payers
        .iter()
        .filter(|p| p.active || p.payer.payer_id == current)
        .map(|p| {
            format!(
                "<option value=\"{}\"{}>{} ({}){}</option>",
                esc(&p.payer.payer_id),
                if p.payer.payer_id == current {
                    " selected"
                } else {
                    ""
                },
                esc(&p.payer.name),
                esc(&p.payer.payer_id),
                if p.active { "" } else { ", inactive" }
            )
        })
        .collect();
    let rel = values
        .get("relationship")
        .map(String::as_str)
        .unwrap_or("self");
    let relationships: String = ["self", "spouse", "child", "other"]
        .iter()
        .map(|r| {
            let sel = if *r == rel { " selected" } else { "" };
            format!("<option value=\"{r}\"{sel}>{r}</option>")
        })
        .collect();
    let (status, error) = match &refused {
        Some(e) => {
            let field = match e {
                AppError::BadRequest { field: Some(f), .. } => {
                    format!(" <span class=\"field\">({})</span>", esc(f))
                }
                _ => String::new(),
            };
            (
                e.status_code().0,
                format!(
                    "<p class=\"error\" id=\"coverage-error\">{}{field}</p>",
                    esc(&e.public_message())
                ),
            )
        }
        None => (StatusCode::OK, String::new()),
    };
    let csrf = csrf_field(&user.0);
    let body = format!(
        "<p><a href=\"/patients/{id}\">Back to the patient</a></p>{flash}\
         <form method=\"post\" action=\"/patients/{id}/coverages/{rank}\" id=\"coverage-form\" class=\"form\">{csrf}{error}\
         <label>Payer <select name=\"payer_id\" required><option value=\"\"></option>{options}</select></label>\
         <label>Member id <input name=\"member_id\" value=\"{}\" required maxlength=\"80\"></label>\
         <label>Group number <input name=\"group_number\" value=\"{}\"></label>\
         <label>Relationship to the subscriber <select name=\"relationship\">{relationships}</select></label>\
         <fieldset><legend>Subscriber, when not the patient</legend>\
         <label>Last name <input name=\"subscriber_last_name\" value=\"{}\"></label>\
         <label>First name <input name=\"subscriber_first_name\" value=\"{}\"></label>\
         <label>Date of birth <input name=\"subscriber_birth_date\" type=\"date\" value=\"{}\"></label>\
         <label>Gender <input name=\"subscriber_gender\" value=\"{}\" maxlength=\"1\"></label></fieldset>\
         <label>Effective <input name=\"effective\" type=\"date\" value=\"{}\" required></label>\
         <label>Expires <input name=\"expires\" type=\"date\" value=\"{}\"></label>\
         <button type=\"submit\">Save the coverage</button></form>\
         <p class=\"muted\">Claims already made keep the coverage they were made with. Saving codes \
         the patient's held visits again (a visit held for an inactive payer is claimed to the new \
         one).</p>",
        get("member_id"),
        get("group_number"),
        get("subscriber_last_name"),
        get("subscriber_first_name"),
        get("subscriber_birth_date"),
        get("subscriber_gender"),
        get("effective"),
        get("expires"),
    );
    let title = match rank {
        1 => "Primary coverage",
        2 => "Secondary coverage",
        _ => "Tertiary coverage",
    };
    Ok(page_status(status, title, Some(&user.0), &body))
}
