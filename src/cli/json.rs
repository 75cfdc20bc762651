//! `--json` output: one documented shape per command (README "JSON output", checked against
//! `assets/cli/json-output.schema.json`). Fields are only ever added within a `version`;
//! a change that would break a script bumps it.

use super::thread_text::ThreadView;
use crate::app::reader::echo::echoes_for;
use crate::model::{
    Author, Banner, Forum, OutboxState, Places, Post, ReadState, ThreadSummary, WatchLevel,
    reading_order, saturating_total,
};
use crate::render::Document;
use crate::store::SearchHit;
use crate::text::sanitize::clean_line;
use jiff::Timestamp;
use serde::Serialize;

/// The version every JSON answer carries.
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct TreeJson {
    pub version: u32,
    pub account: String,
    pub title: String,
    pub unread: u32,
    pub sections: Vec<SectionJson>,
    /// Threads whose area is not in the tree (a tree not synced yet).
    pub unplaced_threads: Vec<ThreadJson>,
    /// The saved-search folders of the account (`[[folders]]`), with their counts.
    pub folders: Vec<FolderJson>,
}

/// A saved-search folder in `tree --json`.
#[derive(Debug, Serialize)]
pub struct FolderJson {
    pub name: String,
    pub query: String,
    /// Unread posts its query finds (as `threadmark search "QUERY unread"` lists them).
    pub unread: u32,
    /// The threads holding hits, newest first.
    pub threads: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SectionJson {
    pub id: String,
    pub title: String,
    pub unread: u32,
    pub areas: Vec<AreaJson>,
}

#[derive(Debug, Serialize)]
pub struct AreaJson {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub unread: u32,
    pub threads: Vec<ThreadJson>,
}

#[derive(Debug, Serialize)]
pub struct AuthorJson {
    pub name: String,
    pub badge: Option<String>,
}

impl From<&Author> for AuthorJson {
    fn from(author: &Author) -> Self {
        Self {
            name: author.name.to_string(),
            badge: author.badge.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ThreadJson {
    pub id: String,
    pub area: String,
    pub title: String,
    pub author: AuthorJson,
    pub created_at: Timestamp,
    pub last_post_at: Timestamp,
    pub posts: u32,
    pub unread: u32,
    pub pinned: bool,
    pub locked: bool,
    /// The watch level that applies (`tree --json`): the thread's own, else its area's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watch: Option<WatchLevel>,
}

impl ThreadJson {
    pub fn new(thread: &ThreadSummary, read: &ReadState) -> Self {
        Self {
            id: thread.id.to_string(),
            area: thread.area.to_string(),
            title: thread.title.to_string(),
            author: (&thread.author).into(),
            created_at: thread.created_at,
            last_post_at: thread.last_post_at,
            posts: thread.post_count,
            unread: read.unread_count(&thread.id, thread.last_seq),
            pinned: thread.pinned,
            locked: thread.locked,
            watch: None,
        }
    }

    /// With its unread count and watch level; a muted thread counts in no total.
    fn placed(thread: &ThreadSummary, unread: u32, places: &Places) -> Self {
        Self {
            id: thread.id.to_string(),
            area: thread.area.to_string(),
            title: thread.title.to_string(),
            author: (&thread.author).into(),
            created_at: thread.created_at,
            last_post_at: thread.last_post_at,
            posts: thread.post_count,
            unread,
            pinned: thread.pinned,
            locked: thread.locked,
            watch: Some(places.thread_level(&thread.id, &thread.area)),
        }
    }

    fn counted(&self) -> u32 {
        if self.watch == Some(WatchLevel::Muted) {
            0
        } else {
            self.unread
        }
    }
}

/// `threadmark tree --json`; `unread` gives each thread's unread posts (what the rules
/// leave in).
pub fn tree(
    account: &str,
    forum: &Forum,
    threads: &[ThreadSummary],
    unread: super::reading::UnreadOf<'_>,
    places: &Places,
) -> TreeJson {
    let thread_json = |t: &ThreadSummary| ThreadJson::placed(t, unread(t), places);
    let area_threads = |area: &crate::model::AreaId| -> Vec<ThreadJson> {
        threads
            .iter()
            .filter(|t| &t.area == area)
            .map(thread_json)
            .collect()
    };
    let sections: Vec<SectionJson> = forum
        .sections
        .iter()
        .map(|section| {
            let areas: Vec<AreaJson> = section
                .areas
                .iter()
                .map(|area| {
                    let threads = area_threads(&area.id);
                    AreaJson {
                        id: area.id.to_string(),
                        title: area.title.clone(),
                        description: area.description.clone(),
                        unread: saturating_total(threads.iter().map(ThreadJson::counted)),
                        threads,
                    }
                })
                .collect();
            SectionJson {
                id: section.id.to_string(),
                title: section.title.clone(),
                unread: saturating_total(areas.iter().map(|a| a.unread)),
                areas,
            }
        })
        .collect();
    TreeJson {
        version: VERSION,
        account: account.to_owned(),
        title: forum.title.clone(),
        unread: saturating_total(
            threads
                .iter()
                .filter(|t| places.thread_level(&t.id, &t.area) != WatchLevel::Muted)
                .map(unread),
        ),
        sections,
        unplaced_threads: threads
            .iter()
            .filter(|t| forum.area(&t.area).is_none())
            .map(thread_json)
            .collect(),
        folders: Vec::new(),
    }
}

#[derive(Debug, Serialize)]
pub struct ReadJson {
    pub version: u32,
    pub account: String,
    pub thread: ThreadJson,
    /// The titles of the section and area holding the thread, when the tree has them.
    pub section_title: Option<String>,
    pub area_title: Option<String>,
    /// In reading order: each post after the one it answers.
    pub posts: Vec<PostJson>,
    /// Your replies to this thread still in the outbox.
    pub pending: Vec<PendingJson>,
}

#[derive(Debug, Serialize)]
pub struct PostJson {
    pub id: String,
    pub seq: u32,
    pub reply_to: Option<String>,
    /// Nesting level in reading order (0: the opening post and replies to the thread).
    pub depth: usize,
    pub author: AuthorJson,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    pub deleted: bool,
    pub unread: bool,
    /// Likes, where the server counts them (0 otherwise).
    pub likes: u32,
    /// The account liked it.
    pub liked: bool,
    /// The body as the server sent it (`markdown` or `html`).
    pub format: &'static str,
    pub body: String,
    /// The body as plain text, as `threadmark read` shows it (unwrapped).
    pub text: String,
    pub links: Vec<LinkJson>,
}

#[derive(Debug, Serialize)]
pub struct LinkJson {
    pub number: usize,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct PendingJson {
    pub key: String,
    /// As in `threadmark outbox --json`: `queued`, `in_flight`, `unknown`, `held`, `failed`,
    /// `sent`, `awaiting_approval`.
    pub state: &'static str,
    pub reply_to: Option<String>,
    pub body: String,
    pub created_at: Timestamp,
    /// The server's last word on it (why it failed or is held).
    pub message: Option<String>,
}

impl PostJson {
    pub fn new(post: &Post, depth: usize, unread: bool) -> Self {
        let doc = Document::from_body(&post.body);
        Self {
            id: post.id.to_string(),
            seq: post.seq,
            reply_to: post.reply_to.as_ref().map(ToString::to_string),
            depth,
            author: (&post.author).into(),
            created_at: post.created_at,
            edited_at: post.edited_at,
            deleted: post.deleted,
            unread,
            likes: post.reactions.likes,
            liked: post.reactions.liked,
            format: match post.body.format {
                crate::model::BodyFormat::Markdown => "markdown",
                crate::model::BodyFormat::Html => "html",
            },
            body: if post.deleted {
                String::new()
            } else {
                post.body.text.clone()
            },
            text: if post.deleted {
                String::new()
            } else {
                unwrapped_text(&doc)
            },
            links: doc
                .links()
                .iter()
                .map(|l| LinkJson {
                    number: l.number,
                    url: l.url.clone(),
                })
                .collect(),
        }
    }
}

/// `threadmark read --json`.
pub fn thread(account: &str, view: &ThreadView<'_>) -> ReadJson {
    let file = view.file;
    let thread = &file.summary;
    let place = view.forum.area(&thread.area);
    let read = view.read.thread(&thread.id);
    ReadJson {
        version: VERSION,
        account: account.to_owned(),
        thread: ThreadJson::new(thread, view.read),
        section_title: place.map(|(s, _)| s.title.clone()),
        area_title: place.map(|(_, a)| a.title.clone()),
        posts: reading_order(&file.posts)
            .iter()
            .map(|placed| {
                let post = &file.posts[placed.index];
                let unread = !post.deleted && read.is_none_or(|r| !r.is_read(post.seq));
                PostJson::new(post, placed.depth, unread)
            })
            .collect(),
        pending: echoes_for(&thread.id, &file.posts, view.outbox)
            .iter()
            .map(|echo| PendingJson {
                key: echo.mark.key.clone(),
                state: state_name(&echo.mark.state),
                reply_to: echo.post.reply_to.as_ref().map(ToString::to_string),
                body: echo.post.body.text.clone(),
                created_at: echo.post.created_at,
                message: echo.mark.message.clone(),
            })
            .collect(),
    }
}

/// An outbox state's name as the outbox files (and `outbox --json`) spell it.
fn state_name(state: &OutboxState) -> &'static str {
    match state {
        OutboxState::Queued => "queued",
        OutboxState::InFlight => "in_flight",
        OutboxState::Unknown => "unknown",
        OutboxState::Held => "held",
        OutboxState::Failed => "failed",
        OutboxState::Sent { .. } => "sent",
        OutboxState::AwaitingApproval => "awaiting_approval",
        OutboxState::Done { .. } => "done",
        OutboxState::Conflict { .. } => "conflict",
    }
}

/// A body as `threadmark read` lays it out (lists, quotes, tables), but not wrapped.
fn unwrapped_text(doc: &Document) -> String {
    let lines: Vec<String> = doc
        .wrap(usize::from(u16::MAX))
        .iter()
        .map(|line| line.plain().trim_end().to_owned())
        .collect();
    lines.join("\n").trim_end().to_owned()
}

#[derive(Debug, Serialize)]
pub struct SearchJson {
    pub version: u32,
    pub account: String,
    pub query: String,
    pub hits: Vec<HitJson>,
}

#[derive(Debug, Serialize)]
pub struct HitJson {
    pub thread: String,
    pub thread_title: String,
    /// The post matched; `null` when the thread's title did.
    pub post: Option<String>,
    pub seq: Option<u32>,
    pub author: AuthorJson,
    pub snippet: String,
}

/// `threadmark search --json`.
pub fn search(account: &str, query: &str, hits: &[SearchHit]) -> SearchJson {
    SearchJson {
        version: VERSION,
        account: account.to_owned(),
        query: query.to_owned(),
        hits: hits
            .iter()
            .map(|h| HitJson {
                thread: h.thread.to_string(),
                thread_title: h.thread_title.clone(),
                post: h.post.as_ref().map(ToString::to_string),
                seq: h.seq,
                author: (&h.author).into(),
                snippet: h.snippet.clone(),
            })
            .collect(),
    }
}

#[derive(Debug, Serialize)]
pub struct BannerJson {
    pub severity: crate::model::Severity,
    pub text: String,
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
}

impl From<&Banner> for BannerJson {
    fn from(banner: &Banner) -> Self {
        Self {
            severity: banner.severity,
            text: banner.text.clone(),
            starts_at: banner.starts_at,
            ends_at: banner.ends_at,
        }
    }
}

/// Pretty JSON that is safe to print on a terminal: every character the sanitizer would
/// remove (DEL, C1 controls, bidi and invisible characters; C0 is escaped by JSON itself)
/// is written as a `\uXXXX` escape, so the data is the same and nothing acts on the
/// terminal.
pub fn terminal_safe<T: Serialize>(value: &T) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let pretty = serde_json::to_string_pretty(value)?;
    let mut out = String::with_capacity(pretty.len() + 1);
    let mut buf = [0u8; 4];
    for c in pretty.chars() {
        let one: &str = c.encode_utf8(&mut buf);
        if c == '\n' || clean_line(one) == one {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
    out.push('\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::terminal_safe;

    #[test]
    fn json_for_a_terminal_escapes_what_would_act_on_it_and_means_the_same() {
        let value = serde_json::json!({ "body": "a\u{9b}2J\u{202e}b\u{7f}\u{e0041}é 漢\n\u{1b}" });
        let text = terminal_safe(&value).unwrap();
        assert!(text.chars().all(|c| c == '\n' || !c.is_control()), "{text}");
        for escaped in ["\\u009b", "\\u202e", "\\u007f", "\\udb40\\udc41", "\\u001b"] {
            assert!(text.contains(escaped), "{escaped} in {text}");
        }
        assert!(
            text.contains("é 漢"),
            "ordinary text stays readable: {text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}

#[cfg(test)]
mod state_names {
    use super::*;

    #[test]
    fn pending_states_are_spelled_as_in_the_outbox_files() {
        let id = || crate::model::ThreadId::new("t");
        let post = || crate::model::PostId::new("p");
        for state in [
            OutboxState::Queued,
            OutboxState::InFlight,
            OutboxState::Unknown,
            OutboxState::Held,
            OutboxState::Failed,
            OutboxState::Sent {
                thread: id(),
                post: post(),
            },
            OutboxState::AwaitingApproval,
            OutboxState::Done {
                thread: id(),
                post: post(),
            },
        ] {
            let on_disk = serde_json::to_value(&state).unwrap();
            assert_eq!(on_disk["state"], state_name(&state));
        }
    }
}
