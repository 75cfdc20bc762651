//! Moderating from the reader, for a moderator or an admin of a threadmark server: `L`
//! locks or unlocks the open (or selected) thread, `P` pins or unpins it, `H` hides the
//! current post behind a stub with a reason typed in the status line, `A` moves the thread
//! to another area named there (an unknown area is refused, naming the choices), `Y` splits
//! the current post and every later one off into a new thread titled there, `Z` silences
//! the current post's author for a span typed there (`3d`, `12h`). Each is an outbox
//! entry of kind `moderation`, queued durably like a reply (its key made when the user
//! acts) and sent once by the one write queue. A server kind that cannot moderate, or an
//! account whose role does not allow it, is told so before anything is queued.

use crate::app::geometry::Focus;
use crate::app::input::prompt::{Prompt, PromptKind};
use crate::app::msg::Effect;
use crate::app::reader::post_actions::{current_posted, queue};
use crate::app::state::State;
use crate::app::tree::model::NodeKind;
use crate::model::{ModAction, Target, ThreadId, ThreadSummary};
use crate::text::sanitize::clean_line;

/// Why the account may not moderate here (its server kind, its role), or `None`.
fn refusal(state: &State, what: &str) -> Option<String> {
    if !state.capabilities.moderate {
        return Some(state.capabilities.cannot("moderate"));
    }
    match &state.me {
        Some(me) if me.moderator => None,
        Some(_) => Some(format!(
            "{what} needs the moderator or admin role; this account is a member"
        )),
        None => Some(format!(
            "{what} needs the moderator or admin role; log in again (threadmark login) so \
             threadmark learns this account's role"
        )),
    }
}

/// The thread `L` and `P` act on: the open one in the reader, else the one selected in
/// the tree.
fn thread_at_hand(state: &State) -> Option<&ThreadSummary> {
    let id = if state.focus == Focus::Reader
        && let Some(open) = &state.reader.open
    {
        open.id().clone()
    } else {
        let node = state.tree.selected()?;
        match (node.kind, &node.thread()) {
            (NodeKind::Thread, Some(thread)) => thread.clone(),
            _ => return None,
        }
    };
    state.data.threads.iter().find(|t| t.id == id)
}

/// Whether the thread is locked (`lock`) or pinned, as it will be once the outbox's
/// pending actions on it are applied.
fn will_be(state: &State, thread: &ThreadId, lock: bool, now: bool) -> bool {
    state
        .outbox
        .entries
        .iter()
        .rev()
        .filter(|e| e.state.is_pending())
        .filter_map(|e| match &e.target {
            Target::Moderation {
                thread: t, action, ..
            } if t == thread => Some(*action),
            _ => None,
        })
        .find_map(|action| match (action, lock) {
            (ModAction::Lock, true) | (ModAction::Pin, false) => Some(true),
            (ModAction::Unlock, true) | (ModAction::Unpin, false) => Some(false),
            _ => None,
        })
        .unwrap_or(now)
}

/// A moderator's key (`L`, `P`, `H`, `A`, `Y`, `Z`); other actions are not for here.
pub fn on_key(state: &mut State, action: crate::app::input::action::Action, fx: &mut Vec<Effect>) {
    use crate::app::input::action::Action;
    match action {
        Action::ToggleLock => toggle_lock(state, fx),
        Action::TogglePin => toggle_pin(state, fx),
        Action::HidePost => ask_hide(state),
        Action::MoveThread => ask_move(state),
        Action::SplitThread => ask_split(state),
        Action::SilenceMember => ask_silence(state),
        _ => {}
    }
}

/// `L`: locks the thread at hand, or unlocks it.
pub fn toggle_lock(state: &mut State, fx: &mut Vec<Effect>) {
    toggle(state, true, fx);
}

/// `P`: pins the thread at hand, or unpins it.
pub fn toggle_pin(state: &mut State, fx: &mut Vec<Effect>) {
    toggle(state, false, fx);
}

fn toggle(state: &mut State, lock: bool, fx: &mut Vec<Effect>) {
    let what = if lock { "locking" } else { "pinning" };
    if let Some(why) = refusal(state, &format!("{what} a thread")) {
        return state.notice(why);
    }
    let Some(summary) = thread_at_hand(state) else {
        return state.notice(format!(
            "select or open a thread first: {} acts on a thread",
            if lock { "L" } else { "P" }
        ));
    };
    let (id, title) = (summary.id.clone(), clean_line(&summary.title).into_owned());
    let now = if lock { summary.locked } else { summary.pinned };
    let on = !will_be(state, &id, lock, now);
    let action = match (lock, on) {
        (true, true) => ModAction::Lock,
        (true, false) => ModAction::Unlock,
        (false, true) => ModAction::Pin,
        (false, false) => ModAction::Unpin,
    };
    queue(
        state,
        Target::Moderation {
            thread: id,
            post: None,
            action,
            user: None,
        },
        String::new(),
        fx,
    );
    state.notice(format!("{}ing “{title}”…", action.verb()));
}

/// `H`: asks for the reason to hide the current post (readers see it in the post's
/// place); esc cancels.
pub fn ask_hide(state: &mut State) {
    if let Some(why) = refusal(state, "hiding a post") {
        return state.notice(why);
    }
    let post = match current_posted(
        state,
        "H",
        "that reply is still in your outbox: O lists it, d there discards it",
    ) {
        Ok(post) => post,
        Err(why) => return state.notice(why),
    };
    if post.deleted {
        return state.notice("that post is deleted or hidden already");
    }
    state.reader.hiding = Some((post.thread.clone(), post.id.clone(), post.seq));
    state.prompt = Some(Prompt::new(PromptKind::HideReason, String::new()));
}

/// The reason is typed: the hiding is queued (an empty reason queues nothing).
pub fn hide_reason_given(state: &mut State, reason: &str, fx: &mut Vec<Effect>) {
    let Some((thread, post, seq)) = state.reader.hiding.take() else {
        return;
    };
    let reason = reason.trim();
    if reason.is_empty() {
        return state.notice(format!(
            "#{seq} not hidden: readers see the reason in its place, so it needs one"
        ));
    }
    queue(
        state,
        Target::Moderation {
            thread,
            post: Some(post),
            action: ModAction::Hide,
            user: None,
        },
        reason.to_owned(),
        fx,
    );
    state.notice(format!("hiding #{seq}…"));
}

/// Esc at the reason: nothing is hidden, nothing queued.
pub fn hide_cancelled(state: &mut State) {
    if let Some((_, _, seq)) = state.reader.hiding.take() {
        state.notice(format!("#{seq} not hidden; nothing was queued"));
    }
}

/// `A`: asks for the area to move the thread at hand to; esc cancels.
pub fn ask_move(state: &mut State) {
    if let Some(why) = refusal(state, "moving a thread") {
        return state.notice(why);
    }
    let Some(summary) = thread_at_hand(state) else {
        return state.notice("select or open a thread first: A moves a thread to another area");
    };
    state.reader.moving = Some(summary.id.clone());
    state.prompt = Some(Prompt::new(PromptKind::MoveArea, String::new()));
}

/// The area is named (its id, or part of its title): the move is queued, or refused
/// before queuing with the areas there are.
pub fn move_area_given(state: &mut State, typed: &str, fx: &mut Vec<Effect>) {
    let Some(thread) = state.reader.moving.take() else {
        return;
    };
    let area = match state.data.forum.find_area(typed) {
        Ok(area) => area,
        Err(why) => {
            return state.notice(format!("{}; not moved, nothing queued", clean_line(&why)));
        }
    };
    let (area_id, area_title) = (
        area.id.as_str().to_owned(),
        clean_line(&area.title).into_owned(),
    );
    if state
        .data
        .threads
        .iter()
        .any(|t| t.id == thread && t.area.as_str() == area_id)
    {
        return state.notice(format!(
            "the thread is in {area_title} already; nothing queued"
        ));
    }
    queue(
        state,
        Target::Moderation {
            thread,
            post: None,
            action: ModAction::Move,
            user: None,
        },
        area_id,
        fx,
    );
    state.notice(format!("moving the thread to {area_title}…"));
}

/// `Y`: asks for the title of the thread the current post and the later ones become;
/// esc cancels.
pub fn ask_split(state: &mut State) {
    if let Some(why) = refusal(state, "splitting a thread") {
        return state.notice(why);
    }
    let post = match current_posted(
        state,
        "Y",
        "that reply is still in your outbox: O lists it, d there discards it",
    ) {
        Ok(post) => post,
        Err(why) => return state.notice(why),
    };
    if post.seq <= 1 {
        return state.notice(
            "the opening post cannot be split off: Y on a later post splits from there on",
        );
    }
    state.reader.splitting = Some((post.thread.clone(), post.id.clone(), post.seq));
    state.prompt = Some(Prompt::new(PromptKind::SplitTitle, String::new()));
}

/// The title is typed (empty: the server's `Split from: …`): the split is queued.
pub fn split_title_given(state: &mut State, title: &str, fx: &mut Vec<Effect>) {
    let Some((thread, post, seq)) = state.reader.splitting.take() else {
        return;
    };
    queue(
        state,
        Target::Moderation {
            thread,
            post: Some(post),
            action: ModAction::Split,
            user: None,
        },
        title.trim().to_owned(),
        fx,
    );
    state.notice(format!("splitting from #{seq} on…"));
}

/// Esc at the title: nothing is split, nothing queued.
pub fn split_cancelled(state: &mut State) {
    if let Some((_, _, seq)) = state.reader.splitting.take() {
        state.notice(format!("#{seq} not split off; nothing was queued"));
    }
}

/// `Z`: asks how long to silence the current post's author; esc cancels. One's own post
/// is refused here; an admin's by the server, whose words the failed entry keeps (the
/// client does not know other people's roles).
pub fn ask_silence(state: &mut State) {
    if let Some(why) = refusal(state, "silencing a member") {
        return state.notice(why);
    }
    let post = match current_posted(
        state,
        "Z",
        "that reply is still in your outbox: O lists it, d there discards it",
    ) {
        Ok(post) => post,
        Err(why) => return state.notice(why),
    };
    if state
        .me
        .as_ref()
        .is_some_and(|me| me.name == post.author.name)
    {
        return state.notice("that is your own post: a moderator does not silence themselves");
    }
    state.reader.silencing = Some((
        post.author.name.to_string(),
        post.thread.clone(),
        post.id.clone(),
    ));
    state.prompt = Some(Prompt::new(PromptKind::SilenceSpan, String::new()));
}

/// The span is typed: the silence is queued with its end fixed now (a resend asks for
/// the same end), or an unreadable span is refused before queuing.
pub fn silence_span_given(state: &mut State, typed: &str, fx: &mut Vec<Effect>) {
    let Some((user, thread, post)) = state.reader.silencing.take() else {
        return;
    };
    let name = clean_line(&user).into_owned();
    let until = match crate::text::span::parse_span(typed) {
        Ok(span) => state.now.checked_add(span).ok(),
        Err(why) => {
            return state.notice(format!(
                "{}; {name} not silenced, nothing queued",
                clean_line(&why)
            ));
        }
    };
    let Some(until) = until else {
        return state.notice(format!(
            "too long a span; {name} not silenced, nothing queued"
        ));
    };
    queue(
        state,
        Target::Moderation {
            thread,
            post: Some(post),
            action: ModAction::Silence,
            user: Some(user),
        },
        until.to_string(),
        fx,
    );
    state.notice(format!(
        "silencing {name} until {}…",
        until.strftime("%Y-%m-%d %H:%M UTC")
    ));
}

/// Esc at the span: nobody is silenced, nothing queued.
pub fn silence_cancelled(state: &mut State) {
    if let Some((user, ..)) = state.reader.silencing.take() {
        state.notice(format!(
            "{} not silenced; nothing was queued",
            clean_line(&user)
        ));
    }
}

/// Esc at the area: the thread stays, nothing queued.
pub fn move_cancelled(state: &mut State) {
    if state.reader.moving.take().is_some() {
        state.notice("the thread stays where it is; nothing was queued");
    }
}

/// Once the store worker has the entry on disk: the status line says it is queued.
pub fn said_queued(state: &mut State, key: &str) {
    let Some(entry) = state.outbox.entries.iter().find(|e| e.key == key) else {
        return;
    };
    let Target::Moderation { action, .. } = &entry.target else {
        return;
    };
    let words = crate::render::target_words(
        &entry.target,
        &state.data.threads,
        &state.data.forum,
        |id| {
            state
                .reader
                .open
                .as_ref()
                .and_then(|o| o.real_posts().iter().find(|p| &p.id == id))
        },
    );
    let verb = action.verb();
    state.notice_until_sync_news(format!(
        "{words}: queued, sent with the next sync ({verb}; O lists the outbox)"
    ));
}
