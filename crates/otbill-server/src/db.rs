//! The server's own tables (accounts, sessions, API tokens, sign-in failures, the audit
//! log) on the same database as the ledger, with their own migrations in
//! `server_migrations`.
//!
//! The store keeps its connection type private, so this module opens its own connections
//! with the same drivers (rusqlite, postgres) to the same URL: `postgres://…` or
//! `postgresql://…` for PostgreSQL, anything else (optionally `sqlite:`-prefixed) is an
//! SQLite file. SQL is written once with PostgreSQL's `$1` placeholders; SQLite numbers
//! `?1` the same way.
//!
//! The drivers are blocking, so [`Db::run`] takes a pooled connection to a blocking thread.
//!
//! **Architecture Invariant:** `server_audit` is append-only. Nothing in this crate updates
//! or deletes it, and triggers on both engines refuse to.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, Context};

/// A column or parameter value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Value>);

impl Row {
    /// Column `i` as an integer (0 when NULL).
    pub fn int(&self, i: usize) -> i64 {
        match self.0.get(i) {
            Some(Value::Int(v)) => *v,
            Some(Value::Text(t)) => t.parse().unwrap_or(0),
            _ => 0,
        }
    }
    /// Column `i` as text (empty when NULL).
    pub fn text(&self, i: usize) -> String {
        self.opt_text(i).unwrap_or_default()
    }
    /// Column `i` as text, `None` when NULL.
    pub fn opt_text(&self, i: usize) -> Option<String> {
        match self.0.get(i) {
            Some(Value::Text(t)) => Some(t.clone()),
            Some(Value::Int(v)) => Some(v.to_string()),
            _ => None,
        }
    }
    /// Column `i` as an integer, `None` when NULL.
    pub fn opt_int(&self, i: usize) -> Option<i64> {
        match self.0.get(i) {
            Some(Value::Int(v)) => Some(*v),
            Some(Value::Text(t)) => t.parse().ok(),
            _ => None,
        }
    }
}

/// One connection to either engine.
pub enum Conn {
    /// SQLite (WAL mode).
    Sqlite(rusqlite::Connection),
    /// PostgreSQL.
    Pg(Box<postgres::Client>),
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Conn::Sqlite(_) => "Conn::Sqlite",
            Conn::Pg(_) => "Conn::Pg",
        })
    }
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The SQLite file a URL names.
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

impl Conn {
    /// Opens a connection.
    pub fn open(url: &str) -> anyhow::Result<Conn> {
        if is_postgres(url) {
            let client = postgres::Client::connect(url, postgres::NoTls)
                .context("connecting to PostgreSQL")?;
            return Ok(Conn::Pg(Box::new(client)));
        }
        let path = sqlite_path(url);
        let conn = rusqlite::Connection::open(path).context("opening the SQLite database")?;
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
        )?;
        Ok(Conn::Sqlite(conn))
    }

    fn is_pg(&self) -> bool {
        matches!(self, Conn::Pg(_))
    }

    /// Runs statements without parameters.
    pub fn batch(&mut self, sql: &str) -> anyhow::Result<()> {
        match self {
            Conn::Sqlite(c) => c.execute_batch(sql).map_err(Into::into),
            Conn::Pg(c) => c.batch_execute(sql).map_err(pg_err),
        }
    }

    /// Executes one statement; the number of rows changed.
    pub fn exec(&mut self, sql: &str, params: &[Value]) -> anyhow::Result<u64> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(&sql.replace('$', "?"))?;
                bind(&mut st, params)?;
                Ok(st.raw_execute()? as u64)
            }
            Conn::Pg(c) => {
                let refs = pg_params(params);
                c.execute(sql, &refs).map_err(pg_err)
            }
        }
    }

    /// Runs a query; every row.
    pub fn query(&mut self, sql: &str, params: &[Value]) -> anyhow::Result<Vec<Row>> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(&sql.replace('$', "?"))?;
                bind(&mut st, params)?;
                let n = st.column_count();
                let mut rows = st.raw_query();
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    let mut vals = Vec::with_capacity(n);
                    for i in 0..n {
                        use rusqlite::types::ValueRef;
                        vals.push(match row.get_ref(i)? {
                            ValueRef::Null => Value::Null,
                            ValueRef::Integer(v) => Value::Int(v),
                            ValueRef::Real(v) => Value::Int(v as i64),
                            ValueRef::Text(t) | ValueRef::Blob(t) => {
                                Value::Text(String::from_utf8_lossy(t).into_owned())
                            }
                        });
                    }
                    out.push(Row(vals));
                }
                Ok(out)
            }
            Conn::Pg(c) => {
                let refs = pg_params(params);
                let rows = c.query(sql, &refs).map_err(pg_err)?;
                rows.iter().map(pg_row).collect()
            }
        }
    }

    /// The first row, if any.
    pub fn one(&mut self, sql: &str, params: &[Value]) -> anyhow::Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs `f` in a write transaction.
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        self.batch(if self.is_pg() {
            "BEGIN"
        } else {
            "BEGIN IMMEDIATE"
        })?;
        match f(self) {
            Ok(v) => {
                self.batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                // The connection is still usable; a failed rollback leaves nothing to undo.
                let _ = self.batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

fn bind(st: &mut rusqlite::CachedStatement<'_>, params: &[Value]) -> anyhow::Result<()> {
    for (i, v) in params.iter().enumerate() {
        match v {
            Value::Null => st.raw_bind_parameter(i + 1, rusqlite::types::Null)?,
            Value::Int(n) => st.raw_bind_parameter(i + 1, n)?,
            Value::Text(t) => st.raw_bind_parameter(i + 1, t.as_str())?,
        }
    }
    Ok(())
}

fn pg_params(params: &[Value]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

fn pg_err(e: postgres::Error) -> anyhow::Error {
    match e.as_db_error() {
        // The message names the constraint or column, never the row's values (those are in
        // the DETAIL field, which is left out so no PHI reaches a log).
        Some(db) => anyhow!("{}: {}", db.code().code(), db.message()),
        None => anyhow!("{e}"),
    }
}

fn pg_row(row: &postgres::Row) -> anyhow::Result<Row> {
    use postgres::types::Type;
    let mut vals = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        let t = col.type_();
        let v = if *t == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)?.map(Value::Int)
        } else if *t == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)?
                .map(|v| Value::Int(v.into()))
        } else if *t == Type::BOOL {
            row.try_get::<_, Option<bool>>(i)?
                .map(|v| Value::Int(v.into()))
        } else {
            row.try_get::<_, Option<String>>(i)?.map(Value::Text)
        };
        vals.push(v.unwrap_or(Value::Null));
    }
    Ok(Row(vals))
}

impl postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match self {
            Value::Null => Ok(postgres::types::IsNull::Yes),
            Value::Int(n) if *ty == Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
            Value::Int(n) if *ty == Type::BOOL => (*n != 0).to_sql(ty, out),
            Value::Int(n) if *ty == Type::TEXT || *ty == Type::VARCHAR => {
                n.to_string().to_sql(ty, out)
            }
            Value::Int(n) => n.to_sql(ty, out),
            Value::Text(t) if *ty == Type::INT8 => t.parse::<i64>()?.to_sql(ty, out),
            Value::Text(t) => t.as_str().to_sql(ty, out),
        }
    }

    fn accepts(_ty: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// `(version, name, SQL)`; `{pk}` is the engine's auto-increment primary key. A released
/// migration is never edited: add one.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "accounts and audit", V1),
    (2, "user to rendering provider link", V2),
];

const V1: &str = "
CREATE TABLE server_users (
  id {pk}, username TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('therapist', 'biller', 'admin')),
  password_hash TEXT NOT NULL, active BIGINT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE server_sessions (
  token_hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES server_users(id),
  csrf TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE TABLE server_api_tokens (
  id {pk}, token_hash TEXT NOT NULL UNIQUE, user_id BIGINT NOT NULL REFERENCES server_users(id),
  label TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE server_signin_failures (id {pk}, username TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX server_signin_failures_user ON server_signin_failures (username, at);
CREATE TABLE server_audit (
  id {pk}, at TEXT NOT NULL, user_id BIGINT, username TEXT NOT NULL, action TEXT NOT NULL,
  resource TEXT NOT NULL, resource_id TEXT, patient_id BIGINT, route TEXT NOT NULL);
CREATE INDEX server_audit_patient ON server_audit (patient_id, at);
";

// The ledger's `providers.id`, not the NPI, so that an NPI corrected in place keeps the
// link; no foreign key because the server's tables must not constrain the ledger's. The
// unique index makes a provider linked to at most one user (NULLs are distinct on both
// engines).
const V2: &str = "
ALTER TABLE server_users ADD COLUMN provider_id BIGINT;
CREATE UNIQUE INDEX server_users_provider ON server_users (provider_id);
";

const SQLITE_APPEND_ONLY: &str = "
CREATE TRIGGER server_audit_no_update BEFORE UPDATE ON server_audit
  BEGIN SELECT RAISE(ABORT, 'server_audit is append-only'); END;
CREATE TRIGGER server_audit_no_delete BEFORE DELETE ON server_audit
  BEGIN SELECT RAISE(ABORT, 'server_audit is append-only'); END;
";

const PG_APPEND_ONLY: &str = "
CREATE FUNCTION server_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN RAISE EXCEPTION 'server_audit is append-only'; END $$;
CREATE TRIGGER server_audit_no_change BEFORE UPDATE OR DELETE ON server_audit
  FOR EACH ROW EXECUTE FUNCTION server_audit_append_only();
";

fn migrate(conn: &mut Conn) -> anyhow::Result<()> {
    let pg = conn.is_pg();
    conn.batch(
        "CREATE TABLE IF NOT EXISTS server_migrations (
           version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    conn.transaction(|c| {
        if pg {
            // Several instances may start at once on one PostgreSQL.
            c.batch("SELECT pg_advisory_xact_lock(7242001)")?;
        }
        let done: Vec<i64> = c
            .query("SELECT version FROM server_migrations", &[])?
            .iter()
            .map(|r| r.int(0))
            .collect();
        for (version, name, sql) in MIGRATIONS {
            if done.contains(version) {
                continue;
            }
            let pk = if pg {
                "BIGSERIAL PRIMARY KEY"
            } else {
                "INTEGER PRIMARY KEY"
            };
            c.batch(&sql.replace("{pk}", pk))
                .with_context(|| format!("server migration {version} ({name})"))?;
            if *version == 1 {
                c.batch(if pg {
                    PG_APPEND_ONLY
                } else {
                    SQLITE_APPEND_ONLY
                })?;
            }
            c.exec(
                "INSERT INTO server_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                &[(*version).into(), (*name).into(), crate::now().into()],
            )?;
        }
        Ok(())
    })
}

/// A small pool of connections to one database.
#[derive(Clone)]
pub struct Db(Arc<DbInner>);

struct DbInner {
    url: String,
    idle: Mutex<Vec<Conn>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Db")
    }
}

/// Most idle connections kept.
const POOL_MAX_IDLE: usize = 8;

impl Drop for DbInner {
    fn drop(&mut self) {
        let conns = match self.idle.get_mut() {
            Ok(v) => std::mem::take(v),
            Err(e) => std::mem::take(e.into_inner()),
        };
        drop_off_runtime(conns);
    }
}

/// Drops `value` on a plain thread when called on an async runtime's thread: the
/// PostgreSQL client blocks on its own runtime when it closes, which panics there.
pub fn drop_off_runtime<T: Send + 'static>(value: T) {
    if tokio::runtime::Handle::try_current().is_ok() {
        let _ = std::thread::spawn(move || drop(value)).join();
    } else {
        drop(value);
    }
}

impl Db {
    /// Opens the database and applies the server's migrations.
    pub fn open(url: &str) -> anyhow::Result<Db> {
        let mut conn = Conn::open(url)?;
        migrate(&mut conn).context("applying the server's migrations")?;
        Ok(Db(Arc::new(DbInner {
            url: url.to_owned(),
            idle: Mutex::new(vec![conn]),
        })))
    }

    fn take(&self) -> anyhow::Result<Conn> {
        let idle = self.0.idle.lock().ok().and_then(|mut v| v.pop());
        match idle {
            Some(c) => Ok(c),
            None => Conn::open(&self.0.url),
        }
    }

    fn give_back(&self, conn: Conn) {
        if let Ok(mut v) = self.0.idle.lock() {
            if v.len() < POOL_MAX_IDLE {
                v.push(conn);
            }
        }
    }

    /// Runs `f` with a connection on a blocking thread.
    pub async fn run<T, F>(&self, f: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> anyhow::Result<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.take()?;
            let res = f(&mut conn);
            // A connection whose statement failed is still usable on both engines, but
            // drop it on error to be sure no half transaction is handed out again.
            if res.is_ok() {
                db.give_back(conn);
            }
            res
        })
        .await
        .map_err(|e| anyhow!("database task failed: {e}"))?
    }

    /// Runs `f` with a connection on the current thread (for start-up and the CLI).
    pub fn run_blocking<T>(
        &self,
        f: impl FnOnce(&mut Conn) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let mut conn = self.take()?;
        let res = f(&mut conn);
        if res.is_ok() {
            self.give_back(conn);
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_audit_is_append_only() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let url = dir.path().join("t.db").display().to_string();
        let db = Db::open(&url).unwrap_or_else(|e| panic!("{e:#}"));
        // A second open finds the migration applied and does nothing.
        let db2 = Db::open(&url).unwrap_or_else(|e| panic!("{e:#}"));
        let n = db2
            .run_blocking(|c| c.one("SELECT COUNT(*) FROM server_migrations", &[]))
            .unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(n.map(|r| r.int(0)), Some(MIGRATIONS.len() as i64));
        let res = db.run_blocking(|c| {
            c.exec(
                "INSERT INTO server_audit (at, username, action, resource, route)
                 VALUES ($1, 'a', 'read', 'patient', '/x')",
                &[crate::now().into()],
            )?;
            assert!(c.exec("UPDATE server_audit SET action = 'x'", &[]).is_err());
            assert!(c.exec("DELETE FROM server_audit", &[]).is_err());
            c.one("SELECT action FROM server_audit", &[])
        });
        let row = res.unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(row.map(|r| r.text(0)).as_deref(), Some("read"));
    }
}
