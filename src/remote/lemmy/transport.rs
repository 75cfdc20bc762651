//! Every request to one Lemmy instance goes through here: the API prefix of the version
//! the server speaks, `Authorization: Bearer` with the account's JWT, the request budget,
//! pauses the server imposed (failing fast without touching the network meanwhile), and
//! Lemmy's answers read into one error type.

use super::answer::{self, Reading};
use super::version::ApiVersion;
use super::wire;
use crate::remote::discourse::{RequestBudget, Window};
use crate::remote::{HttpClient, RemoteError, ServerState};
use crate::store::Secret;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};

/// Whether a request carries the account's JWT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum As {
    Account,
    Anonymous,
}

#[derive(Debug)]
pub struct Transport {
    http: HttpClient,
    auth: Option<HeaderValue>,
    version: Option<ApiVersion>,
    window: Window,
    /// The instance's own window (its published "message" limit), waited out after a
    /// rate limit that names no time.
    instance_window: Option<Duration>,
    paused_until: Option<Instant>,
    state: ServerState,
}

impl Transport {
    pub fn new(
        http: HttpClient,
        jwt: Option<&Secret>,
        budget: RequestBudget,
    ) -> Result<Self, RemoteError> {
        let auth = jwt
            .map(|jwt| {
                let mut value = HeaderValue::from_str(&format!("Bearer {}", jwt.expose().trim()))
                    .map_err(|_| {
                        RemoteError::Protocol(
                            "the stored token holds characters that cannot be sent; run `threadmark login` again"
                                .to_owned(),
                        )
                    })?;
                value.set_sensitive(true);
                Ok::<_, RemoteError>(value)
            })
            .transpose()?;
        Ok(Self {
            http,
            auth,
            version: None,
            window: Window::new(budget),
            instance_window: None,
            paused_until: None,
            state: ServerState::default(),
        })
    }

    pub fn base_url(&self) -> &url::Url {
        self.http.base()
    }

    pub fn host(&self) -> Option<&str> {
        self.http.base().host_str()
    }

    pub fn state(&self) -> &ServerState {
        &self.state
    }

    pub fn logged_in(&self) -> bool {
        self.auth.is_some()
    }

    /// The API in use, once detected.
    pub fn version(&self) -> Option<ApiVersion> {
        self.version
    }

    pub fn set_version(&mut self, version: ApiVersion) {
        self.version = Some(version);
    }

    pub fn window(&mut self) -> &mut Window {
        &mut self.window
    }

    /// Replaces the budget (the instance published its own limits).
    pub fn set_budget(&mut self, budget: RequestBudget) {
        if self.window.budget() != budget {
            self.window = Window::new(budget);
        }
    }

    /// What the instance published about its limits.
    pub fn set_instance_limits(&mut self, limits: Option<wire::RateLimits>) {
        self.instance_window = limits
            .and_then(|l| l.message_per_second)
            .filter(|&s| s > 0)
            .map(|s| Duration::from_secs(u64::from(s)));
    }

    /// GETs `path` under the API prefix of `version` (the detected one when `None`).
    pub async fn get_at<T: DeserializeOwned>(
        &mut self,
        version: ApiVersion,
        path: &str,
        query: &[(&str, String)],
        who: As,
        what: &str,
    ) -> Result<T, RemoteError> {
        let url_path = format!("{}{path}", version.prefix());
        let (client, request) = self.http.request(Method::GET, &url_path).build_split();
        let mut request =
            request.map_err(|e| RemoteError::Protocol(format!("cannot build the request: {e}")))?;
        if !query.is_empty() {
            request.url_mut().query_pairs_mut().extend_pairs(query);
        }
        let request = reqwest::RequestBuilder::from_parts(client, request);
        let body = self.send(request, who).await?;
        wire::decode(&body, what)
    }

    /// GETs `path` from the detected API.
    pub async fn get<T: DeserializeOwned>(
        &mut self,
        path: &str,
        query: &[(&str, String)],
        who: As,
        what: &str,
    ) -> Result<T, RemoteError> {
        let version = self.require_version()?;
        self.get_at(version, path, query, who, what).await
    }

    /// POSTs a JSON body to the detected API and decodes the answer.
    pub async fn post<T: DeserializeOwned>(
        &mut self,
        path: &str,
        body: &serde_json::Value,
        who: As,
        what: &str,
    ) -> Result<T, RemoteError> {
        let version = self.require_version()?;
        let url_path = format!("{}{path}", version.prefix());
        let request = self.http.request(Method::POST, &url_path).json(body);
        let answer = self.send(request, who).await?;
        wire::decode(&answer, what)
    }

    fn require_version(&self) -> Result<ApiVersion, RemoteError> {
        self.version.ok_or_else(|| {
            RemoteError::Protocol("the instance's API version is not known yet".to_owned())
        })
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
                return Err(answer::paused_error(wait));
            }
            self.paused_until = None;
        }
        let request = match (who, &self.auth) {
            (As::Account, Some(auth)) => request.header(AUTHORIZATION, auth.clone()),
            _ => request,
        };
        self.window.record(now);
        let answer = self.http.send(request).await?;
        let default_wait = self.instance_window.unwrap_or(self.window.budget().per);
        let with_token = who == As::Account && self.auth.is_some();
        let Reading { result, pause } = answer::read(answer, with_token, default_wait);
        if let Some(wait) = pause {
            self.paused_until = Some(Instant::now() + wait);
            self.state.retry_after = Some(wait);
        } else if result.is_ok() {
            self.state.retry_after = None;
        }
        result
    }
}

/// A polite share of what an instance allows one address: a third of its "message"
/// bucket (every API request counts there), by default 180 a minute.
pub fn polite_budget(limits: Option<wire::RateLimits>) -> RequestBudget {
    let requests = limits.and_then(|l| l.message).unwrap_or(180);
    let seconds = limits
        .and_then(|l| l.message_per_second)
        .filter(|&s| s > 0)
        .unwrap_or(60);
    RequestBudget {
        requests: (requests / 3).max(1),
        per: Duration::from_secs(u64::from(seconds)),
    }
}
