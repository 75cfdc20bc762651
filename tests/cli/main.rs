//! The command line as people and scripts use it: the conventions of good command-line
//! tools (completions, man page, `--json`, colour, pager, quiet exits on a closed pipe,
//! logs, `config`), and the commands against the real reference server.
#![allow(clippy::unwrap_used)]

#[path = "../support/serve.rs"]
mod serve;

#[path = "../support/pty_session.rs"]
mod pty_session;

mod against_server;
mod conventions;
mod demo;
mod json;
mod terminal;

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// `threadmark ARGS` on `home`'s data dir and config, with `env`, stdin empty.
pub fn threadmark(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    command(home, args, env).output().unwrap()
}

pub fn command(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_threadmark"));
    command
        .arg("--data-dir")
        .arg(home.join("data"))
        .arg("--config")
        .arg(home.join("config.toml"))
        .args(args)
        .env_remove("THREADMARK_ACCOUNT")
        .env_remove("THREADMARK_LOG")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

/// Success, or a panic showing stderr; stdout as text.
pub fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed ({:?}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}
