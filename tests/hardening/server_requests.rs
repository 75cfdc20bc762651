//! Forged and malformed requests against the real server (in process, 127.0.0.1 port 0):
//! rate limits that another spelling of the token or an invented token cannot bypass, the
//! same 401 for a bad token on every endpoint, locked threads, blank posts, and refusals
//! by the HTTP layer itself answered as problem+json with `Forum-Mode`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::time::Duration;
use threadmark::server::{RunningServer, ServerConfig, start};

const THREAD: &str = "advocacy-1";

struct Forum {
    server: RunningServer,
    _dir: tempfile::TempDir,
    http: reqwest::Client,
}

impl Forum {
    async fn start(tweak: impl FnOnce(&mut ServerConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = ServerConfig::new(dir.path());
        config.demo = true;
        config.limits.writes_per_minute = 0;
        tweak(&mut config);
        let server = start(config).await.unwrap();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        Self {
            server,
            _dir: dir,
            http,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    fn member(&self) -> String {
        self.server.token("member").unwrap().to_owned()
    }

    async fn reply(&self, authorization: &str, key: &str, body: &str) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/threads/{THREAD}/posts")))
            .header("Authorization", authorization)
            .header("Idempotency-Key", key)
            .json(&json!({ "body": body }))
            .send()
            .await
            .unwrap()
    }
}

/// Status, `code`, and whether the answer was problem+json with `Forum-Mode`.
async fn problem(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    assert!(
        response.headers().contains_key("forum-mode"),
        "every answer carries Forum-Mode ({status})"
    );
    let media = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(media, "application/problem+json", "{status}");
    let body: Value = response.json().await.unwrap();
    (status, body["code"].as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blanks_inside_the_authorization_header_do_not_buy_more_writes() {
    // One write a minute after a burst of 3: the test would need a minute to earn a 4th.
    let forum = Forum::start(|c| {
        c.limits.writes_per_minute = 1;
        c.limits.write_burst = 3;
    })
    .await;
    let token = forum.member();
    let spellings = [
        format!("Bearer {token}"),
        format!("Bearer  {token}"),
        format!("bearer   {token}"),
        format!("Bearer {token} "),
        format!("BEARER\t{token}"),
        format!(" Bearer    {token}"),
    ];
    let mut accepted = 0;
    let mut limited = 0;
    for (i, authorization) in spellings.iter().enumerate() {
        let answer = forum
            .reply(authorization, &format!("spaced-{i}"), "Spaced out")
            .await;
        match answer.status() {
            StatusCode::CREATED => accepted += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(answer.headers().contains_key("retry-after"));
                limited += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        (accepted, limited),
        (3, 3),
        "every spelling is the same user"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invented_tokens_count_against_the_address_and_get_401() {
    let forum = Forum::start(|c| {
        c.limits.reads_per_minute = 1;
        c.limits.read_burst = 3;
    })
    .await;
    let mut codes = Vec::new();
    for i in 0..6 {
        let answer = forum
            .http
            .get(forum.url("/tree"))
            .bearer_auth(format!("tm_invented_{i}"))
            .send()
            .await
            .unwrap();
        codes.push(problem(answer).await.1);
    }
    assert_eq!(
        codes,
        [
            "unauthorized",
            "unauthorized",
            "unauthorized",
            "rate_limited",
            "rate_limited",
            "rate_limited"
        ]
    );
    // The address's allowance is spent, with or without a token.
    let anonymous = forum.http.get(forum.url("/tree")).send().await.unwrap();
    assert_eq!(problem(anonymous).await.1, "rate_limited");
    // The member's own allowance is untouched.
    let member = forum
        .http
        .get(forum.url("/tree"))
        .bearer_auth(forum.member())
        .send()
        .await
        .unwrap();
    assert_eq!(member.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_answers_a_bad_token_with_401() {
    let forum = Forum::start(|_| {}).await;
    let post_id = {
        let page: Value = forum
            .http
            .get(forum.url(&format!("/threads/{THREAD}/posts?limit=1")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["posts"][0]["id"].as_str().unwrap().to_owned()
    };
    let endpoints = [
        (Method::GET, "/status".to_owned()),
        (Method::GET, "/tree".to_owned()),
        (Method::GET, "/areas/advocacy/threads".to_owned()),
        (Method::GET, format!("/threads/{THREAD}")),
        (Method::GET, format!("/threads/{THREAD}/posts")),
        (Method::GET, format!("/posts/{post_id}")),
        (Method::GET, "/changes?since=now".to_owned()),
        (Method::POST, format!("/threads/{THREAD}/posts")),
        (Method::POST, "/areas/advocacy/threads".to_owned()),
        (Method::PATCH, format!("/posts/{post_id}")),
        (Method::PUT, "/admin/mode".to_owned()),
        (Method::POST, "/tokens".to_owned()),
    ];
    for (method, path) in &endpoints {
        for authorization in ["Bearer tm_revoked_or_invented", "Basic YW5uOnB3", "Bearer"] {
            let answer = forum
                .http
                .request(method.clone(), forum.url(path))
                .header("Authorization", authorization)
                .header("Idempotency-Key", "bad-token")
                .json(&json!({ "body": "x", "title": "x", "mode": "open" }))
                .send()
                .await
                .unwrap();
            let (status, code) = problem(answer).await;
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::UNAUTHORIZED, "unauthorized"),
                "{method} {path} with {authorization:?}"
            );
        }
    }
    // Without a token, reads still work: the check is on a token that is there.
    let anonymous = forum.http.get(forum.url("/tree")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_thread_takes_no_replies() {
    let dir = tempfile::tempdir().unwrap();
    threadmark::server::prepare_demo(dir.path()).unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("threadmark-server.sqlite3")).unwrap();
    conn.execute("UPDATE threads SET locked = 1 WHERE id = ?1", [THREAD])
        .unwrap();
    drop(conn);
    let mut config = ServerConfig::new(dir.path());
    config.demo = true;
    let server = start(config).await.unwrap();
    let http = reqwest::Client::new();
    let thread: Value = http
        .get(format!("{}/threads/{THREAD}", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(thread["locked"], true);
    let answer = http
        .post(format!("{}/threads/{THREAD}/posts", server.url()))
        .bearer_auth(server.token("member").unwrap())
        .header("Idempotency-Key", "locked-1")
        .json(&json!({ "body": "Let me in" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(answer).await,
        (StatusCode::FORBIDDEN, "thread_locked".to_owned())
    );
    let after: Value = http
        .get(format!("{}/threads/{THREAD}", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after["last_seq"], thread["last_seq"], "nothing was stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_and_titles_of_invisible_characters_are_empty() {
    let forum = Forum::start(|_| {}).await;
    let authorization = format!("Bearer {}", forum.member());
    for (i, blank) in [
        "\u{200b}\u{200b}\u{200b}",
        " \u{feff}\n\u{2060}\t",
        "\u{3164}\u{2800}\u{202e}",
        "\u{e0041}\u{e0042}",
    ]
    .iter()
    .enumerate()
    {
        let answer = forum
            .reply(&authorization, &format!("blank-{i}"), blank)
            .await;
        let status = answer.status();
        let body: Value = answer.json().await.unwrap();
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{blank:?}: {body}"
        );
        assert_eq!(body["errors"][0]["field"], "body");
        assert_eq!(body["errors"][0]["code"], "empty");
        let thread = forum
            .http
            .post(forum.url("/areas/advocacy/threads"))
            .header("Authorization", &authorization)
            .header("Idempotency-Key", format!("blank-title-{i}"))
            .json(&json!({ "title": blank, "body": "A real body" }))
            .send()
            .await
            .unwrap();
        let body: Value = thread.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], "title", "{blank:?}: {body}");
    }
    let real = forum.reply(&authorization, "real", "\u{200b}Real").await;
    assert_eq!(
        real.status(),
        StatusCode::CREATED,
        "text with a zero-width space is text"
    );
}

/// Sends raw bytes and reads the answer until the server closes.
fn raw_exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    // The server may answer and close before it has read everything sent.
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_the_http_layer_refuses_get_problem_json_and_the_mode() {
    let forum = Forum::start(|_| {}).await;
    let addr = forum.server.addr;
    let long_url = format!(
        "GET /api/v1/tree?q={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(70_000)
    );
    let huge_header = format!(
        "GET /api/v1/tree HTTP/1.1\r\nHost: x\r\nX-Filler: {}\r\n\r\n",
        "b".repeat(600_000)
    );
    let cases = [
        (long_url.into_bytes(), "414", "uri_too_long"),
        (huge_header.into_bytes(), "431", "headers_too_large"),
        (
            b"BR\x01KEN / HTTP/1.1\r\n\r\n".to_vec(),
            "400",
            "malformed_request",
        ),
    ];
    for (request, status, code) in cases {
        let answer = tokio::task::spawn_blocking(move || raw_exchange(addr, &request))
            .await
            .unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let head = head.to_ascii_lowercase();
        assert!(head.starts_with(&format!("http/1.1 {status}")), "{head}");
        assert!(
            head.contains("content-type: application/problem+json"),
            "{head}"
        );
        assert!(head.contains("forum-mode: open"), "{head}");
        let problem: Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["code"], code);
    }
    let still = forum.http.get(forum.url("/tree")).send().await.unwrap();
    assert_eq!(still.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_arrives_is_cut_off() {
    let forum = Forum::start(|c| {
        c.connections.body_timeout = Duration::from_secs(1);
        c.connections.header_timeout = Duration::from_secs(2);
    })
    .await;
    let addr = forum.server.addr;
    let request = format!(
        "POST /api/v1/threads/{THREAD}/posts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Idempotency-Key: slow-1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"body\"",
        forum.member()
    );
    let answer = tokio::task::spawn_blocking(move || raw_exchange(addr, request.as_bytes()))
        .await
        .unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    assert!(head.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(body.contains("\"code\":\"request_timeout\""), "{body}");
}
