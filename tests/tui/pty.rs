//! End to end: the real binary in a pseudo-terminal, read through a vt100 screen parser.
//! Every wait has a timeout; the child is killed if a check fails.

use nix::sys::termios::LocalFlags;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Long enough for a debug build on a busy machine; a hang still fails the test.
const WAIT: Duration = Duration::from_secs(20);

/// What the program wrote: raw bytes (for escape sequences) and the screen they paint.
struct Output {
    raw: Vec<u8>,
    screen: vt100::Parser,
}

pub struct Session {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    output: Arc<Mutex<Output>>,
    temp: tempfile::TempDir,
}

/// Where a session keeps its data and config, and what else it runs with.
pub struct Setup<'a> {
    pub data: &'a Path,
    pub config: &'a Path,
    pub env: &'a [(&'a str, &'a str)],
}

impl Session {
    fn start(cols: u16, rows: u16) -> Self {
        let temp = tempfile::tempdir().unwrap();
        let data = temp.path().join("data");
        let config = temp.path().join("config.toml");
        Self::spawn(
            cols,
            rows,
            &Setup {
                data: &data,
                config: &config,
                env: &[],
            },
            temp,
        )
    }

    /// Runs the reader on a client's own folders (a signed-in account, say).
    pub fn start_with(cols: u16, rows: u16, setup: &Setup<'_>) -> Self {
        Self::spawn(cols, rows, setup, tempfile::tempdir().unwrap())
    }

    fn spawn(cols: u16, rows: u16, setup: &Setup<'_>, temp: tempfile::TempDir) -> Self {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_threadmark"));
        cmd.arg("--data-dir");
        cmd.arg(setup.data);
        cmd.arg("--config");
        cmd.arg(setup.config);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("THREADMARK_ACCOUNT");
        cmd.env_remove("NO_COLOR");
        for (name, value) in setup.env {
            cmd.env(name, value);
        }
        cmd.cwd(temp.path());
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let output = Arc::new(Mutex::new(Output {
            raw: Vec::new(),
            screen: vt100::Parser::new(rows, cols, 0),
        }));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut out = sink.lock().unwrap();
                out.raw.extend_from_slice(&buf[..n]);
                out.screen.process(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Self {
            master: pair.master,
            writer,
            child,
            output,
            temp,
        }
    }

    pub fn screen_text(&self) -> String {
        self.output.lock().unwrap().screen.screen().contents()
    }

    /// Waits until the screen satisfies `check`, or fails showing the screen.
    pub fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        self.wait_longer(what, WAIT, check)
    }

    /// Like `wait_for` with its own limit, for what depends on a server's timers.
    pub fn wait_longer(&self, what: &str, limit: Duration, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let text = self.screen_text();
            if check(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen shows:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn wait_for_text(&self, needle: &str) -> String {
        self.wait_for(needle, |s| s.contains(needle))
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    pub fn local_flags(&self) -> LocalFlags {
        self.master.get_termios().unwrap().local_flags
    }

    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the program did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
    }
}

/// The screen's rows.
fn rows(screen: &str) -> Vec<&str> {
    screen.lines().collect()
}

#[test]
fn read_the_demo_thread_by_keyboard_and_quit_to_a_clean_terminal() {
    let mut s = Session::start(120, 40);
    let screen = s.wait_for_text("Enabling Strategies");
    assert!(screen.contains("Strategic Framework"), "{screen}");
    assert!(
        !s.local_flags().contains(LocalFlags::ICANON),
        "the reader runs in raw mode"
    );

    // Down the tree to the Advocacy thread (the seventh row), then open it.
    s.send("jjjjjj\r");
    let screen = s.wait_for_text("Connie Williams");
    let screen = if screen.contains("Robert Banks") {
        screen
    } else {
        s.wait_for_text("Robert Banks")
    };
    let lines = rows(&screen);
    let connie = lines
        .iter()
        .position(|l| l.contains("Connie Williams · #2"))
        .unwrap_or_else(|| panic!("no header for Connie Williams:\n{screen}"));
    let robert = lines
        .iter()
        .position(|l| l.contains("Robert Banks"))
        .unwrap();
    assert!(
        robert > connie,
        "the answer comes after the reply:\n{screen}"
    );
    // Nested: Robert Banks's header has a depth bar in the reader, Connie's has none.
    let reader_part = |line: &str| {
        line.split_once('│')
            .map(|(_, r)| r.to_owned())
            .unwrap_or_default()
    };
    assert!(
        reader_part(lines[robert]).trim_start().starts_with('│'),
        "{:?}",
        lines[robert]
    );
    assert!(
        reader_part(lines[connie])
            .trim_start()
            .starts_with("Connie"),
        "{:?}",
        lines[connie]
    );
    assert!(
        lines[robert].contains("answers Connie Williams"),
        "{}",
        lines[robert]
    );

    // The help overlay lists the keys with what they do.
    s.send("?");
    let help = s.wait_for_text("Keys (j/k scroll");
    assert!(help.contains("Next unread post"), "{help}");
    assert!(help.contains("Switch tree / reader pane"), "{help}");
    s.send("?");
    s.wait_for("the help to close", |t| !t.contains("Keys (j/k scroll"));

    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    // Give the reader thread a moment to drain the last bytes, then check the way out.
    let deadline = Instant::now() + WAIT;
    loop {
        let out = s.output.lock().unwrap();
        let raw = &out.raw;
        let entered = find_last(raw, b"\x1b[?1049h");
        let left = find_last(raw, b"\x1b[?1049l");
        if matches!((entered, left), (Some(e), Some(l)) if l > e) {
            assert!(!out.screen.screen().alternate_screen());
            break;
        }
        drop(out);
        assert!(Instant::now() < deadline, "never left the alternate screen");
        std::thread::sleep(Duration::from_millis(50));
    }
    let flags = s.local_flags();
    assert!(
        flags.contains(LocalFlags::ICANON) && flags.contains(LocalFlags::ECHO),
        "the terminal is back in cooked mode: {flags:?}"
    );
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

#[test]
fn without_a_terminal_it_points_to_the_plain_commands() {
    let temp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_threadmark"))
        .arg("--data-dir")
        .arg(temp.path().join("data"))
        .arg("--config")
        .arg(temp.path().join("config.toml"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("needs a terminal"), "{err}");
    assert!(err.contains("threadmark tree"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// Waits until the program's output, after `from`, contains `needle`.
fn wait_for_bytes(s: &Session, from: usize, needle: &[u8], what: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        if find_last(&s.output.lock().unwrap().raw[from..], needle).is_some() {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn signal(s: &Session, signal: nix::sys::signal::Signal) {
    let pid = i32::try_from(s.child.process_id().unwrap()).unwrap();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal).unwrap();
}

#[test]
fn sigterm_restores_the_terminal_and_saves() {
    let mut s = Session::start(100, 30);
    s.wait_for_text("Enabling Strategies");
    s.send("G\r");
    s.wait_for_text("Mary Ghikas · #1");
    signal(&s, nix::sys::signal::Signal::SIGTERM);
    assert!(s.wait_exit().success());
    wait_for_bytes(&s, 0, b"\x1b[?1049l", "leaving the alternate screen");
    assert!(s.local_flags().contains(LocalFlags::ICANON));
    // What was shown was saved on the way out.
    let read = std::fs::read_to_string(s.temp.path().join("data/accounts/demo/read.json")).unwrap();
    assert!(read.contains("advocacy-1"), "{read}");
    let ui = std::fs::read_to_string(s.temp.path().join("data/accounts/demo/ui.json")).unwrap();
    assert!(ui.contains("\"open_thread\":\"advocacy-1\""), "{ui}");
}

#[test]
fn ctrl_z_hands_the_terminal_back_and_resumes() {
    let mut s = Session::start(100, 30);
    s.wait_for_text("Enabling Strategies");
    let before = s.output.lock().unwrap().raw.len();
    s.send("\x1a");
    wait_for_bytes(
        &s,
        before,
        b"\x1b[?1049l",
        "leaving the alternate screen on ctrl-z",
    );
    let deadline = Instant::now() + WAIT;
    while !s.local_flags().contains(LocalFlags::ICANON) {
        assert!(
            Instant::now() < deadline,
            "the terminal never left raw mode on ctrl-z"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let resumed = s.output.lock().unwrap().raw.len();
    signal(&s, nix::sys::signal::Signal::SIGCONT);
    wait_for_bytes(
        &s,
        resumed,
        b"\x1b[?1049h",
        "the alternate screen again after resume",
    );
    s.wait_for_text("Enabling Strategies");
    assert!(
        !s.local_flags().contains(LocalFlags::ICANON),
        "raw mode again"
    );
    s.send("q");
    assert!(s.wait_exit().success());
}
