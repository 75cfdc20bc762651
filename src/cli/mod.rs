//! The command line: arguments (clap) and the commands that print to stdout.

mod accounts;
mod args;
mod reading;
mod resolve;

pub use accounts::run_account_command;
pub use args::{AccountCommand, Cli, Command, Global, KindArg};
pub use reading::{format_hits, format_thread, format_tree};
pub use resolve::{ResolveError, resolve_thread};
