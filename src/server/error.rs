//! Turning failures into RFC 9457 problem responses.

use super::db::write::Rejection;
use super::db::{DbError, WriteFailure};
use crate::api::{PROBLEM_JSON, Problem, ProblemCode, headers};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// What a handler fails with: a problem the client caused or must wait out, or a
/// server failure (logged, answered with a bare 500).
#[derive(Debug)]
pub enum ApiError {
    Problem(Box<Problem>),
    Internal(String),
}

impl ApiError {
    pub fn code(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self::Problem(Box::new(Problem::new(code).detail(detail)))
    }
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        Self::Problem(Box::new(p))
    }
}

/// `Retry-After` while the database cannot be reached: the engine reconnects by itself,
/// and a client's retry soon after usually finds it back.
const STORE_RETRY_AFTER_S: u32 = 2;

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        if e.is_unavailable() {
            eprintln!("threadmark serve: warning: {e}");
            return Problem::new(ProblemCode::StoreUnavailable)
                .detail("the server cannot reach its database right now; nothing was lost, retry shortly")
                .retry_after(STORE_RETRY_AFTER_S)
                .into();
        }
        Self::Internal(e.to_string())
    }
}

impl From<Arc<DbError>> for ApiError {
    fn from(e: Arc<DbError>) -> Self {
        match Arc::try_unwrap(e) {
            Ok(e) => e.into(),
            Err(shared) => DbError::Shared(shared).into(),
        }
    }
}

impl From<WriteFailure<Rejection>> for ApiError {
    fn from(f: WriteFailure<Rejection>) -> Self {
        match f {
            WriteFailure::Rejected(p) => Self::Problem(p),
            WriteFailure::Store(e) => e.into(),
        }
    }
}

/// The JSON body of a problem with `code` and `detail`.
pub fn problem_body(code: ProblemCode, detail: &str) -> Vec<u8> {
    serde_json::to_vec(&Problem::new(code).detail(detail)).unwrap_or_default()
}

/// A problem as an HTTP response, with `Retry-After` when it says when to retry.
pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if let Some(seconds) = problem.retry_after_s {
        h.insert(headers::RETRY_AFTER, HeaderValue::from(seconds));
    }
    if problem.code == ProblemCode::Unauthorized {
        h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Problem(p) => problem_response(&p),
            ApiError::Internal(message) => {
                eprintln!("threadmark serve: error: {message}");
                problem_response(
                    &Problem::new(ProblemCode::Internal)
                        .detail("the server failed to complete the request; try again later"),
                )
            }
        }
    }
}
