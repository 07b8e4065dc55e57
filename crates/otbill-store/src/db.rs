//! The two engines behind one small interface: SQL text written once (PostgreSQL's `$1`
//! placeholders), values as [`Value`], rows as `Vec<Value>`.
//!
//! **Architecture Invariant:** every dialect difference lives in this file or in
//! [`crate::schema`]'s substitutions; the rest of the crate writes one SQL text. Integers
//! are `BIGINT` everywhere (money in cents), dates and timestamps ISO-8601 `TEXT`, so both
//! engines read back the same values.
//!
//! Bulk statements ([`Rows`], [`Table`], [`Update`], [`Keyed`]) are where the engines
//! differ most: PostgreSQL gets one statement per group of rows, each column an array
//! parameter (`INSERT ... SELECT FROM unnest($1::bigint[], ...)`, `UPDATE ... FROM
//! unnest(...)`, `JOIN unnest($1::text[])`), because every statement is a round trip;
//! SQLite, in-process, gets prepared statements in a loop (multi-row `VALUES` for inserts).
//! Ids of bulk-inserted rows are chosen before the insert (PostgreSQL: `nextval` of the
//! table's sequence, sorted; SQLite: after the largest, under the write lock), so they
//! follow row order without relying on the order an engine assigns them in.

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
            Link::Sqlite(c) => sqlite_bound(c, sql, params, &practice)?
                .raw_execute()
                .map(|n| n as u64)
                .map_err(sqlite_err),
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
                let mut st = sqlite_bound(c, sql, params, &practice)?;
                let mut out = Vec::new();
                sqlite_read_rows(&mut st, &mut out)?;
                Ok(out)
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
    let mut out = Vec::new();
    sqlite_read_rows(st, &mut out)?;
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

/// The cached statement of a static SQL text with `params` (and the practice, where the
/// text says `$P`) bound.
fn sqlite_bound<'c>(
    c: &'c rusqlite::Connection,
    sql: &'static str,
    params: &[Value],
    practice: &Value,
) -> Result<rusqlite::CachedStatement<'c>, Error> {
    let (text, p) = sqlite_sql(sql);
    let mut st = c.prepare_cached(&text).map_err(sqlite_err)?;
    bind(&mut st, params, p.map(|p| (p, practice)))?;
    Ok(st)
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

// Bulk statements: many rows in one statement on PostgreSQL (one round trip per group of
// rows instead of one per row), a prepared statement in a loop on SQLite (in-process, so a
// loop costs no round trip). Callers describe a table once as a `static` and fill
// [`Rows`] column by column; the SQL of each engine is generated here on first use.

/// The type of a column in a bulk statement: PostgreSQL's array parameters are typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    /// `BIGINT`.
    Int,
    /// `TEXT`.
    Text,
}

impl Ty {
    fn pg_array(self) -> &'static str {
        match self {
            Ty::Int => "bigint[]",
            Ty::Text => "text[]",
        }
    }
}

/// Rows per PostgreSQL bulk statement: bounds the size of one message.
const PG_BULK_ROWS: usize = 10_000;

/// Rows per SQLite multi-row `INSERT`: fewer statement steps, well under SQLite's limit of
/// 32766 parameters for our widest table.
const SQLITE_BULK_ROWS: usize = 64;

/// A table as a bulk insert sees it: its name and the columns given, in order (the `id`
/// primary key is not one of them: it is assigned; nor is `practice_id`: every bulk row
/// goes into the connection's practice).
#[derive(Debug)]
pub(crate) struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Ty)],
    sqlite: std::sync::OnceLock<String>,
    sqlite_many: std::sync::OnceLock<String>,
    sqlite_max: std::sync::OnceLock<String>,
    pg: std::sync::OnceLock<String>,
}

impl Table {
    pub(crate) const fn new(name: &'static str, columns: &'static [(&'static str, Ty)]) -> Table {
        Table {
            name,
            columns,
            sqlite: std::sync::OnceLock::new(),
            sqlite_many: std::sync::OnceLock::new(),
            sqlite_max: std::sync::OnceLock::new(),
            pg: std::sync::OnceLock::new(),
        }
    }

    /// `INSERT ... VALUES (...), ...` of `rows` rows with explicit ids; `rows` is 1 or
    /// [`SQLITE_BULK_ROWS`].
    fn sqlite_insert(&'static self, rows: usize) -> &'static str {
        let cell = if rows == 1 {
            &self.sqlite
        } else {
            &self.sqlite_many
        };
        cell.get_or_init(|| {
            let mut cols = vec!["id"];
            cols.extend(self.columns.iter().map(|c| c.0));
            let n = cols.len();
            // The practice is the parameter after every row's.
            let p = rows * n + 1;
            let tuples: Vec<String> = (0..rows)
                .map(|r| {
                    let marks: Vec<String> = (1..=n).map(|i| format!("?{}", r * n + i)).collect();
                    format!("(?{p}, {})", marks.join(", "))
                })
                .collect();
            cols.insert(0, "practice_id");
            format!(
                "INSERT INTO {} ({}) VALUES {}",
                self.name,
                cols.join(", "),
                tuples.join(", ")
            )
        })
    }

    fn sqlite_max_id(&'static self) -> &'static str {
        self.sqlite_max
            .get_or_init(|| format!("SELECT COALESCE(MAX(id), 0) FROM {}", self.name))
    }

    /// `INSERT ... SELECT FROM unnest(...)` with the ids given as the first array and the
    /// practice as the last parameter.
    fn pg_insert(&'static self) -> &'static str {
        self.pg.get_or_init(|| {
            let mut cols = vec!["practice_id", "id"];
            cols.extend(self.columns.iter().map(|c| c.0));
            let mut arrays = vec!["$1::bigint[]".to_owned()];
            arrays.extend(
                self.columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("${}::{}", i + 2, c.1.pg_array())),
            );
            format!(
                "INSERT INTO {} ({}) SELECT ${}::bigint, * FROM unnest({})",
                self.name,
                cols.join(", "),
                self.columns.len() + 2,
                arrays.join(", ")
            )
        })
    }
}

/// An `UPDATE` of many rows by id: `set` is the `SET` list, reading the new values as
/// `u.COLUMN` and the old ones as `t.COLUMN`; `columns` starts with the key, `id`.
#[derive(Debug)]
pub(crate) struct Update {
    table: Table,
    set: &'static str,
    /// More conditions on the row, `AND`ed to the id match (empty: none).
    cond: &'static str,
}

impl Update {
    /// `cond` (SQL over `t.COLUMN` and `u.COLUMN`, or empty) limits the rows changed.
    pub(crate) const fn new(
        name: &'static str,
        columns: &'static [(&'static str, Ty)],
        set: &'static str,
        cond: &'static str,
    ) -> Update {
        Update {
            table: Table::new(name, columns),
            set,
            cond,
        }
    }

    fn and_cond(&self) -> String {
        if self.cond.is_empty() {
            String::new()
        } else {
            format!(" AND ({})", self.cond)
        }
    }

    /// The rows' layout, for [`Rows::new`].
    pub(crate) fn rows(&'static self) -> Rows {
        Rows::new(&self.table)
    }

    /// `UPDATE t SET ... WHERE t.id = ?1 ...` with each `u.COLUMN` replaced by its
    /// parameter: one row per execution.
    fn sqlite_update(&'static self) -> &'static str {
        self.table.sqlite.get_or_init(|| {
            let mut cols: Vec<(usize, &str)> =
                self.table.columns.iter().map(|c| c.0).enumerate().collect();
            // Longest names first, so `u.at` never eats the start of `u.attr`.
            cols.sort_by_key(|c| std::cmp::Reverse(c.1.len()));
            let mut sql = format!(
                "UPDATE {} AS t SET {} WHERE t.id = u.id AND t.practice_id = ?{}{}",
                self.table.name,
                self.set,
                self.table.columns.len() + 1,
                self.and_cond()
            );
            for (i, name) in cols {
                sql = sql.replace(&format!("u.{name}"), &format!("?{}", i + 1));
            }
            sql
        })
    }

    fn pg_update(&'static self) -> &'static str {
        self.table.pg.get_or_init(|| {
            let names: Vec<&str> = self.table.columns.iter().map(|c| c.0).collect();
            let arrays: Vec<String> = self
                .table
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| format!("${}::{}", i + 1, c.1.pg_array()))
                .collect();
            format!(
                "UPDATE {} AS t SET {} FROM unnest({}) AS u({}) \
                 WHERE t.id = u.id AND t.practice_id = ${}::bigint{}",
                self.table.name,
                self.set,
                arrays.join(", "),
                names.join(", "),
                self.table.columns.len() + 1,
                self.and_cond()
            )
        })
    }
}

/// A query over a set of keys: `{keys}` in the SQL stands for a one-column table
/// `keys(k)` holding them. PostgreSQL reads it from one array (`unnest($1::T[])`), SQLite
/// runs the query once per key.
#[derive(Debug)]
pub(crate) struct Keyed {
    ty: Ty,
    sql: &'static str,
    sqlite: std::sync::OnceLock<String>,
    pg: std::sync::OnceLock<String>,
}

impl Keyed {
    pub(crate) const fn new(ty: Ty, sql: &'static str) -> Keyed {
        Keyed {
            ty,
            sql,
            sqlite: std::sync::OnceLock::new(),
            pg: std::sync::OnceLock::new(),
        }
    }
}

#[derive(Debug)]
enum Col {
    Int(Vec<Option<i64>>),
    /// All of a column's texts in one buffer, each value a span of it: no allocation per
    /// value.
    Text {
        buf: String,
        spans: Vec<Option<(usize, usize)>>,
    },
}

impl Col {
    fn text(buf: &str, span: Option<(usize, usize)>) -> Option<&str> {
        span.and_then(|(a, b)| buf.get(a..b))
    }
}

/// One value of a bulk row, borrowed where it can be.
#[derive(Debug)]
pub(crate) enum Cell<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Owned(String),
}

impl From<i64> for Cell<'_> {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}
impl<'a> From<&'a str> for Cell<'a> {
    fn from(v: &'a str) -> Self {
        Cell::Text(v)
    }
}
impl<'a> From<&'a String> for Cell<'a> {
    fn from(v: &'a String) -> Self {
        Cell::Text(v)
    }
}
impl From<String> for Cell<'_> {
    fn from(v: String) -> Self {
        Cell::Owned(v)
    }
}
impl<'a, T: Into<Cell<'a>>> From<Option<T>> for Cell<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Null, Into::into)
    }
}

/// Rows for a bulk statement, held column by column (PostgreSQL sends a column as one
/// array parameter).
#[derive(Debug)]
pub(crate) struct Rows {
    table: &'static Table,
    cols: Vec<Col>,
    len: usize,
    /// A row had the wrong number of values or a text where a number belongs: reported as
    /// an error by the statement instead of a panic here.
    bad: Option<String>,
}

/// Builds a `[Cell; N]` row for [`Rows::push`].
macro_rules! row {
    ($($v:expr),* $(,)?) => { [$($crate::db::Cell::from($v)),*] };
}
pub(crate) use row;

impl Rows {
    pub(crate) fn new(table: &'static Table) -> Rows {
        Rows {
            table,
            cols: table
                .columns
                .iter()
                .map(|c| match c.1 {
                    Ty::Int => Col::Int(Vec::new()),
                    Ty::Text => Col::Text {
                        buf: String::new(),
                        spans: Vec::new(),
                    },
                })
                .collect(),
            len: 0,
            bad: None,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends one row, its values in the table's column order.
    pub(crate) fn push<const N: usize>(&mut self, row: [Cell<'_>; N]) {
        if N != self.cols.len() {
            self.bad = Some(format!(
                "{}: a row of {N} values for {} columns",
                self.table.name,
                self.cols.len()
            ));
            return;
        }
        let mut bad = None;
        for (col, v) in self.cols.iter_mut().zip(row) {
            match (col, v) {
                (Col::Int(c), Cell::Int(n)) => c.push(Some(n)),
                (Col::Int(c), Cell::Null) => c.push(None),
                (Col::Int(c), Cell::Text(t)) => bad = bad.or(push_parsed(c, t, self.table)),
                (Col::Int(c), Cell::Owned(t)) => bad = bad.or(push_parsed(c, &t, self.table)),
                (Col::Text { spans, .. }, Cell::Null) => spans.push(None),
                (Col::Text { buf, spans }, Cell::Text(t)) => push_text(buf, spans, t),
                (Col::Text { buf, spans }, Cell::Owned(t)) => push_text(buf, spans, &t),
                (Col::Text { buf, spans }, Cell::Int(n)) => {
                    push_text(buf, spans, &n.to_string());
                }
            }
        }
        if bad.is_some() && self.bad.is_none() {
            self.bad = bad;
        }
        self.len += 1;
    }

    pub(crate) fn clear(&mut self) {
        for c in &mut self.cols {
            match c {
                Col::Int(v) => v.clear(),
                Col::Text { buf, spans } => {
                    buf.clear();
                    spans.clear();
                }
            }
        }
        self.len = 0;
        self.bad = None;
    }

    fn check(&self) -> Result<(), Error> {
        match &self.bad {
            Some(why) => Err(Error::Db(format!("bulk rows: {why}"))),
            None => Ok(()),
        }
    }

    /// Binds row `i` to the parameters after `offset` (`?offset+1`, ...).
    fn bind_sqlite(
        &self,
        st: &mut rusqlite::CachedStatement<'_>,
        i: usize,
        offset: usize,
    ) -> Result<(), Error> {
        for (k, col) in self.cols.iter().enumerate() {
            let at = offset + k + 1;
            let r = match col {
                Col::Int(v) => st.raw_bind_parameter(at, v.get(i).copied().flatten()),
                Col::Text { buf, spans } => {
                    st.raw_bind_parameter(at, Col::text(buf, spans.get(i).copied().flatten()))
                }
            };
            r.map_err(sqlite_err)?;
        }
        Ok(())
    }

    /// The columns of rows `range` as array parameters.
    fn pg_arrays(
        &self,
        range: std::ops::Range<usize>,
    ) -> Vec<Box<dyn postgres::types::ToSql + Sync + '_>> {
        self.cols
            .iter()
            .map(|c| -> Box<dyn postgres::types::ToSql + Sync + '_> {
                match c {
                    Col::Int(v) => Box::new(&v[range.clone()]),
                    Col::Text { buf, spans } => Box::new(
                        spans[range.clone()]
                            .iter()
                            .map(|s| Col::text(buf, *s))
                            .collect::<Vec<_>>(),
                    ),
                }
            })
            .collect()
    }
}

fn push_text(buf: &mut String, spans: &mut Vec<Option<(usize, usize)>>, t: &str) {
    let start = buf.len();
    buf.push_str(t);
    spans.push(Some((start, buf.len())));
}

/// A text given for a number column: parsed, or the row is marked bad.
fn push_parsed(c: &mut Vec<Option<i64>>, t: &str, table: &Table) -> Option<String> {
    match t.parse() {
        Ok(n) => {
            c.push(Some(n));
            None
        }
        Err(_) => {
            c.push(None);
            Some(format!("{}: text for a number", table.name))
        }
    }
}

/// Keys for [`Conn::query_keys`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Keys<'a> {
    Int(&'a [i64]),
    Text(&'a [&'a str]),
}

impl Keys<'_> {
    fn len(&self) -> usize {
        match self {
            Keys::Int(k) => k.len(),
            Keys::Text(k) => k.len(),
        }
    }
}

/// One row of [`Conn::query_each`], read in place (no copy of its text).
pub(crate) enum RowRef<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Pg(&'a postgres::Row),
}

impl RowRef<'_> {
    pub(crate) fn int(&self, i: usize) -> Result<i64, Error> {
        match self {
            RowRef::Sqlite(r) => r.get::<_, i64>(i).map_err(sqlite_err),
            RowRef::Pg(r) => r.try_get::<_, i64>(i).map_err(pg_err),
        }
    }

    pub(crate) fn str(&self, i: usize) -> Result<&str, Error> {
        match self {
            RowRef::Sqlite(r) => match r.get_ref(i).map_err(sqlite_err)? {
                rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                    std::str::from_utf8(t).map_err(|e| Error::Db(e.to_string()))
                }
                _ => Ok(""),
            },
            RowRef::Pg(r) => Ok(r
                .try_get::<_, Option<&str>>(i)
                .map_err(pg_err)?
                .unwrap_or("")),
        }
    }
}

impl Conn {
    /// Inserts `rows`, returning their ids in row order. Inside a write transaction.
    ///
    /// PostgreSQL: the ids are taken from the table's sequence first (`nextval`, sorted),
    /// then the rows go in with them as `INSERT ... SELECT FROM unnest(...)`, so ids follow
    /// row order without relying on the order a multi-row insert assigns them in.
    pub(crate) fn insert_rows(&mut self, rows: &Rows) -> Result<Vec<i64>, Error> {
        rows.check()?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        self.sync_practice()?;
        let practice = self.practice;
        let mut ids = Vec::with_capacity(rows.len);
        match &mut self.link {
            Link::Sqlite(c) => {
                // Inside BEGIN IMMEDIATE nobody else inserts: the ids after the largest are ours.
                let first: i64 = c
                    .prepare_cached(rows.table.sqlite_max_id())
                    .and_then(|mut st| st.query_row([], |r| r.get::<_, i64>(0)))
                    .map_err(sqlite_err)?
                    + 1;
                let width = rows.cols.len() + 1;
                let mut i = 0;
                if rows.len >= SQLITE_BULK_ROWS {
                    let mut st = c
                        .prepare_cached(rows.table.sqlite_insert(SQLITE_BULK_ROWS))
                        .map_err(sqlite_err)?;
                    while i + SQLITE_BULK_ROWS <= rows.len {
                        for r in 0..SQLITE_BULK_ROWS {
                            let id = first + (i + r) as i64;
                            st.raw_bind_parameter(r * width + 1, id)
                                .map_err(sqlite_err)?;
                            rows.bind_sqlite(&mut st, i + r, r * width + 1)?;
                        }
                        st.raw_bind_parameter(SQLITE_BULK_ROWS * width + 1, practice)
                            .map_err(sqlite_err)?;
                        st.raw_execute().map_err(sqlite_err)?;
                        i += SQLITE_BULK_ROWS;
                    }
                }
                let mut st = c
                    .prepare_cached(rows.table.sqlite_insert(1))
                    .map_err(sqlite_err)?;
                while i < rows.len {
                    st.raw_bind_parameter(1, first + i as i64)
                        .map_err(sqlite_err)?;
                    rows.bind_sqlite(&mut st, i, 1)?;
                    st.raw_bind_parameter(width + 1, practice)
                        .map_err(sqlite_err)?;
                    st.raw_execute().map_err(sqlite_err)?;
                    i += 1;
                }
                ids.extend((0..rows.len as i64).map(|k| first + k));
            }
            Link::Pg { client, statements } => {
                let (reserve, _) = pg_statement(
                    client,
                    statements,
                    // The sequence is looked up once (a materialized CTE), not per row: the
                    // lookup costs five times the `nextval` itself.
                    "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence($1, 'id')::regclass AS seq) \
                     SELECT nextval(s.seq) FROM s, generate_series(1, $2::bigint)",
                )?;
                let (insert, _) = pg_statement(client, statements, rows.table.pg_insert())?;
                let mut start = 0;
                while start < rows.len {
                    let end = (start + PG_BULK_ROWS).min(rows.len);
                    let n = (end - start) as i64;
                    let mut got: Vec<i64> = client
                        .query(&reserve, &[&rows.table.name, &n])
                        .map_err(pg_err)?
                        .iter()
                        .map(|r| r.try_get::<_, i64>(0))
                        .collect::<Result<_, _>>()
                        .map_err(pg_err)?;
                    got.sort_unstable();
                    let arrays = rows.pg_arrays(start..end);
                    let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> =
                        Vec::with_capacity(arrays.len() + 1);
                    params.push(&got);
                    params.extend(
                        arrays
                            .iter()
                            .map(|a| a.as_ref() as &(dyn postgres::types::ToSql + Sync)),
                    );
                    params.push(&practice);
                    client.execute(&insert, &params).map_err(pg_err)?;
                    ids.extend_from_slice(&got);
                    start = end;
                }
            }
        }
        Ok(ids)
    }

    /// Updates rows by id (see [`Update`]); a row's id must appear once in `rows`. Returns
    /// the number of rows changed.
    pub(crate) fn update_rows(
        &mut self,
        update: &'static Update,
        rows: &Rows,
    ) -> Result<u64, Error> {
        rows.check()?;
        if rows.is_empty() {
            return Ok(0);
        }
        self.sync_practice()?;
        let practice = self.practice;
        let p = rows.cols.len() + 1;
        let mut changed = 0;
        match &mut self.link {
            Link::Sqlite(c) => {
                let mut st = c
                    .prepare_cached(update.sqlite_update())
                    .map_err(sqlite_err)?;
                for i in 0..rows.len {
                    rows.bind_sqlite(&mut st, i, 0)?;
                    st.raw_bind_parameter(p, practice).map_err(sqlite_err)?;
                    changed += st.raw_execute().map_err(sqlite_err)? as u64;
                }
            }
            Link::Pg { client, statements } => {
                let (st, _) = pg_statement(client, statements, update.pg_update())?;
                let mut start = 0;
                while start < rows.len {
                    let end = (start + PG_BULK_ROWS).min(rows.len);
                    let arrays = rows.pg_arrays(start..end);
                    let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = arrays
                        .iter()
                        .map(|a| a.as_ref() as &(dyn postgres::types::ToSql + Sync))
                        .collect();
                    params.push(&practice);
                    changed += client.execute(&st, &params).map_err(pg_err)?;
                    start = end;
                }
            }
        }
        Ok(changed)
    }

    /// Runs a [`Keyed`] query for `keys` and returns every row.
    pub(crate) fn query_keys(
        &mut self,
        q: &'static Keyed,
        keys: Keys<'_>,
    ) -> Result<Vec<Row>, Error> {
        let mut out = Vec::new();
        if keys.len() == 0 {
            return Ok(out);
        }
        self.sync_practice()?;
        let practice = self.practice;
        // `$1` is the keys; `$P` becomes `$2`.
        match &mut self.link {
            Link::Sqlite(c) => {
                let sql = q.sqlite.get_or_init(|| {
                    q.sql
                        .replace("{keys}", "(SELECT $1 AS k) AS keys")
                        .replace("$P", "$2")
                        .replace('$', "?")
                });
                let mut st = c.prepare_cached(sql).map_err(sqlite_err)?;
                let scoped = q.sql.contains("$P");
                for i in 0..keys.len() {
                    let r = match keys {
                        Keys::Int(k) => st.raw_bind_parameter(1, k[i]),
                        Keys::Text(k) => st.raw_bind_parameter(1, k[i]),
                    };
                    r.map_err(sqlite_err)?;
                    if scoped {
                        st.raw_bind_parameter(2, practice).map_err(sqlite_err)?;
                    }
                    sqlite_read_rows(&mut st, &mut out)?;
                }
            }
            Link::Pg { client, statements } => {
                let sql = q.pg.get_or_init(|| {
                    q.sql
                        .replace(
                            "{keys}",
                            &format!("unnest($1::{}) AS keys(k)", q.ty.pg_array()),
                        )
                        .replace("$P", "$2::bigint")
                });
                let (st, _) = pg_statement(client, statements, sql)?;
                let scoped = q.sql.contains("$P");
                let mut start = 0;
                while start < keys.len() {
                    let end = (start + PG_BULK_ROWS).min(keys.len());
                    let rows = match (keys, scoped) {
                        (Keys::Int(k), true) => client.query(&st, &[&&k[start..end], &practice]),
                        (Keys::Text(k), true) => client.query(&st, &[&&k[start..end], &practice]),
                        (Keys::Int(k), false) => client.query(&st, &[&&k[start..end]]),
                        (Keys::Text(k), false) => client.query(&st, &[&&k[start..end]]),
                    }
                    .map_err(pg_err)?;
                    for r in &rows {
                        out.push(pg_row(r)?);
                    }
                    start = end;
                }
            }
        }
        Ok(out)
    }

    /// Runs a query and hands each row to `f` as it is read, without copying its text.
    pub(crate) fn query_each(
        &mut self,
        sql: &'static str,
        params: &[Value],
        mut f: impl FnMut(&RowRef<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.sync_practice()?;
        let practice = Value::Int(self.practice);
        match &mut self.link {
            Link::Sqlite(c) => {
                let mut st = sqlite_bound(c, sql, params, &practice)?;
                let mut rows = st.raw_query();
                while let Some(row) = rows.next().map_err(sqlite_err)? {
                    f(&RowRef::Sqlite(row))?;
                }
                Ok(())
            }
            Link::Pg { client, statements } => {
                let (st, p) = pg_statement(client, statements, sql)?;
                let mut rows = client
                    .query_raw(&st, pg_params(params, p.map(|_| &practice)))
                    .map_err(pg_err)?;
                while let Some(row) = postgres::fallible_iterator::FallibleIterator::next(&mut rows)
                    .map_err(pg_err)?
                {
                    f(&RowRef::Pg(&row))?;
                }
                Ok(())
            }
        }
    }
}

/// Reads every row of a bound SQLite statement into `out`.
fn sqlite_read_rows(
    st: &mut rusqlite::CachedStatement<'_>,
    out: &mut Vec<Row>,
) -> Result<(), Error> {
    let n = st.column_count();
    let mut rows = st.raw_query();
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
    Ok(())
}
