//! The bottom line: connection mode, account, last sync, outbox, unread total and key
//! hints — or the prompt being typed, or the latest notice.

use super::element::Element;
use super::text::{truncate, width};
use super::theme::Theme;
use crate::app::Action;
use crate::app::input::keymap::{Context, Keymap};
use crate::app::lists::outbox::OutboxList;
use crate::app::state::{Prompt, PromptKind, StatusInfo};
use crate::model::OutboxState;
use crate::sync::protocol::Connection;
use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::fmt::Write as _;

#[derive(Debug)]
pub struct StatusView<'a> {
    pub status: &'a StatusInfo,
    pub outbox: &'a OutboxList,
    pub prompt: Option<&'a Prompt>,
    /// `None`: not known yet (the thread list is loading).
    pub unread: Option<u32>,
    /// The thread list is still loading (a big cache's start).
    pub loading: bool,
    /// Unread inbox items (of every open account).
    pub inbox_unread: usize,
    pub keymap: &'a Keymap,
    pub pending: String,
    pub area: Rect,
}

pub fn draw(frame: &mut Frame, view: &StatusView<'_>, theme: &Theme) {
    if view.area.is_empty() {
        return;
    }
    let bar = theme.get(Element::StatusBar);
    let cols = usize::from(view.area.width);
    let line = if let Some(prompt) = view.prompt {
        let label = match prompt.kind {
            PromptKind::Filter => "filter threads: ",
            PromptKind::Search => "search thread: ",
            PromptKind::Pipe => "pipe post to: ",
            PromptKind::Save => "save post to file: ",
            PromptKind::AccountSearch => "search the account: ",
            PromptKind::Note => "bookmark note (enter: none, esc: no bookmark): ",
            PromptKind::Recipients => "message to (names): ",
            PromptKind::HideReason => "hide the post, reason (esc: keep it): ",
            PromptKind::SilenceSpan => "silence the author for (e.g. 3d, 12h; esc: don't): ",
            PromptKind::SplitTitle => "split from here, new thread's title (esc: keep it): ",
            PromptKind::MoveArea => "move the thread to area (id or title; esc: stay): ",
        };
        let (before, after) = prompt.split_at_cursor();
        Line::from(vec![
            Span::styled(format!(" {label}"), theme.get(Element::StatusKeys)),
            Span::styled(
                format!("{before}▏{after}"),
                theme.get(Element::StatusPrompt),
            ),
        ])
    } else {
        let status = view.status;
        let (label, style) = chip(status);
        let mode = Span::styled(format!(" {label} "), theme.get(style));
        let left = match &status.notice {
            Some(notice) => Span::styled(
                format!(" {}", notice.text),
                theme.get(if notice.error {
                    Element::StatusError
                } else {
                    Element::StatusNotice
                }),
            ),
            None => Span::styled(String::new(), bar),
        };
        let hints = hints(view);
        let used = width(&mode.content) + width(&hints);
        let left = if status.notice.is_some() {
            left
        } else {
            Span::styled(facts(view, cols.saturating_sub(used + 1)), bar)
        };
        let left = Span::styled(
            truncate(&left.content, cols.saturating_sub(used + 1)),
            left.style,
        );
        let pad = cols.saturating_sub(used + width(&left.content));
        Line::from(vec![
            mode,
            left,
            Span::styled(" ".repeat(pad), bar),
            Span::styled(hints, theme.get(Element::StatusKeys)),
        ])
    };
    frame.render_widget(Paragraph::new(line).style(bar), view.area);
}

/// The connection in a word or two, and its theme element.
fn chip(status: &StatusInfo) -> (String, Element) {
    match &status.connection {
        Connection::Idle => ("connecting".into(), Element::StatusSyncing),
        Connection::Syncing(Some((done, total))) => {
            (format!("syncing {done}/{total}"), Element::StatusSyncing)
        }
        Connection::Syncing(None) => ("syncing".into(), Element::StatusSyncing),
        Connection::Paused { .. } => ("rate limited".into(), Element::StatusSyncing),
        Connection::Online => ("online".into(), Element::StatusMode),
        Connection::ReadOnly => ("read-only".into(), Element::StatusReadOnly),
        Connection::Maintenance => ("maintenance".into(), Element::StatusReadOnly),
        Connection::Offline { .. } => ("offline".into(), Element::StatusOffline),
        Connection::NeedsLogin(_) => ("login needed".into(), Element::StatusOffline),
        Connection::CacheUnwritable(_) => ("disk trouble".into(), Element::StatusOffline),
    }
}

fn clock(at: Timestamp) -> String {
    crate::text::clock::time_of_day(at)
}

/// One part of the facts, with how much it matters when the line is short.
struct Part {
    text: String,
    /// Parts of lower rank go first when there is no room (0: always kept).
    rank: u8,
    /// Cut to the room left instead of dropped (the offline reason).
    flexible: bool,
}

impl Part {
    fn new(text: String, rank: u8) -> Self {
        Self {
            text,
            rank,
            flexible: false,
        }
    }
}

/// Account, connection details, last sync, outbox and unread total, in at most `room`
/// columns: what matters least goes first (an empty outbox, the demo's note, the last
/// sync), the offline reason is cut to what is left, and the account, a busy outbox and
/// the unread count always stay.
fn facts(view: &StatusView<'_>, room: usize) -> String {
    let status = view.status;
    let mut parts = vec![Part::new(format!(" {}", status.account), 0)];
    if status.demo {
        parts.push(Part::new(" (its own server: `!` switches it)".into(), 1));
    }
    match &status.connection {
        Connection::Offline { reason, retry_at } => {
            parts.push(Part {
                text: format!(" · {reason}"),
                rank: 5,
                flexible: true,
            });
            if let Some(at) = retry_at {
                // When it tries again is worth more than the reason's last words.
                parts.push(Part::new(format!(" · retry at {}", clock(*at)), 6));
            }
        }
        Connection::Paused { resumes_at } => {
            parts.push(Part::new(
                format!(" · resumes at {}", clock(*resumes_at)),
                3,
            ));
        }
        Connection::CacheUnwritable(why) => {
            parts.push(Part {
                text: format!(" · cannot write the cache: {why} · reading what is here"),
                rank: 5,
                flexible: true,
            });
        }
        Connection::NeedsLogin(_) => parts.push(Part::new(
            format!(" · run `threadmark login --account {}`", status.account),
            4,
        )),
        _ => {}
    }
    parts.push(Part::new(
        match status.last_sync {
            Some(at) => format!(" · synced {}", crate::text::clock::date_time(at)),
            None => " · never synced".to_owned(),
        },
        2,
    ));
    // An empty outbox is news worth less than the unread count on a narrow screen.
    let outbox_rank = u8::from(view.outbox.pending() == 0);
    parts.push(Part::new(outbox_part(view.outbox), outbox_rank));
    if view.inbox_unread > 0 {
        parts.push(Part::new(format!(" · inbox {}", view.inbox_unread), 1));
    }
    if let Some(unread) = view.unread {
        parts.push(Part::new(format!(" · {unread} unread"), 0));
    }
    if view.loading {
        parts.push(Part::new(
            format!(" · {}", crate::app::start_index::LOADING),
            1,
        ));
    }
    if status.skipped > 0 {
        parts.push(Part::new(
            format!(" · {} unreadable skipped", status.skipped),
            3,
        ));
    }
    fit(parts, room)
}

/// ` · outbox 2 (1 held)`.
fn outbox_part(outbox: &OutboxList) -> String {
    let mut text = format!(" · outbox {}", outbox.pending());
    let held = outbox.count(&OutboxState::Held);
    let failed = outbox.count(&OutboxState::Failed);
    match (held, failed) {
        (0, 0) => {}
        (h, 0) => {
            let _ = write!(text, " ({h} held)");
        }
        (0, f) => {
            let _ = write!(text, " ({f} failed)");
        }
        (h, f) => {
            let _ = write!(text, " ({h} held, {f} failed)");
        }
    }
    text
}

/// Drops the least important parts until the rest fits in `room`: parts that matter less
/// than the flexible one (the offline reason) go first, then it is cut to the room left
/// rather than dropped, then whatever else must go.
fn fit(mut parts: Vec<Part>, room: usize) -> String {
    let total = |parts: &[Part]| parts.iter().map(|p| width(&p.text)).sum::<usize>();
    let least = |parts: &[Part], flexible: bool| {
        parts
            .iter()
            .enumerate()
            .filter(|(_, p)| p.rank > 0 && (flexible || !p.flexible))
            .min_by_key(|(_, p)| p.rank)
            .map(|(i, p)| (i, p.rank))
    };
    while total(&parts) > room {
        let flex_rank = parts.iter().find(|p| p.flexible).map(|p| p.rank);
        if let Some((drop, rank)) = least(&parts, false)
            && flex_rank.is_none_or(|f| rank < f)
        {
            parts.remove(drop);
            continue;
        }
        let fixed: usize = parts
            .iter()
            .filter(|p| !p.flexible)
            .map(|p| width(&p.text))
            .sum();
        if let Some(flex) = parts.iter_mut().find(|p| p.flexible)
            && room > fixed + 12
        {
            flex.text = truncate(&flex.text, room - fixed);
            continue;
        }
        let Some((drop, _)) = least(&parts, true) else {
            break;
        };
        parts.remove(drop);
    }
    parts.into_iter().map(|p| p.text).collect()
}

/// Short key hints, from the active bindings; a half-typed sequence shows first.
fn hints(view: &StatusView<'_>) -> String {
    let key = |action| {
        view.keymap
            .key_for(Context::Global, action)
            .map(ToString::to_string)
    };
    let mut parts = Vec::new();
    if !view.pending.is_empty() {
        parts.push(format!("{}…", view.pending));
    }
    for (action, label) in [
        (Action::Help, "help"),
        (Action::FocusNext, "pane"),
        (Action::Quit, "quit"),
    ] {
        if let Some(k) = key(action) {
            parts.push(format!("{k} {label}"));
        }
    }
    format!("{} ", parts.join("  "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts() -> Vec<Part> {
        vec![
            Part::new(" work".into(), 0),
            Part {
                text: " · server unreachable: connection refused (os error 111) by 10.0.0.1".into(),
                rank: 5,
                flexible: true,
            },
            Part::new(" · retry at 12:00:00 UTC".into(), 6),
            Part::new(" · synced 2026-01-01 10:00 UTC".into(), 2),
            Part::new(" · outbox 2".into(), 0),
            Part::new(" · 7 unread".into(), 0),
        ]
    }

    #[test]
    fn with_room_everything_shows_and_the_reason_is_not_cut() {
        let text = fit(parts(), 200);
        assert!(text.contains("by 10.0.0.1 · retry at"), "{text}");
        assert!(text.ends_with(" · 7 unread"), "{text}");
    }

    #[test]
    fn when_short_the_unread_count_stays_and_the_reason_takes_what_is_left() {
        for room in [40, 60, 80, 100] {
            let text = fit(parts(), room);
            assert!(width(&text) <= room, "{room}: {text}");
            assert!(text.ends_with(" · 7 unread"), "{room}: {text}");
            assert!(text.contains(" · outbox 2"), "{room}: {text}");
        }
        let text = fit(parts(), 100);
        assert!(!text.contains("synced"), "the last sync goes first: {text}");
        assert!(text.contains("retry at"), "{text}");
        assert!(
            text.contains("server unreachable: connection refused"),
            "{text}"
        );
    }
}
