//! Pop-ups over the panes: the help (every active key binding) and the links list.

use super::text::{truncate, width};
use super::theme::Theme;
use crate::app::help::{HelpLine, help_lines};
use crate::app::keymap::Keymap;
use crate::render::Link;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// A box of at most `cols` × `rows` centred in `screen`.
fn centred(screen: Rect, cols: u16, rows: u16) -> Rect {
    let w = cols.min(screen.width.saturating_sub(2)).max(1);
    let h = rows.min(screen.height.saturating_sub(2)).max(1);
    Rect::new(
        screen.x + (screen.width.saturating_sub(w)) / 2,
        screen.y + (screen.height.saturating_sub(h)) / 2,
        w,
        h,
    )
}

fn framed<'a>(title: &'a str, theme: &Theme) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(theme.get("help.border"))
        .title(Span::styled(title, theme.get("help.section")))
}

pub fn draw_help(frame: &mut Frame, keymap: &Keymap, scroll: usize, theme: &Theme) {
    let screen = frame.area();
    let lines = help_lines(keymap);
    let key_cols = lines
        .iter()
        .filter_map(|l| match l {
            HelpLine::Binding { keys, .. } => Some(width(keys)),
            _ => None,
        })
        .max()
        .unwrap_or(8)
        .min(24);
    let rows = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let area = centred(screen, 80, rows);
    let inner_cols = usize::from(area.width.saturating_sub(2));
    let text: Vec<Line> = lines
        .iter()
        .skip(scroll)
        .map(|line| match line {
            HelpLine::Section(title) => {
                Line::styled(format!(" {title}"), theme.get("help.section"))
            }
            HelpLine::Blank => Line::default(),
            HelpLine::Binding { keys, desc } => {
                let keys = truncate(keys, key_cols);
                let pad = key_cols.saturating_sub(width(&keys));
                let room = inner_cols.saturating_sub(key_cols + 5);
                Line::from(vec![
                    Span::raw("   "),
                    Span::styled(keys, theme.get("help.key")),
                    Span::raw(" ".repeat(pad + 2)),
                    Span::styled(truncate(desc, room), theme.get("help.desc")),
                ])
            }
        })
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text).block(framed(" Keys (j/k scroll, any other key closes) ", theme)),
        area,
    );
}

pub fn draw_links(frame: &mut Frame, links: &[Link], selected: usize, theme: &Theme) {
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
                theme.get("tree.selected")
            } else {
                theme.get("body.link")
            };
            Line::styled(text, style)
        })
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text).block(framed(" Links (enter opens, esc closes) ", theme)),
        area,
    );
}
