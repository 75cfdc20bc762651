//! Input: what a key or the mouse does — actions as data, the keymap, key sequences and
//! prompts, the mouse, the help overlay's content, and the dispatch from action to handler.

pub mod action;
pub(crate) mod dispatch;
pub mod help;
pub mod keymap;
pub(crate) mod keys;
pub(crate) mod mouse;
pub mod prompt;
