//! Per-user reading state on the wire: `GET/PUT /threads/{id}/read` and the `read`
//! entity of the caller's changes feed.

use serde::{Deserialize, Serialize};

/// How far the caller read a thread (`GET /threads/{id}/read`, the answer to a `PUT`,
/// and `{"kind": "read", "read": …}` in the caller's own changes feed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMarker {
    pub thread_id: String,
    /// Every post up to this `seq` is read (0: none).
    pub read_to_seq: u32,
    /// When the mark that last moved `read_to_seq` forward was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<jiff::Timestamp>,
    /// When the thread was last marked unread on purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread_at: Option<jiff::Timestamp>,
}

/// `PUT /threads/{id}/read`: exactly one of `read_to_seq` (read up to) and
/// `unread_from_seq` (unread again from, which needs `at`). `at` is when the user made
/// the mark (a queued mark is sent later); it defaults to now and is never later than
/// the server's clock.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMarkPut {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_to_seq: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread_from_seq: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<jiff::Timestamp>,
}
