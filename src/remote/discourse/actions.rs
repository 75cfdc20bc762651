//! Post bodies Discourse leaves to its web client: small actions ("closed the topic")
//! carry only an `action_code`, and polls carry their options in `cooked` but their votes
//! in the post's `polls` field. Both become plain HTML the renderer shows as text.

use super::wire::{self, Poll, WirePost};
use std::fmt::Write as _;

/// `cooked`, or for a small action without text, the action in words; polls get their
/// results in place of the markup the web client would fill in.
pub fn cooked_or_action(post: &WirePost) -> String {
    let cooked = post.cooked.clone().unwrap_or_default();
    if !cooked.trim().is_empty() || post.post_type != Some(wire::POST_TYPE_SMALL_ACTION) {
        return match post.polls.as_deref() {
            Some(polls) if !polls.is_empty() => with_poll_results(&cooked, polls),
            _ => cooked,
        };
    }
    let action = post.action_code.as_deref().unwrap_or_default();
    format!("<p><em>{}</em></p>", escape_html(&action_words(action)))
}

/// An action code as the forum says it (`app/models/topic_status_updater.rb` writes
/// `closed.enabled` and the like; the web client words them).
pub fn action_words(code: &str) -> String {
    let words = match code {
        "closed.enabled" => "closed the topic",
        "closed.disabled" => "opened the topic",
        "autoclosed.enabled" => "the topic closed automatically",
        "autoclosed.disabled" => "the topic opened automatically",
        "archived.enabled" => "archived the topic",
        "archived.disabled" => "unarchived the topic",
        "pinned.enabled" => "pinned the topic",
        "pinned.disabled" | "pinned_globally.disabled" => "unpinned the topic",
        "pinned_globally.enabled" => "pinned the topic globally",
        "banner.enabled" => "made the topic a banner",
        "banner.disabled" => "removed the banner",
        "visible.enabled" => "listed the topic",
        "visible.disabled" => "unlisted the topic",
        "split_topic" => "split this topic",
        "autobumped" => "bumped the topic automatically",
        "invited_user" => "invited a member",
        "invited_group" => "invited a group",
        "removed_user" => "removed a member",
        "removed_group" => "removed a group",
        "user_left" => "left the conversation",
        "public_topic" => "made this a public topic",
        "open_topic" => "turned this into a topic",
        "private_topic" => "made this a personal message",
        "forwarded" => "forwarded an email",
        "category_changed" => "moved the topic to another category",
        "tags_changed" => "changed the tags",
        "" => "changed the topic",
        other => return other.replace(['.', '_'], " "),
    };
    words.to_owned()
}

/// Replaces each `<div class="poll" data-poll-name="…">…</div>` with the poll's options
/// and votes; polls without markup in `cooked` are added at the end.
fn with_poll_results(cooked: &str, polls: &[Poll]) -> String {
    let mut out = String::with_capacity(cooked.len() + 256);
    let mut rest = cooked;
    let mut shown = vec![false; polls.len()];
    while let Some(start) = find_poll_div(rest) {
        out.push_str(&rest[..start]);
        let block = &rest[start..];
        let end = matching_div_end(block).unwrap_or(block.len());
        let name = attribute(&block[..end], "data-poll-name").unwrap_or("poll");
        match polls
            .iter()
            .position(|p| p.name.as_deref().unwrap_or("poll") == name)
        {
            Some(i) => {
                shown[i] = true;
                out.push_str(&poll_html(&polls[i]));
            }
            None => out.push_str(&block[..end]),
        }
        rest = &block[end..];
    }
    out.push_str(rest);
    for (poll, shown) in polls.iter().zip(shown) {
        if !shown {
            out.push_str(&poll_html(poll));
        }
    }
    out
}

fn find_poll_div(html: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = html[from..].find("<div") {
        let at = from + i;
        let tag_end = html[at..].find('>').map_or(html.len(), |e| at + e);
        let tag = &html[at..tag_end];
        if tag.contains("data-poll-name") || attribute(tag, "class") == Some("poll") {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

/// The end (exclusive) of the `<div>` starting `block`, counting nested divs.
fn matching_div_end(block: &str) -> Option<usize> {
    let mut depth = 0_usize;
    let mut i = 0;
    while i < block.len() {
        let rest = &block[i..];
        if rest.starts_with("<div") {
            depth += 1;
            i += 4;
        } else if rest.starts_with("</div>") {
            depth = depth.saturating_sub(1);
            i += 6;
            if depth == 0 {
                return Some(i);
            }
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    None
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let len = tag[at..].find('"')?;
    Some(&tag[at..at + len])
}

fn poll_html(poll: &Poll) -> String {
    let voters = poll.voters.unwrap_or(0);
    let state = if poll.status.as_deref() == Some("closed") {
        "closed"
    } else {
        "open"
    };
    let mut html = format!(
        "<p><strong>Poll</strong> ({state}, {voters} voter{})</p><ul>",
        if voters == 1 { "" } else { "s" }
    );
    for option in &poll.options {
        let label = option.html.as_deref().unwrap_or_default();
        let tally = match option.votes {
            Some(n) if voters > 0 => format!(
                " — {n} vote{} ({}%)",
                if n == 1 { "" } else { "s" },
                n * 100 / voters.max(1)
            ),
            Some(n) => format!(" — {n} votes"),
            None => String::new(),
        };
        let _ = write!(html, "<li>{label}{}</li>", escape_html(&tally));
    }
    html.push_str("</ul>");
    html
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(json: &serde_json::Value) -> WirePost {
        wire::decode(json.to_string().as_bytes(), "post").unwrap()
    }

    #[test]
    fn small_actions_read_as_words() {
        for (code, words) in [
            ("closed.enabled", "closed the topic"),
            ("pinned.enabled", "pinned the topic"),
            ("visible.disabled", "unlisted the topic"),
            ("split_topic", "split this topic"),
            ("something.new", "something new"),
        ] {
            let p = post(
                &serde_json::json!({"id": 1, "post_type": 3, "cooked": "", "action_code": code}),
            );
            assert_eq!(cooked_or_action(&p), format!("<p><em>{words}</em></p>"));
        }
    }

    #[test]
    fn polls_show_their_votes_in_place() {
        let p = post(&serde_json::json!({
            "id": 1,
            "cooked": "<p>Which day?</p><div class=\"poll\" data-poll-name=\"poll\"><div><ul><li data-poll-option-id=\"a\">Monday</li></ul></div></div><p>Thanks</p>",
            "polls": [{"name": "poll", "status": "open", "voters": 4, "options": [
                {"id": "a", "html": "Monday", "votes": 3}, {"id": "b", "html": "Friday", "votes": 1}
            ]}]
        }));
        let html = cooked_or_action(&p);
        assert!(
            html.starts_with("<p>Which day?</p><p><strong>Poll</strong> (open, 4 voters)"),
            "{html}"
        );
        assert!(html.contains("<li>Monday — 3 votes (75%)</li>"), "{html}");
        assert!(html.ends_with("</ul><p>Thanks</p>"), "{html}");
        assert!(!html.contains("data-poll-option-id"));
    }
}
