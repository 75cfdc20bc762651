//! The tree pane: its model (sections → areas → threads) and the handlers of its actions
//! (moving and opening; `w`, the watch level).

pub(crate) mod actions;
pub mod all_accounts;
pub mod folders;
pub mod lazy;
pub mod model;
pub mod views;
pub(crate) mod watch_actions;

pub use model::{NodeKind, TreeModel, TreeNode};
