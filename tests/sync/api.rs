//! Talking to the server directly over HTTP, as another user or the operator would.

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
                .build()
                .unwrap(),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        self.runtime.block_on(async {
            let response = request.bearer_auth(&self.token).send().await.unwrap();
            let status = response.status().as_u16();
            let body = response.bytes().await.unwrap();
            (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
        })
    }

    pub fn get(&self, path: &str) -> Value {
        let (status, body) = self.send(self.http.get(format!("{}{path}", self.base)));
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// Every post of a thread, in seq order (tombstones included).
    pub fn posts(&self, thread: &str) -> Vec<Value> {
        let page = self.get(&format!("/threads/{thread}/posts?limit=1000"));
        page["posts"].as_array().unwrap().clone()
    }

    /// Bodies of the live posts of a thread, in seq order.
    pub fn bodies(&self, thread: &str) -> Vec<String> {
        self.posts(thread)
            .iter()
            .filter(|p| !p["deleted"].as_bool().unwrap_or(false))
            .map(|p| p["body"].as_str().unwrap().to_owned())
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

    pub fn edit(&self, post: &Value, body: Option<&str>, deleted: bool) {
        let id = post["id"].as_str().unwrap();
        let version = post["version"].as_u64().unwrap();
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
