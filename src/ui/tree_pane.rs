//! Draws the tree pane from the tree model: indented rows, fold markers, unread counts,
//! watch levels (`◆` watching, `◇` tracking, muted rows dimmed with no unread dot).

use super::element::Element;
use super::text::{truncate, width};
use super::theme::Theme;
use crate::app::accounts::AccountRow;
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
    /// With several accounts: every account's row (the focused one's tree stands in for
    /// its row, at `focused_account`), drawn in `accounts_list` around `list`. Empty with
    /// one account.
    pub accounts: Vec<AccountRow>,
    pub focused_account: usize,
    pub accounts_list: Rect,
    /// "All accounts" (several accounts with folders without `account:`), drawn in
    /// `all_list` above the accounts, and whether the selection is there.
    pub all: Option<&'a TreeModel>,
    pub all_selected: bool,
    pub all_list: Rect,
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
    draw_accounts(frame, view, theme);
    draw_all(frame, view, theme);
    let root_note = view.accounts.get(view.focused_account);
    let lines = visible_rows(
        tree,
        height,
        !view.all_selected,
        (view.focused, cols),
        theme,
        root_note,
    );
    frame.render_widget(Paragraph::new(lines), view.list);
}

/// The rows of the accounts not in focus, above and below the focused account's tree.
fn draw_accounts(frame: &mut Frame, view: &TreeView<'_>, theme: &Theme) {
    let list = view.accounts_list;
    // The accounts below follow the focused tree's last row on screen.
    let tree_rows = crate::app::accounts::tree_rows_shown(view.tree, view.list.height);
    let cols = usize::from(list.width);
    for (index, account) in view.accounts.iter().enumerate() {
        if index == view.focused_account {
            continue;
        }
        let line = if index < view.focused_account {
            index
        } else {
            index + tree_rows - 1
        };
        let Some(y) = u16::try_from(line)
            .ok()
            .and_then(|l| list.y.checked_add(l))
            .filter(|&y| y < list.bottom())
        else {
            continue;
        };
        let node = TreeNode::account(&account.label, account.unread);
        let line = row(&node, false, false, false, cols, theme, Some(account));
        frame.render_widget(Paragraph::new(line), Rect::new(list.x, y, list.width, 1));
    }
}

/// "All accounts", its folders and their threads, above the accounts.
fn draw_all(frame: &mut Frame, view: &TreeView<'_>, theme: &Theme) {
    let Some(tree) = view.all else {
        return;
    };
    let list = view.all_list;
    let cols = usize::from(list.width);
    // Its node folds like an account's root, and says nothing of a connection.
    let note = AccountRow {
        label: crate::app::tree::all_accounts::LABEL.to_owned(),
        state: "",
        unread: 0,
    };
    let lines = visible_rows(
        tree,
        usize::from(list.height),
        view.all_selected,
        (view.focused, cols),
        theme,
        Some(&note),
    );
    frame.render_widget(Paragraph::new(lines), list);
}

/// The rows of `tree` on screen, `height` of them from its offset; its selection is
/// marked when `selection_here` (the selection is in this tree, not another one shown).
fn visible_rows<'a>(
    tree: &'a TreeModel,
    height: usize,
    selection_here: bool,
    (focused, cols): (bool, usize),
    theme: &Theme,
    root_note: Option<&AccountRow>,
) -> Vec<Line<'a>> {
    tree.visible()
        .iter()
        .skip(tree.offset())
        .take(height)
        .map(|&index| {
            let selected = selection_here && tree.selected_index() == Some(index);
            tree.node(index).map_or_else(Line::default, |node| {
                row(
                    node,
                    tree.is_expanded(index),
                    selected,
                    focused,
                    cols,
                    theme,
                    root_note,
                )
            })
        })
        .collect()
}

fn row<'a>(
    node: &'a TreeNode,
    expanded: bool,
    selected: bool,
    focused: bool,
    cols: usize,
    theme: &Theme,
    account: Option<&AccountRow>,
) -> Line<'a> {
    let indent = "  ".repeat(usize::from(node.depth).saturating_sub(1));
    let muted = node.watch == WatchLevel::Muted;
    let marker = match (node.kind, node.has_children, expanded) {
        // With several accounts, each forum's root folds like any other row.
        // (The focused account's root with nothing under it yet is open all the same.)
        (NodeKind::Forum, false, _) | (NodeKind::Forum, _, true) if account.is_some() => "▾ ",
        (NodeKind::Forum, true, false) if account.is_some() => "▸ ",
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
    // An account's root says its connection: synced, offline, read-only, rate-limited…
    if let Some(account) = account.filter(|a| node.kind == NodeKind::Forum && !a.state.is_empty()) {
        let _ = write!(count, " {}", account.state);
    }
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
    // An account's root is named as its row is when folded (its account's name before a
    // first sync, not the one-account reader's "Forum").
    let label = match account {
        Some(account) if node.kind == NodeKind::Forum => truncate(&account.label, room),
        _ => truncate(&node.label, room),
    };
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
