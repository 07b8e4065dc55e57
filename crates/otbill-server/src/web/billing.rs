//! The biller's pages: dashboard, claims with filters, a claim, ERA upload (the denials
//! worklist and its actions are in `denials`).

use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use otbill_store::lists::{ClaimQuery, ClaimSort};
use serde::Deserialize;

use super::{charts, csrf_field, esc, money, page, WebForm, WebResult, WebUser};
use crate::api::records::log;
use crate::audit::{Action, Entry};
use crate::auth::Perm;
use crate::{ops, AppState};

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/claims", get(claims))
        .route("/claims/{id}", get(claim))
        .route("/era", get(era_form).post(era_post))
}

async fn dashboard(State(state): State<AppState>, user: WebUser) -> WebResult {
    user.require(Perm::Billing)?;
    let d = ops::dashboard(&state, &user.0)
        .await
        .map_err(|e| user.err(e))?;
    log(
        &state,
        &user.0,
        Entry::new(Action::Read, "report", "/dashboard"),
    )
    .await
    .map_err(|e| user.err(e))?;
    let body = format!(
        "<div class=\"charts\">{}{}{}</div>",
        charts::bars(
            "ar-by-age",
            "Accounts receivable by age (days)",
            &d.ar_by_age
        ),
        charts::bars(
            "denials-by-reason",
            "Denied and adjusted, by reason",
            &d.denials_by_reason
        ),
        charts::bars("collected", "Collected per month", &d.collected_per_month)
    );
    Ok(page("Dashboard", Some(&user.0), &body).into_response())
}

const STATUSES: &[&str] = &[
    "",
    "ready",
    "blocked",
    "batched",
    "accepted",
    "rejected",
    "paid",
    "partly_paid",
    "denied",
    "appealed",
    "voided",
    "resubmitted",
];

/// The claims list: a page at a time (50 rows), sorted on a column (each header links to
/// its sort, again to reverse it), filtered by status, payer, patient and open balance.
async fn claims(
    State(state): State<AppState>,
    user: WebUser,
    Query(q): Query<ClaimQuery>,
) -> WebResult {
    user.require(Perm::Billing)?;
    let query = q.clone();
    let pg = state
        .ledger
        .run(&user.0.username, move |s| {
            s.claim_page(&query, crate::today())
        })
        .await
        .map_err(|e| user.err(e))?;
    log(
        &state,
        &user.0,
        Entry::new(Action::Read, "claim_list", "/claims"),
    )
    .await
    .map_err(|e| user.err(e))?;
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    // The query string of this list with some parameters changed.
    let link = |sort: ClaimSort, ascending: bool, page: u32| {
        let sort = serde_json::to_value(sort)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let mut parts: Vec<(&str, String)> = vec![("sort", sort), ("page", page.to_string())];
        if ascending {
            parts.push(("ascending", "true".into()));
        }
        if q.open {
            parts.push(("open", "true".into()));
        }
        for (k, v) in [
            ("status", &q.status),
            ("payer", &q.payer),
            ("patient", &q.patient),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                parts.push((k, v.to_owned()));
            }
        }
        format!(
            "/claims?{}",
            esc(&serde_urlencoded::to_string(&parts).unwrap_or_default())
        )
    };
    let header = |label: &str, col: ClaimSort| {
        let (mark, asc) = match (q.sort == col, q.ascending) {
            (true, true) => (" ▲", false),
            (true, false) => (" ▼", true),
            (false, _) => ("", false),
        };
        format!(
            "<th><a href=\"{}\" class=\"sort\">{label}{mark}</a></th>",
            link(col, asc, 1)
        )
    };
    let opts: String = STATUSES
        .iter()
        .map(|s| {
            let sel = if q.status.as_deref() == Some(*s) {
                " selected"
            } else {
                ""
            };
            format!(
                "<option value=\"{s}\"{sel}>{}</option>",
                if s.is_empty() { "any status" } else { s }
            )
        })
        .collect();
    let trs: String = pg
        .rows
        .iter()
        .map(|c| {
            format!(
                "<tr><td><a href=\"/claims/{}\">{}</a></td><td><span class=\"status {}\">{}</span></td><td>{}</td>\
                 <td class=\"num\">{}</td><td><a href=\"/patients/{}\">{}</a> <span class=\"muted\">{}</span></td>\
                 <td>{} <span class=\"muted\">{}</span></td><td>{}</td><td class=\"num\">{}</td><td class=\"num balance\">{}</td></tr>",
                c.id,
                esc(&c.pcn),
                esc(&c.status),
                esc(&c.status),
                esc(&c.service_date),
                c.age_days,
                c.patient_id,
                esc(&c.patient_name),
                esc(&c.account),
                esc(&c.payer_name),
                esc(&c.payer_id),
                esc(&c.provider_name),
                money(c.charge),
                money(c.balance)
            )
        })
        .collect();
    let pages = u32::try_from((pg.total + i64::from(pg.per_page) - 1) / i64::from(pg.per_page))
        .unwrap_or(1)
        .max(1);
    let nav = format!(
        "<p class=\"pager\" id=\"pager\">{}{} claim(s) · page {} of {pages}{} {}{}</p>",
        pg.total,
        if pg.total_capped { "+" } else { "" },
        pg.page,
        if pg.total_capped { "+" } else { "" },
        if pg.page > 1 {
            format!(
                "<a href=\"{}\" id=\"prev\">previous</a> ",
                link(q.sort, q.ascending, pg.page - 1)
            )
        } else {
            String::new()
        },
        if pg.page < pages || pg.total_capped {
            format!(
                "<a href=\"{}\" id=\"next\">next</a>",
                link(q.sort, q.ascending, pg.page + 1)
            )
        } else {
            String::new()
        },
    );
    let body = format!(
        "<form method=\"get\" class=\"filters\"><label>Status <select name=\"status\">{opts}</select></label>\
         <label>Payer <input name=\"payer\" value=\"{}\" size=\"12\"></label>\
         <label>Patient <input name=\"patient\" value=\"{}\" size=\"12\"></label>\
         <label class=\"check\"><input type=\"checkbox\" name=\"open\" value=\"true\"{}> open balance only</label>\
         <input type=\"hidden\" name=\"sort\" value=\"{}\"><button>Filter</button></form>{nav}\
         <table id=\"claims\"><tr>{}{}{}{}{}{}<th>Provider</th>{}{}</tr>{trs}</table>{nav}",
        esc(&text(&q.payer)),
        esc(&text(&q.patient)),
        if q.open { " checked" } else { "" },
        serde_json::to_value(q.sort).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
        header("Claim", ClaimSort::Pcn),
        header("Status", ClaimSort::Status),
        header("Date", ClaimSort::Date),
        "<th>Age (days)</th>",
        header("Patient", ClaimSort::Patient),
        header("Payer", ClaimSort::Payer),
        header("Charge", ClaimSort::Charge),
        header("Balance", ClaimSort::Balance),
    );
    Ok(page("Claims", Some(&user.0), &body).into_response())
}

async fn claim(State(state): State<AppState>, user: WebUser, Path(id): Path<i64>) -> WebResult {
    user.require(Perm::Billing)?;
    let c = ops::claim_page(&state, &user.0, id)
        .await
        .map_err(|e| user.err(e))?;
    log(
        &state,
        &user.0,
        Entry::new(Action::Read, "claim", "/claims/{id}")
            .on(id)
            .patient(c.patient_id),
    )
    .await
    .map_err(|e| user.err(e))?;
    let v = &c.claim;
    let lines: String = c
        .lines
        .iter()
        .map(|l| format!("<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>", l.seq, esc(&l.code), esc(&l.modifiers), l.units, money(l.charge), money(l.allowed)))
        .collect();
    let history: String = v
        .events
        .iter()
        .map(|(at, who, ev, detail)| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(at),
                esc(who),
                esc(ev),
                esc(detail)
            )
        })
        .collect();
    let payments: String = c
        .payments
        .iter()
        .map(|p| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
                esc(&p.at),
                esc(&p.party),
                esc(&p.kind),
                esc(p.reason.as_deref().unwrap_or("")),
                money(p.amount)
            )
        })
        .collect();
    let findings: String = c
        .findings
        .as_ref()
        .and_then(|f| f.as_array())
        .into_iter()
        .flatten()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_owned();
            format!(
                "<li class=\"finding {}\"><b>{}</b> {}</li>",
                esc(&s("severity")),
                esc(&s("code")),
                esc(&s("message"))
            )
        })
        .collect();
    let body = format!(
        "<p>Status <span class=\"status {st}\" id=\"claim-status\">{st}</span> · payer {} · date of service {} · \
         charge {} · payer owes {} · patient owes {}{}</p>\
         <p><a href=\"/patients/{}\">Patient record</a></p>\
         <h2>Lines</h2><table><tr><th>#</th><th>Code</th><th>Modifiers</th><th>Units</th><th>Charge</th><th>Expected</th></tr>{lines}</table>\
         <h2>Findings</h2><ul class=\"findings\">{findings}</ul>\
         <h2>Payments and adjustments</h2><table><tr><th>When</th><th>Party</th><th>Kind</th><th>Reason</th><th>Amount</th></tr>{payments}</table>\
         <h2>History</h2><table><tr><th>When</th><th>Who</th><th>Event</th><th>Detail</th></tr>{history}</table>",
        esc(&v.payer_id),
        esc(&v.service_date),
        money(v.charge),
        money(v.payer_balance),
        money(v.patient_balance),
        v.payer_claim_number.as_ref().map_or(String::new(), |n| format!(" · payer claim {}", esc(n))),
        c.patient_id,
        st = esc(&v.status),
    );
    Ok(page(&format!("Claim {}", v.pcn), Some(&user.0), &body).into_response())
}

async fn era_form(user: WebUser) -> WebResult {
    user.require(Perm::Billing)?;
    let body = format!(
        "<form method=\"post\" action=\"/era\" class=\"card\" id=\"era-form\">{}\
         <label>835 file <input type=\"file\" id=\"era-file\" accept=\".835,.txt,.edi,.x12\"></label>\
         <label>or paste it <textarea name=\"content\" id=\"era-content\" rows=\"8\" required></textarea></label>\
         <input type=\"hidden\" name=\"name\" id=\"era-name\" value=\"upload.835\">\
         <button type=\"submit\">Post remittance</button></form><script src=\"/static/era.js\"></script>",
        csrf_field(&user.0)
    );
    Ok(page("ERA upload", Some(&user.0), &body).into_response())
}

#[derive(Deserialize)]
struct EraForm {
    content: String,
    #[serde(default)]
    name: String,
}

async fn era_post(State(state): State<AppState>, f: WebForm<EraForm>) -> WebResult {
    let user = f.user;
    user.require(Perm::Billing)?;
    let name = if f.form.name.trim().is_empty() {
        "upload.835".to_owned()
    } else {
        f.form.name.trim().to_owned()
    };
    let posted = ops::post_835(&state, &user.0, f.form.content.into_bytes(), name)
        .await
        .map_err(|e| user.err(e))?;
    log(
        &state,
        &user.0,
        Entry::new(Action::Update, "remittance", "/era"),
    )
    .await
    .map_err(|e| user.err(e))?;
    let remits: String = posted
        .outcome
        .remittances
        .iter()
        .map(|r| {
            let statuses: Vec<String> = r.statuses.iter().map(|(s, n)| format!("<span class=\"status {s}\">{s}</span> {n}", s = esc(s))).collect();
            format!(
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                esc(&r.trace_number),
                if r.duplicate { "already posted: nothing done" } else { "posted" },
                r.claims_posted,
                r.claims_unmatched,
                money(r.paid),
                statuses.join(", "),
                esc(r.warning.as_deref().unwrap_or(""))
            )
        })
        .collect();
    let unmatched: String = posted
        .unmatched
        .iter()
        .map(|u| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
                esc(&u.pcn),
                esc(u.line_control.as_deref().unwrap_or("")),
                esc(u.code.as_deref().unwrap_or("")),
                esc(&u.reason),
                money(u.paid)
            )
        })
        .collect();
    let findings: String = posted
        .outcome
        .findings
        .iter()
        .map(|f| format!("<li>{}</li>", esc(f)))
        .collect();
    let body = format!(
        "<h2>Posting result</h2><table id=\"posting\"><tr><th>Trace</th><th>Result</th><th>Claims posted</th><th>Unmatched claims</th><th>Paid</th><th>Claim statuses</th><th>Note</th></tr>{remits}</table>\
         <h2>Unmatched lines</h2><table id=\"unmatched\"><tr><th>Claim</th><th>Line</th><th>Code</th><th>Why</th><th>Paid</th></tr>{unmatched}</table>\
         <ul>{findings}</ul><p><a href=\"/claims\">Claims</a> · <a href=\"/denials\">Denials worklist</a></p>"
    );
    Ok(page("Remittance posted", Some(&user.0), &body).into_response())
}
