//! The earlier versions of a post: `GET /posts/{id}/revisions/{n}.json`, one request per
//! revision `n` (2 up to the post's `version`; revision `n` turned version `n - 1` into
//! `n`), the newest few only, within the request budget.
//!
//! Discourse answers with `PostRevisionSerializer` (`app/serializers/
//! post_revision_serializer.rb`, through `PostsController#revisions` in
//! `app/controllers/posts_controller.rb`): no earlier text as such, but `body_changes`
//! whose `side_by_side_markdown` (`lib/discourse_diff.rb`) is a table of the raw
//! markdown, HTML-escaped, one row per line: the `--previous` cell of each row holds the
//! earlier text of that line (removed words in `<del>`), the `--current` cell the newer.
//! The earlier text is the `--previous` cells, in order, tags taken out and unescaped.
//! `created_at` is when the revision was made and `username` who made it.

use super::transport::{As, Transport};
use crate::model::Revision;
use crate::remote::RemoteError;
use serde::Deserialize;

/// At most this many earlier versions are fetched (the newest): each costs a request of
/// the forum's budget.
pub const MAX_REVISIONS: u64 = 5;

#[derive(Debug, Deserialize)]
struct WireRevision {
    #[serde(default)]
    created_at: Option<jiff::Timestamp>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    body_changes: Option<BodyChanges>,
}

#[derive(Debug, Deserialize)]
struct BodyChanges {
    #[serde(default)]
    side_by_side_markdown: Option<String>,
}

/// The earlier versions of post `id` (at `version` now), oldest first.
pub async fn fetch(
    transport: &mut Transport,
    id: u64,
    version: u64,
) -> Result<Vec<Revision>, RemoteError> {
    let first = version.saturating_sub(MAX_REVISIONS).max(1) + 1;
    let mut revisions = Vec::new();
    for number in first..=version {
        let path = format!("/posts/{id}/revisions/{number}.json");
        let wire: WireRevision = match transport
            .get(&path, &[], As::Account, "a post's revision")
            .await
        {
            Ok(wire) => wire,
            // A revision hidden by staff, or gone: the others still show.
            Err(RemoteError::Status {
                status: 403 | 404, ..
            }) => continue,
            Err(e) => return Err(e),
        };
        let Some(table) = wire.body_changes.and_then(|b| b.side_by_side_markdown) else {
            continue;
        };
        revisions.push(Revision {
            version: number - 1,
            text: previous_text(&table),
            replaced_at: wire.created_at,
            replaced_by: wire.username,
        });
    }
    Ok(revisions)
}

/// The text of the `--previous` cells of a `side_by_side_markdown` table.
pub fn previous_text(table: &str) -> String {
    let mut text = String::new();
    let mut rest = table;
    while let Some(start) = rest.find("<td") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let inner = &after[open_end + 1..];
        let close = inner.find("</td>").unwrap_or(inner.len());
        if tag.contains("--previous") {
            text.push_str(&unescape(&strip_tags(&inner[..close])));
        }
        rest = &inner[close..];
    }
    text
}

/// Takes out the `<del>`/`</del>` (and any other) tags: the escaped text has no `<` of
/// its own.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Undoes Ruby's `CGI.escapeHTML` (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;`).
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earlier_text_is_the_previous_cells_unescaped() {
        let table = concat!(
            "<table class=\"markdown\">",
            "<tr><td class=\"--previous\">Same first line\n</td><td class=\"--current\">Same first line\n</td></tr>",
            "<tr><td class=\"--previous\">a <del>typo</del> &amp; &lt;b&gt;</td><td class=\"--current\">a <ins>fix</ins> &amp; &lt;b&gt;</td></tr>",
            "<tr><td class=\"--previous diff-del\">gone line</td><td class=\"--current\"></td></tr>",
            "<tr><td class=\"--previous\"></td><td class=\"--current diff-ins\">new line</td></tr>",
            "</table>"
        );
        assert_eq!(
            previous_text(table),
            "Same first line\na typo & <b>gone line"
        );
    }
}
