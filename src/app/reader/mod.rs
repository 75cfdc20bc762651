//! The reader pane: the open thread's model, its rows, the handlers of its actions, the
//! in-thread search, local echoes of queued replies and read marking.

pub(crate) mod actions;
pub mod echo;
pub mod model;
pub mod read_marks;
pub mod rows;
pub mod search;

pub use model::{OpenThread, Reader, Row};
