//! The practice's settings, shared by the JSON API (`/api/v1/practice`, `/providers`,
//! `/payers`) and the admin page (`/admin/practice`): the practice and its billing
//! provider, the rendering providers, the payers (added, corrected, deactivated and
//! reactivated; never deleted, since visits, coverages and claims reference them).
//!
//! Every function here is one admin step: it checks the role, runs one store call as the
//! signed-in user, and appends an audit entry before it answers, all through [`admin_step`]
//! so no handler repeats that prologue. Validation is the store's (each error names its
//! field); the only rule added here is that a payer's coding profile must be one this
//! server has loaded, since a visit for a payer with an unknown profile cannot be coded.
//! These records hold no PHI; the audit entries still carry only ids and route templates.

use otbill_store::records::{
    Payer, PayerEntry, PayerKey, Practice, Provider, ProviderEntry, ProviderKey,
};
use otbill_store::{Error as StoreError, Store};

use crate::audit::{self, Action, Entry};
use crate::auth::{Perm, Principal};
use crate::error::{AppError, AppResult};
use crate::AppState;

/// Everything the settings page shows.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The practice, once set.
    pub practice: Option<Practice>,
    /// Rendering providers, oldest first, active or not.
    pub providers: Vec<ProviderEntry>,
    /// Payers, oldest first, active or not.
    pub payers: Vec<PayerEntry>,
    /// The coding profiles a payer may use (`medicare`, `commercial`...).
    pub profiles: Vec<String>,
}

/// Checks that `who` is an admin, runs `f` on the ledger as them, then records the entry
/// `entry` makes of the result. Nothing is recorded for a refused or failed step: the
/// store refuses bad input before writing, so there is nothing to audit.
async fn admin_step<T, F>(
    state: &AppState,
    who: &Principal,
    f: F,
    entry: impl FnOnce(&T) -> Entry<'static>,
) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
{
    who.require(Perm::Admin)?;
    let out = state.ledger.run(&who.username, f).await?;
    audit::record(&state.ledger, who, entry(&out)).await?;
    Ok(out)
}

/// The practice, its providers and payers, and the profiles a payer may use; one audit
/// entry for the page.
pub async fn all(state: &AppState, who: &Principal, route: &'static str) -> AppResult<Settings> {
    let (practice, providers, payers) = admin_step(
        state,
        who,
        |s| Ok((s.practice()?, s.providers()?, s.payers()?)),
        |_| Entry::new(Action::Read, "practice_settings", route),
    )
    .await?;
    Ok(Settings {
        practice,
        providers,
        payers,
        profiles: profiles(state),
    })
}

/// The practice; `NotFound` until one is set.
pub async fn practice(
    state: &AppState,
    who: &Principal,
    route: &'static str,
) -> AppResult<Practice> {
    admin_step(
        state,
        who,
        |s| s.practice(),
        |_| Entry::new(Action::Read, "practice", route),
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// Sets the practice, replacing what was there, in one transaction; returns it as stored.
pub async fn set_practice(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    p: Practice,
) -> AppResult<Practice> {
    admin_step(
        state,
        who,
        move |s| {
            s.set_practice(&p)?;
            Ok(p)
        },
        |_| Entry::new(Action::Update, "practice", route),
    )
    .await
}

/// Every rendering provider, with its id and active flag.
pub async fn providers(
    state: &AppState,
    who: &Principal,
    route: &'static str,
) -> AppResult<Vec<ProviderEntry>> {
    admin_step(
        state,
        who,
        |s| s.providers(),
        |_| Entry::new(Action::Read, "provider_list", route),
    )
    .await
}

/// Adds a rendering provider; its id. A second provider with the same NPI is a conflict.
pub async fn add_provider(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    p: Provider,
) -> AppResult<i64> {
    admin_step(
        state,
        who,
        move |s| {
            s.add_provider(&p)
                .map_err(|e| duplicate(e, "a provider with this NPI is on file"))
        },
        |id| Entry::new(Action::Create, "provider", route).on(*id),
    )
    .await
}

/// One rendering provider by row id; `NotFound` if there is none.
pub async fn provider(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    id: i64,
) -> AppResult<ProviderEntry> {
    admin_step(
        state,
        who,
        move |s| s.provider(ProviderKey::Id(id)),
        move |_| Entry::new(Action::Read, "provider", route).on(id),
    )
    .await
}

/// Corrects a rendering provider (row id `id`) with the checks of an add; returns it as
/// stored. Its claims not yet sent carry the correction; sent claims keep what was sent
/// (see `Store::update_provider`). Another provider's NPI is a conflict.
pub async fn update_provider(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    id: i64,
    p: Provider,
) -> AppResult<ProviderEntry> {
    admin_step(
        state,
        who,
        move |s| {
            s.update_provider(ProviderKey::Id(id), &p)
                .map_err(|e| duplicate(e, "a provider with this NPI is on file"))
        },
        move |_| Entry::new(Action::Update, "provider", route).on(id),
    )
    .await
}

/// Deactivates (`active = false`) or reactivates a rendering provider; returns it as
/// stored. An inactive provider keeps its history; new visits and plans cannot name it.
pub async fn set_provider_active(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    id: i64,
    active: bool,
) -> AppResult<ProviderEntry> {
    admin_step(
        state,
        who,
        move |s| s.set_provider_active(ProviderKey::Id(id), active),
        move |_| Entry::new(Action::Update, "provider", route).on(id),
    )
    .await
}

/// Every payer, with its id and active flag.
pub async fn payers(
    state: &AppState,
    who: &Principal,
    route: &'static str,
) -> AppResult<Vec<PayerEntry>> {
    admin_step(
        state,
        who,
        |s| s.payers(),
        |_| Entry::new(Action::Read, "payer_list", route),
    )
    .await
}

/// Adds a payer; its id. The coding profile must be one the server knows; a second payer
/// with the same payer id is a conflict.
pub async fn add_payer(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    p: Payer,
) -> AppResult<i64> {
    // The role is checked before the profile so a non-admin learns nothing from a 400.
    who.require(Perm::Admin)?;
    known_profile(state, &p)?;
    admin_step(
        state,
        who,
        move |s| {
            s.add_payer(&p)
                .map_err(|e| duplicate(e, "a payer with this payer id is on file"))
        },
        |id| Entry::new(Action::Create, "payer", route).on(*id),
    )
    .await
}

/// One payer by row id; `NotFound` if there is none.
pub async fn payer(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    id: i64,
) -> AppResult<PayerEntry> {
    admin_step(
        state,
        who,
        move |s| s.payer(PayerKey::Id(id)),
        move |_| Entry::new(Action::Read, "payer", route).on(id),
    )
    .await
}

/// Corrects a payer (row id `id`) with the checks of an add, including the coding
/// profile; returns it as stored. Its claims not yet sent carry the new payer id and name;
/// sent claims keep what was sent (see `Store::update_payer`). Another payer's payer id is
/// a conflict.
pub async fn update_payer(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    id: i64,
    p: Payer,
) -> AppResult<PayerEntry> {
    who.require(Perm::Admin)?;
    known_profile(state, &p)?;
    admin_step(
        state,
        who,
        move |s| {
            s.update_payer(PayerKey::Id(id), &p)
                .map_err(|e| duplicate(e, "a payer with this payer id is on file"))
        },
        move |_| Entry::new(Action::Update, "payer", route).on(id),
    )
    .await
}

/// Deactivates (`active = false`) or reactivates a payer; returns it as stored. An
/// inactive payer keeps its coverages and claims; new coverages, authorizations and
/// claims cannot use it.
pub async fn set_payer_active(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    id: i64,
    active: bool,
) -> AppResult<PayerEntry> {
    admin_step(
        state,
        who,
        move |s| s.set_payer_active(PayerKey::Id(id), active),
        move |_| Entry::new(Action::Update, "payer", route).on(id),
    )
    .await
}

/// A payer's coding profile must be one the server has loaded.
fn known_profile(state: &AppState, p: &Payer) -> AppResult<()> {
    if state.rules.payers.get(&p.profile).is_none() {
        return Err(AppError::field(
            "payer.profile",
            format!(
                "must be one of the coding profiles: {}",
                profiles(state).join(", ")
            ),
        ));
    }
    Ok(())
}

/// The coding profiles loaded, sorted.
pub fn profiles(state: &AppState) -> Vec<String> {
    let mut ids: Vec<String> = state
        .rules
        .payers
        .ids()
        .into_iter()
        .map(str::to_owned)
        .collect();
    ids.sort();
    ids
}

/// A unique-key violation reported in our words: the database's message names its own
/// constraint, which means nothing to the client.
fn duplicate(e: StoreError, message: &str) -> StoreError {
    match e {
        StoreError::Conflict(_) => StoreError::Conflict(message.to_owned()),
        other => other,
    }
}
