//! Many practices in one deployment: the practices a user belongs to, switching a
//! session's current practice, and an admin creating a practice or adding a member to
//! theirs. Shared by the API (`api/practices.rs`) and the pages (`web/practices.rs`).
//!
//! Every other route acts in the request's practice (see `ledger.rs`); these are the only
//! ones that name a practice, and each checks membership first: a practice the user does
//! not belong to is a 404, as if it did not exist.

use otbill_store::accounts::{Membership, Role};

use crate::audit::{Action, Entry};
use crate::auth::{self, Perm, Principal, Via};
use crate::error::{AppError, AppResult};
use crate::AppState;

/// The practices `who` belongs to, with their role in each.
pub async fn mine(state: &AppState, who: &Principal) -> AppResult<Vec<Membership>> {
    let id = who.user_id;
    state
        .ledger
        .run(&who.username, move |s| s.memberships(id))
        .await
}

/// Moves the session with cookie token `token` to practice `practice_id`. An API token
/// acts in the practice it was issued for and cannot switch; a practice the user does not
/// belong to is a 404.
pub async fn switch(
    state: &AppState,
    who: &Principal,
    token: Option<String>,
    practice_id: i64,
) -> AppResult<()> {
    let (Via::Session { .. }, Some(token)) = (&who.via, token) else {
        return Err(AppError::field(
            "practice_id",
            "an API token acts in the practice it was issued for",
        ));
    };
    let hash = auth::token_hash(&token);
    let moved = state
        .ledger
        .run(&who.username, move |s| {
            s.switch_session_practice(&hash, practice_id)
        })
        .await?;
    if moved {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// An admin creates a practice and becomes its admin; its id. Audited in the admin's
/// current practice as `create` of `practice`.
pub async fn create(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    code: String,
    name: String,
) -> AppResult<i64> {
    who.require(Perm::Admin)?;
    let me = who.user_id;
    crate::audit::admin_change(
        &state.ledger,
        who,
        move |s| {
            let now = crate::now();
            let id = s.create_practice(code.trim(), &name, &now)?;
            let back = s.practice_id();
            s.use_practice(id);
            let added = s.set_membership(me, Role::Admin, &now);
            s.use_practice(back);
            added?;
            Ok(id)
        },
        move |id| Entry::new(Action::Create, "practice", route).on(*id),
    )
    .await
}

/// An admin makes the existing user `username` a member of their current practice with
/// `role` (or changes their role there). Audited as `update` of `membership` with the
/// user's id.
pub async fn add_member(
    state: &AppState,
    who: &Principal,
    route: &'static str,
    username: String,
    role: Role,
) -> AppResult<i64> {
    who.require(Perm::Admin)?;
    let out = crate::audit::admin_change(
        &state.ledger,
        who,
        move |s| {
            let Some(id) = s.user_id(&username)? else {
                return Err(AppError::field("username", "no such user"));
            };
            s.set_membership(id, role, &crate::now())?;
            Ok(id)
        },
        move |id| Entry::new(Action::Update, "membership", route).on(*id),
    )
    .await;
    state.tokens.clear();
    out
}
