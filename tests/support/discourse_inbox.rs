//! The stand-in's notifications, as discourse/discourse serves them:
//! `app/controllers/notifications_controller.rb` (`requires_login`; `index` without
//! `recent`: newest first, 60 a page, `{notifications, total_rows_notifications,
//! seen_notification_id, load_more_notifications}`; `mark_read` with `id` marks that one
//! of the caller's, without it all of them, and answers `success_json`), each item as
//! `app/serializers/notification_serializer.rb` writes it (types by number,
//! `app/models/notification.rb`).
#![allow(clippy::unwrap_used)]

use super::discourse_standin::{Caller, Recorded, World, error, json_response};
use axum::http::Method;
use axum::response::Response;
use serde_json::{Value, json};

/// `NotificationsController::INDEX_LIMIT`.
const INDEX_LIMIT: usize = 60;

/// One notification of one user.
#[derive(Clone, Debug)]
pub struct Notification {
    pub id: u64,
    pub user: String,
    pub kind: u64,
    pub topic_id: u64,
    pub post_number: u64,
    pub read: bool,
    pub created_at: String,
    /// `data_hash`: `topic_title`, `original_post_id`, `display_username`, …
    pub data: Value,
}

impl World {
    /// A notification for `user` of type `kind` on post `#post_number` of `topic`
    /// by `by`, newest so far; its id.
    pub fn notify(&mut self, user: &str, kind: u64, topic: u64, post_number: u64, by: &str) -> u64 {
        let id = 1000 + self.notifications.len() as u64;
        let title = self
            .forum
            .topics
            .get(&topic)
            .map(|t| t.title.clone())
            .unwrap_or_default();
        let post = self
            .forum
            .topics
            .get(&topic)
            .and_then(|t| t.posts.iter().find(|p| p.number == post_number))
            .map(|p| p.id);
        self.notifications.push(Notification {
            id,
            user: user.to_owned(),
            kind,
            topic_id: topic,
            post_number,
            read: false,
            created_at: format!("2026-11-0{}T10:00:00.000Z", 1 + self.notifications.len() % 9),
            data: json!({"topic_title": title, "original_post_id": post, "display_username": by, "original_username": by}),
        });
        id
    }
}

pub fn route(w: &mut World, who: &Caller, r: &Recorded, segments: &[&str]) -> Option<Response> {
    let answer = match (&r.method, segments) {
        (&Method::GET, ["notifications.json"]) => index(w, who),
        (&Method::PUT, ["notifications", "mark-read" | "mark-read.json"]) => mark_read(w, who, r),
        _ => return None,
    };
    Some(answer)
}

/// `requires_login`: `Discourse::NotLoggedIn`.
fn login(who: &Caller) -> Result<String, Box<Response>> {
    who.username().map(str::to_owned).ok_or_else(|| {
        Box::new(error(
            403,
            "not_logged_in",
            "You need to be logged in to do that.",
        ))
    })
}

fn index(w: &World, who: &Caller) -> Response {
    let user = match login(who) {
        Ok(user) => user,
        Err(refused) => return *refused,
    };
    let mut mine: Vec<&Notification> = w.notifications.iter().filter(|n| n.user == user).collect();
    mine.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let total = mine.len();
    let items: Vec<Value> = mine
        .into_iter()
        .take(INDEX_LIMIT)
        .map(|n| {
            let title = n.data["topic_title"].clone();
            json!({
                "id": n.id, "user_id": 2, "notification_type": n.kind,
                "read": n.read, "high_priority": n.kind == 6,
                "created_at": n.created_at, "post_number": n.post_number,
                "topic_id": n.topic_id, "fancy_title": title, "slug": "a-topic",
                "data": n.data,
            })
        })
        .collect();
    json_response(
        200,
        &json!({
            "notifications": items,
            "total_rows_notifications": total,
            "seen_notification_id": 0,
            "load_more_notifications": format!("/notifications?offset={INDEX_LIMIT}&limit={INDEX_LIMIT}&username={user}"),
        }),
    )
}

/// `Notification.read(current_user, [params[:id].to_i])` touches only the caller's;
/// without `id`, `Notification.read_types(current_user, nil)` marks all of them.
fn mark_read(w: &mut World, who: &Caller, r: &Recorded) -> Response {
    let user = match login(who) {
        Ok(user) => user,
        Err(refused) => return *refused,
    };
    let id = url::form_urlencoded::parse(r.query.as_bytes())
        .chain(url::form_urlencoded::parse(r.body.as_bytes()))
        .find(|(k, _)| k == "id")
        .map(|(_, v)| v.trim().parse::<u64>().unwrap_or(0));
    for n in w.notifications.iter_mut().filter(|n| n.user == user) {
        if id.is_none_or(|id| id == n.id) {
            n.read = true;
        }
    }
    json_response(200, &json!({"success": "OK"}))
}
