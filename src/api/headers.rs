//! Header names of API v1, lower-case as HTTP/2 sends them (HTTP header names are case-insensitive).

/// On every response: the forum's mode, e.g. `open` or `read-only;banner="…"`.
pub const FORUM_MODE: &str = "forum-mode";
/// On creating writes: a client-chosen key (a `UUIDv7` or `ULID`) that makes a retry safe.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// `true` on a response replayed from an earlier request with the same idempotency key.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
/// Seconds to wait before trying again (on 409, 429 and 503).
pub const RETRY_AFTER: &str = "retry-after";
/// A post's version (`"v3"`), or a digest of a tree, thread or page of posts.
pub const ETAG: &str = "etag";
/// Conditional edit: the post's `ETag` the edit is based on.
pub const IF_MATCH: &str = "if-match";
/// Conditional read: answered with 304 when the `ETag` still matches.
pub const IF_NONE_MATCH: &str = "if-none-match";
/// `Bearer <token>`.
pub const AUTHORIZATION: &str = "authorization";

/// The longest idempotency key the server accepts.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 128;

/// The `ETag` of a post at `version` (the value `If-Match` must carry to edit it).
pub fn post_etag(version: u64) -> String {
    format!("\"v{version}\"")
}
