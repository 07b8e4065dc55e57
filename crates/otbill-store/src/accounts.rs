//! Staff accounts and what guards them: practices, users with their role in each practice
//! (a biller of a billing company works several), sign-in sessions with their current
//! practice, API tokens (each acting in one practice), sign-in failures (the throttle), a
//! user's link to a rendering provider of a practice, and the append-only audit log of who
//! read or changed which records, per practice.
//!
//! A user is one person across practices (`server_users`: name, password, active);
//! `server_memberships` says what they are in each practice. Methods that read or change a
//! membership, a token or the audit log do so in the practice the store is scoped to.
//!
//! The store keeps what the HTTP server decides: secrets arrive hashed (an argon2id PHC
//! string for a password, SHA-256 for session and API tokens), never in the clear, and
//! timestamps are the caller's (`now`, the throttle window), so the rules stay with the
//! server while every row is read and written here.
//!
//! **Architecture Invariant:** `server_audit` is append-only: nothing here updates or
//! deletes it, and triggers on both engines refuse to.

use serde::{Deserialize, Serialize};

use crate::db::{params, Value};
use crate::{Error, Store};

/// What a user may do; the server maps each route to the roles it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Enters and codes visits; reads patients' clinical side.
    Therapist,
    /// Claims, payments, denials, reports.
    Biller,
    /// Users, tokens, settings, rule data, the audit log.
    Admin,
}

impl Role {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Therapist => "therapist",
            Role::Biller => "biller",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored role.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "therapist" => Some(Role::Therapist),
            "biller" => Some(Role::Biller),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// One user, as listed to admins.
#[derive(Clone, Debug, Serialize)]
pub struct UserInfo {
    /// Id.
    pub id: i64,
    /// User name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Whether they may sign in.
    pub active: bool,
    /// When created.
    pub created_at: String,
    /// The ledger's row id of the rendering provider they are linked to; the API and the
    /// page show its NPI instead.
    #[serde(skip)]
    pub provider_id: Option<i64>,
}

/// What sign-in needs of a user.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// Id.
    pub id: i64,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// Whether they may sign in.
    pub active: bool,
}

/// The user behind a session or an API token, in the practice it acts in.
#[derive(Clone, Debug)]
pub struct Authenticated {
    /// User id.
    pub user_id: i64,
    /// User name.
    pub username: String,
    /// Their role in that practice.
    pub role: Role,
    /// The practice.
    pub practice_id: i64,
    /// The session's CSRF token (empty for an API token).
    pub csrf: String,
}

/// One practice of the deployment.
#[derive(Clone, Debug, Serialize)]
pub struct PracticeInfo {
    /// Id.
    pub id: i64,
    /// Short code (`main`, `lakeside`), unique.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A practice a user belongs to, with their role there.
#[derive(Clone, Debug, Serialize)]
pub struct Membership {
    /// The practice.
    #[serde(flatten)]
    pub practice: PracticeInfo,
    /// Their role in it.
    pub role: Role,
}

/// A new session to record.
#[derive(Clone, Debug)]
pub struct NewSession<'a> {
    /// The user.
    pub user_id: i64,
    /// SHA-256 of the cookie token.
    pub token_hash: &'a str,
    /// The session's CSRF token.
    pub csrf: &'a str,
    /// When it opens.
    pub now: &'a str,
    /// When it expires.
    pub expires_at: &'a str,
}

/// One audit entry to append: ids and the route template, never PHI.
#[derive(Clone, Debug)]
pub struct AuditEntry<'a> {
    /// When (UTC, ISO-8601).
    pub at: &'a str,
    /// Who: user id.
    pub user_id: i64,
    /// Who: user name.
    pub username: &'a str,
    /// `read`, `create`, `update`, `refused`.
    pub action: &'a str,
    /// The kind of record.
    pub resource: &'a str,
    /// The record's id, when one record.
    pub resource_id: Option<String>,
    /// The patient whose data it is, when one patient.
    pub patient_id: Option<i64>,
    /// The route template.
    pub route: &'a str,
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

fn role(r: &crate::db::Row, i: usize) -> Result<Role, Error> {
    Role::parse(&r.text(i)).ok_or_else(|| Error::Db(format!("unknown role in column {i}")))
}

impl Store {
    /// Whether any user exists.
    pub fn any_user(&mut self) -> Result<bool, Error> {
        Ok(self
            .conn
            .one("SELECT id FROM server_users LIMIT 1", params![])?
            .is_some())
    }

    /// A user's id by name.
    pub fn user_id(&mut self, username: &str) -> Result<Option<i64>, Error> {
        Ok(self
            .conn
            .one(
                "SELECT id FROM server_users WHERE username = $1",
                params![username],
            )?
            .map(|r| r.int(0)))
    }

    /// A user's role in the current practice; `None` when they are not a member.
    pub fn user_role(&mut self, user_id: i64) -> Result<Option<Role>, Error> {
        match self.conn.one(
            "SELECT role FROM server_memberships WHERE user_id = $1 AND practice_id = $P",
            params![user_id],
        )? {
            Some(r) => role(&r, 0).map(Some),
            None => Ok(None),
        }
    }

    /// Creates a user with an already hashed password, a member of the current practice
    /// with `role`; their id. A taken name is a conflict.
    pub fn create_user(
        &mut self,
        username: &str,
        role: Role,
        password_hash: &str,
        now: &str,
    ) -> Result<i64, Error> {
        self.atomically(|s| {
            let id = s.conn.insert(
                "INSERT INTO server_users (username, role, password_hash, active, created_at)
                 VALUES ($1, $2, $3, 1, $4) RETURNING id",
                params![username, role.as_str(), password_hash, now],
            )?;
            s.set_membership(id, role, now)?;
            Ok(id)
        })
    }

    /// Makes user `user_id` a member of the current practice with `role`, or changes
    /// their role there.
    pub fn set_membership(&mut self, user_id: i64, role: Role, now: &str) -> Result<(), Error> {
        let changed = self.conn.exec(
            "UPDATE server_memberships SET role = $2 WHERE user_id = $1 AND practice_id = $P",
            params![user_id, role.as_str()],
        )?;
        if changed == 0 {
            self.conn.exec(
                "INSERT INTO server_memberships (user_id, practice_id, role, created_at) \
                 VALUES ($1, $P, $2, $3)",
                params![user_id, role.as_str(), now],
            )?;
        }
        Ok(())
    }

    /// Creates the user, or sets the password of an existing one, activates it and sets
    /// their role in the current practice (the demo's sign-ins); their id.
    pub fn upsert_user(
        &mut self,
        username: &str,
        role: Role,
        password_hash: &str,
        now: &str,
    ) -> Result<i64, Error> {
        match self.user_id(username)? {
            Some(id) => self.atomically(|s| {
                s.conn.exec(
                    "UPDATE server_users SET password_hash = $1, active = 1 WHERE id = $2",
                    params![password_hash, id],
                )?;
                s.set_membership(id, role, now)?;
                Ok(id)
            }),
            None => self.create_user(username, role, password_hash, now),
        }
    }

    /// The members of the current practice, by name, with their role there.
    pub fn users(&mut self) -> Result<Vec<UserInfo>, Error> {
        self.conn
            .query(
                "SELECT u.id, u.username, m.role, u.active, u.created_at, m.provider_id \
                 FROM server_users u JOIN server_memberships m ON m.user_id = u.id \
                 WHERE m.practice_id = $P ORDER BY u.username",
                params![],
            )?
            .iter()
            .map(|r| {
                Ok(UserInfo {
                    id: r.int(0),
                    username: r.text(1),
                    role: role(r, 2)?,
                    active: r.int(3) != 0,
                    created_at: r.text(4),
                    provider_id: r.opt_int(5),
                })
            })
            .collect()
    }

    /// Creates a practice (with its own counters, so its control numbers start at 1);
    /// its id. A taken code is a conflict.
    pub fn create_practice(&mut self, code: &str, name: &str, now: &str) -> Result<i64, Error> {
        let ok = !code.is_empty()
            && code.len() <= 30
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(Error::invalid(
                "practice.code",
                "1 to 30 lowercase letters, digits or -",
            ));
        }
        if name.trim().is_empty() || name.len() > 60 {
            return Err(Error::invalid("practice.name", "1 to 60 characters"));
        }
        let previous = self.practice_id();
        let res = self.atomically(|s| {
            let id = s.conn.insert(
                "INSERT INTO practices (code, name, created_at) VALUES ($1, $2, $3) RETURNING id",
                params![code, name.trim(), now],
            )?;
            s.use_practice(id);
            for counter in ["interchange", "group", "claim", "import"] {
                s.conn.exec(
                    "INSERT INTO counters (practice_id, name, value) VALUES ($P, $1, 0)",
                    params![counter],
                )?;
            }
            Ok(id)
        });
        self.use_practice(previous);
        res
    }

    /// Every practice, by id.
    pub fn practices(&mut self) -> Result<Vec<PracticeInfo>, Error> {
        Ok(self
            .conn
            .query(
                "SELECT id, code, name FROM practices ORDER BY id",
                params![],
            )?
            .iter()
            .map(|r| PracticeInfo {
                id: r.int(0),
                code: r.text(1),
                name: r.text(2),
            })
            .collect())
    }

    /// The practices user `user_id` belongs to, by id, with their role in each.
    pub fn memberships(&mut self, user_id: i64) -> Result<Vec<Membership>, Error> {
        self.conn
            .query(
                "SELECT p.id, p.code, p.name, m.role FROM server_memberships m \
                 JOIN practices p ON p.id = m.practice_id WHERE m.user_id = $1 ORDER BY p.id",
                params![user_id],
            )?
            .iter()
            .map(|r| {
                Ok(Membership {
                    practice: PracticeInfo {
                        id: r.int(0),
                        code: r.text(1),
                        name: r.text(2),
                    },
                    role: role(r, 3)?,
                })
            })
            .collect()
    }

    /// Failed sign-ins of `username` after `since`.
    pub fn signin_failures(&mut self, username: &str, since: &str) -> Result<i64, Error> {
        Ok(self
            .conn
            .one(
                "SELECT COUNT(*) FROM server_signin_failures WHERE username = $1 AND at > $2",
                params![username, since],
            )?
            .map_or(0, |r| r.int(0)))
    }

    /// Records a failed sign-in.
    pub fn record_signin_failure(&mut self, username: &str, at: &str) -> Result<(), Error> {
        self.conn.exec(
            "INSERT INTO server_signin_failures (username, at) VALUES ($1, $2)",
            params![username, at],
        )?;
        Ok(())
    }

    /// What sign-in checks of a user.
    pub fn credentials(&mut self, username: &str) -> Result<Option<Credentials>, Error> {
        Ok(self
            .conn
            .one(
                "SELECT id, password_hash, active FROM server_users WHERE username = $1",
                params![username],
            )?
            .map(|r| Credentials {
                id: r.int(0),
                password_hash: r.text(1),
                active: r.int(2) != 0,
            }))
    }

    /// Opens a session after a good sign-in of `username`: forgets their failures and
    /// every failure older than `since`, and sweeps expired sessions (of no use to
    /// anyone), in one transaction.
    pub fn open_session(
        &mut self,
        username: &str,
        since: &str,
        s: &NewSession<'_>,
    ) -> Result<(), Error> {
        self.tx(|c| {
            c.exec(
                "DELETE FROM server_signin_failures WHERE username = $1 OR at < $2",
                params![username, since],
            )?;
            c.exec(
                "DELETE FROM server_sessions WHERE expires_at < $1",
                params![s.now],
            )?;
            // The session opens in the user's first practice; they switch on the page.
            c.exec(
                "INSERT INTO server_sessions (token_hash, user_id, csrf, created_at, expires_at, practice_id)
                 VALUES ($1, $2, $3, $4, $5, (SELECT MIN(practice_id) FROM server_memberships WHERE user_id = $2))",
                params![s.token_hash, s.user_id, s.csrf, s.now, s.expires_at],
            )?;
            Ok(())
        })
    }

    /// Ends a session.
    pub fn close_session(&mut self, token_hash: &str) -> Result<(), Error> {
        self.conn.exec(
            "DELETE FROM server_sessions WHERE token_hash = $1",
            params![token_hash],
        )?;
        Ok(())
    }

    /// The active user of an unexpired session.
    pub fn session_user(
        &mut self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<Authenticated>, Error> {
        match self.conn.one(
            "SELECT u.id, u.username, m.role, s.csrf, m.practice_id FROM server_sessions s
             JOIN server_users u ON u.id = s.user_id
             JOIN server_memberships m ON m.user_id = u.id AND m.practice_id = s.practice_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = 1",
            params![token_hash, now],
        )? {
            Some(r) => Ok(Some(Authenticated {
                user_id: r.int(0),
                username: r.text(1),
                role: role(&r, 2)?,
                csrf: r.text(3),
                practice_id: r.int(4),
            })),
            None => Ok(None),
        }
    }

    /// The active user an unrevoked API token acts as.
    pub fn token_user(&mut self, token_hash: &str) -> Result<Option<Authenticated>, Error> {
        match self.conn.one(
            "SELECT u.id, u.username, m.role, m.practice_id FROM server_api_tokens t
             JOIN server_users u ON u.id = t.user_id
             JOIN server_memberships m ON m.user_id = u.id AND m.practice_id = t.practice_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active = 1",
            params![token_hash],
        )? {
            Some(r) => Ok(Some(Authenticated {
                user_id: r.int(0),
                username: r.text(1),
                role: role(&r, 2)?,
                csrf: String::new(),
                practice_id: r.int(3),
            })),
            None => Ok(None),
        }
    }

    /// Moves a session to practice `practice_id`; whether the session's user is a member
    /// there (nothing changes otherwise).
    pub fn switch_session_practice(
        &mut self,
        token_hash: &str,
        practice_id: i64,
    ) -> Result<bool, Error> {
        Ok(self.conn.exec(
            "UPDATE server_sessions SET practice_id = $2 WHERE token_hash = $1 AND EXISTS \
             (SELECT 1 FROM server_memberships m WHERE m.user_id = server_sessions.user_id \
              AND m.practice_id = $2)",
            params![token_hash, practice_id],
        )? > 0)
    }

    /// Records an API token (its SHA-256) issued to a user, acting in the current
    /// practice; its id.
    pub fn insert_token(
        &mut self,
        user_id: i64,
        token_hash: &str,
        label: &str,
        now: &str,
    ) -> Result<i64, Error> {
        self.conn.insert(
            "INSERT INTO server_api_tokens (token_hash, user_id, label, created_at, practice_id)
             VALUES ($1, $2, $3, $4, $P) RETURNING id",
            params![token_hash, user_id, label, now],
        )
    }

    /// Revokes an API token of the current practice; whether one unrevoked token had that
    /// id there.
    pub fn revoke_token(&mut self, id: i64, now: &str) -> Result<bool, Error> {
        Ok(self.conn.exec(
            "UPDATE server_api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL \
             AND practice_id = $P",
            params![now, id],
        )? > 0)
    }

    /// The stored hash of API token `id` (tests check that the token itself is not kept).
    pub fn token_hash_of(&mut self, id: i64) -> Result<Option<String>, Error> {
        Ok(self
            .conn
            .one(
                "SELECT token_hash FROM server_api_tokens WHERE id = $1 AND practice_id = $P",
                params![id],
            )?
            .map(|r| r.text(0)))
    }

    /// The user other than `user_id` linked to provider row `provider_id`, if any.
    pub fn user_linked_to(&mut self, provider_id: i64, user_id: i64) -> Result<Option<i64>, Error> {
        Ok(self
            .conn
            .one(
                "SELECT user_id FROM server_memberships WHERE provider_id = $1 AND user_id <> $2",
                params![provider_id, user_id],
            )?
            .map(|r| r.int(0)))
    }

    /// Links a user to a rendering provider's row in the current practice, or unlinks
    /// them (`None`). A provider
    /// linked to another user is a conflict (a unique index holds it under concurrent
    /// admins).
    pub fn link_user_provider(
        &mut self,
        user_id: i64,
        provider_id: Option<i64>,
    ) -> Result<(), Error> {
        self.conn.exec(
            "UPDATE server_memberships SET provider_id = $1 WHERE user_id = $2 AND practice_id = $P",
            params![provider_id, user_id],
        )?;
        Ok(())
    }

    /// Links `username` to the active provider with NPI `npi` (tests and tools).
    pub fn link_user_npi(&mut self, username: &str, npi: &str) -> Result<(), Error> {
        self.conn.exec(
            "UPDATE server_memberships SET provider_id = \
               (SELECT id FROM providers WHERE npi = $1 AND practice_id = $P) \
             WHERE practice_id = $P AND user_id = (SELECT id FROM server_users WHERE username = $2)",
            params![npi, username],
        )?;
        Ok(())
    }

    /// Links `username` to the first active OT provider no user is linked to yet, unless
    /// they are linked already (the demo's therapist sign-in).
    pub fn link_demo_therapist(&mut self, username: &str) -> Result<(), Error> {
        self.conn.exec(
            "UPDATE server_memberships SET provider_id = (SELECT MIN(p.id) FROM providers p \
               WHERE p.practice_id = $P AND p.credential = 'OT' AND p.active = 1 AND NOT EXISTS \
               (SELECT 1 FROM server_memberships m WHERE m.provider_id = p.id)) \
             WHERE practice_id = $P AND provider_id IS NULL \
             AND user_id = (SELECT id FROM server_users WHERE username = $1)",
            params![username],
        )?;
        Ok(())
    }

    /// Appends one audit entry.
    pub fn audit(&mut self, e: &AuditEntry<'_>) -> Result<(), Error> {
        self.conn.exec(
            "INSERT INTO server_audit (at, user_id, username, action, resource, resource_id, patient_id, route, practice_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $P)",
            &[
                Value::from(e.at),
                Value::from(e.user_id),
                Value::from(e.username),
                Value::from(e.action),
                Value::from(e.resource),
                Value::from(e.resource_id.clone()),
                Value::from(e.patient_id),
                Value::from(e.route),
            ],
        )?;
        Ok(())
    }

    /// The current practice's newest audit entries, optionally for one patient.
    pub fn audit_log(&mut self, patient_id: Option<i64>, limit: i64) -> Result<Vec<Logged>, Error> {
        let rows = match patient_id {
            Some(p) => self.conn.query(
                "SELECT id, at, username, action, resource, resource_id, patient_id, route
                 FROM server_audit WHERE practice_id = $P AND patient_id = $1 ORDER BY id DESC LIMIT $2",
                params![p, limit],
            )?,
            None => self.conn.query(
                "SELECT id, at, username, action, resource, resource_id, patient_id, route
                 FROM server_audit WHERE practice_id = $P ORDER BY id DESC LIMIT $1",
                params![limit],
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_migrate_once_and_audit_is_append_only() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let url = dir.path().join("t.db").display().to_string();
        let mut s = Store::open(&url).unwrap_or_else(|e| panic!("{e}"));
        // A second open finds the migrations applied and does nothing.
        let mut s2 = Store::open(&url).unwrap_or_else(|e| panic!("{e}"));
        let n = s2
            .raw_query("SELECT COUNT(*) FROM server_migrations", &[])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n[0].int(0), ACCOUNT_COUNT);
        s.audit(&AuditEntry {
            at: "2026-01-01T00:00:00Z",
            user_id: 1,
            username: "a",
            action: "read",
            resource: "patient",
            resource_id: None,
            patient_id: None,
            route: "/x",
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(s
            .raw_query("UPDATE server_audit SET action = 'x'", &[])
            .is_err());
        assert!(s.raw_query("DELETE FROM server_audit", &[]).is_err());
        let log = s.audit_log(None, 10).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].action, "read");
    }

    const ACCOUNT_COUNT: i64 = 3;

    #[test]
    fn atomically_keeps_all_or_nothing_and_nested_steps_roll_back_alone() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let url = dir.path().join("t.db").display().to_string();
        let mut s = Store::open(&url).unwrap_or_else(|e| panic!("{e}"));
        let now = "2026-01-01T00:00:00Z";
        // The outer step fails: the user created inside is gone too.
        let res: Result<(), Error> = s.atomically(|s| {
            s.create_user("kept-not", Role::Biller, "h", now)?;
            Err(Error::State("refused".into()))
        });
        assert!(res.is_err());
        assert_eq!(
            s.user_id("kept-not").unwrap_or_else(|e| panic!("{e}")),
            None
        );
        // An inner step fails and is handled: only it is undone.
        s.atomically(|s| {
            s.create_user("one", Role::Biller, "h", now)?;
            let dup = s.atomically(|s| s.create_user("one", Role::Biller, "h", now));
            assert!(matches!(dup, Err(Error::Conflict(_))), "{dup:?}");
            s.create_user("two", Role::Biller, "h", now).map(|_| ())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(s.user_id("one").unwrap_or_else(|e| panic!("{e}")).is_some());
        assert!(s.user_id("two").unwrap_or_else(|e| panic!("{e}")).is_some());
    }
}
