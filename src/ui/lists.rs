//! The outbox, drafts, bookmarks and inbox lists, drawn as boxes over the panes: one entry per few rows,
//! the selected one highlighted, and the confirmation question when one is asked.

use super::element::Element;
use super::overlays::{centred, framed};
use super::text::{truncate, width};
use super::theme::Theme;
use crate::app::Action;
use crate::app::compose::describe;
use crate::app::input::keymap::{Context, Keymap};
use crate::app::state::State;
use crate::model::OutboxState;
use crate::text::sanitize::clean_line;
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// "r retry · e edit · …" for a list's title, from the active bindings.
pub(super) fn keys_hint(keymap: &Keymap, context: Context, actions: &[(Action, &str)]) -> String {
    actions
        .iter()
        .filter_map(|&(action, what)| {
            keymap
                .key_for(context, action)
                .map(|k| format!("{k} {what}"))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The first non-blank line of a text, cleaned for the screen.
fn first_line(text: &str) -> String {
    clean_line(text.lines().find(|l| !l.trim().is_empty()).unwrap_or(""))
        .trim()
        .to_owned()
}

fn state_style(state: &OutboxState, theme: &Theme) -> Style {
    theme.get(match state {
        OutboxState::Held => Element::OutboxHeld,
        OutboxState::Failed | OutboxState::Conflict { .. } => Element::OutboxFailed,
        OutboxState::Sent { .. } | OutboxState::Done { .. } | OutboxState::AwaitingApproval => {
            Element::OutboxSent
        }
        OutboxState::Queued | OutboxState::InFlight | OutboxState::Unknown => Element::OutboxQueued,
    })
}

/// Draws a list box: `entries` are groups of lines, `selected` one of them.
pub(super) fn draw_box(
    frame: &mut Frame,
    title: &str,
    entries: Vec<Vec<Line<'static>>>,
    selected: usize,
    tail: Vec<Line<'static>>,
    theme: &Theme,
) {
    let screen = frame.area();
    let rows: usize = entries.iter().map(Vec::len).sum::<usize>() + tail.len();
    let area = centred(screen, 100, u16::try_from(rows + 2).unwrap_or(u16::MAX));
    let inner_rows = usize::from(area.height.saturating_sub(2));
    // Scroll so the selected entry is whole on screen.
    let start: usize = entries.iter().take(selected).map(Vec::len).sum();
    let end = start + entries.get(selected).map_or(0, Vec::len);
    let room = inner_rows.saturating_sub(tail.len()).max(1);
    let skip = end.saturating_sub(room).min(start);
    let highlight = theme.get(Element::TreeSelected);
    let mut lines: Vec<Line> = entries
        .into_iter()
        .enumerate()
        .flat_map(|(i, group)| {
            group.into_iter().map(move |line| {
                if i == selected {
                    line.patch_style(highlight)
                } else {
                    line
                }
            })
        })
        .skip(skip)
        .take(room)
        .collect();
    lines.extend(tail);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(framed(title, theme)), area);
}

pub fn draw_outbox(
    frame: &mut Frame,
    state: &State,
    selected: usize,
    confirm: bool,
    theme: &Theme,
) {
    let cols = usize::from(frame.area().width.min(100).saturating_sub(4));
    let meta = theme.get(Element::PaneMeta);
    let entries: Vec<Vec<Line>> = state
        .outbox
        .entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let mark = if i == selected { "›" } else { " " };
            let label = entry.state.label();
            let attempts = match entry.attempts {
                0 => String::new(),
                1 => " · 1 attempt".to_owned(),
                n => format!(" · {n} attempts"),
            };
            let what = describe::target(state, &entry.target);
            let room = cols.saturating_sub(20 + width(&attempts));
            let mut group = vec![Line::from(vec![
                Span::raw(mark),
                Span::styled(format!("{label:<17} "), state_style(&entry.state, theme)),
                Span::raw(truncate(&what, room)),
                Span::styled(attempts, meta),
            ])];
            group.push(Line::styled(
                format!(
                    "   {}",
                    truncate(&first_line(&entry.body), cols.saturating_sub(3))
                ),
                theme.get(Element::OutboxBody),
            ));
            if let Some(message) = &entry.last_message {
                group.push(Line::styled(
                    format!(
                        "   last attempt: {}",
                        truncate(&clean_line(message), cols.saturating_sub(17))
                    ),
                    theme.get(Element::OutboxMessage),
                ));
            }
            group
        })
        .collect();
    let mut tail = Vec::new();
    if entries.is_empty() {
        tail.push(Line::styled(
            " The outbox is empty: everything you wrote has been posted.",
            theme.get(Element::PanePlaceholder),
        ));
    }
    for problem in &state.outbox.unreadable {
        tail.push(Line::styled(
            format!(" {}", truncate(&clean_line(problem), cols)),
            theme.get(Element::OutboxFailed),
        ));
    }
    if confirm {
        tail.push(Line::styled(
            " Discard this reply? (kept on disk in outbox/discarded/)  y discards · any other key keeps it",
            theme.get(Element::StatusError),
        ));
    }
    let hint = keys_hint(
        &state.keys.keymap,
        Context::Outbox,
        &[
            (Action::Retry, "retry now"),
            (Action::Edit, "edit"),
            (Action::Discard, "discard"),
            (Action::Close, "close"),
        ],
    );
    draw_box(
        frame,
        &format!(" Outbox — {hint} "),
        entries,
        selected,
        tail,
        theme,
    );
}

pub fn draw_drafts(
    frame: &mut Frame,
    state: &State,
    selected: usize,
    confirm: bool,
    offered: bool,
    theme: &Theme,
) {
    let cols = usize::from(frame.area().width.min(100).saturating_sub(4));
    let meta = theme.get(Element::PaneMeta);
    let entries: Vec<Vec<Line>> = state
        .drafts
        .drafts
        .iter()
        .enumerate()
        .map(|(i, draft)| {
            let mark = if i == selected { "›" } else { " " };
            let edited = format!(" · {}", crate::text::clock::date_time(draft.updated_at));
            let what = describe::target(state, &draft.target);
            let text = first_line(&draft.body);
            vec![
                Line::from(vec![
                    Span::raw(format!(
                        "{mark}{}",
                        truncate(&what, cols.saturating_sub(width(&edited) + 1))
                    )),
                    Span::styled(edited, meta),
                ]),
                Line::styled(
                    format!(
                        "   {}",
                        truncate(
                            if text.is_empty() {
                                "(no text yet)"
                            } else {
                                &text
                            },
                            cols.saturating_sub(3)
                        )
                    ),
                    theme.get(Element::OutboxBody),
                ),
            ]
        })
        .collect();
    let mut tail = Vec::new();
    if confirm {
        tail.push(Line::styled(
            " Delete this draft for good? y deletes, any other key keeps it.",
            theme.get(Element::StatusError),
        ));
    }
    let hint = keys_hint(
        &state.keys.keymap,
        Context::Drafts,
        &[
            (Action::Open, "resume"),
            (Action::Discard, "delete"),
            (Action::Close, if offered { "later" } else { "close" }),
        ],
    );
    let title = if offered {
        format!(" Unsent drafts from last time — {hint} ")
    } else {
        format!(" Drafts — {hint} ")
    };
    draw_box(frame, &title, entries, selected, tail, theme);
}

/// The bookmarks, newest first: the thread's title, the post's number and author, when it
/// was set, and the note.
pub fn draw_bookmarks(frame: &mut Frame, state: &State, selected: usize, theme: &Theme) {
    let cols = usize::from(frame.area().width.min(100).saturating_sub(4));
    let meta = theme.get(Element::PaneMeta);
    let entries: Vec<Vec<Line>> = state
        .bookmarks
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mark = if i == selected { "›" } else { " " };
            let post = match (row.seq, &row.author) {
                (Some(seq), Some(author)) => format!("#{seq} by {}", clean_line(author)),
                (Some(seq), None) => format!("#{seq}"),
                _ => "a post not downloaded here".to_owned(),
            };
            let facts = format!(" · {post} · {}", crate::text::clock::date_time(row.at));
            let title = row.title.as_deref().map_or_else(
                || format!("thread {}", row.thread),
                |t| clean_line(t).into_owned(),
            );
            let mut lines = vec![Line::from(vec![
                Span::raw(format!(
                    "{mark}{}",
                    truncate(&title, cols.saturating_sub(width(&facts) + 1))
                )),
                Span::styled(facts, meta),
            ])];
            if let Some(note) = &row.note {
                lines.push(Line::styled(
                    format!("   {}", truncate(&first_line(note), cols.saturating_sub(3))),
                    theme.get(Element::OutboxBody),
                ));
            }
            lines
        })
        .collect();
    let hint = keys_hint(
        &state.keys.keymap,
        Context::Bookmarks,
        &[
            (Action::Open, "go to the post"),
            (Action::Discard, "remove"),
            (Action::Close, "close"),
        ],
    );
    draw_box(
        frame,
        &format!(" Bookmarks — {hint} "),
        entries,
        selected,
        Vec::new(),
        theme,
    );
}

/// The inbox, newest first: an unread item marked `●`, its kind, author, thread title and
/// `#N`, when it came, and the start of the post's text.
pub fn draw_inbox(frame: &mut Frame, state: &State, selected: usize, theme: &Theme) {
    let cols = usize::from(frame.area().width.min(100).saturating_sub(4));
    let meta = theme.get(Element::PaneMeta);
    let all = crate::app::accounts::inbox(state);
    // With several accounts, each item names its account.
    let several = state.accounts.several();
    let entries: Vec<Vec<Line>> = all
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let item = entry.item;
            let mark = if i == selected { "›" } else { " " };
            let (dot, style) = if item.read {
                (" ", Style::default())
            } else {
                ("●", theme.get(Element::TreeUnread))
            };
            let account = if several {
                format!("{} · ", clean_line(entry.name))
            } else {
                String::new()
            };
            let head = format!(
                "{mark}{dot} {account}{:<7} {}",
                item.kind.as_str(),
                clean_line(&item.author.name)
            );
            let facts = format!(
                " · #{} · {}",
                item.seq,
                crate::text::clock::date_time(item.created_at)
            );
            let title = format!(" · {}", clean_line(&item.thread_title));
            let room = cols.saturating_sub(width(&head) + width(&facts) + 1);
            let mut lines = vec![Line::from(vec![
                Span::styled(head, style),
                Span::raw(truncate(&title, room)),
                Span::styled(facts, meta),
            ])];
            let excerpt = first_line(&item.excerpt);
            if !excerpt.is_empty() {
                lines.push(Line::styled(
                    format!("     {}", truncate(&excerpt, cols.saturating_sub(5))),
                    theme.get(Element::OutboxBody),
                ));
            }
            lines
        })
        .collect();
    let unread = all.iter().filter(|e| !e.item.read).count();
    let hint = keys_hint(
        &state.keys.keymap,
        Context::Inbox,
        &[
            (Action::Open, "go to the post"),
            (Action::MarkRead, "mark read"),
            (Action::MarkAllRead, "all read"),
            (Action::Close, "close"),
        ],
    );
    draw_box(
        frame,
        &format!(" Inbox ({unread} unread) — {hint} "),
        entries,
        selected,
        Vec::new(),
        theme,
    );
}
