//! The PostgreSQL engine: any number of server processes on one database.
//!
//! Each process has a connection pool for reads (repeatable-read snapshots), one writer
//! task that folds waiting writes into one transaction (taking the `feed` row's lock
//! first, so writers of every process queue in one order and feed positions follow
//! commit order), and one listening connection (`LISTEN`) that moves the head watch
//! when another process commits and re-reads the mode when it changes. Lost
//! connections are dropped and made again on the next use: while the database is
//! unreachable, requests get 503 and nothing acknowledged is lost.

mod listen;
pub mod target;
pub mod tx;

use super::engine::{self, Engine, Job, Shared, TxFuture};
use super::{DbError, read, schema};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::sync::Arc;
use std::time::Duration;
use target::{Target, Tls};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
pub use tx::PgTx;

/// Connections per process for reads (the writer and the listener use their own).
const POOL_SIZE: usize = 16;

/// How long a request waits for a free connection before answering 503.
const POOL_WAIT: Duration = Duration::from_secs(10);

/// Longest a write batch may take before its connection is given up (the writes are
/// answered 503 and retried by their clients with the same idempotency keys).
const BATCH_TIMEOUT: Duration = Duration::from_secs(30);

/// The open PostgreSQL store of a running server.
#[derive(Debug)]
pub struct PgStore {
    shared: Arc<Shared>,
    pool: Pool,
    jobs: mpsc::Sender<Job<PgTx>>,
    listener: JoinHandle<()>,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        self.listener.abort();
        self.pool.close();
    }
}

fn unreachable(target: &str, e: impl std::fmt::Display) -> DbError {
    DbError::Unavailable(format!("{target}: {e}"))
}

/// A pool of connections to `target`.
pub fn pool(target: &Target, size: usize) -> Result<Pool, DbError> {
    let manager_config = ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    let manager = match &target.tls {
        Tls::Off => {
            Manager::from_config(target.config.clone(), tokio_postgres::NoTls, manager_config)
        }
        Tls::Rustls(tls) => {
            Manager::from_config(target.config.clone(), tls.clone(), manager_config)
        }
    };
    Pool::builder(manager)
        .max_size(size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(POOL_WAIT))
        .create_timeout(target.config.get_connect_timeout().copied())
        .build()
        .map_err(|e| DbError::Other(format!("connection pool: {e}")))
}

/// A connection from `pool`, or why the database cannot be reached.
pub async fn connection(pool: &Pool, shown: &str) -> Result<PgTx, DbError> {
    pool.get()
        .await
        .map(|client| PgTx { client })
        .map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => match tx::classify(&e) {
                DbError::Postgres(text) | DbError::Unavailable(text) => unreachable(shown, text),
                other => other,
            },
            other => unreachable(shown, other),
        })
}

impl PgStore {
    /// Connects to the database at `url`, brings its schema up to date (under an
    /// advisory lock, so several processes may start at once) and starts the writer and
    /// the listener.
    pub async fn open(url: &str) -> Result<Arc<Self>, DbError> {
        let target = target::parse(url)?;
        let pool = pool(&target, POOL_SIZE)?;
        let first = connection(&pool, &target.shown).await?;
        schema::migrate(&first).await?;
        let store_id = read::meta(&first, "store_id").await?.unwrap_or_default();
        let head = engine::feed_head(&first).await?;
        drop(first);
        let shared = Arc::new(Shared::new(
            store_id,
            "postgresql",
            target.shown.clone(),
            head,
        ));
        let writer_pool = self::pool(&target, 1)?;
        let (jobs, rx) = mpsc::channel(1024);
        tokio::spawn(writer(writer_pool, rx, Arc::clone(&shared)));
        let listener = tokio::spawn(listen::follow(target, Arc::clone(&shared)));
        Ok(Arc::new(Self {
            shared,
            pool,
            jobs,
            listener,
        }))
    }
}

/// The writer: every waiting job in one transaction, on its own connection.
async fn writer(pool: Pool, mut rx: mpsc::Receiver<Job<PgTx>>, shared: Arc<Shared>) {
    while let Some(first) = rx.recv().await {
        let batch = engine::gather(first, &mut rx);
        let tx = match connection(&pool, &shared.location).await {
            Ok(tx) => tx,
            Err(e) => {
                engine::refuse(batch, &Arc::new(e));
                continue;
            }
        };
        match tokio::time::timeout(BATCH_TIMEOUT, engine::run_batch(&tx, batch)).await {
            Ok(Ok(head)) => shared.advance_head(head),
            // The connection may be broken or mid-transaction: never reuse it.
            Ok(Err(_)) | Err(_) => tx.discard(),
        }
    }
    pool.close();
}

impl Engine for PgStore {
    type Tx = PgTx;

    fn shared(&self) -> &Shared {
        &self.shared
    }

    fn jobs(&self) -> &mpsc::Sender<Job<PgTx>> {
        &self.jobs
    }

    async fn read<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a PgTx) -> TxFuture<'a, Result<T, DbError>> + Send + 'static,
    {
        let tx = connection(&self.pool, &self.shared.location).await?;
        let result = engine::run_read(&tx, f).await;
        if result.is_err() {
            tx.discard();
        }
        result
    }
}
