//! The tree pane: its model (sections → areas → threads) and the handlers of its actions.

pub(crate) mod actions;
pub mod model;

pub use model::{NodeKind, TreeModel, TreeNode};
