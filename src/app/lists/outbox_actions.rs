//! The outbox list: entries with their state, target, attempts and the server's last word;
//! retry now, edit a failed entry, discard (asked first).

use crate::app::Action;
use crate::app::compose::actions as compose_actions;
use crate::app::msg::{Effect, StoreJob};
use crate::app::state::{Overlay, State};
use crate::model::{OutboxEntry, OutboxState};
use crossterm::event::{KeyCode, KeyEvent};

/// Opens the list.
pub fn show(state: &mut State, fx: &mut Vec<Effect>) {
    state.overlay = Overlay::Outbox {
        selected: 0,
        confirm: false,
    };
    // Show it as it is now, not as last read.
    fx.push(Effect::Store(StoreJob::LoadOutbox));
}

/// Keeps the selection on an entry after the list changed.
pub fn clamp(state: &mut State) {
    if let Overlay::Outbox { selected, confirm } = state.overlay {
        let last = state.outbox.entries.len().saturating_sub(1);
        state.overlay = Overlay::Outbox {
            selected: selected.min(last),
            confirm: confirm && selected <= last,
        };
    }
}

fn selected(state: &State) -> Option<(usize, &OutboxEntry)> {
    match state.overlay {
        Overlay::Outbox { selected, .. } => {
            state.outbox.entries.get(selected).map(|e| (selected, e))
        }
        _ => None,
    }
}

/// Runs an action of the outbox list.
pub fn run(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let Overlay::Outbox { selected: at, .. } = state.overlay else {
        return;
    };
    let last = state.outbox.entries.len().saturating_sub(1);
    let select = |selected| Overlay::Outbox {
        selected,
        confirm: false,
    };
    match action {
        Action::Down => state.overlay = select((at + 1).min(last)),
        Action::Up => state.overlay = select(at.saturating_sub(1)),
        Action::Top => state.overlay = select(0),
        Action::Bottom => state.overlay = select(last),
        Action::Retry => retry(state, fx),
        Action::Edit | Action::Open => edit(state, fx),
        Action::Discard => ask_discard(state),
        Action::Close | Action::Quit | Action::Outbox => state.overlay = Overlay::None,
        Action::Help => state.overlay = Overlay::Help { scroll: 0 },
        _ => state.notice("that key does nothing in the outbox list; esc closes it"),
    }
}

fn retry(state: &mut State, fx: &mut Vec<Effect>) {
    let Some((_, entry)) = selected(state) else {
        state.notice("the outbox is empty");
        return;
    };
    match &entry.state {
        OutboxState::Failed => {
            fx.push(Effect::Store(StoreJob::Retry(entry.key.clone())));
            state.notice("queued again under a new key; the refused one is kept aside");
        }
        s if s.is_pending() => {
            fx.push(Effect::Store(StoreJob::Retry(entry.key.clone())));
            state.notice("sending now");
        }
        s => {
            let label = s.label();
            state.notice(format!("this reply is {label}: nothing to retry"));
        }
    }
}

fn edit(state: &mut State, fx: &mut Vec<Effect>) {
    let Some((_, entry)) = selected(state) else {
        state.notice("the outbox is empty");
        return;
    };
    if matches!(entry.state, OutboxState::Conflict { .. }) {
        let key = entry.key.clone();
        return crate::app::reader::conflict::open(state, key);
    }
    if entry.state != OutboxState::Failed {
        state.notice(format!(
            "only a failed reply can be edited; this one is {} and may be on its way",
            entry.state.label()
        ));
        return;
    }
    let entry = entry.clone();
    state.overlay = Overlay::None;
    compose_actions::edit_failed(state, &entry, fx);
}

fn ask_discard(state: &mut State) {
    if let Some((at, _)) = selected(state) {
        state.overlay = Overlay::Outbox {
            selected: at,
            confirm: true,
        };
    } else {
        state.notice("the outbox is empty");
    }
}

/// The answer to "discard this entry?": `y` discards, anything else keeps it.
pub fn confirm_key(state: &mut State, event: KeyEvent, fx: &mut Vec<Effect>) {
    let Some((at, entry)) = selected(state) else {
        return;
    };
    let key = entry.key.clone();
    state.overlay = Overlay::Outbox {
        selected: at,
        confirm: false,
    };
    if matches!(event.code, KeyCode::Char('y' | 'Y')) {
        fx.push(Effect::Store(StoreJob::Discard(key)));
    } else {
        state.notice("kept");
    }
}
