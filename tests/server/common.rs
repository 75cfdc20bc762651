//! Shared by the server tests: an in-process demo server on 127.0.0.1:0 and small HTTP helpers.

use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use std::time::Duration;
use tempfile::TempDir;
use threadmark::api::{ForumModeHeader, headers};
use threadmark::server::{RunningServer, ServerConfig, start};

/// The demo thread every test posts into.
pub const THREAD: &str = "advocacy-1";

/// A running demo server and the temp dir holding its store.
pub struct TestServer {
    pub server: RunningServer,
    pub dir: TempDir,
    pub http: Client,
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }
    pub fn member(&self) -> String {
        self.server.token("member").unwrap().to_owned()
    }
    pub fn admin(&self) -> String {
        self.server.token("admin").unwrap().to_owned()
    }
}

/// A client with a bound on every request.
pub fn http() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// A demo server with writes unthrottled; `tweak` adjusts the config first.
pub async fn demo_server(tweak: impl FnOnce(&mut ServerConfig)) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(dir.path());
    config.demo = true;
    config.limits.writes_per_minute = 0;
    tweak(&mut config);
    let server = start(config).await.unwrap();
    TestServer {
        server,
        dir,
        http: http(),
    }
}

/// Posts a reply with an idempotency key.
pub async fn reply(
    http: &Client,
    base: &str,
    token: &str,
    thread: &str,
    key: &str,
    body: &Value,
) -> Response {
    http.post(format!("{base}/threads/{thread}/posts"))
        .bearer_auth(token)
        .header(headers::IDEMPOTENCY_KEY, key)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The response's JSON body, after checking its status.
pub async fn json_of(response: Response, status: StatusCode) -> Value {
    let got = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap()
}

/// A problem response's `code`, after checking status and media type.
pub async fn problem_code(response: Response, status: StatusCode) -> (String, Value) {
    assert!(
        response.headers().contains_key(headers::FORUM_MODE),
        "every response carries Forum-Mode"
    );
    let media = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let problem = json_of(response, status).await;
    assert_eq!(media, "application/problem+json", "{problem}");
    (problem["code"].as_str().unwrap().to_owned(), problem)
}

/// The parsed `Forum-Mode` header.
pub fn forum_mode(response: &Response) -> ForumModeHeader {
    let value = response
        .headers()
        .get(headers::FORUM_MODE)
        .expect("every response carries Forum-Mode")
        .to_str()
        .unwrap();
    ForumModeHeader::parse(value).unwrap()
}

/// Every post of a thread, paging through `after_seq`.
pub async fn all_posts(http: &Client, base: &str, thread: &str) -> Vec<Value> {
    let mut posts = Vec::new();
    let mut after = 0;
    loop {
        let page = json_of(
            http.get(format!(
                "{base}/threads/{thread}/posts?after_seq={after}&limit=1000"
            ))
            .send()
            .await
            .unwrap(),
            StatusCode::OK,
        )
        .await;
        let batch = page["posts"].as_array().unwrap().clone();
        if let Some(last) = batch.last() {
            after = last["seq"].as_u64().unwrap();
        }
        posts.extend(batch);
        if !page["has_more"].as_bool().unwrap() {
            return posts;
        }
    }
}

/// Asserts seqs are exactly 1..=n.
pub fn assert_dense(posts: &[Value]) {
    let seqs: Vec<u64> = posts.iter().map(|p| p["seq"].as_u64().unwrap()).collect();
    let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
    assert_eq!(seqs, expected, "seqs must be dense and unique");
}
