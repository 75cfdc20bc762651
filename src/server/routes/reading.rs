//! The caller's reading state: `GET/PUT /threads/{id}/read`.

use crate::api::{FieldErrorCode, Problem, ProblemCode, ReadMarkPut};
use crate::model::ReadMark;
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, ApiPath, AuthUser};
use crate::server::idempotency::{self, InFlight};
use crate::server::state::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

fn no_thread(id: &str) -> ApiError {
    ApiError::code(ProblemCode::ThreadNotFound, format!("no thread {id:?}"))
}

pub async fn get(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let marker = app
        .store
        .read_marker(user.id, id.clone())
        .await?
        .ok_or_else(|| no_thread(&id))?;
    super::json(StatusCode::OK, &marker)
}

/// The mark a `PUT` asks for: exactly one of the two fields; an unread needs its time.
fn mark_of(put: &ReadMarkPut, now: jiff::Timestamp) -> Result<ReadMark, ApiError> {
    let problem = Problem::new(ProblemCode::ValidationFailed);
    match (put.read_to_seq, put.unread_from_seq) {
        (Some(seq), None) => Ok(ReadMark::ReadTo {
            seq,
            at: put.at.unwrap_or(now),
        }),
        (None, Some(0)) => Err(problem
            .field(
                "unread_from_seq",
                FieldErrorCode::Invalid,
                "posts are numbered from 1",
            )
            .into()),
        (None, Some(seq)) => match put.at {
            Some(at) => Ok(ReadMark::UnreadFrom { seq, at }),
            None => Err(problem
                .field(
                    "at",
                    FieldErrorCode::Empty,
                    "a mark unread carries when the user made it",
                )
                .into()),
        },
        _ => Err(problem
            .field(
                "read_to_seq",
                FieldErrorCode::Invalid,
                "send exactly one of read_to_seq and unread_from_seq",
            )
            .into()),
    }
}

pub async fn put(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<ReadMarkPut>,
) -> Result<Response, ApiError> {
    let key = idempotency::key(&headers)?;
    let now = jiff::Timestamp::now();
    let mark = mark_of(&body, now)?;
    let keyed = idempotency::keyed(key, "PUT", &format!("/threads/{id}/read"), &body);
    let _running = InFlight::claim(&app, user.id, &keyed.key)?;
    let answer = app
        .store
        .put_read_marker(user, id, mark, keyed, now)
        .await?;
    Ok(idempotency::respond(answer))
}
