//! API v1 straight over HTTP, blocking, as another user or the operator would talk to the
//! server: the checks of what the server holds, and the operator's mode switch.

use serde_json::{Value, json};
use std::time::Duration;

/// An API v1 client for checks and for acting as someone else.
pub struct Api {
    base: String,
    token: String,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl Api {
    pub fn new(url: &str, token: &str) -> Self {
        Self {
            base: format!("{url}/api/v1"),
            token: token.to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                // Under the server's keep-alive limit (its header timeout, 20 s): a
                // connection idle longer may be closed by the server just as a request
                // goes out on it, which reads as an incomplete message, not an answer.
                .pool_idle_timeout(Duration::from_secs(5))
                .build()
                .expect("an HTTP client"),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
        }
    }

    fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        self.runtime.block_on(async {
            let response = request
                .bearer_auth(&self.token)
                .send()
                .await
                .expect("the server answers");
            let status = response.status().as_u16();
            let body = response.bytes().await.expect("the answer's body");
            (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
        })
    }

    pub fn get(&self, path: &str) -> Value {
        let (status, body) = self.send(self.http.get(format!("{}{path}", self.base)));
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// Every post of a thread, in seq order (tombstones included), page after page.
    pub fn posts(&self, thread: &str) -> Vec<Value> {
        let mut after = 0;
        let mut posts = Vec::new();
        loop {
            let page = self.get(&format!(
                "/threads/{thread}/posts?after_seq={after}&limit=1000"
            ));
            let batch = page["posts"].as_array().expect("a page of posts").clone();
            posts.extend(batch.iter().cloned());
            match batch.last() {
                Some(last) if page["has_more"] == json!(true) => {
                    after = last["seq"].as_u64().expect("a post's seq");
                }
                _ => return posts,
            }
        }
    }

    /// Bodies of the live posts of a thread, in seq order.
    pub fn bodies(&self, thread: &str) -> Vec<String> {
        self.posts(thread)
            .iter()
            .filter(|p| !p["deleted"].as_bool().unwrap_or(false))
            .map(|p| p["body"].as_str().expect("a post's body").to_owned())
            .collect()
    }

    pub fn reply(&self, thread: &str, body: &str) -> Value {
        let (status, post) = self.send(
            self.http
                .post(format!("{}/threads/{thread}/posts", self.base))
                .header("Idempotency-Key", uuid::Uuid::now_v7().to_string())
                .json(&json!({ "body": body })),
        );
        assert_eq!(status, 201, "reply: {post}");
        post
    }

    /// `POST path` with `body` and a fresh idempotency key; the answer of a 201.
    pub fn post(&self, path: &str, body: &Value) -> Value {
        let (status, answer) = self.send(
            self.http
                .post(format!("{}{path}", self.base))
                .header("Idempotency-Key", uuid::Uuid::now_v7().to_string())
                .json(body),
        );
        assert_eq!(status, 201, "POST {path}: {answer}");
        answer
    }

    pub fn edit(&self, post: &Value, body: Option<&str>, deleted: bool) {
        let id = post["id"].as_str().expect("a post's id");
        let version = post["version"].as_u64().expect("a post's version");
        let mut change = json!({});
        if let Some(body) = body {
            change["body"] = json!(body);
        }
        if deleted {
            change["deleted"] = json!(true);
        }
        let (status, answer) = self.send(
            self.http
                .patch(format!("{}/posts/{id}", self.base))
                .header("If-Match", format!("\"v{version}\""))
                .json(&change),
        );
        assert_eq!(status, 200, "edit: {answer}");
    }

    /// The operator flips the forum's mode (the admin call).
    pub fn set_mode(&self, mode: &str, banner: Option<&str>) {
        let mut change = json!({ "mode": mode, "retry_after_s": 1 });
        if let Some(text) = banner {
            change["banner"] = json!({ "id": "gray-out", "severity": "warning", "text": text });
        }
        let (status, answer) = self.send(
            self.http
                .put(format!("{}/admin/mode", self.base))
                .json(&change),
        );
        assert_eq!(status, 200, "set mode: {answer}");
    }
}
