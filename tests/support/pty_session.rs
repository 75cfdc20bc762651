//! The real `threadmark` binary in a pseudo-terminal: every byte it writes is kept (for
//! the escape-sequence checks) and fed to a vt100 screen (for what a person sees). Every
//! wait is bounded; the child is killed when the session is dropped.

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Long enough for a debug build on a busy machine; a hang still fails the test.
pub const WAIT: Duration = Duration::from_secs(40);

struct Output {
    raw: Vec<u8>,
    screen: vt100::Parser,
}

pub struct PtySession {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    output: Arc<Mutex<Output>>,
}

impl PtySession {
    /// Starts `threadmark ARGS` with `home`'s data dir and config, plus `env`.
    pub fn start(home: &Path, args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Self {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_threadmark"));
        cmd.arg("--data-dir");
        cmd.arg(home.join("data"));
        cmd.arg("--config");
        cmd.arg(home.join("config.toml"));
        for arg in args {
            cmd.arg(arg);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("THREADMARK_ACCOUNT");
        cmd.env_remove("NO_COLOR");
        // Whatever terminal runs the tests, the reader sees the same plain xterm: the
        // variables that turn `hyperlinks = "auto"` on come only from `env`.
        for name in [
            "FORCE_HYPERLINK",
            "TERM_PROGRAM",
            "VTE_VERSION",
            "COLORTERM",
            "DOMTERM",
            "KITTY_WINDOW_ID",
            "WEZTERM_EXECUTABLE",
            "WT_SESSION",
            "KONSOLE_VERSION",
            "TMUX",
            "STY",
        ] {
            cmd.env_remove(name);
        }
        for (key, value) in env {
            cmd.env(key, value);
        }
        cmd.cwd(home);
        let child = pair.slave.spawn_command(cmd).expect("threadmark starts");
        drop(pair.slave);
        let output = Arc::new(Mutex::new(Output {
            raw: Vec::new(),
            screen: vt100::Parser::new(rows, cols, 0),
        }));
        let mut reader = pair.master.try_clone_reader().expect("a pty reader");
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut out = sink.lock().expect("output lock");
                out.raw.extend_from_slice(&buf[..n]);
                out.screen.process(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().expect("a pty writer");
        Self {
            master: pair.master,
            writer,
            child,
            output,
        }
    }

    pub fn screen(&self) -> String {
        self.output
            .lock()
            .expect("output lock")
            .screen
            .screen()
            .contents()
    }

    /// Everything written so far.
    pub fn raw(&self) -> Vec<u8> {
        self.output.lock().expect("output lock").raw.clone()
    }

    pub fn raw_len(&self) -> usize {
        self.output.lock().expect("output lock").raw.len()
    }

    /// Is the program on the alternate screen now?
    pub fn alternate_screen(&self) -> bool {
        self.output
            .lock()
            .expect("output lock")
            .screen
            .screen()
            .alternate_screen()
    }

    /// The terminal's line discipline flags now (raw mode or cooked).
    pub fn local_flags(&self) -> nix::sys::termios::LocalFlags {
        self.master
            .get_termios()
            .expect("the terminal's settings")
            .local_flags
    }

    /// Waits until the screen satisfies `check`; panics showing the screen after [`WAIT`].
    pub fn wait_for(&mut self, what: &str, check: impl Fn(&str) -> bool) -> String {
        self.wait_longer(what, WAIT, check)
    }

    /// Like [`PtySession::wait_for`] with its own limit, for what depends on a server's
    /// timers.
    pub fn wait_longer(
        &mut self,
        what: &str,
        limit: Duration,
        check: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let text = self.screen();
            if check(&text) {
                return text;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("threadmark exited ({status:?}) while waiting for {what}; screen:\n{text}");
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen shows:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    pub fn wait_for_text(&mut self, needle: &str) -> String {
        self.wait_for(needle, |s| s.contains(needle))
    }

    /// Waits until the output has not grown for `quiet` (the app is idle), bounded.
    pub fn settle(&self, quiet: Duration) {
        let deadline = Instant::now() + WAIT;
        let mut last = self.raw_len();
        let mut since = Instant::now();
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
            let now = self.raw_len();
            if now != last {
                last = now;
                since = Instant::now();
            } else if since.elapsed() >= quiet {
                return;
            }
        }
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("keys sent");
        self.writer.flush().expect("keys flushed");
    }

    /// Resizes the terminal to `cols` × `rows` cells of `cell` pixels (width, height);
    /// the program gets SIGWINCH.
    pub fn resize(&self, cols: u16, rows: u16, cell: (u16, u16)) {
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: cols * cell.0,
                pixel_height: rows * cell.1,
            })
            .expect("the pseudo-terminal resized");
    }

    /// Sends `signal` to the program.
    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        if let Some(pid) = self.child.process_id() {
            let pid = nix::unistd::Pid::from_raw(i32::try_from(pid).expect("a pid"));
            let _ = nix::sys::signal::kill(pid, signal);
        }
    }

    /// The program's peak resident size so far, in KiB (`VmHWM` in `/proc/PID/status`).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let pid = self.child.process_id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    }

    /// Each of the program's threads by name (`comm`), with its nice value (the 19th
    /// field of `/proc/PID/task/TID/stat`).
    pub fn thread_nice(&self) -> Vec<(String, i32)> {
        let Some(pid) = self.child.process_id() else {
            return Vec::new();
        };
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            return Vec::new();
        };
        tasks
            .filter_map(|task| {
                let stat = std::fs::read_to_string(task.ok()?.path().join("stat")).ok()?;
                let (head, rest) = stat.rsplit_once(')')?;
                let name = head.split_once('(')?.1.to_owned();
                // After the name: state is field 3, nice field 19.
                let nice = rest.split_whitespace().nth(16)?.parse().ok()?;
                Some((name, nice))
            })
            .collect()
    }

    /// Whether the program is stopped (job control: state `T` in `/proc/PID/stat`).
    pub fn stopped(&self) -> bool {
        let Some(pid) = self.child.process_id() else {
            return false;
        };
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            // The state follows the command name, which is in parentheses.
            stat.rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('T'))
        })
    }

    /// SIGKILL: no chance to save or restore anything.
    pub fn sigkill(&mut self) {
        self.signal(nix::sys::signal::Signal::SIGKILL);
        self.wait_exit();
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits for the program to end; its exit status.
    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("child status") {
                return status;
            }
            assert!(Instant::now() < deadline, "the program did not exit");
            std::thread::sleep(Duration::from_millis(40));
        }
    }
}

impl Drop for PtySession {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
