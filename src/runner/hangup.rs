//! Notices that the terminal has gone away when no SIGHUP says so: the reader then saves
//! and leaves instead of spinning.
//!
//! Why: a process that is not its terminal's session leader's foreground job (started
//! under `setsid`, some process managers, a terminal multiplexer's odd exits) gets no
//! SIGHUP when its terminal closes, and crossterm's input thread then reads the dead
//! terminal in a loop at full CPU without ever reporting it (crossterm-rs/crossterm#793).
//! The terminal's hang-up shows in `poll(2)` on standard input as `POLLHUP`.

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Duration;

/// How often the reader looks: often enough that a dead terminal costs a second of CPU,
/// rarely enough to cost nothing.
pub const EVERY: Duration = Duration::from_secs(1);

/// Whether standard input (the reader's terminal) has hung up or is no longer open.
pub fn terminal_gone() -> bool {
    hung_up(std::io::stdin().as_fd())
}

/// Whether `fd` has hung up (the other side of a terminal closed) or is not open.
fn hung_up(fd: BorrowedFd<'_>) -> bool {
    let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
    match poll(&mut fds, PollTimeout::ZERO) {
        Ok(_) => fds[0].revents().is_some_and(|events| {
            events.intersects(PollFlags::POLLHUP | PollFlags::POLLERR | PollFlags::POLLNVAL)
        }),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terminal_hangs_up_when_its_other_side_closes() {
        let pty = nix::pty::openpty(None, None).unwrap();
        assert!(!hung_up(pty.slave.as_fd()), "open and quiet: not hung up");
        drop(pty.master);
        assert!(hung_up(pty.slave.as_fd()));
    }
}
