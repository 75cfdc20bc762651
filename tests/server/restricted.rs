//! Areas only some may read (`threadmark serve forum area restrict ID --read ROLE`): a
//! weaker user — a reader, or nobody signed in — does not see the area, its threads or
//! its posts through any endpoint, and the changes feed and the inbox leak none of it;
//! a member sees all as before.

use crate::cli::{serve, stdout};
use crate::common::{THREAD, TestServer, both_stores, demo_server, json_of, problem_code};
use crate::moderation::user_with_token;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use threadmark::api::headers;

const AREA: &str = "advocacy";

/// A fresh idempotency key per request.
static KEYS: AtomicUsize = AtomicUsize::new(0);

async fn send(
    t: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = t.http.request(method.clone(), t.url(path)).header(
        headers::IDEMPOTENCY_KEY,
        format!("k{}", KEYS.fetch_add(1, Ordering::Relaxed)),
    );
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn get(t: &TestServer, path: &str, token: Option<&str>) -> Value {
    json_of(
        send(t, Method::GET, path, token, None).await,
        StatusCode::OK,
    )
    .await
}

fn area_ids(tree: &Value) -> Vec<String> {
    tree["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["areas"].as_array().unwrap().iter())
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reader_sees_nothing_of_an_area_only_members_read(store) {
        let t = demo_server(&store, |_| {}).await;
        let member = t.member();
        let reader = user_with_token(&t, "rea", false);
        stdout(&serve(t.dir.path(), &t.store, &["user", "role", "rea", "reader"], ""));
        // Before the restriction the reader bookmarked a post there, and everyone sees the area.
        let bookmarked = send(&t, Method::POST, "/bookmarks", Some(&reader), Some(json!({"post_id": "advocacy-1-2"}))).await;
        assert!(bookmarked.status().is_success(), "{}", bookmarked.status());
        assert!(area_ids(&get(&t, "/tree", Some(&reader)).await).contains(&AREA.to_owned()));
        let cursor = get(&t, "/changes?since=now", Some(&reader)).await["next_cursor"].as_str().unwrap().to_owned();

        let said = stdout(&serve(t.dir.path(), &t.store, &["forum", "area", "restrict", AREA, "--read", "member"], ""));
        assert_eq!(said, format!("only a member or above may now read area {AREA}\n"));
        let shown = stdout(&serve(t.dir.path(), &t.store, &["forum", "show"], ""));
        assert!(shown.contains("(read: member and above)"), "{shown}");

        // Members write there: a post mentioning the reader, and a new thread.
        let mention = send(&t, Method::POST, &format!("/threads/{THREAD}/posts"), Some(&member), Some(json!({"body": "Over to you, @rea."}))).await;
        assert_eq!(mention.status(), StatusCode::CREATED);
        let opened = json_of(
            send(&t, Method::POST, &format!("/areas/{AREA}/threads"), Some(&member), Some(json!({"title": "Board only", "body": "Secret plans, @rea."}))).await,
            StatusCode::CREATED,
        )
        .await;
        let secret_thread = opened["thread"]["id"].as_str().unwrap().to_owned();
        // …and in an open area, so the reader's feed and inbox have something to show.
        let open = json_of(
            send(&t, Method::POST, "/areas/information-policy/threads", Some(&member), Some(json!({"title": "Open to all", "body": "Hello @rea."}))).await,
            StatusCode::CREATED,
        )
        .await;

        // A member sees the area and what is in it.
        let tree = get(&t, "/tree", Some(&member)).await;
        assert!(area_ids(&tree).contains(&AREA.to_owned()));
        let listed = get(&t, &format!("/areas/{AREA}/threads"), Some(&member)).await;
        assert!(listed["threads"].as_array().unwrap().iter().any(|th| th["id"] == secret_thread.as_str()));
        get(&t, &format!("/threads/{THREAD}/posts"), Some(&member)).await;
        let batch = get(&t, &format!("/posts?thread={THREAD}&thread={secret_thread}"), Some(&member)).await;
        assert_eq!(batch["missing"], json!([]));
        assert_eq!(batch["pages"].as_array().unwrap().len(), 2, "{batch}");

        // The reader and nobody-signed-in see none of it, through any endpoint.
        for who in [Some(reader.as_str()), None] {
            let tree = get(&t, "/tree", who).await;
            assert!(!area_ids(&tree).contains(&AREA.to_owned()), "{tree}");
            assert!(area_ids(&tree).contains(&"information-policy".to_owned()));
            for (path, code) in [
                (format!("/areas/{AREA}/threads"), "area_not_found"),
                (format!("/threads/{THREAD}"), "thread_not_found"),
                (format!("/threads/{THREAD}/posts"), "thread_not_found"),
                (format!("/threads/{secret_thread}"), "thread_not_found"),
                ("/posts/advocacy-1-2".to_owned(), "post_not_found"),
                ("/posts/advocacy-1-2/revisions".to_owned(), "post_not_found"),
            ] {
                let (got, _) = problem_code(send(&t, Method::GET, &path, who, None).await, StatusCode::NOT_FOUND).await;
                assert_eq!(got, code, "GET {path} as {who:?}");
            }
            // Asked for several at a time, the area's threads are missing.
            let batch = get(&t, &format!("/posts?thread={THREAD}&thread={secret_thread}"), who).await;
            assert_eq!(batch, json!({"pages": [], "missing": [THREAD, secret_thread]}), "as {who:?}");
        }
        for (method, path, body, code) in [
            (Method::GET, format!("/threads/{THREAD}/read"), None, "thread_not_found"),
            (Method::PUT, format!("/threads/{THREAD}/read"), Some(json!({"read_to_seq": 2})), "thread_not_found"),
            (Method::PUT, format!("/threads/{THREAD}/watch"), Some(json!({"level": "watching"})), "thread_not_found"),
            (Method::PUT, format!("/areas/{AREA}/watch"), Some(json!({"level": "watching"})), "area_not_found"),
            (Method::POST, "/bookmarks".to_owned(), Some(json!({"post_id": "advocacy-1-3"})), "post_not_found"),
            (Method::PUT, "/posts/advocacy-1-2/reactions/like".to_owned(), None, "post_not_found"),
            (Method::POST, format!("/threads/{THREAD}/posts"), Some(json!({"body": "Let me in"})), "thread_not_found"),
            (Method::POST, format!("/areas/{AREA}/threads"), Some(json!({"title": "x", "body": "Let me in"})), "area_not_found"),
        ] {
            let (got, _) = problem_code(send(&t, method.clone(), &path, Some(&reader), body).await, StatusCode::NOT_FOUND).await;
            assert_eq!(got, code, "{method} {path} as a reader");
        }
        let bookmarks = get(&t, "/bookmarks", Some(&reader)).await;
        assert_eq!(bookmarks["bookmarks"], json!([]), "the bookmark in the area is not shown");

        // The inbox: the mention in the open area only.
        let inbox = get(&t, "/notifications", Some(&reader)).await;
        let threads: Vec<&str> = inbox["notifications"].as_array().unwrap().iter().map(|n| n["thread_id"].as_str().unwrap()).collect();
        assert_eq!(threads, vec![open["thread"]["id"].as_str().unwrap()], "{inbox}");

        // The changes feed since before the restriction: the open thread and the tree
        // (without the area), nothing of the area's threads or posts.
        let feed = get(&t, &format!("/changes?since={cursor}&limit=1000"), Some(&reader)).await;
        let changes = feed["changes"].as_array().unwrap();
        assert!(changes.iter().any(|c| c["kind"] == "thread" && c["thread"]["id"] == open["thread"]["id"]), "{feed}");
        let trees: Vec<&Value> = changes.iter().filter(|c| c["kind"] == "tree").collect();
        assert!(!trees.is_empty(), "the restriction changed the tree: {feed}");
        for change in changes {
            let text = change.to_string();
            assert!(!text.contains(&format!("\"{AREA}\"")) && !text.contains(THREAD) && !text.contains(&secret_thread) && !text.contains("Secret plans"), "leaked: {text}");
        }
        // A member's feed has them (the feed filters, it does not lose).
        let theirs = get(&t, &format!("/changes?since={cursor}&limit=1000"), Some(&member)).await;
        assert!(theirs["changes"].as_array().unwrap().iter().any(|c| c["kind"] == "thread" && c["thread"]["id"] == secret_thread.as_str()));

        // Opening it again gives it back.
        let said = stdout(&serve(t.dir.path(), &t.store, &["forum", "area", "restrict", AREA, "--read", "reader"], ""));
        assert_eq!(said, format!("everyone may now read area {AREA}\n"));
        get(&t, &format!("/threads/{secret_thread}"), Some(&reader)).await;
        get(&t, &format!("/threads/{THREAD}/posts"), None).await;
    }
}
