//! Every request to one Discourse site goes through here: auth headers, the User-Agent,
//! the request budget (per priority, with the server's pauses kept in it), and the server
//! state seen on each answer.

use super::answer::{self, Reading};
use super::wire;
use crate::model::{Banner, Budget, ForumMode, Priority, RequestLog, Severity, describe_wait};
use crate::remote::{HttpClient, RemoteError, ServerState};
use crate::store::Credential;
use jiff::{SignedDuration, Timestamp};
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use serde::de::DeserializeOwned;
use std::time::Duration;

/// The banner shown while the forum refuses writes.
pub const READ_ONLY_BANNER_ID: &str = "discourse-read-only";
pub const READ_ONLY_TEXT: &str = "forum is read-only";

/// What threadmark calls itself. Discourse answers anonymous requests from user agents
/// it takes for crawlers with 403 "Crawler is not allowed!" when the site sets
/// `allowed_crawler_user_agents` (`lib/middleware/anonymous_cache.rb`,
/// `blocked_crawler?`); a user agent naming Discourse is not a crawler
/// (`lib/crawler_detection.rb`: `non_crawler_user_agents` holds "discourse", and its
/// spec passes `DiscourseAPI Ruby Gem`), one without a browser or Discourse token is.
pub const DISCOURSE_USER_AGENT: &str = concat!(
    "threadmark/",
    env!("CARGO_PKG_VERSION"),
    " (terminal client for Discourse; DiscourseAPI)"
);

/// Whether a request carries the account's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum As {
    Account,
    Anonymous,
}

#[derive(Debug)]
pub struct Transport {
    http: HttpClient,
    auth: HeaderMap,
    budget: Budget,
    /// Whom the next requests are for: the user (may spend the reserve) or background work.
    priority: Priority,
    state: ServerState,
}

impl Transport {
    pub fn new(http: HttpClient, auth: HeaderMap, budget: Budget) -> Self {
        Self {
            http,
            auth,
            budget,
            priority: Priority::Background,
            state: ServerState::default(),
        }
    }

    /// The forum's base URL.
    pub fn base_url(&self) -> &url::Url {
        self.http.base()
    }

    pub fn state(&self) -> &ServerState {
        &self.state
    }

    /// The forum's host name, for a title when it has none.
    pub fn host(&self) -> Option<&str> {
        self.http.base().host_str()
    }

    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    pub fn set_request_log(&mut self, log: RequestLog) {
        self.budget.set_log(log);
    }

    /// Requests from now on are for `priority`.
    pub fn set_priority(&mut self, priority: Priority) {
        self.priority = priority;
    }

    /// How long a request of the current priority must wait.
    pub fn wait(&self) -> Duration {
        self.budget.wait(Timestamp::now(), self.priority)
    }

    /// GETs `path` with `query` and decodes the JSON answer.
    pub async fn get<T: DeserializeOwned>(
        &mut self,
        path: &str,
        query: &[(&str, String)],
        who: As,
        what: &str,
    ) -> Result<T, RemoteError> {
        let (client, request) = self.http.request(Method::GET, path).build_split();
        let mut request =
            request.map_err(|e| RemoteError::Protocol(format!("cannot build the request: {e}")))?;
        if !query.is_empty() {
            request.url_mut().query_pairs_mut().extend_pairs(query);
        }
        let request = reqwest::RequestBuilder::from_parts(client, request);
        let body = self.send(request, who).await?;
        wire::decode(&body, what)
    }

    /// POSTs a JSON body for the user; returns the raw answer body for the caller to decode.
    pub async fn post(
        &mut self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<Vec<u8>, RemoteError> {
        self.write(Method::POST, path, &[], Some(body)).await
    }

    /// A write for the user (`POST`, `PUT`, `DELETE`), with a query and a JSON body when
    /// given; the same budget as every request. Returns the raw answer body.
    pub async fn write(
        &mut self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<Vec<u8>, RemoteError> {
        let mut request = self.http.request(method, path);
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let before = self.priority;
        self.priority = Priority::User;
        let result = self.send(request, As::Account).await;
        self.priority = before;
        result
    }

    /// POSTs a form (Rails' `timings[N]=…` hashes) with the account's key, at the
    /// current priority, with `headers` added. Returns the raw answer body.
    pub async fn post_form(
        &mut self,
        path: &str,
        form: &[(String, String)],
        headers: &[(&'static str, &'static str)],
    ) -> Result<Vec<u8>, RemoteError> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut request = self
            .http
            .request(Method::POST, path)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request, As::Account).await
    }

    async fn send(
        &mut self,
        request: reqwest::RequestBuilder,
        who: As,
    ) -> Result<Vec<u8>, RemoteError> {
        let now = Timestamp::now();
        let wait = self.budget.wait(now, self.priority);
        if !wait.is_zero() {
            // Fail fast, without touching the network: the server would refuse it, and a
            // refusal counts against the budget too.
            self.state.retry_after = Some(wait);
            let reason = self
                .budget
                .paused(now)
                .and_then(|(_, r)| r.map(str::to_owned));
            return Err(budget_error(wait, reason.as_deref()));
        }
        let request = match who {
            As::Account => request.headers(self.auth.clone()),
            As::Anonymous => request,
        }
        .header(USER_AGENT, DISCOURSE_USER_AGENT);
        // A key's budget counts the key's requests; one made without it (the status
        // check) counts against the address, which Discourse does not limit on loopback
        // or private networks and seldom reaches otherwise.
        if who == As::Account || self.auth.is_empty() {
            self.budget.record(now);
        }
        let answer = self.http.send(request).await?;
        let Reading {
            result,
            read_only,
            pause_site,
        } = answer::read(answer);
        if let Some(read_only) = read_only {
            self.set_read_only(read_only);
        }
        if let Some((wait, code)) = pause_site {
            let until = Timestamp::now()
                .checked_add(SignedDuration::try_from(wait).unwrap_or(SignedDuration::MAX))
                .unwrap_or_else(|_| Timestamp::now());
            self.budget.pause(until, &code);
            self.state.retry_after = Some(wait);
        } else if result.is_ok() {
            self.state.retry_after = None;
        }
        result
    }

    fn set_read_only(&mut self, read_only: bool) {
        match (read_only, self.state.mode) {
            (true, _) => {
                self.state.mode = ForumMode::ReadOnly;
                self.state.banner = Some(Banner {
                    id: READ_ONLY_BANNER_ID.to_owned(),
                    severity: Severity::Warning,
                    text: READ_ONLY_TEXT.to_owned(),
                    starts_at: None,
                    ends_at: None,
                    links: Vec::new(),
                });
            }
            (false, ForumMode::ReadOnly) => {
                self.state.mode = ForumMode::Open;
                self.state.banner = None;
            }
            (false, _) => {}
        }
    }
}

/// The error for a request the budget holds back: a `429` as the server would answer,
/// with the time it may go.
pub fn budget_error(wait: Duration, reason: Option<&str>) -> RemoteError {
    let why = match reason {
        Some(code) if code.ends_with("1_day") => "the forum's daily request limit is used up",
        Some(_) => "the forum asked to slow down",
        None => "the request budget for this forum is spent",
    };
    RemoteError::Status {
        status: 429,
        code: Some("rate_limited".to_owned()),
        message: format!("{why}; requests resume in {}", describe_wait(wait)),
        retry_after: Some(wait),
    }
}

/// The headers Discourse expects for each kind of key; none for anonymous reading.
pub fn auth_headers(credential: Option<&Credential>) -> Result<HeaderMap, RemoteError> {
    let mut headers = HeaderMap::new();
    let pairs: Vec<(&'static str, &str, bool)> = match credential {
        None => Vec::new(),
        Some(Credential::DiscourseUserApiKey { key, client_id }) => vec![
            ("user-api-key", key.expose(), true),
            ("user-api-client-id", client_id.as_str(), false),
        ],
        Some(Credential::DiscourseApiKey { key, username }) => vec![
            ("api-key", key.expose(), true),
            ("api-username", username.as_str(), false),
        ],
        Some(Credential::Bearer { .. }) => {
            return Err(RemoteError::Protocol(
                "this account holds a threadmark server token, not a Discourse key; \
                 run `threadmark login` again"
                    .to_owned(),
            ));
        }
    };
    for (name, value, sensitive) in pairs {
        let mut value = HeaderValue::from_str(value.trim()).map_err(|_| {
            RemoteError::Protocol(format!(
                "the stored {name} holds characters that cannot be sent; run `threadmark login` again"
            ))
        })?;
        value.set_sensitive(sensitive);
        headers.insert(HeaderName::from_static(name), value);
    }
    Ok(headers)
}
