//! A stand-in Lemmy on 127.0.0.1 (real Lemmy cannot run here), behaving like Lemmy 0.19
//! (API v3 only) or Lemmy 1.0 (API v4): the routes threadmark uses, JWTs checked the way
//! Lemmy's session middleware does (an unknown or expired token is ignored and the
//! request read anonymously, `crates/routes/src/middleware/session.rs` /
//! `src/session_middleware.rs`; writes then fail `not_logged_in`), errors named and sent
//! as 400 (`crates/utils/src/error.rs`: only `incorrect_login` is 401, a missing record
//! 404 in 1.0), and per-IP rate limits as each version has them: 0.19 a token bucket
//! answering 400 `rate_limit_error` without headers (`crates/utils/src/rate_limit/`),
//! 1.0 a fixed window answering 429 with `retry-after` and `x-ratelimit-*`, headers its
//! allowed answers carry too (actix-extensible-rate-limit `add_headers`). It can swallow
//! the answer to a stored comment (the client times out), answers scripted errors, and
//! records every request.

use super::routes;
use super::world::{Api, Instance};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// One request as the stand-in received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: Method,
    /// The path below the API prefix ("/comment"), or the whole path outside it.
    pub path: String,
    pub query: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    pub fn query_value(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// A canned answer for the next request to `path` (below the prefix) with `method`.
#[derive(Clone, Debug)]
pub struct Canned {
    pub method: Method,
    pub path: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// A rate-limit bucket of one kind ("message", "comment", "post").
#[derive(Clone, Debug)]
pub struct Bucket {
    pub capacity: u32,
    pub seconds: u32,
    /// 0.19: tokens left, last refill; 1.0: requests in the window, window end.
    used: f64,
    mark: Option<Instant>,
}

impl Bucket {
    pub fn new(capacity: u32, seconds: u32) -> Self {
        Self {
            capacity,
            seconds,
            used: 0.0,
            mark: None,
        }
    }

    /// 0.19's token bucket: `capacity` tokens, refilled at `capacity / seconds` a second.
    fn take_token(&mut self, now: Instant) -> bool {
        let elapsed = self
            .mark
            .map_or(0.0, |m| now.duration_since(m).as_secs_f64());
        let rate = f64::from(self.capacity) / f64::from(self.seconds.max(1));
        let tokens = if self.mark.is_none() {
            f64::from(self.capacity)
        } else {
            (f64::from(self.capacity) - self.used + elapsed * rate).min(f64::from(self.capacity))
        };
        self.mark = Some(now);
        if tokens >= 1.0 {
            self.used = f64::from(self.capacity) - (tokens - 1.0);
            true
        } else {
            self.used = f64::from(self.capacity) - tokens;
            false
        }
    }

    /// 1.0's fixed window: (allowed, remaining, seconds until the window resets).
    fn count(&mut self, now: Instant) -> (bool, u32, u64) {
        let window = Duration::from_secs(u64::from(self.seconds));
        match self.mark {
            Some(end) if end > now => self.used += 1.0,
            _ => {
                self.mark = Some(now + window);
                self.used = 1.0;
            }
        }
        let end = self.mark.unwrap_or(now);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let used = self.used as u32;
        let reset = end.saturating_duration_since(now).as_secs_f64().ceil();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        (
            used <= self.capacity,
            self.capacity.saturating_sub(used),
            reset as u64,
        )
    }
}

/// What the stand-in knows and how it behaves.
#[derive(Debug)]
pub struct World {
    pub api: Api,
    pub instance: Instance,
    /// JWT → person id: the tokens Lemmy's `login_token` table accepts.
    pub tokens: HashMap<String, i64>,
    pub message: Bucket,
    pub comment: Bucket,
    pub post: Bucket,
    /// Store a new comment, then wait this long before answering (the client times out).
    pub reply_delay: Option<Duration>,
    pub script: VecDeque<Canned>,
    pub recorded: Vec<Recorded>,
}

impl World {
    pub fn new(api: Api, instance: Instance) -> Self {
        Self {
            api,
            instance,
            tokens: HashMap::new(),
            message: Bucket::new(180, 60),
            comment: Bucket::new(6, 600),
            post: Bucket::new(6, 600),
            reply_delay: None,
            script: VecDeque::new(),
            recorded: Vec::new(),
        }
    }

    /// A token for `person`, as a login would give.
    pub fn issue_token(&mut self, person: i64) -> String {
        let n = self.tokens.len() + 1;
        let token =
            format!("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ7cGVyc29ufSJ9.s{person}x{n}");
        self.tokens.insert(token.clone(), person);
        token
    }

    /// Forgets every token (they expired, or were revoked).
    pub fn expire_tokens(&mut self) {
        self.tokens.clear();
    }
}

/// A running stand-in; stops when dropped.
#[derive(Debug)]
pub struct StandIn {
    pub url: String,
    world: Arc<Mutex<World>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl StandIn {
    pub async fn start(world: World) -> Self {
        let world = Arc::new(Mutex::new(world));
        let app = Router::new().fallback(handle).with_state(world.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, world, task }
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.world().recorded.clone()
    }

    pub fn requests_to(&self, method: &Method, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == *method && r.path == path)
            .collect()
    }

    pub fn clear_requests(&self) {
        self.world().recorded.clear();
    }

    pub fn script(
        &self,
        method: Method,
        path: &str,
        status: u16,
        headers: &[(&str, &str)],
        body: &str,
    ) {
        self.world().script.push_back(Canned {
            method,
            path: path.to_owned(),
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.to_owned(),
        });
    }
}

type Shared = Arc<Mutex<World>>;

async fn handle(
    State(world): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (response, delay) = {
        let mut w = world.lock().unwrap();
        let prefix = w.api.prefix();
        let path = uri
            .path()
            .strip_prefix(prefix)
            .map_or_else(|| uri.path().to_owned(), str::to_owned);
        let recorded = Recorded {
            method: method.clone(),
            path: path.clone(),
            query: uri.query().unwrap_or_default().to_owned(),
            headers: headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        v.to_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        w.recorded.push(recorded.clone());
        if !uri.path().starts_with(&format!("{prefix}/")) {
            // Another API version, or no API at all: actix's bare 404.
            return StatusCode::NOT_FOUND.into_response();
        }
        let limited = rate_limit(&mut w, &recorded);
        let response = match limited {
            Err(refusal) => *refusal,
            Ok(headers) => {
                let mut response = respond(&mut w, &recorded);
                for (k, v) in headers {
                    response.headers_mut().insert(k, v);
                }
                response
            }
        };
        let delay = (method == Method::POST
            && recorded.path == "/comment"
            && response.status().is_success())
        .then_some(w.reply_delay)
        .flatten();
        (response, delay)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    response
}

/// Spends the request's buckets: the message bucket for every request, and the comment
/// or post bucket for creating one. `Ok` carries the headers an allowed 1.0 answer gets.
fn rate_limit(
    w: &mut World,
    r: &Recorded,
) -> Result<Vec<(&'static str, HeaderValue)>, Box<Response>> {
    let now = Instant::now();
    let api = w.api;
    let mut buckets: Vec<&mut Bucket> = vec![&mut w.message];
    if r.method == Method::POST && r.path == "/comment" {
        buckets.push(&mut w.comment);
    }
    if r.method == Method::POST && r.path == "/post" {
        buckets.push(&mut w.post);
    }
    let mut headers = Vec::new();
    for bucket in buckets {
        match api {
            Api::V3 => {
                if !bucket.take_token(now) {
                    return Err(Box::new(error(api, "rate_limit_error", None)));
                }
            }
            Api::V4 => {
                let (allowed, remaining, reset) = bucket.count(now);
                let limit = HeaderValue::from(bucket.capacity);
                if !allowed {
                    let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
                    let h = response.headers_mut();
                    h.insert("x-ratelimit-limit", limit);
                    h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
                    h.insert("x-ratelimit-reset", HeaderValue::from(reset));
                    h.insert("retry-after", HeaderValue::from(reset));
                    return Err(Box::new(response));
                }
                headers = vec![
                    ("x-ratelimit-limit", limit),
                    ("x-ratelimit-remaining", HeaderValue::from(remaining)),
                    ("x-ratelimit-reset", HeaderValue::from(reset)),
                ];
            }
        }
    }
    Ok(headers)
}

pub fn json_response(status: u16, value: &Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// A named Lemmy error: 0.19 `{"error": name}` (plus `message` for errors carrying
/// one); 1.0 adds `cause`. 401 for `incorrect_login`, 404 for 1.0's `not_found`, 400
/// otherwise.
pub fn error(api: Api, name: &str, message: Option<&str>) -> Response {
    let status = match (api, name) {
        (_, "incorrect_login") => 401,
        (Api::V4, "not_found") => 404,
        _ => 400,
    };
    let mut body = json!({ "error": name });
    if let Some(m) = message {
        body["message"] = json!(m);
    }
    if api == Api::V4 {
        let cause: String = name
            .split('_')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        body["cause"] = json!(cause);
    }
    json_response(status, &body)
}

/// The caller, as the session middleware decides: a known token's person; anything
/// else reads anonymously.
pub fn caller(w: &World, r: &Recorded) -> Option<i64> {
    let token = r.header("authorization")?.strip_prefix("Bearer ")?.trim();
    w.tokens.get(token).copied()
}

fn respond(w: &mut World, r: &Recorded) -> Response {
    if let Some(i) = w
        .script
        .iter()
        .position(|c| c.method == r.method && c.path == r.path)
    {
        let canned = w.script.remove(i).unwrap();
        let mut response =
            (StatusCode::from_u16(canned.status).unwrap(), canned.body).into_response();
        for (k, v) in canned.headers {
            response.headers_mut().insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        return response;
    }
    let viewer = caller(w, r);
    let api = w.api;
    match (&r.method, r.path.as_str(), api) {
        (&Method::GET, "/site", _) => routes::site(w, viewer),
        (&Method::GET, "/account", Api::V4) => match viewer {
            Some(v) => json_response(200, &super::shapes::my_user(&w.instance, api, v)),
            None => error(api, "not_logged_in", None),
        },
        (&Method::POST, "/user/login", Api::V3)
        | (&Method::POST, "/account/auth/login", Api::V4) => routes::login(w, r),
        (&Method::GET, "/community/list", _) => routes::communities(w, r, viewer),
        (&Method::GET, "/post/list", _) => routes::posts(w, r, viewer),
        (&Method::GET, "/post", _) => routes::post(w, r, viewer),
        (&Method::GET, "/comment/list", _) => routes::comments(w, r, viewer),
        (&Method::GET, "/user", Api::V3) | (&Method::GET, "/person/content", Api::V4) => {
            routes::person_content(w, r, viewer)
        }
        (&Method::POST, "/comment", _) => routes::create_comment(w, r, viewer),
        (&Method::POST, "/post", _) => routes::create_post(w, r, viewer),
        (&Method::POST, "/post/mark_as_read", _) => routes::mark_read(w, r, viewer),
        (&Method::GET, "/user/replies", Api::V3) => super::inbox::replies(w, r, viewer, false),
        (&Method::GET, "/user/mention", Api::V3) => super::inbox::replies(w, r, viewer, true),
        (&Method::GET, "/private_message/list", Api::V3) => super::inbox::messages(w, r, viewer),
        (&Method::POST, "/comment/mark_as_read", Api::V3) => {
            super::inbox::mark_read(w, r, viewer, "comment_reply_id")
        }
        (&Method::POST, "/user/mention/mark_as_read", Api::V3) => {
            super::inbox::mark_read(w, r, viewer, "person_mention_id")
        }
        (&Method::POST, "/private_message/mark_as_read", Api::V3) => {
            super::inbox::mark_read(w, r, viewer, "private_message_id")
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
