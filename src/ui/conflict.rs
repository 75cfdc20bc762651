//! The screen of an edit in conflict: the server's current text and ours side by side (or,
//! on a narrow terminal, ours as changes of the server's), and the keys that choose.

use super::element::Element;
use super::lists::keys_hint;
use super::overlays::{centred, framed};
use super::theme::Theme;
use crate::app::Action;
use crate::app::input::keymap::Context;
use crate::app::reader::conflict;
use crate::app::state::State;
use crate::model::{OutboxState, Target};
use crate::text::sanitize::{clean, clean_line};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// Below this many columns inside the box, the texts are shown as one diff.
const SIDE_BY_SIDE: u16 = 72;

/// `text`, cleaned for the screen and wrapped to `cols`, as lines in `style`.
fn wrapped(text: &str, cols: usize, style: Style) -> Vec<Line<'static>> {
    let cleaned = clean(text);
    let mut lines = Vec::new();
    for line in cleaned.lines() {
        if line.trim().is_empty() {
            lines.push(Line::raw(""));
            continue;
        }
        for part in textwrap::wrap(line, cols.max(1)) {
            lines.push(Line::styled(part.into_owned(), style));
        }
    }
    lines
}

/// Ours as changes of the server's text, line by line: `- ` the server's, `+ ` ours.
fn diff_lines(theirs: &str, ours: &str, cols: usize, theme: &Theme) -> Vec<Line<'static>> {
    let diff = similar::TextDiff::from_lines(theirs, ours);
    let mut lines = Vec::new();
    for change in diff.iter_all_changes() {
        let (sign, style) = match change.tag() {
            similar::ChangeTag::Delete => ("- ", theme.get(Element::EchoFailed)),
            similar::ChangeTag::Insert => ("+ ", theme.get(Element::EchoSent)),
            similar::ChangeTag::Equal => ("  ", theme.get(Element::ReaderMeta)),
        };
        let text = clean_line(change.value().trim_end_matches('\n')).into_owned();
        for (n, part) in textwrap::wrap(&text, cols.saturating_sub(2).max(1))
            .into_iter()
            .enumerate()
        {
            let lead = if n == 0 { sign } else { "  " };
            lines.push(Line::styled(format!("{lead}{part}"), style));
        }
        if text.is_empty() {
            lines.push(Line::styled(sign.to_owned(), style));
        }
    }
    lines
}

/// Draws the screen over the panes.
pub fn draw(frame: &mut Frame, state: &State, scroll: usize, confirm: bool, theme: &Theme) {
    let Some(entry) = conflict::shown(state) else {
        return;
    };
    let OutboxState::Conflict {
        version,
        theirs,
        deleted,
    } = &entry.state
    else {
        return;
    };
    let screen = frame.area();
    let area = centred(screen, screen.width.saturating_sub(2), screen.height);
    let hint = keys_hint(
        &state.keys.keymap,
        Context::Conflict,
        &[
            (Action::KeepMine, "keep mine"),
            (Action::TakeTheirs, "take theirs"),
            (Action::Merge, "merge"),
            (Action::Close, "decide later"),
        ],
    );
    let title = format!(" Edit in conflict — {hint} ");
    let block = framed(&title, theme);
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);

    let meta = theme.get(Element::ReaderMeta);
    let deletion = matches!(entry.target, Target::Delete { .. });
    let base = entry.target.base_version().unwrap_or_default();
    let what = if deletion { "deletion" } else { "edit" };
    let mut head = vec![Line::styled(
        format!(
            "Your {what} was based on version {base}; the server has version {version} now, changed by someone else. Neither text is lost whatever you choose."
        ),
        meta,
    )];
    if confirm {
        head.push(Line::styled(
            "Take the server's text? Yours is kept on disk under outbox/discarded/. y takes theirs, any other key goes back.",
            theme.get(Element::StatusError),
        ));
    }
    let head_rows = u16::try_from(head.len()).unwrap_or(1) + 1;
    let head_area = Rect::new(inner.x, inner.y, inner.width, head_rows.min(inner.height));
    frame.render_widget(
        Paragraph::new(head).wrap(ratatui::widgets::Wrap { trim: true }),
        head_area,
    );
    let rest = Rect::new(
        inner.x,
        inner.y + head_area.height.saturating_add(1),
        inner.width,
        inner
            .height
            .saturating_sub(head_area.height.saturating_add(1)),
    );
    let theirs_text = if *deleted {
        "(the post was deleted on the server)"
    } else {
        theirs.as_str()
    };
    let ours_text = if deletion {
        "(your deletion of the post)"
    } else {
        entry.body.as_str()
    };
    let texts = Texts {
        version: *version,
        theirs: theirs_text,
        ours: ours_text,
    };
    draw_texts(frame, rest, &texts, scroll, theme);
}

/// The two texts the screen compares.
struct Texts<'a> {
    version: u64,
    theirs: &'a str,
    ours: &'a str,
}

/// Both texts in `rest`: side by side when it is wide enough, else as one diff.
fn draw_texts(frame: &mut Frame, rest: Rect, texts: &Texts<'_>, scroll: usize, theme: &Theme) {
    let section = theme.get(Element::HelpSection);
    let body = theme.get(Element::BodyText);
    let version = texts.version;
    let height = usize::from(rest.height);
    if rest.width >= SIDE_BY_SIDE {
        let half = rest.width / 2;
        let cols = usize::from(half.saturating_sub(2));
        for (n, (label, text)) in [
            (format!("On the server (version {version})"), texts.theirs),
            ("Yours (waiting in the outbox)".to_owned(), texts.ours),
        ]
        .into_iter()
        .enumerate()
        {
            let mut lines = vec![Line::from(Span::styled(label, section))];
            lines.extend(wrapped(text, cols, body).into_iter().skip(scroll));
            lines.truncate(height);
            let x = rest.x + half * u16::try_from(n).unwrap_or(0);
            frame.render_widget(
                Paragraph::new(lines),
                Rect::new(x, rest.y, half.saturating_sub(1), rest.height),
            );
        }
    } else {
        let mut lines = vec![Line::from(Span::styled(
            format!("From the server's version {version} (-) to yours (+)"),
            section,
        ))];
        lines.extend(
            diff_lines(texts.theirs, texts.ours, usize::from(rest.width), theme)
                .into_iter()
                .skip(scroll),
        );
        lines.truncate(height);
        frame.render_widget(Paragraph::new(lines), rest);
    }
}
