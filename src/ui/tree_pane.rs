//! Draws the tree pane from the tree model: indented rows, fold markers, unread counts,
//! watch levels (`◆` watching, `◇` tracking, muted rows dimmed with no unread dot).

use super::element::Element;
use super::text::{truncate, width};
use super::theme::Theme;
use crate::app::tree::{NodeKind, TreeModel, TreeNode};
use crate::model::WatchLevel;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use std::fmt::Write as _;

/// What the tree pane needs to draw.
#[derive(Debug)]
pub struct TreeView<'a> {
    pub tree: &'a TreeModel,
    pub focused: bool,
    /// The whole pane (with its border, when `bordered`).
    pub area: Rect,
    pub list: Rect,
    pub bordered: bool,
}

pub fn draw(frame: &mut Frame, view: &TreeView<'_>, theme: &Theme) {
    if view.area.is_empty() {
        return;
    }
    if view.bordered {
        let block = Block::new()
            .borders(Borders::RIGHT)
            .border_style(theme.get(Element::PaneBorder));
        frame.render_widget(block, view.area);
    }
    let tree = view.tree;
    let height = usize::from(view.list.height);
    let cols = usize::from(view.list.width);
    let lines: Vec<Line> = tree
        .visible()
        .iter()
        .skip(tree.offset())
        .take(height)
        .map(|&index| {
            let selected = tree.selected_index() == Some(index);
            tree.node(index).map_or_else(Line::default, |node| {
                row(
                    node,
                    tree.is_expanded(index),
                    selected,
                    view.focused,
                    cols,
                    theme,
                )
            })
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), view.list);
}

fn row<'a>(
    node: &'a TreeNode,
    expanded: bool,
    selected: bool,
    focused: bool,
    cols: usize,
    theme: &Theme,
) -> Line<'a> {
    let indent = "  ".repeat(node.depth.saturating_sub(1));
    let muted = node.watch == WatchLevel::Muted;
    let marker = match (node.kind, node.has_children, expanded) {
        (NodeKind::Forum, _, _) => "",
        (_, true, true) => "▾ ",
        (_, true, false) => "▸ ",
        (NodeKind::Thread, _, _) if node.unread > 0 && !muted => "● ",
        _ => "  ",
    };
    let watch = match node.watch {
        WatchLevel::Watching => "◆ ",
        WatchLevel::Tracking => "◇ ",
        WatchLevel::Normal | WatchLevel::Muted => "",
    };
    let mut count = String::new();
    // A thread's score from the rules, as `threadmark tree` says it.
    if node.score != 0 {
        let _ = write!(count, " score {}", node.score);
    }
    if node.unread > 0 {
        let _ = write!(count, " {}", node.unread);
    }
    let mut label_style = theme.get(match node.kind {
        NodeKind::Forum => Element::TreeForum,
        NodeKind::Section => Element::TreeSection,
        NodeKind::Area | NodeKind::Folder => Element::TreeArea,
        NodeKind::Thread => Element::TreeThread,
    });
    if node.kind == NodeKind::Thread && node.unread > 0 && !muted {
        label_style = label_style.patch(theme.get(Element::TreeUnread));
    }
    let mut count_style = theme.get(Element::TreeCount);
    if muted {
        label_style = label_style.patch(theme.get(Element::TreeMuted));
        count_style = count_style.patch(theme.get(Element::TreeMuted));
    }
    let lead = width(&indent) + width(marker) + width(watch);
    let room = cols.saturating_sub(lead + width(&count) + 1);
    let label = truncate(&node.label, room);
    let pad = cols.saturating_sub(lead + width(&label) + width(&count));
    let marker_style = if node.kind == NodeKind::Thread {
        theme.get(Element::ReaderUnread)
    } else {
        theme.get(Element::TreeMarker)
    };
    let spans = vec![
        Span::raw(indent),
        Span::styled(marker, marker_style),
        Span::styled(watch, theme.get(Element::TreeWatching)),
        Span::styled(label, label_style),
        Span::raw(" ".repeat(pad)),
        Span::styled(count, count_style),
    ];
    if !selected {
        return Line::from(spans);
    }
    let highlight = if focused {
        theme.get(Element::TreeSelected)
    } else {
        theme.get(Element::TreeSelectedUnfocused)
    };
    // The highlight wins over each part's own colours, so the row reads as one bar.
    Line::from(
        spans
            .into_iter()
            .map(|s| {
                let style = s.style.patch(highlight);
                s.style(style)
            })
            .collect::<Vec<_>>(),
    )
    .style(Style::default().patch(highlight))
}
