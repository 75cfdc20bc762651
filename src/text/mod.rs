//! Text hygiene on the ground floor: makes untrusted text safe for a terminal. A leaf like
//! `model`: it imports nothing of the crate, and every layer may use it.

pub mod clock;
pub mod sanitize;
pub mod span;

pub use sanitize::{clean, clean_line};
