//! Posts: a thread's posts by `seq`, the first page of several threads at once, one post,
//! replying, editing or deleting with `If-Match`, the texts it had before, and likes.

use super::threads::page_limit;
use super::{conditional_json, conditional_json_tagged};
use crate::api::{FieldErrorCode, NewPost, PostEdit, Problem, ProblemCode, headers};
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, ApiPath, ApiQuery, AuthUser, MaybeUser};
use crate::server::idempotency::{self, InFlight};
use crate::server::state::Shared;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    after_seq: Option<u32>,
    limit: Option<u32>,
}

/// Default page size for posts.
const DEFAULT_LIMIT: u32 = 500;

/// Adds the field errors of a post body to `problem`.
pub fn check_body(app: &Shared, problem: Problem, body: &str) -> Problem {
    let max = app.config.limits.max_post_chars;
    let chars = body.chars().count();
    if crate::text::sanitize::is_blank(body) {
        problem.field("body", FieldErrorCode::Empty, "a post needs some text")
    } else if chars > max as usize {
        problem.field(
            "body",
            FieldErrorCode::TooLong,
            format!("{chars} characters; at most {max}"),
        )
    } else {
        problem
    }
}

pub async fn list(
    State(app): State<Shared>,
    viewer: MaybeUser,
    ApiPath(thread_id): ApiPath<String>,
    ApiQuery(query): ApiQuery<ListQuery>,
    request_headers: HeaderMap,
) -> Result<Response, ApiError> {
    let limit = page_limit(&app, query.limit, DEFAULT_LIMIT)?;
    let after = query.after_seq.unwrap_or(0);
    let viewer = viewer.id();
    let page = app
        .store
        .posts_page(&thread_id, after, limit, viewer)
        .await?
        .ok_or_else(|| {
            ApiError::code(
                ProblemCode::ThreadNotFound,
                format!("no thread {thread_id:?}"),
            )
        })?;
    conditional_json(&request_headers, &page)
}

/// `GET /posts?thread=…&thread=…&limit=…`: the first page of several threads at once,
/// so a first sync asks once per batch of threads rather than once per thread. The
/// query is read by hand because `thread` repeats.
pub async fn of_threads(
    State(app): State<Shared>,
    viewer: MaybeUser,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let mut threads = Vec::new();
    let mut limit = None;
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match &*key {
            "thread" => threads.push(value.into_owned()),
            "limit" => {
                limit = Some(value.parse::<u32>().map_err(|_| {
                    ApiError::code(
                        ProblemCode::InvalidParameter,
                        format!("limit must be a whole number, not {value:?}"),
                    )
                })?);
            }
            _ => {}
        }
    }
    let max = app.config.limits.max_page_size;
    if threads.is_empty() || threads.len() > max as usize {
        return Err(ApiError::code(
            ProblemCode::InvalidParameter,
            format!(
                "name 1 to {max} threads with `thread=`, not {}",
                threads.len()
            ),
        ));
    }
    let limit = page_limit(&app, limit, DEFAULT_LIMIT)?;
    let pages = app
        .store
        .posts_of_threads(threads, limit, viewer.id())
        .await?;
    Ok(Json(pages).into_response())
}

pub async fn get(
    State(app): State<Shared>,
    viewer: MaybeUser,
    ApiPath(id): ApiPath<String>,
    request_headers: HeaderMap,
) -> Result<Response, ApiError> {
    let viewer = viewer.id();
    let post = app
        .store
        .post(&id, viewer)
        .await?
        .ok_or_else(|| ApiError::code(ProblemCode::PostNotFound, format!("no post {id:?}")))?;
    let etag = headers::post_etag(post.version);
    conditional_json_tagged(&request_headers, &post, Some(etag))
}

/// A post's `ETag` is its version, so that `If-Match` can carry it to an edit.
fn with_version(mut response: Response, version: u64) -> Result<Response, ApiError> {
    let value = HeaderValue::from_str(&headers::post_etag(version))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    response.headers_mut().insert(headers::ETAG, value);
    Ok(response)
}

pub async fn create(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(thread_id): ApiPath<String>,
    request_headers: HeaderMap,
    ApiJson(new): ApiJson<NewPost>,
) -> Result<Response, ApiError> {
    let key = idempotency::key(&request_headers)?;
    let problem = check_body(&app, Problem::new(ProblemCode::ValidationFailed), &new.body);
    if !problem.errors.is_empty() {
        return Err(problem.into());
    }
    let keyed = idempotency::keyed(key, "POST", &format!("/threads/{thread_id}/posts"), &new);
    let _running = InFlight::claim(&app, user.id, &keyed.key)?;
    let creation = app
        .store
        .create_post(user, thread_id, new, keyed, jiff::Timestamp::now())
        .await?;
    Ok(idempotency::respond(creation))
}

/// The version `If-Match` names: `"v3"` (or a bare `v3` / `3`).
fn if_match(request_headers: &HeaderMap) -> Result<u64, ApiError> {
    let Some(value) = request_headers.get(headers::IF_MATCH) else {
        return Err(ApiError::code(
            ProblemCode::PreconditionRequired,
            "send If-Match with the post's ETag (from GET /posts/{id}) so an edit never overwrites a newer one",
        ));
    };
    value
        .to_str()
        .ok()
        .map(|v| {
            v.trim()
                .trim_start_matches("W/")
                .trim_matches('"')
                .trim_start_matches('v')
        })
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            ApiError::code(
                ProblemCode::InvalidParameter,
                "If-Match must be a post ETag such as \"v3\"",
            )
        })
}

pub async fn edit(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
    request_headers: HeaderMap,
    ApiJson(edit): ApiJson<PostEdit>,
) -> Result<Response, ApiError> {
    let expected = if_match(&request_headers)?;
    let mut problem = Problem::new(ProblemCode::ValidationFailed);
    match (&edit.body, edit.deleted) {
        (Some(_), Some(true)) => {
            problem = problem.field(
                "deleted",
                FieldErrorCode::Invalid,
                "send a new body or deleted: true, not both",
            );
        }
        (None, Some(true)) => {}
        (Some(body), _) => problem = check_body(&app, problem, body),
        (None, _) => {
            problem = problem.field(
                "body",
                FieldErrorCode::Required,
                "send a new body, or deleted: true",
            );
        }
    }
    if !problem.errors.is_empty() {
        return Err(problem.into());
    }
    let post = app
        .store
        .edit_post(user, id, expected, edit, jiff::Timestamp::now())
        .await?;
    with_version(
        super::json(axum::http::StatusCode::OK, &post)?,
        post.version,
    )
}

/// `PUT /posts/{id}/reactions/like`.
pub async fn like(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    react(&app, user, id, true).await
}

/// `DELETE /posts/{id}/reactions/like`.
pub async fn unlike(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    react(&app, user, id, false).await
}

async fn react(
    app: &Shared,
    user: crate::server::db::users::UserInfo,
    id: String,
    on: bool,
) -> Result<Response, ApiError> {
    let post = app
        .store
        .set_like(user, id, on, jiff::Timestamp::now())
        .await?;
    with_version(
        super::json(axum::http::StatusCode::OK, &post)?,
        post.version,
    )
}

/// `GET /posts/{id}/revisions`.
pub async fn revisions(
    State(app): State<Shared>,
    viewer: MaybeUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let revisions = app
        .store
        .revisions(id.clone(), viewer.0)
        .await?
        .ok_or_else(|| ApiError::code(ProblemCode::PostNotFound, format!("no post {id:?}")))?;
    super::json(axum::http::StatusCode::OK, &revisions)
}
