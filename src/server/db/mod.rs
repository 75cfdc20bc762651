//! The server's store: one `SQLite` database in WAL mode, one writer thread with group
//! commit, a small pool of read connections.
//!
//! Every write runs on the writer thread inside a savepoint of a shared transaction; the
//! thread takes every job waiting, commits once (one fsync for the whole batch), and only
//! then answers each job. So a write is acknowledged only once durable, a failed job
//! never spoils its neighbours, and fifty concurrent writers cost a handful of fsyncs.

mod import;
pub mod read;
mod schema;
pub mod users;
pub mod write;

pub use import::{ImportReport, import_demo, import_forum};
pub use schema::SCHEMA_VERSION;

use rusqlite::{Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{mpsc, oneshot, watch};

/// The database file inside a server data directory.
pub const DB_FILE: &str = "threadmark-server.sqlite3";

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
    #[error("{0}")]
    Other(String),
}

/// The path of the database in `dir`, creating `dir` if needed.
pub fn db_path(dir: &Path) -> Result<PathBuf, DbError> {
    std::fs::create_dir_all(dir).map_err(|source| DbError::Io {
        path: dir.to_owned(),
        source,
    })?;
    Ok(dir.join(DB_FILE))
}

/// Opens (creating if needed) the store in `dir` for a one-off synchronous job
/// (the `serve user` commands, imports).
pub fn open_sync(dir: &Path) -> Result<Connection, DbError> {
    let conn = schema::connect(&db_path(dir)?)?;
    schema::migrate(&conn)?;
    Ok(conn)
}

/// Reads a `meta` value.
pub fn meta(conn: &Connection, key: &str) -> Result<Option<String>, DbError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

/// The sequence number of the newest change ever recorded (pruned ones included).
pub fn changes_head(conn: &Connection) -> Result<i64, DbError> {
    Ok(conn
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'changes'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

/// Microseconds since the Unix epoch, as stored.
pub fn micros(t: jiff::Timestamp) -> i64 {
    t.as_microsecond()
}

pub fn from_micros(us: i64) -> Result<jiff::Timestamp, rusqlite::Error> {
    jiff::Timestamp::from_microsecond(us).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Integer, Box::new(e))
    })
}

type Reply = Box<dyn FnOnce(Result<(), Arc<DbError>>) + Send>;

/// A job for the writer thread: runs inside a savepoint and says whether to keep its
/// effects, and how to answer once the batch's commit is known.
type RunJob = Box<dyn FnOnce(&Connection) -> (bool, Reply) + Send>;
struct Job(RunJob);

/// A failed write: a problem to tell the client, or a store failure.
#[derive(Debug)]
pub enum WriteFailure<E> {
    Rejected(E),
    Store(Arc<DbError>),
}

/// The open store of a running server.
#[derive(Debug)]
pub struct Db {
    path: PathBuf,
    readers: Mutex<Vec<Connection>>,
    jobs: mpsc::Sender<Job>,
    head: watch::Receiver<i64>,
    store_id: String,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

/// Read connections kept open between requests.
const MAX_IDLE_READERS: usize = 8;

/// Most jobs folded into one commit.
const MAX_BATCH: usize = 256;

impl Db {
    /// Opens the store in `dir` and starts its writer thread.
    pub fn open(dir: &Path) -> Result<Arc<Self>, DbError> {
        let path = db_path(dir)?;
        let writer = schema::connect(&path)?;
        schema::migrate(&writer)?;
        let store_id = meta(&writer, "store_id")?.unwrap_or_default();
        let (head_tx, head) = watch::channel(changes_head(&writer)?);
        let (jobs, rx) = mpsc::channel(1024);
        std::thread::Builder::new()
            .name("threadmark-store-writer".into())
            .spawn(move || writer_loop(&writer, rx, &head_tx))
            .map_err(|source| DbError::Io {
                path: path.clone(),
                source,
            })?;
        Ok(Arc::new(Self {
            path,
            readers: Mutex::new(Vec::new()),
            jobs,
            head,
            store_id,
        }))
    }

    /// A short id of this store, part of every changes cursor so that a cursor from
    /// another store is recognised.
    pub fn store_id(&self) -> &str {
        &self.store_id
    }

    /// Watches the newest change sequence number (moves after each commit).
    pub fn head(&self) -> watch::Receiver<i64> {
        self.head.clone()
    }

    /// Runs `f` on a read connection off the async threads.
    pub async fn read<T, E>(
        self: &Arc<Self>,
        f: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let db = Arc::clone(self);
        let joined = tokio::task::spawn_blocking(move || {
            let conn = db.checkout()?;
            let result = f(&conn);
            let mut idle = db.readers.lock().unwrap_or_else(PoisonError::into_inner);
            // Beyond a few idle connections, each one's page cache is memory for nothing.
            if idle.len() < MAX_IDLE_READERS {
                idle.push(conn);
            }
            result
        })
        .await;
        joined.map_err(|e| E::from(DbError::Other(format!("a store read failed: {e}"))))?
    }

    fn checkout(&self) -> Result<Connection, DbError> {
        if let Some(conn) = self
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
        {
            return Ok(conn);
        }
        let conn = schema::connect(&self.path)?;
        conn.pragma_update(None, "query_only", true)?;
        Ok(conn)
    }

    /// Runs `f` on the writer thread; returns once its batch is committed and durable.
    /// An `Err` from `f` rolls back only `f`'s own changes.
    pub async fn write<T, E>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, WriteFailure<E>> + Send + 'static,
    ) -> Result<T, WriteFailure<E>>
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job = Job(Box::new(move |conn| {
            let result = f(conn);
            let keep = result.is_ok();
            let reply: Reply = Box::new(move |committed| {
                let answer = match committed {
                    // A refused job kept nothing, so its refusal stands either way.
                    Err(e) if keep => Err(WriteFailure::Store(e)),
                    _ => result,
                };
                let _ = tx.send(answer);
            });
            (keep, reply)
        }));
        self.jobs
            .send(job)
            .await
            .map_err(|_| WriteFailure::Store(Arc::new(DbError::Closed)))?;
        rx.await
            .map_err(|_| WriteFailure::Store(Arc::new(DbError::Closed)))?
    }
}

fn writer_loop(conn: &Connection, mut rx: mpsc::Receiver<Job>, head: &watch::Sender<i64>) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut replies = Vec::with_capacity(batch.len());
        let outcome = run_batch(conn, batch, &mut replies);
        let outcome = outcome.map_err(Arc::new);
        if outcome.is_ok()
            && let Ok(seq) = changes_head(conn)
        {
            head.send_if_modified(|h| std::mem::replace(h, seq) != seq);
        }
        for reply in replies {
            reply(outcome.clone());
        }
    }
}

fn run_batch(conn: &Connection, batch: Vec<Job>, replies: &mut Vec<Reply>) -> Result<(), DbError> {
    let mut begun = conn.execute_batch("BEGIN IMMEDIATE").map_err(DbError::from);
    for Job(job) in batch {
        if begun.is_err() {
            // Dropping the job answers it with "store closed": nothing of it ran.
            continue;
        }
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            begun = Err(e.into());
            continue;
        }
        let (keep, reply) = job(conn);
        let closed = if keep {
            conn.execute_batch("RELEASE job")
        } else {
            conn.execute_batch("ROLLBACK TO job; RELEASE job")
        };
        replies.push(reply);
        if let Err(e) = closed {
            begun = Err(e.into());
        }
    }
    match begun {
        Ok(()) => conn.execute_batch("COMMIT").map_err(|e| {
            let _ = conn.execute_batch("ROLLBACK");
            e.into()
        }),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert_meta(
        key: &'static str,
    ) -> impl FnOnce(&Connection) -> Result<(), WriteFailure<&'static str>> {
        move |conn| set_meta(conn, key, "x").map_err(WriteFailure::from)
    }

    #[tokio::test]
    async fn a_refused_job_leaves_no_trace_and_spoils_no_neighbour() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let refused = |conn: &Connection| -> Result<(), WriteFailure<&'static str>> {
            set_meta(conn, "half-done", "x")?;
            Err(WriteFailure::Rejected("changed my mind"))
        };
        let (a, b, c) = tokio::join!(
            db.write(insert_meta("before")),
            db.write(refused),
            db.write(insert_meta("after")),
        );
        assert!(a.is_ok() && c.is_ok());
        assert!(matches!(b, Err(WriteFailure::Rejected("changed my mind"))));
        drop(db);
        let conn = open_sync(dir.path()).unwrap();
        assert_eq!(meta(&conn, "before").unwrap().as_deref(), Some("x"));
        assert_eq!(meta(&conn, "after").unwrap().as_deref(), Some("x"));
        assert_eq!(meta(&conn, "half-done").unwrap(), None);
    }

    #[test]
    fn a_store_from_a_newer_threadmark_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_sync(dir.path()).unwrap();
        set_meta(&conn, "schema", "99").unwrap();
        drop(conn);
        assert!(matches!(
            open_sync(dir.path()),
            Err(DbError::NewerSchema(99))
        ));
        assert!(matches!(
            Db::open(dir.path()),
            Err(DbError::NewerSchema(99))
        ));
    }
}
