//! `GET /changes`: the changes log from a cursor, with `since=now` and long polling.

use super::threads::page_limit;
use crate::api::{ChangesPage, ProblemCode, SINCE_NOW};
use crate::server::db::{DbError, changes_head, read};
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

/// Where to read from, or why not.
enum Since {
    Now,
    Seq(i64),
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
    let store = app.db.store_id().to_owned();
    let since = decode(&store, query.since.as_deref())?;
    let viewer = viewer.id();

    // Watch the head before the first read, so a commit between read and wait is seen.
    let mut head = app.db.head();
    head.borrow_and_update();
    let mut stopping = app.stopping.clone();
    let mut mode_epoch = app.mode_epoch.subscribe();
    mode_epoch.borrow_and_update();
    let deadline = tokio::time::Instant::now() + wait;
    let mut since = since;
    loop {
        let from = since;
        let page_store = store.clone();
        let (page, cursor) = app
            .db
            .read(move |conn| {
                let tx = conn.unchecked_transaction().map_err(DbError::from)?;
                let head = changes_head(&tx)?;
                let from = match from {
                    Since::Now => head,
                    Since::Seq(seq) => seq,
                };
                let horizon = read::changes_horizon(&tx)?;
                if from < horizon {
                    return Err(expired(
                        "changes after this cursor were forgotten (older than the retention); take a fresh snapshot",
                    ));
                }
                if from > head {
                    return Err(expired("this cursor is ahead of the server's log; take a fresh snapshot"));
                }
                let (changes, has_more, last) = read::changes_after(&tx, from, limit, viewer)?;
                let next = last.unwrap_or(from);
                Ok::<_, ApiError>((
                    ChangesPage {
                        changes,
                        next_cursor: encode(&page_store, next),
                        has_more,
                    },
                    next,
                ))
            })
            .await?;
        if !page.changes.is_empty() || page.has_more || tokio::time::Instant::now() >= deadline {
            return super::json(axum::http::StatusCode::OK, &page);
        }
        since = Since::Seq(cursor);
        tokio::select! {
            changed = head.changed() => {
                if changed.is_err() {
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
