//! Everything that differs between Lemmy's two APIs, in one place: API v3 (Lemmy 0.19,
//! what most instances run) and API v4 (Lemmy 1.0). Paths, the spelling of enum values
//! in queries, how lists page, where the caller's details, counts and read marks live.
//! The rest of the backend asks this module and never looks at the version itself.
//!
//! Sources: lemmy-js-client `release/v0.19` and `main` (`src/http.ts`, `src/types/`);
//! Lemmy 0.19.20 `crates/api_common/src/*.rs`, Lemmy `main` `crates/api/routes/src/lib.rs`.

use super::wire::{CommentView, CommunityView, PostView};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Which API a server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiVersion {
    /// `/api/v3`: Lemmy 0.19.
    V3,
    /// `/api/v4`: Lemmy 1.0.
    V4,
}

/// The order asked of a post list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostOrder {
    /// Newest created first.
    New,
    /// Newest activity (a new post or a new comment) first.
    NewComments,
}

/// The order asked of a comment list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentOrder {
    New,
    Old,
}

/// Which communities a list holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing {
    Local,
    All,
}

/// Where a list continues.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageAt {
    /// v3 comment lists page by number, from 1.
    Number(u32),
    /// Opaque cursors (v3 post lists, every v4 list).
    Cursor(String),
}

impl ApiVersion {
    /// Probed newest first: a 1.0 server answers both (v3 through a compatibility layer).
    pub const NEWEST_FIRST: [ApiVersion; 2] = [ApiVersion::V4, ApiVersion::V3];

    pub fn prefix(self) -> &'static str {
        match self {
            ApiVersion::V3 => "/api/v3",
            ApiVersion::V4 => "/api/v4",
        }
    }

    /// "API v3".
    pub fn label(self) -> &'static str {
        match self {
            ApiVersion::V3 => "API v3",
            ApiVersion::V4 => "API v4",
        }
    }

    pub fn login_path(self) -> &'static str {
        match self {
            ApiVersion::V3 => "/user/login",
            ApiVersion::V4 => "/account/auth/login",
        }
    }

    /// The login body. v4 tokens expire after a week unless asked to stay.
    pub fn login_body(self, user: &str, password: &str, totp: Option<&str>) -> Value {
        let mut body = json!({ "username_or_email": user, "password": password });
        if let Some(code) = totp {
            body["totp_2fa_token"] = json!(code);
        }
        if self == ApiVersion::V4 {
            body["stay_logged_in"] = json!(true);
        }
        body
    }

    /// Where the caller's details are: v3 inside `GET /site`, v4 at `GET /account`.
    pub fn my_user_path(self) -> Option<&'static str> {
        match self {
            ApiVersion::V3 => None,
            ApiVersion::V4 => Some("/account"),
        }
    }

    /// Asks for the most active communities of a listing.
    pub fn community_query(self, listing: Listing, limit: u32) -> Vec<(&'static str, String)> {
        let (kind, sort) = match (self, listing) {
            (ApiVersion::V3, Listing::Local) => ("Local", "Active"),
            (ApiVersion::V3, Listing::All) => ("All", "Active"),
            (ApiVersion::V4, Listing::Local) => ("local", "active_monthly"),
            (ApiVersion::V4, Listing::All) => ("all", "active_monthly"),
        };
        vec![
            ("type_", kind.to_owned()),
            ("sort", sort.to_owned()),
            ("limit", limit.to_string()),
        ]
    }

    /// One page of a community's posts: read ones too, and nothing marked read by
    /// fetching it.
    pub fn posts_query(
        self,
        community: i64,
        order: PostOrder,
        limit: u32,
        at: Option<&str>,
    ) -> Vec<(&'static str, String)> {
        let sort = match (self, order) {
            (ApiVersion::V3, PostOrder::New) => "New",
            (ApiVersion::V3, PostOrder::NewComments) => "NewComments",
            (ApiVersion::V4, PostOrder::New) => "new",
            (ApiVersion::V4, PostOrder::NewComments) => "new_comments",
        };
        let mut query = vec![
            ("community_id", community.to_string()),
            ("sort", sort.to_owned()),
            ("limit", limit.to_string()),
            ("show_read", "true".to_owned()),
            ("type_", self.all().to_owned()),
        ];
        if self == ApiVersion::V4 {
            query.push(("mark_as_read", "false".to_owned()));
        }
        if let Some(cursor) = at {
            query.push(("page_cursor", cursor.to_owned()));
        }
        query
    }

    /// One page of the feed of every subscribed community (or every local one), newest
    /// activity first.
    pub fn feed_query(
        self,
        subscribed: bool,
        limit: u32,
        at: Option<&str>,
    ) -> Vec<(&'static str, String)> {
        let kind = match (self, subscribed) {
            (ApiVersion::V3, true) => "Subscribed",
            (ApiVersion::V3, false) => "Local",
            (ApiVersion::V4, true) => "subscribed",
            (ApiVersion::V4, false) => "local",
        };
        let mut query = self.posts_query(0, PostOrder::NewComments, limit, at);
        query.retain(|(k, _)| *k != "community_id" && *k != "type_");
        query.push(("type_", kind.to_owned()));
        query
    }

    /// A post's comment tree down to `depth` levels below `parent` (or the post). Lemmy
    /// answers a tree fetch with at most 300 comments, ignoring `limit`; v4 pages on
    /// with a cursor, v3 cannot.
    pub fn tree_query(
        self,
        post: i64,
        parent: Option<i64>,
        depth: u32,
        at: Option<&PageAt>,
    ) -> Vec<(&'static str, String)> {
        let mut query = vec![
            ("post_id", post.to_string()),
            ("max_depth", depth.to_string()),
            ("sort", self.comment_sort(CommentOrder::Old).to_owned()),
            ("type_", self.all().to_owned()),
        ];
        if let Some(parent) = parent {
            query.push(("parent_id", parent.to_string()));
        }
        push_page(&mut query, at);
        query
    }

    /// A post's comments, flat (every depth), `limit` a page.
    pub fn flat_query(
        self,
        post: i64,
        order: CommentOrder,
        limit: u32,
        at: Option<&PageAt>,
    ) -> Vec<(&'static str, String)> {
        let mut query = vec![
            ("post_id", post.to_string()),
            ("sort", self.comment_sort(order).to_owned()),
            ("limit", limit.to_string()),
            ("type_", self.all().to_owned()),
        ];
        push_page(&mut query, at);
        query
    }

    /// Where a flat comment list starts.
    pub fn first_comment_page(self) -> Option<PageAt> {
        match self {
            ApiVersion::V3 => Some(PageAt::Number(1)),
            ApiVersion::V4 => None,
        }
    }

    /// Where a flat list from the oldest reaches comments beyond the first `known` (one
    /// page early: what is already known is recognised, not duplicated). Only v3 can
    /// jump; v4 starts over (its tree answers page on and never need this).
    pub fn comment_page_after(self, known: usize, limit: u32) -> Option<PageAt> {
        match self {
            ApiVersion::V3 => {
                let full_pages = u32::try_from(known / limit.max(1) as usize).unwrap_or(u32::MAX);
                Some(PageAt::Number(full_pages.max(1)))
            }
            ApiVersion::V4 => None,
        }
    }

    /// Where a comment list goes on after a page of `got` items: v3 pages by number
    /// until a page comes back short, v4 follows `next_page`.
    pub fn next_comment_page(
        self,
        at: Option<&PageAt>,
        got: usize,
        limit: u32,
        next_page: Option<String>,
    ) -> Option<PageAt> {
        match self {
            ApiVersion::V3 => match at {
                Some(PageAt::Number(n)) if got >= limit as usize => Some(PageAt::Number(n + 1)),
                _ => None,
            },
            ApiVersion::V4 => next_page.map(PageAt::Cursor),
        }
    }

    /// The newest comments of a user (our own, after an unknown outcome).
    pub fn own_comments(
        self,
        username: &str,
        limit: u32,
    ) -> (&'static str, Vec<(&'static str, String)>) {
        match self {
            ApiVersion::V3 => (
                "/user",
                vec![
                    ("username", username.to_owned()),
                    ("sort", "New".to_owned()),
                    ("limit", limit.to_string()),
                ],
            ),
            ApiVersion::V4 => (
                "/person/content",
                vec![
                    ("username", username.to_owned()),
                    ("type_", "comments".to_owned()),
                    ("limit", limit.to_string()),
                ],
            ),
        }
    }

    fn all(self) -> &'static str {
        match self {
            ApiVersion::V3 => "All",
            ApiVersion::V4 => "all",
        }
    }

    fn comment_sort(self, order: CommentOrder) -> &'static str {
        match (self, order) {
            (ApiVersion::V3, CommentOrder::New) => "New",
            (ApiVersion::V3, CommentOrder::Old) => "Old",
            (ApiVersion::V4, CommentOrder::New) => "new",
            (ApiVersion::V4, CommentOrder::Old) => "old",
        }
    }
}

fn push_page(query: &mut Vec<(&'static str, String)>, at: Option<&PageAt>) {
    match at {
        Some(PageAt::Number(n)) => query.push(("page", n.to_string())),
        Some(PageAt::Cursor(c)) => query.push(("page_cursor", c.clone())),
        None => {}
    }
}

/// Whether new accounts wait for an admin's approval (v3 `RequireApplication`, v4
/// `require_application`).
pub fn requires_application(registration_mode: Option<&str>) -> bool {
    registration_mode.is_some_and(|m| {
        m.replace('_', "")
            .eq_ignore_ascii_case("requireapplication")
    })
}

/// The caller follows the community (v3 "Subscribed"; v4 `follow_state` "accepted").
pub fn subscribed(view: &CommunityView) -> bool {
    view.subscribed.as_deref() == Some("Subscribed")
        || view
            .community_actions
            .as_ref()
            .and_then(|a| a.follow_state.as_deref())
            == Some("accepted")
}

/// The caller blocked the community.
pub fn blocked(view: &CommunityView) -> bool {
    view.blocked
        || view
            .community_actions
            .as_ref()
            .is_some_and(|a| a.blocked_at.is_some())
}

/// Monthly active users, for ordering communities.
pub fn activity(view: &CommunityView) -> i64 {
    view.counts
        .and_then(|c| c.users_active_month)
        .or(view.community.users_active_month)
        .unwrap_or(0)
}

pub fn post_score(view: &PostView) -> i64 {
    view.counts
        .map(|c| c.score)
        .or(view.post.score)
        .unwrap_or(0)
}

/// Comments under the post, as the server counts them (deleted ones included).
pub fn post_comments(view: &PostView) -> i64 {
    view.counts
        .map(|c| c.comments)
        .or(view.post.comments)
        .unwrap_or(0)
}

/// When the post last had activity: its newest comment, else its creation.
pub fn post_activity(view: &PostView) -> Timestamp {
    view.counts
        .and_then(|c| c.newest_comment_time)
        .or(view.post.newest_comment_time_at)
        .unwrap_or(view.post.published)
        .max(view.post.published)
}

/// The caller has read the post and every comment in it, as the server keeps it:
/// v3 `read` with no `unread_comments`, v4 `read_at` with `read_comments_amount` reaching
/// the post's comment count. `None` when the server says nothing (anonymous reading).
pub fn read_in_full(view: &PostView) -> Option<bool> {
    if let Some(read) = view.read {
        return Some(read && view.unread_comments.unwrap_or(0) <= 0);
    }
    let actions = view.post_actions?;
    let read = actions.read_at.is_some();
    let comments_read = actions.read_comments_amount.unwrap_or(0) >= post_comments(view);
    Some(read && comments_read)
}

pub fn comment_score(view: &CommentView) -> i64 {
    view.counts
        .map(|c| c.score)
        .or(view.comment.score)
        .unwrap_or(0)
}

/// Comments below this one, at any depth, as the server counts them.
pub fn comment_children(view: &CommentView) -> i64 {
    view.counts
        .map(|c| c.child_count)
        .or(view.comment.child_count)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_apis_spell_the_same_request_differently() {
        let v3 = ApiVersion::V3.posts_query(7, PostOrder::NewComments, 20, Some("Pa"));
        assert!(v3.contains(&("sort", "NewComments".to_owned())));
        assert!(v3.contains(&("page_cursor", "Pa".to_owned())));
        assert!(!v3.iter().any(|(k, _)| *k == "mark_as_read"));
        let v4 = ApiVersion::V4.posts_query(7, PostOrder::New, 20, None);
        assert!(v4.contains(&("sort", "new".to_owned())));
        assert!(v4.contains(&("mark_as_read", "false".to_owned())));
        assert_eq!(ApiVersion::V3.login_path(), "/user/login");
        assert_eq!(
            ApiVersion::V4.login_body("a", "b", None)["stay_logged_in"],
            json!(true)
        );
    }

    #[test]
    fn comment_pages_go_by_number_or_by_cursor() {
        let v3 = ApiVersion::V3;
        let first = v3.first_comment_page();
        assert_eq!(
            v3.next_comment_page(first.as_ref(), 50, 50, None),
            Some(PageAt::Number(2))
        );
        assert_eq!(v3.next_comment_page(first.as_ref(), 49, 50, None), None);
        let v4 = ApiVersion::V4;
        assert_eq!(v4.first_comment_page(), None);
        assert_eq!(
            v4.next_comment_page(None, 50, 50, Some("c1".into())),
            Some(PageAt::Cursor("c1".into()))
        );
        assert_eq!(v4.next_comment_page(None, 50, 50, None), None);
    }

    #[test]
    fn registration_modes_of_both_spellings() {
        assert!(requires_application(Some("RequireApplication")));
        assert!(requires_application(Some("require_application")));
        assert!(!requires_application(Some("open")));
        assert!(!requires_application(None));
    }
}
