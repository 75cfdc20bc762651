//! Handlers for writing: reply (`r`), reply quoting (`R`), new thread (`c`), resuming a
//! draft or a failed entry, and the composer's own keys (send, close, preview, editor).

use crate::app::Action;
use crate::app::compose::composer::Composer;
use crate::app::compose::describe;
use crate::app::geometry::Focus;
use crate::app::msg::{Effect, Outgoing, StoreJob};
use crate::app::state::{Overlay, State};
use crate::app::tree::actions as tree_actions;
use crate::app::tree::model::NodeKind;
use crate::model::{AreaId, BodyFormat, Draft, OutboxEntry, Post, Target};
use crate::sync::protocol::Connection;
use crate::text::sanitize::{clean, clean_line};
use crossterm::event::{KeyCode, KeyEvent};

/// A new draft for `target`, made now. Its id names the draft's file for its whole life.
fn fresh_draft(state: &mut State, target: Target, body: String) -> Draft {
    let now = state.now;
    Draft {
        id: state.ids.next(now),
        target,
        body,
        created_at: now,
        updated_at: now,
        tags: Vec::new(),
    }
}

/// Opens the composer on `draft`; a new thread in an area that requires tags gets a tags
/// input.
fn open(state: &mut State, draft: Draft, replaces: Option<String>) {
    let heading = describe::target(state, &draft.target);
    let required_tags = match &draft.target {
        Target::NewThread { area, .. } => state
            .data
            .forum
            .area(area)
            .map_or(0, |(_, a)| a.required_tags),
        _ => 0,
    };
    let mut composer = Composer::new(draft, heading);
    composer.require_tags(required_tags);
    composer.replaces = replaces;
    state.composer = Some(composer);
    state.overlay = Overlay::None;
    state.prompt = None;
}

/// A draft already started for the same target, to resume instead of starting over.
fn existing_draft(state: &State, target: &Target) -> Option<Draft> {
    state
        .drafts
        .drafts
        .iter()
        .find(|d| match (&d.target, target) {
            (Target::NewThread { area: a, .. }, Target::NewThread { area: b, .. }) => a == b,
            (a, b) => a == b,
        })
        .cloned()
}

/// Quoted markdown of `post` with its attribution, ready to answer below.
fn quoted(post: &Post) -> String {
    let text = match post.body.format {
        BodyFormat::Markdown => clean(&post.body.text).into_owned(),
        BodyFormat::Html => crate::render::plain_text(&post.body),
    };
    let mut out = format!("{} wrote (#{}):\n", clean_line(&post.author.name), post.seq);
    for line in text.trim().lines() {
        if line.trim().is_empty() {
            out.push_str(">\n");
        } else {
            out.push_str("> ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push('\n');
    out
}

/// `r` / `R`: answers the reader's current post, quoting it when `quote`.
pub fn reply(state: &mut State, quote: bool, fx: &mut Vec<Effect>) {
    let Some(thread) = &state.reader.open else {
        state.notice("open a thread first: replies answer the post you are reading");
        return;
    };
    let pos = state.reader.current;
    if thread.is_echo(pos) {
        state.notice("that reply is still in your outbox; answer it once it is posted");
        return;
    }
    let refusal = state
        .data
        .threads
        .iter()
        .find(|t| &t.id == thread.id())
        .and_then(crate::model::ThreadSummary::reply_refusal);
    if let Some(why) = refusal {
        state.notice(why);
        return;
    }
    let Some(post) = thread.post(pos) else { return };
    if post.deleted {
        state.notice("that post was deleted; answer another one");
        return;
    }
    let target = Target::Reply {
        thread: thread.id().clone(),
        reply_to: Some(post.id.clone()),
    };
    if let Some(draft) = existing_draft(state, &target) {
        open_draft_noting(state, draft);
        return;
    }
    let body = if quote { quoted(post) } else { String::new() };
    let draft = fresh_draft(state, target, body);
    open(state, draft, None);
    if quote {
        fx.push(Effect::DraftChanged);
    }
}

fn open_draft_noting(state: &mut State, draft: Draft) {
    open(state, draft, None);
    state.notice("resumed the draft you started here");
}

/// The area a new thread goes to: the selected area, or the area of the selected (or
/// open) thread.
fn chosen_area(state: &State) -> Option<AreaId> {
    let thread_area = |id: &crate::model::ThreadId| {
        state
            .data
            .threads
            .iter()
            .find(|t| &t.id == id)
            .map(|t| t.area.clone())
    };
    if state.focus == Focus::Reader
        && let Some(id) = state.reader.thread_id()
    {
        return thread_area(id);
    }
    let node = state.tree.selected()?;
    match node.kind {
        NodeKind::Area => node
            .key
            .strip_prefix("a:")
            .map(AreaId::new)
            .filter(|a| state.data.forum.area(a).is_some()),
        NodeKind::Thread => node.thread().as_ref().and_then(thread_area),
        NodeKind::Forum | NodeKind::Section | NodeKind::Folder => None,
    }
}

/// `c`: starts a thread in the selected area.
pub fn new_thread(state: &mut State) {
    let Some(area) = chosen_area(state) else {
        state.notice("select an area (or a thread in it) to start a thread there");
        return;
    };
    let refusal = state
        .data
        .forum
        .area(&area)
        .and_then(|(_, a)| a.access.new_thread_refusal());
    if let Some(why) = refusal {
        state.notice(why);
        return;
    }
    let target = Target::NewThread {
        area,
        title: String::new(),
    };
    if let Some(draft) = existing_draft(state, &target) {
        open_draft_noting(state, draft);
    } else {
        let draft = fresh_draft(state, target, String::new());
        open(state, draft, None);
    }
}

/// Reopens a saved draft (from the drafts list); a reply's thread opens behind it.
pub fn resume(state: &mut State, draft: Draft, fx: &mut Vec<Effect>) {
    if let Target::Reply { thread, .. } = &draft.target
        && state.data.threads.iter().any(|t| &t.id == thread)
    {
        tree_actions::open_thread(state, thread.clone(), fx);
    }
    open(state, draft, None);
}

/// Opens a failed outbox entry's text; sending it makes a new entry (a new key) and
/// discards the failed one.
pub fn edit_failed(state: &mut State, entry: &OutboxEntry, fx: &mut Vec<Effect>) {
    let mut draft = fresh_draft(state, entry.target.clone(), entry.body.clone());
    draft.tags.clone_from(&entry.tags);
    if let Some(id) = &entry.draft_id {
        draft.id.clone_from(id);
    }
    open(state, draft, Some(entry.key.clone()));
    fx.push(Effect::DraftChanged);
    state.notice("editing the refused reply: sending it queues a new one in its place");
}

/// `e` on your post: the composer opens on its text (or resumes a draft of the same edit).
/// `queued`: the text is that of an edit of it still waiting in the outbox, which this one
/// replaces once sent (only the last text goes).
pub fn edit_post(
    state: &mut State,
    target: Target,
    text: String,
    queued: bool,
    fx: &mut Vec<Effect>,
) {
    if let Some(draft) = existing_draft(state, &target) {
        open_draft_noting(state, draft);
        return;
    }
    let draft = fresh_draft(state, target, text);
    open(state, draft, None);
    fx.push(Effect::DraftChanged);
    state.notice(if queued {
        "editing the text of your edit still in the outbox: only the last text is sent"
    } else {
        "editing your post: ctrl-s sends the new text through the outbox"
    });
}

/// A merge of an edit in conflict: the composer opens on `text` (ours and the server's);
/// sending queues an edit of the server's version in place of the entry `replaces`, which
/// is kept under `outbox/discarded/`.
pub fn merge_edit(
    state: &mut State,
    target: Target,
    text: String,
    replaces: String,
    fx: &mut Vec<Effect>,
) {
    let draft = fresh_draft(state, target, text);
    open(state, draft, Some(replaces));
    fx.push(Effect::DraftChanged);
    state.notice("merging: yours is above the line, the server's below; ctrl-s sends the result as an edit of the server's version");
}

/// `e` on your reply still waiting in the outbox: the composer opens on its text; sending
/// changes the queued entry in place (one request later, not two).
pub fn amend(state: &mut State, entry: &OutboxEntry, fx: &mut Vec<Effect>) {
    let mut draft = fresh_draft(state, entry.target.clone(), entry.body.clone());
    draft.tags.clone_from(&entry.tags);
    open(state, draft, None);
    if let Some(composer) = &mut state.composer {
        composer.amends = Some(entry.key.clone());
    }
    fx.push(Effect::DraftChanged);
    state.notice("editing your reply still in the outbox: sending changes it there");
}

/// The outbox could not take a sent text: it goes back into the composer (and its draft),
/// so nothing typed is lost.
pub fn not_queued(state: &mut State, outgoing: Outgoing, why: String, fx: &mut Vec<Effect>) {
    let now = state.now;
    let draft = Draft {
        id: outgoing.draft_id,
        target: outgoing.target,
        body: outgoing.body,
        created_at: now,
        updated_at: now,
        tags: outgoing.tags,
    };
    if let Some(current) = state.composer.take() {
        // Something new was started meanwhile: keep it as a draft.
        fx.push(Effect::Store(StoreJob::SaveDraft(current.to_draft(now))));
    }
    open(state, draft, outgoing.replaces);
    if let Some(composer) = &mut state.composer {
        composer.amends = outgoing.amends;
    }
    fx.push(Effect::DraftChanged);
    state.error(why);
}

/// Runs an action while the composer is open.
pub fn run(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    // Tab right after `@name` in the text completes a user name.
    if matches!(action, Action::NextField) && super::mention::complete(state, fx) {
        return;
    }
    let Some(composer) = &mut state.composer else {
        return;
    };
    match action {
        Action::Send => send(state, None, fx),
        Action::CloseComposer => close(state, fx),
        Action::TogglePreview => composer.toggle_preview(),
        Action::ExternalEditor => {
            composer.preview = None;
            fx.push(Effect::EditExternally(composer.body_text()));
        }
        // A reply has no title: its tab key indents.
        Action::NextField if !composer.next_field() && composer.body.insert_tab() => {
            fx.push(Effect::DraftChanged);
        }
        Action::Help => state.overlay = Overlay::Help { scroll: 0 },
        Action::Suspend => fx.push(Effect::Suspend),
        _ => {}
    }
}

/// Typing into the composer; in the preview, the arrows and page keys scroll.
pub fn on_key(state: &mut State, event: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(composer) = &mut state.composer else {
        return;
    };
    if composer.preview.is_some() {
        let scroll = &mut composer.preview_scroll;
        match event.code {
            KeyCode::Down | KeyCode::Char('j') => *scroll += 1,
            KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => *scroll += 10,
            KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
            KeyCode::Home => *scroll = 0,
            _ => {}
        }
    } else if composer.input(event) {
        fx.push(Effect::DraftChanged);
    }
}

pub fn on_paste(state: &mut State, text: &str, fx: &mut Vec<Effect>) {
    if let Some(composer) = &mut state.composer
        && composer.paste(text)
    {
        fx.push(Effect::DraftChanged);
    }
}

/// The external editor is done.
pub fn edited(state: &mut State, result: Result<String, String>, fx: &mut Vec<Effect>) {
    match (result, &mut state.composer) {
        (Ok(text), Some(composer)) => {
            if composer.set_body(&text) {
                fx.push(Effect::DraftChanged);
                state.notice("text taken from the editor");
            } else {
                state.notice("the editor left the text unchanged");
            }
        }
        (Ok(_), None) => {}
        (Err(why), _) => state.error(why),
    }
}

/// The recipients prompt answered: the composer's thread goes as a private message to `to`.
pub fn send_message(state: &mut State, to: Vec<String>, fx: &mut Vec<Effect>) {
    send(state, Some(to), fx);
}

/// Sends: the same online or offline — into the outbox (durably, with a key made once),
/// then pushed by the sync engine when the server takes it. A thread of the Messages area
/// asks for its recipients first (`to`).
fn send(state: &mut State, to: Option<Vec<String>>, fx: &mut Vec<Effect>) {
    let Some(composer) = &mut state.composer else {
        return;
    };
    composer.preview = None;
    if composer.title_text().is_some_and(|t| t.trim().is_empty()) {
        composer.focus(crate::app::compose::composer::Field::Title);
        state.error("the thread needs a title");
        return;
    }
    let tags = composer.tags();
    if composer.tags_missing() {
        let needed = composer.required_tags;
        composer.focus(crate::app::compose::composer::Field::Tags);
        state.error(format!(
            "this area needs at least {needed} tags (separated by spaces); {} given",
            tags.len()
        ));
        return;
    }
    let body = composer.body_text();
    if body.trim().is_empty() {
        state.error("the text is empty: write something, or esc to close");
        return;
    }
    // The server would refuse it after it left: say so while the text is still here.
    let title = composer.title_text();
    if let Some(why) = state.data.forum.limits.refusal(title.as_deref(), &body) {
        if title.is_some() && state.data.forum.limits.body_excess(&body).is_none() {
            composer.focus(crate::app::compose::composer::Field::Title);
        }
        state.error(format!("{why}; shorten it and send again"));
        return;
    }
    let target = match (composer.target(), to) {
        (Target::NewThread { area, .. }, None) if crate::model::is_messages_area(&area) => {
            super::recipients::ask(state);
            return;
        }
        (Target::NewThread { area, title }, Some(to)) if crate::model::is_messages_area(&area) => {
            Target::Message { to, title }
        }
        (target, _) => target,
    };
    let (target, draft_id, replaces, amends) = (
        target,
        composer.draft_id.clone(),
        composer.replaces.clone(),
        composer.amends.clone(),
    );
    state.composer = None;
    // The idempotency key is made here, when the user sends, and never changes after.
    let outgoing = Outgoing {
        key: state.ids.next(state.now),
        at: state.now,
        target,
        body,
        draft_id,
        replaces,
        amends,
        tags,
    };
    fx.push(Effect::Store(StoreJob::Send(Box::new(outgoing))));
    let login = format!(
        "it goes out once you log in: `threadmark login --account {}`",
        state.status.account
    );
    let when = match &state.status.connection {
        _ if !state.status.signed_in => login.as_str(),
        Connection::NeedsLogin(_) => login.as_str(),
        Connection::Online | Connection::Syncing(_) => "it goes out now",
        Connection::ReadOnly | Connection::Maintenance => {
            "held: the forum takes no posts right now; it goes out when posting reopens"
        }
        _ => "it goes out as soon as the server can be reached",
    };
    state.notice_until_sync_news(format!("queued in the outbox; {when} (O shows the outbox)"));
}

/// Closes the composer; the draft is kept (an empty one is thrown away).
fn close(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(composer) = state.composer.take() else {
        return;
    };
    if composer.is_empty() {
        fx.push(Effect::Store(StoreJob::RemoveDraft(composer.draft_id)));
        return;
    }
    fx.push(Effect::Store(StoreJob::SaveDraft(
        composer.to_draft(state.now),
    )));
    state.notice("draft kept: D lists your drafts");
}
