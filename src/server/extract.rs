//! Request extractors that fail with problem+json: JSON bodies, query strings, paths, bearer tokens.

use super::db::users::UserInfo;
use super::error::ApiError;
use super::state::Shared;
use crate::api::ProblemCode;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::{StatusCode, header, request::Parts};
use serde::de::DeserializeOwned;

/// A JSON body: 415 unless it says JSON, 413 over the size limit, 400 when it does not
/// parse, 422 when it parses but has the wrong shape.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
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
        let bytes = Bytes::from_request(request, state)
            .await
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

fn bearer(parts: &Parts) -> Result<Option<String>, ApiError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().unwrap_or_default();
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(ApiError::code(
            ProblemCode::Unauthorized,
            "send the token as `Authorization: Bearer <token>`",
        )),
    }
}

async fn lookup(parts: &Parts, app: &Shared) -> Result<Option<UserInfo>, ApiError> {
    let Some(token) = bearer(parts)? else {
        return Ok(None);
    };
    let user = app.store.user_by_token(&token).await?;
    match user {
        Some(user) => Ok(Some(user)),
        None => Err(ApiError::code(
            ProblemCode::Unauthorized,
            "this token is unknown or revoked; get a new one from POST /tokens",
        )),
    }
}

/// The authenticated user; 401 without a valid token.
#[derive(Debug)]
pub struct AuthUser(pub UserInfo);

impl FromRequestParts<Shared> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Shared) -> Result<Self, Self::Rejection> {
        lookup(parts, app).await?.map(AuthUser).ok_or_else(|| {
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
        Ok(MaybeUser(lookup(parts, app).await?))
    }
}
