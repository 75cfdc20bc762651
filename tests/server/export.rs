//! `threadmark serve export` and `serve import`: a forum with edits, likes, a lock and a
//! hidden post, exported while it is served, loads into an empty store that exports the
//! same file again and serves the same thread; a store holding a forum is never merged
//! into, and a broken file is refused naming its line.

use crate::cli::{serve, stdout};
use crate::common::{Backend, THREAD, TestServer, both_stores, demo_server, http, json_of, reply};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;
use threadmark::server::start;

/// The file without what differs between two exports of the same forum (the time).
fn normalised(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    lines[0].as_object_mut().unwrap().remove("exported_at");
    lines
}

/// Content beyond the demo: an edited reply (a revision), a like, a lock, a hidden post.
async fn use_the_forum(t: &TestServer) -> String {
    let base = t.server.url();
    let member = t.member();
    let post = json_of(
        reply(
            &t.http,
            &base,
            &member,
            THREAD,
            "k1",
            &json!({"body": "first words"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = post["id"].as_str().unwrap().to_owned();
    let edited = t
        .http
        .patch(t.url(&format!("/posts/{id}")))
        .bearer_auth(&member)
        .header("if-match", "\"v1\"")
        .json(&json!({"body": "second words"}))
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), StatusCode::OK);
    let liked = t
        .http
        .put(t.url(&format!("/posts/{id}/reactions/like")))
        .bearer_auth(t.admin())
        .send()
        .await
        .unwrap();
    assert_eq!(liked.status(), StatusCode::OK);
    let dir = t.dir.path();
    stdout(&serve(dir, &t.store, &["thread", "lock", THREAD], ""));
    stdout(&serve(
        dir,
        &t.store,
        &["post", "hide", "advocacy-1-3", "--reason", "off topic"],
        "",
    ));
    id
}

async fn get(token: &str, url: String) -> Value {
    json_of(
        http().get(url).bearer_auth(token).send().await.unwrap(),
        StatusCode::OK,
    )
    .await
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_export_loads_into_an_empty_store_and_exports_the_same(store) {
        let t = demo_server(&store, |_| {}).await;
        let edited = use_the_forum(&t).await;
        let files = tempfile::tempdir().unwrap();
        let (a, b) = (files.path().join("a.jsonl"), files.path().join("b.jsonl"));
        let said = stdout(&serve(t.dir.path(), &t.store, &["export", "--out", a.to_str().unwrap()], ""));
        assert!(said.starts_with("exported "), "{said}");

        // What the file says: a header, the forum, every kind of row, no secrets.
        let lines = normalised(&a);
        assert_eq!(lines[0]["format"], "threadmark-export");
        assert_eq!(lines[1]["type"], "forum");
        let of = |kind: &str| lines.iter().filter(|l| l["type"] == kind).cloned().collect::<Vec<_>>();
        assert_eq!((of("section").len(), of("area").len()), (2, 3));
        assert!(of("user").iter().any(|u| u["name"] == "admin" && u["admin"] == true));
        assert!(of("user").iter().all(|u| u.get("password_hash").is_none()));
        assert!(of("thread").iter().any(|th| th["id"] == THREAD && th["locked"] == true));
        assert!(of("post").iter().any(|p| p["id"] == "advocacy-1-3" && p["hidden_reason"] == "off topic"));
        assert!(of("revision").iter().any(|r| r["post_id"] == edited.as_str() && r["body"] == "first words"));
        assert_eq!(of("reaction").len(), 1);
        assert!(of("log").len() >= 2, "the lock and the hide are logged");
        let text = std::fs::read_to_string(&a).unwrap();
        assert!(!text.contains("$argon2"), "no password hash is exported");

        // Into an empty store of the same engine, and out again: the same file.
        let target_dir = tempfile::tempdir().unwrap();
        let target = match &store {
            Backend::Sqlite => Backend::Sqlite,
            Backend::Postgres(_) => Backend::postgres(module_path!()).await.unwrap(),
        };
        let said = stdout(&serve(target_dir.path(), &target, &["import", a.to_str().unwrap()], ""));
        assert!(said.contains("post "), "{said}");
        stdout(&serve(target_dir.path(), &target, &["export", "--out", b.to_str().unwrap()], ""));
        assert_eq!(normalised(&a), normalised(&b));

        // The imported forum serves the same tree and thread (an admin's view).
        let line = stdout(&serve(target_dir.path(), &target, &["token", "new", "admin"], ""));
        let token = line.trim().rsplit_once(' ').unwrap().1.to_owned();
        let imported = start(target.config(target_dir.path())).await.unwrap();
        let posts = "/threads/advocacy-1/posts?after_seq=0&limit=1000";
        for path in ["/tree", "/threads/advocacy-1", posts] {
            assert_eq!(
                get(&t.admin(), t.url(path)).await,
                get(&token, format!("{}{path}", imported.url())).await,
                "{path}"
            );
        }
        let feed = get(&token, format!("{}/changes?limit=1000", imported.url())).await;
        assert!(
            feed["changes"].as_array().unwrap().len() > 9,
            "clients sync every imported post from the changes feed: {feed}"
        );
        drop(imported);

        // A store holding a forum is never merged into; nothing changes.
        let again = serve(target_dir.path(), &target, &["import", a.to_str().unwrap()], "");
        assert!(!again.status.success());
        let said = String::from_utf8_lossy(&again.stderr);
        assert!(said.contains("already holds a forum"), "{said}");
        stdout(&serve(target_dir.path(), &target, &["export", "--out", b.to_str().unwrap()], ""));
        assert_eq!(normalised(&a), normalised(&b));
    }
}

#[test]
fn a_broken_export_is_refused_naming_its_line_and_nothing_is_loaded() {
    let files = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let cases = [
        ("not json at all\n", "not a threadmark export"),
        ("{\"type\":\"post\"}\n", "not a threadmark export"),
        (
            "{\"format\":\"threadmark-export\",\"version\":9}\n",
            "version 9",
        ),
        (
            "{\"format\":\"threadmark-export\",\"version\":1}\n{\"type\":\"section\",\"id\":\"s\",\"position\":0,\"title\":\"S\"}\n{\"type\":\"area\",\"id\":\"a\",\"position\":0,\"title\":\"A\"}\n",
            "line 3 (area): \"section_id\" is missing",
        ),
        (
            "{\"format\":\"threadmark-export\",\"version\":1}\n{\"type\":\"poll\"}\n",
            "line 2: unknown type \"poll\"",
        ),
    ];
    for (n, (text, expected)) in cases.iter().enumerate() {
        let file = files.path().join(format!("{n}.jsonl"));
        std::fs::write(&file, text).unwrap();
        let out = serve(
            data.path(),
            &Backend::Sqlite,
            &["import", file.to_str().unwrap()],
            "",
        );
        assert!(!out.status.success(), "{text}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains(expected), "{text}: {said}");
        assert!(said.contains("nothing was imported"), "{said}");
    }
    let listed = stdout(&serve(data.path(), &Backend::Sqlite, &["user", "list"], ""));
    assert!(
        !listed.contains("admin"),
        "the store stayed empty: {listed}"
    );
}
