//! The terminal going away under the reader (an SSH connection dropped, a terminal window
//! closed): the reader saves and leaves, with or without the SIGHUP that usually says so,
//! and never stays behind reading a dead terminal at full CPU.

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::pty::{Winsize, openpty};
use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(40);

/// `threadmark` on the demo in a fresh pseudo-terminal; with `controlling`, the terminal
/// is its controlling terminal (a SIGHUP comes when it closes), else it is only its
/// standard input and output (none comes: `setsid` without `--ctty`, some process
/// managers). Returns the child and the terminal's only master side.
fn start(home: &Path, controlling: bool) -> (Child, OwnedFd) {
    let size = Winsize {
        ws_row: 40,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = openpty(&size, None).unwrap();
    // openpty's descriptors are inherited across exec; their duplicates are not (Rust
    // duplicates with close-on-exec), so the child holds no master side of its own.
    let (master, slave) = (
        pty.master.try_clone().unwrap(),
        pty.slave.try_clone().unwrap(),
    );
    drop(pty);
    let bin = env!("CARGO_BIN_EXE_threadmark");
    let mut cmd = if controlling {
        // util-linux `setsid --ctty`: a new session whose controlling terminal is stdin.
        let mut cmd = Command::new("setsid");
        cmd.arg("--ctty").arg(bin);
        cmd
    } else {
        let mut cmd = Command::new(bin);
        cmd.process_group(0);
        cmd
    };
    cmd.arg("--data-dir")
        .arg(home.join("data"))
        .arg("--config")
        .arg(home.join("config.toml"))
        .env("TERM", "xterm-256color")
        .env_remove("THREADMARK_ACCOUNT")
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    let child = cmd.spawn().expect("threadmark starts");
    (child, master)
}

/// Types `keys`, then reads the terminal until `needle` has been drawn.
fn answered(master: &OwnedFd, keys: &str, needle: &str) {
    let mut file = std::fs::File::from(master.try_clone().unwrap());
    std::io::Write::write_all(&mut file, keys.as_bytes()).unwrap();
    let mut seen = Vec::new();
    let deadline = Instant::now() + WAIT;
    while !String::from_utf8_lossy(&seen).contains(needle) {
        assert!(
            Instant::now() < deadline,
            "{needle:?} never drawn: {}",
            String::from_utf8_lossy(&seen)
        );
        let mut fds = [PollFd::new(master.as_fd(), PollFlags::POLLIN)];
        if poll(&mut fds, PollTimeout::from(100_u16)).unwrap() > 0 {
            let mut buf = [0_u8; 16384];
            let n = file.read(&mut buf).unwrap();
            seen.extend_from_slice(&buf[..n]);
        }
    }
}

/// Waits (bounded) for the child to leave on its own.
fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("threadmark was still running {WAIT:?} after its terminal closed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn log_text(home: &Path) -> String {
    std::fs::read_dir(home.join("data").join("logs"))
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect()
}

/// Closes the terminal under a running reader and checks it saved and left cleanly. The
/// reader learns it from the SIGHUP, from a frame it could not write, or from its own
/// check of the terminal, whichever comes first.
fn closes_cleanly(controlling: bool) {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.toml"), "").unwrap();
    let (mut child, master) = start(home.path(), controlling);
    // The help overlay opens: the reader is in its loop, reading keys.
    answered(&master, "?", "Keys (j/k scroll");
    let ui = home
        .path()
        .join("data")
        .join("accounts")
        .join("demo")
        .join("ui.json");
    let _ = std::fs::remove_file(&ui);

    drop(master);

    let status = wait_exit(&mut child);
    assert!(
        status.success(),
        "left with {status} (101 is a panic); log:\n{}",
        log_text(home.path())
    );
    let log = log_text(home.path());
    assert!(log.contains("saving and leaving"), "{log}");
    assert!(!log.contains("panic"), "{log}");
    assert!(ui.exists(), "the reader saved its state on the way out");
}

/// Without a SIGHUP (the terminal was not the reader's controlling terminal), the reader
/// notices the hang-up itself (it spun reading the dead terminal before).
#[test]
fn a_terminal_closed_without_a_sighup_is_noticed_and_the_reader_saves_and_leaves() {
    closes_cleanly(false);
}

/// With the SIGHUP, the reader saves and leaves without a panic from writing to the
/// terminal that is gone.
#[test]
fn a_sighup_saves_and_leaves_without_a_panic() {
    closes_cleanly(true);
}
