//! Pop-ups over the panes: the help (every active key binding) and the links list.

use super::element::Element;
use super::hyperlink;
use super::text::{truncate, width};
use super::theme::Theme;
use crate::app::input::help::{HELP_COLUMN, HelpLine, HelpPages, help_lines_for};
use crate::app::input::keymap::Context;
use crate::app::input::keymap::Keymap;
use crate::render::Link;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// A box of at most `cols` × `rows` centred in `screen`.
pub fn centred(screen: Rect, cols: u16, rows: u16) -> Rect {
    let w = cols.min(screen.width.saturating_sub(2)).max(1);
    let h = rows.min(screen.height.saturating_sub(2)).max(1);
    Rect::new(
        screen.x + (screen.width.saturating_sub(w)) / 2,
        screen.y + (screen.height.saturating_sub(h)) / 2,
        w,
        h,
    )
}

pub fn framed<'a>(title: &'a str, theme: &Theme) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(theme.get(Element::HelpBorder))
        .title(Span::styled(title, theme.get(Element::HelpSection)))
}

/// The help: every active binding, those of `lead` (where the user is) first.
pub fn draw_help(frame: &mut Frame, keymap: &Keymap, lead: Context, scroll: usize, theme: &Theme) {
    let screen = frame.area();
    let lines = help_lines_for(keymap, lead);
    let pages = HelpPages::new(&lines, (screen.width, screen.height));
    let scroll = scroll.min(pages.max_scroll());
    let columns: Vec<&[HelpLine]> = pages.columns.iter().map(|r| &lines[r.clone()]).collect();
    let rows = u16::try_from(pages.tallest() + 2).unwrap_or(u16::MAX);
    let width = u16::try_from(columns.len()).unwrap_or(1) * HELP_COLUMN + 2;
    let area = centred(screen, width.max(40), rows);
    let mut block = framed(" Keys (j/k scroll, any other key closes) ", theme);
    if pages.more_below(scroll) {
        block = block.title_bottom(
            Line::styled(" more below: j, space, G ", theme.get(Element::HelpSection))
                .right_aligned(),
        );
    }
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let column_width = inner.width / u16::try_from(columns.len()).unwrap_or(1).max(1);
    for (n, column) in columns.iter().enumerate() {
        let x = inner.x + column_width * u16::try_from(n).unwrap_or(0);
        let rect = Rect::new(x, inner.y, column_width, inner.height);
        let text = help_column(column, scroll, usize::from(column_width), theme);
        frame.render_widget(Paragraph::new(text), rect);
    }
}

fn help_column<'a>(
    lines: &'a [HelpLine],
    scroll: usize,
    cols: usize,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let key_cols = lines
        .iter()
        .filter_map(|l| match l {
            HelpLine::Binding { keys, .. } => Some(width(keys)),
            _ => None,
        })
        .max()
        .unwrap_or(8)
        .min(24);
    lines
        .iter()
        .skip(scroll)
        .map(|line| match line {
            HelpLine::Section(title) => {
                Line::styled(format!(" {title}"), theme.get(Element::HelpSection))
            }
            HelpLine::Blank => Line::default(),
            HelpLine::Binding { keys, desc } => {
                let keys = truncate(keys, key_cols);
                let pad = key_cols.saturating_sub(width(&keys));
                let room = cols.saturating_sub(key_cols + 6);
                Line::from(vec![
                    Span::raw("   "),
                    Span::styled(keys, theme.get(Element::HelpKey)),
                    Span::raw(" ".repeat(pad + 2)),
                    Span::styled(truncate(desc, room), theme.get(Element::HelpDesc)),
                ])
            }
        })
        .collect()
}

/// The links pop-up; with `hyperlinks`, each entry's `[n] URL` is clickable too.
pub fn draw_links(
    frame: &mut Frame,
    links: &[Link],
    selected: usize,
    hyperlinks: bool,
    theme: &Theme,
) {
    let screen = frame.area();
    let rows = u16::try_from(links.len() + 2).unwrap_or(u16::MAX);
    let area = centred(screen, 90, rows);
    let inner_cols = usize::from(area.width.saturating_sub(2));
    let text: Vec<Line> = links
        .iter()
        .enumerate()
        .map(|(i, link)| {
            let mark = if link.openable().is_some() {
                ""
            } else {
                " (not openable)"
            };
            let label = if link.text.is_empty() || link.text == link.url {
                String::new()
            } else {
                format!("  {}", link.text)
            };
            let text = truncate(
                &format!(" [{}] {}{label}{mark}", link.number, link.url),
                inner_cols,
            );
            let style = if i == selected {
                theme.get(Element::TreeSelected)
            } else {
                theme.get(Element::BodyLink)
            };
            Line::styled(text, style)
        })
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text).block(framed(" Links (enter opens, esc closes) ", theme)),
        area,
    );
    if hyperlinks {
        // Inside the frame, after the entry's leading space.
        let inner = area.inner(ratatui::layout::Margin::new(1, 1));
        let regions: Vec<hyperlink::Region> = (inner.y..inner.bottom())
            .zip(links)
            .filter_map(|(y, link)| {
                let start = inner.x.saturating_add(1);
                let shown = width(&format!("[{}] {}", link.number, link.url));
                Some(hyperlink::Region {
                    y,
                    start,
                    end: start.saturating_add(u16::try_from(shown).unwrap_or(u16::MAX)),
                    target: hyperlink::target(link)?,
                })
            })
            .collect();
        hyperlink::apply(frame.buffer_mut(), inner, &regions);
    }
}
