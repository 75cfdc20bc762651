//! Helpers shared by integration tests.

pub mod discourse_forum;
pub mod discourse_limits;
pub mod discourse_posting;
pub mod discourse_standin;
