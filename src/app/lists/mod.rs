//! The lists over the panes: the outbox and the unsent drafts.

pub mod drafts;
pub mod outbox;
