//! `w`: cycles the watch level of the open thread (in the reader), or of the thread or
//! area selected in the tree — normal → watching → tracking → muted → normal, starting
//! from the level that applies. The change is recorded by the store worker (queued for
//! the server, then kept in `places.json`); the status line says the new level once it is
//! on disk, and the tree shows it.

use crate::app::geometry::Focus;
use crate::app::msg::{Effect, StoreJob};
use crate::app::state::State;
use crate::app::tree::model::NodeKind;
use crate::model::{PlaceMark, WatchTarget};
use crate::text::sanitize::clean_line;
use jiff::{SignedDuration, Timestamp};

/// What `w` acts on: its target, the level that applies now and a name for the status line.
fn target(state: &State) -> Option<(WatchTarget, crate::model::WatchLevel, String)> {
    if state.focus == Focus::Reader
        && let Some(open) = &state.reader.open
    {
        let summary = &open.file.summary;
        return Some((
            WatchTarget::Thread(summary.id.clone()),
            state.places.thread_level(&summary.id, &summary.area),
            format!("thread \"{}\"", clean_line(&summary.title)),
        ));
    }
    let node = state.tree.selected()?;
    let target = match (node.kind, &node.thread(), &node.area) {
        (NodeKind::Thread, Some(thread), _) => WatchTarget::Thread(thread.clone()),
        // The collection of threads whose area is not in the tree is no area.
        (NodeKind::Area, _, Some(area)) => WatchTarget::Area(area.clone()),
        _ => return None,
    };
    let kind = target.kind();
    Some((target, node.watch, format!("{kind} \"{}\"", node.label)))
}

pub fn cycle(state: &mut State, fx: &mut Vec<Effect>) {
    let Some((target, level, name)) = target(state) else {
        state.notice("select a thread or an area to watch, track or mute");
        return;
    };
    let level = level.cycled();
    let set_before = match &target {
        WatchTarget::Thread(id) => state.places.threads.get(id),
        WatchTarget::Area(id) => state.places.areas.get(id),
    }
    .map(|s| s.at);
    let mark = PlaceMark::Watch {
        target,
        level,
        at: after(state.now, set_before),
    };
    fx.push(Effect::Store(StoreJob::Place {
        mark,
        // The level first: a long title may not fit the status line.
        said: format!("{level}: {name}"),
    }));
}

/// `now`, or just after `before` when the clock has not moved past it (two presses within
/// the clock's grain): the latest change must win.
pub(crate) fn after(now: Timestamp, before: Option<Timestamp>) -> Timestamp {
    match before {
        Some(before) if before >= now => before
            .checked_add(SignedDuration::from_micros(1))
            .unwrap_or(before),
        _ => now,
    }
}
