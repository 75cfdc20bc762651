//! Per-user watch levels and bookmarks: `PUT /threads/{id}/watch`, `PUT /areas/{id}/watch`,
//! `GET/POST /bookmarks`, `DELETE /bookmarks/{post_id}` keep each user's own by the
//! latest change, with idempotency keys; they ride in the caller's thread summaries and
//! changes feed in commit order — and another user sees none of it, through any endpoint.

use crate::common::{THREAD, TestServer, both_stores, demo_server, json_of, problem_code};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use threadmark::api::headers;

async fn send(
    t: &TestServer,
    method: Method,
    path: &str,
    token: &str,
    key: &str,
    body: Option<&Value>,
) -> Response {
    let mut request = t
        .http
        .request(method, t.url(path))
        .bearer_auth(token)
        .header(headers::IDEMPOTENCY_KEY, key);
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

async fn get(t: &TestServer, token: Option<&str>, path: &str) -> Value {
    let mut request = t.http.get(t.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    json_of(request.send().await.unwrap(), StatusCode::OK).await
}

/// The `watch` and `bookmark` entities of the caller's feed after `cursor`, in order.
async fn feed_places(t: &TestServer, token: Option<&str>, cursor: &str) -> Vec<Value> {
    let page = get(t, token, &format!("/changes?since={cursor}&limit=1000")).await;
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "watch" || c["kind"] == "bookmark")
        .cloned()
        .collect()
}

async fn first_post(t: &TestServer) -> String {
    let posts = get(t, None, &format!("/threads/{THREAD}/posts")).await;
    posts["posts"][0]["id"].as_str().unwrap().to_owned()
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn watch_levels_and_bookmarks_follow_the_latest_change_and_stay_the_callers(store) {
        let t = demo_server(&store, |_| {}).await;
        let (member, admin) = (t.member(), t.admin());
        let head = get(&t, Some(&member), "/changes?since=now").await;
        let cursor = head["next_cursor"].as_str().unwrap().to_owned();
        let thread = get(&t, Some(&member), &format!("/threads/{THREAD}")).await;
        assert_eq!(thread["watch"], "normal", "nothing set: normal");
        let area = thread["area_id"].as_str().unwrap().to_owned();
        let post = first_post(&t).await;
        let watch = format!("/threads/{THREAD}/watch");

        // Watch the thread; a retry with the same key is answered again, not re-applied.
        let set = json_of(send(&t, Method::PUT, &watch, &member, "w1", Some(&json!({"level": "watching"}))).await, StatusCode::OK).await;
        assert_eq!((set["on"].as_str(), set["level"].as_str()), (Some("thread"), Some("watching")));
        let again = send(&t, Method::PUT, &watch, &member, "w1", Some(&json!({"level": "watching"}))).await;
        assert_eq!(again.headers().get(headers::IDEMPOTENT_REPLAYED).unwrap(), "true");
        // An older change (made offline, sent late) loses to the one that stands.
        let stale = json_of(
            send(&t, Method::PUT, &watch, &member, "w2", Some(&json!({"level": "muted", "at": "2020-01-01T00:00:00Z"}))).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(stale["level"], "watching", "the latest change wins");
        // The area muted: its other threads take it, the watched one keeps its own.
        let muted = json_of(send(&t, Method::PUT, &format!("/areas/{area}/watch"), &member, "w3", Some(&json!({"level": "muted"}))).await, StatusCode::OK).await;
        assert_eq!((muted["on"].as_str(), muted["level"].as_str()), (Some("area"), Some("muted")));
        let listed = get(&t, Some(&member), &format!("/areas/{area}/threads")).await;
        let rows = listed["threads"].as_array().unwrap();
        assert!(rows.iter().any(|r| r["id"] == THREAD && r["watch"] == "watching"), "{listed}");
        assert!(rows.iter().filter(|r| r["id"] != THREAD).all(|r| r["watch"] == "muted"), "{listed}");
        assert_eq!(get(&t, Some(&member), &format!("/threads/{THREAD}")).await["watch"], "watching");

        // Bookmark a post with a note, replace the note, remove it, and an older bookmark
        // arriving after the removal does not bring it back.
        let marked = json_of(send(&t, Method::POST, "/bookmarks", &member, "b1", Some(&json!({"post_id": post, "note": "come back"}))).await, StatusCode::OK).await;
        assert_eq!((marked["thread_id"].as_str(), marked["note"].as_str()), (Some(THREAD), Some("come back")));
        let list = get(&t, Some(&member), "/bookmarks").await;
        assert_eq!(list["bookmarks"].as_array().unwrap().len(), 1);
        assert_eq!(list["bookmarks"][0]["post_id"], post.as_str());
        let removed = json_of(send(&t, Method::DELETE, &format!("/bookmarks/{post}"), &member, "b2", None).await, StatusCode::OK).await;
        assert_eq!(removed["removed"], true);
        let late = json_of(
            send(&t, Method::POST, "/bookmarks", &member, "b3", Some(&json!({"post_id": post, "at": "2020-01-01T00:00:00Z"}))).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(late["removed"], true, "the removal is newer");
        assert!(get(&t, Some(&member), "/bookmarks").await["bookmarks"].as_array().unwrap().is_empty());
        json_of(send(&t, Method::POST, "/bookmarks", &member, "b4", Some(&json!({"post_id": post, "note": "again"}))).await, StatusCode::OK).await;

        // The caller's feed: latest state per entity, in commit order (the thread's watch,
        // the area's, the bookmark).
        let mine = feed_places(&t, Some(&member), &cursor).await;
        let kinds: Vec<&str> = mine.iter().map(|c| c["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["watch", "watch", "bookmark"], "{mine:?}");
        assert_eq!(mine[0]["watch"]["id"], THREAD);
        assert_eq!(mine[0]["watch"]["level"], "watching");
        assert_eq!(mine[1]["watch"]["id"], area.as_str());
        assert_eq!(mine[2]["bookmark"]["note"], "again");

        // Another user, and no user: nothing of it anywhere.
        assert!(feed_places(&t, Some(&admin), &cursor).await.is_empty());
        assert!(feed_places(&t, None, &cursor).await.is_empty());
        assert!(get(&t, Some(&admin), "/bookmarks").await["bookmarks"].as_array().unwrap().is_empty());
        assert_eq!(get(&t, Some(&admin), &format!("/threads/{THREAD}")).await["watch"], "normal");
        let theirs = get(&t, Some(&admin), &format!("/areas/{area}/threads")).await;
        assert!(theirs["threads"].as_array().unwrap().iter().all(|r| r["watch"] == "normal"), "{theirs}");
        assert!(get(&t, None, &format!("/threads/{THREAD}")).await.get("watch").is_none());
        let anonymous = t.http.get(t.url("/bookmarks")).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bad_watch_and_bookmark_writes_are_refused_with_their_reason(store) {
        let t = demo_server(&store, |_| {}).await;
        let member = t.member();
        let watch = format!("/threads/{THREAD}/watch");
        let keyless = t.http.put(t.url(&watch)).bearer_auth(&member).json(&json!({"level": "muted"})).send().await.unwrap();
        assert_eq!(problem_code(keyless, StatusCode::BAD_REQUEST).await.0, "idempotency_key_missing");
        let unknown = send(&t, Method::PUT, &watch, &member, "x1", Some(&json!({"level": "loud"}))).await;
        assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let (code, _) = problem_code(send(&t, Method::PUT, "/threads/nope/watch", &member, "x2", Some(&json!({"level": "muted"}))).await, StatusCode::NOT_FOUND).await;
        assert_eq!(code, "thread_not_found");
        let (code, _) = problem_code(send(&t, Method::PUT, "/areas/nope/watch", &member, "x3", Some(&json!({"level": "muted"}))).await, StatusCode::NOT_FOUND).await;
        assert_eq!(code, "area_not_found");
        let (code, _) = problem_code(send(&t, Method::POST, "/bookmarks", &member, "x4", Some(&json!({"post_id": "nope"}))).await, StatusCode::NOT_FOUND).await;
        assert_eq!(code, "post_not_found");
        let long = "n".repeat(1001);
        let (code, problem) = problem_code(send(&t, Method::POST, "/bookmarks", &member, "x5", Some(&json!({"post_id": first_post(&t).await, "note": long}))).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(code, "validation_failed", "{problem}");
        assert_eq!(t.count("watches").await + t.count("bookmarks").await, 0, "nothing was kept");
        // A good write after all that is kept.
        json_of(send(&t, Method::PUT, &watch, &member, "x6", Some(&json!({"level": "muted"}))).await, StatusCode::OK).await;
        assert_eq!(t.count("watches").await, 1);
    }
}
