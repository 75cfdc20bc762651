//! `threadmark read`: a whole thread as wrapped text — its posts in reading order, answers
//! under what they answer — with your replies still in the outbox shown in place, as the
//! reader shows them.

use super::paint::{Paint, Role};
use super::reading::{author_label, plural, push_painted, push_wrapped};
use crate::app::judged::Judged;
use crate::app::reader::echo::{Echo, echoes_for};
use crate::model::Thread;
use crate::model::{Forum, OutboxEntry, OutboxState, Post, ReadState, anchors, reading_order};
use crate::render::{Document, answers_label, post_facts, small_action_line};
use crate::text::sanitize;
use std::fmt::Write as _;
use unicode_width::UnicodeWidthStr;

/// What `format_thread` shows.
#[derive(Debug)]
pub struct ThreadView<'a> {
    pub forum: &'a Forum,
    pub file: &'a Thread,
    pub read: &'a ReadState,
    /// The account's outbox: this thread's replies still in it are shown in place.
    pub outbox: &'a [OutboxEntry],
    /// What the user's rules make of the thread's posts (no verdicts: no rules).
    pub judged: &'a Judged,
}

/// A whole thread: title, then every post in reading order, answers indented under the
/// post they answer with a bar per level.
pub fn format_thread(view: &ThreadView<'_>, width: usize, paint: Paint) -> String {
    let ThreadView { forum, file, .. } = *view;
    let thread = &file.summary;
    let mut out = String::new();
    push_painted(
        &mut out,
        ("", ""),
        &sanitize::clean_line(&thread.title),
        width,
        |line| paint.paint(line, Role::Title),
    );
    let judged = view.judged;
    let echoes = echoes_for(&thread.id, &file.posts, view.outbox);
    let meta = meta_line(view, echoes.len());
    push_painted(&mut out, ("", ""), &meta, width, |line| {
        paint.paint(line, Role::Meta)
    });
    out.push_str(&"═".repeat(width.min(120)));
    out.push('\n');
    if push_missing(&mut out, thread, width, paint) {
        return out;
    }

    // The echoes join the posts so they are placed under what they answer.
    let real = file.posts.len();
    let mut posts: Vec<Post> = file.posts.clone();
    posts.extend(echoes.iter().map(|e| e.post.clone()));
    // The moderators' small actions, each after the post of its time.
    let actions = anchors(&thread.small_actions, &file.posts);
    let push_actions = |out: &mut String, after: Option<usize>, bar: &str| {
        for (_, action) in actions.iter().filter(|(a, _)| *a == after) {
            push_painted(
                out,
                (&format!("{bar}── "), &format!("{bar}   ")),
                &small_action_line(action, forum.undated),
                width,
                |line| paint.paint(line, Role::Meta),
            );
        }
    };
    push_actions(&mut out, None, "");
    let mut previous: Option<(usize, String)> = None;
    for placed in reading_order(&posts) {
        if let Some((index, bar)) = previous.take() {
            push_actions(&mut out, Some(index), &bar);
        }
        let post = &posts[placed.index];
        let parent = placed.parent.map(|p| &posts[p]);
        let bar = "│ ".repeat(placed.depth);
        previous = Some((placed.index, bar.clone()));
        out.push_str(bar.trim_end());
        out.push('\n');
        let echo = placed.index.checked_sub(real).map(|i| &echoes[i]);
        let verdict = judged.verdicts.get(placed.index).filter(|_| echo.is_none());
        if let Some(rule) = verdict.and_then(|v| v.hidden_by) {
            // The post stays in the cache: one line says it is there and why it is not shown.
            push_painted(
                &mut out,
                (&format!("{bar}── "), &format!("{bar}   ")),
                &format!("#{} hidden by rule {rule}", post.seq),
                width,
                |line| paint.paint(line, Role::Meta),
            );
            continue;
        }
        let dim = verdict.is_some_and(|v| v.dim);
        let paint = if dim { paint.greyed() } else { paint };
        if let Some(echo) = echo {
            push_echo_header(&mut out, &bar, echo, parent, width, paint);
        } else {
            let mut header = format!(
                "{}{}",
                author_label(&post.author),
                post_facts(post, parent, forum.undated)
            );
            if let Some(v) = verdict {
                if v.score != 0 {
                    let _ = write!(header, " · score {:+}", v.score);
                }
                if v.highlight {
                    header.push_str(" · ★");
                }
            }
            push_header(&mut out, &bar, &header, width, paint);
        }
        if post.deleted {
            out.push_str(&bar);
            out.push_str(crate::render::tombstone_label(post));
            out.push('\n');
            continue;
        }
        let doc = echo.map_or_else(|| Document::from_body(&post.body), |e| e.doc.clone());
        push_body(&mut out, &bar, &doc, width, paint);
    }
    if let Some((index, bar)) = previous {
        push_actions(&mut out, Some(index), &bar);
    }
    out
}

/// The line under the title: where the thread is, its posts, unread, rules and outbox.
fn meta_line(view: &ThreadView<'_>, echoes: usize) -> String {
    let ThreadView {
        forum, file, read, ..
    } = *view;
    let thread = &file.summary;
    let place = forum.area(&thread.area).map_or_else(String::new, |(s, a)| {
        format!(
            "{} › {} · ",
            sanitize::clean_line(&s.title),
            sanitize::clean_line(&a.title)
        )
    });
    let judged = view.judged;
    let unread = judged.unread(file, read);
    let mut meta = format!(
        "{place}{} post{}",
        thread.post_count,
        plural(thread.post_count)
    );
    if unread > 0 {
        let _ = write!(meta, ", {unread} unread");
    }
    let hidden = judged.verdicts.iter().filter(|v| v.hidden()).count();
    if hidden > 0 {
        let _ = write!(meta, ", {hidden} hidden by rules");
    }
    let score = judged.score();
    if score != 0 {
        let _ = write!(meta, ", score {score}");
    }
    if echoes > 0 {
        let _ = write!(meta, ", {echoes} of yours in the outbox");
    }
    meta
}

/// What the cache lacks of a thread whose posts are downloaded in part or not at all
/// (a budgeted forum's headers first). True when nothing of it is here.
fn push_missing(
    out: &mut String,
    thread: &crate::model::ThreadSummary,
    width: usize,
    paint: Paint,
) -> bool {
    let notes: Vec<String> = if thread.headers_only() {
        vec![
            "Not available offline: its posts are not downloaded yet. Open it in the \
             reader while online (or set `prefetch` for the account)."
                .to_owned(),
        ]
    } else {
        thread
            .missing
            .iter()
            .map(|range| {
                if range.from == range.to {
                    format!(
                        "Post #{} is not downloaded yet: the reader fetches it when you scroll to it.",
                        range.from
                    )
                } else {
                    format!(
                        "Posts #{}–#{} are not downloaded yet: the reader fetches them when you \
                         scroll up to them.",
                        range.from, range.to
                    )
                }
            })
            .collect()
    };
    for note in notes {
        push_painted(out, ("", ""), &note, width, |line| {
            paint.paint(line, Role::Meta)
        });
    }
    thread.headers_only()
}

fn push_body(out: &mut String, bar: &str, doc: &Document, width: usize, paint: Paint) {
    let body_width = width.saturating_sub(bar.width()).max(10);
    for line in doc.wrap(body_width) {
        let text = line.plain();
        let text = text.trim_end();
        out.push_str(if text.is_empty() { bar.trim_end() } else { bar });
        out.push_str(&paint.plain(text));
        out.push('\n');
    }
    if !doc.links().is_empty() {
        out.push_str(bar.trim_end());
        out.push('\n');
    }
    // One line per link however long: a URL cut across lines (with the bars in front of
    // each piece) is not one URL to a terminal's own link detection or to copy and paste.
    for link in doc.links() {
        out.push_str(bar);
        out.push_str(&paint.paint(&format!("[{}] {}", link.number, link.url), Role::Link));
        out.push('\n');
    }
}

/// A post's header after a dash, with a rule to the right edge, so each post stands
/// apart from the paragraphs of the one before it. The author's name is painted.
fn push_header(out: &mut String, bar: &str, header: &str, width: usize, paint: Paint) {
    let first = format!("{bar}── ");
    let rest = format!("{bar}   ");
    let avail = width.saturating_sub(first.width()).max(10);
    let lines = textwrap::wrap(header, avail);
    for (i, line) in lines.iter().enumerate() {
        let mut text = String::from(if i == 0 { &first } else { &rest });
        let plain_width = text.width() + line.width();
        match line.split_once(" · ") {
            Some((author, facts)) if i == 0 => {
                text.push_str(&paint.paint(author, Role::Author));
                text.push_str(&paint.paint(&format!(" · {facts}"), Role::Meta));
            }
            _ if i == 0 => text.push_str(&paint.paint(line, Role::Author)),
            _ => text.push_str(&paint.paint(line, Role::Meta)),
        }
        if i + 1 == lines.len() {
            let room = width.saturating_sub(plain_width + 1);
            if room >= 3 {
                text.push(' ');
                text.push_str(&paint.paint(&"─".repeat(room), Role::Meta));
            }
        }
        out.push_str(&text);
        out.push('\n');
    }
}

/// The header of one of your replies still in the outbox: where it stands, and what to do.
fn push_echo_header(
    out: &mut String,
    bar: &str,
    echo: &Echo,
    parent: Option<&Post>,
    width: usize,
    paint: Paint,
) {
    let mark = &echo.mark;
    let mut header = format!("you · {}", echo_state_words(&mark.state));
    if let Some(answers) = answers_label(parent) {
        let _ = write!(header, " · {answers}");
    }
    if matches!(mark.state, OutboxState::Failed | OutboxState::Held)
        && let Some(message) = &mark.message
    {
        let _ = write!(
            header,
            " · the server said: {}",
            sanitize::clean_line(message)
        );
    }
    let role = if mark.state == OutboxState::Failed {
        Role::Warning
    } else {
        Role::Pending
    };
    push_painted(
        out,
        (&format!("{bar}┄┄ "), &format!("{bar}   ")),
        &header,
        width,
        |line| paint.paint(line, role),
    );
    if mark.state == OutboxState::Failed {
        push_wrapped(
            out,
            &format!("{bar}   "),
            &format!("{bar}   "),
            &format!(
                "`threadmark outbox retry {}` sends it again; `threadmark outbox` lists the queue",
                short_key(&mark.key)
            ),
            width,
        );
    }
}

/// What a pending reply's state means, in a few words.
pub fn echo_state_words(state: &OutboxState) -> &'static str {
    match state {
        OutboxState::Queued => "queued: goes out with the next sync",
        OutboxState::InFlight => "sending",
        OutboxState::Unknown => "unknown: the last attempt was cut off; checked before resending",
        OutboxState::Held => "held: the forum is not taking posts; it goes out when it does",
        OutboxState::Failed => "failed: the server refused it",
        OutboxState::Sent { .. } | OutboxState::Done { .. } => {
            "sent: shows here after the next sync"
        }
        OutboxState::AwaitingApproval => "awaiting approval by a moderator",
        OutboxState::Conflict { .. } => {
            "conflict: the post changed on the server; keep yours or take theirs"
        }
    }
}

/// The first 13 characters of an outbox key: enough to name it on the command line.
pub fn short_key(key: &str) -> &str {
    key.get(..13).unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Body, ReadState, demo_forum};

    #[test]
    fn a_long_url_in_the_link_list_stays_on_one_line() {
        let demo = demo_forum().unwrap();
        let first = demo.threads[0].clone();
        let mut posts = first.posts;
        let url = format!("https://example.com/{}", "segment/".repeat(12));
        posts[0].body = Body::markdown(format!("See [the page]({url}) please."));
        let file = Thread::new(first.summary, posts);
        let read = ReadState::default();
        let text = format_thread(
            &ThreadView {
                forum: &demo.forum,
                file: &file,
                read: &read,
                outbox: &[],
                judged: &Judged::default(),
            },
            40,
            Paint::off(),
        );
        assert!(
            text.lines()
                .any(|l| l.trim_start().ends_with(&format!("[1] {url}"))),
            "{text}"
        );
    }
}
