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

/// One connection, and the practice its statements are scoped to.
///
/// **Architecture Invariant:** a ledger statement names its practice as `$P` (in its
/// `WHERE`, and as the `practice_id` it inserts); the connection binds its practice there,
/// so no caller passes it and none can pass another. On PostgreSQL the session setting
/// `otbill.practice`, which the row-level security policies read, follows it.
pub(crate) struct Conn {
    link: Link,
    /// The practice `$P` binds (0: none, which matches no row).
    practice: i64,
    /// The practice the PostgreSQL session setting holds, when known.
    session_practice: Option<i64>,
}

enum Link {
    Sqlite(rusqlite::Connection),
    Pg {
        client: Box<postgres::Client>,
        statements: HashMap<&'static str, (postgres::Statement, Option<usize>)>,
    },
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.link {
            Link::Sqlite(_) => "Conn::Sqlite",
            Link::Pg { .. } => "Conn::Pg",
        })
    }
}

/// How long a writer waits for another writer's lock before failing (SQLite).
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// `sql` with `$P` numbered after its last `$N`, and that number (`None` without `$P`); on
/// SQLite every `$N` becomes `?N`.
fn translate(sql: &str, sqlite: bool) -> (String, Option<usize>) {
    let b = sql.as_bytes();
    let mut max = 0usize;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let mut j = i + 1;
            let mut n = 0usize;
            while j < b.len() && b[j].is_ascii_digit() {
                n = n * 10 + usize::from(b[j] - b'0');
                j += 1;
            }
            max = max.max(n);
            i = j;
        } else {
            i += 1;
        }
    }
    let p = sql.contains("$P").then_some(max + 1);
    let mut out = match p {
        Some(p) => sql.replace("$P", &format!("${p}")),
        None => sql.to_owned(),
    };
    if sqlite {
        out = out.replace('$', "?");
    }
    (out, p)
}

impl Conn {
    pub(crate) fn open(url: &str) -> Result<Conn, Error> {
        let link = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let client = postgres::Client::connect(url, postgres::NoTls)
                .map_err(|e| Error::Db(format!("connecting to PostgreSQL: {e}")))?;
            Link::Pg {
                client: Box::new(client),
                statements: HashMap::new(),
            }
        } else {
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
            Link::Sqlite(conn)
        };
        Ok(Conn {
            link,
            practice: 0,
            session_practice: None,
        })
    }

    pub(crate) fn engine(&self) -> Engine {
        match self.link {
            Link::Sqlite(_) => Engine::Sqlite,
            Link::Pg { .. } => Engine::Postgres,
        }
    }

    /// The practice `$P` binds from now on.
    pub(crate) fn set_practice(&mut self, practice: i64) {
        self.practice = practice;
    }

    /// The practice `$P` binds.
    pub(crate) fn practice(&self) -> i64 {
        self.practice
    }

    /// Brings PostgreSQL's `otbill.practice` in step with the connection's practice.
    fn sync_practice(&mut self) -> Result<(), Error> {
        if self.session_practice == Some(self.practice) {
            return Ok(());
        }
        if let Link::Pg { client, .. } = &mut self.link {
            client
                .execute(
                    "SELECT set_config('otbill.practice', $1, false)",
                    &[&self.practice.to_string()],
                )
                .map_err(pg_err)?;
        }
        self.session_practice = Some(self.practice);
        Ok(())
    }

    /// A rolled back transaction takes a setting made in it along: set it again next time.
    pub(crate) fn forget_session_practice(&mut self) {
        self.session_practice = None;
    }

    /// Runs statements without parameters (DDL, transaction control).
    pub(crate) fn batch(&mut self, sql: &str) -> Result<(), Error> {
        match &mut self.link {
            Link::Sqlite(c) => c.execute_batch(sql).map_err(sqlite_err),
            Link::Pg { client, .. } => client.batch_execute(sql).map_err(pg_err),
        }
    }

    /// Starts a write transaction. SQLite takes the write lock now (`BEGIN IMMEDIATE`), so
    /// two writers queue on the busy timeout instead of failing half-way.
    pub(crate) fn begin(&mut self) -> Result<(), Error> {
        match &mut self.link {
            Link::Sqlite(c) => c.execute_batch("BEGIN IMMEDIATE").map_err(sqlite_err),
            Link::Pg { client, .. } => client.batch_execute("BEGIN").map_err(pg_err),
        }
    }

    pub(crate) fn commit(&mut self) -> Result<(), Error> {
        self.batch("COMMIT")
    }

    pub(crate) fn rollback(&mut self) {
        // Nothing useful can be done if the rollback fails: the connection is dropped by
        // the caller's error path and the engine rolls back on its own.
        let _ = self.batch("ROLLBACK");
        self.forget_session_practice();
    }

    /// Executes one statement, returning the number of rows changed.
    pub(crate) fn exec(&mut self, sql: &'static str, params: &[Value]) -> Result<u64, Error> {
        self.sync_practice()?;
        let practice = Value::Int(self.practice);
        match &mut self.link {
            Link::Sqlite(c) => {
                let (text, p) = sqlite_sql(sql);
                let mut st = c.prepare_cached(&text).map_err(sqlite_err)?;
                bind(&mut st, params, p.map(|p| (p, &practice)))?;
                st.raw_execute().map(|n| n as u64).map_err(sqlite_err)
            }
            Link::Pg { client, statements } => {
                let (st, p) = pg_statement(client, statements, sql)?;
                client
                    .execute(&st, &pg_params(params, p.map(|_| &practice)))
                    .map_err(pg_err)
            }
        }
    }

    /// Runs a query and returns every row.
    pub(crate) fn query(&mut self, sql: &'static str, params: &[Value]) -> Result<Vec<Row>, Error> {
        self.sync_practice()?;
        let practice = Value::Int(self.practice);
        match &mut self.link {
            Link::Sqlite(c) => {
                let (text, p) = sqlite_sql(sql);
                let mut st = c.prepare_cached(&text).map_err(sqlite_err)?;
                sqlite_rows(&mut st, params, p.map(|p| (p, &practice)))
            }
            Link::Pg { client, statements } => {
                let (st, p) = pg_statement(client, statements, sql)?;
                let rows = client
                    .query(&st, &pg_params(params, p.map(|_| &practice)))
                    .map_err(pg_err)?;
                rows.iter().map(pg_row).collect()
            }
        }
    }

    /// [`Conn::exec`] for a statement whose text is not a constant.
    pub(crate) fn exec_text(&mut self, sql: &str, params: &[Value]) -> Result<u64, Error> {
        self.sync_practice()?;
        let practice = Value::Int(self.practice);
        match &mut self.link {
            Link::Sqlite(c) => {
                let (text, p) = translate(sql, true);
                let mut st = c.prepare_cached(&text).map_err(sqlite_err)?;
                bind(&mut st, params, p.map(|p| (p, &practice)))?;
                st.raw_execute().map(|n| n as u64).map_err(sqlite_err)
            }
            Link::Pg { client, .. } => {
                let (text, p) = translate(sql, false);
                client
                    .execute(&text, &pg_params(params, p.map(|_| &practice)))
                    .map_err(pg_err)
            }
        }
    }

    /// A query whose text is not a constant (hand-written, [`crate::Store::raw_query`]):
    /// prepared each time on PostgreSQL, cached by text on SQLite.
    pub(crate) fn query_text(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, Error> {
        self.sync_practice()?;
        let practice = Value::Int(self.practice);
        match &mut self.link {
            Link::Sqlite(c) => {
                let (text, p) = translate(sql, true);
                let mut st = c.prepare_cached(&text).map_err(sqlite_err)?;
                sqlite_rows(&mut st, params, p.map(|p| (p, &practice)))
            }
            Link::Pg { client, .. } => {
                let (text, p) = translate(sql, false);
                let rows = client
                    .query(&text, &pg_params(params, p.map(|_| &practice)))
                    .map_err(pg_err)?;
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

fn pg_params<'a>(
    params: &'a [Value],
    practice: Option<&'a Value>,
) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .chain(practice)
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

fn sqlite_rows(
    st: &mut rusqlite::CachedStatement<'_>,
    params: &[Value],
    practice: Option<(usize, &Value)>,
) -> Result<Vec<Row>, Error> {
    bind(st, params, practice)?;
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

fn bind(
    st: &mut rusqlite::CachedStatement<'_>,
    params: &[Value],
    practice: Option<(usize, &Value)>,
) -> Result<(), Error> {
    let numbered = params.iter().enumerate().map(|(i, v)| (i + 1, v));
    for (i, v) in numbered.chain(practice) {
        let r = match v {
            Value::Null => st.raw_bind_parameter(i, rusqlite::types::Null),
            Value::Int(n) => st.raw_bind_parameter(i, n),
            Value::Text(t) => st.raw_bind_parameter(i, t.as_str()),
        };
        r.map_err(sqlite_err)?;
    }
    Ok(())
}

/// `$1` → `?1` and `$P` numbered (see [`translate`]): SQLite numbers `$NAME` parameters by
/// first appearance, `?N` by N. The translation of each static SQL text is cached per
/// thread (keyed by its address).
fn sqlite_sql(sql: &'static str) -> (std::rc::Rc<str>, Option<usize>) {
    type Cache = HashMap<usize, (std::rc::Rc<str>, Option<usize>)>;
    thread_local! {
        static CACHE: std::cell::RefCell<Cache> = std::cell::RefCell::new(HashMap::new());
    }
    CACHE.with(|c| {
        c.borrow_mut()
            .entry(sql.as_ptr() as usize)
            .or_insert_with(|| {
                let (text, p) = translate(sql, true);
                (std::rc::Rc::from(text), p)
            })
            .clone()
    })
}

fn pg_statement(
    client: &mut postgres::Client,
    statements: &mut HashMap<&'static str, (postgres::Statement, Option<usize>)>,
    sql: &'static str,
) -> Result<(postgres::Statement, Option<usize>), Error> {
    if let Some(st) = statements.get(sql) {
        return Ok(st.clone());
    }
    let (text, p) = translate(sql, false);
    let st = client.prepare(&text).map_err(pg_err)?;
    statements.insert(sql, (st.clone(), p));
    Ok((st, p))
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
