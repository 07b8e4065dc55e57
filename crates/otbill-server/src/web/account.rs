//! The patient page's account: the balances (insurance, patient, credit), the account
//! ledger with its running balance, the payments with their receipts, and, for billers,
//! the form that takes a payment (a copay at check-in, a check in the mail).

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use otbill_store::patient_accounts::{Account, NewPayment, PaymentMethod};
use rust_decimal::Decimal;

use super::{csrf_field, esc, money, WebForm, WebResult, WebUser};
use crate::auth::{Perm, Principal};
use crate::error::AppError;
use crate::{ops, payments, AppState};

/// Routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/patients/{id}/payments", post(take))
        .route(
            "/patients/{id}/payments/{payment}/receipt.pdf",
            get(receipt),
        )
}

fn payment_from(patient_id: i64, f: &HashMap<String, String>) -> Result<NewPayment, AppError> {
    let get = |k: &str| f.get(k).map(|s| s.trim()).unwrap_or("");
    let amount: Decimal = get("amount")
        .parse()
        .map_err(|_| AppError::field("payment.amount", "an amount like 25.00"))?;
    let method = PaymentMethod::parse(get("method"))
        .ok_or_else(|| AppError::field("payment.method", "cash, check, card or other"))?;
    let received_on = match get("received_on") {
        "" => crate::today(),
        d => d
            .parse()
            .map_err(|_| AppError::field("payment.received_on", "a date like 2026-03-02"))?,
    };
    let id = |k: &str| -> Result<Option<i64>, AppError> {
        match get(k) {
            "" => Ok(None),
            v => v
                .parse()
                .map(Some)
                .map_err(|_| AppError::field(format!("payment.{k}"), "choose one from the list")),
        }
    };
    let text = |k: &str| Some(get(k).to_owned()).filter(|s| !s.is_empty());
    Ok(NewPayment {
        patient_id,
        received_on,
        amount,
        method,
        reference: text("reference"),
        claim_id: id("claim_id")?,
        visit_id: id("visit_id")?,
        note: text("note"),
    })
}

async fn take(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    f: WebForm<HashMap<String, String>>,
) -> WebResult {
    let user = f.user;
    user.require(Perm::Billing)?;
    let payment = payment_from(id, &f.form).map_err(|e| user.err(e))?;
    let out = payments::record(&state, &user.0, "/patients/{id}/payments", payment)
        .await
        .map_err(|e| user.err(e))?;
    Ok(Redirect::to(&format!("/patients/{id}?paid={}#account", out.payment_id)).into_response())
}

async fn receipt(
    State(state): State<AppState>,
    user: WebUser,
    Path((id, payment)): Path<(i64, i64)>,
) -> WebResult {
    user.require(Perm::PatientRead)?;
    ops::check_patient_scope(
        &state,
        &user.0,
        id,
        "/patients/{id}/payments/{payment}/receipt.pdf",
    )
    .await
    .map_err(|e| user.err(e))?;
    let r = state
        .ledger
        .run(&user.0.username, move |s| {
            payments::receipt_of(s, id, payment)
        })
        .await
        .map_err(|e| user.err(e))?
        .ok_or_else(|| user.err(AppError::NotFound))?;
    crate::api::records::log(
        &state,
        &user.0,
        crate::audit::Entry::new(
            crate::audit::Action::Read,
            "receipt",
            "/patients/{id}/payments/{payment}/receipt.pdf",
        )
        .on(payment)
        .patient(id),
    )
    .await
    .map_err(|e| user.err(e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"receipt-{payment}.pdf\""),
            ),
        ],
        otbill_forms::render_receipt(&r),
    )
        .into_response())
}

/// The account section of the patient page. `visits` are `(visit id, date)` for the
/// payment form's "taken at the visit" choice; `paid` the payment just taken.
pub fn section(
    who: &Principal,
    a: &Account,
    visits: &[(i64, String)],
    paid: Option<i64>,
) -> String {
    let rows: String = a
        .entries
        .iter()
        .map(|e| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                e.date,
                esc(&format!("{:?}", e.kind)),
                esc(e.pcn.as_deref().unwrap_or("")),
                esc(&e.detail),
                money(e.amount),
                money(e.balance)
            )
        })
        .collect();
    let pays: String = a
        .payments
        .iter()
        .map(|p| {
            format!(
                "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td>\
                 <td><a href=\"/patients/{}/payments/{}/receipt.pdf\">receipt</a></td></tr>",
                p.received_on,
                money(p.amount),
                esc(p.method.as_str()),
                money(p.unapplied),
                a.patient_id,
                p.id
            )
        })
        .collect();
    let flag = if a.credit_flag {
        format!("<p class=\"error\" id=\"account-credit\">Credit balance of {}: refund it or apply it to the next visit.</p>", money(a.unapplied_credit))
    } else {
        String::new()
    };
    let done = paid.map_or(String::new(), |p| {
        format!("<p class=\"ok\" id=\"payment-status\">Payment {p} recorded.</p>")
    });
    let form = if Perm::Billing.allows(who.role) {
        let claims: String = a
            .claims
            .iter()
            .filter(|c| c.patient > Decimal::ZERO)
            .map(|c| {
                format!(
                    "<option value=\"{}\">{} {} (patient owes {})</option>",
                    c.claim_id,
                    esc(&c.pcn),
                    c.service_date,
                    money(c.patient)
                )
            })
            .collect();
        let visit_opts: String = visits
            .iter()
            .map(|(id, date)| format!("<option value=\"{id}\">visit of {}</option>", esc(date)))
            .collect();
        format!(
            "<form method=\"post\" action=\"/patients/{}/payments\" id=\"payment-form\" class=\"card\">{}\
             <div class=\"grid\"><label>Amount <input name=\"amount\" required size=\"8\" inputmode=\"decimal\"></label>\
             <label>Method <select name=\"method\"><option value=\"cash\">cash</option><option value=\"check\">check</option>\
             <option value=\"card\">card</option><option value=\"other\">other</option></select></label>\
             <label>Check number or card reference <input name=\"reference\" size=\"14\"></label>\
             <label>Received <input type=\"date\" name=\"received_on\" value=\"{}\"></label>\
             <label>Apply to <select name=\"claim_id\"><option value=\"\">oldest balances first</option>{claims}</select></label>\
             <label>Taken at <select name=\"visit_id\"><option value=\"\">no visit</option>{visit_opts}</select></label></div>\
             <button type=\"submit\">Record payment</button></form>",
            a.patient_id,
            csrf_field(who),
            crate::today()
        )
    } else {
        String::new()
    };
    format!(
        "<h2 id=\"account\">Account</h2>{done}{flag}<table id=\"account-balances\"><tr><th>Insurance owes</th><th>Patient owes</th><th>Credit</th><th>Total</th></tr>\
         <tr><td class=\"num\">{}</td><td class=\"num\" id=\"patient-balance\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr></table>\
         <table id=\"account-ledger\"><tr><th>Date</th><th>Entry</th><th>Claim</th><th>Detail</th><th>Amount</th><th>Balance</th></tr>{rows}</table>\
         <h3>Payments</h3><table id=\"payments\"><tr><th>Received</th><th>Amount</th><th>Method</th><th>Unapplied</th><th></th></tr>{pays}</table>{form}",
        money(a.insurance_balance),
        money(a.patient_balance),
        money(a.unapplied_credit),
        money(a.total)
    )
}
