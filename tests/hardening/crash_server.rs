//! The reference server killed with SIGKILL while several clients write at once, and
//! restarted on the same address, again and again. Writers retry every unanswered post
//! with its idempotency key. Afterwards every acknowledged post is there with the `seq` it
//! was acknowledged with, each post exists once, `seq` is dense in every thread, and the
//! changes feed read from a cursor taken before the first kill delivers every post.

use crate::common::{Dice, count};
use crate::serve::Served;
use crate::support::api::Api;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const WRITERS: usize = 4;
const THREADS: [&str; 2] = ["advocacy-1", "crash-thread"];

/// A post the server acknowledged: its id, thread and seq.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Acked {
    id: String,
    thread: String,
    seq: u64,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// Posts `bodies` in order, each with its own key, retrying until acknowledged or told
/// to stop; records what was acknowledged.
fn writer(
    base: &str,
    token: &str,
    bodies: Vec<(String, String, String)>,
    acked: &Mutex<BTreeMap<String, Acked>>,
    stop: &AtomicBool,
) {
    let rt = runtime();
    let http = http();
    for (thread, body, key) in bodies {
        loop {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            let answer = rt.block_on(async {
                let response = http
                    .post(format!("{base}/api/v1/threads/{thread}/posts"))
                    .bearer_auth(token)
                    .header("Idempotency-Key", &key)
                    .json(&json!({ "body": body }))
                    .send()
                    .await
                    .ok()?;
                let status = response.status().as_u16();
                let value: Value = response.json().await.ok()?;
                Some((status, value))
            });
            match answer {
                Some((201, post)) => {
                    acked.lock().unwrap().insert(
                        body.clone(),
                        Acked {
                            id: post["id"].as_str().unwrap().to_owned(),
                            thread: thread.clone(),
                            seq: post["seq"].as_u64().unwrap(),
                        },
                    );
                    break;
                }
                // 409: the same key is still being processed; anything else: the server
                // is down or restarting. Either way, the same key again shortly.
                _ => std::thread::sleep(Duration::from_millis(15)),
            }
        }
    }
}

fn get(base: &str, token: &str, path: &str) -> Value {
    Api::new(base, token).get(path)
}

#[test]
fn the_server_killed_during_concurrent_writes_keeps_every_acknowledged_post() {
    let kills = count(20, 200);
    let per_writer = count(40, 400);
    let store = tempfile::tempdir().unwrap();
    let args = ["--writes-per-minute", "0"];
    let mut server = Served::demo(store.path(), &args);
    let addr = server.addr.clone();
    let base = server.url.clone();
    let token = server.member_token.clone().unwrap();

    // A second thread to write into, and the cursor to follow changes from.
    let rt = runtime();
    rt.block_on(async {
        let created = http()
            .post(format!("{base}/api/v1/areas/advocacy/threads"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "crash-thread-key")
            .json(&json!({"title": "Crash thread", "body": "first"}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201);
    });
    let threads = get(&base, &token, "/areas/advocacy/threads");
    let crash_thread = threads["threads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"] == "Crash thread")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let thread_ids = [THREADS[0].to_owned(), crash_thread];
    let cursor = get(&base, &token, "/changes?since=now")["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();

    let acked = Arc::new(Mutex::new(BTreeMap::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::new();
    for w in 0..WRITERS {
        let bodies: Vec<(String, String, String)> = (0..per_writer)
            .map(|i| {
                (
                    thread_ids[(w + i) % 2].clone(),
                    format!("writer {w} post {i:03}"),
                    format!("crash-{w}-{i}-{}", uuid::Uuid::now_v7()),
                )
            })
            .collect();
        let (base, token, acked, stop) = (
            base.clone(),
            token.clone(),
            Arc::clone(&acked),
            Arc::clone(&stop),
        );
        handles.push(std::thread::spawn(move || {
            writer(&base, &token, bodies, &acked, &stop);
        }));
    }

    let mut dice = Dice::new(0xdead_beef);
    for _ in 0..kills {
        std::thread::sleep(Duration::from_millis(20) + dice.millis(150));
        server.kill();
        server = Served::start(store.path(), &addr, false, &args);
    }
    // Let the writers finish against a server that stays up (bounded).
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while handles.iter().any(|h| !h.is_finished()) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::SeqCst);
    for handle in handles {
        handle.join().unwrap();
    }

    let acked = acked.lock().unwrap().clone();
    assert_eq!(
        acked.len(),
        WRITERS * per_writer,
        "every post was acknowledged in the end"
    );
    verify(&base, &token, &thread_ids, &acked, cursor);
    server.kill();
}

/// Every acknowledged post is stored once, with its seq; seqs are dense; the changes feed
/// from `cursor` brings every post.
fn verify(
    base: &str,
    token: &str,
    thread_ids: &[String],
    acked: &BTreeMap<String, Acked>,
    cursor: String,
) {
    let mut stored: BTreeMap<String, Value> = BTreeMap::new();
    for thread in thread_ids {
        let page = get(base, token, &format!("/threads/{thread}/posts?limit=1000"));
        let posts = page["posts"].as_array().unwrap();
        let seqs: Vec<u64> = posts.iter().map(|p| p["seq"].as_u64().unwrap()).collect();
        let dense: Vec<u64> = (1..=u64::try_from(posts.len()).unwrap()).collect();
        assert_eq!(seqs, dense, "{thread}: seq is dense");
        for post in posts {
            let body = post["body"].as_str().unwrap().to_owned();
            assert!(
                stored.insert(body.clone(), post.clone()).is_none(),
                "{body} stored twice"
            );
        }
    }
    for (body, ack) in acked {
        let post = stored
            .get(body)
            .unwrap_or_else(|| panic!("acknowledged {body} is gone"));
        assert_eq!(post["id"], ack.id.as_str(), "{body}");
        assert_eq!(post["thread_id"], ack.thread.as_str(), "{body}");
        assert_eq!(post["seq"], ack.seq, "{body}: the acknowledged seq");
    }

    // The changes feed, followed from before the first kill, brings every post.
    let mut seen = BTreeSet::new();
    let mut since = cursor;
    for _ in 0..1000 {
        let page = get(base, token, &format!("/changes?since={since}&limit=1000"));
        for change in page["changes"].as_array().unwrap() {
            if let Some(id) = change["post"]["id"].as_str() {
                seen.insert(id.to_owned());
            }
        }
        page["next_cursor"].as_str().unwrap().clone_into(&mut since);
        if page["has_more"] != json!(true) {
            break;
        }
    }
    for (body, ack) in acked {
        assert!(
            seen.contains(&ack.id),
            "{body} missing from the changes feed"
        );
    }
}
