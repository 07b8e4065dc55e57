//! The append-only audit log: who read or changed which patient's records, and when.
//!
//! Every handler that reads or writes patient data calls [`record`] before answering;
//! a failure to record fails the request, so nothing is shown that was not logged. Entries
//! hold ids (user, patient, record) and the route template, never names or other PHI, so
//! admins can read the log without seeing patient records.
//!
//! Account and access changes (users created, API tokens issued and revoked, a user's
//! rendering provider link) are audited too, through [`admin_change`], in the same
//! transaction as the change; their entries carry ids only, never a password, a token or
//! its hash.

use otbill_store::accounts::AuditEntry;
pub use otbill_store::accounts::Logged;
use otbill_store::Store;

use crate::auth::{Perm, Principal};
use crate::error::{AppError, AppResult};
use crate::ledger::Ledger;

/// What was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Viewed.
    Read,
    /// Created.
    Create,
    /// Changed (including posting a payment, a status change or revoking an API token).
    Update,
    /// Asked for and refused (a therapist asking for another therapist's patient).
    Refused,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Create => "create",
            Action::Update => "update",
            Action::Refused => "refused",
        }
    }
}

/// One audit entry to write.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    /// Read, create or update.
    pub action: Action,
    /// The kind of record: `patient`, `visit`, `claim`, `remittance`, `report`…
    pub resource: &'a str,
    /// The record's id, when one record.
    pub resource_id: Option<String>,
    /// The patient whose data it is, when one patient.
    pub patient_id: Option<i64>,
    /// The route template (`/api/v1/patients/{id}`), never the raw URL.
    pub route: &'a str,
}

impl<'a> Entry<'a> {
    /// An entry about a kind of record, reached through `route` (a route template).
    pub fn new(action: Action, resource: &'a str, route: &'a str) -> Self {
        Entry {
            action,
            resource,
            resource_id: None,
            patient_id: None,
            route,
        }
    }

    /// The one record concerned, when there is one.
    pub fn on(mut self, id: impl Into<Option<i64>>) -> Self {
        self.resource_id = id.into().map(|i| i.to_string());
        self
    }

    /// The patient whose data it is, when one patient.
    pub fn patient(mut self, id: impl Into<Option<i64>>) -> Self {
        self.patient_id = id.into();
        self
    }
}

/// Appends one entry.
pub async fn record(ledger: &Ledger, who: &Principal, entry: Entry<'_>) -> AppResult<()> {
    let who = who.clone();
    let entry = owned(entry);
    ledger
        .run(&who.username.clone(), move |s| append(s, &who, &entry))
        .await
}

/// Checks that `who` is an admin, then runs `f` on the store and appends the entry `entry`
/// makes of its result, in one transaction: the change is kept only with its audit entry.
/// `f` answers `Err(..)` to refuse (a bad field, a conflict): nothing is written or
/// audited then. A non-admin's 403 is not audited, as for every role refusal of a route
/// that holds no patient data (only a refused patient or visit is, as `refused`).
pub async fn admin_change<T, F, E>(ledger: &Ledger, who: &Principal, f: F, entry: E) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Store) -> Result<T, AppError> + Send + 'static,
    E: FnOnce(&T) -> Entry<'static> + Send + 'static,
{
    who.require(Perm::Admin)?;
    let who = who.clone();
    ledger
        .run_app(&who.username.clone(), move |s| {
            s.atomically(|s| {
                let out = f(s)?;
                append(s, &who, &owned(entry(&out)))?;
                Ok(out)
            })
        })
        .await
}

/// An entry that owns its texts, to cross onto a blocking thread.
struct Owned {
    action: Action,
    resource: String,
    resource_id: Option<String>,
    patient_id: Option<i64>,
    route: String,
}

fn owned(e: Entry<'_>) -> Owned {
    Owned {
        action: e.action,
        resource: e.resource.to_owned(),
        resource_id: e.resource_id,
        patient_id: e.patient_id,
        route: e.route.to_owned(),
    }
}

fn append(s: &mut Store, who: &Principal, e: &Owned) -> Result<(), otbill_store::Error> {
    s.audit(&AuditEntry {
        at: &crate::now(),
        user_id: who.user_id,
        username: &who.username,
        action: e.action.as_str(),
        resource: &e.resource,
        resource_id: e.resource_id.clone(),
        patient_id: e.patient_id,
        route: &e.route,
    })
}

/// The newest entries, optionally for one patient.
pub async fn list(ledger: &Ledger, patient_id: Option<i64>, limit: i64) -> AppResult<Vec<Logged>> {
    ledger
        .run("audit", move |s| s.audit_log(patient_id, limit))
        .await
}
