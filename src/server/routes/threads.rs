//! Threads: an area's threads by keyset pages, one thread, and starting a new thread.

use super::conditional_json;
use crate::api::{FieldErrorCode, NewThread, Problem, ProblemCode, ThreadPage};
use crate::server::db::read::ThreadKey;
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, ApiPath, ApiQuery, AuthUser, MaybeUser};
use crate::server::idempotency::{self, InFlight};
use crate::server::routes::posts::check_body;
use crate::server::state::Shared;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
    limit: Option<u32>,
}

/// Default page size for thread lists.
const DEFAULT_LIMIT: u32 = 100;

pub(super) fn encode_cursor(key: &ThreadKey) -> String {
    format!(
        "{}.{}",
        key.last_post_at,
        crate::server::db::users::hex(key.id.as_bytes())
    )
}

pub(super) fn decode_cursor(cursor: &str) -> Option<ThreadKey> {
    let (at, id) = cursor.split_once('.')?;
    let bytes = (0..id.len())
        .step_by(2)
        .map(|i| {
            id.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()?;
    Some(ThreadKey {
        last_post_at: at.parse().ok()?,
        id: String::from_utf8(bytes).ok()?,
    })
}

pub fn page_limit(app: &Shared, limit: Option<u32>, default: u32) -> Result<u32, ApiError> {
    let max = app.config.limits.max_page_size;
    match limit {
        None => Ok(default.min(max)),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::code(
            ProblemCode::InvalidParameter,
            format!("limit must be 1 to {max}, not {n}"),
        )),
    }
}

pub async fn list(
    State(app): State<Shared>,
    viewer: MaybeUser,
    ApiPath(area): ApiPath<String>,
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
    let (mut threads, next) = app
        .store
        .threads_page(&area, after, limit, viewer.id())
        .await?
        .ok_or_else(|| ApiError::code(ProblemCode::AreaNotFound, format!("no area {area:?}")))?;
    // The caller's own reading, for a caller with a token.
    if let Some(user) = viewer.id() {
        let read = app.store.read_markers_of(user).await?;
        for thread in &mut threads {
            thread.read_to_seq = Some(read.get(&thread.id).copied().unwrap_or(0));
        }
        let levels = app.store.watch_levels_of(user).await?;
        crate::server::db::places::mark_watch(&levels, &mut threads);
    }
    let page = ThreadPage {
        threads,
        next_cursor: next.as_ref().map(encode_cursor),
    };
    super::json(axum::http::StatusCode::OK, &page)
}

pub async fn get(
    State(app): State<Shared>,
    viewer: MaybeUser,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut thread =
        app.store.thread(&id, viewer.id()).await?.ok_or_else(|| {
            ApiError::code(ProblemCode::ThreadNotFound, format!("no thread {id:?}"))
        })?;
    // The caller's own reading, for a caller with a token.
    if let Some(user) = viewer.id() {
        thread.read_to_seq = app
            .store
            .read_marker(user, id.clone())
            .await?
            .map(|m| m.read_to_seq);
        let levels = app.store.watch_levels_of(user).await?;
        crate::server::db::places::mark_watch(&levels, std::slice::from_mut(&mut thread));
    }
    conditional_json(&headers, &thread)
}

/// Adds the field errors of a thread title to `problem`.
pub fn check_title(app: &Shared, problem: Problem, title: &str) -> Problem {
    let title_chars = title.chars().count();
    if crate::text::sanitize::is_blank(title) {
        problem.field("title", FieldErrorCode::Empty, "a thread needs a title")
    } else if title_chars > app.config.limits.max_title_chars as usize {
        problem.field(
            "title",
            FieldErrorCode::TooLong,
            format!(
                "{title_chars} characters; at most {}",
                app.config.limits.max_title_chars
            ),
        )
    } else {
        problem
    }
}

pub async fn create(
    State(app): State<Shared>,
    AuthUser(user): AuthUser,
    ApiPath(area): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(new): ApiJson<NewThread>,
) -> Result<Response, ApiError> {
    let key = idempotency::key(&headers)?;
    let problem = check_title(
        &app,
        Problem::new(ProblemCode::ValidationFailed),
        &new.title,
    );
    let problem = check_body(&app, problem, &new.body);
    if !problem.errors.is_empty() {
        return Err(problem.into());
    }
    let keyed = idempotency::keyed(key, "POST", &format!("/areas/{area}/threads"), &new);
    let _running = InFlight::claim(&app, user.id, &keyed.key)?;
    let creation = app
        .store
        .create_thread(user, area, new, keyed, jiff::Timestamp::now())
        .await?;
    Ok(idempotency::respond(creation))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_cursors_round_trip_any_id() {
        let key = ThreadKey {
            last_post_at: 1_700_000_000_000_000,
            id: "advocacy-1.é/x".into(),
        };
        assert_eq!(decode_cursor(&encode_cursor(&key)), Some(key));
        assert_eq!(decode_cursor("garbage"), None);
        assert_eq!(decode_cursor("12.zz"), None);
    }
}
