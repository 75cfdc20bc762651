//! Admin writes to the forum's structure (`/admin/forum`, `/admin/sections/{id}`,
//! `/admin/areas/{id}`, `/admin/announcement`); each answers with the whole [`super::Tree`].

use super::status::Severity;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// `PATCH /admin/forum`: the forum's own settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForumChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// `PUT /admin/sections/{id}`: creates the section (a title is then required) or changes
/// what is given. `position` counts from 1; a new section goes last without one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
}

/// `PUT /admin/areas/{id}`: creates the area (a section and a title are then required)
/// or changes what is given; a `section` moves it there (last, unless `position` says
/// where, counting from 1). An empty `description` clears it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    /// The weakest role that may post in the area (`member` when never set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_role: Option<super::Role>,
    /// The weakest role that may read the area (`reader` opens it to everyone again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_role: Option<super::Role>,
}

/// `PUT /admin/announcement`: the forum's standing banner (the server picks its id).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncementChange {
    pub text: String,
    #[serde(default)]
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<Timestamp>,
}

/// `PATCH /mod/threads/{id}` (moderators and admins): lock, pin or move a thread. Fields
/// left out stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadModeration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    /// Move the thread to this area.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_id: Option<String>,
}

/// `POST /mod/threads/{id}/split` (moderators and admins): the post `from` and every
/// later post of the thread become a new thread in the same area.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadSplit {
    /// The id of the first post to move (not the opening post).
    pub from: String,
    /// The new thread's title; `Split from: <the thread's title>` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// The answer to a split: the new thread, and the thread it came from as it is now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadSplitDone {
    pub thread: super::Thread,
    pub original: super::Thread,
}

/// One moderation action, as `GET /admin/log` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub at: Timestamp,
    /// Who did it: a user's name, or `(operator)` for the command line.
    pub actor: String,
    /// `lock`, `unlock`, `pin`, `unpin`, `move`, `split` (threads), `hide`, `unhide`
    /// (posts), `silence`, `unsilence` (users).
    pub action: String,
    /// The thread's or the post's id.
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// `GET /admin/log`: the newest actions first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModLog {
    pub entries: Vec<LogEntry>,
}

/// `PATCH /mod/users/{name}` (moderators and admins): silence a member for a time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserModeration {
    /// Silence the user until then (they read, they may not post), or `null` to let them
    /// post again.
    pub silenced_until: Option<Timestamp>,
}

/// `PATCH /mod/posts/{id}` (moderators and admins): hide a post, with a reason readers
/// see in its place, or show it again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostModeration {
    pub hidden: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
