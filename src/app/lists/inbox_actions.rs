//! The Inbox from the reader: `i` lists the account's inbox items, newest first, unread
//! ones marked; enter goes to the post in its thread (as a bookmark does) and marks the
//! item read, `r` marks it read without going, `R` marks every item read. Marks are kept
//! and queued for the server by the store worker, never inside `update`.

use crate::app::Action;
use crate::app::lists::bookmarks_actions;
use crate::app::msg::{Effect, StoreJob};
use crate::app::state::{Overlay, State};
use crate::model::InboxItem;

/// `i`: opens the list (filled when the store worker has read it).
pub fn show(state: &mut State, fx: &mut Vec<Effect>) {
    if state.composer.is_some() {
        return;
    }
    state.overlay = Overlay::Inbox { selected: 0 };
    fx.push(Effect::Store(StoreJob::LoadInboxItems));
}

/// The inbox as read now: the list and the status line's count follow.
pub fn loaded(state: &mut State, rows: Vec<InboxItem>) {
    state.status.inbox_unread = rows.iter().filter(|i| !i.read).count();
    state.inbox.rows = rows;
    if let Overlay::Inbox { selected } = state.overlay {
        if state.inbox.rows.is_empty() {
            state.overlay = Overlay::None;
            state.notice(
                "the inbox is empty: replies, mentions, quotes and messages come with each sync",
            );
        } else {
            state.overlay = Overlay::Inbox {
                selected: selected.min(state.inbox.rows.len() - 1),
            };
        }
    }
}

/// Runs an action of the Inbox list.
pub fn run(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let Overlay::Inbox { selected } = state.overlay else {
        return;
    };
    let len = state.inbox.rows.len();
    let select = |selected| Overlay::Inbox { selected };
    match action {
        Action::Down | Action::Up | Action::Top | Action::Bottom => {
            if let Some(to) = super::moved(action, selected, len) {
                state.overlay = select(to);
            }
        }
        Action::Open => {
            if let Some(item) = state.inbox.rows.get(selected).cloned() {
                state.overlay = Overlay::None;
                bookmarks_actions::jump(state, item.thread, item.post, fx);
                if !item.read {
                    fx.push(mark(vec![item.id], false));
                }
            }
        }
        Action::MarkRead => match state.inbox.rows.get(selected) {
            Some(item) if !item.read => fx.push(mark(vec![item.id.clone()], true)),
            Some(_) => state.notice("already read"),
            None => {}
        },
        Action::MarkAllRead => {
            if state.inbox.rows.iter().any(|i| !i.read) {
                fx.push(Effect::Store(StoreJob::MarkInboxRead {
                    ids: None,
                    say: true,
                }));
            } else {
                state.notice("nothing unread in the inbox");
            }
        }
        Action::Close | Action::Quit | Action::Inbox => state.overlay = Overlay::None,
        Action::Help => state.overlay = Overlay::Help { scroll: 0 },
        _ => state.notice("that key does nothing in the inbox; esc closes it"),
    }
}

fn mark(ids: Vec<String>, say: bool) -> Effect {
    Effect::Store(StoreJob::MarkInboxRead {
        ids: Some(ids),
        say,
    })
}
