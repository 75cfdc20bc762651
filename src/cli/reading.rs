//! Plain-text views for the terminal and pipes: `tree`, `read`, `search`.

use crate::model::Thread;
use crate::model::{Area, Forum, Post, ReadState, ThreadSummary, reading_order};
use crate::render::{Document, post_facts};
use crate::store::SearchHit;
use crate::text::sanitize;
use std::collections::HashMap;
use std::fmt::Write as _;
use unicode_width::UnicodeWidthStr;

/// The forum tree with unread counts rolled up to every parent.
pub fn format_tree(
    forum: &Forum,
    threads: &[ThreadSummary],
    read: &ReadState,
    width: usize,
) -> String {
    let mut by_area: HashMap<&str, Vec<&ThreadSummary>> = HashMap::new();
    for t in threads {
        by_area.entry(t.area.as_str()).or_default().push(t);
    }
    let tree = TreeText {
        read,
        by_area,
        width,
    };
    let total: u32 = threads.iter().map(|t| tree.unread(t)).sum();
    let mut out = String::new();
    push_wrapped(
        &mut out,
        "",
        "",
        &format!(
            "{}{}",
            sanitize::clean_line(&forum.title),
            unread_label(total)
        ),
        width,
    );
    for (si, section) in forum.sections.iter().enumerate() {
        let (section_branch, stem) = branch(si + 1 == forum.sections.len());
        let section_unread: u32 = section.areas.iter().map(|a| tree.area_unread(a)).sum();
        push_wrapped(
            &mut out,
            section_branch,
            stem,
            &format!(
                "{}{}",
                sanitize::clean_line(&section.title),
                unread_label(section_unread)
            ),
            width,
        );
        for (ai, area) in section.areas.iter().enumerate() {
            tree.push_area(&mut out, stem, area, ai + 1 == section.areas.len());
        }
    }
    // Threads whose area is not in the tree (a tree not yet synced) are still listed.
    let orphans: Vec<&ThreadSummary> = threads
        .iter()
        .filter(|t| forum.area(&t.area).is_none())
        .collect();
    if !orphans.is_empty() {
        out.push_str("\nThreads in areas not in the tree:\n");
        for t in orphans {
            push_wrapped(
                &mut out,
                "  ",
                "  ",
                &format!(
                    "{} · {}",
                    sanitize::clean_line(t.id.as_str()),
                    sanitize::clean_line(&t.title)
                ),
                width,
            );
        }
    }
    out
}

/// What `format_tree` needs while it walks down the tree.
struct TreeText<'a> {
    read: &'a ReadState,
    by_area: HashMap<&'a str, Vec<&'a ThreadSummary>>,
    width: usize,
}

impl TreeText<'_> {
    fn unread(&self, t: &ThreadSummary) -> u32 {
        self.read.unread_count(&t.id, t.last_seq)
    }

    fn threads(&self, area: &Area) -> &[&ThreadSummary] {
        self.by_area
            .get(area.id.as_str())
            .map_or(&[][..], Vec::as_slice)
    }

    fn area_unread(&self, area: &Area) -> u32 {
        self.threads(area).iter().map(|t| self.unread(t)).sum()
    }

    fn push_area(&self, out: &mut String, stem: &str, area: &Area, last: bool) {
        let (area_branch, area_stem) = branch(last);
        push_wrapped(
            out,
            &format!("{stem}{area_branch}"),
            &format!("{stem}{area_stem}"),
            &format!(
                "{}{}",
                sanitize::clean_line(&area.title),
                unread_label(self.area_unread(area))
            ),
            self.width,
        );
        let threads = self.threads(area);
        for (ti, thread) in threads.iter().enumerate() {
            let (thread_branch, thread_stem) = branch(ti + 1 == threads.len());
            let rest = format!("{stem}{area_stem}{thread_stem}");
            push_wrapped(
                out,
                &format!("{stem}{area_stem}{thread_branch}"),
                &rest,
                &sanitize::clean_line(&thread.title),
                self.width,
            );
            let mut meta = format!(
                "{} · {} · {} post{}",
                sanitize::clean_line(thread.id.as_str()),
                author_label(&thread.author),
                thread.post_count,
                plural(thread.post_count),
            );
            let unread = self.unread(thread);
            if unread > 0 {
                let _ = write!(meta, ", {unread} unread");
            }
            push_wrapped(out, &rest, &rest, &meta, self.width);
        }
    }
}

fn unread_label(n: u32) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" ({n} unread)")
    }
}

fn branch(last: bool) -> (&'static str, &'static str) {
    if last {
        ("└── ", "    ")
    } else {
        ("├── ", "│   ")
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn author_label(author: &crate::model::Author) -> String {
    let name = sanitize::clean_line(&author.name);
    match &author.badge {
        Some(badge) => format!("{name} [{}]", sanitize::clean_line(badge)),
        None => name.into_owned(),
    }
}

/// Appends `text` wrapped to `width`, the first line after `first`, the others after `rest`.
fn push_wrapped(out: &mut String, first: &str, rest: &str, text: &str, width: usize) {
    let avail = width
        .saturating_sub(first.width().max(rest.width()))
        .max(10);
    for (i, line) in textwrap::wrap(text, avail).iter().enumerate() {
        out.push_str(if i == 0 { first } else { rest });
        out.push_str(line);
        out.push('\n');
    }
}

/// A whole thread: title, then every post in reading order, answers indented under the
/// post they answer with a bar per level.
pub fn format_thread(forum: &Forum, file: &Thread, read: &ReadState, width: usize) -> String {
    let thread = &file.summary;
    let mut out = String::new();
    push_wrapped(
        &mut out,
        "",
        "",
        &sanitize::clean_line(&thread.title),
        width,
    );
    let place = forum.area(&thread.area).map_or_else(String::new, |(s, a)| {
        format!(
            "{} › {} · ",
            sanitize::clean_line(&s.title),
            sanitize::clean_line(&a.title)
        )
    });
    let unread = read.unread_count(&thread.id, thread.last_seq);
    let mut meta = format!(
        "{place}{} post{}",
        thread.post_count,
        plural(thread.post_count)
    );
    if unread > 0 {
        let _ = write!(meta, ", {unread} unread");
    }
    push_wrapped(&mut out, "", "", &meta, width);
    out.push_str(&"═".repeat(width.min(120)));
    out.push('\n');
    if thread.headers_only() {
        push_wrapped(
            &mut out,
            "",
            "",
            "Not available offline: its posts are not downloaded yet. Open it in the \
             reader while online (or set `prefetch` for the account).",
            width,
        );
        return out;
    }
    for range in &thread.missing {
        let note = if range.from == range.to {
            format!(
                "Post #{} is not downloaded yet: the reader fetches it when you scroll to it.",
                range.from
            )
        } else {
            format!(
                "Posts #{}–#{} are not downloaded yet: the reader fetches them when you scroll up to them.",
                range.from, range.to
            )
        };
        push_wrapped(&mut out, "", "", &note, width);
    }

    let posts = &file.posts;
    for placed in reading_order(posts) {
        let post = &posts[placed.index];
        let bar = "│ ".repeat(placed.depth);
        out.push_str(bar.trim_end());
        out.push('\n');
        let header = post_header(forum, post, placed.parent.map(|p| &posts[p]));
        push_header(&mut out, &bar, &header, width);
        let body_width = width.saturating_sub(bar.width()).max(10);
        if post.deleted {
            out.push_str(&bar);
            out.push_str("[deleted]\n");
            continue;
        }
        let doc = Document::from_body(&post.body);
        for line in doc.wrap(body_width) {
            let text = line.plain();
            let text = text.trim_end();
            out.push_str(if text.is_empty() {
                bar.trim_end()
            } else {
                &bar
            });
            out.push_str(text);
            out.push('\n');
        }
        if !doc.links().is_empty() {
            out.push_str(bar.trim_end());
            out.push('\n');
        }
        for link in doc.links() {
            push_wrapped(
                &mut out,
                &bar,
                &bar,
                &format!("[{}] {}", link.number, link.url),
                width,
            );
        }
    }
    out
}

/// A post's header after a dash, with a rule to the right edge, so each post stands
/// apart from the paragraphs of the one before it.
fn push_header(out: &mut String, bar: &str, header: &str, width: usize) {
    let first = format!("{bar}── ");
    let rest = format!("{bar}   ");
    let avail = width.saturating_sub(first.width()).max(10);
    let lines = textwrap::wrap(header, avail);
    for (i, line) in lines.iter().enumerate() {
        let mut text = format!("{}{line}", if i == 0 { &first } else { &rest });
        if i + 1 == lines.len() {
            let room = width.saturating_sub(text.width() + 1);
            if room >= 3 {
                text.push(' ');
                text.push_str(&"─".repeat(room));
            }
        }
        out.push_str(&text);
        out.push('\n');
    }
}

fn post_header(forum: &Forum, post: &Post, parent: Option<&Post>) -> String {
    format!(
        "{}{}",
        author_label(&post.author),
        post_facts(post, parent, forum.undated)
    )
}

/// Search results: where each match is, then a snippet.
pub fn format_hits(hits: &[SearchHit], width: usize) -> String {
    let mut out = String::new();
    for hit in hits {
        let place = match hit.seq {
            Some(seq) => format!("#{seq} {}", author_label(&hit.author)),
            None => "title".to_owned(),
        };
        push_wrapped(
            &mut out,
            "",
            "  ",
            &format!("{} › {place}", sanitize::clean_line(&hit.thread_title)),
            width,
        );
        push_wrapped(
            &mut out,
            "    ",
            "    ",
            &sanitize::clean_line(&hit.snippet),
            width,
        );
    }
    out
}
