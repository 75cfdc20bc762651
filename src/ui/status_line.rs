//! The bottom line: connection mode, account, last sync, outbox, unread total and key
//! hints — or the prompt being typed, or the latest notice.

use super::text::{truncate, width};
use super::theme::Theme;
use crate::app::keymap::{Context, Keymap};
use crate::app::state::{Prompt, PromptKind, StatusInfo};
use crate::app::{Action, ConnectionMode};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

#[derive(Debug)]
pub struct StatusView<'a> {
    pub status: &'a StatusInfo,
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
    let bar = theme.get("status.bar");
    let cols = usize::from(view.area.width);
    let line = if let Some(prompt) = view.prompt {
        let label = match prompt.kind {
            PromptKind::Filter => "filter threads: ",
            PromptKind::Search => "search thread: ",
        };
        Line::from(vec![
            Span::styled(format!(" {label}"), theme.get("status.keys")),
            Span::styled(format!("{}▏", prompt.text), theme.get("status.prompt")),
        ])
    } else {
        let status = view.status;
        let mode = Span::styled(
            format!(" {} ", status.connection.label()),
            theme.get("status.mode"),
        );
        let left = match &status.notice {
            Some(notice) => Span::styled(
                format!(" {}", notice.text),
                theme.get(if notice.error {
                    "status.error"
                } else {
                    "status.notice"
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
            Span::styled(hints, theme.get("status.keys")),
        ])
    };
    frame.render_widget(Paragraph::new(line).style(bar), view.area);
}

/// Account, last sync, outbox and unread total.
fn facts(view: &StatusView<'_>) -> String {
    let status = view.status;
    let sync = match (status.connection, status.last_sync) {
        (ConnectionMode::Demo, _) => "bundled forum, nothing to sync".to_owned(),
        (_, Some(at)) => format!("synced {}", at.strftime("%Y-%m-%d %H:%M UTC")),
        (_, None) => "never synced".to_owned(),
    };
    format!(
        " {} · {sync} · outbox {} · {} unread",
        status.account, status.outbox, view.unread
    )
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
