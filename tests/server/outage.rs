//! The database away (PostgreSQL stopped under two running `threadmark serve` processes):
//! reads, the changes feed and writes answer 503 `store_unavailable` with `Retry-After`,
//! which clients treat as offline-and-retry; when it is back, both processes serve again
//! without a restart, a write retried with its key is made once, and a long poll on one
//! process wakes for a write through the other (its listening connection came back too).

use crate::common::{Backend, THREAD, http, json_of, problem_code, reply};
use crate::durability::spawn;
use crate::postgres::Cluster;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// Sends `request` until it is answered with something other than 503 (a bounded
/// while: the process reconnects by itself, its stale connections fail once each).
async fn once_back(request: impl Fn() -> reqwest::RequestBuilder) -> Response {
    for _ in 0..300 {
        let answer = request().send().await.unwrap();
        if answer.status() != StatusCode::SERVICE_UNAVAILABLE {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("still 503 long after the database came back");
}

/// A 503 that says the database is away and when to retry.
async fn assert_unavailable(answer: Response, what: &str) {
    let retry_after = answer
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let (code, problem) = problem_code(answer, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(code, "store_unavailable", "{what}: {problem}");
    let seconds: u64 = retry_after
        .unwrap_or_else(|| panic!("{what}: a 503 says when to retry"))
        .parse()
        .unwrap();
    assert!(seconds > 0, "{what}: Retry-After {seconds}");
}

/// The post ids among a changes page's changes.
fn post_ids(page: &Value) -> Vec<String> {
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "post")
        .map(|c| c["post"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// After the outage: the feed on A from a cursor taken before it holds the write retried
/// through B, and a long poll waiting on A wakes for the next write through B, which A
/// hears of only through its listening connection (so that came back too).
async fn long_polls_on_a_hear_of_b(a: &str, b: &str, member: &str, cursor: &str, retried: &Value) {
    let client = http();
    let caught_up = json_of(
        once_back(|| client.get(format!("{a}/changes?since={cursor}&wait=30"))).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        post_ids(&caught_up),
        vec![retried["id"].as_str().unwrap().to_owned()]
    );
    let next = caught_up["next_cursor"].as_str().unwrap().to_owned();
    let waiting = client
        .get(format!("{a}/changes?since={next}&wait=30"))
        .send();
    let write = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let body = json!({"body": "after the restart"});
        json_of(
            reply(&client, b, member, THREAD, "after-the-restart", &body).await,
            StatusCode::CREATED,
        )
        .await
    };
    let (woken, written) = tokio::join!(waiting, write);
    let woken = json_of(woken.unwrap(), StatusCode::OK).await;
    assert_eq!(
        post_ids(&woken),
        vec![written["id"].as_str().unwrap().to_owned()],
        "the long poll on A woke for B's write"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn while_the_database_is_away_requests_answer_503_and_the_processes_come_back() {
    let Some(cluster) = Cluster::start_own("outage::while_the_database_is_away") else {
        return;
    };
    cluster.create_database("forum").await;
    let store = Backend::Postgres(cluster.url("forum"));
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let a = spawn(dirs[0].path(), &store, true);
    let b = spawn(dirs[1].path(), &store, false);
    let member = a.tokens["member"].clone();
    let client = http();
    let posts = |base: &str| {
        client
            .get(format!(
                "{base}/threads/{THREAD}/posts?after_seq=0&limit=1000"
            ))
            .bearer_auth(&member)
    };
    let before = json_of(posts(&a.base).send().await.unwrap(), StatusCode::OK).await;
    let cursor = json_of(
        client
            .get(format!("{}/changes?since=now", a.base))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();

    tokio::task::block_in_place(|| cluster.stop());
    let body = json!({"body": "written while the database was away"});
    for base in [&a.base, &b.base] {
        assert_unavailable(posts(base).send().await.unwrap(), "a thread's posts").await;
        let feed = client
            .get(format!("{base}/changes?since={cursor}"))
            .send()
            .await
            .unwrap();
        assert_unavailable(feed, "the changes feed").await;
        let write = reply(&client, base, &member, THREAD, "while-away", &body).await;
        assert_unavailable(write, "a reply").await;
    }

    tokio::task::block_in_place(|| cluster.start());
    for base in [&a.base, &b.base] {
        let back = once_back(|| posts(base)).await;
        assert_eq!(
            json_of(back, StatusCode::OK).await,
            before,
            "{base} serves the thread as before"
        );
    }
    let retried = once_back(|| {
        client
            .post(format!("{}/threads/{THREAD}/posts", b.base))
            .bearer_auth(&member)
            .header("idempotency-key", "while-away")
            .json(&body)
    })
    .await;
    let retried = json_of(retried, StatusCode::CREATED).await;

    long_polls_on_a_hear_of_b(&a.base, &b.base, &member, &cursor, &retried).await;

    // The write retried after the outage was made once.
    let after = json_of(posts(&a.base).send().await.unwrap(), StatusCode::OK).await;
    let keyed = after["posts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["client_key"] == "while-away")
        .count();
    assert_eq!(keyed, 1, "one post for the key retried across the outage");
}
