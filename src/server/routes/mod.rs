//! The API v1 routes, one module per resource, and the conditional-GET helper they share.

pub(super) mod admin;
mod changes;
mod inbox;
mod messages;
mod moderation;
mod places;
mod posts;
mod reading;
mod register;
mod status;
mod structure;
mod threads;
mod tokens;
mod tree;

use super::error::ApiError;
use super::state::Shared;
use crate::api::{BASE_PATH, ProblemCode, headers};
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Every route, under [`BASE_PATH`].
pub fn router() -> Router<Shared> {
    let api = Router::new()
        .route("/status", get(status::get))
        .route("/tokens", post(tokens::create))
        .route("/register", post(register::create))
        .route("/me", get(tokens::me))
        .route("/tree", get(tree::get))
        .route(
            "/areas/{id}/threads",
            get(threads::list).post(threads::create),
        )
        .route("/threads/{id}", get(threads::get))
        .route("/threads/{id}/posts", get(posts::list).post(posts::create))
        .route("/threads/{id}/read", get(reading::get).put(reading::put))
        .route("/threads/{id}/watch", put(places::watch_thread))
        .route("/areas/{id}/watch", put(places::watch_area))
        .route("/bookmarks", get(places::bookmarks).post(places::bookmark))
        .route("/bookmarks/{post_id}", delete(places::unbookmark))
        .route("/posts", get(posts::of_threads))
        .route("/posts/{id}", get(posts::get).patch(posts::edit))
        .route("/posts/{id}/revisions", get(posts::revisions))
        .route(
            "/posts/{id}/reactions/like",
            put(posts::like).delete(posts::unlike),
        )
        .route("/changes", get(changes::get))
        .route("/notifications", get(inbox::list))
        .route("/notifications/read", put(inbox::mark_read))
        .route("/messages", get(messages::list).post(messages::create))
        .route("/users", get(inbox::user_names))
        .route("/admin/mode", put(admin::set_mode))
        .route("/admin/forum", patch(structure::edit_forum))
        .route("/admin/log", get(moderation::log))
        .route("/mod/threads/{id}", patch(moderation::moderate_thread))
        .route("/mod/threads/{id}/split", post(moderation::split_thread))
        .route("/mod/posts/{id}", patch(moderation::moderate_post))
        .route("/mod/users/{name}", patch(moderation::moderate_user))
        .route(
            "/admin/announcement",
            put(structure::set_announcement).delete(structure::clear_announcement),
        )
        .route(
            "/admin/sections/{id}",
            put(structure::put_section).delete(structure::remove_section),
        )
        .route(
            "/admin/areas/{id}",
            put(structure::put_area).delete(structure::remove_area),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    Router::new().nest(BASE_PATH, api).fallback(not_found)
}

async fn not_found() -> ApiError {
    ApiError::code(
        ProblemCode::NotFound,
        format!("no such endpoint; the API lives under {BASE_PATH}"),
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::code(
        ProblemCode::MethodNotAllowed,
        "this endpoint does not take that method",
    )
}

/// JSON with an `ETag` (a digest of the body), or 304 when `If-None-Match` has it.
pub fn conditional_json<T: Serialize>(
    request_headers: &HeaderMap,
    value: &T,
) -> Result<Response, ApiError> {
    conditional_json_tagged(request_headers, value, None)
}

/// Like [`conditional_json`], with the `ETag` given (a post's version) when there is one.
pub fn conditional_json_tagged<T: Serialize>(
    request_headers: &HeaderMap,
    value: &T,
    etag: Option<String>,
) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(value)
        .map_err(|e| ApiError::Internal(format!("encoding a response: {e}")))?;
    let etag = etag.unwrap_or_else(|| {
        let digest = Sha256::digest(&body);
        format!("\"{}\"", super::db::users::hex(&digest[..12]))
    });
    let etag_value = HeaderValue::from_str(&etag).map_err(|e| ApiError::Internal(e.to_string()))?;
    if none_match(request_headers, &etag) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response.headers_mut().insert(headers::ETAG, etag_value);
        return Ok(response);
    }
    Ok(json_with_etag(body, etag_value))
}

fn json_with_etag(body: Vec<u8>, etag: HeaderValue) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(headers::ETAG, etag);
    response
}

/// Does `If-None-Match` name this entity tag (weak comparison, `*` matches)?
fn none_match(request_headers: &HeaderMap, etag: &str) -> bool {
    request_headers
        .get_all(headers::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

/// Plain JSON with a status.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(value)
        .map_err(|e| ApiError::Internal(format!("encoding a response: {e}")))?;
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}
