//! What concerns the caller: `GET /notifications`, `PUT /notifications/read`, and
//! `GET /users?prefix=` (names for completion).

use super::threads::page_limit;
use crate::api::{FieldErrorCode, NotificationsRead, Problem, ProblemCode, UserNames};
use crate::server::db::notifications::MAX_IDS;
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, ApiQuery, AuthUser};
use crate::server::state::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
    limit: Option<u32>,
    /// Only the unread ones.
    #[serde(default)]
    unread: bool,
}

const DEFAULT_LIMIT: u32 = 50;

/// Completion asks for a handful of names.
const DEFAULT_NAMES: u32 = 20;

pub async fn list(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let limit = page_limit(&app, query.limit, DEFAULT_LIMIT)?;
    let page = app
        .store
        .notifications(
            user.id,
            query.cursor.unwrap_or_default(),
            limit,
            query.unread,
        )
        .await?;
    super::json(StatusCode::OK, &page)
}

pub async fn mark_read(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<NotificationsRead>,
) -> Result<Response, ApiError> {
    let problem = Problem::new(ProblemCode::ValidationFailed);
    if body.all != body.ids.is_empty() {
        return Err(problem
            .field(
                "ids",
                FieldErrorCode::Invalid,
                "send the ids to mark read, or all: true (not both)",
            )
            .into());
    }
    if body.ids.len() > MAX_IDS {
        return Err(problem
            .field(
                "ids",
                FieldErrorCode::TooLong,
                format!("{} ids; at most {MAX_IDS} at once", body.ids.len()),
            )
            .into());
    }
    let marked = app
        .store
        .mark_notifications_read(user.id, body, jiff::Timestamp::now())
        .await?;
    super::json(StatusCode::OK, &marked)
}

#[derive(Debug, Deserialize)]
pub struct NamesQuery {
    #[serde(default)]
    prefix: String,
    limit: Option<u32>,
}

pub async fn user_names(
    State(app): State<Shared>,
    AuthUser(_): AuthUser,
    ApiQuery(query): ApiQuery<NamesQuery>,
) -> Result<Response, ApiError> {
    let limit = page_limit(&app, query.limit, DEFAULT_NAMES)?;
    let users = app.store.user_names(query.prefix, limit).await?;
    super::json(StatusCode::OK, &UserNames { users })
}
