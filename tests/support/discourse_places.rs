//! The stand-in Discourse's watch levels and bookmarks, as discourse/discourse has them:
//! `POST /t/{id}/notifications` (`app/controllers/topics_controller.rb#set_notifications`),
//! `POST /category/{id}/notifications` (`app/controllers/categories_controller.rb
//! #set_notifications`), `POST /bookmarks.json`, `PUT` and `DELETE /bookmarks/{id}.json`
//! (`app/controllers/bookmarks_controller.rb`, `lib/bookmark_manager.rb`,
//! `app/models/bookmark.rb`) and `GET /u/{username}/bookmarks.json`
//! (`app/controllers/users_controller.rb#bookmarks`, `app/models/user_bookmark_list.rb`,
//! `app/serializers/user_bookmark_list_serializer.rb`); routes as in `config/routes.rb`.
//! The levels are the logged-in user's (`World::topic_levels`, `category_levels`), which
//! the topic lists and category objects already show.

use super::discourse_forum::time_json;
use super::discourse_standin::{Caller, Recorded, World, error, invalid_access, json_response};
use axum::http::Method;
use axum::response::Response;
use jiff::Timestamp;
use serde_json::{Value, json};

/// `I18n.t("bookmarks.errors.already_bookmarked", type: "Post")`: the error of a second
/// bookmark on the same post (`Bookmark#unique_per_bookmarkable`), answered 400 with
/// `failed_json` (`{"failed": "FAILED"}`) and `errors`, without `error_type`.
pub const ALREADY_BOOKMARKED: &str = "You cannot bookmark the same post twice.";

/// `BOOKMARKS_LIMIT` of `users_controller.rb` and `UserBookmarkList::PER_PAGE`.
pub const BOOKMARKS_PER_PAGE: usize = 20;

/// One bookmark (`bookmarks` table), on a post.
#[derive(Clone, Debug)]
pub struct Bookmark {
    pub id: u64,
    pub username: String,
    pub post_id: u64,
    pub name: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl World {
    /// A bookmark set on the web by `username` on post `post_id`; its id.
    pub fn bookmark_on_web(&mut self, username: &str, post_id: u64, name: Option<&str>) -> u64 {
        let id = self.bookmarks.iter().map(|b| b.id).max().unwrap_or(0) + 1;
        let now = Timestamp::now();
        self.bookmarks.push(Bookmark {
            id,
            username: username.to_owned(),
            post_id,
            name: name.map(str::to_owned),
            created_at: now,
            updated_at: now,
        });
        id
    }

    /// The bookmarks of `username`, as (post id, name).
    pub fn bookmarks_of(&self, username: &str) -> Vec<(u64, Option<String>)> {
        let mut list: Vec<_> = self
            .bookmarks
            .iter()
            .filter(|b| b.username == username)
            .map(|b| (b.post_id, b.name.clone()))
            .collect();
        list.sort();
        list
    }
}

/// The routes of this file, when `r` is one of them.
pub fn route(w: &mut World, who: &Caller, r: &Recorded, segments: &[&str]) -> Option<Response> {
    Some(match (&r.method, segments) {
        (&Method::POST, ["t", id, "notifications"]) => topic_level(w, who, r, id),
        (&Method::POST, ["category", id, "notifications"]) => category_level(w, who, r, id),
        (&Method::POST, ["bookmarks" | "bookmarks.json"]) => create(w, who, r),
        (&Method::PUT, ["bookmarks", file]) => update(w, who, r, file),
        (&Method::DELETE, ["bookmarks", file]) => destroy(w, who, file),
        (&Method::GET, ["u", username, "bookmarks.json"]) => list(w, who, r, username),
        _ => return None,
    })
}

/// A parameter from a form or a JSON body, as Rails' `params` merges them.
fn param(r: &Recorded, name: &str) -> Option<String> {
    if r.header("content-type")
        .is_some_and(|t| t.starts_with("application/json"))
    {
        let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
        return match &body[name] {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        };
    }
    url::form_urlencoded::parse(r.body.as_bytes())
        .chain(url::form_urlencoded::parse(r.query.as_bytes()))
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Ruby's `String#to_i`: leading digits (after blanks and a sign), else 0.
fn to_i(text: &str) -> i64 {
    let t = text.trim_start();
    let (sign, digits) = match t.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    let n: String = digits.chars().take_while(char::is_ascii_digit).collect();
    sign * n.parse::<i64>().unwrap_or(0)
}

/// `ensure_logged_in` and `block_if_readonly_mode`, as every write here has them.
fn writer(w: &World, who: &Caller) -> Result<String, Box<Response>> {
    if w.read_only {
        return Err(Box::new(error(
            503,
            "read_only",
            "The site is in read only mode. Interactions are disabled.",
        )));
    }
    who.username().map(str::to_owned).ok_or_else(|| {
        Box::new(error(
            403,
            "not_logged_in",
            "You need to be logged in to do that.",
        ))
    })
}

/// `rescue_from ActionController::ParameterMissing` (`application_controller.rb`).
fn missing(name: &str) -> Response {
    error(
        400,
        "invalid_parameters",
        &format!("param is missing or the value is empty: {name}"),
    )
}

fn record_not_found() -> Response {
    super::discourse_standin::not_found()
}

/// `params.require(:notification_level)`, then `TopicUser.change(…,
/// notification_level: params[:notification_level].to_i)`: the number is not checked —
/// "watching" is stored as 0 (muted), 9 as 9 — and `Topic.find` answers 404 for a topic
/// that is not there. Answers `success_json`.
fn topic_level(w: &mut World, who: &Caller, r: &Recorded, id: &str) -> Response {
    if let Err(refused) = writer(w, who) {
        return *refused;
    }
    let Some(level) = param(r, "notification_level").filter(|l| !l.is_empty()) else {
        return missing("notification_level");
    };
    let topic = u64::try_from(to_i(id)).unwrap_or(0);
    if !w.forum.topics.contains_key(&topic) {
        return record_not_found();
    }
    w.topic_levels
        .insert(topic, u8::try_from(to_i(&level)).unwrap_or(u8::MAX));
    json_response(200, &json!({"success": "OK"}))
}

/// `CategoryUser.set_notification_level_for_category(current_user, level, category_id)`
/// with `params[:notification_level].to_i`; answers `success_json` with
/// `indirectly_muted_category_ids`. (The stand-in answers 404 for a category it does not
/// have, where Discourse's insert would fail on the foreign key.)
fn category_level(w: &mut World, who: &Caller, r: &Recorded, id: &str) -> Response {
    if let Err(refused) = writer(w, who) {
        return *refused;
    }
    let category = u64::try_from(to_i(id)).unwrap_or(0);
    if w.forum.category_slug(category).is_none() {
        return record_not_found();
    }
    let level = param(r, "notification_level").map_or(0, |l| to_i(&l));
    w.category_levels
        .insert(category, u8::try_from(level).unwrap_or(u8::MAX));
    let muted: Vec<u64> = w
        .forum
        .categories
        .iter()
        .filter(|c| {
            c["parent_category_id"]
                .as_u64()
                .is_some_and(|p| w.category_levels.get(&p) == Some(&0))
        })
        .filter_map(|c| c["id"].as_u64())
        .collect();
    json_response(
        200,
        &json!({"success": "OK", "indirectly_muted_category_ids": muted}),
    )
}

/// The topic of a post still in its stream.
fn topic_of(w: &World, post: u64) -> Option<u64> {
    w.forum
        .topics
        .values()
        .find(|t| t.posts.iter().any(|p| p.id == post && !p.removed))
        .map(|t| t.id)
}

fn failed(errors: &[&str]) -> Response {
    json_response(400, &json!({"failed": "FAILED", "errors": errors}))
}

/// `BookmarksController#create` → `BookmarkManager#create_for`: `bookmarkable_id` and
/// `bookmarkable_type` are required; a post that is gone or not visible is
/// `Discourse::InvalidAccess` (403); a second bookmark on it, or a name over 100
/// characters, is a validation error (400 `failed_json` with `errors`). Answers
/// `success_json.merge(id: bookmark.id)`.
fn create(w: &mut World, who: &Caller, r: &Recorded) -> Response {
    let username = match writer(w, who) {
        Ok(u) => u,
        Err(refused) => return *refused,
    };
    let Some(post) = param(r, "bookmarkable_id") else {
        return missing("bookmarkable_id");
    };
    let Some(kind) = param(r, "bookmarkable_type") else {
        return missing("bookmarkable_type");
    };
    if kind != "Post" {
        return failed(&["Bookmarkable type is invalid"]);
    }
    let post = u64::try_from(to_i(&post)).unwrap_or(0);
    if topic_of(w, post).is_none() {
        return invalid_access();
    }
    let name = param(r, "name").filter(|n| !n.is_empty());
    if w.bookmarks
        .iter()
        .any(|b| b.username == username && b.post_id == post)
    {
        return failed(&[ALREADY_BOOKMARKED]);
    }
    if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
        return failed(&["Name is too long (maximum is 100 characters)"]);
    }
    let id = w.bookmark_on_web(&username, post, name.as_deref());
    json_response(200, &json!({"success": "OK", "id": id}))
}

/// `find_bookmark_and_check_access`: `Discourse::NotFound` for an id that is not there,
/// `Discourse::InvalidAccess` for another user's.
fn own(w: &World, username: &str, file: &str) -> Result<usize, Box<Response>> {
    let id = u64::try_from(to_i(file.strip_suffix(".json").unwrap_or(file))).unwrap_or(0);
    let Some(i) = w.bookmarks.iter().position(|b| b.id == id) else {
        return Err(Box::new(record_not_found()));
    };
    if w.bookmarks[i].username != username {
        return Err(Box::new(invalid_access()));
    }
    Ok(i)
}

/// `BookmarksController#update`: the new `name`; answers `success_json`.
fn update(w: &mut World, who: &Caller, r: &Recorded, file: &str) -> Response {
    let username = match writer(w, who) {
        Ok(u) => u,
        Err(refused) => return *refused,
    };
    let i = match own(w, &username, file) {
        Ok(i) => i,
        Err(refused) => return *refused,
    };
    let name = param(r, "name").filter(|n| !n.is_empty());
    if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
        return failed(&["Name is too long (maximum is 100 characters)"]);
    }
    let b = &mut w.bookmarks[i];
    b.name = name;
    b.updated_at = Timestamp::now();
    json_response(200, &json!({"success": "OK"}))
}

/// `BookmarksController#destroy`: answers `success_json` with whether the topic still
/// holds a bookmark of the user's.
fn destroy(w: &mut World, who: &Caller, file: &str) -> Response {
    let username = match writer(w, who) {
        Ok(u) => u,
        Err(refused) => return *refused,
    };
    let i = match own(w, &username, file) {
        Ok(i) => i,
        Err(refused) => return *refused,
    };
    let gone = w.bookmarks.remove(i);
    let topic = topic_of(w, gone.post_id);
    let still = w
        .bookmarks
        .iter()
        .any(|b| b.username == username && topic.is_some() && topic_of(w, b.post_id) == topic);
    json_response(200, &json!({"success": "OK", "topic_bookmarked": still}))
}

/// `UsersController#bookmarks`: only the user themselves (`ensure_can_edit!`, else 403);
/// `limit` up to 20, `page` from 0; newest change first (`BookmarkQuery`). An empty page
/// is `{"bookmarks": []}`; else `{"user_bookmark_list": {...}}`, with
/// `more_bookmarks_url` only when the page is full (`include_more_bookmarks_url?`).
fn list(w: &World, who: &Caller, r: &Recorded, username: &str) -> Response {
    let Some(user) = w.forum.user_named(username).cloned() else {
        return record_not_found();
    };
    if who.username() != Some(user.username.as_str()) {
        return invalid_access();
    }
    let limit = r
        .query_values("limit")
        .first()
        .map_or(BOOKMARKS_PER_PAGE, |l| {
            usize::try_from(to_i(l)).unwrap_or(0)
        })
        .clamp(1, BOOKMARKS_PER_PAGE);
    let page = r
        .query_values("page")
        .first()
        .map_or(0, |p| usize::try_from(to_i(p)).unwrap_or(0));
    let mut mine: Vec<&Bookmark> = w
        .bookmarks
        .iter()
        .filter(|b| b.username == user.username && topic_of(w, b.post_id).is_some())
        .collect();
    mine.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
    let shown: Vec<Value> = mine
        .iter()
        .skip(page * limit)
        .take(limit)
        .map(|b| serialized(w, b))
        .collect();
    if shown.is_empty() {
        return json_response(200, &json!({"bookmarks": []}));
    }
    let mut list = json!({"bookmarks": shown});
    if shown.len() == limit {
        list["more_bookmarks_url"] =
            json!(format!("/u/{username}/bookmarks.json?page={}", page + 1));
    }
    json_response(200, &json!({"user_bookmark_list": list}))
}

/// `UserPostBookmarkSerializer` (on `UserBookmarkBaseSerializer`).
fn serialized(w: &World, b: &Bookmark) -> Value {
    let topic_id = topic_of(w, b.post_id).unwrap_or(0);
    let t = &w.forum.topics[&topic_id];
    let number = t
        .posts
        .iter()
        .find(|p| p.id == b.post_id)
        .map_or(1, |p| p.number);
    json!({
        "id": b.id, "created_at": time_json(b.created_at, 0), "updated_at": time_json(b.updated_at, 0),
        "name": b.name, "reminder_at": null, "reminder_at_ics_start": null, "pinned": false,
        "title": t.title, "fancy_title": t.title, "excerpt": "", "bookmarkable_id": b.post_id,
        "bookmarkable_type": "Post",
        "bookmarkable_url": format!("/t/{}/{topic_id}/{number}", super::discourse_forum::slug(&t.title)),
        "topic_id": topic_id, "linked_post_number": number, "deleted": false, "hidden": false,
        "category_id": t.category_id, "closed": t.closed, "archived": t.archived,
        "archetype": "regular", "highest_post_number": t.highest_post_number(),
        "bumped_at": time_json(t.bumped_at, 0), "slug": super::discourse_forum::slug(&t.title),
        "user": {"id": 1, "username": b.username, "avatar_template": "/a/{size}.png"}
    })
}
