//! The caller's watch levels and bookmarks: `PUT /threads/{id}/watch`,
//! `PUT /areas/{id}/watch`, `GET/POST /bookmarks`, `DELETE /bookmarks/{post_id}`.

use crate::api::{BookmarkPost, FieldErrorCode, Problem, ProblemCode, WatchPut};
use crate::model::{AreaId, ThreadId, WatchTarget};
use crate::server::db::places::BookmarkChange;
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use crate::server::idempotency::{self, InFlight};
use crate::server::state::Shared;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};

/// The longest note a bookmark keeps, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;

async fn watch(
    app: Shared,
    user: crate::server::db::users::UserInfo,
    target: WatchTarget,
    headers: &HeaderMap,
    body: WatchPut,
) -> Result<Response, ApiError> {
    let key = idempotency::key(headers)?;
    let path = format!("/{}s/{}/watch", target.kind(), target.id());
    let keyed = idempotency::keyed(key, "PUT", &path, &body);
    let _running = InFlight::claim(&app, user.id, &keyed.key)?;
    let answer = app
        .store
        .put_watch(user, target, body, keyed, jiff::Timestamp::now())
        .await?;
    Ok(idempotency::respond(answer))
}

pub async fn watch_thread(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<WatchPut>,
) -> Result<Response, ApiError> {
    watch(
        app,
        user,
        WatchTarget::Thread(ThreadId::new(id)),
        &headers,
        body,
    )
    .await
}

pub async fn watch_area(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<WatchPut>,
) -> Result<Response, ApiError> {
    watch(
        app,
        user,
        WatchTarget::Area(AreaId::new(id)),
        &headers,
        body,
    )
    .await
}

pub async fn bookmarks(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
) -> Result<Response, ApiError> {
    let list = app.store.bookmarks(user.id).await?;
    super::json(StatusCode::OK, &list)
}

pub async fn bookmark(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<BookmarkPost>,
) -> Result<Response, ApiError> {
    let key = idempotency::key(&headers)?;
    let problem = Problem::new(ProblemCode::ValidationFailed);
    if body.post_id.trim().is_empty() {
        return Err(problem
            .field(
                "post_id",
                FieldErrorCode::Empty,
                "name the post to bookmark",
            )
            .into());
    }
    if body
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        return Err(problem
            .field(
                "note",
                FieldErrorCode::TooLong,
                format!("a bookmark's note holds at most {MAX_NOTE_CHARS} characters"),
            )
            .into());
    }
    let keyed = idempotency::keyed(key, "POST", "/bookmarks", &body);
    let _running = InFlight::claim(&app, user.id, &keyed.key)?;
    let note = body.note.filter(|n| !n.trim().is_empty());
    let answer = app
        .store
        .change_bookmark(
            user,
            body.post_id,
            BookmarkChange::Set { note },
            body.at,
            keyed,
            jiff::Timestamp::now(),
        )
        .await?;
    Ok(idempotency::respond(answer))
}

/// `DELETE /bookmarks/{post_id}?at=TIME`: `at` is when the user removed it.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RemoveQuery {
    at: Option<jiff::Timestamp>,
}

pub async fn unbookmark(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(post): ApiPath<String>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<RemoveQuery>,
) -> Result<Response, ApiError> {
    let key = idempotency::key(&headers)?;
    let keyed = idempotency::keyed(key, "DELETE", &format!("/bookmarks/{post}"), &query);
    let _running = InFlight::claim(&app, user.id, &keyed.key)?;
    let answer = app
        .store
        .change_bookmark(
            user,
            post,
            BookmarkChange::Remove,
            query.at,
            keyed,
            jiff::Timestamp::now(),
        )
        .await?;
    Ok(idempotency::respond(answer))
}
