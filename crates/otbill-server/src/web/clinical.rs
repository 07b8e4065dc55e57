//! The therapist's pages: visit entry with the live coding preview, their visits, and the
//! patient pages (plan of care dates, progress report due, the KX threshold bar).

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use otbill_store::records::{Visit, VisitService};

use super::{charts, csrf_field, esc, money, page, WebForm, WebResult, WebUser};
use crate::api::records::log;
use crate::audit::{Action, Entry};
use crate::auth::Perm;
use crate::error::AppError;
use crate::{ops, AppState};

/// Service rows on the visit form.
const ROWS: usize = 6;

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/visits/new", get(visit_form))
        .route("/visits", get(my_visits).post(post_visit))
        .route("/patients", get(patients))
        .route("/patients/{id}", get(patient))
}

async fn visit_form(State(state): State<AppState>, user: WebUser) -> WebResult {
    user.require(Perm::Visits)?;
    // A therapist picks only among their patients (the same scope as every patient read),
    // and their own rendering provider comes preselected.
    let patients = ops::patients_for(&state, &user.0)
        .await
        .map_err(|e| user.err(e))?;
    let me = user.0.username.clone();
    let (providers, mine) = state
        .ledger
        .run(&user.0.username, move |s| {
            Ok((s.provider_choices()?, s.linked_npi(&me)?))
        })
        .await
        .map_err(|e| user.err(e))?;
    log(
        &state,
        &user.0,
        Entry::new(Action::Read, "patient_list", "/visits/new"),
    )
    .await
    .map_err(|e| user.err(e))?;
    let patient_opts: String = patients
        .iter()
        .map(|p| {
            format!(
                "<option value=\"{}\" data-profile=\"{}\">{}, {} ({})</option>",
                esc(&p.account),
                esc(p.primary_profile.as_deref().unwrap_or("commercial")),
                esc(&p.last_name),
                esc(&p.first_name),
                esc(&p.account)
            )
        })
        .collect();
    let provider_opts: String = providers
        .iter()
        .map(|(npi, name)| {
            let selected = if mine.as_deref() == Some(npi.as_str()) {
                " selected"
            } else {
                ""
            };
            format!(
                "<option value=\"{}\"{selected}>{}</option>",
                esc(npi),
                esc(name)
            )
        })
        .collect();
    let codes = [
        "97165", "97166", "97167", "97168", "97110", "97112", "97140", "97530", "97535", "97542",
        "97150", "97760", "97763",
    ];
    let datalist: String = codes
        .iter()
        .map(|c| format!("<option value=\"{c}\">"))
        .collect();
    let rows: String = (0..ROWS)
        .map(|i| {
            format!(
                "<tr><td><input name=\"code{i}\" list=\"codes\" size=\"7\" class=\"svc-code\" autocomplete=\"off\"></td>\
                 <td><input name=\"minutes{i}\" type=\"number\" min=\"0\" max=\"480\" class=\"svc-min\"></td>\
                 <td><input name=\"assistant{i}\" type=\"number\" min=\"0\" max=\"480\" class=\"svc-asst\"></td></tr>"
            )
        })
        .collect();
    let body = format!(
        "<form method=\"post\" action=\"/visits\" id=\"visit-form\" class=\"card\">{}\
         <div class=\"grid\"><label>Patient <select name=\"patient_account\" id=\"patient\" required>{patient_opts}</select></label>\
         <label>Treating therapist <select name=\"provider_npi\" required>{provider_opts}</select></label>\
         <label>Date of service <input type=\"date\" name=\"date\" id=\"date\" value=\"{}\" required></label>\
         <label>Place of service <input name=\"place_of_service\" value=\"11\" size=\"3\"></label>\
         <label class=\"check\"><input type=\"checkbox\" name=\"progress_report\" value=\"1\"> Progress report written</label></div>\
         <table class=\"services\"><tr><th>Code</th><th>Minutes</th><th>Assistant minutes</th></tr>{rows}</table>\
         <datalist id=\"codes\">{datalist}</datalist>\
         <section id=\"preview\" aria-live=\"polite\"><p class=\"muted\">Enter codes and minutes to see units, modifiers and findings.</p></section>\
         <button type=\"submit\">Sign note and create claim</button></form>\
         <script src=\"/static/visit.js\"></script>",
        csrf_field(&user.0),
        crate::today()
    );
    Ok(page("Enter visit", Some(&user.0), &body).into_response())
}

fn visit_from_form(f: &HashMap<String, String>) -> Result<Visit, AppError> {
    let get = |k: &str| f.get(k).map(|s| s.trim()).unwrap_or("");
    let date: NaiveDate = get("date")
        .parse()
        .map_err(|_| AppError::field("date", "a date like 2026-03-02"))?;
    let mut services = Vec::new();
    for i in 0..ROWS {
        let code = get(&format!("code{i}"));
        if code.is_empty() {
            continue;
        }
        let num = |k: String| -> Result<Option<u32>, AppError> {
            let v = f.get(&k).map(|s| s.trim()).unwrap_or("");
            if v.is_empty() {
                return Ok(None);
            }
            v.parse()
                .map(Some)
                .map_err(|_| AppError::field(k, "a whole number of minutes"))
        };
        services.push(VisitService {
            code: code.to_owned(),
            minutes: num(format!("minutes{i}"))?,
            assistant_minutes: num(format!("assistant{i}"))?,
        });
    }
    if services.is_empty() {
        return Err(AppError::field("services", "enter at least one code"));
    }
    Ok(Visit {
        patient_account: get("patient_account").to_owned(),
        provider_npi: get("provider_npi").to_owned(),
        date,
        place_of_service: match get("place_of_service") {
            "" => "11".to_owned(),
            p => p.to_owned(),
        },
        progress_report: get("progress_report") == "1",
        services,
    })
}

async fn post_visit(
    State(state): State<AppState>,
    f: WebForm<HashMap<String, String>>,
) -> WebResult {
    let user = f.user;
    user.require(Perm::Visits)?;
    let visit = visit_from_form(&f.form).map_err(|e| user.err(e))?;
    ops::check_visit_scope(&state, &user.0, &visit, "/visits")
        .await
        .map_err(|e| user.err(e))?;
    let posted = ops::post_visit(&state, &user.0, visit)
        .await
        .map_err(|e| user.err(e))?;
    log(
        &state,
        &user.0,
        Entry::new(Action::Create, "visit", "/visits")
            .on(posted.visit_id)
            .patient(posted.patient_id),
    )
    .await
    .map_err(|e| user.err(e))?;
    let c = &posted.claim;
    let status = if c.blocked {
        "<p class=\"error\" id=\"claim-status\">Blocked: fix the errors below, then re-enter.</p>"
            .to_owned()
    } else {
        format!(
            "<p class=\"ok\" id=\"claim-status\">Claim {} created for {}.</p>",
            esc(c.pcn.as_deref().unwrap_or("")),
            money(c.charge)
        )
    };
    let findings: String = c
        .findings
        .iter()
        .map(|n| {
            format!(
                "<li class=\"finding {}\"><b>{}</b> {}</li>",
                esc(&n.severity),
                esc(&n.code),
                esc(&n.message)
            )
        })
        .collect();
    let lines: String = posted
        .coded
        .iter()
        .flat_map(|cv| cv.lines.iter())
        .map(|l| {
            let why: Vec<String> = l.why.iter().map(|w| esc(&w.to_string())).collect();
            let mods: Vec<&str> = l.modifiers.iter().map(|m| m.as_str()).collect();
            format!(
                "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                l.code,
                l.units,
                mods.join(" "),
                l.minutes,
                why.join("<br>")
            )
        })
        .collect();
    let priced: String = posted
        .priced
        .iter()
        .map(|l| {
            format!(
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                l.price.code,
                l.price.units,
                money(l.price.allowed.amount())
            )
        })
        .collect();
    let body = format!(
        "{status}<h2>Lines</h2><table><tr><th>Code</th><th>Units</th><th>Modifiers</th><th>Minutes</th><th>Why</th></tr>{lines}</table>\
         <h2>Expected price</h2><table><tr><th>Code</th><th>Units</th><th>Allowed</th></tr>{priced}</table>\
         <h2>Findings</h2><ul class=\"findings\">{findings}</ul><p><a href=\"/visits/new\">Enter another visit</a></p>"
    );
    Ok(page("Visit saved", Some(&user.0), &body).into_response())
}

async fn my_visits(State(state): State<AppState>, user: WebUser) -> WebResult {
    user.require(Perm::Visits)?;
    let me = user.0.username.clone();
    let rows = state
        .ledger
        .run(&user.0.username, move |s| s.visit_list(Some(&me)))
        .await
        .map_err(|e| user.err(e))?;
    log(
        &state,
        &user.0,
        Entry::new(Action::Read, "visit_list", "/visits"),
    )
    .await
    .map_err(|e| user.err(e))?;
    let body: String = rows
        .iter()
        .map(|v| {
            format!(
                "<tr><td>{}</td><td><a href=\"/patients/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&v.date),
                v.patient_id,
                esc(&v.account),
                esc(&v.created_by),
                esc(&v.status),
                v.claim_id.map_or(String::new(), |c| c.to_string())
            )
        })
        .collect();
    let body = format!(
        "<p>The visits you entered and those naming the rendering provider you are linked to.</p>\
         <table id=\"visits\"><tr><th>Date</th><th>Patient</th><th>Entered by</th><th>Status</th><th>Claim</th></tr>{body}</table>"
    );
    Ok(page("My visits", Some(&user.0), &body).into_response())
}

#[derive(serde::Deserialize)]
struct Search {
    #[serde(default)]
    q: Option<String>,
}

/// The patients list, or with `?q=` the patients found by name, account, date of birth
/// or member id (a therapist's own only; the search is audited without its text, which may
/// be PHI).
async fn patients(
    State(state): State<AppState>,
    user: WebUser,
    axum::extract::Query(search): axum::extract::Query<Search>,
) -> WebResult {
    user.require(Perm::PatientRead)?;
    let q = search.q.unwrap_or_default();
    let mine = ops::patients_for(&state, &user.0)
        .await
        .map_err(|e| user.err(e))?;
    let rows: Vec<(i64, String, String, String, String)> = if q.trim().is_empty() {
        mine.iter()
            .map(|p| {
                (
                    p.id,
                    format!("{}, {}", p.last_name, p.first_name),
                    p.account.clone(),
                    p.birth_date.clone(),
                    p.primary_payer.clone().unwrap_or_default(),
                )
            })
            .collect()
    } else {
        let text = q.clone();
        let hits = state
            .ledger
            .run(&user.0.username, move |s| s.search_patients(&text))
            .await
            .map_err(|e| user.err(e))?;
        hits.into_iter()
            .filter(|h| mine.iter().any(|p| p.id == h.id))
            .map(|h| {
                (
                    h.id,
                    h.name,
                    h.account,
                    h.birth_date,
                    format!("{} (matched by {})", h.payer.unwrap_or_default(), h.matched),
                )
            })
            .collect()
    };
    let what = if q.trim().is_empty() {
        "patient_list"
    } else {
        "patient_search"
    };
    log(&state, &user.0, Entry::new(Action::Read, what, "/patients"))
        .await
        .map_err(|e| user.err(e))?;
    let body: String = rows
        .iter()
        .map(|(id, name, account, birth, payer)| {
            format!(
                "<tr><td><a href=\"/patients/{id}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(name),
                esc(account),
                esc(birth),
                esc(payer)
            )
        })
        .collect();
    let body = format!(
        "<form method=\"get\" action=\"/patients\" class=\"filters\" id=\"patient-search\">\
         <label>Find a patient <input name=\"q\" value=\"{}\" placeholder=\"name, account, date of birth or member id\" size=\"36\"></label>\
         <button>Search</button></form><p>{} patient(s)</p>\
         <table id=\"patients\"><tr><th>Name</th><th>Account</th><th>Born</th><th>Primary payer</th></tr>{body}</table>",
        esc(&q),
        rows.len()
    );
    Ok(page("Patients", Some(&user.0), &body).into_response())
}

#[derive(serde::Deserialize)]
struct Paid {
    #[serde(default)]
    paid: Option<i64>,
}

async fn patient(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<Paid>,
) -> WebResult {
    user.require(Perm::PatientRead)?;
    ops::check_patient_scope(&state, &user.0, id, "/patients/{id}")
        .await
        .map_err(|e| user.err(e))?;
    let v = ops::patient_view(&state, id)
        .await
        .map_err(|e| user.err(e))?;
    log(
        &state,
        &user.0,
        Entry::new(Action::Read, "patient", "/patients/{id}")
            .on(id)
            .patient(id),
    )
    .await
    .map_err(|e| user.err(e))?;
    let p = &v.record.patient;
    let covs: String = v
        .record
        .coverages
        .iter()
        .map(|c| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} – {}</td></tr>",
                c.rank,
                esc(&c.payer_name),
                esc(&c.member_id),
                esc(&c.effective),
                esc(c.expires.as_deref().unwrap_or("open"))
            )
        })
        .collect();
    let plans: String = v
        .record
        .plans
        .iter()
        .map(|pl| {
            let due_in = pl.progress_every - pl.visits_since_report;
            let progress = if due_in <= 0 {
                "<span class=\"error\">progress report due now</span>".to_owned()
            } else {
                format!("progress report due in {due_in} visit(s)")
            };
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{progress}</td></tr>",
                esc(&pl.start),
                esc(pl.certified.as_deref().unwrap_or("not signed")),
                esc(&pl.certified_through),
                esc(&pl.diagnoses),
            )
        })
        .collect();
    let due: String = v
        .due
        .iter()
        .map(|d| {
            format!(
                "<li>{}: {}{}</li>",
                esc(&d.what),
                esc(&d.detail),
                d.days_left
                    .map_or(String::new(), |n| format!(" ({n} days left)"))
            )
        })
        .collect();
    let due = if due.is_empty() {
        "<li class=\"muted\">Nothing due within 14 days.</li>".to_owned()
    } else {
        due
    };
    let kx = match v.kx_threshold {
        Some(t) => charts::kx_bar(v.kx_allowed, t, v.kx_year),
        None => format!("<p>No KX threshold known for {}.</p>", v.kx_year),
    };
    let ranks: Vec<i64> = v.record.coverages.iter().map(|c| c.rank).collect();
    let cov_links = super::coverage::links(&user.0, id, &ranks);
    let benefits = crate::eligibility::benefits(&state, &user.0, id, crate::today())
        .await
        .map_err(|e| user.err(e))?;
    let typical = state
        .ledger
        .run(&user.0.username, move |s| s.typical_allowed(id))
        .await
        .map_err(|e| user.err(e))?;
    let eligibility = super::eligibility::section(&user.0, id, &p.account, &benefits, typical);
    let visits = state
        .ledger
        .run(&user.0.username, move |s| s.patient_visits(id))
        .await
        .map_err(|e| user.err(e))?;
    let biller = Perm::Billing.allows(user.0.role);
    let visit_rows: String = visits
        .iter()
        .map(|v| {
            let claim = match (&v.claim_id, &v.pcn) {
                (Some(c), Some(pcn)) if biller => format!("<a href=\"/claims/{c}\">{}</a>", esc(pcn)),
                (_, Some(pcn)) => esc(pcn),
                _ => String::new(),
            };
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{claim}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&v.date),
                esc(&v.codes),
                esc(&v.provider),
                esc(&v.status),
                esc(v.claim_status.as_deref().unwrap_or("")),
                v.charge.map(money).unwrap_or_default(),
                v.balance.map(money).unwrap_or_default()
            )
        })
        .collect();
    let account = crate::payments::account(&state, &user.0, "/patients/{id}", id)
        .await
        .map_err(|e| user.err(e))?;
    let visit_choices: Vec<(i64, String)> = visits
        .iter()
        .map(|v| (v.visit_id, v.date.clone()))
        .collect();
    let account = super::account::section(&user.0, &account, &visit_choices, q.paid);
    let visits_table = format!(
        "<h2>Visits</h2><table id=\"patient-visits\"><tr><th>Date</th><th>Codes</th><th>Provider</th><th>Visit</th>\
         <th>Claim</th><th>Claim status</th><th>Charge</th><th>Balance</th></tr>{visit_rows}</table>"
    );
    let body = format!(
        "<p>Account {} · born {} · {}</p><p class=\"muted\">{}</p>\
         <h2>Insurance</h2><table><tr><th>Rank</th><th>Payer</th><th>Member id</th><th>Covered</th></tr>{covs}</table>{cov_links}{eligibility}\
         <h2>Plans of care</h2><table><tr><th>Start</th><th>Certified</th><th>Through</th><th>Diagnoses</th><th>Progress</th></tr>{plans}</table>\
         {visits_table}{account}<h2>Coming due</h2><ul>{due}</ul><h2>KX threshold {}</h2>{kx}",
        esc(&p.account),
        esc(&p.birth_date),
        esc(&v.record.gender),
        esc(&v.record.address),
        v.kx_year
    );
    Ok(page(
        &format!("{}, {}", p.last_name, p.first_name),
        Some(&user.0),
        &body,
    )
    .into_response())
}
