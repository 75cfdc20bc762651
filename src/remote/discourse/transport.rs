//! Every request to one Discourse site goes through here: auth headers, the request
//! budget, site-wide rate-limit pauses (failing fast without touching the network) and
//! the server state seen on each answer.

use super::answer::{self, Reading};
use super::budget::Window;
use super::wire;
use crate::model::{Banner, ForumMode, Severity};
use crate::remote::{HttpClient, RemoteError, ServerState};
use crate::store::Credential;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};

/// The banner shown while the forum refuses writes.
pub const READ_ONLY_BANNER_ID: &str = "discourse-read-only";
pub const READ_ONLY_TEXT: &str = "forum is read-only";

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
    window: Window,
    paused_until: Option<Instant>,
    state: ServerState,
}

impl Transport {
    /// The forum's base URL.
    pub fn base_url(&self) -> &url::Url {
        self.http.base()
    }

    pub fn new(http: HttpClient, auth: HeaderMap, window: Window) -> Self {
        Self {
            http,
            auth,
            window,
            paused_until: None,
            state: ServerState::default(),
        }
    }

    pub fn state(&self) -> &ServerState {
        &self.state
    }

    /// The forum's host name, for a title when it has none.
    pub fn host(&self) -> Option<&str> {
        self.http.base().host_str()
    }

    pub fn window(&mut self) -> &mut Window {
        &mut self.window
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

    /// POSTs a JSON body; returns the raw answer body for the caller to decode.
    pub async fn post(
        &mut self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<Vec<u8>, RemoteError> {
        let request = self.http.request(Method::POST, path).json(body);
        self.send(request, As::Account).await
    }

    async fn send(
        &mut self,
        request: reqwest::RequestBuilder,
        who: As,
    ) -> Result<Vec<u8>, RemoteError> {
        let now = Instant::now();
        if let Some(until) = self.paused_until {
            if until > now {
                let wait = until - now;
                self.state.retry_after = Some(wait);
                return Err(paused_error(wait));
            }
            self.paused_until = None;
        }
        let request = match who {
            As::Account => request.headers(self.auth.clone()),
            As::Anonymous => request,
        };
        self.window.record(now);
        let answer = self.http.send(request).await?;
        let Reading {
            result,
            read_only,
            pause_site,
        } = answer::read(answer);
        if let Some(read_only) = read_only {
            self.set_read_only(read_only);
        }
        if let Some(wait) = pause_site {
            self.paused_until = Some(Instant::now() + wait);
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

fn paused_error(wait: Duration) -> RemoteError {
    RemoteError::Status {
        status: 429,
        code: Some("rate_limited".to_owned()),
        message: format!(
            "the forum asked to slow down; requests resume in {} s",
            wait.as_secs().max(1)
        ),
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
