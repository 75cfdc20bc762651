//! Folds the sync engine's news into the state: the connection for the status line, the
//! server's banner, and reloads of what a pull or a flush changed.

use crate::app::index_reload::{self, TreeBasis};
use crate::app::msg::{Effect, IndexData, StoreJob};
use crate::app::start_index;
use crate::app::state::State;
use crate::sync::protocol::{Connection, SyncCommand, SyncEvent, SyncStatus};

pub fn on_event(state: &mut State, event: SyncEvent, fx: &mut Vec<Effect>) {
    match event {
        SyncEvent::Status(status) => on_status(state, status, fx),
        SyncEvent::Pulled(mut report) => {
            state.status.skipped = state.status.skipped.saturating_add(report.skipped);
            own_posts_read(state, &report.own, fx);
            let mut read_elsewhere = false;
            for (thread, seq) in &report.read_through {
                read_elsewhere |= state.data.read.read_elsewhere(thread, *seq);
            }
            for (thread, marker) in &report.read_markers {
                read_elsewhere |= state.data.read.apply_marker(thread, marker);
            }
            if read_elsewhere {
                state.tree.refresh_unread(&state.data.read);
                fx.push(Effect::SaveReadState);
            }
            if report.tree_changed || !report.changed.is_empty() {
                // The store worker builds the new list's tree from what is shown now.
                fx.push(Effect::ReloadIndex(Box::new(TreeBasis::of(state))));
            }
            if !report.inbox_news.is_empty() {
                fx.push(Effect::Announce(report.inbox_news.clone()));
            }
            if report.inbox_changed {
                // The open Inbox list is read again (its answer counts the unread too).
                fx.push(Effect::Store(
                    if matches!(state.overlay, crate::app::state::Overlay::Inbox { .. }) {
                        StoreJob::LoadInboxItems
                    } else {
                        StoreJob::LoadInbox
                    },
                ));
            }
            // Watch levels or bookmarks set on another machine.
            if report.places_changed {
                fx.push(Effect::Store(StoreJob::LoadPlaces));
            }
            if let Some(open) = &state.reader.open
                && report.changed.contains(open.id())
            {
                // The engine sent every change to the thread shown: applied in place.
                if let Some(change) = report.focused.take()
                    && crate::app::reader::in_place::apply(state, *change)
                {
                    return;
                }
                let Some(open) = &state.reader.open else {
                    return;
                };
                let thread = open.id().clone();
                let parsed = open
                    .real_posts()
                    .iter()
                    .map(|p| (p.id.clone(), p.version))
                    .collect();
                state.reader.requested = Some(thread.clone());
                fx.push(Effect::ReloadThread { thread, parsed });
            }
        }
        // States changed or sent replies were archived: the echoes follow the files.
        SyncEvent::Outbox(_) => {
            state.sync_news_arrived();
            fx.push(Effect::Store(StoreJob::LoadOutbox));
        }
        SyncEvent::Revisions { post, result } => {
            crate::app::reader::revisions::arrived(state, &post, result);
        }
        SyncEvent::Users { prefix, result } => {
            crate::app::compose::mention::answered(state, &prefix, result, fx);
        }
    }
}

/// Your own new posts (and threads) are read by definition: they never count as unread.
fn own_posts_read(
    state: &mut State,
    own: &std::collections::BTreeMap<crate::model::ThreadId, Vec<u32>>,
    fx: &mut Vec<Effect>,
) {
    let mut changed = false;
    for (thread, seqs) in own {
        let read = state.data.read.thread_mut(thread);
        for &seq in seqs {
            if !read.is_read(seq) {
                read.mark_read(seq);
                changed = true;
            }
        }
    }
    if changed {
        crate::app::reader::read_mark_actions::changed(state, fx);
    }
}

fn on_status(state: &mut State, status: SyncStatus, fx: &mut Vec<Effect>) {
    // Progress reports carry the progress alone.
    if let Connection::Syncing(Some(_)) | Connection::Paused { .. } = status.connection {
        state.status.connection = status.connection;
        return;
    }
    if !matches!(status.connection, Connection::Syncing(_)) {
        state.sync_news_arrived();
    }
    let was = std::mem::replace(&mut state.status.connection, status.connection);
    if status.last_success_at.is_some() {
        state.status.last_sync = status.last_success_at;
    }
    state.status.outbox_note = status.outbox_note;
    state.banner.set_server(status.banner);
    let mode_changed =
        std::mem::discriminant(&was) != std::mem::discriminant(&state.status.connection);
    if mode_changed || status.outbox_pending != state.outbox.pending() {
        fx.push(Effect::Store(StoreJob::LoadOutbox));
    }
}

/// The engine could not start (no usable credential, an unsupported server): reading goes
/// on from the cache, and the status line says why nothing syncs.
pub fn unavailable(state: &mut State, why: String) {
    state.status.connection = Connection::Offline {
        reason: why.clone(),
        retry_at: None,
    };
    state.error(why);
}

/// The tree and index reloaded after a sync, or loaded after the first frame: the tree is
/// rebuilt keeping expansion, selection and filter. A tree that had no threads yet (an
/// account's first sync) had nothing to select: the selection then goes where a fresh
/// start puts it, on the first unread thread. A start that did not wait for the index
/// gets back the selection remembered from last time (unless the user moved meanwhile).
pub fn index_loaded(state: &mut State, data: IndexData, fx: &mut Vec<Effect>) {
    let IndexData {
        forum,
        threads,
        counts,
        read,
        tree: prebuilt,
    } = data;
    // The read state of a start that did not wait for it: what was marked meanwhile is
    // folded in (reading only moves forward; explicit unread marks stay).
    let read_meanwhile = !state.data.read.threads.is_empty();
    if let Some(mut loaded) = read {
        loaded.merge(&state.data.read);
        state.data.read = loaded;
    }
    let selected = index_reload::kept_selection(state);
    let filter = state.tree.filter().to_owned();
    // Counts the runner did not judge again stay as they were.
    let counts = counts.unwrap_or_else(|| state.tree.counts().clone());
    crate::app::rules_ui::rule_read::arrived(state, &threads, &counts, fx);
    let adopted = start_index::adopt(
        state,
        prebuilt,
        selected.as_deref(),
        (Some(&counts), read_meanwhile),
    );
    let mut tree = adopted.unwrap_or_else(|| {
        start_index::assemble(
            (&forum, &threads, &state.data.read),
            &state.rules_ui.views,
            state.tree.collapsed_keys().clone(),
            selected.as_deref(),
            &state.places,
            counts,
        )
    });
    if !filter.is_empty() {
        tree.set_filter(&filter);
    }
    state.tree = tree;
    state.banner.set(forum.announcement.clone());
    state.data.forum = forum;
    state.data.threads = threads;
    crate::app::tree::folders::index_changed(state, fx);
    start_index::arrived(state, fx);
}

/// The thread the user reads, for the engine to fetch first.
pub fn focus(state: &State, fx: &mut Vec<Effect>) {
    fx.push(Effect::Sync(SyncCommand::Focus(
        state.reader.thread_id().cloned(),
    )));
}

/// The demo's server took its new mode (or could not): say what that means for replies.
pub fn demo_switched(state: &mut State, result: Result<&'static str, String>) {
    match result {
        Ok("open") => state
            .notice_until_sync_news("demo server: open — replies waiting in the outbox go out now"),
        Ok("read-only") => state.notice_until_sync_news(
            "demo server: read-only — replies are held (no retries spent); `!` again: unreachable",
        ),
        Ok(mode) => state.notice_until_sync_news(format!(
            "demo server: {mode} — reading goes on from the cache, replies wait; `!` again: open"
        )),
        Err(why) => state.error(why),
    }
}
