//! The practice ledger: patients, payers, plans of care, visits, claims, 837P batches,
//! acknowledgments and posted remittances, kept in SQLite (a file, the default) or
//! PostgreSQL (a `postgres://` URL).
//!
//! **API Boundary:** this is the only crate that speaks SQL. Everything else calls
//! [`Store`] methods with typed values; the HTTP server (issue 6) and the denials worklist
//! (issue 7) share it.
//!
//! - [`records`]: the practice, providers, payers, patients with coverage, plans of care,
//!   authorizations and visits, validated on the way in.
//! - [`claims`]: a visit coded and scrubbed into a claim (errors block it), and the steps a
//!   claim goes through afterwards (correct, void, appeal, secondary, patient, write-off),
//!   each recorded with who and when.
//! - [`lifecycle`]: corrections, voids, appeals, secondary, patient billing, write-offs.
//! - [`batch`]: ready claims into an 837P file in an outbox, crash-safe and with envelope
//!   control numbers that are never reused.
//! - [`post`]: 835 remittances posted exactly once into an append-only ledger.
//! - [`ack`]: 999 and 277CA acknowledgments from an inbox.
//! - [`eligibility`]: 270 requests out, 271 responses in, the latest benefits of a coverage.
//! - [`patient_accounts`]: payments from patients applied to their claims, credit,
//!   refunds, and the account ledger with its running balance.
//! - [`payer_rules`]: each payer's billing rules, effective-dated, as the office edits them.
//! - [`reports`]: A/R by age and payer, denials by CARC, KX use, plans of care coming due.
//! - [`sim`]: a payer that answers a batch with a 999 and an 835 (demo, tests, benchmark).
//!
//! **Architecture Invariant:** money is never edited. Charges, payments, adjustments,
//! patient transfers, reversals and write-offs are rows appended to `ledger`; a claim's
//! balance is their sum. Each posting or batch step is one transaction, so a killed
//! process leaves either all of a step or none of it.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let url = dir.path().join("otbill.db");
//! let mut store = otbill_store::Store::open(url.to_str().unwrap())?;
//! assert_eq!(store.engine(), otbill_store::Engine::Sqlite);
//! assert!(store.schema_version()? >= 1);
//! # Ok::<(), otbill_store::Error>(())
//! ```

pub mod accounts;
pub mod ack;
pub mod batch;
pub mod claims;
mod db;
pub mod demo;
mod directory;
pub mod eligibility;
pub mod lifecycle;
pub mod lists;
pub mod patient_accounts;
pub mod payer_rules;
pub mod post;
pub mod records;
pub mod reports;
mod schema;
pub mod sim;
pub mod statements;
pub mod views;

use chrono::NaiveDate;
pub use db::Engine;

/// Values and rows of hand-written SQL ([`Store::raw_query`]): tests and operators' tools
/// only; the crates of the workspace read and write through `Store` methods.
pub mod sql {
    pub use crate::db::{Row, Value};
}
use db::{params, Conn};
use rust_decimal::Decimal;

/// Why a store operation failed. Messages name the field or record and never carry PHI
/// (names, member ids, dates of birth, account numbers).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad input: which field, and what is wrong with it.
    #[error("{field}: {message}")]
    Invalid {
        /// The field, e.g. `providers[0].npi`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A record the operation needs does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A uniqueness rule would be broken (the record already exists).
    #[error("already exists: {0}")]
    Conflict(String),
    /// The record is not in a state that allows the step.
    #[error("{0}")]
    State(String),
    /// The database failed.
    #[error("database error: {0}")]
    Db(String),
    /// A file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// The practice a single-practice database's records belong to (and the one a new
/// `Store` is scoped to): migration 3 moved every existing row into it.
pub const MAIN_PRACTICE: i64 = 1;

/// An open ledger database.
#[derive(Debug)]
pub struct Store {
    conn: Conn,
    actor: String,
    /// Open transactions: 0 outside one; above 1, the inner ones are savepoints.
    depth: u32,
}

impl Store {
    /// Opens (creating if needed) the database at `url` and applies pending migrations.
    ///
    /// `postgres://` and `postgresql://` URLs open PostgreSQL; anything else is an SQLite
    /// path (optionally prefixed `sqlite:`), opened in WAL mode with a busy timeout.
    pub fn open(url: &str) -> Result<Store, Error> {
        let mut conn = Conn::open(url)?;
        schema::migrate(&mut conn)?;
        schema::migrate_accounts(&mut conn)?;
        conn.set_practice(MAIN_PRACTICE);
        Ok(Store {
            conn,
            actor: "system".to_owned(),
            depth: 0,
        })
    }

    /// Opens the database with the ledger's migrations applied up to `version` only, for
    /// tests of a later migration on a database of an older release (nothing else should
    /// use a store opened so).
    #[doc(hidden)]
    pub fn open_at_version(url: &str, version: i64) -> Result<Store, Error> {
        let mut conn = Conn::open(url)?;
        schema::migrate_to(&mut conn, version)?;
        Ok(Store {
            conn,
            actor: "system".to_owned(),
            depth: 0,
        })
    }

    /// Opens a connection to a database that [`Store::open`] has already migrated (a pool's
    /// further connections), without checking the migrations again.
    pub fn connect(url: &str) -> Result<Store, Error> {
        let mut conn = Conn::open(url)?;
        conn.set_practice(MAIN_PRACTICE);
        Ok(Store {
            conn,
            actor: "system".to_owned(),
            depth: 0,
        })
    }

    /// Scopes the following steps to practice `id`: every record they read or write is that
    /// practice's (0 scopes to none). A store starts in [`MAIN_PRACTICE`].
    pub fn use_practice(&mut self, id: i64) {
        self.conn.set_practice(id);
    }

    /// The practice the following steps are scoped to.
    pub fn practice_id(&self) -> i64 {
        self.conn.practice()
    }

    /// Sets who is recorded as doing the following steps (a user name, never PHI).
    pub fn set_actor(&mut self, actor: &str) {
        actor.clone_into(&mut self.actor);
    }

    /// Who the following steps are recorded as done by.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Which engine this store runs on.
    pub fn engine(&self) -> Engine {
        self.conn.engine()
    }

    /// The highest migration applied.
    pub fn schema_version(&mut self) -> Result<i64, Error> {
        Ok(self
            .conn
            .one("SELECT MAX(version) FROM schema_migrations", params![])?
            .map_or(0, |r| r.int(0)))
    }

    /// Runs `f` in one write transaction: committed if it returns `Ok`, rolled back
    /// otherwise. Inside [`Store::atomically`] it is a savepoint of the outer transaction.
    pub(crate) fn tx<T>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.begin_nested()?;
        let res = f(&mut self.conn);
        self.end_nested(res)
    }

    /// Runs `f` on this store in one write transaction: every step it takes is kept if it
    /// returns `Ok`, none if it returns `Err`. Store methods called inside join it (as
    /// savepoints, so a step that fails and is handled leaves nothing of itself behind).
    pub fn atomically<T, E: From<Error>>(
        &mut self,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<T, E> {
        self.begin_nested()?;
        let res = f(self);
        self.end_nested(res)
    }

    fn begin_nested(&mut self) -> Result<(), Error> {
        if self.depth == 0 {
            self.conn.begin()?;
        } else {
            self.conn
                .batch(&format!("SAVEPOINT otbill_{}", self.depth))?;
        }
        self.depth += 1;
        Ok(())
    }

    fn end_nested<T, E: From<Error>>(&mut self, res: Result<T, E>) -> Result<T, E> {
        self.depth -= 1;
        let d = self.depth;
        match res {
            Ok(v) if d == 0 => self.conn.commit().map(|()| v).map_err(E::from),
            Ok(v) => self
                .conn
                .batch(&format!("RELEASE SAVEPOINT otbill_{d}"))
                .map(|()| v)
                .map_err(E::from),
            Err(e) => {
                if d == 0 {
                    self.conn.rollback();
                } else {
                    self.conn.forget_session_practice();
                    // A failed rollback to a savepoint leaves the outer transaction failed,
                    // and its commit then fails: nothing half-done is kept.
                    let _ = self.conn.batch(&format!(
                        "ROLLBACK TO SAVEPOINT otbill_{d}; RELEASE SAVEPOINT otbill_{d}"
                    ));
                }
                Err(e)
            }
        }
    }

    /// Runs one hand-written SQL query (`$1` placeholders) and returns its rows. For tests
    /// and operators' tools; nothing in the workspace's crates reads through it.
    pub fn raw_query(&mut self, sql: &str, params: &[sql::Value]) -> Result<Vec<sql::Row>, Error> {
        self.conn.query_text(sql, params)
    }

    /// Runs one hand-written SQL statement; the number of rows it changed. For tests and
    /// operators' tools, as [`Store::raw_query`].
    pub fn raw_exec(&mut self, sql: &str, params: &[sql::Value]) -> Result<u64, Error> {
        self.conn.exec_text(sql, params)
    }

    /// Copies an SQLite database to `dest` with `VACUUM INTO` (consistent while others
    /// write). PostgreSQL databases are backed up with `pg_dump`; this says so.
    pub fn backup(&mut self, dest: &std::path::Path) -> Result<(), Error> {
        if self.engine() == Engine::Postgres {
            return Err(Error::State(
                "backing up PostgreSQL is pg_dump's job: pg_dump URL > FILE".into(),
            ));
        }
        if dest.exists() {
            return Err(Error::Conflict(format!("{} exists", dest.display())));
        }
        let dest = dest
            .to_str()
            .ok_or_else(|| Error::invalid("dest", "path is not UTF-8"))?
            .replace('\'', "''");
        self.conn.batch(&format!("VACUUM INTO '{dest}'"))
    }
}

/// The current time as stored (UTC, ISO-8601, seconds).
pub(crate) fn now() -> String {
    utc_now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The current UTC time, to the second.
pub(crate) fn utc_now() -> chrono::NaiveDateTime {
    use chrono::Timelike;
    let now = chrono::Utc::now().naive_utc();
    now.with_nanosecond(0).unwrap_or(now)
}

/// Today's date (UTC).
pub fn today() -> NaiveDate {
    utc_now().date()
}

pub(crate) fn cents(d: Decimal) -> i64 {
    let c = (d * Decimal::ONE_HUNDRED).round();
    i64::try_from(c).unwrap_or(if c.is_sign_negative() {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// Cents as a decimal amount of dollars.
pub fn dollars(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

pub(crate) fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Test hook: `OTBILL_TEST_PAUSE_AT=STAGE[:N]` makes the process sleep for a minute at that
/// point (`post:claim:N` before posting the N-th claim of an 835, `batch:reserved` after a
/// batch reserved its claims and control numbers, `batch:written` after the temporary file
/// is written and before it is renamed), so a test can kill it there deterministically.
/// It prints `OTBILL_PAUSED STAGE` on standard error first.
pub(crate) fn pause_at(stage: &str, n: u64) {
    static AT: std::sync::OnceLock<Option<(String, u64)>> = std::sync::OnceLock::new();
    let at = AT.get_or_init(|| {
        let v = std::env::var("OTBILL_TEST_PAUSE_AT").ok()?;
        match v.rsplit_once(':') {
            Some((s, n)) if n.parse::<u64>().is_ok() => Some((s.to_owned(), n.parse().ok()?)),
            _ => Some((v, 0)),
        }
    });
    if let Some((s, want)) = at {
        if s == stage && *want == n {
            eprintln!("OTBILL_PAUSED {stage}");
            std::thread::sleep(std::time::Duration::from_secs(60));
        }
    }
}
