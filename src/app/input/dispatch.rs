//! Runs one action: a table from action to its small handler, plus the handlers that are
//! not about one pane (quit, help, focus, banner, read marks).

use crate::app::compose::actions as compose_actions;
use crate::app::geometry::Focus;
use crate::app::input::action::Action;
use crate::app::lists::drafts_actions;
use crate::app::lists::outbox_actions;
use crate::app::lists::{bookmarks_actions, inbox_actions};
use crate::app::msg::Effect;
use crate::app::reader::actions as reader;
use crate::app::reader::conflict;
use crate::app::reader::export;
use crate::app::reader::post_actions;
use crate::app::reader::read_mark_actions;
use crate::app::reader::revisions;
use crate::app::state::{Overlay, State};
use crate::app::tree::actions as tree;
use crate::app::tree::watch_actions;
use crate::sync::protocol::SyncCommand;

use crate::app::reader::model::Reader as ReaderModel;

type Effects = Vec<Effect>;

/// The tree pane's moves and `enter` while its selection is on "All accounts".
fn all_accounts_action(state: &mut State, action: Action, fx: &mut Effects) -> bool {
    state.focus == Focus::Tree
        && state.accounts.all.selected
        && crate::app::tree::all_accounts::on_action(state, action, fx)
}

pub fn run_action(state: &mut State, action: Action, fx: &mut Effects) {
    if overlay_action(state, action, fx) || all_accounts_action(state, action, fx) {
        return;
    }
    let in_reader = state.focus == Focus::Reader;
    match action {
        Action::Quit => quit(state, fx),
        Action::Help => toggle_help(state),
        Action::FocusNext => focus_next(state),
        Action::FocusTree => state.focus = Focus::Tree,
        Action::Suspend => fx.push(Effect::Suspend),
        Action::Up | Action::Down if in_reader => {
            reader::scroll(state, if action == Action::Up { -1 } else { 1 });
        }
        Action::Up => tree::move_by(state, -1),
        Action::Down => tree::move_by(state, 1),
        Action::PageUp | Action::PageDown | Action::HalfPageUp | Action::HalfPageDown => {
            page(state, action);
        }
        Action::Top if in_reader => reader::top(state),
        Action::Bottom if in_reader => reader::bottom(state),
        Action::Top => state.tree.select_first(),
        Action::Bottom => state.tree.select_last(),
        Action::Expand => tree::expand(state),
        Action::Collapse => tree::collapse(state),
        Action::ToggleExpand => state.tree.toggle(),
        Action::Open => tree::open(state, fx),
        Action::NextPost => reader::step(state, ReaderModel::next_post, "last post"),
        Action::PrevPost => reader::step(state, ReaderModel::prev_post, "first post"),
        Action::ParentPost => reader::parent(state),
        Action::NextSibling => reader::sibling(state, true),
        Action::PrevSibling => reader::sibling(state, false),
        Action::NextUnreadPost => reader::next_unread(state),
        Action::NextUnreadThread => tree::next_unread_thread(state, fx),
        Action::ToggleSubthread => reader::toggle_subthread(state),
        Action::FetchPosts => reader::fetch_posts(state, fx),
        Action::RevealSpoilers => reader::toggle_spoilers(state),
        Action::TogglePictures => reader::toggle_pictures(state, fx),
        Action::Search if in_reader => reader::start_search(state),
        Action::Search => tree::start_filter(state),
        Action::SearchNext => reader::search_step(state, true),
        Action::SearchPrev => reader::search_step(state, false),
        Action::ClearSearch if in_reader => reader::clear_search(state),
        Action::ClearSearch => tree::clear_filter(state),
        Action::Links => reader::open_links(state),
        Action::PipePost => export::start_pipe(state),
        Action::SavePost => export::start_save(state),
        Action::OpenOnWeb => export::open_on_web(state, fx),
        Action::MarkThreadRead => mark_threads(state, true, fx),
        Action::MarkThreadUnread => mark_threads(state, false, fx),
        Action::UndoRead => undo(state, fx),
        Action::ToggleBanner => toggle_banner(state, fx),
        Action::DismissBanner => dismiss_banner(state, fx),
        Action::Reply => compose_actions::reply(state, false, fx),
        Action::ReplyQuoting => compose_actions::reply(state, true, fx),
        Action::NewThread => compose_actions::new_thread(state),
        Action::EditPost => post_actions::edit(state, fx),
        Action::DeletePost => post_actions::ask_delete(state),
        Action::Like => post_actions::toggle_like(state, fx),
        Action::Revisions => revisions::show(state, fx),
        Action::KeepMine | Action::TakeTheirs | Action::Merge => {
            state.notice("these keys choose on an edit in conflict: e on the post opens it");
        }
        Action::CycleWatch => watch_actions::cycle(state, fx),
        Action::ToggleLock
        | Action::TogglePin
        | Action::HidePost
        | Action::MoveThread
        | Action::SplitThread
        | Action::SilenceMember => {
            crate::app::reader::moderation::on_key(state, action, fx);
        }
        Action::CycleView => crate::app::rules_ui::views_actions::cycle(state, fx),
        Action::QuickRule => crate::app::rules_ui::quick::offer(state),
        Action::Bookmark => bookmarks_actions::toggle(state, fx),
        Action::Bookmarks => bookmarks_actions::show(state, fx),
        Action::Inbox => inbox_actions::show(state, fx),
        Action::SearchAccount => crate::app::lists::search_results::start(state),
        Action::SyncNow => sync_now(state, fx),
        Action::SwitchDemoServer => switch_demo_server(state, fx),
        Action::Outbox => outbox_actions::show(state, fx),
        Action::Drafts => drafts_actions::show(state, false),
        Action::Send
        | Action::CloseComposer
        | Action::TogglePreview
        | Action::ExternalEditor
        | Action::NextField => {
            state.notice("nothing is being written: r replies, c starts a thread");
        }
        Action::Retry
        | Action::Edit
        | Action::Discard
        | Action::Close
        | Action::MarkRead
        | Action::MarkAllRead => {
            state.notice("O lists the outbox, D the drafts, ' the bookmarks, i the inbox");
        }
    }
    after_move(state, action, in_reader, fx);
}

/// The lists and the composer take their own actions: true when one took it.
fn overlay_action(state: &mut State, action: Action, fx: &mut Effects) -> bool {
    match state.overlay {
        Overlay::Outbox { .. } => outbox_actions::run(state, action, fx),
        Overlay::Drafts { .. } => drafts_actions::run(state, action, fx),
        Overlay::Conflict { .. } => conflict::run(state, action, fx),
        Overlay::Bookmarks { .. } => bookmarks_actions::run(state, action, fx),
        Overlay::Inbox { .. } => inbox_actions::run(state, action, fx),
        Overlay::SearchResults { .. } => {
            crate::app::lists::search_results::run(state, action, fx);
        }
        Overlay::None if state.composer.is_some() => compose_actions::run(state, action, fx),
        _ => return false,
    }
    true
}

/// After an action that may have moved a pane: the reader loads posts not downloaded that
/// came on screen; the tree's place is saved.
fn after_move(state: &mut State, action: Action, in_reader: bool, fx: &mut Effects) {
    let moved = matches!(
        action,
        Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::PageUp
            | Action::PageDown
            | Action::HalfPageUp
            | Action::HalfPageDown
    );
    if in_reader
        && (moved
            || matches!(
                action,
                Action::NextPost
                    | Action::PrevPost
                    | Action::ParentPost
                    | Action::NextSibling
                    | Action::PrevSibling
                    | Action::NextUnreadPost
                    | Action::SearchNext
                    | Action::SearchPrev
            ))
    {
        // Scrolling up to posts not downloaded loads them.
        reader::fetch_posts_in_view(state, fx);
    }
    if !in_reader
        && (moved
            || matches!(
                action,
                Action::Expand | Action::Collapse | Action::ToggleExpand
            ))
    {
        fx.push(Effect::SaveUiState);
    }
}

pub fn quit(state: &mut State, fx: &mut Effects) {
    state.quitting = true;
    fx.push(Effect::Quit);
}

fn sync_now(state: &mut State, fx: &mut Effects) {
    fx.push(Effect::Sync(SyncCommand::SyncNow));
    state.notice_until_sync_news("syncing now");
}

/// The demo only: its own server goes open → read-only → unreachable → open.
fn switch_demo_server(state: &mut State, fx: &mut Effects) {
    if !state.status.demo {
        state.notice("`!` switches the demo forum's own server; this account's server is not yours to switch");
        return;
    }
    fx.push(Effect::SwitchDemoServer);
}

fn toggle_help(state: &mut State) {
    state.overlay = match state.overlay {
        Overlay::Help { .. } => Overlay::None,
        _ => Overlay::Help { scroll: 0 },
    };
}

fn focus_next(state: &mut State) {
    state.focus = match state.focus {
        Focus::Tree => Focus::Reader,
        Focus::Reader => Focus::Tree,
    };
    if state.focus == Focus::Reader && state.reader.open.is_none() {
        state.notice("no thread open yet: select one in the tree and press enter");
    }
}

/// A page is the focused pane's height, less one row of overlap.
fn page(state: &mut State, action: Action) {
    let g = state.geometry();
    let rows = if state.focus == Focus::Reader {
        g.reader_body.height
    } else {
        g.tree_list.height
    };
    let full = isize::try_from(rows.saturating_sub(1).max(1)).unwrap_or(1);
    let delta = match action {
        Action::PageUp => -full,
        Action::PageDown => full,
        Action::HalfPageUp => -(full / 2).max(1),
        _ => (full / 2).max(1),
    };
    if state.focus == Focus::Reader {
        reader::scroll(state, delta);
    } else {
        tree::move_by(state, delta);
    }
}

fn mark_threads(state: &mut State, read: bool, fx: &mut Effects) {
    // `u` undoes this from now on, not a rule `x` wrote before.
    state.rules_ui.quick_undo = None;
    let n = read_mark_actions::mark_threads(state, read, fx);
    let what = if read { "read" } else { "unread" };
    match n {
        0 => state.notice("select a thread (or a section or area) to mark"),
        1 => state.notice(format!("marked the thread {what} (u undoes)")),
        n => state.notice(format!("marked {n} threads {what} (u undoes)")),
    }
}

fn undo(state: &mut State, fx: &mut Effects) {
    // The rule `x` wrote last goes first; a `read` rule's marks are undone as any.
    if crate::app::rules_ui::quick::undo(state, fx) {
        return;
    }
    crate::app::rules_ui::rule_read::before_undo(state);
    let Some(undone) = read_mark_actions::undo(state, fx) else {
        state.notice("nothing to undo");
        return;
    };
    let posts = |n: usize| if n == 1 { "1 post" } else { "posts" };
    match (undone.unread_again, undone.read_again) {
        (0, 0) => state.notice("undone: nothing changed"),
        (n, 0) => state.notice(format!("undone: {} unread again", posts(n))),
        (0, n) => state.notice(format!("undone: {} read again", posts(n))),
        (u, r) => state.notice(format!("undone: {u} unread again, {r} read again")),
    }
}

fn toggle_banner(state: &mut State, fx: &mut Effects) {
    let dismiss_key = key_name(state, Action::DismissBanner);
    let room = crate::app::banner::BannerState::one_line_room(state.size.0, &dismiss_key);
    if state.banner.shown().is_none() {
        if state.banner.undismiss() {
            fx.push(Effect::SaveUiState);
            state.notice("the announcement is back");
        } else {
            state.notice("no announcement to show");
        }
    } else if !state.banner.expanded && !state.banner.has_more(room) {
        state.notice("the announcement is shown whole");
    } else {
        state.banner.expanded = !state.banner.expanded;
    }
}

fn dismiss_banner(state: &mut State, fx: &mut Effects) {
    if state.banner.dismiss() {
        fx.push(Effect::SaveUiState);
        let back = key_name(state, Action::ToggleBanner);
        state.notice(format!(
            "announcement dismissed until the forum posts a new one; {back} brings it back"
        ));
    }
}

/// The first key bound to `action` anywhere, for messages that name it.
fn key_name(state: &State, action: Action) -> String {
    state
        .keys
        .keymap
        .key_for(crate::app::input::keymap::Context::Global, action)
        .map_or_else(String::new, ToString::to_string)
}
