//! Where command output goes: straight to standard output, or — for long text on a
//! terminal — through a pager (`$THREADMARK_PAGER`, else `$PAGER`, else `less -FRX`), as git
//! does. A reader that goes away early (`| head`, `q` in the pager) ends the command quietly.

use std::io::{self, IsTerminal, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// The pager used when neither `THREADMARK_PAGER` nor `PAGER` is set.
pub const DEFAULT_PAGER: &str = "less -FRX";

/// Command output.
#[derive(Debug)]
pub struct Output {
    sink: Sink,
}

#[derive(Debug)]
enum Sink {
    Stdout(io::Stdout),
    Pager {
        child: Child,
        stdin: Option<ChildStdin>,
        _interrupts: Option<signal_hook::SigId>,
    },
}

impl Output {
    /// Plain standard output.
    pub fn stdout() -> Self {
        Self {
            sink: Sink::Stdout(io::stdout()),
        }
    }

    /// Through the pager when `page` is true and standard output is a terminal; standard
    /// output otherwise (also when the pager cannot be started).
    pub fn paged(page: bool) -> Self {
        if !page || !io::stdout().is_terminal() {
            return Self::stdout();
        }
        let Some(words) = pager_command(
            std::env::var("THREADMARK_PAGER").ok().as_deref(),
            std::env::var("PAGER").ok().as_deref(),
        ) else {
            return Self::stdout();
        };
        match start_pager(&words) {
            Ok((child, stdin)) => {
                // Ctrl-C belongs to the pager while it runs: ending threadmark under it
                // would give the shell back while the pager still reads the terminal.
                let interrupts = signal_hook::flag::register(
                    signal_hook::consts::SIGINT,
                    Arc::new(AtomicBool::new(false)),
                )
                .ok();
                Self {
                    sink: Sink::Pager {
                        child,
                        stdin: Some(stdin),
                        _interrupts: interrupts,
                    },
                }
            }
            Err(e) => {
                tracing::warn!("pager {words:?} did not start: {e}");
                Self::stdout()
            }
        }
    }

    /// Flushes, closes the pager's input and waits until the user leaves it.
    pub fn finish(mut self) -> io::Result<()> {
        self.close()
    }

    fn close(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(out) => out.flush(),
            Sink::Pager { child, stdin, .. } => {
                let flushed = stdin.as_mut().map_or(Ok(()), Write::flush);
                drop(stdin.take());
                child.wait()?;
                flushed
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Stdout(out) => out.write(buf),
            Sink::Pager { stdin, .. } => match stdin {
                Some(stdin) => stdin.write(buf),
                None => Err(io::ErrorKind::BrokenPipe.into()),
            },
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(out) => out.flush(),
            Sink::Pager { stdin, .. } => stdin.as_mut().map_or(Ok(()), Write::flush),
        }
    }
}

impl Drop for Output {
    /// An error half-way still waits for the pager, so the terminal is the user's again
    /// before the error is printed.
    fn drop(&mut self) {
        let _ = self.close();
    }
}

/// The pager's words: `THREADMARK_PAGER`, else `PAGER`, else [`DEFAULT_PAGER`], split by the
/// shell's rules. Empty or `cat` means no pager.
pub fn pager_command(own: Option<&str>, general: Option<&str>) -> Option<Vec<String>> {
    let line = own.or(general).unwrap_or(DEFAULT_PAGER);
    let words = shell_words::split(line).ok()?;
    match words.first().map(String::as_str) {
        None | Some("cat") => None,
        Some(_) => Some(words),
    }
}

fn start_pager(words: &[String]) -> io::Result<(Child, ChildStdin)> {
    let (program, args) = words
        .split_first()
        .ok_or_else(|| io::Error::other("empty pager command"))?;
    let mut command = Command::new(program);
    command.args(args).stdin(Stdio::piped());
    // As git does: colours pass through and short output does not wait for `q`, unless
    // the user set their own options.
    if std::env::var_os("LESS").is_none() {
        command.env("LESS", "FRX");
    }
    if std::env::var_os("LV").is_none() {
        command.env("LV", "-c");
    }
    let mut child = command.spawn()?;
    let stdin = child
        .stdin
        .take()
        .ok_or_else(|| io::Error::other("the pager has no input"))?;
    Ok((child, stdin))
}

/// True when `error` (or what caused it) is a write to a reader that went away: the
/// command ends quietly, like git and ripgrep do.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pager_is_chosen_and_split_like_a_shell_would() {
        assert_eq!(
            pager_command(None, None),
            Some(vec!["less".to_owned(), "-FRX".to_owned()])
        );
        assert_eq!(
            pager_command(Some("'/opt/my pager/bin/pg' -s"), Some("more")),
            Some(vec!["/opt/my pager/bin/pg".to_owned(), "-s".to_owned()])
        );
        assert_eq!(
            pager_command(None, Some("more")),
            Some(vec!["more".to_owned()])
        );
        assert_eq!(pager_command(Some(""), Some("more")), None);
        assert_eq!(pager_command(None, Some("cat")), None);
    }

    #[test]
    fn a_broken_pipe_is_recognised_through_context() {
        let e = anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe))
            .context("printing the thread");
        assert!(is_broken_pipe(&e));
        assert!(!is_broken_pipe(&anyhow::anyhow!("broken pipe")));
    }
}
