//! Shared by the server tests: an in-process demo server on 127.0.0.1:0 over either store
//! engine, the macro that runs a test on both, and small HTTP helpers.

use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use std::time::Duration;
use tempfile::TempDir;
use threadmark::api::{ForumModeHeader, headers};
use threadmark::server::{RunningServer, ServerConfig, start};

/// The demo thread every test posts into.
pub const THREAD: &str = "advocacy-1";

/// Which store a test's server uses.
#[derive(Clone, Debug)]
pub enum Backend {
    /// `SQLite` in the server's data directory.
    Sqlite,
    /// A fresh database on the test process's PostgreSQL cluster.
    Postgres(String),
}

impl Backend {
    /// A fresh PostgreSQL database, or `None` (the test is skipped, and says so) when
    /// PostgreSQL is not installed.
    pub async fn postgres(test: &str) -> Option<Self> {
        crate::postgres::fresh_database(test)
            .await
            .map(Backend::Postgres)
    }

    /// A server configuration with its store here (`dir` holds the `SQLite` file).
    pub fn config(&self, dir: &std::path::Path) -> ServerConfig {
        let mut config = ServerConfig::new(dir);
        if let Backend::Postgres(url) = self {
            config.database = Some(url.clone());
        }
        config
    }

    /// `--database URL` for the real binary, or nothing for `SQLite`.
    pub fn args(&self) -> Vec<String> {
        match self {
            Backend::Sqlite => Vec::new(),
            Backend::Postgres(url) => vec!["--database".into(), url.clone()],
        }
    }
}

/// Runs a test once per store engine, as `NAME::sqlite` and `NAME::postgres`; the body
/// gets the [`Backend`] as `$store`. The PostgreSQL run is skipped, saying so, where
/// PostgreSQL is not installed (and fails with `THREADMARK_REQUIRE_POSTGRES=1`).
macro_rules! both_stores {
    ($(#[$attr:meta])* async fn $name:ident($store:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($store: $crate::common::Backend) $body

            $(#[$attr])*
            async fn sqlite() {
                body($crate::common::Backend::Sqlite).await;
            }

            $(#[$attr])*
            async fn postgres() {
                if let Some(store) = $crate::common::Backend::postgres(module_path!()).await {
                    body(store).await;
                }
            }
        }
    };
}
pub(crate) use both_stores;

/// A running demo server and the temp dir holding its store.
pub struct TestServer {
    pub server: RunningServer,
    pub dir: TempDir,
    pub http: Client,
    pub store: Backend,
}

impl TestServer {
    /// How many rows `table` of the server's store holds, read beside the server.
    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        match &self.store {
            Backend::Sqlite => {
                let db = self.dir.path().join(threadmark::server::db::DB_FILE);
                let conn = rusqlite::Connection::open(db).unwrap();
                conn.query_row(&sql, [], |r| r.get(0)).unwrap()
            }
            Backend::Postgres(url) => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                let driver = tokio::spawn(connection);
                let count = client.query_one(&sql, &[]).await.unwrap().get(0);
                drop(client);
                let _ = driver.await;
                count
            }
        }
    }

    /// Runs one SQL statement on the server's store, beside the server (a test's way to
    /// make a state no endpoint makes, such as an invitation that expired).
    pub async fn execute(&self, sql: &str) {
        match &self.store {
            Backend::Sqlite => {
                let db = self.dir.path().join(threadmark::server::db::DB_FILE);
                let conn = rusqlite::Connection::open(db).unwrap();
                conn.busy_timeout(Duration::from_secs(60)).unwrap();
                conn.execute(sql, []).unwrap();
            }
            Backend::Postgres(url) => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                let driver = tokio::spawn(connection);
                client.execute(sql, &[]).await.unwrap();
                drop(client);
                let _ = driver.await;
            }
        }
    }

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
        // Under the server's keep-alive limit, so an idle connection is never reused just
        // as the server closes it.
        .pool_idle_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// A demo server with writes unthrottled; `tweak` adjusts the config first.
pub async fn demo_server(store: &Backend, tweak: impl FnOnce(&mut ServerConfig)) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let mut config = store.config(dir.path());
    config.demo = true;
    config.limits.writes_per_minute = 0;
    tweak(&mut config);
    let server = start(config).await.unwrap();
    TestServer {
        server,
        dir,
        http: http(),
        store: store.clone(),
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
