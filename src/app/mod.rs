//! The application core: state, messages, the pure `update`, actions and the keymap.
//!
//! Nothing here draws or does I/O. The runner (`crate::runner`) feeds [`Msg`]s in, carries out
//! the returned [`Effect`]s, and draws with `crate::ui` when the state changed.

pub mod action;
mod actions;
pub mod banner;
mod compose_actions;
pub mod composer;
pub mod describe;
pub mod drafts_view;
pub mod echo;
pub mod geometry;
pub mod help;
mod input;
pub mod keymap;
mod mouse;
pub mod msg;
pub mod outbox_view;
pub mod read_marks;
pub mod reader;
mod reader_actions;
pub mod reader_layout;
pub mod search;
pub mod state;
mod sync_news;
pub mod tree;
mod tree_actions;
mod update;

pub use action::Action;
pub use geometry::Focus;
pub use msg::{Effect, IndexData, LoadedThread, Msg, Outgoing, StoreJob, Stored};
pub use state::{ForumData, Startup, State};
pub use update::update;
