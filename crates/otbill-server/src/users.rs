//! A user's link to a rendering provider, set by an admin and shared by
//! `PUT /api/v1/users/{id}/provider` and the users page (`/admin`).
//!
//! The link is what lets the practice's therapist scope follow who *rendered* the care
//! and not only who typed it in: a linked therapist's patients include those whose visits
//! or plans of care name their provider ([`crate::reads::patient_ids_of`], the one
//! definition). Only an active provider may be linked, only to a therapist, and a provider
//! to at most one user (a unique index holds the last rule under concurrent admins too).

use serde::Serialize;

use crate::audit::{Action, Entry};
use crate::auth::{self, Perm, Principal, Role, UserInfo};
use crate::error::{AppError, AppResult};
use crate::AppState;

/// A user as an admin sees them, with the NPI and name of the provider they are linked to.
#[derive(Clone, Debug, Serialize)]
pub struct UserView {
    /// The account.
    #[serde(flatten)]
    pub user: UserInfo,
    /// The linked rendering provider's NPI.
    pub provider_npi: Option<String>,
    /// Its name, `LAST, FIRST CRED`.
    pub provider_name: Option<String>,
}

/// Every user with their link, and the active providers an admin may link (NPI, name).
pub async fn list(
    state: &AppState,
    who: &Principal,
) -> AppResult<(Vec<UserView>, Vec<(String, String)>)> {
    who.require(Perm::Admin)?;
    let users = state.db.run(auth::list_users).await?;
    let providers = state.ledger.run(&who.username, |s| s.providers()).await?;
    let view = users
        .into_iter()
        .map(|user| {
            let p = user
                .provider_id
                .and_then(|id| providers.iter().find(|p| p.id == id));
            UserView {
                provider_npi: p.map(|p| p.provider.npi.clone()),
                provider_name: p.map(|p| name(&p.provider)),
                user,
            }
        })
        .collect();
    let linkable = providers
        .iter()
        .filter(|p| p.active)
        .map(|p| (p.provider.npi.clone(), name(&p.provider)))
        .collect();
    Ok((view, linkable))
}

fn name(p: &otbill_store::records::Provider) -> String {
    // The credential's `Debug` is its code (`OT`, `OTA`).
    format!("{}, {} {:?}", p.last_name, p.first_name, p.credential)
}

/// Links user `user_id` to the active provider with NPI `npi`, or unlinks them (`None`);
/// answers with the user as listed. Errors name the field `provider_npi`. Audited (with
/// the change, in one transaction) as `update` of `user_provider_link` with the user's id.
pub async fn link(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    user_id: i64,
    npi: Option<String>,
) -> AppResult<UserView> {
    who.require(Perm::Admin)?;
    let npi = npi.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let provider_id = match &npi {
        None => None,
        Some(npi) => {
            let providers = state.ledger.run(&who.username, |s| s.providers()).await?;
            let p = providers
                .iter()
                .find(|p| p.active && p.provider.npi == *npi)
                .ok_or_else(|| {
                    AppError::field("provider_npi", "the NPI of an active rendering provider")
                })?;
            Some(p.id)
        }
    };
    crate::audit::admin_change(
        &state.db,
        who,
        move |c| {
            let Some(u) = c.one(
                "SELECT role FROM server_users WHERE id = $1",
                &[user_id.into()],
            )?
            else {
                return Ok(Err(AppError::NotFound));
            };
            if provider_id.is_some() && Role::parse(&u.text(0)) != Some(Role::Therapist) {
                return Ok(Err(AppError::field(
                    "provider_npi",
                    "only a therapist is linked to a rendering provider",
                )));
            }
            if let Some(pid) = provider_id {
                let taken = c.one(
                    "SELECT id FROM server_users WHERE provider_id = $1 AND id <> $2",
                    &[pid.into(), user_id.into()],
                )?;
                if taken.is_some() {
                    return Ok(Err(AppError::Conflict(
                        "that provider is linked to another user".into(),
                    )));
                }
            }
            c.exec(
                "UPDATE server_users SET provider_id = $1 WHERE id = $2",
                &[provider_id.into(), user_id.into()],
            )?;
            Ok(Ok(()))
        },
        move |_| Entry::new(Action::Update, "user_provider_link", route).on(user_id),
    )
    .await?;
    let (users, _) = list(state, who).await?;
    users
        .into_iter()
        .find(|u| u.user.id == user_id)
        .ok_or(AppError::NotFound)
}

/// Links `username` to the first active OT provider no user is linked to yet, unless they
/// are linked already: the demo's therapist sign-in, so that its visit form lists that
/// therapist's patients as a real linked therapist's would. Reads the ledger's `providers`
/// with its own SQL, like [`crate::reads`].
pub fn link_demo_therapist(c: &mut crate::db::Conn, username: &str) -> anyhow::Result<()> {
    c.exec(
        "UPDATE server_users SET provider_id = (SELECT MIN(p.id) FROM providers p \
           WHERE p.credential = 'OT' AND p.active = 1 AND NOT EXISTS \
           (SELECT 1 FROM server_users u WHERE u.provider_id = p.id)) \
         WHERE username = $1 AND provider_id IS NULL",
        &[username.into()],
    )?;
    Ok(())
}
