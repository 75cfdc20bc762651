//! `PATCH /mod/threads/{id}` (lock, pin, move a thread), `POST /mod/threads/{id}/split`
//! (posts from one on into a new thread), `PATCH /mod/posts/{id}` (hide a
//! post behind a stub with the reason), `PATCH /mod/users/{name}` (silence a member; all
//! for moderators and admins) and `GET /admin/log` (what they did, newest first).

use super::threads::page_limit;
use crate::api::{
    ModLog, PostModeration, ProblemCode, ThreadModeration, ThreadSplit, UserModeration,
};
use crate::server::db::moderation::Actor;
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use crate::server::idempotency::{self, InFlight};
use crate::server::state::Shared;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

pub async fn moderate_thread(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(change): ApiJson<ThreadModeration>,
) -> Result<Response, ApiError> {
    let thread = app
        .store
        .moderate_thread(Actor::User(user), id, change, jiff::Timestamp::now())
        .await?;
    super::json(StatusCode::OK, &thread)
}

/// `POST /mod/threads/{id}/split`: a post and every later one become a new thread.
pub async fn split_thread(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(split): ApiJson<ThreadSplit>,
) -> Result<Response, ApiError> {
    let key = idempotency::key(&headers)?;
    if let Some(title) = &split.title {
        let problem = super::threads::check_title(
            &app,
            crate::api::Problem::new(ProblemCode::ValidationFailed),
            title,
        );
        if !problem.errors.is_empty() {
            return Err(problem.into());
        }
    }
    let keyed = idempotency::keyed(key, "POST", &format!("/mod/threads/{id}/split"), &split);
    let _running = InFlight::claim(&app, user.id, &keyed.key)?;
    let creation = app
        .store
        .split_thread(
            Actor::User(user),
            id,
            split,
            Some(keyed),
            jiff::Timestamp::now(),
        )
        .await?;
    Ok(idempotency::respond(creation))
}

pub async fn moderate_post(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(change): ApiJson<PostModeration>,
) -> Result<Response, ApiError> {
    let post = app
        .store
        .moderate_post(Actor::User(user), id, change, jiff::Timestamp::now())
        .await?;
    super::json(StatusCode::OK, &post)
}

/// `PATCH /mod/users/{name}`: silence a member until a time, or end it (`null`).
pub async fn moderate_user(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(name): ApiPath<String>,
    ApiJson(change): ApiJson<UserModeration>,
) -> Result<Response, ApiError> {
    let silenced = app
        .store
        .silence_user(
            Actor::User(user),
            name,
            change.silenced_until,
            jiff::Timestamp::now(),
        )
        .await?;
    super::json(StatusCode::OK, &crate::api::User::from(&silenced))
}

#[derive(Debug, Deserialize)]
pub struct LogQuery {
    limit: Option<u32>,
}

pub async fn log(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<LogQuery>,
) -> Result<Response, ApiError> {
    if !app.store.may_moderate(user).await? {
        return Err(ApiError::code(
            ProblemCode::Forbidden,
            "only a moderator or an admin can read the moderation log (role needed: moderator)",
        ));
    }
    let limit = page_limit(&app, query.limit, 100)?;
    let entries = app.store.mod_log(limit).await?;
    super::json(StatusCode::OK, &ModLog { entries })
}
