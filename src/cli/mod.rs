//! The command line: arguments (clap) and the commands that print to stdout.

mod accounts;
mod args;
mod login;
mod outbox;
mod reading;
mod resolve;
mod sync;
mod sync_status;

pub use accounts::run_account_command;
pub use args::{
    AccountCommand, Cli, ClientCommand, Command, Global, KindArg, LoginArgs, OutboxCommand,
};
pub use login::login;
pub use outbox::{outbox, reply};
pub use reading::{format_hits, format_thread, format_tree};
pub use resolve::{ResolveError, resolve_thread};
pub use sync::{summary as sync_summary, sync};
pub use sync_status::sync_status;
