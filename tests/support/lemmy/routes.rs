//! The stand-in Lemmy's routes, following Lemmy's handlers: 0.19.20
//! `crates/apub/src/api/list_posts.rs`, `list_comments.rs`, `crates/db_views/src/
//! post_view.rs`, `comment_view.rs`, `crates/api/src/local_user/login.rs`,
//! `crates/api_crud/src/comment/create.rs`, `post/create.rs`, `post/read.rs`; 1.0 (`main`)
//! `crates/api/api/src/federation/list_comments.rs`, `crates/db_views/comment/src/
//! impls.rs`, `crates/db_views/post/src/impls.rs`, `crates/diesel_utils/src/
//! pagination.rs`.

use super::shapes;
use super::standin::{Recorded, World, error, json_response};
use super::world::{Api, Comment, Post, ReadMark};
use axum::response::Response;
use base64::Engine as _;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::cmp::Ordering;

fn param(r: &Recorded, name: &str) -> Option<String> {
    r.query_value(name)
}

fn int(r: &Recorded, name: &str) -> Option<i64> {
    param(r, name).and_then(|v| v.parse().ok())
}

pub fn site(w: &World, viewer: Option<i64>) -> Response {
    let rate = (w.message.capacity, w.message.seconds);
    json_response(200, &shapes::site(&w.instance, w.api, viewer, rate))
}

/// `login.rs`: the password, the account's state, then the two-factor code.
pub fn login(w: &mut World, r: &Recorded) -> Response {
    let api = w.api;
    let body = r.json();
    let name = body["username_or_email"].as_str().unwrap_or_default();
    let password = body["password"].as_str().unwrap_or_default();
    let Some(person) = w.instance.person_named(name).map(|p| p.id) else {
        return error(api, "incorrect_login", None);
    };
    let Some(user) = w.instance.user_of(person).cloned() else {
        return error(api, "incorrect_login", None);
    };
    if user.password != password {
        return error(api, "incorrect_login", None);
    }
    if w.instance.require_application && !user.accepted {
        return error(api, "registration_application_is_pending", None);
    }
    if let Some(code) = &user.totp {
        match body["totp_2fa_token"].as_str() {
            None => return error(api, "missing_totp_token", None),
            Some(given) if given != code => return error(api, "incorrect_totp_token", None),
            Some(_) => {}
        }
    }
    let jwt = w.issue_token(person);
    json_response(
        200,
        &json!({"jwt": jwt, "registration_created": false, "verify_email_sent": false}),
    )
}

/// The most active communities of a listing.
pub fn communities(w: &World, r: &Recorded, viewer: Option<i64>) -> Response {
    let api = w.api;
    let kind = param(r, "type_").unwrap_or_default().to_ascii_lowercase();
    let limit = usize::try_from(int(r, "limit").unwrap_or(10)).unwrap_or(10);
    let mut list: Vec<_> = w
        .instance
        .communities
        .iter()
        .filter(|c| kind != "local" || c.home.is_none())
        .collect();
    list.sort_by_key(|c| std::cmp::Reverse(c.users_active_month));
    let views: Vec<Value> = list
        .into_iter()
        .take(limit)
        .map(|c| shapes::community_view(&w.instance, api, c, viewer))
        .collect();
    json_response(200, &paged(api, "communities", &views, None, None))
}

/// A list answer: v3 names its array, v4 is a `PagedResponse`.
fn paged(
    api: Api,
    name: &str,
    items: &[Value],
    next: Option<String>,
    prev: Option<String>,
) -> Value {
    let mut v = match api {
        Api::V3 => json!({ name: items }),
        Api::V4 => json!({ "items": items }),
    };
    if let Some(next) = next {
        v["next_page"] = json!(next);
    }
    if let (Api::V4, Some(prev)) = (api, prev) {
        v["prev_page"] = json!(prev);
    }
    v
}

fn v4_cursor(id: i64, back: bool) -> String {
    let inner = json!({"data": format!("{id:x}"), "back": back, "recovery": false});
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(inner.to_string())
}

fn read_v4_cursor(cursor: &str) -> Option<i64> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    i64::from_str_radix(v["data"].as_str()?, 16).ok()
}

/// Where a cursor points: 0.19's `P<hex post id>` (`PaginationCursor::after_post`),
/// 1.0's opaque cursors.
fn cursor_id(api: Api, cursor: &str) -> Option<i64> {
    match api {
        Api::V3 => i64::from_str_radix(cursor.strip_prefix('P')?, 16).ok(),
        Api::V4 => read_v4_cursor(cursor),
    }
}

/// Items after the one a cursor names, in the listing's order.
fn after<T>(items: Vec<T>, id_of: impl Fn(&T) -> i64, cursor: Option<i64>) -> Vec<T> {
    match cursor {
        None => items,
        Some(id) => items
            .into_iter()
            .skip_while(|x| id_of(x) != id)
            .skip(1)
            .collect(),
    }
}

/// `list_posts`: removed and deleted posts left out, featured ones first (in their
/// community, or site-wide in a feed), then by the sort, a page after the cursor.
pub fn posts(w: &World, r: &Recorded, viewer: Option<i64>) -> Response {
    let api = w.api;
    let i = &w.instance;
    let community = int(r, "community_id");
    let kind = param(r, "type_").unwrap_or_default().to_ascii_lowercase();
    let sort = param(r, "sort").unwrap_or_default().to_ascii_lowercase();
    let limit = usize::try_from(int(r, "limit").unwrap_or(10)).unwrap_or(10);
    if limit > 50 {
        return error(api, "couldnt_get_posts", None);
    }
    let mut list: Vec<&Post> = i
        .posts
        .values()
        .filter(|p| !p.deleted && !p.removed)
        .filter(|p| match community {
            Some(c) => p.community == c,
            None => match kind.as_str() {
                "subscribed" => viewer.is_some_and(|v| i.follows.contains(&(v, p.community))),
                "local" => i.community(p.community).is_some_and(|c| c.home.is_none()),
                _ => true,
            },
        })
        .collect();
    let key = |p: &Post| match sort.as_str() {
        "newcomments" | "new_comments" => i.newest_comment_time(p),
        _ => p.published,
    };
    list.sort_by(|a, b| {
        let featured = |p: &Post| {
            if community.is_some() {
                p.featured_community
            } else {
                false
            }
        };
        featured(b)
            .cmp(&featured(a))
            .then(key(b).cmp(&key(a)))
            .then(b.id.cmp(&a.id))
    });
    let cursor = param(r, "page_cursor").and_then(|c| cursor_id(api, &c));
    let page: Vec<&Post> = after(list, |p| p.id, cursor)
        .into_iter()
        .take(limit)
        .collect();
    let next = match api {
        // "if this page wasn't empty, then there is a next page after the last post"
        Api::V3 => page.last().map(|p| format!("P{:x}", p.id)),
        Api::V4 => (page.len() == limit)
            .then(|| page.last().map(|p| v4_cursor(p.id, false)))
            .flatten(),
    };
    let views: Vec<Value> = page
        .iter()
        .map(|p| shapes::post_view(i, api, p, viewer))
        .collect();
    json_response(200, &paged(api, "posts", &views, next, None))
}

/// `read.rs`: a post and its community; reading it marks it read for the caller,
/// comments included (`mark_post_as_read`, `update_read_comments`).
pub fn post(w: &mut World, r: &Recorded, viewer: Option<i64>) -> Response {
    let api = w.api;
    let Some(id) = int(r, "id") else {
        return error(api, "couldnt_find_post", None);
    };
    let visible = w
        .instance
        .posts
        .get(&id)
        .filter(|p| !(p.deleted || p.removed) || viewer == Some(p.creator))
        .cloned();
    let Some(p) = visible else {
        return match api {
            Api::V3 => error(api, "couldnt_find_post", None),
            Api::V4 => error(api, "not_found", None),
        };
    };
    // `post/read.rs` reads the view first, then marks the post and its comments read for
    // a logged-in caller (`mark_post_as_read` / `PostActions::mark_as_read`, then
    // `update_read_comments` with the post's count).
    let i = &w.instance;
    let community = i.community(p.community).expect("the post's community");
    let answer = json!({
        "post_view": shapes::post_view(i, api, &p, viewer),
        "community_view": shapes::community_view(i, api, community, viewer),
        "moderators": [], "cross_posts": []
    });
    if let Some(v) = viewer {
        let count = w.instance.comment_count(id);
        w.instance.read.insert(
            (v, id),
            ReadMark {
                read_at: Timestamp::now(),
                read_comments: count,
            },
        );
    }
    json_response(200, &answer)
}

/// ltree's order: label by label, each compared as bytes (then by length).
fn ltree_cmp(left: &str, right: &str) -> Ordering {
    let (mut lefts, mut rights) = (left.split('.'), right.split('.'));
    loop {
        match (lefts.next(), rights.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(here), Some(there)) => match here.as_bytes().cmp(there.as_bytes()) {
                Ordering::Equal => {}
                other => return other,
            },
        }
    }
}

fn parent_path(path: &str) -> &str {
    path.rsplit_once('.').map_or("", |(p, _)| p)
}

/// `list_comments`: by post, below a parent, down to `max_depth` (a tree fetch: at most
/// 300, ordered by parent path first) or flat pages.
pub fn comments(w: &World, r: &Recorded, viewer: Option<i64>) -> Response {
    let api = w.api;
    let i = &w.instance;
    let post = int(r, "post_id");
    let parent = match int(r, "parent_id") {
        Some(id) => match i.comments.get(&id) {
            Some(c) => Some(c.path.clone()),
            None => {
                return match api {
                    Api::V3 => error(api, "couldnt_find_comment", None),
                    Api::V4 => error(api, "not_found", None),
                };
            }
        },
        None => None,
    };
    let max_depth = int(r, "max_depth");
    let sort = param(r, "sort").unwrap_or_default().to_ascii_lowercase();
    let mut list: Vec<&Comment> = i
        .comments
        .values()
        .filter(|c| post.is_none_or(|p| c.post == p))
        .filter(|c| {
            parent
                .as_ref()
                .is_none_or(|p| c.path == *p || c.path.starts_with(&format!("{p}.")))
        })
        .collect();
    let tree = max_depth.is_some();
    if let Some(depth) = max_depth {
        let limit = match &parent {
            Some(p) => i64::try_from(p.split('.').count()).unwrap_or(0) + depth,
            None => depth + 1,
        };
        list.retain(|c| i64::try_from(c.path.split('.').count()).unwrap_or(0) <= limit);
    }
    let by_sort = |a: &&Comment, b: &&Comment| match sort.as_str() {
        "new" => b.published.cmp(&a.published).then(b.id.cmp(&a.id)),
        "old" => a.published.cmp(&b.published).then(a.id.cmp(&b.id)),
        _ => b.score.cmp(&a.score).then(b.id.cmp(&a.id)),
    };
    let distinguished_first = api == Api::V3 || !matches!(sort.as_str(), "new" | "old");
    list.sort_by(|a, b| {
        let by_parent = if tree {
            ltree_cmp(parent_path(&a.path), parent_path(&b.path))
        } else {
            Ordering::Equal
        };
        let by_mark = if distinguished_first {
            b.distinguished.cmp(&a.distinguished)
        } else {
            Ordering::Equal
        };
        by_parent.then(by_mark).then_with(|| by_sort(a, b))
    });
    let requested = usize::try_from(int(r, "limit").unwrap_or(10)).unwrap_or(10);
    if !tree && requested > 50 {
        return error(api, "couldnt_get_comments", None);
    }
    // "TODO a kludge to prevent attacks. Limit comments to 300 for now."
    let limit = if tree { 300 } else { requested };
    let (page, next) = match api {
        Api::V3 => {
            let page_number = usize::try_from(int(r, "page").unwrap_or(1).max(1)).unwrap_or(1);
            let skip = if tree { 0 } else { (page_number - 1) * limit };
            (
                list.into_iter().skip(skip).take(limit).collect::<Vec<_>>(),
                None,
            )
        }
        Api::V4 => {
            let cursor = param(r, "page_cursor").and_then(|c| read_v4_cursor(&c));
            let page: Vec<&Comment> = after(list, |c| c.id, cursor)
                .into_iter()
                .take(limit)
                .collect();
            let next = (page.len() == limit)
                .then(|| page.last().map(|c| v4_cursor(c.id, false)))
                .flatten();
            (page, next)
        }
    };
    let views: Vec<Value> = page
        .iter()
        .map(|c| shapes::comment_view(i, api, c, viewer))
        .collect();
    json_response(200, &paged(api, "comments", &views, next, None))
}

/// A person's newest content: v3 `GET /user` (`GetPersonDetailsResponse`), v4
/// `GET /person/content` (a `PagedResponse` of typed posts and comments).
pub fn person_content(w: &World, r: &Recorded, viewer: Option<i64>) -> Response {
    let api = w.api;
    let i = &w.instance;
    let name = param(r, "username").unwrap_or_default();
    let Some(person) = i.person_named(&name) else {
        return match api {
            Api::V3 => error(api, "couldnt_find_person", None),
            Api::V4 => error(api, "not_found", None),
        };
    };
    let limit = usize::try_from(int(r, "limit").unwrap_or(10)).unwrap_or(10);
    let mut comments: Vec<&Comment> = i
        .comments
        .values()
        .filter(|c| c.creator == person.id)
        .collect();
    comments.sort_by(|a, b| b.published.cmp(&a.published).then(b.id.cmp(&a.id)));
    let mut posts: Vec<&Post> = i
        .posts
        .values()
        .filter(|p| p.creator == person.id)
        .collect();
    posts.sort_by(|a, b| b.published.cmp(&a.published).then(b.id.cmp(&a.id)));
    match api {
        Api::V3 => {
            let comments: Vec<Value> = comments
                .into_iter()
                .take(limit)
                .map(|c| shapes::comment_view(i, api, c, viewer))
                .collect();
            let posts: Vec<Value> = posts
                .into_iter()
                .take(limit)
                .map(|p| shapes::post_view(i, api, p, viewer))
                .collect();
            json_response(
                200,
                &json!({
                    "person_view": {"person": shapes::person(i, api, person),
                                    "counts": {"person_id": person.id, "post_count": 0, "comment_count": 0},
                                    "is_admin": person.admin},
                    "comments": comments, "posts": posts, "moderates": []
                }),
            )
        }
        Api::V4 => {
            let kind = param(r, "type_").unwrap_or_else(|| "all".to_owned());
            let mut items: Vec<(Timestamp, Value)> = Vec::new();
            if kind != "posts" {
                for c in comments {
                    let mut v = shapes::comment_view(i, api, c, viewer);
                    v["type_"] = json!("comment");
                    items.push((c.published, v));
                }
            }
            if kind != "comments" {
                for p in posts {
                    let mut v = shapes::post_view(i, api, p, viewer);
                    v["type_"] = json!("post");
                    items.push((p.published, v));
                }
            }
            items.sort_by_key(|item| std::cmp::Reverse(item.0));
            let items: Vec<Value> = items.into_iter().take(limit).map(|(_, v)| v).collect();
            json_response(200, &paged(api, "items", &items, None, None))
        }
    }
}

/// `comment/create.rs`: logged in, the post there and open (mods may comment on a locked
/// post), the parent in the same post; stored with its path and the author's own upvote.
pub fn create_comment(w: &mut World, r: &Recorded, viewer: Option<i64>) -> Response {
    let api = w.api;
    let Some(me) = viewer else {
        return error(api, "not_logged_in", None);
    };
    let body = r.json();
    let content = body["content"].as_str().unwrap_or_default().to_owned();
    if content.trim().is_empty() {
        return error(api, "invalid_body_field", None);
    }
    let Some(post_id) = body["post_id"].as_i64() else {
        return error(api, "couldnt_find_post", None);
    };
    let Some(post) = w.instance.posts.get(&post_id).cloned() else {
        return error(api, "couldnt_find_post", None);
    };
    if post.deleted || post.removed {
        return error(api, "deleted", None);
    }
    let is_mod = w
        .instance
        .community(post.community)
        .is_some_and(|c| c.moderators.contains(&me));
    if post.locked && !is_mod {
        return error(api, "locked", None);
    }
    let parent = body["parent_id"].as_i64();
    if let Some(p) = parent {
        match w.instance.comments.get(&p) {
            Some(c) if c.post == post_id => {}
            _ => return error(api, "couldnt_create_comment", None),
        }
    }
    let id = w
        .instance
        .add_comment(post_id, parent, me, &content, Timestamp::now());
    let i = &w.instance;
    let view = shapes::comment_view(i, api, &i.comments[&id], viewer);
    let answer = match api {
        Api::V3 => json!({"comment_view": view, "recipient_ids": []}),
        Api::V4 => json!({"comment_view": view}),
    };
    json_response(200, &answer)
}

/// `post/create.rs`: logged in; a community that only moderators post in refuses others.
pub fn create_post(w: &mut World, r: &Recorded, viewer: Option<i64>) -> Response {
    let api = w.api;
    let Some(me) = viewer else {
        return error(api, "not_logged_in", None);
    };
    let body = r.json();
    let name = body["name"].as_str().unwrap_or_default().to_owned();
    if name.trim().is_empty() {
        return error(api, "invalid_post_title", None);
    }
    let Some(community) = body["community_id"]
        .as_i64()
        .and_then(|c| w.instance.community(c).cloned())
    else {
        return error(api, "couldnt_find_community", None);
    };
    if community.mods_only && !community.moderators.contains(&me) {
        return match api {
            Api::V3 => error(api, "only_mods_can_post_in_community", None),
            Api::V4 => error(api, "not_a_moderator", None),
        };
    }
    let text = body["body"].as_str().unwrap_or_default().to_owned();
    let id = w
        .instance
        .add_post(community.id, me, &name, &text, Timestamp::now());
    let i = &w.instance;
    json_response(
        200,
        &json!({"post_view": shapes::post_view(i, api, &i.posts[&id], viewer)}),
    )
}

/// `post/mark_read.rs`: v3 takes `post_ids`, v4 one `post_id`.
pub fn mark_read(w: &mut World, r: &Recorded, viewer: Option<i64>) -> Response {
    let api = w.api;
    let Some(me) = viewer else {
        return error(api, "not_logged_in", None);
    };
    let body = r.json();
    let ids: Vec<i64> = match api {
        Api::V3 => body["post_ids"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default(),
        Api::V4 => body["post_id"].as_i64().into_iter().collect(),
    };
    // `mark_read.rs` marks the post only (`PostRead::mark_as_read`, 1.0
    // `PostActions::mark_as_read` setting `read_at`): the read comments stay as they were.
    for id in &ids {
        let read_comments = w
            .instance
            .read
            .get(&(me, *id))
            .map_or(0, |m| m.read_comments);
        w.instance.read.insert(
            (me, *id),
            ReadMark {
                read_at: Timestamp::now(),
                read_comments,
            },
        );
    }
    match (api, ids.first().and_then(|id| w.instance.posts.get(id))) {
        (Api::V4, Some(p)) => json_response(
            200,
            &json!({"post_view": shapes::post_view(&w.instance, api, p, viewer)}),
        ),
        (Api::V4, None) => error(api, "not_found", None),
        (Api::V3, _) => json_response(200, &json!({"success": true})),
    }
}
