//! The full-screen reader: `update` driven headlessly, screens rendered into a test backend,
//! and the real binary run in a pseudo-terminal.
#![allow(clippy::unwrap_used)]

mod compose;
mod harness;
mod pty;
mod screens;
mod updates;
