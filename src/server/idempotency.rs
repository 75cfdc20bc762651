//! Idempotency keys on creating writes: the header's rules, the request digest, the in-flight guard, replayed answers.

use super::db::write::{Creation, Keyed};
use super::error::ApiError;
use super::state::Shared;
use crate::api::{ProblemCode, headers};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::PoisonError;

/// The key of a creating request: required, 1–128 visible ASCII characters.
pub fn key(headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(value) = headers.get(headers::IDEMPOTENCY_KEY) else {
        return Err(ApiError::code(
            ProblemCode::IdempotencyKeyMissing,
            "send an Idempotency-Key header (a UUIDv7 made once per post and kept for its retries)",
        ));
    };
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty()
        || key.len() > headers::MAX_IDEMPOTENCY_KEY_LEN
        || !key.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(ApiError::code(
            ProblemCode::IdempotencyKeyInvalid,
            "an Idempotency-Key is 1 to 128 visible ASCII characters",
        ));
    }
    Ok(key.to_owned())
}

/// A digest of what the request asks (method, path, the body as parsed), so that a
/// retry with other whitespace or field order is still "the same request".
pub fn keyed<T: Serialize>(key: String, method: &str, path: &str, body: &T) -> Keyed {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update(b" ");
    hasher.update(path.as_bytes());
    hasher.update(b"\n");
    hasher.update(serde_json::to_vec(body).unwrap_or_default());
    Keyed {
        key,
        request_hash: super::db::users::hex(&hasher.finalize()),
    }
}

/// Marks (user, key) as running until dropped; a second request with the same key
/// meanwhile gets 409 `idempotency_key_in_use`.
#[derive(Debug)]
pub struct InFlight {
    app: Shared,
    entry: (i64, String),
}

impl InFlight {
    pub fn claim(app: &Shared, user_id: i64, key: &str) -> Result<Self, ApiError> {
        let entry = (user_id, key.to_owned());
        let fresh = app
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(entry.clone());
        if !fresh {
            return Err(crate::api::Problem::new(ProblemCode::IdempotencyKeyInUse)
                .detail("the first request with this key is still running; retry in a moment")
                .retry_after(1)
                .into());
        }
        Ok(Self {
            app: app.clone(),
            entry,
        })
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.app
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.entry);
    }
}

/// The answer to a creating request: the stored body, flagged when replayed.
pub fn respond(creation: Creation) -> Response {
    let status = StatusCode::from_u16(creation.status).unwrap_or(StatusCode::CREATED);
    let mut response = (status, creation.body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if creation.replayed {
        h.insert(
            headers::IDEMPOTENT_REPLAYED,
            HeaderValue::from_static("true"),
        );
    }
    response
}
