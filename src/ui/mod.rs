//! Drawing: turns the application state into a frame. Reads the state, never changes it,
//! and does no I/O.

pub mod banner;
pub mod composer;
pub mod conflict;
pub mod element;
pub mod graphics;
pub mod halfblocks;
pub mod hyperlink;
pub mod lists;
pub mod overlays;
pub mod post_header;
pub mod reader_pane;
pub mod revisions;
pub mod search_results;
pub mod sixel;
pub mod status_line;
pub mod text;
pub mod theme;
pub mod tree_pane;

use crate::app::Focus;
use crate::app::state::{Overlay, State};
pub use element::Element;
use ratatui::Frame;
pub use theme::Theme;

/// What the tree pane shows: the focused account's tree, and with several accounts the
/// others' rows around it.
fn tree_view<'a>(state: &'a State, g: &crate::app::geometry::Geometry) -> tree_pane::TreeView<'a> {
    tree_pane::TreeView {
        tree: &state.tree,
        focused: state.focus == Focus::Tree,
        area: g.tree,
        list: g.tree_list,
        bordered: !g.narrow,
        accounts: if state.accounts.several() {
            crate::app::accounts::rows(state)
        } else {
            Vec::new()
        },
        focused_account: state.accounts.focused(),
        accounts_list: g.accounts_list,
        all: state.accounts.all.tree().filter(|_| g.all_list.height > 0),
        all_selected: state.accounts.all.selected,
        all_list: g.all_list,
    }
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, state: &State, theme: &Theme) {
    let g = state.geometry();
    banner::draw(frame, &state.banner, &state.keys.keymap, g.banner, theme);
    tree_pane::draw(frame, &tree_view(state, &g), theme);
    if let Some(composer) = &state.composer {
        composer::draw(
            frame,
            &composer::ComposerView {
                composer,
                keymap: &state.keys.keymap,
                limits: state.data.forum.limits,
                answering: answered_doc(state, composer),
                area: g.reader_title.union(g.reader_body),
            },
            theme,
        );
    } else {
        reader_pane::draw(
            frame,
            &reader_pane::ReaderView {
                reader: &state.reader,
                forum: &state.data.forum,
                read: state
                    .reader
                    .thread_id()
                    .and_then(|id| state.data.read.thread(id)),
                focused: state.focus == Focus::Reader,
                hyperlinks: state.settings.hyperlinks,
                offline: matches!(
                    state.status.connection,
                    crate::sync::protocol::Connection::Offline { .. }
                ),
                outbox: &state.outbox.entries,
                me: state.me.as_ref(),
                places: &state.places,
                title: g.reader_title,
                body: g.reader_body,
            },
            theme,
        );
    }
    status_line::draw(
        frame,
        &status_line::StatusView {
            status: &state.status,
            outbox: &state.outbox,
            prompt: state.prompt.as_ref(),
            unread: crate::app::start_index::shown_unread(state),
            loading: state.index_wait.is_some(),
            inbox_unread: crate::app::accounts::inbox_unread(state),
            keymap: &state.keys.keymap,
            pending: state
                .keys
                .pending
                .iter()
                .map(ToString::to_string)
                .collect::<String>(),
            area: g.status,
        },
        theme,
    );
    match state.overlay {
        Overlay::None => {}
        Overlay::Help { scroll } => overlays::draw_help(
            frame,
            &state.keys.keymap,
            state.key_context(),
            scroll,
            theme,
        ),
        Overlay::Links { selected } => {
            let links = state.reader.links_shown();
            overlays::draw_links(frame, &links, selected, state.settings.hyperlinks, theme);
        }
        Overlay::Outbox { selected, confirm } => {
            lists::draw_outbox(frame, state, selected, confirm, theme);
        }
        Overlay::Drafts {
            selected,
            confirm,
            offered,
        } => lists::draw_drafts(frame, state, selected, confirm, offered, theme),
        Overlay::Conflict { scroll, confirm } => {
            conflict::draw(frame, state, scroll, confirm, theme);
        }
        Overlay::Revisions { scroll } => revisions::draw(frame, state, scroll, theme),
        Overlay::Bookmarks { selected } => lists::draw_bookmarks(frame, state, selected, theme),
        Overlay::Inbox { selected } => lists::draw_inbox(frame, state, selected, theme),
        Overlay::SearchResults { selected } => {
            search_results::draw(frame, state, selected, theme);
        }
    }
}

/// The rendered post a reply being written answers, when the open thread holds it.
fn answered_doc<'a>(
    state: &'a State,
    composer: &crate::app::compose::Composer,
) -> Option<&'a crate::render::Document> {
    let crate::model::Target::Reply {
        thread,
        reply_to: Some(post),
    } = composer.target()
    else {
        return None;
    };
    let open = state.reader.open.as_ref().filter(|o| o.id() == &thread)?;
    let pos = (0..open.order.len())
        .find(|&pos| !open.is_echo(pos) && open.post(pos).is_some_and(|p| p.id == post))?;
    open.doc(pos)
}
