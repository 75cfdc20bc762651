//! Wire types of the native JSON API v1, shared by the reference server and the sync client.
//!
//! Every type here is what travels over HTTP: times are RFC 3339 UTC, ids are opaque
//! strings, unknown fields are ignored and optional fields default, so a client keeps
//! working against a newer server. Conversions to and from [`crate::model`] live in
//! [`convert`]. The contract is written down in `assets/api/openapi.yaml`.

mod admin;
mod auth;
mod changes;
pub mod convert;
mod forum;
pub mod headers;
mod inbox;
mod mode;
mod places;
mod posts;
mod problem;
mod reading;
mod status;

pub use admin::{
    AnnouncementChange, AreaChange, ForumChange, LogEntry, ModLog, PostModeration, SectionChange,
    ThreadModeration, ThreadSplit, ThreadSplitDone, UserModeration,
};
pub use auth::{Role, TokenGrant, TokenRequest, User};
pub use changes::{Change, ChangesPage};
pub use forum::{Area, NewThread, Section, SmallAction, Thread, ThreadCreated, ThreadPage, Tree};
pub use inbox::{
    MessagePage, NewMessage, Notification, NotificationKind, NotificationPage, NotificationsMarked,
    NotificationsRead, UserNames,
};
pub use mode::{ForumMode, ForumModeHeader, ModeChange, ModeHeaderError};
pub use places::{Bookmark, BookmarkPost, Bookmarks, Watch, WatchPut};
pub use posts::{Author, LIKE, NewPost, Post, PostEdit, PostPage, PostPages, Revision, Revisions};
pub use problem::{FieldError, FieldErrorCode, Problem, ProblemCode};
pub use reading::{ReadMarkPut, ReadMarker};
pub use status::{Banner, Limits, Severity, Status};

/// Every endpoint lives under this path.
pub const BASE_PATH: &str = "/api/v1";

/// The media type of every error body (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// `since=now` on `/changes`: start from the current end of the feed.
pub const SINCE_NOW: &str = "now";
