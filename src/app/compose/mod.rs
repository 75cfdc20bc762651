//! Writing: the composer's model, the handlers that open, send and close it, and the words
//! for where a reply goes.

pub(crate) mod actions;
pub mod composer;
pub mod describe;
pub(crate) mod mention;
pub(crate) mod recipients;

pub use composer::Composer;
