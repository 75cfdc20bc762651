//! The stand-in's private messages, as discourse/discourse serves them:
//!
//! - Lists: `app/controllers/list_controller.rb` (`private_messages`,
//!   `private_messages_sent`; `ensure_can_see_private_messages!`: the user themselves or
//!   staff, else `Discourse::InvalidAccess`, 403) through
//!   `lib/topic_query/private_message_lists.rb` — `list_private_messages`: the user's
//!   messages that have posts from others; `list_private_messages_sent`: those the user
//!   posted in; newest activity first, 30 a page (`?page=N`, 0-based, and
//!   `more_topics_url` while pages are full). Items carry `archetype: "private_message"` and no
//!   category. Messages never show in `/latest` (`TopicQuery#default_results` lists
//!   regular topics only).
//! - Reading: `/t/{id}.json` of a message is for its participants only
//!   (`Guardian#can_see_topic?` → `Discourse::InvalidAccess`, 403), and so is replying.
//! - Sending: `POST /posts.json` with `archetype=private_message`, `title` and
//!   `target_recipients` (comma separated; `app/controllers/posts_controller.rb`
//!   `create_params`), through `lib/post_creator.rb` and `lib/topic_creator.rb`
//!   (`add_users`: every name must be a user, else the topic is rolled back with
//!   `target_user_not_found`; `check_can_send_permission!`: a user whose
//!   `allow_private_messages` is off rolls it back with `not_accepting_pms`); a refusal
//!   is `NewPostResultSerializer` through `backwards_compatible_json`: 422 with
//!   `{action, errors, success: false}`, the messages of `config/locales/server.en.yml`.
//!   `app/models/topic.rb` `limit_private_messages_per_day`
//!   (`max_personal_messages_per_day`, 20) raises `RateLimiter::LimitExceeded`, answered
//!   by `application_controller.rb` as every limit: 429, `Retry-After`, `{errors,
//!   error_type: "rate_limit", extras: {wait_seconds, time_left}}` — and no
//!   `Discourse-Rate-Limit-Error-Code` (a model's limiter names no code), so only this
//!   action waits. Each recipient gets a notification of type 6 (`private_message`).
#![allow(clippy::unwrap_used)]

use super::discourse_forum::{Viewer, time_json};
use super::discourse_limits::{Exceeded, Limiter, retry_after_seconds};
use super::discourse_standin::{
    Caller, Recorded, World, error, invalid_access, json_response, not_found,
};
use axum::http::Method;
use axum::response::Response;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Private messages: topic id → the ids of the users allowed in it.
#[derive(Clone, Debug, Default)]
pub struct Messages {
    pub allowed: std::collections::HashMap<u64, Vec<i64>>,
    /// Users whose `allow_private_messages` is off.
    pub refusing: Vec<String>,
    /// `max_personal_messages_per_day` per user, over a window tests may shorten.
    pub per_day: Option<(usize, Duration)>,
    limiters: std::collections::HashMap<String, Limiter>,
}

impl Messages {
    pub fn is_message(&self, topic: u64) -> bool {
        self.allowed.contains_key(&topic)
    }

    fn may_read(&self, topic: u64, viewer: Viewer) -> bool {
        viewer.staff
            || viewer
                .user_id
                .is_some_and(|u| self.allowed.get(&topic).is_some_and(|a| a.contains(&u)))
    }
}

impl World {
    /// A message from `from` to `to` (user names) with its first post; its topic id.
    pub fn add_message(&mut self, from: &str, to: &[&str], title: &str, raw: &str) -> u64 {
        let from_id = self.forum.user_named(from).unwrap().id;
        let mut allowed = vec![from_id];
        allowed.extend(to.iter().map(|n| self.forum.user_named(n).unwrap().id));
        self.forum.next_topic_id += 1;
        let id = self.forum.next_topic_id;
        let topic = self.forum.add_topic(id, 0, title, Timestamp::now(), 0);
        topic.posts[0].user_id = from_id;
        raw.clone_into(&mut topic.posts[0].raw);
        self.messages.allowed.insert(id, allowed);
        for name in to {
            self.notify(name, 6, id, 1, from);
        }
        id
    }

    /// `username` answers message `topic`.
    pub fn answer_message(&mut self, topic: u64, username: &str, raw: &str) {
        let user = self.forum.user_named(username).unwrap().id;
        self.forum.next_post_id += 1;
        let id = self.forum.next_post_id;
        let t = self.forum.topics.get_mut(&topic).unwrap();
        let mut post = t.posts[0].clone();
        post.id = id;
        post.number = t.highest_post_number() + 1;
        post.user_id = user;
        raw.clone_into(&mut post.raw);
        post.created_at = Timestamp::now();
        post.updated_at = post.created_at;
        t.posts.push(post);
        t.bumped_at = Timestamp::now();
    }
}

/// The routes of private messages, when `r` is one of them.
pub fn route(w: &mut World, who: &Caller, r: &Recorded, segments: &[&str]) -> Option<Response> {
    let viewer = viewer(w, who);
    match (&r.method, segments) {
        (&Method::GET, ["topics", list, file])
            if *list == "private-messages" || *list == "private-messages-sent" =>
        {
            let username = file.strip_suffix(".json")?;
            let page = r
                .query_values("page")
                .first()
                .and_then(|p| p.parse::<usize>().ok())
                .unwrap_or(0);
            Some(list_messages(
                w,
                viewer,
                Listed {
                    username,
                    list,
                    page,
                },
            ))
        }
        (&Method::GET, ["t", file]) => {
            let id: u64 = file.strip_suffix(".json")?.parse().ok()?;
            if !w.messages.is_message(id) {
                return None;
            }
            if !w.messages.may_read(id, viewer) {
                return Some(invalid_access());
            }
            let t = w.forum.topics.get(&id)?;
            let mut topic = w
                .forum
                .topic_json(t, viewer, w.topic_levels.get(&id).copied());
            topic["archetype"] = json!("private_message");
            topic["category_id"] = Value::Null;
            Some(json_response(200, &topic))
        }
        (&Method::GET, ["t", id, ..]) => {
            let id: u64 = id.parse().ok()?;
            (w.messages.is_message(id) && !w.messages.may_read(id, viewer)).then(invalid_access)
        }
        // `users_controller.rb#search_users` through `UserSearch`: names starting with the
        // term (case aside), at most 6 by default, `{users: [{username, name,
        // avatar_template}]}`.
        (&Method::GET, ["u", "search", "users.json"]) => {
            let term = r.query_values("term").first().cloned().unwrap_or_default();
            let term = term.trim().to_lowercase();
            let users: Vec<Value> = w
                .forum
                .users
                .iter()
                .filter(|u| !term.is_empty() && u.username.to_lowercase().starts_with(&term))
                .take(6)
                .map(|u| json!({"username": u.username, "name": u.name, "avatar_template": "/a/{size}.png"}))
                .collect();
            Some(json_response(200, &json!({ "users": users })))
        }
        (&Method::POST, ["posts.json"]) => {
            let body: Value = serde_json::from_str(&r.body).ok()?;
            if let Some(topic) = body["topic_id"].as_u64() {
                return (w.messages.is_message(topic) && !w.messages.may_read(topic, viewer))
                    .then(invalid_access);
            }
            (body["archetype"] == "private_message").then(|| create(w, who, &body))
        }
        _ => None,
    }
}

fn viewer(w: &World, who: &Caller) -> Viewer {
    let user = who.username().and_then(|u| w.forum.user_named(u));
    Viewer {
        user_id: user.map(|u| u.id),
        staff: user.is_some_and(super::discourse_forum::User::staff),
    }
}

/// Which list is asked for: `list` of `username`, page `page` (0-based).
#[derive(Clone, Copy)]
struct Listed<'a> {
    username: &'a str,
    list: &'a str,
    page: usize,
}

/// `TopicQuery#per_page_setting` (`DEFAULT_PER_PAGE_COUNT`).
const PER_PAGE: usize = 30;

/// One page of a list: `private_messages_default_scope` skips `page * per_page` topics
/// (0-based `?page=`) and takes `per_page`; `ListController.generate_message_route` sets
/// `more_topics_url` (`construct_url_with(:next, …, "topics")`: the list's path without
/// `.json`, `?page=` the next), which `TopicListSerializer#include_more_topics_url?`
/// sends only for a full page.
fn list_messages(w: &World, viewer: Viewer, listed: Listed<'_>) -> Response {
    let Listed {
        username,
        list,
        page,
    } = listed;
    let sent = list == "private-messages-sent";
    let Some(me) = viewer.user_id else {
        return error(403, "not_logged_in", "You need to be logged in to do that.");
    };
    let Some(target) = w.forum.user_named(username) else {
        return not_found();
    };
    if target.id != me && !viewer.staff {
        return invalid_access();
    }
    let target = target.id;
    let mut topics: Vec<_> = w
        .forum
        .topics
        .values()
        .filter(|t| {
            w.messages
                .allowed
                .get(&t.id)
                .is_some_and(|a| a.contains(&target))
        })
        .filter(|t| {
            if sent {
                t.visible().any(|p| p.user_id == target)
            } else {
                t.visible().any(|p| p.user_id != target)
            }
        })
        .collect();
    topics.sort_by_key(|t| std::cmp::Reverse(t.bumped_at));
    let items: Vec<Value> = topics
        .iter()
        .skip(page * PER_PAGE)
        .take(PER_PAGE)
        .map(|t| {
            let mut item = w
                .forum
                .topic_list_item(t, viewer, w.topic_levels.get(&t.id).copied());
            item["archetype"] = json!("private_message");
            item["category_id"] = Value::Null;
            item
        })
        .collect();
    let users: Vec<Value> = w
        .forum
        .users
        .iter()
        .map(|u| json!({"id": u.id, "username": u.username, "name": u.name, "avatar_template": "/a/{size}.png"}))
        .collect();
    let full = items.len() == PER_PAGE;
    let mut topic_list = json!({
        "can_create_topic": true, "draft": null, "draft_key": "new_topic",
        "draft_sequence": 0, "per_page": PER_PAGE, "topics": items
    });
    if full {
        topic_list["more_topics_url"] =
            json!(format!("/topics/{list}/{username}?page={}", page + 1));
    }
    json_response(
        200,
        &json!({"users": users, "primary_groups": [], "topic_list": topic_list}),
    )
}

/// `NewPostResultSerializer` of a refused post, through `backwards_compatible_json`.
fn refused(message: &str) -> Response {
    json_response(
        422,
        &json!({"action": "create_post", "errors": [message], "success": false}),
    )
}

fn limited(e: &Exceeded) -> Response {
    let seconds = retry_after_seconds(e.wait);
    let mut response = json_response(
        429,
        &json!({
            "errors": [format!("You’ve performed this action too many times. Please wait {seconds} seconds before trying again.")],
            "error_type": "rate_limit",
            "extras": {"wait_seconds": seconds, "time_left": format!("{seconds} seconds")}
        }),
    );
    response
        .headers_mut()
        .insert("retry-after", seconds.to_string().parse().unwrap());
    response
}

fn create(w: &mut World, who: &Caller, body: &Value) -> Response {
    let Some(user) = who.username().and_then(|u| w.forum.user_named(u).cloned()) else {
        return error(403, "not_logged_in", "You need to be logged in to do that.");
    };
    let raw = body["raw"].as_str().unwrap_or_default().to_owned();
    let title = body["title"].as_str().unwrap_or_default().to_owned();
    if title.trim().is_empty() {
        return refused("Title can't be blank");
    }
    let names: Vec<String> = body["target_recipients"]
        .as_str()
        .or_else(|| body["target_usernames"].as_str())
        .unwrap_or_default()
        .split(',')
        .map(|n| n.trim().to_lowercase())
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() {
        return refused("Sorry, you can't send a message to no one.");
    }
    let mut recipients = Vec::new();
    for name in &names {
        let Some(u) = w
            .forum
            .users
            .iter()
            .find(|u| u.username.to_lowercase() == *name)
        else {
            return refused("One of the users you are sending this message to could not be found.");
        };
        if w.messages
            .refusing
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&u.username))
        {
            return refused(&format!(
                "Sorry, {} is not accepting messages at the moment.",
                u.username
            ));
        }
        recipients.push(u.username.clone());
    }
    if let Some((max, per)) = w.messages.per_day
        && !user.staff()
    {
        let limiter = w
            .messages
            .limiters
            .entry(user.username.clone())
            .or_insert_with(|| Limiter::new(max, per, ""));
        if let Err(e) = limiter.performed(Instant::now()) {
            return limited(&e);
        }
    }
    let to: Vec<&str> = recipients.iter().map(String::as_str).collect();
    let id = w.add_message(&user.username, &to, &title, &raw);
    let t = w.forum.topics[&id].clone();
    let viewer = Viewer {
        user_id: Some(user.id),
        staff: user.staff(),
    };
    let mut answer = w.forum.post_json(&t, &t.posts[0], false, viewer);
    answer["topic_title"] = json!(title);
    answer["draft_sequence"] = json!(0);
    let _ = time_json;
    json_response(200, &answer)
}
