//! The settings page's forms: rendering the practice, provider and payer forms (filled
//! from what is stored or from what was typed), and reading the posted values back into
//! the store's records.

use super::*;

/// One form's inputs: the values to show and the input the error names, if any.
pub(super) struct Inputs<'a> {
    values: Values,
    bad: Option<String>,
    error: Option<&'a AppError>,
}

impl<'a> Inputs<'a> {
    pub(super) fn new(stored: Values, refused: Option<&'a Refused>) -> Self {
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

    pub(super) fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    pub(super) fn invalid(&self, name: &str) -> &'static str {
        if self.bad.as_deref() == Some(name) {
            " aria-invalid=\"true\""
        } else {
            ""
        }
    }

    /// A labelled text input; `attrs` are extra attributes (`required`, `maxlength`...).
    pub(super) fn text(&self, name: &str, label: &str, attrs: &str) -> String {
        format!(
            "<label>{label} <input name=\"{name}\" value=\"{}\"{attrs}{}></label>",
            esc(self.value(name)),
            self.invalid(name)
        )
    }

    /// A labelled select of `(value, label)` options, the current value selected.
    pub(super) fn select(&self, name: &str, label: &str, options: &[(String, String)]) -> String {
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
    pub(super) fn error(&self, id: &str) -> String {
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

pub(super) fn practice_form(csrf: &str, s: &Settings, refused: Option<&Refused>) -> String {
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

/// The add form, or with `editing` the edit form of that provider (filled with it).
pub(super) fn provider_form(
    csrf: &str,
    s: &Settings,
    refused: Option<&Refused>,
    editing: Option<&ProviderEntry>,
) -> String {
    let f = Inputs::new(
        editing
            .map(|e| provider_values(&e.provider))
            .unwrap_or_default(),
        refused,
    );
    // An OTA's supervisor must be an active OT already on file (not the provider itself).
    let mut supervisors = vec![(String::new(), "(none: an OT)".to_owned())];
    supervisors.extend(
        s.providers
            .iter()
            .filter(|e| e.active && e.provider.credential == Credential::OT)
            .filter(|e| editing.is_none_or(|x| x.id != e.id))
            .map(|e| {
                let p = &e.provider;
                (
                    p.npi.clone(),
                    format!("{}, {} ({})", p.last_name, p.first_name, p.npi),
                )
            }),
    );
    let (title, action, button) = match editing {
        Some(e) => (
            "Correct the provider",
            format!("/admin/practice/providers/{}", e.id),
            "Save provider",
        ),
        None => (
            "Add a provider",
            "/admin/practice/providers".to_owned(),
            "Add provider",
        ),
    };
    format!(
        "<h3>{title}</h3><form method=\"post\" action=\"{action}#provider-form\" id=\"provider-form\" class=\"card\">{csrf}{}\
         <div class=\"grid\">{}{}{}</div><div class=\"grid\">{}{}{}</div>\
         <datalist id=\"provider-taxonomies\"><option value=\"225X00000X\"><option value=\"224Z00000X\"></datalist>\
         <button type=\"submit\">{button}</button></form>",
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

/// The add form, or with `editing` the edit form of that payer (filled with it).
pub(super) fn payer_form(
    csrf: &str,
    s: &Settings,
    refused: Option<&Refused>,
    editing: Option<&PayerEntry>,
) -> String {
    let f = Inputs::new(
        editing.map(|e| payer_values(&e.payer)).unwrap_or_default(),
        refused,
    );
    let profiles: Vec<&str> = s.profiles.iter().map(String::as_str).collect();
    let (title, action, button) = match editing {
        Some(e) => (
            "Correct the payer",
            format!("/admin/practice/payers/{}", e.id),
            "Save payer",
        ),
        None => (
            "Add a payer",
            "/admin/practice/payers".to_owned(),
            "Add payer",
        ),
    };
    format!(
        "<h3>{title}</h3><form method=\"post\" action=\"{action}#payer-form\" id=\"payer-form\" class=\"card\">{csrf}{}\
         <div class=\"grid\">{}{}{}{}</div>\
         <datalist id=\"filing-indicators\"><option value=\"MB\">Medicare Part B</option>\
         <option value=\"MC\">Medicaid</option><option value=\"CI\">Commercial</option>\
         <option value=\"BL\">Blue Cross Blue Shield</option><option value=\"HM\">HMO</option></datalist>\
         <button type=\"submit\">{button}</button></form>",
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
pub(super) fn practice_values(p: &Practice) -> Values {
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

/// A stored provider as the form's values.
pub(super) fn provider_values(p: &Provider) -> Values {
    [
        ("npi", p.npi.as_str()),
        ("last_name", &p.last_name),
        ("first_name", &p.first_name),
        ("credential", credential(p.credential)),
        ("taxonomy", &p.taxonomy),
        ("supervisor_npi", p.supervisor_npi.as_deref().unwrap_or("")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// A stored payer as the form's values.
pub(super) fn payer_values(p: &Payer) -> Values {
    [
        ("payer_id", p.payer_id.as_str()),
        ("name", &p.name),
        ("profile", &p.profile),
        ("filing_indicator", &p.filing_indicator),
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

pub(super) fn practice_from(v: &Values) -> Practice {
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

pub(super) fn provider_from(v: &Values) -> Result<Provider, AppError> {
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

pub(super) fn payer_from(v: &Values) -> Payer {
    Payer {
        payer_id: field(v, "payer_id"),
        name: field(v, "name"),
        profile: field(v, "profile"),
        filing_indicator: field(v, "filing_indicator"),
    }
}
