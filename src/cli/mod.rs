//! The command line: arguments (clap) and the commands that print to stdout.

mod args;
mod reading;
mod resolve;

pub use args::{Cli, Command, Global};
pub use reading::{format_hits, format_thread, format_tree};
pub use resolve::{ResolveError, resolve_thread};
