//! Talking to servers: the shared HTTP client and the backends (API v1, Discourse).

pub mod http;

pub use http::{Answer, HttpClient, RemoteError, Timeouts};
