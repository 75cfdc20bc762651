//! Draws the composer in the reader's place: what is being written, the title input for a
//! new thread, the text editor (or its rendered preview), and the composer's keys.

use super::element::Element;
use super::text::{truncate, width};
use super::theme::Theme;
use crate::app::Action;
use crate::app::compose::composer::{Composer, Field};
use crate::app::input::keymap::{Context, Keymap};
use crate::model::PostLimits;
use crate::render::Document;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui_textarea::TextArea;

/// What the composer needs to draw.
#[derive(Debug)]
pub struct ComposerView<'a> {
    pub composer: &'a Composer,
    pub keymap: &'a Keymap,
    /// How long a post and a title may be, where the server says.
    pub limits: PostLimits,
    /// The reader pane's place (its title line and body).
    pub area: Rect,
}

pub fn draw(frame: &mut Frame, view: &ComposerView<'_>, theme: &Theme) {
    let area = view.area;
    if area.height < 3 || area.width < 10 {
        return;
    }
    let composer = view.composer;
    frame
        .buffer_mut()
        .set_style(area, theme.get(Element::ComposerText));
    let cols = usize::from(area.width);
    let mode = if composer.preview.is_some() {
        "  [preview]"
    } else {
        ""
    };
    let heading = truncate(
        &composer.heading,
        cols.saturating_sub(width(mode) + 2).max(1),
    );
    let row = |y: u16| Rect::new(area.x, y, area.width, 1);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!(" {heading}"), theme.get(Element::ComposerHeading)),
            Span::styled(mode, theme.get(Element::ComposerHint)),
        ])),
        row(area.y),
    );
    let mut top = area.y + 1;
    if let Some(title) = &composer.title {
        let label = " Title: ";
        let label_cols = u16::try_from(width(label)).unwrap_or(8);
        frame.render_widget(
            Paragraph::new(Span::styled(label, theme.get(Element::ComposerLabel))),
            Rect::new(area.x, top, label_cols, 1),
        );
        let input = Rect::new(
            area.x + label_cols,
            top,
            area.width.saturating_sub(label_cols + 1),
            1,
        );
        frame
            .buffer_mut()
            .set_style(input, theme.get(Element::ComposerTitle));
        frame.render_widget(
            &styled(title, composer.field() == Field::Title, theme),
            input,
        );
        top += 1;
    }
    frame.render_widget(
        Paragraph::new(Span::styled(
            "─".repeat(cols),
            theme.get(Element::ComposerRule),
        )),
        row(top),
    );
    top += 1;
    let footer_y = area.y + area.height - 1;
    // One column of margin on each side, like the posts.
    let body = Rect::new(
        area.x + 1,
        top,
        area.width.saturating_sub(2),
        footer_y.saturating_sub(top),
    );
    match &composer.preview {
        Some(doc) => draw_preview(frame, doc, composer.preview_scroll, body, theme),
        None => frame.render_widget(
            &styled(&composer.body, composer.field() == Field::Body, theme),
            body,
        ),
    }
    let counter = counter(view);
    let counter_cols = counter.as_ref().map_or(0, |(text, _)| width(text) + 1);
    frame.render_widget(
        Paragraph::new(Span::styled(
            truncate(&footer(view), cols.saturating_sub(counter_cols)),
            theme.get(Element::ComposerHint),
        )),
        row(footer_y),
    );
    if let Some((text, over)) = counter {
        let cols = u16::try_from(width(&text))
            .unwrap_or(area.width)
            .min(area.width);
        let style = theme.get(if over {
            Element::ComposerOver
        } else {
            Element::ComposerHint
        });
        frame.render_widget(
            Paragraph::new(Span::styled(text, style)),
            Rect::new(area.x + area.width - cols, footer_y, cols, 1),
        );
    }
}

/// Characters typed against the server's limit for the field being written ("812/50000",
/// "50012/50000 · 12 over"), and whether it is over; nothing where the server has no
/// limit.
fn counter(view: &ComposerView<'_>) -> Option<(String, bool)> {
    let composer = view.composer;
    let (text, max) = match (composer.field(), composer.title_text()) {
        (Field::Title, Some(title)) => (title, view.limits.max_title_chars),
        _ => (composer.body_text(), view.limits.max_post_chars),
    };
    if max == 0 {
        return None;
    }
    let count = text.chars().count();
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    Some(if count > max {
        (format!("{count}/{max} · {} over ", count - max), true)
    } else {
        (format!("{count}/{max} "), false)
    })
}

/// An input as drawn: the theme's cursor where the keyboard is, none elsewhere. (The
/// app keeps the text and the cursor's place; how they look is the theme's.)
fn styled(input: &TextArea<'static>, focused: bool, theme: &Theme) -> TextArea<'static> {
    let mut input = input.clone();
    input.set_cursor_line_style(theme.get(Element::ComposerCursorLine));
    input.set_cursor_style(if focused {
        theme.get(Element::ComposerCursor)
    } else {
        Style::default()
    });
    input
}

fn draw_preview(frame: &mut Frame, doc: &Document, scroll: usize, area: Rect, theme: &Theme) {
    let lines: Vec<Line> = doc
        .wrap(usize::from(area.width))
        .into_iter()
        .skip(scroll)
        .take(usize::from(area.height))
        .map(|line| {
            Line::from(
                line.spans
                    .into_iter()
                    .map(|s| Span::styled(s.text, theme.body(s.style)))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// The composer's keys, from the active bindings.
fn footer(view: &ComposerView<'_>) -> String {
    let key = |action| {
        view.keymap
            .key_for(Context::Composer, action)
            .map(ToString::to_string)
    };
    let preview = if view.composer.preview.is_some() {
        "edit"
    } else {
        "preview"
    };
    let mut parts: Vec<String> = [
        (Action::Send, "send"),
        (Action::CloseComposer, "close (draft kept)"),
        (Action::TogglePreview, preview),
        (Action::ExternalEditor, "$EDITOR"),
    ]
    .into_iter()
    .filter_map(|(action, what)| key(action).map(|k| format!("{k} {what}")))
    .collect();
    if view.composer.title.is_some()
        && let Some(k) = key(Action::NextField)
    {
        parts.push(format!("{k} title/text"));
    }
    format!(" {}", parts.join(" · "))
}
