//! The forum's mode at run time: the gate that refuses writes or everything, and the `Forum-Mode` header on every response.

use super::error::problem_response;
use super::state::Shared;
use crate::api::{self, BASE_PATH, ForumMode, ForumModeHeader, Problem, ProblemCode, headers};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use std::sync::PoisonError;

/// The mode, its banner, and the `Retry-After` given while writes are refused.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModeState {
    pub mode: ForumMode,
    #[serde(default)]
    pub banner: Option<api::Banner>,
    #[serde(default)]
    pub retry_after_s: u32,
    /// Which change of mode this is (the store counts them), so that processes sharing a
    /// database never take an older mode over a newer one.
    #[serde(skip)]
    pub version: u64,
}

impl ModeState {
    pub fn header(&self) -> HeaderValue {
        let value = ForumModeHeader {
            mode: self.mode,
            banner: self.banner.as_ref().map(|b| b.text.clone()),
        }
        .encode();
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("open"))
    }

    fn refusal(&self, code: ProblemCode, detail: &str) -> Problem {
        let mut problem = Problem::new(code)
            .detail(detail)
            .retry_after(self.retry_after_s);
        problem.banner.clone_from(&self.banner);
        problem
    }
}

/// What the mode allows for one request, before it reaches its handler.
fn refuse(state: &ModeState, method: &Method, path: &str) -> Option<Problem> {
    let route = path.strip_prefix(BASE_PATH).unwrap_or(path);
    // Status always answers; the admin calls must stay reachable to reopen the forum.
    if route == "/status" || route.starts_with("/admin/") {
        return None;
    }
    let reads = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    match state.mode {
        ForumMode::Open => None,
        ForumMode::Maintenance => Some(state.refusal(
            ProblemCode::Maintenance,
            "the forum is down for maintenance; only /status answers",
        )),
        ForumMode::ReadOnly if reads => None,
        ForumMode::ReadOnly if route == "/tokens" || route == "/register" => Some(state.refusal(
            ProblemCode::LoginsDisabled,
            "logins are disabled while the forum is read-only; reading works without a token",
        )),
        ForumMode::ReadOnly => Some(state.refusal(
            ProblemCode::ReadOnly,
            "the forum is read-only for now; keep the write and send it again later",
        )),
    }
}

/// Middleware: refuse what the mode forbids, and stamp `Forum-Mode` on every response.
pub async fn gate(State(app): State<Shared>, request: Request, next: Next) -> Response {
    let refused = {
        let state = app.mode.read().unwrap_or_else(PoisonError::into_inner);
        refuse(&state, request.method(), request.uri().path())
    };
    let mut response = match refused {
        Some(problem) => problem_response(&problem),
        None => next.run(request).await,
    };
    // Read the mode again: an admin call may just have changed it.
    let header = app
        .mode
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .header();
    response.headers_mut().insert(headers::FORUM_MODE, header);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_refuses_writes_and_logins_but_not_reads_or_admin() {
        let state = ModeState {
            mode: ForumMode::ReadOnly,
            banner: None,
            retry_after_s: 60,
            version: 0,
        };
        assert!(refuse(&state, &Method::GET, "/api/v1/tree").is_none());
        let write = refuse(&state, &Method::POST, "/api/v1/threads/t/posts").unwrap();
        assert_eq!(write.code, ProblemCode::ReadOnly);
        assert_eq!(write.retry_after_s, Some(60));
        let login = refuse(&state, &Method::POST, "/api/v1/tokens").unwrap();
        assert_eq!(login.code, ProblemCode::LoginsDisabled);
        assert!(refuse(&state, &Method::PUT, "/api/v1/admin/mode").is_none());
    }

    #[test]
    fn maintenance_leaves_only_status_and_admin() {
        let state = ModeState {
            mode: ForumMode::Maintenance,
            ..ModeState::default()
        };
        assert!(refuse(&state, &Method::GET, "/api/v1/status").is_none());
        assert!(refuse(&state, &Method::PUT, "/api/v1/admin/mode").is_none());
        assert_eq!(
            refuse(&state, &Method::GET, "/api/v1/tree").unwrap().code,
            ProblemCode::Maintenance
        );
    }
}
