//! The one data layer behind the server: a pool of [`otbill_store::Store`] connections
//! (deadpool's managed pool), used on blocking threads, and the mapping of store errors to
//! [`AppError`].
//!
//! Every table the server reads or writes, the ledger's and the accounts' alike, is reached
//! through `Store` methods; the server holds no connection of its own.
//!
//! Why deadpool: the store is synchronous (rusqlite, and the `postgres` client over
//! tokio-postgres), one connection per `Store`, and must stay usable from the CLI with no
//! runtime. deadpool's managed pool takes any object type, so it pools `Store`s as they
//! are: bounded (a request waits for a free connection instead of opening the database's
//! limit away), recycled, and with a wait timeout on tokio. sqlx would mean rewriting the
//! store async and bb8 gives nothing more for this shape.
//!
//! Each request takes a store from the pool, sets the actor (the signed-in user name, so
//! the claim history says who did what) and the practice, runs its closure on a blocking
//! thread and gives the store back; a store whose database call failed is dropped, not
//! reused.
//!
//! **Architecture Invariant: every store call of a request is scoped to the request's
//! practice.** [`scope_requests`] gives each request a practice slot, empty (0, which
//! matches no row) until authentication fills it with the practice the session or API
//! token acts in; [`Ledger::run`] scopes its store to the slot, so no handler passes a
//! practice and none can forget to. A call outside any request (start-up, tests' set-up)
//! uses [`Ledger::run_blocking`], in the main practice.

use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use deadpool::managed::{self, Metrics, Object, RecycleResult};
use otbill_store::{Error as StoreError, Store};

use crate::error::AppError;

/// Opens further `Store`s on one database for the pool.
#[derive(Debug)]
pub struct Manager {
    url: String,
}

impl managed::Manager for Manager {
    type Type = Store;
    type Error = StoreError;

    async fn create(&self) -> Result<Store, StoreError> {
        let url = self.url.clone();
        tokio::task::spawn_blocking(move || Store::connect(&url))
            .await
            .map_err(|e| StoreError::Db(format!("opening a connection: {e}")))?
    }

    async fn recycle(&self, _store: &mut Store, _: &Metrics) -> RecycleResult<StoreError> {
        // A store is given back only after its closure succeeded or failed cleanly (see
        // `Ledger::run`), with no transaction open; nothing to reset.
        Ok(())
    }
}

type Pool = managed::Pool<Manager>;

tokio::task_local! {
    static PRACTICE: Cell<i64>;
}

/// Middleware: runs the request with an empty practice slot of its own.
pub async fn scope_requests(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    PRACTICE.scope(Cell::new(0), next.run(req)).await
}

/// Scopes the rest of the current request to `practice` (authentication calls it).
pub fn enter_practice(practice: i64) {
    let _ = PRACTICE.try_with(|p| p.set(practice));
}

/// The current request's practice (0 when none, or outside a request).
pub fn current_practice() -> i64 {
    PRACTICE.try_with(Cell::get).unwrap_or(0)
}

/// Most connections open at once per server process.
pub const POOL_SIZE: usize = 16;
/// How long a request waits for a free connection before a 500.
const POOL_WAIT: Duration = Duration::from_secs(30);

/// A pooled handle on the database; clones share the pool.
#[derive(Clone)]
pub struct Ledger(Arc<Holder>);

struct Holder {
    pool: Option<Pool>,
}

impl Drop for Holder {
    fn drop(&mut self) {
        // The last pool handle drops the idle connections: off the runtime's threads.
        drop_off_runtime(self.pool.take());
    }
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ledger")
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

impl Ledger {
    /// Opens the database, applying every migration (the ledger's and the accounts'),
    /// then makes the pool. Call it off the async runtime's worker threads.
    pub fn open(url: &str) -> anyhow::Result<Ledger> {
        let first = Store::open(url).map_err(|e| anyhow!("opening the ledger: {e}"))?;
        drop(first);
        let pool = Pool::builder(Manager {
            url: url.to_owned(),
        })
        .max_size(POOL_SIZE)
        .wait_timeout(Some(POOL_WAIT))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| anyhow!("building the connection pool: {e}"))?;
        Ok(Ledger(Arc::new(Holder { pool: Some(pool) })))
    }

    fn pool(&self) -> Result<&Pool, AppError> {
        self.0
            .pool
            .as_ref()
            .ok_or_else(|| AppError::Internal(anyhow!("the pool is closed")))
    }

    /// Runs `f` on a store, as `actor`, on a blocking thread.
    pub async fn run<T, F>(&self, actor: &str, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        self.run_app(actor, move |s| f(s).map_err(AppError::from))
            .await
    }

    /// [`Ledger::run`] for a closure that answers with the app's errors itself (a refusal
    /// decided between two store calls).
    pub async fn run_app<T, F>(&self, actor: &str, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, AppError> + Send + 'static,
    {
        let mut store: Object<Manager> = self
            .pool()?
            .get()
            .await
            .map_err(|e| AppError::Internal(anyhow!("taking a database connection: {e}")))?;
        let actor = actor.to_owned();
        let practice = current_practice();
        tokio::task::spawn_blocking(move || {
            store.set_actor(&actor);
            store.use_practice(practice);
            let res = f(&mut store);
            if matches!(&res, Err(AppError::Internal(_))) {
                // The connection may be broken or mid-transaction: never hand it out again.
                drop(Object::take(store));
            }
            res
        })
        .await
        .map_err(|e| AppError::Internal(anyhow!("ledger task failed: {e}")))?
    }

    /// Runs `f` on a store on the current thread (start-up, the CLI, tests' setup), off
    /// the pool.
    pub fn run_blocking<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, AppError> {
        let url = &self.pool()?.manager().url;
        let mut store = Store::connect(url)?;
        let res = f(&mut store);
        drop_off_runtime(store);
        Ok(res?)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid { field, message } => AppError::BadRequest {
                field: Some(field),
                message,
            },
            StoreError::NotFound(_) => AppError::NotFound,
            StoreError::Conflict(m) | StoreError::State(m) => AppError::Conflict(m),
            other => AppError::Internal(anyhow!("ledger: {other}")),
        }
    }
}
