//! The admin's practice settings page, `/admin/practice`: the practice and its billing
//! provider, the rendering providers and the payers, with a form to edit the practice and
//! forms to add a provider and a payer. Each provider and payer row links to its edit page
//! (`/admin/practice/providers/{id}`, `/admin/practice/payers/{id}`) and has a deactivate or
//! reactivate button (`.../{id}/deactivate`, `.../{id}/reactivate`, as in the JSON API).
//!
//! The forms post to their own routes and go through [`crate::settings`] (role check,
//! store call, audit entry), like the JSON API. A refused form is shown again with what was
//! typed and the error next to it; nothing is saved, since the store validates a record
//! whole before writing it in one transaction. A saved form redirects back to the page
//! (post/redirect/get), with a flash chosen from fixed texts, so a reload posts nothing.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use otbill_store::records::{
    Address, Credential, Payer, PayerEntry, Practice, Provider, ProviderEntry,
};
use serde::Deserialize;

use super::{csrf_field, esc, page_status, WebForm, WebResult, WebUser};
use crate::auth::Perm;
use crate::error::AppError;
use crate::settings::{self, Settings};
use crate::AppState;

mod forms;

use forms::*;

const PAGE: &str = "/admin/practice";

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(show).post(save_practice))
        .route("/admin/practice/providers", post(add_provider))
        .route("/admin/practice/payers", post(add_payer))
        .route(
            "/admin/practice/providers/{id}",
            get(edit_provider_page).post(edit_provider),
        )
        .route(
            "/admin/practice/providers/{id}/deactivate",
            post(toggle::<false, false>),
        )
        .route(
            "/admin/practice/providers/{id}/reactivate",
            post(toggle::<false, true>),
        )
        .route(
            "/admin/practice/payers/{id}",
            get(edit_payer_page).post(edit_payer),
        )
        .route(
            "/admin/practice/payers/{id}/deactivate",
            post(toggle::<true, false>),
        )
        .route(
            "/admin/practice/payers/{id}/reactivate",
            post(toggle::<true, true>),
        )
}

/// A form's fields by input name, as typed (or as stored, for the practice).
type Values = HashMap<String, String>;

/// Which form a refusal belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Practice,
    Provider,
    Payer,
}

/// A refused form: which one, what was typed, and why.
struct Refused {
    which: Which,
    values: Values,
    error: AppError,
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

async fn show(State(state): State<AppState>, user: WebUser, Query(q): Query<Done>) -> WebResult {
    user.require(Perm::Admin)?;
    let flash = match q.done.as_deref() {
        Some("practice") => "Practice saved.",
        Some("provider") => "Provider added.",
        Some("payer") => "Payer added.",
        Some("provider-updated") => "Provider saved.",
        Some("payer-updated") => "Payer saved.",
        Some("provider-deactivated") => {
            "Provider deactivated: kept on file, not offered for new visits."
        }
        Some("provider-reactivated") => "Provider reactivated.",
        Some("payer-deactivated") => {
            "Payer deactivated: kept on file, not offered for new coverages."
        }
        Some("payer-reactivated") => "Payer reactivated.",
        _ => "",
    };
    render(&state, &user, flash, None).await
}

async fn save_practice(State(state): State<AppState>, f: WebForm<Values>) -> WebResult {
    f.user.require(Perm::Admin)?;
    let p = practice_from(&f.form);
    let res = settings::set_practice(&state, &f.user.0, PAGE, p)
        .await
        .map(drop);
    finish(&state, f, Which::Practice, res).await
}

async fn add_provider(State(state): State<AppState>, f: WebForm<Values>) -> WebResult {
    f.user.require(Perm::Admin)?;
    let res = match provider_from(&f.form) {
        Ok(p) => settings::add_provider(&state, &f.user.0, "/admin/practice/providers", p)
            .await
            .map(drop),
        Err(e) => Err(e),
    };
    finish(&state, f, Which::Provider, res).await
}

async fn add_payer(State(state): State<AppState>, f: WebForm<Values>) -> WebResult {
    f.user.require(Perm::Admin)?;
    let p = payer_from(&f.form);
    let res = settings::add_payer(&state, &f.user.0, "/admin/practice/payers", p)
        .await
        .map(drop);
    finish(&state, f, Which::Payer, res).await
}

async fn edit_provider_page(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
) -> WebResult {
    user.require(Perm::Admin)?;
    render_edit(&state, &user, Which::Provider, id, None).await
}

async fn edit_payer_page(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
) -> WebResult {
    user.require(Perm::Admin)?;
    render_edit(&state, &user, Which::Payer, id, None).await
}

async fn edit_provider(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: WebForm<Values>,
) -> WebResult {
    f.user.require(Perm::Admin)?;
    let route = "/admin/practice/providers/{id}";
    let res = match provider_from(&f.form) {
        Ok(p) => settings::update_provider(&state, &f.user.0, route, id, p)
            .await
            .map(drop),
        Err(e) => Err(e),
    };
    finish_edit(&state, f, Which::Provider, id, res).await
}

async fn edit_payer(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: WebForm<Values>,
) -> WebResult {
    f.user.require(Perm::Admin)?;
    let p = payer_from(&f.form);
    let res = settings::update_payer(&state, &f.user.0, "/admin/practice/payers/{id}", id, p)
        .await
        .map(drop);
    finish_edit(&state, f, Which::Payer, id, res).await
}

/// A deactivate or reactivate button (`PAYER` picks payers over providers; the routes are
/// the JSON API's with `/admin/practice` in front).
async fn toggle<const PAYER: bool, const ACTIVE: bool>(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: WebForm<Values>,
) -> WebResult {
    let (route, done, anchor) = match (PAYER, ACTIVE) {
        (false, false) => (
            "/admin/practice/providers/{id}/deactivate",
            "provider-deactivated",
            "providers",
        ),
        (false, true) => (
            "/admin/practice/providers/{id}/reactivate",
            "provider-reactivated",
            "providers",
        ),
        (true, false) => (
            "/admin/practice/payers/{id}/deactivate",
            "payer-deactivated",
            "payers",
        ),
        (true, true) => (
            "/admin/practice/payers/{id}/reactivate",
            "payer-reactivated",
            "payers",
        ),
    };
    let who = &f.user.0;
    let res = if PAYER {
        settings::set_payer_active(&state, who, route, id, ACTIVE)
            .await
            .map(drop)
    } else {
        settings::set_provider_active(&state, who, route, id, ACTIVE)
            .await
            .map(drop)
    };
    toggled(f, res, done, anchor)
}

/// After a deactivate or reactivate button: back to the page's list with a flash, or the
/// usual error page (403 for a non-admin, 404 for an unknown id).
fn toggled(f: WebForm<Values>, res: Result<(), AppError>, done: &str, anchor: &str) -> WebResult {
    match res {
        Ok(()) => Ok(Redirect::to(&format!("{PAGE}?done={done}#{anchor}")).into_response()),
        Err(e) => Err(f.user.err(e)),
    }
}

/// After an edit form: back to the page with a flash, or the edit page again with what was
/// typed and the error.
async fn finish_edit(
    state: &AppState,
    f: WebForm<Values>,
    which: Which,
    id: i64,
    res: Result<(), AppError>,
) -> WebResult {
    let (done, anchor) = match which {
        Which::Provider => ("provider-updated", "providers"),
        _ => ("payer-updated", "payers"),
    };
    match res {
        Ok(()) => Ok(Redirect::to(&format!("{PAGE}?done={done}#{anchor}")).into_response()),
        Err(error @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let refused = Refused {
                which,
                values: f.form,
                error,
            };
            render_edit(state, &f.user, which, id, Some(refused)).await
        }
        Err(e) => Err(f.user.err(e)),
    }
}

/// The edit page of one provider or payer: its form filled with what is stored (or with
/// what was typed, after a refusal), and its deactivate or reactivate button.
async fn render_edit(
    state: &AppState,
    user: &WebUser,
    which: Which,
    id: i64,
    refused: Option<Refused>,
) -> WebResult {
    let s = settings::all(state, &user.0, PAGE)
        .await
        .map_err(|e| user.err(e))?;
    let status = refused
        .as_ref()
        .map_or(StatusCode::OK, |r| r.error.status_code().0);
    let csrf = csrf_field(&user.0);
    let (title, body) = match which {
        Which::Provider => {
            let e = s
                .providers
                .iter()
                .find(|p| p.id == id)
                .ok_or_else(|| user.err(AppError::NotFound))?;
            let form = provider_form(&csrf, &s, refused.as_ref(), Some(e));
            let status = active_note(
                e.active,
                "provider",
                "new visits and plans of care cannot name them",
            );
            let toggle = toggle_button(&csrf, "providers", id, e.active);
            (
                "Edit a provider",
                format!("{status}{form}<h3>Status</h3>{toggle}"),
            )
        }
        _ => {
            let e = s
                .payers
                .iter()
                .find(|p| p.id == id)
                .ok_or_else(|| user.err(AppError::NotFound))?;
            let form = payer_form(&csrf, &s, refused.as_ref(), Some(e));
            let status = active_note(e.active, "payer", "new coverages and claims cannot use it");
            let toggle = toggle_button(&csrf, "payers", id, e.active);
            (
                "Edit a payer",
                format!("{status}{form}<h3>Status</h3>{toggle}"),
            )
        }
    };
    let body = format!(
        "<p><a href=\"{PAGE}\">Back to the practice settings</a></p>{body}\
         <p class=\"muted\">Claims already sent keep what they were sent with; claims not yet \
         in a batch go out with the corrected record.</p>"
    );
    Ok(page_status(status, title, Some(&user.0), &body))
}

/// Whether a provider or payer is active, in words.
fn active_note(active: bool, what: &str, inactive_means: &str) -> String {
    if active {
        format!("<p class=\"status\" id=\"active-note\">This {what} is active.</p>")
    } else {
        format!(
            "<p class=\"status\" id=\"active-note\">This {what} is <strong>inactive</strong>: \
             kept on file with its history; {inactive_means}.</p>"
        )
    }
}

/// The deactivate (or reactivate) button of a row: a CSRF form posting to
/// `/admin/practice/{kind}/{id}/deactivate` (or `reactivate`).
fn toggle_button(csrf: &str, kind: &str, id: i64, active: bool) -> String {
    let (action, label) = if active {
        ("deactivate", "Deactivate")
    } else {
        ("reactivate", "Reactivate")
    };
    format!(
        "<form method=\"post\" action=\"/admin/practice/{kind}/{id}/{action}\" class=\"inline\">\
         {csrf}<button type=\"submit\" class=\"{action}\">{label}</button></form>"
    )
}

/// Redirects back to the page after a save; shows the page again with the form's error
/// after a refusal of the input (any other failure is the usual error page).
async fn finish(
    state: &AppState,
    f: WebForm<Values>,
    which: Which,
    res: Result<(), AppError>,
) -> WebResult {
    let (done, anchor) = match which {
        Which::Practice => ("practice", "practice"),
        Which::Provider => ("provider", "providers"),
        Which::Payer => ("payer", "payers"),
    };
    match res {
        Ok(()) => Ok(Redirect::to(&format!("{PAGE}?done={done}#{anchor}")).into_response()),
        Err(error @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            let refused = Refused {
                which,
                values: f.form,
                error,
            };
            render(state, &f.user, "", Some(refused)).await
        }
        Err(e) => Err(f.user.err(e)),
    }
}

/// The page: the stored settings, and the forms (the refused one with what was typed).
/// Each form posts to a URL ending in its own anchor, so a refused form comes back
/// scrolled to it.
async fn render(
    state: &AppState,
    user: &WebUser,
    flash: &str,
    refused: Option<Refused>,
) -> WebResult {
    let s = settings::all(state, &user.0, PAGE)
        .await
        .map_err(|e| user.err(e))?;
    let status = refused
        .as_ref()
        .map_or(StatusCode::OK, |r| r.error.status_code().0);
    let for_form = |which: Which| refused.as_ref().filter(|r| r.which == which);
    let flash = if flash.is_empty() {
        String::new()
    } else {
        format!("<p class=\"flash ok\" id=\"flash\" role=\"status\">{flash}</p>")
    };
    let csrf = csrf_field(&user.0);
    let body = format!(
        "{flash}<p>The practice bills as the billing provider below; claims name one of its \
         rendering providers and are sent to one of its payers.</p>\
         <section id=\"practice\"><h2>Practice and billing provider</h2>{}{}</section>\
         <section id=\"providers\"><h2>Rendering providers</h2>{}{}</section>\
         <section id=\"payers\"><h2>Payers</h2>{}{}</section>",
        practice_table(s.practice.as_ref()),
        practice_form(&csrf, &s, for_form(Which::Practice)),
        providers_table(&csrf, &s.providers),
        provider_form(&csrf, &s, for_form(Which::Provider), None),
        payers_table(&csrf, &s.payers),
        payer_form(&csrf, &s, for_form(Which::Payer), None),
    );
    Ok(page_status(
        status,
        "Practice settings",
        Some(&user.0),
        &body,
    ))
}

fn practice_table(p: Option<&Practice>) -> String {
    let Some(p) = p else {
        return "<p class=\"muted\" id=\"practice-unset\">Not set yet: claims cannot be \
                batched until it is.</p>"
            .to_owned();
    };
    let a = &p.address;
    let street = match &a.line2 {
        Some(l2) => format!("{}, {}", esc(&a.line1), esc(l2)),
        None => esc(&a.line1),
    };
    let rows = [
        ("Name", esc(&p.name)),
        ("NPI", esc(&p.npi)),
        ("EIN", esc(&p.ein)),
        ("Taxonomy", esc(&p.taxonomy)),
        (
            "Address",
            format!(
                "{street}, {} {} {}",
                esc(&a.city),
                esc(&a.state),
                esc(&a.zip)
            ),
        ),
        (
            "Clearinghouse",
            format!(
                "{} (receiver id {}); our submitter id {}",
                esc(&p.receiver_name),
                esc(&p.receiver_id),
                esc(&p.submitter_id)
            ),
        ),
        (
            "Billing contact",
            format!("{}, {}", esc(&p.contact_name), esc(&p.contact_phone)),
        ),
        ("Usage", esc(&p.usage)),
    ];
    let rows: String = rows
        .iter()
        .map(|(k, v)| format!("<tr><th>{k}</th><td>{v}</td></tr>"))
        .collect();
    format!("<table id=\"practice-table\">{rows}</table>")
}

/// A row's status cell, and its actions: the edit link and the deactivate or reactivate
/// button.
fn row_end(csrf: &str, kind: &str, id: i64, active: bool) -> String {
    let status = if active {
        "<td class=\"active\">active</td>"
    } else {
        "<td class=\"inactive\"><strong>inactive</strong></td>"
    };
    format!(
        "{status}<td><a href=\"/admin/practice/{kind}/{id}\" class=\"edit\">Edit</a> {}</td>",
        toggle_button(csrf, kind, id, active)
    )
}

fn providers_table(csrf: &str, list: &[ProviderEntry]) -> String {
    if list.is_empty() {
        return "<p class=\"muted\">No provider yet.</p>".to_owned();
    }
    let rows: String = list
        .iter()
        .map(|e| {
            let p = &e.provider;
            format!(
                "<tr id=\"provider-{}\"><td>{}</td><td>{}, {}</td><td>{}</td><td>{}</td><td>{}</td>{}</tr>",
                e.id,
                esc(&p.npi),
                esc(&p.last_name),
                esc(&p.first_name),
                credential(p.credential),
                esc(&p.taxonomy),
                esc(p.supervisor_npi.as_deref().unwrap_or("")),
                row_end(csrf, "providers", e.id, e.active)
            )
        })
        .collect();
    format!(
        "<table id=\"provider-list\"><tr><th>NPI</th><th>Name</th><th>Credential</th>\
         <th>Taxonomy</th><th>Supervising OT (NPI)</th><th>Status</th><th></th></tr>{rows}</table>"
    )
}

fn payers_table(csrf: &str, list: &[PayerEntry]) -> String {
    if list.is_empty() {
        return "<p class=\"muted\">No payer yet.</p>".to_owned();
    }
    let rows: String = list
        .iter()
        .map(|e| {
            let p = &e.payer;
            format!(
                "<tr id=\"payer-{}\"><td>{}</td><td>{}</td><td>{} · <a href=\"/admin/payers/{}/rules\" class=\"rules-link\">billing rules</a></td><td>{}</td>{}</tr>",
                e.id,
                esc(&p.payer_id),
                esc(&p.name),
                esc(&p.profile),
                e.id,
                esc(&p.filing_indicator),
                row_end(csrf, "payers", e.id, e.active)
            )
        })
        .collect();
    format!(
        "<table id=\"payer-list\"><tr><th>Payer id</th><th>Name</th><th>Coding profile</th>\
         <th>Claim filing indicator</th><th>Status</th><th></th></tr>{rows}</table>"
    )
}

fn credential(c: Credential) -> &'static str {
    match c {
        Credential::OT => "OT",
        Credential::OTA => "OTA",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_practice_form_reads_back_what_it_shows() {
        let v = values(&[
            ("name", " BRIGHT HANDS OT "),
            ("npi", "1234567893"),
            ("ein", "93-1234567"),
            ("taxonomy", "225X00000X"),
            ("line1", "1450 COMMERCIAL ST SE"),
            ("line2", ""),
            ("city", "SALEM"),
            ("state", "OR"),
            ("zip", "97302-1234"),
            ("submitter_id", "BRIGHTHANDSOT"),
            ("receiver_id", "CLEARHOUSE01"),
            ("receiver_name", "CLEARHOUSE EXCHANGE"),
            ("contact_name", "BILLING OFFICE"),
            ("contact_phone", "(503) 555-0100"),
            ("usage", "test"),
        ]);
        let p = practice_from(&v);
        assert_eq!(p.name, "BRIGHT HANDS OT");
        assert_eq!(p.ein, "931234567");
        assert_eq!(p.address.zip, "973021234");
        assert_eq!(p.address.line2, None);
        assert_eq!(p.contact_phone, "5035550100");
        let shown = practice_values(&p);
        assert_eq!(practice_from(&shown), p);
    }

    #[test]
    fn the_provider_and_payer_forms_read_back_what_they_show() {
        let p = Provider {
            npi: "1234567893".into(),
            last_name: "REED".into(),
            first_name: "DANA".into(),
            credential: Credential::OTA,
            taxonomy: "224Z00000X".into(),
            supervisor_npi: Some("1245319599".into()),
        };
        assert_eq!(provider_from(&provider_values(&p)).ok(), Some(p));
        let p = Payer {
            payer_id: "01112".into(),
            name: "MEDICARE PART B".into(),
            profile: "medicare".into(),
            filing_indicator: "MB".into(),
        };
        assert_eq!(payer_from(&payer_values(&p)), p);
    }

    #[test]
    fn each_row_has_its_edit_link_and_toggle() {
        let e = PayerEntry {
            id: 7,
            active: false,
            payer: Payer {
                payer_id: "X<1".into(),
                name: "N".into(),
                profile: "commercial".into(),
                filing_indicator: "CI".into(),
            },
        };
        let html = payers_table("<input name=\"csrf\">", &[e]);
        assert!(html.contains("href=\"/admin/practice/payers/7\""), "{html}");
        assert!(
            html.contains("action=\"/admin/practice/payers/7/reactivate\""),
            "{html}"
        );
        assert!(html.contains("inactive"), "{html}");
        assert!(html.contains("X&lt;1"), "{html}");
        assert!(html.contains("name=\"csrf\""), "{html}");
    }

    #[test]
    fn a_bad_credential_names_the_field() {
        let e = provider_from(&values(&[("credential", "PT")])).err();
        assert!(
            matches!(e, Some(AppError::BadRequest { field: Some(ref f), .. }) if f == "provider.credential")
        );
    }

    #[test]
    fn the_error_marks_the_input_it_names() {
        let refused = Refused {
            which: Which::Practice,
            values: values(&[("zip", "123<")]),
            error: AppError::field("practice.address.zip", "must be [9] digits"),
        };
        let f = Inputs::new(Values::new(), Some(&refused));
        let html = f.text("zip", "ZIP", "");
        assert!(html.contains("aria-invalid=\"true\""), "{html}");
        assert!(html.contains("123&lt;"), "typed values are escaped: {html}");
        assert!(!f.text("city", "City", "").contains("aria-invalid"));
        assert!(f.error("e").contains("practice.address.zip"));
    }
}
