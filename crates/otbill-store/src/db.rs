//! The two engines behind one small interface: SQL text written once (PostgreSQL's `$1`
//! placeholders), values as [`Value`], rows as `Vec<Value>`.
//!
//! **Architecture Invariant:** every dialect difference lives in this file or in
//! [`crate::schema`]'s substitutions; the rest of the crate writes one SQL text. Integers
//! are `BIGINT` everywhere (money in cents), dates and timestamps ISO-8601 `TEXT`, so both
//! engines read back the same values.

use std::collections::HashMap;
use std::time::Duration;

use crate::Error;

/// A column or parameter value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer (money in cents, flags 0 or 1).
    Int(i64),
    /// Text (dates and timestamps as ISO-8601).
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

/// Builds a `&[Value]` from expressions.
macro_rules! params {
    ($($v:expr),* $(,)?) => { &[$($crate::db::Value::from($v)),*] };
}
pub(crate) use params;

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
    /// Column `i` as an integer, `None` when NULL.
    pub fn opt_int(&self, i: usize) -> Option<i64> {
        match self.0.get(i) {
            Some(Value::Int(v)) => Some(*v),
            _ => None,
        }
    }
    /// Column `i` as text (empty when NULL).
    pub fn text(&self, i: usize) -> String {
        match self.0.get(i) {
            Some(Value::Text(t)) => t.clone(),
            Some(Value::Int(v)) => v.to_string(),
            _ => String::new(),
        }
    }
    /// Column `i` as text, `None` when NULL.
    pub fn opt_text(&self, i: usize) -> Option<String> {
        match self.0.get(i) {
            Some(Value::Text(t)) => Some(t.clone()),
            Some(Value::Int(v)) => Some(v.to_string()),
            _ => None,
        }
    }
}

/// Which engine a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// An SQLite file (WAL mode).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

pub(crate) enum Conn {
    Sqlite(rusqlite::Connection),
    Pg {
        client: Box<postgres::Client>,
        statements: HashMap<&'static str, postgres::Statement>,
    },
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Conn::Sqlite(_) => "Conn::Sqlite",
            Conn::Pg { .. } => "Conn::Pg",
        })
    }
}

/// How long a writer waits for another writer's lock before failing (SQLite).
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

impl Conn {
    pub(crate) fn open(url: &str) -> Result<Conn, Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let client = postgres::Client::connect(url, postgres::NoTls)
                .map_err(|e| Error::Db(format!("connecting to PostgreSQL: {e}")))?;
            return Ok(Conn::Pg {
                client: Box::new(client),
                statements: HashMap::new(),
            });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let conn = rusqlite::Connection::open(path)
            .map_err(|e| Error::Db(format!("opening SQLite database {path}: {e}")))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite_err)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
             PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
        )
        .map_err(sqlite_err)?;
        conn.set_prepared_statement_cache_capacity(128);
        Ok(Conn::Sqlite(conn))
    }

    pub(crate) fn engine(&self) -> Engine {
        match self {
            Conn::Sqlite(_) => Engine::Sqlite,
            Conn::Pg { .. } => Engine::Postgres,
        }
    }

    /// Runs statements without parameters (DDL, transaction control).
    pub(crate) fn batch(&mut self, sql: &str) -> Result<(), Error> {
        match self {
            Conn::Sqlite(c) => c.execute_batch(sql).map_err(sqlite_err),
            Conn::Pg { client, .. } => client.batch_execute(sql).map_err(pg_err),
        }
    }

    /// Starts a write transaction. SQLite takes the write lock now (`BEGIN IMMEDIATE`), so
    /// two writers queue on the busy timeout instead of failing half-way.
    pub(crate) fn begin(&mut self) -> Result<(), Error> {
        match self {
            Conn::Sqlite(c) => c.execute_batch("BEGIN IMMEDIATE").map_err(sqlite_err),
            Conn::Pg { client, .. } => client.batch_execute("BEGIN").map_err(pg_err),
        }
    }

    pub(crate) fn commit(&mut self) -> Result<(), Error> {
        self.batch("COMMIT")
    }

    pub(crate) fn rollback(&mut self) {
        // Nothing useful can be done if the rollback fails: the connection is dropped by
        // the caller's error path and the engine rolls back on its own.
        let _ = self.batch("ROLLBACK");
    }

    /// Executes one statement, returning the number of rows changed.
    pub(crate) fn exec(&mut self, sql: &'static str, params: &[Value]) -> Result<u64, Error> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(&sqlite_sql(sql)).map_err(sqlite_err)?;
                bind(&mut st, params)?;
                st.raw_execute().map(|n| n as u64).map_err(sqlite_err)
            }
            Conn::Pg { client, statements } => {
                let st = pg_statement(client, statements, sql)?;
                client.execute(&st, &pg_params(params)).map_err(pg_err)
            }
        }
    }

    /// Runs a query and returns every row.
    pub(crate) fn query(&mut self, sql: &'static str, params: &[Value]) -> Result<Vec<Row>, Error> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(&sqlite_sql(sql)).map_err(sqlite_err)?;
                sqlite_rows(&mut st, params)
            }
            Conn::Pg { client, statements } => {
                let st = pg_statement(client, statements, sql)?;
                let rows = client.query(&st, &pg_params(params)).map_err(pg_err)?;
                rows.iter().map(pg_row).collect()
            }
        }
    }

    /// [`Conn::exec`] for a statement whose text is not a constant.
    pub(crate) fn exec_text(&mut self, sql: &str, params: &[Value]) -> Result<u64, Error> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c
                    .prepare_cached(&sql.replace('$', "?"))
                    .map_err(sqlite_err)?;
                bind(&mut st, params)?;
                st.raw_execute().map(|n| n as u64).map_err(sqlite_err)
            }
            Conn::Pg { client, .. } => client.execute(sql, &pg_params(params)).map_err(pg_err),
        }
    }

    /// A query whose text is not a constant (hand-written, [`crate::Store::raw_query`]):
    /// prepared each time on PostgreSQL, cached by text on SQLite.
    pub(crate) fn query_text(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, Error> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c
                    .prepare_cached(&sql.replace('$', "?"))
                    .map_err(sqlite_err)?;
                sqlite_rows(&mut st, params)
            }
            Conn::Pg { client, .. } => {
                let rows = client.query(sql, &pg_params(params)).map_err(pg_err)?;
                rows.iter().map(pg_row).collect()
            }
        }
    }

    /// The first row, if any.
    pub(crate) fn one(
        &mut self,
        sql: &'static str,
        params: &[Value],
    ) -> Result<Option<Row>, Error> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// An `INSERT ... RETURNING id`.
    pub(crate) fn insert(&mut self, sql: &'static str, params: &[Value]) -> Result<i64, Error> {
        match self.one(sql, params)? {
            Some(row) => Ok(row.int(0)),
            None => Err(Error::Db("insert returned no id".into())),
        }
    }
}

fn pg_params(params: &[Value]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

fn sqlite_rows(
    st: &mut rusqlite::CachedStatement<'_>,
    params: &[Value],
) -> Result<Vec<Row>, Error> {
    bind(st, params)?;
    let n = st.column_count();
    let mut rows = st.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(sqlite_err)? {
        let mut vals = Vec::with_capacity(n);
        for i in 0..n {
            vals.push(match row.get_ref(i).map_err(sqlite_err)? {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(v) => Value::Int(v),
                rusqlite::types::ValueRef::Real(v) => Value::Int(v as i64),
                rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                    Value::Text(String::from_utf8_lossy(t).into_owned())
                }
            });
        }
        out.push(Row(vals));
    }
    Ok(out)
}

fn bind(st: &mut rusqlite::CachedStatement<'_>, params: &[Value]) -> Result<(), Error> {
    for (i, v) in params.iter().enumerate() {
        let r = match v {
            Value::Null => st.raw_bind_parameter(i + 1, rusqlite::types::Null),
            Value::Int(n) => st.raw_bind_parameter(i + 1, n),
            Value::Text(t) => st.raw_bind_parameter(i + 1, t.as_str()),
        };
        r.map_err(sqlite_err)?;
    }
    Ok(())
}

/// `$1` → `?1`: SQLite numbers `$NAME` parameters by first appearance, `?N` by N. The
/// translation of each static SQL text is cached per thread (keyed by its address).
fn sqlite_sql(sql: &'static str) -> std::rc::Rc<str> {
    thread_local! {
        static CACHE: std::cell::RefCell<HashMap<usize, std::rc::Rc<str>>> = std::cell::RefCell::new(HashMap::new());
    }
    CACHE.with(|c| {
        c.borrow_mut()
            .entry(sql.as_ptr() as usize)
            .or_insert_with(|| std::rc::Rc::from(sql.replace('$', "?")))
            .clone()
    })
}

fn pg_statement(
    client: &mut postgres::Client,
    statements: &mut HashMap<&'static str, postgres::Statement>,
    sql: &'static str,
) -> Result<postgres::Statement, Error> {
    if let Some(st) = statements.get(sql) {
        return Ok(st.clone());
    }
    let st = client.prepare(sql).map_err(pg_err)?;
    statements.insert(sql, st.clone());
    Ok(st)
}

fn pg_row(row: &postgres::Row) -> Result<Row, Error> {
    use postgres::types::Type;
    let mut vals = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        let t = col.type_();
        let v = if *t == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)
                .map_err(pg_err)?
                .map(Value::Int)
        } else if *t == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)
                .map_err(pg_err)?
                .map(|v| Value::Int(v.into()))
        } else if *t == Type::INT2 {
            row.try_get::<_, Option<i16>>(i)
                .map_err(pg_err)?
                .map(|v| Value::Int(v.into()))
        } else if *t == Type::BOOL {
            row.try_get::<_, Option<bool>>(i)
                .map_err(pg_err)?
                .map(|v| Value::Int(v.into()))
        } else {
            row.try_get::<_, Option<String>>(i)
                .map_err(pg_err)?
                .map(Value::Text)
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
            Value::Int(n) if *ty == Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
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

pub(crate) fn sqlite_err(e: rusqlite::Error) -> Error {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        if f.code == rusqlite::ErrorCode::ConstraintViolation {
            return Error::Conflict(e.to_string());
        }
    }
    Error::Db(e.to_string())
}

pub(crate) fn pg_err(e: postgres::Error) -> Error {
    if let Some(db) = e.as_db_error() {
        let msg = format!("{}: {}", db.code().code(), db.message());
        if db.code().code().starts_with("23") {
            return Error::Conflict(msg);
        }
        return Error::Db(msg);
    }
    Error::Db(e.to_string())
}
