//! Runs the real `threadmark serve` as a child process on 127.0.0.1 and the real client
//! binary against it, each in its own temp directory.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a server may take to print its startup lines.
const STARTUP: Duration = Duration::from_secs(30);

/// A running reference server (killed when dropped).
pub struct Served {
    child: Child,
    pub url: String,
    pub addr: String,
    pub member_token: Option<String>,
    pub admin_token: Option<String>,
}

impl Served {
    /// Starts `threadmark serve --demo` on a free port with its store in `data`.
    pub fn demo(data: &Path, extra: &[&str]) -> Self {
        Self::start(data, "127.0.0.1:0", true, extra)
    }

    /// Starts the server on `addr` (a fixed port, to restart it where clients expect it).
    pub fn start(data: &Path, addr: &str, demo: bool, extra: &[&str]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_threadmark"));
        command.arg("serve").arg("--quiet").stderr(Stdio::null());
        Self::spawn(command, data, addr, demo, extra)
    }

    /// Starts the server on a free port over the store in `data`, with its log (a line
    /// per request) written to `log`.
    pub fn logged(data: &Path, log: &Path) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_threadmark"));
        let log = std::fs::File::create(log).expect("the log file is created");
        command.arg("serve").stderr(log);
        Self::spawn(command, data, "127.0.0.1:0", false, &[])
    }

    fn spawn(mut command: Command, data: &Path, addr: &str, demo: bool, extra: &[&str]) -> Self {
        command
            .args(["--addr", addr, "--data"])
            .arg(data)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        if demo {
            command.arg("--demo");
        }
        let mut child = command.spawn().expect("threadmark serve starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = rx
            .recv_timeout(STARTUP)
            .expect("the server prints its address");
        let url = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        let addr = url.trim_start_matches("http://").to_owned();
        let (mut member_token, mut admin_token) = (None, None);
        if demo {
            while member_token.is_none() || admin_token.is_none() {
                let line = rx
                    .recv_timeout(STARTUP)
                    .expect("the demo tokens are printed");
                if let Some(t) = line.strip_prefix("member token: ") {
                    member_token = Some(t.to_owned());
                } else if let Some(t) = line.strip_prefix("admin token: ") {
                    admin_token = Some(t.to_owned());
                }
            }
        }
        Self {
            child,
            url,
            addr,
            member_token,
            admin_token,
        }
    }

    /// Stops the server and starts it again where its clients expect it, on the same
    /// store, with `extra` options (the operator changed a setting); the tokens stay.
    pub fn restart(self, data: &Path, extra: &[&str]) -> Self {
        let addr = self.addr.clone();
        let tokens = (self.member_token.clone(), self.admin_token.clone());
        self.kill();
        let mut again = Self::start(data, &addr, false, extra);
        (again.member_token, again.admin_token) = tokens;
        again
    }

    /// SIGKILL, no goodbye.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How long `threadmark outbox` may take before the test fails.
const OUTBOX_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// A client's own data and config directories, and the account pointing at a server.
pub struct Client {
    pub home: tempfile::TempDir,
}

impl Default for Client {
    fn default() -> Self {
        Self {
            home: tempfile::tempdir().expect("temp dir"),
        }
    }
}

impl Client {
    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("data")
    }

    pub fn config(&self) -> PathBuf {
        self.home.path().join("config.toml")
    }

    /// Runs the client binary with this client's directories.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_stdin(args, "")
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        super::run::output_with_stdin(self.command(args), stdin)
    }

    /// The client command, not yet started (stdin, stdout and stderr piped).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_threadmark"));
        command
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--config")
            .arg(self.config())
            .args(args)
            .env_remove("THREADMARK_ACCOUNT")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// `threadmark outbox --json` (bounded in time), checked to have read every file: the
    /// live entries.
    pub fn outbox(&self) -> Vec<serde_json::Value> {
        let out = super::run::run_bounded(self.command(&["outbox", "--json"]), OUTBOX_WAIT);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let value: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("the outbox as JSON");
        assert_eq!(
            value["unreadable"],
            serde_json::json!([]),
            "every outbox file parses"
        );
        value["entries"].as_array().expect("entries").clone()
    }

    /// Adds account `work` for `url` and stores `token` for it.
    pub fn sign_in(&self, url: &str, token: &str) {
        let out = self.run(&["account", "add", "work", "--url", url]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = self.run_with_stdin(&["login", "--token-stdin"], token);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl Client {
    /// Runs `threadmark ARGS`, fails the test unless it succeeds, and gives its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// How many marks (read state, watch levels, bookmarks) wait in the account's queue.
    pub fn queued_marks(&self) -> usize {
        let dir = self.data_dir().join("accounts/work/marks/queued");
        std::fs::read_dir(dir).map_or(0, Iterator::count)
    }

    /// A new client signed in to `server` with `token`, after its first sync.
    pub fn synced(server: &Served, token: &str) -> Client {
        let client = Client::default();
        client.sign_in(&server.url, token);
        client.ok(&["sync"]);
        client
    }
}

/// The thread `id` in a `tree --json` answer (panics, showing the tree, when it is not there).
pub fn tree_thread(tree: &serde_json::Value, id: &str) -> serde_json::Value {
    tree["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["areas"].as_array().unwrap())
        .flat_map(|a| a["threads"].as_array().unwrap())
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("{id} in the tree: {tree}"))
        .clone()
}
