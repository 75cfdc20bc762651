//! Helpers shared by integration tests.

pub mod discourse_forum;
pub mod discourse_standin;
