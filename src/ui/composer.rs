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
    /// The post being answered, when the open thread has it: shown above the text.
    pub answering: Option<&'a Document>,
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
    if let Some(doc) = view.answering {
        top += draw_answered(
            frame,
            doc,
            Rect::new(area.x, top, area.width, area.height - 1),
            theme,
        );
    }
    let lines = [
        (" Title: ", composer.title.as_ref(), Field::Title),
        (" Tags:  ", composer.tags.as_deref(), Field::Tags),
    ];
    for (label, input, field) in lines {
        let Some(input) = input else { continue };
        draw_line_input(
            frame,
            label,
            &styled(input, composer.field() == field, theme),
            Rect::new(area.x, top, area.width, 1),
            theme,
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
    draw_footer(frame, view, row(footer_y), theme);
}

/// A labelled one-line input (the title, the tags) on `row`.
fn draw_line_input(frame: &mut Frame, label: &str, input: &TextArea<'_>, row: Rect, theme: &Theme) {
    let label_cols = u16::try_from(width(label)).unwrap_or(8);
    frame.render_widget(
        Paragraph::new(Span::styled(label, theme.get(Element::ComposerLabel))),
        Rect::new(row.x, row.y, label_cols, 1),
    );
    let input_area = Rect::new(
        row.x + label_cols,
        row.y,
        row.width.saturating_sub(label_cols + 1),
        1,
    );
    frame
        .buffer_mut()
        .set_style(input_area, theme.get(Element::ComposerTitle));
    frame.render_widget(input, input_area);
}

/// The composer's keys on its last row, and the counter at its right end.
fn draw_footer(frame: &mut Frame, view: &ComposerView<'_>, row: Rect, theme: &Theme) {
    let counter = counter(view);
    let counter_cols = counter.as_ref().map_or(0, |(text, _)| width(text) + 1);
    frame.render_widget(
        Paragraph::new(Span::styled(
            truncate(
                &footer(view),
                usize::from(row.width).saturating_sub(counter_cols),
            ),
            theme.get(Element::ComposerHint),
        )),
        row,
    );
    if let Some((text, over)) = counter {
        let cols = u16::try_from(width(&text))
            .unwrap_or(row.width)
            .min(row.width);
        let style = theme.get(if over {
            Element::ComposerOver
        } else {
            Element::ComposerHint
        });
        frame.render_widget(
            Paragraph::new(Span::styled(text, style)),
            Rect::new(row.x + row.width - cols, row.y, cols, 1),
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

/// The start of the post being answered, as a quote under the heading: a third of the
/// room at most, so the text being written keeps the most; how many rows it took.
fn draw_answered(frame: &mut Frame, doc: &Document, area: Rect, theme: &Theme) -> u16 {
    const BAR: &str = "│ ";
    let room = usize::from(area.height.saturating_sub(3) / 3);
    if room < 2 {
        return 0;
    }
    let quote = theme.get(Element::BodyQuote);
    let wrapped = doc.wrap(usize::from(area.width).saturating_sub(1 + width(BAR)));
    let shown = if wrapped.len() > room {
        room - 1
    } else {
        wrapped.len()
    };
    let mut lines: Vec<Line> = wrapped
        .iter()
        .take(shown)
        .map(|line| {
            let mut spans = vec![Span::styled(format!(" {BAR}"), quote)];
            spans.extend(
                line.spans
                    .iter()
                    .map(|s| Span::styled(s.text.clone(), theme.body(s.style))),
            );
            Line::from(spans)
        })
        .collect();
    if wrapped.len() > shown {
        lines.push(Line::from(vec![
            Span::styled(format!(" {BAR}"), quote),
            Span::styled(
                format!("… {} more lines", wrapped.len() - shown),
                theme.get(Element::ReaderMeta),
            ),
        ]));
    }
    let rows = u16::try_from(lines.len()).unwrap_or(area.height);
    frame.render_widget(
        Paragraph::new(lines),
        Rect::new(area.x, area.y, area.width, rows),
    );
    rows
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
        let fields = if view.composer.tags.is_some() {
            "title/tags/text"
        } else {
            "title/text"
        };
        parts.push(format!("{k} {fields}"));
    }
    format!(" {}", parts.join(" · "))
}
