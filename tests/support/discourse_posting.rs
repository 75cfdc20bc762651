//! The stand-in Discourse's `POST /posts.json` (`posts_controller.rb#create` through
//! `lib/new_post_manager.rb`): read-only refusal, who may post where, validations, the
//! "too similar" refusal, tags a category requires, the moderation queue, and the fast
//! typer rule that queues a new member's first post and silences the account.

use super::discourse_forum::{Post, User};
use super::discourse_standin::{
    Caller, Pending, Recorded, World, error, invalid_access, json_response, not_found,
};
use axum::response::Response;
use jiff::Timestamp;
use serde_json::{Value, json};

pub fn create_post(w: &mut World, who: &Caller, r: &Recorded) -> Response {
    if w.read_only {
        // `block_if_readonly_mode` raises `Discourse::ReadOnly`: 503, and (an error
        // answer) no `Discourse-Readonly` header.
        return error(
            503,
            "read_only",
            "The site is in read only mode. Interactions are disabled.",
        );
    }
    let Some(user) = who.username().and_then(|u| w.forum.user_named(u).cloned()) else {
        return error(403, "not_logged_in", "You need to be logged in to do that.");
    };
    if user.silenced {
        // A silenced user may not post (`Guardian#can_create_post?`).
        return invalid_access();
    }
    let Ok(body) = serde_json::from_str::<Value>(&r.body) else {
        return error(
            400,
            "invalid_parameters",
            "param is missing or the value is empty: raw",
        );
    };
    let raw = body["raw"].as_str().unwrap_or_default().to_owned();
    let category = match validate(w, &user, &body, &raw) {
        Ok(category) => category,
        Err(refused) => return *refused,
    };
    // `NewPostManager.is_fast_typer?`: a first post (no posts, no topics) typed faster
    // than `min_first_post_typing_time` by a trust level 0 member is queued and the
    // member silenced (`auto_silence_fast_typers_on_first_post`).
    let first_post = !w
        .forum
        .topics
        .values()
        .any(|t| t.posts.iter().any(|p| p.user_id == user.id));
    let typed = body["typing_duration_msecs"].as_u64().unwrap_or(0);
    let fast_typer = first_post && user.trust_level == 0 && typed < w.min_first_post_typing_time;
    if w.require_approval || fast_typer {
        if fast_typer && let Some(u) = w.forum.users.iter_mut().find(|u| u.id == user.id) {
            u.silenced = true;
        }
        w.pending.push(Pending {
            username: user.username.clone(),
            raw: raw.clone(),
            topic_id: body["topic_id"].as_u64(),
        });
        return json_response(
            200,
            &json!({"action": "enqueued", "pending_post": {"id": 77, "raw": raw}, "pending_count": w.pending.len()}),
        );
    }
    store(w, &user, &body, raw, category)
}

/// What Discourse checks before taking a post: its length, a repeat of a recent one
/// (`lib/validators/post_validator.rb#unique_post_validator`, `unique_posts_mins`), a
/// closed topic, the category's `permission` for the user (2 reply only, 3 read only)
/// and its `minimum_required_tags`. The post's category, or the refusal.
fn validate(w: &World, user: &User, body: &Value, raw: &str) -> Result<u64, Box<Response>> {
    if raw.trim().chars().count() < w.min_post_length {
        return Err(Box::new(error(
            422,
            "invalid_parameters",
            &format!(
                "Body is too short (minimum is {} characters)",
                w.min_post_length
            ),
        )));
    }
    let since = Timestamp::now() - jiff::SignedDuration::try_from(w.unique_posts).unwrap();
    let repeated = w.forum.topics.values().any(|t| {
        t.visible()
            .any(|p| p.user_id == user.id && p.created_at >= since && p.raw.trim() == raw.trim())
    });
    if repeated {
        return Err(Box::new(error(
            422,
            "invalid_parameters",
            "Body is too similar to what you recently posted",
        )));
    }
    let category = match (body["topic_id"].as_u64(), body["category"].as_u64()) {
        (Some(id), _) => match w.forum.topics.get(&id) {
            Some(t) if t.closed || t.archived => return Err(Box::new(invalid_access())),
            Some(t) => t.category_id,
            None => return Err(Box::new(not_found())),
        },
        (None, Some(category)) => category,
        (None, None) => {
            return Err(Box::new(error(
                422,
                "invalid_parameters",
                "Title can't be blank",
            )));
        }
    };
    let permission = w
        .forum
        .category(category)
        .and_then(|c| c["permission"].as_u64())
        .unwrap_or(1);
    let new_topic = body["topic_id"].is_null();
    if permission == 3 || (permission == 2 && new_topic) {
        return Err(Box::new(invalid_access()));
    }
    if new_topic {
        let required = w
            .forum
            .category(category)
            .and_then(|c| c["minimum_required_tags"].as_u64())
            .unwrap_or(0);
        let tags = body["tags"].as_array().map_or(0, Vec::len);
        if u64::try_from(tags).unwrap() < required {
            return Err(Box::new(error(
                422,
                "invalid_parameters",
                &format!("You must select at least {required} tags."),
            )));
        }
    }
    Ok(category)
}

/// Stores the post (and its topic, for a new one) and answers with it.
fn store(w: &mut World, user: &User, body: &Value, raw: String, category: u64) -> Response {
    let now = Timestamp::now();
    let topic_id = match (body["topic_id"].as_u64(), body["title"].as_str()) {
        (Some(id), _) => id,
        (None, Some(title)) => {
            w.forum.next_topic_id += 1;
            let id = w.forum.next_topic_id;
            let t = w.forum.add_topic(id, category, title, now, 0);
            t.posts.clear();
            id
        }
        (None, None) => return error(422, "invalid_parameters", "Title can't be blank"),
    };
    w.forum.next_post_id += 1;
    let id = w.forum.next_post_id;
    let topic = w.forum.topics.get_mut(&topic_id).unwrap();
    let post = Post {
        id,
        number: topic.highest_post_number() + 1,
        user_id: user.id,
        raw,
        created_at: now,
        updated_at: now,
        reply_to_post_number: body["reply_to_post_number"].as_u64(),
        version: 1,
        removed: false,
        hidden: false,
        whisper: false,
        cooked: None,
        action_code: None,
        poll: None,
        likes: Vec::new(),
        user_deleted: false,
    };
    topic.posts.push(post.clone());
    topic.bumped_at = now;
    let topic = w.forum.topics[&topic_id].clone();
    let viewer = super::discourse_forum::Viewer {
        user_id: Some(user.id),
        staff: user.staff(),
    };
    let mut answer = w.forum.post_json(&topic, &post, false, viewer);
    answer["draft_sequence"] = json!(0);
    json_response(200, &answer)
}
