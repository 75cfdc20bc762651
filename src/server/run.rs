//! Starting and stopping a server: in-process for tests, or for `threadmark serve`.

use super::config::ServerConfig;
use super::db::users::UserError;
use super::db::{self, DbError, Location, Store};
use super::limits::{Allowance, RateLimiter};
use super::modes::ModeState;
use super::routes::admin::{apply_mode, save_mode};
use super::state::{AppState, Shared};
use super::store_lock::{LockError, StoreLock};
use super::{auth, listen, log, modes, routes};
use crate::api::{self, BASE_PATH, Severity};
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    User(#[from] UserError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the server stopped with an error: {0}")]
    Serve(String),
    #[error(transparent)]
    Locked(#[from] LockError),
    #[error(
        "the server store in {} cannot be written ({reason}); threadmark serve needs to write \
         there: check its permissions and free space, or pass another --data",
        dir.display()
    )]
    ReadOnlyStore { dir: PathBuf, reason: String },
    #[error(
        "the database {location} cannot be written ({reason}); threadmark serve needs to write \
         there: check the user's privileges, and that this is the primary, not a standby"
    )]
    ReadOnlyDatabase { location: String, reason: String },
}

/// A token printed at start for a demo account.
#[derive(Clone, PartialEq, Eq)]
pub struct DemoToken {
    /// `member` or `admin`.
    pub role: String,
    /// The user it belongs to (`demo` or `admin`).
    pub user: String,
    pub token: String,
}

impl std::fmt::Debug for DemoToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoToken")
            .field("role", &self.role)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// A server running on this process's tokio runtime.
#[derive(Debug)]
pub struct RunningServer {
    /// The address actually bound (the real port when 0 was asked for).
    pub addr: SocketAddr,
    /// With `demo`: a token for the demo member (`member`) and one for the demo admin (`admin`).
    pub tokens: Vec<DemoToken>,
    pub data_dir: PathBuf,
    /// Where the forum lives, fit to print (a file path, or a URL without password).
    pub location: String,
    store: Arc<dyn Store>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<Result<(), ServerError>>>,
}

impl RunningServer {
    /// The API's base URL, e.g. `http://127.0.0.1:7878/api/v1`.
    pub fn url(&self) -> String {
        format!("http://{}{BASE_PATH}", self.addr)
    }

    /// The store this server serves (tests and tools add users through it).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The demo token for `role` (`member` or `admin`).
    pub fn token(&self, role: &str) -> Option<&str> {
        self.tokens
            .iter()
            .find(|t| t.role == role)
            .map(|t| t.token.as_str())
    }

    /// Stops accepting requests, lets running ones finish (long polls end at once), and
    /// waits for the server to stop. Every acknowledged write is already durable.
    pub async fn shutdown(mut self) -> Result<(), ServerError> {
        self.stop.send_replace(true);
        match self.task.take() {
            Some(task) => task.await.map_err(|e| ServerError::Serve(e.to_string()))?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

/// Opens the store (`SQLite` in `config.data_dir`, or PostgreSQL at `config.database`),
/// loading the demo forum first when asked, binds `config.addr` and serves API v1 until
/// [`RunningServer::shutdown`].
pub async fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let dir = config.data_dir.clone();
    let location = config.location();
    // One server per SQLite store; on PostgreSQL, any number share the database.
    let mut lock = match &location {
        Location::Dir(dir) => {
            let database = db::sqlite::db_path(dir)?;
            let lock = StoreLock::take(dir).map_err(|e| match e {
                LockError::Io { dir, source } => ServerError::ReadOnlyStore {
                    dir,
                    reason: source.to_string(),
                },
                held @ LockError::Held { .. } => held.into(),
            })?;
            // A database file the server may not write (in a folder it may): said as
            // such, before SQLite fails on it with its own words.
            if let Err(source) = std::fs::OpenOptions::new().write(true).open(&database)
                && source.kind() != std::io::ErrorKind::NotFound
            {
                return Err(ServerError::ReadOnlyStore {
                    dir: dir.clone(),
                    reason: format!("{}: {source}", database.display()),
                });
            }
            Some(lock)
        }
        Location::Postgres(_) => None,
    };
    let store = db::open(&location).await?;
    refuse_read_only(store.as_ref(), &location).await?;
    let tokens = if config.demo {
        prepare_demo_in(store.as_ref()).await?
    } else {
        Vec::new()
    };
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: config.addr,
        source,
    })?;
    if let Some(lock) = &mut lock {
        lock.describe(&format!("process {}, http://{addr}", std::process::id()));
    }
    let cap = listen::connection_cap(
        config.connections.max_connections,
        listen::raise_open_file_limit(),
    );
    let (stop, stopping) = watch::channel(false);
    let location = store.location().to_owned();
    let limits = &config.limits;
    let app: Shared = Arc::new(AppState {
        store,
        mode: RwLock::new(ModeState::default()),
        in_flight: Mutex::new(std::collections::HashSet::new()),
        limiter: RateLimiter {
            reads: Allowance::new(limits.reads_per_minute, limits.read_burst),
            writes: Allowance::new(limits.writes_per_minute, limits.write_burst),
        },
        stopping: stopping.clone(),
        mode_epoch: watch::channel(0).0,
        config: config.clone(),
    });
    restore_mode(&app).await?;
    tokio::spawn(follow_mode(Arc::clone(&app)));

    // The outermost layer sees a request first: log, mode gate, caller and rate limit.
    let mut router = routes::router()
        .layer(DefaultBodyLimit::max(config.limits.max_body_bytes))
        .layer(from_fn_with_state(Arc::clone(&app), auth::admit))
        .layer(from_fn_with_state(Arc::clone(&app), modes::gate));
    if config.log_requests {
        router = router.layer(axum::middleware::from_fn(log::request_line));
    }
    let router = router.with_state(Arc::clone(&app));
    tokio::spawn(prune_loop(Arc::clone(&app)));
    let served = Arc::clone(&app);
    let task = tokio::spawn(async move {
        listen::serve(listener, router, served, cap, stopping).await;
        // The store stays locked until every connection has ended.
        drop(lock);
        Ok(())
    });
    Ok(RunningServer {
        addr,
        tokens,
        data_dir: dir,
        location,
        store: Arc::clone(&app.store),
        stop,
        task: Some(task),
    })
}

/// Refuses a store the server could read but not write (a read-only mount, a folder
/// without write permission, a full disk, a PostgreSQL standby): it would start, then
/// fail every write.
async fn refuse_read_only(store: &dyn Store, location: &Location) -> Result<(), ServerError> {
    let now = jiff::Timestamp::now().to_string();
    store
        .set_meta("last_started_at".into(), now)
        .await
        .map_err(|e| match location {
            Location::Dir(dir) => ServerError::ReadOnlyStore {
                dir: dir.clone(),
                reason: e.to_string(),
            },
            Location::Postgres(_) => ServerError::ReadOnlyDatabase {
                location: store.location().to_owned(),
                reason: e.to_string(),
            },
        })
}

/// The mode from the command line when given, else the one the store was left in.
async fn restore_mode(app: &Shared) -> Result<(), ServerError> {
    let default_retry = u32::try_from(app.config.retry_after.as_secs()).unwrap_or(u32::MAX);
    let mut state = saved_mode(app).await?.unwrap_or(ModeState {
        retry_after_s: default_retry,
        ..ModeState::default()
    });
    let banner = app.config.banner.as_ref().map(|text| api::Banner {
        id: format!("mode-{}", jiff::Timestamp::now().as_second()),
        severity: Severity::Warning,
        text: text.clone(),
        starts_at: None,
        ends_at: None,
    });
    if let Some(mode) = app.config.mode {
        state = ModeState {
            mode,
            banner,
            retry_after_s: default_retry,
            version: state.version,
        };
    } else if banner.is_some() {
        state.banner = banner;
    }
    *app.mode.write().unwrap_or_else(PoisonError::into_inner) = state.clone();
    if app.config.mode.is_some() || app.config.banner.is_some() {
        save_mode(app, state)
            .await
            .map_err(|e| ServerError::Serve(format!("{e:?}")))?;
    }
    Ok(())
}

/// The mode the store holds, if any was saved.
async fn saved_mode(app: &Shared) -> Result<Option<ModeState>, DbError> {
    Ok(app.store.mode().await?.and_then(|(json, version)| {
        serde_json::from_str(&json)
            .ok()
            .map(|state| ModeState { version, ..state })
    }))
}

/// Takes up the mode another process saved (PostgreSQL: several processes, one forum),
/// so the mode and banner change everywhere at once.
async fn follow_mode(app: Shared) {
    let mut signal = app.store.mode_signal();
    let mut stopping = app.stopping.clone();
    loop {
        tokio::select! {
            changed = signal.changed() => if changed.is_err() { return },
            _ = stopping.wait_for(|stop| *stop) => return,
        }
        match saved_mode(&app).await {
            Ok(Some(state)) => {
                let newer = state.version
                    > app
                        .mode
                        .read()
                        .unwrap_or_else(PoisonError::into_inner)
                        .version;
                if newer {
                    apply_mode(&app, state);
                }
            }
            Ok(None) => {}
            Err(e) => eprintln!("threadmark serve: warning: reading the forum's mode failed: {e}"),
        }
    }
}

/// Forgets changes and idempotency answers past their retention, now and then.
async fn prune_loop(app: Shared) {
    let retention = app.config.changes_retention;
    let shortest = retention.min(app.config.idempotency_retention);
    let every = (shortest / 4).clamp(Duration::from_millis(100), Duration::from_secs(60));
    let mut stopping = app.stopping.clone();
    loop {
        let now = jiff::Timestamp::now();
        let changes_before =
            db::micros(now) - i64::try_from(retention.as_micros()).unwrap_or(i64::MAX);
        let keys_before = db::micros(now)
            - i64::try_from(app.config.idempotency_retention.as_micros()).unwrap_or(i64::MAX);
        if let Err(e) = app.store.prune(changes_before, keys_before).await {
            eprintln!("threadmark serve: warning: pruning the changes log failed: {e}");
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stopping.wait_for(|stop| *stop) => return,
        }
    }
}

/// Loads the demo forum into an empty store and issues tokens for the demo member and
/// the demo admin (created without passwords: they log in by these tokens).
pub async fn prepare_demo_in(store: &dyn Store) -> Result<Vec<DemoToken>, ServerError> {
    Ok(demo_tokens(store.prepare_demo().await?))
}

/// [`prepare_demo_in`] for the `SQLite` store in `dir`, without a running server.
pub fn prepare_demo(dir: &Path) -> Result<Vec<DemoToken>, ServerError> {
    Ok(demo_tokens(db::prepare_demo_dir(dir)?))
}

fn demo_tokens(accounts: Vec<db::DemoAccount>) -> Vec<DemoToken> {
    accounts
        .into_iter()
        .map(|account| DemoToken {
            role: account.role.to_owned(),
            user: account.user,
            token: account.token,
        })
        .collect()
}
