//! Per-user reading state: `GET/PUT /threads/{id}/read` keeps each user's read marker
//! by the merge rule (reading moves forward, a deliberate unread wins over older marks),
//! with idempotency keys; the caller's own marker rides in the thread summaries and in
//! the caller's changes feed — and another user sees none of it, through any endpoint.

use crate::common::{THREAD, TestServer, both_stores, demo_server, json_of, problem_code};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use threadmark::api::headers;

async fn put(t: &TestServer, token: &str, key: &str, body: &Value) -> Response {
    t.http
        .put(t.url(&format!("/threads/{THREAD}/read")))
        .bearer_auth(token)
        .header(headers::IDEMPOTENCY_KEY, key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn get(t: &TestServer, token: Option<&str>, path: &str) -> Value {
    let mut request = t.http.get(t.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    json_of(request.send().await.unwrap(), StatusCode::OK).await
}

/// Every `read` entity in the caller's feed after `cursor`.
async fn feed_reads(t: &TestServer, token: &str, cursor: &str) -> Vec<Value> {
    let page = get(
        t,
        Some(token),
        &format!("/changes?since={cursor}&limit=1000"),
    )
    .await;
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "read")
        .cloned()
        .collect()
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_users_read_marker_merges_by_the_rule_and_stays_theirs(store) {
        let t = demo_server(&store, |_| {}).await;
        let (member, admin) = (t.member(), t.admin());
        let head = get(&t, Some(&member), "/changes?since=now").await;
        let cursor = head["next_cursor"].as_str().unwrap().to_owned();
        let thread = get(&t, None, &format!("/threads/{THREAD}")).await;
        let last = thread["last_seq"].as_u64().unwrap();
        assert!(last >= 4, "the demo thread has posts to read");
        assert!(thread.get("read_to_seq").is_none(), "no caller, no reading");

        // Read up to #3, then a retry with the same key: the stored answer again.
        let first = json_of(put(&t, &member, "k1", &json!({"read_to_seq": 3})).await, StatusCode::OK).await;
        assert_eq!(first["read_to_seq"], 3);
        let again = put(&t, &member, "k1", &json!({"read_to_seq": 3})).await;
        assert_eq!(again.headers().get(headers::IDEMPOTENT_REPLAYED).unwrap(), "true");
        let (code, _) = problem_code(put(&t, &member, "k1", &json!({"read_to_seq": 4})).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(code, "idempotency_key_reused");

        // Going back needs a deliberate unread; an older "read" does not undo it.
        let behind = json_of(put(&t, &member, "k2", &json!({"read_to_seq": 1})).await, StatusCode::OK).await;
        assert_eq!(behind["read_to_seq"], 3, "reading only moves forward");
        let unread = json_of(
            put(&t, &member, "k3", &json!({"unread_from_seq": 2, "at": "2030-01-01T00:00:00Z"})).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(unread["read_to_seq"], 1, "a mark from the future counts as made now");
        let stale = json_of(
            put(&t, &member, "k4", &json!({"read_to_seq": last, "at": "2020-01-01T00:00:00Z"})).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(stale["read_to_seq"], 1, "a read older than the unread is dropped");
        let newer = json_of(put(&t, &member, "k5", &json!({"read_to_seq": last + 10})).await, StatusCode::OK).await;
        assert_eq!(newer["read_to_seq"], last, "read past the end stops at the last post");

        // The caller's marker: its own endpoint, the thread, the area's listing, the feed.
        assert_eq!(get(&t, Some(&member), &format!("/threads/{THREAD}/read")).await["read_to_seq"], last);
        let mine = get(&t, Some(&member), &format!("/threads/{THREAD}")).await;
        assert_eq!(mine["read_to_seq"], last);
        let area = thread["area_id"].as_str().unwrap();
        let listed = get(&t, Some(&member), &format!("/areas/{area}/threads")).await;
        let row = listed["threads"].as_array().unwrap().iter().find(|r| r["id"] == THREAD).unwrap().clone();
        assert_eq!(row["read_to_seq"], last);
        let reads = feed_reads(&t, &member, &cursor).await;
        assert_eq!(reads.len(), 1, "latest state per entity: {reads:?}");
        assert_eq!(reads[0]["read"]["thread_id"], THREAD);
        assert_eq!(reads[0]["read"]["read_to_seq"], last);
        assert!(reads[0]["read"]["unread_at"].is_string());

        // Another user: nothing of it anywhere.
        assert!(feed_reads(&t, &admin, &cursor).await.is_empty());
        assert_eq!(get(&t, Some(&admin), &format!("/threads/{THREAD}/read")).await["read_to_seq"], 0);
        assert_eq!(get(&t, Some(&admin), &format!("/threads/{THREAD}")).await["read_to_seq"], 0);
        let theirs = get(&t, Some(&admin), &format!("/areas/{area}/threads")).await;
        assert!(theirs["threads"].as_array().unwrap().iter().all(|r| r["read_to_seq"] == 0));
        assert!(get(&t, None, &format!("/areas/{area}/threads")).await["threads"][0].get("read_to_seq").is_none());
        // Anonymous readers still page the feed, and see no reading either.
        let anonymous = get(&t, None, &format!("/changes?since={cursor}")).await;
        assert!(anonymous["changes"].as_array().unwrap().iter().all(|c| c["kind"] != "read"));
    }
}

both_stores! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bad_read_marks_are_refused_with_their_reason(store) {
        let t = demo_server(&store, |_| {}).await;
        let member = t.member();
        let anonymous = t.http.put(t.url(&format!("/threads/{THREAD}/read"))).json(&json!({"read_to_seq": 1})).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        let keyless = t.http.put(t.url(&format!("/threads/{THREAD}/read"))).bearer_auth(&member).json(&json!({"read_to_seq": 1})).send().await.unwrap();
        assert_eq!(problem_code(keyless, StatusCode::BAD_REQUEST).await.0, "idempotency_key_missing");
        for body in [json!({}), json!({"read_to_seq": 1, "unread_from_seq": 1}), json!({"unread_from_seq": 2}), json!({"unread_from_seq": 0, "at": "2024-01-01T00:00:00Z"})] {
            let (code, problem) = problem_code(put(&t, &member, "bad", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(code, "validation_failed", "{body}: {problem}");
        }
        let missing = t.http.put(t.url("/threads/nope/read")).bearer_auth(&member).header(headers::IDEMPOTENCY_KEY, "n").json(&json!({"read_to_seq": 1})).send().await.unwrap();
        assert_eq!(problem_code(missing, StatusCode::NOT_FOUND).await.0, "thread_not_found");
        assert_eq!(t.count("read_markers").await, 0, "nothing was kept");
    }
}
