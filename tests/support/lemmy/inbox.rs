//! The stand-in Lemmy's notifications, as Lemmy 0.19 (API v3) keeps them: a comment
//! notifies the author of what it answers (`comment_reply`) and every local person it
//! names with `@name` (`person_mention`), never its own author, and a person named is not
//! told twice — LemmyNet/lemmy 0.19 `crates/api_common/src/build_response.rs`
//! `send_local_notifs` ("Don't duplicate notif if already mentioned"). Lists as
//! `crates/apub`-free views: `crates/api/src/local_user/notifications/list_replies.rs`,
//! `list_mentions.rs`, `crates/api_crud/src/private_message/read.rs` (answers
//! `GetRepliesResponse`, `GetPersonMentionsResponse`, `PrivateMessagesResponse` of
//! `crates/api_common/src/person.rs` and `private_message.rs`), newest first, paged by
//! `page`/`limit`, `unread_only`; marking read: `mark_reply_read.rs`,
//! `mark_mention_read.rs`, `crates/api/src/private_message/mark_read.rs`, each refusing a
//! notice addressed to someone else (`couldnt_update_comment`,
//! `couldnt_update_private_message`). Without a login: `not_logged_in`.
//!
//! A reply's or mention's notice id is its comment's id here (Lemmy numbers them apart;
//! nothing depends on it).

use super::shapes::{self, time};
use super::standin::{Recorded, World, error, json_response};
use super::world::{Api, Comment, Instance};
use axum::response::Response;
use serde_json::{Value, json};

/// Who `c` notifies and how: `(recipient, is_mention)`.
pub fn notices_of(i: &Instance, c: &Comment) -> Vec<(i64, bool)> {
    let mut told: Vec<(i64, bool)> = Vec::new();
    for p in i.persons.iter().filter(|p| p.home.is_none()) {
        let named = format!("@{}", p.name);
        let mentioned = c
            .content
            .split_whitespace()
            .any(|w| w.trim_end_matches(|ch: char| !ch.is_alphanumeric() && ch != '_') == named);
        if mentioned && p.id != c.creator && i.user_of(p.id).is_some() {
            told.push((p.id, true));
        }
    }
    let parent = parent_of(c).and_then(|id| i.comments.get(&id)).map_or_else(
        || i.posts.get(&c.post).map(|p| p.creator),
        |p| Some(p.creator),
    );
    if let Some(parent) = parent
        && parent != c.creator
        && i.user_of(parent).is_some()
        && !told.iter().any(|(p, _)| *p == parent)
    {
        told.push((parent, false));
    }
    told
}

/// The comment `c` answers, from its path ("0.12.45" answers 12).
fn parent_of(c: &Comment) -> Option<i64> {
    let ids: Vec<&str> = c.path.split('.').collect();
    ids.len()
        .checked_sub(2)
        .and_then(|n| ids.get(n))
        .and_then(|id| id.parse().ok())
        .filter(|&id| id != 0)
}

fn page_of<T: Clone>(r: &Recorded, items: &[T]) -> Vec<T> {
    let page = r
        .query_value("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let limit = r
        .query_value("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(10)
        .clamp(1, 50);
    items
        .iter()
        .skip((page - 1) * limit)
        .take(limit)
        .cloned()
        .collect()
}

fn unread_only(r: &Recorded) -> bool {
    r.query_value("unread_only").as_deref() == Some("true")
}

/// `GET /user/replies` (`mentions` false) and `GET /user/mention`.
pub fn replies(w: &World, r: &Recorded, viewer: Option<i64>, mentions: bool) -> Response {
    let api = w.api;
    let Some(me) = viewer else {
        return error(api, "not_logged_in", None);
    };
    let i = &w.instance;
    let read_set = if mentions {
        &i.mentions_read
    } else {
        &i.replies_read
    };
    let mut notices: Vec<&Comment> = i
        .comments
        .values()
        .filter(|c| notices_of(i, c).contains(&(me, mentions)))
        .filter(|c| !unread_only(r) || !read_set.contains(&c.id))
        .collect();
    notices.sort_by_key(|c| std::cmp::Reverse((c.published, c.id)));
    let views: Vec<Value> = page_of(r, &notices)
        .into_iter()
        .map(|c| {
            let mut view = shapes::comment_view(i, api, c, Some(me));
            let notice = json!({
                "id": c.id, "recipient_id": me, "comment_id": c.id,
                "read": read_set.contains(&c.id), "published": time(c.published),
            });
            let key = if mentions {
                "person_mention"
            } else {
                "comment_reply"
            };
            view[key] = notice;
            view["recipient"] = shapes::person(i, api, i.person(me));
            view
        })
        .collect();
    let list = if mentions { "mentions" } else { "replies" };
    json_response(200, &json!({ list: views }))
}

fn message_view(i: &Instance, api: Api, m: &super::world::PrivateMessage) -> Value {
    json!({
        "private_message": {
            "id": m.id, "creator_id": m.creator, "recipient_id": m.recipient,
            "content": m.content, "deleted": false, "read": m.read,
            "published": time(m.published), "local": true,
            "ap_id": format!("https://{}/private_message/{}", i.host, m.id),
        },
        "creator": shapes::person(i, api, i.person(m.creator)),
        "recipient": shapes::person(i, api, i.person(m.recipient)),
    })
}

/// `GET /private_message/list`: messages to the caller (and, unless `unread_only`, from
/// them), newest first.
pub fn messages(w: &World, r: &Recorded, viewer: Option<i64>) -> Response {
    let api = w.api;
    let Some(me) = viewer else {
        return error(api, "not_logged_in", None);
    };
    let i = &w.instance;
    let mut list: Vec<&super::world::PrivateMessage> = i
        .messages
        .iter()
        .filter(|m| {
            if unread_only(r) {
                m.recipient == me && !m.read
            } else {
                m.recipient == me || m.creator == me
            }
        })
        .collect();
    list.sort_by_key(|m| std::cmp::Reverse((m.published, m.id)));
    let views: Vec<Value> = page_of(r, &list)
        .into_iter()
        .map(|m| message_view(i, api, m))
        .collect();
    json_response(200, &json!({ "private_messages": views }))
}

/// `POST /comment/mark_as_read`, `/user/mention/mark_as_read`,
/// `/private_message/mark_as_read`: the notice named by `field`, the caller's own only.
pub fn mark_read(w: &mut World, r: &Recorded, viewer: Option<i64>, field: &str) -> Response {
    let api = w.api;
    let Some(me) = viewer else {
        return error(api, "not_logged_in", None);
    };
    let body = r.json();
    let Some(id) = body[field].as_i64() else {
        return error(api, "couldnt_find_object", None);
    };
    let read = body["read"].as_bool().unwrap_or(false);
    let i = &mut w.instance;
    if field == "private_message_id" {
        let Some(m) = i.messages.iter_mut().find(|m| m.id == id) else {
            return error(api, "couldnt_find_object", None);
        };
        if m.recipient != me {
            return error(api, "couldnt_update_private_message", None);
        }
        m.read = read;
        let m = m.clone();
        let view = message_view(i, api, &m);
        return json_response(200, &json!({ "private_message_view": view }));
    }
    let mention = field == "person_mention_id";
    let Some(c) = i.comments.get(&id).cloned() else {
        return error(api, "couldnt_find_object", None);
    };
    if !notices_of(i, &c).contains(&(me, mention)) {
        return error(api, "couldnt_update_comment", None);
    }
    let set = if mention {
        &mut i.mentions_read
    } else {
        &mut i.replies_read
    };
    if read {
        set.insert(id);
    } else {
        set.remove(&id);
    }
    let mut view = shapes::comment_view(i, api, &c, Some(me));
    let key = if mention {
        "person_mention"
    } else {
        "comment_reply"
    };
    view[key] = json!({"id": id, "recipient_id": me, "comment_id": id, "read": read,
                       "published": time(c.published)});
    let answer = if mention {
        "person_mention_view"
    } else {
        "comment_reply_view"
    };
    json_response(200, &json!({ answer: view }))
}
