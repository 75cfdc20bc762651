//! The Inbox from the reader: `i` lists the account's inbox items, newest first, unread
//! ones marked; enter goes to the post in its thread (as a bookmark does) and marks the
//! item read, `r` marks it read without going, `R` marks every item read. Marks are kept
//! and queued for the server by the store worker, never inside `update`. With several
//! accounts open the list holds every account's items, each naming its account, and
//! what is done to an item goes to its account.

use crate::app::Action;
use crate::app::accounts;
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
    for other in accounts::others(state) {
        fx.push(accounts::tag(
            other,
            Effect::Store(StoreJob::LoadInboxItems),
        ));
    }
}

/// The inbox as read now: the list and the status line's count follow.
pub fn loaded(state: &mut State, rows: Vec<InboxItem>) {
    state.status.inbox_unread = rows.iter().filter(|i| !i.read).count();
    state.inbox.rows = rows;
    if let Overlay::Inbox { selected } = state.overlay {
        if state.accounts.several() {
            // The other accounts' lists may still be on their way: the list stays open.
            let len = accounts::inbox(state).len();
            state.overlay = Overlay::Inbox {
                selected: selected.min(len.saturating_sub(1)),
            };
        } else if state.inbox.rows.is_empty() {
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
    if state.accounts.several() {
        return run_across(state, action, selected, fx);
    }
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

/// An action of the Inbox list over several accounts: the item's own account does it
/// (going to the post moves the focus to that account first).
fn run_across(state: &mut State, action: Action, selected: usize, fx: &mut Vec<Effect>) {
    let entries = accounts::inbox(state);
    let len = entries.len();
    let chosen = entries.get(selected).map(|e| (e.account, e.item.clone()));
    let unread_in: std::collections::BTreeSet<usize> = entries
        .iter()
        .filter(|e| !e.item.read)
        .map(|e| e.account)
        .collect();
    match action {
        Action::Down | Action::Up | Action::Top | Action::Bottom => {
            if let Some(to) = super::moved(action, selected, len) {
                state.overlay = Overlay::Inbox { selected: to };
            }
        }
        Action::Open => {
            let Some((account, item)) = chosen else {
                return;
            };
            state.overlay = Overlay::None;
            accounts::focus(state, account);
            let mut own = Vec::new();
            bookmarks_actions::jump(state, item.thread, item.post, &mut own);
            if !item.read {
                own.push(mark(vec![item.id], false));
            }
            fx.extend(own.into_iter().map(|e| accounts::tag(account, e)));
        }
        Action::MarkRead => match chosen {
            Some((account, item)) if !item.read => {
                fx.push(accounts::tag(account, mark(vec![item.id], true)));
            }
            Some(_) => state.notice("already read"),
            None => {}
        },
        Action::MarkAllRead if unread_in.is_empty() => {
            state.notice("nothing unread in the inbox");
        }
        Action::MarkAllRead => {
            for account in unread_in {
                let all = Effect::Store(StoreJob::MarkInboxRead {
                    ids: None,
                    say: true,
                });
                fx.push(accounts::tag(account, all));
            }
        }
        Action::Close | Action::Quit | Action::Inbox => state.overlay = Overlay::None,
        Action::Help => state.overlay = Overlay::Help { scroll: 0 },
        _ => state.notice("that key does nothing in the inbox; esc closes it"),
    }
}
