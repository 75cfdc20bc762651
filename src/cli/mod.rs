//! The command line: arguments (clap), the commands that print to stdout, and what every
//! good command-line tool does (completions, a man page, `--json`, colour, a pager, logs).

mod accounts;
mod args;
mod command;
mod config_cmd;
mod docs;
mod error_line;
mod inbox;
pub mod json;
pub mod logging;
mod login;
mod login_lemmy;
mod mark;
mod outbox;
pub mod output;
pub mod paint;
mod places;
mod post_changes;
mod reading;
mod resolve;
mod rules_cmd;
mod run;
mod search;
mod sync;
mod sync_status;
mod thread_text;

pub use accounts::run_account_command;
pub use args::{
    AccountCommand, Cli, ClientCommand, ColorChoice, Command, ConfigCommand, Global, KindArg,
    LoginArgs, OutboxCommand, PathKind,
};
pub use command::{command, parse, parse_from};
pub use config_cmd::run_config_command;
pub use docs::{completions, man_page, man_pages};
pub use error_line::error_line;
pub use login::login;
pub use mark::{Way as MarkWay, mark};
pub use outbox::{outbox, reply};
pub use reading::{format_hits, format_tree};
pub use resolve::{ResolveError, resolve_thread};
pub use run::run;
pub use sync::{summary as sync_summary, sync};
pub use sync_status::sync_status;
pub use thread_text::{ThreadView, echo_state_words, format_thread};
