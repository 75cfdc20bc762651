//! How a server is set up: address, data directory, mode at start, limits, retention.

use super::db::Location;
use super::settings::Registration;
use crate::api::{ForumMode, Limits};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Limits the server enforces; all are advertised in `GET /status`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// Largest request body in bytes; larger gets 413.
    pub max_body_bytes: usize,
    /// Longest post body in characters; longer gets 422.
    pub max_post_chars: u32,
    pub max_title_chars: u32,
    /// Largest `limit` on paged reads (posts, threads, changes).
    pub max_page_size: u32,
    /// Longest long-poll on `/changes`.
    pub max_wait: Duration,
    /// Writes per token (or address, without one) per minute; 0 turns the limit off.
    pub writes_per_minute: u32,
    /// Writes allowed at once before the per-minute rate applies.
    pub write_burst: u32,
    /// Reads per token (or address) per minute; 0 (the default) turns the limit off.
    pub reads_per_minute: u32,
    pub read_burst: u32,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            max_post_chars: 50_000,
            max_title_chars: 200,
            max_page_size: 1000,
            max_wait: Duration::from_secs(30),
            writes_per_minute: 60,
            write_burst: 30,
            reads_per_minute: 0,
            read_burst: 600,
        }
    }
}

impl ServerLimits {
    /// As advertised to clients.
    pub fn to_wire(&self) -> Limits {
        Limits {
            max_body_bytes: self.max_body_bytes as u64,
            max_post_chars: self.max_post_chars,
            max_title_chars: self.max_title_chars,
            max_page_size: self.max_page_size,
            max_wait_s: u32::try_from(self.max_wait.as_secs()).unwrap_or(u32::MAX),
            writes_per_minute: self.writes_per_minute,
            reads_per_minute: self.reads_per_minute,
        }
    }
}

/// How connections are held, so that idle or slow sockets cannot take the server down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A request's headers must arrive within this; it is also how long a kept-alive
    /// connection may wait for its next request. A long poll is a request under way, not
    /// an idle connection: it is not cut by this.
    pub header_timeout: Duration,
    /// A request body must arrive within this (408 `request_timeout` otherwise).
    pub body_timeout: Duration,
    /// Most connections open at once; `None` takes three quarters of the open-file limit
    /// (raised to its hard limit at start), at most [`DEFAULT_MAX_CONNECTIONS`]. More
    /// wait in the listen queue until one closes.
    pub max_connections: Option<usize>,
}

/// The connection cap when the open-file limit allows more.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(20),
            body_timeout: Duration::from_secs(30),
            max_connections: None,
        }
    }
}

/// Everything [`super::start`] needs.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Where to listen; port 0 picks a free port (see [`super::RunningServer::addr`]).
    pub addr: SocketAddr,
    /// The server's own data directory (its `SQLite` store lives there).
    pub data_dir: PathBuf,
    /// A PostgreSQL URL: the forum lives there instead of `SQLite` in `data_dir`, and
    /// any number of servers may share it.
    pub database: Option<String>,
    /// Load the bundled demo forum into an empty store, and issue tokens for the demo
    /// member and the demo admin.
    pub demo: bool,
    /// The mode to start in; `None` keeps the mode the store was left in.
    pub mode: Option<ForumMode>,
    /// The banner to show with `mode` (plain text).
    pub banner: Option<String>,
    pub limits: ServerLimits,
    pub connections: ConnectionLimits,
    /// How long the changes log remembers a change; an older cursor gets 410.
    pub changes_retention: Duration,
    /// How long an idempotency key's stored answer is kept (the key stays on the post).
    pub idempotency_retention: Duration,
    /// `Retry-After` for writes refused in read-only or maintenance mode.
    pub retry_after: Duration,
    /// One line per request on stderr.
    pub log_requests: bool,
    /// Who may make an account with `POST /register` (closed: invitations only).
    pub registration: Registration,
}

impl ServerConfig {
    /// Where the forum lives: the PostgreSQL database when one is set, else `SQLite`
    /// in the data directory.
    pub fn location(&self) -> Location {
        match &self.database {
            Some(url) => Location::Postgres(url.clone()),
            None => Location::Dir(self.data_dir.clone()),
        }
    }

    /// Loopback, a free port, default limits, data in `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            data_dir: data_dir.into(),
            database: None,
            demo: false,
            mode: None,
            banner: None,
            limits: ServerLimits::default(),
            connections: ConnectionLimits::default(),
            changes_retention: Duration::from_secs(30 * 24 * 3600),
            idempotency_retention: Duration::from_secs(24 * 3600),
            retry_after: Duration::from_secs(120),
            log_requests: false,
            registration: Registration::Closed,
        }
    }
}
