//! The stand-in Discourse's post revisions: every edit through `PUT /posts/{id}` is kept
//! as a `PostRevision` (`number` the post's new version, `modifications["raw"]` = [before,
//! after]), served by `GET /posts/{id}/revisions/{n}.json` as
//! `app/controllers/posts_controller.rb#revisions` does: 404 for a revision that does not
//! exist (`find_post_revision_from_params`), else `PostRevisionSerializer`
//! (`app/serializers/post_revision_serializer.rb`) with `created_at`, `post_id`,
//! `current_revision`, `previous_revision`, `username` and `body_changes`, whose
//! `side_by_side_markdown` is `DiscourseDiff#side_by_side_markdown` (`lib/discourse_diff.rb`):
//! a table of the HTML-escaped raw, one row per line, the `--previous` cell holding the
//! earlier line (words taken out in `<del>`), the `--current` cell the newer (`<ins>`).

use super::discourse_standin::{Recorded, World, json_response, not_found};
use axum::response::Response;
use jiff::Timestamp;
use serde_json::json;
use std::fmt::Write as _;

/// One kept edit of a post.
#[derive(Clone, Debug)]
pub struct Revision {
    pub post_id: u64,
    /// The post's version this edit made (2 for the first edit).
    pub number: u64,
    pub before: String,
    pub after: String,
    pub username: String,
    pub created_at: Timestamp,
}

/// `/posts/{id}/revisions/{n}(.json)` when `r` asks for one.
pub fn route(w: &World, r: &Recorded, segments: &[&str]) -> Option<Response> {
    if r.method != axum::http::Method::GET {
        return None;
    }
    let ["posts", id, "revisions", file] = segments else {
        return None;
    };
    let id: u64 = id.parse().ok()?;
    let number: u64 = file.strip_suffix(".json").unwrap_or(file).parse().ok()?;
    Some(revision(w, id, number))
}

fn revision(w: &World, id: u64, number: u64) -> Response {
    let Some(found) = w
        .revisions
        .iter()
        .find(|rev| rev.post_id == id && rev.number == number)
    else {
        return not_found();
    };
    let previous = w
        .revisions
        .iter()
        .filter(|rev| rev.post_id == id && rev.number < number)
        .map(|rev| rev.number)
        .max();
    json_response(
        200,
        &json!({
            "created_at": found.created_at.to_string(),
            "post_id": id,
            "previous_hidden": false,
            "current_hidden": false,
            "first_revision": 2,
            "previous_revision": previous,
            "current_revision": number,
            "current_version": number,
            "username": found.username.to_lowercase(),
            "display_username": found.username,
            "edit_reason": null,
            "body_changes": {
                "inline": "<div class=\"inline-diff\"></div>",
                "side_by_side": "<div class=\"revision-content --previous\"></div><div class=\"revision-content --current\"></div>",
                "side_by_side_markdown": side_by_side_markdown(&found.before, &found.after),
            },
        }),
    )
}

/// Ruby's `CGI.escapeHTML`.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// `DiscourseDiff#side_by_side_markdown`: lines (with their line ends, as
/// `tokenize_line` keeps them) diffed; a deleted line followed by an added one is one row
/// (the stand-in marks the whole lines, a word diff Discourse may refine).
fn side_by_side_markdown(before: &str, after: &str) -> String {
    use similar::ChangeTag;
    let diff = similar::TextDiff::from_lines(before, after);
    let changes: Vec<(ChangeTag, String)> = diff
        .iter_all_changes()
        .map(|c| (c.tag(), escape(c.value())))
        .collect();
    let mut table = String::from("<table class=\"markdown\">");
    let mut i = 0;
    while i < changes.len() {
        let (tag, line) = &changes[i];
        table.push_str("<tr>");
        match tag {
            ChangeTag::Equal => {
                let _ = write!(
                    table,
                    "<td class=\"--previous\">{line}</td><td class=\"--current\">{line}</td>"
                );
            }
            ChangeTag::Delete
                if changes
                    .get(i + 1)
                    .is_some_and(|(t, _)| *t == ChangeTag::Insert) =>
            {
                let added = &changes[i + 1].1;
                let _ = write!(
                    table,
                    "<td class=\"--previous\"><del>{line}</del></td><td class=\"--current\"><ins>{added}</ins></td>"
                );
                i += 1;
            }
            ChangeTag::Delete => {
                let _ = write!(
                    table,
                    "<td class=\"--previous diff-del\">{line}</td><td class=\"--current\"></td>"
                );
            }
            ChangeTag::Insert => {
                let _ = write!(
                    table,
                    "<td class=\"--previous\"></td><td class=\"--current diff-ins\">{line}</td>"
                );
            }
        }
        table.push_str("</tr>");
        i += 1;
    }
    table.push_str("</table>");
    table
}
