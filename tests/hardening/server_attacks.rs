//! The real `threadmark serve` binary under attack and on a bad day: idle sockets beyond
//! its open-file limit, a second server on the same store, a store it cannot write, and
//! an address already in use — each ends in service or in one clear line, never a hang.

use crate::common::run_bounded;
use crate::serve::{Served, text};
use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_threadmark");

/// A server started with an open-file limit of its own (via `prlimit`), its stderr kept.
struct Limited {
    child: Child,
    addr: String,
    member: String,
    stderr: Arc<Mutex<String>>,
}

impl Limited {
    fn start(data: &Path, nofile: &str, extra: &[&str]) -> Self {
        let mut child = Command::new("prlimit")
            .arg(format!("--nofile={nofile}"))
            .arg(BIN)
            .args([
                "serve",
                "--demo",
                "--quiet",
                "--addr",
                "127.0.0.1:0",
                "--data",
            ])
            .arg(data)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("prlimit runs threadmark serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let (tx, rx) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut addr = None;
        let mut member = None;
        while addr.is_none() || member.is_none() {
            let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) else {
                panic!(
                    "the server did not start: {}",
                    stderr.lock().unwrap().as_str()
                );
            };
            if let Some(url) = line.strip_prefix("listening on http://") {
                addr = Some(url.to_owned());
            } else if let Some(token) = line.strip_prefix("member token: ") {
                member = Some(token.to_owned());
            }
        }
        Self {
            child,
            addr: addr.unwrap(),
            member: member.unwrap(),
            stderr,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}/api/v1{path}", self.addr)
    }
}

impl Drop for Limited {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn idle_sockets_beyond_the_file_limit_do_not_take_the_server_offline() {
    // A soft limit of 64 open files, hard 256: the server raises it to 256 and caps its
    // connections at three quarters of that (192). 250 idle sockets exceed both the soft
    // limit and the cap; each idle one is closed after 5 s (long enough for the server to
    // fill its cap even on a busy machine).
    let store = tempfile::tempdir().unwrap();
    let server = Limited::start(store.path(), "64:256", &["--header-timeout", "5"]);
    let idle: Vec<TcpStream> = (0..250)
        .map(|_| TcpStream::connect(&server.addr).expect("the listen queue takes it"))
        .collect();

    let rt = runtime();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    rt.block_on(async {
        // An ordinary request is answered while the idle sockets are still open.
        let tree = http.get(server.url("/tree")).send().await.unwrap();
        assert_eq!(tree.status().as_u16(), 200);

        // A long poll outlives the header timeout: it is a request under way, not idle.
        let cursor: serde_json::Value = http
            .get(server.url("/changes?since=now"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let since = cursor["next_cursor"].as_str().unwrap().to_owned();
        let poll = http
            .get(server.url(&format!("/changes?since={since}&wait=25")))
            .send();
        let write = async {
            tokio::time::sleep(Duration::from_secs(7)).await;
            http.post(server.url("/threads/advocacy-1/posts"))
                .bearer_auth(&server.member)
                .header("Idempotency-Key", "during-the-poll")
                .json(&serde_json::json!({ "body": "Written during a long poll" }))
                .send()
                .await
                .unwrap()
        };
        let (poll, write) = tokio::join!(poll, write);
        assert_eq!(write.status().as_u16(), 201);
        let page: serde_json::Value = poll.unwrap().json().await.unwrap();
        assert!(
            page["changes"].as_array().is_some_and(|c| !c.is_empty()),
            "the long poll answered with the change: {page}"
        );
    });

    // Every idle socket was closed by the server (EOF or reset), none left hanging.
    for mut socket in idle {
        socket
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut byte = [0_u8; 1];
        match socket.read(&mut byte) {
            Ok(0) => {}
            Ok(_) => panic!("an idle socket got data"),
            Err(e) => assert!(
                matches!(e.kind(), std::io::ErrorKind::ConnectionReset),
                "an idle socket was not closed: {e}"
            ),
        }
    }
    let log = server.stderr.lock().unwrap().clone();
    assert!(
        log.contains("192 connections open, the most allowed"),
        "the cap (from the raised limit) is logged: {log}"
    );
}

#[test]
fn a_second_server_on_the_same_store_refuses_to_start() {
    let store = tempfile::tempdir().unwrap();
    let first = Served::demo(store.path(), &[]);
    let mut second = Command::new(BIN);
    second
        .args(["serve", "--quiet", "--addr", "127.0.0.1:0", "--data"])
        .arg(store.path());
    let out = run_bounded(second, Duration::from_secs(60));
    assert!(!out.status.success());
    assert!(!text(&out.stdout).contains("listening on"));
    let err = text(&out.stderr);
    assert!(
        err.contains("another threadmark serve is already serving"),
        "{err}"
    );
    assert!(err.contains(&first.addr), "names the running one: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // The first one serves on.
    let rt = runtime();
    let status = rt.block_on(async {
        reqwest::get(format!("{}/api/v1/status", first.url))
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status.as_u16(), 200);
    first.kill();
    // Once it is gone, the store can be served again.
    let again = Served::start(store.path(), "127.0.0.1:0", false, &[]);
    drop(again);
}

/// Whether this test runs as root (who may write anything, so a read-only store needs
/// another user to show).
fn running_as_root(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = dir.join("whoami");
    std::fs::write(&probe, b"").unwrap();
    let root = std::fs::metadata(&probe).unwrap().uid() == 0;
    std::fs::remove_file(probe).unwrap();
    root
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_store_that_cannot_be_written_is_refused_at_start() {
    let home = tempfile::tempdir().unwrap();
    let store = home.path().join("store");
    threadmark::server::prepare_demo(&store).unwrap();
    let root = running_as_root(home.path());
    set_mode(home.path(), 0o755);
    // Two shapes: the database file read-only (in a writable folder), then the folder too.
    let database = store.join("threadmark-server.sqlite3");
    for read_only in [&database, &store] {
        set_mode(read_only, if read_only == &store { 0o555 } else { 0o444 });
        if read_only == &database {
            set_mode(&store, 0o777);
        }
        let mut command = if root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", BIN]);
            c
        } else {
            Command::new(BIN)
        };
        command
            .args(["serve", "--quiet", "--addr", "127.0.0.1:0", "--data"])
            .arg(&store);
        let out = run_bounded(command, Duration::from_secs(60));
        let err = text(&out.stderr);
        assert!(!out.status.success(), "started on a read-only store: {err}");
        assert!(!text(&out.stdout).contains("listening on"));
        assert!(err.contains("cannot be written"), "{err}");
        assert!(err.contains("needs to write there"), "{err}");
    }
    set_mode(&store, 0o755);
    set_mode(&database, 0o644);
}

#[test]
fn an_address_in_use_is_said_once() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let store = tempfile::tempdir().unwrap();
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--quiet", "--addr", &addr, "--data"])
        .arg(store.path());
    let out = run_bounded(command, Duration::from_secs(60));
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
    assert_eq!(err.matches("(os error").count(), 1, "the cause once: {err}");
}
