//! The admin's practice settings page, `/admin/practice`: the practice and its billing
//! provider, the rendering providers and the payers, with a form to edit the practice and
//! forms to add a provider and a payer.
//!
//! The forms post to their own routes and go through [`crate::settings`] (role check,
//! store call, audit entry), like the JSON API. A refused form is shown again with what was
//! typed and the error next to it; nothing is saved, since the store validates a record
//! whole before writing it in one transaction. A saved form redirects back to the page
//! (post/redirect/get), with a flash chosen from fixed texts, so a reload posts nothing.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use otbill_store::records::{Address, Credential, Payer, Practice, Provider};
use serde::Deserialize;

use super::{csrf_field, esc, page_status, WebForm, WebResult, WebUser};
use crate::auth::Perm;
use crate::error::AppError;
use crate::settings::{self, Settings};
use crate::AppState;

const PAGE: &str = "/admin/practice";

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(show).post(save_practice))
        .route("/admin/practice/providers", post(add_provider))
        .route("/admin/practice/payers", post(add_payer))
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
        providers_table(&s.providers),
        provider_form(&csrf, &s, for_form(Which::Provider)),
        payers_table(&s.payers),
        payer_form(&csrf, &s, for_form(Which::Payer)),
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

fn providers_table(list: &[Provider]) -> String {
    if list.is_empty() {
        return "<p class=\"muted\">No provider yet.</p>".to_owned();
    }
    let rows: String = list
        .iter()
        .map(|p| {
            format!(
                "<tr><td>{}</td><td>{}, {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&p.npi),
                esc(&p.last_name),
                esc(&p.first_name),
                credential(p.credential),
                esc(&p.taxonomy),
                esc(p.supervisor_npi.as_deref().unwrap_or(""))
            )
        })
        .collect();
    format!(
        "<table id=\"provider-list\"><tr><th>NPI</th><th>Name</th><th>Credential</th>\
         <th>Taxonomy</th><th>Supervising OT (NPI)</th></tr>{rows}</table>"
    )
}

fn payers_table(list: &[Payer]) -> String {
    if list.is_empty() {
        return "<p class=\"muted\">No payer yet.</p>".to_owned();
    }
    let rows: String = list
        .iter()
        .map(|p| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&p.payer_id),
                esc(&p.name),
                esc(&p.profile),
                esc(&p.filing_indicator)
            )
        })
        .collect();
    format!(
        "<table id=\"payer-list\"><tr><th>Payer id</th><th>Name</th><th>Coding profile</th>\
         <th>Claim filing indicator</th></tr>{rows}</table>"
    )
}

fn credential(c: Credential) -> &'static str {
    match c {
        Credential::OT => "OT",
        Credential::OTA => "OTA",
    }
}

/// One form's inputs: the values to show and the input the error names, if any.
struct Inputs<'a> {
    values: Values,
    bad: Option<String>,
    error: Option<&'a AppError>,
}

impl<'a> Inputs<'a> {
    fn new(stored: Values, refused: Option<&'a Refused>) -> Self {
        match refused {
            Some(r) => Inputs {
                values: r.values.clone(),
                // The store names `practice.address.zip`; the input is `zip`.
                bad: match &r.error {
                    AppError::BadRequest { field: Some(f), .. } => {
                        f.rsplit('.').next().map(str::to_owned)
                    }
                    _ => None,
                },
                error: Some(&r.error),
            },
            None => Inputs {
                values: stored,
                bad: None,
                error: None,
            },
        }
    }

    fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    fn invalid(&self, name: &str) -> &'static str {
        if self.bad.as_deref() == Some(name) {
            " aria-invalid=\"true\""
        } else {
            ""
        }
    }

    /// A labelled text input; `attrs` are extra attributes (`required`, `maxlength`...).
    fn text(&self, name: &str, label: &str, attrs: &str) -> String {
        format!(
            "<label>{label} <input name=\"{name}\" value=\"{}\"{attrs}{}></label>",
            esc(self.value(name)),
            self.invalid(name)
        )
    }

    /// A labelled select of `(value, label)` options, the current value selected.
    fn select(&self, name: &str, label: &str, options: &[(String, String)]) -> String {
        let current = self.value(name);
        let opts: String = options
            .iter()
            .map(|(v, l)| {
                let sel = if v == current { " selected" } else { "" };
                format!("<option value=\"{}\"{sel}>{}</option>", esc(v), esc(l))
            })
            .collect();
        format!(
            "<label>{label} <select name=\"{name}\"{}>{opts}</select></label>",
            self.invalid(name)
        )
    }

    /// The error, shown at the top of the form it belongs to.
    fn error(&self, id: &str) -> String {
        let Some(e) = self.error else {
            return String::new();
        };
        let field = match e {
            AppError::BadRequest { field: Some(f), .. } => {
                format!(" <span class=\"field\">({})</span>", esc(f))
            }
            _ => String::new(),
        };
        format!(
            "<p class=\"error\" id=\"{id}\" role=\"alert\">Not saved: {}{field}</p>",
            esc(&e.public_message())
        )
    }
}

fn opts(list: &[&str]) -> Vec<(String, String)> {
    list.iter()
        .map(|s| ((*s).to_owned(), (*s).to_owned()))
        .collect()
}

fn practice_form(csrf: &str, s: &Settings, refused: Option<&Refused>) -> String {
    let stored = s.practice.as_ref().map(practice_values).unwrap_or_default();
    let f = Inputs::new(stored, refused);
    let title = if s.practice.is_some() {
        "Edit the practice"
    } else {
        "Set the practice"
    };
    format!(
        "<h3>{title}</h3><form method=\"post\" action=\"{PAGE}#practice-form\" id=\"practice-form\" class=\"card\">{csrf}{}\
         <div class=\"grid\">{}{}{}{}</div>\
         <div class=\"grid\">{}{}{}{}{}</div>\
         <div class=\"grid\">{}{}{}</div>\
         <div class=\"grid\">{}{}{}</div>\
         <datalist id=\"taxonomies\"><option value=\"225X00000X\"><option value=\"224Z00000X\"></datalist>\
         <button type=\"submit\">Save practice</button></form>",
        f.error("practice-error"),
        f.text("name", "Legal name", " required maxlength=\"60\""),
        f.text("npi", "NPI (type 2)", " required inputmode=\"numeric\" size=\"10\""),
        f.text("ein", "EIN (9 digits)", " required inputmode=\"numeric\""),
        f.text("taxonomy", "Taxonomy", " required list=\"taxonomies\" size=\"10\""),
        f.text("line1", "Street", " required maxlength=\"55\""),
        f.text("line2", "Suite (optional)", " maxlength=\"55\""),
        f.text("city", "City", " required maxlength=\"30\""),
        f.text("state", "State", " required maxlength=\"2\" size=\"2\""),
        f.text("zip", "ZIP (9 digits)", " required inputmode=\"numeric\""),
        f.text("submitter_id", "Submitter id (ours)", " required maxlength=\"15\""),
        f.text("receiver_id", "Receiver id (clearinghouse)", " required maxlength=\"15\""),
        f.text("receiver_name", "Clearinghouse name", " required maxlength=\"60\""),
        f.text("contact_name", "Billing contact", " required maxlength=\"60\""),
        f.text("contact_phone", "Contact phone (10 digits)", " required inputmode=\"tel\""),
        f.select(
            "usage",
            "Usage",
            &[
                ("test".into(), "test (ISA15 T)".into()),
                ("production".into(), "production (ISA15 P)".into()),
            ]
        ),
    )
}

fn provider_form(csrf: &str, s: &Settings, refused: Option<&Refused>) -> String {
    let f = Inputs::new(Values::new(), refused);
    // An OTA's supervisor must be an OT already on file.
    let mut supervisors = vec![(String::new(), "(none: an OT)".to_owned())];
    supervisors.extend(
        s.providers
            .iter()
            .filter(|p| p.credential == Credential::OT)
            .map(|p| {
                (
                    p.npi.clone(),
                    format!("{}, {} ({})", p.last_name, p.first_name, p.npi),
                )
            }),
    );
    format!(
        "<h3>Add a provider</h3><form method=\"post\" action=\"/admin/practice/providers#provider-form\" id=\"provider-form\" class=\"card\">{csrf}{}\
         <div class=\"grid\">{}{}{}</div><div class=\"grid\">{}{}{}</div>\
         <datalist id=\"provider-taxonomies\"><option value=\"225X00000X\"><option value=\"224Z00000X\"></datalist>\
         <button type=\"submit\">Add provider</button></form>",
        f.error("provider-error"),
        f.text("npi", "NPI (type 1)", " required inputmode=\"numeric\" size=\"10\""),
        f.text("last_name", "Last name", " required maxlength=\"60\""),
        f.text("first_name", "First name", " required maxlength=\"35\""),
        f.select("credential", "Credential", &opts(&["OT", "OTA"])),
        f.text(
            "taxonomy",
            "Taxonomy (225X… OT, 224Z… OTA)",
            " required list=\"provider-taxonomies\" size=\"10\""
        ),
        f.select("supervisor_npi", "Supervising OT (for an OTA)", &supervisors),
    )
}

fn payer_form(csrf: &str, s: &Settings, refused: Option<&Refused>) -> String {
    let f = Inputs::new(Values::new(), refused);
    let profiles: Vec<&str> = s.profiles.iter().map(String::as_str).collect();
    format!(
        "<h3>Add a payer</h3><form method=\"post\" action=\"/admin/practice/payers#payer-form\" id=\"payer-form\" class=\"card\">{csrf}{}\
         <div class=\"grid\">{}{}{}{}</div>\
         <datalist id=\"filing-indicators\"><option value=\"MB\">Medicare Part B</option>\
         <option value=\"MC\">Medicaid</option><option value=\"CI\">Commercial</option>\
         <option value=\"BL\">Blue Cross Blue Shield</option><option value=\"HM\">HMO</option></datalist>\
         <button type=\"submit\">Add payer</button></form>",
        f.error("payer-error"),
        f.text("payer_id", "Payer id (clearinghouse)", " required maxlength=\"80\""),
        f.text("name", "Name", " required maxlength=\"60\""),
        f.select("profile", "Coding profile", &opts(&profiles)),
        f.text(
            "filing_indicator",
            "Claim filing indicator (SBR09)",
            " required maxlength=\"2\" size=\"2\" list=\"filing-indicators\""
        ),
    )
}

/// The stored practice as the form's values.
fn practice_values(p: &Practice) -> Values {
    let a = &p.address;
    [
        ("name", p.name.as_str()),
        ("npi", &p.npi),
        ("ein", &p.ein),
        ("taxonomy", &p.taxonomy),
        ("line1", &a.line1),
        ("line2", a.line2.as_deref().unwrap_or("")),
        ("city", &a.city),
        ("state", &a.state),
        ("zip", &a.zip),
        ("submitter_id", &p.submitter_id),
        ("receiver_id", &p.receiver_id),
        ("receiver_name", &p.receiver_name),
        ("contact_name", &p.contact_name),
        ("contact_phone", &p.contact_phone),
        ("usage", &p.usage),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// A field as typed, trimmed; missing is empty (the store then names it).
fn field(v: &Values, name: &str) -> String {
    v.get(name).map_or("", |s| s.trim()).to_owned()
}

/// An optional field: empty is none.
fn get_opt(v: &Values, name: &str) -> Option<String> {
    Some(field(v, name)).filter(|s| !s.is_empty())
}

/// A digits-only field as people write it (`93-1234567`, `(503) 555-0100`): the usual
/// separators are dropped; anything else is left for the store to refuse.
fn get_digits(v: &Values, name: &str) -> String {
    field(v, name).replace(['-', ' ', '(', ')', '.'], "")
}

fn practice_from(v: &Values) -> Practice {
    Practice {
        name: field(v, "name"),
        npi: field(v, "npi"),
        ein: get_digits(v, "ein"),
        taxonomy: field(v, "taxonomy"),
        address: Address {
            line1: field(v, "line1"),
            line2: get_opt(v, "line2"),
            city: field(v, "city"),
            state: field(v, "state"),
            zip: get_digits(v, "zip"),
        },
        submitter_id: field(v, "submitter_id"),
        receiver_id: field(v, "receiver_id"),
        receiver_name: field(v, "receiver_name"),
        contact_name: field(v, "contact_name"),
        contact_phone: get_digits(v, "contact_phone"),
        usage: field(v, "usage"),
    }
}

fn provider_from(v: &Values) -> Result<Provider, AppError> {
    let credential = match field(v, "credential").as_str() {
        "OT" => Credential::OT,
        "OTA" => Credential::OTA,
        _ => return Err(AppError::field("provider.credential", "must be OT or OTA")),
    };
    Ok(Provider {
        npi: field(v, "npi"),
        last_name: field(v, "last_name"),
        first_name: field(v, "first_name"),
        credential,
        taxonomy: field(v, "taxonomy"),
        supervisor_npi: get_opt(v, "supervisor_npi"),
    })
}

fn payer_from(v: &Values) -> Payer {
    Payer {
        payer_id: field(v, "payer_id"),
        name: field(v, "name"),
        profile: field(v, "profile"),
        filing_indicator: field(v, "filing_indicator"),
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
