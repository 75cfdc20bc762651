//! Mouse: the wheel scrolls the pane under the pointer, a click selects and focuses.

use crate::app::geometry::Focus;
use crate::app::msg::Effect;
use crate::app::reader::model::Row;
use crate::app::state::{Overlay, State};
use crate::app::tree::actions as tree_actions;
use crate::app::tree::model::NodeKind;
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

/// Rows one wheel notch scrolls.
const WHEEL_ROWS: isize = 3;

pub fn on_mouse(state: &mut State, event: MouseEvent, fx: &mut Vec<Effect>) {
    if !state.settings.mouse
        || state.overlay != Overlay::None
        || state.prompt.is_some()
        || state.composer.is_some()
    {
        return;
    }
    let g = state.geometry();
    let at = Position::new(event.column, event.row);
    let row_in = |rect: Rect| usize::from(event.row.saturating_sub(rect.y));
    match event.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let delta = if event.kind == MouseEventKind::ScrollDown {
                WHEEL_ROWS
            } else {
                -WHEEL_ROWS
            };
            if g.reader_body.contains(at) {
                state.reader.scroll_by(delta);
            } else if g.tree_list.contains(at) {
                state.tree.move_by(delta);
            }
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if g.banner.contains(at) {
                state.banner.expanded = !state.banner.expanded;
            } else if g.all_list.contains(at) {
                let row = usize::from(event.row - g.all_list.y);
                crate::app::tree::all_accounts::click(state, row, fx);
            } else if g.accounts_list.contains(at)
                && let Some(index) = crate::app::accounts::row_at(state, &g, event.row)
            {
                // Another account's row: it takes the focus, its tree opens there.
                crate::app::accounts::focus(state, index);
            } else if g.tree_list.contains(at) {
                click_tree(state, state.tree.offset() + row_in(g.tree_list), fx);
            } else if g.reader_body.contains(at) {
                click_reader(state, state.reader.scroll + row_in(g.reader_body));
            }
        }
        _ => {}
    }
}

/// Selects the clicked row; a click on the thread already selected opens it.
fn click_tree(state: &mut State, row: usize, fx: &mut Vec<Effect>) {
    state.focus = Focus::Tree;
    let before = state.tree.selected_index();
    if !state.tree.select_row(row) {
        return;
    }
    fx.push(Effect::SaveUiState);
    let again = before == state.tree.selected_index();
    if let Some(node) = state.tree.selected() {
        match node.kind {
            NodeKind::Thread if again => tree_actions::open(state, fx),
            NodeKind::Thread => {}
            _ if again => state.tree.toggle(),
            _ => {}
        }
    }
}

/// Makes the clicked post current; a click on a folded marker unfolds it.
fn click_reader(state: &mut State, row: usize) {
    state.focus = Focus::Reader;
    let Some(&clicked) = state.reader.layout.rows.get(row) else {
        return;
    };
    state.reader.current = clicked.pos();
    if matches!(clicked, Row::Folded { .. }) {
        state.reader.toggle_fold();
    }
}
