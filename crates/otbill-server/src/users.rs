//! A user's link to a rendering provider, set by an admin and shared by
//! `PUT /api/v1/users/{id}/provider` and the users page (`/admin`).
//!
//! The link is what lets the practice's therapist scope follow who *rendered* the care
//! and not only who typed it in: a linked therapist's patients include those whose visits
//! or plans of care name their provider (`Store::patient_ids_of`, the one
//! definition). Only an active provider may be linked, only to a therapist, and a provider
//! to at most one user (a unique index holds the last rule under concurrent admins too).

use serde::Serialize;

use crate::audit::{Action, Entry};
use crate::auth::{Perm, Principal, Role, UserInfo};
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
    let users = state.ledger.run(&who.username, |s| s.users()).await?;
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
        &state.ledger,
        who,
        move |s| {
            let Some(role) = s.user_role(user_id)? else {
                return Err(AppError::NotFound);
            };
            if provider_id.is_some() && role != Role::Therapist {
                return Err(AppError::field(
                    "provider_npi",
                    "only a therapist is linked to a rendering provider",
                ));
            }
            if let Some(pid) = provider_id {
                if s.user_linked_to(pid, user_id)?.is_some() {
                    return Err(AppError::Conflict(
                        "that provider is linked to another user".into(),
                    ));
                }
            }
            Ok(s.link_user_provider(user_id, provider_id)?)
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
