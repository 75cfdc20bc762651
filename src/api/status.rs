//! `GET /status`: the forum's mode, banner, capabilities and limits.

use super::mode::ForumMode;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// How loud a banner is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Info,
    Warning,
    Critical,
    /// A severity this version does not know; shown like `info`.
    #[serde(other)]
    Other,
}

/// A forum-wide announcement ("logins are disabled during the upgrade").
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Banner {
    /// Stable id: a client remembers dismissals per id. The server picks one when a
    /// mode change sends none.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub severity: Severity,
    /// Markdown.
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<Timestamp>,
}

/// What the server accepts; a client checks posts against these before queueing them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest request body, in bytes (413 above it).
    #[serde(default)]
    pub max_body_bytes: u64,
    /// Longest post body, in characters (422 above it).
    #[serde(default)]
    pub max_post_chars: u32,
    /// Longest thread title, in characters.
    #[serde(default)]
    pub max_title_chars: u32,
    /// Largest `limit` on paged reads.
    #[serde(default)]
    pub max_page_size: u32,
    /// Longest long-poll `wait` on `/changes`, in seconds.
    #[serde(default)]
    pub max_wait_s: u32,
    /// Writes (POST, PATCH, PUT) allowed per token per minute; 0 means unlimited.
    #[serde(default)]
    pub writes_per_minute: u32,
    /// Reads allowed per token (or address) per minute; 0 means unlimited.
    #[serde(default)]
    pub reads_per_minute: u32,
}

/// The answer to `GET /status` (no authentication needed, served in every mode).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Status {
    #[serde(default)]
    pub api_version: u32,
    /// The forum's name.
    #[serde(default)]
    pub title: String,
    pub mode: ForumMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<Banner>,
    /// When not open: how long a client should wait before trying writes again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u32>,
    /// Features this server has (`changes`, `long_poll`, `idempotency`, `edit`, `delete`,
    /// `create_thread`, `posts_of_threads`); unknown ones are ignored.
    #[serde(default)]
    pub capabilities: Vec<String>,
    pub limits: Limits,
    pub server_time: Timestamp,
}
