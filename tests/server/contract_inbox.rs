//! Contract, what concerns the caller: notifications, private messages and user names
//! answer as `assets/api/openapi.yaml` says, and so do the feed entries they make.

use crate::common::{THREAD, TestServer};
use crate::spec::Contract;
use reqwest::StatusCode;
use serde_json::json;
use threadmark::api::headers;

pub async fn inbox(c: &mut Contract, t: &TestServer, alice: &str) {
    let h = &t.http;
    let demo = t.member();
    let (s, _) = c
        .call(
            "post",
            "/threads/{id}/posts",
            h.post(t.url(&format!("/threads/{THREAD}/posts")))
                .bearer_auth(alice)
                .header(headers::IDEMPOTENCY_KEY, "mention-demo")
                .json(&json!({"body": "Over to you, @demo."})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let message = |key: &'static str, to: serde_json::Value| {
        h.post(t.url("/messages"))
            .bearer_auth(alice)
            .header(headers::IDEMPOTENCY_KEY, key)
            .json(&json!({"to": to, "title": "Private", "body": "Just us."}))
    };
    let (s, created) = c
        .call("post", "/messages", message("m-1", json!(["demo"])))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(created["thread"]["participants"], json!(["alice", "demo"]));
    let (s, _) = c
        .call("post", "/messages", message("m-2", json!(["nobody"])))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let (s, listed) = c
        .call(
            "get",
            "/messages",
            h.get(t.url("/messages")).bearer_auth(&demo),
        )
        .await;
    assert_eq!(
        (s, listed["threads"][0]["id"].clone()),
        (StatusCode::OK, created["thread"]["id"].clone())
    );
    let (s, page) = c
        .call(
            "get",
            "/notifications",
            h.get(t.url("/notifications?limit=1")).bearer_auth(&demo),
        )
        .await;
    assert_eq!((s, page["unread"].as_u64()), (StatusCode::OK, Some(2)));
    assert!(page["next_cursor"].is_string());
    let (s, _) = c
        .call("get", "/notifications", h.get(t.url("/notifications")))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, feed) = c
        .call(
            "get",
            "/changes",
            h.get(t.url("/changes?limit=1000")).bearer_auth(&demo),
        )
        .await;
    let kinds: Vec<&str> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["kind"].as_str())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "notification").count(), 2);

    let mark = |body: serde_json::Value| {
        h.put(t.url("/notifications/read"))
            .bearer_auth(&demo)
            .json(&body)
    };
    let (s, marked) = c
        .call("put", "/notifications/read", mark(json!({"all": true})))
        .await;
    assert_eq!(
        (s, marked),
        (StatusCode::OK, json!({"marked": 2, "unread": 0}))
    );
    let (s, _) = c
        .call(
            "put",
            "/notifications/read",
            mark(json!({"all": true, "ids": ["x"]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let (s, names) = c
        .call(
            "get",
            "/users",
            h.get(t.url("/users?prefix=al")).bearer_auth(&demo),
        )
        .await;
    assert_eq!((s, names), (StatusCode::OK, json!({"users": ["alice"]})));
}
