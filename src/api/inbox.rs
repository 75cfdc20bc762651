//! What concerns the caller on the wire: notifications (`GET /notifications`,
//! `PUT /notifications/read`, the `notification` entity of the caller's changes feed),
//! private messages (`POST /messages`, `GET /messages`) and user names for completion
//! (`GET /users?prefix=`).

use super::forum::Thread;
use super::posts::Author;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Why the server told the caller about a post: the inbox's own kinds, the same on the
/// wire (`reply`, `mention`, `quote`, `message`; `other` for a kind this version does not
/// know).
pub use crate::model::InboxKind as NotificationKind;

/// One notification: who wrote what, where, and whether the caller has read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: String,
    pub kind: NotificationKind,
    pub thread_id: String,
    #[serde(default)]
    pub thread_title: String,
    pub post_id: String,
    /// The post's place in its thread.
    #[serde(default)]
    pub seq: u32,
    pub author: Author,
    /// The start of the post's text (empty once it is deleted).
    #[serde(default)]
    pub excerpt: String,
    pub created_at: Timestamp,
    #[serde(default)]
    pub read: bool,
}

/// `GET /notifications`: newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPage {
    pub notifications: Vec<Notification>,
    /// How many of the caller's notifications are unread (all pages).
    #[serde(default)]
    pub unread: u64,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `PUT /notifications/read`: the ids to mark read, or `all: true`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsRead {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
}

/// The answer to `PUT /notifications/read`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsMarked {
    /// How many were unread and are read now.
    pub marked: u64,
    /// How many stay unread.
    pub unread: u64,
}

/// `POST /messages`: a private thread between the caller and `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMessage {
    /// The recipients' user names.
    pub to: Vec<String>,
    pub title: String,
    /// The opening post, Markdown.
    pub body: String,
}

/// `GET /messages`: the caller's private threads, most recently active first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessagePage {
    pub threads: Vec<Thread>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /users?prefix=`: names only, for completing `@mentions` and recipients.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserNames {
    pub users: Vec<String>,
}
