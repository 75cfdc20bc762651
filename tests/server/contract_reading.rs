//! Contract, per-user reading state: `GET/PUT /threads/{id}/read` and the `read` entity
//! of the caller's feed answer as `assets/api/openapi.yaml` says.

use crate::common::{THREAD, TestServer};
use crate::spec::Contract;
use reqwest::StatusCode;
use serde_json::json;
use threadmark::api::headers;

pub async fn read_marks(c: &mut Contract, t: &TestServer, alice: &str) {
    let h = &t.http;
    let path = t.url(&format!("/threads/{THREAD}/read"));
    let (_, head) = c
        .call(
            "get",
            "/changes",
            h.get(t.url("/changes?since=now")).bearer_auth(alice),
        )
        .await;
    let cursor = head["next_cursor"].as_str().unwrap().to_owned();
    for (key, body, status) in [
        ("r-1", json!({"read_to_seq": 2}), StatusCode::OK),
        (
            "r-2",
            json!({"unread_from_seq": 2, "at": "2024-01-01T00:00:00Z"}),
            StatusCode::OK,
        ),
        (
            "r-3",
            json!({"unread_from_seq": 2}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let request = h
            .put(&path)
            .bearer_auth(alice)
            .header(headers::IDEMPOTENCY_KEY, key)
            .json(&body);
        let (s, _) = c.call("put", "/threads/{id}/read", request).await;
        assert_eq!(s, status, "{body}");
    }
    let (s, marker) = c
        .call("get", "/threads/{id}/read", h.get(&path).bearer_auth(alice))
        .await;
    assert_eq!(
        (s, marker["read_to_seq"].as_u64()),
        (StatusCode::OK, Some(2))
    );
    let (s, _) = c
        .call(
            "get",
            "/threads/{id}/read",
            h.get(t.url("/threads/nope/read")).bearer_auth(alice),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, thread) = c
        .call(
            "get",
            "/threads/{id}",
            h.get(t.url(&format!("/threads/{THREAD}")))
                .bearer_auth(alice),
        )
        .await;
    assert_eq!(thread["read_to_seq"], 2);
    let (_, page) = c
        .call(
            "get",
            "/changes",
            h.get(t.url(&format!("/changes?since={cursor}")))
                .bearer_auth(alice),
        )
        .await;
    assert!(
        page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "read"),
        "{page}"
    );
}
