//! The HTTP client every backend uses: timeouts, body caps, same-origin redirects only,
//! https except loopback, and one error type that says what went wrong.

use crate::config::{check_server_url, is_loopback};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use std::time::Duration;
use url::Url;

/// Largest decoded response body read, by default (a gzip bomb stops here).
pub const DEFAULT_BODY_CAP: usize = 16 * 1024 * 1024;

/// Timeouts (DESIGN §8).
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub connect: Duration,
    /// Longest silence while reading a response.
    pub read: Duration,
    /// Longest whole request.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            read: Duration::from_secs(30),
            total: Duration::from_secs(60),
        }
    }
}

/// Environment variable overriding the timeouts, in seconds: `connect=2,read=5,total=10`
/// (any of the three; the others keep their defaults). Meant for tests and unusual
/// networks; an unreadable value is an error, never silently ignored.
pub const TIMEOUTS_ENV: &str = "THREADMARK_TIMEOUTS";

impl Timeouts {
    /// The defaults, overridden by [`TIMEOUTS_ENV`] when it is set.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var(TIMEOUTS_ENV) {
            Ok(spec) => Self::parse(&spec),
            Err(std::env::VarError::NotPresent) => Ok(Self::default()),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(format!("{TIMEOUTS_ENV} is not valid text"))
            }
        }
    }

    /// Parses `connect=2,read=5,total=10` (seconds, fractions allowed) over the defaults.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut timeouts = Self::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || {
                format!(
                    "{TIMEOUTS_ENV}: {part:?} is not NAME=SECONDS \
                     (names: connect, read, total; e.g. \"connect=2,read=5,total=10\")"
                )
            };
            let (name, value) = part.split_once('=').ok_or_else(bad)?;
            let seconds: f64 = value.trim().parse().map_err(|_| bad())?;
            let duration = Duration::try_from_secs_f64(seconds)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(bad)?;
            match name.trim() {
                "connect" => timeouts.connect = duration,
                "read" => timeouts.read = duration,
                "total" => timeouts.total = duration,
                _ => return Err(bad()),
            }
        }
        Ok(timeouts)
    }
}

/// What went wrong talking to a server.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    /// No answer: refused, reset, DNS, TLS, proxy error pages.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// The request was sent but no full answer came in time; it may have been processed.
    #[error("server did not answer in time")]
    Timeout,
    /// The server answered with an error status.
    #[error("server said {status}: {message}")]
    Status {
        status: u16,
        /// The stable error code (`code` of a problem document, Discourse `error_type`).
        code: Option<String>,
        message: String,
        retry_after: Option<Duration>,
    },
    /// The answer was not what the API promises (malformed JSON, too large, a redirect to
    /// another origin): never used as data.
    #[error("bad answer from server: {0}")]
    Protocol(String),
}

impl RemoteError {
    /// What a backend answers for an outbox entry kind it cannot send (yet): refused for
    /// good, never retried, with words for the user.
    pub fn unsupported(kind: &str, server: &str) -> Self {
        Self::Status {
            status: 405,
            code: Some("method_not_allowed".to_owned()),
            message: format!("threadmark cannot send a {kind} to a {server} forum yet"),
            retry_after: None,
        }
    }

    /// Could the same request succeed later without anything changing on our side?
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Unreachable(_) | Self::Timeout | Self::Protocol(_) => true,
            Self::Status { status, .. } => *status >= 500 || matches!(*status, 408 | 409 | 429),
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// How long an idle pooled connection is kept for reuse.
const POOL_IDLE: Duration = Duration::from_secs(15);

/// An answer whose body was read within the cap.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// A client bound to one server's origin.
#[derive(Clone, Debug)]
pub struct HttpClient {
    client: reqwest::Client,
    base: Url,
    body_cap: usize,
}

impl HttpClient {
    /// A client for the server at `base` (https, or http on loopback).
    pub fn new(base: &str, timeouts: Timeouts) -> Result<Self, RemoteError> {
        let base = check_server_url(base).map_err(RemoteError::Protocol)?;
        let origin = base.origin();
        let mut builder = reqwest::Client::builder();
        if base.scheme() == "http" {
            // Plain http (loopback only): no certificate is ever checked, so the system's
            // CA certificates (a hundred files and more) are not loaded: that cost a
            // reader tens of milliseconds right after its first frame. Redirects stay on
            // this origin, so no https request can follow from it.
            builder = builder.tls_certs_only(Vec::new());
        }
        let client = builder
            .connect_timeout(timeouts.connect)
            .read_timeout(timeouts.read)
            .timeout(timeouts.total)
            .user_agent(concat!("threadmark/", env!("CARGO_PKG_VERSION")))
            // Shorter than servers keep an idle connection (`threadmark serve`: 20 s), so a
            // pooled connection is not reused just as the server closes it.
            .pool_idle_timeout(POOL_IDLE)
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                // Same origin only: custom auth headers must never reach another host.
                if attempt.previous().len() >= 5 || attempt.url().origin() != origin {
                    attempt.stop()
                } else {
                    attempt.follow()
                }
            }))
            .https_only(!is_loopback(&base))
            .build()
            .map_err(|e| RemoteError::Protocol(format!("cannot build HTTP client: {e}")))?;
        Ok(Self {
            client,
            base,
            body_cap: DEFAULT_BODY_CAP,
        })
    }

    #[must_use]
    pub fn with_body_cap(mut self, cap: usize) -> Self {
        self.body_cap = cap;
        self
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The URL of `path` (which starts with `/`) under the base URL's path.
    pub fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}{}", self.base.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        url
    }

    /// Starts a request to `path` under the base URL.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// Starts a request to an absolute URL on this client's origin (a picture's `src`);
    /// `None` for any other origin, whose host must never see this client's headers.
    pub fn request_url(&self, method: Method, url: Url) -> Option<reqwest::RequestBuilder> {
        (url.origin() == self.base.origin()).then(|| self.client.request(method, url))
    }

    /// Sends a request and reads the whole body within the cap. Any status is returned
    /// as an [`Answer`]; only transport failures are errors here.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Result<Answer, RemoteError> {
        let (client, request) = request.build_split();
        let request = request.map_err(|e| transport_error(&e))?;
        // Method and path only: queries hold cursors, headers hold credentials.
        let (method, path) = (request.method().clone(), request.url().path().to_owned());
        let mut response = client.execute(request).await.map_err(|e| {
            let error = transport_error(&e);
            tracing::debug!(%method, path, "no answer: {error}");
            error
        })?;
        let status = response.status();
        tracing::debug!(%method, path, status = status.as_u16(), "answer");
        // A redirect the policy did not follow (304 Not Modified is an answer, not one).
        if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
            return Err(RemoteError::Protocol(format!(
                "the server redirected to another origin ({}); not followed",
                response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map_or_else(
                        || "unknown".to_owned(),
                        |l| crate::text::sanitize::clean_line(l).into_owned()
                    )
            )));
        }
        let headers = response.headers().clone();
        if let Some(length) = response.content_length()
            && length > self.body_cap as u64
        {
            return Err(too_large(self.body_cap));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(&e))? {
            if body.len() + chunk.len() > self.body_cap {
                return Err(too_large(self.body_cap));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

fn too_large(cap: usize) -> RemoteError {
    RemoteError::Protocol(format!(
        "answer larger than {} MiB; not read",
        cap / (1024 * 1024)
    ))
}

fn transport_error(e: &reqwest::Error) -> RemoteError {
    if e.is_timeout() {
        RemoteError::Timeout
    } else if e.is_decode() || e.is_body() {
        // A body cut off mid-way, or one that does not decompress.
        RemoteError::Unreachable(format!("the answer was cut off ({})", root_cause(e)))
    } else {
        RemoteError::Unreachable(root_cause(e))
    }
}

/// The innermost error message (reqwest's own says little: "error sending request").
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    crate::text::sanitize::clean_line(&cause.to_string()).into_owned()
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = when.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(120)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(
            retry_after(&h),
            Some(Duration::ZERO),
            "a past date means now"
        );
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn timeouts_can_be_shortened_by_name() {
        let t = Timeouts::parse("total=2.5, connect=1").unwrap();
        assert_eq!(t.total, Duration::from_millis(2500));
        assert_eq!(t.connect, Duration::from_secs(1));
        assert_eq!(t.read, Timeouts::default().read);
        for bad in ["total", "total=soon", "total=0", "total=-1", "forever=3"] {
            let err = Timeouts::parse(bad).unwrap_err();
            assert!(err.contains(TIMEOUTS_ENV), "{err}");
        }
    }

    #[test]
    fn urls_keep_the_base_path() {
        let c =
            HttpClient::new("https://forum.example.org/community/", Timeouts::default()).unwrap();
        assert_eq!(
            c.url("/api/v1/tree").as_str(),
            "https://forum.example.org/community/api/v1/tree"
        );
        assert!(HttpClient::new("http://forum.example.org", Timeouts::default()).is_err());
    }
}
