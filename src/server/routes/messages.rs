//! Private messages: `POST /messages` starts one, `GET /messages` lists the caller's.
//! Replies, reading and the rest go through the usual thread and post endpoints, which
//! answer only the participants.

use super::posts::check_body;
use super::threads::{check_title, decode_cursor, encode_cursor, page_limit};
use crate::api::{FieldErrorCode, MessagePage, NewMessage, Problem, ProblemCode};
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, ApiQuery, AuthUser};
use crate::server::idempotency::{self, InFlight};
use crate::server::state::Shared;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
    limit: Option<u32>,
}

const DEFAULT_LIMIT: u32 = 100;

pub async fn list(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let limit = page_limit(&app, query.limit, DEFAULT_LIMIT)?;
    let after = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(decode_cursor(c).ok_or_else(|| {
            ApiError::code(
                ProblemCode::InvalidCursor,
                "this cursor was not issued by this server",
            )
        })?),
    };
    let (threads, next) = app.store.messages_page(user.id, after, limit).await?;
    let page = MessagePage {
        threads,
        next_cursor: next.as_ref().map(encode_cursor),
    };
    super::json(StatusCode::OK, &page)
}

pub async fn create(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    headers: HeaderMap,
    ApiJson(new): ApiJson<NewMessage>,
) -> Result<Response, ApiError> {
    let key = idempotency::key(&headers)?;
    let mut problem = check_title(
        &app,
        Problem::new(ProblemCode::ValidationFailed),
        &new.title,
    );
    problem = check_body(&app, problem, &new.body);
    if new.to.iter().all(|n| n.trim().is_empty()) {
        problem = problem.field("to", FieldErrorCode::Empty, "a message needs a recipient");
    }
    if !problem.errors.is_empty() {
        return Err(problem.into());
    }
    let keyed = idempotency::keyed(key, "POST", "/messages", &new);
    let _running = InFlight::claim(&app, user.id, &keyed.key)?;
    let creation = app
        .store
        .create_message(user, new, keyed, jiff::Timestamp::now())
        .await?;
    Ok(idempotency::respond(creation))
}
