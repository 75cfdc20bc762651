//! What every hardening test uses: loop counts scaled for CI, child processes that may not
//! hang, the client's cache and outbox as seen from outside, and output checks.

use crate::serve::{Client, text};
use crate::terminal_bytes::plain_text_leaks;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

/// Set (to anything but `0`) to run every loop at its full count.
pub const FULL_ENV: &str = "THREADMARK_FULL_HARDENING";

/// `ci` normally, `full` when [`FULL_ENV`] asks for the full counts.
pub fn count(ci: usize, full: usize) -> usize {
    let wanted = std::env::var(FULL_ENV).is_ok_and(|v| !v.is_empty() && v != "0");
    if wanted { full } else { ci }
}

/// Deterministic pseudo-random numbers (xorshift), so a failing run can be replayed.
#[derive(Clone, Debug)]
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }

    pub fn millis(&mut self, max: u64) -> Duration {
        Duration::from_millis(self.below(max))
    }
}

pub use crate::support::files::quarantined;
pub use crate::support::run::run_bounded;

/// The client command with a bounded run (and `env` set).
pub fn client_run(client: &Client, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = client.command(args);
    for (k, v) in env {
        command.env(k, v);
    }
    run_bounded(command, Duration::from_secs(120))
}

/// Points account `work` at another server address.
pub fn set_url(client: &Client, url: &str) {
    let config = std::fs::read_to_string(client.config()).unwrap();
    let edited: Vec<String> = config
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("url = ") {
                format!("url = \"{url}\"")
            } else {
                line.to_owned()
            }
        })
        .collect();
    std::fs::write(client.config(), edited.join("\n") + "\n").unwrap();
}

/// `threadmark outbox --json`, checked to have read every file.
pub fn outbox(client: &Client) -> Vec<Value> {
    client.outbox()
}

/// Keys and bodies of the outbox entries, in order.
pub fn outbox_bodies(client: &Client) -> Vec<(String, String)> {
    outbox(client)
        .iter()
        .map(|e| {
            (
                e["key"].as_str().unwrap().to_owned(),
                e["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every cache file of account `work` (tree, index, threads, read state) by path.
pub fn cache_files(data: &Path) -> BTreeMap<String, Vec<u8>> {
    let root = data.join("accounts/work");
    let mut files = BTreeMap::new();
    for name in ["tree.json", "index.json", "read.json"] {
        if let Ok(bytes) = std::fs::read(root.join(name)) {
            files.insert(name.to_owned(), bytes);
        }
    }
    if let Ok(entries) = std::fs::read_dir(root.join("threads")) {
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !name.starts_with('.') {
                files.insert(format!("threads/{name}"), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// The command neither crashed nor printed anything but plain text.
pub fn assert_tidy(out: &Output, what: &str) {
    let stderr = text(&out.stderr);
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "{what}: ended by {:?}; stderr:\n{stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{what}: panicked:\n{stderr}");
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let leaks = plain_text_leaks(bytes);
        assert!(
            leaks.is_empty(),
            "{what}: {name} carries control characters: {}",
            leaks
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
}
