//! The real binary, killed with SIGKILL mid-write: every acknowledged post survives and the
//! changes feed continues from a cursor taken before the crash.

use crate::common::{Backend, THREAD, all_posts, assert_dense, both_stores, http, json_of, reply};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A `threadmark serve` process (the real binary) and what it printed at start.
pub struct Spawned {
    pub child: Child,
    pub base: String,
    pub tokens: HashMap<String, String>,
}

/// A test that fails must not leave a server running.
impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `threadmark serve` and reads its startup lines (bounded in time).
pub fn spawn(data: &Path, store: &Backend, demo: bool) -> Spawned {
    let mut command = Command::new(env!("CARGO_BIN_EXE_threadmark"));
    command
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--writes-per-minute",
            "0",
            "--quiet",
            "--data",
        ])
        .arg(data)
        .args(store.args())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if demo {
        command.arg("--demo");
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let expected = if demo { 3 } else { 1 };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Kept for a failed start's message, and drained so warnings never block the server.
    let stderr = Arc::new(std::sync::Mutex::new(String::new()));
    let printed = Arc::clone(&stderr);
    let pipe = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let mut printed = printed.lock().unwrap();
            if printed.len() < 64 * 1024 {
                printed.push_str(&line);
                printed.push('\n');
            }
        }
    });
    let mut lines = Vec::new();
    while lines.len() < expected {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => lines.push(line),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "threadmark serve did not start ({e}); it printed:\n{}",
                    stderr.lock().unwrap()
                );
            }
        }
    }
    let addr = lines[0]
        .strip_prefix("listening on http://")
        .expect("first line: listening on http://IP:PORT");
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
    let tokens = lines[1..]
        .iter()
        .map(|l| {
            let (name, token) = l.split_once(" token: ").expect("NAME token: VALUE");
            (name.to_owned(), token.to_owned())
        })
        .collect::<HashMap<_, _>>();
    if demo {
        assert_eq!(
            tokens.keys().collect::<HashSet<_>>(),
            HashSet::from([&"member".to_owned(), &"admin".to_owned()])
        );
    }
    Spawned {
        child,
        base: format!("http://{addr}/api/v1"),
        tokens,
    }
}

async fn changes_since(http: &reqwest::Client, base: &str, mut cursor: String) -> HashSet<String> {
    let mut posts = HashSet::new();
    for _ in 0..1000 {
        let page = json_of(
            http.get(format!("{base}/changes?since={cursor}&limit=1000"))
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        for change in page["changes"].as_array().unwrap() {
            if change["kind"] == "post" {
                posts.insert(change["post"]["id"].as_str().unwrap().to_owned());
            }
        }
        page["next_cursor"]
            .as_str()
            .unwrap()
            .clone_into(&mut cursor);
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    posts
}

/// Four writers post as fast as they can; the server gets `SIGKILL` once `at_least`
/// posts are acknowledged, while they still post. Returns the acknowledged posts.
async fn post_until_killed(server: &mut Spawned, member: &str, at_least: usize) -> Vec<Value> {
    let acked: Arc<std::sync::Mutex<Vec<Value>>> = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (base, token, acked, count) = (
            server.base.clone(),
            member.to_owned(),
            acked.clone(),
            count.clone(),
        );
        writers.push(tokio::spawn(async move {
            let client = http();
            for n in 0..500 {
                let key = format!("w{w}-{n}");
                let sent = client
                    .post(format!("{base}/threads/{THREAD}/posts"))
                    .bearer_auth(&token)
                    .header("idempotency-key", &key)
                    .json(&json!({"body": format!("post {key}")}))
                    .send()
                    .await;
                let Ok(response) = sent else { return };
                if response.status() != StatusCode::CREATED {
                    return;
                }
                let Ok(post) = response.json::<Value>().await else {
                    return;
                };
                acked.lock().unwrap().push(post);
                count.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    let enough = async {
        while count.load(Ordering::SeqCst) < at_least {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(120), enough)
        .await
        .unwrap();
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    for writer in writers {
        tokio::time::timeout(Duration::from_secs(90), writer)
            .await
            .unwrap()
            .unwrap();
    }
    acked.lock().unwrap().clone()
}

/// Every post of the demo thread as `member` sees them (with its `client_key`s).
async fn posts_seen_by(client: &reqwest::Client, base: &str, member: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = json_of(
            client
                .get(format!(
                    "{base}/threads/{THREAD}/posts?after_seq={after}&limit=1000"
                ))
                .bearer_auth(member)
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        let batch = page["posts"].as_array().unwrap().clone();
        after = batch.last().map_or(after, |p| p["seq"].as_u64().unwrap());
        all.extend(batch);
        if !page["has_more"].as_bool().unwrap() {
            return all;
        }
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn acknowledged_posts_survive_kill_9_and_the_feed_continues(store) {
        let dir = tempfile::tempdir().unwrap();
        let mut server = spawn(dir.path(), &store, true);
        let client = http();
        let member = server.tokens["member"].clone();
        let cursor = json_of(
            client
                .get(format!("{}/changes?since=now", server.base))
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await["next_cursor"]
            .as_str()
            .unwrap()
            .to_owned();

        let acked = post_until_killed(&mut server, &member, 60).await;
        assert!(acked.len() >= 60);

        // Same data, no --demo: the store, its users and tokens are all on disk.
        let restarted = spawn(dir.path(), &store, false);
        let posts = posts_seen_by(&client, &restarted.base, &member).await;
        assert_dense(&posts);
        let stored: HashMap<&str, &Value> = posts
            .iter()
            .map(|p| (p["id"].as_str().unwrap(), p))
            .collect();
        for post in &acked {
            let id = post["id"].as_str().unwrap();
            let kept = stored
                .get(id)
                .unwrap_or_else(|| panic!("acknowledged post {id} lost"));
            assert_eq!(kept["body"], post["body"]);
            assert_eq!(kept["seq"], post["seq"]);
        }
        let keys: Vec<&str> = posts
            .iter()
            .filter_map(|p| p["client_key"].as_str())
            .collect();
        assert_eq!(
            keys.len(),
            keys.iter().collect::<HashSet<_>>().len(),
            "no key made two posts"
        );

        let fed = changes_since(&client, &restarted.base, cursor).await;
        for post in &acked {
            assert!(
                fed.contains(post["id"].as_str().unwrap()),
                "the feed continues from the old cursor"
            );
        }

        // The old token still works for writing, and the thread keeps counting.
        let next = json_of(
            reply(
                &client,
                &restarted.base,
                &member,
                THREAD,
                "after-crash",
                &json!({"body": "still here"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(next["seq"].as_u64().unwrap(), posts.len() as u64 + 1);
        assert_eq!(
            all_posts(&client, &restarted.base, THREAD).await.len(),
            posts.len() + 1
        );
        drop(restarted);
    }
}
