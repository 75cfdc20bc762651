//! Plain-text views for the terminal and pipes: `tree` and `search` (`read` is in
//! `thread_text`), coloured when a [`Paint`] says so.

use super::paint::{Paint, Role, find_words};
use crate::app::judged::ThreadCounts;
use crate::model::{Area, Forum, ThreadSummary, saturating_total};
use crate::store::{AreaRollup, SearchHit};
use crate::text::sanitize;
use std::collections::HashMap;
use std::fmt::Write as _;
use unicode_width::UnicodeWidthStr;

/// Each thread's unread posts, as the tree counts them (what the rules leave in).
pub type UnreadOf<'a> = &'a dyn Fn(&ThreadSummary) -> u32;

/// The forum tree with unread counts (`unread`) rolled up to every parent; `counts` gives
/// the threads' scores. `totals`: each area's threads and unread posts when `threads`
/// lists only some of them (an area it names says how many more it has); an area it does
/// not name is counted from `threads`.
pub fn format_tree(
    forum: &Forum,
    (threads, unread, totals): (&[ThreadSummary], UnreadOf<'_>, &[AreaRollup]),
    counts: &ThreadCounts,
    width: usize,
    paint: Paint,
) -> String {
    let mut by_area: HashMap<&str, Vec<&ThreadSummary>> = HashMap::new();
    for t in threads {
        by_area.entry(t.area.as_str()).or_default().push(t);
    }
    let tree = TreeText {
        unread,
        counts,
        by_area,
        totals: totals.iter().map(|r| (r.area.as_str(), r)).collect(),
        width,
        paint,
    };
    let mut areas: Vec<&str> = tree.by_area.keys().copied().collect();
    areas.extend(
        tree.totals
            .keys()
            .filter(|a| !tree.by_area.contains_key(*a)),
    );
    let total = saturating_total(areas.iter().map(|a| tree.unread_in(a)));
    let mut out = String::new();
    tree.push_heading(&mut out, ("", ""), &forum.title, total, Role::Title);
    for (si, section) in forum.sections.iter().enumerate() {
        let (section_branch, stem) = branch(si + 1 == forum.sections.len());
        let section_unread = saturating_total(section.areas.iter().map(|a| tree.area_unread(a)));
        tree.push_heading(
            &mut out,
            (section_branch, stem),
            &section.title,
            section_unread,
            Role::Heading,
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
    let unlisted = saturating_total(
        areas
            .iter()
            .filter(|a| forum.area(&crate::model::AreaId::new(**a)).is_none())
            .map(|a| tree.more_in(a)),
    );
    if !orphans.is_empty() || unlisted > 0 {
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
        if unlisted > 0 {
            out.push_str("  ");
            out.push_str(&paint.paint(&more_threads(unlisted), Role::Meta));
            out.push('\n');
        }
    }
    out
}

/// The line standing for the threads of an area that are not listed.
fn more_threads(n: u32) -> String {
    format!(
        "… {n} more thread{} (`--threads all` lists them)",
        plural(n)
    )
}

/// What `format_tree` needs while it walks down the tree.
struct TreeText<'a> {
    unread: UnreadOf<'a>,
    counts: &'a ThreadCounts,
    by_area: HashMap<&'a str, Vec<&'a ThreadSummary>>,
    totals: HashMap<&'a str, &'a AreaRollup>,
    width: usize,
    paint: Paint,
}

impl TreeText<'_> {
    fn unread(&self, t: &ThreadSummary) -> u32 {
        (self.unread)(t)
    }

    fn threads(&self, area: &Area) -> &[&ThreadSummary] {
        self.listed(area.id.as_str())
    }

    fn listed(&self, area: &str) -> &[&ThreadSummary] {
        self.by_area.get(area).map_or(&[][..], Vec::as_slice)
    }

    /// An area's unread posts: its whole count, or what its listed threads have.
    fn unread_in(&self, area: &str) -> u32 {
        self.totals.get(area).map_or_else(
            || saturating_total(self.listed(area).iter().map(|t| self.unread(t))),
            |r| r.unread,
        )
    }

    /// How many of an area's threads are not listed.
    fn more_in(&self, area: &str) -> u32 {
        self.totals.get(area).map_or(0, |r| {
            r.threads
                .saturating_sub(u32::try_from(self.listed(area).len()).unwrap_or(u32::MAX))
        })
    }

    fn area_unread(&self, area: &Area) -> u32 {
        self.unread_in(area.id.as_str())
    }

    /// A forum, section or area line: its name in `role`, its unread count in green.
    fn push_heading(
        &self,
        out: &mut String,
        (first, rest): (&str, &str),
        title: &str,
        unread: u32,
        role: Role,
    ) {
        let label = unread_label(unread);
        let text = format!("{}{label}", sanitize::clean_line(title));
        let lines = wrap(first, rest, &text, self.width);
        let last = lines.len().saturating_sub(1);
        for (i, line) in lines.iter().enumerate() {
            out.push_str(if i == 0 { first } else { rest });
            let painted = match line.strip_suffix(&label) {
                Some(name) if i == last && !label.is_empty() => format!(
                    "{}{}",
                    self.paint.paint(name, role),
                    self.paint.paint(&label, Role::Unread)
                ),
                _ => self.paint.paint(line, role),
            };
            out.push_str(&painted);
            out.push('\n');
        }
    }

    fn push_area(&self, out: &mut String, stem: &str, area: &Area, last: bool) {
        let (area_branch, area_stem) = branch(last);
        self.push_heading(
            out,
            (
                &format!("{stem}{area_branch}"),
                &format!("{stem}{area_stem}"),
            ),
            &area.title,
            self.area_unread(area),
            Role::Title,
        );
        let threads = self.threads(area);
        let more = self.more_in(area.id.as_str());
        for (ti, thread) in threads.iter().enumerate() {
            let (thread_branch, thread_stem) = branch(ti + 1 == threads.len() && more == 0);
            let rest = format!("{stem}{area_stem}{thread_stem}");
            let unread = self.unread(thread);
            let title_role = if unread > 0 { Some(Role::Title) } else { None };
            push_painted(
                out,
                (&format!("{stem}{area_stem}{thread_branch}"), &rest),
                &sanitize::clean_line(&thread.title),
                self.width,
                |line| title_role.map_or_else(|| line.to_owned(), |r| self.paint.paint(line, r)),
            );
            let mut meta = format!(
                "{} · {} · {} post{}",
                sanitize::clean_line(thread.id.as_str()),
                author_label(&thread.author),
                thread.post_count,
                plural(thread.post_count),
            );
            let unread_words = format!("{unread} unread");
            if unread > 0 {
                let _ = write!(meta, ", {unread_words}");
            }
            let score = self.counts.score(&thread.id);
            if score != 0 {
                let _ = write!(meta, ", score {score}");
            }
            if thread.headers_only() {
                meta.push_str(", not downloaded");
            }
            push_painted(out, (&rest, &rest), &meta, self.width, |line| {
                let ranges = if unread > 0 {
                    find_words(line, std::slice::from_ref(&unread_words))
                } else {
                    Vec::new()
                };
                paint_between(self.paint, line, &ranges, Role::Unread, Role::Meta)
            });
        }
        if more > 0 {
            let _ = write!(out, "{stem}{area_stem}└── ");
            out.push_str(&self.paint.paint(&more_threads(more), Role::Meta));
            out.push('\n');
        }
    }
}

/// `line` with `ranges` in `inside` and the rest in `outside`.
fn paint_between(
    paint: Paint,
    line: &str,
    ranges: &[std::ops::Range<usize>],
    inside: Role,
    outside: Role,
) -> String {
    let mut out = String::new();
    let mut at = 0;
    for range in ranges {
        out.push_str(&paint.paint(&line[at..range.start], outside));
        out.push_str(&paint.paint(&line[range.clone()], inside));
        at = range.end;
    }
    out.push_str(&paint.paint(&line[at..], outside));
    out
}

fn unread_label(n: u32) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" ({n} unread)")
    }
}

pub(super) fn branch(last: bool) -> (&'static str, &'static str) {
    if last {
        ("└── ", "    ")
    } else {
        ("├── ", "│   ")
    }
}

pub(super) fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub(super) fn author_label(author: &crate::model::Author) -> String {
    let name = sanitize::clean_line(&author.name);
    match &author.badge {
        Some(badge) => format!("{name} [{}]", sanitize::clean_line(badge)),
        None => name.into_owned(),
    }
}

/// `text` wrapped to what `width` leaves after the prefixes.
fn wrap<'t>(
    first: &str,
    rest: &str,
    text: &'t str,
    width: usize,
) -> Vec<std::borrow::Cow<'t, str>> {
    let avail = width
        .saturating_sub(first.width().max(rest.width()))
        .max(10);
    textwrap::wrap(text, avail)
}

/// Appends `text` wrapped to `width`, the first line after `first`, the others after `rest`.
pub(super) fn push_wrapped(out: &mut String, first: &str, rest: &str, text: &str, width: usize) {
    push_painted(out, (first, rest), text, width, str::to_owned);
}

/// Like [`push_wrapped`], each wrapped line (never its prefix) passed through `paint`.
pub(super) fn push_painted(
    out: &mut String,
    (first, rest): (&str, &str),
    text: &str,
    width: usize,
    paint: impl Fn(&str) -> String,
) {
    for (i, line) in wrap(first, rest, text, width).iter().enumerate() {
        out.push_str(if i == 0 { first } else { rest });
        out.push_str(&paint(line));
        out.push('\n');
    }
}

/// Search results: where each match is, then a snippet with the words found highlighted.
pub fn format_hits(hits: &[SearchHit], words: &[String], width: usize, paint: Paint) -> String {
    let mut out = String::new();
    for hit in hits {
        let title = sanitize::clean_line(&hit.thread_title);
        let place = match hit.seq {
            Some(seq) => format!("#{seq} {}", author_label(&hit.author)),
            None => "title".to_owned(),
        };
        push_painted(
            &mut out,
            ("", "  "),
            &format!("{title} › {place}"),
            width,
            |line| {
                let ranges = find_words(line, words);
                match line.find(" › ") {
                    Some(cut) if cut + " › ".len() <= line.len() => {
                        let (head, tail) = line.split_at(cut);
                        let title_ranges = clip(&ranges, 0..head.len());
                        let tail_ranges = clip(&ranges, cut..line.len());
                        format!(
                            "{}{}",
                            paint_between(paint, head, &title_ranges, Role::Hit, Role::Title),
                            paint_between(
                                paint,
                                tail,
                                &shift(&tail_ranges, cut),
                                Role::Hit,
                                Role::Author
                            )
                        )
                    }
                    _ => paint_between(paint, line, &ranges, Role::Hit, Role::Title),
                }
            },
        );
        push_painted(
            &mut out,
            ("    ", "    "),
            &sanitize::clean_line(&hit.snippet),
            width,
            |line| paint.paint_ranges(line, &find_words(line, words), Role::Hit),
        );
    }
    out
}

/// `ranges` cut to `within`.
fn clip(
    ranges: &[std::ops::Range<usize>],
    within: std::ops::Range<usize>,
) -> Vec<std::ops::Range<usize>> {
    ranges
        .iter()
        .map(|r| r.start.max(within.start)..r.end.min(within.end))
        .filter(|r| r.start < r.end)
        .collect()
}

/// `ranges` moved `by` bytes to the left.
fn shift(ranges: &[std::ops::Range<usize>], by: usize) -> Vec<std::ops::Range<usize>> {
    ranges.iter().map(|r| r.start - by..r.end - by).collect()
}
