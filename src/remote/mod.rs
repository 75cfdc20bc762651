//! Talking to servers: the shared HTTP client, the [`Backend`] interface and its
//! implementations (API v1, Discourse, Lemmy).

mod backend;
mod clean;
pub mod connect;
pub mod discourse;
pub mod fingerprint;
pub mod http;
mod id_queue;
pub mod images;
pub mod lemmy;
mod lenient;
pub mod native;
pub mod own_post;

pub use backend::{
    Backend, Cursor, DEFAULT_PAGES_PER_SYNC, DEFAULT_THREADS_PER_AREA, PullBatch, ServerState,
    Submitted, SyncLimits,
};
pub use connect::{AnyBackend, ConnectError, capabilities, connect, sync_limits};
pub use http::{Answer, HttpClient, RemoteError, Timeouts};
pub use native::NativeBackend;
