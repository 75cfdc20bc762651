//! The application core: state, messages, the pure `update`, actions and the keymap.
//!
//! Nothing here draws or does I/O. The runner (`crate::runner`) feeds [`Msg`]s in, carries
//! out the returned [`Effect`]s, and draws with `crate::ui` when the state changed.
//!
//! One room per part of the screen: [`input`] (keys, mouse, the keymap, help, dispatch),
//! [`tree`], [`reader`], [`compose`], [`lists`] (outbox, drafts), the [`banner`]; beside
//! them the state that holds the parts, the messages and `update`.

pub mod accounts;
pub mod banner;
pub mod compose;
pub mod fresh;
pub mod geometry;
pub mod index_reload;
pub mod input;
pub mod judged;
pub mod lists;
pub mod msg;
pub mod reader;
pub mod rules_ui;
pub mod start_index;
pub mod state;
mod sync_news;
pub mod tree;
mod update;
pub mod view_memory;
pub mod web;

pub use geometry::Focus;
pub use input::action::Action;
pub use msg::{Effect, IndexData, LoadedThread, Msg, Outgoing, StoreJob, Stored};
pub use state::{Startup, State};
pub use update::update;
pub use view_memory::UiState;
