//! An edit (or deletion) of ours that met a newer version on the server: the screen that
//! shows the server's text and ours, and the three ways out — keep mine (sent again on the
//! server's version), take theirs (asked first; ours is kept under `outbox/discarded/`),
//! merge (the composer opens on both texts, and what is sent is an edit of the new
//! version). Neither text is ever dropped. The disk work is the store worker's.

use crate::app::Action;
use crate::app::compose::actions as compose_actions;
use crate::app::msg::{Effect, StoreJob};
use crate::app::state::{Overlay, State};
use crate::model::{OutboxEntry, OutboxState, PostId, Target};
use crossterm::event::{KeyCode, KeyEvent};

/// The line between our text and the server's in the composer of a merge.
pub const MERGE_MARKER: &str =
    "──── the server's version (below): keep what you want, delete this line and the rest ────";

/// The entry in conflict about `post`, if any.
pub fn entry_for_post<'a>(entries: &'a [OutboxEntry], post: &PostId) -> Option<&'a OutboxEntry> {
    entries.iter().find(|e| {
        matches!(e.state, OutboxState::Conflict { .. })
            && e.target.post().is_some_and(|(_, p)| p == post)
    })
}

/// The entry the screen is about, while it is still in conflict.
pub fn shown(state: &State) -> Option<&OutboxEntry> {
    let key = state.reader.conflict.as_deref()?;
    state
        .outbox
        .entries
        .iter()
        .find(|e| e.key == key && matches!(e.state, OutboxState::Conflict { .. }))
}

/// Opens the screen on the entry under `key`.
pub fn open(state: &mut State, key: String) {
    state.reader.conflict = Some(key);
    state.overlay = Overlay::Conflict {
        scroll: 0,
        confirm: false,
    };
}

/// Opens the screen on the conflict about `post` when there is one (`e` on a marked post).
pub fn open_for_post(state: &mut State, post: &PostId) -> bool {
    let Some(key) = entry_for_post(&state.outbox.entries, post).map(|e| e.key.clone()) else {
        return false;
    };
    open(state, key);
    true
}

/// The outbox was read again: a conflict settled meanwhile (by `threadmark outbox`, or by
/// this screen) closes the screen.
pub fn refresh(state: &mut State) {
    if matches!(state.overlay, Overlay::Conflict { .. }) && shown(state).is_none() {
        state.overlay = Overlay::None;
        state.reader.conflict = None;
    }
}

fn close(state: &mut State) {
    state.overlay = Overlay::None;
    state.reader.conflict = None;
}

/// Runs an action of the screen.
pub fn run(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let Overlay::Conflict { scroll, .. } = state.overlay else {
        return;
    };
    let Some(entry) = shown(state).cloned() else {
        close(state);
        return state.notice("that conflict is settled already (O shows the outbox)");
    };
    let deletion = matches!(entry.target, Target::Delete { .. });
    match action {
        Action::Down => set_scroll(state, scroll.saturating_add(1)),
        Action::Up => set_scroll(state, scroll.saturating_sub(1)),
        Action::KeepMine => {
            fx.push(Effect::Store(StoreJob::KeepMine(entry.key)));
            close(state);
            state.notice_until_sync_news(if deletion {
                "deleting again, on the server's version (the conflicting entry is kept under outbox/discarded/)"
            } else {
                "yours goes again on the server's version (the conflicting entry is kept under outbox/discarded/)"
            });
        }
        Action::TakeTheirs => {
            state.overlay = Overlay::Conflict {
                scroll,
                confirm: true,
            };
        }
        Action::Merge if deletion => {
            state.notice("a deletion has no text to merge: k deletes anyway, t keeps the post");
        }
        Action::Merge => merge(state, &entry, fx),
        Action::Close | Action::Quit => close(state),
        Action::Help => state.overlay = Overlay::Help { scroll: 0 },
        _ => state.notice("k keeps yours, t takes theirs, m merges; esc decides later"),
    }
}

fn set_scroll(state: &mut State, scroll: usize) {
    state.overlay = Overlay::Conflict {
        scroll,
        confirm: false,
    };
}

/// The answer to "take theirs?": `y` sets ours aside (the same discard as `threadmark
/// outbox discard`: the file is kept under `outbox/discarded/`), anything else goes back.
pub fn confirm_key(state: &mut State, event: KeyEvent, fx: &mut Vec<Effect>) {
    let Overlay::Conflict { scroll, .. } = state.overlay else {
        return;
    };
    if !matches!(event.code, KeyCode::Char('y' | 'Y')) {
        state.overlay = Overlay::Conflict {
            scroll,
            confirm: false,
        };
        return state.notice("nothing taken: yours still waits for your choice");
    }
    let Some(key) = shown(state).map(|e| e.key.clone()) else {
        close(state);
        return state.notice("that conflict is settled already (O shows the outbox)");
    };
    fx.push(Effect::Store(StoreJob::Discard(key)));
    close(state);
    state.notice("the server's text stays; yours is kept under outbox/discarded/");
}

/// The composer's text for a merge: ours, then the server's below the marker.
pub fn merged_text(ours: &str, theirs: &str) -> String {
    let mut text = ours.trim_end().to_owned();
    text.push_str("\n\n");
    text.push_str(MERGE_MARKER);
    text.push_str("\n\n");
    text.push_str(theirs.trim_end());
    text.push('\n');
    text
}

/// `m`: the composer opens on both texts; what is sent is an edit of the server's version
/// and takes the conflicting entry's place (which is kept under `outbox/discarded/`).
fn merge(state: &mut State, entry: &OutboxEntry, fx: &mut Vec<Effect>) {
    let OutboxState::Conflict {
        version, theirs, ..
    } = &entry.state
    else {
        return;
    };
    let Target::Edit { thread, post, .. } = &entry.target else {
        return;
    };
    let target = Target::Edit {
        thread: thread.clone(),
        post: post.clone(),
        base_version: *version,
        original: theirs.clone(),
    };
    let text = merged_text(&entry.body, theirs);
    close(state);
    compose_actions::merge_edit(state, target, text, entry.key.clone(), fx);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merge_starts_from_both_texts_ours_first() {
        let text = merged_text("mine\n", "theirs");
        let (ours, rest) = text.split_once(MERGE_MARKER).unwrap();
        assert_eq!(ours.trim(), "mine");
        assert_eq!(rest.trim(), "theirs");
    }
}
