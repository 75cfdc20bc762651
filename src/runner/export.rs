//! A post leaving the reader: piped to a command on the terminal, or written to a file.
//! Both answer with a one-line notice for the status line.

use crate::app::Msg;
use std::io::{self, BufRead, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use tokio::sync::mpsc::UnboundedSender;

/// A command to run with a post on its standard input.
#[derive(Debug)]
pub struct Pipe {
    pub program: String,
    pub args: Vec<String>,
    pub text: String,
    /// The post, for the notice (`#3`).
    pub post: String,
}

impl Pipe {
    /// Runs the command on the terminal (restored to the shell's modes by the caller):
    /// the post goes to its standard input, its output to the screen; then waits for
    /// enter, so the output can be read before the reader covers it. Blocking.
    pub fn run(self) -> String {
        let Self {
            program,
            args,
            text,
            post,
        } = self;
        tracing::info!(%program, "piping a post");
        let spawned = Command::new(&program)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => return format!("could not start {program}: {e}"),
        };
        if let Some(mut stdin) = child.stdin.take() {
            // A command that stops reading early (`head -1`) is not an error.
            if let Err(e) = stdin.write_all(text.as_bytes())
                && e.kind() != io::ErrorKind::BrokenPipe
            {
                tracing::warn!(%program, "writing the post to the command: {e}");
            }
        }
        let status = child.wait();
        let outcome = match status {
            Ok(status) if status.success() => format!("piped {post} to {program}"),
            Ok(status) => match status.code() {
                Some(code) => format!("piped {post} to {program}: it exited with {code}"),
                None => format!("piped {post} to {program}: it was stopped by a signal"),
            },
            Err(e) => format!("piped {post} to {program}, which could not be waited for: {e}"),
        };
        let mut out = io::stdout();
        let _ = write!(
            out,
            "\n[threadmark: {outcome}] press enter to return to the reader"
        );
        let _ = out.flush();
        let _ = io::stdin().lock().read_line(&mut String::new());
        outcome
    }
}

/// `~/x` in the home folder; anything else as given (relative to where threadmark runs).
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// Writes `text` to a new file at `path`, off the loop; an existing file is left alone.
pub fn save(path: String, text: String, post: String, reply: UnboundedSender<Msg>) {
    tokio::task::spawn_blocking(move || {
        let target = expand_home(&path);
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .and_then(|mut file| {
                file.write_all(text.as_bytes())?;
                file.sync_all()
            });
        let notice = match written {
            Ok(()) => format!("saved {post} to {}", target.display()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => format!(
                "{} exists: nothing written (S again with another name)",
                target.display()
            ),
            Err(e) => format!("could not save {post} to {}: {e}", target.display()),
        };
        tracing::info!("{notice}");
        let _ = reply.send(Msg::Notice(notice));
    });
}
