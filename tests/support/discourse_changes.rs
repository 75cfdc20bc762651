//! The stand-in Discourse's changes of existing posts: `PUT /posts/{id}` (edits, with the
//! `original_text` check of `app/controllers/posts_controller.rb#update`),
//! `DELETE /posts/{id}` (`posts_controller.rb#destroy` through `lib/post_destroyer.rb`),
//! and likes: `POST /post_actions` and `DELETE /post_actions/{id}`
//! (`app/controllers/post_actions_controller.rb`).

use super::discourse_forum::{Topic, User, Viewer};
use super::discourse_standin::{
    Caller, Recorded, World, error, invalid_access, json_response, not_found,
};
use axum::response::Response;
use jiff::Timestamp;
use serde_json::{Value, json};

/// `I18n.t("edit_conflict")` (`config/locales/server.en.yml`).
pub const EDIT_CONFLICT: &str =
    "This post was edited by another user and your changes can no longer be saved.";

/// What `PostDestroyer#mark_for_deletion` puts in place of a post its author deleted
/// (`post_deleted_by_author_simplified`).
pub const WITHDRAWN: &str = "(post deleted by author)";

/// The routes of this file, when `r` is one of them.
pub fn route(w: &mut World, who: &Caller, r: &Recorded, segments: &[&str]) -> Option<Response> {
    use axum::http::Method;
    Some(match (&r.method, segments) {
        (&Method::PUT, ["posts", file]) => {
            id_of(file).map_or_else(not_found, |id| update_post(w, who, r, id))
        }
        (&Method::DELETE, ["posts", file]) => {
            id_of(file).map_or_else(not_found, |id| destroy_post(w, who, id))
        }
        (&Method::POST, ["post_actions" | "post_actions.json"]) => create_action(w, who, r),
        (&Method::DELETE, ["post_actions", file]) => {
            id_of(file).map_or_else(not_found, |id| destroy_action(w, who, r, id))
        }
        _ => return None,
    })
}

/// `/posts/:id(.:format)`: the id, with or without `.json`.
fn id_of(file: &str) -> Option<u64> {
    file.strip_suffix(".json").unwrap_or(file).parse().ok()
}

/// The checks every write makes first: `block_if_readonly_mode` (503 `read_only`) and
/// `ensure_logged_in` (403 `not_logged_in`). The caller as a user.
fn writer(w: &World, who: &Caller) -> Result<User, Box<Response>> {
    if w.read_only {
        return Err(Box::new(error(
            503,
            "read_only",
            "The site is in read only mode. Interactions are disabled.",
        )));
    }
    who.username()
        .and_then(|u| w.forum.user_named(u).cloned())
        .ok_or_else(|| {
            Box::new(error(
                403,
                "not_logged_in",
                "You need to be logged in to do that.",
            ))
        })
}

/// The topic and index of a post visible in the stream.
fn locate(w: &World, id: u64) -> Option<(u64, usize)> {
    w.forum.topics.values().find_map(|t| {
        t.posts
            .iter()
            .position(|p| p.id == id && !p.removed)
            .map(|i| (t.id, i))
    })
}

fn viewer(user: &User) -> Viewer {
    Viewer {
        user_id: Some(user.id),
        staff: user.staff(),
    }
}

fn body_json(r: &Recorded) -> Value {
    serde_json::from_str(&r.body).unwrap_or(Value::Null)
}

/// `PUT /posts/{id}`: only the author or staff may edit (`Guardian#can_edit_post?`,
/// else 403 `invalid_access`); `post[original_text]` (or the older `post[raw_old]`),
/// when present, must be the post's `raw` now, else 409 `edit_conflict`. Each edit makes
/// a new version (the stand-in has no grace period). Answers `{post: …}` with `raw`.
pub fn update_post(w: &mut World, who: &Caller, r: &Recorded, id: u64) -> Response {
    let user = match writer(w, who) {
        Ok(user) => user,
        Err(refused) => return *refused,
    };
    let Some((topic_id, index)) = locate(w, id) else {
        return not_found();
    };
    let body = body_json(r);
    let Some(raw) = body["post"]["raw"].as_str().map(str::to_owned) else {
        return error(
            400,
            "invalid_parameters",
            "param is missing or the value is empty: post",
        );
    };
    let topic = w.forum.topics.get_mut(&topic_id).unwrap();
    let post = &mut topic.posts[index];
    if post.user_id != user.id && !user.staff() || post.user_deleted {
        return invalid_access();
    }
    let original = body["post"]["original_text"]
        .as_str()
        .or_else(|| body["post"]["raw_old"].as_str())
        .unwrap_or_default();
    if !original.is_empty() && original != post.raw {
        // `render_json_error(I18n.t("edit_conflict"), status: 409)`: no `error_type`.
        return json_response(409, &json!({"errors": [EDIT_CONFLICT]}));
    }
    if raw.trim().chars().count() < w.min_post_length {
        return error(
            422,
            "invalid_parameters",
            &format!(
                "Body is too short (minimum is {} characters)",
                w.min_post_length
            ),
        );
    }
    let before = std::mem::replace(&mut post.raw, raw);
    post.cooked = None;
    post.version += 1;
    post.updated_at = Timestamp::now();
    let post = post.clone();
    // `PostRevisor` keeps the change as a `PostRevision` (`discourse_revisions`).
    w.revisions.push(super::discourse_revisions::Revision {
        post_id: post.id,
        number: post.version,
        before,
        after: post.raw.clone(),
        username: user.username.clone(),
        created_at: post.updated_at,
    });
    let topic = topic.clone();
    json_response(
        200,
        &json!({"post": w.forum.post_json(&topic, &post, true, viewer(&user))}),
    )
}

/// `DELETE /posts/{id}`: the author or staff (`Guardian#can_delete_post?`, else 403).
/// Staff delete for good (the post leaves the stream of everyone else); an author's own
/// post is withdrawn: its text replaced, `user_deleted`, a new version
/// (`PostDestroyer#mark_for_deletion`). Answers with an empty body.
pub fn destroy_post(w: &mut World, who: &Caller, id: u64) -> Response {
    let user = match writer(w, who) {
        Ok(user) => user,
        Err(refused) => return *refused,
    };
    let Some((topic_id, index)) = locate(w, id) else {
        return not_found();
    };
    let topic = w.forum.topics.get_mut(&topic_id).unwrap();
    let post = &mut topic.posts[index];
    if post.user_id != user.id && !user.staff() {
        return invalid_access();
    }
    if user.staff() {
        post.removed = true;
    } else if !post.user_deleted {
        post.user_deleted = true;
        WITHDRAWN.clone_into(&mut post.raw);
        post.cooked = None;
        post.version += 1;
        post.updated_at = Timestamp::now();
    }
    axum::response::IntoResponse::into_response(axum::http::StatusCode::OK)
}

/// `POST /post_actions` with `id` and `post_action_type_id`: only likes (2) here. One's
/// own post, or a post already liked, may not be liked (`Guardian#post_can_act?`: 403).
/// Answers with the post (`render_post_json`, no `raw`).
pub fn create_action(w: &mut World, who: &Caller, r: &Recorded) -> Response {
    let user = match writer(w, who) {
        Ok(user) => user,
        Err(refused) => return *refused,
    };
    let body = body_json(r);
    let (Some(id), Some(kind)) = (
        value_u64(&body["id"]),
        value_u64(&body["post_action_type_id"]),
    ) else {
        return error(
            400,
            "invalid_parameters",
            "param is missing or the value is empty: id",
        );
    };
    if kind != 2 {
        return error(400, "invalid_parameters", "only likes in the stand-in");
    }
    let Some((topic_id, index)) = locate(w, id) else {
        return not_found();
    };
    let topic = w.forum.topics.get_mut(&topic_id).unwrap();
    let post = &mut topic.posts[index];
    if post.user_id == user.id || post.likes.contains(&user.id) || post.user_deleted {
        return invalid_access();
    }
    post.likes.push(user.id);
    answer_post(w, topic_id, index, &user)
}

/// `DELETE /post_actions/{id}?post_action_type_id=2`: the caller's own like; none there
/// is 404 (`Discourse::NotFound`). Answers with the post.
pub fn destroy_action(w: &mut World, who: &Caller, r: &Recorded, id: u64) -> Response {
    let user = match writer(w, who) {
        Ok(user) => user,
        Err(refused) => return *refused,
    };
    if r.query_values("post_action_type_id")
        .first()
        .map(String::as_str)
        != Some("2")
    {
        return error(
            400,
            "invalid_parameters",
            "param is missing or the value is empty: post_action_type_id",
        );
    }
    let Some((topic_id, index)) = locate(w, id) else {
        return not_found();
    };
    let post = &mut w.forum.topics.get_mut(&topic_id).unwrap().posts[index];
    let Some(at) = post.likes.iter().position(|&u| u == user.id) else {
        return not_found();
    };
    post.likes.remove(at);
    answer_post(w, topic_id, index, &user)
}

fn answer_post(w: &World, topic_id: u64, index: usize, user: &User) -> Response {
    let topic: &Topic = &w.forum.topics[&topic_id];
    json_response(
        200,
        &w.forum
            .post_json(topic, &topic.posts[index], false, viewer(user)),
    )
}

/// Rails params arrive as strings or numbers alike.
fn value_u64(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// How an edit made on the web is kept (`lib/post_revisor.rb`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebEdit {
    /// A new version and a `PostRevision` (`should_create_new_version?` true: another
    /// editor, or the author after `SiteSetting.editing_grace_period`).
    NewVersion,
    /// The author again within `editing_grace_period` (300 s by default) of their last
    /// edit: `should_create_new_version?` is false, so the version stays, the latest
    /// revision (if any) is amended, and only `cooked` and `updated_at` change.
    Grace,
}

impl World {
    /// Post `id` edited on the web by `username` to `raw`, as `PostRevisor#revise!` does:
    /// the text re-cooked, `updated_at` now, a new version or not (`how`); the topic is
    /// bumped only when this is its last post (`PostRevisor#bump_topic`:
    /// `return if bypass_bump? || !is_last_post?`), so an older post's edit leaves
    /// `/latest.json` as it was.
    pub fn edit_on_web(&mut self, id: u64, username: &str, raw: &str, how: WebEdit) {
        let (topic_id, index) = locate(self, id).expect("a post in a topic's stream");
        let topic = self.forum.topics.get_mut(&topic_id).unwrap();
        let last = topic.visible().map(|p| p.number).max();
        let post = &mut topic.posts[index];
        let before = std::mem::replace(&mut post.raw, raw.to_owned());
        post.cooked = None;
        post.updated_at = Timestamp::now();
        match how {
            WebEdit::NewVersion => {
                post.version += 1;
                self.revisions.push(super::discourse_revisions::Revision {
                    post_id: id,
                    number: post.version,
                    before,
                    after: raw.to_owned(),
                    username: username.to_owned(),
                    created_at: post.updated_at,
                });
            }
            WebEdit::Grace => {
                // `PostRevisor#revise_post` → `update_revision`: the latest revision
                // takes the new text, none is added.
                let version = post.version;
                if let Some(kept) = self
                    .revisions
                    .iter_mut()
                    .find(|r| r.post_id == id && r.number == version)
                {
                    raw.clone_into(&mut kept.after);
                }
            }
        }
        if last == Some(post.number) {
            topic.bumped_at = post.updated_at;
        }
    }
}
