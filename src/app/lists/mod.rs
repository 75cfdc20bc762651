//! The lists over the panes: the outbox and the unsent drafts. Each list's model is a leaf
//! (it does not know `State`); the handlers that change the state sit beside it.

pub mod drafts;
pub(crate) mod drafts_actions;
pub mod outbox;
pub(crate) mod outbox_actions;

pub use drafts::DraftList;
pub use outbox::OutboxList;
