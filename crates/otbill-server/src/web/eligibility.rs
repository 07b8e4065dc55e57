//! Eligibility pages: the biller's `/eligibility` (post a 271, write a 270 for patients
//! or for every covered one), the eligibility section of the patient page (latest
//! benefits, visits left, the estimated share of a visit, a warning when the check is
//! stale), and the admin's payer rules editor (`/admin/payers/{id}/rules`).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{csrf_field, esc, money, page, WebForm, WebResult, WebUser};
use crate::auth::{Perm, Principal};
use crate::eligibility::{self as elig, BenefitsView, RequestBody};
use crate::AppState;

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/eligibility", get(form))
        .route("/eligibility/responses", post(post_271))
        .route("/eligibility/requests", post(request))
        .route("/patients/{id}/eligibility", post(request_for_patient))
        .merge(super::payer_rules::routes())
}

async fn form(user: WebUser) -> WebResult {
    user.require(Perm::Billing)?;
    let body = format!(
        "<section class=\"card\"><h2>Post a 271 response</h2>\
         <form method=\"post\" action=\"/eligibility/responses\" id=\"elig-form\">{csrf}\
         <label>271 file <input type=\"file\" id=\"era-file\" accept=\".271,.txt,.edi,.x12\"></label>\
         <label>or paste it <textarea name=\"content\" id=\"era-content\" rows=\"8\" required></textarea></label>\
         <input type=\"hidden\" name=\"name\" id=\"era-name\" value=\"upload.271\">\
         <button type=\"submit\">Post eligibility response</button></form></section>\
         <section class=\"card\"><h2>Request eligibility (270)</h2>\
         <form method=\"post\" action=\"/eligibility/requests\" id=\"elig-request\">{csrf}\
         <label>Patient accounts, one per line (empty: every patient covered on the date) \
         <textarea name=\"accounts\" rows=\"3\"></textarea></label>\
         <label>Date of service <input type=\"date\" name=\"date\" value=\"{today}\"></label>\
         <button type=\"submit\">Write 270</button></form></section>\
         <script src=\"/static/era.js\"></script>",
        csrf = csrf_field(&user.0),
        today = crate::today()
    );
    Ok(page("Eligibility", Some(&user.0), &body).into_response())
}

#[derive(Deserialize)]
struct UploadForm {
    content: String,
    /// The file's name (the upload script sets it); not kept.
    #[serde(default, rename = "name")]
    _name: String,
}

async fn post_271(State(state): State<AppState>, f: WebForm<UploadForm>) -> WebResult {
    let user = f.user;
    let posted = elig::post_271(
        &state,
        &user.0,
        "/eligibility/responses",
        f.form.content.into_bytes(),
    )
    .await
    .map_err(|e| user.err(e))?;
    let rows: String = posted
        .stored
        .iter()
        .map(|r| {
            format!(
                "<tr><td><a href=\"/patients/{}\">patient {}</a></td><td><span class=\"status {s}\">{s}</span></td><td>{}</td></tr>",
                r.patient_id,
                r.patient_id,
                r.matched_by,
                s = esc(&r.status)
            )
        })
        .collect();
    let list = |items: &[String]| -> String {
        items
            .iter()
            .map(|i| format!("<li>{}</li>", esc(i)))
            .collect()
    };
    let head = if posted.already_posted {
        "<p class=\"ok\" id=\"elig-status\">This 271 was posted before: nothing stored again.</p>"
            .to_owned()
    } else {
        format!(
            "<p class=\"ok\" id=\"elig-status\">{} response(s) stored.</p>",
            posted.stored.len()
        )
    };
    let body = format!(
        "{head}<table id=\"elig-stored\"><tr><th>Patient</th><th>Status</th><th>Matched by</th></tr>{rows}</table>\
         <h2>Not matched</h2><ul>{}</ul><h2>Warnings</h2><ul>{}</ul><p><a href=\"/eligibility\">Back</a></p>",
        list(&posted.unmatched),
        list(&posted.warnings)
    );
    Ok(page("Eligibility posted", Some(&user.0), &body).into_response())
}

#[derive(Deserialize)]
struct RequestForm {
    #[serde(default)]
    accounts: String,
    #[serde(default)]
    date: String,
}

async fn request(State(state): State<AppState>, f: WebForm<RequestForm>) -> WebResult {
    let user = f.user;
    let accounts: Vec<String> = f
        .form
        .accounts
        .lines()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect();
    let date = parse_date(&f.form.date).map_err(|e| user.err(e))?;
    let body = RequestBody {
        all: accounts.is_empty(),
        accounts,
        date,
        rank: None,
        service_types: Vec::new(),
    };
    let out = elig::request(&state, &user.0, "/eligibility/requests", body)
        .await
        .map_err(|e| user.err(e))?;
    let rows: String = out
        .checks
        .iter()
        .map(|c| {
            format!(
                "<tr><td><a href=\"/patients/{}\">{}</a></td><td>{}</td></tr>",
                c.patient_id,
                esc(&c.account),
                esc(&c.trace)
            )
        })
        .collect();
    let body = format!(
        "<p class=\"ok\" id=\"elig-status\">270 written: {} (ISA13 {}), {} patient(s). Send it to the clearinghouse; post the 271 that comes back.</p>\
         <table><tr><th>Account</th><th>Trace</th></tr>{rows}</table><p><a href=\"/eligibility\">Back</a></p>",
        esc(&out.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()),
        out.interchange_control,
        out.checks.len()
    );
    Ok(page("Eligibility requested", Some(&user.0), &body).into_response())
}

#[derive(Deserialize)]
struct PatientRequestForm {
    #[serde(default)]
    account: String,
}

async fn request_for_patient(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: WebForm<PatientRequestForm>,
) -> WebResult {
    let user = f.user;
    let body = RequestBody {
        accounts: vec![f.form.account.trim().to_owned()],
        all: false,
        date: None,
        rank: None,
        service_types: Vec::new(),
    };
    elig::request(&state, &user.0, "/patients/{id}/eligibility", body)
        .await
        .map_err(|e| user.err(e))?;
    Ok(Redirect::to(&format!("/patients/{id}?eligibility=requested")).into_response())
}

fn parse_date(s: &str) -> Result<Option<NaiveDate>, crate::error::AppError> {
    match s.trim() {
        "" => Ok(None),
        d => d
            .parse()
            .map(Some)
            .map_err(|_| crate::error::AppError::field("date", "a date like 2026-03-02")),
    }
}

/// The patient page's eligibility section: the latest benefits, visits left, the share
/// of a visit at `typical_allowed` (the patient's or the payer's average allowed per
/// visit), and, for billers, the button that writes a 270 for the patient.
pub fn section(
    who: &Principal,
    patient_id: i64,
    account: &str,
    view: &BenefitsView,
    typical_allowed: Option<Decimal>,
) -> String {
    let button = if Perm::Billing.allows(who.role) {
        format!(
            "<form method=\"post\" action=\"/patients/{patient_id}/eligibility\" class=\"inline\">{}\
             <input type=\"hidden\" name=\"account\" value=\"{}\"><button type=\"submit\" id=\"elig-request\">Request eligibility (270)</button></form>",
            csrf_field(who),
            esc(account)
        )
    } else {
        String::new()
    };
    let Some(b) = &view.latest else {
        return format!("<h2>Eligibility</h2><p class=\"muted\" id=\"benefits\">No eligibility response on file: check before the next visit.</p>{button}");
    };
    let s = &b.summary;
    let stale = if view.stale {
        format!(
            "<p class=\"error\" id=\"benefits-stale\">The last check is from {}, more than {} days ago: check again.</p>",
            b.checked_on,
            otbill_store::eligibility::STALE_AFTER_DAYS
        )
    } else {
        String::new()
    };
    let opt_money = |d: Option<Decimal>| d.map_or("—".to_owned(), money);
    let pair = |total: Option<Decimal>, left: Option<Decimal>| match (total, left) {
        (None, None) => "—".to_owned(),
        (t, l) => format!("{} (left {})", opt_money(t), opt_money(l)),
    };
    let visits = match (s.visit_limit, view.visits_left) {
        (None, None) => "no limit reported".to_owned(),
        (limit, left) => format!(
            "{} of {}",
            left.map_or("?".to_owned(), |n| n.to_string()),
            limit.map_or("?".to_owned(), |n| n.to_string())
        ),
    };
    let share = match typical_allowed {
        Some(allowed) => {
            let e = otbill_scrub::estimate::estimate_share(otbill_types::Money::new(allowed), &b.for_scrub());
            format!(
                "<p id=\"benefits-estimate\">Estimated patient share of a visit: <b>{}</b> of {} allowed ({})</p>",
                money(e.patient.amount()),
                money(allowed),
                esc(&e.steps.join("; "))
            )
        }
        None => "<p class=\"muted\" id=\"benefits-estimate\">No priced visit yet to estimate the share from.</p>".to_owned(),
    };
    let rejections: String = b
        .rejections
        .iter()
        .map(|(code, reason)| {
            format!(
                "<li class=\"finding error\">{}: {}</li>",
                esc(code),
                esc(reason)
            )
        })
        .collect();
    format!(
        "<h2>Eligibility</h2>{stale}<table id=\"benefits\">\
         <tr><th>Checked</th><td>{}</td></tr><tr><th>Status</th><td><span class=\"status {st}\">{st}</span></td></tr>\
         <tr><th>Plan</th><td>{}</td></tr><tr><th>Copay</th><td>{}</td></tr><tr><th>Coinsurance</th><td>{}</td></tr>\
         <tr><th>Deductible</th><td>{}</td></tr><tr><th>Out of pocket</th><td>{}</td></tr>\
         <tr><th>Visits left this plan year</th><td id=\"benefits-visits\">{visits}</td></tr>\
         <tr><th>Authorization</th><td>{}</td></tr></table><ul>{rejections}</ul>{share}{button}",
        b.checked_on,
        esc(s.plan_name.as_deref().unwrap_or(&b.payer)),
        opt_money(s.copay),
        s.coinsurance.map_or("—".to_owned(), |c| format!("{}%", (c * Decimal::ONE_HUNDRED).normalize())),
        pair(s.deductible_total, s.deductible_remaining),
        pair(s.out_of_pocket_total, s.out_of_pocket_remaining),
        match s.authorization_required {
            Some(true) => "required",
            Some(false) => "not required",
            None => "not stated",
        },
        st = esc(&b.status),
    )
}
