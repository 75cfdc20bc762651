//! The server's store: one [`Store`] trait, two engines — `SQLite` in the data directory
//! (the embedded default, one process) and PostgreSQL (any number of server processes
//! on one database).
//!
//! # Shape
//!
//! - [`sql::Tx`] is what a query sees: a transaction running SQL with `$1` parameters,
//!   the same on both engines. `read`, `write`, `users` and `import` hold the queries,
//!   written once as `async fn f(tx: &impl Tx, …)`.
//! - [`engine::Engine`] is what an engine provides: read transactions on one snapshot,
//!   a writer that folds waiting writes into one commit (a savepoint each), and the
//!   watches that wake long polls. `sqlite` and `postgres` implement it.
//! - [`Store`] is what the handlers call (`Arc<dyn Store>`); it is implemented once,
//!   for every engine, in `store`.
//! - `schema` holds the numbered migrations, one list per engine.
//!
//! A write is acknowledged only after its transaction committed. Every transaction that
//! records a change takes the next positions of the one-row `feed` counter inside
//! itself, so the changes feed has no gaps and follows commit order, on any number of
//! processes (PostgreSQL writers take the counter's row lock first, in one order).
//!
//! # Adding a query (both engines at once)
//!
//! 1. Write it once in `read.rs` or `write.rs` as `async fn name(tx: &impl Tx, …)`,
//!    with `$1`-style parameters (`params![…]`) and rows read through [`sql::SqlRow`]
//!    (`row.int(0)`, `row.text(1)`, `row.bool(2)`…). Integers are `BIGINT`, flags are
//!    `BOOLEAN` (`TRUE`/`FALSE` in SQL text), times are microseconds since the epoch.
//! 2. Add a method to [`Store`] and its one implementation in `store.rs`: reads go
//!    through `self.read(|tx| Box::pin(…))`, writes through `self.write(…)` (a refusal
//!    the client should see is `WriteFailure::Rejected`).
//! 3. Only where the SQL must differ, branch on `tx.dialect()` (see
//!    `users::name_matches`); prefer SQL both speak (`ON CONFLICT … DO UPDATE`,
//!    `RETURNING`, `CASE`, `CAST(… AS BIGINT)`).
//! 4. A new table or column is a new migration step in `schema.rs`, in both lists.
//! 5. Run the server tests; the contract suite runs on both engines (PostgreSQL when
//!    it is installed, see `tests/support/postgres.rs`).

pub mod access;
pub mod backup;
pub mod copy;
mod engine;
pub mod export;
mod import;
pub mod members;
mod mentions;
pub mod messages;
pub mod moderation;
pub mod notifications;
pub mod places;
pub mod postgres;
pub mod reactions;
pub mod read;
pub mod reading;
mod schema;
mod split;
pub mod sql;
pub mod sqlite;
mod store;
pub mod structure;
pub mod users;
pub mod write;

pub use engine::MAX_BATCH;
pub use import::{ImportReport, ThreadPosts, import_demo, import_forum, prepare_demo_dir};
pub use schema::SCHEMA_VERSION;
pub use sqlite::{DB_FILE, SqliteStore};
pub use store::{ChangesRead, DemoAccount, Since, Store, ThreadList};

use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("server store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("server store {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the server store was written by a newer threadmark (schema {0}, this one knows {SCHEMA_VERSION}); \
         upgrade threadmark"
    )]
    NewerSchema(i64),
    #[error("the server store holds unreadable data: {0}")]
    Corrupt(String),
    #[error("the store's writer has stopped (the server is shutting down)")]
    Closed,
    /// The database cannot be reached right now (down, restarting, network): requests
    /// answer 503 with `Retry-After` and the engine reconnects by itself.
    #[error("the database is unreachable: {0}")]
    Unavailable(String),
    /// A PostgreSQL error that is not about reaching the database.
    #[error("server store (PostgreSQL): {0}")]
    Postgres(String),
    #[error(transparent)]
    Shared(Arc<DbError>),
    #[error("{0}")]
    Other(String),
}

impl DbError {
    /// True when the database could not be reached (worth a 503 and a retry).
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Unavailable(_) => true,
            DbError::Shared(inner) => inner.is_unavailable(),
            _ => false,
        }
    }
}

/// A failed write: a problem to tell the client, or a store failure.
#[derive(Debug)]
pub enum WriteFailure<E> {
    Rejected(E),
    Store(Arc<DbError>),
}

/// Where a server keeps its forum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// `SQLite` in this data directory.
    Dir(PathBuf),
    /// A PostgreSQL URL (`postgres://USER@HOST/DB?sslmode=…`).
    Postgres(String),
}

/// Opens (creating or migrating) the store at `location` and starts its engine.
pub async fn open(location: &Location) -> Result<Arc<dyn Store>, DbError> {
    match location {
        Location::Dir(dir) => {
            let dir = dir.clone();
            let store = tokio::task::spawn_blocking(move || SqliteStore::open(&dir))
                .await
                .map_err(|e| DbError::Other(format!("opening the store failed: {e}")))??;
            Ok(store)
        }
        Location::Postgres(url) => Ok(postgres::PgStore::open(url).await?),
    }
}

/// Opens the `SQLite` store in `dir` directly (tests and tools).
pub fn open_dir(dir: &Path) -> Result<Arc<SqliteStore>, DbError> {
    SqliteStore::open(dir)
}

/// Microseconds since the Unix epoch, as stored.
pub fn micros(t: jiff::Timestamp) -> i64 {
    t.as_microsecond()
}

pub fn from_micros(us: i64) -> Result<jiff::Timestamp, DbError> {
    jiff::Timestamp::from_microsecond(us)
        .map_err(|e| DbError::Corrupt(format!("a time out of range ({us} µs): {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sql::Tx as _;

    fn insert_meta(
        key: &'static str,
    ) -> impl for<'a> FnOnce(
        &'a sqlite::SqliteTx,
    ) -> engine::TxFuture<'a, Result<(), WriteFailure<&'static str>>>
    + Send
    + 'static {
        move |tx| Box::pin(async move { Ok(write::set_meta(tx, key, "x").await?) })
    }

    fn refused(
        tx: &sqlite::SqliteTx,
    ) -> engine::TxFuture<'_, Result<(), WriteFailure<&'static str>>> {
        Box::pin(async move {
            write::set_meta(tx, "half-done", "x").await?;
            Err(WriteFailure::Rejected("changed my mind"))
        })
    }

    #[tokio::test]
    async fn a_refused_job_leaves_no_trace_and_spoils_no_neighbour() {
        use engine::Engine as _;
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteStore::open(dir.path()).unwrap();
        let (a, b, c) = tokio::join!(
            db.write(insert_meta("before")),
            db.write(refused),
            db.write(insert_meta("after")),
        );
        assert!(a.is_ok() && c.is_ok());
        assert!(matches!(b, Err(WriteFailure::Rejected("changed my mind"))));
        drop(db);
        let store = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(store.meta("before").await.unwrap().as_deref(), Some("x"));
        assert_eq!(store.meta("after").await.unwrap().as_deref(), Some("x"));
        assert_eq!(store.meta("half-done").await.unwrap(), None);
    }

    #[test]
    fn a_store_from_a_newer_threadmark_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let tx = sqlite::SqliteTx::open_dir(dir.path()).unwrap();
        futures::executor::block_on(write::set_meta(&tx, "schema", "99")).unwrap();
        drop(tx);
        assert!(matches!(
            sqlite::SqliteTx::open_dir(dir.path()),
            Err(DbError::NewerSchema(99))
        ));
        assert!(matches!(
            SqliteStore::open(dir.path()),
            Err(DbError::NewerSchema(99))
        ));
        let tx = sqlite::SqliteTx::open(&dir.path().join(DB_FILE)).unwrap();
        let kept = futures::executor::block_on(read::meta(&tx, "schema")).unwrap();
        assert_eq!(kept.as_deref(), Some("99"));
        assert!(matches!(
            futures::executor::block_on(tx.batch("SELECT 1")),
            Ok(())
        ));
    }
}
