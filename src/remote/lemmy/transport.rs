//! Every request to one Lemmy instance goes through here: the API prefix of the version
//! the server speaks, `Authorization: Bearer` with the account's JWT, the request budget,
//! pauses the server imposed (failing fast without touching the network meanwhile), and
//! Lemmy's answers read into one error type.

use super::answer::{self, Reading};
use super::version::ApiVersion;
use super::wire;
use crate::model::{Budget, Limit, Limits, Priority, RequestLog};
use crate::remote::{HttpClient, RemoteError, ServerState};
use crate::store::Secret;
use jiff::Timestamp;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::de::DeserializeOwned;
use std::time::Duration;

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
    /// The requests spent, the limits they are counted against, and a pause the instance
    /// imposed.
    budget: Budget,
    /// The instance's own window (its published "message" limit), waited out after a
    /// rate limit that names no time.
    instance_window: Option<Duration>,
    state: ServerState,
}

impl Transport {
    pub fn new(http: HttpClient, jwt: Option<&Secret>, limit: Limit) -> Result<Self, RemoteError> {
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
            budget: Budget::new(Limits::new([limit]), RequestLog::default()),
            instance_window: None,
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

    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// Replaces the limit (the instance published its own), keeping what was spent.
    pub fn set_limit(&mut self, limit: Limit) {
        if self.budget.limits().windows != [limit] {
            self.budget = Budget::new(Limits::new([limit]), self.budget.log().clone());
        }
    }

    /// How long background work must wait before its next request (zero: go now).
    pub fn background_wait(&self) -> Duration {
        let now = Timestamp::now();
        if self.budget.available(now, Priority::Background) > 0 {
            return Duration::ZERO;
        }
        self.budget
            .wait(now, Priority::Background)
            .max(Duration::from_millis(100))
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
        let now = Timestamp::now();
        if let Some((until, _)) = self.budget.paused(now) {
            let wait = Duration::try_from(until.duration_since(now)).unwrap_or(Duration::ZERO);
            self.state.retry_after = Some(wait);
            return Err(answer::paused_error(wait));
        }
        let request = match (who, &self.auth) {
            (As::Account, Some(auth)) => request.header(AUTHORIZATION, auth.clone()),
            _ => request,
        };
        self.budget.record(now);
        let answer = self.http.send(request).await?;
        let default_wait = self
            .instance_window
            .or_else(|| self.budget.limits().windows.first().map(|w| w.per))
            .unwrap_or(Duration::from_secs(60));
        let with_token = who == As::Account && self.auth.is_some();
        let Reading { result, pause } = answer::read(answer, with_token, default_wait);
        if let Some(wait) = pause {
            let wait_for = jiff::SignedDuration::try_from(wait).unwrap_or_default();
            if let Ok(until) = Timestamp::now().checked_add(wait_for) {
                let reason = if result.is_err() {
                    "rate_limited"
                } else {
                    "x-ratelimit-remaining: 0"
                };
                self.budget.pause(until, reason);
            }
            self.state.retry_after = Some(wait);
        } else if result.is_ok() {
            self.state.retry_after = None;
        }
        result
    }
}

/// A polite share of what an instance allows one address: a third of its "message"
/// bucket (every API request counts there), by default 180 a minute.
pub fn polite_limit(limits: Option<wire::RateLimits>) -> Limit {
    let requests = limits.and_then(|l| l.message).unwrap_or(180);
    let seconds = limits
        .and_then(|l| l.message_per_second)
        .filter(|&s| s > 0)
        .unwrap_or(60);
    Limit::new(
        (requests / 3).max(1),
        Duration::from_secs(u64::from(seconds)),
    )
}
