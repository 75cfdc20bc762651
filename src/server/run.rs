//! Starting and stopping a server: in-process for tests, or for `threadmark serve`.

use super::config::ServerConfig;
use super::db::users::UserError;
use super::db::{self, DbError, Store};
use super::limits::{Allowance, RateLimiter};
use super::modes::ModeState;
use super::routes::admin::{apply_mode, save_mode};
use super::state::{AppState, Shared};
use super::{limits, log, modes, routes};
use crate::api::{self, BASE_PATH, Severity};
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use std::net::SocketAddr;
use std::path::PathBuf;
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
    let store = db::open(&config.location()).await?;
    let tokens = if config.demo {
        prepare_demo(store.as_ref()).await?
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

    let mut router = routes::router()
        .layer(DefaultBodyLimit::max(config.limits.max_body_bytes))
        .layer(from_fn_with_state(Arc::clone(&app), limits::limit))
        .layer(from_fn_with_state(Arc::clone(&app), modes::gate));
    if config.log_requests {
        router = router.layer(axum::middleware::from_fn(log::request_line));
    }
    let service = router
        .with_state(Arc::clone(&app))
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(prune_loop(Arc::clone(&app)));
    let mut until_stopped = stopping;
    let task = tokio::spawn(async move {
        axum::serve(listener, service)
            .with_graceful_shutdown(async move {
                let _ = until_stopped.wait_for(|stop| *stop).await;
            })
            .await
            .map_err(|e| ServerError::Serve(e.to_string()))
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
    Ok(app
        .store
        .meta("mode")
        .await?
        .and_then(|json| serde_json::from_str(&json).ok()))
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
            Ok(Some(state)) => apply_mode(&app, state),
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
pub async fn prepare_demo(store: &dyn Store) -> Result<Vec<DemoToken>, ServerError> {
    Ok(store
        .prepare_demo()
        .await?
        .into_iter()
        .map(|account| DemoToken {
            role: account.role.to_owned(),
            user: account.user,
            token: account.token,
        })
        .collect())
}
