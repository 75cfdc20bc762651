//! The lists over the panes: the outbox, the unsent drafts, the bookmarks and the inbox.
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

pub use bookmarks::BookmarkList;
pub use drafts::DraftList;
pub use inbox::InboxList;
pub use outbox::OutboxList;
