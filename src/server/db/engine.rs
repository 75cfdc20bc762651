//! What each database engine provides (transactions for reads, a writer that commits in
//! groups, wake-ups from other processes), and the group commit both engines share.
//!
//! A write is a job: a closure run inside a savepoint of the writer's current
//! transaction. The writer takes every job waiting, commits once, and only then answers
//! each one, so a write is acknowledged only after its transaction committed, a refused
//! job never spoils its neighbours, and fifty concurrent writers cost a few commits.

use super::sql::Tx;
use super::{DbError, WriteFailure};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{mpsc, oneshot, watch};

/// A boxed future borrowing a transaction.
pub type TxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The `NOTIFY` channel carrying the newest changes position after each commit.
pub const CHANGES_CHANNEL: &str = "threadmark_changes";
/// The `NOTIFY` channel saying the forum's mode changed.
pub const MODE_CHANNEL: &str = "threadmark_mode";

/// Most jobs folded into one commit.
pub const MAX_BATCH: usize = 256;

/// Names and watches every engine has.
#[derive(Debug)]
pub struct Shared {
    /// A short id of this store, part of every changes cursor.
    pub store_id: String,
    /// `sqlite` or `postgresql`.
    pub engine: &'static str,
    /// Where the data lives, fit to print (a path, or a URL without its password).
    pub location: String,
    /// The newest change position known to this process.
    pub head: watch::Sender<i64>,
    /// Bumped when another process changed the forum's mode.
    pub mode_signal: watch::Sender<u64>,
}

impl Shared {
    pub fn new(store_id: String, engine: &'static str, location: String, head: i64) -> Self {
        Self {
            store_id,
            engine,
            location,
            head: watch::channel(head).0,
            mode_signal: watch::channel(0).0,
        }
    }

    /// Moves the head forward (never back: notifications may arrive out of order).
    pub fn advance_head(&self, seq: i64) {
        self.head.send_if_modified(|h| {
            let moved = seq > *h;
            if moved {
                *h = seq;
            }
            moved
        });
    }
}

/// One database engine under the [`super::Store`] trait.
pub trait Engine: Send + Sync + std::fmt::Debug + 'static {
    type Tx: Tx;

    fn shared(&self) -> &Shared;

    /// Runs `f` in a read-only transaction that sees one consistent snapshot.
    fn read<T, F>(&self, f: F) -> impl Future<Output = Result<T, DbError>> + Send
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a Self::Tx) -> TxFuture<'a, Result<T, DbError>> + Send + 'static;

    /// The queue of the engine's writer.
    fn jobs(&self) -> &mpsc::Sender<Job<Self::Tx>>;

    /// Runs `f` on the writer inside a savepoint; returns once its transaction committed.
    /// An `Err` from `f` rolls back only `f`'s own changes.
    fn write<T, E, F>(&self, f: F) -> impl Future<Output = Result<T, WriteFailure<E>>> + Send
    where
        T: Send + 'static,
        E: Send + 'static,
        F: for<'a> FnOnce(&'a Self::Tx) -> TxFuture<'a, Result<T, WriteFailure<E>>>
            + Send
            + 'static,
    {
        let (job, answer) = Job::new(f);
        let jobs = self.jobs().clone();
        async move {
            jobs.send(job)
                .await
                .map_err(|_| WriteFailure::Store(Arc::new(DbError::Closed)))?;
            // The batch was abandoned (its connection timed out): the outcome is
            // unknown, and a retry with the same idempotency key settles it.
            answer.await.map_err(|_| {
                WriteFailure::Store(Arc::new(DbError::Unavailable(
                    "the write was interrupted before its commit was confirmed".into(),
                )))
            })?
        }
    }
}

type Run<X> = Box<dyn for<'a> FnOnce(&'a X) -> TxFuture<'a, bool> + Send>;
type Answer = Box<dyn FnOnce(Result<(), Arc<DbError>>) + Send>;

/// A write waiting for the writer: how to run it, and how to answer once the fate of
/// its transaction is known (also when it never ran).
pub struct Job<X> {
    run: Run<X>,
    answer: Answer,
}

impl<X> std::fmt::Debug for Job<X> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

impl<X: Tx + 'static> Job<X> {
    fn new<T, E, F>(f: F) -> (Self, oneshot::Receiver<Result<T, WriteFailure<E>>>)
    where
        T: Send + 'static,
        E: Send + 'static,
        F: for<'a> FnOnce(&'a X) -> TxFuture<'a, Result<T, WriteFailure<E>>> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let slot = Arc::new(Mutex::new(None));
        let filled = Arc::clone(&slot);
        let run: Run<X> = Box::new(move |conn| {
            Box::pin(async move {
                let result = f(conn).await;
                let keep = result.is_ok();
                *filled.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
                keep
            })
        });
        let answer: Answer = Box::new(move |committed| {
            let result = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
            let answer = match (result, committed) {
                // Never ran (the batch failed before its turn), or its kept effects were
                // lost with a failed commit; a refusal stands either way.
                (None | Some(Ok(_)), Err(e)) => Err(WriteFailure::Store(e)),
                (None, Ok(())) => Err(WriteFailure::Store(Arc::new(DbError::Closed))),
                (Some(result), _) => result,
            };
            let _ = tx.send(answer);
        });
        (Self { run, answer }, rx)
    }
}

/// Takes `first` and every job already waiting, up to [`MAX_BATCH`].
pub fn gather<X>(first: Job<X>, rx: &mut mpsc::Receiver<Job<X>>) -> Vec<Job<X>> {
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
    batch
}

/// Answers every job of a batch that could not start.
pub fn refuse(batch: Vec<Job<impl Tx>>, error: &Arc<DbError>) {
    for job in batch {
        (job.answer)(Err(Arc::clone(error)));
    }
}

/// How a writing transaction starts: `SQLite` takes its write lock; PostgreSQL takes the
/// feed row's lock first, so writers on every process queue in one order (no deadlock)
/// and feed positions are handed out in commit order.
fn begin_write(tx: &impl Tx) -> &'static str {
    match tx.dialect() {
        super::sql::Dialect::Sqlite => "BEGIN IMMEDIATE",
        super::sql::Dialect::Postgres => "BEGIN; SELECT head FROM feed FOR UPDATE",
    }
}

/// Runs a batch in one transaction, a savepoint per job, and answers every job after the
/// commit. Returns the feed head after the commit.
pub async fn run_batch<X: Tx>(tx: &X, batch: Vec<Job<X>>) -> Result<i64, Arc<DbError>> {
    let mut answers = Vec::with_capacity(batch.len());
    let outcome = run_jobs(tx, batch, &mut answers).await.map_err(Arc::new);
    let committed = outcome.as_ref().map(|_| ()).map_err(Arc::clone);
    for answer in answers {
        answer(committed.clone());
    }
    outcome
}

async fn run_jobs<X: Tx>(
    tx: &X,
    batch: Vec<Job<X>>,
    answers: &mut Vec<Answer>,
) -> Result<i64, DbError> {
    let mut begun = tx.batch(begin_write(tx)).await;
    let before = match &begun {
        Ok(()) => feed_head(tx).await,
        Err(_) => Ok(0),
    };
    for Job { run, answer } in batch {
        answers.push(answer);
        if begun.is_err() || before.is_err() {
            continue;
        }
        if let Err(e) = tx.batch("SAVEPOINT job").await {
            begun = Err(e);
            continue;
        }
        let keep = run(tx).await;
        let closed = if keep {
            tx.batch("RELEASE SAVEPOINT job").await
        } else {
            tx.batch("ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job")
                .await
        };
        if let Err(e) = closed {
            begun = Err(e);
        }
    }
    let finished = match (begun, before) {
        (Ok(()), Ok(before)) => finish(tx, before).await,
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    if finished.is_err() {
        let _ = tx.batch("ROLLBACK").await;
    }
    finished
}

/// Tells the other processes where the feed is now (when it moved), and commits.
async fn finish(tx: &impl Tx, before: i64) -> Result<i64, DbError> {
    let head = feed_head(tx).await?;
    if head != before {
        tx.notify(CHANGES_CHANNEL, &head.to_string()).await?;
    }
    tx.batch("COMMIT").await?;
    Ok(head)
}

/// The position of the newest change ever recorded (pruned ones included).
pub async fn feed_head(tx: &impl Tx) -> Result<i64, DbError> {
    use super::sql::SqlRow as _;
    tx.query_one("SELECT head FROM feed", &[]).await?.int(0)
}

/// Runs a read in a transaction that sees one snapshot (on PostgreSQL a read-only
/// repeatable-read one: several queries, one moment).
pub async fn run_read<X, T, F>(tx: &X, f: F) -> Result<T, DbError>
where
    X: Tx,
    F: for<'a> FnOnce(&'a X) -> TxFuture<'a, Result<T, DbError>>,
{
    let begin = match tx.dialect() {
        super::sql::Dialect::Sqlite => "BEGIN",
        super::sql::Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    };
    tx.batch(begin).await?;
    let result = f(tx).await;
    let end = tx
        .batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })
        .await;
    let value = result?;
    end?;
    Ok(value)
}
