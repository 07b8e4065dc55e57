//! The ledger behind the API: a pool of [`otbill_store::Store`] connections used on
//! blocking threads, and the mapping of store errors to [`AppError`].
//!
//! The store's API is synchronous and holds one connection per `Store`; each request takes
//! one from the pool, sets the actor (the signed-in user name, so the claim history says
//! who did what), and gives it back.

use std::sync::{Arc, Mutex};

use anyhow::anyhow;
use otbill_store::{Error as StoreError, Store};

use crate::error::AppError;

/// A pool of open stores on one database.
#[derive(Clone)]
pub struct Ledger(Arc<Pool>);

struct Pool {
    url: String,
    idle: Mutex<Vec<Store>>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ledger")
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let stores = match self.idle.get_mut() {
            Ok(v) => std::mem::take(v),
            Err(e) => std::mem::take(e.into_inner()),
        };
        crate::db::drop_off_runtime(stores);
    }
}

/// Most idle stores kept open.
const MAX_IDLE: usize = 8;

impl Ledger {
    /// Opens the ledger (applying its migrations).
    pub fn open(url: &str) -> anyhow::Result<Ledger> {
        let store = Store::open(url).map_err(|e| anyhow!("opening the ledger: {e}"))?;
        Ok(Ledger(Arc::new(Pool {
            url: url.to_owned(),
            idle: Mutex::new(vec![store]),
        })))
    }

    fn take(&self) -> Result<Store, StoreError> {
        match self.0.idle.lock().ok().and_then(|mut v| v.pop()) {
            Some(s) => Ok(s),
            None => Store::open(&self.0.url),
        }
    }

    /// Runs `f` on a store, as `actor`, on a blocking thread.
    pub async fn run<T, F>(&self, actor: &str, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        let this = self.clone();
        let actor = actor.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut store = this.take()?;
            store.set_actor(&actor);
            let res = f(&mut store);
            if !matches!(res, Err(StoreError::Db(_))) {
                if let Ok(mut v) = this.0.idle.lock() {
                    if v.len() < MAX_IDLE {
                        v.push(store);
                    }
                }
            }
            res
        })
        .await
        .map_err(|e| AppError::Internal(anyhow!("ledger task failed: {e}")))?
        .map_err(AppError::from)
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
