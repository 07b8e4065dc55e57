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

use serde::Serialize;

use crate::auth::{Perm, Principal};
use crate::db::{Conn, Db, Value};
use crate::error::{AppError, AppResult};

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
pub async fn record(db: &Db, who: &Principal, entry: Entry<'_>) -> anyhow::Result<()> {
    let params = params(who, entry);
    db.run(move |c| insert(c, &params)).await
}

/// Checks that `who` is an admin, then runs `f` on the server's tables and appends the
/// entry `entry` makes of its result, in one transaction: the change is kept only with its
/// audit entry. `f` answers `Ok(Err(..))` to refuse (a bad field, a conflict): nothing is
/// written or audited then. A non-admin's 403 is not audited, as for every role refusal of
/// a route that holds no patient data (only a refused patient or visit is, as `refused`).
pub async fn admin_change<T, F, E>(db: &Db, who: &Principal, f: F, entry: E) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Conn) -> anyhow::Result<Result<T, AppError>> + Send + 'static,
    E: FnOnce(&T) -> Entry<'static> + Send + 'static,
{
    who.require(Perm::Admin)?;
    let who = who.clone();
    db.run(move |c| {
        c.transaction(|c| {
            let out = match f(c)? {
                Ok(out) => out,
                Err(refused) => return Ok(Err(refused)),
            };
            insert(c, &params(&who, entry(&out)))?;
            Ok(Ok(out))
        })
    })
    .await?
}

fn params(who: &Principal, entry: Entry<'_>) -> Vec<Value> {
    vec![
        crate::now().into(),
        who.user_id.into(),
        who.username.as_str().into(),
        entry.action.as_str().into(),
        entry.resource.into(),
        entry.resource_id.into(),
        entry.patient_id.into(),
        entry.route.into(),
    ]
}

fn insert(c: &mut Conn, params: &[Value]) -> anyhow::Result<()> {
    c.exec(
        "INSERT INTO server_audit (at, user_id, username, action, resource, resource_id, patient_id, route)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        params,
    )?;
    Ok(())
}

/// One audit entry as shown to admins.
#[derive(Clone, Debug, Serialize)]
pub struct Logged {
    /// Sequence number.
    pub id: i64,
    /// When (UTC).
    pub at: String,
    /// Who.
    pub username: String,
    /// What.
    pub action: String,
    /// Which kind of record.
    pub resource: String,
    /// Which record.
    pub resource_id: Option<String>,
    /// Whose.
    pub patient_id: Option<i64>,
    /// Through which route.
    pub route: String,
}

/// The newest entries, optionally for one patient.
pub async fn list(db: &Db, patient_id: Option<i64>, limit: i64) -> anyhow::Result<Vec<Logged>> {
    db.run(move |c| {
        let rows = match patient_id {
            Some(p) => c.query(
                "SELECT id, at, username, action, resource, resource_id, patient_id, route
                 FROM server_audit WHERE patient_id = $1 ORDER BY id DESC LIMIT $2",
                &[p.into(), limit.into()],
            )?,
            None => c.query(
                "SELECT id, at, username, action, resource, resource_id, patient_id, route
                 FROM server_audit ORDER BY id DESC LIMIT $1",
                &[limit.into()],
            )?,
        };
        Ok(rows
            .iter()
            .map(|r| Logged {
                id: r.int(0),
                at: r.text(1),
                username: r.text(2),
                action: r.text(3),
                resource: r.text(4),
                resource_id: r.opt_text(5),
                patient_id: r.opt_int(6),
                route: r.text(7),
            })
            .collect())
    })
    .await
}
