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
    pub unread: u32,
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
        };
        Line::from(vec![
            Span::styled(format!(" {label}"), theme.get(Element::StatusKeys)),
            Span::styled(
                format!("{}▏", prompt.text),
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
            None => Span::styled(facts(view), bar),
        };
        let hints = hints(view);
        let used = width(&mode.content) + width(&hints);
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
    if status.demo {
        return ("demo".into(), Element::StatusMode);
    }
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
    }
}

fn clock(at: Timestamp) -> String {
    at.strftime("%H:%M:%S UTC").to_string()
}

/// Account, connection details, last sync, outbox and unread total.
fn facts(view: &StatusView<'_>) -> String {
    let status = view.status;
    if status.demo {
        return format!(
            " {} · bundled forum, nothing to sync · {} unread",
            status.account, view.unread
        );
    }
    let mut text = format!(" {}", status.account);
    match &status.connection {
        Connection::Offline { reason, retry_at } => {
            let _ = write!(text, " · {}", ellipsize(reason, 48));
            if let Some(at) = retry_at {
                let _ = write!(text, " · retry at {}", clock(*at));
            }
        }
        Connection::Paused { resumes_at } => {
            let _ = write!(text, " · resumes at {}", clock(*resumes_at));
        }
        Connection::NeedsLogin(_) => {
            let _ = write!(
                text,
                " · run `threadmark login --account {}`",
                status.account
            );
        }
        _ => {}
    }
    match status.last_sync {
        Some(at) => {
            let _ = write!(text, " · synced {}", at.strftime("%Y-%m-%d %H:%M UTC"));
        }
        None => text.push_str(" · never synced"),
    }
    let outbox = view.outbox;
    let _ = write!(text, " · outbox {}", outbox.pending());
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
    let _ = write!(text, " · {} unread", view.unread);
    text
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

/// At most `max` characters of `text`, with an ellipsis when cut.
fn ellipsize(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
