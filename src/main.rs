//! The `threadmark` binary: parses arguments, runs a command, reports errors at the edge.

use std::io::Write;
use std::process::ExitCode;
use threadmark::cli::{Command, output::is_broken_pipe};

fn main() -> ExitCode {
    let cli = threadmark::cli::parse();
    let outcome = match cli.command {
        // The server needs no client config or account.
        Some(Command::Serve(args)) => threadmark::server::cli::run(args),
        Some(Command::Client(command)) => threadmark::cli::run(&cli.global, Some(command)),
        None => threadmark::cli::run(&cli.global, None),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output went away (`| head`, `q` in the pager): that is not an
        // error, as with git and ripgrep.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, no backtrace: the message says what happened and what to do. It
            // may quote a server or a file, so it is cleaned like any text from them.
            let message = threadmark::cli::error_line(&e);
            let message = threadmark::text::sanitize::clean(&message);
            tracing::error!("{message}");
            let _ = writeln!(std::io::stderr(), "threadmark: {message}");
            ExitCode::FAILURE
        }
    }
}
