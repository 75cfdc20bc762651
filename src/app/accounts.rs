//! Several accounts in one reader: the focused account's parts live in `State` itself, so
//! every handler works on "the account in focus" unchanged; the others wait here, each in
//! an [`AccountView`]. A message for another account swaps its view in, runs the ordinary
//! `update`, and swaps it back; its effects come out tagged with the account's index.

use crate::app::geometry::{Focus, Geometry};
use crate::app::msg::{Effect, Msg};
use crate::app::state::State;
use crate::sync::protocol::Connection;
use ratatui::layout::Rect;

/// Everything that belongs to one account: its forum data and tree, the reader, the
/// composer, lists, caches and connection. The keymap, settings, screen size and id
/// generator are the reader's own and stay in `State`.
#[derive(Debug)]
pub struct AccountView {
    data: crate::model::ForumData,
    tree: crate::app::tree::model::TreeModel,
    reader: crate::app::reader::model::Reader,
    focus: Focus,
    overlay: crate::app::state::Overlay,
    prompt: Option<crate::app::state::Prompt>,
    banner: crate::app::banner::BannerState,
    status: crate::app::state::StatusInfo,
    composer: Option<crate::app::compose::composer::Composer>,
    outbox: crate::app::lists::outbox::OutboxList,
    drafts: crate::app::lists::drafts::DraftList,
    marks: crate::app::reader::read_marks::ReadMarks,
    web: crate::app::web::WebSite,
    index_wait: Option<crate::app::start_index::IndexWait>,
    capabilities: crate::model::Capabilities,
    me: Option<crate::model::Me>,
    places: crate::model::Places,
    bookmarks: crate::app::lists::BookmarkList,
    inbox: crate::app::lists::InboxList,
    rules_ui: crate::app::rules_ui::RulesUi,
    search_results: crate::app::lists::search_results::SearchResults,
    folders: crate::app::tree::folders::Folders,
}

impl AccountView {
    /// The account parts of a state built for one account (its reader-wide parts go).
    fn from_state(state: State) -> Self {
        let State {
            data,
            tree,
            reader,
            focus,
            overlay,
            prompt,
            banner,
            status,
            composer,
            outbox,
            drafts,
            marks,
            web,
            index_wait,
            capabilities,
            me,
            places,
            bookmarks,
            inbox,
            rules_ui,
            search_results,
            folders,
            ..
        } = state;
        Self {
            data,
            tree,
            reader,
            focus,
            overlay,
            prompt,
            banner,
            status,
            composer,
            outbox,
            drafts,
            marks,
            web,
            index_wait,
            capabilities,
            me,
            places,
            bookmarks,
            inbox,
            rules_ui,
            search_results,
            folders,
        }
    }

    /// Puts this view's parts into `state` and takes the state's in exchange.
    fn exchange(&mut self, state: &mut State) {
        use std::mem::swap;
        swap(&mut self.data, &mut state.data);
        swap(&mut self.tree, &mut state.tree);
        swap(&mut self.reader, &mut state.reader);
        swap(&mut self.focus, &mut state.focus);
        swap(&mut self.overlay, &mut state.overlay);
        swap(&mut self.prompt, &mut state.prompt);
        swap(&mut self.banner, &mut state.banner);
        swap(&mut self.status, &mut state.status);
        swap(&mut self.composer, &mut state.composer);
        swap(&mut self.outbox, &mut state.outbox);
        swap(&mut self.drafts, &mut state.drafts);
        swap(&mut self.marks, &mut state.marks);
        swap(&mut self.web, &mut state.web);
        swap(&mut self.index_wait, &mut state.index_wait);
        swap(&mut self.capabilities, &mut state.capabilities);
        swap(&mut self.me, &mut state.me);
        swap(&mut self.places, &mut state.places);
        swap(&mut self.bookmarks, &mut state.bookmarks);
        swap(&mut self.inbox, &mut state.inbox);
        swap(&mut self.rules_ui, &mut state.rules_ui);
        swap(&mut self.search_results, &mut state.search_results);
        swap(&mut self.folders, &mut state.folders);
    }

    fn row(&self) -> AccountRow {
        AccountRow::of(
            &self.data.forum.title,
            &self.status,
            self.tree.total_unread(),
        )
    }
}

/// The accounts open in the reader and which one has the focus. With one account (the
/// usual `--account` run) there is nothing here and the reader is exactly the one-account
/// reader.
#[derive(Debug, Default)]
pub struct Accounts {
    focused: usize,
    /// One slot per account; the focused account's slot is empty (its parts are in
    /// `State`). Empty altogether with a single account.
    waiting: Vec<Option<Box<AccountView>>>,
    /// "All accounts" and its folders, above the accounts (several accounts only).
    pub all: crate::app::tree::all_accounts::AllAccounts,
}

impl Accounts {
    /// How many accounts are open.
    pub fn count(&self) -> usize {
        self.waiting.len().max(1)
    }

    /// True when the tree's top level is the accounts.
    pub fn several(&self) -> bool {
        self.count() > 1
    }

    /// The index of the account in focus.
    pub fn focused(&self) -> usize {
        self.focused
    }
}

/// One account's line at the top level of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRow {
    /// The forum's title (the account's name before a first sync).
    pub label: String,
    /// Its connection in a word: synced, syncing, offline, read-only, rate-limited…
    pub state: &'static str,
    pub unread: u32,
}

impl AccountRow {
    fn of(title: &str, status: &crate::app::state::StatusInfo, unread: u32) -> Self {
        let label = if title.trim().is_empty() {
            format!("{} (not synced yet)", status.account)
        } else {
            crate::text::sanitize::clean_line(title).into_owned()
        };
        Self {
            label,
            state: connection_word(&status.connection),
            unread,
        }
    }
}

/// An account's connection in one word, for its row in the tree.
pub fn connection_word(connection: &Connection) -> &'static str {
    match connection {
        Connection::Idle => "cached",
        Connection::Syncing(_) => "syncing",
        Connection::Paused { .. } => "rate-limited",
        Connection::Online => "synced",
        Connection::ReadOnly => "read-only",
        Connection::Maintenance => "maintenance",
        Connection::Offline { .. } => "offline",
        Connection::NeedsLogin(_) => "login needed",
        Connection::CacheUnwritable(_) => "disk trouble",
    }
}

/// One state over several accounts, from a state built for each (in the order the tree
/// lists them) and their first effects; `focused` starts with the focus. Every effect
/// comes out tagged with its account.
pub fn gather(started: Vec<(State, Vec<Effect>)>, focused: usize) -> Option<(State, Vec<Effect>)> {
    let count = started.len();
    let focused = focused.min(count.saturating_sub(1));
    let mut main = None;
    let mut waiting = Vec::with_capacity(count);
    let mut effects = Vec::new();
    for (index, (state, fx)) in started.into_iter().enumerate() {
        effects.extend(fx.into_iter().map(|e| tag(index, e)));
        if index == focused {
            main = Some(state);
            waiting.push(None);
        } else {
            waiting.push(Some(Box::new(AccountView::from_state(state))));
        }
    }
    let mut state = main?;
    if count > 1 {
        state.accounts = Accounts {
            focused,
            waiting,
            all: crate::app::tree::all_accounts::AllAccounts::default(),
        };
        // The folders without `account:` leave each account's tree for "All accounts".
        for index in 0..count {
            with_account(&mut state, index, |state| {
                state.folders.pooled = true;
                crate::app::tree::folders::show(state);
            });
        }
        crate::app::tree::all_accounts::refresh(&mut state);
    }
    state.sync_view();
    Some((state, effects))
}

/// `effect`, for account `index`.
pub fn tag(index: usize, effect: Effect) -> Effect {
    match effect {
        tagged @ Effect::Account(..) => tagged,
        other => Effect::Account(index, Box::new(other)),
    }
}

/// Runs `f` with account `index` in focus for its duration (the focus is given back
/// after); `None` when there is no such account.
pub fn with_account<R>(
    state: &mut State,
    index: usize,
    f: impl FnOnce(&mut State) -> R,
) -> Option<R> {
    if index == state.accounts.focused {
        return Some(f(state));
    }
    let mut view = state.accounts.waiting.get_mut(index)?.take()?;
    view.exchange(state);
    let result = f(state);
    view.exchange(state);
    state.accounts.waiting[index] = Some(view);
    Some(result)
}

/// A message for account `index`: handled as the focused account's when it is, else with
/// that account swapped in (its reader is not on screen: nothing is marked read as shown).
pub fn update_for(state: &mut State, index: usize, msg: Msg, now: jiff::Timestamp) -> Vec<Effect> {
    if index == state.accounts.focused {
        return crate::app::update::update_shown(state, msg, now, true);
    }
    with_account(state, index, |state| {
        crate::app::update::update_shown(state, msg, now, false)
    })
    .unwrap_or_default()
    .into_iter()
    .map(|e| tag(index, e))
    .collect()
}

/// Moves the focus to account `index`: its tree, reader and status line come on screen,
/// the tree pane has the keys.
pub fn focus(state: &mut State, index: usize) -> bool {
    state.accounts.all.selected = false;
    let from = state.accounts.focused;
    if index == from {
        return false;
    }
    let Some(mut view) = state.accounts.waiting.get_mut(index).and_then(Option::take) else {
        return false;
    };
    view.exchange(state);
    state.accounts.waiting[from] = Some(view);
    state.accounts.focused = index;
    state.focus = Focus::Tree;
    state.sync_view();
    true
}

/// The tree's selection moves by `delta` rows; past the first or last row of the focused
/// account's tree it goes on to the account above or below. True when it changed account.
pub fn move_across(state: &mut State, delta: isize) -> bool {
    if !state.accounts.several() {
        return false;
    }
    let Some(row) = state.tree.selected_row() else {
        return false;
    };
    let last = state.tree.visible().len().saturating_sub(1);
    let at = state.accounts.focused;
    // Up from the first account's first row: "All accounts", above it.
    if delta < 0 && row == 0 && at == 0 && state.accounts.all.enter_from_below() {
        return true;
    }
    if delta < 0 && row == 0 && at > 0 && focus(state, at - 1) {
        state.tree.select_last();
        return true;
    }
    if delta > 0 && row == last && focus(state, at + 1) {
        state.tree.select_first();
        return true;
    }
    false
}

/// The rows of every account, top to bottom (the focused one's from `State`).
pub fn rows(state: &State) -> Vec<AccountRow> {
    let focused = AccountRow::of(
        &state.data.forum.title,
        &state.status,
        state.tree.total_unread(),
    );
    (0..state.accounts.count())
        .map(|index| {
            state
                .accounts
                .waiting
                .get(index)
                .and_then(Option::as_ref)
                .map_or_else(|| focused.clone(), |view| view.row())
        })
        .collect()
}

/// With several accounts, the tree pane's rows are shared: one row per account, and the
/// focused account's own tree in place of its row. `tree_list` becomes the focused tree's
/// rows; `accounts_list` keeps the whole list.
pub fn fit(geometry: &mut Geometry, accounts: &Accounts) {
    let mut list = geometry.tree_list;
    geometry.accounts_list = list;
    geometry.all_list = Rect::new(list.x, list.y, list.width, 0);
    if !accounts.several() {
        return;
    }
    // "All accounts" heads the pane; the accounts follow it.
    let all = accounts.all.rows_in(list.height);
    geometry.all_list.height = all;
    list = Rect::new(list.x, list.y + all, list.width, list.height - all);
    geometry.accounts_list = list;
    let others = u16::try_from(accounts.count() - 1).unwrap_or(u16::MAX);
    let before = u16::try_from(accounts.focused).unwrap_or(u16::MAX);
    let height = list.height.saturating_sub(others);
    geometry.tree_list = Rect::new(
        list.x,
        list.y.saturating_add(before.min(list.height)),
        list.width,
        height,
    );
}

/// Which account's row is on screen line `y` (`None` on the focused account's tree).
pub fn row_at(state: &State, geometry: &Geometry, y: u16) -> Option<usize> {
    if !state.accounts.several() {
        return None;
    }
    let list = geometry.accounts_list;
    if y >= list.bottom() {
        return None;
    }
    let line = usize::from(y.checked_sub(list.y)?);
    let focused = state.accounts.focused;
    let index = if line < focused {
        line
    } else {
        let tree_end = focused + tree_rows_shown(&state.tree, geometry.tree_list.height);
        focused + 1 + line.checked_sub(tree_end)?
    };
    (index < state.accounts.count() && index != focused).then_some(index)
}

/// How many rows of the focused account's tree are on screen in `height` rows (the
/// accounts below it follow them).
pub fn tree_rows_shown(tree: &crate::app::tree::model::TreeModel, height: u16) -> usize {
    tree.visible()
        .len()
        .saturating_sub(tree.offset())
        .min(usize::from(height))
}

/// One item of the inbox across every open account.
#[derive(Clone, Copy, Debug)]
pub struct InboxEntry<'a> {
    /// The account's index, and its name.
    pub account: usize,
    pub name: &'a str,
    pub item: &'a crate::model::InboxItem,
}

/// Every open account's inbox items, newest first, each naming its account (with one
/// account: its own list, in its order).
pub fn inbox(state: &State) -> Vec<InboxEntry<'_>> {
    let focused = state.accounts.focused;
    let own = state.inbox.rows.iter().map(|item| InboxEntry {
        account: focused,
        name: &state.status.account,
        item,
    });
    let mut entries: Vec<InboxEntry<'_>> = own.collect();
    for (index, view) in state.accounts.waiting.iter().enumerate() {
        if let Some(view) = view {
            entries.extend(view.inbox.rows.iter().map(|item| InboxEntry {
                account: index,
                name: &view.status.account,
                item,
            }));
        }
    }
    if state.accounts.several() {
        entries.sort_by_key(|e| std::cmp::Reverse(e.item.created_at));
    }
    entries
}

/// The unread inbox items of every open account.
pub fn inbox_unread(state: &State) -> usize {
    state.status.inbox_unread
        + state
            .accounts
            .waiting
            .iter()
            .flatten()
            .map(|view| view.status.inbox_unread)
            .sum::<usize>()
}

/// Every open account's saved-search folders and read state, in the tree's order.
pub fn folders(state: &State) -> Vec<crate::app::tree::all_accounts::AccountFolders<'_>> {
    (0..state.accounts.count())
        .filter_map(|index| {
            let parts = match state.accounts.waiting.get(index).and_then(Option::as_ref) {
                Some(view) => (&view.status.account, &view.folders, &view.data.read),
                None if index == state.accounts.focused => {
                    (&state.status.account, &state.folders, &state.data.read)
                }
                None => return None,
            };
            Some(crate::app::tree::all_accounts::AccountFolders {
                index,
                name: parts.0,
                folders: parts.1,
                read: parts.2,
            })
        })
        .collect()
}

/// The indexes of the open accounts besides the focused one.
pub fn others(state: &State) -> Vec<usize> {
    (0..state.accounts.waiting.len())
        .filter(|&i| i != state.accounts.focused)
        .collect()
}
