//! The reader pane: the open thread's model, its rows, the handlers of its actions, the
//! in-thread search, local echoes of queued replies, read marking, a sync's changes applied
//! in place, and the post leaving for a command or a file. The models are
//! leaves (they do not know `State`); the handlers that change the state sit beside them.

pub(crate) mod actions;
pub(crate) mod conflict;
pub mod echo;
pub(crate) mod export;
pub mod in_place;
pub mod model;
pub(crate) mod moderation;
pub(crate) mod post_actions;
pub mod post_marks;
pub(crate) mod read_mark_actions;
pub mod read_marks;
pub mod revisions;
pub mod rows;
pub mod search;

pub use model::{OpenThread, Reader, Row};
