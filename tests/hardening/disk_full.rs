//! A full disk under the reader: its data directory on a small tmpfs, filled to the last
//! byte. The status line says the cache cannot be written ("disk full", not "offline"),
//! the reader keeps showing what is cached, the log — which cannot be written either —
//! never writes onto the screen and the status line says once that log lines were lost.
//!
//! Mounting a tmpfs needs root, as CI runs; elsewhere the test says it did not run.

use crate::common::client_run;
use crate::pty_session::PtySession;
use crate::serve::{Client, Served, text};
use serde_json::Value;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted over a folder, unmounted when dropped.
struct Tmpfs {
    path: PathBuf,
}

impl Tmpfs {
    fn mount(path: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(path).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .output()
            .is_ok_and(|out| out.status.success());
        mounted.then(|| Self {
            path: path.to_owned(),
        })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).output();
    }
}

/// Writes into `dir` until the file system refuses with "no space left".
fn fill(dir: &Path) {
    let mut filler = std::fs::File::create(dir.join("filler")).unwrap();
    let chunk = vec![0_u8; 64 * 1024];
    loop {
        if let Err(e) = filler.write_all(&chunk) {
            assert_eq!(e.raw_os_error(), Some(28), "{e}");
            break;
        }
    }
    // Smaller pieces, down to the last byte.
    for size in [4096, 512, 1] {
        while filler.write_all(&chunk[..size]).is_ok() {}
    }
    // The room left in the last page of each log file, too (an append there needs no
    // new page).
    for entry in std::fs::read_dir(dir.join("logs")).unwrap() {
        let mut log = std::fs::OpenOptions::new()
            .append(true)
            .open(entry.unwrap().path())
            .unwrap();
        while log.write_all(b"\n").is_ok() {}
    }
}

#[test]
fn a_full_disk_says_so_keeps_reading_and_keeps_the_log_off_the_screen() {
    let store = tempfile::tempdir().unwrap();
    let server = Served::demo(store.path(), &[]);
    let client = Client::default();
    let Some(_tmpfs) = Tmpfs::mount(&client.data_dir(), "16m") else {
        eprintln!("not run: mounting a tmpfs needs root (CI runs as root)");
        return;
    };
    client.sign_in(&server.url, server.member_token.as_deref().unwrap());
    let out = client_run(&client, &["sync"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let tree: Value = {
        let out = client_run(&client, &["tree", "--json"], &[]);
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let area = tree["sections"][0]["areas"][0]["title"]
        .as_str()
        .unwrap()
        .to_owned();

    fill(&client.data_dir());
    let mut reader = PtySession::start(client.home.path(), &[], &[], 160, 40);
    // The log cannot be written: said once, in the status line.
    reader.wait_for_text("the log could not be written");
    // The next key clears the notice; the sync's state shows.
    reader.send("j");
    let screen = reader.wait_for_text("cannot write the cache: disk full");
    assert!(screen.contains("disk trouble"), "{screen}");
    assert!(!screen.contains("offline"), "{screen}");
    // Reading goes on from the cache.
    assert!(screen.contains(&area), "{screen}");
    // Nothing of the log's troubles reached the terminal.
    let raw = String::from_utf8_lossy(&reader.raw()).into_owned();
    for leak in ["Unable to write", "No space left", "os error 28"] {
        assert!(!raw.contains(leak), "{leak:?} reached the terminal");
    }
    reader.send("q");
    reader.wait_exit();
}
