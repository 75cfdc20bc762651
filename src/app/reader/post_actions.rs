//! Changes of existing posts from the reader: `e` edits your post (or the text of your reply
//! still in the outbox), `d` deletes your post after asking, `+` likes or unlikes any post.
//! Each is an outbox entry of its own kind, queued durably like a reply, its key made when
//! the user acts; the server's kind may lack one (its capabilities), which is said before
//! anything is typed.

use crate::app::compose::actions as compose_actions;
use crate::app::msg::{Effect, StoreJob};
use crate::app::reader::post_marks::{self, is_mine};
use crate::app::state::State;
use crate::model::{BodyFormat, OutboxEntry, OutboxState, Post, Target};
use crate::text::sanitize::clean_line;
use crossterm::event::{KeyCode, KeyEvent};

/// Still waiting to be sent, never tried: its text may change in place.
fn waiting(entry: &OutboxEntry) -> bool {
    matches!(entry.state, OutboxState::Queued | OutboxState::Held) && entry.attempts == 0
}

/// The reader's current post, or why there is none to act on.
pub(crate) fn current_post<'a>(state: &'a State, what: &str) -> Result<&'a Post, String> {
    let Some(open) = &state.reader.open else {
        return Err(format!(
            "open a thread first: {what} acts on the post you are reading"
        ));
    };
    open.post(state.reader.current)
        .ok_or_else(|| "no post here".to_owned())
}

/// The reader's current post when the server has it — not a reply still in the outbox
/// (`queued` then says what to do instead) — or why there is none to act on.
pub(crate) fn current_posted<'a>(
    state: &'a State,
    what: &str,
    queued: &str,
) -> Result<&'a Post, String> {
    let post = current_post(state, what)?;
    if state
        .reader
        .open
        .as_ref()
        .is_some_and(|o| o.is_echo(state.reader.current))
    {
        return Err(queued.to_owned());
    }
    Ok(post)
}

/// Whether the user may edit or delete `post`: their own (a moderator may change any).
/// When the account's name is not known (no login since this was added), the server
/// decides: it refuses others' posts, and the entry shows its answer.
fn may_change(state: &State, post: &Post, what: &str) -> Result<(), String> {
    let me = state.me.as_ref();
    if is_mine(post, me) || me.is_none_or(|me| me.moderator) {
        return Ok(());
    }
    Err(format!(
        "{} wrote that post: you can {what} only your own",
        clean_line(&post.author.name)
    ))
}

/// `e`: edits the current post — yours — in the composer, starting from its text (or
/// from the text of an edit of it still waiting in the outbox, which the new one replaces).
pub fn edit(state: &mut State, fx: &mut Vec<Effect>) {
    let post = match current_post(state, "e") {
        Ok(post) => post,
        Err(why) => return state.notice(why),
    };
    let echo = state
        .reader
        .open
        .as_ref()
        .and_then(|o| o.echo(state.reader.current))
        .map(|mark| mark.key.clone());
    if let Some(key) = echo {
        return edit_queued_reply(state, &key, fx);
    }
    // Our change of it met a newer version: both texts, and the choice.
    let id = post.id.clone();
    if crate::app::reader::conflict::open_for_post(state, &id) {
        return;
    }
    let Ok(post) = current_post(state, "e") else {
        return;
    };
    if post.deleted {
        return state.notice("that post was deleted: there is nothing to edit");
    }
    if let Err(why) = may_change(state, post, "edit") {
        return state.notice(why);
    }
    if !state.capabilities.edit {
        let why = state.capabilities.cannot("edit posts");
        return state.notice(why);
    }
    let queued = state
        .outbox
        .entries
        .iter()
        .find(|e| waiting(e) && matches!(&e.target, Target::Edit { post: p, .. } if *p == post.id))
        .map(|e| e.body.clone());
    let text = queued.clone().unwrap_or_else(|| match post.body.format {
        BodyFormat::Markdown => post.body.text.clone(),
        BodyFormat::Html => crate::render::plain_text(&post.body),
    });
    let target = Target::Edit {
        thread: post.thread.clone(),
        post: post.id.clone(),
        base_version: post.version,
        original: post.body.text.clone(),
    };
    compose_actions::edit_post(state, target, text, queued.is_some(), fx);
}

/// `e` on a reply still in the outbox: a failed one is edited and sent anew; one still
/// waiting takes the new text in place (one request, not two); one on its way cannot be
/// changed until it is posted.
fn edit_queued_reply(state: &mut State, key: &str, fx: &mut Vec<Effect>) {
    let Some(entry) = state.outbox.entries.iter().find(|e| e.key == key).cloned() else {
        return state.notice("that reply has left the outbox; edit it once it is shown");
    };
    if entry.state == OutboxState::Failed {
        compose_actions::edit_failed(state, &entry, fx);
    } else if waiting(&entry) {
        compose_actions::amend(state, &entry, fx);
    } else {
        state.notice(format!(
            "that reply is {}: edit it once it is posted",
            entry.state.label()
        ));
    }
}

/// `d`: asks whether to delete the current post (yours).
pub fn ask_delete(state: &mut State) {
    let post = match current_posted(
        state,
        "d",
        "that reply is still in your outbox: O lists it, d there discards it",
    ) {
        Ok(post) => post,
        Err(why) => return state.notice(why),
    };
    if post.deleted {
        return state.notice("that post is deleted already");
    }
    if let Err(why) = may_change(state, post, "delete") {
        return state.notice(why);
    }
    if !state.capabilities.delete {
        let why = state.capabilities.cannot("delete posts");
        return state.notice(why);
    }
    let change = post_marks::marks(post, &state.outbox.entries, state.me.as_ref()).change;
    if change == Some(post_marks::Change::Deleting) {
        return state.notice("that post is being deleted already (O shows the outbox)");
    }
    let (id, seq) = (post.id.clone(), post.seq);
    state.reader.confirm_delete = Some(id);
    state.notice(format!(
        "delete post #{seq}? y deletes it (through the outbox), any other key keeps it"
    ));
}

/// The answer to "delete post #N?": `y` queues the deletion, anything else keeps the post.
pub fn confirm_delete_key(state: &mut State, event: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(id) = state.reader.confirm_delete.take() else {
        return;
    };
    if !matches!(event.code, KeyCode::Char('y' | 'Y')) {
        return state.notice("kept");
    }
    let Some(post) = state
        .reader
        .open
        .as_ref()
        .and_then(|o| o.real_posts().iter().find(|p| p.id == id))
    else {
        return state.notice("that post is no longer shown; nothing was deleted");
    };
    let target = Target::Delete {
        thread: post.thread.clone(),
        post: post.id.clone(),
        base_version: post.version,
    };
    queue(state, target, String::new(), fx);
    state.notice_until_sync_news(
        "deleting… (in the outbox; the post shows as deleted once the server agrees)",
    );
}

/// `+`: likes the current post, or takes the like back (as it will be once what is queued
/// is sent).
pub fn toggle_like(state: &mut State, fx: &mut Vec<Effect>) {
    let post = match current_posted(
        state,
        "+",
        "that reply is still in your outbox: like posts once they are posted",
    ) {
        Ok(post) => post,
        Err(why) => return state.notice(why),
    };
    if post.deleted {
        return state.notice("that post was deleted");
    }
    if !state.capabilities.react {
        let why = state.capabilities.cannot("like posts");
        return state.notice(why);
    }
    let liked = post_marks::marks(post, &state.outbox.entries, state.me.as_ref())
        .reactions
        .liked;
    let (thread, id) = (post.thread.clone(), post.id.clone());
    let target = if liked {
        Target::Unlike { thread, post: id }
    } else {
        Target::Like { thread, post: id }
    };
    queue(state, target, String::new(), fx);
    state.notice_until_sync_news(if liked {
        "like taken back (in the outbox)"
    } else {
        "liked (in the outbox)"
    });
}

/// Puts a change in the outbox with `text` (empty for a like, a moderator's reason):
/// shown at once (the list holds it until the store worker's reload), written durably by
/// the store worker, then pushed.
pub(super) fn queue(state: &mut State, target: Target, text: String, fx: &mut Vec<Effect>) {
    let key = state.ids.next(state.now);
    let mut entry = OutboxEntry::queued(key, target, text, state.now);
    entry.seq = state
        .outbox
        .entries
        .iter()
        .map(|e| e.seq)
        .max()
        .unwrap_or(0)
        + 1;
    state.outbox.entries.push(entry.clone());
    fx.push(Effect::Store(StoreJob::Queue(Box::new(entry))));
}
