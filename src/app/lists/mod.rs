//! The lists over the panes: the outbox, the unsent drafts, the bookmarks, the inbox and
//! the hits of a search (`S`).
//! Each list's model is a leaf (it does not know `State`); the handlers that change the
//! state sit beside it.

pub mod bookmarks;
pub(crate) mod bookmarks_actions;
pub mod drafts;
pub(crate) mod drafts_actions;
pub mod inbox;
pub(crate) mod inbox_actions;
pub mod outbox;
pub(crate) mod outbox_actions;
pub(crate) mod search_results;

pub use bookmarks::BookmarkList;
pub use drafts::DraftList;
pub use inbox::InboxList;
pub use outbox::OutboxList;
pub use search_results::Queried;

/// Where a list's selection goes for a moving key (down, up, top, bottom) in a list of
/// `len` rows; `None` for any other action.
pub(crate) fn moved(action: crate::app::Action, selected: usize, len: usize) -> Option<usize> {
    use crate::app::Action;
    let last = len.saturating_sub(1);
    match action {
        Action::Down => Some((selected + 1).min(last)),
        Action::Up => Some(selected.saturating_sub(1)),
        Action::Top => Some(0),
        Action::Bottom => Some(last),
        _ => None,
    }
}
