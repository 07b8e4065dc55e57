//! Patient payments and the patient's account, shared by the API
//! (`GET /api/v1/patients/{id}/account`, `POST /api/v1/patients/{id}/payments`), the patient
//! page (the account ledger, the payment form, receipts) and the CLI's receipt.
//!
//! Billers (the front desk) take payments; anyone who may see the patient sees the account.
//! Each step is audited with the patient id, never an amount's payer or a reference.

use otbill_store::patient_accounts::{Account, NewPayment, PaymentOutcome};
use otbill_store::{Error as StoreError, Store};

use crate::audit::{self, Action, Entry};
use crate::auth::{Perm, Principal};
use crate::error::AppResult;
use crate::AppState;

/// Records a payment (billers) and applies it; audited.
pub async fn record(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    payment: NewPayment,
) -> AppResult<PaymentOutcome> {
    who.require(Perm::Billing)?;
    let patient = payment.patient_id;
    let out = state
        .ledger
        .run(&who.username, move |s| s.record_patient_payment(&payment))
        .await?;
    audit::record(
        &state.ledger,
        who,
        Entry::new(Action::Create, "patient_payment", route)
            .on(out.payment_id)
            .patient(patient),
    )
    .await?;
    Ok(out)
}

/// A patient's account (the caller has checked the patient's scope); audited.
pub async fn account(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    patient: i64,
) -> AppResult<Account> {
    who.require(Perm::PatientRead)?;
    let account = state
        .ledger
        .run(&who.username, move |s| s.patient_account(patient))
        .await?;
    audit::record(
        &state.ledger,
        who,
        Entry::new(Action::Read, "patient_account", route)
            .on(patient)
            .patient(patient),
    )
    .await?;
    Ok(account)
}

/// What the receipt of payment `id` of a patient shows, or `None` when the payment is not
/// on that patient's account.
pub fn receipt_of(
    store: &mut Store,
    patient: i64,
    id: i64,
) -> Result<Option<otbill_forms::Receipt>, StoreError> {
    let account = store.patient_account(patient)?;
    let Some(p) = account.payments.iter().find(|p| p.id == id) else {
        return Ok(None);
    };
    let Some(who) = store.patient_record(patient)? else {
        return Ok(None);
    };
    let practice = store
        .practice()?
        .ok_or_else(|| StoreError::NotFound("practice".into()))?;
    let a = &practice.address;
    let mut address = vec![a.line1.clone()];
    address.extend(a.line2.clone());
    address.push(format!("{} {} {}", a.city, a.state, a.zip));
    Ok(Some(otbill_forms::Receipt {
        practice_name: practice.name,
        practice_address: address,
        patient_name: format!("{} {}", who.patient.first_name, who.patient.last_name),
        account: account.account.clone(),
        number: p.id,
        received_on: p.received_on,
        amount: p.amount,
        method: p.method.as_str().to_owned(),
        reference: p.reference.clone(),
        applied: p
            .applied
            .iter()
            .map(|x| otbill_forms::ReceiptLine {
                pcn: x.pcn.clone(),
                service_date: x.service_date,
                amount: x.amount,
            })
            .collect(),
        unapplied: p.unapplied,
    }))
}
