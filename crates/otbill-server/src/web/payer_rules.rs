//! The payer rules editor, `/admin/payers/{id}/rules`: the rules in effect today (or the
//! coding profile's defaults, which an edit starts from), a form for a new rule set from
//! an effective date, and the history (who changed what, when). Admins edit; billers see
//! the page read-only.
//!
//! The form is turned into the rule set's JSON and read by `PayerRules::from_json`, so a
//! contradiction is refused by the same checks, with the same field names, as the API's.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use otbill_scrub::payer_rules::{Coordination, DistinctModifier};
use otbill_scrub::PayerRules;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{csrf_field, esc, page, WebForm, WebResult, WebUser};
use crate::auth::Perm;
use crate::eligibility::{self as elig, RulesBody};
use crate::error::AppError;
use crate::AppState;

const ROUTE: &str = "/admin/payers/{id}/rules";

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new().route(ROUTE, get(show).post(save))
}

#[derive(Deserialize)]
struct Saved {
    #[serde(default)]
    saved: Option<i64>,
}

async fn show(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
    Query(q): Query<Saved>,
) -> WebResult {
    let view = elig::rules_of(&state, &user.0, ROUTE, id, crate::today())
        .await
        .map_err(|e| user.err(e))?;
    let note = match q.saved {
        Some(n) => format!("<p class=\"ok\" id=\"rules-status\">Rule set {n} saved.</p>"),
        None => String::new(),
    };
    let body = render(
        &user,
        id,
        &view.rules,
        view.defaults,
        &view.history,
        &note,
        None,
    );
    Ok(page(
        &format!("Billing rules: {}", view.payer.payer.name),
        Some(&user.0),
        &body,
    )
    .into_response())
}

async fn save(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: WebForm<HashMap<String, String>>,
) -> WebResult {
    let user = f.user;
    user.require(Perm::Admin)?;
    let parsed = body_from(&f.form);
    let res = match parsed {
        Ok(body) => elig::set_rules(&state, &user.0, ROUTE, id, body).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(n) => Ok(Redirect::to(&format!("/admin/payers/{id}/rules?saved={n}")).into_response()),
        Err(e @ (AppError::BadRequest { .. } | AppError::Conflict(_))) => {
            // Refused: the page again with the message, and the history as it is.
            let view = elig::rules_of(&state, &user.0, ROUTE, id, crate::today())
                .await
                .map_err(|e| user.err(e))?;
            let msg = match &e {
                AppError::BadRequest {
                    field: Some(f),
                    message,
                } => format!("{f}: {message}"),
                other => other.to_string(),
            };
            let note = format!(
                "<p class=\"error\" id=\"rules-status\">Not saved: {}</p>",
                esc(&msg)
            );
            let body = render(
                &user,
                id,
                &view.rules,
                view.defaults,
                &view.history,
                &note,
                Some(&f.form),
            );
            Ok(page("Billing rules", Some(&user.0), &body).into_response())
        }
        Err(e) => Err(user.err(e)),
    }
}

/// The form's values as the API's body: numbers stay numbers (a negative one is refused by
/// the rules' own reading, naming the field), blanks are absent.
fn body_from(f: &HashMap<String, String>) -> Result<RulesBody, AppError> {
    let get = |k: &str| f.get(k).map(|s| s.trim()).unwrap_or("");
    let number = |k: &str| -> Result<Value, AppError> {
        match get(k) {
            "" => Ok(Value::Null),
            v => v
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| AppError::field(k, "a whole number")),
        }
    };
    let on = |k: &str| get(k) == "1";
    let mut rules = Map::new();
    rules.insert("unit_method".into(), json!(get("unit_method")));
    rules.insert(
        "min_minutes_per_unit".into(),
        number("min_minutes_per_unit")?,
    );
    let visits = number("visit_limit")?;
    if !visits.is_null() {
        rules.insert(
            "visit_limit".into(),
            json!({ "visits": visits, "reset": match get("visit_reset") { "" => "01-01", r => r } }),
        );
    }
    rules.insert(
        "authorization".into(),
        json!({ "required": on("auth_required"), "evaluation_needs_one": on("auth_evaluation") }),
    );
    rules.insert(
        "progress_report".into(),
        json!({ "every_visits": number("progress_visits")?, "every_days": number("progress_days")? }),
    );
    rules.insert(
        "recertification_days".into(),
        number("recertification_days")?,
    );
    let filing = number("timely_filing_days")?;
    if filing.is_null() {
        return Err(AppError::field("timely_filing_days", "required"));
    }
    rules.insert("timely_filing_days".into(), filing);
    let mut limits = Vec::new();
    for (i, line) in get("units_per_day")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        limits.push(unit_limit(i, line)?);
    }
    rules.insert("units_per_day".into(), Value::Array(limits));
    rules.insert(
        "modifiers".into(),
        json!({ "discipline_always": on("discipline_always"), "distinct": get("distinct"), "kx": on("kx") }),
    );
    rules.insert("coordination".into(), json!(get("coordination")));
    let text = Value::Object(rules).to_string();
    let rules = PayerRules::from_json(&text).map_err(|e| AppError::field(e.field, e.message))?;
    let effective = get("effective")
        .parse()
        .map_err(|_| AppError::field("effective", "a date like 2026-07-01"))?;
    let note = Some(get("note").to_owned()).filter(|n| !n.is_empty());
    Ok(RulesBody {
        effective,
        rules,
        note,
    })
}

/// One line of the units-per-day box: `CODE max N`, `CODE min N`, or both.
fn unit_limit(i: usize, line: &str) -> Result<Value, AppError> {
    let field = format!("units_per_day[{i}]");
    let bad = || {
        AppError::field(
            field.clone(),
            "write CODE max N, CODE min N, or CODE min N max M",
        )
    };
    let mut words = line.split_whitespace();
    let code = words.next().ok_or_else(bad)?;
    let mut limit = Map::new();
    limit.insert("code".into(), json!(code));
    while let Some(key) = words.next() {
        if key != "min" && key != "max" {
            return Err(bad());
        }
        let n: i64 = words.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
        limit.insert(key.into(), json!(n));
    }
    Ok(Value::Object(limit))
}

/// The page: the form (filled with `rules`, or with what was posted when it was refused)
/// and the history.
fn render(
    user: &WebUser,
    id: i64,
    rules: &PayerRules,
    defaults: bool,
    history: &[otbill_store::payer_rules::RuleSetRow],
    note: &str,
    posted: Option<&HashMap<String, String>>,
) -> String {
    let admin = Perm::Admin.allows(user.0.role);
    let num = |n: Option<u32>| n.map_or(String::new(), |n| n.to_string());
    let mut v: HashMap<&str, String> = HashMap::new();
    v.insert(
        "unit_method",
        serde_json::to_value(rules.unit_method)
            .ok()
            .and_then(|x| x.as_str().map(str::to_owned))
            .unwrap_or_default(),
    );
    v.insert("min_minutes_per_unit", num(rules.min_minutes_per_unit));
    v.insert("visit_limit", num(rules.visit_limit.map(|l| l.visits)));
    v.insert(
        "visit_reset",
        rules
            .visit_limit
            .map_or("01-01".to_owned(), |l| l.reset.to_string()),
    );
    v.insert("progress_visits", num(rules.progress_report.every_visits));
    v.insert("progress_days", num(rules.progress_report.every_days));
    v.insert("recertification_days", num(rules.recertification_days));
    v.insert("timely_filing_days", rules.timely_filing_days.to_string());
    let mut units = String::new();
    for l in &rules.units_per_day {
        let _ = write!(units, "{}", l.code);
        if let Some(n) = l.min {
            let _ = write!(units, " min {n}");
        }
        if let Some(n) = l.max {
            let _ = write!(units, " max {n}");
        }
        units.push('\n');
    }
    v.insert("units_per_day", units);
    v.insert(
        "distinct",
        match rules.modifiers.distinct {
            DistinctModifier::FiftyNine => "59",
            DistinctModifier::X => "X",
        }
        .to_owned(),
    );
    v.insert(
        "coordination",
        match rules.coordination {
            Coordination::Primary => "primary",
            Coordination::Secondary => "secondary",
            Coordination::Stricter => "stricter",
        }
        .to_owned(),
    );
    let flag = |b: bool| if b { "1".to_owned() } else { String::new() };
    v.insert("auth_required", flag(rules.authorization.required));
    v.insert(
        "auth_evaluation",
        flag(rules.authorization.evaluation_needs_one),
    );
    v.insert("discipline_always", flag(rules.modifiers.discipline_always));
    v.insert("kx", flag(rules.modifiers.kx));
    v.insert("effective", crate::today().to_string());
    v.insert("note", String::new());
    let val = |k: &str| -> String {
        match posted {
            Some(p) => p.get(k).cloned().unwrap_or_default(),
            None => v.get(k).cloned().unwrap_or_default(),
        }
    };
    let dis = if admin { "" } else { " disabled" };
    let input = |k: &str, label: &str, kind: &str| {
        format!(
            "<label>{label} <input name=\"{k}\" type=\"{kind}\" value=\"{}\"{dis}></label>",
            esc(&val(k))
        )
    };
    let check = |k: &str, label: &str| {
        let on = if val(k) == "1" { " checked" } else { "" };
        format!("<label class=\"check\"><input type=\"checkbox\" name=\"{k}\" value=\"1\"{on}{dis}> {label}</label>")
    };
    let select = |k: &str, label: &str, opts: &[(&str, &str)]| {
        let cur = val(k);
        let o: String = opts
            .iter()
            .map(|(value, text)| {
                let sel = if cur == *value { " selected" } else { "" };
                format!("<option value=\"{value}\"{sel}>{text}</option>")
            })
            .collect();
        format!("<label>{label} <select name=\"{k}\"{dis}>{o}</select></label>")
    };
    let from = if defaults {
        "<p class=\"muted\" id=\"rules-defaults\">No rule set is in effect today: the form shows the defaults of the payer's coding profile. Saving stores them as this payer's rules.</p>"
    } else {
        ""
    };
    let form = format!(
        "<form method=\"post\" action=\"/admin/payers/{id}/rules\" id=\"rules-form\" class=\"card\">{csrf}\
         <div class=\"grid\">{unit}{minm}{visits}{reset}{pv}{pd}{recert}{filing}{distinct}{coord}</div>\
         <div class=\"grid\">{ar}{ae}{da}{kx}</div>\
         <label>Units per code per day (one per line: <code>97530 max 4</code>) \
         <textarea name=\"units_per_day\" rows=\"3\"{dis}>{units}</textarea></label>\
         <div class=\"grid\">{eff}{note_in}</div>{button}</form>",
        csrf = csrf_field(&user.0),
        unit = select("unit_method", "Unit method", &[("medicare_total_time", "Medicare total time (8-minute rule)"), ("cpt_midpoint", "CPT midpoint, per code")]),
        minm = input("min_minutes_per_unit", "Minutes a unit needs (blank: the method's own)", "number"),
        visits = input("visit_limit", "Visits per plan year (blank: no limit)", "number"),
        reset = input("visit_reset", "Plan year starts (MM-DD)", "text"),
        pv = input("progress_visits", "Progress report every N visits", "number"),
        pd = input("progress_days", "Progress report every N days", "number"),
        recert = input("recertification_days", "Recertification every N days", "number"),
        filing = input("timely_filing_days", "Timely filing limit (days)", "number"),
        distinct = select("distinct", "Distinct-service modifier", &[("59", "59"), ("X", "XE/XS/XP/XU")]),
        coord = select("coordination", "When the secondary's rules differ", &[("primary", "this payer's rules win"), ("secondary", "the secondary's rules win"), ("stricter", "the stricter rule wins")]),
        ar = check("auth_required", "Authorization required"),
        ae = check("auth_evaluation", "The evaluation needs one too"),
        da = check("discipline_always", "GO on every line"),
        kx = check("kx", "KX modifier above the therapy threshold"),
        units = esc(&val("units_per_day")),
        eff = input("effective", "Effective from (date of service)", "date"),
        note_in = input("note", "Why (kept in the history)", "text"),
        button = if admin { "<button type=\"submit\">Save rule set</button>" } else { "" },
    );
    let rows: String = history
        .iter()
        .rev()
        .map(|r| {
            format!(
                "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                if r.current { "" } else { " class=\"muted\"" },
                r.id,
                r.effective,
                esc(&r.created_at),
                esc(&r.created_by),
                esc(r.note.as_deref().unwrap_or("")),
                if r.current {
                    "in use from its date"
                } else {
                    "replaced by a later edit"
                }
            )
        })
        .collect();
    format!(
        "{note}{from}{form}<h2>History</h2><table id=\"rules-history\"><tr><th>Rule set</th><th>Effective</th>\
         <th>Stored</th><th>By</th><th>Note</th><th></th></tr>{rows}</table>\
         <p><a href=\"/admin/practice\">Back to the practice settings</a></p>"
    )
}
