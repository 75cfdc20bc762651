//! `GET /changes`: the changes log from a cursor, with `since=now` and long polling.

use super::threads::page_limit;
use crate::api::{ChangesPage, ProblemCode, SINCE_NOW};
use crate::server::db::{ChangesRead, Since};
use crate::server::error::ApiError;
use crate::server::extract::{ApiQuery, MaybeUser};
use crate::server::state::Shared;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Deserialize)]
pub struct ChangesQuery {
    since: Option<String>,
    limit: Option<u32>,
    /// Seconds to wait for a change when there is none yet.
    wait: Option<u32>,
}

const DEFAULT_LIMIT: u32 = 500;

/// A cursor names the store and a position in its log: `<store id>-<seq>`.
fn encode(store: &str, seq: i64) -> String {
    format!("{store}-{seq}")
}

fn expired(detail: &str) -> ApiError {
    ApiError::code(ProblemCode::CursorExpired, detail.to_owned())
}

fn decode(store: &str, since: Option<&str>) -> Result<Since, ApiError> {
    let Some(since) = since.filter(|s| !s.is_empty()) else {
        return Ok(Since::Seq(0));
    };
    if since == SINCE_NOW {
        return Ok(Since::Now);
    }
    let (id, seq) = since
        .rsplit_once('-')
        .and_then(|(id, seq)| Some((id, seq.parse::<i64>().ok()?)))
        .filter(|(_, seq)| *seq >= 0)
        .ok_or_else(|| {
            ApiError::code(ProblemCode::InvalidCursor, "this is not a changes cursor")
        })?;
    if id != store {
        return Err(expired(
            "this cursor is from another server store; take a fresh snapshot",
        ));
    }
    Ok(Since::Seq(seq))
}

pub async fn get(
    State(app): State<Shared>,
    viewer: MaybeUser,
    ApiQuery(query): ApiQuery<ChangesQuery>,
) -> Result<Response, ApiError> {
    let limit = page_limit(&app, query.limit, DEFAULT_LIMIT)?;
    let max_wait = app.config.limits.max_wait;
    let wait = Duration::from_secs(u64::from(query.wait.unwrap_or(0))).min(max_wait);
    let store = app.store.store_id().to_owned();
    let mut since = decode(&store, query.since.as_deref())?;
    let viewer = viewer.id();

    // Watch the head before the first read, so a commit between read and wait is seen
    // (the head moves on this process's commits and on every other process's).
    let mut head = app.store.head();
    head.borrow_and_update();
    let mut stopping = app.stopping.clone();
    let mut mode_epoch = app.mode_epoch.subscribe();
    mode_epoch.borrow_and_update();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let (changes, has_more, next) = match app.store.changes_page(since, limit, viewer).await? {
            ChangesRead::Page {
                changes,
                has_more,
                next,
            } => (changes, has_more, next),
            ChangesRead::Expired(why) => return Err(expired(why)),
        };
        let page = ChangesPage {
            changes,
            next_cursor: encode(&store, next),
            has_more,
        };
        if !page.changes.is_empty() || page.has_more || tokio::time::Instant::now() >= deadline {
            return super::json(axum::http::StatusCode::OK, &page);
        }
        since = Since::Seq(next);
        tokio::select! {
            moved = head.changed() => {
                if moved.is_err() {
                    return super::json(axum::http::StatusCode::OK, &page);
                }
            }
            () = tokio::time::sleep_until(deadline) => return super::json(axum::http::StatusCode::OK, &page),
            _ = stopping.changed() => return super::json(axum::http::StatusCode::OK, &page),
            // The answer carries the new Forum-Mode header.
            _ = mode_epoch.changed() => return super::json(axum::http::StatusCode::OK, &page),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_from_another_store_expire_and_garbage_is_invalid() {
        assert!(matches!(
            decode("ab12", Some(&encode("ab12", 7))),
            Ok(Since::Seq(7))
        ));
        assert!(matches!(decode("ab12", None), Ok(Since::Seq(0))));
        assert!(matches!(decode("ab12", Some("now")), Ok(Since::Now)));
        let other = decode("ab12", Some(&encode("cd34", 7)));
        assert!(matches!(other, Err(ApiError::Problem(p)) if p.code == ProblemCode::CursorExpired));
        let garbage = decode("ab12", Some("yesterday"));
        assert!(
            matches!(garbage, Err(ApiError::Problem(p)) if p.code == ProblemCode::InvalidCursor)
        );
    }
}
