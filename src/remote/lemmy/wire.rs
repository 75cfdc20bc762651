//! Lemmy's JSON answers as the client reads them, for both API versions at once: a field
//! that API v4 renamed (`published` → `published_at`, `actor_id` → `ap_id`) is read under
//! either name, a field that moved (scores and counts from `counts` into the object
//! itself, read marks into `post_actions`) is optional in both places, and
//! [`super::version`] reads it from wherever the server's version keeps it. Unknown keys
//! are ignored; anything wrongly typed is a protocol error.
//!
//! Shapes from Lemmy's published types: lemmy-js-client `release/v0.19` (0.19.13) and
//! `main` (1.0), `src/types/*.ts`.

use crate::remote::RemoteError;
use crate::text::sanitize::clean_line;
use jiff::Timestamp;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Decodes an answer body; a body that is not JSON of the expected shape is a
/// [`RemoteError::Protocol`] naming `what` was being read (the decoder's words, which
/// quote the server, cleaned first).
pub fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, RemoteError> {
    serde_json::from_slice(body).map_err(|e| {
        let detail: String = clean_line(&e.to_string()).chars().take(200).collect();
        RemoteError::Protocol(format!("{what}: unexpected answer ({detail})"))
    })
}

/// `GET /site` (`GetSiteResponse`).
#[derive(Debug, Deserialize)]
pub struct SiteResponse {
    pub site_view: SiteView,
    /// Lemmy's version, "0.19.20" or "1.0.0-beta.1".
    #[serde(default)]
    pub version: String,
    /// API v3 only: the caller, when the JWT is valid (API v4 moved it to `GET /account`).
    #[serde(default)]
    pub my_user: Option<MyUserInfo>,
}

#[derive(Debug, Deserialize)]
pub struct SiteView {
    pub site: Site,
    pub local_site: LocalSite,
    #[serde(default)]
    pub local_site_rate_limit: Option<RateLimits>,
}

#[derive(Debug, Deserialize)]
pub struct Site {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct LocalSite {
    /// v3 `Closed` | `RequireApplication` | `Open`; v4 in snake case, plus
    /// `require_invitation`.
    #[serde(default)]
    pub registration_mode: Option<String>,
}

/// `local_site_rate_limit`: v3 `message` requests per `message_per_second` seconds (a
/// token bucket, despite the name), v4 `message_max_requests` per
/// `message_interval_seconds` (a fixed window). Reads are counted as "message".
#[derive(Clone, Copy, Debug, Default, Deserialize)]
pub struct RateLimits {
    #[serde(default, alias = "message_max_requests")]
    pub message: Option<u32>,
    #[serde(default, alias = "message_interval_seconds")]
    pub message_per_second: Option<u32>,
}

/// The caller: v3 `GetSiteResponse.my_user`, v4 `GET /account`.
#[derive(Debug, Deserialize)]
pub struct MyUserInfo {
    pub local_user_view: LocalUserView,
    #[serde(default)]
    pub follows: Vec<CommunityFollowerView>,
    #[serde(default)]
    pub moderates: Vec<CommunityModeratorView>,
}

#[derive(Debug, Deserialize)]
pub struct LocalUserView {
    pub person: Person,
}

#[derive(Debug, Deserialize)]
pub struct CommunityFollowerView {
    pub community: Community,
}

#[derive(Debug, Deserialize)]
pub struct CommunityModeratorView {
    pub community: Community,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Person {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// v3 `actor_id`, v4 `ap_id`: where the person lives.
    #[serde(default, alias = "ap_id")]
    pub actor_id: Option<String>,
    #[serde(default)]
    pub local: bool,
    #[serde(default)]
    pub bot_account: bool,
    #[serde(default)]
    pub deleted: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[allow(clippy::struct_excessive_bools)] // Lemmy's own flags, read as sent
pub struct Community {
    pub id: i64,
    pub name: String,
    /// Required in v3, optional in v4.
    #[serde(default)]
    pub title: Option<String>,
    /// v3 `description`; v4 has a one-line `summary` and a `sidebar`.
    #[serde(default, alias = "summary")]
    pub description: Option<String>,
    #[serde(default)]
    pub removed: bool,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub nsfw: bool,
    #[serde(default, alias = "ap_id")]
    pub actor_id: Option<String>,
    #[serde(default)]
    pub local: bool,
    #[serde(default)]
    pub posting_restricted_to_mods: bool,
    /// v4: counts live in the community itself.
    #[serde(default)]
    pub users_active_month: Option<i64>,
    #[serde(default)]
    pub posts: Option<i64>,
}

/// A community with the caller's relation to it.
#[derive(Clone, Debug, Deserialize)]
pub struct CommunityView {
    pub community: Community,
    /// v3: `Subscribed` | `NotSubscribed` | `Pending`.
    #[serde(default)]
    pub subscribed: Option<String>,
    /// v3: counts apart.
    #[serde(default)]
    pub counts: Option<CommunityCounts>,
    /// v4: `follow_state` `accepted` | `pending` | `approval_required` | `denied`.
    #[serde(default)]
    pub community_actions: Option<CommunityActions>,
    /// v3: the caller blocked it.
    #[serde(default)]
    pub blocked: bool,
}

#[derive(Clone, Copy, Debug, Deserialize)]
pub struct CommunityCounts {
    #[serde(default)]
    pub users_active_month: Option<i64>,
    #[serde(default)]
    pub posts: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct CommunityActions {
    #[serde(default)]
    pub follow_state: Option<String>,
    #[serde(default)]
    pub blocked_at: Option<Timestamp>,
}

#[derive(Clone, Debug, Deserialize)]
#[allow(clippy::struct_excessive_bools)] // Lemmy's own flags, read as sent
pub struct Post {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub creator_id: i64,
    pub community_id: i64,
    #[serde(default)]
    pub removed: bool,
    #[serde(default)]
    pub locked: bool,
    #[serde(alias = "published_at")]
    pub published: Timestamp,
    #[serde(default, alias = "updated_at")]
    pub updated: Option<Timestamp>,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub nsfw: bool,
    #[serde(default)]
    pub featured_community: bool,
    #[serde(default)]
    pub featured_local: bool,
    /// v4: counts live in the post itself.
    #[serde(default)]
    pub comments: Option<i64>,
    #[serde(default)]
    pub score: Option<i64>,
    #[serde(default)]
    pub newest_comment_time_at: Option<Timestamp>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct PostView {
    pub post: Post,
    pub creator: Person,
    pub community: Community,
    /// v3: counts apart.
    #[serde(default)]
    pub counts: Option<PostCounts>,
    #[serde(default)]
    pub creator_is_moderator: bool,
    #[serde(default)]
    pub creator_is_admin: bool,
    /// v3: the caller read the post, and how many comments are new to them.
    #[serde(default)]
    pub read: Option<bool>,
    #[serde(default)]
    pub unread_comments: Option<i64>,
    /// v4: the caller's marks.
    #[serde(default)]
    pub post_actions: Option<PostActions>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
pub struct PostCounts {
    #[serde(default)]
    pub comments: i64,
    #[serde(default)]
    pub score: i64,
    #[serde(default)]
    pub newest_comment_time: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[allow(clippy::struct_field_names)] // Lemmy's own field names
pub struct PostActions {
    #[serde(default)]
    pub read_at: Option<Timestamp>,
    #[serde(default)]
    pub read_comments_at: Option<Timestamp>,
    #[serde(default)]
    pub read_comments_amount: Option<i64>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Comment {
    pub id: i64,
    #[serde(default)]
    pub creator_id: i64,
    pub post_id: i64,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub removed: bool,
    #[serde(alias = "published_at")]
    pub published: Timestamp,
    #[serde(default, alias = "updated_at")]
    pub updated: Option<Timestamp>,
    #[serde(default)]
    pub deleted: bool,
    /// "0.12.45": the root, each ancestor, then the comment itself.
    pub path: String,
    #[serde(default)]
    pub distinguished: bool,
    /// v4: counts live in the comment itself.
    #[serde(default)]
    pub score: Option<i64>,
    #[serde(default)]
    pub child_count: Option<i64>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CommentView {
    pub comment: Comment,
    pub creator: Person,
    /// v3: counts apart.
    #[serde(default)]
    pub counts: Option<CommentCounts>,
    #[serde(default)]
    pub creator_is_moderator: bool,
    #[serde(default)]
    pub creator_is_admin: bool,
}

#[derive(Clone, Copy, Debug, Deserialize)]
pub struct CommentCounts {
    #[serde(default)]
    pub score: i64,
    #[serde(default)]
    pub child_count: i64,
}

/// A list answer: v3 names its array after what it holds (`posts`, `comments`,
/// `communities`), v4 calls it `items` (`PagedResponse`). Either pages with `next_page`.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    #[serde(alias = "posts", alias = "comments", alias = "communities")]
    pub items: Vec<T>,
    #[serde(default)]
    pub next_page: Option<String>,
}

/// `POST /comment`, `GET /comment`.
#[derive(Debug, Deserialize)]
pub struct CommentResponse {
    pub comment_view: CommentView,
}

/// `POST /post`, `GET /post`.
#[derive(Debug, Deserialize)]
pub struct PostResponse {
    pub post_view: PostView,
}

/// `POST /user/login` (v3), `POST /account/auth/login` (v4).
#[derive(Debug, Deserialize)]
pub struct LoginResponse {
    #[serde(default)]
    pub jwt: Option<String>,
    #[serde(default)]
    pub verify_email_sent: bool,
}

/// v3 `GET /user`: a person's details with their newest comments.
#[derive(Debug, Deserialize)]
pub struct PersonDetails {
    #[serde(default)]
    pub comments: Vec<CommentView>,
}

/// An error answer: `{"error": "snake_case_name", "message": …}` (v4 adds `cause`).
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    #[serde(default)]
    pub message: Option<serde_json::Value>,
}
