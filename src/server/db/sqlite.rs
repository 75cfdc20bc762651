//! The `SQLite` engine (the embedded default): one database file in WAL mode, one writer
//! thread with group commit, a small pool of read connections.
//!
//! `SQLite` calls are synchronous, so the futures of [`SqliteTx`] are ready at once; the
//! engine drives the shared async queries with `block_on` on its own threads (the
//! writer thread, and blocking-pool threads for reads), never on the async workers.

use super::engine::{self, Engine, Job, Shared, TxFuture};
use super::sql::{Dialect, Param, SqlRow, Tx};
use super::{DbError, schema};
use futures::executor::block_on;
use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;
use tokio::sync::mpsc;

/// The database file inside a server data directory.
pub const DB_FILE: &str = "threadmark-server.sqlite3";

/// Read connections kept open between requests.
const MAX_IDLE_READERS: usize = 8;

/// How much of the store a read connection maps (address space, shared by every reader:
/// the pages are the kernel's page cache, not copies).
const READER_MMAP_BYTES: i64 = 1 << 30;

/// How often a store looks for commits another process made (`threadmark serve forum`
/// or `serve user` beside the running server), so its long polls wake for them too.
const OUTSIDE_COMMITS_EVERY: Duration = Duration::from_millis(500);

/// The path of the database in `dir`, creating `dir` if needed.
pub fn db_path(dir: &Path) -> Result<PathBuf, DbError> {
    std::fs::create_dir_all(dir).map_err(|source| DbError::Io {
        path: dir.to_owned(),
        source,
    })?;
    Ok(dir.join(DB_FILE))
}

/// One `SQLite` connection as a [`Tx`]. The mutex is never contended (one thread uses a
/// connection at a time); it makes the connection shareable by the query futures.
#[derive(Debug)]
pub struct SqliteTx {
    conn: Mutex<Connection>,
}

impl SqliteTx {
    /// Opens a connection with the settings every connection uses: WAL (readers never
    /// block the writer), `synchronous=FULL` (a commit is on disk before it returns, so
    /// an acknowledged write survives power loss and `kill -9`), and a busy timeout so
    /// the `serve user` commands can run beside a live server.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Room for every statement the server runs (rusqlite keeps 16 by default): past
        // that they were parsed again and again, a thirtieth of the server's time in a
        // large first sync.
        conn.set_prepared_statement_cache_capacity(256);
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// Opens the store in `dir` (creating and migrating it) for one synchronous job.
    pub fn open_dir(dir: &Path) -> Result<Self, DbError> {
        let tx = Self::open(&db_path(dir)?)?;
        block_on(schema::migrate(&tx))?;
        Ok(tx)
    }

    /// Runs `work` (queries on this connection, not yet started) in one write
    /// transaction, without a running server: imports and demo set-up.
    pub fn write_once<T>(
        &self,
        work: impl Future<Output = Result<T, DbError>>,
    ) -> Result<T, DbError> {
        block_on(async {
            self.batch("BEGIN IMMEDIATE").await?;
            match work.await {
                Ok(value) => {
                    self.batch("COMMIT").await?;
                    Ok(value)
                }
                Err(e) => {
                    let _ = self.batch("ROLLBACK").await;
                    Err(e)
                }
            }
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn query_now(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<SqliteRow>, DbError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&sqlite_sql(sql))?;
        let columns = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let values = (0..columns)
                .map(|i| owned(row.get_ref(i)?))
                .collect::<Result<_, DbError>>()?;
            out.push(SqliteRow(values));
        }
        Ok(out)
    }

    fn execute_now(&self, sql: &str, params: &[Param<'_>]) -> Result<u64, DbError> {
        let conn = self.lock();
        let changed = conn
            .prepare_cached(&sqlite_sql(sql))?
            .execute(rusqlite::params_from_iter(params))?;
        Ok(changed as u64)
    }
}

/// A column's value copied out of its row. Text is checked to be UTF-8 with SIMD: the
/// check was a seventh of the server's time answering a large first sync.
fn owned(value: rusqlite::types::ValueRef<'_>) -> Result<Value, DbError> {
    use rusqlite::types::ValueRef;
    Ok(match value {
        ValueRef::Text(bytes) => Value::Text(
            simdutf8::basic::from_utf8(bytes)
                .map_err(|_| {
                    DbError::Corrupt("a text column holds bytes that are not UTF-8".into())
                })?
                .to_owned(),
        ),
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Integer(n),
        ValueRef::Real(x) => Value::Real(x),
        ValueRef::Blob(bytes) => Value::Blob(bytes.to_vec()),
    })
}

/// `$1` → `?1`: the queries are written with PostgreSQL's parameters; `SQLite` would read
/// `$1` as a *named* parameter numbered by first appearance.
fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}

impl Tx for SqliteTx {
    type Row = SqliteRow;

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn query(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> impl Future<Output = Result<Vec<SqliteRow>, DbError>> + Send {
        std::future::ready(self.query_now(sql, params))
    }

    fn execute(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> impl Future<Output = Result<u64, DbError>> + Send {
        std::future::ready(self.execute_now(sql, params))
    }

    fn batch(&self, sql: &str) -> impl Future<Output = Result<(), DbError>> + Send {
        std::future::ready(self.lock().execute_batch(sql).map_err(DbError::from))
    }

    fn notify(
        &self,
        _channel: &str,
        _payload: &str,
    ) -> impl Future<Output = Result<(), DbError>> + Send {
        std::future::ready(Ok(()))
    }
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Param::Int(v) | Param::OptInt(Some(v)) => ToSqlOutput::from(v),
            Param::Text(s) | Param::OptText(Some(s)) => ToSqlOutput::from(s),
            Param::Bool(b) => ToSqlOutput::from(b),
            Param::OptInt(None) | Param::OptText(None) => ToSqlOutput::from(rusqlite::types::Null),
        })
    }
}

/// A row copied out of its statement.
#[derive(Debug)]
pub struct SqliteRow(Vec<Value>);

impl SqliteRow {
    fn value(&self, i: usize) -> Result<&Value, DbError> {
        self.0
            .get(i)
            .ok_or_else(|| DbError::Corrupt(format!("no column {i} in a row")))
    }
}

fn mismatch(i: usize, wanted: &str, found: &Value) -> DbError {
    DbError::Corrupt(format!(
        "column {i} holds {:?}, not {wanted}",
        found.data_type()
    ))
}

impl SqlRow for SqliteRow {
    fn int(&self, i: usize) -> Result<i64, DbError> {
        match self.value(i)? {
            Value::Integer(n) => Ok(*n),
            other => Err(mismatch(i, "an integer", other)),
        }
    }

    fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        match self.value(i)? {
            Value::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    fn text(&self, i: usize) -> Result<String, DbError> {
        match self.value(i)? {
            Value::Text(s) => Ok(s.clone()),
            other => Err(mismatch(i, "text", other)),
        }
    }

    fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.value(i)? {
            Value::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    fn bool(&self, i: usize) -> Result<bool, DbError> {
        Ok(self.int(i)? != 0)
    }
}

/// Idle read connections, opened on demand.
#[derive(Debug)]
struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<SqliteTx>>,
}

impl Readers {
    fn checkout(&self) -> Result<SqliteTx, DbError> {
        if let Some(tx) = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
        {
            return Ok(tx);
        }
        let tx = SqliteTx::open(&self.path)?;
        {
            let conn = tx.lock();
            conn.pragma_update(None, "query_only", true)?;
            // Reads map the file rather than copy each page out of the kernel through
            // `pread` (the copying showed in profiles of a large first sync). Readers
            // only: the writer's pages go through SQLite's own I/O.
            conn.pragma_update(None, "mmap_size", READER_MMAP_BYTES)?;
        }
        Ok(tx)
    }

    fn give_back(&self, tx: SqliteTx) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        // Beyond a few idle connections, each one's page cache is memory for nothing.
        if idle.len() < MAX_IDLE_READERS {
            idle.push(tx);
        }
    }
}

/// The open `SQLite` store of a running server.
#[derive(Debug)]
pub struct SqliteStore {
    shared: Arc<Shared>,
    readers: Arc<Readers>,
    jobs: mpsc::Sender<Job<SqliteTx>>,
}

impl SqliteStore {
    /// Opens the store in `dir` (creating or migrating it) and starts its writer thread.
    pub fn open(dir: &Path) -> Result<Arc<Self>, DbError> {
        let path = db_path(dir)?;
        let writer = SqliteTx::open(&path)?;
        block_on(schema::migrate(&writer))?;
        let store_id = block_on(super::read::meta(&writer, "store_id"))?.unwrap_or_default();
        let head = block_on(engine::feed_head(&writer))?;
        let shared = Arc::new(Shared::new(
            store_id,
            "sqlite",
            path.display().to_string(),
            head,
        ));
        let (jobs, rx) = mpsc::channel(1024);
        let writer_shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("threadmark-store-writer".into())
            .spawn(move || writer_loop(&writer, rx, &writer_shared))
            .map_err(|source| DbError::Io {
                path: path.clone(),
                source,
            })?;
        let watched = Arc::downgrade(&shared);
        let watched_path = path.clone();
        std::thread::Builder::new()
            .name("threadmark-store-watch".into())
            .spawn(move || watch_outside_commits(&watched_path, &watched))
            .map_err(|source| DbError::Io {
                path: path.clone(),
                source,
            })?;
        Ok(Arc::new(Self {
            shared,
            readers: Arc::new(Readers {
                path,
                idle: Mutex::new(Vec::new()),
            }),
            jobs,
        }))
    }
}

/// Moves the head when another process committed, until the store is dropped.
fn watch_outside_commits(path: &Path, shared: &Weak<Shared>) {
    let Ok(tx) = SqliteTx::open(path) else {
        return;
    };
    if tx.lock().pragma_update(None, "query_only", true).is_err() {
        return;
    }
    loop {
        std::thread::sleep(OUTSIDE_COMMITS_EVERY);
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if let Ok(head) = block_on(engine::feed_head(&tx)) {
            shared.advance_head(head);
        }
    }
}

fn writer_loop(tx: &SqliteTx, mut rx: mpsc::Receiver<Job<SqliteTx>>, shared: &Shared) {
    while let Some(first) = rx.blocking_recv() {
        let batch = engine::gather(first, &mut rx);
        if let Ok(head) = block_on(engine::run_batch(tx, batch)) {
            shared.advance_head(head);
        }
    }
}

impl Engine for SqliteStore {
    type Tx = SqliteTx;

    fn shared(&self) -> &Shared {
        &self.shared
    }

    fn jobs(&self) -> &mpsc::Sender<Job<SqliteTx>> {
        &self.jobs
    }

    fn read<T, F>(&self, f: F) -> impl Future<Output = Result<T, DbError>> + Send
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a SqliteTx) -> TxFuture<'a, Result<T, DbError>> + Send + 'static,
    {
        let readers = Arc::clone(&self.readers);
        async move {
            tokio::task::spawn_blocking(move || {
                let tx = readers.checkout()?;
                let result = block_on(engine::run_read(&tx, f));
                // A connection whose read failed may be mid-transaction: not reused.
                if result.is_ok() {
                    readers.give_back(tx);
                }
                result
            })
            .await
            .map_err(|e| DbError::Other(format!("a store read failed: {e}")))?
        }
    }
}
