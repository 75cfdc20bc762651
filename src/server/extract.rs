//! Request extractors that fail with problem+json: JSON bodies, query strings, paths, bearer tokens.

use super::auth::{Caller, identify};
use super::db::users::UserInfo;
use super::error::ApiError;
use super::state::Shared;
use crate::api::ProblemCode;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::{StatusCode, header, request::Parts};
use serde::de::DeserializeOwned;
use std::time::Duration;

/// A JSON body: 415 unless it says JSON, 413 over the size limit, 408 when it does not
/// arrive within the body timeout, 400 when it does not parse, 422 when it parses but has
/// the wrong shape.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Shared> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, app: &Shared) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::code(
                ProblemCode::UnsupportedMediaType,
                "send the body with Content-Type: application/json",
            ));
        }
        let timeout = app.config.connections.body_timeout;
        let bytes = tokio::time::timeout(timeout, Bytes::from_request(request, app))
            .await
            .map_err(|_| too_slow(timeout))?
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::code(
                        ProblemCode::PayloadTooLarge,
                        "the request body is over the server's limit (see /status)",
                    )
                } else {
                    ApiError::code(ProblemCode::MalformedJson, rejection.body_text())
                }
            })?;
        serde_json::from_slice(&bytes).map(ApiJson).map_err(|e| {
            use serde_json::error::Category;
            match e.classify() {
                Category::Data => ApiError::code(ProblemCode::InvalidBody, e.to_string()),
                Category::Syntax | Category::Eof | Category::Io => {
                    ApiError::code(ProblemCode::MalformedJson, e.to_string())
                }
            }
        })
    }
}

fn too_slow(timeout: Duration) -> ApiError {
    ApiError::code(
        ProblemCode::RequestTimeout,
        format!(
            "the request body did not arrive within {} s",
            timeout.as_secs()
        ),
    )
}

/// Query parameters; 400 `invalid_parameter` when they do not parse.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(q)| ApiQuery(q))
            .map_err(|e| ApiError::code(ProblemCode::InvalidParameter, e.body_text()))
    }
}

/// Path parameters; 400 `invalid_parameter` when they do not parse.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(p)| ApiPath(p))
            .map_err(|e| ApiError::code(ProblemCode::InvalidParameter, e.body_text()))
    }
}

/// The caller [`super::auth::admit`] found, or (should a route be served without it)
/// found here; 401 for a token that is present but bad.
async fn caller(parts: &Parts, app: &Shared) -> Result<Option<UserInfo>, ApiError> {
    let caller = match parts.extensions.get::<Caller>() {
        Some(caller) => caller.clone(),
        None => identify(&parts.headers, app).await?,
    };
    match caller {
        Caller::Anonymous => Ok(None),
        Caller::User(user) => Ok(Some(user)),
        Caller::BadToken(why) => Err(ApiError::code(ProblemCode::Unauthorized, why)),
    }
}

/// The authenticated user; 401 without a valid token.
#[derive(Debug)]
pub struct AuthUser(pub UserInfo);

impl FromRequestParts<Shared> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Shared) -> Result<Self, Self::Rejection> {
        caller(parts, app).await?.map(AuthUser).ok_or_else(|| {
            ApiError::code(
                ProblemCode::Unauthorized,
                "this call needs `Authorization: Bearer <token>` (POST /tokens)",
            )
        })
    }
}

/// The user when a token is sent (reads work without one); 401 for a bad token.
#[derive(Debug)]
pub struct MaybeUser(pub Option<UserInfo>);

impl MaybeUser {
    pub fn id(&self) -> Option<i64> {
        self.0.as_ref().map(|u| u.id)
    }
}

impl FromRequestParts<Shared> for MaybeUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Shared) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(caller(parts, app).await?))
    }
}
