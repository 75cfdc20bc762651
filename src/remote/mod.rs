//! Talking to servers: the shared HTTP client, the [`Backend`] interface and its
//! implementations (API v1, Discourse).

mod backend;
pub mod discourse;
pub mod http;

pub use backend::{Backend, Cursor, PullBatch, ServerState, Submitted};
pub use http::{Answer, HttpClient, RemoteError, Timeouts};
