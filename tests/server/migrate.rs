//! `threadmark serve migrate`: a `SQLite` forum (generated, plus live writes with
//! idempotency keys and an edit) copied into PostgreSQL answers the API exactly as the
//! `SQLite` server does — tree, thread lists, posts, the whole changes feed with its
//! cursors — and its tokens and idempotency keys keep working.
//!
//! 100k posts with `THREADMARK_FULL_HARDENING=1`, 5k by default.

use crate::common::{Backend, http, json_of, reply};
use crate::durability::spawn;
use crate::generator::{Generated, Spec, generate};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::Command;

fn post_count() -> usize {
    if std::env::var("THREADMARK_FULL_HARDENING").is_ok_and(|v| v == "1") {
        100_000
    } else {
        5_000
    }
}

async fn get(client: &reqwest::Client, base: &str, path: &str, token: &str) -> Value {
    json_of(
        client
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await
}

/// Every page of the changes feed from the start, cursors included.
async fn whole_feed(client: &reqwest::Client, base: &str, token: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10_000 {
        let page = get(
            client,
            base,
            &format!("/changes?since={cursor}&limit=1000"),
            token,
        )
        .await;
        page["next_cursor"]
            .as_str()
            .unwrap()
            .clone_into(&mut cursor);
        let more = page["has_more"].as_bool().unwrap();
        pages.push(page);
        if !more {
            return pages;
        }
    }
    panic!("the feed never ended");
}

fn migrate(from: &std::path::Path, to: &str, json: bool) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_threadmark"));
    command
        .args(["serve", "migrate", "--from"])
        .arg(from)
        .args(["--to", to]);
    if json {
        command.arg("--json");
    }
    command.output().unwrap()
}

/// Live use on `SQLite` before the move: keyed replies and an edit. Returns the demo
/// tokens (member, admin) and the replies.
async fn use_before_the_move(dir: &std::path::Path, thread: &str) -> (String, String, Vec<Value>) {
    let client = http();
    let sqlite = spawn(dir, &Backend::Sqlite, true);
    let (member, admin) = (
        sqlite.tokens["member"].clone(),
        sqlite.tokens["admin"].clone(),
    );
    let mut replies = Vec::new();
    for n in 0..5 {
        let body = json!({"body": format!("before the move {n}")});
        let post = json_of(
            reply(
                &client,
                &sqlite.base,
                &member,
                thread,
                &format!("k{n}"),
                &body,
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        replies.push(post);
    }
    let edited = client
        .patch(format!(
            "{}/posts/{}",
            sqlite.base,
            replies[0]["id"].as_str().unwrap()
        ))
        .bearer_auth(&member)
        .header("if-match", "\"v1\"")
        .json(&json!({"body": "edited before the move"}))
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), StatusCode::OK);
    drop(sqlite);
    (member, admin, replies)
}

/// The same answers from both servers: the tree, every area's first threads, a spread
/// of threads and their posts, an edited post, and the whole feed with its cursors.
async fn assert_same_answers(a: &str, b: &str, member: &str, forum: &Generated, extra: &[String]) {
    let client = http();
    let tree = get(&client, a, "/tree", member).await;
    assert_eq!(tree, get(&client, b, "/tree", member).await);
    let mut paths = extra.to_vec();
    for section in tree["sections"].as_array().unwrap() {
        for area in section["areas"].as_array().unwrap() {
            let id = area["id"].as_str().unwrap();
            paths.push(format!("/areas/{id}/threads?limit=50"));
        }
    }
    for (summary, _) in forum.threads.iter().step_by(forum.threads.len() / 20 + 1) {
        paths.push(format!("/threads/{}", summary.id));
        paths.push(format!(
            "/threads/{}/posts?after_seq=0&limit=1000",
            summary.id
        ));
    }
    if let Some(long) = &forum.long_thread {
        paths.push(format!("/threads/{long}/posts?after_seq=1000&limit=1000"));
    }
    for path in &paths {
        assert_eq!(
            get(&client, a, path, member).await,
            get(&client, b, path, member).await,
            "{path}"
        );
    }
    let feed = whole_feed(&client, a, member).await;
    assert_eq!(feed, whole_feed(&client, b, member).await);
    let changes: usize = feed
        .iter()
        .map(|p| p["changes"].as_array().unwrap().len())
        .sum();
    assert!(
        changes > forum.post_count(),
        "the feed holds every post ({changes})"
    );
}

/// Tokens, idempotency answers and ids carry over.
async fn keys_and_ids_carry_over(
    b: &str,
    url: &str,
    tokens: (&str, &str),
    thread: &str,
    replies: &[Value],
) {
    let client = http();
    let (member, admin) = tokens;
    // Tokens, idempotency answers and new ids carry over: a retried key answers the
    // old post, a new reply and a new user continue after the copied ones.
    let retried = json_of(
        reply(
            &client,
            b,
            member,
            thread,
            "k1",
            &json!({"body": "before the move 1"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(retried["id"], replies[1]["id"]);
    let next = json_of(
        reply(
            &client,
            b,
            member,
            thread,
            "after",
            &json!({"body": "after the move"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        next["seq"].as_u64().unwrap(),
        replies[4]["seq"].as_u64().unwrap() + 1
    );
    let mode = client
        .put(format!("{b}/admin/mode"))
        .bearer_auth(admin)
        .json(&json!({"mode": "open"}))
        .send()
        .await
        .unwrap();
    assert_eq!(mode.status(), StatusCode::OK, "the admin token works");
    let added = Command::new(env!("CARGO_BIN_EXE_threadmark"))
        .args([
            "serve",
            "--database",
            url,
            "user",
            "add",
            "newcomer",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"a long enough password\n")?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(added.status.success(), "a new user gets a fresh id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sqlite_forum_moves_to_postgres_and_answers_the_same() {
    let Some(Backend::Postgres(url)) = Backend::postgres("migrate").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let forum = generate(Spec::posts(post_count()));
    forum.load_server(dir.path());
    let thread = forum.threads[0].0.id.to_string();
    let (member, admin, replies) = use_before_the_move(dir.path(), &thread).await;

    let out = migrate(dir.path(), &url, true);
    assert!(
        out.status.success(),
        "migrate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let posts_row = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "posts")
        .unwrap();
    assert_eq!(
        posts_row["rows"].as_u64().unwrap(),
        (forum.post_count() + 5) as u64,
        "{report}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("copying posts"));

    // A second run refuses: the target already holds the forum, and keeps it.
    let again = migrate(dir.path(), &url, false);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds a forum"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    let sqlite = spawn(dir.path(), &Backend::Sqlite, false);
    let pg_dir = tempfile::tempdir().unwrap();
    let pg = spawn(pg_dir.path(), &Backend::Postgres(url.clone()), false);
    let (a, b) = (&sqlite.base, &pg.base);
    let extra = [
        format!("/threads/{thread}/posts?after_seq=0&limit=1000"),
        format!("/posts/{}", replies[0]["id"].as_str().unwrap()),
    ];
    assert_same_answers(a, b, &member, &forum, &extra).await;
    keys_and_ids_carry_over(b, &url, (&member, &admin), &thread, &replies).await;
}
