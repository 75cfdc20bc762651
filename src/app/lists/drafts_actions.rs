//! The drafts list: offered at start when drafts were left behind (a crash, a kill, a quit
//! mid-reply); resume one, or delete it (asked first).

use crate::app::Action;
use crate::app::compose::actions as compose_actions;
use crate::app::msg::{Effect, StoreJob};
use crate::app::state::{Overlay, State};
use crate::model::Draft;
use crossterm::event::{KeyCode, KeyEvent};

/// Opens the list (`offered`: at start, to resume drafts left from last time).
pub fn show(state: &mut State, offered: bool) {
    if state.composer.is_some() {
        return;
    }
    if state.drafts.drafts.is_empty() {
        if !offered {
            state.notice("no unsent drafts");
        }
        return;
    }
    state.overlay = Overlay::Drafts {
        selected: 0,
        confirm: false,
        offered,
    };
}

/// The drafts on disk changed: keep the list and its selection in step.
pub fn loaded(state: &mut State, drafts: Vec<Draft>, offer: bool) {
    state.drafts.drafts = drafts;
    if offer && state.overlay == Overlay::None && state.prompt.is_none() {
        show(state, true);
    }
    if let Overlay::Drafts {
        selected, offered, ..
    } = state.overlay
    {
        state.overlay = if state.drafts.drafts.is_empty() {
            Overlay::None
        } else {
            Overlay::Drafts {
                selected: selected.min(state.drafts.drafts.len() - 1),
                confirm: false,
                offered,
            }
        };
    }
}

/// Runs an action of the drafts list.
pub fn run(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let Overlay::Drafts {
        selected, offered, ..
    } = state.overlay
    else {
        return;
    };
    let len = state.drafts.drafts.len();
    let select = |selected| Overlay::Drafts {
        selected,
        confirm: false,
        offered,
    };
    match action {
        Action::Down | Action::Up | Action::Top | Action::Bottom => {
            if let Some(to) = super::moved(action, selected, len) {
                state.overlay = select(to);
            }
        }
        Action::Open | Action::Edit => {
            if let Some(draft) = state.drafts.drafts.get(selected).cloned() {
                state.overlay = Overlay::None;
                compose_actions::resume(state, draft, fx);
            }
        }
        Action::Discard => {
            if state.drafts.drafts.get(selected).is_some() {
                state.overlay = Overlay::Drafts {
                    selected,
                    confirm: true,
                    offered,
                };
            }
        }
        Action::Close | Action::Quit | Action::Drafts => {
            state.overlay = Overlay::None;
            if offered {
                state.notice("drafts kept; D lists them");
            }
        }
        Action::Help => state.overlay = Overlay::Help { scroll: 0 },
        _ => state.notice("that key does nothing in the drafts list; esc closes it"),
    }
}

/// The answer to "delete this draft?": `y` deletes, anything else keeps it.
pub fn confirm_key(state: &mut State, event: KeyEvent, fx: &mut Vec<Effect>) {
    let Overlay::Drafts {
        selected, offered, ..
    } = state.overlay
    else {
        return;
    };
    state.overlay = Overlay::Drafts {
        selected,
        confirm: false,
        offered,
    };
    let Some(draft) = state.drafts.drafts.get(selected) else {
        return;
    };
    if matches!(event.code, KeyCode::Char('y' | 'Y')) {
        fx.push(Effect::Store(StoreJob::RemoveDraft(draft.id.clone())));
        state.notice("draft deleted");
    } else {
        state.notice("kept");
    }
}
