//! The reference server's write rate and long-poll wake-up latency: `SQLite`, and one and
//! three `threadmark serve` processes (the real release binary) on one PostgreSQL
//! (a throwaway cluster on loopback). 30 writers post for 5 s spread over the
//! processes; then one writer posts 100 times through the first process while a long
//! poll waits on the last, and the time from sending a post to the poll answering with
//! it is taken.

use crate::postgres::Cluster;
use crate::samples::{Samples, ms, report};
use crate::serve::Served;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const WRITERS: usize = 30;
const WRITE_TIME: Duration = Duration::from_secs(5);
const WAKES: usize = 100;
const THREAD: &str = "advocacy-1";

/// Starts `threadmark serve` (writes unthrottled) on `SQLite` in `data`, or on `database`.
fn spawn(data: &Path, database: Option<&str>, demo: bool) -> Served {
    let mut extra = vec!["--writes-per-minute", "0"];
    if let Some(url) = database {
        extra.extend(["--database", url]);
    }
    Served::start(data, "127.0.0.1:0", demo, &extra)
}

async fn post(client: &reqwest::Client, base: &str, token: &str, key: &str) -> bool {
    client
        .post(format!("{base}/threads/{THREAD}/posts"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&json!({"body": format!("bench {key}")}))
        .send()
        .await
        .is_ok_and(|r| r.status() == reqwest::StatusCode::CREATED)
}

/// Posts per second with [`WRITERS`] writers spread over `bases`.
async fn write_rate(bases: &[String], token: &str) -> f64 {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (base, token, stop, done) = (
                bases[w % bases.len()].clone(),
                token.to_owned(),
                Arc::clone(&stop),
                Arc::clone(&done),
            );
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    if post(&client, &base, &token, &format!("rate-{w}-{n}")).await {
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                    n += 1;
                }
            })
        })
        .collect();
    let started = Instant::now();
    tokio::time::sleep(WRITE_TIME).await;
    stop.store(true, Ordering::SeqCst);
    for task in tasks {
        task.await.expect("writer");
    }
    f64::from(u32::try_from(done.load(Ordering::SeqCst)).unwrap_or(u32::MAX))
        / started.elapsed().as_secs_f64()
}

/// Send-to-wake times: posts through `writer_base`, a long poll on `poll_base`.
async fn wake_latency(writer_base: &str, poll_base: &str, token: &str) -> Samples {
    let client = reqwest::Client::new();
    let page: Value = client
        .get(format!("{poll_base}/changes?since=now"))
        .send()
        .await
        .expect("changes")
        .json()
        .await
        .expect("json");
    let mut cursor = page["next_cursor"].as_str().expect("cursor").to_owned();
    let mut samples = Samples::default();
    for n in 0..WAKES {
        let poll = client
            .get(format!("{poll_base}/changes?since={cursor}&wait=10"))
            .send();
        let write = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let sent = Instant::now();
            assert!(post(&client, writer_base, token, &format!("wake-{n}")).await);
            sent
        };
        let (answer, sent) = tokio::join!(poll, write);
        let woke = Instant::now();
        let page: Value = answer.expect("poll").json().await.expect("json");
        assert!(
            !page["changes"].as_array().expect("changes").is_empty(),
            "woke with the post"
        );
        page["next_cursor"]
            .as_str()
            .expect("cursor")
            .clone_into(&mut cursor);
        samples.push(woke.saturating_duration_since(sent));
    }
    samples
}

fn measure(runtime: &tokio::runtime::Runtime, what: &str, servers: &[Served]) {
    let bases: Vec<String> = servers
        .iter()
        .map(|s| format!("{}/api/v1", s.url))
        .collect();
    let token = servers[0]
        .member_token
        .clone()
        .expect("the demo member token");
    let rate = runtime.block_on(write_rate(&bases, &token));
    let last = bases.last().expect("a server");
    let mut wakes = runtime.block_on(wake_latency(&bases[0], last, &token));
    let p99 = wakes.percentile(99);
    report(
        &format!("{what}: posts per second, {WRITERS} writers"),
        &format!("{rate:.0}/s"),
        "—",
        true,
    );
    report(
        &format!(
            "{what}: long-poll wake-up after a write through {}",
            if bases.len() > 1 {
                "another process"
            } else {
                "it"
            }
        ),
        &format!("p50 {}, p99 {}", ms(wakes.percentile(50)), ms(p99)),
        "< 1 s",
        p99 < Duration::from_secs(1),
    );
}

pub fn bench() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sqlite_dir = tempfile::tempdir().expect("temp dir");
    let sqlite = spawn(sqlite_dir.path(), None, true);
    measure(&runtime, "SQLite, 1 process", std::slice::from_ref(&sqlite));
    drop(sqlite);

    let Some(cluster) = Cluster::start_own("servers bench") else {
        return;
    };
    for (name, processes) in [("one", 1), ("three", 3)] {
        runtime.block_on(cluster.create_database(name));
        let url = cluster.url(name);
        let dirs: Vec<_> = (0..processes)
            .map(|_| tempfile::tempdir().expect("temp dir"))
            .collect();
        let servers: Vec<Served> = dirs
            .iter()
            .enumerate()
            .map(|(i, dir)| spawn(dir.path(), Some(&url), i == 0))
            .collect();
        measure(
            &runtime,
            &format!("PostgreSQL, {processes} process(es)"),
            &servers,
        );
    }
}
