//! `threadmark serve backup` and `serve restore`: backups taken from the real binary while
//! writers post restore to consistent stores (every reply acknowledged before the backup
//! began is there, seqs stay dense, the server serves it); restore refuses what is not a
//! backup and a store that is being served, and keeps the store it replaces.

use crate::cli::{serve, stdout};
use crate::common::{Backend, THREAD, all_posts, assert_dense, http, reply};
use crate::durability::spawn;
use reqwest::StatusCode;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use threadmark::server::{ServerConfig, start};

/// The replies in the demo thread of the store in `dir`, served by an in-process server.
async fn replies_in(dir: &Path) -> Vec<serde_json::Value> {
    let server = start(ServerConfig::new(dir)).await.unwrap();
    let posts = all_posts(&http(), &server.url(), THREAD).await;
    drop(server);
    posts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_concurrent_writes_restores_a_consistent_store() {
    let data = tempfile::tempdir().unwrap();
    let server = spawn(data.path(), &Backend::Sqlite, true);
    let member = server.tokens["member"].clone();
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (base, token) = (server.base.clone(), member.clone());
        let (acknowledged, stop) = (Arc::clone(&acknowledged), Arc::clone(&stop));
        writers.push(tokio::spawn(async move {
            let client = http();
            for n in 0..400 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let body = json!({"body": format!("writer {w} reply {n}")});
                let answer =
                    reply(&client, &base, &token, THREAD, &format!("w{w}-{n}"), &body).await;
                assert_eq!(answer.status(), StatusCode::CREATED);
                acknowledged.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    let files = tempfile::tempdir().unwrap();
    let mut taken = Vec::new();
    for b in 0..3 {
        // Let some writes land first, so each backup is taken mid-stream.
        while acknowledged.load(Ordering::SeqCst) < 20 * (b + 1) {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let out = files.path().join(format!("backup-{b}.sqlite3"));
        let before = acknowledged.load(Ordering::SeqCst);
        let (dir, file) = (data.path().to_owned(), out.clone());
        let said = tokio::task::spawn_blocking(move || {
            stdout(&serve(
                &dir,
                &Backend::Sqlite,
                &["backup", "--out", file.to_str().unwrap()],
                "",
            ))
        })
        .await
        .unwrap();
        let after = acknowledged.load(Ordering::SeqCst);
        assert!(said.starts_with("backed up "), "{said}");
        taken.push((out, before, after));
    }
    stop.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.await.unwrap();
    }
    let written = acknowledged.load(Ordering::SeqCst);
    drop(server);

    let demo_posts = 8;
    for (file, before, after) in &taken {
        let restored = tempfile::tempdir().unwrap();
        let said = stdout(&serve(
            restored.path(),
            &Backend::Sqlite,
            &["restore", file.to_str().unwrap()],
            "",
        ));
        assert!(said.starts_with("restored "), "{said}");
        let posts = replies_in(restored.path()).await;
        assert_dense(&posts);
        let replies = posts.len() - demo_posts;
        assert!(
            (*before..=*after).contains(&replies),
            "a backup begun after {before} acknowledged replies and ended by {after} holds {replies}"
        );
        assert!(replies < written, "taken while writes went on");
    }
}

#[test]
fn restore_refuses_what_is_not_a_backup_and_keeps_the_store_it_replaces() {
    let data = tempfile::tempdir().unwrap();
    stdout(&serve(
        data.path(),
        &Backend::Sqlite,
        &["forum", "title", "The old forum"],
        "",
    ));
    let files = tempfile::tempdir().unwrap();
    let text = files.path().join("notes.txt");
    std::fs::write(&text, "not a database").unwrap();
    let foreign = files.path().join("other.sqlite3");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER)")
        .unwrap();
    for file in [&text, &foreign, &files.path().join("missing")] {
        let out = serve(
            data.path(),
            &Backend::Sqlite,
            &["restore", file.to_str().unwrap()],
            "",
        );
        assert!(!out.status.success());
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("is not a threadmark backup"), "{said}");
        assert!(said.contains("nothing was restored"), "{said}");
    }
    let shown = stdout(&serve(
        data.path(),
        &Backend::Sqlite,
        &["forum", "show"],
        "",
    ));
    assert!(shown.contains("The old forum"), "untouched: {shown}");

    // A real backup of another forum replaces it; the old store is kept beside it.
    let other = tempfile::tempdir().unwrap();
    stdout(&serve(
        other.path(),
        &Backend::Sqlite,
        &["forum", "title", "The new forum"],
        "",
    ));
    let file = files.path().join("new.sqlite3");
    stdout(&serve(
        other.path(),
        &Backend::Sqlite,
        &["backup", "--out", file.to_str().unwrap()],
        "",
    ));
    let out = serve(
        data.path(),
        &Backend::Sqlite,
        &["restore", file.to_str().unwrap()],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("kept as"), "{said}");
    let shown = stdout(&serve(
        data.path(),
        &Backend::Sqlite,
        &["forum", "show"],
        "",
    ));
    assert!(shown.contains("The new forum"), "{shown}");
    let kept: Vec<_> = std::fs::read_dir(data.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("before-restore"))
        .collect();
    assert_eq!(kept.len(), 1, "the replaced store is kept");

    // Never under a running server.
    let running = spawn(data.path(), &Backend::Sqlite, false);
    let out = serve(
        data.path(),
        &Backend::Sqlite,
        &["restore", file.to_str().unwrap()],
        "",
    );
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("already serving"), "{said}");
    drop(running);
}

#[tokio::test]
async fn a_postgres_store_is_pointed_to_pg_dump() {
    let out = serve(
        tempfile::tempdir().unwrap().path(),
        &Backend::Postgres("postgres://nobody@127.0.0.1:1/none".into()),
        &["backup", "--out", "x"],
        "",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
}
