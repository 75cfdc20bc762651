//! The facts shown after a post's author, the same in the reader and on the command line.

use crate::model::{Post, Reactions};
use crate::text::sanitize::clean_line;
use std::fmt::Write as _;

/// ` · #3 · 2026-03-01 15:22 CET · edited · 12 points · 2 likes · answers Connie Williams (#2)`:
/// the post's number, its date (unless the forum is undated: the demo's posts only have
/// an order), "edited", its score where the server counts votes, its likes where it counts
/// them, and the post it answers
/// (not named when it is the opening post).
pub fn post_facts(post: &Post, parent: Option<&Post>, undated: bool) -> String {
    post_facts_with(post, parent, undated, post.reactions, false)
}

/// [`post_facts`] with the likes as they will be once our queued like or unlike is sent
/// (`pending` while it is in the outbox).
pub fn post_facts_with(
    post: &Post,
    parent: Option<&Post>,
    undated: bool,
    reactions: Reactions,
    pending: bool,
) -> String {
    let mut facts = format!(" · #{}", post.seq);
    if !undated {
        let _ = write!(facts, " · {}", time_label(post.created_at));
    }
    if post.edited_at.is_some() {
        facts.push_str(" · edited");
    }
    if let Some(score) = post.score.filter(|_| !post.deleted) {
        let unit = if score.abs() == 1 { "point" } else { "points" };
        let _ = write!(facts, " · {score} {unit}");
    }
    if !post.deleted
        && let Some(likes) = likes_label(reactions, pending)
    {
        let _ = write!(facts, " · {likes}");
    }
    if let Some(answers) = answers_label(parent) {
        let _ = write!(facts, " · {answers}");
    }
    facts
}

/// `3 likes`, `1 like, yours`, `2 likes, yours (sending…)` while our like or unlike is
/// still in the outbox; `None` for a post nobody liked.
pub fn likes_label(reactions: Reactions, pending: bool) -> Option<String> {
    if reactions.likes == 0 && !pending {
        return None;
    }
    let unit = if reactions.likes == 1 {
        "like"
    } else {
        "likes"
    };
    let mut label = format!("{} {unit}", reactions.likes);
    if reactions.liked {
        label.push_str(", yours");
    }
    if pending {
        label.push_str(" (sending…)");
    }
    Some(label)
}

/// What stands in a deleted post's place: `[deleted]`, or `[removed by a moderator]`.
pub fn tombstone_label(post: &Post) -> &'static str {
    if post.removed {
        "[removed by a moderator]"
    } else {
        "[deleted]"
    }
}

/// `answers Connie Williams (#2)`, or `None` for the opening post or no parent.
pub fn answers_label(parent: Option<&Post>) -> Option<String> {
    parent
        .filter(|p| p.seq != 1)
        .map(|p| format!("answers {} (#{})", clean_line(&p.author.name), p.seq))
}

/// A post time as shown: local time, to the minute, with the zone's name.
pub fn time_label(t: jiff::Timestamp) -> String {
    crate::text::clock::date_time(t)
}
